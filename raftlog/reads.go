package raftlog

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// readRegistry matches answers (a raft ReadState, or a leader's
// MsgReadIndexResp) to the read-index rounds in flight by request context.
type readRegistry struct {
	counter atomic.Uint64
	mu      sync.Mutex // guards rounds
	rounds  map[uint64]*readRound
}

// readRound is one read-index request: the callers it serves and when it
// was asked (the lease counts from then: lease.go). Whoever takes it from
// the registry (the Ready loop for a ReadState, the transport's goroutine
// for a leader's answer) finishes it, once.
type readRound struct {
	rctx  []byte
	id    uint64
	asked int64      // Node.mono() when the round was registered
	batch *readBatch // the callers served; nil for a lease renewal alone
	renew bool       // the round renews the lease
	// Read loop only:
	sent int64 // Node.mono() when last sent; 0 not sent yet
	done atomic.Bool
}

func newReadRegistry() *readRegistry {
	return &readRegistry{rounds: make(map[uint64]*readRound)}
}

func (r *readRegistry) register(rd *readRound) {
	rd.id = r.counter.Add(1)
	rd.rctx = binary.LittleEndian.AppendUint64(make([]byte, 0, 8), rd.id)
	r.mu.Lock()
	r.rounds[rd.id] = rd
	r.mu.Unlock()
}

func (r *readRegistry) cancel(id uint64) {
	r.mu.Lock()
	delete(r.rounds, id)
	r.mu.Unlock()
}

// take removes and returns the round of rctx (ok false when it is not
// this node's, or was answered or cancelled already).
func (r *readRegistry) take(rctx []byte) (*readRound, bool) {
	if len(rctx) != 8 {
		return nil, false
	}
	id := binary.LittleEndian.Uint64(rctx)
	r.mu.Lock()
	rd, ok := r.rounds[id]
	delete(r.rounds, id)
	r.mu.Unlock()
	return rd, ok
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
//
// It fails with ErrReadTimeout after Config.ReadTimeout. That bound costs
// no timer per call (a context.WithTimeout per read was 3 % of a follower's
// CPU): the read loop fails a round that went unanswered that long, and a
// timer is made only when the caller must wait for this node to apply.
func (n *Node) WaitReadable(ctx context.Context) (uint64, error) {
	if idx, ok := n.leaseIndex(); ok {
		n.lease.reads.Add(1)
		return idx, n.waitAppliedWithin(ctx, idx, n.mono())
	}
	n.readMu.Lock()
	b := n.readNext
	if b == nil {
		b = &readBatch{done: make(chan struct{}), born: n.mono()}
		n.readNext = b
	}
	b.callers++
	n.readMu.Unlock()
	n.wakeReadLoop()
	select {
	case <-b.done:
		if b.err != nil {
			return 0, fmt.Errorf("raftlog: read index: %w", b.err)
		}
		return b.index, n.waitAppliedWithin(ctx, b.index, b.born)
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-n.done:
		return 0, n.stoppedErr("read index")
	}
}

// waitAppliedWithin waits until this node applied idx, at most until
// Config.ReadTimeout after start (a Node.mono() time).
func (n *Node) waitAppliedWithin(ctx context.Context, idx uint64, start int64) error {
	n.mu.Lock()
	applied := n.applied
	n.mu.Unlock()
	if applied >= idx {
		return nil
	}
	left := start + int64(n.cfg.ReadTimeout) - n.mono()
	if left <= 0 {
		return fmt.Errorf("raftlog: read index %d not applied: %w", idx, ErrReadTimeout)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Duration(left))
	defer cancel()
	err := n.waitApplied(wctx, idx)
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return fmt.Errorf("raftlog: read index %d not applied: %w", idx, ErrReadTimeout)
	}
	return err
}

func (n *Node) wakeReadLoop() {
	select {
	case n.readWake <- struct{}{}:
	default: // the read loop is already due to look
	}
}

// readBatch is the WaitReadable callers served by one read-index round.
type readBatch struct {
	done    chan struct{} // closed once index or err is set
	index   uint64
	err     error  // ErrReadTimeout: no round answered in time
	born    int64  // Node.mono() when the first caller came
	callers uint64 // under readMu until the batch is taken
}

// readsInFlight is how many read-index rounds may be in flight at once.
// With one, a caller that just missed a round waits for it to return and
// then for a whole round of its own (1.5 round trips on average); with
// two, the next batch starts as soon as callers gather.
const readsInFlight = 2

