package test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// sendAll sends msgs and flushes them.
func sendAll(t *testing.T, fe *pgproto3.Frontend, msgs ...pgproto3.FrontendMessage) {
	t.Helper()
	for _, m := range msgs {
		fe.Send(m)
	}
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
}

// batch sends msgs and reads the replies up to ReadyForQuery; it returns
// their names, the data rows, and the ReadyForQuery status.
func batch(t *testing.T, conn net.Conn, fe *pgproto3.Frontend, msgs ...pgproto3.FrontendMessage) (string, string, byte) {
	t.Helper()
	sendAll(t, fe, msgs...)
	got := recvUntilReady(t, conn, fe)
	return msgNames(got), strings.Join(dataRows(got), ","), got[len(got)-1].(*pgproto3.ReadyForQuery).TxStatus
}

// TestNamedPortalSurvivesSync: pgjdbc with a fetch size inside a
// transaction sends BEGIN, Parse/Bind to a named portal/Execute(maxRows)
// and Sync, gets PortalSuspended, then Execute(maxRows)+Sync on the same
// portal until it completes. As in PostgreSQL, a named portal lives until
// its transaction ends: Sync inside a block keeps it, COMMIT closes it,
// and outside a block (an implicit transaction) Sync closes it.
func TestNamedPortalSurvivesSync(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE jdbc_fetch (id int PRIMARY KEY, v text)")
	mustExec(t, ctx, c, "INSERT INTO jdbc_fetch SELECT g, 'v' || g FROM generate_series(1, 5) g")

	conn, fe := rawConn(t, n)
	// pgjdbc's first batch: BEGIN rides with the query.
	names, rows, st := batch(t, conn, fe,
		&pgproto3.Parse{Query: "BEGIN"},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Parse{Name: "S_1", Query: "SELECT id, v FROM jdbc_fetch WHERE id >= $1 ORDER BY id"},
		&pgproto3.Bind{DestinationPortal: "C_1", PreparedStatement: "S_1", Parameters: [][]byte{[]byte("1")}},
		&pgproto3.Describe{ObjectType: 'P', Name: "C_1"},
		&pgproto3.Execute{Portal: "C_1", MaxRows: 2},
		&pgproto3.Sync{})
	if want := "ParseComplete BindComplete CommandComplete ParseComplete BindComplete RowDescription DataRow DataRow PortalSuspended ReadyForQuery"; names != want || rows != "1|v1,2|v2" || st != 'T' {
		t.Fatalf("first batch:\n got %s [%s] %c\nwant %s [1|v1,2|v2] T", names, rows, st, want)
	}
	names, rows, st = batch(t, conn, fe, &pgproto3.Execute{Portal: "C_1", MaxRows: 2}, &pgproto3.Sync{})
	if want := "DataRow DataRow PortalSuspended ReadyForQuery"; names != want || rows != "3|v3,4|v4" || st != 'T' {
		t.Fatalf("second fetch after Sync:\n got %s [%s] %c\nwant %s [3|v3,4|v4] T", names, rows, st, want)
	}
	names, rows, st = batch(t, conn, fe, &pgproto3.Execute{Portal: "C_1", MaxRows: 2}, &pgproto3.Sync{})
	if want := "DataRow CommandComplete ReadyForQuery"; names != want || rows != "5|v5" || st != 'T' {
		t.Fatalf("last fetch:\n got %s [%s] %c\nwant %s [5|v5] T", names, rows, st, want)
	}
	// A second portal in the same block, still open at COMMIT: COMMIT
	// closes it.
	names, _, _ = batch(t, conn, fe,
		&pgproto3.Bind{DestinationPortal: "C_2", PreparedStatement: "S_1", Parameters: [][]byte{[]byte("4")}},
		&pgproto3.Execute{Portal: "C_2", MaxRows: 1},
		&pgproto3.Sync{})
	if want := "BindComplete DataRow PortalSuspended ReadyForQuery"; names != want {
		t.Fatalf("C_2:\n got %s\nwant %s", names, want)
	}
	names, _, st = batch(t, conn, fe, &pgproto3.Query{String: "COMMIT"})
	if names != "CommandComplete ReadyForQuery" || st != 'I' {
		t.Fatalf("COMMIT: %s %c", names, st)
	}
	names, _, st = batch(t, conn, fe, &pgproto3.Execute{Portal: "C_2", MaxRows: 1}, &pgproto3.Sync{})
	if names != "ErrorResponse(34000) ReadyForQuery" || st != 'I' {
		t.Fatalf("Execute of a portal after COMMIT: %s %c, want 34000", names, st)
	}

	// ROLLBACK closes the block's portals too.
	names, _, _ = batch(t, conn, fe,
		&pgproto3.Query{String: "BEGIN"})
	if names != "CommandComplete ReadyForQuery" {
		t.Fatalf("BEGIN: %s", names)
	}
	names, _, _ = batch(t, conn, fe,
		&pgproto3.Bind{DestinationPortal: "C_3", PreparedStatement: "S_1", Parameters: [][]byte{[]byte("1")}},
		&pgproto3.Execute{Portal: "C_3", MaxRows: 1},
		&pgproto3.Sync{})
	if want := "BindComplete DataRow PortalSuspended ReadyForQuery"; names != want {
		t.Fatalf("C_3:\n got %s\nwant %s", names, want)
	}
	batch(t, conn, fe, &pgproto3.Query{String: "ROLLBACK"})
	names, _, _ = batch(t, conn, fe, &pgproto3.Execute{Portal: "C_3"}, &pgproto3.Sync{})
	if names != "ErrorResponse(34000) ReadyForQuery" {
		t.Fatalf("Execute of a portal after ROLLBACK: %s, want 34000", names)
	}

	// Outside a block the portal belongs to the implicit transaction,
	// which Sync ends.
	names, rows, st = batch(t, conn, fe,
		&pgproto3.Bind{DestinationPortal: "C_4", PreparedStatement: "S_1", Parameters: [][]byte{[]byte("1")}},
		&pgproto3.Execute{Portal: "C_4", MaxRows: 1},
		&pgproto3.Sync{})
	if want := "BindComplete DataRow PortalSuspended ReadyForQuery"; names != want || rows != "1|v1" || st != 'I' {
		t.Fatalf("implicit transaction:\n got %s [%s] %c\nwant %s [1|v1] I", names, rows, st, want)
	}
	names, _, _ = batch(t, conn, fe, &pgproto3.Execute{Portal: "C_4", MaxRows: 1}, &pgproto3.Sync{})
	if names != "ErrorResponse(34000) ReadyForQuery" {
		t.Fatalf("Execute after the implicit transaction's Sync: %s, want 34000", names)
	}
}

