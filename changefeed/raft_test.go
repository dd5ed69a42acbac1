package changefeed

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"logdb/kv"
	"logdb/raftlog"
)

// stateMachine adapts kv.Store to raftlog, as cmd/logdb does.
type stateMachine struct{ store *kv.Store }

func (m stateMachine) Apply(entries []raftlog.Entry) ([]any, error) {
	in := make([]kv.Entry, len(entries))
	for i, e := range entries {
		in[i] = kv.Entry{Index: e.Index, Data: e.Data}
	}
	res, err := m.store.Apply(in)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(res))
	for i, r := range res {
		out[i] = r
	}
	return out, nil
}

func (m stateMachine) AppliedIndex() uint64 { return m.store.AppliedIndex() }

// raftEnv is an env whose log is a real single-node raftlog.Node.
type raftEnv struct {
	*env
	node *raftlog.Node
}

func newRaftEnv(t testing.TB) *raftEnv {
	t.Helper()
	dir := t.TempDir()
	store, err := kv.Open(filepath.Join(dir, "state.db"), kv.Options{NoSync: true, InitialMmapSize: 64 << 20, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	node, err := raftlog.Open(raftlog.Config{NodeID: 1, Dir: filepath.Join(dir, "raft"), Peers: map[uint64]string{1: ""},
		StateMachine: stateMachine{store}, TickInterval: 10 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Shutdown(context.Background()) })
	feed, err := New(Config{Log: node, Store: store, Decoder: testDecoder{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(feed.Close)
	return &raftEnv{env: &env{t: t, store: store, feed: feed, defs: map[string]tableDef{}}, node: node}
}

// commit proposes the transaction, retrying while the node has no leader.
func (r *raftEnv) commit(txn *kv.Txn) (uint64, error) {
	r.t.Helper()
	c := txn.Command(time.Now().UnixMicro())
	txn.Release()
	data := kv.EncodeCommand(c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		res, idx, err := r.node.Propose(ctx, data)
		if errors.Is(err, raftlog.ErrProposalDropped) {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if err != nil {
			r.t.Fatalf("propose: %v", err)
		}
		return idx, res.(kv.Result).Err
	}
}

func (r *raftEnv) mustCommit(txn *kv.Txn) uint64 {
	r.t.Helper()
	idx, err := r.commit(txn)
	if err != nil {
		r.t.Fatalf("commit: %v", err)
	}
	return idx
}

// TestRaftEndToEnd runs the feed over a real raft log and reports
// commit-to-delivery latency (Propose returned → Next returned) at a
// steady 300 transactions/s.
func TestRaftEndToEnd(t *testing.T) {
	r := newRaftEnv(t)
	txn := r.begin()
	r.putTable(txn, "orders", ordersDef)
	r.mustCommit(txn)
	s := r.subscribe(Request{Tables: []string{"orders"}})
	const n = 300
	if testing.Short() {
		t.Skip("300 transactions at 300/s")
	}
	type got struct {
		c  Change
		at time.Time
	}
	recv := make(chan got, n)
	go func() {
		for range n {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c, err := s.Next(ctx)
			cancel()
			if err != nil {
				close(recv)
				return
			}
			recv <- got{c, time.Now()}
		}
	}()
	committed := make([]time.Time, n)
	proposed := make([]time.Time, n)
	tick := time.NewTicker(time.Second / 300)
	defer tick.Stop()
	for i := range n {
		<-tick.C
		proposed[i] = time.Now()
		txn := r.begin()
		r.insert(txn, "orders", int64(i), "x", nil)
		r.mustCommit(txn)
		committed[i] = time.Now()
	}
	var lat, full []time.Duration
	var last uint64
	for i := range n {
		g, ok := <-recv
		if !ok {
			t.Fatalf("subscriber stopped after %d", i)
		}
		if g.c.LSN <= last || g.c.Op != OpInsert || string(g.c.Key) != fmt.Sprintf(`{"id": %d}`, i) {
			t.Fatalf("change %d: %s", i, show(g.c))
		}
		last = g.c.LSN
		lat = append(lat, max(0, g.at.Sub(committed[i])))
		full = append(full, g.at.Sub(proposed[i]))
	}
	slices.Sort(lat)
	slices.Sort(full)
	// Apply happens before Propose returns, so delivery often precedes the
	// committer's own acknowledgement (clamped to 0).
	t.Logf("300 txn/s over raftlog: commit-ack→delivery p50 %v p99 %v max %v; propose→delivery p50 %v p99 %v max %v",
		lat[n/2], lat[n*99/100], lat[n-1], full[n/2], full[n*99/100], full[n-1])
}

// TestSlowSubscriberBoundedMemory: a subscriber that reads slowly holds at
// most BatchEntries entries, never blocks the writer, and misses nothing.
func TestSlowSubscriberBoundedMemory(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BatchEntries = 64 })
	e.createTable("orders", ordersDef)
	s := e.subscribe(Request{Tables: []string{"orders"}})
	const n = 10000
	write := func(from, to int) {
		for i := from; i < to; i++ {
			txn := e.begin()
			e.insert(txn, "orders", int64(i), "x", nil)
			e.mustCommit(txn)
		}
	}
	write(0, 100)
	for i := range 50 {
		if c := next(t, s); c.XID != uint64(i+2) {
			t.Fatalf("change %d: %s", i, show(c))
		}
	}
	write(100, n) // the subscriber is far behind; the writer does not wait for it
	prev := uint64(0)
	for i := 50; i < n; i++ {
		c := next(t, s)
		if c.XID != uint64(i+2) || c.LSN <= prev {
			t.Fatalf("change %d: %s", i, show(c))
		}
		prev = c.LSN
		if len(s.batch) > 64 {
			t.Fatalf("subscription holds %d entries", len(s.batch))
		}
	}
	if e.log.maxRead > 64 {
		t.Fatalf("a log read returned %d entries", e.log.maxRead)
	}
	expectNone(t, s, 10*time.Millisecond)
}

// BenchmarkDecode100RowTxns measures changes/s a subscriber decodes from
// 100-row transactions (3 columns) already in the log.
func BenchmarkDecode100RowTxns(b *testing.B) {
	e := newEnv(b)
	e.createTable("orders", ordersDef)
	const txns = 200
	for k := range txns {
		txn := e.begin()
		for i := range 100 {
			e.insert(txn, "orders", int64(k*100+i), "sku-123", num("19.99"))
		}
		e.mustCommit(txn)
	}
	ctx := context.Background()
	b.ResetTimer()
	var total int
	for b.Loop() {
		s, err := e.feed.Subscribe(ctx, Request{Tables: []string{"orders"}, HasFromLSN: true})
		if err != nil {
			b.Fatal(err)
		}
		for range txns * 100 {
			if _, err := s.Next(ctx); err != nil {
				b.Fatal(err)
			}
			total++
		}
		s.Close()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "changes/s")
}

// TestSlotResumeAcrossRestart: a consumer advances its slot atomically
// with its own write, the node restarts, and the slot resumes exactly after
// the last processed change, reading the log back from disk.
func TestSlotResumeAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	open := func() (*kv.Store, *raftlog.Node, *Feed) {
		store, err := kv.Open(filepath.Join(dir, "state.db"), kv.Options{NoSync: true, InitialMmapSize: 64 << 20, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		node, err := raftlog.Open(raftlog.Config{NodeID: 1, Dir: filepath.Join(dir, "raft"), Peers: map[uint64]string{1: ""},
			StateMachine: stateMachine{store}, TickInterval: 10 * time.Millisecond, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		feed, err := New(Config{Log: node, Store: store, Decoder: testDecoder{}, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return store, node, feed
	}
	store, node, feed := open()
	r := &raftEnv{env: &env{t: t, store: store, feed: feed, defs: map[string]tableDef{}}, node: node}
	txn := r.begin()
	r.putTable(txn, "orders", ordersDef)
	if _, err := feed.CreateSlot(txn, "billing", "logdb", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	r.mustCommit(txn)
	for i := range 10 {
		txn := r.begin()
		r.insert(txn, "orders", int64(i), "x", nil)
		r.mustCommit(txn)
	}
	s, err := feed.Subscribe(context.Background(), Request{Tables: []string{"orders"}, Slot: "billing"})
	if err != nil {
		t.Fatal(err)
	}
	var lastKey string
	for range 4 {
		c := next(t, s)
		lastKey = string(c.Key)
		txn := r.begin()
		txn.Put(kv.FirstUserSpace+99, []byte("done"), c.Key, nil) // the consumer's own state
		if _, err := feed.AdvanceSlot(txn, "billing", c.LSN); err != nil {
			t.Fatal(err)
		}
		r.mustCommit(txn)
	}
	s.Close()
	feed.Close()
	if err := node.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.Close()

	store, node, feed = open()
	defer store.Close()
	defer node.Shutdown(context.Background())
	defer feed.Close()
	txn, _ = store.Begin()
	done, _, _ := txn.Get(kv.FirstUserSpace+99, []byte("done"))
	txn.Release()
	if string(done) != lastKey || lastKey != `{"id": 3}` {
		t.Fatalf("consumer state %s, last key %s", done, lastKey)
	}
	s, err = feed.Subscribe(context.Background(), Request{Tables: []string{"orders"}, Slot: "billing"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 4; i < 10; i++ {
		if c := next(t, s); string(c.Key) != fmt.Sprintf(`{"id": %d}`, i) {
			t.Fatalf("after restart, change %d: %s", i, show(c))
		}
	}
	expectNone(t, s, 20*time.Millisecond)
}

// BenchmarkRaftSubscriberDuring20kInsert: a subscriber connected while
// 20,000 rows are inserted in 100-row transactions through a real
// raftlog.Node (fsync on); reports the rows/s it receives (first commit to
// last row received).
func BenchmarkRaftSubscriberDuring20kInsert(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		r := newRaftEnv(b)
		txn := r.begin()
		r.putTable(txn, "orders", ordersDef)
		r.mustCommit(txn)
		s := r.subscribe(Request{Tables: []string{"orders"}})
		const rows = 20000
		done := make(chan time.Time, 1)
		go func() {
			for range rows {
				if _, err := s.Next(context.Background()); err != nil {
					break
				}
			}
			done <- time.Now()
		}()
		b.StartTimer()
		start := time.Now()
		for k := range rows / 100 {
			txn := r.begin()
			for i := range 100 {
				r.insert(txn, "orders", int64(k*100+i), "sku-123", num("19.99"))
			}
			r.mustCommit(txn)
		}
		end := <-done
		b.ReportMetric(rows/end.Sub(start).Seconds(), "rows/s")
	}
}
