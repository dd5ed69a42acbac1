package sql

import (
	"context"
	"math"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/parse"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// sqlCursor is a cursor made by DECLARE (psql FETCH_COUNT, psycopg2 named
// cursors). WITH HOLD cursors are materialized at DECLARE and survive the
// transaction; others end with it.
//
// A cursor's query starts at its first FETCH, as in PostgreSQL, so an
// error in it (a division by zero in a sorted column) is the FETCH's, not
// the DECLARE's. Its scans must still see the transaction as it was at
// DECLARE: startPendingCursors starts it before any other statement of the
// transaction runs (its error, if any, then waits for the FETCH).
//
// A cursor belongs to the savepoint level it was declared at:
// ROLLBACK TO SAVEPOINT closes the cursors declared since (seq).
type sqlCursor struct {
	name     string
	cols     []exec.Column
	pos      cursorPos // where FETCH stands (cursor_scroll.go)
	it       exec.Iterator
	pending  exec.Node // the query, until it starts
	startErr error     // the error starting it gave, for the first FETCH
	hold     bool
	tx       *txnState
	seq      uint64     // Session.cursorSeq at DECLARE
	sub      *subCursor // a SUBSCRIBE cursor (cursor_subscribe.go); it and ours are nil
	params   []types.Datum
	decl     parse.Stmt // the DECLARE
	portal   *Portal    // the cursor as a protocol portal, made at its first Describe or Execute
	routine  bool       // opened by PL/pgSQL (routines_cursors.go): its rows are read already
}

const cursorOptHold = 0x20

// execCursorStmt runs DECLARE / FETCH / MOVE / CLOSE and the SQL-level
// PREPARE / EXECUTE; handled reports whether n was one of them.
func (s *Session) execCursorStmt(ctx context.Context, ps *prepStmt, params []types.Datum, w ResultWriter) (cur *cursor, handled bool, err error) {
	n := ps.st.Node
	switch {
	case n.GetDeclareCursorStmt() != nil:
		return s.declareCursor(ctx, ps, params)
	case n.GetFetchStmt() != nil:
		return s.fetchCursor(ctx, n.GetFetchStmt())
	case n.GetClosePortalStmt() != nil:
		name := n.GetClosePortalStmt().Portalname
		if name == "" {
			s.closeCursors(true)
			return &cursor{tag: "CLOSE CURSOR"}, true, nil
		}
		c, ok := s.cursors[name]
		if !ok {
			return nil, true, pgerror.New(pgerror.InvalidCursorName, "cursor \"%s\" does not exist", name)
		}
		c.Close()
		delete(s.cursors, name)
		return &cursor{tag: "CLOSE CURSOR"}, true, nil
	case n.GetPrepareStmt() != nil:
		return nil, true, s.sqlPrepare(ctx, n.GetPrepareStmt())
	case n.GetExecuteStmt() != nil:
		s.startPendingCursors(ctx)
		cur, err := s.sqlExecute(ctx, n.GetExecuteStmt(), w)
		return cur, true, err
	}
	return nil, false, nil
}

func (c *sqlCursor) Close() {
	c.sub.Close()
	if c.it != nil {
		c.it.Close()
		c.it = nil
	}
	c.pos.buf = nil
}

// closeCursors closes the cursors that end with the transaction (all when
// all is set).
func (s *Session) closeCursors(all bool) {
	for name, c := range s.cursors {
		if all || !c.hold {
			c.Close()
			delete(s.cursors, name)
		}
	}
}

func (s *Session) declareCursor(ctx context.Context, dps *prepStmt, params []types.Datum) (*cursor, bool, error) {
	dc := dps.st.Node.GetDeclareCursorStmt()
	hold := dc.Options&cursorOptHold != 0
	if !hold && s.mode != modeBlock {
		return nil, true, pgerror.New(pgerror.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if s.cursors == nil {
		s.cursors = map[string]*sqlCursor{}
	}
	if _, ok := s.cursors[dc.Portalname]; ok {
		return nil, true, pgerror.New(pgerror.DuplicateCursor, "cursor \"%s\" already exists", dc.Portalname)
	}
	if _, ok := s.portals[dc.Portalname]; ok && dc.Portalname != "" {
		// one namespace, as in PostgreSQL: a Bind's portal is a cursor
		return nil, true, pgerror.New(pgerror.DuplicateCursor, "cursor \"%s\" already exists", dc.Portalname)
	}
	t, err := s.ensureKV(ctx)
	if err != nil {
		return nil, true, err
	}
	ps := &prepStmt{st: parse.Stmt{Node: dc.Query}, kind: kindPlanned, given: dps.paramTypes}
	if err := s.planFor(t, ps); err != nil {
		return nil, true, err
	}
	if ps.plan == nil {
		return nil, true, pgerror.New(pgerror.SyntaxError, "DECLARE CURSOR must be a SELECT")
	}
	if len(ps.writers) > 0 {
		return nil, true, pgerror.Unsupported("DECLARE CURSOR must not contain data-modifying statements in WITH")
	}
	if err := t.recordDeps(ps.deps); err != nil {
		return nil, true, err
	}
	s.cursorSeq++
	c := &sqlCursor{name: dc.Portalname, cols: plan.VisibleCols(ps.plan), pending: ps.plan, hold: hold, tx: t, seq: s.cursorSeq,
		params: params, decl: dps.st}
	c.pos.scroll = dc.Options&cursorOptScroll != 0 || dc.Options&cursorOptNoScroll == 0 && backwardCapable(ps.plan)
	if hold {
		ec := s.newExecCtx(ctx, t, params)
		it, err := ps.plan.Start(ec.Ctx)
		if err != nil {
			return nil, true, err
		}
		rows, err := exec.DrainIn(it, ec.Budget("WITH HOLD cursor "+dc.Portalname))
		ec.CloseTapes()
		if err != nil {
			return nil, true, err
		}
		c.it, c.pending = &exec.SliceIter{Rows: rows}, nil
		if c.pos.scroll { // the rows are kept already
			c.pos.buf, c.pos.exhausted, c.it = rows, true, nil
		}
	}
	s.cursors[dc.Portalname] = c
	return &cursor{tag: "DECLARE CURSOR"}, true, nil
}

// declareParamTypes gives a prepared DECLARE the parameter types of its
// query (psycopg 3 declares its server-side cursors with parameters).
func (s *Session) declareParamTypes(ctx context.Context, ps *prepStmt) error {
	q := &prepStmt{st: parse.Stmt{Node: ps.st.Node.GetDeclareCursorStmt().Query}, kind: kindPlanned, given: ps.given}
	if err := s.withSnapshot(ctx, func(t *txnState) error { return s.planFor(t, q) }); err != nil {
		return err
	}
	ps.paramTypes = q.paramTypes
	return nil
}

// start starts a pending cursor's query; an error is kept for its first
// FETCH.
func (c *sqlCursor) Start(rc *exec.Ctx) {
	if c.pos.scroll && c.pos.budget == nil {
		c.pos.budget = rc.Budget("scrollable cursor " + c.name)
	}
	if c.pending == nil {
		return
	}
	c.it, c.startErr = c.pending.Start(rc)
	c.pending = nil
}

// startPendingCursors starts the cursors of the transaction not fetched
// yet, before a statement that might change what their scans would see.
func (s *Session) startPendingCursors(ctx context.Context) {
	for _, c := range s.cursors {
		if c.pending != nil && c.tx == s.tx && s.tx != nil {
			c.Start(s.newExecCtx(ctx, c.tx, c.params).Ctx)
		}
	}
}

// closeCursorsSince closes the cursors declared after seq (ROLLBACK TO
// SAVEPOINT: they belonged to the savepoint levels rolled back).
func (s *Session) closeCursorsSince(seq uint64) {
	for name, c := range s.cursors {
		if c.seq > seq {
			c.Close()
			delete(s.cursors, name)
		}
	}
}

func (s *Session) fetchCursor(ctx context.Context, fs *pg_query.FetchStmt) (*cursor, bool, error) {
	c, ok := s.cursors[fs.Portalname]
	if !ok {
		return nil, true, pgerror.New(pgerror.InvalidCursorName, "cursor \"%s\" does not exist", fs.Portalname)
	}
	if c.sub != nil {
		return s.fetchSubscribeStmt(ctx, c, fs)
	}
	c.Start(s.newExecCtx(ctx, c.tx, c.params).Ctx)
	if err := c.startErr; err != nil {
		return nil, true, err
	}
	rows, n, stream, err := c.runFetch(fs) // cursor_scroll.go
	if err != nil {
		return nil, true, err
	}
	switch {
	case fs.Ismove:
		return &cursor{tag: moveTag(n)}, true, nil
	case stream:
		return &cursor{cols: c.cols, it: &fetchIter{c: c, n: n}, tag: "FETCH", countTag: true, tx: c.tx}, true, nil
	}
	return &cursor{cols: c.cols, it: &exec.SliceIter{Rows: rows}, tag: "FETCH", countTag: true, tx: c.tx}, true, nil
}

// cursorPortal is c as a protocol portal: Describe (portal) reports its
// columns in text format and Execute fetches from it, as PostgreSQL lets
// clients do with a DECLAREd cursor (psycopg 3's server-side cursors).
func (s *Session) cursorPortal(c *sqlCursor) *Portal {
	if c.portal == nil {
		// prep is what statement logging shows: the DECLARE, no parameters
		c.portal = &Portal{Name: c.name, decl: c, prep: &Prepared{SQL: c.decl.SQL, ps: &prepStmt{st: c.decl}}}
		if c.sub == nil {
			c.portal.Columns = s.describe(c.cols, nil)
		}
	}
	return c.portal
}

// executeDeclared runs Execute on a DECLAREd cursor: at most maxRows rows
// (0: all that remain) from where the cursor stands, then CommandComplete
// "SELECT n", or PortalSuspended when the limit was reached.
func (s *Session) executeDeclared(ctx context.Context, c *sqlCursor, maxRows int, w ResultWriter) (suspended bool, err error) {
	start := s.statementStarted(c.decl.SQL)
	defer func() { s.statementEnded(StmtSelect, start, err) }()
	p := s.cursorPortal(c)
	fetch := c.it != nil || c.startErr != nil
	logged := s.logExecuteStart(p, fetch) // statementlog.go
	defer func() { s.logExecuteEnd(p, fetch, logged, start, err) }()
	ctx, cancel := s.stmtContext(ctx)
	defer cancel()
	defer func() {
		if err != nil {
			s.failTxn()
		}
	}()
	if s.mode == modeFailed {
		return false, pgerror.New(pgerror.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	if c.sub != nil {
		return false, pgerror.New(pgerror.FeatureNotSupported, "cursor \"%s\" is a SUBSCRIBE cursor: read it with FETCH", c.name)
	}
	c.Start(s.newExecCtx(ctx, c.tx, c.params).Ctx)
	if err := c.startErr; err != nil {
		return false, err
	}
	cur := &cursor{cols: c.cols, it: &fetchIter{c: c, n: math.MaxInt64}, tag: "SELECT", countTag: true, tx: c.tx}
	more, err := s.writeRows(ctx, cur, maxRows, nil, w)
	if err != nil || more {
		return more, err
	}
	return false, w.Complete(cur.tagText())
}

func (s *Session) sqlPrepare(ctx context.Context, ps *pg_query.PrepareStmt) error {
	if _, ok := s.prepared[ps.Name]; ok {
		return pgerror.New(pgerror.DuplicatePreparedStatement, "prepared statement \"%s\" already exists", ps.Name)
	}
	p := &prepStmt{st: parse.Stmt{Node: ps.Query}}
	pl := newPlanner(s, nil, s.currentCatalog()) // usertypes.go: PREPARE q(mood)
	for _, a := range ps.Argtypes {
		t, err := pl.TypeFromNode(a.GetTypeName())
		if err != nil {
			return err
		}
		p.given = append(p.given, t)
	}
	p.classify()
	if p.kind == kindPlanned {
		if err := s.withSnapshot(ctx, func(t *txnState) error { return s.planFor(t, p) }); err != nil {
			return err
		}
	}
	s.prepared[ps.Name] = &Prepared{Name: ps.Name, ps: p}
	return nil
}

func (s *Session) sqlExecute(ctx context.Context, es *pg_query.ExecuteStmt, w ResultWriter) (*cursor, error) {
	pr, err := s.Prepared(es.Name)
	if err != nil {
		return nil, err
	}
	ps := pr.ps
	t, err := s.ensureKV(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.planFor(t, ps); err != nil {
		return nil, err
	}
	if len(es.Params) != len(ps.paramTypes) {
		return nil, pgerror.New(pgerror.SyntaxError, "wrong number of parameters for prepared statement \"%s\"", es.Name)
	}
	p := newPlanner(s, t, t.cat)
	ec := s.newExecCtx(ctx, t, nil)
	params := make([]types.Datum, len(es.Params))
	for i, pn := range es.Params {
		e, err := p.CompileExpr(pn, &plan.Scope{})
		if err != nil {
			return nil, err
		}
		if e, err = p.Coerce(e, ps.paramTypes[i], types.CastAssignment); err != nil {
			return nil, err
		}
		if params[i], err = e.Eval(ec.Ctx, nil); err != nil {
			return nil, err
		}
	}
	return s.runStmt(ctx, ps, params, w)
}
