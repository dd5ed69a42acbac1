package sql

import (
	"strings"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// LISTEN / NOTIFY. Notifications are delivered to the listening sessions of
// this node when the notifying transaction commits (or at once outside a
// transaction). They do not travel through the log, so sessions on other
// nodes of a cluster do not receive them.

// listenRegistry maps channels to listening sessions. Its own mutex, not
// Engine.mu: delivery calls into pgwire.
type listenRegistry struct {
	mu       sync.Mutex
	channels map[string]map[*Session]bool
}

type pendingNotify struct {
	channel, payload string
}

// SetNotifier is called by pgwire right after NewSession: notify sends a
// NotificationResponse to this session's client (pgwire.Notifier).
func (s *Session) SetNotifier(notify func(pid uint32, channel, payload string)) {
	s.notifier = notify
}

func (e *Engine) listen(s *Session, channel string) {
	r := &e.listeners
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.channels == nil {
		r.channels = map[string]map[*Session]bool{}
	}
	if r.channels[channel] == nil {
		r.channels[channel] = map[*Session]bool{}
	}
	r.channels[channel][s] = true
}

// unlisten removes s from channel ("" : from every channel).
func (e *Engine) unlisten(s *Session, channel string) {
	r := &e.listeners
	r.mu.Lock()
	defer r.mu.Unlock()
	for ch, set := range r.channels {
		if channel == "" || ch == channel {
			delete(set, s)
			if len(set) == 0 {
				delete(r.channels, ch)
			}
		}
	}
}

func (e *Engine) deliver(pid int32, ns []pendingNotify) {
	r := &e.listeners
	for _, n := range ns {
		r.mu.Lock()
		var targets []func(uint32, string, string)
		for ls := range r.channels[n.channel] {
			if ls.notifier != nil {
				targets = append(targets, ls.notifier)
			}
		}
		r.mu.Unlock()
		for _, fn := range targets {
			fn(uint32(pid), n.channel, n.payload)
		}
	}
}

// queueNotify records a notification: sent when the transaction commits,
// or at once when there is none.
func (s *Session) queueNotify(channel, payload string) error {
	if len(payload) >= 8000 {
		return pgerror.New(pgerror.InvalidParameterValue, "payload string too long")
	}
	if s.tx != nil {
		for _, n := range s.tx.notifies {
			if n.channel == channel && n.payload == payload {
				return nil
			}
		}
		s.tx.notifies = append(s.tx.notifies, pendingNotify{channel, payload})
		return nil
	}
	s.e.deliver(s.pid, []pendingNotify{{channel, payload}})
	return nil
}

// execListenStmt runs LISTEN, UNLISTEN and NOTIFY.
func (s *Session) execListenStmt(n *pg_query.Node) (*cursor, error) {
	switch {
	case n.GetListenStmt() != nil:
		s.e.listen(s, n.GetListenStmt().Conditionname)
		return &cursor{tag: "LISTEN"}, nil
	case n.GetUnlistenStmt() != nil:
		name := n.GetUnlistenStmt().Conditionname
		s.e.unlisten(s, strings.TrimSpace(name))
		return &cursor{tag: "UNLISTEN"}, nil
	default:
		ns := n.GetNotifyStmt()
		return &cursor{tag: "NOTIFY"}, s.queueNotify(ns.Conditionname, ns.Payload)
	}
}

func init() {
	builtins["pg_notify"] = func(p *planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) != 2 {
			return nil, noFunc("pg_notify", args)
		}
		for i := range args {
			var err error
			if args[i], err = p.coerce(args[i], exec.TextT, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		return &exec.BuiltinExpr{Name: "pg_notify", Args: args, Ret: voidT, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			if v[0] == nil || v[0] == "" {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "channel name cannot be empty")
			}
			payload, _ := v[1].(string)
			return "", ec.s.queueNotify(v[0].(string), payload)
		}}, nil
	}
}

var voidT = types.T{OID: types.VoidOID, Mod: -1}
