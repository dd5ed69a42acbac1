package raftlog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// testCluster is three in-process nodes talking over loopback TCP.
type testCluster struct {
	t     *testing.T
	dirs  map[uint64]string
	addrs map[uint64]string
	nodes map[uint64]*Node
	sms   map[uint64]*memSM
	opts  []func(*Config) // applied to every node's Config
}

func newTestCluster(t *testing.T, size int, opts ...func(*Config)) *testCluster {
	t.Helper()
	c := &testCluster{t: t, dirs: map[uint64]string{}, addrs: map[uint64]string{},
		nodes: map[uint64]*Node{}, sms: map[uint64]*memSM{}, opts: opts}
	lns := map[uint64]net.Listener{}
	for id := uint64(1); id <= uint64(size); id++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[id] = ln
		c.addrs[id] = ln.Addr().String()
		c.dirs[id] = t.TempDir()
	}
	for id, ln := range lns {
		c.start(id, ln)
	}
	return c
}

func (c *testCluster) start(id uint64, ln net.Listener) {
	c.t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", c.addrs[id]); err != nil {
			c.t.Fatal(err)
		}
	}
	sm := newMemSM(c.t, c.dirs[id])
	n := mustOpen(c.t, c.dirs[id], sm, func(cfg *Config) {
		cfg.NodeID = id
		cfg.Peers = c.addrs
		cfg.Transport = NewTCPTransport(id, ln, c.addrs, cfg.Logger)
		for _, o := range c.opts {
			o(cfg)
		}
	})
	c.nodes[id], c.sms[id] = n, sm
}

