package test

import (
	"strings"
	"testing"
	"time"
)

// aggTable is the data the aggregate and window-frame comparisons read:
// every numeric type, intervals, dates, text, NULLs and ties.
const aggTable = `CREATE TABLE ag (k int, i int, b bigint, s smallint, n numeric, f float8, r real, y float8, iv interval, t text, d date, ts timestamp);
INSERT INTO ag VALUES
 (1, 1, 10, 2, 1.5, 1.25, 0.5, 3, '1 day', 'a', '2024-01-01', '2024-01-01 10:00'),
 (2, 2, 20, 3, 2.25, 2.5, 1.5, 5, '2 hours', 'b', '2024-02-01', '2024-01-01 12:00'),
 (3, 3, 35, 5, 3.125, 3.75, 2.5, 8, '3 days 4 hours', 'b', '2024-03-01', '2024-01-02 09:30'),
 (4, 4, NULL, 7, NULL, 5, 3.5, NULL, '1 mon', 'c', NULL, '2024-01-02 10:00'),
 (5, NULL, 5, 11, 10, NULL, 4.5, 1, NULL, 'b', '2024-01-15', NULL),
 (6, 3, 7, 11, 3.125, 3.75, -1, 2, '3 days', 'a', '2024-01-15', '2024-01-03 00:00'),
 (7, 9, 1, 2, -4.5, -2, 0, 0, '-1 day', 'c', '2023-12-31', '2024-01-05 00:00')`

