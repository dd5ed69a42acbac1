package test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestRecursiveCTEStopsUnderLimit: a recursive CTE with no end answers
// under LIMIT, EXISTS, a scalar sub-query and a second reader as
// PostgreSQL 15 does (issue 14: logdb evaluated the recursion completely,
// forever). statement_timeout bounds each query on both, so a recursion
// that does not stop fails the comparison instead of hanging the test.
func TestRecursiveCTEStopsUnderLimit(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	execOnEach(t, ctx, "SET statement_timeout = '20s'", pc, lc)
	matchPostgres(t, ctx, pc, lc, []string{
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT n FROM t LIMIT 10",
		"WITH RECURSIVE t(n, f) AS (SELECT 1, 1::numeric UNION ALL SELECT n + 1, f * (n + 1) FROM t) SELECT n, f FROM t LIMIT 5 OFFSET 20",
		"WITH RECURSIVE t(n) AS (VALUES (1) UNION SELECT n + 1 FROM t) SELECT n FROM t WHERE n % 3 = 0 LIMIT 4",
		"SELECT (WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n * 2 FROM t) SELECT n FROM t WHERE n > 1000 LIMIT 1)",
		"SELECT EXISTS (WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT FROM t WHERE n = 5000)",
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT a.n, b.n FROM (SELECT n FROM t LIMIT 3) a, (SELECT n FROM t LIMIT 2) b ORDER BY 1, 2",
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT n FROM t",
		"WITH RECURSIVE fib(a, b) AS (SELECT 0::numeric, 1::numeric UNION ALL SELECT b, a + b FROM fib) SELECT a FROM fib LIMIT 3 OFFSET 100",
	}...)
}

// TestWorkMemSetting: SET work_mem takes PostgreSQL's units and range,
// and SHOW and pg_settings print it as PostgreSQL does.
func TestWorkMemSetting(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	lc := mustConnect(t, mustStartNode(t, t.TempDir()))
	if got := answerOf(ctx, lc, "SHOW work_mem"); got != "64MB" {
		t.Errorf("default work_mem %q, want 64MB", got)
	}
	for _, v := range []string{"'64MB'", "1024", "'1000kB'", "'1GB'", "'1536MB'", "'1.5MB'", "'65536'", "'10 MB'", "'1000000B'",
		"'2TB'", "'10kB'", "'abc'", "'10mb'", "'-1'", "'100B'"} {
		for _, c := range []string{"SET work_mem = " + v, "SHOW work_mem", "SELECT setting, unit FROM pg_settings WHERE name = 'work_mem'"} {
			want, got := answerOf(ctx, pc, c), answerOf(ctx, lc, c)
			if got != want {
				t.Errorf("%s (after SET work_mem = %s)\n logdb: %q\n    pg: %q", c, v, got, want)
			}
		}
	}
}

// wantOutOfMemory checks that err is 53200 with a DETAIL naming work_mem.
func wantOutOfMemory(t *testing.T, err error, what string) {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "53200" || !strings.Contains(pe.Detail, "work_mem") {
		t.Errorf("%s: got %v, want 53200 with a DETAIL naming work_mem", what, err)
	}
}

// TestWorkMemExceeded: a sort of arrays, hash aggregate, DISTINCT, hash
// join, set operation, window and recursive CTE that would hold more than
// a small work_mem fail with 53200 (only sorts of scalar columns spill to
// temporary files), the
// session and the server go on, and the same queries answer within a
// larger work_mem; ORDER BY … LIMIT keeps only the rows it returns.
func TestWorkMemExceeded(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "SET work_mem = '1MB'")
	const rows = "generate_series(1, 300000) g"
	big := []string{
		"SELECT ARRAY[g] FROM " + rows + " ORDER BY 1 DESC", // arrays do not spill
		"SELECT g % 100000, count(*) FROM " + rows + " GROUP BY 1",
		"SELECT DISTINCT g FROM " + rows,
		"SELECT count(DISTINCT g) FROM " + rows,
		"SELECT string_agg(g::text, ',') FROM " + rows,
		"SELECT count(*) FROM " + rows + " JOIN generate_series(1, 300000) h ON g = h",
		"SELECT g FROM " + rows + " UNION SELECT 1",
		"SELECT g, row_number() OVER () FROM " + rows,
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT n + 1 FROM t) SELECT count(*) FROM t",
		"SELECT count(*) FROM " + rows + " WHERE g = ANY (ARRAY(SELECT generate_series(1, 300000)))",
		"WITH w AS (SELECT g FROM " + rows + ") SELECT count(*) FROM w a JOIN w b USING (g)",
		// one scan, but started again for each outer row after it streamed
		"WITH w AS (SELECT g FROM " + rows + ") SELECT x, (SELECT count(*) FROM w WHERE g > x) FROM generate_series(1, 2) x",
		// ordered-set aggregates hold their group's rows
		"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY g) FROM " + rows,
	}
	for _, q := range big {
		_, err := queryTextErr(ctx, c, q)
		wantOutOfMemory(t, err, q)
		checkQuery(t, ctx, c, "1", "SELECT 1")
	}
	checkQuery(t, ctx, c, "300000\n299999", "SELECT g FROM "+rows+" ORDER BY g DESC LIMIT 2")
	// a WITH query read by one scan streams past work_mem
	checkQuery(t, ctx, c, "300000", "WITH w AS (SELECT g FROM "+rows+") SELECT count(*) FROM w")
	checkQuery(t, ctx, c, "299998", "SELECT g FROM "+rows+" ORDER BY g DESC LIMIT 1 OFFSET 2")
	mustExec(t, ctx, c, "SET work_mem = '512MB'")
	// not the endless recursion, nor = ANY over a 300,000-element array
	// (300,000 × 300,000 comparisons)
	for _, q := range append(big[:8:8], big[10:]...) {
		if _, err := queryTextErr(ctx, c, q); err != nil {
			t.Errorf("%s with work_mem 512MB: %v", q, err)
		}
	}
	mustExec(t, ctx, c, "RESET work_mem")
	checkQuery(t, ctx, c, "300000", "SELECT count(*) FROM (SELECT g FROM "+rows+" ORDER BY g) s")
	checkQuery(t, ctx, mustConnect(t, n), "64MB", "SHOW work_mem")
}

