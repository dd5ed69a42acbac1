package raftlog

import (
	"errors"

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
}

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
	ents, err := s.w.entries(lo, hi, maxSize)
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
