package builtins

import (
	"strings"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

func arrayLen(a types.Datum) int64 { return int64(len(a.(types.Array).Elements)) }

func registerArrayFuncs() {
	// dimOf is dimension d of an array, false when it has no such one
	dimOf := func(a, d types.Datum) (types.ArrayDim, bool) {
		dims := a.(types.Array).Shape()
		k := i64(d)
		if k < 1 || k > int64(len(dims)) {
			return types.ArrayDim{}, false
		}
		return dims[k-1], true
	}
	def("array_length", types.Int4OID, oids(types.AnyArrayOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		if d, ok := dimOf(a[0], a[1]); ok {
			return int64(d.Len), nil
		}
		return nil, nil
	})
	def("array_upper", types.Int4OID, oids(types.AnyArrayOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		if d, ok := dimOf(a[0], a[1]); ok {
			return int64(d.Lower + d.Len - 1), nil
		}
		return nil, nil
	})
	def("array_lower", types.Int4OID, oids(types.AnyArrayOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		if d, ok := dimOf(a[0], a[1]); ok {
			return int64(d.Lower), nil
		}
		return nil, nil
	})
	def("array_ndims", types.Int4OID, oids(types.AnyArrayOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		if n := a[0].(types.Array).NDims(); n > 0 {
			return int64(n), nil
		}
		return nil, nil
	})
	def("cardinality", types.Int4OID, oids(types.AnyArrayOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return arrayLen(a[0]), nil })
	arrayToString := func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
		if a[0] == nil || a[1] == nil {
			return nil, nil
		}
		arr := a[0].(types.Array)
		var b strings.Builder
		first := true
		for _, e := range arr.Elements {
			var s string
			if e == nil {
				if len(a) < 3 || a[2] == nil {
					continue
				}
				s = str(a[2])
			} else {
				s = textOf(ctx, arr.Elem, e)
			}
			if !first {
				b.WriteString(str(a[1]))
			}
			first = false
			b.WriteString(s)
		}
		return b.String(), nil
	}
	defTyped("array_to_string", types.TextOID, oids(types.AnyArrayOID, types.TextOID), arrayToString)
	types.RegisterFunc(&types.Func{Name: "array_to_string", Args: []types.T{tt(types.AnyArrayOID), tt(types.TextOID), tt(types.TextOID)}, Ret: tt(types.TextOID), TypedFn: arrayToString})
	stringToArray := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		s := str(a[0])
		out := types.Array{Elem: tt(types.TextOID), Elements: []types.Datum{}}
		if s == "" {
			return out, nil
		}
		var parts []string
		switch {
		case a[1] == nil:
			for _, r := range s {
				parts = append(parts, string(r))
			}
		case str(a[1]) == "":
			parts = []string{s}
		default:
			parts = strings.Split(s, str(a[1]))
		}
		for _, p := range parts {
			if len(a) > 2 && a[2] != nil && p == str(a[2]) {
				out.Elements = append(out.Elements, nil)
			} else {
				out.Elements = append(out.Elements, p)
			}
		}
		return out, nil
	}
	types.RegisterFunc(&types.Func{Name: "string_to_array", Args: []types.T{tt(types.TextOID), tt(types.TextOID)}, Ret: tt(types.TextArrayOID), Fn: stringToArray})
	types.RegisterFunc(&types.Func{Name: "string_to_array", Args: []types.T{tt(types.TextOID), tt(types.TextOID), tt(types.TextOID)}, Ret: tt(types.TextArrayOID), Fn: stringToArray})
	types.RegisterFunc(&types.Func{Name: "array_append", Args: []types.T{tt(types.AnyCompatibleArrayOID), tt(types.AnyCompatibleOID)}, Ret: tt(types.AnyCompatibleArrayOID),
		TypedFn: func(_ *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
			return arrayAppend(ts[0], ts[1], a[0], a[1])
		}})
	types.RegisterFunc(&types.Func{Name: "array_prepend", Args: []types.T{tt(types.AnyCompatibleOID), tt(types.AnyCompatibleArrayOID)}, Ret: tt(types.AnyCompatibleArrayOID),
		TypedFn: func(_ *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
			return arrayPrepend(ts[0], ts[1], a[0], a[1])
		}})
	types.RegisterFunc(&types.Func{Name: "array_cat", Args: []types.T{tt(types.AnyCompatibleArrayOID), tt(types.AnyCompatibleArrayOID)}, Ret: tt(types.AnyCompatibleArrayOID),
		TypedFn: func(_ *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
			return arrayCat(ts[0], a[0], a[1])
		}})
	arrayPosition := func(_ *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		arr := a[0].(types.Array)
		if arr.NDims() > 1 {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "searching for elements in multidimensional arrays is not supported")
		}
		first := int64(1)
		if d := arr.Shape(); len(d) == 1 {
			first = int64(d[0].Lower)
		}
		start := int64(1)
		if len(a) > 2 {
			if a[2] == nil {
				return nil, pgerror.New(pgerror.NullValueNotAllowed, "initial position must not be null")
			}
			start = i64(a[2])
		}
		if len(a) <= 2 {
			start = first
		}
		for i := max(start, first) - first; i < int64(len(arr.Elements)); i++ {
			if types.Equal(arr.Elem, arr.Elements[i], a[1]) {
				return i + first, nil
			}
		}
		return nil, nil
	}
	types.RegisterFunc(&types.Func{Name: "array_position", Args: []types.T{tt(types.AnyCompatibleArrayOID), tt(types.AnyCompatibleOID)}, Ret: tt(types.Int4OID), TypedFn: arrayPosition})
	types.RegisterFunc(&types.Func{Name: "array_position", Args: []types.T{tt(types.AnyCompatibleArrayOID), tt(types.AnyCompatibleOID), tt(types.Int4OID)}, Ret: tt(types.Int4OID), TypedFn: arrayPosition})
	types.RegisterFunc(&types.Func{Name: "array_positions", Args: []types.T{tt(types.AnyCompatibleArrayOID), tt(types.AnyCompatibleOID)}, Ret: tt(types.Int4ArrayOID),
		TypedFn: func(_ *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
			if a[0] == nil {
				return nil, nil
			}
			arr := a[0].(types.Array)
			if arr.NDims() > 1 {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "searching for elements in multidimensional arrays is not supported")
			}
			first := 1
			if d := arr.Shape(); len(d) == 1 {
				first = d[0].Lower
			}
			out := types.Array{Elem: tt(types.Int4OID), Elements: []types.Datum{}}
			for i, e := range arr.Elements {
				if types.Equal(arr.Elem, e, a[1]) {
					out.Elements = append(out.Elements, int64(i+first))
				}
			}
			return out, nil
		}})
	types.RegisterFunc(&types.Func{Name: "array_remove", Args: []types.T{tt(types.AnyCompatibleArrayOID), tt(types.AnyCompatibleOID)}, Ret: tt(types.AnyCompatibleArrayOID),
		TypedFn: func(_ *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
			if a[0] == nil {
				return nil, nil
			}
			arr := a[0].(types.Array)
			if arr.NDims() > 1 {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "removing elements from multidimensional arrays is not supported")
			}
			out := types.Array{Elem: arr.Elem, Elements: []types.Datum{}}
			for _, e := range arr.Elements {
				if !types.Equal(arr.Elem, e, a[1]) {
					out.Elements = append(out.Elements, e)
				}
			}
			return out, nil
		}})
	types.RegisterFunc(&types.Func{Name: "array_replace", Args: []types.T{tt(types.AnyCompatibleArrayOID), tt(types.AnyCompatibleOID), tt(types.AnyCompatibleOID)}, Ret: tt(types.AnyCompatibleArrayOID),
		TypedFn: func(_ *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
			if a[0] == nil {
				return nil, nil
			}
			arr := a[0].(types.Array)
			out := types.Array{Elem: arr.Elem, Elements: make([]types.Datum, len(arr.Elements))}
			for i, e := range arr.Elements {
				if types.Equal(arr.Elem, e, a[1]) {
					out.Elements[i] = a[2]
				} else {
					out.Elements[i] = e
				}
			}
			return out.WithShapeOf(arr), nil
		}})
	defTyped("array_dims", types.TextOID, oids(types.AnyArrayOID), func(_ *types.EvalContext, _ []types.T, a []types.Datum) (types.Datum, error) {
		if s, ok := types.ArrayDimsText(a[0].(types.Array)); ok {
			return s, nil
		}
		return nil, nil
	})

}
