package raftlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Proposal framing: [u8 version=2][u64 proposal id][u64 term][data]. The
// id is NodeID<<48 | counter, unique across the group, so a forwarded
// proposal can still be matched to its waiter on the node that made it.
// The term is the proposing node's raft term when the Ready loop stepped
// the entry (the fence): an entry whose raft term differs was appended by a
// leader of another term, from a copy that arrived late, after the
// proposer may have given up; apply skips it on every node alike. Version
// 1 frames ([u8 1][u64 id][data], written before the fence) have no term
// and are applied as they are.
// MaxEntryBytes is the largest payload Propose accepts: its framed entry
// must fit one WAL record (a larger one would stop the node when written).
const MaxEntryBytes = maxRecordPayload - 1<<10

const (
	frameVersion    = 2
	frameHeaderSize = 17
	frameV1Size     = 9
	counterMask     = 1<<48 - 1
)

// frame builds a proposal's entry data; the term is stamped by the loop
// (stampTerm) when the entry is stepped.
func frame(id uint64, data []byte) []byte {
	b := make([]byte, frameHeaderSize+len(data))
	b[0] = frameVersion
	binary.LittleEndian.PutUint64(b[1:9], id)
	copy(b[frameHeaderSize:], data)
	return b
}

func stampTerm(e *pb.Entry, term uint64) {
	binary.LittleEndian.PutUint64(e.GetData()[9:17], term)
}

// frameHeader returns the size of d's framing header and the fence term
// (0 for a version 1 frame); ok is false for data that is not framed.
func frameHeader(d []byte) (size int, term uint64, ok bool) {
	switch {
	case len(d) >= frameHeaderSize && d[0] == frameVersion:
		return frameHeaderSize, binary.LittleEndian.Uint64(d[9:17]), true
	case len(d) >= frameV1Size && d[0] == 1:
		return frameV1Size, 0, true
	}
	return 0, 0, false
}

// decodeEntry strips raftlog's framing. Raft-internal entries (the empty
// entry a new leader appends, conf changes) get nil Data and id 0.
func decodeEntry(e *pb.Entry) (Entry, uint64, error) {
	ent := Entry{Index: e.GetIndex(), Term: e.GetTerm()}
	d := e.GetData()
	if e.GetType() != pb.EntryNormal || len(d) == 0 {
		return ent, 0, nil
	}
	size, _, ok := frameHeader(d)
	if !ok {
		return ent, 0, fmt.Errorf("entry %d: %w", e.GetIndex(), ErrBadEntry)
	}
	ent.Data = d[size:]
	return ent, binary.LittleEndian.Uint64(d[1:9]), nil
}

// fenced reports whether e was appended in another term than its
// proposer stamped: it is applied as an empty entry.
func fenced(e *pb.Entry) bool {
	if e.GetType() != pb.EntryNormal {
		return false
	}
	_, term, ok := frameHeader(e.GetData())
	return ok && term != 0 && term != e.GetTerm()
}

func unmarshalProto(b []byte, m proto.Message) error { return proto.Unmarshal(b, m) }

type proposalResult struct {
	result any
	index  uint64
	err    error
}

// unpack is Propose's return for a delivered result.
func (r proposalResult) unpack() (any, uint64, error) {
	if r.err != nil {
		return nil, 0, fmt.Errorf("raftlog: propose: %w", r.err)
	}
	return r.result, r.index, nil
}

// registry maps proposal ids to their waiting Propose calls.
type registry struct {
	nodeID  uint64
	counter atomic.Uint64
	mu      sync.Mutex // guards waiters
	waiters map[uint64]*waiter
}

// waiter is one Propose call waiting for its entry. state says whether
// the Ready loop stepped the entry into raft: a proposal abandoned
// (Propose gave up) before that is never stepped, so it surely did not
// commit.
type waiter struct {
	ch    chan proposalResult
	state atomic.Int32 // propQueued → propStepped (loop) or propAbandoned (Propose)
	term  atomic.Uint64
}

const (
	propQueued int32 = iota
	propStepped
	propAbandoned
)

// step marks w stepped into raft in term; false if its caller gave up
// first (the loop then drops the entry). Ready loop only.
func (w *waiter) step(term uint64) bool {
	if !w.state.CompareAndSwap(propQueued, propStepped) {
		return false
	}
	w.term.Store(term)
	return true
}

// abandon marks w given up before the loop stepped it; false if the loop
// stepped it already (its outcome is then raft's).
func (w *waiter) abandon() bool { return w.state.CompareAndSwap(propQueued, propAbandoned) }

func newRegistry(nodeID uint64) *registry {
	return &registry{nodeID: nodeID, waiters: make(map[uint64]*waiter)}
}

