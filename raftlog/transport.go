package raftlog

import (
	"context"
	"io"

	pb "go.etcd.io/raft/v3/raftpb"
)

// Transport carries raft messages between the nodes of a group. A
// single-node group needs none. The Ready loop calls Send after the batch's
// entries and HardState are durable, so Send must never block on the
// network: queue per peer and drop when a peer is slow (raft retransmits).
// The read-index requests and answers (reads.go, lease.go) are sent from
// other goroutines, concurrently with the Ready loop.
type Transport interface {
	// Start begins delivering inbound messages to h. Called once by Open.
	Start(h MessageHandler) error
	// Send queues messages for their destination (m.GetTo()). It must not
	// block and must not retain or mutate the messages after returning
	// unless it copies them.
	Send(msgs []*pb.Message)
	// UpdatePeers sets the members' addresses (id → host:port), adding
	// and removing peers; Open calls it before Start and again whenever
	// membership changes. The transport copies the map.
	UpdatePeers(peers map[uint64]string)
	// Close stops the transport and waits for its goroutines.
	Close() error
}

// MessageHandler is what a Transport delivers into: the Node implements it.
type MessageHandler interface {
	// Step hands an inbound raft message to the node.
	Step(ctx context.Context, m *pb.Message) error
	// ReportUnreachable tells raft that sending to id failed, so it probes
	// instead of streaming.
	ReportUnreachable(id uint64)
	// SendSnapshot streams the state for an outbound MsgSnap to w and
	// returns the trailer to send after it (see snapshot.go).
	SendSnapshot(w io.Writer) (trailer []byte, err error)
	// ReceiveSnapshot stores an inbound MsgSnap's data, read from data to
	// EOF, then reads the trailer and steps the completed message.
	ReceiveSnapshot(ctx context.Context, m *pb.Message, data io.Reader, trailer func() ([]byte, error)) error
	// ReportSnapshot tells raft whether a snapshot reached peer id.
	ReportSnapshot(id uint64, failed bool)
}
