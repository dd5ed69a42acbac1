package sql

import (
	"context"
	"time"

	"logdb/kv"
	"logdb/locks"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
)

// Row locks (SELECT … FOR UPDATE and kin; package locks, rows.go): the
// session's side. A statement's exec.LockRowsNode hands it the stored rows
// to lock; it sends them in AcquireRows ops (MaxRowsPerOp a time) with
// the transaction's snapshot, so apply locks only rows unchanged since it
// (SERIALIZABLE). A row another transaction holds is waited for (its
// grant comes with a later entry: the holder's commit or rollback), then
// checked against the snapshot here, on the applied state: once held, it
// cannot change under the holder. The locks are transaction-level:
// released by the commit's entry or by the rollback's.

var errRowChanged = pgerror.New(pgerror.SerializationFailure, "could not serialize access due to concurrent update")

func lockMode(s exec.LockStrength) locks.Mode {
	switch s {
	case exec.LockKeyShare:
		return locks.ModeKeyShare
	case exec.LockShare:
		return locks.ModeForShare
	case exec.LockNoKeyUpdate:
		return locks.ModeNoKeyUpdate
	}
	return locks.ModeUpdate
}

// LockRows is the exec.RowLocker of a statement's run.
func (ec *execCtx) LockRows(rc *exec.Ctx, strength exec.LockStrength, wait exec.LockWait, rows []exec.LockRow, limit int) ([]int, error) {
	locked, err := ec.s.takeRowLocks(rc.Context, strength, wait, rows, limit)
	return locked, ec.s.rowChanged(err)
}

// rowChanged is the error of a row changed since the statement's
// snapshot: READ COMMITTED runs the statement again (isolation.go), the
// other levels fail with 40001.
func (s *Session) rowChanged(err error) error {
	if err == errRowChanged && s.tx != nil && s.tx.level() == isoReadCommitted {
		return errStmtRestart
	}
	return err
}

// ParentLock is the exec.RowLocker's: at READ COMMITTED and REPEATABLE
// READ a foreign key check locks the parent row it found FOR KEY SHARE,
// so a concurrent DELETE of the parent (or change of its key) waits for
// this transaction, then sees its child, as in PostgreSQL.
func (ec *execCtx) ParentLock(rc *exec.Ctx, row exec.LockRow) error {
	s := ec.s
	if s.tx == nil || s.tx.Kv == nil || s.tx.level() == isoSerializable || len(s.tx.lockedRows) >= maxTxnWriteLocks {
		return nil // beyond the budget the recorded read alone protects it
	}
	return ec.writeLockAlways(rc, row, exec.LockKeyShare)
}

// maxWriteLockRows is the most rows one READ COMMITTED or REPEATABLE
// READ UPDATE or DELETE locks (a session holds at most
// locks.MaxLocksPerOwner): a statement changing more rows locks only
// those another transaction holds and has the rest validated at COMMIT,
// as SERIALIZABLE does (a concurrent change of one of them is 40001;
// README, Differences).
const maxWriteLockRows = 1000

// maxTxnWriteLocks: a transaction holding this many row locks changes
// further rows as if in a bulk statement (half of locks.MaxLocksPerOwner:
// room is left for its locking reads).
const maxTxnWriteLocks = locks.MaxLocksPerOwner / 2

// LocksEveryRow is the exec.RowBatchLocker's: READ COMMITTED and
// REPEATABLE READ do.
func (ec *execCtx) LocksEveryRow() bool {
	t := ec.s.tx
	return t != nil && t.Kv != nil && t.level() != isoSerializable && ec.s.e.cfg.Locks != nil
}

// WriteLockRows is the exec.RowBatchLocker's: at READ COMMITTED and
// REPEATABLE READ, the rows an UPDATE or DELETE is about to change are
// locked together (MaxRowsPerOp per entry); WriteLock then finds each
// held.
func (ec *execCtx) WriteLockRows(rc *exec.Ctx, rows []exec.LockRow, strength exec.LockStrength) error {
	s := ec.s
	t := s.tx
	if t == nil || t.Kv == nil || t.level() == isoSerializable || s.e.cfg.Locks == nil {
		return nil
	}
	mode := lockMode(strength)
	var todo []exec.LockRow
	seen := map[string]bool{}
	for _, r := range rows {
		tag := string(locks.RowTag(r.Table.Space, r.Key))
		if held, ok := t.lockedRows[tag]; (ok && held >= mode) || seen[tag] {
			continue
		}
		seen[tag] = true
		todo = append(todo, r)
	}
	if len(todo) == 0 {
		return nil
	}
	if len(todo) > maxWriteLockRows || len(t.lockedRows)+len(todo) > maxTxnWriteLocks {
		ec.bulkWrite = true
		return nil
	}
	_, err := s.takeRowLocks(rc.Context, strength, exec.LockBlock, todo, 0)
	return s.rowChanged(err)
}

