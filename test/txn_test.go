package test

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestTransactionBasics: COMMIT makes writes visible to others, ROLLBACK
// discards them, a transaction reads its own writes (through scans, key
// lookups, indexes and aggregates), isolation clauses are accepted, and the
// ReadyForQuery status follows I/T/E.
func TestTransactionBasics(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	other := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE txn_t (id int PRIMARY KEY, v text UNIQUE, n int)")
	mustExec(t, ctx, c, "INSERT INTO txn_t VALUES (1, 'one', 1)")

	status := func(want byte) {
		t.Helper()
		if got := c.PgConn().TxStatus(); got != want {
			t.Errorf("transaction status %q, want %q", got, want)
		}
	}
	status('I')
	mustExec(t, ctx, c, "BEGIN")
	status('T')
	mustExec(t, ctx, c, "INSERT INTO txn_t VALUES (2, 'two', 2)")
	mustExec(t, ctx, c, "UPDATE txn_t SET n = n + 10 WHERE id = 1")
	checkQuery(t, ctx, c, "1|one|11\n2|two|2", "SELECT * FROM txn_t ORDER BY id")
	checkQuery(t, ctx, c, "2", "SELECT id FROM txn_t WHERE v = 'two'")
	checkQuery(t, ctx, c, "2|13", "SELECT count(*), sum(n) FROM txn_t")
	_, err := c.Exec(ctx, "SELECT 1") // still fine
	if err != nil {
		t.Fatal(err)
	}
	checkQuery(t, ctx, other, "1|one|1", "SELECT * FROM txn_t ORDER BY id") // not yet visible
	mustExec(t, ctx, c, "DELETE FROM txn_t WHERE id = 1")
	checkQuery(t, ctx, c, "2|two|2", "SELECT * FROM txn_t ORDER BY id")
	mustExec(t, ctx, c, "INSERT INTO txn_t VALUES (1, 'uno', 100)") // the deleted key is free again
	mustExec(t, ctx, c, "COMMIT")
	status('I')
	checkQuery(t, ctx, other, "1|uno|100\n2|two|2", "SELECT * FROM txn_t ORDER BY id")

	mustExec(t, ctx, c, "START TRANSACTION ISOLATION LEVEL SERIALIZABLE")
	mustExec(t, ctx, c, "INSERT INTO txn_t VALUES (3, 'three', 3)")
	mustExec(t, ctx, c, "UPDATE txn_t SET n = 0")
	mustExec(t, ctx, c, "ROLLBACK")
	checkQuery(t, ctx, c, "1|uno|100\n2|two|2", "SELECT * FROM txn_t ORDER BY id")

	for _, begin := range []string{"BEGIN ISOLATION LEVEL READ COMMITTED", "BEGIN ISOLATION LEVEL REPEATABLE READ",
		"BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE", "START TRANSACTION"} {
		if _, err := c.Exec(ctx, begin); err != nil {
			t.Errorf("%s: %v", begin, err)
			continue
		}
		checkQuery(t, ctx, c, "2", "SELECT count(*) FROM txn_t")
		mustExec(t, ctx, c, "COMMIT")
	}

	// A duplicate key inside a transaction is found against its own writes.
	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "INSERT INTO txn_t VALUES (4, 'four', 4)")
	_, err = c.Exec(ctx, "INSERT INTO txn_t VALUES (4, 'vier', 4)")
	wantCode(t, err, "23505", "duplicate of a key written earlier in the transaction")
	status('E')
	mustExec(t, ctx, c, "ROLLBACK")

	// pgx's Tx.
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO txn_t VALUES ($1, $2, $3)", 5, "five", 5); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("pgx Tx commit: %v", err)
	}
	checkQuery(t, ctx, other, "five", "SELECT v FROM txn_t WHERE id = 5")

	// psql: one string, BEGIN … ROLLBACK.
	checkPsql(t, n, "BEGIN\nINSERT 0 1\n4\nROLLBACK", "BEGIN; INSERT INTO txn_t VALUES (6, 'six', 6); SELECT count(*) FROM txn_t; ROLLBACK")
	checkPsql(t, n, "0", "SELECT count(*) FROM txn_t WHERE id = 6")
}

