package test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const subscriberSchema = `CREATE TABLE sub_all (id bigint PRIMARY KEY, i2 smallint, i4 int, n numeric(12,3), f4 real, f8 double precision,
	b bool, t text, vc varchar(20), c char(3), by bytea, d date, ts timestamp, tz timestamptz, tm time, iv interval,
	u uuid, j json, jb jsonb, ia int[], ta text[]);
CREATE TABLE sub_pair (a int, b text, v int, PRIMARY KEY (a, b))`

// subscriberRow is an INSERT of sub_all row id with values of every type.
func subscriberRow(id int, r *rand.Rand) string {
	return fmt.Sprintf(`INSERT INTO sub_all VALUES (%d, %d, %d, %d.%03d, %d.5, %d.25, %v, 'text ''%d''', 'vc%d', 'c%d', '\x%02x%02x',
		'2024-01-%02d', '2024-02-03 04:05:%02d.123456', '2024-02-03 04:05:06.5+%02d', '10:11:%02d', '%d days 02:03:04',
		'a0eebc99-9c0b-4ef8-bb6d-%012x', '{"k": %d}', '{"a": [1, %d], "b": null}', '{%d,%d}', '{x,"y z",%d}')`,
		id, r.IntN(30000), r.IntN(1<<30), r.IntN(100000), r.IntN(1000), r.IntN(1000), r.IntN(1000), r.IntN(2) == 0, id, id%100, id%10,
		r.IntN(256), r.IntN(256), 1+r.IntN(28), r.IntN(60), r.IntN(12), r.IntN(60), r.IntN(400), id, id, r.IntN(9), id, r.IntN(9), id)
}

// tableText returns every row of table in key order as PostgreSQL's text
// output, one line per row.
func tableText(ctx context.Context, c *pgx.Conn, table, order string) (string, error) {
	rows, err := c.Query(ctx, "SELECT * FROM "+table+" ORDER BY "+order, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		for i, v := range rows.RawValues() {
			if i > 0 {
				b.WriteByte('|')
			}
			if v == nil {
				b.WriteString("NULL")
			} else {
				b.Write(v)
			}
		}
		b.WriteByte('\n')
	}
	return b.String(), rows.Err()
}

// subscriberWriters runs 8 writers that insert, update and delete rows of
// both tables through conns (one each) until stop is called; stop
// returns the first error a writer met (serialization failures are not
// errors: the writer goes on, as a retrying client would).
func subscriberWriters(t *testing.T, ctx context.Context, conns []*pgx.Conn) (stop func() error) {
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, len(conns))
	for w, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			next := 1000 + w*100000
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				var q string
				switch op := r.IntN(6); {
				case op == 0:
					next++
					q = subscriberRow(next, r)
				case op == 1:
					q = fmt.Sprintf("UPDATE sub_all SET t = 'upd %d', n = n + 1, jb = '{\"w\": %d}' WHERE id = %d", i, w, 1+r.IntN(200))
				case op == 2:
					q = fmt.Sprintf("DELETE FROM sub_all WHERE id = %d", 1+r.IntN(200))
				case op == 3:
					q = fmt.Sprintf("INSERT INTO sub_pair VALUES (%d, 'w%d-%d', %d) ON CONFLICT DO NOTHING", r.IntN(20), w, i, i)
				case op == 4:
					q = fmt.Sprintf("UPDATE sub_pair SET v = v + 1 WHERE a = %d", r.IntN(20))
				default:
					q = fmt.Sprintf("BEGIN; DELETE FROM sub_pair WHERE a = %d AND v %% 7 = 0; UPDATE sub_all SET b = NOT b WHERE id = %d; COMMIT", r.IntN(20), 1+r.IntN(200))
				}
				if _, err := c.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol); err != nil {
					if s := sqlState(err); s == "40001" || s == "40003" {
						c.Exec(ctx, "ROLLBACK")
						continue
					}
					errs <- fmt.Errorf("writer %d: %s: %w", w, q, err)
					return
				}
			}
		}()
	}
	return func() error {
		close(done)
		wg.Wait()
		select {
		case err := <-errs:
			return err
		default:
			return nil
		}
	}
}

// subscriberSetup creates the tables on both sides, fills logdb's and
// publishes them.
func subscriberSetup(t *testing.T, ctx context.Context, pc, lc *pgx.Conn) {
	execOnEach(t, ctx, subscriberSchema, pc, lc)
	r := rand.New(rand.NewPCG(7, 7))
	for id := 1; id <= 200; id++ {
		mustExec(t, ctx, lc, subscriberRow(id, r))
		mustExec(t, ctx, lc, fmt.Sprintf("INSERT INTO sub_pair VALUES (%d, 'k%d', %d)", id%20, id, id))
	}
	mustExec(t, ctx, lc, "CREATE PUBLICATION sub_pub FOR TABLE sub_all, sub_pair")
}

func waitSubscriptionReady(t *testing.T, ctx context.Context, pc *pgx.Conn) {
	waitFor(t, ctx, 120*time.Second, "the initial copy", func() (bool, error) {
		var notReady int
		err := pc.QueryRow(ctx, "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'").Scan(&notReady)
		return err == nil && notReady == 0, err
	})
}

