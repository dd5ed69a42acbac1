package test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"logdb/test/internal/pgserver"
)

// logdbBin is the binary every test starts: $LOGDB_BIN, or one built by
// TestMain from logdb/cmd/logdb.
var logdbBin string

// externalAddr, when $LOGDB_TEST_POSTGRES is set (host:port of a real
// PostgreSQL with a role and a database named logdb), makes the shared-node
// tests run against that server instead. It checks the tests themselves:
// what PostgreSQL does is what logdb must do. Tests that start their own
// nodes are skipped in that mode.
var externalAddr = os.Getenv("LOGDB_TEST_POSTGRES")

func TestMain(m *testing.M) {
	code := func() int {
		if externalAddr == "" {
			logdbBin = os.Getenv("LOGDB_BIN")
			if logdbBin != "" && !filepath.IsAbs(logdbBin) {
				// go test runs in test/; a relative path is meant from the
				// repository root, where make and people run it.
				logdbBin, _ = filepath.Abs(filepath.Join("..", logdbBin))
			}
			if logdbBin == "" {
				dir, err := os.MkdirTemp("", "logdb-test-bin-")
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					return 1
				}
				defer os.RemoveAll(dir)
				logdbBin = filepath.Join(dir, "logdb")
				build := exec.Command("go", "build", "-o", logdbBin, "logdb/cmd/logdb")
				if out, err := build.CombinedOutput(); err != nil {
					fmt.Fprintf(os.Stderr, "building logdb: %v\n%s", err, out)
					return 1
				}
			}
		}
		code := m.Run()
		removePostgresTemplate()
		if problem := sharedNodeProblem(); problem != "" {
			fmt.Fprintln(os.Stderr, problem)
			code = 1
		}
		if code != 0 && shared.node != nil && !shared.node.external {
			// One summary instead of a log tail per failed test.
			fmt.Fprintf(os.Stderr, "shared node log kept at %s; its warnings and errors:\n%s\n",
				shared.node.Log, grepFile(shared.node.Log, 40, "level=WARN", "level=ERROR", "panic"))
			shared.node.kill()
			return code
		}
		stopSharedNode()
		return code
	}()
	os.Exit(code)
}

// Node is one running logdb process (or, in external mode, a real PostgreSQL).
type Node struct {
	Dir  string   // data directory
	Addr string   // host:port of the wire protocol listener
	Log  string   // stdout and stderr of every start, appended
	Args []string // further `logdb start` flags (set before the first start)
	// Wrap runs logdb under a command that execs it (prlimit …), if set.
	Wrap []string

	external bool

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has been waited for
	waitErr error         // valid after exited is closed
}

// requireLogdb skips tests that need their own logdb process when the suite
// runs against an external PostgreSQL.
func requireLogdb(t *testing.T) {
	t.Helper()
	if externalAddr != "" {
		t.Skip("runs against logdb only (its own process or logdb-specific behaviour); LOGDB_TEST_POSTGRES is set")
	}
}

// mustStartNode starts logdb on dir with a free loopback port and waits
// until a pgx connection succeeds. The process is killed when the test ends,
// and its log tail is printed if the test failed.
func mustStartNode(t *testing.T, dir string) *Node {
	t.Helper()
	requireLogdb(t)
	n := &Node{Dir: dir, Log: filepath.Join(t.TempDir(), "logdb.log")}
	n.mustStart(t, "")
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("log of node %s (%s):\n%s", n.Addr, n.Log, tailFile(n.Log, 60))
		}
	})
	return n
}

// mustStart starts the process, on addr if not empty (a restart keeps its
// port when it can), else on a fresh port. It retries on a port another
// process took between the probe and the bind.
func (n *Node) mustStart(t testing.TB, addr string) {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if addr == "" || attempt > 0 {
			addr = freeAddr(t)
		}
		err := n.start(addr)
		if err == nil {
			return
		}
		lastErr = err
		if !strings.Contains(tailFile(n.Log, 20), "address already in use") {
			break
		}
	}
	t.Fatalf("starting logdb on %s: %v\nlog:\n%s", n.Dir, lastErr, tailFile(n.Log, 60))
}

