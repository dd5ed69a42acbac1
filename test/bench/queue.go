package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// The queue workload: river (github.com/riverqueue/river, riverpgxv5), the
// job queue Go services run on PostgreSQL, as a service runs it.
//
// Three river clients, each with its own pgx pool, producers and workers:
// on logdb3 one per node; on pg3 all three on the primary (the standbys are
// read-only); on a single server all three on it. Producers insert jobs
// through their client — nine single Inserts, then one InsertMany of ten
// jobs, so half of the jobs come one at a time (from request handlers) and
// half in batches (from imports and fan-outs) — and the workers work them
// with a function that does nothing. At most queueMaxWaiting jobs wait
// (inserted, not yet completed): a producer holds back while the queue is
// that deep, so the run measures the rate the system sustains, not how
// fast a backlog grows.

const (
	queueClients    = 3   // river clients (logdb3: one per node)
	queueMaxWorkers = 100 // river workers per client (river's documented example)
	queueBatch      = 10  // jobs per InsertMany
	queueBatchEvery = 10  // every 10th producer operation is an InsertMany
	queueMaxWaiting = 1000
	// queueStopTimeout bounds each river client's Stop after the window;
	// then its running jobs are cancelled.
	queueStopTimeout = 10 * time.Second
)

// queueJobArgs is the job: when it was handed to Insert, on the harness's
// monotonic clock (nanoseconds since queueEpoch).
type queueJobArgs struct {
	T int64 `json:"t"`
}

func (queueJobArgs) Kind() string { return "bench_noop" }

var queueEpoch = time.Now()

func queueNow() int64 { return int64(time.Since(queueEpoch)) }

func queueWorkload() *workload {
	return &workload{
		Name: "queue",
		Desc: "river job queue: rivermigrate up; 3 river clients (logdb3: one per node; pg3: all on the primary) with producers (9 Insert : 1 InsertMany of 10) and 100 no-op workers each; at most 1,000 jobs waiting; latency = Insert → completion event",
		Metrics: []metricDef{
			mThroughput("jobs/s"),
			{Name: "insert-to-completion p50", Unit: "ms", LowerIsBetter: true},
			{Name: "insert-to-completion p99", Unit: "ms", LowerIsBetter: true},
			{Name: "Insert call mean", Unit: "ms", LowerIsBetter: true},
			{Name: "40001 retries", Unit: "count", LowerIsBetter: true},
			{Name: "errors", Unit: "count", LowerIsBetter: true},
		},
		FailWord:     "failed",
		Cluster:      true,
		SetupTimeout: 2 * time.Minute,
		Setup:        queueSetup,
		Run:          runQueue,
	}
}

// queueSetup runs river's migrations up on the server that takes writes.
func queueSetup(ctx context.Context, e *env, t *target) error {
	pt, err := t.primary(ctx)
	if err != nil {
		return err
	}
	pool, err := queuePool(ctx, pt, 2, nil)
	if err != nil {
		return err
	}
	defer pool.Close()
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("rivermigrate up: %w", err)
	}
	return waitReplayed(ctx, t)
}

func queuePool(ctx context.Context, t *target, maxConns int, tracer pgx.QueryTracer) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(t.connString())
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(maxConns)
	if tracer != nil {
		cfg.ConnConfig.Tracer = tracer
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(cctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(cctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// queueOn is -queue-clients-on: "spread" puts one river client on each
// node of a logdb cluster, "leader" all of them on its leader (where the
// trio's are on its primary: the two compared server for server).
var queueOn = "spread"

// queueServers returns where each river client connects.
func queueServers(ctx context.Context, t *target) ([]*target, error) {
	out := make([]*target, queueClients)
	if t.Kind == kindLogdb && len(t.Nodes) > 0 && queueOn == "spread" {
		for i := range out {
			out[i] = t.at(t.Nodes[i%len(t.Nodes)])
		}
		return out, nil
	}
	pt, err := t.primary(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i] = pt
	}
	return out, nil
}

// queueRun is one round's shared state. The producers and the event
// readers of every client update it.
type queueRun struct {
	measureFrom, end atomic.Int64 // the window on the queueNow clock; 0 until the producers start
	waiting          chan struct{}
	completed        atomic.Int64 // completion events inside the window
	retries          atomic.Int64 // 40001/40P01 from Insert/InsertMany, retried
	failures         errCount     // Insert/InsertMany errors, jobs that failed
	riverErrs        errCount     // errors river logged (fetching, completing, …)
	closing          atomic.Bool  // the window has ended: the producers are being stopped

	latMu sync.Mutex
	lat   latencies // insert-to-completion of jobs inserted and completed inside the window
	// calls: how long the producers' Insert and InsertMany calls that
	// started inside the window took (retries included). 16 producers
	// call in a closed loop, so while fewer than queueMaxWaiting jobs
	// wait, jobs/s is about 16 × 1.9 jobs per call ÷ their mean (a
	// few stalled calls weigh as much as many quick ones).
	calls latencies
}

// errCount counts errors and keeps the first one's text.
type errCount struct {
	mu    sync.Mutex
	n     int
	first string
}

func (c *errCount) add(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		c.first = oneLine(msg, 300)
	}
	c.n++
}

func (c *errCount) get() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.first
}

