package plan

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Expression and partial indexes: their key expressions and predicates
// are stored as SQL text (catalog.Index.Exprs, Pred), compiled here over
// the table's row for the writers (exec.IndexEval) and checked here when
// the index is created, as PostgreSQL's DefineIndex checks them.

// IndexEvals compiles t's expression and partial indexes.
func (p *Planner) IndexEvals(t *catalog.Table) (map[uint32]*exec.IndexEval, error) {
	var out map[uint32]*exec.IndexEval
	for _, ix := range t.Indexes {
		if ix.Plain() {
			continue
		}
		ie := &exec.IndexEval{Exprs: make([]exec.Expr, len(ix.Columns)), Names: make([]string, len(ix.Columns))}
		for i := range ix.Columns {
			text := ix.Expr(i)
			if text == "" {
				continue
			}
			n, err := p.Host.ParseExpr(text)
			if err != nil {
				return nil, err
			}
			if ie.Exprs[i], err = p.CompileIndexExpr(t, n); err != nil {
				return nil, err
			}
			ie.Names[i] = IndexElemDef(n, true)
		}
		if ix.Pred != "" {
			n, err := p.Host.ParseExpr(ix.Pred)
			if err != nil {
				return nil, err
			}
			if ie.Pred, err = p.CompileIndexPred(t, n); err != nil {
				return nil, err
			}
		}
		if out == nil {
			out = map[uint32]*exec.IndexEval{}
		}
		out[ix.OID] = ie
	}
	return out, nil
}

// CompileIndexExpr compiles an index key expression over t's row,
// refusing what PostgreSQL refuses in one.
func (p *Planner) CompileIndexExpr(t *catalog.Table, n *pg_query.Node) (exec.Expr, error) {
	if hasSubLink(n) {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "cannot use subquery in index expression")
	}
	saved := p.where
	p.where = "index expressions"
	defer func() { p.where = saved }()
	e, err := p.CompileExpr(n, TableScope(t, nil, nil))
	if err != nil {
		return nil, err
	}
	if !isImmutable(e) {
		return nil, pgerror.New(codeInvalidObjectDefinition, "functions in index expression must be marked IMMUTABLE")
	}
	if e.Type().OID == types.UnknownOID {
		return p.Coerce(e, exec.TextT, types.CastImplicit)
	}
	return e, nil
}

// CompileIndexPred compiles a partial index's predicate over t's row.
func (p *Planner) CompileIndexPred(t *catalog.Table, n *pg_query.Node) (exec.Expr, error) {
	if hasSubLink(n) {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "cannot use subquery in index predicate")
	}
	saved := p.where
	p.where = "index predicates"
	defer func() { p.where = saved }()
	e, err := p.CompileExpr(n, TableScope(t, nil, nil))
	if err != nil {
		return nil, err
	}
	b, err := p.Coerce(e, exec.BoolT, types.CastImplicit)
	if err != nil {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "argument of WHERE must be type boolean, not type %s", types.FormatType(e.Type()))
	}
	if !isImmutable(b) {
		return nil, pgerror.New(codeInvalidObjectDefinition, "functions in index predicate must be marked IMMUTABLE")
	}
	return b, nil
}

const codeInvalidObjectDefinition = "42P17"

func hasSubLink(n *pg_query.Node) bool {
	found := false
	WalkNodes(n, func(x *pg_query.Node) bool {
		found = found || x.GetSubLink() != nil
		return !found
	})
	return found
}

// stableFuncs are the functions logdb has that PostgreSQL marks STABLE
// (their result depends on the session or the transaction), which an
// index may not use; volatile ones are refused by their flag.
var stableFuncs = map[string]bool{
	"now": true, "current_timestamp": true, "current_date": true, "current_time": true,
	"localtime": true, "localtimestamp": true, "statement_timestamp": true,
	"transaction_timestamp": true, "clock_timestamp": true, "timeofday": true,
	"current_setting": true, "current_user": true, "session_user": true, "user": true,
	"current_role": true, "current_schema": true, "current_schemas": true,
	"current_database": true, "current_catalog": true, "pg_backend_pid": true,
	"to_date": true, "txid_current": true, "nextval": true, "currval": true,
	"setval": true, "lastval": true, "random": true, "gen_random_uuid": true,
	"format": true, "concat": true, "concat_ws": true, "to_json": true, "to_jsonb": true,
	"row_to_json": true, "json_build_object": true, "jsonb_build_object": true,
}

