package raftlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

func ent(index, term uint64, data string) *pb.Entry {
	return &pb.Entry{Index: new(index), Term: new(term), Type: pb.EntryNormal.Enum(), Data: []byte(data)}
}

func hardState(term, vote, commit uint64) *pb.HardState {
	return &pb.HardState{Term: new(term), Vote: new(vote), Commit: new(commit)}
}

func mustOpenWAL(t *testing.T, dir string, segSize int64) *wal {
	t.Helper()
	w, err := openWAL(dir, segSize, testLogger(t))
	if err != nil {
		t.Fatalf("openWAL: %v", err)
	}
	t.Cleanup(func() { w.closeFiles() })
	return w
}

func mustAppend(t *testing.T, w *wal, hs *pb.HardState, ents ...*pb.Entry) {
	t.Helper()
	if err := w.append(ents, hs, true); err != nil {
		t.Fatalf("append: %v", err)
	}
}

// checkLog asserts the WAL holds exactly want (index → "term:data").
func checkLog(t *testing.T, w *wal, first uint64, want []string) {
	t.Helper()
	f, last := w.bounds()
	if f != first || last != first+uint64(len(want))-1 {
		t.Fatalf("bounds [%d, %d], want [%d, %d]", f, last, first, first+uint64(len(want))-1)
	}
	ents, err := w.entries(first, last+1, 1<<62)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range ents {
		got := fmt.Sprintf("%d:%s", e.GetTerm(), e.GetData())
		if e.GetIndex() != first+uint64(i) || got != want[i] {
			t.Fatalf("entry %d = %d %q, want %q", first+uint64(i), e.GetIndex(), got, want[i])
		}
		if term, err := w.term(e.GetIndex()); err != nil || term != e.GetTerm() {
			t.Fatalf("term(%d) = %d, %v; want %d", e.GetIndex(), term, err, e.GetTerm())
		}
	}
}

func TestWALConflictRewriteLaterRecordsWin(t *testing.T) {
	dir := t.TempDir()
	w := mustOpenWAL(t, dir, 0)
	mustAppend(t, w, hardState(1, 1, 0), ent(1, 1, "a"), ent(2, 1, "b"), ent(3, 1, "c"), ent(4, 1, "d"))
	// A new leader rewrites 3.. with its own entries.
	mustAppend(t, w, hardState(2, 2, 2), ent(3, 2, "C"), ent(4, 2, "D"), ent(5, 2, "E"))
	// And again, shorter than before.
	mustAppend(t, w, hardState(3, 3, 2), ent(4, 3, "x"))
	want := []string{"1:a", "1:b", "2:C", "3:x"}
	checkLog(t, w, 1, want)
	if _, err := w.term(5); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("term(5) after rewrite: %v", err)
	}
	w.close()
	w2 := mustOpenWAL(t, dir, 0)
	checkLog(t, w2, 1, want)
	hs, _, _ := w2.state()
	if hs.GetTerm() != 3 || hs.GetVote() != 3 || hs.GetCommit() != 2 {
		t.Fatalf("hardstate after replay: %v", hs)
	}
}

