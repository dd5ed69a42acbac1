package raftlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// errTruncateRange is a TruncateFront request out of range; every other
// truncateFront error is an I/O failure that stops the node.
var errTruncateRange = errors.New("truncation point out of range")

// defaultSegmentSize is the size at which the WAL starts a new segment.
const defaultSegmentSize = 64 << 20

const segmentExt = ".wal"

// segment is one WAL file, named by its sequence number in hex.
type segment struct {
	seq  uint64
	path string
	f    *os.File
	size int64 // bytes of valid records; the next record is written here
	// limit is the size the file was zero-filled to: the WAL rolls to a
	// new segment once the records reach it (segmentFill).
	limit int64
}

// recPos locates one entry record on disk.
type recPos struct {
	seg uint32 // segment seq
	off uint32 // offset of the record header
	n   uint32 // record size including header
}

// termRun says entries from start on (until the next run) have term.
type termRun struct{ start, term uint64 }

// wal is the segmented write-ahead log. It is the only durable copy of the
// raft log, HardState and ConfState.
//
// Concurrency: append, truncateFront and close are called by one goroutine
// (the Ready loop); the read methods (entries, term, bounds, state) may be
// called from any goroutine. mu guards every field below it; the write
// buffer above it belongs to the writer. Disk reads happen outside mu.
type wal struct {
	dir         string
	segmentSize int64
	logger      *slog.Logger
	buf         []byte // writer-owned encode buffer, reused across batches
	// spare delivers the next segment's zero-filled file, prepared in the
	// background (spare.go); nil when none is being prepared. Writer-owned.
	spare   chan spareResult
	spareWG sync.WaitGroup
	syncs   uint64 // fdatasync calls, writer-owned (read via stats under mu)

	mu       sync.RWMutex
	segs     []*segment // ascending seq; the last one is appended to
	first    uint64     // index of pos[0]
	pos      []recPos   // pos[i] is entry first+i
	terms    []termRun  // ascending start; covers [first, last]
	prevTerm uint64     // term of entry first-1 (0 when first == 1)
	hs       *pb.HardState
	cs       *pb.ConfState
	csIndex  uint64            // applied index the ConfState corresponds to
	peers    map[uint64]string // members' raft addresses (recPeers); nil if never recorded
	syncedN  uint64            // mirror of syncs for readers
	entriesN uint64            // entries appended since open

	// cache holds the most recently appended entries (cache[i] is entry
	// cacheFirst+i), so raft reading just-committed entries back for apply
	// costs no read syscall. Bounded by cacheMaxEntries and cacheMaxBytes.
	cache      []*pb.Entry
	cacheFirst uint64
	cacheBytes int

	// Replay only: the first entry index met and the highest front record.
	replayStart, frontFirst uint64
}

const (
	cacheMaxEntries = 4096
	cacheMaxBytes   = 8 << 20
)

// cacheAppendLocked adds e (just written) to the tail cache.
func (w *wal) cacheAppendLocked(e *pb.Entry, size int) {
	idx := e.GetIndex()
	if len(w.cache) > 0 && idx != w.cacheFirst+uint64(len(w.cache)) {
		if idx > w.cacheFirst && idx < w.cacheFirst+uint64(len(w.cache)) {
			w.cache = w.cache[:idx-w.cacheFirst] // conflict rewrite
			w.cacheBytes = 0
			for _, c := range w.cache {
				w.cacheBytes += len(c.GetData())
			}
		} else {
			w.cache, w.cacheBytes = w.cache[:0], 0
		}
	}
	if len(w.cache) == 0 {
		w.cacheFirst = idx
	}
	w.cache = append(w.cache, e)
	w.cacheBytes += size
	for len(w.cache) > 1 && (len(w.cache) > cacheMaxEntries || w.cacheBytes > cacheMaxBytes) {
		w.cacheBytes -= len(w.cache[0].GetData())
		w.cache[0] = nil
		w.cache = w.cache[1:]
		w.cacheFirst++
	}
}

// cachedLocked returns entries [lo, hi) from the cache, limited by maxSize
// like entries, or nil if the cache does not cover lo.
func (w *wal) cachedLocked(lo, hi, maxSize uint64) []*pb.Entry {
	if len(w.cache) == 0 || lo < w.cacheFirst || hi > w.cacheFirst+uint64(len(w.cache)) {
		return nil
	}
	var size uint64
	out := make([]*pb.Entry, 0, hi-lo)
	for i := lo; i < hi; i++ {
		size += uint64(w.pos[i-w.first].n)
		if size > maxSize && len(out) > 0 {
			break
		}
		out = append(out, w.cache[i-w.cacheFirst])
	}
	return out
}