// finishRound answers a round's callers with idx, on the goroutine that
// took it from the registry: no hand-off to another goroutine. It wakes
// the read loop only when that loop waits for a free slot.
func (n *Node) finishRound(r *readRound, idx uint64) {
	if r.batch != nil {
		r.batch.index = idx // unless it expired (err set): then 0
		close(r.batch.done)
	}
	if r.renew {
		n.lease.renew.Store(false)
	}
	r.done.Store(true)
	if n.readStalled.Load() {
		n.wakeReadLoop()
	}
}

// readLoop issues the read-index rounds, at most readsInFlight at a time,
// each for the callers that gathered since the previous one was issued,
// or to renew the lease before it runs out (lease.go). Rounds are
// finished by whoever receives their answer (finishRound); the loop sends
// each round once a leader is known, again to a new leader, and again
// every two heartbeats in case a request or its answer was lost (raft
// drops a read request while there is no leader: just after Open, during
// an election). A duplicate answer is harmless: the first one wins.
func (n *Node) readLoop() {
	retry := int64(2 * n.cfg.TickInterval * time.Duration(n.cfg.HeartbeatTicks))
	tick := time.NewTicker(time.Duration(retry) / 2)
	defer tick.Stop()
	n.mu.Lock()
	leaderCh := n.leaderCh
	n.mu.Unlock()
	var inflight []*readRound
	for {
		select {
		case <-n.readWake:
		case <-tick.C:
		case <-leaderCh:
			n.mu.Lock()
			leaderCh = n.leaderCh
			n.mu.Unlock()
			for _, r := range inflight {
				r.sent = 0 // ask the new leader
			}
		case <-n.done:
			for _, r := range inflight {
				n.reads.cancel(r.id)
			}
			return
		}
		live, renewing := inflight[:0], false
		for _, r := range inflight {
			if !r.done.Load() {
				live = append(live, r)
				renewing = renewing || r.renew
			}
		}
		clear(inflight[len(live):])
		inflight = live
		n.expireReads(inflight)
		if len(inflight) < readsInFlight {
			n.readStalled.Store(false)
			n.readMu.Lock()
			b := n.readNext
			n.readNext = nil
			n.readMu.Unlock()
			renew := n.lease.renew.Load() && (b != nil || !renewing)
			if b != nil || renew {
				if b != nil {
					n.stats.readRounds.Add(1)
					n.stats.readCallers.Add(b.callers)
				}
				r := &readRound{asked: n.mono(), batch: b, renew: renew}
				n.reads.register(r)
				inflight = append(inflight, r)
			}
		} else {
			// Slots are full: finishRound wakes the loop when one frees.
			// Checked again after the flag is set, so a round finished in
			// between is not missed.
			n.readStalled.Store(true)
			for _, r := range inflight {
				if r.done.Load() {
					n.wakeReadLoop()
					break
				}
			}
		}
		now := n.mono()
		for _, r := range inflight {
			if !r.done.Load() && (r.sent == 0 || now-r.sent >= retry) {
				n.askRead(r, now)
			}
		}
	}
}

// expireReads fails the callers who waited Config.ReadTimeout for a read
// index: those of rounds in flight that long (taken from the registry, so
// an answer arriving meanwhile finds nothing; whoever takes a round
// finishes it) and those still waiting for a slot. Read loop only.
func (n *Node) expireReads(inflight []*readRound) {
	now, limit := n.mono(), int64(n.cfg.ReadTimeout)
	for _, r := range inflight {
		if r.batch == nil || r.done.Load() || now-r.batch.born < limit {
			continue
		}
		if _, ok := n.reads.take(r.rctx); ok {
			r.batch.err = ErrReadTimeout
			n.finishRound(r, 0)
		}
	}
	n.readMu.Lock()
	b := n.readNext
	if b != nil && now-b.born >= limit {
		n.readNext = nil
	} else {
		b = nil
	}
	n.readMu.Unlock()
	if b != nil {
		b.err = ErrReadTimeout
		close(b.done)
	}
}

// askRead sends round r's read-index request to the leader, if one is
// known. Read loop only.
func (n *Node) askRead(r *readRound, now int64) {
	lead := n.leader.Load()
	if lead == 0 {
		return // asked once a leader is known (leaderCh)
	}
	r.sent = now
	if lead == n.cfg.NodeID || n.cfg.Transport == nil {
		n.inbox.do(func(rn *raft.RawNode) { rn.ReadIndex(r.rctx) })
		return
	}
	// What raft would forward, sent without a turn of the Ready loop here;
	// the answer comes back through Step (answerRead).
	n.send([]*pb.Message{{Type: pb.MessageType_MsgReadIndex.Enum(), To: new(lead),
		From: new(n.cfg.NodeID), Entries: []*pb.Entry{{Data: r.rctx}}}})
}
