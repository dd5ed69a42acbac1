package pgwire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Wire-script tests: a pgproto3.Frontend sends messages and the replies are
// compared as transcripts. The expected transcripts follow PostgreSQL 15.

var startupTranscript = []string{
	"AuthenticationOk",
	"ParameterStatus application_name=",
	"ParameterStatus client_encoding=UTF8",
	"ParameterStatus DateStyle=ISO, MDY",
	"ParameterStatus integer_datetimes=on",
	"ParameterStatus server_encoding=UTF8",
	"ParameterStatus server_version=15.0 (logdb)",
	"ParameterStatus standard_conforming_strings=on",
	"ParameterStatus TimeZone=UTC",
	"BackendKeyData",
	"ReadyForQuery I",
}

func TestStartup(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, got := mustConnect(t, ts.addr, nil)
	expect(t, got, startupTranscript...)
	// The session's own pid (pg_backend_pid) is the one reported.
	if c.key.ProcessID != 4242 || len(c.key.SecretKey) != 4 {
		t.Fatalf("BackendKeyData = %+v, want pid 4242", c.key)
	}
	ts.engine.mu.Lock()
	p := ts.engine.sessions[0].params
	ts.engine.mu.Unlock()
	if p.User != "logdb" || p.Database != "logdb" {
		t.Fatalf("SessionParams = %+v, want user and database logdb", p)
	}
}

func TestStartupParameters(t *testing.T) {
	ts := mustStartServer(t, nil)
	mustConnect(t, ts.addr, map[string]string{
		"user": "alice", "database": "postgres", "application_name": "app",
		"TimeZone": "UTC", "options": `-c search_path=a\ b --statement-timeout=5s -cwork_mem=4MB`,
		"search_path": "explicit_wins",
	})
	ts.engine.mu.Lock()
	p := ts.engine.sessions[0].params
	ts.engine.mu.Unlock()
	if p.User != "alice" || p.Database != "postgres" || p.ApplicationName != "app" {
		t.Fatalf("SessionParams = %+v", p)
	}
	want := map[string]string{"TimeZone": "UTC", "search_path": "explicit_wins", "statement_timeout": "5s", "work_mem": "4MB"}
	if len(p.Options) != len(want) {
		t.Fatalf("Options = %v, want %v", p.Options, want)
	}
	for k, v := range want {
		if p.Options[k] != v {
			t.Fatalf("Options = %v, want %v", p.Options, want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	got := map[string]string{}
	if err := parseOptions(`-c a=1  -c b=x\ y --c-d=2 -ce=`, got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "1", "b": "x y", "c_d": "2", "e": ""}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"-x", "-c", "-c noequals", "plain"} {
		if err := parseOptions(bad, map[string]string{}); err == nil {
			t.Errorf("parseOptions(%q) succeeded", bad)
		}
	}
}

func TestSSLAndGSSRequestAnsweredN(t *testing.T) {
	ts := mustStartServer(t, nil)
	nc := mustDial(t, ts.addr)
	for _, code := range []uint32{codeSSLRequest, codeGSSEncRequest} {
		pkt := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), code)
		if _, err := nc.Write(pkt); err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		if _, err := nc.Read(b[:]); err != nil || b[0] != 'N' {
			t.Fatalf("reply to %d = %q, %v; want 'N'", code, b[0], err)
		}
	}
	// The real startup follows on the same connection.
	c := newClient(t, nc)
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "logdb"}})
	expect(t, c.readBatch(), startupTranscript...)
}

