package test

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestStatementTooDeep: statements whose parse would nest deep enough to
// crash the parser (issue 11: SIGSEGV at about 23,800 links) fail with
// 54001 before they reach it, through the simple and the extended
// protocol and psql; large flat statements still work; the node stays up.
func TestStatementTooDeep(t *testing.T) {
	requireLogdb(t) // the hint names logdb's flag; PostgreSQL's parser says 42601 for 10,000 parentheses
	ctx := testCtx(t, 120*time.Second)
	n := sharedNode(t)
	c := mustConnect(t, n)
	rep := strings.Repeat
	for name, q := range map[string]string{
		"50,000 terms of +":  "SELECT 1" + rep("+1", 50_000),
		"100,000 ||":         "SELECT 'a'" + rep("||'a'", 100_000),
		"100,000 ::int":      "SELECT 1" + rep("::int", 100_000),
		"50,000 UNION":       "SELECT 1" + rep(" UNION SELECT 1", 50_000),
		"10,000 parentheses": "SELECT " + rep("(", 10_000) + "1" + rep(")", 10_000),
	} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec} {
			_, err := c.Exec(ctx, q, mode)
			pe := wantPgError(t, err, "54001", "stack depth limit exceeded", fmt.Sprintf("%s (%v)", name, mode))
			if !strings.Contains(pe.Hint, "--max-expression-depth") {
				t.Errorf("%s: hint %q does not name the limit", name, pe.Hint)
			}
		}
	}
	_, stderr, err := psqlRun(t, n, "SELECT 1"+rep("+1", 50_000))
	if err == nil || !strings.Contains(stderr, "stack depth limit exceeded") {
		t.Errorf("psql: %v, %q", err, stderr)
	}
	// Deep but allowed, and large flat statements.
	checkQuery(t, ctx, c, "1001", "SELECT 1"+rep("+1", 1_000))
	checkQuery(t, ctx, c, "t", "SELECT 7 IN (0"+rep(",1", 100_000)+", 7)")
	mustExec(t, ctx, c, "CREATE TABLE deep_flat (id int PRIMARY KEY, s text)")
	var vals []string
	for i := range 20_000 {
		vals = append(vals, fmt.Sprintf("(%d, 'v' || %d)", i, i))
	}
	mustExec(t, ctx, c, "INSERT INTO deep_flat VALUES "+strings.Join(vals, ", "))
	checkQuery(t, ctx, c, "20000", "SELECT count(*) FROM deep_flat")
	long := rep("+-*/", 250_000)
	checkQuery(t, ctx, c, "1000000", "SELECT length('"+long+"')")
	checkQuery(t, ctx, c, "2", "SELECT 1+1")
}

// TestTxnTooLarge: issue 11's 300 MB transaction exited the node. Now it
// fails with 54000 naming the limit while its rows are written (the
// buffer stops at --max-txn-bytes), nothing is applied, and the node
// serves on. A transaction whose messages pass the limit fails at COMMIT.
func TestTxnTooLarge(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	n := mustStartNode(t, t.TempDir()) // the default limit, 128 MiB
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE big (id int PRIMARY KEY, s text)")
	_, err := c.Exec(ctx, "INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(1, 300000) g")
	pe := wantPgError(t, err, "54000", "transaction too large", "300 MB INSERT")
	if !strings.Contains(pe.Message, fmt.Sprint(128<<20)) || !strings.Contains(pe.Hint, "--max-txn-bytes") {
		t.Errorf("the error does not name the limit: %q / %q", pe.Message, pe.Hint)
	}
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM big")
	mustExec(t, ctx, c, "INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(1, 50000) g")
	checkQuery(t, ctx, c, "50000", "SELECT count(*) FROM big")

	// Messages are checked at COMMIT.
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := tx.Exec(ctx, "SELECT pg_logical_emit_message(true, 'big', repeat('m', 30000000))"); err != nil {
			t.Fatal(err)
		}
	}
	err = tx.Commit(ctx)
	wantPgError(t, err, "54000", "transaction too large", "COMMIT of 150 MB of messages")
	checkQuery(t, ctx, mustConnect(t, n), "50000", "SELECT count(*) FROM big") // still serving
}

