// Command bench runs the same workloads against a throwaway PostgreSQL 15 and
// a fresh logdb, alternating between them, and prints one table of figures
// with the ratio logdb ÷ PostgreSQL. See README.md beside this file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is the parsed command line.
type config struct {
	env
	Quick      bool
	JSONPath   string
	LogdbBin   string
	LogdbUser  string
	LogdbDB    string
	Workloads  []string
	Targets    []string
	Rounds     int
	FsyncSecs  int
	FanoutList string
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.BoolVar(&c.Quick, "quick", false, "a few seconds per workload, one round, small tables (CI)")
	fs.StringVar(&c.JSONPath, "json", "bench-results.json", "write every figure to this JSON file (empty: none)")
	fs.StringVar(&c.LogdbBin, "logdb-bin", "bin/logdb", "logdb binary to benchmark")
	fs.StringVar(&c.LogdbUser, "logdb-user", "logdb", "user to connect to logdb as")
	fs.StringVar(&c.LogdbDB, "logdb-db", "logdb", "database to connect to on logdb")
	fs.StringVar(&c.PGBin, "pg-bin", "/usr/lib/postgresql/15/bin", "PostgreSQL 15 binaries (initdb, postgres, pgbench, pg_test_fsync)")
	workloads := fs.String("workloads", "insert,select,select-replica,tpcb,outbox,pgoutput,fanout,broker,queue,insert-curve,scale", "comma-separated workloads to run")
	targets := fs.String("targets", "pg,logdb", "comma-separated systems to run: pg, logdb, pg3 (a primary and two quorum-synchronous standbys on this machine), logdb3 (a 3-node cluster on this machine); the 3-node targets run the cluster workloads only")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "measured time per workload per round (-quick: 3s)")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "unmeasured warm-up before each measurement (-quick: 500ms)")
	fs.IntVar(&c.Clients, "clients", 16, "concurrent clients")
	fs.IntVar(&c.Rounds, "rounds", 2, "rounds per system, alternating PostgreSQL and logdb (-quick: 1); the median is reported")
	fs.IntVar(&c.SelectRows, "select-rows", 100_000, "rows in the point-select table (-quick: 10000)")
	fs.IntVar(&c.ScaleRows, "scale-rows", 0, "rows in the scale workload's table (make bench: 10 million); 0: no scale workload")
	fs.StringVar(&c.FanoutList, "fanout-subs", "1,10,100", "subscriber counts for the fan-out workload")
	fs.IntVar(&c.FsyncSecs, "fsync-secs", 2, "seconds per pg_test_fsync test (0: skip; -quick: 1)")
	fs.StringVar(&c.WorkDir, "workdir", os.TempDir(), "where the temporary data directories go (the disk being measured)")
	fs.StringVar(&profileDir, "profile-dir", "", "write CPU times, Go CPU profiles of logdb nodes (--pprof) and perf profiles of PostgreSQL process trees for every measured window to this directory")
	fs.StringVar(&subscribeMode, "logdb-subscribe", "auto", "how logdb subscribers read: copy (COPY (SUBSCRIBE …) TO STDOUT), fetch (DECLARE … CURSOR FOR SUBSCRIBE + FETCH), auto (copy, else fetch)")
	fs.BoolVar(&queueStatements, "queue-statements", false, "log each river client's mean latency per statement (BEGIN, river's queries, COMMIT) over the queue workload's measured window")
	fs.StringVar(&queueOn, "queue-clients-on", "spread", "where logdb3's river clients connect: spread (one per node) or leader (all on the leader, as the trio's are all on its primary)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if queueOn != "spread" && queueOn != "leader" {
		return c, fmt.Errorf("-queue-clients-on: %q is neither spread nor leader", queueOn)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.Quick {
		quick := map[string]func(){
			"duration":    func() { c.Duration = 3 * time.Second },
			"warmup":      func() { c.Warmup = 500 * time.Millisecond },
			"rounds":      func() { c.Rounds = 1 },
			"select-rows": func() { c.SelectRows = 10_000 },
			"fsync-secs":  func() { c.FsyncSecs = 1 },
		}
		for name, apply := range quick {
			if !set[name] {
				apply()
			}
		}
	}
	if profileDir != "" {
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			return c, fmt.Errorf("-profile-dir: %w", err)
		}
	}
	switch subscribeMode {
	case "auto", "copy", "fetch":
	default:
		return c, fmt.Errorf("-logdb-subscribe: %q is not copy, fetch or auto", subscribeMode)
	}
	c.env.Quick = c.Quick
	c.Workloads = splitList(*workloads)
	c.Targets = splitList(*targets)
	for _, s := range splitList(c.FanoutList) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return c, fmt.Errorf("-fanout-subs: %q is not a positive integer", s)
		}
		c.env.FanoutSubs = append(c.env.FanoutSubs, n)
	}
	if c.Clients < 1 || c.Rounds < 1 || c.Duration <= 0 || c.SelectRows < 1 {
		return c, errors.New("-clients, -rounds, -duration and -select-rows must be positive")
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func allWorkloads(c config) map[string]*workload {
	return map[string]*workload{
		"insert":         insertWorkload(),
		"select":         selectWorkload(),
		"select-replica": selectReplicaWorkload(),
		"tpcb":           tpcbWorkload(),
		"outbox":         outboxWorkload(),
		"pgoutput":       pgoutputWorkload(),
		"fanout":         fanoutWorkload(c.env.FanoutSubs),
		"broker":         brokerWorkload(),
		"queue":          queueWorkload(),
		"insert-curve":   insertCurveWorkload(),
		"scale":          scaleWorkload(),
	}
}

func workloadNames(m map[string]*workload) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// run returns the exit code: 0 when the harness worked (whatever logdb
// lacks), 1 when the harness itself broke (PostgreSQL would not start or a
// PostgreSQL workload failed), 2 on bad flags, 130 when interrupted.
func run(args []string) int {
	c, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	known := allWorkloads(c)
	var wls []*workload
	for _, name := range c.Workloads {
		w, ok := known[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "bench: unknown workload %q (have %s)\n", name, strings.Join(workloadNames(known), ", "))
			return 2
		}
		if name == "scale" && c.ScaleRows <= 0 {
			continue // behind -scale-rows: loading takes minutes
		}
		wls = append(wls, w)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep := &report{Date: time.Now().UTC(), Machine: describeMachine(), Config: c.summary(), ScaleRows: c.ScaleRows,
		hasTarget: map[string]bool{}}
	for _, t := range c.Targets {
		rep.hasTarget[t] = true
	}
	if c.FsyncSecs > 0 {
		logf("measuring the disk's sync rate (pg_test_fsync -s %d) …", c.FsyncSecs)
		f := measureFsync(ctx, c.PGBin, c.WorkDir, c.FsyncSecs)
		rep.Fsync = &f
	}

	var targets []*target
	harnessBroken := false
	for _, name := range c.Targets {
		switch name {
		case "pg", "postgres", "postgresql":
			logf("starting PostgreSQL 15 (%s) …", c.PGBin)
			t, err := startPostgres(ctx, c.PGBin, c.WorkDir)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench: PostgreSQL did not start:", err)
				stopAll(targets)
				if ctx.Err() != nil {
					return 130
				}
				return 1
			}
			logf("PostgreSQL on 127.0.0.1:%d", t.Port)
			targets = append(targets, t)
		case "pg3":
			logf("starting PostgreSQL 15 primary + 2 quorum-synchronous standbys (%s) …", c.PGBin)
			t, err := startPostgres3(ctx, c.PGBin, c.WorkDir)
			if err != nil {
				if ctx.Err() != nil {
					stopAll(targets)
					return 130
				}
				logf("pg3 did not start: %v", err)
				t = &target{ID: "pg3", Name: "PostgreSQL 3-node", Kind: kindPG, Err: fmt.Errorf("did not start: %s", oneLine(err.Error(), 600))}
			} else {
				logf("PostgreSQL 3-node: primary on 127.0.0.1:%d, standbys on %d and %d", t.Port, t.Nodes[1], t.Nodes[2])
			}
			targets = append(targets, t)
		case "logdb", "logdb3":
			nodes := 1
			if name == "logdb3" {
				nodes = 3
			}
			logf("starting %s (%s) …", name, c.LogdbBin)
			t, err := startLogdb(ctx, c.LogdbBin, c.WorkDir, c.LogdbUser, c.LogdbDB, nodes)
			if err != nil {
				logf("%s did not start: %v", name, err)
				t = &target{ID: name, Name: "logdb", Kind: kindLogdb, Err: fmt.Errorf("did not start: %s", oneLine(err.Error(), 400))}
				if nodes > 1 {
					t.Name = "logdb 3-node"
				}
			} else {
				logf("%s on 127.0.0.1:%d", t.Name, t.Port)
			}
			targets = append(targets, t)
		default:
			fmt.Fprintf(os.Stderr, "bench: unknown target %q (have pg, logdb, pg3, logdb3)\n", name)
			stopAll(targets)
			return 2
		}
	}
	defer stopAll(targets)
	defer c.env.runExits()

	for _, w := range wls {
		restartDead(ctx, &c, targets)
		wr := runWorkload(ctx, &c, w, targets)
		rep.Workloads = append(rep.Workloads, wr)
		for _, tr := range wr.Targets {
			if tr.Kind == kindPG && tr.Err != "" && tr.Missing == "" && !strings.HasPrefix(tr.Err, "did not start") {
				harnessBroken = true
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	stopAll(targets)
	c.env.runExits()

	rep.print(os.Stdout, targets)
	rep.printGoals(os.Stdout)
	if c.JSONPath != "" {
		if err := rep.writeJSON(c.JSONPath); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			harnessBroken = true
		} else {
			logf("wrote %s", c.JSONPath)
		}
		svg := strings.TrimSuffix(c.JSONPath, filepath.Ext(c.JSONPath)) + "-insert-curve.svg"
		if ok, err := rep.writeCurveSVG(svg); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			harnessBroken = true
		} else if ok {
			logf("wrote %s", svg)
		}
	}
	switch {
	case ctx.Err() != nil:
		return 130
	case harnessBroken:
		fmt.Fprintln(os.Stderr, "bench: a PostgreSQL workload failed; the harness is broken")
		return 1
	}
	return 0
}

// oneLine folds s onto one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func stopAll(ts []*target) {
	for _, t := range ts {
		if t.stop != nil {
			t.stop()
			t.stop = nil
		}
	}
}

