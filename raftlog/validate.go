package raftlog

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// Nothing a peer sends may reach a panic in raft or here, or put an entry
// in the log that stops the node when it is applied. go.etcd.io/raft/v3
// trusts its input: it panics on an empty MsgProp ("stepped empty
// MsgProp"), a heartbeat committing beyond the log ("tocommit(N) is out of
// range"), a MsgApp whose entries are not contiguous ("conflict with
// committed entry"), a MsgReadIndex without its one entry (index out of
// range), a forwarded conf change that does not unmarshal, a snapshot whose
// ConfState confchange.Restore refuses ("unable to restore config") and a
// conf change confchange refuses at apply ("removed all voters"); a
// MsgAppResp acknowledging indexes beyond the leader's log moves the
// quorum's commit index past it (the same "out of range" panic). And a
// committed entry the state machine cannot decode stops the node, at
// every restart too.
//
// So every inbound message passes three checks before raft sees it:
//
//  1. checkPeerMessage (stateless, on the transport's goroutine): a type a
//     peer may send, sender and recipient ids, terms, entries contiguous
//     and well framed, conf changes of the one shape AddNode/RemoveNode
//     make, payloads the state machine can decode (ProposalValidator).
//  2. Node.Step: the sender is a current member.
//  3. Node.admit (on the Ready loop, against raft's state): a heartbeat's
//     commit and an acknowledged index within this node's log, appends
//     and heartbeats in the current term only from the leader of that
//     term.
//
// A message that fails is dropped and counted by reason (Node.Refused);
// the first of each reason in a minute is logged. Without authentication
// (TLS is not built yet) a process that can reach the raft port and
// impersonate a member can still send well-formed messages: it can force
// elections with a higher term, but cannot crash a node or make one apply
// something it cannot decode.

// ErrRefusedMessage is wrapped by the reason a peer's message was dropped.
var ErrRefusedMessage = errors.New("raftlog: refused message from peer")

// ProposalValidator is implemented by a StateMachine that can tell whether
// a payload is one it can apply. Node checks every entry a peer sends
// (forwarded proposals, appended entries) with it before raft sees them:
// an entry that could not be decoded would stop every node applying it.
type ProposalValidator interface {
	ValidateProposal(data []byte) error
}

// peerTypes are the message types one raft node sends another. Everything
// else (MsgHup, MsgBeat, MsgUnreachable, MsgSnapStatus, MsgCheckQuorum,
// MsgStorage*, MsgForgetLeader) is local to a node; logdb never transfers
// leadership (MsgTransferLeader, MsgTimeoutNow); MsgSnap comes only on a
// snapshot stream.
var peerTypes = map[pb.MessageType]bool{
	pb.MessageType_MsgApp: true, pb.MessageType_MsgAppResp: true,
	pb.MessageType_MsgVote: true, pb.MessageType_MsgVoteResp: true,
	pb.MessageType_MsgPreVote: true, pb.MessageType_MsgPreVoteResp: true,
	pb.MessageType_MsgHeartbeat: true, pb.MessageType_MsgHeartbeatResp: true,
	pb.MessageType_MsgProp: true, pb.MessageType_MsgReadIndex: true, pb.MessageType_MsgReadIndexResp: true,
}

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrRefusedMessage}, args...)...)
}

