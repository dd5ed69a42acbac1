package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// History kept for the changefeed.
//
// The changefeed reads committed entries back from the raft log, long after
// they were applied. Two facts it needs cannot be recovered from the log
// alone, so Apply records them, deterministically, in the same bbolt
// transaction as the entry's writes:
//
//   - which entries did not apply (a KindTxn that got ErrConflict or
//     ErrBadKey, an Increment that got ErrNotCounter): bucket failBucket,
//     key = 8-byte big-endian index, empty value. Failures are rare, so the
//     bucket is small and Failed(lo, hi) is one cursor seek per batch.
//   - every version of every key of CatalogSpace: bucket catHistBucket, key
//     = 8-byte big-endian index of the entry that wrote it + the catalog
//     key, value = one flag byte (1: deleted) + the value. CatalogAt folds
//     it up to an index, so the feed decodes each change with the schema of
//     its time.
//
// Both grow with the log and are cut back by PruneHistory when the log's
// front is truncated. A store opened without them (created by an older
// build) seeds the catalog history from the current catalog, each key at
// the version it was last written at: exact from then on.

var (
	failBucket    = []byte("\x00fail")
	catHistBucket = []byte("\x00chis")
	// metaHistFloor holds the u64 index below which PruneHistory folded the
	// catalog history (CatalogAt is exact only at or after floor-1).
	metaHistFloor = []byte("histfloor")
)

const catHistDeleted = 1

// ErrHistoryPruned is returned by CatalogAt for an index whose catalog
// history was folded away by PruneHistory.
var ErrHistoryPruned = errors.New("kv: catalog history pruned")

// createHistory creates the history buckets inside Open's update
// transaction, seeding the catalog history when it is new.
func createHistory(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(failBucket); err != nil {
		return err
	}
	if _, err := tx.CreateBucketIfNotExists(mergeBucket); err != nil { // merge.go
		return err
	}
	if tx.Bucket(catHistBucket) != nil {
		return nil
	}
	hist, err := tx.CreateBucket(catHistBucket)
	if err != nil {
		return err
	}
	cat := tx.Bucket(spaceBucketName(CatalogSpace))
	if cat == nil {
		return nil
	}
	return cat.ForEach(func(k, v []byte) error {
		version, tomb, payload, ok := decodeStored(v)
		if !ok {
			return fmt.Errorf("%w: catalog value of %d bytes", ErrCorrupt, len(v))
		}
		if tomb {
			return nil
		}
		return hist.Put(catHistKey(version, k), append([]byte{0}, payload...))
	})
}

func catHistKey(index uint64, key []byte) []byte {
	k := make([]byte, 8+len(key))
	binary.BigEndian.PutUint64(k, index)
	copy(k[8:], key)
	return k
}

// recordFailure notes that entry index did not apply.
func (a *applier) recordFailure(index uint64) error {
	return a.tx.Bucket(failBucket).Put(a.u64Key(index), nil)
}

// recordCatalog notes the catalog writes of an applied entry.
func (a *applier) recordCatalog(index uint64, c *Command) error {
	var hist *bolt.Bucket
	for i := range c.Writes {
		w := &c.Writes[i]
		if w.Space != CatalogSpace {
			continue
		}
		if hist == nil {
			hist = a.tx.Bucket(catHistBucket)
		}
		k := a.alloc(8 + len(w.Key))
		binary.BigEndian.PutUint64(k, index)
		copy(k[8:], w.Key)
		var v []byte
		if w.Delete {
			v = a.alloc(1)
			v[0] = catHistDeleted
		} else {
			v = a.alloc(1 + len(w.Value))
			v[0] = 0
			copy(v[1:], w.Value)
		}
		if err := hist.Put(k, v); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) u64Key(v uint64) []byte {
	k := a.alloc(8)
	binary.BigEndian.PutUint64(k, v)
	return k
}

// Applied reports whether the entry at index applied its writes: it is at
// or below the applied index and did not fail (conflict, bad key, bad
// counter). Raft no-ops and KindMessage entries count as applied. For
// several entries use Failed, which costs the same for a whole range.
func (s *Store) Applied(index uint64) (bool, error) {
	if index == 0 || index > s.applied.Load() {
		return false, nil
	}
	failed, err := s.Failed(index, index+1)
	return len(failed) == 0, err
}

// Failed returns, in increasing order, the indexes in [lo, hi) of entries
// that were applied with a Result.Err (nothing of them was written). Only
// indexes at or below AppliedIndex are meaningful; PruneHistory forgets
// failures below its argument.
func (s *Store) Failed(lo, hi uint64) ([]uint64, error) {
	var out []uint64
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(failBucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var start [8]byte
		binary.BigEndian.PutUint64(start[:], lo)
		for k, _ := c.Seek(start[:]); k != nil && len(k) == 8; k, _ = c.Next() {
			idx := binary.BigEndian.Uint64(k)
			if idx >= hi {
				break
			}
			out = append(out, idx)
		}
		return nil
	})
	return out, err
}

