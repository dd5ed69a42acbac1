package test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// sessionPair is two sessions of one server: the same scenario runs on
// PostgreSQL's pair and on logdb's.
type sessionPair struct{ a, b *pgx.Conn }

// mustSessionPairs starts a PostgreSQL 15 and a logdb node for the test
// and opens a pair of sessions on each; a and b run statements on both
// servers' session a (or b) and compare every answer and SQLSTATE.
func mustSessionPairs(t *testing.T, ctx context.Context) (pgs, lds sessionPair, a, b func(qs ...string)) {
	t.Helper()
	pg := mustStartPostgres(t)
	n := mustStartNode(t, t.TempDir())
	pgs = sessionPair{pg.connect(t), pg.connect(t)}
	lds = sessionPair{mustConnect(t, n), mustConnect(t, n)}
	a = func(qs ...string) { t.Helper(); matchPostgres(t, ctx, pgs.a, lds.a, qs...) }
	b = func(qs ...string) { t.Helper(); matchPostgres(t, ctx, pgs.b, lds.b, qs...) }
	return pgs, lds, a, b
}

// blockedUntil starts q on c in the background and returns its answer's
// channel once watcher's waiting query (a count) is above zero, so the
// statement really waits, whatever the timing.
func blockedUntil(t *testing.T, ctx context.Context, c, watcher *pgx.Conn, q, waiting string) <-chan string {
	t.Helper()
	done := make(chan string, 1)
	go func() { done <- answerOf(ctx, c, q) }()
	waitFor(t, ctx, 20*time.Second, "a statement waiting: "+q, func() (bool, error) {
		select {
		case ans := <-done:
			done <- ans
			return true, nil // it did not wait: the comparison will tell
		default:
		}
		var n int
		err := watcher.QueryRow(ctx, waiting).Scan(&n)
		return n > 0, err
	})
	return done
}

