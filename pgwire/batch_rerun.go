package pgwire

import (
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Running a batch again after its implicit transaction failed at Sync with
// 40001 (the argument is in package sql, batch_rerun.go). The connection
// records the batch's Parse, Bind, Describe and Execute messages as they
// arrive; its replies stay in the write buffer until Sync. When the
// commit fails with 40001, nothing of the batch reached the client, and
// the session says the batch was one implicit transaction with no effect
// that outlives a rollback, the replies are dropped and the messages run
// again (a named statement the first run prepared is not prepared twice),
// for at most rerunFor with a randomized backoff. Anything else in the
// batch (a simple Query, Close, Flush, a suspended portal, COPY), more
// than maxBatchRecord bytes of messages, or replies already written
// (over flushThreshold) leave the 40001 to the session's own replay and
// then to the client, as before.

const (
	// maxBatchRecord bounds the message bytes a connection keeps for a
	// re-run; a larger batch is not re-run.
	maxBatchRecord = 1 << 20
	// rerunFor bounds how long a batch is re-run while it keeps failing
	// with 40001 (as the session's autocommit retry).
	rerunFor = 10 * time.Second
)

// batchRecord is the current batch's messages and where its replies begin.
type batchRecord struct {
	msgs      []pgproto3.FrontendMessage
	size      int
	ok        bool   // every message so far was recorded
	mark      int    // len(w.buf) at the batch's start
	flushes   uint64 // w.flushes at the batch's start
	rerunning bool
}

// batchBegin starts recording a batch (its first message arrived).
func (c *conn) batchBegin() {
	clear(c.batch.msgs)
	c.batch = batchRecord{msgs: c.batch.msgs[:0], ok: true, mark: len(c.w.buf), flushes: c.w.flushes}
	if cap(c.batch.msgs) > 64 {
		c.batch.msgs = nil
	}
	c.sess.BatchStart()
}

// record keeps a copy of msg (pgproto3 reuses the decoded messages'
// buffers) or marks the batch as not re-runnable.
func (c *conn) record(msg pgproto3.FrontendMessage) {
	b := &c.batch
	if !b.ok || b.rerunning {
		return
	}
	var cp pgproto3.FrontendMessage
	switch m := msg.(type) {
	case *pgproto3.Parse:
		cp = &pgproto3.Parse{Name: m.Name, Query: m.Query, ParameterOIDs: append([]uint32(nil), m.ParameterOIDs...)}
		b.size += len(m.Name) + len(m.Query) + 4*len(m.ParameterOIDs)
	case *pgproto3.Bind:
		params := make([][]byte, len(m.Parameters))
		for i, p := range m.Parameters {
			if p != nil {
				params[i] = append([]byte{}, p...)
				b.size += len(p)
			}
		}
		cp = &pgproto3.Bind{DestinationPortal: m.DestinationPortal, PreparedStatement: m.PreparedStatement,
			ParameterFormatCodes: append([]int16(nil), m.ParameterFormatCodes...), Parameters: params,
			ResultFormatCodes: append([]int16(nil), m.ResultFormatCodes...)}
		b.size += len(m.DestinationPortal) + len(m.PreparedStatement) + 2*len(m.ParameterFormatCodes) + 4*len(m.Parameters) + 2*len(m.ResultFormatCodes)
	case *pgproto3.Describe:
		cp = &pgproto3.Describe{ObjectType: m.ObjectType, Name: m.Name}
		b.size += len(m.Name)
	case *pgproto3.Execute:
		cp = &pgproto3.Execute{Portal: m.Portal, MaxRows: m.MaxRows}
		b.size += len(m.Portal)
	case *pgproto3.Sync:
		return
	default:
		b.ok = false
		return
	}
	b.size += 16
	if b.size > maxBatchRecord {
		b.ok = false
		clear(b.msgs)
		b.msgs = b.msgs[:0]
		return
	}
	b.msgs = append(b.msgs, cp)
}

// rerunnable reports whether the batch could run again now: every message
// recorded and none of its replies sent.
func (c *conn) rerunnable() bool {
	return c.batch.ok && len(c.batch.msgs) > 0 && c.w.flushes == c.batch.flushes && c.w.err == nil && len(c.w.buf) >= c.batch.mark
}

// rerunBatch runs the batch again while its Sync fails with a 40001 the
// session allows re-running (err is the first Sync's error), and returns
// the last Sync's error.
func (c *conn) rerunBatch(err error) error {
	deadline := time.Now().Add(rerunFor)
	for attempt := 0; c.rerunnable() && c.sess.RerunnableBatch(err) && time.Now().Before(deadline); attempt++ {
		c.sess.NoteRetry()
		// randomized backoff: contenders spread out instead of colliding again
		limit := time.Millisecond << min(attempt, 4)
		time.Sleep(time.Duration(rand.Int64N(int64(limit))) + 100*time.Microsecond)
		if c.doomedBy() != nil {
			return err
		}
		c.w.buf = c.w.buf[:c.batch.mark]
		c.sess.BatchStart()
		c.batch.rerunning = true
		for _, m := range c.batch.msgs {
			if c.skipping || c.quit {
				break
			}
			c.extendedMessage(m)
		}
		c.batch.rerunning = false
		c.skipping = false
		ctx := c.beginStatement(true)
		err = c.sess.SyncOnce(ctx)
		c.endStatement(true)
		if err == nil {
			return nil
		}
	}
	return err
}