// CatalogAt returns the contents of CatalogSpace as they were just after
// entry index applied (key → value, deleted keys absent; the caller owns
// the map and its slices) and asOf, the index of the last entry at or
// before index that wrote the catalog (0: none recorded). asOf identifies
// the catalog version: equal asOf, equal contents. index above the applied
// index gives the current catalog. It returns ErrHistoryPruned for an index
// older than PruneHistory kept.
func (s *Store) CatalogAt(index uint64) (catalog map[string][]byte, asOf uint64, err error) {
	catalog = make(map[string][]byte)
	err = s.view(func(tx *bolt.Tx) error {
		if floor := storedVersion(tx.Bucket(metaBucket).Get(metaHistFloor)); floor > 0 && index+1 < floor {
			return fmt.Errorf("%w: catalog at %d, history kept from %d", ErrHistoryPruned, index, floor-1)
		}
		b := tx.Bucket(catHistBucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(k) >= 8; k, v = c.Next() {
			idx := binary.BigEndian.Uint64(k)
			if idx > index {
				break
			}
			asOf = idx
			if len(v) == 0 || v[0]&catHistDeleted != 0 {
				delete(catalog, string(k[8:]))
				continue
			}
			catalog[string(k[8:])] = bytes.Clone(v[1:])
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return catalog, asOf, nil
}

// PruneHistory forgets history the changefeed no longer needs once the log
// no longer holds entries below before: failures and merge images below
// before, and catalog
// versions superseded at or before before-1 (the latest version of each key
// as of before-1 is kept, so CatalogAt stays exact from before-1 on). It
// runs alongside readers and is serialized with Apply. Every replica may
// prune at its own pace: history is not part of the replicated state's
// meaning, only a record of it.
func (s *Store) PruneHistory(before uint64) error {
	if before == 0 {
		return nil
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if storedVersion(meta.Get(metaHistFloor)) >= before {
			return nil
		}
		if err := pruneFailures(tx.Bucket(failBucket), before); err != nil {
			return err
		}
		if err := pruneMergeImages(tx.Bucket(mergeBucket), before); err != nil { // merge.go
			return err
		}
		if err := pruneCatalogHistory(tx.Bucket(catHistBucket), before-1); err != nil {
			return err
		}
		return meta.Put(metaHistFloor, u64Bytes(before))
	})
}

func pruneFailures(b *bolt.Bucket, before uint64) error {
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) < before; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// pruneCatalogHistory deletes every version at or below upto that a later
// version at or below upto replaces, and the last tombstones of deleted
// keys (but the newest one).
func pruneCatalogHistory(b *bolt.Bucket, upto uint64) error {
	if b == nil {
		return nil
	}
	type version struct {
		key     []byte // the history key
		deleted bool
	}
	latest := make(map[string]version)
	var drop [][]byte
	var newest uint64
	c := b.Cursor()
	for k, v := c.First(); k != nil && len(k) >= 8 && binary.BigEndian.Uint64(k) <= upto; k, v = c.Next() {
		ck := string(k[8:])
		if old, ok := latest[ck]; ok {
			drop = append(drop, old.key)
		}
		latest[ck] = version{key: bytes.Clone(k), deleted: len(v) == 0 || v[0]&catHistDeleted != 0}
		newest = binary.BigEndian.Uint64(k)
	}
	// The newest version at or below upto stays even when it is a delete:
	// CatalogAt's asOf stays exact.
	for _, v := range latest {
		if v.deleted && binary.BigEndian.Uint64(v.key) < newest {
			drop = append(drop, v.key)
		}
	}
	for _, k := range drop {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// view runs fn in a bbolt read transaction of the current state.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	return s.db.View(fn)
}
