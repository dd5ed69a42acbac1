package replication

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"time"

	"logdb/changefeed"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Conn is the connection's side of START_REPLICATION's COPY-both stream;
// pgwire implements it. SendCopyData and Flush are called by Run's
// goroutine, ReceiveCopyData by another one (one reader, one writer).
type Conn interface {
	SendCopyData(data []byte) error
	Flush() error
	// ReceiveCopyData returns the payload of the client's next CopyData,
	// io.EOF at its CopyDone, or the error that ends the connection.
	ReceiveCopyData() ([]byte, error)
	// SendCopyDone answers the client's CopyDone.
	SendCopyDone() error
}

// Stream is one START_REPLICATION: it reads the subscription, frames
// transactions, encodes them with the plugin and sends them as XLogData,
// sends keepalives, and reads the client's standby status updates.
type Stream struct {
	Conn   Conn
	Sub    *changefeed.Subscription // opened with Progress, from Start's entry
	Plugin Plugin
	// Start is the position the client asked for (or its slot's, if
	// later): a transaction is sent, whole, unless its commit position
	// (Change.TxnEnd) is at or below Start, as in PostgreSQL.
	Start uint64
	// Confirm durably records that the client flushed everything up to
	// lsn (the slot's confirmed_flush_lsn). Called from its own goroutine,
	// one call at a time, with the latest position.
	Confirm func(ctx context.Context, lsn uint64) error
	// Timeout ends a stream whose client said nothing for that long
	// (wal_sender_timeout); a keepalive asks for a reply at half of it.
	Timeout time.Duration
	// Progress is told what was sent and confirmed (pg_stat_replication).
	Progress func(sent, write, flush, apply uint64)
}

// ErrStreamBroken wraps an error after which the connection cannot go on
// (the client's half of the stream is in an unknown state): the caller
// reports it and closes the connection.
var ErrStreamBroken = errors.New("replication: stream broken")

type changeResult struct {
	c   changefeed.Change
	err error
}

type clientMessage struct {
	data []byte
	err  error
}

