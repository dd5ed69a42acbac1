package raftlog

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// loopStats counts what the Ready loop does, for tuning: with
// LOGDB_RAFTSTATS set in the environment, each node logs them every two
// seconds (per-second rates and per-Ready averages). Off, the counters
// cost a few atomic adds per Ready.
type loopStats struct {
	readies, entries, committed, msgs, syncs atomic.Uint64
	syncNs, readyNs, idleNs                  atomic.Uint64
	// sent counts outgoing messages by raftpb.MessageType (types ≥ 32
	// share the last slot).
	sent [32]atomic.Uint64
}

func (s *loopStats) countSent(msgs []*pb.Message) {
	for _, m := range msgs {
		s.sent[min(int(m.GetType()), len(s.sent)-1)].Add(1)
	}
}

const loopStatsEvery = 2 * time.Second

// report logs the counters every loopStatsEvery until the node stops.
func (n *Node) reportLoopStats() {
	if os.Getenv("LOGDB_RAFTSTATS") == "" {
		return
	}
	t := time.NewTicker(loopStatsEvery)
	defer t.Stop()
	s := &n.stats
	per := func(v, d uint64) float64 { return float64(v) / float64(max(d, 1)) }
	secs := uint64(loopStatsEvery / time.Second)
	var leaseReads uint64 // cumulative, as of the last report
	for {
		select {
		case <-t.C:
		case <-n.done:
			return
		}
		r, syncs := s.readies.Swap(0), s.syncs.Swap(0)
		if r == 0 {
			continue
		}
		var sent []string
		for i := range s.sent {
			if c := s.sent[i].Swap(0); c > 0 {
				sent = append(sent, fmt.Sprintf("%s=%d", pb.MessageType(i), c/secs))
			}
		}
		lr := n.lease.reads.Load()
		n.logger.Info("ready loop",
			"sent_per_s", strings.Join(sent, ","),
			"lease_reads_per_s", (lr-leaseReads)/secs,
			"readies_per_s", r/secs,
			"entries_per_ready", per(s.entries.Swap(0), r),
			"committed_per_ready", per(s.committed.Swap(0), r),
			"messages_per_ready", per(s.msgs.Swap(0), r),
			"fsyncs_per_s", syncs/secs,
			"fsync_us", per(s.syncNs.Swap(0), syncs)/1e3,
			"ready_us", per(s.readyNs.Swap(0), r)/1e3,
			"idle_us", per(s.idleNs.Swap(0), r)/1e3)
		leaseReads = lr
	}
}
