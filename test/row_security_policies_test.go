package test

import (
	"strings"
	"testing"
	"time"
)

// TestRowSecurityPoliciesMatchesPostgres: CREATE/ALTER/DROP POLICY and
// their enforcement (permissive and restrictive, per command and role,
// current_user and current_setting, row_security, FORCE, ON CONFLICT,
// RETURNING), pg_policy and pg_policies, compared with PostgreSQL 15.
func TestRowSecurityPoliciesMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 120*time.Second)

	execOnEach(t, ctx, `CREATE ROLE rlsp_owner;
CREATE ROLE rlsp_a;
CREATE ROLE rlsp_b;
CREATE ROLE rlsp_grp;
GRANT rlsp_grp TO rlsp_b;
CREATE TABLE rlsp_docs (id int PRIMARY KEY, owner name, tenant text, n int);
ALTER TABLE rlsp_docs OWNER TO rlsp_owner;
GRANT ALL ON rlsp_docs TO rlsp_a, rlsp_b;
INSERT INTO rlsp_docs VALUES (1, 'rlsp_a', 't1', 1), (2, 'rlsp_a', 't2', 2), (3, 'rlsp_b', 't1', 3), (4, 'rlsp_b', 't2', 4), (5, 'nobody', 't1', 5);
ALTER TABLE rlsp_docs ENABLE ROW LEVEL SECURITY`, pc, lc)
	matchPostgres(t, ctx, pc, lc,
		// DDL and its errors
		`CREATE POLICY own ON rlsp_docs USING (owner = current_user)`,
		`CREATE POLICY own ON rlsp_docs USING (true)`,
		`CREATE POLICY tenant_read ON rlsp_docs FOR SELECT TO rlsp_grp USING (tenant = current_setting('app.tenant', true))`,
		`CREATE POLICY small ON rlsp_docs AS RESTRICTIVE FOR INSERT TO rlsp_a, rlsp_b WITH CHECK (n < 100)`,
		`CREATE POLICY bad ON rlsp_docs FOR INSERT USING (true)`,
		`CREATE POLICY bad ON rlsp_docs FOR SELECT WITH CHECK (true)`,
		`CREATE POLICY bad ON rlsp_docs FOR DELETE WITH CHECK (true)`,
		`CREATE POLICY bad ON rlsp_docs TO rlsp_nosuch USING (true)`,
		`CREATE POLICY bad ON rlsp_docs USING (nosuch > 0)`,
		`CREATE POLICY bad ON rlsp_docs USING (n)`,
		`CREATE POLICY bad ON rlsp_docs USING (count(*) > 0)`,
		`CREATE POLICY bad ON rlsp_nosuch USING (true)`,
		`CREATE POLICY tmp ON rlsp_docs FOR DELETE TO PUBLIC USING (n > 1)`,
		`ALTER POLICY tmp ON rlsp_docs RENAME TO own`,
		`ALTER POLICY tmp ON rlsp_docs RENAME TO tmp2`,
		`ALTER POLICY nosuch ON rlsp_docs USING (true)`,
		`ALTER POLICY tmp2 ON rlsp_docs WITH CHECK (true)`,
		`ALTER POLICY tmp2 ON rlsp_docs TO rlsp_a USING (n > 2)`,
		`SELECT polname, polcmd, polpermissive, polqual IS NOT NULL, polwithcheck IS NOT NULL, cardinality(polroles) FROM pg_policy WHERE polrelid = 'rlsp_docs'::regclass ORDER BY 1`,
		`SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies WHERE tablename = 'rlsp_docs' AND policyname IN ('own', 'small', 'tmp2') ORDER BY 1`,
		`SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polname = 'tmp2'`,
		`DROP POLICY tmp2 ON rlsp_docs`,
		`DROP POLICY tmp2 ON rlsp_docs`,
		`DROP POLICY IF EXISTS tmp2 ON rlsp_docs`,
		`SELECT count(*) FROM pg_policies WHERE tablename = 'rlsp_docs'`,
		// the owner bypasses them; others read what USING lets through
		`SELECT id FROM rlsp_docs ORDER BY id`,
		`SET ROLE rlsp_a`,
		`CREATE POLICY mine ON rlsp_docs USING (true)`,
		`SELECT id, owner FROM rlsp_docs ORDER BY id`,
		`SELECT id FROM rlsp_docs WHERE id = 3`,
		`SELECT count(*) FROM rlsp_docs r1 JOIN rlsp_docs r2 ON r1.id = r2.id`,
		`UPDATE rlsp_docs SET n = n + 10 RETURNING id, n`,
		`UPDATE rlsp_docs SET owner = 'rlsp_b' WHERE id = 1`,
		`DELETE FROM rlsp_docs WHERE id = 3`,
		`UPDATE rlsp_docs d SET n = d.n + v.k FROM (VALUES (1, 100), (3, 100)) v(id, k) WHERE d.id = v.id RETURNING d.id, d.n`,
		`DELETE FROM rlsp_docs d USING (VALUES (3), (4)) v(id) WHERE d.id = v.id`,
		`INSERT INTO rlsp_docs VALUES (10, 'rlsp_a', 't1', 10) RETURNING id`,
		`INSERT INTO rlsp_docs VALUES (11, 'rlsp_b', 't1', 11)`,
		`INSERT INTO rlsp_docs VALUES (12, 'rlsp_a', 't1', 500)`,
		`INSERT INTO rlsp_docs VALUES (1, 'rlsp_a', 't1', 1) ON CONFLICT (id) DO UPDATE SET n = excluded.n`,
		`INSERT INTO rlsp_docs VALUES (3, 'rlsp_a', 't1', 1) ON CONFLICT (id) DO UPDATE SET n = excluded.n`,
		`INSERT INTO rlsp_docs VALUES (3, 'rlsp_a', 't1', 1) ON CONFLICT (id) DO NOTHING`,
		`SET row_security = off`,
		`SELECT count(*) FROM rlsp_docs`,
		`RESET row_security`,
		// MERGE: the target's rows under SELECT's policies, UPDATE's and
		// DELETE's USING on the rows it changes, WITH CHECK on new ones
		`MERGE INTO rlsp_docs d USING (VALUES (1, 50), (30, 70)) s(id, n) ON d.id = s.id
		   WHEN MATCHED THEN UPDATE SET n = s.n WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'rlsp_a', 't1', s.n)`,
		`MERGE INTO rlsp_docs d USING (VALUES (3, 1)) s(id, n) ON d.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'rlsp_a', 't1', s.n)`,
		`MERGE INTO rlsp_docs d USING (VALUES (31, 1)) s(id, n) ON d.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'rlsp_b', 't1', s.n)`,
		`MERGE INTO rlsp_docs d USING (VALUES (1, 1)) s(id, n) ON d.id = s.id WHEN MATCHED THEN UPDATE SET owner = 'rlsp_b'`,
		`MERGE INTO rlsp_docs d USING (VALUES (30, 1)) s(id, n) ON d.id = s.id WHEN MATCHED THEN DELETE`,
		`RESET ROLE`,
		`CREATE POLICY upd_small ON rlsp_docs AS RESTRICTIVE FOR UPDATE USING (n < 40)`,
		`SET ROLE rlsp_a`,
		`MERGE INTO rlsp_docs d USING (VALUES (1, 1)) s(id, n) ON d.id = s.id WHEN MATCHED THEN UPDATE SET n = s.n`,
		`UPDATE rlsp_docs SET n = 1 WHERE id = 1`,
		`RESET ROLE`,
		`DROP POLICY upd_small ON rlsp_docs`,
		`SET ROLE rlsp_a`,
		`SELECT id, n FROM rlsp_docs ORDER BY id`,
		`RESET ROLE`,
		// a prepared statement is planned again for another role or
		// row_security; COPY TO, cursors and WITH read through the policies
		`PREPARE rlsp_q AS SELECT count(*) FROM rlsp_docs`,
		`EXECUTE rlsp_q`,
		`SET ROLE rlsp_a`,
		`EXECUTE rlsp_q`,
		`SET row_security = off`,
		`EXECUTE rlsp_q`,
		`RESET row_security`,
		`EXECUTE rlsp_q`,
		`COPY rlsp_docs (id) TO STDOUT`,
		`WITH u AS (UPDATE rlsp_docs SET n = n + 1 RETURNING id) SELECT count(*) FROM u`,
		`BEGIN`,
		`DECLARE rlsp_c CURSOR FOR SELECT id FROM rlsp_docs ORDER BY id`,
		`FETCH ALL FROM rlsp_c`,
		`COMMIT`,
		`RESET ROLE`,
		`DEALLOCATE rlsp_q`,
		// a member of rlsp_grp also reads its tenant's rows
		`SET ROLE rlsp_b`,
		`SELECT id FROM rlsp_docs ORDER BY id`,
		`SET app.tenant = 't1'`,
		`SELECT id FROM rlsp_docs ORDER BY id`,
		`UPDATE rlsp_docs SET n = 0 WHERE id = 1`,
		`SELECT id FROM rlsp_docs WHERE n > 100 FOR UPDATE`,
		`RESET app.tenant`,
		`RESET ROLE`,
		// a view reads under its owner's row level security
		`CREATE VIEW rlsp_v AS SELECT id, owner FROM rlsp_docs`,
		`GRANT SELECT ON rlsp_v TO rlsp_a`,
		`SET ROLE rlsp_a`,
		`SELECT id FROM rlsp_v ORDER BY id`,
		`RESET ROLE`,
		`ALTER VIEW rlsp_v OWNER TO rlsp_b`,
		`SET ROLE rlsp_a`,
		`SET app.tenant = 't2'`,
		`SELECT id, owner FROM rlsp_v ORDER BY id`,
		`RESET app.tenant`,
		`RESET ROLE`,
		`DROP VIEW rlsp_v`,
		// FORCE holds the owner to them too
		`SET ROLE rlsp_owner`,
		`ALTER TABLE rlsp_docs FORCE ROW LEVEL SECURITY`,
		`SELECT id FROM rlsp_docs ORDER BY id`,
		`SET row_security = off`,
		`SELECT id FROM rlsp_docs ORDER BY id`,
		`RESET row_security`,
		`ALTER TABLE rlsp_docs NO FORCE ROW LEVEL SECURITY`,
		`RESET ROLE`,
		// renaming a column keeps the policies working
		`ALTER TABLE rlsp_docs RENAME COLUMN owner TO author`,
		`SELECT qual FROM pg_policies WHERE policyname = 'own'`,
		`ALTER TABLE rlsp_docs ALTER COLUMN author TYPE text`,
		`ALTER TABLE rlsp_docs DROP COLUMN author`,
		`CREATE POLICY gone ON rlsp_docs FOR DELETE USING (n > 1000)`,
		`ALTER TABLE rlsp_docs ADD COLUMN extra int`,
		`CREATE POLICY gone2 ON rlsp_docs FOR DELETE USING (extra > 0)`,
		`ALTER TABLE rlsp_docs DROP COLUMN extra CASCADE`,
		`SELECT policyname FROM pg_policies WHERE tablename = 'rlsp_docs' ORDER BY 1`,
		`CREATE POLICY qual ON rlsp_docs FOR SELECT USING (rlsp_docs.n > 900)`,
		`ALTER TABLE rlsp_docs RENAME TO rlsp_docs2`,
		`SET ROLE rlsp_a`,
		`SELECT id FROM rlsp_docs2 ORDER BY id`,
		`RESET ROLE`,
		`SELECT qual FROM pg_policies WHERE policyname = 'qual'`,
		`ALTER TABLE rlsp_docs2 RENAME TO rlsp_docs`,
		`DROP POLICY qual ON rlsp_docs`,
		// a policy's role cannot be dropped
		`DROP ROLE rlsp_grp`,
		// sub-queries in policies, over a table with its own policies
		`CREATE TABLE rlsp_acl (tenant text, member name)`,
		`GRANT SELECT ON rlsp_acl TO rlsp_a, rlsp_b`,
		`INSERT INTO rlsp_acl VALUES ('t2', 'rlsp_a'), ('t1', 'rlsp_b')`,
		`CREATE POLICY by_acl ON rlsp_docs FOR SELECT USING (tenant IN (SELECT tenant FROM rlsp_acl WHERE member = current_user))`,
		`SET ROLE rlsp_a`,
		`SELECT id FROM rlsp_docs ORDER BY id`,
		`UPDATE rlsp_docs SET n = 7`,
		`SELECT id, n FROM rlsp_docs ORDER BY id`,
		`DELETE FROM rlsp_docs`,
		`SELECT id FROM rlsp_docs ORDER BY id`,
		`RESET ROLE`,
		`ALTER TABLE rlsp_acl ENABLE ROW LEVEL SECURITY`,
		`SET ROLE rlsp_a`,
		`SELECT id FROM rlsp_docs ORDER BY id`,
		`RESET ROLE`,
		`CREATE POLICY back ON rlsp_acl USING (EXISTS (SELECT 1 FROM rlsp_docs d WHERE d.tenant = rlsp_acl.tenant))`,
		`SET ROLE rlsp_a`,
		`SELECT id FROM rlsp_docs ORDER BY id`,
		`RESET ROLE`,
		`DROP TABLE rlsp_docs`,
		`DROP TABLE rlsp_docs CASCADE`,
		`SELECT count(*) FROM pg_policy WHERE polrelid = 'rlsp_acl'::regclass`,
		`DROP TABLE rlsp_acl`,
		`CREATE SCHEMA rlsp_s`,
		`CREATE TABLE rlsp_s.src (id int)`,
		`CREATE TABLE rlsp_x (id int)`,
		`CREATE POLICY px ON rlsp_x USING (id IN (SELECT id FROM rlsp_s.src))`,
		`DROP SCHEMA rlsp_s`,
		`DROP SCHEMA rlsp_s CASCADE`,
		`DROP TABLE rlsp_x`,
		`SELECT count(*) FROM pg_policy WHERE polname = 'px'`, // (other tests' policies live on the shared node)
	)
}

