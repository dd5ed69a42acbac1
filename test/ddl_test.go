package test

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCreateTable: primary keys of one or several columns, a table without
// one (a hidden row id keeps identical rows apart), IF NOT EXISTS, and the
// SQLSTATEs of duplicate tables, unknown columns and syntax errors.
func TestCreateTable(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)

	t.Run("composite primary key", func(t *testing.T) {
		mustExec(t, ctx, c, "CREATE TABLE ddl_cpk (a int, b text, v int, PRIMARY KEY (a, b))")
		mustExec(t, ctx, c, "INSERT INTO ddl_cpk VALUES (2, 'x', 1), (1, 'y', 2), (1, 'x', 3)")
		_, err := c.Exec(ctx, "INSERT INTO ddl_cpk VALUES (1, 'x', 4)")
		wantCode(t, err, "23505", "duplicate composite key")
		_, err = c.Exec(ctx, "INSERT INTO ddl_cpk VALUES (NULL, 'x', 4)")
		wantCode(t, err, "23502", "NULL in a primary key column")
		checkQuery(t, ctx, c, "1|x|3\n1|y|2\n2|x|1", "SELECT a, b, v FROM ddl_cpk ORDER BY a, b")
		checkQuery(t, ctx, c, "2", "SELECT v FROM ddl_cpk WHERE a = 1 AND b = 'y'")
	})

	t.Run("no primary key keeps identical rows", func(t *testing.T) {
		mustExec(t, ctx, c, "CREATE TABLE ddl_nopk (a int, b text)")
		mustExec(t, ctx, c, "INSERT INTO ddl_nopk VALUES (1, 'same')")
		mustExec(t, ctx, c, "INSERT INTO ddl_nopk VALUES (1, 'same')")
		mustExec(t, ctx, c, "INSERT INTO ddl_nopk VALUES (1, 'same'), (2, 'other')")
		checkQuery(t, ctx, c, "3", "SELECT count(*) FROM ddl_nopk WHERE a = 1")
		if tag := mustExec(t, ctx, c, "UPDATE ddl_nopk SET b = 'changed' WHERE a = 1"); tag.String() != "UPDATE 3" {
			t.Errorf("update of three identical rows: tag %q", tag)
		}
		if tag := mustExec(t, ctx, c, "DELETE FROM ddl_nopk WHERE a = 1"); tag.String() != "DELETE 3" {
			t.Errorf("delete of three identical rows: tag %q", tag)
		}
		checkQuery(t, ctx, c, "2|other", "SELECT * FROM ddl_nopk")
	})

	t.Run("if not exists and duplicates", func(t *testing.T) {
		mustExec(t, ctx, c, "CREATE TABLE ddl_dup (id int PRIMARY KEY)")
		mustExec(t, ctx, c, "INSERT INTO ddl_dup VALUES (1)")
		mustExec(t, ctx, c, "CREATE TABLE IF NOT EXISTS ddl_dup (id int PRIMARY KEY, other text)")
		checkQuery(t, ctx, c, "1", "SELECT * FROM ddl_dup") // untouched
		_, err := c.Exec(ctx, "CREATE TABLE ddl_dup (id int)")
		wantCode(t, err, "42P07", "CREATE TABLE of an existing name")
		psqlWantError(t, n, "CREATE TABLE ddl_dup (x int)", "42P07")
	})

	t.Run("error codes", func(t *testing.T) {
		mustExec(t, ctx, c, "CREATE TABLE ddl_err (id int PRIMARY KEY, name text)")
		_, err := c.Exec(ctx, "SELECT nope FROM ddl_err")
		wantCode(t, err, "42703", "unknown column in SELECT")
		_, err = c.Exec(ctx, "INSERT INTO ddl_err (id, nope) VALUES (1, 2)")
		wantCode(t, err, "42703", "unknown column in INSERT")
		_, err = c.Exec(ctx, "UPDATE ddl_err SET nope = 1")
		wantCode(t, err, "42703", "unknown column in UPDATE")
		_, err = c.Exec(ctx, "SELEC 1")
		wantCode(t, err, "42601", "syntax error")
		_, err = c.Exec(ctx, "SELECT * FROM ddl_missing")
		wantCode(t, err, "42P01", "unknown table")
		_, err = c.Exec(ctx, "CREATE TABLE ddl_badtype (id notatype)")
		wantCode(t, err, "42704", "unknown type")
		psqlWantError(t, n, "SELECT nope FROM ddl_err", "42703")
		psqlWantError(t, n, "SELEC 1", "42601")
		psqlWantError(t, n, "INSERT INTO ddl_missing VALUES (1)", "42P01")
	})
}

