package raftlog

import (
	"testing"
	"time"
)

// TestDiskGuardReusesStatfs: a fresh statfs reading serves later
// proposals, less what the answered ones wrote; near the reserve the guard
// reads statfs again rather than trust its estimate.
func TestDiskGuardReusesStatfs(t *testing.T) {
	g := &diskGuard{dir: t.TempDir(), reserve: 100}
	// A reading of 1000 bytes free that stays fresh for the test.
	g.free, g.statAt = 1000, time.Now().Add(time.Hour)
	if err := g.admit(100); err != nil { // 300 of 1000
		t.Fatal(err)
	}
	g.release(100)
	if est := g.free - g.since; est != 700 {
		t.Fatalf("estimate after a 300-byte proposal = %d, want 700", est)
	}
	if err := g.admit(50); err != nil { // 150 of 700: far from the reserve
		t.Fatal(err)
	}
	if g.free != 1000 {
		t.Fatalf("statfs read again (free %d) while far from the reserve", g.free)
	}
	// 600 more of 700 with 150 in flight: too close, so statfs is read
	// again, and the temporary directory's disk has room.
	if err := g.admit(200); err != nil {
		t.Fatalf("admit near the estimated limit: %v (the real disk has room)", err)
	}
	if g.free == 1000 || g.since != 0 {
		t.Fatalf("statfs not read again near the reserve (free %d, since %d)", g.free, g.since)
	}
	g.release(50)
	g.release(200)
	if a := g.admitted.Load(); a != 0 {
		t.Fatalf("admitted = %d after every release", a)
	}
}
