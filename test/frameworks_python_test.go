package test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The Python framework suites of issue 15: each runs a framework's own
// commands (Debian's python3-django, python3-sqlalchemy, python3-alembic;
// .ci/run installs them) against a node of its own, and the same commands
// against PostgreSQL 15 where the schema they leave is compared.

const systemPython = "/usr/bin/python3"

// requirePython skips the test when module cannot be imported by
// Debian's python3 (the packages .ci/run installs).
func requirePython(t *testing.T, module, pkg string) {
	t.Helper()
	if out, err := exec.Command(systemPython, "-c", "import "+module).CombinedOutput(); err != nil {
		t.Skipf("%s is not installed for %s (Debian's %s; .ci/run installs it): %v %s", module, systemPython, pkg, err, out)
	}
}

// pgEnv is the libpq environment that reaches a logdb node.
func pgEnv(n *Node) []string {
	host, port := splitAddr(n.Addr)
	return []string{"PGHOST=" + host, "PGPORT=" + port, "PGUSER=logdb", "PGDATABASE=logdb", "PGSSLMODE=disable"}
}

// pgEnvPostgres is the libpq environment that reaches PostgreSQL 15.
func pgEnvPostgres(pg *Postgres) []string {
	return []string{"PGHOST=127.0.0.1", fmt.Sprintf("PGPORT=%d", pg.Port), "PGUSER=postgres", "PGDATABASE=postgres", "PGSSLMODE=disable"}
}

// runIn runs a command in dir with env added to the test's environment
// and returns its combined output; a failure ends the test with it.
func runIn(t *testing.T, ctx context.Context, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, tailText(string(out), 60))
	}
	return string(out)
}

// tailText is the last n lines of s, each cut at 300 bytes.
func tailText(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 300 {
			lines[i] = l[:300] + "…"
		}
	}
	return strings.Join(lines, "\n")
}

// schemaOf describes the constraints and indexes of the tables whose
// names match like, as the catalogs show them (what frameworks introspect).
func schemaOf(t *testing.T, ctx context.Context, c *pgx.Conn, like string) string {
	t.Helper()
	cons := answerOf(ctx, c, fmt.Sprintf(`SELECT r.relname, c.conname, c.contype, pg_get_constraintdef(c.oid)
		FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace ns ON ns.oid = r.relnamespace
		WHERE ns.nspname = 'public' AND r.relname LIKE '%s' ORDER BY 1, 2`, like))
	idx := answerOf(ctx, c, fmt.Sprintf(`SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = 'public' AND tablename LIKE '%s' ORDER BY 1`, like))
	return cons + "\n--\n" + idx
}

// TestDjango: Django 3.2's manage.py migrate of its built-in apps (admin,
// auth, contenttypes, sessions) and of the shop app in
// test/python/django_site, whose migration 0002 drops and alters a unique
// constraint, an index and foreign keys (Django finds each by
// introspection); the constraints and indexes it leaves are those it
// leaves on PostgreSQL 15. Then manage.py test shop: TestCase (SET
// CONSTRAINTS ALL IMMEDIATE, deferred foreign keys) and
// TransactionTestCase (flush by TRUNCATE), once in the node's own
// database (--keepdb) and once as Django does by default: it connects to
// database postgres, creates test_logdb, migrates it, runs the tests in
// it and drops it.
func TestDjango(t *testing.T) {
	requireLogdb(t)
	requirePython(t, "django", "python3-django")
	requirePython(t, "psycopg2", "python3-psycopg2")
	t.Parallel()
	ctx := testCtx(t, 240*time.Second)
	n := mustStartNode(t, t.TempDir())
	pg := mustStartPostgres(t)
	dir := "python/django_site"
	manage := func(env []string, args ...string) string {
		return runIn(t, ctx, dir, env, systemPython, append([]string{"manage.py"}, args...)...)
	}

	manage(pgEnv(n), "makemigrations", "--check", "--dry-run", "shop")
	out := manage(pgEnv(n), "migrate", "--noinput")
	if !strings.Contains(out, "Applying shop.0002_alter_constraints... OK") {
		t.Fatalf("migrate did not apply shop.0002:\n%s", tailText(out, 40))
	}
	manage(pgEnvPostgres(pg), "migrate", "--noinput")
	lc, pc := mustConnect(t, n), pg.connect(t)
	// Django indexes a unique varchar column a second time with
	// varchar_pattern_ops for LIKE; logdb accepts operator classes and
	// does not keep them (README, Differences).
	noOpclass := func(s string) string { return strings.ReplaceAll(s, " varchar_pattern_ops)", ")") }
	if got, want := noOpclass(schemaOf(t, ctx, lc, "shop_%")), noOpclass(schemaOf(t, ctx, pc, "shop_%")); got != want {
		t.Errorf("after migrate, the shop tables differ:\nlogdb:\n%s\nPostgreSQL:\n%s", got, want)
	}
	// A second migrate has nothing to do.
	if out := manage(pgEnv(n), "migrate", "--noinput"); !strings.Contains(out, "No migrations to apply.") {
		t.Errorf("second migrate:\n%s", tailText(out, 20))
	}

	out = manage(pgEnv(n), "test", "shop", "--keepdb", "--noinput", "-v", "2")
	if !strings.Contains(out, "Ran 6 tests") || !strings.Contains(out, "\nOK") {
		t.Errorf("manage.py test shop --keepdb:\n%s", tailText(out, 40))
	}

	t.Run("without keepdb", func(t *testing.T) {
		// manage.py test without --keepdb connects to the "postgres"
		// database, runs CREATE DATABASE "test_logdb", migrates it, and
		// drops it at the end.
		env := append(pgEnv(n), "DJANGO_TEST_NAME=test_logdb")
		out := manage(env, "test", "shop", "--noinput", "-v", "2")
		if !strings.Contains(out, "Creating test database") || !strings.Contains(out, "Ran 6 tests") || !strings.Contains(out, "\nOK") ||
			!strings.Contains(out, "Destroying test database") {
			t.Errorf("manage.py test shop:\n%s", tailText(out, 40))
		}
		checkQuery(t, ctx, lc, "0", "SELECT count(*) FROM pg_database WHERE datname = 'test_logdb'")
		// The tests' rows were in test_logdb, not in logdb.
		checkQuery(t, ctx, lc, "logdb", "SELECT current_database()")
	})
}

