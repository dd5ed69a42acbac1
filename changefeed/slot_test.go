package changefeed

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"logdb/kv"
	"logdb/sql/pgerror"
)

func TestSlotEncoding(t *testing.T) {
	for _, s := range []Slot{
		{Name: "billing", Plugin: "pgoutput", ConfirmedLSN: LSN(7, 3), RestartLSN: LSN(7, 3), CreatedAt: testTime},
		{Name: "x", Lost: true},
		{Name: "other_db", Plugin: "pgoutput", ConfirmedLSN: LSN(9, 1), CreatedAt: testTime, Database: 16384},
	} {
		got, err := DecodeSlot(EncodeSlot(s))
		if err != nil || got != s {
			t.Fatalf("round trip %+v: %+v %v", s, got, err)
		}
	}
	if enc := EncodeSlot(Slot{Name: "abc"}); enc[0] != slotFormatV1 {
		t.Fatalf("a slot of the default database is written as V1 (older versions read it): version %d", enc[0])
	}
	for _, enc := range [][]byte{EncodeSlot(Slot{Name: "abc", Plugin: "p"}), EncodeSlot(Slot{Name: "abc", Plugin: "p", Database: 1 << 20})} {
		for i := range enc {
			if _, err := DecodeSlot(enc[:i]); !errors.Is(err, ErrBadSlot) {
				t.Fatalf("truncated at %d: %v", i, err)
			}
		}
	}
	if ValidateSlotName("ok_1") != nil || pgerror.Code(ValidateSlotName("Bad")) != "42602" || ValidateSlotName("") == nil {
		t.Fatal("slot name validation")
	}
}

func TestSlotLifecycleAndResume(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef) // 1
	txn := e.begin()
	slot, err := e.feed.CreateSlot(txn, "billing", "logdb", 0, testTime)
	if err != nil {
		t.Fatal(err)
	}
	e.mustCommit(txn) // 2
	if slot.ConfirmedLSN != EndLSN(1) {
		t.Fatalf("created at %s", FormatLSN(slot.ConfirmedLSN))
	}
	txn = e.begin()
	if _, err := e.feed.CreateSlot(txn, "billing", "logdb", 0, testTime); pgerror.Code(err) != pgerror.DuplicateObject {
		t.Fatalf("duplicate: %v", err)
	}
	txn.Release()
	for i := range 4 {
		txn := e.begin()
		e.insert(txn, "orders", int64(i), "x", nil)
		e.mustCommit(txn) // 3..6
	}
	ctx := context.Background()
	s := e.subscribe(Request{Tables: []string{"orders"}, Slot: "billing"})
	if !e.feed.SlotActive("billing") {
		t.Fatal("slot not active")
	}
	if _, err := e.feed.Subscribe(ctx, Request{AllTables: true, Slot: "billing"}); pgerror.Code(err) != pgerror.ObjectInUse {
		t.Fatalf("second consumer: %v", err)
	}
	c1, c2 := next(t, s), next(t, s)
	// Exactly-once: the consumer's own write and the slot advance commit together.
	txn = e.begin()
	txn.Put(kv.FirstUserSpace+50, []byte("processed"), []byte(FormatLSN(c2.LSN)), nil)
	if _, err := e.feed.AdvanceSlot(txn, "billing", c2.LSN); err != nil {
		t.Fatal(err)
	}
	e.mustCommit(txn) // 7
	s.Close()
	if e.feed.SlotActive("billing") {
		t.Fatal("slot still active after Close")
	}
	s = e.subscribe(Request{Tables: []string{"orders"}, Slot: "billing"})
	c3 := next(t, s)
	if c1.XID != 3 || c2.XID != 4 || c3.XID != 5 {
		t.Fatalf("resume: %s / %s / %s", show(c1), show(c2), show(c3))
	}
	txn = e.begin()
	got, ok, err := e.feed.Slot(txn, "billing")
	if err != nil || !ok || got.ConfirmedLSN != c2.LSN {
		t.Fatalf("slot: %+v %v %v", got, ok, err)
	}
	// Advancing backwards does nothing; beyond the end is capped.
	if got, _ = e.feed.AdvanceSlot(txn, "billing", 1); got.ConfirmedLSN != c2.LSN {
		t.Fatalf("backwards: %s", FormatLSN(got.ConfirmedLSN))
	}
	if got, _ = e.feed.AdvanceSlot(txn, "billing", LSN(1000, 0)); got.ConfirmedLSN != EndLSN(e.store.AppliedIndex()) {
		t.Fatalf("capped: %s", FormatLSN(got.ConfirmedLSN))
	}
	if err := e.feed.DropSlot(txn, "billing"); pgerror.Code(err) != pgerror.ObjectInUse {
		t.Fatalf("drop active: %v", err)
	}
	txn.Release()
	s.Close()
	txn = e.begin()
	if err := e.feed.DropSlot(txn, "billing"); err != nil {
		t.Fatal(err)
	}
	e.mustCommit(txn)
	txn = e.begin()
	if slots, err := e.feed.Slots(txn); err != nil || len(slots) != 0 {
		t.Fatalf("slots after drop: %v %v", slots, err)
	}
	if _, err := e.feed.Subscribe(ctx, Request{AllTables: true, Slot: "billing"}); pgerror.Code(err) != pgerror.UndefinedObject {
		t.Fatalf("dropped slot: %v", err)
	}
}

