package locks

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"logdb/kv"
)

// Row locks: SELECT … FOR UPDATE | FOR NO KEY UPDATE | FOR SHARE |
// FOR KEY SHARE, and the locks UPDATE and DELETE take on rows another
// transaction holds. A row's lock is the tag RowTag(space, key): its
// table's space and its primary key, as kv stores the row. One op
// (AcquireRows) asks for many rows in order, so that
// "ORDER BY … LIMIT n FOR UPDATE SKIP LOCKED" is one log entry: "the
// first n free of these candidates".
//
// With check set (SERIALIZABLE), a row is locked only if it is unchanged
// since the locker's snapshot: its stored version (kv.LockState.Version)
// is at most the snapshot's index. Without SKIP LOCKED a changed row ends
// the op with StatusChanged (sql: 40001); with it, the row is passed over
// as if it were locked. Since the holder keeps the row until its
// transaction ends, a row locked unchanged is the latest committed version
// for as long as the lock is held (by transactions that respect row locks).

// MaxRowsPerOp bounds the rows of one AcquireRows op (a statement that
// locks more sends several).
const MaxRowsPerOp = 1000

// Row is one row to lock: its table's space and primary key.
type Row struct {
	Space kv.Space
	Key   []byte
}

// rowsReq is an AcquireRows op's payload.
type rowsReq struct {
	snap  uint64 // the locker's snapshot index (check)
	limit int    // stop after this many locked rows; 0: all
	rows  []Row
}

// Encoding: u64 snap, u16 limit, u16 n, n × {u32 space, u16 len, key}.
func (r *rowsReq) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, r.snap)
	b = binary.BigEndian.AppendUint16(b, uint16(r.limit))
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.rows)))
	for _, x := range r.rows {
		b = binary.BigEndian.AppendUint32(b, uint32(x.Space))
		b = binary.BigEndian.AppendUint16(b, uint16(len(x.Key)))
		b = append(b, x.Key...)
	}
	return b
}

func decodeRows(b []byte) (rowsReq, bool) {
	var r rowsReq
	if len(b) < 12 {
		return r, false
	}
	r.snap = binary.BigEndian.Uint64(b)
	r.limit = int(binary.BigEndian.Uint16(b[8:]))
	n := int(binary.BigEndian.Uint16(b[10:]))
	if n == 0 || n > MaxRowsPerOp || r.limit > n {
		return r, false
	}
	b = b[12:]
	r.rows = make([]Row, 0, n)
	for i := 0; i < n; i++ {
		if len(b) < 6 {
			return r, false
		}
		sp, kl := binary.BigEndian.Uint32(b), int(binary.BigEndian.Uint16(b[4:]))
		if kl == 0 || len(b) < 6+kl {
			return r, false
		}
		r.rows = append(r.rows, Row{Space: kv.Space(sp), Key: b[6 : 6+kl]})
		b = b[6+kl:]
	}
	return r, len(b) == 0
}

// RowTag is the lock tag of the row stored at key in space: 'r', the
// space, the key — or, for a key too long for a tag, 'R', the space and
// the key's SHA-256.
func RowTag(space kv.Space, key []byte) []byte {
	if len(key) <= MaxTagSize-5 {
		b := binary.BigEndian.AppendUint32(make([]byte, 1, 5+len(key)), uint32(space))
		b[0] = 'r'
		return append(b, key...)
	}
	sum := sha256.Sum256(key)
	b := binary.BigEndian.AppendUint32([]byte{'R'}, uint32(space))
	return append(b, sum[:]...)
}

// RowSpace returns the space of a row lock's tag (ok false for another
// kind of tag), and its key when the tag holds it whole.
func RowSpace(tag []byte) (space kv.Space, key []byte, ok bool) {
	if len(tag) < 5 || tag[0] != 'r' && tag[0] != 'R' {
		return 0, nil, false
	}
	space = kv.Space(binary.BigEndian.Uint32(tag[1:]))
	if tag[0] == 'r' {
		key = tag[5:]
	}
	return space, key, true
}

