package sql

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// rowRef is the stored identity of a scanned row, carried as an extra
// column for UPDATE and DELETE.
type rowRef struct {
	key, val []byte
}

type pathKind uint8

const (
	pathFull   pathKind = iota // every row of the table
	pathPoint                  // one Get by the whole primary key
	pathRange                  // a key range of the primary key
	pathIndex                  // a key range of a secondary index, then row Gets
	pathPoints                 // Gets of a list of primary keys (pk IN (...), pk = ANY(...))
)

// accessPath is how a scan reads its table: equality values for the
// leading key columns, then an optional range on the next one.
type accessPath struct {
	kind           pathKind
	index          *catalog.Index // pathIndex
	eq             []expr
	lo, hi         expr
	loIncl, hiIncl bool
	points         expr // pathPoints: an inListExpr or anyArrayExpr over the key column
}

// scanNode reads one table. preds are all its pushed-down predicates (they
// are re-checked on every row, so the key range only has to cover them).
type scanNode struct {
	t       *catalog.Table
	cols    []resultCol
	rowCols []types.RowColumn
	preds   []expr
	path    accessPath
	reverse bool
	withRef bool // append a rowRef column
	chosen  bool
}

func newScanNode(t *catalog.Table) *scanNode {
	s := &scanNode{t: t}
	for i, c := range t.Columns {
		s.cols = append(s.cols, resultCol{name: c.Name, table: t.Name, t: c.Type, tableOID: t.OID, attNum: int16(i + 1)})
	}
	s.rowCols = t.RowColumns()
	return s
}

func (s *scanNode) columns() []resultCol { return s.cols }

// keyBound is one predicate usable for the access path: column op value.
type keyBound struct {
	col int
	op  string
	val expr
}

func (s *scanNode) bounds() []keyBound {
	var out []keyBound
	for _, p := range s.preds {
		for _, c := range conjuncts(p) {
			if b, ok := boundOf(c, s.cols); ok {
				out = append(out, b)
			}
		}
	}
	return out
}

func conjuncts(e expr) []expr {
	if a, ok := e.(*andExpr); ok {
		var out []expr
		for _, x := range a.args {
			out = append(out, conjuncts(x)...)
		}
		return out
	}
	return []expr{e}
}

var flipOp = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// boundOf recognizes column op constant (constant: no column of this row).
func boundOf(e expr, cols []resultCol) (keyBound, bool) {
	op, ok := e.(*opExpr)
	if !ok || op.l == nil {
		return keyBound{}, false
	}
	name := op.op.Name
	if _, ok := flipOp[name]; !ok {
		return keyBound{}, false
	}
	try := func(c, v expr, name string) (keyBound, bool) {
		ce, ok := c.(*colExpr)
		if !ok {
			if cast, ok := c.(*castExpr); ok && keyCompatible(cast.from, cast.to) {
				ce, ok = cast.e.(*colExpr)
				if !ok {
					return keyBound{}, false
				}
			} else {
				return keyBound{}, false
			}
		}
		refs := map[int]bool{}
		if exprCols(v, refs) || len(refs) > 0 {
			return keyBound{}, false
		}
		if !keyCompatible(cols[ce.idx].t, v.typ()) {
			return keyBound{}, false
		}
		return keyBound{col: ce.idx, op: name, val: v}, true
	}
	if b, ok := try(op.l, op.r, name); ok {
		return b, true
	}
	return try(op.r, op.l, flipOp[name])
}

// matchKey finds equality values for a prefix of keyCols, then a range on
// the next column.
func matchKey(keyCols []int, bounds []keyBound) accessPath {
	var ap accessPath
	for _, kc := range keyCols {
		var eq expr
		for _, b := range bounds {
			if b.col == kc && b.op == "=" {
				eq = b.val
				break
			}
		}
		if eq != nil {
			ap.eq = append(ap.eq, eq)
			continue
		}
		for _, b := range bounds {
			if b.col != kc {
				continue
			}
			switch b.op {
			case ">", ">=":
				if ap.lo == nil {
					ap.lo, ap.loIncl = b.val, b.op == ">="
				}
			case "<", "<=":
				if ap.hi == nil {
					ap.hi, ap.hiIncl = b.val, b.op == "<="
				}
			}
		}
		break
	}
	return ap
}

