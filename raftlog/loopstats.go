package raftlog

import (
	"fmt"
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
	// probesDropped counts repeated probes not sent (probes.go).
	probesDropped atomic.Uint64
	// readRounds counts the read-index rounds this node issued for
	// WaitReadable callers, readCallers the callers they served.
	readRounds, readCallers atomic.Uint64
	// Commit latency: from the Ready that appends a batch here until its
	// last entry is handed to the applier. appended is the batches not yet
	// handed, oldest first (Ready loop only, and only when on).
	appended               []appendedBatch
	commitNs, commitBatchN atomic.Uint64
	// on: LOGDB_RAFTSTATS is set, and slow steps of the loop are logged
	// one by one (slowStep).
	on bool
}

// slowStepLog is how long one step of the Ready loop (stepping the inbox,
// one Ready) may take before LOGDB_RAFTSTATS logs it with what it did: a
// loop busy that long delays every commit and heartbeat of the group.
const slowStepLog = 40 * time.Millisecond

// slowStep logs a step of the loop that took d, if stats are on and d is
// at least slowStepLog. Ready loop only.
func (n *Node) slowStep(step string, d time.Duration, attrs ...any) {
	if !n.stats.on || d < slowStepLog {
		return
	}
	n.logger.Info("slow ready loop step", append([]any{"step", step, "ms", d.Milliseconds()}, attrs...)...)
}

// appendedBatch is a batch this node appended: its last index and when.
type appendedBatch struct {
	last uint64
	at   time.Time
}

// noteAppended records a Ready that appends entries up to last at t.
func (s *loopStats) noteAppended(last uint64, t time.Time) {
	if !s.on || len(s.appended) >= 4096 {
		return
	}
	s.appended = append(s.appended, appendedBatch{last, t})
}

// noteHanded counts the appended batches that handed (the last index
// handed to the applier) now covers.
func (s *loopStats) noteHanded(handed uint64, now time.Time) {
	i := 0
	for i < len(s.appended) && s.appended[i].last <= handed {
		s.commitNs.Add(uint64(now.Sub(s.appended[i].at)))
		s.commitBatchN.Add(1)
		i++
	}
	if i > 0 {
		s.appended = append(s.appended[:0], s.appended[i:]...)
	}
}

func (s *loopStats) countSent(msgs []*pb.Message) {
	for _, m := range msgs {
		s.sent[min(int(m.GetType()), len(s.sent)-1)].Add(1)
	}
}

const loopStatsEvery = 2 * time.Second

// report logs the counters every loopStatsEvery until the node stops.
func (n *Node) reportLoopStats() {
	if !n.stats.on {
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
		cb := s.commitBatchN.Swap(0)
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
			"idle_us", per(s.idleNs.Swap(0), r)/1e3,
			"repeated_probes_dropped", s.probesDropped.Swap(0),
			"commit_us", per(s.commitNs.Swap(0), cb)/1e3,
			"read_rounds_per_s", s.readRounds.Load()/secs,
			"reads_per_round", per(s.readCallers.Swap(0), s.readRounds.Swap(0)))
		leaseReads = lr
	}
}

// slowSteps times one drain of the inbox for slowStep: the slowest
// message stepped and what raft read from the WAL meanwhile (a leader
// reads the entries a lagging follower needs while stepping its answers).
type slowSteps struct {
	n                *Node
	t0               time.Time
	props, msgs, ops int
	reads            [4]uint64 // storage counters at the start
	worst            time.Duration
	worstMsg         string
	types            map[pb.MessageType]int
}

func (s *slowSteps) start(n *Node, props, msgs, ops int) {
	s.n, s.t0, s.props, s.msgs, s.ops = n, time.Now(), props, msgs, ops
	s.reads = n.storage.reads.load()
}

// now is the time if timing, else zero.
func (s *slowSteps) now() time.Time {
	if s.n == nil {
		return time.Time{}
	}
	return time.Now()
}

func (s *slowSteps) stepped(m *pb.Message, t0 time.Time) {
	if s.n == nil {
		return
	}
	if s.types == nil {
		s.types = map[pb.MessageType]int{}
	}
	s.types[m.GetType()]++
	if d := time.Since(t0); d > s.worst {
		s.worst = d
		s.worstMsg = fmt.Sprintf("%s from %d (index %d, %d entries, reject %v)", m.GetType(), m.GetFrom(), m.GetIndex(), len(m.GetEntries()), m.GetReject())
	}
}

func (s *slowSteps) done() {
	d := time.Since(s.t0)
	if d < slowStepLog {
		return
	}
	r := s.n.storage.reads.load()
	var types []string
	for t, c := range s.types {
		types = append(types, fmt.Sprintf("%s=%d", t, c))
	}
	s.n.slowStep("inbox", d, "proposals", s.props, "messages", s.msgs, "types", strings.Join(types, ","), "ops", s.ops,
		"slowest_ms", s.worst.Milliseconds(), "slowest", s.worstMsg,
		"wal_reads", r[0]-s.reads[0], "entries_read", r[1]-s.reads[1], "bytes_read", r[2]-s.reads[2], "read_ms", (r[3]-s.reads[3])/1e6)
}
