package raftlog

import (
	"context"
	"net"
	"testing"
	"time"
)

// dialStaggered connects to a listening peer, fails at once (not as a
// timeout) when the peer refuses, and reports a timeout when nothing
// answers before it.
func TestDialStaggered(t *testing.T) {
	ctx := testCtx(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	c, err := dialStaggered(ctx, addr, time.Second, 10*time.Millisecond)
	if err != nil {
		t.Fatalf("dial a listener: %v", err)
	}
	c.Close()
	ln.Close()

	if _, err := dialStaggered(ctx, addr, 10*time.Second, 10*time.Millisecond); err == nil || dialTimedOut(err) {
		t.Fatalf("dial a closed port: %v; want a refusal, not a timeout", err)
	}

	// A canceled context stands in for a SYN that gets no answer: the
	// dial ends as a timeout once its own deadline passes.
	dctx, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	<-dctx.Done()
	if _, err := dialStaggered(dctx, addr, time.Second, 10*time.Millisecond); !dialTimedOut(err) {
		t.Fatalf("dial past its deadline: %v; want a timeout", err)
	}
}
