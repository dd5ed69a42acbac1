package plan

import (
	"slices"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// aggMap resolves expressions of an aggregating query's upper clauses
// (select list, HAVING, ORDER BY) to slots of the aggregate node's output.
type aggMap struct {
	slots map[string]int // exprKey → output slot
	// resolved maps groupKey (column references replaced by the FROM
	// columns they resolve to) → slot, so t.a % 2 matches a GROUP BY
	// a % 2 as in PostgreSQL, which compares the analyzed expressions.
	resolved map[string]int
	cols     []exec.Column
	from     *Scope // the FROM scope, for the "must appear in GROUP BY" error
}

func (m *aggMap) match(p *Planner, n *pg_query.Node) (exec.Expr, bool, error) {
	if _, isConst := n.Node.(*pg_query.Node_AConst); isConst {
		return nil, false, nil
	}
	if i, ok := m.slots[exprKey(n)]; ok {
		return &exec.ColExpr{Idx: i, T: m.cols[i].T}, true, nil
	}
	if k, ok := groupKey(n, m.from); ok {
		if i, ok := m.resolved[k]; ok {
			return &exec.ColExpr{Idx: i, T: m.cols[i].T}, true, nil
		}
	}
	return nil, false, nil
}

// groupKey is exprKey of n with every column reference replaced by the
// position of the FROM column it names in sc; ok is false when a
// reference does not resolve there (an outer query's column, a typo —
// compiling reports those).
func groupKey(n *pg_query.Node, sc *Scope) (string, bool) {
	if sc == nil {
		return "", false
	}
	c := proto.Clone(n).(*pg_query.Node)
	ok := true
	WalkNodes(c, func(x *pg_query.Node) bool {
		if !ok {
			return false
		}
		if x.GetSubLink() != nil {
			ok = false // a sub-query's references are its own
			return false
		}
		cr := x.GetColumnRef()
		if cr == nil {
			return true
		}
		var names []string
		for _, f := range cr.Fields {
			if f.GetString_() == nil {
				ok = false // a star
				return false
			}
			names = append(names, f.GetString_().Sval)
		}
		table, name := "", ""
		switch len(names) {
		case 1:
			name = names[0]
		case 2:
			table, name = names[0], names[1]
		default:
			ok = false
			return false
		}
		i, err := sc.lookup(table, name)
		if err != nil || i < 0 {
			ok = false
			return false
		}
		cr.Fields = []*pg_query.Node{pg_query.MakeStrNode("\x00" + strconv.Itoa(i))}
		return false
	})
	if !ok {
		return "", false
	}
	return exprKey(c), true
}

func (m *aggMap) ungrouped(c exec.Column) error {
	name := c.Name
	if c.Table != "" {
		name = c.Table + "." + c.Name
	}
	return pgerror.New(pgerror.GroupingError, "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", name)
}

// planAgg adds the aggregate node over src and returns the scope upper
// clauses compile in.
func (p *Planner) planAgg(src exec.Node, sc *Scope, sel *pg_query.SelectStmt, aggNodes []*pg_query.Node) (exec.Node, *Scope, error) {
	m := &aggMap{slots: map[string]int{}, from: sc}
	an := &exec.AggNode{Src: src}
	outSc := &Scope{parent: sc.parent, agg: m}
	saved := p.where
	p.where = "GROUP BY"
	for _, g := range sel.GroupClause {
		gn := g
		if c := g.GetAConst(); c != nil && c.GetIval() != nil {
			k := int(c.GetIval().Ival)
			if k < 1 || k > len(sel.TargetList) {
				return nil, nil, pgerror.New(pgerror.InvalidColumnReference, "GROUP BY position %d is not in select list", k)
			}
			gn = sel.TargetList[k-1].GetResTarget().Val
		} else if g.GetAConst() != nil {
			// a constant is a position or nothing (findTargetlistEntrySQL92)
			return nil, nil, pgerror.New(pgerror.SyntaxError, "non-integer constant in GROUP BY")
		} else if cr := g.GetColumnRef(); cr != nil && len(cr.Fields) == 1 && cr.Fields[0].GetString_() != nil {
			name := cr.Fields[0].GetString_().Sval
			if i, _ := sc.lookup("", name); i < 0 {
				for _, t := range sel.TargetList {
					if rt := t.GetResTarget(); rt.Name == name {
						gn = rt.Val
					}
				}
			}
		}
		if g.GetGroupingSet() != nil {
			return nil, nil, pgerror.Unsupported("GROUPING SETS")
		}
		e, err := p.CompileExpr(gn, sc)
		if err != nil {
			return nil, nil, err
		}
		if e, err = p.ResolveUnknown(e); err != nil {
			return nil, nil, err
		}
		key := exprKey(gn)
		if _, dup := m.slots[key]; dup {
			continue
		}
		col := exec.Column{Name: "?group?", T: e.Type(), Hidden: true}
		if c, ok := e.(*exec.ColExpr); ok {
			col = sc.cols[c.Idx]
			col.Hidden = false
		}
		m.slots[key] = len(m.cols)
		if k, ok := groupKey(gn, sc); ok {
			if m.resolved == nil {
				m.resolved = map[string]int{}
			}
			if _, dup := m.resolved[k]; !dup {
				m.resolved[k] = len(m.cols)
			}
		}
		m.cols = append(m.cols, col)
		an.Groups = append(an.Groups, e)
	}
	p.where = saved
	p.addDependentGroupCols(sc, an, m)
	for _, a := range aggNodes {
		key := exprKey(a)
		if _, dup := m.slots[key]; dup {
			continue
		}
		spec, err := p.compileAgg(a.GetFuncCall(), sc)
		if err != nil {
			return nil, nil, err
		}
		if err := checkDirectArgs(spec, an, m, sc); err != nil {
			return nil, nil, err
		}
		m.slots[key] = len(m.cols)
		m.cols = append(m.cols, exec.Column{Name: spec.Name, T: spec.T, Hidden: true})
		an.Aggs = append(an.Aggs, spec)
	}
	an.Cols = m.cols
	outSc.cols = m.cols
	return an, outSc, nil
}

func (p *Planner) compileAgg(fc *pg_query.FuncCall, sc *Scope) (*exec.AggSpec, error) {
	name := funcName(fc.Funcname)
	spec := &exec.AggSpec{Name: name, Star: fc.AggStar, Distinct: fc.AggDistinct}
	saved := p.where
	p.where = "aggregate function calls"
	defer func() { p.where = saved }()
	if fc.AggWithinGroup {
		return p.compileOrderedSetAgg(fc, sc, spec)
	}
	if orderedSetAggs[name] {
		return nil, pgerror.New("42809", "WITHIN GROUP is required for ordered-set aggregate %s", name)
	}
	inner := &Scope{cols: sc.cols, parent: sc.parent, using: sc.using, agg: sc.agg}
	for _, a := range fc.Args {
		if sc.agg == nil && len(collectAggregates(a, nil)) > 0 {
			return nil, pgerror.New(pgerror.GroupingError, "aggregate function calls cannot be nested")
		}
		e, err := p.CompileExpr(a, inner)
		if err != nil {
			return nil, err
		}
		if e, err = p.ResolveUnknown(e); err != nil {
			return nil, err
		}
		spec.Args = append(spec.Args, e)
	}
	if fc.AggFilter != nil {
		f, err := p.CompilePredicate(fc.AggFilter, inner, "FILTER")
		if err != nil {
			return nil, err
		}
		spec.Filter = f
	}
	for _, o := range fc.AggOrder {
		sb := o.GetSortBy()
		if fc.AggDistinct && !slices.ContainsFunc(fc.Args, func(a *pg_query.Node) bool { return exprKey(a) == exprKey(sb.Node) }) {
			return nil, pgerror.New(pgerror.InvalidColumnReference, "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list")
		}
		e, err := p.CompileExpr(sb.Node, inner)
		if err != nil {
			return nil, err
		}
		if e, err = p.ResolveUnknown(e); err != nil {
			return nil, err
		}
		k := exec.SortKey{Idx: len(fc.Args) + len(spec.OrderBy), T: e.Type(), Desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
		k.NullsFirst = k.Desc
		if sb.SortbyNulls == pg_query.SortByNulls_SORTBY_NULLS_FIRST {
			k.NullsFirst = true
		} else if sb.SortbyNulls == pg_query.SortByNulls_SORTBY_NULLS_LAST {
			k.NullsFirst = false
		}
		spec.OrderBy = append(spec.OrderBy, e)
		spec.Order = append(spec.Order, k)
	}
	if err := p.checkAggLevel(name, spec); err != nil {
		return nil, err
	}
	nargs := len(spec.Args)
	want := func(n int) error {
		if nargs != n {
			return pgerror.New(pgerror.UndefinedFunction, "function %s with %d arguments does not exist", name, nargs)
		}
		return nil
	}
	if nargs > 0 {
		spec.ArgT = spec.Args[0].Type()
	}
	var err error
	switch name {
	case "count":
		if !spec.Star {
			err = want(1)
		}
		spec.T = exec.Int8T
	case "sum", "avg":
		if err = want(1); err != nil {
			return nil, err
		}
		acc := spec.ArgT
		switch spec.ArgT.OID {
		case types.Int2OID, types.Int4OID:
			acc = exec.Int8T
			if name == "avg" {
				acc = exec.NumericT
			}
		case types.Int8OID, types.NumericOID:
			acc = exec.NumericT
		case types.Float4OID, types.Float8OID:
			acc = exec.Float8T
			if name == "sum" && spec.ArgT.OID == types.Float4OID {
				acc = types.T{OID: types.Float4OID, Mod: -1}
			}
		case types.IntervalOID:
		default:
			return nil, pgerror.New(pgerror.UndefinedFunction, "function %s(%s) does not exist", name, types.FormatType(spec.ArgT))
		}
		acc.Mod = -1
		spec.T = acc
		if spec.SumOp, err = exec.LookupBinaryOp("+", acc, acc); err != nil {
			return nil, err
		}
		if name == "avg" {
			divT := acc
			if acc.OID == types.IntervalOID {
				divT = exec.Float8T
			}
			if spec.DivOp, err = exec.LookupBinaryOp("/", acc, divT); err != nil {
				return nil, err
			}
		}
	case "min", "max":
		err = want(1)
		spec.T = spec.ArgT
	case "bool_and", "bool_or", "every":
		if err = want(1); err != nil {
			return nil, err
		}
		a0, err := p.Coerce(spec.Args[0], exec.BoolT, types.CastImplicit)
		if err != nil {
			return nil, NoFunc(name, spec.Args)
		}
		spec.Args[0], spec.T = a0, exec.BoolT
	case "string_agg":
		if err = want(2); err != nil {
			return nil, err
		}
		if spec.Args[0].Type().OID != types.ByteaOID {
			a0, err := p.Coerce(spec.Args[0], exec.TextT, types.CastImplicit)
			if err != nil {
				return nil, NoFunc(name, spec.Args)
			}
			a1, err := p.Coerce(spec.Args[1], exec.TextT, types.CastImplicit)
			if err != nil {
				return nil, NoFunc(name, spec.Args)
			}
			spec.Args[0], spec.Args[1] = a0, a1
		}
		spec.T = spec.Args[0].Type()
	case "array_agg":
		if err = want(1); err == nil {
			if _, ok := types.ElemOf(spec.ArgT); ok && spec.ArgT.OID != types.Int2VectorOID && spec.ArgT.OID != types.OidVectorOID {
				spec.T = spec.ArgT // array_agg(anyarray): one dimension more
				break
			}
			at, ok := types.ArrayOf(spec.ArgT)
			if !ok {
				return nil, pgerror.New(pgerror.UndefinedObject, "could not find array type for data type %s", types.FormatType(spec.ArgT))
			}
			spec.T = at
		}
	case "json_agg", "jsonb_agg":
		err = want(1)
		spec.T = types.T{OID: types.JSONOID, Mod: -1}
		if name == "jsonb_agg" {
			spec.T.OID = types.JSONBOID
		}
	case "json_object_agg", "jsonb_object_agg":
		err = want(2)
		spec.T = types.T{OID: types.JSONOID, Mod: -1}
		if strings.HasPrefix(name, "jsonb") {
			spec.T.OID = types.JSONBOID
		}
	default:
		if k, ok := exec.StatsAggArgs[name]; ok {
			return spec, p.compileStatsAgg(spec, k)
		}
		return nil, pgerror.Unsupported("aggregate " + name)
	}
	return spec, err
}

// compileStatsAgg types a statistics aggregate (exec/agg_stats.go): the
// one-argument ones over any numeric type (numeric result for integers
// and numeric, float8 for float4 and float8), the others over float8
// pairs.
func (p *Planner) compileStatsAgg(spec *exec.AggSpec, nargs int) error {
	if len(spec.Args) != nargs {
		return NoFunc(spec.Name, spec.Args)
	}
	if nargs == 2 {
		for i, a := range spec.Args {
			c, err := p.Coerce(a, exec.Float8T, types.CastImplicit)
			if err != nil {
				return NoFunc(spec.Name, spec.Args)
			}
			spec.Args[i] = c
		}
		spec.T = exec.Float8T
		if spec.Name == "regr_count" {
			spec.T = exec.Int8T
		}
		return nil
	}
	switch spec.ArgT.OID {
	case types.Int2OID, types.Int4OID, types.Int8OID, types.NumericOID:
		spec.T = exec.NumericT
		var err error
		spec.DivOp, err = exec.LookupBinaryOp("/", exec.NumericT, exec.NumericT)
		return err
	case types.Float4OID, types.Float8OID:
		spec.T = exec.Float8T
		return nil
	}
	return NoFunc(spec.Name, spec.Args)
}

// addDependentGroupCols lets the select list use every column of a table
// whose primary key is grouped on (PostgreSQL's functional dependency
// rule): those columns join the grouping, which changes no group.
func (p *Planner) addDependentGroupCols(sc *Scope, an *exec.AggNode, m *aggMap) {
	grouped := map[int]bool{}
	for _, g := range an.Groups {
		if c, ok := g.(*exec.ColExpr); ok {
			grouped[c.Idx] = true
		}
	}
	if len(grouped) == 0 {
		return
	}
	type rel struct {
		table string
		oid   uint32
	}
	done := map[rel]bool{}
	for i, c := range sc.cols {
		r := rel{c.Table, c.TableOID}
		if c.TableOID == 0 || done[r] {
			continue
		}
		done[r] = true
		t, ok := p.Cat.ByOID[c.TableOID]
		if !ok || len(t.PKIdx) == 0 {
			continue
		}
		// positions of this relation's columns in the scope
		pos := map[string]int{}
		for j := i; j < len(sc.cols); j++ {
			if sc.cols[j].Table == c.Table && sc.cols[j].TableOID == c.TableOID {
				pos[sc.cols[j].Name] = j
			}
		}
		all := true
		for _, k := range t.PKIdx {
			j, ok := pos[t.Columns[k].Name]
			all = all && ok && grouped[j]
		}
		if !all {
			continue
		}
		for _, j := range pos {
			if grouped[j] || sc.cols[j].Hidden {
				continue
			}
			grouped[j] = true
			col := sc.cols[j]
			m.cols = append(m.cols, col)
			an.Groups = append(an.Groups, &exec.ColExpr{Idx: j, T: col.T})
		}
	}
}

// checkAggLevel refuses an aggregate whose arguments read only an outer
// query's columns that agg_level.go did not move to that query (one more
// than eight levels down): evaluated here it would answer differently.
// Window aggregates stay at their own level, as in PostgreSQL.
func (p *Planner) checkAggLevel(name string, spec *exec.AggSpec) error {
	if p.windowAgg {
		return nil
	}
	es := append(append([]exec.Expr(nil), spec.Args...), spec.OrderBy...)
	if spec.Filter != nil {
		es = append(es, spec.Filter)
	}
	local, outer := false, false
	for _, e := range es {
		exec.WalkExpr(e, func(x exec.Expr) {
			switch x.(type) {
			case *exec.ColExpr, *exec.SubqueryExpr:
				local = true
			case *exec.OuterExpr:
				outer = true
			}
		})
	}
	if outer && !local {
		return pgerror.Unsupported("aggregate " + name + "() over only an outer query's columns")
	}
	return nil
}
