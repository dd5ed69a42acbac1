package raftlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

func msgType(t pb.MessageType) *pb.MessageType { return t.Enum() }

func framedEntry(node uint64, index, term uint64, payload string) *pb.Entry {
	return &pb.Entry{Index: new(index), Term: new(term), Type: pb.EntryNormal.Enum(), Data: frame(node<<48|1, []byte(payload))}
}

func confChangeEntry(t *testing.T, cc proto.Message, v1 bool) *pb.Entry {
	t.Helper()
	b, err := proto.Marshal(cc)
	if err != nil {
		t.Fatal(err)
	}
	typ := pb.EntryConfChangeV2
	if v1 {
		typ = pb.EntryConfChange
	}
	return &pb.Entry{Type: typ.Enum(), Data: b}
}

// The table of issue 11's hostile messages and their kin: each is refused
// before raft sees it, and what raft legitimately sends passes.
func TestCheckPeerMessage(t *testing.T) {
	addNode := &pb.ConfChangeV2{Changes: []*pb.ConfChangeSingle{{Type: pb.ConfChangeAddNode.Enum(), NodeId: new(uint64(4))}}, Context: []byte("127.0.0.1:7004")}
	bootstrap := &pb.ConfChange{Type: pb.ConfChangeAddNode.Enum(), NodeId: new(uint64(1))}
	twoChanges := &pb.ConfChangeV2{Changes: []*pb.ConfChangeSingle{
		{Type: pb.ConfChangeAddNode.Enum(), NodeId: new(uint64(4))}, {Type: pb.ConfChangeAddNode.Enum(), NodeId: new(uint64(5))}}}
	m := func(typ pb.MessageType, from, term uint64) *pb.Message {
		return &pb.Message{Type: msgType(typ), From: new(from), To: new(uint64(1)), Term: new(term)}
	}
	with := func(msg *pb.Message, f func(*pb.Message)) *pb.Message { f(msg); return msg }
	cases := []struct {
		name string
		msg  *pb.Message
		ok   bool
	}{
		{"heartbeat", m(pb.MessageType_MsgHeartbeat, 2, 3), true},
		{"append", with(m(pb.MessageType_MsgApp, 2, 3), func(x *pb.Message) {
			x.Index, x.LogTerm = new(uint64(5)), new(uint64(2))
			x.Entries = []*pb.Entry{framedEntry(3, 6, 3, "a"), {Index: new(uint64(7)), Term: new(uint64(3))}}
		}), true},
		{"append of a bootstrap conf change", with(m(pb.MessageType_MsgApp, 2, 3), func(x *pb.Message) {
			e := confChangeEntry(t, bootstrap, true)
			e.Index, e.Term = new(uint64(1)), new(uint64(1))
			x.Entries = []*pb.Entry{e}
		}), true},
		{"forwarded proposal", with(m(pb.MessageType_MsgProp, 2, 0), func(x *pb.Message) {
			x.Entries = []*pb.Entry{framedEntry(2, 0, 0, "p"), confChangeEntry(t, addNode, false)}
		}), true},
		{"read index", with(m(pb.MessageType_MsgReadIndex, 3, 0), func(x *pb.Message) { x.Entries = []*pb.Entry{{Data: []byte("ctx")}} }), true},
		{"vote", m(pb.MessageType_MsgPreVote, 3, 9), true},

		{"empty MsgProp (6 bytes on the wire)", m(pb.MessageType_MsgProp, 2, 0), false},
		{"MsgHup", m(pb.MessageType_MsgHup, 2, 0), false},
		{"MsgBeat", m(pb.MessageType_MsgBeat, 2, 0), false},
		{"MsgUnreachable", m(pb.MessageType_MsgUnreachable, 2, 0), false},
		{"MsgSnapStatus", m(pb.MessageType_MsgSnapStatus, 2, 0), false},
		{"MsgCheckQuorum", m(pb.MessageType_MsgCheckQuorum, 2, 0), false},
		{"MsgStorageAppend", m(pb.MessageType_MsgStorageAppend, 2, 3), false},
		{"MsgStorageApplyResp", m(pb.MessageType_MsgStorageApplyResp, 2, 3), false},
		{"MsgTimeoutNow", m(pb.MessageType_MsgTimeoutNow, 2, 3), false},
		{"MsgForgetLeader", m(pb.MessageType_MsgForgetLeader, 2, 3), false},
		{"MsgSnap outside a snapshot stream", m(pb.MessageType_MsgSnap, 2, 3), false},
		{"unknown type", m(pb.MessageType(77), 2, 3), false},
		{"from id 0", m(pb.MessageType_MsgHeartbeat, 0, 3), false},
		{"from this node", m(pb.MessageType_MsgHeartbeat, 1, 3), false},
		{"to another node", with(m(pb.MessageType_MsgHeartbeat, 2, 3), func(x *pb.Message) { x.To = new(uint64(3)) }), false},
		{"heartbeat without a term", m(pb.MessageType_MsgHeartbeat, 2, 0), false},
		{"proposal with a term", with(m(pb.MessageType_MsgProp, 2, 3), func(x *pb.Message) { x.Entries = []*pb.Entry{framedEntry(2, 0, 0, "p")} }), false},
		{"proposal without framing", with(m(pb.MessageType_MsgProp, 2, 0), func(x *pb.Message) { x.Entries = []*pb.Entry{{Data: []byte("junk")}} }), false},
		{"proposal of another node", with(m(pb.MessageType_MsgProp, 2, 0), func(x *pb.Message) { x.Entries = []*pb.Entry{framedEntry(3, 0, 0, "p")} }), false},
		{"proposal of a garbage conf change", with(m(pb.MessageType_MsgProp, 2, 0), func(x *pb.Message) {
			x.Entries = []*pb.Entry{{Type: pb.EntryConfChangeV2.Enum(), Data: []byte{0xff, 0xff, 0xff}}}
		}), false},
		{"proposal of a joint conf change", with(m(pb.MessageType_MsgProp, 2, 0), func(x *pb.Message) { x.Entries = []*pb.Entry{confChangeEntry(t, twoChanges, false)} }), false},
		{"read index without its entry", m(pb.MessageType_MsgReadIndex, 2, 0), false},
		{"append with a gap", with(m(pb.MessageType_MsgApp, 2, 3), func(x *pb.Message) {
			x.Index, x.LogTerm = new(uint64(100)), new(uint64(2))
			x.Entries = []*pb.Entry{framedEntry(2, 1, 3, "a")}
		}), false},
		{"append of an unframed entry", with(m(pb.MessageType_MsgApp, 2, 3), func(x *pb.Message) {
			x.Index, x.LogTerm = new(uint64(5)), new(uint64(2))
			x.Entries = []*pb.Entry{{Index: new(uint64(6)), Term: new(uint64(3)), Data: []byte("forged")}}
		}), false},
		{"append of an entry from the future", with(m(pb.MessageType_MsgApp, 2, 3), func(x *pb.Message) {
			x.Index, x.LogTerm = new(uint64(5)), new(uint64(2))
			x.Entries = []*pb.Entry{framedEntry(2, 6, 4, "a")}
		}), false},
		{"append whose indexes overflow", with(m(pb.MessageType_MsgApp, 2, 3), func(x *pb.Message) {
			x.Index, x.LogTerm = new(uint64(1<<64-1)), new(uint64(2))
			x.Entries = []*pb.Entry{framedEntry(2, 0, 3, "a")}
		}), false},
		{"a term that would wrap around", m(pb.MessageType_MsgHeartbeat, 2, 1<<64-1), false},
		{"heartbeat with entries", with(m(pb.MessageType_MsgHeartbeat, 2, 3), func(x *pb.Message) { x.Entries = []*pb.Entry{framedEntry(2, 6, 3, "a")} }), false},
	}
	for _, c := range cases {
		err := checkPeerMessage(c.msg, 1, false, nil)
		if (err == nil) != c.ok {
			t.Errorf("%s: checkPeerMessage = %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrRefusedMessage) {
			t.Errorf("%s: %v does not wrap ErrRefusedMessage", c.name, err)
		}
	}
	// What raft would panic on given its state.
	status := func() (uint64, uint64) { return 3, 2 }
	for _, c := range []struct {
		name string
		msg  *pb.Message
		ok   bool
	}{
		{"heartbeat within the log", with(m(pb.MessageType_MsgHeartbeat, 2, 3), func(x *pb.Message) { x.Commit = new(uint64(10)) }), true},
		{"heartbeat committing beyond the log", with(m(pb.MessageType_MsgHeartbeat, 2, 3), func(x *pb.Message) { x.Commit = new(uint64(1 << 40)) }), false},
		{"acknowledgement beyond the log", with(m(pb.MessageType_MsgAppResp, 3, 3), func(x *pb.Message) { x.Index = new(uint64(11)) }), false},
		{"append from a second leader of the term", m(pb.MessageType_MsgApp, 3, 3), false},
		{"heartbeat of a higher term", m(pb.MessageType_MsgHeartbeat, 3, 4), true},
	} {
		if err := admitMessage(c.msg, 10, status); (err == nil) != c.ok {
			t.Errorf("%s: admitMessage = %v, want ok=%v", c.name, err, c.ok)
		}
	}
	if checkConfState(&pb.ConfState{}) == nil || checkConfState(&pb.ConfState{Voters: []uint64{1, 2}, Learners: []uint64{2}}) == nil ||
		checkConfState(&pb.ConfState{Voters: []uint64{1, 2, 3}}) != nil {
		t.Error("checkConfState")
	}
}

// fuzzRaft is a raft node with storage, driven like the Ready loop.
type fuzzRaft struct {
	rn *raft.RawNode
	ms *raft.MemoryStorage
	cs *pb.ConfState
}

// newFuzzRaft returns node 1 of {1, 2, 3} with entries 1–5 of term 1 and
// commit 3: a follower of 2 in term 2, or (lead) the leader of term 3.
func newFuzzRaft(tb testing.TB, lead bool) *fuzzRaft {
	ms := raft.NewMemoryStorage()
	cs := &pb.ConfState{Voters: []uint64{1, 2, 3}}
	if err := ms.ApplySnapshot(&pb.Snapshot{Metadata: &pb.SnapshotMetadata{ConfState: cs, Index: new(uint64(1)), Term: new(uint64(1))}}); err != nil {
		tb.Fatal(err)
	}
	var ents []*pb.Entry
	for i := uint64(2); i <= 5; i++ {
		ents = append(ents, framedEntry(1, i, 1, "x"))
	}
	if err := ms.Append(ents); err != nil {
		tb.Fatal(err)
	}
	if err := ms.SetHardState(&pb.HardState{Term: new(uint64(2)), Commit: new(uint64(3))}); err != nil {
		tb.Fatal(err)
	}
	rn, err := raft.NewRawNode(&raft.Config{ID: 1, ElectionTick: 10, HeartbeatTick: 1, Storage: ms,
		MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, CheckQuorum: true, PreVote: true, Logger: discardRaftLogger{}})
	if err != nil {
		tb.Fatal(err)
	}
	f := &fuzzRaft{rn: rn, ms: ms, cs: cs}
	f.ready()
	if lead {
		if err := rn.Campaign(); err != nil {
			tb.Fatal(err)
		}
		f.ready()
		f.rn.Step(&pb.Message{Type: msgType(pb.MessageType_MsgPreVoteResp), From: new(uint64(2)), To: new(uint64(1)), Term: new(uint64(3))})
		f.ready()
		f.rn.Step(&pb.Message{Type: msgType(pb.MessageType_MsgVoteResp), From: new(uint64(2)), To: new(uint64(1)), Term: new(uint64(3))})
		f.ready()
		if st := rn.BasicStatus(); st.RaftState != raft.StateLeader {
			tb.Fatalf("fuzz node did not become leader: %v", st.RaftState)
		}
	} else {
		f.rn.Step(&pb.Message{Type: msgType(pb.MessageType_MsgHeartbeat), From: new(uint64(2)), To: new(uint64(1)), Term: new(uint64(2)), Commit: new(uint64(3))})
		f.ready()
	}
	return f
}

// ready handles Readies as Node does: persist, apply (conf changes
// through confChangeAllowed), Advance; messages out are dropped.
func (f *fuzzRaft) ready() {
	for f.rn.HasReady() {
		rd := f.rn.Ready()
		if !raft.IsEmptySnap(rd.Snapshot) {
			f.ms.ApplySnapshot(rd.Snapshot)
			f.cs = rd.Snapshot.GetMetadata().GetConfState()
		}
		f.ms.Append(rd.Entries)
		if !raft.IsEmptyHardState(rd.HardState) {
			f.ms.SetHardState(rd.HardState)
		}
		for _, e := range rd.CommittedEntries {
			var cc pb.ConfChangeI
			switch e.GetType() {
			case pb.EntryConfChange:
				c := &pb.ConfChange{}
				if proto.Unmarshal(e.GetData(), c) != nil {
					panic("committed conf change does not decode")
				}
				cc = c
			case pb.EntryConfChangeV2:
				c := &pb.ConfChangeV2{}
				if proto.Unmarshal(e.GetData(), c) != nil {
					panic("committed conf change does not decode")
				}
				cc = c
			case pb.EntryNormal:
				if _, _, err := decodeEntry(e); err != nil {
					panic("committed entry would stop the node: " + err.Error())
				}
			}
			if cc != nil && confChangeAllowed(f.cs, cc.AsV2()) {
				f.cs = f.rn.ApplyConfChange(cc)
			}
		}
		f.rn.Advance(rd)
	}
}

// deliver runs a peer's message through Node's checks and, if admitted,
// steps it.
func (f *fuzzRaft) deliver(m *pb.Message, snap bool) {
	if checkPeerMessage(m, 1, snap, nil) != nil {
		return
	}
	if from := m.GetFrom(); from != 2 && from != 3 { // Node.checkInbound: members only
		return
	}
	if snap {
		if m.GetSnapshot() == nil || checkConfState(pb.EnsureConfState(m.GetSnapshot().GetMetadata().GetConfState())) != nil {
			return
		}
	}
	last, _ := f.ms.LastIndex()
	if admitMessage(m, last, func() (uint64, uint64) { st := f.rn.BasicStatus(); return st.HardState.GetTerm(), st.Lead }) != nil {
		return
	}
	f.rn.Step(m)
	f.ready()
}

type discardRaftLogger struct{}

func (discardRaftLogger) Debug(...any)                   {}
func (discardRaftLogger) Debugf(string, ...any)          {}
func (discardRaftLogger) Error(...any)                   {}
func (discardRaftLogger) Errorf(string, ...any)          {}
func (discardRaftLogger) Info(...any)                    {}
func (discardRaftLogger) Infof(string, ...any)           {}
func (discardRaftLogger) Warning(...any)                 {}
func (discardRaftLogger) Warningf(string, ...any)        {}
func (discardRaftLogger) Fatal(v ...any)                 { panic(v) }
func (discardRaftLogger) Fatalf(format string, v ...any) { panic(format) }
func (discardRaftLogger) Panic(v ...any)                 { panic(v) }
func (discardRaftLogger) Panicf(format string, v ...any) { panic(format) }

func appendFrame(dst []byte, m *pb.Message, snap bool) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	n := uint32(len(b))
	if snap {
		n |= snapFlag
	}
	return append(binary.LittleEndian.AppendUint32(dst, n), b...)
}

