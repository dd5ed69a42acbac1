package test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// answerOf runs one statement with the simple protocol and returns its
// rows as text ("a|b" per row, one row a line) or "ERROR <SQLSTATE>".
func answerOf(ctx context.Context, c *pgx.Conn, sql string) string {
	rows, err := c.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return "ERROR " + sqlState(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var vals []string
		for _, v := range rows.RawValues() {
			if v == nil {
				vals = append(vals, "NULL")
			} else {
				vals = append(vals, string(v))
			}
		}
		out = append(out, strings.Join(vals, "|"))
	}
	if err := rows.Err(); err != nil {
		return "ERROR " + sqlState(err)
	}
	return strings.Join(out, "\n")
}

// matchPostgres runs each statement on PostgreSQL (pc) and on logdb (lc),
// in order, and reports every answer or SQLSTATE that differs.
func matchPostgres(t *testing.T, ctx context.Context, pc, lc *pgx.Conn, qs ...string) {
	t.Helper()
	for _, q := range qs {
		want, got := answerOf(ctx, pc, q), answerOf(ctx, lc, q)
		switch {
		case got == want:
		case len(got)+len(want) > 800: // a big result: its size and start
			t.Errorf("%s: logdb and PostgreSQL differ (%d and %d bytes; first 200: %q vs %q)", q, len(got), len(want), got[:min(200, len(got))], want[:min(200, len(want))])
		default:
			t.Errorf("%s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}

// TestWrongAnswersMatchPostgres runs the statements that once gave silent
// wrong answers (issue 14's list) on logdb and on PostgreSQL 15 and
// compares the answers, errors included.
func TestWrongAnswersMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	execOnEach(t, ctx, "CREATE TABLE wa_ts (t timestamptz);\nINSERT INTO wa_ts VALUES ('2024-01-02 03:04:05+00')", pc, lc)
	matchPostgres(t, ctx, pc, lc, []string{
		// 5: numeric ceil and floor look past the first discarded digit
		"SELECT ceil(0.0000001::numeric), ceil(0.001), ceiling(123.0001), floor(-0.001::numeric), floor(-0.0000001), ceil(-0.5::numeric)",
		// 6: an interval's field qualifier: the unit of a bare number, and
		// the fields it keeps
		"SELECT INTERVAL '7' DAY, INTERVAL '2' HOUR, INTERVAL '1' YEAR, INTERVAL '90' MINUTE, INTERVAL '3' MONTH",
		"SELECT INTERVAL '1 day 02:03:04' DAY TO HOUR, '1 year 2 months 3 days'::interval YEAR TO MONTH, '14 months'::interval YEAR",
		"SELECT INTERVAL '1.23456' SECOND(2), INTERVAL '-1.5' SECOND(0), '1 day 02:03:04.5678'::interval(1)",
		"CREATE TABLE wa_iv (a interval day, b interval(2), c interval hour to minute)",
		"INSERT INTO wa_iv VALUES ('1 day 3 hours', '1.23456 seconds', '1 day 02:03:04')",
		"SELECT a, b, c FROM wa_iv",
		"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'wa_iv'::regclass AND attnum > 0 ORDER BY attnum",
		// 7: timestamptz to text, varchar and date in the session's zone
		"SET TIME ZONE 'America/New_York'",
		"SELECT t::text, t::varchar, t::date FROM wa_ts",
		"SELECT '2024-01-02 03:04:05+00'::timestamptz::text, '2024-01-02 03:04:05+00'::timestamptz::date",
		"SET TIME ZONE 'UTC'",
		// 9: an identity column's sequence options
		"CREATE TABLE wa_id (id int GENERATED ALWAYS AS IDENTITY (START WITH 44 INCREMENT BY 2), v text)",
		"INSERT INTO wa_id (v) VALUES ('a'), ('b')",
		"SELECT id, v FROM wa_id ORDER BY id",
		// 17: VARIADIC passes an array's elements as the arguments
		"SELECT concat(VARIADIC array['a','b','c']), jsonb_build_array(VARIADIC array[1,2]), format('%s-%s', VARIADIC array['x','y']), concat_ws('/', VARIADIC array['p','q'])",
		"SELECT concat(VARIADIC NULL::text[]) IS NULL",
		// 19: read-only defaults and modes are enforced, restored by ROLLBACK
		// TO SAVEPOINT, and read-write cannot follow a query
		"CREATE TABLE wa_ro (a int)",
		"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; INSERT INTO wa_ro VALUES (1)",
		"INSERT INTO wa_ro VALUES (2)",
		"CREATE TABLE wa_ro2 (a int)",
		"SET default_transaction_read_only = off",
		"SET default_transaction_read_only = on",
		"DROP TABLE wa_ro",
		"SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
		"BEGIN; SAVEPOINT a; SET TRANSACTION READ ONLY; ROLLBACK TO SAVEPOINT a; SHOW transaction_read_only",
		"COMMIT",
		"BEGIN READ ONLY; SELECT 1; SET TRANSACTION READ WRITE",
		"ROLLBACK",
		"BEGIN READ ONLY; SAVEPOINT a; SET TRANSACTION READ WRITE",
		"ROLLBACK",
		"SELECT count(*) FROM wa_ro",
		// 1–3: JOIN … USING and NATURAL JOIN: the merged column is
		// COALESCE(left, right) in a full join (the right side's in a
		// right join), t.* keeps the join column, and * lists the join
		// columns first
		"CREATE TABLE wa_j1 (name text, a int)",
		"CREATE TABLE wa_j2 (name text, b int)",
		"CREATE TABLE wa_j3 (name text, c int)",
		"INSERT INTO wa_j1 VALUES ('x', 1), ('y', 2)",
		"INSERT INTO wa_j2 VALUES ('y', 20), ('z', 30)",
		"INSERT INTO wa_j3 VALUES ('z', 300), ('w', 400)",
		"SELECT * FROM wa_j1 FULL JOIN wa_j2 USING (name) ORDER BY name",
		"SELECT name, a, b, c FROM wa_j1 FULL JOIN wa_j2 USING (name) FULL JOIN wa_j3 USING (name) ORDER BY name",
		"SELECT * FROM wa_j1 RIGHT JOIN wa_j2 USING (name) ORDER BY name",
		"SELECT wa_j1.name, wa_j2.name, name FROM wa_j1 FULL JOIN wa_j2 USING (name) ORDER BY 1, 2",
		"SELECT wa_j2.*, wa_j1.* FROM wa_j2 LEFT JOIN wa_j1 USING (name) ORDER BY 1",
		"SELECT * FROM wa_j1 JOIN wa_j2 USING (name)",
		"SELECT * FROM wa_j1 NATURAL JOIN wa_j2",
		"SELECT * FROM wa_j1 NATURAL FULL JOIN wa_j2 ORDER BY name",
		"SELECT * FROM wa_j1 NATURAL JOIN wa_j2 NATURAL FULL JOIN wa_j3 ORDER BY name",
		"SELECT * FROM (wa_j1 JOIN wa_j2 USING (name)) AS j",
		"SELECT j.* FROM (wa_j1 FULL JOIN wa_j2 USING (name)) AS j(n, x, y) ORDER BY n",
		"CREATE TABLE wa_a1 (x int, y int)",
		"CREATE TABLE wa_a2 (y int, z int)",
		"CREATE TABLE wa_a3 (y int, x int, z int)",
		"INSERT INTO wa_a1 VALUES (1, 2)",
		"INSERT INTO wa_a2 VALUES (2, 3)",
		"INSERT INTO wa_a3 SELECT * FROM wa_a1 JOIN wa_a2 USING (y)",
		"INSERT INTO wa_a3 SELECT * FROM wa_a1 NATURAL JOIN wa_a2",
		"SELECT * FROM wa_a3",
		"SELECT * FROM wa_a1 JOIN wa_a2 USING (y) WHERE y = 2 AND x = 1",
		"SELECT count(*), y FROM wa_a1 FULL JOIN wa_a2 USING (y) GROUP BY y",
		// 4: a WITH query that reads the outer row runs for each outer row
		"CREATE TABLE wa_o (four int, ten int)",
		"INSERT INTO wa_o VALUES (1, 10), (2, 20), (3, 30)",
		"SELECT o.ten, x.* FROM wa_o o CROSS JOIN LATERAL (WITH x AS (SELECT o.four AS f) SELECT * FROM x) x ORDER BY 1",
		"SELECT o.ten, (WITH x AS (SELECT o.four * 2 AS f) SELECT f FROM x) FROM wa_o o ORDER BY 1",
		"SELECT o.ten, s.* FROM wa_o o, LATERAL (WITH x AS (SELECT o.four AS f), y AS (SELECT f + 1 AS g FROM x) SELECT * FROM y, x) s ORDER BY 1",
		"SELECT o.ten, s.* FROM wa_o o, LATERAL (WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < o.four) SELECT max(n) FROM r) s ORDER BY 1",
		"SELECT o.ten FROM wa_o o WHERE EXISTS (WITH x AS (SELECT o.four AS f) SELECT 1 FROM x WHERE f = 2)",
		// 12: an aggregate that reads the current and outer levels stays here
		"SELECT (SELECT sum(outer_c + x) FROM (VALUES (1)) t0(x)) FROM (VALUES (2), (3)) t1(outer_c) ORDER BY 1",
		"SELECT (SELECT count(*) FROM (VALUES (1)) t0 WHERE outer_c > 0) FROM (VALUES (2), (3)) t1(outer_c)",
		// 15: a volatile select-list expression is evaluated after the
		// sort, for the rows fetched only
		"CREATE SEQUENCE wa_s",
		"CREATE TABLE wa_n (a int, b text)",
		"INSERT INTO wa_n SELECT g, 'v' || g FROM generate_series(1, 100) g",
		"SELECT a, b, nextval('wa_s') FROM wa_n ORDER BY a DESC LIMIT 3",
		"SELECT a, nextval('wa_s') AS n FROM wa_n ORDER BY n LIMIT 2",
		"SELECT a, nextval('wa_s') FROM wa_n WHERE a < 4 ORDER BY a DESC",
		"SELECT a % 3 AS k, count(*), nextval('wa_s') FROM wa_n GROUP BY 1 ORDER BY 1 LIMIT 2",
		"SELECT a, nextval('wa_s') FROM wa_n ORDER BY b LIMIT 2 OFFSET 1",
		"SELECT * FROM (SELECT a, nextval('wa_s') FROM wa_n ORDER BY a LIMIT 2) s",
		"SELECT nextval('wa_s')",
		// generate_series refuses the steps that would never end
		"SELECT * FROM generate_series(1, 10, 0)",
		"SELECT * FROM generate_series(1::int8, 10, 0)",
		"SELECT * FROM generate_series(1::numeric, 10, 0)",
		"SELECT * FROM generate_series(1::numeric, 10, 'NaN')",
		"SELECT * FROM generate_series('NaN'::numeric, 10, 1)",
		"SELECT * FROM generate_series(1::numeric, 'NaN'::numeric)",
		"SELECT * FROM generate_series(1::numeric, 'Infinity', 1)",
		"SELECT * FROM generate_series('-Infinity'::numeric, 1, 1)",
		"SELECT * FROM generate_series(1::numeric, 10, 'Infinity')",
		"SELECT * FROM generate_series(1::numeric, 10, '-Infinity')",
		"SELECT * FROM generate_series(1.5, 3.5, 0.5)",
		"SELECT * FROM generate_series('2020-01-01'::timestamp, '2020-01-02', '0 hours')",
		"SELECT * FROM generate_series('2020-01-01'::timestamptz, '2020-01-02', '0 days')",
		"SELECT generate_series(1, 3, 0)",
		"SELECT * FROM generate_series('2020-01-01'::timestamp, '2020-03-02', '1 month -30 days')",
		"SELECT * FROM generate_series('2020-03-01'::timestamp, '2020-01-02', '-1 month 20 days')",
		"SELECT * FROM generate_series(1.5::float8, 3)",
		// 13: the negation of the most negative integer overflows
		"SELECT -('-9223372036854775808'::int8)",
		"SELECT -(-2147483648::int4)",
		"SELECT -(-32768::int2)",
		"SELECT -(-2147483648)",
	}...)
	// 16: COPY … CSV quotes a lone \. in a single column, so the output
	// reloads
	for _, q := range []string{`COPY (SELECT '\.'::text) TO STDOUT CSV`, `COPY (SELECT '\.'::text, 'x') TO STDOUT CSV`,
		`COPY (SELECT ''::text, NULL::text) TO STDOUT CSV`} {
		var want, got strings.Builder
		if _, err := pc.PgConn().CopyTo(ctx, &want, q); err != nil {
			t.Fatalf("%s on PostgreSQL: %v", q, err)
		}
		if _, err := lc.PgConn().CopyTo(ctx, &got, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got.String() != want.String() {
			t.Errorf("%s\n logdb: %q\n    pg: %q", q, got.String(), want.String())
		}
	}
}

// copyDataMessages sends a COPY … TO STDOUT and returns how many CopyData
// messages the server answered with.
func copyDataMessages(t *testing.T, ctx context.Context, c *pgx.Conn, sql string) int {
	t.Helper()
	pc := c.PgConn()
	pc.Frontend().Send(&pgproto3.Query{String: sql})
	if err := pc.Frontend().Flush(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		msg, err := pc.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			n++
		case *pgproto3.ErrorResponse:
			t.Fatalf("%s: %s", sql, m.Message)
		case *pgproto3.ReadyForQuery:
			return n
		}
	}
}

// TestCopyOneRowPerMessage: COPY … TO STDOUT sends one CopyData per row
// (and one for a header), as PostgreSQL does: psycopg 3 reads COPY output
// row by row.
func TestCopyOneRowPerMessage(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 60*time.Second)
	for _, q := range []string{"COPY (SELECT g, 'x' FROM generate_series(1, 5) g) TO STDOUT",
		"COPY (SELECT g FROM generate_series(1, 3) g) TO STDOUT (FORMAT csv, HEADER)",
		"COPY (SELECT g FROM generate_series(1, 4) g) TO STDOUT (FORMAT binary)"} {
		if got, want := copyDataMessages(t, ctx, lc, q), copyDataMessages(t, ctx, pc, q); got != want {
			t.Errorf("%s: %d CopyData messages, PostgreSQL sends %d", q, got, want)
		}
	}
}
