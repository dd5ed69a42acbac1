// Package raftlog is logdb's raft node: the one replicated log that is the
// database's only durable history, stored in raftlog's own segmented WAL and
// applied to a StateMachine (kv, wired in cmd/logdb).
//
// # What it owns
//
//   - The WAL in Config.Dir: segment files NNNNNNNNNNNNNNNN.wal (hex
//     sequence), each zero-filled to ~64 MiB, or an eighth of the free
//     space when that is less (spare.go), holding records
//     [u32 len][u32 crc32c][u8 type][payload] of six types: entry (a
//     marshaled raftpb.Entry), hardstate, confstate (membership after an
//     applied index), front (retention truncation point), snapshot (the
//     state machine was replaced at an index: the log restarts after it)
//     and peers (members' raft addresses). Records are only appended; on
//     replay later records win, which is how raft's conflict truncation (a
//     new leader rewriting indexes ≤ last) works.
//   - The in-memory index: entry index → (segment, offset, size) plus runs
//     of terms, 12 bytes an entry; entry bodies stay on disk (apart from
//     the tail cache below).
//   - raft's Storage (walStorage): raft reads terms from the index and
//     entries from the WAL. There is no MemoryStorage copy of the log:
//     unpersisted entries live in raft's own unstable log, and a bounded
//     tail cache (the newest 4096 entries, at most 8 MiB of data) serves
//     raft's read-back of just-committed entries for apply, so the hot path
//     makes no read syscalls (measured: 12 preads for 200 proposals, from
//     214 without the cache). Restart replay, lagging followers and old
//     Entries read the segment files.
//   - The raft.RawNode, the Ready loop goroutine, the inbox, the applier
//     goroutine, the proposal registry (id → waiting Propose call),
//     ReadIndex waiters and the leader's read lease.
//
// # The Ready loop, in order
//
// One goroutine (Node.run) owns the raft.RawNode and the WAL's write side;
// nothing else touches either. Other goroutines reach raft through the
// inbox (inbox.go): Propose, Step (the transport's inbound messages),
// ReadIndex and the reports append to it and wake the loop, without
// waiting for it. Each turn of the loop takes everything queued at once:
// all waiting proposals become one MsgProp (one append, one MsgApp per
// follower), all inbound messages are stepped, and only then is a Ready
// taken. So whatever arrived during one fdatasync is handled by the next
// Ready, with one fsync, one send per peer and one apply batch. (raft.Node,
// used before, moves every proposal and message through its own goroutine
// one at a time and emits a Ready for nearly each: on three nodes sharing 2
// cores, 16 clients inserted 5,100 rows/s through it and 7,300 rows/s
// through the RawNode loop.) While no leader is known the loop holds
// proposals back rather than letting raft drop them, as raft.Node did;
// the proposers' deadlines bound the wait. For each Ready it:
//
//  1. Hands CommittedEntries to the applier early if every one of them was
//     made durable by an earlier Ready (and none is a conf change): they
//     are committed and on disk, so applying them may overlap with step 2.
//  2. Persists: appends Entries then HardState to the WAL in one write and
//     makes them durable with ONE fdatasync (group commit: every proposal
//     raft batched into this Ready shares it). As raft's MustSync says, a
//     commit-only HardState change is written without a sync: nothing
//     acknowledged depends on it (see handleReady).
//  3. Sends Messages through the Transport (multi-node only), now that
//     everything they acknowledge is durable. A leader sends its appends
//     and heartbeats before step 2 instead (raft thesis §10.2.1): its
//     followers write while it does, and its own copy counts toward the
//     quorum only at Advance, after its fsync. Proposals and read-index
//     requests a follower forwards to the leader go early too: they
//     promise nothing about its disk. A leader holds back commit notices
//     (appends without entries) for up to 2 ms unless the follower needs
//     the commit index now (notices.go): measured on three nodes sharing
//     2 cores, a follower spent ~240 µs of CPU per commit round with them
//     and ~205 µs without. Appends to one follower in one Ready that
//     continue each other are merged into one first (coalesce.go): under
//     river's job queue with clients on every node the leader sent 2,000
//     appends a second before, 840 after, and each follower answered 420
//     instead of 1,000.
//  4. Applies CommittedEntries not handed over in step 1 by queueing them
//     to the applier; a batch with a conf change is applied on the loop
//     itself after the applier drained, because raft's ApplyConfChange and
//     the confstate record must be in order.
//  5. On a group whose only voter is this node, applies the Entries step 2
//     just made durable (commitOwnAppend): this node's WAL is the quorum,
//     so they are committed now, one Ready before raft would report them
//     (raft counts its own append only at Advance); raft's later
//     CommittedEntries for them are skipped. Only in log order, as leader,
//     and not past an appended conf change until it is applied (it may add
//     a voter). When the applier is idle the batch is applied right on the
//     loop, saving a goroutine handoff; otherwise it is queued behind.
//  6. Delivers ReadStates to WaitReadable callers (a confirmed round of
//     this leader's own renews its read lease), then calls Advance.
//
// The applier calls StateMachine.Apply once per batch, in order, merging
// the batches that queued up while it was busy into one call (one bbolt
// transaction instead of several), then
// publishes the applied index and only then answers the proposers, so a
// proposer that reads after Propose returns sees its write. Any error on
// this path (write, fdatasync, Apply, a malformed entry) stops the node:
// Done is closed, Err says why, waiting proposers get the error. A failed
// fdatasync is never retried (the page cache state is unknown after it).
//
// Pipelining apply (step 1) matters when Apply itself syncs: with an Apply
// that fdatasyncs, 16 concurrent proposers ran 1.6–2.7× faster pipelined
// than serial in interleaved runs on the (shared, noisy) development VM.
// With 16 closed-loop proposers a batch holds about 8 entries even with
// step 5: proposals that arrive during one fsync wait for the next, so
// the proposers settle into two groups alternating fsyncs and throughput
// is about 8 × the disk's fdatasync rate (any split gives clients ÷ two
// fsyncs). What step 5 saves is latency: a single-node insert through SQL
// spent ~420 µs in Propose, of it ~150 µs fsync, ~30 µs Apply, ~70 µs
// waiting for the applier goroutine and ~80 µs for the proposer to be
// scheduled after its result was delivered; step 5 removes the applier
// wait (pgbench, 16 clients: 23k → 25k inserts/s). See bench_test.go.
//
// # Proposals
//
// Propose frames the payload as [u8 version=1][u64 id][data] with
// id = NodeID<<48 | counter (unique in the group, so a proposal forwarded
// by a follower is still matched on the node that made it), registers a
// waiter, and returns the StateMachine's result once the entry is applied
// on this node. If ctx ends first Propose returns ctx.Err(), but the entry
// may still commit and apply: the outcome is unknown, not failed; callers
// that retry need idempotent commands or dedup by id at apply.
//
// In a cluster, raft never answers a proposal lost with a deposed leader.
// So when the leader changes while a proposal waits, Propose waits until
// this node has applied an entry of the new leader's term: every entry
// committed before that one is applied by then, so if the proposal still
// has no result it was lost, and Propose returns ErrOutcomeUnknown
// (unknown, not failed: a copy still queued somewhere could in principle
// commit later; the transport discards queues to unreachable peers to make
// that unlikely). A change to a leader elected in the proposal's own term
// is not a loss. ErrProposalDropped is the one outcome that is surely
// "not committed". A partitioned minority never learns a new leader, so
// still always pass a deadline. cmd/logdb maps these to SQLSTATE 40001
// (dropped) and 40003 (unknown, or the deadline passed).
//
// # Linearizable reads
//
// WaitReadable (reads.go) returns an index such that every write
// acknowledged before the call has an index at or below it; the caller
// then reads the state applied up to it. Two ways to get one (a single
// node's is immediate):
//
//   - One read-index round (raft's ReadOnlySafe ReadIndex: the leader
//     sends a heartbeat carrying the request and answers once a quorum
//     replied) serves every caller that arrived since the previous round
//     was issued; at most two are in flight. A caller never joins a round
//     in flight: its
//     heartbeats may have left before the caller arrived, so a write
//     acknowledged between their sending and the call could be missed.
//     A follower's round is one MsgReadIndex to the leader, sent by its
//     read loop, which owns the rounds in flight (resent to a new leader,
//     or after two heartbeats); the answer finishes the round on the
//     transport's goroutine (answerRead, finishRound), which wakes the
//     callers itself: neither end needs a turn of its Ready loop, nor
//     another goroutine, when the leader holds a lease. Both the request
//     and the leader's answer are written on the connection by the
//     goroutine that makes them when the peer's writer is idle (see
//     Transport below). What remains is one read, one write and one epoll
//     wake-up per round on each end; the loop stats (LOGDB_RAFTSTATS)
//     show rounds per second and reads per round (measured: 3,000 rounds
//     a second of 4.5 reads each, 16 clients reading on a follower).
//     Config.ReadTimeout (5 s) bounds a caller's wait for its round and
//     then for this node to apply up to the index (ErrReadTimeout): the
//     read loop fails rounds unanswered that long, and a timer is made
//     only for a wait on the applier, so a read costs no timer (a
//     context.WithTimeout per read was 3 % of a follower's CPU on point
//     selects).
//   - A leader that holds a read lease (lease.go) answers from its commit
//     index at once, with no message, not even through the Ready loop;
//     it answers a follower's MsgReadIndex from the lease too. Measured
//     on three nodes sharing 2 cores (pgbench, 16 clients, point select):
//     see README's Performance section.
//
// The lease. A read-index round this node asked at monotonic time t (as
// leader of term T, with more than one voter) that raft confirms proves
// that a quorum received a heartbeat of T sent after t. Each of those
// followers reset its election clock when it did, and with CheckQuorum
// raft ignores a vote request (and a follower does not campaign) until
// ElectionTicks ticks have passed since; its ticker fires no faster than
// once a TickInterval, and at most one tick was already pending, so that
// takes at least (ElectionTicks−2) TickIntervals on its clock. Any other
// leader needs a quorum of votes, which meets the confirming quorum in one
// node, so none can be elected, and none can commit, before
// t + (ElectionTicks−2)·TickInterval. The lease ends one tick earlier,
// t + (ElectionTicks−3)·TickInterval (350 ms with logdb's cluster
// timing), that tick being the margin for clock drift between nodes.
// Until then this node is the only leader and its commit index covers
// every acknowledged write: raft confirms a read only after the leader
// committed an entry of its own term, so it covers earlier terms, and the
// commit index is published (lease.commit) at the start of each Ready,
// before any message or apply lets anyone learn it. A lease read loads
// that index first and checks the clock after, so even a lease that runs
// out in between covers every write acknowledged before the call.
//
// Time is Go's monotonic clock (CLOCK_MONOTONIC), which runs on while
// the process is stopped: a leader paused by SIGSTOP past its lease, which
// wakes believing it still leads (its raft ticks stopped with it, which is
// why raft's own ReadOnlyLeaseBased, counted in ticks, is not used), finds
// the lease over and goes back to read-index rounds, which fail over to
// the new leader. A pause while a read is between its two loads is
// harmless: that read is placed at its clock check. A round asked before
// the pause yields no lease beyond t + lease, however late it returns.
//
// What the argument assumes, and how each is held: a follower that
// restarts forgets whom it acknowledged and raft would vote at once, so a
// node drops vote requests for an election timeout after Open
// (refuseVote); leadership transfer (MsgTimeoutNow, which skips that
// check) is refused from peers and never started; a membership change ends
// the lease, and a round asked before the change was applied grants none,
// so a lease always comes from a quorum of the configuration it is used
// in (changes are one voter at a time, raft allows one in flight, and a
// majority of consecutive configurations overlap); every member runs the
// same TickInterval and ElectionTicks (cmd/logdb's constants), and raft's
// clock is only its ticker (Node.tick, one call per tick received); logdb
// recover (ForceNewCluster) is an operator's action on a stopped node,
// far longer than a lease. A lease is renewed in the
// background (one round) when less than half of it is left and reads are
// coming, so a steady stream of reads never waits for a round; with no
// reads it lapses and the next read pays one round. A node that stops
// leading drops its lease at once, and every use checks the term.
//
// No follower lease. A follower cannot answer from its own state without
// asking the leader, lease or not: a write is acknowledged once a quorum
// (the leader and the other follower) has it, so this follower may not
// even have received it. Serving such reads locally would need every
// acknowledgment to wait for each lease-holding follower as well (quorum
// leases), slowing every write to the slowest follower until its lease
// ran out; that trade is not made. `SET logdb.read_consistency = 'local'`
// is the explicit stale-read option.
//
// # Disk space
//
// A failed WAL write or fdatasync on the Ready path stops the node: raft
// cannot be told an entry it handed over was not persisted. So Propose
// refuses a proposal up front (ErrDiskFull) while the filesystem would keep
// less than Config.DiskReserveBytes free after it (disk.go), and the WAL
// never meets a full disk in the middle of an append; when space returns
// proposals are admitted again. Conf changes are never refused.
//
// # Restart
//
// Open replays every segment, checking every CRC. A record that fails at
// the end of the last segment, with no good record after it, is a torn
// write from a crash and is cut off (it was never acknowledged, since
// acknowledgment follows the fdatasync). A bad record followed by good
// ones, garbage in a sealed segment, a gap in indexes or a missing segment
// is ErrCorruptLog: the node refuses to start rather than lose data.
// raft restarts with Applied = StateMachine.AppliedIndex(), so only later
// entries are applied again; an applied index beyond the log is
// ErrCorruptLog. A single-node group campaigns at once and leads within a
// few milliseconds of Open returning. Replay reads whole segments, so Open
// costs a read of the retained log (about 40 ms for one 64 MiB segment).
//
// # Concurrency
//
// Every exported method is safe for concurrent use. Entries, FirstIndex,
// CommittedIndex, WaitCommitted, Status, Members and Err never block on the
// Ready loop (Status and Members read what the loop published: a caller
// may hold a state-machine read transaction, which a snapshot install on
// the loop waits for); WaitCommitted and WaitReadable waiters share
// close-and-replace channels (no polling). Propose, WaitReadable,
// TruncateFront, AddNode and RemoveNode go through raft or the loop and
// take a context. SendSnapshot and ReceiveSnapshot are the Transport's
// (they run on its goroutines, never on the Ready loop). Shutdown stops the loop, lets the
// applier finish batches already queued (they are committed and durable),
// syncs and closes the WAL; later calls return ErrStopped.
//
// Lock order: Node.mu (committed/applied) and wal.mu are never held
// together with each other or across I/O; registry mutexes are leaves.
//
// # Transport
//
// A single node needs none. Several peers need Config.Transport, the seam
// in transport.go; TCPTransport (tcp.go; tcppeer.go writes, tcpconn.go
// dials, tcpsnap.go streams snapshots) implements it: one queue and writer
// goroutine per peer, messages batched into one flush, and a full queue
// drops (raft retransmits), so a slow peer never blocks the Ready loop nor
// delays another peer. A message whose peer's connection is idle (nothing
// queued or buffered, the writer not writing) is written by Send itself,
// with one non-blocking write(2); what the socket does not take at once is
// left to the writer goroutine, which writes it before anything else
// (sendDirect). That saves the hand-off to the writer goroutine, a wake-up
// of another thread per message: on three nodes sharing 2 cores, that
// goroutine took 3–7 % of a follower's CPU on inserts and 16 % of the
// leader's on follower reads (README, Performance). A dead connection fails
// within 1.5 s (keepalives, TCP_USER_TIMEOUT); a redial sends a new SYN
// every 100 ms while the peer does not answer (a SYN lost to a partition is
// not waited on), so a healed link is used again within about 100 ms, and
// backs off only while the peer refuses. Proposals on a follower are
// forwarded by raft and answered on the follower once it applies them.
// CheckQuorum and PreVote are on: a leader that loses its quorum steps down
// after an election timeout, and a rejoining node cannot disrupt a healthy
// leader. TCPTransport.SetDropFunc drops chosen peers' traffic (partition
// tests).
//
// # Catching up a lagging follower
//
// A follower that fell behind (a partition, a restart) is probed: raft
// sends one append of up to 256 KiB (MaxSizePerMsg) from its next index
// and, once it matches, streams appends with at most 4 MiB in flight
// (MaxInflightBytes), read from the WAL on the Ready loop. raft resends
// the probe on every heartbeat answer, and with linearizable reads every
// read is a heartbeat round: a leader once read and sent the same 256 KiB
// 119 times in one turn of its loop (0.5 s without a commit). So a repeat
// of the probe within 100 ms is dropped unless the follower answered an
// append or its connection was lost since (probes.go), and the last range
// read is memoized (walStorage, valid while the term at its last index is
// unchanged), so the healthy quorum's commits do not wait on the catch-up.
//
// # What peers may send
//
// The raft port trusts nothing (validate.go, tcp.go): a frame is bounded
// before it is read (SetMaxFrameBytes; 64 KiB until the connection names
// its member, which a peer's writer does first with a hello frame) and
// read as its bytes arrive; one that does not decode closes its
// connection. A connection speaks for one member, whose membership
// address must match its remote host (until TLS authenticates peers), and
// a member has one connection (a new one replaces the old); beyond 64
// inbound connections the oldest that named no member is closed. Each message is checked before raft sees it:
// types peers send, ids, terms, entries contiguous and framed, payloads the
// StateMachine can decode (ProposalValidator), conf changes of AddNode's
// and RemoveNode's shape; on the loop, a heartbeat's commit and an
// acknowledged index within the log, appends of the current term only from
// its leader. Conf changes confchange would refuse are declined at apply on
// every node alike. Snapshots come only from the current leader and at most
// the disk's free space less 256 MiB. Whatever fails is dropped, counted
// (Node.Refused) and logged, never stepped: raft panics on such input.
// FuzzRaftFrames (seeded with frames captured from three raft nodes)
// drives this path into a follower and a leader.
//
// # Snapshots
//
// A StateMachine that also implements Snapshotter (snapshot.go) lets a
// follower behind the leader's retained front catch up, so TruncateFront
// is safe at any applied index. raft asks for a snapshot with only the
// front's metadata; the transport streams the leader's state on a
// connection of its own (in 1 MiB chunks, never one buffer) followed by a
// trailer with the index the state really holds, its term, ConfState and
// addresses. The follower stores the data in Dir/snap (fsynced), raft
// accepts it, and the Ready loop records a snapshot record in the WAL (the
// log restarts empty after that index; older segments are deleted),
// restores the state machine from the file and deletes it. Open finishes
// an install a crash interrupted. A node restored from a snapshot has no
// entries below it: Entries returns ErrCompacted there, which the
// changefeed reports as a position no longer retained.
//
// # Membership
//
// AddNode and RemoveNode (membership.go) propose ConfChangeV2 entries, one
// node at a time, and return once the change is applied here. AddNode adds
// a learner, which the leader promotes to voter (on its tick) once it
// answers and is within promoteLag entries of the commit index; another
// AddNode is refused (ErrChangeInFlight) until then. RemoveNode refuses to
// remove a voter (ErrQuorumAtRisk, unless forced) when the reachable
// voters could not commit the change or would not be a quorum after it.
// ForceNewCluster (recover.go) turns one survivor of a lost quorum into a
// one-member group keeping its whole log; the added
// node's address travels in the entry and is recorded with the ConfState
// (recPeers), so a restarted node takes members and addresses from its WAL
// rather than Config.Peers. A new member starts with Config.Join and an
// empty directory: it does not bootstrap, it waits for the leader, then
// catches up from the log or a snapshot. Members lists the group.
//
// # Diagnostics
//
// With LOGDB_RAFTSTATS set in its environment, each node logs its Ready
// loop's counters every two seconds (loopstats.go): Readies and fsyncs per
// second, entries, committed entries and messages per Ready, the average
// fsync, Ready and idle time, reads answered from the read lease per
// second, the read-index rounds this node issued per second with the
// WaitReadable callers per round, and the average commit time (commit_us:
// from the Ready that appends a batch here to its hand-over to the
// applier; ÷ fsync_us it is the fsyncs a commit waits for). Entries per
// fsync is the group-commit batch;
// many Readies with few entries each mean the loop turns over for single
// events, which on a busy machine costs more than the work. It also logs
// every step of the loop that took 40 ms or more ("slow ready loop
// step"): an inbox drain with its message types, its slowest message and
// what raft read from the WAL meanwhile, a Ready with its entries and
// messages, the WAL append and fdatasync, a wait for a full apply queue,
// an Apply. A step slow with little work in it is the machine (CPU or
// disk), one that read much is raft catching a follower up.
//
// Config.Observer receives each fdatasync's duration and each Ready's
// entry count as they happen (on the loop: its methods must be cheap), and
// Counters returns cumulative proposals, failed proposals and snapshots
// sent and received (metrics.go); cmd/logdb turns both into Prometheus
// metrics.
//
// # Tried and dropped
//
// Measured on three nodes sharing 2 cores with pgbench inserting (16
// clients unless stated), CPU per insert summed over the nodes' processes:
//
//   - Holding every commit notice for 1 ms: a client on a follower waits
//     for that notice to learn its commit (0.7 → 2 ms per insert at one
//     client). Hence the urgent-follower rule in notices.go.
//   - A follower applier that lingers 1 ms to apply bigger batches: 5–15 %
//     less follower CPU, no throughput gained, and follower reads and
//     changefeeds would lag.
//   - GOMAXPROCS=1 per node: slower (5,400 vs 6,600 inserts/s).
//   - Read-index requests riding on the next batch of proposals instead of
//     a heartbeat round (a committed entry appended after the request
//     proves leadership as well): heartbeats fell from 3,000 to 100–600/s
//     but CPU only ~3 %, and a read that waits for a batch stalls small
//     client counts (4 clients on the leader: 1,660 vs 2,100 inserts/s).
//   - Zero-filling instead of fallocate did help (spare.go).
//   - Committing while the leader's own fsync runs (branch fsync): the
//     leader's WAL append ran on a goroutine while its loop stepped the
//     followers' acknowledgements (raft allows Step between Ready and
//     Advance), and entries it had made durable in an earlier Ready went
//     to the applier as soon as raft's commit index covered them, read
//     back from the WAL. The leader's commit fell from 1.8–2.7 to 1.6–2.1
//     fsync times (commit_us ÷ fsync_us), but throughput against the
//     PostgreSQL trio did not rise: river jobs/s 0.72–0.73× against
//     0.78–0.84× for this loop, inserts 0.86–0.98× against 0.87–0.88×
//     (interleaved runs, go run ./test/bench -targets pg3,logdb3); doing
//     it on followers too, inserts 0.74–0.88× against 0.89–1.09×. A
//     follower finishes the fsync in progress before it writes the next
//     batch, so a commit still waits about 1.5 fsyncs for the quorum.
//
// # Not yet
//
// A torn tail is recognized only when no good record follows the first bad
// one; a power loss that persisted a later sector of the last write but not
// an earlier one is reported as ErrCorruptLog (conservative: the node
// refuses to start instead of guessing). A follower's full disk is not
// guarded: the leader's appends reach its WAL without a check, and ENOSPC
// there stops that follower (the group goes on with the others).
package raftlog
