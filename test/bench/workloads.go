package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// metricDef names one figure a workload reports.
type metricDef struct {
	Name          string `json:"name"`
	Unit          string `json:"unit"`
	LowerIsBetter bool   `json:"lower_is_better"`
}

// sample is one round's figures, by metric name.
type sample map[string]float64

// workload runs the same client code against every target. Setup runs once
// per target before the rounds; Run once per round and returns every metric.
type workload struct {
	Name    string
	Desc    string
	Metrics []metricDef
	// FailWord prefixes a logdb error: "failed" for features logdb must
	// have, "unsupported" for ones still being built.
	FailWord string
	// Cluster: also run against the 3-node targets (-targets pg3,logdb3).
	Cluster bool
	// ClusterOnly: run against the 3-node targets only (reads on a
	// standby or follower, the broker pipeline).
	ClusterOnly bool
	// MinRounds, when above -rounds, is this workload's round count
	// outside -quick (the insert goal is a median of 3 runs).
	MinRounds int
	// SetupTimeout, when set, replaces setupTimeout (loading the scale
	// table takes minutes).
	SetupTimeout time.Duration
	Setup        func(ctx context.Context, e *env, t *target) error
	Run          func(ctx context.Context, e *env, t *target) (sample, error)
}

// missingTool is a set-up error for a tool this machine lacks (nats-server):
// the figure is skipped with this message, and the run goes on.
type missingTool struct{ msg string }

func (m *missingTool) Error() string { return m.msg }

// runsOn reports whether the workload runs against t.
func (w *workload) runsOn(t *target) bool {
	if len(t.Nodes) > 0 {
		return w.Cluster || w.ClusterOnly
	}
	return !w.ClusterOnly
}

// env is the run configuration every workload reads.
type env struct {
	Clients    int
	Duration   time.Duration
	Warmup     time.Duration
	SelectRows int
	ScaleRows  int // rows of the scale workload's table; 0: no scale workload
	PGBin      string
	WorkDir    string
	Quick      bool
	FanoutSubs []int

	// nats is the broker cluster of the broker workload, started by its
	// first set-up on pg3.
	nats *natsCluster
	// exits are stops for what workloads started (the NATS servers), run
	// when the run ends.
	exits []func()

	// notes collects remarks a workload makes about a system's figures
	// (e.g. a fallback it used), by target name. Only the main goroutine
	// touches it.
	notes map[string][]string
}

// atExit registers a stop to run when the run ends.
func (e *env) atExit(f func()) { e.exits = append(e.exits, f) }

// runExits runs the registered stops, newest first.
func (e *env) runExits() {
	for i := len(e.exits) - 1; i >= 0; i-- {
		e.exits[i]()
	}
	e.exits = nil
}

// note records a remark that goes under the table beside the figures.
func (e *env) note(t *target, msg string) {
	if e.notes == nil {
		e.notes = map[string][]string{}
	}
	e.notes[t.Name] = append(e.notes[t.Name], msg)
}

var (
	mThroughput = func(unit string) metricDef { return metricDef{Name: "throughput", Unit: unit} }
	mP50        = metricDef{Name: "p50 latency", Unit: "ms", LowerIsBetter: true}
	mP99        = metricDef{Name: "p99 latency", Unit: "ms", LowerIsBetter: true}
)

func insertWorkload() *workload {
	return &workload{
		Name:      "insert",
		Cluster:   true,
		MinRounds: 3,
		Desc:      "autocommit single-row INSERT, bigserial key",
		Metrics:   []metricDef{mThroughput("rows/s"), mP50, mP99},
		FailWord:  "failed",
		Setup: func(ctx context.Context, e *env, t *target) error {
			return t.exec(ctx, `DROP TABLE IF EXISTS bench_insert`,
				`CREATE TABLE bench_insert (id bigserial PRIMARY KEY, v text, n int)`)
		},
		Run: func(ctx context.Context, e *env, t *target) (sample, error) {
			res, err := runInserts(ctx, t, "bench_insert", e.Clients, e.Warmup, e.Duration)
			if err != nil {
				return nil, err
			}
			return sample{"throughput": res.perSecond(), "p50 latency": res.Lat.percentile(50), "p99 latency": res.Lat.percentile(99)}, nil
		},
	}
}

// runInserts drives autocommit single-row INSERTs into table (id
// bigserial, v text, n int) from clients connections to the server that
// takes writes.
func runInserts(ctx context.Context, t *target, table string, clients int, warmup, dur time.Duration) (loadResult, error) {
	pt, err := t.primary(ctx)
	if err != nil {
		return loadResult{}, err
	}
	conns, err := pt.connectN(ctx, clients)
	if err != nil {
		return loadResult{}, err
	}
	defer closeAll(conns)
	stmt := "INSERT INTO " + table + " (v, n) VALUES ($1, $2)"
	return drive(ctx, conns, warmup, dur, func(ctx context.Context, c *pgx.Conn, client, seq int) error {
		_, err := c.Exec(ctx, stmt, "payload-0123456789abcdef", client*1_000_000+seq)
		return err
	})
}

