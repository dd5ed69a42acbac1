package raftlog

import (
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

func testApp(to, term, index, logTerm, commit uint64, ents ...uint64) *pb.Message {
	m := &pb.Message{Type: pb.MessageType_MsgApp.Enum(), From: proto.Uint64(1), To: proto.Uint64(to),
		Term: proto.Uint64(term), Index: proto.Uint64(index), LogTerm: proto.Uint64(logTerm), Commit: proto.Uint64(commit)}
	for _, i := range ents {
		m.Entries = append(m.Entries, &pb.Entry{Index: proto.Uint64(i), Term: proto.Uint64(term), Data: []byte("x")})
	}
	return m
}

func TestCoalesceAppends(t *testing.T) {
	hb := &pb.Message{Type: pb.MessageType_MsgHeartbeat.Enum(), From: proto.Uint64(1), To: proto.Uint64(2)}
	shared := testApp(2, 5, 10, 5, 9, 11, 12)
	backing := make([]*pb.Entry, 2, 3) // room to grow: a merge must not write into it
	copy(backing, shared.Entries)
	shared.Entries = backing
	msgs := []*pb.Message{
		shared,                       // to 2: 11..12
		testApp(3, 5, 10, 5, 9, 11),  // to 3: 11
		hb,                           // not an append: kept in place
		testApp(2, 5, 12, 5, 10),     // to 2: notice continuing 11..12: folded, commit 10
		testApp(2, 5, 12, 5, 11, 13), // to 2: 13 continues: folded
		testApp(3, 5, 12, 5, 11, 13), // to 3: does not continue 11 (gap): kept
		testApp(2, 6, 13, 5, 12, 14), // to 2: another term: kept
	}
	out := coalesceAppends(msgs, 1)
	if len(out) != 5 {
		t.Fatalf("%d messages after coalescing, want 5: %v", len(out), out)
	}
	m := out[0]
	if got := len(m.GetEntries()); got != 3 || m.GetEntries()[2].GetIndex() != 13 || m.GetCommit() != 11 || m.GetIndex() != 10 {
		t.Fatalf("merged append: %d entries, commit %d, index %d", got, m.GetCommit(), m.GetIndex())
	}
	if backing[:3][2] != nil {
		t.Fatal("the merge wrote into the first append's array")
	}
	if out[2] != hb || out[3].GetTo() != 3 || out[3].GetIndex() != 12 || out[4].GetTerm() != 6 {
		t.Fatalf("order or kept messages wrong: %v", out)
	}
	// A notice followed by an append from the same point: one message.
	out = coalesceAppends([]*pb.Message{testApp(2, 5, 20, 5, 19), testApp(2, 5, 20, 5, 19, 21)}, 1)
	if len(out) != 1 || len(out[0].GetEntries()) != 1 {
		t.Fatalf("notice then append: %v", out)
	}
	// Too large together: kept apart.
	big := testApp(2, 5, 30, 5, 29, 31)
	big.Entries[0].Data = make([]byte, coalesceLimit)
	out = coalesceAppends([]*pb.Message{big, testApp(2, 5, 31, 5, 30, 32)}, 1)
	if len(out) != 2 {
		t.Fatalf("oversized merge happened: %d messages", len(out))
	}
}
