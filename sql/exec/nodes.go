package exec

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
type Node interface {
	Columns() []Column
	Start(ec *Ctx) (Iterator, error)
}

// iterator yields rows; next returns a nil row at the end. Rows returned
// are owned by the caller.
type Iterator interface {
	Next() ([]types.Datum, error)
	Close()
}

func Itoa(i int) string { return strconv.Itoa(i) }

// SliceIter iterates materialized rows.
type SliceIter struct {
	Rows [][]types.Datum
	i    int
}

func (it *SliceIter) Next() ([]types.Datum, error) {
	if it.i >= len(it.Rows) {
		return nil, nil
	}
	r := it.Rows[it.i]
	it.i++
	return r, nil
}
func (it *SliceIter) Close() {}

// drain reads every row of an iterator and closes it.
func drain(it Iterator) ([][]types.Datum, error) {
	defer it.Close()
	var out [][]types.Datum
	for {
		r, err := it.Next()
		if err != nil {
			return nil, err
		}
		if r == nil {
			return out, nil
		}
		out = append(out, r)
	}
}

func RunNode(ec *Ctx, n Node) ([][]types.Datum, error) {
	it, err := n.Start(ec)
	if err != nil {
		return nil, err
	}
	return drain(it)
}

type OneRowNode struct{}

func (OneRowNode) Columns() []Column { return nil }
func (OneRowNode) Start(*Ctx) (Iterator, error) {
	return &SliceIter{Rows: [][]types.Datum{{}}}, nil
}

type ValuesNode struct {
	Rows [][]Expr
	Cols []Column
}

func (v *ValuesNode) Columns() []Column { return v.Cols }
func (v *ValuesNode) Start(ec *Ctx) (Iterator, error) {
	out := make([][]types.Datum, len(v.Rows))
	for i, r := range v.Rows {
		row := make([]types.Datum, len(r))
		for j, e := range r {
			if _, isDefault := e.(DefaultMarker); isDefault {
				row[j] = DefaultMarker{}
				continue
			}
			d, err := e.Eval(ec, nil)
			if err != nil {
				return nil, err
			}
			row[j] = d
		}
		out[i] = row
	}
	return &SliceIter{Rows: out}, nil
}

// ViewNode reads a pg_catalog / information_schema relation.
type ViewNode struct {
	V    *pgcatalog.View
	Cols []Column
}

func (v *ViewNode) Columns() []Column { return v.Cols }
func (v *ViewNode) Start(ec *Ctx) (Iterator, error) {
	rows, err := v.V.Rows(ec.Host.CatalogSchema())
	if err != nil {
		return nil, err
	}
	oid := int64(v.V.OID)
	out := make([][]types.Datum, len(rows))
	for i, r := range rows {
		row := make([]types.Datum, len(r)+1)
		copy(row, r)
		row[len(r)] = oid
		out[i] = row
	}
	return &SliceIter{Rows: out}, nil
}

type FilterNode struct {
	Src  Node
	Pred Expr
}

func (f *FilterNode) Columns() []Column { return f.Src.Columns() }
func (f *FilterNode) Start(ec *Ctx) (Iterator, error) {
	it, err := f.Src.Start(ec)
	if err != nil {
		return nil, err
	}
	return &filterIter{src: it, pred: f.Pred, ec: ec}, nil
}

type filterIter struct {
	src  Iterator
	pred Expr
	ec   *Ctx
}

