package test

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgreSQL's client programs (psql, pg_dump) against logdb and against
// the reference PostgreSQL, as the dump, restore and psql tests run them.

// clientArgs are the connection flags of a client program for database db
// of node n, as the superuser logdb.
func (n *Node) clientArgs(db string) []string {
	host, port := splitAddr(n.Addr)
	return []string{"-h", host, "-p", port, "-U", "logdb", "-d", db}
}

// clientArgs are the connection flags of a client program for database db
// of pg, as the superuser postgres.
func (pg *Postgres) clientArgs(db string) []string {
	return []string{"-h", "127.0.0.1", "-p", strconv.Itoa(pg.Port), "-U", "postgres", "-d", db}
}

// runClient runs a client program with SSL off and stdin as its input,
// returning its stdout and stderr together and the error.
func runClient(ctx context.Context, stdin, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(cmd.Environ(), "PGSSLMODE=disable")
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustRunClient is runClient that fails the test when the program does.
func mustRunClient(t *testing.T, ctx context.Context, stdin, name string, args ...string) string {
	t.Helper()
	out, err := runClient(ctx, stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

// mustDump runs pg_dump with args (connection flags, options) and returns
// the script it writes on stdout; what it says on stderr stays out of it.
func mustDump(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, "pg_dump", args...)
	cmd.Env = append(cmd.Environ(), "PGSSLMODE=disable")
	script, err := cmd.Output()
	if err != nil {
		var stderr []byte
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("pg_dump %v: %v\n%s", args, err, stderr)
	}
	return string(script)
}

// mustLoadScript runs script through psql (-X -q, ON_ERROR_STOP=1) with
// connection flags conn; what names the load in the failure.
func mustLoadScript(t *testing.T, ctx context.Context, what, script string, conn []string) {
	t.Helper()
	args := append([]string{"-X", "-q", "-v", "ON_ERROR_STOP=1"}, conn...)
	if out, err := runClient(ctx, script, "psql", args...); err != nil {
		t.Fatalf("%s: %v\n%s\nscript:\n%.4000s", what, err, out, script)
	}
}

// mustRestoreIntoPostgres loads a dump of logdb's database into a new
// database "restored" of pg (with a role logdb, the dump's owner) and
// returns a connection to it, closed at cleanup.
func mustRestoreIntoPostgres(t *testing.T, ctx context.Context, pg *Postgres, script string) *pgx.Conn {
	t.Helper()
	pc := pg.connect(t)
	mustExec(t, ctx, pc, "CREATE DATABASE restored")
	mustExec(t, ctx, pc, "CREATE ROLE logdb")
	mustLoadScript(t, ctx, "restoring logdb's dump into PostgreSQL", script, pg.clientArgs("restored"))
	rc, err := pgx.Connect(ctx, pg.URL("restored"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close(context.Background()) })
	return rc
}