// openWAL opens (or creates) the WAL in dir and replays it.
func openWAL(dir string, segmentSize int64, logger *slog.Logger) (*wal, error) {
	if segmentSize <= 0 {
		segmentSize = defaultSegmentSize
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("raftlog: open wal: %w", err)
	}
	w := &wal{dir: dir, segmentSize: segmentSize, logger: logger, first: 1,
		hs: &pb.HardState{}, cs: &pb.ConfState{}}
	seqs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	if len(seqs) == 0 {
		if err := w.createSegment(1); err != nil {
			return nil, err
		}
		return w, nil
	}
	for i, seq := range seqs {
		if i > 0 && seq != seqs[i-1]+1 {
			w.closeFiles()
			return nil, fmt.Errorf("raftlog: open wal: segment %016x missing: %w", seqs[i-1]+1, ErrCorruptLog)
		}
		if err := w.replaySegment(seq, i == len(seqs)-1); err != nil {
			w.closeFiles()
			return nil, err
		}
	}
	if w.replayStart > 1 && w.frontFirst < w.replayStart {
		// The oldest segment starts after entry 1 but no front record
		// explains why: a segment was lost.
		w.closeFiles()
		return nil, fmt.Errorf("raftlog: open wal: log starts at entry %d but was truncated only below %d: %w",
			w.replayStart, max(w.frontFirst, 1), ErrCorruptLog)
	}
	return w, nil
}

func listSegments(dir string) ([]uint64, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("raftlog: list segments: %w", err)
	}
	var seqs []uint64
	for _, de := range des {
		name := de.Name()
		if !strings.HasSuffix(name, segmentExt) {
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimSuffix(name, segmentExt), 16, 64)
		if err != nil {
			continue
		}
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	return seqs, nil
}

func segmentPath(dir string, seq uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%016x%s", seq, segmentExt))
}

// replaySegment reads one segment and applies its records to the index.
func (w *wal) replaySegment(seq uint64, last bool) error {
	path := segmentPath(w.dir, seq)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("raftlog: open segment: %w", err)
	}
	seg := &segment{seq: seq, path: path, f: f}
	w.segs = append(w.segs, seg)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("raftlog: read segment %s: %w", path, err)
	}
	off := 0
	for off < len(data) {
		typ, payload, n, derr := decodeRecord(data[off:])
		if derr == nil {
			if err := w.replayRecord(seq, off, n, typ, payload); err != nil {
				return err
			}
			off += n
			continue
		}
		// The written part ends here. Zeros after it are preallocated
		// space. Anything else must hold no good record: otherwise
		// acknowledged data sits behind a bad record.
		rest := data[off:]
		if derr == errRecEnd && allZero(rest) {
			break
		}
		if validRecordAfter(data, off+1) {
			return fmt.Errorf("raftlog: replay %s at offset %d: %v: %w", path, off, derr, ErrCorruptLog)
		}
		if !last {
			// Sealed segments were synced before the next one was created.
			return fmt.Errorf("raftlog: replay %s at offset %d: %v in a sealed segment: %w", path, off, derr, ErrCorruptLog)
		}
		// A crash in the middle of the last write, which was never
		// acknowledged: cut it off and restore the zeroed preallocation so
		// the next replay stops cleanly at the new end.
		w.logger.Warn("truncating torn WAL tail", "segment", path, "offset", off,
			"dropped_bytes", len(rest)-zeroSuffix(rest), "reason", derr.Error())
		if err := f.Truncate(int64(off)); err != nil {
			return fmt.Errorf("raftlog: truncate torn tail of %s: %w", path, err)
		}
		if err := zeroFill(f, int64(off), int64(len(data))); err != nil {
			return fmt.Errorf("raftlog: truncate torn tail of %s: %w", path, err)
		}
		break
	}
	seg.size = int64(off)
	seg.limit = int64(len(data))
	return nil
}

