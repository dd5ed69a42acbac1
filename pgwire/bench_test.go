package pgwire

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"logdb/sql/pgerror"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"logdb/sql"
)

// Round-trip benchmarks against the fake session. The raw ones pre-encode
// the client's bytes and skim the replies without decoding, so allocs/op is
// the server's; the point-query ones use benchSession, which allocates
// nothing itself.
//
//	go test -run '^$' -bench . -benchmem ./pgwire

// rawClient writes pre-encoded batches and skips replies up to
// ReadyForQuery.
type rawClient struct {
	nc  net.Conn
	br  *bufio.Reader
	hdr [5]byte
}

func newRawClient(b *testing.B, addr string) *rawClient {
	c, _ := mustConnect(b, addr, nil)
	return &rawClient{nc: c.nc, br: bufio.NewReaderSize(c.nc, 64<<10)}
}

func (c *rawClient) roundTrip(b *testing.B, batch []byte) {
	if _, err := c.nc.Write(batch); err != nil {
		b.Fatal(err)
	}
	for {
		if _, err := io.ReadFull(c.br, c.hdr[:]); err != nil {
			b.Fatal(err)
		}
		n := int(binary.BigEndian.Uint32(c.hdr[1:])) - 4
		if _, err := c.br.Discard(n); err != nil {
			b.Fatal(err)
		}
		switch c.hdr[0] {
		case 'Z':
			return
		case 'E':
			b.Fatal("ErrorResponse")
		}
	}
}

func encode(b *testing.B, msgs ...pgproto3.FrontendMessage) []byte {
	var buf []byte
	for _, m := range msgs {
		var err error
		if buf, err = m.Encode(buf); err != nil {
			b.Fatal(err)
		}
	}
	return buf
}

// BenchmarkPointSelectExtended is pgx's cached-statement point query:
// Bind (binary int8 parameter, binary result), Execute, Sync.
func BenchmarkPointSelectExtended(b *testing.B) {
	ts := benchServer(b)
	c := newRawClient(b, ts.addr)
	c.roundTrip(b, encode(b, &pgproto3.Parse{Name: "s1", Query: "select $1::int8"}, &pgproto3.Sync{}))
	batch := encode(b,
		&pgproto3.Bind{PreparedStatement: "s1", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{int8Param(42)}, ResultFormatCodes: []int16{1}},
		&pgproto3.Execute{}, &pgproto3.Sync{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.roundTrip(b, batch)
	}
}

// BenchmarkPointSelectSimple is a simple-protocol query.
func BenchmarkPointSelectSimple(b *testing.B) {
	ts := benchServer(b)
	c := newRawClient(b, ts.addr)
	batch := encode(b, &pgproto3.Query{String: "select 1"})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.roundTrip(b, batch)
	}
}

// BenchmarkSelect1000Rows streams 1000 rows (simple protocol).
func BenchmarkSelect1000Rows(b *testing.B) {
	ts := mustStartServer(b, nil)
	c := newRawClient(b, ts.addr)
	batch := encode(b, &pgproto3.Query{String: "rows 1000"})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.roundTrip(b, batch)
	}
}

// BenchmarkPgxQueryRow is the same point query through pgx (client
// allocations included).
func BenchmarkPgxQueryRow(b *testing.B) {
	ts := mustStartServer(b, nil)
	conn := mustPgxConnect(b, ts, "sslmode=disable")
	ctx := testContext(b)
	var n int64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := conn.QueryRow(ctx, "select $1::int8", int64(42)).Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
}

// benchEngine hands out benchSessions, which answer every statement with one
// precomputed row and allocate nothing: with them allocs/op is pgwire's own.
type benchEngine struct{}

func (benchEngine) NewSession(sql.SessionParams) (Session, error) { return &benchSession{}, nil }

type benchSession struct{}

var (
	benchPrepared = &sql.Prepared{Name: "s1", ParamTypes: []uint32{20}, Columns: []sql.Column{int8Col}}
	benchPortal   = &sql.Portal{Columns: []sql.Column{{Name: "x", TypeOID: 20, TypeLen: 8, TypeMod: -1, Format: 1}}}
	benchRow      = [][]byte{int8Param(42)}
)

func (s *benchSession) ParameterStatus() [][2]string                 { return nil }
func (s *benchSession) ChangedParameters() [][2]string               { return nil }
func (s *benchSession) TxStatus() byte                               { return 'I' }
func (s *benchSession) IdleTimeout() (time.Duration, *pgerror.Error) { return 0, nil }
func (s *benchSession) SimpleQuery(ctx context.Context, q string, w sql.ResultWriter) error {
	w.Columns(benchPrepared.Columns)
	w.Row(benchRow)
	return w.Complete("SELECT 1")
}
func (s *benchSession) Prepare(context.Context, string, string, []uint32) (*sql.Prepared, error) {
	return benchPrepared, nil
}
func (s *benchSession) Prepared(string) (*sql.Prepared, error) { return benchPrepared, nil }
func (s *benchSession) Bind(context.Context, string, string, []int16, [][]byte, []int16) (*sql.Portal, error) {
	return benchPortal, nil
}
func (s *benchSession) Portal(string) (*sql.Portal, error) { return benchPortal, nil }
func (s *benchSession) Execute(ctx context.Context, portal string, maxRows int, w sql.ResultWriter) (bool, error) {
	w.Row(benchRow)
	return false, w.Complete("SELECT 1")
}
func (s *benchSession) ClosePrepared(string)           {}
func (s *benchSession) ClosePortal(string)             {}
func (s *benchSession) Sync(context.Context) error     { return nil }
func (s *benchSession) BatchStart()                    {}
func (s *benchSession) SyncOnce(context.Context) error { return nil }
func (s *benchSession) RerunnableBatch(error) bool     { return false }
func (s *benchSession) NoteRetry()                     {}
func (s *benchSession) Close()                         {}

func benchServer(b *testing.B) *testServer {
	return mustStartServer(b, func(cfg *Config) { cfg.Engine = benchEngine{} })
}
