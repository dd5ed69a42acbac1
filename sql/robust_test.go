package sql

import (
	"testing"

	"logdb/sql/pgerror"
)

// Odd statements must fail with a SQLSTATE, never XX000 (a recovered panic).
func TestNoInternalErrors(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE t (id int PRIMARY KEY, v text, n numeric)")
	mustExec(t, s, "INSERT INTO t VALUES (1, 'a', 1.5), (2, NULL, NULL)")
	stmts := []string{
		"SELECT * FROM t WHERE id = (SELECT 1, 2)",
		"SELECT DISTINCT ON (1) id, v FROM t ORDER BY 1",
		"SELECT CASE WHEN id = 1 THEN 'x' END FROM t",
		"SELECT ARRAY[]::int[]",
		"SELECT '{}'::int[]",
		"VALUES (1), ('a')",
		"SELECT id FROM t GROUP BY 5",
		"SELECT t.* FROM t t2",
		"UPDATE t SET id = DEFAULT WHERE id = 2",
		"SELECT count(*) FILTER (WHERE id > 1) FROM t",
		"SELECT * FROM t JOIN t t2 USING (nope)",
		"SELECT * FROM generate_series(1, NULL)",
		"SELECT $1",
		"SELECT $1::int",
		"INSERT INTO t VALUES (3)",
		"INSERT INTO t (id, v) SELECT id + 10, v FROM t",
		"SELECT * FROM t ORDER BY 9",
		"SELECT max(v), min(n), sum(n), avg(n) FROM t",
		"SELECT n::int, v::int FROM t",
		"SELECT * FROM t WHERE v IN (SELECT v FROM t)",
		"SELECT * FROM t WHERE n > ANY (SELECT n FROM t)",
		"SELECT * FROM t LIMIT -1",
		"SELECT * FROM t LIMIT 'x'",
		"SELECT 1 UNION SELECT 'a'",
		"SELECT 1, 2 UNION SELECT 1",
		"WITH x AS (SELECT 1) SELECT * FROM x, x",
		"WITH RECURSIVE r AS (SELECT 1 UNION SELECT n FROM r) SELECT * FROM r",
		"SELECT (SELECT v FROM t WHERE id = t2.id) FROM t t2",
		"SELECT string_agg(id, ',') FROM t",
		"SELECT * FROM (SELECT 1) x(a, b)",
		"SELECT id FROM t HAVING id > 1",
		"SELECT sum(sum(id)) FROM t",
		"ALTER TABLE t ADD COLUMN id int",
		"ALTER TABLE t DROP COLUMN nope",
		"CREATE INDEX ON t (nope)",
		"DROP TABLE nope",
		"TRUNCATE nope",
		"INSERT INTO t VALUES (1, 'x') ON CONFLICT (v) DO NOTHING",
		"INSERT INTO t VALUES (1, 'x') ON CONFLICT DO UPDATE SET v = 'y'",
		"SELECT nextval('nope')",
		"SELECT currval('t')",
		"SELECT pg_typeof(NULL)",
		"SELECT NULL::int + 1, NULL || 'a'",
		"SELECT -id, +id FROM t",
		"SELECT 'a' = ANY(NULL::text[])",
		"SELECT (ARRAY[1,2])[5]",
		"SELECT row_number() OVER (ORDER BY nope) FROM t",
		"SELECT lag(id, 5, 0) OVER () FROM t",
		"SELECT EXISTS (SELECT * FROM t WHERE false)",
		"SELECT * FROM t WHERE id BETWEEN SYMMETRIC 5 AND 1",
		"SELECT * FROM t FOR UPDATE",
		"COPY t TO '/tmp/x'",
		"SELECT id FROM t ORDER BY v NULLS FIRST, n DESC NULLS LAST",
		"EXPLAIN UPDATE t SET v = 'z' WHERE id = 1",
		"SELECT * FROM t t1 FULL JOIN t t2 ON t1.id = t2.id + 1",
		"SELECT 1 FROM t NATURAL JOIN t AS t3",
		"DECLARE c CURSOR FOR SELECT 1",
		"FETCH 1 FROM nope",
		"EXECUTE nope",
		"SELECT interval '1 day' * 2, now() - interval '1 hour' < now()",
		"SELECT json_build_object('a', 1), '{\"a\":1}'::jsonb -> 'a'",
		"SELECT COALESCE(v, 1) FROM t",
	}
	for _, q := range stmts {
		r := &recorder{}
		err := s.SimpleQuery(ctxT(t), q, r)
		if err != nil && pgerror.Code(err) == pgerror.Internal {
			t.Errorf("%s: %v", q, err)
		}
		if s.TxStatus() != 'I' {
			s.SimpleQuery(ctxT(t), "ROLLBACK", r)
		}
	}
}
