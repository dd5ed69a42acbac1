package test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// execStmts runs each statement, whole, on each connection.
func execStmts(t *testing.T, ctx context.Context, conns []*pgx.Conn, stmts ...string) {
	t.Helper()
	for _, c := range conns {
		for _, q := range stmts {
			if _, err := c.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
}

// matchTags runs each statement on PostgreSQL and logdb and compares
// the command tags (or SQLSTATEs): a BEFORE trigger that returns NULL
// takes its row out of the count.
func matchTags(t *testing.T, ctx context.Context, pc, lc *pgx.Conn, qs ...string) {
	t.Helper()
	tagOf := func(c *pgx.Conn, q string) string {
		tag, err := c.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			return "ERROR " + sqlState(err)
		}
		return tag.String()
	}
	for _, q := range qs {
		if want, got := tagOf(pc, q), tagOf(lc, q); got != want {
			t.Errorf("%s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}

// TestTriggersMatchPostgres: CREATE TRIGGER's BEFORE and AFTER, ROW and
// STATEMENT triggers of INSERT, UPDATE, DELETE and TRUNCATE, NEW changed
// and NULL returned, WHEN, UPDATE OF, the TG_ variables, ENABLE and
// DISABLE, DROP, the errors, and the triggers ORMs and job queues write,
// against PostgreSQL 15 (an audit table records what fired, in order).
func TestTriggersMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 240*time.Second)
	execStmts(t, ctx, []*pgx.Conn{pc, lc}, `CREATE TABLE tg_items (id int PRIMARY KEY, name text, qty int, updated_at timestamptz)`,
		`CREATE TABLE tg_audit (n serial PRIMARY KEY, what text)`,
		`CREATE FUNCTION tg_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  o text;
  n text;
BEGIN
  IF TG_LEVEL = 'ROW' AND TG_OP <> 'INSERT' THEN o := concat_ws(',', OLD.id, OLD.name, OLD.qty); END IF;
  IF TG_LEVEL = 'ROW' AND TG_OP <> 'DELETE' THEN n := concat_ws(',', NEW.id, NEW.name, NEW.qty); END IF;
  INSERT INTO tg_audit (what) VALUES (concat_ws(' ', TG_NAME, TG_WHEN, TG_LEVEL, TG_OP, TG_TABLE_NAME, TG_TABLE_SCHEMA,
    TG_RELID = 'tg_items'::regclass, TG_NARGS, TG_ARGV[0], TG_ARGV[1], o, n));
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$`)
	audit := "SELECT what FROM tg_audit ORDER BY n"
	matchPostgres(t, ctx, pc, lc,
		// every timing, level and event, with arguments; name order
		"CREATE TRIGGER b_row BEFORE INSERT OR UPDATE OR DELETE ON tg_items FOR EACH ROW EXECUTE FUNCTION tg_log('x', 'y')",
		"CREATE TRIGGER a_row AFTER INSERT OR UPDATE OR DELETE ON tg_items FOR EACH ROW EXECUTE PROCEDURE tg_log()",
		"CREATE TRIGGER c_stmt BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON tg_items FOR EACH STATEMENT EXECUTE FUNCTION tg_log('s')",
		"CREATE TRIGGER d_stmt AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tg_items FOR EACH STATEMENT EXECUTE FUNCTION tg_log()",
		"INSERT INTO tg_items (id, name, qty) VALUES (1, 'a', 10), (2, 'b', 20)",
		"UPDATE tg_items SET qty = qty + 1 WHERE id = 1",
		"UPDATE tg_items SET qty = 0 WHERE id = 99", // statement triggers, no rows
		"DELETE FROM tg_items WHERE id = 2",
		"TRUNCATE tg_items",
		"DELETE FROM tg_audit",
		// duplicates, errors
		"CREATE TRIGGER b_row BEFORE INSERT ON tg_items FOR EACH ROW EXECUTE FUNCTION tg_log()",
		"CREATE TRIGGER x BEFORE INSERT ON tg_nosuch FOR EACH ROW EXECUTE FUNCTION tg_log()",
		"CREATE TRIGGER x BEFORE INSERT ON tg_items FOR EACH ROW EXECUTE FUNCTION tg_nosuch()",
		"CREATE TRIGGER x BEFORE INSERT ON tg_items FOR EACH ROW EXECUTE FUNCTION now()",
		"CREATE TRIGGER x BEFORE UPDATE OF nosuch ON tg_items FOR EACH ROW EXECUTE FUNCTION tg_log()",
		"CREATE TRIGGER x BEFORE TRUNCATE ON tg_items FOR EACH ROW EXECUTE FUNCTION tg_log()",
		"CREATE TRIGGER x INSTEAD OF INSERT ON tg_items FOR EACH ROW EXECUTE FUNCTION tg_log()",
		"SELECT tg_log()",
		"DROP TRIGGER nosuch ON tg_items",
		"DROP TRIGGER IF EXISTS nosuch ON tg_items",
		"DROP FUNCTION tg_log()",
		// DISABLE / ENABLE
		"ALTER TABLE tg_items DISABLE TRIGGER a_row",
		"ALTER TABLE tg_items DISABLE TRIGGER nosuch",
		"INSERT INTO tg_items (id, name, qty) VALUES (3, 'c', 30)",
		audit,
		"ALTER TABLE tg_items DISABLE TRIGGER ALL",
		"INSERT INTO tg_items (id, name, qty) VALUES (4, 'd', 40)",
		"ALTER TABLE tg_items ENABLE TRIGGER USER",
		"ALTER TABLE tg_items ENABLE TRIGGER a_row",
		"INSERT INTO tg_items (id, name, qty) VALUES (3, 'c', 31), (5, 'e', 50) ON CONFLICT (id) DO UPDATE SET qty = excluded.qty",
		"INSERT INTO tg_items (id, name, qty) VALUES (3, 'c', 32), (6, 'f', 60) ON CONFLICT (id) DO NOTHING",
		audit,
		"DROP TRIGGER b_row ON tg_items",
		"DROP TRIGGER c_stmt ON tg_items",
		"DROP TRIGGER d_stmt ON tg_items",
		"CREATE OR REPLACE TRIGGER a_row AFTER DELETE ON tg_items FOR EACH ROW EXECUTE FUNCTION tg_log('replaced')",
		"DELETE FROM tg_items WHERE id = 4",
		"DROP TRIGGER a_row ON tg_items",
		"DELETE FROM tg_audit",
		audit,
	)

	// NEW changed, NULL skips, WHEN, UPDATE OF; the tags count rows written
	execStmts(t, ctx, []*pgx.Conn{pc, lc}, `CREATE FUNCTION tg_fix() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.qty < 0 THEN RETURN NULL; END IF;
  NEW.name := upper(NEW.name);
  RETURN NEW;
END $$`,
		`CREATE FUNCTION tg_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.name = 'KEEP' THEN RETURN NULL; END IF;
  RETURN OLD;
END $$`,
		`CREATE TRIGGER fix BEFORE INSERT OR UPDATE ON tg_items FOR EACH ROW EXECUTE FUNCTION tg_fix()`,
		`CREATE TRIGGER keep BEFORE DELETE ON tg_items FOR EACH ROW EXECUTE FUNCTION tg_keep()`,
		`CREATE TRIGGER big AFTER UPDATE ON tg_items FOR EACH ROW WHEN (NEW.qty > 100) EXECUTE FUNCTION tg_log('big')`,
		`CREATE TRIGGER named AFTER UPDATE OF name ON tg_items FOR EACH ROW EXECUTE FUNCTION tg_log('name')`)
	matchTags(t, ctx, pc, lc,
		"DELETE FROM tg_items",
		"INSERT INTO tg_items (id, name, qty) VALUES (10, 'keep', 1), (11, 'x', -1), (12, 'y', 2), (13, 'z', 3)",
		"UPDATE tg_items SET qty = -5 WHERE id = 12",
		"UPDATE tg_items SET qty = 500 WHERE id = 13",
		"UPDATE tg_items SET name = 'w' WHERE id = 13",
		"DELETE FROM tg_items",
	)
	// COPY FROM fires the INSERT triggers too
	for _, c := range []*pgx.Conn{pc, lc} {
		n, err := c.CopyFrom(ctx, pgx.Identifier{"tg_items"}, []string{"id", "name", "qty"},
			pgx.CopyFromRows([][]any{{int32(30), "copied", int32(1)}, {int32(31), "negative", int32(-1)}}))
		if err != nil || n != 1 {
			t.Errorf("COPY into a table with triggers: %d rows, %v", n, err)
		}
	}
	matchPostgres(t, ctx, pc, lc,
		"SELECT id, name, qty FROM tg_items ORDER BY id",
		audit,
		"INSERT INTO tg_items (id, name, qty) VALUES (20, 'r', 1) RETURNING id, name",
		"CREATE TRIGGER w BEFORE INSERT ON tg_items FOR EACH ROW WHEN (OLD.qty > 1) EXECUTE FUNCTION tg_fix()",
		"CREATE TRIGGER w BEFORE INSERT ON tg_items FOR EACH STATEMENT WHEN (1 > 0) EXECUTE FUNCTION tg_fix()",
	)

	// an ORM's updated_at trigger, an audit-log trigger as job-queue
	// libraries write it, pg_notify from a trigger, and a dependency
	execStmts(t, ctx, []*pgx.Conn{pc, lc}, `CREATE TABLE tg_jobs (id bigserial PRIMARY KEY, queue text NOT NULL, state text NOT NULL DEFAULT 'available', updated_at timestamptz NOT NULL DEFAULT now())`,
		`CREATE TABLE tg_job_log (id bigserial PRIMARY KEY, job_id bigint, op text, old_state text, new_state text)`,
		`CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := '2024-01-01 00:00:00+00';
  RETURN NEW;
END $$`,
		`CREATE FUNCTION job_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO tg_job_log (job_id, op, new_state) VALUES (NEW.id, TG_OP, NEW.state);
    PERFORM pg_notify('jobs_' || NEW.queue, NEW.id::text);
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO tg_job_log (job_id, op, old_state, new_state) VALUES (NEW.id, TG_OP, OLD.state, NEW.state);
  ELSE
    INSERT INTO tg_job_log (job_id, op, old_state) VALUES (OLD.id, TG_OP, OLD.state);
  END IF;
  RETURN NULL;
END $$`,
		`CREATE TRIGGER jobs_updated_at BEFORE UPDATE ON tg_jobs FOR EACH ROW EXECUTE FUNCTION set_updated_at()`,
		`CREATE TRIGGER jobs_log AFTER INSERT OR UPDATE OR DELETE ON tg_jobs FOR EACH ROW EXECUTE FUNCTION job_log()`)
	matchPostgres(t, ctx, pc, lc,
		"INSERT INTO tg_jobs (queue) VALUES ('mail'), ('sms')",
		"UPDATE tg_jobs SET state = 'running' WHERE id = 1 RETURNING id, state, updated_at",
		"DELETE FROM tg_jobs WHERE id = 2",
		"WITH d AS (UPDATE tg_jobs SET state = 'done' RETURNING id) SELECT count(*) FROM d",
		"SELECT job_id, op, old_state, new_state FROM tg_job_log ORDER BY id",
		"DROP FUNCTION job_log()",
		"DROP FUNCTION job_log() CASCADE",
		"INSERT INTO tg_jobs (queue) VALUES ('mail')",
		"SELECT count(*) FROM tg_job_log",
		"DROP TABLE tg_jobs",
		"DROP FUNCTION set_updated_at()",
	)

	// a foreign key's CASCADE fires the child's triggers; a trigger's
	// writes are checked by foreign keys
	execStmts(t, ctx, []*pgx.Conn{pc, lc}, "CREATE TABLE tg_parent (id int PRIMARY KEY)",
		"CREATE TABLE tg_child (id int PRIMARY KEY, parent int REFERENCES tg_parent ON DELETE CASCADE ON UPDATE CASCADE)",
		`CREATE FUNCTION tg_child_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tg_audit (what) VALUES (concat_ws(' ', 'child', TG_WHEN, TG_OP, OLD.parent, NEW.parent));
  RETURN COALESCE(NEW, OLD);
END $$`,
		"CREATE TRIGGER cb BEFORE UPDATE OR DELETE ON tg_child FOR EACH ROW EXECUTE FUNCTION tg_child_log()",
		"CREATE TRIGGER ca AFTER UPDATE OR DELETE ON tg_child FOR EACH ROW EXECUTE FUNCTION tg_child_log()",
		"DELETE FROM tg_audit",
		"INSERT INTO tg_parent VALUES (1), (2)",
		"INSERT INTO tg_child VALUES (10, 1), (20, 2)")
	matchPostgres(t, ctx, pc, lc,
		"UPDATE tg_parent SET id = 3 WHERE id = 1",
		"DELETE FROM tg_parent WHERE id = 2",
		"SELECT id, parent FROM tg_child ORDER BY id",
		audit,
		`CREATE FUNCTION tg_orphan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tg_child VALUES (NEW.id + 100, 99);
  RETURN NULL;
END $$`,
		"CREATE TRIGGER orphan AFTER INSERT ON tg_parent FOR EACH ROW EXECUTE FUNCTION tg_orphan()",
		"INSERT INTO tg_parent VALUES (5)",
		"SELECT count(*) FROM tg_parent")

	// a trigger function that ends without RETURN; a BEFORE trigger's row
	// of another shape
	execStmts(t, ctx, []*pgx.Conn{pc, lc}, "CREATE TABLE tg_bad (a int, b text)",
		`CREATE FUNCTION tg_noreturn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.a := 1; END $$`,
		`CREATE FUNCTION tg_shape() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN ROW(1); END $$`,
		"CREATE TRIGGER n BEFORE INSERT ON tg_bad FOR EACH ROW EXECUTE FUNCTION tg_noreturn()")
	matchPostgresMessages(t, ctx, pc, lc, "INSERT INTO tg_bad VALUES (0, 'x')")
	matchPostgres(t, ctx, pc, lc,
		"DROP TRIGGER n ON tg_bad",
		"CREATE TRIGGER s BEFORE INSERT ON tg_bad FOR EACH ROW EXECUTE FUNCTION tg_shape()",
		"INSERT INTO tg_bad VALUES (0, 'x')",
		"SELECT count(*) FROM tg_bad")

	// a trigger that writes its own table without end: 54001, nothing kept
	execStmts(t, ctx, []*pgx.Conn{pc, lc}, `CREATE TABLE tg_loop (n int)`,
		`CREATE FUNCTION tg_again() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tg_loop VALUES (NEW.n + 1);
  RETURN NEW;
END $$`,
		`CREATE TRIGGER again AFTER INSERT ON tg_loop FOR EACH ROW EXECUTE FUNCTION tg_again()`)
	matchPostgres(t, ctx, pc, lc,
		"INSERT INTO tg_loop VALUES (1)",
		"SELECT count(*) FROM tg_loop",
	)
}

// TestTriggerNotifies: a trigger's pg_notify reaches a listener after
// the commit, also from a statement prepared before the trigger existed,
// and its write reaches the changefeed.
func TestTriggerNotifies(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	n := mustStartNode(t, t.TempDir())
	lc, wc := mustConnect(t, n), mustConnect(t, n)
	mustExec(t, ctx, lc, "LISTEN tg_events")
	mustExec(t, ctx, wc, `CREATE TABLE tg_n (id int PRIMARY KEY)`)
	// prepared (and cached by pgx) before the trigger exists
	mustExec(t, ctx, wc, `INSERT INTO tg_n VALUES ($1)`, 1)
	mustExec(t, ctx, wc, `CREATE TABLE tg_n_log (id int PRIMARY KEY)`)
	lsn0 := currentLSN(t, ctx, wc)
	feed := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE tg_n_log WITH (FROM_LSN = '"+lsn0+"')) TO STDOUT")
	mustExec(t, ctx, wc, `CREATE FUNCTION tg_n_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tg_n_log VALUES (NEW.id);
  PERFORM pg_notify('tg_events', 'row ' || NEW.id);
  RETURN NULL;
END $$`)
	mustExec(t, ctx, wc, `CREATE TRIGGER n AFTER INSERT ON tg_n FOR EACH ROW EXECUTE FUNCTION tg_n_notify()`)
	mustExec(t, ctx, wc, `INSERT INTO tg_n VALUES ($1)`, 7)
	note, err := lc.WaitForNotification(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if note.Channel != "tg_events" || note.Payload != "row 7" {
		t.Fatalf("notification %q %q", note.Channel, note.Payload)
	}
	// the trigger's write is in the changefeed like any other
	ch := feed.next(t, 30*time.Second)
	for ch.Op == "progress" {
		ch = feed.next(t, 30*time.Second)
	}
	if ch.Op != "insert" || !strings.Contains(ch.Relation, "tg_n_log") || !strings.Contains(ch.After, "7") {
		t.Fatalf("changefeed: %v", ch)
	}
}
