package sql

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"time"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/parse"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/settings"
	"logdb/sql/types"
)

func (e *Engine) newSession(p SessionParams) (*Session, error) {
	db := p.Database
	if db == "" {
		db = p.User
	}
	user := p.User
	if user == "" {
		user = "postgres"
	}
	dbd, err := e.connectDatabase(db, user)
	if err != nil {
		return nil, err
	}
	s := &Session{
		e: e, user: user, db: db, dbOID: dbd.OID, pid: e.newPID(), started: time.Now(),
		set: settings.NewWithBase(e.settingsBase), prepared: map[string]*Prepared{}, portals: map[string]*Portal{},
		seqLast: map[uint32]int64{}, simplePlans: map[string]*prepStmt{},
	}
	s.set.Vals["session_authorization"] = user
	for _, c := range dbd.Config {
		// ALTER DATABASE … SET: the database's defaults, below the role's.
		k, v, _ := strings.Cut(c, "=")
		_ = s.set.Set(k, v) // checked when stored
	}
	if r := e.roleNow(user); r != nil {
		// ALTER ROLE … SET: the role's defaults, which startup options override.
		for _, c := range r.Config {
			k, v, _ := strings.Cut(c, "=")
			_ = s.set.Set(k, v) // checked when stored
		}
		s.set.Vals["is_superuser"] = map[bool]string{true: "on", false: "off"}[r.Super]
	}
	if p.ApplicationName != "" || s.set.Vals["application_name"] == "" {
		s.set.Vals["application_name"] = p.ApplicationName
	}
	for k, v := range p.Options {
		if strings.EqualFold(k, "options") {
			continue
		}
		if d, err := settings.Lookup(k); err == nil && d.Superuser && s.set.Vals["is_superuser"] != "on" {
			return nil, &pgerror.Error{Code: pgerror.InsufficientPrivilege, Severity: "FATAL", Message: "permission denied to set parameter \"" + d.Name + "\""}
		}
		if err := s.set.Set(k, v); err != nil {
			if pgerror.Code(err) == pgerror.UndefinedObject {
				continue // unknown startup options are ignored
			}
			return nil, err
		}
	}
	s.set.Changed = map[string]bool{}
	s.clientAddr, s.tls = p.ClientAddr, p.TLS
	s.act.state, s.act.stateChange = stateIdle, s.started
	s.act.appName, s.act.setGen = s.set.Vals["application_name"], s.set.Gen
	e.sessions.add(s)
	e.stats.db(db).sessions.Add(1)
	return s, nil
}

// PID is the backend process id this session reports (pg_backend_pid,
// BackendKeyData).
func (s *Session) PID() int32 { return s.pid }

func (s *Session) parameterStatus() [][2]string {
	var out [][2]string
	for _, d := range settings.Defs {
		if d.Reportable {
			out = append(out, [2]string{d.Name, s.set.Vals[strings.ToLower(d.Name)]})
		}
	}
	s.set.Changed = map[string]bool{}
	return out
}

func (s *Session) changedParameters() [][2]string {
	if len(s.set.Changed) == 0 {
		return nil
	}
	var out [][2]string
	for _, d := range settings.Defs {
		k := strings.ToLower(d.Name)
		if s.set.Changed[k] {
			out = append(out, [2]string{d.Name, s.set.Vals[k]})
		}
	}
	s.set.Changed = map[string]bool{}
	return out
}

// ctxErr maps a done context to 57014.
func (s *Session) ctxErr(ctx context.Context) error {
	if s.timedOut || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return pgerror.New(pgerror.QueryCanceled, "canceling statement due to statement timeout")
	}
	return errCanceled
}

// stmtContext applies statement_timeout.
func (s *Session) stmtContext(ctx context.Context) (context.Context, context.CancelFunc) {
	s.timedOut = false
	ms := settings.MS(s.set.Vals["statement_timeout"])
	if ms <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
}