// TestConstraints: NOT NULL (23502), DEFAULT (constants, now(), serial
// sequences), UNIQUE (23505, several NULLs allowed), CHECK (23514).
func TestConstraints(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, `CREATE TABLE con_t (
		id serial PRIMARY KEY,
		name text NOT NULL,
		email text UNIQUE,
		qty int NOT NULL DEFAULT 7 CHECK (qty >= 0),
		status text DEFAULT 'new',
		created timestamptz DEFAULT now(),
		lo int, hi int,
		CHECK (lo < hi))`)

	before := time.Now().Add(-5 * time.Second)
	mustExec(t, ctx, c, "INSERT INTO con_t (name, email) VALUES ('a', 'a@x'), ('b', NULL), ('c', NULL)")
	after := time.Now().Add(5 * time.Second)
	checkQuery(t, ctx, c, "1|a|a@x|7|new\n2|b|NULL|7|new\n3|c|NULL|7|new", "SELECT id, name, email, qty, status FROM con_t ORDER BY id")
	var created time.Time
	if err := c.QueryRow(ctx, "SELECT created FROM con_t WHERE id = 1").Scan(&created); err != nil {
		t.Errorf("reading DEFAULT now(): %v", err)
	} else if created.Before(before) || created.After(after) {
		t.Errorf("DEFAULT now() = %v, want between %v and %v", created, before, after)
	}

	for _, tc := range []struct{ sql, code string }{
		{"INSERT INTO con_t (name) VALUES (NULL)", "23502"},
		{"INSERT INTO con_t (email) VALUES ('z@x')", "23502"},
		{"UPDATE con_t SET name = NULL WHERE id = 1", "23502"},
		{"INSERT INTO con_t (name, email) VALUES ('d', 'a@x')", "23505"},
		{"UPDATE con_t SET email = 'a@x' WHERE id = 2", "23505"},
		{"INSERT INTO con_t (id, name) VALUES (1, 'dup id')", "23505"},
		{"INSERT INTO con_t (name, qty) VALUES ('e', -1)", "23514"},
		{"UPDATE con_t SET qty = -5 WHERE id = 1", "23514"},
		{"INSERT INTO con_t (name, lo, hi) VALUES ('f', 5, 1)", "23514"},
	} {
		_, err := c.Exec(ctx, tc.sql)
		wantCode(t, err, tc.code, tc.sql)
	}
	psqlWantError(t, n, "INSERT INTO con_t (name) VALUES (NULL)", "23502")
	psqlWantError(t, n, "INSERT INTO con_t (name, email) VALUES ('g', 'a@x')", "23505")
	psqlWantError(t, n, "INSERT INTO con_t (name, qty) VALUES ('h', -1)", "23514")
	// A CHECK that is NULL passes, as in PostgreSQL.
	mustExec(t, ctx, c, "INSERT INTO con_t (name, lo) VALUES ('i', 5)")
	checkQuery(t, ctx, c, "4", "SELECT count(*) FROM con_t")

	// The failed inserts consumed serial values (sequences are not rolled
	// back); the next id is larger than every id so far and unique.
	var next int
	if err := c.QueryRow(ctx, "INSERT INTO con_t (name) VALUES ('j') RETURNING id").Scan(&next); err != nil {
		t.Fatalf("insert returning id: %v", err)
	}
	if next <= 3 {
		t.Errorf("serial after failed inserts = %d, want > 3", next)
	}
}