func (r *registry) register() (uint64, *waiter) {
	id := r.nodeID<<48 | r.counter.Add(1)&counterMask
	w := &waiter{ch: make(chan proposalResult, 1)}
	r.mu.Lock()
	r.waiters[id] = w
	r.mu.Unlock()
	return id, w
}

func (r *registry) cancel(id uint64) {
	r.mu.Lock()
	delete(r.waiters, id)
	r.mu.Unlock()
}

// deliver hands the result to the waiter for id, if it is still waiting
// (an entry proposed elsewhere or by a canceled caller has none).
func (r *registry) deliver(id uint64, res proposalResult) {
	r.mu.Lock()
	w, ok := r.waiters[id]
	delete(r.waiters, id)
	r.mu.Unlock()
	if ok {
		w.ch <- res
	}
}

func (r *registry) failAll(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, w := range r.waiters {
		w.ch <- proposalResult{err: err}
		delete(r.waiters, id)
	}
}

// Propose appends data to the log and returns once the entry is applied on
// this node, with the state machine's result for it and its index.
//
// If ctx ends first, Propose returns ctx.Err(), but the entry may still
// commit and apply: a canceled proposal is "unknown", not "failed".
// ErrProposalDropped means raft refused it (no leader yet); nothing was
// appended. After the node stops, Propose returns an error wrapping
// ErrStopped (and the fatal error, if that is why).
func (n *Node) Propose(ctx context.Context, data []byte) (any, uint64, error) {
	n.counters.proposals.Add(1)
	res, index, err := n.propose(ctx, data)
	if err != nil {
		n.counters.proposalsFailed.Add(1)
	}
	return res, index, err
}

func (n *Node) propose(ctx context.Context, data []byte) (any, uint64, error) {
	select {
	case <-n.done:
		return nil, 0, n.stoppedErr("propose")
	default:
	}
	if len(data) > MaxEntryBytes {
		return nil, 0, fmt.Errorf("raftlog: propose %d bytes (at most %d): %w", len(data), MaxEntryBytes, ErrEntryTooLarge)
	}
	if err := n.disk.admit(len(data)); err != nil {
		return nil, 0, err
	}
	defer n.disk.release(len(data))
	id, w := n.proposals.register()
	ch := w.ch
	n.mu.Lock()
	leaderCh := n.leaderCh
	n.mu.Unlock()
	propTerm, propLeader := n.term.Load(), n.leader.Load()
	// The loop steps it into raft with whatever else is queued; if raft
	// refuses the batch, the refusal arrives on ch. While no leader is
	// known the loop holds it, as long as ctx allows.
	n.inbox.propose(&pb.Entry{Data: frame(id, data)}, w)
	for {
		select {
		case res := <-ch:
			return res.unpack()
		case <-leaderCh:
			if propLeader == 0 {
				// Proposed while this node knew no leader: the loop held
				// it until one was known. Judge later changes only.
				n.mu.Lock()
				leaderCh = n.leaderCh
				n.mu.Unlock()
				propTerm, propLeader = n.term.Load(), n.leader.Load()
				continue
			}
			// The leader changed: wait until this node applies an entry of
			// the new leader's term. Every entry committed before it is
			// applied by then, so if ours was not, it was lost with the
			// old leader (unless a stray copy still reaches a leader).
			// A change within the proposal's own term (a leader elected
			// just as we proposed) loses nothing: keep waiting.
			var term uint64
			var err error
			if leaderCh, term, err = n.awaitNewTerm(ctx); err != nil {
				break
			}
			select {
			case res := <-ch:
				return res.unpack()
			default:
			}
			// The batch that applied the new term's entry may still be
			// handing out its results: wait until it has.
			n.deliverMu.Lock()
			n.deliverMu.Unlock() //nolint:staticcheck // an empty critical section: a barrier
			select {
			case res := <-ch:
				return res.unpack()
			default:
			}
			if st := w.term.Load(); st != 0 && term > st {
				// An entry of a later term than the one stamped on ours
				// is applied here, ours is not: no copy of it can commit
				// any more (a later leader's copy is fenced).
				n.proposals.cancel(id)
				return nil, 0, fmt.Errorf("raftlog: propose: the leader changed (term %d → %d): %w", st, term, ErrFenced)
			}
			if term > propTerm {
				n.proposals.cancel(id)
				return nil, 0, fmt.Errorf("raftlog: propose: %w", ErrOutcomeUnknown)
			}
			continue
		case <-ctx.Done():
		case <-n.done:
		}
		break
	}
	select {
	case res := <-ch:
		return res.unpack()
	case <-ctx.Done():
		n.proposals.cancel(id)
		if w.abandon() {
			// Still held for want of a leader: never stepped into raft,
			// so it surely did not commit.
			return nil, 0, fmt.Errorf("raftlog: propose: no leader known before the deadline (%w): %w", ctx.Err(), ErrProposalDropped)
		}
		return nil, 0, &PendingError{Term: w.term.Load(), Err: ctx.Err()}
	case <-n.done:
		n.proposals.cancel(id)
		select {
		case res := <-ch: // applied just before the stop
			if res.err == nil {
				return res.result, res.index, nil
			}
		default:
		}
		return nil, 0, n.stoppedErr("propose")
	}
}

