package test

import (
	"strings"
	"testing"
	"time"
)

// TestReplicationSlots: slots are created, listed, advanced and dropped by
// PostgreSQL's functions, are committed through the log (they survive a
// restart and kill -9), and a subscription resumes after the confirmed
// position.
func TestReplicationSlots(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_slot (id int PRIMARY KEY)")
	var name, lsn string
	if err := c.QueryRow(ctx, "SELECT slot_name, lsn::text FROM pg_create_logical_replication_slot('billing', 'pgoutput')").Scan(&name, &lsn); err != nil {
		t.Fatal(err)
	}
	if name != "billing" || parseLSN(t, lsn) < parseLSN(t, currentLSN(t, ctx, c)) {
		t.Fatalf("created (%s, %s)", name, lsn)
	}
	_, err := c.Exec(ctx, "SELECT * FROM pg_create_logical_replication_slot('billing', 'pgoutput')")
	wantCode(t, err, "42710", "duplicate slot")
	_, err = c.Exec(ctx, "SELECT * FROM pg_create_logical_replication_slot('Bad-Name', 'pgoutput')")
	wantCode(t, err, "42602", "invalid slot name")
	checkQuery(t, ctx, c, "billing|pgoutput|logical|logdb|f|"+lsn+"|"+lsn+"|reserved",
		"SELECT slot_name, plugin, slot_type, database, active, restart_lsn::text, confirmed_flush_lsn::text, wal_status FROM pg_replication_slots")
	// slot creation rolls back with its transaction
	mustExec(t, ctx, c, "BEGIN; SELECT * FROM pg_create_logical_replication_slot('gone', 'pgoutput'); ROLLBACK")
	checkQuery(t, ctx, c, "1", "SELECT count(*) FROM pg_replication_slots")

	for i := 1; i <= 4; i++ {
		mustExec(t, ctx, c, "INSERT INTO cf_slot VALUES ($1)", i)
	}
	s := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_slot WITH (SLOT = 'billing')) TO STDOUT")
	got := s.nextN(t, 4, 10*time.Second)
	waitSlotActive(t, ctx, c, "billing", true)
	_, err = c.Exec(ctx, "SELECT pg_drop_replication_slot('billing')")
	wantCode(t, err, "55006", "drop an active slot")
	_, err = c.PgConn().CopyTo(ctx, &strings.Builder{}, "COPY (SUBSCRIBE cf_slot WITH (SLOT = 'billing')) TO STDOUT")
	wantCode(t, err, "55006", "second subscriber of a slot")
	wantPgError(t, s.cancel(t), "57014", "", "cancel")
	waitSlotActive(t, ctx, c, "billing", false)

	var end string
	if err := c.QueryRow(ctx, "SELECT slot_name, end_lsn::text FROM pg_replication_slot_advance('billing', $1)", got[1].LSN).Scan(&name, &end); err != nil {
		t.Fatal(err)
	}
	if end != got[1].LSN {
		t.Fatalf("advance to %s: end_lsn %s", got[1].LSN, end)
	}
	// advancing backwards changes nothing (PostgreSQL's behaviour)
	checkQuery(t, ctx, c, "(billing,"+got[1].LSN+")", "SELECT pg_replication_slot_advance('billing', '"+got[0].LSN+"')::text")

	n.Stop(t)
	n.Restart(t)
	c = mustConnect(t, n)
	checkQuery(t, ctx, c, "billing|"+got[1].LSN, "SELECT slot_name, confirmed_flush_lsn::text FROM pg_replication_slots")
	s = startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_slot WITH (SLOT = 'billing')) TO STDOUT")
	if r := s.nextN(t, 2, 10*time.Second); r[0] != got[2] || r[1] != got[3] {
		t.Fatalf("after restart, resumed with %v, want %v", r, got[2:])
	}
	s.cancel(t)
	mustExec(t, ctx, c, "SELECT * FROM pg_replication_slot_advance('billing', $1)", got[3].LSN)
	n.Kill9(t)
	n.Restart(t)
	c = mustConnect(t, n)
	checkQuery(t, ctx, c, got[3].LSN, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'billing'")
	mustExec(t, ctx, c, "SELECT pg_drop_replication_slot('billing')")
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM pg_replication_slots")
	_, err = c.Exec(ctx, "SELECT pg_drop_replication_slot('billing')")
	wantCode(t, err, "42704", "drop a missing slot")
	_, err = c.Exec(ctx, "SELECT * FROM pg_replication_slot_advance('billing', '0/1')")
	wantCode(t, err, "42704", "advance a missing slot")
}

