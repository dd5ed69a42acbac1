package kv

import "os"

// syncChunk is how many bytes a checkpoint (or a restored state file) is
// written between two fsyncs of it. Written whole and synced once, a
// checkpoint of a 1 GB state left a gigabyte of dirty pages for one fsync
// to push out, and the raft WAL's fdatasync on the same disk waited behind
// them: a commit stalled for seconds every CheckpointInterval. Synced every
// syncChunk, the disk never holds more than that much of the checkpoint
// unwritten, so a WAL sync waits at most for one chunk's write-back. The
// checkpoint takes about as long (the disk's throughput bounds it either
// way), so its read transaction pins pages no longer than before.
const syncChunk = 8 << 20

// chunkSyncer writes to f and fsyncs it after every syncChunk bytes; it
// stops with ErrClosed once done is closed (the store is closing: the
// checkpoint is abandoned, the previous one still covers the state).
type chunkSyncer struct {
	f     *os.File
	done  <-chan struct{}
	since int // bytes written since the last sync
	syncs int // syncs done (tests)
	sync  func() error
}

func (c *chunkSyncer) Write(b []byte) (int, error) {
	select {
	case <-c.done:
		return 0, ErrClosed
	default:
	}
	n, err := c.f.Write(b)
	c.since += n
	if err != nil || c.since < syncChunk {
		return n, err
	}
	c.since = 0
	c.syncs++
	return n, c.f.Sync()
}
