package sql

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/parse"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/plpgsql"
	"logdb/sql/types"
)

// The PL/pgSQL interpreter's Host over a session, DO, CALL, and the
// functions' catalog description (routines.go has the calls).
// routineHost is plpgsql.Host over one call's session.
type routineHost struct {
	ec       *execCtx
	f        *catalog.Function // nil for DO blocks
	conflict plan.VarConflict
	// nonatomic: a procedure CALLed, or a DO block run, outside a
	// transaction block (not from a function): COMMIT is allowed
	nonatomic bool
}

func (h *routineHost) parseOne(q string) (parse.Stmt, error) {
	stmts, err := h.ec.s.e.parse(q)
	if err != nil {
		return parse.Stmt{}, err
	}
	if len(stmts) != 1 {
		return parse.Stmt{}, pgerror.New(pgerror.SyntaxError, "query \"%s\" is not a single statement", q)
	}
	return stmts[0], nil
}

func (h *routineHost) Query(q string, vars plpgsql.Vars, maxRows int) (*plpgsql.Result, error) {
	h.sync()
	st, err := h.parseOne(q)
	if err != nil {
		return nil, err
	}
	return h.ec.runNested(h.f, st, &varBinder{vars: vars, conflict: h.conflict}, nil, nil, maxRows)
}

func (h *routineHost) Dynamic(q string, params []types.Datum, paramTypes []types.T, maxRows int) (*plpgsql.Result, error) {
	h.sync()
	st, err := h.parseOne(q)
	if err != nil {
		return nil, err
	}
	ps := &prepStmt{st: st, given: paramTypes}
	ps.classify() // EXECUTE plans its string every time, as PostgreSQL does
	return h.ec.runDynamic(ps, params, maxRows)
}

func (ec *execCtx) runDynamic(ps *prepStmt, params []types.Datum, maxRows int) (*plpgsql.Result, error) {
	s, t := ec.s, ec.tx
	w := &noticeWriter{s: s}
	switch ps.kind {
	case kindEmpty:
		return &plpgsql.Result{}, nil
	case kindTxn:
		return nil, pgerror.New(pgerror.FeatureNotSupported, "transaction control statements are not supported in functions")
	case kindCursor:
		return nil, pgerror.Unsupported("cursor statements in EXECUTE")
	case kindSession:
		cur, err := s.execSessionStmt(ec.Context, ps, w)
		if err != nil || cur == nil {
			return &plpgsql.Result{}, err
		}
		return drainCursor(ec.Context, s, cur, maxRows)
	}
	if ps.st.Ext != nil {
		return nil, pgerror.Unsupported("this statement in EXECUTE")
	}
	if err := s.planFor(t, ps); err != nil {
		return nil, err
	}
	if err := t.recordDeps(ps.deps); err != nil {
		return nil, err
	}
	if len(params) < len(ps.paramTypes) {
		return nil, pgerror.New(pgerror.UndefinedParameter, "there is no parameter $%d", len(params)+1)
	}
	run := func() (*cursor, error) { return s.run(s.newExecCtx(ec.Context, t, params), ps, w) }
	var cur *cursor
	var err error
	if t.level() == isoReadCommitted {
		cur, err = s.runReadCommitted(ec.Context, t, ps, run) // isolation.go
	} else {
		cur, err = run()
	}
	if err != nil {
		return nil, err
	}
	return drainCursor(ec.Context, s, cur, maxRows)
}

