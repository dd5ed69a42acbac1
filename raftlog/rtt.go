package raftlog

import (
	"sync"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// PeerRTTObserver is an optional extension of Observer: the leader's
// heartbeat round trips to each peer (from a heartbeat sent to the
// response received), the logdb_raft_peer_round_trip_seconds histogram.
type PeerRTTObserver interface {
	ObservePeerRTT(peer uint64, d time.Duration)
}

// rttLost is how old an unanswered heartbeat may be before it counts as
// lost: the next one starts a new measurement.
const rttLost = 2 * time.Second

// rttTracker measures heartbeat round trips. The leader sends a heartbeat
// to every peer each tick; the time of the first one not yet answered is
// kept per peer, and the peer's next response ends the measurement.
type rttTracker struct {
	mu   sync.Mutex
	sent map[uint64]time.Time
	last map[uint64]time.Duration
}

// sending notes heartbeats among outbound messages (Ready loop).
func (r *rttTracker) sending(msgs []*pb.Message, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range msgs {
		if m.GetType() != pb.MessageType_MsgHeartbeat {
			continue
		}
		if r.sent == nil {
			r.sent, r.last = make(map[uint64]time.Time), make(map[uint64]time.Duration)
		}
		if t, ok := r.sent[m.GetTo()]; !ok || now.Sub(t) > rttLost {
			r.sent[m.GetTo()] = now
		}
	}
}

// received ends a measurement when m answers a heartbeat (inbound, after
// validation); ok reports whether it did.
func (r *rttTracker) received(m *pb.Message, now time.Time) (time.Duration, bool) {
	if m.GetType() != pb.MessageType_MsgHeartbeatResp {
		return 0, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.sent[m.GetFrom()]
	if !ok {
		return 0, false
	}
	delete(r.sent, m.GetFrom())
	d := now.Sub(t)
	r.last[m.GetFrom()] = d
	return d, true
}

// PeerRTT returns the last heartbeat round trip measured to each peer
// (on the leader; empty elsewhere, and for peers not heard lately).
func (n *Node) PeerRTT() map[uint64]time.Duration {
	n.rtt.mu.Lock()
	defer n.rtt.mu.Unlock()
	out := make(map[uint64]time.Duration, len(n.rtt.last))
	for id, d := range n.rtt.last {
		out[id] = d
	}
	return out
}
