package kv

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"

	"github.com/google/btree"
	bolt "go.etcd.io/bbolt"
)

// Txn is a client-side transaction: reads from one consistent snapshot (a
// bbolt read transaction at SnapshotIndex) overlaid with the transaction's
// own buffered writes, recording what it read so Apply can validate it.
// A Txn is used by one goroutine. Byte slices returned by Get and Iterator
// are owned by the caller (copied out of bbolt and out of the buffer); byte
// slices passed to Put, Delete and Emit are copied, so callers may reuse them.
type Txn struct {
	store    *Store
	tx       *bolt.Tx        // the snapshot; nil after Release
	shared   *SharedSnapshot // set when tx is a shared snapshot's (shared_snapshot.go)
	snapshot uint64
	buckets  []snapBucket // snapshot buckets opened so far (few: a linear search)

	// The write buffer. Once Savepoint has been called, every change to it
	// pushes an undo record, so a savepoint is a position in undo.
	spaces   map[Space]*spaceBuf
	drops    []Space // spaces dropped, in first-drop order
	messages []Message
	seq      uint64 // next first-write sequence number
	// undo is recorded only once Savepoint has been called: a rollback can
	// never go back further than the first savepoint.
	undo   []undoRec
	undoOn bool
	size   int64 // see Size

	// The read set; kept across RollbackTo (what was read stays read).
	reads   []Read
	readSet map[string]struct{} // 4-byte space + key of each Read, once there are many
	ranges  []Range
	scratch []byte
	// unrecorded counts, per space, the SuppressReads in force
	// (lockread.go): reads of those spaces are not recorded.
	unrecorded map[Space]int
	// checkedOnly: only reads inside Checking are recorded
	// (readcommitted.go); checking counts the Checking in force.
	checkedOnly bool
	checking    int

	iters []*Iterator // open iterators, finished by Release and Command

	// First backing arrays of buckets and reads: a point query opens one
	// or two buckets and reads one key, with no allocation of its own.
	bucketsBuf [2]snapBucket
	readsBuf   [2]Read
}

// bufEntry is one buffered write. Entries are never changed in place (undo
// records and iterator views keep old ones); a new write replaces the entry.
type bufEntry struct {
	key    []byte
	value  []byte // nil when del; the operand when merge
	before []byte // the ORIGINAL before image: of the first write to key
	del    bool
	fresh  bool   // the key did not exist before the transaction (before is nil)
	seq    uint64 // first-write order, kept by later writes to key
	// merge: a pending merge write (Txn.Merge) of the snapshot's value
	// (before); view is the merged value the transaction reads.
	merge bool
	view  []byte
}

// readValue is the value the transaction reads for a buffered entry.
func (e *bufEntry) readValue() []byte {
	if e.merge {
		return e.view
	}
	return e.value
}

func (e *bufEntry) toWrite(space Space) Write {
	if e.merge {
		return Write{Space: space, Key: e.key, Value: e.value, Merge: true}
	}
	return Write{Space: space, Key: e.key, Value: e.value, Before: e.before, Delete: e.del}
}

// emitted reports whether Command sends the entry: a delete of a key that
// did not exist before the transaction (inserted, then deleted) is no write
// at all.
func (e *bufEntry) emitted() bool { return !e.del || !e.fresh }

func lessEntry(a, b bufEntry) bool { return bytes.Compare(a.key, b.key) < 0 }

// spaceBuf is the buffer of one space. DropSpace replaces it with an empty,
// dropped one (the old one is kept by the undo record).
type spaceBuf struct {
	tree    *btree.BTreeG[bufEntry]
	dropped bool
	emitted int // entries with emitted() true
}

func newSpaceBuf(dropped bool) *spaceBuf {
	return &spaceBuf{tree: btree.NewG(32, lessEntry), dropped: dropped}
}

type undoKind uint8

const (
	undoWrite undoKind = iota
	undoDrop
	undoMessage
)

type undoRec struct {
	key     []byte    // undoWrite: the key written
	prev    *bufEntry // undoWrite: the entry replaced (nil: the key was new)
	prevBuf *spaceBuf // undoDrop: the space's buffer before the drop (nil if none)
	prevLen int       // undoDrop: len(drops) before; undoMessage: len(messages) before
	// prevSize is Size before the change (undoWrite, undoMessage).
	prevSize int64
	space    Space
	kind     undoKind
}

func newTxn(s *Store, tx *bolt.Tx, snapshot uint64) *Txn {
	t := &Txn{
		store:    s,
		tx:       tx,
		snapshot: snapshot,
	}
	t.buckets, t.reads = t.bucketsBuf[:0], t.readsBuf[:0]
	return t
}