func TestStartupRejections(t *testing.T) {
	ts := mustStartServer(t, nil)
	for _, tc := range []struct {
		name    string
		version uint32
		params  map[string]string
		want    string
	}{
		{"no user", pgproto3.ProtocolVersion30, map[string]string{"database": "logdb"},
			"ErrorResponse FATAL 28000 no PostgreSQL user name specified in startup packet"},
		{"unknown database", pgproto3.ProtocolVersion30, map[string]string{"user": "u", "database": "nosuch"},
			`ErrorResponse FATAL 3D000 database "nosuch" does not exist`},
		{"physical replication", pgproto3.ProtocolVersion30, map[string]string{"user": "u", "replication": "true"},
			"ErrorResponse FATAL 0A000 physical replication is not supported"},
		{"bad options", pgproto3.ProtocolVersion30, map[string]string{"user": "u", "options": "-x"},
			"ErrorResponse FATAL 08P01 invalid command-line argument for server process: -x"},
		{"protocol 4", 4 << 16, map[string]string{"user": "u"},
			"ErrorResponse FATAL 0A000 unsupported frontend protocol 4.0: server supports 3.0 to 3.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := mustDial(t, ts.addr)
			pkt := encodeStartup(tc.version, tc.params)
			if _, err := nc.Write(pkt); err != nil {
				t.Fatal(err)
			}
			c := newClient(t, nc)
			got := c.readToEOF()
			if len(got) == 0 || got[len(got)-1] != tc.want {
				t.Fatalf("got %q, want it to end with %q", got, tc.want)
			}
		})
	}
}

// encodeStartup builds a startup packet for any protocol version (the
// pgproto3 encoder only writes supported ones).
func encodeStartup(version uint32, params map[string]string) []byte {
	b := binary.BigEndian.AppendUint32(make([]byte, 4), version)
	for k, v := range params {
		b = append(append(append(append(b, k...), 0), v...), 0)
	}
	b = append(b, 0)
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

func TestStartupProtocol32Negotiated(t *testing.T) {
	ts := mustStartServer(t, nil)
	nc := mustDial(t, ts.addr)
	nc.Write(encodeStartup(3<<16|2, map[string]string{"user": "u", "_pq_.frob": "1"}))
	c := newClient(t, nc)
	got := c.readBatch()
	expect(t, got, append([]string{"NegotiateProtocolVersion 0 [_pq_.frob]"}, startupTranscript...)...)
}

func TestSimpleQuery(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"select 1", []string{"RowDescription x:20:f0", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"rows 2; insert; select null", []string{
			"RowDescription n:20:f0", "DataRow 1", "DataRow 2", "CommandComplete SELECT 2",
			"CommandComplete INSERT 0 1",
			"RowDescription t:25:f0", "DataRow NULL", "CommandComplete SELECT 1",
			"ReadyForQuery I"}},
		{"-- ping", []string{"EmptyQueryResponse", "ReadyForQuery I"}},
		{"notice", []string{"NoticeResponse NOTICE 00000 just so you know", "CommandComplete DO", "ReadyForQuery I"}},
		{"set application_name 'x'", []string{"CommandComplete SET", "ParameterStatus application_name=x", "ReadyForQuery I"}},
		{"error", []string{`ErrorResponse ERROR 42P01 relation "nosuch" does not exist`, "ReadyForQuery I"}},
		{"internal", []string{"ErrorResponse ERROR XX000 disk on fire", "ReadyForQuery I"}},
		{"begin", []string{"CommandComplete BEGIN", "ReadyForQuery T"}},
		{"error", []string{`ErrorResponse ERROR 42P01 relation "nosuch" does not exist`, "ReadyForQuery E"}},
		{"commit", []string{"CommandComplete ROLLBACK", "ReadyForQuery I"}},
	} {
		c.send(&pgproto3.Query{String: tc.query})
		expect(t, c.readBatch(), tc.want...)
	}
}

func TestErrorResponseFields(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "error"})
	msg, err := c.fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := msg.(*pgproto3.ErrorResponse)
	if !ok {
		t.Fatalf("got %T", msg)
	}
	if e.Severity != "ERROR" || e.SeverityUnlocalized != "ERROR" || e.Position != 15 || e.Hint != "a hint" || e.TableName != "nosuch" {
		t.Fatalf("ErrorResponse = %+v", e)
	}
}