// TestSequence: CREATE SEQUENCE, nextval/currval, DEFAULT nextval(...).
func TestSequence(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE SEQUENCE seq_s START 100")
	mustExec(t, ctx, c, "CREATE TABLE seq_t (id bigint PRIMARY KEY DEFAULT nextval('seq_s'), v text)")
	checkQuery(t, ctx, c, "100\n101", "INSERT INTO seq_t (v) VALUES ('a'), ('b') RETURNING id")
	checkQuery(t, ctx, c, "102", "SELECT nextval('seq_s')")
	checkQuery(t, ctx, c, "102", "SELECT currval('seq_s')")
}

// TestDropTable: DROP TABLE [IF EXISTS]; the name is gone (42P01) and can
// be created again, empty.
func TestDropTable(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE drop_t (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "INSERT INTO drop_t VALUES (1), (2)")
	mustExec(t, ctx, c, "DROP TABLE drop_t")
	_, err := c.Exec(ctx, "SELECT * FROM drop_t")
	wantCode(t, err, "42P01", "select from a dropped table")
	_, err = c.Exec(ctx, "DROP TABLE drop_t")
	wantCode(t, err, "42P01", "drop of a dropped table")
	mustExec(t, ctx, c, "DROP TABLE IF EXISTS drop_t")
	mustExec(t, ctx, c, "CREATE TABLE drop_t (id int PRIMARY KEY, v text)")
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM drop_t")
	psql(t, n, "DROP TABLE IF EXISTS drop_t")
	psqlWantError(t, n, "SELECT * FROM drop_t", "42P01")
}

// TestAlterTable: ADD, DROP and RENAME COLUMN on a table with rows.
func TestAlterTable(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE alter_t (id int PRIMARY KEY, name text, junk int)")
	mustExec(t, ctx, c, "INSERT INTO alter_t VALUES (1, 'a', 10), (2, 'b', 20)")

	mustExec(t, ctx, c, "ALTER TABLE alter_t ADD COLUMN note text")
	mustExec(t, ctx, c, "ALTER TABLE alter_t ADD COLUMN qty int NOT NULL DEFAULT 5")
	checkQuery(t, ctx, c, "1|a|10|NULL|5\n2|b|20|NULL|5", "SELECT * FROM alter_t ORDER BY id")
	mustExec(t, ctx, c, "INSERT INTO alter_t (id, name, note) VALUES (3, 'c', 'new')")
	checkQuery(t, ctx, c, "3|c|NULL|new|5", "SELECT * FROM alter_t WHERE id = 3")
	_, err := c.Exec(ctx, "ALTER TABLE alter_t ADD COLUMN must int NOT NULL")
	wantCode(t, err, "23502", "ADD COLUMN NOT NULL without a default on a table with rows")
	_, err = c.Exec(ctx, "ALTER TABLE alter_t ADD COLUMN name text")
	wantCode(t, err, "42701", "ADD COLUMN of an existing name")

	// Each SELECT * below has its own text: pgx caches prepared statements
	// by text, and PostgreSQL refuses a cached SELECT * whose columns changed.
	mustExec(t, ctx, c, "ALTER TABLE alter_t DROP COLUMN junk")
	checkQuery(t, ctx, c, "1|a|NULL|5\n2|b|NULL|5\n3|c|new|5", "SELECT * FROM alter_t ORDER BY id ASC")
	_, err = c.Exec(ctx, "SELECT junk FROM alter_t")
	wantCode(t, err, "42703", "select of a dropped column")

	mustExec(t, ctx, c, "ALTER TABLE alter_t RENAME COLUMN name TO title")
	checkQuery(t, ctx, c, "a\nb\nc", "SELECT title FROM alter_t ORDER BY id")
	_, err = c.Exec(ctx, "SELECT name FROM alter_t")
	wantCode(t, err, "42703", "select of a renamed column by its old name")
	mustExec(t, ctx, c, "UPDATE alter_t SET title = 'z', qty = qty + 1 WHERE id = 2")
	checkQuery(t, ctx, c, "2|z|NULL|6", "SELECT * FROM alter_t WHERE id = 2")
	checkPsql(t, n, "1|a|NULL|5\n2|z|NULL|6\n3|c|new|5", "SELECT * FROM alter_t ORDER BY id")
}

