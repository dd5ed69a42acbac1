package raftlog

import (
	"slices"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// Commit notices. Each time its commit index moves, a raft leader sends
// every follower an append without entries just to say so, and each
// follower answers it: a whole extra round (a wake-up, a Ready and an apply
// on every follower, an answer stepped on the leader) per commit. On three
// nodes sharing two cores that round was a third of the CPU spent per
// commit. So the leader holds a notice back for up to noticeDelay, and the
// next append with entries to that follower, which carries the commit index
// too, replaces it. Notices go out at once to a follower that needs the
// commit index now: one whose own proposals (forwarded to the leader; the
// proposal id names the node) are among the entries just committed, or that
// gets an answer to a read-index request, since its client waits until the
// follower has applied that far. A held notice is dropped when a newer one
// (or an append) for the same follower goes out, as a lossy network may
// drop it; raft depends on no single message.

// noticeDelay bounds how long a follower may not know the latest commit
// index while nothing else is sent to it: the staleness of follower reads
// with read_consistency = 'local' and of changefeeds served by followers
// once writes stop.
const noticeDelay = 2 * time.Millisecond

// urgentFollowers lists the followers that must learn of this Ready's
// commits at once: those with proposals among the committed entries, and
// those receiving a read-index answer.
func (n *Node) urgentFollowers(committed []*pb.Entry, msgs []*pb.Message) []uint64 {
	var urgent []uint64
	add := func(id uint64) {
		if id != 0 && id != n.cfg.NodeID && !slices.Contains(urgent, id) {
			urgent = append(urgent, id)
		}
	}
	for _, e := range committed {
		if e.GetType() == pb.EntryType_EntryNormal {
			add(entryProposalID(e) >> 48)
		}
	}
	for _, m := range msgs {
		if m.GetType() == pb.MessageType_MsgReadIndexResp {
			add(m.GetTo())
		}
	}
	return urgent
}

// hasNotice reports whether msgs holds a commit notice.
func hasNotice(msgs []*pb.Message) bool {
	for _, m := range msgs {
		if m.GetType() == pb.MessageType_MsgApp && len(m.GetEntries()) == 0 {
			return true
		}
	}
	return false
}

// holdNotice keeps m, an append without entries, as the pending notice for
// its follower, replacing an older one. Ready loop only.
func (n *Node) holdNotice(m *pb.Message) {
	if n.notices == nil {
		n.notices = make(map[uint64]*pb.Message)
	}
	if len(n.notices) == 0 {
		n.noticeAt = time.Now()
	}
	n.notices[m.GetTo()] = m
}

// takeNotice removes and returns the notice held for follower id, if any.
func (n *Node) takeNotice(id uint64) *pb.Message {
	m := n.notices[id]
	delete(n.notices, id)
	return m
}

// flushNotices sends the held notices when forced or once the oldest is
// noticeDelay old, and says how long until a flush is due (0: nothing
// held). A node that stopped leading drops them. Ready loop only.
func (n *Node) flushNotices(force bool) time.Duration {
	if len(n.notices) == 0 {
		return 0
	}
	if n.role.Load() != "leader" {
		clear(n.notices)
		return 0
	}
	if wait := noticeDelay - time.Since(n.noticeAt); wait > 0 && !force {
		return wait
	}
	msgs := make([]*pb.Message, 0, len(n.notices))
	for _, m := range n.notices {
		msgs = append(msgs, m)
	}
	clear(n.notices)
	n.send(msgs)
	return 0
}
