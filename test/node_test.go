package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNodePostgres runs test/node/pg_test.js, node-postgres against the
// shared node: text parameters and results, int8/numeric exactness, json,
// bytea, multi-statement simple queries, SQLSTATEs, transactions, named
// prepared statements. Skipped when node or its modules are missing
// (install them with `npm ci --prefix test/node`).
func TestNodePostgres(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join("node", "node_modules", "pg")); err != nil {
		t.Skip("node-postgres is not installed: run npm ci --prefix test/node")
	}
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	host, port := splitAddr(n.Addr)
	cmd := exec.CommandContext(ctx, node, "pg_test.js")
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "PGHOST="+host, "PGPORT="+port, "PGSSLMODE=disable")
	if n.external {
		cmd.Env = append(cmd.Env, "PGOPTIONS=-c default_transaction_isolation=serializable")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node pg_test.js: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "ok ") {
		t.Errorf("node pg_test.js: unexpected output:\n%s", out)
	}
	t.Logf("node-postgres: %s", strings.TrimSpace(string(out)))
}
