package pgwire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/pgproto3"
)

const testTimeout = 10 * time.Second

type testServer struct {
	srv    *Server
	addr   string
	engine *fakeEngine
	served chan error
}

// mustStartServer serves a fake engine on a loopback port; the server is
// shut down at the end of the test, and Serve must then return
// ErrServerClosed.
func mustStartServer(t testing.TB, configure func(*Config)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	eng := &fakeEngine{}
	level := slog.LevelError + 4 // quiet; PGWIRE_DEBUG=1 shows everything
	if os.Getenv("PGWIRE_DEBUG") != "" {
		level = slog.LevelDebug
	}
	cfg := Config{Engine: eng, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))}
	if configure != nil {
		configure(&cfg)
	}
	ts := &testServer{srv: NewServer(cfg), addr: ln.Addr().String(), engine: eng, served: make(chan error, 1)}
	go func() { ts.served <- ts.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := ts.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-ts.served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ts
}

func mustDial(t testing.TB, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(testTimeout))
	t.Cleanup(func() { nc.Close() })
	return nc
}

// client is a scripted frontend.
type client struct {
	t   testing.TB
	nc  net.Conn
	fe  *pgproto3.Frontend
	key pgproto3.BackendKeyData
	// normalize keeps only what the protocol decides (see compat_test.go).
	normalize bool
}

func newClient(t testing.TB, nc net.Conn) *client {
	return &client{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// mustConnect dials and completes startup with params (user defaults to
// "logdb"), returning the startup transcript through the first
// ReadyForQuery.
func mustConnect(t testing.TB, addr string, params map[string]string) (*client, []string) {
	t.Helper()
	c := newClient(t, mustDial(t, addr))
	if params == nil {
		params = map[string]string{}
	}
	if _, ok := params["user"]; !ok {
		params["user"] = "logdb"
	}
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: params})
	return c, c.readBatch()
}

func (c *client) send(msgs ...pgproto3.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		c.fe.Send(m)
	}
	if err := c.fe.Flush(); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// read returns the next message, described as a string.
func (c *client) read() string {
	c.t.Helper()
	msg, err := c.fe.Receive()
	if err != nil {
		c.t.Fatalf("receive: %v", err)
	}
	return c.describe(msg)
}

// readN returns the next n messages.
func (c *client) readN(n int) []string {
	c.t.Helper()
	var out []string
	for range n {
		out = append(out, c.read())
	}
	return out
}

// readBatch returns messages up to and including ReadyForQuery.
func (c *client) readBatch() []string {
	c.t.Helper()
	var out []string
	for {
		m := c.read()
		out = append(out, m)
		if strings.HasPrefix(m, "ReadyForQuery") {
			return out
		}
	}
}

// readToEOF returns messages until the server closes the connection.
func (c *client) readToEOF() []string {
	c.t.Helper()
	var out []string
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isConnReset(err) {
				return out
			}
			c.t.Fatalf("receive: %v (after %q)", err, out)
		}
		out = append(out, c.describe(msg))
	}
}

func isConnReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

func (c *client) describe(msg pgproto3.BackendMessage) string {
	if c.normalize {
		switch m := msg.(type) {
		case *pgproto3.RowDescription:
			var f []string
			for _, fd := range m.Fields {
				f = append(f, fmt.Sprintf("f%d", fd.Format))
			}
			return "RowDescription " + strings.Join(f, ",")
		case *pgproto3.ParameterDescription:
			return fmt.Sprintf("ParameterDescription %d params", len(m.ParameterOIDs))
		case *pgproto3.ErrorResponse:
			return fmt.Sprintf("ErrorResponse %s %s", m.Severity, m.Code)
		case *pgproto3.NoticeResponse:
			return fmt.Sprintf("NoticeResponse %s %s", m.Severity, m.Code)
		}
	}
	switch m := msg.(type) {
	case *pgproto3.RowDescription:
		var f []string
		for _, fd := range m.Fields {
			f = append(f, fmt.Sprintf("%s:%d:f%d", fd.Name, fd.DataTypeOID, fd.Format))
		}
		return "RowDescription " + strings.Join(f, ",")
	case *pgproto3.DataRow:
		var v []string
		for _, b := range m.Values {
			v = append(v, showValue(b))
		}
		return "DataRow " + strings.Join(v, ",")
	case *pgproto3.CommandComplete:
		return "CommandComplete " + string(m.CommandTag)
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery " + string(m.TxStatus)
	case *pgproto3.ErrorResponse:
		return fmt.Sprintf("ErrorResponse %s %s %s", m.Severity, m.Code, m.Message)
	case *pgproto3.NoticeResponse:
		return fmt.Sprintf("NoticeResponse %s %s %s", m.Severity, m.Code, m.Message)
	case *pgproto3.ParameterStatus:
		return fmt.Sprintf("ParameterStatus %s=%s", m.Name, m.Value)
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("ParameterDescription %v", m.ParameterOIDs)
	case *pgproto3.BackendKeyData:
		c.key = pgproto3.BackendKeyData{ProcessID: m.ProcessID, SecretKey: append([]byte(nil), m.SecretKey...)}
		return "BackendKeyData"
	case *pgproto3.NotificationResponse:
		return fmt.Sprintf("NotificationResponse %d %s %s", m.PID, m.Channel, m.Payload)
	case *pgproto3.NegotiateProtocolVersion:
		return fmt.Sprintf("NegotiateProtocolVersion %d %v", m.NewestMinorProtocol, m.UnrecognizedOptions)
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
}

func showValue(b []byte) string {
	if b == nil {
		return "NULL"
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) {
			return fmt.Sprintf("0x%x", b)
		}
	}
	return string(b)
}

func int8Param(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

// expect compares transcripts line by line.
func expect(t testing.TB, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("transcript mismatch\n got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
