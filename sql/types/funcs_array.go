package types

import (
	"strings"

	"logdb/sql/pgerror"
)

func arrayLen(a Datum) int64 { return int64(len(a.(Array).Elements)) }

func init() {
	def("array_length", Int4OID, oids(AnyArrayOID, Int4OID), func(_ *EvalContext, a []Datum) (Datum, error) {
		if i64(a[1]) != 1 || arrayLen(a[0]) == 0 {
			return nil, nil
		}
		return arrayLen(a[0]), nil
	})
	def("array_upper", Int4OID, oids(AnyArrayOID, Int4OID), func(_ *EvalContext, a []Datum) (Datum, error) {
		if i64(a[1]) != 1 || arrayLen(a[0]) == 0 {
			return nil, nil
		}
		return arrayLen(a[0]), nil
	})
	def("array_lower", Int4OID, oids(AnyArrayOID, Int4OID), func(_ *EvalContext, a []Datum) (Datum, error) {
		if i64(a[1]) != 1 || arrayLen(a[0]) == 0 {
			return nil, nil
		}
		return int64(1), nil
	})
	def("array_ndims", Int4OID, oids(AnyArrayOID), func(_ *EvalContext, a []Datum) (Datum, error) {
		if arrayLen(a[0]) == 0 {
			return nil, nil
		}
		return int64(1), nil
	})
	def("cardinality", Int4OID, oids(AnyArrayOID), func(_ *EvalContext, a []Datum) (Datum, error) { return arrayLen(a[0]), nil })
	arrayToString := func(ctx *EvalContext, ts []T, a []Datum) (Datum, error) {
		if a[0] == nil || a[1] == nil {
			return nil, nil
		}
		arr := a[0].(Array)
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
	defTyped("array_to_string", TextOID, oids(AnyArrayOID, TextOID), arrayToString)
	RegisterFunc(&Func{Name: "array_to_string", Args: []T{tt(AnyArrayOID), tt(TextOID), tt(TextOID)}, Ret: tt(TextOID), TypedFn: arrayToString})
	stringToArray := func(_ *EvalContext, a []Datum) (Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		s := str(a[0])
		out := Array{Elem: tt(TextOID), Elements: []Datum{}}
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
	RegisterFunc(&Func{Name: "string_to_array", Args: []T{tt(TextOID), tt(TextOID)}, Ret: tt(TextArrayOID), Fn: stringToArray})
	RegisterFunc(&Func{Name: "string_to_array", Args: []T{tt(TextOID), tt(TextOID), tt(TextOID)}, Ret: tt(TextArrayOID), Fn: stringToArray})
	RegisterFunc(&Func{Name: "array_append", Args: []T{tt(AnyArrayOID), tt(AnyElementOID)}, Ret: tt(AnyArrayOID),
		TypedFn: func(_ *EvalContext, ts []T, a []Datum) (Datum, error) {
			return arrayAppend(ts[0], ts[1], a[0], a[1]), nil
		}})
	RegisterFunc(&Func{Name: "array_prepend", Args: []T{tt(AnyElementOID), tt(AnyArrayOID)}, Ret: tt(AnyArrayOID),
		TypedFn: func(_ *EvalContext, ts []T, a []Datum) (Datum, error) {
			return arrayPrepend(ts[0], ts[1], a[0], a[1]), nil
		}})
	RegisterFunc(&Func{Name: "array_cat", Args: []T{tt(AnyArrayOID), tt(AnyArrayOID)}, Ret: tt(AnyArrayOID),
		TypedFn: func(_ *EvalContext, ts []T, a []Datum) (Datum, error) { return arrayCat(ts[0], a[0], a[1]), nil }})
	arrayPosition := func(_ *EvalContext, ts []T, a []Datum) (Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		arr := a[0].(Array)
		start := int64(1)
		if len(a) > 2 {
			if a[2] == nil {
				return nil, pgerror.New(pgerror.NullValueNotAllowed, "initial position must not be null")
			}
			start = i64(a[2])
		}
		for i := max(start, 1) - 1; i < int64(len(arr.Elements)); i++ {
			if Equal(arr.Elem, arr.Elements[i], a[1]) {
				return i + 1, nil
			}
		}
		return nil, nil
	}
	RegisterFunc(&Func{Name: "array_position", Args: []T{tt(AnyArrayOID), tt(AnyElementOID)}, Ret: tt(Int4OID), TypedFn: arrayPosition})
	RegisterFunc(&Func{Name: "array_position", Args: []T{tt(AnyArrayOID), tt(AnyElementOID), tt(Int4OID)}, Ret: tt(Int4OID), TypedFn: arrayPosition})
	RegisterFunc(&Func{Name: "array_positions", Args: []T{tt(AnyArrayOID), tt(AnyElementOID)}, Ret: tt(Int4ArrayOID),
		TypedFn: func(_ *EvalContext, ts []T, a []Datum) (Datum, error) {
			if a[0] == nil {
				return nil, nil
			}
			arr := a[0].(Array)
			out := Array{Elem: tt(Int4OID), Elements: []Datum{}}
			for i, e := range arr.Elements {
				if Equal(arr.Elem, e, a[1]) {
					out.Elements = append(out.Elements, int64(i+1))
				}
			}
			return out, nil
		}})
	RegisterFunc(&Func{Name: "array_remove", Args: []T{tt(AnyArrayOID), tt(AnyElementOID)}, Ret: tt(AnyArrayOID),
		TypedFn: func(_ *EvalContext, ts []T, a []Datum) (Datum, error) {
			if a[0] == nil {
				return nil, nil
			}
			arr := a[0].(Array)
			out := Array{Elem: arr.Elem, Elements: []Datum{}}
			for _, e := range arr.Elements {
				if !Equal(arr.Elem, e, a[1]) {
					out.Elements = append(out.Elements, e)
				}
			}
			return out, nil
		}})
	RegisterFunc(&Func{Name: "array_replace", Args: []T{tt(AnyArrayOID), tt(AnyElementOID), tt(AnyElementOID)}, Ret: tt(AnyArrayOID),
		TypedFn: func(_ *EvalContext, ts []T, a []Datum) (Datum, error) {
			if a[0] == nil {
				return nil, nil
			}
			arr := a[0].(Array)
			out := Array{Elem: arr.Elem, Elements: make([]Datum, len(arr.Elements))}
			for i, e := range arr.Elements {
				if Equal(arr.Elem, e, a[1]) {
					out.Elements[i] = a[2]
				} else {
					out.Elements[i] = e
				}
			}
			return out, nil
		}})
	defTyped("array_dims", TextOID, oids(AnyArrayOID), func(_ *EvalContext, _ []T, a []Datum) (Datum, error) {
		n := arrayLen(a[0])
		if n == 0 {
			return nil, nil
		}
		return "[1:" + string(AppendText(nil, tt(Int8OID), n)) + "]", nil
	})
}