// TestAggregatesMatchPostgres compares the statistics aggregates, the
// ordered-set (WITHIN GROUP) and hypothetical-set aggregates with
// PostgreSQL 15: values, result types' text, NULLs and errors.
func TestAggregatesMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	execOnEach(t, ctx, aggTable, pc, lc)
	matchPostgres(t, ctx, pc, lc,
		// variance and standard deviation: numeric for integer and
		// numeric inputs (numeric division's scale), float8 for floats
		"SELECT stddev(i), stddev_pop(i), stddev_samp(i), variance(i), var_pop(i), var_samp(i) FROM ag",
		"SELECT stddev(b), stddev_pop(b), variance(b), var_pop(b), var_samp(s), stddev(s) FROM ag",
		"SELECT stddev(n), stddev_pop(n), variance(n), var_pop(n), var_samp(n) FROM ag",
		"SELECT stddev(f), stddev_pop(f), variance(f), var_pop(f), stddev(r), var_samp(r) FROM ag",
		"SELECT pg_typeof(stddev(i)), pg_typeof(var_pop(r)), pg_typeof(variance(n)), pg_typeof(stddev(f)) FROM ag",
		"SELECT t, stddev(i), var_pop(f), variance(n) FROM ag GROUP BY t ORDER BY t",
		"SELECT stddev(i), var_pop(n), var_samp(f) FROM ag WHERE false",
		"SELECT stddev(i), var_samp(n), stddev_pop(n), var_pop(f) FROM ag WHERE k = 1",
		"SELECT var_pop(x), stddev(x) FROM (VALUES (1e-3), (2.5e-4), (7)) v(x)",
		"SELECT variance(x), stddev_pop(x) FROM (VALUES (123456789012345678), (3), (99999999999999999)) v(x)",
		"SELECT stddev(x::numeric(20,10)), var_pop(x::numeric(8,3)) FROM generate_series(1, 7) x",
		"SELECT stddev(x), var_pop(x) FROM (VALUES ('NaN'::numeric), (1)) v(x)",
		"SELECT stddev(x), var_pop(x) FROM (VALUES ('Infinity'::float8), (1)) v(x)",
		"SELECT var_pop(x) FROM (VALUES (1e300::float8), (-1e300)) v(x)",
		"SELECT stddev('a'::text)",
		// the two-argument (Y, X) aggregates, over float8
		"SELECT covar_pop(y, f), covar_samp(y, f), corr(y, f), regr_count(y, f), regr_sxx(y, f), regr_syy(y, f), regr_sxy(y, f) FROM ag",
		"SELECT regr_avgx(y, f), regr_avgy(y, f), regr_r2(y, f), regr_slope(y, f), regr_intercept(y, i) FROM ag",
		"SELECT corr(i, n), covar_samp(s, b), regr_slope(r, k) FROM ag",
		"SELECT regr_r2(y, x), corr(y, x), regr_slope(y, x), regr_intercept(x, y) FROM (VALUES (1, 1), (1, 2), (1, 3)) v(y, x)",
		"SELECT covar_samp(y, f), corr(y, f), regr_count(y, f) FROM ag WHERE k = 1",
		// ordered-set aggregates
		"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY i), percentile_cont(0.3) WITHIN GROUP (ORDER BY f DESC), percentile_cont(0.25) WITHIN GROUP (ORDER BY n), percentile_cont(0.4) WITHIN GROUP (ORDER BY iv) FROM ag",
		"SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY t), percentile_disc(0) WITHIN GROUP (ORDER BY d), percentile_disc(1) WITHIN GROUP (ORDER BY n DESC), percentile_disc(0.3) WITHIN GROUP (ORDER BY iv) FROM ag",
		"SELECT percentile_cont(ARRAY[0, 0.25, NULL, 1]) WITHIN GROUP (ORDER BY f), percentile_disc(ARRAY[0.5, 0.1]) WITHIN GROUP (ORDER BY t), percentile_cont(ARRAY[0.5]) WITHIN GROUP (ORDER BY iv) FROM ag",
		"SELECT mode() WITHIN GROUP (ORDER BY t), mode() WITHIN GROUP (ORDER BY i DESC), mode() WITHIN GROUP (ORDER BY s) FROM ag",
		"SELECT mode() WITHIN GROUP (ORDER BY x), percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM (VALUES (1.10), (1.1), (2)) v(x)",
		"SELECT t, percentile_cont(0.5) WITHIN GROUP (ORDER BY f), mode() WITHIN GROUP (ORDER BY i), rank(2) WITHIN GROUP (ORDER BY i) FROM ag GROUP BY t ORDER BY t",
		"SELECT i, percentile_cont(i / 10.0) WITHIN GROUP (ORDER BY f) FROM ag GROUP BY i ORDER BY i",
		"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x), percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM generate_series(1, 10) x",
		"SELECT mode() WITHIN GROUP (ORDER BY i) FILTER (WHERE i > 1) FROM ag",
		"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY i) FROM ag HAVING percentile_cont(0.5) WITHIN GROUP (ORDER BY i) > 1",
		"SELECT percentile_cont(NULL) WITHIN GROUP (ORDER BY f), percentile_cont('0.5') WITHIN GROUP (ORDER BY i) FROM ag",
		// hypothetical-set aggregates
		"SELECT rank(3) WITHIN GROUP (ORDER BY i), dense_rank('b') WITHIN GROUP (ORDER BY t), percent_rank(2.5) WITHIN GROUP (ORDER BY n), cume_dist(2) WITHIN GROUP (ORDER BY i DESC NULLS LAST) FROM ag",
		"SELECT rank(2, 'b') WITHIN GROUP (ORDER BY i, t), rank(NULL) WITHIN GROUP (ORDER BY i), cume_dist(NULL) WITHIN GROUP (ORDER BY i NULLS FIRST), dense_rank(3) WITHIN GROUP (ORDER BY i) FROM ag",
		"SELECT rank(1) WITHIN GROUP (ORDER BY i), percentile_cont(0.5) WITHIN GROUP (ORDER BY i), percent_rank(1) WITHIN GROUP (ORDER BY i), cume_dist(1) WITHIN GROUP (ORDER BY i), mode() WITHIN GROUP (ORDER BY i) FROM ag WHERE false",
		// errors
		"SELECT mode(i) FROM ag",
		"SELECT sum(i) WITHIN GROUP (ORDER BY i) FROM ag",
		"SELECT count(*) WITHIN GROUP (ORDER BY i) FROM ag",
		"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY i) OVER () FROM ag",
		"SELECT rank(1, 2) WITHIN GROUP (ORDER BY i) FROM ag",
		"SELECT rank('a'::text) WITHIN GROUP (ORDER BY i) FROM ag",
		"SELECT percentile_cont(i) WITHIN GROUP (ORDER BY f) FROM ag",
		"SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY f) FROM ag WHERE false",
		"SELECT percentile_cont(ARRAY[1.5]) WITHIN GROUP (ORDER BY f) FROM ag WHERE false",
		"SELECT percentile_cont(ARRAY[1.5]) WITHIN GROUP (ORDER BY f) FROM ag",
		"SELECT percentile_cont(1e20) WITHIN GROUP (ORDER BY f) FROM ag",
		"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM ag",
		"SELECT 1 FROM ag WHERE rank(1) WITHIN GROUP (ORDER BY i) > 0",
	)
}

