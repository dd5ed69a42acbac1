package kv

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
)

func TestLostUpdateDetected(t *testing.T) {
	s := mustOpen(t)
	put(t, s, tbl, "balance", "100")
	t1, t2 := mustBegin(t, s), mustBegin(t, s)
	for _, txn := range []*Txn{t1, t2} {
		v, _ := mustGet(t, txn, tbl, "balance")
		txn.Put(tbl, []byte("balance"), []byte(v+"+1"), []byte(v))
	}
	mustCommit(t, s, t1)
	mustConflict(t, s, t2)
}

func TestWriteSkewDetected(t *testing.T) {
	checkValidationShortcuts(t)
	// Two doctors on call; each checks the other is on call, then leaves.
	s := mustOpen(t)
	put(t, s, tbl, "alice", "on", "bob", "on")
	t1, t2 := mustBegin(t, s), mustBegin(t, s)
	mustGet(t, t1, tbl, "bob")
	t1.Put(tbl, []byte("alice"), []byte("off"), []byte("on"))
	mustGet(t, t2, tbl, "alice")
	t2.Put(tbl, []byte("bob"), []byte("off"), []byte("on"))
	mustCommit(t, s, t1)
	mustConflict(t, s, t2)

	// The same through a range read.
	put(t, s, tbl, "alice", "on")
	t1, t2 = mustBegin(t, s), mustBegin(t, s)
	if got := scanAll(t, t1, tbl, "", "", false); len(got) != 2 {
		t.Fatalf("scan %v", got)
	}
	t1.Put(tbl, []byte("alice"), []byte("off"), []byte("on"))
	scanAll(t, t2, tbl, "", "", true)
	t2.Put(tbl, []byte("bob"), []byte("off"), []byte("on"))
	mustCommit(t, s, t1)
	mustConflict(t, s, t2)
}

func TestDisjointTxnsCommit(t *testing.T) {
	s := mustOpen(t)
	put(t, s, tbl, "a", "1", "b", "1")
	t1, t2 := mustBegin(t, s), mustBegin(t, s)
	mustGet(t, t1, tbl, "a")
	t1.Put(tbl, []byte("a"), []byte("2"), []byte("1"))
	mustGet(t, t2, tbl, "b")
	t2.Put(tbl, []byte("b"), []byte("2"), []byte("1"))
	// A scan that stopped early covers only what it returned.
	it := t2.Scan(tbl, []byte("b"), nil, false)
	if !it.Next() || string(it.Key()) != "b" {
		t.Fatal("scan")
	}
	it.Close()
	mustCommit(t, s, t1)
	mustCommit(t, s, t2)
}

func TestPhantomDetected(t *testing.T) {
	checkValidationShortcuts(t)
	s := mustOpen(t)
	put(t, s, tbl, "order/1", "x", "order/3", "y")
	t1 := mustBegin(t, s)
	if got := scanAll(t, t1, tbl, "order/", string(PrefixEnd([]byte("order/"))), false); len(got) != 2 {
		t.Fatalf("scan %v", got)
	}
	t1.Put(tbl, []byte("count"), []byte("2"), nil)
	put(t, s, tbl, "order/2", "z") // a phantom inside the scanned range
	mustConflict(t, s, t1)

	// An insert outside the range does not conflict.
	t1 = mustBegin(t, s)
	scanAll(t, t1, tbl, "order/", string(PrefixEnd([]byte("order/"))), false)
	t1.Put(tbl, []byte("count"), []byte("3"), nil)
	put(t, s, tbl, "other", "z")
	mustCommit(t, s, t1)

	// An insert into the empty range a point read missed conflicts.
	t1 = mustBegin(t, s)
	if _, ok := mustGet(t, t1, tbl, "order/9"); ok {
		t.Fatal("found")
	}
	t1.Put(tbl, []byte("x"), []byte("y"), nil)
	put(t, s, tbl, "order/9", "z")
	mustConflict(t, s, t1)
}

