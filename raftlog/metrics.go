package raftlog

import (
	"sync/atomic"
	"time"
)

// Observer receives the Ready loop's measurements as they happen, for
// metrics (cmd/logdb feeds Prometheus histograms with them). Its methods
// run on the Ready loop: they must be cheap and must never block.
type Observer interface {
	// ObserveFsync is called after each fdatasync of the WAL with its
	// duration (the write before it not included).
	ObserveFsync(d time.Duration)
	// ObserveReady is called for each Ready with the number of entries it
	// asked to persist (the group-commit batch; 0 for Readies that only
	// commit, send or apply).
	ObserveReady(entries int)
}

// Counters are the node's cumulative counts since Open (Prometheus
// counters: they only grow).
type Counters struct {
	// Proposals counts Propose calls; ProposalsFailed those that returned
	// an error (dropped, outcome unknown, the caller's deadline, a stop).
	Proposals, ProposalsFailed uint64
	// SnapshotsSent and SnapshotsReceived count whole state snapshots
	// streamed to and stored from peers.
	SnapshotsSent, SnapshotsReceived uint64
}

// counters are the atomics behind Counters.
type counters struct {
	proposals, proposalsFailed, snapsSent, snapsReceived atomic.Uint64
}

// Counters returns the node's cumulative counts. Safe from any goroutine.
func (n *Node) Counters() Counters {
	c := &n.counters
	return Counters{
		Proposals: c.proposals.Load(), ProposalsFailed: c.proposalsFailed.Load(),
		SnapshotsSent: c.snapsSent.Load(), SnapshotsReceived: c.snapsReceived.Load(),
	}
}

// LastIndex is the last index in the log on this node (durable or about
// to be); with FirstIndex it gives the retained range.
func (n *Node) LastIndex() uint64 {
	_, last := n.wal.bounds()
	return last
}

// noObserver is the Observer when Config.Observer is nil.
type noObserver struct{}

func (noObserver) ObserveFsync(time.Duration) {}
func (noObserver) ObserveReady(int)           {}
