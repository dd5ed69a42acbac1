package plan

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// WITH RECURSIVE … SEARCH and CYCLE, planned as PostgreSQL's
// rewriteSearchAndCycle rewrites them: the working table carries extra
// columns, the recursive term passes its source row's values of them
// through (a column added to its select list, read from the recursive
// reference), and a projection over each term computes the new values:
//
//   - SEARCH DEPTH FIRST BY c SET s: s = ARRAY[ROW(c)], then s || ROW(c);
//   - SEARCH BREADTH FIRST BY c SET s: s = ROW(depth, c), the depth
//     starting at 0 (kept in a hidden column as well, so the next level
//     can add one);
//   - CYCLE c SET m [TO v DEFAULT d] USING p: m = d and p = ARRAY[ROW(c)],
//     then m = v when ROW(c) is already in the source row's p, p || ROW(c);
//     the recursive term reads only source rows whose m <> v.
//
// The added columns come after the query's own, in that order (s, m, p).

// searchCycle is one CTE's SEARCH and CYCLE clauses, prepared.
type searchCycle struct {
	search *pg_query.CTESearchClause
	cycle  *pg_query.CTECycleClause
	// extra are the added columns, in order; the hidden depth is last.
	extra []exec.Column
	// initExprs compute them for the non-recursive term, over its columns.
	initExprs []exec.Expr
}

const depthCol = "?depth?"

// oldName names, in the recursive term's projection, the source row's
// value of an added column.
func oldName(name string) string { return "?old?" + name }

// checkSearchCycle makes PostgreSQL's checks of the clauses against the
// query's shape and its column names.
func checkSearchCycle(q *pg_query.SelectStmt, cte *pg_query.CommonTableExpr, cols []exec.Column) error {
	if q.Larg.Op != pg_query.SetOperation_SETOP_NONE {
		return pgerror.New(pgerror.FeatureNotSupported, "with a SEARCH or CYCLE clause, the left side of the UNION must be a SELECT")
	}
	if q.Rarg.Op != pg_query.SetOperation_SETOP_NONE || len(q.Rarg.ValuesLists) > 0 {
		return pgerror.New(pgerror.SyntaxError, "with a SEARCH or CYCLE clause, the right side of the UNION must be a SELECT")
	}
	has := func(name string) bool {
		for _, c := range cols {
			if c.Name == name {
				return true
			}
		}
		return false
	}
	checkList := func(list []*pg_query.Node, what string) error {
		seen := map[string]bool{}
		for _, n := range list {
			name := n.GetString_().GetSval()
			if !has(name) {
				return pgerror.New(pgerror.SyntaxError, "%s column \"%s\" not in WITH query column list", what, name)
			}
			if seen[name] {
				return pgerror.New(pgerror.DuplicateColumn, "%s column \"%s\" specified more than once", what, name)
			}
			seen[name] = true
		}
		return nil
	}
	if s := cte.SearchClause; s != nil {
		if err := checkList(s.SearchColList, "search"); err != nil {
			return err
		}
	}
	if c := cte.CycleClause; c != nil {
		if err := checkList(c.CycleColList, "cycle"); err != nil {
			return err
		}
		if c.CycleMarkColumn == c.CyclePathColumn {
			return pgerror.New(pgerror.SyntaxError, "cycle mark column name and cycle path column name are the same")
		}
		if s := cte.SearchClause; s != nil {
			if s.SearchSeqColumn == c.CycleMarkColumn {
				return pgerror.New(pgerror.SyntaxError, "search sequence column name and cycle mark column name are the same")
			}
			if s.SearchSeqColumn == c.CyclePathColumn {
				return pgerror.New(pgerror.SyntaxError, "search sequence column name and cycle path column name are the same")
			}
		}
	}
	return nil
}

