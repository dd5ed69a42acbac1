package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// planFunctionScan plans a function in FROM: a set-returning function, a
// column-definition-list function (json_to_record), ROWS FROM (f(…),
// g(…)) and multi-argument unnest (its functions side by side, NULL-padded
// to the longest), or a scalar function as a one-row relation named after
// it. parent is the preceding FROM items' scope when the item is LATERAL.
func (p *Planner) planFunctionScan(rf *pg_query.RangeFunction, parent *Scope) (*FromItem, error) {
	sc := &Scope{parent: parent}
	if !rf.IsRowsfrom && len(rf.Functions) == 1 {
		items := rf.Functions[0].GetList().GetItems()
		fc := items[0].GetFuncCall()
		if fc == nil || funcName(fc.Funcname) != "unnest" || len(fc.Args) < 2 {
			return p.singleFunctionScan(rf, items[0], sc)
		}
	}
	if rf.IsRowsfrom && len(rf.Coldeflist) > 0 {
		return nil, &pgerror.Error{Code: pgerror.SyntaxError, Message: "ROWS FROM() with multiple functions cannot have a column definition list",
			Hint: "Put a separate column definition list for each function inside ROWS FROM()."}
	}
	z := &zipSRFNode{ordinality: rf.Ordinality}
	var cols []exec.Column
	first := ""
	add := func(item *pg_query.Node, coldefs []*pg_query.Node) error {
		part, name, err := p.fromFunction(item, coldefs, sc)
		if err != nil {
			return err
		}
		if first == "" {
			first = name
		}
		c := part.outCols(name)
		part.cols = c
		z.parts = append(z.parts, part)
		z.widths = append(z.widths, len(c))
		cols = append(cols, c...)
		return nil
	}
	for _, f := range rf.Functions {
		items := f.GetList().GetItems()
		var coldefs []*pg_query.Node
		if len(items) > 1 {
			coldefs = items[1].GetList().GetItems()
		}
		if fc := items[0].GetFuncCall(); fc != nil && funcName(fc.Funcname) == "unnest" && len(fc.Args) > 1 && !rf.IsRowsfrom {
			// unnest(a, b, …) is ROWS FROM (unnest(a), unnest(b), …)
			for _, a := range fc.Args {
				one := &pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: &pg_query.FuncCall{Funcname: fc.Funcname, Args: []*pg_query.Node{a}, Location: fc.Location}}}
				if err := add(one, nil); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err := add(items[0], coldefs); err != nil {
			return nil, err
		}
	}
	if rf.Ordinality {
		cols = append(cols, exec.Column{Name: "ordinality", T: exec.Int8T})
	}
	cols, err := AliasCols(cols, rf.Alias, first)
	if err != nil {
		return nil, err
	}
	z.cols = cols
	return &FromItem{N: z, Cols: cols}, nil
}

// singleFunctionScan plans a FROM item of one function.
func (p *Planner) singleFunctionScan(rf *pg_query.RangeFunction, item *pg_query.Node, sc *Scope) (*FromItem, error) {
	if fc := item.GetFuncCall(); fc != nil && len(rf.Coldeflist) == 0 && p.userFunctions(fc.Funcname) == nil {
		if name := funcName(fc.Funcname); !exec.SRFNames[name] && !recordFuncs[name] {
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
		}
	}
	part, name, err := p.fromFunction(item, rf.Coldeflist, sc)
	if err != nil {
		return nil, err
	}
	if rf.Ordinality && len(rf.Coldeflist) > 0 {
		return nil, &pgerror.Error{Code: pgerror.SyntaxError, Message: "WITH ORDINALITY cannot be used with a column definition list",
			Hint: "Put the column definition list inside ROWS FROM()."}
	}
	cols := part.outCols(name)
	if rf.Ordinality {
		cols = append(cols, exec.Column{Name: "ordinality", T: exec.Int8T})
		part.ordinality = true
	}
	cols, err = AliasCols(cols, rf.Alias, name)
	if err != nil {
		return nil, err
	}
	if rf.Alias != nil && len(rf.Alias.Colnames) == 0 && part.names == nil && len(rf.Coldeflist) == 0 {
		cols[0].Name = rf.Alias.Aliasname // f(x) AS a: the column is a too
	}
	part.cols = cols
	return &FromItem{N: part, Cols: cols}, nil
}

