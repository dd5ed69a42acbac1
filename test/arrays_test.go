package test

import (
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestArrayAssignmentMatchesPostgres assigns to array elements, slices and
// composite fields with UPDATE and INSERT (a NULL array grows from the
// subscript, a one-dimensional array grows with NULLs, errors) and
// compares every answer and SQLSTATE with PostgreSQL 15's.
func TestArrayAssignmentMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	execOnEach(t, ctx, "CREATE TYPE aa_pt AS (x int, y text);\n"+
		"CREATE TABLE aa (id int PRIMARY KEY, a int[], t text[], c aa_pt, m int[])", pc, lc)
	matchPostgres(t, ctx, pc, lc,
		"INSERT INTO aa VALUES (1, '{1,2,3}', NULL, ROW(1, 'a'), '{{1,2},{3,4}}')",
		"INSERT INTO aa (id, a[1], c.y) VALUES (2, 5, 'zz')",
		"INSERT INTO aa (id, a[2], a[4], c.x, c.y) VALUES (3, 7, 9, 1, 'b')",
		"INSERT INTO aa (id, a[1:2]) VALUES (4, '{4,5,6}')",
		"INSERT INTO aa (id, a[2]) VALUES (5, DEFAULT)",
		"INSERT INTO aa (id, a, a[1]) VALUES (5, '{1}', 2)",
		"INSERT INTO aa (id, a[1]) SELECT 6, 60",
		"UPDATE aa SET a[2] = 20 WHERE id = 1",
		"UPDATE aa SET a[5] = 5 WHERE id = 1",
		"UPDATE aa SET t[2] = 'x' WHERE id = 1",
		"UPDATE aa SET a[0] = 0, a[1:2] = '{7,8,9}' WHERE id = 1",
		"UPDATE aa SET c.x = 10 WHERE id = 1",
		"UPDATE aa SET c.y = 'q', c.x = 3 WHERE id = 2",
		"UPDATE aa SET m[2][1] = 30 WHERE id = 1",
		"UPDATE aa SET m[1:2][2] = '{{7},{8}}' WHERE id = 1",
		"UPDATE aa SET a[1] = 100, a[3] = 300 WHERE id = 3",
		"UPDATE aa SET a[:2] = '{1,2}' WHERE id = 2",
		"UPDATE aa SET a[10:11] = '{1,2}' WHERE id = 2",
		"UPDATE aa SET a[1:2] = NULL WHERE id = 3",
		"UPDATE aa SET c = NULL WHERE id = 3",
		"UPDATE aa SET c.x = 4 WHERE id = 3",
		"UPDATE aa SET a[id] = -id WHERE id >= 4",
		"SELECT * FROM aa ORDER BY id",
		"SELECT id, array_dims(a), array_lower(a, 1), array_upper(a, 1), a[0], a[1] FROM aa ORDER BY id",
		// errors
		"UPDATE aa SET m[3][1] = 30 WHERE id = 1",
		"UPDATE aa SET m[1] = 30 WHERE id = 1",
		"UPDATE aa SET a[1:2] = '{9}' WHERE id = 1",
		"UPDATE aa SET a[NULL] = 1 WHERE id = 1",
		"UPDATE aa SET a[1:NULL] = '{1}' WHERE id = 1",
		"UPDATE aa SET t[:2] = '{a,b}' WHERE id = 2",
		"UPDATE aa SET a[1] = 'x' WHERE id = 1",
		"UPDATE aa SET a[1] = now() WHERE id = 1",
		"UPDATE aa SET c.z = 1",
		"UPDATE aa SET c.x = 'abc'",
		"UPDATE aa SET id.z = 1",
		"UPDATE aa SET id[1] = 1",
		"UPDATE aa SET a = '{1}', a[1] = 2",
		"UPDATE aa SET a[1] = 1, a = '{1}'",
		"UPDATE aa SET a[1000000000] = 1 WHERE id = 3",
		"UPDATE aa SET a[2147483648] = 1 WHERE id = 3",
		"UPDATE aa SET a[-2147483648] = 1 WHERE id = 3",
		"SELECT * FROM aa ORDER BY id",
	)
	// ON CONFLICT DO UPDATE and MERGE assign parts the same way
	matchPostgres(t, ctx, pc, lc,
		"INSERT INTO aa (id, a) VALUES (1, '{5}') ON CONFLICT (id) DO UPDATE SET a[1] = excluded.a[1] * 10, c.y = 'oc'",
		"MERGE INTO aa USING (VALUES (2, 42)) v(i, x) ON aa.id = v.i WHEN MATCHED THEN UPDATE SET a[2] = v.x, c.x = v.x",
		"SELECT id, a, c FROM aa WHERE id <= 2 ORDER BY id",
	)
	// paths through arrays of composites and composites holding arrays
	execOnEach(t, ctx, "CREATE TYPE aa_nest AS (p aa_pt, arr int[]);\n"+
		"CREATE TABLE aan (id int, ca aa_pt[], n aa_nest)", pc, lc)
	matchPostgres(t, ctx, pc, lc,
		"INSERT INTO aan VALUES (1, ARRAY[ROW(1, 'a')::aa_pt, ROW(2, 'b')::aa_pt], ROW(ROW(1, 'q'), '{1,2}'))",
		"UPDATE aan SET ca[1].x = 10, ca[3].y = 'new'",
		"UPDATE aan SET n.p.x = 5, n.arr[3] = 3",
		"INSERT INTO aan (id, n.p.y, n.arr[2]) VALUES (2, 'deep', 7)",
		"INSERT INTO aan (id, ca[2].x) VALUES (3, 9)",
		"SELECT * FROM aan ORDER BY id",
		"SELECT (n).arr[2], (ca[1]).x, ca[1:1] FROM aan ORDER BY id",
		"UPDATE aan SET ca[1:2].x = 1",
		"UPDATE aan SET n.nope = 1",
		"UPDATE aan SET n.p = ROW(1, 'z')",
		"SELECT * FROM aan ORDER BY id",
	)
	// a prepared assignment takes its subscript and value as parameters
	if _, err := lc.Exec(ctx, "UPDATE aan SET n.arr[$1] = $2 WHERE id = 1", 5, 50); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := lc.QueryRow(ctx, "SELECT (n).arr::text FROM aan WHERE id = 1").Scan(&got); err != nil || got != "{1,2,3,NULL,50}" {
		t.Errorf("prepared assignment: %q, %v", got, err)
	}
}

