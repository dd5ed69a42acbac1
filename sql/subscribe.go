package sql

// SUBSCRIBE: COPY (SUBSCRIBE …) TO STDOUT streams; DECLARE … CURSOR FOR
// SUBSCRIBE … and FETCH poll (cursor_subscribe.go). The statements are
// parsed by the front parser (sql/extparse) and served by the
// changefeed.Feed of Config.Feed.
//
// bbolt can deadlock a goroutine that opens a read transaction while it
// holds another, so Feed.Subscribe and the Subscription's reads must never
// run while the session's transaction holds its kv snapshot. The session
// goroutine drives the Subscription itself, and before it does,
// releaseSnapshotForFeed gives up a snapshot the transaction has not used
// for data (only the catalog was read: the next statement takes a fresh
// one, which is exactly what it would have done had the snapshot been
// taken later). A transaction that already read or wrote data keeps its
// snapshot, and SUBSCRIBE / FETCH from a SUBSCRIBE cursor then fail with
// 25000: the consumer's pattern is BEGIN; DECLARE; FETCH; then its own
// writes and pg_replication_slot_advance; COMMIT. Conversely, a cursor
// declared WITH (SNAPSHOT = true) holds the feed's kv read transaction
// until its snapshot rows are fetched, and until then statements that
// would open the session's snapshot fail with 25000
// (checkSnapshotCursors).

import (
	"context"
	"errors"

	"logdb/changefeed"
	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/extparse"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// feedFetchBatch is how many changes COPY (SUBSCRIBE …) takes per wake-up:
// the changes already committed, up to this many, go out in one flush.
const feedFetchBatch = 256

// feedCols are SUBSCRIBE's result columns (changefeed.Columns).
func feedCols() []exec.Column {
	cols := make([]exec.Column, len(changefeed.Columns))
	for i, c := range changefeed.Columns {
		cols[i] = exec.Column{Name: c.Name, T: types.T{OID: c.Type, Mod: -1}}
	}
	return cols
}

// extColumns are the result columns a front-parser statement describes.
func extColumns(x *extparse.Stmt) []exec.Column {
	if x.Kind == extparse.ExtFetch && !x.IsMove {
		return feedCols()
	}
	return nil
}

// feed returns the changefeed. Every database has one: a request names
// its database (feedDB), and sees only that database's tables, messages
// and slots.
func (s *Session) feed() (*changefeed.Feed, error) {
	if s.e.cfg.Feed == nil {
		return nil, pgerror.New(pgerror.ObjectNotInPrerequisiteState, "the changefeed is not available on this node")
	}
	return s.e.cfg.Feed, nil
}

// feedDB is the changefeed's number for database oid: 0 for logdb, whose
// catalog keys, messages and slots carry no database (they were written
// before databases existed), the OID for every other.
func feedDB(oid uint32) uint32 {
	if oid == catalog.LogdbDBOID {
		return 0
	}
	return oid
}

// feedRequest turns SUBSCRIBE's targets and options into a feed request
// for database db (feedDB).
func feedRequest(sub *extparse.SubscribeSpec, db uint32) changefeed.Request {
	return changefeed.Request{
		Database:        db,
		Tables:          sub.Tables,
		MessagePrefixes: sub.Prefixes,
		AllMessages:     sub.AllMessages,
		FromLSN:         sub.FromLSN,
		HasFromLSN:      sub.HasFromLSN,
		Slot:            sub.Slot,
		Snapshot:        sub.Snapshot,
		Progress:        sub.Progress,
	}
}

// runExtStmt runs a front-parser statement.
func (s *Session) runExtStmt(ctx context.Context, x *extparse.Stmt, w ResultWriter) (*cursor, error) {
	switch x.Kind {
	case extparse.ExtSubscribe, extparse.ExtCopySubscribe:
		return s.streamSubscribe(ctx, x.Sub, w)
	case extparse.ExtDeclare:
		return s.declareSubscribe(ctx, x)
	case extparse.ExtBackup:
		return s.streamBackup(ctx, x.Backup, w) // backup.go
	case extparse.ExtFetch:
		c, ok := s.cursors[x.Cursor]
		if !ok {
			return nil, pgerror.New(pgerror.InvalidCursorName, "cursor \"%s\" does not exist", x.Cursor)
		}
		if c.sub == nil {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "FETCH … WITH (timeout) is only for SUBSCRIBE cursors")
		}
		return s.fetchSubscribe(ctx, c, x.Count, x.Timeout, x.IsMove)
	}
	return nil, pgerror.New(pgerror.Internal, "BUG: unknown front-parser statement")
}

