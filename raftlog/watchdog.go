package raftlog

import (
	"runtime"
	"sync/atomic"
	"time"
)

// The loop watchdog shows where a stalled node is stuck (issue 19: after a
// partition healed, a leader went silent for up to 32 s and the cause was
// not found). The Ready loop records what it is doing and since when; a
// goroutine checks every tick, and when one step has lasted longer than
// two election timeouts it logs the step, the transport's per-peer state
// and every goroutine's stack, once per stall, then logs how long the
// stall lasted when the loop moves on. LoopBusy reports the same for
// metrics.

// loopPhase is what the Ready loop is doing.
type loopPhase int32

const (
	phaseIdle  loopPhase = iota // waiting for work
	phaseTick                   // raft's clock, learner promotion
	phaseInbox                  // stepping proposals and messages
	phaseReady                  // one Ready: persist, send, apply, Advance
	phaseFront                  // truncating the log's front
)

func (p loopPhase) String() string {
	return [...]string{"idle", "tick", "inbox", "ready", "truncate-front"}[p]
}

// loopWatch is the loop's published phase; written by the loop only.
type loopWatch struct {
	phase atomic.Int32
	since atomic.Int64 // unix nanoseconds the phase began
}

func (w *loopWatch) enter(p loopPhase) {
	w.phase.Store(int32(p))
	w.since.Store(time.Now().UnixNano())
}

// busy says what the loop is doing and for how long (0 when idle).
func (w *loopWatch) busy(now time.Time) (loopPhase, time.Duration) {
	p := loopPhase(w.phase.Load())
	if p == phaseIdle {
		return p, 0
	}
	return p, now.Sub(time.Unix(0, w.since.Load()))
}

// LoopBusy reports how long the Ready loop has spent in its current step
// (0 while it waits for work) and the step's name: more than an election
// timeout means the node is stalled (it neither ticks nor answers).
func (n *Node) LoopBusy() (time.Duration, string) {
	p, d := n.watch.busy(time.Now())
	return d, p.String()
}

// peerStatser is the TCPTransport's PeerStats, for stall reports.
type peerStatser interface {
	PeerStats() map[uint64]PeerStats
}

// watchLoop logs stalls of the Ready loop until the node stops.
func (n *Node) watchLoop() {
	limit := 2 * time.Duration(n.cfg.ElectionTicks) * n.cfg.TickInterval
	t := time.NewTicker(n.cfg.TickInterval)
	defer t.Stop()
	var stalled int64 // since of the stalled step being reported, 0 if none
	for {
		select {
		case <-t.C:
		case <-n.done:
			return
		}
		now := time.Now()
		p, d := n.watch.busy(now)
		switch {
		case d > limit && stalled == 0:
			stalled = n.watch.since.Load()
			attrs := []any{"step", p.String(), "for", d.Round(time.Millisecond)}
			if ps, ok := n.cfg.Transport.(peerStatser); ok {
				for id, s := range ps.PeerStats() {
					attrs = append(attrs, "peer", id, "connected", s.Connected, "queued", s.Queued, "dropped", s.Dropped,
						"dials", s.Dials, "last_write_ago", sinceOrNever(now, s.LastWrite), "last_read_ago", sinceOrNever(now, s.LastRead))
				}
			}
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			attrs = append(attrs, "goroutines", string(buf))
			n.logger.Warn("Ready loop stalled: the node neither ticks nor answers its peers", attrs...)
		case stalled != 0 && (p == phaseIdle || n.watch.since.Load() != stalled):
			n.logger.Warn("Ready loop resumed", "stalled_for", now.Sub(time.Unix(0, stalled)).Round(time.Millisecond))
			stalled = 0
		}
	}
}

func sinceOrNever(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return now.Sub(t).Round(time.Millisecond).String()
}

// PeerStats reports the transport's per-peer state (TCPTransport.PeerStats);
// nil for a single node or a transport that keeps none.
func (n *Node) PeerStats() map[uint64]PeerStats {
	if ps, ok := n.cfg.Transport.(peerStatser); ok {
		return ps.PeerStats()
	}
	return nil
}