// checkPeerMessage checks what can be checked of m without raft's state.
// self is the receiving node; snap says m arrived as a snapshot stream's
// head; v (may be nil) validates entry payloads.
func checkPeerMessage(m *pb.Message, self uint64, snap bool, v ProposalValidator) error {
	t := m.GetType()
	if snap {
		if t != pb.MessageType_MsgSnap {
			return refuse("%s on a snapshot stream", t)
		}
	} else if !peerTypes[t] {
		return refuse("%s is not sent by peers", t)
	}
	from := m.GetFrom()
	switch {
	case from == 0 || from >= 1<<16:
		return refuse("%s from id %d", t, from)
	case from == self:
		return refuse("%s from this node's own id", t)
	case m.GetTo() != self:
		return refuse("%s for node %d", t, m.GetTo())
	}
	switch t {
	case pb.MessageType_MsgProp, pb.MessageType_MsgReadIndex:
		// Forwarded by a follower: raft sends them without a term.
		if m.GetTerm() != 0 {
			return refuse("%s with term %d", t, m.GetTerm())
		}
	default:
		if m.GetTerm() == 0 {
			return refuse("%s without a term", t)
		}
	}
	if m.GetTerm() >= 1<<62 {
		// No group gets there; raft's term+1 would wrap around to 0.
		return refuse("%s with term %d", t, m.GetTerm())
	}
	ents := m.GetEntries()
	switch t {
	case pb.MessageType_MsgProp:
		if len(ents) == 0 {
			return refuse("empty MsgProp")
		}
		for _, e := range ents {
			if err := checkEntry(e, v); err != nil {
				return err
			}
			if e.GetType() == pb.EntryNormal && proposalNode(e) != from {
				return refuse("MsgProp from %d carries a proposal of node %d", from, proposalNode(e))
			}
		}
	case pb.MessageType_MsgReadIndex, pb.MessageType_MsgReadIndexResp:
		if len(ents) != 1 || ents[0].GetType() != pb.EntryNormal {
			return refuse("%s with %d entries", t, len(ents))
		}
	case pb.MessageType_MsgApp:
		prev, prevTerm := m.GetIndex(), m.GetLogTerm()
		if prev > 1<<62 || prevTerm > m.GetTerm() || (prev == 0) != (prevTerm == 0) { // no index overflows
			return refuse("MsgApp after (%d, term %d) in term %d", prev, prevTerm, m.GetTerm())
		}
		last := prevTerm
		for i, e := range ents {
			if e.GetIndex() != prev+1+uint64(i) {
				return refuse("MsgApp entry %d at position %d after index %d", e.GetIndex(), i, prev)
			}
			if e.GetTerm() < last || e.GetTerm() > m.GetTerm() || e.GetTerm() == 0 {
				return refuse("MsgApp entry %d of term %d (previous %d, message %d)", e.GetIndex(), e.GetTerm(), last, m.GetTerm())
			}
			last = e.GetTerm()
			if err := checkEntry(e, v); err != nil {
				return err
			}
		}
	case pb.MessageType_MsgSnap:
		if len(ents) > 0 {
			return refuse("MsgSnap with entries")
		}
	default:
		if len(ents) > 0 {
			return refuse("%s with %d entries", t, len(ents))
		}
	}
	if t != pb.MessageType_MsgSnap && m.Snapshot != nil {
		return refuse("%s carrying a snapshot", t)
	}
	return nil
}

// proposalNode is the node that made a framed proposal (its id's top bits).
func proposalNode(e *pb.Entry) uint64 { return entryProposalID(e) >> 48 }

// checkEntry checks that e will not stop a node when applied: a normal
// entry is empty (a new leader's) or framed with a payload v accepts; a
// conf change is a ConfChangeV2 of the shape AddNode and RemoveNode make.
func checkEntry(e *pb.Entry, v ProposalValidator) error {
	d := e.GetData()
	switch e.GetType() {
	case pb.EntryNormal:
		if len(d) == 0 {
			return nil
		}
		size, _, ok := frameHeader(d)
		if !ok {
			return refuse("entry %d without raftlog's framing", e.GetIndex())
		}
		if proposalNode(e) == 0 {
			return refuse("entry %d with proposal id 0", e.GetIndex())
		}
		if v != nil {
			if err := v.ValidateProposal(d[size:]); err != nil {
				return refuse("entry %d: %v", e.GetIndex(), err)
			}
		}
		return nil
	case pb.EntryConfChangeV2:
		cc := &pb.ConfChangeV2{}
		if err := unmarshalProto(d, cc); err != nil {
			return refuse("conf change entry %d: %v", e.GetIndex(), err)
		}
		return checkConfChange(cc)
	case pb.EntryConfChange:
		// raft's Bootstrap writes the first members as v1 changes; a
		// joining node receives them from the leader.
		cc := &pb.ConfChange{}
		if err := unmarshalProto(d, cc); err != nil {
			return refuse("conf change entry %d: %v", e.GetIndex(), err)
		}
		return checkConfChange(cc.AsV2())
	}
	return refuse("entry %d of type %s", e.GetIndex(), e.GetType())
}

// checkConfChange accepts what AddNode, RemoveNode and raft's Bootstrap
// propose: one change, adding or removing a node id in range, no joint
// consensus. raft turns a change it refuses into an empty entry, so an
// empty ConfChangeV2 (leave joint) never comes from us either.
func checkConfChange(cc *pb.ConfChangeV2) error {
	if len(cc.GetChanges()) != 1 || cc.GetTransition() != pb.ConfChangeTransitionAuto {
		return refuse("conf change with %d changes, transition %s", len(cc.GetChanges()), cc.GetTransition())
	}
	ch := cc.GetChanges()[0]
	if id := ch.GetNodeId(); id == 0 || id >= 1<<16 {
		return refuse("conf change of node %d", id)
	}
	switch ch.GetType() {
	case pb.ConfChangeAddNode, pb.ConfChangeAddLearnerNode:
		if len(cc.GetContext()) > 256 { // the address; empty for a bootstrapped single node
			return refuse("conf change adding node %d with a %d-byte address", ch.GetNodeId(), len(cc.GetContext()))
		}
	case pb.ConfChangeRemoveNode:
	default:
		return refuse("conf change of type %s", ch.GetType())
	}
	return nil
}

