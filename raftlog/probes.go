package raftlog

import (
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// Repeated probes. A follower that is behind (cut off by a partition,
// restarted) is in raft's probe state: the leader sends one append, up to
// MaxSizePerMsg of entries from the follower's next index, and pauses
// until the follower answers it. But every heartbeat answer un-pauses the
// probe and raft sends the same append again, and with linearizable reads
// every read is a heartbeat round (hundreds a second): measured right
// after a partition healed, the leader sent its lagging follower 119
// copies of the same 256 KiB append in one turn of its loop (26 MB), which
// the follower then had to decode, while nothing committed for 0.5 s.
//
// So the leader sends a given probe (an append with entries from the same
// index, of the same term) at most once per probeResend to a follower,
// unless that follower answered an append since or its connection was
// lost (the transport discarded what was queued): a repeat within that
// time is dropped, as a lossy network may drop it. raft resends it at the
// next heartbeat answer after that, so a lost probe costs at most
// probeResend. raft reading the entries again is cheap (entriesMemo).

// probeSent is the last append with entries sent to a follower.
type probeSent struct {
	index, logTerm uint64 // the append's previous index and its term
	at             time.Time
}

// probeResend is how long a repeated probe is held back: two heartbeat
// intervals, time for a follower on a loaded machine to write and answer.
func (n *Node) probeResend() time.Duration {
	return 2 * time.Duration(n.cfg.HeartbeatTicks) * n.cfg.TickInterval
}

// repeatedProbe says whether m repeats an append still in flight to its
// follower (then it is dropped), and otherwise records it. Ready loop only.
func (n *Node) repeatedProbe(m *pb.Message, now time.Time) bool {
	if m.GetType() != pb.MessageType_MsgApp || len(m.GetEntries()) == 0 {
		return false
	}
	if n.probes == nil {
		n.probes = make(map[uint64]probeSent)
	}
	to := m.GetTo()
	if p, ok := n.probes[to]; ok && p.index == m.GetIndex() && p.logTerm == m.GetLogTerm() && now.Sub(p.at) < n.probeResend() {
		n.stats.probesDropped.Add(1)
		return true
	}
	n.probes[to] = probeSent{index: m.GetIndex(), logTerm: m.GetLogTerm(), at: now}
	return false
}

// probeAnswered forgets the append in flight to id: it answered an append
// (the next one is no repeat), or its connection was lost (what was
// queued for it is gone). Ready loop only.
func (n *Node) probeAnswered(id uint64) {
	delete(n.probes, id)
}
