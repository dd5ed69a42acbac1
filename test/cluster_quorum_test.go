package test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestClusterLostQuorumIsRetryable: a node whose peers are gone (two of
// three killed) answers what a client on the minority side of a partition
// gets: a linearizable read and a write fail with 40001 naming the lost
// quorum, not 08000 (which drivers and poolers take for a dead
// connection), and the connection stays usable; once the node knows no
// leader, a write with local reads (no read barrier) also fails with 40001,
// since it never reached raft. Nothing written there appears later.
func TestClusterLostQuorumIsRetryable(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	c := mustStartCluster(t, 3)
	conn := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, conn, "CREATE TABLE q (id int PRIMARY KEY)")
	mustExec(t, ctx, conn, "INSERT INTO q VALUES (1)")
	c.mustCatchUp(ctx, 2)
	c.mustCatchUp(ctx, 3)
	c.Kill9(2)
	c.Kill9(3)

	wantNoQuorum := func(what string, err error) {
		t.Helper()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "40001" || !strings.Contains(pe.Message, "quorum") {
			t.Fatalf("%s on a node without a quorum: %v; want 40001 naming the lost quorum", what, err)
		}
		if err := conn.Ping(ctx); err != nil {
			t.Fatalf("connection unusable after %s failed: %v", what, err)
		}
	}
	// A leader may still answer reads from its read lease (at most 350 ms
	// after its last confirmed round, raftlog/lease.go): those answers are
	// right; once the lease is over, a read fails with 40001.
	var err error
	for {
		var n int
		if err = conn.QueryRow(ctx, "SELECT count(*) FROM q").Scan(&n); err != nil {
			break
		}
		if n != 1 {
			t.Fatalf("a read under the lease saw %d rows, want 1", n)
		}
		if ctx.Err() != nil {
			t.Fatal("reads kept succeeding without a quorum")
		}
	}
	wantNoQuorum("a linearizable read", err)
	_, err = conn.Exec(ctx, "INSERT INTO q VALUES (2)")
	wantNoQuorum("an autocommit insert", err)
	_, err = conn.Exec(ctx, "BEGIN")
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, "UPDATE q SET id = 3 WHERE id = 1")
	wantNoQuorum("an update in a transaction block", err)
	mustExec(t, ctx, conn, "ROLLBACK")

	// Wait until node 1 knows no leader (it campaigns in vain).
	for {
		ms, err := c.members(ctx, 1)
		if err == nil && len(ms) > 0 && strings.Contains(ms[0].role, "candidate") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("node 1 still believes in a leader: %+v, %v", ms, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mustExec(t, ctx, conn, "SET logdb.read_consistency = 'local'")
	_, err = conn.Exec(ctx, "INSERT INTO q VALUES (4)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "40001" {
		t.Fatalf("a local-read insert on a node that knows no leader: %v; want 40001 (surely not written)", err)
	}
	t.Logf("minority errors: %s", pe.Message)
	checkQuery(t, ctx, conn, "1", "SELECT count(*) FROM q")

	c.Restart(2)
	c.Restart(3)
	c.mustLeader(ctx)
	mustExec(t, ctx, conn, "RESET logdb.read_consistency")
	rows := c.mustConverge(ctx, "SELECT id FROM q ORDER BY id")
	if rows != "1" {
		t.Fatalf("after the quorum came back: rows %q, want only 1", rows)
	}
}
