package sql

import (
	"context"
	"errors"

	"logdb/kv"
	"logdb/notify"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/settings"
	"logdb/sql/types"
)

// Isolation levels (docs/architecture.md, "Isolation levels").
//
//   - SERIALIZABLE (the default): one snapshot, every read validated at
//     commit (kv's optimistic validation).
//   - REPEATABLE READ: PostgreSQL's snapshot isolation. One snapshot; the
//     commit validates only the integrity reads (unique and foreign-key
//     checks: exec.Ctx.CheckingReads) and the rows the transaction locked
//     or wrote (kv.Txn.CheckedReadsOnly), so write skew is allowed. UPDATE
//     and DELETE lock each row they change (rowlocks.go), with the
//     snapshot check: a row changed since the snapshot gives 40001
//     "could not serialize access due to concurrent update".
//   - READ COMMITTED (and READ UNCOMMITTED, as in PostgreSQL): as
//     REPEATABLE READ, but each statement takes a new snapshot
//     (statementSnapshot: on a follower after a linearizable read point),
//     and a statement whose UPDATE, DELETE or SELECT … FOR UPDATE finds a
//     row changed since its snapshot — after waiting for the row's lock,
//     or not — is run again on a new snapshot (errStmtRestart), its
//     writes undone first and the locks it took kept: PostgreSQL's
//     EvalPlanQual re-check, done for the whole statement.

type isoLevel uint8

const (
	isoSerializable isoLevel = iota
	isoRepeatableRead
	isoReadCommitted
)

// isoOf is the level a transaction_isolation value runs at.
func isoOf(v string) isoLevel {
	switch v {
	case "read committed", "read uncommitted":
		return isoReadCommitted
	case "repeatable read":
		return isoRepeatableRead
	}
	return isoSerializable
}

// level is the transaction's isolation level.
func (t *txnState) level() isoLevel { return isoOf(t.iso) }

// maxStmtRestarts bounds the re-runs of one READ COMMITTED statement;
// beyond, it fails with 40001 (each re-run follows a commit that changed
// one of its rows, and keeps the rows it locked, so this is rare).
const maxStmtRestarts = 100

// errStmtRestart: a READ COMMITTED statement found a row changed since
// its snapshot (or waited for a row's lock) and must run again on a new
// one. Where nothing can re-run it (a deferred check at COMMIT, a
// function called by a plain SELECT) it reaches the client as what it
// is: 40001.
var errStmtRestart = pgerror.New(pgerror.SerializationFailure, "could not serialize access due to concurrent update")

// isolationValue normalizes a transaction_isolation value (SET
// TRANSACTION's, BEGIN's, SET transaction_isolation's).
func isolationValue(v string) (string, error) {
	return settings.CheckIsolationLevel(v)
}

// setTxnIsolation is SET TRANSACTION ISOLATION LEVEL (multi) and SET
// transaction_isolation, with PostgreSQL's rules: outside a transaction
// block SET TRANSACTION warns (25P01) and neither does anything; a change
// of level after the transaction's first query, or inside a savepoint,
// fails with 25001.
func (s *Session) setTxnIsolation(v string, multi bool, w ResultWriter) error {
	v, err := isolationValue(v)
	if err != nil {
		return err
	}
	if s.mode != modeBlock || s.tx == nil {
		if multi && w != nil {
			_ = w.Notice(&pgerror.Error{Code: pgerror.NoActiveSQLTransaction, Severity: "WARNING", Message: "SET TRANSACTION can only be used in transaction blocks"})
		}
		return nil
	}
	t := s.tx
	if v == t.iso {
		return nil
	}
	if t.queried {
		return pgerror.New(pgerror.ActiveSQLTransaction, "SET TRANSACTION ISOLATION LEVEL must be called before any query")
	}
	if len(t.savepoints) > 0 {
		return pgerror.New(pgerror.ActiveSQLTransaction, "SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction")
	}
	t.iso = v
	if t.Kv != nil {
		// a snapshot taken by a savepoint since released: nothing read yet
		if t.level() == isoSerializable {
			t.Kv.RecordAllReads()
		} else {
			t.Kv.CheckedReadsOnly()
		}
	}
	return nil
}

// showIsolation is SHOW transaction_isolation: the open transaction's
// level, else the one the next transaction gets.
func (s *Session) showIsolation() string {
	if s.tx != nil && s.tx.iso != "" {
		return s.tx.iso
	}
	return s.set.Vals["default_transaction_isolation"]
}

// statementSnapshot gives a READ COMMITTED transaction's next statement
// a new snapshot: the latest committed state (after a linearizable read
// point, unless the session reads locally), its buffered writes kept. A
// transaction that changed the catalog, or has an open cursor, keeps its
// snapshot (README, Differences).
func (s *Session) statementSnapshot(ctx context.Context, t *txnState) error {
	_, err := s.newStatementSnapshot(ctx, t)
	return err
}

