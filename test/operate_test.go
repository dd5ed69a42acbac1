package test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Operating a node: /metrics, /healthz, /readyz on --http-listen.

// httpGet returns the status code and body of GET url.
func httpGet(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// scrape reads /metrics into name{labels} → value (histogram buckets
// included) and returns the raw text too.
func scrape(t *testing.T, ctx context.Context, httpAddr string) (map[string]float64, string) {
	t.Helper()
	code, body, err := httpGet(ctx, "http://"+httpAddr+"/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v\n%s", code, err, body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out, body
}

// promtoolCheck runs `promtool check metrics` on a scrape; it skips the
// check (not the test) when promtool is not installed.
func promtoolCheck(t *testing.T, body string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool not installed (Debian package prometheus; .ci/run installs it): skipping `promtool check metrics`")
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	httpAddr := freeAddr(t)
	n := mustStartNodeArgs(t, t.TempDir(), "--http-listen", httpAddr, "--pprof")
	ctx := testCtx(t, 60*time.Second)

	code, body, err := httpGet(ctx, "http://"+httpAddr+"/healthz")
	if err != nil || code != 200 {
		t.Fatalf("/healthz: %d %v %q", code, err, body)
	}
	// Ready once it has elected itself (a moment after it accepts SQL on
	// a loaded machine).
	for {
		code, body, err = httpGet(ctx, "http://"+httpAddr+"/readyz")
		if err == nil && code == 200 && strings.HasPrefix(body, "ok") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("/readyz on a single node: %d %v %q", code, err, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _, err := httpGet(ctx, "http://"+httpAddr+"/debug/pprof/"); err != nil || code != 200 {
		t.Fatalf("/debug/pprof/ with --pprof: %d %v", code, err)
	}

	before, _ := scrape(t, ctx, httpAddr)

	// A workload: DDL, inserts, selects, an update, an error, a rollback,
	// contended increments in transactions (40001 for some), a subscriber.
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE m (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, c, "SELECT * FROM pg_create_logical_replication_slot('metrics_slot', 'pgoutput')")
	for i := range 20 {
		mustExec(t, ctx, c, "INSERT INTO m VALUES ($1, 0)", i)
	}
	for i := range 10 {
		queryInt(t, ctx, c, "SELECT n FROM m WHERE id = $1", i)
	}
	mustExec(t, ctx, c, "UPDATE m SET n = 5 WHERE id = 1")
	if _, err := c.Exec(ctx, "INSERT INTO m VALUES (1, 1)"); sqlState(err) != "23505" {
		t.Fatalf("duplicate insert: %v", err)
	}
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM m WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// Contended read-modify-write transactions: some fail with 40001.
	var wg sync.WaitGroup
	conns := mustConns(t, n, 4)
	for _, cc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				tx, err := cc.Begin(ctx)
				if err != nil {
					return
				}
				var v int
				if err := tx.QueryRow(ctx, "SELECT n FROM m WHERE id = 3").Scan(&v); err == nil {
					_, _ = tx.Exec(ctx, "UPDATE m SET n = $1 WHERE id = 3", v+1)
				}
				_ = tx.Commit(ctx) // 40001 expected now and then
			}
		}()
	}
	wg.Wait()
	// A subscriber gets the changes so far.
	sub := mustConnect(t, n)
	stx, err := sub.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, ctx, sub, "DECLARE feed CURSOR FOR SUBSCRIBE m WITH (SNAPSHOT = true)")
	rows, err := sub.Query(ctx, "FETCH 100 feed WITH (timeout = '1s')")
	if err != nil {
		t.Fatal(err)
	}
	fetched := 0
	for rows.Next() {
		fetched++
	}
	if rows.Err() != nil || fetched == 0 {
		t.Fatalf("FETCH: %d rows, %v", fetched, rows.Err())
	}

	after, body := scrape(t, ctx, httpAddr)
	moved := func(name string, atLeast float64) {
		t.Helper()
		if d := after[name] - before[name]; d < atLeast {
			t.Errorf("%s moved by %v, want at least %v (before %v, after %v)", name, d, atLeast, before[name], after[name])
		}
	}
	moved(`logdb_sql_statements_total{kind="insert"}`, 21)
	moved(`logdb_sql_statements_total{kind="select"}`, 10)
	moved(`logdb_sql_statements_total{kind="update"}`, 1)
	moved(`logdb_sql_statements_total{kind="ddl"}`, 1)
	moved(`logdb_sql_statement_duration_seconds_count{kind="insert"}`, 21)
	moved(`logdb_sql_errors_total{class="23"}`, 1)
	moved(`logdb_sql_transactions_total{outcome="commit"}`, 30)
	moved(`logdb_sql_transactions_total{outcome="rollback"}`, 2)
	moved(`logdb_raft_proposals_total`, 22)
	moved(`logdb_raft_applied_index`, 22)
	moved(`logdb_raft_commit_index`, 22)
	moved(`logdb_wal_fsync_duration_seconds_count`, 1)
	moved(`logdb_raft_ready_entries_sum`, 22)
	moved(`logdb_changefeed_changes_delivered_total`, float64(fetched))
	if after[`logdb_sql_errors_total{class="40"}`] == 0 {
		t.Logf("no 40001 in the contended workload this run (commits %v)", after[`logdb_sql_transactions_total{outcome="commit"}`])
	}
	for name, want := range map[string]float64{
		"logdb_raft_is_leader":                               1,
		"logdb_raft_leader_id":                               1,
		"logdb_changefeed_subscribers":                       1,
		"logdb_replication_connections":                      0, // a SUBSCRIBE cursor is not one
		`logdb_sql_connections{state="idle in transaction"}`: 1, // the subscriber
	} {
		if after[name] != want {
			t.Errorf("%s = %v, want %v", name, after[name], want)
		}
	}
	for _, name := range []string{"logdb_state_db_size_bytes", "logdb_wal_size_bytes", "logdb_log_last_index",
		"logdb_raft_term", `logdb_changefeed_slot_lag_entries{slot="metrics_slot"}`, `logdb_changefeed_slot_lag_seconds{slot="metrics_slot"}`,
		"go_goroutines", "process_resident_memory_bytes"} {
		if after[name] <= 0 {
			t.Errorf("%s = %v, want > 0", name, after[name])
		}
	}
	if _, ok := after["logdb_state_checkpoint_duration_seconds_count"]; !ok {
		t.Error("no logdb_state_checkpoint_duration_seconds in the scrape")
	}
	if after[`logdb_sql_connections{state="idle"}`]+after[`logdb_sql_connections{state="active"}`] < 5 {
		t.Errorf("connections: %v idle, %v active; want at least the 5 idle test connections and the scrape's own",
			after[`logdb_sql_connections{state="idle"}`], after[`logdb_sql_connections{state="active"}`])
	}
	if err := stx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	promtoolCheck(t, body)
}

