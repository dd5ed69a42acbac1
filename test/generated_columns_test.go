package test

import (
	"strings"
	"testing"
	"time"
)

// TestGeneratedColumnsMatchesPostgres: GENERATED ALWAYS AS (…) STORED
// columns (graphile-worker's jobs table), computed by every write and
// shown by the catalogs as PostgreSQL 15 shows them.
func TestGeneratedColumnsMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)

	execOnEach(t, ctx, `CREATE TABLE gc (id int PRIMARY KEY, a int, b text, is_available boolean GENERATED ALWAYS AS ((a IS NOT NULL) AND (a < 10)) STORED, len int GENERATED ALWAYS AS (length(b) * 2) STORED)`, pc, lc)
	matchPostgres(t, ctx, pc, lc,
		`INSERT INTO gc (id, a, b) VALUES (1, 5, 'xy'), (2, NULL, NULL) RETURNING *`,
		`INSERT INTO gc VALUES (3, 20, 'abc', DEFAULT, DEFAULT) RETURNING len, is_available`,
		`INSERT INTO gc VALUES (4, 20, 'abc', true)`,
		`INSERT INTO gc (id, len) VALUES (4, 1)`,
		`INSERT INTO gc (id, len) SELECT 4, 1`,
		`UPDATE gc SET a = 1, b = 'hello' WHERE id = 3 RETURNING *`,
		`UPDATE gc SET len = 3`,
		`UPDATE gc SET len = DEFAULT, a = 2 WHERE id = 2 RETURNING *`,
		`INSERT INTO gc (id, a, b) VALUES (1, 50, 'q') ON CONFLICT (id) DO UPDATE SET a = excluded.a, b = excluded.b RETURNING *`,
		`MERGE INTO gc USING (VALUES (1, 7), (5, 8)) v(id, a) ON gc.id = v.id WHEN MATCHED THEN UPDATE SET a = v.a WHEN NOT MATCHED THEN INSERT (id, a, b) VALUES (v.id, v.a, 'm')`,
		`MERGE INTO gc USING (VALUES (6, 7)) v(id, a) ON gc.id = v.id WHEN NOT MATCHED THEN INSERT (id, len) VALUES (v.id, 1)`,
		`MERGE INTO gc USING (VALUES (1, 7)) v(id, a) ON gc.id = v.id WHEN MATCHED THEN UPDATE SET len = 1`,
		`SELECT * FROM gc ORDER BY id`,
		`SELECT attname, attgenerated FROM pg_attribute WHERE attrelid = 'gc'::regclass AND attnum > 0 ORDER BY attnum`,
		`SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'gc'::regclass ORDER BY 1`,
		`SELECT pg_get_expr(d.adbin, d.adrelid, true) FROM pg_attrdef d WHERE d.adrelid = 'gc'::regclass AND d.adnum = 5`,
		`SELECT column_name, is_generated, generation_expression, column_default FROM information_schema.columns WHERE table_name = 'gc' ORDER BY ordinal_position`,
		`CREATE TABLE gc_bad1 (a int, b int GENERATED ALWAYS AS (a * 2) STORED, c int GENERATED ALWAYS AS (b + 1) STORED)`,
		`CREATE TABLE gc_bad2 (a timestamptz, b text GENERATED ALWAYS AS (a::text) STORED)`,
		`CREATE TABLE gc_bad3 (a int, b int DEFAULT 1 GENERATED ALWAYS AS (a) STORED)`,
		`CREATE TABLE gc_bad4 (a int, b int GENERATED ALWAYS AS (random()) STORED)`,
		`CREATE TABLE gc_bad5 (a int, b int GENERATED ALWAYS AS (nope) STORED)`,
		`CREATE TABLE gc_bad6 (a int, b int GENERATED ALWAYS AS ((SELECT 1)) STORED)`,
		`CREATE TABLE gc_chk (a int, b int GENERATED ALWAYS AS (a * 2) STORED CHECK (b < 10), c int GENERATED ALWAYS AS (a + 1) STORED NOT NULL)`,
		`INSERT INTO gc_chk (a) VALUES (1)`,
		`INSERT INTO gc_chk (a) VALUES (7)`,
		`INSERT INTO gc_chk (a) VALUES (NULL)`,
		`SELECT * FROM gc_chk`,
		`CREATE TABLE gc_dep (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a + 1) STORED)`,
		`INSERT INTO gc_dep (id, a) VALUES (1, 1)`,
		`ALTER TABLE gc_dep ALTER COLUMN a TYPE bigint`,
		`ALTER TABLE gc_dep RENAME COLUMN a TO x`,
		`INSERT INTO gc_dep (id, x) VALUES (2, 5)`,
		`SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'gc_dep'::regclass`,
		`ALTER TABLE gc_dep DROP COLUMN x`,
		`ALTER TABLE gc_dep DROP COLUMN x CASCADE`,
		`INSERT INTO gc_dep (id) VALUES (3)`,
		`SELECT * FROM gc_dep ORDER BY id`,
	)
	// COPY leaves the generated columns out, and computes them
	if _, err := lc.PgConn().CopyFrom(ctx, strings.NewReader("10\t3\tz\n"), "COPY gc (id, a, b) FROM STDIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.PgConn().CopyFrom(ctx, strings.NewReader("10\t3\tz\n"), "COPY gc (id, a, b) FROM STDIN"); err != nil {
		t.Fatal(err)
	}
	matchPostgres(t, ctx, pc, lc, `SELECT * FROM gc WHERE id = 10`)
	_, lerr := lc.PgConn().CopyFrom(ctx, strings.NewReader("11\t1\n"), "COPY gc (id, len) FROM STDIN")
	wantCode(t, lerr, "42P10", "COPY of a generated column")
}
