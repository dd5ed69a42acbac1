package types

import (
	"strconv"

	"logdb/sql/pgerror"
)

func jsonArrayIndex(n int, i int64) int {
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return -1
	}
	return int(i)
}

// jsonGet is -> : an object field by text key or an array element by index.
func jsonGet(v *jsonValue, key Datum) *jsonValue {
	switch k := key.(type) {
	case string:
		if v.kind != jObject {
			return nil
		}
		// json (not jsonb) keeps duplicates: the last one wins, as PostgreSQL's json ->
		for i := len(v.keys) - 1; i >= 0; i-- {
			if v.keys[i] == k {
				return v.vals[i]
			}
		}
	case int64:
		if v.kind != jArray {
			return nil
		}
		if i := jsonArrayIndex(len(v.arr), k); i >= 0 {
			return v.arr[i]
		}
	}
	return nil
}

func jsonPath(v *jsonValue, path Array) *jsonValue {
	for _, p := range path.Elements {
		if v == nil || p == nil {
			return nil
		}
		s := p.(string)
		switch v.kind {
		case jObject:
			v = jsonGet(v, s)
		case jArray:
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil
			}
			v = jsonGet(v, i)
		default:
			return nil
		}
	}
	return v
}

func textArrayStrings(a Array) []string {
	out := make([]string, 0, len(a.Elements))
	for _, e := range a.Elements {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func jsonHasKey(v *jsonValue, k string) bool {
	switch v.kind {
	case jObject:
		return v.find(k) >= 0
	case jArray:
		for _, e := range v.arr {
			if e.kind == jString && e.s == k {
				return true
			}
		}
	case jString:
		return v.s == k
	}
	return false
}

func registerJSONOps() {
	for _, jt := range []OID{JSONBOID, JSONOID} {
		jsonb := jt == JSONBOID
		parse := func(d Datum) *jsonValue { return jsonOf(tt(jt), d) }
		for _, kt := range []OID{TextOID, Int4OID} {
			binop("->", jt, kt, jt, func(_ *EvalContext, l, r Datum) (Datum, error) {
				if v := jsonGet(parse(l), r); v != nil {
					return v.datum(jsonb), nil
				}
				return nil, nil
			})
			binop("->>", jt, kt, TextOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
				if v := jsonGet(parse(l), r); v != nil {
					return v.toText(jsonb), nil
				}
				return nil, nil
			})
		}
		binop("#>", jt, TextArrayOID, jt, func(_ *EvalContext, l, r Datum) (Datum, error) {
			if v := jsonPath(parse(l), r.(Array)); v != nil {
				return v.datum(jsonb), nil
			}
			return nil, nil
		})
		binop("#>>", jt, TextArrayOID, TextOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
			if v := jsonPath(parse(l), r.(Array)); v != nil {
				return v.toText(jsonb), nil
			}
			return nil, nil
		})
	}
	jb := func(d Datum) *jsonValue { return mustParseJSONB(d.(JSONB)) }
	binop("@>", JSONBOID, JSONBOID, BoolOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return jsonContains(jb(l), jb(r), true), nil
	})
	binop("<@", JSONBOID, JSONBOID, BoolOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return jsonContains(jb(r), jb(l), true), nil
	})
	binop("?", JSONBOID, TextOID, BoolOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return jsonHasKey(jb(l), r.(string)), nil
	})
	binop("?|", JSONBOID, TextArrayOID, BoolOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		v := jb(l)
		for _, k := range textArrayStrings(r.(Array)) {
			if jsonHasKey(v, k) {
				return true, nil
			}
		}
		return false, nil
	})
	binop("?&", JSONBOID, TextArrayOID, BoolOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		v := jb(l)
		for _, k := range textArrayStrings(r.(Array)) {
			if !jsonHasKey(v, k) {
				return false, nil
			}
		}
		return true, nil
	})
	binop("||", JSONBOID, JSONBOID, JSONBOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return jsonConcat(jb(l), jb(r)), nil
	})
	binop("-", JSONBOID, TextOID, JSONBOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return jsonDeleteKeys(jb(l), []string{r.(string)})
	})
	binop("-", JSONBOID, TextArrayOID, JSONBOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return jsonDeleteKeys(jb(l), textArrayStrings(r.(Array)))
	})
	binop("-", JSONBOID, Int4OID, JSONBOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		v := jb(l)
		switch v.kind {
		case jArray:
			if i := jsonArrayIndex(len(v.arr), r.(int64)); i >= 0 {
				v.arr = append(v.arr[:i:i], v.arr[i+1:]...)
			}
			return JSONB(v.appendJSONB(nil)), nil
		case jObject:
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot delete from object using integer index")
		}
		return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot delete from scalar")
	})
	binop("#-", JSONBOID, TextArrayOID, JSONBOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		v := jb(l)
		path := textArrayStrings(r.(Array))
		if v.kind != jObject && v.kind != jArray {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot delete path in scalar")
		}
		jsonDeletePath(v, path)
		return JSONB(v.appendJSONB(nil)), nil
	})
}

func jsonConcat(a, b *jsonValue) Datum {
	switch {
	case a.kind == jObject && b.kind == jObject:
		out := &jsonValue{kind: jObject, keys: append([]string{}, a.keys...), vals: append([]*jsonValue{}, a.vals...)}
		for i, k := range b.keys {
			if j := out.find(k); j >= 0 {
				out.vals[j] = b.vals[i]
			} else {
				out.keys = append(out.keys, k)
				out.vals = append(out.vals, b.vals[i])
			}
		}
		_ = out.canonicalize()
		return JSONB(out.appendJSONB(nil))
	}
	wrap := func(v *jsonValue) []*jsonValue {
		if v.kind == jArray {
			return v.arr
		}
		return []*jsonValue{v}
	}
	out := &jsonValue{kind: jArray, arr: append(append([]*jsonValue{}, wrap(a)...), wrap(b)...)}
	return JSONB(out.appendJSONB(nil))
}

func jsonDeleteKeys(v *jsonValue, keys []string) (Datum, error) {
	switch v.kind {
	case jObject:
		for _, k := range keys {
			if i := v.find(k); i >= 0 {
				v.keys = append(v.keys[:i:i], v.keys[i+1:]...)
				v.vals = append(v.vals[:i:i], v.vals[i+1:]...)
			}
		}
	case jArray:
		var keep []*jsonValue
		for _, e := range v.arr {
			drop := false
			for _, k := range keys {
				if e.kind == jString && e.s == k {
					drop = true
				}
			}
			if !drop {
				keep = append(keep, e)
			}
		}
		v.arr = keep
	default:
		return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot delete from scalar")
	}
	return JSONB(v.appendJSONB(nil)), nil
}

func jsonDeletePath(v *jsonValue, path []string) {
	if len(path) == 0 || v == nil {
		return
	}
	last := len(path) == 1
	switch v.kind {
	case jObject:
		i := v.find(path[0])
		if i < 0 {
			return
		}
		if last {
			v.keys = append(v.keys[:i:i], v.keys[i+1:]...)
			v.vals = append(v.vals[:i:i], v.vals[i+1:]...)
			return
		}
		jsonDeletePath(v.vals[i], path[1:])
	case jArray:
		n, err := strconv.ParseInt(path[0], 10, 64)
		if err != nil {
			return
		}
		i := jsonArrayIndex(len(v.arr), n)
		if i < 0 {
			return
		}
		if last {
			v.arr = append(v.arr[:i:i], v.arr[i+1:]...)
			return
		}
		jsonDeletePath(v.arr[i], path[1:])
	}
}
