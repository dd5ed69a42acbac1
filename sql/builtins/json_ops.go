package builtins

import (
	"strconv"

	"logdb/sql/pgerror"
	"logdb/sql/types"
	"logdb/sql/types/jsondoc"
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
func jsonGet(v *jsondoc.Value, key types.Datum) *jsondoc.Value {
	switch k := key.(type) {
	case string:
		if v.Kind != jsondoc.Object {
			return nil
		}
		// json (not jsonb) keeps duplicates: the last one wins, as PostgreSQL's json ->
		for i := len(v.Keys) - 1; i >= 0; i-- {
			if v.Keys[i] == k {
				return v.Vals[i]
			}
		}
	case int64:
		if v.Kind != jsondoc.Array {
			return nil
		}
		if i := jsonArrayIndex(len(v.Elems), k); i >= 0 {
			return v.Elems[i]
		}
	}
	return nil
}

// jsonbGet is jsonb's -> : as jsonGet, except that a scalar is an array
// of one element (PostgreSQL stores a top-level scalar so: '7'::jsonb -> 0
// and -> -1 are 7), as jsonb_array_element does.
func jsonbGet(v *jsondoc.Value, key types.Datum) *jsondoc.Value {
	if i, ok := key.(int64); ok && v.Kind != jsondoc.Object && v.Kind != jsondoc.Array {
		if jsonArrayIndex(1, i) == 0 {
			return v
		}
		return nil
	}
	return jsonGet(v, key)
}

func jsonPath(v *jsondoc.Value, path types.Array) *jsondoc.Value {
	for _, p := range path.Elements {
		if v == nil || p == nil {
			return nil
		}
		s := p.(string)
		switch v.Kind {
		case jsondoc.Object:
			v = jsonGet(v, s)
		case jsondoc.Array:
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

func textArrayStrings(a types.Array) []string {
	out := make([]string, 0, len(a.Elements))
	for _, e := range a.Elements {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func jsonHasKey(v *jsondoc.Value, k string) bool {
	switch v.Kind {
	case jsondoc.Object:
		return jsonFind(v, k) >= 0
	case jsondoc.Array:
		for _, e := range v.Elems {
			if e.Kind == jsondoc.String && e.Text == k {
				return true
			}
		}
	case jsondoc.String:
		return v.Text == k
	}
	return false
}

func registerJSONOps() {
	for _, jt := range []types.OID{types.JSONBOID, types.JSONOID} {
		jsonb := jt == types.JSONBOID
		parse := types.JSONDocument
		get := jsonGet
		if jsonb {
			get = jsonbGet
		}
		for _, kt := range []types.OID{types.TextOID, types.Int4OID} {
			binop("->", jt, kt, jt, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
				if v := get(parse(l), r); v != nil {
					return jsonDatum(v, jsonb), nil
				}
				return nil, nil
			})
			binop("->>", jt, kt, types.TextOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
				if v := get(parse(l), r); v != nil {
					return jsonToText(v, jsonb), nil
				}
				return nil, nil
			})
		}
		binop("#>", jt, types.TextArrayOID, jt, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
			if v := jsonPath(parse(l), r.(types.Array)); v != nil {
				return jsonDatum(v, jsonb), nil
			}
			return nil, nil
		})
		binop("#>>", jt, types.TextArrayOID, types.TextOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
			if v := jsonPath(parse(l), r.(types.Array)); v != nil {
				return jsonToText(v, jsonb), nil
			}
			return nil, nil
		})
	}
	jb := types.JSONDocument
	binop("@>", types.JSONBOID, types.JSONBOID, types.BoolOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return jsonContains(jb(l), jb(r), true), nil
	})
	binop("<@", types.JSONBOID, types.JSONBOID, types.BoolOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return jsonContains(jb(r), jb(l), true), nil
	})
	binop("?", types.JSONBOID, types.TextOID, types.BoolOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return jsonHasKey(jb(l), r.(string)), nil
	})
	binop("?|", types.JSONBOID, types.TextArrayOID, types.BoolOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		v := jb(l)
		for _, k := range textArrayStrings(r.(types.Array)) {
			if jsonHasKey(v, k) {
				return true, nil
			}
		}
		return false, nil
	})
	binop("?&", types.JSONBOID, types.TextArrayOID, types.BoolOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		v := jb(l)
		for _, k := range textArrayStrings(r.(types.Array)) {
			if !jsonHasKey(v, k) {
				return false, nil
			}
		}
		return true, nil
	})
	binop("||", types.JSONBOID, types.JSONBOID, types.JSONBOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return jsonConcat(jb(l), jb(r)), nil
	})
	binop("-", types.JSONBOID, types.TextOID, types.JSONBOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return jsonDeleteKeys(jb(l), []string{r.(string)})
	})
	binop("-", types.JSONBOID, types.TextArrayOID, types.JSONBOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return jsonDeleteKeys(jb(l), textArrayStrings(r.(types.Array)))
	})
	binop("-", types.JSONBOID, types.Int4OID, types.JSONBOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		v := jb(l)
		switch v.Kind {
		case jsondoc.Array:
			if i := jsonArrayIndex(len(v.Elems), r.(int64)); i >= 0 {
				v.Elems = append(v.Elems[:i:i], v.Elems[i+1:]...)
			}
			return types.JSONB(v.AppendJSONB(nil)), nil
		case jsondoc.Object:
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot delete from object using integer index")
		}
		return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot delete from scalar")
	})
	binop("#-", types.JSONBOID, types.TextArrayOID, types.JSONBOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		v := jb(l)
		path := textArrayStrings(r.(types.Array))
		if v.Kind != jsondoc.Object && v.Kind != jsondoc.Array {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot delete path in scalar")
		}
		jsonDeletePath(v, path)
		return types.JSONB(v.AppendJSONB(nil)), nil
	})
}