func (f *filterIter) Next() ([]types.Datum, error) {
	for {
		r, err := f.src.Next()
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
func (f *filterIter) Close() { f.src.Close() }

type ProjectNode struct {
	Src   Node
	Exprs []Expr
	Cols  []Column
}

func (p *ProjectNode) Columns() []Column { return p.Cols }
func (p *ProjectNode) Start(ec *Ctx) (Iterator, error) {
	it, err := p.Src.Start(ec)
	if err != nil {
		return nil, err
	}
	return &projectIter{src: it, p: p, ec: ec}, nil
}

type projectIter struct {
	src Iterator
	p   *ProjectNode
	ec  *Ctx
}

func (pi *projectIter) Next() ([]types.Datum, error) {
	r, err := pi.src.Next()
	if err != nil || r == nil {
		return nil, err
	}
	out := make([]types.Datum, len(pi.p.Exprs))
	for i, e := range pi.p.Exprs {
		if out[i], err = e.Eval(pi.ec, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}
func (pi *projectIter) Close() { pi.src.Close() }

// RenameNode passes rows through under other column names.
type RenameNode struct {
	Src  Node
	Cols []Column
}

func (r *RenameNode) Columns() []Column               { return r.Cols }
func (r *RenameNode) Start(ec *Ctx) (Iterator, error) { return r.Src.Start(ec) }

// TrimNode drops the extra (sort) columns at the end of each row.
type TrimNode struct {
	Src Node
	N   int
}

func (t *TrimNode) Columns() []Column { return t.Src.Columns()[:t.N] }
func (t *TrimNode) Start(ec *Ctx) (Iterator, error) {
	it, err := t.Src.Start(ec)
	if err != nil {
		return nil, err
	}
	return &trimIter{src: it, n: t.N}, nil
}

type trimIter struct {
	src Iterator
	n   int
}

func (t *trimIter) Next() ([]types.Datum, error) {
	r, err := t.src.Next()
	if err != nil || r == nil {
		return nil, err
	}
	return r[:t.n], nil
}
func (t *trimIter) Close() { t.src.Close() }

type LimitNode struct {
	Src           Node
	Limit, Offset Expr
	// Ties, for FETCH FIRST … WITH TIES, are the ORDER BY keys: after
	// the limit-th row, rows equal to it on them pass too.
	Ties []SortKey
}

func (l *LimitNode) Columns() []Column { return l.Src.Columns() }
func (l *LimitNode) Start(ec *Ctx) (Iterator, error) {
	li := &limitIter{limit: -1}
	if l.Limit != nil {
		v, err := l.Limit.Eval(ec, nil)
		if err != nil {
			return nil, err
		}
		if v != nil {
			li.limit = v.(int64)
			if li.limit < 0 {
				return nil, pgerror.New("2201W", "LIMIT must not be negative")
			}
		} else if l.Ties != nil {
			return nil, pgerror.New("2201W", "row count cannot be null in FETCH FIRST ... WITH TIES clause")
		}
	}
	li.ties = l.Ties
	if l.Offset != nil {
		v, err := l.Offset.Eval(ec, nil)
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
		return &SliceIter{}, nil
	}
	if sn := sortBelow(l.Src); sn != nil && li.limit > 0 && li.offset <= math.MaxInt64-li.limit && l.Ties == nil {
		// the sort need keep only the rows the limit passes on
		if ec.topN == nil {
			ec.topN = map[*SortNode]int64{}
		}
		ec.topN[sn] = li.limit + li.offset
		defer delete(ec.topN, sn)
	}
	it, err := l.Src.Start(ec)
	if err != nil {
		return nil, err
	}
	li.src = it
	return li, nil
}

type limitIter struct {
	src           Iterator
	limit, offset int64
	n             int64
	ties          []SortKey
	last          []types.Datum // WITH TIES: the limit-th row
	done          bool
}

func (l *limitIter) Next() ([]types.Datum, error) {
	for l.offset > 0 {
		r, err := l.src.Next()
		if err != nil || r == nil {
			return nil, err
		}
		l.offset--
	}
	if l.done {
		return nil, nil
	}
	if l.limit >= 0 && l.n >= l.limit {
		if l.ties == nil || l.last == nil {
			return nil, nil
		}
		r, err := l.src.Next()
		if err != nil || r == nil {
			return nil, err
		}
		if compareRows(r, l.last, l.ties) != 0 {
			l.done = true
			return nil, nil
		}
		return r, nil
	}
	r, err := l.src.Next()
	if err != nil || r == nil {
		return nil, err
	}
	l.n++
	if l.ties != nil && l.n == l.limit {
		l.last = r
	}
	return r, nil
}
func (l *limitIter) Close() { l.src.Close() }

type SortKey struct {
	Idx        int
	T          types.T
	Desc       bool
	NullsFirst bool
}

type SortNode struct {
	Src  Node
	Keys []SortKey
}

func (s *SortNode) Columns() []Column { return s.Src.Columns() }
func (s *SortNode) Start(ec *Ctx) (Iterator, error) {
	if n, ok := ec.topN[s]; ok {
		return s.startTopN(ec, n)
	}
	it, err := s.Src.Start(ec)
	if err != nil {
		return nil, err
	}
	return s.externalSort(ec, it, ec.Budget("sort")) // sort.go
}

// sortBelow is the sort whose every row n passes on, in order (a LIMIT's
// input: the sort, or a projection of it).
func sortBelow(n Node) *SortNode {
	for {
		switch x := n.(type) {
		case *SortNode:
			return x
		case *ProjectNode:
			n = x.Src
		case *RenameNode:
			n = x.Src
		default:
			return nil
		}
	}
}

// startTopN sorts keeping only the first n rows (ORDER BY … LIMIT n), in
// a heap whose top is the last of them, as PostgreSQL's top-N heapsort
// does: memory for n rows however many come in. Ties keep their input
// order, as the full sort's stable order does.
func (s *SortNode) startTopN(ec *Ctx, n int64) (Iterator, error) {
	it, err := s.Src.Start(ec)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	h := &topNHeap{keys: s.Keys}
	mem := ec.Budget("sort")
	for seq := 0; ; seq++ {
		r, err := it.Next()
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
	return &SliceIter{Rows: rows}, nil
}

type topNEntry struct {
	row []types.Datum
	seq int
}

// topNHeap is a max-heap under the sort's order (then input order).
type topNHeap struct {
	rows []topNEntry
	keys []SortKey
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

func sortRows(rows [][]types.Datum, keys []SortKey) {
	sort.SliceStable(rows, func(i, j int) bool { return compareRows(rows[i], rows[j], keys) < 0 })
}

func compareRows(a, b []types.Datum, keys []SortKey) int {
	for _, k := range keys {
		x, y := a[k.Idx], b[k.Idx]
		var c int
		switch {
		case x == nil && y == nil:
			c = 0
		case x == nil:
			if k.NullsFirst {
				return -1
			}
			return 1
		case y == nil:
			if k.NullsFirst {
				return 1
			}
			return -1
		default:
			c = CompareDatums(k.T, x, y)
		}
		if k.Desc {
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
	case types.JSONBOID:
		// jsonb's key is its value's ({"a": 0} and {"a": 0.000} are one
		// for DISTINCT, GROUP BY and set operations, as for =)
		if d == nil {
			return append(dst, 0)
		}
		return types.AppendKey(append(dst, 1), t, d)
	case types.JSONOID:
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
		for _, d := range a.Dims { // the shape, when it is not plain
			dst = append(dst, '[')
			dst = strconv.AppendInt(dst, int64(d.Lower), 10)
			dst = append(dst, ':')
			dst = strconv.AppendInt(dst, int64(d.Len), 10)
		}
		for _, e := range a.Elements {
			dst = appendHashKey(dst, a.Elem, e)
		}
		return dst
	}
	return types.AppendKey(dst, t, d)
}

// DistinctNode keeps the first row of each distinct value of keys;
// consecutive means the input is sorted so only neighbours are compared
// (DISTINCT ON).
type DistinctNode struct {
	Src         Node
	Keys        []int
	Consecutive bool
}

func (d *DistinctNode) Columns() []Column { return d.Src.Columns() }
func (d *DistinctNode) Start(ec *Ctx) (Iterator, error) {
	it, err := d.Src.Start(ec)
	if err != nil {
		return nil, err
	}
	cols := d.Src.Columns()
	ts := make([]types.T, len(d.Keys))
	for i, k := range d.Keys {
		ts[i] = cols[k].T
	}
	di := &distinctIter{src: it, d: d, ts: ts, seen: map[string]bool{}}
	if !d.Consecutive {
		di.mem = ec.Budget("DISTINCT")
	}
	return di, nil
}

type distinctIter struct {
	src  Iterator
	d    *DistinctNode
	ts   []types.T
	seen map[string]bool
	last string
	any  bool
	mem  *memBudget // the seen keys
}

func (it *distinctIter) Next() ([]types.Datum, error) {
	for {
		r, err := it.src.Next()
		if err != nil || r == nil {
			return nil, err
		}
		k := string(rowKey(nil, r, it.d.Keys, it.ts))
		if it.d.Consecutive {
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
func (it *distinctIter) Close() { it.src.Close() }

type SetOpKind uint8

const (
	SetUnion SetOpKind = iota
	SetIntersect
	SetExcept
)

type SetOpNode struct {
	L, R Node
	Op   SetOpKind
	All  bool
	Cols []Column
}

func (s *SetOpNode) Columns() []Column { return s.Cols }
func (s *SetOpNode) Start(ec *Ctx) (Iterator, error) {
	mem := ec.Budget([]string{"UNION", "INTERSECT", "EXCEPT"}[s.Op])
	lrows, err := runNodeIn(ec, s.L, mem)
	if err != nil {
		return nil, err
	}
	rrows, err := runNodeIn(ec, s.R, mem)
	if err != nil {
		return nil, err
	}
	keys := Seq(len(s.Cols))
	ts := make([]types.T, len(s.Cols))
	for i, c := range s.Cols {
		ts[i] = c.T
	}
	key := func(r []types.Datum) string { return string(rowKey(nil, r, keys, ts)) }
	var out [][]types.Datum
	switch s.Op {
	case SetUnion:
		if s.All {
			return &SliceIter{Rows: append(lrows, rrows...)}, nil
		}
		seen := map[string]bool{}
		for _, r := range append(lrows, rrows...) {
			k := key(r)
			if !seen[k] {
				seen[k] = true
				out = append(out, r)
			}
		}
	case SetIntersect, SetExcept:
		counts := map[string]int{}
		for _, r := range rrows {
			counts[key(r)]++
		}
		emitted := map[string]bool{}
		for _, r := range lrows {
			k := key(r)
			in := counts[k] > 0
			if s.Op == SetIntersect {
				if !in {
					continue
				}
				if s.All {
					counts[k]--
				} else if emitted[k] {
					continue
				}
			} else {
				if in {
					if s.All {
						counts[k]--
					}
					continue
				}
				if !s.All && emitted[k] {
					continue
				}
			}
			emitted[k] = true
			out = append(out, r)
		}
	}
	return &SliceIter{Rows: out}, nil
}

// CteScanNode reads a WITH query's rows. An uncorrelated query runs once
// per execution and only as far as its furthest reader has read (a
// recursive query with no end under LIMIT stops); one that reads an
// enclosing query's row runs again, to the end, at every start.
type CteScanNode struct {
	Def  *CTE
	Cols []Column
}

func (c *CteScanNode) Columns() []Column { return c.Cols }
func (c *CteScanNode) Start(ec *Ctx) (Iterator, error) {
	if ec.ctes == nil {
		ec.ctes = map[*CTE]*cteTape{}
	}
	t, ok := ec.ctes[c.Def]
	if !ok || c.Def.Correlated {
		if c.Def.Plan == nil {
			return nil, pgerror.New(pgerror.Internal, "BUG: recursive reference to \"%s\" outside its recursive term", c.Def.Name)
		}
		src, err := c.Def.Plan.Start(ec)
		if err != nil {
			return nil, err
		}
		t = &cteTape{src: src, mem: ec.Budget("WITH query " + c.Def.Name), oneScan: c.Def.Refs == 1}
		if c.Def.Correlated {
			// it reads ec.outer as it is now: run it to the end here
			if _, err := t.row(math.MaxInt); err != nil {
				return nil, err
			}
		}
		ec.ctes[c.Def] = t
	}
	if t.readers++; t.streaming {
		return nil, &pgerror.Error{Code: pgerror.OutOfMemory, Message: "out of memory",
			Detail: fmt.Sprintf("The WITH query %s is read again after it passed work_mem (%s), and logdb does not spill it to temporary files.", c.Def.Name, formatMemoryKB(t.mem.limit>>10))}
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
	src       Iterator // nil once the query ended or failed
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
		r, err := t.src.Next()
		if err == nil && r != nil && !t.streaming {
			if err = t.mem.addRow(r); err != nil && t.oneScan && t.readers == 1 && i == len(t.rows) {
				t.streaming, t.rows, err = true, nil, nil
				t.mem.release()
			}
		}
		if err != nil || r == nil {
			t.src.Close()
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
func (ec *Ctx) CloseTapes() {
	for _, t := range ec.ctes {
		if t.src != nil {
			t.src.Close()
			t.src = nil
		}
	}
}

type tapeIter struct {
	t *cteTape
	i int
}

func (it *tapeIter) Next() ([]types.Datum, error) {
	r, err := it.t.row(it.i)
	if r != nil {
		it.i++
	}
	return r, err
}
func (it *tapeIter) Close() {}

// CTE is one WITH query; its rows are computed once per execution.
type CTE struct {
	Name string
	Plan Node
	Cols []Column
	// recursive CTEs: the working table the recursive term reads
	Recursive bool
	// correlated: the query reads the enclosing query's row (a WITH inside
	// a LATERAL or a sub-select), so it runs again at every scan of it,
	// which must see the scope it was planned in (parent).
	Correlated bool
	Parent     any // the *scope it was planned in (compared, never read)
	// refs counts the scans of it the plan holds: a query read by one
	// scan need not keep the rows that scan has passed (cteTape)
	Refs int
}

func Seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Column is one column of a plan node's output.
type Column struct {
	Name     string
	Table    string // the range variable (alias) it belongs to, for qualified refs
	T        types.T
	TableOID uint32
	AttNum   int16
	Hidden   bool // not expanded by *
	// merged marks a side's column of a JOIN … USING: the join's merged
	// column stands for it, so * does not expand it; t.* still does.
	Merged bool
}
