package test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// fkConn is a connection that keeps the notices it receives, so answers
// can be compared with them.
type fkConn struct {
	c       *pgx.Conn
	mu      sync.Mutex
	notices []string
}

func connectWithNotices(t *testing.T, cfg *pgx.ConnConfig) *fkConn {
	t.Helper()
	fc := &fkConn{}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		fc.mu.Lock()
		defer fc.mu.Unlock()
		s := n.Severity + " " + n.Code + " " + n.Message
		if n.Detail != "" {
			s += " DETAIL " + n.Detail
		}
		fc.notices = append(fc.notices, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	fc.c = c
	return fc
}

// fullAnswer is a statement's rows, or its error with SQLSTATE, message,
// detail, hint, table and constraint, then the notices it raised.
func (fc *fkConn) fullAnswer(ctx context.Context, sql string) string {
	fc.mu.Lock()
	fc.notices = nil
	fc.mu.Unlock()
	var out []string
	rows, err := fc.c.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err == nil {
		for rows.Next() {
			var vals []string
			for _, v := range rows.RawValues() {
				if v == nil {
					vals = append(vals, "NULL")
				} else {
					vals = append(vals, string(v))
				}
			}
			out = append(out, strings.Join(vals, "|"))
		}
		rows.Close()
		err = rows.Err()
	}
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			out = append(out, fmt.Sprintf("ERROR %s %s DETAIL %s HINT %s (schema %q table %q constraint %q)",
				pe.Code, pe.Message, pe.Detail, pe.Hint, pe.SchemaName, pe.TableName, pe.ConstraintName))
		} else {
			out = append(out, "ERROR "+err.Error())
		}
	}
	fc.mu.Lock()
	out = append(out, fc.notices...)
	fc.mu.Unlock()
	return strings.Join(out, "\n")
}

