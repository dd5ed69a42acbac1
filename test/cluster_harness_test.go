package test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Cluster is a raft group of real logdb processes on loopback, each with
// its own data directory, SQL port and raft port (fixed for the test, so a
// restarted node keeps its addresses). Logs are kept in the test's temp
// directory and their tails printed when the test fails;
// LOGDB_CLUSTER_LOGS=dir keeps them in dir/<test name>/nodeN.log, and
// LOGDB_STALL_DUMP=1 makes TestClusterKill9EachNode send SIGQUIT (goroutine
// dumps into those logs) when writes stall for 2.5 s.
type Cluster struct {
	t     *testing.T
	Nodes map[uint64]*Node
	raft  map[uint64]string // raft addresses
	extra []string          // more `logdb start` flags for every node
	// HTTP, when set before the nodes start, gives each node an
	// --http-listen address (newCluster, then startAll).
	HTTP map[uint64]string
}

// mustStartCluster starts size nodes with the documented flags (every node
// gets the same --peers) and waits until each serves SQL and a leader is
// elected.
func mustStartCluster(t *testing.T, size int, extra ...string) *Cluster {
	t.Helper()
	c := newCluster(t, size, extra...)
	c.startAll()
	return c
}

// newCluster prepares size nodes (addresses, data directories, cleanup)
// without starting them; startAll starts them.
func newCluster(t *testing.T, size int, extra ...string) *Cluster {
	t.Helper()
	requireLogdb(t)
	c := &Cluster{t: t, Nodes: map[uint64]*Node{}, raft: map[uint64]string{}, extra: extra}
	logDir := t.TempDir()
	if keep := os.Getenv("LOGDB_CLUSTER_LOGS"); keep != "" { // keep the node logs after the test
		logDir = filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_"))
		if err := os.MkdirAll(logDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for id := uint64(1); id <= uint64(size); id++ {
		c.raft[id] = freeAddr(t)
		c.Nodes[id] = &Node{Dir: t.TempDir(), Addr: freeAddr(t), Log: filepath.Join(logDir, fmt.Sprintf("node%d.log", id))}
	}
	t.Cleanup(func() {
		for id, n := range c.Nodes {
			n.kill()
			if t.Failed() {
				t.Logf("log of node %d (%s):\n%s", id, n.Log, tailFile(n.Log, 40))
			}
		}
	})
	return c
}

// startAll starts every node and waits until each serves SQL and a leader
// is elected.
func (c *Cluster) startAll() {
	c.t.Helper()
	errc := make(chan error, len(c.Nodes))
	for id := range c.Nodes {
		go func() { errc <- c.start(id) }()
	}
	for range c.Nodes {
		if err := <-errc; err != nil {
			c.t.Fatal(err)
		}
	}
	c.mustLeader(testCtx(c.t, 30*time.Second))
}

// peers is the --peers value of the current members.
func (c *Cluster) peers() string {
	ids := make([]int, 0, len(c.raft))
	for id := range c.raft {
		ids = append(ids, int(id))
	}
	sort.Ints(ids)
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%d=%s", id, c.raft[uint64(id)]))
	}
	return strings.Join(parts, ",")
}

// start runs node id's process (first start or restart) and waits until it
// accepts connections.
func (c *Cluster) start(id uint64, more ...string) error {
	n := c.Nodes[id]
	args := append([]string{"start", "--node-id", fmt.Sprint(id), "--raft-listen", c.raft[id], "--peers", c.peers(),
		"--data-dir", n.Dir, "--listen", n.Addr}, c.extra...)
	if addr := c.HTTP[id]; addr != "" {
		args = append(args, "--http-listen", addr)
	}
	args = append(args, more...)
	logf, err := os.OpenFile(n.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "==== %s %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(args, " "))
	argv := append(append(append([]string(nil), n.Wrap...), logdbBin), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	n.mu.Lock()
	n.cmd, n.exited = cmd, exited
	n.mu.Unlock()
	go func() {
		err := cmd.Wait()
		n.mu.Lock()
		n.waitErr = err
		n.mu.Unlock()
		close(exited)
	}()
	if err := n.waitReady(exited, 60*time.Second); err != nil {
		return fmt.Errorf("node %d: %v\nlog:\n%s", id, err, tailFile(n.Log, 40))
	}
	return nil
}

// Kill9 kills node id with SIGKILL and waits until it is gone.
func (c *Cluster) Kill9(id uint64) { c.Nodes[id].Kill9(c.t) }

// Restart starts a killed or stopped node again on its data directory.
func (c *Cluster) Restart(id uint64) {
	c.t.Helper()
	if err := c.start(id); err != nil {
		c.t.Fatal(err)
	}
}

// signal sends sig to node id's process (SIGSTOP/SIGCONT pause it).
func (c *Cluster) signal(id uint64, sig syscall.Signal) {
	n := c.Nodes[id]
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		_ = n.cmd.Process.Signal(sig)
	}
}

// running reports whether node id's process is up.
func (c *Cluster) running(id uint64) bool {
	n := c.Nodes[id]
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	if exited == nil {
		return false
	}
	select {
	case <-exited:
		return false
	default:
		return true
	}
}

// member is one row of logdb_cluster.
type member struct {
	id        uint64
	role      string
	term      int64
	applied   int64 // this node's own row only (-1 for the others)
	reachable bool
}

// members reads logdb_cluster on node id.
func (c *Cluster) members(ctx context.Context, id uint64) ([]member, error) {
	qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(qctx, c.Nodes[id].connConfig(nil))
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	// A local read: the node's own view, even while it is catching up.
	if _, err := conn.Exec(qctx, "SET logdb.read_consistency = 'local'"); err != nil {
		return nil, err
	}
	rows, err := conn.Query(qctx, "SELECT node_id, role, term, coalesce(applied_index, -1), reachable FROM logdb_cluster ORDER BY node_id")
	if err != nil {
		return nil, err
	}
	var out []member
	for rows.Next() {
		var m member
		var nid int64
		if err := rows.Scan(&nid, &m.role, &m.term, &m.applied, &m.reachable); err != nil {
			return nil, err
		}
		m.id = uint64(nid)
		out = append(out, m)
	}
	return out, rows.Err()
}

// leader returns the node that says it leads (0 if none does right now).
func (c *Cluster) leader(ctx context.Context) uint64 {
	for id := range c.Nodes {
		if !c.running(id) {
			continue
		}
		ms, err := c.members(ctx, id)
		if err != nil {
			continue
		}
		for _, m := range ms {
			if m.id == id && m.role == "leader" {
				return id
			}
		}
	}
	return 0
}

// mustLeader polls until a node leads.
func (c *Cluster) mustLeader(ctx context.Context) uint64 {
	c.t.Helper()
	for ctx.Err() == nil {
		if id := c.leader(ctx); id != 0 {
			return id
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatal("no leader elected")
	return 0
}

// applied is node id's own applied index (-1 if it cannot be read).
func (c *Cluster) applied(ctx context.Context, id uint64) int64 {
	ms, err := c.members(ctx, id)
	if err != nil {
		return -1
	}
	for _, m := range ms {
		if m.id == id {
			return m.applied
		}
	}
	return -1
}

// mustCatchUp polls until node id keeps pace with the leader: its applied
// index within 100 entries of the leader's, read just before.
func (c *Cluster) mustCatchUp(ctx context.Context, id uint64) {
	c.t.Helper()
	start := time.Now()
	for ctx.Err() == nil {
		target := c.applied(ctx, c.mustLeader(ctx))
		if got := c.applied(ctx, id); target >= 0 && got >= target-100 {
			c.t.Logf("node %d caught up (applied %d, leader %d) in %v", id, got, target, time.Since(start).Round(time.Millisecond))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("node %d did not catch up with the leader", id)
}

// connect opens a connection to node id (nil and the error if it fails).
func (c *Cluster) connect(ctx context.Context, id uint64) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return pgx.ConnectConfig(cctx, c.Nodes[id].connConfig(nil))
}

// mustConnectTo polls until node id accepts a connection (a node just
// restarted may not yet) and closes it at cleanup.
func (c *Cluster) mustConnectTo(ctx context.Context, id uint64) *pgx.Conn {
	c.t.Helper()
	var err error
	for ctx.Err() == nil {
		var cn *pgx.Conn
		if cn, err = c.connect(ctx, id); err == nil {
			c.t.Cleanup(func() { cn.Close(context.Background()) })
			return cn
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("connect to node %d: %v", id, err)
	return nil
}

// localRows returns query's rows on node id as text lines, read with
// logdb.read_consistency = 'local' (what that node itself has applied).
func (c *Cluster) localRows(ctx context.Context, id uint64, query string) (string, error) {
	conn, err := c.connect(ctx, id)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "SET logdb.read_consistency = 'local'"); err != nil {
		return "", err
	}
	return queryTextErr(ctx, conn, query)
}

// mustConverge polls until query gives the same rows on every node (each
// read locally) and returns them.
func (c *Cluster) mustConverge(ctx context.Context, query string) string {
	c.t.Helper()
	var last map[uint64]string
	var lastErr error
	for ctx.Err() == nil {
		got := map[uint64]string{}
		ok := true
		for id := range c.Nodes {
			s, err := c.localRows(ctx, id, query)
			if err != nil {
				ok, lastErr = false, fmt.Errorf("node %d: %w", id, err)
				break
			}
			got[id] = s
		}
		if ok {
			same := true
			for _, s := range got {
				for _, s2 := range got {
					same = same && s == s2
				}
			}
			if same {
				for _, s := range got {
					return s
				}
			}
		}
		last = got
		time.Sleep(100 * time.Millisecond)
	}
	for id, s := range last {
		c.t.Logf("node %d: %d lines: %.200q; applied index %d", id, strings.Count(s, "\n")+1, s, c.applied(context.Background(), id))
	}
	c.t.Fatalf("nodes did not converge on %q (last error: %v)", query, lastErr)
	return ""
}

// errOutcome classifies a write's error: "fail" when it surely did not
// commit (40001 after the server's retries, a connection refused before
// the statement was sent), "unknown" otherwise (40003, a connection lost
// mid-statement, a timeout).
func errOutcome(err error) string {
	if sqlState(err) == "40001" || pgconn.SafeToRetry(err) {
		return "fail"
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return "fail"
	}
	return "unknown"
}
