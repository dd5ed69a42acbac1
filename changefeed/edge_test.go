package changefeed

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"logdb/kv"
)

func TestCreateAndDropTableInsideTransactions(t *testing.T) {
	e := newEnv(t)
	s := e.subscribe(Request{AllTables: true})
	txn := e.begin()
	e.putTable(txn, "orders", ordersDef)
	e.insert(txn, "orders", int64(1), "born", nil)
	e.mustCommit(txn) // 1: CREATE TABLE + INSERT
	txn = e.begin()
	e.delete(txn, "orders", int64(1))
	txn.Delete(kv.CatalogSpace, []byte("t/orders"), nil)
	e.mustCommit(txn) // 2: DELETE, then the table's descriptor goes
	// (kv.Txn.DropSpace would discard the transaction's earlier writes to
	// the space: DROP TABLE itself produces no changes.)
	expectChanges(t, collect(t, s, 2), []string{
		`0/1000001 xid=1 insert public.orders key={"id": 1} after={"id": 1, "sku": "born", "total": null}`,
		`0/2000001 xid=2 delete public.orders key={"id": 1} before={"id": 1, "sku": "born", "total": null}`,
	})
}

func TestFutureFromLSNSeesLaterSchema(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef) // 1
	s := e.subscribe(Request{AllTables: true, HasFromLSN: true, FromLSN: EndLSN(2)})
	d := ordersDef
	d.Columns = append([]colDef{}, d.Columns...)
	d.Columns = append(d.Columns, colDef{4, "note", textT_})
	e.createTable("orders", d) // 2: ALTER, applied after the subscription started
	txn := e.begin()
	e.insert(txn, "orders", int64(1), "x", nil, "n")
	e.mustCommit(txn) // 3
	expectChanges(t, collect(t, s, 1), []string{
		`0/3000001 xid=3 insert public.orders key={"id": 1} after={"id": 1, "sku": "x", "note": "n", "total": null}`,
	})
}

func TestCurrentLSNSkipsEntriesWithoutChanges(t *testing.T) {
	e := newEnv(t)
	if got := e.feed.CurrentLSN(); got != 0 {
		t.Fatalf("empty: %s", FormatLSN(got))
	}
	e.createTable("orders", ordersDef) // 1
	txn := e.begin()
	e.insert(txn, "orders", int64(1), "a", nil)
	e.insert(txn, "orders", int64(2), "b", nil)
	e.mustCommit(txn) // 2
	if got := e.feed.CurrentLSN(); got != LSN(2, 3) {
		t.Fatalf("after insert: %s", FormatLSN(got))
	}
	e.createTable("other", tableDef{Space: 1001, Columns: []colDef{{1, "id", int8T_}}, PK: []int{0}}) // 3
	e.log.propose(nil)                                                                                // 4
	txn = e.begin()
	txn.Put(kv.FirstUserSpace+77, []byte("index entry"), []byte{}, nil)
	e.mustCommit(txn) // 5: not a table
	if got := e.feed.CurrentLSN(); got != LSN(2, 3) {
		t.Fatalf("after entries without changes: %s", FormatLSN(got))
	}
	// A fresh feed (restart) finds it by looking back.
	f2, _ := New(Config{Log: e.log, Store: e.store, Decoder: testDecoder{}, Logger: quiet})
	if got := f2.CurrentLSN(); got != LSN(2, 3) {
		t.Fatalf("fresh feed: %s", FormatLSN(got))
	}
}

func TestFeedCloseEndsWaits(t *testing.T) {
	e := newEnv(t)
	s := e.subscribe(Request{AllMessages: true})
	errc := make(chan error, 1)
	go func() {
		_, err := s.Next(context.Background())
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	e.feed.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Next after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next still blocked after Feed.Close")
	}
}

func TestSnapshotOfMessagesOnlyStartsStreaming(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef)
	txn := e.begin()
	e.insert(txn, "orders", int64(1), "a", nil)
	e.mustCommit(txn)
	s := e.subscribe(Request{AllMessages: true, Snapshot: true})
	txn = e.begin()
	txn.Emit(kv.Message{Transactional: true, Prefix: "p", Content: []byte("1")})
	e.mustCommit(txn) // 3
	expectChanges(t, collect(t, s, 1), []string{`0/3000001 xid=3 message p after=1`})
}

func TestCurrentLSNConcurrent(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef)
	stop := make(chan struct{})
	errc := make(chan error, 4)
	for range 4 {
		go func() {
			var last uint64
			for {
				select {
				case <-stop:
					errc <- nil
					return
				default:
				}
				// an open transaction on this goroutine, as in a SQL session
				txn, err := e.store.Begin()
				if err != nil {
					errc <- err
					return
				}
				lsn := e.feed.CurrentLSN()
				txn.Release()
				if lsn < last {
					errc <- fmt.Errorf("CurrentLSN went back: %s after %s", FormatLSN(lsn), FormatLSN(last))
					return
				}
				last = lsn
			}
		}()
	}
	for i := range 200 {
		txn := e.begin()
		e.insert(txn, "orders", int64(i), "x", nil)
		e.mustCommit(txn)
	}
	close(stop)
	for range 4 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if got := e.feed.CurrentLSN(); got != LSN(201, 2) {
		t.Fatalf("final %s", FormatLSN(got))
	}
}
