package kv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Durability: the raft WAL is the durability, the state file is a cache of
// the log made durable by checkpoints (see doc.go, "Durability").
//
// Files beside the state file <dir>/<name>.db:
//
//   - <name>.boot: the boot marker, two lines: the boot id of the machine
//     that last opened the store (/proc/sys/kernel/random/boot_id) and its
//     state: "open" (in use, or not closed cleanly), "clean" (closed by
//     Close after an fsync of the state file) or "sync" (opened with
//     SyncEveryApply: every commit is durable). Replaced atomically
//     (temporary file, fsync, rename, directory fsync).
//   - <name>.ckpt: the newest checkpoint, a bbolt file written from one read
//     transaction (a consistent copy), fsynced, renamed into place, the
//     directory fsynced. Its applied index is DurableIndex.
//   - <name>.ckpt.tmp, <name>.db.restore: temporaries; a crash can leave
//     them behind and Open deletes them.
//
// Apply commits without fsync. A process crash (kill -9) loses nothing:
// the OS page cache holds every write. An OS crash or power loss can tear
// the state file (its newest meta page may point at pages never written,
// and pages an older meta references may have been reused), so neither
// meta can be trusted. Open therefore distrusts the state file when the
// marker says "open" and the boot id differs from the current one (or
// either is unknown), and replaces it with the checkpoint (or with an empty
// state when there is none); raft then re-applies the entries after the
// checkpoint's index from its WAL.

const (
	stateOpen  = "open"
	stateClean = "clean"
	stateSync  = "sync"
)

type marker struct {
	boot  string
	state string // "" when there is no marker file
}

type files struct {
	db, boot, ckpt, ckptTmp, restore string
}

func filesFor(path string) files {
	base := strings.TrimSuffix(path, filepath.Ext(path))
	return files{
		db:      path,
		boot:    base + ".boot",
		ckpt:    base + ".ckpt",
		ckptTmp: base + ".ckpt.tmp",
		restore: path + ".restore",
	}
}

