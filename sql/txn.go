package sql

import (
	"context"
	"errors"
	"slices"
	"time"

	"logdb/kv"
	"logdb/locks"
	"logdb/notify"
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
)

// txnMode is the session's transaction state (see doc.go for the table).
type txnMode uint8

const (
	modeIdle     txnMode = iota // no transaction ('I')
	modeImplicit                // an implicit transaction: one simple query string or one extended batch ('I')
	modeBlock                   // inside BEGIN ... COMMIT ('T')
	modeFailed                  // a block whose statement failed ('E')
)

// txnEvent is what happens to the transaction state.
type txnEvent uint8

const (
	evBegin      txnEvent = iota // BEGIN / START TRANSACTION
	evCommit                     // COMMIT / END
	evRollback                   // ROLLBACK / ABORT
	evRollbackTo                 // ROLLBACK TO SAVEPOINT (succeeded)
	evStmtOK                     // any other statement succeeded
	evStmtErr                    // a statement failed
	evEnd                        // end of the simple query string / Sync
)

// txnTransitions is the declared transition table; applyEvent follows it
// and the actions (commit, rollback) are done by the callers.
var txnTransitions = map[txnMode]map[txnEvent]txnMode{
	modeIdle: {
		evBegin: modeBlock, evCommit: modeIdle, evRollback: modeIdle,
		evStmtOK: modeImplicit, evStmtErr: modeIdle, evEnd: modeIdle,
	},
	modeImplicit: {
		evBegin: modeBlock, evCommit: modeIdle, evRollback: modeIdle,
		evStmtOK: modeImplicit, evStmtErr: modeIdle, evEnd: modeIdle,
	},
	modeBlock: {
		evBegin: modeBlock, evCommit: modeIdle, evRollback: modeIdle, evRollbackTo: modeBlock,
		evStmtOK: modeBlock, evStmtErr: modeFailed, evEnd: modeBlock,
	},
	modeFailed: {
		evCommit: modeIdle, evRollback: modeIdle, evRollbackTo: modeBlock,
		evStmtErr: modeFailed, evEnd: modeFailed,
	},
}

func nextMode(m txnMode, ev txnEvent) txnMode {
	if n, ok := txnTransitions[m][ev]; ok {
		return n
	}
	return m
}

type savepoint struct {
	name     string
	sp       int
	cat      *catalog.Catalog
	ddl      bool
	readOnly bool   // the transaction's mode when the savepoint was made
	cursors  uint64 // Session.cursorSeq when the savepoint was made
	notes    notify.Mark
	fkMark   int // deferred foreign key checks queued before it
	rowLocks int // row locks taken before it (len(txnState.rowLocks))
}

// txnState is an open transaction.
type txnState struct {
	exec.Txn   // the kv.Txn and row counts
	cat        *catalog.Catalog
	ddl        *catalog.Writer // non-nil once the transaction changed the catalog
	readOnly   bool
	start      time.Time
	effects    uint64 // Session.effects when it began: the replay at Sync needs none since
	savepoints []savepoint
	failed     bool // set in the failed state, so COMMIT answers ROLLBACK
	// localRestore holds the values SET LOCAL replaced, restored at the end.
	localRestore map[string]string
	// setUndo holds the values SET replaced, restored on rollback.
	setUndo map[string]string
	deps    []uint32 // table descriptors read (recordDeps), each once
	// replay lists the statements of an extended-protocol implicit
	// transaction, for the retry at Sync; noReplay disables it (a statement
	// returned rows, or cannot be re-run).
	replay   []replayItem
	noReplay bool
	notes    *notify.Pending // NOTIFY, LISTEN, UNLISTEN, sent/applied at commit; nil: none (notify.go)
	xid      uint64          // the transaction's id, 0 until assigned (xid.go)
	// rowLocks are the row locks the transaction took, in order (a
	// savepoint is a position in it: rowlocks.go)
	rowLocks []heldRow
	// iso is the transaction's isolation level as set (PostgreSQL's
	// four names; isolation.go); queried: its first query ran (SET
	// TRANSACTION ISOLATION LEVEL may no longer change it)
	iso     string
	queried bool
	// lockedRows are the row tags of rowLocks, with the strongest mode
	// held (a READ COMMITTED UPDATE locks a row once)
	lockedRows map[string]locks.Mode
	// rerun: a READ COMMITTED row lock met a row changed since the
	// statement's snapshot, or waited (rowlocks.go)
	rerun bool
	// stale: the snapshot was taken without a read point (deferredread.go):
	// the transaction's first statement, an INSERT, wrote on this node's
	// applied state, to be validated at commit; the next statement that
	// needs the snapshot first moves it past a read point (freshen).
	// deferring: that first statement is running.
	stale, deferring bool
}

