package sql

import (
	"fmt"
	"strings"
	"testing"

	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

func explainText(t *testing.T, s *Session, q string) string {
	t.Helper()
	return query(t, s, "EXPLAIN "+q)
}

func TestMergeUpdateEligibility(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, `CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL, f float8, n numeric(10,2), b bigint, s smallint, name text, ix int)`)
	mustExec(t, s, `CREATE INDEX acc_ix ON acc (ix)`)
	mustExec(t, s, `CREATE TABLE two (a int, b text, v int, PRIMARY KEY (a, b))`)
	mustExec(t, s, `CREATE TABLE chk (id int PRIMARY KEY, v int CHECK (v > -100))`)
	mustExec(t, s, `CREATE TABLE nokey (id int, v int)`)
	eligible := []string{
		`UPDATE acc SET bal = bal + 1 WHERE id = 1`,
		`UPDATE acc SET bal = bal - 1 WHERE 1 = id`,
		`UPDATE acc SET bal = bal + 1, f = f - 2.5, n = n + 0.125, b = b + 1, s = s - 1 WHERE id = 7`,
		`UPDATE acc SET bal = bal + (3 * 4) WHERE id = 1`,
		`UPDATE acc SET b = b + 10000000000 WHERE id = 1`,
		`UPDATE acc SET s = s + 70000 WHERE id = 1`, // int4 result cast back to smallint
		`UPDATE acc SET f = f + 1 WHERE id = 1`,
		`UPDATE two SET v = v + 1 WHERE a = 1 AND b = 'x'`,
	}
	for _, q := range eligible {
		if got := explainText(t, s, q); !strings.HasPrefix(got, "Merge Update on ") {
			t.Errorf("%s: not a merge update:\n%s", q, got)
		}
	}
	ineligible := []string{
		`UPDATE acc SET bal = bal + 1 WHERE id = 1 AND bal > 0`, // reads the value
		`UPDATE acc SET bal = bal + 1 WHERE id > 1`,
		`UPDATE acc SET bal = bal + 1 WHERE id = 1 OR id = 2`,
		`UPDATE acc SET bal = bal + 1 WHERE id IN (1, 2)`,
		`UPDATE acc SET bal = bal + 1 WHERE id = 1 RETURNING bal`,
		`UPDATE acc SET bal = bal * 2 WHERE id = 1`,
		`UPDATE acc SET bal = 1 + bal WHERE id = 1`,
		`UPDATE acc SET bal = b + 1 WHERE id = 1`,
		`UPDATE acc SET bal = bal + b WHERE id = 1`,
		`UPDATE acc SET bal = bal + 1, name = 'x' WHERE id = 1`,
		`UPDATE acc SET ix = ix + 1 WHERE id = 1`, // indexed
		`UPDATE acc SET id = id + 1 WHERE id = 1`, // primary key
		`UPDATE acc SET bal = bal + (SELECT 1) WHERE id = 1`,
		`UPDATE acc SET bal = bal + length('x') WHERE id = 1`,
		`UPDATE acc SET bal = 5 WHERE id = 1`,
		`UPDATE acc SET bal = bal + 1 FROM two WHERE acc.id = 1`,
		`UPDATE two SET v = v + 1 WHERE a = 1`,
		`UPDATE chk SET v = v + 1 WHERE id = 1`,
		`UPDATE nokey SET v = v + 1 WHERE id = 1`,
		`UPDATE acc SET bal = bal + 1 WHERE id = 1::bigint`,
		`WITH x AS (SELECT 1) UPDATE acc SET bal = bal + 1 WHERE id = 1`,
	}
	for _, q := range ineligible {
		if got := explainText(t, s, q); strings.HasPrefix(got, "Merge") {
			t.Errorf("%s: planned as a merge update:\n%s", q, got)
		}
	}
}

