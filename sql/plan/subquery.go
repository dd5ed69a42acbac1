package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

func (p *Planner) compileSubLink(sl *pg_query.SubLink, sc *Scope) (exec.Expr, error) {
	saved := p.correlated
	p.correlated = false
	plan, err := p.PlanQuery(sl.Subselect, sc)
	correlated := p.correlated
	p.correlated = saved || correlated
	if err != nil {
		return nil, err
	}
	cols := VisibleCols(plan)
	e := &exec.SubqueryExpr{Plan: plan, Correlated: correlated}
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		if correlated {
			if h := p.hashedExists(sl.Subselect.GetSelectStmt(), sc); h != nil {
				p.correlated = saved || p.correlated
				return h, nil // exists_hash.go
			}
		}
		e.Kind, e.T = exec.SubExists, exec.BoolT
		return e, nil
	case pg_query.SubLinkType_EXPR_SUBLINK:
		if len(cols) != 1 {
			return nil, pgerror.New(pgerror.SyntaxError, "subquery must return only one column")
		}
		e.Kind, e.T = exec.SubScalar, cols[0].T
		return e, nil
	case pg_query.SubLinkType_ARRAY_SUBLINK:
		if len(cols) != 1 {
			return nil, pgerror.New(pgerror.SyntaxError, "subquery must return only one column")
		}
		at, ok := types.ArrayOf(cols[0].T)
		if _, isArr := types.ElemOf(cols[0].T); isArr && cols[0].T.OID != types.Int2VectorOID && cols[0].T.OID != types.OidVectorOID {
			at, ok = cols[0].T, true // ARRAY(SELECT an array): one dimension more
		}
		if !ok {
			return nil, pgerror.New(pgerror.UndefinedObject, "could not find array type for data type %s", types.FormatType(cols[0].T))
		}
		e.Kind, e.T = exec.SubArray, at
		return e, nil
	case pg_query.SubLinkType_ANY_SUBLINK, pg_query.SubLinkType_ALL_SUBLINK:
		if l := rowArgs(sl.Testexpr); l != nil {
			name := "="
			if len(sl.OperName) > 0 {
				name = LastName(sl.OperName)
			}
			return p.compileRowSubLink(sl, l, e, name, sc) // rows.go
		}
		if len(cols) != 1 {
			return nil, pgerror.Unsupported("row comparison with a subquery")
		}
		name := "="
		if len(sl.OperName) > 0 {
			name = LastName(sl.OperName)
		}
		test, err := p.CompileExpr(sl.Testexpr, sc)
		if err != nil {
			return nil, err
		}
		if isUnknown(test) {
			if test, err = p.Coerce(test, cols[0].T, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		op, err := exec.LookupBinaryOp(name, test.Type(), cols[0].T)
		if err != nil {
			return nil, err
		}
		if test, err = p.Coerce(test, op.Left, types.CastImplicit); err != nil {
			return nil, err
		}
		if op.Right != cols[0].T && !exec.CanCast(cols[0].T, op.Right, types.CastImplicit) {
			return nil, pgerror.New(pgerror.DatatypeMismatch, "operator does not exist: %s %s %s", types.FormatType(test.Type()), name, types.FormatType(cols[0].T))
		}
		if op.Right != cols[0].T {
			plan = &exec.ProjectNode{Src: plan, Exprs: []exec.Expr{&exec.CastExpr{E: &exec.ColExpr{Idx: 0, T: cols[0].T}, From: cols[0].T, To: op.Right, Cc: types.CastImplicit}}, Cols: []exec.Column{{Name: cols[0].Name, T: op.Right}}}
			e.Plan = plan
		}
		e.Test, e.Op, e.T = test, op, exec.BoolT
		e.Kind = exec.SubAny
		if sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK {
			e.Kind = exec.SubAll
		}
		if e.Kind == exec.SubAny && correlated && name == "=" && exec.KeyCompatible(op.Left, op.Right) {
			if h := p.hashedIn(sl.Subselect.GetSelectStmt(), sc, test, op); h != nil {
				p.correlated = saved || p.correlated || testCorrelated(test)
				return h, nil // exists_hash.go
			}
		}
		return e, nil
	}
	return nil, pgerror.Unsupported("subquery kind " + sl.SubLinkType.String())
}

func VisibleCols(n exec.Node) []exec.Column {
	var out []exec.Column
	for _, c := range n.Columns() {
		if !c.Hidden || c.Name != "?sort?" && c.Name != "?distinct?" {
			out = append(out, c)
		}
	}
	return out
}

// planRecursive plans WITH RECURSIVE name AS (init UNION [ALL] recursive).
func (p *Planner) planRecursive(def *exec.CTE, q *pg_query.SelectStmt, cte *pg_query.CommonTableExpr, parent *Scope, m map[string]*exec.CTE) (exec.Node, error) {
	if q.Op != pg_query.SetOperation_SETOP_UNION {
		return nil, pgerror.Unsupported("recursive query with " + q.Op.String())
	}
	if err := checkRecursiveTerm(q.Rarg, cte.Ctename); err != nil {
		return nil, err
	}
	init, err := p.PlanSelect(q.Larg, parent)
	if err != nil {
		return nil, err
	}
	cols := append([]exec.Column(nil), init.Columns()...)
	if len(cte.Aliascolnames) > len(cols) {
		return nil, cteColumnCountErr(cte, len(cols))
	}
	for i := range cols {
		if cols[i].T.OID == types.UnknownOID {
			cols[i].T = exec.TextT
		}
		if i < len(cte.Aliascolnames) {
			cols[i].Name = cte.Aliascolnames[i].GetString_().Sval
		}
		cols[i].Table = cte.Ctename
	}
	// fix casts a term's first len(cols) columns to the query's types,
	// passing any further (SEARCH/CYCLE) columns through.
	fix := func(n exec.Node, nc []exec.Column, out []exec.Column) (exec.Node, error) {
		need := false
		exprs := make([]exec.Expr, len(nc))
		for i := range nc {
			if i >= len(cols) {
				exprs[i] = &exec.ColExpr{Idx: i, T: nc[i].T}
				continue
			}
			var err error
			if exprs[i], err = p.coerceCol(&exec.ColExpr{Idx: i, T: nc[i].T}, nc[i].T, cols[i].T); err != nil {
				return nil, err
			}
			if nc[i].T != cols[i].T {
				need = true
			}
		}
		if !need {
			return n, nil
		}
		return &exec.ProjectNode{Src: n, Exprs: exprs, Cols: out}, nil
	}
	if init, err = fix(init, init.Columns(), cols); err != nil {
		return nil, err
	}
	rarg, all := q.Rarg, cols
	var sc *searchCycle
	if cte.SearchClause != nil || cte.CycleClause != nil {
		if err := checkSearchCycle(q, cte, cols); err != nil {
			return nil, err
		}
		if sc, err = p.prepareSearchCycle(cte, cols, parent); err != nil {
			return nil, err
		}
		if rarg, err = sc.recursiveTerm(q.Rarg, cte.Ctename); err != nil {
			return nil, err
		}
		all = append(append([]exec.Column(nil), cols...), sc.extra...)
		exprs := make([]exec.Expr, 0, len(all))
		for i := range cols {
			exprs = append(exprs, &exec.ColExpr{Idx: i, T: cols[i].T})
		}
		init = &exec.ProjectNode{Src: init, Exprs: append(exprs, sc.initExprs...), Cols: all}
	}
	work := &exec.CTE{Name: cte.Ctename, Cols: all, Recursive: true}
	m[cte.Ctename] = work
	rec, err := p.PlanSelect(rarg, parent)
	delete(m, cte.Ctename)
	if err != nil {
		return nil, err
	}
	rc := rec.Columns()
	if len(rc) != len(all) {
		return nil, pgerror.New(pgerror.SyntaxError, "each UNION query must have the same number of columns")
	}
	if rec, err = fix(rec, rc, all); err != nil {
		return nil, err
	}
	if sc != nil {
		next, err := p.recursiveExprs(sc, cols, parent)
		if err != nil {
			return nil, err
		}
		exprs := make([]exec.Expr, 0, len(all))
		for i := range cols {
			exprs = append(exprs, &exec.ColExpr{Idx: i, T: cols[i].T})
		}
		rec = &exec.ProjectNode{Src: rec, Exprs: append(exprs, next...), Cols: all}
	}
	return &exec.RecursiveNode{Init: init, Rec: rec, Work: work, All: q.All, Cols: all}, nil
}

// testCorrelated reports whether an expression reads an outer query.
func testCorrelated(e exec.Expr) bool {
	found := false
	exec.WalkExpr(e, func(x exec.Expr) {
		if _, ok := x.(*exec.OuterExpr); ok {
			found = true
		}
	})
	return found
}