// capturedFrames runs three raft nodes in memory (an election, framed
// proposals on the leader and forwarded from a follower, a read index) and
// returns every message they sent node 1, as frames: real traffic.
func capturedFrames(tb testing.TB) [][]byte {
	nodes := map[uint64]*raft.RawNode{}
	stores := map[uint64]*raft.MemoryStorage{}
	for id := uint64(1); id <= 3; id++ {
		ms := raft.NewMemoryStorage()
		rn, err := raft.NewRawNode(&raft.Config{ID: id, ElectionTick: 10, HeartbeatTick: 1, Storage: ms,
			MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, CheckQuorum: true, PreVote: true, Logger: discardRaftLogger{}})
		if err != nil {
			tb.Fatal(err)
		}
		if err := rn.Bootstrap([]raft.Peer{{ID: 1, Context: []byte("127.0.0.1:7001")}, {ID: 2, Context: []byte("127.0.0.1:7002")}, {ID: 3}}); err != nil {
			tb.Fatal(err)
		}
		nodes[id], stores[id] = rn, ms
	}
	var frames [][]byte
	pump := func() {
		for range 50 {
			var msgs []*pb.Message
			for id, rn := range nodes {
				for rn.HasReady() {
					rd := rn.Ready()
					stores[id].Append(rd.Entries)
					if !raft.IsEmptyHardState(rd.HardState) {
						stores[id].SetHardState(rd.HardState)
					}
					for _, e := range rd.CommittedEntries {
						if e.GetType() == pb.EntryConfChange {
							var cc pb.ConfChange
							proto.Unmarshal(e.GetData(), &cc)
							rn.ApplyConfChange(&cc)
						}
					}
					msgs = append(msgs, rd.Messages...)
					rn.Advance(rd)
				}
			}
			if len(msgs) == 0 {
				return
			}
			for _, m := range msgs {
				if m.GetTo() == 1 {
					frames = append(frames, appendFrame(nil, m, false))
				}
				nodes[m.GetTo()].Step(m)
			}
		}
	}
	pump()
	nodes[2].Campaign()
	pump()
	nodes[2].Propose(frame(2<<48|1, []byte("leader's")))
	nodes[3].Propose(frame(3<<48|1, []byte("forwarded")))
	nodes[1].ReadIndex([]byte("read"))
	pump()
	for range 3 {
		for _, rn := range nodes {
			rn.Tick()
		}
		pump()
	}
	if len(frames) < 5 {
		tb.Fatalf("captured only %d frames", len(frames))
	}
	return frames
}

