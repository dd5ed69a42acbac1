package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The broker pipeline: what a team runs today to get a service's rows and
// its events out, next to what logdb needs for the same.
//
// PostgreSQL trio (pg3): producers commit an order and an outbox row in one
// transaction on the primary; a relay reads the outbox through logical
// replication (pgoutput, as Debezium does), publishes each event to a NATS
// JetStream stream replicated on three nats-server processes (replicas 3,
// file storage) and confirms its slot position once JetStream has
// acknowledged what it published; a consumer pulls from JetStream and
// acknowledges each event.
//
// logdb cluster (logdb3): producers commit the order and
// pg_logical_emit_message(true, 'order-events', …) in one transaction on
// the leader; the consumer, on a follower, reads the messages through a
// pgoutput slot and confirms its position.

const (
	brokerStream  = "ORDERS"
	brokerSubject = "orders.events"
)

func brokerWorkload() *workload {
	return &workload{
		Name: "broker",
		Desc: "outbox end to end on 3 nodes: pg3 + outbox + pgoutput relay → NATS JetStream (3 servers, R3, file) → pull consumer; logdb: order + pg_logical_emit_message, consumer on a follower's pgoutput slot; latency = txn start → consumer",
		Metrics: []metricDef{
			mThroughput("events/s"),
			{Name: "commit-to-delivery p50", Unit: "ms", LowerIsBetter: true},
			{Name: "commit-to-delivery p99", Unit: "ms", LowerIsBetter: true},
		},
		FailWord:    "unsupported",
		ClusterOnly: true,
		Setup:       brokerSetup,
		Run: func(ctx context.Context, e *env, t *target) (sample, error) {
			if t.Kind == kindPG {
				return runBrokerPG(ctx, e, t)
			}
			return runBrokerLogdb(ctx, e, t)
		},
	}
}

func brokerSetup(ctx context.Context, e *env, t *target) error {
	if t.Kind != kindPG {
		// pgoutput needs a publication; the events are messages, so it
		// names a table nobody writes.
		return t.exec(ctx,
			`DROP TABLE IF EXISTS orders`,
			`CREATE TABLE orders (id bigserial PRIMARY KEY, customer int NOT NULL, amount int NOT NULL)`,
			`DROP PUBLICATION IF EXISTS bench_events`,
			`DROP TABLE IF EXISTS bench_events_none`,
			`CREATE TABLE bench_events_none (id int PRIMARY KEY)`,
			`CREATE PUBLICATION bench_events FOR TABLE bench_events_none`)
	}
	if e.nats == nil {
		logf("[broker] starting 3 nats-server processes (JetStream, file storage) …")
		nc, err := startNATS(ctx, e.WorkDir)
		if err != nil {
			return err
		}
		e.nats = nc
		e.atExit(nc.stop)
	}
	if err := outboxSetup(true)(ctx, e, t); err != nil {
		return err
	}
	conn, err := nats.Connect(e.nats.URLs[0])
	if err != nil {
		return err
	}
	defer conn.Close()
	js, err := jetstream.New(conn)
	if err != nil {
		return err
	}
	if err := js.DeleteStream(ctx, brokerStream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("delete stream: %w", err)
	}
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{
		Name: brokerStream, Subjects: []string{brokerSubject},
		Replicas: 3, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return fmt.Errorf("create stream %s (replicas 3, file): %w", brokerStream, err)
	}
	return nil
}

var brokerRound atomic.Int64

// runBrokerLogdb: producers on the leader, the consumer on a follower.
func runBrokerLogdb(ctx context.Context, e *env, t *target) (sample, error) {
	follower, err := t.replica(ctx)
	if err != nil {
		return nil, err
	}
	slot := fmt.Sprintf("bench_broker_%d", brokerRound.Add(1))
	return runEventPipeline(ctx, e, t, emitMessageSQL, func(ctx context.Context, sink *eventSink, ready chan<- error) error {
		return consumePGFeed(ctx, follower, pgFeed{Slot: slot, Publication: "bench_events",
			OnMessage: func(now time.Time, prefix string, content []byte) {
				if prefix == "order-events" {
					sink.deliver(now, eventTS(content))
				}
			}}, ready)
	})
}