func readBootID() (string, error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// DurableIndex returns the applied index that survives an OS crash or power
// loss: the index of the newest checkpoint (or the applied index with
// SyncEveryApply or NoSync). The raft log front must never be truncated
// above it: a restore after an OS crash re-applies every entry after it.
func (s *Store) DurableIndex() uint64 {
	if s.opts.SyncEveryApply || s.opts.NoSync {
		return s.applied.Load()
	}
	return s.ckptIndex.Load()
}

func (s *Store) closedState() string {
	if s.opts.SyncEveryApply {
		return stateSync
	}
	return stateClean
}

// prepare runs before the state file is opened: it removes temporaries,
// reads the boot marker and the checkpoint, replaces an untrusted state
// file, and marks the store open on this boot. It returns the marker the
// previous run left.
func (s *Store) prepare() (marker, error) {
	f := s.files
	for _, tmp := range []string{f.ckptTmp, f.restore} {
		if err := os.Remove(tmp); err == nil {
			s.logger.Warn("kv removed a temporary file left by a crash", "file", tmp)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return marker{}, fmt.Errorf("kv: open: %w", err)
		}
	}
	boot, err := s.opts.bootID()
	if err != nil {
		s.logger.Warn("kv cannot read the boot id: an unclean close will be treated as an OS crash", "err", err)
		boot = ""
	}
	s.boot = boot
	prev, err := readMarker(f.boot)
	if err != nil {
		return marker{}, fmt.Errorf("kv: open: %w", err)
	}
	hasCkpt, ckptIndex := false, uint64(0)
	if _, err := os.Stat(f.ckpt); err == nil {
		hasCkpt = true
		if ckptIndex, err = readAppliedIndex(f.ckpt); err != nil {
			return marker{}, fmt.Errorf("kv: open: checkpoint %s: %w", f.ckpt, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return marker{}, fmt.Errorf("kv: open: %w", err)
	}
	s.ckptIndex.Store(ckptIndex)
	_, err = os.Stat(f.db)
	hasDB := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return marker{}, fmt.Errorf("kv: open: %w", err)
	}

	var why string
	damaged := ""
	if hasDB {
		if damaged, err = checkStateFile(f.db); err != nil {
			return marker{}, fmt.Errorf("kv: open: %w", err)
		}
	}
	switch {
	case !hasDB:
	case damaged != "":
		why = "damaged (" + damaged + "): it is a cache of the log, rebuilt"
	case prev.state == "" && hasCkpt:
		why = "boot marker missing"
	case prev.state == stateOpen && (prev.boot != boot || boot == ""):
		why = "not closed cleanly before a reboot (OS crash or power loss)"
	}
	if why != "" {
		// The untrusted file is not read: a torn B+tree can send bbolt into
		// a fault, a loop or unbounded recursion. Its size is logged.
		var discardedBytes int64
		if st, err := os.Stat(f.db); err == nil {
			discardedBytes = st.Size()
		}
		if hasCkpt {
			s.logger.Warn("kv state file untrusted: restoring the checkpoint; raft re-applies the later entries",
				"reason", why, "previous_boot", prev.boot, "boot", boot,
				"discarded_bytes", discardedBytes, "checkpoint_index", ckptIndex, "reapply_from_index", ckptIndex+1)
			if err := copyFileSynced(f.ckpt, f.restore); err != nil {
				return marker{}, fmt.Errorf("kv: open: restore checkpoint: %w", err)
			}
			if err := os.Rename(f.restore, f.db); err != nil {
				return marker{}, fmt.Errorf("kv: open: restore checkpoint: %w", err)
			}
		} else {
			s.logger.Warn("kv state file untrusted and there is no checkpoint: starting from an empty state; raft re-applies the whole log",
				"reason", why, "previous_boot", prev.boot, "boot", boot,
				"discarded_bytes", discardedBytes, "checkpoint_index", 0, "reapply_from_index", 1)
			if err := os.Remove(f.db); err != nil {
				return marker{}, fmt.Errorf("kv: open: discard state: %w", err)
			}
		}
		if err := syncDir(filepath.Dir(f.db)); err != nil {
			return marker{}, fmt.Errorf("kv: open: %w", err)
		}
	}
	state := stateOpen
	if s.opts.SyncEveryApply {
		state = stateSync
	}
	if err := s.writeMarker(marker{boot: boot, state: state}); err != nil {
		return marker{}, fmt.Errorf("kv: open: %w", err)
	}
	return prev, nil
}

// startCheckpoints runs after the state file is open. When the previous run
// may have reported an applied index above the checkpoint as durable (it
// ran with SyncEveryApply, or is an older build without a marker), it
// checkpoints before returning, so DurableIndex never goes backwards.
// Otherwise the checkpoint goroutine takes the first checkpoint at once if
// the state is ahead of the checkpoint.
func (s *Store) startCheckpoints(prev marker) error {
	if s.opts.NoSync || s.opts.SyncEveryApply {
		close(s.ckptDone)
		return nil
	}
	applied := s.applied.Load()
	if applied > s.ckptIndex.Load() {
		if prev.state == stateSync || prev.state == "" {
			if _, err := s.Checkpoint(); err != nil {
				return err
			}
		} else {
			s.ckptKick <- struct{}{}
		}
	}
	go s.checkpointLoop()
	return nil
}

func (s *Store) checkpointLoop() {
	defer close(s.ckptDone)
	t := time.NewTicker(s.opts.CheckpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		case <-s.ckptKick:
		}
		if s.applied.Load() <= s.ckptIndex.Load() {
			continue
		}
		if _, err := s.Checkpoint(); err != nil && !errors.Is(err, ErrClosed) {
			// Not fatal: the previous checkpoint and the log still cover
			// everything; DurableIndex just stays behind.
			s.logger.Error("kv checkpoint failed", "err", err, "checkpoint_index", s.ckptIndex.Load())
		}
	}
}

// Checkpoint writes a consistent copy of the current state to the
// checkpoint file (temporary file, fsync, rename, directory fsync) unless
// the checkpoint already holds the applied index, and returns DurableIndex.
// It runs alongside Apply and readers, but its read transaction pins pages
// for the length of the copy (the file grows instead of reusing them, and a
// mmap growth in Apply waits for it). The checkpoint goroutine calls it
// every CheckpointInterval; call it directly to advance DurableIndex now.
func (s *Store) Checkpoint() (uint64, error) {
	if s.opts.NoSync || s.opts.SyncEveryApply {
		return s.DurableIndex(), nil
	}
	s.ckptMu.Lock()
	defer s.ckptMu.Unlock()
	if s.closed.Load() {
		return 0, ErrClosed
	}
	start := time.Now()
	s.dbMu.RLock()
	tx, err := s.db.Begin(false)
	s.dbMu.RUnlock()
	if err != nil {
		return 0, fmt.Errorf("kv: checkpoint: %w", err)
	}
	defer tx.Rollback()
	index := storedVersion(tx.Bucket(metaBucket).Get(metaApplied))
	if index <= s.ckptIndex.Load() {
		return s.ckptIndex.Load(), nil
	}
	if err := s.checkpointRoom(tx.Size()); err != nil {
		return 0, fmt.Errorf("kv: checkpoint at %d: %w", index, err)
	}
	if err := writeFileSynced(s.files.ckptTmp, s.done, tx.WriteTo); err != nil {
		os.Remove(s.files.ckptTmp)
		if errors.Is(err, ErrClosed) {
			return 0, ErrClosed
		}
		return 0, fmt.Errorf("kv: checkpoint at %d: %w", index, err)
	}
	size := tx.Size()
	tx.Rollback()
	if err := os.Rename(s.files.ckptTmp, s.files.ckpt); err != nil {
		return 0, fmt.Errorf("kv: checkpoint at %d: %w", index, err)
	}
	if err := syncDir(filepath.Dir(s.files.ckpt)); err != nil {
		return 0, fmt.Errorf("kv: checkpoint at %d: %w", index, err)
	}
	s.ckptIndex.Store(index)
	s.ckptNanos.Add(uint64(time.Since(start)))
	s.ckptCount.Add(1)
	s.logger.Info("kv checkpoint", "checkpoint_index", index, "bytes", size, "took", time.Since(start).Round(time.Millisecond))
	return index, nil
}

// ErrNoSpace is returned by Checkpoint when writing the checkpoint would
// leave less than Options.CheckpointReserveBytes free. Not fatal: the
// previous checkpoint and the log still cover the state.
var ErrNoSpace = errors.New("kv: not enough free space for a checkpoint")

// checkpointRoom returns ErrNoSpace when a checkpoint of size bytes would
// leave less than CheckpointReserveBytes free.
func (s *Store) checkpointRoom(size int64) error {
	if s.opts.CheckpointReserveBytes <= 0 {
		return nil
	}
	free, err := freeBytes(filepath.Dir(s.files.ckpt))
	if err != nil {
		return nil // unknown: let the write tell
	}
	if int64(free)-size < s.opts.CheckpointReserveBytes {
		return fmt.Errorf("%d bytes of state, %d free, %d reserved: %w", size, free, s.opts.CheckpointReserveBytes, ErrNoSpace)
	}
	return nil
}

// CheckpointStats returns how many checkpoints Checkpoint wrote since Open
// and their total duration (metrics). Safe from any goroutine.
func (s *Store) CheckpointStats() (count uint64, total time.Duration) {
	return s.ckptCount.Load(), time.Duration(s.ckptNanos.Load())
}

// installCheckpoint makes the synced bbolt file at src (holding index) the
// checkpoint, before it replaces the state (RestoreSnapshot): a crash
// after that must not restore an older checkpoint.
func (s *Store) installCheckpoint(src string, index uint64) error {
	if s.opts.NoSync || s.opts.SyncEveryApply {
		return nil
	}
	s.ckptMu.Lock()
	defer s.ckptMu.Unlock()
	if err := copyFileSynced(src, s.files.ckptTmp); err != nil {
		os.Remove(s.files.ckptTmp)
		return err
	}
	if err := os.Rename(s.files.ckptTmp, s.files.ckpt); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(s.files.ckpt)); err != nil {
		return err
	}
	s.ckptIndex.Store(index)
	return nil
}

