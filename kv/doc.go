// Package kv is logdb's state machine: the bbolt file that committed raft
// entries are applied to, and the client-side transactions that read it.
//
// # What it owns
//
//   - The on-disk layout: one top-level bbolt bucket per Space (named by the
//     4-byte big-endian id), a meta bucket holding the applied index and
//     the index of each space's last drop, and a tombstone index (gc.go). Keys are opaque bytes (1 to
//     MaxKeySize long); order-preserving key encodings belong to sql.
//   - Stored values are [u64 version][u8 flags][payload], version being the
//     index of the entry that last wrote the key. A delete leaves a tombstone
//     (flag 1, no payload) carrying its version, so validation sees deletions;
//     Get and Scan skip tombstones. A counter (KindIncrement) is an 8-byte
//     big-endian int64 payload, readable with Get.
//   - The Command envelope (EncodeCommand / DecodeCommand, codec.go): the
//     payload of every log entry, first byte a format version.
//   - Transaction ids' outcomes (xid.go): a KindTxn carrying Command.Xid
//     records committed or aborted in XidSpace as it applies; a
//     KindXidFence entry settles an id (aborted unless it already has an
//     outcome; a later entry carrying it is applied empty, ErrXidFenced);
//     a KindXidEpoch entry's index starts a node's id range. Kept for
//     XidWindow entries, collected per entry like tombstones.
//   - LockSpace, the cluster's lock table, whose meaning kv does not know:
//     a KindLock command's LockOp (and a KindTxn's, before validation) is
//     applied by Options.Locks (package locks) over a LockState view of
//     the space (lockspace.go); its answer is Result.Lock. The space is
//     hashed and snapshotted like any other.
//
// # Durability: the raft WAL is the durability, state.db is a cache
//
// As PostgreSQL fsyncs only its WAL at commit and writes data files at
// checkpoints, kv commits applied batches WITHOUT fsync (bbolt NoSync;
// measured 4-6x more autocommit INSERTs than two fdatasyncs per batch) and
// makes the state durable by checkpoints (durability.go):
//
//   - <name>.ckpt: every Options.CheckpointInterval (default 30s; only if
//     the applied index moved) a consistent copy of the state from one read
//     transaction, written to <name>.ckpt.tmp (fsynced every 8 MiB on
//     the way, so the raft WAL's fdatasync on the same disk never waits
//     behind a gigabyte of checkpoint writeback: chunksync.go), fsynced,
//     renamed, directory fsynced. Store.Checkpoint takes one now. One that would leave less
//     than Options.CheckpointReserveBytes free is skipped (ErrNoSpace,
//     logged): a full disk is the raft log's to report, as 53100.
//   - <name>.boot: the boot id (/proc/sys/kernel/random/boot_id) of the
//     machine that last opened the store and "open" / "clean" / "sync".
//     Open writes "open" (fsynced) before anything is applied; Close fsyncs
//     the state file, then writes "clean".
//
// Open also replaces the file, whatever the marker says, when its meta
// pages show it damaged (statefile.go): neither meta page valid, or the
// newest one's pages reaching past the end of a truncated file, where
// bbolt would die of SIGBUS.
//
// A process crash (kill -9) loses nothing: the page cache keeps every
// write, and Open on the same boot trusts the file. After an OS crash or
// power loss the file may be torn beyond repair by its own meta pages, so
// Open replaces it with the checkpoint (or an empty state if there is
// none) when the marker says "open" on another boot, logging a warning.
// AppliedIndex is then the checkpoint's index and raft, which restarts
// from AppliedIndex, re-applies the later entries from its WAL. The
// changefeed history (failed entries, catalog versions) lives in the same
// bbolt file, so it is restored consistently with the rows.
//
// ┌──────────────────────────────────────────────────────────────────────┐
// │ RETENTION RULE: never truncate the raft log front above              │
// │ Store.DurableIndex(). It is the applied index an OS crash cannot     │
// │ lose (the newest checkpoint's); a restore re-applies every entry     │
// │ after it, so those entries must still be in the log.                 │
// └──────────────────────────────────────────────────────────────────────┘
//
// DurableIndex never goes back: after a clean close the first checkpoint
// is taken at once (DurableIndex catches up within one copy of the file);
// a store last run with SyncEveryApply, or by a build without the marker
// (whose applied index was durable), is checkpointed inside Open. A
// RestoreSnapshot installs the snapshot as the checkpoint before the state.
// Options.SyncEveryApply restores the old behaviour (every batch fsynced,
// DurableIndex = AppliedIndex, no checkpoints); Options.NoSync (tests)
// turns every fsync and the crash detection off.
//
// A checkpoint's read transaction pins bbolt pages while the file is
// copied (the file grows rather than reuse them, and an mmap growth in
// Apply waits for it: InitialMmapSize is 1 GiB for that reason), and the
// copy costs a read and write of the whole state every interval.
//
// # The apply contract
//
// cmd/logdb hands committed entries, in log order, to Store.Apply from one
// goroutine. Apply
//
//  1. applies a whole batch in ONE bbolt write transaction together with the
//     new applied index, so a process crash leaves either all of it or
//     none (an OS crash: see Durability);
//  2. skips entries whose index is at or below the stored applied index, so
//     replaying the log after a crash is idempotent;
//  3. is deterministic: the outcome of every entry (including ErrConflict)
//     depends only on the entries before it, so every replica holds the same
//     keys and values (bbolt's page layout may differ);
//  4. validates each KindTxn optimistically (serializable OCC): the command
//     conflicts (Result.Err = ErrConflict, nothing written) when a key in
//     Reads, or any key or tombstone inside a Range, has a version above
//     SnapshotIndex (above the read's own AsOf, when it has one: a READ
//     COMMITTED statement's snapshot, readcommitted.go), or when a space
//     it read was dropped after the snapshot.
//     Otherwise Drops are applied (the space's bucket is deleted and the drop
//     index remembered), then Writes. A merge write (Write.Merge, merge.go)
//     needs its key to hold a live value (else ErrConflict) and stores
//     Options.Merge(value, operand); a merge function error fails the entry
//     with an error wrapping ErrMerge and the cause. Merges are computed
//     before anything of the entry is written. Validation of entry i sees
//     entries before i of the same batch;
//  5. returns an error only when the node must stop: an undecodable entry
//     (wrapping ErrCorrupt) or a failed bbolt write. Nothing of that batch
//     is applied.
//
// Tombstones are collected deterministically while applying (gc.go): after
// each entry i, the oldest tombstones with version < i-1,000,000 are deleted
// (at most 64 per entry), and a transaction with reads whose snapshot is
// older than that horizon gets ErrConflict.
//
// # History for the changefeed (history.go)
//
// Apply also records, in the same bbolt transaction, the index of every
// entry that did not apply (Result.Err non-nil), every version of every
// CatalogSpace key, and the before and after values of every merge write
// (Store.MergeImages: the log holds only the operand). Store.Applied / Store.Failed tell the changefeed which
// logged entries to skip; Store.CatalogAt(index) gives the catalog as of an
// entry, so old changes decode with the schema of their time. The history
// is cut back by PruneHistory(before) once the log no longer holds entries
// below before. (Drops of CatalogSpace and Increments of it are not
// recorded: sql does neither.)
//
// # The transaction contract
//
// Store.Begin opens a bbolt read transaction (a consistent snapshot) and
// records SnapshotIndex, the applied index in that snapshot. Get and Scan
// read the snapshot overlaid with the transaction's buffered writes and
// record what they read: Get records the key (unless the transaction wrote
// it, or dropped its space), an Iterator records the range it covered when
// it is exhausted or closed. Merge (merge.go) buffers a commutative update
// that records no read of the key, only that it must exist at apply; a
// later Get of the key records the read. Put, Delete, DropSpace and Emit
// only buffer;
// Savepoint/RollbackTo undo buffered changes (never reads); StashSince and
// Restore set the changes since a savepoint aside and put them back (SQL's
// data-modifying WITH queries, which must not see one another). The caller then
//
//  1. builds the command with Command (writes in first-write order) — or
//     checks HasWrites and skips proposing a read-only transaction;
//  2. calls Release (before proposing: an open read transaction pins bbolt
//     pages and blocks mmap growth);
//  3. proposes EncodeCommand(cmd) and waits for its Result: any non-nil Err
//     (ErrConflict, or ErrBadKey for a bad key) means nothing was written.
//
// READ COMMITTED and REPEATABLE READ (readcommitted.go): Refresh moves a
// transaction to a new snapshot keeping its writes (reads recorded before
// keep theirs, Read.AsOf); CheckedReadsOnly records only the reads made
// inside Checking (unique and foreign-key checks), RecordRead's and the
// catalog's; ForgetReadsSince drops the reads of a statement about to run
// again.
//
// # Snapshots
//
// WriteSnapshot streams a consistent copy of the bbolt file with its applied
// index (for a raft snapshot); RestoreSnapshot, on the apply goroutine,
// replaces the state with one (waiting for open Txns to be released).
//
// # Concurrency
//
// Apply is called by one goroutine (it also serializes itself). Begin,
// AppliedIndex, AppliedNotify and WaitApplied are safe from any goroutine,
// concurrently with Apply. A Txn and its Iterators belong to one goroutine.
// Every byte slice kv returns is a copy owned by the caller; byte slices
// passed to Txn methods are copied. A decoded Command aliases its input.
// Close waits for open read transactions: release every Txn first.
// DurableIndex and Checkpoint are safe from any goroutine; the checkpoint
// goroutine runs from Open to Close.
package kv
