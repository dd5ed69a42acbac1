package sql

import (
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

var (
	unknownT = types.T{OID: types.UnknownOID, Mod: -1}
	textT    = types.T{OID: types.TextOID, Mod: -1}
	int4T    = types.T{OID: types.Int4OID, Mod: -1}
	int8T    = types.T{OID: types.Int8OID, Mod: -1}
	numericT = types.T{OID: types.NumericOID, Mod: -1}
	float8T  = types.T{OID: types.Float8OID, Mod: -1}
	oidT     = types.T{OID: types.OidOID, Mod: -1}
	nameT    = types.T{OID: types.NameOID, Mod: -1}
)

// isUnknown reports whether e is an untyped literal or parameter whose type
// is still to be decided by context.
func isUnknown(e expr) bool {
	switch x := e.(type) {
	case *constExpr:
		return x.t.OID == types.UnknownOID
	case *paramExpr:
		return x.t.OID == 0 || x.t.OID == types.UnknownOID
	}
	return false
}

// parseLiteral reads an untyped literal as type t at plan time. A literal
// of a date or time type reads the session zone and the transaction's start
// ('now', 'today'), so the plan is marked as one the simple protocol's plan
// cache must not reuse; a prepared statement keeps the value, as in
// PostgreSQL.
func (p *planner) parseLiteral(t types.T, s string) (types.Datum, error) {
	if types.InputReadsContext(t) {
		p.readsContext = true
	}
	if t.OID == types.RegclassOID && p.s != nil {
		// a relation name, quoted and schema-qualified as SQL writes it
		// (pg_total_relation_size('"Users"'))
		oid, err := p.resolveRegclass(s)
		return int64(oid), err
	}
	return types.ParseTextCtx(p.s.inputCtx(p.tx), t, s)
}

// coerce converts e to type to: an untyped literal is parsed as to, an
// untyped parameter takes type to, anything else gets a cast (implicit or
// assignment per cc), failing with 42804 when no such cast exists.
func (p *planner) coerce(e expr, to types.T, cc types.CastContext) (expr, error) {
	if to.OID == 0 || to.OID == types.AnyOID || to.OID == types.UnknownOID {
		return e, nil
	}
	from := e.typ()
	switch x := e.(type) {
	case *constExpr:
		if from.OID == types.UnknownOID {
			if x.v == nil {
				return &constExpr{v: nil, t: to}, nil
			}
			if cc == types.CastExplicit && to.Mod >= 0 && to.OID != types.IntervalOID {
				// (an interval's typmod also decides how its text reads:
				// INTERVAL '7' DAY is parsed with it, below)
				// parse without the typmod, then apply it as an explicit
				// cast does ('abcdef'::varchar(3) truncates)
				base := types.T{OID: to.OID, Mod: -1}
				v, err := p.parseLiteral(base, x.v.(string))
				if err != nil {
					return nil, err
				}
				if v, err = castDatum(nil, v, base, to, types.CastExplicit); err != nil {
					return nil, err
				}
				return &constExpr{v: v, t: to}, nil
			}
			v, err := p.parseLiteral(to, x.v.(string))
			if err != nil {
				return nil, err
			}
			return &constExpr{v: v, t: to}, nil
		}
	case *paramExpr:
		if from.OID == 0 || from.OID == types.UnknownOID {
			p.setParamType(x.n, to)
			x.t = to
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
		return &relabelExpr{e: e, t: to}, nil
	}
	if _, toArray := types.ElemOf(to); toArray && (from.OID == types.Int2VectorOID || from.OID == types.OidVectorOID) {
		// int2vector::int[], oidvector::regtype[] (pgcli, pg_dump): the
		// vector is its element type's array, then an array cast
		arr := types.T{OID: types.Int2ArrayOID, Mod: -1}
		if from.OID == types.OidVectorOID {
			arr.OID = types.OidArrayOID
		}
		return p.coerce(&relabelExpr{e: e, t: arr}, to, cc)
	}
	if !canCast(from, to, cc) {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "cannot cast type %s to %s", types.FormatType(from), types.FormatType(to))
	}
	if c, ok := e.(*constExpr); ok && c.v != nil && cc != types.CastAssignment && from.OID != types.RegclassOID {
		// fold constant casts at plan time (a regclass is named at run
		// time, by the executing transaction's catalog)
		var ev *types.EvalContext
		if types.InputReadsContext(from) || types.InputReadsContext(to) {
			p.readsContext = true // the session zone: see parseLiteral
			ev = p.s.inputCtx(p.tx)
		}
		if v, err := types.Cast(ev, c.v, from, to, cc); err == nil {
			return &constExpr{v: v, t: to}, nil
		}
	}
	return &castExpr{e: e, from: from, to: to, cc: cc}, nil
}

// resolveUnknown gives an untyped expression a default type (text).
func (p *planner) resolveUnknown(e expr) (expr, error) {
	if isUnknown(e) {
		return p.coerce(e, textT, types.CastImplicit)
	}
	return e, nil
}

func (p *planner) setParamType(n int, t types.T) {
	for len(p.params) <= n {
		p.params = append(p.params, types.T{})
	}
	if p.params[n].OID == 0 || p.params[n].OID == types.UnknownOID {
		p.params[n] = t
	}
}

// compileExpr compiles a pg_query expression in scope sc.
func (p *planner) compileExpr(n *pg_query.Node, sc *scope) (expr, error) {
	if n == nil {
		return &constExpr{v: nil, t: unknownT}, nil
	}
	if sc != nil && sc.agg != nil {
		if e, ok, err := sc.agg.match(p, n); ok || err != nil {
			return e, err
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
		t := p.params[idx]
		if p.maxParam < idx+1 {
			p.maxParam = idx + 1
		}
		pe := &paramExpr{n: idx, t: t}
		p.paramExprs = append(p.paramExprs, pe)
		return pe, nil
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		t, err := p.typeFromNode(tc.TypeName)
		if err != nil {
			return nil, err
		}
		arg, err := p.compileExpr(tc.Arg, sc)
		if err != nil {
			return nil, err
		}
		if t.OID == types.RegclassOID {
			return p.regclassCast(arg)
		}
		if lastName(tc.TypeName.Names) == "regnamespace" {
			if c, ok := arg.(*constExpr); ok {
				if str, ok := c.v.(string); ok {
					oid, err := p.s.catalogSchema(p.tx).RegnamespaceIn(str)
					if err != nil {
						return nil, err
					}
					return &constExpr{v: int64(oid), t: oidT}, nil
				}
			}
		}
		return p.coerce(arg, t, types.CastExplicit)
	case n.GetAExpr() != nil:
		return p.compileAExpr(n.GetAExpr(), sc)
	case n.GetBoolExpr() != nil:
		be := n.GetBoolExpr()
		args := make([]expr, len(be.Args))
		for i, a := range be.Args {
			e, err := p.compileExpr(a, sc)
			if err != nil {
				return nil, err
			}
			b, err := p.coerce(e, boolT, types.CastImplicit)
			if err != nil {
				return nil, argTypeErr("argument of "+strings.TrimSuffix(be.Boolop.String(), "_EXPR"), e)
			}
			args[i] = b
		}
		switch be.Boolop {
		case pg_query.BoolExprType_AND_EXPR:
			return &andExpr{args: args}, nil
		case pg_query.BoolExprType_OR_EXPR:
			return &orExpr{args: args}, nil
		default:
			return &notExpr{e: args[0]}, nil
		}
	case n.GetNullTest() != nil:
		nt := n.GetNullTest()
		e, err := p.compileExpr(nt.Arg, sc)
		if err != nil {
			return nil, err
		}
		return &isNullExpr{e: e, not: nt.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL}, nil
	case n.GetBooleanTest() != nil:
		bt := n.GetBooleanTest()
		e, err := p.compileExpr(bt.Arg, sc)
		if err != nil {
			return nil, err
		}
		if e, err = p.coerce(e, boolT, types.CastImplicit); err != nil {
			return nil, err
		}
		switch bt.Booltesttype {
		case pg_query.BoolTestType_IS_TRUE:
			return &boolTestExpr{e: e, want: true}, nil
		case pg_query.BoolTestType_IS_NOT_TRUE:
			return &boolTestExpr{e: e, want: true, isNot: true}, nil
		case pg_query.BoolTestType_IS_FALSE:
			return &boolTestExpr{e: e, want: false}, nil
		case pg_query.BoolTestType_IS_NOT_FALSE:
			return &boolTestExpr{e: e, want: false, isNot: true}, nil
		case pg_query.BoolTestType_IS_UNKNOWN:
			return &boolTestExpr{e: e, want: nil}, nil
		default:
			return &boolTestExpr{e: e, want: nil, isNot: true}, nil
		}
	case n.GetFuncCall() != nil:
		return p.compileFuncCall(n.GetFuncCall(), sc)
	case n.GetCaseExpr() != nil:
		return p.compileCase(n.GetCaseExpr(), sc)
	case n.GetCoalesceExpr() != nil:
		args, t, err := p.compileCommon(n.GetCoalesceExpr().Args, sc, "COALESCE")
		if err != nil {
			return nil, err
		}
		return &coalesceExpr{args: args, t: t}, nil
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
		return &minMaxExpr{args: args, t: t, greatest: mm.Op == pg_query.MinMaxOp_IS_GREATEST}, nil
	case n.GetSubLink() != nil:
		return p.compileSubLink(n.GetSubLink(), sc)
	case n.GetAArrayExpr() != nil:
		elems, t, err := p.compileCommon(n.GetAArrayExpr().Elements, sc, "ARRAY")
		if err != nil {
			return nil, err
		}
		if t.OID == types.UnknownOID {
			t = textT
			for i := range elems {
				if elems[i], err = p.coerce(elems[i], t, types.CastImplicit); err != nil {
					return nil, err
				}
			}
		}
		at, ok := types.ArrayOf(t)
		if !ok {
			return nil, pgerror.New(pgerror.UndefinedObject, "could not find array type for data type %s", types.FormatType(t))
		}
		return &arrayExpr{elems: elems, t: at, elem: t}, nil
	case n.GetAIndirection() != nil:
		return p.compileIndirection(n.GetAIndirection(), sc)
	case n.GetSqlvalueFunction() != nil:
		return p.compileSQLValueFunc(n.GetSqlvalueFunction())
	case n.GetCollateClause() != nil:
		return p.compileExpr(n.GetCollateClause().Arg, sc)
	case n.GetRowExpr() != nil:
		return nil, pgerror.Unsupported("row constructor")
	case n.GetSetToDefault() != nil:
		return nil, pgerror.New(pgerror.SyntaxError, "DEFAULT is not allowed in this context")
	case n.GetGroupingFunc() != nil:
		return nil, pgerror.Unsupported("GROUPING")
	}
	return nil, pgerror.Unsupported("expression " + nodeName(n))
}

func argTypeErr(what string, e expr) error {
	return pgerror.New(pgerror.DatatypeMismatch, "%s must be type boolean, not type %s", what, types.FormatType(e.typ()))
}

// nodeName names a node's kind for error messages.
func nodeName(n *pg_query.Node) string {
	if n == nil || n.Node == nil {
		return "(nil)"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", n.Node), "*pg_query.Node_")
}

func constFromNode(c *pg_query.A_Const) (expr, error) {
	if c.Isnull {
		return &constExpr{v: nil, t: unknownT}, nil
	}
	switch {
	case c.GetIval() != nil:
		return &constExpr{v: int64(c.GetIval().Ival), t: int4T}, nil
	case c.GetFval() != nil:
		s := c.GetFval().Fval
		if !strings.ContainsAny(s, ".eE") {
			if v, err := strconv.ParseInt(s, 10, 64); err == nil {
				return &constExpr{v: v, t: int8T}, nil
			}
		}
		v, err := types.ParseText(numericT, s)
		if err != nil {
			return nil, err
		}
		return &constExpr{v: v, t: numericT}, nil
	case c.GetBoolval() != nil:
		return &constExpr{v: c.GetBoolval().Boolval, t: boolT}, nil
	case c.GetSval() != nil:
		return &constExpr{v: c.GetSval().Sval, t: unknownT}, nil
	case c.GetBsval() != nil:
		return nil, pgerror.Unsupported("bit string literal")
	}
	return &constExpr{v: nil, t: unknownT}, nil
}

func (p *planner) compileColumnRef(cr *pg_query.ColumnRef, sc *scope) (expr, error) {
	f := nodeStrings(cr.Fields)
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
		return nil, pgerror.New(pgerror.SyntaxError, "row expansion via \"*\" is not supported here")
	}
	depth := 0
	for s := sc; s != nil; s = s.parent {
		idx, err := s.lookup(table, name)
		if err != nil {
			return nil, err
		}
		if idx < 0 && s.agg != nil && s.agg.from != nil {
			if j, _ := s.agg.from.lookup(table, name); j >= 0 {
				return nil, s.agg.ungrouped(s.agg.from.cols[j])
			}
		}
		if idx >= 0 {
			if depth == 0 {
				return &colExpr{idx: idx, t: s.cols[idx].t}, nil
			}
			p.correlated = true
			return &outerExpr{depth: depth, idx: idx, t: s.cols[idx].t}, nil
		}
		depth++
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
func (p *planner) typeFromNode(tn *pg_query.TypeName) (types.T, error) {
	names := nodeStrings(tn.Names)
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
		return textT, nil // catalog regproc columns hold function names
	case "regnamespace", "regrole", "regoper", "regoperator", "regprocedure", "regconfig", "regdictionary", "regcollation":
		return oidT, nil // shown as numbers
	}
	return types.TypeFromName(name, mods, len(tn.ArrayBounds))
}

// compileCommon compiles expressions that must share one type (COALESCE,
// CASE results, ARRAY[...], VALUES columns) and casts them to it.
func (p *planner) compileCommon(nodes []*pg_query.Node, sc *scope, what string) ([]expr, types.T, error) {
	out := make([]expr, len(nodes))
	for i, n := range nodes {
		e, err := p.compileExpr(n, sc)
		if err != nil {
			return nil, types.T{}, err
		}
		out[i] = e
	}
	t, err := p.unify(out, what)
	return out, t, err
}

// unify casts exprs to their common type, as PostgreSQL's select_common_type.
func (p *planner) unify(es []expr, what string) (types.T, error) {
	t := commonType(es)
	if t.OID == types.UnknownOID {
		return t, nil
	}
	for i := range es {
		e, err := p.coerce(es[i], t, types.CastImplicit)
		if err != nil {
			return types.T{}, pgerror.New(pgerror.DatatypeMismatch, "%s types %s and %s cannot be matched", what,
				types.FormatType(t), types.FormatType(es[i].typ()))
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

func commonType(es []expr) types.T {
	t := unknownT
	for _, e := range es {
		et := e.typ()
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
		if isStringType(t.OID) && isStringType(et.OID) {
			t = textT
			continue
		}
		if t.OID == types.TimestampOID && et.OID == types.TimestamptzOID || t.OID == types.DateOID && (et.OID == types.TimestampOID || et.OID == types.TimestamptzOID) {
			t = et
		}
	}
	return t
}

func isStringType(o types.OID) bool {
	return o == types.TextOID || o == types.VarcharOID || o == types.BpcharOID || o == types.NameOID || o == types.CharOID
}

func (p *planner) compileCase(ce *pg_query.CaseExpr, sc *scope) (expr, error) {
	c := &caseExpr{}
	var err error
	if ce.Arg != nil {
		if c.arg, err = p.compileExpr(ce.Arg, sc); err != nil {
			return nil, err
		}
	}
	results := make([]expr, 0, len(ce.Args)+1)
	for _, a := range ce.Args {
		w := a.GetCaseWhen()
		cond, err := p.compileExpr(w.Expr, sc)
		if err != nil {
			return nil, err
		}
		if c.arg != nil {
			op, l, r, err := p.binaryOp("=", c.arg, cond)
			if err != nil {
				return nil, err
			}
			c.arg = l
			cond = r
			c.eqs = append(c.eqs, op)
		} else if b, err := p.coerce(cond, boolT, types.CastImplicit); err != nil {
			return nil, argTypeErr("argument of CASE/WHEN", cond)
		} else {
			cond = b
		}
		c.whens = append(c.whens, cond)
		res, err := p.compileExpr(w.Result, sc)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	if ce.Defresult != nil {
		d, err := p.compileExpr(ce.Defresult, sc)
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
		t = textT
		for i := range results {
			if results[i], err = p.coerce(results[i], t, types.CastImplicit); err != nil {
				return nil, err
			}
		}
	}
	c.thens = results[:len(c.whens)]
	if ce.Defresult != nil {
		c.els = results[len(results)-1]
	}
	c.t = t
	return c, nil
}

// fieldSelect is (e).name on a record.
func fieldSelect(e expr, name string) (expr, error) {
	fields, ok := types.RecordFields(e.typ())
	if !ok {
		return nil, pgerror.New("42809", "column notation .%s applied to type %s, which is not a composite type", name, types.FormatType(e.typ()))
	}
	for i, f := range fields {
		if f.Name == name {
			return &fieldExpr{e: e, i: i, t: f.T}, nil
		}
	}
	return nil, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" not found in data type %s", name, types.FormatType(e.typ()))
}

// fieldExpr is one field of a record value.
type fieldExpr struct {
	e expr
	i int
	t types.T
}

func (f *fieldExpr) eval(rc *runCtx, row []types.Datum) (types.Datum, error) {
	v, err := f.e.eval(rc, row)
	if err != nil || v == nil {
		return nil, err
	}
	r, ok := v.(types.Record)
	if !ok || f.i >= len(r.Values) {
		return nil, pgerror.New(pgerror.Internal, "field %d of a %T", f.i, v)
	}
	return r.Values[f.i], nil
}

func (f *fieldExpr) typ() types.T { return f.t }

func (p *planner) compileIndirection(ind *pg_query.A_Indirection, sc *scope) (expr, error) {
	e, err := p.compileExpr(ind.Arg, sc)
	if err != nil {
		return nil, err
	}
	for _, x := range ind.Indirection {
		if f := x.GetString_(); f != nil {
			if e, err = fieldSelect(e, f.Sval); err != nil {
				return nil, err
			}
			continue
		}
		ai := x.GetAIndices()
		if ai == nil || ai.IsSlice {
			return nil, pgerror.Unsupported("this kind of indirection")
		}
		idx, err := p.compileExpr(ai.Uidx, sc)
		if err != nil {
			return nil, err
		}
		if idx, err = p.coerce(idx, int8T, types.CastImplicit); err != nil {
			return nil, err
		}
		if e.typ().OID == types.NameOID {
			e = &subscriptExpr{arr: e, idx: idx, t: types.T{OID: types.CharOID, Mod: -1}, base: 0}
			continue
		}
		base := int64(1)
		et, ok := types.ElemOf(e.typ())
		if e.typ().OID == types.Int2VectorOID || e.typ().OID == types.OidVectorOID {
			base = 0
		}
		if !ok {
			if e.typ().OID == types.Int2VectorOID {
				et = types.T{OID: types.Int2OID, Mod: -1}
			} else if e.typ().OID == types.OidVectorOID {
				et = oidT
			} else {
				return nil, pgerror.New(pgerror.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", types.FormatType(e.typ()))
			}
		}
		e = &subscriptExpr{arr: e, idx: idx, t: et, base: base}
	}
	return e, nil
}

func (p *planner) compileSQLValueFunc(f *pg_query.SQLValueFunction) (expr, error) {
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
