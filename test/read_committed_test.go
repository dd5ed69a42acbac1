package test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// rcSessions are two sessions on PostgreSQL 15 and two on one logdb node,
// all READ COMMITTED, and the helpers that run a statement on both systems'
// session a or b and compare the answers.
type rcSessions struct {
	t        *testing.T
	ctx      context.Context
	pgs, lds sessionPair
}

func newRCSessions(t *testing.T, iso string) *rcSessions {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 240*time.Second)
	pg := mustStartPostgres(t)
	n := mustStartNode(t, t.TempDir())
	r := &rcSessions{t: t, ctx: ctx, pgs: sessionPair{pg.connect(t), pg.connect(t)}, lds: sessionPair{mustConnect(t, n), mustConnect(t, n)}}
	for _, c := range []*pgx.Conn{r.pgs.a, r.pgs.b, r.lds.a, r.lds.b} {
		mustExec(t, ctx, c, "SET default_transaction_isolation = '"+iso+"'")
	}
	return r
}

func (r *rcSessions) a(qs ...string) {
	r.t.Helper()
	matchPostgres(r.t, r.ctx, r.pgs.a, r.lds.a, qs...)
}
func (r *rcSessions) b(qs ...string) {
	r.t.Helper()
	matchPostgres(r.t, r.ctx, r.pgs.b, r.lds.b, qs...)
}

