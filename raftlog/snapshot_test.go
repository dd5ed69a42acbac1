package raftlog

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

// snapSM is a memSM that can snapshot: its state is the list of entries
// applied, so a restored follower must end up with the leader's list.
type snapSM struct{ *memSM }

type snapImage struct {
	Applied uint64
	Log     []Entry
}

func (s snapSM) WriteSnapshot(w io.Writer) (uint64, error) {
	s.mu.Lock()
	img := snapImage{Applied: s.applied, Log: append([]Entry(nil), s.log...)}
	s.mu.Unlock()
	return img.Applied, json.NewEncoder(w).Encode(img)
}

func (s snapSM) RestoreSnapshot(r io.Reader) (uint64, error) {
	var img snapImage
	if err := json.NewDecoder(r).Decode(&img); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applied, s.log = img.Applied, img.Log
	return img.Applied, os.WriteFile(s.path, []byte(strconv.FormatUint(s.applied, 10)), 0o644)
}

// newSnapCluster is newTestCluster with state machines that snapshot.
func newSnapCluster(t *testing.T, size int) *testCluster {
	t.Helper()
	c := &testCluster{t: t, dirs: map[uint64]string{}, addrs: map[uint64]string{},
		nodes: map[uint64]*Node{}, sms: map[uint64]*memSM{}}
	lns := map[uint64]net.Listener{}
	for id := uint64(1); id <= uint64(size); id++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[id], c.addrs[id], c.dirs[id] = ln, ln.Addr().String(), t.TempDir()
	}
	for id, ln := range lns {
		c.startSnap(id, ln)
	}
	return c
}

func (c *testCluster) startSnap(id uint64, ln net.Listener) {
	c.t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", c.addrs[id]); err != nil {
			c.t.Fatal(err)
		}
	}
	sm := newMemSM(c.t, c.dirs[id])
	n := mustOpen(c.t, c.dirs[id], snapSM{sm}, func(cfg *Config) {
		cfg.NodeID = id
		cfg.Peers = c.addrs
		cfg.Transport = NewTCPTransport(id, ln, c.addrs, cfg.Logger)
	})
	c.nodes[id], c.sms[id] = n, sm
}

// A follower that was down while the others truncated their logs past its
// position catches up from a streamed snapshot, then from the log, and
// restarts cleanly from the WAL the snapshot reset.
func TestSnapshotCatchUp(t *testing.T) {
	ctx := testCtx(t)
	c := newSnapCluster(t, 3)
	lead := c.leader(ctx)
	var lagger uint64
	for id := range c.nodes {
		if c.nodes[id] != lead {
			lagger = id
		}
	}
	mustPropose(t, ctx, lead, "before")
	waitAppliedAll(t, ctx, c.nodes, lead.CommittedIndex())
	mustShutdown(t, c.nodes[lagger])
	delete(c.nodes, lagger)

	var last uint64
	for i := range 50 {
		_, last = mustPropose(t, ctx, lead, fmt.Sprintf("while-down-%d", i))
	}
	waitAppliedAll(t, ctx, c.nodes, last)
	for _, n := range c.nodes {
		if err := n.TruncateFront(ctx, last); err != nil {
			t.Fatalf("TruncateFront: %v", err)
		}
	}
	if first := lead.FirstIndex(); first != last {
		t.Fatalf("leader's first index %d, want %d", first, last)
	}

	c.startSnap(lagger, nil)
	_, idx := mustPropose(t, ctx, lead, "after")
	waitAppliedAll(t, ctx, c.nodes, idx)
	want := fmt.Sprint(dataEntries(c.sms[lead.cfg.NodeID].entries()))
	if got := fmt.Sprint(dataEntries(c.sms[lagger].entries())); got != want {
		t.Fatalf("restored follower's state differs from the leader's:\n got %s\nwant %s", got, want)
	}
	if first := c.nodes[lagger].FirstIndex(); first <= last || first > idx+1 {
		t.Fatalf("follower's log starts at %d: the snapshot did not reset it", first)
	}

	// Restart from the WAL that holds the snapshot record.
	mustShutdown(t, c.nodes[lagger])
	c.startSnap(lagger, nil)
	_, idx = mustPropose(t, ctx, lead, "after-restart")
	waitAppliedAll(t, ctx, c.nodes, idx)
	ents, err := c.nodes[lagger].Entries(idx, idx+1)
	if err != nil || string(ents[0].Data) != "after-restart" {
		t.Fatalf("entry %d on the restarted follower: %v, %v", idx, ents, err)
	}
}

// A crash after the WAL recorded a snapshot but before the state machine
// was restored from it: Open finishes the install from the received file.
func TestSnapshotInstallResumesAfterCrash(t *testing.T) {
	dir := t.TempDir()
	w, err := openWAL(filepath.Join(dir, "wal"), 0, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.saveSnapshot(7, 2, &pb.ConfState{Voters: []uint64{1}}, map[uint64]string{1: ""}); err != nil {
		t.Fatal(err)
	}
	if err := w.append(nil, &pb.HardState{Term: new(uint64(2)), Commit: new(uint64(7))}, true); err != nil {
		t.Fatal(err)
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	img := snapImage{Applied: 7, Log: []Entry{{Index: 5, Term: 2, Data: []byte("from-snapshot")}}}
	b, _ := json.Marshal(img)
	snapDir := filepath.Join(dir, "wal", "snap")
	if err := os.MkdirAll(snapDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(snapDir, "0000000000000007.snap"), b, 0o644); err != nil {
		t.Fatal(err)
	}

	ctx := testCtx(t)
	sm := newMemSM(t, dir) // applied 0: the restore never happened
	n := mustOpen(t, dir, snapSM{sm})
	// At least the snapshot's 7: the single node may already have applied
	// its new term's empty entry (8) by now.
	if a := sm.AppliedIndex(); a < 7 {
		t.Fatalf("state machine at %d after Open, want the snapshot's 7", a)
	}
	if _, idx := mustPropose(t, ctx, n, "next"); idx <= 7 {
		t.Fatalf("next entry at %d, want > 7", idx)
	}
	ents := dataEntries(sm.entries())
	if len(ents) != 2 || string(ents[0].Data) != "from-snapshot" || string(ents[1].Data) != "next" {
		t.Fatalf("state after the restore and one proposal: %v", ents)
	}
	if des, _ := os.ReadDir(snapDir); len(des) != 0 {
		t.Fatalf("%d snapshot files left after the install", len(des))
	}
}