// sqlExpr parses one expression written as SQL text.
func sqlExpr(text string) (*pg_query.Node, error) {
	r, err := pg_query.Parse("SELECT " + text)
	if err != nil || len(r.Stmts) != 1 {
		return nil, pgerror.New(pgerror.Internal, "BUG: cannot parse %q", text)
	}
	return r.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val, nil
}

// rowOf is "ROW(a, b)" over the listed column names.
func rowOf(list []*pg_query.Node, prefix string) string {
	var parts []string
	for _, n := range list {
		parts = append(parts, pgcatalog.QuoteIdent(n.GetString_().GetSval()))
	}
	return "ROW(" + prefix + strings.Join(parts, ", ") + ")"
}

// prepareSearchCycle compiles the added columns' values for the
// non-recursive term, whose columns are cols.
func (p *Planner) prepareSearchCycle(cte *pg_query.CommonTableExpr, cols []exec.Column, parent *Scope) (*searchCycle, error) {
	sc := &searchCycle{search: cte.SearchClause, cycle: cte.CycleClause}
	scope := &Scope{cols: cols, parent: parent}
	add := func(name, text string, hidden bool) error {
		n, err := sqlExpr(text)
		if err != nil {
			return err
		}
		e, err := p.CompileExpr(n, scope)
		if err != nil {
			return err
		}
		sc.extra = append(sc.extra, exec.Column{Name: name, Table: cte.Ctename, T: e.Type(), Hidden: hidden})
		sc.initExprs = append(sc.initExprs, e)
		return nil
	}
	if s := sc.search; s != nil {
		text := "ARRAY[" + rowOf(s.SearchColList, "") + "]"
		if s.SearchBreadthFirst {
			text = rowOf(s.SearchColList, "0::int8, ")
		}
		if err := add(s.SearchSeqColumn, text, false); err != nil {
			return nil, err
		}
	}
	if c := sc.cycle; c != nil {
		_, def, err := p.cycleMarkValues(c, scope)
		if err != nil {
			return nil, err
		}
		sc.extra = append(sc.extra, exec.Column{Name: c.CycleMarkColumn, Table: cte.Ctename, T: def.Type()})
		sc.initExprs = append(sc.initExprs, def)
		if err := add(c.CyclePathColumn, "ARRAY["+rowOf(c.CycleColList, "")+"]", false); err != nil {
			return nil, err
		}
	}
	if s := sc.search; s != nil && s.SearchBreadthFirst {
		if err := add(depthCol, "0::int8", true); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// cycleMarkValues compiles CYCLE's TO and DEFAULT values, coerced to
// their common type (text for two untyped literals).
func (p *Planner) cycleMarkValues(c *pg_query.CTECycleClause, scope *Scope) (mark, def exec.Expr, err error) {
	if mark, err = p.CompileExpr(c.CycleMarkValue, scope); err != nil {
		return nil, nil, err
	}
	if def, err = p.CompileExpr(c.CycleMarkDefault, scope); err != nil {
		return nil, nil, err
	}
	t := commonType([]exec.Expr{mark, def})
	if t.OID == types.UnknownOID {
		t = exec.TextT
	}
	if mark, err = p.Coerce(mark, t, types.CastImplicit); err != nil {
		return nil, nil, err
	}
	if def, err = p.Coerce(def, t, types.CastImplicit); err != nil {
		return nil, nil, err
	}
	return mark, def, nil
}

// recursiveTerm returns a copy of the recursive term that also selects
// the source row's added columns from the recursive reference (and, with
// CYCLE, reads only source rows not marked as cycles).
func (sc *searchCycle) recursiveTerm(rec *pg_query.SelectStmt, name string) (*pg_query.SelectStmt, error) {
	rec = proto.Clone(rec).(*pg_query.SelectStmt)
	alias := ""
	var find func(n *pg_query.Node)
	find = func(n *pg_query.Node) {
		if rv := n.GetRangeVar(); rv != nil && rv.Schemaname == "" && rv.Relname == name {
			alias = name
			if rv.Alias != nil {
				alias = rv.Alias.Aliasname
			}
		}
		if j := n.GetJoinExpr(); j != nil {
			find(j.Larg)
			find(j.Rarg)
		}
	}
	for _, f := range rec.FromClause {
		find(f)
	}
	if alias == "" {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "with a SEARCH or CYCLE clause, the recursive reference to WITH query \"%s\" must be at the top level of its right-hand SELECT", name)
	}
	ref := func(col string) *pg_query.Node {
		return &pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{Fields: []*pg_query.Node{
			pg_query.MakeStrNode(alias), pg_query.MakeStrNode(col)}}}}
	}
	for _, c := range sc.extra {
		rec.TargetList = append(rec.TargetList, &pg_query.Node{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: ref(c.Name)}}})
	}
	if c := sc.cycle; c != nil {
		notCycle := &pg_query.Node{Node: &pg_query.Node_AExpr{AExpr: &pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP,
			Name: []*pg_query.Node{pg_query.MakeStrNode("<>")}, Lexpr: ref(c.CycleMarkColumn), Rexpr: c.CycleMarkValue, Location: -1}}}
		if rec.WhereClause == nil {
			rec.WhereClause = notCycle
		} else {
			rec.WhereClause = &pg_query.Node{Node: &pg_query.Node_BoolExpr{BoolExpr: &pg_query.BoolExpr{Boolop: pg_query.BoolExprType_AND_EXPR,
				Args: []*pg_query.Node{rec.WhereClause, notCycle}, Location: -1}}}
		}
	}
	return rec, nil
}

