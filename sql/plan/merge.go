package plan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/kv"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Merge updates: UPDATE t SET c = c + <expr>[, d = d - <expr> …] WHERE
// <every primary key column> = <expr> runs as kv merge writes (kv/merge.go)
// instead of a read-modify-write. Under OCC a read-modify-write of a hot
// row (pgbench's branch and teller rows) conflicts with every concurrent
// one; a merge does not read the row, so concurrent increments all commit
// and the row's value is computed when the log entry applies.
//
// Eligible statements (planMerge): no WITH, FROM or RETURNING; the WHERE
// clause is exactly one equality per primary key column, of the column's
// own type (int2/int4/int8/text/varchar/uuid), against expressions that
// read no column; the table has no CHECK constraint; every SET item is
// c = c + e or c = c - e where c is int2/int4/int8/numeric/float8, in no
// index and not in the primary key, e reads no column (constants,
// parameters, casts and operators of those), and the operator and casts
// are numeric. A statement whose delta is NULL at execution, or run on a
// store without a merge function, takes the ordinary path.
//
// Execution (execMerge) asks kv.Txn.Merge for the row's key: it tells
// whether the row exists in the transaction's view (the command tag) and
// records, instead of a read of its value, that it must still exist at
// apply (else 40001: the tag the client saw would be wrong). A row the
// transaction wrote is updated in its buffer; a row it reads after merging
// is then recorded as read (kv), so it sees snapshot + delta consistently.
//
// The operand names the columns and carries the deltas with their types;
// MergeRow, kv's merge function (cmd/logdb passes it as kv.Options.Merge),
// decodes the stored row, adds with the same operators, casts and overflow
// errors as the statement would (types.LookupBinaryOp, types.Cast), and
// re-encodes it. It depends only on its arguments, so every replica
// computes the same row. An overflow at apply fails the transaction at
// COMMIT with its SQLSTATE (22003); one already visible in the snapshot
// fails the statement, as a read-modify-write would.

// mergeEnabled turns merge updates on (false: every UPDATE reads its rows).
const mergeEnabled = true

// MergeOperandV1 is the first byte of a merge operand.
//
//	u8 version(1) uvarint n
//	n × { uvarint colID, type col, type left, u8 op('+' | '-'), type right,
//	      type result, uvarint len, right value (types.AppendRow of one column) }
//	type = uvarint OID, varint Mod
//
// The column's value is cast to left (when it differs from col), combined
// with the right value by the operator left op right → result, and the
// result cast to col by assignment (when it differs).
const MergeOperandV1 = 1

// mergePlan is an UPDATE executed as merge writes.
type mergePlan struct {
	key   []exec.Expr // the primary key values, in key order
	keyT  []types.T
	items []mergeItem
}

type mergeItem struct {
	col   int // position in the table's columns
	id    uint32
	colT  types.T
	leftT types.T
	op    byte
	right exec.Expr
	resT  types.T
}

// mergeNumeric lists the types a merged column, operand or result may have.
func mergeNumeric(t types.T) bool {
	switch t.OID {
	case types.Int2OID, types.Int4OID, types.Int8OID, types.NumericOID, types.Float8OID:
		return true
	}
	return false
}

// mergeKeyType lists the primary key column types whose equality with a
// value of the same type is exactly equality of their key encodings.
func mergeKeyType(t types.T) bool {
	switch t.OID {
	case types.Int2OID, types.Int4OID, types.Int8OID, types.TextOID, types.VarcharOID, types.UUIDOID:
		return true
	}
	return false
}

