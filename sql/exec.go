package sql

import (
	"container/heap"
	"fmt"
	"math"
	"sort"
	"strconv"

	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// node is a plan operator; plans are immutable and may be started many
// times (prepared statements), each start giving a fresh iterator.
type node interface {
	columns() []resultCol
	start(ec *runCtx) (iterator, error)
}

// iterator yields rows; next returns a nil row at the end. Rows returned
// are owned by the caller.
type iterator interface {
	next() ([]types.Datum, error)
	close()
}

func itoa(i int) string { return strconv.Itoa(i) }

// sliceIter iterates materialized rows.
type sliceIter struct {
	rows [][]types.Datum
	i    int
}

func (it *sliceIter) next() ([]types.Datum, error) {
	if it.i >= len(it.rows) {
		return nil, nil
	}
	r := it.rows[it.i]
	it.i++
	return r, nil
}
func (it *sliceIter) close() {}

// drain reads every row of an iterator and closes it.
func drain(it iterator) ([][]types.Datum, error) {
	defer it.close()
	var out [][]types.Datum
	for {
		r, err := it.next()
		if err != nil {
			return nil, err
		}
		if r == nil {
			return out, nil
		}
		out = append(out, r)
	}
}

func runNode(ec *runCtx, n node) ([][]types.Datum, error) {
	it, err := n.start(ec)
	if err != nil {
		return nil, err
	}
	return drain(it)
}

type oneRowNode struct{}

func (oneRowNode) columns() []resultCol { return nil }
func (oneRowNode) start(*runCtx) (iterator, error) {
	return &sliceIter{rows: [][]types.Datum{{}}}, nil
}

type valuesNode struct {
	rows [][]expr
	cols []resultCol
}

func (v *valuesNode) columns() []resultCol { return v.cols }
func (v *valuesNode) start(ec *runCtx) (iterator, error) {
	out := make([][]types.Datum, len(v.rows))
	for i, r := range v.rows {
		row := make([]types.Datum, len(r))
		for j, e := range r {
			if _, isDefault := e.(defaultMarker); isDefault {
				row[j] = defaultMarker{}
				continue
			}
			d, err := e.eval(ec, nil)
			if err != nil {
				return nil, err
			}
			row[j] = d
		}
		out[i] = row
	}
	return &sliceIter{rows: out}, nil
}

// viewNode reads a pg_catalog / information_schema relation.
type viewNode struct {
	v    *pgcatalog.View
	cols []resultCol
}

func (v *viewNode) columns() []resultCol { return v.cols }
func (v *viewNode) start(ec *runCtx) (iterator, error) {
	rows, err := v.v.Rows(ec.host.CatalogSchema())
	if err != nil {
		return nil, err
	}
	oid := int64(v.v.OID)
	out := make([][]types.Datum, len(rows))
	for i, r := range rows {
		row := make([]types.Datum, len(r)+1)
		copy(row, r)
		row[len(r)] = oid
		out[i] = row
	}
	return &sliceIter{rows: out}, nil
}

type filterNode struct {
	src  node
	pred expr
}

func (f *filterNode) columns() []resultCol { return f.src.columns() }
func (f *filterNode) start(ec *runCtx) (iterator, error) {
	it, err := f.src.start(ec)
	if err != nil {
		return nil, err
	}
	return &filterIter{src: it, pred: f.pred, ec: ec}, nil
}

type filterIter struct {
	src  iterator
	pred expr
	ec   *runCtx
}

func (f *filterIter) next() ([]types.Datum, error) {
	for {
		r, err := f.src.next()
		if err != nil || r == nil {
			return nil, err
		}
		ok, err := evalBool(f.ec, f.pred, r)
		if err != nil {
			return nil, err
		}
		if ok {
			return r, nil
		}
	}
}
func (f *filterIter) close() { f.src.close() }

type projectNode struct {
	src   node
	exprs []expr
	cols  []resultCol
}

func (p *projectNode) columns() []resultCol { return p.cols }
func (p *projectNode) start(ec *runCtx) (iterator, error) {
	it, err := p.src.start(ec)
	if err != nil {
		return nil, err
	}
	return &projectIter{src: it, p: p, ec: ec}, nil
}

type projectIter struct {
	src iterator
	p   *projectNode
	ec  *runCtx
}

func (pi *projectIter) next() ([]types.Datum, error) {
	r, err := pi.src.next()
	if err != nil || r == nil {
		return nil, err
	}
	out := make([]types.Datum, len(pi.p.exprs))
	for i, e := range pi.p.exprs {
		if out[i], err = e.eval(pi.ec, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}
func (pi *projectIter) close() { pi.src.close() }

// renameNode passes rows through under other column names.
type renameNode struct {
	src  node
	cols []resultCol
}

func (r *renameNode) columns() []resultCol               { return r.cols }
func (r *renameNode) start(ec *runCtx) (iterator, error) { return r.src.start(ec) }

// trimNode drops the extra (sort) columns at the end of each row.
type trimNode struct {
	src node
	n   int
}

func (t *trimNode) columns() []resultCol { return t.src.columns()[:t.n] }
func (t *trimNode) start(ec *runCtx) (iterator, error) {
	it, err := t.src.start(ec)
	if err != nil {
		return nil, err
	}
	return &trimIter{src: it, n: t.n}, nil
}

type trimIter struct {
	src iterator
	n   int
}

func (t *trimIter) next() ([]types.Datum, error) {
	r, err := t.src.next()
	if err != nil || r == nil {
		return nil, err
	}
	return r[:t.n], nil
}
func (t *trimIter) close() { t.src.close() }

type limitNode struct {
	src           node
	limit, offset expr
}

func (l *limitNode) columns() []resultCol { return l.src.columns() }
func (l *limitNode) start(ec *runCtx) (iterator, error) {
	li := &limitIter{limit: -1}
	if l.limit != nil {
		v, err := l.limit.eval(ec, nil)
		if err != nil {
			return nil, err
		}
		if v != nil {
			li.limit = v.(int64)
			if li.limit < 0 {
				return nil, pgerror.New("2201W", "LIMIT must not be negative")
			}
		}
	}
	if l.offset != nil {
		v, err := l.offset.eval(ec, nil)
		if err != nil {
			return nil, err
		}
		if v != nil {
			li.offset = v.(int64)
			if li.offset < 0 {
				return nil, pgerror.New("2201X", "OFFSET must not be negative")
			}
		}
	}
	if li.limit == 0 {
		return &sliceIter{}, nil
	}
	if sn := sortBelow(l.src); sn != nil && li.limit > 0 && li.offset <= math.MaxInt64-li.limit {
		// the sort need keep only the rows the limit passes on
		if ec.topN == nil {
			ec.topN = map[*sortNode]int64{}
		}
		ec.topN[sn] = li.limit + li.offset
		defer delete(ec.topN, sn)
	}
	it, err := l.src.start(ec)
	if err != nil {
		return nil, err
	}
	li.src = it
	return li, nil
}

type limitIter struct {
	src           iterator
	limit, offset int64
	n             int64
}

func (l *limitIter) next() ([]types.Datum, error) {
	for l.offset > 0 {
		r, err := l.src.next()
		if err != nil || r == nil {
			return nil, err
		}
		l.offset--
	}
	if l.limit >= 0 && l.n >= l.limit {
		return nil, nil
	}
	r, err := l.src.next()
	if err != nil || r == nil {
		return nil, err
	}
	l.n++
	return r, nil
}
func (l *limitIter) close() { l.src.close() }

type sortKey struct {
	idx        int
	t          types.T
	desc       bool
	nullsFirst bool
}

type sortNode struct {
	src  node
	keys []sortKey
}

func (s *sortNode) columns() []resultCol { return s.src.columns() }
func (s *sortNode) start(ec *runCtx) (iterator, error) {
	if n, ok := ec.topN[s]; ok {
		return s.startTopN(ec, n)
	}
	it, err := s.src.start(ec)
	if err != nil {
		return nil, err
	}
	return s.externalSort(ec, it, ec.budget("sort")) // exec_sort.go
}

// sortBelow is the sort whose every row n passes on, in order (a LIMIT's
// input: the sort, or a projection of it).
func sortBelow(n node) *sortNode {
	for {
		switch x := n.(type) {
		case *sortNode:
			return x
		case *projectNode:
			n = x.src
		case *renameNode:
			n = x.src
		default:
			return nil
		}
	}
}

// startTopN sorts keeping only the first n rows (ORDER BY … LIMIT n), in
// a heap whose top is the last of them, as PostgreSQL's top-N heapsort
// does: memory for n rows however many come in. Ties keep their input
// order, as the full sort's stable order does.
func (s *sortNode) startTopN(ec *runCtx, n int64) (iterator, error) {
	it, err := s.src.start(ec)
	if err != nil {
		return nil, err
	}
	defer it.close()
	h := &topNHeap{keys: s.keys}
	mem := ec.budget("sort")
	for seq := 0; ; seq++ {
		r, err := it.next()
		if err != nil {
			return nil, err
		}
		if r == nil {
			break
		}
		e := topNEntry{row: r, seq: seq}
		if int64(len(h.rows)) < n {
			if err := mem.addRow(r); err != nil {
				return nil, err
			}
			heap.Push(h, e)
		} else if h.less(e, h.rows[0]) {
			h.rows[0] = e
			heap.Fix(h, 0)
		}
	}
	sort.Slice(h.rows, func(i, j int) bool { return h.less(h.rows[i], h.rows[j]) })
	rows := make([][]types.Datum, len(h.rows))
	for i, e := range h.rows {
		rows[i] = e.row
	}
	return &sliceIter{rows: rows}, nil
}

type topNEntry struct {
	row []types.Datum
	seq int
}

// topNHeap is a max-heap under the sort's order (then input order).
type topNHeap struct {
	rows []topNEntry
	keys []sortKey
}

func (h *topNHeap) less(a, b topNEntry) bool {
	if c := compareRows(a.row, b.row, h.keys); c != 0 {
		return c < 0
	}
	return a.seq < b.seq
}
func (h *topNHeap) Len() int           { return len(h.rows) }
func (h *topNHeap) Less(i, j int) bool { return h.less(h.rows[j], h.rows[i]) }
func (h *topNHeap) Swap(i, j int)      { h.rows[i], h.rows[j] = h.rows[j], h.rows[i] }
func (h *topNHeap) Push(x any)         { h.rows = append(h.rows, x.(topNEntry)) }
func (h *topNHeap) Pop() any {
	e := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return e
}

func sortRows(rows [][]types.Datum, keys []sortKey) {
	sort.SliceStable(rows, func(i, j int) bool { return compareRows(rows[i], rows[j], keys) < 0 })
}

func compareRows(a, b []types.Datum, keys []sortKey) int {
	for _, k := range keys {
		x, y := a[k.idx], b[k.idx]
		var c int
		switch {
		case x == nil && y == nil:
			c = 0
		case x == nil:
			if k.nullsFirst {
				return -1
			}
			return 1
		case y == nil:
			if k.nullsFirst {
				return 1
			}
			return -1
		default:
			c = compareDatums(k.t, x, y)
		}
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// rowKey encodes the values of cols of row for hashing (equal values give
// equal keys).
func rowKey(dst []byte, row []types.Datum, cols []int, ts []types.T) []byte {
	for i, c := range cols {
		dst = appendHashKey(dst, ts[i], row[c])
	}
	return dst
}

func appendHashKey(dst []byte, t types.T, d types.Datum) []byte {
	switch t.OID {
	case types.JSONOID, types.JSONBOID:
		if d == nil {
			return append(dst, 0)
		}
		s := types.TextString(t, d)
		dst = append(dst, 1)
		dst = strconv.AppendInt(dst, int64(len(s)), 10)
		return append(append(dst, ':'), s...)
	}
	if a, ok := d.(types.Array); ok {
		dst = append(dst, 2)
		dst = strconv.AppendInt(dst, int64(len(a.Elements)), 10)
		for _, e := range a.Elements {
			dst = appendHashKey(dst, a.Elem, e)
		}
		return dst
	}
	return types.AppendKey(dst, t, d)
}

// distinctNode keeps the first row of each distinct value of keys;
// consecutive means the input is sorted so only neighbours are compared
// (DISTINCT ON).
type distinctNode struct {
	src         node
	keys        []int
	consecutive bool
}

func (d *distinctNode) columns() []resultCol { return d.src.columns() }
func (d *distinctNode) start(ec *runCtx) (iterator, error) {
	it, err := d.src.start(ec)
	if err != nil {
		return nil, err
	}
	cols := d.src.columns()
	ts := make([]types.T, len(d.keys))
	for i, k := range d.keys {
		ts[i] = cols[k].t
	}
	di := &distinctIter{src: it, d: d, ts: ts, seen: map[string]bool{}}
	if !d.consecutive {
		di.mem = ec.budget("DISTINCT")
	}
	return di, nil
}

type distinctIter struct {
	src  iterator
	d    *distinctNode
	ts   []types.T
	seen map[string]bool
	last string
	any  bool
	mem  *memBudget // the seen keys
}

func (it *distinctIter) next() ([]types.Datum, error) {
	for {
		r, err := it.src.next()
		if err != nil || r == nil {
			return nil, err
		}
		k := string(rowKey(nil, r, it.d.keys, it.ts))
		if it.d.consecutive {
			if it.any && k == it.last {
				continue
			}
			it.any, it.last = true, k
			return r, nil
		}
		if it.seen[k] {
			continue
		}
		if err := it.mem.add(int64(len(k)) + 48); err != nil {
			return nil, err
		}
		it.seen[k] = true
		return r, nil
	}
}
func (it *distinctIter) close() { it.src.close() }

type setOpKind uint8

const (
	setUnion setOpKind = iota
	setIntersect
	setExcept
)

type setOpNode struct {
	l, r node
	op   setOpKind
	all  bool
	cols []resultCol
}

func (s *setOpNode) columns() []resultCol { return s.cols }
func (s *setOpNode) start(ec *runCtx) (iterator, error) {
	mem := ec.budget([]string{"UNION", "INTERSECT", "EXCEPT"}[s.op])
	lrows, err := runNodeIn(ec, s.l, mem)
	if err != nil {
		return nil, err
	}
	rrows, err := runNodeIn(ec, s.r, mem)
	if err != nil {
		return nil, err
	}
	keys := seq(len(s.cols))
	ts := make([]types.T, len(s.cols))
	for i, c := range s.cols {
		ts[i] = c.t
	}
	key := func(r []types.Datum) string { return string(rowKey(nil, r, keys, ts)) }
	var out [][]types.Datum
	switch s.op {
	case setUnion:
		if s.all {
			return &sliceIter{rows: append(lrows, rrows...)}, nil
		}
		seen := map[string]bool{}
		for _, r := range append(lrows, rrows...) {
			k := key(r)
			if !seen[k] {
				seen[k] = true
				out = append(out, r)
			}
		}
	case setIntersect, setExcept:
		counts := map[string]int{}
		for _, r := range rrows {
			counts[key(r)]++
		}
		emitted := map[string]bool{}
		for _, r := range lrows {
			k := key(r)
			in := counts[k] > 0
			if s.op == setIntersect {
				if !in {
					continue
				}
				if s.all {
					counts[k]--
				} else if emitted[k] {
					continue
				}
			} else {
				if in {
					if s.all {
						counts[k]--
					}
					continue
				}
				if !s.all && emitted[k] {
					continue
				}
			}
			emitted[k] = true
			out = append(out, r)
		}
	}
	return &sliceIter{rows: out}, nil
}

// cteScanNode reads a WITH query's rows. An uncorrelated query runs once
// per execution and only as far as its furthest reader has read (a
// recursive query with no end under LIMIT stops); one that reads an
// enclosing query's row runs again, to the end, at every start.
type cteScanNode struct {
	def  *cteDef
	cols []resultCol
}

func (c *cteScanNode) columns() []resultCol { return c.cols }
func (c *cteScanNode) start(ec *runCtx) (iterator, error) {
	if ec.ctes == nil {
		ec.ctes = map[*cteDef]*cteTape{}
	}
	t, ok := ec.ctes[c.def]
	if !ok || c.def.correlated {
		if c.def.plan == nil {
			return nil, pgerror.New(pgerror.Internal, "BUG: recursive reference to \"%s\" outside its recursive term", c.def.name)
		}
		src, err := c.def.plan.start(ec)
		if err != nil {
			return nil, err
		}
		t = &cteTape{src: src, mem: ec.budget("WITH query " + c.def.name), oneScan: c.def.refs == 1}
		if c.def.correlated {
			// it reads ec.outer as it is now: run it to the end here
			if _, err := t.row(math.MaxInt); err != nil {
				return nil, err
			}
		}
		ec.ctes[c.def] = t
	}
	if t.readers++; t.streaming {
		return nil, &pgerror.Error{Code: pgerror.OutOfMemory, Message: "out of memory",
			Detail: fmt.Sprintf("The WITH query %s is read again after it passed work_mem (%s), and logdb does not spill it to temporary files.", c.def.name, formatMemoryKB(t.mem.limit>>10))}
	}
	return &tapeIter{t: t}, nil
}

// cteTape holds a WITH query's rows for its readers, pulling each from
// the query when the first reader reaches it. A reader's rows are shared
// with the other readers (nothing modifies a row once produced).
//
// A query with one scan in the plan (oneScan) keeps its rows only while
// they fit in work_mem: past it, with one reader so far, the tape streams
// (keeps nothing), and a second start of that scan (a sub-query run
// again) fails with 53200 instead of reading rows no longer there.
type cteTape struct {
	src       iterator // nil once the query ended or failed
	err       error
	rows      [][]types.Datum
	mem       *memBudget
	oneScan   bool
	readers   int
	streaming bool
}

// row is row i, nil past the end. A streaming tape is read in order by
// its one reader.
func (t *cteTape) row(i int) ([]types.Datum, error) {
	for t.streaming || i >= len(t.rows) {
		if t.src == nil {
			return nil, t.err
		}
		r, err := t.src.next()
		if err == nil && r != nil && !t.streaming {
			if err = t.mem.addRow(r); err != nil && t.oneScan && t.readers == 1 && i == len(t.rows) {
				t.streaming, t.rows, err = true, nil, nil
				t.mem.release()
			}
		}
		if err != nil || r == nil {
			t.src.close()
			t.src, t.err = nil, err
			return nil, err
		}
		if t.streaming {
			return r, nil
		}
		t.rows = append(t.rows, r)
	}
	return t.rows[i], nil
}

// closeTapes ends the WITH queries still running when the statement
// stops reading (LIMIT, a closed portal).
func (ec *runCtx) closeTapes() {
	for _, t := range ec.ctes {
		if t.src != nil {
			t.src.close()
			t.src = nil
		}
	}
}

type tapeIter struct {
	t *cteTape
	i int
}

func (it *tapeIter) next() ([]types.Datum, error) {
	r, err := it.t.row(it.i)
	if r != nil {
		it.i++
	}
	return r, err
}
func (it *tapeIter) close() {}
