package sql

import (
	"crypto/tls"
	"net"
	"sort"
	"sync"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/extparse"
	"logdb/sql/parse"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// This file is what a node's operator sees of its sessions: the registry
// behind pg_stat_activity, pg_cancel_backend and pg_terminate_backend, and
// the Observer that feeds statement metrics.

// StatementKind classifies a statement for metrics (a label value).
type StatementKind uint8

// Statement kinds; NumStatementKinds counts them.
const (
	StmtSelect StatementKind = iota
	StmtInsert
	StmtUpdate
	StmtDelete
	StmtDDL
	StmtTransaction // BEGIN, COMMIT, ROLLBACK, SAVEPOINT, …
	StmtSubscribe   // SUBSCRIBE, COPY (SUBSCRIBE …), FETCH on a feed cursor
	StmtCopy
	StmtOther // SET, SHOW, cursors, utility
	NumStatementKinds
)

var statementKindNames = [NumStatementKinds]string{"select", "insert", "update", "delete", "ddl", "transaction", "subscribe", "copy", "other"}

func (k StatementKind) String() string {
	if k < NumStatementKinds {
		return statementKindNames[k]
	}
	return "other"
}

// statementKind classifies a parsed statement; it runs once per parse
// (prepStmt.classify), never per execution.
func statementKind(st parse.Stmt) StatementKind {
	n := st.Node
	switch {
	case st.Ext != nil && st.Ext.Kind == extparse.ExtBackup:
		return StmtOther
	case st.Ext != nil:
		return StmtSubscribe
	case n == nil:
		return StmtOther
	case n.GetSelectStmt() != nil:
		if n.GetSelectStmt().IntoClause != nil {
			return StmtDDL
		}
		return StmtSelect
	case n.GetInsertStmt() != nil:
		return StmtInsert
	case n.GetUpdateStmt() != nil:
		return StmtUpdate
	case n.GetDeleteStmt() != nil:
		return StmtDelete
	case n.GetTransactionStmt() != nil:
		return StmtTransaction
	case n.GetCopyStmt() != nil:
		return StmtCopy
	case n.GetExplainStmt() != nil, n.GetVariableSetStmt() != nil, n.GetVariableShowStmt() != nil,
		n.GetDeclareCursorStmt() != nil, n.GetFetchStmt() != nil, n.GetClosePortalStmt() != nil,
		n.GetPrepareStmt() != nil, n.GetExecuteStmt() != nil, n.GetDeallocateStmt() != nil,
		n.GetListenStmt() != nil, n.GetUnlistenStmt() != nil, n.GetNotifyStmt() != nil,
		n.GetDiscardStmt() != nil, n.GetCheckPointStmt() != nil:
		return StmtOther
	}
	if isDDL(n) {
		return StmtDDL
	}
	return StmtOther
}

func isDDL(n *pg_query.Node) bool {
	return n.GetCreateStmt() != nil || n.GetDropStmt() != nil || n.GetAlterTableStmt() != nil ||
		n.GetIndexStmt() != nil || n.GetRenameStmt() != nil || n.GetTruncateStmt() != nil ||
		n.GetCreateSeqStmt() != nil || n.GetAlterSeqStmt() != nil || n.GetViewStmt() != nil ||
		n.GetCreateSchemaStmt() != nil || n.GetCreateTableAsStmt() != nil || n.GetCommentStmt() != nil ||
		n.GetCreateEnumStmt() != nil || n.GetAlterEnumStmt() != nil || n.GetCreateDomainStmt() != nil || n.GetCompositeTypeStmt() != nil || n.GetAlterDomainStmt() != nil
}

// Observer receives the engine's measurements as they happen (cmd/logdb
// turns them into Prometheus metrics). Its methods are called on session
// goroutines, once per statement or transaction: they must be cheap, must
// not block, and must be safe for concurrent use.
type Observer interface {
	// StatementDone: a client statement ended (a simple-protocol
	// statement, including the server's own 40001 retries of it, or one
	// extended-protocol Execute), with its error (nil on success).
	StatementDone(kind StatementKind, elapsed time.Duration, err error)
	// TransactionDone: a transaction that used data ended, committed or
	// rolled back (a failed COMMIT counts as a rollback).
	TransactionDone(committed bool)
	// SerializationRetry: the server re-ran a statement or an implicit
	// transaction after 40001, without the client seeing it.
	SerializationRetry()
}

// Backends signals other sessions' connections on this node
// (pg_cancel_backend, pg_terminate_backend). pgwire's Server implements
// it; cmd/logdb wires it. Each returns false when no connection has pid.
type Backends interface {
	CancelBackend(pid int32) bool
	TerminateBackend(pid int32) bool
}

// Wait events pg_stat_activity shows: a FETCH or a SUBSCRIBE stream
// waiting for the next change (PostgreSQL's walsender waiting for WAL),
// and an idle session waiting for its client (added when read).
const (
	waitFeedType, waitFeedEvent     = "IPC", "WalSenderWaitForWAL"
	waitClientType, waitClientEvent = "Client", "ClientRead"
)

// Session states as pg_stat_activity shows them.
const (
	stateActive       = "active"
	stateIdle         = "idle"
	stateIdleInTxn    = "idle in transaction"
	stateIdleInFailed = "idle in transaction (aborted)"
)

// activity is what other goroutines may read of a session: mu guards
// every field (held only to copy a few words; contended only while
// pg_stat_activity is read).
type activity struct {
	mu          sync.Mutex
	state       string
	query       string
	queryStart  time.Time
	stateChange time.Time
	xactStart   time.Time
	waitType    string // wait_event_type, "" for none
	waitEvent   string
	appName     string // application_name as of setGen
	setGen      int    // the settings generation appName was read at (session goroutine only)
}

// sessionRegistry lists the engine's live sessions by pid.
type sessionRegistry struct {
	mu   sync.Mutex
	byID map[int32]*Session
}

func (r *sessionRegistry) add(s *Session) {
	r.mu.Lock()
	if r.byID == nil {
		r.byID = make(map[int32]*Session)
	}
	r.byID[s.pid] = s
	r.mu.Unlock()
}

func (r *sessionRegistry) remove(s *Session) {
	r.mu.Lock()
	if r.byID[s.pid] == s {
		delete(r.byID, s.pid)
	}
	r.mu.Unlock()
}

func (r *sessionRegistry) has(pid int32) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[pid] != nil
}