// hostileFrames are issue 11's raft-port attacks, as frames for node 1.
func hostileFrames() [][]byte {
	m := func(typ pb.MessageType, from, term uint64) *pb.Message {
		return &pb.Message{Type: msgType(typ), From: new(from), To: new(uint64(1)), Term: new(term)}
	}
	hb := m(pb.MessageType_MsgHeartbeat, 2, 2)
	hb.Commit = new(uint64(1 << 40))
	app := m(pb.MessageType_MsgApp, 3, 2)
	app.Index, app.LogTerm = new(uint64(5)), new(uint64(1))
	app.Commit = new(uint64(6))
	app.Entries = []*pb.Entry{{Index: new(uint64(6)), Term: new(uint64(2)), Data: []byte("forged")}}
	resp := m(pb.MessageType_MsgAppResp, 2, 3)
	resp.Index = new(uint64(1 << 30))
	snap := m(pb.MessageType_MsgSnap, 2, 2)
	snap.Snapshot = &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: new(uint64(100)), Term: new(uint64(2)), ConfState: &pb.ConfState{}}}
	return [][]byte{
		{2, 0, 0, 0, 0x08, 0x02}, // the 6-byte empty MsgProp
		appendFrame(nil, hb, false),
		appendFrame(nil, app, false),
		appendFrame(nil, m(pb.MessageType_MsgHeartbeat, 3, 1<<40), false), // a forged higher term
		appendFrame(nil, resp, false),
		appendFrame(nil, m(pb.MessageType_MsgReadIndex, 2, 0), false),
		appendFrame(nil, m(pb.MessageType_MsgHup, 2, 0), false),
		appendFrame(nil, snap, true),
		{0xff, 0xff, 0xff, 0x3f}, // a 1 GiB frame announced
		{0xff, 0xff, 0xff, 0x7f}, // a 1 GiB hello
	}
}

