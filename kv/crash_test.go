package kv

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// crashEntry is entry i of the crash workload: it sets "last" to i and
// inserts row i, validated against the previous entry.
func crashEntry(i uint64) Entry {
	c := &Command{
		Kind: KindTxn, SnapshotIndex: i - 1,
		Reads: []Read{{Space: tbl, Key: []byte("last")}},
		Writes: []Write{
			{Space: tbl, Key: []byte("last"), Value: strconv.AppendUint(nil, i, 10)},
			{Space: tbl + 1, Key: fmt.Appendf(nil, "row%09d", i), Value: make([]byte, 200)},
		},
	}
	return Entry{Index: i, Data: EncodeCommand(c)}
}

// TestCrashChild is the process TestCrashRecovery kills: it applies the
// crash workload, with fsync, until killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv("KV_CRASH_CHILD")
	if path == "" {
		t.Skip("run by TestCrashRecovery")
	}
	s, err := Open(path, Options{Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	for first := true; ; first = false {
		if !first {
			fmt.Println("applied") // the parent kills after the first of these
		}
		next := s.AppliedIndex() + 1
		batch := make([]Entry, 1+int(next%7))
		for j := range batch {
			batch[j] = crashEntry(next + uint64(j))
		}
		if _, err := s.Apply(batch); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCrashRecovery kills a process in the middle of applying (SIGKILL),
// then checks the state is exactly some prefix of the log and that replaying
// the log from the start converges.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), "KV_CRASH_CHILD="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			ok := sc.Scan()
			ready <- ok
			for sc.Scan() { // keep draining so the child never blocks
			}
		}()
		select {
		case ok := <-ready:
			if !ok {
				t.Fatal("child exited before applying")
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatal("child did not start applying")
		}
		time.Sleep(time.Duration(20+40*round) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()

		s := mustOpenPath(t, path)
		applied := s.AppliedIndex()
		txn := mustBegin(t, s)
		last, _ := mustGet(t, txn, tbl, "last")
		rows := len(scanAll(t, txn, tbl+1, "", "", false))
		txn.Release()
		if applied == 0 || last != strconv.FormatUint(applied, 10) || uint64(rows) != applied {
			t.Fatalf("round %d: applied %d, last %q, %d rows", round, applied, last, rows)
		}
		// Raft replays from an older point: idempotent, then continues.
		var replay []Entry
		for i := applied - min(applied, 20) + 1; i <= applied+5; i++ {
			replay = append(replay, crashEntry(i))
		}
		res, err := s.Apply(replay)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatalf("round %d: replay result %v", round, r.Err)
			}
		}
		if s.AppliedIndex() != applied+5 {
			t.Fatalf("round %d: applied %d after replay", round, s.AppliedIndex())
		}
		s.Close()
		t.Logf("round %d: recovered at %d", round, applied)
	}
}
