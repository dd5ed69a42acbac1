package test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// riverArgs is the test's job: its sequence number.
type riverArgs struct {
	Seq int `json:"seq"`
}

func (riverArgs) Kind() string { return "logdb_test" }

// riverExecution is one run of a job by a worker.
type riverExecution struct {
	node    uint64    // the node the worker's client is connected to
	started time.Time // when the worker began it
	attempt int
}

// riverLedger records every execution of every job, across the clients.
type riverLedger struct {
	mu   sync.Mutex
	runs map[int64][]riverExecution
	done atomic.Int64 // executions
}

type riverWorker struct {
	river.WorkerDefaults[riverArgs]
	node   uint64
	ledger *riverLedger
}

func (w *riverWorker) Work(ctx context.Context, job *river.Job[riverArgs]) error {
	w.ledger.mu.Lock()
	w.ledger.runs[job.ID] = append(w.ledger.runs[job.ID], riverExecution{node: w.node, started: time.Now(), attempt: job.Attempt})
	w.ledger.mu.Unlock()
	w.ledger.done.Add(1)
	return nil
}

// riverErrorCounter is a slog handler that counts the error records a
// river client logs (and keeps the first few), so the test can tell
// whether its maintenance keeps failing.
type riverErrorCounter struct {
	mu            sync.Mutex
	count         int
	serialization int // errors with SQLSTATE 40001
	sample        []string
}

func (h *riverErrorCounter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *riverErrorCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelError {
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	h.count++
	if strings.Contains(b.String(), "40001") {
		h.serialization++
	}
	if len(h.sample) < 5 {
		h.sample = append(h.sample, b.String())
	}
	h.mu.Unlock()
	return nil
}
func (h *riverErrorCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *riverErrorCounter) WithGroup(string) slog.Handler      { return h }

func (h *riverErrorCounter) count40001() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.serialization
}

func (h *riverErrorCounter) snapshot() (int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count, append([]string(nil), h.sample...)
}