func TestDeleteInScannedRangeDetected(t *testing.T) {
	checkValidationShortcuts(t)
	s := mustOpen(t)
	put(t, s, tbl, "a", "1", "b", "2", "c", "3")
	t1 := mustBegin(t, s)
	scanAll(t, t1, tbl, "a", "d", true)
	t1.Put(tbl, []byte("sum"), []byte("6"), nil)
	t2 := mustBegin(t, s)
	t2.Delete(tbl, []byte("b"), []byte("2"))
	mustCommit(t, s, t2)
	mustConflict(t, s, t1)

	// The tombstone is invisible to reads.
	t3 := mustBegin(t, s)
	if got := scanAll(t, t3, tbl, "", "", false); !slices.Equal(got, []string{"a=1", "c=3"}) {
		t.Fatalf("scan %v", got)
	}
	if _, ok := mustGet(t, t3, tbl, "b"); ok {
		t.Fatal("tombstone read")
	}
}

func TestDropSpace(t *testing.T) {
	checkValidationShortcuts(t)
	s := mustOpen(t)
	put(t, s, tbl, "a", "1", "b", "2")
	put(t, s, tbl+1, "x", "1")
	reader := mustBegin(t, s) // reads tbl after the drop commits
	mustGet(t, reader, tbl, "zzz")
	reader.Put(tbl+1, []byte("y"), []byte("2"), nil)

	t1 := mustBegin(t, s)
	t1.Put(tbl, []byte("pre"), []byte("gone"), nil) // discarded by the drop
	t1.DropSpace(tbl)
	if got := scanAll(t, t1, tbl, "", "", false); got != nil {
		t.Fatalf("dropped space scans %v", got)
	}
	if _, ok := mustGet(t, t1, tbl, "a"); ok {
		t.Fatal("dropped space reads a key")
	}
	t1.Put(tbl, []byte("new"), []byte("n"), nil)
	if got := scanAll(t, t1, tbl, "", "", false); !slices.Equal(got, []string{"new=n"}) {
		t.Fatalf("scan after drop+put %v", got)
	}
	c := t1.Command(0)
	if len(c.Reads) != 0 || len(c.Ranges) != 0 {
		t.Fatalf("reads of a dropped space recorded: %+v %+v", c.Reads, c.Ranges)
	}
	if !slices.Equal(c.Drops, []Space{tbl}) || len(c.Writes) != 1 || string(c.Writes[0].Key) != "new" {
		t.Fatalf("command %+v", c)
	}
	mustCommit(t, s, t1)

	t2 := mustBegin(t, s)
	if got := scanAll(t, t2, tbl, "", "", false); !slices.Equal(got, []string{"new=n"}) {
		t.Fatalf("after drop: %v", got)
	}
	if got := scanAll(t, t2, tbl+1, "", "", false); !slices.Equal(got, []string{"x=1"}) {
		t.Fatalf("other space: %v", got)
	}
	// A read of an absent key in a space dropped after the snapshot conflicts
	// (the bucket no longer holds anything to compare).
	mustConflict(t, s, reader)
}

func TestSavepoints(t *testing.T) {
	s := mustOpen(t)
	put(t, s, tbl, "a", "1", "b", "2")
	txn := mustBegin(t, s)
	sp0 := txn.Savepoint()
	txn.Put(tbl, []byte("a"), []byte("10"), []byte("1"))
	sp1 := txn.Savepoint()
	txn.Put(tbl, []byte("a"), []byte("11"), []byte("10"))
	txn.Delete(tbl, []byte("b"), []byte("2"))
	txn.Put(tbl, []byte("c"), []byte("3"), nil)
	txn.Emit(Message{Transactional: true, Prefix: "p", Content: []byte("m")})
	sp2 := txn.Savepoint()
	txn.DropSpace(tbl)
	txn.Put(tbl, []byte("z"), []byte("26"), nil)
	if got := scanAll(t, txn, tbl, "", "", false); !slices.Equal(got, []string{"z=26"}) {
		t.Fatalf("after drop %v", got)
	}
	txn.RollbackTo(sp2)
	if got := scanAll(t, txn, tbl, "", "", false); !slices.Equal(got, []string{"a=11", "c=3"}) {
		t.Fatalf("after rollback to sp2 %v", got)
	}
	if c := txn.Command(0); len(c.Drops) != 0 || len(c.Messages) != 1 || len(c.Writes) != 3 {
		t.Fatalf("command after sp2 %+v", c)
	}
	txn.RollbackTo(sp1)
	if got := scanAll(t, txn, tbl, "", "", false); !slices.Equal(got, []string{"a=10", "b=2"}) {
		t.Fatalf("after rollback to sp1 %v", got)
	}
	c := txn.Command(0)
	if len(c.Messages) != 0 || len(c.Writes) != 1 || string(c.Writes[0].Value) != "10" || string(c.Writes[0].Before) != "1" {
		t.Fatalf("command after sp1 %+v", c)
	}
	txn.RollbackTo(sp0)
	if txn.HasWrites() {
		t.Fatal("writes after rollback to sp0")
	}
	txn.RollbackTo(99) // invalid: ignored
}