func (n *Node) start(addr string) error {
	logf, err := os.OpenFile(n.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "==== %s start --data-dir %s --listen %s\n", time.Now().Format(time.RFC3339Nano), n.Dir, addr)
	argv := append([]string{logdbBin, "start", "--data-dir", n.Dir, "--listen", addr}, n.Args...)
	argv = append(append([]string(nil), n.Wrap...), argv...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	n.mu.Lock()
	n.cmd, n.exited, n.Addr = cmd, exited, addr
	n.mu.Unlock()
	go func() {
		err := cmd.Wait()
		n.mu.Lock()
		n.waitErr = err
		n.mu.Unlock()
		close(exited)
	}()
	return n.waitReady(exited, 60*time.Second)
}

// waitReady polls with a deadline until a pgx connection succeeds.
func (n *Node) waitReady(exited chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.ConnectConfig(ctx, n.connConfig(nil))
		if err == nil {
			err = c.Ping(ctx)
			c.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		lastErr = err
		select {
		case <-exited:
			return fmt.Errorf("logdb exited before serving: %v (last connect error: %v)", n.waitErr, lastErr)
		case <-tick.C:
		}
	}
	return fmt.Errorf("not serving after %s: %v", timeout, lastErr)
}

// Kill9 sends SIGKILL and waits for the process to be gone.
func (n *Node) Kill9(t testing.TB) {
	t.Helper()
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if cmd == nil {
		t.Fatal("Kill9: node not started")
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// Stop sends SIGTERM and requires a clean exit (status 0) within 10 s.
func (n *Node) Stop(t testing.TB) {
	t.Helper()
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		t.Fatalf("logdb did not exit within 10 s of SIGTERM\nlog:\n%s", tailFile(n.Log, 40))
	}
	n.mu.Lock()
	err := n.waitErr
	n.mu.Unlock()
	if err != nil {
		t.Fatalf("logdb exited uncleanly after SIGTERM: %v\nlog:\n%s", err, tailFile(n.Log, 40))
	}
}

// Restart starts the process again on the same data directory, on the same
// port if it is still free.
func (n *Node) Restart(t testing.TB) {
	t.Helper()
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	select {
	case <-exited:
	default:
		t.Fatal("Restart: node still running; Stop or Kill9 it first")
	}
	n.mustStart(t, n.Addr)
}

func (n *Node) kill() {
	if n.external {
		return
	}
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// freeAddr returns a loopback address nobody listens on (pgserver.FreePort:
// below the kernel's ephemeral range, never handed out twice).
func freeAddr(t testing.TB) string {
	t.Helper()
	port, err := pgserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

func tailFile(path string, lines int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	var ring []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		ring = append(ring, sc.Text())
		if len(ring) > lines {
			ring = ring[1:]
		}
	}
	return strings.Join(ring, "\n")
}

// grepFile returns the last max lines of path that contain any of subs.
func grepFile(path string, max int, subs ...string) string {
	var hits []string
	for _, l := range strings.Split(tailFile(path, 1<<20), "\n") {
		for _, sub := range subs {
			if strings.Contains(l, sub) {
				hits = append(hits, l)
				break
			}
		}
	}
	if len(hits) > max {
		hits = hits[len(hits)-max:]
	}
	return strings.Join(hits, "\n")
}

// The shared node serves every test that neither kills nor restarts its
// server; such tests name their tables after themselves and run in parallel.
var shared struct {
	once sync.Once
	node *Node
	err  error
}

func sharedNode(t *testing.T) *Node {
	t.Helper()
	shared.once.Do(func() {
		if externalAddr != "" {
			// Start from an empty database, as a fresh logdb node does.
			n := &Node{Addr: externalAddr, external: true}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := pgx.ConnectConfig(ctx, n.connConfig(nil))
			if err == nil {
				_, err = c.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
				c.Close(ctx)
			}
			shared.node, shared.err = n, err
			return
		}
		dir, err := os.MkdirTemp("", "logdb-shared-")
		if err != nil {
			shared.err = err
			return
		}
		n := &Node{Dir: filepath.Join(dir, "data"), Log: filepath.Join(dir, "logdb.log")}
		if err := n.start(freeAddr(t)); err != nil {
			shared.err = fmt.Errorf("%v\nlog:\n%s", err, tailFile(n.Log, 60))
			n.kill()
			return
		}
		shared.node = n
	})
	if shared.err != nil {
		t.Fatalf("starting the shared node: %v", shared.err)
	}
	return shared.node
}

// sharedNodeProblem reports a shared node that died during the run or
// panicked: input must never crash the server.
func sharedNodeProblem() string {
	n := shared.node
	if n == nil || n.external {
		return ""
	}
	select {
	case <-n.exited:
		return fmt.Sprintf("FAIL: the shared logdb node exited during the run (%v); log tail:\n%s", n.waitErr, tailFile(n.Log, 80))
	default:
	}
	if log := tailFile(n.Log, 1<<20); strings.Contains(log, "panic:") {
		return "FAIL: the shared logdb node logged a panic; log tail:\n" + tailFile(n.Log, 80)
	}
	return ""
}

func stopSharedNode() {
	if shared.node != nil && !shared.node.external {
		shared.node.kill()
		os.RemoveAll(filepath.Dir(shared.node.Dir))
	}
}

// testCtx is the timeout context every test runs under.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// connConfig is the pgx configuration for database "logdb" (or db if given).
func (n *Node) connConfig(db *string) *pgx.ConnConfig {
	database := "logdb"
	if db != nil {
		database = *db
	}
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://logdb@%s/%s?sslmode=disable&connect_timeout=5", n.Addr, database))
	if err != nil {
		panic("BUG: " + err.Error())
	}
	if n.external {
		// logdb's transactions are always SERIALIZABLE; make PostgreSQL match.
		cfg.RuntimeParams["default_transaction_isolation"] = "serializable"
	}
	return cfg
}

func mustConnect(t *testing.T, n *Node) *pgx.Conn {
	t.Helper()
	return mustConnectConfig(t, n.connConfig(nil))
}

func mustConnectConfig(t *testing.T, cfg *pgx.ConnConfig) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connecting to %s: %v", cfg.Host, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c.Close(ctx)
	})
	return c
}

