package raftlog

import (
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// readLease lets a leader answer reads without a heartbeat round while a
// quorum's recent acknowledgment rules out any other leader. The argument
// is in doc.go ("Linearizable reads"); times are Node.mono() values
// (nanoseconds of the monotonic clock since Open).
type readLease struct {
	clock time.Time // Open's time, with its monotonic reading
	dur   int64     // how long a confirmed round holds; 0: no lease
	// voteAfter: vote requests are dropped until then (a restarted node
	// forgot whom it acknowledged).
	voteAfter int64
	cur       atomic.Pointer[leaseGrant]
	// commit is raft's commit index, stored at the start of each Ready's
	// handling, before anything in it (a message, an apply) lets another
	// node or a client learn that index.
	commit atomic.Uint64
	confAt int64       // last conf change applied; Ready loop only
	renew  atomic.Bool // a renewal round is wanted or in flight
	reads  atomic.Uint64
}

// leaseGrant: this node led term, and no other node can lead before until.
type leaseGrant struct {
	term, until int64
}

// leaseMarginTicks are taken off the election timeout: a tick a follower
// had pending when the heartbeat came, the first tick's partial period,
// and one for clock drift between nodes (doc.go).
const leaseMarginTicks = 3

func (n *Node) initLease() {
	n.lease.clock = time.Now()
	et := time.Duration(n.cfg.ElectionTicks) * n.cfg.TickInterval
	n.lease.voteAfter = int64(et)
	if n.cfg.ElectionTicks > 2*leaseMarginTicks {
		n.lease.dur = int64(time.Duration(n.cfg.ElectionTicks-leaseMarginTicks) * n.cfg.TickInterval)
	}
}

// mono is the monotonic time since Open: it runs on while the process is
// stopped (SIGSTOP), and wall-clock steps do not move it.
func (n *Node) mono() int64 { return int64(time.Since(n.lease.clock)) }

// leaseIndex returns the read index a leaseholder may use now: its commit
// index. It asks for a renewal when less than half the lease is left, so
// a steady stream of reads never waits for one.
func (n *Node) leaseIndex() (uint64, bool) {
	g := n.lease.cur.Load()
	if g == nil {
		return 0, false
	}
	idx := n.lease.commit.Load() // before the clock: see doc.go
	now := n.mono()
	if now >= g.until || int64(n.term.Load()) != g.term || n.leader.Load() != n.cfg.NodeID {
		return 0, false
	}
	if g.until-now < n.lease.dur/2 && n.lease.renew.CompareAndSwap(false, true) {
		n.wakeReadLoop()
	}
	return idx, true
}

// grantLease runs on the Ready loop when a read-index request this node
// made at asked has been confirmed: as leader, a quorum answered a
// heartbeat sent after asked.
func (n *Node) grantLease(asked int64) {
	if n.lease.dur == 0 || n.soleVoter || asked <= n.lease.confAt {
		return
	}
	st := n.raw.BasicStatus()
	if st.RaftState != raft.StateLeader {
		return
	}
	g := &leaseGrant{term: int64(st.HardState.GetTerm()), until: asked + n.lease.dur}
	if old := n.lease.cur.Load(); old != nil && old.term == g.term && old.until >= g.until {
		return
	}
	n.lease.cur.Store(g)
}

// dropLease ends the lease: this node no longer leads, or the membership
// changed (a lease confirmed by the old voters says nothing of the new).
// Ready loop only.
func (n *Node) dropLease(confChange bool) {
	if confChange {
		n.lease.confAt = n.mono()
	}
	n.lease.cur.Store(nil)
}

// answerRead handles the read-index traffic that need not wait for the
// Ready loop, on the transport's goroutine (Step), and reports whether it
// did. A follower's request is answered from the lease, with the message
// raft would send after a heartbeat round. An answer to this node's own
// request goes straight to its waiter: raft would only turn it into a
// ReadState on the next Ready, and the answer is good whoever sent it (a
// leader answers only once a quorum or its lease confirmed it leads, after
// the request was made; see doc.go). An answer nobody waits for is
// dropped.
func (n *Node) answerRead(m *pb.Message) bool {
	switch m.GetType() {
	case pb.MessageType_MsgReadIndex:
		idx, ok := n.leaseIndex()
		if !ok {
			return false
		}
		n.lease.reads.Add(1)
		n.send([]*pb.Message{{Type: pb.MessageType_MsgReadIndexResp.Enum(), To: new(m.GetFrom()),
			From: new(n.cfg.NodeID), Term: new(n.term.Load()), Index: new(idx), Entries: m.GetEntries()}})
		return true
	case pb.MessageType_MsgReadIndexResp:
		if r, ok := n.reads.take(m.GetEntries()[0].GetData()); ok {
			n.finishRound(r, m.GetIndex())
		}
		return true
	}
	return false
}

// refuseVote reports whether a vote request must be dropped: for an
// election timeout after Open, this node may have acknowledged a leader's
// heartbeat just before it restarted, and raft, having forgotten that
// leader, would vote at once (see doc.go).
func (n *Node) refuseVote(m *pb.Message) bool {
	t := m.GetType()
	return (t == pb.MessageType_MsgVote || t == pb.MessageType_MsgPreVote) && n.mono() < n.lease.voteAfter
}

// LeaderInTouch reports whether a proposal made here now can be expected
// to reach a leader that commits it: as leader, this node holds a read
// lease (a quorum answered it within the lease); as a follower, a message
// of its leader arrived within the last two ticks (the leader sends every
// follower something each tick). sql lets a transaction that begins with
// an INSERT skip its read point only then: a node cut off from the
// leader still waits for a read point first and fails cleanly with 40001
// ("nothing was read or written") instead of committing into the void
// and answering 40003 ("outcome unknown").
func (n *Node) LeaderInTouch() bool {
	lead := n.leader.Load()
	switch {
	case lead == 0:
		return false
	case lead == n.cfg.NodeID:
		_, ok := n.leaseIndex()
		return ok
	}
	last := n.leaderHeard.Load()
	return last != 0 && n.mono()-last < int64(2*n.cfg.TickInterval)
}
