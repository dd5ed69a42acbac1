package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"logdb/test/internal/pgserver"
)

// server is one running process: a PostgreSQL 15 or a logdb node.
type server struct {
	*pgserver.Process
	port int
}

// alive says whether the process is still running.
func (s *server) alive() bool { return s.Alive() }

// stop sends soft, waits up to 15 s, then kills.
func (s *server) stop(soft syscall.Signal) {
	if s == nil {
		return
	}
	s.Stop(soft, syscall.SIGKILL, 15*time.Second)
}

func (s *server) logTail() string { return s.LogTail(1500) }

// startPostgres runs initdb and postgres in dir (pgserver.Start), and
// creates the superuser role logdb, so that current_user reads the same on
// both sides.
func startPostgres(pgBin, dir string) (*server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := pgserver.Start(ctx, pgserver.Options{Bin: pgBin, Dir: dir, Settings: []string{"fsync=off", "TimeZone=UTC"}})
	if err != nil {
		return nil, err
	}
	s := &server{Process: pg.Process, port: pg.Port}
	c, err := pgx.Connect(ctx, pg.URL("postgres"))
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
		port, err := pgserver.FreePort()
		if err != nil {
			return nil, err
		}
		p, err := pgserver.Spawn([]string{bin, "start", "--data-dir", dataDir,
			"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--log-level", "warn"},
			filepath.Dir(dataDir), logPath, &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL})
		if err != nil {
			return nil, err
		}
		s := &server{Process: p, port: port}
		if last = pgserver.WaitReady(context.Background(), logdbURL(port), s.Exited, 60*time.Second); last == nil {
			return s, nil
		}
		last = fmt.Errorf("%w: %s", last, s.logTail())
		s.stop(syscall.SIGKILL)
	}
	return nil, errors.Join(errors.New("logdb did not start"), last)
}

func logdbURL(port int) string {
	return fmt.Sprintf("postgres://logdb@127.0.0.1:%d/logdb?sslmode=disable", port)
}
