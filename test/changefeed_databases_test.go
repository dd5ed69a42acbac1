package test

// The changefeed in every database (issue 15): SUBSCRIBE resolves its
// tables in the session's database and carries only that database's
// changes; a slot and a logical message belong to the database they were
// made in, and a replication connection streams only its database's slots.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestChangefeedPerDatabase: the same table name in three databases; a
// SUBSCRIBE cursor in each sees only its own database's rows, whatever
// the order the databases write in; a snapshot reads only its database's
// rows; a pgoutput slot in each sees only its database's rows and
// messages; another database's slot is 55000; DROP DATABASE with a slot is
// 55006.
func TestChangefeedPerDatabase(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	mustExec(t, ctx, lc, "CREATE DATABASE feed_a")
	mustExec(t, ctx, lc, "CREATE DATABASE feed_b")
	dbs := []string{"logdb", "feed_a", "feed_b"}
	writers := map[string]*pgx.Conn{}
	readers := map[string]*pgx.Conn{}
	for _, db := range dbs {
		writers[db] = mustConnectConfig(t, n.connConfig(&db))
		readers[db] = mustConnectConfig(t, n.connConfig(&db))
		mustExec(t, ctx, writers[db], "CREATE TABLE orders (id int PRIMARY KEY, v text)")
		mustExec(t, ctx, writers[db], "INSERT INTO orders VALUES (0, $1)", db+"-before")
	}
	mustExec(t, ctx, lc, "CREATE TABLE only_logdb (id int PRIMARY KEY)")
	for _, db := range dbs {
		mustExec(t, ctx, readers[db], "BEGIN")
		mustExec(t, ctx, readers[db], "DECLARE f CURSOR FOR SUBSCRIBE TO orders")
	}
	lsn0 := currentLSN(t, ctx, lc)
	// Interleave the databases' writes; each ends with its "last" row.
	for i := 1; i <= 3; i++ {
		for _, db := range dbs {
			mustExec(t, ctx, writers[db], "INSERT INTO orders VALUES ($1, $2)", i, db)
		}
	}
	mustExec(t, ctx, writers["feed_a"], "UPDATE orders SET v = 'feed_a-upd' WHERE id = 1")
	mustExec(t, ctx, writers["feed_b"], "DELETE FROM orders WHERE id = 2")
	mustExec(t, ctx, writers["logdb"], "TRUNCATE orders")
	for _, db := range dbs {
		mustExec(t, ctx, writers[db], "INSERT INTO orders VALUES (99, $1)", db+"-last")
	}
	want := map[string]string{
		"logdb":  "insert 1 logdb|insert 2 logdb|insert 3 logdb|truncate|insert 99 logdb-last",
		"feed_a": "insert 1 feed_a|insert 2 feed_a|insert 3 feed_a|update 1 feed_a-upd|insert 99 feed_a-last",
		"feed_b": "insert 1 feed_b|insert 2 feed_b|insert 3 feed_b|delete 2|insert 99 feed_b-last",
	}
	for _, db := range dbs {
		got := fetchUntil(t, ctx, readers[db], db+"-last")
		if got != want[db] {
			t.Errorf("database %s's feed:\n got %s\nwant %s", db, got, want[db])
		}
		mustExec(t, ctx, readers[db], "COMMIT")
	}

	// COPY (SUBSCRIBE …) from a position in the log, in database feed_b.
	b := "feed_b"
	stream := startCopyStreamOn(t, ctx, mustConnectConfig(t, n.connConfig(&b)), "COPY (SUBSCRIBE orders WITH (FROM_LSN = '"+lsn0+"')) TO STDOUT")
	var got []string
	for len(got) == 0 || !strings.Contains(got[len(got)-1], "feed_b-last") {
		c := stream.next(t, 60*time.Second)
		got = append(got, c.Op+" "+c.Relation+" "+c.Key)
		if c.Op == "insert" {
			got[len(got)-1] += " " + jsonField(t, c.After, "v")
		}
	}
	if g := strings.Join(got, "|"); g != `insert public.orders {"id": 1} feed_b|insert public.orders {"id": 2} feed_b|insert public.orders {"id": 3} feed_b|delete public.orders {"id": 2}|insert public.orders {"id": 99} feed_b-last` {
		t.Errorf("COPY (SUBSCRIBE orders) in database feed_b: %s", g)
	}
	if err := stream.cancel(t); err != nil {
		wantCode(t, err, "57014", "cancelling the COPY stream")
	}

	// A snapshot reads the current rows of its own database's table.
	a := readers["feed_a"]
	mustExec(t, ctx, a, "BEGIN")
	mustExec(t, ctx, a, "DECLARE s CURSOR FOR SUBSCRIBE TO public.orders WITH (SNAPSHOT = true)")
	var rows []string
	for _, c := range fetch(t, ctx, a, "FETCH 10 FROM s WITH (timeout = '0s')") {
		if c.Op == "read" {
			rows = append(rows, c.After)
		}
	}
	if got := strings.Join(rows, "|"); got != `{"v": "feed_a-before", "id": 0}|{"v": "feed_a-upd", "id": 1}|{"v": "feed_a", "id": 2}|{"v": "feed_a", "id": 3}|{"v": "feed_a-last", "id": 99}` {
		t.Errorf("database feed_a's snapshot: %s", got)
	}
	mustExec(t, ctx, a, "COMMIT")

	// A table of another database is not there.
	mustExec(t, ctx, a, "BEGIN")
	_, err := a.Exec(ctx, "DECLARE x CURSOR FOR SUBSCRIBE TO only_logdb")
	wantCode(t, err, "42P01", "SUBSCRIBE to a table of database logdb from feed_a")
	mustExec(t, ctx, a, "ROLLBACK")
	checkQuery(t, ctx, a, "t", "SELECT pg_current_wal_lsn() > '0/0'")

	// Slots and messages belong to their database: a pgoutput stream of
	// each database's slot carries that database's orders (its Relation
	// message names that database's table) and messages only.
	for _, db := range dbs {
		w := writers[db]
		mustExec(t, ctx, w, "CREATE PUBLICATION pub FOR TABLE orders")
		mustExec(t, ctx, w, "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", "slot_"+db)
	}
	for _, db := range dbs {
		w := writers[db]
		mustExec(t, ctx, w, "BEGIN")
		mustExec(t, ctx, w, "INSERT INTO orders VALUES (10, $1)", db+"-x")
		mustExec(t, ctx, w, "SELECT pg_logical_emit_message(true, 'p', $1)", db+"-msg")
		mustExec(t, ctx, w, "COMMIT")
		mustExec(t, ctx, w, "SELECT pg_logical_emit_message(false, 'p', $1)", db+"-nontx")
	}
	for _, db := range dbs {
		mustExec(t, ctx, writers[db], "INSERT INTO orders VALUES (11, $1)", db+"-end")
	}
	for _, db := range dbs {
		var relid uint32
		if err := writers[db].QueryRow(ctx, "SELECT 'orders'::regclass::oid").Scan(&relid); err != nil {
			t.Fatal(err)
		}
		got := pgoutputUntil(t, ctx, n, db, "slot_"+db, db+"-end")
		want := fmt.Sprintf("relation %d public.orders|insert %s-x|message p %s-msg|message p %s-nontx|insert %s-end", relid, db, db, db, db)
		if got != want {
			t.Errorf("database %s's pgoutput slot:\n got %s\nwant %s", db, got, want)
		}
	}
	// SUBSCRIBE MESSAGES sees its own database's messages.
	mustExec(t, ctx, a, "BEGIN")
	mustExec(t, ctx, a, "DECLARE f CURSOR FOR SUBSCRIBE MESSAGES 'p' WITH (FROM_LSN = '"+lsn0+"')")
	var msgs []string
	for len(msgs) < 2 {
		for _, c := range fetch(t, ctx, a, "FETCH 10 FROM f WITH (timeout = '1s')") {
			msgs = append(msgs, c.After)
		}
		if err := ctx.Err(); err != nil {
			t.Fatalf("SUBSCRIBE MESSAGES in feed_a: %v (so far %v)", err, msgs)
		}
	}
	if got := strings.Join(msgs, "|"); !strings.Contains(got, "feed_a-msg") || !strings.Contains(got, "feed_a-nontx") || strings.Contains(got, "logdb-") || strings.Contains(got, "feed_b-") {
		t.Errorf("SUBSCRIBE MESSAGES in feed_a: %s", got)
	}
	mustExec(t, ctx, a, "COMMIT")

	// Another database's slot: 55000 as PostgreSQL, for SUBSCRIBE,
	// START_REPLICATION and pg_replication_slot_advance.
	mustExec(t, ctx, a, "BEGIN")
	_, err = a.Exec(ctx, "DECLARE x CURSOR FOR SUBSCRIBE TO orders WITH (SLOT = 'slot_feed_b')")
	wantPgError(t, err, "55000", `replication slot "slot_feed_b" was not created in this database`, "SUBSCRIBE with another database's slot")
	mustExec(t, ctx, a, "ROLLBACK")
	_, err = a.Exec(ctx, "SELECT pg_replication_slot_advance('slot_feed_b', pg_current_wal_lsn())")
	wantCode(t, err, "55000", "advancing another database's slot")
	rc, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://logdb@%s/feed_a?replication=database&sslmode=disable", n.Addr))
	if err != nil {
		t.Fatal(err)
	}
	err = pglogrepl.StartReplication(ctx, rc, "slot_feed_b", 0, pglogrepl.StartReplicationOptions{Mode: pglogrepl.LogicalReplication,
		PluginArgs: []string{"proto_version '1'", "publication_names 'pub'"}})
	wantCode(t, err, "55000", "START_REPLICATION of another database's slot")
	rc.Close(ctx)
	checkQuery(t, ctx, lc, "slot_feed_a|pgoutput|logical|feed_a\nslot_feed_b|pgoutput|logical|feed_b\nslot_logdb|pgoutput|logical|logdb",
		"SELECT slot_name, plugin, slot_type, database FROM pg_replication_slots ORDER BY 1")

	// DROP DATABASE while a slot of its own is active: 55006; once it is
	// not, the slot is dropped with the database (PostgreSQL).
	bc, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://logdb@%s/feed_b?replication=database&sslmode=disable", n.Addr))
	if err != nil {
		t.Fatal(err)
	}
	err = pglogrepl.StartReplication(ctx, bc, "slot_feed_b", 0, pglogrepl.StartReplicationOptions{Mode: pglogrepl.LogicalReplication,
		PluginArgs: []string{"proto_version '1'", "publication_names 'pub'"}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, 60*time.Second, "slot_feed_b active", func() (bool, error) {
		return queryText(t, ctx, lc, "SELECT active FROM pg_replication_slots WHERE slot_name = 'slot_feed_b'") == "t", nil
	})
	_, err = lc.Exec(ctx, "DROP DATABASE feed_b WITH (FORCE)")
	wantPgError(t, err, "55006", `database "feed_b" is used by an active logical replication slot`, "DROP DATABASE with an active slot")
	bc.Close(ctx)
	waitFor(t, ctx, 60*time.Second, "slot_feed_b inactive", func() (bool, error) {
		return queryText(t, ctx, lc, "SELECT active FROM pg_replication_slots WHERE slot_name = 'slot_feed_b'") == "f", nil
	})
	mustExec(t, ctx, lc, "DROP DATABASE feed_b WITH (FORCE)")
	checkQuery(t, ctx, lc, "slot_feed_a\nslot_logdb", "SELECT slot_name FROM pg_replication_slots ORDER BY 1")
}

// TestChangefeedPerDatabaseMatchesPostgres: pg_replication_slots and the
// errors of a slot in another database, against PostgreSQL 15.
func TestChangefeedPerDatabaseMatchesPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	execOnEach(t, ctx, "CREATE DATABASE slots_db", pc, lc)
	db := "slots_db"
	pdc, err := pgx.Connect(ctx, pg.URL(db))
	if err != nil {
		t.Fatal(err)
	}
	defer pdc.Close(ctx)
	ldc := mustConnectConfig(t, n.connConfig(&db))
	execOnEach(t, ctx, "SELECT 1 FROM pg_create_logical_replication_slot('s_db', 'pgoutput')", pdc, ldc)
	matchPostgres(t, ctx, pc, lc,
		"SELECT slot_name, plugin, slot_type, database, temporary, active FROM pg_replication_slots",
		"SELECT 1 FROM pg_replication_slot_advance('s_db', pg_current_wal_lsn())",
		"DROP DATABASE slots_db",
		"DROP DATABASE slots_db WITH (FORCE)",
		"SELECT count(*) FROM pg_replication_slots",
		"SELECT pg_drop_replication_slot('s_db')")
}

