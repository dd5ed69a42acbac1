package test

import (
	"strings"
	"testing"
	"time"
)

// TestIndexOrderMatchesPostgres: ORDER BY … LIMIT read from a secondary
// index in its order, without a sort (exec.ScanNode.OrderedByIndex): a job
// queue's fetch reads LIMIT rows of its index instead of every waiting
// job. The rows must be PostgreSQL 15's: ascending and descending, the
// index's columns after those its WHERE fixes, into the primary key for a
// non-unique index, a range on the next column, nullable columns, and
// orders the index cannot give (mixed directions, NULLS FIRST) sorted as
// before.
func TestIndexOrderMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 60*time.Second)
	setup := []string{
		`DROP TABLE IF EXISTS ixo_jobs`,
		`CREATE TABLE ixo_jobs (id bigint PRIMARY KEY, state text NOT NULL, queue text NOT NULL,
			priority smallint NOT NULL, scheduled_at timestamptz NOT NULL, n int, t text)`,
		`CREATE INDEX ixo_fetch ON ixo_jobs (state, queue, priority, scheduled_at, id)`,
		`CREATE INDEX ixo_n ON ixo_jobs (n)`,
		`CREATE UNIQUE INDEX ixo_t ON ixo_jobs (t)`,
		`DROP TABLE IF EXISTS ixo_tenant`,
		`CREATE TABLE ixo_tenant (tenant int, id int, v text, PRIMARY KEY (tenant, id))`,
		`INSERT INTO ixo_tenant SELECT i % 4, i, 'v' || i FROM generate_series(1, 200) i`,
		`DROP TABLE IF EXISTS ixo_gw`,
		`CREATE TABLE ixo_gw (id bigint PRIMARY KEY, priority smallint NOT NULL, run_at timestamptz NOT NULL, is_available boolean NOT NULL, task int NOT NULL, created timestamptz)`,
		`CREATE INDEX ixo_gw_main ON ixo_gw (priority, run_at) WHERE is_available`,
		`CREATE INDEX ixo_gw_created ON ixo_gw (created)`,
		`INSERT INTO ixo_gw SELECT i, i % 3, timestamptz '2026-01-01 00:00:00+00' + ((i * 7) % 40) * interval '1 hour', i % 4 <> 0, i % 5,
			CASE WHEN i % 6 = 0 THEN NULL ELSE timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute' END FROM generate_series(1, 300) i`,
		`INSERT INTO ixo_jobs SELECT i, (ARRAY['available','running','completed'])[i % 3 + 1], 'q' || (i % 2),
			(i * 7) % 4 + 1, timestamptz '2026-01-01 00:00:00+00' + ((i * 13) % 50) * interval '1 minute',
			CASE WHEN i % 5 = 0 THEN NULL ELSE i % 9 END, CASE WHEN i % 4 = 0 THEN NULL ELSE 'k' || (i * 31 % 1000) END
			FROM generate_series(1, 600) i`,
	}
	for _, q := range setup {
		mustExec(t, ctx, pc, q)
		mustExec(t, ctx, lc, q)
	}
	const fetch = `SELECT id, priority, scheduled_at FROM ixo_jobs WHERE state = 'available' AND queue = 'q1' ORDER BY priority, scheduled_at, id LIMIT 7`
	matchPostgres(t, ctx, pc, lc,
		fetch,
		`SELECT id, priority, scheduled_at FROM ixo_jobs WHERE state = 'available' AND queue = 'q1' ORDER BY priority DESC, scheduled_at DESC, id DESC LIMIT 7`,
		`SELECT id FROM ixo_jobs WHERE state = 'available' AND queue = 'q0' ORDER BY state, priority, queue, scheduled_at LIMIT 9`,
		`SELECT id FROM ixo_jobs WHERE state = 'available' AND queue = 'q0' AND priority >= 3 ORDER BY priority, scheduled_at, id LIMIT 6`,
		`SELECT id FROM ixo_jobs WHERE state = 'available' AND queue = 'q0' AND priority < 3 ORDER BY priority DESC, scheduled_at DESC, id DESC LIMIT 6`,
		`SELECT id, priority FROM ixo_jobs WHERE state = 'running' AND queue = 'q1' ORDER BY priority, scheduled_at DESC LIMIT 8`,
		`SELECT id FROM ixo_jobs WHERE state = 'running' AND queue = 'q0' ORDER BY scheduled_at, id LIMIT 8`,
		`SELECT id, n FROM ixo_jobs WHERE n = 4 ORDER BY id LIMIT 5`,
		`SELECT id, n FROM ixo_jobs WHERE n = 4 ORDER BY id DESC LIMIT 5`,
		`SELECT id, n FROM ixo_jobs WHERE n > 6 ORDER BY n, id LIMIT 12`,
		`SELECT id, n FROM ixo_jobs WHERE n <= 2 ORDER BY n DESC, id DESC LIMIT 12`,
		`SELECT id, n FROM ixo_jobs WHERE n > 6 ORDER BY n NULLS FIRST, id LIMIT 5`,
		`SELECT t FROM ixo_jobs WHERE t > 'k5' ORDER BY t LIMIT 6`,
		`SELECT t FROM ixo_jobs WHERE t < 'k5' ORDER BY t DESC LIMIT 6`,
		`SELECT t FROM ixo_jobs WHERE t >= 'k2' ORDER BY t, id LIMIT 6`,
		`SELECT count(*) FROM (SELECT id FROM ixo_jobs WHERE state = 'available' AND queue = 'q1' ORDER BY priority, scheduled_at, id) s`,
		`BEGIN; SELECT id FROM ixo_jobs WHERE state = 'available' AND queue = 'q1' ORDER BY priority, scheduled_at, id LIMIT 4 FOR UPDATE SKIP LOCKED; COMMIT`,
		// a primary key after the columns WHERE fixes
		`SELECT id FROM ixo_tenant WHERE tenant = 2 ORDER BY id LIMIT 5`,
		`SELECT id FROM ixo_tenant WHERE tenant = 2 ORDER BY id DESC LIMIT 5`,
		`SELECT id FROM ixo_tenant WHERE tenant = 3 AND id > 150 ORDER BY tenant, id LIMIT 5`,
		`SELECT id FROM ixo_tenant WHERE tenant = 1 AND id = ANY(ARRAY[9, 5, 13, 1]) ORDER BY id DESC`,
		`SELECT id FROM ixo_tenant WHERE tenant = 0 ORDER BY v LIMIT 3`,
		`SELECT tenant, id FROM ixo_tenant ORDER BY tenant DESC, id DESC LIMIT 3`,
		`SELECT tenant, id FROM ixo_tenant WHERE id = 7 ORDER BY tenant, id`,
		// no key range, under a LIMIT: an index in the sort's order
		`SELECT id, priority, run_at FROM ixo_gw WHERE is_available AND run_at <= '2026-01-02' AND task = ANY(ARRAY[1, 2]) ORDER BY priority, run_at, id LIMIT 3`,
		`SELECT id FROM ixo_gw WHERE is_available = true ORDER BY priority DESC, run_at DESC, id DESC LIMIT 4`,
		`SELECT id, created FROM ixo_gw ORDER BY created NULLS FIRST, id LIMIT 3`,
		`SELECT id, created FROM ixo_gw ORDER BY created DESC NULLS LAST, id DESC LIMIT 3`,
		`SELECT id, created FROM ixo_gw ORDER BY created, id LIMIT 3`,
		`SELECT id FROM ixo_gw WHERE task = 3 ORDER BY created NULLS FIRST, id LIMIT 3`,
		`SELECT count(*) FROM (SELECT id FROM ixo_gw ORDER BY created NULLS FIRST LIMIT 500) s`,
	)
	// logdb's own plans: read in order (no Sort).
	for q, via := range map[string]string{
		fetch: "ixo_fetch",
		`SELECT id FROM ixo_tenant WHERE tenant = 2 ORDER BY id DESC LIMIT 5`:                         "ixo_tenant",
		`SELECT id FROM ixo_gw WHERE is_available AND task = 1 ORDER BY priority, run_at, id LIMIT 1`: "ixo_gw_main",
		`SELECT id, n FROM ixo_jobs WHERE n > 6 ORDER BY n, id LIMIT 12`:                              "ixo_n",
		`SELECT id FROM ixo_gw ORDER BY created NULLS FIRST, id LIMIT 3`:                              "ixo_gw_created",
	} {
		text := queryText(t, ctx, lc, "EXPLAIN "+q)
		if strings.Contains(text, "Sort") || !strings.Contains(text, via) {
			t.Errorf("%s sorts, or does not read %s:\n%s", q, via, text)
		}
	}
}
