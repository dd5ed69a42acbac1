package test

import (
	"testing"
	"time"
)

// TestDifftestTypedFindingsMatchPostgres: what the differential tester found
// once its generator read timestamptz, interval, jsonb and int[] columns,
// compared statement by statement with PostgreSQL 15.
func TestDifftestTypedFindingsMatchPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	lc := mustConnect(t, mustStartNode(t, t.TempDir()))
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
