package test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgproto3"
)

// ownNode is a node of the test's own (the shared server in external mode).
func ownNode(t *testing.T) *Node {
	t.Helper()
	if externalAddr != "" {
		return sharedNode(t)
	}
	return mustStartNode(t, t.TempDir())
}

// TestParameterStatus: the ParameterStatus values drivers read, and
// BackendKeyData.
func TestParameterStatus(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	cfg := n.connConfig(nil)
	cfg.RuntimeParams["application_name"] = "logdb-system-test"
	c := mustConnectConfig(t, cfg)
	pc := c.PgConn()
	want := map[string]string{
		"server_encoding":             "UTF8",
		"client_encoding":             "UTF8",
		"DateStyle":                   "ISO, MDY",
		"integer_datetimes":           "on",
		"standard_conforming_strings": "on",
		"IntervalStyle":               "postgres",
		"application_name":            "logdb-system-test",
		"session_authorization":       "logdb",
	}
	for k, v := range want {
		if got := pc.ParameterStatus(k); got != v {
			t.Errorf("ParameterStatus %s = %q, want %q", k, got, v)
		}
	}
	if v := pc.ParameterStatus("server_version"); !strings.HasPrefix(v, "15.") {
		t.Errorf("ParameterStatus server_version = %q, want 15.x", v)
	}
	if v := pc.ParameterStatus("TimeZone"); v == "" {
		t.Errorf("ParameterStatus TimeZone missing")
	}
	if v := pc.ParameterStatus("is_superuser"); v != "on" && v != "off" {
		t.Errorf("ParameterStatus is_superuser = %q, want on or off", v)
	}
	if pc.PID() == 0 && pc.SecretKey() == nil {
		t.Errorf("no BackendKeyData (pid 0, no secret key)")
	}
}

// TestSSLAndGSSENCRefused: SSLRequest and GSSENCRequest are answered 'N'
// and the startup continues on the same socket; psql with sslmode=prefer
// and pgx with sslmode=prefer connect.
func TestSSLAndGSSENCRefused(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)

	for _, req := range []struct {
		name string
		code uint32
	}{{"SSLRequest", 80877103}, {"GSSENCRequest", 80877104}} {
		conn, err := net.DialTimeout("tcp", n.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		var pkt [8]byte
		binary.BigEndian.PutUint32(pkt[0:4], 8)
		binary.BigEndian.PutUint32(pkt[4:8], req.code)
		if _, err := conn.Write(pkt[:]); err != nil {
			t.Fatal(err)
		}
		var answer [1]byte
		if _, err := io.ReadFull(conn, answer[:]); err != nil {
			t.Errorf("%s: reading the answer: %v", req.name, err)
			continue
		}
		if answer[0] == 'G' && externalAddr != "" {
			continue // a PostgreSQL built with GSSAPI; logdb has none
		}
		if answer[0] != 'N' {
			t.Errorf("%s answered %q, want 'N'", req.name, answer[0])
			continue
		}
		fe := pgproto3.NewFrontend(conn, conn)
		fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
			Parameters: map[string]string{"user": "logdb", "database": "logdb"}})
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		msgs := recvUntilReady(t, conn, fe)
		if names := msgNames(msgs); !strings.HasPrefix(names, "AuthenticationOk") || !strings.HasSuffix(names, "ReadyForQuery") {
			t.Errorf("%s then StartupMessage: got %s", req.name, names)
		}
	}

	cmd := n.psqlCmd(ctx, "logdb", "-c", "SELECT 42")
	cmd.Env = append(cmd.Env, "PGSSLMODE=prefer", "PGGSSENCMODE=prefer")
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "42" {
		t.Errorf("psql sslmode=prefer: %v: %s", err, out)
	}
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://logdb@%s/logdb?sslmode=prefer", n.Addr))
	if err != nil {
		t.Fatal(err)
	}
	c := mustConnectConfig(t, cfg)
	checkQuery(t, ctx, c, "42", "SELECT 42")
}

