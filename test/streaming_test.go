package test

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// rssBytes is the resident set size of process pid (Linux; 0 if unknown).
func rssBytes(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// mustStartRawConn opens a protocol-level connection (pgx's pgproto3) to
// n, past startup: the caller controls how fast it reads.
func mustStartRawConn(t *testing.T, n *Node, params ...string) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	conn, err := net.Dial("tcp", n.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// a server that never answers fails the test instead of hanging it
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	fe := pgproto3.NewFrontend(conn, conn)
	startup := map[string]string{"user": "logdb", "database": "logdb"}
	for i := 0; i+1 < len(params); i += 2 {
		startup[params[i]] = params[i+1]
	}
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: startup})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return conn, fe
		}
	}
}

// maxGrowth is how much the server's RSS may grow while it streams a
// result nobody holds in memory: far below what materializing the
// results of these tests would take (gigabytes), far above noise.
const maxGrowth = 200 << 20

// TestSlowReaderHoldsMemoryFlat: SELECT * FROM generate_series(1,
// 50000000) read slowly by its client (issue 11: the server built the
// whole result first, 6 GB RSS in 17 s with nothing delivered). The rows
// stream as they are produced: the client reads 4 MiB in 4 KiB pieces,
// pausing after each, while the server's RSS stays near where it began.
// A sort of 3 million rows ("sorts too") at work_mem 8MB spills to
// temporary files and is read the same way. Closing the connection ends
// the statement and the server serves the next one.
func TestSlowReaderHoldsMemoryFlat(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	n := mustStartNode(t, t.TempDir())
	pid := n.cmd.Process.Pid
	if rssBytes(pid) == 0 {
		t.Skip("no /proc/PID/status here to read the server's RSS")
	}
	for _, q := range []string{
		"SELECT * FROM generate_series(1, 50000000)",
		"SELECT g, md5(g::text) FROM generate_series(1, 3000000) g ORDER BY 2",
	} {
		readSlowly(t, n, q)
	}
	c := mustConnect(t, n)
	checkQuery(t, ctx, c, "3", "SELECT count(*) FROM generate_series(1, 3)")
}

// readSlowly sends q and reads 4 MiB of its result in 4 KiB pieces,
// failing if the server's RSS grows by maxGrowth meanwhile; then it
// closes the connection.
func readSlowly(t *testing.T, n *Node, q string) {
	t.Helper()
	pid := n.cmd.Process.Pid
	before := rssBytes(pid)
	conn, fe := mustStartRawConn(t, n, "work_mem", "8MB")
	conn.SetDeadline(time.Time{}) // the loop below sets its own
	fe.Send(&pgproto3.Query{String: q})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(150 * time.Second)
	var got, peak int64
	buf := make([]byte, 4096)
	for got < 4<<20 {
		// A short read deadline only wakes the loop to look at the RSS:
		// a server that builds the result before sending grows without
		// sending, and fails here instead of at the test's timeout.
		conn.SetReadDeadline(time.Now().Add(time.Second))
		k, err := conn.Read(buf)
		got += int64(k)
		peak = max(peak, rssBytes(pid))
		if peak > before+maxGrowth {
			t.Fatalf("%s: server RSS grew from %d to %d MiB with %d KiB delivered", q, before>>20, peak>>20, got>>10)
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && time.Now().Before(deadline) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: reading the result: %v", q, err)
		}
		time.Sleep(time.Millisecond) // a slow reader
	}
	t.Logf("%s: server RSS %d MiB before, at most %d MiB while %d KiB were read slowly", q, before>>20, peak>>20, got>>10)
	conn.Close()
}

// TestPortalRowLimitStopsEarly: Execute with a row limit on a portal over
// a series of 10^12 rows and a recursive CTE with no end returns its rows
// and PortalSuspended, then more rows on the next Execute, without
// computing the rest; Close ends it and the session goes on.
func TestPortalRowLimitStopsEarly(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	n := mustStartNode(t, t.TempDir())
	_, fe := mustStartRawConn(t, n)
	for _, q := range []string{
		"SELECT g FROM generate_series(1, 1000000000000) g",
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT n FROM t",
		"SELECT g, x FROM generate_series(1, 1000000000000) g, LATERAL generate_series(g, g + 1) x",
	} {
		fe.Send(&pgproto3.Parse{Query: q})
		fe.Send(&pgproto3.Bind{})
		fe.Send(&pgproto3.Execute{MaxRows: 3})
		fe.Send(&pgproto3.Execute{MaxRows: 2})
		fe.Send(&pgproto3.Close{ObjectType: 'P'})
		fe.Send(&pgproto3.Sync{})
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		var rows []string
		suspended := 0
	read:
		for {
			msg, err := fe.Receive()
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			switch m := msg.(type) {
			case *pgproto3.DataRow:
				var vals []string
				for _, v := range m.Values {
					vals = append(vals, string(v))
				}
				rows = append(rows, strings.Join(vals, "|"))
			case *pgproto3.PortalSuspended:
				suspended++
			case *pgproto3.ErrorResponse:
				t.Fatalf("%s: %s %s", q, m.Code, m.Message)
			case *pgproto3.ReadyForQuery:
				break read
			}
		}
		want := map[string]string{
			"SELECT g F": "1 2 3 4 5",
			"WITH RECUR": "1 2 3 4 5",
			"SELECT g, ": "1|1 1|2 2|2 2|3 3|3",
		}[q[:10]]
		if got := strings.Join(rows, " "); got != want || suspended != 2 {
			t.Errorf("%s: rows %q, %d PortalSuspended; want %q and 2", q, got, suspended, want)
		}
	}
}
