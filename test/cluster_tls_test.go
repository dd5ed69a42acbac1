package test

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// raftTLSRefused dials a raft port over TLS with cfg and reports whether
// the node refused the connection (at the handshake, or, in TLS 1.3 where
// the client finishes first, at the first read after it).
func raftTLSRefused(addr string, cfg *tls.Config) bool {
	d := &net.Dialer{Timeout: 2 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return true
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	_, err = c.Read(b[:])
	// refused: the server's alert (bad or missing certificate) or a close;
	// accepted: the read times out (a member's connection is only read)
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// TestClusterRaftMutualTLS (issue 12): a three-node cluster started with
// --certs-dir speaks mutual TLS on its raft ports. A TLS client without a
// certificate, one with a client certificate the same CA signed (not a
// node's), plain-text raft frames and 1,000 connections of random bytes
// are all refused, while six writers run: every node stays up, no
// acknowledged commit is lost, the term does not move (nothing of theirs
// reached raft), and the nodes log the refusals.
func TestClusterRaftMutualTLS(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	certs := t.TempDir()
	logdbCert(t, "create-ca", "--certs-dir", certs)
	logdbCert(t, "create-node", "--certs-dir", certs, "127.0.0.1", "localhost")
	logdbCert(t, "create-client", "--certs-dir", certs, "alice")
	c := mustStartCluster(t, 3, "--certs-dir", certs)
	setup := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, setup, "CREATE TABLE raft_tls (id bigint PRIMARY KEY, writer int NOT NULL)")
	load := startWriteLoad(ctx, c, "raft_tls", 6)
	for load.ackedCount() < 50 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	lead := c.mustLeader(ctx)
	ms, err := c.members(ctx, lead)
	if err != nil {
		t.Fatal(err)
	}
	term := ms[0].term

	alice, err := tls.LoadX509KeyPair(filepath.Join(certs, "client.alice.crt"), filepath.Join(certs, "client.alice.key"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := tls.LoadX509KeyPair(filepath.Join(certs, "node.crt"), filepath.Join(certs, "node.key"))
	if err != nil {
		t.Fatal(err)
	}
	for id := uint64(1); id <= 3; id++ {
		addr := c.raft[id]
		if !raftTLSRefused(addr, &tls.Config{InsecureSkipVerify: true}) {
			t.Errorf("node %d's raft port accepted a TLS client without a certificate", id)
		}
		if !raftTLSRefused(addr, &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{alice}}) {
			t.Errorf("node %d's raft port accepted a client certificate (not a node's)", id)
		}
		sendRaft(t, addr, []byte{2, 0, 0, 0, 0x08, 0x02}) // plain text: the 6-byte empty MsgProp
	}
	// The harness's own check works: a node certificate is accepted.
	if raftTLSRefused(c.raft[1], &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{node}}) {
		t.Errorf("node 1's raft port refused a node certificate")
	}

	const garbage = 1000
	var wg sync.WaitGroup
	var mu sync.Mutex
	dialed := 0
	for g := range 10 {
		wg.Go(func() {
			buf := make([]byte, 512)
			for i := g; i < garbage; i += 10 {
				conn, err := net.DialTimeout("tcp", c.raft[uint64(i%3+1)], 2*time.Second)
				if err != nil {
					continue
				}
				rand.Read(buf)
				conn.SetDeadline(time.Now().Add(2 * time.Second))
				conn.Write(buf[:1+i%len(buf)])
				conn.Close()
				mu.Lock()
				dialed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if dialed < garbage*9/10 {
		t.Errorf("only %d of %d garbage connections could be made", dialed, garbage)
	}

	load.finishAfterAttack(t, c, "raft_tls", "garbage")
	ms, err = c.members(ctx, c.mustLeader(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].term != term {
		t.Errorf("the term moved from %d to %d while the raft ports were attacked", term, ms[0].term)
	}
	for id := uint64(1); id <= 3; id++ {
		b, err := os.ReadFile(c.Nodes[id].Log)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "kind=tls-handshake") {
			t.Errorf("node %d's log does not show a refused TLS handshake", id)
		}
		if strings.Contains(string(b), "panic") {
			t.Errorf("node %d's log mentions a panic", id)
		}
	}
	fmt.Printf("raft mutual TLS: %d garbage connections refused, %d commits acknowledged, term %d throughout, errors %v\n",
		dialed, load.ackedCount(), term, load.errs)
}