// writeLockAlways is WriteLock at READ COMMITTED and REPEATABLE READ:
// every row UPDATE or DELETE changes is locked (once per transaction and
// mode), so a concurrent change of the row is waited for and then seen
// (READ COMMITTED, unchecked lock and errStmtRestart) or refused
// (REPEATABLE READ, the snapshot check: 40001) instead of lost. Without a lock table, the row is recorded as read instead: a
// concurrent change then fails the commit.
func (ec *execCtx) writeLockAlways(rc *exec.Ctx, row exec.LockRow, strength exec.LockStrength) error {
	s := ec.s
	t := s.tx
	if s.e.cfg.Locks == nil {
		t.Kv.RecordRead(row.Table.Space, row.Key)
		return nil
	}
	mode := lockMode(strength)
	if held, ok := t.lockedRows[string(locks.RowTag(row.Table.Space, row.Key))]; ok && held >= mode {
		// held: it cannot change (but for a serializable writer that
		// raced with the grant, which validation catches)
		t.Kv.RecordRead(row.Table.Space, row.Key)
		return nil
	}
	_, err := s.takeRowLocks(rc.Context, strength, exec.LockBlock, []exec.LockRow{row}, 0)
	return s.rowChanged(err)
}

// CanLock is the exec.RowLocker's: a read-only transaction locks no rows.
func (ec *execCtx) CanLock(_ *exec.Ctx, strength exec.LockStrength) error {
	if ec.s.tx != nil && ec.s.tx.readOnly {
		return pgerror.New(pgerror.ReadOnlySQLTransaction, "cannot execute SELECT %s in a read-only transaction", strength)
	}
	return nil
}

// WriteLock is the exec.RowLocker's: UPDATE and DELETE wait for a row
// another transaction holds in a conflicting mode.
func (ec *execCtx) WriteLock(rc *exec.Ctx, row exec.LockRow, strength exec.LockStrength) error {
	s := ec.s
	if s.tx == nil || s.tx.Kv == nil {
		return nil
	}
	if s.tx.level() != isoSerializable {
		if !ec.bulkWrite && len(s.tx.lockedRows) < maxTxnWriteLocks {
			return ec.writeLockAlways(rc, row, strength)
		}
		// too many rows to lock: validated instead, and locked only when
		// another transaction holds them (as SERIALIZABLE does)
		s.tx.Kv.RecordRead(row.Table.Space, row.Key)
	}
	l := s.e.cfg.Locks
	inc := s.locks.inc
	if inc == 0 {
		inc = l.Current()
	}
	if inc == 0 {
		return nil // no incarnation yet: no session of this node holds row locks
	}
	if ec.noRowLocks[row.Table.Space] {
		return nil
	}
	locked, err := locks.AnyRowLocks(s.e.cfg.Store, row.Table.Space)
	if err != nil {
		return err
	}
	if !locked {
		// nobody locks a row of the table: this statement's other rows
		// need no look either (a lock taken meanwhile races as above)
		if ec.noRowLocks == nil {
			ec.noRowLocks = map[kv.Space]bool{}
		}
		ec.noRowLocks[row.Table.Space] = true
		return nil
	}
	o := locks.Owner{Node: l.Node(), Inc: inc, PID: uint32(s.pid)}
	blocked, err := locks.RowBlocked(s.e.cfg.Store, o, locks.RowTag(row.Table.Space, row.Key), lockMode(strength))
	if err != nil || !blocked {
		return err
	}
	_, err = s.takeRowLocks(rc.Context, strength, exec.LockBlock, []exec.LockRow{row}, 0)
	return err
}