// setSpaceBuf makes sb the buffer of space; the map is made on the first
// write, so a read-only transaction never allocates it.
func (t *Txn) setSpaceBuf(space Space, sb *spaceBuf) {
	if t.spaces == nil {
		t.spaces = make(map[Space]*spaceBuf)
	}
	t.spaces[space] = sb
}

// SnapshotIndex is the applied index the transaction reads at.
func (t *Txn) SnapshotIndex() uint64 { return t.snapshot }

// Get returns the value at key, seeing the transaction's own writes first.
// A key not written by the transaction (in a space it did not drop), or
// holding a pending merge, is recorded as read.
func (t *Txn) Get(space Space, key []byte) (value []byte, ok bool, err error) {
	if t.tx == nil {
		return nil, false, ErrTxnDone
	}
	if sb := t.spaces[space]; sb != nil {
		if e, found := sb.tree.Get(bufEntry{key: key}); found {
			if e.del {
				return nil, false, nil
			}
			if e.merge {
				// The merged value depends on the snapshot's: validate it.
				t.recordRead(space, key)
			}
			return bytes.Clone(e.readValue()), true, nil
		}
		if sb.dropped {
			return nil, false, nil
		}
	}
	t.recordRead(space, key)
	v := t.snapGet(space, key)
	if v == nil {
		return nil, false, nil
	}
	_, tomb, payload, valid := decodeStored(v)
	if !valid {
		return nil, false, fmt.Errorf("%w: stored value of %d bytes in space %d", ErrCorrupt, len(v), space)
	}
	if tomb {
		return nil, false, nil
	}
	return append(make([]byte, 0, len(payload)), payload...), true, nil
}

// smallReadSet is how many reads are deduplicated by a linear search before
// the transaction builds readSet.
const smallReadSet = 16

func (t *Txn) recordRead(space Space, key []byte) {
	if t.checkedOnly && t.checking == 0 && space != CatalogSpace {
		return
	}
	if len(t.unrecorded) > 0 && !t.recording(space) {
		return
	}
	t.addRead(space, key)
}

func (t *Txn) addRead(space Space, key []byte) {
	if t.readSet == nil {
		for i := range t.reads {
			if r := &t.reads[i]; r.Space == space && bytes.Equal(r.Key, key) {
				return
			}
		}
		if len(t.reads) >= smallReadSet {
			t.readSet = make(map[string]struct{}, 2*len(t.reads))
			for i := range t.reads {
				t.scratch = append(append(t.scratch[:0], spaceBucketName(t.reads[i].Space)...), t.reads[i].Key...)
				t.readSet[string(t.scratch)] = struct{}{}
			}
		}
	}
	if t.readSet != nil {
		t.scratch = append(append(t.scratch[:0], spaceBucketName(space)...), key...)
		if _, dup := t.readSet[string(t.scratch)]; dup {
			return
		}
		t.readSet[string(t.scratch)] = struct{}{}
	}
	t.reads = append(t.reads, Read{Space: space, Key: bytes.Clone(key)})
}

// snapBucket is a space's bucket in the snapshot (nil: the space is empty)
// with a cursor reused for point reads (bbolt's Bucket.Get allocates a new
// cursor each call).
type snapBucket struct {
	space  Space
	bucket *bolt.Bucket
	cursor *bolt.Cursor
}

// bucket returns the snapshot's bucket of space, nil if it has none.
func (t *Txn) bucket(space Space) *snapBucket {
	for i := range t.buckets {
		if t.buckets[i].space == space {
			return &t.buckets[i]
		}
	}
	unlock := t.lock()
	sb := snapBucket{space: space, bucket: t.tx.Bucket(spaceBucketName(space))}
	if sb.bucket != nil {
		sb.cursor = sb.bucket.Cursor()
	}
	unlock()
	t.buckets = append(t.buckets, sb)
	return &t.buckets[len(t.buckets)-1]
}

// snapGet returns the snapshot's stored value at key (bbolt memory), nil
// if absent.
func (t *Txn) snapGet(space Space, key []byte) []byte {
	b := t.bucket(space)
	unlock := t.lock()
	defer unlock()
	return b.get(key)
}

// get returns the stored value at key (bbolt memory), nil if absent.
func (b *snapBucket) get(key []byte) []byte {
	if b.cursor == nil {
		return nil
	}
	k, v := b.cursor.Seek(key)
	if k == nil || !bytes.Equal(k, key) {
		return nil
	}
	return v
}

// Put buffers a write of value at key; before is the previous value as the
// caller saw it (nil for an insert, or when unknown: kv then looks the key up
// in the snapshot, unless the transaction dropped the space). Only the first
// write to a key keeps its before image: Command reports the value before
// the transaction.
func (t *Txn) Put(space Space, key, value, before []byte) {
	t.write(space, key, value, before, false)
}

