package sql

import (
	"testing"

	"logdb/sql/pgerror"
)

func TestCreateInsertSelect(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, age int)")
	r := mustExec(t, s, "INSERT INTO users VALUES (1, 'ann', 30), (2, 'bob', NULL), (3, 'cy', 25)")
	if r.tags[0] != "INSERT 0 3" {
		t.Fatalf("tag %q", r.tags[0])
	}
	expectRows(t, s, "SELECT id, name, age FROM users ORDER BY id", "1|ann|30\n2|bob|NULL\n3|cy|25")
	expectRows(t, s, "SELECT name FROM users WHERE id = 2", "bob")
	expectRows(t, s, "SELECT count(*), sum(age), avg(age) FROM users", "3|55|27.5000000000000000")
	expectRows(t, s, "SELECT name FROM users WHERE age > 26", "ann")
	r = mustExec(t, s, "UPDATE users SET age = age + 1 WHERE id = 1")
	if r.tags[0] != "UPDATE 1" {
		t.Fatalf("tag %q", r.tags[0])
	}
	expectRows(t, s, "SELECT age FROM users WHERE id = 1", "31")
	r = mustExec(t, s, "DELETE FROM users WHERE id = 3")
	if r.tags[0] != "DELETE 1" {
		t.Fatalf("tag %q", r.tags[0])
	}
	expectRows(t, s, "SELECT count(*) FROM users", "2")
	pe := expectErr(t, s, "INSERT INTO users VALUES (1, 'dup', 1)", pgerror.UniqueViolation)
	if pe.Message != `duplicate key value violates unique constraint "users_pkey"` || pe.Detail != "Key (id)=(1) already exists." {
		t.Fatalf("%+v", pe)
	}
	expectErr(t, s, "INSERT INTO users (id) VALUES (9)", pgerror.NotNullViolation)
	expectErr(t, s, "SELECT * FROM nope", pgerror.UndefinedTable)
	expectErr(t, s, "SELECT nope FROM users", pgerror.UndefinedColumn)
	expectErr(t, s, "SELEC 1", pgerror.SyntaxError)
}

func TestTransactions(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE t (id int PRIMARY KEY, v text)")
	mustExec(t, s, "BEGIN")
	if s.TxStatus() != 'T' {
		t.Fatal("not in txn")
	}
	mustExec(t, s, "INSERT INTO t VALUES (1, 'a')")
	expectRows(t, s, "SELECT v FROM t", "a")
	mustExec(t, s, "ROLLBACK")
	expectRows(t, s, "SELECT count(*) FROM t", "0")
	mustExec(t, s, "BEGIN")
	mustExec(t, s, "INSERT INTO t VALUES (1, 'a')")
	expectErr(t, s, "INSERT INTO t VALUES (1, 'a')", pgerror.UniqueViolation)
	if s.TxStatus() != 'E' {
		t.Fatal("not failed")
	}
	expectErr(t, s, "SELECT 1", pgerror.InFailedSQLTransaction)
	r := mustExec(t, s, "COMMIT")
	if r.tags[0] != "ROLLBACK" {
		t.Fatalf("tag %q", r.tags[0])
	}
	expectRows(t, s, "SELECT count(*) FROM t", "0")
	// savepoints
	mustExec(t, s, "BEGIN; INSERT INTO t VALUES (1, 'a'); SAVEPOINT sp; INSERT INTO t VALUES (2, 'b')")
	mustExec(t, s, "ROLLBACK TO SAVEPOINT sp")
	mustExec(t, s, "COMMIT")
	expectRows(t, s, "SELECT id FROM t ORDER BY id", "1")
	// conflict between two sessions
	s2 := mustSession(t, e)
	mustExec(t, s, "BEGIN")
	mustExec(t, s2, "BEGIN")
	expectRows(t, s, "SELECT v FROM t WHERE id = 1", "a")
	expectRows(t, s2, "SELECT v FROM t WHERE id = 1", "a")
	mustExec(t, s, "UPDATE t SET v = 'x' WHERE id = 1")
	mustExec(t, s2, "UPDATE t SET v = 'y' WHERE id = 1")
	mustExec(t, s, "COMMIT")
	expectErr(t, s2, "COMMIT", pgerror.SerializationFailure)
	expectRows(t, s, "SELECT v FROM t WHERE id = 1", "x")
}
