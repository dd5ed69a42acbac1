package exec

import (
	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Row locks of SELECT … FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE:
// LockRowsNode sits where PostgreSQL's LockRows does, above the sort and
// below the LIMIT. It reads candidate rows from its source, asks the
// session (Ctx.RowLocker) to lock their stored rows, and passes on the
// rows it locked. Below it, reads of the locked tables are not recorded
// for commit validation: only the rows it locks are (kv.Txn's
// SuppressReads and RecordRead).

// LockStrength is a locking clause's strength, weakest first.
type LockStrength uint8

const (
	LockKeyShare LockStrength = 1 + iota
	LockShare
	LockNoKeyUpdate
	LockUpdate
)

// String is the strength as a locking clause names it.
func (s LockStrength) String() string {
	switch s {
	case LockKeyShare:
		return "FOR KEY SHARE"
	case LockShare:
		return "FOR SHARE"
	case LockNoKeyUpdate:
		return "FOR NO KEY UPDATE"
	}
	return "FOR UPDATE"
}

// LockWait is a locking clause's wait policy.
type LockWait uint8

const (
	LockBlock LockWait = iota
	LockSkip
	LockNoWait
)

// LockRow is one stored row to lock.
type LockRow struct {
	Table *catalog.Table
	Key   []byte
}

// RowLocker is the session's side of row locks.
type RowLocker interface {
	// CanLock fails when the transaction may not lock rows in strength
	// (a read-only one: 25006).
	CanLock(ec *Ctx, strength LockStrength) error
	// LockRows locks rows in order in strength for the transaction and
	// returns the positions of those it locked: every one, unless wait is
	// LockSkip (rows not free, or changed since the snapshot, are passed
	// over) — and at most limit of them when limit > 0. It waits as the
	// policy says (lock_timeout 55P03, NOWAIT 55P03, deadlock 40P01, a
	// row changed since the snapshot 40001).
	LockRows(ec *Ctx, strength LockStrength, wait LockWait, rows []LockRow, limit int) ([]int, error)
	// WriteLock is called by UPDATE and DELETE before they change a
	// row: when another transaction holds it in a mode that conflicts
	// with strength, it waits for that lock, as LockRows does, and holds
	// it; else it does nothing.
	WriteLock(ec *Ctx, row LockRow, strength LockStrength) error
	// ParentLock is a foreign key check's lock of the parent row it
	// found (FOR KEY SHARE), taken at READ COMMITTED and REPEATABLE
	// READ, where the check's read alone would not keep a concurrent
	// DELETE of the parent out; nothing at SERIALIZABLE.
	ParentLock(ec *Ctx, row LockRow) error
}

// WriteLock runs ec.RowLocker's WriteLock, when there is one.
func (ec *Ctx) WriteLock(t *catalog.Table, key []byte, strength LockStrength) error {
	if ec.RowLocker == nil {
		return nil
	}
	return ec.RowLocker.WriteLock(ec, LockRow{Table: t, Key: key}, strength)
}

// WriteLockRows is called by UPDATE and DELETE with the rows they are
// about to change, before the first: at READ COMMITTED and REPEATABLE
// READ the session locks them all in a few log entries (MaxRowsPerOp a
// time) instead of one per row (RowBatchLocker); at SERIALIZABLE it does
// nothing (WriteLock decides per row).
func (ec *Ctx) WriteLockRows(t *catalog.Table, rows [][]types.Datum, refIdx int, strength LockStrength) error {
	bl, ok := ec.RowLocker.(RowBatchLocker)
	if !ok || len(rows) < 2 || !bl.LocksEveryRow() {
		return nil
	}
	lr := make([]LockRow, len(rows))
	for i, r := range rows {
		lr[i] = LockRow{Table: t, Key: r[refIdx].(RowRef).Key}
	}
	return bl.WriteLockRows(ec, lr, strength)
}

// RowBatchLocker is a RowLocker that locks an UPDATE's or DELETE's rows
// in one go (WriteLockRows).
type RowBatchLocker interface {
	// LocksEveryRow reports whether the transaction locks every row it
	// changes (else WriteLockRows is not called).
	LocksEveryRow() bool
	WriteLockRows(ec *Ctx, rows []LockRow, strength LockStrength) error
}

// RowLockTarget is one table a locking clause locks: the position of its
// scan's RowRef column in the source's rows.
type RowLockTarget struct {
	Table *catalog.Table
	// Leaves, when Table is partitioned, are its leaf partitions, whose
	// rows are locked (RowRef.Leaf names the row's).
	Leaves   []*catalog.Table
	RefIdx   int
	Strength LockStrength
	Wait     LockWait
}

// LockRowsNode locks the rows of Targets that its source returns.
// Limit and Offset are those of the LIMIT above it (nil when none): it
// locks no more rows than the LIMIT takes.
type LockRowsNode struct {
	Src           Node
	Targets       []RowLockTarget
	Limit, Offset Expr
}

func (l *LockRowsNode) Columns() []Column { return l.Src.Columns() }

// lockBatch is how many candidates a locking read without LIMIT, or with
// SKIP LOCKED, offers per round trip beyond what it needs.
const lockBatch = 64

func (l *LockRowsNode) Start(ec *Ctx) (Iterator, error) {
	if ec.RowLocker == nil {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "locks are not available on this server")
	}
	if ec.Txn == nil || ec.Txn.Kv == nil {
		return nil, pgerror.New(pgerror.Internal, "BUG: row locks outside a transaction")
	}
	it := &lockRowsIter{n: l, ec: ec, need: -1}
	if l.Limit != nil {
		v, err := l.Limit.Eval(ec, nil)
		if err != nil {
			return nil, err
		}
		if v != nil {
			it.need = v.(int64)
			if l.Offset != nil {
				o, err := l.Offset.Eval(ec, nil)
				if err != nil {
					return nil, err
				}
				if o != nil {
					it.need += o.(int64)
				}
			}
		}
	}
	var spaces []kv.Space
	for _, t := range l.Targets {
		if err := ec.RowLocker.CanLock(ec, t.Strength); err != nil {
			return nil, err
		}
		for _, tt := range append([]*catalog.Table{t.Table}, t.Leaves...) {
			spaces = append(spaces, tt.Space)
			for _, ix := range tt.Indexes {
				spaces = append(spaces, ix.Space)
			}
		}
	}
	it.restore = ec.Txn.Kv.SuppressReads(spaces)
	src, err := l.Src.Start(ec)
	if err != nil {
		it.restore()
		return nil, err
	}
	it.src = src
	return it, nil
}