func (h *routineHost) Type(name string) (types.T, error) {
	s, t := h.ec.s, h.ec.tx
	lower := strings.ToLower(name)
	if i := strings.Index(lower, "%type"); i > 0 && i == len(lower)-5 {
		parts := strings.Split(strings.TrimSpace(name[:i]), ".")
		if len(parts) < 2 {
			return types.T{}, pgerror.New(pgerror.SyntaxError, "invalid type name \"%s\"", name)
		}
		p := newPlanner(s, t, t.cat)
		key, err := p.RelKey(strings.Join(parts[:len(parts)-2], "."), parts[len(parts)-2])
		if err != nil {
			return types.T{}, err
		}
		tbl, ok := t.cat.Tables[key]
		if !ok {
			return types.T{}, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", parts[len(parts)-2])
		}
		if _, c := tbl.Column(parts[len(parts)-1]); c != nil {
			return c.Type, nil
		}
		return types.T{}, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", parts[len(parts)-1], tbl.Name)
	}
	res, err := pg_query.Parse("SELECT NULL::" + name)
	if err != nil || len(res.Stmts) != 1 {
		return types.T{}, pgerror.New(pgerror.SyntaxError, "invalid type name \"%s\"", name)
	}
	tl := res.Stmts[0].Stmt.GetSelectStmt().GetTargetList()
	if len(tl) != 1 || tl[0].GetResTarget().GetVal().GetTypeCast() == nil {
		return types.T{}, pgerror.New(pgerror.SyntaxError, "invalid type name \"%s\"", name)
	}
	p := newPlanner(s, t, t.cat)
	p.RowTypes = true // DECLARE r t: a record of t's row type
	return p.TypeFromNode(tl[0].GetResTarget().GetVal().GetTypeCast().TypeName)
}

func (h *routineHost) Ev() *types.EvalContext { return h.ec.Ev }

func (h *routineHost) Notice(e *pgerror.Error) {
	if e.Severity == "DEBUG" || e.Severity == "LOG" {
		return // below client_min_messages' default
	}
	h.ec.s.notices = append(h.ec.s.notices, e)
}

func (h *routineHost) Subtransaction() (func(), func(), error) {
	h.sync()
	s := h.ec.s
	s.routines.seq++
	name := "\x00routine" + strconv.Itoa(s.routines.seq)
	if err := s.savepoint(h.ec.Context, name); err != nil {
		return nil, nil, err
	}
	s.routines.subs++
	release := func() { s.routines.subs--; _ = s.releaseSavepoint(name) }
	rollback := func() {
		s.routines.subs--
		_ = s.rollbackTo(name)
		_ = s.releaseSavepoint(name)
	}
	return release, rollback, nil
}

func (h *routineHost) Check() error {
	if err := h.ec.Context.Err(); err != nil {
		return h.ec.s.ctxErr(h.ec.Context)
	}
	return nil
}

// runDo runs a DO block.
func (ec *execCtx) runDo(ds *pg_query.DoStmt) error {
	body, lang := "", "plpgsql"
	for _, a := range ds.Args {
		de := a.GetDefElem()
		switch de.Defname {
		case "as":
			body = de.Arg.GetString_().GetSval()
		case "language":
			lang = strings.ToLower(de.Arg.GetString_().GetSval())
		}
	}
	if lang != "plpgsql" {
		if lang == "sql" {
			return pgerror.New(pgerror.FeatureNotSupported, "language \"sql\" does not support inline code execution")
		}
		return pgerror.New(pgerror.UndefinedObject, "language \"%s\" does not exist", lang)
	}
	f := &catalog.Function{Name: "inline_code_block", Kind: "p", Lang: "plpgsql", Body: body, Ret: types.T{OID: types.VoidOID, Mod: -1}}
	r, err := plpgsql.Compile(routineCreateSQL(f), body, 0)
	if err != nil {
		return err
	}
	s := ec.s
	if s.routines.depth >= MaxRoutineDepth {
		return pgerror.New(pgerror.StatementTooComplex, "stack depth limit exceeded")
	}
	nonatomic := s.mode != modeBlock && !s.routines.multiStmt && (s.routines.depth == 0 || s.routines.nonatomic)
	s.routines.depth++
	defer func() { s.routines.depth-- }()
	prev := s.routines.nonatomic
	s.routines.nonatomic = nonatomic
	defer func() { s.routines.nonatomic = prev }()
	_, _, err = r.Run(&routineHost{ec: ec, conflict: varConflict(body), nonatomic: nonatomic}, &plpgsql.Call{Ret: f.Ret, Name: "inline_code_block"})
	return err
}