// replayRecord applies one record read at open. Later records win.
func (w *wal) replayRecord(seq uint64, off, n int, typ byte, payload []byte) error {
	where := func() string { return fmt.Sprintf("segment %016x offset %d", seq, off) }
	switch typ {
	case recEntry:
		e := &pb.Entry{}
		if err := proto.Unmarshal(payload, e); err != nil {
			return fmt.Errorf("raftlog: replay %s: entry: %v: %w", where(), err, ErrCorruptLog)
		}
		idx := e.GetIndex()
		if len(w.pos) == 0 && w.first == 1 && w.replayStart == 0 && idx > 1 {
			// The segments before were removed by front truncation; a
			// front record later in the log must confirm it (checked at
			// the end of openWAL).
			w.first, w.replayStart = idx, idx
		}
		if w.replayStart == 0 {
			w.replayStart = 1
		}
		if idx < w.first {
			return fmt.Errorf("raftlog: replay %s: entry %d below first index %d: %w", where(), idx, w.first, ErrCorruptLog)
		}
		if err := w.indexEntryLocked(idx, e.GetTerm(), recPos{seg: uint32(seq), off: uint32(off), n: uint32(n)}); err != nil {
			return fmt.Errorf("raftlog: replay %s: %w", where(), err)
		}
	case recHardState:
		hs := &pb.HardState{}
		if err := proto.Unmarshal(payload, hs); err != nil {
			return fmt.Errorf("raftlog: replay %s: hardstate: %v: %w", where(), err, ErrCorruptLog)
		}
		w.hs = hs
	case recConfState:
		if len(payload) < 8 {
			return fmt.Errorf("raftlog: replay %s: short confstate: %w", where(), ErrCorruptLog)
		}
		cs := &pb.ConfState{}
		if err := proto.Unmarshal(payload[8:], cs); err != nil {
			return fmt.Errorf("raftlog: replay %s: confstate: %v: %w", where(), err, ErrCorruptLog)
		}
		w.cs, w.csIndex = cs, binary.LittleEndian.Uint64(payload)
	case recFront:
		if len(payload) != 16 {
			return fmt.Errorf("raftlog: replay %s: bad front record: %w", where(), ErrCorruptLog)
		}
		first := binary.LittleEndian.Uint64(payload) + 1
		w.frontFirst = max(w.frontFirst, first)
		if w.replayStart == 0 {
			w.replayStart = first
		}
		w.trimFrontLocked(first, binary.LittleEndian.Uint64(payload[8:]))
	case recSnapshot:
		if len(payload) != 16 {
			return fmt.Errorf("raftlog: replay %s: bad snapshot record: %w", where(), ErrCorruptLog)
		}
		index := binary.LittleEndian.Uint64(payload)
		// The log restarts here: whatever came before is void.
		w.frontFirst = max(w.frontFirst, index+1)
		w.replayStart = index + 1
		w.resetLocked(index, binary.LittleEndian.Uint64(payload[8:]))
	case recPeers:
		peers, err := decodePeers(payload)
		if err != nil {
			return fmt.Errorf("raftlog: replay %s: %v: %w", where(), err, ErrCorruptLog)
		}
		w.peers = peers
	}
	return nil
}

// resetLocked empties the log after a snapshot at index with term: the
// next entry is index+1.
func (w *wal) resetLocked(index, term uint64) {
	w.pos, w.terms = w.pos[:0], w.terms[:0]
	w.first, w.prevTerm = index+1, term
	for i := range w.cache {
		w.cache[i] = nil
	}
	w.cache, w.cacheBytes, w.cacheFirst = w.cache[:0], 0, 0
}

// encodePeers encodes members' addresses as repeated [u64 id][u16 len][addr].
func encodePeers(peers map[uint64]string) []byte {
	ids := make([]uint64, 0, len(peers))
	for id := range peers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b []byte
	for _, id := range ids {
		b = binary.LittleEndian.AppendUint64(b, id)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(peers[id])))
		b = append(b, peers[id]...)
	}
	return b
}

func decodePeers(b []byte) (map[uint64]string, error) {
	peers := map[uint64]string{}
	for len(b) > 0 {
		if len(b) < 10 {
			return nil, errors.New("short peers record")
		}
		id, n := binary.LittleEndian.Uint64(b), int(binary.LittleEndian.Uint16(b[8:]))
		if len(b) < 10+n {
			return nil, errors.New("short peers record")
		}
		peers[id] = string(b[10 : 10+n])
		b = b[10+n:]
	}
	return peers, nil
}