// TestSavepoints: SAVEPOINT, ROLLBACK TO, RELEASE, and recovering from an
// error by rolling back to a savepoint.
func TestSavepoints(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE sp_t (id int PRIMARY KEY, v int)")

	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "INSERT INTO sp_t VALUES (1, 1)")
	mustExec(t, ctx, c, "SAVEPOINT a")
	mustExec(t, ctx, c, "INSERT INTO sp_t VALUES (2, 2)")
	mustExec(t, ctx, c, "UPDATE sp_t SET v = 100 WHERE id = 1")
	mustExec(t, ctx, c, "SAVEPOINT b")
	mustExec(t, ctx, c, "INSERT INTO sp_t VALUES (3, 3)")
	checkQuery(t, ctx, c, "1|100\n2|2\n3|3", "SELECT * FROM sp_t ORDER BY id")
	mustExec(t, ctx, c, "ROLLBACK TO SAVEPOINT a")
	checkQuery(t, ctx, c, "1|1", "SELECT * FROM sp_t ORDER BY id")
	mustExec(t, ctx, c, "INSERT INTO sp_t VALUES (4, 4)")
	mustExec(t, ctx, c, "SAVEPOINT c")
	mustExec(t, ctx, c, "INSERT INTO sp_t VALUES (5, 5)")
	mustExec(t, ctx, c, "RELEASE SAVEPOINT c")
	_, err := c.Exec(ctx, "ROLLBACK TO SAVEPOINT c")
	wantCode(t, err, "3B001", "rollback to a released savepoint")
	mustExec(t, ctx, c, "ROLLBACK TO a") // clears the error, keeps 1
	checkQuery(t, ctx, c, "1|1", "SELECT * FROM sp_t ORDER BY id")
	mustExec(t, ctx, c, "INSERT INTO sp_t VALUES (6, 6)")

	// An error inside a savepoint is undone by rolling back to it.
	mustExec(t, ctx, c, "SAVEPOINT d")
	_, err = c.Exec(ctx, "INSERT INTO sp_t VALUES (1, 0)")
	wantCode(t, err, "23505", "duplicate inside a savepoint")
	_, err = c.Exec(ctx, "SELECT 1")
	wantCode(t, err, "25P02", "statement after the error, before ROLLBACK TO")
	mustExec(t, ctx, c, "ROLLBACK TO SAVEPOINT d")
	mustExec(t, ctx, c, "INSERT INTO sp_t VALUES (7, 7)")
	mustExec(t, ctx, c, "RELEASE a")
	mustExec(t, ctx, c, "COMMIT")
	checkQuery(t, ctx, c, "1|1\n6|6\n7|7", "SELECT * FROM sp_t ORDER BY id")

	checkPsql(t, n, "BEGIN\nSAVEPOINT\nINSERT 0 1\nROLLBACK\nINSERT 0 1\nCOMMIT",
		"BEGIN; SAVEPOINT s; INSERT INTO sp_t VALUES (8, 8); ROLLBACK TO s; INSERT INTO sp_t VALUES (9, 9); COMMIT")
	checkPsql(t, n, "1,6,7,9", "SELECT string_agg(id::text, ',' ORDER BY id) FROM sp_t")
}

// TestAbortedTransaction: after an error every statement fails with 25P02
// until ROLLBACK; COMMIT of a failed transaction rolls it back.
func TestAbortedTransaction(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE abort_t (id int PRIMARY KEY)")

	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "INSERT INTO abort_t VALUES (1)")
	_, err := c.Exec(ctx, "SELECT 1 / 0")
	wantCode(t, err, "22012", "division by zero in a transaction")
	for _, sql := range []string{"SELECT 1", "INSERT INTO abort_t VALUES (2)", "SELECT * FROM abort_t"} {
		_, err := c.Exec(ctx, sql)
		wantCode(t, err, "25P02", sql+" in a failed transaction")
	}
	_, err = c.Exec(ctx, "SELECT $1::int", 5) // extended protocol too
	wantCode(t, err, "25P02", "parameterized SELECT in a failed transaction")
	if got := c.PgConn().TxStatus(); got != 'E' {
		t.Errorf("status %q in a failed transaction, want 'E'", got)
	}
	mustExec(t, ctx, c, "ROLLBACK")
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM abort_t")

	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "INSERT INTO abort_t VALUES (1)")
	_, err = c.Exec(ctx, "INSERT INTO abort_t VALUES (1)")
	wantCode(t, err, "23505", "duplicate key in a transaction")
	tag, err := c.Exec(ctx, "COMMIT")
	if err != nil {
		t.Errorf("COMMIT of a failed transaction: %v (PostgreSQL answers ROLLBACK)", err)
	} else if tag.String() != "ROLLBACK" {
		t.Errorf("COMMIT of a failed transaction: tag %q, want ROLLBACK", tag)
	}
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM abort_t")

	out, stderr, err := psqlRun(t, n, "BEGIN; INSERT INTO abort_t VALUES (1); SELECT 1/0; SELECT 1; COMMIT")
	if err == nil {
		t.Errorf("psql: failed multi-statement transaction succeeded: %s", out)
	} else if !containsAll(stderr, "22012") {
		t.Errorf("psql: want 22012, got %s", stderr)
	}
	checkPsql(t, n, "0", "SELECT count(*) FROM abort_t")
}