func (s *Session) undoSets(t *txnState) {
	for k, v := range t.setUndo {
		_ = s.set.Set(k, v)
	}
}

func (s *Session) restoreLocals(t *txnState) {
	if t == nil {
		return
	}
	for k, v := range t.localRestore {
		_ = s.set.Set(k, v)
	}
}

// ensureKV gives the session's transaction a kv snapshot (and catalog).
func (s *Session) ensureKV(ctx context.Context) (*txnState, error) {
	if s.tx == nil {
		s.tx = s.newTxnState()
		if s.mode == modeIdle {
			s.mode = modeImplicit
		}
	}
	t := s.tx
	t.queried = true
	if t.Kv != nil {
		if t.stale && !t.deferring {
			if err := s.freshen(ctx, t); err != nil { // deferredread.go
				return nil, err
			}
		}
		return t, nil
	}
	deferRead := s.deferRead && t.level() == isoSerializable && s.e.cfg.LeaderInTouch != nil && s.e.cfg.LeaderInTouch()
	if s.e.cfg.ReadBarrier != nil && !s.localReads() && !deferRead {
		if err := s.e.cfg.ReadBarrier(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, s.ctxErr(ctx)
			}
			return nil, readPointError(err)
		}
	}
	if s.e.cfg.Store == nil {
		return nil, pgerror.New(pgerror.Internal, "no store configured")
	}
	if err := s.checkSnapshotCursors(); err != nil { // cursor_subscribe.go
		return nil, err
	}
	txn, err := s.e.cfg.Store.Begin()
	if err != nil {
		return nil, pgerror.Wrap(err, pgerror.Internal, "begin")
	}
	cat, err := s.catalogFor(txn)
	if err != nil {
		txn.Release()
		return nil, err
	}
	t.Kv, t.cat = txn, cat
	if t.level() != isoSerializable {
		txn.CheckedReadsOnly() // isolation.go
	}
	if deferRead && s.e.cfg.ReadBarrier != nil && !s.localReads() {
		t.stale, t.deferring = true, true
	}
	return t, nil
}

// ddlFor returns the transaction's pending catalog change, starting one.
func (t *txnState) ddlFor(ec *execCtx) *catalog.Writer {
	if t.ddl == nil {
		t.cat = t.cat.Copy()
		t.ddl = &catalog.Writer{Txn: t.Kv, Cat: t.cat}
		// DDL validates its scans (a new constraint's check of the rows)
		// at every isolation level
		t.Kv.RecordAllReads()
		t.ddl.BumpVersion()
		if db := t.cat.Current(); db != nil {
			// DDL depends on its database: it conflicts with a concurrent
			// DROP DATABASE (or RENAME), which writes this key, instead of
			// leaving descriptors of a dropped database behind.
			t.ddl.ReadDatabase(db)
		}
	}
	t.ddl.Propose, t.ddl.Ctx = ec.s.e.proposeInTxn, ec.Context
	t.ddl.Owner = 0
	if r := ec.s.currentRole(t.cat); r != nil {
		t.ddl.Owner = r.OID
	}
	return t.ddl
}

// recordDeps notes the descriptors of the tables a statement uses; a
// transaction that writes reads them at commit (in its snapshot), so
// concurrent DDL on them conflicts with it. Read-only transactions never
// propose and skip the reads.
func (t *txnState) recordDeps(deps []uint32) error {
	for _, oid := range deps {
		// A linear search: a transaction uses few tables, and a map
		// cost two allocations per point query.
		if !slices.Contains(t.deps, oid) {
			t.deps = append(t.deps, oid)
		}
	}
	return nil
}

