package kv

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

func xidTxn(xid uint64, key, value string) *Command {
	return &Command{Kind: KindTxn, Xid: xid, Writes: []Write{{Space: tbl, Key: []byte(key), Value: []byte(value)}},
		Notifications: []Notification{{PID: 7, Channel: "c", Payload: value}}}
}

func TestXidCommandRoundTrip(t *testing.T) {
	for _, c := range []*Command{
		xidTxn(5<<XidSeqBits|3, "k", "v"),
		{Kind: KindXidFence, Xid: 42},
		{Kind: KindXidEpoch},
	} {
		got, err := DecodeCommand(EncodeCommand(c))
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != c.Kind || got.Xid != c.Xid || len(got.Writes) != len(c.Writes) || len(got.Notifications) != len(c.Notifications) {
			t.Fatalf("round trip of %+v gave %+v", c, got)
		}
		if ns, err := EntryNotifications(EncodeCommand(c)); err != nil || len(ns) != len(c.Notifications) {
			t.Fatalf("notifications of %+v: %v %v", c, ns, err)
		}
	}
	for _, bad := range [][]byte{{16}, {16, 0, 1, 1}, {16, 5, 17, 16, 1}, {17, 1, 1}, {17, 16}, {17, 16, 1, 0}, {18, 1}} {
		if _, err := DecodeCommand(bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("DecodeCommand(%v) = %v, want ErrCorrupt", bad, err)
		}
	}
}

// TestXidFenceSettles: the first of a transaction's entry and a fence for
// its id decides, and the outcome survives a reopen.
func TestXidFenceSettles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := mustOpenPath(t, path)
	epoch := uint64(mustApply(t, s, &Command{Kind: KindXidEpoch})[0].Value)
	if epoch != 1 {
		t.Fatalf("epoch = %d", epoch)
	}
	a, b, c := epoch<<XidSeqBits|1, epoch<<XidSeqBits|2, epoch<<XidSeqBits|3
	res := mustApply(t, s,
		xidTxn(a, "a", "1"),                  // commits
		&Command{Kind: KindXidFence, Xid: a}, // committed already
		&Command{Kind: KindXidFence, Xid: b}, // fenced before its entry
		xidTxn(b, "b", "2"),                  // applied empty
		&Command{Kind: KindXidFence, Xid: b},
		xidTxn(a, "a", "3"), // an id commits once
		&Command{Kind: KindXidFence, Xid: 100 << XidSeqBits},
		&Command{Kind: KindXidFence, Xid: 5},
	)
	if res[0].Err != nil || res[1].Value != XidCommitted || res[2].Value != XidAborted ||
		!errors.Is(res[3].Err, ErrXidFenced) || res[4].Value != XidAborted || !errors.Is(res[5].Err, ErrXidFenced) ||
		res[6].Value != XidFuture || res[7].Value != XidTooOld {
		t.Fatalf("results %+v", res)
	}
	txn := mustBegin(t, s)
	if _, ok := mustGet(t, txn, tbl, "b"); ok {
		t.Fatal("a fenced transaction wrote")
	}
	if v, _ := mustGet(t, txn, tbl, "a"); v != "1" {
		t.Fatalf("a = %q", v)
	}
	txn.Release()
	if failed, err := s.Failed(1, 10); err != nil || len(failed) != 2 || failed[0] != 5 || failed[1] != 7 {
		t.Fatalf("failed entries %v, %v; want the fenced ones, 5 and 7, for the changefeed", failed, err)
	}
	// A conflicting transaction with an id records it aborted.
	txn = mustBegin(t, s)
	mustGet(t, txn, tbl, "a")
	cmd := txn.Command(0)
	txn.Release()
	cmd.Xid = c
	cmd.Writes = []Write{{Space: tbl, Key: []byte("c"), Value: []byte("x")}}
	mustApply(t, s, xidTxn(0, "a", "4"))
	if r := mustApply(t, s, cmd); !errors.Is(r[0].Err, ErrConflict) {
		t.Fatalf("conflict: %+v", r)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpenPath(t, path)
	for xid, want := range map[uint64]int64{a: XidCommitted, b: XidAborted, c: XidAborted, epoch<<XidSeqBits | 9: 0} {
		if got, _, err := s.XidOutcome(xid); err != nil || got != want {
			t.Fatalf("XidOutcome(%d) = %d, %v; want %d", xid, got, err, want)
		}
	}
}

// TestXidWindowExpires: outcomes older than the window are collected, and
// an entry carrying such an id is applied empty.
func TestXidWindowExpires(t *testing.T) {
	defer func(w uint64) { XidWindow = w }(XidWindow)
	XidWindow = 10
	s := mustOpen(t)
	epoch := uint64(mustApply(t, s, &Command{Kind: KindXidEpoch})[0].Value)
	old := epoch<<XidSeqBits | 1
	mustApply(t, s, xidTxn(old, "a", "1"))
	for range 12 {
		mustApply(t, s, nil)
	}
	if got, _, _ := s.XidOutcome(old); got != 0 {
		t.Fatalf("outcome of an expired id = %d", got)
	}
	res := mustApply(t, s, &Command{Kind: KindXidFence, Xid: old}, xidTxn(epoch<<XidSeqBits|2, "b", "1"))
	if res[0].Value != XidTooOld || !errors.Is(res[1].Err, ErrXidFenced) {
		t.Fatalf("results %+v", res)
	}
}

// TestXidOutcomesInSnapshotAndHash: a snapshot carries the outcomes, and
// they are part of the state hash (two stores that differ only in an
// outcome hash differently).
func TestXidOutcomesInSnapshotAndHash(t *testing.T) {
	src, other := mustOpen(t), mustOpen(t)
	for _, s := range []*Store{src, other} {
		mustApply(t, s, &Command{Kind: KindXidEpoch}, xidTxn(1<<XidSeqBits|1, "a", "1"))
	}
	mustApply(t, src, &Command{Kind: KindXidFence, Xid: 1<<XidSeqBits | 2})
	mustApply(t, other, nil)
	_, h1 := src.CurrentStateHash()
	if _, h2 := other.CurrentStateHash(); h1 == h2 {
		t.Fatal("a fenced id does not change the state hash")
	}
	var buf bytes.Buffer
	if _, err := src.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	dst := mustOpen(t)
	if _, err := dst.RestoreSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	for xid, want := range map[uint64]int64{1<<XidSeqBits | 1: XidCommitted, 1<<XidSeqBits | 2: XidAborted} {
		if got, _, err := dst.XidOutcome(xid); err != nil || got != want {
			t.Fatalf("after a snapshot, XidOutcome(%d) = %d, %v; want %d", xid, got, err, want)
		}
	}
	if _, h2 := dst.CurrentStateHash(); h1 != h2 {
		t.Fatal("state hash differs after a snapshot")
	}
	// A late entry of the fenced id is applied empty on the restored store.
	if r := mustApply(t, dst, xidTxn(1<<XidSeqBits|2, "b", "1")); !errors.Is(r[0].Err, ErrXidFenced) {
		t.Fatalf("late entry of a fenced id: %+v", r)
	}
}
