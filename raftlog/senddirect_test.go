package raftlog

import (
	"bufio"
	"context"
	"io"
	"net"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// recvHandler is a MessageHandler that hands inbound messages to a channel.
type recvHandler struct{ got chan *pb.Message }

func (h recvHandler) Step(_ context.Context, m *pb.Message) error {
	select {
	case h.got <- m:
	default: // the test stopped reading
	}
	return nil
}
func (recvHandler) ReportUnreachable(uint64)               {}
func (recvHandler) SendSnapshot(io.Writer) ([]byte, error) { return nil, nil }
func (recvHandler) ReceiveSnapshot(context.Context, *pb.Message, io.Reader, func() ([]byte, error)) error {
	return nil
}
func (recvHandler) ReportSnapshot(uint64, bool) {}

func mustStartTransport(t *testing.T, id uint64, ln net.Listener, addrs map[uint64]string) (*TCPTransport, recvHandler) {
	t.Helper()
	tr := NewTCPTransport(id, ln, addrs, nil)
	h := recvHandler{got: make(chan *pb.Message, 16)}
	if err := tr.Start(h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr, h
}

func readIndexMsg(from, to, id uint64) *pb.Message {
	return &pb.Message{Type: pb.MessageType_MsgReadIndex.Enum(), From: new(from), To: new(to),
		Entries: []*pb.Entry{{Data: []byte{byte(id), 0, 0, 0, 0, 0, 0, 0}}}}
}

func waitMsg(t *testing.T, ctx context.Context, h recvHandler, id byte) {
	t.Helper()
	for {
		select {
		case m := <-h.got:
			if m.GetEntries()[0].GetData()[0] == id {
				return
			}
		case <-ctx.Done():
			t.Fatalf("message %d never arrived", id)
		}
	}
}

// Send writes on the peer's connection from the caller when the writer is
// idle, queues while no connection is up (the message then goes out once
// one is), and survives the peer going away and coming back.
func TestTransportSendDirect(t *testing.T) {
	ctx := testCtx(t)
	lns := map[uint64]net.Listener{}
	addrs := map[uint64]string{}
	for id := uint64(1); id <= 2; id++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[id], addrs[id] = ln, ln.Addr().String()
	}
	a, _ := mustStartTransport(t, 1, lns[1], addrs)
	b, hb := mustStartTransport(t, 2, lns[2], addrs)

	// Before the connection is up the message is queued, and delivered.
	a.Send([]*pb.Message{readIndexMsg(1, 2, 1)})
	waitMsg(t, ctx, hb, 1)
	for !a.Connected(2) {
		if ctx.Err() != nil {
			t.Fatal("never connected")
		}
		time.Sleep(time.Millisecond)
	}
	// Once the writer is idle, Send writes itself (it may find the writer
	// busy with the first message's flush: then it queues).
	p := a.peer(2)
	for i := byte(2); p.direct.Load() == 0; i++ {
		if ctx.Err() != nil {
			t.Fatal("Send never wrote a message itself")
		}
		a.Send([]*pb.Message{readIndexMsg(1, 2, uint64(i))})
		waitMsg(t, ctx, hb, i)
	}

	// The write deadline the writer set for its last flush has passed:
	// Send still writes itself, on the same connection.
	p.wmu.Lock()
	p.c.SetWriteDeadline(time.Now().Add(-time.Second))
	p.wmu.Unlock()
	direct, dials := p.direct.Load(), p.dials.Load()
	a.Send([]*pb.Message{readIndexMsg(1, 2, 50)})
	waitMsg(t, ctx, hb, 50)
	if p.direct.Load() != direct+1 || p.dials.Load() != dials {
		t.Fatalf("after the writer's deadline passed: %d direct writes (want %d), %d dials (want %d)",
			p.direct.Load(), direct+1, p.dials.Load(), dials)
	}

	// The peer goes away: Send neither blocks nor panics on the broken
	// connection; once the peer is back, messages flow again.
	b.Close()
	for i := byte(100); i < 110; i++ {
		a.Send([]*pb.Message{readIndexMsg(1, 2, uint64(i))})
	}
	ln, err := net.Listen("tcp", addrs[2])
	if err != nil {
		t.Skipf("port %s taken again: %v", addrs[2], err)
	}
	_, hb2 := mustStartTransport(t, 2, ln, addrs)
	for i := byte(110); ; i++ {
		a.Send([]*pb.Message{readIndexMsg(1, 2, uint64(i))})
		select {
		case <-hb2.got:
			return
		case <-time.After(50 * time.Millisecond): // polling: send again
		case <-ctx.Done():
			t.Fatal("no message reached the restarted peer")
		}
	}
}

// A message larger than the socket takes at once is written in part by
// Send and finished by the writer goroutine before anything queued after
// it: the peer reads whole frames, in order.
func TestTransportSendDirectPartialWrite(t *testing.T) {
	ctx := testCtx(t)
	lnA, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lnB, err := net.Listen("tcp", "127.0.0.1:0") // a peer that reads only when told
	if err != nil {
		t.Fatal(err)
	}
	defer lnB.Close()
	a, _ := mustStartTransport(t, 1, lnA, map[uint64]string{1: lnA.Addr().String(), 2: lnB.Addr().String()})
	conn, err := lnB.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for !a.Connected(2) {
		if ctx.Err() != nil {
			t.Fatal("never connected")
		}
		time.Sleep(time.Millisecond)
	}
	big := readIndexMsg(1, 2, 1)
	big.Entries = append(big.Entries, &pb.Entry{Data: make([]byte, 4<<20)})
	a.Send([]*pb.Message{big})
	p := a.peer(2)
	p.wmu.Lock()
	partial := len(p.pending) > 0
	p.wmu.Unlock()
	if !partial {
		t.Log("the socket took the whole message at once: nothing left pending")
	}
	for i := uint64(2); i <= 4; i++ {
		a.Send([]*pb.Message{readIndexMsg(1, 2, i)})
	}
	r := bufio.NewReader(conn)
	var buf []byte
	f, err := readFrame(r, nil, &buf, 64<<20)
	if err != nil || f.hello != 1 {
		t.Fatalf("first frame %+v, %v; want a hello from 1", f, err)
	}
	for i := byte(1); i <= 4; i++ {
		f, err := readFrame(r, nil, &buf, 64<<20)
		if err != nil || f.msg == nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if got := f.msg.GetEntries()[0].GetData()[0]; got != i {
			t.Fatalf("frame %d carries message %d", i, got)
		}
		if i == 1 && len(f.msg.GetEntries()[1].GetData()) != 4<<20 {
			t.Fatalf("the big message arrived with %d bytes", len(f.msg.GetEntries()[1].GetData()))
		}
	}
}
