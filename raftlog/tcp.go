package raftlog

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// TCPTransport is a Transport over plain TCP. Each peer has a queue and a
// writer goroutine that keeps one outbound connection, redials (a new SYN
// every 100 ms while the peer does not answer, exponential backoff while
// it refuses), and writes whatever is queued in one flush (messages
// batched per peer). Send never blocks: a full queue drops the message and
// reports the peer unreachable, so a slow peer never stalls the Ready
// loop; raft retransmits. While a peer is unreachable its queue is
// discarded: raft resends what matters, and a stale forwarded proposal
// must not commit long after its proposer gave up. Inbound connections
// carry frames [u32 len][marshaled raftpb.Message], after a hello frame
// [u32 8 | 1<<30][u64 sender id], and are handed to Node.Step (readLoop
// says what is checked first).
//
// A MsgSnap goes over its own connection, by a per-peer snapshot goroutine
// (one at a time; another while one is in flight is reported failed): the
// frame's length has bit 31 set, the state machine's data follows as
// chunks [u32 n][n bytes] ended by a zero chunk, then one frame with the
// trailer (snapshot.go); the receiver answers one byte once the snapshot is
// stored and stepped. Heartbeats and appends keep flowing meanwhile.
type TCPTransport struct {
	id     uint64
	ln     net.Listener
	logger *slog.Logger

	h       MessageHandler
	ctx     context.Context // canceled by Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool // Start was called; under mu

	mu    sync.Mutex // guards conns, peers, started, bound, unbound
	conns map[net.Conn]struct{}
	peers map[uint64]*tcpPeer
	// peerView is a copy of peers replaced on every change, so Send (on
	// the Ready loop) finds a peer without taking mu: nothing on the loop
	// waits for a lock that a connection's goroutine holds.
	peerView atomic.Pointer[map[uint64]*tcpPeer]

	// drop, when set (tests), says whether to drop a message to a peer:
	// a fault-injecting partition.
	drop atomic.Pointer[func(to uint64) bool]

	maxFrame int64     // see SetMaxFrameBytes
	refused  *refusals // frames and connections refused
	// Inbound connections, under mu: those that speak for a member (one
	// each), and the others with when they were accepted.
	bound   map[uint64]net.Conn
	unbound map[net.Conn]time.Time
	// Mutual TLS (SetTLS): nil for plain TCP.
	tlsServer, tlsClient *tls.Config
}

const (
	tcpQueueLen = 4096
	snapFlag    = 1 << 31
	snapChunk   = 1 << 20
	// DefaultMaxFrameBytes bounds an inbound frame unless
	// SetMaxFrameBytes says otherwise: one entry of the largest payload
	// Propose accepts, and room for the message around it.
	DefaultMaxFrameBytes = maxRecordPayload + 1<<20
	// helloFlag marks the frame a peer's writer sends first on a new
	// connection, naming itself, so its first message may be large.
	helloFlag = 1 << 30
	// tcpMaxInbound bounds inbound connections: peers keep one each (and
	// one per snapshot in flight), so more is someone else; beyond it the
	// oldest that speaks for no member is closed.
	tcpMaxInbound = 64
	// unboundFrameLimit bounds frames on a connection that does not speak
	// for a member yet: a hello, a snapshot stream's head or a small
	// message.
	unboundFrameLimit = 64 << 10
	// tcpFrameTimeout is how long a frame's body may take to arrive once
	// its header has.
	tcpFrameTimeout = 30 * time.Second
	// tcpMaxBackoff caps redial backoff: a restarted peer hears from the
	// leader within about this long (a dial to a dead peer is cheap).
	tcpMaxBackoff = 250 * time.Millisecond
	// tcpDialTimeout bounds a dial (all its staggered attempts): long
	// enough for a round trip across continents (the SYN and its answer
	// take one). A dial that timed out is followed by the next at once,
	// without backoff.
	tcpDialTimeout = 600 * time.Millisecond
	// tcpDialStagger: while a dial waits for an answer to its SYN, another
	// starts every tcpDialStagger (dialStaggered), so once a partition
	// heals a SYN goes out within this long rather than after the pending
	// dial's timeout and the backoff (measured: a deaf leader heard the
	// new leader 0.7-0.8 s after the heal, which was most of its rejoin).
	tcpDialStagger = 100 * time.Millisecond
	// tcpDeadPeerTimeout is how long a connection may go without the peer
	// acknowledging what was sent to it (heartbeats flow every tick, and
	// keepalive probes every tcpKeepAlive on an idle connection) before
	// the kernel fails it (TCP_USER_TIMEOUT): about an election timeout,
	// so a connection cut by a partition is gone, and redialed, by the
	// time the partition heals, instead of waiting out retransmission
	// backoff (measured: rto 13 s, a healed node cut off for ~12 s).
	tcpDeadPeerTimeout = 1500 * time.Millisecond
	tcpKeepAlive       = 500 * time.Millisecond
)

