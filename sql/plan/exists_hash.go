package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"logdb/sql/exec"
	"logdb/sql/types"
)

// hashedExists decorrelates EXISTS (SELECT … FROM f WHERE i = o AND …)
// whose only references to the enclosing query are equalities between
// an expression of its own columns (i) and one of the enclosing query's
// (o): the sub-query without them, selecting the i's, runs once and is
// hashed, and each outer row looks its o's up — PostgreSQL's hashed
// semi- and anti-join for the same query. Without it each outer row
// runs the sub-query again (10,000 × 10,000 rows: minutes instead of a
// fraction of a second). It returns nil when the sub-query has another
// shape; the caller then keeps the correlated plan.
//
// On success p.correlated says whether the outer keys read a query above
// sc's.
func (p *Planner) hashedExists(sub *pg_query.SelectStmt, sc *Scope) exec.Expr {
	plan, outer, ops := p.decorrelate(sub, sc, false)
	if plan == nil {
		return nil
	}
	return &exec.SubqueryExpr{Plan: plan, Kind: exec.SubExistsHashed, T: exec.BoolT, Tests: outer, Ops: ops}
}

// hashedIn decorrelates x = ANY (SELECT e FROM … WHERE i = o AND …) the
// same way: the rows (e, i…) are hashed once, grouped by i, and each
// outer row looks up its o's group, then x in it — with IN's NULLs
// (exists_hash.go in exec). op compares x with e.
func (p *Planner) hashedIn(sub *pg_query.SelectStmt, sc *Scope, test exec.Expr, op *types.Op) exec.Expr {
	plan, outer, ops := p.decorrelate(sub, sc, true)
	if plan == nil || plan.Columns()[0].T != op.Right {
		return nil
	}
	return &exec.SubqueryExpr{Plan: plan, Kind: exec.SubInHashed, T: exec.BoolT, Test: test, Op: op, Tests: outer, Ops: ops}
}

