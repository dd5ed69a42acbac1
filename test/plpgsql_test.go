package test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestPlpgsqlMatchesPostgres runs PL/pgSQL functions and DO blocks on
// logdb and PostgreSQL 15 and compares results, SQLSTATEs and error
// messages: declarations, control flow, queries into variables, dynamic
// SQL, RAISE and EXCEPTION blocks.
func TestPlpgsqlMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 240*time.Second)
	execOnEach(t, ctx, "CREATE TABLE pl_jobs (id int PRIMARY KEY, state text NOT NULL, tries int NOT NULL DEFAULT 0, payload jsonb)", pc, lc)
	execOnEach(t, ctx, "INSERT INTO pl_jobs VALUES (1, 'new', 0, '{\"a\":1}'), (2, 'new', 0, NULL), (3, 'done', 2, '{}')", pc, lc)
	matchPostgresMessages(t, ctx, pc, lc,
		// declarations, assignment, IF, loops
		`CREATE FUNCTION pl_sum(n int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  total bigint := 0;
  i int;
BEGIN
  FOR i IN 1..n LOOP
    total := total + i;
  END LOOP;
  RETURN total;
END $$`,
		"SELECT pl_sum(10), pl_sum(0), pl_sum(NULL)",
		`CREATE FUNCTION pl_classify(x int) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF x IS NULL THEN RETURN 'null';
  ELSIF x < 0 THEN RETURN 'negative';
  ELSIF x = 0 THEN RETURN 'zero';
  ELSE RETURN 'positive';
  END IF;
END $$`,
		"SELECT pl_classify(-5), pl_classify(0), pl_classify(7), pl_classify(NULL)",
		`CREATE FUNCTION pl_loops() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  s text := '';
  k int := 0;
  x int;
BEGIN
  FOR i IN REVERSE 10..1 BY 3 LOOP s := s || i || ','; END LOOP;
  WHILE k < 3 LOOP k := k + 1; s := s || 'w' || k; END LOOP;
  <<outer>> LOOP
    k := k + 1;
    CONTINUE outer WHEN k < 6;
    EXIT outer WHEN k >= 8;
    s := s || '/' || k;
  END LOOP;
  FOREACH x IN ARRAY ARRAY[5, 6, 7] LOOP
    IF x = 6 THEN CONTINUE; END IF;
    s := s || ' e' || x;
  END LOOP;
  RETURN s;
END $$`,
		"SELECT pl_loops()",
		`CREATE FUNCTION pl_case(x int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  CASE x
    WHEN 1, 2 THEN RETURN 'small';
    WHEN 3 THEN RETURN 'three';
  END CASE;
END $$`,
		"SELECT pl_case(1), pl_case(3)",
		"SELECT pl_case(9)",
		`CREATE FUNCTION pl_searched(x int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  CASE WHEN x > 10 THEN RETURN 'big'; ELSE RETURN 'not big'; END CASE;
END $$`,
		"SELECT pl_searched(11), pl_searched(1)",
		// queries into variables, FOUND, ROW_COUNT, STRICT
		`CREATE FUNCTION pl_claim() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  j pl_jobs%ROWTYPE;
  n int;
BEGIN
  SELECT * INTO j FROM pl_jobs WHERE state = 'new' ORDER BY id LIMIT 1;
  IF NOT FOUND THEN RETURN NULL; END IF;
  UPDATE pl_jobs SET state = 'running', tries = tries + 1 WHERE id = j.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n <> 1 THEN RAISE EXCEPTION 'lost job %', j.id; END IF;
  RETURN j.id;
END $$`,
		"SELECT pl_claim()", "SELECT pl_claim()", "SELECT pl_claim()",
		"SELECT id, state, tries FROM pl_jobs ORDER BY id",
		`CREATE FUNCTION pl_strict(want text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE i int;
BEGIN
  SELECT id INTO STRICT i FROM pl_jobs WHERE state = want;
  RETURN i;
END $$`,
		"SELECT pl_strict('done')",
		"SELECT pl_strict('nothing')",
		"SELECT pl_strict('running')",
		`CREATE FUNCTION pl_returning(s text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE new_id int;
BEGIN
  INSERT INTO pl_jobs (id, state) VALUES ((SELECT max(id) + 1 FROM pl_jobs), s) RETURNING id INTO new_id;
  RETURN new_id;
END $$`,
		"SELECT pl_returning('new')",
		`DO $$
DECLARE r record; total int := 0;
BEGIN
  FOR r IN SELECT id, tries FROM pl_jobs ORDER BY id LOOP
    total := total + r.id * 10 + r.tries;
  END LOOP;
  IF total <> 106 THEN RAISE EXCEPTION 'total is %', total; END IF;
END $$`,
		"DO $$ BEGIN PERFORM id FROM pl_jobs WHERE id = 99; IF FOUND THEN RAISE EXCEPTION 'found'; END IF; END $$",
		"DO $$ BEGIN SELECT 1; END $$",
		"DO $$ DECLARE x int; BEGIN x := 'abc'; END $$",
		"DO $$ DECLARE x int NOT NULL := 1; BEGIN x := NULL; END $$",
		"DO $$ DECLARE r record; BEGIN RAISE NOTICE '%', r.id; END $$",
		// RETURN NEXT / QUERY, OUT parameters
		`CREATE FUNCTION pl_evens(n int) RETURNS SETOF int LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..n LOOP
    IF i % 2 = 0 THEN RETURN NEXT i; END IF;
  END LOOP;
  RETURN;
END $$`,
		"SELECT * FROM pl_evens(7)",
		`CREATE FUNCTION pl_jobs_in(s text) RETURNS TABLE(job_id int, job_tries int) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT id, tries FROM pl_jobs WHERE state = s ORDER BY id;
  job_id := -1; job_tries := -1;
  RETURN NEXT;
END $$`,
		"SELECT * FROM pl_jobs_in('running')",
		"SELECT * FROM pl_jobs_in('none')",
		`CREATE FUNCTION pl_divmod(a int, b int, OUT q int, OUT r int) LANGUAGE plpgsql AS $$
BEGIN q := a / b; r := a % b; END $$`,
		"SELECT * FROM pl_divmod(17, 5)",
		"SELECT pl_divmod(17, 5)",
		"SELECT * FROM pl_divmod(1, 0)",
		`CREATE FUNCTION pl_setof_rows() RETURNS SETOF pl_jobs LANGUAGE plpgsql AS $$
DECLARE j pl_jobs;
BEGIN
  FOR j IN SELECT * FROM pl_jobs WHERE id <= 2 ORDER BY id LOOP RETURN NEXT j; END LOOP;
END $$`,
		"SELECT id, state FROM pl_setof_rows()",
		`CREATE FUNCTION pl_noreturn() RETURNS int LANGUAGE plpgsql AS $$ BEGIN NULL; END $$`,
		"SELECT pl_noreturn()",
		// dynamic SQL
		`CREATE FUNCTION pl_count(tbl text, st text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE c bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM %I WHERE state = $1', tbl) INTO c USING st;
  RETURN c;
END $$`,
		"SELECT pl_count('pl_jobs', 'running'), pl_count('pl_jobs', 'zzz')",
		"SELECT pl_count('no_such_table', 'x')",
		"DO $$ BEGIN EXECUTE 'UPDATE pl_jobs SET tries = tries + 1 WHERE id = $1' USING 3; END $$",
		"SELECT tries FROM pl_jobs WHERE id = 3",
		// RAISE and EXCEPTION blocks
		"DO $$ BEGIN RAISE EXCEPTION 'plain %, %', 1, 'two'; END $$",
		"DO $$ BEGIN RAISE EXCEPTION 'coded' USING ERRCODE = 'unique_violation', DETAIL = 'the detail', HINT = 'the hint'; END $$",
		"DO $$ BEGIN RAISE SQLSTATE '22012'; END $$",
		"DO $$ BEGIN RAISE division_by_zero; END $$",
		"DO $$ BEGIN RAISE 'short form %', 5; END $$",
		"DO $$ BEGIN RAISE EXCEPTION USING MESSAGE = 'from using', ERRCODE = 'P0002'; END $$",
		"DO $$ BEGIN RAISE NOTICE 'just a notice %', now() IS NOT NULL; END $$",
		"DO $$ BEGIN RAISE; END $$",
		"DO $$ BEGIN ASSERT 1 = 2, 'math broke'; END $$",
		"DO $$ BEGIN ASSERT false; END $$",
		`CREATE FUNCTION pl_safe_div(a int, b int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN (a / b)::text;
EXCEPTION
  WHEN division_by_zero THEN RETURN 'div0: ' || SQLERRM || ' ' || SQLSTATE;
END $$`,
		"SELECT pl_safe_div(6, 3), pl_safe_div(1, 0)",
		`CREATE FUNCTION pl_rollback_part() RETURNS text LANGUAGE plpgsql AS $$
DECLARE msg text; st text; det text;
BEGIN
  INSERT INTO pl_jobs (id, state) VALUES (100, 'kept');
  BEGIN
    INSERT INTO pl_jobs (id, state) VALUES (101, 'undone');
    INSERT INTO pl_jobs (id, state) VALUES (1, 'dup');
  EXCEPTION WHEN unique_violation THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || msg || ' / ' || det;
  END;
  RETURN 'no error';
END $$`,
		"SELECT pl_rollback_part()",
		"SELECT id, state FROM pl_jobs WHERE id >= 100 ORDER BY id",
		`CREATE FUNCTION pl_reraise() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    PERFORM 1 / 0;
  EXCEPTION WHEN others THEN
    RAISE;
  END;
END $$`,
		"SELECT pl_reraise()",
		`CREATE FUNCTION pl_class_catch(v text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM v::int;
  RETURN 'ok';
EXCEPTION
  WHEN data_exception THEN RETURN 'data: ' || SQLSTATE;
END $$`,
		"SELECT pl_class_catch('12'), pl_class_catch('x')",
		`CREATE FUNCTION pl_uncaught() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 / 0;
  RETURN 'no';
EXCEPTION
  WHEN unique_violation THEN RETURN 'wrong handler';
END $$`,
		"SELECT pl_uncaught()",
		`CREATE FUNCTION pl_custom() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'mine' USING ERRCODE = 'P0099';
EXCEPTION WHEN SQLSTATE 'P0099' THEN RETURN 'caught ' || SQLERRM;
END $$`,
		"SELECT pl_custom()",
		// recursion, procedures, variables named like columns of other tables
		`CREATE FUNCTION pl_fib(n int) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF n < 2 THEN RETURN n; END IF;
  RETURN pl_fib(n - 1) + pl_fib(n - 2);
END $$`,
		"SELECT pl_fib(15)",
		`CREATE PROCEDURE pl_reset(new_state text) LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pl_jobs SET state = new_state WHERE id < 100;
END $$`,
		"CALL pl_reset('new')",
		"SELECT count(*) FROM pl_jobs WHERE state = 'new'",
		`CREATE FUNCTION pl_const() RETURNS int LANGUAGE plpgsql AS $$
DECLARE c CONSTANT int := 5;
BEGIN c := 6; RETURN c; END $$`,
		`CREATE FUNCTION pl_badsyntax() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1 END $$`,
		`CREATE FUNCTION pl_badcond() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; EXCEPTION WHEN no_such_condition THEN RETURN 2; END $$`,
		"SELECT proname, prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql') FROM pg_proc WHERE proname = 'pl_fib'",
		// a name that is a column and a variable: 42702, unless the body
		// says #variable_conflict
		"CREATE FUNCTION pl_ambig() RETURNS TABLE(id int) LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY SELECT id FROM pl_jobs; END $$",
		"SELECT * FROM pl_ambig()",
		`CREATE FUNCTION pl_usevar(state text) RETURNS bigint LANGUAGE plpgsql AS $$
#variable_conflict use_variable
BEGIN RETURN (SELECT count(*) FROM pl_jobs WHERE pl_jobs.state = state); END $$`,
		"SELECT pl_usevar('new'), pl_usevar('zzz')",
		`CREATE FUNCTION pl_usecol(state text) RETURNS bigint LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN RETURN (SELECT count(*) FROM pl_jobs WHERE pl_jobs.state = state); END $$`,
		"SELECT pl_usecol('zzz')",
		"CREATE FUNCTION pl_sqlargs(state text) RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM pl_jobs WHERE state = state $$",
		"SELECT pl_sqlargs('zzz')",
		// assignment to a record's field
		`DO $$
DECLARE r record;
BEGIN
  SELECT 1 AS a, 'x'::text AS b INTO r;
  r.b := r.b || '!';
  r.a := r.a + 41;
  IF r.a <> 42 OR r.b <> 'x!' THEN RAISE EXCEPTION 'got % %', r.a, r.b; END IF;
END $$`,
		// trigger functions are stored; triggers are not built
		"CREATE FUNCTION pl_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.state := upper(NEW.state); RETURN NEW; END $$",
		"SELECT pl_trg()",
	)
}

