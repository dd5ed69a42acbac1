package test

import (
	"testing"
	"time"
)

// TestSearchCycleNullsAggLevelsMatchPostgres covers issue 14's items 11,
// 12 and 14 — once refused with 0A000, now answered as PostgreSQL 15
// answers: WITH RECURSIVE's SEARCH and CYCLE clauses, an aggregate that
// belongs to an outer query because it reads only that query's columns,
// and UNIQUE NULLS NOT DISTINCT.
func TestSearchCycleNullsAggLevelsMatchPostgres(t *testing.T) {
	matchPostgresOnSharedNode(t, 120*time.Second, []string{
		// 11: SEARCH and CYCLE
		"CREATE TABLE sc_graph (f int, t int, label text)",
		"INSERT INTO sc_graph VALUES (1,2,'a'),(1,3,'b'),(2,3,'c'),(1,4,'d'),(4,5,'e'),(5,1,'f'),(3,1,'g')",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n < 3) SEARCH DEPTH FIRST BY n SET seq SELECT * FROM r",
		"WITH RECURSIVE r(n, m) AS (SELECT 1, 1 UNION ALL SELECT n+1, m*2 FROM r WHERE n < 3) SEARCH BREADTH FIRST BY n SET seq CYCLE n, m SET c USING p SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM r WHERE n < 3) SEARCH DEPTH FIRST BY n SET s SELECT * FROM r ORDER BY s DESC",
		// a cyclic graph ends: each path stops at its first repeated node
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT (n+1)%3 FROM r) CYCLE n SET c TO 'Y' DEFAULT 'N' USING p SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) CYCLE n SET c TO NULL DEFAULT false USING p SELECT * FROM r",
		"WITH RECURSIVE sg(f, t, label) AS (SELECT * FROM sc_graph g UNION ALL SELECT g.* FROM sc_graph g, sg s WHERE g.f = s.t) " +
			"SEARCH DEPTH FIRST BY f, t SET seq CYCLE f, t SET is_cycle USING path SELECT * FROM sg ORDER BY seq",
		"WITH RECURSIVE sg(f, t, label) AS (SELECT * FROM sc_graph g UNION ALL SELECT g.* FROM sc_graph g JOIN sg ON g.f = sg.t) " +
			"SEARCH BREADTH FIRST BY f, t SET seq CYCLE f, t SET is_cycle USING path SELECT f, t, seq, is_cycle FROM sg ORDER BY seq, is_cycle",
		"WITH RECURSIVE sg AS (SELECT * FROM sc_graph g UNION SELECT g.* FROM sc_graph g JOIN sg ON g.f = sg.t) CYCLE f SET ic TO 1 DEFAULT 0 USING pth SELECT count(*), sum(ic) FROM sg",
		"WITH RECURSIVE sg AS (SELECT f, t FROM sc_graph UNION ALL SELECT g.f, g.t FROM sc_graph g JOIN sg ON g.f = sg.t) CYCLE f SET ic USING pth SELECT count(*), count(*) FILTER (WHERE ic) FROM sg",
		// PostgreSQL's errors
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n < 3) SEARCH DEPTH FIRST BY x SET seq SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n < 3) SEARCH DEPTH FIRST BY n SET n SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n < 3) SEARCH DEPTH FIRST BY n, n SET s SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1) SEARCH DEPTH FIRST BY n SET s SELECT * FROM r",
		"WITH r(n) AS (SELECT 1 UNION ALL SELECT 2) SEARCH DEPTH FIRST BY n SET s SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT (n+1)%3 FROM r) CYCLE n SET c TO 1 DEFAULT 'N' USING p SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT (n+1)%3 FROM r) CYCLE n SET c USING c SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT (n+1)%3 FROM r) CYCLE x SET c USING p SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT (n+1)%3 FROM r) SEARCH DEPTH FIRST BY n SET c CYCLE n SET c USING p SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT (n+1)%3 FROM r) SEARCH DEPTH FIRST BY n SET p CYCLE n SET c USING p SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL (SELECT 2 UNION SELECT n+1 FROM r)) SEARCH DEPTH FIRST BY n SET s SELECT * FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM (SELECT * FROM r) x WHERE n < 3) SEARCH DEPTH FIRST BY n SET s SELECT * FROM r",
		"WITH RECURSIVE r(n) AS ((SELECT 1 UNION SELECT 2) UNION ALL SELECT n + 1 FROM r WHERE n < 3) SEARCH DEPTH FIRST BY n SET s SELECT * FROM r",

		// 12: an aggregate over only an outer query's columns is that query's
		"SELECT (SELECT count(*) FILTER (WHERE outer_c <> 0) FROM (VALUES (1)) t0) FROM (VALUES (2), (3)) t1(outer_c)",
		"SELECT (SELECT count(*) FILTER (WHERE outer_c <> 0)) FROM (VALUES (2), (3), (0)) t1(outer_c)",
		"CREATE TABLE lv_t (a int, b int)",
		"INSERT INTO lv_t VALUES (1, 10), (1, 20), (2, 30), (3, NULL)",
		"CREATE TABLE lv_u (x int)",
		"INSERT INTO lv_u VALUES (1), (2)",
		"SELECT (SELECT sum(t.b) FROM lv_u) FROM lv_t t",
		"SELECT a, (SELECT max(x) + sum(t.b) FROM lv_u u) FROM lv_t t GROUP BY a ORDER BY a",
		"SELECT a, (SELECT count(*) FROM lv_u WHERE x < max(t.b) / 10) FROM lv_t t GROUP BY a ORDER BY a",
		"SELECT a FROM lv_t t GROUP BY a HAVING (SELECT sum(t.b) FROM lv_u WHERE x = 1) > 15 ORDER BY a",
		"SELECT a FROM lv_t t GROUP BY a ORDER BY (SELECT sum(t.b) FROM lv_u WHERE x = 1) NULLS FIRST, a",
		"SELECT (SELECT sum(t.b) FROM lv_u), t.a FROM lv_t t",
		"SELECT (SELECT array_agg(t.b ORDER BY t.b DESC) FROM lv_u WHERE x = 1) FROM lv_t t",
		"SELECT sum(b), (SELECT sum(t.b) FROM lv_u WHERE x = 1) FROM lv_t t",
		"SELECT (SELECT (SELECT sum(t.b) FROM lv_u u2 WHERE x = 1) FROM lv_u u1 WHERE x = 1) FROM lv_t t",
		"SELECT t.a, (SELECT count(t.*) FROM lv_u WHERE x = 1) FROM lv_t t GROUP BY a ORDER BY 1",
		// …and what stays at its own level
		"SELECT (SELECT sum(x) FROM lv_u) FROM lv_t t ORDER BY 1",
		"SELECT (SELECT sum(t.b + u.x) FROM lv_u u WHERE x = 1) FROM lv_t t ORDER BY 1",
		"SELECT (SELECT sum(t.b) OVER () FROM lv_u WHERE x = 1) FROM lv_t t ORDER BY 1",
		"SELECT (SELECT (SELECT sum(t.b + u1.x) FROM lv_u u2 WHERE x = 1) FROM lv_u u1 WHERE x = 1) FROM lv_t t ORDER BY 1",
		"SELECT a, (SELECT count(*) FROM lv_u WHERE x < max(x)) FROM lv_t t GROUP BY a ORDER BY a",

		// 14: UNIQUE NULLS NOT DISTINCT
		"CREATE TABLE nn1 (a int, b int, UNIQUE NULLS NOT DISTINCT (a, b))",
		"INSERT INTO nn1 VALUES (1, NULL)",
		"INSERT INTO nn1 VALUES (1, NULL)",
		"INSERT INTO nn1 VALUES (NULL, NULL), (2, 2)",
		"INSERT INTO nn1 VALUES (NULL, NULL)",
		"INSERT INTO nn1 VALUES (NULL, NULL) ON CONFLICT (a, b) DO NOTHING",
		"INSERT INTO nn1 VALUES (NULL, NULL) ON CONFLICT (a, b) DO UPDATE SET b = 5 RETURNING *",
		"SELECT * FROM nn1 ORDER BY a, b",
		"SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'nn1'::regclass",
		"SELECT indnullsnotdistinct, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'nn1'::regclass",
		"CREATE TABLE nn2 (a int)",
		"INSERT INTO nn2 VALUES (NULL), (NULL)",
		"CREATE UNIQUE INDEX nn2_a ON nn2 (a) NULLS NOT DISTINCT",
		"CREATE INDEX nn2_b ON nn2 (a) NULLS NOT DISTINCT",
		"SELECT indnullsnotdistinct, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'nn2'::regclass",
		"DELETE FROM nn2",
		"CREATE UNIQUE INDEX nn2_a ON nn2 (a) NULLS NOT DISTINCT",
		"INSERT INTO nn2 VALUES (NULL)",
		"UPDATE nn2 SET a = NULL",
		"INSERT INTO nn2 VALUES (NULL)",
		"CREATE UNIQUE INDEX nn2_c ON nn2 ((a + 1)) NULLS NOT DISTINCT WHERE a IS NULL",
		"SELECT pg_get_indexdef('nn2_c'::regclass)",
		"ALTER TABLE nn2 ADD CONSTRAINT nn2_u UNIQUE NULLS NOT DISTINCT (a)",
		"CREATE TABLE nn3 (a int UNIQUE NULLS DISTINCT)",
		"INSERT INTO nn3 VALUES (NULL), (NULL)",
		"SELECT count(*) FROM nn3",
	}...)
}