func (c *errCount) String() string {
	n, first := c.get()
	if n == 0 {
		return "none"
	}
	return fmt.Sprintf("%d (first: %s)", n, first)
}

// countingHandler is river's logger: it drops river's chatter and counts
// what river logs at level ERROR (a failed fetch, a completion batch that
// did not commit, a lost leader election).
type countingHandler struct{ q *queueRun }

func (h countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h countingHandler) WithGroup(string) slog.Handler                { return h }
func (h countingHandler) Handle(_ context.Context, r slog.Record) error {
	var sb strings.Builder
	sb.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" || a.Key == "error" {
			sb.WriteString(": " + a.Value.String())
		}
		return true
	})
	if !h.q.closing.Load() {
		h.q.riverErrs.add(sb.String())
	}
	return nil
}

// runQueue runs one round: it empties the queue, starts the river clients
// and the producers, counts completions in the window after the warm-up,
// then stops everything within queueStopTimeout.
func runQueue(ctx context.Context, e *env, t *target) (sample, error) {
	servers, err := queueServers(ctx, t)
	if err != nil {
		return nil, err
	}
	if err := queueEmpty(ctx, servers[0]); err != nil {
		return nil, err
	}
	q := &queueRun{waiting: make(chan struct{}, queueMaxWaiting)}
	producers := make([][]int, queueClients) // producer ids, by client
	for p := 0; p < e.Clients; p++ {
		producers[p%queueClients] = append(producers[p%queueClients], p)
	}

	clients := make([]*river.Client[pgx.Tx], 0, queueClients)
	var pools []*pgxpool.Pool
	var unsubscribe []func()
	var readers sync.WaitGroup
	rctx, cancelRun := context.WithCancel(ctx)
	var once sync.Once
	// shutdown stops the clients (bounded: one that will not stop is left
	// behind with its pool), ends their subscriptions and waits for the
	// event readers, which hand over their latencies as they end.
	shutdown := func() {
		once.Do(func() {
			stopQueueClients(clients)
			for _, u := range unsubscribe {
				u()
			}
			cancelRun()
			readers.Wait()
			for _, p := range pools {
				closePool(p)
			}
		})
	}
	defer shutdown()
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[queueJobArgs]) error { return nil }))
	for i, srv := range servers {
		var tracer pgx.QueryTracer
		if queueStatements {
			st := &stmtTracer{q: q, label: fmt.Sprintf("client %d (%s:%d)", i+1, srv.Host, srv.Port), sum: map[string]time.Duration{}, n: map[string]int{}}
			tracer = st
			defer st.report(t.Name)
		}
		pool, err := queuePool(ctx, srv, len(producers[i])+8, tracer)
		if err != nil {
			return nil, fmt.Errorf("client %d's pool: %w", i+1, err)
		}
		pools = append(pools, pool)
		c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
			ID:      fmt.Sprintf("bench-%d", i+1),
			Logger:  slog.New(countingHandler{q}),
			Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: queueMaxWorkers}},
			Workers: workers,
		})
		if err != nil {
			return nil, fmt.Errorf("river client %d: %w", i+1, err)
		}
		events, cancelSub := c.SubscribeConfig(&river.SubscribeConfig{
			ChanSize: 10 * queueMaxWaiting,
			Kinds:    []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled, river.EventKindJobSnoozed},
		})
		unsubscribe = append(unsubscribe, cancelSub)
		readers.Add(1)
		go func() {
			defer readers.Done()
			q.readEvents(events)
		}()
		// The clients run under rctx (cancelling it is river's hard stop);
		// a Start that takes over 30 s is cut short the same way.
		hung := time.AfterFunc(30*time.Second, cancelRun)
		err = c.Start(rctx)
		hung.Stop()
		if err != nil {
			return nil, fmt.Errorf("river client %d start: %w", i+1, err)
		}
		clients = append(clients, c)
	}

	start := queueNow()
	q.measureFrom.Store(start + int64(e.Warmup))
	q.end.Store(start + int64(e.Warmup+e.Duration))
	pctx, stopProducers := context.WithCancel(ctx)
	defer stopProducers()
	var wg sync.WaitGroup
	for i, c := range clients {
		for _, p := range producers[i] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q.produce(pctx, c, p)
			}()
		}
	}
	select {
	case <-time.After(e.Warmup + e.Duration):
	case <-ctx.Done():
	}
	// What river logs from here on is the window's end cancelling the
	// producers' calls (an insert's notification, say), not a failure.
	q.closing.Store(true)
	stopProducers()
	wg.Wait()
	shutdown()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	res := sample{
		"throughput":               float64(q.completed.Load()) / e.Duration.Seconds(),
		"insert-to-completion p50": q.lat.percentile(50),
		"insert-to-completion p99": q.lat.percentile(99),
		"Insert call mean":         q.calls.mean(),
		"40001 retries":            float64(q.retries.Load()),
	}
	nFail, _ := q.failures.get()
	nRiver, _ := q.riverErrs.get()
	res["errors"] = float64(nFail + nRiver)
	if q.completed.Load() == 0 {
		return nil, fmt.Errorf("no job completed in the %s window: 40001 retries %d; insert errors and failed jobs: %s; errors river logged: %s",
			e.Duration, q.retries.Load(), q.failures.String(), q.riverErrs.String())
	}
	if nFail+nRiver > 0 {
		e.note(t, fmt.Sprintf("queue: insert errors and failed jobs: %s; errors river logged: %s", q.failures.String(), q.riverErrs.String()))
	}
	return res, nil
}

