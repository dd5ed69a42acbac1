package types

import (
	"testing"
	"time"
)

// Outputs below were produced by PostgreSQL 15.18 (DateStyle ISO, MDY;
// IntervalStyle postgres; TimeZone UTC; extra_float_digits 1).
func TestTextRoundTrip(t *testing.T) {
	for _, c := range []struct{ typ, in, out string }{
		{"int", " 12 ", "12"},
		{"int8", "-9223372036854775808", "-9223372036854775808"},
		{"float8", "1e14", "100000000000000"},
		{"float8", "1e15", "1e+15"},
		{"float8", "0.0001", "0.0001"},
		{"float8", "0.00001", "1e-05"},
		{"float8", "1.5e-7", "1.5e-07"},
		{"float8", "inf", "Infinity"},
		{"float8", "-inf", "-Infinity"},
		{"float8", "nan", "NaN"},
		{"float8", "0.3333333333333333", "0.3333333333333333"},
		{"float8", "-0", "-0"},
		{"float8", "123456789012345678", "1.2345678901234568e+17"},
		{"float8", "1e22", "1e+22"},
		{"float4", "123456.789", "123456.79"},
		{"float4", "1e6", "1e+06"},
		{"float4", "1e5", "100000"},
		{"float4", "0.1", "0.1"},
		{"numeric", "1.50", "1.50"},
		{"numeric", "1e10", "10000000000"},
		{"numeric", "1e-10", "0.0000000001"},
		{"numeric", "NaN", "NaN"},
		{"numeric", "-Infinity", "-Infinity"},
		{"numeric", " -0.0 ", "0.0"},
		{"numeric(10,2)", "3.14159", "3.14"},
		{"numeric(10,2)", "2.675", "2.68"},
		{"bool", "yes", "t"},
		{"bool", "OFF", "f"},
		{"bool", " t ", "t"},
		{"interval", "1 year 2 mons 3 days 04:05:06.789", "1 year 2 mons 3 days 04:05:06.789"},
		{"interval", "-1 days", "-1 days"},
		{"interval", "0", "00:00:00"},
		{"interval", "-1 hour", "-01:00:00"},
		{"interval", "1 day -1 hour", "1 day -01:00:00"},
		{"interval", "-1 year -2 mons +3 days", "-1 years -2 mons +3 days"},
		{"interval", "100 hours", "100:00:00"},
		{"interval", "P1Y2M3DT4H5M6S", "1 year 2 mons 3 days 04:05:06"},
		{"interval", "1.5 days", "1 day 12:00:00"},
		{"interval", "1 mon 1.5 weeks", "1 mon 10 days 12:00:00"},
		{"interval", "@ 1 day ago", "-1 days"},
		{"timestamptz", "2024-01-02 03:04:05.123456+00", "2024-01-02 03:04:05.123456+00"},
		{"timestamptz", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05+00"},
		{"timestamptz", "2024-01-02 08:34:05+05:30", "2024-01-02 03:04:05+00"},
		{"timestamp", "2024-01-02", "2024-01-02 00:00:00"},
		{"timestamp", "2024-01-02 03:04:05.1", "2024-01-02 03:04:05.1"},
		{"timestamp", "epoch", "1970-01-01 00:00:00"},
		{"timestamp", "infinity", "infinity"},
		{"timestamp(3)", "2024-01-02 03:04:05.123456", "2024-01-02 03:04:05.123"},
		{"date", "0001-01-01 BC", "0001-01-01 BC"},
		{"date", "infinity", "infinity"},
		{"date", "20240102", "2024-01-02"},
		{"date", "Jan 2 2024", "2024-01-02"},
		{"date", "1/2/2024", "2024-01-02"},
		{"date", "2024-01-02 10:00", "2024-01-02"},
		{"time", "04:05:06.789", "04:05:06.789"},
		{"text[]", `{a,b,"c d",NULL,"","NULL","x\"y","a\\b","{}"}`, `{a,b,"c d",NULL,"","NULL","x\"y","a\\b","{}"}`},
		{"numeric[]", "{1.50,2}", "{1.50,2}"},
		{"bool[]", "{true,false}", "{t,f}"},
		{"int[]", "{ 1 , 2,3}", "{1,2,3}"},
		{"int[]", "{}", "{}"},
		{"bytea", `\x0102ff`, `\x0102ff`},
		{"bytea", `abc\\def`, `\x6162635c646566`},
		{"bytea", `\001abc`, `\x01616263`},
		{"jsonb", `{"b":1,"a":[1,2,{"y":1.50,"x":null}],"aa":"x\u00e9\n"}`, `{"a": [1, 2, {"x": null, "y": 1.50}], "b": 1, "aa": "xé\n"}`},
		{"jsonb", `{"a":1,"a":2}`, `{"a": 2}`},
		{"jsonb", `[1e2, 1.0E+2, -0, 0.000001]`, `[100, 100, 0, 0.000001]`},
		{"json", `  {"a" : 1 } `, `  {"a" : 1 } `},
		{"uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"uuid", "{a0eebc999c0b4ef8bb6d6bb9bd380a11}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"pg_lsn", "16/B374D848", "16/B374D848"},
		{"varchar(3)", "ab ", "ab "},
		{"varchar(3)", "abc   ", "abc"},
		{"char(3)", "a", "a  "},
		{"char", "a", "a"},
		{"oid", "-1", "4294967295"},
		{"regtype", "integer", "integer"},
		{"regtype", "varchar", "character varying"},
		{"name", "abc", "abc"},
	} {
		typ := mustType(t, c.typ)
		d, err := ParseText(typ, c.in)
		if err != nil {
			t.Errorf("ParseText(%s, %q): %v", c.typ, c.in, err)
			continue
		}
		if got := string(AppendText(nil, typ, d)); got != c.out {
			t.Errorf("%s %q: got %q, want %q", c.typ, c.in, got, c.out)
		}
	}
}

func TestTimestamptzZones(t *testing.T) {
	ts := mustParse(t, mustType(t, "timestamptz"), "2024-01-02 03:04:05+00")
	for zone, want := range map[string]string{
		"Asia/Kolkata":     "2024-01-02 08:34:05+05:30",
		"America/St_Johns": "2024-01-01 23:34:05-03:30",
		"UTC":              "2024-01-02 03:04:05+00",
	} {
		loc, err := LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(AppendTextLoc(nil, tt(TimestamptzOID), ts, loc)); got != want {
			t.Errorf("%s: got %q, want %q", zone, got, want)
		}
	}
	loc, _ := LoadLocation("America/New_York")
	d, err := ParseTextCtx(&EvalContext{Location: loc}, tt(TimestamptzOID), "2024-07-01 12:00")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.(time.Time).Format(time.RFC3339); got != "2024-07-01T16:00:00Z" {
		t.Errorf("timestamptz read in session zone: got %s", got)
	}
}

func TestInputErrors(t *testing.T) {
	for _, c := range []struct{ typ, in, want string }{
		{"int", "abc", `22P02 invalid input syntax for type integer: "abc"`},
		{"int", "99999999999", `22003 value "99999999999" is out of range for type integer`},
		{"int2", "x", `22P02 invalid input syntax for type smallint: "x"`},
		{"float8", "x", `22P02 invalid input syntax for type double precision: "x"`},
		{"float8", "1e400", `22003 "1e400" is out of range for type double precision`},
		{"numeric", "x", `22P02 invalid input syntax for type numeric: "x"`},
		{"numeric(4,2)", "123.456", `22003 numeric field overflow (A field with precision 4, scale 2 must round to an absolute value less than 10^2.)`},
		{"bool", "x", `22P02 invalid input syntax for type boolean: "x"`},
		{"date", "x", `22007 invalid input syntax for type date: "x"`},
		{"date", "2024-13-01", `22008 date/time field value out of range: "2024-13-01"`},
		{"timestamp", "x", `22007 invalid input syntax for type timestamp: "x"`},
		{"uuid", "x", `22P02 invalid input syntax for type uuid: "x"`},
		{"interval", "x", `22007 invalid input syntax for type interval: "x"`},
		{"int[]", "{", `22P02 malformed array literal: "{" (Unexpected end of input.)`},
		{"jsonb", "x", `22P02 invalid input syntax for type json (Token "x" is invalid.)`},
		{"varchar(3)", "abcd", `22001 value too long for type character varying(3)`},
		{"bytea", `\xzz`, `22P02 invalid hexadecimal digit: "z"`},
		{"pg_lsn", "x", `22P02 invalid input syntax for type pg_lsn: "x"`},
		{"oid", "x", `22P02 invalid input syntax for type oid: "x"`},
	} {
		_, err := ParseText(mustType(t, c.typ), c.in)
		if got := errString(err); got != c.want {
			t.Errorf("%s %q: got %q, want %q", c.typ, c.in, got, c.want)
		}
	}
}

func TestTypeNames(t *testing.T) {
	for _, c := range []struct {
		name string
		mods []int32
		dims int
		want string
		oid  OID
	}{
		{"int", nil, 0, "integer", Int4OID},
		{"integer", nil, 0, "integer", Int4OID},
		{"serial", nil, 0, "integer", Int4OID},
		{"bigint", nil, 0, "bigint", Int8OID},
		{"smallint", nil, 0, "smallint", Int2OID},
		{"real", nil, 0, "real", Float4OID},
		{"double precision", nil, 0, "double precision", Float8OID},
		{"float", nil, 0, "double precision", Float8OID},
		{"decimal", []int32{10, 2}, 0, "numeric(10,2)", NumericOID},
		{"numeric", nil, 0, "numeric", NumericOID},
		{"bool", nil, 0, "boolean", BoolOID},
		{"varchar", []int32{20}, 0, "character varying(20)", VarcharOID},
		{"character varying", nil, 0, "character varying", VarcharOID},
		{"char", nil, 0, "character(1)", BpcharOID},
		{"character", []int32{5}, 0, "character(5)", BpcharOID},
		{"bpchar", nil, 0, "bpchar", BpcharOID},
		{`"char"`, nil, 0, `"char"`, CharOID},
		{"timestamp", nil, 0, "timestamp without time zone", TimestampOID},
		{"timestamp", []int32{3}, 0, "timestamp(3) without time zone", TimestampOID},
		{"timestamptz", nil, 0, "timestamp with time zone", TimestamptzOID},
		{"timestamp with time zone", nil, 0, "timestamp with time zone", TimestamptzOID},
		{"time", nil, 0, "time without time zone", TimeOID},
		{"text", nil, 1, "text[]", TextArrayOID},
		{"varchar", []int32{20}, 1, "character varying(20)[]", VarcharArrayOID},
		{"numeric", []int32{10, 2}, 1, "numeric(10,2)[]", NumericArrayOID},
		{"_int4", nil, 0, "integer[]", Int4ArrayOID},
		{"jsonb", nil, 0, "jsonb", JSONBOID},
		{"regclass", nil, 0, "regclass", RegclassOID},
		{"pg_lsn", nil, 0, "pg_lsn", PgLSNOID},
	} {
		typ, err := TypeFromName(c.name, c.mods, c.dims)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if typ.OID != c.oid || FormatType(typ) != c.want {
			t.Errorf("%s%v[%d]: got %d %q, want %d %q", c.name, c.mods, c.dims, typ.OID, FormatType(typ), c.oid, c.want)
		}
	}
	_, err := TypeFromName("foo", nil, 0)
	if got := errString(err); got != `42704 type "foo" does not exist` {
		t.Errorf("unknown type: %s", got)
	}
	if i, ok := InfoOf(Int4ArrayOID); !ok || i.Name != "_int4" || i.Elem != Int4OID || i.Category != 'A' {
		t.Errorf("InfoOf(_int4) = %+v", i)
	}
	if len(AllTypes()) < 50 {
		t.Errorf("AllTypes has %d entries", len(AllTypes()))
	}
	if got := FormatType(T{OID: BpcharOID, Mod: -1}); got != "bpchar" {
		t.Errorf("format_type(1042,-1) = %q", got)
	}
}

func TestVectors(t *testing.T) {
	for _, oid := range []OID{Int2VectorOID, OidVectorOID} {
		typ := tt(oid)
		d := mustParse(t, typ, "1 2  3")
		if got := TextString(typ, d); got != "1 2 3" {
			t.Errorf("%s: %q", typeName(oid), got)
		}
		b, err := AppendBinary(nil, typ, d)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeBinary(typ, b)
		if err != nil || TextString(typ, back) != "1 2 3" {
			t.Errorf("%s binary: %v %v", typeName(oid), back, err)
		}
	}
}