// FuzzRaftFrames feeds byte streams to the transport's frame reader and
// every decoded message through the checks Node makes, into a follower
// and a leader driven like the Ready loop: nothing may panic, and no entry
// that would stop a node may commit. make test runs it a few seconds, make
// fuzz longer.
func FuzzRaftFrames(f *testing.F) {
	captured := capturedFrames(f)
	for _, fr := range captured {
		f.Add(fr)
	}
	for _, fr := range hostileFrames() {
		f.Add(fr)
	}
	f.Add(bytes.Join(captured, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		var msgs []*pb.Message
		var snaps []bool
		r := bytes.NewReader(data)
		var buf []byte
		for {
			f, err := readFrame(r, nil, &buf, 1<<20)
			if err != nil {
				break
			}
			if f.msg != nil {
				msgs, snaps = append(msgs, f.msg), append(snaps, f.snap)
			}
		}
		for _, lead := range []bool{false, true} {
			fr := newFuzzRaft(t, lead)
			for i, m := range msgs {
				fr.deliver(proto.Clone(m).(*pb.Message), snaps[i])
			}
		}
	})
}

func TestHostileFramesIntoRaft(t *testing.T) {
	for _, data := range append(hostileFrames(), bytes.Join(capturedFrames(t), nil)) {
		r := bytes.NewReader(data)
		var buf []byte
		for {
			f, err := readFrame(r, nil, &buf, 1<<20)
			if err != nil {
				break
			}
			if f.msg == nil {
				continue
			}
			for _, lead := range []bool{false, true} {
				newFuzzRaft(t, lead).deliver(proto.Clone(f.msg).(*pb.Message), f.snap)
			}
		}
	}
}

