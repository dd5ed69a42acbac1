package kv

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Apply applies committed entries in one bbolt transaction together with the
// new applied index, and returns one Result per entry. Entries at or below
// the applied index were applied before (a replay after a crash) and are
// skipped with a zero Result. An error is fatal for the node: an entry that
// cannot be decoded (wrapping ErrCorrupt) or a failed bbolt write; nothing of
// the batch is applied then.
//
// Apply must be called by one goroutine at a time, in log order.
func (s *Store) Apply(entries []Entry) ([]Result, error) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if s.closed.Load() {
		return nil, ErrClosed
	}
	results := make([]Result, len(entries))
	applied := s.applied.Load()
	var maxIndex uint64
	for i := range entries {
		maxIndex = max(maxIndex, entries[i].Index)
	}
	if maxIndex <= applied {
		return results, nil
	}
	last := applied
	s.arena = s.arena[:0] // the previous batch has committed
	var txid int
	var hb batchHash
	err := s.db.Update(func(tx *bolt.Tx) error {
		a := applier{
			s:       s,
			tx:      tx,
			meta:    tx.Bucket(metaBucket),
			tombs:   tx.Bucket(tombBucket),
			buckets: make(map[Space]*openBucket),
			hash:    batchHash{sums: make(map[Space]uint64), live: make(map[Space]int64), total: s.hash.total},
		}
		defer func() { hb = a.hash }()
		var cmd Command
		for i := range entries {
			e := &entries[i]
			if e.Index <= last {
				continue
			}
			last = e.Index
			if len(e.Data) > 0 {
				cmd = Command{}
				if err := decodeCommandInto(&cmd, e.Data); err != nil {
					return fmt.Errorf("kv: apply entry %d: %w", e.Index, err)
				}
				res, err := a.apply(e.Index, &cmd)
				if err == nil && res.Err != nil {
					err = a.recordFailure(e.Index) // history.go
				}
				if err != nil {
					return fmt.Errorf("kv: apply entry %d: %w", e.Index, err)
				}
				results[i] = res
			}
			// Per entry, not per batch: batch boundaries differ by replica.
			if err := a.collectTombstones(e.Index); err != nil {
				return fmt.Errorf("kv: apply entry %d: collect tombstones: %w", e.Index, err)
			}
			if err := a.collectXids(e.Index); err != nil { // xid.go
				return fmt.Errorf("kv: apply entry %d: collect xids: %w", e.Index, err)
			}
			a.hashEntryDone(e.Index)
		}
		if err := a.commitHashes(); err != nil {
			return err
		}
		txid = tx.ID()
		return a.meta.Put(metaApplied, u64Bytes(last))
	})
	if err != nil {
		// lastWrite may hold modifications of the rolled-back batch: forget
		// it all (it must be exact), and let the floor cover it.
		clear(s.lastWrite)
		s.lastWriteFloor = max(s.lastWriteFloor, maxIndex)
		s.gcNext = 0
		s.xidNext = 0
		return nil, err
	}
	points := s.publishHashes(&hb)
	s.appliedTx.Store(&txApplied{txid: txid, index: last})
	s.setApplied(last)
	if len(points) > 0 && s.opts.OnHashPoint != nil {
		s.opts.OnHashPoint(points)
	}
	return results, nil
}

// applier applies the entries of one batch inside its bbolt transaction.
type applier struct {
	s       *Store
	tx      *bolt.Tx
	meta    *bolt.Bucket
	tombs   *bolt.Bucket          // tombstone index, see gc.go
	buckets map[Space]*openBucket // space buckets opened in this tx
	drops   map[Space]uint64      // drop indexes read or written in this batch
	hash    batchHash             // state hash changes (statehash.go)
}

func (a *applier) apply(index uint64, c *Command) (Result, error) {
	if c.Xid != 0 || c.Kind == KindXidFence || c.Kind == KindXidEpoch {
		return a.applyXid(index, c, func() (Result, error) { return a.applyKind(index, c) }) // xid.go
	}
	return a.applyKind(index, c)
}

