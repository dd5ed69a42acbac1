package changefeed

import (
	"testing"

	"github.com/jackc/pglogrepl"

	"logdb/kv"
)

// TestPgoutputParsesWithPglogrepl encodes a transaction's changes and reads
// them back with pglogrepl, the client library.
func TestPgoutputParsesWithPglogrepl(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef) // 1
	txn := e.begin()
	e.insert(txn, "orders", int64(1), "a", num("9.50"))
	e.insert(txn, "orders", int64(2), "z", nil)
	e.mustCommit(txn) // 2
	s := e.subscribe(Request{Tables: []string{"orders"}, AllMessages: true})
	txn = e.begin()
	e.update(txn, "orders", int64(1), "b", nil)
	e.delete(txn, "orders", int64(2))
	txn.Emit(kv.Message{Transactional: true, Prefix: "ev", Content: []byte("hello")})
	idx := e.mustCommit(txn) // 3

	var msgs [][]byte
	c := next(t, s)
	msgs = append(msgs, AppendBegin(nil, c.XID, c.CommitTime), AppendRelation(nil, c.Table))
	for {
		var b []byte
		var err error
		if c.Op == OpMessage {
			b = AppendMessage(nil, &c)
		} else if b, err = AppendChange(nil, &c, false); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
		if c.LastInTxn {
			break
		}
		c = next(t, s)
	}
	msgs = append(msgs, AppendCommit(nil, c.XID, c.CommitTime))

	var parsed []pglogrepl.Message
	for _, m := range msgs {
		p, err := pglogrepl.Parse(m)
		if err != nil {
			t.Fatalf("parse %q: %v", m, err)
		}
		parsed = append(parsed, p)
	}
	b := parsed[0].(*pglogrepl.BeginMessage)
	if uint64(b.FinalLSN) != CommitLSN(idx) || b.Xid != uint32(idx) || !b.CommitTime.Equal(testTime) {
		t.Fatalf("begin %+v", b)
	}
	r := parsed[1].(*pglogrepl.RelationMessage)
	if r.Namespace != "public" || r.RelationName != "orders" || r.ColumnNum != 3 || r.Columns[0].Flags != 1 || r.Columns[2].DataType != 1700 || r.ReplicaIdentity != 'd' {
		t.Fatalf("relation %+v", r)
	}
	u := parsed[2].(*pglogrepl.UpdateMessage)
	// the key did not change: no old tuple, as PostgreSQL sends under
	// the default replica identity
	if u.OldTupleType != 0 || u.OldTuple != nil ||
		string(u.NewTuple.Columns[1].Data) != "b" || u.NewTuple.Columns[2].DataType != 'n' {
		t.Fatalf("update %+v", u)
	}
	d := parsed[3].(*pglogrepl.DeleteMessage)
	if d.OldTupleType != 'K' || string(d.OldTuple.Columns[0].Data) != "2" || d.OldTuple.Columns[1].DataType != 'n' {
		t.Fatalf("delete %+v", d)
	}
	m := parsed[4].(*pglogrepl.LogicalDecodingMessage)
	if !m.Transactional || m.Prefix != "ev" || string(m.Content) != "hello" || uint64(m.LSN) != LSN(idx, 3) {
		t.Fatalf("message %+v", m)
	}
	if lsn, ok, err := e.feed.MessageLSN(idx, 0); err != nil || !ok || lsn != uint64(m.LSN) {
		t.Fatalf("MessageLSN = %s %v %v, delivered at %s", FormatLSN(lsn), ok, err, m.LSN)
	}
	cm := parsed[5].(*pglogrepl.CommitMessage)
	if uint64(cm.CommitLSN) != CommitLSN(idx) || uint64(cm.TransactionEndLSN) != TxnEndLSN(idx) {
		t.Fatalf("commit %+v", cm)
	}
}

// TestPgoutputBinary: with the binary option, tuple values are 'b' with
// the types' binary send format.
func TestPgoutputBinary(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef)
	s := e.subscribe(Request{Tables: []string{"orders"}})
	txn := e.begin()
	e.insert(txn, "orders", int64(7), "sku", num("1.25"))
	e.mustCommit(txn)
	c := next(t, s)
	b, err := AppendChange(nil, &c, true)
	if err != nil {
		t.Fatal(err)
	}
	m, err := pglogrepl.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	ins := m.(*pglogrepl.InsertMessage)
	id := ins.Tuple.Columns[0]
	if id.DataType != 'b' || len(id.Data) != 8 || id.Data[7] != 7 {
		t.Fatalf("binary id column: %c %x", id.DataType, id.Data)
	}
	if sku := ins.Tuple.Columns[1]; sku.DataType != 'b' || string(sku.Data) != "sku" {
		t.Fatalf("binary text column: %c %q", sku.DataType, sku.Data)
	}
}
