package test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a throwaway PostgreSQL 15 server started by a test, the
// reference logdb's behaviour is compared with (and, for logical
// replication, a subscriber). It runs as the "postgres" OS user when the
// tests run as root, with wal_level=logical and TimeZone UTC.
type Postgres struct {
	Port int
	Dir  string
}

func pgBin() string {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d
	}
	return "/usr/lib/postgresql/15/bin"
}

// mustStartPostgres starts a server for the test and stops it at cleanup;
// the test is skipped when PostgreSQL 15's server binaries are missing.
func mustStartPostgres(t *testing.T) *Postgres {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin(), "postgres")); err != nil {
		t.Skipf("PostgreSQL 15 server binaries not found in %s (set PG_BIN): %v", pgBin(), err)
	}
	dir, err := os.MkdirTemp("", "logdb-test-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and there is no \"postgres\" OS user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(pgBin(), "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	_, portText, _ := net.SplitHostPort(freeAddr(t))
	port, _ := strconv.Atoi(portText)
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(pgBin(), "postgres"), "-D", data, "-p", portText,
		"-c", "listen_addresses=127.0.0.1", "-k", dir, "-c", "wal_level=logical", "-c", "fsync=off",
		"-c", "max_wal_senders=20", "-c", "max_replication_slots=20", "-c", "TimeZone=UTC",
		"-c", "max_logical_replication_workers=8", "-c", "wal_retrieve_retry_interval=200ms")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		t.Fatalf("postgres: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logFile.Close(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("PostgreSQL log (%s):\n%s", logPath, tailFile(logPath, 40))
		}
	})
	pg := &Postgres{Port: port, Dir: dir}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, pg.URL("postgres"))
		cancel()
		if err == nil {
			c.Close(context.Background())
			return pg
		}
		select {
		case <-exited:
			t.Fatalf("postgres exited:\n%s", tailFile(logPath, 40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres did not start: %v\n%s", err, tailFile(logPath, 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// URL is a connection string for database db.
func (pg *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.Port, db)
}

func (pg *Postgres) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// execOnEach runs each of the ";\n"-separated statements of script on
// every connection (the same schema on PostgreSQL and on logdb).
func execOnEach(t *testing.T, ctx context.Context, script string, conns ...*pgx.Conn) {
	t.Helper()
	for _, c := range conns {
		for _, q := range strings.Split(script, ";\n") {
			if _, err := c.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
}
