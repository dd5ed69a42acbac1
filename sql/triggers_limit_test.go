package sql

import (
	"fmt"
	"testing"

	"logdb/sql/ddl"
	"logdb/sql/pgerror"
)

// TestTriggerLimit: a table holds at most ddl.MaxTriggersPerTable
// triggers (54000); dropping one makes room again.
func TestTriggerLimit(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE tl (a int)")
	mustExec(t, s, "CREATE FUNCTION tl_f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$")
	for i := 0; i < ddl.MaxTriggersPerTable; i++ {
		mustExec(t, s, fmt.Sprintf("CREATE TRIGGER tl_%d BEFORE INSERT ON tl FOR EACH ROW EXECUTE FUNCTION tl_f()", i))
	}
	if e := expectErr(t, s, "CREATE TRIGGER one_more BEFORE INSERT ON tl FOR EACH ROW EXECUTE FUNCTION tl_f()", pgerror.ProgramLimitExceeded); e != nil && e.Message != `too many triggers on table "tl" (at most 1000)` {
		t.Errorf("message %q", e.Message)
	}
	mustExec(t, s, "CREATE OR REPLACE TRIGGER tl_0 AFTER INSERT ON tl FOR EACH ROW EXECUTE FUNCTION tl_f()")
	mustExec(t, s, "DROP TRIGGER tl_1 ON tl")
	mustExec(t, s, "CREATE TRIGGER one_more BEFORE INSERT ON tl FOR EACH ROW EXECUTE FUNCTION tl_f()")
	mustExec(t, s, "INSERT INTO tl VALUES (1)")
}