// TestCancel: pgx cancels a long statement with a CancelRequest on a new
// connection; the statement fails with 57014 and the session stays usable.
func TestCancel(t *testing.T) {
	t.Parallel()
	n := ownNode(t)
	ctx := testCtx(t, 90*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cancel_big (id int PRIMARY KEY, v int)")
	var sb strings.Builder
	sb.WriteString("INSERT INTO cancel_big VALUES ")
	for i := 0; i < 1000; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "(%d, %d)", i, i%7)
	}
	mustExec(t, ctx, c, sb.String())

	cfg := n.connConfig(nil)
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 20 * time.Second}
	}
	victim := mustConnectConfig(t, cfg)
	// 10^9 rows: minutes for any engine, so only a cancel ends it.
	slow := "SELECT count(*) FROM cancel_big a, cancel_big b, cancel_big c WHERE a.v + b.v + c.v >= 0"
	qctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	var count int64
	err := victim.QueryRow(qctx, slow).Scan(&count)
	took := time.Since(start)
	wantCode(t, err, "57014", "canceled cross join")
	t.Logf("cancel: statement ended %v after start (cancel sent at 500ms)", took.Round(time.Millisecond))
	if took > 15*time.Second {
		t.Errorf("cancel took %v", took)
	}
	if !victim.IsClosed() {
		checkQuery(t, ctx, victim, "1", "SELECT 1")
	} else {
		t.Errorf("the canceled session was closed; a cancel must only end the statement")
	}

	// A CancelRequest with a wrong key is ignored.
	other := mustConnect(t, n)
	conn, err := net.DialTimeout("tcp", n.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var pkt [16]byte
	binary.BigEndian.PutUint32(pkt[0:4], 16)
	binary.BigEndian.PutUint32(pkt[4:8], 80877102)
	binary.BigEndian.PutUint32(pkt[8:12], other.PgConn().PID())
	binary.BigEndian.PutUint32(pkt[12:16], 0xdeadbeef)
	conn.Write(pkt[:])
	conn.Close()
	checkQuery(t, ctx, other, "5000", "SELECT count(*) * 5 FROM cancel_big")
}

// rawConn is a started session (pgconn did the startup) whose socket the
// test drives with pgproto3 directly.
func rawConn(t *testing.T, n *Node) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pc, err := pgconn.ConnectConfig(ctx, &n.connConfig(nil).Config)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	hj, err := pc.Hijack()
	if err != nil {
		t.Fatalf("hijack: %v", err)
	}
	t.Cleanup(func() { hj.Conn.Close() })
	return hj.Conn, hj.Frontend
}

// recvN reads n backend messages (10 s deadline), copying what tests look at.
func recvN(t *testing.T, conn net.Conn, fe *pgproto3.Frontend, n int) []pgproto3.BackendMessage {
	t.Helper()
	var out []pgproto3.BackendMessage
	for len(out) < n {
		out = append(out, recvOne(t, conn, fe))
	}
	return out
}

// recvUntilReady reads backend messages up to and including ReadyForQuery.
func recvUntilReady(t *testing.T, conn net.Conn, fe *pgproto3.Frontend) []pgproto3.BackendMessage {
	t.Helper()
	var out []pgproto3.BackendMessage
	for {
		m := recvOne(t, conn, fe)
		out = append(out, m)
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			return out
		}
	}
}

func recvOne(t *testing.T, conn net.Conn, fe *pgproto3.Frontend) pgproto3.BackendMessage {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	m, err := fe.Receive()
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	switch m := m.(type) {
	case *pgproto3.DataRow:
		cp := &pgproto3.DataRow{}
		for _, v := range m.Values {
			if v == nil {
				cp.Values = append(cp.Values, nil)
			} else {
				cp.Values = append(cp.Values, append([]byte{}, v...))
			}
		}
		return cp
	case *pgproto3.CommandComplete:
		return &pgproto3.CommandComplete{CommandTag: append([]byte{}, m.CommandTag...)}
	case *pgproto3.ErrorResponse:
		cp := *m
		return &cp
	case *pgproto3.ReadyForQuery:
		cp := *m
		return &cp
	case *pgproto3.RowDescription:
		cp := &pgproto3.RowDescription{}
		for _, f := range m.Fields {
			f.Name = append([]byte{}, f.Name...)
			cp.Fields = append(cp.Fields, f)
		}
		return cp
	case *pgproto3.ParameterDescription:
		return &pgproto3.ParameterDescription{ParameterOIDs: append([]uint32{}, m.ParameterOIDs...)}
	}
	return m
}

func msgNames(msgs []pgproto3.BackendMessage) string {
	names := make([]string, len(msgs))
	for i, m := range msgs {
		names[i] = strings.TrimPrefix(fmt.Sprintf("%T", m), "*pgproto3.")
		if e, ok := m.(*pgproto3.ErrorResponse); ok {
			names[i] += "(" + e.Code + ")"
		}
	}
	return strings.Join(names, " ")
}

