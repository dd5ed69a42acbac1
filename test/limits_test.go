package test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestStatementTooDeep: statements whose parse would nest deep enough to
// crash the parser (issue 11: SIGSEGV at about 23,800 links) fail with
// 54001 before they reach it, through the simple and the extended
// protocol and psql; large flat statements still work; the node stays up.
func TestStatementTooDeep(t *testing.T) {
	ctx := testCtx(t, 120*time.Second)
	n := sharedNode(t)
	c := mustConnect(t, n)
	rep := strings.Repeat
	for name, q := range map[string]string{
		"50,000 terms of +":  "SELECT 1" + rep("+1", 50_000),
		"100,000 ||":         "SELECT 'a'" + rep("||'a'", 100_000),
		"100,000 ::int":      "SELECT 1" + rep("::int", 100_000),
		"50,000 UNION":       "SELECT 1" + rep(" UNION SELECT 1", 50_000),
		"10,000 parentheses": "SELECT " + rep("(", 10_000) + "1" + rep(")", 10_000),
	} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec} {
			_, err := c.Exec(ctx, q, mode)
			pe := wantPgError(t, err, "54001", "stack depth limit exceeded", fmt.Sprintf("%s (%v)", name, mode))
			if !strings.Contains(pe.Hint, "--max-expression-depth") {
				t.Errorf("%s: hint %q does not name the limit", name, pe.Hint)
			}
		}
	}
	_, stderr, err := psqlRun(t, n, "SELECT 1"+rep("+1", 50_000))
	if err == nil || !strings.Contains(stderr, "stack depth limit exceeded") {
		t.Errorf("psql: %v, %q", err, stderr)
	}
	// Deep but allowed, and large flat statements.
	checkQuery(t, ctx, c, "1001", "SELECT 1"+rep("+1", 1_000))
	checkQuery(t, ctx, c, "t", "SELECT 7 IN (0"+rep(",1", 100_000)+", 7)")
	mustExec(t, ctx, c, "CREATE TABLE deep_flat (id int PRIMARY KEY, s text)")
	var vals []string
	for i := range 20_000 {
		vals = append(vals, fmt.Sprintf("(%d, 'v' || %d)", i, i))
	}
	mustExec(t, ctx, c, "INSERT INTO deep_flat VALUES "+strings.Join(vals, ", "))
	checkQuery(t, ctx, c, "20000", "SELECT count(*) FROM deep_flat")
	long := rep("+-*/", 250_000)
	checkQuery(t, ctx, c, "1000000", "SELECT length('"+long+"')")
	checkQuery(t, ctx, c, "2", "SELECT 1+1")
}

// TestTxnTooLarge: issue 11's 300 MB transaction exited the node. Now it
// fails with 54000 naming the limit while its rows are written (the
// buffer stops at --max-txn-bytes), nothing is applied, and the node
// serves on. A transaction whose messages pass the limit fails at COMMIT.
func TestTxnTooLarge(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	n := mustStartNode(t, t.TempDir()) // the default limit, 128 MiB
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE big (id int PRIMARY KEY, s text)")
	_, err := c.Exec(ctx, "INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(1, 300000) g")
	pe := wantPgError(t, err, "54000", "transaction too large", "300 MB INSERT")
	if !strings.Contains(pe.Message, fmt.Sprint(128<<20)) || !strings.Contains(pe.Hint, "--max-txn-bytes") {
		t.Errorf("the error does not name the limit: %q / %q", pe.Message, pe.Hint)
	}
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM big")
	mustExec(t, ctx, c, "INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(1, 50000) g")
	checkQuery(t, ctx, c, "50000", "SELECT count(*) FROM big")

	// Messages are checked at COMMIT.
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := tx.Exec(ctx, "SELECT pg_logical_emit_message(true, 'big', repeat('m', 30000000))"); err != nil {
			t.Fatal(err)
		}
	}
	err = tx.Commit(ctx)
	wantPgError(t, err, "54000", "transaction too large", "COMMIT of 150 MB of messages")
	checkQuery(t, ctx, mustConnect(t, n), "50000", "SELECT count(*) FROM big") // still serving
}

// TestClusterTxnTooLarge: in a cluster a transaction over the limit killed
// the leader, then the next one. Now it fails with 54000 through the
// leader and through a follower; every node stays up and a transaction
// just under the limit commits and replicates.
func TestClusterTxnTooLarge(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	c := mustStartCluster(t, 3, "--max-txn-bytes", fmt.Sprint(8<<20))
	lead := c.mustLeader(ctx)
	conns := map[uint64]*pgx.Conn{}
	for id, n := range c.Nodes {
		conns[id] = mustConnect(t, n)
	}
	mustExec(t, ctx, conns[lead], "CREATE TABLE big (id int PRIMARY KEY, s text)")
	for id, conn := range conns {
		_, err := conn.Exec(ctx, "INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(1, 20000) g")
		wantPgError(t, err, "54000", "transaction too large", fmt.Sprintf("20 MB INSERT through node %d", id))
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SELECT pg_logical_emit_message(true, 'big', repeat('m', 9000000))"); err != nil {
			t.Fatal(err)
		}
		wantPgError(t, tx.Commit(ctx), "54000", "transaction too large", fmt.Sprintf("COMMIT through node %d", id))
	}
	mustExec(t, ctx, conns[lead%3+1], "INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(1, 6000) g")
	if got := c.mustConverge(testCtx(t, 30*time.Second), "SELECT count(*), sum(length(s)) FROM big"); got != "6000|6000000" {
		t.Fatalf("converged on %q", got)
	}
	for id := range c.Nodes {
		if !c.running(id) {
			t.Fatalf("node %d exited\n%s", id, tailFile(c.Nodes[id].Log, 30))
		}
	}
}