// fkScript are the statements TestForeignKeysMatchPostgres runs on both
// servers, in order; every answer, error text and notice must agree.
var fkScript = []string{
	// a single-column key to a primary key: the errors and their details
	"CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE, name text)",
	"CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p, note text)",
	"INSERT INTO p VALUES (1, 'a', 'one'), (2, 'b', 'two')",
	"INSERT INTO c VALUES (1, 1, 'x')",
	"INSERT INTO c VALUES (2, 5, 'y')",
	"INSERT INTO c VALUES (3, NULL, 'z')",
	"UPDATE c SET p_id = 7 WHERE id = 1",
	"DELETE FROM p WHERE id = 1",
	"UPDATE p SET id = 10 WHERE id = 1",
	"UPDATE p SET name = 'uno' WHERE id = 1",
	"DELETE FROM p WHERE id = 2",
	"INSERT INTO c VALUES (4, 3, 'w') ON CONFLICT (id) DO UPDATE SET p_id = 3",
	"INSERT INTO c VALUES (1, 3, 'w') ON CONFLICT (id) DO UPDATE SET p_id = excluded.p_id",
	"INSERT INTO c SELECT 10 + g, g FROM generate_series(1, 2) g",
	"SELECT * FROM c ORDER BY id",
	"SELECT conname, contype, conkey, confkey, confrelid::regclass, confupdtype, confdeltype, confmatchtype, condeferrable, condeferred, convalidated FROM pg_constraint WHERE conrelid = 'c'::regclass ORDER BY conname",
	"SELECT conname, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true) FROM pg_constraint WHERE contype = 'f' ORDER BY conname",
	// DROP and TRUNCATE of a referenced table
	"DROP TABLE p",
	"TRUNCATE p",
	"TRUNCATE p, c",
	"TRUNCATE p CASCADE",
	"DROP TABLE p CASCADE",
	"SELECT conname FROM pg_constraint WHERE contype = 'f'",
	"DROP TABLE c",
	// composite keys, unique constraints, every action
	"CREATE TABLE p (a int, b text, x int, PRIMARY KEY (a, b), UNIQUE (x))",
	"CREATE TABLE c (id serial PRIMARY KEY, pa int, pb text, px int REFERENCES p(x) ON DELETE SET NULL ON UPDATE CASCADE, FOREIGN KEY (pa, pb) REFERENCES p ON DELETE CASCADE ON UPDATE CASCADE)",
	"INSERT INTO p VALUES (1, 'one', 10), (2, 'two', 20), (3, 'three', 30)",
	"INSERT INTO c (pa, pb, px) VALUES (1, 'one', 10), (1, 'one', 20), (2, 'two', NULL), (NULL, 'zzz', 30), (9, NULL, NULL)",
	"INSERT INTO c (pa, pb) VALUES (1, 'two')",
	"UPDATE p SET x = 11 WHERE x = 10",
	"SELECT * FROM c ORDER BY id",
	"UPDATE p SET a = 100 WHERE a = 1",
	"SELECT * FROM c ORDER BY id",
	"DELETE FROM p WHERE x = 20",
	"SELECT * FROM c ORDER BY id",
	"DELETE FROM p WHERE a = 100",
	"SELECT * FROM c ORDER BY id",
	"CREATE TABLE d (id int PRIMARY KEY, px int DEFAULT 30 REFERENCES p(x) ON DELETE SET DEFAULT, py int)",
	"INSERT INTO d VALUES (1, 20)",
	"INSERT INTO d VALUES (2, 11)",
	"DELETE FROM p WHERE x = 11",
	"DELETE FROM p WHERE x = 30",
	"SELECT * FROM d",
	"CREATE TABLE e (id int PRIMARY KEY, pa int, pb text, FOREIGN KEY (pa, pb) REFERENCES p MATCH FULL)",
	"INSERT INTO e VALUES (1, NULL, NULL)",
	"INSERT INTO e VALUES (2, 2, NULL)",
	"INSERT INTO e VALUES (3, 2, 'two')",
	"CREATE TABLE f (id int PRIMARY KEY, pa int, pb text, FOREIGN KEY (pa, pb) REFERENCES p ON DELETE SET NULL (pb))",
	"INSERT INTO f VALUES (1, 2, 'two')",
	"DELETE FROM p WHERE a = 2",
	"SELECT * FROM f",
	"CREATE TABLE g (id int PRIMARY KEY, pa int, pb text, FOREIGN KEY (pa, pb) REFERENCES p ON DELETE RESTRICT ON UPDATE RESTRICT)",
	"INSERT INTO p VALUES (5, 'five', 50)",
	"INSERT INTO g VALUES (1, 5, 'five')",
	"DELETE FROM p WHERE a = 5",
	"UPDATE p SET a = 6 WHERE a = 5",
	"SELECT conname, pg_get_constraintdef(oid), conkey, confkey, confdelsetcols, confupdtype, confdeltype, confmatchtype FROM pg_constraint WHERE contype = 'f' ORDER BY conname",
	"SELECT constraint_schema, constraint_name, unique_constraint_schema, unique_constraint_name, match_option, update_rule, delete_rule FROM information_schema.referential_constraints ORDER BY constraint_name",
	"SELECT constraint_name, table_name, column_name, ordinal_position, position_in_unique_constraint FROM information_schema.key_column_usage WHERE table_schema = 'public' ORDER BY 1, 4",
	"SELECT constraint_name, table_name, column_name FROM information_schema.constraint_column_usage WHERE table_schema = 'public' ORDER BY 1, 3",
	"SELECT constraint_name, table_name, constraint_type, is_deferrable, initially_deferred FROM information_schema.table_constraints WHERE table_schema = 'public' AND constraint_type <> 'CHECK' ORDER BY 1",
	"DROP TABLE c, d, e, f, g, p",
	// deferrable constraints and SET CONSTRAINTS
	"CREATE TABLE p (id int PRIMARY KEY)",
	"CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p DEFERRABLE INITIALLY DEFERRED)",
	"CREATE TABLE c2 (id int PRIMARY KEY, p_id int CONSTRAINT c2_fk REFERENCES p DEFERRABLE)",
	"CREATE TABLE c3 (id int PRIMARY KEY, p_id int REFERENCES p)",
	"BEGIN", "INSERT INTO c VALUES (1, 1)", "INSERT INTO p VALUES (1)", "COMMIT",
	"BEGIN", "INSERT INTO c VALUES (2, 2)", "COMMIT",
	"INSERT INTO c VALUES (2, 2)",
	"BEGIN", "SET CONSTRAINTS ALL DEFERRED", "INSERT INTO c2 VALUES (1, 3)", "INSERT INTO c3 VALUES (1, 3)", "ROLLBACK",
	"BEGIN", "SET CONSTRAINTS c2_fk DEFERRED", "INSERT INTO c2 VALUES (1, 3)", "SET CONSTRAINTS c2_fk IMMEDIATE", "ROLLBACK",
	"BEGIN", "SET CONSTRAINTS ALL DEFERRED", "INSERT INTO c2 VALUES (1, 4)", "INSERT INTO p VALUES (4)", "SET CONSTRAINTS ALL IMMEDIATE", "DELETE FROM p WHERE id = 4", "COMMIT",
	"BEGIN", "SET CONSTRAINTS ALL DEFERRED", "DELETE FROM p WHERE id = 1", "INSERT INTO p VALUES (1)", "COMMIT",
	"BEGIN", "DELETE FROM p WHERE id = 1", "COMMIT",
	"SET CONSTRAINTS ALL IMMEDIATE",
	"BEGIN", "SET CONSTRAINTS c3_p_id_fkey DEFERRED", "ROLLBACK",
	"BEGIN", "SET CONSTRAINTS c3_p_id_fkey, p_pkey IMMEDIATE", "SET CONSTRAINTS p_pkey DEFERRED", "ROLLBACK",
	"BEGIN", "SET CONSTRAINTS nosuch DEFERRED", "ROLLBACK",
	"BEGIN", "INSERT INTO c VALUES (5, 5)", "SAVEPOINT s", "INSERT INTO c VALUES (6, 6)", "ROLLBACK TO s", "INSERT INTO p VALUES (5)", "COMMIT",
	"BEGIN", "INSERT INTO c VALUES (7, 7)", "DELETE FROM c WHERE id = 7", "COMMIT",
	"SELECT * FROM c ORDER BY id",
	"SELECT conname, condeferrable, condeferred, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
	"DROP TABLE c, c2, c3, p",
	// ALTER TABLE … ADD / VALIDATE / DROP CONSTRAINT and the refusals
	"CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE, name text)",
	"CREATE TABLE c (id int PRIMARY KEY, p_id int, code text, note text)",
	"INSERT INTO p VALUES (1, 'a', 'one'), (2, 'b', 'two')",
	"INSERT INTO c VALUES (1, 1, 'a', 'x'), (2, 5, 'zz', 'y'), (3, NULL, NULL, 'z')",
	"ALTER TABLE c ADD CONSTRAINT c_p_fk FOREIGN KEY (p_id) REFERENCES p",
	"ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p NOT VALID",
	"SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
	"ALTER TABLE c VALIDATE CONSTRAINT c_p_id_fkey",
	"DELETE FROM c WHERE id = 2",
	"ALTER TABLE c VALIDATE CONSTRAINT c_p_id_fkey",
	"ALTER TABLE c VALIDATE CONSTRAINT nosuch",
	"ALTER TABLE c ADD FOREIGN KEY (code) REFERENCES p(code) ON UPDATE CASCADE",
	"ALTER TABLE c ADD FOREIGN KEY (code) REFERENCES p(name)",
	"ALTER TABLE c ADD FOREIGN KEY (note) REFERENCES p",
	"ALTER TABLE c ADD FOREIGN KEY (nosuch) REFERENCES p",
	"ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p(nosuch)",
	"ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES nosuch",
	"ALTER TABLE c ADD FOREIGN KEY (p_id, code) REFERENCES p",
	"ALTER TABLE c ADD CONSTRAINT c_pkey FOREIGN KEY (p_id) REFERENCES p",
	"ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p", // a second: c_p_id_fkey1
	"UPDATE p SET code = 'A' WHERE id = 1",
	"SELECT * FROM c ORDER BY id",
	"SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
	"ALTER TABLE c RENAME CONSTRAINT c_p_id_fkey1 TO c_pkey",
	"ALTER TABLE c RENAME CONSTRAINT c_p_id_fkey1 TO c_again_fkey",
	"ALTER TABLE c DROP CONSTRAINT c_p_id_fkey",
	"ALTER TABLE c DROP CONSTRAINT c_again_fkey",
	"ALTER TABLE c DROP CONSTRAINT c_code_fkey",
	"ALTER TABLE p DROP CONSTRAINT p_code_key",
	"ALTER TABLE c ADD FOREIGN KEY (code) REFERENCES p(code)",
	"ALTER TABLE p DROP CONSTRAINT p_code_key",
	"ALTER TABLE p DROP CONSTRAINT p_code_key CASCADE",
	"ALTER TABLE c ADD COLUMN q int REFERENCES p",
	"ALTER TABLE c ADD COLUMN r int DEFAULT 7 REFERENCES p",
	"ALTER TABLE p DROP COLUMN id",
	"ALTER TABLE c DROP COLUMN q",
	"SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
	"DROP TABLE p, c",
	// a self-reference, cascades through it, cross-type keys
	"CREATE TABLE t (id int PRIMARY KEY, parent int REFERENCES t ON DELETE CASCADE)",
	"INSERT INTO t VALUES (1, NULL), (2, 1), (3, 2), (4, 3), (5, NULL)",
	"INSERT INTO t VALUES (6, 6)",
	"INSERT INTO t VALUES (7, 8), (8, 7)",
	"INSERT INTO t VALUES (9, 10)",
	"DELETE FROM t WHERE id = 2",
	"SELECT * FROM t ORDER BY id",
	"UPDATE t SET id = 100 WHERE id = 1",
	"DELETE FROM t",
	"CREATE TABLE bigp (id bigint PRIMARY KEY)",
	"CREATE TABLE smallc (id int PRIMARY KEY, p int REFERENCES bigp)",
	"INSERT INTO bigp VALUES (1), (10000000000)",
	"INSERT INTO smallc VALUES (1, 1)",
	"INSERT INTO smallc VALUES (2, 2)",
	"DELETE FROM bigp WHERE id = 1",
	"DELETE FROM bigp WHERE id = 10000000000",
	"CREATE TABLE numc (id int PRIMARY KEY, p numeric REFERENCES bigp)",
	"CREATE TABLE tp (code text PRIMARY KEY)",
	"CREATE TABLE tc (id int PRIMARY KEY, p varchar(10) REFERENCES tp)",
	"INSERT INTO tp VALUES ('b')",
	"INSERT INTO tc VALUES (1, 'b')",
	"INSERT INTO tc VALUES (2, 'c')",
	"CREATE TABLE nopk (a int)",
	"CREATE TABLE x (a int REFERENCES nopk)",
	"CREATE TABLE x (a int REFERENCES nopk(a))",
	"DROP TABLE t, bigp, smallc, tp, tc, nopk",
	// a child whose key leads its primary key, and one with an index on it
	"CREATE TABLE p (id int PRIMARY KEY)",
	"CREATE TABLE j (p_id int REFERENCES p ON DELETE CASCADE, n int, PRIMARY KEY (p_id, n))",
	"CREATE TABLE k (id int PRIMARY KEY, p_id int REFERENCES p ON UPDATE CASCADE)",
	"CREATE INDEX k_p_id ON k (p_id)",
	"INSERT INTO p SELECT g FROM generate_series(1, 5) g",
	"INSERT INTO j SELECT 1 + g % 5, g FROM generate_series(1, 20) g",
	"INSERT INTO k SELECT g, 1 + g % 5 FROM generate_series(1, 20) g",
	"DELETE FROM p WHERE id IN (2, 3)",
	"UPDATE p SET id = id * 10 WHERE id > 3",
	"SELECT p_id, count(*) FROM j GROUP BY 1 ORDER BY 1",
	"SELECT p_id, count(*) FROM k GROUP BY 1 ORDER BY 1",
	"DROP INDEX k_p_id",
	"DROP TABLE j, k, p",
	// Django's first statement in a test case, outside a transaction block
	"SET CONSTRAINTS ALL IMMEDIATE",
}

