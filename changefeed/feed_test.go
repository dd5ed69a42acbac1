package changefeed

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"logdb/kv"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

func collect(t *testing.T, s *Subscription, n int) []string {
	t.Helper()
	var out []string
	for range n {
		out = append(out, show(next(t, s)))
	}
	return out
}

func expectChanges(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestOrderAndTransactionGrouping(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef) // 1
	s := e.subscribe(Request{Tables: []string{"public.orders"}})

	txn := e.begin()
	e.insert(txn, "orders", int64(1), "a", num("9.50"))
	e.insert(txn, "orders", int64(2), "b", nil)
	e.mustCommit(txn) // 2
	txn = e.begin()
	e.update(txn, "orders", int64(2), "b", num("1.00"))
	e.delete(txn, "orders", int64(1))
	e.insert(txn, "orders", int64(3), "c\t\"q\"", num("0.25"))
	e.mustCommit(txn) // 3

	// Position counts only what was returned, not what was looked ahead.
	first := next(t, s)
	if s.Position() != first.LSN || first.LastInTxn {
		t.Fatalf("position %s after %s", FormatLSN(s.Position()), show(first))
	}
	expectChanges(t, append([]string{show(first)}, collect(t, s, 4)...), []string{
		`0/2000001 xid=2 insert public.orders key={"id": 1} after={"id": 1, "sku": "a", "total": 9.50}`,
		`0/2000002 xid=2 insert public.orders key={"id": 2} after={"id": 2, "sku": "b", "total": null}`,
		`0/3000001 xid=3 update public.orders key={"id": 2} before={"id": 2, "sku": "b", "total": null} after={"id": 2, "sku": "b", "total": 1.00}`,
		`0/3000002 xid=3 delete public.orders key={"id": 1} before={"id": 1, "sku": "a", "total": 9.50}`,
		`0/3000003 xid=3 insert public.orders key={"id": 3} after={"id": 3, "sku": "c\t\"q\"", "total": 0.25}`,
	})
	expectNone(t, s, 20*time.Millisecond)
	if s.Position() != EndLSN(3) {
		t.Fatalf("position %s", FormatLSN(s.Position()))
	}
	if got := e.feed.CurrentLSN(); got != LSN(3, 4) {
		t.Fatalf("CurrentLSN = %s, want 0/3000004", FormatLSN(got))
	}
}

func TestRolledBackTransactionsAreAbsent(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef) // 1
	txn := e.begin()
	e.insert(txn, "orders", int64(1), "a", nil)
	e.mustCommit(txn) // 2
	s := e.subscribe(Request{Tables: []string{"orders"}, AllMessages: true})

	stale := e.begin()
	if _, _, err := stale.Get(ordersDef.Space, types.AppendKey(nil, int8T_, int64(1))); err != nil {
		t.Fatal(err)
	}
	e.update(stale, "orders", int64(1), "stale", nil)
	e.insert(stale, "orders", int64(9), "lost", nil)
	stale.Emit(kv.Message{Transactional: true, Prefix: "p", Content: []byte("lost")})
	stale.Emit(kv.Message{Transactional: false, Prefix: "p", Content: []byte("kept")})

	txn = e.begin()
	e.update(txn, "orders", int64(1), "won", nil)
	e.mustCommit(txn) // 3
	if _, err := e.log.commit(stale); !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("stale commit: %v", err) // 4
	}
	txn = e.begin()
	e.insert(txn, "orders", int64(2), "after", nil)
	e.mustCommit(txn) // 5

	expectChanges(t, collect(t, s, 3), []string{
		`0/3000001 xid=3 update public.orders key={"id": 1} before={"id": 1, "sku": "a", "total": null} after={"id": 1, "sku": "won", "total": null}`,
		`0/4000001 xid=4 message p after="kept"`,
		`0/5000001 xid=5 insert public.orders key={"id": 2} after={"id": 2, "sku": "after", "total": null}`,
	})
}

func TestFromLSNResumesMidTransaction(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef) // 1
	txn := e.begin()
	for i := range 3 {
		e.insert(txn, "orders", int64(i), "x", nil)
	}
	e.mustCommit(txn) // 2
	txn = e.begin()
	e.insert(txn, "orders", int64(10), "y", nil)
	e.mustCommit(txn) // 3

	all := collect(t, e.subscribe(Request{AllTables: true, HasFromLSN: true}), 4)
	for k, from := range []uint64{0, LSN(2, 0), LSN(2, 1), LSN(2, 2), LSN(2, 3), EndLSN(2), LSN(3, 1)} {
		s := e.subscribe(Request{AllTables: true, HasFromLSN: true, FromLSN: from})
		skip := []int{0, 0, 1, 2, 3, 3, 4}[k]
		got := collect(t, s, 4-skip)
		expectChanges(t, got, all[skip:])
		expectNone(t, s, 10*time.Millisecond)
	}
}

