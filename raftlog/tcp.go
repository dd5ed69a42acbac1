package raftlog

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// TCPTransport is a Transport over plain TCP. Each peer has a queue and a
// writer goroutine that keeps one outbound connection, redials with
// exponential backoff, and writes whatever is queued in one flush (messages
// batched per peer). Send never blocks: a full queue drops the message and
// reports the peer unreachable, so a slow peer never stalls the Ready
// loop; raft retransmits. Inbound connections carry frames
// [u32 len][marshaled raftpb.Message] and are handed to Node.Step.
type TCPTransport struct {
	id     uint64
	ln     net.Listener
	logger *slog.Logger

	h      MessageHandler
	peers  map[uint64]*tcpPeer // fixed after NewTCPTransport
	ctx    context.Context     // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex // guards conns
	conns map[net.Conn]struct{}
}

const (
	tcpQueueLen   = 4096
	tcpMaxFrame   = maxRecordPayload + 1<<20
	tcpMaxBackoff = 2 * time.Second
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
		peers: make(map[uint64]*tcpPeer), ctx: ctx, cancel: cancel, conns: make(map[net.Conn]struct{})}
	for pid, addr := range peers {
		if pid != id {
			t.peers[pid] = &tcpPeer{t: t, id: pid, addr: addr, queue: make(chan *pb.Message, tcpQueueLen)}
		}
	}
	return t
}

// Start accepts inbound connections and starts one writer per peer.
func (t *TCPTransport) Start(h MessageHandler) error {
	t.h = h
	t.wg.Go(t.acceptLoop)
	for _, p := range t.peers {
		t.wg.Go(p.run)
	}
	return nil
}

// Send queues msgs for their peers without blocking.
func (t *TCPTransport) Send(msgs []*pb.Message) {
	for _, m := range msgs {
		p := t.peers[m.GetTo()]
		if p == nil {
			continue
		}
		select {
		case p.queue <- m:
		default:
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
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if t.ctx.Err() == nil {
				t.logger.Warn("accept failed; transport stops accepting", "err", err)
			}
			return
		}
		if !t.track(c) {
			c.Close()
			return
		}
		t.wg.Go(func() {
			defer t.untrack(c)
			t.readLoop(c)
		})
	}
}

func (t *TCPTransport) readLoop(c net.Conn) {
	r := bufio.NewReaderSize(c, 64<<10)
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		n := binary.LittleEndian.Uint32(hdr[:])
		if n > tcpMaxFrame {
			t.logger.Warn("dropping connection: frame too large", "remote", c.RemoteAddr().String(), "bytes", n)
			return
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		m := &pb.Message{}
		if err := proto.Unmarshal(buf, m); err != nil {
			t.logger.Warn("dropping connection: bad message", "remote", c.RemoteAddr().String(), "err", err)
			return
		}
		if err := t.h.Step(t.ctx, m); err != nil {
			if errors.Is(err, ErrStopped) || t.ctx.Err() != nil {
				return
			}
		}
	}
}

// tcpPeer is the outbound side for one peer.
type tcpPeer struct {
	t     *TCPTransport
	id    uint64
	addr  string
	queue chan *pb.Message
}

func (p *tcpPeer) run() {
	backoff := 50 * time.Millisecond
	for p.t.ctx.Err() == nil {
		var d net.Dialer
		dctx, cancel := context.WithTimeout(p.t.ctx, time.Second)
		c, err := d.DialContext(dctx, "tcp", p.addr)
		cancel()
		if err != nil {
			p.t.h.ReportUnreachable(p.id)
			select {
			case <-time.After(backoff):
			case <-p.t.ctx.Done():
				return
			}
			backoff = min(2*backoff, tcpMaxBackoff)
			continue
		}
		if !p.t.track(c) {
			c.Close()
			return
		}
		backoff = 50 * time.Millisecond
		err = p.writeLoop(c)
		p.t.untrack(c)
		if p.t.ctx.Err() == nil {
			p.t.logger.Info("connection to peer lost; redialing", "peer", p.id, "err", err)
			p.t.h.ReportUnreachable(p.id)
		}
	}
}

// writeLoop writes queued messages, one flush per burst, until an error.
func (p *tcpPeer) writeLoop(c net.Conn) error {
	w := bufio.NewWriterSize(c, 64<<10)
	var buf []byte
	write := func(m *pb.Message) error {
		var err error
		buf, err = proto.MarshalOptions{}.MarshalAppend(append(buf[:0], 0, 0, 0, 0), m)
		if err != nil {
			return fmt.Errorf("encode message: %w", err)
		}
		binary.LittleEndian.PutUint32(buf, uint32(len(buf)-4))
		_, err = w.Write(buf)
		return err
	}
	for {
		select {
		case m := <-p.queue:
			if err := write(m); err != nil {
				return err
			}
		burst:
			for range tcpQueueLen {
				select {
				case m := <-p.queue:
					if err := write(m); err != nil {
						return err
					}
				default:
					break burst
				}
			}
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := w.Flush(); err != nil {
				return err
			}
		case <-p.t.ctx.Done():
			return p.t.ctx.Err()
		}
	}
}