// guard turns a panic in statement execution into XX000.
func (s *Session) guard(err *error) {
	if r := recover(); r != nil {
		s.e.cfg.Logger.Error("sql: panic in statement", "panic", r, "stack", string(debug.Stack()))
		*err = pgerror.New(pgerror.Internal, "internal error: %v", r)
	}
}

func (s *Session) simpleQuery(ctx context.Context, query string, w ResultWriter) (err error) {
	var stmts []parse.Stmt
	start := s.statementStarted(query)
	logged := false
	defer func() {
		kind := StmtOther
		if len(stmts) > 0 {
			kind = statementKind(stmts[len(stmts)-1])
		}
		s.statementEnded(kind, start, err)
		s.logSimpleEnd(query, logged, start, err) // statementlog.go
	}()
	defer s.guard(&err)
	s.closeUnnamed()
	stmts, err = s.e.parse(query)
	if err != nil {
		s.failTxn()
		return err
	}
	logged = s.logSimpleStart(query, stmts)
	if len(stmts) == 0 {
		return w.Empty()
	}
	// A lone write statement in autocommit mode is retried on 40001: its
	// output is buffered until it commits.
	if len(stmts) == 1 && s.mode == modeIdle && isRetryable(stmts[0]) {
		return s.autocommitRetry(ctx, stmts[0], w)
	}
	// a query string of several statements is an implicit transaction
	// block: a procedure it CALLs may not COMMIT (routines.go)
	s.routines.multiStmt = len(stmts) > 1
	defer func() { s.routines.multiStmt = false }()
	if len(stmts) > 1 && s.mode == modeIdle {
		// The statements of one query string are one implicit transaction,
		// begun before the first: a SET SESSION CHARACTERISTICS among them
		// is for the transactions after it, as in PostgreSQL.
		s.tx, s.mode = s.newTxnState(), modeImplicit
	}
	for _, st := range stmts {
		if err := s.runSimple(ctx, st, w); err != nil {
			s.failTxn()
			return err
		}
	}
	if s.mode == modeImplicit {
		return s.finishTxn(ctx, true)
	}
	return nil
}

// autocommitRetryFor bounds how long the server retries an autocommit
// statement that keeps failing with 40001.
const autocommitRetryFor = 10 * time.Second

func (s *Session) autocommitRetry(ctx context.Context, st parse.Stmt, w ResultWriter) error {
	var err error
	deadline := time.Now().Add(autocommitRetryFor)
	for attempt := 0; attempt == 0 || time.Now().Before(deadline); attempt++ {
		buf := &bufferWriter{}
		taken, effects := s.locks.taken, s.effects
		if err = s.runSimple(ctx, st, buf); err == nil && s.mode == modeImplicit {
			err = s.finishTxn(ctx, true)
		}
		if err == nil {
			return buf.replay(w)
		}
		s.failTxn()
		if pgerror.Code(err) != pgerror.SerializationFailure || ctx.Err() != nil || errors.Is(err, errNoReadPoint) ||
			s.locks.taken != taken || // it took a session lock: a re-run would take it twice (locks.go)
			s.effects != effects { // it did what a rollback does not undo (batch_rerun.go)
			return err
		}
		s.observeRetry()
		// randomized backoff: contenders spread out instead of colliding again
		max := time.Millisecond << min(attempt, 4)
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(max))) + 100*time.Microsecond):
		case <-ctx.Done():
			return s.ctxErr(ctx)
		}
	}
	return err
}

// isRetryable reports whether a statement may be re-run on 40001 by the
// server (writes whose output the client has not seen).
func isRetryable(st parse.Stmt) bool {
	n := st.Node
	return n.GetInsertStmt() != nil || n.GetUpdateStmt() != nil || n.GetDeleteStmt() != nil || n.GetMergeStmt() != nil ||
		n.GetCreateStmt() != nil || n.GetDropStmt() != nil || n.GetAlterTableStmt() != nil ||
		n.GetIndexStmt() != nil || n.GetRenameStmt() != nil || n.GetTruncateStmt() != nil ||
		n.GetCreateSeqStmt() != nil
}