func TestWALSegmentsAndFront(t *testing.T) {
	dir := t.TempDir()
	w := mustOpenWAL(t, dir, 1024)
	var want []string
	for i := uint64(1); i <= 60; i++ {
		d := fmt.Sprintf("%03d-%s", i, bytes.Repeat([]byte("p"), 50))
		mustAppend(t, w, hardState(1, 1, i), ent(i, 1, d))
		want = append(want, "1:"+d)
	}
	if len(w.segs) < 3 {
		t.Fatalf("%d segments, want several", len(w.segs))
	}
	checkLog(t, w, 1, want)
	one := uint64(w.pos[0].n)
	for _, tc := range []struct{ max, want uint64 }{{0, 1}, {one, 1}, {2*one + 1, 2}} {
		if ents, err := w.entries(1, 61, tc.max); err != nil || uint64(len(ents)) != tc.want {
			t.Fatalf("entries(maxSize=%d) = %d entries, %v; want %d", tc.max, len(ents), err, tc.want)
		}
	}
	if err := w.truncateFront(41); err != nil {
		t.Fatal(err)
	}
	checkLog(t, w, 41, want[40:])
	if term, err := w.term(40); err != nil || term != 1 {
		t.Fatalf("term(first-1) = %d, %v", term, err)
	}
	if _, err := w.entries(40, 41, 1<<62); !errors.Is(err, ErrCompacted) {
		t.Fatalf("entries below first: %v", err)
	}
	w.close()
	w2 := mustOpenWAL(t, dir, 1024)
	checkLog(t, w2, 41, want[40:])
	hs, _, _ := w2.state()
	if hs.GetCommit() != 60 {
		t.Fatalf("hardstate lost with deleted segments: %v", hs)
	}
	mustAppend(t, w2, nil, ent(61, 2, "new"))
	checkLog(t, w2, 41, append(want[40:], "2:new"))
}

// writeAt overwrites bytes of a file.
func writeAt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestWALCorruption(t *testing.T) {
	build := func(t *testing.T) (dir string, w *wal) {
		dir = t.TempDir()
		w = mustOpenWAL(t, dir, 0)
		for i := uint64(1); i <= 10; i++ {
			mustAppend(t, w, hardState(1, 1, i), ent(i, 1, fmt.Sprintf("entry-%02d", i)))
		}
		return dir, w
	}
	t.Run("bad crc in the middle", func(t *testing.T) {
		dir, w := build(t)
		p := w.pos[4]
		path := w.current().path
		w.close()
		writeAt(t, path, int64(p.off+p.n-1), []byte{0xff})
		if _, err := openWAL(dir, 0, testLogger(t)); !errors.Is(err, ErrCorruptLog) {
			t.Fatalf("openWAL: %v, want ErrCorruptLog", err)
		}
	})
	t.Run("zeroed header in the middle", func(t *testing.T) {
		dir, w := build(t)
		p := w.pos[4]
		path := w.current().path
		w.close()
		writeAt(t, path, int64(p.off), make([]byte, recHeaderSize))
		if _, err := openWAL(dir, 0, testLogger(t)); !errors.Is(err, ErrCorruptLog) {
			t.Fatalf("openWAL: %v, want ErrCorruptLog", err)
		}
	})
	t.Run("partial record at end of file", func(t *testing.T) {
		dir, w := build(t)
		mustAppend(t, w, nil, ent(11, 1, "last"))
		end, path := w.current().size, w.current().path
		w.close()
		// No preallocation (as on a filesystem without fallocate): the
		// file ends inside the last record.
		if err := os.Truncate(path, end-3); err != nil {
			t.Fatal(err)
		}
		w2 := mustOpenWAL(t, dir, 0)
		_, last := w2.bounds()
		if last != 10 {
			t.Fatalf("last index %d after torn tail, want 10", last)
		}
	})
	t.Run("garbage in sealed segment", func(t *testing.T) {
		dir := t.TempDir()
		w := mustOpenWAL(t, dir, 256)
		for i := uint64(1); i <= 20; i++ {
			mustAppend(t, w, nil, ent(i, 1, fmt.Sprintf("entry-%02d-%s", i, bytes.Repeat([]byte("q"), 40))))
		}
		sealed := w.segs[0]
		w.close()
		// Garbage (not a record) right after the sealed segment's records.
		writeAt(t, sealed.path, sealed.size, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
		if _, err := openWAL(dir, 256, testLogger(t)); !errors.Is(err, ErrCorruptLog) {
			t.Fatalf("openWAL: %v, want ErrCorruptLog", err)
		}
	})
	t.Run("missing segment", func(t *testing.T) {
		dir := t.TempDir()
		w := mustOpenWAL(t, dir, 256)
		for i := uint64(1); i <= 20; i++ {
			mustAppend(t, w, nil, ent(i, 1, fmt.Sprintf("entry-%02d-%s", i, bytes.Repeat([]byte("q"), 40))))
		}
		mid := w.segs[1].path
		w.close()
		os.Remove(mid)
		if _, err := openWAL(dir, 256, testLogger(t)); !errors.Is(err, ErrCorruptLog) {
			t.Fatalf("openWAL: %v, want ErrCorruptLog", err)
		}
	})
}

func TestWALIgnoresOtherFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o644)
	w := mustOpenWAL(t, dir, 0)
	mustAppend(t, w, nil, ent(1, 1, "a"))
	checkLog(t, w, 1, []string{"1:a"})
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, recEntry, []byte("hello")))
	f.Add(appendRecord(appendRecord(nil, recHardState, []byte{8, 1}), recFront, make([]byte, 16)))
	f.Add(make([]byte, 20))
	f.Add([]byte{5, 0, 0, 0, 1, 2, 3, 4, 1, 'a'})
	big := binary.LittleEndian.AppendUint32(nil, 1<<31)
	f.Add(append(big, 0, 0, 0, 0, 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, payload, n, err := decodeRecord(b)
		if err != nil {
			if n != 0 || payload != nil {
				t.Fatalf("error %v with n=%d", err, n)
			}
			validRecordAfter(b, 0) // must not panic
			return
		}
		if n < recHeaderSize || n > len(b) || len(payload) != n-recHeaderSize {
			t.Fatalf("n=%d len(b)=%d payload=%d", n, len(b), len(payload))
		}
		// A good record re-encodes to the same bytes.
		if re := appendRecord(nil, typ, payload); !bytes.Equal(re, b[:n]) {
			t.Fatalf("re-encoded %x, read %x", re, b[:n])
		}
	})
}