func TestExtendedQuery(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)

	// pgx's first use of a statement: Parse, Describe S, Sync.
	c.send(&pgproto3.Parse{Name: "s1", Query: "select $1::int8, $2::text"},
		&pgproto3.Describe{ObjectType: 'S', Name: "s1"}, &pgproto3.Sync{})
	expect(t, c.readBatch(), "ParseComplete", "ParameterDescription [20 25]", "RowDescription x:20:f0,t:25:f0", "ReadyForQuery I")

	// Then Bind with binary parameters and result formats, Describe P, Execute, Sync.
	c.send(&pgproto3.Bind{PreparedStatement: "s1", ParameterFormatCodes: []int16{1, 0},
		Parameters: [][]byte{int8Param(42), []byte("hi")}, ResultFormatCodes: []int16{1, 0}},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expect(t, c.readBatch(), "BindComplete", "RowDescription x:20:f1,t:25:f0",
		"DataRow 0x000000000000002a,hi", "CommandComplete SELECT 1", "ReadyForQuery I")

	// node-postgres: Parse, Bind, Describe P, Execute, Sync in one write; no rows → NoData.
	c.send(&pgproto3.Parse{Query: "insert"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{}, &pgproto3.Sync{})
	expect(t, c.readBatch(), "ParseComplete", "BindComplete", "NoData", "CommandComplete INSERT 0 1", "ReadyForQuery I")

	// Describe of a statement without result columns: NoData.
	c.send(&pgproto3.Parse{Name: "ins", Query: "insert"}, &pgproto3.Describe{ObjectType: 'S', Name: "ins"}, &pgproto3.Sync{})
	expect(t, c.readBatch(), "ParseComplete", "ParameterDescription []", "NoData", "ReadyForQuery I")

	// Empty query through the extended protocol.
	c.send(&pgproto3.Parse{Query: ""}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expect(t, c.readBatch(), "ParseComplete", "BindComplete", "EmptyQueryResponse", "ReadyForQuery I")

	// Close a statement, then using it fails.
	c.send(&pgproto3.Close{ObjectType: 'S', Name: "s1"}, &pgproto3.Sync{})
	expect(t, c.readBatch(), "CloseComplete", "ReadyForQuery I")
	c.send(&pgproto3.Describe{ObjectType: 'S', Name: "s1"}, &pgproto3.Sync{})
	expect(t, c.readBatch(), `ErrorResponse ERROR 26000 prepared statement "s1" does not exist`, "ReadyForQuery I")
}

func TestExtendedErrorSkipsUntilSync(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)
	ts.engine.takeCalls()

	// A pgx batch: the second Bind fails; everything up to Sync, even a
	// Query and a Flush, is discarded, and ReadyForQuery follows Sync.
	c.send(
		&pgproto3.Parse{Name: "s1", Query: "select $1::int8"},
		&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte("1")}},
		&pgproto3.Execute{},
		&pgproto3.Bind{PreparedStatement: "nosuch"},
		&pgproto3.Execute{},
		&pgproto3.Parse{Name: "s2", Query: "select 1"},
		&pgproto3.Describe{ObjectType: 'S', Name: "s2"},
		&pgproto3.Query{String: "select 1"},
		&pgproto3.Flush{},
		&pgproto3.Close{ObjectType: 'S', Name: "s1"},
		&pgproto3.Sync{},
	)
	expect(t, c.readBatch(),
		"ParseComplete", "BindComplete", "DataRow 1", "CommandComplete SELECT 1",
		`ErrorResponse ERROR 26000 prepared statement "nosuch" does not exist`,
		"ReadyForQuery I")
	expect(t, ts.engine.takeCalls(), "Prepare s1", "Bind s1", "Execute  0", "Bind nosuch", "Sync")

	// The connection is usable again after Sync.
	c.send(&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte("7")}}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expect(t, c.readBatch(), "BindComplete", "DataRow 7", "CommandComplete SELECT 1", "ReadyForQuery I")

	// An error in Parse (the statement does not parse) skips the rest too.
	c.send(&pgproto3.Parse{Query: "garbage"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expect(t, c.readBatch(), `ErrorResponse ERROR 42601 fake: cannot parse "garbage"`, "ReadyForQuery I")
}

func TestPortalSuspended(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)
	// pg-cursor: a named portal read in chunks, kept alive with Flush.
	c.send(&pgproto3.Parse{Query: "rows 5"}, &pgproto3.Bind{DestinationPortal: "C_1"},
		&pgproto3.Describe{ObjectType: 'P', Name: "C_1"}, &pgproto3.Flush{})
	expect(t, c.readN(3), "ParseComplete", "BindComplete", "RowDescription n:20:f0")
	c.send(&pgproto3.Execute{Portal: "C_1", MaxRows: 2}, &pgproto3.Flush{})
	expect(t, c.readN(3), "DataRow 1", "DataRow 2", "PortalSuspended")
	c.send(&pgproto3.Execute{Portal: "C_1", MaxRows: 2}, &pgproto3.Flush{})
	expect(t, c.readN(3), "DataRow 3", "DataRow 4", "PortalSuspended")
	c.send(&pgproto3.Execute{Portal: "C_1", MaxRows: 2}, &pgproto3.Flush{})
	expect(t, c.readN(2), "DataRow 5", "CommandComplete SELECT 1")
	c.send(&pgproto3.Close{ObjectType: 'P', Name: "C_1"}, &pgproto3.Sync{})
	expect(t, c.readBatch(), "CloseComplete", "ReadyForQuery I")
}

