package kv

import (
	"bytes"
	"fmt"

	"github.com/google/btree"
	bolt "go.etcd.io/bbolt"
)

// Iterator walks a Scan in key order (or reverse). Close records the part of
// the range that was read, so call Close (or exhaust it) before Command;
// Command and Release close iterators still open.
type Iterator struct {
	t          *Txn
	space      Space
	start, end []byte // copies; nil = unbounded
	reverse    bool
	record     bool // record the range read (false when the space was dropped by the txn)

	// Snapshot side: cur is nil when the snapshot has nothing to add.
	cur      *bolt.Cursor
	sStarted bool
	sk, sv   []byte // next snapshot candidate (bbolt memory), sk nil = none

	// Buffer side: an immutable clone of the space's buffer at Scan time, so
	// writes made while iterating (UPDATE of scanned rows) are not seen.
	view  *btree.BTreeG[bufEntry]
	chunk []bufEntry // prefetched entries, in iteration order
	cpos  int
	bEOF  bool
	bLast []byte // key of the last entry fetched into chunk

	key, value []byte
	returned   bool // key holds a key returned by Next
	exhausted  bool
	closed     bool
	err        error
}

// Scan iterates keys in [start, end) (end nil: to the end of the space),
// merging the transaction's own writes; reverse walks from end to start.
// The merged buffer is the one at the time of the call: writes the
// transaction makes while iterating are not returned.
func (t *Txn) Scan(space Space, start, end []byte, reverse bool) *Iterator {
	it := &Iterator{t: t, space: space, reverse: reverse}
	if t.tx == nil {
		it.err = ErrTxnDone
		it.closed = true
		return it
	}
	it.start = bytes.Clone(start)
	if end != nil {
		it.end = bytes.Clone(end)
	}
	sb := t.spaces[space]
	if sb == nil || !sb.dropped {
		it.record = t.recordsReads(space) && (len(t.unrecorded) == 0 || t.recording(space))
		if b := t.bucket(space).bucket; b != nil {
			unlock := t.lock()
			it.cur = b.Cursor()
			unlock()
		}
	}
	it.bEOF = true
	if sb != nil && sb.tree.Len() > 0 {
		// Read the first chunk from the live buffer; only a range holding
		// more buffered writes than that needs the (copy-on-write) clone.
		// Cloning makes every later write to the space copy tree nodes, so
		// skipping it keeps point scans between writes cheap.
		it.view, it.bEOF = sb.tree, false
		it.fillChunk()
		if it.bEOF {
			it.view = nil
		} else {
			it.view = sb.tree.Clone()
		}
	}
	t.iters = append(t.iters, it)
	return it
}

// Next advances; it returns false at the end or on error (see Err).
func (it *Iterator) Next() bool {
	if it.closed {
		return false
	}
	if it.t.tx == nil {
		it.err = ErrTxnDone
		it.Close()
		return false
	}
	if !it.sStarted {
		it.sStarted = true
		it.snapSeek()
	}
	for {
		if it.err != nil {
			it.Close()
			return false
		}
		be := it.bufPeek()
		if it.sk == nil && be == nil {
			it.exhausted = true
			it.Close()
			return false
		}
		takeBuf := it.sk == nil
		if !takeBuf && be != nil {
			c := bytes.Compare(it.sk, be.key)
			if c == 0 {
				it.snapStep() // the buffered write shadows the snapshot's value
				takeBuf = true
			} else {
				takeBuf = (c > 0) != it.reverse
			}
		}
		if takeBuf {
			it.cpos++
			if be.del {
				continue
			}
			it.set(be.key, be.readValue()) // a merge's key is in the recorded range
			return true
		}
		it.set(it.sk, it.sv)
		it.snapStep()
		return true
	}
}

func (it *Iterator) set(k, v []byte) {
	b := make([]byte, len(k)+len(v))
	copy(b, k)
	copy(b[len(k):], v)
	it.key = b[:len(k):len(k)]
	it.value = b[len(k):]
	it.returned = true
}

// snapSeek positions the snapshot side at the first candidate.
func (it *Iterator) snapSeek() {
	if it.cur == nil {
		return
	}
	defer it.t.lock()()
	var k, v []byte
	switch {
	case !it.reverse && len(it.start) == 0:
		k, v = it.cur.First()
	case !it.reverse:
		k, v = it.cur.Seek(it.start)
	case it.end == nil:
		k, v = it.cur.Last()
	default:
		if k, _ = it.cur.Seek(it.end); k == nil {
			k, v = it.cur.Last()
		} else {
			k, v = it.cur.Prev()
		}
	}
	it.snapFilter(k, v)
}

