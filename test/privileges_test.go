package test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// roleConn connects to n as user (loopback is trusted without --hba-file).
func roleConn(t *testing.T, n *Node, user, password string) *pgx.Conn {
	t.Helper()
	cfg := n.connConfig(nil)
	cfg.User, cfg.Password = user, password
	return mustConnectConfig(t, cfg)
}

// TestReaderRole: a role granted SELECT can read a table and nothing
// more: no INSERT, UPDATE, DELETE, TRUNCATE, DROP or ALTER of it, no
// CREATE in public (PostgreSQL 15's default), no pg_authid, no making
// itself superuser, no SUBSCRIBE to a table it cannot SELECT nor to
// messages, no slot functions; ownership, relacl, \dp and
// has_table_privilege show the grants, and a REVOKE holds at once.
func TestReaderRole(t *testing.T) {
	t.Parallel()
	n := mustStartNode(t, t.TempDir())
	ctx := testCtx(t, 60*time.Second)
	admin := mustConnect(t, n)
	for _, q := range []string{
		"CREATE TABLE pub (id int PRIMARY KEY, v text)", "CREATE TABLE secret (id int PRIMARY KEY)",
		"INSERT INTO pub VALUES (1, 'a')", "CREATE ROLE reader LOGIN", "GRANT SELECT ON pub TO reader",
	} {
		mustExec(t, ctx, admin, q)
	}
	checkQuery(t, ctx, admin, "{logdb=arwdDxt/logdb,reader=r/logdb}", "SELECT relacl::text FROM pg_class WHERE relname = 'pub'")
	checkPsql(t, n, "public|pub|table|logdb=arwdDxt/logdb\nreader=r/logdb||", `\dp pub`)

	r := roleConn(t, n, "reader", "")
	checkQuery(t, ctx, r, "1|a", "SELECT * FROM pub")
	checkQuery(t, ctx, r, "t|f|f|t|f", `SELECT has_table_privilege('pub', 'SELECT'), has_table_privilege('pub', 'INSERT'),
		has_table_privilege('secret', 'SELECT'), has_schema_privilege('public', 'USAGE'), has_schema_privilege('public', 'CREATE')`)
	for _, tc := range []struct{ sql, code string }{
		{"INSERT INTO pub VALUES (2, 'b')", "42501"},
		{"UPDATE pub SET v = 'x'", "42501"},
		{"DELETE FROM pub", "42501"},
		{"TRUNCATE pub", "42501"},
		{"DROP TABLE pub", "42501"},
		{"ALTER TABLE pub ADD COLUMN z int", "42501"},
		{"SELECT * FROM secret", "42501"},
		{"CREATE TABLE mine (a int)", "42501"},
		{"SELECT * FROM pg_authid", "42501"},
		{"ALTER ROLE reader SUPERUSER", "42501"},
		{"CREATE ROLE other", "42501"},
		{"GRANT SELECT ON secret TO reader", "42501"},
		{"SELECT pg_create_logical_replication_slot('s', 'pgoutput')", "42501"},
	} {
		_, err := r.Exec(ctx, tc.sql)
		wantCode(t, err, tc.code, "reader: "+tc.sql)
	}
	for _, sub := range []string{"SUBSCRIBE secret", "SUBSCRIBE MESSAGES"} {
		tx, err := r.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(ctx, "DECLARE f CURSOR FOR "+sub)
		wantCode(t, err, "42501", "reader: DECLARE … CURSOR FOR "+sub)
		tx.Rollback(ctx)
	}
	tx, err := r.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "DECLARE f CURSOR FOR SUBSCRIBE pub"); err != nil {
		t.Errorf("reader: SUBSCRIBE to a table it may SELECT: %v", err)
	}
	tx.Rollback(ctx)

	// A prepared statement planned for the reader is checked again after
	// the REVOKE; the role cannot be dropped while it holds a grant.
	if _, err := r.Prepare(ctx, "q", "SELECT count(*) FROM pub"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, ctx, admin, "REVOKE SELECT ON pub FROM reader")
	_, err = r.Exec(ctx, "q")
	wantCode(t, err, "42501", "reader: prepared SELECT after REVOKE")
	mustExec(t, ctx, admin, "GRANT CREATE ON SCHEMA public TO reader")
	mustExec(t, ctx, r, "CREATE TABLE mine (a int)")
	checkQuery(t, ctx, admin, "reader", "SELECT tableowner FROM pg_tables WHERE tablename = 'mine'")
	mustExec(t, ctx, r, "DROP TABLE mine")
	_, err = admin.Exec(ctx, "DROP ROLE reader")
	wantCode(t, err, "2BP01", "DROP ROLE of a role holding a privilege")
}

// TestClusterPrivileges: on a three-node cluster whose nodes ask for
// SCRAM even on loopback (--hba-file), a REVOKE and an ALTER ROLE …
// PASSWORD made through one node hold at once on the other two, and a
// role that is not superuser cannot call the cluster functions.
func TestClusterPrivileges(t *testing.T) {
	hba := filepath.Join(t.TempDir(), "pg_hba.conf")
	writeFile(t, hba, "host all logdb 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
	c := mustStartCluster(t, 3, "--hba-file", hba)
	ctx := testCtx(t, 120*time.Second)
	admin := mustConnect(t, c.Nodes[1])
	for _, q := range []string{
		"CREATE TABLE shared (id int PRIMARY KEY)", "INSERT INTO shared VALUES (1)",
		"CREATE ROLE reader LOGIN PASSWORD 'one'", "GRANT SELECT ON shared TO reader",
	} {
		mustExec(t, ctx, admin, q)
	}
	readers := map[uint64]*pgx.Conn{}
	for _, id := range []uint64{2, 3} {
		readers[id] = roleConn(t, c.Nodes[id], "reader", "one")
		checkQuery(t, ctx, readers[id], "1", "SELECT count(*) FROM shared")
		for _, q := range []string{"SELECT logdb_remove_node(2)", "SELECT logdb_add_node(9, '127.0.0.1:1')"} {
			_, err := readers[id].Exec(ctx, q)
			wantCode(t, err, "42501", fmt.Sprintf("reader on node %d: %s", id, q))
		}
	}

	mustExec(t, ctx, admin, "REVOKE SELECT ON shared FROM reader")
	for id, r := range readers {
		_, err := r.Exec(ctx, "SELECT count(*) FROM shared")
		wantCode(t, err, "42501", fmt.Sprintf("reader on node %d right after REVOKE on node 1", id))
	}

	mustExec(t, ctx, admin, "ALTER ROLE reader PASSWORD 'two'")
	for _, id := range []uint64{2, 3} {
		cfg := c.Nodes[id].connConfig(nil)
		cfg.User, cfg.Password = "reader", "one"
		_, err := connectErr(ctx, cfg)
		wantCode(t, err, "28P01", fmt.Sprintf("old password on node %d right after ALTER ROLE on node 1", id))
		cfg.Password = "two"
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatalf("new password on node %d right after ALTER ROLE on node 1: %v", id, err)
		}
		conn.Close(context.Background())
	}
}