func TestLargeResultStreams(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "rows 100000"})
	got := c.readBatch()
	if len(got) != 100003 || got[100001] != "CommandComplete SELECT 100000" {
		t.Fatalf("got %d messages, ending %q", len(got), got[len(got)-2:])
	}
}

func TestOversizedMessage(t *testing.T) {
	ts := mustStartServer(t, func(cfg *Config) { cfg.MaxMessageSize = 1024 })
	c, _ := mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "select 1"})
	c.readBatch()
	c.send(&pgproto3.Query{String: "select 1 -- " + strings.Repeat("x", 2000)})
	expect(t, c.readToEOF(), "ErrorResponse FATAL 08P01 message of 2013 bytes exceeds the maximum message size of 1024 bytes")
	waitFor(t, "session closed", func() bool { return ts.engine.closedSessions() == 1 })

	// A huge declared length is refused before anything is allocated.
	c, _ = mustConnect(t, ts.addr, nil)
	c.nc.Write([]byte{'Q', 0x7f, 0xff, 0xff, 0xff})
	expect(t, c.readToEOF(), "ErrorResponse FATAL 08P01 message of 2147483643 bytes exceeds the maximum message size of 1024 bytes")
}

func TestInvalidMessages(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)
	c.nc.Write([]byte{'Z', 0, 0, 0, 4})
	expect(t, c.readToEOF(), "ErrorResponse FATAL 08P01 invalid frontend message: unknown message type: Z")

	c, _ = mustConnect(t, ts.addr, nil)
	c.nc.Write([]byte{'E', 0, 0, 0, 5, 'x'}) // Execute without its terminator and row count
	got := c.readToEOF()
	if len(got) != 1 || !strings.HasPrefix(got[0], "ErrorResponse FATAL 08P01 invalid frontend message") {
		t.Fatalf("got %q", got)
	}

	// A garbled startup packet gets no reply, just a close.
	nc := mustDial(t, ts.addr)
	nc.Write([]byte{0, 0, 0, 3})
	expect(t, newClient(t, nc).readToEOF())
}

