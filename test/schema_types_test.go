package test

import (
	"testing"
	"time"
)

// TestSchemaTypesMatchesPostgres: enums, composite types and domains in a
// schema other than public (graphile-worker's graphile_worker.job_spec),
// found by qualified name and through search_path, shown by pg_type and
// format_type, dropped with their schema.
func TestSchemaTypesMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)

	execOnEach(t, ctx, `CREATE SCHEMA st;
CREATE TYPE st.spec AS (identifier text, prio int);
CREATE TYPE st.mood AS ENUM ('sad', 'ok');
CREATE DOMAIN st.pos AS int CHECK (VALUE > 0);
CREATE TYPE mood AS ENUM ('x', 'y');
CREATE TABLE st.jobs (id st.pos PRIMARY KEY, m st.mood, s st.spec, pm mood)`, pc, lc)
	matchPostgres(t, ctx, pc, lc,
		`INSERT INTO st.jobs VALUES (1, 'ok', ROW('a', 2)::st.spec, 'y')`,
		`SELECT id, m, s, (s).identifier, pm FROM st.jobs`,
		`SELECT t.typname, n.nspname, t.typtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typname IN ('spec', 'mood', 'pos', '_spec', '_mood') ORDER BY 2, 1`,
		`SELECT format_type('st.spec'::regtype, NULL), format_type('st.mood[]'::regtype, NULL)`,
		`SELECT 'sad'::st.mood, 'x'::mood, '(b,3)'::st.spec`,
		`SELECT 'sad'::mood`,
		`SELECT 1::st.nope`,
		`SELECT 1::nope.spec`,
		`SELECT (-1)::st.pos`,
		`CREATE TYPE st.mood AS ENUM ('a')`,
		`CREATE TYPE nope.t AS ENUM ('a')`,
		`ALTER TYPE st.mood ADD VALUE 'happy'`,
		`SELECT enum_range(NULL::st.mood)`,
		`SET search_path = st, public`,
		`SELECT 'sad'::mood, 'x'::public.mood, '(c,4)'::spec, 5::pos`,
		`SELECT format_type('st.spec'::regtype, NULL), format_type('public.mood'::regtype, NULL)`,
		`CREATE TYPE t2 AS (a int)`,
		`SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typname = 't2'`,
		`SELECT pg_type_is_visible('st.t2'::regtype), pg_type_is_visible('public.mood'::regtype)`,
		`RESET search_path`,
		`CREATE TYPE st.free AS (a int)`,
		`ALTER TYPE st.free ADD ATTRIBUTE note text`,
		`SELECT '(1,x)'::st.free`,
		`ALTER DOMAIN st.pos SET NOT NULL`,
		`ALTER TYPE st.mood RENAME TO feeling`,
		`SELECT 'ok'::st.feeling`,
		`DROP TYPE st.t2`,
		`DROP TYPE IF EXISTS st.t2, nope.t2`,
		`DROP SCHEMA st`,
		`CREATE TABLE outside (a int, f st.feeling)`,
		`DROP SCHEMA st CASCADE`,
		`SELECT count(*) FROM pg_type WHERE typname IN ('spec', 'feeling', 'pos', '_spec', 'free')`,
		`SELECT attname FROM pg_attribute WHERE attrelid = 'outside'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
		`SELECT 'x'::mood`,
	)
}
