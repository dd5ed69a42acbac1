package test

import (
	"testing"
	"time"
)

// TestStoredExprTypesMatchesPostgres: expressions stored by one session
// (defaults, CHECK constraints, generation expressions, index predicates
// and expressions, domain checks, policies) that name types of a schema
// on its search path mean the same types in another session whose path
// does not reach that schema, as PostgreSQL binds them at creation; their
// printed forms and ::regtype qualify a type exactly when the reader's
// path does not make it visible.
func TestStoredExprTypesMatchesPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	pg := mustStartPostgres(t)
	pc1, pc2 := pg.connect(t), pg.connect(t)
	n := sharedNode(t)
	lc1, lc2 := mustConnect(t, n), mustConnect(t, n)

	// session 1 creates, with the types' schema on its path
	execOnEach(t, ctx, `CREATE SCHEMA ste;
CREATE TYPE ste.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE ste.pair AS (a int, b int);
CREATE DOMAIN ste.pos AS int CHECK (VALUE > 0);
SET search_path = ste, public;
CREATE DOMAIN ste.cheer AS mood CHECK (VALUE <> 'sad'::mood);
CREATE TABLE ste.t (id int PRIMARY KEY,
  m mood DEFAULT 'ok' CHECK (m <> 'sad'::mood),
  ms mood[] DEFAULT ARRAY['ok'::mood],
  pr pair DEFAULT ROW(1, 2)::pair,
  p pos,
  c cheer,
  happy boolean GENERATED ALWAYS AS (m = 'happy'::mood) STORED);
CREATE INDEX ste_t_happy ON ste.t (id) WHERE m = 'happy'::mood;
CREATE INDEX ste_t_expr ON ste.t ((m = 'ok'::mood));
CREATE TYPE public.ste_pmood AS ENUM ('a', 'b');
CREATE TABLE ste.tp (id int PRIMARY KEY, pm ste_pmood DEFAULT 'a' CHECK (pm <> 'b'::ste_pmood))`, pc1, lc1)
	// session 2 keeps the default path
	matchPostgres(t, ctx, pc2, lc2,
		`SHOW search_path`,
		`INSERT INTO ste.t (id, p, c) VALUES (1, 1, 'ok')`,
		`INSERT INTO ste.t (id, m, p, c) VALUES (2, 'happy', 2, 'happy')`,
		`INSERT INTO ste.t (id, m, p) VALUES (3, 'sad', 3)`,
		`INSERT INTO ste.t (id, c) VALUES (4, 'sad')`,
		`UPDATE ste.t SET m = 'sad' WHERE id = 1`,
		`SELECT id, m, ms, pr, p, c, happy FROM ste.t ORDER BY id`,
		`SELECT id FROM ste.t WHERE m = 'happy' ORDER BY id`,
		`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ste.t'::regclass AND contype = 'c'`,
		`SELECT attname, pg_get_expr(adbin, adrelid) FROM pg_attrdef JOIN pg_attribute ON attrelid = adrelid AND attnum = adnum WHERE adrelid = 'ste.t'::regclass ORDER BY attnum`,
		`SELECT pg_get_indexdef('ste.ste_t_happy'::regclass)`,
		`SELECT 'ste.mood'::regtype, 'ste.mood'::regtype::text, 'ste.pair[]'::regtype::text, pg_typeof(ROW(1, 2)::ste.pair)`,
		`SELECT format_type('ste.mood'::regtype, NULL)`,
		// a type of public is bound too: a path without public finds it
		`SET search_path = ste`,
		`INSERT INTO tp (id) VALUES (1)`,
		`INSERT INTO tp VALUES (2, 'b')`,
		`SELECT id, pm FROM tp`,
		`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ste.tp'::regclass AND contype = 'c'`,
		`SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'ste.tp'::regclass`,
		`RESET search_path`,
		`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ste.tp'::regclass AND contype = 'c'`,
		`SELECT column_default FROM information_schema.columns WHERE table_name = 'tp' AND column_name = 'pm'`,
		`SELECT check_clause FROM information_schema.check_constraints WHERE constraint_name = 'tp_pm_check'`,
	)
	// and session 1 sees them unqualified
	matchPostgres(t, ctx, pc1, lc1,
		`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ste.t'::regclass AND contype = 'c'`,
		`SELECT attname, pg_get_expr(adbin, adrelid) FROM pg_attrdef JOIN pg_attribute ON attrelid = adrelid AND attnum = adnum WHERE adrelid = 'ste.t'::regclass ORDER BY attnum`,
		`SELECT pg_get_indexdef('ste.ste_t_happy'::regclass)`,
		`SELECT 'ste.mood'::regtype, 'ste.mood'::regtype::text, 'mood[]'::regtype::text, pg_typeof(ROW(1, 2)::pair)`,
		`INSERT INTO t (id, m, p) VALUES (5, 'ok', 5)`,
		`SELECT count(*) FROM t`,
		`RESET search_path`,
		// renaming the schema keeps them bound to its types
		`ALTER SCHEMA ste RENAME TO ste_r`,
		`INSERT INTO ste_r.t (id, m, p, c) VALUES (6, 'happy', 6, 'ok')`,
		`INSERT INTO ste_r.t (id, m, p) VALUES (7, 'sad', 7)`,
		`INSERT INTO ste_r.t (id, p, c) VALUES (8, 8, 'sad')`,
		`SELECT id, m, ms, happy FROM ste_r.t WHERE id > 5`,
		`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ste_r.t'::regclass AND contype = 'c'`,
		`SELECT pg_get_indexdef('ste_r.ste_t_happy'::regclass)`,
		`DROP SCHEMA ste_r CASCADE`,
		`DROP TYPE ste_pmood`,
	)
}
