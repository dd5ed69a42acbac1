package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"logdb/kv"
	"logdb/locks"
	"logdb/notify"
	"logdb/pgwire"
	"logdb/raftlog"
	"logdb/sql"
	"logdb/sql/pgerror"
)

// start runs a node until SIGTERM/SIGINT or a fatal error. It reads as the
// list of parts being wired: state, log, SQL, wire.
func start(ctx context.Context, cfg startConfig) error {
	logger, raftLogger := newLogger(cfg, os.Stderr)
	slog.SetDefault(logger)
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	unlock, err := lockDataDir(cfg.DataDir) // lock.go
	if err != nil {
		return err
	}
	defer unlock()
	fileLimit := raiseFileLimit(logger)
	maxConns := fitConnections(cfg.MaxConnections, fileLimit, logger) // lock.go

	hashes := newHashReporter(cfg.NodeID, logger) // statehash.go
	store, err := kv.Open(filepath.Join(cfg.DataDir, "state.db"), kv.Options{Logger: logger, CheckpointInterval: cfg.CheckpointInterval, Merge: sql.MergeRow, Locks: locks.Apply,
		CheckpointReserveBytes: cfg.DiskReserveBytes / 2,
		HashInterval:           cfg.HashInterval, OnHashPoint: hashes.onPoints, Voters: hashes.votersNow})
	if err != nil {
		return fmt.Errorf("open state: %w", err)
	}
	defer store.Close()

	reg := newRegistry() // metrics.go
	listeners := notify.NewRegistry()
	var prop proposer // set once the node is open
	var lockSide *locks.Local
	if !cfg.NoLocks {
		lockSide = locks.NewLocal(cfg.NodeID, func(ctx context.Context, cmd *kv.Command) (kv.Result, error) { return prop.Propose(ctx, cmd) })
	}
	rcfg := raftlog.Config{
		NodeID:       cfg.NodeID,
		Dir:          filepath.Join(cfg.DataDir, "raft"),
		Peers:        cfg.Peers,
		Join:         cfg.Join,
		StateMachine: stateMachine{store, listeners, lockSide},
		Logger:       raftLogger, // raftlog adds node=<id> itself
		ReadTimeout:  readBarrierTimeout,
		Observer:     newRaftObserver(reg),
		// Writes are refused before the disk is full (53100), so the WAL
		// never meets ENOSPC on raft's Ready path.
		DiskReserveBytes: cfg.DiskReserveBytes,
	}
	if cfg.clustered() {
		if rcfg.Transport, err = newRaftTransport(cfg, logger); err != nil {
			return err
		}
		rcfg.TickInterval, rcfg.ElectionTicks = clusterTick, clusterElectionTicks
	}
	node, err := raftlog.Open(rcfg)
	if err != nil {
		return fmt.Errorf("open raft log: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := node.Shutdown(sctx); err != nil {
			logger.Error("raft shutdown", "err", err)
		}
	}()

	prop = proposer{node: node, maxTxnBytes: cfg.MaxTxnBytes}

	hctx, stopHashes := context.WithCancel(context.Background())
	defer stopHashes()
	go hashes.run(hctx, node)
	if cfg.clustered() {
		registerMembershipFuncs(node)
	} else if err := waitReplayed(ctx, node, logger); err != nil {
		return err
	}
	if lockSide != nil {
		go startLocks(hctx, lockSide, node, store, cfg.clustered(), logger) // locks.go
	}

	feed, stopFeed, err := startFeed(cfg, node, store, logger) // feed.go
	if err != nil {
		return err
	}
	defer stopFeed() // before the node shuts down and the store closes

	backends := &serverBackends{}
	// sorts past work_mem write their runs here, unlinked at once
	tempDir := filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(tempDir, 0o700); err != nil {
		return err
	}
	engine, err := sql.NewEngine(sql.Config{
		Feed:          feed,
		Store:         store,
		Proposer:      prop,
		Locks:         lockSide,
		ReadBarrier:   readBarrier(node, cfg.clustered()),
		LeaderInTouch: node.LeaderInTouch,
		Cluster:       clusterView(node, store, cfg.Listen),
		NodeID:        cfg.NodeID,
		Version:       version,
		Logger:        logger,

		MaxTxnBytes:        cfg.MaxTxnBytes,
		MaxExpressionDepth: cfg.MaxExpressionDepth,
		MaxStatementMemory: cfg.MaxStatementMemory,
		TempDir:            tempDir,
		Observer:           newSQLObserver(reg),
		Backends:           backends,
		Notify:             listeners,
		Settings:           cfg.Settings,
		Backup: func(ctx context.Context, w io.Writer, req sql.BackupRequest) error {
			if req.Log {
				return writeLog(w, node, req.From, req.Through) // pitr.go
			}
			return writeBackup(ctx, w, node, store) // backup.go
		},
	})
	if err != nil {
		return fmt.Errorf("start sql engine: %w", err)
	}

	engine.DropStaleTempSchemas(hctx) // before any session (sql/temp.go)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen for clients: %w", err)
	}
	tlsConfig, err := loadTLS(cfg.CertsDir) // tls.go
	if err != nil {
		return err
	}
	hba, err := loadHBA(cfg.HBAFile)
	if err != nil {
		return err
	}
	if cfg.Insecure && cfg.CertsDir == "" && (!isLoopback(cfg.Listen) || cfg.RaftListen != "" && !isLoopback(cfg.RaftListen)) {
		logger.Warn("--insecure: serving a non-loopback address without TLS; passwords and data travel in plain text")
	}
	srv := pgwire.NewServer(pgwire.Config{Engine: sqlEngine{engine}, Logger: logger, MaxConnections: maxConns, MaxRefusing: refusingBudget(maxConns, fileLimit), TLS: tlsConfig,
		Roles: engine, HBA: hba})
	backends.srv.Store(srv)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	ready := &readiness{node: node}
	ready.acceptSQL.Store(true)
	if cfg.HTTPListen != "" {
		reg.MustRegister(newNodeCollector(node, store, engine, feed, listeners, cfg.DataDir))
		stopHTTP, err := startHTTP(cfg.HTTPListen, cfg.Pprof, reg, ready, logger) // http.go
		if err != nil {
			srv.Close()
			return err
		}
		defer stopHTTP()
	}
	logger.Info("logdb ready", "listen", ln.Addr().String(), "data_dir", cfg.DataDir, "node_id", cfg.NodeID, "version", version)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)

	var runErr error
