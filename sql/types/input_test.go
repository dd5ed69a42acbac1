package types

import (
	"testing"
	"time"

	"logdb/sql/pgerror"
)

// Input edge cases: the text PostgreSQL 15.18 printed for 'input'::type::text
// (TimeZone UTC), or the error it raised. Relative inputs ('today') are read
// against testCtx's pinned transaction time, 2024-03-15 10:11:12 UTC.
var inputCases = []struct {
	typ, in, want, wantErr string
}{
	{"float8", "1.7976931348623157e308", "1.7976931348623157e+308", ""},
	{"float8", "5e-324", "5e-324", ""},
	{"float8", "123.456", "123.456", ""},
	{"float8", "-1.5e-10", "-1.5e-10", ""},
	{"float8", "100", "100", ""},
	{"float8", "1e-4", "0.0001", ""},
	{"float8", "12345678901234", "12345678901234", ""},
	{"float8", "0.1e1", "1", ""},
	{"float4", "3.4028235e38", "3.4028235e+38", ""},
	{"float4", "1.17549435e-38", "1.1754944e-38", ""},
	{"float4", "16777217", "1.6777216e+07", ""},
	{"float4", "0.3", "0.3", ""},
	{"numeric", ".5", "0.5", ""},
	{"numeric", "5.", "5", ""},
	{"numeric", "+1.5", "1.5", ""},
	{"numeric", "1E+3", "1000", ""},
	{"numeric", "-0.0001e2", "-0.01", ""},
	{"numeric", "000123.4500", "123.4500", ""},
	{"numeric", "1e-20", "0.00000000000000000001", ""},
	{"bool", "TRUE", "true", ""},
	{"bool", "y", "true", ""},
	{"bool", "no", "false", ""},
	{"bool", "1", "true", ""},
	{"bool", "on", "true", ""},
	{"bool", "of", "false", ""},
	{"int", "+5", "5", ""},
	{"int", "-0", "0", ""},
	{"int", "1.5", "", "22P02 invalid input syntax for type integer: \"1.5\""},
	{"int", "", "", "22P02 invalid input syntax for type integer: \"\""},
	{"int2", "-32769", "", "22003 value \"-32769\" is out of range for type smallint"},
	{"int8", "9223372036854775808", "", "22003 value \"9223372036854775808\" is out of range for type bigint"},
	{"date", "2024-02-30", "", "22008 date/time field value out of range: \"2024-02-30\""},
	{"date", "99999-01-01", "99999-01-01", ""},
	{"date", "1999-01-08", "1999-01-08", ""},
	{"date", "January 8, 1999", "1999-01-08", ""},
	{"date", "1/8/1999", "1999-01-08", ""},
	{"date", "08-Jan-1999", "1999-01-08", ""},
	{"date", "19990108", "1999-01-08", ""},
	{"date", "990108", "1999-01-08", ""},
	{"date", "1999.008", "1999-01-08", ""},
	{"date", "J2451187", "1999-01-08", ""},
	{"date", "Jan-08-1999", "1999-01-08", ""},
	{"date", "today", "2024-03-15", ""},
	{"date", "tomorrow", "2024-03-16", ""},
	{"date", "yesterday", "2024-03-14", ""},
	{"date", "now", "2024-03-15", ""},
	{"timestamp", "today", "2024-03-15 00:00:00", ""},
	{"timestamp", "now", "2024-03-15 10:11:12", ""},
	{"timestamptz", "tomorrow", "2024-03-16 00:00:00+00", ""},
	{"timestamptz", "now", "2024-03-15 10:11:12+00", ""},
	{"time", "now", "10:11:12", ""},
	{"date", "2024-01-02T10:00:00Z", "2024-01-02", ""},
	{"timestamp", "2024-01-02 24:00:00", "2024-01-03 00:00:00", ""},
	{"timestamp", "2024-01-02 25:00:00", "", "22008 date/time field value out of range: \"2024-01-02 25:00:00\""},
	{"timestamp", "2024-01-02 03:04:05.1234567", "2024-01-02 03:04:05.123457", ""},
	{"timestamp", "2024-01-02 03:04:05.9999995", "2024-01-02 03:04:06", ""},
	{"timestamp", "2024-01-02 03:04:05+05", "2024-01-02 03:04:05", ""},
	{"timestamp", "2024-01-02T03:04", "2024-01-02 03:04:00", ""},
	{"timestamp", "Jan 2 2024 10:00 PM", "2024-01-02 22:00:00", ""},
	{"timestamp", "2024-01-02 10:00 am", "2024-01-02 10:00:00", ""},
	{"timestamptz", "2024-01-02 03:04:05 America/New_York", "2024-01-02 08:04:05+00", ""},
	{"timestamptz", "2024-01-02 03:04:05 EST", "2024-01-02 08:04:05+00", ""},
	{"timestamptz", "2024-01-02 03:04:05-0800", "2024-01-02 11:04:05+00", ""},
	{"timestamptz", "2024-01-02 03:04:05 +8", "2024-01-01 19:04:05+00", ""},
	{"timestamptz", "2024-01-02 03:04:05.5 UTC", "2024-01-02 03:04:05.5+00", ""},
	{"timestamptz", "2024-07-01 00:00 Europe/Paris", "2024-06-30 22:00:00+00", ""},
	{"timestamptz", "0001-01-01 00:00:00+00 BC", "0001-01-01 00:00:00+00 BC", ""},
	{"timestamp", "10000-01-01", "10000-01-01 00:00:00", ""},
	{"time", "24:00", "24:00:00", ""},
	{"time", "23:59:60", "24:00:00", ""},
	{"time", "10:00 PM", "22:00:00", ""},
	{"time", "1:2:3", "01:02:03", ""},
	{"time", "10:00:00+02", "10:00:00", ""},
	{"interval", "1 second", "00:00:01", ""},
	{"interval", "-1.5 seconds", "-00:00:01.5", ""},
	{"interval", "0.000001 seconds", "00:00:00.000001", ""},
	{"interval", "1 day ago", "-1 days", ""},
	{"interval", "-1 day 02:03:04", "-1 days +02:03:04", ""},
	{"interval", "1 mon -1 day", "1 mon -1 days", ""},
	{"interval", "12 months", "1 year", ""},
	{"interval", "25 hours", "25:00:00", ""},
	{"interval", "1:30", "01:30:00", ""},
	{"interval", "1:30:30.5", "01:30:30.5", ""},
	{"interval", "-00:00:00.5", "-00:00:00.5", ""},
	{"interval", "1 millisecond", "00:00:00.001", ""},
	{"interval", "3 decades", "30 years", ""},
	{"interval", "1 century 5 years", "105 years", ""},
	{"interval", "P1W", "7 days", ""},
	{"interval", "PT1.5S", "00:00:01.5", ""},
	{"interval", "P1Y-2M", "10 mons", ""},
	{"interval", "1 week 2 days", "9 days", ""},
	{"interval", "1.5 months", "1 mon 15 days", ""},
	{"interval", "1.5 years", "1 year 6 mons", ""},
	{"interval", "-1.5 days", "-1 days -12:00:00", ""},
	{"interval", "2 h 3 m", "02:03:00", ""},
	{"interval", "1d", "1 day", ""},
	{"interval", "1 day 1 day", "", "22007 invalid input syntax for type interval: \"1 day 1 day\""},
	{"uuid", "a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ""},
	{"uuid", "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ""},
	{"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "", "22P02 invalid input syntax for type uuid: \"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1\""},
	{"text[]", "{ a , \"b\" ,c d }", "{a,b,\"c d\"}", ""},
	{"text[]", "{\"\",\"\"}", "{\"\",\"\"}", ""},
	{"text[]", "{null,NULL,\"null\"}", "{NULL,NULL,\"null\"}", ""},
	{"text[]", "{\\\\,\\\"}", "{\"\\\\\",\"\\\"\"}", ""},
	{"text[]", "{a,{b}}", "", "22P02 malformed array literal: \"{a,{b}}\""},
	{"text[]", "{a b}", "{\"a b\"}", ""},
	{"int[]", "{1,,2}", "", "22P02 malformed array literal: \"{1,,2}\""},
	{"int[]", "[1:2]={1,2}", "{1,2}", ""},
	{"int[]", "{1,2}x", "", "22P02 malformed array literal: \"{1,2}x\""},
	{"varchar[]", "{abc,\"x,y\"}", "{abc,\"x,y\"}", ""},
	{"bytea", "\\\\", "\\x5c", ""},
	{"bytea", "\\x", "\\x", ""},
	{"bytea", "\\x 01 02", "\\x0102", ""},
	{"bytea", "\\x0", "", "22023 invalid hexadecimal data: odd number of digits"},
	{"bytea", "a\\b", "", "22P02 invalid input syntax for type bytea"},
	{"jsonb", "{\"a\":{\"b\":{\"c\":[]}}}", "{\"a\": {\"b\": {\"c\": []}}}", ""},
	{"jsonb", "\"\\u0041\\u00e9\\ud83d\\ude00\"", "\"Aé😀\"", ""},
	{"jsonb", "\"\\u0000\"", "", "22P05 unsupported Unicode escape sequence"},
	{"jsonb", "[1,]", "", "22P02 invalid input syntax for type json"},
	{"jsonb", "{\"a\"}", "", "22P02 invalid input syntax for type json"},
	{"jsonb", "01", "", "22P02 invalid input syntax for type json"},
	{"jsonb", "1.", "", "22P02 invalid input syntax for type json"},
	{"jsonb", "-", "", "22P02 invalid input syntax for type json"},
	{"jsonb", "1e5", "100000", ""},
	{"jsonb", "12E-3", "0.012", ""},
	{"jsonb", "{\"aaa\":1,\"b\":2,\"cc\":3}", "{\"b\": 2, \"cc\": 3, \"aaa\": 1}", ""},
	{"jsonb", "  [ true , false , null ]  ", "[true, false, null]", ""},
	{"json", "[1,2", "", "22P02 invalid input syntax for type json"},
	{"json", "{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}", ""},
	{"pg_lsn", "0/0", "0/0", ""},
	{"pg_lsn", "FFFFFFFF/FFFFFFFF", "FFFFFFFF/FFFFFFFF", ""},
	{"pg_lsn", "1/", "", "22P02 invalid input syntax for type pg_lsn: \"1/\""},
	{"name", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""},
	{"oid", "4294967296", "", "22003 value \"4294967296\" is out of range for type oid"},
	{"oid", "-2147483649", "", "22003 value \"-2147483649\" is out of range for type oid"},
}

func TestInputEdgeCases(t *testing.T) {
	ctx := testCtx()
	for _, c := range inputCases {
		typ := mustType(t, c.typ)
		d, err := ParseTextCtx(ctx, typ, c.in)
		var got string
		if err == nil {
			var s Datum
			s, err = Cast(ctx, d, typ, tt(TextOID), CastExplicit)
			if err == nil {
				got, _ = s.(string)
			}
		}
		if c.wantErr != "" {
			if err == nil {
				t.Errorf("%s %q: got %q, want error %q", c.typ, c.in, got, c.wantErr)
			} else if e := pgerror.As(err); e.Code+" "+e.Message != c.wantErr {
				t.Errorf("%s %q: got error %q, want %q", c.typ, c.in, e.Code+" "+e.Message, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", c.typ, c.in, err)
		} else if got != c.want {
			t.Errorf("%s %q: got %q, want %q", c.typ, c.in, got, c.want)
		}
	}
}

// 'today' and friends are the transaction's day in the session's zone, not
// the machine's and not the wall clock's: at 2024-03-15 22:30 UTC it is
// already the 16th in Kolkata and still the 15th in Los Angeles.
func TestRelativeInputUsesTransactionTimeAndZone(t *testing.T) {
	txn := time.Date(2024, 3, 15, 22, 30, 0, 0, time.UTC)
	for _, c := range []struct{ zone, typ, in, want string }{
		{"Asia/Kolkata", "date", "today", "2024-03-16"},
		{"Asia/Kolkata", "date", "yesterday", "2024-03-15"},
		{"America/Los_Angeles", "date", "today", "2024-03-15"},
		{"America/Los_Angeles", "date", "tomorrow", "2024-03-16"},
		{"Asia/Kolkata", "timestamptz", "today", "2024-03-16 00:00:00+05:30"},
		{"America/Los_Angeles", "timestamp", "now", "2024-03-15 15:30:00"},
		{"Asia/Kolkata", "time", "now", "04:00:00"},
	} {
		loc, err := LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		ctx := &EvalContext{TxnTime: txn, StmtTime: txn, Location: loc}
		typ := mustType(t, c.typ)
		d, err := ParseTextCtx(ctx, typ, c.in)
		if err != nil {
			t.Fatalf("%s %s %q: %v", c.zone, c.typ, c.in, err)
		}
		if got := string(AppendTextLoc(nil, typ, d, loc)); got != c.want {
			t.Errorf("%s %s %q: got %q, want %q", c.zone, c.typ, c.in, got, c.want)
		}
	}
}
