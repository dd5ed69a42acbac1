package pgwire

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestBackgroundReadNotDoubled replays the race behind an intermittent
// "invalid frontend message": a peer-check timer of an earlier statement
// fires late, while the next statement's timer starts a read too. Only one
// background read may be in flight, or a byte of the stream is lost.
func TestBackgroundReadNotDoubled(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	r := newConnReader(server, func() {})
	r.mu.Lock()
	r.armed = true
	r.mu.Unlock()

	go r.backgroundRead() // the current statement's peer check
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		in := r.inRead
		r.mu.Unlock()
		if in {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("background read never started")
		}
		time.Sleep(time.Millisecond)
	}
	stale := make(chan struct{})
	go func() { r.backgroundRead(); close(stale) }() // the late timer
	select {
	case <-stale:
	case <-time.After(200 * time.Millisecond):
		// It is blocked reading the socket alongside the first one: the
		// write below would hand each of them one byte.
	}

	go client.Write([]byte("QX"))
	// Let the background read(s) take what they can before the statement
	// ends: with one reader that is 'Q' (the pipe holds 'X' for the next
	// Read); with two, each takes a byte into the same buffer.
	for deadline := time.Now().Add(5 * time.Second); ; {
		r.mu.Lock()
		has := r.hasByte
		r.mu.Unlock()
		if has {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("background read got no byte")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	r.unwatch()
	// A lost byte would leave the read below blocked: fail instead of hanging.
	server.SetReadDeadline(time.Now().Add(2 * time.Second))
	got := make([]byte, 2)
	if _, err := io.ReadFull(r, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != "QX" {
		t.Fatalf("read %q through the connReader, want %q", got, "QX")
	}
}
