package test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPlpgsqlGapsMatchPostgres: the PL/pgSQL gaps of issue 18, statement
// by statement against PostgreSQL 15 (results, SQLSTATEs and messages):
// composite results and OUT arguments of a table's row type (Sequelize's
// findOrCreate function in pg_temp), assignment to array elements,
// slices and record fields, cursors, FOREACH … SLICE.
func TestPlpgsqlGapsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 240*time.Second)
	execOnEach(t, ctx, "CREATE TEMP TABLE gap_users (id serial PRIMARY KEY, name text UNIQUE NOT NULL, n int)", pc, lc)
	execOnEach(t, ctx, "INSERT INTO gap_users (name, n) VALUES ('ann', 1), ('bob', 2), ('cy', 3)", pc, lc)
	matchPostgresMessages(t, ctx, pc, lc,
		// composite results: RETURNS t, OUT r t, (f()).*, SELECT * FROM f()
		`CREATE FUNCTION pg_temp.gap_first() RETURNS gap_users LANGUAGE plpgsql AS $$
DECLARE u gap_users;
BEGIN
  SELECT * INTO u FROM gap_users ORDER BY id LIMIT 1;
  RETURN u;
END $$`,
		`SELECT (pg_temp.gap_first()).*`,
		`SELECT * FROM pg_temp.gap_first()`,
		`SELECT (pg_temp.gap_first()).name`,
		`SELECT name FROM pg_temp.gap_first() AS g`,
		`CREATE FUNCTION pg_temp.gap_out(k int, OUT r gap_users) LANGUAGE plpgsql AS $$
BEGIN
  SELECT * INTO r FROM gap_users WHERE id = k;
END $$`,
		`SELECT * FROM pg_temp.gap_out(2)`,
		`SELECT (pg_temp.gap_out(3)).*`,
		`SELECT (pg_temp.gap_out(99)) IS NULL`,
		`SELECT * FROM pg_temp.gap_out(99)`,
		`CREATE FUNCTION pg_temp.gap_out2(OUT r gap_users, OUT x int) LANGUAGE plpgsql AS $$
BEGIN
  x := 7;
END $$`,
		`SELECT (r).id IS NULL, x FROM pg_temp.gap_out2()`,
		`CREATE FUNCTION pg_temp.gap_bad(OUT r gap_users, OUT x int) RETURNS gap_users LANGUAGE plpgsql AS $$ BEGIN END $$`,
		// an OUT argument of a composite type
		`CREATE TYPE gap_ctp AS (a int, b text)`,
		`CREATE FUNCTION pg_temp.gap_ct(OUT r gap_ctp) LANGUAGE plpgsql AS $$
BEGIN
  r := ROW(1, 'x');
END $$`,
		`SELECT * FROM pg_temp.gap_ct()`,
		`SELECT (pg_temp.gap_ct()).b`,
		`DROP TYPE gap_ctp CASCADE`,
		// not on the search path: a pg_temp function is called qualified
		`SELECT gap_first()`,
		// Sequelize's findOrCreate, as it sends it (one simple query)
		`CREATE OR REPLACE FUNCTION pg_temp.testfunc(OUT response gap_users, OUT sequelize_caught_exception text) RETURNS RECORD AS $func_1$ BEGIN INSERT INTO gap_users (name, n) VALUES ('dee', 4) RETURNING * INTO response; EXCEPTION WHEN unique_violation THEN GET STACKED DIAGNOSTICS sequelize_caught_exception = PG_EXCEPTION_DETAIL; END $func_1$ LANGUAGE plpgsql; SELECT (testfunc.response).id, (testfunc.response).name, testfunc.sequelize_caught_exception FROM pg_temp.testfunc(); DROP FUNCTION IF EXISTS pg_temp.testfunc()`,
		`CREATE OR REPLACE FUNCTION pg_temp.testfunc(OUT response gap_users, OUT sequelize_caught_exception text) RETURNS RECORD AS $func_1$ BEGIN INSERT INTO gap_users (name, n) VALUES ('dee', 5) RETURNING * INTO response; EXCEPTION WHEN unique_violation THEN GET STACKED DIAGNOSTICS sequelize_caught_exception = PG_EXCEPTION_DETAIL; END $func_1$ LANGUAGE plpgsql; SELECT (testfunc.response).*, testfunc.sequelize_caught_exception FROM pg_temp.testfunc(); DROP FUNCTION IF EXISTS pg_temp.testfunc()`,
		`SELECT name, n FROM gap_users ORDER BY id`,
		// assignment to array elements, slices and fields
		`CREATE FUNCTION pg_temp.gap_arr(k int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  a int[];
  b int[] := '{1,2,3}';
  m int[] := '{{1,2},{3,4}}';
  t text[];
  out text := '';
BEGIN
  FOR i IN 1..k LOOP
    a[i] := i * i;
  END LOOP;
  a[k + 2] := -1;
  b[2] := b[2] * 10;
  m[2][1] := 99;
  out := a::text || ' ' || b::text || ' ' || m::text;
  b[2:3] := '{7,8}';
  b[0] := 0;
  t[2] := 'x';
  b[:1] := ARRAY[5, 6];
  RETURN out || ' ' || b::text || ' ' || t::text || ' ' || array_lower(b, 1);
END $$`,
		`SELECT pg_temp.gap_arr(4)`,
		`DO $$
DECLARE m int[] := '{{1,2},{3,4}}';
BEGIN
  m[3][1] := 5;
END $$`,
		`DO $$
DECLARE a int[];
BEGIN
  a[NULL] := 5;
END $$`,
		`DO $$
DECLARE a int;
BEGIN
  a[1] := 5;
END $$`,
		`CREATE FUNCTION pg_temp.gap_fields() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r gap_users;
  r2 gap_users%ROWTYPE;
  q record;
BEGIN
  r.name := 'x';
  r.id := 1;
  r2.n := r.id + 1;
  SELECT 1 AS a, '{1}'::int[] AS arr INTO q;
  q.arr[3] := 5;
  q.a := 10;
  RETURN concat_ws(' ', r.id, r.name, r.n IS NULL, r2.n, r2.name IS NULL, q.a, q.arr::text);
END $$`,
		`SELECT pg_temp.gap_fields()`,
		`DO $$
DECLARE r gap_users;
BEGIN
  r.nope := 1;
END $$`,
		// NEW.f := v in a BEFORE trigger
		`CREATE FUNCTION gap_upper() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.name := upper(NEW.name);
  NEW.n := coalesce(NEW.n, 0) + 100;
  RETURN NEW;
END $$`,
		`CREATE TRIGGER gap_upper BEFORE INSERT ON gap_users FOR EACH ROW EXECUTE FUNCTION gap_upper()`,
		`INSERT INTO gap_users (name) VALUES ('eve') RETURNING name, n`,
		`DROP TRIGGER gap_upper ON gap_users`,
		`DROP FUNCTION gap_upper()`,
	)
	// cursors: OPEN (a query, EXECUTE … USING, a bound cursor with
	// arguments), FETCH in every direction, MOVE, CLOSE, FOR r IN c, and
	// a refcursor returned to the caller, who FETCHes from it in SQL
	matchPostgresMessages(t, ctx, pc, lc,
		`CREATE FUNCTION pg_temp.gap_cur() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  c refcursor;
  c2 CURSOR (lo int) FOR SELECT id, name FROM gap_users WHERE id >= lo ORDER BY id;
  r record;
  x int;
  y text;
  out text := '';
BEGIN
  OPEN c FOR SELECT id FROM gap_users ORDER BY id;
  FETCH c INTO x;
  out := out || x;
  FETCH NEXT FROM c INTO x;
  out := out || ',' || x;
  MOVE FORWARD 1 FROM c;
  FETCH c INTO x;
  out := out || ',' || x;
  FETCH PRIOR FROM c INTO x;
  out := out || ',' || x;
  FETCH LAST FROM c INTO x;
  out := out || ',' || x;
  FETCH c INTO x;
  out := out || ',' || coalesce(x::text, 'null') || found;
  FETCH ABSOLUTE 2 FROM c INTO x;
  out := out || ',' || x;
  FETCH RELATIVE -1 FROM c INTO x;
  out := out || ',' || x;
  MOVE ABSOLUTE 0 FROM c;
  MOVE FORWARD ALL FROM c;
  GET DIAGNOSTICS x = ROW_COUNT;
  out := out || ' moved ' || x;
  CLOSE c;
  OPEN c2(3);
  FETCH c2 INTO x, y;
  out := out || ' ' || x || y;
  CLOSE c2;
  FOR r IN c2(2) LOOP
    out := out || ' ' || r.id;
  END LOOP;
  OPEN c FOR EXECUTE format('SELECT name FROM %I WHERE id = $1', 'gap_users') USING 2;
  FETCH c INTO y;
  out := out || ' ' || y;
  CLOSE c;
  RETURN out;
END $$`,
		`SELECT pg_temp.gap_cur()`,
		`CREATE FUNCTION pg_temp.gap_refcur() RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE c refcursor := 'gap_c';
BEGIN
  OPEN c FOR SELECT id, name FROM gap_users WHERE id <= 2 ORDER BY id;
  RETURN c;
END $$`,
		`BEGIN`,
		`SELECT pg_temp.gap_refcur()`,
		`FETCH NEXT FROM gap_c`,
		`FETCH ALL FROM gap_c`,
		`FETCH BACKWARD 1 FROM gap_c`,
		`CLOSE gap_c`,
		`COMMIT`,
		// the cursor ends with the (implicit) transaction
		`SELECT pg_temp.gap_refcur()`,
		`FETCH ALL FROM gap_c`,
		`DO $$
DECLARE c refcursor;
BEGIN
  FETCH c INTO c;
END $$`,
		`DO $$
DECLARE c refcursor := 'nope';
BEGIN
  CLOSE c;
END $$`,
		`DO $$
DECLARE c CURSOR FOR SELECT 1;
BEGIN
  OPEN c;
  OPEN c;
END $$`,
	)
	// what job-queue migrations use: FOREACH … SLICE, RETURN QUERY
	// EXECUTE with format('%I'), ROW_COUNT after dynamic SQL, labelled
	// EXIT/CONTINUE WHEN, STRICT's errors, SQLSTATE/SQLERRM, RAISE …
	// USING ERRCODE, pg_trigger_depth()
	matchPostgresMessages(t, ctx, pc, lc,
		`CREATE FUNCTION pg_temp.gap_slices(m int[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  x int[];
  y int;
BEGIN
  FOREACH x SLICE 1 IN ARRAY m LOOP
    RETURN NEXT 's1 ' || x::text;
  END LOOP;
  FOREACH x SLICE 2 IN ARRAY m LOOP
    RETURN NEXT 's2 ' || x::text;
  END LOOP;
  FOREACH y IN ARRAY m LOOP
    RETURN NEXT 'e ' || y;
  END LOOP;
END $$`,
		`SELECT * FROM pg_temp.gap_slices('{{1,2,3},{4,5,6}}')`,
		`SELECT * FROM pg_temp.gap_slices('[0:1][2:3]={{1,2},{3,4}}')`,
		`SELECT * FROM pg_temp.gap_slices('{1,2}')`,
		`DO $$
DECLARE x int;
BEGIN
  FOREACH x SLICE 1 IN ARRAY '{{1}}'::int[] LOOP
  END LOOP;
END $$`,
		`CREATE FUNCTION pg_temp.gap_rq(t text, lo int) RETURNS SETOF gap_users LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
  RETURN QUERY EXECUTE format('SELECT * FROM %I WHERE id > $1 ORDER BY id', t) USING lo;
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE NOTICE 'returned %', n;
  EXECUTE format('UPDATE %I SET n = n WHERE id > $1', t) USING lo;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RAISE EXCEPTION 'nothing updated' USING ERRCODE = 'P0001';
  END IF;
END $$`,
		`SELECT id, name FROM pg_temp.gap_rq('gap_users', 2)`,
		`SELECT id FROM pg_temp.gap_rq('gap_users', 100)`,
		`DO $$
DECLARE
  i int := 0;
  j int;
BEGIN
  <<outer>>
  LOOP
    i := i + 1;
    j := 0;
    <<inner>>
    LOOP
      j := j + 1;
      EXIT outer WHEN i * j > 6;
      CONTINUE outer WHEN j >= 2;
    END LOOP inner;
  END LOOP outer;
  RAISE EXCEPTION 'i=% j=%', i, j;
END $$`,
		`DO $$
DECLARE r gap_users;
BEGIN
  SELECT * INTO STRICT r FROM gap_users WHERE id > 100;
END $$`,
		`DO $$
DECLARE r gap_users;
BEGIN
  SELECT * INTO STRICT r FROM gap_users;
END $$`,
		`DO $$
DECLARE x int;
BEGIN
  EXECUTE 'SELECT id FROM gap_users' INTO STRICT x;
END $$`,
		`DO $$
BEGIN
  PERFORM 1 / 0;
EXCEPTION WHEN division_by_zero THEN
  RAISE EXCEPTION 'caught % %', SQLSTATE, SQLERRM USING ERRCODE = 'P0001';
END $$`,
		`DO $$
BEGIN
  RAISE USING ERRCODE = 'P0001';
END $$`,
		`CREATE TABLE gap_depth (id int, depth int)`,
		`CREATE FUNCTION gap_depth_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.depth := pg_trigger_depth();
  IF NEW.id < 3 THEN
    INSERT INTO gap_depth (id) VALUES (NEW.id + 1);
  END IF;
  RETURN NEW;
END $$`,
		`CREATE TRIGGER gap_depth_trg BEFORE INSERT ON gap_depth FOR EACH ROW EXECUTE FUNCTION gap_depth_trg()`,
		`INSERT INTO gap_depth (id) VALUES (1)`,
		`SELECT id, depth, pg_trigger_depth() FROM gap_depth ORDER BY id`,
		`DROP TABLE gap_depth`,
		`DROP FUNCTION gap_depth_trg()`,
	)
	// COMMIT and ROLLBACK in routines: 2D000 where PostgreSQL refuses them
	matchPostgresMessages(t, ctx, pc, lc,
		`CREATE PROCEDURE pg_temp.gap_pc1() LANGUAGE plpgsql AS $$
BEGIN
  COMMIT;
END $$`,
		`CREATE PROCEDURE pg_temp.gap_pc2() LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    ROLLBACK;
  EXCEPTION WHEN division_by_zero THEN
    NULL;
  END;
END $$`,
		`CREATE PROCEDURE pg_temp.gap_pc3() LANGUAGE plpgsql AS $$
BEGIN
  CALL pg_temp.gap_pc1();
END $$`,
		`CREATE FUNCTION pg_temp.gap_fc1() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  COMMIT;
  RETURN 1;
END $$`,
		`BEGIN`,
		`CALL pg_temp.gap_pc1()`,
		`ROLLBACK`,
		`BEGIN`,
		`CALL pg_temp.gap_pc3()`,
		`ROLLBACK`,
		`CALL pg_temp.gap_pc2()`,
		`SELECT pg_temp.gap_fc1()`,
		`BEGIN`,
		`DO $$
BEGIN
  ROLLBACK;
END $$`,
		`ROLLBACK`,
		// … and commit where PostgreSQL does: a procedure CALLed, or a DO
		// block run, outside a transaction block goes on in a new
		// transaction after COMMIT or ROLLBACK
		`CREATE TEMP TABLE gap_tc (i int)`,
		`CREATE PROCEDURE pg_temp.gap_batch(n int) LANGUAGE plpgsql AS $$
BEGIN
  FOR k IN 1..n LOOP
    INSERT INTO gap_tc VALUES (k);
    IF k % 2 = 0 THEN
      COMMIT;
    ELSE
      ROLLBACK;
    END IF;
  END LOOP;
END $$`,
		`CALL pg_temp.gap_batch(6)`,
		`SELECT i FROM gap_tc ORDER BY i`,
		`CREATE PROCEDURE pg_temp.gap_fail() LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO gap_tc VALUES (100);
  COMMIT;
  INSERT INTO gap_tc VALUES (101);
  PERFORM 1 / 0;
END $$`,
		`CALL pg_temp.gap_fail()`,
		`SELECT i FROM gap_tc WHERE i >= 100 ORDER BY i`,
		`CREATE PROCEDURE pg_temp.gap_nested() LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  CALL pg_temp.gap_batch(2);
  FOR r IN SELECT i FROM gap_tc WHERE i < 10 ORDER BY i LOOP
    INSERT INTO gap_tc VALUES (r.i + 1000);
    COMMIT AND CHAIN;
  END LOOP;
  INSERT INTO gap_tc VALUES (200);
  ROLLBACK;
END $$`,
		`CALL pg_temp.gap_nested()`,
		`SELECT i FROM gap_tc ORDER BY i`,
		`DO $$
BEGIN
  INSERT INTO gap_tc VALUES (300);
  COMMIT;
  INSERT INTO gap_tc VALUES (301);
  ROLLBACK;
END $$`,
		`SELECT i FROM gap_tc WHERE i >= 300`,
		// a query string of several statements is an implicit block
		`CALL pg_temp.gap_batch(2); SELECT 1`,
	)
	// the extended protocol: the procedure's transactions, then Sync's
	for _, c := range []*pgx.Conn{pc, lc} {
		mustExec(t, ctx, c, "DELETE FROM gap_tc")
		mustExec(t, ctx, c, "CALL pg_temp.gap_batch(5)")
	}
	matchPostgres(t, ctx, pc, lc, `SELECT i FROM gap_tc ORDER BY i`)
}
