package test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// runWorkers runs fn on each connection concurrently and waits.
func runWorkers(conns []*pgx.Conn, fn func(w int, c *pgx.Conn)) {
	var wg sync.WaitGroup
	for w, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, c)
		}()
	}
	wg.Wait()
}

// TestAutocommitConflictsRetried: autocommit statements that conflict are
// retried inside the server (docs/architecture.md, decision 6), so 8 clients
// incrementing one counter and upserting one row see no error and lose no
// increment. (PostgreSQL itself returns 40001 here, so logdb only.)
func TestAutocommitConflictsRetried(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 120*time.Second)
	setup := mustConnect(t, n)
	mustExec(t, ctx, setup, "CREATE TABLE ac_counter (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, setup, "INSERT INTO ac_counter VALUES (1, 0)")
	mustExec(t, ctx, setup, "CREATE TABLE ac_upsert (k text PRIMARY KEY, hits int NOT NULL)")

	const workers, each = 8, 50
	errs := make(chan error, workers*each*2)
	var updates, upserts atomic.Int64
	runWorkers(mustConns(t, n, workers), func(w int, c *pgx.Conn) {
		for i := 0; i < each; i++ {
			if _, err := c.Exec(ctx, "UPDATE ac_counter SET n = n + 1 WHERE id = 1"); err != nil {
				errs <- fmt.Errorf("worker %d update %d: %w", w, i, err)
			} else {
				updates.Add(1)
			}
			if _, err := c.Exec(ctx, "INSERT INTO ac_upsert VALUES ('k', 1) ON CONFLICT (k) DO UPDATE SET hits = ac_upsert.hits + 1"); err != nil {
				errs <- fmt.Errorf("worker %d upsert %d: %w", w, i, err)
			} else {
				upserts.Add(1)
			}
		}
	})
	close(errs)
	failed := 0
	for err := range errs {
		if failed++; failed <= 5 {
			t.Errorf("autocommit statement failed (the server must retry conflicts): %v", err)
		}
	}
	if failed > 5 {
		t.Errorf("… %d autocommit statements failed in all", failed)
	}
	// Every acknowledged increment is there, and no other.
	checkQuery(t, ctx, setup, fmt.Sprint(updates.Load()), "SELECT n FROM ac_counter")
	checkQuery(t, ctx, setup, fmt.Sprint(upserts.Load()), "SELECT hits FROM ac_upsert WHERE k = 'k'")
}

// TestAutocommitReturningConflictsRetried: an autocommit statement sent
// through the extended protocol that returns rows — UPDATE … RETURNING,
// SELECT of a function that writes, a pgx batch of several statements in
// one implicit transaction — commits at Sync, after its rows were made.
// When that commit conflicts, the server drops the unsent replies and runs
// the batch again (pgwire/batch_rerun.go): no client sees 40001, and the
// rows a client gets are those of the run that committed, so the counter
// values returned are exactly 1..N, each once, and the log rows written in
// the same batches are exactly one per batch.
func TestAutocommitReturningConflictsRetried(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 180*time.Second)
	setup := mustConnect(t, n)
	mustExec(t, ctx, setup, "CREATE TABLE acr_counter (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, setup, "INSERT INTO acr_counter VALUES (1, 0)")
	mustExec(t, ctx, setup, "CREATE TABLE acr_log (w int, i int, n int, PRIMARY KEY (w, i))")
	mustExec(t, ctx, setup, `CREATE FUNCTION acr_bump() RETURNS int LANGUAGE plpgsql AS $$
		DECLARE v int;
		BEGIN UPDATE acr_counter SET n = n + 1 WHERE id = 1 RETURNING n INTO v; RETURN v; END $$`)

	const workers, each = 6, 30
	var mu sync.Mutex
	seen := map[int]int{} // counter value -> times a client got it
	failed := 0
	runWorkers(mustConns(t, n, workers), func(w int, c *pgx.Conn) {
		for i := 0; i < each; i++ {
			var got int
			var err error
			switch i % 3 {
			case 0:
				err = c.QueryRow(ctx, "UPDATE acr_counter SET n = n + 1 WHERE id = $1 RETURNING n", 1).Scan(&got)
			case 1:
				err = c.QueryRow(ctx, "SELECT acr_bump() WHERE $1::int = 1", 1).Scan(&got)
			case 2:
				// one implicit transaction: both statements or neither
				b := &pgx.Batch{}
				b.Queue("UPDATE acr_counter SET n = n + 1 WHERE id = $1 RETURNING n", 1).QueryRow(func(r pgx.Row) error { return r.Scan(&got) })
				b.Queue("INSERT INTO acr_log SELECT $1::int, $2::int, n FROM acr_counter WHERE id = 1", w, i)
				err = c.SendBatch(ctx, b).Close()
			}
			mu.Lock()
			if err != nil {
				if failed++; failed <= 5 {
					t.Errorf("worker %d statement %d: %v (the server must re-run a conflicting autocommit batch)", w, i, err)
				}
			} else {
				seen[got]++
			}
			mu.Unlock()
		}
	})
	if t.Failed() {
		return
	}
	for v := 1; v <= workers*each; v++ {
		if seen[v] != 1 {
			t.Errorf("counter value %d was returned %d times, want once (a client got rows of a run that did not commit)", v, seen[v])
		}
	}
	checkQuery(t, ctx, setup, fmt.Sprint(workers*each), "SELECT n FROM acr_counter")
	// one log row per batch, holding the value that batch's UPDATE returned
	checkQuery(t, ctx, setup, fmt.Sprintf("%d|0", workers*each/3), "SELECT count(*), count(*) FILTER (WHERE n IS NULL) FROM acr_log")
}

