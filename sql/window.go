package sql

import (
	"sort"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Window functions: the window node materializes its input, computes each
// window call per partition and appends the results as columns, which the
// select list reads through the scope's aggMap.

const (
	frameNonDefault        = 0x00001
	frameRows              = 0x00004
	frameStartUnboundedPre = 0x00020
	frameEndUnboundedFol   = 0x00100
	frameEndCurrentRow     = 0x00400
	frameExclusion         = 0x08000 | 0x10000 | 0x20000 // EXCLUDE CURRENT ROW | GROUP | TIES
)

type windowCall struct {
	name     string
	args     []expr
	parts    []expr
	order    []sortKey // over the order exprs, indexes into orderBy
	orderBy  []expr
	agg      *aggSpec // aggregate used as a window function
	t        types.T
	whole    bool // frame is the whole partition
	rowFrame bool // ROWS frame ending at the current row (no peers)
}

type windowNode struct {
	src   node
	calls []*windowCall
	cols  []resultCol
}

var windowOnly = map[string]bool{"row_number": true, "rank": true, "dense_rank": true, "lag": true, "lead": true,
	"first_value": true, "last_value": true, "ntile": true, "percent_rank": true, "cume_dist": true}

func collectWindows(n *pg_query.Node, out []*pg_query.Node) []*pg_query.Node {
	walkNodes(n, func(x *pg_query.Node) bool {
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
func (p *planner) planWindows(src node, sc *scope, sel *pg_query.SelectStmt) (node, *scope, error) {
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
	wn := &windowNode{src: src}
	cols := append([]resultCol(nil), sc.cols...)
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
		cols = append(cols, resultCol{name: wc.name, t: wc.t, hidden: true})
		wn.calls = append(wn.calls, wc)
	}
	wn.cols = cols
	m.cols = cols
	return wn, &scope{cols: cols, parent: sc.parent, agg: m, using: sc.using}, nil
}

func (p *planner) compileWindow(fc *pg_query.FuncCall, sc *scope, named map[string]*pg_query.WindowDef) (*windowCall, error) {
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
		if wd.FrameOptions&frameNonDefault != 0 {
			merged.FrameOptions = wd.FrameOptions
		}
		wd = merged
	}
	wc := &windowCall{name: name}
	opts := wd.FrameOptions
	if opts&frameExclusion != 0 {
		return nil, pgerror.Unsupported("window frame EXCLUDE") // refused, not ignored
	}
	if opts&frameNonDefault != 0 {
		switch {
		case opts&frameStartUnboundedPre != 0 && opts&frameEndUnboundedFol != 0:
			wc.whole = true
		case opts&frameStartUnboundedPre != 0 && opts&frameEndCurrentRow != 0:
			wc.rowFrame = opts&frameRows != 0
		default:
			return nil, pgerror.Unsupported("this window frame")
		}
	}
	saved := p.where
	p.where = "window functions"
	defer func() { p.where = saved }()
	for _, pn := range wd.PartitionClause {
		e, err := p.compileExpr(pn, sc)
		if err != nil {
			return nil, err
		}
		if e, err = p.resolveUnknown(e); err != nil {
			return nil, err
		}
		wc.parts = append(wc.parts, e)
	}
	for i, on := range wd.OrderClause {
		sb := on.GetSortBy()
		e, err := p.compileExpr(sb.Node, sc)
		if err != nil {
			return nil, err
		}
		if e, err = p.resolveUnknown(e); err != nil {
			return nil, err
		}
		k := sortKey{idx: i, t: e.typ(), desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
		k.nullsFirst = k.desc
		if sb.SortbyNulls == pg_query.SortByNulls_SORTBY_NULLS_FIRST {
			k.nullsFirst = true
		} else if sb.SortbyNulls == pg_query.SortByNulls_SORTBY_NULLS_LAST {
			k.nullsFirst = false
		}
		wc.orderBy = append(wc.orderBy, e)
		wc.order = append(wc.order, k)
	}
	if isAggregate(name) {
		spec, err := p.compileAgg(&pg_query.FuncCall{Funcname: fc.Funcname, Args: fc.Args, AggStar: fc.AggStar, AggDistinct: fc.AggDistinct, AggFilter: fc.AggFilter}, sc)
		if err != nil {
			return nil, err
		}
		wc.agg, wc.t = spec, spec.t
		return wc, nil
	}
	if !windowOnly[name] {
		return nil, pgerror.New("42809", "function %s is not a window function", name)
	}
	for _, a := range fc.Args {
		e, err := p.compileExpr(a, sc)
		if err != nil {
			return nil, err
		}
		if e, err = p.resolveUnknown(e); err != nil {
			return nil, err
		}
		wc.args = append(wc.args, e)
	}
	switch name {
	case "row_number", "rank", "dense_rank", "ntile":
		wc.t = int8T
		if name == "ntile" {
			if len(wc.args) != 1 {
				return nil, noFunc(name, wc.args)
			}
			var err error
			if wc.args[0], err = p.coerce(wc.args[0], int8T, types.CastImplicit); err != nil {
				return nil, err
			}
		}
	case "percent_rank", "cume_dist":
		wc.t = float8T
	case "lag", "lead", "first_value", "last_value":
		if len(wc.args) == 0 {
			return nil, noFunc(name, wc.args)
		}
		wc.t = wc.args[0].typ()
		if len(wc.args) > 1 {
			var err error
			if wc.args[1], err = p.coerce(wc.args[1], int8T, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		if len(wc.args) > 2 {
			var err error
			if wc.args[2], err = p.coerce(wc.args[2], wc.t, types.CastImplicit); err != nil {
				return nil, err
			}
		}
	}
	return wc, nil
}

func (w *windowNode) columns() []resultCol { return w.cols }

func (w *windowNode) start(ec *runCtx) (iterator, error) {
	rows, err := runNodeIn(ec, w.src, ec.budget("window aggregate"))
	if err != nil {
		return nil, err
	}
	width := len(w.cols) - len(w.calls)
	out := make([][]types.Datum, len(rows))
	for i, r := range rows {
		row := make([]types.Datum, len(w.cols))
		copy(row, r[:width])
		out[i] = row
	}
	for ci, wc := range w.calls {
		if err := wc.compute(ec, out, width+ci); err != nil {
			return nil, err
		}
	}
	return &sliceIter{rows: out}, nil
}

// compute fills column col of rows with the window function's values.
func (wc *windowCall) compute(ec *runCtx, rows [][]types.Datum, col int) error {
	type item struct {
		row  []types.Datum
		part string
		keys []types.Datum
	}
	items := make([]item, len(rows))
	pts := make([]types.T, len(wc.parts))
	for i, p := range wc.parts {
		pts[i] = p.typ()
	}
	for i, r := range rows {
		var kb []byte
		for j, p := range wc.parts {
			v, err := p.eval(ec, r)
			if err != nil {
				return err
			}
			kb = appendHashKey(kb, pts[j], v)
		}
		keys := make([]types.Datum, len(wc.orderBy))
		for j, o := range wc.orderBy {
			v, err := o.eval(ec, r)
			if err != nil {
				return err
			}
			keys[j] = v
		}
		items[i] = item{row: r, part: string(kb), keys: keys}
	}
	sort.SliceStable(items, func(a, b int) bool {
		if items[a].part != items[b].part {
			return items[a].part < items[b].part
		}
		return compareRows(items[a].keys, items[b].keys, wc.order) < 0
	})
	for start := 0; start < len(items); {
		end := start
		for end < len(items) && items[end].part == items[start].part {
			end++
		}
		part := items[start:end]
		peerEnd := func(i int) int {
			j := i + 1
			for j < len(part) && compareRows(part[i].keys, part[j].keys, wc.order) == 0 {
				j++
			}
			return j
		}
		n := len(part)
		switch {
		case wc.agg != nil:
			st := &aggState{}
			if wc.whole || len(wc.order) == 0 {
				for _, it := range part {
					if err := wc.agg.step(ec, st, it.row); err != nil {
						return err
					}
				}
				v, err := wc.agg.final(ec, st)
				if err != nil {
					return err
				}
				for _, it := range part {
					it.row[col] = v
				}
				break
			}
			for i := 0; i < n; {
				j := peerEnd(i)
				if wc.rowFrame {
					j = i + 1
				}
				for k := i; k < j; k++ {
					if err := wc.agg.step(ec, st, part[k].row); err != nil {
						return err
					}
				}
				v, err := wc.agg.final(ec, st)
				if err != nil {
					return err
				}
				for k := i; k < j; k++ {
					part[k].row[col] = v
				}
				i = j
			}
		case wc.name == "row_number":
			for i, it := range part {
				it.row[col] = int64(i + 1)
			}
		case wc.name == "rank", wc.name == "dense_rank", wc.name == "percent_rank", wc.name == "cume_dist":
			dense := int64(0)
			for i := 0; i < n; {
				j := peerEnd(i)
				dense++
				for k := i; k < j; k++ {
					switch wc.name {
					case "rank":
						part[k].row[col] = int64(i + 1)
					case "dense_rank":
						part[k].row[col] = dense
					case "percent_rank":
						if n > 1 {
							part[k].row[col] = float64(i) / float64(n-1)
						} else {
							part[k].row[col] = float64(0)
						}
					default:
						part[k].row[col] = float64(j) / float64(n)
					}
				}
				i = j
			}
		case wc.name == "ntile":
			for i, it := range part {
				v, err := wc.args[0].eval(ec, it.row)
				if err != nil {
					return err
				}
				b, _ := v.(int64)
				if b <= 0 {
					return pgerror.New(pgerror.InvalidParameterValue, "argument of ntile must be greater than zero")
				}
				it.row[col] = int64(i)*b/int64(n) + 1
			}
		default: // lag, lead, first_value, last_value
			for i, it := range part {
				off := int64(1)
				if len(wc.args) > 1 {
					v, err := wc.args[1].eval(ec, it.row)
					if err != nil {
						return err
					}
					off, _ = v.(int64)
				}
				target := -1
				switch wc.name {
				case "lag":
					target = i - int(off)
				case "lead":
					target = i + int(off)
				case "first_value":
					target = 0
				case "last_value":
					target = n - 1
					if !wc.whole {
						target = peerEnd(i) - 1
						if wc.rowFrame {
							target = i
						}
					}
				}
				if target < 0 || target >= n {
					var dv types.Datum
					if len(wc.args) > 2 {
						v, err := wc.args[2].eval(ec, it.row)
						if err != nil {
							return err
						}
						dv = v
					}
					it.row[col] = dv
					continue
				}
				v, err := wc.args[0].eval(ec, part[target].row)
				if err != nil {
					return err
				}
				it.row[col] = v
			}
		}
		start = end
	}
	return nil
}
