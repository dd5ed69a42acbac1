package builtins

import (
	"bytes"
	"crypto/rand"
	"strconv"
	"strings"
	"time"

	"logdb/sql/pgerror"
	"logdb/sql/types"
	"logdb/sql/types/jsondoc"
)

func jsonTypeName(v *jsondoc.Value) string {
	switch v.Kind {
	case jsondoc.Object:
		return "object"
	case jsondoc.Array:
		return "array"
	case jsondoc.String:
		return "string"
	case jsondoc.Number:
		return "number"
	case jsondoc.Bool:
		return "boolean"
	}
	return "null"
}

func toJSONBDatum(t types.T, d types.Datum, loc *time.Location) (types.Datum, error) {
	return types.ParseJSONB(string(types.AppendJSONLoc(nil, t, d, loc)))
}

func buildObject(ctx *types.EvalContext, ts []types.T, args []types.Datum, jsonb bool) (types.Datum, error) {
	if len(args)%2 != 0 {
		return nil, &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: "argument list must have even number of elements",
			Hint: "The arguments of " + map[bool]string{true: "jsonb", false: "json"}[jsonb] + "_build_object() must consist of alternating keys and values."}
	}
	loc := ctxLoc(ctx)
	b := []byte{'{'}
	for i := 0; i < len(args); i += 2 {
		if args[i] == nil {
			return nil, pgerror.New(pgerror.NullValueNotAllowed, "argument %d cannot be null", i+1)
		}
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = jsondoc.AppendString(b, textOf(ctx, ts[i], args[i]))
		b = append(b, " : "...)
		b = types.AppendToJSON(b, ts[i+1], args[i+1], loc)
	}
	b = append(b, '}')
	if jsonb {
		return types.ParseJSONB(string(b))
	}
	return types.JSON(b), nil
}

func buildArray(ctx *types.EvalContext, ts []types.T, args []types.Datum, jsonb bool) (types.Datum, error) {
	loc := ctxLoc(ctx)
	b := []byte{'['}
	for i, a := range args {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = types.AppendToJSON(b, ts[i], a, loc)
	}
	b = append(b, ']')
	if jsonb {
		return types.ParseJSONB(string(b))
	}
	return types.JSON(b), nil
}

func stripNulls(v *jsondoc.Value) {
	switch v.Kind {
	case jsondoc.Object:
		keys, vals := v.Keys[:0:0], v.Vals[:0:0]
		for i, k := range v.Keys {
			if v.Vals[i].Kind == jsondoc.Null {
				continue
			}
			stripNulls(v.Vals[i])
			keys = append(keys, k)
			vals = append(vals, v.Vals[i])
		}
		v.Keys, v.Vals = keys, vals
	case jsondoc.Array:
		for _, e := range v.Elems {
			stripNulls(e)
		}
	}
}

// jsonSet is jsonb_set: replace (or, with create, add) the value at path.
func jsonSet(v *jsondoc.Value, path []string, nv *jsondoc.Value, create bool) error {
	if len(path) == 0 {
		return nil
	}
	last := len(path) == 1
	switch v.Kind {
	case jsondoc.Object:
		i := jsonFind(v, path[0])
		if i < 0 {
			if last && create {
				v.Keys = append(v.Keys, path[0])
				v.Vals = append(v.Vals, nv)
				v.SortKeys()
				return nil
			}
			return nil
		}
		if last {
			v.Vals[i] = nv
			return nil
		}
		return jsonSet(v.Vals[i], path[1:], nv, create)
	case jsondoc.Array:
		n, err := strconv.ParseInt(path[0], 10, 32)
		if err != nil {
			return pgerror.New(pgerror.InvalidTextRepresentation, "path element at position %d is not an integer: \"%s\"", 1, path[0])
		}
		i := jsonArrayIndex(len(v.Elems), n)
		if i < 0 {
			if last && create {
				if n < 0 {
					v.Elems = append([]*jsondoc.Value{nv}, v.Elems...)
				} else {
					v.Elems = append(v.Elems, nv)
				}
			}
			return nil
		}
		if last {
			v.Elems[i] = nv
			return nil
		}
		return jsonSet(v.Elems[i], path[1:], nv, create)
	}
	return nil
}

