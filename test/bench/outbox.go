package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
)

// outboxWorkload is the end-to-end pipeline: producers commit an order and
// its event in one transaction, one consumer receives the events.
// PostgreSQL: the event is an outbox row read back through logical
// replication. logdb: the event is a transactional pg_logical_emit_message
// read through SUBSCRIBE MESSAGES.
func outboxWorkload() *workload {
	return outboxPipeline("outbox", "INSERT order + event in one txn; one consumer; latency = txn start → delivery", false)
}

// pgoutputWorkload is the outbox pipeline read the same way on both
// systems: the event is an outbox row, consumed through a pgoutput
// replication stream by the same client code (pglogrepl).
func pgoutputWorkload() *workload {
	return outboxPipeline("pgoutput", "INSERT order + outbox row in one txn; one pgoutput consumer on both; latency = txn start → delivery", true)
}

// outboxPipeline is the producers-and-one-consumer workload; with
// pgoutputBoth every target writes an outbox row read through pgoutput,
// else only PostgreSQL does and logdb's event is a message read through
// SUBSCRIBE.
func outboxPipeline(name, desc string, pgoutputBoth bool) *workload {
	return &workload{
		Name: name,
		Desc: desc,
		Metrics: []metricDef{
			mThroughput("events/s"),
			{Name: "commit-to-delivery p50", Unit: "ms", LowerIsBetter: true},
			{Name: "commit-to-delivery p99", Unit: "ms", LowerIsBetter: true},
		},
		FailWord: "unsupported",
		Cluster:  true,
		Setup:    outboxSetup(pgoutputBoth),
		Run: func(ctx context.Context, e *env, t *target) (sample, error) {
			return runOutbox(ctx, e, t, pgoutputBoth || t.Kind == kindPG)
		},
	}
}

// outboxSetup makes the orders table and, for PostgreSQL (or every target
// when outboxTable is set), the outbox table and its publication.
func outboxSetup(outboxTable bool) func(ctx context.Context, e *env, t *target) error {
	return func(ctx context.Context, e *env, t *target) error {
		{
			stmts := []string{
				`DROP TABLE IF EXISTS orders`,
				`CREATE TABLE orders (id bigserial PRIMARY KEY, customer int NOT NULL, amount int NOT NULL)`,
			}
			if t.Kind == kindPG || outboxTable {
				stmts = append(stmts,
					`DROP PUBLICATION IF EXISTS bench_outbox`,
					`DROP TABLE IF EXISTS outbox`,
					`CREATE TABLE outbox (id bigserial PRIMARY KEY, topic text NOT NULL, payload text NOT NULL)`,
					`CREATE PUBLICATION bench_outbox FOR TABLE outbox`)
			}
			return t.exec(ctx, stmts...)
		}
	}
}

// eventSink is the consumer's tally; the consumer goroutine writes it, the
// producer side reads the atomic total while draining.
type eventSink struct {
	from, to time.Time // the measured window

	mu        sync.Mutex // guards the fields below
	inWindow  int        // events delivered inside the window
	lat       latencies  // delivery − txn start, for events started inside the window
	malformed int

	total atomic.Int64 // every event delivered
}

func (s *eventSink) deliver(now time.Time, ts int64) {
	s.total.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts == 0 {
		s.malformed++
		return
	}
	if !now.Before(s.from) && now.Before(s.to) {
		s.inWindow++
	}
	start := time.Unix(0, ts)
	if !start.Before(s.from) && start.Before(s.to) {
		s.lat = append(s.lat, now.Sub(start))
	}
}

// eventTS finds `"ts": <unix nanos>` in an event's JSON, with or without a
// space (jsonb renders one); 0 when absent.
func eventTS(b []byte) int64 {
	i := bytes.Index(b, []byte(`"ts":`))
	if i < 0 {
		return 0
	}
	b = bytes.TrimLeft(b[i+5:], " ")
	j := 0
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	ts, _ := strconv.ParseInt(string(b[:j]), 10, 64)
	return ts
}

var outboxRound atomic.Int64

// runOutbox drives the pipeline; with viaPgoutput the event is an outbox
// row read through pgoutput, else a message read through SUBSCRIBE.
func runOutbox(ctx context.Context, e *env, t *target, viaPgoutput bool) (sample, error) {
	if !viaPgoutput {
		return runEventPipeline(ctx, e, t, emitMessageSQL, func(ctx context.Context, sink *eventSink, ready chan<- error) error {
			return consumeLogdb(ctx, t, `SUBSCRIBE MESSAGES 'order-events'`, ready, func(now time.Time, op, after []byte) {
				if string(op) != "message" {
					return
				}
				sink.deliver(now, eventTS(after))
			})
		})
	}
	slot := fmt.Sprintf("bench_outbox_%d", outboxRound.Add(1))
	return runEventPipeline(ctx, e, t, insertOutboxSQL, func(ctx context.Context, sink *eventSink, ready chan<- error) error {
		return consumePG(ctx, t, slot, "bench_outbox", ready, outboxRowDecoder(func(now time.Time, payload []byte) {
			sink.deliver(now, eventTS(payload))
		}))
	})
}

