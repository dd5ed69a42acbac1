package kv

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const tbl Space = FirstUserSpace

func TestApplyReplayIsIdempotent(t *testing.T) {
	s := mustOpen(t)
	entries := []Entry{
		{Index: 1, Data: EncodeCommand(&Command{Kind: KindTxn, Writes: []Write{{Space: tbl, Key: []byte("a"), Value: []byte("1")}}})},
		{Index: 2},
		{Index: 3, Data: EncodeCommand(&Command{Kind: KindIncrement, Space: SequenceSpace, Key: []byte("s"), Delta: 5})},
		{Index: 4, Data: EncodeCommand(&Command{Kind: KindTxn, SnapshotIndex: 3, Writes: []Write{{Space: tbl, Key: []byte("a"), Delete: true, Before: []byte("1")}, {Space: tbl, Key: []byte("b"), Value: []byte("2")}}})},
	}
	res, err := s.Apply(entries)
	if err != nil {
		t.Fatal(err)
	}
	if res[2].Value != 5 {
		t.Fatalf("increment = %d", res[2].Value)
	}
	if s.AppliedIndex() != 4 {
		t.Fatalf("applied %d", s.AppliedIndex())
	}
	before := dump(t, s)
	// The whole batch again, then an overlapping one: nothing changes but
	// the new entry.
	if _, err := s.Apply(entries); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, s); got != before {
		t.Fatalf("replay changed state:\n%s\nvs\n%s", got, before)
	}
	res, err = s.Apply(append(entries[2:], Entry{Index: 5, Data: entries[2].Data}))
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Value != 0 || res[2].Value != 10 {
		t.Fatalf("results %+v", res)
	}
	if s.AppliedIndex() != 5 {
		t.Fatalf("applied %d", s.AppliedIndex())
	}
}

func TestApplyPersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, Options{InitialMmapSize: 1 << 20, Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, tbl, "k", "v")
	mustApply(t, s, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Begin after Close: %v", err)
	}
	s = mustOpenPath(t, path)
	if s.AppliedIndex() != 2 {
		t.Fatalf("applied %d after reopen", s.AppliedIndex())
	}
	txn := mustBegin(t, s)
	if txn.SnapshotIndex() != 2 {
		t.Fatalf("snapshot %d", txn.SnapshotIndex())
	}
	if v, ok := mustGet(t, txn, tbl, "k"); !ok || v != "v" {
		t.Fatalf("got %q %v", v, ok)
	}
}

func TestApplyCorruptEntryIsFatal(t *testing.T) {
	s := mustOpen(t)
	put(t, s, tbl, "k", "v")
	before := dump(t, s)
	_, err := s.Apply([]Entry{
		{Index: 2, Data: EncodeCommand(&Command{Kind: KindTxn, Writes: []Write{{Space: tbl, Key: []byte("x"), Value: []byte("y")}}})},
		{Index: 3, Data: []byte{1, 1, 0xff}},
	})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
	if s.AppliedIndex() != 1 || dump(t, s) != before {
		t.Fatal("a failed batch left changes")
	}
}

func TestApplyBadKey(t *testing.T) {
	s := mustOpen(t)
	res := mustApply(t, s,
		&Command{Kind: KindTxn, Writes: []Write{{Space: tbl, Key: []byte("ok"), Value: []byte("1")}, {Space: tbl, Key: nil, Value: []byte("2")}}},
		&Command{Kind: KindIncrement, Space: SequenceSpace, Key: make([]byte, MaxKeySize+1), Delta: 1},
	)
	if !errors.Is(res[0].Err, ErrBadKey) || !errors.Is(res[1].Err, ErrBadKey) {
		t.Fatalf("results %+v", res)
	}
	txn := mustBegin(t, s)
	if _, ok := mustGet(t, txn, tbl, "ok"); ok {
		t.Fatal("a rejected command wrote")
	}
}