// runSimple plans and runs one statement of a simple query, streaming text
// results to w.
func (s *Session) runSimple(ctx context.Context, st parse.Stmt, w ResultWriter) error {
	ctx, cancel := s.stmtContext(ctx)
	defer cancel()
	ps := s.simplePlans[st.SQL]
	if ps == nil || ps.st.Node != st.Node || ps.readsContext {
		ps = &prepStmt{st: st}
		ps.classify()
		if ps.kind == kindPlanned && len(st.SQL) < 4096 {
			if len(s.simplePlans) >= 256 {
				for k := range s.simplePlans {
					delete(s.simplePlans, k)
					break
				}
			}
			s.simplePlans[st.SQL] = ps
		}
	}
	cur, err := s.runStmt(ctx, ps, nil, w)
	if err != nil {
		return err
	}
	if cur == nil {
		return nil
	}
	defer cur.Close()
	if cur.cols != nil {
		if err := w.Columns(s.describe(cur.cols, nil)); err != nil {
			return err
		}
	}
	if _, err := s.writeRows(ctx, cur, 0, nil, w); err != nil {
		return err
	}
	s.flushNotices(w)
	return w.Complete(cur.tagText())
}

// runStmt runs one statement (any kind) in the session's transaction.
// Transaction control and settings statements complete here and return a
// nil cursor after writing their tag; others return a cursor.
func (s *Session) runStmt(ctx context.Context, ps *prepStmt, params []types.Datum, w ResultWriter) (*cursor, error) {
	if ps.kind == kindEmpty {
		return nil, w.Empty()
	}
	if ps.kind == kindTxn {
		tag, err := s.execTxnStmt(ctx, ps.st.Node.GetTransactionStmt(), w)
		if err != nil {
			return nil, err
		}
		return nil, w.Complete(tag)
	}
	if s.mode == modeFailed {
		return nil, pgerror.New(pgerror.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	if err := s.checkCatalogRefs(ps.st); err != nil { // databases.go
		return nil, err
	}
	if err := s.checkLocksLost(); err != nil { // locks.go
		return nil, err
	}
	if ps.kind != kindCursor {
		s.startPendingCursors(ctx) // before anything that might write
	}
	if ps.kind == kindSession {
		cur, err := s.execSessionStmt(ctx, ps, w)
		if err != nil {
			return nil, err
		}
		if cur == nil {
			return nil, nil
		}
		return cur, nil
	}
	if ps.st.Ext != nil {
		return s.runExtStmt(ctx, ps.st.Ext, w) // SUBSCRIBE & co. (subscribe.go)
	}
	if ps.kind != kindCursor {
		// fall through to the planned path
	} else if cur, handled, err := s.execCursorStmt(ctx, ps, params, w); handled {
		if err == nil && cur == nil {
			cur = &cursor{tag: "PREPARE"}
		}
		return cur, err
	}
	hadKV := s.tx != nil && s.tx.Kv != nil
	s.deferRead = !hadKV && ps.deferrable()
	t, err := s.ensureKV(ctx)
	s.deferRead = false
	if err != nil {
		return nil, err
	}
	if t.deferring {
		return s.runDeferred(ctx, t, ps, params, w) // deferredread.go
	}
	if hadKV && t.level() == isoReadCommitted {
		if err := s.statementSnapshot(ctx, t); err != nil { // isolation.go
			return nil, err
		}
	}
	if err := s.planFor(t, ps); err != nil {
		return nil, err
	}
	if err := t.recordDeps(ps.deps); err != nil {
		return nil, err
	}
	return s.runAtLevel(ctx, t, ps, params, w) // isolation.go
}

// inputCtx is what a type input function reads outside execution (Bind's
// parameters, constants folded by the planner): the session's zone and the
// transaction's start, or the current time when no transaction has begun
// yet (the implicit one will start within the same statement).
func (s *Session) inputCtx(t *txnState) *types.EvalContext {
	now := time.Now()
	if t != nil {
		now = t.start
	}
	return &types.EvalContext{TxnTime: now, StmtTime: now, Location: s.set.Loc, DateOrder: s.set.DateOrder, Style: s.set.Style}
}

func (s *Session) newExecCtx(ctx context.Context, t *txnState, params []types.Datum) *execCtx {
	now := time.Now()
	txnTime := now
	if t != nil {
		txnTime = t.start
	}
	// One allocation for both: this runs for every statement.
	both := &struct {
		ec execCtx
		rc exec.Ctx
		ev types.EvalContext
	}{ev: types.EvalContext{
		TxnTime: txnTime, StmtTime: now, Location: s.set.Loc, DateOrder: s.set.DateOrder, Style: s.set.Style, User: s.currentUser(), Database: s.db, Session: s,
	}}
	if t != nil && t.cat != nil {
		both.ev.Superuser = s.isSuperuser(t.cat)
	} else {
		both.ev.Superuser = s.isSuperuser(s.currentCatalog())
	}
	both.rc = exec.Ctx{Context: ctx, Params: params, Ev: &both.ev, Limits: &s.e.limits, Host: &both.ec}
	if t != nil {
		both.rc.Txn = &t.Txn
	}
	both.ec = execCtx{Ctx: &both.rc, s: s, tx: t}
	if s.e.cfg.Locks != nil {
		both.rc.RowLocker = &both.ec // rowlocks.go
	}
	return &both.ec
}

// execCtx is a statement's run: its exec.Ctx (what running the plan reads)
// and the session and transaction that run it, for the engine's own
// statements (DDL, utility commands) and functions.
type execCtx struct {
	*exec.Ctx
	s  *Session
	tx *txnState
	// noRowLocks: tables of which the applied lock table held no row
	// lock when this statement first looked (rowlocks.go)
	noRowLocks map[kv.Space]bool
	bulkWrite  bool // too many rows to lock each (rowlocks.go, maxWriteLockRows)
}

// execCtx is the exec.Host of its exec.Ctx.

func (ec *execCtx) CtxErr(ctx context.Context) error { return ec.s.ctxErr(ctx) }
func (ec *execCtx) NewRowID() int64                  { return ec.s.e.newRowID() }
func (ec *execCtx) CatalogSchema() *pgcatalog.Schema { return ec.s.catalogSchema(ec.tx) }
func (ec *execCtx) RelationName(oid uint32) string {
	return ec.s.relationName(ec.tx, oid)
}
func (ec *execCtx) TxnTooLarge(size, limit int64) error { return TxnTooLarge(size, limit) }
func (ec *execCtx) Catalog() *catalog.Catalog {
	if ec.tx == nil {
		return nil
	}
	return ec.tx.cat
}
func (ec *execCtx) ListeningChannels() []string { return ec.s.listeningChannels() }
func (ec *execCtx) Setting(name string) string  { return ec.s.set.Vals[name] }

// hostOf returns the execCtx running rc (for expressions and plan nodes of
// this package that need the session).
func hostOf(rc *exec.Ctx) *execCtx { return rc.Host.(*execCtx) }

// closeUnnamed drops the unnamed portal (a new simple query or Bind
// replaces it).
func (s *Session) closeUnnamed() {
	if p, ok := s.portals[""]; ok {
		p.closeCursor()
		delete(s.portals, "")
	}
}

// closeNamedPortals drops every portal: they end with their transaction.
func (s *Session) closeNamedPortals() {
	for name, p := range s.portals {
		p.closeCursor()
		delete(s.portals, name)
	}
}

func (p *Portal) closeCursor() {
	if p.cur != nil {
		p.cur.Close()
		p.cur = nil
	}
}

// --- extended protocol ---

func (s *Session) prepare(ctx context.Context, name, query string, paramTypes []uint32) (pr *Prepared, err error) {
	defer func() { s.logExtendedError(query, err) }() // statementlog.go
	defer func() {
		if err != nil { // as any failed statement: a block is aborted, an implicit transaction rolls back at Sync
			s.failTxn()
		}
	}()
	defer s.guard(&err)
	if name != "" {
		if _, ok := s.prepared[name]; ok {
			return nil, pgerror.New(pgerror.DuplicatePreparedStatement, "prepared statement \"%s\" already exists", name)
		}
	}
	stmts, err := s.e.parse(query)
	if err != nil {
		return nil, err
	}
	if len(stmts) > 1 {
		return nil, pgerror.New(pgerror.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	ps := &prepStmt{}
	if len(stmts) == 1 {
		ps.st = stmts[0]
		if err := s.checkCatalogRefs(ps.st); err != nil { // databases.go
			return nil, err
		}
	}
	for _, oid := range paramTypes {
		ps.given = append(ps.given, types.T{OID: oid, Mod: -1})
	}
	ps.classify()
	if ps.kind == kindPlanned {
		err := s.withSnapshot(ctx, func(t *txnState) error { return s.planFor(t, ps) })
		if err != nil {
			return nil, err
		}
	} else if ps.kind == kindSession {
		ps.cols = sessionStmtCols(ps)
	} else if ps.kind == kindCursor && ps.st.Node.GetDeclareCursorStmt() != nil {
		if err := s.declareParamTypes(ctx, ps); err != nil { // cursors.go
			return nil, err
		}
	} else if ps.kind == kindCursor && ps.cols == nil {
		ps.cols = s.subscribeFetchCols(ps.st.Node) // FETCH from a SUBSCRIBE cursor returns rows
	}
	pr = &Prepared{Name: name, SQL: query, ps: ps}
	for _, t := range ps.paramTypes {
		pr.ParamTypes = append(pr.ParamTypes, t.OID)
	}
	if ps.cols != nil {
		pr.Columns = s.describe(ps.cols, nil)
	}
	s.prepared[name] = pr
	return pr, nil
}

// withSnapshot runs fn with the session's transaction, or a temporary
// read snapshot when there is none.
func (s *Session) withSnapshot(ctx context.Context, fn func(t *txnState) error) error {
	if s.tx != nil && s.tx.Kv != nil {
		if s.tx.stale && !s.tx.deferring {
			if err := s.freshen(ctx, s.tx); err != nil { // deferredread.go
				return err
			}
		}
		return fn(s.tx)
	}
	if s.mode == modeFailed {
		return pgerror.New(pgerror.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	if err := s.readBarrier(ctx); err != nil { // cluster.go
		return err
	}
	txn, err := s.e.cfg.Store.Begin()
	if err != nil {
		return pgerror.Wrap(err, pgerror.Internal, "begin")
	}
	defer txn.Release()
	cat, err := s.catalogFor(txn)
	if err != nil {
		return err
	}
	return fn(&txnState{Txn: exec.Txn{Kv: txn}, cat: cat, start: time.Now()})
}

func (s *Session) bind(ctx context.Context, portal, stmtName string, paramFormats []int16, params [][]byte, resultFormats []int16) (p *Portal, err error) {
	defer s.guard(&err)
	pr, err := s.Prepared(stmtName)
	if err != nil {
		return nil, err
	}
	defer func() { s.logExtendedError(pr.SQL, err) }() // statementlog.go
	if s.mode == modeFailed && pr.ps.kind != kindTxn {
		return nil, pgerror.New(pgerror.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	if portal != "" {
		_, bound := s.portals[portal]
		if _, declared := s.cursors[portal]; bound || declared {
			return nil, pgerror.New(pgerror.DuplicateCursor, "portal \"%s\" already exists", portal)
		}
	} else {
		s.closeUnnamed()
	}
	pts := pr.ps.paramTypes
	if len(params) != len(pts) {
		return nil, pgerror.New(pgerror.ProtocolViolation, "bind message supplies %d parameters, but prepared statement \"%s\" requires %d", len(params), stmtName, len(pts))
	}
	vals := make([]types.Datum, len(params))
	var in *types.EvalContext // made at the first text parameter
	for i, b := range params {
		if b == nil {
			continue
		}
		f := int16(0)
		switch {
		case len(paramFormats) == 1:
			f = paramFormats[0]
		case i < len(paramFormats):
			f = paramFormats[i]
		}
		t := pts[i]
		if f == 1 {
			// params point into pgwire's read buffer: decode a private copy
			vals[i], err = types.DecodeBinary(t, append([]byte(nil), b...))
		} else {
			if in == nil {
				in = s.inputCtx(s.tx)
			}
			// Text parameters must be valid UTF-8 without NUL whatever
			// their type, as PostgreSQL verifies every string it receives.
			if err = types.CheckText(b); err == nil {
				vals[i], err = types.ParseTextCtx(in, t, string(b))
			}
		}
		if err != nil {
			pe := pgerror.As(err)
			if f == 1 && pe.Code == pgerror.InvalidTextRepresentation {
				pe.Code = pgerror.InvalidBinaryRepresentation
			}
			return nil, pe
		}
	}
	p = &Portal{Name: portal, prep: pr, params: vals, formats: append([]int16(nil), resultFormats...)}
	if pr.ps.cols != nil {
		if pr.portalCols == nil || pr.portalCat != pr.ps.cat || !sameFormats(pr.portalFormats, resultFormats) {
			pr.portalCols = s.describe(pr.ps.cols, resultFormats)
			pr.portalFormats = append(pr.portalFormats[:0], resultFormats...)
			pr.portalCat = pr.ps.cat
		}
		p.Columns = pr.portalCols
	}
	s.portals[portal] = p
	return p, nil
}

func (s *Session) execute(ctx context.Context, name string, maxRows int, w ResultWriter) (suspended bool, err error) {
	defer s.guard(&err)
	p, err := s.Portal(name)
	if err != nil {
		return false, err
	}
	if p.decl != nil {
		return s.executeDeclared(ctx, p.decl, maxRows, w) // cursors.go
	}
	start := s.statementStarted(p.prep.SQL)
	defer func() { s.statementEnded(statementKind(p.prep.ps.st), start, err) }()
	fetch := p.cur != nil || p.doneTag != ""
	logged := s.logExecuteStart(p, fetch) // statementlog.go
	defer func() { s.logExecuteEnd(p, fetch, logged, start, err) }()
	ctx, cancel := s.stmtContext(ctx)
	defer cancel()
	defer func() {
		if err != nil {
			p.closeCursor()
			s.failTxn()
		}
	}()
	if p.doneTag != "" {
		// a portal that ran to completion returns no more rows
		tag := p.doneTag
		if strings.HasPrefix(tag, "SELECT ") || strings.HasPrefix(tag, "FETCH ") {
			tag = strings.SplitN(tag, " ", 2)[0] + " 0"
		}
		return false, w.Complete(tag)
	}
	if p.cur == nil {
		ps := p.prep.ps
		if ps.kind == kindPlanned && len(ps.given) < len(ps.paramTypes) {
			ps.given = ps.paramTypes // re-planning keeps the described types
		}
		cur, err := s.runStmt(ctx, ps, p.params, w)
		if err != nil || cur == nil {
			return false, err
		}
		if cur.cols != nil && p.prep.Columns != nil && !sameShape(p.prep.Columns, cur.cols) {
			cur.Close()
			return false, pgerror.New(pgerror.FeatureNotSupported, "cached plan must not change result type")
		}
		p.cur = cur
	}
	more, err := s.writeRows(ctx, p.cur, maxRows, p.formats, w)
	s.flushNotices(w)
	if err != nil {
		return false, err
	}
	if more {
		return true, nil
	}
	tag := p.cur.tagText()
	rows := p.cur.cols != nil
	p.closeCursor()
	p.doneTag = tag
	if s.mode == modeImplicit && s.tx != nil {
		if !rows && isRetryable(p.prep.ps.st) {
			s.tx.replay = append(s.tx.replay, replayItem{ps: p.prep.ps, params: p.params, tag: tag})
		} else {
			s.tx.noReplay = true
		}
	}
	return false, w.Complete(tag)
}

// replayItem is a statement of an extended-protocol implicit transaction
// that may be re-run when the transaction hits 40001 at Sync.
type replayItem struct {
	ps     *prepStmt
	params []types.Datum
	tag    string
}

func (s *Session) sync(ctx context.Context) (err error) {
	defer s.guard(&err)
	if s.mode != modeImplicit {
		return nil
	}
	t := s.tx
	canReplay := t != nil && !t.noReplay && len(t.replay) > 0 && t.effects == s.effects
	err = s.finishTxn(ctx, true)
	if err != nil && canReplay && pgerror.Code(err) == pgerror.SerializationFailure {
		err = s.replayImplicit(ctx, t.replay)
	}
	if err != nil {
		s.logSyncError(err)
	}
	return err
}

// replayImplicit re-runs an implicit transaction that failed with 40001
// at Sync. The client has seen only command tags; when the re-run gives
// the same tags it commits in its place, else the client gets 40001.
func (s *Session) replayImplicit(ctx context.Context, items []replayItem) error {
	deadline := time.Now().Add(autocommitRetryFor)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		s.observeRetry()
		max := time.Millisecond << min(attempt, 4)
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(max))) + 100*time.Microsecond):
		case <-ctx.Done():
			return s.ctxErr(ctx)
		}
		same := true
		for _, it := range items {
			cur, err := s.runStmt(ctx, it.ps, it.params, &bufferWriter{})
			if err != nil {
				s.failTxn()
				return err
			}
			tag := ""
			if cur != nil {
				tag = cur.tagText()
				cur.Close()
			}
			if tag != it.tag {
				same = false
				break
			}
		}
		if !same {
			s.failTxn()
			return errSerialization
		}
		err := s.finishTxn(ctx, true)
		if err == nil || pgerror.Code(err) != pgerror.SerializationFailure {
			return err
		}
	}
	return errSerialization
}

// bufferWriter records results to replay once the statement committed.
type bufferWriter struct {
	cols   []Column
	rows   [][][]byte
	tag    string
	empty  bool
	notice []*pgerror.Error
}

func (b *bufferWriter) Columns(cols []Column) error { b.cols = cols; return nil }
func (b *bufferWriter) Row(values [][]byte) error {
	cp := make([][]byte, len(values))
	for i, v := range values {
		if v != nil {
			cp[i] = append([]byte{}, v...)
		}
	}
	b.rows = append(b.rows, cp)
	return nil
}
func (b *bufferWriter) Complete(tag string) error     { b.tag = tag; return nil }
func (b *bufferWriter) Empty() error                  { b.empty = true; return nil }
func (b *bufferWriter) Notice(n *pgerror.Error) error { b.notice = append(b.notice, n); return nil }
func (b *bufferWriter) replay(w ResultWriter) error {
	for _, n := range b.notice {
		if err := w.Notice(n); err != nil {
			return err
		}
	}
	if b.empty {
		return w.Empty()
	}
	if b.cols != nil {
		if err := w.Columns(b.cols); err != nil {
			return err
		}
	}
	for _, r := range b.rows {
		if err := w.Row(r); err != nil {
			return err
		}
	}
	if b.tag != "" {
		return w.Complete(b.tag)
	}
	return nil
}

var _ = fmt.Sprintf

// sameShape reports whether result columns still match a description sent
// to the client (names may change, types may not).
func sameShape(desc []Column, cols []exec.Column) bool {
	n := 0
	for _, c := range cols {
		if c.Hidden && (c.Name == "?sort?" || c.Name == "?distinct?") {
			continue
		}
		if n >= len(desc) {
			return false
		}
		oid := c.T.OID
		if oid == 0 || oid == types.UnknownOID {
			oid = types.TextOID
		}
		if desc[n].TypeOID != types.RecordWireOID(types.T{OID: oid, Mod: c.T.Mod}) {
			return false
		}
		n++
	}
	return n == len(desc)
}

func sameFormats(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