// choosePath picks the access path from the pushed-down predicates.
func (s *scanNode) choosePath() {
	if s.chosen {
		return
	}
	s.chosen = true
	bounds := s.bounds()
	if len(bounds) == 0 {
		if pts := s.pointList(); pts != nil {
			s.path = accessPath{kind: pathPoints, points: pts}
		}
		return
	}
	best := accessPath{kind: pathFull}
	score := func(ap accessPath) int {
		n := len(ap.eq) * 4
		if ap.lo != nil || ap.hi != nil {
			n += 2
		}
		return n
	}
	if len(s.t.PKIdx) > 0 {
		ap := matchKey(s.t.PKIdx, bounds)
		if len(ap.eq) == len(s.t.PKIdx) {
			ap.kind = pathPoint
			s.path = ap
			return
		}
		if len(ap.eq) > 0 || ap.lo != nil || ap.hi != nil {
			ap.kind = pathRange
			best = ap
		}
	}
	for _, ix := range s.t.Indexes {
		cols := make([]int, len(ix.Columns))
		for i, id := range ix.Columns {
			cols[i] = s.t.ColIndexByID(id)
		}
		ap := matchKey(cols, bounds)
		if len(ap.eq) == 0 && ap.lo == nil && ap.hi == nil {
			continue
		}
		ap.kind, ap.index = pathIndex, ix
		if score(ap) > score(best) || best.kind == pathFull {
			best = ap
		}
	}
	if best.kind == pathFull {
		if pts := s.pointList(); pts != nil {
			best = accessPath{kind: pathPoints, points: pts}
		}
	}
	s.path = best
}

// pointList finds pk IN (constants) or pk = ANY(constant array) on a
// single-column primary key.
func (s *scanNode) pointList() expr {
	if len(s.t.PKIdx) != 1 {
		return nil
	}
	pk := s.t.PKIdx[0]
	isPK := func(e expr) bool {
		c, ok := e.(*colExpr)
		if !ok {
			if cast, ok2 := e.(*castExpr); ok2 && keyCompatible(cast.from, cast.to) {
				c, ok = cast.e.(*colExpr)
			}
		}
		return ok && c.idx == pk && keyCompatible(c.t, s.cols[pk].t)
	}
	constant := func(e expr) bool {
		refs := map[int]bool{}
		return !exprCols(e, refs) && len(refs) == 0
	}
	for _, p := range s.preds {
		for _, c := range conjuncts(p) {
			switch x := c.(type) {
			case *inListExpr:
				if x.not || !isPK(x.l) {
					continue
				}
				ok := true
				for i, it := range x.list {
					ok = ok && constant(it) && x.eqs[i].Name == "=" && keyCompatible(it.typ(), s.cols[pk].t)
				}
				if ok {
					return x
				}
			case *anyArrayExpr:
				if x.all || x.op.Name != "=" || !isPK(x.l) || !constant(x.arr) {
					continue
				}
				if et, ok := types.ElemOf(x.arr.typ()); ok && keyCompatible(et, s.cols[pk].t) {
					return x
				}
			}
		}
	}
	return nil
}