// mustConns opens size independent connections: a fixed pool with one
// connection per worker, so a worker's transaction stays on one session.
// (pgxpool is not used: its dependency is not in go.sum.)
func mustConns(t *testing.T, n *Node, size int) []*pgx.Conn {
	t.Helper()
	conns := make([]*pgx.Conn, size)
	for i := range conns {
		conns[i] = mustConnect(t, n)
	}
	return conns
}

// psqlCmd is a psql run against n: no psqlrc, unaligned tuples only, stop
// on error, verbose errors (so SQLSTATEs are printed), NULL shown as NULL.
func (n *Node) psqlCmd(ctx context.Context, db string, extra ...string) *exec.Cmd {
	host, port, _ := net.SplitHostPort(n.Addr)
	args := []string{"-h", host, "-p", port, "-U", "logdb", "-d", db, "-X", "-A", "-t",
		"-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose", "-P", "null=NULL"}
	args = append(args, extra...)
	cmd := exec.CommandContext(ctx, "psql", args...)
	env := append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=5")
	if n.external {
		env = append(env, "PGOPTIONS=-c default_transaction_isolation=serializable")
	}
	cmd.Env = env
	return cmd
}

// psqlRun runs one -c command and returns stdout, stderr and the error.
func psqlRun(t *testing.T, n *Node, sql string, extra ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := n.psqlCmd(ctx, "logdb", append(extra, "-c", sql)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return strings.TrimRight(stdout.String(), "\n"), stderr.String(), err
}

// psql runs sql through psql (simple protocol, text results) and returns its
// output, one row a line, columns separated by '|'.
func psql(t *testing.T, n *Node, sql string) string {
	t.Helper()
	out, stderr, err := psqlRun(t, n, sql)
	if err != nil {
		t.Fatalf("psql -c %q: %v\n%s%s", sql, err, stderr, out)
	}
	return out
}

// psqlWantError runs sql through psql and requires it to fail with code.
func psqlWantError(t *testing.T, n *Node, sql, code string) {
	t.Helper()
	out, stderr, err := psqlRun(t, n, sql)
	if err == nil {
		t.Errorf("psql -c %q: succeeded (output %q), want SQLSTATE %s", sql, out, code)
		return
	}
	if !strings.Contains(stderr, code) {
		t.Errorf("psql -c %q: want SQLSTATE %s, got:\n%s", sql, code, stderr)
	}
}

// sqlState is the SQLSTATE of a server error, or "".
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// wantCode reports an error unless err is a server error with SQLSTATE code.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded, want SQLSTATE %s", what, code)
		return
	}
	if got := sqlState(err); got != code {
		t.Errorf("%s: want SQLSTATE %s, got %q: %v", what, code, got, err)
	}
}

