package raftlog

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestRestore opens a log prepared by Restore under a state machine
// applied up to the restored index: the node leads a group of its own, its
// log starts after that index, and it survives a restart.
func TestRestore(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "applied"), []byte(strconv.Itoa(500)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Restore(filepath.Join(dir, "wal"), 1, 500, 7); err != nil {
		t.Fatal(err)
	}
	if err := Restore(filepath.Join(dir, "wal"), 1, 500, 7); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("second Restore into the same directory: %v, want ErrNotEmpty", err)
	}
	sm := newMemSM(t, dir)
	n := mustOpen(t, dir, sm)
	ctx := testCtx(t)
	if first := n.FirstIndex(); first != 501 {
		t.Fatalf("FirstIndex %d, want 501", first)
	}
	if term, err := n.Term(500); err != nil || term != 7 {
		t.Fatalf("Term(500) = %d, %v; want 7", term, err)
	}
	_, idx := mustPropose(t, ctx, n, "after restore")
	if idx <= 500 {
		t.Fatalf("first proposal at index %d, want > 500", idx)
	}
	if st := n.Status(); st.Leader != 1 || st.Term <= 7 {
		t.Fatalf("status after restore: %+v", st)
	}
	mustShutdown(t, n)

	n = mustOpen(t, dir, newMemSM(t, dir))
	_, idx2 := mustPropose(t, ctx, n, "after restart")
	if idx2 <= idx {
		t.Fatalf("after restart: index %d, want > %d", idx2, idx)
	}
}
