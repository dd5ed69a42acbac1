package plan

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// binaryOp resolves operator name between l and r, giving untyped operands
// the other side's type, and casts both to the operator's argument types.
func (p *Planner) binaryOp(name string, l, r exec.Expr) (*types.Op, exec.Expr, exec.Expr, error) {
	var err error
	lu, ru := isUnknown(l), isUnknown(r)
	switch {
	case lu && ru:
		if l, err = p.Coerce(l, exec.TextT, types.CastImplicit); err != nil {
			return nil, nil, nil, err
		}
		if r, err = p.Coerce(r, exec.TextT, types.CastImplicit); err != nil {
			return nil, nil, nil, err
		}
	}
	lt, rt := l.Type(), r.Type()
	if lu {
		lt = exec.UnknownT
	}
	if ru {
		rt = exec.UnknownT
	}
	op, err := exec.LookupBinaryOp(name, lt, rt)
	if err != nil && (lu || ru) {
		// fall back to giving the untyped side the other side's type
		if lu {
			if l, err = p.Coerce(l, unknownTarget(name, r.Type()), types.CastImplicit); err != nil {
				return nil, nil, nil, err
			}
		} else if r, err = p.Coerce(r, unknownTarget(name, l.Type()), types.CastImplicit); err != nil {
			return nil, nil, nil, err
		}
		op, err = exec.LookupBinaryOp(name, l.Type(), r.Type())
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if l, err = p.Coerce(l, op.Left, types.CastImplicit); err != nil {
		return nil, nil, nil, err
	}
	if r, err = p.Coerce(r, op.Right, types.CastImplicit); err != nil {
		return nil, nil, nil, err
	}
	return op, l, r, nil
}

// unknownTarget is the type an untyped operand takes opposite a typed one.
func unknownTarget(op string, other types.T) types.T {
	switch op {
	case "||":
		if !types.IsArray(other.OID) {
			return exec.TextT
		}
	case "~~", "!~~", "~~*", "!~~*", "~", "!~", "~*", "!~*":
		return exec.TextT
	case "@>", "<@", "&&":
		return other
	}
	if other.OID == types.NameOID || other.OID == types.CharOID {
		return other
	}
	return other
}

func (p *Planner) compileAExpr(a *pg_query.A_Expr, sc *Scope) (exec.Expr, error) {
	name := LastName(a.Name)
	if e, ok, err := p.compileRowCompare(a, name, sc); ok || err != nil {
		return e, err
	}
	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP:
		if a.Lexpr == nil {
			r, err := p.CompileExpr(a.Rexpr, sc)
			if err != nil {
				return nil, err
			}
			if c, ok := r.(*exec.ConstExpr); ok && name == "-" && c.V != nil {
				switch c.T.OID {
				case types.Int2OID, types.Int4OID, types.Int8OID:
					// folded with the operator's own overflow check:
					// -(-9223372036854775808) is 22003, not itself
					v, err := types.NegateInt(c.T.OID, c.V.(int64))
					if err != nil {
						return nil, err
					}
					return &exec.ConstExpr{V: v, T: c.T}, nil
				}
			}
			if r, err = p.ResolveUnknown(r); err != nil {
				return nil, err
			}
			op, err := exec.LookupUnaryOp(name, r.Type())
			if err != nil {
				return nil, err
			}
			if r, err = p.Coerce(r, op.Right, types.CastImplicit); err != nil {
				return nil, err
			}
			return p.foldOp(&exec.OpExpr{Op: op, R: r}) // fold.go
		}
		op, l, r, err := p.compileBinary(name, a, sc)
		if err != nil {
			return nil, err
		}
		return p.foldOp(&exec.OpExpr{Op: op, L: l, R: r})
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		l, r, err := p.compilePair(a.Lexpr, a.Rexpr, sc)
		if err != nil {
			return nil, err
		}
		if isUnknown(r) {
			if isUnknown(l) {
				if l, err = p.Coerce(l, exec.TextT, types.CastImplicit); err != nil {
					return nil, err
				}
			}
			at, ok := types.ArrayOf(l.Type())
			if !ok {
				at = types.T{OID: types.TextArrayOID, Mod: -1}
			}
			if r, err = p.Coerce(r, at, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		et, ok := types.ElemOf(r.Type())
		if !ok {
			return nil, pgerror.New(pgerror.DatatypeMismatch, "op ANY/ALL (array) requires array on right side")
		}
		if isUnknown(l) {
			if l, err = p.Coerce(l, et, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		op, err := exec.LookupBinaryOp(name, l.Type(), et)
		if err != nil {
			return nil, err
		}
		if l, err = p.Coerce(l, op.Left, types.CastImplicit); err != nil {
			return nil, err
		}
		if op.Right != et {
			at, _ := types.ArrayOf(op.Right)
			if r, err = p.Coerce(r, at, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		return &exec.AnyArrayExpr{L: l, Arr: r, Op: op, All: a.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ALL}, nil
	case pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		op, l, r, err := p.compileBinary("=", a, sc)
		if err != nil {
			return nil, err
		}
		return &exec.DistinctExpr{Eq: op, L: l, R: r, Not: a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT}, nil
	case pg_query.A_Expr_Kind_AEXPR_NULLIF:
		op, l, r, err := p.compileBinary("=", a, sc)
		if err != nil {
			return nil, err
		}
		return &exec.NullifExpr{Eq: op, L: l, R: r}, nil
	case pg_query.A_Expr_Kind_AEXPR_IN:
		l, err := p.CompileExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		items := a.Rexpr.GetList().GetItems()
		list := make([]exec.Expr, len(items))
		for i, it := range items {
			if list[i], err = p.CompileExpr(it, sc); err != nil {
				return nil, err
			}
		}
		all := append([]exec.Expr{l}, list...)
		if _, err := p.unify(all, "IN"); err != nil {
			return nil, err
		}
		l, list = all[0], all[1:]
		if l, err = p.ResolveUnknown(l); err != nil {
			return nil, err
		}
		in := &exec.InListExpr{Not: name == "<>"}
		for i := range list {
			op, nl, r, err := p.binaryOp("=", l, list[i])
			if err != nil {
				return nil, err
			}
			if i == 0 {
				l = nl
			}
			list[i] = r
			in.Eqs = append(in.Eqs, op)
		}
		in.L, in.List = l, list
		return in, nil
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE:
		op, l, r, err := p.compileBinary(name, a, sc)
		if err != nil {
			return nil, err
		}
		return p.foldOp(&exec.OpExpr{Op: op, L: l, R: r})
	case pg_query.A_Expr_Kind_AEXPR_SIMILAR:
		return nil, pgerror.Unsupported("SIMILAR TO")
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN,
		pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		items := a.Rexpr.GetList().GetItems()
		if len(items) != 2 {
			return nil, pgerror.New(pgerror.SyntaxError, "syntax error in BETWEEN")
		}
		mk := func(lo, hi *pg_query.Node) (exec.Expr, error) {
			ge, err := p.compileAExpr(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP, Name: opName(">="), Lexpr: a.Lexpr, Rexpr: lo}, sc)
			if err != nil {
				return nil, err
			}
			le, err := p.compileAExpr(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP, Name: opName("<="), Lexpr: a.Lexpr, Rexpr: hi}, sc)
			if err != nil {
				return nil, err
			}
			return &exec.AndExpr{Args: []exec.Expr{ge, le}}, nil
		}
		e, err := mk(items[0], items[1])
		if err != nil {
			return nil, err
		}
		if a.Kind == pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM || a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM {
			e2, err := mk(items[1], items[0])
			if err != nil {
				return nil, err
			}
			e = &exec.OrExpr{Args: []exec.Expr{e, e2}}
		}
		if a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN || a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM {
			e = &exec.NotExpr{E: e}
		}
		return e, nil
	}
	return nil, pgerror.Unsupported("operator kind " + a.Kind.String())
}

func opName(s string) []*pg_query.Node {
	return []*pg_query.Node{pg_query.MakeStrNode(s)}
}

func (p *Planner) compilePair(ln, rn *pg_query.Node, sc *Scope) (exec.Expr, exec.Expr, error) {
	l, err := p.CompileExpr(ln, sc)
	if err != nil {
		return nil, nil, err
	}
	r, err := p.CompileExpr(rn, sc)
	if err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// funcName returns the lower-case function name without a pg_catalog prefix.
func funcName(nodes []*pg_query.Node) string {
	s := NodeStrings(nodes)
	if len(s) == 2 && (s[0] == "pg_catalog" || s[0] == "public" || s[0] == "information_schema") {
		return strings.ToLower(s[1])
	}
	return strings.ToLower(strings.Join(s, "."))
}

func (p *Planner) compileFuncCall(fc *pg_query.FuncCall, sc *Scope) (exec.Expr, error) {
	name := funcName(fc.Funcname)
	if fc.Over != nil {
		return nil, pgerror.New("42P20", "window functions are not allowed in %s", p.clause())
	}
	if isAggregate(name) || fc.AggWithinGroup {
		return nil, pgerror.New(pgerror.GroupingError, "aggregate functions are not allowed in %s", p.clause())
	}
	if fc.AggStar {
		return nil, pgerror.New(pgerror.SyntaxError, "%s(*) specified, but %s is not an aggregate function", name, name)
	}
	if e, ok, err := p.compileRoutineCall(fc, sc); ok || err != nil { // routines.go
		return e, err
	}
	if params, ok := namedBuiltinParams[name]; ok && len(fc.Funcname) <= 2 {
		args, err := placeNamedArgs(name, params, fc.Args)
		if err != nil {
			return nil, err
		}
		if args != nil {
			fc = &pg_query.FuncCall{Funcname: fc.Funcname, Args: args, Location: fc.Location, Funcformat: fc.Funcformat}
		}
	}
	for _, a := range fc.Args {
		if a.GetNamedArgExpr() != nil {
			return nil, p.noNamedFunc(fc, sc)
		}
	}
	if exec.SRFNames[name] {
		// the select list's are planned by planTargetSRF, FROM's by
		// planFunctionScan: this one is somewhere PostgreSQL refuses it
		if p.where == "" || p.where == "SELECT" {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "set-returning function %s is not allowed here", name)
		}
		return nil, pgerror.New(pgerror.FeatureNotSupported, "set-returning functions are not allowed in %s", p.clause())
	}
	args := make([]exec.Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := p.CompileExpr(a, sc)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	if fc.FuncVariadic && len(args) > 0 {
		return p.variadicCall(name, args)
	}
	if (name == "extract" || name == "date_part") && len(args) == 2 {
		// field names are case-insensitive
		if c, ok := args[0].(*exec.ConstExpr); ok {
			if str, ok := c.V.(string); ok {
				args[0] = &exec.ConstExpr{V: strings.ToLower(str), T: c.T}
			}
		}
	}
	return p.callFunction(name, args, fc)
}

// variadicCall is f(a, VARIADIC arr): the function is resolved as if
// called with arr's elements, which are passed one by one at run time
// (concat(VARIADIC array['a', 'b']) is concat('a', 'b')).
func (p *Planner) variadicCall(name string, args []exec.Expr) (exec.Expr, error) {
	last := len(args) - 1
	arr, err := p.ResolveUnknown(args[last])
	if err != nil {
		return nil, err
	}
	elem, ok := types.ElemOf(arr.Type())
	if !ok {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "VARIADIC argument must be an array")
	}
	argTypes := make([]types.T, len(args))
	for i, a := range args[:last] {
		if isUnknown(a) {
			if args[i], err = p.Coerce(a, exec.TextT, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		argTypes[i] = args[i].Type()
	}
	argTypes[last] = types.T{OID: elem.OID, Mod: -1}
	fn, err := exec.LookupFunc(name, argTypes)
	if err != nil {
		return nil, err
	}
	return &exec.VariadicExpr{Fn: fn, Fixed: args[:last], Arr: arr, Types: argTypes}, nil
}

// callFunction resolves a function by name over compiled arguments: engine
// built-ins first, then the types library.
func (p *Planner) callFunction(name string, args []exec.Expr, fc *pg_query.FuncCall) (exec.Expr, error) {
	if b, ok := Builtins[name]; ok {
		return b(p, args)
	}
	argTypes := make([]types.T, len(args))
	for i, a := range args {
		argTypes[i] = a.Type()
		if isUnknown(a) {
			// an untyped parameter is resolved as an untyped literal
			// is (knex: jsonb_path_query_first("doc", $1))
			argTypes[i] = types.T{OID: types.UnknownOID, Mod: -1}
		}
	}
	fn, err := exec.LookupFunc(name, argTypes)
	if err != nil && name == "extract" {
		fn, err = exec.LookupFunc("date_part", argTypes)
	}
	if err != nil {
		// retry with untyped arguments as text
		retry := false
		for i, a := range args {
			if isUnknown(a) {
				argTypes[i] = exec.TextT
				retry = true
			}
		}
		if !retry {
			return nil, err
		}
		var err2 error
		if fn, err2 = exec.LookupFunc(name, argTypes); err2 != nil {
			return nil, err
		}
	}
	for i := range args {
		want := types.T{}
		switch {
		case i < len(fn.Args):
			want = fn.Args[i]
		case fn.Variadic && len(fn.Args) > 0:
			want = fn.Args[len(fn.Args)-1]
		}
		if want.OID == 0 || want.OID == types.AnyOID || want.OID == types.AnyElementOID || want.OID == types.AnyArrayOID {
			if isUnknown(args[i]) {
				if args[i], err = p.Coerce(args[i], exec.TextT, types.CastImplicit); err != nil {
					return nil, err
				}
			}
			continue
		}
		if args[i], err = p.Coerce(args[i], want, types.CastImplicit); err != nil {
			return nil, err
		}
		argTypes[i] = args[i].Type()
	}
	ret := fn.Ret
	if fn.RetFunc != nil {
		ret = fn.RetFunc(argTypes)
	}
	if ret.OID == 0 {
		ret.Mod = -1
	}
	return &exec.FuncExpr{Fn: fn, Args: args, Ret: ret}, nil
}

// clause names the clause being compiled, for error messages.
func (p *Planner) clause() string {
	if p.where != "" {
		return p.where
	}
	return "this context"
}

// regclassCast handles x::regclass: a name is resolved to the relation's
// OID now (42P01 when absent); a number passes through.
func (p *Planner) RegclassCast(arg exec.Expr) (exec.Expr, error) {
	rt := types.T{OID: types.RegclassOID, Mod: -1}
	if c, ok := arg.(*exec.ConstExpr); ok && c.V != nil {
		if s, ok := c.V.(string); ok {
			oid, err := p.resolveRegclass(s)
			if err != nil {
				return nil, err
			}
			return &exec.ConstExpr{V: int64(oid), T: rt}, nil
		}
	}
	if exec.IsStringType(arg.Type().OID) || isUnknown(arg) {
		a, err := p.ResolveUnknown(arg)
		if err != nil {
			return nil, err
		}
		return &exec.BuiltinExpr{Name: "regclass", Args: []exec.Expr{a}, Ret: rt, Strict: true, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
			pl := &Planner{Cat: rc.Host.Catalog()}
			oid, err := pl.resolveRegclass(v[0].(string))
			return int64(oid), err
		}}, nil
	}
	return p.Coerce(arg, rt, types.CastExplicit)
}

func (p *Planner) resolveRegclass(s string) (uint32, error) {
	if n, ok := parseUint32(s); ok {
		return n, nil
	}
	schema, name := SplitQualified(s)
	if oid, ok := p.relationOID(schema, name); ok {
		return oid, nil
	}
	return 0, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", s)
}

func parseUint32(s string) (uint32, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	var n uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return uint32(n), n <= 0xFFFFFFFF
}

// SplitQualified splits "schema.name" (with optional double quotes) and
// lower-cases unquoted parts.
func SplitQualified(s string) (string, string) {
	var parts []string
	cur := strings.Builder{}
	quoted, wasQuoted := false, false
	flush := func() {
		v := cur.String()
		if !wasQuoted {
			v = strings.ToLower(v)
		}
		parts = append(parts, v)
		cur.Reset()
		wasQuoted = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' && quoted && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			quoted = !quoted
			wasQuoted = true
		case c == '.' && !quoted:
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	if len(parts) >= 2 {
		return parts[len(parts)-2], parts[len(parts)-1]
	}
	return "", parts[0]
}

func rowArgs(n *pg_query.Node) []*pg_query.Node {
	if r := n.GetRowExpr(); r != nil {
		return r.Args
	}
	return nil
}

// compileRowCompare expands row comparisons: (a, b) = (x, y), <, <=, >,
// >= (lexicographic), <> and (a, b) IN ((x, y), ...).
func (p *Planner) compileRowCompare(a *pg_query.A_Expr, name string, sc *Scope) (exec.Expr, bool, error) {
	l := rowArgs(a.Lexpr)
	if l == nil {
		return nil, false, nil
	}
	pair := func(op string, x, y *pg_query.Node) (exec.Expr, error) {
		return p.compileAExpr(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP, Name: opName(op), Lexpr: x, Rexpr: y}, sc)
	}
	compare := func(op string, r []*pg_query.Node) (exec.Expr, error) {
		if len(r) != len(l) {
			return nil, pgerror.New(pgerror.SyntaxError, "unequal number of entries in row expressions")
		}
		switch op {
		case "=", "<>":
			var parts []exec.Expr
			for i := range l {
				e, err := pair(op, l[i], r[i])
				if err != nil {
					return nil, err
				}
				parts = append(parts, e)
			}
			if op == "=" {
				return &exec.AndExpr{Args: parts}, nil
			}
			return &exec.OrExpr{Args: parts}, nil
		case "<", "<=", ">", ">=":
			// (a, b) < (x, y)  ≡  a < x OR (a = x AND b < y)
			strict := op[:1]
			var build func(i int) (exec.Expr, error)
			build = func(i int) (exec.Expr, error) {
				last := i == len(l)-1
				cmpOp := strict
				if last {
					cmpOp = op
				}
				c, err := pair(cmpOp, l[i], r[i])
				if err != nil || last {
					return c, err
				}
				eq, err := pair("=", l[i], r[i])
				if err != nil {
					return nil, err
				}
				rest, err := build(i + 1)
				if err != nil {
					return nil, err
				}
				return &exec.OrExpr{Args: []exec.Expr{c, &exec.AndExpr{Args: []exec.Expr{eq, rest}}}}, nil
			}
			return build(0)
		}
		return nil, pgerror.Unsupported("row comparison with operator " + op)
	}
	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		r := rowArgs(a.Rexpr)
		if r == nil {
			return nil, false, nil
		}
		var le, re []exec.Expr
		for i := range l {
			x, y, err := p.compilePair(l[i], r[min(i, len(r)-1)], sc)
			if err != nil {
				return nil, true, err
			}
			le, re = append(le, x), append(re, y)
		}
		if len(r) != len(l) {
			re = nil
		}
		op := "distinct"
		if a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT {
			op = "not distinct"
		}
		e, err := p.compareRows(op, le, re) // rows.go
		return e, true, err
	case pg_query.A_Expr_Kind_AEXPR_OP:
		if sl := a.Rexpr.GetSubLink(); sl != nil && sl.SubLinkType == pg_query.SubLinkType_EXPR_SUBLINK {
			// (a, b) = (SELECT x, y …)
			sub, err := p.compileSubRow(sl, sc)
			if err != nil {
				return nil, true, err
			}
			var le []exec.Expr
			for _, n := range l {
				x, err := p.CompileExpr(n, sc)
				if err != nil {
					return nil, true, err
				}
				le = append(le, x)
			}
			e, err := p.compareRows(name, le, recordOperands(sub))
			return e, true, err
		}
		r := rowArgs(a.Rexpr)
		if r == nil {
			return nil, false, nil
		}
		e, err := compare(name, r)
		return e, true, err
	case pg_query.A_Expr_Kind_AEXPR_IN:
		var alts []exec.Expr
		for _, it := range a.Rexpr.GetList().GetItems() {
			r := rowArgs(it)
			if r == nil {
				return nil, true, pgerror.Unsupported("IN with a row on the left and a non-row on the right")
			}
			e, err := compare("=", r)
			if err != nil {
				return nil, true, err
			}
			alts = append(alts, e)
		}
		var e exec.Expr = &exec.OrExpr{Args: alts}
		if name == "<>" {
			e = &exec.NotExpr{E: e}
		}
		return e, true, nil
	}
	return nil, false, nil
}

// compileBinary compiles a's two operands and resolves the binary
// operator name for their types, coercing them to its argument types.
func (p *Planner) compileBinary(name string, a *pg_query.A_Expr, sc *Scope) (*types.Op, exec.Expr, exec.Expr, error) {
	l, r, err := p.compilePair(a.Lexpr, a.Rexpr, sc)
	if err != nil {
		return nil, nil, nil, err
	}
	return p.binaryOp(name, l, r)
}

// namedBuiltinParams are the parameter names of the built-in functions
// that take named arguments, in order; each missing one defaults to 0.
var namedBuiltinParams = map[string][]string{
	"make_interval": {"years", "months", "weeks", "days", "hours", "mins", "secs"},
}

// placeNamedArgs turns a call of a built-in function with named or
// missing arguments into one with all of them in order, the missing ones
// 0 (make_interval(secs => 5) is make_interval(0, 0, 0, 0, 0, 0, 5)). It
// returns nil for a call it leaves alone: every argument positional.
func placeNamedArgs(name string, params []string, given []*pg_query.Node) ([]*pg_query.Node, error) {
	named := false
	for _, a := range given {
		named = named || a.GetNamedArgExpr() != nil
	}
	if !named && len(given) == len(params) {
		return nil, nil
	}
	if len(given) > len(params) {
		return nil, nil // 42883 from the resolution
	}
	out := make([]*pg_query.Node, len(params))
	seenNamed := false
	for i, a := range given {
		na := a.GetNamedArgExpr()
		if na == nil {
			if seenNamed {
				return nil, pgerror.New(pgerror.SyntaxError, "positional argument cannot follow named argument")
			}
			out[i] = a
			continue
		}
		seenNamed = true
		at := slices.Index(params, na.Name)
		if at < 0 {
			return nil, nil // 42883 from noNamedFunc
		}
		if out[at] != nil {
			return nil, pgerror.New(pgerror.SyntaxError, "argument name \"%s\" used more than once", na.Name)
		}
		out[at] = na.Arg
	}
	for i := range out {
		if out[i] == nil {
			out[i] = pg_query.MakeAConstIntNode(0, -1)
		}
	}
	return out, nil
}
