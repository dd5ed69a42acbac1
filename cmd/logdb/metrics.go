package main

import (
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"logdb/changefeed"
	"logdb/kv"
	"logdb/notify"
	"logdb/raftlog"
	"logdb/sql"
	"logdb/sql/pgerror"
)

// Metrics, in one place. Two kinds:
//
//   - Observed on the hot path (fdatasync and statement latency, entries
//     per Ready, statements, errors, transactions, retries): the packages
//     call an Observer they declare (raftlog.Observer, sql.Observer), and
//     these types feed Prometheus collectors resolved once at start, so an
//     observation is a few atomic adds, without locks or allocation.
//   - Read at scrape time (raft status, connections, feed, storage): the
//     nodeCollector reads the parts' published state when /metrics is
//     served.
//
// Names follow Prometheus conventions: the logdb_ prefix, _total for
// counters, base units (_seconds, _bytes).

// raftObserver is raftlog's Observer.
type raftObserver struct {
	fsync        prometheus.Histogram
	readyEntries prometheus.Histogram
	peerRTT      *prometheus.HistogramVec // by peer; observed on the leader
}

func newRaftObserver(reg prometheus.Registerer) *raftObserver {
	o := &raftObserver{
		fsync: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "logdb_wal_fsync_duration_seconds",
			Help:    "Time of each fdatasync of the raft WAL.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 14), // 50 µs … 0.4 s
		}),
		readyEntries: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "logdb_raft_ready_entries",
			Help:    "Entries persisted per raft Ready (the group-commit batch).",
			Buckets: []float64{0, 1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		peerRTT: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "logdb_raft_peer_round_trip_seconds",
			Help:    "Heartbeat round trips from the leader to each peer (a heartbeat sent to its response received; only the leader measures).",
			Buckets: prometheus.ExponentialBuckets(100e-6, 2, 15), // 100 µs … 1.6 s
		}, []string{"peer"}),
	}
	reg.MustRegister(o.fsync, o.readyEntries, o.peerRTT)
	return o
}

func (o *raftObserver) ObserveFsync(d time.Duration) { o.fsync.Observe(d.Seconds()) }
func (o *raftObserver) ObserveReady(entries int)     { o.readyEntries.Observe(float64(entries)) }
func (o *raftObserver) ObservePeerRTT(peer uint64, d time.Duration) {
	o.peerRTT.WithLabelValues(strconv.FormatUint(peer, 10)).Observe(d.Seconds())
}

// sqlObserver is sql's Observer.
type sqlObserver struct {
	statements [sql.NumStatementKinds]prometheus.Counter
	latency    [sql.NumStatementKinds]prometheus.Observer
	errors     *prometheus.CounterVec // by SQLSTATE class: only on errors
	commits    prometheus.Counter
	rollbacks  prometheus.Counter
	retries    prometheus.Counter
}

func newSQLObserver(reg prometheus.Registerer) *sqlObserver {
	statements := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "logdb_sql_statements_total",
		Help: "Client statements run, by kind (a simple-protocol query string or an extended-protocol Execute).",
	}, []string{"kind"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "logdb_sql_statement_duration_seconds",
		Help:    "Time from a statement's start to its result, by kind (server-side retries included).",
		Buckets: prometheus.ExponentialBuckets(25e-6, 2.5, 14), // 25 µs … ~37 s
	}, []string{"kind"})
	txns := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "logdb_sql_transactions_total",
		Help: "Transactions ended, by outcome (commit, rollback; a failed COMMIT is a rollback).",
	}, []string{"outcome"})
	o := &sqlObserver{
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logdb_sql_errors_total",
			Help: "Statements that failed, by SQLSTATE class (the code's first two characters: 40 serialization, 23 integrity, 57 canceled, …).",
		}, []string{"class"}),
		commits:   txns.WithLabelValues("commit"),
		rollbacks: txns.WithLabelValues("rollback"),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logdb_sql_serialization_retries_total",
			Help: "Statements or implicit transactions the server re-ran after 40001 without the client seeing it.",
		}),
	}
	for k := sql.StatementKind(0); k < sql.NumStatementKinds; k++ {
		o.statements[k] = statements.WithLabelValues(k.String())
		o.latency[k] = latency.WithLabelValues(k.String())
	}
	reg.MustRegister(statements, latency, txns, o.errors, o.retries)
	return o
}

