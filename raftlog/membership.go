package raftlog

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.etcd.io/raft/v3"
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

// ErrChangeInFlight is returned by AddNode while another membership change
// is under way: a node added earlier is still a learner catching up, or
// another change was asked of this node and has not been applied.
var ErrChangeInFlight = errors.New("raftlog: another membership change is in flight")

// ErrQuorumAtRisk is returned by RemoveNode (without force) when the
// voters left after the removal that are reachable now would not form a
// quorum of the new group: the change could not commit, or would leave a
// group that cannot.
var ErrQuorumAtRisk = errors.New("raftlog: removal would leave no reachable quorum")

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

// AddNode adds node id, reachable for raft at addr, as a learner, and
// returns once that is applied on this node. A learner receives the log
// but does not vote: the group's quorum is unchanged until the leader
// promotes it to voter, which it does once the learner has caught up
// (promoteLearners), so adding a node that never comes up cannot cost the
// group its quorum. Start the new node with an empty data directory and
// Config.Join; it catches up from the log (or a snapshot). Any member may
// be asked; a follower forwards to the leader. While another change is in
// flight (a learner not yet promoted, or a change asked of this node not
// yet applied) AddNode returns ErrChangeInFlight.
func (n *Node) AddNode(ctx context.Context, id uint64, addr string) error {
	if id == 0 || id >= 1<<16 || addr == "" {
		return fmt.Errorf("raftlog: add node %d at %q: %w", id, addr, ErrMembership)
	}
	if !n.memberMu.TryLock() {
		return fmt.Errorf("raftlog: add node %d: %w", id, ErrChangeInFlight)
	}
	defer n.memberMu.Unlock()
	_, cs, _ := n.wal.state()
	if slices.Contains(cs.GetVoters(), id) || slices.Contains(cs.GetLearners(), id) {
		return fmt.Errorf("raftlog: add node %d: already a member: %w", id, ErrMembership)
	}
	if l := cs.GetLearners(); len(l) > 0 {
		return fmt.Errorf("raftlog: add node %d: node %d is still being added (a learner that has not caught up; start it, or remove it): %w",
			id, l[0], ErrChangeInFlight)
	}
	cc := &pb.ConfChangeV2{Changes: []*pb.ConfChangeSingle{{Type: pb.ConfChangeAddLearnerNode.Enum(), NodeId: new(id)}},
		Context: []byte(addr)}
	return n.changeMembership(ctx, cc, func(cs *pb.ConfState) bool {
		return slices.Contains(cs.GetLearners(), id) || slices.Contains(cs.GetVoters(), id)
	})
}

// RemoveNode removes node id from the group and returns once the change is
// applied on this node. Removing the leader makes it step down once the
// change commits; the removed node stops taking part and can be shut down.
// Unless force, removing a voter is refused (ErrQuorumAtRisk) when the
// voters that would remain and are reachable now (Members) are not a
// majority of the remaining voters. Learners are always removable.
func (n *Node) RemoveNode(ctx context.Context, id uint64, force bool) error {
	if !n.memberMu.TryLock() {
		return fmt.Errorf("raftlog: remove node %d: %w", id, ErrChangeInFlight)
	}
	defer n.memberMu.Unlock()
	_, cs, _ := n.wal.state()
	if !slices.Contains(cs.GetVoters(), id) && !slices.Contains(cs.GetLearners(), id) {
		return fmt.Errorf("raftlog: remove node %d: not a member: %w", id, ErrMembership)
	}
	if len(cs.GetVoters()) == 1 && cs.GetVoters()[0] == id {
		return fmt.Errorf("raftlog: remove node %d: the last voter: %w", id, ErrMembership)
	}
	if slices.Contains(cs.GetVoters(), id) && !force {
		// The change commits under the current voters and the group goes
		// on with the rest: both need a reachable majority.
		var voters, left, reachable, reachableLeft []uint64
		for _, m := range n.Members() {
			if m.Role != "voter" {
				continue
			}
			voters = append(voters, m.ID)
			if m.Reachable {
				reachable = append(reachable, m.ID)
			}
			if m.ID != id {
				left = append(left, m.ID)
				if m.Reachable {
					reachableLeft = append(reachableLeft, m.ID)
				}
			}
		}
		if len(reachableLeft) <= len(left)/2 {
			return fmt.Errorf("raftlog: remove node %d: %d voters would remain (%v), of them %d reachable now (%v), fewer than the %d a quorum needs: %w",
				id, len(left), left, len(reachableLeft), reachableLeft, len(left)/2+1, ErrQuorumAtRisk)
		}
		if len(reachable) <= len(voters)/2 {
			return fmt.Errorf("raftlog: remove node %d: only %d of the %d voters are reachable now (%v); the change could not commit: %w",
				id, len(reachable), len(voters), reachable, ErrQuorumAtRisk)
		}
	}
	cc := &pb.ConfChangeV2{Changes: []*pb.ConfChangeSingle{{Type: pb.ConfChangeRemoveNode.Enum(), NodeId: new(id)}}}
	return n.changeMembership(ctx, cc, func(cs *pb.ConfState) bool {
		return !slices.Contains(cs.GetVoters(), id) && !slices.Contains(cs.GetLearners(), id)
	})
}

// promoteEvery is how often the leader looks for learners to promote.
const promoteEvery = time.Second

// promoteLag is how many entries a learner may trail the commit index and
// still count as caught up (under steady writes it never matches exactly).
const promoteLag = 1000

// promoteLearners proposes, on the leader, making a learner a voter once
// it answers (RecentActive) and its log reaches within promoteLag of the
// commit index. At most one change a promoteEvery; raft itself refuses a
// second change while one is pending (it becomes an empty entry) and the
// learner is simply looked at again later. Ready loop only.
func (n *Node) promoteLearners() {
	if time.Since(n.promotedAt) < promoteEvery {
		return
	}
	_, cs, _ := n.wal.state()
	if len(cs.GetLearners()) == 0 {
		return
	}
	st := n.raw.Status()
	if st.RaftState != raft.StateLeader {
		return
	}
	for _, id := range cs.GetLearners() {
		pr, ok := st.Progress[id]
		if !ok || !pr.RecentActive || pr.Match+promoteLag < st.HardState.GetCommit() || pr.Match == 0 {
			continue
		}
		n.promotedAt = time.Now()
		addr := n.peerAddrs()[id]
		cc := &pb.ConfChangeV2{Changes: []*pb.ConfChangeSingle{{Type: pb.ConfChangeAddNode.Enum(), NodeId: new(id)}},
			Context: []byte(addr)}
		if err := n.raw.ProposeConfChange(cc); err != nil {
			n.logger.Info("promoting a caught-up learner not accepted yet", "learner", id, "err", err)
			return
		}
		n.logger.Info("promoting a caught-up learner to voter", "learner", id, "match", pr.Match, "commit", st.HardState.GetCommit())
		return
	}
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
