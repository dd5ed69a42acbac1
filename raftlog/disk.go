package raftlog

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
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
// reserve. The free space comes from statfs, read again at most every
// diskStatEvery while more than twice the reserve is free, less what the
// proposals answered since that reading wrote (their diskFactor × size,
// whether or not the reading already saw it); closer to the limit it is
// read for every proposal, so when space returns proposals are admitted
// again at once, without a restart. (One statfs per proposal cost the
// leader about 5 % of its CPU, as much as its fdatasyncs, with 16 clients
// inserting on three nodes sharing 2 cores.)
//
// Reads, the changefeed and SUBSCRIBE do not propose and keep working.

// diskFactor is how many bytes of disk a proposal of one byte may take
// before it is applied: one in the WAL, up to two in the state database.
const diskFactor = 3

// diskStatEvery is how long a statfs reading serves while the disk is far
// from its reserve.
const diskStatEvery = 20 * time.Millisecond

// diskGuard admits proposals while the disk has room (see above).
type diskGuard struct {
	dir      string
	reserve  int64        // Config.DiskReserveBytes; 0: no check
	admitted atomic.Int64 // diskFactor × bytes of proposals in flight

	mu     sync.Mutex // guards the fields below
	free   int64      // the last statfs reading
	statAt time.Time  // when it was taken (zero: never)
	since  int64      // diskFactor × bytes of proposals answered since
}

// admit reserves room for a proposal of n bytes, or returns ErrDiskFull.
// A nil error must be followed by release(n) once the proposal is answered.
func (g *diskGuard) admit(n int) error {
	if g.reserve <= 0 {
		return nil
	}
	need := int64(n) * diskFactor
	inFlight := g.admitted.Add(need)
	free, err := g.freeNow(inFlight)
	if err != nil {
		return nil // statfs failing says nothing about space; the WAL write will tell
	}
	if free-inFlight < g.reserve {
		g.admitted.Add(-need)
		return fmt.Errorf("raftlog: propose %d bytes: %d bytes free on the log's filesystem, %d in flight, %d reserved: %w",
			n, free, inFlight-need, g.reserve, ErrDiskFull)
	}
	return nil
}

// freeNow is the free space as far as proposals know: the last statfs
// reading less what was answered since, read again when that reading is
// older than diskStatEvery or the estimate is within twice the reserve.
func (g *diskGuard) freeNow(inFlight int64) (int64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	est := g.free - g.since
	if g.statAt.IsZero() || now.Sub(g.statAt) >= diskStatEvery || est-inFlight < 2*g.reserve {
		f, err := freeBytes(g.dir)
		if err != nil {
			return 0, err
		}
		g.free, g.statAt, g.since = int64(min(f, math.MaxInt64)), now, 0
		est = g.free
	}
	return est, nil
}

// release returns the room admit reserved for a proposal of n bytes; what
// it wrote now counts against the last statfs reading.
func (g *diskGuard) release(n int) {
	if g.reserve > 0 {
		need := int64(n) * diskFactor
		g.admitted.Add(-need)
		g.mu.Lock()
		g.since += need
		g.mu.Unlock()
	}
}