// TestRetention: with a tiny --retention the log is truncated; asking for
// an older position fails with 55000 naming the earliest retained LSN,
// and a slot held past --max-slot-retention is marked lost and refused.
func TestRetention(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNodeArgs(t, t.TempDir(), "--retention", "2s", "--max-slot-retention", "4s")
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_ret (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "SELECT * FROM pg_create_logical_replication_slot('lagging', 'pgoutput')")
	mustExec(t, ctx, c, "INSERT INTO cf_ret VALUES (0)")
	first := currentLSN(t, ctx, c)
	deadline := time.Now().Add(60 * time.Second)
	var msg string
	for id := 1; msg == ""; id++ {
		if time.Now().After(deadline) {
			t.Fatal("the log was never truncated below the first change")
		}
		mustExec(t, ctx, c, "INSERT INTO cf_ret VALUES ($1)", id)
		mustExec(t, ctx, c, "BEGIN")
		_, err := c.Exec(ctx, "DECLARE r CURSOR FOR SUBSCRIBE cf_ret WITH (FROM_LSN = '"+first+"')")
		if err == nil {
			_, err = fetchErr(ctx, c, "FETCH 1 r WITH (timeout = 0)")
		}
		mustExec(t, ctx, c, "ROLLBACK")
		if err != nil {
			msg = wantPgError(t, err, "55000", "the earliest retained LSN is ", "subscribe below the retained log").Message
		}
		time.Sleep(100 * time.Millisecond)
	}
	// the message names the earliest retained LSN, a usable position
	_, earliest, _ := strings.Cut(msg, "the earliest retained LSN is ")
	if parseLSN(t, earliest) <= parseLSN(t, first) {
		t.Fatalf("retention error %q: earliest %s is not after %s", msg, earliest, first)
	}
	// Subscribing from it works — unless retention (2 s here) has moved on
	// meanwhile on a slow machine: then the new error names a later
	// earliest position, and that one works.
	for try := 0; ; try++ {
		mustExec(t, ctx, c, "BEGIN")
		_, err := c.Exec(ctx, "DECLARE r CURSOR FOR SUBSCRIBE cf_ret WITH (FROM_LSN = '"+earliest+"')")
		if err == nil {
			_, err = fetchErr(ctx, c, "FETCH 1 r WITH (timeout = 0)")
		}
		mustExec(t, ctx, c, "ROLLBACK")
		if err == nil {
			break
		}
		again := wantPgError(t, err, "55000", "the earliest retained LSN is ", "subscribe from the earliest retained LSN").Message
		_, later, _ := strings.Cut(again, "the earliest retained LSN is ")
		if parseLSN(t, later) <= parseLSN(t, earliest) || try == 20 {
			t.Fatalf("subscribing from the earliest retained LSN %s: %v", earliest, err)
		}
		earliest = later
	}
	t.Logf("retention error: %s", msg)
	// the lagging slot is lost once past --max-slot-retention
	deadline = time.Now().Add(30 * time.Second)
	for {
		var status string
		if err := c.QueryRow(ctx, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'lagging'").Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status == "lost" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot wal_status %s, want lost", status)
		}
		mustExec(t, ctx, c, "INSERT INTO cf_ret VALUES ($1)", 100000+time.Now().UnixNano()%1000000)
		time.Sleep(100 * time.Millisecond)
	}
	_, err := c.PgConn().CopyTo(ctx, &strings.Builder{}, "COPY (SUBSCRIBE cf_ret WITH (SLOT = 'lagging')) TO STDOUT")
	wantCode(t, err, "55000", "subscribe with a lost slot")
}
