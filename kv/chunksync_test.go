package kv

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestChunkSyncerSyncsEveryChunk: a large file is fsynced every syncChunk
// bytes while it is written, not only at the end, and arrives whole.
func TestChunkSyncerSyncsEveryChunk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &chunkSyncer{f: f}
	block := bytes.Repeat([]byte{7}, 1<<20)
	total := 3*syncChunk + 1
	for written := 0; written < total; {
		n, err := c.Write(block[:min(len(block), total-written)])
		if err != nil {
			t.Fatal(err)
		}
		written += n
	}
	if c.syncs != 3 {
		t.Fatalf("%d syncs for %d bytes, want 3", c.syncs, total)
	}
	if st, err := f.Stat(); err != nil || st.Size() != int64(total) {
		t.Fatalf("size %v (%v), want %d", st.Size(), err, total)
	}
}

// TestWriteFileSyncedStopsWhenClosing: a checkpoint write in progress ends
// with ErrClosed once the store closes.
func TestWriteFileSyncedStopsWhenClosing(t *testing.T) {
	done := make(chan struct{})
	close(done)
	err := writeFileSynced(filepath.Join(t.TempDir(), "f"), done, func(w io.Writer) (int64, error) {
		n, err := w.Write(make([]byte, 2<<20)) // more than bufio's buffer
		return int64(n), err
	})
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("err %v, want ErrClosed", err)
	}
}