func (r *sessionRegistry) list() []*Session {
	r.mu.Lock()
	out := make([]*Session, 0, len(r.byID))
	for _, s := range r.byID {
		out = append(out, s)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].pid < out[j].pid })
	return out
}

// statementStarted marks the session active running query (the whole
// simple-query string, or the prepared statement's text) and returns the
// start time.
func (s *Session) statementStarted(query string) time.Time {
	now := time.Now()
	a := &s.act
	a.mu.Lock()
	a.state, a.query, a.queryStart, a.stateChange = stateActive, query, now, now
	if a.xactStart.IsZero() {
		a.xactStart = now
	}
	a.mu.Unlock()
	return now
}

// statementEnded marks the session idle (in its transaction state) and
// reports the statement to the Observer.
func (s *Session) statementEnded(kind StatementKind, start time.Time, err error) {
	now := time.Now()
	state := stateIdle
	switch s.mode {
	case modeBlock:
		state = stateIdleInTxn
	case modeFailed:
		state = stateIdleInFailed
	}
	a := &s.act
	a.mu.Lock()
	a.state, a.stateChange = state, now
	if state == stateIdle {
		a.xactStart = time.Time{}
	}
	if a.setGen != s.set.Gen {
		a.appName, a.setGen = s.set.Vals["application_name"], s.set.Gen
	}
	a.mu.Unlock()
	if o := s.e.cfg.Observer; o != nil {
		o.StatementDone(kind, now.Sub(start), err)
	}
}

// setWait records what the session's statement waits on (wait_event_type,
// wait_event), or clears it with "", "".
func (s *Session) setWait(typ, event string) {
	a := &s.act
	a.mu.Lock()
	a.waitType, a.waitEvent = typ, event
	a.mu.Unlock()
}

