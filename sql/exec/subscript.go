package exec

import (
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Array subscripts and slices, as PostgreSQL's array_get_element and
// array_get_slice read them: subscripts count from each dimension's lower
// bound; an element outside the array, or with the wrong number of
// subscripts, is NULL; a slice keeps what lies inside the array and
// starts at 1.

// SubscriptExpr is arr[i][j]… (one subscript per dimension), or name[i]
// and int2vector/oidvector[i] (Base 0).
type SubscriptExpr struct {
	Arr Expr
	Idx []Expr
	T   types.T
	// Base, for name, int2vector and oidvector: their first subscript (0)
	// when they are read as 0-based vectors; -1 for a real array.
	Base int64
}

func (e *SubscriptExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	av, err := e.Arr.Eval(ec, row)
	if err != nil || av == nil {
		return nil, err
	}
	if a, ok := av.(types.Array); ok && a.IsPlain() && len(e.Idx) == 1 {
		// the common case, without allocations: a[i] of a plain array
		iv, err := e.Idx[0].Eval(ec, row)
		if err != nil || iv == nil {
			return nil, err
		}
		i, _ := iv.(int64)
		if e.Base >= 0 {
			i -= e.Base
		} else {
			i--
		}
		if i < 0 || i >= int64(len(a.Elements)) {
			return nil, nil
		}
		return a.Elements[i], nil
	}
	subs, err := evalSubscripts(ec, row, e.Idx)
	if err != nil || subs == nil {
		return nil, err
	}
	if str, ok := av.(string); ok { // name[i]
		i := subs[0] - e.Base
		if len(subs) != 1 || i < 0 || int(i) >= len(str) {
			return nil, nil
		}
		return str[i : i+1], nil
	}
	a, ok := av.(types.Array)
	if !ok {
		return nil, nil
	}
	if e.Base >= 0 { // a vector: one dimension from Base
		i := subs[0] - e.Base
		if len(subs) != 1 || i < 0 || int(i) >= len(a.Elements) {
			return nil, nil
		}
		return a.Elements[i], nil
	}
	off, ok := ElementOffset(a.Shape(), subs)
	if !ok {
		return nil, nil
	}
	return a.Elements[off], nil
}
func (e *SubscriptExpr) Type() types.T { return e.T }

// evalSubscripts evaluates int8 subscripts; nil without error when one is
// NULL.
func evalSubscripts(ec *Ctx, row []types.Datum, es []Expr) ([]int64, error) {
	if len(es) > types.MaxArrayDims {
		return nil, pgerror.New(pgerror.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", len(es), types.MaxArrayDims)
	}
	out := make([]int64, len(es))
	for i, x := range es {
		v, err := x.Eval(ec, row)
		if err != nil || v == nil {
			return nil, err
		}
		out[i], _ = v.(int64)
	}
	return out, nil
}

// ElementOffset is the position in Elements of the element at subs, false
// when subs are not one per dimension or fall outside.
func ElementOffset(dims []types.ArrayDim, subs []int64) (int, bool) {
	if len(subs) != len(dims) || len(dims) == 0 {
		return 0, false
	}
	off := 0
	for k, d := range dims {
		i := subs[k] - int64(d.Lower)
		if i < 0 || i >= int64(d.Len) {
			return 0, false
		}
		off = off*d.Len + int(i)
	}
	return off, true
}

// SliceExpr is arr[lo:hi]… (a nil bound is omitted: the array's own).
type SliceExpr struct {
	Arr    Expr
	Lo, Hi []Expr
	T      types.T
}

func (e *SliceExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	av, err := e.Arr.Eval(ec, row)
	if err != nil || av == nil {
		return nil, err
	}
	lo, hi, null, err := evalSliceBounds(ec, row, e.Lo, e.Hi)
	if err != nil || null {
		return nil, err
	}
	a := av.(types.Array)
	dims := a.Shape()
	empty := types.Array{Elem: a.Elem, Elements: []types.Datum{}}
	if len(dims) == 0 || len(lo) > len(dims) {
		return empty, nil
	}
	// the box to copy, in each dimension's own subscripts
	box := make([]types.ArrayDim, len(dims))
	for k, d := range dims {
		l, u := int64(d.Lower), int64(d.Lower)+int64(d.Len)-1
		if k < len(lo) {
			if lo[k] != nil {
				l = max(l, *lo[k])
			}
			if hi[k] != nil {
				u = min(u, *hi[k])
			}
		}
		if l > u {
			return empty, nil
		}
		box[k] = types.ArrayDim{Lower: int(l), Len: int(u - l + 1)}
	}
	out := make([]types.Datum, 0, boxSize(box))
	walkBox(dims, box, func(off int) { out = append(out, a.Elements[off]) })
	shape := make([]types.ArrayDim, len(box))
	for k := range box {
		shape[k] = types.ArrayDim{Len: box[k].Len, Lower: 1}
	}
	return types.Shaped(a.Elem, out, shape), nil
}
func (e *SliceExpr) Type() types.T { return e.T }

// evalSliceBounds evaluates a slice's bounds (nil for an omitted one);
// null reports a NULL bound.
func evalSliceBounds(ec *Ctx, row []types.Datum, los, his []Expr) (lo, hi []*int64, null bool, err error) {
	if len(los) > types.MaxArrayDims {
		return nil, nil, false, pgerror.New(pgerror.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", len(los), types.MaxArrayDims)
	}
	eval := func(x Expr) (*int64, bool, error) {
		if x == nil {
			return nil, false, nil
		}
		v, err := x.Eval(ec, row)
		if err != nil || v == nil {
			return nil, v == nil, err
		}
		i, _ := v.(int64)
		return &i, false, nil
	}
	lo, hi = make([]*int64, len(los)), make([]*int64, len(his))
	for k := range los {
		var n1, n2 bool
		if lo[k], n1, err = eval(los[k]); err != nil {
			return
		}
		if hi[k], n2, err = eval(his[k]); err != nil {
			return
		}
		if n1 || n2 {
			return nil, nil, true, nil
		}
	}
	return lo, hi, false, nil
}

func boxSize(box []types.ArrayDim) int {
	n := 1
	for _, d := range box {
		n *= d.Len
	}
	return n
}

// walkBox calls fn with the offset in an array of shape dims of each
// element inside box (given in the same subscripts), in row-major order.
func walkBox(dims, box []types.ArrayDim, fn func(off int)) {
	var rec func(k, base int)
	rec = func(k, base int) {
		for i := box[k].Lower; i < box[k].Lower+box[k].Len; i++ {
			off := base*dims[k].Len + (i - dims[k].Lower)
			if k == len(dims)-1 {
				fn(off)
			} else {
				rec(k+1, off)
			}
		}
	}
	rec(0, 0)
}

// evalNested is ARRAY[…] of sub-arrays, as PostgreSQL's ExecEvalArrayExpr
// builds it: the sub-arrays (NULL or empty ones aside, when all are so)
// must have the same shape, and become the new first dimension.
func (e *ArrayExpr) evalNested(ec *Ctx, row []types.Datum) (types.Datum, error) {
	var out []types.Datum
	var sub []types.ArrayDim
	n, empty := 0, false
	for _, x := range e.Elems {
		v, err := x.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		a, _ := v.(types.Array)
		shape := a.Shape()
		if len(shape) == 0 {
			empty = true
			continue
		}
		if n == 0 {
			sub = shape
		} else if !sameShape(sub, shape) {
			return nil, errNestedDims()
		}
		out = append(out, a.Elements...)
		n++
	}
	if n == 0 {
		return types.Array{Elem: e.Elem, Elements: []types.Datum{}}, nil
	}
	if empty {
		return nil, errNestedDims()
	}
	dims := append([]types.ArrayDim{{Len: n, Lower: 1}}, sub...)
	if err := types.CheckArraySize(dims); err != nil {
		return nil, err
	}
	return types.Shaped(e.Elem, out, dims), nil
}

func errNestedDims() error {
	return pgerror.New(pgerror.ArraySubscriptError, "multidimensional arrays must have array expressions with matching dimensions")
}

func sameShape(a, b []types.ArrayDim) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// StackArrays is array_agg(anyarray) and ARRAY(SELECT an array): the
// sub-arrays, all of one shape and none NULL or empty, become a
// dimension more (no rows make an empty array).
func StackArrays(at types.T, subs []types.Datum) (types.Datum, error) {
	et, _ := types.ElemOf(at)
	var out []types.Datum
	var shape []types.ArrayDim
	for i, v := range subs {
		if v == nil {
			return nil, pgerror.New(pgerror.NullValueNotAllowed, "cannot accumulate null arrays")
		}
		a := v.(types.Array)
		s := a.Shape()
		if len(s) == 0 {
			return nil, pgerror.New(pgerror.ArraySubscriptError, "cannot accumulate empty arrays")
		}
		if i == 0 {
			shape = s
		} else if !sameShape(shape, s) {
			return nil, pgerror.New(pgerror.ArraySubscriptError, "cannot accumulate arrays of different dimensionality")
		}
		out = append(out, a.Elements...)
	}
	if len(subs) == 0 {
		return types.Array{Elem: et, Elements: []types.Datum{}}, nil
	}
	dims := append([]types.ArrayDim{{Len: len(subs), Lower: 1}}, shape...)
	if err := types.CheckArraySize(dims); err != nil {
		return nil, err
	}
	return types.Shaped(et, out, dims), nil
}