// TestSetShowReset: session settings.
func TestSetShowReset(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)

	mustExec(t, ctx, c, "SET application_name = 'reporting'")
	checkQuery(t, ctx, c, "reporting", "SHOW application_name")
	checkQuery(t, ctx, c, "reporting", "SELECT current_setting('application_name')")
	mustExec(t, ctx, c, "RESET application_name")
	checkQuery(t, ctx, c, "", "SHOW application_name")

	mustExec(t, ctx, c, "SET extra_float_digits TO 3")
	checkQuery(t, ctx, c, "3", "SHOW extra_float_digits")
	mustExec(t, ctx, c, "SET SESSION extra_float_digits = 0")
	checkQuery(t, ctx, c, "0", "SHOW extra_float_digits")
	mustExec(t, ctx, c, "RESET extra_float_digits")
	checkQuery(t, ctx, c, "1", "SHOW extra_float_digits")

	mustExec(t, ctx, c, "SET TIME ZONE 'UTC'")
	checkQuery(t, ctx, c, "UTC", "SHOW TimeZone")
	mustExec(t, ctx, c, "SET search_path TO public")
	checkQuery(t, ctx, c, "public", "SHOW search_path")
	checkQuery(t, ctx, c, "serializable", "SHOW transaction_isolation")
	checkQuery(t, ctx, c, "ISO, MDY", "SHOW DateStyle")
	checkQuery(t, ctx, c, "on", "SHOW standard_conforming_strings")

	// SET LOCAL lasts until the end of the transaction; a SET in a rolled
	// back transaction is undone.
	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "SET LOCAL application_name = 'local'")
	checkQuery(t, ctx, c, "local", "SHOW application_name")
	mustExec(t, ctx, c, "COMMIT")
	checkQuery(t, ctx, c, "", "SHOW application_name")
	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "SET application_name = 'undone'")
	mustExec(t, ctx, c, "ROLLBACK")
	checkQuery(t, ctx, c, "", "SHOW application_name")

	_, err := c.Exec(ctx, "SHOW no_such_setting")
	wantCode(t, err, "42704", "SHOW of an unknown setting")
	checkPsql(t, n, "SET\nx", "SET application_name = 'x'; SHOW application_name")

	// Settings are per session.
	other := mustConnect(t, n)
	mustExec(t, ctx, c, "SET application_name = 'mine'")
	checkQuery(t, ctx, other, "", "SHOW application_name")
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestTerminateMidTransaction: a client that sends Terminate (or drops the
// socket) inside a transaction leaves nothing behind: its writes are gone
// and the keys it wrote are free for others.
func TestTerminateMidTransaction(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE term_t (id int PRIMARY KEY, v text)")

	quitter := mustConnect(t, n)
	mustExec(t, ctx, quitter, "BEGIN")
	mustExec(t, ctx, quitter, "INSERT INTO term_t VALUES (1, 'never')")
	quitter.Close(ctx) // Terminate

	dropper, fe := rawConn(t, n)
	fe.Send(&pgproto3.Query{String: "BEGIN; INSERT INTO term_t VALUES (2, 'never')"})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	recvUntilReady(t, dropper, fe)
	dropper.Close() // no Terminate

	mustExec(t, ctx, c, "INSERT INTO term_t VALUES (1, 'mine'), (2, 'mine')")
	checkQuery(t, ctx, c, "1|mine\n2|mine", "SELECT * FROM term_t ORDER BY id")
}

// TestTransactionTime: now(), current_date and the relative inputs 'now',
// 'today', 'tomorrow' and 'yesterday' all read the transaction's start, in
// the session's zone, as in PostgreSQL: they agree with each other inside
// one transaction (whatever the day or zone the test runs in) and move on
// with the next transaction. The statements go by the simple protocol, as
// psql sends them: a prepared statement keeps the value its literal had
// when it was planned, in PostgreSQL as here.
func TestTransactionTime(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	cfg := n.connConfig(nil)
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	c := mustConnectConfig(t, cfg)
	for _, zone := range []string{"UTC", "Asia/Kolkata", "America/Los_Angeles", "Pacific/Kiritimati"} {
		mustExec(t, ctx, c, "SET TIME ZONE '"+zone+"'")
		// one implicit transaction: the planner folds the literals, the
		// executor evaluates the functions, both from the same start
		checkQuery(t, ctx, c, "t|t|t|t|t|t",
			`SELECT 'today'::date = current_date, 'tomorrow'::date = current_date + 1,
			        'yesterday'::date = current_date - 1, 'now'::timestamptz = now(),
			        'now'::timestamp = localtimestamp, 'today'::timestamptz = date_trunc('day', now())`)
		// a parameter in text format reads the same clock
		var same bool
		if err := c.QueryRow(ctx, "SELECT $1::text::date = current_date", pgx.QueryExecModeExec, "today").Scan(&same); err != nil || !same {
			t.Errorf("%s: 'today' as a parameter: %v %v", zone, same, err)
		}

		mustExec(t, ctx, c, "BEGIN")
		first := queryText(t, ctx, c, "SELECT now()::text")
		checkQuery(t, ctx, c, first, "SELECT now()::text")
		checkQuery(t, ctx, c, first, "SELECT 'now'::timestamptz::text")
		checkQuery(t, ctx, c, "t", "SELECT current_timestamp = transaction_timestamp()")
		mustExec(t, ctx, c, "COMMIT")
		checkQuery(t, ctx, c, "t", "SELECT now() > '"+first+"'::timestamptz")
	}
}