// TestTimeoutAndCancelStopStreamingQueries: statement_timeout and a
// client's cancel stop a recursive CTE with no end (which now holds
// constant memory, so only they end it), a top-N sort over an endless
// series, and a streamed result; the session serves the next query.
func TestTimeoutAndCancelStopStreamingQueries(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	endless := []string{
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t",
		"SELECT g FROM generate_series(1, 1000000000000) g ORDER BY g DESC LIMIT 1",
		"SELECT max(g) FROM generate_series(1, 1000000000000) g",
	}
	mustExec(t, ctx, c, "SET statement_timeout = '200ms'")
	for _, q := range endless {
		_, err := queryTextErr(ctx, c, q)
		wantCode(t, err, "57014", q+" under statement_timeout")
		checkQuery(t, ctx, c, "1", "SELECT 1")
	}
	mustExec(t, ctx, c, "SET statement_timeout = 0")
	watcher := mustConnect(t, n)
	for _, q := range endless {
		done := make(chan error, 1)
		go func() {
			_, err := queryTextErr(ctx, c, q)
			done <- err
		}()
		// cancel once the statement runs, as a client's CancelRequest
		for queryInt(t, ctx, watcher, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", c.PgConn().PID()) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		if err := c.PgConn().CancelRequest(ctx); err != nil {
			t.Fatal(err)
		}
		wantCode(t, <-done, "57014", q+" canceled")
		checkQuery(t, ctx, c, "1", "SELECT 1")
	}
}

// TestSortSpillsPastWorkMem: ORDER BY over more rows than work_mem holds
// spills sorted runs to temporary files and merges them: with work_mem at
// 1MB on both, logdb answers as PostgreSQL 15 does for several key types,
// directions and NULL orders, and leaves no file in its data directory.
func TestSortSpillsPastWorkMem(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	execOnEach(t, ctx, "SET work_mem = '1MB'", pc, lc)
	const src = "(SELECT g, CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 7919) % 10007 END AS k, " +
		"md5(g::text) AS s, (g % 1000)::numeric / 7 AS x, " +
		"timestamptz '2024-01-01 00:00:00+00' + g * interval '37 minutes' AS ts, g % 3 = 0 AS b, " +
		"jsonb_build_object('g', g % 50) AS j FROM generate_series(1, 120000) g) src"
	matchPostgres(t, ctx, pc, lc, []string{
		"SELECT g, k FROM " + src + " ORDER BY k, g",
		"SELECT g, k, s FROM " + src + " ORDER BY k DESC NULLS LAST, s",
		"SELECT x, g, ts FROM " + src + " ORDER BY x DESC, ts",
		"SELECT b, j, g FROM " + src + " ORDER BY b, j::text DESC, g DESC",
		"SELECT count(*), min(s), max(s) FROM (SELECT s FROM " + src + " ORDER BY s OFFSET 1000) o",
	}...)
	ents, err := os.ReadDir(filepath.Join(n.Dir, "tmp"))
	if err != nil || len(ents) != 0 {
		t.Errorf("the data directory's tmp holds %d entries (%v) after the sorts", len(ents), err)
	}
}

// TestMaxStatementMemory: --max-statement-memory bounds all of a
// statement's operators together: two hash aggregates that each fit in
// work_mem fail with 53200 naming the flag when together they pass it,
// a sort spills instead, and the server serves the next query.
func TestMaxStatementMemory(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNodeArgs(t, t.TempDir(), "--max-statement-memory", "30000000")
	c := mustConnect(t, n)
	const agg = "(SELECT g % 100000 AS k, count(*) FROM generate_series(1, 100000) g GROUP BY 1)"
	checkQuery(t, ctx, c, "100000", "SELECT count(*) FROM "+agg+" a")
	_, err := queryTextErr(ctx, c, "SELECT count(*) FROM "+agg+" a JOIN "+agg+" b USING (k)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "53200" || !strings.Contains(pe.Detail, "--max-statement-memory") {
		t.Errorf("two aggregates over the statement limit: %v, want 53200 naming --max-statement-memory", err)
	}
	checkQuery(t, ctx, c, "300000", "SELECT count(*) FROM (SELECT g, md5(g::text) FROM generate_series(1, 300000) g ORDER BY 2) s")
}
