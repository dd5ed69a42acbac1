package plan

import (
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// isUnknown reports whether e is an untyped literal or parameter whose type
// is still to be decided by context.
func isUnknown(e exec.Expr) bool {
	switch x := e.(type) {
	case *exec.ConstExpr:
		return x.T.OID == types.UnknownOID
	case *exec.ParamExpr:
		return x.T.OID == 0 || x.T.OID == types.UnknownOID
	}
	return false
}

// parseLiteral reads an untyped literal as type t at plan time. A literal
// of a date or time type reads the session zone and the transaction's start
// ('now', 'today'), so the plan is marked as one the simple protocol's plan
// cache must not reuse; a prepared statement keeps the value, as in
// PostgreSQL.
func (p *Planner) parseLiteral(t types.T, s string) (types.Datum, error) {
	if types.InputReadsContext(t) {
		p.ReadsContext = true
	}
	if t.OID == types.RegclassOID && p.Host != nil {
		// a relation name, quoted and schema-qualified as SQL writes it
		// (pg_total_relation_size('"Users"'))
		oid, err := p.resolveRegclass(s)
		return int64(oid), err
	}
	return types.ParseTextCtx(p.Host.InputCtx(), t, s)
}

// coerce converts e to type to: an untyped literal is parsed as to, an
// untyped parameter takes type to, anything else gets a cast (implicit or
// assignment per cc), failing with 42804 when no such cast exists.
func (p *Planner) Coerce(e exec.Expr, to types.T, cc types.CastContext) (exec.Expr, error) {
	if to.OID == 0 || to.OID == types.AnyOID || to.OID == types.UnknownOID {
		return e, nil
	}
	from := e.Type()
	switch x := e.(type) {
	case *exec.ConstExpr:
		if from.OID == types.UnknownOID {
			if x.V == nil {
				return &exec.ConstExpr{V: nil, T: to}, nil
			}
			if cc == types.CastExplicit && to.Mod >= 0 && to.OID != types.IntervalOID {
				// (an interval's typmod also decides how its text reads:
				// INTERVAL '7' DAY is parsed with it, below)
				// parse without the typmod, then apply it as an explicit
				// cast does ('abcdef'::varchar(3) truncates)
				base := types.T{OID: to.OID, Mod: -1}
				v, err := p.parseLiteral(base, x.V.(string))
				if err != nil {
					return nil, err
				}
				if v, err = exec.CastDatum(nil, v, base, to, types.CastExplicit); err != nil {
					return nil, err
				}
				return &exec.ConstExpr{V: v, T: to}, nil
			}
			v, err := p.parseLiteral(to, x.V.(string))
			if err != nil {
				return nil, err
			}
			return &exec.ConstExpr{V: v, T: to}, nil
		}
	case *exec.ParamExpr:
		if from.OID == 0 || from.OID == types.UnknownOID {
			p.setParamType(x.N, to)
			x.T = to
			return x, nil
		}
	}
	if from == to {
		return e, nil
	}
	if from.OID == to.OID && (to.Mod < 0 || to.OID == types.NumericOID && from.Mod == to.Mod) {
		return e, nil
	}
	if from.OID == types.Int2VectorOID && to.OID == types.Int2ArrayOID || from.OID == types.OidVectorOID && to.OID == types.OidArrayOID {
		return &exec.RelabelExpr{E: e, T: to}, nil
	}
	if _, toArray := types.ElemOf(to); toArray && (from.OID == types.Int2VectorOID || from.OID == types.OidVectorOID) {
		// int2vector::int[], oidvector::regtype[] (pgcli, pg_dump): the
		// vector is its element type's array, then an array cast
		arr := types.T{OID: types.Int2ArrayOID, Mod: -1}
		if from.OID == types.OidVectorOID {
			arr.OID = types.OidArrayOID
		}
		return p.Coerce(&exec.RelabelExpr{E: e, T: arr}, to, cc)
	}
	if !exec.CanCast(from, to, cc) {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "cannot cast type %s to %s", types.FormatType(from), types.FormatType(to))
	}
	if c, ok := e.(*exec.ConstExpr); ok && c.V != nil && cc != types.CastAssignment && from.OID != types.RegclassOID &&
		!(from.OID == types.RegtypeOID && exec.IsStringType(to.OID)) {
		// fold constant casts at plan time (a regclass is named at run
		// time, by the executing transaction's catalog, and so is a
		// regtype, through its search path)
		var ev *types.EvalContext
		if types.InputReadsContext(from) || types.InputReadsContext(to) || types.OutputReadsStyle(from) {
			p.ReadsContext = true // the session zone: see parseLiteral
			ev = p.Host.InputCtx()
		}
		v, err := types.Cast(ev, c.V, from, to, cc)
		if err == nil {
			return &exec.ConstExpr{V: v, T: to}, nil
		}
		// a literal's input fails while the statement is analysed, a
		// constant's cast while it is planned (fold.go), as in PostgreSQL
		if from.OID == types.UnknownOID || p.noFold == 0 {
			return nil, err
		}
	}
	return &exec.CastExpr{E: e, From: from, To: to, Cc: cc}, nil
}

