package kv

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A truncated state file (issue 11: state.db cut to 8 KB made bbolt die
// with SIGBUS) is detected at Open, whatever the marker says, and replaced
// by the checkpoint; raft re-applies the rest. The same boot and a clean
// close are no excuse: the file is a cache of the log.
func TestTruncatedStateFileIsRebuilt(t *testing.T) {
	for _, cut := range []int64{8 << 10, 100 << 10, 1} {
		path := filepath.Join(t.TempDir(), "state.db")
		s := openDurable(t, path, durOptions("boot-A"))
		applyRange(t, s, 1, 300)
		if _, err := s.Checkpoint(); err != nil {
			t.Fatal(err)
		}
		applyRange(t, s, 301, 600)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if damaged, err := checkStateFile(path); err != nil || damaged != "" {
			t.Fatalf("an intact file is reported %q, %v", damaged, err)
		}
		if err := os.Truncate(path, cut); err != nil {
			t.Fatal(err)
		}
		damaged, err := checkStateFile(path)
		if err != nil || damaged == "" {
			t.Fatalf("cut to %d bytes: checkStateFile = %q, %v", cut, damaged, err)
		}
		var logs bytes.Buffer
		opts := durOptions("boot-A") // the same boot, after a clean close
		opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		s = openDurable(t, path, opts)
		if l := logs.String(); !strings.Contains(l, "kv state file untrusted") || !strings.Contains(l, "damaged") {
			t.Errorf("cut to %d bytes: no warning:\n%s", cut, l)
		}
		if s.AppliedIndex() != 300 {
			t.Fatalf("cut to %d bytes: applied %d, want the checkpoint's 300", cut, s.AppliedIndex())
		}
		applyRange(t, s, 301, 600)
		if got, want := dump(t, s), reference(t, 600); got != want {
			t.Fatalf("cut to %d bytes: rebuilt state differs", cut)
		}
	}
}