// waitConverged waits until both tables read the same on both sides; a
// transaction applied twice would have stopped the subscriber on a
// duplicate key, one missed would leave a difference.
func waitConverged(t *testing.T, ctx context.Context, pc, lc *pgx.Conn) {
	for _, tb := range []struct{ name, order string }{{"sub_all", "id"}, {"sub_pair", "a, b"}} {
		var want, got string
		waitFor(t, ctx, 60*time.Second, tb.name+" to converge", func() (bool, error) {
			var err error
			if want, err = tableText(ctx, lc, tb.name, tb.order); err != nil {
				return false, err
			}
			got, err = tableText(ctx, pc, tb.name, tb.order)
			return got == want, err
		})
		if strings.Count(want, "\n") < 20 {
			t.Errorf("%s has only %d rows", tb.name, strings.Count(want, "\n"))
		}
	}
}

// TestPostgresSubscriber: a PostgreSQL 15 server subscribes to a
// publication on logdb with CREATE SUBSCRIPTION: the initial copy of two
// tables (one with a composite key, one with every type) arrives, then
// the inserts, updates and deletes 8 writers make meanwhile, and a
// TRUNCATE; both sides end with the same rows, and DROP SUBSCRIPTION drops
// the slot on logdb.
func TestPostgresSubscriber(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 240*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	subscriberSetup(t, ctx, pc, lc)
	stop := subscriberWriters(t, ctx, mustConns(t, n, 8))
	host, port := splitAddr(n.Addr)
	mustExec(t, ctx, pc, fmt.Sprintf("CREATE SUBSCRIPTION sub_s CONNECTION 'host=%s port=%s dbname=logdb user=logdb' PUBLICATION sub_pub", host, port))
	waitSubscriptionReady(t, ctx, pc)
	time.Sleep(200 * time.Millisecond) // the writers go on while the subscription streams
	for {
		if _, err := lc.Exec(ctx, "TRUNCATE sub_pair"); err == nil {
			break
		} else if sqlState(err) != "40001" {
			t.Fatalf("TRUNCATE: %v", err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	waitConverged(t, ctx, pc, lc)
	mustExec(t, ctx, pc, "DROP SUBSCRIPTION sub_s")
	checkQuery(t, ctx, lc, "0", "SELECT count(*) FROM pg_replication_slots")
}

// TestPostgresSubscriberFailover: the same on a three-node cluster: the
// subscriber streams from a follower; that node is killed with -9 while
// writers run on the leader; ALTER SUBSCRIPTION … CONNECTION points the
// subscriber at another node, which resumes from the slot and the
// subscriber's position (the same LSNs on every node), and the tables
// converge with nothing missing and nothing applied twice.
func TestPostgresSubscriberFailover(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 300*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	cl := mustStartCluster(t, 3)
	leader := cl.mustLeader(ctx)
	var follower, other uint64
	for id := range cl.Nodes {
		if id != leader {
			if follower == 0 {
				follower = id
			} else {
				other = id
			}
		}
	}
	lc, err := cl.connect(ctx, leader)
	if err != nil {
		t.Fatal(err)
	}
	subscriberSetup(t, ctx, pc, lc)
	conns := make([]*pgx.Conn, 8)
	for i := range conns {
		if conns[i], err = cl.connect(ctx, leader); err != nil {
			t.Fatal(err)
		}
	}
	stop := subscriberWriters(t, ctx, conns)
	host, port := splitAddr(cl.Nodes[follower].Addr)
	mustExec(t, ctx, pc, fmt.Sprintf("CREATE SUBSCRIPTION sub_s CONNECTION 'host=%s port=%s dbname=logdb user=logdb' PUBLICATION sub_pub", host, port))
	waitSubscriptionReady(t, ctx, pc)
	time.Sleep(300 * time.Millisecond)
	cl.Kill9(follower)
	host, port = splitAddr(cl.Nodes[other].Addr)
	mustExec(t, ctx, pc, fmt.Sprintf("ALTER SUBSCRIPTION sub_s CONNECTION 'host=%s port=%s dbname=logdb user=logdb'", host, port))
	time.Sleep(500 * time.Millisecond) // the writers go on; the subscriber reconnects
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	waitConverged(t, ctx, pc, lc)
	// a transaction applied twice fails on a duplicate key (and is then
	// retried, so the tables could still converge): none may have
	if log, err := os.ReadFile(filepath.Join(pg.Dir, "postgres.log")); err != nil {
		t.Fatal(err)
	} else if strings.Contains(string(log), "duplicate key") {
		t.Errorf("the subscriber applied a transaction twice:\n%s", tailFile(filepath.Join(pg.Dir, "postgres.log"), 40))
	}
	mustExec(t, ctx, pc, "DROP SUBSCRIPTION sub_s")
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, ctx context.Context, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waiting for %s: gave up after %v (last error: %v)", what, timeout, errors.Join(last, ctx.Err()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