// Delete buffers a delete of key; before is the value being deleted (nil:
// kv looks it up in the snapshot, as for Put). Deleting a key that did not
// exist before the transaction (e.g. inserted by it) writes nothing.
func (t *Txn) Delete(space Space, key, before []byte) {
	t.write(space, key, nil, before, true)
}

func (t *Txn) write(space Space, key, value, before []byte, del bool) {
	if t.undoOn {
		t.undo = append(t.undo, undoRec{kind: undoWrite, space: space, prevSize: t.size})
	}
	sb := t.spaces[space]
	if sb == nil {
		sb = newSpaceBuf(false)
		t.setSpaceBuf(space, sb)
	}
	prev, had := sb.tree.Get(bufEntry{key: key})
	e := bufEntry{del: del}
	if had && prev.merge {
		// Replacing a pending merge: the before image is the snapshot's
		// value, which must then be validated like any read.
		t.recordRead(space, key)
	}
	if had {
		e.key, e.before, e.seq, e.fresh = prev.key, prev.before, prev.seq, prev.fresh
		if !del {
			e.value = append(make([]byte, 0, len(value)), value...)
		}
		t.size += int64(len(e.value)) - int64(len(prev.value))
		if prev.emitted() {
			sb.emitted--
		}
	} else {
		if before == nil && !sb.dropped && t.tx != nil {
			// The caller did not say: take the before image from the
			// snapshot (not recorded as a read: a blind write needs none).
			if v := t.snapGet(space, key); v != nil {
				if _, tomb, payload, ok := decodeStored(v); ok && !tomb {
					before = payload
				}
			}
		}
		// One allocation holds key, value and before.
		n := len(key) + len(before)
		if !del {
			n += len(value)
		}
		slab := make([]byte, 0, n)
		slab = append(slab, key...)
		e.key = slab[:len(key):len(key)]
		if !del {
			slab = append(slab, value...)
			e.value = slab[len(key):len(slab):len(slab)]
		}
		if before != nil {
			start := len(slab)
			slab = append(slab, before...)
			e.before = slab[start:len(slab):len(slab)]
		}
		e.fresh = before == nil
		e.seq = t.seq
		t.seq++
		t.size += int64(n) + writeOverhead
	}
	if e.emitted() {
		sb.emitted++
	}
	sb.tree.ReplaceOrInsert(e)
	if t.undoOn {
		u := &t.undo[len(t.undo)-1]
		u.key = e.key
		if had {
			p := prev // only this copy escapes
			u.prev = &p
		}
	}
}

// writeOverhead is what a buffered write adds to its command's encoding
// beyond its key, value and before image (lengths, space, flags): an
// estimate on the high side.
const writeOverhead = 16

// Size is about how many bytes the transaction's command would take: its
// buffered writes (keys, values, before images) and messages. Writes to
// spaces dropped later still count, so it may overestimate; the exact
// figure is the encoded Command's length. The SQL layer checks it against
// its transaction size limit as rows are written.
func (t *Txn) Size() int64 { return t.size }

// DropSpace buffers the deletion of every key of space (applied at commit,
// before the writes). Reads of a dropped space within the transaction see it
// empty except for writes made after the drop; writes made before it are
// discarded.
func (t *Txn) DropSpace(space Space) {
	prev := t.spaces[space]
	if t.undoOn {
		t.undo = append(t.undo, undoRec{kind: undoDrop, space: space, prevBuf: prev, prevLen: len(t.drops)})
	}
	if prev == nil || !prev.dropped {
		t.drops = append(t.drops, space)
	}
	t.setSpaceBuf(space, newSpaceBuf(true))
}

// Emit buffers a transactional logical message.
func (t *Txn) Emit(m Message) {
	m.Content = bytes.Clone(m.Content)
	if t.undoOn {
		t.undo = append(t.undo, undoRec{kind: undoMessage, prevLen: len(t.messages), prevSize: t.size})
	}
	t.messages = append(t.messages, m)
	t.size += int64(len(m.Prefix)+len(m.Content)) + writeOverhead
}

// Savepoint marks the current state of the write buffer (writes, drops and
// messages; reads are never rolled back).
func (t *Txn) Savepoint() int {
	t.undoOn = true
	return len(t.undo)
}

