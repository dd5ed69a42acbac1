package builtins

import (
	"strconv"
	"strings"

	"logdb/sql/pgerror"
	"logdb/sql/types"
	"logdb/sql/types/jsondoc"
)

// regexpMatches is regexp_matches's set: one text[] per match (the first
// only, without the "g" flag), each holding the match's groups, or the
// whole match when the pattern has none. sql/plan plans the set-returning
// function over this, which returns the rows as an array of arrays (a
// value only the planner's SRF reads: the name is set-returning
// everywhere SQL can call it).
func regexpMatches(s, pattern, flags string) (types.Datum, error) {
	rx, err := compileRegex(pattern, flags)
	if err != nil {
		return nil, err
	}
	n := 1
	if strings.Contains(flags, "g") {
		n = 0
	}
	textArr := tt(types.TextArrayOID)
	out := types.Array{Elem: textArr, Elements: []types.Datum{}}
	for _, m := range regexMatchesFrom(rx, s, 1, n) {
		row := types.Array{Elem: tt(types.TextOID)}
		if len(m) == 2 {
			row.Elements = []types.Datum{s[m[0]:m[1]]}
		}
		for g := 1; 2*g < len(m); g++ {
			if m[2*g] < 0 {
				row.Elements = append(row.Elements, nil)
			} else {
				row.Elements = append(row.Elements, s[m[2*g]:m[2*g+1]])
			}
		}
		out.Elements = append(out.Elements, row)
	}
	return out, nil
}

// jsonInsert is jsonb_insert: add nv at path, before (or, with after,
// after) the array element the path names, or as a new key of an object
// (an existing key is an error). Level is the path position (from 0).
func jsonInsert(v *jsondoc.Value, path []types.Datum, level int, nv *jsondoc.Value, after bool) error {
	if level >= len(path) {
		return nil
	}
	if path[level] == nil {
		return pgerror.New(pgerror.NullValueNotAllowed, "path element at position %d is null", level+1)
	}
	key := path[level].(string)
	last := level == len(path)-1
	switch v.Kind {
	case jsondoc.Object:
		i := jsonFind(v, key)
		if i < 0 {
			if last {
				v.Keys = append(v.Keys, key)
				v.Vals = append(v.Vals, nv)
				v.SortKeys()
			}
			return nil
		}
		if last {
			return &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: "cannot replace existing key",
				Hint: "Try using the function jsonb_set to replace key value."}
		}
		return jsonInsert(v.Vals[i], path, level+1, nv, after)
	case jsondoc.Array:
		n, err := strconv.ParseInt(strings.TrimSpace(key), 10, 32)
		if err != nil {
			return pgerror.New(pgerror.InvalidTextRepresentation, "path element at position %d is not an integer: \"%s\"", level+1, key)
		}
		cnt := int64(len(v.Elems))
		prepend := false
		if n < 0 {
			if -n > cnt {
				prepend = true
			} else {
				n += cnt
			}
		}
		if n > cnt {
			n = cnt
		}
		if !last {
			if prepend || n >= cnt {
				return nil
			}
			return jsonInsert(v.Elems[n], path, level+1, nv, after)
		}
		at := int(n)
		switch {
		case prepend || cnt == 0:
			at = 0
		case n < cnt && after:
			at++
		}
		elems := make([]*jsondoc.Value, 0, len(v.Elems)+1)
		elems = append(elems, v.Elems[:at]...)
		elems = append(elems, nv)
		v.Elems = append(elems, v.Elems[at:]...)
	}
	return nil
}

func registerSetFuncSupport() {
	T := types.TextOID
	matches := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		flags := ""
		if len(a) > 2 {
			flags = str(a[2])
		}
		return regexpMatches(str(a[0]), str(a[1]), flags)
	}
	def("regexp_matches", types.TextArrayOID, oids(T, T), matches)
	def("regexp_matches", types.TextArrayOID, oids(T, T, T), matches)

	J := types.JSONBOID
	insert := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		v := types.JSONDocument(a[0])
		if v.Kind != jsondoc.Object && v.Kind != jsondoc.Array {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot set path in scalar")
		}
		after := len(a) > 3 && a[3].(bool)
		if err := jsonInsert(v, a[1].(types.Array).Elements, 0, types.JSONDocument(a[2]), after); err != nil {
			return nil, err
		}
		return types.JSONB(v.AppendJSONB(nil)), nil
	}
	def("jsonb_insert", J, oids(J, types.TextArrayOID, J), insert)
	def("jsonb_insert", J, oids(J, types.TextArrayOID, J, types.BoolOID), insert)
}
