package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"time"

	"logdb/kv"
	"logdb/raftlog"
	"logdb/sql"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Cluster timing: a 50 ms tick, heartbeats every tick and an election
// timeout of 10 ticks (raft randomizes it in [500 ms, 1 s)). With
// CheckQuorum and PreVote (raftlog's defaults) a dead leader is replaced
// and writes resume in about one to two election timeouts.
const (
	clusterTick          = 50 * time.Millisecond
	clusterElectionTicks = 10
)

// clustered reports whether this node runs in a multi-node group, or may
// grow into one: a node started with --raft-listen (a single member that
// logdb_add_node grows, e.g. after logdb recover or restore) listens for
// peers and serves the membership functions.
func (c startConfig) clustered() bool { return len(c.Peers) > 1 || c.Join || c.RaftListen != "" }

// newRaftTransport listens for raft traffic and returns the TCP transport.
func newRaftTransport(cfg startConfig, logger *slog.Logger) (*raftlog.TCPTransport, error) {
	addr := cfg.RaftListen
	if addr == "" {
		addr = cfg.Peers[cfg.NodeID]
	}
	if addr == "" {
		return nil, fmt.Errorf("cluster mode needs --raft-listen or an address for node %d in --peers", cfg.NodeID)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for raft peers: %w", err)
	}
	tr := raftlog.NewTCPTransport(cfg.NodeID, ln, cfg.Peers, logger)
	if cfg.CertsDir != "" {
		cert, cas, err := loadPeerTLS(cfg.CertsDir) // tls.go
		if err != nil {
			ln.Close()
			return nil, err
		}
		tr.SetTLS(cert, cas)
	}
	return tr, nil
}

// clusterView feeds the logdb_cluster view from the node's raft status.
func clusterView(node *raftlog.Node, store *kv.Store, sqlAddr string) func() []sql.ClusterMember {
	return func() []sql.ClusterMember {
		st := node.Status()
		hashes := store.StateHashes()
		ms := node.Members()
		out := make([]sql.ClusterMember, 0, len(ms))
		for _, m := range ms {
			cm := sql.ClusterMember{NodeID: m.ID, RaftAddr: m.Addr, Role: m.Role, Reachable: m.Reachable,
				Term: st.Term, AppliedIndex: -1, MatchIndex: int64(m.Match)}
			switch {
			case m.ID == st.Leader:
				cm.Role = "leader"
			case m.Role == "voter":
				cm.Role = "follower"
			}
			if h, ok := hashes[m.ID]; ok && m.ID != st.ID {
				cm.HashIndex, cm.StateHash = h.Index, fmt.Sprintf("%016x", h.Hash)
				if h.Known {
					cm.HashMatch = &h.Match
				}
			}
			if m.ID == st.ID {
				cm.SQLAddr, cm.AppliedIndex, cm.Reachable = sqlAddr, int64(st.Applied), true
				cm.Role = st.Role
				if h, ok := hashes[0]; ok {
					match := true
					cm.HashIndex, cm.StateHash, cm.HashMatch = h.Index, fmt.Sprintf("%016x", h.Hash), &match
				}
			}
			out = append(out, cm)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].NodeID < out[j].NodeID })
		return out
	}
}

// errMembershipPrivilege: only superusers change the raft group.
var errMembershipPrivilege = pgerror.New(pgerror.InsufficientPrivilege, "must be superuser to change the cluster's membership")

// membershipTimeout bounds a membership change made through SQL.
const membershipTimeout = 10 * time.Second

// registerMembershipFuncs adds the SQL functions logdb_add_node(id, addr),
// logdb_remove_node(id) and logdb_remove_node(id, force): raft ConfChangeV2
// proposals made through this node; they return once the change is applied
// here. A refused change is 55000 (object_not_in_prerequisite_state).
func registerMembershipFuncs(node *raftlog.Node) {
	int8T, textT, boolT := types.T{OID: types.Int8OID, Mod: -1}, types.T{OID: types.TextOID, Mod: -1}, types.T{OID: types.BoolOID, Mod: -1}
	fail := func(op string, err error) error {
		e := &pgerror.Error{Code: pgerror.ObjectNotInPrerequisiteState, Message: op + ": " + err.Error(), Cause: err}
		switch {
		case errors.Is(err, raftlog.ErrQuorumAtRisk):
			e.Hint = "Bring the unreachable members back first, or call logdb_remove_node(id, true) if they are gone for good (the group may then be unable to commit; see the README's lost-quorum runbook)."
		case errors.Is(err, raftlog.ErrChangeInFlight):
			e.Hint = "One membership change at a time: start the node being added (it becomes a voter once it has caught up) or remove it with logdb_remove_node, then retry."
		}
		return e
	}
	types.RegisterFunc(&types.Func{Name: "logdb_add_node", Args: []types.T{int8T, textT}, Ret: textT, Strict: true, Volatile: true,
		Fn: func(ec *types.EvalContext, args []types.Datum) (types.Datum, error) {
			if !ec.Superuser {
				return nil, errMembershipPrivilege
			}
			id, _ := args[0].(int64)
			addr, _ := args[1].(string)
			if id <= 0 || addr == "" {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "logdb_add_node: need a positive node id and a raft address")
			}
			ctx, cancel := context.WithTimeout(context.Background(), membershipTimeout)
			defer cancel()
			if err := node.AddNode(ctx, uint64(id), addr); err != nil {
				return nil, fail("logdb_add_node", err)
			}
			return fmt.Sprintf("node %d (%s) added as a learner; start it with --join (it becomes a voter once it has caught up)", id, addr), nil
		}})
	remove := func(ec *types.EvalContext, args []types.Datum) (types.Datum, error) {
		if !ec.Superuser {
			return nil, errMembershipPrivilege
		}
		id, _ := args[0].(int64)
		force := false
		if len(args) > 1 {
			force, _ = args[1].(bool)
		}
		ctx, cancel := context.WithTimeout(context.Background(), membershipTimeout)
		defer cancel()
		if err := node.RemoveNode(ctx, uint64(id), force); err != nil {
			return nil, fail("logdb_remove_node", err)
		}
		return fmt.Sprintf("node %d removed", id), nil
	}
	types.RegisterFunc(&types.Func{Name: "logdb_remove_node", Args: []types.T{int8T}, Ret: textT, Strict: true, Volatile: true, Fn: remove})
	types.RegisterFunc(&types.Func{Name: "logdb_remove_node", Args: []types.T{int8T, boolT}, Ret: textT, Strict: true, Volatile: true, Fn: remove})
}
