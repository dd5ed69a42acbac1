package locks

import (
	"bytes"
	"encoding/binary"
	"slices"

	"logdb/kv"
)

// Limits of the lock table, the same on every replica (they are part of
// the apply function): a request past one fails with StatusTooMany, which
// sql reports as PostgreSQL does, 53200 "out of shared memory".
const (
	// MaxLocksPerOwner is how many distinct locks one session may hold or
	// wait for at once.
	MaxLocksPerOwner = 10_000
	// MaxLocks is how many distinct locks the cluster's table may hold.
	MaxLocks = 1_000_000
	// maxDeadlockVisit bounds the waits-for walk of one request.
	maxDeadlockVisit = 10_000
)

// Apply is the kv.LockFunc: it applies one op to the lock table in st.
// Deterministic: the outcome depends only on the table and the op.
func Apply(st kv.LockState, _ uint64, b []byte) (out []byte, refuse bool, err error) {
	op, derr := decodeOp(b)
	if derr != nil {
		o := Outcome{Status: StatusBad, WaitAt: -1}
		return o.encode(), true, nil
	}
	t := &table{st: st}
	o, refuse := t.apply(op)
	if t.err != nil {
		return nil, false, t.err
	}
	return o.encode(), refuse, nil
}

// table is one op's view of the lock table; the first failed state call
// sticks in err (and makes the op's outcome moot: the node stops).
type table struct {
	st     kv.LockState
	err    error
	grants []Grant
}

func (t *table) apply(op Op) (Outcome, bool) {
	switch op.kind {
	case opNodeStart:
		t.put(nodeKey(op.owner.Node), binary.BigEndian.AppendUint64(nil, op.owner.Inc))
		t.releaseNode(op.owner.Node, func(inc uint64) bool { return inc != op.owner.Inc })
		return t.outcome(StatusOK), false
	case opNodeGone:
		if t.current(op.owner) {
			t.del(nodeKey(op.owner.Node))
			t.releaseNode(op.owner.Node, func(inc uint64) bool { return inc == op.owner.Inc })
		}
		return t.outcome(StatusOK), false
	}
	if !t.current(op.owner) {
		// The owner's locks went with its incarnation: nothing to release,
		// nothing may be taken, a commit that counted on them is refused.
		switch op.kind {
		case opRelAll, opCancel:
			return t.outcome(StatusOK), false
		}
		return t.outcome(StatusLost), true
	}
	switch op.kind {
	case opAcquire:
		return t.outcome(t.acquire(op)), false
	case opRows:
		return t.acquireRows(op), false // rows.go
	case opUnrows:
		t.releaseRows(op) // rows.go
	case opRelease:
		return t.outcome(t.release(op)), false
	case opRelAll:
		t.releaseAll(op.owner, op.flags&flagSession != 0, op.flags&flagXact != 0)
	case opCancel:
		t.cancel(op)
	case opCommit:
		t.releaseAll(op.owner, false, true)
	}
	return t.outcome(StatusOK), false
}

func (t *table) outcome(s Status) Outcome { return Outcome{Status: s, Grants: t.grants, WaitAt: -1} }

// current reports whether o's incarnation is its node's current one.
func (t *table) current(o Owner) bool {
	v := t.get(nodeKey(o.Node))
	return len(v) == 8 && binary.BigEndian.Uint64(v) == o.Inc
}

