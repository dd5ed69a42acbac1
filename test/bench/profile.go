package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// With -profile-dir, every measured window is watched: the CPU time each
// server process (with its children: PostgreSQL's backends, walsenders and
// walreceivers) spent in it, a Go CPU profile of every logdb node (its
// --pprof endpoint) and a perf profile of every PostgreSQL process tree
// (when perf is installed). Files go to DIR as
// <workload>-<target>-r<round>-<process>.{pprof,perf}; cpu.txt gathers the
// CPU times. Read them with `go tool pprof -top bin/logdb FILE` and
// `perf report -i FILE --no-children --sort comm,dso,symbol`.

// profileDir is -profile-dir ("" = no profiling).
var profileDir string

// serverProc is one server process of a target.
type serverProc struct {
	Name  string // "postgres", "primary", "s1", "node2"
	PID   int
	Pprof string // logdb's --http-listen address, when profiling
	// NoPerf: CPU time only (nats-server, watched for its share of the
	// broker pipeline).
	NoPerf bool
}

// profileRound starts watching t's processes from warmup after now for
// dur; the returned func waits for the watch to end and returns a summary
// (CPU seconds per process) for the log.
func profileRound(ctx context.Context, t *target, extra []serverProc, workload string, round int, warmup, dur time.Duration) func(ops float64) string {
	if profileDir == "" || len(t.Procs) == 0 {
		return func(float64) string { return "" }
	}
	procs := append(append([]serverProc(nil), t.Procs...), extra...)
	base := filepath.Join(profileDir, fmt.Sprintf("%s-%s-r%d", workload, t.ID, round))
	done := make(chan string, 1)
	go func() {
		select {
		case <-time.After(warmup):
		case <-ctx.Done():
			done <- ""
			return
		}
		before := make([]float64, len(procs))
		for i, p := range procs {
			before[i] = treeCPU(p.PID)
		}
		var wg sync.WaitGroup
		secs := strconv.Itoa(max(1, int(dur.Seconds())))
		for _, p := range procs {
			if p.NoPerf {
				continue
			}
			wg.Add(1)
			go func(p serverProc) {
				defer wg.Done()
				file := base + "-" + p.Name
				if p.Pprof != "" {
					if err := fetchPprof(ctx, "http://"+p.Pprof+"/debug/pprof/profile?seconds="+secs, file+".pprof"); err != nil {
						logf("profile %s: %v", file, err)
					}
					return
				}
				if _, err := exec.LookPath("perf"); err == nil {
					pids := strings.Join(intsToStrings(treePIDs(p.PID)), ",")
					cmd := exec.CommandContext(ctx, "perf", "record", "-q", "-F", "499", "-g", "-p", pids, "-o", file+".perf", "--", "sleep", secs)
					if out, err := cmd.CombinedOutput(); err != nil {
						logf("perf for %s: %v %s", file, err, lastLines(string(out), 2))
					}
				}
			}(p)
		}
		select {
		case <-time.After(dur):
		case <-ctx.Done():
		}
		var parts []string
		var total float64
		for i, p := range procs {
			d := treeCPU(p.PID) - before[i]
			total += d
			parts = append(parts, fmt.Sprintf("%s %.2fs", p.Name, d))
		}
		wg.Wait()
		done <- fmt.Sprintf("%.2f CPU-s in %s (%s)", total, dur, strings.Join(parts, ", ")) + "|" + strconv.FormatFloat(total, 'f', -1, 64)
	}()
	return func(ops float64) string {
		s := <-done
		line, totalS, _ := strings.Cut(s, "|")
		if line == "" {
			return ""
		}
		if total, err := strconv.ParseFloat(totalS, 64); err == nil && ops > 0 {
			line += fmt.Sprintf("; %.0f µs of server CPU per operation", total/ops*1e6)
		}
		if f, err := os.OpenFile(filepath.Join(profileDir, "cpu.txt"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "%s %s round %d: %s\n", workload, t.ID, round, line)
			f.Close()
		}
		return line
	}
}

func fetchPprof(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// treePIDs is pid and every descendant, from /proc's children lists.
func treePIDs(pid int) []int {
	out := []int{pid}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, c := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(c); err == nil {
				out = append(out, treePIDs(n)...)
			}
		}
	}
	return out
}

// treeCPU is the user+system CPU seconds of pid and its live descendants.
func treeCPU(pid int) float64 {
	var ticks float64
	for _, p := range treePIDs(pid) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses.
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			f := strings.Fields(s[i+1:])
			if len(f) > 12 {
				u, _ := strconv.ParseFloat(f[11], 64)
				k, _ := strconv.ParseFloat(f[12], 64)
				ticks += u + k
			}
		}
	}
	return ticks / 100 // USER_HZ
}

func intsToStrings(xs []int) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.Itoa(x)
	}
	return out
}