// NewTCPTransport returns a transport for node id that accepts on ln and
// dials peers (id → address; its own entry is ignored). Pass it as
// Config.Transport; Open starts it and Shutdown closes it.
func NewTCPTransport(id uint64, ln net.Listener, peers map[uint64]string, logger *slog.Logger) *TCPTransport {
	if logger == nil {
		logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &TCPTransport{id: id, ln: ln, logger: logger.With("component", "raftlog", "sub", "tcp", "node", id),
		peers: make(map[uint64]*tcpPeer), ctx: ctx, cancel: cancel, conns: make(map[net.Conn]struct{}),
		maxFrame: DefaultMaxFrameBytes, bound: make(map[uint64]net.Conn), unbound: make(map[net.Conn]time.Time)}
	t.refused = newRefusals(t.logger)
	t.UpdatePeers(peers)
	return t
}

// SetMaxFrameBytes bounds inbound frames (a message and its entries);
// a peer that announces a larger one is disconnected. Call before Open.
// It must be at least the largest entry the group proposes, plus 1 MiB.
func (t *TCPTransport) SetMaxFrameBytes(n int64) {
	if n > 0 {
		t.maxFrame = n
	}
}

// Refused counts frames and connections the transport refused, by reason:
// "frame-too-large", "malformed-frame", "too-many-connections",
// "wrong-address" (the sender's id does not belong to the connection's
// address), "sender-changed" (a connection spoke for a second member).
func (t *TCPTransport) Refused() map[string]uint64 { return t.refused.snapshot() }

// Start accepts inbound connections and starts one writer per peer.
func (t *TCPTransport) Start(h MessageHandler) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.h = h
	t.started = true
	t.wg.Go(t.acceptLoop)
	for _, p := range t.peers {
		p.start()
	}
	return nil
}

// UpdatePeers adds peers, changes addresses and stops removed peers.
func (t *TCPTransport) UpdatePeers(peers map[uint64]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx.Err() != nil {
		return
	}
	defer func() {
		view := maps.Clone(t.peers)
		t.peerView.Store(&view)
	}()
	for pid, p := range t.peers {
		if addr, ok := peers[pid]; !ok || addr != p.addr {
			p.cancel()
			delete(t.peers, pid)
		}
	}
	for pid, addr := range peers {
		if pid == t.id || addr == "" || t.peers[pid] != nil {
			continue
		}
		ctx, cancel := context.WithCancel(t.ctx)
		p := &tcpPeer{t: t, id: pid, addr: addr, ctx: ctx, cancel: cancel,
			queue: make(chan *pb.Message, tcpQueueLen), snapc: make(chan *pb.Message, 1), kick: make(chan struct{}, 1)}
		t.peers[pid] = p
		if t.started {
			p.start()
		}
	}
}

// peer returns peer id's outbound side (nil if not a peer), without
// taking mu.
func (t *TCPTransport) peer(id uint64) *tcpPeer {
	if v := t.peerView.Load(); v != nil {
		return (*v)[id]
	}
	return nil
}

