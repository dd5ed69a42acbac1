package sql

import (
	"context"
	"errors"

	"logdb/kv"

	"logdb/sql/pgerror"
)

// Re-running an extended-protocol batch whose implicit transaction failed
// at Sync with 40001.
//
// A driver sends an autocommit statement as one batch — Parse, Bind,
// Describe, Execute, Sync — and the implicit transaction commits at Sync,
// after the rows were produced. When that commit fails with 40001 (a
// concurrent writer changed what it read) and the connection has sent the
// client nothing of the batch yet (its replies wait in pgwire's buffer
// until Sync), the connection discards those replies and runs the whole
// batch again on a new snapshot: the client sees only the run that
// committed, as it would if the statement had waited its turn. This is
// what the simple protocol already does for a lone write (autocommitRetry)
// and what lets queue libraries that expect PostgreSQL's READ COMMITTED
// (graphile-worker's add_job, its failJobs UPDATE … RETURNING) run under
// the SERIALIZABLE default without retrying themselves.
//
// The connection (package pgwire) records the batch's messages and owns
// its output; the session answers whether the batch is safe to run again
// (RerunnableBatch): it must have begun outside a transaction, be exactly
// one transaction (the implicit one that failed — never a transaction
// block that committed inside the batch), and have taken no session-level
// lock, temporary slot, replication-slot change or non-transactional
// logical message (Session.effects), the effects that outlive a
// rolled-back transaction. Sequence values it drew are drawn again, as in PostgreSQL's
// own retry loops.

// batchMark is the session's state when a batch began.
type batchMark struct {
	idle     bool   // no transaction was open
	txStarts uint64 // Session.txStarts then
	locks    uint64 // sessionLocks.taken then
	slots    int    // len(tempSlots) then
	effects  uint64 // Session.effects then
}

// BatchStart notes the state at the start of a client batch (the first
// message after ReadyForQuery), for RerunnableBatch.
func (s *Session) BatchStart() {
	s.batch = batchMark{idle: s.mode == modeIdle, txStarts: s.txStarts, locks: s.locks.taken, slots: len(s.tempSlots), effects: s.effects}
}

// RerunnableBatch reports whether the batch begun at the last BatchStart,
// whose Sync just failed with err, may be run again from its first
// message (see above).
func (s *Session) RerunnableBatch(err error) bool {
	b := s.batch
	return pgerror.Code(err) == pgerror.SerializationFailure && !errors.Is(err, errNoReadPoint) &&
		b.idle && s.mode == modeIdle && s.txStarts == b.txStarts+1 &&
		s.locks.taken == b.locks && len(s.tempSlots) == b.slots && s.effects == b.effects
}

// writeSystem is Engine.writeSystem for a session: what it writes (a
// replication slot's creation, drop or position) is not undone by the
// transaction's rollback, so the statement is not re-run after 40001.
func (s *Session) writeSystem(ctx context.Context, fn func(txn *kv.Txn) error) error {
	s.effects++
	return s.e.writeSystem(ctx, fn)
}

// SyncOnce is Sync for a batch the connection can run again itself: an
// implicit transaction that fails at COMMIT is not re-run by the session
// (replayImplicit), the connection re-runs the whole batch instead.
func (s *Session) SyncOnce(ctx context.Context) (err error) {
	defer s.guard(&err)
	if s.mode != modeImplicit {
		return nil
	}
	if err = s.finishTxn(ctx, true); err != nil && !s.RerunnableBatch(err) {
		s.logSyncError(err)
	}
	return err
}

// logSyncError logs the failed commit of an implicit transaction at Sync
// with the text of its last statement (a 40001 there has no statement of
// its own), under log_min_error_statement.
func (s *Session) logSyncError(err error) {
	if !s.logCfg().errors {
		return
	}
	s.act.mu.Lock()
	q := s.act.query
	s.act.mu.Unlock()
	s.logError(q, err)
}

// NoteRetry counts a re-run batch in the retry statistics.
func (s *Session) NoteRetry() { s.observeRetry() }