// TestClusterTxnTooLarge: in a cluster a transaction over the limit killed
// the leader, then the next one. Now it fails with 54000 through the
// leader and through a follower; every node stays up and a transaction
// just under the limit commits and replicates.
func TestClusterTxnTooLarge(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	c := mustStartCluster(t, 3, "--max-txn-bytes", fmt.Sprint(8<<20))
	lead := c.mustLeader(ctx)
	conns := map[uint64]*pgx.Conn{}
	for id, n := range c.Nodes {
		conns[id] = mustConnect(t, n)
	}
	mustExec(t, ctx, conns[lead], "CREATE TABLE big (id int PRIMARY KEY, s text)")
	for id, conn := range conns {
		_, err := conn.Exec(ctx, "INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(1, 20000) g")
		wantPgError(t, err, "54000", "transaction too large", fmt.Sprintf("20 MB INSERT through node %d", id))
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SELECT pg_logical_emit_message(true, 'big', repeat('m', 9000000))"); err != nil {
			t.Fatal(err)
		}
		wantPgError(t, tx.Commit(ctx), "54000", "transaction too large", fmt.Sprintf("COMMIT through node %d", id))
	}
	// A transaction under the limit commits. (On a loaded machine a 6 MB
	// entry can outlast a leader: then its outcome is unknown, 40003, and
	// it is tried again if it did not commit.)
	w := conns[lead%3+1]
	for attempt := 0; ; attempt++ {
		_, err := w.Exec(ctx, "INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(1, 6000) g")
		if err == nil {
			break
		}
		// 23505: an earlier attempt did commit after all.
		if code := sqlState(err); (code != "40003" && code != "40001" && code != "23505") || attempt == 3 {
			t.Fatalf("6 MB INSERT: %v", err)
		}
		settled := time.Now().Add(3 * time.Second) // an unknown outcome settles once the new leader commits
		for time.Now().Before(settled) && queryText(t, ctx, w, "SELECT count(*) FROM big") != "6000" {
			time.Sleep(100 * time.Millisecond)
		}
		if queryText(t, ctx, w, "SELECT count(*) FROM big") == "6000" {
			break
		}
	}
	if got := c.mustConverge(testCtx(t, 30*time.Second), "SELECT count(*), sum(length(s)) FROM big"); got != "6000|6000000" {
		t.Fatalf("converged on %q", got)
	}
	for id := range c.Nodes {
		if !c.running(id) {
			t.Fatalf("node %d exited\n%s", id, tailFile(c.Nodes[id].Log, 30))
		}
	}
}

