package main

import (
	"context"
	"fmt"
	"github.com/jackc/pgx/v5"
	"math"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// tpcbWorkload runs pgbench's built-in TPC-B-like script with pgbench itself.
func tpcbWorkload() *workload {
	return &workload{
		Name: "tpcb",
		Desc: "pgbench TPC-B-like, scale 1, -M prepared, --max-tries=10",
		Metrics: []metricDef{
			mThroughput("tps"),
			{Name: "avg latency", Unit: "ms", LowerIsBetter: true},
			{Name: "failed txns", Unit: "%", LowerIsBetter: true},
		},
		FailWord: "failed",
		Setup: func(ctx context.Context, e *env, t *target) error {
			_, err := pgbench(ctx, e, t, "-i", "-s", "1", "-q")
			if err == nil || t.Kind == kindPG {
				return err
			}
			// Still measure the transactions: build the same tables with
			// plain DDL and multi-row INSERTs, and say so under the table.
			if ferr := initPgbenchTables(ctx, t); ferr != nil {
				return fmt.Errorf("%w; harness fallback (CREATE TABLE + INSERT) failed too: %v", err, ferr)
			}
			e.note(t, "`pgbench -i` failed ("+strings.Join(strings.Fields(err.Error()), " ")+
				"); tables created and loaded by the harness with CREATE TABLE + multi-row INSERT instead")
			return nil
		},
		Run: func(ctx context.Context, e *env, t *target) (sample, error) {
			args := []string{"-c", strconv.Itoa(e.Clients), "-j", "2", "-M", "prepared", "--max-tries=10", "-n"}
			if e.Warmup > 0 {
				if _, err := pgbench(ctx, e, t, append(args, "-T", seconds(e.Warmup))...); err != nil {
					return nil, fmt.Errorf("warm-up: %w", err)
				}
			}
			out, err := pgbench(ctx, e, t, append(args, "-T", seconds(e.Duration))...)
			if err != nil {
				return nil, err
			}
			return parsePgbench(out)
		},
	}
}

// seconds renders d as pgbench's whole seconds, at least 1.
func seconds(d time.Duration) string {
	return strconv.Itoa(int(math.Max(1, math.Round(d.Seconds()))))
}

func pgbench(ctx context.Context, e *env, t *target, args ...string) (string, error) {
	full := append([]string{"-h", t.Host, "-p", strconv.Itoa(t.Port), "-U", t.User}, args...)
	full = append(full, t.DB)
	cmd := exec.CommandContext(ctx, filepath.Join(e.PGBin, "pgbench"), full...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pgbench %s: %w: %s", strings.Join(args, " "), err, lastLines(string(out), 3))
	}
	return string(out), nil
}

var (
	reTPS     = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	reLatency = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	reFailed  = regexp.MustCompile(`(?m)^number of failed transactions: \d+ \(([0-9.]+)%\)`)
)

func parsePgbench(out string) (sample, error) {
	m := reTPS.FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("no tps in pgbench output: %s", lastLines(out, 3))
	}
	s := sample{}
	s["throughput"], _ = strconv.ParseFloat(m[1], 64)
	s["avg latency"] = math.NaN()
	if m := reLatency.FindStringSubmatch(out); m != nil {
		s["avg latency"], _ = strconv.ParseFloat(m[1], 64)
	}
	// pgbench's own share: failed ÷ (processed + failed + skipped).
	s["failed txns"] = 0
	if m := reFailed.FindStringSubmatch(out); m != nil {
		s["failed txns"], _ = strconv.ParseFloat(m[1], 64)
	}
	return s, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// initPgbenchTables creates pgbench's scale-1 tables as `pgbench -i -s 1`
// would (same columns, keys and contents), without COPY or ALTER TABLE.
func initPgbenchTables(ctx context.Context, t *target) error {
	const accounts = 100_000
	err := t.exec(ctx,
		`DROP TABLE IF EXISTS pgbench_accounts`,
		`DROP TABLE IF EXISTS pgbench_branches`,
		`DROP TABLE IF EXISTS pgbench_history`,
		`DROP TABLE IF EXISTS pgbench_tellers`,
		`CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))`,
		`CREATE TABLE pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int, filler char(84))`,
		`CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))`,
		`CREATE TABLE pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88))`,
		`INSERT INTO pgbench_branches (bid, bbalance) VALUES (1, 0)`,
		`INSERT INTO pgbench_tellers (tid, bid, tbalance) VALUES (1,1,0),(2,1,0),(3,1,0),(4,1,0),(5,1,0),(6,1,0),(7,1,0),(8,1,0),(9,1,0),(10,1,0)`)
	if err != nil {
		return err
	}
	c, err := t.connect(ctx)
	if err != nil {
		return err
	}
	defer closeAll([]*pgx.Conn{c})
	var sb strings.Builder
	for lo := 1; lo <= accounts; lo += 1000 {
		sb.Reset()
		sb.WriteString("INSERT INTO pgbench_accounts (aid, bid, abalance, filler) VALUES ")
		for aid := lo; aid < lo+1000; aid++ {
			if aid > lo {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d,1,0,'')", aid)
		}
		if _, err := c.Exec(ctx, sb.String()); err != nil {
			return fmt.Errorf("loading pgbench_accounts from %d: %w", lo, err)
		}
	}
	return nil
}
