package test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// answerWithDetail is answerOf with an error's message and DETAIL too.
func answerWithDetail(ctx context.Context, c *pgx.Conn, sql string) string {
	out := answerOf(ctx, c, sql)
	if !strings.HasPrefix(out, "ERROR ") {
		return out
	}
	_, err := c.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return "ERROR " + pe.Code + " " + pe.Message + " / " + pe.Detail
	}
	return out
}

// matchPostgresDetail is matchPostgres comparing errors' messages and
// DETAIL too. A statement that fails is run twice: use it for statements
// whose failure changes nothing.
func matchPostgresDetail(t *testing.T, ctx context.Context, pc, lc *pgx.Conn, qs ...string) {
	t.Helper()
	for _, q := range qs {
		want, got := answerWithDetail(ctx, pc, q), answerWithDetail(ctx, lc, q)
		if got != want {
			t.Errorf("%s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}

// TestExpressionPartialIndexesMatchPostgres: expression and partial
// indexes (unique and not) enforce, show and refuse as PostgreSQL 15's do.
func TestExpressionPartialIndexesMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	execOnEach(t, ctx, "CREATE TABLE xu (id int PRIMARY KEY, email text, deleted_at timestamptz, a int, b int);\n"+
		"INSERT INTO xu VALUES (1, 'A@b', NULL, 1, 1), (2, 'x@y', now(), 2, 2), (3, 'X@Y', NULL, 3, 3)", pc, lc)
	matchPostgresDetail(t, ctx, pc, lc,
		// building a unique index checks the rows already there
		"CREATE UNIQUE INDEX xu_lower ON xu (lower(email))",
		"CREATE UNIQUE INDEX xu_email_live ON xu (email) WHERE deleted_at IS NULL",
		"UPDATE xu SET email = 'z@y' WHERE id = 2",
		"CREATE UNIQUE INDEX xu_lower ON xu (lower(email))",
		"CREATE INDEX xu_mix ON xu (a, (a + b), lower(email) DESC NULLS LAST) WHERE a > 0 AND b IS NOT NULL",
		"CREATE INDEX xu_desc ON xu (a DESC, b NULLS FIRST)",
		"CREATE INDEX ON xu (lower(email), (a + b))",
		"CREATE INDEX ON xu ((a * 2)) WHERE b > 1",
		// the catalog: pg_indexes, pg_get_indexdef plain and pretty, pg_index
		"SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'xu' ORDER BY 1",
		"SELECT pg_get_indexdef(indexrelid, 0, true), indkey, indoption, indexprs IS NOT NULL, indpred IS NOT NULL, pg_get_expr(indpred, indrelid), pg_get_indexdef(indexrelid, 2, false) FROM pg_index WHERE indrelid = 'xu'::regclass ORDER BY 1",
		// uniqueness of the expression, with PostgreSQL's DETAIL
		"INSERT INTO xu VALUES (4, 'a@B', NULL, 4, 4)",
		"INSERT INTO xu VALUES (4, 'new', NULL, 4, 4), (5, 'NEW', now(), 5, 5)",
		"UPDATE xu SET email = 'A@B' WHERE id = 3",
		"UPDATE xu SET email = upper(email) WHERE id = 3",
		// a partial unique index covers only the rows its predicate holds for
		"DROP INDEX xu_lower",
		"INSERT INTO xu VALUES (6, 'A@b', now(), 6, 6)",
		"INSERT INTO xu VALUES (7, 'A@b', NULL, 7, 7)",
		"UPDATE xu SET deleted_at = NULL WHERE id = 6",
		"UPDATE xu SET deleted_at = now() WHERE id = 1",
		"UPDATE xu SET deleted_at = NULL WHERE id = 6",
		"INSERT INTO xu VALUES (8, 'A@b', NULL, 8, 8)",
		"SELECT id, email, deleted_at IS NULL FROM xu ORDER BY id",
		// ON CONFLICT infers a partial index only with its predicate
		"INSERT INTO xu VALUES (9, 'A@b', NULL, 9, 9) ON CONFLICT (email) WHERE deleted_at IS NULL DO UPDATE SET a = 99 RETURNING id, a",
		"INSERT INTO xu VALUES (9, 'A@b', NULL, 9, 9) ON CONFLICT (email) DO NOTHING",
		"CREATE UNIQUE INDEX xu_lower ON xu (lower(email)) WHERE deleted_at IS NULL",
		"INSERT INTO xu VALUES (9, 'a@B', NULL, 9, 9) ON CONFLICT ((lower(email))) WHERE deleted_at IS NULL DO UPDATE SET b = 42 RETURNING id, b",
		// reads through the indexes give the same rows
		"SELECT id FROM xu WHERE lower(email) = 'a@b' AND deleted_at IS NULL",
		"SELECT id FROM xu WHERE email = 'A@b' AND deleted_at IS NULL",
		"SELECT id FROM xu WHERE lower(email) = 'x@y' ORDER BY id",
		"SELECT id FROM xu WHERE a = 3 AND a + b = 6",
		"DELETE FROM xu WHERE lower(email) = 'x@y' AND deleted_at IS NULL RETURNING id",
		"SELECT count(*) FROM xu",
		// what PostgreSQL refuses
		"CREATE INDEX xu_bad ON xu (now())",
		"CREATE INDEX xu_bad ON xu ((deleted_at::date))",
		"CREATE INDEX xu_bad ON xu (a) WHERE deleted_at > now()",
		"CREATE INDEX xu_bad ON xu ((a + (SELECT 1)))",
		"CREATE INDEX xu_bad ON xu (a) WHERE a IN (SELECT 1)",
		"CREATE INDEX xu_bad ON xu (sum(a))",
		"CREATE INDEX xu_bad ON xu (nope(a))",
		"CREATE INDEX xu_bad ON xu ((nope + 1))",
		"CREATE INDEX xu_bad ON xu (a) WHERE a",
		"ALTER TABLE xu REPLICA IDENTITY USING INDEX xu_email_live",
		// a dropped column takes its expression indexes with it; a renamed
		// one is renamed in them
		"ALTER TABLE xu RENAME COLUMN email TO mail",
		"SELECT indexdef FROM pg_indexes WHERE tablename = 'xu' ORDER BY 1",
		"INSERT INTO xu VALUES (10, 'A@B', NULL, 10, 10)",
		"ALTER TABLE xu DROP COLUMN b",
		"SELECT indexdef FROM pg_indexes WHERE tablename = 'xu' ORDER BY 1",
	)
	// a varchar column: PostgreSQL's implicit cast shows in the
	// definitions and the DETAIL; what psql's \d of an index reads
	matchPostgresDetail(t, ctx, pc, lc,
		"CREATE TABLE xv (id int PRIMARY KEY, email varchar(20), a int, b int)",
		"CREATE UNIQUE INDEX xv_lower ON xv (lower(email))",
		"CREATE INDEX xv_x ON xv (a, (a + b), (a * b), lower(email))",
		"INSERT INTO xv VALUES (1, 'A', 1, 1), (2, 'a', 2, 2)",
		"INSERT INTO xv VALUES (1, 'A', 1, 1) ON CONFLICT ((lower(email))) DO UPDATE SET a = 5 RETURNING a",
		"INSERT INTO xv VALUES (3, 'a', 1, 1) ON CONFLICT ((lower(email))) DO UPDATE SET a = 5 RETURNING id, a",
		"SELECT indexdef FROM pg_indexes WHERE tablename = 'xv' ORDER BY 1",
		"SELECT i.indexrelid::regclass, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), pg_get_indexdef(i.indexrelid, a.attnum, true), pg_get_indexdef(i.indexrelid, a.attnum, false) "+
			"FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indexrelid WHERE i.indrelid = 'xv'::regclass ORDER BY 1, 2",
		"SELECT pg_get_indexdef(indexrelid, 0, true) FROM pg_index WHERE indrelid = 'xv'::regclass ORDER BY 1",
	)
	// at most 32 key elements, as in PostgreSQL
	var cols, keys []string
	for i := 0; i < 33; i++ {
		cols = append(cols, fmt.Sprintf("c%d int", i))
		keys = append(keys, fmt.Sprintf("(c%d + 1)", i))
	}
	matchPostgresDetail(t, ctx, pc, lc,
		"CREATE TABLE xw ("+strings.Join(cols, ", ")+")",
		"CREATE INDEX ON xw ("+strings.Join(keys, ", ")+")",
		"CREATE INDEX ON xw ("+strings.Join(keys[:32], ", ")+")")
	// The planner reads an expression index for an equality on its
	// expression, and a partial index only when the WHERE implies it.
	for q, want := range map[string]string{
		"EXPLAIN SELECT id FROM xu WHERE lower(mail) = 'a@b' AND deleted_at IS NULL": "Index Scan on xu using xu_lower",
		"EXPLAIN SELECT id FROM xu WHERE mail = 'A@b' AND deleted_at IS NULL":        "Index Scan on xu using xu_email_live",
		"EXPLAIN SELECT id FROM xu WHERE mail = 'A@b'":                               "Seq Scan on xu",
		"EXPLAIN SELECT id FROM xu WHERE lower(mail) = 'a@b'":                        "Seq Scan on xu",
	} {
		if got := queryText(t, ctx, lc, q); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", q, got, want)
		}
	}
}

// TestExpressionIndexSurvivesRestart: index definitions (expressions,
// predicates, options) and their entries are in the log's state.
func TestExpressionIndexSurvivesRestart(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE rx (id int PRIMARY KEY, email text, gone bool)")
	mustExec(t, ctx, c, "CREATE UNIQUE INDEX rx_lower ON rx (lower(email)) WHERE NOT gone")
	mustExec(t, ctx, c, "CREATE INDEX rx_desc ON rx (id DESC, (length(email)))")
	mustExec(t, ctx, c, "INSERT INTO rx VALUES (1, 'A@b', false), (2, 'a@B', true)")
	before := queryText(t, ctx, c, "SELECT indexdef FROM pg_indexes WHERE tablename = 'rx' ORDER BY 1")
	c.Close(ctx)
	n.Stop(t)
	n.Restart(t)
	c = mustConnect(t, n)
	if after := queryText(t, ctx, c, "SELECT indexdef FROM pg_indexes WHERE tablename = 'rx' ORDER BY 1"); after != before {
		t.Errorf("index definitions after restart:\n%s\nbefore:\n%s", after, before)
	}
	_, err := c.Exec(ctx, "INSERT INTO rx VALUES (3, 'A@B', false)")
	wantCode(t, err, "23505", "a duplicate lower(email) after restart")
	checkQuery(t, ctx, c, "1", "SELECT id FROM rx WHERE lower(email) = 'a@b' AND NOT gone")

	// pg_dump's schema, restored into a fresh node, gives the same indexes
	script := mustDump(t, ctx, append(n.clientArgs("logdb"), "-s", "-t", "rx")...)
	if want := "CREATE UNIQUE INDEX rx_lower ON public.rx USING btree (lower(email)) WHERE (NOT gone);"; !strings.Contains(script, want) {
		t.Errorf("pg_dump output lacks %q:\n%s", want, script)
	}
	n2 := mustStartNode(t, t.TempDir())
	mustLoadScript(t, ctx, "restoring the dump into logdb", script, n2.clientArgs("logdb"))
	if got := queryText(t, ctx, mustConnect(t, n2), "SELECT indexdef FROM pg_indexes WHERE tablename = 'rx' ORDER BY 1"); got != before {
		t.Errorf("index definitions after pg_dump and restore:\n%s\nbefore:\n%s", got, before)
	}
}

// TestExpressionUniqueConcurrentInserts: clients racing to insert the
// same addresses in different cases through the shared node never leave
// two rows with the same lower(email); each loser gets 23505 or 40001.
func TestExpressionUniqueConcurrentInserts(t *testing.T) {
	requireLogdb(t)
	ctx := testCtx(t, 120*time.Second)
	n := sharedNode(t)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "DROP TABLE IF EXISTS cx")
	mustExec(t, ctx, c, "CREATE TABLE cx (id serial PRIMARY KEY, email text NOT NULL)")
	mustExec(t, ctx, c, "CREATE UNIQUE INDEX cx_lower ON cx (lower(email))")
	const clients, keys = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for w := 0; w < clients; w++ {
		cc := mustConnect(t, n)
		wg.Add(1)
		go func(w int, cc *pgx.Conn) {
			defer wg.Done()
			for k := 0; k < keys; k++ {
				email := fmt.Sprintf("User%d@Example.com", k)
				if w%2 == 1 {
					email = strings.ToLower(email)
				}
				_, err := cc.Exec(ctx, "INSERT INTO cx (email) VALUES ($1)", email)
				if err != nil && sqlState(err) != "23505" && sqlState(err) != "40001" {
					errs <- fmt.Errorf("client %d key %d: %v", w, k, err)
					return
				}
			}
		}(w, cc)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM (SELECT lower(email) FROM cx GROUP BY 1 HAVING count(*) > 1) d")
	checkQuery(t, ctx, c, "25|t", "SELECT count(DISTINCT lower(email)), count(*) = count(DISTINCT lower(email)) FROM cx")
}