// fromFunction plans one function of a FROM item: its node and the name
// its single column takes.
func (p *Planner) fromFunction(item *pg_query.Node, coldefs []*pg_query.Node, sc *Scope) (*SRFNode, string, error) {
	fc := item.GetFuncCall()
	if fc == nil || fc.AggStar || fc.Over != nil || len(fc.AggOrder) > 0 || fc.AggFilter != nil || fc.FuncVariadic {
		// an expression that PostgreSQL's grammar allows here (CAST,
		// COALESCE, CURRENT_DATE, …): a one-row relation
		name := outputName(item)
		if tc := item.GetTypeCast(); tc != nil {
			name = LastName(tc.TypeName.Names)
		}
		n, err := p.scalarFromFunction(item, coldefs, sc)
		return n, name, err
	}
	name := funcName(fc.Funcname)
	if n, ok, err := p.routineFromFunction(fc, coldefs, sc); ok || err != nil { // routines.go
		return n, LastName(fc.Funcname), err // s.f() is called f, as in PostgreSQL
	}
	if !exec.SRFNames[name] && !recordFuncs[name] {
		n, err := p.scalarFromFunction(item, coldefs, sc)
		return n, name, err
	}
	args := make([]exec.Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := p.CompileExpr(a, sc)
		if err != nil {
			return nil, "", err
		}
		args[i] = e
	}
	var defs []exec.Column
	if recordFuncs[name] {
		if len(coldefs) == 0 {
			return nil, "", pgerror.New(pgerror.SyntaxError, "a column definition list is required for functions returning \"record\"")
		}
		var err error
		if defs, err = p.columnDefs(coldefs); err != nil {
			return nil, "", err
		}
	} else if len(coldefs) > 0 {
		return nil, "", pgerror.New(pgerror.SyntaxError, "a column definition list is only allowed for functions returning \"record\"")
	}
	n, err := p.setReturningFunc(name, args)
	if err != nil {
		return nil, "", err
	}
	if fs, ok := types.RecordFields(n.t); ok && name == "unnest" && len(args) == 1 && n.t.OID != types.RecordOID && len(fs) > 0 {
		// unnest of a composite array: the type's fields are the columns
		n.spread, n.names, n.t, n.t2 = true, nil, fs[0].T, nil
		for i, f := range fs {
			n.names = append(n.names, f.Name)
			if i > 0 {
				n.t2 = append(n.t2, f.T)
			}
		}
	}
	if defs != nil {
		n.names, n.t, n.t2 = nil, defs[0].T, nil
		for i, d := range defs {
			n.names = append(n.names, d.Name)
			if i > 0 {
				n.t2 = append(n.t2, d.T)
			}
		}
	}
	return n, name, nil
}

// scalarFromFunction is a scalar function (or expression) in FROM: one row
// holding its value.
func (p *Planner) scalarFromFunction(item *pg_query.Node, coldefs []*pg_query.Node, sc *Scope) (*SRFNode, error) {
	if len(coldefs) > 0 {
		return nil, pgerror.New(pgerror.SyntaxError, "a column definition list is only allowed for functions returning \"record\"")
	}
	e, err := p.CompileExpr(item, sc)
	if err != nil {
		return nil, err
	}
	if e, err = p.ResolveUnknown(e); err != nil {
		return nil, err
	}
	return &SRFNode{Name: "", args: []exec.Expr{e}, t: e.Type(), scalar: true}, nil
}

// columnDefs compiles a column definition list: AS t(a int, b text).
func (p *Planner) columnDefs(defs []*pg_query.Node) ([]exec.Column, error) {
	var out []exec.Column
	seen := map[string]bool{}
	for _, d := range defs {
		cd := d.GetColumnDef()
		if cd == nil {
			return nil, pgerror.Unsupported("this column definition")
		}
		t, err := p.TypeFromNode(cd.TypeName)
		if err != nil {
			return nil, err
		}
		if seen[cd.Colname] {
			return nil, pgerror.New("42701", "column \"%s\" specified more than once", cd.Colname)
		}
		seen[cd.Colname] = true
		out = append(out, exec.Column{Name: cd.Colname, T: t})
	}
	return out, nil
}

// funcReadsScope reports whether a function item's arguments read the
// columns of sc (the FROM items before it), which makes it LATERAL.
func (p *Planner) funcReadsScope(rf *pg_query.RangeFunction, sc *Scope) bool {
	saved := p.correlated
	defer func() { p.correlated = saved }()
	inner := &Scope{parent: sc}
	for _, f := range rf.Functions {
		items := f.GetList().GetItems()
		if len(items) == 0 {
			continue
		}
		args := []*pg_query.Node{items[0]}
		if fc := items[0].GetFuncCall(); fc != nil {
			args = fc.Args
		}
		for _, a := range args {
			e, err := p.CompileExpr(a, inner)
			if err != nil {
				return true // reported when the item is planned
			}
			reads := false
			exec.WalkExpr(e, func(x exec.Expr) {
				switch o := x.(type) {
				case *exec.OuterExpr:
					reads = reads || o.Depth == 1
				case *exec.SubqueryExpr:
					reads = reads || o.Correlated
				}
			})
			if reads {
				return true
			}
		}
	}
	return false
}

