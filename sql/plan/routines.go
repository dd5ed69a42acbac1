package plan

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// RoutineHost is what calling a user-defined function (CREATE FUNCTION)
// asks of the session; a Host that is not one has no such functions.
type RoutineHost interface {
	// RoutineCall is the expression that calls f with args (already
	// cast to its input types, defaults filled in) and yields ret.
	RoutineCall(f *catalog.Function, args []exec.Expr, ret types.T) exec.Expr
	// RoutineRows runs f in FROM: its rows, shaped as f's result columns.
	RoutineRows(ec *exec.Ctx, f *catalog.Function, args []types.Datum) ([][]types.Datum, error)
}

// VarResolver binds a column reference that names no column to a
// variable of the PL/pgSQL function or an argument of the SQL function
// the statement runs in: the parameter it is read from, and its type.
type VarResolver func(fields []string) (n int, t types.T, ok bool, err error)

// VarConflict is PL/pgSQL's variable_conflict.
type VarConflict uint8

const (
	ColumnsWin       VarConflict = iota // use_column; SQL functions' rule
	VarConflictError                    // error (42702), PL/pgSQL's default
	VarsWin                             // use_variable
)

// resolveVar compiles a reference to a routine variable, if one.
func (p *Planner) resolveVar(fields []string) (exec.Expr, bool, error) {
	if p.Vars == nil {
		return nil, false, nil
	}
	n, t, ok, err := p.Vars(fields)
	if err != nil || !ok {
		return nil, false, err
	}
	p.setParamType(n, t)
	if p.MaxParam < n+1 {
		p.MaxParam = n + 1
	}
	pe := &exec.ParamExpr{N: n, T: t}
	p.ParamExprs = append(p.ParamExprs, pe)
	return pe, true, nil
}

// userFunctions lists the user-defined functions a call could mean.
func (p *Planner) userFunctions(names []*pg_query.Node) []*catalog.Function {
	if len(p.Cat.FuncNames) == 0 {
		return nil
	}
	if _, ok := p.Host.(RoutineHost); !ok {
		return nil
	}
	s := NodeStrings(names)
	name := s[len(s)-1]
	if !p.Cat.HasFunctionNamed(name) {
		return nil
	}
	schema := ""
	if len(s) > 1 {
		schema = s[len(s)-2]
		if schema == catalog.TempAlias {
			schema = p.TempSchema
		}
	}
	// as in PostgreSQL, the temporary schema is searched for relations and
	// types but not for functions: pg_temp.f() must be qualified
	return p.Cat.FunctionsOnPath(p.FunctionPath(), schema, name)
}

// FunctionPath is the search path for functions: without the temporary
// schema, which PostgreSQL never searches for functions.
func (p *Planner) FunctionPath() []string {
	var out []string
	for _, s := range p.path() {
		if !catalog.IsTempSchema(s) && s != catalog.TempAlias {
			out = append(out, s)
		}
	}
	return out
}

