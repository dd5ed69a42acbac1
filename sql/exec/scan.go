package exec

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// RowRef is the stored identity of a scanned row, carried as an extra
// column for UPDATE and DELETE.
type RowRef struct {
	Key, Val []byte
	// Leaf is, in a scan of a partitioned table, 1 + the PartSet.Leaves
	// index of the partition the row is in (0 otherwise).
	Leaf int
}

type pathKind uint8

const (
	pathFull   pathKind = iota // every row of the table
	PathPoint                  // one Get by the whole primary key
	pathRange                  // a key range of the primary key
	PathIndex                  // a key range of a secondary index, then row Gets
	pathPoints                 // Gets of a list of primary keys (pk IN (...), pk = ANY(...))
)

// accessPath is how a scan reads its table: equality values for the
// leading key columns, then an optional range on the next one.
type accessPath struct {
	Kind           pathKind
	index          *catalog.Index // PathIndex
	eq             []Expr
	lo, hi         Expr
	loIncl, hiIncl bool
	points         Expr // pathPoints: an InListExpr or AnyArrayExpr over the key column
}

// ScanNode reads one table. preds are all its pushed-down predicates (they
// are re-checked on every row, so the key range only has to cover them).
type ScanNode struct {
	T *catalog.Table
	// Security is row level security's condition on the rows read
	// (plan/rowsecurity.go), checked before Preds; nil when none holds.
	// A lookup join never reads a table with one.
	Security Expr
	Cols     []Column
	RowCols  []types.RowColumn
	Preds    []Expr
	Path     accessPath
	Reverse  bool
	WithRef  bool // append a RowRef column
	// DMLTarget marks the scan of an UPDATE's or DELETE's target: a
	// lookup join may probe it (its RowRefs come from the rows found).
	DMLTarget bool
	// IxExprs are the table's expression and partial indexes, compiled
	// over the scanned row (scan_index_expr.go); without them the scan
	// does not use those indexes.
	IxExprs map[uint32]*IndexEval
	chosen  bool
	// PartSet and Leaves, for a partitioned table, are its leaf
	// partitions and a scan of each (partition.go): the table itself
	// stores nothing.
	PartSet *PartSet
	Leaves  []*ScanNode
	// WithTableOID appends the tableoid system column (after the RowRef,
	// if any): the OID of the table the row is stored in.
	WithTableOID bool
}

func NewScanNode(t *catalog.Table) *ScanNode {
	s := &ScanNode{T: t}
	for i, c := range t.Columns {
		s.Cols = append(s.Cols, Column{Name: c.Name, Table: t.Name, T: c.Type, TableOID: t.OID, AttNum: int16(i + 1)})
	}
	s.RowCols = t.RowColumns()
	return s
}

func (s *ScanNode) Columns() []Column { return s.Cols }

// keyBound is one predicate usable for the access path: column op value.
type keyBound struct {
	col int
	op  string
	val Expr
}

func (s *ScanNode) bounds() []keyBound {
	var out []keyBound
	for _, p := range s.Preds {
		for _, c := range Conjuncts(p) {
			if b, ok := boundOf(c, s.Cols); ok {
				out = append(out, b)
			}
		}
	}
	return out
}

func Conjuncts(e Expr) []Expr {
	if a, ok := e.(*AndExpr); ok {
		var out []Expr
		for _, x := range a.Args {
			out = append(out, Conjuncts(x)...)
		}
		return out
	}
	return []Expr{e}
}

var flipOp = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// boundOf recognizes column op constant (constant: no column of this row).
func boundOf(e Expr, cols []Column) (keyBound, bool) {
	op, ok := e.(*OpExpr)
	if !ok || op.L == nil {
		return keyBound{}, false
	}
	name := op.Op.Name
	if _, ok := flipOp[name]; !ok {
		return keyBound{}, false
	}
	try := func(c, v Expr, name string) (keyBound, bool) {
		ce, ok := c.(*ColExpr)
		if !ok {
			if cast, ok := c.(*CastExpr); ok && KeyCompatible(cast.From, cast.To) {
				ce, ok = cast.E.(*ColExpr)
				if !ok {
					return keyBound{}, false
				}
			} else {
				return keyBound{}, false
			}
		}
		refs := map[int]bool{}
		if ExprCols(v, refs) || len(refs) > 0 || IsVolatile(v) {
			return keyBound{}, false
		}
		if !KeyCompatible(cols[ce.Idx].T, v.Type()) {
			return keyBound{}, false
		}
		return keyBound{col: ce.Idx, op: name, val: v}, true
	}
	if b, ok := try(op.L, op.R, name); ok {
		return b, true
	}
	return try(op.R, op.L, flipOp[name])
}