func readMarker(path string) (marker, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return marker{}, nil
	}
	if err != nil {
		return marker{}, err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		// A torn marker can only come from a crash: treat as "open" on an
		// unknown boot (conservative).
		return marker{state: stateOpen}, nil
	}
	m := marker{boot: strings.TrimSpace(lines[0]), state: strings.TrimSpace(lines[1])}
	switch m.state {
	case stateOpen, stateClean, stateSync:
	default:
		m = marker{state: stateOpen}
	}
	return m, nil
}

func (s *Store) writeMarker(m marker) error {
	tmp := s.files.boot + ".tmp"
	err := writeFileSynced(tmp, nil, func(w io.Writer) (int64, error) {
		n, err := fmt.Fprintf(w, "%s\n%s\n", m.boot, m.state)
		return int64(n), err
	})
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write boot marker: %w", err)
	}
	if err := os.Rename(tmp, s.files.boot); err != nil {
		return fmt.Errorf("write boot marker: %w", err)
	}
	if err := syncDir(filepath.Dir(s.files.boot)); err != nil {
		return fmt.Errorf("write boot marker: %w", err)
	}
	return nil
}

// writeFileSynced creates path, fills it with write and fsyncs it, every
// syncChunk bytes on the way (chunkSyncer); it stops with ErrClosed once
// done is closed (nil: never).
func writeFileSynced(path string, done <-chan struct{}, write func(io.Writer) (int64, error)) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(&chunkSyncer{f: f, done: done}, 1<<20)
	if _, err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func copyFileSynced(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeFileSynced(dst, nil, func(w io.Writer) (int64, error) { return io.Copy(w, in) })
}

// readAppliedIndex opens a bbolt file read-only (the checkpoint, written
// and fsynced whole before it was renamed into place) and returns its
// applied index. A fault or panic while reading it becomes an error.
func readAppliedIndex(path string) (index uint64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: reading %s: %v", ErrCorrupt, path, r)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			return fmt.Errorf("%w: no meta bucket", ErrCorrupt)
		}
		v := meta.Get(metaApplied)
		if v != nil && len(v) != 8 {
			return fmt.Errorf("%w: applied index is %d bytes", ErrCorrupt, len(v))
		}
		index = storedVersion(v)
		return nil
	})
	return index, err
}