// resolveUnknown gives an untyped expression a default type (text).
func (p *Planner) ResolveUnknown(e exec.Expr) (exec.Expr, error) {
	if isUnknown(e) {
		return p.Coerce(e, exec.TextT, types.CastImplicit)
	}
	return e, nil
}

func (p *Planner) setParamType(n int, t types.T) {
	for len(p.Params) <= n {
		p.Params = append(p.Params, types.T{})
	}
	if p.Params[n].OID == 0 || p.Params[n].OID == types.UnknownOID {
		p.Params[n] = t
	}
}

// compileExpr compiles a pg_query expression in scope sc.
func (p *Planner) CompileExpr(n *pg_query.Node, sc *Scope) (exec.Expr, error) {
	if n == nil {
		return &exec.ConstExpr{V: nil, T: exec.UnknownT}, nil
	}
	if sc != nil && sc.agg != nil {
		if e, ok, err := sc.agg.match(p, n); ok || err != nil {
			return e, err
		}
	}
	if sc != nil && n.GetFuncCall() != nil {
		if e, ok := p.outerAggRef(n, sc); ok { // an outer query's aggregate
			return e, nil
		}
	}
	switch {
	case n.GetAConst() != nil:
		return constFromNode(n.GetAConst())
	case n.GetColumnRef() != nil:
		return p.compileColumnRef(n.GetColumnRef(), sc)
	case n.GetParamRef() != nil:
		idx := int(n.GetParamRef().Number) - 1
		if idx < 0 {
			return nil, pgerror.New(pgerror.UndefinedParameter, "there is no parameter $%d", idx+1)
		}
		p.setParamType(idx, types.T{})
		t := p.Params[idx]
		if p.MaxParam < idx+1 {
			p.MaxParam = idx + 1
		}
		pe := &exec.ParamExpr{N: idx, T: t}
		p.ParamExprs = append(p.ParamExprs, pe)
		return pe, nil
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		t, err := p.TypeFromNode(tc.TypeName)
		if err != nil {
			return nil, err
		}
		if oid, ok, err := p.regprocOID(tc); ok || err != nil { // routines.go
			return &exec.ConstExpr{V: int64(oid), T: exec.OIDT}, err
		}
		arg, err := p.CompileExpr(tc.Arg, sc)
		if err != nil {
			return nil, err
		}
		if t.OID == types.RegclassOID {
			return p.RegclassCast(arg)
		}
		if t.OID == types.RegtypeOID {
			if e, ok := p.userRegtype(arg); ok { // usertypes.go
				return e, nil
			}
		}
		if LastName(tc.TypeName.Names) == "regnamespace" {
			if c, ok := arg.(*exec.ConstExpr); ok {
				if str, ok := c.V.(string); ok {
					oid, err := p.Host.CatalogSchema().RegnamespaceIn(str)
					if err != nil {
						return nil, err
					}
					return &exec.ConstExpr{V: int64(oid), T: exec.OIDT}, nil
				}
			}
		}
		e, err := p.Coerce(arg, t, types.CastExplicit)
		if err != nil {
			return nil, err
		}
		return p.domainCast(e, tc.TypeName) // usertypes.go
	case n.GetAExpr() != nil:
		return p.compileAExpr(n.GetAExpr(), sc)
	case n.GetBoolExpr() != nil:
		be := n.GetBoolExpr()
		args := make([]exec.Expr, len(be.Args))
		skipped := 0 // fold.go: after a constant false (AND) or true (OR)
		defer func() { p.noFold -= skipped }()
		for i, a := range be.Args {
			e, err := p.CompileExpr(a, sc)
			if err != nil {
				return nil, err
			}
			b, err := p.Coerce(e, exec.BoolT, types.CastImplicit)
			if err != nil {
				return nil, argTypeErr("argument of "+strings.TrimSuffix(be.Boolop.String(), "_EXPR"), e)
			}
			args[i] = b
			if isConst, isTrue := constTruth(b); skipped == 0 && isConst && b.(*exec.ConstExpr).V != nil &&
				(be.Boolop == pg_query.BoolExprType_AND_EXPR && !isTrue || be.Boolop == pg_query.BoolExprType_OR_EXPR && isTrue) {
				skipped = 1
				p.noFold++
			}
		}
		switch be.Boolop {
		case pg_query.BoolExprType_AND_EXPR:
			return &exec.AndExpr{Args: args}, nil
		case pg_query.BoolExprType_OR_EXPR:
			return &exec.OrExpr{Args: args}, nil
		default:
			return &exec.NotExpr{E: args[0]}, nil
		}
	case n.GetNullTest() != nil:
		nt := n.GetNullTest()
		e, err := p.CompileExpr(nt.Arg, sc)
		if err != nil {
			return nil, err
		}
		return &exec.IsNullExpr{E: e, Not: nt.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL}, nil
	case n.GetBooleanTest() != nil:
		bt := n.GetBooleanTest()
		e, err := p.CompileExpr(bt.Arg, sc)
		if err != nil {
			return nil, err
		}
		if e, err = p.Coerce(e, exec.BoolT, types.CastImplicit); err != nil {
			return nil, err
		}
		switch bt.Booltesttype {
		case pg_query.BoolTestType_IS_TRUE:
			return &exec.BoolTestExpr{E: e, Want: true}, nil
		case pg_query.BoolTestType_IS_NOT_TRUE:
			return &exec.BoolTestExpr{E: e, Want: true, IsNot: true}, nil
		case pg_query.BoolTestType_IS_FALSE:
			return &exec.BoolTestExpr{E: e, Want: false}, nil
		case pg_query.BoolTestType_IS_NOT_FALSE:
			return &exec.BoolTestExpr{E: e, Want: false, IsNot: true}, nil
		case pg_query.BoolTestType_IS_UNKNOWN:
			return &exec.BoolTestExpr{E: e, Want: nil}, nil
		default:
			return &exec.BoolTestExpr{E: e, Want: nil, IsNot: true}, nil
		}
	case n.GetFuncCall() != nil:
		return p.compileFuncCall(n.GetFuncCall(), sc)
	case n.GetCaseExpr() != nil:
		return p.compileCase(n.GetCaseExpr(), sc)
	case n.GetCoalesceExpr() != nil:
		// after a non-NULL constant argument nothing folds (fold.go)
		nodes := n.GetCoalesceExpr().Args
		args := make([]exec.Expr, len(nodes))
		skipped := 0
		defer func() { p.noFold -= skipped }()
		for i, a := range nodes {
			e, err := p.CompileExpr(a, sc)
			if err != nil {
				return nil, err
			}
			args[i] = e
			if c, ok := e.(*exec.ConstExpr); ok && c.V != nil && skipped == 0 {
				skipped = 1
				p.noFold++
			}
		}
		t, err := p.unify(args, "COALESCE")
		if err != nil {
			return nil, err
		}
		if t.OID == types.UnknownOID { // all untyped: text, as PostgreSQL's select_common_type
			t = exec.TextT
			for i := range args {
				if args[i], err = p.Coerce(args[i], t, types.CastImplicit); err != nil {
					return nil, err
				}
			}
		}
		return &exec.CoalesceExpr{Args: args, T: t}, nil
	case n.GetMinMaxExpr() != nil:
		mm := n.GetMinMaxExpr()
		name := "GREATEST"
		if mm.Op == pg_query.MinMaxOp_IS_LEAST {
			name = "LEAST"
		}
		args, t, err := p.compileCommon(mm.Args, sc, name)
		if err != nil {
			return nil, err
		}
		return &exec.MinMaxExpr{Args: args, T: t, Greatest: mm.Op == pg_query.MinMaxOp_IS_GREATEST}, nil
	case n.GetSubLink() != nil:
		return p.compileSubLink(n.GetSubLink(), sc)
	case n.GetAArrayExpr() != nil:
		elems, t, err := p.compileCommon(n.GetAArrayExpr().Elements, sc, "ARRAY")
		if err != nil {
			return nil, err
		}
		if t.OID == types.UnknownOID {
			t = exec.TextT
			for i := range elems {
				if elems[i], err = p.Coerce(elems[i], t, types.CastImplicit); err != nil {
					return nil, err
				}
			}
		}
		if et, ok := types.ElemOf(t); ok && t.OID != types.Int2VectorOID && t.OID != types.OidVectorOID {
			// ARRAY[[1,2],[3,4]]: sub-arrays make a dimension more
			return &exec.ArrayExpr{Elems: elems, T: t, Elem: et, Nested: true}, nil
		}
		at, ok := types.ArrayOf(t)
		if !ok {
			return nil, pgerror.New(pgerror.UndefinedObject, "could not find array type for data type %s", types.FormatType(t))
		}
		return &exec.ArrayExpr{Elems: elems, T: at, Elem: t}, nil
	case n.GetAIndirection() != nil:
		return p.compileIndirection(n.GetAIndirection(), sc)
	case n.GetSqlvalueFunction() != nil:
		return p.compileSQLValueFunc(n.GetSqlvalueFunction())
	case n.GetCollateClause() != nil:
		return p.CompileExpr(n.GetCollateClause().Arg, sc)
	case n.GetRowExpr() != nil:
		return p.compileRow(n.GetRowExpr(), sc) // rows.go
	case n.GetSetToDefault() != nil:
		return nil, pgerror.New(pgerror.SyntaxError, "DEFAULT is not allowed in this context")
	case n.GetGroupingFunc() != nil:
		return nil, pgerror.Unsupported("GROUPING")
	}
	return nil, pgerror.Unsupported("expression " + NodeName(n))
}

