package builtins

import (
	"testing"

	"logdb/sql/types"
)

// Expected values and errors were produced by PostgreSQL 15.18 (TimeZone UTC).
var opCases = []struct {
	l       arg
	op      string
	r       arg
	want    string
	wantTyp string
	wantErr string
}{
	{a("int", "1"), "+", a("int", "2"), "3", "integer", ""},
	{a("int", "2147483647"), "+", a("int", "1"), "", "", "22003 integer out of range"},
	{a("int", "7"), "/", a("int", "2"), "3", "integer", ""},
	{a("int", "-7"), "/", a("int", "2"), "-3", "integer", ""},
	{a("int", "-7"), "%", a("int", "3"), "-1", "integer", ""},
	{a("int", "1"), "/", a("int", "0"), "", "", "22012 division by zero"},
	{a("int2", "32767"), "+", a("int2", "1"), "", "", "22003 smallint out of range"},
	{a("int8", "9223372036854775807"), "*", a("int8", "2"), "", "", "22003 bigint out of range"},
	{a("int", "5"), "+", a("int8", "3"), "8", "bigint", ""},
	{a("int2", "5"), "*", a("int", "3"), "15", "integer", ""},
	{a("int", "1"), "+", a("numeric", "2.5"), "3.5", "numeric", ""},
	{a("int", "1"), "+", a("float8", "2.5"), "3.5", "double precision", ""},
	{a("float4", "1.5"), "+", a("numeric", "1"), "2.5", "double precision", ""},
	{a("float8", "1"), "/", a("float8", "3"), "0.3333333333333333", "double precision", ""},
	{a("float8", "1"), "/", a("float8", "0"), "", "", "22012 division by zero"},
	{a("float8", "1e308"), "*", a("float8", "10"), "", "", "22003 value out of range: overflow"},
	{a("numeric", "1"), "/", a("numeric", "3"), "0.33333333333333333333", "numeric", ""},
	{a("numeric", "10"), "/", a("numeric", "4"), "2.5000000000000000", "numeric", ""},
	{a("numeric", "1"), "/", a("numeric", "7e10"), "0.0000000000142857142857142857", "numeric", ""},
	{a("numeric", "123456789"), "/", a("numeric", "7"), "17636684.142857142857", "numeric", ""},
	{a("numeric", "2"), "/", a("numeric", "3"), "0.66666666666666666667", "numeric", ""},
	{a("numeric", "1.50"), "*", a("numeric", "2.25"), "3.3750", "numeric", ""},
	{a("numeric", "1.5"), "+", a("numeric", "2.25"), "3.75", "numeric", ""},
	{a("numeric", "-7.5"), "%", a("numeric", "2"), "-1.5", "numeric", ""},
	{a("numeric", "1"), "/", a("numeric", "0"), "", "", "22012 division by zero"},
	{a("numeric", "2"), "^", a("numeric", "10"), "1024.0000000000000000", "numeric", ""},
	{a("numeric", "2"), "^", a("numeric", "0.5"), "1.4142135623730950", "numeric", ""},
	{a("numeric", "1.5"), "^", a("numeric", "3"), "3.3750000000000000", "numeric", ""},
	{a("int", "2"), "^", a("int", "10"), "1024", "double precision", ""},
	{a("float8", "2"), "^", a("float8", "-1"), "0.5", "double precision", ""},
	{a("numeric", "100"), "/", a("numeric", "0.003"), "33333.333333333333", "numeric", ""},
	{a("int", "3"), "=", a("numeric", "3.0"), "t", "boolean", ""},
	{a("int", "3"), "<", a("float8", "3.5"), "t", "boolean", ""},
	{a("text", "abc"), "<", a("text", "abd"), "t", "boolean", ""},
	{a("text", "B"), "<", a("text", "a"), "t", "boolean", ""},
	{a("bpchar", "a"), "=", a("text", "a"), "t", "boolean", ""},
	{a("text", "a "), "=", a("bpchar", "a"), "f", "boolean", ""},
	{a("varchar", "abc"), "=", a("text", "abc"), "t", "boolean", ""},
	{a("text", "a"), "||", a("text", "b"), "ab", "text", ""},
	{a("text", "a"), "||", a("int", "1"), "a1", "text", ""},
	{a("int", "1"), "||", a("text", "a"), "1a", "text", ""},
	{a("bytea", "\\x01"), "||", a("bytea", "\\x02"), "\\x0102", "bytea", ""},
	{a("text", "hello"), "~~", a("text", "h%o"), "t", "boolean", ""},
	{a("text", "hello"), "~~", a("text", "h_llo"), "t", "boolean", ""},
	{a("text", "hello"), "~~", a("text", "H%"), "f", "boolean", ""},
	{a("text", "hello"), "~~*", a("text", "H%"), "t", "boolean", ""},
	{a("text", "50%"), "~~", a("text", "50\\%"), "t", "boolean", ""},
	{a("text", "a_b"), "!~~", a("text", "a\\_b"), "f", "boolean", ""},
	{a("text", "foobar"), "~", a("text", "^fo+b"), "t", "boolean", ""},
	{a("text", "FOO"), "~*", a("text", "foo"), "t", "boolean", ""},
	{a("text", "foo"), "!~", a("text", "bar"), "t", "boolean", ""},
	{a("date", "2024-01-31"), "+", a("int", "1"), "2024-02-01", "date", ""},
	{a("date", "2024-03-01"), "-", a("date", "2024-01-01"), "60", "integer", ""},
	{a("date", "2024-01-31"), "+", a("interval", "1 month"), "2024-02-29 00:00:00", "timestamp without time zone", ""},
	{a("timestamp", "2024-01-31 10:00"), "+", a("interval", "1 month"), "2024-02-29 10:00:00", "timestamp without time zone", ""},
	{a("timestamp", "2024-03-31"), "-", a("interval", "1 month"), "2024-02-29 00:00:00", "timestamp without time zone", ""},
	{a("timestamptz", "2024-01-02 03:04:05+00"), "+", a("interval", "1 day 2 hours"), "2024-01-03 05:04:05+00", "timestamp with time zone", ""},
	{a("timestamp", "2024-01-03"), "-", a("timestamp", "2024-01-01 12:00"), "1 day 12:00:00", "interval", ""},
	{a("timestamptz", "2024-01-03 00:00+00"), "-", a("timestamptz", "2024-01-01 12:30+00"), "1 day 11:30:00", "interval", ""},
	{a("interval", "1 day"), "+", a("interval", "2 hours"), "1 day 02:00:00", "interval", ""},
	{a("interval", "1 day 2 hours"), "*", a("float8", "2.5"), "2 days 17:00:00", "interval", ""},
	{a("interval", "1 mon"), "/", a("float8", "4"), "7 days 12:00:00", "interval", ""},
	{a("interval", "1 mon"), "=", a("interval", "30 days"), "t", "boolean", ""},
	{a("date", "2024-01-01"), "<", a("timestamp", "2024-01-01 00:00:01"), "t", "boolean", ""},
	{a("timestamp", "2024-01-01"), "=", a("timestamptz", "2024-01-01 00:00+00"), "t", "boolean", ""},
	{a("date", "2024-01-01"), "+", a("time", "10:30"), "2024-01-01 10:30:00", "timestamp without time zone", ""},
	{a("time", "10:00"), "-", a("time", "08:30"), "01:30:00", "interval", ""},
	{a("jsonb", "{\"a\": {\"b\": [1, 2, 3]}}"), "->", a("text", "a"), "{\"b\": [1, 2, 3]}", "jsonb", ""},
	{a("jsonb", "{\"a\": {\"b\": [1, 2, 3]}}"), "->>", a("text", "a"), "{\"b\": [1, 2, 3]}", "text", ""},
	{a("jsonb", "[1, 2, 3]"), "->", a("int", "-1"), "3", "jsonb", ""},
	{a("jsonb", "[1, \"x\", 3]"), "->>", a("int", "1"), "x", "text", ""},
	{a("jsonb", "{\"a\": {\"b\": [1, 2, 3]}}"), "#>", a("text[]", "{a,b,2}"), "3", "jsonb", ""},
	{a("jsonb", "{\"a\": {\"b\": [1, 2, 3]}}"), "#>>", a("text[]", "{a,b}"), "[1, 2, 3]", "text", ""},
	{a("jsonb", "{\"a\": 1, \"b\": {\"c\": 2}}"), "@>", a("jsonb", "{\"b\": {\"c\": 2}}"), "t", "boolean", ""},
	{a("jsonb", "[1, 2, [3, 4]]"), "@>", a("jsonb", "[[3]]"), "t", "boolean", ""},
	{a("jsonb", "[1, 2]"), "@>", a("jsonb", "1"), "t", "boolean", ""},
	{a("jsonb", "{\"a\": 1}"), "<@", a("jsonb", "{\"a\": 1, \"b\": 2}"), "t", "boolean", ""},
	{a("jsonb", "{\"a\": 1, \"b\": 2}"), "?", a("text", "b"), "t", "boolean", ""},
	{a("jsonb", "[\"a\", \"b\"]"), "?", a("text", "a"), "t", "boolean", ""},
	{a("jsonb", "{\"a\": 1, \"b\": 2}"), "?|", a("text[]", "{x,b}"), "t", "boolean", ""},
	{a("jsonb", "{\"a\": 1, \"b\": 2}"), "?&", a("text[]", "{a,x}"), "f", "boolean", ""},
	{a("jsonb", "{\"a\": 1}"), "||", a("jsonb", "{\"b\": 2, \"a\": 3}"), "{\"a\": 3, \"b\": 2}", "jsonb", ""},
	{a("jsonb", "[1]"), "||", a("jsonb", "2"), "[1, 2]", "jsonb", ""},
	{a("jsonb", "{\"a\": 1, \"b\": 2}"), "-", a("text", "a"), "{\"b\": 2}", "jsonb", ""},
	{a("jsonb", "[1, 2, 3]"), "-", a("int", "0"), "[2, 3]", "jsonb", ""},
	{a("jsonb", "{\"a\": {\"b\": 1, \"c\": 2}}"), "#-", a("text[]", "{a,b}"), "{\"a\": {\"c\": 2}}", "jsonb", ""},
	{a("jsonb", "{\"a\": 1.0}"), "=", a("jsonb", "{\"a\": 1}"), "t", "boolean", ""},
	{a("json", "{\"a\": [1,  2]}"), "->", a("text", "a"), "[1,  2]", "json", ""},
	{a("json", "{\"a\": \"x\"}"), "->>", a("text", "a"), "x", "text", ""},
	{a("int[]", "{1,2,3}"), "@>", a("int[]", "{3,1}"), "t", "boolean", ""},
	{a("int[]", "{1,2}"), "<@", a("int[]", "{1,2,3}"), "t", "boolean", ""},
	{a("int[]", "{1,2}"), "&&", a("int[]", "{2,5}"), "t", "boolean", ""},
	{a("int[]", "{1,2}"), "||", a("int[]", "{3}"), "{1,2,3}", "integer[]", ""},
	{a("int[]", "{1,2}"), "||", a("int", "3"), "{1,2,3}", "integer[]", ""},
	{a("int", "0"), "||", a("int[]", "{1,2}"), "{0,1,2}", "integer[]", ""},
	{a("int[]", "{1,2}"), "<", a("int[]", "{1,3}"), "t", "boolean", ""},
	{a("int[]", "{1,2}"), "=", a("int[]", "{1,2}"), "t", "boolean", ""},
	{a("pg_lsn", "16/B374D848"), "-", a("pg_lsn", "16/B0000000"), "57989192", "numeric", ""},
	{a("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), "<", a("uuid", "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), "t", "boolean", ""},
	{a("bool", "true"), ">", a("bool", "false"), "t", "boolean", ""},
	{a("bytea", "\\x01"), "<", a("bytea", "\\x0101"), "t", "boolean", ""},
	{a("int", "5"), "&", a("int", "3"), "1", "integer", ""},
	{a("int", "1"), "<<", a("int", "4"), "16", "integer", ""},
	{a("numeric", "NaN"), ">", a("numeric", "1e100"), "t", "boolean", ""},
	{a("float8", "NaN"), ">", a("float8", "Infinity"), "t", "boolean", ""},
	{a("varchar", "abc"), "=", a("varchar", "abc"), "t", "boolean", ""},
	{a("varchar", "abc"), "||", a("varchar", "def"), "abcdef", "text", ""},
	{a("name", "abc"), "=", a("text", "abc"), "t", "boolean", ""},
	{a("oid", "5"), "=", a("int", "5"), "t", "boolean", ""},
	{a("regclass", "1259"), "=", a("oid", "1259"), "t", "boolean", ""},
	{a("int2", "5"), "+", a("int8", "3"), "8", "bigint", ""},
	{a("date", "2024-03-31"), "-", a("interval", "1 month"), "2024-02-29 00:00:00", "timestamp without time zone", ""},
	{a("text", "ab"), "<", a("varchar", "b"), "t", "boolean", ""},
	{a("bpchar", "a  "), "=", a("bpchar", "a"), "t", "boolean", ""},
	{a("int", "5"), "=", a("text", "5"), "", "", "42883 operator does not exist: integer = text"},
	{a("text", "x"), "~~", a("text", "\\"), "", "", "22025 LIKE pattern must not end with escape character"},
	{a("jsonb", "{\"a\": [1, 2]}"), "->", a("text", "a"), "[1, 2]", "jsonb", ""},
	{a("float4", "0.1"), "+", a("float4", "0.2"), "0.3", "real", ""},
	{a("float4", "1"), "/", a("float4", "3"), "0.33333334", "real", ""},
	{a("int", "-2147483648"), "/", a("int", "-1"), "", "", "22003 integer out of range"},
	{a("int8", "-9223372036854775808"), "%", a("int8", "-1"), "0", "bigint", ""},
	{a("numeric", "9.99"), "*", a("int", "2"), "19.98", "numeric", ""},
	{a("interval", "-1 day"), "<", a("interval", "1 hour"), "t", "boolean", ""},
	{a("timestamptz", "2024-01-02 03:04:05+00"), "<", a("date", "2024-01-03"), "t", "boolean", ""},
	{a("text", "abc"), "~", a("text", "("), "", "", "2201B invalid regular expression: parentheses () not balanced"},
	{a("bool", "true"), "=", a("bool", "true"), "t", "boolean", ""},
	{a("text", "Hello World"), "~", a("text", "\\mWorld\\M"), "t", "boolean", ""},
	{a("text", "abc"), "~", a("text", "[[:alpha:]]+"), "t", "boolean", ""},
	{a("text", "a"), "||", a("bool", "true"), "atrue", "text", ""},
}

func TestOperators(t *testing.T) {
	ctx := testCtx()
	for _, c := range opCases {
		got, typ, err := callOp(t, ctx, c.l, c.op, c.r)
		name := c.l.typ + " " + c.l.val + " " + c.op + " " + c.r.typ + " " + c.r.val
		if c.wantErr != "" {
			if errString(err) != c.wantErr {
				t.Errorf("%s: got (%q, %v), want error %q", name, got, errString(err), c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, errString(err))
			continue
		}
		if got != c.want || types.FormatType(typ) != c.wantTyp {
			t.Errorf("%s: got %q %s, want %q %s", name, got, types.FormatType(typ), c.want, c.wantTyp)
		}
	}
}
