package locks

import (
	"encoding/binary"
	"errors"
)

// Owner is who holds or waits for a lock: one session of one incarnation
// (one process lifetime) of one node. PID is the session's backend pid,
// unique in the cluster (sql puts the node id in its high bits).
type Owner struct {
	Node uint64
	Inc  uint64
	PID  uint32
}

const ownerSize = 20

func (o Owner) append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, o.Node)
	dst = binary.BigEndian.AppendUint64(dst, o.Inc)
	return binary.BigEndian.AppendUint32(dst, o.PID)
}

func readOwner(b []byte) Owner {
	return Owner{Node: binary.BigEndian.Uint64(b), Inc: binary.BigEndian.Uint64(b[8:]), PID: binary.BigEndian.Uint32(b[16:])}
}

// Mode is a lock mode. Advisory locks use Share and Exclusive (PostgreSQL's
// ShareLock and ExclusiveLock); row locks use the four tuple lock modes.
type Mode uint8

const (
	ModeShare Mode = 1 + iota
	ModeExclusive
	ModeKeyShare
	ModeForShare
	ModeNoKeyUpdate
	ModeUpdate
	maxMode = ModeUpdate
)

// String is the mode's name as pg_locks shows it.
func (m Mode) String() string {
	switch m {
	case ModeShare:
		return "ShareLock"
	case ModeExclusive:
		return "ExclusiveLock"
	case ModeKeyShare:
		return "ForKeyShareLock"
	case ModeForShare:
		return "ForShareLock"
	case ModeNoKeyUpdate:
		return "ForNoKeyUpdateLock"
	case ModeUpdate:
		return "ForUpdateLock"
	}
	return "?"
}

// Conflicts reports whether a and b, held by different owners, conflict
// (PostgreSQL's lock conflict tables: ShareLock/ExclusiveLock among table
// lock modes, the tuple lock modes of README's "Row-level locks").
func Conflicts(a, b Mode) bool {
	switch {
	case a == ModeShare && b == ModeShare:
		return false
	case a <= ModeExclusive && b <= ModeExclusive:
		return true
	case a <= ModeExclusive || b <= ModeExclusive:
		return false // different kinds of lock never meet on one tag
	}
	// tuple modes: KeyShare < ForShare < NoKeyUpdate < Update
	x, y := a-ModeKeyShare, b-ModeKeyShare // 0..3
	return x+y >= 3
}

// Op kinds.
const (
	opAcquire   = 1 // owner, tag, mode, flags(xact, wait), req
	opRelease   = 2 // owner, tag, mode: one session-level hold
	opRelAll    = 3 // owner, flags(session, xact): those holds, and any wait
	opCancel    = 4 // owner, tag, mode, flags(xact), req: withdraw a wait (or undo its grant)
	opNodeStart = 5 // owner(node, inc): the node's new incarnation
	opNodeGone  = 6 // owner(node, inc): the leader knows the node gone
	opCommit    = 7 // owner: refuse unless the incarnation is current; release xact holds
	opRows      = 8 // owner, flags(wait, skip, check), mode, req, rows: row locks (rows.go)
	opUnrows    = 9 // owner, mode, rows: one transaction-level hold of each (ROLLBACK TO)
)

const (
	flagXact    = 1
	flagWait    = 2
	flagSession = 4
	flagSkip    = 8  // opRows: pass over rows that are not free (SKIP LOCKED)
	flagCheck   = 16 // opRows: a row changed after the snapshot is not locked
)

// Op is one operation on the lock table, carried in a log entry.
type Op struct {
	kind  byte
	owner Owner
	flags byte
	mode  Mode
	req   uint64
	tag   []byte
	rows  rowsReq // opRows (rows.go)
}

// Encode returns the op's bytes (kv.Command.LockOp).
func (op Op) Encode() []byte {
	b := make([]byte, 0, 40+len(op.tag))
	b = append(b, op.kind)
	b = op.owner.append(b)
	b = append(b, op.flags, byte(op.mode))
	b = binary.BigEndian.AppendUint64(b, op.req)
	if op.kind == opRows || op.kind == opUnrows {
		return op.rows.append(b)
	}
	return append(b, op.tag...)
}

var errBadOp = errors.New("locks: malformed op")

func decodeOp(b []byte) (Op, error) {
	if len(b) < 1+ownerSize+2+8 {
		return Op{}, errBadOp
	}
	op := Op{kind: b[0], owner: readOwner(b[1:]), flags: b[21], mode: Mode(b[22]), req: binary.BigEndian.Uint64(b[23:])}
	op.tag = b[31:]
	if op.kind < opAcquire || op.kind > opUnrows {
		return Op{}, errBadOp
	}
	if op.kind == opRows || op.kind == opUnrows {
		var ok bool
		if op.rows, ok = decodeRows(op.tag); !ok || op.mode < ModeKeyShare || op.mode > maxMode {
			return Op{}, errBadOp
		}
		op.tag = nil
	}
	if op.kind == opAcquire || op.kind == opRelease || op.kind == opCancel {
		if op.mode == 0 || op.mode > maxMode || len(op.tag) == 0 || len(op.tag) > MaxTagSize {
			return Op{}, errBadOp
		}
	}
	return op, nil
}

