package replication

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"logdb/sql/pgerror"
)

// confirmer reads the client's standby messages and records its flush
// position through Confirm, on its own goroutine: a slow proposal never
// holds up the stream, and positions that arrive meanwhile are merged into
// the next call (the latest one wins).
type confirmer struct {
	confirm func(ctx context.Context, lsn uint64) error

	written, applied uint64 // what the client last reported

	mu        sync.Mutex
	wanted    uint64 // latest flush position reported
	confirmed uint64 // latest one recorded
	signal    chan struct{}
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
}

func newConfirmer(confirm func(ctx context.Context, lsn uint64) error) *confirmer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &confirmer{confirm: confirm, signal: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go c.run()
	return c
}

func (c *confirmer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.signal:
		case <-c.ctx.Done():
			return
		}
		c.confirmLatest(c.ctx)
	}
}

func (c *confirmer) confirmLatest(ctx context.Context) {
	c.mu.Lock()
	lsn := c.wanted
	c.mu.Unlock()
	if lsn == 0 || lsn <= c.confirmedLSN() || c.confirm == nil {
		return
	}
	if err := c.confirm(ctx, lsn); err != nil {
		return // the next report retries; the client resends its position
	}
	c.mu.Lock()
	c.confirmed = max(c.confirmed, lsn)
	c.mu.Unlock()
}

func (c *confirmer) confirmedLSN() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.confirmed
}

func (c *confirmer) flushed() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wanted
}

// finish stops the goroutine and records the last position reported, so
// that a client that ends the stream cleanly finds its slot where it left
// it.
func (c *confirmer) finish() {
	c.cancel()
	<-c.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.confirmLatest(ctx)
}

// clientMessage handles one CopyData from the client: a standby status
// update ('r'), which may ask for a keepalive at once, or hot standby
// feedback ('h', ignored: there is no physical standby to protect).
func (c *confirmer) clientMessage(b []byte) (replyRequested bool, err error) {
	if len(b) == 0 {
		return false, fmtBroken(pgerror.New(pgerror.ProtocolViolation, "invalid standby message: empty"))
	}
	switch b[0] {
	case 'r':
		if len(b) < 1+8*4+1 {
			return false, fmtBroken(pgerror.New(pgerror.ProtocolViolation, "insufficient data left in message"))
		}
		c.written = binary.BigEndian.Uint64(b[1:])
		flush := binary.BigEndian.Uint64(b[9:])
		c.applied = binary.BigEndian.Uint64(b[17:])
		c.mu.Lock()
		moved := flush > c.wanted
		if moved {
			c.wanted = flush
		}
		c.mu.Unlock()
		if moved {
			select {
			case c.signal <- struct{}{}:
			default:
			}
		}
		return b[33] != 0, nil
	case 'h':
		return false, nil
	}
	return false, fmtBroken(pgerror.New(pgerror.ProtocolViolation, "unexpected message type \"%c\"", b[0]))
}