func selectWorkload() *workload {
	return pointSelectWorkload("select", "prepared point SELECT by primary key (3-node: on the primary / leader)", false)
}

// selectReplicaWorkload reads on a standby (pg3: not linearizable, it
// replays WAL after the commit is acknowledged) or a follower (logdb3:
// linearizable, through a read index).
func selectReplicaWorkload() *workload {
	return pointSelectWorkload("select-replica", "prepared point SELECT by primary key on a standby (PG, not linearizable) / follower (logdb, linearizable)", true)
}

func pointSelectWorkload(name, desc string, onReplica bool) *workload {
	return &workload{
		Name:        name,
		Desc:        desc,
		Cluster:     true,
		ClusterOnly: onReplica,
		Metrics:     []metricDef{mThroughput("queries/s"), mP50, mP99},
		FailWord:    "failed",
		Setup: func(ctx context.Context, e *env, t *target) error {
			if err := ensureSelectTable(ctx, t, e.SelectRows); err != nil {
				return err
			}
			return waitReplayed(ctx, t)
		},
		Run: func(ctx context.Context, e *env, t *target) (sample, error) {
			rt, err := t.primary(ctx)
			if onReplica {
				rt, err = t.replica(ctx)
			}
			if err != nil {
				return nil, err
			}
			res, err := runPointSelects(ctx, rt, "bench_select", int64(e.SelectRows), false, e.Clients, e.Warmup, e.Duration)
			if err != nil {
				return nil, err
			}
			return sample{"throughput": res.perSecond(), "p50 latency": res.Lat.percentile(50), "p99 latency": res.Lat.percentile(99)}, nil
		},
	}
}

// ensureSelectTable makes bench_select with ids 1..rows unless it is
// already there (the select workloads share it).
func ensureSelectTable(ctx context.Context, t *target, rows int) error {
	c, err := t.connect(ctx)
	if err != nil {
		return err
	}
	var n int64
	err = c.QueryRow(ctx, `SELECT count(*) FROM bench_select`).Scan(&n)
	closeAll([]*pgx.Conn{c})
	if err == nil && n == int64(rows) {
		return nil
	}
	if err := t.exec(ctx, `DROP TABLE IF EXISTS bench_select`,
		`CREATE TABLE bench_select (id bigint PRIMARY KEY, v text, n int)`); err != nil {
		return err
	}
	return loadRows(ctx, t, "bench_select", rows)
}

// runPointSelects drives prepared point SELECTs by a random key in
// 1..rows of table (id bigint, v text, n int); with gaps, a key that is
// not there is an answer too (the scale table's sequence can skip ids).
func runPointSelects(ctx context.Context, t *target, table string, rows int64, gaps bool, clients int, warmup, dur time.Duration) (loadResult, error) {
	conns, err := t.connectN(ctx, clients)
	if err != nil {
		return loadResult{}, err
	}
	defer closeAll(conns)
	rngs := make([]*rand.Rand, len(conns))
	for i := range rngs {
		rngs[i] = rand.New(rand.NewPCG(uint64(i), 42))
	}
	stmt := "SELECT v, n FROM " + table + " WHERE id = $1"
	return drive(ctx, conns, warmup, dur, func(ctx context.Context, c *pgx.Conn, client, seq int) error {
		id := rngs[client].Int64N(rows) + 1
		var v string
		var k int32
		if err := c.QueryRow(ctx, stmt, id).Scan(&v, &k); err != nil && !(gaps && errors.Is(err, pgx.ErrNoRows)) {
			return fmt.Errorf("id %d: %w", id, err)
		}
		return nil
	})
}

// loadRows fills table (id bigint, v text, n int) with ids 1..rows using
// multi-row INSERTs of 1000 rows (COPY may not exist everywhere), then
// checks the count.
func loadRows(ctx context.Context, t *target, table string, rows int) error {
	c, err := t.connect(ctx)
	if err != nil {
		return err
	}
	defer closeAll([]*pgx.Conn{c})
	const batch = 1000
	var sb strings.Builder
	for lo := 1; lo <= rows; lo += batch {
		sb.Reset()
		fmt.Fprintf(&sb, "INSERT INTO %s (id, v, n) VALUES ", table)
		for id := lo; id < lo+batch && id <= rows; id++ {
			if id > lo {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d,'value-%08d',%d)", id, id, id%1000)
		}
		if _, err := c.Exec(ctx, sb.String()); err != nil {
			return fmt.Errorf("loading %s rows %d..: %w", table, lo, err)
		}
	}
	var got int64
	if err := c.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&got); err != nil {
		return fmt.Errorf("counting %s: %w", table, err)
	}
	if got != int64(rows) {
		return fmt.Errorf("%s has %d rows after loading %d", table, got, rows)
	}
	return nil
}