func jsonConcat(a, b *jsondoc.Value) types.Datum {
	switch {
	case a.Kind == jsondoc.Object && b.Kind == jsondoc.Object:
		out := &jsondoc.Value{Kind: jsondoc.Object, Keys: append([]string{}, a.Keys...), Vals: append([]*jsondoc.Value{}, a.Vals...)}
		for i, k := range b.Keys {
			if j := jsonFind(out, k); j >= 0 {
				out.Vals[j] = b.Vals[i]
			} else {
				out.Keys = append(out.Keys, k)
				out.Vals = append(out.Vals, b.Vals[i])
			}
		}
		out.SortKeys()
		return types.JSONB(out.AppendJSONB(nil))
	}
	wrap := func(v *jsondoc.Value) []*jsondoc.Value {
		if v.Kind == jsondoc.Array {
			return v.Elems
		}
		return []*jsondoc.Value{v}
	}
	out := &jsondoc.Value{Kind: jsondoc.Array, Elems: append(append([]*jsondoc.Value{}, wrap(a)...), wrap(b)...)}
	return types.JSONB(out.AppendJSONB(nil))
}

func jsonDeleteKeys(v *jsondoc.Value, keys []string) (types.Datum, error) {
	switch v.Kind {
	case jsondoc.Object:
		for _, k := range keys {
			if i := jsonFind(v, k); i >= 0 {
				v.Keys = append(v.Keys[:i:i], v.Keys[i+1:]...)
				v.Vals = append(v.Vals[:i:i], v.Vals[i+1:]...)
			}
		}
	case jsondoc.Array:
		var keep []*jsondoc.Value
		for _, e := range v.Elems {
			drop := false
			for _, k := range keys {
				if e.Kind == jsondoc.String && e.Text == k {
					drop = true
				}
			}
			if !drop {
				keep = append(keep, e)
			}
		}
		v.Elems = keep
	default:
		return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot delete from scalar")
	}
	return types.JSONB(v.AppendJSONB(nil)), nil
}

func jsonDeletePath(v *jsondoc.Value, path []string) {
	if len(path) == 0 || v == nil {
		return
	}
	last := len(path) == 1
	switch v.Kind {
	case jsondoc.Object:
		i := jsonFind(v, path[0])
		if i < 0 {
			return
		}
		if last {
			v.Keys = append(v.Keys[:i:i], v.Keys[i+1:]...)
			v.Vals = append(v.Vals[:i:i], v.Vals[i+1:]...)
			return
		}
		jsonDeletePath(v.Vals[i], path[1:])
	case jsondoc.Array:
		n, err := strconv.ParseInt(path[0], 10, 64)
		if err != nil {
			return
		}
		i := jsonArrayIndex(len(v.Elems), n)
		if i < 0 {
			return
		}
		if last {
			v.Elems = append(v.Elems[:i:i], v.Elems[i+1:]...)
			return
		}
		jsonDeletePath(v.Elems[i], path[1:])
	}
}

// jsonContains is jsonb @>.
func jsonContains(a, b *jsondoc.Value, top bool) bool {
	if a.Kind != b.Kind {
		if top && a.Kind == jsondoc.Array && b.Kind != jsondoc.Array && b.Kind != jsondoc.Object {
			for _, e := range a.Elems {
				if jsondoc.Compare(e, b) == 0 {
					return true
				}
			}
		}
		return false
	}
	switch a.Kind {
	case jsondoc.Object:
		for i, k := range b.Keys {
			j := jsonFind(a, k)
			if j < 0 {
				return false
			}
			if !jsonContains(a.Vals[j], b.Vals[i], false) {
				return false
			}
		}
		return true
	case jsondoc.Array:
		for _, be := range b.Elems {
			found := false
			for _, ae := range a.Elems {
				if ae.Kind == be.Kind && (ae.Kind == jsondoc.Array || ae.Kind == jsondoc.Object) {
					if jsonContains(ae, be, false) {
						found = true
						break
					}
				} else if jsondoc.Compare(ae, be) == 0 {
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
	return jsondoc.Compare(a, b) == 0
}

func jsonFind(v *jsondoc.Value, key string) int {
	for i, k := range v.Keys {
		if k == key {
			return i
		}
	}
	return -1
}

// toText is what ->> returns: strings unquoted, null as SQL NULL, others as json text.
func jsonToText(v *jsondoc.Value, jsonb bool) types.Datum {
	switch v.Kind {
	case jsondoc.Null:
		return nil
	case jsondoc.String:
		return v.Text
	}
	if !jsonb {
		return v.Raw
	}
	return string(v.AppendJSONB(nil))
}

func jsonDatum(v *jsondoc.Value, jsonb bool) types.Datum {
	if jsonb {
		return types.JSONB(v.AppendJSONB(nil))
	}
	return types.JSON(v.Raw)
}
