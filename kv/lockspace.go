package kv

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Cluster-wide locks (package locks) are replicated state kept in
// LockSpace and changed only at apply, by Options.Locks, so every replica
// holds the same lock table, its snapshot carries it and the state hash
// covers it. kv knows nothing of what a lock is: a KindLock command's
// LockOp is handed to Options.Locks with a LockState over LockSpace, and
// what it returns is the entry's Result.Lock. A KindTxn command may carry
// a LockOp too (a commit that releases its transaction's locks and must
// not commit after its node lost them): Options.Locks runs it before the
// transaction is validated, and when it refuses, the transaction fails
// with ErrConflict (the lock op's own changes stay: it ends the
// transaction's locks either way).

// LockState is the apply-time view of LockSpace that a LockFunc reads and
// changes. Values it returns are valid until the LockFunc returns; values
// passed to Put are copied. Reads see the writes made before them in the
// same batch.
type LockState interface {
	Get(key []byte) []byte
	Put(key, value []byte) error
	Delete(key []byte) error
	// Scan calls fn for each key with the prefix, in key order, until fn
	// returns false. fn must not change the state.
	Scan(prefix []byte, fn func(key, value []byte) bool) error
	// Version is the stored version of key in a data space: the index of
	// its last write (a delete's too, while its tombstone lasts), 0 if it
	// has none. Row locks check it against the locker's snapshot.
	Version(space Space, key []byte) uint64
}

// LockFunc applies one lock operation at index. It must be deterministic
// (a pure function of the state and its arguments, the same in every
// build that may apply the same log) and must answer a malformed op with
// an out of its own rather than an error: an error stops the node, so it
// is only for a failed LockState call. refuse fails a KindTxn that
// carries the op (ErrConflict); for KindLock it is ignored.
type LockFunc func(st LockState, index uint64, op []byte) (out []byte, refuse bool, err error)

// applyLockOp runs c.LockOp through Options.Locks. Without a LockFunc the
// op is refused with a nil out (a store that cannot keep locks grants
// none; sql reports that as a feature not supported).
func (a *applier) applyLockOp(index uint64, op []byte) (out []byte, refuse bool, err error) {
	if a.s.opts.Locks == nil {
		return nil, true, nil
	}
	out, refuse, err = a.s.opts.Locks(lockState{a: a, index: index}, index, op)
	if err != nil {
		return nil, false, fmt.Errorf("lock op: %w", err)
	}
	return out, refuse, nil
}

// lockState is LockState over LockSpace inside the applier's transaction.
// Values are stored as every value is ([version][flags][payload]), so the
// state hash and snapshots treat them as any other key.
type lockState struct {
	a     *applier
	index uint64
}

func (l lockState) Get(key []byte) []byte {
	b, err := l.a.bucket(LockSpace, false)
	if err != nil || b == nil {
		return nil
	}
	v := b.get(key)
	if len(v) < valueHeaderSize || v[8]&flagTombstone != 0 {
		return nil
	}
	return append([]byte(nil), v[valueHeaderSize:]...)
}

func (l lockState) Put(key, value []byte) error {
	if !validKey(key) {
		return fmt.Errorf("%w: lock key of %d bytes", ErrBadKey, len(key))
	}
	b, err := l.a.bucket(LockSpace, true)
	if err != nil {
		return err
	}
	nv := l.a.storedValue(l.index, 0, value)
	k := append(l.a.alloc(len(key))[:0], key...)
	l.a.hashChange(LockSpace, k, b.get(k), nv)
	return b.bucket.Put(k, nv)
}

func (l lockState) Delete(key []byte) error {
	b, err := l.a.bucket(LockSpace, false)
	if err != nil || b == nil {
		return err
	}
	v := b.get(key)
	if v == nil {
		return nil
	}
	l.a.hashChange(LockSpace, key, v, nil)
	return b.bucket.Delete(key)
}

func (l lockState) Version(space Space, key []byte) uint64 {
	if space == LockSpace || !validKey(key) {
		return 0
	}
	b, err := l.a.bucket(space, false)
	if err != nil || b == nil {
		return 0
	}
	v := b.get(key)
	if v == nil {
		return l.a.dropIndex(space)
	}
	return storedVersion(v)
}

// Version is the stored version of key in space in the applied state (0
// if it has none): a row lock's holder reads it after a wait's grant to
// learn whether the row changed since its snapshot.
func (s *Store) Version(space Space, key []byte) (uint64, error) {
	var ver uint64
	err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(spaceBucketName(space)); b != nil {
			if v := b.Get(key); v != nil {
				ver = storedVersion(v)
				return nil
			}
		}
		if m := tx.Bucket(metaBucket); m != nil {
			ver = storedVersion(m.Get(dropKey(space)))
		}
		return nil
	})
	return ver, err
}

func (l lockState) Scan(prefix []byte, fn func(key, value []byte) bool) error {
	b, err := l.a.bucket(LockSpace, false)
	if err != nil || b == nil {
		return err
	}
	c := b.bucket.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(v) < valueHeaderSize || v[8]&flagTombstone != 0 {
			continue
		}
		if !fn(k, v[valueHeaderSize:]) {
			break
		}
	}
	return nil
}

// ScanLocks calls fn for each key of LockSpace with the prefix in the
// applied state (a read transaction of its own, recording nothing), until
// fn returns false. The slices are valid only during fn. pg_locks reads
// the lock table this way: it is not a read the transaction depends on.
func (s *Store) ScanLocks(prefix []byte, fn func(key, value []byte) bool) error {
	return s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(spaceBucketName(LockSpace))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(v) < valueHeaderSize || v[8]&flagTombstone != 0 {
				continue
			}
			if !fn(k, v[valueHeaderSize:]) {
				break
			}
		}
		return nil
	})
}