// routineArgs matches a call's arguments to one of cands: it compiles
// them, fills in defaults, and casts each to its parameter's type. ok is
// false when no candidate takes them.
func (p *Planner) routineArgs(cands []*catalog.Function, fc *pg_query.FuncCall, sc *Scope, proc bool) (*catalog.Function, []exec.Expr, bool, error) {
	var pos []exec.Expr
	named := map[string]exec.Expr{}
	var namedOrder []string
	for _, a := range fc.Args {
		if na := a.GetNamedArgExpr(); na != nil {
			e, err := p.CompileExpr(na.Arg, sc)
			if err != nil {
				return nil, nil, false, err
			}
			if _, dup := named[na.Name]; dup {
				return nil, nil, false, pgerror.New(pgerror.SyntaxError, "argument name \"%s\" used more than once", na.Name)
			}
			named[na.Name] = e
			namedOrder = append(namedOrder, na.Name)
			continue
		}
		if len(named) > 0 {
			return nil, nil, false, pgerror.New(pgerror.SyntaxError, "positional argument cannot follow named argument")
		}
		e, err := p.CompileExpr(a, sc)
		if err != nil {
			return nil, nil, false, err
		}
		pos = append(pos, e)
	}
	type match struct {
		f     *catalog.Function
		args  []exec.Expr
		exact int
	}
	var best []match
	for _, f := range cands {
		args, exact, ok := p.matchRoutine(f, pos, named, fc.FuncVariadic)
		if !ok {
			continue
		}
		switch {
		case len(best) == 0 || exact > best[0].exact:
			best = []match{{f, args, exact}}
		case exact == best[0].exact:
			best = append(best, match{f, args, exact})
		}
	}
	if len(best) == 0 {
		return nil, nil, false, nil
	}
	if len(best) > 1 {
		return nil, nil, false, &pgerror.Error{Code: pgerror.AmbiguousFunction,
			Message: "function " + best[0].f.Name + "(" + argTypeList(pos, namedOrder, named) + ") is not unique",
			Hint:    "Could not choose a best candidate function. You might need to add explicit type casts."}
	}
	m := best[0]
	in := m.f.InputArgs()
	for i, a := range m.args {
		if a == nil { // a default
			n, err := p.Host.ParseExpr(in[i].Default)
			if err != nil {
				return nil, nil, false, err
			}
			if m.args[i], err = p.CompileExpr(n, nil); err != nil {
				return nil, nil, false, err
			}
		}
		var err error
		if m.args[i], err = p.Coerce(m.args[i], in[i].Type, types.CastImplicit); err != nil {
			return nil, nil, false, err
		}
	}
	return m.f, m.args, true, nil
}

func argTypeList(pos []exec.Expr, order []string, named map[string]exec.Expr) string {
	var parts []string
	for _, a := range pos {
		parts = append(parts, types.FormatType(a.Type()))
	}
	for _, n := range order {
		parts = append(parts, n+" => "+types.FormatType(named[n].Type()))
	}
	return strings.Join(parts, ", ")
}

// matchRoutine places the arguments on f's input parameters (nil: take
// the default); exact counts the ones of the parameter's own type.
func (p *Planner) matchRoutine(f *catalog.Function, pos []exec.Expr, named map[string]exec.Expr, variadicCall bool) ([]exec.Expr, int, bool) {
	in := f.InputArgs()
	args := make([]exec.Expr, len(in))
	variadic := f.Variadic() && !variadicCall
	if len(pos) > len(in) && !variadic {
		return nil, 0, false
	}
	for i, a := range pos {
		if variadic && i >= len(in)-1 {
			elems := pos[len(in)-1:]
			arr, ok := p.variadicArray(in[len(in)-1].Type, elems)
			if !ok {
				return nil, 0, false
			}
			args[len(in)-1] = arr
			break
		}
		args[i] = a
	}
	for name, e := range named {
		found := false
		for i, a := range in {
			if a.Name == name {
				if args[i] != nil {
					return nil, 0, false
				}
				args[i], found = e, true
			}
		}
		if !found {
			return nil, 0, false
		}
	}
	exact := 0
	for i, a := range args {
		if a == nil {
			if in[i].Default == "" {
				if variadic && i == len(in)-1 && len(pos) >= len(in)-1 {
					return nil, 0, false // VARIADIC needs at least one element
				}
				return nil, 0, false
			}
			continue
		}
		from := a.Type().OID
		if isUnknown(a) {
			continue
		}
		if from == in[i].Type.OID {
			exact++
			continue
		}
		if cc, ok := types.CastContextOf(from, in[i].Type.OID); !ok || cc != types.CastImplicit {
			return nil, 0, false
		}
	}
	return args, exact, true
}

