package builtins

import (
	"testing"

	"logdb/sql/types"
)

// Result types as pg_typeof reported them on PostgreSQL 15.
func TestResolution(t *testing.T) {
	for _, c := range []struct {
		name string
		args []types.OID
		want string
	}{
		{"abs", []types.OID{types.Int4OID}, "integer"},
		{"round", []types.OID{types.NumericOID}, "numeric"},
		{"round", []types.OID{types.Float8OID}, "double precision"},
		{"round", []types.OID{types.Int4OID}, "double precision"},
		{"length", []types.OID{types.UnknownOID}, "integer"},
		{"length", []types.OID{types.VarcharOID}, "integer"},
		{"lower", []types.OID{types.UnknownOID}, "text"},
		{"concat", []types.OID{types.UnknownOID, types.Int4OID}, "text"},
		{"array_append", []types.OID{types.Int4ArrayOID, types.UnknownOID}, "integer[]"},
		{"array_length", []types.OID{types.TextArrayOID, types.Int4OID}, "integer"},
		{"pg_typeof", []types.OID{types.UnknownOID}, "regtype"},
		{"to_jsonb", []types.OID{types.Int4OID}, "jsonb"},
		{"date_trunc", []types.OID{types.UnknownOID, types.TimestamptzOID}, "timestamp with time zone"},
		{"date_trunc", []types.OID{types.UnknownOID, types.DateOID}, "timestamp with time zone"},
		{"date_part", []types.OID{types.UnknownOID, types.DateOID}, "double precision"},
		{"sqrt", []types.OID{types.Int4OID}, "double precision"},
		{"mod", []types.OID{types.Int8OID, types.Int4OID}, "bigint"},
		{"coalesce_missing", nil, ""},
	} {
		ts := make([]types.T, len(c.args))
		for i, o := range c.args {
			ts[i] = tt(o)
		}
		f, err := types.LookupFunc(c.name, ts)
		if c.want == "" {
			if errString(err) != "42883 function coalesce_missing() does not exist" {
				t.Errorf("missing function: %v", errString(err))
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%v: %v", c.name, c.args, err)
			continue
		}
		if got := types.FormatType(f.Ret); got != c.want {
			t.Errorf("%s%v returns %s, want %s", c.name, c.args, got, c.want)
		}
	}
	_, err := types.LookupFunc("foo", []types.T{tt(types.Int4OID)})
	if errString(err) != "42883 function foo(integer) does not exist" {
		t.Errorf("foo(integer): %v", errString(err))
	}
	_, err = types.LookupBinaryOp("+", tt(types.Int4OID), tt(types.TextOID))
	if errString(err) != "42883 operator does not exist: integer + text" {
		t.Errorf("integer + text: %v", errString(err))
	}
	op, err := types.LookupUnaryOp("-", tt(types.Int2OID))
	if err != nil || types.FormatType(op.Ret) != "smallint" {
		t.Errorf("-int2: %v %v", op, err)
	}
	if r, err := op.Fn(nil, nil, int64(-32768)); errString(err) != "22003 smallint out of range" {
		t.Errorf("-(-32768::int2) = %v %v", r, err)
	}
}

func TestRegistrySanity(t *testing.T) {
	names := types.FuncNames()
	if len(names) < 130 {
		t.Errorf("only %d functions registered", len(names))
	}
	volatile := map[string]bool{"random": true, "clock_timestamp": true, "timeofday": true, "gen_random_uuid": true, "uuid_generate_v4": true}
	for _, n := range names {
		for _, f := range types.Overloads(n) {
			if f.Fn == nil && f.TypedFn == nil {
				t.Errorf("%s has no body", n)
			}
			if f.Volatile != volatile[n] {
				t.Errorf("%s: Volatile = %v", n, f.Volatile)
			}
		}
	}
}
