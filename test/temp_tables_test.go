package test

import (
	"strings"
	"testing"
	"time"
)

// TestTempTablesMatchPostgres runs temporary tables and views — creation,
// shadowing a permanent table, pg_temp, the ON COMMIT variants, DROP, the
// catalogs and the errors — on logdb and on PostgreSQL 15 and compares the
// answers and SQLSTATEs. The temporary schema's name (pg_temp_<n>) differs
// between the two, so the statements print only whether it is one.
func TestTempTablesMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 180*time.Second)
	matchPostgres(t, ctx, pc, lc,
		`SELECT pg_my_temp_schema()`,
		`SELECT count(*) FROM pg_namespace WHERE oid = pg_my_temp_schema()`,
		`CREATE TABLE tt (id int PRIMARY KEY, v text)`,
		`INSERT INTO tt VALUES (1, 'permanent')`,
		`CREATE TEMP TABLE tt (id int PRIMARY KEY, v text)`,
		`INSERT INTO tt VALUES (2, 'temporary')`,
		`SELECT * FROM tt`,
		`SELECT * FROM public.tt`,
		`SELECT * FROM pg_temp.tt`,
		`SELECT relpersistence, relkind FROM pg_class WHERE relname = 'tt' ORDER BY 1`,
		`SELECT nspname LIKE 'pg_temp_%' FROM pg_namespace WHERE oid = pg_my_temp_schema()`,
		`SELECT pg_is_other_temp_schema(pg_my_temp_schema()), pg_is_other_temp_schema(2200)`,
		`SELECT array_to_string(current_schemas(true), ',') LIKE 'pg_temp_%,pg_catalog,public', current_schemas(false), current_schema()`,
		`SELECT 'tt'::regclass::text, 'public.tt'::regclass::text, pg_table_is_visible('tt'::regclass), pg_table_is_visible('public.tt'::regclass)`,
		`SELECT n.nspname LIKE 'pg_temp_%', c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname LIKE 'tt%' ORDER BY 1, 2`,
		`CREATE TEMPORARY TABLE tt (x int)`,
		`CREATE TEMP TABLE IF NOT EXISTS tt (x int)`,
		`CREATE TEMP TABLE ts (id serial, v text)`,
		`INSERT INTO ts (v) VALUES ('a'), ('b') RETURNING id, v`,
		`CREATE TABLE pg_temp.tq (x int)`,
		`SELECT relpersistence FROM pg_class WHERE relname = 'tq'`,
		`CREATE TEMP VIEW tv AS SELECT v FROM tt`,
		`SELECT * FROM tv`,
		`SELECT relpersistence, relkind FROM pg_class WHERE relname = 'tv'`,
		`CREATE TEMP TABLE tc AS SELECT id * 10 AS x FROM tt`,
		`SELECT * FROM tc`,
		// errors
		`CREATE SCHEMA s`,
		`CREATE TEMP TABLE s.t (x int)`,
		`CREATE TEMP TABLE public.t (x int)`,
		`CREATE TABLE p (x int) ON COMMIT DELETE ROWS`,
		`CREATE TABLE p2 (x int) ON COMMIT DROP`,
		// ON COMMIT
		`CREATE TEMP TABLE keep (x int) ON COMMIT PRESERVE ROWS`,
		`CREATE TEMP TABLE del (x int) ON COMMIT DELETE ROWS`,
		`INSERT INTO del VALUES (1)`,
		`SELECT count(*) FROM del`,
		`BEGIN`,
		`INSERT INTO del VALUES (1), (2)`,
		`INSERT INTO keep VALUES (1), (2)`,
		`SELECT count(*) FROM del`,
		`COMMIT`,
		`SELECT (SELECT count(*) FROM del), (SELECT count(*) FROM keep)`,
		`BEGIN READ ONLY`,
		`INSERT INTO keep VALUES (3)`,
		`UPDATE keep SET x = x + 10 WHERE x = 3`,
		`DELETE FROM keep WHERE x = 1`,
		`INSERT INTO tt VALUES (9, 'no')`,
		`ROLLBACK`,
		`BEGIN READ ONLY`,
		`INSERT INTO keep VALUES (3)`,
		`COMMIT`,
		`SELECT * FROM keep ORDER BY 1`,
		`BEGIN`,
		`CREATE TEMP TABLE gone (x int) ON COMMIT DROP`,
		`INSERT INTO gone VALUES (1)`,
		`SELECT * FROM gone`,
		`COMMIT`,
		`SELECT * FROM gone`,
		`BEGIN`,
		`CREATE TEMP TABLE rolled (x int)`,
		`ROLLBACK`,
		`SELECT * FROM rolled`,
		`CREATE TEMP TABLE ac AS SELECT 1 AS x`,
		// DROP: the permanent table shows again
		`DROP VIEW tv`,
		`DROP TABLE tt`,
		`SELECT * FROM tt`,
		`DROP TABLE pg_temp.tt`,
		// a plan made for the permanent table is made again for a new
		// temporary one of that name
		`CREATE TEMP TABLE tt (id int, v text)`,
		`INSERT INTO tt VALUES (3, 'again')`,
		`SELECT * FROM tt`,
		`DROP TABLE tt`,
		`SELECT * FROM tt`,
		`CREATE TEMP SEQUENCE tsq`,
		`SELECT nextval('tsq'), nextval('pg_temp.tsq')`,
		`SELECT table_type FROM information_schema.tables WHERE table_name = 'tsq' OR table_name = 'ts'`,
		`SELECT relpersistence FROM pg_class WHERE relname = 'tsq'`,
		`SELECT * FROM pg_temp.keep`,
		`SET search_path = public, pg_temp`,
		`SELECT * FROM keep`,
		`CREATE TABLE keep (x int)`,
		`SELECT count(*) FROM keep`,
		`SELECT count(*) FROM pg_temp.keep`,
		`RESET search_path`,
		`SELECT count(*) FROM keep`,
		`CREATE TEMP TABLE mv (x int)`,
		`ALTER TABLE mv SET SCHEMA public`,
		`ALTER TABLE keep SET SCHEMA pg_temp`,
		`DISCARD TEMP`,
		`SELECT count(*) FROM pg_temp.mv`,
		`SELECT count(*) FROM keep`,
		`CREATE TEMP TABLE mv (x int)`,
		`DISCARD ALL`,
		`SELECT count(*) FROM pg_temp.mv`,
	)
}

