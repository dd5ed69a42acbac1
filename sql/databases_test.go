package sql

import (
	"fmt"
	"testing"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
)

// TestDatabaseLimit: CREATE DATABASE past catalog.MaxDatabases (the
// built-in ones count) fails with 54000; dropping one makes room.
func TestDatabaseLimit(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	for i := 4; i < catalog.MaxDatabases; i++ {
		mustExec(t, s, fmt.Sprintf("CREATE DATABASE lim_%d", i))
	}
	expectRows(t, s, "SELECT count(*) FROM pg_database", fmt.Sprint(catalog.MaxDatabases))
	if e := expectErr(t, s, "CREATE DATABASE one_more", pgerror.ProgramLimitExceeded); e != nil && e.Message != "too many databases (at most 1000)" {
		t.Errorf("message %q", e.Message)
	}
	mustExec(t, s, "DROP DATABASE lim_4")
	mustExec(t, s, "CREATE DATABASE one_more")
}