func (o *sqlObserver) StatementDone(kind sql.StatementKind, elapsed time.Duration, err error) {
	if kind >= sql.NumStatementKinds {
		kind = sql.StmtOther
	}
	o.statements[kind].Inc()
	o.latency[kind].Observe(elapsed.Seconds())
	if err != nil {
		code := pgerror.Code(err)
		if len(code) != 5 {
			code = pgerror.Internal
		}
		o.errors.WithLabelValues(code[:2]).Inc()
	}
}

func (o *sqlObserver) TransactionDone(committed bool) {
	if committed {
		o.commits.Inc()
	} else {
		o.rollbacks.Inc()
	}
}

func (o *sqlObserver) SerializationRetry() { o.retries.Inc() }

// nodeCollector reads the node's published state at scrape time.
type nodeCollector struct {
	node    *raftlog.Node
	store   *kv.Store
	engine  *sql.Engine
	feed    *changefeed.Feed
	notify  *notify.Registry
	dataDir string

	term, leader, isLeader, commit, applied          *prometheus.Desc
	proposals, proposalsFailed, snapsSent, snapsRecv *prometheus.Desc
	peerReachable                                    *prometheus.Desc
	loopBusy, peerQueued, peerWriteAge, peerReadAge  *prometheus.Desc
	connections                                      *prometheus.Desc
	subscribers, delivered, slotLag, slotLagSeconds  *prometheus.Desc
	replConns                                        *prometheus.Desc
	stateBytes, walBytes, firstIndex, lastIndex      *prometheus.Desc
	durableIndex, checkpoints                        *prometheus.Desc
	notifyChannels, notifyApplied, notifyDelivered   *prometheus.Desc
}

func newNodeCollector(node *raftlog.Node, store *kv.Store, engine *sql.Engine, feed *changefeed.Feed, listeners *notify.Registry, dataDir string) *nodeCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &nodeCollector{
		node: node, store: store, engine: engine, feed: feed, notify: listeners, dataDir: dataDir,
		term:            d("logdb_raft_term", "This node's current raft term."),
		leader:          d("logdb_raft_leader_id", "The raft leader this node knows (0: none)."),
		isLeader:        d("logdb_raft_is_leader", "1 if this node is the raft leader, else 0."),
		commit:          d("logdb_raft_commit_index", "Highest log index known committed and durable on this node."),
		applied:         d("logdb_raft_applied_index", "Highest log index applied to the state database on this node."),
		proposals:       d("logdb_raft_proposals_total", "Proposals made through this node (one per committing transaction, sequence block, …)."),
		proposalsFailed: d("logdb_raft_proposals_failed_total", "Proposals that ended in an error (no leader, outcome unknown, deadline)."),
		snapsSent:       d("logdb_raft_snapshots_sent_total", "State snapshots streamed to peers behind the retained log."),
		snapsRecv:       d("logdb_raft_snapshots_received_total", "State snapshots received and stored from the leader."),
		peerReachable:   d("logdb_raft_peer_reachable", "1 if this node heard from (leader) or holds a connection to (follower) the member recently.", "peer"),
		loopBusy:        d("logdb_raft_loop_busy_seconds", "How long the raft Ready loop has been in its current step (0 while it waits): above an election timeout the node is stalled."),
		peerQueued:      d("logdb_raft_peer_queued_messages", "Raft messages queued for the peer's connection.", "peer"),
		peerWriteAge:    d("logdb_raft_peer_last_write_age_seconds", "Time since the last successful write to the peer (-1: never).", "peer"),
		peerReadAge:     d("logdb_raft_peer_last_read_age_seconds", "Time since the last message read from the peer (-1: never).", "peer"),
		connections:     d("logdb_sql_connections", "SQL sessions on this node, by pg_stat_activity state.", "state"),
		subscribers:     d("logdb_changefeed_subscribers", "Changefeed subscriptions open on this node (SUBSCRIBE streams and cursors, replication streams)."),
		replConns:       d("logdb_replication_connections", "Replication connections streaming from this node (START_REPLICATION: pg_stat_replication's rows)."),
		delivered:       d("logdb_changefeed_changes_delivered_total", "Changes delivered to subscribers on this node (progress rows included)."),
		slotLag:         d("logdb_changefeed_slot_lag_entries", "Log entries applied on this node after the slot's confirmed position.", "slot"),
		slotLagSeconds:  d("logdb_changefeed_slot_lag_seconds", "Age of the oldest change the slot has not confirmed (0 when it is caught up).", "slot"),
		stateBytes:      d("logdb_state_db_size_bytes", "Size of the state database file (state.db)."),
		walBytes:        d("logdb_wal_size_bytes", "Size of the raft WAL segment files on disk."),
		firstIndex:      d("logdb_log_first_index", "First log index retained on this node (the retention floor)."),
		lastIndex:       d("logdb_log_last_index", "Last log index on this node."),
		durableIndex:    d("logdb_state_durable_index", "Applied index of the newest state checkpoint (the log is never trimmed above it)."),
		checkpoints:     d("logdb_state_checkpoint_duration_seconds", "Time to write each state checkpoint (a synced copy of state.db), every --checkpoint-interval."),
		notifyChannels:  d("logdb_notify_channels", "Channels some session of this node LISTENs to."),
		notifyApplied:   d("logdb_notify_applied_total", "Notifications (NOTIFY, pg_notify) in the entries this node applied."),
		notifyDelivered: d("logdb_notify_delivered_total", "Notifications handed to this node's listening sessions (one per listener)."),
	}
}

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	prometheus.DescribeByCollect(c, ch)
}