// appendMembership queues the ConfState (at csIndex) and peers
// records into the write buffer. Writer only.
func (w *wal) appendMembership(index uint64, cs *pb.ConfState, peers map[uint64]string) error {
	payload := binary.LittleEndian.AppendUint64(nil, index)
	payload, err := proto.MarshalOptions{}.MarshalAppend(payload, cs)
	if err != nil {
		return fmt.Errorf("raftlog: encode confstate: %w", err)
	}
	w.buf = appendRecord(w.buf, recConfState, payload)
	if peers != nil {
		w.buf = appendRecord(w.buf, recPeers, encodePeers(peers))
	}
	return nil
}

// saveSnapshot durably records that the state machine is being replaced by
// a snapshot at index/term with membership cs and peers: the log restarts
// empty at index+1 and segments holding only older entries are deleted.
// Writer only.
func (w *wal) saveSnapshot(index, term uint64, cs *pb.ConfState, peers map[uint64]string) error {
	var rec [16]byte
	binary.LittleEndian.PutUint64(rec[:], index)
	binary.LittleEndian.PutUint64(rec[8:], term)
	w.buf = appendRecord(w.buf, recSnapshot, rec[:])
	if err := w.appendMembership(index, cs, peers); err != nil {
		return err
	}
	if err := w.flush(); err != nil {
		return err
	}
	if err := fdatasync(w.current().f); err != nil {
		return fmt.Errorf("raftlog: save snapshot: fdatasync: %w", err)
	}
	w.mu.Lock()
	w.resetLocked(index, term)
	w.cs, w.csIndex = proto.Clone(cs).(*pb.ConfState), index
	if peers != nil {
		w.peers = maps.Clone(peers)
	}
	var drop []*segment
	for len(w.segs) > 1 {
		drop = append(drop, w.segs[0])
		w.segs = w.segs[1:]
	}
	w.mu.Unlock()
	for _, s := range drop {
		s.f.Close()
		if err := os.Remove(s.path); err != nil {
			return fmt.Errorf("raftlog: save snapshot: %w", err)
		}
	}
	if len(drop) > 0 {
		if err := syncDir(w.dir); err != nil {
			return fmt.Errorf("raftlog: save snapshot: %w", err)
		}
	}
	return nil
}

// peerAddrs returns a copy of the recorded member addresses (nil if none).
func (w *wal) peerAddrs() map[uint64]string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return maps.Clone(w.peers)
}

// indexEntryLocked records entry idx at p. An index at or below the last one
// is a raft conflict rewrite: the old suffix is dropped.
func (w *wal) indexEntryLocked(idx, term uint64, p recPos) error {
	last := w.first + uint64(len(w.pos)) - 1
	if idx > last+1 {
		return fmt.Errorf("entry %d after last index %d leaves a gap: %w", idx, last, ErrCorruptLog)
	}
	if idx <= last {
		w.pos = w.pos[:idx-w.first]
		for len(w.terms) > 0 && w.terms[len(w.terms)-1].start >= idx {
			w.terms = w.terms[:len(w.terms)-1]
		}
	}
	w.pos = append(w.pos, p)
	if len(w.terms) == 0 || w.terms[len(w.terms)-1].term != term {
		w.terms = append(w.terms, termRun{start: idx, term: term})
	}
	return nil
}

// trimFrontLocked makes first the first retained index; prevTerm is the
// term of entry first-1.
func (w *wal) trimFrontLocked(first, prevTerm uint64) {
	if first <= w.first {
		return
	}
	drop := first - w.first
	if drop >= uint64(len(w.pos)) {
		w.pos = w.pos[:0]
		w.terms = w.terms[:0]
	} else {
		w.pos = slices.Clone(w.pos[drop:])
		i := 0
		for i+1 < len(w.terms) && w.terms[i+1].start <= first {
			i++
		}
		w.terms = slices.Clone(w.terms[i:])
		w.terms[0].start = first
	}
	w.first, w.prevTerm = first, prevTerm
	for len(w.cache) > 0 && w.cacheFirst < first {
		w.cacheBytes -= len(w.cache[0].GetData())
		w.cache[0] = nil
		w.cache = w.cache[1:]
		w.cacheFirst++
	}
}

