package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDataDirInUse: a second `logdb start` on a data directory a running
// node holds exits at once with "data directory in use by process N"
// (issue 11: it waited, then said "state.db: timeout"); the first node
// serves on, and after it stops the directory can be started again.
func TestDataDirInUse(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	dir := t.TempDir()
	n := mustStartNode(t, dir)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE held (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "INSERT INTO held VALUES (1)")

	second := exec.CommandContext(ctx, logdbBin, "start", "--data-dir", dir, "--listen", freeAddr(t))
	start := time.Now()
	out, err := second.CombinedOutput()
	if err == nil {
		t.Fatalf("a second logdb on the same directory started:\n%s", out)
	}
	want := fmt.Sprintf("data directory in use by process %d", n.cmd.Process.Pid)
	if !strings.Contains(string(out), want) {
		t.Fatalf("second start said %q, want %q", out, want)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("the refusal took %v", took) // not a wait for bbolt's lock timeout
	}
	checkQuery(t, ctx, c, "1", "SELECT count(*) FROM held")
	c.Close(ctx)
	n.Stop(t)
	n.Restart(t)
	checkQuery(t, ctx, mustConnect(t, n), "1", "SELECT count(*) FROM held")
}

// TestTruncatedStateRebuilt: state.db cut to 8 KB (issue 11: SIGBUS in
// bbolt at the next start) is detected at start and rebuilt from the last
// checkpoint and the log, with a warning in the log; every row is back.
// After kill -9 as after a clean stop.
func TestTruncatedStateRebuilt(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	dir := t.TempDir()
	n := mustStartNodeArgs(t, dir, "--checkpoint-interval", "1s")
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cut (id int PRIMARY KEY, s text)")
	for round, stop := range []func(testing.TB){n.Stop, n.Kill9} {
		mustExec(t, ctx, c, "INSERT INTO cut SELECT g, repeat('x', 100) FROM generate_series($1::int, $1::int + 999) g", round*1000)
		time.Sleep(1500 * time.Millisecond) // a checkpoint covers some of it
		mustExec(t, ctx, c, "INSERT INTO cut VALUES ($1, 'after the checkpoint')", 100000+round)
		c.Close(ctx)
		stop(t)
		if err := os.Truncate(filepath.Join(dir, "state.db"), 8<<10); err != nil {
			t.Fatal(err)
		}
		n.Restart(t)
		c = mustConnect(t, n)
		checkQuery(t, ctx, c, fmt.Sprint((round+1)*1001), "SELECT count(*) FROM cut")
		checkQuery(t, ctx, c, "after the checkpoint", "SELECT s FROM cut WHERE id = $1", 100000+round)
	}
	if got := grepFile(n.Log, 5, "kv state file untrusted", "damaged (truncated"); strings.Count(got, "damaged (truncated") != 2 {
		t.Errorf("the log does not say twice that state.db was rebuilt:\n%s", got)
	}
	if strings.Contains(tailFile(n.Log, 400), "SIGBUS") {
		t.Error("SIGBUS in the log")
	}
}
