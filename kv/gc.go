package kv

import (
	"bytes"
	"encoding/binary"
	"math"
)

// Tombstone collection.
//
// A delete leaves a tombstone so that validation sees it; kept forever they
// would grow without bound. Tombstones are collected deterministically, as
// part of applying each entry (never per batch: replicas batch differently):
// after entry i, up to gcPerEntry tombstones with version < i-horizon are
// deleted, oldest first. A transaction whose snapshot is older than the
// horizon (SnapshotIndex < i-horizon) and that read anything therefore
// cannot be validated and gets ErrConflict; with the default horizon of a
// million entries no live SQL transaction is that old.
//
// The tombstone index bucket holds [u64 version][u32 space][key] for every
// tombstone written, so collection never scans the spaces. An index entry
// whose key was since overwritten, or whose space was dropped, is simply
// removed.

const (
	defaultTombstoneHorizon = 1_000_000
	gcPerEntry              = 64
)

// tombBucket's name is 5 bytes long so it can never collide with a space.
var tombBucket = []byte("\x00tomb")

func (a *applier) tombKey(version uint64, sp Space, key []byte) []byte {
	k := a.alloc(12 + len(key))
	binary.BigEndian.PutUint64(k, version)
	binary.BigEndian.PutUint32(k[8:], uint32(sp))
	copy(k[12:], key)
	return k
}

// beyondHorizon reports whether c read at a snapshot whose tombstones may
// have been collected by the time entry index applies.
func (a *applier) beyondHorizon(index uint64, c *Command) bool {
	h := a.s.horizon
	if len(c.Reads) == 0 && len(c.Ranges) == 0 || index <= h {
		return false
	}
	oldest := c.SnapshotIndex
	for i := range c.Reads {
		oldest = min(oldest, readSnapshot(c, c.Reads[i].AsOf))
	}
	for i := range c.Ranges {
		oldest = min(oldest, readSnapshot(c, c.Ranges[i].AsOf))
	}
	return oldest < index-h
}

func (a *applier) collectTombstones(index uint64) error {
	h := a.s.horizon
	if index <= h {
		return nil
	}
	limit := index - h
	if limit <= a.s.gcNext {
		return nil
	}
	cur := a.tombs.Cursor()
	k, _ := cur.First()
	if k == nil {
		a.s.gcNext = math.MaxUint64
	}
	for n := 0; n < gcPerEntry && k != nil && len(k) >= 12; n++ {
		version := binary.BigEndian.Uint64(k)
		if version >= limit {
			a.s.gcNext = version
			return nil
		}
		sp := Space(binary.BigEndian.Uint32(k[8:]))
		key := k[12:]
		b, err := a.bucket(sp, false)
		if err != nil {
			return err
		}
		if b != nil {
			if v := b.get(key); v != nil && storedVersion(v) == version && len(v) > 8 && v[8]&flagTombstone != 0 {
				// key aliases the index page; copy before deleting from a
				// bucket (bbolt may rebalance pages).
				if err := b.bucket.Delete(bytes.Clone(key)); err != nil {
					return err
				}
			}
		}
		if err := cur.Delete(); err != nil {
			return err
		}
		k, _ = cur.First()
		if k == nil {
			a.s.gcNext = math.MaxUint64
		}
	}
	return nil
}

// noteTombstone keeps gcNext a lower bound of the index's versions.
func (a *applier) noteTombstone(version uint64) {
	a.s.gcNext = min(a.s.gcNext, version)
}