// TestExistsDecorrelatedMatchesPostgres: a correlated EXISTS whose only
// link to the outer row is equalities runs once, hashed (exists_hash.go),
// and answers as PostgreSQL does — NULL keys, types compared across
// int/bigint/numeric/float/text/varchar, several keys, NOT EXISTS, and
// the shapes that keep the correlated plan (LIMIT, aggregates, set-returning
// functions, a non-equality link).
func TestExistsDecorrelatedMatchesPostgres(t *testing.T) {
	matchPostgresOnSharedNode(t, 120*time.Second, []string{
		"CREATE TABLE ex_a (id int, k bigint, s text, n numeric)",
		"CREATE TABLE ex_b (id int, k int, s varchar(10), n numeric, f float8)",
		"INSERT INTO ex_a VALUES (1, 1, 'a', 1.0), (2, 2, 'b', 2.5), (3, NULL, NULL, NULL), (4, 4, 'd', 4), (5, 5, 'e', 5)",
		"INSERT INTO ex_b VALUES (1, 1, 'a', 1.00, 1), (2, 3, 'b', 2.5, 2.5), (3, NULL, 'x', NULL, NULL), (4, 4, NULL, 4.0, 4), (NULL, 5, 'e', 5, 5)",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.k = a.k) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE NOT EXISTS (SELECT 1 FROM ex_b b WHERE b.k = a.k) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.s = a.s AND b.id = a.id) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE NOT EXISTS (SELECT 1 FROM ex_b b WHERE a.s = b.s AND b.id = a.id) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.n = a.n) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.f = a.n) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.f = a.id) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.k + 1 = a.k AND b.n > 1) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.k > a.k) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.k = a.k LIMIT 0) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT count(*) FROM ex_b b WHERE b.k = a.k + 100) ORDER BY 1",
		"SELECT id, EXISTS (SELECT 1 FROM ex_b b WHERE b.k = a.k), NOT EXISTS (SELECT FROM ex_b b WHERE b.id = a.id) FROM ex_a a ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT DISTINCT b.s FROM ex_b b WHERE b.k = a.k ORDER BY b.s) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b JOIN ex_a c ON c.id = b.id WHERE b.k = a.k AND c.s IS NOT NULL) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b LEFT JOIN ex_a c ON c.id = b.id WHERE a.k = b.k AND c.id IS NULL) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.k = a.k AND EXISTS (SELECT 1 FROM ex_a c WHERE c.id = b.id)) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.k = a.k AND b.id = a.id + 0) OR a.id = 5 ORDER BY 1",
		"SELECT (SELECT count(*) FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.k = a.k AND b.id = o.id)) FROM ex_b o ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.k = a.k AND b.k = a.id) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT generate_series(1, 0) FROM ex_b b WHERE b.k = a.k) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.k = a.k AND b.id = 1 / (b.id - 1)) ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE b.s = a.s::text || '') ORDER BY 1",
		"SELECT id FROM ex_a a WHERE EXISTS (SELECT 1 FROM ex_b b WHERE (b.k, b.id) = (a.k, a.id)) ORDER BY 1",
		"DROP TABLE ex_a, ex_b",
	}...)
}