// TxnControl implements plpgsql.Host: COMMIT or ROLLBACK [AND CHAIN] of
// a procedure CALLed (or a DO block run) outside a transaction block, with
// PostgreSQL's checks (SPI_commit). The transaction ends as at a COMMIT
// statement (its cursors close, its locks are released) and the rest of
// the procedure runs in a new implicit one, which the statement's end
// commits.
func (h *routineHost) TxnControl(rollback, chain bool) error {
	s := h.ec.s
	if !h.nonatomic {
		return pgerror.New("2D000", "invalid transaction termination")
	}
	if s.routines.subs > 0 {
		if rollback {
			return pgerror.New("2D000", "cannot roll back while a subtransaction is active")
		}
		return pgerror.New("2D000", "cannot commit while a subtransaction is active")
	}
	h.sync()
	readOnly := s.tx != nil && s.tx.readOnly
	err := s.finishTxn(h.ec.Context, !rollback)
	t, kerr := s.ensureKV(h.ec.Context) // the new transaction, also after a failed commit
	if kerr != nil {
		return kerr
	}
	if chain {
		t.readOnly = readOnly
	}
	h.sync()
	return err
}

// sync moves a non-atomic routine onto the session's transaction after a
// COMMIT or ROLLBACK in it (or in a procedure it called).
func (h *routineHost) sync() {
	s := h.ec.s
	if !h.nonatomic || s.tx == nil || h.ec.tx == s.tx {
		return
	}
	h.ec.tx, h.ec.noRowLocks = s.tx, nil
	h.ec.Ctx.Txn = &s.tx.Txn
	h.ec.Ctx.Ev.TxnTime = s.tx.start
}

// planCall plans CALL proc(args).
func planCall(p *plan.Planner, cs *pg_query.CallStmt) (utilityFunc, error) {
	fc := cs.Funccall
	f, args, err := p.ResolveProcedure(fc)
	if err != nil {
		return nil, err
	}
	return func(ec *execCtx, w ResultWriter) (string, error) {
		vals := make([]types.Datum, len(args))
		for i, a := range args {
			v, err := a.Eval(ec.Ctx, nil)
			if err != nil {
				return "", err
			}
			vals[i] = v
		}
		ec.s.routines.callTop = true
		_, _, err := ec.callRoutine(f, vals, false)
		return "CALL", err
	}, nil
}

func isRoutineObject(t pg_query.ObjectType) bool {
	return t == pg_query.ObjectType_OBJECT_FUNCTION || t == pg_query.ObjectType_OBJECT_PROCEDURE || t == pg_query.ObjectType_OBJECT_ROUTINE
}

func routineWord(t pg_query.ObjectType) string {
	return strings.TrimPrefix(t.String(), "OBJECT_")
}

// functionSchemas describes the user functions for pg_proc.
func functionSchemas(cat *catalog.Catalog) []pgcatalog.UserFunction {
	var out []pgcatalog.UserFunction
	for _, f := range cat.SortedFunctions() {
		u := pgcatalog.UserFunction{OID: f.OID, Name: f.Name, Schema: catalog.SchemaName(f.Schema), Owner: f.Owner, Kind: f.Kind,
			Lang: f.Lang, Ret: uint32(f.Ret.OID), RetSet: f.RetSet, Volatility: f.Volatility, Strict: f.Strict, SecDef: f.SecDef,
			Src: f.Body, Config: f.Config}
		if f.ACL != nil {
			u.ACL = catalog.ACLTexts(cat, f.ACL)
		}
		var args, ident, table []string
		allIn, named := true, false
		for _, a := range f.Args {
			if a.Mode != "i" {
				allIn = false
			}
			if a.Name != "" {
				named = true
			}
		}
		for _, a := range f.Args {
			t := types.FormatType(a.Type)
			if !allIn {
				u.AllTypes = append(u.AllTypes, uint32(a.Type.OID))
				u.Modes = append(u.Modes, a.Mode)
			}
			if named {
				u.Names = append(u.Names, a.Name)
			}
			if a.IsInput() {
				u.InTypes = append(u.InTypes, uint32(a.Type.OID))
				if a.Default != "" {
					u.NDefaults++
				}
			}
			if a.Mode == "v" {
				if et, ok := types.ElemOf(a.Type); ok {
					u.Variadic = uint32(et.OID)
				}
			}
			if a.Mode == "t" {
				table = append(table, pgcatalog.QuoteIdent(a.Name)+" "+t)
				continue
			}
			prefix := map[string]string{"o": "OUT ", "b": "INOUT ", "v": "VARIADIC "}[a.Mode]
			if a.Mode == "i" && f.Kind == "p" {
				prefix = "IN " // PostgreSQL spells the mode out for procedures
			}
			decl := prefix
			if a.Name != "" {
				decl += pgcatalog.QuoteIdent(a.Name) + " "
			}
			decl += t
			if a.IsInput() || f.Kind == "p" {
				ident = append(ident, decl)
			}
			if a.Default != "" {
				decl += " DEFAULT " + a.Default
			}
			args = append(args, decl)
		}
		u.Arguments, u.IdentityArguments = strings.Join(args, ", "), strings.Join(ident, ", ")
		switch {
		case table != nil:
			u.Result = "TABLE(" + strings.Join(table, ", ") + ")"
		case f.RetSet:
			u.Result = "SETOF " + types.FormatType(f.Ret)
		default:
			u.Result = types.FormatType(f.Ret)
		}
		out = append(out, u)
	}
	return out
}

