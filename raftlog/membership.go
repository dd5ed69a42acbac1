package raftlog

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// Membership changes go through raft as ConfChangeV2 entries, one node at a
// time. An added node's raft address travels in the change's Context, so
// every member learns it when it applies the entry; the addresses are kept
// in the WAL (recPeers) beside the ConfState, and a restarted node takes
// both from there rather than from Config.Peers.

// ErrMembership is returned by AddNode and RemoveNode for a change that
// makes no sense (adding a member twice, removing a stranger or the last
// voter).
var ErrMembership = errors.New("raftlog: invalid membership change")

// Member is one node of the group as this node sees it.
type Member struct {
	ID   uint64
	Addr string // raft address
	// Role is "voter" or "learner".
	Role string
	// Match is the highest log index known replicated on the member; known
	// only on the leader (0 elsewhere).
	Match uint64
	// Reachable: on the leader, the member answered recently; elsewhere,
	// the transport holds a connection to it (always true for this node).
	Reachable bool
}

// Members lists the group's members, ordered by id.
func (n *Node) Members() []Member {
	_, cs, _ := n.wal.state()
	addrs := n.peerAddrs()
	var prog map[uint64]memberProgress
	lead := n.leader.Load() == n.cfg.NodeID
	if p := n.progress.Load(); lead && p != nil {
		prog = *p
	}
	conn, _ := n.cfg.Transport.(interface{ Connected(id uint64) bool })
	var out []Member
	add := func(id uint64, role string) {
		m := Member{ID: id, Addr: addrs[id], Role: role}
		switch {
		case id == n.cfg.NodeID:
			m.Reachable = true
			if pr, ok := prog[id]; ok {
				m.Match = pr.match
			}
		case lead:
			m.Match, m.Reachable = prog[id].match, prog[id].active
		case conn != nil:
			m.Reachable = conn.Connected(id)
		}
		out = append(out, m)
	}
	for _, id := range cs.GetVoters() {
		add(id, "voter")
	}
	for _, id := range cs.GetLearners() {
		add(id, "learner")
	}
	slices.SortFunc(out, func(a, b Member) int { return int(a.ID) - int(b.ID) })
	return out
}

// AddNode adds node id, reachable for raft at addr, as a voter, and returns
// once the change is applied on this node. Start the new node with an
// empty data directory and Config.Join; it catches up from the log (or a
// snapshot). Any member may be asked; a follower forwards to the leader.
func (n *Node) AddNode(ctx context.Context, id uint64, addr string) error {
	if id == 0 || id >= 1<<16 || addr == "" {
		return fmt.Errorf("raftlog: add node %d at %q: %w", id, addr, ErrMembership)
	}
	_, cs, _ := n.wal.state()
	if slices.Contains(cs.GetVoters(), id) {
		return fmt.Errorf("raftlog: add node %d: already a member: %w", id, ErrMembership)
	}
	cc := &pb.ConfChangeV2{Changes: []*pb.ConfChangeSingle{{Type: pb.ConfChangeAddNode.Enum(), NodeId: new(id)}},
		Context: []byte(addr)}
	return n.changeMembership(ctx, cc, func(cs *pb.ConfState) bool { return slices.Contains(cs.GetVoters(), id) })
}

// RemoveNode removes node id from the group and returns once the change is
// applied on this node. Removing the leader makes it step down once the
// change commits; the removed node stops taking part and can be shut down.
func (n *Node) RemoveNode(ctx context.Context, id uint64) error {
	_, cs, _ := n.wal.state()
	if !slices.Contains(cs.GetVoters(), id) && !slices.Contains(cs.GetLearners(), id) {
		return fmt.Errorf("raftlog: remove node %d: not a member: %w", id, ErrMembership)
	}
	if len(cs.GetVoters()) == 1 && cs.GetVoters()[0] == id {
		return fmt.Errorf("raftlog: remove node %d: the last voter: %w", id, ErrMembership)
	}
	cc := &pb.ConfChangeV2{Changes: []*pb.ConfChangeSingle{{Type: pb.ConfChangeRemoveNode.Enum(), NodeId: new(id)}}}
	return n.changeMembership(ctx, cc, func(cs *pb.ConfState) bool {
		return !slices.Contains(cs.GetVoters(), id) && !slices.Contains(cs.GetLearners(), id)
	})
}

// changeMembership proposes cc and waits until done holds for the applied
// ConfState. raft refuses a change while another is pending (it turns it
// into an empty entry), so the proposal is repeated every second until it
// takes effect or ctx ends.
func (n *Node) changeMembership(ctx context.Context, cc *pb.ConfChangeV2, done func(*pb.ConfState) bool) error {
	for {
		if err := n.proposeConfChange(ctx, cc); err != nil && ctx.Err() == nil {
			n.logger.Info("membership change not accepted yet", "err", err)
		}
		retry := time.NewTimer(time.Second)
	wait:
		for {
			_, cs, _ := n.wal.state()
			if done(cs) {
				retry.Stop()
				return nil
			}
			n.mu.Lock()
			ch := n.appliedCh
			n.mu.Unlock()
			select {
			case <-ch:
			case <-retry.C:
				break wait
			case <-ctx.Done():
				retry.Stop()
				return fmt.Errorf("raftlog: membership change not applied: %w", ctx.Err())
			case <-n.done:
				retry.Stop()
				return n.stoppedErr("membership change")
			}
		}
	}
}

// peerAddrs returns a copy of the members' raft addresses.
func (n *Node) peerAddrs() map[uint64]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return maps.Clone(n.addrs)
}

// setPeers records new member addresses and hands them to the transport.
func (n *Node) setPeers(peers map[uint64]string) {
	if peers == nil {
		return
	}
	n.mu.Lock()
	n.addrs = maps.Clone(peers)
	n.mu.Unlock()
	if n.cfg.Transport != nil {
		n.cfg.Transport.UpdatePeers(peers)
	}
}
