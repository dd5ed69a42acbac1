package test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// logLinesWith returns the node's log lines that contain every one of subs.
func logLinesWith(t *testing.T, n *Node, subs ...string) []string {
	t.Helper()
	b, err := os.ReadFile(n.Log)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
next:
	for _, l := range strings.Split(string(b), "\n") {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

// wantLogLine requires exactly one log line with every one of subs and
// returns it.
func wantLogLine(t *testing.T, n *Node, subs ...string) string {
	t.Helper()
	lines := logLinesWith(t, n, subs...)
	if len(lines) != 1 {
		t.Errorf("log lines with %q: %d, want 1:\n%s\n(log tail:\n%s)", subs, len(lines), strings.Join(lines, "\n"), tailFile(n.Log, 15))
		return ""
	}
	return lines[0]
}

func wantNoLogLine(t *testing.T, n *Node, subs ...string) {
	t.Helper()
	if lines := logLinesWith(t, n, subs...); len(lines) != 0 {
		t.Errorf("log lines with %q, want none:\n%s", subs, strings.Join(lines, "\n"))
	}
}

// TestStatementLogging: log_statement, log_min_duration_statement and
// log_min_error_statement write PostgreSQL's lines to the node's log,
// with the session's pid, user, database and application_name: the server
// default from logdb start's flag, a session's SET (superuser only:
// 42501 otherwise), a role's ALTER ROLE … SET; extended-protocol
// statements with their parameters; passwords never; a long statement
// cut. The lines are written before the client gets its answer, so the
// test reads the log right after each statement.
func TestStatementLogging(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	n := &Node{Dir: t.TempDir(), Log: t.TempDir() + "/logdb.log", Args: []string{"--log-statement=ddl"}}
	n.mustStart(t, "")
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("log of node %s:\n%s", n.Addr, tailFile(n.Log, 60))
		}
	})
	cfg := n.connConfig(nil)
	cfg.RuntimeParams["application_name"] = "logtest app"
	c := mustConnectConfig(t, cfg)
	pid := queryInt(t, ctx, c, "SELECT pg_backend_pid()")
	who := fmt.Sprintf(`pid=%d user=logdb db=logdb app="logtest app"`, pid)

	// The server default (--log-statement=ddl): DDL is logged, DML and
	// queries are not.
	mustExec(t, ctx, c, "CREATE TABLE logged_t (id int PRIMARY KEY, v text)")
	wantLogLine(t, n, `level=INFO msg="statement: CREATE TABLE logged_t (id int PRIMARY KEY, v text)" `+who)
	mustExec(t, ctx, c, "INSERT INTO logged_t VALUES (1, 'one')")
	wantNoLogLine(t, n, "INSERT INTO logged_t VALUES (1, 'one')")
	checkQuery(t, ctx, c, "ddl", "SHOW log_statement")

	// mod: writes too; all: everything.
	mustExec(t, ctx, c, "SET log_statement = 'mod'")
	mustExec(t, ctx, c, "INSERT INTO logged_t VALUES (2, 'two')")
	wantLogLine(t, n, `msg="statement: INSERT INTO logged_t VALUES (2, 'two')"`, who)
	mustExec(t, ctx, c, "SELECT count(*) FROM logged_t /* not logged */")
	wantNoLogLine(t, n, "not logged")
	mustExec(t, ctx, c, "SET log_statement = 'all'")
	mustExec(t, ctx, c, "SELECT count(*) FROM logged_t /* logged */")
	wantLogLine(t, n, `msg="statement: SELECT count(*) FROM logged_t /* logged */"`, who)
	// pgx's prepared statements: execute <name>: text
	checkQuery(t, ctx, c, "2", "SELECT count(*) FROM logged_t /* prepared */")
	wantLogLine(t, n, `msg="execute stmtcache_`, `: SELECT count(*) FROM logged_t /* prepared */"`, who)

	// The extended protocol: execute <unnamed>: text, and its parameters.
	rr := c.PgConn().ExecParams(ctx, "INSERT INTO logged_t VALUES ($1, $2)", [][]byte{[]byte("3"), []byte("it's")}, nil, nil, nil)
	if _, err := rr.Close(); err != nil {
		t.Fatal(err)
	}
	wantLogLine(t, n, `msg="execute <unnamed>: INSERT INTO logged_t VALUES ($1, $2)" detail="parameters: $1 = '3', $2 = 'it''s'"`, who)

	// A DECLAREd cursor executed as a portal: the DECLARE's text.
	rc, fe := rawConn(t, n)
	batch(t, rc, fe, &pgproto3.Query{String: "SET log_statement = 'all'; BEGIN; DECLARE logged_cur CURSOR FOR SELECT 1 AS in_cursor"})
	if names, _, _ := batch(t, rc, fe, &pgproto3.Execute{Portal: "logged_cur", MaxRows: 5}, &pgproto3.Sync{}); names != "DataRow CommandComplete ReadyForQuery" {
		t.Errorf("Execute of a cursor: %s", names)
	}
	wantLogLine(t, n, `msg="execute <unnamed>/logged_cur: DECLARE logged_cur CURSOR FOR SELECT 1 AS in_cursor"`)

	// log_min_duration_statement = 0: every statement with its duration;
	// after a line of log_statement, the duration alone.
	mustExec(t, ctx, c, "SET log_statement = 'none'")
	mustExec(t, ctx, c, "SET log_min_duration_statement = 0")
	mustExec(t, ctx, c, "SELECT 42 AS timed")
	line := wantLogLine(t, n, "SELECT 42 AS timed")
	if !regexp.MustCompile(`level=INFO msg="duration: \d+\.\d{3} ms  statement: SELECT 42 AS timed" ` + regexp.QuoteMeta(who)).MatchString(line) {
		t.Errorf("duration line: %s", line)
	}
	rr = c.PgConn().ExecParams(ctx, "SELECT $1::int + 1 AS timed_ext", [][]byte{[]byte("41")}, nil, nil, nil)
	if _, err := rr.Close(); err != nil {
		t.Fatal(err)
	}
	line = wantLogLine(t, n, "timed_ext")
	if !regexp.MustCompile(`msg="duration: \d+\.\d{3} ms  execute <unnamed>: SELECT \$1::int \+ 1 AS timed_ext" detail="parameters: \$1 = '41'"`).MatchString(line) {
		t.Errorf("extended duration line: %s", line)
	}
	mustExec(t, ctx, c, "SET log_min_duration_statement = '1h'")
	checkQuery(t, ctx, c, "3600000", "SELECT setting FROM pg_settings WHERE name = 'log_min_duration_statement'")
	mustExec(t, ctx, c, "SELECT 7 AS fast")
	wantNoLogLine(t, n, "SELECT 7 AS fast")
	mustExec(t, ctx, c, "RESET log_min_duration_statement")
	mustExec(t, ctx, c, "RESET log_statement") // back to the server default, ddl
	checkQuery(t, ctx, c, "ddl", "SHOW log_statement")

	// Errors, by default, with SQLSTATE and statement; not under panic.
	_, err := c.Exec(ctx, "SELECT 1/0 AS failing")
	wantCode(t, err, "22012", "SELECT 1/0")
	wantLogLine(t, n, `level=ERROR msg="division by zero" sqlstate=22012 statement="SELECT 1/0 AS failing"`, who)
	rr = c.PgConn().ExecParams(ctx, "SELECT * FROM no_such_table_ext WHERE id = $1", [][]byte{[]byte("1")}, nil, nil, nil)
	_, err = rr.Close()
	wantCode(t, err, "42P01", "Parse of a missing table")
	wantLogLine(t, n, `level=ERROR msg="relation \"no_such_table_ext\" does not exist" sqlstate=42P01 statement="SELECT * FROM no_such_table_ext WHERE id = $1"`)
	mustExec(t, ctx, c, "SET log_min_error_statement = panic")
	_, err = c.Exec(ctx, "SELECT 1/0 AS quiet")
	wantCode(t, err, "22012", "SELECT 1/0")
	wantNoLogLine(t, n, "quiet")
	_, err = c.Exec(ctx, "SET log_min_error_statement = 'sometimes'")
	wantCode(t, err, "22023", "a log_min_error_statement that is no level")
	mustExec(t, ctx, c, "RESET log_min_error_statement")

	// Passwords are never logged: not in a logged statement, not in a
	// failed one, not in one the lexer cannot read.
	mustExec(t, ctx, c, "SET log_statement = 'all'")
	mustExec(t, ctx, c, "CREATE ROLE logged_role LOGIN PASSWORD 'hunter2-create'")
	wantLogLine(t, n, `msg="statement: CREATE ROLE logged_role LOGIN PASSWORD '…'"`)
	mustExec(t, ctx, c, "ALTER ROLE logged_role WITH ENCRYPTED PASSWORD 'hunter2-alter' VALID UNTIL '2100-01-01'")
	wantLogLine(t, n, `msg="statement: ALTER ROLE logged_role WITH ENCRYPTED PASSWORD '…' VALID UNTIL '2100-01-01'"`)
	_, err = c.Exec(ctx, "CREATE USER other_role PASSWORD 'hunter2-syntax' NOT_AN_OPTION")
	wantCode(t, err, "42601", "CREATE USER with a syntax error")
	_, err = c.Exec(ctx, "ALTER USER logged_role PASSWORD 'hunter2-open")
	wantCode(t, err, "42601", "an unterminated password literal")
	wantNoLogLine(t, n, "hunter2")
	if len(logLinesWith(t, n, "PASSWORD '…'")) < 3 {
		t.Errorf("the redacted statements are not in the log:\n%s", tailFile(n.Log, 10))
	}

	// A long statement is cut.
	long := "SELECT '" + strings.Repeat("x", 40000) + "' AS long_one"
	if _, err := c.Exec(ctx, long); err != nil {
		t.Fatal(err)
	}
	line = wantLogLine(t, n, "xxxxxxxx", "bytes)")
	if len(line) > 17<<10 || !strings.Contains(line, fmt.Sprintf("… (%d bytes)", len(long))) {
		t.Errorf("long statement logged in %d bytes: %.200s…", len(line), line)
	}
	mustExec(t, ctx, c, "RESET log_statement")

	// Only a superuser sets them (42501); a role's setting applies to its
	// sessions.
	mustExec(t, ctx, c, "CREATE ROLE plain_role LOGIN")
	mustExec(t, ctx, c, "ALTER ROLE plain_role SET log_statement = 'all'")
	pcfg := n.connConfig(nil)
	pcfg.User = "plain_role"
	pc := mustConnectConfig(t, pcfg)
	checkQuery(t, ctx, pc, "all", "SHOW log_statement")
	mustExec(t, ctx, pc, "SELECT 1 AS from_plain_role")
	wantLogLine(t, n, `msg="statement: SELECT 1 AS from_plain_role"`, "user=plain_role")
	for _, q := range []string{"SET log_statement = 'none'", "RESET log_statement", "SET log_min_duration_statement = -1",
		"SELECT set_config('log_min_error_statement', 'panic', false)"} {
		_, err := pc.Exec(ctx, q)
		wantCode(t, err, "42501", q)
	}
	pcfg.RuntimeParams["log_statement"] = "none"
	_, err = connectErr(ctx, pcfg)
	wantCode(t, err, "42501", "log_statement as a startup option of a non-superuser")
	checkQuery(t, ctx, c, "log_min_duration_statement superuser|log_min_error_statement superuser|log_statement superuser",
		"SELECT string_agg(name || ' ' || context, '|' ORDER BY name) FROM pg_settings WHERE name LIKE 'log_%statement%'")
}

