package pgwire

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Tests with a real driver: pgx against the server and the fake session.

func mustPgxConnect(t testing.TB, ts *testServer, extra string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://logdb@%s/logdb?%s", ts.addr, extra))
	if err != nil {
		t.Fatalf("pgx.Connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestPgxQueries(t *testing.T) {
	ts := mustStartServer(t, nil)
	// The default sslmode=prefer: pgx sends SSLRequest, gets 'N' and
	// reconnects without TLS.
	conn := mustPgxConnect(t, ts, "")
	ctx := testContext(t)

	if v := conn.PgConn().ParameterStatus("server_version"); v != "15.0 (logdb)" {
		t.Fatalf("server_version = %q", v)
	}

	// Extended protocol with a binary parameter and a binary result.
	var n int64
	if err := conn.QueryRow(ctx, "select $1::int8", int64(42)).Scan(&n); err != nil || n != 42 {
		t.Fatalf("select $1::int8 = %d, %v", n, err)
	}
	// Second use: the statement cache skips Parse/Describe.
	if err := conn.QueryRow(ctx, "select $1::int8", int64(-7)).Scan(&n); err != nil || n != -7 {
		t.Fatalf("select $1::int8 = %d, %v", n, err)
	}
	var s string
	if err := conn.QueryRow(ctx, "select $1::int8, $2::text", int64(1), "héllo").Scan(&n, &s); err != nil || n != 1 || s != "héllo" {
		t.Fatalf("got %d %q, %v", n, s, err)
	}
	var null *string
	if err := conn.QueryRow(ctx, "select null").Scan(&null); err != nil || null != nil {
		t.Fatalf("select null = %v, %v", null, err)
	}

	// Many rows.
	rows, err := conn.Query(ctx, "rows 1000")
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	if err := rows.Err(); err != nil || sum != 1000*1001/2 {
		t.Fatalf("sum = %d, %v", sum, err)
	}

	// Simple protocol (Exec without arguments), transaction status.
	if _, err := conn.Exec(ctx, "begin"); err != nil {
		t.Fatal(err)
	}
	if st := conn.PgConn().TxStatus(); st != 'T' {
		t.Fatalf("TxStatus after begin = %c", st)
	}
	tag, err := conn.Exec(ctx, "commit")
	if err != nil || tag.String() != "COMMIT" || conn.PgConn().TxStatus() != 'I' {
		t.Fatalf("commit: %v %v %c", tag, err, conn.PgConn().TxStatus())
	}

	// Errors arrive as *pgconn.PgError with their fields.
	_, err = conn.Exec(ctx, "error")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" || pgErr.Position != 15 || pgErr.TableName != "nosuch" {
		t.Fatalf("error = %#v", err)
	}
	// And the connection stays usable.
	if err := conn.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	// Other exec modes: text parameters with server-side types, and
	// Describe Portal.
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeExec, pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeDescribeExec} {
		if err := conn.QueryRow(ctx, "select $1::int8", mode, int64(99)).Scan(&n); err != nil || n != 99 {
			t.Fatalf("mode %v: %d, %v", mode, n, err)
		}
	}
}

func TestPgxBatchErrorMidway(t *testing.T) {
	ts := mustStartServer(t, nil)
	conn := mustPgxConnect(t, ts, "sslmode=disable")
	ctx := testContext(t)

	b := &pgx.Batch{}
	b.Queue("select $1::int8", int64(1))
	b.Queue("select 1")
	b.Queue("select $1::int8, $2::text", int64(2), "two")
	br := conn.SendBatch(ctx, b)
	var n int64
	if err := br.QueryRow().Scan(&n); err != nil || n != 1 {
		t.Fatalf("first: %d %v", n, err)
	}
	if err := br.QueryRow().Scan(&n); err != nil || n != 1 {
		t.Fatalf("second: %d %v", n, err)
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}

	// An error in the middle of a pipeline.
	b = &pgx.Batch{}
	b.Queue("select $1::int8", int64(1))
	b.Queue("garbage")
	b.Queue("select $1::int8", int64(3))
	err := conn.SendBatch(ctx, b).Close()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42601" {
		t.Fatalf("batch error = %v", err)
	}
	if err := conn.QueryRow(ctx, "select $1::int8", int64(5)).Scan(&n); err != nil || n != 5 {
		t.Fatalf("after batch: %d %v", n, err)
	}
}

func TestPgxCancelRequest(t *testing.T) {
	ts := mustStartServer(t, nil)
	ts.engine.started = make(chan string, 1)
	conn := mustPgxConnect(t, ts, "sslmode=disable")
	ctx := testContext(t)

	go func() {
		<-ts.engine.started
		conn.PgConn().CancelRequest(ctx)
	}()
	_, err := conn.Exec(ctx, "sleep")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("canceled statement: %v", err)
	}
	go func() { <-ts.engine.started }()
	if err := conn.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPgxContextCancel(t *testing.T) {
	ts := mustStartServer(t, nil)
	ts.engine.started = make(chan string, 1)
	conn := mustPgxConnect(t, ts, "sslmode=disable")
	ctx, cancel := context.WithCancel(testContext(t))
	go func() {
		<-ts.engine.started
		cancel()
	}()
	// On a canceled context pgx gives up on the connection (a CancelRequest
	// and a close); the statement and the session must end.
	if _, err := conn.Exec(ctx, "sleep"); err == nil {
		t.Fatal("canceled Exec succeeded")
	}
	waitFor(t, "session closed", func() bool { return ts.engine.closedSessions() == 1 })
}

func TestPgxWaitForNotification(t *testing.T) {
	ts := mustStartServer(t, nil)
	conn := mustPgxConnect(t, ts, "sslmode=disable")
	ctx := testContext(t)
	// The session's notifier is set before the first ReadyForQuery, so
	// before Connect returns; the notification waits in the socket.
	ts.engine.notifyAll("jobs", "42")
	n, err := conn.WaitForNotification(ctx)
	if err != nil || n.Channel != "jobs" || n.Payload != "42" || n.PID != 7 {
		t.Fatalf("notification = %+v, %v", n, err)
	}
}