// Run streams until the client ends the stream with CopyDone (nil: the
// caller sends CommandComplete) or something fails (wrapped in
// ErrStreamBroken when the connection must end).
func (st *Stream) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()

	changes := make(chan changeResult, 256)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := st.Sub.Next(ctx)
			select {
			case changes <- changeResult{c, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	// The client reader is not waited for: after an error it may still be
	// blocked reading a connection that is about to be closed.
	client := make(chan clientMessage, 16)
	go func() {
		for {
			b, err := st.Conn.ReceiveCopyData()
			if b != nil {
				b = append([]byte(nil), b...)
			}
			select {
			case client <- clientMessage{b, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()

	cw := newConfirmer(st.Confirm)
	defer cw.finish()

	w := &xlogWriter{conn: st.Conn, sent: st.Start}
	tx := &txnFramer{st: st, w: w}
	timeout := st.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	lastHeard := time.Now()
	pinged := false
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	report := func() {
		if st.Progress != nil {
			st.Progress(w.sent, cw.written, cw.flushed(), cw.applied)
		}
	}
	for {
		select {
		case r := <-changes:
			for {
				if r.err != nil {
					return brokenf(r.err)
				}
				if err := tx.handle(&r.c); err != nil {
					return err
				}
				select {
				case r = <-changes:
					continue
				default:
				}
				break
			}
			if err := w.flush(); err != nil {
				return err
			}
			report()
		case m := <-client:
			if m.err == io.EOF {
				// CopyDone: answer it; the stream ends cleanly.
				if err := st.Conn.SendCopyDone(); err != nil {
					return brokenf(err)
				}
				return nil
			}
			if m.err != nil {
				return brokenf(m.err)
			}
			lastHeard, pinged = time.Now(), false
			reply, err := cw.clientMessage(m.data)
			if err != nil {
				return err
			}
			if reply {
				if err := w.keepalive(false); err != nil {
					return err
				}
			}
			report()
		case <-tick.C:
			idle := time.Since(lastHeard)
			if idle > timeout {
				return fmtBroken(pgerror.New(pgerror.ConnectionException, "terminating walsender process due to replication timeout"))
			}
			if idle > timeout/2 && !pinged {
				pinged = true
				if err := w.keepalive(true); err != nil {
					return err
				}
			}
		case <-ctx.Done():
			return brokenf(ctx.Err())
		}
	}
}

func brokenf(err error) error {
	if errors.Is(err, ErrStreamBroken) {
		return err
	}
	return fmtBroken(err)
}

type brokenError struct{ err error }

func (e *brokenError) Error() string { return e.err.Error() }
func (e *brokenError) Unwrap() []error {
	return []error{ErrStreamBroken, e.err}
}

func fmtBroken(err error) error { return &brokenError{err} }

// xlogWriter sends XLogData ('w') and keepalive ('k') messages.
type xlogWriter struct {
	conn    Conn
	sent    uint64 // walEnd: everything at or below it has been sent
	buf     []byte
	pending bool
}

func pgNow() uint64 { return uint64(types.TimeToPG(time.Now())) }

func (w *xlogWriter) data(lsn uint64, payload []byte) error {
	w.buf = append(w.buf[:0], 'w')
	w.buf = binary.BigEndian.AppendUint64(w.buf, lsn)
	w.buf = binary.BigEndian.AppendUint64(w.buf, max(w.sent, lsn))
	w.buf = binary.BigEndian.AppendUint64(w.buf, pgNow())
	w.buf = append(w.buf, payload...)
	w.pending = true
	if err := w.conn.SendCopyData(w.buf); err != nil {
		return brokenf(err)
	}
	return nil
}

func (w *xlogWriter) keepalive(replyRequested bool) error {
	w.buf = append(w.buf[:0], 'k')
	w.buf = binary.BigEndian.AppendUint64(w.buf, w.sent)
	w.buf = binary.BigEndian.AppendUint64(w.buf, pgNow())
	var r byte
	if replyRequested {
		r = 1
	}
	w.buf = append(w.buf, r)
	if err := w.conn.SendCopyData(w.buf); err != nil {
		return brokenf(err)
	}
	w.pending = true
	return w.flush()
}

func (w *xlogWriter) flush() error {
	if !w.pending {
		return nil
	}
	w.pending = false
	if err := w.conn.Flush(); err != nil {
		return brokenf(err)
	}
	return nil
}

// txnFramer turns the subscription's changes into the plugin's
// transactions: Begin before a transaction's first change, Commit after
// its last, messages outside transactions alone. While the start is in
// the middle of an entry it holds that entry's changes until its last one
// tells the transaction's commit position: past the start, the whole
// transaction is sent again (the client had not confirmed its end);
// otherwise none of it is.
type txnFramer struct {
	st       *Stream
	w        *xlogWriter
	inTxn    bool
	held     []changefeed.Change // the start entry's changes, while undecided
	holdDone bool
}

func (t *txnFramer) emit(lsn uint64, payload []byte) error {
	return t.w.data(lsn, payload)
}

func (t *txnFramer) handle(c *changefeed.Change) error {
	if c.Op == changefeed.OpProgress {
		if c.LSN > t.w.sent && !t.inTxn {
			t.w.sent = c.LSN
			return t.w.keepalive(false)
		}
		return nil
	}
	start := t.st.Start
	if !t.holdDone {
		if changefeed.IndexOf(c.LSN) == changefeed.IndexOf(start) && changefeed.SeqOf(start) != 0 {
			t.held = append(t.held, cloneChange(c))
			if !c.LastInTxn {
				return nil
			}
			held := t.held
			t.held, t.holdDone = nil, true
			if held[len(held)-1].TxnEnd <= start {
				return nil // the client confirmed the whole transaction
			}
			for i := range held {
				if err := t.send(&held[i]); err != nil {
					return err
				}
			}
			return nil
		}
		t.holdDone = true
	}
	return t.send(c)
}

func cloneChange(c *changefeed.Change) changefeed.Change {
	d := *c
	d.OldRow = append([]byte(nil), c.OldRow...)
	d.NewRow = append([]byte(nil), c.NewRow...)
	d.Content = append([]byte(nil), c.Content...)
	if c.OldRow == nil {
		d.OldRow = nil
	}
	if c.NewRow == nil {
		d.NewRow = nil
	}
	return d
}

func (t *txnFramer) send(c *changefeed.Change) error {
	p := t.st.Plugin
	if c.Op == changefeed.OpMessage && !c.Transactional {
		if !p.WantsMessages() {
			return nil
		}
		if err := p.Message(t.emit, c, false); err != nil {
			return err
		}
		t.w.sent = max(t.w.sent, c.LSN)
		return nil
	}
	wanted := p.Wants(c)
	if wanted && !t.inTxn {
		t.inTxn = true
		if err := p.Begin(t.emit, c); err != nil {
			return err
		}
	}
	if wanted {
		var err error
		if c.Op == changefeed.OpMessage {
			err = p.Message(t.emit, c, true)
		} else {
			err = p.Change(t.emit, c)
		}
		if err != nil {
			return err
		}
	}
	if c.LastInTxn && t.inTxn {
		t.inTxn = false
		if err := p.Commit(t.emit, c); err != nil {
			return err
		}
	}
	if !t.inTxn {
		t.w.sent = max(t.w.sent, c.LSN, c.TxnEnd)
	}
	return nil
}
