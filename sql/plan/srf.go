package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// planFunctionScan plans a set-returning function in FROM
// (generate_series, unnest).
func (p *Planner) planFunctionScan(rf *pg_query.RangeFunction, parent *Scope) (*FromItem, error) {
	if len(rf.Functions) != 1 {
		return nil, unsupportedFrom("this kind of function in FROM")
	}
	items := rf.Functions[0].GetList().GetItems()
	fc := items[0].GetFuncCall()
	if fc == nil {
		return nil, unsupportedFrom("this kind of function in FROM")
	}
	name := funcName(fc.Funcname)
	sc := &Scope{parent: parent} // for LATERAL, parent is the preceding items
	args := make([]exec.Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := p.CompileExpr(a, sc)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	if fi, ok, err := p.Host.PlanTableFunc(p, name, args, rf); ok { // funcs_changefeed.go
		return fi, err
	}
	srf, err := p.setReturningFunc(name, args)
	if err != nil {
		return nil, err
	}
	cols := []exec.Column{{Name: name, T: srf.t}}
	if srf.names != nil {
		cols = []exec.Column{{Name: srf.names[0], T: srf.t}}
		for i, t := range srf.t2 {
			cols = append(cols, exec.Column{Name: srf.names[i+1], T: t})
		}
	}
	if rf.Ordinality {
		cols = append(cols, exec.Column{Name: "ordinality", T: exec.Int8T})
		srf.ordinality = true
	}
	cols, err = AliasCols(cols, rf.Alias, name)
	if err != nil {
		return nil, err
	}
	if rf.Alias != nil && len(rf.Alias.Colnames) == 0 && len(cols) >= 1 && srf.names == nil {
		cols[0].Name = rf.Alias.Aliasname
	}
	srf.cols = cols
	return &FromItem{N: srf, Cols: cols}, nil
}

// targetSRF returns the set-returning function call of a select-list item:
// the item itself, or the record whose field it selects
// ((_pg_expandarray(a)).n).
func targetSRF(val *pg_query.Node) *pg_query.FuncCall {
	if ind := val.GetAIndirection(); ind != nil {
		val = ind.Arg
	}
	fc := val.GetFuncCall()
	if fc == nil || !exec.SRFNames[funcName(fc.Funcname)] || fc.Over != nil {
		return nil
	}
	return fc
}

// planTargetSRF handles one set-returning function call at the top of the
// select list: it becomes a column appended by an exec.SRFProjectNode.
func (p *Planner) planTargetSRF(src exec.Node, sc *Scope, list []*pg_query.Node) (exec.Node, *Scope, error) {
	for _, item := range list {
		rt := item.GetResTarget()
		fc := targetSRF(rt.Val)
		if fc == nil {
			continue
		}
		name := funcName(fc.Funcname)
		args := make([]exec.Expr, len(fc.Args))
		for i, a := range fc.Args {
			e, err := p.CompileExpr(a, sc)
			if err != nil {
				return nil, nil, err
			}
			args[i] = e
		}
		srf, err := p.setReturningFunc(name, args)
		if err != nil {
			return nil, nil, err
		}
		if srf.names != nil {
			return nil, nil, pgerror.Unsupported(name + " in the select list")
		}
		key := exprKey(&pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: fc}})
		nsc := &Scope{cols: append(append([]exec.Column(nil), sc.cols...), exec.Column{Name: name, T: srf.t, Hidden: true}), parent: sc.parent, using: sc.using}
		m := &aggMap{slots: map[string]int{key: len(sc.cols)}, cols: nsc.cols, from: nil}
		if sc.agg != nil {
			for k, v := range sc.agg.slots {
				m.slots[k] = v
			}
			m.from = sc.agg.from
		}
		nsc.agg = m
		return &exec.SRFProjectNode{Src: src, Srf: srf, Cols: nsc.cols}, nsc, nil
	}
	return src, sc, nil
}

// lookupJoin turns a hash join whose right side is a table scan into a
// lookup join when its keys cover the primary key or an index prefix.
func lookupJoin(j *exec.JoinNode) exec.Node {
	s, ok := j.Right.(*exec.ScanNode)
	if !ok || len(j.Rkeys) == 0 || s.WithRef || (j.Kind != exec.JoinInner && j.Kind != exec.JoinLeft) {
		return j
	}
	byCol := map[int]exec.Expr{}
	for i, rk := range j.Rkeys {
		var c *exec.ColExpr
		switch x := rk.(type) {
		case *exec.ColExpr:
			c = x
		case *exec.CastExpr:
			if ce, ok := x.E.(*exec.ColExpr); ok && exec.KeyCompatible(x.From, x.To) {
				c = ce
			}
		}
		if c == nil || c.Idx < j.Lw {
			continue
		}
		if _, dup := byCol[c.Idx-j.Lw]; !dup {
			byCol[c.Idx-j.Lw] = j.Lkeys[i]
		}
	}
	build := func(cols []int) ([]exec.Expr, []types.T, bool) {
		var keys []exec.Expr
		var ts []types.T
		for _, c := range cols {
			k, ok := byCol[c]
			if !ok {
				break
			}
			keys = append(keys, k)
			ts = append(ts, s.T.Columns[c].Type)
		}
		return keys, ts, len(keys) > 0
	}
	lj := &exec.LookupJoinNode{Left: j.Left, Scan: s, Kind: j.Kind, Lw: j.Lw, Cols: j.Cols}
	if keys, ts, ok := build(s.T.PKIdx); ok && len(keys) == len(s.T.PKIdx) {
		lj.Keys, lj.KeyTs = keys, ts
	} else {
		var best *catalog.Index
		for _, ix := range s.T.Indexes {
			cols := make([]int, len(ix.Columns))
			for i, id := range ix.Columns {
				cols[i] = s.T.ColIndexByID(id)
			}
			if keys, ts, ok := build(cols); ok && len(keys) > len(lj.Keys) {
				best, lj.Keys, lj.KeyTs = ix, keys, ts
			}
		}
		if best == nil {
			return j
		}
		lj.Index = best
	}
	var conds []exec.Expr
	if j.Pred != nil {
		conds = append(conds, j.Pred)
	}
	for i := range j.Lkeys {
		conds = append(conds, &exec.KeyEqExpr{L: j.Lkeys[i], R: j.Rkeys[i]})
	}
	lj.Pred = exec.AndOf(conds)
	return lj
}
