package test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestClusterInsertFirstOnFollower: a transaction that begins with an
// INSERT on a follower runs it on the follower's applied state without
// waiting for a read point (sql/deferredread.go); what the leader
// acknowledged just before must count all the same. Each step commits
// something through the leader and at once, on a follower, runs an INSERT
// whose outcome depends on it — the follower has usually not applied it
// yet, so each step takes the re-run or the validation path:
//
//   - a table created through the leader takes the INSERT (no 42P01);
//   - a foreign key's parent inserted through the leader satisfies it;
//   - ON CONFLICT DO NOTHING of a key the leader inserted writes no row,
//     and of a key the leader deleted writes one;
//   - in BEGIN … COMMIT, an INSERT of a key the leader inserted never
//     commits (23505 at the INSERT, or 40001 at COMMIT).
func TestClusterInsertFirstOnFollower(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	c := mustStartCluster(t, 3)
	lead := c.mustLeader(ctx)
	fol := lead%3 + 1
	lc, err := c.connect(ctx, lead)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close(context.Background())
	fc, err := c.connect(ctx, fol)
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close(context.Background())
	mustExec(t, ctx, lc, "CREATE TABLE parent (id int PRIMARY KEY)")
	mustExec(t, ctx, lc, "CREATE TABLE child (id int PRIMARY KEY, p int NOT NULL REFERENCES parent)")
	mustExec(t, ctx, lc, "CREATE TABLE uq (k int PRIMARY KEY)")

	inTx := func(sql string, args ...any) error {
		tx, err := fc.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			_ = tx.Rollback(ctx)
			return err
		}
		return tx.Commit(ctx)
	}
	const steps = 40
	dupCommitted := 0
	for i := range steps {
		tbl := fmt.Sprintf("made%d", i)
		mustExec(t, ctx, lc, "CREATE TABLE "+tbl+" (id int PRIMARY KEY)")
		if err := inTx("INSERT INTO " + tbl + " VALUES (1)"); err != nil {
			t.Fatalf("step %d: INSERT into a table the leader just created: %v", i, err)
		}

		mustExec(t, ctx, lc, "INSERT INTO parent VALUES ($1)", i)
		if err := inTx("INSERT INTO child VALUES ($1, $1)", i); err != nil {
			t.Fatalf("step %d: INSERT referencing a parent the leader just inserted: %v", i, err)
		}

		mustExec(t, ctx, lc, "INSERT INTO uq VALUES ($1)", 3*i)
		tag, err := fc.Exec(ctx, "INSERT INTO uq VALUES ($1) ON CONFLICT DO NOTHING", 3*i)
		if err != nil || tag.RowsAffected() != 0 {
			t.Fatalf("step %d: ON CONFLICT DO NOTHING of a key the leader just inserted: %v rows, %v", i, tag.RowsAffected(), err)
		}
		mustExec(t, ctx, lc, "INSERT INTO uq VALUES ($1)", 3*i+1)
		mustCountOne(t, ctx, fc, "SELECT count(*) FROM uq WHERE k = $1", 3*i+1)
		mustExec(t, ctx, lc, "DELETE FROM uq WHERE k = $1", 3*i+1)
		tag, err = fc.Exec(ctx, "INSERT INTO uq VALUES ($1) ON CONFLICT DO NOTHING", 3*i+1)
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("step %d: ON CONFLICT DO NOTHING of a key the leader just deleted: %v rows, %v", i, tag.RowsAffected(), err)
		}

		mustExec(t, ctx, lc, "INSERT INTO uq VALUES ($1)", 3*i+2)
		switch err := inTx("INSERT INTO uq VALUES ($1)", 3*i+2); sqlState(err) {
		case "23505", "40001":
		case "":
			dupCommitted++
		default:
			t.Fatalf("step %d: INSERT of a key the leader just inserted: %v", i, err)
		}
	}
	if dupCommitted > 0 {
		t.Fatalf("%d of %d duplicate keys committed", dupCommitted, steps)
	}
	var n int
	if err := fc.QueryRow(ctx, "SELECT count(*) FROM child").Scan(&n); err != nil || n != steps {
		t.Fatalf("child rows on the follower: %d, %v (want %d)", n, err, steps)
	}
}

// mustCountOne checks that query (a count) returns 1 on conn: on a
// follower, a linearizable read, after which the row the leader wrote is
// in the follower's applied state.
func mustCountOne(t *testing.T, ctx context.Context, conn *pgx.Conn, query string, args ...any) {
	t.Helper()
	var n int
	if err := conn.QueryRow(ctx, query, args...).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%s: %d, %v", query, n, err)
	}
}
