package sql

import (
	"context"
	"strconv"
	"strings"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/parse"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/plpgsql"
	"logdb/sql/types"
)

// User-defined functions and procedures (CREATE FUNCTION, DO, CALL): the
// planner compiles a call into a routineExpr (or an SRFNode in FROM);
// running it runs the body's statements through this session, in its
// transaction, as nested statements: LANGUAGE sql statement by statement
// with the arguments as parameters, LANGUAGE plpgsql through
// sql/plpgsql's interpreter, whose expressions and queries come back
// here with its variables bound as parameters (varBinder).

// MaxRoutineDepth bounds nested calls of user-defined functions (a
// recursion deeper fails with 54001, as PostgreSQL's max_stack_depth).
const MaxRoutineDepth = 200

// routineState is a session's cache of compiled bodies and nested plans.
type routineState struct {
	depth    int
	compiled map[*catalog.Function]*plpgsql.Routine
	whens    map[*catalog.Trigger]*catalog.Function // triggers' WHEN conditions (triggers.go)
	plans    map[routinePlanKey]*prepStmt
	seq      int // savepoint names
	// triggerDepth is the number of trigger functions running
	// (pg_trigger_depth)
	triggerDepth int
	// subs counts the EXCEPTION blocks' savepoints in effect; callTop is
	// set by CALL for the call it makes (routines_host.go: TxnControl)
	subs    int
	callTop bool
	// nonatomic: the running routine may COMMIT; multiStmt: the simple
	// query running has several statements
	nonatomic bool
	multiStmt bool
}

type routinePlanKey struct {
	f   *catalog.Function // nil: DO blocks and EXECUTE
	sql string
}

const maxRoutineCache = 512

// varBinder gives a nested statement's planner the routine's variables:
// each distinct variable the statement names becomes one parameter.
type varBinder struct {
	vars  plpgsql.Vars     // PL/pgSQL: the running frame
	refs  []plpgsql.VarRef // parameter i is refs[i]
	types []types.T        // as planned
	named map[string]int   // SQL functions: argument name → parameter
	fname string           // SQL functions: the function's name (f.arg)
	fixed []types.T        // SQL functions: the arguments' types
	// conflict: what a name that is a column and a variable means
	conflict plan.VarConflict
}

func (b *varBinder) reset() { b.refs, b.types = nil, nil }

func (b *varBinder) resolve(fields []string) (int, types.T, bool, error) {
	if b.named != nil {
		name := fields[0]
		if len(fields) == 2 && fields[0] == b.fname {
			name = fields[1]
		} else if len(fields) != 1 {
			return 0, types.T{}, false, nil
		}
		if i, ok := b.named[name]; ok {
			return i, b.fixed[i], true, nil
		}
		return 0, types.T{}, false, nil
	}
	ref, t, ok, err := b.vars.Resolve(fields)
	if err != nil || !ok {
		return 0, types.T{}, ok, err
	}
	for i, r := range b.refs {
		if r == ref {
			return i, t, true, nil
		}
	}
	b.refs, b.types = append(b.refs, ref), append(b.types, t)
	return len(b.refs) - 1, t, true, nil
}

// values reads the bound variables; stale reports that one's type
// changed since the plan was made (a record assigned another row shape).
func (b *varBinder) values() (vals []types.Datum, stale bool, err error) {
	vals = make([]types.Datum, len(b.refs))
	for i, r := range b.refs {
		v, t, err := b.vars.Value(r)
		if err != nil {
			return nil, false, err
		}
		if t != b.types[i] {
			stale = true
		}
		vals[i] = v
	}
	return vals, stale, nil
}

// routineExpr calls a user-defined function in an expression.
type routineExpr struct {
	f    *catalog.Function
	args []exec.Expr
	ret  types.T
}

func (e *routineExpr) Type() types.T { return e.ret }