func (t *txnState) readDeps() error {
	for _, oid := range t.deps {
		if _, _, err := t.Kv.Get(kv.CatalogSpace, append(catalog.DBPrefix(t.cat.DBOID), catalog.OIDKey('t', oid)...)); err != nil {
			return err
		}
	}
	return nil
}

// newTxnState starts a transaction's state: now, and read-only when
// default_transaction_read_only is on (SET SESSION CHARACTERISTICS AS
// TRANSACTION READ ONLY).
func (s *Session) newTxnState() *txnState {
	s.txStarts++
	return &txnState{start: time.Now(), effects: s.effects, readOnly: s.set.Vals["default_transaction_read_only"] == "on", iso: s.set.Vals["default_transaction_isolation"]}
}

// setTxnReadOnly is SET TRANSACTION READ ONLY / READ WRITE (and SET
// transaction_read_only), with PostgreSQL's rules: outside a transaction
// block it is a warning and does nothing; read-write cannot follow the
// transaction's first query nor come inside a savepoint of a read-only
// transaction (25001).
func (s *Session) setTxnReadOnly(readOnly bool, w ResultWriter) error {
	if s.mode != modeBlock || s.tx == nil {
		if w != nil {
			_ = w.Notice(&pgerror.Error{Code: pgerror.NoActiveSQLTransaction, Severity: "WARNING", Message: "SET TRANSACTION can only be used in transaction blocks"})
		}
		return nil
	}
	t := s.tx
	if !readOnly && t.readOnly {
		for _, sp := range t.savepoints {
			if sp.readOnly {
				return pgerror.New(pgerror.ActiveSQLTransaction, "cannot set transaction read-write mode inside a read-only transaction")
			}
		}
		if t.Kv != nil {
			return pgerror.New(pgerror.ActiveSQLTransaction, "transaction read-write mode must be set before any query")
		}
	}
	t.readOnly = readOnly
	return nil
}

// beginBlock starts an explicit transaction block.
func (s *Session) beginBlock(readOnly bool) {
	if s.tx == nil {
		s.tx = s.newTxnState()
	}
	if readOnly {
		s.tx.readOnly = true
	}
	s.mode = modeBlock
}

// finishTxn commits (commit=true) or rolls back the open transaction and
// returns the session to idle.
func (s *Session) finishTxn(ctx context.Context, commit bool) (err error) {
	if commit && s.madeTemp && s.mode != modeFailed && s.tx != nil && !s.tx.failed && s.tx.Kv != nil && s.tx.Kv.HasWrites() {
		if err := s.onCommitActions(ctx); err != nil { // temp.go
			s.tx.failed = true
			_ = s.finishTxn(ctx, false)
			return err
		}
	}
	t := s.tx
	s.tx = nil
	s.mode = modeIdle
	s.closeNamedPortals()
	s.closeCursors(false)
	s.restoreLocals(t)
	if t == nil {
		return nil
	}
	s.e.xidClosed(t)      // committing or rolling back: no longer "in progress"
	defer s.endTxnLocks() // locks.go: transaction-level locks a commit entry did not release
	defer func() {
		committed := commit && !t.failed && err == nil
		s.e.txnEnded(s.db, committed, t.Rows)
		if o := s.e.cfg.Observer; o != nil {
			o.TransactionDone(committed)
		}
	}()
	if t.Kv == nil {
		if !commit || t.failed {
			s.undoSets(t)
			return nil
		}
		if t.xid != 0 {
			if err := s.commitXidOnly(ctx, t, time.Now().UnixMicro()); err != nil { // xid.go
				return err
			}
		}
		return s.commitNotifyOnly(ctx, t) // notify.go
	}
	if !commit || t.failed {
		s.undoSets(t)
	}
	if !commit || t.failed || !t.Kv.HasWrites() {
		t.Kv.Release()
		if commit && !t.failed {
			if t.xid != 0 {
				if err := s.commitXidOnly(ctx, t, time.Now().UnixMicro()); err != nil { // xid.go
					return err
				}
			}
			return s.commitNotifyOnly(ctx, t)
		}
		return nil
	}
	if t.FK.HasDeferred() {
		// Deferred foreign key checks run now, in the transaction's
		// snapshot: their reads are validated with the rest (exec/fk.go).
		if err := s.newExecCtx(ctx, t, nil).FKRunDeferred(nil); err != nil {
			t.Kv.Release()
			return err
		}
	}
	if err := t.readDeps(); err != nil {
		t.Kv.Release()
		return err
	}
	cmd := t.Kv.Command(time.Now().UnixMicro())
	t.Kv.Release()
	catalog.NarrowCatalogDeps(cmd)
	if err := checkChangeCount(cmd, t.cat); err != nil {
		return err
	}
	if cmd.Xid, err = s.assignXid(ctx, t, false); err != nil { // xid.go
		return err
	}
	cmd.Notifications = t.notes.Notifications(uint32(s.pid))
	cmd.LockOp = s.commitLockOp()     // locks.go
	undoListens := s.commitListens(t) // notify.go
	res, err := s.e.propose(ctx, cmd)
	if cmd.LockOp != nil {
		err = s.committedLocks(res, err)
	}
	if err == nil && res.Err == kv.ErrConflict {
		err = errSerialization
	}
	if err == nil && errors.Is(res.Err, kv.ErrXidFenced) {
		err = errXidFenced(t.xid)
	}
	if err != nil {
		undoListens()
	}
	return err
}