func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	st := c.node.Status()
	gauge(c.term, float64(st.Term))
	gauge(c.leader, float64(st.Leader))
	gauge(c.isLeader, boolFloat(st.Leader != 0 && st.Leader == st.ID))
	gauge(c.commit, float64(st.Commit))
	gauge(c.applied, float64(st.Applied))
	rc := c.node.Counters()
	counter(c.proposals, rc.Proposals)
	counter(c.proposalsFailed, rc.ProposalsFailed)
	counter(c.snapsSent, rc.SnapshotsSent)
	counter(c.snapsRecv, rc.SnapshotsReceived)
	for _, m := range c.node.Members() {
		if m.ID != st.ID {
			gauge(c.peerReachable, boolFloat(m.Reachable), strconv.FormatUint(m.ID, 10))
		}
	}

	busy, _ := c.node.LoopBusy()
	gauge(c.loopBusy, busy.Seconds())
	now := time.Now()
	age := func(t time.Time) float64 {
		if t.IsZero() {
			return -1
		}
		return now.Sub(t).Seconds()
	}
	for id, ps := range c.node.PeerStats() {
		peer := strconv.FormatUint(id, 10)
		gauge(c.peerQueued, float64(ps.Queued), peer)
		gauge(c.peerWriteAge, age(ps.LastWrite), peer)
		gauge(c.peerReadAge, age(ps.LastRead), peer)
	}

	for state, n := range c.engine.ActivityCounts() {
		gauge(c.connections, float64(n), state)
	}

	fs := c.feed.Stats()
	gauge(c.subscribers, float64(fs.Subscribers))
	gauge(c.replConns, float64(c.engine.ReplicationConnections()))
	counter(c.delivered, fs.Delivered)
	ns := c.notify.Stats()
	gauge(c.notifyChannels, float64(ns.Channels))
	counter(c.notifyApplied, ns.Applied)
	counter(c.notifyDelivered, ns.Delivered)
	if txn, err := c.store.Begin(); err == nil {
		slots, err := c.feed.Slots(txn)
		txn.Release()
		if err == nil {
			now := time.Now()
			for _, s := range slots {
				entries, age := c.feed.SlotLag(s, st.Applied, now) // after Release: it reads the log
				gauge(c.slotLag, float64(entries), s.Name)
				gauge(c.slotLagSeconds, age.Seconds(), s.Name)
			}
		}
	}

	if fi, err := os.Stat(filepath.Join(c.dataDir, "state.db")); err == nil {
		gauge(c.stateBytes, float64(fi.Size()))
	}
	gauge(c.walBytes, float64(dirBytes(filepath.Join(c.dataDir, "raft"), ".wal")))
	gauge(c.firstIndex, float64(c.node.FirstIndex()))
	gauge(c.lastIndex, float64(c.node.LastIndex()))
	gauge(c.durableIndex, float64(c.store.DurableIndex()))
	n, total := c.store.CheckpointStats()
	ch <- prometheus.MustNewConstSummary(c.checkpoints, n, total.Seconds(), nil)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// dirBytes sums the sizes of dir's files whose names end in suffix.
func dirBytes(dir, suffix string) int64 {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range ents {
		if filepath.Ext(e.Name()) != suffix {
			continue
		}
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// newRegistry returns the registry /metrics serves, with Go's runtime and
// process collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