// leader waits until the running nodes agree on a leader and returns it.
func (c *testCluster) leader(ctx context.Context) *Node {
	c.t.Helper()
	for ctx.Err() == nil {
		var lead uint64
		agree := true
		for _, n := range c.nodes {
			st := n.Status()
			if lead == 0 {
				lead = st.Leader
			}
			if st.Leader == 0 || st.Leader != lead {
				agree = false
			}
		}
		if l := c.nodes[lead]; agree && l != nil && l.Status().Role == "leader" {
			return l
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.t.Fatal("no leader elected")
	return nil
}

func waitAppliedAll(t *testing.T, ctx context.Context, nodes map[uint64]*Node, idx uint64) {
	t.Helper()
	for _, n := range nodes {
		if err := n.waitApplied(ctx, idx); err != nil {
			t.Fatalf("node %d: waiting for applied ≥ %d: %v", n.cfg.NodeID, idx, err)
		}
	}
}

func TestThreeNodeCluster(t *testing.T) {
	ctx := testCtx(t)
	c := newTestCluster(t, 3)
	lead := c.leader(ctx)

	// Proposals on the leader and on a follower (forwarded) both return
	// their results on the node that proposed.
	var follower *Node
	for _, n := range c.nodes {
		if n != lead {
			follower = n
		}
	}
	var wg sync.WaitGroup
	errc := make(chan error, 20)
	for i := range 20 {
		n := lead
		if i%2 == 1 {
			n = follower
		}
		wg.Go(func() {
			data := fmt.Sprintf("v%d", i)
			res, _, err := n.Propose(ctx, []byte(data))
			if err == nil && res != "applied:"+data {
				err = fmt.Errorf("result %v for %s", res, data)
			}
			if err != nil {
				errc <- err
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	last := lead.CommittedIndex()
	waitAppliedAll(t, ctx, c.nodes, last)
	want := dataEntries(c.sms[lead.cfg.NodeID].entries())
	for id, sm := range c.sms {
		got := dataEntries(sm.entries())
		if len(got) != 20 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("node %d applied %d entries, differs from the leader", id, len(got))
		}
	}
	// A linearizable read on a follower sees everything committed before.
	if idx, err := follower.WaitReadable(ctx); err != nil || idx < last {
		t.Fatalf("follower WaitReadable = %d, %v; want ≥ %d", idx, err, last)
	}

	// Stop the leader: the other two elect a new one and keep committing.
	oldID := lead.cfg.NodeID
	mustShutdown(t, lead)
	delete(c.nodes, oldID)
	lead2 := c.leader(ctx)
	if lead2.cfg.NodeID == oldID {
		t.Fatal("stopped node still leads")
	}
	_, idx, err := lead2.Propose(ctx, []byte("after-failover"))
	if err != nil {
		t.Fatal(err)
	}
	// The old leader restarts from its WAL and catches up.
	c.start(oldID, nil)
	waitAppliedAll(t, ctx, c.nodes, idx)
	ents, err := c.nodes[oldID].Entries(idx, idx+1)
	if err != nil || string(ents[0].Data) != "after-failover" {
		t.Fatalf("restarted node's entry %d: %v, %v", idx, ents, err)
	}
}

// A peer that accepts connections but never reads must not slow the
// others: its queue fills and drops, and the Ready loop never blocks.
func TestSlowPeerDoesNotBlock(t *testing.T) {
	ctx := testCtx(t)
	sink, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	go func() {
		for {
			c, err := sink.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never read
		}
	}()
	c := &testCluster{t: t, dirs: map[uint64]string{}, addrs: map[uint64]string{3: sink.Addr().String()},
		nodes: map[uint64]*Node{}, sms: map[uint64]*memSM{}}
	lns := map[uint64]net.Listener{}
	for id := uint64(1); id <= 2; id++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[id], c.addrs[id], c.dirs[id] = ln, ln.Addr().String(), t.TempDir()
	}
	for id, ln := range lns {
		c.start(id, ln)
	}
	lead := c.leader(ctx)
	payload := make([]byte, 64<<10)
	start := time.Now()
	for i := range 300 { // ~19 MiB: far more than the sink's socket buffers
		payload[0] = byte(i)
		if _, _, err := lead.Propose(ctx, payload); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("300 × 64 KiB proposals with a stalled peer: %v", time.Since(start))
}

// Shutdown waits for every goroutine the node and its transport started.
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	ctx := testCtx(t)
	before := runtime.NumGoroutine()
	c := newTestCluster(t, 3)
	lead := c.leader(ctx)
	if _, _, err := lead.Propose(ctx, []byte("x")); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.nodes {
		mustShutdown(t, n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestProposeBeforeLeaderIsHeld: proposals made while no leader can exist
// (one node of three is up) are held by the Ready loop, where raft itself
// would drop them, and commit once the others start and a leader is
// elected; a proposal whose caller gave up meanwhile is never proposed.
func TestProposeBeforeLeaderIsHeld(t *testing.T) {
	ctx := testCtx(t)
	c := &testCluster{t: t, dirs: map[uint64]string{}, addrs: map[uint64]string{},
		nodes: map[uint64]*Node{}, sms: map[uint64]*memSM{}}
	lns := map[uint64]net.Listener{}
	for id := uint64(1); id <= 3; id++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[id], c.addrs[id], c.dirs[id] = ln, ln.Addr().String(), t.TempDir()
	}
	c.start(2, lns[2])
	n := c.nodes[2]
	gaveUp, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, _, err := n.Propose(gaveUp, []byte("abandoned")); err == nil {
		t.Fatal("a proposal succeeded with no quorum up")
	}
	type result struct {
		res any
		idx uint64
		err error
	}
	early := make(chan result, 1)
	go func() {
		res, idx, err := n.Propose(ctx, []byte("early"))
		early <- result{res, idx, err}
	}()
	time.Sleep(100 * time.Millisecond) // held: no leader can be elected yet
	c.start(1, lns[1])
	c.start(3, lns[3])
	r := <-early
	if r.err != nil {
		t.Fatalf("proposal made before the election: %v", r.err)
	}
	if r.res != "applied:early" {
		t.Fatalf("result %v", r.res)
	}
	waitAppliedAll(t, ctx, c.nodes, r.idx)
	for id, sm := range c.sms {
		for _, e := range dataEntries(sm.entries()) {
			if string(e.Data) == "abandoned" {
				t.Fatalf("node %d applied the abandoned proposal", id)
			}
		}
	}
}

// TestReadIndexRequestsAreShared: many concurrent WaitReadable calls share
// a few read-index requests (one in flight at a time, the rest wait for
// the next), each still answered after it was made.
func TestReadIndexRequestsAreShared(t *testing.T) {
	ctx := testCtx(t)
	c := newTestCluster(t, 3)
	lead := c.leader(ctx)
	_, idx := mustPropose(t, ctx, lead, "before")
	before := lead.reads.counter.Load()
	const callers = 64
	var wg sync.WaitGroup
	errc := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			got, err := lead.WaitReadable(ctx)
			if err == nil && got < idx {
				err = fmt.Errorf("read index %d below the acknowledged write at %d", got, idx)
			}
			if err != nil {
				errc <- err
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	requests := lead.reads.counter.Load() - before
	t.Logf("%d concurrent WaitReadable calls made %d read-index requests", callers, requests)
	if requests > callers/4 {
		t.Errorf("%d WaitReadable calls made %d read-index requests: not shared", callers, requests)
	}
}

// TestLeaseReads: once a read-index round has confirmed the leader, its
// reads and the read-index requests its followers forward are answered
// from the lease (no heartbeat round), still at or above every index
// acknowledged before them; a membership change ends the lease.
func TestLeaseReads(t *testing.T) {
	ctx := testCtx(t)
	c := newTestCluster(t, 3)
	lead := c.leader(ctx)
	var follower *Node
	for _, n := range c.nodes {
		if n != lead {
			follower = n
		}
	}
	// The machine may be loaded: retry until a lease answers, each time
	// after a write that the read must cover.
	readAfterWrite := func(n *Node, what string) {
		t.Helper()
		before := lead.lease.reads.Load()
		for ctx.Err() == nil {
			_, idx := mustPropose(t, ctx, lead, what)
			got, err := n.WaitReadable(ctx)
			if err != nil || got < idx {
				t.Fatalf("%s: WaitReadable = %d, %v; want ≥ %d", what, got, err, idx)
			}
			if lead.lease.reads.Load() > before {
				return
			}
		}
		t.Fatalf("%s: no read was answered from the lease", what)
	}
	readAfterWrite(lead, "leader read")
	readAfterWrite(follower, "follower read")

	if lead.lease.cur.Load() == nil {
		t.Fatal("no lease after lease reads")
	}
	var add uint64 = 4
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := lead.AddNode(ctx, add, ln.Addr().String()); err != nil {
		t.Fatalf("AddNode: %v", err)
	}
	// No read since: nothing renewed the lease, and a renewal asked
	// before the change would not count.
	if g := lead.lease.cur.Load(); g != nil {
		t.Fatalf("lease %+v survived a membership change", g)
	}
}

// TestReadTimeout: a follower left without a quorum fails WaitReadable
// with ErrReadTimeout once Config.ReadTimeout has passed, not before; the
// caller's context still wins when it ends first.
func TestReadTimeout(t *testing.T) {
	ctx := testCtx(t)
	c := newTestCluster(t, 3, func(cfg *Config) { cfg.ReadTimeout = 300 * time.Millisecond })
	lead := c.leader(ctx)
	_, idx := mustPropose(t, ctx, lead, "before")
	var alive *Node
	for id, n := range c.nodes {
		if n == lead {
			continue
		}
		if alive == nil {
			alive = n
			continue
		}
		mustShutdown(t, n)
		delete(c.nodes, id)
	}
	// The two remaining nodes still form a quorum: reads work.
	if got, err := alive.WaitReadable(ctx); err != nil || got < idx {
		t.Fatalf("follower read with a quorum: %d, %v; want ≥ %d", got, err, idx)
	}
	mustShutdown(t, lead)
	delete(c.nodes, lead.cfg.NodeID)
	t0 := time.Now()
	if _, err := alive.WaitReadable(ctx); !errors.Is(err, ErrReadTimeout) {
		t.Fatalf("read without a quorum: %v; want ErrReadTimeout", err)
	}
	if d := time.Since(t0); d < 300*time.Millisecond {
		t.Fatalf("ErrReadTimeout after %s, before the 300 ms read timeout", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := alive.WaitReadable(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("read with a canceled context: %v; want context.Canceled", err)
	}
}