func TestIncrement(t *testing.T) {
	s := mustOpen(t)
	inc := func(d int64) *Command {
		return &Command{Kind: KindIncrement, Space: SequenceSpace, Key: []byte("orders_id_seq"), Delta: d}
	}
	res := mustApply(t, s, inc(1), inc(100), inc(-1))
	if res[0].Value != 1 || res[1].Value != 101 || res[2].Value != 100 {
		t.Fatalf("results %+v", res)
	}
	txn := mustBegin(t, s)
	v, ok := mustGet(t, txn, SequenceSpace, "orders_id_seq")
	if !ok || int64(binary.BigEndian.Uint64([]byte(v))) != 100 {
		t.Fatalf("counter reads %x %v", v, ok)
	}
	// Increment does not validate, but does bump the version: a txn that
	// read the counter conflicts.
	mustApply(t, s, inc(1))
	txn.Put(tbl, []byte("x"), []byte("y"), nil)
	mustConflict(t, s, txn)

	put(t, s, SequenceSpace, "notcounter", "abc")
	res = mustApply(t, s, &Command{Kind: KindIncrement, Space: SequenceSpace, Key: []byte("notcounter"), Delta: 1})
	if !errors.Is(res[0].Err, ErrNotCounter) {
		t.Fatalf("got %+v", res[0])
	}
}

func TestMessageAndNoop(t *testing.T) {
	s := mustOpen(t)
	mustApply(t, s, nil)
	before := dump(t, s)
	res := mustApply(t, s, &Command{Kind: KindMessage, Messages: []Message{{Prefix: "p", Content: []byte("c")}}}, nil)
	if res[0].Err != nil || s.AppliedIndex() != 3 {
		t.Fatalf("res %+v applied %d", res, s.AppliedIndex())
	}
	// Only the applied index changed.
	if a, b := len(dump(t, s)), len(before); a != b {
		t.Fatalf("a message stored something")
	}
}

func TestWaitAppliedAndNotify(t *testing.T) {
	s := mustOpen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ch := s.AppliedNotify()
	done := make(chan error, 1)
	go func() { done <- s.WaitApplied(ctx, 3) }()
	mustApply(t, s, nil)
	select {
	case <-ch:
	case <-ctx.Done():
		t.Fatal("notify channel not closed")
	}
	if s.AppliedNotify() == ch {
		t.Fatal("notify channel not replaced")
	}
	mustApply(t, s, nil, nil)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel2()
	if err := s.WaitApplied(short, 100); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	go func() { done <- s.WaitApplied(ctx, 100) }()
	s.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("got %v after Close", err)
	}
}

// TestDeterminism applies the same random workload to two stores, one entry
// per batch on one and random batch sizes on the other, and compares every
// stored byte.
func TestDeterminism(t *testing.T) {
	checkValidationShortcuts(t)
	a, b := mustOpen(t), mustOpen(t)
	a.horizon, b.horizon = 40, 40 // exercise tombstone collection too
	rng := rand.New(rand.NewPCG(1, 2))
	var entries []Entry
	for i := 1; i <= 600; i++ {
		c := &Command{Kind: KindTxn, SnapshotIndex: uint64(max(0, i-1-rng.IntN(5)))}
		switch rng.IntN(10) {
		case 0:
			c = &Command{Kind: KindIncrement, Space: SequenceSpace, Key: []byte("s"), Delta: int64(rng.IntN(10))}
		case 1:
			c.Drops = []Space{tbl + Space(rng.IntN(3))}
		}
		for range rng.IntN(3) {
			c.Reads = append(c.Reads, Read{Space: tbl + Space(rng.IntN(3)), Key: fmt.Appendf(nil, "k%02d", rng.IntN(40))})
		}
		if rng.IntN(4) == 0 {
			lo := rng.IntN(40)
			c.Ranges = append(c.Ranges, Range{Space: tbl + Space(rng.IntN(3)), Start: fmt.Appendf(nil, "k%02d", lo), End: fmt.Appendf(nil, "k%02d", lo+3)})
		}
		if rng.IntN(8) == 0 {
			c.Ranges = append(c.Ranges, Range{Space: tbl + Space(rng.IntN(3))}) // whole space
		}
		for range rng.IntN(4) {
			w := Write{Space: tbl + Space(rng.IntN(3)), Key: fmt.Appendf(nil, "k%02d", rng.IntN(40))}
			if rng.IntN(3) == 0 {
				w.Delete, w.Before = true, []byte("?")
			} else {
				w.Value = fmt.Appendf(nil, "v%d", i)
			}
			c.Writes = append(c.Writes, w)
		}
		entries = append(entries, Entry{Index: uint64(i), Data: EncodeCommand(c)})
	}
	var resA, resB []Result
	for i := range entries {
		r, err := a.Apply(entries[i : i+1])
		if err != nil {
			t.Fatal(err)
		}
		resA = append(resA, r...)
	}
	for i := 0; i < len(entries); {
		n := min(len(entries)-i, 1+rng.IntN(50))
		r, err := b.Apply(entries[i : i+n])
		if err != nil {
			t.Fatal(err)
		}
		resB = append(resB, r...)
		i += n
	}
	conflicts := 0
	for i := range resA {
		if resA[i].Err != resB[i].Err || resA[i].Value != resB[i].Value || !bytes.Equal(resA[i].Lock, resB[i].Lock) {
			t.Fatalf("entry %d: %+v vs %+v", i+1, resA[i], resB[i])
		}
		if resA[i].Err != nil {
			conflicts++
		}
	}
	if conflicts == 0 || conflicts == len(resA) {
		t.Fatalf("%d conflicts: workload does not exercise validation", conflicts)
	}
	if da, db := dump(t, a), dump(t, b); da != db {
		t.Fatal("stores differ")
	}
	// A third store reopened from scratch after a crash-like replay of a
	// prefix then the rest agrees too (lastWrite shortcut vs full checks).
	path := filepath.Join(t.TempDir(), "c.db")
	c := mustOpenPath(t, path)
	c.horizon = 40
	if _, err := c.Apply(entries[:300]); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c = mustOpenPath(t, path)
	c.horizon = 40
	if _, err := c.Apply(entries[200:]); err != nil {
		t.Fatal(err)
	}
	if dump(t, c) != dump(t, a) {
		t.Fatal("reopened store differs")
	}
}

