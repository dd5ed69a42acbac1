package builtins

import "logdb/sql/types"

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
			return arrayCat(lt, l, r), nil
		}})
	types.RegisterBinaryOp(&types.Op{Name: "||", Left: tt(types.AnyCompatibleArrayOID), Right: tt(types.AnyCompatibleOID), Ret: tt(types.AnyCompatibleArrayOID), NullAware: true,
		TypedFn: func(_ *types.EvalContext, lt, rt types.T, l, r types.Datum) (types.Datum, error) {
			return arrayAppend(lt, rt, l, r), nil
		}})
	types.RegisterBinaryOp(&types.Op{Name: "||", Left: tt(types.AnyCompatibleOID), Right: tt(types.AnyCompatibleArrayOID), Ret: tt(types.AnyCompatibleArrayOID), NullAware: true,
		TypedFn: func(_ *types.EvalContext, lt, rt types.T, l, r types.Datum) (types.Datum, error) {
			return arrayPrepend(lt, rt, l, r), nil
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

func arrayCat(at types.T, l, r types.Datum) types.Datum {
	if l == nil {
		return r
	}
	if r == nil {
		return l
	}
	a, b := l.(types.Array), r.(types.Array)
	out := types.Array{Elem: a.Elem, Elements: make([]types.Datum, 0, len(a.Elements)+len(b.Elements))}
	out.Elements = append(append(out.Elements, a.Elements...), b.Elements...)
	return out
}

func arrayAppend(at, et types.T, l, r types.Datum) types.Datum {
	a := emptyArrayOf(at)
	if l != nil {
		a = l.(types.Array)
	}
	out := types.Array{Elem: a.Elem, Elements: make([]types.Datum, 0, len(a.Elements)+1)}
	out.Elements = append(append(out.Elements, a.Elements...), r)
	return out
}

func arrayPrepend(et, at types.T, l, r types.Datum) types.Datum {
	a := emptyArrayOf(at)
	if r != nil {
		a = r.(types.Array)
	}
	out := types.Array{Elem: a.Elem, Elements: make([]types.Datum, 0, len(a.Elements)+1)}
	out.Elements = append(append(out.Elements, l), a.Elements...)
	return out
}
