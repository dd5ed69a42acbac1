package raftlog

// The Node as the Transport's MessageHandler: inbound messages are checked
// and queued for the Ready loop, reports become raft calls on the loop.

import (
	"context"
	"fmt"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// Step delivers an inbound raft message (the Transport calls it). It
// checks the message (validate.go), queues it for the Ready loop and does
// not wait for it. A message a peer may not send is dropped, counted and
// reported with an error wrapping ErrRefusedMessage.
func (n *Node) Step(ctx context.Context, m *pb.Message) error {
	return n.step(m, false)
}

// step checks m and queues it; snap says it is a snapshot stream's head,
// completed by ReceiveSnapshot.
func (n *Node) step(m *pb.Message, snap bool) error {
	select {
	case <-n.done:
		return fmt.Errorf("raftlog: step: %w", ErrStopped)
	default:
	}
	if err := n.checkInbound(m, snap); err != nil {
		return err
	}
	if from := m.GetFrom(); from != 0 && from == n.leader.Load() {
		n.leaderHeard.Store(n.mono())
	}
	if n.refuseVote(m) || n.answerRead(m) {
		return nil
	}
	if d, ok := n.rtt.received(m, time.Now()); ok {
		if o, ok := n.observer.(PeerRTTObserver); ok {
			o.ObservePeerRTT(m.GetFrom(), d)
		}
	}
	n.inbox.step(m)
	return nil
}

// checkInbound runs the checks that need no raft state: checkPeerMessage
// and membership of the sender.
func (n *Node) checkInbound(m *pb.Message, snap bool) error {
	if err := checkPeerMessage(m, n.cfg.NodeID, snap, n.validator); err != nil {
		n.refused.add(m.GetType().String(), err, "from", m.GetFrom())
		return err
	}
	n.mu.Lock()
	_, member := n.addrs[m.GetFrom()]
	n.mu.Unlock()
	if !member {
		err := refuse("%s from %d, not a member", m.GetType(), m.GetFrom())
		n.refused.add("not-a-member", err, "from", m.GetFrom())
		return err
	}
	return nil
}

// Refused counts the peers' messages this node dropped, by kind: the
// message type for a message that failed validation, or the transport's
// reason for a frame or connection it refused ("malformed-frame",
// "frame-too-large", ...). The counts only grow.
func (n *Node) Refused() map[string]uint64 {
	out := n.refused.snapshot()
	if r, ok := n.cfg.Transport.(interface{ Refused() map[string]uint64 }); ok {
		for k, v := range r.Refused() {
			out[k] += v
		}
	}
	return out
}

// ReportUnreachable tells raft a message to id could not be sent. It never
// blocks (the Ready loop itself calls it through Transport.Send).
func (n *Node) ReportUnreachable(id uint64) {
	n.inbox.do(func(rn *raft.RawNode) {
		n.probeAnswered(id)
		rn.ReportUnreachable(id)
	})
}

// ReportSnapshot tells raft whether a snapshot reached peer id.
func (n *Node) ReportSnapshot(id uint64, failed bool) {
	st := raft.SnapshotFinish
	if failed {
		st = raft.SnapshotFailure
	}
	n.inbox.do(func(rn *raft.RawNode) { rn.ReportSnapshot(id, st) })
}