func TestOwnWritesOverlay(t *testing.T) {
	s := mustOpen(t)
	put(t, s, tbl, "b", "snap-b", "d", "snap-d", "f", "snap-f", "h", "snap-h")
	txn := mustBegin(t, s)
	txn.Put(tbl, []byte("a"), []byte("own-a"), nil)
	txn.Put(tbl, []byte("d"), []byte("own-d"), []byte("snap-d"))
	txn.Delete(tbl, []byte("f"), []byte("snap-f"))
	txn.Put(tbl, []byte("g"), []byte("own-g"), nil)
	txn.Put(tbl, []byte("z"), []byte("own-z"), nil)
	txn.Put(tbl+1, []byte("c"), []byte("other space"), nil)

	want := []string{"a=own-a", "b=snap-b", "d=own-d", "g=own-g", "h=snap-h", "z=own-z"}
	if got := scanAll(t, txn, tbl, "", "", false); !slices.Equal(got, want) {
		t.Fatalf("forward %v", got)
	}
	rev := slices.Clone(want)
	slices.Reverse(rev)
	if got := scanAll(t, txn, tbl, "", "", true); !slices.Equal(got, rev) {
		t.Fatalf("reverse %v", got)
	}
	if got := scanAll(t, txn, tbl, "b", "h", false); !slices.Equal(got, want[1:4]) {
		t.Fatalf("bounded forward %v", got)
	}
	if got := scanAll(t, txn, tbl, "b", "h", true); !slices.Equal(got, []string{"g=own-g", "d=own-d", "b=snap-b"}) {
		t.Fatalf("bounded reverse %v", got)
	}
	if got := scanAll(t, txn, tbl, "c", "d", true); got != nil {
		t.Fatalf("empty range %v", got)
	}
	for k, want := range map[string]string{"a": "own-a", "b": "snap-b", "d": "own-d", "f": "", "z": "own-z"} {
		v, ok := mustGet(t, txn, tbl, k)
		if v != want || ok != (want != "") {
			t.Fatalf("Get %s = %q %v", k, v, ok)
		}
	}
	// Returned values are copies.
	v, _, _ := txn.Get(tbl, []byte("a"))
	v[0] = 'X'
	if v, _ := mustGet(t, txn, tbl, "a"); v != "own-a" {
		t.Fatal("caller's change reached the buffer")
	}
	// Own-written keys are not recorded as reads.
	c := txn.Command(0)
	var reads []string
	for _, r := range c.Reads {
		reads = append(reads, string(r.Key))
	}
	if !slices.Equal(reads, []string{"b"}) {
		t.Fatalf("reads %v", reads)
	}
}

func TestScanIgnoresWritesDuringIteration(t *testing.T) {
	for _, buffered := range []int{1, 200} { // below and above one chunk
		s := mustOpen(t)
		put(t, s, tbl, "1", "a", "2", "b")
		txn := mustBegin(t, s)
		for i := range buffered {
			txn.Put(tbl, fmt.Appendf(nil, "3%03d", i), []byte("c"), nil)
		}
		it := txn.Scan(tbl, nil, nil, false)
		n := 0
		for it.Next() {
			n++
			// "Halloween" inserts just after the cursor.
			txn.Put(tbl, append(slices.Clone(it.Key()), '0'), it.Value(), nil)
		}
		it.Close()
		if n != 2+buffered {
			t.Fatalf("buffered %d: scan returned %d keys, saw its own inserts", buffered, n)
		}
	}
}