// TestDeclaredCursorIsPortal: a cursor made with DECLARE is a portal the
// extended protocol can Describe and Execute by name, as psycopg 3's
// server-side cursors use it; Close (portal) closes it, and its name is
// taken for Bind.
func TestDeclaredCursorIsPortal(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE declared_portal (id int PRIMARY KEY, v text)")
	mustExec(t, ctx, c, "INSERT INTO declared_portal SELECT g, 'v' || g FROM generate_series(1, 5) g")

	conn, fe := rawConn(t, n)
	batch(t, conn, fe, &pgproto3.Query{String: "BEGIN"})
	// psycopg 3: DECLARE through the extended protocol, with parameters.
	names, _, st := batch(t, conn, fe,
		&pgproto3.Parse{Query: `DECLARE "sc1" CURSOR FOR SELECT id, v FROM declared_portal WHERE id > $1 ORDER BY id`},
		&pgproto3.Bind{Parameters: [][]byte{[]byte("1")}},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Sync{})
	if want := "ParseComplete BindComplete NoData CommandComplete ReadyForQuery"; names != want || st != 'T' {
		t.Fatalf("DECLARE:\n got %s %c\nwant %s T", names, st, want)
	}
	sendAll(t, fe, &pgproto3.Describe{ObjectType: 'P', Name: "sc1"}, &pgproto3.Sync{})
	msgs := recvUntilReady(t, conn, fe)
	if got := msgNames(msgs); got != "RowDescription ReadyForQuery" {
		t.Fatalf("Describe portal sc1: %s", got)
	}
	rd := msgs[0].(*pgproto3.RowDescription)
	if len(rd.Fields) != 2 || string(rd.Fields[0].Name) != "id" || rd.Fields[0].DataTypeOID != 23 || rd.Fields[1].DataTypeOID != 25 || rd.Fields[0].Format != 0 {
		t.Errorf("RowDescription of sc1 = %+v, want id int4, v text, text format", rd.Fields)
	}
	names, rows, _ := batch(t, conn, fe, &pgproto3.Execute{Portal: "sc1", MaxRows: 2}, &pgproto3.Sync{})
	if want := "DataRow DataRow PortalSuspended ReadyForQuery"; names != want || rows != "2|v2,3|v3" {
		t.Fatalf("Execute sc1 2:\n got %s [%s]\nwant %s [2|v2,3|v3]", names, rows, want)
	}
	// FETCH continues where Execute stopped, and Execute where FETCH did.
	names, rows, _ = batch(t, conn, fe, &pgproto3.Query{String: "FETCH 1 FROM sc1"})
	if names != "RowDescription DataRow CommandComplete ReadyForQuery" || rows != "4|v4" {
		t.Fatalf("FETCH 1 after Execute: %s [%s]", names, rows)
	}
	sendAll(t, fe, &pgproto3.Execute{Portal: "sc1", MaxRows: 5}, &pgproto3.Sync{})
	msgs = recvUntilReady(t, conn, fe)
	if names, rows := msgNames(msgs), strings.Join(dataRows(msgs), ","); names != "DataRow CommandComplete ReadyForQuery" || rows != "5|v5" {
		t.Fatalf("Execute sc1 to the end: %s [%s]", names, rows)
	}
	if tag := string(msgs[1].(*pgproto3.CommandComplete).CommandTag); tag != "SELECT 1" {
		t.Errorf("CommandComplete of the last Execute = %q, want SELECT 1", tag)
	}
	// The name is a portal's: Bind cannot reuse it.
	names, _, _ = batch(t, conn, fe,
		&pgproto3.Parse{Name: "one", Query: "SELECT 1"},
		&pgproto3.Bind{DestinationPortal: "sc1", PreparedStatement: "one"},
		&pgproto3.Sync{})
	if names != "ParseComplete ErrorResponse(42P03) ReadyForQuery" {
		t.Fatalf("Bind to the cursor's name: %s, want 42P03", names)
	}
	batch(t, conn, fe, &pgproto3.Query{String: "ROLLBACK"})

	// Close (portal) closes a cursor; a DECLAREd name cannot be Bound
	// over, nor a Bound one DECLAREd over.
	batch(t, conn, fe, &pgproto3.Query{String: "BEGIN; DECLARE sc2 CURSOR FOR SELECT 1"})
	names, _, _ = batch(t, conn, fe, &pgproto3.Close{ObjectType: 'P', Name: "sc2"}, &pgproto3.Sync{})
	if names != "CloseComplete ReadyForQuery" {
		t.Fatalf("Close portal sc2: %s", names)
	}
	names, _, _ = batch(t, conn, fe, &pgproto3.Query{String: "FETCH 1 FROM sc2"})
	if names != "ErrorResponse(34000) ReadyForQuery" {
		t.Fatalf("FETCH from a closed cursor: %s, want 34000", names)
	}
	batch(t, conn, fe, &pgproto3.Query{String: "ROLLBACK"})
	batch(t, conn, fe, &pgproto3.Query{String: "BEGIN"})
	names, _, _ = batch(t, conn, fe,
		&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "one"},
		&pgproto3.Sync{})
	if names != "BindComplete ReadyForQuery" {
		t.Fatalf("Bind p1: %s", names)
	}
	names, _, _ = batch(t, conn, fe, &pgproto3.Query{String: "DECLARE p1 CURSOR FOR SELECT 2"})
	if names != "ErrorResponse(42P03) ReadyForQuery" {
		t.Fatalf("DECLARE over a bound portal's name: %s, want 42P03", names)
	}
	batch(t, conn, fe, &pgproto3.Query{String: "ROLLBACK"})
}