func TestCopy(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)

	// COPY FROM STDIN: pgx sends its data without waiting for
	// CopyInResponse; pgbench ends with "\.\n"; Flush and Sync are ignored.
	c.send(&pgproto3.Query{String: "copy in"}, &pgproto3.CopyData{Data: []byte("a\nb\n")},
		&pgproto3.Flush{}, &pgproto3.CopyData{Data: []byte("c\n")}, &pgproto3.Sync{}, &pgproto3.CopyDone{})
	expect(t, c.readBatch(), "CopyInResponse", "CommandComplete COPY 3", "ReadyForQuery I")

	// CopyFail: 57014, and the connection carries on.
	c.send(&pgproto3.Query{String: "copy in"}, &pgproto3.CopyData{Data: []byte("a\n")}, &pgproto3.CopyFail{Message: "client gave up"})
	expect(t, c.readBatch(), "CopyInResponse", "ErrorResponse ERROR 57014 COPY from stdin failed: client gave up", "ReadyForQuery I")

	// COPY TO STDOUT.
	c.send(&pgproto3.Query{String: "copy out"})
	expect(t, c.readBatch(), "CopyOutResponse", "CopyData", "CopyData", "CopyData", "CopyDone", "CommandComplete COPY 3", "ReadyForQuery I")

	// COPY through the extended protocol.
	c.send(&pgproto3.Parse{Query: "copy in"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.CopyData{Data: []byte("1\n2\n")},
		&pgproto3.CopyDone{}, &pgproto3.Sync{})
	expect(t, c.readBatch(), "ParseComplete", "BindComplete", "CopyInResponse", "CommandComplete COPY 2", "ReadyForQuery I")

	// Another message in the stream breaks the protocol: ERROR, then FATAL,
	// as PostgreSQL does.
	c.send(&pgproto3.Query{String: "copy in"}, &pgproto3.Parse{}, &pgproto3.CopyData{Data: []byte("x\n")}, &pgproto3.CopyDone{},
		&pgproto3.Query{String: "select 1"})
	expect(t, c.readToEOF(), "CopyInResponse", "ErrorResponse ERROR 08P01 unexpected message type 0x50 during COPY from stdin",
		"ErrorResponse FATAL 08P01 terminating connection because protocol synchronization was lost")
}

func TestNotifications(t *testing.T) {
	ts := mustStartServer(t, nil)
	ts.engine.started = make(chan string, 1)
	ts.engine.release = make(chan struct{})
	c, _ := mustConnect(t, ts.addr, nil)

	// Idle: delivered at once, without the client asking.
	ts.engine.notifyAll("ch", "one")
	expect(t, c.readN(1), "NotificationResponse 7 ch one")
	for i := range 100 {
		ts.engine.notifyAll("ch", fmt.Sprint(i))
	}
	for i := range 100 {
		expect(t, c.readN(1), fmt.Sprintf("NotificationResponse 7 ch %d", i))
	}
	// The connection reads normally afterwards.
	c.send(&pgproto3.Query{String: "select 1"})
	<-ts.engine.started
	expect(t, c.readBatch(), "RowDescription x:20:f0", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I")

	// Busy: delivered just before ReadyForQuery.
	c.send(&pgproto3.Query{String: "wait"})
	<-ts.engine.started
	ts.engine.notifyAll("ch", "two")
	close(ts.engine.release)
	expect(t, c.readBatch(), "CommandComplete WAITED", "NotificationResponse 7 ch two", "ReadyForQuery I")

	// A message half-sent when the notification interrupts the read is
	// still read whole.
	q, _ := (&pgproto3.Query{String: "select 1"}).Encode(nil)
	c.nc.Write(q[:3])
	ts.engine.notifyAll("ch", "three")
	expect(t, c.readN(1), "NotificationResponse 7 ch three")
	c.nc.Write(q[3:])
	<-ts.engine.started
	expect(t, c.readBatch(), "RowDescription x:20:f0", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I")

	// In a transaction block: held until the block ends, as PostgreSQL
	// holds them, then sent before its ReadyForQuery.
	c.send(&pgproto3.Query{String: "begin"})
	<-ts.engine.started
	expect(t, c.readBatch(), "CommandComplete BEGIN", "ReadyForQuery T")
	ts.engine.notifyAll("ch", "four")
	time.Sleep(20 * time.Millisecond)
	c.send(&pgproto3.Query{String: "select 1"})
	<-ts.engine.started
	expect(t, c.readBatch(), "RowDescription x:20:f0", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery T")
	ts.engine.notifyAll("ch", "five")
	c.send(&pgproto3.Query{String: "commit"})
	<-ts.engine.started
	expect(t, c.readBatch(), "CommandComplete COMMIT", "NotificationResponse 7 ch four", "NotificationResponse 7 ch five", "ReadyForQuery I")
}

func TestFunctionCallAndStrayCopyMessages(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.FunctionCall{Function: 1})
	expect(t, c.readBatch(), "ErrorResponse ERROR 0A000 the function call protocol is not supported", "ReadyForQuery I")
	c.send(&pgproto3.CopyData{Data: []byte("1\n")}, &pgproto3.CopyDone{}, &pgproto3.CopyFail{Message: "x"},
		&pgproto3.Query{String: "select 1"})
	expect(t, c.readBatch(), "RowDescription x:20:f0", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I")
}

func TestTerminate(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.Terminate{})
	expect(t, c.readToEOF())
	waitFor(t, "session closed", func() bool { return ts.engine.closedSessions() == 1 })
}

func TestFatalFromSessionAndPanic(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "fatal"})
	expect(t, c.readToEOF(), "ErrorResponse FATAL 57P01 going away")

	c, _ = mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "panic"})
	expect(t, c.readToEOF(), "ErrorResponse FATAL XX000 internal error: fake panic")
	waitFor(t, "sessions closed", func() bool { return ts.engine.closedSessions() == 2 })

	// The server still serves.
	c, _ = mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "select 1"})
	expect(t, c.readBatch(), "RowDescription x:20:f0", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I")
}