// produce inserts jobs on c until ctx ends: nine single Inserts, then one
// InsertMany of queueBatch jobs, each after taking a waiting slot per job.
func (q *queueRun) produce(ctx context.Context, c *river.Client[pgx.Tx], producer int) {
	for seq := producer; ctx.Err() == nil; seq++ {
		n := 1
		if seq%queueBatchEvery == queueBatchEvery-1 {
			n = queueBatch
		}
		for i := 0; i < n; i++ {
			select {
			case q.waiting <- struct{}{}:
			case <-ctx.Done():
				q.release(i)
				return
			}
		}
		// Latency counts from the first attempt: a 40001 retry is part of it.
		args := queueJobArgs{T: queueNow()}
		callStart := time.Now()
		for {
			var err error
			if n == 1 {
				_, err = c.Insert(ctx, args, nil)
			} else {
				params := make([]river.InsertManyParams, n)
				for i := range params {
					params[i].Args = args
				}
				_, err = c.InsertMany(ctx, params)
			}
			switch {
			case err == nil:
				if from := q.measureFrom.Load(); args.T >= from && args.T < q.end.Load() {
					q.latMu.Lock()
					q.calls = append(q.calls, time.Since(callStart))
					q.latMu.Unlock()
				}
			case ctx.Err() != nil:
				// The window ended during the call: not an error, and the
				// jobs may or may not be in; their slots stay taken.
				return
			case isRetryable(err):
				q.retries.Add(1)
				continue
			default:
				q.failures.add(err.Error())
				q.release(n)
				// A server that refuses every insert must not spin the CPU
				// the other targets' figures are measured on.
				select {
				case <-ctx.Done():
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
			break
		}
	}
}

func (q *queueRun) release(n int) {
	for i := 0; i < n; i++ {
		select {
		case <-q.waiting:
		default:
		}
	}
}

// readEvents counts one client's job events until its subscription ends.
func (q *queueRun) readEvents(events <-chan *river.Event) {
	var lat latencies
	defer func() {
		q.latMu.Lock()
		q.lat = append(q.lat, lat...)
		q.latMu.Unlock()
	}()
	for ev := range events {
		now := queueNow()
		q.release(1)
		if ev.Kind != river.EventKindJobCompleted {
			if !q.closing.Load() {
				msg := fmt.Sprintf("job %d %s", ev.Job.ID, ev.Kind)
				if n := len(ev.Job.Errors); n > 0 {
					msg += ": " + ev.Job.Errors[n-1].Error
				}
				q.failures.add(msg)
			}
			continue
		}
		from, end := q.measureFrom.Load(), q.end.Load()
		if end == 0 || now < from || now >= end {
			continue
		}
		q.completed.Add(1)
		var args queueJobArgs
		if err := json.Unmarshal(ev.Job.EncodedArgs, &args); err == nil && args.T >= from {
			lat = append(lat, time.Duration(now-args.T))
		}
	}
}

// queueEmpty deletes every job a previous round left, so each round starts
// from an empty queue.
func queueEmpty(ctx context.Context, t *target) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := t.exec(ctx, `TRUNCATE river_job`); err != nil {
		if err2 := t.exec(ctx, `DELETE FROM river_job`); err2 != nil {
			return fmt.Errorf("emptying river_job: %w", errors.Join(err, err2))
		}
	}
	return nil
}

// stopQueueClients stops the clients together, each within
// queueStopTimeout, then cancels the jobs of any still running; a client
// that does not stop even then is left behind.
func stopQueueClients(clients []*river.Client[pgx.Tx]) {
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), queueStopTimeout)
			defer cancel()
			if err := c.Stop(ctx); err == nil {
				return
			}
			ctx2, cancel2 := context.WithTimeout(context.Background(), queueStopTimeout)
			defer cancel2()
			if err := c.StopAndCancel(ctx2); err != nil {
				logf("[queue] river client %s did not stop: %v", c.ID(), err)
			}
		}()
	}
	wg.Wait()
}

// closePool closes a pool, giving up after queueStopTimeout (a connection
// a stuck client still holds keeps Close waiting).
func closePool(p *pgxpool.Pool) {
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(queueStopTimeout):
		logf("[queue] a connection pool did not close within %s; left behind", queueStopTimeout)
	}
}