// checkConfState accepts a ConfState confchange.Restore can restore: some
// voters, ids in range and distinct, no joint configuration.
func checkConfState(cs *pb.ConfState) error {
	if len(cs.GetVoters()) == 0 || len(cs.GetVotersOutgoing()) > 0 || len(cs.GetLearnersNext()) > 0 || cs.GetAutoLeave() {
		return refuse("snapshot ConfState %v", cs)
	}
	seen := map[uint64]bool{}
	for _, id := range slices.Concat(cs.GetVoters(), cs.GetLearners()) {
		if id == 0 || id >= 1<<16 || seen[id] {
			return refuse("snapshot ConfState %v", cs)
		}
		seen[id] = true
	}
	return nil
}

// confChangeAllowed says whether applying cc to cs leaves a configuration
// raft accepts (confchange would panic otherwise, and raft lets the
// application decline a change by not applying it). Deterministic: every
// node decides on the same applied ConfState.
func confChangeAllowed(cs *pb.ConfState, cc *pb.ConfChangeV2) bool {
	if len(cc.GetChanges()) != 1 || cc.GetTransition() != pb.ConfChangeTransitionAuto {
		return false
	}
	ch := cc.GetChanges()[0]
	id := ch.GetNodeId()
	switch ch.GetType() {
	case pb.ConfChangeAddNode:
		return id != 0
	case pb.ConfChangeAddLearnerNode:
		// A voter made a learner would be a demotion, which nothing here
		// asks for.
		return id != 0 && !slices.Contains(cs.GetVoters(), id)
	case pb.ConfChangeRemoveNode:
		v := cs.GetVoters()
		return !(len(v) == 1 && v[0] == id)
	}
	return false
}

// admit is the Ready loop's check of a peer's message against raft's
// state, just before it is stepped. last is this node's last log index
// (every entry raft appended has been written by an earlier turn).
func (n *Node) admit(m *pb.Message, last uint64) error {
	return admitMessage(m, last, func() (uint64, uint64) {
		st := n.raw.BasicStatus()
		return st.HardState.GetTerm(), st.Lead
	})
}

// admitMessage is admit's decision; status returns raft's current term and
// leader (asked only for the messages that need them).
func admitMessage(m *pb.Message, last uint64, status func() (term, lead uint64)) error {
	switch m.GetType() {
	case pb.MessageType_MsgHeartbeat:
		// A leader sends min(follower's match, commit): within what the
		// follower has written.
		if m.GetCommit() > last {
			return refuse("heartbeat from %d commits %d beyond the log's last index %d", m.GetFrom(), m.GetCommit(), last)
		}
	case pb.MessageType_MsgAppResp:
		if m.GetIndex() > last || m.GetRejectHint() > last {
			return refuse("MsgAppResp from %d for index %d beyond the log's last index %d", m.GetFrom(), m.GetIndex(), last)
		}
	}
	switch m.GetType() {
	case pb.MessageType_MsgHeartbeat, pb.MessageType_MsgApp, pb.MessageType_MsgSnap:
		// A term has at most one leader.
		term, lead := status()
		if m.GetTerm() == term && lead != 0 && m.GetFrom() != lead {
			return refuse("%s from %d in term %d, whose leader is %d", m.GetType(), m.GetFrom(), term, lead)
		}
	}
	return nil
}

// refusals counts dropped messages by reason and logs the first of each
// reason in every refusalLogEvery.
type refusals struct {
	logger *slog.Logger
	mu     sync.Mutex
	counts map[string]uint64
	logged map[string]time.Time
}

const refusalLogEvery = time.Minute

func newRefusals(logger *slog.Logger) *refusals {
	return &refusals{logger: logger, counts: map[string]uint64{}, logged: map[string]time.Time{}}
}

// add counts one refusal of kind (a short fixed name) and logs err now and
// then.
func (r *refusals) add(kind string, err error, attrs ...any) {
	r.mu.Lock()
	r.counts[kind]++
	now := time.Now()
	log := now.Sub(r.logged[kind]) >= refusalLogEvery
	if log {
		r.logged[kind] = now
	}
	count := r.counts[kind]
	r.mu.Unlock()
	if log {
		r.logger.Warn("refused raft input from the network", append([]any{"kind", kind, "err", err, "count", count}, attrs...)...)
	}
}

func (r *refusals) snapshot() map[string]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.counts)
}