// TestSQLAlchemyAlembic: SQLAlchemy 1.4's create_all and reflection
// (test/python/sqla/sqla_check.py: primary keys, foreign keys with their
// ON DELETE and ON UPDATE actions, single and composite, indexes and
// unique constraints compared with what was declared, then the actions at
// work) print the same on logdb as on PostgreSQL 15. Then Alembic in a
// copy of test/python/sqla: autogenerate against the empty database,
// upgrade, autogenerate again — the second migration is empty — and
// downgrade to base and up again.
func TestSQLAlchemyAlembic(t *testing.T) {
	requireLogdb(t)
	requirePython(t, "sqlalchemy", "python3-sqlalchemy")
	requirePython(t, "alembic", "python3-alembic")
	requirePython(t, "psycopg2", "python3-psycopg2")
	t.Parallel()
	ctx := testCtx(t, 240*time.Second)
	n := mustStartNode(t, t.TempDir())
	pg := mustStartPostgres(t)

	got := runIn(t, ctx, "python/sqla", pgEnv(n), systemPython, "sqla_check.py")
	want := runIn(t, ctx, "python/sqla", pgEnvPostgres(pg), systemPython, "sqla_check.py")
	if got != want {
		t.Errorf("sqla_check.py:\nlogdb:\n%s\nPostgreSQL:\n%s", got, want)
	}
	if strings.Contains(got, "DIFFERS") {
		t.Errorf("reflection differs from the declared schema:\n%s", got)
	}

	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("python/sqla")); err != nil {
		t.Fatal(err)
	}
	alembic := func(args ...string) string {
		return runIn(t, ctx, dir, pgEnv(n), systemPython, append([]string{"-m", "alembic"}, args...)...)
	}
	revision := func(msg string) string {
		alembic("revision", "--autogenerate", "-m", msg)
		files, err := filepath.Glob(filepath.Join(dir, "alembic", "versions", "*_"+msg+".py"))
		if err != nil || len(files) != 1 {
			t.Fatalf("the %s revision: %v %v", msg, files, err)
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	first := revision("first")
	for _, w := range []string{"op.create_table('al_customer'", "op.create_table('al_orders'", "op.create_table('al_order_line'",
		"ondelete='CASCADE'", "onupdate='CASCADE', ondelete='SET NULL'", "op.create_index(op.f('ix_al_customer_name')"} {
		if !strings.Contains(first, w) {
			t.Errorf("the first migration lacks %q:\n%s", w, first)
		}
	}
	alembic("upgrade", "head")
	second := revision("second")
	if body := second[strings.Index(second, "def upgrade():"):]; strings.Contains(body, "op.") {
		t.Errorf("the second autogenerate is not empty:\n%s", body)
	}
	alembic("downgrade", "base")
	lc := mustConnect(t, n)
	if got := queryText(t, ctx, lc, "SELECT count(*) FROM pg_class WHERE relname LIKE 'al\\_%' AND relname <> 'alembic_version'"); got != "0" {
		t.Errorf("after downgrade base: %s relations left", got)
	}
	alembic("upgrade", "head")
	if got := queryText(t, ctx, lc, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text LIKE 'al\\_%'"); got != "3" {
		t.Errorf("after upgrade head: %s foreign keys, want 3", got)
	}
}
