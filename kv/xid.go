package kv

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Transaction ids (xids) and their settled outcomes.
//
// A transaction id is epoch<<XidSeqBits | seq: epoch is the log index of a
// KindXidEpoch entry its node proposed (unique in the group, and above
// every index applied before it), seq a counter the node hands out from 1.
// Ids are thus unique across the cluster and across restarts without any
// per-transaction traffic, and an id whose epoch lies beyond an entry's own
// index cannot have been assigned yet (it is "in the future").
//
// A KindTxn command that carries an id (Command.Xid) records the id's
// outcome in XidSpace when it applies: committed, or aborted if it failed
// (a conflict, a bad key, a merge error). A KindXidFence entry settles an
// id whose outcome is unknown: unless the id already has an outcome, it is
// recorded aborted, and a transaction entry carrying it that applies later
// is applied empty (Result.Err = ErrXidFenced, so its proposer fails with
// 40001). The fence's Result.Value is the id's outcome (XidCommitted,
// XidAborted, XidFuture, XidTooOld). Either way the first of the two
// entries in the log decides, on every replica alike.
//
// The table is bounded by a window of log indexes: after each entry i, ids
// whose epoch is below i-XidWindow are deleted (at most gcPerEntry per
// entry, oldest first; every entry adds at most one id, so collection keeps
// up). An id that old is reported XidTooOld (txid_status: NULL, as
// PostgreSQL answers for ids beyond its wraparound horizon), and a
// transaction entry carrying one is applied empty. Nodes take a new epoch
// well before their current one ages out (sql). The table is a space like
// any other: covered by snapshots, checkpoints and the state hash.
//
// Encoding (codec.go keeps formats 1-3; these are separate version bytes,
// so a log without ids stays readable by older builds):
//
//	format 16: u8 16, uvarint xid, then the whole command without its id
//	format 17: u8 17, u8 kind (KindXidFence or KindXidEpoch), uvarint xid

const (
	commandFormatXid        = 16
	commandFormatXidControl = 17
)

const (
	// KindXidFence settles Xid: aborted unless it already has an outcome.
	// Result.Value is the outcome (XidCommitted, ...).
	KindXidFence CommandKind = 16
	// KindXidEpoch starts a node's new range of transaction ids:
	// Result.Value is the entry's index, the epoch.
	KindXidEpoch CommandKind = 17
)

// XidSeqBits is how many low bits of an id count within its epoch.
const XidSeqBits = 20

// XidWindow is how many log entries an id's outcome is kept for, counted
// from its epoch.
var XidWindow uint64 = 1_000_000

// Outcomes of an id, a fence's Result.Value.
const (
	XidCommitted = 1
	XidAborted   = 2
	XidFuture    = 3 // its epoch is not below the fence's index
	XidTooOld    = 4 // beyond XidWindow: no longer known
)

// XidEpoch is the epoch (log index) part of a transaction id.
func XidEpoch(xid uint64) uint64 { return xid >> XidSeqBits }

func appendXidCommand(dst []byte, c *Command) []byte {
	if c.Kind == KindXidFence || c.Kind == KindXidEpoch {
		dst = append(dst, commandFormatXidControl, byte(c.Kind))
		return binary.AppendUvarint(dst, c.Xid)
	}
	dst = append(dst, commandFormatXid)
	dst = binary.AppendUvarint(dst, c.Xid)
	inner := *c
	inner.Xid = 0
	return AppendCommand(dst, &inner)
}

func decodeXidCommand(c *Command, data []byte) error {
	d := decoder{buf: data, pos: 1}
	switch data[0] {
	case commandFormatXidControl:
		c.Kind = CommandKind(d.byte())
		c.Xid = d.uvarint()
		if d.err == nil && c.Kind != KindXidFence && c.Kind != KindXidEpoch {
			d.fail("xid command kind")
		}
		if d.err == nil && d.pos != len(d.buf) {
			d.fail("trailing bytes")
		}
	case commandFormatXid:
		xid := d.uvarint()
		if d.err == nil && (xid == 0 || d.pos >= len(data) || data[d.pos] >= commandFormatXid) {
			d.fail("xid envelope")
		}
		if d.err == nil {
			if err := decodeCommandInto(c, data[d.pos:]); err != nil {
				return err
			}
			if c.Kind != KindTxn {
				return fmt.Errorf("%w: xid on a command of kind %d", ErrCorrupt, c.Kind)
			}
			c.Xid = xid
			return nil
		}
	default:
		return fmt.Errorf("%w: unknown command format %d", ErrCorrupt, data[0])
	}
	if d.err != nil {
		return fmt.Errorf("%w: %s at byte %d", ErrCorrupt, d.err, d.pos)
	}
	return nil
}