func TestManyBufferedWritesScan(t *testing.T) {
	s := mustOpen(t)
	txn := mustBegin(t, s)
	for i := range 1000 {
		if i%2 == 0 {
			txn.Put(tbl, fmt.Appendf(nil, "%04d", i), []byte("v"), nil)
		}
	}
	mustCommit(t, s, txn)
	txn = mustBegin(t, s)
	for i := range 1000 {
		if i%2 == 1 {
			txn.Put(tbl, fmt.Appendf(nil, "%04d", i), []byte("w"), nil)
		}
	}
	for _, rev := range []bool{false, true} {
		got := scanAll(t, txn, tbl, "0100", "0900", rev)
		if len(got) != 800 {
			t.Fatalf("reverse=%v: %d keys", rev, len(got))
		}
		for i, kv := range got {
			n := 100 + i
			if rev {
				n = 899 - i
			}
			if kv[:4] != fmt.Sprintf("%04d", n) {
				t.Fatalf("reverse=%v: key %d is %s", rev, i, kv)
			}
		}
	}
}

func TestCommandWrites(t *testing.T) {
	s := mustOpen(t)
	put(t, s, tbl, "old", "o")
	txn := mustBegin(t, s)
	if txn.HasWrites() {
		t.Fatal("fresh txn has writes")
	}
	txn.Put(tbl, []byte("z"), []byte("1"), nil)
	txn.Put(tbl+1, []byte("a"), []byte("2"), nil)
	txn.Put(tbl, []byte("old"), []byte("n1"), []byte("o"))
	txn.Put(tbl, []byte("z"), []byte("3"), nil)             // later write: value replaced, position kept
	txn.Put(tbl, []byte("old"), []byte("n2"), []byte("n1")) // before stays "o"
	txn.Put(tbl, []byte("tmp"), []byte("t"), nil)
	txn.Delete(tbl, []byte("tmp"), []byte("t")) // insert+delete: no write
	key := []byte("reuse")
	txn.Put(tbl, key, []byte("r"), nil)
	key[0] = 'X' // callers may reuse their buffers
	c := txn.Command(42)
	var got []string
	for _, w := range c.Writes {
		got = append(got, fmt.Sprintf("%d/%s=%s<%s", w.Space-tbl, w.Key, w.Value, w.Before))
	}
	want := []string{"0/z=3<", "1/a=2<", "0/old=n2<o", "0/reuse=r<"}
	if !slices.Equal(got, want) {
		t.Fatalf("writes %v, want %v", got, want)
	}
	if c.CommitTime != 42 || c.SnapshotIndex != 1 || c.Kind != KindTxn {
		t.Fatalf("command %+v", c)
	}
	if !txn.HasWrites() {
		t.Fatal("HasWrites false")
	}
	// Only a delete of a key that did not exist: nothing to write.
	t2 := mustBegin(t, s)
	t2.Put(tbl, []byte("n"), []byte("1"), nil)
	t2.Delete(tbl, []byte("n"), []byte("1"))
	if t2.HasWrites() || len(t2.Command(0).Writes) != 0 {
		t.Fatal("insert+delete counted as a write")
	}
	mustCommit(t, s, txn)
	t3 := mustBegin(t, s)
	if got := scanAll(t, t3, tbl, "", "", false); !slices.Equal(got, []string{"old=n2", "reuse=r", "z=3"}) {
		t.Fatalf("committed %v", got)
	}
}

func TestReleasedTxn(t *testing.T) {
	s := mustOpen(t)
	put(t, s, tbl, "a", "1", "b", "2")
	txn := mustBegin(t, s)
	it := txn.Scan(tbl, nil, nil, false)
	if !it.Next() {
		t.Fatal("empty")
	}
	txn.Put(tbl, []byte("c"), []byte("3"), nil)
	txn.Release()
	txn.Release()
	if it.Next() || !errors.Is(it.Err(), ErrTxnDone) {
		t.Fatalf("iterator after release: %v", it.Err())
	}
	if _, _, err := txn.Get(tbl, []byte("a")); !errors.Is(err, ErrTxnDone) {
		t.Fatalf("Get after release: %v", err)
	}
	if it2 := txn.Scan(tbl, nil, nil, false); it2.Next() || !errors.Is(it2.Err(), ErrTxnDone) {
		t.Fatal("Scan after release")
	}
	// Release recorded the range the open iterator had read.
	c := txn.Command(0)
	want := []Range{{Space: tbl, Start: nil, End: []byte("a\x00")}}
	if !reflect.DeepEqual(c.Ranges, want) || len(c.Writes) != 1 {
		t.Fatalf("command %+v", c)
	}
	if err := commit(t, s, txn); err != nil {
		t.Fatal(err)
	}
}

