package locks

import (
	"encoding/binary"
	"slices"
)

// Keys of the lock table in kv.LockSpace (one byte of prefix each):
//
//	'l' tag            the lock: its holders and its queue (record)
//	'o' owner tag      the owner holds or waits for tag (an index for release)
//	'c' owner          u32: how many tags the owner holds or waits for
//	'w' owner          what the owner waits for: u8 mode, u64 req, tag
//	'n' node           u64: the node's current incarnation
//	't'                u64: how many locks ('l' keys) there are
const (
	keyLock  = 'l'
	keyOwned = 'o'
	keyCount = 'c'
	keyWait  = 'w'
	keyNode  = 'n'
	keyTotal = 't'
)

func lockKey(tag []byte) []byte { return append([]byte{keyLock}, tag...) }
func ownedKey(o Owner, tag []byte) []byte {
	return append(o.append([]byte{keyOwned}), tag...)
}
func countKey(o Owner) []byte { return o.append([]byte{keyCount}) }
func waitKey(o Owner) []byte  { return o.append([]byte{keyWait}) }
func nodeKey(node uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{keyNode}, node)
}

// holder is one owner's hold of a lock in one mode: how many times at
// session level and at transaction level (both re-entrant, as
// PostgreSQL's), and the request whose wait was granted last (Cancel).
type holder struct {
	owner      Owner
	mode       Mode
	sess, xact uint32
	grantedReq uint64
}

// waiter is a queued request.
type waiter struct {
	owner Owner
	mode  Mode
	xact  bool
	req   uint64
}

// record is a lock: its holders and its FIFO queue.
type record struct {
	holders []holder
	waiters []waiter
}

const (
	holderSize = ownerSize + 1 + 4 + 4 + 8
	waiterSize = ownerSize + 1 + 1 + 8
)

func (r *record) encode() []byte {
	b := make([]byte, 0, 4+len(r.holders)*holderSize+len(r.waiters)*waiterSize)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.holders)))
	for _, h := range r.holders {
		b = h.owner.append(b)
		b = append(b, byte(h.mode))
		b = binary.BigEndian.AppendUint32(b, h.sess)
		b = binary.BigEndian.AppendUint32(b, h.xact)
		b = binary.BigEndian.AppendUint64(b, h.grantedReq)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.waiters)))
	for _, w := range r.waiters {
		b = w.owner.append(b)
		b = append(b, byte(w.mode))
		x := byte(0)
		if w.xact {
			x = 1
		}
		b = append(b, x)
		b = binary.BigEndian.AppendUint64(b, w.req)
	}
	return b
}

// decodeRecord reads a stored record; a short or malformed one (never
// written by encode) reads as far as it is whole.
func decodeRecord(b []byte) record {
	var r record
	if len(b) < 2 {
		return r
	}
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	for i := 0; i < n && len(b) >= holderSize; i++ {
		r.holders = append(r.holders, holder{owner: readOwner(b), mode: Mode(b[20]),
			sess: binary.BigEndian.Uint32(b[21:]), xact: binary.BigEndian.Uint32(b[25:]), grantedReq: binary.BigEndian.Uint64(b[29:])})
		b = b[holderSize:]
	}
	if len(b) < 2 {
		return r
	}
	n = int(binary.BigEndian.Uint16(b))
	b = b[2:]
	for i := 0; i < n && len(b) >= waiterSize; i++ {
		r.waiters = append(r.waiters, waiter{owner: readOwner(b), mode: Mode(b[20]), xact: b[21] == 1, req: binary.BigEndian.Uint64(b[22:])})
		b = b[waiterSize:]
	}
	return r
}

func (r *record) empty() bool { return len(r.holders) == 0 && len(r.waiters) == 0 }

// involves reports whether o holds or waits for the lock.
func (r *record) involves(o Owner) bool {
	return slices.ContainsFunc(r.holders, func(h holder) bool { return h.owner == o }) ||
		slices.ContainsFunc(r.waiters, func(w waiter) bool { return w.owner == o })
}

func (r *record) holds(o Owner) bool {
	return slices.ContainsFunc(r.holders, func(h holder) bool { return h.owner == o })
}

// blockers returns the owners that keep o's request in mode from being
// granted: other owners' holds that conflict, and, unless o already holds
// the lock in some mode, the conflicting requests queued before position
// (len(waiters) for a new request) — so a stream of share requests does
// not starve a queued exclusive one.
func (r *record) blockers(o Owner, mode Mode, position int) []Owner {
	var out []Owner
	for _, h := range r.holders {
		if h.owner != o && Conflicts(h.mode, mode) {
			out = append(out, h.owner)
		}
	}
	if r.holds(o) {
		return out
	}
	for i := 0; i < position && i < len(r.waiters); i++ {
		if w := r.waiters[i]; w.owner != o && Conflicts(w.mode, mode) {
			out = append(out, w.owner)
		}
	}
	return out
}

// hold adds one hold of o in mode.
func (r *record) hold(o Owner, mode Mode, xact bool, req uint64) {
	i := slices.IndexFunc(r.holders, func(h holder) bool { return h.owner == o && h.mode == mode })
	if i < 0 {
		r.holders = append(r.holders, holder{owner: o, mode: mode})
		i = len(r.holders) - 1
	}
	h := &r.holders[i]
	if xact {
		h.xact++
	} else {
		h.sess++
	}
	h.grantedReq = req
}
