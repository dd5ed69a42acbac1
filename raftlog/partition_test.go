package raftlog

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// partition cuts the given nodes off from the rest (both directions) with
// the transports' fault filter; heal removes every filter.
func (c *testCluster) partition(minority ...uint64) {
	in := map[uint64]bool{}
	for _, id := range minority {
		in[id] = true
	}
	for id, n := range c.nodes {
		side := in[id]
		n.cfg.Transport.(*TCPTransport).SetDropFunc(func(peer uint64) bool { return in[peer] != side })
	}
}

func (c *testCluster) heal() {
	for _, n := range c.nodes {
		n.cfg.Transport.(*TCPTransport).SetDropFunc(nil)
	}
}

// An isolated leader (a minority of one) cannot commit; the majority
// elects a new leader and commits; after healing every node holds the
// same entries and the minority's proposal is gone.
func TestPartitionMinorityCannotCommit(t *testing.T) {
	ctx := testCtx(t)
	c := newTestCluster(t, 3)
	old := c.leader(ctx)
	_, idx := mustPropose(t, ctx, old, "before")
	waitAppliedAll(t, ctx, c.nodes, idx)

	c.partition(old.cfg.NodeID)
	minorityErr := make(chan error, 1)
	go func() {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		_, _, err := old.Propose(pctx, []byte("minority"))
		minorityErr <- err
	}()

	majority := map[uint64]*Node{}
	for id, n := range c.nodes {
		if n != old {
			majority[id] = n
		}
	}
	var lead *Node
	for lead == nil && ctx.Err() == nil {
		for _, n := range majority {
			if n.Status().Role == "leader" {
				lead = n
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if lead == nil {
		t.Fatal("the majority elected no leader")
	}
	var last uint64
	for i := range 10 {
		_, last = mustPropose(t, ctx, lead, fmt.Sprintf("majority-%d", i))
	}
	if err := <-minorityErr; err == nil {
		t.Fatal("the isolated old leader committed a proposal")
	} else {
		t.Logf("minority proposal: %v", err)
	}
	if a := old.Status().Applied; a >= last {
		t.Fatalf("the minority applied %d ≥ the majority's %d", a, last)
	}

	c.heal()
	waitAppliedAll(t, ctx, c.nodes, last)
	want := fmt.Sprint(dataEntries(c.sms[lead.cfg.NodeID].entries()))
	for id, sm := range c.sms {
		got := dataEntries(sm.entries())
		if fmt.Sprint(got) != want {
			t.Fatalf("node %d diverged after healing:\n got %v\nwant %s", id, got, want)
		}
		for _, e := range got {
			if string(e.Data) == "minority" {
				t.Fatalf("node %d applied the minority's proposal", id)
			}
		}
	}
}