func argTypeErr(what string, e exec.Expr) error {
	return pgerror.New(pgerror.DatatypeMismatch, "%s must be type boolean, not type %s", what, types.FormatType(e.Type()))
}

// NodeName names a node's kind for error messages.
func NodeName(n *pg_query.Node) string {
	if n == nil || n.Node == nil {
		return "(nil)"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", n.Node), "*pg_query.Node_")
}

func constFromNode(c *pg_query.A_Const) (exec.Expr, error) {
	if c.Isnull {
		return &exec.ConstExpr{V: nil, T: exec.UnknownT}, nil
	}
	switch {
	case c.GetIval() != nil:
		return &exec.ConstExpr{V: int64(c.GetIval().Ival), T: exec.Int4T}, nil
	case c.GetFval() != nil:
		s := c.GetFval().Fval
		if !strings.ContainsAny(s, ".eE") {
			if v, err := strconv.ParseInt(s, 10, 64); err == nil {
				return &exec.ConstExpr{V: v, T: exec.Int8T}, nil
			}
		}
		v, err := types.ParseText(exec.NumericT, s)
		if err != nil {
			return nil, err
		}
		return &exec.ConstExpr{V: v, T: exec.NumericT}, nil
	case c.GetBoolval() != nil:
		return &exec.ConstExpr{V: c.GetBoolval().Boolval, T: exec.BoolT}, nil
	case c.GetSval() != nil:
		return &exec.ConstExpr{V: c.GetSval().Sval, T: exec.UnknownT}, nil
	case c.GetBsval() != nil:
		return nil, pgerror.Unsupported("bit string literal")
	}
	return &exec.ConstExpr{V: nil, T: exec.UnknownT}, nil
}

func (p *Planner) compileColumnRef(cr *pg_query.ColumnRef, sc *Scope) (exec.Expr, error) {
	f := NodeStrings(cr.Fields)
	var table, name string
	switch len(f) {
	case 1:
		name = f[0]
	case 2:
		table, name = f[0], f[1]
	case 3:
		table, name = f[1], f[2]
	default:
		return nil, pgerror.New(pgerror.SyntaxError, "improper qualified name (too many dotted names): %s", strings.Join(f, "."))
	}
	if name == "*" {
		if table != "" {
			if e, ok, err := p.wholeRow(table, sc); ok { // f(t.*): t's row
				return e, err
			}
			return nil, pgerror.New(pgerror.UndefinedTable, "missing FROM-clause entry for table \"%s\"", table)
		}
		return nil, pgerror.New(pgerror.SyntaxError, "row expansion via \"*\" is not supported here")
	}
	if p.VarConflict == VarsWin {
		if e, ok, err := p.resolveVar(f); ok || err != nil {
			return e, err
		}
	}
	depth := 0
	for s := sc; s != nil; s = s.parent {
		idx, err := s.lookup(table, name)
		if err != nil {
			return nil, err
		}
		if idx >= 0 && p.VarConflict == VarConflictError && p.Vars != nil {
			if _, _, isVar, _ := p.Vars(f); isVar {
				return nil, &pgerror.Error{Code: pgerror.AmbiguousColumn, Message: "column reference \"" + strings.Join(f, ".") + "\" is ambiguous",
					Detail: "It could refer to either a PL/pgSQL variable or a table column."}
			}
		}
		if idx < 0 && s.agg != nil && s.agg.from != nil {
			if j, _ := s.agg.from.lookup(table, name); j >= 0 {
				return nil, s.agg.ungrouped(s.agg.from.cols[j])
			}
		}
		if idx >= 0 {
			if depth == 0 {
				return &exec.ColExpr{Idx: idx, T: s.cols[idx].T}, nil
			}
			p.correlated = true
			return &exec.OuterExpr{Depth: depth, Idx: idx, T: s.cols[idx].T}, nil
		}
		depth++
	}
	if len(f) == 1 {
		if e, ok, err := p.wholeRow(name, sc); ok { // SELECT t FROM t: the row
			return e, err
		}
	}
	if e, ok, err := p.resolveVar(f); ok || err != nil {
		return e, err
	}
	if table != "" {
		for s := sc; s != nil; s = s.parent {
			if s.hasTable(table) {
				return nil, pgerror.New(pgerror.UndefinedColumn, "column %s.%s does not exist", table, name)
			}
		}
		return nil, pgerror.New(pgerror.UndefinedTable, "missing FROM-clause entry for table \"%s\"", table)
	}
	e := pgerror.New(pgerror.UndefinedColumn, "column \"%s\" does not exist", name)
	if cr.Location >= 0 {
		e.Position = cr.Location + 1
	}
	return nil, e
}

// typeFromNode resolves a TypeName (with typmods and array bounds).
func (p *Planner) TypeFromNode(tn *pg_query.TypeName) (types.T, error) {
	names := NodeStrings(tn.Names)
	name := names[len(names)-1]
	if len(names) == 2 && names[0] == "pg_catalog" && name == "char" && len(tn.Typmods) == 0 {
		// pg_catalog.char is the "char" type only when quoted; the parser
		// gives bpchar for CHAR(n).
	}
	var mods []int32
	for _, m := range tn.Typmods {
		c := m.GetAConst()
		if c == nil || c.GetIval() == nil {
			return types.T{}, pgerror.New(pgerror.SyntaxError, "type modifiers must be simple constants or identifiers")
		}
		mods = append(mods, c.GetIval().Ival)
	}
	switch name {
	case "regproc":
		return exec.TextT, nil // catalog regproc columns hold function names
	case "regnamespace", "regrole", "regoper", "regoperator", "regprocedure", "regconfig", "regdictionary", "regcollation":
		return exec.OIDT, nil // shown as numbers
	}
	t, err := types.TypeFromName(name, mods, len(tn.ArrayBounds))
	if err != nil && !tn.PctType {
		if ut, ok, uerr := p.userType(names, mods, len(tn.ArrayBounds)); ok || uerr != nil { // usertypes.go
			return ut, uerr
		}
		if rt, ok, rerr := p.tableRowType(names, len(tn.ArrayBounds)); p.RowTypes && (ok || rerr != nil) { // routines.go
			return rt, rerr
		}
		if what, ok := unsupportedTypes[name]; ok && (len(names) == 1 || names[0] == "pg_catalog") {
			return types.T{}, &pgerror.Error{Code: pgerror.FeatureNotSupported, Message: "type " + name + " is not supported",
				Detail: "logdb has no " + what + " types (README: Differences from PostgreSQL)."}
		}
		if e, ok := err.(*pgerror.Error); ok && e.Code == pgerror.UndefinedObject && len(names) == 2 && !catalog.IsSystemSchema(names[0]) {
			if p.Cat != nil && !p.Cat.SchemaExists(names[0]) {
				return types.T{}, pgerror.New("3F000", "schema \"%s\" does not exist", names[0])
			}
			if len(tn.ArrayBounds) == 0 { // as written: schema.name
				return types.T{}, pgerror.New(pgerror.UndefinedObject, "type \"%s\" does not exist", names[0]+"."+name)
			}
		}
	}
	return t, err
}

// unsupportedTypes are PostgreSQL's built-in types of the kinds logdb
// leaves out (README, Differences): naming one is 0A000, not 42704.
var unsupportedTypes = map[string]string{
	"tsvector": "full-text search", "tsquery": "full-text search", "gtsvector": "full-text search",
	"point": "geometric", "line": "geometric", "lseg": "geometric", "box": "geometric",
	"path": "geometric", "polygon": "geometric", "circle": "geometric",
	"int4range": "range", "int8range": "range", "numrange": "range", "tsrange": "range",
	"tstzrange": "range", "daterange": "range", "int4multirange": "range", "int8multirange": "range",
	"nummultirange": "range", "tsmultirange": "range", "tstzmultirange": "range", "datemultirange": "range",
	"inet": "network address", "cidr": "network address", "macaddr": "network address", "macaddr8": "network address",
	"money": "money", "xml": "XML", "varbit": "varying bit string", "bit varying": "varying bit string",
	"timetz": "time with time zone", "time with time zone": "time with time zone",
	"txid_snapshot": "snapshot", "pg_snapshot": "snapshot",
}

// compileCommon compiles expressions that must share one type (COALESCE,
// CASE results, ARRAY[...], VALUES columns) and casts them to it.
func (p *Planner) compileCommon(nodes []*pg_query.Node, sc *Scope, what string) ([]exec.Expr, types.T, error) {
	out := make([]exec.Expr, len(nodes))
	for i, n := range nodes {
		e, err := p.CompileExpr(n, sc)
		if err != nil {
			return nil, types.T{}, err
		}
		out[i] = e
	}
	t, err := p.unify(out, what)
	return out, t, err
}

// unify casts exprs to their common type, as PostgreSQL's select_common_type.
func (p *Planner) unify(es []exec.Expr, what string) (types.T, error) {
	t := commonType(es)
	if t.OID == types.UnknownOID {
		return t, nil
	}
	for i := range es {
		e, err := p.Coerce(es[i], t, types.CastImplicit)
		if err != nil && isUnknown(es[i]) && exec.CanCast(types.T{OID: types.UnknownOID}, t, types.CastImplicit) {
			return types.T{}, err // a literal's input: 22P02 …
		}
		if err != nil {
			return types.T{}, pgerror.New(pgerror.DatatypeMismatch, "%s types %s and %s cannot be matched", what,
				types.FormatType(t), types.FormatType(es[i].Type()))
		}
		es[i] = e
	}
	return t, nil
}

// numericRank orders the numeric category for choosing a common type.
var numericRank = map[types.OID]int{
	types.Int2OID: 1, types.Int4OID: 2, types.Int8OID: 3, types.NumericOID: 4,
	types.Float4OID: 5, types.Float8OID: 6,
}

func commonType(es []exec.Expr) types.T {
	t := exec.UnknownT
	for _, e := range es {
		et := e.Type()
		if isUnknown(e) || et.OID == 0 {
			continue
		}
		if t.OID == types.UnknownOID {
			t = et
			continue
		}
		if et.OID == t.OID {
			if et.Mod != t.Mod {
				t.Mod = -1
			}
			continue
		}
		if r1, r2 := numericRank[t.OID], numericRank[et.OID]; r1 > 0 && r2 > 0 {
			if r2 > r1 {
				t = types.T{OID: et.OID, Mod: -1}
			}
			continue
		}
		if exec.IsStringType(t.OID) && exec.IsStringType(et.OID) {
			t = exec.TextT
			continue
		}
		if t.OID == types.TimestampOID && et.OID == types.TimestamptzOID || t.OID == types.DateOID && (et.OID == types.TimestampOID || et.OID == types.TimestamptzOID) {
			t = et
			continue
		}
		// the rest as select_common_type (int[] and bigint[] → bigint[])
		if ct, err := types.CommonType([]types.T{t, et}); err == nil {
			t = ct
		}
	}
	return t
}

func (p *Planner) compileCase(ce *pg_query.CaseExpr, sc *Scope) (exec.Expr, error) {
	c := &exec.CaseExpr{}
	var err error
	if ce.Arg != nil {
		if c.Arg, err = p.CompileExpr(ce.Arg, sc); err != nil {
			return nil, err
		}
	}
	results := make([]exec.Expr, 0, len(ce.Args)+1)
	// fold.go: nothing folds after a WHEN that is constant true, nor in
	// an arm whose WHEN is constant false or NULL
	after := 0
	defer func() { p.noFold -= after }()
	for _, a := range ce.Args {
		w := a.GetCaseWhen()
		cond, err := p.CompileExpr(w.Expr, sc)
		if err != nil {
			return nil, err
		}
		if c.Arg != nil {
			op, l, r, err := p.binaryOp("=", c.Arg, cond)
			if err != nil {
				return nil, err
			}
			c.Arg = l
			cond = r
			c.Eqs = append(c.Eqs, op)
		} else if b, err := p.Coerce(cond, exec.BoolT, types.CastImplicit); err != nil {
			return nil, argTypeErr("argument of CASE/WHEN", cond)
		} else {
			cond = b
		}
		c.Whens = append(c.Whens, cond)
		isConst, isTrue := constTruth(cond)
		if c.Arg != nil { // CASE x WHEN v: constant when both are
			isConst, isTrue = false, false
			if ac, ok := c.Arg.(*exec.ConstExpr); ok {
				if vc, ok := cond.(*exec.ConstExpr); ok && p.noFold == 0 {
					eq, err := p.foldOp(&exec.OpExpr{Op: c.Eqs[len(c.Eqs)-1], L: ac, R: vc})
					if err != nil {
						return nil, err
					}
					isConst, isTrue = constTruth(eq)
				}
			}
		}
		dead := isConst && !isTrue
		if dead {
			p.noFold++
		}
		res, err := p.CompileExpr(w.Result, sc)
		if dead {
			p.noFold--
		}
		if err != nil {
			return nil, err
		}
		results = append(results, res)
		if isConst && isTrue && after == 0 {
			after = 1
			p.noFold++
		}
	}
	if ce.Defresult != nil {
		d, err := p.CompileExpr(ce.Defresult, sc)
		if err != nil {
			return nil, err
		}
		results = append(results, d)
	}
	t, err := p.unify(results, "CASE")
	if err != nil {
		return nil, err
	}
	if t.OID == types.UnknownOID {
		t = exec.TextT
		for i := range results {
			if results[i], err = p.Coerce(results[i], t, types.CastImplicit); err != nil {
				return nil, err
			}
		}
	}
	c.Thens = results[:len(c.Whens)]
	if ce.Defresult != nil {
		c.Els = results[len(results)-1]
	}
	c.T = t
	return c, nil
}

// fieldSelect is (e).name on a record.
func fieldSelect(e exec.Expr, name string) (exec.Expr, error) {
	fields, ok := types.RecordFields(e.Type())
	if !ok {
		return nil, pgerror.New("42809", "column notation .%s applied to type %s, which is not a composite type", name, types.FormatType(e.Type()))
	}
	for i, f := range fields {
		if f.Name == name {
			return &exec.FieldExpr{E: e, I: i, T: f.T}, nil
		}
	}
	return nil, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" not found in data type %s", name, types.FormatType(e.Type()))
}

func (p *Planner) compileSQLValueFunc(f *pg_query.SQLValueFunction) (exec.Expr, error) {
	name := ""
	switch f.Op {
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
		name = "current_date"
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N:
		name = "current_time"
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N:
		name = "now"
	case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N:
		name = "localtime"
	case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
		name = "localtimestamp"
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER,
		pg_query.SQLValueFunctionOp_SVFOP_USER:
		name = "current_user"
	case pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER:
		name = "session_user"
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		name = "current_database"
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		name = "current_schema"
	}
	return p.callFunction(name, nil, nil)
}
