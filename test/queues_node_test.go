package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNodeQueuesCluster runs pgboss_test.mjs (pg-boss 12, npm's
// current pg-boss) and pgboss9_test.mjs (pg-boss 9, the npm alias
// pg-boss-9: the last major before pg-boss partitioned its job table)
// against a three-node logdb and against PostgreSQL 15, and requires the
// same output from both (test/node; Node 22 comes from the lockfile's
// node package, so `npm ci --prefix test/node` installs everything):
// start() installs the schema through node 1 (under its advisory lock,
// keyed by ('x' || md5(…))::bit(64)::bigint; pg-boss 12's job table is
// PARTITION BY LIST (name) with a DEFAULT partition attached by ALTER
// TABLE … ATTACH PARTITION, its queue_stats PARTITION BY RANGE with daily
// partitions), the other nodes start on it; fetch, complete and fail
// through node 2; jobs sent through node 1 and worked by a worker on
// every node, each done exactly once, a handler that fails once retried;
// pg-boss's schema is its own (pgboss_test, pgboss9_test, with its
// job_state enum). JOBS (30 by default) sets the number of jobs.
//
// It runs graphile_worker_test.mjs (graphile-worker) the same way, on the
// same cluster: runMigrations through node 1 (functions, triggers,
// row-level security, generated columns, a composite type in its own
// schema), addJob (makeWorkerUtils) and quickAddJob through node 1, a
// task runner on nodes 2 and 3, each job done once, a failing task
// retried. Its add_job and failJobs statements conflict with the
// runners' now and then (graphile-worker expects PostgreSQL's READ
// COMMITTED and does not retry): they are autocommit statements that
// return rows, which the server re-runs when their commit fails with
// 40001 (pgwire/batch_rerun.go).
func TestNodeQueuesCluster(t *testing.T) {
	requireLogdb(t)
	node := nodeQueuesRuntime(t, "pg-boss", "pg-boss-9", "graphile-worker")
	runQueueScripts(t, node, []string{"pgboss_test.mjs", "pgboss9_test.mjs", "graphile_worker_test.mjs"})
}

// nodeQueuesRuntime returns the path of Node 22 (test/node's node
// package), skipping t when it or one of modules is not installed.
func nodeQueuesRuntime(t *testing.T, modules ...string) string {
	t.Helper()
	node, err := filepath.Abs(filepath.Join("node", "node_modules", "node", "bin", "node"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(node); err != nil {
		t.Skip("Node 22 is not installed: run npm ci --prefix test/node")
	}
	for _, m := range modules {
		if _, err := os.Stat(filepath.Join("node", "node_modules", m)); err != nil {
			t.Skipf("%s is not installed: run npm ci --prefix test/node", m)
		}
	}
	return node
}

// runQueueScripts starts PostgreSQL 15 and a three-node logdb, and runs
// each script on both (env added to the script's environment): the
// output on logdb must be PostgreSQL's, which must end in "ok".
func runQueueScripts(t *testing.T, node string, scripts []string, env ...string) {
	t.Helper()
	jobs := os.Getenv("JOBS")
	if jobs == "" {
		jobs = "30"
	}
	pg := mustStartPostgres(t)
	c := mustStartCluster(t, 3)
	pgURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)
	var logdbURLs []string
	for id := uint64(1); id <= 3; id++ {
		host, port := splitAddr(c.Nodes[id].Addr)
		logdbURLs = append(logdbURLs, fmt.Sprintf("postgres://logdb@%s:%s/logdb?sslmode=disable", host, port))
	}
	for _, script := range scripts {
		t.Run(strings.TrimSuffix(script, "_test.mjs"), func(t *testing.T) {
			want := runQueueScript(t, node, script, append([]string{"DB_URLS=" + strings.Repeat(pgURL+",", 3), "JOBS=" + jobs}, env...))
			if !strings.HasSuffix(want, "\nok\n") {
				t.Fatalf("%s on PostgreSQL did not finish:\n%s", script, tailText(want, 40))
			}
			got := runQueueScript(t, node, script, append([]string{"DB_URLS=" + strings.Join(logdbURLs, ","), "JOBS=" + jobs}, env...))
			if got != want {
				t.Errorf("%s:\nlogdb:\n%s\nPostgreSQL:\n%s", script, tailText(got, 40), tailText(want, 40))
			}
		})
	}
}

// runQueueScript runs a script of test/node with Node 22 and env, and
// returns its standard output (the library's own logs go to standard
// error and are shown only when the script fails).
func runQueueScript(t *testing.T, node, script string, env []string) string {
	t.Helper()
	ctx := testCtx(t, 3*time.Minute)
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Logf("node %s: %v\n%s", script, err, tailText(stderr.String(), 20))
	}
	return string(out)
}