// TestForeignKeysMatchPostgres runs fkScript on PostgreSQL 15 and on logdb
// and requires the same answers, errors (SQLSTATE, message, detail, hint,
// table and constraint) and notices.
func TestForeignKeysMatchPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pcfg, err := pgx.ParseConfig(pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	pc := connectWithNotices(t, pcfg)
	n := mustStartNode(t, t.TempDir())
	lc := connectWithNotices(t, n.connConfig(nil))
	for _, q := range fkScript {
		want, got := pc.fullAnswer(ctx, q), lc.fullAnswer(ctx, q)
		if got != want {
			t.Errorf("%s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}

// TestForeignKeysPsqlAndDump: psql's \d shows a child's "Foreign-key
// constraints:" and a parent's "Referenced by:" exactly as PostgreSQL
// prints them, and pg_dump of logdb, restored into PostgreSQL, gives
// the same constraints.
func TestForeignKeysPsqlAndDump(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	schema := `CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p ON DELETE CASCADE, code text, FOREIGN KEY (code) REFERENCES p(code) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "Weird Child" (id int, "P Id" int CONSTRAINT "Odd FK" REFERENCES p MATCH FULL ON UPDATE SET NULL);
CREATE TABLE tree (id int PRIMARY KEY, up int REFERENCES tree ON DELETE SET NULL (up));
INSERT INTO p VALUES (1, 'a'), (2, 'b');
INSERT INTO c VALUES (1, 1, 'a'), (2, 2, NULL);
INSERT INTO tree VALUES (1, NULL), (2, 1);
CREATE TABLE np (id int PRIMARY KEY);
CREATE TABLE nc (id int, pid int);
INSERT INTO nc VALUES (1, 99);
ALTER TABLE nc ADD FOREIGN KEY (pid) REFERENCES np NOT VALID`
	execOnEach(t, ctx, schema, lc)
	pgPsql := func(args ...string) string {
		return mustRunClient(t, ctx, "", "psql", append(append(pg.clientArgs("postgres"), "-X", "-v", "ON_ERROR_STOP=1"), args...)...)
	}
	logdbPsql := func(args ...string) string {
		return mustRunClient(t, ctx, "", "psql", append(append(n.clientArgs("logdb"), "-X", "-v", "ON_ERROR_STOP=1"), args...)...)
	}
	// pg_dump of logdb, restored into a fresh PostgreSQL database
	script := mustDump(t, ctx, n.clientArgs("logdb")...)
	for _, want := range []string{
		"ALTER TABLE ONLY public.c\n    ADD CONSTRAINT c_p_id_fkey FOREIGN KEY (p_id) REFERENCES public.p(id) ON DELETE CASCADE;",
		"ADD CONSTRAINT nc_pid_fkey FOREIGN KEY (pid) REFERENCES public.np(id) NOT VALID;",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("pg_dump output lacks %q", want)
		}
	}
	mustExec(t, ctx, pc, "CREATE DATABASE restored")
	mustExec(t, ctx, pc, "CREATE ROLE logdb") // the dump's owner
	mustLoadScript(t, ctx, "restoring logdb's dump into PostgreSQL", script, pg.clientArgs("restored"))
	const defs = "SELECT conrelid::regclass, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint WHERE contype = 'f' ORDER BY conname"
	if got, want := logdbPsql("-At", "-c", defs), pgPsql("-At", "-d", "restored", "-c", defs); got != want || !strings.Contains(want, "Odd FK") {
		t.Errorf("foreign keys after restoring logdb's dump into PostgreSQL:\n%s\nlogdb has:\n%s", want, got)
	}
	// \d on both, the restored PostgreSQL database being the reference
	for _, meta := range []string{`\d c`, `\d p`, `\d "Weird Child"`, `\d tree`, `\d nc`, `\d np`} {
		got, want := logdbPsql("-c", meta), pgPsql("-d", "restored", "-c", meta)
		if got != want {
			t.Errorf("%s:\nlogdb:\n%s\nPostgreSQL:\n%s", meta, got, want)
		}
	}
}

// TestForeignKeyRaces: sessions on different nodes of a three-node cluster
// race a child insert against the delete of its parent, each in its own
// transaction with both snapshots taken before either commits: never do
// both commit, and no child is left without its parent. Then ON DELETE
// CASCADE deletes race inserts of new children: every child of a deleted
// parent is gone.
func TestForeignKeyRaces(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 300*time.Second)
	cl := mustStartCluster(t, 3)
	conn := func(id uint64) *pgx.Conn {
		c, err := cl.connect(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	a, b := conn(1), conn(2)
	// fr_c has no index on its key (the parent's delete scans its rows),
	// fr_ci has one (it scans the index range).
	for _, q := range []string{
		"CREATE TABLE fr_p (id int PRIMARY KEY)",
		"CREATE TABLE fr_c (id serial PRIMARY KEY, p_id int NOT NULL REFERENCES fr_p)",
		"CREATE TABLE fr_ci (id serial PRIMARY KEY, p_id int NOT NULL REFERENCES fr_p)",
		"CREATE INDEX fr_ci_p ON fr_ci (p_id)",
		"CREATE TABLE fr_cp (id int PRIMARY KEY)",
		"CREATE TABLE fr_cc (id serial PRIMARY KEY, p_id int NOT NULL REFERENCES fr_cp ON DELETE CASCADE)",
	} {
		mustExec(t, ctx, a, q)
	}
	// The DDL must have reached node 2 before it plans.
	cl.mustConverge(ctx, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'")

	const rounds = 60
	outcomes := map[string]int{}
	for r := 0; r < rounds; r++ {
		child := "fr_c"
		if r%2 == 1 {
			child = "fr_ci"
		}
		mustExec(t, ctx, a, "INSERT INTO fr_p VALUES ($1)", r)
		// Both transactions read before either commits.
		txA, err := a.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		txB, err := beginWhenVisible(ctx, b, "SELECT count(*) FROM fr_p WHERE id = $1", r)
		if err != nil {
			t.Fatal(err)
		}
		_, errA := txA.Exec(ctx, "INSERT INTO "+child+" (p_id) VALUES ($1)", r)
		_, errB := txB.Exec(ctx, "DELETE FROM fr_p WHERE id = $1", r)
		if errA != nil || errB != nil {
			t.Fatalf("round %d: statements before commit: insert %v, delete %v", r, errA, errB)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); errA = txA.Commit(ctx) }()
		go func() { defer wg.Done(); errB = txB.Commit(ctx) }()
		wg.Wait()
		switch {
		case errA == nil && errB == nil:
			t.Errorf("round %d: the child insert and the parent delete both committed", r)
		case errA == nil:
			wantCode(t, errB, "40001", fmt.Sprintf("round %d: the parent delete", r))
			outcomes["insert won"]++
		case errB == nil:
			wantCode(t, errA, "40001", fmt.Sprintf("round %d: the child insert", r))
			outcomes["delete won"]++
		default:
			outcomes["both failed"]++
		}
	}
	t.Logf("%d rounds: %v", rounds, outcomes)
	orphans := "SELECT count(*) FROM (SELECT p_id FROM fr_c UNION ALL SELECT p_id FROM fr_ci) c WHERE NOT EXISTS (SELECT 1 FROM fr_p WHERE fr_p.id = c.p_id)"
	if got := cl.mustConverge(ctx, orphans); got != "0" {
		t.Errorf("orphaned children: %s", got)
	}

	// Cascades under concurrent inserts: writers on nodes 2 and 3 insert
	// children of random live parents while node 1 deletes parents.
	const parents = 40
	mustExec(t, ctx, a, "INSERT INTO fr_cp SELECT g FROM generate_series(1, $1) g", parents)
	cl.mustConverge(ctx, "SELECT count(*) FROM fr_cp")
	done := make(chan struct{})
	var inserted, refused sync.Map
	var wg sync.WaitGroup
	for w, id := range []uint64{2, 3} {
		c := conn(id)
		wg.Add(1)
		go func(w int, c *pgx.Conn) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				p := 1 + (i*7+w*13)%parents
				_, err := c.Exec(ctx, "INSERT INTO fr_cc (p_id) VALUES ($1)", p)
				switch sqlState(err) {
				case "":
					inserted.Store(fmt.Sprint(w, i), p)
				case "23503", "40001":
					refused.Store(fmt.Sprint(w, i), p)
				default:
					t.Errorf("insert of a child of %d: %v", p, err)
					return
				}
			}
		}(w, c)
	}
	for p := 1; p <= parents; p += 2 {
		if _, err := a.Exec(ctx, "DELETE FROM fr_cp WHERE id = $1", p); err != nil {
			t.Errorf("delete of parent %d: %v", p, err)
		}
	}
	close(done)
	wg.Wait()
	n := 0
	inserted.Range(func(any, any) bool { n++; return true })
	t.Logf("cascade phase: %d children inserted", n)
	if got := cl.mustConverge(ctx, "SELECT count(*) FROM fr_cc WHERE p_id % 2 = 1"); got != "0" {
		t.Errorf("children of deleted parents left after the cascades: %s", got)
	}
	if got := cl.mustConverge(ctx, "SELECT count(*) FROM fr_cc c WHERE NOT EXISTS (SELECT 1 FROM fr_cp p WHERE p.id = c.p_id)"); got != "0" {
		t.Errorf("orphaned children after the cascades: %s", got)
	}
}

// beginWhenVisible begins a transaction on c once query (a count) is
// positive in its snapshot: a row another node committed has arrived.
func beginWhenVisible(ctx context.Context, c *pgx.Conn, query string, args ...any) (pgx.Tx, error) {
	for {
		tx, err := c.Begin(ctx)
		if err != nil {
			return nil, err
		}
		var n int64
		if err := tx.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			tx.Rollback(ctx)
			return nil, err
		}
		if n > 0 {
			return tx, nil
		}
		tx.Rollback(ctx)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}
