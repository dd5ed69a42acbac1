package raftlog

import (
	"fmt"
	"log/slog"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"
)

// ForceNewCluster rewrites the log in dir, that of member nodeID of a group
// that lost its quorum for good, into the log of a group whose only voter
// is nodeID, keeping every entry it holds (etcd's --force-new-cluster):
//
//   - every entry in the log counts as committed (the HardState commits the
//     last one), so entries this node had received but whose commit it had
//     not yet learned are applied too (they may or may not have been
//     acknowledged; an acknowledged entry is here if this node was in the
//     majority that stored it, so recover the member that is furthest
//     ahead: the highest last index);
//   - the membership becomes {nodeID} as of the last index, so membership
//     changes still in the log (an add or a removal in flight when the
//     quorum was lost) are skipped when applied, as already covered;
//   - the members' addresses keep only nodeID's.
//
// The records are appended and fsynced; nothing is rewritten in place. The
// node must not be running (the caller holds the data directory's lock).
// It returns the last index, which the node applies up to at its next
// start. The other members' data directories must never be started again
// in this group: they would disagree with it.
func ForceNewCluster(dir string, nodeID uint64, logger *slog.Logger) (uint64, error) {
	if logger == nil {
		logger = slog.Default()
	}
	w, err := openWAL(dir, 0, logger)
	if err != nil {
		return 0, err
	}
	hs, cs, _ := w.state()
	_, last := w.bounds()
	if hs.GetTerm() == 0 || last == 0 {
		w.closeFiles()
		return 0, fmt.Errorf("raftlog: force new cluster in %s: no raft log here", dir)
	}
	if !slices.Contains(cs.GetVoters(), nodeID) && !slices.Contains(cs.GetLearners(), nodeID) {
		w.closeFiles()
		return 0, fmt.Errorf("raftlog: force new cluster in %s: node %d is not a member of the group it holds (voters %v, learners %v): %w",
			dir, nodeID, cs.GetVoters(), cs.GetLearners(), ErrBadConfig)
	}
	last = max(last, hs.GetCommit())
	peers := map[uint64]string{nodeID: w.peerAddrs()[nodeID]}
	if err := w.saveConfState(last, &pb.ConfState{Voters: []uint64{nodeID}}, peers); err != nil {
		w.closeFiles()
		return 0, fmt.Errorf("raftlog: force new cluster: %w", err)
	}
	newHS := &pb.HardState{Term: new(hs.GetTerm()), Vote: new(hs.GetVote()), Commit: new(last)}
	if err := w.append(nil, newHS, true); err != nil {
		w.closeFiles()
		return 0, fmt.Errorf("raftlog: force new cluster: %w", err)
	}
	logger.Warn("forced a new one-member group", "node", nodeID, "dir", dir,
		"old_voters", cs.GetVoters(), "old_learners", cs.GetLearners(), "committed_before", hs.GetCommit(), "last_index", last)
	return last, w.close()
}