type lockRowsIter struct {
	n       *LockRowsNode
	ec      *Ctx
	src     Iterator
	restore func()
	need    int64 // rows the LIMIT above takes (limit + offset); -1: all
	emitted int64
	out     [][]types.Datum
	done    bool
}

func (it *lockRowsIter) Next() ([]types.Datum, error) {
	for len(it.out) == 0 {
		if it.done || it.need >= 0 && it.emitted >= it.need {
			it.restore() // the reads below are over, whenever Close comes
			return nil, nil
		}
		if err := it.fill(); err != nil {
			return nil, err
		}
	}
	r := it.out[0]
	it.out = it.out[1:]
	it.emitted++
	return r, nil
}

// fill reads the next candidates and locks them, target by target.
func (it *lockRowsIter) fill() error {
	want := int64(lockBatch)
	skip := false
	for _, t := range it.n.Targets {
		skip = skip || t.Wait == LockSkip
	}
	if it.need >= 0 {
		want = it.need - it.emitted
		if skip {
			want += lockBatch // candidates beyond the need: some may be taken
		}
	}
	if len(it.n.Targets) > 1 {
		want = 1 // a joined row is taken only if all its rows are: one at a time
	}
	var cands [][]types.Datum
	for int64(len(cands)) < want {
		r, err := it.src.Next()
		if err != nil {
			return err
		}
		if r == nil {
			it.done = true
			break
		}
		cands = append(cands, r)
	}
	if len(cands) == 0 {
		return nil
	}
	ok := make([]bool, len(cands))
	for i := range ok {
		ok[i] = true
	}
	for _, t := range it.n.Targets {
		var rows []LockRow
		var pos []int
		for i, c := range cands {
			ref, isRef := c[t.RefIdx].(RowRef)
			if !ok[i] || !isRef {
				continue // the NULL side of an outer join has no row to lock
			}
			tbl := t.Table
			if ref.Leaf > 0 && ref.Leaf <= len(t.Leaves) {
				tbl = t.Leaves[ref.Leaf-1]
			}
			rows = append(rows, LockRow{Table: tbl, Key: ref.Key})
			pos = append(pos, i)
		}
		if len(rows) == 0 {
			continue
		}
		limit := 0
		if it.need >= 0 && t.Wait == LockSkip && len(it.n.Targets) == 1 {
			limit = int(min(it.need-it.emitted, int64(len(rows))))
		}
		locked, err := it.ec.RowLocker.LockRows(it.ec, t.Strength, t.Wait, rows, limit)
		if err != nil {
			return err
		}
		got := make([]bool, len(rows))
		for _, p := range locked {
			got[p] = true
		}
		for j, p := range pos {
			if !got[j] {
				ok[p] = false
			}
		}
	}
	for i, c := range cands {
		if ok[i] {
			it.out = append(it.out, c)
		}
	}
	return nil
}

func (it *lockRowsIter) Close() {
	if it.src != nil {
		it.src.Close()
	}
	it.restore()
}
