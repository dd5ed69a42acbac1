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
		for _, m := range node.Members() {
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
