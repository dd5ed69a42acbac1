package types

import (
	"crypto/rand"
	"strconv"
	"time"

	"logdb/sql/pgerror"
)

func jsonTypeName(v *jsonValue) string {
	switch v.kind {
	case jObject:
		return "object"
	case jArray:
		return "array"
	case jString:
		return "string"
	case jNumber:
		return "number"
	case jBool:
		return "boolean"
	}
	return "null"
}

func toJSONBDatum(t T, d Datum, loc *time.Location) (Datum, error) {
	return ParseJSONB(string(appendJSONValue(nil, t, d, loc, true)))
}

func buildObject(ctx *EvalContext, types []T, args []Datum, jsonb bool) (Datum, error) {
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
		b = appendJSONString(b, textOf(ctx, types[i], args[i]))
		b = append(b, " : "...)
		b = appendJSONValue(b, types[i+1], args[i+1], loc, false)
	}
	b = append(b, '}')
	if jsonb {
		return ParseJSONB(string(b))
	}
	return JSON(b), nil
}

func buildArray(ctx *EvalContext, types []T, args []Datum, jsonb bool) (Datum, error) {
	loc := ctxLoc(ctx)
	b := []byte{'['}
	for i, a := range args {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = appendJSONValue(b, types[i], a, loc, false)
	}
	b = append(b, ']')
	if jsonb {
		return ParseJSONB(string(b))
	}
	return JSON(b), nil
}

func stripNulls(v *jsonValue) {
	switch v.kind {
	case jObject:
		keys, vals := v.keys[:0:0], v.vals[:0:0]
		for i, k := range v.keys {
			if v.vals[i].kind == jNull {
				continue
			}
			stripNulls(v.vals[i])
			keys = append(keys, k)
			vals = append(vals, v.vals[i])
		}
		v.keys, v.vals = keys, vals
	case jArray:
		for _, e := range v.arr {
			stripNulls(e)
		}
	}
}

// jsonSet is jsonb_set: replace (or, with create, add) the value at path.
func jsonSet(v *jsonValue, path []string, nv *jsonValue, create bool) error {
	if len(path) == 0 {
		return nil
	}
	last := len(path) == 1
	switch v.kind {
	case jObject:
		i := v.find(path[0])
		if i < 0 {
			if last && create {
				v.keys = append(v.keys, path[0])
				v.vals = append(v.vals, nv)
				return v.canonicalize()
			}
			return nil
		}
		if last {
			v.vals[i] = nv
			return nil
		}
		return jsonSet(v.vals[i], path[1:], nv, create)
	case jArray:
		n, err := strconv.ParseInt(path[0], 10, 32)
		if err != nil {
			return pgerror.New(pgerror.InvalidTextRepresentation, "path element at position %d is not an integer: \"%s\"", 1, path[0])
		}
		i := jsonArrayIndex(len(v.arr), n)
		if i < 0 {
			if last && create {
				if n < 0 {
					v.arr = append([]*jsonValue{nv}, v.arr...)
				} else {
					v.arr = append(v.arr, nv)
				}
			}
			return nil
		}
		if last {
			v.arr[i] = nv
			return nil
		}
		return jsonSet(v.arr[i], path[1:], nv, create)
	}
	return nil
}