// TestWindowFramesMatchPostgres compares window frames with PostgreSQL
// 15: ROWS, RANGE and GROUPS with offsets, UNBOUNDED and CURRENT ROW
// bounds, every EXCLUDE option, ascending and descending with NULLs first
// and last, for aggregates and first_value/last_value/nth_value; RANGE
// offsets over numbers, dates, timestamps and intervals; and the errors.
// Where peers' order would decide the answer (ROWS frames, first_value),
// the window orders by a unique key too.
func TestWindowFramesMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 180*time.Second)
	execOnEach(t, ctx, aggTable, pc, lc)
	orders := []string{"ORDER BY i", "ORDER BY i DESC", "ORDER BY i NULLS FIRST", "ORDER BY i DESC NULLS LAST"}
	var qs []string
	// peers decide nothing here: sums, counts, min and max
	for _, fr := range []string{
		"RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING", "RANGE BETWEEN 2 PRECEDING AND 1 PRECEDING",
		"RANGE BETWEEN 1 FOLLOWING AND 3 FOLLOWING", "RANGE BETWEEN CURRENT ROW AND 2 FOLLOWING EXCLUDE CURRENT ROW",
		"RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES", "RANGE BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE GROUP",
		"GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES", "GROUPS CURRENT ROW EXCLUDE CURRENT ROW",
		"GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP", "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES",
		"RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW",
	} {
		for _, o := range orders {
			qs = append(qs, "SELECT k, sum(i) OVER w, count(*) OVER w, min(k) OVER w, max(k) OVER w, sum(k) OVER w FROM ag WINDOW w AS ("+o+" "+fr+") ORDER BY k")
		}
	}
	// a unique order: every function that reads the frame
	for _, fr := range []string{
		"ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING", "ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING",
		"ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING", "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
		"ROWS UNBOUNDED PRECEDING", "ROWS 2 PRECEDING", "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW",
		"RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP", "RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE TIES",
		"GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING", "GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP",
		"GROUPS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING", "GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING EXCLUDE TIES",
		"GROUPS 1 PRECEDING EXCLUDE CURRENT ROW", "ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES",
		"RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE NO OTHERS", "RANGE CURRENT ROW",
	} {
		for _, o := range orders {
			qs = append(qs, "SELECT k, sum(i) OVER w, count(*) OVER w, first_value(k) OVER w, last_value(k) OVER w, nth_value(k, 2) OVER w, array_agg(k) OVER w FROM ag WINDOW w AS ("+o+", k "+fr+") ORDER BY k")
		}
	}
	qs = append(qs,
		"SELECT k, sum(k) OVER (PARTITION BY t ORDER BY i, k ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM ag ORDER BY k",
		"SELECT k, sum(k) OVER (PARTITION BY t ORDER BY n RANGE BETWEEN 1.5 PRECEDING AND 0.5 FOLLOWING) FROM ag ORDER BY k",
		"SELECT k, sum(k) OVER (ORDER BY f RANGE BETWEEN 1 PRECEDING AND 1.25 FOLLOWING), avg(i) OVER (ORDER BY r DESC RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM ag ORDER BY k",
		"SELECT k, sum(k) OVER (ORDER BY d RANGE BETWEEN '10 days' PRECEDING AND '1 month' FOLLOWING), count(*) OVER (ORDER BY ts RANGE BETWEEN interval '1 hour' PRECEDING AND '1 day' FOLLOWING) FROM ag ORDER BY k",
		"SELECT k, sum(k) OVER (ORDER BY iv RANGE BETWEEN '1 day' PRECEDING AND '1 day' FOLLOWING) FROM ag ORDER BY k",
		"SELECT k, sum(k) OVER (ORDER BY ts DESC RANGE BETWEEN '1 day' PRECEDING AND '1 hour' FOLLOWING) FROM ag ORDER BY k",
		"SELECT k, avg(n) OVER (ORDER BY n RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING), stddev(n) OVER (ORDER BY k ROWS 2 PRECEDING) FROM ag ORDER BY k",
		"SELECT k, string_agg(t, ',') OVER (PARTITION BY t ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM ag ORDER BY k",
		"SELECT k, sum(k) OVER (ORDER BY f RANGE BETWEEN 'Infinity' PRECEDING AND CURRENT ROW), count(*) OVER (ORDER BY n RANGE BETWEEN 'Infinity' PRECEDING AND 'Infinity' FOLLOWING) FROM ag ORDER BY k",
		"SELECT k, sum(k) OVER (ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP), sum(k) OVER (EXCLUDE CURRENT ROW) FROM ag ORDER BY k",
		"SELECT k, sum(i) OVER (ORDER BY i, k ROWS BETWEEN 9223372036854775807 PRECEDING AND 9223372036854775807 FOLLOWING), sum(i) OVER (ORDER BY i GROUPS BETWEEN 9223372036854775807 FOLLOWING AND 9223372036854775807 FOLLOWING) FROM ag ORDER BY k",
		"SELECT k, sum(b) OVER (ORDER BY b RANGE BETWEEN 9223372036854775807 PRECEDING AND 9223372036854775807 FOLLOWING) FROM ag ORDER BY k",
		"SELECT k, sum(i) OVER (ORDER BY i RANGE '1' PRECEDING), nth_value(k, NULL) OVER (ORDER BY k) FROM ag ORDER BY k",
		"SELECT k, row_number() OVER w, rank() OVER w, lag(k) OVER w FROM ag WINDOW w AS (ORDER BY i, k ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) ORDER BY k",
		"SELECT x, sum(x) OVER (ORDER BY x RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM generate_series(1, 5) x",
		"SET TIME ZONE 'America/New_York'",
		"SELECT k, count(*) OVER (ORDER BY ts::timestamptz RANGE BETWEEN '1 day' PRECEDING AND CURRENT ROW) FROM ag ORDER BY k",
		"SET TIME ZONE 'UTC'",
		// errors: the parser's (42P20), the planner's, and the run's
		"SELECT sum(i) OVER (ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM ag",
		"SELECT sum(i) OVER (ROWS UNBOUNDED FOLLOWING) FROM ag",
		"SELECT sum(i) OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED PRECEDING) FROM ag",
		"SELECT sum(i) OVER (GROUPS 1 PRECEDING) FROM ag",
		"SELECT sum(i) OVER (RANGE 1 PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY i, k RANGE 1 PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY t RANGE 1 PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY d RANGE 1 PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY ts RANGE 1 PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY i RANGE 1.5 PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY i ROWS 'a' PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY i ROWS i PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY i ROWS -1 PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY i ROWS -1 PRECEDING) FROM ag WHERE false",
		"SELECT sum(i) OVER (ORDER BY i ROWS BETWEEN CURRENT ROW AND NULL FOLLOWING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY i RANGE -1 PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY f RANGE 'NaN' PRECEDING) FROM ag",
		"SELECT sum(i) OVER (ORDER BY n RANGE BETWEEN -0.5 PRECEDING AND CURRENT ROW) FROM ag",
		"SELECT sum(i) OVER (ORDER BY d RANGE BETWEEN CURRENT ROW AND '-1 day' FOLLOWING) FROM ag",
		"SELECT nth_value(k, 0) OVER () FROM ag",
	)
	matchPostgres(t, ctx, pc, lc, qs...)
}

