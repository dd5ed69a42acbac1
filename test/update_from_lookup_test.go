package test

import (
	"testing"
	"time"
)

// riverFetch is river's job fetch in the shape of riverpgxv5's JobGetAvailable:
// a locking CTE, then UPDATE … FROM it on the primary key.
const riverFetch = `WITH locked AS (
	SELECT id FROM upd_from_jobs WHERE state = 'available' AND queue = 'default'
	ORDER BY priority, scheduled_at, id LIMIT 3 FOR UPDATE SKIP LOCKED
) UPDATE upd_from_jobs SET state = 'running', attempt = upd_from_jobs.attempt + 1
FROM locked WHERE upd_from_jobs.id = locked.id
RETURNING upd_from_jobs.id, upd_from_jobs.state, upd_from_jobs.attempt, locked.id AS locked_id`

// TestUpdateFromByKeyMatchesPostgres: UPDATE … FROM and DELETE … USING
// whose WHERE equates the target's primary key (or a unique index's
// columns) with FROM's columns read FROM first and probe the target by
// key; the results are PostgreSQL's.
func TestUpdateFromByKeyMatchesPostgres(t *testing.T) {
	matchPostgresOnSharedNode(t, 120*time.Second,
		"DROP TABLE IF EXISTS upd_from_jobs, upd_from_pairs, upd_from_src, upd_from_keyed",
		"CREATE TABLE upd_from_jobs (id bigint PRIMARY KEY, state text NOT NULL, queue text NOT NULL, priority int NOT NULL, scheduled_at timestamptz NOT NULL, attempt int NOT NULL DEFAULT 0)",
		"INSERT INTO upd_from_jobs SELECT g, 'available', CASE WHEN g % 5 = 0 THEN 'other' ELSE 'default' END, g % 3, '2024-01-01'::timestamptz + g * interval '1 minute', 0 FROM generate_series(1, 30) g",
		riverFetch+" ORDER BY 1",
		riverFetch+" ORDER BY 1",
		"SELECT state, count(*), sum(attempt) FROM upd_from_jobs GROUP BY state ORDER BY state",
		"UPDATE upd_from_jobs j SET attempt = j.attempt + s.n FROM (VALUES (1, 10), (2, 20), (99, 1)) s(id, n) WHERE j.id = s.id RETURNING j.id, j.attempt, s.n",
		"UPDATE upd_from_jobs AS j SET state = 'x' FROM (SELECT id FROM upd_from_jobs WHERE priority = 2 ORDER BY id LIMIT 2) s WHERE s.id = j.id AND j.queue = 'default' RETURNING *",
		// river's completer: the table joined with the WITH query on its key
		`WITH job_input AS (SELECT unnest('{1,2,7,99}'::bigint[]) AS id, unnest('{completed,completed,retryable,completed}'::text[]) AS state),
		updated AS (UPDATE upd_from_jobs SET state = job_input.state FROM job_input WHERE upd_from_jobs.id = job_input.id AND upd_from_jobs.state = 'running' RETURNING upd_from_jobs.*)
		SELECT upd_from_jobs.* FROM upd_from_jobs JOIN job_input ON upd_from_jobs.id = job_input.id
		WHERE NOT EXISTS (SELECT 1 FROM updated WHERE updated.id = upd_from_jobs.id)
		UNION ALL SELECT * FROM updated ORDER BY id`,
		"WITH k AS (SELECT g AS id, g * 10 AS w FROM generate_series(3, 6) g) SELECT * FROM upd_from_jobs j JOIN k ON k.id = j.id ORDER BY j.id",
		"WITH k AS (SELECT g AS id FROM generate_series(3, 6) g) SELECT k.*, j.state FROM upd_from_jobs j, k WHERE j.id = k.id AND j.priority = 0 ORDER BY 1",
		"CREATE TABLE upd_from_pairs (a int, b int, v text, PRIMARY KEY (a, b))",
		"INSERT INTO upd_from_pairs SELECT g / 4, g % 4, 'v' || g FROM generate_series(0, 15) g",
		"CREATE TABLE upd_from_src (a int, b int, w text)",
		"INSERT INTO upd_from_src VALUES (1, 1, 'one'), (2, 3, 'two'), (9, 9, 'none'), (1, 1, 'dup')",
		"UPDATE upd_from_pairs p SET v = s.w FROM upd_from_src s WHERE p.a = s.a AND p.b = s.b AND s.w <> 'dup' RETURNING p.a, p.b, p.v",
		"UPDATE upd_from_pairs p SET v = 'half' FROM upd_from_src s WHERE p.a = s.a RETURNING p.a, p.b, p.v ORDER BY 1, 2",
		"DELETE FROM upd_from_pairs p USING upd_from_src s WHERE p.a = s.a AND p.b = s.b RETURNING p.*, s.w ORDER BY 1, 2, 4",
		"SELECT * FROM upd_from_pairs ORDER BY a, b",
		// probed through a unique index (graphile-worker's add_jobs:
		// UPDATE jobs … FROM unnest(specs) spec WHERE jobs.key = spec.job_key)
		"CREATE TABLE upd_from_keyed (id serial PRIMARY KEY, key text UNIQUE, n int NOT NULL)",
		"INSERT INTO upd_from_keyed (key, n) SELECT 'k' || g, g FROM generate_series(1, 10) g",
		"INSERT INTO upd_from_keyed (key, n) VALUES (NULL, 0), (NULL, -1)",
		"UPDATE upd_from_keyed AS j SET n = j.n + spec.add FROM unnest('{k2,k5,k99,NULL}'::text[], '{10,20,30,40}'::int[]) AS spec(job_key, add) WHERE j.key = spec.job_key RETURNING j.key, j.n, spec.add",
		"DELETE FROM upd_from_keyed j USING (VALUES ('k3'), ('k3'), ('k7')) s(k) WHERE j.key = s.k RETURNING j.key, j.n",
		"SELECT key, n FROM upd_from_keyed ORDER BY id",
		// the key equated with an expression of FROM's columns, the target's
		// column unqualified (graphile-worker's failJobs)
		`WITH u AS (UPDATE upd_from_keyed AS jobs SET n = n + 100 FROM json_array_elements('[{"jobId": 2}, {"jobId": 4}, {"jobId": 400}]'::json) AS els(el) WHERE id = (el->>'jobId')::int AND n > 0 RETURNING id, n) SELECT * FROM u ORDER BY 1`,
		"UPDATE upd_from_keyed AS j SET n = 0 FROM (VALUES (1, 5)) s(id, m) WHERE id = s.m",
		"UPDATE upd_from_keyed AS j SET n = 0 FROM (VALUES (1, 5)) s(k, m) WHERE j.id = s.k + s.m RETURNING j.id, j.n",
		"DROP TABLE upd_from_jobs, upd_from_pairs, upd_from_src, upd_from_keyed",
	)
}

