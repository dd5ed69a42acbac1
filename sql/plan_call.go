package sql

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// binaryOp resolves operator name between l and r, giving untyped operands
// the other side's type, and casts both to the operator's argument types.
func (p *planner) binaryOp(name string, l, r expr) (*types.Op, expr, expr, error) {
	var err error
	lu, ru := isUnknown(l), isUnknown(r)
	switch {
	case lu && ru:
		if l, err = p.coerce(l, textT, types.CastImplicit); err != nil {
			return nil, nil, nil, err
		}
		if r, err = p.coerce(r, textT, types.CastImplicit); err != nil {
			return nil, nil, nil, err
		}
	}
	lt, rt := l.typ(), r.typ()
	if lu {
		lt = unknownT
	}
	if ru {
		rt = unknownT
	}
	op, err := lookupBinaryOp(name, lt, rt)
	if err != nil && (lu || ru) {
		// fall back to giving the untyped side the other side's type
		if lu {
			if l, err = p.coerce(l, unknownTarget(name, r.typ()), types.CastImplicit); err != nil {
				return nil, nil, nil, err
			}
		} else if r, err = p.coerce(r, unknownTarget(name, l.typ()), types.CastImplicit); err != nil {
			return nil, nil, nil, err
		}
		op, err = lookupBinaryOp(name, l.typ(), r.typ())
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if l, err = p.coerce(l, op.Left, types.CastImplicit); err != nil {
		return nil, nil, nil, err
	}
	if r, err = p.coerce(r, op.Right, types.CastImplicit); err != nil {
		return nil, nil, nil, err
	}
	return op, l, r, nil
}

// unknownTarget is the type an untyped operand takes opposite a typed one.
func unknownTarget(op string, other types.T) types.T {
	switch op {
	case "||":
		if !types.IsArray(other.OID) {
			return textT
		}
	case "~~", "!~~", "~~*", "!~~*", "~", "!~", "~*", "!~*":
		return textT
	case "@>", "<@", "&&":
		return other
	}
	if other.OID == types.NameOID || other.OID == types.CharOID {
		return other
	}
	return other
}

func (p *planner) compileAExpr(a *pg_query.A_Expr, sc *scope) (expr, error) {
	name := lastName(a.Name)
	if e, ok, err := p.compileRowCompare(a, name, sc); ok || err != nil {
		return e, err
	}
	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP:
		if a.Lexpr == nil {
			r, err := p.compileExpr(a.Rexpr, sc)
			if err != nil {
				return nil, err
			}
			if c, ok := r.(*constExpr); ok && name == "-" && c.v != nil {
				switch c.t.OID {
				case types.Int2OID, types.Int4OID, types.Int8OID:
					// folded with the operator's own overflow check:
					// -(-9223372036854775808) is 22003, not itself
					v, err := types.NegateInt(c.t.OID, c.v.(int64))
					if err != nil {
						return nil, err
					}
					return &constExpr{v: v, t: c.t}, nil
				}
			}
			if r, err = p.resolveUnknown(r); err != nil {
				return nil, err
			}
			op, err := lookupUnaryOp(name, r.typ())
			if err != nil {
				return nil, err
			}
			if r, err = p.coerce(r, op.Right, types.CastImplicit); err != nil {
				return nil, err
			}
			return &opExpr{op: op, r: r}, nil
		}
		op, l, r, err := p.compileBinary(name, a, sc)
		if err != nil {
			return nil, err
		}
		return &opExpr{op: op, l: l, r: r}, nil
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		l, r, err := p.compilePair(a.Lexpr, a.Rexpr, sc)
		if err != nil {
			return nil, err
		}
		if isUnknown(r) {
			if isUnknown(l) {
				if l, err = p.coerce(l, textT, types.CastImplicit); err != nil {
					return nil, err
				}
			}
			at, ok := types.ArrayOf(l.typ())
			if !ok {
				at = types.T{OID: types.TextArrayOID, Mod: -1}
			}
			if r, err = p.coerce(r, at, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		et, ok := types.ElemOf(r.typ())
		if !ok {
			return nil, pgerror.New(pgerror.DatatypeMismatch, "op ANY/ALL (array) requires array on right side")
		}
		if isUnknown(l) {
			if l, err = p.coerce(l, et, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		op, err := lookupBinaryOp(name, l.typ(), et)
		if err != nil {
			return nil, err
		}
		if l, err = p.coerce(l, op.Left, types.CastImplicit); err != nil {
			return nil, err
		}
		if op.Right != et {
			at, _ := types.ArrayOf(op.Right)
			if r, err = p.coerce(r, at, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		return &anyArrayExpr{l: l, arr: r, op: op, all: a.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ALL}, nil
	case pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		op, l, r, err := p.compileBinary("=", a, sc)
		if err != nil {
			return nil, err
		}
		return &distinctExpr{eq: op, l: l, r: r, not: a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT}, nil
	case pg_query.A_Expr_Kind_AEXPR_NULLIF:
		op, l, r, err := p.compileBinary("=", a, sc)
		if err != nil {
			return nil, err
		}
		return &nullifExpr{eq: op, l: l, r: r}, nil
	case pg_query.A_Expr_Kind_AEXPR_IN:
		l, err := p.compileExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		items := a.Rexpr.GetList().GetItems()
		list := make([]expr, len(items))
		for i, it := range items {
			if list[i], err = p.compileExpr(it, sc); err != nil {
				return nil, err
			}
		}
		all := append([]expr{l}, list...)
		if _, err := p.unify(all, "IN"); err != nil {
			return nil, err
		}
		l, list = all[0], all[1:]
		if l, err = p.resolveUnknown(l); err != nil {
			return nil, err
		}
		in := &inListExpr{not: name == "<>"}
		for i := range list {
			op, nl, r, err := p.binaryOp("=", l, list[i])
			if err != nil {
				return nil, err
			}
			if i == 0 {
				l = nl
			}
			list[i] = r
			in.eqs = append(in.eqs, op)
		}
		in.l, in.list = l, list
		return in, nil
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE:
		op, l, r, err := p.compileBinary(name, a, sc)
		if err != nil {
			return nil, err
		}
		return &opExpr{op: op, l: l, r: r}, nil
	case pg_query.A_Expr_Kind_AEXPR_SIMILAR:
		return nil, pgerror.Unsupported("SIMILAR TO")
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN,
		pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		items := a.Rexpr.GetList().GetItems()
		if len(items) != 2 {
			return nil, pgerror.New(pgerror.SyntaxError, "syntax error in BETWEEN")
		}
		mk := func(lo, hi *pg_query.Node) (expr, error) {
			ge, err := p.compileAExpr(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP, Name: opName(">="), Lexpr: a.Lexpr, Rexpr: lo}, sc)
			if err != nil {
				return nil, err
			}
			le, err := p.compileAExpr(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP, Name: opName("<="), Lexpr: a.Lexpr, Rexpr: hi}, sc)
			if err != nil {
				return nil, err
			}
			return &andExpr{args: []expr{ge, le}}, nil
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
			e = &orExpr{args: []expr{e, e2}}
		}
		if a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN || a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM {
			e = &notExpr{e: e}
		}
		return e, nil
	}
	return nil, pgerror.Unsupported("operator kind " + a.Kind.String())
}

func opName(s string) []*pg_query.Node {
	return []*pg_query.Node{pg_query.MakeStrNode(s)}
}

func (p *planner) compilePair(ln, rn *pg_query.Node, sc *scope) (expr, expr, error) {
	l, err := p.compileExpr(ln, sc)
	if err != nil {
		return nil, nil, err
	}
	r, err := p.compileExpr(rn, sc)
	if err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// funcName returns the lower-case function name without a pg_catalog prefix.
func funcName(nodes []*pg_query.Node) string {
	s := nodeStrings(nodes)
	if len(s) == 2 && (s[0] == "pg_catalog" || s[0] == "public" || s[0] == "information_schema") {
		return strings.ToLower(s[1])
	}
	return strings.ToLower(strings.Join(s, "."))
}

func (p *planner) compileFuncCall(fc *pg_query.FuncCall, sc *scope) (expr, error) {
	name := funcName(fc.Funcname)
	if fc.Over != nil {
		return nil, pgerror.New("42P20", "window functions are not allowed in %s", p.clause())
	}
	if isAggregate(name) {
		return nil, pgerror.New(pgerror.GroupingError, "aggregate functions are not allowed in %s", p.clause())
	}
	if fc.AggStar {
		return nil, pgerror.New(pgerror.SyntaxError, "%s(*) specified, but %s is not an aggregate function", name, name)
	}
	args := make([]expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := p.compileExpr(a, sc)
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
		if c, ok := args[0].(*constExpr); ok {
			if str, ok := c.v.(string); ok {
				args[0] = &constExpr{v: strings.ToLower(str), t: c.t}
			}
		}
	}
	return p.callFunction(name, args, fc)
}

// variadicCall is f(a, VARIADIC arr): the function is resolved as if
// called with arr's elements, which are passed one by one at run time
// (concat(VARIADIC array['a', 'b']) is concat('a', 'b')).
func (p *planner) variadicCall(name string, args []expr) (expr, error) {
	last := len(args) - 1
	arr, err := p.resolveUnknown(args[last])
	if err != nil {
		return nil, err
	}
	elem, ok := types.ElemOf(arr.typ())
	if !ok {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "VARIADIC argument must be an array")
	}
	argTypes := make([]types.T, len(args))
	for i, a := range args[:last] {
		if isUnknown(a) {
			if args[i], err = p.coerce(a, textT, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		argTypes[i] = args[i].typ()
	}
	argTypes[last] = types.T{OID: elem.OID, Mod: -1}
	fn, err := lookupFunc(name, argTypes)
	if err != nil {
		return nil, err
	}
	return &variadicExpr{fn: fn, fixed: args[:last], arr: arr, types: argTypes}, nil
}

// variadicExpr calls fn with the fixed arguments and then every element
// of the array argument.
type variadicExpr struct {
	fn    *types.Func
	fixed []expr
	arr   expr
	types []types.T // the fixed arguments' types, then the element type
}

func (e *variadicExpr) eval(rc *runCtx, row []types.Datum) (types.Datum, error) {
	vals := make([]types.Datum, 0, len(e.fixed)+4)
	for _, a := range e.fixed {
		v, err := a.eval(rc, row)
		if err != nil {
			return nil, err
		}
		if v == nil && e.fn.Strict {
			return nil, nil
		}
		vals = append(vals, v)
	}
	av, err := e.arr.eval(rc, row)
	if err != nil || av == nil {
		return nil, err // VARIADIC NULL: NULL, as in PostgreSQL
	}
	elem := e.types[len(e.types)-1]
	ts := e.types[: len(e.types)-1 : len(e.types)-1]
	for _, v := range av.(types.Array).Elements {
		if v == nil && e.fn.Strict {
			return nil, nil
		}
		vals = append(vals, v)
		ts = append(ts, elem)
	}
	if e.fn.TypedFn != nil {
		return e.fn.TypedFn(rc.ev, ts, vals)
	}
	return e.fn.Fn(rc.ev, vals)
}

func (e *variadicExpr) typ() types.T { return e.fn.Ret }

// callFunction resolves a function by name over compiled arguments: engine
// built-ins first, then the types library.
func (p *planner) callFunction(name string, args []expr, fc *pg_query.FuncCall) (expr, error) {
	if b, ok := builtins[name]; ok {
		return b(p, args)
	}
	argTypes := make([]types.T, len(args))
	for i, a := range args {
		argTypes[i] = a.typ()
	}
	fn, err := lookupFunc(name, argTypes)
	if err != nil && name == "extract" {
		fn, err = lookupFunc("date_part", argTypes)
	}
	if err != nil {
		// retry with untyped arguments as text
		retry := false
		for i, a := range args {
			if isUnknown(a) {
				argTypes[i] = textT
				retry = true
			}
		}
		if !retry {
			return nil, err
		}
		var err2 error
		if fn, err2 = lookupFunc(name, argTypes); err2 != nil {
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
				if args[i], err = p.coerce(args[i], textT, types.CastImplicit); err != nil {
					return nil, err
				}
			}
			continue
		}
		if args[i], err = p.coerce(args[i], want, types.CastImplicit); err != nil {
			return nil, err
		}
		argTypes[i] = args[i].typ()
	}
	ret := fn.Ret
	if fn.RetFunc != nil {
		ret = fn.RetFunc(argTypes)
	}
	if ret.OID == 0 {
		ret.Mod = -1
	}
	return &funcExpr{fn: fn, args: args, ret: ret}, nil
}

// clause names the clause being compiled, for error messages.
func (p *planner) clause() string {
	if p.where != "" {
		return p.where
	}
	return "this context"
}

// regclassCast handles x::regclass: a name is resolved to the relation's
// OID now (42P01 when absent); a number passes through.
func (p *planner) regclassCast(arg expr) (expr, error) {
	rt := types.T{OID: types.RegclassOID, Mod: -1}
	if c, ok := arg.(*constExpr); ok && c.v != nil {
		if s, ok := c.v.(string); ok {
			oid, err := p.resolveRegclass(s)
			if err != nil {
				return nil, err
			}
			return &constExpr{v: int64(oid), t: rt}, nil
		}
	}
	if isStringType(arg.typ().OID) || isUnknown(arg) {
		a, err := p.resolveUnknown(arg)
		if err != nil {
			return nil, err
		}
		return &builtinExpr{name: "regclass", args: []expr{a}, ret: rt, strict: true, fn: func(rc *runCtx, v []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			pl := &planner{s: ec.s, cat: ec.tx.cat}
			oid, err := pl.resolveRegclass(v[0].(string))
			return int64(oid), err
		}}, nil
	}
	return p.coerce(arg, rt, types.CastExplicit)
}

func (p *planner) resolveRegclass(s string) (uint32, error) {
	if n, ok := parseUint32(s); ok {
		return n, nil
	}
	schema, name := splitQualified(s)
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

// splitQualified splits "schema.name" (with optional double quotes) and
// lower-cases unquoted parts.
func splitQualified(s string) (string, string) {
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
func (p *planner) compileRowCompare(a *pg_query.A_Expr, name string, sc *scope) (expr, bool, error) {
	l := rowArgs(a.Lexpr)
	if l == nil {
		return nil, false, nil
	}
	pair := func(op string, x, y *pg_query.Node) (expr, error) {
		return p.compileAExpr(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP, Name: opName(op), Lexpr: x, Rexpr: y}, sc)
	}
	compare := func(op string, r []*pg_query.Node) (expr, error) {
		if len(r) != len(l) {
			return nil, pgerror.New(pgerror.SyntaxError, "unequal number of entries in row expressions")
		}
		switch op {
		case "=", "<>":
			var parts []expr
			for i := range l {
				e, err := pair(op, l[i], r[i])
				if err != nil {
					return nil, err
				}
				parts = append(parts, e)
			}
			if op == "=" {
				return &andExpr{args: parts}, nil
			}
			return &orExpr{args: parts}, nil
		case "<", "<=", ">", ">=":
			// (a, b) < (x, y)  ≡  a < x OR (a = x AND b < y)
			strict := op[:1]
			var build func(i int) (expr, error)
			build = func(i int) (expr, error) {
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
				return &orExpr{args: []expr{c, &andExpr{args: []expr{eq, rest}}}}, nil
			}
			return build(0)
		}
		return nil, pgerror.Unsupported("row comparison with operator " + op)
	}
	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP:
		r := rowArgs(a.Rexpr)
		if r == nil {
			return nil, false, nil
		}
		e, err := compare(name, r)
		return e, true, err
	case pg_query.A_Expr_Kind_AEXPR_IN:
		var alts []expr
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
		var e expr = &orExpr{args: alts}
		if name == "<>" {
			e = &notExpr{e: e}
		}
		return e, true, nil
	}
	return nil, false, nil
}

// compileBinary compiles a's two operands and resolves the binary
// operator name for their types, coercing them to its argument types.
func (p *planner) compileBinary(name string, a *pg_query.A_Expr, sc *scope) (*types.Op, expr, expr, error) {
	l, r, err := p.compilePair(a.Lexpr, a.Rexpr, sc)
	if err != nil {
		return nil, nil, nil, err
	}
	return p.binaryOp(name, l, r)
}