func TestSnapshotThenStreamNoGapNoDuplicate(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef) // 1
	for i := range 50 {
		txn := e.begin()
		e.insert(txn, "orders", int64(i), "s", nil)
		e.mustCommit(txn)
	}
	s := e.subscribe(Request{Tables: []string{"orders"}, Snapshot: true})
	n := e.store.AppliedIndex()
	// Writes racing with the snapshot's consumption.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			txn, _ := e.store.Begin()
			e.update(txn, "orders", int64(i), "changed", nil)
			e.log.commit(txn)
		}
	}()
	seen := map[string]bool{}
	for i := range 50 {
		c := next(t, s)
		if c.Op != OpRead || c.LSN != EndLSN(n) || c.XID != 0 {
			t.Fatalf("row %d: %s", i, show(c))
		}
		if !strings.Contains(string(c.After), `"sku": "s"`) || seen[string(c.Key)] {
			t.Fatalf("snapshot row %d: %s", i, show(c))
		}
		seen[string(c.Key)] = true
	}
	<-done
	last := EndLSN(n)
	for i := range 50 {
		c := next(t, s)
		if c.Op != OpUpdate || c.LSN <= last || c.XID != n+1+uint64(i) || !strings.Contains(string(c.After), "changed") {
			t.Fatalf("change %d: %s", i, show(c))
		}
		last = c.LSN
	}
	expectNone(t, s, 20*time.Millisecond)
	// Resuming from the snapshot's LSN gives exactly the stream part.
	r := e.subscribe(Request{Tables: []string{"orders"}, HasFromLSN: true, FromLSN: EndLSN(n)})
	if c := next(t, r); c.XID != n+1 {
		t.Fatalf("resume after snapshot: %s", show(c))
	}
}

func TestProgressRows(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef)
	e.createTable("other", tableDef{Space: 1001, Columns: []colDef{{1, "id", int8T_}}, PK: []int{0}})
	s := e.subscribe(Request{Tables: []string{"orders"}, Progress: true})
	start := time.Now()
	c := next(t, s)
	if c.Op != OpProgress || c.LSN != EndLSN(2) || time.Since(start) < 900*time.Millisecond {
		t.Fatalf("progress: %s after %v", show(c), time.Since(start))
	}
	// Another table's changes move the position too.
	txn := e.begin()
	e.insert(txn, "other", int64(1))
	e.mustCommit(txn) // 3
	c = next(t, s)
	if c.Op != OpProgress || c.LSN != EndLSN(3) {
		t.Fatalf("progress after other table: %s", show(c))
	}
	var line []byte
	line = AppendText(line, c)
	if string(line) != "0/3FFFFFF\t\\N\tprogress\t\\N\t\\N\t\\N\t\\N\t\\N\n" {
		t.Fatalf("progress text %q", line)
	}
}

func TestMessages(t *testing.T) {
	e := newEnv(t)
	s := e.subscribe(Request{MessagePrefixes: []string{"order-events"}})
	all := e.subscribe(Request{AllMessages: true})
	txn := e.begin()
	txn.Emit(kv.Message{Transactional: true, Prefix: "order-events", Content: []byte(`{"b": 1, "a": "x"}`)})
	txn.Emit(kv.Message{Transactional: true, Prefix: "other", Content: []byte(`not json`)})
	txn.Emit(kv.Message{Transactional: true, Prefix: "order-events", Content: []byte{0xff, 0x01}})
	e.mustCommit(txn) // 1
	nt := kv.EncodeCommand(&kv.Command{Kind: kv.KindMessage, CommitTime: testTime.UnixMicro(),
		Messages: []kv.Message{{Prefix: "order-events", Content: []byte("42")}}})
	e.log.propose(nt) // 2
	for k, want := range []uint64{LSN(1, 1), LSN(1, 2), LSN(1, 3)} {
		if got, ok, err := e.feed.MessageLSN(1, k); err != nil || !ok || got != want {
			t.Fatalf("MessageLSN(1, %d) = %s %v %v", k, FormatLSN(got), ok, err)
		}
	}
	expectChanges(t, collect(t, s, 3), []string{
		`0/1000001 xid=1 message order-events after={"a": "x", "b": 1}`,
		`0/1000003 xid=1 message order-events after="\\xff01"`,
		`0/2000001 xid=2 message order-events after=42`,
	})
	expectChanges(t, collect(t, all, 4)[1:2], []string{`0/1000002 xid=1 message other after="not json"`})
}