// TestInvalidTextRefused: text PostgreSQL would refuse — invalid UTF-8 or
// NUL bytes in parameters (text and binary format), query strings and
// COPY data — fails with 22021 naming the bytes, as PostgreSQL's does;
// binary dates, times and timestamps out of PostgreSQL's range fail with
// 22008. Nothing is stored. (Runs against PostgreSQL too with
// LOGDB_TEST_POSTGRES.)
func TestInvalidTextRefused(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	n := sharedNode(t)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE enc (id int PRIMARY KEY, s text, d date, ts timestamptz, tm time)")
	pc := c.PgConn()
	exec := func(sql string, params [][]byte, oids []uint32, formats []int16) error {
		return pc.ExecParams(ctx, sql, params, oids, formats, nil).Read().Err
	}
	for _, tc := range []struct {
		name  string
		value []byte
		bytes string
	}{
		{"a lone 0xff", []byte("a\xffb"), "0xff"},
		{"a truncated sequence", []byte("a\xc3("), "0xc3 0x28"},
		{"a NUL byte", []byte("a\x00b"), "0x00"},
	} {
		for _, format := range []int16{0, 1} {
			err := exec("INSERT INTO enc (id, s) VALUES (1, $1)", [][]byte{tc.value}, []uint32{25}, []int16{format})
			wantPgError(t, err, "22021", `invalid byte sequence for encoding "UTF8": `+tc.bytes, fmt.Sprintf("%s, format %d", tc.name, format))
		}
		// Whatever the parameter's type, in text format.
		err := exec("SELECT $1::int", [][]byte{tc.value}, []uint32{0}, nil)
		wantPgError(t, err, "22021", "invalid byte sequence", tc.name+" as an untyped parameter")
	}
	err := pc.Exec(ctx, "INSERT INTO enc (id, s) VALUES (2, 'a\xffb')").Close()
	wantPgError(t, err, "22021", `invalid byte sequence for encoding "UTF8": 0xff`, "a literal in the query string")
	_, err = pc.CopyFrom(ctx, strings.NewReader("3\ta\xffb\n"), "COPY enc (id, s) FROM STDIN")
	wantPgError(t, err, "22021", "invalid byte sequence", "COPY text data")
	_, err = pc.CopyFrom(ctx, strings.NewReader("4\ta\\000b\n"), "COPY enc (id, s) FROM STDIN")
	wantPgError(t, err, "22021", "0x00", "COPY's \\000 escape")
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM enc")
	if _, err := pc.CopyFrom(ctx, strings.NewReader("7\ta\\101\\x42c\\x\n"), "COPY enc (id, s) FROM STDIN"); err != nil {
		t.Fatal(err)
	}
	checkQuery(t, ctx, c, "aABcx", "SELECT s FROM enc WHERE id = 7")
	// Valid text still goes through, multibyte included.
	if err := exec("INSERT INTO enc (id, s) VALUES (5, $1)", [][]byte{[]byte("héllo, 世界 🌍")}, []uint32{25}, []int16{1}); err != nil {
		t.Fatal(err)
	}
	checkQuery(t, ctx, c, "héllo, 世界 🌍", "SELECT s FROM enc WHERE id = 5")

	be32 := func(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
	be64 := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	for _, tc := range []struct {
		name, col string
		oid       uint32
		value     []byte
		msg       string
	}{
		{"date before 4714 BC", "d", 1082, be32(-2451546), "date out of range"},
		{"date after 5874897 AD", "d", 1082, be32(2147483494 - 2451545), "date out of range"},
		{"timestamp before 4714 BC", "ts", 1184, be64(-211813488000000001), "timestamp out of range"},
		{"timestamp after 294276 AD", "ts", 1184, be64(9223371331200000000), "timestamp out of range"},
		{"time past midnight", "tm", 1083, be64(24*3600*1e6 + 1), "time out of range"},
		{"negative time", "tm", 1083, be64(-1), "time out of range"},
	} {
		err := exec("INSERT INTO enc (id, "+tc.col+") VALUES (6, $1)", [][]byte{tc.value}, []uint32{tc.oid}, []int16{1})
		wantPgError(t, err, "22008", tc.msg, tc.name)
	}
	// The ends of the range, and the infinities, are accepted.
	for i, v := range [][]byte{be32(-2451545), be32(2147483494 - 2451545 - 1), be32(math.MaxInt32), be32(math.MinInt32)} {
		if err := exec("INSERT INTO enc (id, d) VALUES ($1, $2)", [][]byte{[]byte(fmt.Sprint(10 + i)), v}, []uint32{23, 1082}, []int16{0, 1}); err != nil {
			t.Fatalf("date %d: %v", i, err)
		}
	}
	checkQuery(t, ctx, c, "4714-11-24 BC\n5874897-12-31\ninfinity\n-infinity", "SELECT d::text FROM enc WHERE id >= 10 ORDER BY id")
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM enc WHERE id = 6")
}
