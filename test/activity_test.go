package test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// pg_stat_activity, pg_cancel_backend and pg_terminate_backend: sessions
// of a node as an operator sees and signals them.

func TestStatActivity(t *testing.T) {
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)

	cfg := n.connConfig(nil)
	cfg.RuntimeParams["application_name"] = "sleeper"
	sleeper := mustConnectConfig(t, cfg)
	sleeperPID := sleeper.PgConn().PID()
	watcher := mustConnect(t, n)

	// Column shapes as PostgreSQL 15's (psql -c '\d pg_stat_activity'),
	// except client_addr: logdb has no inet type and shows it as text.
	checkQuery(t, ctx, watcher,
		"datid:oid datname:name pid:integer leader_pid:integer usesysid:oid usename:name application_name:text "+
			"client_addr:text client_hostname:text client_port:integer backend_start:timestamp with time zone "+
			"xact_start:timestamp with time zone query_start:timestamp with time zone state_change:timestamp with time zone "+
			"wait_event_type:text wait_event:text state:text backend_xid:xid backend_xmin:xid query_id:bigint query:text backend_type:text",
		"SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ' ' ORDER BY attnum) FROM pg_attribute "+
			"WHERE attrelid = 'pg_stat_activity'::regclass AND attnum > 0")

	// An idle session, seen from another one.
	checkQuery(t, ctx, watcher, "idle|sleeper|127.0.0.1|t|t|f|Client|ClientRead|client backend",
		"SELECT state, application_name, client_addr, client_port > 0, backend_start <= now(), xact_start IS NOT NULL, "+
			"wait_event_type, wait_event, backend_type FROM pg_stat_activity WHERE pid = $1", sleeperPID)

	started := time.Now()
	sleepErr := make(chan error, 1)
	go func() {
		_, err := sleeper.Exec(ctx, "SELECT pg_sleep(5)")
		sleepErr <- err
	}()
	// Wait until the watcher sees it sleeping (the session is active a
	// moment before pg_sleep sets its wait event).
	const want = "active|SELECT pg_sleep(5)|Timeout|PgSleep|t|t|t|t|t"
	var row string
	deadline := time.Now().Add(10 * time.Second)
	for {
		row = queryText(t, ctx, watcher,
			"SELECT state, query, wait_event_type, wait_event, query_start IS NOT NULL, xact_start IS NOT NULL, "+
				"query_start >= backend_start, state_change >= query_start, now() - query_start < interval '1 minute' "+
				"FROM pg_stat_activity WHERE pid = $1", sleeperPID)
		if row == want || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if row != want {
		t.Fatalf("the sleeping session in pg_stat_activity: %q, want %q", row, want)
	}
	// Every session of the node is listed, the watcher itself as active.
	checkQuery(t, ctx, watcher, "active", "SELECT state FROM pg_stat_activity WHERE pid = pg_backend_pid()")
	if n := queryInt(t, ctx, watcher, "SELECT count(*) FROM pg_stat_activity WHERE pid IN ($1, pg_backend_pid())", sleeperPID); n != 2 {
		t.Errorf("pg_stat_activity lists %d of the two sessions", n)
	}

	checkQuery(t, ctx, watcher, "t", "SELECT pg_cancel_backend($1)", sleeperPID)
	select {
	case err := <-sleepErr:
		wantCode(t, err, "57014", "pg_sleep(5) canceled by pg_cancel_backend")
		t.Logf("pg_sleep(5) ended by pg_cancel_backend after %v", time.Since(started).Round(time.Millisecond))
	case <-ctx.Done():
		t.Fatal("pg_cancel_backend did not end pg_sleep")
	}
	// The canceled session lives on and is idle again.
	checkQuery(t, ctx, sleeper, "1", "SELECT 1")
	checkQuery(t, ctx, watcher, "idle|SELECT 1", "SELECT state, query FROM pg_stat_activity WHERE pid = $1", sleeperPID)

	// A transaction block shows as idle in transaction, with xact_start.
	mustExec(t, ctx, sleeper, "BEGIN")
	mustExec(t, ctx, sleeper, "SELECT 2")
	checkQuery(t, ctx, watcher, "idle in transaction|SELECT 2|t|t",
		"SELECT state, query, xact_start IS NOT NULL, xact_start <= query_start FROM pg_stat_activity WHERE pid = $1", sleeperPID)
	mustExec(t, ctx, sleeper, "ROLLBACK")

	// docs/operations.md's queries for statements running over a minute.
	checkQuery(t, ctx, watcher, "", `SELECT pid, usename, application_name, client_addr, now() - query_start AS running, query
  FROM pg_stat_activity
 WHERE state = 'active' AND now() - query_start > interval '1 minute'`)
	checkQuery(t, ctx, watcher, "", `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
 WHERE state = 'active' AND now() - query_start > interval '1 minute' AND pid <> pg_backend_pid()`)

	// A FETCH waiting on the changefeed shows its wait event.
	feeder := mustConnect(t, n)
	feederPID := feeder.PgConn().PID()
	mustExec(t, ctx, watcher, "CREATE TABLE IF NOT EXISTS activity_feed (id int PRIMARY KEY)")
	fetched := make(chan error, 1)
	go func() {
		tx, err := feeder.Begin(ctx)
		if err == nil {
			if _, err = tx.Exec(ctx, "DECLARE f CURSOR FOR SUBSCRIBE activity_feed"); err == nil {
				_, err = tx.Exec(ctx, "FETCH 10 f WITH (timeout = '30s')")
			}
			_ = tx.Rollback(context.Background())
		}
		fetched <- err
	}()
	deadline = time.Now().Add(10 * time.Second)
	for queryText(t, ctx, watcher, "SELECT coalesce(max(wait_event), '') FROM pg_stat_activity WHERE pid = $1", feederPID) != "WalSenderWaitForWAL" {
		if time.Now().After(deadline) {
			t.Fatal("a FETCH waiting for changes does not show wait_event WalSenderWaitForWAL")
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkQuery(t, ctx, watcher, "active|IPC|FETCH 10 f WITH (timeout = '30s')",
		"SELECT state, wait_event_type, query FROM pg_stat_activity WHERE pid = $1", feederPID)
	mustExec(t, ctx, watcher, "INSERT INTO activity_feed SELECT coalesce(max(id), 0) + 1 FROM activity_feed") // ends the wait (the shared node keeps the table between runs)
	if err := <-fetched; err != nil {
		t.Fatalf("FETCH: %v", err)
	}

	// No such backend: false, as in PostgreSQL.
	checkQuery(t, ctx, watcher, "f|f", "SELECT pg_cancel_backend(2147483000), pg_terminate_backend(2147483000)")

	// pg_terminate_backend ends an idle session with 57P01.
	checkQuery(t, ctx, watcher, "t", "SELECT pg_terminate_backend($1)", sleeperPID)
	var err error
	deadline = time.Now().Add(10 * time.Second)
	for err == nil && time.Now().Before(deadline) {
		_, err = sleeper.Exec(ctx, "SELECT 1")
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil || !sleeper.IsClosed() {
		t.Fatalf("the terminated session still runs statements (err %v)", err)
	}
	if code := sqlState(err); code != "57P01" && code != "" {
		t.Errorf("terminated session: %v, want 57P01 (or the closed connection)", err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for queryInt(t, ctx, watcher, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", sleeperPID) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the terminated session is still listed in pg_stat_activity")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// pg_terminate_backend ends a running statement's connection too.
	busy := mustConnect(t, n)
	busyPID := busy.PgConn().PID()
	busyErr := make(chan error, 1)
	go func() {
		_, err := busy.Exec(context.Background(), "SELECT pg_sleep(30)")
		busyErr <- err
	}()
	for queryText(t, ctx, watcher, "SELECT coalesce(max(state), '') FROM pg_stat_activity WHERE pid = $1", busyPID) != "active" {
		time.Sleep(20 * time.Millisecond)
	}
	// With a timeout it returns once the session is gone (PostgreSQL 14+).
	checkQuery(t, ctx, watcher, "t|0", "SELECT pg_terminate_backend($1, 60000), (SELECT count(*) FROM pg_stat_activity WHERE pid = $1)", busyPID)
	select {
	case err := <-busyErr:
		wantCode(t, err, "57P01", "pg_sleep(30) of a terminated backend")
	case <-ctx.Done():
		t.Fatal("pg_terminate_backend did not end the running statement")
	}
}

// pg_stat_database and pg_stat_user_tables count this node's transactions
// and the rows they changed.
func TestStatCounters(t *testing.T) {
	n := mustStartNode(t, t.TempDir())
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE sc (id int PRIMARY KEY, n int NOT NULL, k int)")
	mustExec(t, ctx, c, "CREATE INDEX sc_k ON sc (k)")
	dbRow := "SELECT numbackends, xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, sessions FROM pg_stat_database WHERE datname = 'logdb'"
	before := queryText(t, ctx, c, dbRow)
	var nb, commits, rollbacks, ins, upd, del, sessions int64
	if err := c.QueryRow(ctx, dbRow).Scan(&nb, &commits, &rollbacks, &ins, &upd, &del, &sessions); err != nil {
		t.Fatal(err)
	}

	mustExec(t, ctx, c, "INSERT INTO sc VALUES (1, 0, 1), (2, 0, 2), (3, 0, 3)")
	mustExec(t, ctx, c, "UPDATE sc SET k = 10 WHERE id = 1")
	mustExec(t, ctx, c, "UPDATE sc SET n = n + 1 WHERE id = 2") // a merge update
	mustExec(t, ctx, c, "DELETE FROM sc WHERE id = 3")
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO sc VALUES (4, 0, 4)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	mustConnect(t, n) // a second backend, and one more session

	// Committed since the counters were read: that read's own transaction
	// and the four writes (the read below does not see itself); one
	// rolled back.
	want := fmt.Sprintf("2|%d|%d|%d|%d|%d|%d", commits+5, rollbacks+1, ins+3, upd+2, del+1, sessions+1)
	checkQuery(t, ctx, c, want, dbRow)
	t.Logf("pg_stat_database for logdb: before %q, after %q", before, want)
	checkQuery(t, ctx, c, "3|2|1|6|3|2",
		"SELECT n_tup_ins, n_tup_upd, n_tup_del, n_mod_since_analyze, n_ins_since_vacuum, n_live_tup FROM pg_stat_user_tables WHERE relname = 'sc'")
	// n_live_tup is the table's row count, after a TRUNCATE too.
	mustExec(t, ctx, c, "CREATE TABLE sc_live (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "INSERT INTO sc_live SELECT g FROM generate_series(1, 500) g")
	mustExec(t, ctx, c, "DELETE FROM sc_live WHERE id > 400")
	checkQuery(t, ctx, c, "400", "SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'sc_live'")
	mustExec(t, ctx, c, "TRUNCATE sc_live")
	mustExec(t, ctx, c, "INSERT INTO sc_live VALUES (1)")
	checkQuery(t, ctx, c, "1", "SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'sc_live'")

	// Scans: a full scan reads every row (seq_scan, seq_tup_read); a
	// lookup by key or index is an idx_scan (idx_tup_fetch per row).
	scans := "SELECT seq_scan, seq_tup_read, idx_scan, idx_tup_fetch FROM pg_stat_user_tables WHERE relname = 'sc'"
	var seq, seqRead, idx, idxFetch int64
	if err := c.QueryRow(ctx, scans).Scan(&seq, &seqRead, &idx, &idxFetch); err != nil {
		t.Fatal(err)
	}
	queryInt(t, ctx, c, "SELECT count(*) FROM sc WHERE n >= 0") // full: 2 rows read
	queryInt(t, ctx, c, "SELECT count(*) FROM sc WHERE id = 1") // primary key
	queryInt(t, ctx, c, "SELECT count(*) FROM sc WHERE k = 10") // index sc_k
	checkQuery(t, ctx, c, fmt.Sprintf("%d|%d|%d|%d", seq+1, seqRead+2, idx+2, idxFetch+2), scans)
}
