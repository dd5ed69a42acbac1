package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"logdb/kv"
	"logdb/raftlog"
)

// hashReporter sends this node's state hash at each hash point through the
// log (kv/statehash.go), where every replica compares it with its own:
// replicas that diverge are found, and one outvoted by a majority stops.
// Proposals are made off the apply path, a few at a time; a report that
// cannot be proposed (no leader, a full queue) is skipped, the next point
// gives another. A single-member group sends none.
type hashReporter struct {
	id      uint64
	logger  *slog.Logger
	node    atomic.Pointer[raftlog.Node]
	voters  atomic.Int64
	pending chan kv.StateHash
}

func newHashReporter(id uint64, logger *slog.Logger) *hashReporter {
	return &hashReporter{id: id, logger: logger, pending: make(chan kv.StateHash, 16)}
}

// onPoints is kv.Options.OnHashPoint: called on the apply path, it only
// queues.
func (r *hashReporter) onPoints(ps []kv.StateHash) {
	for _, p := range ps {
		select {
		case r.pending <- p:
		default:
		}
	}
}

// votersNow is kv.Options.Voters: the voting members when last reported
// (3 before the first report: a majority of a three-node group).
func (r *hashReporter) votersNow() int {
	if v := r.voters.Load(); v > 0 {
		return int(v)
	}
	return 3
}

// run proposes queued reports until ctx ends.
func (r *hashReporter) run(ctx context.Context, node *raftlog.Node) {
	r.node.Store(node)
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-r.pending:
			voters := 0
			for _, m := range node.Members() {
				if m.Role == "voter" {
					voters++
				}
			}
			r.voters.Store(int64(voters))
			if voters < 2 {
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_, _, err := node.Propose(pctx, kv.EncodeCommand(kv.StateHashCommand(r.id, p.Index, p.Hash)))
			cancel()
			if err != nil && ctx.Err() == nil {
				r.logger.Debug("state hash report not proposed", "index", p.Index, "err", err)
			}
		}
	}
}
