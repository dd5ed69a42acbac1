package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNodeFrameworks runs the Node.js framework suites of issue 15 from
// test/node (npm ci installs knex, Sequelize 6 and TypeORM from its
// lockfile; .ci/run does it) against a node of its own and against
// PostgreSQL 15, one after the other (TypeORM's dropDatabase empties the
// schema), and requires the same output from both:
//   - knex_test.js: migrations up, down and up again (a foreign key with
//     ON DELETE CASCADE, an altered column, an index replaced by a unique
//     constraint), whereJsonPath, SQLSTATEs, a transaction;
//   - sequelize_test.js: default options, PascalCase models,
//     sync({alter: true}) twice, associations with CASCADE, findOrCreate
//     (a pg_temp PL/pgSQL function with an OUT argument of the table's
//     row type) outside and inside a transaction;
//   - typeorm_test.js: synchronize: true started twice (the second start
//     has nothing to change), relations, cascades.
//
// Enum columns (knex's t.enu(…, {useNative: true}), Sequelize's
// DataTypes.ENUM, TypeORM's type: 'enum') wait for CREATE TYPE … AS ENUM.
func TestNodeFrameworks(t *testing.T) {
	requireLogdb(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	for _, m := range []string{"knex", "sequelize", "typeorm"} {
		if _, err := os.Stat(filepath.Join("node", "node_modules", m)); err != nil {
			t.Skipf("%s is not installed: run npm ci --prefix test/node (.ci/run does)", m)
		}
	}
	t.Parallel()
	n := mustStartNode(t, t.TempDir())
	pg := mustStartPostgres(t)
	for _, script := range []string{"knex_test.js", "sequelize_test.js", "typeorm_test.js"} {
		t.Run(strings.TrimSuffix(script, "_test.js"), func(t *testing.T) {
			got := runNodeScript(t, node, script, pgEnv(n))
			want := runNodeScript(t, node, script, pgEnvPostgres(pg))
			if got != want {
				t.Errorf("%s:\nlogdb:\n%s\nPostgreSQL:\n%s", script, tailText(got, 40), tailText(want, 40))
			}
			if !strings.HasSuffix(got, "\nok\n") {
				t.Errorf("%s did not finish:\n%s", script, tailText(got, 40))
			}
		})
	}
}

// runNodeScript runs a script of test/node with env and returns its
// output (a failing script prints FAILED and exits 1: its output is
// returned all the same, for the comparison to show).
func runNodeScript(t *testing.T, node, script string, env []string) string {
	t.Helper()
	ctx := testCtx(t, 90*time.Second)
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Logf("node %s: %v", script, err)
	}
	return string(out)
}