// The checks matter: raft itself panics on these (if it stops, the checks
// may be relaxed).
func TestRaftPanicsWithoutChecks(t *testing.T) {
	hb := &pb.Message{Type: msgType(pb.MessageType_MsgHeartbeat), From: new(uint64(2)), To: new(uint64(1)), Term: new(uint64(2)), Commit: new(uint64(1 << 40))}
	prop := &pb.Message{Type: msgType(pb.MessageType_MsgProp), From: new(uint64(2)), To: new(uint64(1))}
	for name, c := range map[string]struct {
		m    *pb.Message
		lead bool
	}{"heartbeat beyond the log": {hb, false}, "empty MsgProp": {prop, true}} {
		fr := newFuzzRaft(t, c.lead)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: raft did not panic", name)
				}
			}()
			fr.rn.Step(c.m)
		}()
		if checkPeerMessage(c.m, 1, false, nil) == nil && admitMessage(c.m, 5, func() (uint64, uint64) { return 2, 2 }) == nil {
			t.Errorf("%s: passes the checks", name)
		}
	}
}

// Strangers cannot crowd out the peers or make a node hold their frames:
// 200 idle connections to a follower's raft port (the oldest are closed
// beyond 64; the peers' own connections, which named themselves, stay), a
// 1 MiB frame from a connection that named no member (refused), and the
// group still commits, a 2 MiB entry included (a peer's large frame after
// its hello is fine), also after a member restarts and redials.
func TestTransportBoundsStrangers(t *testing.T) {
	ctx := testCtx(t)
	c := newTestCluster(t, 3)
	lead := c.leader(ctx)
	var follower *Node
	for _, n := range c.nodes {
		if n != lead {
			follower = n
		}
	}
	addr := c.addrs[follower.cfg.NodeID]
	var idle []net.Conn
	defer func() {
		for _, nc := range idle {
			nc.Close()
		}
	}()
	for range 200 {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, nc)
	}
	big, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	hdr := binary.LittleEndian.AppendUint32(nil, 1<<20)
	big.Write(append(hdr, make([]byte, 1<<20)...))

	proposeToLeader(t, ctx, c, "small")
	idx := proposeToLeader(t, ctx, c, string(make([]byte, 2<<20)))
	waitAppliedAll(t, ctx, c.nodes, idx)
	// A member restarts: its new connections replace strangers' and its own.
	id := lead.cfg.NodeID
	mustShutdown(t, lead)
	delete(c.nodes, id)
	c.start(id, nil)
	idx = proposeToLeader(t, ctx, c, "after the restart")
	waitAppliedAll(t, ctx, c.nodes, idx)

	refused := follower.Refused()
	if refused["too-many-connections"] == 0 || refused["frame-too-large"] == 0 {
		t.Fatalf("refusals counted: %v", refused)
	}
}