// collectSRFs adds the set-returning function calls of a select-list
// expression to calls (once each, by exprKey), outside sub-queries and
// not inside another one's arguments. One inside CASE or COALESCE is an
// error, as in PostgreSQL 10 and later.
func collectSRFs(n *pg_query.Node, calls []*pg_query.Node, seen map[string]bool, user func(*pg_query.FuncCall) bool) ([]*pg_query.Node, error) {
	var err error
	WalkNodes(n, func(x *pg_query.Node) bool {
		if err != nil || x.GetSubLink() != nil {
			return false
		}
		if fc := x.GetFuncCall(); fc != nil && fc.Over == nil && (exec.SRFNames[funcName(fc.Funcname)] || user(fc)) {
			if k := exprKey(x); !seen[k] {
				seen[k] = true
				calls = append(calls, x)
			}
			return false
		}
		what := ""
		switch {
		case x.GetCaseExpr() != nil:
			what = "CASE"
		case x.GetCoalesceExpr() != nil:
			what = "COALESCE"
		}
		if what != "" {
			if inner, _ := collectSRFs(&pg_query.Node{Node: &pg_query.Node_List{List: &pg_query.List{Items: caseParts(x)}}}, nil, map[string]bool{}, user); len(inner) > 0 {
				err = &pgerror.Error{Code: pgerror.FeatureNotSupported, Message: "set-returning functions are not allowed in " + what,
					Hint: "You might be able to move the set-returning function into a LATERAL FROM item."}
			}
		}
		return true
	})
	return calls, err
}

// caseParts is the sub-expressions of a CASE or COALESCE node.
func caseParts(x *pg_query.Node) []*pg_query.Node {
	if c := x.GetCoalesceExpr(); c != nil {
		return c.Args
	}
	c := x.GetCaseExpr()
	parts := []*pg_query.Node{c.Arg, c.Defresult}
	for _, w := range c.Args {
		if cw := w.GetCaseWhen(); cw != nil {
			parts = append(parts, cw.Expr, cw.Result)
		}
	}
	out := parts[:0]
	for _, p := range parts {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// planTargetSRF plans the set-returning functions of the select list:
// each becomes a column an exec.SRFProjectNode appends (a record when the
// function has several columns), which the select list then reads as the
// call's value.
func (p *Planner) planTargetSRF(src exec.Node, sc *Scope, list []*pg_query.Node) (exec.Node, *Scope, error) {
	var calls []*pg_query.Node
	seen := map[string]bool{}
	for _, item := range list {
		var err error
		if calls, err = collectSRFs(item.GetResTarget().Val, calls, seen, p.isUserSRF); err != nil {
			return nil, nil, err
		}
	}
	if len(calls) == 0 {
		return src, sc, nil
	}
	cols := append([]exec.Column(nil), sc.cols...)
	m := &aggMap{slots: map[string]int{}}
	if sc.agg != nil {
		for k, v := range sc.agg.slots {
			m.slots[k] = v
		}
		m.from = sc.agg.from
	}
	var srfs []exec.SetFunc
	for _, call := range calls {
		fc := call.GetFuncCall()
		name := funcName(fc.Funcname)
		if p.isUserSRF(fc) { // routines.go
			srf, _, err := p.routineFromFunction(fc, nil, sc)
			if err != nil {
				return nil, nil, err
			}
			rt, err := srf.asRecord()
			if err != nil {
				return nil, nil, err
			}
			m.slots[exprKey(call)] = len(cols)
			cols = append(cols, exec.Column{Name: name, T: rt, Hidden: true})
			srfs = append(srfs, srf)
			continue
		}
		args := make([]exec.Expr, len(fc.Args))
		for i, a := range fc.Args {
			e, err := p.CompileExpr(a, sc)
			if err != nil {
				return nil, nil, err
			}
			args[i] = e
		}
		if recordFuncs[name] {
			return nil, nil, pgerror.New(pgerror.FeatureNotSupported, "function returning record called in context that cannot accept type record")
		}
		srf, err := p.setReturningFunc(name, args)
		if err != nil {
			return nil, nil, err
		}
		rt, err := srf.asRecord()
		if err != nil {
			return nil, nil, err
		}
		m.slots[exprKey(call)] = len(cols)
		cols = append(cols, exec.Column{Name: name, T: rt, Hidden: true})
		srfs = append(srfs, srf)
	}
	m.cols = cols
	nsc := &Scope{cols: cols, parent: sc.parent, using: sc.using, agg: m}
	return &exec.SRFProjectNode{Src: src, Srfs: srfs, Cols: cols}, nsc, nil
}

// lookupJoin turns a hash join whose right side is a table scan into a
// lookup join when its keys cover the primary key or an index prefix.
func lookupJoin(j *exec.JoinNode) exec.Node {
	s, ok := j.Right.(*exec.ScanNode)
	if !ok || s.Leaves != nil || len(j.Rkeys) == 0 || s.Security != nil || s.WithRef && !s.DMLTarget || (j.Kind != exec.JoinInner && j.Kind != exec.JoinLeft) {
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
			if !ix.Plain() {
				continue
			}
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
