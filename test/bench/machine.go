package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where the figures were taken.
type machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model"`
	Kernel   string `json:"kernel"`
	MemGiB   int    `json:"mem_gib"`
}

func describeMachine() machine {
	m := machine{CPUs: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ = strconv.Atoi(f[1])
			}
		}
		m.MemGiB = (kb + 512*1024) / (1024 * 1024)
	}
	return m
}

// fsyncRate is the disk's single-stream sync rate as pg_test_fsync measures
// it (one 8 kB write then sync, in a loop).
type fsyncRate struct {
	OpenDatasync float64 `json:"open_datasync_ops_per_s,omitempty"`
	Fdatasync    float64 `json:"fdatasync_ops_per_s,omitempty"`
	Error        string  `json:"error,omitempty"`
}

var reSyncLine = regexp.MustCompile(`^\s*(open_datasync|fdatasync)\s+([0-9.]+) ops/sec`)

// measureFsync runs pg_test_fsync in dir and stops it once the first
// section's open_datasync and fdatasync lines are out: the rest of its tests
// take half a minute and say nothing a commit rate depends on.
func measureFsync(ctx context.Context, pgBin, dir string, secs int) fsyncRate {
	var r fsyncRate
	ctx, cancel := context.WithTimeout(ctx, time.Duration(4*secs+20)*time.Second)
	defer cancel()
	file := filepath.Join(dir, "bench_test_fsync.out")
	defer os.Remove(file)
	cmd := exec.CommandContext(ctx, filepath.Join(pgBin, "pg_test_fsync"), "-s", strconv.Itoa(secs), "-f", file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		r.Error = err.Error()
		return r
	}
	if err := cmd.Start(); err != nil {
		r.Error = err.Error()
		return r
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		m := reSyncLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		if m[1] == "open_datasync" {
			r.OpenDatasync = v
		} else {
			r.Fdatasync = v
			return r
		}
	}
	r.Error = "no fdatasync line in pg_test_fsync output"
	return r
}