// TestGroupByMatchesResolvedExpressions: PostgreSQL matches select-list
// expressions with GROUP BY ones after resolving their column references,
// so a qualified reference matches an unqualified one (issue 14: an
// everyday ORM pattern failed with "must appear in the GROUP BY clause").
func TestGroupByMatchesResolvedExpressions(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	execOnEach(t, ctx, aggTable, pc, lc)
	matchPostgres(t, ctx, pc, lc,
		"SELECT ag.k % 2, count(*) FROM ag GROUP BY k % 2 ORDER BY 1",
		"SELECT k % 2, count(*) FROM ag GROUP BY ag.k % 2 ORDER BY 1",
		"SELECT x.k % 2 AS par, sum(x.i) FROM ag x GROUP BY k % 2 ORDER BY par",
		"SELECT upper(ag.t), count(*) FROM ag GROUP BY upper(t) ORDER BY 1",
		"SELECT ag.t, count(*) FROM ag GROUP BY t HAVING count(ag.t) > 1 ORDER BY ag.t",
		"SELECT t || '!' FROM ag GROUP BY ag.t || '!' ORDER BY ag.t || '!'",
		"SELECT date_trunc('month', ag.d) AS m, count(*) FROM ag GROUP BY date_trunc('month', d) ORDER BY m",
		// still errors where PostgreSQL's are
		"SELECT ag.k % 3, count(*) FROM ag GROUP BY k % 2",
		"SELECT ag.i FROM ag GROUP BY k",
		"SELECT a.k % 2 FROM ag a JOIN ag b ON a.k = b.k GROUP BY b.k % 2",
		"SELECT (SELECT count(*) FROM ag z WHERE z.k = ag.k % 2) FROM ag GROUP BY k % 2 ORDER BY 1",
	)
}

