package kv

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Merge writes: commutative updates that do not read.
//
// A transaction that only adds to a value (UPDATE t SET n = n + 1 WHERE
// pk = …) need not read it: Txn.Merge buffers the operand, and Apply
// computes Options.Merge(current value, operand) when the entry applies.
// The key is not in the read set, so any number of concurrent merges of
// one key all commit (under plain OCC each would conflict with the others);
// a transaction that READ the key still conflicts with them, since a merge
// gives the key a new version like any write.
//
// What a merging transaction does observe is recorded instead:
//
//   - that the key exists (the caller reports "1 row updated"): at apply
//     the key must hold a live value, else the transaction conflicts;
//   - the merged value, if it reads the key after merging (Get or Scan of
//     it): then the key is recorded as read, so the value it saw — the
//     snapshot's, merged — is the one the merge will be applied to.
//
// A merge of a key the transaction already wrote is folded into the
// buffered value at once (an ordinary write).
//
// Changefeed images: the log entry holds only the operand, so Apply records
// the before and after values of each merge write in mergeBucket (key: the
// 8-byte big-endian entry index and 4-byte big-endian write position;
// value: uvarint len(before), before, after), in the same bbolt
// transaction; the
// changefeed reads them with Store.MergeImages. They are pruned with the
// rest of the history (PruneHistory).

var mergeBucket = []byte("\x00mrgi")

// CanMerge reports whether the store has a merge function (Options.Merge).
func (t *Txn) CanMerge() bool { return t.store.opts.Merge != nil }

// Merge buffers a merge of operand into the value at key and reports
// whether the key exists in the transaction's view (snapshot overlaid with
// its writes). When it does not, nothing is buffered and the key's absence
// is recorded as read (as Get would). When the transaction wrote the key,
// the merge is applied to the buffered value at once. Otherwise a merge
// write is buffered: the key is NOT recorded as read, but the commit
// requires it to exist at apply. A merge function error (computed on the
// value seen, so a statement fails where a read-modify-write would) is
// returned wrapping ErrMerge and the cause; nothing is buffered then.
func (t *Txn) Merge(space Space, key, operand []byte) (bool, error) {
	if t.tx == nil {
		return false, ErrTxnDone
	}
	mf := t.store.opts.Merge
	if mf == nil {
		return false, fmt.Errorf("%w: no merge function", ErrMerge)
	}
	sb := t.spaces[space]
	if sb != nil {
		if e, found := sb.tree.Get(bufEntry{key: key}); found {
			if e.del {
				return false, nil
			}
			nv, err := mf(e.readValue(), operand)
			if err != nil {
				return false, mergeError(err)
			}
			t.write(space, key, nv, nil, false) // records the read of a pending merge
			return true, nil
		}
		if sb.dropped {
			return false, nil
		}
	}
	var payload []byte
	if v := t.snapGet(space, key); v != nil {
		_, tomb, p, ok := decodeStored(v)
		if !ok {
			return false, fmt.Errorf("%w: stored value of %d bytes in space %d", ErrCorrupt, len(v), space)
		}
		if !tomb {
			payload = p
		}
	}
	if payload == nil {
		t.recordRead(space, key)
		return false, nil
	}
	view, err := mf(payload, operand)
	if err != nil {
		return false, mergeError(err)
	}
	if sb == nil {
		sb = newSpaceBuf(false)
		t.setSpaceBuf(space, sb)
	}
	slab := make([]byte, 0, len(key)+len(operand)+len(payload))
	slab = append(slab, key...)
	slab = append(slab, operand...)
	slab = append(slab, payload...)
	k, o := len(key), len(key)+len(operand)
	e := bufEntry{
		key:    slab[:k:k],
		value:  slab[k:o:o],
		before: slab[o:],
		merge:  true,
		view:   view,
		seq:    t.seq,
	}
	t.seq++
	sb.emitted++
	sb.tree.ReplaceOrInsert(e)
	if t.undoOn {
		t.undo = append(t.undo, undoRec{kind: undoWrite, space: space, key: e.key})
	}
	return true, nil
}

func mergeError(cause error) error { return fmt.Errorf("%w: %w", ErrMerge, cause) }

// mergeResult is a merge write's outcome computed before anything of its
// entry is written.
type mergeResult struct {
	pos           int // position in Command.Writes
	before, after []byte
}

