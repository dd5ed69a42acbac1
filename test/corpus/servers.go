package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// server is one running process: a PostgreSQL 15 or a logdb node.
type server struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	logPath string
	port    int
}

// alive says whether the process is still running.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop sends soft, waits up to 15 s, then kills.
func (s *server) stop(soft syscall.Signal) {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(soft)
	select {
	case <-s.exited:
		return
	case <-time.After(15 * time.Second):
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	b = bytes.TrimSpace(b)
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return string(b)
}

// freePort returns a loopback port nobody listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startProcess runs argv with its output in logPath.
func startProcess(argv []string, dir, logPath string, attr *syscall.SysProcAttr) (*server, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &server{cmd: cmd, exited: make(chan struct{}), logPath: logPath}
	go func() { cmd.Wait(); logFile.Close(); close(s.exited) }()
	return s, nil
}

// waitReady polls until connString accepts a connection, the process
// exits, or a minute passes.
func waitReady(s *server, connString string) error {
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, connString)
		cancel()
		if err == nil {
			c.Close(context.Background())
			return nil
		}
		last = err
		select {
		case <-s.exited:
			return fmt.Errorf("exited during start-up: %s", s.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("not accepting connections after a minute: %v", last)
}

// postgresCred is who PostgreSQL runs as: the "postgres" OS user when we
// are root (PostgreSQL refuses to run as root), else ourselves (nil). dir
// is handed to that user.
func postgresCred(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and there is no \"postgres\" OS user to run PostgreSQL as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// startPostgres runs initdb and postgres in dir (as test/postgres_harness_test.go
// does), and creates the superuser role logdb, so that current_user reads
// the same on both sides.
func startPostgres(pgBin, dir string) (*server, error) {
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	cred, err := postgresCred(dir)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(pgBin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s, err := startProcess([]string{filepath.Join(pgBin, "postgres"), "-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-k", dir, "-c", "fsync=off", "-c", "TimeZone=UTC"},
		dir, filepath.Join(dir, "postgres.log"),
		&syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGQUIT})
	if err != nil {
		return nil, err
	}
	s.port = port
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	if err := waitReady(s, url); err != nil {
		s.stop(syscall.SIGQUIT)
		return nil, fmt.Errorf("postgres: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err == nil {
		_, err = c.Exec(ctx, "CREATE ROLE logdb SUPERUSER LOGIN")
		c.Close(ctx)
	}
	if err != nil {
		s.stop(syscall.SIGINT)
		return nil, fmt.Errorf("postgres: creating role logdb: %w", err)
	}
	return s, nil
}

// freshPostgresDB drops and creates the database logdb (owned by the role
// logdb) for the next file.
func freshPostgresDB(pg *server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	for _, q := range []string{"DROP DATABASE IF EXISTS logdb WITH (FORCE)",
		"CREATE DATABASE logdb OWNER logdb TEMPLATE template0"} {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	// Roles are cluster-wide: drop the ones a file made (regress_*).
	rows, err := c.Query(ctx, "SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' AND rolname NOT IN ('postgres', 'logdb')")
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := c.Exec(ctx, "DROP ROLE "+pgx.Identifier{n}.Sanitize()); err != nil {
			return fmt.Errorf("dropping role %s: %w", n, err)
		}
	}
	return nil
}

// startLogdb starts a logdb node on dataDir (created on first start).
func startLogdb(bin, dataDir, logPath string) (*server, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("logdb binary: %w (build it with `go build -o bin/logdb ./cmd/logdb`)", err)
	}
	var last error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := startProcess([]string{bin, "start", "--data-dir", dataDir,
			"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--log-level", "warn"},
			filepath.Dir(dataDir), logPath, &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL})
		if err != nil {
			return nil, err
		}
		s.port = port
		if last = waitReady(s, logdbURL(port)); last == nil {
			return s, nil
		}
		s.stop(syscall.SIGKILL)
	}
	return nil, errors.Join(errors.New("logdb did not start"), last)
}

func logdbURL(port int) string {
	return fmt.Sprintf("postgres://logdb@127.0.0.1:%d/logdb?sslmode=disable", port)
}
