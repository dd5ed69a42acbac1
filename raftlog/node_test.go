package raftlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// memSM is the test state machine: it appends applied entries to a slice
// and persists its applied index in a file, like kv does in bbolt.
type memSM struct {
	mu      sync.Mutex
	path    string
	applied uint64
	log     []Entry // every entry applied since this memSM was created
	calls   int
	failAt  uint64 // Apply fails on the batch containing this index
	// gate, when set, holds every Apply until it is closed.
	gate atomic.Pointer[chan struct{}]
}

func newMemSM(t *testing.T, dir string) *memSM {
	t.Helper()
	sm := &memSM{path: filepath.Join(dir, "applied")}
	if b, err := os.ReadFile(sm.path); err == nil {
		sm.applied, _ = strconv.ParseUint(string(b), 10, 64)
	}
	return sm
}

func (s *memSM) Apply(ents []Entry) ([]any, error) {
	if g := s.gate.Load(); g != nil {
		<-*g
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	res := make([]any, len(ents))
	for i, e := range ents {
		if s.failAt != 0 && e.Index >= s.failAt {
			return nil, fmt.Errorf("injected failure at %d", e.Index)
		}
		if e.Index != s.applied+1 {
			return nil, fmt.Errorf("apply %d after %d: out of order", e.Index, s.applied)
		}
		s.applied = e.Index
		s.log = append(s.log, Entry{Index: e.Index, Term: e.Term, Data: bytes.Clone(e.Data)})
		res[i] = "applied:" + string(e.Data)
	}
	if err := os.WriteFile(s.path, []byte(strconv.FormatUint(s.applied, 10)), 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

func (s *memSM) AppliedIndex() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applied
}

func (s *memSM) entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Entry(nil), s.log...)
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustOpen(t *testing.T, dir string, sm StateMachine, opts ...func(*Config)) *Node {
	t.Helper()
	cfg := Config{NodeID: 1, Dir: filepath.Join(dir, "wal"), Peers: map[uint64]string{1: ""},
		StateMachine: sm, TickInterval: 10 * time.Millisecond, Logger: testLogger(t)}
	for _, o := range opts {
		o(&cfg)
	}
	n, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { n.Shutdown(context.Background()) })
	return n
}

