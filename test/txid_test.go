package test

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// TestTxidMatchesPostgres: txid_current and its relatives, txid_status and
// pg_xact_status answer as PostgreSQL 15 does (the ids themselves differ).
func TestTxidMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgres(t, ctx, pc, lc,
		`CREATE TABLE tx (id int PRIMARY KEY)`,
		`SELECT txid_status(1), txid_status(2), txid_status(0), txid_status(5), pg_xact_status('3'::xid8), txid_status(NULL)`,
		`SELECT txid_status(-1)`,
		`SELECT txid_status(9223372036854775807)`,
		`SELECT pg_xact_status('9223372036854775807'::xid8)`,
		`SELECT txid_status('abc')`,
		`SELECT pg_typeof(txid_current()), pg_typeof(pg_current_xact_id()), pg_typeof(txid_current_if_assigned()), pg_typeof(pg_xact_status('1'))`,
		`BEGIN`,
		`SELECT txid_current_if_assigned() IS NULL, pg_current_xact_id_if_assigned() IS NULL`,
		`SELECT txid_current() > 0, txid_current() = txid_current(), txid_current() = txid_current_if_assigned()`,
		`SELECT pg_current_xact_id()::text = txid_current()::text`,
		`SELECT txid_status(txid_current()), pg_xact_status(pg_current_xact_id())`,
		`COMMIT`,
		`BEGIN`,
		`INSERT INTO tx VALUES (1)`,
		`SELECT txid_current_if_assigned() IS NOT NULL`,
		`ROLLBACK`,
		`BEGIN READ ONLY`,
		`SELECT txid_current() > 0`,
		`COMMIT`,
		`SELECT txid_current() <> txid_current()`, // one statement, one transaction
	)
}

// TestTxidStatusSettles: an id's status is committed once its transaction
// committed (with or without writes), aborted once it rolled back or
// failed, in progress while it is open on any session of the node, and a
// rolled-back id stays aborted across a restart.
func TestTxidStatusSettles(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	a, b := mustConnect(t, n), mustConnect(t, n)
	mustExec(t, ctx, a, "CREATE TABLE tx (id int PRIMARY KEY)")
	xid := func() int64 {
		t.Helper()
		v, err := strconv.ParseInt(queryText(t, ctx, a, "SELECT txid_current()"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	status := func(x int64, want string) {
		t.Helper()
		checkQuery(t, ctx, b, want, "SELECT txid_status($1)", x)
	}

	mustExec(t, ctx, a, "BEGIN")
	mustExec(t, ctx, a, "INSERT INTO tx VALUES (1)")
	committed := xid()
	status(committed, "in progress")
	mustExec(t, ctx, a, "COMMIT")
	status(committed, "committed")

	mustExec(t, ctx, a, "BEGIN")
	readOnly := xid()
	mustExec(t, ctx, a, "COMMIT")
	status(readOnly, "committed")

	mustExec(t, ctx, a, "BEGIN")
	mustExec(t, ctx, a, "INSERT INTO tx VALUES (2)")
	rolledBack := xid()
	mustExec(t, ctx, a, "ROLLBACK")
	status(rolledBack, "aborted")

	// A conflict at commit (40001) leaves its id aborted.
	mustExec(t, ctx, a, "BEGIN ISOLATION LEVEL SERIALIZABLE")
	checkQuery(t, ctx, a, "1", "SELECT count(*) FROM tx")
	conflicted := xid()
	mustExec(t, ctx, b, "INSERT INTO tx VALUES (3)")
	_, err := a.Exec(ctx, "INSERT INTO tx VALUES (4)")
	if err == nil {
		_, err = a.Exec(ctx, "COMMIT")
	}
	wantCode(t, err, "40001", "a commit whose read changed")
	if a.PgConn().TxStatus() != 'I' {
		mustExec(t, ctx, a, "ROLLBACK")
	}
	status(conflicted, "aborted")

	// An id not yet handed out is in the future, as in PostgreSQL.
	_, err = b.Exec(ctx, "SELECT txid_status($1)", committed+1<<40)
	wantCode(t, err, "22023", "txid_status of an id from the future")

	a.Close(ctx)
	b.Close(ctx)
	n.Stop(t)
	n.Restart(t)
	c := mustConnect(t, n)
	for x, want := range map[int64]string{committed: "committed", readOnly: "committed", rolledBack: "aborted", conflicted: "aborted"} {
		checkQuery(t, ctx, c, want, "SELECT txid_status($1)", x)
	}
	// Ids are unique across restarts: a new one is not any old one.
	fresh, err := strconv.ParseInt(queryText(t, ctx, c, "SELECT txid_current()"), 10, 64)
	if err != nil || fresh == committed || fresh == readOnly || fresh == rolledBack || fresh == conflicted {
		t.Fatalf("txid after a restart %d (%v) repeats an earlier one", fresh, err)
	}
	checkQuery(t, ctx, c, fmt.Sprint("1\n3"), "SELECT id FROM tx ORDER BY id")
}