func TestRetentionError(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef) // 1
	for i := range 9 {
		txn := e.begin()
		e.insert(txn, "orders", int64(i), "x", nil)
		e.mustCommit(txn) // 2..10
	}
	e.log.truncate(6)
	if err := e.store.PruneHistory(6); err != nil {
		t.Fatal(err)
	}
	_, err := e.feed.Subscribe(context.Background(), Request{AllTables: true, HasFromLSN: true, FromLSN: LSN(3, 1)})
	pe, ok := err.(*pgerror.Error)
	if !ok || pe.Code != pgerror.ObjectNotInPrerequisiteState || !strings.Contains(pe.Message, "earliest retained LSN is 0/6000000") {
		t.Fatalf("retention error: %v", err)
	}
	// The last position before the floor still works.
	s := e.subscribe(Request{AllTables: true, HasFromLSN: true, FromLSN: EndLSN(5)})
	if c := next(t, s); c.XID != 6 || !strings.Contains(string(c.After), `"id": 4`) {
		t.Fatalf("at the floor: %s", show(c))
	}
	// A subscriber overtaken by truncation gets the error, not a gap.
	lag := e.subscribe(Request{AllTables: true, HasFromLSN: true, FromLSN: EndLSN(6)})
	e.log.truncate(9)
	if _, err := lag.Next(context.Background()); pgerror.Code(err) != pgerror.ObjectNotInPrerequisiteState {
		t.Fatalf("overtaken: %v", err)
	}
}

func TestRetentionFloor(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Retention = time.Hour; c.MaxSlotRetention = 3 * time.Hour })
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	commitAt := func(at time.Time, fn func(*kv.Txn)) uint64 {
		txn := e.begin()
		fn(txn)
		c := txn.Command(at.UnixMicro())
		txn.Release()
		idx, res := e.log.propose(kv.EncodeCommand(c))
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		return idx
	}
	put := func(k string) func(*kv.Txn) {
		return func(txn *kv.Txn) { txn.Put(kv.FirstUserSpace, []byte(k), []byte("v"), nil) }
	}
	// one entry per hour, at base+0h … base+9h
	for h := range 10 {
		commitAt(base.Add(time.Duration(h)*time.Hour), put("k"))
	}
	e.log.propose(nil) // 11: a no-op, no commit time
	now := base.Add(9*time.Hour + 30*time.Minute)
	idx, lost, err := e.feed.RetentionFloor(now)
	if err != nil || idx != 10 || len(lost) != 0 { // entries after 8:30 → index 10 (9h)
		t.Fatalf("floor %d lost %v err %v", idx, lost, err)
	}
	// A slot at entry 8 (7h) holds the floor; one at entry 3 (2h) is past the 3h cap.
	mkSlot := func(name string, lsn uint64) {
		commitAt(now, func(txn *kv.Txn) {
			txn.Put(kv.SlotSpace, SlotKey(name), EncodeSlot(Slot{Name: name, ConfirmedLSN: lsn, RestartLSN: lsn}), nil)
		})
	}
	mkSlot("near", LSN(8, 2))
	mkSlot("far", EndLSN(2))
	idx, lost, err = e.feed.RetentionFloor(now)
	if err != nil || idx != 8 || len(lost) != 1 || lost[0] != "far" {
		t.Fatalf("with slots: floor %d lost %v err %v", idx, lost, err)
	}
	txn := e.begin()
	if err := e.feed.MarkSlotsLost(txn, lost); err != nil {
		t.Fatal(err)
	}
	e.mustCommit(txn)
	if _, err := e.feed.Subscribe(context.Background(), Request{AllTables: true, Slot: "far"}); pgerror.Code(err) != pgerror.ObjectNotInPrerequisiteState {
		t.Fatalf("lost slot: %v", err)
	}
	if idx, _, _ := e.feed.RetentionFloor(now); idx != 8 {
		t.Fatalf("floor after marking lost: %d", idx)
	}
}

func FuzzDecodeSlot(f *testing.F) {
	f.Add(EncodeSlot(Slot{Name: "billing", Plugin: "pgoutput", ConfirmedLSN: 5, RestartLSN: 5, CreatedAt: testTime}))
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSlot(b)
		if err != nil {
			return
		}
		again, err := DecodeSlot(EncodeSlot(s))
		if err != nil || again != s {
			t.Fatalf("re-encode %+v: %+v %v", s, again, err)
		}
	})
}

func TestSlotLag(t *testing.T) {
	e := newEnv(t)
	e.createTable("orders", ordersDef) // 1
	txn := e.begin()
	slot, err := e.feed.CreateSlot(txn, "lag", "logdb", 0, testTime)
	if err != nil {
		t.Fatal(err)
	}
	e.mustCommit(txn) // 2
	for i := range 3 {
		txn := e.begin()
		e.insert(txn, "orders", int64(i), "x", nil)
		e.mustCommit(txn) // 3..5
	}
	now := testTime.Add(time.Minute)
	for _, c := range []struct {
		confirmed uint64
		entries   uint64
		age       time.Duration
	}{
		{slot.ConfirmedLSN, 4, time.Minute}, // EndLSN(1): entries 2..5 are behind
		{LSN(5, 1), 1, time.Minute},         // part of entry 5 is not consumed
		{LSN(5, 0), 1, time.Minute},
		{EndLSN(5), 0, 0}, // caught up
	} {
		s := slot
		s.ConfirmedLSN = c.confirmed
		if entries, age := e.feed.SlotLag(s, 5, now); entries != c.entries || age != c.age {
			t.Errorf("SlotLag at %s: %d entries, %v; want %d, %v", FormatLSN(c.confirmed), entries, age, c.entries, c.age)
		}
	}
}
