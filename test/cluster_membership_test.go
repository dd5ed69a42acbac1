package test

import (
	"context"
	"fmt"
	"os/exec"
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
	// It joined as a learner; the leader promotes it once it caught up.
	c.mustRole(ctx, via, 4, "follower")
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

// mustRole polls node via's logdb_cluster until member id has role.
func (c *Cluster) mustRole(ctx context.Context, via, id uint64, role string) {
	c.t.Helper()
	var last []member
	for ctx.Err() == nil {
		ms, err := c.members(ctx, via)
		if err == nil {
			last = ms
			for _, m := range ms {
				if m.id == id && m.role == role {
					return
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("node %d never became %s in node %d's logdb_cluster: %+v", id, role, via, last)
}

// mustUnreachable polls node via's logdb_cluster until member id is shown
// unreachable.
func (c *Cluster) mustUnreachable(ctx context.Context, via, id uint64) {
	c.t.Helper()
	for ctx.Err() == nil {
		ms, err := c.members(ctx, via)
		if err == nil {
			for _, m := range ms {
				if m.id == id && !m.reachable {
					return
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("node %d still reachable from node %d", id, via)
}

// TestClusterMembershipKeepsQuorum replays issue 11's row: on three nodes,
// logdb_remove_node(1), then logdb_add_node twice with addresses where
// nothing listens, used to leave the group without a quorum for good. Now
// the first add makes a learner (the quorum is unchanged), the second is
// refused with 55000 while the first is in flight, the group keeps
// committing, and the learner that never came is removed. Removing a
// healthy voter while another is down (the rest could not form a quorum)
// is refused with 55000 too.
func TestClusterMembershipKeepsQuorum(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	c := mustStartCluster(t, 3)
	conn := mustConnect(t, c.Nodes[2])
	mustExec(t, ctx, conn, "CREATE TABLE quorum_kept (id int PRIMARY KEY)")
	mustExec(t, ctx, conn, "INSERT INTO quorum_kept VALUES (1)")

	if got := queryText(t, ctx, conn, "SELECT logdb_remove_node(1)"); !strings.Contains(got, "removed") {
		t.Fatalf("logdb_remove_node(1): %q", got)
	}
	select {
	case <-c.Nodes[1].exited:
	case <-time.After(10 * time.Second):
		t.Fatal("node 1 still runs 10 s after its removal")
	}
	delete(c.Nodes, 1)

	dead4, dead5 := freeAddr(t), freeAddr(t) // nothing listens there
	if got := queryText(t, ctx, conn, "SELECT logdb_add_node(4, $1)", dead4); !strings.Contains(got, "learner") {
		t.Fatalf("logdb_add_node(4): %q", got)
	}
	_, err := queryTextErr(ctx, conn, "SELECT logdb_add_node(5, $1)", dead5)
	wantCode(t, err, "55000", "a second logdb_add_node while node 4 is being added")
	if err != nil && !strings.Contains(err.Error(), "in flight") {
		t.Errorf("the refusal does not say why: %v", err)
	}
	// The group still commits, through either node.
	mustExec(t, ctx, conn, "INSERT INTO quorum_kept VALUES (2)")
	mustExec(t, ctx, mustConnect(t, c.Nodes[3]), "INSERT INTO quorum_kept VALUES (3)")
	checkQuery(t, ctx, conn, "learner", "SELECT role FROM logdb_cluster WHERE node_id = 4")
	// The learner that never came is removed; then a new add is accepted.
	if got := queryText(t, ctx, conn, "SELECT logdb_remove_node(4)"); !strings.Contains(got, "removed") {
		t.Fatalf("logdb_remove_node(4): %q", got)
	}
	checkQuery(t, ctx, conn, "2,3", "SELECT string_agg(node_id::text, ',' ORDER BY node_id) FROM logdb_cluster")
	mustExec(t, ctx, conn, "INSERT INTO quorum_kept VALUES (4)")

	// Three voters again: 2, 3 and a learner-then-voter 6 that does come.
	c.raft[6] = freeAddr(t)
	c.Nodes[6] = &Node{Dir: t.TempDir(), Addr: freeAddr(t), Log: filepath.Join(t.TempDir(), "node6.log")}
	queryText(t, ctx, conn, "SELECT logdb_add_node(6, $1)", c.raft[6])
	if err := c.start(6, "--join"); err != nil {
		t.Fatal(err)
	}
	c.mustRole(ctx, 2, 6, "follower")
	// Node 3 dies: removing node 6 would leave {2, 3} with only 2 reachable.
	c.Kill9(3)
	c.mustUnreachable(ctx, 2, 3)
	_, err = queryTextErr(ctx, conn, "SELECT logdb_remove_node(6)")
	wantCode(t, err, "55000", "removing a healthy voter while another is down")
	if err != nil && !strings.Contains(err.Error(), "quorum") {
		t.Errorf("the refusal does not say why: %v", err)
	}
	mustExec(t, ctx, conn, "INSERT INTO quorum_kept VALUES (5)")
	c.Restart(3)
	rows := c.mustConverge(ctx, "SELECT id FROM quorum_kept ORDER BY id")
	if rows != "1\n2\n3\n4\n5" {
		t.Errorf("rows: %q", rows)
	}
}

// TestRecoverForceNewCluster: a three-node cluster loses two nodes for
// good (kill -9, data directories gone). The survivor cannot commit; after
// it is stopped, `logdb recover --force-new-cluster` makes its data
// directory a one-member group, which starts with every row, commits
// again, and grows again with logdb_add_node.
func TestRecoverForceNewCluster(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	c := mustStartCluster(t, 3)
	conn := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, conn, "CREATE TABLE survivor (id int PRIMARY KEY, s text)")
	mustExec(t, ctx, conn, "INSERT INTO survivor SELECT g, 'row ' || g FROM generate_series(1, 2000) g")
	for i := 2001; i <= 2050; i++ {
		mustExec(t, ctx, conn, "INSERT INTO survivor VALUES ($1, 'one by one')", i)
	}
	c.mustConverge(ctx, "SELECT count(*) FROM survivor")
	conn.Close(ctx)
	c.Kill9(2)
	c.Kill9(3)
	delete(c.Nodes, 2)
	delete(c.Nodes, 3)
	// Without a quorum the survivor cannot commit.
	wctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	_, err := mustConnect(t, c.Nodes[1]).Exec(wctx, "INSERT INTO survivor VALUES (0, 'no quorum')")
	cancel()
	if err == nil {
		t.Fatal("a write committed on one node of three")
	}
	n := c.Nodes[1]
	n.Stop(t)

	out, err := exec.CommandContext(ctx, logdbBin, "recover", "--data-dir", n.Dir, "--force-new-cluster").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--node-id") {
		t.Fatalf("recover without --node-id: %v: %s", err, out)
	}
	out, err = exec.CommandContext(ctx, logdbBin, "recover", "--data-dir", n.Dir, "--node-id", "1", "--force-new-cluster").CombinedOutput()
	if err != nil {
		t.Fatalf("logdb recover: %v\n%s", err, out)
	}
	t.Logf("logdb recover: %s", out)

	// Alone, with its raft port so that it can grow again.
	single := &Node{Dir: n.Dir, Log: n.Log, Args: []string{"--node-id", "1", "--raft-listen", c.raft[1]}}
	single.mustStart(t, "")
	t.Cleanup(single.kill)
	c1 := mustConnect(t, single)
	checkQuery(t, ctx, c1, "2050", "SELECT count(*) FROM survivor WHERE id > 0")
	checkQuery(t, ctx, c1, "one by one", "SELECT s FROM survivor WHERE id = 2050")
	mustExec(t, ctx, c1, "INSERT INTO survivor VALUES (3000, 'after recovery')")
	checkQuery(t, ctx, c1, "1", "SELECT count(*) FROM logdb_cluster")

	// It grows again: node 4 joins, becomes a voter, has every row.
	c.Nodes = map[uint64]*Node{1: single}
	c.raft = map[uint64]string{1: c.raft[1], 4: freeAddr(t)}
	c.Nodes[4] = &Node{Dir: t.TempDir(), Addr: freeAddr(t), Log: filepath.Join(t.TempDir(), "node4.log")}
	queryText(t, ctx, c1, "SELECT logdb_add_node(4, $1)", c.raft[4])
	if err := c.start(4, "--join"); err != nil {
		t.Fatal(err)
	}
	c.mustRole(ctx, 1, 4, "follower")
	mustExec(t, ctx, c1, "INSERT INTO survivor VALUES (3001, 'two members')")
	// id 0, the write refused for want of a quorum, may be there: when
	// node 1 was the leader it had appended that entry, and recovery
	// keeps every entry the survivor holds (raftlog.ForceNewCluster; its
	// client never learned the outcome). The rows counted leave it out.
	got := c.mustConverge(ctx, "SELECT count(*) FROM survivor WHERE id > 0")
	if got != fmt.Sprint(2052) {
		t.Errorf("after growing again: %s rows besides id 0, want 2052", got)
	}
}
