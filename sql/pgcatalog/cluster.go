package pgcatalog

import "logdb/sql/types"

// This file adds logdb's own pg_catalog view logdb_cluster: the raft
// group's members as this node sees them. `SELECT * FROM logdb_cluster`.

// ClusterMember is one row of logdb_cluster (the sql package's
// ClusterMember has the same fields).
type ClusterMember struct {
	NodeID       uint64
	RaftAddr     string
	SQLAddr      string // "" shows NULL
	Role         string
	Term         uint64
	AppliedIndex int64 // -1 shows NULL
	MatchIndex   int64 // 0 shows NULL
	Reachable    bool
	HashIndex    uint64 // 0 shows NULL (and StateHash with it)
	StateHash    string
	HashMatch    *bool // nil shows NULL
}

// logdbClusterOID is outside PostgreSQL's catalog OIDs and below the
// first user OID (16384).
const logdbClusterOID = 8900

// Appended while package variables initialize, so view.go's init builds
// the view with the others.
var _ = func() bool {
	relationDefs = append(relationDefs, relationDef{"pg_catalog", "logdb_cluster", logdbClusterOID, 'v',
		"node_id:int8 raft_addr:text sql_addr:text role:text term:int8 applied_index:int8 match_index:int8 reachable:bool " +
			"state_hash_index:int8 state_hash:text state_hash_match:bool"})
	return true
}()

func init() {
	rowFuncs["pg_catalog.logdb_cluster"] = logdbClusterRows
}

func logdbClusterRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	if s.Cluster == nil {
		return r.out
	}
	for _, m := range s.Cluster() {
		var sqlAddr, applied, match any
		if m.SQLAddr != "" {
			sqlAddr = m.SQLAddr
		}
		if m.AppliedIndex >= 0 {
			applied = m.AppliedIndex
		}
		if m.MatchIndex > 0 {
			match = m.MatchIndex
		}
		var hashIndex, hash, hashMatch any
		if m.HashIndex > 0 {
			hashIndex, hash = int64(m.HashIndex), m.StateHash
		}
		if m.HashMatch != nil {
			hashMatch = *m.HashMatch
		}
		r.add("node_id", int64(m.NodeID), "raft_addr", m.RaftAddr, "sql_addr", sqlAddr, "role", m.Role,
			"term", int64(m.Term), "applied_index", applied, "match_index", match, "reachable", m.Reachable,
			"state_hash_index", hashIndex, "state_hash", hash, "state_hash_match", hashMatch)
	}
	return r.out
}
