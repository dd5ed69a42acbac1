package test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// answerWithMessage is answerOf with the error's message too (RAISE's
// text is part of the answer).
func answerWithMessage(ctx context.Context, c *pgx.Conn, sql string) string {
	_, err := c.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return "ERROR " + pe.Code + " " + pe.Message + " / " + pe.Detail + " / " + pe.Hint
	}
	return answerOf(ctx, c, sql)
}

// matchPostgresMessages is matchPostgres comparing error messages too;
// statements without an error run twice (the second run's rows compared).
func matchPostgresMessages(t *testing.T, ctx context.Context, pc, lc *pgx.Conn, qs ...string) {
	t.Helper()
	for _, q := range qs {
		want, got := answerWithMessage(ctx, pc, q), answerWithMessage(ctx, lc, q)
		if got != want {
			t.Errorf("%s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}

// TestFunctionsMatchPostgres: CREATE FUNCTION in LANGUAGE sql and
// plpgsql — arguments, defaults, named calls, OUT parameters, SETOF and
// TABLE results in FROM, overloading, DROP and ALTER — against PostgreSQL 15.
func TestFunctionsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 180*time.Second)
	execOnEach(t, ctx, "CREATE TABLE fn_items (id int PRIMARY KEY, name text, qty int)", pc, lc)
	execOnEach(t, ctx, "INSERT INTO fn_items VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30)", pc, lc)
	matchPostgres(t, ctx, pc, lc,
		"CREATE FUNCTION fn_add(a int, b int DEFAULT 10) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$",
		"SELECT fn_add(1, 2), fn_add(5), fn_add(b => 1, a => 2), fn_add(a => 7)",
		"SELECT fn_add(1, 2, 3)",
		"SELECT fn_add()",
		"SELECT fn_add(b => 1)",
		"CREATE FUNCTION fn_add(a int, b int DEFAULT 10) RETURNS int LANGUAGE sql AS $$ SELECT a - b $$",
		"CREATE OR REPLACE FUNCTION fn_add(a int, b int DEFAULT 10) RETURNS int LANGUAGE sql AS $$ SELECT a * b $$",
		"SELECT fn_add(3, 4)",
		"CREATE OR REPLACE FUNCTION fn_add(a int, b int DEFAULT 10) RETURNS bigint LANGUAGE sql AS $$ SELECT a * b $$",
		// overloading by argument types
		"CREATE FUNCTION fn_show(x int) RETURNS text LANGUAGE sql AS $$ SELECT 'int ' || x $$",
		"CREATE FUNCTION fn_show(x text) RETURNS text LANGUAGE sql AS $$ SELECT 'text ' || x $$",
		"SELECT fn_show(1), fn_show('a'::text), fn_show(2::smallint)",
		// SQL bodies: several statements, the last one's result; $n
		"CREATE FUNCTION fn_bump(i int) RETURNS int LANGUAGE sql AS $$ UPDATE fn_items SET qty = qty + 1 WHERE id = i; SELECT qty FROM fn_items WHERE id = $1 $$",
		"SELECT fn_bump(1), fn_bump(1)",
		"SELECT qty FROM fn_items WHERE id = 1",
		"CREATE FUNCTION fn_names() RETURNS SETOF text LANGUAGE sql STABLE AS $$ SELECT name FROM fn_items ORDER BY id $$",
		"SELECT * FROM fn_names()",
		"SELECT n FROM fn_names() AS n ORDER BY n DESC",
		"SELECT * FROM fn_names() WITH ORDINALITY",
		"CREATE FUNCTION fn_tab(min_qty int) RETURNS TABLE(id int, name text) LANGUAGE sql AS $$ SELECT id, name FROM fn_items WHERE qty >= min_qty ORDER BY id $$",
		"SELECT * FROM fn_tab(20)",
		"SELECT t.name FROM fn_tab(0) t WHERE t.id > 1",
		"CREATE FUNCTION fn_row(i int) RETURNS fn_items LANGUAGE sql AS $$ SELECT * FROM fn_items WHERE id = i $$",
		"SELECT * FROM fn_row(2)",
		"CREATE FUNCTION fn_outs(a int, OUT doubled int, OUT label text) LANGUAGE sql AS $$ SELECT a * 2, 'n' || a $$",
		"SELECT * FROM fn_outs(4)",
		"SELECT fn_outs(5)",
		"SELECT (fn_outs(6)).label",
		"CREATE FUNCTION fn_void() RETURNS void LANGUAGE sql AS $$ UPDATE fn_items SET qty = 0 WHERE id = 3 $$",
		"SELECT fn_void()",
		"SELECT qty FROM fn_items WHERE id = 3",
		"CREATE FUNCTION fn_strict(a int) RETURNS int LANGUAGE sql STRICT AS $$ SELECT 42 $$",
		"SELECT fn_strict(NULL), fn_strict(1)",
		"CREATE FUNCTION fn_var(VARIADIC xs int[]) RETURNS int LANGUAGE sql AS $$ SELECT array_length(xs, 1) $$",
		"SELECT fn_var(1, 2, 3), fn_var(VARIADIC ARRAY[4, 5])",
		"SELECT fn_items.id, fn_add(fn_items.qty, 1) FROM fn_items ORDER BY 1",
		// set-returning functions in the select list
		"SELECT fn_names()",
		"SELECT 1 AS x, fn_names(), fn_tab(20)",
		"SELECT (fn_tab(0)).name",
		"SELECT fn_names() WHERE false",
		"SELECT id FROM fn_items WHERE fn_names() = 'a'",
		// SET on a function holds while it runs
		"CREATE SCHEMA fn_s",
		"CREATE TABLE fn_s.hidden (v text)",
		"INSERT INTO fn_s.hidden VALUES ('from fn_s')",
		"CREATE FUNCTION fn_pathed() RETURNS text LANGUAGE plpgsql SET search_path = fn_s AS $$ BEGIN RETURN (SELECT v FROM hidden); END $$",
		"SELECT fn_pathed()",
		"SELECT v FROM hidden",
		"SHOW search_path",
		"SELECT proconfig FROM pg_proc WHERE proname = 'fn_pathed'",
		"CREATE FUNCTION fn_s.inside(x int) RETURNS int LANGUAGE sql AS $$ SELECT x + 1 $$",
		"SELECT fn_s.inside(1)",
		"ALTER SCHEMA fn_s RENAME TO fn_s2",
		"SELECT fn_s2.inside(2)",
		"SELECT fn_s.inside(2)",
		"DROP SCHEMA fn_s2",
		"DROP SCHEMA fn_s2 CASCADE",
		"SELECT count(*) FROM pg_proc WHERE proname = 'inside'",
		"SELECT fn_nope(1)",
		"CREATE FUNCTION fn_bad() RETURNS int LANGUAGE sql AS $$ SELEC 1 $$",
		"CREATE FUNCTION fn_lang() RETURNS int LANGUAGE plperlx AS $$ 1 $$",
		"CREATE FUNCTION fn_def(a int DEFAULT 1, b int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
		// DROP and ALTER
		"DROP FUNCTION fn_show",
		"DROP FUNCTION fn_show(text)",
		"SELECT fn_show('a'::text)",
		"DROP FUNCTION fn_show(int)",
		"DROP FUNCTION fn_show(int)",
		"DROP FUNCTION IF EXISTS fn_show(int)",
		"ALTER FUNCTION fn_strict(int) RENAME TO fn_strict2",
		"SELECT fn_strict2(3)",
		"SELECT fn_strict(3)",
		"DROP FUNCTION fn_strict2(int), fn_void()",
		"REVOKE ALL ON FUNCTION fn_add(int, int) FROM PUBLIC",
		"GRANT EXECUTE ON FUNCTION fn_add(int, int), fn_bump(int) TO PUBLIC",
		"GRANT ALL ON ALL FUNCTIONS IN SCHEMA public TO PUBLIC",
		"GRANT EXECUTE ON FUNCTION fn_gone(int) TO PUBLIC",
		"SELECT proacl IS NULL, array_length(proacl, 1) FROM pg_proc WHERE proname = 'fn_add'",
		"ALTER FUNCTION fn_add(int, int) STABLE STRICT SET search_path = public",
		"ALTER FUNCTION fn_add(int, int) RESET search_path",
		"ALTER FUNCTION fn_add(int, int) SET work_mem = '8MB'",
		"SELECT provolatile, proisstrict, proconfig FROM pg_proc WHERE proname = 'fn_add'",
		"ALTER FUNCTION fn_nope(int) IMMUTABLE",
		"COMMENT ON FUNCTION fn_add(int, int) IS 'adds'",
		// pg_proc
		"SELECT proname, prokind, provolatile, proretset, pronargs, pronargdefaults, proargnames, proisstrict FROM pg_proc WHERE proname LIKE 'fn\\_%' ORDER BY proname, pronargs",
		"SELECT proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE proname LIKE 'fn\\_%' ORDER BY 1",
		"SELECT pg_get_function_arguments(oid), pg_get_function_result(oid) FROM pg_proc WHERE proname IN ('fn_add', 'fn_tab', 'fn_outs', 'fn_var') ORDER BY proname",
		"SELECT prorettype::regtype, proargtypes FROM pg_proc WHERE proname = 'fn_add'",
		// procedures
		"CREATE PROCEDURE fn_proc(i int, n text) LANGUAGE sql AS $$ INSERT INTO fn_items VALUES (i, n, 0) $$",
		"CALL fn_proc(10, 'ten')",
		"CALL fn_proc(n => 'eleven', i => 11)",
		"SELECT id, name FROM fn_items WHERE id >= 10 ORDER BY id",
		"SELECT fn_proc(12, 'x')",
		"CALL fn_add(1, 2)",
		"CALL fn_nothere()",
		"DROP FUNCTION fn_proc(int, text)",
		"DROP PROCEDURE fn_proc(int, text)",
	)
}