// decorrelate splits sub's WHERE into its equalities with the enclosing
// query (scope sc) and the rest, and plans sub without them, selecting
// the equalities' inner sides — after sub's own select-list expression
// when withTarget (which must read no outer column). It returns nil when
// sub has another shape.
func (p *Planner) decorrelate(sub *pg_query.SelectStmt, sc *Scope, withTarget bool) (exec.Node, []exec.Expr, []*types.Op) {
	if sub == nil || sub.Op != pg_query.SetOperation_SETOP_NONE || sub.WithClause != nil ||
		len(sub.FromClause) == 0 || len(sub.GroupClause) > 0 || sub.HavingClause != nil ||
		sub.LimitCount != nil || sub.LimitOffset != nil || len(sub.LockingClause) > 0 ||
		len(sub.ValuesLists) > 0 || len(sub.WindowClause) > 0 || sub.WhereClause == nil || sub.IntoClause != nil ||
		withTarget && len(sub.TargetList) != 1 {
		return nil, nil, nil
	}
	for _, t := range sub.TargetList {
		v := t.GetResTarget().Val
		if len(collectAggregates(v, nil)) > 0 || hasSRFOrSubLink(v) {
			return nil, nil, nil // an aggregate makes one row; a set-returning function may make none
		}
	}
	saved, savedDeps, savedParams := p.correlated, len(p.Deps), p.MaxParam
	fail := func() (exec.Node, []exec.Expr, []*types.Op) {
		p.Deps, p.MaxParam, p.correlated = p.Deps[:savedDeps], savedParams, saved
		return nil, nil, nil
	}
	p.correlated = false
	_, subSc, err := p.planFrom(sub.FromClause, nil, sc)
	if err != nil || p.correlated {
		return fail()
	}
	// refs classifies what a compiled expression reads: the sub-query's
	// own columns, the enclosing query's (one level up), or anything else.
	refs := func(n *pg_query.Node) (local, outer, other bool) {
		p.correlated = false
		e, err := p.CompileExpr(n, subSc)
		if err != nil {
			return false, false, true
		}
		exec.WalkExpr(e, func(x exec.Expr) {
			switch x := x.(type) {
			case *exec.ColExpr:
				local = true
			case *exec.OuterExpr:
				if x.Depth == 1 {
					outer = true
				} else {
					other = true
				}
			case *exec.SubqueryExpr:
				other = true
			}
		})
		return local, outer, other
	}
	var keep, inner, outerKeys, prefix []*pg_query.Node
	if withTarget {
		v := sub.TargetList[0].GetResTarget().Val
		if cr := v.GetColumnRef(); cr != nil && LastName(cr.Fields) == "*" {
			return fail()
		}
		if _, o, x := refs(v); o || x {
			return fail()
		}
		prefix = append(prefix, v)
	}
	for _, c := range splitAnd(sub.WhereClause, nil) {
		if hasSRFOrSubLink(c) {
			return fail()
		}
		_, o, x := refs(c)
		if x {
			return fail()
		}
		if !o {
			keep = append(keep, c)
			continue
		}
		ae := c.GetAExpr()
		if ae == nil || ae.Kind != pg_query.A_Expr_Kind_AEXPR_OP || len(ae.Name) != 1 || LastName(ae.Name) != "=" {
			return fail()
		}
		ll, lo, lx := refs(ae.Lexpr)
		rl, ro, rx := refs(ae.Rexpr)
		switch {
		case lx || rx:
			return fail()
		case ll && !lo && ro && !rl:
			inner, outerKeys = append(inner, ae.Lexpr), append(outerKeys, ae.Rexpr)
		case rl && !ro && lo && !ll:
			inner, outerKeys = append(inner, ae.Rexpr), append(outerKeys, ae.Lexpr)
		default:
			return fail()
		}
	}
	if len(inner) == 0 {
		return fail()
	}
	q := proto.Clone(sub).(*pg_query.SelectStmt)
	q.TargetList, q.DistinctClause, q.SortClause = nil, nil, nil
	for _, n := range append(prefix, inner...) {
		q.TargetList = append(q.TargetList, &pg_query.Node{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: n}}})
	}
	q.WhereClause = nil
	if len(keep) == 1 {
		q.WhereClause = keep[0]
	} else if len(keep) > 1 {
		q.WhereClause = &pg_query.Node{Node: &pg_query.Node_BoolExpr{BoolExpr: &pg_query.BoolExpr{
			Boolop: pg_query.BoolExprType_AND_EXPR, Args: keep, Location: -1}}}
	}
	p.correlated = false
	plan, err := p.PlanSelect(q, sc)
	if err != nil || p.correlated {
		return fail()
	}
	cols := plan.Columns()[len(prefix):]
	p.correlated = false
	var outs []exec.Expr
	var ops []*types.Op
	for i, n := range outerKeys {
		o, err := p.CompileExpr(n, sc)
		if err != nil {
			return fail()
		}
		if o, err = p.ResolveUnknown(o); err != nil {
			return fail()
		}
		it := cols[i].T
		op, err := exec.LookupBinaryOp("=", o.Type(), it)
		if err != nil || op.Left != o.Type() || op.Right != it || !exec.KeyCompatible(op.Left, op.Right) {
			return fail()
		}
		outs, ops = append(outs, o), append(ops, op)
	}
	return plan, outs, ops
}

// hasSRFOrSubLink reports a set-returning function call or a sub-query
// anywhere in n.
func hasSRFOrSubLink(n *pg_query.Node) bool {
	found := false
	WalkNodes(n, func(x *pg_query.Node) bool {
		if x.GetSubLink() != nil {
			found = true
		}
		if fc := x.GetFuncCall(); fc != nil && exec.SRFNames[funcName(fc.Funcname)] {
			found = true
		}
		return !found
	})
	return found
}
