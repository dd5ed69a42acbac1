package sql

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

type joinKind uint8

const (
	joinInner joinKind = iota
	joinLeft
	joinRight
	joinFull
)

// joinNode joins left and right: a hash join on lkeys = rkeys, or a nested
// loop over the materialized right side when there are no keys. lkeys read
// the left row; rkeys and pred read the combined row (left then right).
type joinNode struct {
	left, right  node
	kind         joinKind
	lw           int // width of the left row
	lkeys, rkeys []expr
	pred         expr
	cols         []resultCol
}

func (j *joinNode) columns() []resultCol { return j.cols }

func (j *joinNode) start(ec *runCtx) (iterator, error) {
	what := "nested loop's inner side"
	if len(j.lkeys) > 0 {
		what = "hash join's build side"
	}
	mem := ec.budget(what)
	rrows, err := runNodeIn(ec, j.right, mem)
	if err != nil {
		return nil, err
	}
	it := &joinIter{j: j, ec: ec, rrows: rrows, width: len(j.cols)}
	if j.kind == joinRight || j.kind == joinFull {
		it.matched = make([]bool, len(rrows))
	}
	if len(j.lkeys) > 0 {
		it.table = map[string][]int{}
		buf := make([]types.Datum, it.width)
		var kb []byte
		for i, r := range rrows {
			copy(buf[j.lw:], r)
			var null bool
			kb, null, err = j.keyOf(ec, kb[:0], j.rkeys, buf)
			if err != nil {
				return nil, err
			}
			if null {
				continue
			}
			if err := mem.add(int64(len(kb)) + 40); err != nil {
				return nil, err
			}
			it.table[string(kb)] = append(it.table[string(kb)], i)
		}
	}
	if it.left, err = j.left.start(ec); err != nil {
		return nil, err
	}
	return it, nil
}

func (j *joinNode) keyOf(ec *runCtx, dst []byte, keys []expr, row []types.Datum) ([]byte, bool, error) {
	for _, k := range keys {
		v, err := k.eval(ec, row)
		if err != nil {
			return nil, false, err
		}
		if v == nil {
			return dst, true, nil
		}
		dst = types.AppendKey(dst, k.typ(), v)
	}
	return dst, false, nil
}

type joinIter struct {
	j       *joinNode
	ec      *runCtx
	left    iterator
	rrows   [][]types.Datum
	table   map[string][]int
	matched []bool
	width   int

	cur      []types.Datum // current left row
	cands    []int
	all      bool // nested loop: candidates are all right rows
	pos      int
	curMatch bool
	leftDone bool
	tail     int // position in the unmatched-right pass
	kb       []byte
}

func (it *joinIter) combine(l, r []types.Datum) []types.Datum {
	row := make([]types.Datum, it.width)
	if l != nil {
		copy(row, l)
	}
	if r != nil {
		copy(row[it.j.lw:], r)
	}
	return row
}

