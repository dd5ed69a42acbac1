package sql

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// aggMap resolves expressions of an aggregating query's upper clauses
// (select list, HAVING, ORDER BY) to slots of the aggregate node's output.
type aggMap struct {
	slots map[string]int // exprKey → output slot
	cols  []resultCol
	from  *scope // the FROM scope, for the "must appear in GROUP BY" error
}

func (m *aggMap) match(p *planner, n *pg_query.Node) (expr, bool, error) {
	if _, isConst := n.Node.(*pg_query.Node_AConst); isConst {
		return nil, false, nil
	}
	if i, ok := m.slots[exprKey(n)]; ok {
		return &colExpr{idx: i, t: m.cols[i].t}, true, nil
	}
	return nil, false, nil
}

func (m *aggMap) ungrouped(c resultCol) error {
	name := c.name
	if c.table != "" {
		name = c.table + "." + c.name
	}
	return pgerror.New(pgerror.GroupingError, "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", name)
}

// aggSpec is one aggregate call.
type aggSpec struct {
	name     string
	star     bool
	distinct bool
	args     []expr
	filter   expr
	order    []sortKey // over args followed by order exprs
	orderBy  []expr
	t        types.T // result type
	argT     types.T
	sumOp    *types.Op // sum/avg accumulation
	divOp    *types.Op // avg
}

// planAgg adds the aggregate node over src and returns the scope upper
// clauses compile in.
func (p *planner) planAgg(src node, sc *scope, sel *pg_query.SelectStmt, aggNodes []*pg_query.Node) (node, *scope, error) {
	m := &aggMap{slots: map[string]int{}, from: sc}
	an := &aggNode{src: src}
	outSc := &scope{parent: sc.parent, agg: m}
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
		e, err := p.compileExpr(gn, sc)
		if err != nil {
			return nil, nil, err
		}
		if e, err = p.resolveUnknown(e); err != nil {
			return nil, nil, err
		}
		key := exprKey(gn)
		if _, dup := m.slots[key]; dup {
			continue
		}
		col := resultCol{name: "?group?", t: e.typ(), hidden: true}
		if c, ok := e.(*colExpr); ok {
			col = sc.cols[c.idx]
			col.hidden = false
		}
		m.slots[key] = len(m.cols)
		m.cols = append(m.cols, col)
		an.groups = append(an.groups, e)
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
		m.slots[key] = len(m.cols)
		m.cols = append(m.cols, resultCol{name: spec.name, t: spec.t, hidden: true})
		an.aggs = append(an.aggs, spec)
	}
	an.cols = m.cols
	outSc.cols = m.cols
	return an, outSc, nil
}