func TestSchemaChangeDecodesWithTheShapeOfItsTime(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef) // 1
	txn := e.begin()
	e.insert(txn, "orders", int64(1), "old", nil)
	e.mustCommit(txn) // 2
	// ALTER TABLE orders ADD COLUMN note text, DROP COLUMN total; then a row.
	d := ordersDef
	d.Columns = []colDef{{1, "id", int8T_}, {2, "sku", textT_}, {4, "note", textT_}}
	txn = e.begin()
	e.putTable(txn, "orders", d)
	e.insert(txn, "orders", int64(2), "new", "hello")
	e.mustCommit(txn) // 3
	txn = e.begin()
	e.delete(txn, "orders", int64(1))
	e.mustCommit(txn) // 4
	s := e.subscribe(Request{Tables: []string{"orders"}, HasFromLSN: true})
	expectChanges(t, collect(t, s, 3), []string{
		`0/2000001 xid=2 insert public.orders key={"id": 1} after={"id": 1, "sku": "old", "total": null}`,
		`0/3000001 xid=3 insert public.orders key={"id": 2} after={"id": 2, "sku": "new", "note": "hello"}`,
		`0/4000001 xid=4 delete public.orders key={"id": 1} before={"id": 1, "sku": "old", "note": null}`,
	})
}

func TestUnknownTableAndBadOptions(t *testing.T) {
	e := newEnv(t)
	_, err := e.feed.Subscribe(context.Background(), Request{Tables: []string{"nope"}})
	if pgerror.Code(err) != pgerror.UndefinedTable {
		t.Fatalf("unknown table: %v", err)
	}
	_, err = e.feed.Subscribe(context.Background(), Request{AllTables: true, Snapshot: true, HasFromLSN: true})
	if pgerror.Code(err) != pgerror.InvalidParameterValue {
		t.Fatalf("snapshot+from_lsn: %v", err)
	}
}

func TestTableWithoutPrimaryKey(t *testing.T) {
	e := newEnv(t)
	e.createTable("log", tableDef{Space: 1002, Columns: []colDef{{1, "msg", textT_}}}) // 1
	s := e.subscribe(Request{Tables: []string{"log"}})
	txn := e.begin()
	txn.Put(1002, types.AppendKey(nil, int8T_, int64(77)), types.AppendRow(nil, e.cols("log"), []types.Datum{"hi"}), nil)
	e.mustCommit(txn)
	expectChanges(t, collect(t, s, 1), []string{`0/2000001 xid=2 insert public.log key={"rowid": 77} after={"msg": "hi"}`})
}

func TestFetch(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef)
	s := e.subscribe(Request{Tables: []string{"orders"}})
	ctx := context.Background()
	start := time.Now()
	got, err := s.Fetch(ctx, 10, 50*time.Millisecond)
	if err != nil || len(got) != 0 || time.Since(start) < 40*time.Millisecond {
		t.Fatalf("empty fetch: %v %v after %v", got, err, time.Since(start))
	}
	txn := e.begin()
	for i := range 5 {
		e.insert(txn, "orders", int64(i), "x", nil)
	}
	e.mustCommit(txn)
	got, err = s.Fetch(ctx, 3, -1)
	if err != nil || len(got) != 3 {
		t.Fatalf("fetch 3: %d %v", len(got), err)
	}
	got, err = s.Fetch(ctx, 10, time.Second)
	if err != nil || len(got) != 2 || got[1].LSN != LSN(2, 5) {
		t.Fatalf("fetch rest: %d %v", len(got), err)
	}
	// A waiting Fetch wakes on commit.
	go func() {
		time.Sleep(20 * time.Millisecond)
		txn, _ := e.store.Begin()
		e.insert(txn, "orders", int64(100), "late", nil)
		e.log.commit(txn)
	}()
	got, err = s.Fetch(ctx, 10, -1)
	if err != nil || len(got) != 1 || got[0].Op != OpInsert {
		t.Fatalf("waiting fetch: %v %v", got, err)
	}
}

func TestAppendText(t *testing.T) {
	// The JSON text holds escapes (backslash t, …): COPY doubles backslashes.
	c := Change{LSN: LSN(3, 1), XID: 3, Op: OpInsert, Relation: "public.orders",
		Key: []byte(`{"id": 1}`), After: []byte(`{"id": 1, "sku": "a\tb"}`), CommitTime: testTime}
	got := string(AppendText(nil, c))
	want := `0/3000001	3	insert	public.orders	{"id": 1}	\N	{"id": 1, "sku": "a\\tb"}	2026-11-26 19:00:00.123456+00` + "\n"
	if got != want {
		t.Fatalf("text:\n%q\nwant\n%q", got, want)
	}
	raw := string(AppendText(nil, Change{LSN: 1 << 32, Op: OpMessage, Relation: "a\tb", After: []byte("\"x\ny\"")}))
	if raw != "1/0\t\\N\tmessage\ta\\tb\t\\N\t\\N\t\"x\\ny\"\t\\N\n" {
		t.Fatalf("raw control characters: %q", raw)
	}
}

