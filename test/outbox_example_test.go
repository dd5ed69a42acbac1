package test

// The code of README.md's "Replace your outbox", run by
// TestOutboxExample. Keep the two in step: the README quotes the region
// between the "README:" markers verbatim.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// README: begin

// Schema, once (the producer's table, the consumer's own table, the slot):
//
//	CREATE TABLE orders (id bigint PRIMARY KEY, sku text NOT NULL, total numeric NOT NULL);
//	CREATE TABLE invoices (order_id bigint PRIMARY KEY, amount numeric NOT NULL, event_lsn pg_lsn NOT NULL);
//	SELECT * FROM pg_create_logical_replication_slot('billing', 'pgoutput');

// PlaceOrder is the producer: the order row and its event commit together,
// in one transaction — or neither does. No outbox table, no relay.
func PlaceOrder(ctx context.Context, conn *pgx.Conn, id int64, sku, total string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "INSERT INTO orders (id, sku, total) VALUES ($1, $2, $3)", id, sku, total); err != nil {
		return err
	}
	event, _ := json.Marshal(map[string]any{"type": "order_placed", "order_id": id, "total": total})
	if _, err := tx.Exec(ctx, "SELECT pg_logical_emit_message(true, 'order-events', $1::text)", string(event)); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// BillBatch is the consumer: it takes up to 100 events after the slot's
// position, records their effects in its own table and advances the slot,
// all in ONE transaction. A crash anywhere before COMMIT changes nothing
// (the next call gets the same events); after COMMIT the events are never
// delivered again. That is exactly-once processing. It returns how many
// events it processed (0 when none came within a second).
func BillBatch(ctx context.Context, conn *pgx.Conn) (int, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "DECLARE events CURSOR FOR SUBSCRIBE MESSAGES 'order-events' WITH (SLOT = 'billing')"); err != nil {
		return 0, err
	}
	rows, err := tx.Query(ctx, "FETCH 100 events WITH (timeout = '1s')")
	if err != nil {
		return 0, err
	}
	type orderPlaced struct {
		OrderID int64  `json:"order_id"`
		Total   string `json:"total"`
	}
	var events []orderPlaced
	var lsns []string
	for rows.Next() {
		var lsn, op string
		var payload []byte
		if err := rows.Scan(&lsn, nil, &op, nil, nil, nil, &payload, nil); err != nil {
			return 0, err
		}
		var e orderPlaced
		if err := json.Unmarshal(payload, &e); err != nil {
			return 0, err
		}
		events, lsns = append(events, e), append(lsns, lsn)
	}
	if err := rows.Err(); err != nil || len(events) == 0 {
		return 0, err
	}
	for i, e := range events {
		if _, err := tx.Exec(ctx, "INSERT INTO invoices (order_id, amount, event_lsn) VALUES ($1, $2, $3::text::pg_lsn)", e.OrderID, e.Total, lsns[i]); err != nil {
			return 0, err
		}
	}
	if _, err := tx.Exec(ctx, "SELECT * FROM pg_replication_slot_advance('billing', $1::text::pg_lsn)", lsns[len(lsns)-1]); err != nil {
		return 0, err
	}
	return len(events), tx.Commit(ctx)
}

// README: end

// TestOutboxExample runs the README's producer and consumer while the
// node is killed with SIGKILL and restarted: every order gets exactly one
// invoice (invoices' primary key would reject a second one), none is
// missed.
func TestOutboxExample(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	n := mustStartNode(t, t.TempDir())
	setup := mustConnect(t, n)
	mustExec(t, ctx, setup, "CREATE TABLE orders (id bigint PRIMARY KEY, sku text NOT NULL, total numeric NOT NULL)")
	mustExec(t, ctx, setup, "CREATE TABLE invoices (order_id bigint PRIMARY KEY, amount numeric NOT NULL, event_lsn pg_lsn NOT NULL)")
	mustExec(t, ctx, setup, "SELECT * FROM pg_create_logical_replication_slot('billing', 'pgoutput')")
	setup.Close(ctx)

	const orders = 400
	var mu sync.Mutex
	placed := map[int64]bool{} // acknowledged orders
	unknown := map[int64]bool{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // producer: retries each order until acknowledged or known
		defer wg.Done()
		var conn *pgx.Conn
		for id := int64(1); id <= orders; {
			if conn == nil {
				conn = reconnect(ctx, n)
				if conn == nil {
					return
				}
			}
			err := PlaceOrder(ctx, conn, id, fmt.Sprintf("sku-%d", id%7), fmt.Sprintf("%d.50", id))
			var pe *pgconn.PgError
			switch {
			case err == nil:
				mu.Lock()
				placed[id] = true
				mu.Unlock()
				id++
			case errors.As(err, &pe) && pe.Code == "23505": // committed before a crash hid the answer
				mu.Lock()
				placed[id] = true
				mu.Unlock()
				id++
			case errors.As(err, &pe) && pe.Code == "40001":
			default:
				mu.Lock()
				unknown[id] = true
				mu.Unlock()
				conn.Close(ctx)
				conn = nil
			}
			time.Sleep(5 * time.Millisecond) // a steady trickle, so the kills land mid-stream
		}
		if conn != nil {
			conn.Close(ctx)
		}
	}()
	billed := 0
	go func() { // consumer
		defer wg.Done()
		var conn *pgx.Conn
		for {
			select {
			case <-done:
				if conn != nil {
					conn.Close(ctx)
				}
				return
			default:
			}
			if conn == nil {
				if conn = reconnect(ctx, n); conn == nil {
					return
				}
			}
			k, err := BillBatch(ctx, conn)
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23505" {
				t.Errorf("an event was delivered twice: %v", err)
				return
			}
			if err != nil {
				conn.Close(ctx)
				conn = nil
				continue
			}
			mu.Lock()
			billed += k
			mu.Unlock()
		}
	}()
	for round := 0; round < 3; round++ {
		time.Sleep(time.Duration(400+round*300) * time.Millisecond)
		n.Kill9(t)
		n.Restart(t)
	}
	// wait until every order is billed
	c := mustConnect(t, n)
	deadline := time.Now().Add(90 * time.Second)
	for {
		mu.Lock()
		allPlaced := len(placed) == orders
		mu.Unlock()
		var o, i int64
		if err := c.QueryRow(ctx, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM invoices)").Scan(&o, &i); err != nil {
			t.Fatal(err)
		}
		if allPlaced && o == orders && i == o {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("orders %d (acknowledged %d), invoices %d", o, len(placed), i)
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM orders o LEFT JOIN invoices i ON i.order_id = o.id WHERE i.order_id IS NULL OR i.amount <> o.total")
	mu.Lock()
	t.Logf("%d orders, %d invoices (%d billed by acknowledged batches, %d orders in doubt at a kill) across 3 kill -9 restarts", orders, orders, billed, len(unknown))
	mu.Unlock()
}

// reconnect connects to n, retrying while it restarts; nil when ctx ends.
func reconnect(ctx context.Context, n *Node) *pgx.Conn {
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.ConnectConfig(cctx, n.connConfig(nil))
		cancel()
		if err == nil {
			return conn
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// TestOutboxReadmeInSync: README.md quotes the code above verbatim.
func TestOutboxReadmeInSync(t *testing.T) {
	src, err := os.ReadFile("outbox_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	begin, end := strings.Index(s, "// README: begin\n"), strings.Index(s, "// README: end")
	region := strings.Trim(s[begin+len("// README: begin\n"):end], "\n")
	if !strings.Contains(string(readme), "```go\n"+region+"\n```") {
		t.Error("README.md does not quote test/outbox_example_test.go's README region verbatim")
	}
}