func TestWALMissingFirstSegment(t *testing.T) {
	dir := t.TempDir()
	w := mustOpenWAL(t, dir, 256)
	for i := uint64(1); i <= 20; i++ {
		mustAppend(t, w, nil, ent(i, 1, fmt.Sprintf("entry-%02d-%s", i, bytes.Repeat([]byte("q"), 40))))
	}
	first := w.segs[0].path
	w.close()
	os.Remove(first)
	if _, err := openWAL(dir, 256, testLogger(t)); !errors.Is(err, ErrCorruptLog) {
		t.Fatalf("openWAL without its first segment: %v, want ErrCorruptLog", err)
	}
}

// TestWALSegmentsAreZeroFilled: every segment is written out to its full
// size with zeros (no unwritten extents, see spare.go), rolls take the
// spare prepared in the background, the log survives a reopen, and close
// deletes a spare nobody took.
func TestWALSegmentsAreZeroFilled(t *testing.T) {
	dir := t.TempDir()
	const segSize = 4 << 10
	w := mustOpenWAL(t, dir, segSize)
	var want []string
	for i := uint64(1); i <= 60; i++ {
		data := fmt.Sprintf("entry-%03d-%s", i, bytes.Repeat([]byte("x"), 200))
		mustAppend(t, w, hardState(1, 1, i), ent(i, 1, data))
		want = append(want, "1:"+data)
	}
	seqs, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) < 3 {
		t.Fatalf("%d segments for 60 entries of 4 KiB segments: no rolls", len(seqs))
	}
	for _, seq := range seqs {
		fi, err := os.Stat(segmentPath(dir, seq))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() < segSize { // the last batch may run past it
			t.Errorf("segment %d is %d bytes, want at least %d", seq, fi.Size(), segSize)
		}
	}
	if err := w.closeFiles(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, spareName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("spare segment left behind after close: %v", err)
	}
	w2 := mustOpenWAL(t, dir, segSize)
	checkLog(t, w2, 1, want)
}