func dataRows(msgs []pgproto3.BackendMessage) []string {
	var out []string
	for _, m := range msgs {
		if d, ok := m.(*pgproto3.DataRow); ok {
			var cols []string
			for _, v := range d.Values {
				cols = append(cols, string(v))
			}
			out = append(out, strings.Join(cols, "|"))
		}
	}
	return out
}

// TestPortalSuspended: Execute with a row limit returns that many rows and
// PortalSuspended; further Executes continue the same portal; Describe of
// a statement gives ParameterDescription with inferred types.
func TestPortalSuspended(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE portal_t (id int PRIMARY KEY, name text)")
	mustExec(t, ctx, c, "INSERT INTO portal_t VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d'),(5,'e')")

	conn, fe := rawConn(t, n)
	fe.Send(&pgproto3.Parse{Name: "s", Query: "SELECT id, name FROM portal_t WHERE id >= $1 ORDER BY id"})
	fe.Send(&pgproto3.Describe{ObjectType: 'S', Name: "s"})
	fe.Send(&pgproto3.Bind{PreparedStatement: "s", Parameters: [][]byte{[]byte("1")}})
	fe.Send(&pgproto3.Describe{ObjectType: 'P'})
	fe.Send(&pgproto3.Execute{MaxRows: 2})
	fe.Send(&pgproto3.Flush{})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msgs := recvN(t, conn, fe, 8)
	if got, want := msgNames(msgs), "ParseComplete ParameterDescription RowDescription BindComplete RowDescription DataRow DataRow PortalSuspended"; got != want {
		t.Fatalf("first Execute(2):\n got %s\nwant %s", got, want)
	}
	if pd := msgs[1].(*pgproto3.ParameterDescription); len(pd.ParameterOIDs) != 1 || pd.ParameterOIDs[0] != 23 {
		t.Errorf("ParameterDescription = %v, want [23] (int4)", pd.ParameterOIDs)
	}
	if rd := msgs[4].(*pgproto3.RowDescription); len(rd.Fields) != 2 || rd.Fields[0].DataTypeOID != 23 || rd.Fields[1].DataTypeOID != 25 {
		t.Errorf("RowDescription fields = %+v, want int4, text", rd.Fields)
	}
	if got := dataRows(msgs); strings.Join(got, ",") != "1|a,2|b" {
		t.Errorf("first rows = %v", got)
	}

	fe.Send(&pgproto3.Execute{MaxRows: 2})
	fe.Send(&pgproto3.Execute{MaxRows: 0})
	fe.Send(&pgproto3.Sync{})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msgs = recvUntilReady(t, conn, fe)
	if got, want := msgNames(msgs), "DataRow DataRow PortalSuspended DataRow CommandComplete ReadyForQuery"; got != want {
		t.Fatalf("continued Executes:\n got %s\nwant %s", got, want)
	}
	if got := dataRows(msgs); strings.Join(got, ",") != "3|c,4|d,5|e" {
		t.Errorf("continued rows = %v", got)
	}
	if tag := string(msgs[4].(*pgproto3.CommandComplete).CommandTag); !strings.HasPrefix(tag, "SELECT") {
		t.Errorf("CommandComplete tag = %q", tag)
	}
}

