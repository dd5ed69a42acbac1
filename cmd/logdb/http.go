package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"logdb/raftlog"
)

// The operator's HTTP listener (--http-listen): /metrics, /healthz,
// /readyz and, with --pprof, Go's profiles under /debug/pprof/. Off by
// default; it carries no data, but the profiles can be expensive, so keep
// it on a private address.

// readiness answers /readyz: 200 only when this node knows a raft leader,
// has applied everything it knows committed (what the leader told it when
// it last heard from it), and accepts SQL connections; else 503 and the
// reason.
type readiness struct {
	node      *raftlog.Node
	acceptSQL atomic.Bool // set once the SQL listener serves, cleared at shutdown
}

// readyApplyWait is how long /readyz waits for the applied index to reach
// the commit index it saw: under load apply trails commit by a batch.
const readyApplyWait = time.Second

func (r *readiness) check(ctx context.Context) (ok bool, reason string) {
	if !r.acceptSQL.Load() {
		return false, "not accepting SQL connections"
	}
	st := r.node.Status()
	if st.Role == "stopped" {
		return false, "the raft node stopped: " + fmt.Sprint(r.node.Err())
	}
	if st.Leader == 0 {
		return false, fmt.Sprintf("no raft leader known (this node is %s in term %d)", st.Role, st.Term)
	}
	target := st.Commit
	deadline := time.Now().Add(readyApplyWait)
	for st.Applied < target {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false, fmt.Sprintf("applied index %d is behind the commit index %d", st.Applied, target)
		}
		time.Sleep(5 * time.Millisecond)
		st = r.node.Status()
	}
	return true, fmt.Sprintf("ok: leader %d, term %d, applied index %d", st.Leader, st.Term, st.Applied)
}

// startHTTP serves the operator endpoints on addr until stop is called.
func startHTTP(addr string, withPprof bool, reg *prometheus.Registry, ready *readiness, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--http-listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		ok, reason := ready.check(req.Context())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, reason)
	})
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server", "addr", addr, "err", err)
		}
	}()
	logger.Info("http endpoints", "listen", ln.Addr().String(), "pprof", withPprof)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx) // an endpoint still answering after 2 s is cut off by Close
		_ = srv.Close()
	}, nil
}