// TestRowSecurityPoliciesPsqlAndDump: pg_dump of logdb's policies
// restores into PostgreSQL 15 as the same policies, and psql's \d and \dp
// print them as PostgreSQL's do for the restored tables.
func TestRowSecurityPoliciesPsqlAndDump(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	execOnEach(t, ctx, `CREATE ROLE rlsd_a;
CREATE TABLE docs (id int PRIMARY KEY, owner name, n int);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON docs USING (owner = current_user);
CREATE POLICY small ON docs AS RESTRICTIVE FOR INSERT TO rlsd_a WITH CHECK (n < 100);
CREATE POLICY "Upd" ON docs FOR UPDATE TO rlsd_a, CURRENT_USER USING (n > 0) WITH CHECK (n > 1)`, lc)
	pgPsql := func(args ...string) string {
		return mustRunClient(t, ctx, "", "psql", append(append(pg.clientArgs("restored"), "-X", "-v", "ON_ERROR_STOP=1"), args...)...)
	}
	logdbPsql := func(args ...string) string {
		return mustRunClient(t, ctx, "", "psql", append(append(n.clientArgs("logdb"), "-X", "-v", "ON_ERROR_STOP=1"), args...)...)
	}
	script := mustDump(t, ctx, n.clientArgs("logdb")...)
	if want := "CREATE POLICY small ON public.docs AS RESTRICTIVE FOR INSERT TO rlsd_a WITH CHECK ((n < 100));"; !strings.Contains(script, want) {
		t.Errorf("pg_dump output lacks %q", want)
	}
	mustExec(t, ctx, pc, "CREATE DATABASE restored")
	mustExec(t, ctx, pc, "CREATE ROLE logdb")
	mustExec(t, ctx, pc, "CREATE ROLE rlsd_a")
	mustLoadScript(t, ctx, "restoring logdb's dump into PostgreSQL", script, pg.clientArgs("restored"))
	const q = "SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies ORDER BY 1"
	if got, want := logdbPsql("-At", "-c", q), pgPsql("-At", "-c", q); got != want {
		t.Errorf("pg_policies:\nlogdb:\n%s\nPostgreSQL (restored):\n%s", got, want)
	}
	for _, meta := range []string{`\d docs`, `\dp docs`} {
		if got, want := logdbPsql("-c", meta), pgPsql("-c", meta); got != want {
			t.Errorf("%s:\nlogdb:\n%s\nPostgreSQL:\n%s", meta, got, want)
		}
	}
}

