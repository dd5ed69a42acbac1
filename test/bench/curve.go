package main

import (
	"context"
	"fmt"
	"time"
)

// curveClients are the client counts of the insert curve (issue 17).
var curveClients = []int{1, 4, 16, 64}

func curveRateMetric(n int) string { return fmt.Sprintf("rows/s, %d clients", n) }
func curveP99Metric(n int) string  { return fmt.Sprintf("p99, %d clients", n) }

// insertCurveWorkload measures autocommit insert throughput and p99
// latency at 1, 4, 16 and 64 clients on every target, single node and
// three nodes; make bench draws them as an SVG chart (chart.go).
func insertCurveWorkload() *workload {
	var metrics []metricDef
	for _, n := range curveClients {
		metrics = append(metrics,
			metricDef{Name: curveRateMetric(n), Unit: "rows/s"},
			metricDef{Name: curveP99Metric(n), Unit: "ms", LowerIsBetter: true})
	}
	return &workload{
		Name:     "insert-curve",
		Desc:     "autocommit single-row INSERT at 1, 4, 16, 64 clients (half -duration each)",
		Metrics:  metrics,
		FailWord: "failed",
		Cluster:  true,
		Setup: func(ctx context.Context, e *env, t *target) error {
			return t.exec(ctx, `DROP TABLE IF EXISTS bench_curve`,
				`CREATE TABLE bench_curve (id bigserial PRIMARY KEY, v text, n int)`)
		},
		Run: func(ctx context.Context, e *env, t *target) (sample, error) {
			s := sample{}
			dur := e.Duration / 2
			if dur < time.Second {
				dur = time.Second
			}
			for _, n := range curveClients {
				res, err := runInserts(ctx, t, "bench_curve", n, e.Warmup, dur)
				if err != nil {
					return nil, fmt.Errorf("%d clients: %w", n, err)
				}
				s[curveRateMetric(n)] = res.perSecond()
				s[curveP99Metric(n)] = res.Lat.percentile(99)
			}
			return s, nil
		},
	}
}
