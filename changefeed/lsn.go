package changefeed

import "logdb/sql/types"

// Positions. A change's LSN is its entry's raft index shifted left by
// SeqBits, plus its 1-based sequence number among the changes of that entry:
// identical on every replica (it depends only on the log and the schema
// recorded with it) and strictly increasing in commit order.
const (
	// SeqBits is how many low LSN bits number the changes of one entry.
	SeqBits = 24
	// MaxSeq is the largest sequence number: a transaction may produce at
	// most MaxSeq-1 = 16,777,214 changes (row changes and messages; the
	// last number is kept for EndLSN). sql must refuse to commit more
	// (count its writes plus messages); the feed fails a subscription with
	// ErrTooManyChanges rather than emit overlapping LSNs.
	MaxSeq = 1<<SeqBits - 1
)

// LSN returns the position of change seq (1-based) of the entry at index;
// seq 0 is the position just before the entry's first change.
func LSN(index uint64, seq uint32) uint64 { return index<<SeqBits | uint64(seq) }

// EndLSN is the position just after every change of the entry at index and
// before every change of index+1: resuming from it (FromLSN, a slot) starts
// at entry index+1. Snapshot rows and progress rows carry such positions.
func EndLSN(index uint64) uint64 { return index<<SeqBits | MaxSeq }

// IndexOf returns the raft index an LSN belongs to.
func IndexOf(lsn uint64) uint64 { return lsn >> SeqBits }

// SeqOf returns the sequence number within its entry.
func SeqOf(lsn uint64) uint32 { return uint32(lsn & MaxSeq) }

// FormatLSN prints lsn as PostgreSQL does (X/Y, upper-case hex halves).
func FormatLSN(lsn uint64) string { return types.LSN(lsn).String() }
