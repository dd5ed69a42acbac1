package kv

// Txn is a client-side transaction: reads from one consistent snapshot (a
// bbolt read transaction at SnapshotIndex) overlaid with the transaction's
// own buffered writes, recording what it read so Apply can validate it.
// A Txn is used by one goroutine. Byte slices returned by Get and Iterator
// are owned by the caller (copied out of bbolt).
//
// STUB: signatures are the contract; the kv owner replaces the bodies.
type Txn struct {
	store *Store
}

// Iterator walks a Scan in key order (or reverse). Close records the part of
// the range that was read, so call Close (or exhaust it) before Command.
type Iterator struct{}

// Next advances; it returns false at the end or on error (see Err).
func (it *Iterator) Next() bool { return false }

// Key returns the current key.
func (it *Iterator) Key() []byte { return nil }

// Value returns the current value.
func (it *Iterator) Value() []byte { return nil }

// Err returns the error that stopped iteration, if any.
func (it *Iterator) Err() error { return nil }

// Close ends the scan and records the range read so far.
func (it *Iterator) Close() {}

// SnapshotIndex is the applied index the transaction reads at.
func (t *Txn) SnapshotIndex() uint64 { return 0 }

// Get returns the value at key, seeing the transaction's own writes first.
func (t *Txn) Get(space Space, key []byte) (value []byte, ok bool, err error) {
	return nil, false, nil
}

// Scan iterates keys in [start, end) (end nil: to the end of the space),
// merging the transaction's own writes; reverse walks from end to start.
func (t *Txn) Scan(space Space, start, end []byte, reverse bool) *Iterator {
	return &Iterator{}
}

// Put buffers a write of value at key; before is the previous value as the
// caller saw it (nil for an insert).
func (t *Txn) Put(space Space, key, value, before []byte) {}

// Delete buffers a delete of key; before is the value being deleted.
func (t *Txn) Delete(space Space, key, before []byte) {}

// DropSpace buffers the deletion of every key of space (applied at commit).
// Reads of a dropped space within the transaction see it empty.
func (t *Txn) DropSpace(space Space) {}

// Emit buffers a transactional logical message.
func (t *Txn) Emit(m Message) {}

// Savepoint marks the current state of the write buffer.
func (t *Txn) Savepoint() int { return 0 }

// RollbackTo discards writes (and messages) made after the savepoint.
func (t *Txn) RollbackTo(sp int) {}

// HasWrites reports whether the transaction wrote anything (or emitted a message).
func (t *Txn) HasWrites() bool { return false }

// Command returns the command to propose for this transaction.
func (t *Txn) Command(commitTimeMicros int64) *Command { return &Command{Kind: KindTxn} }

// Release ends the snapshot. It must be called before the transaction's
// command is proposed (a held bbolt read transaction can stall apply) and is
// safe to call more than once.
func (t *Txn) Release() {}

// Store is the bbolt state machine (STUB).
type Store struct{}