// mustExec runs statements (extended protocol when args are given).
func mustExec(t *testing.T, ctx context.Context, c *pgx.Conn, sql string, args ...any) pgconn.CommandTag {
	t.Helper()
	tag, err := c.Exec(ctx, sql, args...)
	if err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
	return tag
}

// queryText runs a query through pgx (binary results where pgx asks for
// them) and renders the rows as psql -A -t would: one row a line, columns
// joined by '|', NULL as NULL.
func queryText(t *testing.T, ctx context.Context, c *pgx.Conn, sql string, args ...any) string {
	t.Helper()
	out, err := queryTextErr(ctx, c, sql, args...)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return out
}

func queryTextErr(ctx context.Context, c *pgx.Conn, sql string, args ...any) (string, error) {
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return "", err
		}
		fds := rows.FieldDescriptions()
		cols := make([]string, len(vals))
		for i, v := range vals {
			cols[i] = renderTyped(v, fds[i].DataTypeOID)
		}
		lines = append(lines, strings.Join(cols, "|"))
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return strings.Join(lines, "\n"), nil
}

// checkQuery compares queryText with want and reports a difference.
func checkQuery(t *testing.T, ctx context.Context, c *pgx.Conn, want, sql string, args ...any) {
	t.Helper()
	got, err := queryTextErr(ctx, c, sql, args...)
	if err != nil {
		t.Errorf("query %q: %v", sql, err)
		return
	}
	if got != want {
		t.Errorf("query %q:\n got: %q\nwant: %q", sql, got, want)
	}
}

// checkPsql compares psql's output with want and reports a difference.
func checkPsql(t *testing.T, n *Node, want, sql string) {
	t.Helper()
	out, stderr, err := psqlRun(t, n, sql)
	if err != nil {
		t.Errorf("psql -c %q: %v\n%s", sql, err, stderr)
		return
	}
	if out != want {
		t.Errorf("psql -c %q:\n got: %q\nwant: %q", sql, out, want)
	}
}

func queryInt(t *testing.T, ctx context.Context, c *pgx.Conn, sql string, args ...any) int64 {
	t.Helper()
	var v int64
	if err := c.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return v
}

// connectErr tries a connection and returns the error (closing any success).
func connectErr(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		c.Close(ctx)
	}
	return c, err
}

// checkQuerySorted is checkQuery for results whose order is unspecified
// (RETURNING, no ORDER BY): the lines are compared sorted.
func checkQuerySorted(t *testing.T, ctx context.Context, c *pgx.Conn, want, sql string, args ...any) {
	t.Helper()
	got, err := queryTextErr(ctx, c, sql, args...)
	if err != nil {
		t.Errorf("query %q: %v", sql, err)
		return
	}
	if sortLines(got) != sortLines(want) {
		t.Errorf("query %q (sorted):\n got: %q\nwant: %q", sql, sortLines(got), sortLines(want))
	}
}

func sortLines(s string) string {
	lines := strings.Split(s, "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