// TestInDecorrelatedMatchesPostgres: a correlated x IN (SELECT e …) linked
// to the outer row only by equalities is hashed once, grouped by the
// link, and keeps IN's three-valued answer (NULL x, NULL among the
// values, no rows).
func TestInDecorrelatedMatchesPostgres(t *testing.T) {
	matchPostgresOnSharedNode(t, 120*time.Second, []string{
		"CREATE TABLE in_a (id int, k bigint, s text, n numeric)",
		"CREATE TABLE in_b (id int, k int, s varchar(10), n numeric, f float8)",
		"INSERT INTO in_a VALUES (1, 1, 'a', 1.0), (2, 2, 'b', 2.5), (3, NULL, NULL, NULL), (4, 4, 'd', 4), (5, 5, 'e', 5), (6, 3, 'x', 6)",
		"INSERT INTO in_b VALUES (1, 1, 'a', 1.00, 1), (2, 3, 'b', 2.5, 2.5), (3, NULL, 'x', NULL, NULL), (4, 4, NULL, 4.0, 4), (NULL, 5, 'e', 5, 5), (6, 3, NULL, 6, 6)",
		"SELECT id, id IN (SELECT b.id FROM in_b b WHERE b.k = a.k) FROM in_a a ORDER BY 1",
		"SELECT id, id NOT IN (SELECT b.id FROM in_b b WHERE b.k = a.k) FROM in_a a ORDER BY 1",
		"SELECT id, s IN (SELECT b.s FROM in_b b WHERE b.k = a.k) FROM in_a a ORDER BY 1",
		"SELECT id, n IN (SELECT b.n FROM in_b b WHERE b.k = a.k AND b.id > 0) FROM in_a a ORDER BY 1",
		"SELECT id, k IN (SELECT b.id * 2 FROM in_b b WHERE b.s = a.s) FROM in_a a ORDER BY 1",
		"SELECT id FROM in_a a WHERE a.id IN (SELECT DISTINCT b.id FROM in_b b WHERE b.k = a.k ORDER BY 1) ORDER BY 1",
		"SELECT id, id IN (SELECT a.id FROM in_b b WHERE b.k = a.k) FROM in_a a ORDER BY 1",
		"SELECT id, id = ANY (SELECT b.id FROM in_b b WHERE b.k = a.k AND b.s = a.s) FROM in_a a ORDER BY 1",
		"SELECT id, id IN (SELECT b.id FROM in_b b WHERE b.k > a.k) FROM in_a a ORDER BY 1",
		"SELECT id, id IN (SELECT b.id FROM in_b b WHERE b.k = a.k LIMIT 1) FROM in_a a ORDER BY 1",
		"SELECT id, id IN (SELECT max(b.id) FROM in_b b WHERE b.k = a.k) FROM in_a a ORDER BY 1",
		"SELECT id, f IN (SELECT b.f FROM in_b b WHERE b.k = a.k) FROM in_a a, (VALUES (1.0::float8), (NULL)) v(f) ORDER BY 1, 2",
		"SELECT id, (id, k) IN (SELECT b.id, b.k FROM in_b b WHERE b.s = a.s) FROM in_a a ORDER BY 1",
		"DROP TABLE in_a, in_b",
	}...)
}