func mustShutdown(t *testing.T, n *Node) {
	t.Helper()
	if err := n.Shutdown(testCtx(t)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func mustPropose(t *testing.T, ctx context.Context, n *Node, data string) (any, uint64) {
	t.Helper()
	res, idx, err := n.Propose(ctx, []byte(data))
	if err != nil {
		t.Fatalf("Propose(%s): %v", shortData(data), err)
	}
	return res, idx
}

// shortData names a payload in a failure message: big ones by size.
func shortData(data string) string {
	if len(data) > 64 {
		return fmt.Sprintf("%d bytes", len(data))
	}
	return fmt.Sprintf("%q", data)
}

// proposeToLeader proposes data through the cluster's current leader,
// again when a leader change dropped or fenced it (nothing was written
// then; an unknown outcome is retried too, for payloads whose duplicate
// does not matter). A loaded machine may change leaders at any time.
func proposeToLeader(t *testing.T, ctx context.Context, c *testCluster, data string) uint64 {
	t.Helper()
	for {
		_, idx, err := c.leader(ctx).Propose(ctx, []byte(data))
		switch {
		case err == nil:
			return idx
		case ctx.Err() == nil && (errors.Is(err, ErrFenced) || errors.Is(err, ErrProposalDropped) || errors.Is(err, ErrOutcomeUnknown)):
			continue
		default:
			t.Fatalf("Propose(%s): %v", shortData(data), err)
		}
	}
}

// dataEntries keeps the entries that carry a payload.
func dataEntries(ents []Entry) []Entry {
	var out []Entry
	for _, e := range ents {
		if e.Data != nil {
			out = append(out, e)
		}
	}
	return out
}

func TestProposeApplyOrderAndResults(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	sm := newMemSM(t, dir)
	n := mustOpen(t, dir, sm)
	var last uint64
	for i := range 50 {
		data := fmt.Sprintf("p%d", i)
		res, idx := mustPropose(t, ctx, n, data)
		if res != "applied:"+data {
			t.Fatalf("result %v, want applied:%s", res, data)
		}
		if idx <= last {
			t.Fatalf("index %d not after %d", idx, last)
		}
		last = idx
	}
	got := dataEntries(sm.entries())
	if len(got) != 50 {
		t.Fatalf("applied %d data entries, want 50", len(got))
	}
	for i, e := range got {
		if string(e.Data) != fmt.Sprintf("p%d", i) {
			t.Fatalf("entry %d = %q, want p%d", i, e.Data, i)
		}
	}
	st := n.Status()
	if st.Role != "leader" || st.Leader != 1 || st.Applied != last || st.Commit < last || st.Term == 0 {
		t.Fatalf("status %+v", st)
	}
	// Entries reads them back from disk.
	ents, err := n.Entries(got[0].Index, last+1)
	if err != nil {
		t.Fatal(err)
	}
	if d := dataEntries(ents); len(d) != 50 || string(d[49].Data) != "p49" {
		t.Fatalf("Entries returned %d data entries", len(d))
	}
	if _, err := n.Entries(1, n.CommittedIndex()+2); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Entries beyond commit: %v, want ErrUnavailable", err)
	}
}

func TestConcurrentProposers(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	sm := newMemSM(t, dir)
	n := mustOpen(t, dir, sm)
	const workers, per = 16, 100
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				data := fmt.Sprintf("w%d-%d", w, i)
				res, _, err := n.Propose(ctx, []byte(data))
				if err != nil {
					errc <- err
					return
				}
				if res != "applied:"+data {
					errc <- fmt.Errorf("result %v for %s", res, data)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range dataEntries(sm.entries()) {
		if seen[string(e.Data)] {
			t.Fatalf("%s applied twice", e.Data)
		}
		seen[string(e.Data)] = true
	}
	if len(seen) != workers*per {
		t.Fatalf("applied %d distinct, want %d", len(seen), workers*per)
	}
	syncs, ents := n.wal.stats()
	t.Logf("%d entries in %d fdatasyncs (%.1f per sync)", ents, syncs, float64(ents)/float64(syncs))
}

func TestRestartDoesNotReapply(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	sm := newMemSM(t, dir)
	n := mustOpen(t, dir, sm)
	for i := range 20 {
		mustPropose(t, ctx, n, fmt.Sprintf("a%d", i))
	}
	mustShutdown(t, n)
	if _, _, err := n.Propose(ctx, []byte("late")); !errors.Is(err, ErrStopped) {
		t.Fatalf("Propose after Shutdown: %v, want ErrStopped", err)
	}
	applied := sm.AppliedIndex()

	sm2 := newMemSM(t, dir)
	if sm2.AppliedIndex() != applied {
		t.Fatalf("fixture lost applied index")
	}
	start := time.Now()
	n2 := mustOpen(t, dir, sm2)
	_, idx := mustPropose(t, ctx, n2, "b0")
	t.Logf("restart to first applied proposal: %v", time.Since(start))
	for _, e := range sm2.entries() {
		if e.Index <= applied {
			t.Fatalf("entry %d re-applied (applied was %d)", e.Index, applied)
		}
	}
	// The whole history is still readable from disk after the restart.
	ents, err := n2.Entries(1, idx+1)
	if err != nil {
		t.Fatal(err)
	}
	d := dataEntries(ents)
	if len(d) != 21 || string(d[0].Data) != "a0" || string(d[19].Data) != "a19" || string(d[20].Data) != "b0" {
		t.Fatalf("Entries after restart: %d data entries", len(d))
	}
	for i, e := range ents {
		if e.Index != uint64(i+1) {
			t.Fatalf("Entries[%d].Index = %d", i, e.Index)
		}
	}
}

func TestRestartReappliesUnapplied(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	sm := newMemSM(t, dir)
	n := mustOpen(t, dir, sm)
	var mid uint64
	for i := range 20 {
		_, idx := mustPropose(t, ctx, n, fmt.Sprintf("a%d", i))
		if i == 9 {
			mid = idx
		}
	}
	mustShutdown(t, n)
	// The state machine "lost" its last applies (not durable yet at crash).
	os.WriteFile(filepath.Join(dir, "applied"), []byte(strconv.FormatUint(mid, 10)), 0o644)
	sm2 := newMemSM(t, dir)
	n2 := mustOpen(t, dir, sm2)
	if _, err := n2.WaitReadable(ctx); err != nil {
		t.Fatal(err)
	}
	d := dataEntries(sm2.entries())
	if len(d) != 10 || string(d[0].Data) != "a10" || string(d[9].Data) != "a19" {
		t.Fatalf("re-applied %d data entries: %+v", len(d), d)
	}
	if sm2.entries()[0].Index != mid+1 {
		t.Fatalf("replay started at %d, want %d", sm2.entries()[0].Index, mid+1)
	}
}

func TestStateMachineErrorStopsNode(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	sm := newMemSM(t, dir)
	n := mustOpen(t, dir, sm)
	_, idx := mustPropose(t, ctx, n, "ok")
	sm.mu.Lock()
	sm.failAt = idx + 1
	sm.mu.Unlock()
	_, _, err := n.Propose(ctx, []byte("boom"))
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("injected failure")) {
		t.Fatalf("Propose: %v, want the injected failure", err)
	}
	select {
	case <-n.Done():
	case <-ctx.Done():
		t.Fatal("node did not stop")
	}
	if n.Err() == nil || errors.Is(n.Err(), ErrStopped) {
		t.Fatalf("Err() = %v, want the apply error", n.Err())
	}
	if _, _, err := n.Propose(ctx, []byte("after")); !errors.Is(err, ErrStopped) {
		t.Fatalf("Propose after fatal: %v", err)
	}
}

func TestWaitCommittedAndReadable(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	n := mustOpen(t, dir, newMemSM(t, dir))
	ri, err := n.WaitReadable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := n.CommittedIndex()
	got := make(chan uint64, 8)
	for range 8 {
		go func() {
			v, err := n.WaitCommitted(ctx, c)
			if err != nil {
				v = 0
			}
			got <- v
		}()
	}
	_, idx := mustPropose(t, ctx, n, "x")
	for range 8 {
		if v := <-got; v < idx {
			t.Fatalf("WaitCommitted returned %d, want ≥ %d", v, idx)
		}
	}
	ri2, err := n.WaitReadable(ctx)
	if err != nil || ri2 < idx || ri2 < ri {
		t.Fatalf("WaitReadable = %d, %v; want ≥ %d", ri2, err, idx)
	}
	if st := n.Status(); st.Applied < ri2 {
		t.Fatalf("applied %d < read index %d", st.Applied, ri2)
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := n.WaitCommitted(cctx, n.CommittedIndex()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitCommitted idle: %v", err)
	}
}

func TestCanceledProposal(t *testing.T) {
	dir := t.TempDir()
	n := mustOpen(t, dir, newMemSM(t, dir))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := n.Propose(ctx, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Propose with canceled ctx: %v", err)
	}
}

// lastSegment returns the path of the newest WAL segment.
func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	seqs, err := listSegments(filepath.Join(dir, "wal"))
	if err != nil || len(seqs) == 0 {
		t.Fatalf("no segments: %v", err)
	}
	return segmentPath(filepath.Join(dir, "wal"), seqs[len(seqs)-1])
}

func TestTornTailIsTruncated(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	n := mustOpen(t, dir, newMemSM(t, dir))
	var last uint64
	for i := range 10 {
		_, last = mustPropose(t, ctx, n, fmt.Sprintf("a%d", i))
	}
	mustShutdown(t, n)
	walDir := filepath.Join(dir, "wal")
	w, err := openWAL(walDir, 0, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	end, seg := w.current().size, w.current().path
	w.close()
	// Half a record at the written end: a header that promises 100 bytes
	// and 10 of them, as a crash in the middle of the write leaves it.
	torn := binary.LittleEndian.AppendUint32(nil, 100)
	torn = binary.LittleEndian.AppendUint32(torn, 0xdeadbeef)
	torn = append(torn, recEntry)
	torn = append(torn, bytes.Repeat([]byte{0xab}, 10)...)
	f, err := os.OpenFile(seg, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(torn, end); err != nil {
		t.Fatal(err)
	}
	f.Close()
	w, err = openWAL(walDir, 0, testLogger(t))
	if err != nil {
		t.Fatalf("openWAL with torn tail: %v", err)
	}
	if got := w.current().size; got != end {
		t.Fatalf("written end %d after recovery, want %d", got, end)
	}
	w.close()
	b, _ := os.ReadFile(seg)
	if !allZero(b[end:]) {
		t.Fatal("torn bytes still on disk after recovery")
	}
	n2 := mustOpen(t, dir, newMemSM(t, dir)) // fresh SM: replays everything
	if _, err := n2.WaitReadable(ctx); err != nil {
		t.Fatal(err)
	}
	ents, err := n2.Entries(1, last+1)
	if err != nil {
		t.Fatal(err)
	}
	if d := dataEntries(ents); len(d) != 10 {
		t.Fatalf("%d data entries after torn-tail recovery, want 10", len(d))
	}
	_, idx := mustPropose(t, ctx, n2, "after-torn")
	mustShutdown(t, n2)
	n3 := mustOpen(t, dir, newMemSM(t, dir))
	if _, err := n3.WaitReadable(ctx); err != nil {
		t.Fatal(err)
	}
	ents, err = n3.Entries(idx, idx+1)
	if err != nil || string(ents[0].Data) != "after-torn" {
		t.Fatalf("entry after torn tail: %v %v", ents, err)
	}
}

func TestCorruptMiddleRefusesToStart(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	n := mustOpen(t, dir, newMemSM(t, dir))
	for i := range 10 {
		mustPropose(t, ctx, n, fmt.Sprintf("payload-%d", i))
	}
	mustShutdown(t, n)
	seg := lastSegment(t, dir)
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("payload-4"))
	if i < 0 {
		t.Fatal("payload not found in segment")
	}
	b[i] ^= 0x01
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(Config{NodeID: 1, Dir: filepath.Join(dir, "wal"), Peers: map[uint64]string{1: ""},
		StateMachine: newMemSM(t, dir), Logger: testLogger(t)})
	if !errors.Is(err, ErrCorruptLog) {
		t.Fatalf("Open on corrupt log: %v, want ErrCorruptLog", err)
	}
}

func TestSegmentsRollAndTruncateFront(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	small := func(c *Config) { c.segmentSize = 4 << 10 }
	n := mustOpen(t, dir, newMemSM(t, dir), small)
	payload := bytes.Repeat([]byte("z"), 300)
	var last uint64
	for i := range 100 {
		_, last, _ = n.Propose(ctx, append([]byte(fmt.Sprintf("%03d", i)), payload...))
	}
	seqs, _ := listSegments(filepath.Join(dir, "wal"))
	if len(seqs) < 5 {
		t.Fatalf("%d segments, want several", len(seqs))
	}
	if err := n.TruncateFront(ctx, last-20); err != nil {
		t.Fatal(err)
	}
	if n.FirstIndex() != last-20 {
		t.Fatalf("FirstIndex = %d, want %d", n.FirstIndex(), last-20)
	}
	if _, err := n.Entries(1, last); !errors.Is(err, ErrCompacted) {
		t.Fatalf("Entries below first: %v", err)
	}
	seqs2, _ := listSegments(filepath.Join(dir, "wal"))
	if len(seqs2) >= len(seqs) {
		t.Fatalf("segments %d → %d, want some deleted", len(seqs), len(seqs2))
	}
	mustShutdown(t, n)
	sm := newMemSM(t, dir)
	n2 := mustOpen(t, dir, sm, small)
	if n2.FirstIndex() != last-20 {
		t.Fatalf("FirstIndex after restart = %d, want %d", n2.FirstIndex(), last-20)
	}
	ents, err := n2.Entries(last-20, last+1)
	if err != nil || len(ents) != 21 || !bytes.HasPrefix(ents[20].Data, []byte("099")) {
		t.Fatalf("Entries after restart: %d, %v", len(ents), err)
	}
	mustPropose(t, ctx, n2, "more")
}

// The applier may make an entry durable in the state machine before the
// HardState that commits it is synced; a crash there leaves applied >
// commit on disk, which raft would refuse without the clamp in walStorage.
func TestRestartWithAppliedAboveDurableCommit(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	sm := newMemSM(t, dir)
	n := mustOpen(t, dir, sm)
	var last uint64
	for i := range 10 {
		_, last = mustPropose(t, ctx, n, fmt.Sprintf("a%d", i))
	}
	mustShutdown(t, n)
	w := mustOpenWAL(t, filepath.Join(dir, "wal"), 0)
	hs, _, _ := w.state()
	mustAppend(t, w, hardState(hs.GetTerm(), hs.GetVote(), last-5))
	w.close()

	sm2 := newMemSM(t, dir)
	n2 := mustOpen(t, dir, sm2)
	_, idx := mustPropose(t, ctx, n2, "b")
	if idx <= last {
		t.Fatalf("new entry at %d, want after %d", idx, last)
	}
	for _, e := range sm2.entries() {
		if e.Index <= last {
			t.Fatalf("entry %d applied twice", e.Index)
		}
	}
}

func TestStartupIsFast(t *testing.T) {
	dir := t.TempDir()
	for _, phase := range []string{"bootstrap", "restart"} {
		// An election timeout of 10 minutes: a single node that waited for
		// one would run into the 60 s context, whatever the machine's load;
		// one that campaigns at once is done in well under a second.
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		start := time.Now()
		n, err := Open(Config{NodeID: 1, Dir: filepath.Join(dir, "wal"), Peers: map[uint64]string{1: ""},
			TickInterval: time.Minute, StateMachine: newMemSM(t, dir), Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.WaitReadable(ctx); err != nil {
			t.Fatalf("%s: not readable: %v (did the single node wait for an election timeout?)", phase, err)
		}
		mustPropose(t, ctx, n, phase)
		t.Logf("%s: Open to first applied proposal in %v", phase, time.Since(start))
		cancel()
		mustShutdown(t, n)
	}
}

// A single node applies an entry right after its fsync, a Ready before raft
// reports it committed (commitOwnAppend). TruncateFront up to the applied
// index meanwhile must not take entries raft still reads for its
// CommittedEntries, and every entry is applied once, in order (memSM checks).
func TestSoleVoterTruncateWhileApplyingAhead(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	sm := newMemSM(t, dir)
	n := mustOpen(t, dir, sm, func(c *Config) { c.segmentSize = 4 << 10 })
	mustPropose(t, ctx, n, "first")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := n.Propose(ctx, []byte(fmt.Sprintf("w%d-%d", w, i))); err != nil {
					t.Errorf("Propose: %v", err)
					return
				}
			}
		}()
	}
	for range 200 {
		if err := n.TruncateFront(ctx, n.Status().Applied+1); err != nil {
			t.Fatalf("TruncateFront: %v", err)
		}
	}
	close(stop)
	wg.Wait()
	_, last := mustPropose(t, ctx, n, "last")
	mustShutdown(t, n)
	if got := sm.AppliedIndex(); got != last {
		t.Fatalf("applied %d, want %d", got, last)
	}
	n2 := mustOpen(t, dir, newMemSM(t, dir))
	if _, idx := mustPropose(t, ctx, n2, "after restart"); idx <= last {
		t.Fatalf("new entry at %d, want after %d", idx, last)
	}
}

// TestStatusDoesNotWaitForTheLoop: Status and Members answer while the
// Ready loop is busy (here: stuck in an Apply). A SQL session reading the
// logdb_cluster view holds a state-machine read transaction, and a
// snapshot install on the loop waits for those to end: had Status waited
// for the loop, the two would deadlock.
func TestStatusDoesNotWaitForTheLoop(t *testing.T) {
	ctx := testCtx(t)
	sm := newMemSM(t, t.TempDir())
	n := mustOpen(t, t.TempDir(), sm)
	defer mustShutdown(t, n)
	mustPropose(t, ctx, n, "first")
	gate := make(chan struct{})
	sm.gate.Store(&gate)
	proposed := make(chan error, 1)
	go func() {
		_, _, err := n.Propose(ctx, []byte("held"))
		proposed <- err
	}()
	time.Sleep(50 * time.Millisecond) // the loop is now inside Apply
	answered := make(chan Status, 1)
	go func() {
		st := n.Status()
		n.Members()
		answered <- st
	}()
	select {
	case st := <-answered:
		if st.Role != "leader" || st.Leader != 1 {
			t.Errorf("status while applying: %+v", st)
		}
	case <-time.After(2 * time.Second):
		t.Error("Status or Members waited for the Ready loop")
	}
	close(gate)
	if err := <-proposed; err != nil {
		t.Fatal(err)
	}
}

// TestUrgentFollowers: a commit notice goes out at once to a follower whose
// own proposals were just committed or that gets a read-index answer, and
// to no one else (notices.go).
func TestUrgentFollowers(t *testing.T) {
	n := &Node{cfg: Config{NodeID: 1}}
	committed := []*pb.Entry{
		{Type: pb.EntryType_EntryNormal.Enum(), Data: frame(2<<48|7, []byte("from 2"))},
		{Type: pb.EntryType_EntryNormal.Enum(), Data: frame(1<<48|8, []byte("own"))},
		{Type: pb.EntryType_EntryNormal.Enum()}, // a new leader's empty entry
		{Type: pb.EntryType_EntryConfChangeV2.Enum(), Data: []byte{0x0a, 0x00}},
		{Type: pb.EntryType_EntryNormal.Enum(), Data: frame(2<<48|9, []byte("from 2 again"))},
	}
	msgs := []*pb.Message{
		{Type: pb.MessageType_MsgReadIndexResp.Enum(), To: new(uint64(3))},
		{Type: pb.MessageType_MsgApp.Enum(), To: new(uint64(4))},
	}
	got := n.urgentFollowers(committed, msgs)
	slices.Sort(got)
	if !slices.Equal(got, []uint64{2, 3}) {
		t.Fatalf("urgent followers %v, want [2 3]", got)
	}
	if got := n.urgentFollowers(nil, nil); len(got) != 0 {
		t.Fatalf("urgent followers with nothing committed: %v", got)
	}
}
