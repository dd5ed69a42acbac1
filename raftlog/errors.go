package raftlog

import (
	"errors"
	"fmt"
)

// PendingError is Propose's error when ctx ended after the entry was
// stepped into raft: its outcome is unknown. The fence bounds it: only a
// copy appended in raft term Term can commit (one appended in a later term
// is applied by no node), so once an entry of a later term is committed,
// the proposal's outcome is final. errors.Is(err, ctx.Err()) holds.
type PendingError struct {
	Term uint64
	Err  error // the context's error
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("raftlog: propose: outcome unknown (proposed in term %d): %v", e.Term, e.Err)
}

func (e *PendingError) Unwrap() error { return e.Err }

// Sentinel errors. Each is wrapped with the operation that failed, so test
// with errors.Is.
var (
	// ErrReadTimeout is returned by WaitReadable when no read index was
	// confirmed, or this node did not apply up to it, within
	// Config.ReadTimeout: no quorum answers (this node is cut off, or an
	// election is under way), or this node lags far behind.
	ErrReadTimeout = errors.New("raftlog: no read index within the read timeout")
	// ErrStopped is returned by calls on a Node that has stopped, by Shutdown
	// or by a fatal error; Err says which.
	ErrStopped = errors.New("raftlog: node stopped")
	// ErrCorruptLog is returned by Open when a WAL record other than a torn
	// tail fails its checksum or the log is inconsistent (a gap in indexes).
	// The node refuses to start rather than silently lose acknowledged entries.
	ErrCorruptLog = errors.New("raftlog: corrupt log")
	// ErrCompacted is returned by Entries for an index below FirstIndex: the
	// entry was truncated from the front by retention.
	ErrCompacted = errors.New("raftlog: entry compacted")
	// ErrUnavailable is returned by Entries for an index above the committed
	// index: it is not (yet) part of the committed log.
	ErrUnavailable = errors.New("raftlog: entry not committed")
	// ErrBadConfig is returned by Open for an invalid Config.
	ErrBadConfig = errors.New("raftlog: invalid config")
	// ErrProposalDropped is returned by Propose when raft refused the proposal
	// (no leader, or this node is not the leader and forwarding is off). The
	// entry was not appended; retrying is safe.
	ErrProposalDropped = errors.New("raftlog: proposal dropped")
	// ErrOutcomeUnknown is returned by Propose when the leader changed
	// while the proposal was in flight and the new leader has committed an
	// entry of its own without this one having been applied here: it most
	// likely did not commit, but it may still, so the outcome is unknown.
	ErrOutcomeUnknown = errors.New("raftlog: proposal outcome unknown after a leader change")
	// ErrFenced is returned by Propose when its entry can no longer
	// commit: the entry carries the term this node's raft had when it was
	// stepped, and an entry appended by a leader of another term (a copy
	// forwarded late, after a leader change) is applied by no node; or
	// the leader changed and this node applied an entry of a later term
	// without the proposal, which then never commits. Nothing was written;
	// retrying is safe.
	ErrFenced = errors.New("raftlog: proposal fenced: it cannot commit in a later term")
	// ErrBadEntry is returned when a committed entry does not carry raftlog's
	// framing. It stops the node: replicas must never diverge.
	ErrBadEntry = errors.New("raftlog: malformed entry framing")
	// ErrNoMultiNode is returned by Open for a Config with more than one peer
	// (or Join) and no Transport.
	ErrNoMultiNode = errors.New("raftlog: multi-node needs a transport")
	// ErrSnapshotTooLarge is returned by ReceiveSnapshot for a snapshot
	// beyond Config.MaxSnapshotBytes or the disk's free space; raft tries
	// again later.
	ErrSnapshotTooLarge = errors.New("raftlog: snapshot too large")
	// ErrEntryTooLarge is returned by Propose for a payload whose entry
	// would exceed the WAL's record limit (MaxEntryBytes).
	ErrEntryTooLarge = errors.New("raftlog: entry too large")
	// ErrDiskFull is returned by Propose when the log's filesystem would
	// keep less than Config.DiskReserveBytes free after the proposal
	// (disk.go). Nothing was appended; the same proposal is admitted again
	// once space is freed.
	ErrDiskFull = errors.New("raftlog: not enough free disk space")
)