func (a *applier) applyKind(index uint64, c *Command) (Result, error) {
	switch c.Kind {
	case KindMessage:
		return Result{}, nil
	case KindIncrement:
		return a.increment(index, c)
	case KindStateHash:
		return a.hashReport(c) // statehash.go
	case KindLock:
		out, _, err := a.applyLockOp(index, c.LockOp) // lockspace.go
		return Result{Lock: out}, err
	case KindTxn:
		for i := range c.Writes {
			if !validKey(c.Writes[i].Key) {
				return Result{Err: ErrBadKey}, nil
			}
		}
		var lockOut []byte
		if len(c.LockOp) > 0 {
			out, refuse, err := a.applyLockOp(index, c.LockOp) // lockspace.go
			if err != nil || refuse {
				return Result{Err: conflictErr(refuse), Lock: out}, err
			}
			lockOut = out
		}
		if a.beyondHorizon(index, c) {
			return Result{Err: ErrConflict, Lock: lockOut}, nil
		}
		conflict, err := a.conflicts(c)
		if err != nil || conflict {
			return Result{Err: conflictErr(conflict), Lock: lockOut}, err
		}
		var merges []mergeResult
		if c.hasMerges() {
			var res Result
			if merges, res, err = a.prepareMerges(c); err != nil || res.Err != nil { // merge.go
				return res, err
			}
		}
		for _, sp := range c.Drops {
			if err := a.drop(index, sp); err != nil {
				return Result{}, err
			}
		}
		for i := range c.Writes {
			w := &c.Writes[i]
			if w.Merge {
				if err := a.writeMerge(index, w, &merges[0]); err != nil {
					return Result{}, err
				}
				merges = merges[1:]
				continue
			}
			if err := a.write(index, w); err != nil {
				return Result{}, err
			}
		}
		return Result{Lock: lockOut}, a.recordCatalog(index, c) // history.go
	default:
		return Result{}, fmt.Errorf("%w: kind %d", ErrCorrupt, c.Kind)
	}
}

func (c *Command) hasMerges() bool {
	for i := range c.Writes {
		if c.Writes[i].Merge {
			return true
		}
	}
	return false
}

func conflictErr(conflict bool) error {
	if conflict {
		return ErrConflict
	}
	return nil
}

func (a *applier) increment(index uint64, c *Command) (Result, error) {
	if !validKey(c.Key) {
		return Result{Err: ErrBadKey}, nil
	}
	b, err := a.bucket(c.Space, true)
	if err != nil {
		return Result{}, err
	}
	var cur int64
	old := b.get(c.Key)
	if v := old; v != nil {
		_, tomb, payload, ok := decodeStored(v)
		switch {
		case !ok:
			return Result{}, fmt.Errorf("%w: stored value of %d bytes", ErrCorrupt, len(v))
		case tomb:
		case len(payload) != 8:
			return Result{Err: ErrNotCounter}, nil
		default:
			cur = int64(binary.BigEndian.Uint64(payload))
		}
	}
	cur += c.Delta // wraps on overflow, identically on every replica
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], uint64(cur))
	nv := a.storedValue(index, 0, p[:])
	a.hashChange(c.Space, c.Key, old, nv)
	if err := b.bucket.Put(c.Key, nv); err != nil {
		return Result{}, err
	}
	a.noteWrite(c.Space, index)
	return Result{Value: cur}, nil
}

// conflicts reports whether anything c read changed after c.SnapshotIndex:
// a key of Reads or any key (tombstones included) inside Ranges has a newer
// version, or a space read was dropped after the snapshot. Entries earlier in
// the same batch are visible here (same bbolt transaction).
//
// Two shortcuts use lastWrite, which is exact for the spaces it holds (the
// index of their last modification since Open) and otherwise bounded by
// lastWriteFloor: a space not modified after the snapshot needs no check,
// and a whole-space range of a space modified after it conflicts without a
// scan (the modification left a newer version or tombstone, or a drop; a
// collected tombstone implies the snapshot is beyond the horizon).
func (a *applier) conflicts(c *Command) (bool, error) {
	conflict, err := a.conflictsFast(c, true)
	if checkShortcuts && err == nil {
		if slow, _ := a.conflictsFast(c, false); slow != conflict {
			panic(fmt.Sprintf("BUG: validation shortcut says %v, full check %v", conflict, slow))
		}
	}
	return conflict, err
}

// checkShortcuts makes every validation also run without shortcuts and
// compare (tests only).
var checkShortcuts = false

func (a *applier) conflictsFast(c *Command, fast bool) (bool, error) {
	for i := range c.Reads {
		r := &c.Reads[i]
		snap := readSnapshot(c, r.AsOf)
		b, skip, conflict, err := a.validationBucket(r.Space, snap, fast)
		if err != nil || conflict {
			return conflict, err
		}
		if skip || b == nil {
			continue
		}
		if v := b.get(r.Key); v != nil && storedVersion(v) > snap {
			return true, nil
		}
	}
	for i := range c.Ranges {
		r := &c.Ranges[i]
		snap := readSnapshot(c, r.AsOf)
		b, skip, conflict, err := a.validationBucket(r.Space, snap, fast)
		if err != nil || conflict {
			return conflict, err
		}
		if skip {
			continue
		}
		if fast && len(r.Start) == 0 && r.End == nil && a.s.lastWrite[r.Space] > snap {
			return true, nil
		}
		if b == nil {
			continue
		}
		cur := b.cursor
		var k, v []byte
		if len(r.Start) == 0 {
			k, v = cur.First()
		} else {
			k, v = cur.Seek(r.Start)
		}
		for ; k != nil && (r.End == nil || bytes.Compare(k, r.End) < 0); k, v = cur.Next() {
			if storedVersion(v) > snap {
				return true, nil
			}
		}
	}
	return false, nil
}

// readSnapshot is the snapshot a read of c was made at: its own AsOf, or
// the command's SnapshotIndex.
func readSnapshot(c *Command, asOf uint64) uint64 {
	if asOf != 0 {
		return asOf
	}
	return c.SnapshotIndex
}

