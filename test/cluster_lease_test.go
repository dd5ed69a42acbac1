package test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// TestClusterPausedLeaderServesNoStaleRead: a leader serving reads from
// its lease is paused (SIGSTOP) until another node leads and has
// acknowledged a write; a read sent to the paused node (it waits in the
// socket) is called after that write returned, so once the node resumes
// (SIGCONT) the read must see it. The node's raft ticks stopped with it,
// so only a lease measured on the monotonic clock has run out by then.
func TestClusterPausedLeaderServesNoStaleRead(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	c := mustStartCluster(t, 3)
	setup := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, setup, "CREATE TABLE lease_reg (k int PRIMARY KEY, v bigint NOT NULL)")
	mustExec(t, ctx, setup, "INSERT INTO lease_reg VALUES (1, 0)")
	for round := int64(1); round <= 3; round++ {
		old := c.mustLeader(ctx)
		conn, err := c.connect(ctx, old)
		if err != nil {
			t.Fatal(err)
		}
		// Reads on the leader, so it holds a lease when it is paused.
		for range 50 {
			var v int64
			if err := conn.QueryRow(ctx, "SELECT v FROM lease_reg WHERE k = 1").Scan(&v); err != nil || v != round-1 {
				t.Fatalf("round %d: read on the leader = %d, %v; want %d", round, v, err, round-1)
			}
		}
		c.signal(old, syscall.SIGSTOP)
		resumed := false
		resume := func() {
			if !resumed {
				resumed = true
				c.signal(old, syscall.SIGCONT)
			}
		}
		t.Cleanup(resume)
		lead := waitOtherLeader(t, ctx, c, old)
		wconn, err := c.connect(ctx, lead)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, ctx, wconn, "UPDATE lease_reg SET v = $1 WHERE k = 1", round)
		wconn.Close(ctx)
		// Sent now, read by the paused node once it resumes.
		mrr := conn.PgConn().Exec(ctx, "SELECT v FROM lease_reg WHERE k = 1")
		resume()
		res, err := mrr.ReadAll()
		if err != nil {
			t.Fatalf("round %d: read sent to the paused leader: %v", round, err)
		}
		got := "no row"
		if len(res) == 1 && len(res[0].Rows) == 1 {
			got = string(res[0].Rows[0][0])
		}
		if got != fmt.Sprint(round) {
			t.Fatalf("round %d: the resumed leader read %s, want %d (written on the new leader before the read was sent)", round, got, round)
		}
		conn.Close(ctx)
		c.mustCatchUp(testCtx(t, 30*time.Second), old)
	}
}

// waitOtherLeader polls the nodes other than skip until one leads.
func waitOtherLeader(t *testing.T, ctx context.Context, c *Cluster, skip uint64) uint64 {
	t.Helper()
	for ctx.Err() == nil {
		for id := range c.Nodes {
			if id == skip {
				continue
			}
			ms, err := c.members(ctx, id)
			if err != nil {
				continue
			}
			for _, m := range ms {
				if m.id == id && m.role == "leader" {
					return id
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no other node took the lead")
	return 0
}
