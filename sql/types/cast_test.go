package types

import (
	"testing"
	"time"

	"logdb/sql/pgerror"
)

// Explicit casts, expected values from PostgreSQL 15.18 (TimeZone UTC).
var castCases = []struct {
	from, val, to string
	want, wantErr string
}{
	{"text", "abcd", "varchar(3)", "abc", ""},
	{"text", "  12  ", "int", "12", ""},
	{"numeric", "2.5", "int", "3", ""},
	{"numeric", "-2.5", "int", "-3", ""},
	{"numeric", "3.5", "int2", "4", ""},
	{"float8", "2.5", "int", "2", ""},
	{"float8", "3.5", "int", "4", ""},
	{"float8", "1e10", "int", "", "22003 integer out of range"},
	{"int8", "3000000000", "int", "", "22003 integer out of range"},
	{"float8", "0.1", "numeric", "0.1", ""},
	{"float4", "0.1", "numeric", "0.1", ""},
	{"float8", "1e20", "numeric", "100000000000000000000", ""},
	{"float8", "1.5e-7", "numeric", "0.00000015", ""},
	{"numeric", "1.23456789012345678", "float8", "1.2345678901234567", ""},
	{"int", "1", "bool", "t", ""},
	{"int", "0", "bool", "f", ""},
	{"bool", "true", "int", "1", ""},
	{"bool", "true", "text", "true", ""},
	{"bool", "false", "varchar", "false", ""},
	{"float8", "1.5", "text", "1.5", ""},
	{"float4", "0.1", "float8", "0.10000000149011612", ""},
	{"timestamptz", "2024-01-02 03:04:05+00", "date", "2024-01-02", ""},
	{"timestamptz", "2024-01-02 03:04:05+00", "timestamp", "2024-01-02 03:04:05", ""},
	{"timestamp", "2024-01-02 03:04:05", "timestamptz", "2024-01-02 03:04:05+00", ""},
	{"date", "2024-01-02", "timestamptz", "2024-01-02 00:00:00+00", ""},
	{"timestamp", "2024-01-02 03:04:05.678", "time", "03:04:05.678", ""},
	{"time", "01:02:03", "interval", "01:02:03", ""},
	{"interval", "1 day 01:02:03", "time", "01:02:03", ""},
	{"json", "{\"b\":1, \"a\":2}", "jsonb", "{\"a\": 2, \"b\": 1}", ""},
	{"jsonb", "{\"a\": 1}", "json", "{\"a\": 1}", ""},
	{"jsonb", "1.5", "numeric", "1.5", ""},
	{"jsonb", "true", "bool", "t", ""},
	{"jsonb", "\"x\"", "int", "", "22023 cannot cast jsonb string to type integer"},
	{"jsonb", "1.5", "int", "2", ""},
	{"int[]", "{1,2}", "text[]", "{1,2}", ""},
	{"text[]", "{1,2}", "int[]", "{1,2}", ""},
	{"numeric", "123.456", "numeric(5,2)", "123.46", ""},
	{"numeric", "1234.5", "numeric(5,2)", "", "22003 numeric field overflow"},
	{"text", "a", "char(3)", "a  ", ""},
	{"char(3)", "a", "text", "a", ""},
	{"char(3)", "a", "varchar", "a", ""},
	{"varchar", "a b  ", "char(2)", "a ", ""},
	{"text", "abc", "name", "abc", ""},
	{"int", "65", "\"char\"", "A", ""},
	{"text", "abc", "\"char\"", "a", ""},
	{"int8", "-1", "oid", "", "22003 OID out of range"},
	{"int", "-1", "oid", "4294967295", ""},
	{"oid", "4294967295", "int8", "4294967295", ""},
	{"oid", "4294967295", "int", "-1", ""},
	{"text", "2024-01-02", "date", "2024-01-02", ""},
	{"text", "1 day", "interval", "1 day", ""},
	{"text", "{a,b}", "text[]", "{a,b}", ""},
	{"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "text", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ""},
	{"text", "16/0", "pg_lsn", "16/0", ""},
	{"bytea", "\\x6869", "text", "\\x6869", ""},
	{"text", "hi", "bytea", "\\x6869", ""},
	{"numeric", "NaN", "int", "", "0A000 cannot convert NaN to integer"},
	{"float8", "NaN", "int", "", "22003 integer out of range"},
	{"float8", "1e40", "float4", "", "22003 value out of range: overflow"},
	{"interval", "1 day", "text", "1 day", ""},
	{"timestamptz", "2024-01-02 03:04:05.5+00", "text", "2024-01-02 03:04:05.5+00", ""},
}

func TestCasts(t *testing.T) {
	ctx := testCtx()
	for _, c := range castCases {
		from, to := mustType(t, c.from), mustType(t, c.to)
		d := mustParse(t, from, c.val)
		if _, ok := CastContextOf(from.OID, to.OID); !ok {
			t.Errorf("%s → %s: no cast", c.from, c.to)
		}
		got, err := Cast(ctx, d, from, to, CastExplicit)
		name := c.from + " " + c.val + " → " + c.to
		if c.wantErr != "" {
			if err == nil {
				t.Errorf("%s: got %q, want error %q", name, TextString(to, got), c.wantErr)
			} else if e := pgerror.As(err); e.Code+" "+e.Message != c.wantErr {
				t.Errorf("%s: got error %q, want %q", name, e.Code+" "+e.Message, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if s := TextString(to, got); s != c.want {
			t.Errorf("%s: got %q, want %q", name, s, c.want)
		}
	}
}

func TestCastTypmodContexts(t *testing.T) {
	ctx := testCtx()
	vc3 := mustType(t, "varchar(3)")
	if _, err := Cast(ctx, "abcd", tt(TextOID), vc3, CastAssignment); errString(err) != "22001 value too long for type character varying(3)" {
		t.Errorf("assignment: %v", errString(err))
	}
	if v, err := Cast(ctx, "abc  ", tt(TextOID), vc3, CastAssignment); err != nil || v != "abc" {
		t.Errorf("trailing spaces: %q %v", v, err)
	}
	c2 := mustType(t, "char(2)")
	if _, err := Cast(ctx, "abc", tt(TextOID), c2, CastImplicit); errString(err) != "22001 value too long for type character(2)" {
		t.Errorf("char(2): %v", errString(err))
	}
	if v, _ := Cast(ctx, nil, tt(TextOID), vc3, CastAssignment); v != nil {
		t.Errorf("NULL cast: %v", v)
	}
	// timestamp ↔ timestamptz use the session zone
	ny, _ := LoadLocation("America/New_York")
	ctx.Location = ny
	ts := mustParse(t, tt(TimestampOID), "2024-07-01 12:00")
	tz, err := Cast(ctx, ts, tt(TimestampOID), tt(TimestamptzOID), CastImplicit)
	if err != nil || !tz.(time.Time).Equal(time.Date(2024, 7, 1, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("timestamp → timestamptz in New York: %v %v", tz, err)
	}
	back, _ := Cast(ctx, tz, tt(TimestamptzOID), tt(TimestampOID), CastAssignment)
	if TextString(tt(TimestampOID), back) != "2024-07-01 12:00:00" {
		t.Errorf("back: %s", TextString(tt(TimestampOID), back))
	}
	if s, _ := Cast(ctx, tz, tt(TimestamptzOID), tt(TextOID), CastAssignment); s != "2024-07-01 12:00:00-04" {
		t.Errorf("timestamptz::text in New York: %q", s)
	}
}

func TestCastContexts(t *testing.T) {
	for _, c := range []struct {
		from, to OID
		want     CastContext
		ok       bool
	}{
		{Int4OID, Int8OID, CastImplicit, true},
		{Int8OID, Int4OID, CastAssignment, true},
		{Int4OID, NumericOID, CastImplicit, true},
		{NumericOID, Float8OID, CastImplicit, true},
		{Float8OID, NumericOID, CastAssignment, true},
		{Int4OID, BoolOID, CastExplicit, true},
		{Int8OID, BoolOID, 0, false},
		{Int4OID, TextOID, CastAssignment, true},
		{TextOID, Int4OID, CastExplicit, true},
		{VarcharOID, TextOID, CastImplicit, true},
		{DateOID, TimestamptzOID, CastImplicit, true},
		{TimestamptzOID, DateOID, CastAssignment, true},
		{JSONOID, JSONBOID, CastAssignment, true},
		{UnknownOID, DateOID, CastImplicit, true},
		{Int4ArrayOID, Int8ArrayOID, CastImplicit, true},
		{UUIDOID, Int4OID, 0, false},
		{BoolOID, DateOID, 0, false},
	} {
		got, ok := CastContextOf(c.from, c.to)
		if ok != c.ok || got != c.want {
			t.Errorf("CastContextOf(%s, %s) = %c %v, want %c %v", typeName(c.from), typeName(c.to), got, ok, c.want, c.ok)
		}
	}
}

// Result types of COALESCE as pg_typeof reported them on PostgreSQL 15.
func TestCommonType(t *testing.T) {
	for _, c := range []struct {
		in   []OID
		want string
	}{
		{[]OID{VarcharOID, TextOID}, "character varying"},
		{[]OID{TextOID, VarcharOID}, "text"},
		{[]OID{Int4OID, NumericOID}, "numeric"},
		{[]OID{Float4OID, NumericOID}, "real"},
		{[]OID{BpcharOID, VarcharOID}, "bpchar"},
		{[]OID{DateOID, TimestamptzOID}, "timestamp with time zone"},
		{[]OID{TimestampOID, TimestamptzOID}, "timestamp with time zone"},
		{[]OID{OidOID, Int8OID}, "oid"},
		{[]OID{UnknownOID, UnknownOID}, "text"},
		{[]OID{UnknownOID, Int4OID}, "integer"},
		{[]OID{Int2OID, Int4OID, Int8OID}, "bigint"},
		{[]OID{Int4OID, Float8OID}, "double precision"},
	} {
		ts := make([]T, len(c.in))
		for i, o := range c.in {
			ts[i] = tt(o)
		}
		got, err := CommonType(ts)
		if err != nil || FormatType(got) != c.want {
			t.Errorf("CommonType%v = %s %v, want %s", c.in, FormatType(got), err, c.want)
		}
	}
	_, err := CommonTypeFor("CASE", []T{tt(Int4OID), tt(TextOID)})
	if errString(err) != "42804 CASE types integer and text cannot be matched" {
		t.Errorf("mismatch: %v", errString(err))
	}
	v3, v5 := mustType(t, "varchar(3)"), mustType(t, "varchar(5)")
	if got, _ := CommonType([]T{v3, v3}); got != v3 {
		t.Errorf("typmod kept: %v", got)
	}
	if got, _ := CommonType([]T{v3, v5}); got.Mod != -1 {
		t.Errorf("typmod dropped: %v", got)
	}
}

func TestAppendJSON(t *testing.T) {
	for _, c := range []struct{ typ, val, want string }{
		{"int", "42", "42"},
		{"text", "a\"b\n", `"a\"b\n"`},
		{"timestamptz", "2024-01-02 03:04:05.123456+00", `"2024-01-02T03:04:05.123456+00:00"`},
		{"timestamp", "2024-01-02 03:04:05", `"2024-01-02T03:04:05"`},
		{"bytea", `\x0102`, `"\\x0102"`},
		{"jsonb", `{"b": 1, "a": [1, 2]}`, `{"a": [1, 2], "b": 1}`},
		{"numeric", "1.50", "1.50"},
		{"float8", "NaN", `"NaN"`},
		{"bool", "t", "true"},
		{"int[]", "{1,NULL}", "[1, null]"},
		{"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`},
	} {
		typ := mustType(t, c.typ)
		if got := string(AppendJSON(nil, typ, mustParse(t, typ, c.val))); got != c.want {
			t.Errorf("%s %q: got %s, want %s", c.typ, c.val, got, c.want)
		}
	}
	if got := string(AppendJSON(nil, tt(TextOID), nil)); got != "null" {
		t.Errorf("NULL: %s", got)
	}
}