// Connected reports whether an outbound connection to peer id is up.
func (t *TCPTransport) Connected(id uint64) bool {
	p := t.peer(id)
	return p != nil && p.connected.Load()
}

// PeerStats is the transport's view of one peer, for diagnosis: a
// connection that is up but has not written for long, or a queue that
// stays full, shows where messages stop.
type PeerStats struct {
	Connected bool
	Queued    int       // messages waiting for the writer
	Dropped   uint64    // messages dropped because the queue was full
	Dials     uint64    // connections made (the first and redials)
	Direct    uint64    // messages Send wrote itself, without the writer goroutine
	LastWrite time.Time // last flush that succeeded (zero: never)
	LastRead  time.Time // last frame read from the peer (zero: never)
}

// PeerStats reports every peer's stats.
func (t *TCPTransport) PeerStats() map[uint64]PeerStats {
	out := map[uint64]PeerStats{}
	v := t.peerView.Load()
	if v == nil {
		return out
	}
	for id, p := range *v {
		out[id] = PeerStats{Connected: p.connected.Load(), Queued: len(p.queue), Dropped: p.dropped.Load(),
			Dials: p.dials.Load(), Direct: p.direct.Load(), LastWrite: unixTime(p.lastWrite.Load()), LastRead: unixTime(p.lastRead.Load())}
	}
	return out
}

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// SetDropFunc installs a fault filter (tests): messages for which drop
// returns true are discarded, in both directions, as if the network lost
// them. nil removes it.
func (t *TCPTransport) SetDropFunc(drop func(peer uint64) bool) {
	if drop == nil {
		t.drop.Store(nil)
		return
	}
	t.drop.Store(&drop)
}

func (t *TCPTransport) dropped(peer uint64) bool {
	f := t.drop.Load()
	return f != nil && (*f)(peer)
}

// Send queues msgs for their peers without blocking; a message whose
// peer's connection is idle is written at once instead (sendDirect).
func (t *TCPTransport) Send(msgs []*pb.Message) {
	for _, m := range msgs {
		p := t.peer(m.GetTo())
		if p == nil || t.dropped(p.id) {
			if p != nil && m.GetType() == pb.MessageType_MsgSnap {
				t.h.ReportSnapshot(p.id, true)
			}
			continue
		}
		if m.GetType() == pb.MessageType_MsgSnap {
			select {
			case p.snapc <- m:
			default:
				t.h.ReportSnapshot(p.id, true) // one in flight already
			}
			continue
		}
		if p.sendDirect(m) {
			continue
		}
		select {
		case p.queue <- m:
		default:
			p.dropped.Add(1)
			t.h.ReportUnreachable(p.id)
		}
	}
}

// Close stops accepting, closes every connection and waits for the
// transport's goroutines.
func (t *TCPTransport) Close() error {
	t.cancel()
	err := t.ln.Close()
	t.mu.Lock()
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// track registers c so Close can interrupt it; false if already closing.
func (t *TCPTransport) track(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx.Err() != nil {
		return false
	}
	t.conns[c] = struct{}{}
	return true
}

func (t *TCPTransport) untrack(c net.Conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	c.Close()
}

func (t *TCPTransport) acceptLoop() {
	var backoff time.Duration
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if t.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait and retry, as
			// net/http does; peers redial.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			t.logger.Warn("accept failed; retrying", "err", err, "backoff", backoff)
			select {
			case <-time.After(backoff):
			case <-t.ctx.Done():
				return
			}
			continue
		}
		backoff = 0
		configureConn(c)
		if !t.track(c) {
			c.Close()
			return
		}
		if !t.admitInbound(c) {
			t.refused.add("too-many-connections", fmt.Errorf("%d inbound connections, each a member's", tcpMaxInbound), "remote", c.RemoteAddr().String())
			t.untrack(c)
			continue
		}
		t.wg.Go(func() {
			defer t.untrack(c)
			tc, err := t.serverTLS(c)
			if err != nil {
				t.refused.add("tls-handshake", err, "remote", c.RemoteAddr().String())
				t.unbind(c, 0)
				return
			}
			t.readLoop(tc, c)
		})
	}
}