// TestConcurrentReadersDuringApply runs readers on many goroutines while
// one goroutine applies; run with -race. Every reader must see a consistent
// snapshot: the two keys each batch writes together are always equal.
func TestConcurrentReadersDuringApply(t *testing.T) {
	s := mustOpen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stop := make(chan struct{})
	errc := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-stop:
					errc <- nil
					return
				default:
				}
				txn, err := s.Begin()
				if err != nil {
					errc <- err
					return
				}
				a, _, err1 := txn.Get(tbl, []byte("a"))
				var vals []string
				it := txn.Scan(tbl, nil, nil, false)
				for it.Next() {
					vals = append(vals, string(it.Value()))
				}
				it.Close()
				txn.Release()
				if err1 != nil || it.Err() != nil {
					errc <- fmt.Errorf("read: %v %v", err1, it.Err())
					return
				}
				if len(vals) == 2 && (vals[0] != vals[1] || vals[0] != string(a)) {
					errc <- fmt.Errorf("torn snapshot: a=%s scan=%v", a, vals)
					return
				}
			}
		}()
	}
	for i := range 300 {
		v := fmt.Sprint(i)
		put(t, s, tbl, "a", v, "b", v)
	}
	if err := s.WaitApplied(ctx, 300); err != nil {
		t.Fatal(err)
	}
	close(stop)
	for range 4 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

