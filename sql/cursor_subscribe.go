package sql

// SUBSCRIBE cursors: DECLARE name CURSOR FOR SUBSCRIBE … inside a
// transaction block, FETCH n name [WITH (timeout = …)], CLOSE. The cursor
// is an sqlCursor whose sub is set; it closes with its transaction (and
// frees its slot). Its Subscription is driven by the session goroutine, so
// FETCH first releases an unused kv snapshot (subscribe.go).

import (
	"context"
	"fmt"
	"math"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/changefeed"
	"logdb/sql/exec"
	"logdb/sql/extparse"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// subCursor is the feed side of a SUBSCRIBE cursor.
type subCursor struct {
	sc *changefeed.Subscription
	// inSnapshot: declared WITH (SNAPSHOT = true) and its snapshot rows
	// not all fetched yet. The Subscription then holds a kv read
	// transaction, so this goroutine must not open another (bbolt can
	// deadlock it): checkSnapshotCursors refuses statements that would.
	inSnapshot bool
}

// checkSnapshotCursors fails (25000) while a SUBSCRIBE cursor of the
// session is still reading its snapshot: the statement would open a kv
// read transaction next to the cursor's on this goroutine.
func (s *Session) checkSnapshotCursors() error {
	for _, c := range s.cursors {
		if c.sub != nil && c.sub.inSnapshot {
			return &pgerror.Error{Code: pgerror.InvalidTransactionState,
				Message: "SUBSCRIBE cursor \"" + c.name + "\" is still reading its snapshot",
				Hint:    "FETCH its snapshot rows (until a FETCH returns fewer rows than asked for, or a change that is not a read) or CLOSE it before other statements of this transaction."}
		}
	}
	return nil
}

func (c *subCursor) Close() {
	if c != nil && c.sc != nil {
		c.sc.Close()
		c.sc = nil
	}
}

func (s *Session) declareSubscribe(ctx context.Context, x *extparse.Stmt) (*cursor, error) {
	if s.mode != modeBlock {
		return nil, pgerror.New(pgerror.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, ok := s.cursors[x.Cursor]; ok {
		return nil, pgerror.New(pgerror.DuplicateCursor, "cursor \"%s\" already exists", x.Cursor)
	}
	f, err := s.feed()
	if err != nil {
		return nil, err
	}
	if err := s.checkSubscribe(x.Sub); err != nil {
		return nil, err
	}
	if err := s.releaseSnapshotForFeed("DECLARE … CURSOR FOR SUBSCRIBE"); err != nil {
		return nil, err
	}
	sc, err := f.Subscribe(ctx, feedRequest(x.Sub, feedDB(s.dbOID)))
	if err != nil {
		return nil, s.feedErr(ctx, err)
	}
	if s.cursors == nil {
		s.cursors = map[string]*sqlCursor{}
	}
	s.cursors[x.Cursor] = &sqlCursor{name: x.Cursor, cols: feedCols(), tx: s.tx, sub: &subCursor{sc: sc, inSnapshot: x.Sub.Snapshot}}
	return &cursor{tag: "DECLARE CURSOR"}, nil
}

// fetchSubscribeStmt serves a FETCH / MOVE that PostgreSQL's grammar
// parsed (no WITH clause): it waits for at least one change.
func (s *Session) fetchSubscribeStmt(ctx context.Context, c *sqlCursor, fs *pg_query.FetchStmt) (*cursor, bool, error) {
	n := fs.HowMany
	switch {
	case fs.Direction == pg_query.FetchDirection_FETCH_FORWARD && (n == 0 || n == math.MaxInt64):
		n = -1 // FETCH ALL (pg_query reads FORWARD ALL as 0 or MaxInt64)
	case fs.Direction == pg_query.FetchDirection_FETCH_FORWARD, fs.Direction == pg_query.FetchDirection_FETCH_RELATIVE && n >= 0:
	default:
		return nil, true, pgerror.New(pgerror.FeatureNotSupported, "a SUBSCRIBE cursor only moves forward")
	}
	cur, err := s.fetchSubscribe(ctx, c, n, -1, fs.Ismove)
	return cur, true, err
}

// feedFetchMax bounds the changes one FETCH returns (FETCH ALL, or a
// larger count, returns at most this many): the result is held in memory,
// and a consumer far behind must not materialize its whole backlog.
const feedFetchMax = 10000

// fetchSubscribe returns up to count changes (-1: ALL, the changes
// already committed once the first came), waiting at most timeout for the
// first (-1: until one comes); at most feedFetchMax.
func (s *Session) fetchSubscribe(ctx context.Context, c *sqlCursor, count int64, timeout time.Duration, move bool) (*cursor, error) {
	if c.sub == nil || c.sub.sc == nil {
		return nil, pgerror.New(pgerror.InvalidCursorName, "cursor \"%s\" does not exist", c.name)
	}
	if err := s.releaseSnapshotForFeed("FETCH from a SUBSCRIBE cursor"); err != nil {
		return nil, err
	}
	max := int(min(count, feedFetchMax))
	if count < 0 {
		max = feedFetchMax
	}
	var rows [][]types.Datum
	if max > 0 {
		s.setWait(waitFeedType, waitFeedEvent)
		changes, err := c.sub.sc.Fetch(ctx, max, timeout)
		s.setWait("", "")
		if err != nil {
			return nil, s.feedErr(ctx, err)
		}
		rows = make([][]types.Datum, len(changes))
		for i := range changes {
			rows[i] = changes[i].Datums()
			if changes[i].Op != changefeed.OpRead {
				c.sub.inSnapshot = false
			}
		}
		if len(changes) < max {
			c.sub.inSnapshot = false // the snapshot's rows are all out
		}
	}
	if move {
		return &cursor{tag: fmt.Sprintf("MOVE %d", len(rows))}, nil
	}
	return &cursor{cols: c.cols, it: &exec.SliceIter{Rows: rows}, tag: "FETCH", countTag: true, tx: s.tx}, nil
}

// subscribeFetchCols describes a prepared FETCH from a cursor open at
// Parse, a SUBSCRIBE cursor or another (the extended protocol's Describe),
// nil for other statements.
func (s *Session) subscribeFetchCols(n *pg_query.Node) []exec.Column {
	fs := n.GetFetchStmt()
	if fs == nil || fs.Ismove {
		return nil
	}
	if c, ok := s.cursors[fs.Portalname]; ok {
		// Describe of a FETCH reports the cursor's columns, as PostgreSQL
		// does (psycopg 3 fetches from its server-side cursors so).
		return c.cols
	}
	return nil
}