// planMerge returns the merge form of a planned UPDATE, or nil when the
// statement is not eligible.
func (p *Planner) planMerge(d *DML, up *pg_query.UpdateStmt) *mergePlan {
	if !mergeEnabled || up.WithClause != nil || len(up.FromClause) > 0 || len(up.ReturningList) > 0 || d.Returning != nil {
		return nil
	}
	t := d.t
	if len(t.PKIdx) == 0 || len(t.Checks) > 0 || len(d.sets) == 0 || hasDomainColumn(t) {
		return nil
	}
	scan, ok := d.Src.(*exec.ScanNode)
	if !ok || scan.T != t || scan.Security != nil || d.w.UpdateRLS != nil {
		return nil
	}
	scan.ChoosePath()
	if scan.Path.Kind != exec.PathPoint {
		return nil
	}
	// WHERE: exactly pk1 = v1 AND … AND pkN = vN.
	mp := &mergePlan{key: make([]exec.Expr, len(t.PKIdx)), keyT: make([]types.T, len(t.PKIdx))}
	var conj []exec.Expr
	for _, pr := range scan.Preds {
		conj = append(conj, exec.Conjuncts(pr)...)
	}
	if len(conj) != len(t.PKIdx) {
		return nil
	}
	for _, c := range conj {
		col, val, ok := pkEquality(c)
		if !ok {
			return nil
		}
		k := -1
		for i, pi := range t.PKIdx {
			if pi == col {
				k = i
			}
		}
		if k < 0 || mp.key[k] != nil {
			return nil
		}
		ct := t.Columns[col].Type
		if !mergeKeyType(ct) || val.Type() != ct || !constantExpr(val) {
			return nil
		}
		mp.key[k], mp.keyT[k] = val, ct
	}
	indexed := map[uint32]bool{}
	for _, id := range t.PK {
		indexed[id] = true
	}
	for _, ix := range t.Indexes {
		for _, id := range ix.Columns {
			indexed[id] = true
		}
		for _, id := range ix.ExprCols {
			indexed[id] = true
		}
	}
	for _, fk := range t.FKs { // a foreign key's columns are checked when written
		for _, id := range fk.Columns {
			indexed[id] = true
		}
	}
	for _, s := range d.sets {
		c := t.Columns[s.Col]
		if indexed[c.ID] || !mergeNumeric(c.Type) {
			return nil
		}
		it, ok := mergeItemOf(s, c.ID, c.Type)
		if !ok {
			return nil
		}
		mp.items = append(mp.items, it)
	}
	return mp
}

// pkEquality recognizes column = value (either side) with the column bare.
func pkEquality(e exec.Expr) (col int, val exec.Expr, ok bool) {
	op, isOp := e.(*exec.OpExpr)
	if !isOp || op.L == nil || op.Op.Name != "=" || op.Op.NullAware {
		return 0, nil, false
	}
	if c, isCol := op.L.(*exec.ColExpr); isCol {
		return c.Idx, op.R, true
	}
	if c, isCol := op.R.(*exec.ColExpr); isCol {
		return c.Idx, op.L, true
	}
	return 0, nil, false
}

// constantExpr reports whether e is built only of constants, parameters,
// casts and operators (no column, sub-query or function).
func constantExpr(e exec.Expr) bool {
	switch x := e.(type) {
	case *exec.ConstExpr, *exec.ParamExpr:
		return true
	case *exec.CastExpr:
		return constantExpr(x.E)
	case *exec.OpExpr:
		return (x.L == nil || constantExpr(x.L)) && constantExpr(x.R)
	}
	return false
}

// mergeItemOf recognizes [cast to col](c [cast to left] +|- right).
func mergeItemOf(s exec.SetItem, id uint32, colT types.T) (mergeItem, bool) {
	e := s.E
	it := mergeItem{col: s.Col, id: id, colT: colT}
	if c, ok := e.(*exec.CastExpr); ok {
		if c.To != colT || c.Cc != types.CastAssignment {
			return it, false
		}
		e = c.E
	}
	op, ok := e.(*exec.OpExpr)
	if !ok || op.L == nil || op.Op.NullAware || (op.Op.Name != "+" && op.Op.Name != "-") {
		return it, false
	}
	it.op = op.Op.Name[0]
	it.resT = op.Op.Ret
	if e != s.E && s.E.(*exec.CastExpr).From != it.resT || e == s.E && it.resT != colT {
		return it, false
	}
	l := op.L
	it.leftT = colT
	if c, ok := l.(*exec.CastExpr); ok {
		if c.From != colT {
			return it, false
		}
		it.leftT = c.To
		l = c.E
	}
	if c, ok := l.(*exec.ColExpr); !ok || c.Idx != s.Col {
		return it, false
	}
	if it.leftT == colT && relabels(colT, op.Op.Left) {
		it.leftT = op.Op.Left // numeric(p,s) read as numeric: no cast
	}
	if !constantExpr(op.R) || op.Op.Left != it.leftT || op.Op.Right != op.R.Type() {
		return it, false
	}
	it.right = op.R
	for _, t := range []types.T{it.leftT, it.resT, op.R.Type()} {
		if !mergeNumeric(t) {
			return it, false
		}
	}
	// The operator kv's merge function will resolve must be this one.
	if got, err := lookupMergeOp(it.op, it.leftT, op.R.Type()); err != nil || got.Ret != it.resT {
		return it, false
	}
	return it, true
}