// prepareMerges computes the merge writes of c against the current state
// (after validation, before any write: a failure must leave nothing
// written). A missing key is a conflict; a merge error fails the entry.
// Keys of spaces c drops are missing (the drops apply first).
func (a *applier) prepareMerges(c *Command) ([]mergeResult, Result, error) {
	var out []mergeResult
	for i := range c.Writes {
		w := &c.Writes[i]
		if !w.Merge {
			continue
		}
		if w.Space == CatalogSpace {
			return nil, Result{Err: mergeError(fmt.Errorf("merge write to the catalog"))}, nil
		}
		mf := a.s.opts.Merge
		if mf == nil {
			return nil, Result{Err: mergeError(fmt.Errorf("no merge function"))}, nil
		}
		for _, sp := range c.Drops {
			if sp == w.Space {
				return nil, Result{Err: ErrConflict}, nil
			}
		}
		b, err := a.bucket(w.Space, false)
		if err != nil {
			return nil, Result{}, err
		}
		var cur []byte
		if b != nil {
			cur = b.get(w.Key)
		}
		if cur == nil {
			return nil, Result{Err: ErrConflict}, nil
		}
		_, tomb, payload, ok := decodeStored(cur)
		if !ok {
			return nil, Result{}, fmt.Errorf("%w: stored value of %d bytes", ErrCorrupt, len(cur))
		}
		if tomb {
			return nil, Result{Err: ErrConflict}, nil
		}
		after, err := mf(payload, w.Value)
		if err != nil {
			return nil, Result{Err: mergeError(err)}, nil
		}
		if after == nil {
			after = []byte{}
		}
		before := a.alloc(len(payload)) // bbolt memory may move once the entry writes
		copy(before, payload)
		out = append(out, mergeResult{pos: i, before: before, after: after})
	}
	return out, Result{}, nil
}

// writeMerge stores a prepared merge and its changefeed images.
func (a *applier) writeMerge(index uint64, w *Write, m *mergeResult) error {
	b, err := a.bucket(w.Space, true)
	if err != nil {
		return err
	}
	img := a.alloc(binary.MaxVarintLen64 + len(m.before) + len(m.after))
	n := binary.PutUvarint(img, uint64(len(m.before)))
	n += copy(img[n:], m.before)
	n += copy(img[n:], m.after)
	nv := a.storedValue(index, 0, m.after)
	a.hashChange(w.Space, w.Key, b.get(w.Key), nv)
	if err := b.bucket.Put(w.Key, nv); err != nil {
		return err
	}
	a.noteWrite(w.Space, index)
	k := a.alloc(12)
	binary.BigEndian.PutUint64(k, index)
	binary.BigEndian.PutUint32(k[8:], uint32(m.pos))
	return a.tx.Bucket(mergeBucket).Put(k, img[:n])
}

// MergeImage is the before and after value of one merge write of an
// applied entry: Pos is its position in the entry's Command.Writes.
type MergeImage struct {
	Pos           int
	Before, After []byte
}

// MergeImages returns the images of the merge writes of the entry at index,
// in write order (none when it has no merge writes, did not apply, or its
// history was pruned). The caller owns the slices.
func (s *Store) MergeImages(index uint64) ([]MergeImage, error) {
	var out []MergeImage
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(mergeBucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var prefix [8]byte
		binary.BigEndian.PutUint64(prefix[:], index)
		for k, v := c.Seek(prefix[:]); k != nil && len(k) == 12 && binary.BigEndian.Uint64(k) == index; k, v = c.Next() {
			pos := binary.BigEndian.Uint32(k[8:])
			bl, m := binary.Uvarint(v)
			if m <= 0 || bl > uint64(len(v)-m) {
				return fmt.Errorf("%w: merge image of entry %d", ErrCorrupt, index)
			}
			img := make([]byte, len(v)-m)
			copy(img, v[m:])
			out = append(out, MergeImage{Pos: int(pos), Before: img[:bl:bl], After: img[bl:]})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pruneMergeImages deletes the images of entries below before.
func pruneMergeImages(b *bolt.Bucket, before uint64) error {
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(k) >= 8 && binary.BigEndian.Uint64(k) < before; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}
