package test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// blockedOnLock is blockedUntil pg_stat_activity shows a session waiting
// on a lock.
func blockedOnLock(t *testing.T, ctx context.Context, c, watcher *pgx.Conn, q string) <-chan string {
	t.Helper()
	return blockedUntil(t, ctx, c, watcher, q, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
}

// TestRowLocksMatchPostgres runs row lock scenarios with two sessions
// side by side on PostgreSQL 15 and on one logdb node (both SERIALIZABLE)
// and compares every answer and SQLSTATE: FOR UPDATE / NO KEY UPDATE /
// SHARE / KEY SHARE and their conflicts, NOWAIT, SKIP LOCKED, OF t,
// lock_timeout, locks released by COMMIT and ROLLBACK, UPDATE and DELETE
// waiting for a locked row, a waiter woken by the holder's commit, a
// waiter whose row the holder changed (40001), a deadlock (40P01), and the
// errors of locking clauses PostgreSQL refuses.
func TestRowLocksMatchPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pgs, lds, a, b := mustSessionPairs(t, ctx)
	// one after the other: both wait, then the same answer
	waitBoth := func(q string, then func()) {
		t.Helper()
		pgWait := blockedOnLock(t, ctx, pgs.b, pgs.a, q)
		ldWait := blockedOnLock(t, ctx, lds.b, lds.a, q)
		then()
		if want, got := <-pgWait, <-ldWait; want != got {
			t.Errorf("woken waiter of %q: logdb %q, PostgreSQL %q", q, got, want)
		}
	}
	for _, c := range []*pgx.Conn{pgs.a, pgs.b, lds.a, lds.b} {
		mustExec(t, ctx, c, "SET default_transaction_isolation = 'serializable'")
	}
	execOnEach(t, ctx, "CREATE TABLE rl_jobs (id int PRIMARY KEY, state text);\n"+
		"INSERT INTO rl_jobs SELECT g, 'new' FROM generate_series(1, 6) g;\n"+
		"CREATE TABLE rl_b (id int PRIMARY KEY, note text);\n"+
		"INSERT INTO rl_b VALUES (1, 'one'), (2, 'two')", pgs.a, lds.a)

	// FOR UPDATE; SKIP LOCKED takes the next free rows; NOWAIT fails
	a("BEGIN", "SELECT id, state FROM rl_jobs ORDER BY id LIMIT 2 FOR UPDATE")
	b("BEGIN", "SELECT id FROM rl_jobs ORDER BY id LIMIT 2 FOR UPDATE SKIP LOCKED",
		"SELECT id FROM rl_jobs WHERE id = 1 FOR UPDATE NOWAIT", "ROLLBACK")
	b("SELECT id FROM rl_jobs WHERE id = 1 FOR SHARE NOWAIT", "SELECT id FROM rl_jobs WHERE id = 2 FOR KEY SHARE SKIP LOCKED",
		"SELECT id FROM rl_jobs WHERE id <= 4 ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
		"SELECT count(*) FROM (SELECT id FROM rl_jobs FOR UPDATE SKIP LOCKED) s")
	// lock_timeout ends a wait, for a locking read, an UPDATE and a DELETE
	b("SET lock_timeout = '50ms'", "SELECT id FROM rl_jobs WHERE id = 2 FOR UPDATE",
		"UPDATE rl_jobs SET state = 'b' WHERE id = 2", "DELETE FROM rl_jobs WHERE id = 1",
		"UPDATE rl_jobs SET state = 'b' WHERE id = 3", "RESET lock_timeout", "SELECT * FROM rl_jobs ORDER BY id")
	a("COMMIT")
	b("SELECT id FROM rl_jobs WHERE id <= 2 ORDER BY id FOR UPDATE NOWAIT")
	// LIMIT with OFFSET locks the rows OFFSET skips too, as PostgreSQL does
	a("BEGIN", "SELECT id FROM rl_jobs ORDER BY id LIMIT 2 OFFSET 1 FOR UPDATE")
	b("SELECT id FROM rl_jobs ORDER BY id FOR UPDATE SKIP LOCKED")
	a("ROLLBACK")

	// FOR SHARE is shared; FOR NO KEY UPDATE lets FOR KEY SHARE in
	a("BEGIN", "SELECT id FROM rl_jobs WHERE id = 3 FOR SHARE")
	b("SELECT id FROM rl_jobs WHERE id = 3 FOR SHARE NOWAIT", "SELECT id FROM rl_jobs WHERE id = 3 FOR KEY SHARE NOWAIT",
		"SELECT id FROM rl_jobs WHERE id = 3 FOR UPDATE NOWAIT", "SELECT id FROM rl_jobs WHERE id = 3 FOR NO KEY UPDATE NOWAIT")
	a("ROLLBACK", "BEGIN", "SELECT id FROM rl_jobs WHERE id = 4 FOR NO KEY UPDATE")
	b("SELECT id FROM rl_jobs WHERE id = 4 FOR KEY SHARE NOWAIT", "SELECT id FROM rl_jobs WHERE id = 4 FOR SHARE NOWAIT")
	a("ROLLBACK")
	b("SELECT id FROM rl_jobs WHERE id = 4 FOR UPDATE NOWAIT")

	// OF t locks only t's rows
	a("BEGIN", "SELECT j.id, b.note FROM rl_jobs j JOIN rl_b b ON b.id = j.id WHERE j.id = 1 FOR UPDATE OF b")
	b("SELECT id FROM rl_jobs WHERE id = 1 FOR UPDATE NOWAIT", "SELECT id FROM rl_b WHERE id = 1 FOR UPDATE NOWAIT",
		"SELECT id FROM rl_b ORDER BY id FOR UPDATE SKIP LOCKED")
	a("COMMIT", "BEGIN", "SELECT j.id FROM rl_jobs j, rl_b b WHERE b.id = j.id AND j.id = 2 FOR SHARE OF j FOR UPDATE OF b")
	b("SELECT id FROM rl_jobs WHERE id = 2 FOR SHARE NOWAIT", "SELECT id FROM rl_b WHERE id = 2 FOR KEY SHARE NOWAIT")
	a("COMMIT")

	// a waiter wakes when the holder commits; UPDATE and DELETE wait too
	a("BEGIN", "SELECT id FROM rl_jobs WHERE id = 5 FOR UPDATE")
	waitBoth("SELECT id, state FROM rl_jobs WHERE id = 5 FOR UPDATE", func() { a("COMMIT") })
	a("BEGIN", "SELECT id FROM rl_jobs WHERE id = 5 FOR SHARE")
	waitBoth("UPDATE rl_jobs SET state = 'updated after the share lock' WHERE id = 5", func() { a("ROLLBACK") })
	a("BEGIN", "SELECT id FROM rl_jobs WHERE id = 6 FOR KEY SHARE")
	waitBoth("DELETE FROM rl_jobs WHERE id = 6", func() { a("COMMIT") })
	b("SELECT * FROM rl_jobs ORDER BY id")
	// a blind increment (logdb's Merge Update) waits too
	a("CREATE TABLE rl_n (id int PRIMARY KEY, n int NOT NULL)", "INSERT INTO rl_n VALUES (1, 0)", "BEGIN", "SELECT n FROM rl_n WHERE id = 1 FOR UPDATE")
	waitBoth("UPDATE rl_n SET n = n + 1 WHERE id = 1", func() { a("COMMIT") })
	b("SELECT n FROM rl_n")

	// a waiter whose row the holder changed fails with 40001 (SERIALIZABLE)
	a("BEGIN", "SELECT id FROM rl_jobs WHERE id = 4 FOR UPDATE")
	b("BEGIN", "SELECT count(*) FROM rl_b")
	waitBoth("SELECT id, state FROM rl_jobs WHERE id = 4 FOR UPDATE", func() {
		a("UPDATE rl_jobs SET state = 'changed by a' WHERE id = 4", "COMMIT")
	})
	b("ROLLBACK")
	// and a row changed since the snapshot fails at once
	b("BEGIN", "SELECT count(*) FROM rl_b")
	a("UPDATE rl_jobs SET state = 'changed again' WHERE id = 3")
	b("SELECT id FROM rl_jobs WHERE id = 3 FOR UPDATE", "ROLLBACK")
	// — or, with SKIP LOCKED, is skipped (PostgreSQL: 40001; README,
	// Differences: a job queue's worker takes the next job instead)
	mustExec(t, ctx, lds.b, "BEGIN")
	mustExec(t, ctx, lds.b, "SELECT count(*) FROM rl_b")
	mustExec(t, ctx, lds.a, "UPDATE rl_jobs SET state = 'changed once more' WHERE id = 3")
	if got := queryText(t, ctx, lds.b, "SELECT id FROM rl_jobs WHERE id >= 3 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"); got != "4" {
		t.Errorf("SKIP LOCKED over a changed row: %q, want 4", got)
	}
	mustExec(t, ctx, lds.b, "COMMIT")
	mustExec(t, ctx, pgs.a, "UPDATE rl_jobs SET state = 'changed once more' WHERE id = 3")

	// ROLLBACK TO SAVEPOINT
	a("BEGIN", "SELECT id FROM rl_b WHERE id = 1 FOR SHARE", "SAVEPOINT s", "SELECT id FROM rl_b WHERE id = 2 FOR UPDATE", "ROLLBACK TO s")
	b("SELECT id FROM rl_b WHERE id = 2 FOR UPDATE NOWAIT", "SELECT id FROM rl_b WHERE id = 1 FOR UPDATE NOWAIT")
	a("COMMIT")

	// a read-only transaction locks no rows; locking needs UPDATE privilege
	a("BEGIN READ ONLY", "SELECT id FROM rl_b WHERE id = 1 FOR SHARE", "ROLLBACK",
		"BEGIN READ ONLY", "SELECT id FROM rl_b WHERE false FOR NO KEY UPDATE", "ROLLBACK")
	a("CREATE ROLE rl_reader", "GRANT SELECT ON rl_b TO rl_reader", "SET ROLE rl_reader",
		"SELECT id FROM rl_b WHERE id = 1", "SELECT id FROM rl_b WHERE id = 1 FOR KEY SHARE", "RESET ROLE")

	// the errors of locking clauses PostgreSQL refuses
	a("SELECT id FROM rl_jobs GROUP BY id FOR UPDATE", "SELECT DISTINCT id FROM rl_jobs FOR SHARE",
		"SELECT count(*) FROM rl_jobs FOR UPDATE", "SELECT id FROM rl_jobs UNION SELECT 1 FOR UPDATE",
		"SELECT id FROM rl_jobs FOR UPDATE OF nope", "SELECT * FROM rl_jobs j LEFT JOIN rl_b b ON b.id = j.id FOR UPDATE OF b",
		"SELECT id FROM rl_jobs HAVING true FOR KEY SHARE",
		"SELECT id, row_number() OVER () FROM rl_jobs FOR NO KEY UPDATE", "SELECT 1 FOR UPDATE",
		"SELECT id FROM rl_jobs WHERE id IN (SELECT id FROM rl_jobs ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)")

	// a deadlock: one of the two requests fails with 40P01 (logdb: the
	// request that closes the cycle, at once — README, Differences); the
	// other is granted once the victim's transaction ends
	for sys, p := range map[string]sessionPair{"PostgreSQL": pgs, "logdb": lds} {
		mustExec(t, ctx, p.a, "BEGIN")
		mustExec(t, ctx, p.b, "BEGIN")
		mustExec(t, ctx, p.a, "SELECT id FROM rl_b WHERE id = 1 FOR UPDATE")
		mustExec(t, ctx, p.b, "SELECT id FROM rl_b WHERE id = 2 FOR UPDATE")
		first := blockedOnLock(t, ctx, p.a, p.b, "SELECT id FROM rl_b WHERE id = 2 FOR UPDATE")
		second := make(chan string, 1)
		go func() { second <- answerOf(ctx, p.b, "SELECT id FROM rl_b WHERE id = 1 FOR UPDATE") }()
		answers := map[*pgx.Conn]string{}
		var victim *pgx.Conn
		for len(answers) < 2 {
			select {
			case ans := <-first:
				answers[p.a] = ans
			case ans := <-second:
				answers[p.b] = ans
			}
			for c, ans := range answers {
				if ans == "ERROR 40P01" && victim == nil {
					victim = c
					mustExec(t, ctx, c, "ROLLBACK")
				}
			}
			if victim == nil && len(answers) == 2 {
				t.Fatalf("%s: no deadlock: %v", sys, answers)
			}
		}
		if answers[p.a] == answers[p.b] {
			t.Errorf("%s: deadlock: both waiters got %q", sys, answers[p.a])
		}
		mustExec(t, ctx, p.a, "ROLLBACK")
		mustExec(t, ctx, p.b, "ROLLBACK")
	}
	b("SELECT id FROM rl_b ORDER BY id FOR UPDATE NOWAIT")
}