// The merge path gives the same rows, tags and errors as the ordinary
// read-modify-write path (forced by a harmless CHECK constraint).
func TestMergeUpdateMatchesOrdinaryUpdate(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	for _, tbl := range []string{"m", "o"} {
		extra := ""
		if tbl == "o" {
			extra = ", CHECK (true)"
		}
		mustExec(t, s, fmt.Sprintf(`CREATE TABLE %s (id int PRIMARY KEY, i int, s smallint, b bigint, n numeric(10,2), f float8, u numeric, tag text%s)`, tbl, extra))
		mustExec(t, s, fmt.Sprintf(`INSERT INTO %s VALUES (1, 10, 1, 100, 1.25, 0.5, 7, 'a'), (2, NULL, NULL, NULL, NULL, NULL, NULL, 'b'),
			(3, 2147483600, 32000, 9223372036854775800, 99999999.99, 1e308, 1, 'c')`, tbl))
	}
	stmts := []string{
		`UPDATE %s SET i = i + 5, s = s - 2, b = b + 1, n = n + 0.005, f = f - 0.25, u = u + 1.5 WHERE id = 1`,
		`UPDATE %s SET i = i + 1, n = n + 1, f = f + 1 WHERE id = 2`,
		`UPDATE %s SET i = i + 1 WHERE id = 4`,
		`UPDATE %s SET n = n + 0.004, s = s + 1.6 WHERE id = 1`,
		`UPDATE %s SET b = b + 2.5 WHERE id = 1`,
		`UPDATE %s SET i = i + 100 WHERE id = 3`,
		`UPDATE %s SET s = s + 1000 WHERE id = 3`,
		`UPDATE %s SET b = b + 100 WHERE id = 3`,
		`UPDATE %s SET n = n + 1 WHERE id = 3`,
		`UPDATE %s SET f = f + 1e308 WHERE id = 3`,
		`UPDATE %s SET i = i - 10 WHERE id = 1`,
		`UPDATE %s SET u = u - 0.000001 WHERE id = 1`,
	}
	for _, st := range stmts {
		if got := explainText(t, s, fmt.Sprintf(st, "m")); !strings.HasPrefix(got, "Merge Update") {
			t.Fatalf("%s: not a merge update: %s", st, got)
		}
		var res [2]string
		for k, tbl := range []string{"m", "o"} {
			q := fmt.Sprintf(st, tbl)
			r := &recorder{}
			if err := s.SimpleQuery(ctxT(t), q, r); err != nil {
				res[k] = "error " + pgerror.Code(err) + ": " + err.Error()
			} else {
				res[k] = strings.Join(r.tags, ",")
			}
		}
		if res[0] != res[1] {
			t.Errorf("%s: merge %q, ordinary %q", st, res[0], res[1])
		}
	}
	if m, o := query(t, s, "SELECT * FROM m ORDER BY id"), query(t, s, "SELECT * FROM o ORDER BY id"); m != o {
		t.Fatalf("merge rows:\n%s\nordinary rows:\n%s", m, o)
	}
	// A NULL delta takes the ordinary path (NOT NULL is then checked).
	mustExec(t, s, `CREATE TABLE nn (id int PRIMARY KEY, v int NOT NULL)`)
	mustExec(t, s, `INSERT INTO nn VALUES (1, 1)`)
	expectErr(t, s, `UPDATE nn SET v = v + NULL WHERE id = 1`, pgerror.NotNullViolation)
	expectRows(t, s, `SELECT v FROM nn`, "1")
}

func setupCounter(t *testing.T) (*Engine, *Session) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, `CREATE TABLE c (id int PRIMARY KEY, n int NOT NULL, note text)`)
	mustExec(t, s, `INSERT INTO c VALUES (1, 0, 'x'), (2, 0, 'y')`)
	return e, s
}