// TestPlpgsqlNoticesAndLimits: RAISE NOTICE and WARNING reach the client
// (psql prints them), runaway recursion fails with 54001 and an endless
// loop with 57014 under statement_timeout, as in PostgreSQL 15; the
// session stays usable after each.
func TestPlpgsqlNoticesAndLimits(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	_, stderr, err := psqlRun(t, n, "DO $$ BEGIN RAISE NOTICE 'hello %', 1 + 1; RAISE WARNING 'careful'; RAISE DEBUG 'not shown'; END $$")
	if err != nil || !strings.Contains(stderr, "NOTICE:  00000: hello 2") || !strings.Contains(stderr, "WARNING:  01000: careful") || strings.Contains(stderr, "not shown") {
		t.Errorf("DO with RAISE: err %v, stderr %q", err, stderr)
	}
	matchPostgresMessages(t, ctx, pc, lc,
		"CREATE FUNCTION pl_forever(n int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN pl_forever(n + 1); END $$",
		"SELECT pl_forever(0)",
		"SELECT 1",
		"SET statement_timeout = '300ms'",
		"DO $$ BEGIN LOOP END LOOP; END $$",
		"DO $$ DECLARE x bigint := 0; BEGIN FOR i IN 1..2000000000 LOOP x := x + 1; END LOOP; END $$",
		"RESET statement_timeout",
		"SELECT 2",
	)
}

