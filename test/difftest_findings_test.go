package test

import (
	"testing"
	"time"
)

// TestDifftestTypedFindingsMatchPostgres: what the differential tester found
// once its generator read timestamptz, interval, jsonb and int[] columns,
// compared statement by statement with PostgreSQL 15.
func TestDifftestTypedFindingsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgres(t, ctx, pc, lc,
		// the anycompatible family: arguments meet at their common type
		"SELECT ARRAY[1]::int[] || 2::bigint, pg_typeof(ARRAY[1]::int[] || 2::bigint), 2::bigint || ARRAY[1]::int[], ARRAY[1]::int[] || ARRAY[2]::bigint[]",
		"SELECT array_remove(ARRAY[1,2]::int[], 2::bigint), array_position(ARRAY[1,2]::int[], 2::bigint), array_positions(ARRAY[1,2,2]::int[], 2::int8)",
		"SELECT array_replace(ARRAY[1]::int[], 1, 2.5), pg_typeof(array_append(ARRAY[1]::int[], 2.5)), array_prepend(1.5, ARRAY[1]), array_cat(ARRAY[1], ARRAY[2.5])",
		"SELECT ARRAY[1] || '{2}', '{2}' || ARRAY[1], array_cat('{1}', '{2}'), array_append('{1}', '2'), ARRAY[1] || NULL, array_append(NULL, 1)",
		"SELECT ARRAY['a'] || 1",
		"SELECT ARRAY[1] || 'x'",
		"SELECT ARRAY[1]::int[] = ARRAY[1]::bigint[]",
		"SELECT coalesce(ARRAY[1]::int[], ARRAY[2]::bigint[]), pg_typeof(coalesce(ARRAY[1]::int[], ARRAY[2]::bigint[])), pg_typeof(CASE WHEN true THEN ARRAY[1.5] ELSE ARRAY[1] END)",
		"SELECT proname, array_to_string(proargtypes::regtype[], ',') FROM pg_proc WHERE proname IN ('array_append', 'array_remove') ORDER BY 1",
		// jsonb values equal as jsonb are one for DISTINCT, GROUP BY and set operations
		`SELECT count(DISTINCT x), count(*) FROM (VALUES ('{"a":0}'::jsonb), ('{"a":0.000}'::jsonb), ('{"a":0.0}'::jsonb)) v(x)`,
		`SELECT x, count(*) FROM (VALUES ('{"a":0}'::jsonb), ('{"a":0.000}'::jsonb), ('1.50'::jsonb), ('1.5'::jsonb), (NULL)) v(x) GROUP BY x ORDER BY 1`,
		`SELECT * FROM (VALUES ('{"a":0}'::jsonb)) a(x) EXCEPT SELECT * FROM (VALUES ('{"a":0.00}'::jsonb)) b(x)`,
		`SELECT DISTINCT x FROM (VALUES (ARRAY['{"a":1}'::jsonb]), (ARRAY['{"a":1.0}'::jsonb])) v(x)`,
		// COALESCE of untyped literals is text
		"SELECT array_agg(c), pg_typeof(coalesce('a', 'b')) FROM (SELECT coalesce('', 'zz')) t(c)",
		// jsonb -> n on a scalar: a raw scalar is an array of one
		`SELECT '"a"'::jsonb -> 0, '7'::jsonb -> 0, '7'::jsonb -> -1, '7'::jsonb -> 1, '{"a":1}'::jsonb -> 0, '"a"'::jsonb ->> 0, '"a"'::json -> 0, '7'::jsonb #> '{0}', 'null'::jsonb -> 0, to_jsonb(false) -> 0`,
		// wall clocks a transition skips or repeats
		"SET TIME ZONE 'America/New_York'",
		"SELECT timestamptz '2024-03-09 02:30:00' + interval '1 day', timestamptz '2024-11-02 01:30:00' + interval '1 day', timestamptz '2024-02-10 02:30' + interval '1 mon', timestamptz '2024-03-11 02:30' - interval '1 day'",
		"SELECT make_timestamptz(2024, 3, 10, 2, 30, 0), make_timestamptz(2024, 11, 3, 1, 30, 0), to_timestamp('2024-03-10 02:30', 'YYYY-MM-DD HH24:MI')",
		"SELECT date_trunc('hour', timestamptz '2024-11-03 01:30:00-04'), date_trunc('hour', timestamptz '2024-11-03 01:30:00-05'), date_trunc('day', timestamptz '2024-11-03 01:30:00-05'), date_trunc('minute', timestamptz '2024-03-10 03:30:10-04')",
		"SELECT timestamp '2024-03-10 02:30' + interval '1 day', date_trunc('hour', timestamp '2024-11-03 01:30:10')",
	)
}

