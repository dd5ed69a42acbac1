package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Ordered-set and hypothetical-set aggregates: f(direct args) WITHIN
// GROUP (ORDER BY aggregated args). The aggregated arguments become the
// AggSpec's Args (buffered per group and sorted by Order, counted against
// work_mem like every buffered aggregate); the direct arguments are
// Direct, evaluated once per group (exec/agg_ordered.go).

// orderedSetAggs are the ordered-set aggregates that need WITHIN GROUP.
var orderedSetAggs = map[string]bool{"percentile_cont": true, "percentile_disc": true, "mode": true}

// hypotheticalAggs are the hypothetical-set aggregates (the window
// functions of the same names when used WITHIN GROUP).
var hypotheticalAggs = map[string]bool{"rank": true, "dense_rank": true, "percent_rank": true, "cume_dist": true}

func (p *Planner) compileOrderedSetAgg(fc *pg_query.FuncCall, sc *Scope, spec *exec.AggSpec) (*exec.AggSpec, error) {
	name := spec.Name
	inner := &Scope{cols: sc.cols, parent: sc.parent, using: sc.using, agg: sc.agg}
	compile := func(n *pg_query.Node, resolve bool) (exec.Expr, error) {
		if sc.agg == nil && len(collectAggregates(n, nil)) > 0 {
			return nil, pgerror.New(pgerror.GroupingError, "aggregate function calls cannot be nested")
		}
		e, err := p.CompileExpr(n, inner)
		if err != nil {
			return nil, err
		}
		if !resolve { // a direct argument: typed by the aggregate
			return e, nil
		}
		return p.ResolveUnknown(e)
	}
	var direct []exec.Expr
	for _, a := range fc.Args {
		e, err := compile(a, false)
		if err != nil {
			return nil, err
		}
		direct = append(direct, e)
	}
	for i, o := range fc.AggOrder {
		sb := o.GetSortBy()
		e, err := compile(sb.Node, true)
		if err != nil {
			return nil, err
		}
		k := exec.SortKey{Idx: i, T: e.Type(), Desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
		k.NullsFirst = k.Desc
		if sb.SortbyNulls == pg_query.SortByNulls_SORTBY_NULLS_FIRST {
			k.NullsFirst = true
		} else if sb.SortbyNulls == pg_query.SortByNulls_SORTBY_NULLS_LAST {
			k.NullsFirst = false
		}
		spec.Args = append(spec.Args, e)
		spec.Order = append(spec.Order, k)
	}
	if fc.AggFilter != nil {
		f, err := p.CompilePredicate(fc.AggFilter, inner, "FILTER")
		if err != nil {
			return nil, err
		}
		spec.Filter = f
	}
	noFunc := func() error { return NoFunc(name, append(append([]exec.Expr(nil), direct...), spec.Args...)) }
	if !orderedSetAggs[name] && !hypotheticalAggs[name] {
		// a plain aggregate that would take the direct and aggregated
		// arguments together is named as such; other arities do not exist
		arity := 1
		if k, ok := exec.StatsAggArgs[name]; ok {
			arity = k
		} else if name == "string_agg" || name == "json_object_agg" || name == "jsonb_object_agg" {
			arity = 2
		}
		if isAggregate(name) && len(direct)+len(spec.Args) == arity {
			return nil, pgerror.New("42809", "%s is not an ordered-set aggregate, so it cannot have WITHIN GROUP", name)
		}
		return nil, noFunc()
	}
	spec.WithinGroup = true
	spec.SrcWidth = len(sc.cols)
	spec.ArgT = spec.Args[0].Type()
	if err := p.checkAggLevel(name, spec); err != nil {
		return nil, err
	}
	switch name {
	case "percentile_cont", "percentile_disc":
		if len(direct) != 1 || len(spec.Args) != 1 {
			return nil, noFunc()
		}
		multi := types.IsArray(direct[0].Type().OID)
		want := exec.Float8T
		if multi {
			want = types.T{OID: types.Float8ArrayOID, Mod: -1}
		}
		d0, err := p.Coerce(direct[0], want, types.CastImplicit)
		if err != nil {
			return nil, noFunc()
		}
		direct[0] = d0
		elem := spec.ArgT
		if name == "percentile_cont" {
			var err error
			if elem.OID == types.IntervalOID {
				elem.Mod = -1
				if spec.SubOp, err = exec.LookupBinaryOp("-", elem, elem); err != nil {
					return nil, err
				}
				if spec.MulOp, err = exec.LookupBinaryOp("*", elem, exec.Float8T); err != nil {
					return nil, err
				}
				if spec.SumOp, err = exec.LookupBinaryOp("+", elem, elem); err != nil {
					return nil, err
				}
			} else {
				a0, err := p.Coerce(spec.Args[0], exec.Float8T, types.CastImplicit)
				if err != nil {
					return nil, noFunc()
				}
				spec.Args[0] = a0
				elem = exec.Float8T
			}
			spec.Order[0].T = elem
			spec.ArgT = elem
		}
		spec.T = elem
		if multi {
			at, ok := types.ArrayOf(elem)
			if !ok {
				return nil, noFunc()
			}
			spec.T = at
			spec.Multi = true
		}
	case "mode":
		if len(direct) != 0 || len(spec.Args) != 1 {
			return nil, noFunc()
		}
		spec.T = spec.ArgT
	default: // hypothetical-set
		if len(direct) != len(spec.Args) {
			return nil, noFunc()
		}
		for i := range direct {
			ct, err := types.CommonTypeFor("WITHIN GROUP", []types.T{spec.Args[i].Type(), direct[i].Type()})
			if err != nil {
				return nil, err
			}
			if direct[i], err = p.Coerce(direct[i], ct, types.CastImplicit); err != nil {
				return nil, err
			}
			if spec.Args[i], err = p.Coerce(spec.Args[i], ct, types.CastImplicit); err != nil {
				return nil, err
			}
			spec.Order[i].T = ct
		}
		spec.T = exec.Int8T
		if name == "percent_rank" || name == "cume_dist" {
			spec.T = exec.Float8T
		}
	}
	spec.Direct = direct
	return spec, nil
}

// checkDirectArgs refuses direct arguments of an ordered-set aggregate
// that read a column the query does not group by: they are evaluated once
// per group.
func checkDirectArgs(spec *exec.AggSpec, an *exec.AggNode, m *aggMap, sc *Scope) error {
	grouped := map[int]bool{}
	for _, g := range an.Groups {
		if c, ok := g.(*exec.ColExpr); ok {
			grouped[c.Idx] = true
		}
	}
	var bad error
	for _, d := range spec.Direct {
		exec.WalkExpr(d, func(x exec.Expr) {
			if c, ok := x.(*exec.ColExpr); ok && !grouped[c.Idx] && bad == nil {
				bad = m.ungrouped(sc.cols[c.Idx])
			}
		})
	}
	return bad
}
