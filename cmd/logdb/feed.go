package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"logdb/changefeed"
	"logdb/kv"
	"logdb/raftlog"
	"logdb/sql"
)

// startFeed builds the changefeed over the node's retained log and the
// store, and starts the retention loop. stop ends the loop and closes the
// feed (every subscription's wait ends): call it before the store closes
// and before the node shuts down.
func startFeed(cfg startConfig, node *raftlog.Node, store *kv.Store, logger *slog.Logger) (feed *changefeed.Feed, stop func(), err error) {
	feed, err = changefeed.New(changefeed.Config{
		Log:              feedLog{node},
		Store:            store,
		Decoder:          sql.ChangefeedDecoder(),
		Logger:           logger.With("component", "changefeed"),
		Retention:        cfg.Retention,
		MaxSlotRetention: cfg.MaxSlotRetention,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("start changefeed: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if cfg.Retention > 0 {
		r := &retention{feed: feed, node: node, store: store, logger: logger.With("component", "retention")}
		if cfg.LogArchive != "" {
			if r.archive, err = openLogArchive(cfg.LogArchive, node, logger); err != nil { // archive.go
				cancel()
				feed.Close()
				return nil, nil, err
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.run(ctx, retentionInterval(cfg.Retention))
		}()
	}
	var once sync.Once
	return feed, func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			feed.Close()
		})
	}, nil
}

// retentionInterval is how often the log is trimmed: a tenth of the
// retention, between 100 ms and 10 s.
func retentionInterval(retention time.Duration) time.Duration {
	return min(max(retention/10, 100*time.Millisecond), 10*time.Second)
}

// retention applies the feed's retention policy: it marks the slots the
// policy gives up as lost (a committed transaction: slot state is
// replicated), then truncates the raft log and kv's history.
type retention struct {
	feed   *changefeed.Feed
	node   *raftlog.Node
	store  *kv.Store
	logger *slog.Logger
	// archive, when set (--log-archive), gets the entries before they are
	// trimmed; no trim happens before it has them.
	archive *logArchive
}

func (r *retention) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := r.trim(ctx); err != nil && ctx.Err() == nil {
			r.logger.Warn("retention", "err", err)
		}
	}
}

// trim runs one round of the policy. Nothing is truncated in a round whose
// lost slots could not be recorded.
func (r *retention) trim(ctx context.Context) error {
	floor, lost, err := r.feed.RetentionFloor(time.Now())
	if err != nil {
		return fmt.Errorf("retention floor: %w", err)
	}
	if len(lost) > 0 {
		txn, err := r.store.Begin()
		if err != nil {
			return err
		}
		err = r.feed.MarkSlotsLost(txn, lost)
		cmd := txn.Command(time.Now().UnixMicro())
		txn.Release()
		if err != nil {
			return fmt.Errorf("mark slots lost: %w", err)
		}
		res, err := proposer{node: r.node, maxTxnBytes: sql.MaxTxnBytesLimit}.Propose(ctx, cmd)
		if err != nil {
			return fmt.Errorf("mark slots lost: %w", err)
		}
		if res.Err != nil {
			return fmt.Errorf("mark slots lost: %w", res.Err) // a conflict: the next round retries
		}
		r.logger.Warn("replication slots lost: they fell behind --max-slot-retention", "slots", lost)
	}
	floor = min(floor, r.store.DurableIndex())
	if floor <= r.node.FirstIndex() {
		return nil
	}
	if r.archive != nil {
		if err := r.archive.archiveBelow(floor); err != nil {
			return fmt.Errorf("not trimming the log: %w", err)
		}
	}
	if err := r.node.TruncateFront(ctx, floor); err != nil {
		return fmt.Errorf("truncate log below %d: %w", floor, err)
	}
	if err := r.store.PruneHistory(floor); err != nil {
		return fmt.Errorf("prune history below %d: %w", floor, err)
	}
	r.logger.Debug("log truncated", "first_index", floor)
	return nil
}

// ProposeIndex is Propose that also returns the entry's log index
// (sql.IndexProposer: pg_logical_emit_message returns its message's LSN).
// It shares Propose's timeout and its 40001/40003 error mapping.
func (p proposer) ProposeIndex(ctx context.Context, cmd *kv.Command) (kv.Result, uint64, error) {
	return p.proposeIndexed(ctx, cmd)
}

// feedLog is the node's log as the feed reads it. kv may apply an entry a
// moment before the node publishes its committed index (apply is
// pipelined with the Ready loop), and the feed reads up to kv's applied
// index: Entries first waits, briefly, for the committed index to cover
// the entries asked for.
type feedLog struct{ *raftlog.Node }

func (l feedLog) Entries(lo, hi uint64) ([]raftlog.Entry, error) {
	if c := l.CommittedIndex(); hi > c+1 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for hi > c+1 {
			var err error
			if c, err = l.WaitCommitted(ctx, c); err != nil {
				break // Entries reports the gap
			}
		}
	}
	return l.Node.Entries(lo, hi)
}
