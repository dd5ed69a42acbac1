package locks

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"logdb/kv"
)

// Local is one node's side of the lock table: its incarnation (registered
// through the log at start), and the sessions of this node waiting for a
// grant. cmd/logdb feeds it every applied batch (Applied) after
// kv.Store.Apply, on the apply goroutine.
type Local struct {
	node    uint64
	propose func(ctx context.Context, cmd *kv.Command) (kv.Result, error)
	nextReq atomic.Uint64

	mu      sync.Mutex
	inc     uint64        // the registered incarnation; 0 while none is
	pending uint64        // the incarnation being registered
	ready   chan struct{} // closed when inc is registered
	waits   map[uint64]chan struct{}
}

// NewLocal returns the Local of node; propose puts a command through the
// log and returns its result once applied here.
func NewLocal(node uint64, propose func(ctx context.Context, cmd *kv.Command) (kv.Result, error)) *Local {
	l := &Local{node: node, propose: propose, ready: make(chan struct{}), waits: map[uint64]chan struct{}{}}
	l.nextReq.Store(uint64(time.Now().UnixNano()))
	return l
}

// Node is the node's id.
func (l *Local) Node() uint64 { return l.node }

// Register starts a new incarnation: it proposes NodeStart (which releases
// every lock of the node's earlier incarnations) until it is applied or
// ctx ends. Run it at start and whenever the node lost its incarnation
// (Applied calls it then).
func (l *Local) Register(ctx context.Context) error {
	l.mu.Lock()
	inc := uint64(time.Now().UnixNano())
	if inc <= l.pending {
		inc = l.pending + 1
	}
	l.pending = inc
	l.mu.Unlock()
	cmd := &kv.Command{Kind: kv.KindLock, LockOp: NodeStart(l.node, inc).Encode()}
	for {
		_, err := l.propose(ctx, cmd)
		if err == nil {
			return nil // Applied saw it and made inc current
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Incarnation waits until the node's incarnation is registered and
// returns it.
func (l *Local) Incarnation(ctx context.Context) (uint64, error) {
	for {
		l.mu.Lock()
		inc, ready := l.inc, l.ready
		l.mu.Unlock()
		if inc != 0 {
			return inc, nil
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// Current is the registered incarnation, 0 while none is.
func (l *Local) Current() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inc
}

// NewRequest returns a request id and the channel its grant closes; call
// Done(req) when the request is over.
func (l *Local) NewRequest() (uint64, <-chan struct{}) {
	req := l.nextReq.Add(1)
	ch := make(chan struct{})
	l.mu.Lock()
	l.waits[req] = ch
	l.mu.Unlock()
	return req, ch
}

// Done forgets request req.
func (l *Local) Done(req uint64) {
	l.mu.Lock()
	delete(l.waits, req)
	l.mu.Unlock()
}

// Propose puts a lock op through the log and returns its outcome.
func (l *Local) Propose(ctx context.Context, op Op) (Outcome, error) {
	res, err := l.propose(ctx, &kv.Command{Kind: kv.KindLock, LockOp: op.Encode()})
	if err != nil {
		return Outcome{}, err
	}
	return DecodeOutcome(res.Lock), nil
}

// ProposeRows puts a row lock op (AcquireRows) through the log with the
// locker's snapshot index (kv command format 5) and returns its outcome.
func (l *Local) ProposeRows(ctx context.Context, op Op, snapshot uint64) (Outcome, error) {
	res, err := l.propose(ctx, &kv.Command{Kind: kv.KindLock, SnapshotIndex: max(snapshot, 1), LockOp: op.Encode()})
	if err != nil {
		return Outcome{}, err
	}
	return DecodeOutcome(res.Lock), nil
}

// Applied takes the results of an applied batch: it wakes this node's
// waiters whose requests were granted, and follows this node's
// incarnation (a NodeStart of it makes it current; a NodeGone of the
// current one makes the node register a new one, in the background).
func (l *Local) Applied(entries []kv.Entry, results []kv.Result) {
	for i := range results {
		if len(results[i].Lock) == 0 {
			continue
		}
		out := DecodeOutcome(results[i].Lock)
		if len(out.Grants) > 0 {
			l.mu.Lock()
			for _, g := range out.Grants {
				if ch := l.waits[g.Req]; ch != nil && g.Owner.Node == l.node {
					close(ch)
					delete(l.waits, g.Req)
				}
			}
			l.mu.Unlock()
		}
		if d := entries[i].Data; len(d) < 2 || kv.CommandKind(d[1]) != kv.KindLock {
			continue // a commit's lock op: nothing about incarnations
		}
		c, err := kv.DecodeCommand(entries[i].Data)
		if err != nil || c.Kind != kv.KindLock {
			continue
		}
		op, err := decodeOp(c.LockOp)
		if err != nil || op.owner.Node != l.node {
			continue
		}
		switch op.kind {
		case opNodeStart:
			l.mu.Lock()
			if op.owner.Inc == l.pending && l.inc != op.owner.Inc {
				l.inc = op.owner.Inc
				close(l.ready)
			}
			l.mu.Unlock()
		case opNodeGone:
			l.mu.Lock()
			lost := op.owner.Inc == l.inc
			if lost {
				l.inc = 0
				l.ready = make(chan struct{})
			}
			l.mu.Unlock()
			if lost {
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					_ = l.Register(ctx)
				}()
			}
		}
	}
}