// TestStatementLoggingFlags: logdb start refuses a bad value of a
// statement-logging flag, and --log-min-duration-statement sets the
// server default.
func TestStatementLoggingFlags(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	n := &Node{Dir: t.TempDir(), Log: t.TempDir() + "/logdb.log", Args: []string{"--log-min-duration-statement=0", "--log-min-error-statement=panic"}}
	n.mustStart(t, "")
	t.Cleanup(n.kill)
	c := mustConnect(t, n)
	checkQuery(t, ctx, c, "0|panic|none", "SELECT current_setting('log_min_duration_statement') || '|' || current_setting('log_min_error_statement') || '|' || current_setting('log_statement')")
	mustExec(t, ctx, c, "SELECT 'at the server default' AS timed")
	wantLogLine(t, n, "ms  statement: SELECT 'at the server default' AS timed")
	if _, err := c.Exec(ctx, "SELECT 1/0 AS unlogged_error", pgx.QueryExecModeSimpleProtocol); err == nil {
		t.Fatal("1/0 succeeded")
	}
	wantNoLogLine(t, n, "unlogged_error")

	for _, bad := range [][]string{{"--log-statement=everything"}, {"--log-min-duration-statement=-5"}, {"--log-min-error-statement=loud"}} {
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		out, err := exec.CommandContext(cctx, logdbBin, append([]string{"start", "--data-dir", t.TempDir(), "--listen", freeAddr(t)}, bad...)...).CombinedOutput()
		cancel()
		if err == nil || !strings.Contains(string(out), bad[0][:strings.IndexByte(bad[0], '=')]) {
			t.Errorf("logdb start %s: %v\n%s", bad, err, out)
		}
	}
}
