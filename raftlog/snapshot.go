package raftlog

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Snapshotter is the optional StateMachine extension that lets a follower
// behind the log's retained front catch up: the leader streams its whole
// state, the follower replaces its own with it and continues from the log.
// Without it, TruncateFront must stay below every peer's match index.
type Snapshotter interface {
	// WriteSnapshot writes a consistent copy of the state to w and returns
	// the applied index it holds. It runs concurrently with Apply.
	WriteSnapshot(w io.Writer) (index uint64, err error)
	// RestoreSnapshot replaces the state with one written by WriteSnapshot
	// and returns its applied index. No Apply runs meanwhile. It must be
	// crash-safe: after a crash the state is either the old one or the new.
	RestoreSnapshot(r io.Reader) (index uint64, err error)
}

// SnapshotSizer is an optional Snapshotter extension: the size
// WriteSnapshot would write now. The leader announces a bound derived from
// it in the snapshot stream's head, and the follower accepts no more.
type SnapshotSizer interface {
	SnapshotSize() int64
}

// SnapshotBound is what the leader announces a snapshot it is about to
// send may hold: its state's size now, plus a quarter and 64 MiB for what
// is applied while the snapshot is written (0: no announcement, the
// follower's free disk alone bounds it). The Transport puts it in the
// stream's head.
func (n *Node) SnapshotBound() int64 {
	sz, ok := n.cfg.StateMachine.(SnapshotSizer)
	if !ok {
		return 0
	}
	size := sz.SnapshotSize()
	if size <= 0 {
		return 0
	}
	return size + size/4 + 64<<20
}

// ErrNoSnapshotter is returned when a snapshot must be sent or restored
// but the StateMachine does not implement Snapshotter.
var ErrNoSnapshotter = errors.New("raftlog: state machine cannot snapshot")

// Snapshots on the wire (see tcp.go): raft's MsgSnap carries only
// metadata; the transport streams the state machine's data after it and
// then a trailer the leader builds once the data is written:
//
//	[u64 index][u64 term][u32 n][ConfState: n bytes][peers, as recPeers]
//
// index is the state machine's own applied index (≥ the index raft asked
// for, which is only the log's front), so the follower's log restarts
// exactly where its restored state ends. The receiver stores the data in
// Dir/snap/NNNNNNNNNNNNNNNN.snap (fsynced) before it hands the message to
// raft; the Ready loop then records the snapshot in the WAL, restores the
// state machine from the file and deletes it. A crash between the two is
// repaired by Open, which restores from the file the WAL points at.

func (n *Node) snapDir() string { return filepath.Join(n.cfg.Dir, "snap") }

func (n *Node) snapPath(index uint64) string {
	return filepath.Join(n.snapDir(), fmt.Sprintf("%016x.snap", index))
}

// SendSnapshot streams this node's state to w and returns the trailer
// (the Transport calls it for an outbound MsgSnap).
func (n *Node) SendSnapshot(w io.Writer) ([]byte, error) {
	ss, ok := n.cfg.StateMachine.(Snapshotter)
	if !ok {
		return nil, ErrNoSnapshotter
	}
	_, cs, csIndex := n.wal.state()
	peers := n.peerAddrs()
	index, err := ss.WriteSnapshot(w)
	if err != nil {
		return nil, fmt.Errorf("raftlog: send snapshot: %w", err)
	}
	// The ConfState must be the one in force at index: no membership change
	// may have been recorded after it or between the two reads.
	if _, _, csIndex2 := n.wal.state(); csIndex2 != csIndex || csIndex > index {
		return nil, fmt.Errorf("raftlog: send snapshot: membership changed while it was written; raft retries")
	}
	term, err := n.wal.term(index)
	if err != nil {
		return nil, fmt.Errorf("raftlog: send snapshot: term of %d: %w", index, err)
	}
	csb, err := proto.Marshal(cs)
	if err != nil {
		return nil, fmt.Errorf("raftlog: send snapshot: %w", err)
	}
	tr := binary.LittleEndian.AppendUint64(nil, index)
	tr = binary.LittleEndian.AppendUint64(tr, term)
	tr = binary.LittleEndian.AppendUint32(tr, uint32(len(csb)))
	tr = append(tr, csb...)
	tr = append(tr, encodePeers(peers)...)
	n.counters.snapsSent.Add(1)
	n.logger.Info("sent snapshot", "index", index, "term", term)
	return tr, nil
}

