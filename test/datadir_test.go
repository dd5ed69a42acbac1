package test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// TestMaxConnections: past --max-connections a new session is refused
// with FATAL 53300 "sorry, too many clients already" and a freed slot is
// reused; sockets that never start a session are capped too (issue 11:
// ~20,000 idle connections used every file descriptor and the next WAL
// segment could not be created), so the node keeps serving and writing.
func TestMaxConnections(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	n := mustStartNodeArgs(t, t.TempDir(), "--max-connections", "5")
	// A slot is given back when the server has seen the client go (the
	// harness's readiness probe, a closed connection): connect with retries.
	connect := func() *pgx.Conn {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := pgx.ConnectConfig(ctx, n.connConfig(nil))
			if err == nil {
				t.Cleanup(func() { c.Close(context.Background()) })
				return c
			}
			if time.Now().After(deadline) {
				t.Fatalf("no free slot: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	var conns []*pgx.Conn
	for range 5 {
		conns = append(conns, connect())
	}
	mustExec(t, ctx, conns[0], "CREATE TABLE crowd (id int PRIMARY KEY)")
	_, err := connectErr(ctx, n.connConfig(nil))
	wantPgError(t, err, "53300", "sorry, too many clients already", "a sixth session")
	conns[4].Close(ctx)
	conns[4] = connect() // the freed slot
	// Idle sockets beyond the slack are closed at once.
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range 300 {
		c, err := net.DialTimeout("tcp", n.Addr, 2*time.Second)
		if err != nil {
			break
		}
		idle = append(idle, c)
	}
	// They get FATAL 53300 (an ErrorResponse, 'E') and are closed, without
	// the server waiting for their startup packets.
	var mu sync.Mutex
	var readers sync.WaitGroup
	closed, told := 0, 0
	for _, c := range idle {
		readers.Go(func() {
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			b, err := io.ReadAll(c)
			if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				return // a session slot's socket, waiting for its startup
			}
			mu.Lock()
			defer mu.Unlock()
			closed++
			if len(b) > 0 && b[0] == 'E' && strings.Contains(string(b), "53300") {
				told++
			}
		})
	}
	readers.Wait()
	if told == 0 {
		t.Error("no socket over the limit was told FATAL 53300")
	}
	if closed < 300-5-64-5 {
		t.Errorf("only %d of 300 idle sockets were closed by the server", closed)
	}
	for i, c := range conns {
		mustExec(t, ctx, c, "INSERT INTO crowd VALUES ($1)", i)
	}
	checkQuery(t, ctx, conns[0], "5", "SELECT count(*) FROM crowd")
	if got := grepFile(n.Log, 1, "closing new connections at once"); got == "" {
		t.Error("the refusals were not logged")
	}
}

// TestFileLimitCapsConnections: under an open-file limit of 400 the node
// lowers --max-connections to leave itself descriptors (and says so), so
// clients crowding in get 53300 while the node keeps writing.
func TestFileLimitCapsConnections(t *testing.T) {
	requireLogdb(t)
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("prlimit (util-linux) is not installed")
	}
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	n := &Node{Dir: t.TempDir(), Log: filepath.Join(t.TempDir(), "logdb.log"), Wrap: []string{"prlimit", "--nofile=400:400"}}
	n.mustStart(t, "")
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("log:\n%s", tailFile(n.Log, 40))
		}
	})
	if got := grepFile(n.Log, 1, "--max-connections lowered to fit the open-file limit"); !strings.Contains(got, "now=80") {
		t.Fatalf("no warning that --max-connections was lowered to 80: %q", got)
	}
	var conns []*pgx.Conn
	defer func() {
		for _, c := range conns {
			c.Close(context.Background())
		}
	}()
	// 80 sessions fit (a slot may be busy a moment with the harness's
	// readiness probe: retry), then every further one is refused.
	deadline := time.Now().Add(20 * time.Second)
	for len(conns) < 80 {
		c, err := pgx.ConnectConfig(ctx, n.connConfig(nil))
		if err != nil {
			wantPgError(t, err, "53300", "sorry, too many clients already", "a session within the limit")
			if time.Now().After(deadline) {
				t.Fatalf("only %d sessions fit, want 80", len(conns))
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		conns = append(conns, c)
	}
	for range 20 {
		_, err := connectErr(ctx, n.connConfig(nil))
		wantPgError(t, err, "53300", "sorry, too many clients already", "a session past the limit")
	}
	mustExec(t, ctx, conns[0], "CREATE TABLE fds (id int PRIMARY KEY)")
	for i, c := range conns {
		mustExec(t, ctx, c, "INSERT INTO fds VALUES ($1)", i)
	}
	checkQuery(t, ctx, conns[79], "80", "SELECT count(*) FROM fds")
}

// TestConnectionStorm (issue 12): 2,000 concurrent connection attempts by
// a role that is not a superuser against --max-connections 50: the node
// stays up, every attempt either gets a session or FATAL 53300, at most 47
// get one (3 slots are kept for superusers), and a superuser can still
// connect and write while the successful ones hold their sessions.
func TestConnectionStorm(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNodeArgs(t, t.TempDir(), "--max-connections", "50")
	admin := mustConnect(t, n)
	mustExec(t, ctx, admin, "CREATE ROLE storm LOGIN")
	mustExec(t, ctx, admin, "CREATE TABLE storm_t (id int PRIMARY KEY)")
	admin.Close(ctx) // its slot is free for the storm

	const attempts = 2000
	var (
		mu       sync.Mutex
		held     []*pgx.Conn
		refused  int
		other    = map[string]int{}
		start    = make(chan struct{})
		finished sync.WaitGroup
	)
	for range attempts {
		finished.Go(func() {
			<-start
			cfg := n.connConfig(nil)
			cfg.User = "storm"
			c, err := pgx.ConnectConfig(ctx, cfg)
			mu.Lock()
			defer mu.Unlock()
			var pe *pgconn.PgError
			switch {
			case err == nil:
				held = append(held, c)
			case errors.As(err, &pe) && pe.Code == "53300":
				refused++
			default:
				other[err.Error()]++
			}
		})
	}
	close(start)
	finished.Wait()
	defer func() {
		for _, c := range held {
			c.Close(context.Background())
		}
	}()
	t.Logf("%d attempts: %d sessions, %d refused with 53300, other outcomes %v", attempts, len(held), refused, other)
	if len(held) == 0 || len(held) > 47 {
		t.Errorf("%d sessions for a non-superuser under --max-connections 50 (want 1..47)", len(held))
	}
	if len(held)+refused != attempts {
		t.Errorf("%d attempts ended otherwise: %v", attempts-len(held)-refused, other)
	}
	// The node is up, a superuser gets a reserved slot and writes, and the
	// storm's sessions work.
	su := mustConnect(t, n)
	mustExec(t, ctx, su, "INSERT INTO storm_t VALUES (1)")
	for i, c := range held {
		if _, err := c.Exec(ctx, "SELECT 1"); err != nil {
			t.Fatalf("held session %d: %v", i, err)
		}
	}
	checkQuery(t, ctx, su, "1", "SELECT count(*) FROM storm_t")
}