// zonedFuncs are STABLE only over a timestamptz argument (or, for age and
// to_timestamp, in their one-argument and text forms).
var zonedFuncs = map[string]bool{"to_char": true, "date_trunc": true, "date_part": true,
	"extract": true, "timezone": true, "age": true, "to_timestamp": true, "date_bin": true}

func zonedCall(name string, args []exec.Expr) bool {
	name = strings.ToLower(name)
	if !zonedFuncs[name] {
		return false
	}
	switch {
	case name == "age" && len(args) == 1:
		return true
	case name == "to_timestamp" && len(args) == 2:
		return true
	}
	for _, a := range args {
		if a.Type().OID == types.TimestamptzOID {
			return true
		}
	}
	return false
}

// isImmutable reports whether e calls only immutable functions and casts
// (a cast to or from timestamptz, or from a date/time type to text, reads
// the session's zone or style).
func isImmutable(e exec.Expr) bool {
	ok := true
	zoned := func(t types.T) bool {
		switch t.OID {
		case types.TimestamptzOID, types.DateOID, types.TimestampOID, types.IntervalOID, types.TimeOID:
			return true
		}
		return false
	}
	exec.WalkExpr(e, func(x exec.Expr) {
		switch f := x.(type) {
		case *exec.FuncExpr:
			ok = ok && !f.Fn.Volatile && !stableFuncs[strings.ToLower(f.Fn.Name)] && !zonedCall(f.Fn.Name, f.Args)
		case *exec.VariadicExpr:
			ok = ok && !f.Fn.Volatile && !stableFuncs[strings.ToLower(f.Fn.Name)]
		case *exec.BuiltinExpr:
			ok = ok && !volatileBuiltins[f.Name] && !stableFuncs[strings.ToLower(f.Name)] && !zonedCall(f.Name, f.Args)
		case *exec.CastExpr:
			if f.From.OID != f.To.OID && (f.From.OID == types.TimestamptzOID || f.To.OID == types.TimestamptzOID ||
				zoned(f.From) && (f.To.OID == types.TextOID || f.To.OID == types.VarcharOID) ||
				zoned(f.To) && (f.From.OID == types.TextOID || f.From.OID == types.VarcharOID || f.From.OID == types.UnknownOID)) {
				ok = false
			}
		}
	})
	return ok
}

// IndexExprText is the SQL text an index key expression is stored as: n
// with PostgreSQL's implicit casts of column arguments spelled out, so
// that it prints as pg_get_indexdef does (lower(email::text) for a
// varchar column).
func (p *Planner) IndexExprText(t *catalog.Table, n *pg_query.Node) (string, error) {
	n = p.QualifiedTypeNames(n) // a copy (storedtypes.go)
	sc := TableScope(t, nil, nil)
	WalkNodes(n, func(x *pg_query.Node) bool {
		fc := x.GetFuncCall()
		if fc == nil {
			return true
		}
		e, err := p.CompileExpr(x, sc)
		if err != nil {
			return true
		}
		fe, ok := e.(*exec.FuncExpr)
		if !ok {
			return true
		}
		for i, a := range fc.Args {
			if a.GetColumnRef() == nil || i >= len(fe.Args) {
				continue
			}
			var to types.T
			switch c := fe.Args[i].(type) {
			case *exec.CastExpr:
				to = c.To
			case *exec.RelabelExpr:
				to = c.T
			default:
				continue
			}
			if tn := typeNameOf(types.FormatType(to)); tn != nil {
				fc.Args[i] = &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: a, TypeName: tn}}}
			}
		}
		return true
	})
	return exec.DeparseExpr(n)
}