// TestRowSecurityPolicyErrorsMatchPostgres: the messages of policy
// DDL's errors and of the checks' failures are PostgreSQL's, word for
// word, and a policy's sub-query reads its table without the querying
// role's privilege on it, as PostgreSQL's does.
func TestRowSecurityPolicyErrorsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 120*time.Second)
	execOnEach(t, ctx, `CREATE ROLE rlse_a;
CREATE TABLE rlse_t (id int PRIMARY KEY, owner name, n int);
CREATE TABLE rlse_o (id int);
GRANT ALL ON rlse_t TO rlse_a;
INSERT INTO rlse_t VALUES (1, 'rlse_a', 1), (2, 'x', 2);
ALTER TABLE rlse_t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON rlse_t USING (owner = current_user);
CREATE POLICY r ON rlse_t AS RESTRICTIVE USING (n < 100);
CREATE POLICY dep ON rlse_t FOR SELECT USING (id IN (SELECT id FROM rlse_o))`, pc, lc)
	for _, q := range []string{
		`CREATE POLICY p ON rlse_t USING (true)`,
		`CREATE POLICY b ON rlse_t FOR INSERT USING (true)`,
		`CREATE POLICY b ON rlse_t FOR SELECT WITH CHECK (true)`,
		`CREATE POLICY b ON rlse_t USING (n)`,
		`CREATE POLICY b ON rlse_t USING (count(*) > 0)`,
		`CREATE POLICY b ON rlse_t TO public, rlse_a USING (true)`,
		`DROP POLICY nosuch ON rlse_t`,
		`ALTER POLICY nosuch ON rlse_t RENAME TO x`,
		`DROP ROLE rlse_a`,
		`DROP TABLE rlse_o`,
		`ALTER TABLE rlse_t DROP COLUMN n`,
		`ALTER TABLE rlse_t ALTER COLUMN n TYPE bigint`,
		`SET ROLE rlse_a`,
		`INSERT INTO rlse_t VALUES (3, 'x', 1)`,
		`INSERT INTO rlse_t VALUES (3, 'rlse_a', 500)`,
		`UPDATE rlse_t SET n = 500`,
		`INSERT INTO rlse_t VALUES (1, 'rlse_a', 1) ON CONFLICT (id) DO UPDATE SET n = 1000`,
		`MERGE INTO rlse_t d USING (VALUES (1)) s(id) ON d.id = s.id WHEN MATCHED THEN UPDATE SET n = 1000`,
		`INSERT INTO rlse_t VALUES (1, 'rlse_a', 1) ON CONFLICT (id) DO UPDATE SET n = rlse_t.n + 1000`,
		`INSERT INTO rlse_t VALUES (1, 'rlse_a', 1) ON CONFLICT (id) DO UPDATE SET n = excluded.n + 1000`,
		`INSERT INTO rlse_t VALUES (1, 'rlse_a', 1) ON CONFLICT (id) DO UPDATE SET n = 1000 RETURNING id`,
		`INSERT INTO rlse_t VALUES (1, 'rlse_a', 1) ON CONFLICT (id) DO UPDATE SET n = 1000 WHERE rlse_t.n > 0`,
		`MERGE INTO rlse_t d USING (VALUES (1)) s(id) ON true WHEN MATCHED THEN UPDATE SET n = 1000`,
		`MERGE INTO rlse_t d USING (VALUES (1)) s(id) ON d.id = s.id WHEN MATCHED THEN UPDATE SET n = d.n`,
		`SELECT 1 FROM rlse_t`,
		`UPDATE rlse_t SET n = 1 WHERE id = 1`,
		`DELETE FROM rlse_t WHERE id = 1`,
		`SET row_security = off`,
		`SELECT * FROM rlse_t`,
		`RESET row_security`,
		`CREATE POLICY x ON rlse_t USING (true)`,
		`RESET ROLE`,
		`DROP TABLE rlse_t`,
		`DROP TABLE rlse_o`,
		`DROP ROLE rlse_a`,
	} {
		_, e1 := pc.Exec(ctx, q)
		_, e2 := lc.Exec(ctx, q)
		s1, s2 := "", ""
		if e1 != nil {
			s1 = e1.Error()
		}
		if e2 != nil {
			s2 = e2.Error()
		}
		if s1 != s2 {
			t.Errorf("%s\n  PostgreSQL: %s\n  logdb:      %s", q, s1, s2)
		}
	}
}