func xidKey(xid uint64) []byte { return binary.BigEndian.AppendUint64(nil, xid) }

// xidOutcome reads id's recorded outcome (0: none).
func xidOutcome(b *openBucket, xid uint64) int64 {
	if b == nil {
		return 0
	}
	v := b.get(xidKey(xid))
	if _, tomb, p, ok := decodeStored(v); ok && !tomb && len(p) == 1 {
		return int64(p[0])
	}
	return 0
}

// xidAge classifies id as of entry index: XidFuture, XidTooOld or 0.
func xidAge(index, xid uint64) int64 {
	e := XidEpoch(xid)
	switch {
	case e >= index:
		return XidFuture
	case e == 0 || index > XidWindow && e < index-XidWindow:
		return XidTooOld
	}
	return 0
}

// applyXid applies a command that carries an id or manages them; plain
// applies a KindTxn command as if it carried none.
func (a *applier) applyXid(index uint64, c *Command, plain func() (Result, error)) (Result, error) {
	b, err := a.bucket(XidSpace, true)
	if err != nil {
		return Result{}, err
	}
	switch c.Kind {
	case KindXidEpoch:
		return Result{Value: int64(index)}, nil
	case KindXidFence:
		if age := xidAge(index, c.Xid); age != 0 {
			return Result{Value: age}, nil
		}
		if o := xidOutcome(b, c.Xid); o != 0 {
			return Result{Value: o}, nil
		}
		return Result{Value: XidAborted}, a.recordXid(index, b, c.Xid, XidAborted)
	}
	if xidAge(index, c.Xid) != 0 || xidOutcome(b, c.Xid) != 0 {
		return Result{Err: ErrXidFenced}, nil
	}
	res, err := plain()
	if err != nil {
		return res, err
	}
	// plain may have created or dropped buckets: reopen ours.
	if b, err = a.bucket(XidSpace, true); err != nil {
		return Result{}, err
	}
	outcome := byte(XidCommitted)
	if res.Err != nil {
		outcome = XidAborted
	}
	return res, a.recordXid(index, b, c.Xid, outcome)
}

func (a *applier) recordXid(index uint64, b *openBucket, xid uint64, outcome byte) error {
	k := xidKey(xid)
	nv := a.storedValue(index, 0, []byte{outcome})
	a.hashChange(XidSpace, k, nil, nv)
	if err := b.bucket.Put(k, nv); err != nil {
		return err
	}
	a.noteWrite(XidSpace, index)
	if e := XidEpoch(xid); e < a.s.xidNext {
		a.s.xidNext = e
	}
	return nil
}

// collectXids deletes, after entry index, up to gcPerEntry outcomes of ids
// whose epoch is below index-XidWindow. Per entry, like tombstones.
func (a *applier) collectXids(index uint64) error {
	if index <= XidWindow {
		return nil
	}
	limit := index - XidWindow
	if a.s.xidNext != 0 && limit <= a.s.xidNext {
		return nil
	}
	b, err := a.bucket(XidSpace, false)
	if err != nil {
		return err
	}
	if b == nil {
		a.s.xidNext = limit
		return nil
	}
	cur := b.bucket.Cursor()
	k, v := cur.First()
	for n := 0; n < gcPerEntry && k != nil; n++ {
		if e := XidEpoch(binary.BigEndian.Uint64(k)); e >= limit {
			a.s.xidNext = e
			return nil
		}
		a.hashChange(XidSpace, k, v, nil)
		if err := cur.Delete(); err != nil {
			return err
		}
		k, v = cur.First()
	}
	if k == nil {
		a.s.xidNext = limit
	} else {
		a.s.xidNext = 0 // more to collect: look again after the next entry
	}
	delete(a.buckets, XidSpace) // the cursor moved: reopen on next use
	return nil
}

// XidOutcome returns id's recorded outcome as of the applied state
// (XidCommitted, XidAborted, or 0 when none is recorded) and the applied
// index it was read at.
func (s *Store) XidOutcome(xid uint64) (outcome int64, applied uint64, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(metaBucket); meta != nil {
			applied = storedVersion(meta.Get(metaApplied))
		}
		b := tx.Bucket(spaceBucketName(XidSpace))
		if b == nil {
			return nil
		}
		outcome = xidOutcome(&openBucket{bucket: b, cursor: b.Cursor()}, xid)
		return nil
	})
	return outcome, applied, err
}

// skipXidEnvelope returns the command inside a format 16 payload (nil if
// it is malformed; DecodeCommand reports that).
func skipXidEnvelope(data []byte) []byte {
	_, n := binary.Uvarint(data[1:])
	if n <= 0 {
		return nil
	}
	return data[1+n:]
}