func (s *Session) takeRowLocks(ctx context.Context, strength exec.LockStrength, wait exec.LockWait, rows []exec.LockRow, limit int) ([]int, error) {
	t := s.tx
	if t == nil || t.Kv == nil {
		return nil, pgerror.New(pgerror.Internal, "BUG: row lock outside a transaction")
	}
	o, err := s.lockOwner(ctx)
	if err != nil {
		return nil, err
	}
	snap := t.Kv.SnapshotIndex()
	mode := lockMode(strength)
	var locked []int
	for base := 0; base < len(rows); {
		if limit > 0 && len(locked) >= limit {
			break
		}
		chunk := rows[base:min(len(rows), base+locks.MaxRowsPerOp)]
		lr := make([]locks.Row, len(chunk))
		for i, r := range chunk {
			lr[i] = locks.Row{Space: r.Table.Space, Key: r.Key}
		}
		want := 0
		if limit > 0 {
			want = min(limit-len(locked), len(chunk))
		}
		n, done, err := s.lockChunk(ctx, o, mode, wait, chunk, lr, snap, want)
		for _, p := range n {
			locked = append(locked, base+p)
			t.Kv.RecordRead(lr[p].Space, lr[p].Key)
			t.rowLocks = append(t.rowLocks, heldRow{row: lr[p], mode: mode})
			t.noteLockedRow(lr[p], mode)
		}
		if err != nil {
			t.rerun = false
			return locked, err
		}
		base += done
	}
	if t.rerun {
		// READ COMMITTED: every row is locked now; one re-run of the
		// statement on a new snapshot sees their latest versions
		t.rerun = false
		return locked, errRowChanged
	}
	return locked, nil
}

// rcLock reports whether a row lock request is READ COMMITTED's
// unchecked one: rows are locked whatever their version (a row changed
// since the statement's snapshot is noted, t.rerun, and the statement
// runs again once all are locked); SKIP LOCKED keeps the check (a
// changed row is passed over).
func (s *Session) rcLock(wait exec.LockWait) bool {
	return s.tx != nil && s.tx.level() == isoReadCommitted && wait != exec.LockSkip
}

// noteChanged sets t.rerun when one of rows (positions) changed after
// snap, on the applied state.
func (s *Session) noteChanged(rows []locks.Row, positions []int, snap uint64) error {
	for _, p := range positions {
		v, err := s.e.cfg.Store.Version(rows[p].Space, rows[p].Key)
		if err != nil {
			return pgerror.Wrap(err, pgerror.Internal, "row lock")
		}
		if v > snap {
			s.tx.rerun = true
			return nil
		}
	}
	return nil
}

// lockChunk locks rows (at most MaxRowsPerOp) and returns the positions
// locked and how many rows it went through (all, unless it stopped at a
// limit).
func (s *Session) lockChunk(ctx context.Context, o locks.Owner, mode locks.Mode, wait exec.LockWait, chunk []exec.LockRow, rows []locks.Row, snap uint64, limit int) ([]int, int, error) {
	l := s.e.cfg.Locks
	var locked []int
	from := 0
	for from < len(rows) {
		req, granted := l.NewRequest()
		rc := s.rcLock(wait)
		op := locks.AcquireRows(o, mode, rows[from:], snap, limit-min(limit, len(locked)), wait == exec.LockBlock, wait == exec.LockSkip, !rc, req)
		if limit > 0 && limit-len(locked) <= 0 {
			l.Done(req)
			break
		}
		out, err := l.ProposeRows(ctx, op, snap)
		if err != nil {
			l.Done(req)
			s.withdrawRows(o, rows[from:], mode, req)
			return locked, len(rows), s.lockProposeErr(ctx, err)
		}
		for _, p := range out.Rows {
			locked = append(locked, from+p)
		}
		if rc && !s.tx.rerun {
			shifted := make([]int, len(out.Rows))
			for i, p := range out.Rows {
				shifted[i] = from + p
			}
			if err := s.noteChanged(rows, shifted, snap); err != nil {
				return locked, len(rows), err
			}
		}
		if len(out.Rows) > 0 {
			s.noteHeld(o, true)
		}
		switch out.Status {
		case locks.StatusOK:
			l.Done(req)
			if wait == exec.LockSkip && limit > 0 && len(locked) >= limit && len(out.Rows) > 0 {
				return locked, from + out.Rows[len(out.Rows)-1] + 1, nil
			}
			return locked, len(rows), nil
		case locks.StatusNotAvailable:
			l.Done(req)
			return locked, len(rows), pgerror.New(pgerror.LockNotAvailable, "could not obtain lock on row in relation \"%s\"", chunk[from+out.WaitAt].Table.Name)
		case locks.StatusChanged:
			l.Done(req)
			return locked, len(rows), errRowChanged
		case locks.StatusDeadlock:
			l.Done(req)
			return locked, len(rows), errDeadlock
		case locks.StatusTooMany:
			l.Done(req)
			return locked, len(rows), errLockTable
		case locks.StatusLost:
			l.Done(req)
			s.locks = sessionLocks{}
			return locked, len(rows), errLocksLost
		case locks.StatusWaiting:
		default:
			l.Done(req)
			return locked, len(rows), pgerror.New(pgerror.Internal, "row lock request: unexpected outcome %d", out.Status)
		}
		at := from + out.WaitAt
		if err := s.awaitRow(ctx, o, rows[at], mode, req, granted); err != nil {
			return locked, len(rows), err
		}
		s.noteHeld(o, true)
		locked = append(locked, at)
		if v, err := s.e.cfg.Store.Version(rows[at].Space, rows[at].Key); err != nil {
			return locked, len(rows), pgerror.Wrap(err, pgerror.Internal, "row lock")
		} else if rc {
			// READ COMMITTED runs a statement that waited again, on a
			// snapshot that sees what the holder committed (isolation.go),
			// once it has locked the rest
			s.tx.rerun = true
		} else if v > snap {
			return locked, len(rows), errRowChanged
		}
		from = at + 1
	}
	return locked, len(rows), nil
}

