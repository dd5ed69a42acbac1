package raftlog

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// The Ready loop owns a raft.RawNode. Everything other goroutines want of
// raft (proposals, inbound messages, read-index requests, reports) goes
// into the inbox, and the loop takes all of it at once before it asks for
// the next Ready. So the proposals and acknowledgements that arrived during
// one fdatasync become one raft step each and one Ready: one append, one
// send per peer, one apply batch. raft.Node would hand each of them to its
// own goroutine one at a time and emit a Ready for almost each; on a busy
// machine those goroutine handoffs and tiny Readies were most of the cost.

// inboxMaxMsgs bounds queued inbound messages; beyond it they are dropped
// as a lossy network would (raft retransmits), so a flood cannot grow the
// heap without bound.
const inboxMaxMsgs = 16384

type inbox struct {
	mu    sync.Mutex
	props []queuedProp // framed proposals, in arrival order
	msgs  []*pb.Message
	ops   []func(*raft.RawNode)
	// wake has room for one signal: set when the inbox goes from empty to
	// not empty, taken by the loop.
	wake     chan struct{}
	signaled bool
}

func newInbox() *inbox { return &inbox{wake: make(chan struct{}, 1)} }

// signalLocked wakes the loop unless a wake-up is already pending.
func (in *inbox) signalLocked() {
	if !in.signaled {
		in.signaled = true
		in.wake <- struct{}{}
	}
}

// queuedProp is a proposal on its way into raft and its waiter.
type queuedProp struct {
	e *pb.Entry
	w *waiter
}

func (in *inbox) propose(e *pb.Entry, w *waiter) {
	in.mu.Lock()
	in.props = append(in.props, queuedProp{e, w})
	in.signalLocked()
	in.mu.Unlock()
}

func (in *inbox) step(m *pb.Message) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.msgs) >= inboxMaxMsgs && m.GetType() != pb.MessageType_MsgSnap {
		return false
	}
	in.msgs = append(in.msgs, m)
	in.signalLocked()
	return true
}

func (in *inbox) do(op func(*raft.RawNode)) {
	in.mu.Lock()
	in.ops = append(in.ops, op)
	in.signalLocked()
	in.mu.Unlock()
}

// take swaps out everything queued. The loop gives the slices back
// (emptied) through the arguments, so steady state allocates nothing.
func (in *inbox) take(props []queuedProp, msgs []*pb.Message, ops []func(*raft.RawNode)) ([]queuedProp, []*pb.Message, []func(*raft.RawNode)) {
	in.mu.Lock()
	defer in.mu.Unlock()
	// Drain a pending signal: everything it announced is taken now.
	select {
	case <-in.wake:
	default:
	}
	in.signaled = false
	props, in.props = in.props, props[:0]
	msgs, in.msgs = in.msgs, msgs[:0]
	ops, in.ops = in.ops, ops[:0]
	return props, msgs, ops
}

// loopInput is the loop's side of the inbox: the buffers it swaps in and
// the proposals it holds while no leader is known.
type loopInput struct {
	props []queuedProp
	msgs  []*pb.Message
	ops   []func(*raft.RawNode)
	held  []queuedProp // proposals waiting for a leader
}

// drainInbox steps everything queued into raft. Runs on the loop.
func (n *Node) drainInbox(li *loopInput) {
	var props []queuedProp
	props, li.msgs, li.ops = n.inbox.take(li.props, li.msgs, li.ops)
	var slow slowSteps
	if n.stats.on {
		slow.start(n, len(props), len(li.msgs), len(li.ops))
		defer slow.done()
	}
	for i, op := range li.ops {
		op(n.raw)
		li.ops[i] = nil
	}
	if len(li.msgs) > 0 {
		_, last := n.wal.bounds()
		for i, m := range li.msgs {
			li.msgs[i] = nil
			if err := n.admit(m, last); err != nil {
				n.refused.add(m.GetType().String(), err, "from", m.GetFrom())
				continue
			}
			if m.GetType() == pb.MessageType_MsgAppResp {
				n.probeAnswered(m.GetFrom())
			}
			t0 := slow.now()
			// Errors are a lossy network's: a response from a peer no
			// longer in the group.
			_ = n.raw.Step(m)
			slow.stepped(m, t0)
		}
	}
	li.props = props[:0]
	if len(li.held) > 0 {
		// Held while no leader was known: drop those whose callers gave
		// up (they were told nothing was written).
		keep := li.held[:0]
		for _, p := range li.held {
			if p.w.state.Load() == propQueued {
				keep = append(keep, p)
			}
		}
		clear(li.held[len(keep):])
		li.held = keep
	}
	if len(props) == 0 && len(li.held) == 0 {
		return
	}
	st := n.raw.BasicStatus()
	if st.Lead == raft.None {
		// raft drops proposals while no leader is known. Keep them until
		// one is elected, as raft.Node would keep its proposers waiting;
		// the proposers' contexts bound the wait.
		li.held = append(li.held, props...)
		clear(props)
		return
	}
	// The slice belongs to raft once stepped (a follower forwards the
	// message as is): a new one each time.
	batch := make([]*pb.Entry, 0, len(li.held)+len(props))
	var stepped []queuedProp
	for _, q := range [][]queuedProp{li.held, props} {
		for _, p := range q {
			if term := st.HardState.GetTerm(); p.w.step(term) {
				stampTerm(p.e, term)
				batch = append(batch, p.e)
				stepped = append(stepped, p)
			}
		}
	}
	clear(li.held)
	li.held = li.held[:0]
	clear(props)
	if len(batch) == 0 {
		return
	}
	m := &pb.Message{Type: pb.MessageType_MsgProp.Enum(), From: new(n.cfg.NodeID), Entries: batch}
	if err := n.raw.Step(m); err != nil {
		// Refused as a whole (a leadership transfer in progress, the
		// uncommitted-size limit): nothing was appended.
		if errors.Is(err, raft.ErrProposalDropped) {
			err = ErrProposalDropped
		}
		for _, p := range stepped {
			n.proposals.deliver(entryProposalID(p.e), proposalResult{err: err})
		}
	}
}

func entryProposalID(e *pb.Entry) uint64 {
	d := e.GetData()
	if _, _, ok := frameHeader(d); !ok {
		return 0
	}
	return binary.LittleEndian.Uint64(d[1:9])
}

// proposeConfChange steps a membership change proposal on the loop and
// returns raft's verdict on it.
func (n *Node) proposeConfChange(ctx context.Context, cc pb.ConfChangeI) error {
	errc := make(chan error, 1)
	n.inbox.do(func(rn *raft.RawNode) { errc <- rn.ProposeConfChange(cc) })
	select {
	case err := <-errc:
		if err != nil {
			return fmt.Errorf("raftlog: propose conf change: %w", err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return n.stoppedErr("propose conf change")
	}
}
