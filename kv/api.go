package kv

// This file is the package's contract with its callers (sql, changefeed,
// cmd/logdb). Implementations live in the files that own each concern.

import "errors"

// Space identifies one ordered keyspace: a table's rows, one index, the
// catalog. Space ids are chosen by the sql package; kv only stores them.
type Space uint32

// Reserved spaces.
const (
	// CatalogSpace holds the sql package's catalog (table descriptors, counters).
	CatalogSpace Space = 1
	// SequenceSpace holds sequence counters, changed only by Increment commands.
	SequenceSpace Space = 2
	// SlotSpace holds changefeed replication slots.
	SlotSpace Space = 3
	// SystemSpace holds cluster-wide facts written once through the log
	// (the replication system identifier).
	SystemSpace Space = 4
	// XidSpace holds the outcomes of transaction ids (xid.go), keyed by
	// the 8-byte big-endian id; written only by apply.
	XidSpace Space = 9
	// LockSpace holds the cluster's lock table (package locks), changed
	// only by Options.Locks at apply (lockspace.go).
	LockSpace Space = 5
	// FirstUserSpace is the first id the sql package may give a table or index.
	FirstUserSpace Space = 1000
)

// Sentinel errors.
var (
	// ErrConflict is the result of a transaction whose reads were changed by
	// a transaction that committed after its snapshot (SQLSTATE 40001).
	ErrConflict = errors.New("kv: serialization conflict")
	// ErrClosed is returned by calls on a closed Store.
	ErrClosed = errors.New("kv: store closed")
	// ErrTxnDone is returned by calls on a released transaction.
	ErrTxnDone = errors.New("kv: transaction already released")
	// ErrCorrupt is returned by Apply for an entry that cannot be decoded or
	// applied; the node must stop rather than diverge from its replicas.
	ErrCorrupt = errors.New("kv: corrupt command")
	// ErrBadKey is the Result.Err of a command that writes an empty key or a
	// key longer than MaxKeySize; nothing of the command is written. The
	// outcome is deterministic, so every replica rejects it alike.
	ErrBadKey = errors.New("kv: key empty or too long")
	// ErrNotCounter is the Result.Err of an Increment whose key holds a value
	// that is not an 8-byte counter (see Store.Apply).
	ErrNotCounter = errors.New("kv: value is not a counter")
	// ErrMerge is wrapped by the Result.Err of a transaction whose merge
	// write failed at apply: Options.Merge returned an error (which the
	// Result.Err wraps too, for errors.As), or the store has no merge
	// function. Deterministic: every replica fails the entry alike, and
	// nothing of it is written. Txn.Merge and reads of merged keys return
	// it too.
	ErrMerge = errors.New("kv: merge failed")
	// ErrXidFenced is the Result.Err of a transaction whose id was settled
	// (KindXidFence) before its entry applied, or whose id is not valid at
	// its entry (xid.go): nothing of it is written, on every replica.
	ErrXidFenced = errors.New("kv: transaction id already settled as aborted")
)

// MergeFunc combines a stored value with a merge operand (Write.Merge). It
// must be deterministic — a pure function of its arguments, the same in
// every build that may apply the same log — and must not keep or modify
// its arguments. An error fails the whole transaction (ErrMerge).
type MergeFunc func(old, operand []byte) ([]byte, error)

// CommandKind says what a Command does when applied.
type CommandKind uint8

const (
	// KindTxn validates Reads and Ranges against the snapshot and, if none
	// changed, applies Writes and Drops atomically.
	KindTxn CommandKind = 1
	// KindIncrement adds Delta to the int64 counter at (Space, Key) without
	// validation and returns the new value (sequence block allocation).
	KindIncrement CommandKind = 2
	// KindMessage carries only non-transactional Messages; nothing is stored.
	KindMessage CommandKind = 3
	// KindStateHash is a node's report of its state hash at a hash point
	// (statehash.go): Delta is the node's id, Key [u64 index][u64 hash].
	// Nothing is stored; the changefeed skips it.
	KindStateHash CommandKind = 4
	// KindLock carries a LockOp for Options.Locks (lockspace.go): a lock
	// request, release or cancellation; its Result.Lock is the outcome.
	KindLock CommandKind = 5
)