func sendCancel(t *testing.T, addr string, key pgproto3.BackendKeyData) {
	t.Helper()
	nc := mustDial(t, addr)
	c := newClient(t, nc)
	c.send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: key.SecretKey})
	// The server replies nothing and closes once it has acted.
	expect(t, c.readToEOF())
}

func TestCancelRequest(t *testing.T) {
	ts := mustStartServer(t, func(cfg *Config) {})
	ts.engine.started = make(chan string, 1)
	c, _ := mustConnect(t, ts.addr, nil)

	c.send(&pgproto3.Query{String: "sleep"})
	<-ts.engine.started

	// A wrong secret cancels nothing.
	wrong := c.key
	wrong.SecretKey = []byte{^c.key.SecretKey[0], 1, 2, 3}
	sendCancel(t, ts.addr, wrong)
	c.nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.fe.Receive(); !errors.Is(err, errTimeout(err)) {
		t.Fatalf("statement ended after a CancelRequest with the wrong key: %v", err)
	}
	// pgproto3's Frontend cannot resume after a read error: reconnecting
	// would lose the statement, so use a fresh client on the same socket.
	c.nc.SetReadDeadline(time.Now().Add(testTimeout))
	c = &client{t: t, nc: c.nc, fe: pgproto3.NewFrontend(c.nc, c.nc), key: c.key}

	sendCancel(t, ts.addr, c.key)
	expect(t, c.readBatch(), "ErrorResponse ERROR 57014 canceling statement due to user request", "ReadyForQuery I")

	// The next statement runs normally (the cancel does not linger).
	c.send(&pgproto3.Query{String: "select 1"})
	<-ts.engine.started
	expect(t, c.readBatch(), "RowDescription x:20:f0", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I")

	// Extended protocol: the canceled Execute is an error; skip to Sync.
	c.send(&pgproto3.Parse{Query: "sleep"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	<-ts.engine.started
	sendCancel(t, ts.addr, c.key)
	expect(t, c.readBatch(), "ParseComplete", "BindComplete",
		"ErrorResponse ERROR 57014 canceling statement due to user request", "ReadyForQuery I")
}

// errTimeout returns err if it is a timeout, so errors.Is matches only then.
func errTimeout(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return err
	}
	return errors.New("not a timeout")
}

func TestClientGoneCancelsStatement(t *testing.T) {
	ts := mustStartServer(t, nil)
	ts.engine.started = make(chan string, 1)
	c, _ := mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "sleep"})
	<-ts.engine.started
	// pgx cancels a query by closing the socket; the statement must end.
	c.nc.Close()
	waitFor(t, "session closed", func() bool { return ts.engine.closedSessions() == 1 })
}