func (w *wal) createSegment(seq uint64) error {
	path := segmentPath(w.dir, seq)
	// Zero-filled space makes each batch's fdatasync cheaper: the file
	// size does not change on every append (measured in bench_test.go)
	// and no extent needs converting (spare.go).
	f, limit, err := w.newSegmentFile(path)
	if err != nil {
		return fmt.Errorf("raftlog: create segment: %w", err)
	}
	if err := syncDir(w.dir); err != nil {
		f.Close()
		return fmt.Errorf("raftlog: create segment: %w", err)
	}
	w.mu.Lock()
	w.segs = append(w.segs, &segment{seq: seq, path: path, f: f, limit: limit})
	w.mu.Unlock()
	return nil
}

// current returns the segment being appended to. Writer only.
func (w *wal) current() *segment { return w.segs[len(w.segs)-1] }

// flushLocked writes the encode buffer at the end of the current segment.
func (w *wal) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	cur := w.current()
	if _, err := cur.f.WriteAt(w.buf, cur.size); err != nil {
		return fmt.Errorf("raftlog: write %s: %w", cur.path, err)
	}
	cur.size += int64(len(w.buf))
	w.buf = w.buf[:0]
	if cur.size >= cur.limit/2 {
		w.prepareSpare() // the next segment, by the time this one is full
	}
	return nil
}

// roll seals the current segment (flushed and synced) and starts the next.
func (w *wal) roll() error {
	if err := w.flush(); err != nil {
		return err
	}
	cur := w.current()
	if err := fdatasync(cur.f); err != nil {
		return fmt.Errorf("raftlog: seal %s: %w", cur.path, err)
	}
	return w.createSegment(cur.seq + 1)
}

// pendingEntry is an entry written in the current batch, indexed after the
// batch is on disk.
type pendingEntry struct {
	idx, term uint64
	p         recPos
}

// append writes ents and then hs (nil: unchanged) as one batch and, if sync,
// makes them durable with one fdatasync. Writer only. An error leaves the WAL
// in an unknown state: the caller must stop (never retry a failed fsync).
func (w *wal) append(ents []*pb.Entry, hs *pb.HardState, sync bool) error {
	if len(ents) == 0 && hs == nil {
		return nil
	}
	pending := make([]pendingEntry, 0, len(ents))
	mo := proto.MarshalOptions{}
	for _, e := range ents {
		if w.current().size+int64(len(w.buf)) >= w.current().limit {
			if err := w.roll(); err != nil {
				return err
			}
		}
		cur := w.current()
		var start int
		w.buf, start = beginRecord(w.buf)
		var err error
		w.buf, err = mo.MarshalAppend(w.buf, e)
		if err != nil {
			return fmt.Errorf("raftlog: encode entry %d: %w", e.GetIndex(), err)
		}
		if len(w.buf)-start-recHeaderSize > maxRecordPayload {
			return fmt.Errorf("raftlog: entry %d of %d bytes exceeds the record limit", e.GetIndex(), len(w.buf)-start)
		}
		finishRecord(w.buf, start, recEntry)
		pending = append(pending, pendingEntry{idx: e.GetIndex(), term: e.GetTerm(),
			p: recPos{seg: uint32(cur.seq), off: uint32(cur.size + int64(start)), n: uint32(len(w.buf) - start)}})
	}
	if hs != nil {
		var start int
		w.buf, start = beginRecord(w.buf)
		var err error
		w.buf, err = mo.MarshalAppend(w.buf, hs)
		if err != nil {
			return fmt.Errorf("raftlog: encode hardstate: %w", err)
		}
		finishRecord(w.buf, start, recHardState)
	}
	if err := w.flush(); err != nil {
		return err
	}
	w.mu.Lock()
	for i, pe := range pending {
		if pe.idx < w.first {
			w.mu.Unlock()
			return fmt.Errorf("raftlog: append entry %d below first index %d", pe.idx, w.first)
		}
		if err := w.indexEntryLocked(pe.idx, pe.term, pe.p); err != nil {
			w.mu.Unlock()
			return fmt.Errorf("raftlog: append: %w", err)
		}
		w.cacheAppendLocked(ents[i], len(ents[i].GetData()))
	}
	if hs != nil {
		w.hs = proto.Clone(hs).(*pb.HardState)
	}
	w.entriesN += uint64(len(ents))
	w.mu.Unlock()
	if sync {
		if err := fdatasync(w.current().f); err != nil {
			return fmt.Errorf("raftlog: fdatasync %s: %w", w.current().path, err)
		}
		w.syncs++
		w.mu.Lock()
		w.syncedN = w.syncs
		w.mu.Unlock()
	}
	return nil
}

