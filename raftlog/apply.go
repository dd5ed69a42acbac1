package raftlog

import (
	"fmt"
	"sync/atomic"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// applier runs StateMachine.Apply on its own goroutine, so applying one
// batch overlaps with the fdatasync of the next. Batches are applied in the
// order the Ready loop queued them, one Apply call per batch.
type applier struct {
	n     *Node
	queue chan applyItem
	// pending counts batches queued and not yet applied: at zero the
	// applier is idle and the Ready loop may apply a batch itself.
	pending atomic.Int64
	done    chan struct{} // closed when run returns; err is set before
	err     error
}

// applyItem is a batch of committed entries, or a barrier (ents nil) that
// is closed once everything queued before it has been applied.
type applyItem struct {
	ents    []*pb.Entry
	barrier chan struct{}
}

func newApplier(n *Node) *applier {
	return &applier{n: n, queue: make(chan applyItem, 64), done: make(chan struct{})}
}

func (a *applier) run() {
	defer close(a.done)
	var ents []*pb.Entry
	for it := range a.queue {
		if it.barrier != nil {
			close(it.barrier)
			continue
		}
		// Batches that queued up while the last one was applied go into
		// one Apply call: one state transaction (one set of page writes)
		// for all of them instead of one each. A barrier ends the merge.
		ents = append(ents[:0], it.ents...)
		batches := int64(1)
		var barrier chan struct{}
	merge:
		for len(ents) < maxApplyMerge {
			select {
			case next, ok := <-a.queue:
				if !ok {
					break merge
				}
				if next.barrier != nil {
					barrier = next.barrier
					break merge
				}
				ents = append(ents, next.ents...)
				batches++
			default:
				break merge
			}
		}
		if err := a.n.apply(ents, false); err != nil {
			a.err = err
			return
		}
		clear(ents)
		a.pending.Add(-batches)
		if barrier != nil {
			close(barrier)
		}
	}
}

// maxApplyMerge bounds how many entries the applier merges into one Apply.
const maxApplyMerge = 4096

// enqueue hands a batch to the applier; it blocks while 64 batches wait.
func (a *applier) enqueue(ents []*pb.Entry) error {
	a.pending.Add(1)
	select {
	case a.queue <- applyItem{ents: ents}:
		return nil
	default:
	}
	// The applier is 64 batches behind (a follower catching up): the
	// loop waits for it.
	t0 := time.Now()
	defer func() { a.n.slowStep("apply-queue-full", time.Since(t0), "entries", len(ents)) }()
	select {
	case a.queue <- applyItem{ents: ents}:
		return nil
	case <-a.done:
		return a.err
	}
}

// drain waits until every queued batch has been applied.
func (a *applier) drain() error {
	b := make(chan struct{})
	select {
	case a.queue <- applyItem{barrier: b}:
	case <-a.done:
		return a.err
	}
	select {
	case <-b:
		return nil
	case <-a.done:
		return a.err
	}
}

// close applies what is queued and stops the applier. Ready loop only.
func (a *applier) close() error {
	close(a.queue)
	<-a.done
	return a.err
}

func hasConfChange(ents []*pb.Entry) bool {
	for _, e := range ents {
		if t := e.GetType(); t == pb.EntryConfChange || t == pb.EntryConfChangeV2 {
			return true
		}
	}
	return false
}

// apply hands one Ready's committed entries to the state machine in one
// call and delivers the results to waiting proposers.
func (n *Node) apply(committed []*pb.Entry, onLoop bool) error {
	ents := make([]Entry, len(committed))
	ids := make([]uint64, len(committed))
	var csIndex uint64
	var fencedIDs []uint64
	if onLoop && hasConfChange(committed) {
		_, _, csIndex = n.wal.state()
	}
	for i, e := range committed {
		ent, id, err := decodeEntry(e)
		if err != nil {
			return fmt.Errorf("raftlog: apply entry %d: %w", e.GetIndex(), err)
		}
		if fenced(e) {
			ent.Data = nil // applied as an empty entry, on every node
			if id != 0 {
				fencedIDs = append(fencedIDs, id)
			}
			id = 0
		}
		ents[i], ids[i] = ent, id
		if t := e.GetType(); onLoop && (t == pb.EntryConfChange || t == pb.EntryConfChangeV2) {
			if err := n.applyConfChange(e, csIndex); err != nil {
				return err
			}
		}
	}
	t0 := time.Now()
	results, err := n.cfg.StateMachine.Apply(ents)
	n.slowStep("apply", time.Since(t0), "entries", len(ents), "on_loop", onLoop)
	if err != nil {
		err = fmt.Errorf("raftlog: apply entries [%d, %d]: %w", ents[0].Index, ents[len(ents)-1].Index, err)
		return err
	}
	if len(results) != len(ents) {
		err := fmt.Errorf("raftlog: apply entries [%d, %d]: state machine returned %d results for %d entries",
			ents[0].Index, ents[len(ents)-1].Index, len(results), len(ents))
		return err
	}
	// Applied before answering, so a proposer that reads next sees its
	// write; applied implies committed.
	n.applyBatchN.Add(1)
	n.setCommitted(ents[len(ents)-1].Index)
	// deliverMu: Propose, judging a proposal after a leader change, waits
	// for the results of a batch whose applied index it has seen.
	n.deliverMu.Lock()
	defer n.deliverMu.Unlock()
	n.setApplied(ents[len(ents)-1].Index, ents[len(ents)-1].Term)
	for i, id := range ids {
		if id != 0 {
			n.proposals.deliver(id, proposalResult{result: results[i], index: ents[i].Index})
		}
	}
	for _, id := range fencedIDs {
		n.proposals.deliver(id, proposalResult{err: ErrFenced})
	}
	return nil
}

// applyConfChange applies a membership change to raft and records the new
// ConfState durably. Changes at or below csIndex are already part of the
// recovered ConfState and are not applied twice.
func (n *Node) applyConfChange(e *pb.Entry, csIndex uint64) error {
	if e.GetIndex() <= csIndex {
		return nil
	}
	var cc pb.ConfChangeI
	if e.GetType() == pb.EntryConfChange {
		var c pb.ConfChange
		if err := unmarshalProto(e.GetData(), &c); err != nil {
			return fmt.Errorf("raftlog: apply conf change %d: %v: %w", e.GetIndex(), err, ErrBadEntry)
		}
		cc = &c
	} else {
		var c pb.ConfChangeV2
		if err := unmarshalProto(e.GetData(), &c); err != nil {
			return fmt.Errorf("raftlog: apply conf change %d: %v: %w", e.GetIndex(), err, ErrBadEntry)
		}
		cc = &c
	}
	if _, cur, _ := n.wal.state(); !confChangeAllowed(cur, cc.AsV2()) {
		// raft would panic on it (confchange refuses it); every node
		// declines it alike, on the same applied ConfState.
		n.logger.Warn("declined a membership change raft cannot apply", "index", e.GetIndex(), "change", cc.AsV2().String())
		return nil
	}
	cs := n.raw.ApplyConfChange(cc)
	n.dropLease(true)
	if cs == nil {
		return fmt.Errorf("raftlog: apply conf change %d: %w", e.GetIndex(), ErrStopped)
	}
	// Addresses: an added node's travels in the change's Context.
	peers := n.peerAddrs()
	v2 := cc.AsV2()
	removedSelf := false
	for _, ch := range v2.GetChanges() {
		switch ch.GetType() {
		case pb.ConfChangeAddNode, pb.ConfChangeAddLearnerNode:
			if len(v2.GetContext()) > 0 && len(v2.GetChanges()) == 1 {
				peers[ch.GetNodeId()] = string(v2.GetContext())
			}
		case pb.ConfChangeRemoveNode:
			delete(peers, ch.GetNodeId())
			removedSelf = removedSelf || ch.GetNodeId() == n.cfg.NodeID
		}
	}
	if err := n.wal.saveConfState(e.GetIndex(), cs, peers); err != nil {
		return err
	}
	n.soleVoter = isSoleVoter(cs, n.cfg.NodeID)
	n.setPeers(peers)
	n.logger.Info("membership changed", "index", e.GetIndex(), "voters", cs.GetVoters(), "learners", cs.GetLearners())
	if removedSelf {
		n.logger.Warn("this node was removed from the group; it no longer takes part and can be shut down")
		n.removedOnce.Do(func() { close(n.removed) })
	}
	return nil
}
