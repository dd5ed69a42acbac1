package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Window functions: the window node materializes its input, computes each
// window call per partition and appends the results as columns, which the
// select list reads through the scope's aggMap.

func collectWindows(n *pg_query.Node, out []*pg_query.Node) []*pg_query.Node {
	WalkNodes(n, func(x *pg_query.Node) bool {
		if fc := x.GetFuncCall(); fc != nil && fc.Over != nil {
			out = append(out, x)
			return false
		}
		return true
	})
	return out
}

// planWindows adds a window node when the select list or ORDER BY uses
// window functions.
func (p *Planner) planWindows(src exec.Node, sc *Scope, sel *pg_query.SelectStmt) (exec.Node, *Scope, error) {
	if err := checkWindowNames(sel); err != nil {
		return nil, nil, err
	}
	var calls []*pg_query.Node
	for _, t := range sel.TargetList {
		calls = collectWindows(t.GetResTarget().Val, calls)
	}
	for _, s := range sel.SortClause {
		calls = collectWindows(s.GetSortBy().Node, calls)
	}
	if len(calls) == 0 {
		return src, sc, nil
	}
	named := map[string]*pg_query.WindowDef{}
	for _, w := range sel.WindowClause {
		wd := w.GetWindowDef()
		named[wd.Name] = wd
	}
	wn := &exec.WindowNode{Src: src}
	cols := append([]exec.Column(nil), sc.cols...)
	m := &aggMap{slots: map[string]int{}, from: nil}
	if sc.agg != nil {
		for k, v := range sc.agg.slots {
			m.slots[k] = v
		}
		m.from = sc.agg.from
	}
	for _, cn := range calls {
		key := exprKey(cn)
		if _, dup := m.slots[key]; dup {
			continue
		}
		wc, err := p.compileWindow(cn.GetFuncCall(), sc, named)
		if err != nil {
			return nil, nil, err
		}
		m.slots[key] = len(cols)
		cols = append(cols, exec.Column{Name: wc.Name, T: wc.T, Hidden: true})
		wn.Calls = append(wn.Calls, wc)
	}
	wn.Cols = cols
	m.cols = cols
	return wn, &Scope{cols: cols, parent: sc.parent, agg: m, using: sc.using}, nil
}

func (p *Planner) compileWindow(fc *pg_query.FuncCall, sc *Scope, named map[string]*pg_query.WindowDef) (*exec.WindowCall, error) {
	name := funcName(fc.Funcname)
	wd := fc.Over
	if wd.Name != "" || wd.Refname != "" {
		ref := wd.Name
		if ref == "" {
			ref = wd.Refname
		}
		base, ok := named[ref]
		if !ok {
			return nil, pgerror.New(pgerror.UndefinedObject, "window \"%s\" does not exist", ref)
		}
		merged := &pg_query.WindowDef{PartitionClause: base.PartitionClause, OrderClause: base.OrderClause,
			FrameOptions: base.FrameOptions, StartOffset: base.StartOffset, EndOffset: base.EndOffset}
		if len(wd.OrderClause) > 0 {
			merged.OrderClause = wd.OrderClause
		}
		if wd.FrameOptions&exec.FrameNonDefault != 0 {
			merged.FrameOptions = wd.FrameOptions
		}
		wd = merged
	}
	if fc.AggWithinGroup || orderedSetAggs[name] {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "OVER is not supported for ordered-set aggregate %s", name)
	}
	wc := &exec.WindowCall{Name: name}
	saved := p.where
	p.where = "window functions"
	defer func() { p.where = saved }()
	for _, pn := range wd.PartitionClause {
		e, err := p.CompileExpr(pn, sc)
		if err != nil {
			return nil, err
		}
		if e, err = p.ResolveUnknown(e); err != nil {
			return nil, err
		}
		wc.Parts = append(wc.Parts, e)
	}
	for i, on := range wd.OrderClause {
		sb := on.GetSortBy()
		e, err := p.CompileExpr(sb.Node, sc)
		if err != nil {
			return nil, err
		}
		if e, err = p.ResolveUnknown(e); err != nil {
			return nil, err
		}
		k := exec.SortKey{Idx: i, T: e.Type(), Desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
		k.NullsFirst = k.Desc
		if sb.SortbyNulls == pg_query.SortByNulls_SORTBY_NULLS_FIRST {
			k.NullsFirst = true
		} else if sb.SortbyNulls == pg_query.SortByNulls_SORTBY_NULLS_LAST {
			k.NullsFirst = false
		}
		wc.OrderBy = append(wc.OrderBy, e)
		wc.Order = append(wc.Order, k)
	}
	if err := p.compileFrame(wc, wd, sc); err != nil {
		return nil, err
	}
	if isAggregate(name) {
		p.windowAgg = true
		spec, err := p.compileAgg(&pg_query.FuncCall{Funcname: fc.Funcname, Args: fc.Args, AggStar: fc.AggStar, AggDistinct: fc.AggDistinct, AggFilter: fc.AggFilter}, sc)
		p.windowAgg = false
		if err != nil {
			return nil, err
		}
		wc.Agg, wc.T = spec, spec.T
		return wc, nil
	}
	if !exec.WindowOnly[name] {
		return nil, pgerror.New("42809", "function %s is not a window function", name)
	}
	for i, a := range fc.Args {
		e, err := p.CompileExpr(a, sc)
		if err != nil {
			return nil, err
		}
		if i == 0 { // the others are typed by the first, or are offsets
			if e, err = p.ResolveUnknown(e); err != nil {
				return nil, err
			}
		}
		wc.Args = append(wc.Args, e)
	}
	switch name {
	case "row_number", "rank", "dense_rank", "ntile":
		wc.T = exec.Int8T
		if name == "ntile" {
			if len(wc.Args) != 1 {
				return nil, NoFunc(name, wc.Args)
			}
			var err error
			if wc.Args[0], err = p.Coerce(wc.Args[0], exec.Int8T, types.CastImplicit); err != nil {
				return nil, err
			}
		}
	case "percent_rank", "cume_dist":
		wc.T = exec.Float8T
	case "nth_value":
		if len(wc.Args) != 2 {
			return nil, NoFunc(name, wc.Args)
		}
		wc.T = wc.Args[0].Type()
		a1, err := p.Coerce(wc.Args[1], exec.Int4T, types.CastImplicit)
		if err != nil {
			return nil, NoFunc(name, wc.Args)
		}
		if wc.Args[1], err = p.Coerce(a1, exec.Int8T, types.CastImplicit); err != nil {
			return nil, err
		}
	case "lag", "lead", "first_value", "last_value":
		if len(wc.Args) == 0 {
			return nil, NoFunc(name, wc.Args)
		}
		wc.T = wc.Args[0].Type()
		if len(wc.Args) > 1 {
			var err error
			if wc.Args[1], err = p.Coerce(wc.Args[1], exec.Int8T, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		if len(wc.Args) > 2 {
			var err error
			if wc.Args[2], err = p.Coerce(wc.Args[2], wc.T, types.CastImplicit); err != nil {
				return nil, err
			}
		}
	}
	return wc, nil
}
