package pgwire

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// panicRecorder is a slog handler that counts the server's "panic serving
// connection" reports other than the fake engine's deliberate one.
type panicRecorder struct {
	panics atomic.Int64
	last   atomic.Value // string
}

func (r *panicRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *panicRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *panicRecorder) WithGroup(string) slog.Handler            { return r }
func (r *panicRecorder) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != "panic serving connection" {
		return nil
	}
	var desc strings.Builder
	rec.Attrs(func(a slog.Attr) bool {
		desc.WriteString(a.Key + "=" + a.Value.String() + " ")
		return true
	})
	if !strings.Contains(desc.String(), "panic=fake panic") {
		r.panics.Add(1)
		r.last.Store(desc.String())
	}
	return nil
}

// wireSeeds are real client traffic: a startup packet and then the simple
// and extended protocol, COPY, a cancel request, an SSL request.
func wireSeeds() [][]byte {
	startup := func(params map[string]string) []byte {
		b, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: params}).Encode(nil)
		return b
	}
	enc := func(msgs ...pgproto3.FrontendMessage) []byte {
		b := startup(map[string]string{"user": "logdb", "database": "logdb"})
		for _, m := range msgs {
			b, _ = m.Encode(b)
		}
		return b
	}
	ssl := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), 80877103)
	cancel := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 16), 80877102), 1), 2)
	return [][]byte{
		enc(&pgproto3.Query{String: "select 1"}, &pgproto3.Terminate{}),
		enc(&pgproto3.Query{String: "rows 3"}, &pgproto3.Query{String: "begin"}, &pgproto3.Query{String: "error"}, &pgproto3.Query{String: "commit"}),
		enc(&pgproto3.Parse{Name: "s", Query: "select $1::int8, $2::text", ParameterOIDs: []uint32{20, 25}},
			&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s", ParameterFormatCodes: []int16{1, 0},
				Parameters: [][]byte{binary.BigEndian.AppendUint64(nil, 7), []byte("x")}, ResultFormatCodes: []int16{1}},
			&pgproto3.Describe{ObjectType: 'P', Name: "p"}, &pgproto3.Execute{Portal: "p", MaxRows: 1},
			&pgproto3.Close{ObjectType: 'S', Name: "s"}, &pgproto3.Sync{}),
		enc(&pgproto3.Query{String: "copy in"}, &pgproto3.CopyData{Data: []byte("a\tb\n")}, &pgproto3.CopyDone{}),
		enc(&pgproto3.Query{String: "copy in"}, &pgproto3.CopyData{Data: []byte("a\n")}, &pgproto3.CopyFail{Message: "no"}),
		enc(&pgproto3.Query{String: "notice"}, &pgproto3.Flush{}, &pgproto3.Sync{}),
		append(ssl, enc(&pgproto3.Query{String: "select null"})...),
		cancel,
		startup(map[string]string{"user": "logdb", "options": "-c search_path=x", "_pq_.x": "1"}),
	}
}

// FuzzWire sends byte streams to a server (over the fake engine) as a
// client would, from the startup packet on: whatever arrives, the server
// must answer or hang up, never panic, and keep serving others. make test
// runs it a few seconds, make fuzz longer.
func FuzzWire(f *testing.F) {
	rec := &panicRecorder{}
	ts := mustStartServer(f, func(c *Config) {
		c.Logger = slog.New(rec)
		c.StartupTimeout = time.Second
	})
	for _, s := range wireSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nc, err := net.DialTimeout("tcp", ts.addr, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(2 * time.Second))
		nc.Write(data)
		nc.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, nc) // until the server hangs up (or the deadline)
		if rec.panics.Load() > 0 {
			t.Fatalf("the server panicked serving %q: %v", data, rec.last.Load())
		}
	})
}
