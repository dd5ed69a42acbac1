package raftlog

// Snapshot streams: a MsgSnap goes over a connection of its own, its state
// as chunks, then a trailer; the receiver acknowledges with one byte (see
// TCPTransport).

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// receiveSnapshot reads a snapshot's chunks and trailer after its MsgSnap
// frame, hands them to the node and acknowledges with one byte.
func (t *TCPTransport) receiveSnapshot(c net.Conn, r *bufio.Reader, m *pb.Message) {
	c.SetReadDeadline(time.Time{})
	data := &chunkReader{r: r, c: c}
	trailer := func() ([]byte, error) {
		var hdr [4]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, err
		}
		n := binary.LittleEndian.Uint32(hdr[:])
		if n > 16<<20 { // a ConfState and the members' addresses
			return nil, fmt.Errorf("trailer of %d bytes", n)
		}
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	if err := t.h.ReceiveSnapshot(t.ctx, m, data, trailer); err != nil {
		t.logger.Warn("snapshot from peer not installed", "peer", m.GetFrom(), "err", err)
		return
	}
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte{1})
}

// chunkReader reads [u32 n][n bytes] chunks until a zero chunk (EOF).
type chunkReader struct {
	r    *bufio.Reader
	c    net.Conn
	left uint32
	eof  bool
}

func (cr *chunkReader) Read(p []byte) (int, error) {
	for cr.left == 0 {
		if cr.eof {
			return 0, io.EOF
		}
		cr.c.SetReadDeadline(time.Now().Add(30 * time.Second))
		var hdr [4]byte
		if _, err := io.ReadFull(cr.r, hdr[:]); err != nil {
			return 0, err
		}
		cr.left = binary.LittleEndian.Uint32(hdr[:])
		if cr.left == 0 {
			cr.eof = true
		}
	}
	if uint32(len(p)) > cr.left {
		p = p[:cr.left]
	}
	n, err := cr.r.Read(p)
	cr.left -= uint32(n)
	return n, err
}

// chunkWriter frames writes as chunks; a write deadline per chunk keeps a
// dead receiver from holding the sender forever.
type chunkWriter struct {
	w *bufio.Writer
	c net.Conn
}

func (cw *chunkWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		k := min(len(p), snapChunk)
		cw.c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		var hdr [4]byte
		binary.LittleEndian.PutUint32(hdr[:], uint32(k))
		if _, err := cw.w.Write(hdr[:]); err != nil {
			return written, err
		}
		if _, err := cw.w.Write(p[:k]); err != nil {
			return written, err
		}
		written += k
		p = p[k:]
	}
	return written, nil
}

// snapLoop sends snapshots to the peer, one at a time, each on its own
// connection, and reports the outcome to raft.
func (p *tcpPeer) snapLoop() {
	for {
		select {
		case m := <-p.snapc:
			err := p.sendSnapshot(m)
			if err != nil && p.ctx.Err() == nil {
				p.t.logger.Warn("sending snapshot failed", "peer", p.id, "err", err)
			}
			p.t.h.ReportSnapshot(p.id, err != nil)
		case <-p.ctx.Done():
			return
		}
	}
}

func (p *tcpPeer) sendSnapshot(m *pb.Message) error {
	c, err := p.t.dial(p.ctx, p.addr)
	if err != nil {
		return err
	}
	if !p.t.track(c) {
		c.Close()
		return p.ctx.Err()
	}
	defer p.t.untrack(c)
	stop := context.AfterFunc(p.ctx, func() { c.Close() })
	defer stop()
	w := bufio.NewWriterSize(c, 64<<10)
	head := proto.Clone(m).(*pb.Message)
	head.Snapshot.Data = nil
	if b, ok := p.t.h.(interface{ SnapshotBound() int64 }); ok {
		if bound := b.SnapshotBound(); bound > 0 {
			head.Snapshot.Data = binary.LittleEndian.AppendUint64(nil, uint64(bound))
		}
	}
	b, err := proto.MarshalOptions{}.MarshalAppend(make([]byte, 4), head)
	if err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)-4)|snapFlag)
	c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := w.Write(b); err != nil {
		return err
	}
	tr, err := p.t.h.SendSnapshot(&chunkWriter{w: w, c: c})
	if err != nil {
		return err
	}
	b = binary.LittleEndian.AppendUint32(make([]byte, 0, 8+len(tr)), 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(tr)))
	b = append(b, tr...)
	if _, err := w.Write(b); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	// The receiver answers once the data is durable and raft has it.
	c.SetReadDeadline(time.Now().Add(time.Minute))
	var ack [1]byte
	if _, err := io.ReadFull(c, ack[:]); err != nil {
		return fmt.Errorf("no acknowledgement: %w", err)
	}
	return nil
}