func (t *table) acquire(op Op) Status {
	o, tag := op.owner, op.tag
	t.withdrawWait(o) // a session waits for one thing at a time
	r := t.load(tag)
	xact := op.flags&flagXact != 0
	if i := slices.IndexFunc(r.holders, func(h holder) bool { return h.owner == o && h.mode == op.mode }); i >= 0 {
		r.hold(o, op.mode, xact, 0) // re-entrant
		t.save(tag, &r)
		return StatusOK
	}
	blocked := len(r.blockers(o, op.mode, len(r.waiters))) > 0
	if blocked && op.flags&flagWait == 0 {
		return StatusNotAvailable
	}
	if blocked && t.deadlocks(o, r.blockers(o, op.mode, len(r.waiters))) {
		return StatusDeadlock
	}
	if !r.involves(o) {
		if t.count(o) >= MaxLocksPerOwner || r.empty() && t.total() >= MaxLocks {
			return StatusTooMany
		}
		if r.empty() {
			t.addTotal(1)
		}
		t.put(ownedKey(o, tag), []byte{1})
		t.addCount(o, 1)
	}
	if !blocked {
		r.hold(o, op.mode, xact, op.req) // Cancel(req) can undo it
		t.save(tag, &r)
		return StatusOK
	}
	r.waiters = append(r.waiters, waiter{owner: o, mode: op.mode, xact: xact, req: op.req})
	t.save(tag, &r)
	w := append([]byte{byte(op.mode)}, binary.BigEndian.AppendUint64(nil, op.req)...)
	t.put(waitKey(o), append(w, tag...))
	return StatusWaiting
}

func (t *table) release(op Op) Status {
	r := t.load(op.tag)
	i := slices.IndexFunc(r.holders, func(h holder) bool { return h.owner == op.owner && h.mode == op.mode && h.sess > 0 })
	if i < 0 {
		return StatusNotHeld
	}
	r.holders[i].sess--
	if r.holders[i].sess == 0 && r.holders[i].xact == 0 {
		r.holders = slices.Delete(r.holders, i, i+1)
	}
	t.settle(op.owner, op.tag, &r)
	return StatusOK
}

// releaseAll drops o's session-level holds (with session), its
// transaction-level ones (with xact) and its wait.
func (t *table) releaseAll(o Owner, session, xact bool) {
	t.withdrawWait(o)
	prefix := o.append([]byte{keyOwned})
	var tags [][]byte
	t.scan(prefix, func(k, _ []byte) bool {
		tags = append(tags, bytes.Clone(k[len(prefix):]))
		return true
	})
	for _, tag := range tags {
		r := t.load(tag)
		changed := false
		kept := r.holders[:0]
		for _, h := range r.holders {
			if h.owner == o {
				if xact && h.xact > 0 || session && h.sess > 0 {
					changed = true
				}
				if xact {
					h.xact = 0
				}
				if session {
					h.sess = 0
				}
				if h.sess == 0 && h.xact == 0 {
					continue
				}
			}
			kept = append(kept, h)
		}
		r.holders = kept
		if changed {
			t.settle(o, tag, &r)
		}
	}
}

// cancel withdraws request op.req: its wait, or the hold its grant gave.
func (t *table) cancel(op Op) {
	if w := t.get(waitKey(op.owner)); len(w) >= 9 && binary.BigEndian.Uint64(w[1:]) == op.req {
		t.withdrawWait(op.owner)
		return
	}
	r := t.load(op.tag)
	i := slices.IndexFunc(r.holders, func(h holder) bool {
		return h.owner == op.owner && h.mode == op.mode && h.grantedReq == op.req && op.req != 0
	})
	if i < 0 {
		return
	}
	h := &r.holders[i]
	h.grantedReq = 0
	if op.flags&flagXact != 0 && h.xact > 0 {
		h.xact--
	} else if h.sess > 0 {
		h.sess--
	}
	if h.sess == 0 && h.xact == 0 {
		r.holders = slices.Delete(r.holders, i, i+1)
	}
	t.settle(op.owner, op.tag, &r)
}

// withdrawWait removes o's queued request, if any.
func (t *table) withdrawWait(o Owner) {
	w := t.get(waitKey(o))
	if len(w) < 9 {
		return
	}
	t.del(waitKey(o))
	tag := bytes.Clone(w[9:])
	r := t.load(tag)
	req := binary.BigEndian.Uint64(w[1:])
	r.waiters = slices.DeleteFunc(r.waiters, func(x waiter) bool { return x.owner == o && x.req == req })
	t.settle(o, tag, &r)
}