// newStatementSnapshot is statementSnapshot, reporting whether the
// transaction reads a new snapshot now (false: it keeps its own).
func (s *Session) newStatementSnapshot(ctx context.Context, t *txnState) (bool, error) {
	if t.ddl != nil || t.Kv == nil {
		return false, nil
	}
	if err := s.readBarrier(ctx); err != nil {
		return false, err
	}
	before := t.Kv.SnapshotIndex()
	if err := t.Kv.Refresh(); err != nil {
		if errors.Is(err, kv.ErrSnapshotInUse) {
			return false, nil
		}
		return false, pgerror.Wrap(err, pgerror.Internal, "statement snapshot")
	}
	if t.Kv.SnapshotIndex() == before {
		return true, nil // nothing applied since: already the latest
	}
	cat, err := s.catalogFor(t.Kv)
	if err != nil {
		return false, err
	}
	t.cat = cat
	return true, nil
}

// stmtMark is what a READ COMMITTED statement's re-run undoes.
type stmtMark struct {
	kv       int
	reads    kv.ReadMark
	notes    notify.Mark
	fk       int
	pending  int
	afterRow int
}

func (s *Session) markStmt(t *txnState) stmtMark {
	return stmtMark{kv: t.Kv.Savepoint(), reads: t.Kv.ReadMark(), notes: t.notes.Mark(), fk: t.FK.DeferredMark(), pending: t.FK.PendingMark(), afterRow: len(t.AfterRow)}
}

// rollbackStmt undoes what the statement did since m (its locks stay:
// they are the transaction's until it ends, as in PostgreSQL).
func (s *Session) rollbackStmt(t *txnState, m stmtMark) {
	t.Kv.RollbackTo(m.kv)
	t.Kv.ForgetReadsSince(m.reads) // read at the old snapshot
	t.notes.RollbackTo(m.notes)
	t.FK.RollbackDeferred(m.fk)
	t.FK.RollbackPending(m.pending)
	clear(t.AfterRow[m.afterRow:])
	t.AfterRow = t.AfterRow[:m.afterRow]
}

// restartable reports whether a statement of a READ COMMITTED
// transaction may be re-run: an INSERT, UPDATE, DELETE or MERGE (with
// data-modifying WITH queries too), or a SELECT with a locking clause (run
// to its end first).
func (ps *prepStmt) restartable() (dml, locking bool) {
	if ps.dml != nil {
		return true, false
	}
	if len(ps.writers) > 0 {
		return true, true // data-modifying WITH: its rows are kept to the end too
	}
	if ps.plan != nil {
		if sel := ps.st.Node.GetSelectStmt(); sel != nil && len(sel.LockingClause) > 0 {
			return false, true
		}
	}
	return false, false
}

// runReadCommitted runs a statement of a READ COMMITTED transaction,
// again on a new snapshot while it finds a row changed since its own.
// It serves the client's statements and those of functions and
// procedures (each of which PostgreSQL also gives a new snapshot at READ
// COMMITTED): a nested statement re-runs alone, the outer one going on
// with the new snapshot.
func (s *Session) runReadCommitted(ctx context.Context, t *txnState, ps *prepStmt, run func() (*cursor, error)) (*cursor, error) {
	dml, locking := ps.restartable()
	if !dml && !locking {
		return run()
	}
	m := s.markStmt(t)
	for attempt := 0; ; attempt++ {
		cur, err := run()
		if err == nil && locking && cur != nil && cur.it != nil {
			err = cur.materialize()
		}
		if !errors.Is(err, errStmtRestart) {
			if err != nil && locking && cur != nil {
				cur.Close()
				cur = nil
			}
			return cur, err
		}
		if cur != nil {
			cur.Close()
		}
		if attempt == maxStmtRestarts {
			return nil, errSerialization
		}
		s.rollbackStmt(t, m)
		moved, err := s.newStatementSnapshot(ctx, t)
		if err != nil {
			return nil, err
		}
		if !moved {
			// the transaction must keep its snapshot (it changed the
			// catalog, or a cursor of it is open): a re-run would read
			// the rows it now holds as they were — a lost update
			return nil, errSerialization
		}
		if err := s.planFor(t, ps); err != nil {
			return nil, err
		}
	}
}

// materialize runs a locking read to its end (its rows are all locked
// before the first is sent, so a re-run has sent nothing).
func (c *cursor) materialize() error {
	var rows [][]types.Datum
	for {
		r, err := c.it.Next()
		if err != nil {
			return err
		}
		if r == nil {
			break
		}
		rows = append(rows, append([]types.Datum(nil), r...))
	}
	c.it.Close()
	c.it = &exec.SliceIter{Rows: rows}
	return nil
}

// runAtLevel runs a planned statement of the session's transaction: at
// READ COMMITTED through runReadCommitted.
func (s *Session) runAtLevel(ctx context.Context, t *txnState, ps *prepStmt, params []types.Datum, w ResultWriter) (*cursor, error) {
	if t.level() != isoReadCommitted {
		return s.run(s.newExecCtx(ctx, t, params), ps, w)
	}
	return s.runReadCommitted(ctx, t, ps, func() (*cursor, error) {
		return s.run(s.newExecCtx(ctx, t, params), ps, w)
	})
}
