package raftlog

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// syncGate holds chosen nodes' fsyncs open: a node armed with a tag waits,
// before the synced WAL append of any batch holding an entry whose payload
// ends in the tag, until the test releases it.
type syncGate struct {
	mu      sync.Mutex
	tags    map[uint64][]byte
	release map[uint64]chan struct{}
	entered chan uint64 // a node's held append began waiting
}

func newSyncGate() *syncGate {
	return &syncGate{tags: map[uint64][]byte{}, release: map[uint64]chan struct{}{}, entered: make(chan uint64, 16)}
}

func (g *syncGate) arm(id uint64, tag string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tags[id], g.release[id] = []byte(tag), make(chan struct{})
}

// open releases id's held append (and any later one with its tag).
func (g *syncGate) open(id uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if ch := g.release[id]; ch != nil {
		close(ch)
		delete(g.release, id)
		delete(g.tags, id)
	}
}

func (g *syncGate) hook(id uint64) func([]*pb.Entry) {
	return func(ents []*pb.Entry) {
		g.mu.Lock()
		tag, ch := g.tags[id], g.release[id]
		g.mu.Unlock()
		if ch == nil {
			return
		}
		for _, e := range ents {
			if bytes.HasSuffix(e.GetData(), tag) {
				g.entered <- id
				<-ch
				return
			}
		}
	}
}

func (g *syncGate) waitEntered(t *testing.T, ctx context.Context, ids ...uint64) {
	t.Helper()
	want := map[uint64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for len(want) > 0 {
		select {
		case id := <-g.entered:
			delete(want, id)
		case <-ctx.Done():
			t.Fatalf("fsyncs of nodes %v were never held", want)
		}
	}
}

type proposeResult struct {
	res   any
	index uint64
	err   error
}

func proposeAsync(ctx context.Context, n *Node, data string) chan proposeResult {
	ch := make(chan proposeResult, 1)
	go func() {
		res, idx, err := n.Propose(ctx, []byte(data))
		ch <- proposeResult{res, idx, err}
	}()
	return ch
}

// TestCommitWhileOwnFsyncRuns: the leader's loop steps its followers'
// acknowledgements while its own fsync of a later batch runs, and applies
// (and answers) an entry it made durable earlier as soon as they commit
// it; the later batch is applied only after the leader's own fsync of it
// ends, whatever the followers acknowledged.
func TestCommitWhileOwnFsyncRuns(t *testing.T) {
	ctx := testCtx(t)
	g := newSyncGate()
	c := newTestCluster(t, 3, func(cfg *Config) {
		// An election timeout of 1 s: followers whose fsync is held send
		// no heartbeat answers meanwhile.
		cfg.TickInterval = 100 * time.Millisecond
		cfg.syncHook = g.hook(cfg.NodeID)
	})
	lead := c.leader(ctx)
	_, warm := mustPropose(t, ctx, lead, "warm-up")
	waitAppliedAll(t, ctx, c.nodes, warm)
	var followers []uint64
	for id, n := range c.nodes {
		if n != lead {
			followers = append(followers, id)
		}
	}
	leadID := lead.cfg.NodeID
	defer func() { // never leave a node stuck in its fsync
		for id := range c.nodes {
			g.open(id)
		}
	}()

	// A: the leader makes it durable; both followers' fsyncs of it are held.
	g.arm(followers[0], "entry-A")
	g.arm(followers[1], "entry-A")
	g.arm(leadID, "entry-B")
	resA := proposeAsync(ctx, lead, "entry-A")
	g.waitEntered(t, ctx, followers...)
	// B: the leader's fsync of it is held (A's Ready, fsync included,
	// came before: the followers got A from it).
	resB := proposeAsync(ctx, lead, "entry-B")
	g.waitEntered(t, ctx, leadID)

	// The followers acknowledge A (and then receive, write and acknowledge
	// B) while the leader is still inside B's fsync.
	g.open(followers[0])
	g.open(followers[1])
	var a proposeResult
	select {
	case a = <-resA:
	case <-ctx.Done():
		t.Fatal("entry A was not applied while the leader's fsync of B ran")
	}
	if a.err != nil || a.res != "applied:entry-A" {
		t.Fatalf("Propose(A) = %v, %v", a.res, a.err)
	}
	// B is not durable on the leader: it must not be applied there yet.
	select {
	case b := <-resB:
		t.Fatalf("Propose(B) returned (%v, %v) before the leader's fsync of it", b.res, b.err)
	default:
	}
	if st := lead.Status(); st.Applied != a.index {
		t.Fatalf("leader applied %d while its fsync of B (after %d) is held", st.Applied, a.index)
	}

	g.open(leadID)
	b := <-resB
	if b.err != nil || b.res != "applied:entry-B" || b.index != a.index+1 {
		t.Fatalf("Propose(B) = %v at %d, %v; A was at %d", b.res, b.index, b.err, a.index)
	}
	waitAppliedAll(t, ctx, c.nodes, b.index)
	for id, sm := range c.sms {
		ents := dataEntries(sm.entries())
		if len(ents) < 3 || string(ents[len(ents)-2].Data) != "entry-A" || string(ents[len(ents)-1].Data) != "entry-B" {
			t.Fatalf("node %d applied %v", id, ents)
		}
	}
}