// setupTimeout bounds a workload's set-up on one system (pgbench -i, loading
// the select table), so a hang fails the workload instead of the run.
const setupTimeout = 5 * time.Minute

// runWorkload sets the workload up on every target, then runs the rounds,
// alternating targets within each round so drift hits all of them.
func runWorkload(ctx context.Context, c *config, w *workload, targets []*target) *workloadResult {
	wr := &workloadResult{Name: w.Name, Desc: w.Desc, Metrics: w.Metrics}
	for _, t := range targets {
		tr := &targetResult{Target: t.Name, ID: t.ID, Kind: t.Kind, Rounds: map[string][]float64{}}
		wr.Targets = append(wr.Targets, tr)
		if !w.runsOn(t) {
			tr.Skipped = true
			continue
		}
		if t.Err != nil {
			tr.Err = t.Err.Error()
			continue
		}
		logf("[%s] setting up on %s …", w.Name, t.Name)
		timeout := setupTimeout
		if w.SetupTimeout > 0 {
			timeout = w.SetupTimeout
		}
		sctx, cancel := context.WithTimeout(ctx, timeout)
		err := w.Setup(sctx, &c.env, t)
		cancel()
		var mt *missingTool
		if errors.As(err, &mt) {
			tr.Missing = mt.Error()
			logf("[%s] %s: skipped: %s", w.Name, t.Name, tr.Missing)
		} else if err != nil {
			tr.Err = failure(w, t, "set-up: ", err)
			logf("[%s] %s: %s", w.Name, t.Name, tr.Err)
		}
	}
	for _, tr := range wr.Targets {
		tr.Notes = c.env.notes[tr.Target]
	}
	c.env.notes = nil
	rounds := c.Rounds
	if w.MinRounds > rounds && !c.Quick {
		rounds = w.MinRounds
	}
	for round := 1; round <= rounds && ctx.Err() == nil; round++ {
		for i, t := range targets {
			tr := wr.Targets[i]
			if tr.Err != "" || tr.Missing != "" || tr.Skipped || tr.stopped || ctx.Err() != nil {
				continue
			}
			var extra []serverProc
			if w.Name == "broker" && t.Kind == kindPG && c.env.nats != nil {
				extra = c.env.nats.Procs
			}
			watch := profileRound(ctx, t, extra, w.Name, round, c.Warmup, c.Duration)
			s, err := w.Run(ctx, &c.env, t)
			tr.Notes = append(tr.Notes, c.env.notes[t.Name]...)
			c.env.notes = nil
			if line := watch(s["throughput"] * c.Duration.Seconds()); line != "" {
				logf("[%s] round %d/%d %s: %s", w.Name, round, rounds, t.Name, line)
			}
			if err != nil {
				msg := failure(w, t, fmt.Sprintf("round %d: ", round), err)
				logf("[%s] round %d/%d %s: %s", w.Name, round, rounds, t.Name, msg)
				if round == 1 || ctx.Err() != nil {
					tr.Err = msg
				} else {
					// Keep the rounds that completed; say why the rest are missing.
					tr.Notes = append(tr.Notes, msg+"; figures are from the earlier round(s)")
					tr.stopped = true
				}
				continue
			}
			for _, m := range w.Metrics {
				tr.Rounds[m.Name] = append(tr.Rounds[m.Name], s[m.Name])
			}
			logf("[%s] round %d/%d %s: %s", w.Name, round, rounds, t.Name, s.brief(w.Metrics))
		}
	}
	return wr
}

