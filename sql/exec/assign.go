package exec

import (
	"fmt"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Assignments to parts of a value (UPDATE t SET a[2] = x, a[1:2] = …,
// c.f = …; INSERT INTO t (a[1], c.f)), as PostgreSQL's array_set_element,
// array_set_slice and FieldStore do them: a NULL array or composite starts
// empty; a one-dimensional array grows to take a subscript outside it,
// the gap filled with NULLs; an array of more dimensions does not grow.

// AssignStep is one step of an assignment target's path.
type AssignStep struct {
	Field int // >= 0: this composite field; -1: subscripts
	// Subscripts: Hi holds one per dimension; for a slice (Slice true) Lo
	// and Hi hold the bounds (nil for an omitted one).
	Slice  bool
	Lo, Hi []Expr
	T      types.T // the type of the value this step goes into
}

// AssignExpr is Base with the part Path names replaced by Val.
type AssignExpr struct {
	Base Expr // the current value: the column, or NULL for INSERT
	Path []AssignStep
	Val  Expr // of the part's type
}

func (e *AssignExpr) Type() types.T { return e.Path[0].T }

func (e *AssignExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	base, err := e.Base.Eval(ec, row)
	if err != nil {
		return nil, err
	}
	val, err := e.Val.Eval(ec, row)
	if err != nil {
		return nil, err
	}
	return e.assign(ec, row, base, e.Path, val)
}

func (e *AssignExpr) assign(ec *Ctx, row []types.Datum, cur types.Datum, path []AssignStep, val types.Datum) (types.Datum, error) {
	st := path[0]
	if st.Field >= 0 {
		fields, _ := types.RecordFields(st.T)
		vals := make([]types.Datum, len(fields))
		if r, ok := cur.(types.Record); ok {
			copy(vals, r.Values)
		}
		if st.Field >= len(vals) {
			return nil, fmt.Errorf("BUG: field %d of a %d-field record", st.Field, len(vals))
		}
		if len(path) > 1 {
			v, err := e.assign(ec, row, vals[st.Field], path[1:], val)
			if err != nil {
				return nil, err
			}
			val = v
		}
		vals[st.Field] = val
		return types.Record{Values: vals}, nil
	}
	elem, _ := types.ElemOf(st.T)
	arr := types.Array{Elem: elem, Elements: []types.Datum{}}
	if a, ok := cur.(types.Array); ok {
		arr = a
	}
	if st.Slice {
		lo, hi, null, err := evalSliceBounds(ec, row, st.Lo, st.Hi)
		if err != nil {
			return nil, err
		}
		if null {
			return nil, pgerror.New(pgerror.NullValueNotAllowed, "array subscript in assignment must not be null")
		}
		if val == nil {
			return cur, nil // a NULL slice changes nothing
		}
		return setSlice(ec, arr, lo, hi, val.(types.Array))
	}
	subs, err := evalSubscripts(ec, row, st.Hi)
	if err != nil {
		return nil, err
	}
	if subs == nil {
		return nil, pgerror.New(pgerror.NullValueNotAllowed, "array subscript in assignment must not be null")
	}
	if len(path) > 1 {
		var old types.Datum
		if off, ok := ElementOffset(arr.Shape(), subs); ok {
			old = arr.Elements[off]
		}
		if val, err = e.assign(ec, row, old, path[1:], val); err != nil {
			return nil, err
		}
	}
	return setElement(ec, arr, subs, val)
}

func errSubscriptRange() error {
	return pgerror.New(pgerror.ArraySubscriptError, "array subscript out of range")
}

// checkGrowth bounds an array an assignment makes: PostgreSQL's limits,
// and no more memory than work_mem (16 bytes an element).
func checkGrowth(ec *Ctx, dims []types.ArrayDim) error {
	if err := types.CheckArraySize(dims); err != nil {
		return err
	}
	if n := int64(boxSize(dims)) * 16; n > ec.Budget("array assignment").limit {
		return &pgerror.Error{Code: pgerror.OutOfMemory, Message: "out of memory",
			Detail: fmt.Sprintf("The array assignment makes an array of %d elements, more than work_mem holds.", boxSize(dims)),
			Hint:   "Raise work_mem (SET work_mem = '256MB'), or assign to a subscript nearer the array."}
	}
	return nil
}

// setElement is array_set_element.
func setElement(ec *Ctx, arr types.Array, subs []int64, val types.Datum) (types.Datum, error) {
	dims := arr.Shape()
	if len(dims) == 0 { // empty: an array of one element at subs
		nd := make([]types.ArrayDim, len(subs))
		for k, s := range subs {
			if s < -(1<<31) || s >= 1<<31 {
				return nil, errSubscriptRange()
			}
			nd[k] = types.ArrayDim{Len: 1, Lower: int(s)}
		}
		if err := checkGrowth(ec, nd); err != nil {
			return nil, err
		}
		return types.Shaped(arr.Elem, []types.Datum{val}, nd), nil
	}
	if len(subs) != len(dims) {
		return nil, pgerror.New(pgerror.ArraySubscriptError, "wrong number of array subscripts")
	}
	if off, ok := ElementOffset(dims, subs); ok {
		out := append([]types.Datum(nil), arr.Elements...)
		out[off] = val
		return types.Shaped(arr.Elem, out, dims), nil
	}
	if len(dims) > 1 {
		return nil, errSubscriptRange()
	}
	// one dimension: grow to take subs[0]
	lb, ub, s := int64(dims[0].Lower), int64(dims[0].Lower)+int64(dims[0].Len)-1, subs[0]
	nl, nu := min(lb, s), max(ub, s)
	if nl < -(1<<31) || nu >= 1<<31 {
		return nil, pgerror.New(pgerror.ProgramLimitExceeded, "array size exceeds the maximum allowed (%d)", types.MaxArraySize)
	}
	nd := []types.ArrayDim{{Len: int(nu - nl + 1), Lower: int(nl)}}
	if err := checkGrowth(ec, nd); err != nil {
		return nil, err
	}
	out := make([]types.Datum, nd[0].Len)
	copy(out[lb-nl:], arr.Elements)
	out[s-nl] = val
	return types.Shaped(arr.Elem, out, nd), nil
}

// setSlice is array_set_slice.
func setSlice(ec *Ctx, arr types.Array, lo, hi []*int64, src types.Array) (types.Datum, error) {
	dims := arr.Shape()
	if len(dims) == 0 {
		nd := make([]types.ArrayDim, len(lo))
		for k := range lo {
			if lo[k] == nil || hi[k] == nil {
				return nil, &pgerror.Error{Code: pgerror.ArraySubscriptError, Message: "array slice subscript must provide both boundaries",
					Detail: "When assigning to a slice of an empty array value, slice boundaries must be fully specified."}
			}
			if *hi[k] < *lo[k] {
				return nil, pgerror.New(pgerror.ArraySubscriptError, "upper bound cannot be less than lower bound")
			}
			if *lo[k] < -(1<<31) || *hi[k] >= 1<<31 {
				return nil, pgerror.New(pgerror.ProgramLimitExceeded, "array size exceeds the maximum allowed (%d)", types.MaxArraySize)
			}
			nd[k] = types.ArrayDim{Len: int(*hi[k] - *lo[k] + 1), Lower: int(*lo[k])}
		}
		if err := checkGrowth(ec, nd); err != nil {
			return nil, err
		}
		n := boxSize(nd)
		if len(src.Elements) < n {
			return nil, pgerror.New(pgerror.ArraySubscriptError, "source array too small")
		}
		return types.Shaped(arr.Elem, append([]types.Datum(nil), src.Elements[:n]...), nd), nil
	}
	if len(lo) > len(dims) {
		return nil, pgerror.New(pgerror.ArraySubscriptError, "wrong number of array subscripts")
	}
	box := make([]types.ArrayDim, len(dims))
	for k, d := range dims {
		l, u := int64(d.Lower), int64(d.Lower)+int64(d.Len)-1
		if k < len(lo) {
			if lo[k] != nil {
				l = *lo[k]
			}
			if hi[k] != nil {
				u = *hi[k]
			}
		}
		if u < l {
			return nil, pgerror.New(pgerror.ArraySubscriptError, "upper bound cannot be less than lower bound")
		}
		if l < -(1<<31) || u >= 1<<31 {
			return nil, pgerror.New(pgerror.ProgramLimitExceeded, "array size exceeds the maximum allowed (%d)", types.MaxArraySize)
		}
		box[k] = types.ArrayDim{Lower: int(l), Len: int(u - l + 1)}
	}
	nd := dims
	if len(dims) == 1 {
		lb, ub := int64(dims[0].Lower), int64(dims[0].Lower)+int64(dims[0].Len)-1
		nl := min(lb, int64(box[0].Lower))
		nu := max(ub, int64(box[0].Lower)+int64(box[0].Len)-1)
		nd = []types.ArrayDim{{Len: int(nu - nl + 1), Lower: int(nl)}}
		if err := checkGrowth(ec, nd); err != nil {
			return nil, err
		}
	} else {
		for k, d := range dims {
			if box[k].Lower < d.Lower || box[k].Lower+box[k].Len > d.Lower+d.Len {
				return nil, errSubscriptRange()
			}
		}
	}
	n := boxSize(box)
	if len(src.Elements) < n {
		return nil, pgerror.New(pgerror.ArraySubscriptError, "source array too small")
	}
	out := make([]types.Datum, boxSize(nd))
	if len(dims) == 1 {
		copy(out[dims[0].Lower-nd[0].Lower:], arr.Elements)
	} else {
		copy(out, arr.Elements)
	}
	i := 0
	walkBox(nd, box, func(off int) { out[off] = src.Elements[i]; i++ })
	return types.Shaped(arr.Elem, out, nd), nil
}
