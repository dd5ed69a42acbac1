package main

import (
	"context"
	"log/slog"
	"time"

	"logdb/kv"
	"logdb/locks"
	"logdb/raftlog"
)

// lockNodeGoneAfter is how long the leader must have had no answer from a
// member before it releases that member's locks (NodeGone): twenty
// election timeouts of 500 ms (ten of the longest randomized one), long
// enough that a slow disk or a pause of the process does not cost a live
// node its locks. README documents it.
const lockNodeGoneAfter = 10 * time.Second

// startLocks registers this node's new incarnation in the lock table
// (which releases the locks of its previous run), then, in a cluster,
// watches the members while this node leads and releases the locks of
// one that has not answered for lockNodeGoneAfter.
func startLocks(ctx context.Context, l *locks.Local, node *raftlog.Node, store *kv.Store, clustered bool, logger *slog.Logger) {
	if err := l.Register(ctx); err != nil {
		if ctx.Err() == nil {
			logger.Error("locks: register incarnation", "err", err)
		}
		return
	}
	if !clustered {
		// restored from another cluster's backup: its nodes' locks go
		releaseStrangers(ctx, l, store, map[uint64]bool{l.Node(): true}, logger)
		return
	}
	silent := map[uint64]time.Time{} // member → since when it has not answered
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := node.Status()
		if st.Role != "leader" {
			clear(silent)
			continue
		}
		now := time.Now()
		members := node.Members()
		known := map[uint64]bool{}
		for _, m := range members {
			known[m.ID] = true
		}
		releaseStrangers(ctx, l, store, known, logger) // removed members
		for _, m := range members {
			if m.ID == st.ID || m.Reachable {
				delete(silent, m.ID)
				continue
			}
			since, ok := silent[m.ID]
			if !ok {
				silent[m.ID] = now
				continue
			}
			if now.Sub(since) < lockNodeGoneAfter {
				continue
			}
			inc, err := locks.NodeIncarnation(store, m.ID)
			if err != nil || inc == 0 {
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err = l.Propose(pctx, locks.NodeGone(m.ID, inc))
			cancel()
			if err != nil {
				logger.Warn("locks: release the locks of an unreachable node", "member", m.ID, "err", err)
				continue
			}
			logger.Warn("locks: released the locks of an unreachable node", "member", m.ID, "silent_for", now.Sub(since).Round(time.Second))
		}
	}
}

// releaseStrangers releases the locks of registered nodes that are not
// members (removed, or of the cluster a backup was taken from).
func releaseStrangers(ctx context.Context, l *locks.Local, store *kv.Store, members map[uint64]bool, logger *slog.Logger) {
	nodes, err := locks.Nodes(store)
	if err != nil {
		return
	}
	for id, inc := range nodes {
		if members[id] {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if _, err := l.Propose(pctx, locks.NodeGone(id, inc)); err != nil {
			logger.Warn("locks: release the locks of a node that is no member", "node", id, "err", err)
		}
		cancel()
	}
}