// TestMultiDimArraysMatchPostgres reads, writes, indexes and compares
// arrays of several dimensions and with lower bounds other than 1, on
// logdb and on PostgreSQL 15; then pgx reads and writes a 2-D array in
// the binary format and psql reads one in text.
func TestMultiDimArraysMatchPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	pc := mustStartPostgres(t).connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	matchPostgres(t, ctx, pc, lc,
		"SELECT '{{1,2},{3,4}}'::int[], '[0:2]={1,2,3}'::int[], '[-5:-4][1:2]={{1,2},{3,4}}'::int[], '[3]={1,2,3}'::int[], ' { { 1 , 2 } } '::int[]",
		"SELECT '{{\"a b\",NULL},{\"c\",d}}'::text[], '{{{1}},{{2}}}'::int[], '{{}}'::int[]",
		"SELECT '{{1,2},{3}}'::int[]",
		"SELECT '{{1},2}'::int[]",
		"SELECT '{1,{2}}'::int[]",
		"SELECT '[0:1]={1}'::int[]",
		"SELECT '[2:1]={}'::int[]",
		"SELECT '{{{{{{{1}}}}}}}'::int[]",
		"SELECT '[1:2]'::int[]",
		"SELECT '[a:2]={1,2}'::int[]",
		"SELECT ARRAY[[1,2],[3,4]], ARRAY[ARRAY['a','b'],ARRAY['c','d']], ARRAY[[1],[2]]::text[], array_ndims(ARRAY[[[1]]])",
		"SELECT ARRAY[[1,2],[3]]",
		"SELECT ARRAY[ARRAY[1,2], ARRAY[]::int[]]",
		"SELECT ARRAY[ARRAY[]::int[], NULL]",
		"SELECT m[1][2], m[2][1], m[1], m[3][1], m[1:1], m[2:2][1:1], m[:][2:], m[1:2][2], m[NULL][1] FROM (SELECT '{{1,2},{3,4}}'::int[] AS m) s",
		"SELECT array_dims(m), array_ndims(m), array_length(m, 1), array_length(m, 2), array_length(m, 3), array_lower(m, 2), array_upper(m, 2), cardinality(m) FROM (SELECT '[0:1][2:4]={{1,2,3},{4,5,6}}'::int[] AS m) s",
		"SELECT a[0], a[1], a[2], a[3], a[0:1], array_lower(a, 1), array_upper(a, 1), array_length(a, 1) FROM (SELECT '[0:2]={1,2,3}'::int[] AS a) s",
		"SELECT array_dims('{}'::int[]), array_ndims('{}'::int[]), array_length('{}'::int[], 1), cardinality('{}'::int[])",
		"SELECT unnest('{{1,2},{3,4}}'::int[]), unnest('[0:1]={a,b}'::text[])",
		"SELECT '{{1,2},{3,4}}'::int[] = '{{1,2},{3,4}}', '{1,2}'::int[] = '[0:1]={1,2}', '{1,2}'::int[] < '[0:1]={1,2}', '{{1,2}}'::int[] > '{1,2}', '{{1,2}}'::int[] = '{1,2}'",
		"SELECT '{{1,2},{3,4}}'::int[] @> '{4}', 3 = ANY('{{1,2},{3,4}}'::int[]), '{{1.5,2},{3,4}}'::numeric(3,0)[], '{{1,2},{3,4}}'::int[]::text[]",
		"SELECT array_cat('[0:1]={1,2}'::int[], '{3}'), array_cat('{{1,2}}'::int[], '{3,4}'), array_cat('{3,4}'::int[], '{{1,2}}'), array_prepend(0, '[5:6]={1,2}'::int[]), array_append('[5:6]={1,2}'::int[], 3), '{{1,2}}'::int[] || '{{3,4}}'::int[]",
		"SELECT array_append('{{1,2}}'::int[], 3)",
		"SELECT array_cat('{{{1,2}}}'::int[], '{3}')",
		"SELECT array_cat('{{1,2}}'::int[], '{3}')",
		"SELECT array_position('{{1,2},{3,4}}'::int[], 3)",
		"SELECT array_position('[0:2]={7,8,9}'::int[], 8), array_positions('[0:2]={7,8,7}'::int[], 7), array_replace('[0:1]={1,2}'::int[], 1, 5)",
		"SELECT array_agg(a) FROM (VALUES (ARRAY[1,2]), (ARRAY[3,4])) v(a)",
		"SELECT array_agg(a) FROM (VALUES (ARRAY[1,2]), (ARRAY[3])) v(a)",
		"SELECT ARRAY(SELECT ARRAY[i, i * 10] FROM generate_series(1, 3) i)",
		"SELECT generate_subscripts('{{1,2},{3,4}}'::int[], 2), generate_subscripts('[0:2]={1,2,3}'::int[], 1)",
		"SELECT * FROM generate_subscripts('[3:4]={1,2}'::int[], 1, true)",
		"SELECT * FROM unnest('[0:1][1:2]={{1,2},{3,4}}'::int[]) WITH ORDINALITY",
		"SELECT a FROM (VALUES ('{1,2}'::int[]), ('[0:1]={1,2}'), ('{{1,2}}'), ('{1,1}')) v(a) ORDER BY a",
		"SELECT max(a), min(a) FROM (VALUES ('{1,2}'::int[]), ('[0:1]={1,2}'), ('{{1,2}}')) v(a)",
		"SELECT (ARRAY[[1,2],[3,4]])[2], (ARRAY[[1,2],[3,4]])[2:2], ('{1,2,3}'::int[])[1.7], ('{1,2,3}'::int[])['2']",
		"SELECT ('{1,2,3}'::int[])['x']",
		"SELECT json_agg(a) FROM (VALUES ('{a,NULL}'::text[]), (NULL), ('{}'::text[]), ('{{1}}')) v(a)",
		"SELECT to_json('{{1,2},{3,4}}'::int[]), to_jsonb('{{1,2},{3,4}}'::int[]), to_json('[0:1]={1,2}'::int[]), array_to_string('{{1,2},{3,4}}'::int[], ',')",
	)
	execOnEach(t, ctx, "CREATE TABLE md (id int PRIMARY KEY, m int[]);\nCREATE INDEX ON md (m);\n"+
		"INSERT INTO md VALUES (1, '{{1,2},{3,4}}'), (2, '[0:1]={1,2}'), (3, '{1,2}'), (4, '{{1,2}}'), (5, '[2:3][0:0]={{1},{2}}')", pc, lc)
	matchPostgres(t, ctx, pc, lc,
		"SELECT * FROM md ORDER BY id",
		"SELECT id FROM md WHERE m = '{{1,2},{3,4}}'",
		"SELECT id FROM md WHERE m = '[0:1]={1,2}'",
		"SELECT id FROM md WHERE m = '{1,2}'",
		"SELECT DISTINCT m FROM md ORDER BY m",
		"SELECT m, count(*) FROM md GROUP BY m ORDER BY m",
		"SELECT id, m[2][0], array_dims(m) FROM md ORDER BY id",
	)

	// pgx: the binary format both ways
	var got [][]int32
	if err := lc.QueryRow(ctx, "SELECT m FROM md WHERE id = 1").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := [][]int32{{1, 2}, {3, 4}}; !reflect.DeepEqual(got, want) {
		t.Errorf("pgx read %v, want %v", got, want)
	}
	in := [][]int32{{5, 6, 7}, {8, 9, 10}}
	if _, err := lc.Exec(ctx, "INSERT INTO md VALUES (6, $1)", in); err != nil {
		t.Fatal(err)
	}
	var dims, text string
	if err := lc.QueryRow(ctx, "SELECT array_dims(m), m::text FROM md WHERE id = 6").Scan(&dims, &text); err != nil {
		t.Fatal(err)
	}
	if dims != "[1:2][1:3]" || text != "{{5,6,7},{8,9,10}}" {
		t.Errorf("pgx wrote %v: stored as %s %s", in, dims, text)
	}
	var back [][]int32
	if err := lc.QueryRow(ctx, "SELECT $1::int[]", pgx.QueryResultFormats{pgx.BinaryFormatCode}, in).Scan(&back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, in) {
		t.Errorf("pgx round trip: %v, want %v", back, in)
	}
	// psql reads the text form, bounds decoration included
	if out := psql(t, n, "SELECT m FROM md WHERE id IN (1, 2, 5) ORDER BY id"); out != "{{1,2},{3,4}}\n[0:1]={1,2}\n[2:3][0:0]={{1},{2}}" {
		t.Errorf("psql: %q", out)
	}
}
