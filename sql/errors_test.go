package sql

import (
	"testing"

	"logdb/sql/pgerror"
)

func TestErrors(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE t (id int PRIMARY KEY, v text)")
	pe := expectErr(t, s, "SELEC 1", pgerror.SyntaxError)
	if pe.Message != `syntax error at or near "SELEC"` || pe.Position != 1 {
		t.Fatalf("%+v", pe)
	}
	pe = expectErr(t, s, "SELECT * FROM t WHERE", pgerror.SyntaxError)
	if pe.Message != `syntax error at end of input` {
		t.Fatalf("%+v", pe)
	}
	expectErr(t, s, "SELECT nosuchfn(1)", pgerror.UndefinedFunction)
	expectErr(t, s, "SELECT * FROM t WHERE 1", pgerror.DatatypeMismatch)
	expectErr(t, s, "INSERT INTO t VALUES ('x', 'y')", pgerror.InvalidTextRepresentation)
	expectErr(t, s, "SELECT 1 + 'a'", pgerror.InvalidTextRepresentation)
	expectErr(t, s, "INSERT INTO t (nope) VALUES (1)", pgerror.UndefinedColumn)
	expectErr(t, s, "CREATE MATERIALIZED VIEW v AS SELECT 1", pgerror.FeatureNotSupported)
	expectErr(t, s, "CREATE TEMP TABLE other (x int) ON COMMIT DROP; CREATE TEMP TABLE other (x int) ON COMMIT DROP", pgerror.DuplicateTable)
	expectErr(t, s, "SELECT 2147483647::int + 1", pgerror.NumericValueOutOfRange)
	pe = expectErr(t, s, "SELECT * FROM missing_table", pgerror.UndefinedTable)
	if pe.Message != `relation "missing_table" does not exist` {
		t.Fatal(pe.Message)
	}
	expectErr(t, s, "SELECT id FROM t a, t b", pgerror.AmbiguousColumn)
	// what would give a wrong answer if ignored is refused instead
	// a WITH query reading the outer row, scanned below its own level
	expectErr(t, s, "SELECT * FROM t o, LATERAL (WITH x AS (SELECT o.id AS f) SELECT * FROM t p, LATERAL (SELECT * FROM x) q) s", pgerror.FeatureNotSupported)
	// the session stays usable
	expectRows(t, s, "SELECT count(*) FROM t", "0")
}
