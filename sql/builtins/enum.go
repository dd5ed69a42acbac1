package builtins

import (
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// The enum support functions: enum_first, enum_last and enum_range read
// only their argument's type (a NULL of the type is the usual argument),
// so they are not strict.
func init() {
	nonStrict := func(name string, ret types.OID, n int, fn func(ts []types.T, a []types.Datum) (types.Datum, error)) {
		f := &types.Func{Name: name, Ret: tt(ret), TypedFn: func(_ *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
			return fn(ts, a)
		}}
		for i := 0; i < n; i++ {
			f.Args = append(f.Args, tt(types.AnyEnumOID))
		}
		types.RegisterFunc(f)
	}
	nonStrict("enum_first", types.AnyEnumOID, 1, func(ts []types.T, _ []types.Datum) (types.Datum, error) {
		vals, err := enumValues(ts[0])
		if err != nil || len(vals) == 0 {
			return nil, err
		}
		return vals[0], nil
	})
	nonStrict("enum_last", types.AnyEnumOID, 1, func(ts []types.T, _ []types.Datum) (types.Datum, error) {
		vals, err := enumValues(ts[0])
		if err != nil || len(vals) == 0 {
			return nil, err
		}
		return vals[len(vals)-1], nil
	})
	nonStrict("enum_range", types.AnyArrayOID, 1, func(ts []types.T, _ []types.Datum) (types.Datum, error) {
		vals, err := enumValues(ts[0])
		if err != nil {
			return nil, err
		}
		return types.Array{Elem: types.T{OID: ts[0].OID, Mod: -1}, Elements: vals}, nil
	})
	nonStrict("enum_range", types.AnyArrayOID, 2, func(ts []types.T, a []types.Datum) (types.Datum, error) {
		vals, err := enumValues(ts[0])
		if err != nil {
			return nil, err
		}
		out := []types.Datum{}
		for _, v := range vals {
			e := v.(types.Enum)
			if a[0] != nil && e.Sort < a[0].(types.Enum).Sort || a[1] != nil && e.Sort > a[1].(types.Enum).Sort {
				continue
			}
			out = append(out, v)
		}
		return types.Array{Elem: types.T{OID: ts[0].OID, Mod: -1}, Elements: out}, nil
	})
}

func enumValues(t types.T) ([]types.Datum, error) {
	if !types.IsEnum(t.OID) {
		return nil, pgerror.New("42809", "could not determine actual enum type")
	}
	return types.EnumValues(t.OID), nil
}

// Composite values (CREATE TYPE … AS (…)) compare field by field, as
// record's btree operators do; an anonymous ROW(…) compares through the
// planner's row comparison instead.
func init() {
	for _, op := range []struct {
		name string
		ok   func(int) bool
	}{{"=", func(c int) bool { return c == 0 }}, {"<>", func(c int) bool { return c != 0 }},
		{"<", func(c int) bool { return c < 0 }}, {">", func(c int) bool { return c > 0 }},
		{"<=", func(c int) bool { return c <= 0 }}, {">=", func(c int) bool { return c >= 0 }}} {
		ok := op.ok
		typedBinop(op.name, types.RecordOID, types.RecordOID, types.BoolOID, func(_ *types.EvalContext, lt, _ types.T, a, b types.Datum) (types.Datum, error) {
			return ok(types.Compare(lt, a, b)), nil
		})
	}
}
