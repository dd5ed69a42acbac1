package test

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// raftFrame encodes m as the raft transport does: [u32 len][message].
func raftFrame(t *testing.T, m *pb.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// sendRaft writes frames to a raft port on one connection and closes it.
func sendRaft(t *testing.T, addr string, frames ...[]byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial raft port %s: %v", addr, err)
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	for _, f := range frames {
		if _, err := c.Write(f); err != nil {
			return // the node hung up on a refused frame: fine
		}
	}
	time.Sleep(20 * time.Millisecond)
}

// TestClusterHostileRaftFrames replays issue 11's raft-port attacks
// against a three-node cluster while six writers run: an empty MsgProp (6
// bytes), heartbeats committing far beyond the log, forged appends (from
// the leader's id and from a follower's, unframed and with an undecodable
// command), acknowledgements beyond the log, a read index without its
// entry, local-only types, a snapshot stream from a non-leader,
// announced 1 GiB frames, 100 KiB from a connection that named no member,
// and garbage. Every node stays up, the cluster
// keeps committing, no acknowledged commit is lost, and the nodes log the
// refusals. A forged higher term is also sent: without authentication it
// is a legitimate-looking message and costs an election, nothing more.
func TestClusterHostileRaftFrames(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	c := mustStartCluster(t, 3)
	setup := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, setup, "CREATE TABLE hostile (id bigint PRIMARY KEY, writer int NOT NULL)")
	load := startWriteLoad(ctx, c, "hostile", 6)
	time.Sleep(time.Second)

	msg := func(typ pb.MessageType, from, to, term uint64) *pb.Message {
		return &pb.Message{Type: typ.Enum(), From: new(from), To: new(to), Term: new(term)}
	}
	// A framed entry whose payload is no command: [version 1][id][junk].
	framed := func(node uint64, junk string) []byte {
		b := []byte{1}
		b = binary.LittleEndian.AppendUint64(b, node<<48|12345)
		return append(b, junk...)
	}
	for round := range 3 {
		lead := c.mustLeader(ctx)
		ms, err := c.members(ctx, lead)
		if err != nil {
			t.Fatal(err)
		}
		term := uint64(ms[0].term)
		applied := uint64(max(c.applied(ctx, lead), 1))
		for to := uint64(1); to <= 3; to++ {
			other := to%3 + 1 // a member, not the recipient
			leadOr := lead    // the leader's id, or another's when sending to the leader
			if to == lead {
				leadOr = other
			}
			addr := c.raft[to]
			sendRaft(t, addr, []byte{2, 0, 0, 0, 0x08, 0x02}) // the 6-byte empty MsgProp
			prop := msg(pb.MessageType_MsgProp, other, to, 0)
			sendRaft(t, addr, raftFrame(t, prop)) // empty MsgProp from a member
			hb := msg(pb.MessageType_MsgHeartbeat, leadOr, to, term)
			hb.Commit = new(uint64(1 << 40))
			sendRaft(t, addr, raftFrame(t, hb))
			app := msg(pb.MessageType_MsgApp, leadOr, to, term)
			app.Index, app.LogTerm, app.Commit = new(applied), new(term), new(applied+1)
			app.Entries = []*pb.Entry{{Index: new(applied + 1), Term: new(term), Data: []byte("forged")}}
			sendRaft(t, addr, raftFrame(t, app))
			app.Entries = []*pb.Entry{{Index: new(applied + 1), Term: new(term), Data: framed(leadOr, "not a command")}}
			sendRaft(t, addr, raftFrame(t, app))
			gap := msg(pb.MessageType_MsgApp, leadOr, to, term)
			gap.Index, gap.LogTerm = new(applied+100), new(term)
			gap.Entries = []*pb.Entry{{Index: new(uint64(1)), Term: new(term), Data: framed(leadOr, "x")}}
			sendRaft(t, addr, raftFrame(t, gap))
			if other != lead {
				sendRaft(t, addr, raftFrame(t, msg(pb.MessageType_MsgApp, other, to, term))) // a second leader of the term
			}
			resp := msg(pb.MessageType_MsgAppResp, other, to, term)
			resp.Index = new(uint64(1 << 40))
			sendRaft(t, addr, raftFrame(t, resp))
			sendRaft(t, addr, raftFrame(t, msg(pb.MessageType_MsgReadIndex, other, to, 0)))
			for _, typ := range []pb.MessageType{pb.MessageType_MsgHup, pb.MessageType_MsgBeat, pb.MessageType_MsgCheckQuorum,
				pb.MessageType_MsgUnreachable, pb.MessageType_MsgSnapStatus, pb.MessageType_MsgStorageAppend, pb.MessageType_MsgStorageApplyResp} {
				sendRaft(t, addr, raftFrame(t, msg(typ, other, to, term)))
			}
			snap := raftFrame(t, msg(pb.MessageType_MsgSnap, other, to, term))
			binary.LittleEndian.PutUint32(snap, binary.LittleEndian.Uint32(snap)|1<<31)
			sendRaft(t, addr, snap, []byte{0, 0, 16, 0})                                                      // a 1 MiB chunk announced, never sent
			sendRaft(t, addr, []byte{0xff, 0xff, 0xff, 0x3f})                                                 // a 1 GiB frame announced
			sendRaft(t, addr, raftFrame(t, &pb.Message{Entries: []*pb.Entry{{Data: make([]byte, 100<<10)}}})) // 100 KiB from a stranger
			sendRaft(t, addr, []byte{0xff, 0xff, 0xff, 0x7f})                                                 // a hello of 1 GiB
			sendRaft(t, addr, []byte{9, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
			sendRaft(t, addr, raftFrame(t, msg(pb.MessageType_MsgHeartbeat, 99, to, term))) // not a member
			if round == 2 && to == 3 {
				// A forged higher term from a member's id: an election.
				sendRaft(t, addr, raftFrame(t, msg(pb.MessageType_MsgHeartbeat, other, to, term+1000)))
			}
		}
		for id := uint64(1); id <= 3; id++ {
			if !c.running(id) {
				t.Fatalf("node %d exited after round %d of hostile frames\n%s", id, round, tailFile(c.Nodes[id].Log, 40))
			}
		}
	}
	// The cluster keeps committing.
	load.finishAfterAttack(t, c, "hostile", "hostile frames")
	for id := uint64(1); id <= 3; id++ {
		b, err := os.ReadFile(c.Nodes[id].Log)
		if err != nil {
			t.Fatal(err)
		}
		log := string(b)
		for _, kind := range []string{"kind=MsgProp", "kind=MsgHeartbeat", "kind=MsgApp", "kind=malformed-frame", "kind=frame-too-large", "kind=MsgHup", "kind=wrong-address"} {
			if !strings.Contains(log, kind) {
				t.Errorf("node %d's log does not show a refusal %s", id, kind)
			}
		}
		if strings.Contains(log, "panic") {
			t.Errorf("node %d's log mentions a panic", id)
		}
	}
	fmt.Printf("hostile raft frames: %d commits acknowledged, errors %v\n", load.ackedCount(), load.errs)
}
