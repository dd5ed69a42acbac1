package builtins

import (
	"fmt"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

func registerArrayOps() {
	typedBinop("@>", types.AnyArrayOID, types.AnyArrayOID, types.BoolOID, func(_ *types.EvalContext, lt, _ types.T, l, r types.Datum) (types.Datum, error) {
		return arrayContains(l.(types.Array), r.(types.Array)), nil
	})
	typedBinop("<@", types.AnyArrayOID, types.AnyArrayOID, types.BoolOID, func(_ *types.EvalContext, lt, _ types.T, l, r types.Datum) (types.Datum, error) {
		return arrayContains(r.(types.Array), l.(types.Array)), nil
	})
	typedBinop("&&", types.AnyArrayOID, types.AnyArrayOID, types.BoolOID, func(_ *types.EvalContext, lt, _ types.T, l, r types.Datum) (types.Datum, error) {
		a, b := l.(types.Array), r.(types.Array)
		for _, x := range a.Elements {
			if x == nil {
				continue
			}
			for _, y := range b.Elements {
				if y != nil && types.Compare(a.Elem, x, y) == 0 {
					return true, nil
				}
			}
		}
		return false, nil
	})
	types.RegisterBinaryOp(&types.Op{Name: "||", Left: tt(types.AnyCompatibleArrayOID), Right: tt(types.AnyCompatibleArrayOID), Ret: tt(types.AnyCompatibleArrayOID), NullAware: true,
		TypedFn: func(_ *types.EvalContext, lt, _ types.T, l, r types.Datum) (types.Datum, error) {
			return arrayCat(lt, l, r)
		}})
	types.RegisterBinaryOp(&types.Op{Name: "||", Left: tt(types.AnyCompatibleArrayOID), Right: tt(types.AnyCompatibleOID), Ret: tt(types.AnyCompatibleArrayOID), NullAware: true,
		TypedFn: func(_ *types.EvalContext, lt, rt types.T, l, r types.Datum) (types.Datum, error) {
			return arrayAppend(lt, rt, l, r)
		}})
	types.RegisterBinaryOp(&types.Op{Name: "||", Left: tt(types.AnyCompatibleOID), Right: tt(types.AnyCompatibleArrayOID), Ret: tt(types.AnyCompatibleArrayOID), NullAware: true,
		TypedFn: func(_ *types.EvalContext, lt, rt types.T, l, r types.Datum) (types.Datum, error) {
			return arrayPrepend(lt, rt, l, r)
		}})
}

func arrayContains(a, b types.Array) bool {
	for _, y := range b.Elements {
		if y == nil {
			return false
		}
		found := false
		for _, x := range a.Elements {
			if x != nil && types.Compare(a.Elem, x, y) == 0 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func emptyArrayOf(at types.T) types.Array {
	e, _ := types.ElemOf(at)
	return types.Array{Elem: tt(e.OID), Elements: []types.Datum{}}
}

// arrayCat is array_cat: arrays of the same number of dimensions join
// along the first, and one of a dimension fewer joins as one more row.
func arrayCat(at types.T, l, r types.Datum) (types.Datum, error) {
	if l == nil {
		return r, nil
	}
	if r == nil {
		return l, nil
	}
	a, b := l.(types.Array), r.(types.Array)
	d1, d2 := a.Shape(), b.Shape()
	if len(d1) == 0 {
		return b, nil
	}
	if len(d2) == 0 {
		return a, nil
	}
	incompatible := func(detail string) error {
		return &pgerror.Error{Code: pgerror.ArraySubscriptError, Message: "cannot concatenate incompatible arrays", Detail: detail}
	}
	var dims []types.ArrayDim
	switch {
	case len(d1) == len(d2):
		for i := 1; i < len(d1); i++ {
			if d1[i] != d2[i] {
				return nil, incompatible("Arrays with differing element dimensions are not compatible for concatenation.")
			}
		}
		dims = append([]types.ArrayDim(nil), d1...)
		dims[0].Len += d2[0].Len
	case len(d1) == len(d2)-1:
		for i := range d1 {
			if d1[i] != d2[i+1] {
				return nil, incompatible("Arrays with differing dimensions are not compatible for concatenation.")
			}
		}
		dims = append([]types.ArrayDim(nil), d2...)
		dims[0].Len++
	case len(d1) == len(d2)+1:
		for i := range d2 {
			if d1[i+1] != d2[i] {
				return nil, incompatible("Arrays with differing dimensions are not compatible for concatenation.")
			}
		}
		dims = append([]types.ArrayDim(nil), d1...)
		dims[0].Len++
	default:
		return nil, incompatible(fmt.Sprintf("Arrays of %d and %d dimensions are not compatible for concatenation.", len(d1), len(d2)))
	}
	if err := types.CheckArraySize(dims); err != nil {
		return nil, err
	}
	out := make([]types.Datum, 0, len(a.Elements)+len(b.Elements))
	out = append(append(out, a.Elements...), b.Elements...)
	return types.Shaped(a.Elem, out, dims), nil
}

// grownBy1 is the shape of a one-dimensional (or empty) array with one
// element more, keeping its lower bound, as array_append and
// array_prepend make it.
func grownBy1(a types.Array) ([]types.ArrayDim, error) {
	dims := a.Shape()
	switch len(dims) {
	case 0:
		return []types.ArrayDim{{Len: 1, Lower: 1}}, nil
	case 1:
		nd := []types.ArrayDim{{Len: dims[0].Len + 1, Lower: dims[0].Lower}}
		if err := types.CheckArraySize(nd); err != nil {
			return nil, pgerror.New(pgerror.NumericValueOutOfRange, "integer out of range")
		}
		return nd, nil
	}
	return nil, pgerror.New(pgerror.DataException, "argument must be empty or one-dimensional array")
}

func arrayAppend(at, et types.T, l, r types.Datum) (types.Datum, error) {
	a := emptyArrayOf(at)
	if l != nil {
		a = l.(types.Array)
	}
	dims, err := grownBy1(a)
	if err != nil {
		return nil, err
	}
	out := make([]types.Datum, 0, len(a.Elements)+1)
	out = append(append(out, a.Elements...), r)
	return types.Shaped(a.Elem, out, dims), nil
}

func arrayPrepend(et, at types.T, l, r types.Datum) (types.Datum, error) {
	a := emptyArrayOf(at)
	if r != nil {
		a = r.(types.Array)
	}
	dims, err := grownBy1(a)
	if err != nil {
		return nil, err
	}
	out := make([]types.Datum, 0, len(a.Elements)+1)
	out = append(append(out, l), a.Elements...)
	return types.Shaped(a.Elem, out, dims), nil
}