// Concurrent merge increments of one row all commit; the sum is right.
func TestMergeUpdateConcurrentIncrementsCommit(t *testing.T) {
	e, s := setupCounter(t)
	var sessions []*Session
	for i := 0; i < 4; i++ {
		ws := mustSession(t, e)
		mustExec(t, ws, "BEGIN")
		if r := mustExec(t, ws, fmt.Sprintf("UPDATE c SET n = n + %d WHERE id = 1", i+1)); r.tags[0] != "UPDATE 1" {
			t.Fatalf("tag %v", r.tags)
		}
		mustExec(t, ws, "UPDATE c SET n = n - 1 WHERE id = 2")
		sessions = append(sessions, ws)
	}
	for _, ws := range sessions {
		mustExec(t, ws, "COMMIT") // explicit blocks are not retried: a 40001 would fail here
	}
	expectRows(t, s, "SELECT id, n, note FROM c ORDER BY id", "1|10|x\n2|-4|y")
}

// A transaction that read the row conflicts with a merge that committed
// after its snapshot (bank transfer: read the balance, then update); the
// invariant of concurrent transfers holds.
func TestMergeUpdateConflictsWithReader(t *testing.T) {
	e, s := setupCounter(t)
	reader := mustSession(t, e)
	mustExec(t, reader, "BEGIN")
	expectRows(t, reader, "SELECT n FROM c WHERE id = 1", "0")
	mustExec(t, reader, "UPDATE c SET n = n - 10 WHERE id = 1")
	mustExec(t, reader, "UPDATE c SET n = n + 10 WHERE id = 2")
	mustExec(t, s, "UPDATE c SET n = n + 1 WHERE id = 1") // autocommit merge
	expectErr(t, reader, "COMMIT", pgerror.SerializationFailure)
	expectRows(t, s, "SELECT id, n FROM c ORDER BY id", "1|1\n2|0")

	// Write skew through merges: each reads both rows and decrements one.
	a, b := mustSession(t, e), mustSession(t, e)
	for i, ws := range []*Session{a, b} {
		mustExec(t, ws, "BEGIN")
		expectRows(t, ws, "SELECT sum(n) FROM c", "1")
		mustExec(t, ws, fmt.Sprintf("UPDATE c SET n = n - 1 WHERE id = %d", i+1))
	}
	mustExec(t, a, "COMMIT")
	expectErr(t, b, "COMMIT", pgerror.SerializationFailure)
	expectRows(t, s, "SELECT sum(n) FROM c", "0")
}

// Reading a row back after merging it (TPC-B's SELECT abalance) sees the
// snapshot value plus the delta, and makes the merge validated like a read.
func TestMergeUpdateReadBack(t *testing.T) {
	e, s := setupCounter(t)
	a := mustSession(t, e)
	mustExec(t, a, "BEGIN")
	mustExec(t, a, "UPDATE c SET n = n + 5 WHERE id = 1")
	expectRows(t, a, "SELECT n FROM c WHERE id = 1", "5")
	expectRows(t, a, "SELECT id, n FROM c ORDER BY id", "1|5\n2|0")
	mustExec(t, a, "UPDATE c SET n = n + 5 WHERE id = 1") // folds into the buffer
	expectRows(t, a, "SELECT n FROM c WHERE id = 1", "10")
	mustExec(t, s, "UPDATE c SET n = n + 1 WHERE id = 1")
	expectErr(t, a, "COMMIT", pgerror.SerializationFailure)
	expectRows(t, s, "SELECT n FROM c WHERE id = 1", "1")

	mustExec(t, a, "BEGIN")
	mustExec(t, a, "UPDATE c SET n = n + 5 WHERE id = 1")
	expectRows(t, a, "SELECT n FROM c WHERE id = 1", "6")
	mustExec(t, a, "COMMIT")
	expectRows(t, s, "SELECT n FROM c WHERE id = 1", "6")

	// Own writes: insert then merge, update then merge, savepoints.
	mustExec(t, a, "BEGIN")
	mustExec(t, a, "INSERT INTO c VALUES (3, 100, 'z')")
	mustExec(t, a, "UPDATE c SET n = n + 1 WHERE id = 3")
	mustExec(t, a, "UPDATE c SET note = 'w' WHERE id = 2")
	mustExec(t, a, "UPDATE c SET n = n + 2 WHERE id = 2")
	mustExec(t, a, "SAVEPOINT sp")
	mustExec(t, a, "UPDATE c SET n = n + 1000 WHERE id = 1")
	mustExec(t, a, "ROLLBACK TO sp")
	mustExec(t, a, "DELETE FROM c WHERE id = 3")
	if r := mustExec(t, a, "UPDATE c SET n = n + 1 WHERE id = 3"); r.tags[0] != "UPDATE 0" {
		t.Fatalf("merge of a row deleted in the transaction: %v", r.tags)
	}
	mustExec(t, a, "COMMIT")
	expectRows(t, s, "SELECT id, n, note FROM c ORDER BY id", "1|6|x\n2|2|w")
}

