package sql

import (
	"context"
	"encoding/binary"
	"errors"
	"logdb/sql/settings"
	"time"

	"logdb/kv"
	"logdb/locks"
	"logdb/sql/pgerror"
)

// Cluster-wide locks (package locks): a session's side. A session is one
// lock owner (its node, the node's incarnation, its pid); its requests,
// releases and cancellations are log entries, decided at apply on every
// node alike. The session counts what it holds so it knows what to
// release: transaction-level holds when its transaction ends (in the
// commit's own entry when it writes, else in an entry of their own),
// everything when it closes.

// sessionLocks is what a session holds (counts of holds, as granted).
type sessionLocks struct {
	inc  uint64 // the incarnation the holds were taken in; 0: none held
	sess int    // session-level holds
	xact int    // transaction-level holds of the current transaction
	// unsure: a request's outcome is unknown (its proposal failed, or
	// withdrawing it did), so the session may hold more than it counts;
	// its end releases everything whatever the counts say.
	unsure bool
	// taken counts session-level grants ever: a statement that took one
	// is not re-run on 40001 (autocommitRetry), it would take it twice.
	taken uint64
}

func (l *sessionLocks) any() bool { return l.sess > 0 || l.xact > 0 }

var (
	errLocksLost = &pgerror.Error{Code: pgerror.ObjectNotInPrerequisiteState,
		Message: "this session's locks were released: its node was out of reach of the cluster",
		Hint:    "Reconnect, or take the locks again."}
	errNoLocks = pgerror.New(pgerror.FeatureNotSupported, "locks are not available on this server")
)

// lockOwner returns the session's lock owner, waiting for the node's
// incarnation to be registered.
func (s *Session) lockOwner(ctx context.Context) (locks.Owner, error) {
	l := s.e.cfg.Locks
	if l == nil {
		return locks.Owner{}, errNoLocks
	}
	if err := s.checkLocksLost(); err != nil {
		return locks.Owner{}, err
	}
	inc := s.locks.inc
	if inc == 0 {
		var err error
		if inc, err = l.Incarnation(ctx); err != nil {
			return locks.Owner{}, s.ctxErr(ctx)
		}
	}
	return locks.Owner{Node: l.Node(), Inc: inc, PID: uint32(s.pid)}, nil
}

// checkLocksLost fails (once) when the session holds locks of an
// incarnation its node no longer has: the leader released them when the
// node was gone.
func (s *Session) checkLocksLost() error {
	if !s.locks.any() || s.e.cfg.Locks == nil || s.e.cfg.Locks.Current() == s.locks.inc {
		return nil
	}
	s.locks = sessionLocks{}
	return errLocksLost
}

// lockTimeout is lock_timeout (0: none).
func (s *Session) lockTimeout() time.Duration {
	ms := settings.MS(s.set.Vals["lock_timeout"])
	return time.Duration(ms) * time.Millisecond
}

var (
	errLockTimeout = pgerror.New(pgerror.LockNotAvailable, "canceling statement due to lock timeout")
	errDeadlock    = pgerror.New(pgerror.DeadlockDetected, "deadlock detected")
	errLockTable   = &pgerror.Error{Code: pgerror.OutOfMemory, Message: "out of shared memory",
		Hint: "You might need to increase max_locks_per_transaction."}
)

// acquireLock takes tag in mode for the session (xact: until the
// transaction ends). With wait unset it returns false at once when the
// lock is not free; waiting ends with the grant, lock_timeout (55P03), a
// cancel or statement_timeout (57014), or a deadlock (40P01).
func (s *Session) acquireLock(ctx context.Context, tag []byte, mode locks.Mode, xact, wait bool) (bool, error) {
	o, err := s.lockOwner(ctx)
	if err != nil {
		return false, err
	}
	l := s.e.cfg.Locks
	req, granted := l.NewRequest()
	defer l.Done(req)
	out, err := l.Propose(ctx, locks.Acquire(o, tag, mode, xact, wait, req))
	if err != nil {
		s.withdrawRequest(o, tag, mode, xact, req) // it may have applied
		return false, s.lockProposeErr(ctx, err)
	}
	switch out.Status {
	case locks.StatusOK:
		s.noteHeld(o, xact)
		return true, nil
	case locks.StatusNotAvailable:
		return false, nil
	case locks.StatusDeadlock:
		return false, errDeadlock
	case locks.StatusTooMany:
		return false, errLockTable
	case locks.StatusLost:
		s.locks = sessionLocks{}
		return false, errLocksLost
	case locks.StatusWaiting:
	default:
		return false, pgerror.New(pgerror.Internal, "lock request: unexpected outcome %d", out.Status)
	}
	s.setWait("Lock", "advisory")
	defer s.setWait("", "")
	// A wait may be long, and bbolt's mmap growth in apply waits for open
	// read transactions while the grant must come through apply: a
	// transaction that has read nothing yet gives its snapshot back and
	// takes a new one after the wait. (One that has read keeps it: set
	// lock_timeout where that matters — README, Differences.)
	reopen := false
	if t := s.tx; t != nil && t.Kv != nil && t.Kv.Untouched() && t.ddl == nil {
		t.Kv.Release()
		t.Kv = nil
		reopen = true
		s.e.cfg.Logger.Debug("sql: snapshot given back for a lock wait")
	}
	var timeout <-chan time.Time
	if d := s.lockTimeout(); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	var why error
	select {
	case <-granted:
		s.noteHeld(o, xact)
		if reopen {
			if _, err := s.ensureKV(ctx); err != nil {
				return false, err // the lock is held; the statement fails
			}
		}
		return true, nil
	case <-timeout:
		why = errLockTimeout
	case <-ctx.Done():
		why = s.ctxErr(ctx)
	}
	s.withdrawRequest(o, tag, mode, xact, req)
	if reopen {
		_, _ = s.ensureKV(ctx) // the statement fails anyway; without a snapshot its end needs none
	}
	return false, why
}

