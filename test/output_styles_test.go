package test

import (
	"strings"
	"testing"
	"time"
)

// TestIntervalTypmodsAndStylesMatchPostgres reads intervals through their
// type modifiers (interval(2), second(2), DAY TO SECOND(3), column
// typmods applied on insert and shown by format_type) and prints them in
// each IntervalStyle, comparing with PostgreSQL 15.
func TestIntervalTypmodsAndStylesMatchPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	pc := mustStartPostgres(t).connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	matchPostgres(t, ctx, pc, lc,
		"SELECT interval '1.23456 sec'::interval(2), '1 day 2 hours 3.4567 s'::interval second(2), INTERVAL '1 2:03:04.5678' DAY TO SECOND(3)",
		"SELECT '1 2:03:04'::interval, '-1 2:03'::interval, '1 -2:03'::interval, INTERVAL '3 4:05' DAY TO MINUTE, '1 2:03:04 ago'::interval, '1 2:03:04'::interval(1)",
		"SELECT INTERVAL '7' DAY, INTERVAL '1-2' YEAR TO MONTH, INTERVAL '2 3:04' DAY TO HOUR, '-1-2'::interval, '1-2 3 4:05:06'::interval, '+1-2'::interval",
		"SELECT interval(-1) '1 s'",
		"SELECT INTERVAL '1 2' DAY TO HOUR, INTERVAL '-1 2' DAY TO HOUR, INTERVAL '1 2' HOUR",
		"SELECT INTERVAL '1 2' HOUR TO MINUTE",
		"SELECT INTERVAL '1 2 3' DAY TO HOUR",
		"CREATE TABLE ivt (a interval(2), b interval day to second(1), c interval minute, d interval year to month)",
		"INSERT INTO ivt VALUES ('1.2345 s', '1 day 2.345 s', '3 h 4 min 5 s', '1 year 2 mons 3 days')",
		"SELECT * FROM ivt",
		"SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'ivt'::regclass AND attnum > 0 ORDER BY attnum",
		"CREATE TABLE ivs (i interval)",
		"INSERT INTO ivs VALUES ('1 year 2 mons 3 days 04:05:06.789'), ('-1 year -2 mons +3 days -04:05:06'), ('0'), ('-00:00:01.5'), ('1 day'), ('-1 day'), ('3 mons'), ('-3 mons'), ('01:00:00'), ('-1 year'), ('1 day -00:00:01'), ('00:00:00.000001'), ('1 min'), ('-1 sec'), ('1 sec'), ('2 years -1 mons'), ('100 hours'), ('-100:30:00')",
		"SELECT i FROM ivs",
		"SET IntervalStyle = postgres_verbose",
		"SELECT i, i::text, ARRAY[i], concat(i) FROM ivs",
		"SET IntervalStyle = sql_standard",
		"SELECT i, i::text, ARRAY[i] FROM ivs",
		"SET IntervalStyle = 'ISO_8601'",
		"SELECT i, i::text, ARRAY[i] FROM ivs",
		"SHOW IntervalStyle",
		"SET IntervalStyle = nonesuch",
		"RESET IntervalStyle",
		"SELECT i FROM ivs",
	)
	// psql's \d shows the column typmods (through format_type)
	if out := psql(t, n, `\d ivt`); !strings.Contains(out, "b|interval day to second(1)|") || !strings.Contains(out, "a|interval(2)|") {
		t.Errorf("\\d ivt: %q", out)
	}
}

// TestByteaOutputEscape prints bytea in the escape format once
// bytea_output says so (wire output, casts to text, arrays), as
// PostgreSQL 15 does.
func TestByteaOutputEscape(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgres(t, ctx, pc, lc,
		"SET bytea_output = escape",
		`SELECT '\x00015c41fffe7f20'::bytea, 'abc \\ x'::bytea, ARRAY['\x01'::bytea, 'a b'], ''::bytea, '\x00015c41fffe'::bytea::text`,
		`SELECT b, b::text, b::varchar, concat(b, '|'), format('%s', b), length(b) FROM (VALUES ('\x68656c6c6f0a'::bytea), ('\xe282ac'), (NULL)) v(b)`,
		"SHOW bytea_output",
		"SET bytea_output = nonesuch",
		"SET bytea_output = 'HEX'",
		`SELECT '\x0001'::bytea`,
	)
	// psql shows the escape form as it arrives
	n := mustStartNode(t, t.TempDir())
	if out := psql(t, n, `SET bytea_output = escape; SELECT '\x41005c'::bytea`); out != "SET\n"+`A\000\\` {
		t.Errorf("psql: %q", out)
	}
}
