package test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"logdb/test/internal/pgserver"
)

// Postgres is a throwaway PostgreSQL 15 server started by a test, the
// reference logdb's behaviour is compared with (and, for logical
// replication, a subscriber). It runs as the "postgres" OS user when the
// tests run as root, with wal_level=logical and TimeZone UTC.
type Postgres struct {
	Port int
	Dir  string
}

func pgBin() string { return pgserver.Bin() }

// pgTemplate is the data directory every test's PostgreSQL starts from
// (initdb once per test binary instead of once per test); TestMain
// removes it.
var pgTemplate struct {
	once      sync.Once
	dir, data string
	err       error
}

func postgresTemplate() (string, error) {
	pgTemplate.once.Do(func() {
		if pgTemplate.dir, pgTemplate.err = os.MkdirTemp("", "logdb-test-pgtemplate-"); pgTemplate.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		pgTemplate.data, pgTemplate.err = pgserver.MakeTemplate(ctx, "", pgTemplate.dir)
	})
	return pgTemplate.data, pgTemplate.err
}

func removePostgresTemplate() {
	if pgTemplate.dir != "" {
		os.RemoveAll(pgTemplate.dir)
	}
}

// mustStartPostgres starts a server for the test and stops it at cleanup;
// the test is skipped when PostgreSQL 15's server binaries are missing.
func mustStartPostgres(t *testing.T) *Postgres {
	t.Helper()
	dir, err := os.MkdirTemp("", "logdb-test-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port, err := strconv.Atoi(strings.TrimPrefix(freeAddr(t), "127.0.0.1:"))
	if err != nil {
		t.Fatal(err)
	}
	template, err := postgresTemplate()
	if errors.Is(err, pgserver.ErrNoServer) || errors.Is(err, pgserver.ErrNoPostgresUser) {
		t.Skipf("%v (%s)", err, pgserver.Bin())
	}
	if err != nil {
		t.Fatal(err)
	}
	srv, err := pgserver.Start(context.Background(), pgserver.Options{Dir: dir, Port: port, Template: template, Settings: []string{
		"wal_level=logical", "fsync=off", "max_wal_senders=20", "max_replication_slots=20", "TimeZone=UTC",
		"max_logical_replication_workers=8", "wal_retrieve_retry_interval=200ms"}})
	if errors.Is(err, pgserver.ErrNoServer) || errors.Is(err, pgserver.ErrNoPostgresUser) {
		t.Skipf("%v (%s)", err, pgserver.Bin())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Stop(syscall.SIGINT, syscall.SIGKILL, 30*time.Second)
		if t.Failed() {
			t.Logf("PostgreSQL log (%s):\n%s", srv.LogPath, tailFile(srv.LogPath, 40))
		}
	})
	return &Postgres{Port: port, Dir: dir}
}

// mustPostgresAndNode is the set-up of a comparison test: a parallel test
// with a timeout context, a PostgreSQL 15 and a logdb node of its own, a
// connection to each (pc, lc).
func mustPostgresAndNode(t *testing.T, timeout time.Duration) (ctx context.Context, pc, lc *pgx.Conn) {
	t.Helper()
	return postgresAnd(t, timeout, func(t *testing.T) *Node { return mustStartNode(t, t.TempDir()) })
}

// mustPostgresAndSharedNode is mustPostgresAndNode with the shared logdb
// node (the test's tables must have names of their own).
func mustPostgresAndSharedNode(t *testing.T, timeout time.Duration) (ctx context.Context, pc, lc *pgx.Conn) {
	t.Helper()
	return postgresAnd(t, timeout, sharedNode)
}

func postgresAnd(t *testing.T, timeout time.Duration, node func(*testing.T) *Node) (ctx context.Context, pc, lc *pgx.Conn) {
	t.Helper()
	requireLogdb(t)
	t.Parallel()
	ctx = testCtx(t, timeout)
	pc = mustStartPostgres(t).connect(t)
	lc = mustConnect(t, node(t))
	return ctx, pc, lc
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
