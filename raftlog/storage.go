package raftlog

import (
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// walStorage is raft's Storage, served straight from the WAL: terms from
// the in-memory index, entries read from disk. There is no second copy of
// the log in memory; entries raft has not yet seen persisted live in raft's
// own unstable log, so the hot path (a proposal committed and applied in
// the Ready that persists it) never reads from here.
type walStorage struct {
	w *wal
	// minCommit raises the recovered HardState's commit index to the state
	// machine's applied index: an applied entry is committed by definition,
	// and raft refuses Applied > Commit.
	minCommit uint64
	// reads counts Entries calls, entries and bytes read and time spent
	// (slow-step diagnostics, loopstats.go).
	reads readCounts
	// memo is the last read from the segment files (raft's goroutine
	// only, the Ready loop).
	memo entriesMemo
}

// entriesMemo keeps the last entries read from disk for raft. A leader
// probing a follower that is behind (after a partition, a restart) sends
// the same append, up to MaxSizePerMsg of entries from the follower's next
// index, each time that follower answers a heartbeat, and with
// linearizable reads every read is a heartbeat round: measured, a leader
// read 26 MB in 119 reads of the same 256 KiB in one turn of its loop
// (521 ms in which nothing committed) right after a partition healed. A
// repeated read is answered from here.
type entriesMemo struct {
	lo, hi, maxSize uint64
	ents            []*pb.Entry
}

// get returns the memo's answer to Entries(lo, hi, maxSize) if it has one
// that is still the log's. An entry is identified by its index and term
// (raft's log matching), so the range is unchanged while the term at its
// last index is; a read cut short by maxSize answers the same for any
// larger hi.
func (m *entriesMemo) get(w *wal, lo, hi, maxSize uint64) []*pb.Entry {
	n := uint64(len(m.ents))
	if n == 0 || lo != m.lo || maxSize != m.maxSize || hi < m.hi || (hi > m.hi && lo+n >= m.hi) {
		return nil
	}
	first, _ := w.bounds()
	last := m.ents[n-1]
	if lo < first {
		return nil
	}
	if t, err := w.term(last.GetIndex()); err != nil || t != last.GetTerm() {
		return nil
	}
	return slices.Clip(m.ents) // raft may append to what it gets
}

type readCounts struct{ calls, entries, bytes, ns atomic.Uint64 }

var _ raft.Storage = (*walStorage)(nil)

func (s *walStorage) InitialState() (*pb.HardState, *pb.ConfState, error) {
	hs, cs, _ := s.w.state()
	if hs.GetCommit() < s.minCommit {
		_, last := s.w.bounds()
		hs.Commit = new(min(s.minCommit, last))
	}
	return hs, cs, nil
}

func (s *walStorage) Entries(lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	if ents := s.memo.get(s.w, lo, hi, maxSize); ents != nil {
		return ents, nil
	}
	t0 := time.Now()
	ents, err := s.w.entries(lo, hi, maxSize)
	if err == nil && len(ents) > 0 {
		s.memo = entriesMemo{lo: lo, hi: hi, maxSize: maxSize, ents: slices.Clip(ents)}
	}
	s.reads.calls.Add(1)
	s.reads.entries.Add(uint64(len(ents)))
	var b uint64
	for _, e := range ents {
		b += uint64(len(e.GetData()))
	}
	s.reads.bytes.Add(b)
	s.reads.ns.Add(uint64(time.Since(t0)))
	return ents, toRaftErr(err)
}

func (s *walStorage) Term(i uint64) (uint64, error) {
	t, err := s.w.term(i)
	return t, toRaftErr(err)
}

func (s *walStorage) LastIndex() (uint64, error) {
	_, last := s.w.bounds()
	return last, nil
}

func (s *walStorage) FirstIndex() (uint64, error) {
	first, _ := s.w.bounds()
	return first, nil
}

// Snapshot describes the log's front for raft: once the front was
// truncated, a follower that needs older entries gets a snapshot. Only the
// metadata is built here; the transport streams the state machine's data
// with the metadata it really holds (see snapshot.go).
func (s *walStorage) Snapshot() (*pb.Snapshot, error) {
	first, _ := s.w.bounds()
	_, cs, _ := s.w.state()
	prev, err := s.w.term(first - 1)
	if err != nil {
		return nil, toRaftErr(err)
	}
	return &pb.Snapshot{Metadata: &pb.SnapshotMetadata{ConfState: cs, Index: new(first - 1), Term: new(prev)}}, nil
}

func toRaftErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrCompacted):
		return raft.ErrCompacted
	case errors.Is(err, ErrUnavailable):
		return raft.ErrUnavailable
	}
	return err
}

func (c *readCounts) load() [4]uint64 {
	return [4]uint64{c.calls.Load(), c.entries.Load(), c.bytes.Load(), c.ns.Load()}
}