wait:
	select {
	case sig := <-sigs:
		if sig == syscall.SIGHUP {
			if h, err := loadHBA(cfg.HBAFile); err != nil {
				logger.Error("SIGHUP: --hba-file not reloaded; the old rules stay", "err", err)
			} else {
				srv.SetHBA(h)
				logger.Info("SIGHUP: authentication rules reloaded", "hba_file", cfg.HBAFile)
			}
			goto wait
		}
		logger.Info("shutting down", "signal", sig.String())
	case err := <-serveErr:
		runErr = fmt.Errorf("serve clients: %w", err)
	case <-node.Done():
		runErr = fmt.Errorf("raft node stopped: %w", node.Err())
	case <-node.Removed():
		// Linger a moment so the change's commit reaches the others.
		logger.Warn("this node was removed from the cluster (logdb_remove_node); shutting down")
		time.Sleep(time.Second)
	case <-ctx.Done():
	}
	ready.acceptSQL.Store(false)
	stopFeed() // ends SUBSCRIBE streams (57P01), so their connections can close
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && runErr == nil {
		logger.Warn("client shutdown", "err", err)
	}
	return runErr
}

// stateMachine applies raft's committed entries to the kv store, then
// delivers the notifications of those that applied to this node's
// listeners (package notify) and wakes this node's lock waiters that the
// batch granted (package locks), in log order, before the proposers hear.
type stateMachine struct {
	store  *kv.Store
	notify *notify.Registry
	locks  *locks.Local // wakes this node's lock waiters
}

func (m stateMachine) Apply(entries []raftlog.Entry) ([]any, error) {
	in := make([]kv.Entry, len(entries))
	for i, e := range entries {
		in[i] = kv.Entry{Index: e.Index, Data: e.Data}
	}
	results, err := m.store.Apply(in)
	if err != nil {
		return nil, err
	}
	if m.notify != nil {
		m.notify.Applied(in, results)
	}
	if m.locks != nil {
		m.locks.Applied(in, results)
	}
	out := make([]any, len(results))
	for i, r := range results {
		out[i] = r
	}
	return out, nil
}

func (m stateMachine) AppliedIndex() uint64 { return m.store.AppliedIndex() }

