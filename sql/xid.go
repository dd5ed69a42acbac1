package sql

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"logdb/kv"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// Transaction ids: txid_current, pg_current_xact_id, their _if_assigned
// forms, txid_status and pg_xact_status.
//
// An id is kv's epoch<<kv.XidSeqBits | seq (kv/xid.go): the engine takes
// an epoch through the log (a KindXidEpoch entry, whose index it is) the
// first time it needs one, then hands out ids from a counter with no
// further traffic, and takes a new epoch when the counter runs out or the
// epoch is half a window old. A transaction gets its id when it first asks
// for it (txid_current) or when it commits writes; its commit entry
// carries the id, and a transaction that has an id and no writes still
// proposes an empty entry with it, so txid_status answers committed, as
// PostgreSQL does. A 40003 names the id (cmd/logdb), and txid_status
// settles it: an id not open on this node and without a recorded outcome
// is fenced through the log (kv.KindXidFence), after which it can never
// commit.

// xidAllocator hands out this node's transaction ids.
type xidAllocator struct {
	mu    sync.Mutex // guards every field; held across an epoch proposal
	epoch uint64     // 0: none yet
	next  uint64     // next sequence number in epoch
	// open holds the ids of transactions open on this node's sessions
	// that are not committing: txid_status answers "in progress" for them.
	open map[uint64]struct{}
}

const xidSeqLimit = 1 << kv.XidSeqBits

// assignXid gives the session's transaction an id if it has none; open
// notes it as open (txid_current inside the transaction), not at commit.
func (s *Session) assignXid(ctx context.Context, t *txnState, open bool) (uint64, error) {
	if t.xid != 0 {
		return t.xid, nil
	}
	e := s.e
	a := &e.xids
	a.mu.Lock()
	defer a.mu.Unlock()
	applied := e.cfg.Store.AppliedIndex()
	if a.epoch == 0 || a.next >= xidSeqLimit || applied > a.epoch+kv.XidWindow/2 {
		res, err := e.proposeInTxn(ctx, &kv.Command{Kind: kv.KindXidEpoch})
		if err != nil {
			// Whatever became of the epoch entry, the transaction itself
			// was not proposed: it surely did not commit.
			if pe := proposerError(err); pe != nil && pe.Code == pgerror.StatementCompletionUnknown {
				return 0, &pgerror.Error{Code: pgerror.SerializationFailure,
					Message: "could not assign a transaction id: the raft log did not answer (no quorum reachable?); nothing was written",
					Hint:    "Retry the transaction.", Cause: err}
			}
			return 0, err
		}
		a.epoch, a.next = uint64(res.Value), 1
	}
	t.xid = a.epoch<<kv.XidSeqBits | a.next
	a.next++
	if open {
		if a.open == nil {
			a.open = make(map[uint64]struct{})
		}
		a.open[t.xid] = struct{}{}
	}
	return t.xid, nil
}

// xidClosed notes that t is no longer open (committing or rolled back).
func (e *Engine) xidClosed(t *txnState) {
	if t == nil || t.xid == 0 {
		return
	}
	e.xids.mu.Lock()
	delete(e.xids.open, t.xid)
	e.xids.mu.Unlock()
}

func (e *Engine) xidOpen(xid uint64) bool {
	e.xids.mu.Lock()
	defer e.xids.mu.Unlock()
	_, ok := e.xids.open[xid]
	return ok
}

// errXidFenced is a commit whose id txid_status settled first.
func errXidFenced(xid uint64) error {
	return &pgerror.Error{Code: pgerror.SerializationFailure,
		Message: fmt.Sprintf("could not commit: transaction %d was settled as aborted (txid_status) before its commit reached the log; nothing was written", xid),
		Hint:    "Retry the transaction."}
}

// commitXidOnly commits a transaction that has an id and no writes: an
// entry with the id only, so that its id is recorded committed.
func (s *Session) commitXidOnly(ctx context.Context, t *txnState, commitTime int64) error {
	res, err := s.e.propose(ctx, &kv.Command{Kind: kv.KindTxn, Xid: t.xid, CommitTime: commitTime})
	if err == nil && errors.Is(res.Err, kv.ErrXidFenced) {
		err = errXidFenced(t.xid)
	}
	return err
}