// execMerge runs an eligible UPDATE as a merge write. ok false: run it the
// ordinary way (a NULL delta, or a store without a merge function).
func (d *DML) execMerge(ec *exec.Ctx) (tag string, ok bool, err error) {
	mp := d.merge
	txn := ec.Txn.Kv
	if !txn.CanMerge() {
		return "", false, nil
	}
	var key []byte
	for i, e := range mp.key {
		v, err := e.Eval(ec, nil)
		if err != nil {
			return "", false, err
		}
		if v == nil {
			return "UPDATE 0", true, nil // pk = NULL matches no row
		}
		key = types.AppendKey(key, mp.keyT[i], v)
	}
	rights := make([]types.Datum, len(mp.items))
	for i, it := range mp.items {
		v, err := it.right.Eval(ec, nil)
		if err != nil {
			return "", false, err
		}
		if v == nil {
			return "", false, nil // c + NULL is NULL: the ordinary path checks NOT NULL
		}
		rights[i] = v
	}
	if err := ec.WriteLock(d.t, key, exec.LockNoKeyUpdate); err != nil {
		return "", false, err
	}
	found, err := txn.Merge(d.t.Space, key, appendMergeOperand(nil, mp.items, rights))
	if err != nil {
		return "", false, mergeErr(err)
	}
	if !found {
		return "UPDATE 0", true, nil
	}
	ec.Txn.CountRow(d.t.OID, exec.RowUpdated)
	return "UPDATE 1", true, nil
}

// mergeErr turns a kv merge failure into the statement's error: the merge
// function's own SQLSTATE error (22003), else an internal one.
func mergeErr(err error) error {
	var pe *pgerror.Error
	if errors.As(err, &pe) {
		return pe
	}
	return pgerror.Wrap(err, pgerror.Internal, "merge")
}

// MergeApplyErr is the COMMIT error of a transaction whose merge failed at
// apply (kv.ErrMerge); nil for any other result.
func MergeApplyErr(res error) error {
	if res == nil || !errors.Is(res, kv.ErrMerge) {
		return nil
	}
	return mergeErr(res)
}

func appendType(dst []byte, t types.T) []byte {
	dst = binary.AppendUvarint(dst, uint64(t.OID))
	return binary.AppendVarint(dst, int64(t.Mod))
}