// The command tag is part of what the transaction observed: a row deleted
// (or inserted) concurrently makes it conflict.
func TestMergeUpdateExistence(t *testing.T) {
	e, s := setupCounter(t)
	a := mustSession(t, e)
	mustExec(t, a, "BEGIN")
	if r := mustExec(t, a, "UPDATE c SET n = n + 1 WHERE id = 1"); r.tags[0] != "UPDATE 1" {
		t.Fatalf("tag %v", r.tags)
	}
	mustExec(t, s, "DELETE FROM c WHERE id = 1")
	expectErr(t, a, "COMMIT", pgerror.SerializationFailure)

	mustExec(t, a, "BEGIN")
	if r := mustExec(t, a, "UPDATE c SET n = n + 1 WHERE id = 1"); r.tags[0] != "UPDATE 0" {
		t.Fatalf("tag %v", r.tags)
	}
	mustExec(t, a, "UPDATE c SET n = n + 1 WHERE id = 2")
	mustExec(t, s, "INSERT INTO c VALUES (1, 0, 'again')")
	expectErr(t, a, "COMMIT", pgerror.SerializationFailure)
	expectRows(t, s, "SELECT id, n FROM c ORDER BY id", "1|0\n2|0")

	// Deleted and re-inserted before the merge applies: the row exists,
	// the merge applies to it.
	mustExec(t, a, "BEGIN")
	mustExec(t, a, "UPDATE c SET n = n + 1 WHERE id = 1")
	mustExec(t, s, "DELETE FROM c WHERE id = 1")
	mustExec(t, s, "INSERT INTO c VALUES (1, 40, 'new')")
	mustExec(t, a, "COMMIT")
	expectRows(t, s, "SELECT id, n, note FROM c ORDER BY id", "1|41|new\n2|0|y")
}

// An overflow shows at the statement when the snapshot value overflows,
// else at COMMIT (SQLSTATE 22003); nothing of the transaction is written.
func TestMergeUpdateOverflow(t *testing.T) {
	e, s := setupCounter(t)
	mustExec(t, s, "UPDATE c SET n = 2147483000 WHERE id = 1")
	expectErr(t, s, "UPDATE c SET n = n + 1000 WHERE id = 1", pgerror.NumericValueOutOfRange)
	a := mustSession(t, e)
	mustExec(t, a, "BEGIN")
	mustExec(t, a, "UPDATE c SET n = n + 500 WHERE id = 1")
	mustExec(t, a, "UPDATE c SET n = n + 500 WHERE id = 2")
	mustExec(t, a, "INSERT INTO c VALUES (9, 9, 'side')")
	mustExec(t, s, "UPDATE c SET n = n + 500 WHERE id = 1")
	expectErr(t, a, "COMMIT", pgerror.NumericValueOutOfRange)
	expectRows(t, s, "SELECT id, n FROM c ORDER BY id", "1|2147483500\n2|0")
	// The session is usable afterwards.
	mustExec(t, a, "UPDATE c SET n = n + 1 WHERE id = 2")
	expectRows(t, s, "SELECT n FROM c WHERE id = 2", "1")
}

func TestMergeRowOperand(t *testing.T) {
	if _, err := plan.MergeRow(nil, nil); err == nil {
		t.Fatal("empty operand accepted")
	}
	if _, err := plan.MergeRow(nil, []byte{plan.MergeOperandV1, 1, 1}); err == nil {
		t.Fatal("truncated operand accepted")
	}
}