func init() {
	defTyped("to_json", JSONOID, oids(AnyElementOID), func(ctx *EvalContext, ts []T, a []Datum) (Datum, error) {
		return JSON(appendJSONValue(nil, ts[0], a[0], ctxLoc(ctx), false)), nil
	})
	defTyped("to_jsonb", JSONBOID, oids(AnyElementOID), func(ctx *EvalContext, ts []T, a []Datum) (Datum, error) {
		return toJSONBDatum(ts[0], a[0], ctxLoc(ctx))
	})
	for _, jb := range []bool{false, true} {
		jb := jb
		prefix, ret := "json", JSONOID
		if jb {
			prefix, ret = "jsonb", JSONBOID
		}
		RegisterFunc(&Func{Name: prefix + "_build_object", Args: []T{tt(AnyOID)}, Variadic: true, Ret: tt(ret),
			TypedFn: func(ctx *EvalContext, ts []T, a []Datum) (Datum, error) { return buildObject(ctx, ts, a, jb) }})
		RegisterFunc(&Func{Name: prefix + "_build_object", Ret: tt(ret),
			TypedFn: func(ctx *EvalContext, ts []T, a []Datum) (Datum, error) { return buildObject(ctx, ts, a, jb) }})
		RegisterFunc(&Func{Name: prefix + "_build_array", Args: []T{tt(AnyOID)}, Variadic: true, Ret: tt(ret),
			TypedFn: func(ctx *EvalContext, ts []T, a []Datum) (Datum, error) { return buildArray(ctx, ts, a, jb) }})
		RegisterFunc(&Func{Name: prefix + "_build_array", Ret: tt(ret),
			TypedFn: func(ctx *EvalContext, ts []T, a []Datum) (Datum, error) { return buildArray(ctx, ts, a, jb) }})
		parse := func(d Datum) *jsonValue { return jsonOf(tt(ret), d) }
		def(prefix+"_typeof", TextOID, oids(ret), func(_ *EvalContext, a []Datum) (Datum, error) { return jsonTypeName(parse(a[0])), nil })
		def(prefix+"_array_length", Int4OID, oids(ret), func(_ *EvalContext, a []Datum) (Datum, error) {
			v := parse(a[0])
			switch v.kind {
			case jArray:
				return int64(len(v.arr)), nil
			case jObject:
				return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot get array length of a non-array")
			}
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot get array length of a scalar")
		})
		RegisterFunc(&Func{Name: prefix + "_extract_path", Args: []T{tt(ret), tt(TextOID)}, Variadic: true, Ret: tt(ret), Strict: true,
			Fn: func(_ *EvalContext, a []Datum) (Datum, error) {
				path := Array{Elem: tt(TextOID), Elements: a[1:]}
				if v := jsonPath(parse(a[0]), path); v != nil {
					return v.datum(jb), nil
				}
				return nil, nil
			}})
		RegisterFunc(&Func{Name: prefix + "_extract_path_text", Args: []T{tt(ret), tt(TextOID)}, Variadic: true, Ret: tt(TextOID), Strict: true,
			Fn: func(_ *EvalContext, a []Datum) (Datum, error) {
				path := Array{Elem: tt(TextOID), Elements: a[1:]}
				if v := jsonPath(parse(a[0]), path); v != nil {
					return v.toText(jb), nil
				}
				return nil, nil
			}})
		def(prefix+"_strip_nulls", ret, oids(ret), func(_ *EvalContext, a []Datum) (Datum, error) {
			v := parse(a[0])
			stripNulls(v)
			if jb {
				return JSONB(v.appendJSONB(nil)), nil
			}
			return JSON(v.appendCompactJSON(nil)), nil
		})
	}
	def("jsonb_pretty", TextOID, oids(JSONBOID), func(_ *EvalContext, a []Datum) (Datum, error) {
		return string(mustParseJSONB(a[0].(JSONB)).appendPretty(nil, 0)), nil
	})
	jsonbSet := func(_ *EvalContext, a []Datum) (Datum, error) {
		v := mustParseJSONB(a[0].(JSONB))
		nv := mustParseJSONB(a[2].(JSONB))
		create := true
		if len(a) > 3 {
			create = a[3].(bool)
		}
		if v.kind != jObject && v.kind != jArray {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot set path in scalar")
		}
		if err := jsonSet(v, textArrayStrings(a[1].(Array)), nv, create); err != nil {
			return nil, err
		}
		return JSONB(v.appendJSONB(nil)), nil
	}
	def("jsonb_set", JSONBOID, oids(JSONBOID, TextArrayOID, JSONBOID), jsonbSet)
	def("jsonb_set", JSONBOID, oids(JSONBOID, TextArrayOID, JSONBOID, BoolOID), jsonbSet)

	for _, n := range []string{"gen_random_uuid", "uuid_generate_v4"} {
		RegisterFunc(&Func{Name: n, Ret: tt(UUIDOID), Strict: true, Volatile: true, Fn: func(_ *EvalContext, _ []Datum) (Datum, error) {
			var u UUID
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
func (v *jsonValue) appendCompactJSON(dst []byte) []byte {
	switch v.kind {
	case jArray:
		dst = append(dst, '[')
		for i, e := range v.arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.appendCompactJSON(dst)
		}
		return append(dst, ']')
	case jObject:
		dst = append(dst, '{')
		for i, k := range v.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = v.vals[i].appendCompactJSON(dst)
		}
		return append(dst, '}')
	case jNumber:
		return append(dst, v.raw...)
	}
	return v.appendJSONB(dst)
}

func textOf(ctx *EvalContext, t T, d Datum) string {
	if s, ok := d.(string); ok {
		return s
	}
	return string(AppendTextLoc(nil, t, d, ctxLoc(ctx)))
}