// MaxTagSize bounds a lock tag (a row lock's tag holds its key).
const MaxTagSize = 1024

// Acquire asks for tag in mode: xact for a transaction-level lock, wait
// to queue when it is not free (else the answer is StatusNotAvailable).
// req names the request for its wake-up and its cancellation.
func Acquire(o Owner, tag []byte, mode Mode, xact, wait bool, req uint64) Op {
	var f byte
	if xact {
		f |= flagXact
	}
	if wait {
		f |= flagWait
	}
	return Op{kind: opAcquire, owner: o, tag: tag, mode: mode, flags: f, req: req}
}

// Release drops one session-level hold of tag in mode.
func Release(o Owner, tag []byte, mode Mode) Op {
	return Op{kind: opRelease, owner: o, tag: tag, mode: mode}
}

// ReleaseAll drops the owner's session-level holds (with session), its
// transaction-level ones (with xact), and withdraws its wait.
func ReleaseAll(o Owner, session, xact bool) Op {
	op := Op{kind: opRelAll, owner: o}
	if session {
		op.flags |= flagSession
	}
	if xact {
		op.flags |= flagXact
	}
	return op
}

// Cancel withdraws request req (for tag in mode) of the owner: its wait,
// or, if it was granted in the meantime, that grant.
func Cancel(o Owner, tag []byte, mode Mode, xact bool, req uint64) Op {
	op := Op{kind: opCancel, owner: o, tag: tag, mode: mode, req: req}
	if xact {
		op.flags = flagXact
	}
	return op
}

// NodeStart registers the node's new incarnation o.Inc and releases every
// lock of its earlier ones.
func NodeStart(node, inc uint64) Op {
	return Op{kind: opNodeStart, owner: Owner{Node: node, Inc: inc}}
}

// NodeGone releases every lock of incarnation inc of node (if it is still
// the node's current one); the node must start a new incarnation.
func NodeGone(node, inc uint64) Op {
	return Op{kind: opNodeGone, owner: Owner{Node: node, Inc: inc}}
}

// Commit is carried by a committing transaction of a session that holds
// locks: the commit is refused when the owner's incarnation was released,
// and it releases the transaction-level holds either way.
func Commit(o Owner) Op { return Op{kind: opCommit, owner: o} }

// Status is the outcome of an op (Outcome.Status).
type Status uint8

const (
	StatusOK           Status = 1 + iota // granted, released, done
	StatusWaiting                        // queued: wait for the grant
	StatusNotAvailable                   // not free and the request would not wait
	StatusNotHeld                        // release of a lock not held
	StatusDeadlock                       // waiting would close a cycle
	StatusTooMany                        // a limit of the table (53200)
	StatusLost                           // the owner's incarnation is not current
	StatusBad                            // malformed op
	StatusChanged                        // opRows: a row changed after the snapshot (40001)
)

// Grant is a waiter granted by an op: its owner and request.
type Grant struct {
	Owner Owner
	Req   uint64
}

// Outcome is an op's decoded result (kv.Result.Lock).
type Outcome struct {
	Status Status
	Grants []Grant
	// Rows (opRows) are the positions, among the op's rows, of those it
	// locked, in order; WaitAt is the position of the row it queued for
	// (StatusWaiting) or met locked (StatusNotAvailable) or changed
	// (StatusChanged), -1 if none.
	Rows   []int
	WaitAt int
}

// Encoding: u8 status, u16 n, n × u16 row, u16 WaitAt+1, then the grants.
// It is a result, never stored: only the build that applied it reads it.
func (o *Outcome) encode() []byte {
	b := make([]byte, 0, 5+2*len(o.Rows)+len(o.Grants)*(ownerSize+8))
	b = append(b, byte(o.Status))
	b = binary.BigEndian.AppendUint16(b, uint16(len(o.Rows)))
	for _, r := range o.Rows {
		b = binary.BigEndian.AppendUint16(b, uint16(r))
	}
	b = binary.BigEndian.AppendUint16(b, uint16(o.WaitAt+1))
	for _, g := range o.Grants {
		b = g.Owner.append(b)
		b = binary.BigEndian.AppendUint64(b, g.Req)
	}
	return b
}

// DecodeOutcome decodes kv.Result.Lock; nil (no lock service) is a zero
// Outcome.
func DecodeOutcome(b []byte) Outcome {
	if len(b) == 0 {
		return Outcome{}
	}
	o := Outcome{Status: Status(b[0]), WaitAt: -1}
	b = b[1:]
	if len(b) < 2 {
		return o
	}
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	for i := 0; i < n && len(b) >= 2; i++ {
		o.Rows = append(o.Rows, int(binary.BigEndian.Uint16(b)))
		b = b[2:]
	}
	if len(b) < 2 {
		return o
	}
	o.WaitAt = int(binary.BigEndian.Uint16(b)) - 1
	for b = b[2:]; len(b) >= ownerSize+8; b = b[ownerSize+8:] {
		o.Grants = append(o.Grants, Grant{Owner: readOwner(b), Req: binary.BigEndian.Uint64(b[ownerSize:])})
	}
	return o
}