// TestClusterReadyz: /readyz is 503 on a follower cut off from its leader
// (the other two nodes stopped with SIGSTOP) and 200 again once they are
// back and it has caught up. The nodes log in JSON: every line of node N
// is a JSON object with "node": N.
func TestClusterReadyz(t *testing.T) {
	c := newCluster(t, 3, "--log-format", "json")
	c.HTTP = map[uint64]string{}
	for id := range c.Nodes {
		c.HTTP[id] = freeAddr(t)
	}
	c.startAll()
	ctx := testCtx(t, 90*time.Second)
	leader := c.mustLeader(ctx)
	follower := leader%3 + 1
	others := []uint64{}
	for id := range c.Nodes {
		if id != follower {
			others = append(others, id)
		}
	}
	readyz := func(id uint64) (int, string) {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		code, body, err := httpGet(rctx, "http://"+c.HTTP[id]+"/readyz")
		if err != nil {
			return 0, err.Error()
		}
		return code, strings.TrimSpace(body)
	}
	waitReadyz := func(id uint64, want int) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, body := readyz(id)
			if code == want {
				return body
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d /readyz: %d %q, want %d", id, code, body, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for id := range c.Nodes {
		waitReadyz(id, 200)
	}

	// Writes through the leader, and the follower's metrics show them.
	lc, err := c.connect(ctx, leader)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close(context.Background())
	mustExec(t, ctx, lc, "CREATE TABLE r (id int PRIMARY KEY)")
	mustExec(t, ctx, lc, "SELECT * FROM pg_create_logical_replication_slot('readyz_slot', 'pgoutput')")
	for i := range 20 {
		mustExec(t, ctx, lc, "INSERT INTO r VALUES ($1)", i)
	}
	if _, err := lc.Exec(ctx, "INSERT INTO r VALUES (1)"); sqlState(err) != "23505" { // errors_total has a series
		t.Fatalf("duplicate key: %v", err)
	}
	lm, lbody := scrape(t, ctx, c.HTTP[leader])
	promtoolCheck(t, lbody)
	checkDeployFiles(t, lbody)
	if lm["logdb_raft_is_leader"] != 1 || lm["logdb_raft_leader_id"] != float64(leader) {
		t.Errorf("leader's metrics: is_leader %v, leader_id %v", lm["logdb_raft_is_leader"], lm["logdb_raft_leader_id"])
	}
	if lm[fmt.Sprintf(`logdb_raft_peer_reachable{peer="%d"}`, follower)] != 1 {
		t.Errorf("leader sees follower %d unreachable", follower)
	}
	// The leader measures heartbeat round trips to every peer.
	if n := lm[fmt.Sprintf(`logdb_raft_peer_round_trip_seconds_count{peer="%d"}`, follower)]; n < 1 {
		t.Errorf("leader's round trips to follower %d: %v measured", follower, n)
	}
	c.mustCatchUp(ctx, follower)
	fm, fbody := scrape(t, ctx, c.HTTP[follower])
	promtoolCheck(t, fbody)
	if fm["logdb_raft_is_leader"] != 0 || fm["logdb_raft_leader_id"] != float64(leader) || fm["logdb_raft_applied_index"] < lm["logdb_raft_commit_index"] {
		t.Errorf("follower's metrics: is_leader %v, leader_id %v, applied %v (leader's commit %v)",
			fm["logdb_raft_is_leader"], fm["logdb_raft_leader_id"], fm["logdb_raft_applied_index"], lm["logdb_raft_commit_index"])
	}

	// Cut the follower off: stop the other two.
	for _, id := range others {
		c.signal(id, syscall.SIGSTOP)
	}
	stopped := true
	defer func() {
		if stopped {
			for _, id := range others {
				c.signal(id, syscall.SIGCONT)
			}
		}
	}()
	body := waitReadyz(follower, 503)
	if !strings.Contains(body, "no raft leader") {
		t.Errorf("follower cut off: /readyz says %q, want the reason (no raft leader known)", body)
	}
	if code, _, err := httpGet(ctx, "http://"+c.HTTP[follower]+"/healthz"); err != nil || code != 200 {
		t.Errorf("/healthz of the cut-off follower: %d %v (the process serves)", code, err)
	}
	t.Logf("cut-off follower %d: /readyz 503 %q", follower, body)

	for _, id := range others {
		c.signal(id, syscall.SIGCONT)
	}
	stopped = false
	// Writes continue once a leader is back; the follower catches up.
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		cc, err := c.connect(wctx, c.mustLeader(ctx))
		if err == nil {
			_, err = cc.Exec(wctx, "INSERT INTO r VALUES (100)")
			cc.Close(context.Background())
		}
		if err == nil {
			break
		}
		if wctx.Err() != nil {
			t.Fatalf("write after resuming: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	body = waitReadyz(follower, 200)
	t.Logf("follower %d back: /readyz 200 %q", follower, body)
	fc, err := c.connect(ctx, follower)
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close(context.Background())
	mustExec(t, ctx, fc, "SET logdb.read_consistency = 'local'")
	deadline := time.Now().Add(20 * time.Second)
	for queryInt(t, ctx, fc, "SELECT count(*) FROM r WHERE id = 100") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the follower never applied the write made after resuming")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A backup through the follower restores as a cluster of its own.
	file := filepath.Join(t.TempDir(), "follower.backup")
	host, port, _ := strings.Cut(c.Nodes[follower].Addr, ":")
	if out, err := exec.CommandContext(ctx, logdbBin, "backup", "--host", host, "--port", port, "--to", file).CombinedOutput(); err != nil {
		t.Fatalf("logdb backup through follower %d: %v\n%s", follower, err, out)
	} else if !strings.Contains(string(out), fmt.Sprintf("through node %d", follower)) {
		t.Errorf("logdb backup through follower %d: %s", follower, out)
	}
	restored := t.TempDir()
	if out, err := exec.CommandContext(ctx, logdbBin, "restore", "--from", file, "--data-dir", restored).CombinedOutput(); err != nil {
		t.Fatalf("logdb restore: %v\n%s", err, out)
	}
	rn := mustStartNode(t, restored)
	rc := mustConnect(t, rn)
	checkQuery(t, ctx, rc, "21", "SELECT count(*) FROM r")
	checkQuery(t, ctx, rc, "1|leader", "SELECT count(*), max(role) FROM logdb_cluster")

	for id, n := range c.Nodes {
		checkJSONLog(t, n.Log, id)
	}
}

// checkJSONLog checks that every line a node wrote to its log is a JSON
// object carrying its node id (the harness's own "====" lines aside).
func checkJSONLog(t *testing.T, path string, id uint64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "==== ") {
			continue
		}
		lines++
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("node %d log line is not JSON: %q", id, line)
			continue
		}
		if node, ok := rec["node"].(float64); !ok || uint64(node) != id {
			t.Errorf("node %d log line without \"node\": %d: %q", id, id, line)
		}
	}
	if lines == 0 {
		t.Errorf("node %d logged nothing", id)
	}
}