func (e *routineExpr) Eval(rc *exec.Ctx, row []types.Datum) (types.Datum, error) {
	vals := make([]types.Datum, len(e.args))
	for i, a := range e.args {
		v, err := a.Eval(rc, row)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	v, _, err := hostOf(rc).callRoutine(e.f, vals, false)
	return v, err
}

// RoutineCall implements plan.RoutineHost.
func (h *sessionPlanner) RoutineCall(f *catalog.Function, args []exec.Expr, ret types.T) exec.Expr {
	return &routineExpr{f: f, args: args, ret: ret}
}

// RoutineRows implements plan.RoutineHost.
func (h *sessionPlanner) RoutineRows(rc *exec.Ctx, f *catalog.Function, args []types.Datum) ([][]types.Datum, error) {
	ec := hostOf(rc)
	v, rows, err := ec.callRoutine(f, args, true)
	if err != nil || f.RetSet {
		return rows, err
	}
	cols := plan.RoutineColumns(ec.tx.cat, f)
	if len(cols) > 1 {
		if v == nil {
			return [][]types.Datum{make([]types.Datum, len(cols))}, nil
		}
		if r, ok := v.(types.Record); ok {
			return [][]types.Datum{r.Values}, nil
		}
	}
	return [][]types.Datum{{v}}, nil
}

// callRoutine runs f with its input arguments' values: its value, or
// (asRows, or a set-returning f) its rows.
func (ec *execCtx) callRoutine(f *catalog.Function, args []types.Datum, asRows bool) (types.Datum, [][]types.Datum, error) {
	s := ec.s
	// a procedure CALLed outside a transaction block, from the top level or
	// from such a procedure, may COMMIT (PostgreSQL's non-atomic context)
	callTop := s.routines.callTop
	s.routines.callTop = false
	if f.Strict {
		for _, a := range args {
			if a == nil {
				return nil, nil, nil
			}
		}
	}
	if s.routines.depth >= MaxRoutineDepth {
		return nil, nil, &pgerror.Error{Code: pgerror.StatementTooComplex, Message: "stack depth limit exceeded",
			Hint: "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate."}
	}
	nonatomic := callTop && f.Kind == "p" && s.mode != modeBlock && !s.routines.multiStmt && (s.routines.depth == 0 || s.routines.nonatomic)
	s.routines.depth++
	defer func() { s.routines.depth-- }()
	// SET name = value of the function holds while it runs
	for _, c := range f.Config {
		name, val, _ := strings.Cut(c, "=")
		old := s.set.Vals[strings.ToLower(name)]
		if err := s.set.Set(name, val); err != nil {
			return nil, nil, err
		}
		defer func() { _ = s.set.Set(name, old) }()
	}
	if f.Lang == "sql" {
		return ec.runSQLFunction(f, args)
	}
	r, err := s.compiledRoutine(f)
	if err != nil {
		return nil, nil, err
	}
	c := &plpgsql.Call{Ret: f.Ret, RetSet: f.RetSet, Name: f.Name + "(" + identityTypes(f) + ")"}
	in := 0
	for i, a := range f.Args {
		var v types.Datum
		if a.IsInput() {
			v = args[in]
			in++
		}
		t, err := plan.ArgType(ec.tx.cat, a)
		if err != nil {
			return nil, nil, err
		}
		c.Args, c.ArgTypes = append(c.Args, v), append(c.ArgTypes, t)
		if a.IsOutput() {
			c.Outs = append(c.Outs, i)
		}
	}
	h := &routineHost{ec: ec, f: f, conflict: varConflict(f.Body), nonatomic: nonatomic}
	prev := s.routines.nonatomic
	s.routines.nonatomic = nonatomic
	defer func() { s.routines.nonatomic = prev }()
	v, rows, err := r.Run(h, c)
	if err != nil {
		return nil, nil, err
	}
	if f.RetSet {
		rows, err = ec.castRows(f, rows)
	}
	return v, rows, err
}

// castRows casts a set-returning function's rows to its result columns.
func (ec *execCtx) castRows(f *catalog.Function, rows [][]types.Datum) ([][]types.Datum, error) {
	cols := plan.RoutineColumns(ec.tx.cat, f)
	for _, row := range rows {
		if len(row) != len(cols) {
			return nil, &pgerror.Error{Code: pgerror.DatatypeMismatch, Message: "structure of query does not match function result type",
				Detail: "Number of returned columns (" + strconv.Itoa(len(row)) + ") does not match expected column count (" + strconv.Itoa(len(cols)) + ")."}
		}
	}
	return rows, nil
}

// compiledRoutine parses f's PL/pgSQL body once per descriptor.
func (s *Session) compiledRoutine(f *catalog.Function) (*plpgsql.Routine, error) {
	if r, ok := s.routines.compiled[f]; ok {
		return r, nil
	}
	r, err := plpgsql.Compile(routineCreateSQL(f), f.Body, len(f.Args))
	if err != nil {
		return nil, err
	}
	if s.routines.compiled == nil || len(s.routines.compiled) >= maxRoutineCache {
		s.routines.compiled = map[*catalog.Function]*plpgsql.Routine{}
	}
	s.routines.compiled[f] = r
	return r, nil
}

// routineCreateSQL is a CREATE FUNCTION statement PL/pgSQL's parser
// compiles f's body from (it needs the argument names and modes and the
// kind of result, not the catalog's types).
func routineCreateSQL(f *catalog.Function) string {
	var b strings.Builder
	kind := "FUNCTION"
	if f.Kind == "p" {
		kind = "PROCEDURE"
	}
	b.WriteString("CREATE " + kind + " pg_temp.f(")
	for i, a := range f.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(map[string]string{"i": "IN ", "o": "OUT ", "b": "INOUT ", "v": "VARIADIC ", "t": "OUT "}[a.Mode])
		if a.Name != "" {
			b.WriteString(quoteIdent(a.Name) + " ")
		}
		b.WriteString(parseableType(a.Type))
	}
	b.WriteString(")")
	if f.Kind != "p" {
		b.WriteString(" RETURNS ")
		if f.RetSet {
			b.WriteString("SETOF ")
		}
		b.WriteString(parseableType(f.Ret))
	}
	tag := "$logdb_body$"
	for strings.Contains(f.Body, tag) {
		tag = "$logdb" + tag[1:]
	}
	b.WriteString(" LANGUAGE plpgsql AS " + tag + f.Body + tag)
	return b.String()
}