func TestTombstoneCollection(t *testing.T) {
	checkValidationShortcuts(t)
	s := mustOpen(t)
	s.horizon = 10
	for i := range 100 {
		put(t, s, tbl, fmt.Sprintf("k%03d", i), "v")
	}
	old := mustBegin(t, s) // snapshot 100
	old.Get(tbl, []byte("k000"))
	old.Put(tbl, []byte("x"), []byte("y"), nil)
	del := mustBegin(t, s)
	for i := range 100 {
		del.Delete(tbl, fmt.Appendf(nil, "k%03d", i), []byte("v"))
	}
	mustCommit(t, s, del) // entry 101: 100 tombstones
	put(t, s, tbl, "k050", "again")
	count := func() (tombs, index int) {
		s.db.View(func(tx *bolt.Tx) error {
			tx.Bucket(spaceBucketName(tbl)).ForEach(func(k, v []byte) error {
				if v[8]&flagTombstone != 0 {
					tombs++
				}
				return nil
			})
			index = tx.Bucket(tombBucket).Stats().KeyN
			return nil
		})
		return
	}
	if tombs, index := count(); tombs != 99 || index != 100 {
		t.Fatalf("%d tombstones, %d index entries", tombs, index)
	}
	// Entries up to 111 collect nothing (version 101 is not < 111-10).
	mustApply(t, s, make([]*Command, 9)...)
	if tombs, _ := count(); tombs != 99 {
		t.Fatalf("collected too early: %d left", tombs)
	}
	mustApply(t, s, nil) // entry 112: collects up to gcPerEntry
	if tombs, index := count(); tombs != 99-gcPerEntry+1 || index != 100-gcPerEntry {
		t.Fatalf("after one entry: %d tombstones, %d index entries", tombs, index)
	}
	mustApply(t, s, nil)
	if tombs, index := count(); tombs != 0 || index != 0 {
		t.Fatalf("after two entries: %d tombstones, %d index entries", tombs, index)
	}
	// The old snapshot is beyond the horizon: its reads cannot be validated.
	mustConflict(t, s, old)
	// A write-only txn with an old snapshot still commits.
	wo := mustBegin(t, s)
	wo.Put(tbl, []byte("w"), []byte("1"), nil)
	c := wo.Command(0)
	c.SnapshotIndex = 1
	wo.Release()
	if res := mustApply(t, s, c); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	txn := mustBegin(t, s)
	if got := scanAll(t, txn, tbl, "", "", false); len(got) != 2 {
		t.Fatalf("live keys %v", got)
	}
}

func TestSnapshotRestore(t *testing.T) {
	src, dst := mustOpen(t), mustOpen(t)
	put(t, src, tbl, "a", "1", "b", "2")
	mustApply(t, src, &Command{Kind: KindIncrement, Space: SequenceSpace, Key: []byte("s"), Delta: 7})
	put(t, dst, tbl+5, "old", "x")
	var buf bytes.Buffer
	index, err := src.WriteSnapshot(&buf)
	if err != nil || index != 2 {
		t.Fatalf("snapshot at %d: %v", index, err)
	}
	put(t, src, tbl, "c", "3") // after the snapshot
	ch := dst.AppliedNotify()
	got, err := dst.RestoreSnapshot(&buf)
	if err != nil || got != 2 || dst.AppliedIndex() != 2 {
		t.Fatalf("restore: %d %v, applied %d", got, err, dst.AppliedIndex())
	}
	select {
	case <-ch:
	default:
		t.Fatal("restore did not notify")
	}
	txn := mustBegin(t, dst)
	if got := scanAll(t, txn, tbl, "", "", false); !slices.Equal(got, []string{"a=1", "b=2"}) {
		t.Fatalf("restored %v", got)
	}
	if got := scanAll(t, txn, tbl+5, "", "", false); got != nil {
		t.Fatalf("old state survived: %v", got)
	}
	txn.Release()
	// Applying the rest of the log makes both equal.
	if _, err := dst.Apply([]Entry{{Index: 3, Data: EncodeCommand(&Command{Kind: KindTxn, Writes: []Write{{Space: tbl, Key: []byte("c"), Value: []byte("3")}}})}}); err != nil {
		t.Fatal(err)
	}
	if dump(t, dst) != dump(t, src) {
		t.Fatal("restored store differs")
	}
	if _, err := dst.RestoreSnapshot(bytes.NewReader([]byte("not a snapshot"))); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("bad snapshot: %v", err)
	}
	if dst.AppliedIndex() != 3 {
		t.Fatal("a rejected snapshot changed the store")
	}
}

func TestValidationSeesEarlierEntriesOfBatch(t *testing.T) {
	checkValidationShortcuts(t)
	s := mustOpen(t)
	put(t, s, tbl, "x", "0")
	rmw := func(v string) *Command {
		return &Command{Kind: KindTxn, SnapshotIndex: 1,
			Reads:  []Read{{Space: tbl, Key: []byte("x")}},
			Writes: []Write{{Space: tbl, Key: []byte("x"), Value: []byte(v), Before: []byte("0")}}}
	}
	res := mustApply(t, s, rmw("1"), rmw("2"))
	if res[0].Err != nil || !errors.Is(res[1].Err, ErrConflict) {
		t.Fatalf("results %+v", res)
	}
	txn := mustBegin(t, s)
	if v, _ := mustGet(t, txn, tbl, "x"); v != "1" {
		t.Fatalf("x = %s", v)
	}
}