// TestRowSecurityPartitionedMatchesPostgres: the policies of a
// partitioned table hold for every statement that names it, whatever
// partition the rows are in (reads through its leaves, new rows routed to
// them, UPDATE moving a row between partitions, ON CONFLICT); a
// partition's own policies hold only when it is named itself.
func TestRowSecurityPartitionedMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 120*time.Second)
	execOnEach(t, ctx, `CREATE ROLE rlspt_a;
CREATE TABLE rlspt (tenant text, id int, n int, PRIMARY KEY (tenant, id)) PARTITION BY LIST (tenant);
CREATE TABLE rlspt_1 PARTITION OF rlspt FOR VALUES IN ('t1');
CREATE TABLE rlspt_2 PARTITION OF rlspt FOR VALUES IN ('t2');
CREATE TABLE rlspt_d PARTITION OF rlspt DEFAULT;
INSERT INTO rlspt VALUES ('t1', 1, 10), ('t2', 2, 20), ('t3', 3, 30);
GRANT ALL ON rlspt, rlspt_1, rlspt_2, rlspt_d TO rlspt_a;
ALTER TABLE rlspt ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON rlspt USING (tenant = current_setting('app.tenant', true)) WITH CHECK (tenant = current_setting('app.tenant', true) AND n < 100)`, pc, lc)
	matchPostgres(t, ctx, pc, lc,
		`SET ROLE rlspt_a`,
		`SET app.tenant = 't1'`,
		`SELECT * FROM rlspt ORDER BY id`,
		`SELECT * FROM rlspt WHERE tenant = 't2'`,
		`SELECT count(*) FROM rlspt_2`, // the partition has no policy of its own
		`UPDATE rlspt SET n = n + 1 RETURNING *`,
		`UPDATE rlspt SET n = 0 WHERE tenant = 't2' RETURNING *`,
		`DELETE FROM rlspt WHERE id = 3 RETURNING *`,
		`INSERT INTO rlspt VALUES ('t1', 4, 40) RETURNING *`,
		`INSERT INTO rlspt VALUES ('t2', 5, 50)`,
		`INSERT INTO rlspt VALUES ('t1', 6, 500)`,
		`INSERT INTO rlspt VALUES ('t1', 4, 41) ON CONFLICT (tenant, id) DO UPDATE SET n = excluded.n RETURNING *`,
		`UPDATE rlspt SET tenant = 't2' WHERE id = 1`,
		`SELECT * FROM rlspt FOR UPDATE`,
		`RESET ROLE`,
		`SELECT * FROM rlspt ORDER BY id`,
		`DROP TABLE rlspt`,
		`DROP ROLE rlspt_a`,
	)
}