func (p *planner) compileAgg(fc *pg_query.FuncCall, sc *scope) (*aggSpec, error) {
	name := funcName(fc.Funcname)
	spec := &aggSpec{name: name, star: fc.AggStar, distinct: fc.AggDistinct}
	saved := p.where
	p.where = "aggregate function calls"
	defer func() { p.where = saved }()
	inner := &scope{cols: sc.cols, parent: sc.parent, using: sc.using, agg: sc.agg}
	for _, a := range fc.Args {
		if sc.agg == nil && len(collectAggregates(a, nil)) > 0 {
			return nil, pgerror.New(pgerror.GroupingError, "aggregate function calls cannot be nested")
		}
		e, err := p.compileExpr(a, inner)
		if err != nil {
			return nil, err
		}
		if e, err = p.resolveUnknown(e); err != nil {
			return nil, err
		}
		spec.args = append(spec.args, e)
	}
	if fc.AggFilter != nil {
		f, err := p.compilePredicate(fc.AggFilter, inner, "FILTER")
		if err != nil {
			return nil, err
		}
		spec.filter = f
	}
	for _, o := range fc.AggOrder {
		sb := o.GetSortBy()
		if fc.AggDistinct && !slices.ContainsFunc(fc.Args, func(a *pg_query.Node) bool { return exprKey(a) == exprKey(sb.Node) }) {
			return nil, pgerror.New(pgerror.InvalidColumnReference, "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list")
		}
		e, err := p.compileExpr(sb.Node, inner)
		if err != nil {
			return nil, err
		}
		if e, err = p.resolveUnknown(e); err != nil {
			return nil, err
		}
		k := sortKey{idx: len(fc.Args) + len(spec.orderBy), t: e.typ(), desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
		k.nullsFirst = k.desc
		if sb.SortbyNulls == pg_query.SortByNulls_SORTBY_NULLS_FIRST {
			k.nullsFirst = true
		} else if sb.SortbyNulls == pg_query.SortByNulls_SORTBY_NULLS_LAST {
			k.nullsFirst = false
		}
		spec.orderBy = append(spec.orderBy, e)
		spec.order = append(spec.order, k)
	}
	if err := checkAggLevel(name, spec); err != nil {
		return nil, err
	}
	nargs := len(spec.args)
	want := func(n int) error {
		if nargs != n {
			return pgerror.New(pgerror.UndefinedFunction, "function %s with %d arguments does not exist", name, nargs)
		}
		return nil
	}
	if nargs > 0 {
		spec.argT = spec.args[0].typ()
	}
	var err error
	switch name {
	case "count":
		if !spec.star {
			err = want(1)
		}
		spec.t = int8T
	case "sum", "avg":
		if err = want(1); err != nil {
			return nil, err
		}
		acc := spec.argT
		switch spec.argT.OID {
		case types.Int2OID, types.Int4OID:
			acc = int8T
			if name == "avg" {
				acc = numericT
			}
		case types.Int8OID, types.NumericOID:
			acc = numericT
		case types.Float4OID, types.Float8OID:
			acc = float8T
			if name == "sum" && spec.argT.OID == types.Float4OID {
				acc = types.T{OID: types.Float4OID, Mod: -1}
			}
		case types.IntervalOID:
		default:
			return nil, pgerror.New(pgerror.UndefinedFunction, "function %s(%s) does not exist", name, types.FormatType(spec.argT))
		}
		acc.Mod = -1
		spec.t = acc
		if spec.sumOp, err = lookupBinaryOp("+", acc, acc); err != nil {
			return nil, err
		}
		if name == "avg" {
			divT := acc
			if acc.OID == types.IntervalOID {
				divT = float8T
			}
			if spec.divOp, err = lookupBinaryOp("/", acc, divT); err != nil {
				return nil, err
			}
		}
	case "min", "max":
		err = want(1)
		spec.t = spec.argT
	case "bool_and", "bool_or", "every":
		if err = want(1); err != nil {
			return nil, err
		}
		a0, err := p.coerce(spec.args[0], boolT, types.CastImplicit)
		if err != nil {
			return nil, noFunc(name, spec.args)
		}
		spec.args[0], spec.t = a0, boolT
	case "string_agg":
		if err = want(2); err != nil {
			return nil, err
		}
		if spec.args[0].typ().OID != types.ByteaOID {
			a0, err := p.coerce(spec.args[0], textT, types.CastImplicit)
			if err != nil {
				return nil, noFunc(name, spec.args)
			}
			a1, err := p.coerce(spec.args[1], textT, types.CastImplicit)
			if err != nil {
				return nil, noFunc(name, spec.args)
			}
			spec.args[0], spec.args[1] = a0, a1
		}
		spec.t = spec.args[0].typ()
	case "array_agg":
		if err = want(1); err == nil {
			at, ok := types.ArrayOf(spec.argT)
			if !ok {
				return nil, pgerror.New(pgerror.UndefinedObject, "could not find array type for data type %s", types.FormatType(spec.argT))
			}
			spec.t = at
		}
	case "json_agg", "jsonb_agg":
		err = want(1)
		spec.t = types.T{OID: types.JSONOID, Mod: -1}
		if name == "jsonb_agg" {
			spec.t.OID = types.JSONBOID
		}
	case "json_object_agg", "jsonb_object_agg":
		err = want(2)
		spec.t = types.T{OID: types.JSONOID, Mod: -1}
		if strings.HasPrefix(name, "jsonb") {
			spec.t.OID = types.JSONBOID
		}
	default:
		return nil, pgerror.Unsupported("aggregate " + name)
	}
	return spec, err
}

// addDependentGroupCols lets the select list use every column of a table
// whose primary key is grouped on (PostgreSQL's functional dependency
// rule): those columns join the grouping, which changes no group.
func (p *planner) addDependentGroupCols(sc *scope, an *aggNode, m *aggMap) {
	grouped := map[int]bool{}
	for _, g := range an.groups {
		if c, ok := g.(*colExpr); ok {
			grouped[c.idx] = true
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
		r := rel{c.table, c.tableOID}
		if c.tableOID == 0 || done[r] {
			continue
		}
		done[r] = true
		t, ok := p.cat.ByOID[c.tableOID]
		if !ok || len(t.PKIdx) == 0 {
			continue
		}
		// positions of this relation's columns in the scope
		pos := map[string]int{}
		for j := i; j < len(sc.cols); j++ {
			if sc.cols[j].table == c.table && sc.cols[j].tableOID == c.tableOID {
				pos[sc.cols[j].name] = j
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
			if grouped[j] || sc.cols[j].hidden {
				continue
			}
			grouped[j] = true
			col := sc.cols[j]
			m.cols = append(m.cols, col)
			an.groups = append(an.groups, &colExpr{idx: j, t: col.t})
		}
	}
}

// checkAggLevel refuses an aggregate whose arguments read only an outer
// query's columns: PostgreSQL evaluates it in that outer query (one value
// per outer group, seen by the sub-query as a constant), which this
// planner does not do; evaluated here it would answer differently.
func checkAggLevel(name string, spec *aggSpec) error {
	es := append(append([]expr(nil), spec.args...), spec.orderBy...)
	if spec.filter != nil {
		es = append(es, spec.filter)
	}
	local, outer := false, false
	for _, e := range es {
		walkExpr(e, func(x expr) {
			switch x.(type) {
			case *colExpr, *subqueryExpr:
				local = true
			case *outerExpr:
				outer = true
			}
		})
	}
	if outer && !local {
		return pgerror.Unsupported("aggregate " + name + "() over only an outer query's columns")
	}
	return nil
}
