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
//
// # The apply contract
//
// cmd/logdb hands committed entries, in log order, to Store.Apply from one
// goroutine. Apply
//
//  1. applies a whole batch in ONE bbolt write transaction together with the
//     new applied index, so a crash leaves either all of it or none;
//  2. skips entries whose index is at or below the stored applied index, so
//     replaying the log after a crash is idempotent;
//  3. is deterministic: the outcome of every entry (including ErrConflict)
//     depends only on the entries before it, so every replica holds the same
//     keys and values (bbolt's page layout may differ);
//  4. validates each KindTxn optimistically (serializable OCC): the command
//     conflicts (Result.Err = ErrConflict, nothing written) when a key in
//     Reads, or any key or tombstone inside a Range, has a version above
//     SnapshotIndex, or when a space it read was dropped after the snapshot.
//     Otherwise Drops are applied (the space's bucket is deleted and the drop
//     index remembered), then Writes. Validation of entry i sees entries
//     before i of the same batch;
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
// entry that did not apply (Result.Err non-nil) and every version of every
// CatalogSpace key. Store.Applied / Store.Failed tell the changefeed which
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
// it is exhausted or closed. Put, Delete, DropSpace and Emit only buffer;
// Savepoint/RollbackTo undo buffered changes (never reads). The caller then
//
//  1. builds the command with Command (writes in first-write order) — or
//     checks HasWrites and skips proposing a read-only transaction;
//  2. calls Release (before proposing: an open read transaction pins bbolt
//     pages and blocks mmap growth);
//  3. proposes EncodeCommand(cmd) and waits for its Result: any non-nil Err
//     (ErrConflict, or ErrBadKey for a bad key) means nothing was written.
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
package kv
