package test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// shBlocks returns the ```sh blocks of a markdown file's "## section",
// in order.
func shBlocks(t *testing.T, path, section string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []string
	var cur *strings.Builder
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = line == "## "+section
		case !in:
		case cur == nil && line == "```sh":
			cur = &strings.Builder{}
		case cur != nil && line == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	if len(blocks) == 0 {
		t.Fatalf("%s has no sh blocks under %q", path, section)
	}
	return blocks
}

// guideScript is a section's sh blocks with their fixed ports replaced by
// free ones (ports maps each to its replacement, filled here) and other
// literal strings by subst.
func guideScript(t *testing.T, section string, ports map[string]string, subst ...string) string {
	t.Helper()
	script := strings.Join(shBlocks(t, "../docs/operations.md", section), "\n")
	for port := range ports {
		if !strings.Contains(script, port) {
			t.Fatalf("the guide's %q no longer uses port %s; update this test", section, port)
		}
		if ports[port] == "" {
			addr := freeAddr(t)
			ports[port] = addr[strings.LastIndexByte(addr, ':')+1:]
		}
		script = strings.ReplaceAll(script, port, ports[port])
	}
	for i := 0; i+1 < len(subst); i += 2 {
		if !strings.Contains(script, subst[i]) {
			t.Fatalf("the guide's %q no longer says %q; update this test", section, subst[i])
		}
		script = strings.ReplaceAll(script, subst[i], subst[i+1])
	}
	return script
}

// runGuide runs script with bash -e in dir (which holds bin/logdb); the
// processes it starts in the background are killed when the test ends.
func runGuide(t *testing.T, ctx context.Context, dir, script string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", script)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // what it starts runs in its group
	t.Cleanup(func() {
		if cmd.Process != nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	// A file, not a pipe: a node started with & keeps its output open
	// after bash exits, and a pipe would wait for it.
	outf, err := os.CreateTemp(t.TempDir(), "guide-*.out")
	if err != nil {
		t.Fatal(err)
	}
	defer outf.Close()
	cmd.Stdout, cmd.Stderr = outf, outf
	err = cmd.Run()
	out, _ := os.ReadFile(outf.Name())
	if err != nil {
		t.Fatalf("the guide's commands failed: %v\n%s\n%s", err, script, out)
	}
	return string(out)
}

// TestOperationsGuide runs docs/operations.md's commands as written, in
// a scratch directory with bin/logdb, their fixed ports replaced by free
// ones: "Deploying three nodes with TLS" (the certificates, three nodes
// with --certs-dir, psql with sslmode=verify-full sees the cluster and a
// TLS session), "Backups" (a backup through node 1, its restore, and a
// point-in-time restore to an LSN taken after the backup) and "Health
// checks" (a node with --http-listen, curl of /healthz and /readyz).
func TestOperationsGuide(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	for _, tool := range []string{"pg_isready", "psql", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	ctx := testCtx(t, 120*time.Second)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(logdbBin, filepath.Join(dir, "bin", "logdb")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i := 1; i <= 3; i++ {
				t.Logf("node%d.log:\n%s", i, tailFile(filepath.Join(dir, fmt.Sprintf("node%d.log", i)), 20))
			}
		}
	})

	cluster := map[string]string{"7001": "", "7002": "", "7003": "", "5433": "", "5434": "", "5435": ""}
	text := runGuide(t, ctx, dir, guideScript(t, "Deploying three nodes with TLS", cluster))
	t.Logf("deploying:\n%s", text)
	for _, want := range []string{"(3 rows)", " leader ", "TLSv1.3"} {
		if !strings.Contains(text, want) {
			t.Errorf("the guide's psql output lacks %q:\n%s", want, text)
		}
	}

	// Backups, through node 1: some rows, the backup, more rows, and the
	// point-in-time restore to the LSN after the first of them.
	psql := func(sql string) string {
		out, err := exec.CommandContext(ctx, "psql", "-X", "-qtA", "-h", "127.0.0.1", "-p", cluster["5433"], "-U", "logdb", "logdb", "-c", sql).CombinedOutput()
		if err != nil {
			t.Fatalf("psql %q: %v\n%s", sql, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	psql("CREATE TABLE guide (id int PRIMARY KEY)")
	psql("INSERT INTO guide VALUES (1)")
	backups := shBlocks(t, "../docs/operations.md", "Backups")
	if len(backups) < 2 {
		t.Fatalf("the guide's Backups section has %d blocks, want 2", len(backups))
	}
	full := guideScript(t, "Backups", map[string]string{"5433": cluster["5433"]})
	first := full[:strings.Index(full, "bin/logdb restore --from ./logdb.backup --data-dir ./before-mistake")]
	if out := runGuide(t, ctx, dir, first); !strings.Contains(out, "restored ./logdb.backup into ./restored") {
		t.Errorf("backup and restore: %s", out)
	}
	psql("INSERT INTO guide VALUES (2)")
	lsn := psql("SELECT pg_current_wal_lsn()")
	psql("INSERT INTO guide VALUES (3)")
	second := strings.TrimPrefix(guideScript(t, "Backups", map[string]string{"5433": cluster["5433"]}, "0/1CFFFFFF", lsn), first)
	if out := runGuide(t, ctx, dir, second); !strings.Contains(out, "restored ./logdb.backup into ./before-mistake") {
		t.Errorf("point-in-time restore: %s", out)
	}
	n := &Node{Dir: filepath.Join(dir, "before-mistake"), Log: filepath.Join(dir, "restored.log")}
	n.mustStart(t, "")
	t.Cleanup(n.kill)
	checkQuery(t, ctx, mustConnect(t, n), "1,2", "SELECT string_agg(id::text, ',' ORDER BY id) FROM guide")

	// Health checks: a single node with --http-listen.
	health := runGuide(t, ctx, dir, guideScript(t, "Health checks", map[string]string{"5433": "", "9187": ""}, "./logdb-data", "./health-data",
		"--http-listen", "--log-level warn --http-listen"))
	if !strings.Contains(health, "ok") || !strings.Contains(health, "leader 1") {
		t.Errorf("health checks: %q", health)
	}
}
