package types

import "testing"

// Parameter texts the common drivers send (node-postgres, psycopg, pgx simple protocol).
func TestClientParameterFormats(t *testing.T) {
	for _, c := range []struct{ typ, in, out string }{
		{"timestamptz", "2024-01-02T03:04:05.123+00:00", "2024-01-02 03:04:05.123+00"},
		{"timestamptz", "2024-01-02T03:04:05.123-05:00", "2024-01-02 08:04:05.123+00"},
		{"timestamptz", "2024-01-02 03:04:05.123456+00:00", "2024-01-02 03:04:05.123456+00"},
		{"timestamptz", "2024-01-02 03:04:05.123456Z", "2024-01-02 03:04:05.123456+00"},
		{"timestamp", "2024-01-02T03:04:05.123", "2024-01-02 03:04:05.123"},
		{"date", "2024-01-02", "2024-01-02"},
		{"time", "03:04:05.123456", "03:04:05.123456"},
		{"int[]", `{"1","2"}`, "{1,2}"},
		{"text[]", `{"a\"b","c\\d"}`, `{"a\"b","c\\d"}`},
		{"bool", "true", "t"},
		{"bytea", `\xdeadbeef`, `\xdeadbeef`},
		{"interval", "1 day 02:03:04.5", "1 day 02:03:04.5"},
		{"interval", "3600 seconds", "01:00:00"},
		{"interval", "P0D", "00:00:00"},
		{"numeric", "-0.000123", "-0.000123"},
		{"uuid", "550e8400-e29b-41d4-a716-446655440000", "550e8400-e29b-41d4-a716-446655440000"},
		{"jsonb", `{"k":"v","n":[1,2.0]}`, `{"k": "v", "n": [1, 2.0]}`},
		// zone names and abbreviations, checked against PostgreSQL 15
		{"timestamptz", "2024-01-02 03:04:05 PDT", "2024-01-02 10:04:05+00"},
		{"timestamptz", "2024-01-02 03:04:05 CEST", "2024-01-02 01:04:05+00"},
		{"timestamptz", "2024-01-02 03:04:05 IST", "2024-01-02 01:04:05+00"},
		{"timestamptz", "2024-07-02 03:04:05 america/new_york", "2024-07-02 07:04:05+00"},
	} {
		typ := mustType(t, c.typ)
		d, err := ParseText(typ, c.in)
		if err != nil {
			t.Errorf("%s %q: %v", c.typ, c.in, err)
			continue
		}
		if got := TextString(typ, d); got != c.out {
			t.Errorf("%s %q: got %q, want %q", c.typ, c.in, got, c.out)
		}
	}
}