// saveConfState durably records the membership after applying index, and
// the members' addresses when peers is not nil. Writer only.
func (w *wal) saveConfState(index uint64, cs *pb.ConfState, peers map[uint64]string) error {
	if err := w.appendMembership(index, cs, peers); err != nil {
		return err
	}
	if err := w.flush(); err != nil {
		return err
	}
	if err := fdatasync(w.current().f); err != nil {
		return fmt.Errorf("raftlog: fdatasync %s: %w", w.current().path, err)
	}
	w.mu.Lock()
	w.cs, w.csIndex = proto.Clone(cs).(*pb.ConfState), index
	if peers != nil {
		w.peers = maps.Clone(peers)
	}
	w.mu.Unlock()
	return nil
}

// truncateFront drops entries below index (retention). It writes a front
// record plus the current HardState and ConfState into the newest segment,
// syncs, and then deletes segments that hold only dropped entries. Writer
// only; index must be ≤ the applied index.
func (w *wal) truncateFront(index uint64) error {
	w.mu.RLock()
	first, last := w.first, w.first+uint64(len(w.pos))-1
	hs, cs, csIndex, peers := w.hs, w.cs, w.csIndex, w.peers
	w.mu.RUnlock()
	if index <= first {
		return nil
	}
	if index > last+1 {
		return fmt.Errorf("raftlog: truncate front to %d beyond last index %d: %w", index, last, errTruncateRange)
	}
	prevTerm, err := w.term(index - 1)
	if err != nil {
		return fmt.Errorf("raftlog: truncate front: %w", err)
	}
	var front [16]byte
	binary.LittleEndian.PutUint64(front[:], index-1)
	binary.LittleEndian.PutUint64(front[8:], prevTerm)
	w.buf = appendRecord(w.buf, recFront, front[:])
	hsb, err := proto.Marshal(hs)
	if err != nil {
		return fmt.Errorf("raftlog: truncate front: %w", err)
	}
	w.buf = appendRecord(w.buf, recHardState, hsb)
	csb := binary.LittleEndian.AppendUint64(nil, csIndex)
	if csb, err = (proto.MarshalOptions{}).MarshalAppend(csb, cs); err != nil {
		return fmt.Errorf("raftlog: truncate front: %w", err)
	}
	w.buf = appendRecord(w.buf, recConfState, csb)
	if peers != nil {
		w.buf = appendRecord(w.buf, recPeers, encodePeers(peers))
	}
	if err := w.flush(); err != nil {
		return err
	}
	if err := fdatasync(w.current().f); err != nil {
		return fmt.Errorf("raftlog: truncate front: fdatasync: %w", err)
	}
	w.mu.Lock()
	w.trimFrontLocked(index, prevTerm)
	keepFrom := w.current().seq
	if len(w.pos) > 0 {
		keepFrom = uint64(w.pos[0].seg)
	}
	var drop []*segment
	for len(w.segs) > 1 && w.segs[0].seq < keepFrom {
		drop = append(drop, w.segs[0])
		w.segs = w.segs[1:]
	}
	w.mu.Unlock()
	for _, s := range drop {
		s.f.Close() // a concurrent reader sees os.ErrClosed and reports ErrCompacted
		if err := os.Remove(s.path); err != nil {
			return fmt.Errorf("raftlog: truncate front: %w", err)
		}
	}
	if len(drop) > 0 {
		if err := syncDir(w.dir); err != nil {
			return fmt.Errorf("raftlog: truncate front: %w", err)
		}
	}
	return nil
}

// bounds returns the first and last retained index (last = first-1 when empty).
func (w *wal) bounds() (first, last uint64) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.first, w.first + uint64(len(w.pos)) - 1
}

// term returns the term of entry i, for i in [first-1, last].
func (w *wal) term(i uint64) (uint64, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	last := w.first + uint64(len(w.pos)) - 1
	switch {
	case i == w.first-1:
		return w.prevTerm, nil
	case i < w.first:
		return 0, ErrCompacted
	case i > last:
		return 0, ErrUnavailable
	}
	j, _ := slices.BinarySearchFunc(w.terms, i, func(r termRun, i uint64) int {
		switch {
		case r.start < i:
			return -1
		case r.start > i:
			return 1
		}
		return 0
	})
	if j == len(w.terms) || w.terms[j].start != i {
		j--
	}
	return w.terms[j].term, nil
}