// parseableType is a type name PL/pgSQL's parser accepts without the
// catalog: built-in names as they are, user types as what they hold.
func parseableType(t types.T) string {
	switch {
	case t.OID == types.VoidOID:
		return "void"
	case t.OID == types.TriggerOID:
		return "trigger"
	case t.OID == types.RecordOID || types.IsComposite(t.OID):
		return "record"
	case types.IsArray(t.OID):
		return "text[]"
	case t.OID >= 16384:
		return "text"
	}
	return types.FormatType(types.T{OID: t.OID, Mod: -1})
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// CheckRoutineBody validates a body at CREATE FUNCTION (ddl.BodyChecker).
func CheckRoutineBody(f *catalog.Function) error {
	if f.Lang == "plpgsql" {
		_, err := plpgsql.Compile(routineCreateSQL(f), f.Body, len(f.Args))
		return err
	}
	_, err := parse.Parse(f.Body)
	return err
}

// runSQLFunction runs a LANGUAGE sql body: its statements in order, the
// last one's rows being the result.
func (ec *execCtx) runSQLFunction(f *catalog.Function, args []types.Datum) (types.Datum, [][]types.Datum, error) {
	stmts, err := ec.s.e.parse(f.Body)
	if err != nil {
		return nil, nil, err
	}
	in := f.InputArgs()
	b := &varBinder{named: map[string]int{}, fname: f.Name}
	for i, a := range in {
		b.fixed = append(b.fixed, a.Type)
		if a.Name != "" {
			b.named[a.Name] = i
		}
	}
	var res *plpgsql.Result
	for i, st := range stmts {
		bi := *b
		if res, err = ec.runNested(f, st, &bi, args, b.fixed, 0); err != nil {
			return nil, nil, err
		}
		_ = i
	}
	void := f.Ret.OID == types.VoidOID && !f.RetSet
	if void {
		return nil, nil, nil
	}
	if res == nil || !res.Returns {
		return nil, nil, &pgerror.Error{Code: pgerror.InvalidFunctionDefinition, Message: "return type mismatch in function declared to return " + types.FormatType(f.Ret),
			Detail: "Function's final statement must be SELECT or INSERT/UPDATE/DELETE RETURNING."}
	}
	cols := plan.RoutineColumns(ec.tx.cat, f)
	conv := func(row []types.Datum) ([]types.Datum, error) {
		if len(cols) == 1 && len(row) >= 1 {
			v, err := types.Cast(ec.Ev, row[0], res.Types[0], cols[0].T, types.CastAssignment)
			return []types.Datum{v}, err
		}
		if len(row) != len(cols) {
			return nil, &pgerror.Error{Code: pgerror.InvalidFunctionDefinition, Message: "return type mismatch in function declared to return " + types.FormatType(f.Ret),
				Detail: "Final statement returns " + strconv.Itoa(len(row)) + " columns."}
		}
		out := make([]types.Datum, len(row))
		for i := range row {
			v, err := types.Cast(ec.Ev, row[i], res.Types[i], cols[i].T, types.CastAssignment)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	if f.RetSet {
		out := make([][]types.Datum, 0, len(res.Rows))
		for _, r := range res.Rows {
			row, err := conv(r)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, row)
		}
		return nil, out, nil
	}
	if len(res.Rows) == 0 {
		return nil, nil, nil
	}
	row, err := conv(res.Rows[0])
	if err != nil {
		return nil, nil, err
	}
	if len(cols) > 1 {
		return types.Record{Values: row}, nil, nil
	}
	return row[0], nil, nil
}

// runNested runs one statement of a routine in the session's
// transaction; b binds its variables, params are the values of the
// parameters it is given, of types given. At most maxRows rows are kept
// (0: all).
func (ec *execCtx) runNested(f *catalog.Function, st parse.Stmt, b *varBinder, params []types.Datum, given []types.T, maxRows int) (*plpgsql.Result, error) {
	s, t := ec.s, ec.tx
	if t == nil {
		return nil, pgerror.New(pgerror.Internal, "BUG: routine outside a transaction")
	}
	key := routinePlanKey{f: f, sql: st.SQL}
	ps := s.routines.plans[key]
	if f == nil || ps == nil || ps.st.Node != st.Node {
		ps = &prepStmt{st: st, given: given, vars: b}
		ps.classify()
		if f == nil {
			// a DO block's statements are planned each time (no
			// descriptor to key them by)
		} else if s.routines.plans == nil || len(s.routines.plans) >= maxRoutineCache {
			s.routines.plans = map[routinePlanKey]*prepStmt{}
			s.routines.plans[key] = ps
		} else {
			s.routines.plans[key] = ps
		}
	} else if b.named == nil {
		ps.vars.vars = b.vars // the same statement in another call
	}
	ctx := ec.Context
	w := &noticeWriter{s: s}
	switch ps.kind {
	case kindEmpty:
		return &plpgsql.Result{}, nil
	case kindTxn:
		return nil, pgerror.New(pgerror.FeatureNotSupported, "transaction control statements are not supported in functions")
	case kindCursor:
		return nil, pgerror.Unsupported("cursor statements in functions")
	case kindSession:
		cur, err := s.execSessionStmt(ctx, ps, w)
		if err != nil || cur == nil {
			return &plpgsql.Result{}, err
		}
		return drainCursor(ctx, s, cur, maxRows)
	}
	if ps.st.Ext != nil {
		return nil, pgerror.Unsupported("this statement in functions")
	}
	if ps.vars != nil && ps.vars.named == nil && ps.cat == t.cat {
		if _, stale, err := ps.vars.values(); err != nil {
			return nil, err
		} else if stale {
			ps.cat = nil // re-plan for the variables' new types
		}
	}
	if err := s.planFor(t, ps); err != nil {
		return nil, err
	}
	if err := t.recordDeps(ps.deps); err != nil {
		return nil, err
	}
	if ps.vars != nil && ps.vars.named == nil {
		vals, _, err := ps.vars.values()
		if err != nil {
			return nil, err
		}
		params = vals
	}
	run := func() (*cursor, error) { return s.run(s.newExecCtx(ctx, t, params), ps, w) }
	var cur *cursor
	var err error
	if t.level() == isoReadCommitted {
		cur, err = s.runReadCommitted(ctx, t, ps, run) // isolation.go
	} else {
		cur, err = run()
	}
	if err != nil {
		return nil, err
	}
	return drainCursor(ctx, s, cur, maxRows)
}

// drainCursor reads a nested statement's result.
func drainCursor(ctx context.Context, s *Session, cur *cursor, maxRows int) (*plpgsql.Result, error) {
	defer cur.Close()
	res := &plpgsql.Result{Returns: cur.it != nil}
	for _, c := range cur.cols {
		res.Cols, res.Types = append(res.Cols, c.Name), append(res.Types, c.T)
	}
	if cur.it != nil {
		for {
			row, err := cur.it.Next()
			if err != nil {
				return nil, err
			}
			if row == nil {
				break
			}
			res.RowCount++
			if maxRows == 0 || len(res.Rows) < maxRows {
				res.Rows = append(res.Rows, append([]types.Datum(nil), row[:len(res.Cols)]...))
			}
			if res.RowCount&255 == 0 && ctx.Err() != nil {
				return nil, s.ctxErr(ctx)
			}
		}
	}
	if !cur.countTag {
		if i := strings.LastIndexByte(cur.tag, ' '); i >= 0 {
			if n, err := strconv.ParseInt(cur.tag[i+1:], 10, 64); err == nil {
				res.RowCount = n
			}
		}
	}
	return res, nil
}

// noticeWriter queues a nested statement's notices for the client.
type noticeWriter struct{ s *Session }

func (w *noticeWriter) Columns([]Column) error { return nil }
func (w *noticeWriter) Row([][]byte) error     { return nil }
func (w *noticeWriter) Complete(string) error  { return nil }
func (w *noticeWriter) Empty() error           { return nil }
func (w *noticeWriter) Notice(n *pgerror.Error) error {
	w.s.notices = append(w.s.notices, n)
	return nil
}

// varConflict reads a PL/pgSQL body's #variable_conflict directive
// (PostgreSQL's default is error).
func varConflict(body string) plan.VarConflict {
	l := strings.ToLower(body)
	i := strings.Index(l, "#variable_conflict")
	if i < 0 {
		return plan.VarConflictError
	}
	rest := strings.Fields(l[i+len("#variable_conflict"):])
	if len(rest) > 0 {
		switch rest[0] {
		case "use_variable":
			return plan.VarsWin
		case "use_column":
			return plan.ColumnsWin
		}
	}
	return plan.VarConflictError
}

// identityTypes is f's input types as CONTEXT lines print them.
func identityTypes(f *catalog.Function) string {
	var parts []string
	for _, a := range f.InputArgs() {
		parts = append(parts, types.FormatType(a.Type))
	}
	return strings.Join(parts, ",")
}