// releaseSnapshotForFeed makes sure the session holds no kv snapshot
// before the feed reads (see the top of this file): an unused one is
// released; one holding the transaction's reads or writes gives 25000.
func (s *Session) releaseSnapshotForFeed(what string) error {
	t := s.tx
	if t == nil || t.Kv == nil {
		return nil
	}
	busy := t.ddl != nil || len(t.savepoints) > 0 || t.notes.HasNotifications() || t.Kv.HasWrites()
	for _, c := range s.cursors {
		if c.sub == nil {
			busy = true // a SELECT cursor reads from the snapshot
		}
	}
	for _, p := range s.portals {
		if p.cur != nil {
			busy = true // a suspended portal reads from the snapshot
		}
	}
	if !busy {
		cmd := t.Kv.Command(0)
		busy = len(cmd.Writes) > 0 || len(cmd.Messages) > 0 || len(cmd.Drops) > 0
		for _, r := range cmd.Reads {
			if !catalog.IsCatalogMeta(r.Space, r.Key) {
				busy = true
			}
		}
		for _, r := range cmd.Ranges {
			if r.Space != kv.CatalogSpace {
				busy = true
			}
		}
	}
	if busy {
		return &pgerror.Error{Code: pgerror.InvalidTransactionState,
			Message: what + " cannot wait for changes in a transaction that has already read or written data",
			Hint:    "Run it first in the transaction (BEGIN; DECLARE …; FETCH …; then your own statements), or in its own transaction."}
	}
	t.Kv.Release()
	t.Kv, t.cat = nil, nil
	return nil
}

// copyFlusher is implemented by a ResultWriter that buffers output (pgwire):
// a COPY stream flushes after each batch so changes reach the client as
// they commit.
type copyFlusher interface{ Flush() error }

// streamSubscribe serves COPY (SUBSCRIBE …) TO STDOUT (and a bare
// SUBSCRIBE): a CopyOut stream of change lines that ends only when the
// client cancels (57014) or goes away, or the feed fails.
func (s *Session) streamSubscribe(ctx context.Context, sub *extparse.SubscribeSpec, w ResultWriter) (*cursor, error) {
	f, err := s.feed()
	if err != nil {
		return nil, err
	}
	cw, ok := w.(copyOutWriter)
	if !ok {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "SUBSCRIBE streams need the COPY protocol: use COPY (SUBSCRIBE …) TO STDOUT over the simple query protocol, or DECLARE … CURSOR FOR SUBSCRIBE … and FETCH")
	}
	if err := s.checkSubscribe(sub); err != nil {
		return nil, err
	}
	if err := s.releaseSnapshotForFeed("COPY (SUBSCRIBE …)"); err != nil {
		return nil, err
	}
	sc, err := f.Subscribe(ctx, feedRequest(sub, feedDB(s.dbOID)))
	if err != nil {
		return nil, s.feedErr(ctx, err)
	}
	defer sc.Close()
	if err := cw.CopyOut(0, make([]int16, len(changefeed.Columns))); err != nil {
		return nil, err
	}
	flusher, _ := w.(copyFlusher)
	if flusher != nil {
		if err := flusher.Flush(); err != nil {
			return nil, err
		}
	}
	var buf []byte
	for {
		s.setWait(waitFeedType, waitFeedEvent)
		changes, err := sc.Fetch(ctx, feedFetchBatch, -1)
		s.setWait("", "")
		if err != nil {
			return nil, s.feedErr(ctx, err)
		}
		for i := range changes {
			buf = changefeed.AppendText(buf[:0], changes[i])
			if err := cw.CopyData(buf); err != nil {
				return nil, err
			}
		}
		if flusher != nil {
			if err := flusher.Flush(); err != nil {
				return nil, err
			}
		}
	}
}

// feedErr maps a feed error: a done context is 57014.
func (s *Session) feedErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return s.ctxErr(ctx)
	}
	if errors.Is(err, changefeed.ErrClosed) {
		return pgerror.New(pgerror.AdminShutdown, "terminating the subscription: the node is shutting down")
	}
	return err
}