// TestPlpgsqlJobQueuePatternsMatchPostgres runs the shapes of function
// that job-queue libraries' migrations create (claim a job with SKIP
// LOCKED, complete or fail it with retries, notify) on logdb and
// PostgreSQL 15.
func TestPlpgsqlJobQueuePatternsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 180*time.Second)
	execOnEach(t, ctx, `CREATE TABLE jq_jobs (id serial PRIMARY KEY, queue text NOT NULL, payload jsonb NOT NULL DEFAULT '{}', attempts int NOT NULL DEFAULT 0, max_attempts int NOT NULL DEFAULT 3, state text NOT NULL DEFAULT 'available', last_error text, locked_by text)`, pc, lc)
	matchPostgresMessages(t, ctx, pc, lc,
		`CREATE FUNCTION jq_add(queue_name text, payload jsonb DEFAULT '{}', max_attempts int DEFAULT 3) RETURNS jq_jobs LANGUAGE plpgsql AS $$
DECLARE v_job jq_jobs;
BEGIN
  INSERT INTO jq_jobs (queue, payload, max_attempts) VALUES (queue_name, payload, max_attempts) RETURNING * INTO v_job;
  PERFORM pg_notify('jobs:insert', json_build_object('queue', queue_name, 'id', v_job.id)::text);
  RETURN v_job;
END $$`,
		"SELECT id, queue, payload, max_attempts FROM jq_add('mail', '{\"to\":\"a\"}')",
		"SELECT (jq_add('mail')).id",
		"SELECT id FROM jq_add(queue_name => 'sms', max_attempts => 1)",
		`CREATE FUNCTION jq_get(worker_id text, queues text[]) RETURNS SETOF jq_jobs LANGUAGE plpgsql AS $$
DECLARE v_id int;
BEGIN
  SELECT id INTO v_id FROM jq_jobs
   WHERE state = 'available' AND queue = ANY(queues) AND attempts < max_attempts
   ORDER BY id LIMIT 1
   FOR UPDATE SKIP LOCKED;
  IF v_id IS NULL THEN RETURN; END IF;
  RETURN QUERY UPDATE jq_jobs SET state = 'active', attempts = attempts + 1, locked_by = worker_id
    WHERE id = v_id RETURNING *;
END $$`,
		"SELECT id, state, attempts, locked_by FROM jq_get('w1', ARRAY['mail'])",
		"SELECT id, state, attempts, locked_by FROM jq_get('w1', ARRAY['mail'])",
		"SELECT id, state, attempts, locked_by FROM jq_get('w1', ARRAY['mail'])",
		"SELECT count(*) FROM jq_get('w2', ARRAY['nothing'])",
		`CREATE FUNCTION jq_fail(job_id int, message text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_row jq_jobs;
BEGIN
  UPDATE jq_jobs SET
    state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'available' END,
    last_error = message, locked_by = NULL
  WHERE id = job_id AND state = 'active'
  RETURNING * INTO v_row;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % is not active', job_id USING ERRCODE = 'NTFND';
  END IF;
  RETURN v_row.state || ' after ' || v_row.attempts;
END $$`,
		"SELECT jq_fail(1, 'smtp down')",
		"SELECT jq_fail(1, 'again')",
		`CREATE FUNCTION jq_complete(ids int[]) RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int := 0; i int;
BEGIN
  FOREACH i IN ARRAY ids LOOP
    DELETE FROM jq_jobs WHERE id = i AND state = 'active';
    IF FOUND THEN n := n + 1; END IF;
  END LOOP;
  RETURN n;
END $$`,
		"SELECT id FROM jq_get('w3', ARRAY['mail', 'sms']) ORDER BY id",
		"SELECT jq_complete(ARRAY[2, 3, 99])",
		"SELECT id, queue, state, attempts, last_error FROM jq_jobs ORDER BY id",
		`DO $$
DECLARE r record; s text := '';
BEGIN
  FOR r IN SELECT queue, count(*) AS n FROM jq_jobs GROUP BY queue ORDER BY queue LOOP
    s := s || r.queue || '=' || r.n || ' ';
  END LOOP;
  IF s <> 'mail=1 sms=1 ' THEN RAISE EXCEPTION 'counts: %', s; END IF;
END $$`,
		`CREATE FUNCTION jq_stats(OUT total bigint, OUT by_state jsonb) LANGUAGE sql STABLE AS $$
  SELECT count(*), jsonb_object_agg(state, n) FROM (SELECT state, count(*) AS n FROM jq_jobs GROUP BY state) s
$$`,
		"SELECT * FROM jq_stats()",
		`CREATE FUNCTION jq_retry_all(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE 'UPDATE jq_jobs SET state = $1, attempts = 0 WHERE queue = $2' USING 'available', q;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$`,
		"SELECT jq_retry_all('mail'), jq_retry_all('none')",
		"SELECT state, attempts FROM jq_jobs WHERE queue = 'mail'",
		`DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM jq_jobs WHERE state = 'failed') THEN
    RAISE EXCEPTION 'unexpected failed job';
  END IF;
  BEGIN
    PERFORM jq_fail(12345, 'x');
  EXCEPTION WHEN SQLSTATE 'NTFND' THEN
    RAISE NOTICE 'not found, as expected';
  END;
END $$`,
		// a function's writes are its transaction's
		"BEGIN",
		"SELECT id FROM jq_add('rolled back')",
		"SELECT count(*) FROM jq_jobs WHERE queue = 'rolled back'",
		"ROLLBACK",
		"SELECT count(*) FROM jq_jobs WHERE queue = 'rolled back'",
		"BEGIN",
		"SELECT (jq_add('kept')).queue",
		"DO $$ BEGIN PERFORM jq_add('inner'); RAISE EXCEPTION 'undo inner'; EXCEPTION WHEN raise_exception THEN NULL; END $$",
		"SELECT jq_fail(999, 'no such job')",
		"SELECT 1",
		"ROLLBACK",
		"BEGIN",
		"SELECT (jq_add('kept')).queue",
		"DO $$ BEGIN PERFORM jq_add('inner'); RAISE EXCEPTION 'undo inner'; EXCEPTION WHEN raise_exception THEN NULL; END $$",
		"COMMIT",
		"SELECT queue FROM jq_jobs WHERE queue IN ('kept', 'inner') ORDER BY 1",
		"BEGIN READ ONLY",
		"SELECT jq_add('ro')",
		"ROLLBACK",
	)
}