func (it *joinIter) next() ([]types.Datum, error) {
	j := it.j
	for !it.leftDone {
		if it.cur == nil {
			l, err := it.left.next()
			if err != nil {
				return nil, err
			}
			if l == nil {
				it.leftDone = true
				break
			}
			if err := it.ec.tick(); err != nil {
				return nil, err
			}
			it.cur, it.pos, it.curMatch = l, 0, false
			if it.table != nil {
				var null bool
				it.kb, null, err = j.keyOf(it.ec, it.kb[:0], j.lkeys, l)
				if err != nil {
					return nil, err
				}
				it.cands, it.all = nil, false
				if !null {
					it.cands = it.table[string(it.kb)]
				}
			} else {
				it.all = true
			}
		}
		n := len(it.cands)
		if it.all {
			n = len(it.rrows)
		}
		for it.pos < n {
			ri := it.pos
			if !it.all {
				ri = it.cands[it.pos]
			}
			it.pos++
			row := it.combine(it.cur, it.rrows[ri])
			if j.pred != nil {
				ok, err := evalBool(it.ec, j.pred, row)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			it.curMatch = true
			if it.matched != nil {
				it.matched[ri] = true
			}
			return row, nil
		}
		l := it.cur
		it.cur = nil
		if !it.curMatch && (j.kind == joinLeft || j.kind == joinFull) {
			return it.combine(l, nil), nil
		}
	}
	if it.matched != nil {
		for it.tail < len(it.rrows) {
			i := it.tail
			it.tail++
			if !it.matched[i] {
				return it.combine(nil, it.rrows[i]), nil
			}
		}
	}
	return nil, nil
}

func (it *joinIter) close() {
	if it.left != nil {
		it.left.close()
	}
}

// planFunctionScan plans a set-returning function in FROM
// (generate_series, unnest).
func (p *planner) planFunctionScan(rf *pg_query.RangeFunction, parent *scope) (*fromItem, error) {
	if len(rf.Functions) != 1 {
		return nil, unsupportedFrom("this kind of function in FROM")
	}
	items := rf.Functions[0].GetList().GetItems()
	fc := items[0].GetFuncCall()
	if fc == nil {
		return nil, unsupportedFrom("this kind of function in FROM")
	}
	name := funcName(fc.Funcname)
	sc := &scope{parent: parent} // for LATERAL, parent is the preceding items
	args := make([]expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := p.compileExpr(a, sc)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	if fi, ok, err := p.planSlotFunc(name, args, rf); ok { // funcs_changefeed.go
		return fi, err
	}
	srf, err := p.setReturningFunc(name, args)
	if err != nil {
		return nil, err
	}
	cols := []resultCol{{name: name, t: srf.t}}
	if srf.names != nil {
		cols = []resultCol{{name: srf.names[0], t: srf.t}}
		for i, t := range srf.t2 {
			cols = append(cols, resultCol{name: srf.names[i+1], t: t})
		}
	}
	if rf.Ordinality {
		cols = append(cols, resultCol{name: "ordinality", t: int8T})
		srf.ordinality = true
	}
	cols, err = aliasCols(cols, rf.Alias, name)
	if err != nil {
		return nil, err
	}
	if rf.Alias != nil && len(rf.Alias.Colnames) == 0 && len(cols) >= 1 && srf.names == nil {
		cols[0].name = rf.Alias.Aliasname
	}
	srf.cols = cols
	return &fromItem{n: srf, cols: cols}, nil
}

// srfProjectNode evaluates a set-returning function of the select list for
// each input row, appending its value to the row (one output row per
// value).
type srfProjectNode struct {
	src  node
	srf  setFunc
	cols []resultCol
}

// setFunc is a set-returning function: its rows for one input row.
type setFunc interface {
	iterFor(ec *runCtx, in []types.Datum) (iterator, error)
}

func (n *srfProjectNode) columns() []resultCol { return n.cols }
func (n *srfProjectNode) start(ec *runCtx) (iterator, error) {
	it, err := n.src.start(ec)
	if err != nil {
		return nil, err
	}
	return &srfProjectIter{n: n, src: it, ec: ec}, nil
}

type srfProjectIter struct {
	n   *srfProjectNode
	src iterator
	ec  *runCtx
	in  []types.Datum
	cur iterator // the function's rows for in; nil between input rows
}

func (it *srfProjectIter) next() ([]types.Datum, error) {
	for {
		if it.cur != nil {
			v, err := it.cur.next()
			if err != nil {
				return nil, err
			}
			if v != nil {
				row := make([]types.Datum, len(it.in)+1)
				copy(row, it.in)
				row[len(it.in)] = v[0]
				return row, nil
			}
			it.cur.close()
			it.cur = nil
		}
		in, err := it.src.next()
		if err != nil || in == nil {
			return nil, err
		}
		if it.cur, err = it.n.srf.iterFor(it.ec, in); err != nil {
			return nil, err
		}
		it.in = in
	}
}
func (it *srfProjectIter) close() {
	if it.cur != nil {
		it.cur.close()
	}
	it.src.close()
}

var srfNames = map[string]bool{"generate_series": true, "unnest": true, "pg_options_to_table": true, "_pg_expandarray": true,
	"generate_subscripts": true}

// targetSRF returns the set-returning function call of a select-list item:
// the item itself, or the record whose field it selects
// ((_pg_expandarray(a)).n).
func targetSRF(val *pg_query.Node) *pg_query.FuncCall {
	if ind := val.GetAIndirection(); ind != nil {
		val = ind.Arg
	}
	fc := val.GetFuncCall()
	if fc == nil || !srfNames[funcName(fc.Funcname)] || fc.Over != nil {
		return nil
	}
	return fc
}

// planTargetSRF handles one set-returning function call at the top of the
// select list: it becomes a column appended by an srfProjectNode.
func (p *planner) planTargetSRF(src node, sc *scope, list []*pg_query.Node) (node, *scope, error) {
	for _, item := range list {
		rt := item.GetResTarget()
		fc := targetSRF(rt.Val)
		if fc == nil {
			continue
		}
		name := funcName(fc.Funcname)
		args := make([]expr, len(fc.Args))
		for i, a := range fc.Args {
			e, err := p.compileExpr(a, sc)
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
		nsc := &scope{cols: append(append([]resultCol(nil), sc.cols...), resultCol{name: name, t: srf.t, hidden: true}), parent: sc.parent, using: sc.using}
		m := &aggMap{slots: map[string]int{key: len(sc.cols)}, cols: nsc.cols, from: nil}
		if sc.agg != nil {
			for k, v := range sc.agg.slots {
				m.slots[k] = v
			}
			m.from = sc.agg.from
		}
		nsc.agg = m
		return &srfProjectNode{src: src, srf: srf, cols: nsc.cols}, nsc, nil
	}
	return src, sc, nil
}

// keyEqExpr is l = r by key encoding (for join keys whose types share one).
type keyEqExpr struct{ l, r expr }

func (e *keyEqExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	l, err := e.l.eval(ec, row)
	if err != nil || l == nil {
		return nil, err
	}
	r, err := e.r.eval(ec, row)
	if err != nil || r == nil {
		return nil, err
	}
	return string(types.AppendKey(nil, e.l.typ(), l)) == string(types.AppendKey(nil, e.r.typ(), r)), nil
}
func (e *keyEqExpr) typ() types.T { return boolT }

// lookupJoinNode joins each left row with the rows of a table found by key:
// a point Get when the join keys cover the primary key, else a range scan
// of an index prefix. It reads only the rows it joins, so its OCC read set
// stays as narrow as the left side.
type lookupJoinNode struct {
	left   node
	scan   *scanNode // the right table; its preds filter the rows found
	index  *catalog.Index
	keys   []expr // left expressions, one per leading key column
	keyTs  []types.T
	kind   joinKind // joinInner or joinLeft
	lw     int
	pred   expr // residual over the combined row (includes every join key)
	cols   []resultCol
	rwidth int
}

func (j *lookupJoinNode) columns() []resultCol { return j.cols }

func (j *lookupJoinNode) start(ec *runCtx) (iterator, error) {
	it, err := j.left.start(ec)
	if err != nil {
		return nil, err
	}
	lj := &lookupIter{j: j, ec: ec, left: it}
	if len(j.scan.preds) > 0 {
		lj.rpred = andOf(j.scan.preds)
	}
	return lj, nil
}

type lookupIter struct {
	j     *lookupJoinNode
	ec    *runCtx
	left  iterator
	rpred expr
	cur   []types.Datum
	found [][]types.Datum
	pos   int
	match bool
}

func (it *lookupIter) fetch(l []types.Datum) ([][]types.Datum, error) {
	j := it.j
	var prefix []byte
	for i, k := range j.keys {
		v, err := k.eval(it.ec, l)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		prefix = types.AppendKey(prefix, j.keyTs[i], v)
	}
	txn := it.ec.txn.kv
	t := j.scan.t
	var out [][]types.Datum
	add := func(key, val []byte) error {
		row, err := j.scan.decode(key, val)
		if err != nil {
			return err
		}
		if it.rpred != nil {
			ok, err := evalBool(it.ec, it.rpred, row)
			if err != nil || !ok {
				return err
			}
		}
		out = append(out, row)
		return nil
	}
	if j.index == nil {
		val, ok, err := txn.Get(t.Space, prefix)
		if err != nil || !ok {
			return nil, err
		}
		return out, add(prefix, val)
	}
	kit := txn.Scan(j.index.Space, prefix, prefixEnd(prefix), false)
	defer kit.Close()
	for kit.Next() {
		pk := kit.Value()
		val, ok, err := txn.Get(t.Space, pk)
		if err != nil {
			return nil, err
		}
		if ok {
			if err := add(pk, val); err != nil {
				return nil, err
			}
		}
	}
	return out, kit.Err()
}

func (it *lookupIter) next() ([]types.Datum, error) {
	j := it.j
	for {
		if it.cur == nil {
			l, err := it.left.next()
			if err != nil || l == nil {
				return nil, err
			}
			if err := it.ec.tick(); err != nil {
				return nil, err
			}
			if it.found, err = it.fetch(l); err != nil {
				return nil, err
			}
			it.cur, it.pos, it.match = l, 0, false
		}
		row, err := joinProbe(it.ec, len(j.cols), j.lw, j.pred, it.cur, it.found, &it.pos)
		if err != nil || row != nil {
			it.match = it.match || row != nil
			return row, err
		}
		l := it.cur
		it.cur = nil
		if !it.match && j.kind == joinLeft {
			return padLeft(len(j.cols), l), nil
		}
	}
}

func (it *lookupIter) close() { it.left.close() }

// joinProbe returns the next row (width wide, the left row cur then a right
// row from lw on) of cur joined with rows[*pos:] that passes pred, advancing
// *pos past it; nil when none is left. Lookup and lateral joins share it:
// they differ only in how they find the right rows for cur.
func joinProbe(ec *runCtx, width, lw int, pred expr, cur []types.Datum, rows [][]types.Datum, pos *int) ([]types.Datum, error) {
	for *pos < len(rows) {
		r := rows[*pos]
		*pos++
		row := make([]types.Datum, width)
		copy(row, cur)
		copy(row[lw:], r)
		if pred != nil {
			ok, err := evalBool(ec, pred, row)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		return row, nil
	}
	return nil, nil
}

// padLeft is a LEFT join's row (width wide) for a left row l that matched
// nothing: the right side's columns are NULL.
func padLeft(width int, l []types.Datum) []types.Datum {
	row := make([]types.Datum, width)
	copy(row, l)
	return row
}

// lookupJoin turns a hash join whose right side is a table scan into a
// lookup join when its keys cover the primary key or an index prefix.
func lookupJoin(j *joinNode) node {
	s, ok := j.right.(*scanNode)
	if !ok || len(j.rkeys) == 0 || s.withRef || (j.kind != joinInner && j.kind != joinLeft) {
		return j
	}
	byCol := map[int]expr{}
	for i, rk := range j.rkeys {
		var c *colExpr
		switch x := rk.(type) {
		case *colExpr:
			c = x
		case *castExpr:
			if ce, ok := x.e.(*colExpr); ok && keyCompatible(x.from, x.to) {
				c = ce
			}
		}
		if c == nil || c.idx < j.lw {
			continue
		}
		if _, dup := byCol[c.idx-j.lw]; !dup {
			byCol[c.idx-j.lw] = j.lkeys[i]
		}
	}
	build := func(cols []int) ([]expr, []types.T, bool) {
		var keys []expr
		var ts []types.T
		for _, c := range cols {
			k, ok := byCol[c]
			if !ok {
				break
			}
			keys = append(keys, k)
			ts = append(ts, s.t.Columns[c].Type)
		}
		return keys, ts, len(keys) > 0
	}
	lj := &lookupJoinNode{left: j.left, scan: s, kind: j.kind, lw: j.lw, cols: j.cols}
	if keys, ts, ok := build(s.t.PKIdx); ok && len(keys) == len(s.t.PKIdx) {
		lj.keys, lj.keyTs = keys, ts
	} else {
		var best *catalog.Index
		for _, ix := range s.t.Indexes {
			cols := make([]int, len(ix.Columns))
			for i, id := range ix.Columns {
				cols[i] = s.t.ColIndexByID(id)
			}
			if keys, ts, ok := build(cols); ok && len(keys) > len(lj.keys) {
				best, lj.keys, lj.keyTs = ix, keys, ts
			}
		}
		if best == nil {
			return j
		}
		lj.index = best
	}
	var conds []expr
	if j.pred != nil {
		conds = append(conds, j.pred)
	}
	for i := range j.lkeys {
		conds = append(conds, &keyEqExpr{l: j.lkeys[i], r: j.rkeys[i]})
	}
	lj.pred = andOf(conds)
	return lj
}

// lateralJoinNode runs its right side once per left row, with the left row
// visible to it as the enclosing row (LATERAL).
type lateralJoinNode struct {
	left, right node
	kind        joinKind
	lw          int
	pred        expr
	cols        []resultCol
}

func (j *lateralJoinNode) columns() []resultCol { return j.cols }

func (j *lateralJoinNode) start(ec *runCtx) (iterator, error) {
	it, err := j.left.start(ec)
	if err != nil {
		return nil, err
	}
	return &lateralIter{j: j, ec: ec, left: it, mem: ec.budget("LATERAL item")}, nil
}

type lateralIter struct {
	j     *lateralJoinNode
	ec    *runCtx
	left  iterator
	cur   []types.Datum
	rows  [][]types.Datum
	pos   int
	match bool
	mem   *memBudget // the right side's rows for the current left row
}

func (it *lateralIter) next() ([]types.Datum, error) {
	j := it.j
	for {
		if it.cur == nil {
			l, err := it.left.next()
			if err != nil || l == nil {
				return nil, err
			}
			it.ec.outer = append(it.ec.outer, l)
			it.mem.release()
			rows, err := runNodeIn(it.ec, j.right, it.mem)
			it.ec.outer = it.ec.outer[:len(it.ec.outer)-1]
			if err != nil {
				return nil, err
			}
			it.cur, it.rows, it.pos, it.match = l, rows, 0, false
		}
		row, err := joinProbe(it.ec, len(j.cols), j.lw, j.pred, it.cur, it.rows, &it.pos)
		if err != nil || row != nil {
			it.match = it.match || row != nil
			return row, err
		}
		l := it.cur
		it.cur = nil
		if !it.match && j.kind == joinLeft {
			return padLeft(len(j.cols), l), nil
		}
	}
}

func (it *lateralIter) close() { it.left.close() }