// readLoop reads one inbound connection's frames. A frame is bounded
// before it is read (and read as its bytes arrive, so a large announced
// length costs nothing until it is sent), decoded defensively, and its
// sender checked: a member whose address matches the connection's remote
// host, the same member for the connection's whole life. Until the
// connection speaks for a member (its hello frame, or its first message)
// frames are at most unboundFrameLimit: a stranger's connection costs
// little memory. A malformed or oversized frame or a wrong sender closes
// the connection; a message that fails the node's checks (validate.go) is
// dropped and the connection kept.
//
// c is the connection as read (TLS, if SetTLS), raw the TCP connection
// tracked in bound and unbound.
func (t *TCPTransport) readLoop(c, raw net.Conn) {
	r := bufio.NewReaderSize(c, 64<<10)
	remote := c.RemoteAddr().String()
	var sender uint64 // the member this connection speaks for, once known
	defer func() { t.unbind(raw, sender) }()
	var buf []byte
	limit := int64(unboundFrameLimit)
	for {
		f, err := readFrame(r, c, &buf, limit)
		if err != nil {
			var fe *frameError
			if errors.As(err, &fe) {
				t.refused.add(fe.kind, err, "remote", remote)
			}
			return
		}
		from := f.hello
		if f.msg != nil {
			from = f.msg.GetFrom()
		}
		if sender == 0 {
			if err := t.checkSender(from, c.RemoteAddr()); err != nil {
				t.refused.add("wrong-address", err, "remote", remote)
				return
			}
			sender = from
			if f.snap {
				// A member's snapshot stream: not evicted as a stranger's
				// connection, nor replacing the member's own.
				t.mu.Lock()
				delete(t.unbound, raw)
				t.mu.Unlock()
			} else {
				t.bind(raw, sender)
			}
			limit = t.maxFrame
		} else if from != sender || f.hello != 0 {
			t.refused.add("sender-changed", fmt.Errorf("connection of member %d sent a frame from %d", sender, from), "remote", remote)
			return
		}
		if p := t.peer(sender); p != nil {
			p.lastRead.Store(time.Now().UnixNano())
		}
		if f.msg == nil || t.dropped(sender) {
			continue
		}
		if f.snap {
			t.receiveSnapshot(c, r, f.msg)
			return
		}
		if err := t.h.Step(t.ctx, f.msg); err != nil {
			if errors.Is(err, ErrStopped) || t.ctx.Err() != nil {
				return
			}
		}
	}
}

// bind records c as member id's connection; a connection id had before is
// closed (a peer that redials replaces its old connection, and whoever
// else speaks in its name gets one connection, not many).
func (t *TCPTransport) bind(c net.Conn, id uint64) {
	t.mu.Lock()
	delete(t.unbound, c)
	old := t.bound[id]
	t.bound[id] = c
	t.mu.Unlock()
	if old != nil && old != c {
		old.Close()
	}
}

// unbind forgets c when its read loop ends.
func (t *TCPTransport) unbind(c net.Conn, id uint64) {
	t.mu.Lock()
	delete(t.unbound, c)
	if t.bound[id] == c {
		delete(t.bound, id)
	}
	t.mu.Unlock()
}

// admitInbound registers a new inbound connection, making room when
// tcpMaxInbound are open by closing the oldest one that does not speak for
// a member yet; false (and the connection is refused) when all of them do.
func (t *TCPTransport) admitInbound(c net.Conn) bool {
	t.mu.Lock()
	var evict net.Conn
	if len(t.unbound)+len(t.bound) >= tcpMaxInbound {
		var oldest time.Time
		for uc, at := range t.unbound {
			if evict == nil || at.Before(oldest) {
				evict, oldest = uc, at
			}
		}
		if evict == nil {
			t.mu.Unlock()
			return false
		}
		delete(t.unbound, evict)
	}
	t.unbound[c] = time.Now()
	t.mu.Unlock()
	if evict != nil {
		t.refused.add("too-many-connections", fmt.Errorf("%d inbound connections: closed the oldest that spoke for no member", tcpMaxInbound),
			"remote", evict.RemoteAddr().String())
		evict.Close()
	}
	return true
}