// variadicArray gathers VARIADIC's elements into an ARRAY[…] of at.
func (p *Planner) variadicArray(at types.T, elems []exec.Expr) (exec.Expr, bool) {
	et, ok := types.ElemOf(at)
	if !ok {
		return nil, false
	}
	cast := make([]exec.Expr, len(elems))
	for i, e := range elems {
		if !isUnknown(e) {
			if cc, ok := types.CastContextOf(e.Type().OID, et.OID); !ok || cc != types.CastImplicit {
				return nil, false
			}
		}
		c, err := p.Coerce(e, et, types.CastImplicit)
		if err != nil {
			return nil, false
		}
		cast[i] = c
	}
	return &exec.ArrayExpr{Elems: cast, T: at, Elem: et}, true
}

// RoutineResultType is what a call of f yields as a value: its return
// type, or a record of its OUT arguments.
func RoutineResultType(cat *catalog.Catalog, f *catalog.Function) (types.T, error) {
	outs := f.OutputArgs()
	if len(outs) > 1 {
		fs := make([]types.RecordField, len(outs))
		for i, a := range outs {
			name := a.Name
			if name == "" {
				name = "column" + itoa(i+1)
			}
			t, err := ArgType(cat, a)
			if err != nil {
				return types.T{}, err
			}
			fs[i] = types.RecordField{Name: name, T: t}
		}
		return types.RecordType(fs)
	}
	if t, ok := cat.ByOID[f.RetRel]; ok && f.RetRel != 0 {
		return tableRowT(t)
	}
	return f.Ret, nil
}

// ArgType is a's type: a table's row type for an argument declared so.
func ArgType(cat *catalog.Catalog, a catalog.FuncArg) (types.T, error) {
	if t, ok := cat.ByOID[a.Rel]; ok && a.Rel != 0 {
		return tableRowT(t)
	}
	return a.Type, nil
}

func tableRowT(t *catalog.Table) (types.T, error) {
	fields := make([]types.RecordField, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = types.RecordField{Name: c.Name, T: c.Type}
	}
	return types.NamedRecordType(pgcatalog.RowTypeOID(t.OID), pgcatalog.RowArrayOID(t.OID), fields)
}

