package test

// The changefeed in every database (issue 15): SUBSCRIBE resolves its
// tables in the session's database and carries only that database's
// changes; slots, replication connections and logical messages stay with
// database logdb (0A000 elsewhere).

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestChangefeedPerDatabase: the same table name in three databases; a
// SUBSCRIBE cursor in each sees only its own database's rows, whatever
// the order the databases write in; a snapshot reads only its database's
// rows; the slot and message functions are 0A000 outside logdb.
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

	// A table of another database is not there; slots and messages are
	// database logdb's.
	mustExec(t, ctx, a, "BEGIN")
	_, err := a.Exec(ctx, "DECLARE x CURSOR FOR SUBSCRIBE TO only_logdb")
	wantCode(t, err, "42P01", "SUBSCRIBE to a table of database logdb from feed_a")
	mustExec(t, ctx, a, "ROLLBACK")
	for _, q := range []string{
		"DECLARE x CURSOR FOR SUBSCRIBE MESSAGES",
		"DECLARE x CURSOR FOR SUBSCRIBE TO orders WITH (SLOT = 'nope')",
	} {
		mustExec(t, ctx, a, "BEGIN")
		_, err := a.Exec(ctx, q)
		wantCode(t, err, "0A000", q+" in database feed_a")
		mustExec(t, ctx, a, "ROLLBACK")
	}
	for _, q := range []string{
		"SELECT pg_create_logical_replication_slot('s_a', 'pgoutput')",
		"SELECT pg_logical_emit_message(false, 'p', 'c')",
	} {
		_, err := a.Exec(ctx, q)
		wantCode(t, err, "0A000", q+" in database feed_a")
	}
	checkQuery(t, ctx, a, "t", "SELECT pg_current_wal_lsn() > '0/0'")
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