// TestRenderMatchesPostgres compares with what PostgreSQL 15 prints for
// SELECT to_jsonb(t) FROM t (run once by hand):
//
//	create table t(id int primary key, sku text, total numeric(10,2), note text,
//	  created timestamptz, tags text[], data jsonb, f float8, b bytea);
//	insert into t values (1,'a',9.5,null,'2026-11-26 19:00:00.123456+00','{x,y}',
//	  '{"b":1,"a":[1,2]}', 1.5, '\x0102');
func TestRenderMatchesPostgres(t *testing.T) {
	const pg = `{"b": "\\x0102", "f": 1.5, "id": 1, "sku": "a", "data": {"a": [1, 2], "b": 1}, "note": null, "tags": ["x", "y"], "total": 9.50, "created": "2026-11-26T19:00:00.123456+00:00"}`
	ts := types.T{OID: types.TimestamptzOID, Mod: -1}
	r := &Relation{Name: "t", KeyColumns: []int{0},
		ColumnNames: []string{"id", "sku", "total", "note", "created", "tags", "data", "f", "b"},
		Columns: []types.RowColumn{{ID: 1, T: types.T{OID: types.Int4OID, Mod: -1}}, {ID: 2, T: textT_}, {ID: 3, T: numericT_},
			{ID: 4, T: textT_}, {ID: 5, T: ts}, {ID: 6, T: types.T{OID: types.TextArrayOID, Mod: -1}},
			{ID: 7, T: types.T{OID: types.JSONBOID, Mod: -1}}, {ID: 8, T: types.T{OID: types.Float8OID, Mod: -1}},
			{ID: 9, T: types.T{OID: types.ByteaOID, Mod: -1}}}}
	p, err := prepareRelation(r)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := types.ParseJSONB(`{"b":1,"a":[1,2]}`)
	vals := []types.Datum{int64(1), "a", num("9.50"), nil, testTime,
		types.Array{Elem: textT_, Elements: []types.Datum{"x", "y"}}, data, 1.5, []byte{1, 2}}
	var scratch []types.Datum
	row, key, err := p.render(types.AppendRow(nil, r.Columns, vals), nil, true, &scratch)
	if err != nil {
		t.Fatal(err)
	}
	if string(row) != pg || string(key) != `{"id": 1}` {
		t.Fatalf("row\n%s\nwant\n%s\nkey %s", row, pg, key)
	}
}

// TestMessagesAndSlotsPerDatabase: a subscription sees only the messages
// of its Request.Database (0, the default database, for messages that
// name none), and a slot of another database is 55000.
func TestMessagesAndSlotsPerDatabase(t *testing.T) {
	e := newEnv(t)
	def := e.subscribe(Request{AllMessages: true})
	other := e.subscribe(Request{AllMessages: true, Database: 16384})
	txn := e.begin()
	txn.Emit(kv.Message{Transactional: true, Prefix: "p", Content: []byte("default")})
	txn.Emit(kv.Message{Transactional: true, Prefix: "p", Content: []byte("other"), Database: 16384})
	txn.Emit(kv.Message{Transactional: true, Prefix: "p", Content: []byte("third"), Database: 16385})
	e.mustCommit(txn) // 1
	e.log.propose(kv.EncodeCommand(&kv.Command{Kind: kv.KindMessage, CommitTime: testTime.UnixMicro(),
		Messages: []kv.Message{{Prefix: "p", Content: []byte("other-2"), Database: 16384}}})) // 2
	expectChanges(t, collect(t, def, 1), []string{`0/1000001 xid=1 message p after="default"`})
	expectChanges(t, collect(t, other, 2), []string{`0/1000002 xid=1 message p after="other"`, `0/2000001 xid=2 message p after="other-2"`})

	txn = e.begin()
	if _, err := e.feed.CreateSlot(txn, "db_slot", "pgoutput", 16384, testTime); err != nil {
		t.Fatal(err)
	}
	e.mustCommit(txn)
	if _, err := e.feed.Subscribe(context.Background(), Request{AllMessages: true, Slot: "db_slot"}); pgerror.Code(err) != pgerror.ObjectNotInPrerequisiteState {
		t.Fatalf("a slot of another database: %v", err)
	}
	s, err := e.feed.Subscribe(context.Background(), Request{AllMessages: true, Slot: "db_slot", Database: 16384})
	if err != nil {
		t.Fatalf("a slot of its own database: %v", err)
	}
	s.Close()
}