// TestExtendedErrorSkipsUntilSync: after an error in the extended protocol,
// every message up to Sync is skipped; the statements before it in the same
// implicit transaction are rolled back; the session then works.
func TestExtendedErrorSkipsUntilSync(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE skip_t (id int PRIMARY KEY)")

	conn, fe := rawConn(t, n)
	for _, q := range []string{"INSERT INTO skip_t VALUES (1)", "INSERT INTO skip_t VALUES (1)", "INSERT INTO skip_t VALUES (2)"} {
		fe.Send(&pgproto3.Parse{Query: q})
		fe.Send(&pgproto3.Bind{})
		fe.Send(&pgproto3.Execute{})
	}
	fe.Send(&pgproto3.Sync{})
	fe.Send(&pgproto3.Parse{Query: "SELECT count(*) FROM skip_t"})
	fe.Send(&pgproto3.Bind{})
	fe.Send(&pgproto3.Execute{})
	fe.Send(&pgproto3.Sync{})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msgs := recvUntilReady(t, conn, fe)
	if got, want := msgNames(msgs), "ParseComplete BindComplete CommandComplete ParseComplete BindComplete ErrorResponse(23505) ReadyForQuery"; got != want {
		t.Errorf("batch with an error:\n got %s\nwant %s", got, want)
	}
	if rfq := msgs[len(msgs)-1].(*pgproto3.ReadyForQuery); rfq.TxStatus != 'I' {
		t.Errorf("ReadyForQuery status %q after the failed batch, want 'I'", rfq.TxStatus)
	}
	msgs = recvUntilReady(t, conn, fe)
	if got := dataRows(msgs); strings.Join(got, ",") != "0" {
		t.Errorf("rows in skip_t after the failed batch = %v (%s), want 0: the first INSERT must roll back", got, msgNames(msgs))
	}

	// Inside an explicit transaction, the Sync after an error reports 'E'
	// and only ROLLBACK returns to idle.
	fe.Send(&pgproto3.Query{String: "BEGIN"})
	fe.Send(&pgproto3.Parse{Query: "SELECT 1/0"})
	fe.Send(&pgproto3.Bind{})
	fe.Send(&pgproto3.Execute{})
	fe.Send(&pgproto3.Sync{})
	fe.Send(&pgproto3.Query{String: "SELECT 1"})
	fe.Send(&pgproto3.Query{String: "ROLLBACK"})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for i, want := range []byte{'T', 'E', 'E', 'I'} {
		msgs := recvUntilReady(t, conn, fe)
		if got := msgs[len(msgs)-1].(*pgproto3.ReadyForQuery).TxStatus; got != want {
			t.Errorf("explicit transaction step %d: ReadyForQuery %q, want %q (%s)", i, got, want, msgNames(msgs))
		}
	}

	// The same through pgx's pipelined batch (one Sync for the whole batch).
	b := &pgx.Batch{}
	b.Queue("INSERT INTO skip_t VALUES ($1)", 10)
	b.Queue("INSERT INTO skip_t VALUES ($1)", 10)
	b.Queue("INSERT INTO skip_t VALUES ($1)", 11)
	err := c.SendBatch(ctx, b).Close()
	wantCode(t, err, "23505", "batch with a duplicate key")
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM skip_t")
}

// TestPreparedStatements: a named statement is parsed once and executed many
// times with text and binary parameters; parameter types are inferred from
// the columns they meet; a closed statement is gone (26000).
func TestPreparedStatements(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE prep_t (id bigint PRIMARY KEY, name text, score double precision)")
	pc := c.PgConn()

	ins, err := pc.Prepare(ctx, "ins", "INSERT INTO prep_t (id, name, score) VALUES ($1, $2, $3)", nil)
	if err != nil {
		t.Fatalf("prepare insert: %v", err)
	}
	if fmt.Sprint(ins.ParamOIDs) != "[20 25 701]" {
		t.Errorf("inferred insert parameter types %v, want [20 25 701] (int8 text float8)", ins.ParamOIDs)
	}
	for i := 1; i <= 3; i++ {
		id := make([]byte, 8)
		binary.BigEndian.PutUint64(id, uint64(i))
		res := pc.ExecPrepared(ctx, "ins", [][]byte{id, []byte(fmt.Sprintf("n%d", i)), []byte(fmt.Sprintf("%d.5", i))},
			[]int16{1, 0, 0}, nil).Read()
		if res.Err != nil {
			t.Fatalf("exec prepared insert %d: %v", i, res.Err)
		}
		if res.CommandTag.String() != "INSERT 0 1" {
			t.Errorf("insert tag %q", res.CommandTag)
		}
	}

	sel, err := pc.Prepare(ctx, "sel", "SELECT name, score FROM prep_t WHERE id = $1", nil)
	if err != nil {
		t.Fatalf("prepare select: %v", err)
	}
	if fmt.Sprint(sel.ParamOIDs) != "[20]" || len(sel.Fields) != 2 || sel.Fields[0].DataTypeOID != 25 || sel.Fields[1].DataTypeOID != 701 {
		t.Errorf("select description: params %v fields %+v", sel.ParamOIDs, sel.Fields)
	}
	for i := 1; i <= 3; i++ {
		res := pc.ExecPrepared(ctx, "sel", [][]byte{[]byte(fmt.Sprint(i))}, nil, []int16{0, 0}).Read()
		if res.Err != nil {
			t.Fatalf("exec prepared select: %v", res.Err)
		}
		if len(res.Rows) != 1 || string(res.Rows[0][0]) != fmt.Sprintf("n%d", i) || string(res.Rows[0][1]) != fmt.Sprintf("%d.5", i) {
			t.Errorf("select %d: rows %q", i, res.Rows)
		}
	}
	if err := pc.Deallocate(ctx, "sel"); err != nil {
		t.Fatalf("deallocate: %v", err)
	}
	res := pc.ExecPrepared(ctx, "sel", [][]byte{[]byte("1")}, nil, nil).Read()
	wantCode(t, res.Err, "26000", "executing a closed statement")

	// Parameter types inferred from context, as PostgreSQL infers them.
	for _, tc := range []struct{ sql, want string }{
		{"SELECT $1 + 1", "[23]"},
		{"SELECT $1::numeric", "[1700]"},
		{"SELECT * FROM prep_t WHERE name = $1 LIMIT $2", "[25 20]"},
		{"UPDATE prep_t SET score = $1 WHERE id = $2", "[701 20]"},
		{"DELETE FROM prep_t WHERE id > $1 AND name LIKE $2", "[20 25]"},
		{"SELECT id FROM prep_t WHERE id = ANY($1)", "[1016]"},
		{"INSERT INTO prep_t VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = $4", "[20 25 701 25]"},
	} {
		sd, err := pc.Prepare(ctx, "", tc.sql, nil)
		if err != nil {
			t.Errorf("prepare %q: %v", tc.sql, err)
			continue
		}
		if got := fmt.Sprint(sd.ParamOIDs); got != tc.want {
			t.Errorf("prepare %q: parameter types %s, want %s", tc.sql, got, tc.want)
		}
	}

	// pgx's statement cache reuses one prepared statement across calls.
	for i := 0; i < 20; i++ {
		var name string
		if err := c.QueryRow(ctx, "SELECT name FROM prep_t WHERE id = $1", int64(i%3+1)).Scan(&name); err != nil {
			t.Fatalf("cached statement, call %d: %v", i, err)
		}
	}
}