// ValidateProposal makes stateMachine a raftlog.ProposalValidator: an
// entry a peer sends is refused unless it decodes as a command, since one
// that does not would stop every node applying it.
func (m stateMachine) ValidateProposal(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	_, err := kv.DecodeCommand(data)
	return err
}

// WriteSnapshot and RestoreSnapshot make stateMachine a raftlog.Snapshotter:
// a peer too far behind the log's retained front gets the bbolt state.
func (m stateMachine) WriteSnapshot(w io.Writer) (uint64, error) { return m.store.WriteSnapshot(w) }
func (m stateMachine) SnapshotSize() int64                       { return m.store.SnapshotSize() }

func (m stateMachine) RestoreSnapshot(r io.Reader) (uint64, error) { return m.store.RestoreSnapshot(r) }

// proposer puts sql's commands through the raft log. Its errors are
// *pgerror.Error with the SQLSTATE a driver acts on, passed through by the
// engine: 40001 when the commit surely did not happen (retry is safe; the
// engine retries autocommit statements itself), 40003 when it may have.
type proposer struct {
	node        *raftlog.Node
	maxTxnBytes int64 // --max-txn-bytes: a larger command fails with 54000
}

// proposeTimeout bounds a commit that raft neither answers nor refuses (a
// partitioned minority, a lost forward): its outcome is then unknown.
const proposeTimeout = 5 * time.Second

func (p proposer) Propose(ctx context.Context, cmd *kv.Command) (kv.Result, error) {
	r, _, err := p.proposeIndexed(ctx, cmd)
	return r, err
}

// proposeIndexed is Propose that also returns the entry's log index; every
// proposal should go through it (or Propose) for the timeout and SQLSTATEs.
func (p proposer) proposeIndexed(ctx context.Context, cmd *kv.Command) (kv.Result, uint64, error) {
	data := kv.EncodeCommand(cmd)
	if int64(len(data)) > p.maxTxnBytes {
		return kv.Result{}, 0, sql.TxnTooLarge(int64(len(data)), p.maxTxnBytes)
	}
	timeout := proposeWait(len(data))
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, index, err := p.node.Propose(pctx, data)
	if err != nil {
		return kv.Result{}, 0, withXid(proposeError(ctx, err, timeout), cmd.Xid)
	}
	r, ok := res.(kv.Result)
	if !ok {
		panic(fmt.Sprintf("BUG: raft apply result is %T, not kv.Result", res))
	}
	return r, index, nil
}

// proposeWait is how long a commit of n bytes may take before its outcome
// is reported unknown: proposeTimeout, and a quarter second per MiB (a
// 50 MiB transaction took 2.4 s to commit on an idle 2-core machine, over
// 5 s with the system tests running beside it).
func proposeWait(n int) time.Duration {
	return proposeTimeout + time.Duration(n>>20)*250*time.Millisecond
}

// proposeError maps raftlog's outcome to a SQLSTATE; timeout is the wait
// that ran out, for the message.
func proposeError(ctx context.Context, err error, timeout time.Duration) error {
	switch {
	case ctx.Err() != nil:
		return err // the client's cancel or statement_timeout: the engine reports it
	case errors.Is(err, raftlog.ErrEntryTooLarge):
		return sql.TxnTooLarge(0, raftlog.MaxEntryBytes)
	case errors.Is(err, raftlog.ErrDiskFull):
		return &pgerror.Error{Code: pgerror.DiskFull,
			Message: "could not extend file: No space left on device",
			Detail:  "Nothing was written: " + err.Error() + ".",
			Hint:    "Free space on the data directory's filesystem (or lower --disk-reserve-bytes); writes resume without a restart.",
			Cause:   err}
	case errors.Is(err, raftlog.ErrProposalDropped):
		return &pgerror.Error{Code: pgerror.SerializationFailure,
			Message: "could not commit: this node knows no raft leader (no quorum reachable, or an election in progress); nothing was written",
			Hint:    "Retry the transaction.", Cause: err}
	case errors.Is(err, raftlog.ErrFenced):
		return &pgerror.Error{Code: pgerror.SerializationFailure,
			Message: "could not commit: the raft leader changed before the commit reached a quorum, and it can no longer commit; nothing was written",
			Hint:    "Retry the transaction.", Cause: err}
	case errors.Is(err, raftlog.ErrOutcomeUnknown):
		return &pgerror.Error{Code: pgerror.StatementCompletionUnknown,
			Message: "the raft leader changed while the commit was in flight; it may or may not have committed",
			Hint:    "Check whether the transaction's effects are present before retrying.", Cause: err}
	case errors.Is(err, context.DeadlineExceeded):
		e := &pgerror.Error{Code: pgerror.StatementCompletionUnknown,
			Message: fmt.Sprintf("no answer from the raft log within %s (no quorum reachable?); the commit may or may not have happened", timeout),
			Hint:    "Check whether the transaction's effects are present before retrying.", Cause: err}
		var pe *raftlog.PendingError
		if errors.As(err, &pe) && pe.Term != 0 {
			e.Detail = fmt.Sprintf("The commit was proposed in raft term %d; a copy of it appended in any later term is discarded on every node.", pe.Term)
			e.Hint = fmt.Sprintf("Its outcome is final once logdb_cluster shows a term above %d on the node you ask: a linearizable read there sees its effects if and only if it committed. Check then, before retrying.", pe.Term)
		}
		return e
	}
	return &pgerror.Error{Code: pgerror.StatementCompletionUnknown,
		Message: "the commit may or may not have happened: " + err.Error(), Cause: err}
}

