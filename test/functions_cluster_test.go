package test

import (
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestFunctionsSurviveRestartAndReplicate: a function created through one
// node of three is called through the others, replaced through another,
// and still there on a node killed with SIGKILL and restarted.
func TestFunctionsSurviveRestartAndReplicate(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	c := mustStartCluster(t, 3)
	c.mustLeader(ctx)
	conn := func(id uint64) *pgx.Conn { t.Helper(); return c.mustConnectTo(ctx, id) }
	c1 := conn(1)
	mustExec(t, ctx, c1, "CREATE TABLE fr_counter (k text PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, c1, `CREATE FUNCTION fr_bump(key text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE v int;
BEGIN
  INSERT INTO fr_counter VALUES (key, 1) ON CONFLICT (k) DO UPDATE SET n = fr_counter.n + 1 RETURNING n INTO v;
  RETURN v;
END $$`)
	mustExec(t, ctx, c1, "CREATE FUNCTION fr_version() RETURNS text LANGUAGE sql AS $$ SELECT 'v1' $$")
	c.mustConverge(ctx, "SELECT proname FROM pg_proc WHERE proname LIKE 'fr\\_%' ORDER BY 1")
	for id := uint64(1); id <= 3; id++ {
		cn := conn(id)
		checkQuery(t, ctx, cn, strconv.Itoa(int(id)), "SELECT fr_bump('a')")
		checkQuery(t, ctx, cn, "v1", "SELECT fr_version()")
	}
	mustExec(t, ctx, conn(2), "CREATE OR REPLACE FUNCTION fr_version() RETURNS text LANGUAGE sql AS $$ SELECT 'v2' $$")
	c.mustConverge(ctx, "SELECT prosrc FROM pg_proc WHERE proname = 'fr_version'")
	checkQuery(t, ctx, conn(3), "v2", "SELECT fr_version()")
	c.Kill9(3)
	c.Restart(3)
	c.mustCatchUp(ctx, 3)
	c3 := conn(3)
	checkQuery(t, ctx, c3, "v2|4", "SELECT fr_version(), fr_bump('a')")
	// through the extended protocol, the argument a parameter
	checkQuery(t, ctx, c3, "1", "SELECT fr_bump($1)", "b")
	checkQuery(t, ctx, c3, "2", "SELECT fr_bump(key => $1::text)", "b")
	mustExec(t, ctx, c3, "DROP FUNCTION fr_version()")
	c.mustConverge(ctx, "SELECT count(*) FROM pg_proc WHERE proname = 'fr_version'")
	_, err := conn(1).Exec(ctx, "SELECT fr_version()")
	wantCode(t, err, "42883", "the dropped function through another node")
}

// TestFunctionsPsqlAndDump: psql's \df and \sf show logdb's functions as
// PostgreSQL's show them, and pg_dump's script of them loads into
// PostgreSQL 15 and back into logdb, where they give the same answers.
func TestFunctionsPsqlAndDump(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	const setup = `CREATE TABLE fd_t (id int PRIMARY KEY, v text);
INSERT INTO fd_t VALUES (1, 'one'), (2, 'two');
CREATE FUNCTION fd_add(a integer, b integer DEFAULT 10) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
CREATE FUNCTION fd_rows(min_id int) RETURNS TABLE(id int, v text) LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY SELECT t.id, t.v FROM fd_t t WHERE t.id >= min_id ORDER BY t.id; END
$$;
CREATE FUNCTION fd_pair(x int, OUT a int, OUT b text) LANGUAGE plpgsql STRICT AS $$ BEGIN a := x; b := 'b' || x; END $$;
CREATE PROCEDURE fd_put(i int, s text) LANGUAGE plpgsql AS $$ BEGIN INSERT INTO fd_t VALUES (i, s); END $$`
	execOnEach(t, ctx, setup, pc, lc)
	logdbPsql := func(meta string) string {
		return mustRunClient(t, ctx, "", "psql", append(n.clientArgs("logdb"), "-X", "-c", meta)...)
	}
	pgPsql := func(db, meta string) string {
		return mustRunClient(t, ctx, "", "psql", append(pg.clientArgs(db), "-X", "-c", meta)...)
	}
	for _, meta := range []string{`\df`, `\df fd_add`, `\sf fd_add`, `\sf fd_rows`, `\sf fd_pair`, `\sf fd_put`} {
		if got, want := logdbPsql(meta), pgPsql("postgres", meta); got != want {
			t.Errorf("%s:\nlogdb:\n%s\nPostgreSQL:\n%s", meta, got, want)
		}
	}
	rc := mustRestoreIntoPostgres(t, ctx, pg, mustDump(t, ctx, n.clientArgs("logdb")...))
	checks := []string{"SELECT fd_add(1), fd_add(1, 2)", "SELECT * FROM fd_rows(2)", "SELECT * FROM fd_pair(3)", "SELECT fd_pair(NULL) IS NULL"}
	for _, q := range checks {
		if got, want := answerOf(ctx, lc, q), answerOf(ctx, rc, q); got != want {
			t.Errorf("%s\n  logdb:               %q\n  restored PostgreSQL: %q", q, got, want)
		}
	}
	// and back: PostgreSQL's dump loads into a fresh logdb
	n2 := mustStartNode(t, t.TempDir())
	mustLoadScript(t, ctx, "loading PostgreSQL's dump into logdb", mustDump(t, ctx, pg.clientArgs("restored")...), n2.clientArgs("logdb"))
	lc2 := mustConnect(t, n2)
	mustExec(t, ctx, lc2, "CALL fd_put(3, 'three')")
	mustExec(t, ctx, rc, "CALL fd_put(3, 'three')")
	for _, q := range append(checks, "SELECT * FROM fd_rows(0)") {
		if got, want := answerOf(ctx, lc2, q), answerOf(ctx, rc, q); got != want {
			t.Errorf("after the round trip: %s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}