func TestPipelinedBytesSurviveWatch(t *testing.T) {
	ts := mustStartServer(t, nil)
	ts.engine.started = make(chan string, 2)
	ts.engine.release = make(chan struct{})
	c, _ := mustConnect(t, ts.addr, nil)
	// The second query arrives while the first runs past peerCheckDelay, so
	// the background read consumes its first byte; it must not be lost.
	c.send(&pgproto3.Query{String: "wait"})
	<-ts.engine.started
	time.Sleep(2 * peerCheckDelay)
	c.send(&pgproto3.Query{String: "select 1"})
	time.Sleep(peerCheckDelay)
	close(ts.engine.release)
	expect(t, c.readBatch(), "CommandComplete WAITED", "ReadyForQuery I")
	expect(t, c.readBatch(), "RowDescription x:20:f0", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I")
}

func TestShutdown(t *testing.T) {
	ts := mustStartServer(t, nil)
	ts.engine.started = make(chan string, 1)
	ts.engine.release = make(chan struct{})
	idle, _ := mustConnect(t, ts.addr, nil)
	busy, _ := mustConnect(t, ts.addr, nil)
	busy.send(&pgproto3.Query{String: "wait"})
	<-ts.engine.started

	shutdown := make(chan error, 1)
	go func() { shutdown <- ts.srv.Shutdown(context.Background()) }()

	// The idle connection is ended at once.
	expect(t, idle.readToEOF(), "ErrorResponse FATAL 57P01 terminating connection due to administrator command")
	// New connections are refused.
	waitFor(t, "listener closed", func() bool {
		nc, err := net.Dial("tcp", ts.addr)
		if err == nil {
			nc.Close()
		}
		return err != nil
	})
	select {
	case err := <-shutdown:
		t.Fatalf("Shutdown returned %v while a statement was running", err)
	default:
	}
	// The busy one finishes its statement, then ends the same way.
	close(ts.engine.release)
	expect(t, busy.readToEOF(), "CommandComplete WAITED", "ReadyForQuery I",
		"ErrorResponse FATAL 57P01 terminating connection due to administrator command")
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if n := ts.engine.closedSessions(); n != 2 {
		t.Fatalf("%d sessions closed, want 2", n)
	}
}

func TestShutdownDeadlineCancelsStatements(t *testing.T) {
	ts := mustStartServer(t, nil)
	ts.engine.started = make(chan string, 1)
	c, _ := mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "sleep"})
	<-ts.engine.started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	expect(t, c.readToEOF(), "ErrorResponse FATAL 57P01 terminating connection due to administrator command")
	waitFor(t, "session closed", func() bool { return ts.engine.closedSessions() == 1 })
}

func TestShutdownDuringStartup(t *testing.T) {
	ts := mustStartServer(t, nil)
	nc := mustDial(t, ts.addr)
	// Wait until the server has accepted (an SSLRequest round trip).
	nc.Write(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), codeSSLRequest))
	var b [1]byte
	if _, err := nc.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	expect(t, newClient(t, nc).readToEOF(), "ErrorResponse FATAL 57P03 the database system is shutting down")
}

func FuzzParseStartupPacket(f *testing.F) {
	f.Add(encodeStartup(pgproto3.ProtocolVersion30, map[string]string{"user": "u"})[4:])
	f.Add(binary.BigEndian.AppendUint32(nil, codeCancelRequest))
	f.Add([]byte{0, 3, 0, 0, 'a', 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) < 4 {
			return
		}
		parseStartupPacket(body)
	})
}

