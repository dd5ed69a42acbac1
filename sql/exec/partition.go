package exec

import (
	"hash/fnv"
	"strings"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Declarative partitioning at execution (catalog/partition.go has the
// descriptors). A statement on a partitioned table works on its leaf
// partitions: a PartSet, compiled from the catalog snapshot the statement
// was planned with, routes a row given in the partitioned table's column
// layout to its leaf (INSERT, COPY, an UPDATE that changes the key), and
// its scan reads the leaves one after the other (ScanNode.Leaves), each
// decoding its rows into that layout, skipping the leaves an equality on
// the key rules out. A write into a partition itself checks the row
// against the partition's bound and its ancestors' (PartConstraint).

// Bound is a partition bound compiled for a key's types.
type Bound struct {
	Default   bool
	In        []types.Datum // list: the values (NULL is InNull)
	InNull    bool
	From, To  []RangeDatum // range
	Modulus   int
	Remainder int
	strategy  byte
}

// RangeDatum is one column of a range bound: a value, or Inf -1
// (MINVALUE) / +1 (MAXVALUE).
type RangeDatum struct {
	V   types.Datum
	Inf int8
}

// CompileBound parses b's values as the key's types.
func CompileBound(strategy byte, keyT []types.T, b *catalog.PartBound) (*Bound, error) {
	out := &Bound{Default: b.Default, Modulus: b.Modulus, Remainder: b.Remainder, strategy: strategy}
	for _, v := range b.In {
		if v.Null {
			out.InNull = true
			continue
		}
		d, err := types.ParseText(keyT[0], v.Text)
		if err != nil {
			return nil, err
		}
		out.In = append(out.In, d)
	}
	rng := func(vs []catalog.BoundValue) ([]RangeDatum, error) {
		var r []RangeDatum
		for i, v := range vs {
			if v.Inf != 0 || i >= len(keyT) {
				r = append(r, RangeDatum{Inf: v.Inf})
				continue
			}
			d, err := types.ParseText(keyT[i], v.Text)
			if err != nil {
				return nil, err
			}
			r = append(r, RangeDatum{V: d})
		}
		return r, nil
	}
	var err error
	if out.From, err = rng(b.From); err != nil {
		return nil, err
	}
	if out.To, err = rng(b.To); err != nil {
		return nil, err
	}
	return out, nil
}

// CompareRange compares a range bound with a key (or another bound) as
// PostgreSQL's partition_rbound_cmp: column by column, an infinity
// deciding at once.
func CompareRange(keyT []types.T, b []RangeDatum, key []RangeDatum) int {
	for i := range b {
		if i >= len(key) {
			return 0
		}
		if b[i].Inf != 0 || key[i].Inf != 0 {
			if b[i].Inf == key[i].Inf {
				return 0
			}
			if b[i].Inf < key[i].Inf {
				return -1
			}
			return 1
		}
		if c := types.Compare(keyT[i], b[i].V, key[i].V); c != 0 {
			return c
		}
	}
	return 0
}

// Contains reports whether a key (in the key's column order) falls in
// the bound; a DEFAULT bound contains nothing by itself.
func (b *Bound) Contains(keyT []types.T, key []types.Datum) bool {
	switch {
	case b.Default:
		return false
	case b.Modulus > 0:
		return int(HashPartitionKey(keyT, key)%uint64(b.Modulus)) == b.Remainder
	case b.strategy == catalog.PartList:
		if key[0] == nil {
			return b.InNull
		}
		for _, v := range b.In {
			if types.Compare(keyT[0], v, key[0]) == 0 {
				return true
			}
		}
		return false
	default:
		rk := make([]RangeDatum, len(key))
		for i, v := range key {
			if v == nil {
				return false // a range partition never holds a NULL key
			}
			rk[i] = RangeDatum{V: v}
		}
		return CompareRange(keyT, b.From, rk) <= 0 && CompareRange(keyT, b.To, rk) > 0
	}
}

// HashPartitionKey hashes a key for hash partitioning (NULLs hash to
// nothing, as in PostgreSQL; the hash itself is logdb's, so rows land in
// other partitions than PostgreSQL puts them in: README, Differences).
func HashPartitionKey(keyT []types.T, key []types.Datum) uint64 {
	var h uint64
	for i, v := range key {
		if v == nil {
			continue
		}
		f := fnv.New64a()
		_, _ = f.Write(types.AppendKey(nil, keyT[i], v))
		x := f.Sum64()
		// hash_combine64
		h ^= x + 0x49a0f4dd15e5a8e3 + (h << 54) + (h >> 7)
	}
	return h
}

// PartLeaf is a leaf partition as a statement on a partitioned table sees
// it: the table, and the leaf's position of each of the root's columns.
type PartLeaf struct {
	T      *catalog.Table
	ToLeaf []int
	Same   bool // the same layout as the root's
}

// ToLeafRow converts a row of the root's layout to the leaf's.
func (l *PartLeaf) ToLeafRow(row []types.Datum) []types.Datum {
	if l.Same {
		return row
	}
	out := make([]types.Datum, len(l.T.Columns))
	for i, j := range l.ToLeaf {
		out[j] = row[i]
	}
	return out
}

// ToRootRow converts a row of the leaf's layout to the root's.
func (l *PartLeaf) ToRootRow(row []types.Datum) []types.Datum {
	if l.Same {
		return row
	}
	out := make([]types.Datum, len(l.ToLeaf))
	for i, j := range l.ToLeaf {
		out[i] = row[j]
	}
	return out
}

type partNode struct {
	t      *catalog.Table
	keyIdx []int // the key's positions in the root's layout
	keyT   []types.T
	kids   []partKid
	def    int // kids index of the DEFAULT partition, -1 for none
}

type partKid struct {
	t     *catalog.Table
	bound *Bound
	sub   *partNode // a partitioned partition
	leaf  int       // PartSet.Leaves index of a leaf
}

// PartSet is a partitioned table's partitions, compiled for routing.
type PartSet struct {
	Root   *catalog.Table
	Leaves []*PartLeaf
	top    *partNode
}

// NewPartSet compiles root's partitions (recursively) from cat.
func NewPartSet(cat *catalog.Catalog, root *catalog.Table) (*PartSet, error) {
	ps := &PartSet{Root: root}
	var err error
	ps.top, err = ps.compile(cat, root)
	return ps, err
}

func (ps *PartSet) compile(cat *catalog.Catalog, t *catalog.Table) (*partNode, error) {
	n := &partNode{t: t, def: -1}
	for _, id := range t.Part.Columns {
		c := t.Columns[t.ColIndexByID(id)]
		i, rc := ps.Root.Column(c.Name)
		if rc == nil {
			return nil, pgerror.New(pgerror.Internal, "partition key column \"%s\" is not in \"%s\"", c.Name, ps.Root.Name)
		}
		n.keyIdx = append(n.keyIdx, i)
		n.keyT = append(n.keyT, c.Type)
	}
	for _, c := range cat.Partitions(t.OID) {
		b, err := CompileBound(t.Part.Strategy, n.keyT, c.Bound)
		if err != nil {
			return nil, err
		}
		k := partKid{t: c, bound: b, leaf: -1}
		if c.Partitioned() {
			if k.sub, err = ps.compile(cat, c); err != nil {
				return nil, err
			}
		} else {
			k.leaf = len(ps.Leaves)
			ps.Leaves = append(ps.Leaves, NewPartLeaf(ps.Root, c))
		}
		if b.Default {
			n.def = len(n.kids)
		}
		n.kids = append(n.kids, k)
	}
	return n, nil
}

// NewPartLeaf maps root's columns to leaf's by name.
func NewPartLeaf(root, leaf *catalog.Table) *PartLeaf {
	l := &PartLeaf{T: leaf, ToLeaf: make([]int, len(root.Columns)), Same: len(root.Columns) == len(leaf.Columns)}
	for i, c := range root.Columns {
		j, _ := leaf.Column(c.Name)
		l.ToLeaf[i] = j
		l.Same = l.Same && j == i
	}
	return l
}

func (n *partNode) key(row []types.Datum) []types.Datum {
	k := make([]types.Datum, len(n.keyIdx))
	for i, j := range n.keyIdx {
		k[i] = row[j]
	}
	return k
}

// Route returns the leaf (PartSet.Leaves index) a row of the root's
// layout belongs in, or 23514 when no partition takes it.
func (ps *PartSet) Route(ec *Ctx, row []types.Datum) (int, error) {
	n := ps.top
	for {
		key := n.key(row)
		kid := -1
		for i := range n.kids {
			if n.kids[i].bound.Contains(n.keyT, key) {
				kid = i
				break
			}
		}
		if kid < 0 {
			kid = n.def
		}
		if kid < 0 {
			return 0, n.noPartition(ec, ps.Root, key)
		}
		if n.kids[kid].sub == nil {
			return n.kids[kid].leaf, nil
		}
		n = n.kids[kid].sub
	}
}

func (n *partNode) noPartition(ec *Ctx, root *catalog.Table, key []types.Datum) error {
	names := make([]string, len(key))
	vals := make([]string, len(key))
	for i, v := range key {
		names[i] = root.Columns[n.keyIdx[i]].Name
		if v == nil {
			vals[i] = "null"
		} else {
			vals[i] = string(types.AppendTextLoc(nil, n.keyT[i], v, ec.Ev.Location))
		}
	}
	return &pgerror.Error{Code: pgerror.CheckViolation, Table: n.t.Name,
		Message: "no partition of relation \"" + n.t.Name + "\" found for row",
		Detail:  "Partition key of the failing row contains (" + strings.Join(names, ", ") + ") = (" + strings.Join(vals, ", ") + ")."}
}

// Prune returns the leaves a scan with these predicates (over the root's
// layout, cols) can find rows in: an equality on every key column of a
// partitioned table picks its partition, and so does each value of an IN
// list or = ANY(array) on a one-column key; a range (< <= > >=) on the
// first column of a RANGE key leaves out the partitions whose bounds lie
// outside it; nil means all of them.
func (ps *PartSet) Prune(ec *Ctx, preds []Expr, cols []Column) ([]int, error) {
	eq := map[int]Expr{}
	var ranges []keyBound // col < > <= >= constant: range partitions by their first key column
	var list Expr         // k IN (…) or k = ANY(…) on the top key's one column
	for _, p := range preds {
		for _, c := range Conjuncts(p) {
			if b, ok := boundOf(c, cols); ok && b.op == "=" {
				eq[b.col] = b.val
			} else if ok {
				ranges = append(ranges, b)
			} else if len(ps.top.keyIdx) == 1 && list == nil && keyList(c, ps.top.keyIdx[0]) {
				list = c
			}
		}
	}

	if _, fixed := eq[ps.top.keyIdx[0]]; list != nil && !fixed {
		vals, err := listValues(ec, list)
		if err != nil || vals == nil {
			return nil, err
		}
		seen := map[int]bool{}
		out := []int{}
		for _, v := range vals {
			e := map[int]Expr{}
			for k, x := range eq {
				e[k] = x
			}
			e[ps.top.keyIdx[0]] = &ConstExpr{V: v, T: listElemType(list)}
			leaves, err := ps.prune(ec, e, ranges)
			if err != nil {
				return nil, err
			}
			if leaves == nil {
				return nil, nil
			}
			for _, l := range leaves {
				if !seen[l] {
					seen[l] = true
					out = append(out, l)
				}
			}
		}
		return out, nil
	}
	if len(eq) == 0 && len(ranges) == 0 {
		return nil, nil
	}
	return ps.prune(ec, eq, ranges)
}

// keyList reports whether c is col IN (constants) or col = ANY(constant).
func keyList(c Expr, col int) bool {
	isCol := func(e Expr) bool {
		x, ok := e.(*ColExpr)
		return ok && x.Idx == col
	}
	constant := func(e Expr) bool {
		refs := map[int]bool{}
		return !ExprCols(e, refs) && len(refs) == 0 && !IsVolatile(e)
	}
	switch x := c.(type) {
	case *InListExpr:
		if x.Not || !isCol(x.L) {
			return false
		}
		for i, it := range x.List {
			if !constant(it) || x.Eqs[i].Name != "=" || it.Type() != x.L.Type() {
				return false
			}
		}
		return true
	case *AnyArrayExpr:
		et, ok := types.ElemOf(x.Arr.Type())
		return !x.All && x.Op.Name == "=" && isCol(x.L) && constant(x.Arr) && ok && et == x.L.Type()
	}
	return false
}

func listElemType(c Expr) types.T {
	switch x := c.(type) {
	case *InListExpr:
		return x.L.Type()
	case *AnyArrayExpr:
		return x.L.Type()
	}
	return types.T{}
}

// listValues evaluates keyList's values (nil: none could be had).
func listValues(ec *Ctx, c Expr) ([]types.Datum, error) {
	switch x := c.(type) {
	case *InListExpr:
		out := make([]types.Datum, 0, len(x.List))
		for _, it := range x.List {
			v, err := it.Eval(ec, nil)
			if err != nil {
				return nil, err
			}
			if v != nil {
				out = append(out, v)
			}
		}
		return out, nil
	case *AnyArrayExpr:
		v, err := x.Arr.Eval(ec, nil)
		if err != nil || v == nil {
			return []types.Datum{}, err
		}
		a, ok := v.(types.Array)
		if !ok {
			return nil, nil
		}
		out := make([]types.Datum, 0, len(a.Elements))
		for _, e := range a.Elements {
			if e != nil {
				out = append(out, e)
			}
		}
		return out, nil
	}
	return nil, nil
}

// prune walks the tree with equalities eq (by root column) and, where
// they do not fix a range-partitioned table's key, the range conditions
// on its first key column.
func (ps *PartSet) prune(ec *Ctx, eq map[int]Expr, ranges []keyBound) ([]int, error) {
	out := []int{}
	var walk func(n *partNode) error
	walk = func(n *partNode) error {
		key := make([]types.Datum, len(n.keyIdx))
		fixed := true
		for i, j := range n.keyIdx {
			e, ok := eq[j]
			if !ok {
				fixed = false
				break
			}
			v, err := e.Eval(ec, nil)
			if err != nil {
				return err
			}
			if v != nil && e.Type() != n.keyT[i] {
				if v, err = types.Cast(ec.Ev, v, e.Type(), n.keyT[i], types.CastAssignment); err != nil {
					fixed = false
					break
				}
			}
			if v == nil {
				return nil // key = NULL finds nothing
			}
			key[i] = v
		}
		var lo, hi *RangeDatum // the first key column's range, when not fixed
		var loIncl, hiIncl bool
		if !fixed && len(ranges) > 0 && n.t.Part.Strategy == catalog.PartRange {
			var err error
			if lo, loIncl, hi, hiIncl, err = firstColumnRange(ec, n, ranges); err != nil {
				return err
			}
		}
		for i := range n.kids {
			k := &n.kids[i]
			if fixed && !k.bound.Contains(n.keyT, key) && !(i == n.def && !n.anyContains(key)) {
				continue
			}
			if !fixed && i != n.def && k.bound.outsideRange(n.keyT, len(n.keyIdx), lo, loIncl, hi, hiIncl) {
				continue
			}
			if k.sub != nil {
				if err := walk(k.sub); err != nil {
					return err
				}
			} else {
				out = append(out, k.leaf)
			}
		}
		return nil
	}
	if err := walk(ps.top); err != nil {
		return nil, err
	}
	return out, nil
}

// firstColumnRange evaluates the range conditions on n's first key column
// (ranges, by root column) into its tightest lower and upper bounds, as
// the key's type; nil where there is none. A value of another type counts
// only from the integer family, whose casts are exact or fail (a rounded
// bound could prune a partition holding a matching row).
func firstColumnRange(ec *Ctx, n *partNode, ranges []keyBound) (lo *RangeDatum, loIncl bool, hi *RangeDatum, hiIncl bool, err error) {
	t := n.keyT[0]
	intFamily := func(o types.OID) bool {
		return o == types.Int2OID || o == types.Int4OID || o == types.Int8OID
	}
	for _, b := range ranges {
		if b.col != n.keyIdx[0] {
			continue
		}
		v, err := b.val.Eval(ec, nil)
		if err != nil {
			return nil, false, nil, false, err
		}
		if v == nil {
			continue // compares to NULL: no row at all, but leave that to the scan
		}
		if vt := b.val.Type(); vt.OID != t.OID {
			if !intFamily(vt.OID) || !intFamily(t.OID) {
				continue
			}
			if v, err = types.Cast(ec.Ev, v, vt, t, types.CastAssignment); err != nil {
				continue // out of the key type's range: no pruning
			}
		}
		switch b.op {
		case ">", ">=":
			incl := b.op == ">="
			if lo == nil || types.Compare(t, v, lo.V) > 0 || types.Compare(t, v, lo.V) == 0 && !incl {
				lo, loIncl = &RangeDatum{V: v}, incl
			}
		case "<", "<=":
			incl := b.op == "<="
			if hi == nil || types.Compare(t, v, hi.V) < 0 || types.Compare(t, v, hi.V) == 0 && !incl {
				hi, hiIncl = &RangeDatum{V: v}, incl
			}
		}
	}
	return lo, loIncl, hi, hiIncl, nil
}

// outsideRange reports whether a range partition (FROM … TO …, over a key
// of keyLen columns) can hold no key whose first column lies within lo..hi
// (each nil when open). Its keys' first column runs from From[0] to
// To[0], To[0] itself excluded when the key has one column.
func (b *Bound) outsideRange(keyT []types.T, keyLen int, lo *RangeDatum, loIncl bool, hi *RangeDatum, hiIncl bool) bool {
	if b.Default || b.strategy != catalog.PartRange || len(b.From) == 0 || len(b.To) == 0 {
		return false
	}
	t := keyT[0]
	if hi != nil && b.From[0].Inf == 0 {
		// the partition's smallest first column is From[0]
		if c := types.Compare(t, b.From[0].V, hi.V); c > 0 || c == 0 && !hiIncl {
			return true
		}
	}
	if hi != nil && b.From[0].Inf > 0 {
		return true // FROM (MAXVALUE): empty
	}
	if lo != nil && b.To[0].Inf == 0 {
		// the partition's largest first column is To[0], excluded for a
		// one-column key
		c := types.Compare(t, b.To[0].V, lo.V)
		if c < 0 || c == 0 && (keyLen == 1 || !loIncl) {
			return true
		}
	}
	if lo != nil && b.To[0].Inf < 0 {
		return true // TO (MINVALUE): empty
	}
	return false
}

func (n *partNode) anyContains(key []types.Datum) bool {
	for i := range n.kids {
		if n.kids[i].bound.Contains(n.keyT, key) {
			return true
		}
	}
	return false
}

// PartConstraint is a partition's partition constraint: its bound and
// its ancestors', checked on every row written into it directly.
type PartConstraint struct {
	T      *catalog.Table
	levels []partLevel
}

type partLevel struct {
	keyIdx   []int // in T's layout
	keyT     []types.T
	bound    *Bound
	siblings []*Bound // for a DEFAULT partition: the others' bounds
}

// NewPartConstraint compiles t's partition constraint (nil when t is not
// a partition).
func NewPartConstraint(cat *catalog.Catalog, t *catalog.Table) (*PartConstraint, error) {
	if t.PartOf == 0 || t.Bound == nil {
		return nil, nil
	}
	pc := &PartConstraint{T: t}
	for c := t; c.PartOf != 0 && c.Bound != nil; {
		p, ok := cat.ByOID[c.PartOf]
		if !ok || p.Part == nil {
			break
		}
		var lv partLevel
		for _, id := range p.Part.Columns {
			pcol := p.Columns[p.ColIndexByID(id)]
			i, _ := t.Column(pcol.Name)
			if i < 0 {
				return nil, pgerror.New(pgerror.Internal, "partition key column \"%s\" is not in \"%s\"", pcol.Name, t.Name)
			}
			lv.keyIdx = append(lv.keyIdx, i)
			lv.keyT = append(lv.keyT, pcol.Type)
		}
		var err error
		if lv.bound, err = CompileBound(p.Part.Strategy, lv.keyT, c.Bound); err != nil {
			return nil, err
		}
		if c.Bound.Default {
			for _, s := range cat.Partitions(p.OID) {
				if s.OID == c.OID {
					continue
				}
				b, err := CompileBound(p.Part.Strategy, lv.keyT, s.Bound)
				if err != nil {
					return nil, err
				}
				lv.siblings = append(lv.siblings, b)
			}
		}
		pc.levels = append(pc.levels, lv)
		c = p
	}
	return pc, nil
}

// Holds reports whether a row of the partition's layout satisfies its
// partition constraint.
func (pc *PartConstraint) Holds(row []types.Datum) bool {
	for _, lv := range pc.levels {
		key := make([]types.Datum, len(lv.keyIdx))
		for i, j := range lv.keyIdx {
			key[i] = row[j]
		}
		if lv.bound.Default {
			for _, s := range lv.siblings {
				if s.Contains(lv.keyT, key) {
					return false
				}
			}
			continue
		}
		if !lv.bound.Contains(lv.keyT, key) {
			return false
		}
	}
	return true
}

// check is TableWriter's partition constraint check.
func (w *TableWriter) checkPartition(ec *Ctx, row []types.Datum) error {
	if w.Part == nil || w.Part.Holds(row) {
		return nil
	}
	return &pgerror.Error{Code: pgerror.CheckViolation, Table: w.T.Name,
		Message: "new row for relation \"" + w.T.Name + "\" violates partition constraint",
		Detail:  "Failing row contains " + w.rowText(ec, row) + "."}
}

// SetLeaves makes s, a scan of the partitioned table set.Root, read its
// leaves: one scan per leaf decoding into the root's layout.
func (s *ScanNode) SetLeaves(set *PartSet) {
	s.PartSet = set
	s.Leaves = make([]*ScanNode, len(set.Leaves))
	for i, l := range set.Leaves {
		rc := make([]types.RowColumn, len(l.ToLeaf))
		for j, k := range l.ToLeaf {
			c := l.T.Columns[k]
			rc[j] = types.RowColumn{ID: c.ID, T: c.Type}
		}
		s.Leaves[i] = &ScanNode{T: l.T, RowCols: rc}
	}
}

// startLeaves starts the scan of a partitioned table: its leaves (those
// pruning leaves) one after the other, each with the scan's predicates.
func (s *ScanNode) startLeaves(ec *Ctx) (Iterator, error) {
	pick, err := s.PartSet.Prune(ec, s.Preds, s.Cols)
	if err != nil {
		return nil, err
	}
	if pick == nil {
		pick = Seq(len(s.Leaves))
	}
	it := &appendIter{ec: ec}
	for _, i := range pick {
		ls := s.Leaves[i]
		// (Security, row level security's condition, is the partitioned
		// table's: it is on the root's layout, which each leaf decodes into)
		l := &ScanNode{T: ls.T, RowCols: ls.RowCols, Cols: s.Cols, Preds: s.Preds, Security: s.Security, Reverse: s.Reverse, WithRef: s.WithRef, WithTableOID: s.WithTableOID, IxExprs: ls.IxExprs}
		if !s.PartSet.Leaves[i].Same {
			l.chosen = true // its key positions are not the root's: read it whole
		}
		it.scans = append(it.scans, l)
		it.leaf = append(it.leaf, i)
	}
	return it, nil
}

// appendIter reads its scans in turn; a RowRef it returns names the leaf
// it came from (RowRef.Leaf).
type appendIter struct {
	ec    *Ctx
	scans []*ScanNode
	leaf  []int
	cur   Iterator
	pos   int
}

func (it *appendIter) Next() ([]types.Datum, error) {
	for {
		if it.cur == nil {
			if it.pos >= len(it.scans) {
				return nil, nil
			}
			c, err := it.scans[it.pos].Start(it.ec)
			if err != nil {
				return nil, err
			}
			it.cur = c
		}
		row, err := it.cur.Next()
		if err != nil {
			return nil, err
		}
		if row != nil {
			if s := it.scans[it.pos]; s.WithRef {
				ref := row[len(s.RowCols)].(RowRef)
				ref.Leaf = it.leaf[it.pos] + 1
				row[len(s.RowCols)] = ref
			}
			return row, nil
		}
		it.cur.Close()
		it.cur = nil
		it.pos++
	}
}

func (it *appendIter) Close() {
	if it.cur != nil {
		it.cur.Close()
		it.cur = nil
	}
}