// The two ways a producer writes its event in the order's transaction.
const (
	insertOutboxSQL = `INSERT INTO outbox (topic, payload) VALUES ('order-events', $1)`
	emitMessageSQL  = `SELECT pg_logical_emit_message(true, 'order-events', $1::text)`
)

// outboxRowDecoder hands each inserted outbox row's payload column to fn.
func outboxRowDecoder(fn func(now time.Time, payload []byte)) pgInsertFunc {
	payloadCol := -1
	return func(now time.Time, rel *pglogrepl.RelationMessage, tup *pglogrepl.TupleData) {
		if payloadCol < 0 || payloadCol >= len(tup.Columns) {
			for i, c := range rel.Columns {
				if c.Name == "payload" {
					payloadCol = i
				}
			}
		}
		var payload []byte
		if payloadCol >= 0 && payloadCol < len(tup.Columns) {
			payload = tup.Columns[payloadCol].Data
		}
		fn(now, payload)
	}
}

// eventConsumer is a pipeline's consuming side: it runs until ctx is
// cancelled, delivering every event to sink, and reports on ready once it
// is set up (nil) or has failed.
type eventConsumer func(ctx context.Context, sink *eventSink, ready chan<- error) error

// runEventPipeline starts the consumer, then drives e.Clients producers on
// the server that takes writes, each committing an order and its event
// (emitSQL, with the event's JSON as $1) in one transaction, then waits for
// the consumer to catch up.
func runEventPipeline(ctx context.Context, e *env, t *target, emitSQL string, consume eventConsumer) (sample, error) {
	pt, err := t.primary(ctx)
	if err != nil {
		return nil, err
	}
	conns, err := pt.connectN(ctx, e.Clients)
	if err != nil {
		return nil, err
	}
	defer closeAll(conns)

	sink := &eventSink{}
	cctx, stopConsumer := context.WithCancel(ctx)
	defer stopConsumer()
	ready := make(chan error, 1)
	consumerErr := make(chan error, 1)
	go func() { consumerErr <- consume(cctx, sink, ready) }()
	if err := <-ready; err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}

	warmup := e.Warmup
	sink.mu.Lock()
	sink.from = time.Now().Add(warmup)
	sink.to = sink.from.Add(e.Duration)
	sink.mu.Unlock()

	var committed atomic.Int64
	produce := func(ctx context.Context, c *pgx.Conn, client, seq int) error {
		ts := time.Now().UnixNano()
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO orders (customer, amount) VALUES ($1, $2) RETURNING id`, client, seq%1000+1).Scan(&id); err != nil {
			return err
		}
		payload := fmt.Sprintf(`{"order_id":%d,"customer":%d,"ts":%d}`, id, client, ts)
		if _, err := tx.Exec(ctx, emitSQL, payload); err != nil {
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		committed.Add(1)
		return nil
	}
	res, err := drive(ctx, conns, warmup, e.Duration, produce)
	if err != nil {
		return nil, err
	}

	// Drain: let the consumer catch up so late deliveries of in-window
	// events count in the latency.
	deadline := time.Now().Add(10 * time.Second)
	for sink.total.Load() < committed.Load() && time.Now().Before(deadline) {
		select {
		case err := <-consumerErr:
			return nil, fmt.Errorf("consumer: %w", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	stopConsumer()
	if err := <-consumerErr; err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if missing := int(committed.Load() - sink.total.Load()); missing > 0 || sink.malformed > 0 || len(sink.lat) < res.Ops {
		fmt.Fprintf(os.Stderr, "  pipeline/%s: %d committed, %d delivered (%d of %d in-window events seen, %d malformed)\n",
			t.Name, committed.Load(), sink.total.Load(), len(sink.lat), res.Ops, sink.malformed)
	}
	s := sample{
		"throughput":             float64(sink.inWindow) / e.Duration.Seconds(),
		"commit-to-delivery p50": sink.lat.percentile(50),
		"commit-to-delivery p99": sink.lat.percentile(99),
	}
	if sink.inWindow == 0 {
		s["throughput"] = math.NaN()
		return s, fmt.Errorf("no events delivered in %s (%d committed)", e.Duration, committed.Load())
	}
	return s, nil
}
