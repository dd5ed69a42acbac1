package pgwire

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// peerCheckDelay is how long a statement runs before the connection starts
// watching its socket for the client going away. Short statements never pay
// for the watch; long ones (a scan, a commit waiting on raft, SUBSCRIBE) are
// canceled soon after the client closes the socket — pgx cancels a query by
// closing its connection rather than sending a CancelRequest.
const peerCheckDelay = 50 * time.Millisecond

// aLongTimeAgo is a read deadline in the past, used to interrupt a blocked
// Read at once.
var aLongTimeAgo = time.Unix(1, 0)

// connReader sits between the socket and the pgproto3 Backend. While a
// statement executes nobody reads the socket, so a vanished client would go
// unnoticed until the next write; connReader can read one byte in the
// background (as net/http does while a handler runs) and report EOF through
// onGone. A byte read that way is handed to the next Read, so the message
// stream is unchanged.
//
// Read is called by the connection goroutine only; watch and unwatch too.
// mu guards the fields below it.
type connReader struct {
	conn   net.Conn
	onGone func() // called (from the background reader) when the peer is gone
	timer  *time.Timer

	mu      sync.Mutex
	cond    sync.Cond // signaled when inRead becomes false
	armed   bool      // a statement is running; the timer may start a read
	inRead  bool      // the background read is blocked in conn.Read
	aborted bool      // unwatch interrupted the background read
	hasByte bool      // byteBuf[0] was read in the background and not yet consumed
	byteBuf [1]byte
	err     error // sticky error seen by the background read
	sockErr error // the last error any read from the socket returned
}

func newConnReader(conn net.Conn, onGone func()) *connReader {
	r := &connReader{conn: conn, onGone: onGone}
	r.cond.L = &r.mu
	return r
}

func (r *connReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	if r.inRead {
		r.mu.Unlock()
		panic("BUG: pgwire: Read while a background read is in progress")
	}
	if r.hasByte && len(p) > 0 {
		p[0] = r.byteBuf[0]
		r.hasByte = false
		r.mu.Unlock()
		return 1, nil
	}
	if err := r.err; err != nil {
		r.mu.Unlock()
		return 0, err
	}
	r.mu.Unlock()
	n, err := r.conn.Read(p)
	if err != nil {
		r.mu.Lock()
		r.sockErr = err
		r.mu.Unlock()
	}
	return n, err
}

// clearSocketError forgets a read error that was deliberately caused (a
// deadline interrupting an idle read).
func (r *connReader) clearSocketError() {
	r.mu.Lock()
	r.sockErr = nil
	r.mu.Unlock()
}

// socketError returns the error the socket reported, if any: it tells a
// failed connection from a malformed message when a decoder fails.
func (r *connReader) socketError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sockErr != nil {
		return r.sockErr
	}
	return r.err
}

// watch arms the peer check for a statement about to run; unwatch must
// follow when it ends.
func (r *connReader) watch() {
	r.mu.Lock()
	r.armed = true
	r.mu.Unlock()
	if r.timer == nil {
		r.timer = time.AfterFunc(peerCheckDelay, r.backgroundRead)
	} else {
		r.timer.Reset(peerCheckDelay)
	}
}

// unwatch disarms the peer check and, if the background read is blocked,
// interrupts it and waits for it to return. It may be called again, or
// without watch.
func (r *connReader) unwatch() {
	if r.timer != nil {
		r.timer.Stop()
	}
	r.mu.Lock()
	r.armed = false
	if r.inRead {
		r.aborted = true
		r.conn.SetReadDeadline(aLongTimeAgo)
		for r.inRead {
			r.cond.Wait()
		}
		r.conn.SetReadDeadline(time.Time{})
		r.aborted = false
	}
	r.mu.Unlock()
}

func (r *connReader) backgroundRead() {
	r.mu.Lock()
	// inRead: a timer that fired for an earlier statement may still be on
	// its way here when the next statement re-arms; a second concurrent read
	// into byteBuf would lose a byte of the message stream.
	if !r.armed || r.inRead || r.hasByte || r.err != nil {
		r.mu.Unlock()
		return
	}
	r.inRead = true
	r.mu.Unlock()

	n, err := r.conn.Read(r.byteBuf[:])

	r.mu.Lock()
	gone := false
	if n == 1 {
		r.hasByte = true
		// A Terminate while a statement runs (a streaming COPY (SUBSCRIBE …)):
		// the client is leaving, as pgx's Close does; cancel as for EOF.
		gone = r.byteBuf[0] == 'X'
	}
	if err != nil && !(r.aborted && errors.Is(err, os.ErrDeadlineExceeded)) {
		r.err = err
		gone = true
	}
	r.inRead = false
	r.cond.Broadcast()
	r.mu.Unlock()
	if gone {
		r.onGone()
	}
}
