package raftlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"
)

// Config configures a Node. Zero values take the documented defaults.
type Config struct {
	NodeID uint64
	// Dir holds the WAL segments; created if missing.
	Dir string
	// Peers maps raft ids to raft addresses; a single node is {1: ""}.
	// A new group bootstraps with these members; a restarted node takes
	// its membership and addresses from the WAL, which win over Peers.
	Peers map[uint64]string
	// Join starts a node that was added to an existing group (AddNode):
	// with an empty log it does not bootstrap but waits for the leader.
	Join         bool
	StateMachine StateMachine
	// Transport carries messages in a multi-node group; nil for one node.
	// A StateMachine that implements Snapshotter lets the leader send its
	// state to a follower behind the log's retained front.
	Transport Transport
	// MaxSnapshotBytes bounds a snapshot received from the leader; 0
	// means the disk's free space less 256 MiB (always a bound).
	MaxSnapshotBytes int64
	// DiskReserveBytes is the free space Propose keeps on Dir's filesystem:
	// a proposal that would leave less fails with ErrDiskFull (disk.go).
	// 0 turns the check off.
	DiskReserveBytes int64
	// ReadTimeout bounds WaitReadable: with no read index confirmed, or
	// not applied, within it, it returns ErrReadTimeout. Default 5 s.
	ReadTimeout    time.Duration
	TickInterval   time.Duration // default 100ms
	ElectionTicks  int           // default 10
	HeartbeatTicks int           // default 1
	Logger         *slog.Logger
	// Observer, when set, receives fsync durations and Ready sizes as they
	// happen (metrics.go); Node.Counters has the cumulative counts.
	Observer Observer

	// segmentSize overrides the WAL segment size (tests).
	segmentSize int64
	// serialApply applies every batch on the Ready loop after its fsync
	// instead of pipelining (benchmark comparison).
	serialApply bool
}

// StateMachine is implemented by kv (through an adapter in cmd/logdb).
type StateMachine interface {
	// Apply applies committed entries in order, all in one state transaction,
	// and returns one result per entry. A non-nil error is fatal: the node stops.
	// Entry.Data is shared with raft: read it, copy what must outlive the
	// call, never modify it.
	Apply(entries []Entry) ([]any, error)
	// AppliedIndex is the last index the state machine applied durably (on
	// restart raft replays from here).
	AppliedIndex() uint64
}

// Entry is a committed entry: Data is the proposal's payload with raftlog's
// own framing removed; nil for raft-internal entries (the empty entry a new
// leader appends, conf changes).
type Entry struct {
	Index, Term uint64
	Data        []byte
}

// Status is a point-in-time view of the node, as of the last Ready. It
// never waits for the Ready loop: callers may hold state-machine read
// transactions, which a snapshot install on the loop waits for.
type Status struct {
	ID, Leader, Term, Commit, Applied uint64
	Role                              string // "leader", "follower", "candidate", "pre-candidate"
}

