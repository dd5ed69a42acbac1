package raftlog

// The outbound side of TCPTransport: one tcpPeer per peer, with its queue,
// its writer goroutine and SendNow's direct path.

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
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
	// The connection's writer, shared by writeLoop and SendNow: wmu
	// guards w (nil while no connection is up), c and buf. writeLoop holds
	// it for a burst and its flush; SendNow only takes it when free.
	wmu sync.Mutex
	w   *bufio.Writer
	c   net.Conn
	buf []byte
	// Diagnostics (PeerStats): unix nanoseconds of the last successful
	// flush and of the last frame read from the peer's connection.
	lastWrite, lastRead atomic.Int64
	dropped, dials      atomic.Uint64
	direct              atomic.Uint64 // messages SendNow wrote itself
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
	p.wmu.Lock()
	p.w, p.c = w, c
	p.wmu.Unlock()
	p.connected.Store(true)
	defer func() {
		p.wmu.Lock()
		p.w, p.c = nil, nil
		p.wmu.Unlock()
	}()
	for {
		select {
		case m := <-p.queue:
			if err := p.writeBurst(m); err != nil {
				return err
			}
		case err := <-closed:
			return err
		case <-p.ctx.Done():
			return p.ctx.Err()
		}
	}
}

// writeBurst writes m and whatever else is queued, and flushes them.
func (p *tcpPeer) writeBurst(m *pb.Message) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if p.w == nil {
		return errors.New("connection closed after a failed write")
	}
	if err := p.writeLocked(m); err != nil {
		return err
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
	var err error
	p.buf, err = proto.MarshalOptions{}.MarshalAppend(append(p.buf[:0], 0, 0, 0, 0), m)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	binary.LittleEndian.PutUint32(p.buf, uint32(len(p.buf)-4))
	if cap(p.buf) > 1<<20 {
		defer func() { p.buf = nil }() // keep small buffers; let big ones go
	}
	_, err = p.w.Write(p.buf)
	return err
}

func (p *tcpPeer) flushLocked() error {
	p.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := p.w.Flush(); err != nil {
		return err
	}
	p.lastWrite.Store(time.Now().UnixNano())
	return nil
}

// SendNow sends one small message (a read-index request or its answer)
// from the calling goroutine when its peer's connection is up, nothing is
// queued for it and its writer is not writing: it saves the hand-off to
// the peer's writer goroutine, which on a follower read was a goroutine
// wake-up on both ends of each read-index round. Otherwise it queues the
// message as Send does. It does not wait for the writer, but the write
// itself may wait while the peer's socket buffer is full (at most the
// write deadline): call it only where that is acceptable, never on the
// Ready loop. A message sent this way may overtake one the writer took
// from the queue but has not written yet; raft does not depend on the
// order of messages (it runs over lossy networks that reorder).
func (t *TCPTransport) SendNow(m *pb.Message) {
	p := t.peer(m.GetTo())
	if p == nil || t.dropped(p.id) || m.GetType() == pb.MessageType_MsgSnap || len(p.queue) > 0 || !p.wmu.TryLock() {
		t.Send([]*pb.Message{m})
		return
	}
	if p.w == nil {
		p.wmu.Unlock()
		t.Send([]*pb.Message{m})
		return
	}
	err := p.writeLocked(m)
	if err == nil {
		err = p.flushLocked()
	}
	if err == nil {
		p.direct.Add(1)
	} else {
		// The connection is broken: closing it ends its writeLoop, which
		// redials; the message is lost, as on a lossy network.
		p.c.Close()
		p.w = nil
	}
	p.wmu.Unlock()
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