// TestSimpleQueryImplicitTransaction: several statements in one Query
// message run as one implicit transaction; an error in the second rolls
// back the first; an explicit COMMIT inside the string ends it early.
func TestSimpleQueryImplicitTransaction(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	psql(t, n, "CREATE TABLE implicit_t (id int PRIMARY KEY)")

	psqlWantError(t, n, "INSERT INTO implicit_t VALUES (1); INSERT INTO implicit_t VALUES (1/0)", "22012")
	checkPsql(t, n, "0", "SELECT count(*) FROM implicit_t")

	psqlWantError(t, n, "INSERT INTO implicit_t VALUES (1); INSERT INTO implicit_t VALUES (1)", "23505")
	checkPsql(t, n, "0", "SELECT count(*) FROM implicit_t")

	psqlWantError(t, n, "BEGIN; INSERT INTO implicit_t VALUES (2); COMMIT; INSERT INTO implicit_t VALUES (3); SELECT 1/0", "22012")
	checkPsql(t, n, "2", "SELECT string_agg(id::text, ',') FROM implicit_t")

	checkPsql(t, n, "INSERT 0 1\nINSERT 0 1\n4\n5", "INSERT INTO implicit_t VALUES (4); INSERT INTO implicit_t VALUES (5); SELECT id FROM implicit_t WHERE id > 3 ORDER BY id")

	// The same through pgx's simple protocol.
	c := mustConnect(t, n)
	_, err := c.Exec(ctx, "INSERT INTO implicit_t VALUES (6); INSERT INTO implicit_t VALUES (6)")
	wantCode(t, err, "23505", "pgx simple multi-statement")
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM implicit_t WHERE id = 6")
}

// TestMessageSizeCap: a message declaring a huge length is refused without
// being allocated, and other sessions are unaffected.
func TestMessageSizeCap(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	control := mustConnect(t, n)

	conn, _ := rawConn(t, n)
	var hdr [5]byte
	hdr[0] = 'Q'
	binary.BigEndian.PutUint32(hdr[1:], 0x7fffffff)
	conn.Write(hdr[:])
	conn.Write([]byte("SELECT 1"))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1024)
	_, err := io.ReadAtLeast(conn, buf, 1)
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		t.Errorf("no ErrorResponse and no close within 5 s of a 2 GiB message header")
	} else if err == nil && buf[0] != 'E' {
		t.Errorf("answer to a 2 GiB message header starts with %q, want ErrorResponse or close", buf[0])
	}
	checkQuery(t, ctx, control, "1", "SELECT 1")
}