func (it *Iterator) snapStep() {
	defer it.t.lock()()
	var k, v []byte
	if it.reverse {
		k, v = it.cur.Prev()
	} else {
		k, v = it.cur.Next()
	}
	it.snapFilter(k, v)
}

// snapFilter sets the candidate from k, skipping tombstones and stopping at
// the range's bound.
func (it *Iterator) snapFilter(k, v []byte) {
	for ; k != nil; k, v = it.step() {
		if it.reverse {
			if len(it.start) > 0 && bytes.Compare(k, it.start) < 0 {
				break
			}
		} else if it.end != nil && bytes.Compare(k, it.end) >= 0 {
			break
		}
		_, tomb, _, ok := decodeStored(v)
		if !ok {
			it.err = fmt.Errorf("%w: stored value of %d bytes in space %d", ErrCorrupt, len(v), it.space)
			break
		}
		if !tomb {
			it.sk, it.sv = k, v[valueHeaderSize:]
			return
		}
	}
	it.sk, it.sv = nil, nil
}

func (it *Iterator) step() ([]byte, []byte) {
	if it.reverse {
		return it.cur.Prev()
	}
	return it.cur.Next()
}

const iterChunk = 64

// bufPeek returns the next buffered entry in range, or nil.
func (it *Iterator) bufPeek() *bufEntry {
	if it.cpos < len(it.chunk) {
		return &it.chunk[it.cpos]
	}
	if it.bEOF {
		return nil
	}
	it.fillChunk()
	if len(it.chunk) == 0 {
		return nil
	}
	return &it.chunk[0]
}

// fillChunk fetches the next buffered entries in range from view.
func (it *Iterator) fillChunk() {
	it.chunk, it.cpos = it.chunk[:0], 0
	first := it.bLast == nil
	collect := func(e bufEntry) bool {
		if !first && bytes.Equal(e.key, it.bLast) {
			return true
		}
		if it.reverse {
			if len(it.start) > 0 && bytes.Compare(e.key, it.start) < 0 {
				return false
			}
			if it.end != nil && bytes.Compare(e.key, it.end) >= 0 {
				return true // only the pivot itself (DescendLessOrEqual(end))
			}
		} else if it.end != nil && bytes.Compare(e.key, it.end) >= 0 {
			return false
		}
		it.chunk = append(it.chunk, e)
		return len(it.chunk) < iterChunk
	}
	switch {
	case !it.reverse && first:
		it.view.AscendGreaterOrEqual(bufEntry{key: it.start}, collect)
	case !it.reverse:
		it.view.AscendGreaterOrEqual(bufEntry{key: it.bLast}, collect)
	case first && it.end == nil:
		it.view.Descend(collect)
	case first:
		it.view.DescendLessOrEqual(bufEntry{key: it.end}, collect)
	default:
		it.view.DescendLessOrEqual(bufEntry{key: it.bLast}, collect)
	}
	if len(it.chunk) < iterChunk {
		it.bEOF = true
	}
	if len(it.chunk) > 0 {
		it.bLast = it.chunk[len(it.chunk)-1].key
	}
}

// Key returns the current key.
func (it *Iterator) Key() []byte { return it.key }

// Value returns the current value.
func (it *Iterator) Value() []byte { return it.value }

// Err returns the error that stopped iteration, if any.
func (it *Iterator) Err() error { return it.err }

// Close ends the scan and records the range read so far: all of [start, end)
// once exhausted, else up to and including the last key returned.
func (it *Iterator) Close() {
	if it.closed {
		return
	}
	it.closed = true
	t := it.t
	if i := indexOfIter(t.iters, it); i >= 0 {
		t.iters[i] = t.iters[len(t.iters)-1]
		t.iters[len(t.iters)-1] = nil
		t.iters = t.iters[:len(t.iters)-1]
	}
	it.cur, it.sk, it.sv, it.view, it.chunk = nil, nil, nil, nil, nil
	if !it.record {
		return
	}
	r := Range{Space: it.space, Start: it.start, End: it.end}
	switch {
	case it.exhausted:
	case !it.returned:
		return // nothing was observed
	case it.reverse:
		r.Start = bytes.Clone(it.key)
	default:
		r.End = keySuccessor(it.key)
	}
	t.ranges = append(t.ranges, r)
}

func indexOfIter(iters []*Iterator, it *Iterator) int {
	for i := len(iters) - 1; i >= 0; i-- {
		if iters[i] == it {
			return i
		}
	}
	return -1
}
