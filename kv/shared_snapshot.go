package kv

import (
	"sync"

	bolt "go.etcd.io/bbolt"
)

// SharedSnapshot is a read snapshot that several transactions share: what
// PostgreSQL's exported snapshots are (CREATE_REPLICATION_SLOT's
// EXPORT_SNAPSHOT, SET TRANSACTION SNAPSHOT). Every transaction begun from
// it reads exactly the state at Index, whatever has been applied since.
//
// Its transactions may run on different goroutines: they share one bbolt
// read transaction, whose calls mu serializes (a bbolt transaction is not
// safe for concurrent use). The snapshot lives until Release and every
// transaction begun from it have released it; like any open read
// transaction it holds the pages it reads, so keep it short.
type SharedSnapshot struct {
	store *Store
	tx    *bolt.Tx
	index uint64

	mu   sync.Mutex // serializes bbolt calls; guards refs
	refs int
}

// ExportSnapshot takes a shareable snapshot of the current applied state.
func (s *Store) ExportSnapshot() (*SharedSnapshot, error) {
	t, err := s.Begin()
	if err != nil {
		return nil, err
	}
	sn := &SharedSnapshot{store: s, tx: t.tx, index: t.snapshot, refs: 1}
	t.tx = nil // the snapshot owns the bbolt transaction and the open count
	return sn, nil
}

// Index is the applied index the snapshot reads.
func (sn *SharedSnapshot) Index() uint64 { return sn.index }

// Begin starts a transaction that reads the snapshot. ErrClosed once the
// snapshot has been released.
func (sn *SharedSnapshot) Begin() (*Txn, error) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.refs == 0 {
		return nil, ErrClosed
	}
	sn.refs++
	t := newTxn(sn.store, sn.tx, sn.index)
	t.shared = sn
	return t, nil
}

// Release gives up the exporter's hold; the bbolt transaction ends when
// the last transaction begun from the snapshot is released too.
func (sn *SharedSnapshot) Release() { sn.unref() }

func (sn *SharedSnapshot) unref() {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.refs == 0 {
		return
	}
	sn.refs--
	if sn.refs == 0 {
		_ = sn.tx.Rollback()
		sn.store.openTxns.Add(-1)
	}
}

// lock serializes t's bbolt calls when t shares its snapshot; it returns
// the unlock.
func (t *Txn) lock() func() {
	if t.shared == nil {
		return noUnlock
	}
	t.shared.mu.Lock()
	return t.shared.mu.Unlock
}

func noUnlock() {}
