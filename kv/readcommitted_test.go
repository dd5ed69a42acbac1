package kv

import (
	"bytes"
	"testing"
)

// TestRefreshKeepsWritesAndReadSnapshots: after Refresh the transaction
// sees what committed meanwhile and its own writes; a key read before
// the refresh is validated against the snapshot it was read at (a change
// between that snapshot and the new one conflicts), one read after it
// against the new snapshot.
func TestRefreshKeepsWritesAndReadSnapshots(t *testing.T) {
	s := mustOpen(t)
	sp := FirstUserSpace
	put(t, s, sp, "a", "1", "b", "1")

	txn := mustBegin(t, s)
	mustGet(t, txn, sp, "a")
	txn.Put(sp, []byte("mine"), []byte("x"), nil)
	put(t, s, sp, "a", "2", "b", "2")
	if err := txn.Refresh(); err != nil {
		t.Fatal(err)
	}
	if v, _ := mustGet(t, txn, sp, "b"); v != "2" {
		t.Fatalf("b after refresh: %q", v)
	}
	if v, _ := mustGet(t, txn, sp, "mine"); v != "x" {
		t.Fatalf("own write after refresh: %q", v)
	}
	// a was read at the first snapshot and changed after it
	mustConflict(t, s, txn)

	// b read after the refresh: unchanged since, so the commit applies
	txn = mustBegin(t, s)
	put(t, s, sp, "b", "3")
	if err := txn.Refresh(); err != nil {
		t.Fatal(err)
	}
	mustGet(t, txn, sp, "b")
	txn.Put(sp, []byte("b"), []byte("4"), nil)
	mustCommit(t, s, txn)
}

// TestCheckedReadsOnly: plain reads are not recorded, reads inside
// Checking are (with their snapshot, across a Refresh).
func TestCheckedReadsOnly(t *testing.T) {
	s := mustOpen(t)
	sp := FirstUserSpace
	put(t, s, sp, "a", "1", "u", "1")

	txn := mustBegin(t, s)
	txn.CheckedReadsOnly()
	mustGet(t, txn, sp, "a")
	scanAll(t, txn, sp, "", "", false)
	txn.Put(sp, []byte("w"), []byte("x"), nil)
	put(t, s, sp, "a", "2", "n", "new")
	mustCommit(t, s, txn) // a non-repeatable read and a phantom: allowed

	txn = mustBegin(t, s)
	txn.CheckedReadsOnly()
	done := txn.Checking()
	mustGet(t, txn, sp, "u")
	done()
	if err := txn.Refresh(); err != nil {
		t.Fatal(err)
	}
	txn.Put(sp, []byte("w"), []byte("y"), nil)
	put(t, s, sp, "u", "2")
	mustConflict(t, s, txn)
}

// TestCommandAsOfRoundTrip: reads with their own snapshots encode as
// format 6 and decode the same; without, the format is unchanged.
func TestCommandAsOfRoundTrip(t *testing.T) {
	c := &Command{Kind: KindTxn, SnapshotIndex: 9,
		Reads:  []Read{{Space: FirstUserSpace, Key: []byte("k"), AsOf: 7}, {Space: FirstUserSpace, Key: []byte("l")}},
		Ranges: []Range{{Space: FirstUserSpace, Start: []byte("a"), AsOf: 5}},
		Writes: []Write{{Space: FirstUserSpace, Key: []byte("k"), Value: []byte("v")}}}
	b := EncodeCommand(c)
	if b[0] != commandFormatV6 {
		t.Fatalf("format %d", b[0])
	}
	d, err := DecodeCommand(b)
	if err != nil {
		t.Fatal(err)
	}
	if d.Reads[0].AsOf != 7 || d.Reads[1].AsOf != 0 || d.Ranges[0].AsOf != 5 || !bytes.Equal(EncodeCommand(d), b) {
		t.Fatalf("decoded %+v", d)
	}
	c.Reads[0].AsOf, c.Ranges[0].AsOf = 0, 0
	if b := EncodeCommand(c); b[0] != commandFormatV1 {
		t.Fatalf("format %d without AsOf", b[0])
	}
	if _, err := DecodeCommand(append([]byte{commandFormatV6, byte(KindIncrement)}, EncodeCommand(&Command{Kind: KindIncrement})[2:]...)); err == nil {
		t.Fatal("format 6 increment decoded")
	}
}
