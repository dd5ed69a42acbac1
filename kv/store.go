package kv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options configure Open.
type Options struct {
	// NoSync skips the fsync after each applied batch. Unsafe: a crash can
	// lose or corrupt applied state. For tests and benchmarks, or when the
	// raft log alone is trusted to replay everything after a crash.
	NoSync bool
	// InitialMmapSize is the initial mmap size in bytes (default 1 GiB).
	// Growing the mmap waits for every open read transaction, so a generous
	// size keeps long SQL transactions from stalling Apply.
	InitialMmapSize int
	// Logger receives open/close events (default slog.Default()).
	Logger *slog.Logger
}

const defaultMmapSize = 1 << 30

// Store is the bbolt state machine. See doc.go for its contract.
type Store struct {
	path   string
	opts   Options
	logger *slog.Logger

	// dbMu guards db, which only RestoreSnapshot replaces (write-locked);
	// Begin and WriteSnapshot read-lock it to start a bbolt transaction.
	// Apply and Close hold applyMu, which RestoreSnapshot holds too.
	dbMu sync.RWMutex
	db   *bolt.DB

	applied  atomic.Uint64 // last applied index; moves only after its batch committed
	closed   atomic.Bool
	openTxns atomic.Int64 // Txns begun and not released

	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced when applied moves; guarded by notifyMu
	done     chan struct{} // closed by Close

	// applyMu serializes Apply (callers already use one goroutine; this makes
	// a misuse slow rather than corrupting) and guards the fields below.
	applyMu sync.Mutex
	// lastWrite[s] is the index of the last entry that modified (wrote,
	// deleted, incremented or dropped) space s since Open, exactly (see
	// applier.conflicts for the shortcuts it allows). Not persisted.
	lastWrite map[Space]uint64
	// lastWriteFloor bounds lastWrite for spaces not in the map: the applied
	// index at Open (history before it is unknown) or of a failed batch.
	lastWriteFloor uint64
	arena          []byte // scratch for stored values of the current batch
	// horizon is the tombstone horizon (gc.go). Part of the replicated state
	// machine's definition: a constant, changed only by tests.
	horizon uint64
	// gcNext: no tombstone index entry has a version below it (0: unknown).
	// Lets collection skip the index lookup on most entries. Not persisted.
	gcNext uint64
}

// Open opens (creating if needed) the bbolt file at path.
func Open(path string, opts Options) (*Store, error) {
	if opts.InitialMmapSize <= 0 {
		opts.InitialMmapSize = defaultMmapSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Store{
		path:      path,
		opts:      opts,
		logger:    opts.Logger.With("component", "kv"),
		notify:    make(chan struct{}),
		done:      make(chan struct{}),
		lastWrite: make(map[Space]uint64),
		horizon:   defaultTombstoneHorizon,
	}
	db, applied, err := s.openDB()
	if err != nil {
		return nil, err
	}
	s.db = db
	s.applied.Store(applied)
	s.lastWriteFloor = applied
	s.logger.Info("kv store opened", "path", path, "applied_index", applied, "no_sync", opts.NoSync)
	return s, nil
}

// openDB opens the bbolt file at s.path, creates the internal buckets and
// reads the applied index.
func (s *Store) openDB() (*bolt.DB, uint64, error) {
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{
		Timeout:         5 * time.Second, // another process holding the file lock
		NoSync:          s.opts.NoSync,
		NoFreelistSync:  true, // as etcd: faster commits, freelist rebuilt at open
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: s.opts.InitialMmapSize,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("kv: open %s: %w", s.path, err)
	}
	var applied uint64
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(tombBucket); err != nil {
			return err
		}
		if err := createHistory(tx); err != nil {
			return err
		}
		if v := meta.Get(metaApplied); v != nil {
			if len(v) != 8 {
				return fmt.Errorf("%w: applied index is %d bytes", ErrCorrupt, len(v))
			}
			applied = storedVersion(v)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, 0, fmt.Errorf("kv: open %s: %w", s.path, err)
	}
	return db, applied, nil
}

// Close closes the store. Every Txn must be released first (bbolt waits for
// open read transactions). Waiters in WaitApplied get ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.done)
	if n := s.openTxns.Load(); n > 0 {
		s.logger.Warn("kv close waits for open transactions", "open_txns", n)
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("kv: close: %w", err)
	}
	s.logger.Info("kv store closed", "applied_index", s.applied.Load())
	return nil
}

// AppliedIndex returns the index of the last applied entry.
func (s *Store) AppliedIndex() uint64 { return s.applied.Load() }

// AppliedNotify returns a channel that is closed when the applied index next
// moves; all callers until then share it. Take the channel, then check
// AppliedIndex, then wait: no move is missed that way. Close does not close
// it; select on your own context too.
func (s *Store) AppliedNotify() <-chan struct{} {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	return s.notify
}

func (s *Store) setApplied(index uint64) {
	s.applied.Store(index)
	s.notifyMu.Lock()
	close(s.notify)
	s.notify = make(chan struct{})
	s.notifyMu.Unlock()
}

// WaitApplied blocks until the applied index is at least index, ctx is done
// (its error is returned) or the store closes (ErrClosed).
func (s *Store) WaitApplied(ctx context.Context, index uint64) error {
	for {
		ch := s.AppliedNotify()
		if s.applied.Load() >= index {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return ErrClosed
		}
	}
}

// Begin starts a transaction reading the current applied state.
func (s *Store) Begin() (*Txn, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	s.dbMu.RLock()
	tx, err := s.db.Begin(false)
	s.dbMu.RUnlock()
	if err != nil {
		if errors.Is(err, berrors.ErrDatabaseNotOpen) {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("kv: begin: %w", err)
	}
	var snap uint64
	if meta := tx.Bucket(metaBucket); meta != nil {
		snap = storedVersion(meta.Get(metaApplied))
	}
	s.openTxns.Add(1)
	return newTxn(s, tx, snap), nil
}
