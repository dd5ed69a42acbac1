package raftlog

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// A repeated read of the same entries is answered from the memo while the
// log holds them, and from the WAL again once a conflicting append
// rewrote them.
func TestEntriesMemo(t *testing.T) {
	w := mustOpenWAL(t, t.TempDir(), 0)
	var ents []*pb.Entry
	for i := uint64(1); i <= 10; i++ {
		ents = append(ents, ent(i, 1, fmt.Sprintf("e%d", i)))
	}
	mustAppend(t, w, hardState(1, 1, 0), ents...)
	s := &walStorage{w: w}
	read := func(lo, hi, maxSize uint64) (string, uint64) {
		t.Helper()
		before := s.reads.calls.Load()
		got, err := s.Entries(lo, hi, maxSize)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, e := range got {
			parts = append(parts, fmt.Sprintf("%d:%s", e.GetTerm(), e.GetData()))
		}
		return strings.Join(parts, " "), s.reads.calls.Load() - before
	}
	// Each entry is 2 bytes of data and a few of framing: 10 bytes holds
	// about one.
	first, calls := read(3, 11, 10)
	if calls != 1 {
		t.Fatalf("first read: %d WAL reads", calls)
	}
	if got, calls := read(3, 11, 10); got != first || calls != 0 {
		t.Fatalf("repeat: %q with %d WAL reads, want %q from the memo", got, calls, first)
	}
	// A read cut short by maxSize answers the same for a larger hi (the
	// log grew).
	mustAppend(t, w, nil, ent(11, 1, "e11"))
	if got, calls := read(3, 12, 10); got != first || calls != 0 {
		t.Fatalf("larger hi: %q with %d WAL reads, want %q from the memo", got, calls, first)
	}
	// A complete read does not answer a larger hi, nor a smaller one.
	all, _ := read(3, 6, 1<<20)
	if all != "1:e3 1:e4 1:e5" {
		t.Fatalf("complete read: %q", all)
	}
	if got, calls := read(3, 7, 1<<20); got != "1:e3 1:e4 1:e5 1:e6" || calls != 1 {
		t.Fatalf("past a complete read: %q with %d WAL reads", got, calls)
	}
	// A new leader's entries replace 3.. (a conflict): the memo is stale.
	read(3, 7, 1<<20)
	mustAppend(t, w, hardState(2, 2, 0), ent(3, 2, "x3"), ent(4, 2, "x4"), ent(5, 2, "x5"), ent(6, 2, "x6"))
	if got, calls := read(3, 7, 1<<20); got != "2:x3 2:x4 2:x5 2:x6" || calls != 1 {
		t.Fatalf("after a conflict: %q with %d WAL reads", got, calls)
	}
}

// The same probe to a follower goes out once per probeResend, unless the
// follower answered an append or became unreachable since; other appends
// are never held back.
func TestRepeatedProbeDropped(t *testing.T) {
	n := &Node{cfg: Config{TickInterval: 50 * time.Millisecond, HeartbeatTicks: 1}}
	app := func(to, index, term uint64, ents int) *pb.Message {
		m := &pb.Message{Type: pb.MessageType_MsgApp.Enum(), To: new(to), Index: new(index), LogTerm: new(term)}
		for i := range ents {
			m.Entries = append(m.Entries, ent(index+1+uint64(i), term, "x"))
		}
		return m
	}
	t0 := time.Now()
	steps := []struct {
		m    *pb.Message
		at   time.Duration
		drop bool
		then func()
	}{
		{m: app(2, 100, 3, 5), at: 0},
		{m: app(2, 100, 3, 5), at: 10 * time.Millisecond, drop: true},  // a repeat in flight
		{m: app(2, 100, 3, 8), at: 20 * time.Millisecond, drop: true},  // more entries, same probe
		{m: app(3, 100, 3, 5), at: 20 * time.Millisecond},              // another follower
		{m: app(2, 100, 3, 0), at: 30 * time.Millisecond},              // no entries: not a probe
		{m: app(2, 100, 3, 5), at: 120 * time.Millisecond},             // probeResend passed
		{m: app(2, 100, 3, 5), at: 130 * time.Millisecond, drop: true}, // in flight again
		{m: app(2, 90, 3, 5), at: 140 * time.Millisecond},              // a rejection moved it
		{m: app(2, 90, 3, 5), at: 150 * time.Millisecond, then: func() { n.probeAnswered(2) }},
		{m: app(2, 90, 3, 5), at: 160 * time.Millisecond, drop: true},
	}
	for i, s := range steps {
		if s.then != nil {
			s.then()
			// the step's own message: sent again after an answer
			if n.repeatedProbe(s.m, t0.Add(s.at)) {
				t.Fatalf("step %d: dropped after the follower answered", i)
			}
			continue
		}
		if got := n.repeatedProbe(s.m, t0.Add(s.at)); got != s.drop {
			t.Fatalf("step %d (to %d, index %d, %d entries, at %v): dropped %v, want %v",
				i, s.m.GetTo(), s.m.GetIndex(), len(s.m.GetEntries()), s.at, got, s.drop)
		}
	}
}

// A follower cut off while the leader committed megabytes catches up after
// the heal while a reader keeps the leader sending heartbeats (every
// linearizable read is a heartbeat round, each answer of the lagging
// follower prompts raft to resend its probe): the leader reads each range
// of the log from its WAL about once, not once per heartbeat answer.
func TestLaggingFollowerCatchUpReadsOnce(t *testing.T) {
	ctx := testCtx(t)
	// The production tick: on a loaded machine the tests' 10 ms tick
	// lets a starved leader lose its term in the middle.
	c := newTestCluster(t, 3, func(cfg *Config) { cfg.TickInterval = 50 * time.Millisecond })
	lead := c.leader(ctx)
	term := lead.Status().Term
	var lag *Node
	for _, n := range c.nodes {
		if n != lead {
			lag = n
			break
		}
	}
	c.partition(lag.cfg.NodeID)
	payload := strings.Repeat("x", 2048)
	var wg sync.WaitGroup
	var last uint64
	var mu sync.Mutex
	for g := range 8 {
		wg.Go(func() {
			for i := range 250 {
				_, idx, err := lead.Propose(ctx, []byte(fmt.Sprintf("%d-%d-%s", g, i, payload)))
				if err != nil {
					t.Errorf("propose: %v", err)
					return
				}
				mu.Lock()
				last = max(last, idx)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	for range 4 {
		wg.Go(func() {
			for rctx.Err() == nil {
				lead.WaitReadable(rctx)
			}
		})
	}
	before := lead.storage.reads.bytes.Load()
	c.heal()
	if err := lag.waitApplied(ctx, last); err != nil {
		t.Fatalf("the lagging follower did not catch up: %v", err)
	}
	stop()
	wg.Wait()
	if st := lead.Status(); st.Term != term || st.Role != "leader" {
		t.Skipf("leadership changed during the catch-up (term %d → %d, now %s): the machine starved the leader", term, st.Term, st.Role)
	}
	read := lead.storage.reads.bytes.Load() - before
	const sent = 2000 * 2048
	t.Logf("leader read %d bytes from its WAL to catch up a follower %d bytes behind; repeated probes dropped: %d",
		read, sent, lead.stats.probesDropped.Load())
	if read > 2*sent {
		t.Fatalf("the leader read %d bytes from its WAL to send %d", read, sent)
	}
}