// matchKey finds equality values for a prefix of keyCols, then a range on
// the next column.
func matchKey(keyCols []int, bounds []keyBound) accessPath {
	var ap accessPath
	for _, kc := range keyCols {
		var eq Expr
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
func (s *ScanNode) ChoosePath() {
	if s.chosen {
		return
	}
	s.chosen = true
	if s.Leaves != nil {
		return // each leaf chooses its own when it starts
	}
	bounds := s.bounds()
	if len(bounds) == 0 && (len(s.IxExprs) == 0 || len(s.Preds) == 0) {
		if pts := s.pointList(); pts != nil {
			s.Path = accessPath{Kind: pathPoints, points: pts}
		}
		return
	}
	best := accessPath{Kind: pathFull}
	score := func(ap accessPath) int {
		n := len(ap.eq) * 4
		if ap.lo != nil || ap.hi != nil {
			n += 2
		}
		return n
	}
	if len(s.T.PKIdx) > 0 {
		ap := matchKey(s.T.PKIdx, bounds)
		if len(ap.eq) == len(s.T.PKIdx) {
			ap.Kind = PathPoint
			s.Path = ap
			return
		}
		if n := len(s.T.PKIdx); n > 1 && len(ap.eq) == n-1 {
			// k1 = v AND k2 = ANY(…): Gets of the whole keys (pg-boss's
			// WHERE name = $1 AND id = ANY($2) reads only its jobs)
			if pts := s.pointListOn(s.T.PKIdx[n-1]); pts != nil {
				s.Path = accessPath{Kind: pathPoints, eq: ap.eq, points: pts}
				return
			}
		}
		if len(ap.eq) > 0 || ap.lo != nil || ap.hi != nil {
			ap.Kind = pathRange
			best = ap
		}
	}
	for _, ix := range s.T.Indexes {
		cols, extra, ok := s.indexKeyCols(ix)
		if !ok {
			continue
		}
		ap := matchKey(cols, append(bounds[:len(bounds):len(bounds)], extra...))
		if len(ap.eq) == 0 && ap.lo == nil && ap.hi == nil {
			continue
		}
		ap.Kind, ap.index = PathIndex, ix
		if score(ap) > score(best) || best.Kind == pathFull {
			best = ap
		}
	}
	if best.Kind == pathFull {
		if pts := s.pointList(); pts != nil {
			best = accessPath{Kind: pathPoints, points: pts}
		}
	}
	s.Path = best
}

// pointList finds pk IN (constants), pk = ANY(constant array) or
// pk IN (uncorrelated sub-query) on a single-column primary key.
func (s *ScanNode) pointList() Expr {
	if len(s.T.PKIdx) != 1 {
		return nil
	}
	return s.pointListOn(s.T.PKIdx[0])
}

// pointListOn finds a list of values for column pk (IN, = ANY, IN
// (sub-query)) among the predicates.
func (s *ScanNode) pointListOn(pk int) Expr {
	isPK := func(e Expr) bool {
		c, ok := e.(*ColExpr)
		if !ok {
			if cast, ok2 := e.(*CastExpr); ok2 && KeyCompatible(cast.From, cast.To) {
				c, ok = cast.E.(*ColExpr)
			}
		}
		return ok && c.Idx == pk && KeyCompatible(c.T, s.Cols[pk].T)
	}
	constant := func(e Expr) bool {
		refs := map[int]bool{}
		if IsVolatile(e) {
			return false
		}
		if !ExprCols(e, refs) {
			return len(refs) == 0
		}
		// sub-queries: uncorrelated ones run once, before the scan
		ok := len(refs) == 0
		WalkExpr(e, func(x Expr) {
			if sq, isSub := x.(*SubqueryExpr); isSub && sq.Correlated {
				ok = false
			}
		})
		return ok
	}
	for _, p := range s.Preds {
		for _, c := range Conjuncts(p) {
			switch x := c.(type) {
			case *InListExpr:
				if x.Not || !isPK(x.L) {
					continue
				}
				ok := true
				for i, it := range x.List {
					ok = ok && constant(it) && x.Eqs[i].Name == "=" && KeyCompatible(it.Type(), s.Cols[pk].T)
				}
				if ok {
					return x
				}
			case *SubqueryExpr:
				// pk IN (SELECT …) uncorrelated: its rows are the keys (a
				// job queue's UPDATE … WHERE id IN (SELECT … FOR UPDATE
				// SKIP LOCKED) reads only the rows it locked)
				if x.Kind != SubAny || x.Correlated || x.Op == nil || x.Op.Name != "=" || !isPK(x.Test) {
					continue
				}
				if cols := x.Plan.Columns(); len(cols) == 1 && KeyCompatible(cols[0].T, s.Cols[pk].T) {
					return x
				}
			case *AnyArrayExpr:
				if x.All || x.Op.Name != "=" || !isPK(x.L) || !constant(x.Arr) {
					continue
				}
				if et, ok := types.ElemOf(x.Arr.Type()); ok && KeyCompatible(et, s.Cols[pk].T) {
					return x
				}
			}
		}
	}
	return nil
}

// pointKeys evaluates a pathPoints list into sorted, distinct keys.
func (s *ScanNode) pointKeys(ec *Ctx) ([][]byte, error) {
	// the leading key columns' values (pathPoints on a longer key)
	var prefix []byte
	pkt := s.pkTypes()
	for i, e := range s.Path.eq {
		v, err := e.Eval(ec, nil)
		if err != nil || v == nil {
			return nil, err
		}
		prefix = types.AppendKey(prefix, pkt[i], v)
	}
	kt := s.Cols[s.T.PKIdx[len(s.Path.eq)]].T
	var vals []types.Datum
	switch x := s.Path.points.(type) {
	case *InListExpr:
		for _, it := range x.List {
			v, err := it.Eval(ec, nil)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
	case *SubqueryExpr:
		rows, err := x.rows(ec, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			vals = append(vals, r[0])
		}
	case *AnyArrayExpr:
		v, err := x.Arr.Eval(ec, nil)
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
			keys = append(keys, types.AppendKey(append([]byte(nil), prefix...), kt, v))
		}
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
	out := keys[:0]
	for i, k := range keys {
		if i == 0 || !bytes.Equal(k, keys[i-1]) {
			out = append(out, k)
		}
	}
	if s.Reverse {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

// Describe is the EXPLAIN line of the scan.
func (s *ScanNode) Describe() string {
	var b strings.Builder
	switch s.Path.Kind {
	case pathFull:
		fmt.Fprintf(&b, "Seq Scan on %s", s.T.Name)
	case PathPoint:
		fmt.Fprintf(&b, "Point Get on %s (primary key)", s.T.Name)
	case pathPoints:
		fmt.Fprintf(&b, "Multi Point Get on %s (primary key)", s.T.Name)
	case pathRange:
		fmt.Fprintf(&b, "Range Scan on %s using %s (%d eq%s)", s.T.Name, s.T.PKName, len(s.Path.eq), rangeNote(s.Path))
	case PathIndex:
		fmt.Fprintf(&b, "Index Scan on %s using %s (%d eq%s)", s.T.Name, s.Path.index.Name, len(s.Path.eq), rangeNote(s.Path))
	}
	if s.Reverse {
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
func (s *ScanNode) keyRange(ec *Ctx, keyTypes []types.T) (start, end []byte, empty bool, err error) {
	var prefix []byte
	for i, e := range s.Path.eq {
		v, err := e.Eval(ec, nil)
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
	n := len(s.Path.eq)
	if s.Path.lo != nil {
		v, err := s.Path.lo.Eval(ec, nil)
		if err != nil || v == nil {
			return nil, nil, v == nil, err
		}
		k := types.AppendKey(append([]byte(nil), prefix...), keyTypes[n], v)
		if s.Path.loIncl {
			start = k
		} else {
			start = prefixEnd(k)
		}
	} else if s.Path.hi != nil {
		// skip NULLs of the range column: they sort first
		start = types.AppendKey(append([]byte(nil), prefix...), keyTypes[n], nil)
		start = prefixEnd(start)
	}
	if s.Path.hi != nil {
		v, err := s.Path.hi.Eval(ec, nil)
		if err != nil || v == nil {
			return nil, nil, v == nil, err
		}
		k := types.AppendKey(append([]byte(nil), prefix...), keyTypes[n], v)
		if s.Path.hiIncl {
			end = prefixEnd(k)
		} else {
			end = k
		}
	}
	return start, end, false, nil
}

func (s *ScanNode) pkTypes() []types.T {
	out := make([]types.T, len(s.T.PKIdx))
	for i, c := range s.T.PKIdx {
		out[i] = s.T.Columns[c].Type
	}
	return out
}

func (s *ScanNode) indexTypes(ix *catalog.Index) []types.T {
	out := make([]types.T, len(ix.Columns))
	for i, id := range ix.Columns {
		if ie := s.IxExprs[ix.OID]; ie != nil && i < len(ie.Exprs) && ie.Exprs[i] != nil {
			out[i] = ie.Exprs[i].Type()
			continue
		}
		out[i] = s.T.Columns[s.T.ColIndexByID(id)].Type
	}
	return out
}

func (s *ScanNode) Start(ec *Ctx) (Iterator, error) {
	if c, ok := s.Security.(*ConstExpr); ok && c.V != true {
		return &SliceIter{}, nil // no policy lets a row through
	}
	if s.Leaves != nil {
		return s.startLeaves(ec)
	}
	s.ChoosePath()
	it := &scanIter{s: s, ec: ec, sec: s.Security, txn: ec.Txn.Kv, stat: ec.Txn.statsFor(s.T.OID), full: s.Path.Kind == pathFull}
	if it.full {
		ec.Txn.Rows[it.stat].SeqScan++
	} else {
		ec.Txn.Rows[it.stat].IdxScan++
	}
	if len(s.Preds) > 0 {
		it.pred = AndOf(s.Preds)
	}
	switch s.Path.Kind {
	case PathPoint:
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
		it.kvit = it.txn.Scan(s.T.Space, start, end, s.Reverse)
	case PathIndex:
		start, end, empty, err := s.keyRange(ec, s.indexTypes(s.Path.index))
		if err != nil {
			return nil, err
		}
		if empty {
			it.done = true
			return it, nil
		}
		it.index = true
		it.kvit = it.txn.Scan(s.Path.index.Space, start, end, s.Reverse)
	default:
		it.kvit = it.txn.Scan(s.T.Space, nil, nil, s.Reverse)
	}
	return it, nil
}

type scanIter struct {
	s      *ScanNode
	ec     *Ctx
	txn    *kv.Txn
	kvit   *kv.Iterator
	pred   Expr
	sec    Expr // ScanNode.Security
	point  []byte
	points [][]byte // pathPoints keys still to get
	index  bool
	done   bool
	stat   int  // the table's counts in ec.txn.rows (stats.go)
	full   bool // a full scan: rows count as seq_tup_read, else idx_tup_fetch
}

func (it *scanIter) Next() ([]types.Datum, error) {
	for !it.done {
		if err := it.ec.Tick(); err != nil {
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
			v, ok, err := it.txn.Get(it.s.T.Space, k)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			key, val = k, v
		} else if it.point != nil {
			it.done = true
			v, ok, err := it.txn.Get(it.s.T.Space, it.point)
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
				v, ok, err := it.txn.Get(it.s.T.Space, pk)
				if err != nil {
					return nil, err
				}
				if !ok {
					return nil, pgerror.New(pgerror.DataCorrupted, "index \"%s\" points to a missing row", it.s.Path.index.Name)
				}
				key, val = pk, v
			}
		}
		row, err := it.s.decode(key, val)
		if err != nil {
			return nil, err
		}
		if c := &it.ec.Txn.Rows[it.stat]; it.full {
			c.SeqRead++
		} else {
			c.IdxFetch++
		}
		if it.sec != nil {
			// before the statement's own predicates, which must not see
			// (and so leak) a row the policies hide
			if ok, err := evalBool(it.ec, it.sec, row); err != nil || !ok {
				if err != nil {
					return nil, err
				}
				continue
			}
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

func (s *ScanNode) decode(key, val []byte) ([]types.Datum, error) {
	n := len(s.RowCols)
	if s.WithRef {
		n++
	}
	if s.WithTableOID {
		n++
	}
	row := make([]types.Datum, n)
	if err := types.DecodeRow(val, s.RowCols, row); err != nil {
		return nil, err
	}
	if s.WithRef {
		row[len(s.RowCols)] = RowRef{Key: key, Val: val}
	}
	if s.WithTableOID {
		row[n-1] = int64(s.T.OID)
	}
	return row, nil
}

func (it *scanIter) Close() {
	if it.kvit != nil {
		it.kvit.Close()
		it.kvit = nil
	}
}

// OrderedByIndex reports whether the scan's secondary-index path already
// yields its rows in the order of keys (over cols, the scan's own columns
// the sort keys read), and if so sets Reverse for descending keys. An index
// holds its entries by its columns, ascending with NULLs first (Options
// only change how it is shown), then, unless it is unique, by the primary
// key; the columns its path fixes by equality are constant in the range.
// So the keys, skipping those fixed columns, must follow the remaining
// index columns (and then the primary key's), all in one direction, each
// of a type whose key encoding sorts as the type does, and each NOT NULL,
// or bounded by the path's range (which reads no NULL), or with its NULLs
// where the scan puts them (first ascending, last descending). A job queue's "WHERE state = 'available' AND queue = $1
// ORDER BY priority, scheduled_at, id LIMIT n FOR UPDATE SKIP LOCKED" then
// reads n rows of its index instead of every waiting job.
func (s *ScanNode) OrderedByIndex(cols []int, keys []SortKey) bool {
	ix := s.Path.index
	if s.Path.Kind != PathIndex || s.Leaves != nil || ix == nil || len(ix.Exprs) != 0 || len(keys) == 0 || len(keys) != len(cols) {
		return false
	}
	icols := make([]int, len(ix.Columns))
	for i, id := range ix.Columns {
		if icols[i] = s.T.ColIndexByID(id); icols[i] < 0 {
			return false
		}
	}
	fixed := icols[:min(len(s.Path.eq), len(icols))]
	order := icols[len(fixed):]
	ranged := -1 // the column the path bounds by a range: its NULLs are not read
	if (s.Path.lo != nil || s.Path.hi != nil) && len(order) > 0 {
		ranged = order[0]
	}
	if !ix.Unique || ix.Deferrable {
		order = append(order[:len(order):len(order)], s.T.PKIdx...)
	}
	desc := keys[0].Desc
	next := 0
	for i, c := range cols {
		k := keys[i]
		if k.Desc != desc {
			return false
		}
		if slices.Contains(fixed, c) {
			continue
		}
		if next >= len(order) || order[next] != c || !keyOrdered(s.T.Columns[c].Type) {
			return false
		}
		if !s.T.Columns[c].NotNull && !slices.Contains(s.T.PKIdx, c) && c != ranged && k.NullsFirst == desc {
			return false
		}
		next++
	}
	s.Reverse = desc
	return true
}

// OrderByIndexScan, for a scan that found no key range to read (a full
// scan) under an ORDER BY … LIMIT, picks a secondary index whose order is
// the sort's and reads the whole index in that order instead, so the
// LIMIT stops it after a few rows: "WHERE is_available ORDER BY priority,
// run_at LIMIT 1" on a partial index (priority, run_at) WHERE
// is_available reads its first entries, not every row. The index must
// have plain columns, and a partial index's predicate must follow from
// the scan's conditions; a whole (not partial) index only when the scan
// has no conditions at all (each row they would drop costs a lookup). It
// reports whether it chose one (and then sets the path and Reverse).
func (s *ScanNode) OrderByIndexScan(cols []int, keys []SortKey) bool {
	if s.Path.Kind != pathFull || s.Leaves != nil || len(keys) == 0 {
		return false
	}
	saved := s.Path
	for _, ix := range s.T.Indexes {
		if len(ix.Exprs) != 0 {
			continue
		}
		if ix.Pred == "" && (len(s.Preds) > 0 || s.Security != nil) {
			// rows the conditions drop would each cost a lookup: only a
			// scan with none ("the latest ten rows"), or a partial index
			// made for the conditions, reads the index whole
			continue
		}
		if _, _, usable := s.indexKeyCols(ix); !usable {
			continue // a partial index whose predicate the conditions do not imply
		}
		s.Path = accessPath{Kind: PathIndex, index: ix}
		if s.OrderedByIndex(cols, keys) {
			return true
		}
	}
	s.Path = saved
	return false
}

// OrderedByKey reports whether a scan of the table's primary key (whole,
// a range, or a list of keys, which are read sorted) yields its rows in
// the order of keys (over cols, the scan's columns), and if so sets
// Reverse for descending keys: the keys, skipping the leading key columns
// the path fixes by equality, must follow the remaining key columns, all
// in one direction ("WHERE tenant = $1 ORDER BY id" on a key (tenant,
// id) reads in order).
func (s *ScanNode) OrderedByKey(cols []int, keys []SortKey) bool {
	pk := s.T.PKIdx
	if s.Leaves != nil || s.Path.Kind == PathIndex || len(keys) == 0 || len(keys) != len(cols) {
		return false
	}
	fixed := 0
	if s.Path.Kind != pathFull {
		fixed = min(len(s.Path.eq), len(pk))
	}
	desc := keys[0].Desc
	next := fixed
	for i, c := range cols {
		if keys[i].Desc != desc {
			return false
		}
		if slices.Contains(pk[:fixed], c) {
			continue
		}
		if next >= len(pk) || pk[next] != c {
			return false
		}
		next++
	}
	s.Reverse = desc
	return true
}

// keyOrdered reports whether t's key encoding (types.AppendKey) orders
// values as the type's comparison does.
func keyOrdered(t types.T) bool {
	switch t.OID {
	case types.Int2OID, types.Int4OID, types.Int8OID, types.OidOID, types.BoolOID,
		types.DateOID, types.TimestampOID, types.TimestamptzOID,
		types.TextOID, types.VarcharOID, types.UUIDOID:
		return true
	}
	return false
}