// pgoutputUntil streams slot through a replication connection to database
// db from its confirmed position until the insert of v = last, and returns
// what it read: "relation <oid> schema.name", "insert <v>", "message
// <prefix> <content>", joined by "|".
func pgoutputUntil(t *testing.T, ctx context.Context, n *Node, db, slot, last string) string {
	t.Helper()
	conn, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://logdb@%s/%s?replication=database&sslmode=disable", n.Addr, db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	err = pglogrepl.StartReplication(ctx, conn, slot, 0, pglogrepl.StartReplicationOptions{Mode: pglogrepl.LogicalReplication,
		PluginArgs: []string{"proto_version '1'", "publication_names 'pub'", "messages 'true'"}})
	if err != nil {
		t.Fatalf("START_REPLICATION %s in %s: %v", slot, db, err)
	}
	var out []string
	for {
		raw, err := conn.ReceiveMessage(ctx)
		if err != nil {
			t.Fatalf("slot %s in %s: %v (so far %v)", slot, db, err, out)
		}
		m := pgoutputMessage(t, raw)
		if m == nil {
			continue
		}
		switch m := m.(type) {
		case *pglogrepl.RelationMessage:
			out = append(out, fmt.Sprintf("relation %d %s.%s", m.RelationID, m.Namespace, m.RelationName))
		case *pglogrepl.InsertMessage:
			v := string(m.Tuple.Columns[1].Data)
			out = append(out, "insert "+v)
			if v == last {
				return strings.Join(out, "|")
			}
		case *pglogrepl.LogicalDecodingMessage:
			out = append(out, "message "+m.Prefix+" "+string(m.Content))
		}
	}
}

// fetchUntil FETCHes from cursor f until a change whose after image has
// v = last, and returns the row changes as "op id v" ("op" for a
// truncate, "delete id" for a delete) joined by "|".
func fetchUntil(t *testing.T, ctx context.Context, c *pgx.Conn, last string) string {
	t.Helper()
	var out []string
	for {
		if err := ctx.Err(); err != nil {
			t.Fatalf("waiting for %q: %v; so far %v", last, err, out)
		}
		for _, ch := range fetch(t, ctx, c, "FETCH 100 FROM f WITH (timeout = '1s')") {
			switch ch.Op {
			case "truncate":
				out = append(out, "truncate")
			case "delete":
				out = append(out, "delete "+jsonField(t, ch.Key, "id"))
			default:
				out = append(out, ch.Op+" "+jsonField(t, ch.After, "id")+" "+jsonField(t, ch.After, "v"))
				if jsonField(t, ch.After, "v") == last {
					return strings.Join(out, "|")
				}
			}
		}
	}
}

// jsonField returns field name of the JSON object doc as text.
func jsonField(t *testing.T, doc, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("change image %q: %v", doc, err)
	}
	return fmt.Sprint(m[name])
}