// TestUpdateFromSkipLockedWorkers: two transactions running river's fetch
// at once take different jobs and both commit (the UPDATE … FROM records
// only the rows it changed, so neither fails the other with 40001).
// A SELECT joining the table with a WITH query on its key reads only the
// rows joined as well.
func TestUpdateFromSkipLockedWorkers(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	setup := mustConnect(t, n)
	mustExec(t, ctx, setup, "DROP TABLE IF EXISTS upd_from_workers")
	mustExec(t, ctx, setup, "CREATE TABLE upd_from_workers (id bigint PRIMARY KEY, state text NOT NULL, priority int NOT NULL)")
	mustExec(t, ctx, setup, "INSERT INTO upd_from_workers SELECT g, 'available', 1 FROM generate_series(1, 20) g")
	const fetch = `WITH locked AS (SELECT id FROM upd_from_workers WHERE state = 'available' ORDER BY priority, id LIMIT 3 FOR UPDATE SKIP LOCKED)
		UPDATE upd_from_workers SET state = 'running' FROM locked WHERE upd_from_workers.id = locked.id RETURNING upd_from_workers.id`
	a, b := mustConnect(t, n), mustConnect(t, n)
	mustExec(t, ctx, a, "BEGIN")
	mustExec(t, ctx, b, "BEGIN")
	checkQuerySorted(t, ctx, a, "1\n2\n3", fetch)
	checkQuerySorted(t, ctx, b, "4\n5\n6", fetch)
	mustExec(t, ctx, a, "COMMIT")
	mustExec(t, ctx, b, "COMMIT")
	checkQuery(t, ctx, setup, "6", "SELECT count(*) FROM upd_from_workers WHERE state = 'running'")
	// graphile-worker's failJobs: the key equated with an expression of a
	// function's rows probes too, so two runners failing different jobs
	// both commit
	const fail = `UPDATE upd_from_workers SET state = 'failed' FROM json_array_elements($1::json) AS els(el)
		WHERE id = (el->>'jobId')::bigint AND state = 'running' RETURNING id`
	mustExec(t, ctx, a, "BEGIN")
	mustExec(t, ctx, b, "BEGIN")
	checkQuerySorted(t, ctx, a, "1\n2", fail, `[{"jobId": 1}, {"jobId": 2}]`)
	checkQuerySorted(t, ctx, b, "5", fail, `[{"jobId": 5}]`)
	mustExec(t, ctx, a, "COMMIT")
	mustExec(t, ctx, b, "COMMIT")
	checkQuery(t, ctx, setup, "3", "SELECT count(*) FROM upd_from_workers WHERE state = 'failed'")
	mustExec(t, ctx, setup, "DROP TABLE upd_from_workers")
}
