package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// The two ways of consuming a changefeed the benchmark compares: PostgreSQL
// logical replication with pgoutput, and logdb's COPY (SUBSCRIBE …) stream.
// Each runs until ctx is cancelled, calling its callback on the consumer's own
// goroutine, and reports on ready once the feed is set up (nil) or failed.

// pgInsertFunc receives one inserted row: its relation and tuple are valid
// only during the call.
type pgInsertFunc func(now time.Time, rel *pglogrepl.RelationMessage, tup *pglogrepl.TupleData)

// consumePG opens a replication connection, creates a temporary pgoutput slot
// and streams publication pub from it.
func consumePG(ctx context.Context, t *target, slot, pub string, ready chan<- error, onInsert pgInsertFunc) error {
	return consumePGFeed(ctx, t, pgFeed{Slot: slot, Publication: pub, OnInsert: onInsert}, ready)
}

// pgFeed says what consumePGFeed streams and what it does with it.
type pgFeed struct {
	Slot, Publication string
	OnInsert          pgInsertFunc // nil: inserts are ignored
	// OnMessage, when set, asks for transactional messages too (pgoutput's
	// messages 'true') and receives each one's content, valid only during
	// the call.
	OnMessage func(now time.Time, prefix string, content []byte)
	// BeforeConfirm, when set, runs before each standby status update
	// confirms the position received so far: a relay waits there until
	// what it forwarded is acknowledged downstream, as Debezium commits
	// its offsets only after Kafka has the records.
	BeforeConfirm func(ctx context.Context) error
}

// consumePGFeed streams a pgoutput slot created for the purpose
// (temporary) until ctx is cancelled, confirming its position every second.
func consumePGFeed(ctx context.Context, t *target, f pgFeed, ready chan<- error) error {
	slot, pub, onInsert := f.Slot, f.Publication, f.OnInsert
	signal := func(err error) error {
		if ready != nil {
			ready <- err
			ready = nil
		}
		return err
	}
	conn, err := pgconn.Connect(ctx, t.replConnString())
	if err != nil {
		return signal(fmt.Errorf("replication connection: %w", err))
	}
	defer conn.Close(context.Background())
	res, err := pglogrepl.CreateReplicationSlot(ctx, conn, slot, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Temporary: true, SnapshotAction: "NOEXPORT_SNAPSHOT"})
	if err != nil {
		return signal(fmt.Errorf("create slot %s: %w", slot, err))
	}
	startLSN, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return signal(fmt.Errorf("slot %s consistent point: %w", slot, err))
	}
	args := []string{"proto_version '1'", fmt.Sprintf("publication_names '%s'", pub)}
	if f.OnMessage != nil {
		args = append(args, "messages 'true'")
	}
	err = pglogrepl.StartReplication(ctx, conn, slot, startLSN, pglogrepl.StartReplicationOptions{PluginArgs: args})
	if err != nil {
		return signal(fmt.Errorf("start replication: %w", err))
	}
	signal(nil)

	relations := map[uint32]*pglogrepl.RelationMessage{}
	pos := startLSN
	const statusEvery = time.Second
	nextStatus := time.Now().Add(statusEvery)
	for ctx.Err() == nil {
		if !time.Now().Before(nextStatus) {
			confirm := pos
			if f.BeforeConfirm != nil {
				if err := f.BeforeConfirm(ctx); err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return fmt.Errorf("before confirming %s: %w", confirm, err)
				}
			}
			if err := pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{WALWritePosition: confirm}); err != nil {
				return fmt.Errorf("standby status: %w", err)
			}
			nextStatus = time.Now().Add(statusEvery)
		}
		rctx, cancel := context.WithDeadline(ctx, nextStatus)
		raw, err := conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if pgconn.Timeout(err) {
				continue
			}
			return fmt.Errorf("receive: %w", err)
		}
		now := time.Now()
		switch msg := raw.(type) {
		case *pgproto3.ErrorResponse:
			return fmt.Errorf("replication error: %s (SQLSTATE %s)", msg.Message, msg.Code)
		case *pgproto3.CopyData:
			if len(msg.Data) == 0 {
				continue
			}
			switch msg.Data[0] {
			case pglogrepl.PrimaryKeepaliveMessageByteID:
				pkm, err := pglogrepl.ParsePrimaryKeepaliveMessage(msg.Data[1:])
				if err != nil {
					return fmt.Errorf("keepalive: %w", err)
				}
				if pkm.ServerWALEnd > pos {
					pos = pkm.ServerWALEnd
				}
				if pkm.ReplyRequested {
					nextStatus = time.Time{}
				}
			case pglogrepl.XLogDataByteID:
				xld, err := pglogrepl.ParseXLogData(msg.Data[1:])
				if err != nil {
					return fmt.Errorf("xlogdata: %w", err)
				}
				lm, err := pglogrepl.Parse(xld.WALData)
				if err != nil {
					return fmt.Errorf("pgoutput: %w", err)
				}
				switch m := lm.(type) {
				case *pglogrepl.RelationMessage:
					relations[m.RelationID] = m
				case *pglogrepl.LogicalDecodingMessage:
					if f.OnMessage != nil {
						f.OnMessage(now, m.Prefix, m.Content)
					}
				case *pglogrepl.InsertMessage:
					if onInsert == nil {
						break
					}
					rel := relations[m.RelationID]
					if rel == nil {
						return fmt.Errorf("insert for unknown relation %d", m.RelationID)
					}
					onInsert(now, rel, m.Tuple)
				}
				if end := xld.WALStart + pglogrepl.LSN(len(xld.WALData)); end > pos {
					pos = end
				}
			}
		}
	}
	return nil
}

