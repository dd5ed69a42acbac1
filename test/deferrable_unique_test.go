package test

import (
	"testing"
	"time"
)

// TestDeferrableUniqueMatchesPostgres: UNIQUE … DEFERRABLE constraints
// are checked at the statement's end, or at COMMIT when deferred (SET
// CONSTRAINTS included); non-deferrable ones per row, so UPDATE … SET i
// = i + 1 fails or succeeds with the rows' order, as in PostgreSQL.
func TestDeferrableUniqueMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgresDetail(t, ctx, pc, lc,
		// not deferrable: checked row by row, in the rows' order
		"CREATE TABLE du1 (id int PRIMARY KEY, i int UNIQUE)",
		"INSERT INTO du1 VALUES (1, 1), (2, 2), (3, 3)",
		"UPDATE du1 SET i = i + 1",
		"CREATE TABLE du2 (id int PRIMARY KEY, i int UNIQUE)",
		"INSERT INTO du2 VALUES (1, 3), (2, 2), (3, 1)",
		"UPDATE du2 SET i = i + 1",
		"SELECT * FROM du2 ORDER BY id",
		"UPDATE du2 SET id = id + 1",
		// DEFERRABLE INITIALLY IMMEDIATE: at the end of the statement
		"CREATE TABLE du3 (id int PRIMARY KEY, i int UNIQUE DEFERRABLE)",
		"INSERT INTO du3 VALUES (1, 1), (2, 2), (3, 3)",
		"UPDATE du3 SET i = i + 1",
		"SELECT * FROM du3 ORDER BY id",
		"UPDATE du3 SET i = 2 WHERE id = 1",
		"INSERT INTO du3 VALUES (9, 4)",
		"INSERT INTO du3 VALUES (9, 9), (10, 9)",
		"INSERT INTO du3 VALUES (9, NULL), (10, NULL)",
		"SELECT count(*) FROM du3",
		// INITIALLY DEFERRED: at COMMIT, which then fails and rolls back
		"CREATE TABLE du4 (id int PRIMARY KEY, i int, CONSTRAINT du4u UNIQUE (i) DEFERRABLE INITIALLY DEFERRED)",
		"BEGIN",
		"INSERT INTO du4 VALUES (1, 1), (2, 1)",
		"SELECT count(*) FROM du4",
		"COMMIT",
		"SELECT count(*) FROM du4",
		"BEGIN",
		"INSERT INTO du4 VALUES (1, 1), (2, 1)",
		"UPDATE du4 SET i = 2 WHERE id = 2",
		"COMMIT",
		"SELECT * FROM du4 ORDER BY id",
		// SET CONSTRAINTS, by name and ALL
		"BEGIN",
		"INSERT INTO du4 VALUES (3, 1)",
		"SET CONSTRAINTS du4u IMMEDIATE",
		"ROLLBACK",
		"BEGIN",
		"SET CONSTRAINTS ALL IMMEDIATE",
		"INSERT INTO du4 VALUES (3, 1)",
		"ROLLBACK",
		"CREATE TABLE du5 (id int PRIMARY KEY, i int UNIQUE DEFERRABLE INITIALLY IMMEDIATE)",
		"BEGIN",
		"SET CONSTRAINTS du5_i_key DEFERRED",
		"INSERT INTO du5 VALUES (1, 1), (2, 1)",
		"DELETE FROM du5 WHERE id = 1",
		"COMMIT",
		"SELECT * FROM du5",
		"BEGIN",
		"SET CONSTRAINTS du1_i_key DEFERRED",
		"ROLLBACK",
		// what PostgreSQL refuses with a deferrable constraint
		"INSERT INTO du5 VALUES (3, 1) ON CONFLICT (i) DO NOTHING",
		"CREATE TABLE du6 (x int REFERENCES du5 (i))",
		"ALTER TABLE du4 ADD CONSTRAINT du4v UNIQUE (id) DEFERRABLE",
		"ALTER TABLE du2 ADD CONSTRAINT du2v UNIQUE (i) DEFERRABLE INITIALLY DEFERRED",
		"INSERT INTO du2 VALUES (7, 1), (8, 1)",
		"ALTER TABLE du5 ALTER i SET NOT NULL",
		"ALTER TABLE du5 REPLICA IDENTITY USING INDEX du5_i_key",
		// the catalog
		"SELECT conname, condeferrable, condeferred, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid::regclass::text LIKE 'du%' ORDER BY 1",
		"SELECT indexrelid::regclass, indimmediate FROM pg_index WHERE indrelid::regclass::text LIKE 'du%' ORDER BY 1",
		"SELECT constraint_name, constraint_type, is_deferrable, initially_deferred FROM information_schema.table_constraints WHERE table_name LIKE 'du%' AND constraint_type <> 'CHECK' ORDER BY 1",
	)
}

// TestDeferredUniqueConcurrentCommits: two transactions each insert the
// same key of an INITIALLY DEFERRED unique constraint; both statements
// succeed, and of the two COMMITs exactly one does (the other: 40001 or
// 23505), leaving one row.
func TestDeferredUniqueConcurrentCommits(t *testing.T) {
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	n := sharedNode(t)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "DROP TABLE IF EXISTS dcu")
	mustExec(t, ctx, c, "CREATE TABLE dcu (id int PRIMARY KEY, k int, CONSTRAINT dcu_k UNIQUE (k) DEFERRABLE INITIALLY DEFERRED)")
	c1, c2 := mustConnect(t, n), mustConnect(t, n)
	tx1, err := c1.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx2, err := c2.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustExecTx(t, ctx, tx1, "INSERT INTO dcu VALUES (1, 7)")
	mustExecTx(t, ctx, tx2, "INSERT INTO dcu VALUES (2, 7)")
	if err := tx1.Commit(ctx); err != nil {
		t.Fatalf("first COMMIT: %v", err)
	}
	err = tx2.Commit(ctx)
	if err == nil || (sqlState(err) != "40001" && sqlState(err) != "23505") {
		t.Fatalf("second COMMIT of the same key: %v, want 40001 or 23505", err)
	}
	checkQuery(t, ctx, c, "1", "SELECT count(*) FROM dcu WHERE k = 7")
}