// TestAlterColumnType: ALTER COLUMN … TYPE rewrites every row with the
// converted value (USING or an assignment cast), rebuilds the indexes on
// the column, and refuses (23505, nothing changed) when the conversion
// makes a unique index's keys collide.
func TestAlterColumnType(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE altty (id int PRIMARY KEY, v text, n int)")
	mustExec(t, ctx, c, "CREATE UNIQUE INDEX altty_v ON altty (v)")
	mustExec(t, ctx, c, "INSERT INTO altty VALUES (1, '10', 5), (2, '20', 6), (3, NULL, 7)")
	mustExec(t, ctx, c, "ALTER TABLE altty ALTER COLUMN v TYPE int USING v::int")
	checkQuery(t, ctx, c, "1|10|11\n2|20|21\n3|NULL|NULL", "SELECT id, v, v + 1 FROM altty ORDER BY id")
	checkQuery(t, ctx, c, "2", "SELECT id FROM altty WHERE v = 20")
	mustExec(t, ctx, c, "ALTER TABLE altty ALTER COLUMN n TYPE bigint")
	checkQuery(t, ctx, c, "18", "SELECT sum(n) FROM altty")
	_, err := c.Exec(ctx, "INSERT INTO altty VALUES (4, 10, 1)")
	wantCode(t, err, "23505", "insert of a duplicate through the rebuilt unique index")

	mustExec(t, ctx, c, "CREATE TABLE altty2 (id int PRIMARY KEY, v text)")
	mustExec(t, ctx, c, "CREATE UNIQUE INDEX altty2_v ON altty2 (v)")
	mustExec(t, ctx, c, "INSERT INTO altty2 VALUES (1, '1'), (2, '01')")
	_, err = c.Exec(ctx, "ALTER TABLE altty2 ALTER COLUMN v TYPE int USING v::int")
	wantCode(t, err, "23505", "a type change that makes unique keys collide")
	checkQuery(t, ctx, c, "1|1\n2|01", "SELECT id, v FROM altty2 ORDER BY id")
}

