package test

import (
	"strings"
	"testing"
	"time"
)

// TestRoles: CREATE / ALTER / DROP ROLE, membership, SET ROLE and the role
// catalogs, with PostgreSQL 15's messages and SQLSTATEs: passwords are
// stored as SCRAM-SHA-256 verifiers (an already hashed one as given), a
// role that owns a table cannot be dropped, only superusers read
// pg_authid, and a role without CREATEROLE can neither create roles nor
// make itself superuser.
func TestRoles(t *testing.T) {
	t.Parallel()
	n := mustStartNode(t, t.TempDir())
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)

	mustExec(t, ctx, c, "CREATE ROLE r1 LOGIN PASSWORD 'secret' CONNECTION LIMIT 2 VALID UNTIL '2030-01-01 00:00:00+00'")
	mustExec(t, ctx, c, "CREATE USER u2 IN ROLE r1")
	_, err := c.Exec(ctx, "CREATE ROLE r1")
	wantCode(t, err, "42710", "CREATE ROLE of an existing role")
	_, err = c.Exec(ctx, "ALTER ROLE nosuch LOGIN")
	wantCode(t, err, "42704", "ALTER ROLE of a missing role")
	mustExec(t, ctx, c, "DROP ROLE IF EXISTS nosuch")
	_, err = c.Exec(ctx, "DROP ROLE logdb")
	wantCode(t, err, "55006", "DROP ROLE of the current user")
	_, err = c.Exec(ctx, "CREATE ROLE pg_x")
	wantCode(t, err, "42939", "CREATE ROLE pg_…")

	checkQuery(t, ctx, c, "r1|f|t|t|2|2030-01-01 00:00:00+00|********",
		"SELECT rolname, rolsuper, rolinherit, rolcanlogin, rolconnlimit, rolvaliduntil::text, rolpassword FROM pg_roles WHERE rolname = 'r1'")
	var verifier string
	if err := c.QueryRow(ctx, "SELECT rolpassword FROM pg_authid WHERE rolname = 'r1'").Scan(&verifier); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(verifier, "SCRAM-SHA-256$4096:") || strings.Contains(verifier, "secret") {
		t.Errorf("stored password %q, want a SCRAM-SHA-256 verifier", verifier)
	}
	mustExec(t, ctx, c, "CREATE ROLE r5 PASSWORD '"+verifier+"'")
	checkQuery(t, ctx, c, "t", "SELECT rolpassword = $1 FROM pg_authid WHERE rolname = 'r5'", verifier)
	checkQuery(t, ctx, c, "r1|u2|f", `SELECT r.rolname, m.rolname, admin_option FROM pg_auth_members a
		JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member`)
	out := psql(t, n, `\du u2`)
	if !strings.Contains(out, "u2||{r1}") {
		t.Errorf(`\du u2: %q`, out)
	}

	// Ownership: the creator owns; a role owning something stays.
	mustExec(t, ctx, c, "CREATE TABLE owned (a int)")
	checkQuery(t, ctx, c, "logdb", "SELECT tableowner FROM pg_tables WHERE tablename = 'owned'")
	mustExec(t, ctx, c, "ALTER TABLE owned OWNER TO r1")
	checkQuery(t, ctx, c, "r1", "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'owned'")
	_, err = c.Exec(ctx, "DROP ROLE r1")
	wantCode(t, err, "2BP01", "DROP ROLE of a table's owner")

	mustExec(t, ctx, c, "SET ROLE u2")
	checkQuery(t, ctx, c, "u2|logdb|off", "SELECT current_user, session_user, current_setting('is_superuser')")
	for _, q := range []string{"CREATE ROLE x", "SELECT * FROM pg_authid", "ALTER ROLE u2 SUPERUSER"} {
		_, err = c.Exec(ctx, q)
		wantCode(t, err, "42501", q+" as u2")
	}
	mustExec(t, ctx, c, "ALTER ROLE u2 PASSWORD 'mine'") // one's own password
	mustExec(t, ctx, c, "RESET ROLE")
	checkQuery(t, ctx, c, "logdb", "SELECT current_user")

	mustExec(t, ctx, c, "REVOKE r1 FROM u2")
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM pg_auth_members")
	mustExec(t, ctx, c, "ALTER ROLE r1 RENAME TO r3")
	mustExec(t, ctx, c, "ALTER ROLE r3 SET statement_timeout = '1s'")
	checkQuery(t, ctx, c, "{statement_timeout=1s}|r3", "SELECT rolconfig::text, pg_get_userbyid(relowner) FROM pg_roles, pg_class WHERE rolname = 'r3' AND relname = 'owned'")
	mustExec(t, ctx, c, "DROP TABLE owned")
	mustExec(t, ctx, c, "DROP ROLE r3, u2")
	checkQuery(t, ctx, c, "logdb\npostgres\nr5", "SELECT rolname FROM pg_authid WHERE rolname <> 'pg_database_owner' ORDER BY 1")

	// Roles are catalog state: they survive a restart.
	n.Stop(t)
	n.Restart(t)
	c = mustConnect(t, n)
	checkQuery(t, ctx, c, "t", "SELECT rolpassword = $1 FROM pg_authid WHERE rolname = 'r5'", verifier)
}

// TestRoleSettings: ALTER ROLE … SET gives a role's sessions their
// defaults (startup options still win), statement_timeout among them
// (57014), and is_superuser tells a session whether its role is one.
func TestRoleSettings(t *testing.T) {
	t.Parallel()
	n := mustStartNode(t, t.TempDir())
	ctx := testCtx(t, 60*time.Second)
	admin := mustConnect(t, n)
	mustExec(t, ctx, admin, "CREATE ROLE app LOGIN")
	mustExec(t, ctx, admin, "ALTER ROLE app SET statement_timeout = '50ms'")
	mustExec(t, ctx, admin, "ALTER ROLE app SET application_name = 'from-role'")
	_, err := admin.Exec(ctx, "ALTER ROLE app SET statement_timeout = 'soon'")
	wantCode(t, err, "22023", "ALTER ROLE SET of an invalid value")

	cfg := n.connConfig(nil)
	cfg.User = "app"
	cfg.RuntimeParams["application_name"] = "from-startup"
	c := mustConnectConfig(t, cfg)
	checkQuery(t, ctx, c, "50ms|from-startup|off", "SELECT current_setting('statement_timeout'), current_setting('application_name'), current_setting('is_superuser')")
	_, err = c.Exec(ctx, "SELECT count(*) FROM generate_series(1, 100000000)")
	wantCode(t, err, "57014", "a statement past the role's statement_timeout")
	checkQuery(t, ctx, admin, "on", "SHOW is_superuser")

	mustExec(t, ctx, admin, "ALTER ROLE app RESET statement_timeout")
	c2 := mustConnectConfig(t, cfg)
	checkQuery(t, ctx, c2, "0", "SHOW statement_timeout")
}
