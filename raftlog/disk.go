package raftlog

import (
	"fmt"
	"sync/atomic"
)

// Disk space. raft's contract leaves no room for a failed WAL write: an
// entry raft handed to the Ready loop must be made durable before the
// loop goes on, and a failed write or fdatasync stops the node (the page
// cache's state is unknown after it; retrying could acknowledge what is
// not on disk). So a full disk must never be met there. Instead Propose
// refuses a proposal up front (ErrDiskFull) while the WAL's filesystem
// would keep less than Config.DiskReserveBytes free after it:
//
//	free − admitted − diskFactor × len(data) < DiskReserveBytes
//
// where admitted sums diskFactor × size over the proposals admitted but
// not yet answered (so concurrent proposers cannot all pass on the same
// free space). diskFactor covers the entry in the WAL, the rows it
// becomes in the state database (bbolt copies the pages it changes) and
// the free-page list. What is left of the reserve absorbs what no
// proposal pays for: a WAL segment filled at a roll (segmentFill: at most
// an eighth of the free space), entries a follower is sent (a follower's
// own proposals are checked on it, the leader's on the leader),
// membership changes (never refused: they may be what frees space), and
// kv's checkpoint, which kv itself skips when it would eat into the
// reserve. The check reads statfs once per proposal (about a
// microsecond), so when space returns proposals are admitted again at
// once, without a restart.
//
// Reads, the changefeed and SUBSCRIBE do not propose and keep working.

// diskFactor is how many bytes of disk a proposal of one byte may take
// before it is applied: one in the WAL, up to two in the state database.
const diskFactor = 3

// diskGuard admits proposals while the disk has room (see above).
type diskGuard struct {
	dir      string
	reserve  int64        // Config.DiskReserveBytes; 0: no check
	admitted atomic.Int64 // diskFactor × bytes of proposals in flight
}

// admit reserves room for a proposal of n bytes, or returns ErrDiskFull.
// A nil error must be followed by release(n) once the proposal is answered.
func (g *diskGuard) admit(n int) error {
	if g.reserve <= 0 {
		return nil
	}
	need := int64(n) * diskFactor
	inFlight := g.admitted.Add(need)
	free, err := freeBytes(g.dir)
	if err != nil {
		return nil // statfs failing says nothing about space; the WAL write will tell
	}
	if int64(free)-inFlight < g.reserve {
		g.admitted.Add(-need)
		return fmt.Errorf("raftlog: propose %d bytes: %d bytes free on the log's filesystem, %d in flight, %d reserved: %w",
			n, free, inFlight-need, g.reserve, ErrDiskFull)
	}
	return nil
}

// release returns the room admit reserved for a proposal of n bytes.
func (g *diskGuard) release(n int) {
	if g.reserve > 0 {
		g.admitted.Add(-int64(n) * diskFactor)
	}
}
