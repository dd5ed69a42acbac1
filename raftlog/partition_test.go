package raftlog

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
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

// A copy of a proposal that reaches a leader of a later term than the one
// its proposer stamped (a forward that outlived a leader change) is
// appended but applied by no node, and its proposer learns it cannot
// commit (ErrFenced), never that it committed late. The test steps such a
// copy straight into the leader's raft, as a late forward would arrive.
func TestStaleProposalIsFenced(t *testing.T) {
	ctx := testCtx(t)
	c := newTestCluster(t, 3)
	lead := c.leader(ctx)
	_, idx := mustPropose(t, ctx, lead, "before")
	waitAppliedAll(t, ctx, c.nodes, idx)

	term := lead.Status().Term
	id, w := lead.proposals.register()
	stale := &pb.Entry{Data: frame(id, []byte("stale"))}
	stampTerm(stale, term-1) // stamped under the previous leader
	w.state.Store(propStepped)
	w.term.Store(term - 1)
	lead.inbox.do(func(rn *raft.RawNode) {
		rn.Step(&pb.Message{Type: pb.MessageType_MsgProp.Enum(), From: new(lead.cfg.NodeID), Entries: []*pb.Entry{stale}})
	})
	select {
	case res := <-w.ch:
		if !errors.Is(res.err, ErrFenced) {
			t.Fatalf("stale proposal: result %v, %v; want ErrFenced", res.result, res.err)
		}
	case <-ctx.Done():
		t.Fatal("no result for the stale proposal")
	}
	_, last := mustPropose(t, ctx, lead, "after")
	waitAppliedAll(t, ctx, c.nodes, last)
	for nid, sm := range c.sms {
		for _, e := range sm.entries() {
			if string(e.Data) == "stale" {
				t.Fatalf("node %d applied the fenced entry at %d", nid, e.Index)
			}
		}
		ents, err := c.nodes[nid].Entries(idx+1, last+1)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if string(e.Data) == "stale" {
				t.Fatalf("node %d's Entries show the fenced entry at %d", nid, e.Index)
			}
		}
	}
	// A proposal made now carries the current term and commits.
	if res, _ := mustPropose(t, ctx, lead, "fresh"); res != "applied:fresh" {
		t.Fatalf("fresh proposal: %v", res)
	}
}

// LeaderInTouch: a follower hearing from its leader, and a leader holding
// a read lease, are in touch; a follower cut off from the leader stops
// being in touch within a few ticks (it must not let a transaction skip
// its read point: sql's deferredread.go), and is again once healed.
func TestLeaderInTouch(t *testing.T) {
	ctx := testCtx(t)
	c := newTestCluster(t, 3)
	lead := c.leader(ctx)
	var fol *Node
	for _, n := range c.nodes {
		if n != lead {
			fol = n
			break
		}
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if ctx.Err() != nil {
				t.Fatalf("%s: never", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("the follower in touch", fol.LeaderInTouch)
	if _, err := lead.WaitReadable(ctx); err != nil { // a confirmed round: the lease
		t.Fatal(err)
	}
	waitFor("the leader in touch (its lease)", lead.LeaderInTouch)
	c.partition(fol.cfg.NodeID)
	waitFor("the cut-off follower out of touch", func() bool { return !fol.LeaderInTouch() })
	c.heal()
	waitFor("the healed follower in touch", fol.LeaderInTouch)
}