// withdrawRequest cancels request req: its wait, or the grant it got
// unseen. If that fails too, the session's end releases everything.
func (s *Session) withdrawRequest(o locks.Owner, tag []byte, mode locks.Mode, xact bool, req uint64) {
	if s.locks.inc == 0 {
		s.locks.inc = o.Inc
	}
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.e.cfg.Locks.Propose(cctx, locks.Cancel(o, tag, mode, xact, req)); err != nil {
		s.e.cfg.Logger.Warn("sql: withdraw lock request", "err", err)
		s.locks.unsure = true
	}
}

func (s *Session) noteHeld(o locks.Owner, xact bool) {
	s.locks.inc = o.Inc
	if xact {
		s.locks.xact++
		return
	}
	s.locks.sess++
	s.locks.taken++
	if s.tx != nil {
		s.tx.noReplay = true // a replay at Sync would take it again
	}
}

// releaseLock drops one session-level hold of tag in mode; false when the
// session holds none.
func (s *Session) releaseLock(ctx context.Context, tag []byte, mode locks.Mode) (bool, error) {
	o, err := s.lockOwner(ctx)
	if err != nil {
		return false, err
	}
	out, err := s.e.cfg.Locks.Propose(ctx, locks.Release(o, tag, mode))
	if err != nil {
		return false, s.lockProposeErr(ctx, err)
	}
	if out.Status != locks.StatusOK {
		return false, nil
	}
	s.locks.sess = max(s.locks.sess-1, 0)
	return true, nil
}

// releaseAllLocks drops the session's session-level holds (with session)
// and its transaction-level ones (with xact).
func (s *Session) releaseAllLocks(ctx context.Context, session, xact bool) error {
	if s.e.cfg.Locks == nil || s.locks.inc == 0 || !(session && (s.locks.sess > 0 || s.locks.unsure) || xact && s.locks.xact > 0) {
		return nil
	}
	o := locks.Owner{Node: s.e.cfg.Locks.Node(), Inc: s.locks.inc, PID: uint32(s.pid)}
	if _, err := s.e.cfg.Locks.Propose(ctx, locks.ReleaseAll(o, session, xact)); err != nil {
		return s.lockProposeErr(ctx, err)
	}
	if session {
		s.locks.sess = 0
		s.locks.unsure = false
	}
	if xact {
		s.locks.xact = 0
	}
	if !s.locks.any() && !s.locks.unsure {
		s.locks.inc = 0
	}
	return nil
}

// endTxnLocks releases the ended transaction's transaction-level holds
// (if its commit entry did not): a log entry of their own.
func (s *Session) endTxnLocks() {
	if s.locks.xact == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.releaseAllLocks(ctx, false, true); err != nil {
		s.e.cfg.Logger.Warn("sql: release transaction locks", "err", err)
		s.locks.xact = 0 // released at the session's end, or with the incarnation
	}
}

// commitLockOp is the LockOp a committing transaction carries when the
// session holds locks: the commit is refused if they were lost, and it
// releases the transaction-level ones.
func (s *Session) commitLockOp() []byte {
	if s.e.cfg.Locks == nil || !s.locks.any() {
		return nil
	}
	return locks.Commit(locks.Owner{Node: s.e.cfg.Locks.Node(), Inc: s.locks.inc, PID: uint32(s.pid)}).Encode()
}

// committedLocks takes the outcome of a commit that carried commitLockOp.
func (s *Session) committedLocks(res kv.Result, err error) error {
	if err != nil {
		return err // endTxnLocks releases in an entry of its own
	}
	if locks.DecodeOutcome(res.Lock).Status == locks.StatusLost {
		s.locks = sessionLocks{}
		return errLocksLost
	}
	s.locks.xact = 0
	if !s.locks.any() && !s.locks.unsure {
		s.locks.inc = 0
	}
	return nil
}

// closeLocks releases everything at the session's end.
func (s *Session) closeLocks() {
	if !s.locks.any() && !s.locks.unsure {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.releaseAllLocks(ctx, true, true); err != nil {
		s.e.cfg.Logger.Warn("sql: release session locks", "err", err)
	}
}

func (s *Session) lockProposeErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return s.ctxErr(ctx)
	}
	var pe *pgerror.Error
	if errors.As(err, &pe) {
		return pe
	}
	return pgerror.Wrap(err, pgerror.ConnectionException, "lock request")
}

// advisoryTag is an advisory lock's tag: classid, objid and objsubid as
// PostgreSQL's pg_locks shows them (a bigint key is split into its high
// and low halves with objsubid 1; two int4 keys have objsubid 2).
func advisoryTag(classid, objid uint32, objsubid uint16) []byte {
	b := []byte{'a'}
	b = binary.BigEndian.AppendUint32(b, classid)
	b = binary.BigEndian.AppendUint32(b, objid)
	return binary.BigEndian.AppendUint16(b, objsubid)
}