// AssignPart implements plpgsql.Host: the part of cur that path names
// replaced by val, through the executor's assignment (exec.AssignExpr),
// with PostgreSQL's errors for a path the type does not have.
func (h *routineHost) AssignPart(cur types.Datum, t types.T, path []plpgsql.PartStep, val types.Datum, valT types.T) (types.Datum, error) {
	bound := func(b plpgsql.Subscript) exec.Expr {
		switch {
		case b.Omitted:
			return nil
		case b.Null:
			return &exec.ConstExpr{T: exec.Int8T}
		}
		return &exec.ConstExpr{V: b.V, T: exec.Int8T}
	}
	var steps []exec.AssignStep
	pt := t
	for _, st := range path {
		if !st.Subs {
			fields, ok := types.RecordFields(pt)
			if !ok {
				return nil, pgerror.New(pgerror.DatatypeMismatch, "cannot assign to field \"%s\" of column \"%s\" because its type %s is not a composite type", st.Field, st.Field, types.FormatType(pt))
			}
			k := -1
			for j, fd := range fields {
				if fd.Name == st.Field {
					k = j
				}
			}
			if k < 0 {
				return nil, pgerror.New(pgerror.UndefinedColumn, "cannot assign to field \"%s\" of column \"%s\" because there is no such column in data type %s", st.Field, st.Field, types.FormatType(pt))
			}
			steps = append(steps, exec.AssignStep{Field: k, T: pt})
			pt = fields[k].T
			continue
		}
		et, ok := types.ElemOf(pt)
		if !ok || pt.OID == types.Int2VectorOID || pt.OID == types.OidVectorOID {
			return nil, pgerror.New(pgerror.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", types.FormatType(pt))
		}
		if len(st.Hi) > types.MaxArrayDims {
			return nil, pgerror.New(pgerror.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", len(st.Hi), types.MaxArrayDims)
		}
		as := exec.AssignStep{Field: -1, Slice: st.Slice, T: pt}
		for i := range st.Hi {
			if st.Slice {
				as.Lo = append(as.Lo, bound(st.Lo[i]))
			}
			as.Hi = append(as.Hi, bound(st.Hi[i]))
		}
		steps = append(steps, as)
		if !st.Slice {
			pt = et
		}
	}
	if val != nil && valT != pt {
		from := valT
		if from.OID == types.UnknownOID {
			from = types.T{OID: types.TextOID, Mod: -1}
		}
		v, err := types.Cast(h.ec.Ev, val, from, pt, types.CastExplicit)
		if err != nil {
			return nil, err
		}
		val = v
	}
	ae := &exec.AssignExpr{Base: &exec.ConstExpr{V: cur, T: t}, Path: steps, Val: &exec.ConstExpr{V: val, T: pt}}
	return ae.Eval(h.ec.Ctx, nil)
}