// awaitRow waits for the grant of request req for row, bounded by
// lock_timeout and the statement's context; on failure it withdraws the
// request.
func (s *Session) awaitRow(ctx context.Context, o locks.Owner, row locks.Row, mode locks.Mode, req uint64, granted <-chan struct{}) error {
	l := s.e.cfg.Locks
	defer l.Done(req)
	s.setWait("Lock", "tuple")
	defer s.setWait("", "")
	var timeout <-chan time.Time
	if d := s.lockTimeout(); d > 0 {
		tm := time.NewTimer(d)
		defer tm.Stop()
		timeout = tm.C
	}
	var why error
	select {
	case <-granted:
		return nil
	case <-timeout:
		why = errLockTimeout
	case <-ctx.Done():
		why = s.ctxErr(ctx)
	}
	s.withdrawRequest(o, locks.RowTag(row.Space, row.Key), mode, true, req)
	return why
}

// withdrawRows cancels a row lock request whose outcome is unknown: its
// wait, whichever row it was for. Rows it may have locked stay until the
// transaction ends.
func (s *Session) withdrawRows(o locks.Owner, rows []locks.Row, mode locks.Mode, req uint64) {
	s.locks.unsure = true
	if len(rows) > 0 {
		s.withdrawRequest(o, locks.RowTag(rows[0].Space, rows[0].Key), mode, true, req)
	}
}

// heldRow is a row lock the transaction took.
type heldRow struct {
	row  locks.Row
	mode locks.Mode
}

// releaseRowLocksSince gives back the row locks the transaction took
// after position mark (ROLLBACK TO SAVEPOINT, as PostgreSQL's
// subtransaction abort does). If that fails, they stay until the
// transaction ends.
func (s *Session) releaseRowLocksSince(mark int) {
	t := s.tx
	if t == nil || mark >= len(t.rowLocks) || s.e.cfg.Locks == nil || s.locks.inc == 0 {
		return
	}
	taken := t.rowLocks[mark:]
	t.rowLocks = t.rowLocks[:mark]
	t.lockedRows = nil
	for _, h := range t.rowLocks {
		t.noteLockedRow(h.row, h.mode)
	}
	o := locks.Owner{Node: s.e.cfg.Locks.Node(), Inc: s.locks.inc, PID: uint32(s.pid)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	byMode := map[locks.Mode][]locks.Row{}
	for _, h := range taken {
		byMode[h.mode] = append(byMode[h.mode], h.row)
	}
	for mode := locks.ModeKeyShare; mode <= locks.ModeUpdate; mode++ {
		rows := byMode[mode]
		for len(rows) > 0 {
			chunk := rows[:min(len(rows), locks.MaxRowsPerOp)]
			rows = rows[len(chunk):]
			if _, err := s.e.cfg.Locks.ProposeRows(ctx, locks.ReleaseRows(o, mode, chunk), 1); err != nil {
				s.e.cfg.Logger.Warn("sql: release row locks at ROLLBACK TO", "err", err)
				return
			}
		}
	}
}

// noteLockedRow notes row as held in mode (lockedRows keeps the
// strongest).
func (t *txnState) noteLockedRow(row locks.Row, mode locks.Mode) {
	if t.lockedRows == nil {
		t.lockedRows = map[string]locks.Mode{}
	}
	tag := string(locks.RowTag(row.Space, row.Key))
	if held, ok := t.lockedRows[tag]; !ok || mode > held {
		t.lockedRows[tag] = mode
	}
}