// awaitNewTerm waits, after a leader change, until a leader is known and
// this node has applied an entry of the current term, and returns the
// leader channel to watch next and that term. Only ctx or a stop end it
// early.
func (n *Node) awaitNewTerm(ctx context.Context) (chan struct{}, uint64, error) {
	for {
		n.mu.Lock()
		leaderCh, appliedCh, appliedTerm := n.leaderCh, n.appliedCh, n.appliedTerm
		n.mu.Unlock()
		if term := n.term.Load(); n.leader.Load() != 0 && appliedTerm >= term {
			return leaderCh, term, nil
		}
		select {
		case <-appliedCh:
		case <-leaderCh:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-n.done:
			return nil, 0, ErrStopped
		}
	}
}

// waitApplied blocks until the applied index is ≥ idx.
func (n *Node) waitApplied(ctx context.Context, idx uint64) error {
	for {
		n.mu.Lock()
		applied, ch := n.applied, n.appliedCh
		n.mu.Unlock()
		if applied >= idx {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-n.done:
			return n.stoppedErr("wait applied")
		}
	}
}

// WaitCommitted blocks until the committed index is > after and returns it.
// Every waiter shares one notification channel, replaced on each advance.
func (n *Node) WaitCommitted(ctx context.Context, after uint64) (uint64, error) {
	for {
		n.mu.Lock()
		c, ch := n.committed, n.commitCh
		n.mu.Unlock()
		if c > after {
			return c, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-n.done:
			return 0, n.stoppedErr("wait committed")
		}
	}
}

// Entries returns committed entries [lo, hi), read from disk, with the
// framing removed as in Apply. lo below FirstIndex gives ErrCompacted;
// hi beyond CommittedIndex()+1 gives ErrUnavailable. The caller owns the
// result.
func (n *Node) Entries(lo, hi uint64) ([]Entry, error) {
	if lo >= hi {
		return nil, nil
	}
	if c := n.CommittedIndex(); hi > c+1 {
		return nil, fmt.Errorf("raftlog: entries [%d, %d): committed index is %d: %w", lo, hi, c, ErrUnavailable)
	}
	raw, err := n.wal.entries(lo, hi, math.MaxUint64)
	if err != nil {
		return nil, fmt.Errorf("raftlog: entries [%d, %d): %w", lo, hi, err)
	}
	out := make([]Entry, len(raw))
	for i, e := range raw {
		if out[i], _, err = decodeEntry(e); err != nil {
			return nil, fmt.Errorf("raftlog: entries [%d, %d): %w", lo, hi, err)
		}
		if fenced(e) {
			out[i].Data = nil // never applied: no change to read
		}
		// Recent entries come from the WAL's cache, shared with raft.
		out[i].Data = bytes.Clone(out[i].Data)
	}
	return out, nil
}

// TruncateFront drops entries below index from the log (retention). index
// must not exceed the applied index. Entries and FirstIndex reflect it at
// once; whole segments below it are deleted. It runs on the Ready loop, so
// it is serialized with appends. On a single node the last batch applied
// may not have been read back by raft yet (see commitOwnAppend); the front
// then stops just below it, keeping those few entries a little longer.
func (n *Node) TruncateFront(ctx context.Context, index uint64) error {
	req := frontReq{index: index, errc: make(chan error, 1)}
	select {
	case n.frontc <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return n.stoppedErr("truncate front")
	}
	select {
	case err := <-req.errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return n.stoppedErr("truncate front")
	}
}

type frontReq struct {
	index uint64
	errc  chan error
}

// truncateFront runs on the Ready loop.
func (n *Node) truncateFront(index uint64) error {
	n.mu.Lock()
	applied := n.applied
	n.mu.Unlock()
	if index > applied+1 {
		return fmt.Errorf("raftlog: truncate front to %d: applied index is %d: %w", index, applied, errTruncateRange)
	}
	// Entries applied ahead of raft (commitOwnAppend) are still read by
	// raft once for its CommittedEntries: keep them until it has.
	index = min(index, n.raftHanded+1)
	return n.wal.truncateFront(index)
}