// info is the session as pg_stat_activity shows it.
func (s *Session) info() pgcatalog.SessionInfo {
	a := &s.act
	a.mu.Lock()
	si := pgcatalog.SessionInfo{
		PID: int64(s.pid), User: s.user, Database: s.db, ApplicationName: a.appName,
		BackendStart: s.started, XactStart: a.xactStart, QueryStart: a.queryStart,
		StateChange: a.stateChange, State: a.state, Query: a.query,
		WaitEventType: a.waitType, WaitEvent: a.waitEvent,
	}
	a.mu.Unlock()
	if si.State != stateActive && si.WaitEventType == "" {
		si.WaitEventType, si.WaitEvent = waitClientType, waitClientEvent
	}
	if tcp, ok := s.clientAddr.(*net.TCPAddr); ok {
		si.ClientAddr, si.ClientPort = tcp.IP.String(), int64(tcp.Port)
	}
	if s.tls != nil {
		si.SSL = true
		si.SSLVersion = tls.VersionName(s.tls.Version)
		si.SSLCipher = tls.CipherSuiteName(s.tls.CipherSuite)
	}
	return si
}

// activityRows lists every session of the engine for pg_stat_activity.
func (e *Engine) activityRows() []pgcatalog.SessionInfo {
	ss := e.sessions.list()
	out := make([]pgcatalog.SessionInfo, len(ss))
	for i, s := range ss {
		out[i] = s.info()
	}
	return out
}

// ActivityCounts returns how many sessions of this node are in each
// pg_stat_activity state ("active", "idle", "idle in transaction", …), for
// metrics.
func (e *Engine) ActivityCounts() map[string]int {
	counts := map[string]int{stateActive: 0, stateIdle: 0, stateIdleInTxn: 0, stateIdleInFailed: 0}
	for _, s := range e.sessions.list() {
		s.act.mu.Lock()
		counts[s.act.state]++
		s.act.mu.Unlock()
	}
	return counts
}

// observeRetry reports a server-side 40001 retry to the Observer.
func (s *Session) observeRetry() {
	if o := s.e.cfg.Observer; o != nil {
		o.SerializationRetry()
	}
}

// signalBackend builds pg_cancel_backend(pid) (cancel the statement the
// session with that pid runs on this node; 57014 for it) and
// pg_terminate_backend(pid [, timeout]) (end its connection with FATAL
// 57P01; with a timeout in milliseconds, wait until the session is gone
// and return false if it is not gone by then, as PostgreSQL 14+ does).
// Both return false when no session of this node has the pid (PostgreSQL
// also warns) or when no Backends is wired.
func signalBackend(name string, terminate bool) func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
	return func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) < 1 || len(args) > 2 || (!terminate && len(args) == 2) {
			return nil, plan.NoFunc(name, args)
		}
		want := []types.T{exec.Int4T, exec.Int8T}
		for i := range args {
			var err error
			if args[i], err = p.Coerce(args[i], want[i], types.CastImplicit); err != nil {
				return nil, err
			}
		}
		return &exec.BuiltinExpr{Name: name, Args: args, Ret: exec.BoolT, Strict: true, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			b := ec.s.e.cfg.Backends
			if len(v) == 2 && v[1].(int64) < 0 {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "\"timeout\" must not be negative")
			}
			pid := v[0].(int64)
			if b == nil || pid <= 0 || pid > 1<<31-1 {
				return false, nil
			}
			if terminate {
				ok := b.TerminateBackend(int32(pid))
				if ok && len(v) == 2 && v[1].(int64) > 0 {
					deadline := time.Now().Add(time.Duration(v[1].(int64)) * time.Millisecond)
					for ec.s.e.sessions.has(int32(pid)) {
						if time.Now().After(deadline) {
							return false, nil
						}
						if err := ec.Tick(); err != nil { // cancel and statement_timeout still apply
							return nil, err
						}
						time.Sleep(5 * time.Millisecond)
					}
				}
				return ok, nil
			}
			return b.CancelBackend(int32(pid)), nil
		}}, nil
	}
}