// AcquireRows asks for rows in mode, in order, for the transaction of o:
//   - wait: a row another owner holds in a conflicting mode is waited for
//     (StatusWaiting, Outcome.WaitAt; the rows before it stay locked);
//     without wait and without skip the op stops there with
//     StatusNotAvailable (NOWAIT);
//   - skip: such a row is passed over (SKIP LOCKED);
//   - check: a row whose stored version is past snap is changed: passed
//     over with skip, else the op stops with StatusChanged;
//   - limit > 0: the op stops once it locked that many.
//
// Outcome.Rows are the positions of the rows locked.
func AcquireRows(o Owner, mode Mode, rows []Row, snap uint64, limit int, wait, skip, check bool, req uint64) Op {
	f := byte(flagXact)
	if wait {
		f |= flagWait
	}
	if skip {
		f |= flagSkip
	}
	if check {
		f |= flagCheck
	}
	return Op{kind: opRows, owner: o, mode: mode, flags: f, req: req, rows: rowsReq{snap: snap, limit: limit, rows: rows}}
}

func (t *table) acquireRows(op Op) Outcome {
	skip, check := op.flags&flagSkip != 0, op.flags&flagCheck != 0
	var locked []int
	end := func(s Status, at int) Outcome {
		o := t.outcome(s)
		o.Rows, o.WaitAt = locked, at
		return o
	}
	for i, row := range op.rows.rows {
		if op.rows.limit > 0 && len(locked) >= op.rows.limit {
			break
		}
		if check && t.version(row) > op.rows.snap {
			if skip {
				continue
			}
			return end(StatusChanged, i)
		}
		one := Op{kind: opAcquire, owner: op.owner, mode: op.mode, flags: flagXact, req: op.req, tag: RowTag(row.Space, row.Key)}
		if op.flags&flagWait != 0 && !skip {
			one.flags |= flagWait
		}
		switch s := t.acquire(one); s {
		case StatusOK:
			locked = append(locked, i)
		case StatusNotAvailable:
			if !skip {
				return end(s, i)
			}
		case StatusWaiting:
			return end(s, i)
		default:
			return end(s, i)
		}
		if t.err != nil {
			break
		}
	}
	return end(StatusOK, -1)
}

// ReleaseRows drops one transaction-level hold in mode of each of rows
// (held by o): ROLLBACK TO SAVEPOINT gives back the row locks taken after
// the savepoint, as PostgreSQL's subtransaction abort does.
func ReleaseRows(o Owner, mode Mode, rows []Row) Op {
	return Op{kind: opUnrows, owner: o, mode: mode, flags: flagXact, rows: rowsReq{rows: rows}}
}

func (t *table) releaseRows(op Op) {
	for _, row := range op.rows.rows {
		tag := RowTag(row.Space, row.Key)
		r := t.load(tag)
		i := slices.IndexFunc(r.holders, func(h holder) bool { return h.owner == op.owner && h.mode == op.mode && h.xact > 0 })
		if i < 0 {
			continue
		}
		r.holders[i].xact--
		if r.holders[i].xact == 0 && r.holders[i].sess == 0 {
			r.holders = slices.Delete(r.holders, i, i+1)
		}
		t.settle(op.owner, tag, &r)
		if t.err != nil {
			return
		}
	}
}

func (t *table) version(row Row) uint64 {
	if t.err != nil {
		return 0
	}
	return t.st.Version(row.Space, row.Key)
}

// RowBlocked reports whether, in the applied table st, another owner
// holds the row lock tag in a mode that conflicts with mode, or waits for
// it in one (UPDATE and DELETE then take the lock, waiting their turn).
func RowBlocked(st Scanner, o Owner, tag []byte, mode Mode) (bool, error) {
	key := lockKey(tag)
	blocked := false
	err := st.ScanLocks(key, func(k, v []byte) bool {
		if len(k) == len(key) {
			r := decodeRecord(v)
			blocked = len(r.blockers(o, mode, len(r.waiters))) > 0
		}
		return false
	})
	return blocked, err
}

// AnyRowLocks reports whether the applied table st holds or queues any
// row lock of space.
func AnyRowLocks(st Scanner, space kv.Space) (bool, error) {
	found := false
	for _, kind := range []byte{'r', 'R'} {
		prefix := binary.BigEndian.AppendUint32([]byte{keyLock, kind}, uint32(space))
		if err := st.ScanLocks(prefix, func(_, _ []byte) bool {
			found = true
			return false
		}); err != nil || found {
			return found, err
		}
	}
	return false, nil
}
