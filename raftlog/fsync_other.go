//go:build !linux

package raftlog

import "os"

func fdatasync(f *os.File) error { return f.Sync() }

// freeBytes is unknown here: no bound.
func freeBytes(dir string) (uint64, error) { return 1 << 62, nil }