// releaseNode releases every owner of node whose incarnation matches.
func (t *table) releaseNode(node uint64, match func(inc uint64) bool) {
	prefix := binary.BigEndian.AppendUint64([]byte{keyOwned}, node)
	var owners []Owner
	t.scan(prefix, func(k, _ []byte) bool {
		o := readOwner(k[1:])
		if match(o.Inc) && (len(owners) == 0 || owners[len(owners)-1] != o) {
			owners = append(owners, o)
		}
		return true
	})
	for _, o := range owners {
		t.releaseAll(o, true, true)
	}
}

// settle grants what the change to r freed, then stores r and o's index
// entries for tag.
func (t *table) settle(o Owner, tag []byte, r *record) {
	t.grantWaiters(tag, r)
	if !r.involves(o) && t.get(ownedKey(o, tag)) != nil {
		t.del(ownedKey(o, tag))
		t.addCount(o, -1)
	}
	if r.empty() {
		t.addTotal(-1)
	}
	t.save(tag, r)
}

// grantWaiters grants, in queue order, every waiter nothing blocks.
func (t *table) grantWaiters(tag []byte, r *record) {
	for i := 0; i < len(r.waiters); {
		w := r.waiters[i]
		if len(r.blockers(w.owner, w.mode, i)) > 0 {
			i++
			continue
		}
		r.waiters = slices.Delete(r.waiters, i, i+1)
		r.hold(w.owner, w.mode, w.xact, w.req)
		t.del(waitKey(w.owner))
		t.grants = append(t.grants, Grant{Owner: w.owner, Req: w.req})
		i = 0 // a grant may unblock none, but an earlier waiter's blockers changed
	}
}

// deadlocks reports whether o waiting for blockers would close a cycle in
// the waits-for graph.
func (t *table) deadlocks(o Owner, blockers []Owner) bool {
	seen := map[Owner]bool{}
	stack := slices.Clone(blockers)
	for len(stack) > 0 && len(seen) < maxDeadlockVisit {
		b := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if b == o {
			return true
		}
		if seen[b] {
			continue
		}
		seen[b] = true
		w := t.get(waitKey(b))
		if len(w) < 9 {
			continue
		}
		r := t.load(w[9:])
		pos := slices.IndexFunc(r.waiters, func(x waiter) bool { return x.owner == b })
		if pos < 0 {
			continue
		}
		stack = append(stack, r.blockers(b, Mode(w[0]), pos)...)
	}
	return false
}

func (t *table) load(tag []byte) record { return decodeRecord(t.get(lockKey(tag))) }

func (t *table) save(tag []byte, r *record) {
	if r.empty() {
		t.del(lockKey(tag))
		return
	}
	t.put(lockKey(tag), r.encode())
}

func (t *table) count(o Owner) int64 {
	v := t.get(countKey(o))
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func (t *table) addCount(o Owner, d int64) {
	n := t.count(o) + d
	if n <= 0 {
		t.del(countKey(o))
		return
	}
	t.put(countKey(o), binary.BigEndian.AppendUint64(nil, uint64(n)))
}

func (t *table) total() int64 {
	v := t.get([]byte{keyTotal})
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func (t *table) addTotal(d int64) {
	n := t.total() + d
	if n <= 0 {
		t.del([]byte{keyTotal})
		return
	}
	t.put([]byte{keyTotal}, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

func (t *table) get(k []byte) []byte {
	if t.err != nil {
		return nil
	}
	return t.st.Get(k)
}

func (t *table) put(k, v []byte) {
	if t.err == nil {
		t.err = t.st.Put(k, v)
	}
}

func (t *table) del(k []byte) {
	if t.err == nil {
		t.err = t.st.Delete(k)
	}
}

func (t *table) scan(prefix []byte, fn func(k, v []byte) bool) {
	if t.err == nil {
		t.err = t.st.Scan(prefix, fn)
	}
}
