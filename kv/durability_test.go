package kv

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// durEntry is entry i of the durability workload: it sets "last" and
// inserts a row (like crashEntry), every 7th entry also writes a catalog
// key (catalog history), and every 5th entry conflicts (failed-entry
// history), so a restore must bring back all three consistently.
func durEntry(i uint64) Entry {
	if i%5 == 0 && i > 5 {
		c := &Command{
			Kind: KindTxn, SnapshotIndex: i - 3,
			Reads:  []Read{{Space: tbl, Key: []byte("last")}},
			Writes: []Write{{Space: tbl, Key: []byte("last"), Value: []byte("never")}},
		}
		return Entry{Index: i, Data: EncodeCommand(c)}
	}
	c := &Command{
		Kind: KindTxn, SnapshotIndex: i - 1,
		Writes: []Write{
			{Space: tbl, Key: []byte("last"), Value: strconv.AppendUint(nil, i, 10)},
			{Space: tbl + 1, Key: fmt.Appendf(nil, "row%09d", i), Value: make([]byte, 200)},
		},
	}
	if i%7 == 0 {
		c.Writes = append(c.Writes, Write{Space: CatalogSpace, Key: fmt.Appendf(nil, "t/%d", i%3), Value: strconv.AppendUint(nil, i, 10)})
	}
	return Entry{Index: i, Data: EncodeCommand(c)}
}

// applyRange applies entries lo..hi in batches of 1 to 7.
func applyRange(t testing.TB, s *Store, lo, hi uint64) {
	t.Helper()
	for i := lo; i <= hi; {
		n := min(1+i%7, hi-i+1)
		batch := make([]Entry, n)
		for j := range batch {
			batch[j] = durEntry(i + uint64(j))
		}
		if _, err := s.Apply(batch); err != nil {
			t.Fatal(err)
		}
		i += n
	}
}

func durOptions(boot string) Options {
	return Options{
		InitialMmapSize: 16 << 20, Logger: quietLogger, CheckpointInterval: time.Hour,
		bootID: func() (string, error) { return boot, nil },
	}
}

func openDurable(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// osCrash stops s the way a crash would: no sync, no clean marker. (The
// bbolt file is closed only to release its lock for the next Open.)
func osCrash(t testing.TB, s *Store) {
	t.Helper()
	s.closed.Store(true)
	close(s.done)
	<-s.ckptDone
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
}

// tear overwrites a third of the file's 4 KiB pages, the two meta pages
// included, with random bytes: what a power loss can leave of a file
// written without fsync.
func tear(t testing.TB, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pages := st.Size() / 4096
	garbage := make([]byte, 4096)
	for p := int64(0); p < pages; p++ {
		if p > 1 && p%3 != 0 {
			continue
		}
		rand.Read(garbage)
		if _, err := f.WriteAt(garbage, p*4096); err != nil {
			t.Fatal(err)
		}
	}
}

// reference returns the dump of a never-crashed store that applied 1..hi.
func reference(t testing.TB, hi uint64) string {
	t.Helper()
	ref := openDurable(t, filepath.Join(t.TempDir(), "ref.db"), durOptions("ref"))
	applyRange(t, ref, 1, hi)
	return dump(t, ref)
}

func TestOSCrashRestoresCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openDurable(t, path, durOptions("boot-A"))
	applyRange(t, s, 1, 300)
	if ck, err := s.Checkpoint(); err != nil || ck != 300 || s.DurableIndex() != 300 {
		t.Fatalf("checkpoint: %d, %v; durable %d", ck, err, s.DurableIndex())
	}
	applyRange(t, s, 301, 700)
	if s.DurableIndex() != 300 {
		t.Fatalf("durable %d after more applies, want 300", s.DurableIndex())
	}
	osCrash(t, s)
	tear(t, path)

	var logs bytes.Buffer
	opts := durOptions("boot-B") // rebooted
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	s = openDurable(t, path, opts)
	if l := logs.String(); !strings.Contains(l, "level=WARN msg=\"kv state file untrusted") || !strings.Contains(l, "checkpoint_index=300") {
		t.Errorf("no warning with the checkpoint index:\n%s", l)
	}
	if s.AppliedIndex() != 300 || s.DurableIndex() != 300 {
		t.Fatalf("after OS crash: applied %d, durable %d; want the checkpoint's 300", s.AppliedIndex(), s.DurableIndex())
	}
	// raft re-applies from its WAL, starting a little early (idempotent).
	applyRange(t, s, 290, 700)
	if got, want := dump(t, s), reference(t, 700); got != want {
		t.Fatalf("restored + re-applied state differs from a never-crashed store:\n%s\nwant\n%s", got, want)
	}
	if failed, err := s.Failed(1, 700); err != nil || len(failed) == 0 {
		t.Fatalf("failed-entry history: %v, %v", failed, err)
	}
	cat, _, err := s.CatalogAt(345)
	if err != nil || string(cat["t/1"]) != "343" || string(cat["t/2"]) != "329" {
		t.Fatalf("catalog history at 345: %q, %v", cat, err)
	}
}

func TestOSCrashWithoutCheckpointStartsEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openDurable(t, path, durOptions("boot-A"))
	applyRange(t, s, 1, 50)
	osCrash(t, s)
	tear(t, path)
	s = openDurable(t, path, durOptions("boot-B"))
	if s.AppliedIndex() != 0 || s.DurableIndex() != 0 {
		t.Fatalf("applied %d, durable %d; want 0", s.AppliedIndex(), s.DurableIndex())
	}
	applyRange(t, s, 1, 50)
	if got, want := dump(t, s), reference(t, 50); got != want {
		t.Fatalf("state differs from a never-crashed store")
	}
}

// A process crash on the same boot keeps every applied batch: the page
// cache holds the writes bbolt made without fsync.
func TestProcessCrashSameBootKeepsState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openDurable(t, path, durOptions("boot-A"))
	applyRange(t, s, 1, 100)
	s.Checkpoint()
	applyRange(t, s, 101, 200)
	osCrash(t, s)
	s = openDurable(t, path, durOptions("boot-A"))
	if s.AppliedIndex() != 200 {
		t.Fatalf("applied %d, want 200", s.AppliedIndex())
	}
	if got, want := dump(t, s), reference(t, 200); got != want {
		t.Fatalf("state differs")
	}
	waitDurable(t, s, 200) // the kept state is checkpointed at once
}