// TestTempTablesOtherSessions: a session's temporary table is invisible to
// another session, whose access through the schema's name is 0A000, is
// not published, and goes (with its schema) when its session ends.
func TestTempTablesOtherSessions(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	a, b := mustConnect(t, n), mustConnect(t, n)
	mustExec(t, ctx, a, `CREATE PUBLICATION allpub FOR ALL TABLES`)
	mustExec(t, ctx, a, `CREATE TEMP TABLE mine (x int)`)
	mustExec(t, ctx, a, `INSERT INTO mine VALUES (1)`)
	schema := queryText(t, ctx, a, `SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()`)
	if !strings.HasPrefix(schema, "pg_temp_") {
		t.Fatalf("temporary schema %q", schema)
	}
	if got := queryText(t, ctx, a, `SELECT count(*) FROM pg_publication_tables WHERE tablename = 'mine'`); got != "0" {
		t.Errorf("a temporary table is published: %s", got)
	}
	_, err := b.Exec(ctx, `SELECT * FROM mine`)
	wantCode(t, err, "42P01", "another session's temporary table, unqualified")
	_, err = b.Exec(ctx, `SELECT * FROM `+schema+`.mine`)
	wantCode(t, err, "0A000", "another session's temporary table, qualified")
	_, err = b.Exec(ctx, `CREATE TABLE `+schema+`.other (x int)`)
	wantCode(t, err, "42P16", "a table in another session's temporary schema")
	if got := queryText(t, ctx, b, `SELECT CASE WHEN pg_is_other_temp_schema(n.oid) AND relpersistence = 't' THEN 'other temp' END FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE relname = 'mine'`); got != "other temp" {
		t.Errorf("the other session sees %q, want other temp", got)
	}
	// psql's \dt, in a session of its own, shows its temporary table
	if out, stderr, err := psqlRun(t, n, `\dt`, "-c", "CREATE TEMP TABLE ptemp (x int)"); err != nil || !strings.Contains(out, "pg_temp_") || !strings.Contains(out, "ptemp") || strings.Contains(out, "mine") {
		t.Errorf("psql \\dt: %v %s\n%s", err, stderr, out)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, 30*time.Second, "the closed session's temporary schema to go", func() (bool, error) {
		s, err := queryTextErr(ctx, b, `SELECT count(*) FROM pg_namespace WHERE nspname = '`+schema+`'`)
		return s == "0", err
	})
	if got := queryText(t, ctx, b, `SELECT count(*) FROM pg_class WHERE relname = 'mine'`); got != "0" {
		t.Errorf("the closed session's table is still there: %s", got)
	}
}

// TestTempTablesDroppedAfterCrash: the temporary schema of a session that
// ended with its node (kill -9) is dropped when the node starts again,
// and a new session does not see its tables.
func TestTempTablesDroppedAfterCrash(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	mustExec(t, ctx, c, `CREATE TEMP TABLE crashed (x int)`)
	mustExec(t, ctx, c, `INSERT INTO crashed VALUES (1)`)
	schema := queryText(t, ctx, c, `SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()`)
	n.Kill9(t)
	n.Restart(t)
	c2 := mustConnect(t, n)
	waitFor(t, ctx, 60*time.Second, "the crashed session's temporary schema to go", func() (bool, error) {
		s, err := queryTextErr(ctx, c2, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pg_temp%'`)
		return s == "0", err
	})
	if got := queryText(t, ctx, c2, `SELECT count(*) FROM pg_class WHERE relname = 'crashed'`); got != "0" {
		t.Errorf("the crashed session's table %s.crashed is still there: %s", schema, got)
	}
	_, err := c2.Exec(ctx, `SELECT * FROM crashed`)
	wantCode(t, err, "42P01", "the crashed session's table")
}

// TestTempTablesNotSubscribable: SUBSCRIBE of a temporary table is 0A000.
func TestTempTablesNotSubscribable(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, mustStartNode(t, t.TempDir()))
	mustExec(t, ctx, c, `CREATE TEMP TABLE tsub (x int)`)
	for _, q := range []string{`SUBSCRIBE tsub`, `SUBSCRIBE pg_temp.tsub`} {
		_, err := c.Exec(ctx, q)
		wantCode(t, err, "0A000", q)
	}
}