// TestClusterRiver runs river (github.com/riverqueue/river with
// riverpgxv5) on a three-node cluster as its users run it: rivermigrate
// up, down and up; a client on each node (a pgxpool to that node)
// inserting jobs and working them; one node killed with kill -9 and
// restarted while the jobs are worked. Every job completes; a job run
// twice (river is at-least-once) must have been in flight on the killed
// node. It also checks river's leader election and maintenance (the
// rescuer and the cleaner run on the leader) and that insert notifications
// (pg_notify through the log) wake the other nodes' clients. N is 1,000;
// LOGDB_CHAOS=1 runs the 10,000.
func TestClusterRiver(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	jobs := 1000
	if os.Getenv("LOGDB_CHAOS") != "" {
		jobs = 10000
	}
	c := mustStartCluster(t, 3)
	ctx := testCtx(t, 600*time.Second)
	pools := map[uint64]*pgxpool.Pool{}
	for id := uint64(1); id <= 3; id++ {
		cfg, err := pgxpool.ParseConfig(fmt.Sprintf("postgres://logdb@%s/logdb?sslmode=disable&connect_timeout=5", c.Nodes[id].Addr))
		if err != nil {
			t.Fatal(err)
		}
		cfg.MaxConns = 12
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		pools[id] = pool
	}

	// rivermigrate: every migration up, all the way down, up again
	migrator, err := rivermigrate.New(riverpgxv5.New(pools[1]), nil)
	if err != nil {
		t.Fatal(err)
	}
	up, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		t.Fatalf("rivermigrate up: %v", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1}); err != nil {
		t.Fatalf("rivermigrate down: %v", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		t.Fatalf("rivermigrate up again: %v", err)
	}
	t.Logf("rivermigrate: %d migrations up, down, up", len(up.Versions))

	// the node to kill: a follower (killing the leader is TestClusterKill9EachNode's)
	leader := c.mustLeader(ctx)
	victim := uint64(3)
	if leader == victim {
		victim = 2
	}

	ledger := &riverLedger{runs: map[int64][]riverExecution{}}
	clients := map[uint64]*river.Client[pgx.Tx]{}
	logs := map[uint64]*riverErrorCounter{}
	for id := uint64(1); id <= 3; id++ {
		workers := river.NewWorkers()
		river.AddWorker(workers, &riverWorker{node: id, ledger: ledger})
		logs[id] = &riverErrorCounter{}
		client, err := river.NewClient(riverpgxv5.New(pools[id]), &river.Config{
			ID:                   fmt.Sprintf("node%d", id),
			Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}},
			Workers:              workers,
			Logger:               slog.New(logs[id]),
			JobTimeout:           5 * time.Second,
			RescueStuckJobsAfter: 10 * time.Second,
			FetchPollInterval:    2 * time.Second, // fetches between are woken by insert notifications
		})
		if err != nil {
			t.Fatal(err)
		}
		clients[id] = client
	}
	// the victim's client starts first, so it is river's leader when its
	// node dies and another client's election starts the maintenance anew
	start := func(id uint64) {
		if err := clients[id].Start(ctx); err != nil {
			t.Fatalf("start river client on node %d: %v", id, err)
		}
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			clients[id].Stop(stopCtx)
		})
	}
	// jobs cancelled more than a day ago, for the cleaner that runs when a
	// client becomes the leader to delete
	probe := mustClusterConn(t, ctx, c, 1)
	mustExec(t, ctx, probe, `INSERT INTO river_job (kind, max_attempts, state, finalized_at, args)
		SELECT 'logdb_test_old', 25, 'cancelled'::river_job_state, now() - interval '25 hours', '{}'::jsonb FROM generate_series(1, 3)`)
	start(victim)
	waitRiverLeader(t, ctx, pools[1], fmt.Sprintf("node%d", victim))
	for id := uint64(1); id <= 3; id++ {
		if id != victim {
			start(id)
		}
	}

	// each client inserts its share in batches while all of them work
	began := time.Now()
	var insertMu sync.Mutex
	inserted := map[int64]bool{}
	insertErrs := make(chan error, 3)
	victimInserted := make(chan struct{})
	var inserters sync.WaitGroup
	for id := uint64(1); id <= 3; id++ {
		inserters.Add(1)
		go func() {
			defer inserters.Done()
			if id == victim {
				defer close(victimInserted)
			}
			share := jobs / 3
			if id == 1 {
				share += jobs % 3
			}
			for done := 0; done < share; {
				n := min(50, share-done)
				params := make([]river.InsertManyParams, n)
				for i := range params {
					params[i] = river.InsertManyParams{Args: riverArgs{Seq: int(id)*1_000_000 + done + i}}
				}
				res, err := clients[id].InsertMany(ctx, params)
				if err != nil {
					insertErrs <- fmt.Errorf("node %d InsertMany: %v", id, err)
					return
				}
				insertMu.Lock()
				for _, r := range res {
					inserted[r.Job.ID] = true
				}
				insertMu.Unlock()
				done += n
			}
		}()
	}

	// kill -9 the victim once a third of the jobs ran (and its client's
	// inserts are in: an insert cut by the kill is ambiguous), then restart it
	<-victimInserted
	for ledger.done.Load() < int64(jobs/3) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond) // polling the ledger, not waiting out a race
	}
	c.Kill9(victim)
	killed := time.Now()
	c.Restart(victim)
	restarted := time.Now()
	t.Logf("node %d killed with %d of %d executions done, serving again after %s", victim, ledger.done.Load(), jobs, restarted.Sub(killed).Round(time.Millisecond))
	inserters.Wait()
	close(insertErrs)
	for err := range insertErrs {
		t.Fatal(err)
	}
	if len(inserted) != jobs {
		t.Fatalf("%d jobs inserted, want %d", len(inserted), jobs)
	}

	// every job completes (the killed node's stuck ones through the rescuer)
	for {
		n := queryInt(t, ctx, probe, "SELECT count(*) FROM river_job WHERE kind = 'logdb_test' AND state = 'completed'")
		if n == int64(jobs) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%d of %d jobs completed: %s", n, jobs, queryText(t, ctx, probe, "SELECT state, count(*) FROM river_job GROUP BY state ORDER BY state"))
		}
		time.Sleep(100 * time.Millisecond) // polling the table for a condition
	}
	elapsed := time.Since(began)
	errorsAtEnd := map[uint64]int{}
	serialization := 0
	for id := uint64(1); id <= 3; id++ {
		n, sample := logs[id].snapshot()
		errorsAtEnd[id] = n
		serialization += logs[id].count40001()
		if n > 0 {
			t.Logf("river client on node %d logged %d errors while working, first: %s", id, n, strings.Join(sample, " | "))
		}
	}

	// each job ran; a job that ran twice ran first on the killed node's
	// client before the node was back
	ledger.mu.Lock()
	duplicates, rescued := 0, 0
	for id := range inserted {
		runs := ledger.runs[id]
		if len(runs) == 0 {
			t.Errorf("job %d completed without an execution", id)
			continue
		}
		for _, r := range runs[:len(runs)-1] {
			duplicates++
			if r.node != victim || r.started.After(restarted) {
				t.Errorf("job %d ran %d times: a run on node %d at %s (kill at %s, back at %s)", id, len(runs), r.node,
					r.started.Format(time.RFC3339Nano), killed.Format(time.RFC3339Nano), restarted.Format(time.RFC3339Nano))
			}
		}
		if runs[len(runs)-1].attempt > 1 {
			rescued++
		}
	}
	ledger.mu.Unlock()

	// the cleaner deleted the cancelled jobs; a leader holds the election
	for queryInt(t, ctx, probe, "SELECT count(*) FROM river_job WHERE state = 'cancelled'") != 0 {
		if ctx.Err() != nil {
			t.Fatal("the job cleaner did not delete the cancelled jobs")
		}
		time.Sleep(100 * time.Millisecond) // polling for the cleaner's run
	}
	waitRiverLeader(t, ctx, pools[1], "")

	// an insert through the killed node's client notifies a listener on
	// another node (river_insert, pg_notify through the log), and is worked
	other := uint64(1)
	listener := mustClusterConn(t, ctx, c, other)
	mustExec(t, ctx, listener, `LISTEN "public.river_insert"`)
	res, err := clients[victim].Insert(ctx, riverArgs{Seq: -100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := listener.WaitForNotification(ctx); err != nil {
		t.Errorf("no river_insert notification from node %d reached node %d: %v", victim, other, err)
	}
	for queryText(t, ctx, probe, "SELECT state FROM river_job WHERE id = $1", res.Job.ID) != "completed" {
		if ctx.Err() != nil {
			t.Fatal("the job inserted after the restart was not worked")
		}
		time.Sleep(50 * time.Millisecond) // polling for the job's completion
	}

	// once the jobs are done and the node back, the clients' maintenance
	// (election, rescuer, cleaner, notifier) logs no more errors
	for id := uint64(1); id <= 3; id++ {
		if n, sample := logs[id].snapshot(); n != errorsAtEnd[id] {
			t.Errorf("river client on node %d logged %d errors after the jobs were done: %s", id, n-errorsAtEnd[id], strings.Join(sample, " | "))
		}
	}
	t.Logf("river: %d jobs on 3 nodes in %s (%.0f jobs/s), node %d killed mid-run; %d duplicate executions, %d jobs finished by a retry after rescue; 40001s in river's log: %d",
		jobs, elapsed.Round(time.Millisecond), float64(jobs)/elapsed.Seconds(), victim, duplicates, rescued, serialization)
}

// waitRiverLeader waits until river_leader names a live leader (want, if
// not empty).
func waitRiverLeader(t *testing.T, ctx context.Context, pool *pgxpool.Pool, want string) {
	t.Helper()
	for {
		var leader string
		err := pool.QueryRow(ctx, "SELECT leader_id FROM river_leader WHERE expires_at > now()").Scan(&leader)
		if err == nil && (want == "" || leader == want) {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("no river leader (want %q): %v", want, err)
		}
		time.Sleep(50 * time.Millisecond) // polling the election's table
	}
}