// FuzzServeConn feeds arbitrary bytes to a started connection: the server
// must neither panic nor hang, whatever arrives.
func FuzzServeConn(f *testing.F) {
	enc := func(msgs ...pgproto3.FrontendMessage) []byte {
		var b []byte
		for _, m := range msgs {
			b, _ = m.Encode(b)
		}
		return b
	}
	f.Add(enc(&pgproto3.Query{String: "rows 3; insert"}))
	f.Add(enc(&pgproto3.Parse{Name: "a", Query: "select $1::int8"}, &pgproto3.Describe{ObjectType: 'S', Name: "a"},
		&pgproto3.Bind{PreparedStatement: "a", Parameters: [][]byte{[]byte("1")}}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{}))
	f.Add(enc(&pgproto3.Bind{PreparedStatement: "nosuch"}, &pgproto3.Execute{}, &pgproto3.Flush{}, &pgproto3.Sync{}, &pgproto3.Terminate{}))
	f.Add([]byte{'B', 0, 0, 0, 6, 0})
	f.Fuzz(func(t *testing.T, input []byte) {
		panics := &countingHandler{}
		srv := NewServer(Config{Engine: &fakeEngine{}, Logger: slog.New(panics), MaxMessageSize: 1 << 16})
		clientSide, serverSide := net.Pipe()
		c := newConn(srv, serverSide)
		if !srv.track(c) {
			t.Fatal("track failed")
		}
		done := make(chan struct{})
		go func() { c.serve(); close(done) }()
		go io.Copy(io.Discard, clientSide)
		clientSide.Write(encodeStartup(pgproto3.ProtocolVersion30, map[string]string{"user": "u"}))
		clientSide.Write(input)
		clientSide.Close()
		select {
		case <-done:
		case <-time.After(testTimeout):
			t.Fatal("connection did not end after the client closed")
		}
		if n := panics.errors.Load(); n != 0 {
			t.Fatalf("%d error-level log records (a recovered panic?)", n)
		}
	})
}

// countingHandler counts error-level log records.
type countingHandler struct{ errors atomic.Int64 }

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h *countingHandler) Handle(context.Context, slog.Record) error {
	h.errors.Add(1)
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// TestNotificationsBounded: what waits for a client (here, held while it
// is in a transaction block) is bounded in bytes; the oldest are dropped.
func TestNotificationsBounded(t *testing.T) {
	ts := mustStartServer(t, nil)
	c, _ := mustConnect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "begin"})
	expect(t, c.readBatch(), "CommandComplete BEGIN", "ReadyForQuery T")
	payload := strings.Repeat("p", 7990)
	const sent = 3000 // 24 MB
	for i := range sent {
		ts.engine.notifyAll("ch", fmt.Sprintf("%08d", i)+payload)
	}
	c.send(&pgproto3.Query{String: "commit"})
	got := c.readBatch()
	if got[0] != "CommandComplete COMMIT" || got[len(got)-1] != "ReadyForQuery I" {
		t.Fatalf("%.80s ... %.80s", got[0], got[len(got)-1])
	}
	ns := got[1 : len(got)-1]
	kept := maxPendingNotificationBytes / (2 + 8 + len(payload))
	if len(ns) != kept {
		t.Fatalf("%d notifications kept, want %d", len(ns), kept)
	}
	if want := fmt.Sprintf("NotificationResponse 7 ch %08d", sent-kept); !strings.HasPrefix(ns[0], want) {
		t.Fatalf("first kept %.40s, want %s", ns[0], want)
	}
	if want := fmt.Sprintf("NotificationResponse 7 ch %08d", sent-1); !strings.HasPrefix(ns[len(ns)-1], want) {
		t.Fatalf("last kept %.40s, want %s", ns[len(ns)-1], want)
	}
}