// TestRoleStatementsMatchPostgres: SET ROLE sees a role created by the
// statement before (the session read a stale catalog outside a
// transaction), VALID UNTIL 'infinity' is stored (it failed with XX000),
// and a non-superuser may not ALTER ROLE … SET a superuser-only setting.
func TestRoleStatementsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgres(t, ctx, pc, lc,
		"CREATE ROLE vr1 LOGIN",
		"ALTER ROLE vr1 VALID UNTIL 'infinity'",
		"SELECT rolname, rolvaliduntil FROM pg_roles WHERE rolname = 'vr1'",
		"ALTER ROLE vr1 VALID UNTIL '-infinity'",
		"SELECT rolvaliduntil FROM pg_roles WHERE rolname = 'vr1'",
		"CREATE ROLE vr2",
		"SET ROLE vr2",
		"SELECT current_user",
		"ALTER ROLE vr2 SET log_statement = 'all'",
		"ALTER ROLE vr2 SET application_name = 'x'",
		"RESET ROLE",
		"ALTER ROLE vr2 SET log_statement = 'all'",
		"SELECT rolname, rolconfig FROM pg_roles WHERE rolname = 'vr2'",
	)
}

// TestFetchWithTiesMatchesPostgres: FETCH FIRST n ROWS WITH TIES returns
// the rows that tie with the last one on the ORDER BY keys (issue 14).
func TestFetchWithTiesMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	execOnEach(t, ctx, aggTable, pc, lc)
	matchPostgres(t, ctx, pc, lc,
		// the order within ties is unspecified: read them back in k order
		"SELECT * FROM (SELECT k, t FROM ag ORDER BY t FETCH FIRST 2 ROWS WITH TIES) s ORDER BY k",
		"SELECT k, t FROM ag ORDER BY t, k FETCH FIRST 2 ROWS WITH TIES",
		"SELECT k, t FROM ag ORDER BY t DESC FETCH FIRST 1 ROW WITH TIES",
		"SELECT t FROM ag ORDER BY t OFFSET 1 ROWS FETCH FIRST 1 ROW WITH TIES",
		"SELECT k FROM ag ORDER BY t FETCH FIRST 0 ROWS WITH TIES",
		"SELECT * FROM (SELECT k, t FROM ag ORDER BY t FETCH FIRST 100 ROWS WITH TIES) s ORDER BY k",
		"SELECT * FROM (SELECT k, t FROM ag ORDER BY t DESC FETCH FIRST 3 ROWS WITH TIES) s ORDER BY k",
		"SELECT upper(t) AS u, count(*) FROM ag GROUP BY t ORDER BY count(*) DESC FETCH FIRST 1 ROW WITH TIES",
		"SELECT k, i FROM ag ORDER BY i NULLS FIRST FETCH FIRST 1 ROW WITH TIES",
		"SELECT k FROM ag ORDER BY t FETCH FIRST NULL ROWS WITH TIES",
		"SELECT k FROM ag ORDER BY t FETCH FIRST -1 ROWS WITH TIES",
		"SELECT k FROM ag FETCH FIRST 2 ROWS WITH TIES",
		"SELECT k, t FROM ag ORDER BY t FETCH FIRST 2 ROWS ONLY",
	)
}

// TestFrameworkSettingsMatchPostgres: settings frameworks and tools send
// are accepted as PostgreSQL accepts them (issue 15); logdb ignores the
// planner's and the WAL's, and pg_settings says so.
func TestFrameworkSettingsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	var qs []string
	for _, s := range []string{"synchronous_commit = off", "synchronous_commit = remote_apply", "commit_delay = 0",
		"random_page_cost = 1.1", "seq_page_cost = 1", "cpu_tuple_cost = 0.02", "effective_cache_size = '1GB'",
		"effective_io_concurrency = 200", "temp_buffers = '16MB'", "max_parallel_workers_per_gather = 0",
		"plan_cache_mode = force_custom_plan", "geqo = off", "join_collapse_limit = 1", "from_collapse_limit = 1",
		"default_statistics_target = 200", "constraint_exclusion = on", "enable_nestloop = off", "enable_hashjoin = off",
		"enable_mergejoin = off", "enable_bitmapscan = off", "enable_sort = on", "enable_hashagg = off",
		"enable_material = off", "enable_indexonlyscan = off", "array_nulls = on", "quote_all_identifiers = off",
		"cursor_tuple_fraction = 0.5", "vacuum_cost_delay = 0", "gin_fuzzy_search_limit = 0"} {
		name, _, _ := strings.Cut(s, " ")
		qs = append(qs, "SET "+s, "SHOW "+name)
	}
	qs = append(qs, "SET synchronous_commit = bogus", "SET random_page_cost = 'x'", "SET plan_cache_mode = never",
		"SELECT name, vartype FROM pg_settings WHERE name IN ('synchronous_commit', 'random_page_cost', 'geqo') ORDER BY name")
	matchPostgres(t, ctx, pc, lc, qs...)
}