func TestReadsAreDeduplicated(t *testing.T) {
	s := mustOpen(t)
	txn := mustBegin(t, s)
	for range 3 {
		mustGet(t, txn, tbl, "k")
		mustGet(t, txn, tbl+1, "k")
	}
	if c := txn.Command(0); len(c.Reads) != 2 || !bytes.Equal(c.Reads[0].Key, []byte("k")) {
		t.Fatalf("reads %+v", c.Reads)
	}
}

func TestBulkInsert(t *testing.T) {
	if testing.Short() {
		t.Skip("bulk")
	}
	s := mustOpen(t)
	txn := mustBegin(t, s)
	const n = 100_000
	key := make([]byte, 8)
	for i := range n {
		key = fmt.Appendf(key[:0], "row%07d", i)
		if _, ok, err := txn.Get(tbl, key); err != nil || ok {
			t.Fatal("unexpected row")
		}
		txn.Put(tbl, key, []byte("some row payload of moderate size"), nil)
	}
	c := txn.Command(0)
	if len(c.Writes) != n {
		t.Fatalf("%d writes", len(c.Writes))
	}
	mustCommit(t, s, txn)
	t2 := mustBegin(t, s)
	if got := len(scanAll(t, t2, tbl, "", "", false)); got != n {
		t.Fatalf("scan %d rows", got)
	}
}

func TestBeforeImageFromSnapshot(t *testing.T) {
	s := mustOpen(t)
	put(t, s, tbl, "desc", "v1", "gone", "g")
	txn := mustBegin(t, s)
	txn.Put(tbl, []byte("desc"), []byte("v2"), nil) // caller did not pass before
	txn.Delete(tbl, []byte("desc"), nil)            // must still delete the stored key
	txn.Delete(tbl, []byte("gone"), nil)
	txn.Delete(tbl, []byte("never"), nil) // did not exist: no write
	c := txn.Command(0)
	var got []string
	for _, w := range c.Writes {
		got = append(got, fmt.Sprintf("%s del=%v before=%s", w.Key, w.Delete, w.Before))
	}
	if want := []string{"desc del=true before=v1", "gone del=true before=g"}; !slices.Equal(got, want) {
		t.Fatalf("writes %v, want %v", got, want)
	}
	if len(c.Reads) != 0 {
		t.Fatalf("blind writes recorded reads %+v", c.Reads)
	}
	mustCommit(t, s, txn)
	t2 := mustBegin(t, s)
	if got := scanAll(t, t2, tbl, "", "", false); got != nil {
		t.Fatalf("left %v", got)
	}
}

func TestCommandOrderAfterManyRollbacks(t *testing.T) {
	s := mustOpen(t)
	txn := mustBegin(t, s)
	txn.Put(tbl+1, []byte("first"), []byte("1"), nil)
	sp := txn.Savepoint()
	for i := range 50 {
		txn.Put(tbl, fmt.Appendf(nil, "tmp%d", i), []byte("x"), nil)
	}
	txn.RollbackTo(sp)
	txn.Put(tbl, []byte("b-second"), []byte("2"), nil)
	txn.Put(tbl, []byte("a-third"), []byte("3"), nil)
	var got []string
	for _, w := range txn.Command(0).Writes { // t.seq > 4n: the sorting path
		got = append(got, string(w.Key))
	}
	if want := []string{"first", "b-second", "a-third"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

func TestTxnUntouched(t *testing.T) {
	s := mustOpen(t)
	tx, err := s.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Release()
	if !tx.Untouched() {
		t.Fatal("a new transaction is not untouched")
	}
	if _, _, err := tx.Get(CatalogSpace, []byte("version")); err != nil || !tx.Untouched() {
		t.Fatalf("a catalog read makes it touched (%v)", err)
	}
	if _, _, err := tx.Get(FirstUserSpace, []byte("k")); err != nil || tx.Untouched() {
		t.Fatalf("a row read leaves it untouched (%v)", err)
	}
}