func waitDurable(t testing.TB, s *Store, want uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.DurableIndex() != want {
		if time.Now().After(deadline) {
			t.Fatalf("durable index %d, want %d", s.DurableIndex(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCleanCloseSurvivesReboot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openDurable(t, path, durOptions("boot-A"))
	applyRange(t, s, 1, 200)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openDurable(t, path, durOptions("boot-B"))
	if s.AppliedIndex() != 200 {
		t.Fatalf("applied %d after clean close and reboot, want 200", s.AppliedIndex())
	}
	// The first checkpoint is taken at once; then an OS crash restores it.
	waitDurable(t, s, 200)
	applyRange(t, s, 201, 260)
	osCrash(t, s)
	tear(t, path)
	s = openDurable(t, path, durOptions("boot-C"))
	if s.AppliedIndex() != 200 {
		t.Fatalf("applied %d, want the checkpoint's 200", s.AppliedIndex())
	}
	applyRange(t, s, 201, 260)
	if got, want := dump(t, s), reference(t, 260); got != want {
		t.Fatalf("state differs")
	}
}

// A store last run with SyncEveryApply (or by a build without the boot
// marker) may have reported its applied index as durable: Open checkpoints
// before returning, so DurableIndex never goes back.
func TestSyncEveryApplyThenDefault(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "state.db")
		opts := durOptions("boot-A")
		opts.SyncEveryApply = true
		s := openDurable(t, path, opts)
		applyRange(t, s, 1, 100)
		if s.DurableIndex() != 100 {
			t.Fatalf("SyncEveryApply: durable %d, want 100", s.DurableIndex())
		}
		applyRange(t, s, 101, 120)
		osCrash(t, s) // every commit was synced: trusted even after a reboot
		if legacy {
			os.Remove(filepath.Join(filepath.Dir(path), "state.boot"))
		}
		s = openDurable(t, path, durOptions("boot-B"))
		if s.AppliedIndex() != 120 || s.DurableIndex() != 120 {
			t.Fatalf("legacy %v: applied %d, durable %d; want 120", legacy, s.AppliedIndex(), s.DurableIndex())
		}
	}
}

func TestCrashMidCheckpoint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	s := openDurable(t, path, durOptions("boot-A"))
	applyRange(t, s, 1, 100)
	s.Checkpoint()
	applyRange(t, s, 101, 150)
	osCrash(t, s)
	// A checkpoint was being written (half a copy) and a restore too.
	ckpt, err := os.ReadFile(filepath.Join(dir, "state.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"state.ckpt.tmp", "state.db.restore"} {
		if err := os.WriteFile(filepath.Join(dir, name), ckpt[:len(ckpt)/2], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tear(t, path)
	s = openDurable(t, path, durOptions("boot-B"))
	if s.AppliedIndex() != 100 {
		t.Fatalf("applied %d, want 100", s.AppliedIndex())
	}
	for _, name := range []string{"state.ckpt.tmp", "state.db.restore"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Fatalf("%s left behind: %v", name, err)
		}
	}
	applyRange(t, s, 101, 150)
	if got, want := dump(t, s), reference(t, 150); got != want {
		t.Fatalf("state differs")
	}
}

func TestPeriodicCheckpoint(t *testing.T) {
	opts := durOptions("boot-A")
	opts.CheckpointInterval = 20 * time.Millisecond
	s := openDurable(t, filepath.Join(t.TempDir(), "state.db"), opts)
	applyRange(t, s, 1, 40)
	waitDurable(t, s, 40)
	applyRange(t, s, 41, 80)
	waitDurable(t, s, 80)
}

func TestSnapshotRestoreBecomesCheckpoint(t *testing.T) {
	src := openDurable(t, filepath.Join(t.TempDir(), "src.db"), durOptions("boot-A"))
	applyRange(t, src, 1, 90)
	var snap strings.Builder
	if _, err := src.WriteSnapshot(&snap); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.db")
	s := openDurable(t, path, durOptions("boot-A"))
	applyRange(t, s, 1, 10)
	if _, err := s.RestoreSnapshot(strings.NewReader(snap.String())); err != nil {
		t.Fatal(err)
	}
	if s.DurableIndex() != 90 {
		t.Fatalf("durable %d after restoring a snapshot at 90", s.DurableIndex())
	}
	applyRange(t, s, 91, 95)
	osCrash(t, s)
	tear(t, path)
	s = openDurable(t, path, durOptions("boot-B"))
	if s.AppliedIndex() != 90 {
		t.Fatalf("applied %d, want 90", s.AppliedIndex())
	}
}

// TestDurableCrashChild is the process TestKillDuringApplyKeepsState kills:
// it applies the durability workload without fsync, checkpointing often,
// and prints each applied index.
func TestDurableCrashChild(t *testing.T) {
	path := os.Getenv("KV_DURABLE_CHILD")
	if path == "" {
		t.Skip("run by TestKillDuringApplyKeepsState")
	}
	opts := durOptions("boot-K")
	opts.CheckpointInterval = 10 * time.Millisecond
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	for {
		next := s.AppliedIndex() + 1
		applyRange(t, s, next, next+uint64(next%7))
		fmt.Println("applied", s.AppliedIndex())
	}
}

// TestKillDuringApplyKeepsState kills (SIGKILL) a process applying without
// fsync: on the same boot, reopening keeps every batch it reported, and the
// state equals a never-crashed store's. Then a simulated reboot without a
// clean close falls back to the newest checkpoint, also consistent.
func TestKillDuringApplyKeepsState(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "state.db")
	var reported uint64
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDurableCrashChild$")
		cmd.Env = append(os.Environ(), "KV_DURABLE_CHILD="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan uint64, 1024)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if n, ok := strings.CutPrefix(sc.Text(), "applied "); ok {
					v, _ := strconv.ParseUint(n, 10, 64)
					lines <- v
				}
			}
		}()
		select {
		case v, ok := <-lines:
			if !ok {
				t.Fatal("child exited before applying")
			}
			reported = max(reported, v)
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatal("child did not start applying")
		}
		time.Sleep(time.Duration(50+50*round) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		for v := range lines {
			reported = max(reported, v)
		}

		s := openDurable(t, path, durOptions("boot-K"))
		applied := s.AppliedIndex()
		if applied < reported {
			t.Fatalf("round %d: applied %d after kill -9, child reported %d", round, applied, reported)
		}
		if got, want := dump(t, s), reference(t, applied); got != want {
			t.Fatalf("round %d: state at %d differs from a never-crashed store", round, applied)
		}
		t.Logf("round %d: kept %d (reported %d), checkpoint at %d", round, applied, reported, s.DurableIndex())
		if round < 2 {
			s.Close()
			continue
		}
		// Last round: now an OS crash before the next checkpoint.
		waitDurable(t, s, applied)
		durable := s.DurableIndex()
		applyRange(t, s, applied+1, applied+100)
		osCrash(t, s)
		tear(t, path)
		s = openDurable(t, path, durOptions("boot-L"))
		if got := s.AppliedIndex(); got != durable {
			t.Fatalf("after reboot: applied %d, want checkpoint %d", got, durable)
		}
		if got, want := dump(t, s), reference(t, durable); got != want {
			t.Fatalf("checkpoint state at %d differs from a never-crashed store", durable)
		}
	}
}
