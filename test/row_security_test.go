package test

import (
	"testing"
	"time"
)

// TestRowSecurityMatchesPostgres: ALTER TABLE … ENABLE | FORCE ROW LEVEL
// SECURITY without policies (graphile-worker's migrations) denies every
// row to a role that is not the owner, a superuser or BYPASSRLS.
func TestRowSecurityMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)

	execOnEach(t, ctx, `CREATE ROLE rls_owner;
CREATE ROLE rls_other;
CREATE ROLE rls_bypass BYPASSRLS;
CREATE TABLE rls_t (id int PRIMARY KEY, v text);
ALTER TABLE rls_t OWNER TO rls_owner;
GRANT ALL ON rls_t TO rls_other, rls_bypass;
INSERT INTO rls_t VALUES (1, 'a'), (2, 'b');
ALTER TABLE rls_t ENABLE ROW LEVEL SECURITY`, pc, lc)
	matchPostgres(t, ctx, pc, lc,
		`SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'rls_t'`,
		`SELECT rowsecurity FROM pg_tables WHERE tablename = 'rls_t'`,
		`SELECT count(*) FROM rls_t`,
		`SELECT v FROM rls_t WHERE id = 2`,
		`SET ROLE rls_other`,
		`SELECT v FROM rls_t WHERE id = 2`,
		`SELECT * FROM rls_t`,
		`SELECT count(*) FROM rls_t WHERE id = 1`,
		`INSERT INTO rls_t VALUES (3, 'c')`,
		`INSERT INTO rls_t SELECT 4, 'd' WHERE false`,
		`UPDATE rls_t SET v = 'x' RETURNING *`,
		`DELETE FROM rls_t WHERE id = 1`,
		`ALTER TABLE rls_t DISABLE ROW LEVEL SECURITY`,
		`RESET ROLE`,
		`SET ROLE rls_bypass`,
		`SELECT count(*) FROM rls_t`,
		`RESET ROLE`,
		`SET ROLE rls_owner`,
		`SELECT * FROM rls_t ORDER BY id`,
		`INSERT INTO rls_t VALUES (5, 'e')`,
		`ALTER TABLE rls_t FORCE ROW LEVEL SECURITY`,
		`SELECT * FROM rls_t ORDER BY id`,
		`INSERT INTO rls_t VALUES (6, 'f')`,
		`ALTER TABLE rls_t NO FORCE ROW LEVEL SECURITY`,
		`SELECT count(*) FROM rls_t`,
		`RESET ROLE`,
		`SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'rls_t'`,
		`ALTER TABLE rls_t DISABLE ROW LEVEL SECURITY`,
		`SET ROLE rls_other`,
		`SELECT count(*) FROM rls_t`,
		`RESET ROLE`,
	)
}
