package test

import (
	"context"
	"testing"
	"time"
)

// TestIdleTimeouts: idle_in_transaction_session_timeout ends a session
// that waits inside a transaction block with FATAL 25P03, and
// idle_session_timeout one that waits outside a transaction with FATAL
// 57P05, as PostgreSQL does (the client reads the error while it waits,
// and the session leaves pg_stat_activity). Outside a transaction the
// in-transaction timeout does not apply, and the reverse.
func TestIdleTimeouts(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	n := mustStartNode(t, t.TempDir())
	watcher := mustConnect(t, n)

	// waitFatal waits for the server's message on an idle connection:
	// pgconn returns an ErrorResponse as the error.
	waitFatal := func(what, code string, setup ...string) {
		t.Helper()
		c := mustConnect(t, n)
		for _, q := range setup {
			mustExec(t, ctx, c, q)
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		err := c.PgConn().WaitForNotification(wctx)
		wantCode(t, err, code, what)
		pid := c.PgConn().PID()
		for queryInt(t, ctx, watcher, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid) != 0 {
			if ctx.Err() != nil {
				t.Fatalf("%s: the session is still listed", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFatal("idle in a transaction", "25P03", "SET idle_in_transaction_session_timeout = '200ms'", "BEGIN", "SELECT 1")
	waitFatal("idle right after BEGIN (the timeout in milliseconds)", "25P03", "SET idle_in_transaction_session_timeout = 200", "BEGIN")
	waitFatal("idle outside a transaction", "57P05", "SET idle_session_timeout = '200ms'")

	// Each timeout applies only in its own state: a session idle for a
	// second past the other timeout is still served.
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "SET idle_in_transaction_session_timeout = '100ms'")
	mustExec(t, ctx, c, "SET idle_session_timeout = '0'")
	time.Sleep(time.Second) // the absence of an event: nothing to wait for
	checkQuery(t, ctx, c, "1", "SELECT 1")
	mustExec(t, ctx, c, "SET idle_in_transaction_session_timeout = '0'")
	mustExec(t, ctx, c, "SET idle_session_timeout = '100ms'")
	mustExec(t, ctx, c, "BEGIN")
	time.Sleep(time.Second)
	checkQuery(t, ctx, c, "1", "SELECT 1")
	mustExec(t, ctx, c, "SET idle_session_timeout = '0'") // before COMMIT leaves the block
	mustExec(t, ctx, c, "COMMIT")
}