// pointKeys evaluates a pathPoints list into sorted, distinct keys.
func (s *scanNode) pointKeys(ec *runCtx) ([][]byte, error) {
	kt := s.cols[s.t.PKIdx[0]].t
	var vals []types.Datum
	switch x := s.path.points.(type) {
	case *inListExpr:
		for _, it := range x.list {
			v, err := it.eval(ec, nil)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
	case *anyArrayExpr:
		v, err := x.arr.eval(ec, nil)
		if err != nil || v == nil {
			return nil, err
		}
		if a, ok := v.(types.Array); ok {
			vals = a.Elements
		}
	}
	keys := make([][]byte, 0, len(vals))
	for _, v := range vals {
		if v != nil {
			keys = append(keys, types.AppendKey(nil, kt, v))
		}
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
	out := keys[:0]
	for i, k := range keys {
		if i == 0 || !bytes.Equal(k, keys[i-1]) {
			out = append(out, k)
		}
	}
	if s.reverse {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

// describe is the EXPLAIN line of the scan.
func (s *scanNode) describe() string {
	var b strings.Builder
	switch s.path.kind {
	case pathFull:
		fmt.Fprintf(&b, "Seq Scan on %s", s.t.Name)
	case pathPoint:
		fmt.Fprintf(&b, "Point Get on %s (primary key)", s.t.Name)
	case pathPoints:
		fmt.Fprintf(&b, "Multi Point Get on %s (primary key)", s.t.Name)
	case pathRange:
		fmt.Fprintf(&b, "Range Scan on %s using %s (%d eq%s)", s.t.Name, s.t.PKName, len(s.path.eq), rangeNote(s.path))
	case pathIndex:
		fmt.Fprintf(&b, "Index Scan on %s using %s (%d eq%s)", s.t.Name, s.path.index.Name, len(s.path.eq), rangeNote(s.path))
	}
	if s.reverse {
		b.WriteString(" reverse")
	}
	return b.String()
}

func rangeNote(ap accessPath) string {
	if ap.lo != nil || ap.hi != nil {
		return ", range"
	}
	return ""
}

// prefixEnd returns the smallest key greater than every key with prefix p
// (nil: no upper bound).
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// keyRange evaluates the access path's bounds; empty reports a range that
// can hold no row (a NULL bound).
func (s *scanNode) keyRange(ec *runCtx, keyTypes []types.T) (start, end []byte, empty bool, err error) {
	var prefix []byte
	for i, e := range s.path.eq {
		v, err := e.eval(ec, nil)
		if err != nil {
			return nil, nil, false, err
		}
		if v == nil {
			return nil, nil, true, nil
		}
		prefix = types.AppendKey(prefix, keyTypes[i], v)
	}
	start, end = prefix, prefixEnd(prefix)
	if len(prefix) == 0 {
		start, end = nil, nil
	}
	n := len(s.path.eq)
	if s.path.lo != nil {
		v, err := s.path.lo.eval(ec, nil)
		if err != nil || v == nil {
			return nil, nil, v == nil, err
		}
		k := types.AppendKey(append([]byte(nil), prefix...), keyTypes[n], v)
		if s.path.loIncl {
			start = k
		} else {
			start = prefixEnd(k)
		}
	} else if s.path.hi != nil {
		// skip NULLs of the range column: they sort first
		start = types.AppendKey(append([]byte(nil), prefix...), keyTypes[n], nil)
		start = prefixEnd(start)
	}
	if s.path.hi != nil {
		v, err := s.path.hi.eval(ec, nil)
		if err != nil || v == nil {
			return nil, nil, v == nil, err
		}
		k := types.AppendKey(append([]byte(nil), prefix...), keyTypes[n], v)
		if s.path.hiIncl {
			end = prefixEnd(k)
		} else {
			end = k
		}
	}
	return start, end, false, nil
}

func (s *scanNode) pkTypes() []types.T {
	out := make([]types.T, len(s.t.PKIdx))
	for i, c := range s.t.PKIdx {
		out[i] = s.t.Columns[c].Type
	}
	return out
}

func (s *scanNode) indexTypes(ix *catalog.Index) []types.T {
	out := make([]types.T, len(ix.Columns))
	for i, id := range ix.Columns {
		out[i] = s.t.Columns[s.t.ColIndexByID(id)].Type
	}
	return out
}

func (s *scanNode) start(ec *runCtx) (iterator, error) {
	s.choosePath()
	it := &scanIter{s: s, ec: ec, txn: ec.txn.kv, stat: ec.txn.statsFor(s.t.OID), full: s.path.kind == pathFull}
	if it.full {
		ec.txn.rows[it.stat].seqScan++
	} else {
		ec.txn.rows[it.stat].idxScan++
	}
	if len(s.preds) > 0 {
		it.pred = andOf(s.preds)
	}
	switch s.path.kind {
	case pathPoint:
		start, _, empty, err := s.keyRange(ec, s.pkTypes())
		if err != nil {
			return nil, err
		}
		it.point, it.done = start, empty
		return it, nil
	case pathPoints:
		keys, err := s.pointKeys(ec)
		if err != nil {
			return nil, err
		}
		it.points, it.done = keys, len(keys) == 0
		return it, nil
	case pathRange:
		start, end, empty, err := s.keyRange(ec, s.pkTypes())
		if err != nil {
			return nil, err
		}
		if empty {
			it.done = true
			return it, nil
		}
		it.kvit = it.txn.Scan(s.t.Space, start, end, s.reverse)
	case pathIndex:
		start, end, empty, err := s.keyRange(ec, s.indexTypes(s.path.index))
		if err != nil {
			return nil, err
		}
		if empty {
			it.done = true
			return it, nil
		}
		it.index = true
		it.kvit = it.txn.Scan(s.path.index.Space, start, end, s.reverse)
	default:
		it.kvit = it.txn.Scan(s.t.Space, nil, nil, s.reverse)
	}
	return it, nil
}

type scanIter struct {
	s      *scanNode
	ec     *runCtx
	txn    *kv.Txn
	kvit   *kv.Iterator
	pred   expr
	point  []byte
	points [][]byte // pathPoints keys still to get
	index  bool
	done   bool
	stat   int  // the table's counts in ec.txn.rows (stats.go)
	full   bool // a full scan: rows count as seq_tup_read, else idx_tup_fetch
}

func (it *scanIter) next() ([]types.Datum, error) {
	for !it.done {
		if err := it.ec.tick(); err != nil {
			return nil, err
		}
		var key, val []byte
		if it.points != nil {
			if len(it.points) == 0 {
				it.done = true
				return nil, nil
			}
			k := it.points[0]
			it.points = it.points[1:]
			v, ok, err := it.txn.Get(it.s.t.Space, k)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			key, val = k, v
		} else if it.point != nil {
			it.done = true
			v, ok, err := it.txn.Get(it.s.t.Space, it.point)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, nil
			}
			key, val = it.point, v
		} else {
			if !it.kvit.Next() {
				it.done = true
				if err := it.kvit.Err(); err != nil {
					return nil, err
				}
				return nil, nil
			}
			key, val = it.kvit.Key(), it.kvit.Value()
			if it.index {
				pk := val
				v, ok, err := it.txn.Get(it.s.t.Space, pk)
				if err != nil {
					return nil, err
				}
				if !ok {
					return nil, pgerror.New(pgerror.DataCorrupted, "index \"%s\" points to a missing row", it.s.path.index.Name)
				}
				key, val = pk, v
			}
		}
		row, err := it.s.decode(key, val)
		if err != nil {
			return nil, err
		}
		if c := &it.ec.txn.rows[it.stat]; it.full {
			c.seqRead++
		} else {
			c.idxFetch++
		}
		if it.pred != nil {
			ok, err := evalBool(it.ec, it.pred, row)
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

func (s *scanNode) decode(key, val []byte) ([]types.Datum, error) {
	n := len(s.rowCols)
	if s.withRef {
		n++
	}
	row := make([]types.Datum, n)
	if err := types.DecodeRow(val, s.rowCols, row); err != nil {
		return nil, err
	}
	if s.withRef {
		row[len(s.rowCols)] = rowRef{key: key, val: val}
	}
	return row, nil
}

func (it *scanIter) close() {
	if it.kvit != nil {
		it.kvit.Close()
		it.kvit = nil
	}
}
