package kv

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// WriteSnapshot writes a consistent copy of the whole state (a bbolt file)
// to w and returns the applied index it holds. It runs alongside Apply and
// readers; for raft snapshots sent to lagging or new replicas.
func (s *Store) WriteSnapshot(w io.Writer) (index uint64, err error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	s.dbMu.RLock()
	tx, err := s.db.Begin(false)
	s.dbMu.RUnlock()
	if err != nil {
		return 0, fmt.Errorf("kv: snapshot: %w", err)
	}
	defer tx.Rollback()
	index = storedVersion(tx.Bucket(metaBucket).Get(metaApplied))
	if _, err := tx.WriteTo(w); err != nil {
		return 0, fmt.Errorf("kv: snapshot at %d: %w", index, err)
	}
	return index, nil
}

// SnapshotSize is the size WriteSnapshot would write now (the state
// file's, as of a read transaction begun now).
func (s *Store) SnapshotSize() int64 {
	if s.closed.Load() {
		return 0
	}
	s.dbMu.RLock()
	tx, err := s.db.Begin(false)
	s.dbMu.RUnlock()
	if err != nil {
		return 0
	}
	defer tx.Rollback()
	return tx.Size()
}

// RestoreSnapshot replaces the whole state with a snapshot written by
// WriteSnapshot and returns its applied index. It is called on the apply
// goroutine (no Apply runs meanwhile) and waits until every open Txn is
// released; Begin blocks until it finishes. The snapshot is written to a
// temporary file, synced and checked before it replaces the state, so a
// crash leaves either the old state or the new one.
func (s *Store) RestoreSnapshot(r io.Reader) (uint64, error) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if s.closed.Load() {
		return 0, ErrClosed
	}
	tmp := s.path + ".restore"
	index, err := writeSnapshotFile(tmp, r)
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("kv: restore snapshot: %w", err)
	}
	// The snapshot becomes the checkpoint first: once the state holds it,
	// an OS crash must not fall back to an older checkpoint.
	if err := s.installCheckpoint(tmp, index); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("kv: restore snapshot: checkpoint: %w", err)
	}
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if n := s.openTxns.Load(); n > 0 {
		s.logger.Warn("kv snapshot restore waits for open transactions", "open_txns", n)
	}
	if err := s.db.Close(); err != nil {
		return 0, fmt.Errorf("kv: restore snapshot: close: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return 0, fmt.Errorf("kv: restore snapshot: %w", err)
	}
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return 0, fmt.Errorf("kv: restore snapshot: %w", err)
	}
	db, applied, err := s.openDB()
	if err != nil {
		return 0, fmt.Errorf("kv: restore snapshot: %w", err)
	}
	s.appliedTx.Store(nil) // transaction ids start over in the new file
	s.db = db
	clear(s.lastWrite)
	s.lastWriteFloor = applied
	s.gcNext = 0
	s.xidNext = 0
	s.setApplied(applied)
	s.logger.Info("kv snapshot restored", "applied_index", applied)
	return index, nil
}

// writeSnapshotFile copies r to path, syncs it and checks it is a bbolt file
// with an applied index.
func writeSnapshotFile(path string, r io.Reader) (uint64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return 0, fmt.Errorf("%w: snapshot is not a bbolt file: %v", ErrCorrupt, err)
	}
	defer db.Close()
	var index uint64
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			return fmt.Errorf("%w: snapshot has no meta bucket", ErrCorrupt)
		}
		index = storedVersion(meta.Get(metaApplied))
		return nil
	})
	return index, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
