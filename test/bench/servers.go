package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"logdb/test/internal/pgserver"
)

// target is one database under test, reached over TCP on loopback.
type target struct {
	ID   string // as in -targets: "pg", "logdb", "logdb3"
	Name string // column title: "PostgreSQL", "logdb", "logdb 3-node"
	Kind string // kindPG or kindLogdb
	Host string
	Port int
	User string
	DB   string

	// Err is set when the server could not be started; every workload then
	// reports it instead of figures.
	Err error
	// stop shuts the server down and removes its files; nil when not started.
	stop func()
	// exited says, when the server has died on its own, which process and
	// how its log ends; "" while it runs.
	exited func() string

	// Nodes are the SQL ports of every server of a cluster target (pg3:
	// the primary first, then the standbys; logdb3: nodes 1, 2, 3); nil for
	// a single server. Port is Nodes[0].
	Nodes []int
	// DataDirs are the servers' data directories, for their size on disk.
	DataDirs []string
	// Procs are the server processes, for -profile-dir.
	Procs []serverProc
}

// crashNote adds to a failure the news that the server died, if it did.
func (t *target) crashNote() string {
	if t.exited == nil {
		return ""
	}
	if s := t.exited(); s != "" {
		return " [server died: " + s + "]"
	}
	return ""
}

const (
	kindPG    = "pg"
	kindLogdb = "logdb"
)

func (t *target) connString() string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&application_name=logdb-bench", t.User, t.Host, t.Port, t.DB)
}

// replConnString is for a logical replication connection (PostgreSQL's
// walsender in database mode).
func (t *target) replConnString() string {
	return t.connString() + "&replication=database"
}

func (t *target) connect(ctx context.Context) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return pgx.Connect(cctx, t.connString())
}

// connectN opens n dedicated connections, one per client goroutine. (Each
// client owns its connection for the whole run, which is what a pool of n
// busy clients amounts to; pgxpool itself needs a module go.mod lacks.)
func (t *target) connectN(ctx context.Context, n int) ([]*pgx.Conn, error) {
	conns := make([]*pgx.Conn, 0, n)
	for i := 0; i < n; i++ {
		c, err := t.connect(ctx)
		if err != nil {
			closeAll(conns)
			return nil, fmt.Errorf("connection %d of %d: %w", i+1, n, err)
		}
		conns = append(conns, c)
	}
	return conns, nil
}

func closeAll(conns []*pgx.Conn) {
	for _, c := range conns {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c.Close(ctx)
		cancel()
	}
}

// exec runs statements one by one on a fresh connection.
func (t *target) exec(ctx context.Context, stmts ...string) error {
	c, err := t.connect(ctx)
	if err != nil {
		return err
	}
	defer closeAll([]*pgx.Conn{c})
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	return nil
}

// freePort returns a loopback port nobody listens on, below the kernel's
// ephemeral range (pgserver.FreePort).
func freePort() (int, error) { return pgserver.FreePort() }

// waitReady polls until a connection succeeds, the process exits, or the
// deadline passes.
func waitReady(ctx context.Context, t *target, exited <-chan struct{}, timeout time.Duration) error {
	return pgserver.WaitReady(ctx, t.connString(), exited, timeout)
}

// pgServerArgs are the settings every PostgreSQL the bench starts runs
// with. Replication limits are above the brief's 10 because the fan-out
// workload opens one walsender and one slot per subscriber (up to 100); a
// hot standby needs the same limits as its primary.
var pgServerArgs = []string{
	"wal_level=logical", "fsync=on", "synchronous_commit=on",
	"max_wal_senders=120", "max_replication_slots=120",
	"max_connections=300",
}

// pgProcess is one running postgres.
type pgProcess = pgserver.Process

// startPGProcess starts postgres on dataDir (made by initdb or
// pg_basebackup), logging to name.log in dir, with the common settings and
// extra ones ("name=value").
func startPGProcess(pgBin, dir, name, dataDir string, port int, cred *syscall.Credential, extra ...string) (*pgProcess, error) {
	return pgserver.StartPostgres(pgBin, dir, dataDir, port, cred, filepath.Join(dir, name+".log"), append(append([]string(nil), pgServerArgs...), extra...)...)
}

// stopPG shuts postgres down fast (SIGINT), immediately if that hangs.
func stopPG(p *pgProcess) { p.Stop(syscall.SIGINT, syscall.SIGQUIT, 15*time.Second) }

// startPostgres runs initdb and postgres in a fresh temporary directory under
// workDir, as the "postgres" OS user when we are root.
func startPostgres(ctx context.Context, pgBin, workDir string) (*target, error) {
	dir, err := os.MkdirTemp(workDir, "bench-pg-")
	if err != nil {
		return nil, err
	}
	pg, err := pgserver.Start(ctx, pgserver.Options{Bin: pgBin, Dir: dir, Settings: pgServerArgs})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	t := &target{ID: "pg", Name: "PostgreSQL", Kind: kindPG, Host: "127.0.0.1", Port: pg.Port, User: "postgres", DB: "postgres",
		DataDirs: []string{pg.DataDir}, Procs: []serverProc{{Name: "postgres", PID: pg.Cmd.Process.Pid}}}
	t.stop = func() {
		stopPG(pg.Process)
		os.RemoveAll(dir)
	}
	return t, nil
}

