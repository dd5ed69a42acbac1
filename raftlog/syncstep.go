package raftlog

import (
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// Committing while the fsync runs. On the leader of a group of several
// nodes a Ready's WAL append and fdatasync run on a goroutine of their own
// while the Ready loop keeps stepping peers' messages from the inbox (only
// messages: proposals, ticks and other requests wait for the fsync as
// before). raft allows Step between Ready and Advance (raft.Node does it,
// stepping its receive channel while the application holds a Ready).
// So the followers' acknowledgements of the previous batch are stepped as
// they arrive instead of after this node's fsync, and when raft's commit
// index then covers entries this node made durable in an earlier Ready,
// they go to the applier at once, read back from the WAL's tail cache.
// Measured before (three nodes on one shared disk): a commit waited for
// 2–3 fsync times, the followers' acknowledgements of batch k sitting in
// the inbox while the leader fsynced batch k+1. The durability argument
// is in doc.go ("Committing while the fsync runs").
//
// Followers persist on the loop as before: with every node doing this, 3-node
// inserts ran 0.74–0.88× the PostgreSQL trio in four interleaved runs
// against 0.89–1.09× for the synchronous loop; with the leader alone,
// 0.86–0.98× against 0.87–0.88×.

// maxSyncHand bounds the entry bytes one handCommitted reads back, as
// raft.Config.MaxCommittedSizePerReady bounds a Ready's.
const maxSyncHand = 16 << 20

// syncWait is what the Ready loop keeps while a Ready's fsync runs on
// its own goroutine.
type syncWait struct {
	msgs []*pb.Message // the loop's buffer for inbox.takeMsgs
	// limit is the last index whose entry in the WAL is known to be raft's
	// entry there: durable before this Ready, and not rewritten by this
	// Ready's entries nor by an append stepped since (lowered as they are).
	limit uint64
}

// persist appends a Ready's entries and HardState to the WAL and, if
// sync, makes them durable. On a leader with peers, a synced write runs on
// its own goroutine and the loop serves peers' messages until it is done
// (waitSync).
func (n *Node) persist(ents []*pb.Entry, hs *pb.HardState, sync bool) error {
	if !sync || n.cfg.Transport == nil || n.cfg.serialApply || n.role.Load() != "leader" {
		if sync && n.cfg.syncHook != nil {
			n.cfg.syncHook(ents)
		}
		return n.wal.append(ents, hs, sync)
	}
	done := make(chan error, 1)
	go func() {
		if n.cfg.syncHook != nil {
			n.cfg.syncHook(ents)
		}
		done <- n.wal.append(ents, hs, true)
	}()
	return n.waitSync(done)
}

// waitSync steps peers' messages while the WAL goroutine writes, handing
// newly committed entries that were durable before this Ready to the
// applier, and returns the write's result. An error stops the node, so
// the loop always waits for the goroutine: it is the WAL's writer until
// it returns, and nothing else touches the WAL's write side meanwhile.
func (n *Node) waitSync(done <-chan error) error {
	n.sw.limit = n.durable
	var herr error
	for {
		select {
		case err := <-done:
			if err == nil {
				err = herr
			}
			return err
		case <-n.inbox.msgWake:
		}
		n.sw.msgs = n.inbox.takeMsgs(n.sw.msgs)
		for _, m := range n.sw.msgs {
			switch m.GetType() {
			case pb.MessageType_MsgApp:
				// A new leader's append may replace entries from just after
				// its previous index on: raft's entries there are no
				// longer the WAL's.
				if len(m.GetEntries()) > 0 {
					n.sw.limit = min(n.sw.limit, m.GetIndex())
				}
			case pb.MessageType_MsgSnap:
				n.sw.limit = 0
			}
		}
		var slow slowSteps
		n.stepMsgs(n.sw.msgs, &slow)
		if herr == nil {
			herr = n.handCommitted(n.sw.limit)
		}
	}
}

// handCommitted hands the entries raft now reports committed, up to
// limit, to the applier: stepped acknowledgements committed them while
// this node's own fsync of later entries runs. Only in log order (after
// n.handed), and not from a conf change on (it is applied on the loop, in
// order with raft's ApplyConfChange, once raft hands it over).
func (n *Node) handCommitted(limit uint64) error {
	commit := n.raw.BasicStatus().HardState.GetCommit()
	hi := min(commit, limit)
	if hi <= n.handed {
		return nil
	}
	// The lease's commit index first, as at the start of a Ready: a write
	// acknowledged from here must be covered by every later lease read.
	if commit > n.lease.commit.Load() {
		n.lease.commit.Store(commit)
	}
	ents, err := n.wal.entries(n.handed+1, hi+1, maxSyncHand)
	if err != nil {
		// An optimization only: raft hands them over after the fsync, and
		// a WAL that cannot be read fails there.
		return nil
	}
	for i, e := range ents {
		if t := e.GetType(); t == pb.EntryConfChange || t == pb.EntryConfChangeV2 {
			ents = ents[:i]
			break
		}
	}
	if len(ents) == 0 {
		return nil
	}
	// Committed and durable here: say so before anyone can see them
	// applied (the changefeed follows the state machine, as in
	// commitOwnAppend).
	n.setCommitted(ents[len(ents)-1].GetIndex())
	if err := n.enqueue(ents); err != nil {
		return err
	}
	n.stats.syncHanded.Add(uint64(len(ents)))
	n.stats.noteHanded(n.handed, time.Now())
	return nil
}