// Node is one member of a raft group with a durable log. All methods are
// safe for concurrent use.
type Node struct {
	cfg    Config
	logger *slog.Logger
	wal    *wal
	raw    *raft.RawNode // owned by the Ready loop
	inbox  *inbox        // how other goroutines reach raw

	validator ProposalValidator // the StateMachine's, or nil
	disk      *diskGuard        // admits proposals while the disk has room
	// memberMu is held by an AddNode or RemoveNode call in progress: a
	// second one is refused (ErrChangeInFlight), not queued.
	memberMu sync.Mutex
	// promotedAt is when promoteLearners last proposed. Ready loop only.
	promotedAt time.Time
	refused    *refusals // peers' messages dropped (validate.go)

	proposals *registry
	reads     *readRegistry
	// WaitReadable callers waiting for the next read-index request, and
	// the read loop's wake-up (see WaitReadable).
	readMu   sync.Mutex
	readNext *readBatch
	readWake chan struct{}
	// readStalled: the read loop waits for a round in flight to finish.
	readStalled atomic.Bool
	lease       readLease // see lease.go

	// progress: committed and applied indexes and the leader, with
	// close-and-replace notification channels; mu guards the fields
	// through leaderCh (leader itself is atomic).
	mu          sync.Mutex
	committed   uint64
	commitCh    chan struct{}
	applied     uint64
	appliedTerm uint64 // term of the entry at applied
	// deliverMu is held by the applier from publishing a batch's applied
	// index until its results are delivered (see Propose).
	deliverMu   sync.Mutex
	appliedCh   chan struct{}
	addrs       map[uint64]string // members' raft addresses
	leaderCh    chan struct{}     // closed and replaced when the leader changes
	leader      atomic.Uint64
	leaderHeard atomic.Int64  // mono() when a message of the known leader last arrived (LeaderInTouch)
	term        atomic.Uint64 // current term, from the last HardState
	role        atomic.Value  // string
	applyBatchN atomic.Uint64 // StateMachine.Apply calls (benchmarks)
	stats       loopStats     // see loopstats.go
	storage     *walStorage   // raft's Storage
	watch       loopWatch     // the loop's current step, watchdog.go
	rtt         rttTracker    // heartbeat round trips, rtt.go
	counters    counters      // see metrics.go
	observer    Observer      // Config.Observer or noObserver
	// progress is the leader's view of its followers, as of the last tick
	// (nil when not leading).
	progress   atomic.Pointer[map[uint64]memberProgress]
	progressAt time.Time // last published; Ready loop only

	frontc chan frontReq // TruncateFront requests, served by the Ready loop
	// Held commit notices by follower, and when the oldest was held (see
	// notices.go); Ready loop only.
	notices  map[uint64]*pb.Message
	noticeAt time.Time
	// The last append with entries sent to each follower (probes.go);
	// Ready loop only.
	probes   map[uint64]probeSent
	applier  *applier
	durable  uint64 // last index fsynced; Ready loop only
	campaign bool   // campaign after the next Advance; Ready loop only
	// Sole-voter fast commit (see commitOwnAppend); Ready loop only.
	handed    uint64 // last index queued to the applier or applied
	lastConf  uint64 // last conf change appended (at Open: the last index)
	soleVoter bool   // the applied ConfState's only voter is this node
	// raftHanded is the last index raft gave out in CommittedEntries:
	// raft may still read entries after it from the WAL, so TruncateFront
	// never goes past it even when commitOwnAppend applied further.
	raftHanded uint64

	removedOnce sync.Once
	removed     chan struct{} // closed when a change removed this node

	stopOnce sync.Once
	stopc    chan struct{} // closed to ask the loop to stop
	done     chan struct{} // closed once every goroutine has exited
	errMu    sync.Mutex
	err      error
}