// recursiveExprs compiles the added columns' new values for a row of the
// recursive term, whose first columns are the query's (cols) and the rest
// the source row's added columns.
func (p *Planner) recursiveExprs(sc *searchCycle, cols []exec.Column, parent *Scope) ([]exec.Expr, error) {
	scols := append([]exec.Column(nil), cols...)
	for i := range scols {
		scols[i].Table, scols[i].Hidden = "", false
	}
	for _, c := range sc.extra {
		scols = append(scols, exec.Column{Name: oldName(c.Name), T: c.T})
	}
	scope := &Scope{cols: scols, parent: parent}
	var out []exec.Expr
	add := func(text string, t types.T) error {
		n, err := sqlExpr(text)
		if err != nil {
			return err
		}
		e, err := p.CompileExpr(n, scope)
		if err != nil {
			return err
		}
		if e, err = p.Coerce(e, t, types.CastImplicit); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	}
	q := pgcatalog.QuoteIdent
	i := 0
	if s := sc.search; s != nil {
		text := q(oldName(s.SearchSeqColumn)) + " || " + rowOf(s.SearchColList, "")
		if s.SearchBreadthFirst {
			text = rowOf(s.SearchColList, q(oldName(depthCol))+" + 1, ")
		}
		if err := add(text, sc.extra[i].T); err != nil {
			return nil, err
		}
		i++
	}
	if c := sc.cycle; c != nil {
		mark, def, err := p.cycleMarkValues(c, scope)
		if err != nil {
			return nil, err
		}
		n, err := sqlExpr(rowOf(c.CycleColList, "") + " = ANY(" + q(oldName(c.CyclePathColumn)) + ")")
		if err != nil {
			return nil, err
		}
		in, err := p.CompilePredicate(n, scope, "CYCLE")
		if err != nil {
			return nil, err
		}
		out = append(out, &exec.CaseExpr{Whens: []exec.Expr{in}, Thens: []exec.Expr{mark}, Els: def, T: sc.extra[i].T})
		i++
		if err := add(q(oldName(c.CyclePathColumn))+" || "+rowOf(c.CycleColList, ""), sc.extra[i].T); err != nil {
			return nil, err
		}
		i++
	}
	if s := sc.search; s != nil && s.SearchBreadthFirst {
		if err := add(q(oldName(depthCol))+" + 1", sc.extra[i].T); err != nil {
			return nil, err
		}
	}
	return out, nil
}
