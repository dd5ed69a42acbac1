package sql

import (
	"context"
	"errors"

	"logdb/sql/types"
)

// A deferred read point (docs/architecture.md, "Writes without a read
// point").
//
// A transaction's snapshot normally waits for a linearizable read point
// (Config.ReadBarrier): on a follower one read-index round with the leader
// and then the wait until this node has applied that far. A SERIALIZABLE
// transaction whose first statement is an INSERT skips that wait: the
// INSERT runs on this node's applied state at once. That is safe because
// such a transaction commits through kv's validation, which fails it
// (40001) when anything it read — a unique or foreign-key check, a scan
// of INSERT … SELECT, the table's descriptor — changed after the snapshot
// it was read in. Every read of a transaction that commits is therefore
// still current at its commit, which lies within the transaction's time:
// it is as linearizable as one that waited. What the wait bought was only
// fewer conflicts, and an INSERT of new rows reads little.
//
// What the client sees before COMMIT must not be stale either, so:
//
//   - the INSERT must write: one that fails (the table may have been made
//     through another node a moment ago, a foreign key's parent inserted
//     there, a duplicate deleted there) or writes no row (ON CONFLICT DO
//     NOTHING, an empty SELECT) is undone and run again after a read
//     point, before anything of it reaches the client (a DML statement's
//     rows are collected before they are sent);
//   - the transaction's next statement that reads moves the snapshot past
//     a read point first (freshen, from ensureKV), keeping the INSERT's
//     writes and the reads it recorded with their own snapshot (kv.Txn
//     Refresh, as READ COMMITTED statements do), so those reads are still
//     validated from where they were made.
//
// A transaction that is BEGIN, INSERT, COMMIT — a job queue's producer, an
// outbox writer — so pays no read point at all on a follower.
//
// Only while the node is in touch with the leader (Config.LeaderInTouch:
// a follower heard from it within two ticks, a leader holds its read
// lease). A node cut off from the leader waits for the read point as
// before and fails cleanly with 40001 ("nothing was read or written");
// skipping it there would run the INSERT and leave its COMMIT waiting for
// a quorum it cannot reach, to end in 40003 (outcome unknown).
// TestClusterMembership's removed leader showed it: its clients' COMMITs
// held its shutdown past ten seconds.

// deferrable reports whether ps may run on a snapshot without a read point
// as its transaction's first statement: a planned INSERT (at SERIALIZABLE:
// ensureKV checks the level).
func (ps *prepStmt) deferrable() bool {
	return ps.kind == kindPlanned && ps.st.Node != nil && ps.st.Node.GetInsertStmt() != nil
}

// runDeferred plans and runs the first statement of a transaction whose
// snapshot was taken without a read point (t.deferring). It keeps the
// result when the statement wrote; otherwise it undoes the statement and
// runs it again on a snapshot past a read point.
func (s *Session) runDeferred(ctx context.Context, t *txnState, ps *prepStmt, params []types.Datum, w ResultWriter) (*cursor, error) {
	m := s.markStmt(t)
	effects, locksTaken, notices := s.effects, s.locks.taken, len(s.notices)
	cur, err := func() (*cursor, error) {
		defer func() { t.deferring = false }()
		if err := s.planFor(t, ps); err != nil {
			return nil, err
		}
		if err := t.recordDeps(ps.deps); err != nil {
			return nil, err
		}
		return s.run(s.newExecCtx(ctx, t, params), ps, w)
	}()
	if err == nil && t.Kv.HasWrites() {
		return cur, nil // validated at commit
	}
	if ctx.Err() != nil || s.effects != effects || s.locks.taken != locksTaken || errors.Is(err, errNoReadPoint) {
		// canceled, or it did something a rollback does not undo (a
		// session lock, a non-transactional message): not run twice
		return cur, err
	}
	if cur != nil {
		cur.Close()
	}
	s.rollbackStmt(t, m)
	clear(s.notices[notices:])
	s.notices = s.notices[:notices] // the first run's warnings: it did not happen
	if err := s.freshen(ctx, t); err != nil {
		return nil, err
	}
	if err := s.planFor(t, ps); err != nil {
		return nil, err
	}
	return s.run(s.newExecCtx(ctx, t, params), ps, w)
}

// freshen moves a stale snapshot (t.stale) past a linearizable read point,
// keeping the transaction's writes and its reads (each validated from the
// snapshot it was made in): a READ COMMITTED statement's new snapshot
// (isolation.go). A snapshot an open cursor reads, or one of a transaction
// that changed the catalog, stays: the transaction wrote, so its reads are
// validated at commit.
func (s *Session) freshen(ctx context.Context, t *txnState) error {
	t.stale = false
	_, err := s.newStatementSnapshot(ctx, t)
	return err
}
