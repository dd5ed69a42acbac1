package raftlog

import (
	pb "go.etcd.io/raft/v3/raftpb"
)

// Coalescing a leader's appends. raft sends a follower an append each time
// the leader's log or commit index moves: one per proposal stepped (the
// local batch and every MsgProp a follower forwarded), and an entry-less
// one (a commit notice) each time acknowledgements move the commit index.
// One turn of the Ready loop steps all of those at once, so its Ready can
// hold two or three appends for the same follower, each of them a frame,
// a read, a step and an answer (MsgAppResp) on the follower. Measured on
// three nodes sharing two cores under river's job queue: the leader sent
// 2.2 appends per follower per Ready.
//
// coalesceAppends merges, per follower, an append into an earlier one of
// the same Ready when it continues it: same term, and it starts where the
// earlier one ends (Index = earlier Index + its entries, LogTerm = the term
// of its last entry). The merged append carries both runs of entries and
// the later (higher) commit index. A follower treats it as the two in a
// row: raft's follower appends after checking (Index, LogTerm), and
// commits min(Commit, the last index of the append), which the leader
// committed, so raising an earlier append's commit index to one the leader
// holds later is what sending it a moment later would have done. The
// leader's flow control counts the two as in flight; the follower's one
// answer (for the last index) frees both. A merged append stays within
// MaxSizePerMsg of entries (coalesceLimit) unless one of the two alone is
// larger.
func coalesceAppends(msgs []*pb.Message, self uint64) []*pb.Message {
	apps := 0
	for _, m := range msgs {
		if m.GetType() == pb.MessageType_MsgApp {
			apps++
		}
	}
	if apps < 2 {
		return msgs
	}
	var last map[uint64]int // follower → index in out of its latest append
	out := make([]*pb.Message, 0, len(msgs))
	for _, m := range msgs {
		if m.GetType() != pb.MessageType_MsgApp || m.GetFrom() != self {
			out = append(out, m)
			continue
		}
		if last == nil {
			last = make(map[uint64]int, 4)
		}
		if i, ok := last[m.GetTo()]; ok && mergeAppend(out[i], m) {
			continue
		}
		last[m.GetTo()] = len(out)
		out = append(out, m)
	}
	return out
}

// coalesceLimit bounds the entry bytes of a merged append: raft's
// MaxSizePerMsg in Open's configuration.
const coalesceLimit = 256 << 10

// mergeAppend folds b, a later append to the same follower, into a when b
// continues a (see coalesceAppends), reporting whether it did.
func mergeAppend(a, b *pb.Message) bool {
	if a.GetTerm() != b.GetTerm() {
		return false
	}
	ae := a.GetEntries()
	end, endTerm := a.GetIndex(), a.GetLogTerm()
	if len(ae) > 0 {
		end, endTerm = ae[len(ae)-1].GetIndex(), ae[len(ae)-1].GetTerm()
	}
	if b.GetIndex() != end || b.GetLogTerm() != endTerm {
		return false
	}
	if be := b.GetEntries(); len(be) > 0 {
		if len(ae) > 0 && entryBytes(ae)+entryBytes(be) > coalesceLimit {
			return false
		}
		// a new slice: a's may share its array with raft's unstable log
		merged := make([]*pb.Entry, 0, len(ae)+len(be))
		a.Entries = append(append(merged, ae...), be...)
	}
	if c := b.GetCommit(); c > a.GetCommit() {
		a.Commit = &c
	}
	return true
}

func entryBytes(ents []*pb.Entry) int {
	n := 0
	for _, e := range ents {
		n += len(e.GetData())
	}
	return n
}