// RollbackTo discards writes, drops and messages made after the savepoint.
// The savepoint stays valid (ROLLBACK TO keeps the savepoint); rolling back to
// an invalid or already discarded position does nothing.
func (t *Txn) RollbackTo(sp int) {
	if sp < 0 || sp > len(t.undo) {
		return
	}
	for i := len(t.undo) - 1; i >= sp; i-- {
		u := &t.undo[i]
		switch u.kind {
		case undoWrite:
			sb := t.spaces[u.space]
			if cur, ok := sb.tree.Get(bufEntry{key: u.key}); ok && cur.emitted() {
				sb.emitted--
			}
			if u.prev != nil {
				sb.tree.ReplaceOrInsert(*u.prev)
				if u.prev.emitted() {
					sb.emitted++
				}
			} else {
				sb.tree.Delete(bufEntry{key: u.key})
			}
		case undoDrop:
			if u.prevBuf != nil {
				t.spaces[u.space] = u.prevBuf
			} else {
				delete(t.spaces, u.space)
			}
			t.drops = t.drops[:u.prevLen]
		case undoMessage:
			clear(t.messages[u.prevLen:])
			t.messages = t.messages[:u.prevLen]
		}
		if u.kind != undoDrop {
			t.size = u.prevSize
		}
	}
	clear(t.undo[sp:])
	t.undo = t.undo[:sp]
}

// HasWrites reports whether the transaction wrote anything (or dropped a
// space, or emitted a message).
func (t *Txn) HasWrites() bool {
	if len(t.drops) > 0 || len(t.messages) > 0 {
		return true
	}
	for _, sb := range t.spaces {
		if sb.emitted > 0 {
			return true
		}
	}
	return false
}

// Untouched reports whether the transaction has read and scanned nothing
// but the catalog, written nothing and has no open iterator: releasing it
// and beginning another (which reads the catalog anew) then loses nothing
// but an older snapshot. A session does so before a long wait, so its
// read transaction does not hold up apply.
func (t *Txn) Untouched() bool {
	if t.tx == nil || t.shared != nil || len(t.iters) > 0 || len(t.spaces) > 0 || len(t.drops) > 0 || len(t.messages) > 0 {
		return false
	}
	for i := range t.reads {
		if t.reads[i].Space != CatalogSpace {
			return false
		}
	}
	for i := range t.ranges {
		if t.ranges[i].Space != CatalogSpace {
			return false
		}
	}
	return true
}

// Command returns the command to propose for this transaction. Writes are in
// first-write order (the order statements first touched each key; a later
// write to a key replaces its value in place); Drops in first-drop order.
// Open iterators are finished first so their ranges are included. The
// command shares memory with the transaction: do not change the transaction
// afterwards. It works after Release.
func (t *Txn) Command(commitTimeMicros int64) *Command {
	t.finishIters()
	c := &Command{
		Kind:          KindTxn,
		SnapshotIndex: t.snapshot,
		CommitTime:    commitTimeMicros,
		Reads:         t.reads,
		Ranges:        t.ranges,
		Drops:         slices.Clone(t.drops),
		Messages:      slices.Clone(t.messages),
	}
	if len(c.Reads) == 0 {
		c.Reads = nil // t.reads starts as an empty readsBuf slice
	}
	normalizeAsOf(c)
	n := 0
	for _, sb := range t.spaces {
		n += sb.emitted
	}
	if n == 0 {
		return c
	}
	if t.seq <= uint64(4*n) {
		// Place each write at its sequence number, then close the gaps
		// (rolled-back or unemitted entries): linear, no sort.
		slots := make([]Write, t.seq)
		for space, sb := range t.spaces {
			sb.tree.Ascend(func(e bufEntry) bool {
				if e.emitted() {
					slots[e.seq] = e.toWrite(space)
				}
				return true
			})
		}
		c.Writes = slices.DeleteFunc(slots, func(w Write) bool { return w.Key == nil }) // buffered keys are never nil
		return c
	}
	type seqWrite struct {
		seq uint64
		w   Write
	}
	all := make([]seqWrite, 0, n)
	for space, sb := range t.spaces {
		sb.tree.Ascend(func(e bufEntry) bool {
			if e.emitted() {
				all = append(all, seqWrite{e.seq, e.toWrite(space)})
			}
			return true
		})
	}
	slices.SortFunc(all, func(a, b seqWrite) int { return cmp.Compare(a.seq, b.seq) })
	c.Writes = make([]Write, len(all))
	for i := range all {
		c.Writes[i] = all[i].w
	}
	return c
}

// Release ends the snapshot: open iterators are finished (their ranges
// recorded) and later Get and Scan calls return ErrTxnDone. Command still
// works. It must be called before the transaction's command is proposed (a
// held bbolt read transaction pins pages and can stall mmap growth) and is
// safe to call more than once.
func (t *Txn) Release() {
	if t.tx == nil {
		return
	}
	for _, it := range t.iters {
		if it.err == nil {
			it.err = ErrTxnDone
		}
	}
	t.finishIters()
	if t.shared != nil {
		t.shared.unref()
	} else {
		_ = t.tx.Rollback() // read-only: Rollback only releases the snapshot
		t.store.openTxns.Add(-1)
	}
	t.tx = nil
	t.buckets = nil
}

func (t *Txn) finishIters() {
	for len(t.iters) > 0 {
		t.iters[len(t.iters)-1].Close()
	}
}