func init() {
	xid8T := types.T{OID: types.Xid8OID, Mod: -1}
	for name, f := range map[string]plan.Builtin{
		"txid_current":                   xactID("txid_current", exec.Int8T, false),
		"pg_current_xact_id":             xactID("pg_current_xact_id", xid8T, false),
		"txid_current_if_assigned":       xactID("txid_current_if_assigned", exec.Int8T, true),
		"pg_current_xact_id_if_assigned": xactID("pg_current_xact_id_if_assigned", xid8T, true),
		"txid_status":                    xactStatus("txid_status", exec.Int8T),
		"pg_xact_status":                 xactStatus("pg_xact_status", xid8T),
	} {
		plan.Builtins[name] = f
	}
}

// xactID compiles txid_current and its relatives. The _if_assigned forms
// answer NULL until the transaction has an id; as in PostgreSQL a write
// assigns one (here: it is assigned when asked for after a write).
func xactID(name string, ret types.T, ifAssigned bool) plan.Builtin {
	return func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) != 0 {
			return nil, plan.NoFunc(name, args)
		}
		return &exec.BuiltinExpr{Name: name, Ret: ret, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			t := ec.tx
			if t == nil {
				return nil, pgerror.New(pgerror.Internal, "%s outside a transaction", name)
			}
			if ifAssigned && t.xid == 0 && (t.Kv == nil || !t.Kv.HasWrites()) {
				return nil, nil
			}
			id, err := ec.s.assignXid(ec.Context, t, true)
			if err != nil {
				return nil, err
			}
			return int64(id), nil
		}}, nil
	}
}

// xactStatus compiles txid_status(bigint) and pg_xact_status(xid8).
func xactStatus(name string, arg types.T) plan.Builtin {
	return func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) != 1 {
			return nil, plan.NoFunc(name, args)
		}
		a, err := p.Coerce(args[0], arg, types.CastImplicit)
		if err != nil {
			return nil, err
		}
		return &exec.BuiltinExpr{Name: name, Args: []exec.Expr{a}, Ret: exec.TextT, Strict: true, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			return ec.s.e.xidStatus(ec.Context, ec.tx, uint64(v[0].(int64)))
		}}, nil
	}
}

// xidStatus is txid_status: "committed", "aborted", "in progress", or
// NULL for an id too old to be known; 22023 for one not yet assigned.
// An id with no recorded outcome that is not open here is fenced, so the
// answer is final.
func (e *Engine) xidStatus(ctx context.Context, t *txnState, xid uint64) (types.Datum, error) {
	switch {
	case xid == 1 || xid == 2: // PostgreSQL's bootstrap and frozen ids
		return "committed", nil
	case xid > 1<<63-1:
		return nil, xidFuture(xid)
	case kv.XidEpoch(xid) == 0:
		return nil, nil
	case t != nil && t.xid == xid:
		return "in progress", nil
	}
	outcome, applied, err := e.cfg.Store.XidOutcome(xid)
	if err != nil {
		return nil, pgerror.Wrap(err, pgerror.Internal, "txid_status")
	}
	if outcome == 0 && e.xidOpen(xid) {
		return "in progress", nil
	}
	if outcome == 0 && applied > kv.XidWindow && kv.XidEpoch(xid) < applied-kv.XidWindow {
		return nil, nil
	}
	if outcome == 0 {
		res, err := e.proposeInTxn(ctx, &kv.Command{Kind: kv.KindXidFence, Xid: xid})
		if err != nil {
			if pe := proposerError(err); pe != nil && pe.Code == pgerror.StatementCompletionUnknown {
				return nil, &pgerror.Error{Code: pgerror.SerializationFailure,
					Message: fmt.Sprintf("could not settle the status of transaction %d: the raft log did not answer (no quorum reachable?)", xid),
					Hint:    "Call txid_status again; the answer it gives is final.", Cause: err}
			}
			return nil, err
		}
		outcome = res.Value
	}
	switch outcome {
	case kv.XidCommitted:
		return "committed", nil
	case kv.XidAborted:
		return "aborted", nil
	case kv.XidFuture:
		return nil, xidFuture(xid)
	}
	return nil, nil // kv.XidTooOld
}

func xidFuture(xid uint64) error {
	return pgerror.New(pgerror.InvalidParameterValue, "transaction ID %d is in the future", xid)
}