// TestFormatSpecifiersMatchPostgres: format()'s widths from arguments
// (*, *n$, negative for left alignment, NULL for none), repeated flags
// and its errors.
func TestFormatSpecifiersMatchPostgres(t *testing.T) {
	matchPostgresOnSharedNode(t, 120*time.Second, []string{
		"SELECT format('%s %I %L %1$s %-5s| %5s|', 'a', 'B c', 'it''s', 'x', 'y'), format('%*s|', 6, 'ab')",
		"SELECT format('%*s|%-*s|', -4, 'a', 3, 'b'), format('%*2$s|', 'x', 5), format('%1$*2$s|', 'x', 5)",
		"SELECT format('%*s|', NULL, 'a'), format('%*s|', '3', 'a')",
		"SELECT format('%*s|', 'z', 'a')",
		"SELECT format('%*', 3)",
		"SELECT format('%*0$s', 3)",
		"SELECT format('%*s', 3)",
		"SELECT format('%3$s %s', 'a', 'b', 'c')",
		"SELECT format('%-s|', 'a'), format('%--3s|', 'a')",
		"SELECT format('%s %s', 'a')",
		"SELECT format('%2147483648s', 'a')",
	}...)
}

// TestIntervalOverflowMatchesPostgres: interval sums, differences and
// negation that overflow a field are "interval out of range", and the
// most negative month and day counts are valid input.
func TestIntervalOverflowMatchesPostgres(t *testing.T) {
	matchPostgresOnSharedNode(t, 120*time.Second, []string{
		"SELECT justify_interval(interval '-2147483648 months -30 days')",
		"SELECT interval '-2147483648 months', interval '2147483647 months', interval '-2147483648 days'",
		"SELECT interval '2147483648 months'",
		"SELECT '2147483647 days'::interval + '1 day'::interval",
		"SELECT '-2147483648 days'::interval - '1 day'::interval",
		"SELECT -interval '-2147483648 months'",
		"SELECT -interval '-2147483648 days'",
		"SELECT interval '1 day' - interval '3 hours' + interval '2 months'",
		"SELECT sum(x) FROM (VALUES (interval '2147483647 days'), (interval '1 day')) t(x)",
		"SELECT avg(x) FROM (VALUES (interval '2147483647 days'), (interval '1 day')) t(x)",
	}...)
}

