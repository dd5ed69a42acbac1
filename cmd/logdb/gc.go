package main

import (
	"os"
	"runtime/debug"
)

// defaultGCPercent replaces Go's default GOGC of 100. logdb's live heap is
// small (catalog, parse cache, raft buffers; table data lives in bbolt's
// mmap, outside the heap), while every statement allocates a few KiB that
// die at once, so with GOGC=100 the collector runs many times a second and
// took about 15% of the CPU under a point-SELECT load. 400 cuts the cycles
// by four for a heap at most five times the live one.
const defaultGCPercent = 400

// init applies defaultGCPercent unless $GOGC is set: GOGC (and
// GOMEMLIMIT) keep their usual meaning for operators who tune them.
func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}