// TestAutocommitRerunSkipsOutsideEffects: a batch that did something a
// rollback does not undo — here it emitted a non-transactional logical
// message, already delivered — is not run again when its commit fails
// with 40001 (the message would go out twice): the client gets the 40001.
// The same batch creating a replication slot instead is re-run and
// succeeds (the SQL slot functions write in the transaction: the failed
// run's slot is gone). The conflict is made certain: the function reads
// the counter, then waits for an advisory lock while another session
// changes the counter.
func TestAutocommitRerunSkipsOutsideEffects(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	setup := mustConnect(t, n)
	mustExec(t, ctx, setup, "CREATE TABLE eff_counter (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, setup, "INSERT INTO eff_counter VALUES (1, 0)")
	mustExec(t, ctx, setup, `CREATE FUNCTION eff_step() RETURNS int LANGUAGE plpgsql AS $$
		DECLARE v int;
		BEGIN
			SELECT n INTO v FROM eff_counter WHERE id = 1;
			PERFORM pg_advisory_xact_lock(4242);
			UPDATE eff_counter SET n = v + 1 WHERE id = 1;
			RETURN v;
		END $$`)
	holder, a := mustConnect(t, n), mustConnect(t, n)
	// run runs q (with its argument arg) on a, made to conflict, and
	// returns its error.
	run := func(q string, arg any, set int) error {
		mustExec(t, ctx, holder, "SELECT pg_advisory_lock(4242)")
		done := make(chan error, 1)
		go func() {
			var first any
			var v int
			done <- a.QueryRow(ctx, q, arg).Scan(&first, &v)
		}()
		waitFor(t, ctx, 20*time.Second, "eff_step waiting for the advisory lock", func() (bool, error) {
			var k int
			err := setup.QueryRow(ctx, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").Scan(&k)
			return k > 0, err
		})
		mustExec(t, ctx, holder, fmt.Sprintf("UPDATE eff_counter SET n = %d WHERE id = 1", set))
		mustExec(t, ctx, holder, "SELECT pg_advisory_unlock(4242)")
		return <-done
	}
	err := run("SELECT pg_logical_emit_message(false, 'eff', $1)::text, eff_step()", "once", 100)
	wantCode(t, err, "40001", "a batch that emitted a non-transactional message, then failed at commit")
	checkQuery(t, ctx, setup, "100", "SELECT n FROM eff_counter")
	if err := run("SELECT pg_create_logical_replication_slot($1, 'pgoutput')::text, eff_step()", "eff_slot", 200); err != nil {
		t.Fatalf("a batch that created a slot, then failed at commit, was not re-run: %v", err)
	}
	checkQuery(t, ctx, setup, "201", "SELECT n FROM eff_counter")
	checkQuery(t, ctx, setup, "1", "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'eff_slot'")
	mustExec(t, ctx, setup, "SELECT pg_drop_replication_slot('eff_slot')")
}

// TestConcurrentDDL: clients creating, altering and dropping different
// tables at the same time all succeed (autocommit DDL conflicts on the
// catalog are retried like any other statement).
func TestConcurrentDDL(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 120*time.Second)
	const workers, tables = 6, 5
	runWorkers(mustConns(t, n, workers), func(w int, c *pgx.Conn) {
		for i := 0; i < tables; i++ {
			name := fmt.Sprintf("cddl_%d_%d", w, i)
			failed := false
			for _, sql := range []string{
				"CREATE TABLE " + name + " (id int PRIMARY KEY, v text)",
				"CREATE INDEX " + name + "_v ON " + name + " (v)",
				"INSERT INTO " + name + " VALUES (1, 'x')",
				"ALTER TABLE " + name + " ADD COLUMN extra int",
			} {
				if _, err := c.Exec(ctx, sql); err != nil {
					t.Errorf("worker %d: %s: %v", w, sql, err)
					failed = true
					break // the rest of this table's steps would only cascade
				}
			}
			if i%2 == 1 && !failed {
				if _, err := c.Exec(ctx, "DROP TABLE "+name); err != nil {
					t.Errorf("worker %d: drop %s: %v", w, name, err)
				}
			}
		}
	})
	if t.Failed() {
		return
	}
	c := mustConnect(t, n)
	for w := 0; w < workers; w++ {
		for i := 0; i < tables; i += 2 {
			checkQuery(t, ctx, c, "1|x|NULL", fmt.Sprintf("SELECT * FROM cddl_%d_%d", w, i))
		}
	}
}

// TestManyConnections: 64 sessions at once, each with its own prepared
// statements and transaction, all served.
func TestManyConnections(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 120*time.Second)
	setup := mustConnect(t, n)
	mustExec(t, ctx, setup, "CREATE TABLE many_t (id int PRIMARY KEY, w int)")
	const sessions = 64
	conns := mustConns(t, n, sessions)
	runWorkers(conns, func(w int, c *pgx.Conn) {
		for i := 0; i < 5; i++ {
			var got int
			if err := c.QueryRow(ctx, "SELECT $1::int * 2", w+i).Scan(&got); err != nil || got != 2*(w+i) {
				t.Errorf("session %d: %v (got %d)", w, err, got)
				return
			}
		}
		tx, err := c.Begin(ctx)
		if err != nil {
			t.Errorf("session %d begin: %v", w, err)
			return
		}
		if _, err := tx.Exec(ctx, "INSERT INTO many_t VALUES ($1, $2)", w, w); err != nil {
			t.Errorf("session %d insert: %v", w, err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Errorf("session %d commit: %v", w, err)
		}
	})
	checkQuery(t, ctx, setup, fmt.Sprintf("%d|%d", sessions, sessions*(sessions-1)/2), "SELECT count(*), sum(w) FROM many_t")
}
