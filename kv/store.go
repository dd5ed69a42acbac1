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
	// SyncEveryApply makes every applied batch durable on its own (bbolt
	// commits with two fdatasyncs): the behaviour before checkpoints, about
	// 4x slower on inserts. DurableIndex is then the applied index and no
	// checkpoints are taken. Default false: batches are committed without
	// fsync and the state is made durable by checkpoints (durability.go).
	SyncEveryApply bool
	// CheckpointInterval is how often a checkpoint (state.ckpt) is taken,
	// if the applied index moved (default 30s). Ignored with SyncEveryApply
	// or NoSync.
	CheckpointInterval time.Duration
	// NoSync turns off every fsync and the OS-crash protection: no boot
	// marker, no checkpoints, the state file is trusted as it is at Open,
	// and DurableIndex reports the applied index. Unsafe against OS crashes
	// and power loss; for tests and benchmarks only.
	NoSync bool
	// InitialMmapSize is the initial mmap size in bytes (default 1 GiB).
	// Growing the mmap waits for every open read transaction, so a generous
	// size keeps long SQL transactions from stalling Apply.
	InitialMmapSize int
	// CheckpointReserveBytes is free space a checkpoint must leave on the
	// state file's filesystem: a checkpoint that would leave less (its
	// size is the state's) is skipped and logged, not written, so it never
	// takes the space the raft log reserves for its writes. 0: no check.
	CheckpointReserveBytes int64
	// Logger receives open/close events (default slog.Default()).
	Logger *slog.Logger
	// Merge combines a stored value with a merge operand (Txn.Merge, merge
	// writes at apply). Nil: Txn.CanMerge is false and an entry with a
	// merge write fails with ErrMerge. Every replica must use the same
	// function.
	Merge MergeFunc
	// Locks applies the lock operations of log entries to LockSpace
	// (lockspace.go; package locks provides it). Nil: every lock op is
	// refused. Every replica must use the same function.
	Locks LockFunc

	// HashInterval: the state hash is noted at every index that is a
	// multiple of it (statehash.go); 0 turns hash points off. Every
	// replica must use the same value (cmd/logdb: DefaultHashInterval).
	HashInterval int
	// OnHashPoint, if set, is called after each batch that reached hash
	// points, with them (outside the store's locks): cmd/logdb proposes
	// StateHashCommand for each.
	OnHashPoint func([]StateHash)
	// Voters, if set, is the number of voting members: a store stops
	// (ErrDiverged) when a majority of them reported a hash other than its
	// own at one index. Nil: 3.
	Voters func() int

	// bootID, if set, replaces reading /proc/sys/kernel/random/boot_id.
	// Tests only: it simulates a reboot.
	bootID func() (string, error)
}

const (
	defaultMmapSize           = 1 << 30
	defaultCheckpointInterval = 30 * time.Second
)

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

	// appliedTx is the bbolt transaction id that committed the applied
	// index, so Begin can take a snapshot's index from its Tx.ID()
	// instead of reading the meta bucket (a bucket open and a seek on
	// every statement). Any other id (history pruning, a race with
	// Apply) falls back to the read; cleared when db is replaced.
	appliedTx atomic.Pointer[txApplied]

	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced when applied moves; guarded by notifyMu
	done     chan struct{} // closed by Close

	// Durability (durability.go). boot is this boot's id (written to the
	// boot marker); ckptIndex is the applied index of state.ckpt (0: none);
	// ckptMu serializes checkpoint writes; ckptDone is closed when the
	// checkpoint goroutine (if any) has exited.
	files     files
	boot      string
	ckptIndex atomic.Uint64
	// ckptCount and ckptNanos count the checkpoints written and their
	// total time (CheckpointStats).
	ckptCount, ckptNanos atomic.Uint64
	ckptMu               sync.Mutex
	ckptKick             chan struct{}
	ckptDone             chan struct{}

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
	// hash is the state hash (statehash.go), under applyMu.
	hash hashState
	// gcNext: no tombstone index entry has a version below it (0: unknown).
	// Lets collection skip the index lookup on most entries. Not persisted.
	gcNext uint64
	// xidNext: no recorded transaction id has an epoch below it (0:
	// unknown), under applyMu (xid.go). Not persisted.
	xidNext uint64
}

// Open opens (creating if needed) the bbolt file at path.
func Open(path string, opts Options) (*Store, error) {
	if opts.InitialMmapSize <= 0 {
		opts.InitialMmapSize = defaultMmapSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CheckpointInterval <= 0 {
		opts.CheckpointInterval = defaultCheckpointInterval
	}
	if opts.bootID == nil {
		opts.bootID = readBootID
	}
	s := &Store{
		path:      path,
		opts:      opts,
		logger:    opts.Logger.With("component", "kv"),
		notify:    make(chan struct{}),
		done:      make(chan struct{}),
		lastWrite: make(map[Space]uint64),
		horizon:   defaultTombstoneHorizon,
		files:     filesFor(path),
		ckptKick:  make(chan struct{}, 1),
		ckptDone:  make(chan struct{}),
	}
	var prev marker
	if !opts.NoSync {
		var err error
		if prev, err = s.prepare(); err != nil {
			return nil, err
		}
	}
	db, applied, err := s.openDB()
	if err != nil {
		return nil, err
	}
	s.db = db
	s.applied.Store(applied)
	s.lastWriteFloor = applied
	if err := s.startCheckpoints(prev); err != nil {
		db.Close()
		return nil, err
	}
	s.logger.Info("kv store opened", "path", path, "applied_index", applied,
		"durable_index", s.DurableIndex(), "sync_every_apply", opts.SyncEveryApply, "no_sync", opts.NoSync)
	return s, nil
}

// openDB opens the bbolt file at s.path, creates the internal buckets and
// reads the applied index.
func (s *Store) openDB() (*bolt.DB, uint64, error) {
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{
		Timeout:         5 * time.Second,                         // another process holding the file lock
		NoSync:          s.opts.NoSync || !s.opts.SyncEveryApply, // durability.go
		NoFreelistSync:  true,                                    // as etcd: faster commits, freelist rebuilt at open
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
		if err := s.loadHashes(tx); err != nil { // statehash.go
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
	<-s.ckptDone
	if n := s.openTxns.Load(); n > 0 {
		s.logger.Warn("kv close waits for open transactions", "open_txns", n)
	}
	s.applyMu.Lock() // lock order: applyMu, ckptMu, dbMu
	defer s.applyMu.Unlock()
	s.ckptMu.Lock() // waits for a Checkpoint call in progress
	defer s.ckptMu.Unlock()
	if !s.opts.NoSync {
		// Everything applied becomes durable here; the clean marker then
		// tells the next Open (even after a reboot) to trust the file.
		if err := s.db.Sync(); err != nil {
			s.db.Close()
			return fmt.Errorf("kv: close: sync: %w", err)
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("kv: close: %w", err)
	}
	if !s.opts.NoSync {
		if err := s.writeMarker(marker{boot: s.boot, state: s.closedState()}); err != nil {
			return fmt.Errorf("kv: close: %w", err)
		}
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
	if a := s.appliedTx.Load(); a != nil && a.txid == tx.ID() {
		snap = a.index
	} else if meta := tx.Bucket(metaBucket); meta != nil {
		snap = storedVersion(meta.Get(metaApplied))
	}
	s.openTxns.Add(1)
	return newTxn(s, tx, snap), nil
}

// txApplied pairs a committed bbolt transaction id with the applied index
// it wrote (Store.appliedTx).
type txApplied struct {
	txid  int
	index uint64
}
