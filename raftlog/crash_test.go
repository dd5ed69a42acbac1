package raftlog

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCrashChild is the child half of TestKillNineRecovers: it proposes
// until killed and prints each acknowledged index.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("RAFTLOG_CRASH_DIR")
	if dir == "" {
		t.Skip("child process of TestKillNineRecovers")
	}
	sm := newMemSM(t, dir)
	n, err := Open(Config{NodeID: 1, Dir: filepath.Join(dir, "wal"), Peers: map[uint64]string{1: ""},
		StateMachine: sm, TickInterval: 10 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		_, idx, err := n.Propose(context.Background(), []byte(fmt.Sprintf("c%d", i)))
		if err != nil {
			fmt.Println("propose:", err)
			os.Exit(2)
		}
		fmt.Fprintf(out, "%d c%d\n", idx, i)
		out.Flush()
	}
}

// TestKillNineRecovers kills a proposing process with SIGKILL and checks
// that every acknowledged entry survives and the log reopens cleanly, three
// times over the same directory.
func TestKillNineRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := testCtx(t)
	dir := t.TempDir()
	acked := map[uint64]string{}
	for round := range 3 {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), "RAFTLOG_CRASH_DIR="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		n := 0
		for sc.Scan() && n < 300+round*100 {
			f := strings.Fields(sc.Text())
			if len(f) != 2 {
				t.Fatalf("child: %s", sc.Text())
			}
			idx, _ := strconv.ParseUint(f[0], 10, 64)
			acked[idx] = f[1]
			n++
		}
		cmd.Process.Kill()
		cmd.Wait()
		if n == 0 {
			t.Fatal("child acknowledged nothing")
		}
		// Reopen in-process: every acknowledged entry is in the log.
		node := mustOpen(t, dir, newMemSM(t, dir))
		if _, err := node.WaitReadable(ctx); err != nil {
			t.Fatal(err)
		}
		for idx, data := range acked {
			ents, err := node.Entries(idx, idx+1)
			if err != nil || string(ents[0].Data) != data {
				t.Fatalf("round %d: acknowledged entry %d (%s) lost: %v %v", round, idx, data, ents, err)
			}
		}
		mustShutdown(t, node)
	}
	t.Logf("%d acknowledged entries survived 3 SIGKILLs", len(acked))
}
