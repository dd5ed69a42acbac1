package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"logdb/kv"
	"logdb/pgwire"
	"logdb/raftlog"
	"logdb/sql"
)

// start runs a node until SIGTERM/SIGINT or a fatal error. It reads as the
// list of parts being wired: state, log, SQL, wire.
func start(ctx context.Context, cfg startConfig) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(logger)
	if len(cfg.Peers) > 1 {
		return errors.New("multi-node clusters are not available yet: start a single node without --peers")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}

	store, err := kv.Open(filepath.Join(cfg.DataDir, "state.db"), kv.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("open state: %w", err)
	}
	defer store.Close()

	node, err := raftlog.Open(raftlog.Config{
		NodeID:       cfg.NodeID,
		Dir:          filepath.Join(cfg.DataDir, "raft"),
		Peers:        cfg.Peers,
		StateMachine: stateMachine{store},
		Logger:       logger,
	})
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

	engine, err := sql.NewEngine(sql.Config{
		Store:    store,
		Proposer: proposer{node},
		NodeID:   cfg.NodeID,
		Version:  version,
		Logger:   logger,
	})
	if err != nil {
		return fmt.Errorf("start sql engine: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen for clients: %w", err)
	}
	srv := pgwire.NewServer(pgwire.Config{Engine: sqlEngine{engine}, Logger: logger})
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("logdb ready", "listen", ln.Addr().String(), "data_dir", cfg.DataDir, "node_id", cfg.NodeID, "version", version)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	var runErr error
	select {
	case sig := <-sigs:
		logger.Info("shutting down", "signal", sig.String())
	case err := <-serveErr:
		runErr = fmt.Errorf("serve clients: %w", err)
	case <-node.Done():
		runErr = fmt.Errorf("raft node stopped: %w", node.Err())
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && runErr == nil {
		logger.Warn("client shutdown", "err", err)
	}
	return runErr
}

// stateMachine applies raft's committed entries to the kv store.
type stateMachine struct{ store *kv.Store }

func (m stateMachine) Apply(entries []raftlog.Entry) ([]any, error) {
	in := make([]kv.Entry, len(entries))
	for i, e := range entries {
		in[i] = kv.Entry{Index: e.Index, Data: e.Data}
	}
	results, err := m.store.Apply(in)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(results))
	for i, r := range results {
		out[i] = r
	}
	return out, nil
}

func (m stateMachine) AppliedIndex() uint64 { return m.store.AppliedIndex() }

// proposer puts sql's commands through the raft log.
type proposer struct{ node *raftlog.Node }

func (p proposer) Propose(ctx context.Context, cmd *kv.Command) (kv.Result, error) {
	res, _, err := p.node.Propose(ctx, kv.EncodeCommand(cmd))
	if err != nil {
		return kv.Result{}, err
	}
	r, ok := res.(kv.Result)
	if !ok {
		panic(fmt.Sprintf("BUG: raft apply result is %T, not kv.Result", res))
	}
	return r, nil
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
