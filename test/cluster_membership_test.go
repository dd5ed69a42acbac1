package test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestClusterMembership: under a light write load a fourth node is added
// with SELECT logdb_add_node(...) and started with --join; it catches up
// and serves SQL; then node 3 is removed with logdb_remove_node (and shuts
// itself down), and the remaining three keep committing and converge.
func TestClusterMembership(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	c := mustStartCluster(t, 3)
	setup := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, setup, "CREATE TABLE members_load (id bigint PRIMARY KEY, writer int NOT NULL)")
	load := startWriteLoad(ctx, c, "members_load", 3)

	// Add node 4 through a follower.
	var via uint64 = 1
	if c.mustLeader(ctx) == via {
		via = 2
	}
	c.raft[4] = freeAddr(t)
	c.Nodes[4] = &Node{Dir: t.TempDir(), Addr: freeAddr(t), Log: filepath.Join(t.TempDir(), "node4.log")}
	conn := mustConnect(t, c.Nodes[via])
	got := queryText(t, ctx, conn, "SELECT logdb_add_node(4, $1)", c.raft[4])
	if !strings.Contains(got, "added") {
		t.Fatalf("logdb_add_node: %q", got)
	}
	if err := c.start(4, "--join"); err != nil {
		t.Fatal(err)
	}
	c.mustCatchUp(ctx, 4)
	n4 := mustConnect(t, c.Nodes[4])
	mustExec(t, ctx, n4, "INSERT INTO members_load VALUES (-4, 4)")
	checkQuery(t, ctx, conn, "4", "SELECT writer FROM members_load WHERE id = -4")
	checkQuery(t, ctx, n4, "1,2,3,4", "SELECT string_agg(node_id::text, ',' ORDER BY node_id) FROM logdb_cluster")

	// Remove node 3 (through node 4), then stop it.
	got = queryText(t, ctx, n4, "SELECT logdb_remove_node(3)")
	if !strings.Contains(got, "removed") {
		t.Fatalf("logdb_remove_node: %q", got)
	}
	// A removed node shuts itself down.
	select {
	case <-c.Nodes[3].exited:
	case <-time.After(10 * time.Second):
		t.Fatal("node 3 still runs 10 s after its removal")
	}
	delete(c.Nodes, 3)
	checkQuery(t, ctx, conn, "1,2,4", "SELECT string_agg(node_id::text, ',' ORDER BY node_id) FROM logdb_cluster")
	time.Sleep(time.Second)
	load.halt()
	mustExec(t, ctx, n4, "INSERT INTO members_load VALUES (-5, 4)")
	rows := c.mustConverge(ctx, "SELECT id FROM members_load ORDER BY id")
	load.acked[-4], load.acked[-5] = time.Now(), time.Now() // written above
	load.check(t, rows)
	t.Logf("%d rows on nodes 1, 2, 4", strings.Count(rows, "\n")+1)
}