// checkDeployFiles checks deploy/alerts.yml and deploy/grafana-dashboard.json
// against a scrape: every logdb_ metric they name is in it, the alert
// rules pass `promtool check rules`, and so does every dashboard query
// (as a recording rule, with Grafana's variables filled in).
func checkDeployFiles(t *testing.T, scrapeBody string) {
	t.Helper()
	alerts, err := os.ReadFile("../deploy/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	dashText, err := os.ReadFile("../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(dashText, &dash); err != nil {
		t.Fatalf("deploy/grafana-dashboard.json: %v", err)
	}
	var exprs []string
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, strings.NewReplacer("$__rate_interval", "1m", "$instance", ".*").Replace(tg.Expr))
		}
	}

	families := map[string]string{} // name → type, from the scrape's # TYPE lines
	for _, line := range strings.Split(scrapeBody, "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			families[f[2]] = f[3]
		}
	}
	names := metricName.FindAllString(string(alerts)+strings.Join(exprs, " "), -1)
	for _, name := range names {
		base := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(name, suffix); ok && (families[b] == "histogram" || families[b] == "summary") {
				base = b
			}
		}
		if _, ok := families[base]; !ok {
			t.Errorf("deploy files name %s, which the scrape does not have", name)
		}
	}

	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool not installed: skipping `promtool check rules` of deploy/")
		return
	}
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, e := range exprs {
		q, _ := json.Marshal(e) // a JSON string is a YAML string
		fmt.Fprintf(&rules, "      - record: logdb:dashboard_query_%d\n        expr: %s\n", i, q)
	}
	dashRules := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(dashRules, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"../deploy/alerts.yml", dashRules} {
		if out, err := exec.Command(path, "check", "rules", f).CombinedOutput(); err != nil {
			t.Errorf("promtool check rules %s: %v\n%s", f, err, out)
		}
	}
}

var metricName = regexp.MustCompile(`logdb_[a-z_]+`)
