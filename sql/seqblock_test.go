package sql

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"logdb/kv"
)

// gatedProposer counts KindIncrement proposals and holds each until gate
// is closed.
type gatedProposer struct {
	*localProposer
	gate       chan struct{}
	increments atomic.Int64
}

func (p *gatedProposer) Propose(ctx context.Context, cmd *kv.Command) (kv.Result, error) {
	if cmd.Kind == kv.KindIncrement {
		p.increments.Add(1)
		select {
		case <-p.gate:
		case <-ctx.Done():
			return kv.Result{}, ctx.Err()
		}
	}
	return p.localProposer.Propose(ctx, cmd)
}

// TestSeqBlockOneRefill: sessions that find a sequence's block used up
// while its refill is in flight wait for that refill instead of proposing
// their own, and every value is handed out once.
func TestSeqBlockOneRefill(t *testing.T) {
	e := mustEngine(t)
	p := &gatedProposer{localProposer: e.cfg.Proposer.(*localProposer), gate: make(chan struct{})}
	e.cfg.Proposer = p
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const n = seqBlockSize
	var started, done sync.WaitGroup
	got := make([]int64, n)
	errs := make([]error, n)
	for i := range n {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			got[i], errs[i] = e.nextSeqOrdinal(ctx, 4242)
		}()
	}
	started.Wait()
	close(p.gate)
	done.Wait()
	seen := map[int64]bool{}
	for i, v := range got {
		if errs[i] != nil {
			t.Fatalf("nextSeqOrdinal: %v", errs[i])
		}
		if v < 1 || v > n || seen[v] {
			t.Fatalf("ordinals %v: want each of 1..%d once", got, n)
		}
		seen[v] = true
	}
	if k := p.increments.Load(); k != 1 {
		t.Fatalf("%d Increment proposals for %d values in one block, want 1", k, n)
	}
}

// TestSeqBlockSize: a block used up within seqGrowWithin of its
// reservation doubles the next one (up to seqBlockMax); one that lasted
// beyond seqShrinkAfter halves it (down to seqBlockSize).
func TestSeqBlockSize(t *testing.T) {
	b := &seqBlock{size: seqBlockSize}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := b.nextSize(t0); got != seqBlockSize {
		t.Fatalf("first block: %d, want %d", got, seqBlockSize)
	}
	sizes := []int64{}
	for range 7 {
		b.reserved = t0
		sizes = append(sizes, b.nextSize(t0.Add(seqGrowWithin/2)))
	}
	want := []int64{64, 128, 256, 512, 1024, 1024, 1024}
	for i := range want {
		if sizes[i] != want[i] {
			t.Fatalf("fast refills: sizes %v, want %v", sizes, want)
		}
	}
	b.reserved = t0
	if got := b.nextSize(t0.Add(2 * seqGrowWithin)); got != seqBlockMax {
		t.Fatalf("a block lasting between the bounds: %d, want it kept at %d", got, seqBlockMax)
	}
	b.reserved = t0
	if got := b.nextSize(t0.Add(2 * seqShrinkAfter)); got != seqBlockMax/2 {
		t.Fatalf("a slow refill: %d, want %d", got, seqBlockMax/2)
	}
	b.size = seqBlockSize
	b.reserved = t0
	if got := b.nextSize(t0.Add(2 * seqShrinkAfter)); got != seqBlockSize {
		t.Fatalf("a slow refill at the smallest size: %d, want %d", got, seqBlockSize)
	}
}
