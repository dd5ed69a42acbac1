package test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// change is one row of the changefeed, as COPY text or FETCH returns it.
type change struct {
	LSN, XID, Op, Relation, Key, Before, After, CommitTime string
}

func (c change) String() string {
	return strings.Join([]string{c.LSN, c.XID, c.Op, c.Relation, c.Key, c.Before, c.After}, " ")
}

// lsn parses c.LSN (X/Y).
func (c change) lsn(t testing.TB) uint64 {
	t.Helper()
	return parseLSN(t, c.LSN)
}

func parseLSN(t testing.TB, s string) uint64 {
	t.Helper()
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil || s != strings.ToUpper(s) {
		t.Fatalf("LSN %q is not PostgreSQL's X/Y form", s)
	}
	return h<<32 | l
}

// parseCopyLine reads one COPY text line of a SUBSCRIBE stream.
func parseCopyLine(t testing.TB, line string) change {
	t.Helper()
	f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
	if len(f) != 8 {
		t.Fatalf("COPY line %q has %d columns, want 8", line, len(f))
	}
	for i := range f {
		if f[i] == `\N` {
			f[i] = "NULL"
		}
	}
	return change{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]}
}

// mustStartNodeArgs is mustStartNode with further `logdb start` flags.
func mustStartNodeArgs(t *testing.T, dir string, args ...string) *Node {
	t.Helper()
	requireLogdb(t)
	n := &Node{Dir: dir, Log: filepath.Join(t.TempDir(), "logdb.log"), Args: args}
	n.mustStart(t, "")
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("log of node %s (%s):\n%s", n.Addr, n.Log, tailFile(n.Log, 60))
		}
	})
	return n
}

// copyStream is a COPY (SUBSCRIBE …) TO STDOUT stream read through pgx on
// its own connection; its lines arrive on C.
type copyStream struct {
	C    chan change
	conn *pgx.Conn
	done chan error // CopyTo's result
}

// startCopyStream starts a stream. A subscription without a start position
// begins at the end of the log when the server runs the statement: tests
// that need to know when that is use PROGRESS and wait for its first row.
func startCopyStream(t *testing.T, ctx context.Context, n *Node, query string) *copyStream {
	t.Helper()
	return startCopyStreamOn(t, ctx, mustConnect(t, n), query)
}

// startCopyStreamOn starts a stream on conn (a connection to any database).
func startCopyStreamOn(t *testing.T, ctx context.Context, conn *pgx.Conn, query string) *copyStream {
	t.Helper()
	s := &copyStream{C: make(chan change, 100000), conn: conn, done: make(chan error, 1)}
	pr, pw := io.Pipe()
	go func() {
		_, err := conn.PgConn().CopyTo(ctx, pw, query)
		pw.CloseWithError(fmt.Errorf("copy ended: %w", err))
		s.done <- err
	}()
	go func() {
		br := bufio.NewReader(pr)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				close(s.C)
				return
			}
			s.C <- parseCopyLine(t, line)
		}
	}()
	return s
}

// next returns the next change of the stream, failing the test after d.
func (s *copyStream) next(t *testing.T, d time.Duration) change {
	t.Helper()
	select {
	case c, ok := <-s.C:
		if !ok {
			t.Fatalf("the SUBSCRIBE stream ended: %v", <-s.done)
		}
		return c
	case <-time.After(d):
		t.Fatalf("no change within %s", d)
	}
	return change{}
}

// nextN returns the next n changes, skipping progress rows.
func (s *copyStream) nextN(t *testing.T, n int, d time.Duration) []change {
	t.Helper()
	var out []change
	deadline := time.Now().Add(d)
	for len(out) < n {
		c := s.next(t, time.Until(deadline))
		if c.Op != "progress" {
			out = append(out, c)
		}
	}
	return out
}

// none requires that no change (other than progress) arrives within d.
func (s *copyStream) none(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case c, ok := <-s.C:
			if !ok {
				return
			}
			if c.Op != "progress" {
				t.Fatalf("unexpected change %v", c)
			}
		case <-deadline:
			return
		}
	}
}

// cancel sends a CancelRequest and returns CopyTo's error.
func (s *copyStream) cancel(t *testing.T) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.conn.PgConn().CancelRequest(ctx); err != nil {
		t.Fatalf("CancelRequest: %v", err)
	}
	select {
	case err := <-s.done:
		return err
	case <-ctx.Done():
		t.Fatal("the stream did not end within 10 s of a CancelRequest")
	}
	return nil
}

// fetch runs FETCH on a SUBSCRIBE cursor (simple protocol, text rows).
func fetch(t *testing.T, ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, sql string) []change {
	t.Helper()
	out, err := fetchErr(ctx, q, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func fetchErr(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, sql string) ([]change, error) {
	rows, err := q.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []change
	for rows.Next() {
		raw := rows.RawValues()
		f := make([]string, 8)
		for i := range f {
			if raw[i] == nil {
				f[i] = "NULL"
			} else {
				f[i] = string(raw[i])
			}
		}
		out = append(out, change{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]})
	}
	return out, rows.Err()
}

// wantPgError checks the SQLSTATE of err and that its message contains sub.
func wantPgError(t *testing.T, err error, code, sub, what string) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("%s: want SQLSTATE %s, got %v", what, code, err)
	}
	if pe.Code != code || !strings.Contains(pe.Message, sub) {
		t.Fatalf("%s: want SQLSTATE %s containing %q, got %s: %s", what, code, sub, pe.Code, pe.Message)
	}
	return pe
}

func currentLSN(t *testing.T, ctx context.Context, c *pgx.Conn) string {
	t.Helper()
	var s string
	if err := c.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&s); err != nil {
		t.Fatalf("pg_current_wal_lsn: %v", err)
	}
	return s
}