// startLogdb runs `logdb start` on fresh data directories: one node, or a
// cluster of nodes on this machine (clients then talk to node 1; any node
// serves SQL).
func startLogdb(ctx context.Context, bin, workDir, user, db string, nodes int) (*target, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("logdb binary: %w (build it with `go build -o bin/logdb ./cmd/logdb`)", err)
	}
	dir, err := os.MkdirTemp(workDir, "bench-logdb-")
	if err != nil {
		return nil, err
	}
	type node struct {
		listen, raft int
		http         string // --http-listen, with -profile-dir
		cmd          *exec.Cmd
		exited       chan struct{}
		logPath      string
	}
	ns := make([]*node, nodes)
	var peers []string
	for i := range ns {
		n := &node{}
		if n.listen, err = freePort(); err == nil {
			n.raft, err = freePort()
		}
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		ns[i] = n
		peers = append(peers, fmt.Sprintf("%d=127.0.0.1:%d", i+1, n.raft))
	}
	stop := func() {
		for _, n := range ns {
			if n.cmd != nil {
				stopProcess(n.cmd, n.exited, syscall.SIGTERM, syscall.SIGKILL)
			}
		}
		os.RemoveAll(dir)
	}
	for i, n := range ns {
		args := []string{"start", "--data-dir", filepath.Join(dir, fmt.Sprintf("node%d", i+1)),
			"--listen", fmt.Sprintf("127.0.0.1:%d", n.listen), "--log-level", "warn"}
		if profileDir != "" {
			port, err := freePort()
			if err != nil {
				stop()
				return nil, err
			}
			n.http = fmt.Sprintf("127.0.0.1:%d", port)
			args = append(args, "--http-listen", n.http, "--pprof")
		}
		if nodes > 1 {
			args = append(args, "--node-id", strconv.Itoa(i+1),
				"--raft-listen", fmt.Sprintf("127.0.0.1:%d", n.raft), "--peers", strings.Join(peers, ","))
		}
		n.logPath = filepath.Join(dir, fmt.Sprintf("node%d.log", i+1))
		logFile, err := os.Create(n.logPath)
		if err != nil {
			stop()
			return nil, err
		}
		cmd := exec.Command(bin, args...)
		cmd.Stdout = logFile
		cmd.Stderr = logFile
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			logFile.Close()
			stop()
			return nil, fmt.Errorf("logdb: %w", err)
		}
		n.cmd, n.exited = cmd, make(chan struct{})
		go func(n *node, f *os.File) { n.cmd.Wait(); f.Close(); close(n.exited) }(n, logFile)
	}
	t := &target{ID: "logdb", Name: "logdb", Kind: kindLogdb, Host: "127.0.0.1", Port: ns[0].listen, User: user, DB: db, stop: stop}
	for i, n := range ns {
		t.DataDirs = append(t.DataDirs, filepath.Join(dir, fmt.Sprintf("node%d", i+1)))
		t.Procs = append(t.Procs, serverProc{Name: fmt.Sprintf("node%d", i+1), PID: n.cmd.Process.Pid, Pprof: n.http})
		if nodes > 1 {
			t.Nodes = append(t.Nodes, n.listen)
		}
	}
	if nodes > 1 {
		t.ID, t.Name = fmt.Sprintf("logdb%d", nodes), fmt.Sprintf("logdb %d-node", nodes)
	}
	t.exited = func() string {
		for i, n := range ns {
			select {
			case <-n.exited:
				log, _ := os.ReadFile(n.logPath)
				return fmt.Sprintf("node %d exited (%s); its log ends: %s", i+1, n.cmd.ProcessState, lastLines(string(log), 3))
			default:
			}
		}
		return ""
	}
	for i, n := range ns {
		nt := *t
		nt.Port = n.listen
		if err := waitReady(ctx, &nt, n.exited, 60*time.Second); err != nil {
			log, _ := os.ReadFile(n.logPath)
			stop()
			return nil, fmt.Errorf("node %d: %w; its log ends: %s", i+1, err, lastLines(string(log), 3))
		}
	}
	return t, nil
}

// stopProcess sends soft, waits up to 15 s, then sends hard.
func stopProcess(cmd *exec.Cmd, exited chan struct{}, soft, hard syscall.Signal) {
	(&pgserver.Process{Cmd: cmd, Exited: exited}).Stop(soft, hard, 15*time.Second)
}

func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// isRetryable reports the SQLSTATEs a client retries: serialization failure
// and deadlock.
func isRetryable(err error) bool {
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) {
		s := pgErr.SQLState()
		return s == "40001" || s == "40P01"
	}
	return false
}
