package raftlog

// The outbound side of TCPTransport: one tcpPeer per peer, with its queue,
// its writer goroutine and Send's direct path (sendDirect).

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// tcpPeer is the outbound side for one peer.
type tcpPeer struct {
	t         *TCPTransport
	id        uint64
	addr      string
	ctx       context.Context // canceled when the peer is removed or the transport closes
	cancel    context.CancelFunc
	queue     chan *pb.Message
	snapc     chan *pb.Message
	connected atomic.Bool
	// The connection's writer, shared by writeLoop and Send's direct
	// path (sendDirect): wmu guards w (nil while no connection is up), c,
	// raw, buf and pending. writeLoop holds it for a burst and its flush;
	// sendDirect only takes it when free.
	wmu sync.Mutex
	w   *bufio.Writer
	c   net.Conn
	raw syscall.RawConn // c's socket, nil for TLS: no direct writes then
	buf []byte
	// pending is the tail of a frame sendDirect could write only in part;
	// writeLoop writes it before anything else (kick wakes it for that).
	pending []byte
	kick    chan struct{}
	// Diagnostics (PeerStats): unix nanoseconds of the last successful
	// flush and of the last frame read from the peer's connection.
	lastWrite, lastRead atomic.Int64
	dropped, dials      atomic.Uint64
	direct              atomic.Uint64 // messages sendDirect wrote
}

func (p *tcpPeer) start() {
	p.t.wg.Go(p.run)
	p.t.wg.Go(p.snapLoop)
}

// discardQueue drops what was queued for an unreachable peer.
func (p *tcpPeer) discardQueue() {
	for {
		select {
		case <-p.queue:
		default:
			return
		}
	}
}

