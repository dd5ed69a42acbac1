package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// scaleWorkload measures inserts into an empty table, then inserts and
// point selects against a table of
// -scale-rows rows (10 million in make bench) on the single-node targets,
// and the size on disk of each system's data directory afterwards.
// Loading takes minutes, so it runs only when -scale-rows is set.
func scaleWorkload() *workload {
	return &workload{
		Name: "scale",
		Desc: "autocommit INSERT and point SELECT against a table of -scale-rows rows; size on disk of the data directory",
		Metrics: []metricDef{
			{Name: "insert throughput, empty table", Unit: "rows/s"},
			{Name: "insert throughput", Unit: "rows/s"},
			{Name: "insert p99", Unit: "ms", LowerIsBetter: true},
			{Name: "select throughput", Unit: "queries/s"},
			{Name: "select p99", Unit: "ms", LowerIsBetter: true},
			{Name: "size on disk", Unit: "MiB", LowerIsBetter: true},
		},
		FailWord:     "failed",
		SetupTimeout: 60 * time.Minute,
		Setup: func(ctx context.Context, e *env, t *target) error {
			if err := t.exec(ctx, `DROP TABLE IF EXISTS bench_scale`,
				`CREATE TABLE bench_scale (id bigserial PRIMARY KEY, v text, n int)`); err != nil {
				return err
			}
			return loadScale(ctx, e, t, e.ScaleRows)
		},
		Run: func(ctx context.Context, e *env, t *target) (sample, error) {
			// The same inserts into an empty table just before, so the
			// goal's ratio is not machine drift between workloads.
			if err := t.exec(ctx, `DROP TABLE IF EXISTS bench_scale_empty`,
				`CREATE TABLE bench_scale_empty (id bigserial PRIMARY KEY, v text, n int)`); err != nil {
				return nil, err
			}
			empty, err := runInserts(ctx, t, "bench_scale_empty", e.Clients, e.Warmup, e.Duration)
			if err != nil {
				return nil, fmt.Errorf("inserts into an empty table: %w", err)
			}
			if err := t.exec(ctx, `DROP TABLE bench_scale_empty`); err != nil {
				return nil, err
			}
			ins, err := runInserts(ctx, t, "bench_scale", e.Clients, e.Warmup, e.Duration)
			if err != nil {
				return nil, fmt.Errorf("inserts: %w", err)
			}
			// Keys 1..ScaleRows were loaded; the inserts only add to them.
			sel, err := runPointSelects(ctx, t, "bench_scale", int64(e.ScaleRows), true, e.Clients, e.Warmup, e.Duration)
			if err != nil {
				return nil, fmt.Errorf("selects: %w", err)
			}
			return sample{
				"insert throughput, empty table": empty.perSecond(),
				"insert throughput":              ins.perSecond(), "insert p99": ins.Lat.percentile(99),
				"select throughput": sel.perSecond(), "select p99": sel.Lat.percentile(99),
				"size on disk": mib(diskUsage(t.DataDirs)),
			}, nil
		},
	}
}

// loadScale fills bench_scale with rows rows (ids from its sequence) in
// 10,000-row INSERT … SELECT generate_series statements, one transaction
// each, logging progress. A statement whose outcome is unknown (logdb's
// 40003, no answer from the raft log in time) or that failed to
// serialize is not repeated blindly: the loader counts the rows and goes
// on from there, and the figures get a note saying how often it happened.
func loadScale(ctx context.Context, e *env, t *target, rows int) error {
	c, err := t.connect(ctx)
	if err != nil {
		return err
	}
	defer closeAll([]*pgx.Conn{c})
	const batch = 10_000
	start := time.Now()
	nextLog := start.Add(30 * time.Second)
	unknown := 0
	for lo := 1; lo <= rows; {
		hi := min(lo+batch-1, rows)
		_, err := c.Exec(ctx, fmt.Sprintf(
			`INSERT INTO bench_scale (v, n) SELECT 'value-' || g, g %% 1000 FROM generate_series(%d, %d) g`, lo, hi))
		if err != nil {
			if !isRetryable(err) && sqlState(err) != "40003" || unknown >= 20 {
				return fmt.Errorf("loading bench_scale rows %d..%d: %w", lo, hi, err)
			}
			unknown++
			logf("[scale] %s: rows %d..%d: %v; counting the rows and going on", t.Name, lo, hi, err)
			var n int64
			if err := c.QueryRow(ctx, `SELECT count(*) FROM bench_scale`).Scan(&n); err != nil {
				return fmt.Errorf("counting bench_scale after an unknown outcome: %w", err)
			}
			lo = int(n) + 1
			continue
		}
		lo = hi + 1
		if now := time.Now(); now.After(nextLog) {
			logf("[scale] %s: %d of %d rows loaded (%.0f rows/s)", t.Name, hi, rows, float64(hi)/now.Sub(start).Seconds())
			nextLog = now.Add(30 * time.Second)
		}
	}
	logf("[scale] %s: %d rows loaded in %s", t.Name, rows, time.Since(start).Round(time.Second))
	if unknown > 0 {
		e.note(t, fmt.Sprintf("loading the scale table: %d statement(s) of 10,000 rows failed with an unknown outcome (40003) or a serialization failure; the loader counted the rows and went on", unknown))
	}
	return nil
}

// sqlState is err's SQLSTATE, "" when it has none.
func sqlState(err error) string {
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) {
		return pgErr.SQLState()
	}
	return ""
}

// diskUsage is the space the files under dirs take on disk (allocated
// blocks, not apparent sizes).
func diskUsage(dirs []string) int64 {
	var total int64
	for _, d := range dirs {
		filepath.WalkDir(d, func(_ string, de fs.DirEntry, err error) error {
			if err != nil {
				return nil // a file removed while we walk
			}
			if info, err := de.Info(); err == nil {
				if st, ok := info.Sys().(*syscall.Stat_t); ok {
					total += st.Blocks * 512
				}
			}
			return nil
		})
	}
	return total
}

// mib is bytes in MiB, NaN for nothing measured.
func mib(bytes int64) float64 {
	if bytes <= 0 {
		return math.NaN()
	}
	return float64(bytes) / (1 << 20)
}
