package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
)

// fanoutWorkload measures how many rows per second the changefeed delivers
// when N subscribers follow one table while a writer inserts into it in
// 100-row transactions. PostgreSQL: one replication connection and slot per
// subscriber. logdb: one COPY (SUBSCRIBE bench_fanout) per subscriber.
func fanoutWorkload(levels []int) *workload {
	var metrics []metricDef
	for _, n := range levels {
		metrics = append(metrics,
			metricDef{Name: feedMetric(n), Unit: "rows/s, all subscribers"},
			metricDef{Name: writeMetric(n), Unit: "rows/s"})
	}
	return &workload{
		Name:     "fanout",
		Desc:     "1 writer (100-row txns), N subscribers; feed = rows delivered to all subscribers per second",
		Metrics:  metrics,
		FailWord: "unsupported",
		Setup: func(ctx context.Context, e *env, t *target) error {
			stmts := []string{`DROP TABLE IF EXISTS bench_fanout`,
				`CREATE TABLE bench_fanout (id bigserial PRIMARY KEY, v text, n int)`}
			if t.Kind == kindPG {
				stmts = append([]string{`DROP PUBLICATION IF EXISTS bench_fanout_pub`}, stmts...)
				stmts = append(stmts, `CREATE PUBLICATION bench_fanout_pub FOR TABLE bench_fanout`)
			}
			return t.exec(ctx, stmts...)
		},
		Run: func(ctx context.Context, e *env, t *target) (sample, error) {
			s := sample{}
			for _, n := range levels {
				feed, write, err := runFanout(ctx, e, t, n)
				if err != nil {
					return nil, fmt.Errorf("%d subscribers: %w", n, err)
				}
				s[feedMetric(n)] = feed
				s[writeMetric(n)] = write
			}
			return s, nil
		},
	}
}

func feedMetric(n int) string  { return fmt.Sprintf("feed, %d subscriber(s)", n) }
func writeMetric(n int) string { return fmt.Sprintf("writes, %d subscriber(s)", n) }

const fanoutBatch = 100

var fanoutInsert = func() string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO bench_fanout (v, n) VALUES ")
	for i := 0; i < fanoutBatch; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "('fan-out row %03d', %d)", i, i)
	}
	return sb.String()
}()

var fanoutRound atomic.Int64

// runFanout returns the rows/s delivered to all n subscribers together
// inside the window, and the rows/s written.
func runFanout(ctx context.Context, e *env, t *target, n int) (feed, write float64, err error) {
	cctx, stopConsumers := context.WithCancel(ctx)
	defer stopConsumers()
	round := fanoutRound.Add(1)

	var window struct {
		sync.RWMutex
		from, to time.Time
	}
	var delivered, total atomic.Int64
	count := func(now time.Time, rows int64) {
		total.Add(rows)
		window.RLock()
		in := !now.Before(window.from) && now.Before(window.to)
		window.RUnlock()
		if in {
			delivered.Add(rows)
		}
	}

	errs := make(chan error, n)
	var wg sync.WaitGroup
	readies := make([]chan error, n)
	for i := 0; i < n; i++ {
		ready := make(chan error, 1)
		readies[i] = ready
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var err error
			if t.Kind == kindPG {
				slot := fmt.Sprintf("bench_fan_%d_%d", round, i)
				err = consumePG(cctx, t, slot, "bench_fanout_pub", ready, func(now time.Time, _ *pglogrepl.RelationMessage, _ *pglogrepl.TupleData) {
					count(now, 1)
				})
			} else {
				err = consumeLogdb(cctx, t, `SUBSCRIBE bench_fanout`, ready, func(now time.Time, op, _ []byte) {
					if string(op) == "insert" {
						count(now, 1)
					}
				})
			}
			if err != nil {
				errs <- fmt.Errorf("subscriber %d: %w", i, err)
			}
		}(i)
		// PostgreSQL: create the slots one at a time, so each builds its
		// snapshot while no other slot creation is in flight. logdb's
		// subscriptions start together.
		if t.Kind == kindPG {
			if err := <-ready; err != nil {
				return 0, 0, fmt.Errorf("subscriber %d: %w", i, err)
			}
		}
	}
	if t.Kind != kindPG {
		for i, ready := range readies {
			if err := <-ready; err != nil {
				return 0, 0, fmt.Errorf("subscriber %d: %w", i, err)
			}
		}
	}

	writer, err := t.connect(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer closeAll([]*pgx.Conn{writer})
	window.Lock()
	window.from = time.Now().Add(e.Warmup)
	window.to = window.from.Add(e.Duration)
	window.Unlock()
	var written atomic.Int64
	res, err := drive(ctx, []*pgx.Conn{writer}, e.Warmup, e.Duration, func(ctx context.Context, c *pgx.Conn, _, _ int) error {
		_, err := c.Exec(ctx, fanoutInsert)
		if err == nil {
			written.Add(fanoutBatch)
		}
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("writer: %w", err)
	}
	// Keep consuming to the end of the window's deliveries, then stop.
	want := written.Load() * int64(n)
	deadline := time.Now().Add(5 * time.Second)
	for total.Load() < want && time.Now().Before(deadline) {
		select {
		case err := <-errs:
			return 0, 0, err
		case <-time.After(20 * time.Millisecond):
		}
	}
	stopConsumers()
	wg.Wait()
	select {
	case err := <-errs:
		return 0, 0, err
	default:
	}
	return float64(delivered.Load()) / e.Duration.Seconds(), float64(res.Ops*fanoutBatch) / e.Duration.Seconds(), nil
}
