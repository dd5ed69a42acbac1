package sql

import (
	"context"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/kv"
	"logdb/notify"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// LISTEN / NOTIFY: the hooks of package notify (see its doc.go). A
// transaction's notifications and LISTEN/UNLISTEN actions collect in
// txnState.notes; at commit the notifications ride in the transaction's
// log entry and every node delivers them when it applies it
// (Config.Notify, fed by cmd/logdb's state machine).

// SetNotifier is called by pgwire right after NewSession: notify sends a
// NotificationResponse to this session's client (pgwire.Notifier).
func (s *Session) SetNotifier(notify func(pid uint32, channel, payload string)) {
	s.notifier = notify
}

// notifyTxn returns the transaction NOTIFY and LISTEN add to: the open one,
// else a new implicit one (a lone NOTIFY is its own commit).
func (s *Session) notifyTxn() *txnState {
	if s.tx == nil {
		s.tx = s.newTxnState()
		if s.mode == modeIdle {
			s.mode = modeImplicit
		}
	}
	return s.tx
}

// pending returns t.notes, making it.
func (t *txnState) pending() *notify.Pending {
	if t.notes == nil {
		t.notes = &notify.Pending{}
	}
	return t.notes
}

func (s *Session) queueNotify(channel, payload string) error {
	return s.notifyTxn().pending().Notify(channel, payload)
}

// execListenStmt runs LISTEN, UNLISTEN and NOTIFY.
func (s *Session) execListenStmt(n *pg_query.Node) (*cursor, error) {
	switch {
	case n.GetListenStmt() != nil:
		s.notifyTxn().pending().Listen(n.GetListenStmt().Conditionname)
		return &cursor{tag: "LISTEN"}, nil
	case n.GetUnlistenStmt() != nil:
		if name := strings.TrimSpace(n.GetUnlistenStmt().Conditionname); name != "" {
			s.notifyTxn().pending().Unlisten(name)
		} else {
			s.notifyTxn().pending().UnlistenAll()
		}
		return &cursor{tag: "UNLISTEN"}, nil
	default:
		ns := n.GetNotifyStmt()
		return &cursor{tag: "NOTIFY"}, s.queueNotify(ns.Conditionname, ns.Payload)
	}
}

// unlistenAll is DISCARD ALL's UNLISTEN *.
func (s *Session) unlistenAll() { s.notifyTxn().pending().UnlistenAll() }

// commitListens applies the transaction's LISTEN and UNLISTEN actions
// before its entry is proposed, so its own notifications reach it; undo
// reverts them if the commit fails.
func (s *Session) commitListens(t *txnState) (undo func()) {
	if !t.notes.HasActions() {
		return func() {}
	}
	if s.listener == nil {
		s.listener = s.e.listeners.NewListener(s.notifier)
	}
	return s.listener.Commit(t.notes)
}

// commitNotifyOnly commits a transaction that writes nothing: its
// LISTEN/UNLISTEN take effect, and its notifications, if any, go through
// the log in an entry of their own that reads and writes nothing (so it
// cannot conflict).
func (s *Session) commitNotifyOnly(ctx context.Context, t *txnState) error {
	undo := s.commitListens(t)
	if !t.notes.HasNotifications() {
		return nil
	}
	cmd := &kv.Command{Kind: kv.KindTxn, CommitTime: time.Now().UnixMicro(), Notifications: t.notes.Notifications(uint32(s.pid))}
	res, err := s.e.propose(ctx, cmd)
	if err == nil && res.Err != nil {
		err = errSerialization // not expected: it reads nothing
	}
	if err != nil {
		undo()
	}
	return err
}

// newPID returns a backend pid for a new session (pg_backend_pid, and
// BackendKeyData when free): the node's id (modulo 512) in the bits from
// 2^22 up, a counter from 1000 below, skipping pids in use. A
// notification carries the notifying session's pid to the listeners of
// every node, and clients tell their own notifications by it, so the pids
// of a cluster's nodes must not collide.
func (e *Engine) newPID() int32 {
	node := int32(e.cfg.NodeID % 512)
	for {
		n := uint32(nextPID.Add(1))
		pid := node<<22 | int32(1000+n%(1<<22-1000))
		if !e.sessions.has(pid) && !e.stalePIDs[pid] {
			return pid
		}
	}
}

// closeListener stops the session listening (Session.Close).
func (s *Session) closeListener() {
	if s.listener != nil {
		s.listener.Close()
	}
}

// listeningChannels is pg_listening_channels(): the committed LISTENs.
func (s *Session) listeningChannels() []string {
	if s.listener == nil {
		return nil
	}
	return s.listener.Channels()
}

func init() {
	plan.Builtins["pg_notify"] = func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) != 2 {
			return nil, plan.NoFunc("pg_notify", args)
		}
		for i := range args {
			var err error
			if args[i], err = p.Coerce(args[i], exec.TextT, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		return &exec.BuiltinExpr{Name: "pg_notify", Args: args, Ret: voidT, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			if v[0] == nil {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "channel name cannot be empty")
			}
			payload, _ := v[1].(string)
			return "", ec.s.queueNotify(v[0].(string), payload)
		}}, nil
	}
	exec.SRFNames["pg_listening_channels"] = true
}

var voidT = types.T{OID: types.VoidOID, Mod: -1}
