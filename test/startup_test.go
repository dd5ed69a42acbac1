package test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelp: `logdb --help` and `logdb start --help` describe every flag.
func TestHelp(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 30*time.Second)

	top, err := exec.CommandContext(ctx, logdbBin, "--help").CombinedOutput()
	if err != nil {
		t.Errorf("logdb --help: %v\n%s", err, top)
	}
	if !strings.Contains(string(top), "start") {
		t.Errorf("logdb --help does not mention the start command:\n%s", top)
	}

	start, err := exec.CommandContext(ctx, logdbBin, "start", "--help").CombinedOutput()
	if err != nil {
		t.Errorf("logdb start --help: %v\n%s", err, start)
	}
	for _, want := range []string{"-data-dir", "-listen", "./logdb-data", "127.0.0.1:5433"} {
		// flag's usage prints "-data-dir"; "--data-dir" contains it too.
		if !strings.Contains(string(start), want) {
			t.Errorf("logdb start --help does not describe %s:\n%s", want, start)
		}
	}
	// Every flag line has a description (flag.PrintDefaults layout: the
	// flag, then an indented description; or both on one line).
	lines := strings.Split(string(start), "\n")
	flags := 0
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		if !strings.HasPrefix(trimmed, "-") {
			continue
		}
		flags++
		name, rest, _ := strings.Cut(trimmed, " ")
		described := len(strings.Fields(rest)) > 1 ||
			(i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" && !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "-"))
		if !described {
			t.Errorf("logdb start --help: flag %s has no description", name)
		}
	}
	if flags < 2 {
		t.Errorf("logdb start --help lists %d flags:\n%s", flags, start)
	}

	// An unknown flag is an error (non-zero exit), not a silent start.
	bad := exec.CommandContext(ctx, logdbBin, "start", "--no-such-flag")
	if out, err := bad.CombinedOutput(); err == nil {
		t.Errorf("logdb start --no-such-flag exited 0:\n%s", out)
	}
}

// TestStartConnectStop: a node starts on a fresh data directory, psql and pgx
// connect to databases logdb and postgres, another name gets 3D000, both
// bootstrap superusers (logdb, postgres) log in, a user name that is no
// role gets 28000 (as in PostgreSQL, even where trusted), and SIGTERM shuts
// the node down with status 0.
func TestStartConnectStop(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	dir := filepath.Join(t.TempDir(), "fresh", "data") // does not exist yet
	n := mustStartNode(t, dir)

	for _, db := range []string{"logdb", "postgres"} {
		cmd := n.psqlCmd(ctx, db, "-c", "SELECT current_database()")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("psql -d %s: %v\n%s", db, err, out)
		} else if got := strings.TrimSpace(string(out)); got != db && got != "logdb" {
			t.Errorf("psql -d %s: current_database() = %q", db, got)
		}
		cfg := n.connConfig(&db)
		cfg.User = "postgres"
		c := mustConnectConfig(t, cfg)
		checkQuery(t, ctx, c, "postgres", "SELECT current_user")
		cfg.User = "someone_else"
		_, err = connectErr(ctx, cfg)
		wantCode(t, err, "28000", "connect as a user that is no role")
	}

	nope := "nope"
	cfg := n.connConfig(&nope)
	_, err := connectErr(ctx, cfg)
	wantCode(t, err, "3D000", "connect to database nope")

	cmd := n.psqlCmd(ctx, "nope", "-c", "SELECT 1")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("psql -d nope succeeded: %s", out)
	} else if !strings.Contains(string(out), "nope") {
		t.Errorf("psql -d nope: error does not name the database: %s", out)
	}

	// Something durable, so the clean shutdown has work to finish.
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE survives (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "INSERT INTO survives VALUES (1), (2)")
	c.Close(ctx)

	n.Stop(t)
	n.Restart(t)
	c = mustConnect(t, n)
	checkQuery(t, ctx, c, "2", "SELECT count(*) FROM survives")
	n.Stop(t)
}