func (c *Config) validate() error {
	switch {
	case c.NodeID == 0 || c.NodeID >= 1<<16:
		return fmt.Errorf("raftlog: open: NodeID %d not in [1, 65535]: %w", c.NodeID, ErrBadConfig)
	case c.Dir == "":
		return fmt.Errorf("raftlog: open: empty Dir: %w", ErrBadConfig)
	case c.StateMachine == nil:
		return fmt.Errorf("raftlog: open: nil StateMachine: %w", ErrBadConfig)
	case len(c.Peers) == 0:
		return fmt.Errorf("raftlog: open: no Peers: %w", ErrBadConfig)
	}
	if _, ok := c.Peers[c.NodeID]; !ok {
		return fmt.Errorf("raftlog: open: NodeID %d not in Peers: %w", c.NodeID, ErrBadConfig)
	}
	if (len(c.Peers) > 1 || c.Join) && c.Transport == nil {
		return fmt.Errorf("raftlog: open: %d peers: %w", len(c.Peers), ErrNoMultiNode)
	}
	if c.TickInterval <= 0 {
		c.TickInterval = 100 * time.Millisecond
	}
	if c.ElectionTicks <= 0 {
		c.ElectionTicks = 10
	}
	if c.HeartbeatTicks <= 0 {
		c.HeartbeatTicks = 1
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Open recovers the node from cfg.Dir (or bootstraps a new group when the
// log is empty) and starts its goroutines. A single-node group campaigns at
// once, so it leads within milliseconds.
func Open(cfg Config) (*Node, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger.With("component", "raftlog", "node", cfg.NodeID)
	w, err := openWAL(cfg.Dir, cfg.segmentSize, logger)
	if err != nil {
		return nil, err
	}
	n := &Node{
		cfg:       cfg,
		logger:    logger,
		wal:       w,
		disk:      &diskGuard{dir: cfg.Dir, reserve: cfg.DiskReserveBytes},
		proposals: newRegistry(cfg.NodeID),
		inbox:     newInbox(),
		reads:     newReadRegistry(),
		readWake:  make(chan struct{}, 1),
		commitCh:  make(chan struct{}),
		appliedCh: make(chan struct{}),
		leaderCh:  make(chan struct{}),
		frontc:    make(chan frontReq),
		stopc:     make(chan struct{}),
		done:      make(chan struct{}),
		removed:   make(chan struct{}),
		refused:   newRefusals(logger),
		observer:  cfg.Observer,
	}
	n.stats.on = os.Getenv("LOGDB_RAFTSTATS") != ""
	n.storage = &walStorage{w: w}
	if n.observer == nil {
		n.observer = noObserver{}
	}
	n.initLease()
	n.validator, _ = cfg.StateMachine.(ProposalValidator)
	n.applier = newApplier(n)
	applied, err := n.recoverSnapshot(cfg.StateMachine.AppliedIndex())
	if err != nil {
		w.closeFiles()
		return nil, err
	}
	first, last := w.bounds()
	if applied > last {
		w.closeFiles()
		return nil, fmt.Errorf("raftlog: open: state machine applied index %d is beyond the last log index %d: %w",
			applied, last, ErrCorruptLog)
	}
	n.applied = applied
	n.storage.minCommit = applied
	if n.appliedTerm, err = w.term(applied); err != nil {
		n.appliedTerm = 0
	}
	// Addresses: the configured ones, overridden by what the WAL recorded
	// (members added later, changed addresses).
	n.addrs = maps.Clone(cfg.Peers)
	maps.Copy(n.addrs, w.peerAddrs())
	hs, cs, _ := w.state()
	n.term.Store(hs.GetTerm())
	n.durable = last
	n.handed, n.lastConf, n.raftHanded = applied, last, applied
	n.soleVoter = isSoleVoter(cs, cfg.NodeID)
	n.committed = max(hs.GetCommit(), applied)
	n.role.Store("follower")
	rc := &raft.Config{
		ID:            cfg.NodeID,
		ElectionTick:  cfg.ElectionTicks,
		HeartbeatTick: cfg.HeartbeatTicks,
		Storage:       n.storage,
		Applied:       applied,
		// 256 KiB appends: a leader catching a restarted peer up reads
		// and sends its entries on raft's goroutine, and 1 MiB messages
		// starved heartbeats under load (writes stalled for seconds after a
		// second node was killed in the chaos runs).
		MaxSizePerMsg:             256 << 10,
		MaxCommittedSizePerReady:  16 << 20,
		MaxUncommittedEntriesSize: 1 << 30,
		MaxInflightMsgs:           256,
		// At most 4 MiB of appends in flight to one follower: a leader
		// catching up a node that was cut off for a while reads those
		// entries from the WAL on its loop, and with 256 × 256 KiB in
		// flight that read paused every commit for 0.6-0.9 s after a
		// partition healed (issue 19).
		MaxInflightBytes: 4 << 20,
		CheckQuorum:      true,
		PreVote:          true,
		Logger:           raftLogger{logger.With("sub", "raft")},
	}
	fresh := last == 0 && raft.IsEmptyHardState(hs)
	if n.raw, err = raft.NewRawNode(rc); err != nil {
		w.closeFiles()
		return nil, fmt.Errorf("raftlog: open: %w", err)
	}
	if fresh && cfg.Join {
		logger.Info("joining an existing raft group", "dir", cfg.Dir, "peers", len(cfg.Peers))
	} else if fresh {
		peers := make([]raft.Peer, 0, len(cfg.Peers))
		for id, addr := range cfg.Peers {
			peers = append(peers, raft.Peer{ID: id, Context: []byte(addr)})
		}
		if err := n.raw.Bootstrap(peers); err != nil {
			w.closeFiles()
			return nil, fmt.Errorf("raftlog: open: bootstrap: %w", err)
		}
		logger.Info("bootstrapped new raft group", "dir", cfg.Dir, "peers", len(peers))
	} else {
		logger.Info("recovered raft log", "dir", cfg.Dir, "first", first, "last", last,
			"commit", hs.GetCommit(), "term", hs.GetTerm(), "applied", applied)
	}
	if cfg.Transport != nil {
		cfg.Transport.UpdatePeers(n.addrs)
		if err := cfg.Transport.Start(n); err != nil {
			w.closeFiles()
			return nil, fmt.Errorf("raftlog: open: start transport: %w", err)
		}
	}
	// A single-node group need not wait out a randomized election timeout:
	// nobody else can win. raft refuses to campaign while conf changes are
	// unapplied (a fresh bootstrap), so the loop campaigns after the first
	// Advance.
	n.campaign = len(cfg.Peers) == 1 && (fresh || (len(cs.GetVoters()) == 1 && cs.GetVoters()[0] == cfg.NodeID))
	if n.campaign && !fresh {
		// Not yet running: raw is still ours. Should raft refuse (a conf
		// change not yet applied), the loop tries again after an Advance.
		if err := n.raw.Campaign(); err != nil {
			logger.Warn("campaign failed", "err", err)
		}
	}
	go n.run()
	go n.readLoop()
	go n.reportLoopStats()
	go n.watchLoop()
	return n, nil
}

// run is the Ready loop, the node's owner goroutine and the only one that
// touches raw. Each turn takes everything queued in the inbox (inbox.go),
// then handles one Ready in raft's order: persist (one fdatasync) → send →
// apply → Advance, where "apply" means handing the batch to the applier
// goroutine (see apply.go). While Readies keep coming it does not block.
func (n *Node) run() {
	ticker := time.NewTicker(n.cfg.TickInterval)
	defer ticker.Stop()
	go n.applier.run()
	var err error
	var lastAdv time.Time
	var in loopInput
	busy := true
	noticeTimer := time.NewTimer(time.Hour)
	noticeTimer.Stop()
	defer noticeTimer.Stop()
loop:
	for {
		due := n.flushNotices(false)
		// Between Readies (busy), serve the timer and requests without
		// waiting for them: the closed channel stands in for the inbox's
		// wake-up. Idle, wait for any of them, or for a notice to fall due.
		wake, noticeC := n.inbox.wake, (<-chan time.Time)(nil)
		if busy {
			wake = closedChan
		} else if due > 0 {
			noticeTimer.Reset(due)
			noticeC = noticeTimer.C
		}
		if !busy {
			n.watch.enter(phaseIdle)
		}
		select {
		case <-wake: // drainInbox below takes what it announced
		case <-noticeC:
		case <-ticker.C:
			n.watch.enter(phaseTick)
			t0 := time.Now()
			n.tick()
			n.slowStep("tick", time.Since(t0))
		case req := <-n.frontc:
			n.watch.enter(phaseFront)
			if err = n.serveFront(req); err != nil {
				break loop
			}
		case <-n.applier.done:
			err = n.applier.err
			break loop
		case <-n.stopc:
			break loop
		}
		n.watch.enter(phaseInbox)
		n.drainInbox(&in)
		busy = n.raw.HasReady()
		if busy {
			n.watch.enter(phaseReady)
			if err = n.turn(&lastAdv); err != nil {
				break loop
			}
		}
	}
	if n.cfg.Transport != nil {
		if terr := n.cfg.Transport.Close(); terr != nil {
			n.logger.Warn("closing transport", "err", terr)
		}
	}
	// Batches already queued are committed and durable: let the applier
	// finish them so their proposers get results.
	if aerr := n.applier.close(); aerr != nil && err == nil {
		err = aerr
	}
	if werr := n.wal.close(); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		n.logger.Error("raft node stopped on error", "err", err)
		n.proposals.failAll(err)
	}
	n.errMu.Lock()
	if err == nil {
		err = ErrStopped
	}
	n.err = err
	n.errMu.Unlock()
	close(n.done)
}

// closedChan is always ready: the Ready loop's "do not wait".
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// turn handles one Ready and advances raft past it; last is when the
// previous turn ended (loop statistics).
func (n *Node) turn(last *time.Time) error {
	t0 := time.Now()
	rd := n.raw.Ready()
	if !last.IsZero() {
		n.stats.idleNs.Add(uint64(t0.Sub(*last)))
	}
	n.stats.readies.Add(1)
	n.stats.entries.Add(uint64(len(rd.Entries)))
	n.observer.ObserveReady(len(rd.Entries))
	n.stats.committed.Add(uint64(len(rd.CommittedEntries)))
	n.stats.msgs.Add(uint64(len(rd.Messages)))
	if len(rd.Entries) > 0 {
		n.stats.noteAppended(rd.Entries[len(rd.Entries)-1].GetIndex(), t0)
	}
	if err := n.handleReady(rd); err != nil {
		return err
	}
	n.raw.Advance(rd)
	*last = time.Now()
	n.stats.noteHanded(n.handed, *last)
	if last.Sub(n.progressAt) >= progressEvery {
		n.publishProgress(true)
	}
	n.stats.readyNs.Add(uint64(last.Sub(t0)))
	if d := last.Sub(t0); d >= slowStepLog && n.stats.on {
		var bytes int
		for _, e := range rd.Entries {
			bytes += len(e.GetData())
		}
		n.slowStep("ready", d, "entries", len(rd.Entries), "entry_bytes", bytes, "committed", len(rd.CommittedEntries),
			"messages", len(rd.Messages), "sync", rd.MustSync, "role", n.role.Load())
	}
	if n.campaign && n.leader.Load() == 0 && n.role.Load() == "follower" {
		n.campaign = false
		if err := n.raw.Campaign(); err != nil {
			n.logger.Warn("campaign failed", "err", err)
		}
	}
	return nil
}

func (n *Node) handleReady(rd raft.Ready) error {
	if hs := rd.HardState; !raft.IsEmptyHardState(hs) {
		n.lease.commit.Store(hs.GetCommit()) // before anything reveals it
	}
	if rd.SoftState != nil {
		clear(n.probes) // a new role or leader: no append of ours is in flight
		n.role.Store(roleName(rd.SoftState.RaftState))
		if rd.SoftState.RaftState != raft.StateLeader {
			n.dropLease(false)
		}
		n.publishProgress(false)
		if old := n.leader.Swap(rd.SoftState.Lead); old != rd.SoftState.Lead {
			n.mu.Lock()
			close(n.leaderCh)
			n.leaderCh = make(chan struct{})
			n.mu.Unlock()
		}
	}
	if hs := rd.HardState; !raft.IsEmptyHardState(hs) {
		n.term.Store(hs.GetTerm())
	}
	if !raft.IsEmptySnap(rd.Snapshot) {
		// A leader sent it (ReceiveSnapshot stored its data): install it
		// before anything in this Ready, which all comes after it.
		if err := n.applySnapshot(rd.Snapshot); err != nil {
			return err
		}
	}
	// Committed entries that were made durable by an earlier Ready can be
	// applied while this Ready's entries are written: their proposers are
	// answered one fsync sooner and propose again into the next batch.
	// Entries made durable only by this Ready (a single node commits what
	// it is persisting) wait until after the fsync below.
	ce := rd.CommittedEntries
	if len(ce) > 0 {
		n.raftHanded = ce[len(ce)-1].GetIndex()
	}
	for len(ce) > 0 && ce[0].GetIndex() <= n.handed {
		ce = ce[1:] // applied already by commitOwnAppend
	}
	early := len(ce) > 0 && ce[len(ce)-1].GetIndex() <= n.durable && !hasConfChange(ce) && !n.cfg.serialApply
	if early {
		if err := n.enqueue(ce); err != nil {
			return err
		}
	}
	// 1. Persist entries, then HardState, with one fdatasync when raft says
	// so (MustSync: new entries, term or vote). A commit-only change is
	// written but not synced: a lost commit index is re-learned from the
	// log and the leader, and Open raises it to the state machine's applied
	// index, so nothing acknowledged depends on it being durable (unlike
	// etcd #14143, where a snapshot did). This saves a second fdatasync per
	// proposal at low concurrency.
	var hs *pb.HardState
	if !raft.IsEmptyHardState(rd.HardState) {
		hs = rd.HardState
	}
	// A leader's appends and heartbeats go out before its own fsync: the
	// followers write in parallel with it (raft thesis §10.2.1). They do
	// not depend on the leader's disk: the entries count as committed only
	// once a quorum has them durable, and the leader's own copy counts only
	// after its fsync (at Advance). Everything else (votes, responses)
	// waits for the fsync below, since it promises durable state.
	msgs := rd.Messages
	msgs = coalesceAppends(msgs, n.cfg.NodeID) // coalesce.go: a leader's appends
	if len(msgs) > 0 && n.cfg.Transport != nil {
		var early []*pb.Message
		var urgent []uint64
		if len(n.notices) > 0 || hasNotice(msgs) { // only a leader has any
			urgent = n.urgentFollowers(rd.CommittedEntries, msgs)
		}
		early, msgs = n.splitMessages(msgs, urgent)
		if len(early) > 0 {
			n.send(early)
		}
	}
	sync := rd.MustSync
	syncStart := time.Now()
	if err := n.wal.append(rd.Entries, hs, sync); err != nil {
		return err
	}
	if sync {
		d := time.Since(syncStart)
		n.slowStep("wal-append", d, "entries", len(rd.Entries))
		n.stats.syncs.Add(1)
		n.stats.syncNs.Add(uint64(d))
		n.observer.ObserveFsync(d)
	}
	if sync {
		_, n.durable = n.wal.bounds()
	}
	if hs != nil {
		n.setCommitted(hs.GetCommit())
	}
	// 2. Send, now that everything they may acknowledge is durable.
	if len(msgs) > 0 && n.cfg.Transport != nil {
		n.send(msgs)
	}
	// 3. Apply, if not done early.
	switch {
	case len(ce) == 0 || early:
	case hasConfChange(ce) || n.cfg.serialApply:
		// Membership changes are applied on this goroutine, in order with
		// everything queued before them. Held commit notices go out
		// first: a member this change removes learns of its removal only
		// from them.
		n.flushNotices(true)
		if err := n.applier.drain(); err != nil {
			return err
		}
		if err := n.apply(ce, true); err != nil {
			return err
		}
		n.handed = ce[len(ce)-1].GetIndex()
	default:
		if err := n.enqueue(ce); err != nil {
			return err
		}
	}
	if sync {
		if err := n.commitOwnAppend(rd.Entries); err != nil {
			return err
		}
	}
	for _, rs := range rd.ReadStates {
		if r, ok := n.reads.take(rs.RequestCtx); ok {
			n.grantLease(r.asked)
			n.finishRound(r, rs.Index)
		}
	}
	return nil
}

// splitMessages separates the messages that may go out before this
// Ready's fsync from the rest, keeping each group's order: a leader's
// appends and heartbeats, and requests forwarded to the leader (proposals,
// read-index requests), which promise nothing about this node's disk.
//
// Commit notices (appends without entries) are held unless their follower
// is urgent (notices.go); a held notice of an urgent follower goes now.
func (n *Node) splitMessages(msgs []*pb.Message, urgent []uint64) (early, late []*pb.Message) {
	now := time.Now()
	for _, id := range urgent {
		if m := n.takeNotice(id); m != nil {
			early = append(early, m)
		}
	}
	for _, m := range msgs {
		switch m.GetType() {
		case pb.MessageType_MsgProp, pb.MessageType_MsgReadIndex, pb.MessageType_MsgHeartbeat:
			early = append(early, m)
		case pb.MessageType_MsgApp:
			if len(m.GetEntries()) == 0 && !slices.Contains(urgent, m.GetTo()) {
				n.holdNotice(m)
				continue
			}
			n.takeNotice(m.GetTo()) // superseded: this one is newer
			if n.repeatedProbe(m, now) {
				continue
			}
			early = append(early, m)
		default:
			late = append(late, m)
		}
	}
	return early, late
}

// tick publishes the followers' progress for Members (read there without
// waiting for the loop) and advances raft's clock. Published before the
// tick: a tick may start a new CheckQuorum round, which marks every
// follower inactive until it answers again, so the view taken just before
// it covers a whole tick of answers (heartbeats go out every tick).
func (n *Node) tick() {
	n.publishProgress(false)
	n.promoteLearners()
	n.raw.Tick()
}

// progressEvery is how often the Ready loop refreshes the published
// progress between ticks.
const progressEvery = 10 * time.Millisecond

// publishProgress stores the leader's view of its followers for Members;
// nil when this node does not lead. With sticky, a follower published as
// active stays so until the next tick's view (it may just have been
// marked inactive for a new CheckQuorum round). Ready loop only.
func (n *Node) publishProgress(sticky bool) {
	n.progressAt = time.Now()
	if n.raw.BasicStatus().RaftState != raft.StateLeader {
		n.progress.Store(nil)
		return
	}
	var old map[uint64]memberProgress
	if p := n.progress.Load(); sticky && p != nil {
		old = *p
	}
	prog := make(map[uint64]memberProgress)
	n.raw.WithProgress(func(id uint64, _ raft.ProgressType, pr tracker.Progress) {
		prog[id] = memberProgress{match: pr.Match, active: pr.RecentActive || old[id].active}
	})
	n.progress.Store(&prog)
}

// memberProgress is what the leader knows of a member's log.
type memberProgress struct {
	match  uint64
	active bool
}

// serveFront runs a TruncateFront request; an error other than a bad
// range leaves the WAL in an unknown state and stops the loop.
func (n *Node) serveFront(req frontReq) error {
	err := n.truncateFront(req.index)
	req.errc <- err
	if err != nil && !errors.Is(err, errTruncateRange) {
		return err
	}
	return nil
}

// enqueue hands committed entries to the applier and remembers the last.
func (n *Node) enqueue(ents []*pb.Entry) error {
	if err := n.applier.enqueue(ents); err != nil {
		return err
	}
	n.handed = ents[len(ents)-1].GetIndex()
	return nil
}

// commitOwnAppend applies the entries this Ready just made durable when
// this node is the group's only voter: its own fsynced log is the quorum,
// so they are committed now. raft itself would only count them committed
// at Advance and hand them out one Ready later, a whole turn of the loop
// (and of the proposers, which split into two groups alternating fsyncs)
// for nothing. raft's CommittedEntries for them are skipped later (handed).
//
// Only when every earlier entry is handed already (in order), the node
// leads, and no conf change is appended but unapplied: once applied it may
// add a voter, and entries after it would then need that voter too.
func (n *Node) commitOwnAppend(ents []*pb.Entry) error {
	for _, e := range ents {
		if t := e.GetType(); t == pb.EntryConfChange || t == pb.EntryConfChangeV2 {
			n.lastConf = max(n.lastConf, e.GetIndex())
		}
	}
	if len(ents) == 0 || !n.soleVoter || n.handed < n.lastConf ||
		ents[0].GetIndex() != n.handed+1 || n.role.Load() != "leader" {
		return nil
	}
	// They are committed: say so before anyone can see them applied, so a
	// reader that follows the state machine (the changefeed) never asks
	// Entries for an index CommittedIndex does not cover yet.
	n.setCommitted(ents[len(ents)-1].GetIndex())
	if n.cfg.serialApply || n.applier.pending.Load() == 0 {
		if err := n.apply(ents, false); err != nil {
			return err
		}
		n.handed = ents[len(ents)-1].GetIndex()
		return nil
	}
	return n.enqueue(ents)
}

func isSoleVoter(cs *pb.ConfState, id uint64) bool {
	v := cs.GetVoters()
	return len(v) == 1 && v[0] == id && len(cs.GetVotersOutgoing()) == 0
}

func (n *Node) setCommitted(c uint64) {
	n.mu.Lock()
	if c > n.committed {
		n.committed = c
		close(n.commitCh)
		n.commitCh = make(chan struct{})
	}
	n.mu.Unlock()
}

func (n *Node) setApplied(a, term uint64) {
	n.mu.Lock()
	if a > n.applied {
		n.applied, n.appliedTerm = a, term
		close(n.appliedCh)
		n.appliedCh = make(chan struct{})
	}
	n.mu.Unlock()
}

func roleName(s raft.StateType) string {
	switch s {
	case raft.StateLeader:
		return "leader"
	case raft.StateCandidate:
		return "candidate"
	case raft.StatePreCandidate:
		return "pre-candidate"
	}
	return "follower"
}

// Status returns the node's current view of the group.
func (n *Node) Status() Status {
	n.mu.Lock()
	st := Status{ID: n.cfg.NodeID, Commit: n.committed, Applied: n.applied}
	n.mu.Unlock()
	st.Leader = n.leader.Load()
	st.Role, _ = n.role.Load().(string)
	st.Term = n.term.Load()
	select {
	case <-n.done:
		st.Role = "stopped"
	default:
	}
	return st
}

// CommittedIndex is the highest index known committed and durable here.
func (n *Node) CommittedIndex() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.committed
}

// FirstIndex is the first index still retained in the log.
func (n *Node) FirstIndex() uint64 {
	first, _ := n.wal.bounds()
	return first
}

// Removed is closed when this node applies a membership change that
// removes it from the group: it no longer takes part and should be shut
// down.
func (n *Node) Removed() <-chan struct{} { return n.removed }

// Done is closed once the node has stopped (Shutdown or a fatal error).
func (n *Node) Done() <-chan struct{} { return n.done }

// Err says why the node stopped: ErrStopped after Shutdown, the fatal
// error otherwise; nil while running.
func (n *Node) Err() error {
	n.errMu.Lock()
	defer n.errMu.Unlock()
	return n.err
}

// Shutdown stops the Ready loop and raft, syncs and closes the WAL. Pending
// and later Propose calls return ErrStopped. If ctx ends first, Shutdown
// returns ctx.Err() and the node keeps stopping in the background.
func (n *Node) Shutdown(ctx context.Context) error {
	n.stopOnce.Do(func() { close(n.stopc) })
	select {
	case <-n.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := n.Err(); err != nil && !errors.Is(err, ErrStopped) {
		return err
	}
	return nil
}

// stoppedErr is what blocked callers return once the node has stopped.
func (n *Node) stoppedErr(op string) error {
	err := n.Err()
	if err == nil || errors.Is(err, ErrStopped) {
		return fmt.Errorf("raftlog: %s: %w", op, ErrStopped)
	}
	return fmt.Errorf("raftlog: %s: %w: %w", op, ErrStopped, err)
}

// send hands messages to the transport: the Ready loop's, and read-index
// requests and answers (askRead, answerRead).
func (n *Node) send(msgs []*pb.Message) {
	n.stats.countSent(msgs)
	n.rtt.sending(msgs, time.Now())
	n.cfg.Transport.Send(msgs)
}
