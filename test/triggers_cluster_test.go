package test

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const triggerSetup = `CREATE TABLE tr_items (id int PRIMARY KEY, name text, qty int)
CREATE TABLE tr_log (n serial PRIMARY KEY, item int, op text)
CREATE FUNCTION tr_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    INSERT INTO tr_log (op) VALUES (TG_OP || ' ' || TG_ARGV[0]);
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    INSERT INTO tr_log (item, op) VALUES (OLD.id, TG_OP || ' ' || TG_ARGV[0]);
    RETURN OLD;
  END IF;
  INSERT INTO tr_log (item, op) VALUES (NEW.id, TG_OP || ' ' || TG_ARGV[0]);
  NEW.name := lower(NEW.name);
  RETURN NEW;
END $$
CREATE TRIGGER tr_before BEFORE INSERT OR UPDATE OF name, qty OR DELETE ON tr_items FOR EACH ROW EXECUTE FUNCTION tr_audit('b')
CREATE TRIGGER tr_after AFTER INSERT ON tr_items FOR EACH ROW WHEN (NEW.qty > 3) EXECUTE FUNCTION tr_audit('a')
CREATE TRIGGER tr_off AFTER DELETE ON tr_items FOR EACH ROW EXECUTE FUNCTION tr_audit('off')
CREATE TRIGGER tr_stmt AFTER TRUNCATE ON tr_items FOR EACH STATEMENT EXECUTE FUNCTION tr_audit('s')
ALTER TABLE tr_items DISABLE TRIGGER tr_off`

// triggerStatements splits triggerSetup: one statement a line, but a
// function body runs to its closing "END $$".
func triggerStatements() []string {
	var out []string
	var cur []string
	in := false
	for _, l := range strings.Split(triggerSetup, "\n") {
		cur = append(cur, l)
		if strings.Contains(l, "AS $$") {
			in = true
		}
		if in && !strings.HasPrefix(l, "END $$") {
			continue
		}
		in = false
		out, cur = append(out, strings.Join(cur, "\n")), nil
	}
	return out
}

// TestTriggersReplicateAndDump: triggers created through one node of
// three fire for writes through the others and are dropped through a
// third; psql's \d shows them as PostgreSQL does, and pg_dump's script of
// them loads into PostgreSQL 15, where they fire the same way.
func TestTriggersReplicateAndDump(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 240*time.Second)
	c := mustStartCluster(t, 3)
	c.mustLeader(ctx)
	c1, c2, c3 := c.mustConnectTo(ctx, 1), c.mustConnectTo(ctx, 2), c.mustConnectTo(ctx, 3)
	execStmts(t, ctx, []*pgx.Conn{c1}, triggerStatements()...)
	c.mustConverge(ctx, "SELECT tgname, tgenabled FROM pg_trigger ORDER BY 1")
	mustExec(t, ctx, c2, "INSERT INTO tr_items VALUES (1, 'ONE', 1)")
	mustExec(t, ctx, c3, "UPDATE tr_items SET qty = 2")
	c.mustConverge(ctx, "SELECT item, op FROM tr_log ORDER BY n")
	checkQuery(t, ctx, c3, "1 INSERT b,1 UPDATE b", "SELECT string_agg(item || ' ' || op, ',' ORDER BY n) FROM tr_log")
	checkQuery(t, ctx, c1, "one", "SELECT name FROM tr_items")
	mustExec(t, ctx, c3, "DROP TRIGGER tr_before ON tr_items")
	c.mustConverge(ctx, "SELECT tgname FROM pg_trigger ORDER BY 1")
	mustExec(t, ctx, c2, "INSERT INTO tr_items VALUES (2, 'TWO', 2)")
	checkQuery(t, ctx, c1, "TWO", "SELECT name FROM tr_items WHERE id = 2")

	// psql's \d and pg_dump, against PostgreSQL 15
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	execStmts(t, ctx, []*pgx.Conn{pc, lc}, triggerStatements()...)
	for _, meta := range []string{`\d tr_items`} {
		got := mustRunClient(t, ctx, "", "psql", append(n.clientArgs("logdb"), "-X", "-c", meta)...)
		want := mustRunClient(t, ctx, "", "psql", append(pg.clientArgs("postgres"), "-X", "-c", meta)...)
		if got != want {
			t.Errorf("%s:\nlogdb:\n%s\nPostgreSQL:\n%s", meta, got, want)
		}
	}
	matchPostgres(t, ctx, pc, lc,
		"SELECT tgname, tgtype, tgenabled, tgnargs, tgattr::text, pg_get_triggerdef(oid), pg_get_triggerdef(oid, true) FROM pg_trigger ORDER BY tgname",
		"SELECT trigger_schema, trigger_name, event_manipulation, event_object_table, action_order, action_condition, action_statement, action_orientation, action_timing FROM information_schema.triggers ORDER BY 2, 3",
		"SELECT relname, relhastriggers FROM pg_class WHERE relname LIKE 'tr\\_%' AND relkind = 'r' ORDER BY 1")
	rc := mustRestoreIntoPostgres(t, ctx, pg, mustDump(t, ctx, n.clientArgs("logdb")...))
	for _, cn := range []*pgx.Conn{lc, rc} {
		mustExec(t, ctx, cn, "INSERT INTO tr_items VALUES (5, 'FIVE', 5)")
		mustExec(t, ctx, cn, "TRUNCATE tr_items")
	}
	for _, q := range []string{"SELECT item, op FROM tr_log ORDER BY n", "SELECT tgname, tgenabled FROM pg_trigger ORDER BY 1"} {
		if got, want := answerOf(ctx, lc, q), answerOf(ctx, rc, q); got != want {
			t.Errorf("%s\n  logdb:               %q\n  restored PostgreSQL: %q", q, got, want)
		}
	}
}
