package catalog

import (
	"math/bits"
	"sync"
	"sync/atomic"

	"logdb/kv"
)

// Cache keeps the Catalog of the latest version a transaction asked for, so
// sessions share one snapshot per version instead of reading every
// descriptor per transaction. It is safe for concurrent use.
type Cache struct {
	db  uint32 // the database whose catalog this caches (NewCache)
	mu  sync.Mutex
	cat *Catalog // the latest loaded catalog, replaced when the version changes

	// at holds the catalog of the snapshot at one applied index: the
	// state at an index never changes, so a transaction at that index
	// skips reading the version key (see For). Read and written without
	// mu (every statement reads it).
	at atomic.Pointer[catalogAt]
}

// catalogAt is the catalog of the snapshot at index.
type catalogAt struct {
	index uint64
	cat   *Catalog
}

// NewCache is the cache of database db's catalog.
func NewCache(db uint32) *Cache { return &Cache{db: db} }

// Latest returns the most recently loaded catalog, nil before the first.
func (c *Cache) Latest() *Catalog {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cat
}

// cached returns the cached catalog when its version is v.
func (c *Cache) cached(v uint64) *Catalog {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cat != nil && c.cat.Version == v {
		return c.cat
	}
	return nil
}

func (c *Cache) store(cat *Catalog) {
	c.mu.Lock()
	c.cat = cat
	c.mu.Unlock()
}

// For returns the catalog as of txn's snapshot.
// Most statements run at the same applied index as the one before (reads
// do not advance it), so the catalog found at an index is remembered and
// the version read — a bucket open, a seek and a read-set entry, all
// dropped from the commit anyway (IsCatalogMeta) — is skipped there.
func (c *Cache) For(txn *kv.Txn) (*Catalog, error) {
	idx := txn.SnapshotIndex()
	if cat := c.atIndex(idx); cat != nil {
		return cat, nil
	}
	db := c.db
	if db == 0 {
		db = LogdbDBOID
	}
	v, _, err := txn.Get(kv.CatalogSpace, CatVersionKey)
	if err != nil {
		return nil, err
	}
	ver := U64(v)
	if p := DBPrefix(db); p != nil {
		// Another database's version: its own key's, and the shared one's
		// (roles and databases), both random nonces.
		own, _, err := txn.Get(kv.CatalogSpace, append(p, CatVersionKey...))
		if err != nil {
			return nil, err
		}
		ver = bits.RotateLeft64(ver, 17) ^ U64(own)
	}
	cat := c.cached(ver)
	if cat == nil {
		if cat, err = LoadCatalog(txn, ver, db); err != nil {
			return nil, err
		}
		c.store(cat)
	}
	c.noteAt(idx, cat)
	return cat, nil
}

// atIndex returns the catalog noted for snapshot index idx, nil if none is.
func (c *Cache) atIndex(idx uint64) *Catalog {
	if a := c.at.Load(); a != nil && a.index == idx && idx != 0 {
		return a.cat
	}
	return nil
}

// noteAt records that the snapshot at index idx has catalog cat.
func (c *Cache) noteAt(idx uint64, cat *Catalog) {
	if idx == 0 {
		return
	}
	// Any index's catalog is a true fact; a newer one is likelier to be
	// asked for again.
	if a := c.at.Load(); a == nil || a.index < idx {
		c.at.Store(&catalogAt{index: idx, cat: cat})
	}
}
