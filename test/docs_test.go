package test

import (
	"bufio"
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

// TestOperationsGuide runs docs/operations.md's "Deploying three nodes
// with TLS" as written, in a scratch directory with bin/logdb, its fixed
// ports replaced by free ones: the certificates are made, three nodes
// start with --certs-dir (mutual TLS between them), and psql with
// sslmode=verify-full sees a three-member cluster with a leader, over TLS.
func TestOperationsGuide(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	if _, err := exec.LookPath("pg_isready"); err != nil {
		t.Skip("pg_isready and psql are not installed")
	}
	ctx := testCtx(t, 90*time.Second)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(logdbBin, filepath.Join(dir, "bin", "logdb")); err != nil {
		t.Fatal(err)
	}
	script := strings.Join(shBlocks(t, "../docs/operations.md", "Deploying three nodes with TLS"), "\n")
	for _, port := range []string{"7001", "7002", "7003", "5433", "5434", "5435"} {
		if !strings.Contains(script, port) {
			t.Fatalf("the guide no longer uses port %s; update this test", port)
		}
		addr := freeAddr(t)
		script = strings.ReplaceAll(script, port, addr[strings.LastIndexByte(addr, ':')+1:])
	}
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", script)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the nodes run in its group
	t.Cleanup(func() {
		if cmd.Process != nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		if t.Failed() {
			for i := 1; i <= 3; i++ {
				t.Logf("node%d.log:\n%s", i, tailFile(filepath.Join(dir, fmt.Sprintf("node%d.log", i)), 20))
			}
		}
	})
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the guide's commands failed: %v\n%s", err, out)
	}
	text := string(out)
	t.Logf("output:\n%s", text)
	for _, want := range []string{"(3 rows)", " leader ", "TLSv1.3"} {
		if !strings.Contains(text, want) {
			t.Errorf("the guide's psql output lacks %q:\n%s", want, text)
		}
	}
}