var errSerialization = pgerror.New(pgerror.SerializationFailure, "could not serialize access due to concurrent update")

// failTxn records a statement error: an implicit transaction rolls back,
// a block becomes failed.
func (s *Session) failTxn() {
	switch s.mode {
	case modeBlock, modeFailed:
		s.mode = modeFailed
		if s.tx != nil {
			s.tx.failed = true
		}
	default:
		if s.tx != nil && s.tx.Kv != nil {
			s.tx.Kv.Release()
		}
		s.e.xidClosed(s.tx)
		if s.tx != nil {
			s.e.txnEnded(s.db, false, nil)
			if o := s.e.cfg.Observer; o != nil {
				o.TransactionDone(false)
			}
		}
		s.restoreLocals(s.tx)
		s.tx = nil
		s.mode = modeIdle
		s.closeNamedPortals()
		s.closeCursors(false)
		s.endTxnLocks() // locks.go
	}
}

func (s *Session) savepoint(ctx context.Context, name string) error {
	queried := s.tx != nil && s.tx.queried
	t, err := s.ensureKV(ctx)
	if err != nil {
		return err
	}
	t.queried = queried // a savepoint is no query (SET TRANSACTION's rules)
	cat := t.cat
	if t.ddl != nil {
		cat = cat.Copy()
	}
	t.savepoints = append(t.savepoints, savepoint{name: name, sp: t.Kv.Savepoint(), cat: cat, ddl: t.ddl != nil, readOnly: t.readOnly, cursors: s.cursorSeq, notes: t.notes.Mark(), fkMark: t.FK.DeferredMark(), rowLocks: len(t.rowLocks)})
	return nil
}

func (s *Session) findSavepoint(name string) (int, error) {
	if s.tx != nil {
		for i := len(s.tx.savepoints) - 1; i >= 0; i-- {
			if s.tx.savepoints[i].name == name {
				return i, nil
			}
		}
	}
	return -1, pgerror.New(pgerror.InvalidSavepointSpec, "savepoint \"%s\" does not exist", name)
}

func (s *Session) rollbackTo(name string) error {
	i, err := s.findSavepoint(name)
	if err != nil {
		return err
	}
	t := s.tx
	sp := t.savepoints[i]
	t.savepoints = t.savepoints[:i+1] // the savepoint itself stays
	t.Kv.RollbackTo(sp.sp)
	t.notes.RollbackTo(sp.notes)
	t.FK.RollbackDeferred(sp.fkMark)
	s.releaseRowLocksSince(sp.rowLocks) // rowlocks.go
	t.readOnly = sp.readOnly
	s.closeCursorsSince(sp.cursors)
	if sp.ddl {
		t.cat = sp.cat.Copy()
		t.ddl.Cat = t.cat
	} else {
		t.cat = sp.cat
		t.ddl = nil
	}
	t.failed = false
	return nil
}

func (s *Session) releaseSavepoint(name string) error {
	i, err := s.findSavepoint(name)
	if err != nil {
		return err
	}
	s.tx.savepoints = s.tx.savepoints[:i]
	return nil
}
