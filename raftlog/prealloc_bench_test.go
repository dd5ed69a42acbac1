//go:build linux

package raftlog

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func benchOverwrite(b *testing.B, prep func(f *os.File, size int64) error) {
	f, err := os.Create(filepath.Join(b.TempDir(), "f"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const size = 64 << 20
	if err := prep(f, size); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	rec := bytes.Repeat([]byte("x"), 220)
	var off int64
	for b.Loop() {
		if _, err := f.WriteAt(rec, off); err != nil {
			b.Fatal(err)
		}
		off = (off + int64(len(rec))) % (size - 1024)
		if err := fdatasync(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFdatasyncFallocated(b *testing.B) {
	benchOverwrite(b, func(f *os.File, size int64) error {
		return syscall.Fallocate(int(f.Fd()), 0, 0, size)
	})
}

func BenchmarkFdatasyncZeroFilled(b *testing.B) {
	benchOverwrite(b, func(f *os.File, size int64) error {
		_, err := f.WriteAt(make([]byte, size), 0)
		return err
	})
}