func registerJSONFuncs() {
	defTyped("to_json", types.JSONOID, oids(types.AnyElementOID), func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
		return types.JSON(types.AppendToJSON(nil, ts[0], a[0], ctxLoc(ctx))), nil
	})
	defTyped("to_jsonb", types.JSONBOID, oids(types.AnyElementOID), func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
		return toJSONBDatum(ts[0], a[0], ctxLoc(ctx))
	})
	for _, jb := range []bool{false, true} {
		jb := jb
		prefix, ret := "json", types.JSONOID
		if jb {
			prefix, ret = "jsonb", types.JSONBOID
		}
		types.RegisterFunc(&types.Func{Name: prefix + "_build_object", Args: []types.T{tt(types.AnyOID)}, Variadic: true, Ret: tt(ret),
			TypedFn: func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
				return buildObject(ctx, ts, a, jb)
			}})
		types.RegisterFunc(&types.Func{Name: prefix + "_build_object", Ret: tt(ret),
			TypedFn: func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
				return buildObject(ctx, ts, a, jb)
			}})
		types.RegisterFunc(&types.Func{Name: prefix + "_build_array", Args: []types.T{tt(types.AnyOID)}, Variadic: true, Ret: tt(ret),
			TypedFn: func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
				return buildArray(ctx, ts, a, jb)
			}})
		types.RegisterFunc(&types.Func{Name: prefix + "_build_array", Ret: tt(ret),
			TypedFn: func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
				return buildArray(ctx, ts, a, jb)
			}})
		parse := types.JSONDocument
		def(prefix+"_typeof", types.TextOID, oids(ret), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return jsonTypeName(parse(a[0])), nil
		})
		def(prefix+"_array_length", types.Int4OID, oids(ret), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			v := parse(a[0])
			switch v.Kind {
			case jsondoc.Array:
				return int64(len(v.Elems)), nil
			case jsondoc.Object:
				return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot get array length of a non-array")
			}
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot get array length of a scalar")
		})
		types.RegisterFunc(&types.Func{Name: prefix + "_extract_path", Args: []types.T{tt(ret), tt(types.TextOID)}, Variadic: true, Ret: tt(ret), Strict: true,
			Fn: func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
				path := types.Array{Elem: tt(types.TextOID), Elements: a[1:]}
				if v := jsonPath(parse(a[0]), path); v != nil {
					return jsonDatum(v, jb), nil
				}
				return nil, nil
			}})
		types.RegisterFunc(&types.Func{Name: prefix + "_extract_path_text", Args: []types.T{tt(ret), tt(types.TextOID)}, Variadic: true, Ret: tt(types.TextOID), Strict: true,
			Fn: func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
				path := types.Array{Elem: tt(types.TextOID), Elements: a[1:]}
				if v := jsonPath(parse(a[0]), path); v != nil {
					return jsonToText(v, jb), nil
				}
				return nil, nil
			}})
		def(prefix+"_strip_nulls", ret, oids(ret), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			v := parse(a[0])
			stripNulls(v)
			if jb {
				return types.JSONB(v.AppendJSONB(nil)), nil
			}
			return types.JSON(appendCompactJSON(nil, v)), nil
		})
	}
	def("jsonb_pretty", types.TextOID, oids(types.JSONBOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return string(appendPretty(nil, types.JSONDocument(a[0]), 0)), nil
	})
	jsonbSet := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		v := types.JSONDocument(a[0])
		nv := types.JSONDocument(a[2])
		create := true
		if len(a) > 3 {
			create = a[3].(bool)
		}
		if v.Kind != jsondoc.Object && v.Kind != jsondoc.Array {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot set path in scalar")
		}
		if err := jsonSet(v, textArrayStrings(a[1].(types.Array)), nv, create); err != nil {
			return nil, err
		}
		return types.JSONB(v.AppendJSONB(nil)), nil
	}
	def("jsonb_set", types.JSONBOID, oids(types.JSONBOID, types.TextArrayOID, types.JSONBOID), jsonbSet)
	def("jsonb_set", types.JSONBOID, oids(types.JSONBOID, types.TextArrayOID, types.JSONBOID, types.BoolOID), jsonbSet)

	for _, n := range []string{"gen_random_uuid", "uuid_generate_v4"} {
		types.RegisterFunc(&types.Func{Name: n, Ret: tt(types.UUIDOID), Strict: true, Volatile: true, Fn: func(_ *types.EvalContext, _ []types.Datum) (types.Datum, error) {
			var u types.UUID
			if _, err := rand.Read(u[:]); err != nil {
				return nil, pgerror.Wrap(err, pgerror.Internal, "could not generate random values")
			}
			u[6] = u[6]&0x0f | 0x40
			u[8] = u[8]&0x3f | 0x80
			return u, nil
		}})
	}
}

// appendCompactJSON writes v without spaces (json output of processed values).
func appendCompactJSON(dst []byte, v *jsondoc.Value) []byte {
	switch v.Kind {
	case jsondoc.Array:
		dst = append(dst, '[')
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCompactJSON(dst, e)
		}
		return append(dst, ']')
	case jsondoc.Object:
		dst = append(dst, '{')
		for i, k := range v.Keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsondoc.AppendString(dst, k)
			dst = append(dst, ':')
			dst = appendCompactJSON(dst, v.Vals[i])
		}
		return append(dst, '}')
	case jsondoc.Number:
		return append(dst, v.Raw...)
	}
	return v.AppendJSONB(dst)
}

// appendPretty is jsonb_pretty.
func appendPretty(dst []byte, v *jsondoc.Value, indent int) []byte {
	pad := func(n int) {
		dst = append(dst, '\n')
		dst = append(dst, bytes.Repeat([]byte("    "), n)...)
	}
	switch v.Kind {
	case jsondoc.Array:
		if len(v.Elems) == 0 {
			return append(dst, "[\n"+strings.Repeat("    ", indent)+"]"...)
		}
		dst = append(dst, '[')
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			pad(indent + 1)
			dst = appendPretty(dst, e, indent+1)
		}
		pad(indent)
		return append(dst, ']')
	case jsondoc.Object:
		if len(v.Keys) == 0 {
			return append(dst, "{\n"+strings.Repeat("    ", indent)+"}"...)
		}
		dst = append(dst, '{')
		for i, k := range v.Keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			pad(indent + 1)
			dst = jsondoc.AppendString(dst, k)
			dst = append(dst, ':', ' ')
			dst = appendPretty(dst, v.Vals[i], indent+1)
		}
		pad(indent)
		return append(dst, '}')
	}
	return v.AppendJSONB(dst)
}
