package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
)

// An aggregate belongs to the query level of the columns it reads, as in
// PostgreSQL (the lowest level among its arguments', FILTER's and ORDER
// BY's column references; its own level when it reads none): in
//
//	SELECT (SELECT count(*) FILTER (WHERE o.c <> 0) FROM u) FROM o
//
// the count is the outer query's aggregate — the outer query aggregates,
// and the sub-query sees its value as a constant. The outer query finds
// such aggregates in the sub-queries of its select list, HAVING and ORDER
// BY (outerLevelAggs) and computes them with its own; the sub-query
// leaves them out of its own aggregation and reads the outer slot
// (outerAggRef).

// aggLevel is the number of query levels above sc's that aggregate call
// n belongs to: 0 for sc's own query (also when it reads no column), d
// for the query whose scope is d parents up.
func aggLevel(n *pg_query.Node, sc *Scope) int {
	fc := n.GetFuncCall()
	if fc == nil {
		return 0
	}
	var parts []*pg_query.Node
	parts = append(parts, fc.Args...)
	parts = append(parts, fc.AggOrder...)
	if fc.AggFilter != nil {
		parts = append(parts, fc.AggFilter)
	}
	level := -1
	for _, part := range parts {
		WalkNodes(part, func(x *pg_query.Node) bool {
			if x.GetSubLink() != nil {
				return false
			}
			cr := x.GetColumnRef()
			if cr == nil {
				return true
			}
			f := NodeStrings(cr.Fields)
			table, name := "", ""
			switch len(f) {
			case 1:
				name = f[0]
			case 2:
				table, name = f[0], f[1]
			default:
				level = 0 // a row's fields or a qualified name: keep it here
				return false
			}
			if name == "*" && table == "" {
				level = 0
				return false
			}
			found := func(s *Scope) bool {
				if name == "*" { // t.*
					return s.hasTable(table)
				}
				i, _ := s.lookup(table, name)
				return i >= 0
			}
			d := 0
			for s := sc; s != nil; s = s.parent {
				if found(s) || s.agg != nil && s.agg.from != nil && found(s.agg.from) {
					break
				}
				d++
				if s.parent == nil {
					d = 0 // unresolved: compiling it here reports it
				}
			}
			if level < 0 || d < level {
				level = d
			}
			return false
		})
	}
	if level < 0 {
		return 0
	}
	return level
}

// localAggs keeps the aggregates that belong to sc's query.
func localAggs(aggs []*pg_query.Node, sc *Scope) []*pg_query.Node {
	out := aggs[:0:0]
	for _, a := range aggs {
		if aggLevel(a, sc) == 0 {
			out = append(out, a)
		}
	}
	return out
}

// outerLevelAggs returns the aggregates in the sub-queries of sel's
// select list, HAVING and ORDER BY (at any depth) that belong to sel's
// query (whose FROM scope is sc).
func (p *Planner) outerLevelAggs(sel *pg_query.SelectStmt, sc *Scope) []*pg_query.Node {
	var out []*pg_query.Node
	var walk func(clauses []*pg_query.Node, sc *Scope, depth int)
	walk = func(clauses []*pg_query.Node, sc *Scope, depth int) {
		if depth > 8 {
			return
		}
		var subs []*pg_query.SelectStmt
		for _, n := range clauses {
			WalkNodes(n, func(x *pg_query.Node) bool {
				if sl := x.GetSubLink(); sl != nil {
					if s := sl.Subselect.GetSelectStmt(); s != nil {
						subs = append(subs, s)
					}
				}
				return true
			})
		}
		for _, sub := range subs {
			if sub.Op != pg_query.SetOperation_SETOP_NONE || sub.WithClause != nil {
				continue
			}
			clauses := subClauses(sub)
			var aggs []*pg_query.Node
			for _, c := range clauses {
				aggs = collectAggregates(c, aggs)
			}
			if len(aggs) == 0 && !anySubLink(clauses) {
				continue
			}
			subSc := &Scope{parent: sc}
			if len(sub.FromClause) > 0 {
				saved, savedDeps := p.correlated, len(p.Deps)
				_, fsc, err := p.planFrom(sub.FromClause, nil, sc)
				p.correlated, p.Deps = saved, p.Deps[:savedDeps]
				if err != nil {
					continue // planning the sub-query reports it
				}
				subSc = fsc
			}
			for _, a := range aggs {
				if aggLevel(a, subSc) == depth {
					out = append(out, a)
				}
			}
			walk(clauses, subSc, depth+1)
		}
	}
	var clauses []*pg_query.Node
	for _, t := range sel.TargetList {
		clauses = append(clauses, t.GetResTarget().Val)
	}
	clauses = append(clauses, sel.HavingClause)
	for _, s := range sel.SortClause {
		clauses = append(clauses, s.GetSortBy().Node)
	}
	walk(clauses, sc, 1)
	return out
}

// subClauses are the expressions of a sub-query where an outer query's
// aggregate may appear: its select list, WHERE, HAVING and ORDER BY.
func subClauses(sub *pg_query.SelectStmt) []*pg_query.Node {
	var out []*pg_query.Node
	for _, t := range sub.TargetList {
		out = append(out, t.GetResTarget().Val)
	}
	out = append(out, sub.WhereClause, sub.HavingClause)
	for _, s := range sub.SortClause {
		out = append(out, s.GetSortBy().Node)
	}
	return out
}

func anySubLink(clauses []*pg_query.Node) bool {
	found := false
	for _, n := range clauses {
		WalkNodes(n, func(x *pg_query.Node) bool {
			if x.GetSubLink() != nil {
				found = true
			}
			return !found
		})
	}
	return found
}

// outerAggRef resolves an aggregate call that belongs to an outer query
// to that query's output slot, as an outer reference; ok is false when n
// is no such aggregate.
func (p *Planner) outerAggRef(n *pg_query.Node, sc *Scope) (exec.Expr, bool) {
	fc := n.GetFuncCall()
	if fc == nil || fc.Over != nil || !(isAggregate(funcName(fc.Funcname)) || fc.AggWithinGroup) {
		return nil, false
	}
	d := aggLevel(n, sc)
	if d == 0 {
		return nil, false
	}
	s := sc
	for i := 0; i < d && s != nil; i++ {
		s = s.parent
	}
	if s == nil || s.agg == nil {
		return nil, false
	}
	i, ok := s.agg.slots[exprKey(n)]
	if !ok {
		return nil, false
	}
	p.correlated = true
	return &exec.OuterExpr{Depth: d, Idx: i, T: s.agg.cols[i].T}, true
}