// validationBucket prepares checking reads of space at snapshot snap: skip
// when nothing wrote or dropped the space since snap, conflict when it was
// dropped since, else the bucket to check (nil if the space is empty).
func (a *applier) validationBucket(sp Space, snap uint64, fast bool) (b *openBucket, skip, conflict bool, err error) {
	if fast && max(a.s.lastWrite[sp], a.s.lastWriteFloor) <= snap {
		return nil, true, false, nil
	}
	if a.dropIndex(sp) > snap {
		return nil, false, true, nil
	}
	b, err = a.bucket(sp, false)
	return b, false, false, err
}

func (a *applier) dropIndex(sp Space) uint64 {
	if idx, ok := a.drops[sp]; ok {
		return idx
	}
	idx := storedVersion(a.meta.Get(dropKey(sp)))
	if a.drops == nil {
		a.drops = make(map[Space]uint64)
	}
	a.drops[sp] = idx
	return idx
}

func (a *applier) drop(index uint64, sp Space) error {
	name := spaceBucketName(sp)
	a.hashDrop(sp)
	if a.tx.Bucket(name) != nil {
		if err := a.tx.DeleteBucket(name); err != nil {
			return err
		}
	}
	delete(a.buckets, sp)
	if err := a.meta.Put(dropKey(sp), u64Bytes(index)); err != nil {
		return err
	}
	if a.drops == nil {
		a.drops = make(map[Space]uint64)
	}
	a.drops[sp] = index
	a.noteWrite(sp, index)
	return nil
}

func (a *applier) write(index uint64, w *Write) error {
	if w.Delete {
		b, err := a.bucket(w.Space, false)
		if err != nil || b == nil {
			return err
		}
		v := b.get(w.Key)
		if v == nil || (len(v) > 8 && v[8]&flagTombstone != 0) {
			return nil // absent already: no version change, nothing to conflict with
		}
		a.hashChange(w.Space, w.Key, v, nil)
		if err := b.bucket.Put(w.Key, a.storedValue(index, flagTombstone, nil)); err != nil {
			return err
		}
		if err := a.tombs.Put(a.tombKey(index, w.Space, w.Key), nil); err != nil {
			return err
		}
		a.noteTombstone(index)
		a.noteWrite(w.Space, index)
		return nil
	}
	b, err := a.bucket(w.Space, true)
	if err != nil {
		return err
	}
	nv := a.storedValue(index, 0, w.Value)
	a.hashChange(w.Space, w.Key, b.get(w.Key), nv)
	if err := b.bucket.Put(w.Key, nv); err != nil {
		return err
	}
	a.noteWrite(w.Space, index)
	return nil
}

func (a *applier) noteWrite(sp Space, index uint64) {
	if a.s.lastWrite[sp] < index {
		a.s.lastWrite[sp] = index
	}
}

// openBucket is a space's bucket with a cursor reused for point reads
// (bbolt's Bucket.Get allocates a cursor each call). Seek repositions the
// cursor, so Puts between reads are fine.
type openBucket struct {
	bucket *bolt.Bucket
	cursor *bolt.Cursor
}

func (b *openBucket) get(key []byte) []byte {
	k, v := b.cursor.Seek(key)
	if k == nil || !bytes.Equal(k, key) {
		return nil
	}
	return v
}

// bucket returns the bucket of sp, creating it when create is set; without
// create it returns nil for a space that has no keys.
func (a *applier) bucket(sp Space, create bool) (*openBucket, error) {
	if b := a.buckets[sp]; b != nil {
		return b, nil
	}
	name := spaceBucketName(sp)
	b := a.tx.Bucket(name)
	if b == nil {
		if !create {
			return nil, nil
		}
		var err error
		if b, err = a.tx.CreateBucket(name); err != nil {
			return nil, err
		}
	}
	ob := &openBucket{bucket: b, cursor: b.Cursor()}
	a.buckets[sp] = ob
	return ob, nil
}

// arenaChunk is the size of the blocks stored values are carved from; bbolt
// keeps the slices passed to Put until the transaction commits.
const arenaChunk = 64 << 10

// storedValue builds [version][flags][payload] in the batch's arena.
func (a *applier) storedValue(version uint64, flags byte, payload []byte) []byte {
	v := a.alloc(valueHeaderSize + len(payload))
	binary.BigEndian.PutUint64(v, version)
	v[8] = flags
	copy(v[valueHeaderSize:], payload)
	return v
}

// alloc returns n bytes that stay valid until the next Apply.
func (a *applier) alloc(n int) []byte {
	if n > arenaChunk/4 {
		return make([]byte, n)
	}
	if cap(a.s.arena)-len(a.s.arena) < n {
		a.s.arena = make([]byte, 0, arenaChunk)
	}
	start := len(a.s.arena)
	a.s.arena = a.s.arena[:start+n]
	return a.s.arena[start : start+n : start+n]
}