// frameError is a frame refused by readFrame; kind names the reason for
// the refusal counts.
type frameError struct {
	kind string
	err  error
}

func (e *frameError) Error() string { return e.kind + ": " + e.err.Error() }
func (e *frameError) Unwrap() error { return e.err }

// inFrame is one inbound frame: a message (a snapshot stream's head if
// snap), or a hello naming the sender.
type inFrame struct {
	msg   *pb.Message
	snap  bool
	hello uint64
}

// readFrame reads one frame [u32 len (bit 31: snapshot head, bit 30:
// hello)][raftpb.Message, or for a hello the sender's u64 id] of at most
// max bytes, reusing *buf. I/O errors are returned as they are; a refused
// frame as a *frameError.
func readFrame(r io.Reader, c net.Conn, buf *[]byte, max int64) (inFrame, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return inFrame{}, err
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	snap, hello := n&snapFlag != 0, n&helloFlag != 0
	n &^= snapFlag | helloFlag
	if hello {
		if snap || n != 8 {
			return inFrame{}, &frameError{"malformed-frame", fmt.Errorf("hello frame of %d bytes", n)}
		}
		var id [8]byte
		if _, err := io.ReadFull(r, id[:]); err != nil {
			return inFrame{}, err
		}
		from := binary.LittleEndian.Uint64(id[:])
		if from == 0 {
			return inFrame{}, &frameError{"malformed-frame", fmt.Errorf("hello from id 0")}
		}
		return inFrame{hello: from}, nil
	}
	if int64(n) > max {
		return inFrame{}, &frameError{"frame-too-large", fmt.Errorf("%d-byte frame (at most %d)", n, max)}
	}
	if n > 64<<10 && c != nil {
		// Big frames are read as they arrive and must arrive in time.
		c.SetReadDeadline(time.Now().Add(tcpFrameTimeout))
		defer c.SetReadDeadline(time.Time{})
	}
	b := (*buf)[:0]
	for len(b) < int(n) {
		k := min(int(n)-len(b), 1<<20)
		b = slices.Grow(b, k)
		if _, err := io.ReadFull(r, b[len(b):len(b)+k]); err != nil {
			return inFrame{}, err
		}
		b = b[:len(b)+k]
	}
	if cap(b) <= 1<<20 {
		*buf = b // keep small buffers; let big ones go
	}
	m, err := decodeFrame(b)
	if err != nil {
		return inFrame{}, err
	}
	return inFrame{msg: m, snap: snap}, nil
}

// decodeFrame decodes a frame's body. The message is the caller's: nothing
// in it aliases b.
func decodeFrame(b []byte) (*pb.Message, error) {
	m := &pb.Message{}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, &frameError{"malformed-frame", err}
	}
	return m, nil
}

// checkSender says whether id is a member reachable at the remote host:
// until peers authenticate (TLS), the membership's address is what ties a
// connection to a member.
func (t *TCPTransport) checkSender(id uint64, remote net.Addr) error {
	t.mu.Lock()
	p := t.peers[id]
	t.mu.Unlock()
	if p == nil {
		return fmt.Errorf("sender %d is not a member", id)
	}
	ta, ok := remote.(*net.TCPAddr)
	if !ok {
		return nil
	}
	host, _, err := net.SplitHostPort(p.addr)
	if err != nil {
		return fmt.Errorf("member %d's address %q: %w", id, p.addr, err)
	}
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil {
		ips = []net.IP{ip}
	} else if ips, err = net.DefaultResolver.LookupIP(t.ctx, "ip", host); err != nil {
		return fmt.Errorf("member %d's host %q: %w", id, host, err)
	}
	for _, ip := range ips {
		if ip.Equal(ta.IP) || ip.IsUnspecified() || (ip.IsLoopback() && ta.IP.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("sender %d's address is %s, the connection comes from %s", id, p.addr, ta.IP)
}
