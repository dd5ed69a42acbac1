package sql

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
)

// This file holds what the sql package knows about running in a raft
// cluster: the members shown by the logdb_cluster view, the session setting
// for local reads, and how proposer errors reach the client.

// ClusterMember is one row of the logdb_cluster view (Config.Cluster).
type ClusterMember struct {
	NodeID   uint64
	RaftAddr string
	SQLAddr  string // "" when unknown (shown as NULL)
	// Role is this node's raft role ("leader", "follower", "candidate")
	// for itself, "leader"/"voter"/"learner" for the others.
	Role string
	Term uint64
	// AppliedIndex is known for this node only; -1 shows NULL.
	AppliedIndex int64
	// MatchIndex is the highest index known replicated on the member,
	// known on the leader only; 0 shows NULL.
	MatchIndex int64
	Reachable  bool
	// HashIndex and StateHash: the member's newest state hash report as
	// this node applied it (its own newest hash point for this node; kv's
	// state hashes); HashIndex 0 shows NULL. HashMatch: this node's hash
	// at HashIndex is the same (NULL when it does not know its own).
	HashIndex uint64
	StateHash string
	HashMatch *bool
}

// readConsistencySetting selects how a session's transactions read:
// 'linearizable' (the default in a cluster: a raft read index confirmed by
// a quorum, then wait until applied, so every write acknowledged anywhere
// before the statement is seen) or 'local' (read this node's applied state
// at once: faster, possibly stale by the replication lag, still a
// consistent snapshot). A custom placeholder setting, so SET, SHOW, RESET
// and SET LOCAL all work on it.
const readConsistencySetting = "logdb.read_consistency"

// localReads reports whether the session opted into local reads.
// It runs before every statement, so it reads the value directly (Get
// would build an "unrecognized parameter" error when the setting was never
// set, which is the usual case).
func (s *Session) localReads() bool {
	v := s.set.Vals[readConsistencySetting]
	return v != "" && strings.EqualFold(strings.TrimSpace(v), "local")
}

// readBarrier makes a snapshot taken next see every write acknowledged
// before (Config.ReadBarrier), unless the session reads locally. ensureKV
// runs the same barrier for a transaction's snapshot; this one serves the
// snapshots Parse and Describe plan against, so a table created through
// another node is found.
func (s *Session) readBarrier(ctx context.Context) error {
	if s.e.cfg.ReadBarrier == nil || s.localReads() {
		return nil
	}
	if err := s.e.cfg.ReadBarrier(ctx); err != nil {
		if ctx.Err() != nil {
			return s.ctxErr(ctx)
		}
		return readPointError(err)
	}
	return nil
}

// errNoReadPoint marks a statement that failed because no raft quorum
// confirmed a read point: nothing was read or written. The server does not
// retry it (the wait already took the barrier's whole timeout).
var errNoReadPoint = errors.New("no read point")

// readPointError is the client's error when the read barrier failed: 40001,
// which drivers retry and which leaves the connection usable (the node is
// fine; it is cut off from a quorum, or an election is under way), with a
// message naming the lost quorum.
func readPointError(err error) *pgerror.Error {
	return &pgerror.Error{Code: pgerror.SerializationFailure,
		Message: "could not obtain a linearizable read point: no raft quorum is reachable from this node",
		Detail:  "Nothing was read or written: " + err.Error() + ".",
		Hint:    "Retry the transaction, here or on another node; SET logdb.read_consistency = 'local' reads this node's possibly stale state.",
		Cause:   fmt.Errorf("%w: %w", errNoReadPoint, err)}
}

// proposerError returns err's *pgerror.Error when the Proposer assigned a
// SQLSTATE itself (cmd/logdb maps raft outcomes to 40001 and 40003).
func proposerError(err error) *pgerror.Error {
	var pe *pgerror.Error
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// clusterRows converts Config.Cluster for the pgcatalog view.
func (e *Engine) clusterRows() []pgcatalog.ClusterMember {
	if e.cfg.Cluster == nil {
		return nil
	}
	ms := e.cfg.Cluster()
	out := make([]pgcatalog.ClusterMember, len(ms))
	for i, m := range ms {
		out[i] = pgcatalog.ClusterMember(m)
	}
	return out
}