func appendMergeOperand(dst []byte, items []mergeItem, rights []types.Datum) []byte {
	dst = append(dst, MergeOperandV1)
	dst = binary.AppendUvarint(dst, uint64(len(items)))
	for i, it := range items {
		rt := it.right.Type()
		dst = binary.AppendUvarint(dst, uint64(it.id))
		dst = appendType(dst, it.colT)
		dst = appendType(dst, it.leftT)
		dst = append(dst, it.op)
		dst = appendType(dst, rt)
		dst = appendType(dst, it.resT)
		v := types.AppendRow(nil, []types.RowColumn{{ID: 1, T: rt}}, []types.Datum{rights[i]})
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// operandItem is one decoded operand item.
type operandItem struct {
	id                        uint32
	colT, leftT, rightT, resT types.T
	op                        byte
	right                     types.Datum
}

var errBadOperand = pgerror.New(pgerror.DataCorrupted, "corrupt merge operand")

func decodeMergeOperand(b []byte) ([]operandItem, error) {
	if len(b) < 2 || b[0] != MergeOperandV1 {
		return nil, errBadOperand
	}
	d := &operandReader{b: b[1:]}
	n := d.uvarint()
	if d.bad || n == 0 || n > uint64(len(d.b)) {
		return nil, errBadOperand
	}
	items := make([]operandItem, n)
	for i := range items {
		it := &items[i]
		id := d.uvarint()
		it.id = uint32(id)
		it.colT, it.leftT = d.Type(), d.Type()
		if len(d.b) == 0 {
			return nil, errBadOperand
		}
		it.op, d.b = d.b[0], d.b[1:]
		it.rightT, it.resT = d.Type(), d.Type()
		l := d.uvarint()
		if d.bad || id > 1<<32-1 || l > uint64(len(d.b)) || (it.op != '+' && it.op != '-') {
			return nil, errBadOperand
		}
		for _, t := range []types.T{it.colT, it.leftT, it.rightT, it.resT} {
			if !mergeNumeric(t) {
				return nil, errBadOperand
			}
		}
		v := make([]types.Datum, 1)
		if err := types.DecodeRow(d.b[:l], []types.RowColumn{{ID: 1, T: it.rightT}}, v); err != nil || v[0] == nil {
			return nil, errBadOperand
		}
		it.right, d.b = v[0], d.b[l:]
	}
	if len(d.b) != 0 {
		return nil, errBadOperand
	}
	return items, nil
}

type operandReader struct {
	b   []byte
	bad bool
}

func (r *operandReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *operandReader) Type() types.T {
	oid := r.uvarint()
	mod, n := binary.Varint(r.b)
	if n <= 0 || oid > 1<<32-1 || mod < -1<<31 || mod > 1<<31-1 {
		r.bad = true
		return types.T{}
	}
	r.b = r.b[n:]
	return types.T{OID: types.OID(oid), Mod: int32(mod)}
}

// relabels reports whether a value of type from is used as type to without
// a cast (the planner's coerce: same type, to without a modifier).
func relabels(from, to types.T) bool { return from.OID == to.OID && to.Mod < 0 }

type mergeOpKey struct {
	op   byte
	l, r types.T
}

var mergeOps sync.Map // mergeOpKey → *types.Op

func lookupMergeOp(op byte, l, r types.T) (*types.Op, error) {
	k := mergeOpKey{op, l, r}
	if o, ok := mergeOps.Load(k); ok {
		return o.(*types.Op), nil
	}
	o, err := types.LookupBinaryOp(string(op), l, r)
	if err != nil {
		return nil, err
	}
	if o.Left != l || o.Right != r || o.NullAware {
		return nil, fmt.Errorf("operator %s(%s, %s) resolves to other argument types", string(op), types.FormatType(l), types.FormatType(r))
	}
	mergeOps.Store(k, o)
	return o, nil
}

// mergeEval is the evaluation context of merges: numeric operators and
// casts read nothing from it; it is fixed so that results never depend on
// a session.
var mergeEval = &types.EvalContext{Location: time.UTC}

// MergeRow is kv's merge function for rows (kv.Options.Merge): it applies a
// merge operand built by a merge UPDATE to a stored row and returns the new
// row. It is deterministic. Errors carry their SQLSTATE (22003 for an
// overflow, as the statement's operator gives).
func MergeRow(old, operand []byte) ([]byte, error) {
	items, err := decodeMergeOperand(operand)
	if err != nil {
		return nil, err
	}
	cols := make([]types.RowColumn, len(items))
	for i := range items {
		cols[i] = types.RowColumn{ID: items[i].id, T: items[i].colT}
	}
	vals := make([]types.Datum, len(items))
	if err := types.DecodeRow(old, cols, vals); err != nil {
		return nil, err
	}
	for i := range items {
		it := &items[i]
		v := vals[i]
		if v == nil {
			continue // NULL + x is NULL
		}
		if it.leftT != it.colT && !relabels(it.colT, it.leftT) {
			if v, err = types.Cast(mergeEval, v, it.colT, it.leftT, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		op, err := lookupMergeOp(it.op, it.leftT, it.rightT)
		if err != nil {
			return nil, err
		}
		if op.Ret != it.resT {
			return nil, errBadOperand
		}
		r, err := op.Fn(mergeEval, v, it.right)
		if err != nil {
			return nil, err
		}
		if r != nil && it.resT != it.colT {
			if r, err = types.Cast(mergeEval, r, it.resT, it.colT, types.CastAssignment); err != nil {
				return nil, err
			}
		}
		vals[i] = r
	}
	// Re-encode in place: the other columns' bytes are kept as they are,
	// each merged column is re-encoded where it was (a NULL stays absent).
	out := make([]byte, 0, len(old)+8)
	b := old
	for len(b) > 0 {
		id, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errBadOperand
		}
		l, m := binary.Uvarint(b[n:])
		if m <= 0 || l > uint64(len(b)-n-m) {
			return nil, errBadOperand
		}
		end := n + m + int(l)
		k := -1
		for i := range cols {
			if uint64(cols[i].ID) == id {
				k = i
				break
			}
		}
		if k < 0 {
			out = append(out, b[:end]...)
		} else {
			out = types.AppendRow(out, cols[k:k+1], vals[k:k+1])
		}
		b = b[end:]
	}
	return out, nil
}