// typeNameOf parses a type's name into a TypeName node.
func typeNameOf(name string) *pg_query.TypeName {
	r, err := pg_query.Parse("SELECT NULL::" + name)
	if err != nil || len(r.Stmts) != 1 {
		return nil
	}
	sel := r.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || len(sel.TargetList) != 1 {
		return nil
	}
	return sel.TargetList[0].GetResTarget().Val.GetTypeCast().GetTypeName()
}

// IndexElemDef is an expression key element as pg_get_indexdef prints it:
// a function call as it is, anything else in parentheses; pretty output
// leaves out the parentheses PostgreSQL's plain output puts around every
// operator.
func IndexElemDef(n *pg_query.Node, pretty bool) string {
	text := exprText(n, pretty)
	if looksLikeFunction(n) {
		return text
	}
	return "(" + text + ")"
}

// IndexPredDef is a partial index's predicate as pg_get_indexdef prints
// it after WHERE.
func IndexPredDef(n *pg_query.Node, pretty bool) string { return exprText(n, pretty) }

func looksLikeFunction(n *pg_query.Node) bool {
	switch {
	case n.GetFuncCall() != nil, n.GetCoalesceExpr() != nil, n.GetMinMaxExpr() != nil, n.GetSqlvalueFunction() != nil:
		return true
	case n.GetAExpr() != nil:
		return n.GetAExpr().Kind == pg_query.A_Expr_Kind_AEXPR_NULLIF
	}
	return false
}

// exprText prints an expression; unless pretty, every operator, boolean
// connective and test is parenthesized, as PostgreSQL's ruleutils does.
func exprText(n *pg_query.Node, pretty bool) string {
	if pretty {
		return deparseOr(n)
	}
	switch {
	case n.GetAExpr() != nil && n.GetAExpr().Kind == pg_query.A_Expr_Kind_AEXPR_OP && len(n.GetAExpr().Name) == 1:
		a := n.GetAExpr()
		op := a.Name[0].GetString_().GetSval()
		if a.Lexpr == nil {
			return "(" + op + " " + exprText(a.Rexpr, false) + ")"
		}
		return "(" + exprText(a.Lexpr, false) + " " + op + " " + exprText(a.Rexpr, false) + ")"
	case n.GetBoolExpr() != nil:
		b := n.GetBoolExpr()
		parts := make([]string, len(b.Args))
		for i, x := range b.Args {
			parts[i] = exprText(x, false)
		}
		switch b.Boolop {
		case pg_query.BoolExprType_AND_EXPR:
			return "(" + strings.Join(parts, " AND ") + ")"
		case pg_query.BoolExprType_OR_EXPR:
			return "(" + strings.Join(parts, " OR ") + ")"
		default:
			return "(NOT " + parts[0] + ")"
		}
	case n.GetNullTest() != nil:
		t := n.GetNullTest()
		if t.Nulltesttype == pg_query.NullTestType_IS_NULL {
			return "(" + exprText(t.Arg, false) + " IS NULL)"
		}
		return "(" + exprText(t.Arg, false) + " IS NOT NULL)"
	case n.GetTypeCast() != nil && n.GetTypeCast().Arg.GetColumnRef() != nil:
		// PostgreSQL parenthesizes a column it casts: (email)::text
		s, col := deparseOr(n), deparseOr(n.GetTypeCast().Arg)
		if strings.HasPrefix(s, col+"::") {
			return "(" + col + ")" + s[len(col):]
		}
		return s
	case n.GetFuncCall() != nil && !n.GetFuncCall().AggStar && n.GetFuncCall().Over == nil && len(n.GetFuncCall().AggOrder) == 0:
		f := n.GetFuncCall()
		args := make([]string, len(f.Args))
		for i, x := range f.Args {
			args[i] = exprText(x, false)
		}
		return strings.Join(NodeStrings(f.Funcname), ".") + "(" + strings.Join(args, ", ") + ")"
	}
	return deparseOr(n)
}

func deparseOr(n *pg_query.Node) string {
	s, err := exec.DeparseExpr(n)
	if err != nil {
		return "?"
	}
	return s
}