// TestPlpgsqlErrorContextMatchesPostgres: an error leaving a PL/pgSQL
// function carries PostgreSQL's CONTEXT lines (function, line, statement)
// for each level it passed.
func TestPlpgsqlErrorContextMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	for _, c := range []*pgx.Conn{pc, lc} {
		mustExec(t, ctx, c, `CREATE FUNCTION ctx_inner(x int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  IF x < 0 THEN RAISE EXCEPTION 'negative %', x; END IF;
  RETURN 10 / x;
END $$`)
		mustExec(t, ctx, c, `CREATE FUNCTION ctx_outer(x int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE v int;
BEGIN
  v := ctx_inner(x);
  RETURN v;
END $$`)
	}
	where := func(c *pgx.Conn, q string) string {
		_, err := c.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol)
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe.Code + " " + pe.Where
		}
		return "no error"
	}
	for _, q := range []string{
		"DO $$ BEGIN\n  RAISE EXCEPTION 'boom';\nEND $$",
		"SELECT ctx_inner(-1)",
		"SELECT ctx_outer(-1)",
		"DO $$ BEGIN\n  ASSERT false;\nEND $$",
		"DO $$ DECLARE x int;\nBEGIN\n  FOR i IN 1..3 LOOP\n    x := 1 / (i - 2);\n  END LOOP;\nEND $$",
	} {
		if got, want := where(lc, q), where(pc, q); got != want {
			t.Errorf("%s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}
