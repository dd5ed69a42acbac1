package changefeed

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"logdb/kv"
	// the operators ordersMerge looks up are sql/builtins' (registered at init)
	_ "logdb/sql/builtins"
	"logdb/sql/types"
)

// ordersMerge is a merge function for ordersDef rows (as sql's MergeRow is
// for real tables): the operand is a row holding a delta for "total".
func ordersMerge(old, operand []byte) ([]byte, error) {
	cols := []types.RowColumn{{ID: 1, T: int8T_}, {ID: 2, T: textT_}, {ID: 3, T: numericT_}}
	row := make([]types.Datum, 3)
	if err := types.DecodeRow(old, cols, row); err != nil {
		return nil, err
	}
	delta := make([]types.Datum, 1)
	if err := types.DecodeRow(operand, cols[2:], delta); err != nil {
		return nil, err
	}
	if row[2] != nil {
		op, err := types.LookupBinaryOp("+", numericT_, numericT_)
		if err != nil {
			return nil, err
		}
		sum, err := op.Fn(&types.EvalContext{}, row[2], delta[0])
		if err != nil {
			return nil, err
		}
		if row[2], err = types.Cast(&types.EvalContext{}, sum, op.Ret, numericT_, types.CastAssignment); err != nil {
			return nil, err
		}
	}
	return types.AppendRow(nil, cols, row), nil
}

func newMergeEnv(t *testing.T) *env {
	t.Helper()
	store, err := kv.Open(filepath.Join(t.TempDir(), "state.db"), kv.Options{NoSync: true, InitialMmapSize: 64 << 20, Logger: quiet, Merge: ordersMerge})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log := &testLog{t: t, store: store, first: 1}
	feed, err := New(Config{Log: log, Store: store, Decoder: testDecoder{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(feed.Close)
	return &env{t: t, store: store, log: log, feed: feed, defs: map[string]tableDef{}}
}

func (e *env) mergeTotal(txn *kv.Txn, id int64, delta string) {
	e.t.Helper()
	key := types.AppendKey(nil, int8T_, id)
	operand := types.AppendRow(nil, []types.RowColumn{{ID: 3, T: numericT_}}, []types.Datum{num(delta)})
	if found, err := txn.Merge(ordersDef.Space, key, operand); err != nil || !found {
		e.t.Fatalf("merge %d: %v %v", id, found, err)
	}
}

// Merge writes carry only their operand in the log; the feed shows them as
// updates with whole before and after rows, as computed at apply, also
// for transactions that merged the same row concurrently.
func TestMergeWritesAreUpdatesWithWholeRows(t *testing.T) {
	e := newMergeEnv(t)
	e.createTable("orders", ordersDef) // 1
	txn := e.begin()
	e.insert(txn, "orders", int64(1), "a", num("9.50"))
	e.insert(txn, "orders", int64(2), "b", num("1.00"))
	e.mustCommit(txn) // 2
	s := e.subscribe(Request{Tables: []string{"public.orders"}})

	// Two transactions from the same snapshot merge the same row: both
	// apply, each change shows the row as it was when it applied.
	t1, t2 := e.begin(), e.begin()
	e.mergeTotal(t1, 1, "1.00")
	e.insert(t1, "orders", int64(3), "c", num("3.00"))
	e.mergeTotal(t2, 1, "0.25")
	e.update(t2, "orders", int64(2), "b2", num("2.00"))
	e.mergeTotal(t2, 2, "0.50") // folds into t2's own write of row 2
	e.mustCommit(t1)            // 3
	e.mustCommit(t2)            // 4
	// A merge of a row deleted meanwhile fails: no change.
	t3, t4 := e.begin(), e.begin()
	e.mergeTotal(t3, 3, "1.00")
	e.delete(t4, "orders", int64(3))
	e.mustCommit(t4) // 5
	if _, err := e.log.commit(t3); err == nil {
		t.Fatal("merge of a deleted row committed")
	} // 6

	changes := collect(t, s, 5)
	expectChanges(t, changes, []string{
		`0/3000001 xid=3 update public.orders key={"id": 1} before={"id": 1, "sku": "a", "total": 9.50} after={"id": 1, "sku": "a", "total": 10.50}`,
		`0/3000002 xid=3 insert public.orders key={"id": 3} after={"id": 3, "sku": "c", "total": 3.00}`,
		`0/4000001 xid=4 update public.orders key={"id": 1} before={"id": 1, "sku": "a", "total": 10.50} after={"id": 1, "sku": "a", "total": 10.75}`,
		`0/4000002 xid=4 update public.orders key={"id": 2} before={"id": 2, "sku": "b", "total": 1.00} after={"id": 2, "sku": "b2", "total": 2.50}`,
		`0/5000001 xid=5 delete public.orders key={"id": 3} before={"id": 3, "sku": "c", "total": 3.00}`,
	})
	expectNone(t, s, 20*time.Millisecond)

	// Stored forms for encoders (pgoutput) are the computed rows too, and a
	// subscription resuming mid-log decodes the same.
	r := e.subscribe(Request{Tables: []string{"public.orders"}, FromLSN: LSN(3, 2), HasFromLSN: true})
	c := next(t, r)
	if show(c) != `0/4000001 xid=4 update public.orders key={"id": 1} before={"id": 1, "sku": "a", "total": 10.50} after={"id": 1, "sku": "a", "total": 10.75}` {
		t.Fatalf("resumed: %s", show(c))
	}
	_, before := e.row("orders", int64(1), "a", num("10.50"))
	_, after := e.row("orders", int64(1), "a", num("10.75"))
	if !bytes.Equal(c.OldRow, before) || !bytes.Equal(c.NewRow, after) {
		t.Fatalf("stored rows %x → %x", c.OldRow, c.NewRow)
	}
	if got := e.feed.CurrentLSN(); got != LSN(5, 2) {
		t.Fatalf("CurrentLSN = %s", FormatLSN(got))
	}
}