// TestConstantFoldingMatchesPostgres: an operator over constants is
// evaluated while the statement is planned, as PostgreSQL's constant
// folding does, so its error is the statement's even when no row reaches
// it — except where PostgreSQL does not fold: CASE arms after a constant
// true WHEN or under a constant false one, COALESCE after a non-NULL
// constant, AND after a constant false, OR after a constant true.
func TestConstantFoldingMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	execOnEach(t, ctx, "CREATE TABLE cf (a int, j jsonb); INSERT INTO cf VALUES (2, '{}')", pc, lc)
	matchPostgres(t, ctx, pc, lc,
		"SELECT 1/0 FROM cf WHERE false",
		"SELECT 10 % 0, a FROM cf WHERE a > 5",
		"SELECT 2147483647 + 1 FROM cf WHERE false",
		"SELECT -(-9223372036854775808)::int8 FROM cf WHERE false",
		"SELECT 1.5e300::float8 * 1e300 FROM cf WHERE false",
		`SELECT '"a"'::jsonb - 'n' FROM cf WHERE false`,
		"SELECT CASE WHEN a = 1 THEN 1/0 END FROM cf",
		"SELECT CASE a WHEN 1 THEN 1/0 END FROM cf",
		"SELECT CASE WHEN a > 0 THEN 1 ELSE 1/0 END FROM cf",
		"SELECT coalesce(a, 1/0) FROM cf",
		"SELECT 1 FROM cf WHERE a = 2 AND 1/0 = 1",
		"SELECT 1 FROM cf WHERE 1/0 = 1 AND false",
		"SELECT 1 FROM cf WHERE NULL AND 1/0 = 1",
		"SELECT a FROM cf WHERE a = 1 OR 1/0 = 1",
		// not folded, as in PostgreSQL
		"SELECT CASE WHEN false THEN 1/0 END, CASE WHEN NULL THEN 1/0 ELSE 2 END, CASE WHEN 1 > 0 THEN 1 ELSE 1/0 END FROM cf",
		"SELECT CASE 1 WHEN 2 THEN 1/0 END, CASE 2 WHEN 2 THEN 5 ELSE 1/0 END FROM cf",
		"SELECT coalesce(1, 1/0), coalesce(NULL, 2, 1/0) FROM cf",
		"SELECT 1 FROM cf WHERE false AND 1/0 = 1",
		"SELECT a FROM cf WHERE true OR 1/0 = 1",
		"SELECT a FROM cf WHERE a = 2 AND (false AND 1/0 = 1)",
		// a literal's input fails while the statement is analysed, even where nothing folds
		"SELECT CASE WHEN false THEN 'x'::int END FROM cf",
		"SELECT CASE WHEN false THEN 'x' ELSE 1 END FROM cf",
		// the session's zone: not folded, still right
		"SET TIME ZONE 'America/New_York'",
		"SELECT timestamptz '2024-03-09 02:30:00' + interval '1 day' FROM cf",
	)
}

// TestRowIsNullMatchesPostgres: a row is NULL when all its fields are and
// NOT NULL when none is (the differential tester found logdb testing the
// row value itself, so ROW(1, NULL) IS NOT NULL was true and joins and
// filters on it kept rows PostgreSQL drops).
func TestRowIsNullMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 60*time.Second)
	execOnEach(t, ctx, `CREATE TABLE rn1 (id int, a int); CREATE TABLE rn2 (id int, b text);
INSERT INTO rn1 VALUES (1, 1), (2, NULL), (3, 3); INSERT INTO rn2 VALUES (1, 'x'), (3, NULL)`, pc, lc)
	matchPostgres(t, ctx, pc, lc,
		"SELECT ROW(1,NULL) IS NULL, ROW(1,NULL) IS NOT NULL, ROW(NULL,NULL) IS NULL, ROW(NULL,NULL) IS NOT NULL, ROW(1,2) IS NOT NULL, NOT (ROW(1,NULL) IS NULL), (1, NULL) IS NULL",
		"SELECT rn1.id, rn2 IS NULL, rn2 IS NOT NULL, rn1 IS NOT NULL, ROW(rn1.a, rn2.b) IS NULL FROM rn1 LEFT JOIN rn2 USING (id) ORDER BY 1",
		"SELECT count(*) FROM rn1 LEFT JOIN rn2 ON rn1.id = rn2.id AND ROW(rn1.a, rn2.b) IS NOT NULL WHERE ROW(rn2.id, rn2.b) IS NULL",
		"SELECT id FROM rn1 WHERE ROW(id, a) IS NOT NULL ORDER BY 1",
	)
}