// Command is the payload of one log entry. Built by Txn.Command or by the
// caller for the other kinds; encoded and decoded only by EncodeCommand and
// DecodeCommand (a versioned envelope).
type Command struct {
	Kind          CommandKind
	SnapshotIndex uint64 // KindTxn: the applied index the transaction read at
	CommitTime    int64  // unix microseconds, set by the proposer; becomes commit_time in the changefeed
	Reads         []Read
	Ranges        []Range
	Writes        []Write
	Drops         []Space   // spaces whose every key is deleted (DROP TABLE, TRUNCATE)
	Messages      []Message // logical messages (pg_logical_emit_message)
	// Notifications (NOTIFY, pg_notify) are carried, never stored: Apply
	// ignores them, and the node delivers those of an entry that applied
	// (Result.Err nil) to its listeners (package notify). Any kind may
	// carry them; sql puts them in KindTxn commands.
	Notifications []Notification
	// Xid is the transaction's id (xid.go): a KindTxn carrying one records
	// its outcome; KindXidFence settles it. 0: none.
	Xid uint64
	// LockOp is an operation on the lock table (package locks), applied by
	// Options.Locks: the whole of a KindLock command; in a KindTxn, run
	// before validation (its refusal fails the transaction). Format V4.
	LockOp []byte
	// KindIncrement
	Space Space
	Key   []byte
	Delta int64
}

// Read is a key the transaction read (present or absent).
type Read struct {
	Space Space
	Key   []byte
	// AsOf, when non-zero, is the snapshot the key was read at (a READ
	// COMMITTED statement's, readcommitted.go): validated against it
	// instead of the command's SnapshotIndex.
	AsOf uint64
}

// Range is a key range [Start, End) the transaction scanned; End nil means
// to the end of the space.
type Range struct {
	Space      Space
	Start, End []byte
	AsOf       uint64 // as Read.AsOf
}

// Write sets or deletes one key. Before is the previous value as the
// transaction saw it (nil for an insert): the changefeed's before image.
//
// A merge write (Merge set, built by Txn.Merge) carries the merge operand in
// Value and no Before: at apply the key must hold a value (else the
// transaction conflicts: ErrConflict), which becomes Options.Merge(value,
// operand) at the entry's version. The key is not in the read set, so
// concurrent merges of one key do not conflict with each other; the
// computed before and after values are kept for the changefeed
// (Store.MergeImages).
type Write struct {
	Space  Space
	Key    []byte
	Value  []byte // nil when Delete; the operand when Merge
	Before []byte
	Delete bool
	Merge  bool
}

// Message is a logical message, as pg_logical_emit_message emits it.
type Message struct {
	Transactional bool
	Prefix        string
	Content       []byte
	// Database is the OID of the database it was emitted in; 0 for the
	// default database (logdb), which every entry written before
	// databases had (the flag msgFlagDB marks a non-zero one).
	Database uint32
}

// Notification is one NOTIFY of a transaction: PID is the notifying
// session's backend pid on the node it ran on.
type Notification struct {
	PID     uint32
	Channel string
	Payload string
}

// Entry is one committed log entry handed to Apply. Data nil or empty is a
// raft no-op (only the applied index moves).
type Entry struct {
	Index uint64
	Data  []byte
}

// Result is the outcome of applying one entry: Err is nil, ErrConflict, an
// error wrapping ErrMerge, or (for a command a correct caller never builds)
// ErrBadKey / ErrNotCounter;
// Value is the new counter for KindIncrement.
type Result struct {
	Err   error
	Value int64
	// Lock is what Options.Locks returned for the entry's LockOp.
	Lock []byte
}