// TestIndexes: CREATE [UNIQUE] INDEX on a table with rows, lookups and
// ranges through the index return what a scan would, a unique index
// enforces uniqueness (23505) until it is dropped.
func TestIndexes(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE idx_t (id int PRIMARY KEY, k int, email text, grp text)")
	var sb strings.Builder
	sb.WriteString("INSERT INTO idx_t VALUES ")
	for i := 0; i < 2000; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("(" + itoa(i) + "," + itoa((i*7919)%2000) + ",'u" + itoa(i) + "@x','g" + itoa(i%10) + "')")
	}
	mustExec(t, ctx, c, sb.String())

	mustExec(t, ctx, c, "CREATE INDEX idx_t_k ON idx_t (k)")
	mustExec(t, ctx, c, "CREATE UNIQUE INDEX idx_t_email ON idx_t (email)")
	mustExec(t, ctx, c, "CREATE INDEX idx_t_grp_k ON idx_t (grp, k)")

	checkQuery(t, ctx, c, "1761|u719@x", "SELECT k, email FROM idx_t WHERE k = 1761 AND id = 719") // 719*7919 % 2000 = 1761
	checkQuery(t, ctx, c, "1", "SELECT count(*) FROM idx_t WHERE k = 1761")
	checkQuery(t, ctx, c, "10|10|19", "SELECT count(*), min(k), max(k) FROM idx_t WHERE k BETWEEN 10 AND 19")
	checkQuery(t, ctx, c, "1995\n1996\n1997\n1998\n1999", "SELECT k FROM idx_t WHERE k > 1994 ORDER BY k")
	checkQuery(t, ctx, c, "42", "SELECT id FROM idx_t WHERE email = 'u42@x'")
	checkQuery(t, ctx, c, "200", "SELECT count(*) FROM idx_t WHERE grp = 'g3'")
	checkQuery(t, ctx, c, "5", "SELECT count(*) FROM idx_t WHERE grp = 'g3' AND k < 50")

	// The index follows updates and deletes.
	mustExec(t, ctx, c, "UPDATE idx_t SET k = 5000, email = 'moved@x' WHERE id = 42")
	checkQuery(t, ctx, c, "42", "SELECT id FROM idx_t WHERE k = 5000")
	checkQuery(t, ctx, c, "", "SELECT id FROM idx_t WHERE email = 'u42@x'")
	checkQuery(t, ctx, c, "42", "SELECT id FROM idx_t WHERE email = 'moved@x'")
	mustExec(t, ctx, c, "DELETE FROM idx_t WHERE id = 42")
	checkQuery(t, ctx, c, "", "SELECT id FROM idx_t WHERE k = 5000")

	_, err := c.Exec(ctx, "INSERT INTO idx_t VALUES (5000, 1, 'u1@x', 'g0')")
	wantCode(t, err, "23505", "insert violating a unique index")
	_, err = c.Exec(ctx, "CREATE UNIQUE INDEX idx_t_grp_u ON idx_t (grp)")
	wantCode(t, err, "23505", "unique index over duplicate values")
	_, err = c.Exec(ctx, "CREATE INDEX idx_t_k ON idx_t (id)")
	wantCode(t, err, "42P07", "index of an existing name")

	// Lookups and ranges on a key or index use it, not a full scan. EXPLAIN
	// is the only window on that from the wire; its format is free, but the
	// plan must name the index (as PostgreSQL's does for these queries).
	for _, tc := range []struct {
		query string
		index []string // any of these names the index
	}{
		{"SELECT * FROM idx_t WHERE email = 'u7@x'", []string{"idx_t_email"}},
		{"SELECT * FROM idx_t WHERE id = 5", []string{"idx_t_pkey", "primary key"}},
		{"SELECT * FROM idx_t WHERE id BETWEEN 100 AND 110", []string{"idx_t_pkey", "primary key"}},
		{"SELECT * FROM idx_t WHERE k BETWEEN 10 AND 19", []string{"idx_t_k"}},
		{"SELECT * FROM idx_t WHERE grp = 'g3' AND k < 50", []string{"idx_t_grp_k"}},
	} {
		plan, err := queryTextErr(ctx, c, "EXPLAIN "+tc.query)
		if err != nil {
			t.Errorf("EXPLAIN %s: %v", tc.query, err)
			continue
		}
		t.Logf("EXPLAIN %s:\n%s", tc.query, plan)
		used := false
		for _, name := range tc.index {
			used = used || strings.Contains(plan, name)
		}
		if !used {
			t.Errorf("EXPLAIN %s does not use %s:\n%s", tc.query, tc.index[0], plan)
		}
	}

	mustExec(t, ctx, c, "DROP INDEX idx_t_email")
	mustExec(t, ctx, c, "INSERT INTO idx_t VALUES (5000, 1, 'u1@x', 'g0')")
	checkQuery(t, ctx, c, "2", "SELECT count(*) FROM idx_t WHERE email = 'u1@x'")
	_, err = c.Exec(ctx, "DROP INDEX idx_t_email")
	wantCode(t, err, "42704", "drop of a dropped index")
	mustExec(t, ctx, c, "DROP INDEX IF EXISTS idx_t_email")
}

// TestTruncate empties a table, which stays usable.
func TestTruncate(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE trunc_t (id int PRIMARY KEY, v text UNIQUE)")
	mustExec(t, ctx, c, "INSERT INTO trunc_t VALUES (1, 'a'), (2, 'b')")
	mustExec(t, ctx, c, "TRUNCATE trunc_t")
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM trunc_t")
	mustExec(t, ctx, c, "INSERT INTO trunc_t VALUES (1, 'a')") // no ghost of the old keys
	checkQuery(t, ctx, c, "1|a", "SELECT * FROM trunc_t")
	psql(t, n, "TRUNCATE TABLE trunc_t")
	checkPsql(t, n, "0", "SELECT count(*) FROM trunc_t")
}

func itoa(i int) string { return strconv.Itoa(i) }