// blocked is blockedUntil a lock request waits in pg_locks.
func blocked(t *testing.T, ctx context.Context, c, watcher *pgx.Conn, q string) <-chan string {
	t.Helper()
	return blockedUntil(t, ctx, c, watcher, q, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
}

// TestAdvisoryLocksMatchPostgres runs advisory lock scenarios with two
// sessions side by side on PostgreSQL 15 and on one logdb node and
// compares every answer and SQLSTATE: exclusive and shared, re-entrant
// session locks, transaction locks released at COMMIT and ROLLBACK,
// unlocking what is not held, pg_locks' columns, lock_timeout,
// statement_timeout, a waiter woken by the release, and a deadlock.
func TestAdvisoryLocksMatchPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pgs, lds, a, b := mustSessionPairs(t, ctx)
	const show = "SELECT locktype, classid, objid, objsubid, mode, granted FROM pg_locks WHERE locktype = 'advisory' ORDER BY classid, objid, objsubid, mode, granted"

	// exclusive, re-entrant, shared; the key's halves in pg_locks
	a("SELECT pg_advisory_lock(1)", "SELECT pg_advisory_lock(1)", "SELECT pg_try_advisory_lock(4294967297), pg_try_advisory_lock(-1)",
		"SELECT pg_advisory_lock(7, 8), pg_advisory_lock_shared(2)", show)
	b("SELECT pg_try_advisory_lock(1), pg_try_advisory_lock_shared(1), pg_try_advisory_lock(7, 8), pg_try_advisory_lock(8, 7)",
		"SELECT pg_try_advisory_lock_shared(2), pg_try_advisory_lock(2)", show)
	a("SELECT pg_advisory_unlock(1)")
	b("SELECT pg_try_advisory_lock(1)")
	a("SELECT pg_advisory_unlock(1)", "SELECT pg_advisory_unlock(1)", "SELECT pg_advisory_unlock_shared(1)", "SELECT pg_advisory_unlock(8, 7)")
	b("SELECT pg_try_advisory_lock(1)", "SELECT pg_advisory_unlock(1)", "SELECT pg_advisory_unlock(8, 7)")
	a("SELECT pg_advisory_unlock_all()", show)
	b("SELECT pg_advisory_unlock_all()", show)

	// transaction-level locks end with the transaction
	a("BEGIN", "SELECT pg_advisory_xact_lock(3), pg_try_advisory_xact_lock_shared(4)", "SELECT pg_advisory_unlock(3)", show)
	b("SELECT pg_try_advisory_lock(3), pg_try_advisory_lock_shared(4), pg_try_advisory_lock(4)")
	a("COMMIT", show)
	b("SELECT pg_try_advisory_xact_lock(3), pg_try_advisory_xact_lock(4)", show)
	a("BEGIN", "SELECT pg_advisory_xact_lock(5)", "ROLLBACK")
	b("SELECT pg_try_advisory_lock(5)", "SELECT pg_advisory_unlock_all()")
	a("BEGIN", "SELECT pg_advisory_xact_lock(6)", "SELECT 1/0", "ROLLBACK")
	b("SELECT pg_try_advisory_lock(6)", "SELECT pg_advisory_unlock_all()")

	// NULL, wrong arguments
	a("SELECT pg_advisory_lock(NULL), pg_try_advisory_lock(NULL, 1)", "SELECT pg_advisory_lock('x')",
		"SELECT pg_advisory_lock(1, 2, 3)", "SELECT pg_advisory_lock(1.5)", "SELECT pg_advisory_lock(5000000000, 1)", show)

	// lock_timeout and statement_timeout end a wait
	a("SELECT pg_advisory_lock(10)")
	b("SET lock_timeout = '50ms'", "SELECT pg_advisory_lock(10)", "SELECT pg_advisory_lock_shared(10)", "RESET lock_timeout",
		"SET statement_timeout = '50ms'", "SELECT pg_advisory_lock(10)", "RESET statement_timeout", show)

	// a waiter wakes when the holder releases
	pgWait := blocked(t, ctx, pgs.b, pgs.a, "SELECT pg_advisory_lock(10)")
	ldWait := blocked(t, ctx, lds.b, lds.a, "SELECT pg_advisory_lock(10)")
	a(show, "SELECT pg_advisory_unlock(10)")
	if want, got := <-pgWait, <-ldWait; want != got {
		t.Errorf("woken waiter: logdb %q, PostgreSQL %q", got, want)
	}
	b(show, "SELECT pg_advisory_unlock_all()")

	// a transaction that waits for a lock before reading anything reads
	// what the holder committed before releasing it (PostgreSQL: READ
	// COMMITTED's new snapshot per statement; logdb: the snapshot taken
	// after the wait), and commits without a serialization failure
	execOnEach(t, ctx, "CREATE TABLE adv_jobs (id int PRIMARY KEY, state text)", pgs.a, lds.a)
	a("SELECT pg_advisory_lock(15)")
	b("BEGIN")
	pgWait = blocked(t, ctx, pgs.b, pgs.a, "SELECT pg_advisory_xact_lock(15)")
	ldWait = blocked(t, ctx, lds.b, lds.a, "SELECT pg_advisory_xact_lock(15)")
	a("INSERT INTO adv_jobs VALUES (1, 'done by a')", "SELECT pg_advisory_unlock(15)")
	if want, got := <-pgWait, <-ldWait; want != got {
		t.Errorf("waiter in a transaction: logdb %q, PostgreSQL %q", got, want)
	}
	b("SELECT * FROM adv_jobs", "UPDATE adv_jobs SET state = 'then b' WHERE id = 1", "COMMIT", "SELECT * FROM adv_jobs")

	// a deadlock: one of the two requests fails with 40P01 (PostgreSQL:
	// the waiter whose deadlock_timeout passes first, here the first one;
	// logdb: the request that closes the cycle, at once — README,
	// Differences); once the victim's session releases its lock, the
	// other request is granted
	for _, p := range []sessionPair{pgs, lds} {
		mustExec(t, ctx, p.a, "SELECT pg_advisory_lock(20)")
		mustExec(t, ctx, p.b, "SELECT pg_advisory_lock(21)")
		first := blocked(t, ctx, p.a, p.b, "SELECT pg_advisory_lock(21)")
		second := make(chan string, 1)
		go func() { second <- answerOf(ctx, p.b, "SELECT pg_advisory_lock(20)") }()
		var victim *pgx.Conn
		var other <-chan string
		select {
		case ans := <-first:
			victim, other = p.a, second
			if ans != "ERROR 40P01" {
				t.Errorf("deadlock: the first waiter got %q", ans)
			}
		case ans := <-second:
			victim, other = p.b, first
			if ans != "ERROR 40P01" {
				t.Errorf("deadlock: the second waiter got %q", ans)
			}
		}
		mustExec(t, ctx, victim, "SELECT pg_advisory_unlock_all()")
		if ans := <-other; ans != "" {
			t.Errorf("deadlock: the survivor got %q", ans)
		}
		mustExec(t, ctx, p.a, "SELECT pg_advisory_unlock_all()")
		mustExec(t, ctx, p.b, "SELECT pg_advisory_unlock_all()")
	}
	a(show)

	// a session's end releases its locks
	for _, c := range []*pgx.Conn{pgs.a, lds.a} {
		mustExec(t, ctx, c, "SELECT pg_advisory_lock(30)")
	}
	pgs.a.Close(ctx)
	lds.a.Close(ctx)
	for _, c := range []*pgx.Conn{pgs.b, lds.b} {
		waitFor(t, ctx, 20*time.Second, "the closed session's lock released", func() (bool, error) {
			var ok bool
			err := c.QueryRow(ctx, "SELECT pg_try_advisory_lock(30)").Scan(&ok)
			return ok, err
		})
	}
	b("SELECT pg_advisory_unlock(30)", show)
}