func failure(w *workload, t *target, where string, err error) string {
	word := "failed"
	if t.Kind == kindLogdb {
		word = w.FailWord
	}
	return word + ": " + where + oneLine(err.Error(), 600) + t.crashNote()
}

// restartDead starts a fresh logdb in place of one that died during an
// earlier workload, so one crash does not take every later figure with it.
func restartDead(ctx context.Context, c *config, targets []*target) {
	for i, t := range targets {
		if t.Kind != kindLogdb || t.exited == nil || t.exited() == "" {
			continue
		}
		logf("%s died (%s); starting a fresh one", t.Name, oneLine(t.exited(), 300))
		nodes := 1
		if t.ID == "logdb3" {
			nodes = 3
		}
		t.stop()
		nt, err := startLogdb(ctx, c.LogdbBin, c.WorkDir, c.LogdbUser, c.LogdbDB, nodes)
		if err != nil {
			nt = &target{ID: t.ID, Name: t.Name, Kind: kindLogdb, Err: fmt.Errorf("did not restart: %s", oneLine(err.Error(), 400))}
		}
		targets[i] = nt
	}
}

func (s sample) brief(ms []metricDef) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, fmt.Sprintf("%s %s %s", m.Name, formatValue(s[m.Name]), m.Unit))
	}
	return strings.Join(parts, ", ")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