// runBrokerPG: producers on the primary, the relay on the primary's
// walsender publishing to NATS server 1, the consumer on NATS server 3.
func runBrokerPG(ctx context.Context, e *env, t *target) (sample, error) {
	round := brokerRound.Add(1)
	return runEventPipeline(ctx, e, t, insertOutboxSQL, func(ctx context.Context, sink *eventSink, ready chan<- error) error {
		signal := func(err error) error { ready <- err; return err }
		// The consumer first, delivering only what is published from now on.
		cconn, err := nats.Connect(e.nats.URLs[2])
		if err != nil {
			return signal(fmt.Errorf("consumer's NATS connection: %w", err))
		}
		defer cconn.Close()
		cjs, err := jetstream.New(cconn)
		if err != nil {
			return signal(err)
		}
		stream, err := cjs.Stream(ctx, brokerStream)
		if err != nil {
			return signal(err)
		}
		if err := stream.Purge(ctx); err != nil {
			return signal(fmt.Errorf("purge: %w", err))
		}
		name := fmt.Sprintf("bench-%d", round)
		cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
			Durable: name, AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverNewPolicy,
		})
		if err != nil {
			return signal(fmt.Errorf("create consumer: %w", err))
		}
		defer stream.DeleteConsumer(context.Background(), name)
		var ackErrs atomic.Int64
		cc, err := cons.Consume(func(msg jetstream.Msg) {
			sink.deliver(time.Now(), eventTS(msg.Data()))
			if err := msg.Ack(); err != nil {
				ackErrs.Add(1)
			}
		})
		if err != nil {
			return signal(fmt.Errorf("consume: %w", err))
		}
		defer cc.Stop()

		// Then the relay: outbox rows from the primary's walsender to
		// JetStream, published asynchronously (as Debezium's producer
		// batches), the slot confirmed once they are acknowledged.
		rconn, err := nats.Connect(e.nats.URLs[0])
		if err != nil {
			return signal(fmt.Errorf("relay's NATS connection: %w", err))
		}
		defer rconn.Close()
		var pubMu sync.Mutex
		var pubErr error
		rjs, err := jetstream.New(rconn, jetstream.WithPublishAsyncMaxPending(4096),
			jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, _ *nats.Msg, err error) {
				pubMu.Lock()
				if pubErr == nil {
					pubErr = err
				}
				pubMu.Unlock()
			}))
		if err != nil {
			return signal(err)
		}
		var relayErr error
		publish := outboxRowDecoder(func(now time.Time, payload []byte) {
			data := append([]byte(nil), payload...) // valid only during the call
			for relayErr == nil && ctx.Err() == nil {
				_, err := rjs.PublishAsync(brokerSubject, data, jetstream.WithStallWait(5*time.Second))
				if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
					relayErr = err
					return
				}
			}
		})
		slot := fmt.Sprintf("bench_relay_%d", round)
		err = consumePGFeed(ctx, t, pgFeed{Slot: slot, Publication: "bench_outbox", OnInsert: publish,
			BeforeConfirm: func(ctx context.Context) error {
				if relayErr != nil {
					return fmt.Errorf("publish: %w", relayErr)
				}
				select {
				case <-rjs.PublishAsyncComplete():
				case <-ctx.Done():
					return ctx.Err()
				}
				pubMu.Lock()
				defer pubMu.Unlock()
				if pubErr != nil {
					return fmt.Errorf("JetStream refused a publish: %w", pubErr)
				}
				if n := ackErrs.Load(); n > 0 {
					return fmt.Errorf("%d consumer acks failed", n)
				}
				return nil
			}}, ready)
		if err == nil && relayErr != nil && ctx.Err() == nil {
			err = fmt.Errorf("publish: %w", relayErr)
		}
		return err
	})
}
