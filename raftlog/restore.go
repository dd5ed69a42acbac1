package raftlog

import (
	"errors"
	"fmt"
	"log/slog"

	pb "go.etcd.io/raft/v3/raftpb"
)

// ErrNotEmpty is returned by Restore when its directory already holds a log.
var ErrNotEmpty = errors.New("raftlog: directory already holds a log")

// Restore prepares dir as the log of a new group whose only member is
// nodeID and whose log starts after index (of term term): what a state
// machine restored from a backup, applied up to index, needs to be opened
// by Open as a single node. The WAL records a snapshot at index, the
// membership and a HardState committing it, made durable before Restore
// returns. dir must hold no log (ErrNotEmpty).
func Restore(dir string, nodeID, index, term uint64) error {
	if nodeID == 0 || index == 0 || term == 0 {
		return fmt.Errorf("raftlog: restore: node id, index and term must be positive (got %d, %d, %d)", nodeID, index, term)
	}
	w, err := openWAL(dir, 0, slog.Default())
	if err != nil {
		return err
	}
	hs, _, _ := w.state()
	if first, last := w.bounds(); first != 1 || last != 0 || hs.GetTerm() != 0 || hs.GetCommit() != 0 {
		w.closeFiles()
		return fmt.Errorf("raftlog: restore into %s: %w", dir, ErrNotEmpty)
	}
	cs := &pb.ConfState{Voters: []uint64{nodeID}}
	if err := w.saveSnapshot(index, term, cs, nil); err != nil {
		w.closeFiles()
		return fmt.Errorf("raftlog: restore: %w", err)
	}
	if err := w.append(nil, &pb.HardState{Term: new(term), Commit: new(index)}, true); err != nil {
		w.closeFiles()
		return fmt.Errorf("raftlog: restore: %w", err)
	}
	return w.close()
}

// Term returns the term of the entry at index, for index from
// FirstIndex()-1 to LastIndex() (a backup records its index's term).
func (n *Node) Term(index uint64) (uint64, error) {
	return n.wal.term(index)
}