// readBarrierTimeout bounds the wait for a linearizable read point.
const readBarrierTimeout = 5 * time.Second

// readBarrier makes reads linearizable in a cluster: ReadIndex confirmed by
// a quorum, then wait until applied. A single node needs none.
func readBarrier(node *raftlog.Node, clustered bool) func(context.Context) error {
	if !clustered {
		return nil
	}
	return func(ctx context.Context) error {
		// WaitReadable bounds its wait itself (raftlog.Config.ReadTimeout
		// = readBarrierTimeout), without a timer per read.
		_, err := node.WaitReadable(ctx)
		if errors.Is(err, raftlog.ErrReadTimeout) {
			return fmt.Errorf("no raft quorum confirmed a read point within %s: %w", readBarrierTimeout, err)
		}
		return err
	}
}

// sqlEngine adapts *sql.Engine to the interface pgwire declares.
type sqlEngine struct{ e *sql.Engine }

func (a sqlEngine) NewSession(p sql.SessionParams) (pgwire.Session, error) {
	s, err := a.e.NewSession(p)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// serverBackends lets sql's pg_cancel_backend and pg_terminate_backend
// reach pgwire's connections (the server is made after the engine).
type serverBackends struct{ srv atomic.Pointer[pgwire.Server] }

func (b *serverBackends) CancelBackend(pid int32) bool {
	srv := b.srv.Load()
	return srv != nil && srv.CancelBackend(pid)
}

func (b *serverBackends) TerminateBackend(pid int32) bool {
	srv := b.srv.Load()
	return srv != nil && srv.TerminateBackend(pid)
}

// newLogger writes --log-format lines at --log-level to w. A cluster
// node's every line carries its node id (node=N), so the logs of several
// nodes can be merged; raftLogger is the logger without it, for raftlog,
// which adds it to its own lines.
func newLogger(cfg startConfig, w io.Writer) (logger, raftLogger *slog.Logger) {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	raftLogger = slog.New(h)
	logger = raftLogger
	if cfg.clustered() {
		logger = logger.With("node", cfg.NodeID)
	}
	return logger, raftLogger
}

// waitReplayed waits, on a single node, until every entry its log holds is
// applied (as PostgreSQL finishes crash recovery before it accepts
// connections). Entries written before a crash but not applied then are
// committed and applied again at start; a session that read before that
// would see a state without them, and a client unsure whether its last
// COMMIT happened (the crash cut its connection) would conclude it did
// not, then see it appear. In a cluster the read barrier (ReadIndex)
// covers this.
func waitReplayed(ctx context.Context, node *raftlog.Node, logger *slog.Logger) error {
	target := node.LastIndex()
	start := time.Now()
	next := start.Add(5 * time.Second)
	for node.Status().Applied < target {
		select {
		case <-node.Done():
			return fmt.Errorf("raft node stopped: %w", node.Err())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(next) {
			logger.Info("replaying the log before serving SQL", "applied", node.Status().Applied, "target", target)
			next = time.Now().Add(5 * time.Second)
		}
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		logger.Info("log replayed", "index", target, "took", d.Round(time.Millisecond))
	}
	return nil
}
