package kv

import "errors"

// READ COMMITTED (sql's isolation levels; docs/architecture.md,
// "Isolation levels"): a transaction whose statements each read a new
// snapshot and whose commit validates only what integrity needs.
//
//   - Refresh moves the transaction to the store's latest applied state,
//     keeping its buffered writes: each statement's snapshot. Reads and
//     ranges recorded before keep the snapshot they were made at
//     (Read.AsOf, Range.AsOf), so validation checks each against its own
//     snapshot (command format V6) — never against a later one, which
//     would miss a change made between the two.
//   - CheckedReadsOnly stops recording reads, except inside Checking
//     (a unique-key or foreign-key check, whose loss would let a
//     constraint be broken) and explicit RecordRead (a locked row):
//     non-repeatable reads and phantoms of plain reads are then allowed.

// ErrSnapshotInUse is Refresh's answer while an iterator is open or the
// snapshot is shared: the transaction keeps its snapshot.
var ErrSnapshotInUse = errors.New("kv: snapshot in use")

// CheckedReadsOnly makes the transaction record only the reads made
// inside Checking, RecordRead's and those of CatalogSpace (the catalog a
// statement was planned with: concurrent DDL conflicts as before).
func (t *Txn) CheckedReadsOnly() { t.checkedOnly = true }

// Checking records the reads made until the returned function is called,
// even under CheckedReadsOnly (SuppressReads still applies). Calls nest.
func (t *Txn) Checking() (restore func()) {
	t.checking++
	done := false
	return func() {
		if !done {
			done = true
			t.checking--
		}
	}
}

// recordsReads reports whether plain reads are recorded now.
func (t *Txn) recordsReads(space Space) bool {
	return !t.checkedOnly || t.checking > 0 || space == CatalogSpace
}

// Refresh moves the transaction to a new snapshot, the store's applied
// state now, keeping its buffered writes; the reads recorded so far keep
// their own snapshot. It fails with ErrSnapshotInUse while an iterator is
// open or the snapshot is shared, with ErrTxnDone after Release.
func (t *Txn) Refresh() error {
	if t.tx == nil {
		return ErrTxnDone
	}
	if len(t.iters) > 0 || t.shared != nil {
		return ErrSnapshotInUse
	}
	fresh, err := t.store.Begin()
	if err != nil {
		return err
	}
	if fresh.snapshot == t.snapshot {
		fresh.Release()
		return nil
	}
	for i := range t.reads {
		if t.reads[i].AsOf == 0 {
			t.reads[i].AsOf = t.snapshot
		}
	}
	for i := range t.ranges {
		if t.ranges[i].AsOf == 0 {
			t.ranges[i].AsOf = t.snapshot
		}
	}
	_ = t.tx.Rollback()
	t.store.openTxns.Add(-1)
	t.tx, t.snapshot = fresh.tx, fresh.snapshot
	t.buckets = nil
	return nil
}

// normalizeAsOf clears the AsOf of reads made at the command's own
// snapshot, so a transaction that never moved encodes as before (V6 only
// when needed).
func normalizeAsOf(c *Command) {
	for i := range c.Reads {
		if c.Reads[i].AsOf == c.SnapshotIndex {
			c.Reads[i].AsOf = 0
		}
	}
	for i := range c.Ranges {
		if c.Ranges[i].AsOf == c.SnapshotIndex {
			c.Ranges[i].AsOf = 0
		}
	}
}

// RecordAllReads ends CheckedReadsOnly: from now on every read is
// recorded (a transaction that changes the catalog validates its scans as
// a serializable one does).
func (t *Txn) RecordAllReads() { t.checkedOnly = false }

// ReadMark is a position in the transaction's read set.
type ReadMark struct{ reads, ranges int }

// ReadMark returns the read set's current position.
func (t *Txn) ReadMark() ReadMark { return ReadMark{len(t.reads), len(t.ranges)} }

// ForgetReadsSince drops the reads and ranges recorded after m: a READ
// COMMITTED statement about to run again on a new snapshot forgets what
// its first run read (at the old one); the re-run records what it needs.
// Iterators opened after m must be closed first.
func (t *Txn) ForgetReadsSince(m ReadMark) {
	if m.reads < len(t.reads) {
		clear(t.reads[m.reads:])
		t.reads = t.reads[:m.reads]
		t.readSet = nil // rebuilt from reads once they are many again
	}
	if m.ranges < len(t.ranges) {
		clear(t.ranges[m.ranges:])
		t.ranges = t.ranges[:m.ranges]
	}
}