// ReceiveSnapshot stores an inbound snapshot's data durably, completes m's
// metadata from the trailer and steps it into raft (the Transport calls it).
//
// Only the current leader's snapshot is read (raft asks its followers for
// nothing else), and at most the space free on the disk less
// snapshotReserve, and Config.MaxSnapshotBytes if set: a stream beyond
// that is cut off and its temporary file removed (Open removes any a crash
// left).
func (n *Node) ReceiveSnapshot(ctx context.Context, m *pb.Message, data io.Reader, trailer func() ([]byte, error)) error {
	if err := n.checkInbound(m, true); err != nil {
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	if lead, term := n.leader.Load(), n.term.Load(); m.GetFrom() != lead || m.GetTerm() != term {
		err := refuse("snapshot from %d in term %d; the leader is %d in term %d", m.GetFrom(), m.GetTerm(), lead, term)
		n.refused.add("MsgSnap", err, "from", m.GetFrom())
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	if err := os.MkdirAll(n.snapDir(), 0o755); err != nil {
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	limit, err := n.snapshotLimit()
	if err != nil {
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	if d := m.GetSnapshot().GetData(); len(d) == 8 {
		// the bound the leader announced (Node.SnapshotBound)
		if announced := int64(binary.LittleEndian.Uint64(d)); announced > 0 {
			limit = min(limit, announced)
		}
	}
	f, err := os.CreateTemp(n.snapDir(), "recv-*.tmp")
	if err != nil {
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	size, err := io.Copy(f, io.LimitReader(data, limit+1))
	if err == nil && size > limit {
		err = fmt.Errorf("%w: snapshot larger than %d bytes (the bound the leader announced, free disk space less %d, or MaxSnapshotBytes)", ErrSnapshotTooLarge, limit, snapshotReserve)
		n.refused.add("snapshot-too-large", err, "from", m.GetFrom())
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	tr, err := trailer()
	if err != nil {
		return fmt.Errorf("raftlog: receive snapshot trailer: %w", err)
	}
	if len(tr) < 20 || len(tr) < 20+int(binary.LittleEndian.Uint32(tr[16:])) {
		return fmt.Errorf("raftlog: receive snapshot: short trailer")
	}
	index, term := binary.LittleEndian.Uint64(tr), binary.LittleEndian.Uint64(tr[8:])
	csEnd := 20 + int(binary.LittleEndian.Uint32(tr[16:]))
	cs := &pb.ConfState{}
	if err := proto.Unmarshal(tr[20:csEnd], cs); err != nil {
		return fmt.Errorf("raftlog: receive snapshot: confstate: %w", err)
	}
	if err := checkConfState(cs); err != nil {
		n.refused.add("MsgSnap", err, "from", m.GetFrom())
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	if index == 0 || term == 0 || term > m.GetTerm() {
		err := refuse("snapshot at index %d, term %d, sent in term %d", index, term, m.GetTerm())
		n.refused.add("MsgSnap", err, "from", m.GetFrom())
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	if _, err := decodePeers(tr[csEnd:]); err != nil {
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	if err := os.Rename(tmp, n.snapPath(index)); err != nil {
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	if err := syncDir(n.snapDir()); err != nil {
		return fmt.Errorf("raftlog: receive snapshot: %w", err)
	}
	n.counters.snapsReceived.Add(1)
	n.logger.Info("received snapshot", "index", index, "term", term, "bytes", size, "from", m.GetFrom())
	m.Snapshot = &pb.Snapshot{Data: tr[csEnd:], Metadata: &pb.SnapshotMetadata{ConfState: cs, Index: new(index), Term: new(term)}}
	return n.step(m, true)
}

// snapshotReserve is disk space a received snapshot leaves free: the WAL
// and the state database must still be able to grow.
const snapshotReserve = 256 << 20

// snapshotLimit is the most a received snapshot may hold.
func (n *Node) snapshotLimit() (int64, error) {
	free, err := freeBytes(n.snapDir())
	if err != nil {
		return 0, err
	}
	limit := int64(0)
	if free > snapshotReserve {
		limit = int64(min(free-snapshotReserve, 1<<62))
	}
	if mx := n.cfg.MaxSnapshotBytes; mx > 0 {
		limit = min(limit, mx)
	}
	return limit, nil
}

// applySnapshot installs a snapshot raft accepted: it records it in the
// WAL (the log restarts at index+1), restores the state machine from the
// received file and publishes the new applied index. Ready loop only.
func (n *Node) applySnapshot(snap *pb.Snapshot) error {
	md := snap.GetMetadata()
	index, term := md.GetIndex(), md.GetTerm()
	if err := n.applier.drain(); err != nil {
		return err
	}
	peers, err := decodePeers(snap.GetData())
	if err != nil {
		return fmt.Errorf("raftlog: apply snapshot %d: %w", index, err)
	}
	if len(peers) == 0 {
		peers = nil // the leader knew no addresses: keep ours
	}
	if _, err := os.Stat(n.snapPath(index)); err != nil {
		return fmt.Errorf("raftlog: apply snapshot %d: %w", index, err)
	}
	if err := n.wal.saveSnapshot(index, term, md.GetConfState(), peers); err != nil {
		return err
	}
	if err := n.restoreSnapshotFile(index); err != nil {
		return err
	}
	n.durable = index
	n.handed, n.raftHanded = max(n.handed, index), max(n.raftHanded, index)
	n.soleVoter = isSoleVoter(md.GetConfState(), n.cfg.NodeID)
	n.setCommitted(index)
	n.setApplied(index, term)
	n.setPeers(peers)
	n.logger.Info("installed snapshot", "index", index, "term", term, "voters", md.GetConfState().GetVoters())
	return nil
}

// restoreSnapshotFile restores the state machine from the received
// snapshot at index and removes snapshot files up to it.
func (n *Node) restoreSnapshotFile(index uint64) error {
	ss, ok := n.cfg.StateMachine.(Snapshotter)
	if !ok {
		return ErrNoSnapshotter
	}
	f, err := os.Open(n.snapPath(index))
	if err != nil {
		return fmt.Errorf("raftlog: restore snapshot %d: %w", index, err)
	}
	got, err := ss.RestoreSnapshot(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("raftlog: restore snapshot %d: %w", index, err)
	}
	if got != index {
		return fmt.Errorf("raftlog: restore snapshot: file for index %d holds index %d: %w", index, got, ErrCorruptLog)
	}
	n.removeSnapFiles(index)
	return nil
}

// removeSnapFiles deletes received snapshots at or below index and
// leftover temporary files.
func (n *Node) removeSnapFiles(index uint64) {
	des, err := os.ReadDir(n.snapDir())
	if err != nil {
		return
	}
	for _, de := range des {
		name := de.Name()
		if i, err := strconv.ParseUint(strings.TrimSuffix(name, ".snap"), 16, 64); strings.HasSuffix(name, ".snap") && (err != nil || i <= index) ||
			strings.HasSuffix(name, ".tmp") {
			os.Remove(filepath.Join(n.snapDir(), name))
		}
	}
}

// recoverSnapshot finishes a snapshot install a crash interrupted: the WAL
// says the log restarts after first-1 but the state machine is behind it.
// Called by Open before raft starts.
func (n *Node) recoverSnapshot(applied uint64) (uint64, error) {
	first, _ := n.wal.bounds()
	if applied+1 >= first {
		n.removeSnapFiles(^uint64(0))
		return applied, nil
	}
	if _, err := os.Stat(n.snapPath(first - 1)); err != nil {
		return 0, fmt.Errorf("raftlog: open: state machine applied index %d is below the log's first index %d and no snapshot is at hand: %w",
			applied, first, ErrCorruptLog)
	}
	n.logger.Warn("finishing an interrupted snapshot install", "index", first-1, "applied", applied)
	if err := n.restoreSnapshotFile(first - 1); err != nil {
		return 0, err
	}
	n.removeSnapFiles(^uint64(0))
	return n.cfg.StateMachine.AppliedIndex(), nil
}
