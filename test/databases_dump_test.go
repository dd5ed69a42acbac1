package test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPgDumpall: PostgreSQL 15's pg_dumpall of a logdb node (roles, and
// every database with its settings, tables, sequences and rows) restores
// with psql into a fresh PostgreSQL 15 and into a fresh logdb node, and
// both then answer as the original does. The only errors of the restores
// are PostgreSQL's own for a dump restored into a running cluster: the
// bootstrap roles and database logdb exist already.
func TestPgDumpall(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	for _, q := range []string{
		"CREATE ROLE app LOGIN PASSWORD 'app-secret'",
		"CREATE TABLE a (id int PRIMARY KEY, v text)",
		"INSERT INTO a VALUES (1, 'in logdb')",
		"CREATE DATABASE appdb OWNER app",
		"ALTER DATABASE appdb SET work_mem = '2MB'",
		"CREATE DATABASE \"Other db\"",
	} {
		mustExec(t, ctx, lc, q)
	}
	appdb := "appdb"
	ac := mustConnectConfig(t, n.connConfig(&appdb))
	for _, q := range []string{
		"CREATE SCHEMA s",
		"CREATE TABLE s.b (id serial PRIMARY KEY, w text NOT NULL)",
		"INSERT INTO s.b (w) VALUES ('x'), ('y')",
		"CREATE TABLE a (k text PRIMARY KEY)", // the same name as logdb's a
		"INSERT INTO a VALUES ('in appdb')",
	} {
		mustExec(t, ctx, ac, q)
	}
	host, port := splitAddr(n.Addr)
	dump := exec.CommandContext(ctx, filepath.Join(pgBin(), "pg_dumpall"), "-h", host, "-p", port, "-U", "logdb")
	dump.Env = append(dump.Environ(), "PGSSLMODE=disable")
	script, err := dump.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("pg_dumpall of logdb: %v\n%s", err, stderr)
	}
	for _, want := range []string{"CREATE ROLE app;", "CREATE DATABASE appdb", "ALTER DATABASE appdb OWNER TO app;",
		"ALTER DATABASE appdb SET work_mem TO '2MB';", "\\connect appdb", "CREATE TABLE s.b (", `CREATE DATABASE "Other db"`} {
		if !strings.Contains(string(script), want) {
			t.Errorf("pg_dumpall output lacks %q", want)
		}
	}

	restore := func(what string, args ...string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, "psql", append(args, "-X", "-q", "-d", "postgres")...)
		cmd.Stdin = strings.NewReader(string(script))
		cmd.Env = append(cmd.Environ(), "PGSSLMODE=disable")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("restoring the dump into %s: %v\n%s", what, err, out)
		}
		expected := regexp.MustCompile(`^(psql:<stdin>:\d+: )?ERROR:  (role "(postgres|logdb)"|database "logdb") already exists$`)
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "ERROR") && !expected.MatchString(line) {
				t.Errorf("restoring the dump into %s: %s", what, line)
			}
		}
	}
	restore("PostgreSQL 15", "-h", "127.0.0.1", "-p", strconv.Itoa(pg.Port), "-U", "postgres")
	n2 := mustStartNode(t, t.TempDir())
	h2, p2 := splitAddr(n2.Addr)
	restore("a fresh logdb", "-h", h2, "-p", p2, "-U", "logdb")

	queries := map[string][]string{
		"logdb": {"SELECT * FROM a"},
		"appdb": {"SELECT * FROM s.b ORDER BY id", "SELECT * FROM a", "SELECT nextval('s.b_id_seq') > 2",
			"SELECT pg_get_userbyid(datdba), current_setting('work_mem') FROM pg_database WHERE datname = current_database()",
			"SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = 'app'"},
		"Other db": {"SELECT count(*) FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE nspname = 'public'"},
	}
	connect := func(cfg *pgx.ConnConfig) *pgx.Conn { return mustConnectConfig(t, cfg) }
	for db, qs := range queries {
		pcfg, err := pgx.ParseConfig(pg.URL(strings.ReplaceAll(db, " ", "%20")))
		if err != nil {
			t.Fatal(err)
		}
		pc := connect(pcfg)
		rc := connect(dbConfig(n2, db))
		oc := connect(dbConfig(n, db))
		for _, q := range qs {
			want := answerOf(ctx, oc, q)
			if got := answerOf(ctx, pc, q); got != want {
				t.Errorf("%s: %s on the restored PostgreSQL: %q, on the original logdb %q", db, q, got, want)
			}
			if got := answerOf(ctx, rc, q); got != want {
				t.Errorf("%s: %s on the restored logdb: %q, on the original logdb %q", db, q, got, want)
			}
		}
	}
}

// dbConfig connects to database db of node n (any name: spaces too).
func dbConfig(n *Node, db string) *pgx.ConnConfig {
	cfg := n.connConfig(nil)
	cfg.Database = db
	return cfg
}