// bWaits runs q on session b of both systems, waits until each waits on a
// lock (or has answered), runs then, and compares b's answers.
func (r *rcSessions) bWaits(q string, then func()) {
	r.t.Helper()
	pgWait := blockedOnLock(r.t, r.ctx, r.pgs.b, r.pgs.a, q)
	ldWait := blockedOnLock(r.t, r.ctx, r.lds.b, r.lds.a, q)
	then()
	if want, got := <-pgWait, <-ldWait; want != got {
		r.t.Errorf("b's %q after waiting:\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
	}
}

// TestIsolationSettingsMatchPostgres: SHOW transaction_isolation,
// current_setting, BEGIN ISOLATION LEVEL, SET TRANSACTION and SET SESSION
// CHARACTERISTICS, with PostgreSQL's rules (25001 after the first query
// or inside a savepoint, a warning outside a block, 22023 for a bad value).
func TestIsolationSettingsMatchPostgres(t *testing.T) {
	r := newRCSessions(t, "read committed")
	r.a("SHOW transaction_isolation", "SELECT current_setting('transaction_isolation')",
		"BEGIN ISOLATION LEVEL SERIALIZABLE", "SHOW transaction_isolation",
		"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "SHOW transaction_isolation",
		"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "SELECT current_setting('transaction_isolation')",
		"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "ROLLBACK",
		"BEGIN", "SAVEPOINT s", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "ROLLBACK",
		"BEGIN", "SET transaction_isolation = 'repeatable read'", "SHOW transaction_isolation", "SELECT 1",
		"SET transaction_isolation = 'serializable'", "ROLLBACK",
		"START TRANSACTION ISOLATION LEVEL READ UNCOMMITTED, READ ONLY", "SHOW transaction_isolation", "SHOW transaction_read_only", "COMMIT",
		"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SHOW transaction_isolation",
		"SET transaction_isolation = 'serializable'", "SHOW transaction_isolation",
		"SET default_transaction_isolation = 'bogus'", "SET transaction_isolation = 'bogus'",
		"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ",
		"SHOW default_transaction_isolation", "SHOW transaction_isolation",
		"BEGIN", "SHOW transaction_isolation", "COMMIT",
		"SET default_transaction_isolation = 'read committed'", "SHOW transaction_isolation")
}

// TestReadCommittedMatchesPostgres runs the classic READ COMMITTED cases
// with two sessions interleaved on PostgreSQL 15 and on logdb and compares
// every answer and SQLSTATE: a lost update prevented by UPDATE's re-check,
// SELECT … FOR UPDATE then UPDATE, an UPDATE whose WHERE no longer matches
// the row's new version, DELETE against UPDATE both ways, non-repeatable
// reads and phantoms within one transaction, an UPDATE inside a PL/pgSQL
// function waiting for a held row, a unique violation after the
// other insert commits, and a child insert against a concurrent delete of
// its parent.
func TestReadCommittedMatchesPostgres(t *testing.T) {
	r := newRCSessions(t, "read committed")
	execOnEach(t, r.ctx, "CREATE TABLE rc_acc (id int PRIMARY KEY, n int NOT NULL, note text);\n"+
		"INSERT INTO rc_acc SELECT g, 0, 'row ' || g FROM generate_series(1, 6) g;\n"+
		"CREATE TABLE rc_u (k int PRIMARY KEY, v text UNIQUE);\n"+
		"CREATE TABLE rc_parent (id int PRIMARY KEY);\n"+
		"INSERT INTO rc_parent VALUES (1), (2), (3);\n"+
		"CREATE TABLE rc_child (id int PRIMARY KEY, pid int REFERENCES rc_parent)", r.pgs.a, r.lds.a)

	// lost update: b's increment waits for a's, then re-reads the row
	r.a("BEGIN", "UPDATE rc_acc SET n = n + 1 WHERE id = 1 RETURNING n")
	r.b("BEGIN")
	r.bWaits("UPDATE rc_acc SET n = n + 1 WHERE id = 1 RETURNING n", func() { r.a("COMMIT") })
	r.b("COMMIT", "SELECT n FROM rc_acc WHERE id = 1")

	// SELECT … FOR UPDATE waits, sees the committed value, then updates
	r.a("BEGIN", "SELECT n FROM rc_acc WHERE id = 1 FOR UPDATE")
	r.b("BEGIN")
	r.bWaits("SELECT n FROM rc_acc WHERE id = 1 FOR UPDATE", func() {
		r.a("UPDATE rc_acc SET n = n + 10 WHERE id = 1", "COMMIT")
	})
	r.b("UPDATE rc_acc SET n = n * 2 WHERE id = 1 RETURNING n", "COMMIT", "SELECT n FROM rc_acc WHERE id = 1")

	// the WHERE re-checked on the new version: the row no longer matches
	r.a("BEGIN", "UPDATE rc_acc SET n = 5 WHERE id = 2")
	r.bWaits("UPDATE rc_acc SET note = 'b was here' WHERE id = 2 AND n = 0 RETURNING id, n, note", func() { r.a("COMMIT") })
	r.a("BEGIN", "UPDATE rc_acc SET n = 0 WHERE id = 2")
	r.bWaits("UPDATE rc_acc SET note = 'b matched' WHERE n = 5 RETURNING id, n, note", func() { r.a("COMMIT") })

	// DELETE after a concurrent UPDATE deletes the new version; UPDATE
	// after a concurrent DELETE finds nothing
	r.a("BEGIN", "UPDATE rc_acc SET n = n + 7 WHERE id = 3")
	r.bWaits("DELETE FROM rc_acc WHERE id = 3 RETURNING n", func() { r.a("COMMIT") })
	r.a("BEGIN", "DELETE FROM rc_acc WHERE id = 4")
	r.bWaits("UPDATE rc_acc SET n = 1 WHERE id = 4 RETURNING n", func() { r.a("COMMIT") })
	r.a("SELECT id, n, note FROM rc_acc ORDER BY id")

	// a statement of many rows, one of them held: all are updated, each
	// from its latest version
	r.a("BEGIN", "UPDATE rc_acc SET n = n + 1 WHERE id = 5")
	r.bWaits("WITH u AS (UPDATE rc_acc SET n = n + 1 WHERE id >= 5 RETURNING id, n) SELECT * FROM u ORDER BY id", func() { r.a("COMMIT") })
	r.a("BEGIN", "DELETE FROM rc_acc WHERE id = 6")
	r.bWaits("UPDATE rc_acc SET n = n + 1 WHERE id IN (5, 6) RETURNING id, n", func() { r.a("ROLLBACK") })

	// a SERIALIZABLE transaction racing with a READ COMMITTED one waits
	// for its row, then fails with 40001
	r.a("BEGIN", "UPDATE rc_acc SET n = n + 1 WHERE id = 5")
	r.b("BEGIN ISOLATION LEVEL SERIALIZABLE", "SELECT n FROM rc_acc WHERE id = 5")
	r.bWaits("UPDATE rc_acc SET n = n + 1 WHERE id = 5", func() { r.a("COMMIT") })
	r.b("ROLLBACK", "SELECT n FROM rc_acc WHERE id = 5")

	// an UPDATE inside a function waits and re-checks alike
	r.a("CREATE FUNCTION rc_bump(i int) RETURNS int LANGUAGE plpgsql AS $$ DECLARE r int; BEGIN UPDATE rc_acc SET n = n + 1 WHERE id = i RETURNING n INTO r; RETURN r; END $$")
	r.a("BEGIN", "UPDATE rc_acc SET n = n + 1 WHERE id = 1")
	r.bWaits("SELECT rc_bump(1)", func() { r.a("COMMIT") })
	r.b("SELECT n FROM rc_acc WHERE id = 1")

	// non-repeatable read and phantom inside one transaction, which then
	// commits (no 40001)
	r.a("BEGIN", "SELECT n FROM rc_acc WHERE id = 5", "SELECT count(*) FROM rc_acc")
	r.b("UPDATE rc_acc SET n = 42 WHERE id = 5", "INSERT INTO rc_acc VALUES (7, 0, 'phantom')")
	r.a("SELECT n FROM rc_acc WHERE id = 5", "SELECT count(*) FROM rc_acc",
		"UPDATE rc_acc SET note = 'seen ' || (SELECT count(*) FROM rc_acc) WHERE id = 6", "COMMIT",
		"SELECT id, n, note FROM rc_acc ORDER BY id")

	// a unique violation once the other insert committed
	r.a("BEGIN", "INSERT INTO rc_u VALUES (1, 'x')")
	r.b("BEGIN", "SELECT count(*) FROM rc_u")
	r.a("COMMIT")
	r.b("INSERT INTO rc_u VALUES (1, 'y')", "ROLLBACK", "BEGIN", "SELECT count(*) FROM rc_u",
		"INSERT INTO rc_u VALUES (2, 'x')", "ROLLBACK", "SELECT * FROM rc_u")

	// a child insert holds its parent: the parent's DELETE waits, then
	// sees the child (23503); a parent deleted first refuses the child
	r.a("BEGIN", "INSERT INTO rc_child VALUES (1, 1)")
	r.bWaits("DELETE FROM rc_parent WHERE id = 1", func() { r.a("COMMIT") })
	r.a("BEGIN", "DELETE FROM rc_parent WHERE id = 2")
	r.b("BEGIN", "SELECT count(*) FROM rc_parent")
	r.a("COMMIT")
	r.b("INSERT INTO rc_child VALUES (2, 2)", "ROLLBACK")
	r.b("SELECT * FROM rc_parent ORDER BY id", "SELECT * FROM rc_child ORDER BY id")
}

// TestReadCommittedProtectsSerializable: a SERIALIZABLE transaction that
// updated a row without a lock (nobody held it) and a READ COMMITTED
// UPDATE of the row that commits first: the READ COMMITTED one does not
// wait (PostgreSQL's would: README, Differences) and the SERIALIZABLE one
// fails with 40001 at COMMIT — no update is lost.
func TestReadCommittedProtectsSerializable(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	ser, rc := mustConnect(t, n), mustConnect(t, n)
	mustExec(t, ctx, ser, "CREATE TABLE rc_mix (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, ser, "INSERT INTO rc_mix VALUES (1, 0)")
	mustExec(t, ctx, ser, "BEGIN ISOLATION LEVEL SERIALIZABLE")
	checkQuery(t, ctx, ser, "1", "UPDATE rc_mix SET n = n + 1 WHERE id = 1 RETURNING n")
	mustExec(t, ctx, rc, "SET default_transaction_isolation = 'read committed'")
	checkQuery(t, ctx, rc, "10", "UPDATE rc_mix SET n = n + 10 WHERE id = 1 RETURNING n")
	_, err := ser.Exec(ctx, "COMMIT")
	wantCode(t, err, "40001", "the SERIALIZABLE transaction's COMMIT after the READ COMMITTED update")
	checkQuery(t, ctx, rc, "10", "SELECT n FROM rc_mix")
}

// TestRepeatableReadMatchesPostgres: snapshot isolation — one snapshot
// for the transaction, an UPDATE of a row changed since it fails with
// 40001 (at once, or after waiting for the changer), write skew commits.
func TestRepeatableReadMatchesPostgres(t *testing.T) {
	r := newRCSessions(t, "repeatable read")
	execOnEach(t, r.ctx, "CREATE TABLE rr_acc (id int PRIMARY KEY, n int NOT NULL);\n"+
		"INSERT INTO rr_acc VALUES (1, 0), (2, 0), (3, 0)", r.pgs.a, r.lds.a)
	r.a("SHOW transaction_isolation", "BEGIN", "SELECT n FROM rr_acc WHERE id = 1")
	r.b("UPDATE rr_acc SET n = n + 1 WHERE id = 1", "INSERT INTO rr_acc VALUES (4, 0)")
	r.a("SELECT n FROM rr_acc WHERE id = 1", "SELECT count(*) FROM rr_acc",
		"UPDATE rr_acc SET n = n + 1 WHERE id = 1", "ROLLBACK")
	// waits for the concurrent update, then 40001
	r.a("BEGIN", "UPDATE rr_acc SET n = n + 1 WHERE id = 2")
	r.b("BEGIN", "SELECT count(*) FROM rr_acc")
	r.bWaits("UPDATE rr_acc SET n = n + 1 WHERE id = 2", func() { r.a("COMMIT") })
	r.b("ROLLBACK")
	// write skew is allowed
	r.a("BEGIN", "SELECT sum(n) FROM rr_acc")
	r.b("BEGIN", "SELECT sum(n) FROM rr_acc")
	r.a("UPDATE rr_acc SET n = n + 100 WHERE id = 3")
	r.b("UPDATE rr_acc SET n = n + 100 WHERE id = 1")
	r.a("COMMIT")
	r.b("COMMIT", "SELECT * FROM rr_acc ORDER BY id")
}

// rcIncrement runs perSession autocommit READ COMMITTED increments of one
// counter from each connection, concurrently, half of them reading the row
// (RETURNING), half blind; any error fails the test.
func rcIncrement(t *testing.T, ctx context.Context, conns []*pgx.Conn, perSession int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(conns))
	for _, c := range conns {
		wg.Add(1)
		go func(c *pgx.Conn) {
			defer wg.Done()
			for i := 0; i < perSession; i++ {
				// RETURNING makes it read the row (a blind increment is a
				// commutative merge): both kinds, in turn
				q := "UPDATE rc_counter SET n = n + 1 WHERE id = 1"
				if i%2 == 0 {
					q += " RETURNING n"
				}
				if _, err := c.Exec(ctx, q); err != nil {
					errs <- err
					return
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("READ COMMITTED increment: %v", err)
	}
}

// TestReadCommittedCounters: concurrent UPDATE … SET n = n + 1 from four
// READ COMMITTED sessions: every increment counts, none fails (no 40001).
func TestReadCommittedCounters(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	n := mustStartNode(t, t.TempDir())
	var conns []*pgx.Conn
	for i := 0; i < 4; i++ {
		c := mustConnect(t, n)
		mustExec(t, ctx, c, "SET default_transaction_isolation = 'read committed'")
		conns = append(conns, c)
	}
	mustExec(t, ctx, conns[0], "CREATE TABLE rc_counter (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, conns[0], "INSERT INTO rc_counter VALUES (1, 0)")
	const per = 25
	rcIncrement(t, ctx, conns, per)
	if got, want := queryText(t, ctx, conns[0], "SELECT n FROM rc_counter"), fmt.Sprint(per*len(conns)); got != want {
		t.Errorf("counter after %d increments: %s", per*len(conns), got)
	}
}

// TestReadCommittedBulkUpdate: READ COMMITTED statements changing more
// rows than they lock (1,000 a statement, 5,000 a transaction) still run:
// beyond, rows are validated at COMMIT instead of locked.
func TestReadCommittedBulkUpdate(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	c := mustConnect(t, mustStartNode(t, t.TempDir()))
	mustExec(t, ctx, c, "SET default_transaction_isolation = 'read committed'")
	mustExec(t, ctx, c, "CREATE TABLE rc_big (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, c, "INSERT INTO rc_big SELECT g, 0 FROM generate_series(1, 7000) g")
	checkQuery(t, ctx, c, "1500", "WITH u AS (UPDATE rc_big SET n = n + 1 WHERE id <= 1500 RETURNING 1) SELECT count(*) FROM u")
	mustExec(t, ctx, c, "BEGIN")
	for i := 0; i < 7; i++ {
		mustExec(t, ctx, c, fmt.Sprintf("UPDATE rc_big SET n = n + 1 WHERE id > %d AND id <= %d", i*1000, (i+1)*1000))
	}
	mustExec(t, ctx, c, "COMMIT")
	checkQuery(t, ctx, c, "7000|8500", "SELECT count(*), sum(n) FROM rc_big")
}

// TestClusterReadCommittedCounters: READ COMMITTED increments of one
// counter through all three nodes of a cluster at once: the final value
// is exact and no increment fails.
func TestClusterReadCommittedCounters(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	c := mustStartCluster(t, 3)
	ctx := testCtx(t, 300*time.Second)
	setup := mustClusterConn(t, ctx, c, 1)
	mustExec(t, ctx, setup, "CREATE TABLE rc_counter (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, setup, "INSERT INTO rc_counter VALUES (1, 0)")
	var conns []*pgx.Conn
	for id := uint64(1); id <= 3; id++ {
		c.mustCatchUp(ctx, id)
		for i := 0; i < 2; i++ {
			cn := mustClusterConn(t, ctx, c, id)
			mustExec(t, ctx, cn, "SET default_transaction_isolation = 'read committed'")
			conns = append(conns, cn)
		}
	}
	const per = 10
	rcIncrement(t, ctx, conns, per)
	if got, want := queryText(t, ctx, setup, "SELECT n FROM rc_counter"), fmt.Sprint(per*len(conns)); got != want {
		t.Errorf("counter after %d increments through three nodes: %s", per*len(conns), got)
	}
}

// TestReadCommittedUpdateCost (LOGDB_RC_COST=1) measures what an
// autocommit READ COMMITTED UPDATE of one row costs against a SERIALIZABLE
// one on one node: log entries per statement (the applied index's
// advance) and the mean latency, logged; nothing is asserted on time.
func TestReadCommittedUpdateCost(t *testing.T) {
	if os.Getenv("LOGDB_RC_COST") == "" {
		t.Skip("set LOGDB_RC_COST=1 to measure")
	}
	requireLogdb(t)
	ctx := testCtx(t, 300*time.Second)
	c := mustConnect(t, mustStartNode(t, t.TempDir()))
	mustExec(t, ctx, c, "CREATE TABLE rc_cost (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, c, "INSERT INTO rc_cost VALUES (1, 0)")
	const n = 300
	for _, iso := range []string{"serializable", "read committed", "repeatable read"} {
		mustExec(t, ctx, c, "SET default_transaction_isolation = '"+iso+"'")
		before := queryText(t, ctx, c, "SELECT max(applied_index) FROM logdb_cluster")
		start := time.Now()
		for i := 0; i < n; i++ {
			mustExec(t, ctx, c, "UPDATE rc_cost SET n = n + 1 WHERE id = 1 RETURNING n")
		}
		elapsed := time.Since(start)
		after := queryText(t, ctx, c, "SELECT max(applied_index) FROM logdb_cluster")
		var b, a int
		fmt.Sscan(before, &b)
		fmt.Sscan(after, &a)
		t.Logf("%s: %.2f log entries per UPDATE, %v mean latency", iso, float64(a-b)/n, elapsed/n)
	}
}