// TestOutOfScopeTypesAre0A000: the kinds of types issue 14 leaves out
// (full-text search, geometric, ranges, network addresses, money, xml,
// varbit, timetz) fail with 0A000 naming the type, not 42704 as
// if they were misspelt; a user type of such a name still works.
func TestOutOfScopeTypesAre0A000(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, sharedNode(t))
	for _, q := range []string{"SELECT 'a b'::tsvector", "SELECT point '(1,2)'", "CREATE TABLE oos_t (r int4range)",
		"SELECT '10.0.0.1'::inet", "SELECT 1::money", "SELECT '{}'::circle[]", "SELECT '<a/>'::xml",
		"SELECT '10:00+02'::pg_catalog.timetz", "SELECT 'x'::tsquery", "SELECT '1'::varbit"} {
		_, err := c.Exec(ctx, q)
		wantCode(t, err, "0A000", q)
	}
	_, err := c.Exec(ctx, "SELECT 'x'::no_such_type")
	wantCode(t, err, "42704", "misspelt type")
	mustExec(t, ctx, c, "CREATE TYPE oos_box AS ENUM ('a')")
	if got := queryText(t, ctx, c, "SELECT 'a'::oos_box"); got != "a" {
		t.Fatalf("user enum: %q", got)
	}
}

// TestDurationSettingsShowMatchesPostgres: time settings show in the
// largest unit that divides them ("10min", "1min", "60500ms"), and
// pg_settings counts them in milliseconds, as PostgreSQL does.
func TestDurationSettingsShowMatchesPostgres(t *testing.T) {
	var qs []string
	// no value below a minute: the statements after the SET run under it
	for _, v := range []string{"'600s'", "90000", "'1min'", "60500", "'60.5s'", "0", "3600000", "'2d'", "'61500ms'", "'90s'"} {
		qs = append(qs, "SET statement_timeout = "+v, "SHOW statement_timeout",
			"SELECT current_setting('statement_timeout'), setting, unit FROM pg_settings WHERE name = 'statement_timeout'")
	}
	qs = append(qs, "RESET statement_timeout", "SET lock_timeout = '1min'", "SHOW lock_timeout",
		"SET idle_in_transaction_session_timeout = 3600000", "SHOW idle_in_transaction_session_timeout",
		"RESET lock_timeout", "RESET idle_in_transaction_session_timeout")
	matchPostgresOnSharedNode(t, 60*time.Second, qs...)
}

// matchPostgresOnSharedNode runs qs on the shared logdb node and on a
// throwaway PostgreSQL 15, in parallel with other tests, and fails on any
// difference (matchPostgres) within timeout.
func matchPostgresOnSharedNode(t *testing.T, timeout time.Duration, qs ...string) {
	t.Helper()
	ctx, pc, lc := mustPostgresAndSharedNode(t, timeout)
	matchPostgres(t, ctx, pc, lc, qs...)
}