// state returns copies of the HardState and ConfState and the index the
// ConfState belongs to.
func (w *wal) state() (*pb.HardState, *pb.ConfState, uint64) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return proto.Clone(w.hs).(*pb.HardState), proto.Clone(w.cs).(*pb.ConfState), w.csIndex
}

// entries reads entries [lo, hi) from disk, stopping once maxSize bytes of
// records were collected (at least one entry is returned). The caller owns
// the result.
func (w *wal) entries(lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	w.mu.RLock()
	last := w.first + uint64(len(w.pos)) - 1
	if lo < w.first {
		w.mu.RUnlock()
		return nil, ErrCompacted
	}
	if hi > last+1 || lo > hi {
		w.mu.RUnlock()
		return nil, ErrUnavailable
	}
	if cached := w.cachedLocked(lo, hi, maxSize); cached != nil {
		w.mu.RUnlock()
		return cached, nil
	}
	var size uint64
	n := 0
	for i := lo; i < hi; i++ {
		size += uint64(w.pos[i-w.first].n)
		if size > maxSize && n > 0 {
			break
		}
		n++
	}
	pos := slices.Clone(w.pos[lo-w.first : lo-w.first+uint64(n)])
	// Segment sequence numbers are contiguous, so segs is indexed by
	// seq - segs[0].seq.
	files := make(map[uint32]*os.File, 2)
	for _, p := range pos {
		if _, ok := files[p.seg]; !ok && len(w.segs) > 0 {
			if k := uint64(p.seg) - w.segs[0].seq; uint64(p.seg) >= w.segs[0].seq && k < uint64(len(w.segs)) {
				files[p.seg] = w.segs[k].f
			}
		}
	}
	w.mu.RUnlock()

	out := make([]*pb.Entry, 0, len(pos))
	var buf []byte
	for i := 0; i < len(pos); {
		// One read covers a run of records laid out in order in one segment.
		j := i + 1
		for j < len(pos) && pos[j].seg == pos[i].seg && pos[j].off >= pos[j-1].off+pos[j-1].n &&
			pos[j].off-(pos[j-1].off+pos[j-1].n) < 1<<20 {
			j++
		}
		f := files[pos[i].seg]
		if f == nil {
			return nil, ErrCompacted
		}
		start, end := int64(pos[i].off), int64(pos[j-1].off)+int64(pos[j-1].n)
		buf = slices.Grow(buf[:0], int(end-start))[:end-start]
		if _, err := f.ReadAt(buf, start); err != nil {
			if errors.Is(err, os.ErrClosed) {
				return nil, ErrCompacted
			}
			return nil, fmt.Errorf("raftlog: read entries: %w", err)
		}
		for k := i; k < j; k++ {
			rel := int64(pos[k].off) - start
			typ, payload, _, err := decodeRecord(buf[rel : rel+int64(pos[k].n)])
			if err != nil || typ != recEntry {
				return nil, fmt.Errorf("raftlog: read entry %d: %v: %w", lo+uint64(k), err, ErrCorruptLog)
			}
			e := &pb.Entry{}
			if err := proto.Unmarshal(payload, e); err != nil {
				return nil, fmt.Errorf("raftlog: read entry %d: %v: %w", lo+uint64(k), err, ErrCorruptLog)
			}
			out = append(out, e)
		}
		i = j
	}
	return out, nil
}

// stats returns fsync and appended-entry counters since open.
func (w *wal) stats() (syncs, entries uint64) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.syncedN, w.entriesN
}

func (w *wal) closeFiles() error {
	w.dropSpare()
	w.mu.Lock()
	defer w.mu.Unlock()
	var first error
	for _, s := range w.segs {
		if err := s.f.Close(); err != nil && first == nil {
			first = err
		}
	}
	w.segs = nil
	return first
}

// close syncs the current segment and closes every file. Writer only.
func (w *wal) close() error {
	var err error
	if len(w.segs) > 0 {
		if err = fdatasync(w.current().f); err != nil {
			err = fmt.Errorf("raftlog: close wal: %w", err)
		}
	}
	if cerr := w.closeFiles(); cerr != nil && err == nil {
		err = fmt.Errorf("raftlog: close wal: %w", cerr)
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
