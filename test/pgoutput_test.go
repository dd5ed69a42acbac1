package test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// pgoutputConsumer is a pglogrepl consumer that applies a transaction and
// confirms its end position before it reads on, as a PostgreSQL
// subscriber or Debezium does, and reconnects from that position.
type pgoutputConsumer struct {
	t         *testing.T
	n         *Node
	slot      string
	confirmed pglogrepl.LSN
	applied   []string // one entry per transaction: "order <id> + message <id>"
	conn      *pgconn.PgConn
}

// connect starts streaming from the last confirmed position. Right after
// a cut, the server may still be ending the old stream (55006: the slot is
// active), as PostgreSQL's walsender may: retry, as subscribers do.
func (c *pgoutputConsumer) connect(ctx context.Context) error {
	for {
		conn, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://logdb@%s/logdb?replication=database&sslmode=disable", c.n.Addr))
		if err != nil {
			return err
		}
		err = pglogrepl.StartReplication(ctx, conn, c.slot, c.confirmed, pglogrepl.StartReplicationOptions{
			Mode:       pglogrepl.LogicalReplication,
			PluginArgs: []string{"proto_version '1'", "publication_names 'orders_pub'", "messages 'true'"}})
		if err == nil {
			c.conn = conn
			return nil
		}
		conn.Close(ctx)
		if sqlState(err) != "55006" || ctx.Err() != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// consume reads up to limit XLogData messages (or until idle for a while),
// applying and confirming each committed transaction. It returns false
// when the connection failed.
func (c *pgoutputConsumer) consume(ctx context.Context, limit int) bool {
	t := c.t
	var inTxn bool
	var orders, msgs []string
	for read := 0; read < limit; {
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		raw, err := c.conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			return pgconn.Timeout(err) // idle: nothing more to read now
		}
		cd, ok := raw.(*pgproto3.CopyData)
		if !ok {
			if e, ok := raw.(*pgproto3.ErrorResponse); ok {
				t.Fatalf("stream error: %s %s", e.Code, e.Message)
			}
			continue
		}
		switch cd.Data[0] {
		case pglogrepl.PrimaryKeepaliveMessageByteID:
			k, err := pglogrepl.ParsePrimaryKeepaliveMessage(cd.Data[1:])
			if err != nil {
				t.Fatal(err)
			}
			if k.ReplyRequested {
				c.status(ctx)
			}
		case pglogrepl.XLogDataByteID:
			read++
			x, err := pglogrepl.ParseXLogData(cd.Data[1:])
			if err != nil {
				t.Fatal(err)
			}
			m, err := pglogrepl.Parse(x.WALData)
			if err != nil {
				t.Fatalf("parse %q: %v", x.WALData, err)
			}
			switch m := m.(type) {
			case *pglogrepl.BeginMessage:
				if inTxn {
					t.Fatalf("Begin inside a transaction")
				}
				inTxn, orders, msgs = true, nil, nil
			case *pglogrepl.RelationMessage:
			case *pglogrepl.InsertMessage:
				if !inTxn {
					t.Fatalf("Insert outside a transaction")
				}
				orders = append(orders, string(m.Tuple.Columns[0].Data))
			case *pglogrepl.LogicalDecodingMessage:
				if !inTxn || !m.Transactional || m.Prefix != "order-events" {
					t.Fatalf("message %+v (in a transaction: %v)", m, inTxn)
				}
				msgs = append(msgs, string(m.Content))
			case *pglogrepl.CommitMessage:
				if !inTxn {
					t.Fatalf("Commit outside a transaction")
				}
				inTxn = false
				if m.TransactionEndLSN <= c.confirmed {
					t.Fatalf("transaction ending at %s delivered again after confirming %s", m.TransactionEndLSN, c.confirmed)
				}
				c.applied = append(c.applied, fmt.Sprintf("order %v + message %v", orders, msgs))
				c.confirmed = m.TransactionEndLSN
				if !c.status(ctx) {
					return false
				}
			default:
				t.Fatalf("unexpected pgoutput message %T", m)
			}
		}
	}
	return true
}

func (c *pgoutputConsumer) status(ctx context.Context) bool {
	err := pglogrepl.SendStandbyStatusUpdate(ctx, c.conn, pglogrepl.StandbyStatusUpdate{WALWritePosition: c.confirmed})
	return err == nil
}

func (c *pgoutputConsumer) cut() {
	if c.conn != nil {
		c.conn.Close(context.Background())
		c.conn = nil
	}
}

// TestPgoutputExactlyOnce: a pglogrepl consumer of pgoutput with messages
// 'true' gets the outbox example's order and its event inside one
// transaction; cut off at random points and across a kill -9 of logdb, it
// reconnects from its last confirmed position and receives every
// transaction exactly once, in commit order.
func TestPgoutputExactlyOnce(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	n := mustStartNode(t, t.TempDir())
	db := mustConnect(t, n)
	mustExec(t, ctx, db, "CREATE TABLE orders (id int PRIMARY KEY, sku text)")
	mustExec(t, ctx, db, "CREATE TABLE other (id int PRIMARY KEY)")
	mustExec(t, ctx, db, "CREATE PUBLICATION orders_pub FOR TABLE orders")

	rc, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://logdb@%s/logdb?replication=database&sslmode=disable", n.Addr))
	if err != nil {
		t.Fatal(err)
	}
	sys, err := pglogrepl.IdentifySystem(ctx, rc)
	if err != nil || sys.DBName != "logdb" || sys.Timeline != 1 || sys.SystemID == "" {
		t.Fatalf("IDENTIFY_SYSTEM: %+v %v", sys, err)
	}
	slot, err := pglogrepl.CreateReplicationSlot(ctx, rc, "orders_out", "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "NOEXPORT_SNAPSHOT"})
	if err != nil {
		t.Fatal(err)
	}
	rc.Close(ctx)
	start, err := pglogrepl.ParseLSN(slot.ConsistentPoint)
	if err != nil {
		t.Fatal(err)
	}

	next := 0
	write := func(c *pgx.Conn, count int) {
		for i := 0; i < count; i++ {
			next++
			id := strconv.Itoa(next)
			mustExec(t, ctx, c, "INSERT INTO other VALUES ($1)", next) // not published
			if _, err := c.Exec(ctx, "BEGIN; INSERT INTO orders VALUES ("+id+", 'sku'); SELECT pg_logical_emit_message(true, 'order-events', '"+id+"'); COMMIT",
				pgx.QueryExecModeSimpleProtocol); err != nil {
				t.Fatal(err)
			}
		}
	}
	cons := &pgoutputConsumer{t: t, n: n, slot: "orders_out", confirmed: start}
	rng := rand.New(rand.NewPCG(1, 2))
	drain := func(want int) {
		for len(cons.applied) < want {
			if err := cons.connect(ctx); err != nil {
				t.Fatalf("reconnect: %v", err)
			}
			cons.consume(ctx, 1+rng.IntN(25)) // cut off at a random point
			cons.cut()
		}
	}

	write(db, 40)
	drain(40)

	write(db, 40)
	if err := cons.connect(ctx); err != nil {
		t.Fatal(err)
	}
	cons.consume(ctx, 37) // mid-way through a transaction
	n.Kill9(t)
	cons.cut()
	n.Restart(t)
	db2 := mustConnect(t, n)
	write(db2, 20)
	drain(100)

	if len(cons.applied) != 100 {
		t.Fatalf("applied %d transactions, want 100", len(cons.applied))
	}
	for i, got := range cons.applied {
		want := fmt.Sprintf("order [%d] + message [%d]", i+1, i+1)
		if got != want {
			t.Fatalf("transaction %d: %s, want %s", i+1, got, want)
		}
	}
	// The slot's confirmed position follows the consumer's reports.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var conf string
		if err := db2.QueryRow(ctx, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'orders_out'").Scan(&conf); err != nil {
			t.Fatal(err)
		}
		if l, _ := pglogrepl.ParseLSN(conf); l > start {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot confirmed_flush_lsn stays at %s", conf)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPsycopg2LogicalReplication: psycopg2's LogicalReplicationConnection
// consumes pgoutput with messages 'true' from logdb: each outbox
// transaction arrives with its row and its message between Begin and
// Commit, and a second run continues after the transactions the first
// one confirmed, with nothing repeated.
func TestPsycopg2LogicalReplication(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	python := "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import psycopg2").CombinedOutput(); err != nil {
		t.Skipf("psycopg2 is not installed for %s (Debian's python3-psycopg2; .ci/run installs it): %v %s", python, err, out)
	}
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE py_orders (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "CREATE PUBLICATION py_pub FOR TABLE py_orders")
	mustExec(t, ctx, c, "SELECT * FROM pg_create_logical_replication_slot('py_slot', 'pgoutput')")
	for i := 1; i <= 6; i++ {
		if _, err := c.Exec(ctx, fmt.Sprintf("BEGIN; INSERT INTO py_orders VALUES (%d); SELECT pg_logical_emit_message(true, 'order-events', 'e%d'); COMMIT", i, i),
			pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatal(err)
		}
	}
	host, port := splitAddr(n.Addr)
	dsn := fmt.Sprintf("host=%s port=%s user=logdb dbname=logdb", host, port)
	run := func() string {
		cmd := exec.CommandContext(ctx, python, "python/logical_consumer.py", dsn, "py_slot", "py_pub", "3")
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("logical_consumer.py: %v\n%s%s", err, out, stderr)
		}
		return string(out)
	}
	first, second := run(), run()
	want1 := "py_orders:1 | order-events:e1\npy_orders:2 | order-events:e2\npy_orders:3 | order-events:e3\n"
	want2 := "py_orders:4 | order-events:e4\npy_orders:5 | order-events:e5\npy_orders:6 | order-events:e6\n"
	if first != want1 || second != want2 {
		t.Errorf("psycopg2 consumer:\nfirst run:\n%s\nsecond run:\n%s\nwant:\n%s\n%s", first, second, want1, want2)
	}
}

// TestReplicationStatus: a streaming connection shows in
// pg_stat_replication and as its slot's active_pid; a second stream on the
// slot and dropping it fail with 55006 naming that PID; after the client's
// CopyDone the slot is free and the connection takes commands again.
func TestReplicationStatus(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE rs_t (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "CREATE PUBLICATION rs_pub FOR ALL TABLES")
	url := fmt.Sprintf("postgres://logdb@%s/logdb?replication=database&sslmode=disable&application_name=rs_app", n.Addr)
	rc, err := pgconn.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close(ctx)
	if _, err := pglogrepl.CreateReplicationSlot(ctx, rc, "rs_slot", "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "NOEXPORT_SNAPSHOT"}); err != nil {
		t.Fatal(err)
	}
	opts := pglogrepl.StartReplicationOptions{Mode: pglogrepl.LogicalReplication, PluginArgs: []string{"proto_version '2'", "publication_names 'rs_pub'"}}
	if err := pglogrepl.StartReplication(ctx, rc, "rs_slot", 0, opts); err != nil {
		t.Fatal(err)
	}
	pid := fmt.Sprint(rc.PID())
	checkQuery(t, ctx, c, pid+"|rs_app|streaming", "SELECT pid, application_name, state FROM pg_stat_replication")
	checkQuery(t, ctx, c, "t|"+pid, "SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = 'rs_slot'")

	other, err := pgconn.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	err = pglogrepl.StartReplication(ctx, other, "rs_slot", 0, opts)
	wantCode(t, err, "55006", "a second stream on an active slot")
	if err != nil && !strings.Contains(err.Error(), `replication slot "rs_slot" is active for PID `+pid) {
		t.Errorf("message: %v", err)
	}
	// (a new connection: pglogrepl leaves the failed one mid-reply)
	dropper, err := pgconn.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer dropper.Close(ctx)
	err = pglogrepl.DropReplicationSlot(ctx, dropper, "rs_slot", pglogrepl.DropReplicationSlotOptions{})
	wantCode(t, err, "55006", "dropping an active slot")

	if _, err := pglogrepl.SendStandbyCopyDone(ctx, rc); err != nil {
		t.Fatalf("CopyDone: %v", err)
	}
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM pg_stat_replication")
	if _, err := pglogrepl.IdentifySystem(ctx, rc); err != nil {
		t.Fatalf("a command after the stream ended: %v", err)
	}
	if err := pglogrepl.DropReplicationSlot(ctx, rc, "rs_slot", pglogrepl.DropReplicationSlotOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
}

// pgoutputMessage decodes a logical replication stream's message: the
// pgoutput message an XLogData carries, nil for anything else (keepalives).
func pgoutputMessage(t *testing.T, raw pgproto3.BackendMessage) pglogrepl.Message {
	t.Helper()
	cd, ok := raw.(*pgproto3.CopyData)
	if !ok || len(cd.Data) == 0 || cd.Data[0] != pglogrepl.XLogDataByteID {
		return nil
	}
	x, err := pglogrepl.ParseXLogData(cd.Data[1:])
	if err != nil {
		t.Fatal(err)
	}
	m, err := pglogrepl.Parse(x.WALData)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