// RoutineColumns are f's result columns in FROM.
func RoutineColumns(cat *catalog.Catalog, f *catalog.Function) []exec.Column {
	outs := f.OutputArgs()
	if len(outs) > 1 {
		cols := make([]exec.Column, len(outs))
		for i, a := range outs {
			name := a.Name
			if name == "" {
				name = "column" + itoa(i+1)
			}
			t, _ := ArgType(cat, a)
			cols[i] = exec.Column{Name: name, T: t}
		}
		return cols
	}
	if len(outs) == 1 && outs[0].Name != "" && f.RetRel == 0 && !types.IsComposite(outs[0].Type.OID) {
		return []exec.Column{{Name: outs[0].Name, T: outs[0].Type}}
	}
	if t, ok := cat.ByOID[f.RetRel]; ok && f.RetRel != 0 {
		cols := make([]exec.Column, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = exec.Column{Name: c.Name, T: c.Type}
		}
		return cols
	}
	if fs, ok := types.RecordFields(f.Ret); ok && f.Ret.OID != types.RecordOID {
		cols := make([]exec.Column, len(fs))
		for i, x := range fs {
			cols[i] = exec.Column{Name: x.Name, T: x.T}
		}
		return cols
	}
	return []exec.Column{{Name: f.Name, T: f.Ret}}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// functionCall resolves a call of a user-defined function (not a
// procedure: 42809) to the function and its compiled arguments; found
// is false, with f nil, when no user function takes them.
func (p *Planner) functionCall(fc *pg_query.FuncCall, sc *Scope) (f *catalog.Function, args []exec.Expr, found bool, err error) {
	if err := p.checkFuncSchema(fc.Funcname); err != nil {
		return nil, nil, true, err
	}
	cands := p.userFunctions(fc.Funcname)
	if len(cands) == 0 {
		return nil, nil, false, nil
	}
	f, args, ok, err := p.routineArgs(cands, fc, sc, false)
	if err != nil || !ok {
		return nil, nil, false, err
	}
	if f.Kind == "p" {
		return nil, nil, true, &pgerror.Error{Code: pgerror.WrongObjectType, Message: f.Name + "(" + argTypeList(args, nil, nil) + ") is a procedure",
			Hint: "To call a procedure, use CALL."}
	}
	return f, args, true, nil
}

// compileRoutineCall compiles a call of a user-defined function in an
// expression; ok is false when none takes the arguments.
func (p *Planner) compileRoutineCall(fc *pg_query.FuncCall, sc *Scope) (exec.Expr, bool, error) {
	f, args, found, err := p.functionCall(fc, sc)
	if f == nil {
		return nil, found, err
	}
	if f.Ret.OID == types.TriggerOID {
		return nil, true, pgerror.New(pgerror.FeatureNotSupported, "trigger functions can only be called as triggers")
	}
	if f.RetSet {
		if p.where == "" || p.where == "SELECT" {
			return nil, true, pgerror.Unsupported("a set-returning user-defined function in the select list (call it in FROM)")
		}
		return nil, true, pgerror.New(pgerror.FeatureNotSupported, "set-returning functions are not allowed in %s", p.clause())
	}
	ret, err := RoutineResultType(p.Cat, f)
	if err != nil {
		return nil, true, err
	}
	return p.Host.(RoutineHost).RoutineCall(f, args, ret), true, nil
}

// routineFromFunction plans a user-defined function in FROM.
func (p *Planner) routineFromFunction(fc *pg_query.FuncCall, coldefs []*pg_query.Node, sc *Scope) (*SRFNode, bool, error) {
	f, args, found, err := p.functionCall(fc, sc)
	if f == nil {
		return nil, found, err
	}
	if len(coldefs) > 0 {
		return nil, true, pgerror.New(pgerror.SyntaxError, "a column definition list is only allowed for functions returning \"record\"")
	}
	if f.Ret.OID == types.RecordOID && f.RetRel == 0 && len(f.OutputArgs()) == 0 {
		return nil, true, pgerror.Unsupported("a function returning record without OUT arguments in FROM")
	}
	cols := RoutineColumns(p.Cat, f)
	n := &SRFNode{Name: f.Name, args: args, t: cols[0].T, routine: f, rh: p.Host.(RoutineHost)}
	if len(cols) > 1 || len(f.OutputArgs()) == 1 && f.OutputArgs()[0].Name != "" || cols[0].Name != f.Name {
		for i, c := range cols {
			n.names = append(n.names, c.Name)
			if i > 0 {
				n.t2 = append(n.t2, c.T)
			}
		}
	}
	return n, true, nil
}

// routineRows runs a user-defined function in FROM.
func (n *SRFNode) routineRows(ec *exec.Ctx, in []types.Datum) (exec.Iterator, error) {
	vals := make([]types.Datum, len(n.args))
	for i, a := range n.args {
		v, err := a.Eval(ec, in)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	rows, err := n.rh.RoutineRows(ec, n.routine, vals)
	if err != nil {
		return nil, err
	}
	if n.ordinality {
		for i := range rows {
			rows[i] = append(rows[i], int64(i+1))
		}
	}
	return &exec.SliceIter{Rows: rows}, nil
}

// ResolveProcedure resolves CALL's procedure and compiles its arguments.
func (p *Planner) ResolveProcedure(fc *pg_query.FuncCall) (*catalog.Function, []exec.Expr, error) {
	cands := p.userFunctions(fc.Funcname)
	f, args, ok, err := p.routineArgs(cands, fc, nil, true)
	if err != nil {
		return nil, nil, err
	}
	if ok && f.Kind != "p" {
		return nil, nil, &pgerror.Error{Code: pgerror.WrongObjectType, Message: f.Name + "(" + argTypeList(args, nil, nil) + ") is not a procedure",
			Hint: "To call a function, use SELECT."}
	}
	if !ok {
		var ts []string
		for _, a := range fc.Args {
			e, err := p.CompileExpr(a, nil)
			if err != nil {
				return nil, nil, err
			}
			ts = append(ts, types.FormatType(e.Type()))
		}
		return nil, nil, &pgerror.Error{Code: pgerror.UndefinedFunction,
			Message: "procedure " + strings.Join(NodeStrings(fc.Funcname), ".") + "(" + strings.Join(ts, ", ") + ") does not exist",
			Hint:    "No procedure matches the given name and argument types. You might need to add explicit type casts."}
	}
	return f, args, nil
}

// regprocOID folds 'name'::regproc::oid and 'name(types)'::regprocedure::oid
// (psql's \sf and \ef look functions up so) to the function's OID; regproc
// values are otherwise names (text).
func (p *Planner) regprocOID(tc *pg_query.TypeCast) (uint32, bool, error) {
	if LastName(tc.TypeName.Names) != "oid" {
		return 0, false, nil
	}
	inner := tc.Arg.GetTypeCast()
	if inner == nil {
		return 0, false, nil
	}
	kind := LastName(inner.TypeName.Names)
	if kind != "regproc" && kind != "regprocedure" {
		return 0, false, nil
	}
	c := inner.Arg.GetAConst()
	if c == nil || c.GetSval() == nil {
		return 0, false, nil
	}
	text := c.GetSval().Sval
	if i := strings.IndexByte(text, '('); i > 0 && kind == "regprocedure" {
		text = strings.TrimSpace(text[:i])
	}
	oid, err := p.Host.CatalogSchema().RegprocIn(text)
	return oid, true, err
}

// tableRowType is a table's row type named as a type (RETURNS t, a
// variable of type t).
func (p *Planner) tableRowType(names []string, arrayDims int) (types.T, bool, error) {
	if arrayDims > 0 || len(names) > 2 {
		return types.T{}, false, nil
	}
	schema := ""
	if len(names) == 2 {
		schema = names[0]
	}
	key, err := p.RelKey(schema, names[len(names)-1])
	if err != nil {
		return types.T{}, false, nil
	}
	t, ok := p.Cat.Tables[key]
	if !ok {
		return types.T{}, false, nil
	}
	rt, err := tableRowT(t)
	return rt, true, err
}

// noNamedFunc is the 42883 of a call with named arguments that no
// user-defined function takes.
func (p *Planner) noNamedFunc(fc *pg_query.FuncCall, sc *Scope) error {
	var parts []string
	for _, a := range fc.Args {
		n := a
		prefix := ""
		if na := a.GetNamedArgExpr(); na != nil {
			n, prefix = na.Arg, na.Name+" => "
		}
		e, err := p.CompileExpr(n, sc)
		if err != nil {
			return err
		}
		parts = append(parts, prefix+types.FormatType(e.Type()))
	}
	return &pgerror.Error{Code: pgerror.UndefinedFunction,
		Message: "function " + strings.Join(NodeStrings(fc.Funcname), ".") + "(" + strings.Join(parts, ", ") + ") does not exist",
		Hint:    "No function matches the given name and argument types. You might need to add explicit type casts."}
}

// isUserSRF reports whether a call names a set-returning user-defined
// function (the select list plans those as set-returning functions).
func (p *Planner) isUserSRF(fc *pg_query.FuncCall) bool {
	for _, f := range p.userFunctions(fc.Funcname) {
		if f.RetSet {
			return true
		}
	}
	return false
}

// checkFuncSchema fails with 3F000 when a call names a schema that does
// not exist (s.f(…)).
func (p *Planner) checkFuncSchema(names []*pg_query.Node) error {
	s := NodeStrings(names)
	if len(s) != 2 || catalog.IsSystemSchema(s[0]) || s[0] == catalog.TempAlias || strings.HasPrefix(s[0], "pg_") || p.Cat.SchemaExists(s[0]) {
		return nil
	}
	return pgerror.New("3F000", "schema \"%s\" does not exist", s[0])
}
