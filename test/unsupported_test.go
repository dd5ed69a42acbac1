package test

import (
	"strings"
	"testing"
	"time"
)

// TestUnsupportedFeatures: a statement logdb does not implement fails with
// 0A000 and a message naming the feature — never an internal error or a
// dropped connection — and the session goes on. PostgreSQL supports all of
// them, so this runs against logdb only; a statement that succeeds is logged.
func TestUnsupportedFeatures(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE unsup_t (id int PRIMARY KEY, v int)")
	for _, tc := range []struct{ sql, words string }{
		{"CREATE FUNCTION unsup_f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "function"},
		{"CREATE VIEW unsup_v AS SELECT * FROM unsup_t", "view"},
		{"CREATE FUNCTION unsup_tf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'", "function"},
		{"CREATE TRIGGER unsup_tr INSTEAD OF INSERT ON unsup_v FOR EACH ROW EXECUTE FUNCTION unsup_tf()", "trigger"},
		{"CREATE CONSTRAINT TRIGGER unsup_ct AFTER INSERT ON unsup_t FOR EACH ROW EXECUTE FUNCTION unsup_tf()", "trigger"},
		{"CREATE RULE unsup_r AS ON INSERT TO unsup_t DO NOTHING", "rule"},
		{"SELECT 'a b'::tsvector", "tsvector"},
		{"SELECT id, row_number() OVER (ORDER BY id) FROM unsup_t", "window"},
		{"WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < 3) SELECT * FROM r", "recursive"},
		{"CREATE TABLE unsup_p (id int) PARTITION BY RANGE (id)", "partition"},
		{"ALTER TABLE unsup_t ALTER COLUMN v TYPE text", "type"},
		{"LOCK TABLE unsup_t", "lock"},
	} {
		_, err := c.Exec(ctx, tc.sql)
		if err == nil {
			t.Logf("supported: %s", tc.sql)
			continue
		}
		if sqlState(err) != "0A000" {
			t.Errorf("%s: %v; want 0A000 (feature_not_supported)", tc.sql, err)
		} else if !strings.Contains(strings.ToLower(err.Error()), tc.words) {
			t.Errorf("%s: 0A000 message %q does not name the feature (%q)", tc.sql, err, tc.words)
		}
		if c.IsClosed() {
			t.Fatalf("%s closed the connection", tc.sql)
		}
		checkQuery(t, ctx, c, "1", "SELECT 1")
	}
}