// changeFunc receives one change of a logdb subscription: its op ("insert",
// "message", …) and its after column (row or message content as JSON text).
// Both are valid only during the call.
type changeFunc func(now time.Time, op, after []byte)

// subscribeMode chooses how consumeLogdb reads a subscription: "copy",
// "fetch", or "auto" (COPY, then DECLARE/FETCH if COPY is refused).
var subscribeMode = "auto"

// consumeLogdb follows a logdb SUBSCRIBE statement until ctx is cancelled.
func consumeLogdb(ctx context.Context, t *target, subscribe string, ready chan<- error, onChange changeFunc) error {
	if subscribeMode == "fetch" {
		return consumeLogdbFetch(ctx, t, subscribe, ready, onChange)
	}
	if subscribeMode == "copy" {
		return consumeLogdbCopy(ctx, t, subscribe, ready, onChange)
	}
	copyReady := make(chan error, 1)
	done := make(chan error, 1)
	go func() { done <- consumeLogdbCopy(ctx, t, subscribe, copyReady, onChange) }()
	copyErr := <-copyReady
	if copyErr == nil {
		ready <- nil
		return <-done
	}
	<-done
	fetchReady := make(chan error, 1)
	go func() { done <- consumeLogdbFetch(ctx, t, subscribe, fetchReady, onChange) }()
	if err := <-fetchReady; err != nil {
		err = fmt.Errorf("COPY (%s) TO STDOUT: %v; DECLARE CURSOR FOR %s: %w", subscribe, copyErr, subscribe, err)
		ready <- err
		<-done
		return err
	}
	ready <- nil
	return <-done
}

// consumeLogdbCopy runs `COPY (SUBSCRIBE …) TO STDOUT`, whose text lines
// are tab-separated: lsn, xid, op, relation, key, before, after,
// commit_time. COPY gives no sign that the subscription has started, so
// ready is signalled after a short grace period without an error.
func consumeLogdbCopy(ctx context.Context, t *target, subscribe string, ready chan<- error, onChange changeFunc) error {
	c, err := t.connect(ctx)
	if err != nil {
		ready <- err
		return err
	}
	defer closeAll([]*pgx.Conn{c})
	done := make(chan error, 1)
	go func() {
		w := &lineWriter{onLine: func(now time.Time, line []byte) {
			onChange(now, copyField(line, 2), copyField(line, 6))
		}}
		_, err := c.PgConn().CopyTo(ctx, w, "COPY ("+subscribe+") TO STDOUT")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			err = errors.New("subscription ended at once")
		}
		ready <- err
		return err
	case <-time.After(500 * time.Millisecond):
		ready <- nil
	}
	err = <-done
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		err = errors.New("subscription ended")
	}
	return err
}

// consumeLogdbFetch polls: BEGIN, DECLARE bench_sub CURSOR FOR SUBSCRIBE …,
// then FETCH with a short timeout in a loop, over the simple protocol so
// every column arrives as text (lsn, xid, op, relation, key, before, after,
// commit_time).
func consumeLogdbFetch(ctx context.Context, t *target, subscribe string, ready chan<- error, onChange changeFunc) error {
	c, err := t.connect(ctx)
	if err != nil {
		ready <- err
		return err
	}
	defer closeAll([]*pgx.Conn{c})
	pc := c.PgConn()
	if _, err := pc.Exec(ctx, "BEGIN; DECLARE bench_sub CURSOR FOR "+subscribe).ReadAll(); err != nil {
		ready <- err
		return err
	}
	ready <- nil
	for ctx.Err() == nil {
		res, err := pc.Exec(ctx, "FETCH 1000 bench_sub WITH (timeout = '200ms')").ReadAll()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("FETCH: %w", err)
		}
		now := time.Now()
		for _, r := range res {
			for _, row := range r.Rows {
				if len(row) >= 7 {
					onChange(now, row[2], row[6])
				}
			}
		}
	}
	return nil
}

// lineWriter splits a COPY text stream into lines; a CopyData message
// normally holds exactly one.
type lineWriter struct {
	partial []byte
	onLine  func(now time.Time, line []byte)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	now := time.Now()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.partial = append(w.partial, p...)
			break
		}
		line := p[:i]
		if len(w.partial) > 0 {
			line = append(w.partial, line...)
			w.partial = w.partial[:0]
		}
		w.onLine(now, line)
		p = p[i+1:]
	}
	return n, nil
}

// copyField returns the i-th tab-separated field of a COPY text line.
func copyField(line []byte, i int) []byte {
	for ; i > 0; i-- {
		j := bytes.IndexByte(line, '\t')
		if j < 0 {
			return nil
		}
		line = line[j+1:]
	}
	if j := bytes.IndexByte(line, '\t'); j >= 0 {
		line = line[:j]
	}
	return line
}
