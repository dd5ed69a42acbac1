package test

import (
	"testing"
	"time"
)

// TestCompositeTypesMatchPostgres: CREATE TYPE … AS (…), columns and
// arrays of it, ROW(…)::t, '(…)'::t input and its errors, (col).field,
// comparison, ordering, json and DROP TYPE, on logdb and PostgreSQL 15.
func TestCompositeTypesMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgres(t, ctx, pc, lc,
		"CREATE TYPE pair AS (a int, b text)",
		"CREATE TYPE pair AS (x int)",
		"CREATE TYPE bad AS (a int, a text)",
		"CREATE TYPE bad AS (a nosuch)",
		"CREATE TABLE ct (id int PRIMARY KEY, p pair, ps pair[])",
		"INSERT INTO ct VALUES (1, ROW(1, 'x'), NULL)",
		`INSERT INTO ct VALUES (2, '(2,"y z")', ARRAY[ROW(3, 'w')::pair])`,
		"INSERT INTO ct VALUES (3, '(,)', NULL)",
		"INSERT INTO ct VALUES (4, NULL, NULL)",
		`INSERT INTO ct VALUES (5, '(7,"a ""q"" \\ b")', '{"(1,a)","(2,)"}')`,
		"INSERT INTO ct VALUES (6, '(1,x,3)', NULL)",
		"INSERT INTO ct VALUES (7, '(a,x)', NULL)",
		"INSERT INTO ct VALUES (8, '1,x', NULL)",
		"INSERT INTO ct VALUES (9, ROW(1, 'x', 3), NULL)",
		"INSERT INTO ct VALUES (10, '(1,x) junk', NULL)",
		"INSERT INTO ct VALUES (11, '(1', NULL)",
		"SELECT * FROM ct ORDER BY id",
		"SELECT id, (p).a, (p).b, (ct.p).a FROM ct ORDER BY id",
		`SELECT ROW(1, 'x')::pair, '(5,"a,b")'::pair, ('(5,q)'::pair).b, ('(5,q)'::pair).a + 1`,
		"SELECT id FROM ct WHERE p = ROW(1, 'x')::pair",
		"SELECT id FROM ct WHERE p > '(1,x)' ORDER BY id",
		"SELECT p FROM ct ORDER BY p, id",
		"SELECT pg_typeof(p), pg_typeof(ps) FROM ct LIMIT 1",
		"SELECT format_type('pair'::regtype, NULL), typtype, typcategory, typlen FROM pg_type WHERE typname = 'pair'",
		"SELECT column_name, data_type, udt_name FROM information_schema.columns WHERE table_name = 'ct' ORDER BY ordinal_position",
		"SELECT to_json(p), row_to_json(p) FROM ct WHERE id = 2",
		"SELECT p::text, ps::text FROM ct WHERE id = 5",
		"UPDATE ct SET p = ROW(9, 'nine') WHERE id = 1",
		"UPDATE ct SET p = '(10,ten)' WHERE id = 3",
		"SELECT id, p FROM ct ORDER BY id",
		"CREATE TYPE cm AS ENUM ('a', 'b')",
		"CREATE TYPE withenum AS (e cm, n int)",
		"SELECT '(b,1)'::withenum, '(c,1)'::withenum",
		"DROP TYPE cm",
		"CREATE TABLE pair (a int)",
		"DROP TYPE pair",
		"DROP TYPE pair CASCADE",
		"SELECT * FROM ct ORDER BY id",
		"DROP TABLE ct",
		"DROP TYPE withenum",
		"DROP TYPE cm",
	)
}
