package raftlog

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// readRegistry matches raft ReadStates to WaitReadable calls by request
// context, and remembers when each request was made (the lease counts
// from then: lease.go).
type readRegistry struct {
	counter atomic.Uint64
	mu      sync.Mutex // guards waiters
	waiters map[uint64]readWaiter
}

type readWaiter struct {
	ch    chan uint64
	asked int64 // Node.mono() when the request was registered
}

func newReadRegistry() *readRegistry {
	return &readRegistry{waiters: make(map[uint64]readWaiter)}
}

func (r *readRegistry) register(asked int64) ([]byte, uint64, chan uint64) {
	id := r.counter.Add(1)
	ch := make(chan uint64, 1)
	r.mu.Lock()
	r.waiters[id] = readWaiter{ch: ch, asked: asked}
	r.mu.Unlock()
	return binary.LittleEndian.AppendUint64(nil, id), id, ch
}

func (r *readRegistry) cancel(id uint64) {
	r.mu.Lock()
	delete(r.waiters, id)
	r.mu.Unlock()
}

// take removes and returns the waiter of rctx (ok false when it is not
// this node's, or was answered or cancelled already).
func (r *readRegistry) take(rctx []byte) (readWaiter, bool) {
	if len(rctx) != 8 {
		return readWaiter{}, false
	}
	id := binary.LittleEndian.Uint64(rctx)
	r.mu.Lock()
	w, ok := r.waiters[id]
	delete(r.waiters, id)
	r.mu.Unlock()
	return w, ok
}

// WaitReadable is the linearizable read barrier: it finds a read index
// and then waits until this node has applied at least that index. A read
// at the applied state after it returns sees every write acknowledged
// before WaitReadable was called.
//
// On a leader holding a read lease (lease.go) the read index is its
// commit index, with no message and no wait for the Ready loop. Otherwise
// it asks raft (confirmed by a quorum heartbeat in a cluster, immediate on
// one node; a follower asks the leader, which answers from its lease when
// it holds one).
//
// Callers share requests (as etcd's read loop does): everyone who arrives
// while a request is in flight waits for the next one, issued at once
// unless readsInFlight are out already. A caller must not join a request
// in flight: that request's heartbeats may have been sent before the caller
// arrived, so its index may miss a write acknowledged just before the
// caller's call. Each caller's index comes from a request made after it
// arrived, which is all linearizability asks, and a cluster pays one
// heartbeat round per round trip instead of one per transaction.
func (n *Node) WaitReadable(ctx context.Context) (uint64, error) {
	if idx, ok := n.leaseIndex(); ok {
		n.lease.reads.Add(1)
		return idx, n.waitApplied(ctx, idx)
	}
	n.readMu.Lock()
	b := n.readNext
	if b == nil {
		b = &readBatch{done: make(chan struct{})}
		n.readNext = b
	}
	n.readMu.Unlock()
	n.wakeReadLoop()
	select {
	case <-b.done:
		if b.err != nil {
			return 0, b.err
		}
		return b.index, n.waitApplied(ctx, b.index)
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-n.done:
		return 0, n.stoppedErr("read index")
	}
}

func (n *Node) wakeReadLoop() {
	select {
	case n.readWake <- struct{}{}:
	default: // the read loop is already due to look
	}
}

// readBatch is the WaitReadable callers served by one read-index request.
type readBatch struct {
	done  chan struct{} // closed once index or err is set
	index uint64
	err   error
}

// readsInFlight is how many read-index requests may be in flight at once.
// With one, a caller that just missed a request waits for it to return
// and then for a whole round of its own (1.5 round trips on average);
// with two, the next batch starts as soon as callers gather.
const readsInFlight = 2

// readLoop issues the read-index requests, at most readsInFlight at a
// time, each for the callers that gathered since the previous one was
// issued, or to renew the lease before it runs out (lease.go).
func (n *Node) readLoop() {
	slots := make(chan struct{}, readsInFlight)
	for {
		select {
		case <-n.readWake:
		case <-n.done:
			return
		}
		select {
		case slots <- struct{}{}:
		case <-n.done:
			return
		}
		n.readMu.Lock()
		b := n.readNext
		n.readNext = nil
		n.readMu.Unlock()
		renew := n.lease.renew.Load()
		if b == nil && !renew {
			<-slots
			continue
		}
		go func() {
			idx, err := n.readIndex()
			if renew {
				n.lease.renew.Store(false)
			}
			if b != nil {
				b.index, b.err = idx, err
				close(b.done)
			}
			<-slots
		}()
	}
}

// readIndex asks raft for a read index until it answers or the node stops.
func (n *Node) readIndex() (uint64, error) {
	rctx, id, ch := n.reads.register(n.mono())
	defer n.reads.cancel(id)
	// raft drops a read request while there is no leader (just after Open,
	// during an election), so ask once a leader is known, again whenever
	// the leader changes, and every two heartbeats in case a request was
	// lost. A duplicate answer is harmless: the first one wins.
	retry := 2 * n.cfg.TickInterval * time.Duration(n.cfg.HeartbeatTicks)
	timer := time.NewTimer(retry)
	defer timer.Stop()
	asked := false
	for {
		n.mu.Lock()
		leaderCh := n.leaderCh
		n.mu.Unlock()
		if lead := n.leader.Load(); !asked && lead != 0 {
			if lead == n.cfg.NodeID || n.cfg.Transport == nil {
				n.inbox.do(func(rn *raft.RawNode) { rn.ReadIndex(rctx) })
			} else {
				// What raft would forward, sent without a turn of the
				// Ready loop here; the answer comes back through Step.
				n.send([]*pb.Message{{Type: pb.MessageType_MsgReadIndex.Enum(), To: new(lead),
					From: new(n.cfg.NodeID), Entries: []*pb.Entry{{Data: rctx}}}})
			}
			asked = true
		}
		select {
		case idx := <-ch:
			return idx, nil
		case <-leaderCh:
			asked = false
		case <-timer.C:
			asked = false
			timer.Reset(retry)
		case <-n.done:
			return 0, n.stoppedErr("read index")
		}
	}
}
