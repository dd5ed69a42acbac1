package exec

import (
	"logdb/sql/catalog"
	"logdb/sql/types"
)

type JoinKind uint8

const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
)

// JoinNode joins left and right: a hash join on lkeys = rkeys, or a nested
// loop over the materialized right side when there are no keys. lkeys read
// the left row; rkeys and pred read the combined row (left then right).
type JoinNode struct {
	Left, Right  Node
	Kind         JoinKind
	Lw           int // width of the left row
	Lkeys, Rkeys []Expr
	Pred         Expr
	Cols         []Column
}

func (j *JoinNode) Columns() []Column { return j.Cols }

func (j *JoinNode) Start(ec *Ctx) (Iterator, error) {
	what := "nested loop's inner side"
	if len(j.Lkeys) > 0 {
		what = "hash join's build side"
	}
	mem := ec.Budget(what)
	rrows, err := runNodeIn(ec, j.Right, mem)
	if err != nil {
		return nil, err
	}
	it := &joinIter{j: j, ec: ec, rrows: rrows, width: len(j.Cols)}
	if j.Kind == JoinRight || j.Kind == JoinFull {
		it.matched = make([]bool, len(rrows))
	}
	if len(j.Lkeys) > 0 {
		it.table = map[string][]int{}
		buf := make([]types.Datum, it.width)
		var kb []byte
		for i, r := range rrows {
			copy(buf[j.Lw:], r)
			var null bool
			kb, null, err = j.keyOf(ec, kb[:0], j.Rkeys, buf)
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
	if it.left, err = j.Left.Start(ec); err != nil {
		return nil, err
	}
	return it, nil
}

func (j *JoinNode) keyOf(ec *Ctx, dst []byte, keys []Expr, row []types.Datum) ([]byte, bool, error) {
	for _, k := range keys {
		v, err := k.Eval(ec, row)
		if err != nil {
			return nil, false, err
		}
		if v == nil {
			return dst, true, nil
		}
		dst = types.AppendKey(dst, k.Type(), v)
	}
	return dst, false, nil
}

type joinIter struct {
	j       *JoinNode
	ec      *Ctx
	left    Iterator
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
		copy(row[it.j.Lw:], r)
	}
	return row
}

func (it *joinIter) Next() ([]types.Datum, error) {
	j := it.j
	for !it.leftDone {
		if it.cur == nil {
			l, err := it.left.Next()
			if err != nil {
				return nil, err
			}
			if l == nil {
				it.leftDone = true
				break
			}
			if err := it.ec.Tick(); err != nil {
				return nil, err
			}
			it.cur, it.pos, it.curMatch = l, 0, false
			if it.table != nil {
				var null bool
				it.kb, null, err = j.keyOf(it.ec, it.kb[:0], j.Lkeys, l)
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
			if j.Pred != nil {
				ok, err := evalBool(it.ec, j.Pred, row)
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
		if !it.curMatch && (j.Kind == JoinLeft || j.Kind == JoinFull) {
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

func (it *joinIter) Close() {
	if it.left != nil {
		it.left.Close()
	}
}

// SRFProjectNode evaluates the set-returning functions of a select list
// for each input row, appending one column per function: they run in
// lockstep, each NULL after its last row, until the longest ends
// (PostgreSQL 10's ProjectSet).
type SRFProjectNode struct {
	Src  Node
	Srfs []SetFunc
	Cols []Column
}

// SetFunc is a set-returning function: its rows for one input row (the
// first value of each is the column SRFProjectNode appends).
type SetFunc interface {
	IterFor(ec *Ctx, in []types.Datum) (Iterator, error)
}

func (n *SRFProjectNode) Columns() []Column { return n.Cols }

func (n *SRFProjectNode) Start(ec *Ctx) (Iterator, error) {
	it, err := n.Src.Start(ec)
	if err != nil {
		return nil, err
	}
	return &srfProjectIter{n: n, src: it, ec: ec}, nil
}

type srfProjectIter struct {
	n   *SRFProjectNode
	src Iterator
	ec  *Ctx
	in  []types.Datum
	cur []Iterator // the functions' rows for in, nil once ended; nil between input rows
}

func (it *srfProjectIter) Next() ([]types.Datum, error) {
	for {
		if it.cur != nil {
			row := make([]types.Datum, len(it.in), len(it.in)+len(it.cur))
			copy(row, it.in)
			live := false
			for i, c := range it.cur {
				var v []types.Datum
				if c != nil {
					var err error
					if v, err = c.Next(); err != nil {
						return nil, err
					}
					if v == nil {
						c.Close()
						it.cur[i] = nil
					} else {
						live = true
					}
				}
				if v == nil {
					row = append(row, nil)
				} else {
					row = append(row, v[0])
				}
			}
			if live {
				return row, nil
			}
			it.cur = nil
		}
		in, err := it.src.Next()
		if err != nil || in == nil {
			return nil, err
		}
		it.in = in
		it.cur = make([]Iterator, len(it.n.Srfs))
		for i, f := range it.n.Srfs {
			if it.cur[i], err = f.IterFor(it.ec, in); err != nil {
				it.closeCur()
				return nil, err
			}
		}
	}
}

func (it *srfProjectIter) closeCur() {
	for _, c := range it.cur {
		if c != nil {
			c.Close()
		}
	}
	it.cur = nil
}

func (it *srfProjectIter) Close() {
	it.closeCur()
	it.src.Close()
}

var SRFNames = map[string]bool{"generate_series": true, "unnest": true, "pg_options_to_table": true, "pg_partition_tree": true, "pg_partition_ancestors": true, "_pg_expandarray": true,
	"generate_subscripts": true, "json_each": true, "jsonb_each": true, "json_each_text": true, "jsonb_each_text": true,
	"json_array_elements": true, "jsonb_array_elements": true, "json_array_elements_text": true, "jsonb_array_elements_text": true,
	"json_object_keys": true, "jsonb_object_keys": true, "json_to_recordset": true, "jsonb_to_recordset": true,
	"regexp_split_to_table": true, "pg_listening_channels": true, "pg_get_publication_tables": true,
	"jsonb_path_query": true, "regexp_matches": true, "string_to_table": true}

// KeyEqExpr is l = r by key encoding (for join keys whose types share one).
type KeyEqExpr struct{ L, R Expr }

func (e *KeyEqExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	l, err := e.L.Eval(ec, row)
	if err != nil || l == nil {
		return nil, err
	}
	r, err := e.R.Eval(ec, row)
	if err != nil || r == nil {
		return nil, err
	}
	return string(types.AppendKey(nil, e.L.Type(), l)) == string(types.AppendKey(nil, e.R.Type(), r)), nil
}

func (e *KeyEqExpr) Type() types.T { return BoolT }

// LookupJoinNode joins each left row with the rows of a table found by key:
// a point Get when the join keys cover the primary key, else a range scan
// of an index prefix. It reads only the rows it joins, so its OCC read set
// stays as narrow as the left side.
type LookupJoinNode struct {
	Left   Node
	Scan   *ScanNode // the right table; its preds filter the rows found
	Index  *catalog.Index
	Keys   []Expr // left expressions, one per leading key column
	KeyTs  []types.T
	Kind   JoinKind // JoinInner or JoinLeft
	Lw     int
	Pred   Expr // residual over the combined row (includes every join key)
	Cols   []Column
	rwidth int
}

func (j *LookupJoinNode) Columns() []Column { return j.Cols }

func (j *LookupJoinNode) Start(ec *Ctx) (Iterator, error) {
	it, err := j.Left.Start(ec)
	if err != nil {
		return nil, err
	}
	lj := &lookupIter{j: j, ec: ec, left: it}
	if len(j.Scan.Preds) > 0 {
		lj.rpred = AndOf(j.Scan.Preds)
	}
	return lj, nil
}

type lookupIter struct {
	j     *LookupJoinNode
	ec    *Ctx
	left  Iterator
	rpred Expr
	cur   []types.Datum
	found [][]types.Datum
	pos   int
	match bool
}

func (it *lookupIter) fetch(l []types.Datum) ([][]types.Datum, error) {
	j := it.j
	var prefix []byte
	for i, k := range j.Keys {
		v, err := k.Eval(it.ec, l)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		prefix = types.AppendKey(prefix, j.KeyTs[i], v)
	}
	txn := it.ec.Txn.Kv
	t := j.Scan.T
	var out [][]types.Datum
	add := func(key, val []byte) error {
		row, err := j.Scan.decode(key, val)
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
	if j.Index == nil {
		val, ok, err := txn.Get(t.Space, prefix)
		if err != nil || !ok {
			return nil, err
		}
		return out, add(prefix, val)
	}
	kit := txn.Scan(j.Index.Space, prefix, prefixEnd(prefix), false)
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

func (it *lookupIter) Next() ([]types.Datum, error) {
	j := it.j
	for {
		if it.cur == nil {
			l, err := it.left.Next()
			if err != nil || l == nil {
				return nil, err
			}
			if err := it.ec.Tick(); err != nil {
				return nil, err
			}
			if it.found, err = it.fetch(l); err != nil {
				return nil, err
			}
			it.cur, it.pos, it.match = l, 0, false
		}
		row, err := joinProbe(it.ec, len(j.Cols), j.Lw, j.Pred, it.cur, it.found, &it.pos)
		if err != nil || row != nil {
			it.match = it.match || row != nil
			return row, err
		}
		l := it.cur
		it.cur = nil
		if !it.match && j.Kind == JoinLeft {
			return padLeft(len(j.Cols), l), nil
		}
	}
}

func (it *lookupIter) Close() { it.left.Close() }

// joinProbe returns the next row (width wide, the left row cur then a right
// row from lw on) of cur joined with rows[*pos:] that passes pred, advancing
// *pos past it; nil when none is left. Lookup and lateral joins share it:
// they differ only in how they find the right rows for cur.
func joinProbe(ec *Ctx, width, lw int, pred Expr, cur []types.Datum, rows [][]types.Datum, pos *int) ([]types.Datum, error) {
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

// LateralJoinNode runs its right side once per left row, with the left row
// visible to it as the enclosing row (LATERAL).
type LateralJoinNode struct {
	Left, Right Node
	Kind        JoinKind
	Lw          int
	Pred        Expr
	Cols        []Column
}

func (j *LateralJoinNode) Columns() []Column { return j.Cols }

func (j *LateralJoinNode) Start(ec *Ctx) (Iterator, error) {
	it, err := j.Left.Start(ec)
	if err != nil {
		return nil, err
	}
	return &lateralIter{j: j, ec: ec, left: it, mem: ec.Budget("LATERAL item")}, nil
}

type lateralIter struct {
	j     *LateralJoinNode
	ec    *Ctx
	left  Iterator
	cur   []types.Datum
	rows  [][]types.Datum
	pos   int
	match bool
	mem   *memBudget // the right side's rows for the current left row
}

func (it *lateralIter) Next() ([]types.Datum, error) {
	j := it.j
	for {
		if it.cur == nil {
			l, err := it.left.Next()
			if err != nil || l == nil {
				return nil, err
			}
			it.ec.outer = append(it.ec.outer, l)
			it.mem.release()
			rows, err := runNodeIn(it.ec, j.Right, it.mem)
			it.ec.outer = it.ec.outer[:len(it.ec.outer)-1]
			if err != nil {
				return nil, err
			}
			it.cur, it.rows, it.pos, it.match = l, rows, 0, false
		}
		row, err := joinProbe(it.ec, len(j.Cols), j.Lw, j.Pred, it.cur, it.rows, &it.pos)
		if err != nil || row != nil {
			it.match = it.match || row != nil
			return row, err
		}
		l := it.cur
		it.cur = nil
		if !it.match && j.Kind == JoinLeft {
			return padLeft(len(j.Cols), l), nil
		}
	}
}

func (it *lateralIter) Close() { it.left.Close() }