func (p *tcpPeer) run() {
	backoff := 50 * time.Millisecond
	for p.ctx.Err() == nil {
		c, err := p.t.dial(p.ctx, p.addr)
		if err != nil {
			p.discardQueue()
			p.t.h.ReportUnreachable(p.id)
			if dialTimedOut(err) {
				// The dial itself waited (its attempts went on sending
				// SYNs); dial again at once, so a healed partition is
				// noticed within tcpDialStagger.
				continue
			}
			select {
			case <-time.After(backoff):
			case <-p.ctx.Done():
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
		p.dials.Add(1)
		err = p.writeLoop(c) // sets connected once it can write
		p.connected.Store(false)
		p.t.untrack(c)
		if p.ctx.Err() == nil {
			p.t.logger.Info("connection to peer lost; redialing", "peer", p.id, "err", err)
			p.discardQueue()
			p.t.h.ReportUnreachable(p.id)
		}
	}
}

// writeLoop writes queued messages, one flush per burst, until an error.
func (p *tcpPeer) writeLoop(c net.Conn) error {
	closed := watchClosed(c) // ends when run closes c
	w := bufio.NewWriterSize(c, 64<<10)
	// Hello first: the receiver knows who speaks before the first message,
	// which may be larger than it accepts from a stranger.
	hello := binary.LittleEndian.AppendUint32(nil, 8|helloFlag)
	if _, err := w.Write(binary.LittleEndian.AppendUint64(hello, p.t.id)); err != nil {
		return err
	}
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := w.Flush(); err != nil {
		return err
	}
	var raw syscall.RawConn
	if tc, ok := c.(*net.TCPConn); ok {
		raw, _ = tc.SyscallConn() // nil on error: no direct writes
	}
	p.wmu.Lock()
	p.w, p.c, p.raw = w, c, raw
	p.wmu.Unlock()
	p.connected.Store(true)
	defer func() {
		p.wmu.Lock()
		p.w, p.c, p.raw, p.pending = nil, nil, nil, nil
		p.wmu.Unlock()
	}()
	for {
		select {
		case m := <-p.queue:
			if err := p.writeBurst(m); err != nil {
				return err
			}
		case <-p.kick:
			if err := p.writeBurst(nil); err != nil {
				return err
			}
		case err := <-closed:
			return err
		case <-p.ctx.Done():
			return p.ctx.Err()
		}
	}
}

// writeBurst writes what sendDirect left pending, m (if not nil) and
// whatever else is queued, and flushes them.
func (p *tcpPeer) writeBurst(m *pb.Message) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if p.w == nil {
		return errors.New("connection closed after a failed write")
	}
	if len(p.pending) > 0 {
		if _, err := p.w.Write(p.pending); err != nil {
			return err
		}
		p.pending = nil
	}
	if m != nil {
		if err := p.writeLocked(m); err != nil {
			return err
		}
	}
	for range tcpQueueLen {
		select {
		case m := <-p.queue:
			if err := p.writeLocked(m); err != nil {
				return err
			}
		default:
			return p.flushLocked()
		}
	}
	return p.flushLocked()
}

// writeLocked encodes one message into the connection's buffer. wmu held,
// w not nil.
func (p *tcpPeer) writeLocked(m *pb.Message) error {
	if err := p.encodeLocked(m); err != nil {
		return err
	}
	_, err := p.w.Write(p.buf)
	p.trimLocked()
	return err
}

// encodeLocked frames m into buf. wmu held.
func (p *tcpPeer) encodeLocked(m *pb.Message) error {
	var err error
	p.buf, err = proto.MarshalOptions{}.MarshalAppend(append(p.buf[:0], 0, 0, 0, 0), m)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	binary.LittleEndian.PutUint32(p.buf, uint32(len(p.buf)-4))
	return nil
}

// trimLocked keeps small buffers and lets big ones go. wmu held.
func (p *tcpPeer) trimLocked() {
	if cap(p.buf) > 1<<20 {
		p.buf = nil
	}
}

func (p *tcpPeer) flushLocked() error {
	p.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := p.w.Flush(); err != nil {
		return err
	}
	p.lastWrite.Store(time.Now().UnixNano())
	return nil
}

// sendDirect writes m to the peer's socket from the calling goroutine
// and reports whether it took the message; false: queue it for the
// writer. The write never blocks: it is one non-blocking write(2) on the
// socket, taken only when the connection is plain TCP and idle (nothing
// queued, buffered or pending, and the writer not writing; the lock is
// only tried). What the socket does not take at once is kept in pending
// for the writer goroutine (kicked), which writes it before anything else,
// so frames never interleave. Nothing fitting: false, and the message is
// queued as before. So the Ready loop may call it: it costs the loop a
// write(2), and saves a hand-off to the writer goroutine (a wake-up of
// another thread: see doc.go, Transport). A message written this way may
// overtake one the writer took from the queue and has not written yet;
// raft does not depend on message order (it runs over networks that
// reorder). Durability is untouched: only who writes changes, not when;
// the Ready loop calls Send at the same points as before (a follower's
// append acknowledgement after its fdatasync), so no acknowledgement
// leaves before what it acknowledges is durable.
func (p *tcpPeer) sendDirect(m *pb.Message) bool {
	if len(p.queue) > 0 || !p.wmu.TryLock() {
		return false
	}
	defer p.wmu.Unlock()
	if p.w == nil || p.raw == nil || p.w.Buffered() > 0 || len(p.pending) > 0 {
		return false
	}
	if err := p.encodeLocked(m); err != nil {
		return false // the writer reports it
	}
	defer p.trimLocked()
	var n int
	var werr error
	called := false
	write := func(fd uintptr) bool {
		called = true
		n, werr = syscall.Write(int(fd), p.buf)
		return true // never wait for the socket
	}
	err := p.raw.Write(write)
	if err != nil && !called && errors.Is(err, os.ErrDeadlineExceeded) {
		// The deadline the writer set for its last flush has passed. It
		// is not writing (wmu is held), so the deadline means nothing now.
		p.c.SetWriteDeadline(time.Time{})
		err = p.raw.Write(write)
	}
	if err != nil && !called {
		return false // closing or closed: the writer finds out
	}
	n = max(n, 0)
	switch {
	case n == 0 && (werr == syscall.EAGAIN || werr == syscall.EINTR):
		return false // the socket is full: the writer waits for it
	case werr != nil && n == 0:
		// The connection is broken: closing it ends writeLoop, which
		// redials; the message is lost, as on a lossy network.
		p.c.Close()
		p.w = nil
		return true
	case n < len(p.buf):
		p.pending = append([]byte(nil), p.buf[n:]...)
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
	p.direct.Add(1)
	p.lastWrite.Store(time.Now().UnixNano())
	return true
}

// watchClosed reads c, on which the peer never writes, until it fails: a
// peer that died or closed the connection is noticed at once (the send
// side would notice only at its next write, which a follower may not make
// for long, and Connected would go on saying yes).
func watchClosed(c net.Conn) <-chan error {
	closed := make(chan error, 1)
	go func() {
		var b [1]byte
		for {
			if _, err := c.Read(b[:]); err != nil {
				closed <- fmt.Errorf("connection closed: %w", err)
				return
			}
		}
	}()
	return closed
}
