package kv

import "testing"

// Begin takes the snapshot index from the applying transaction's id when
// it can (Store.appliedTx) and reads the meta bucket otherwise; both give
// the applied index the snapshot holds.
func TestBeginSnapshotIndex(t *testing.T) {
	s := mustOpen(t)
	first := mustBegin(t, s)
	if got := first.SnapshotIndex(); got != 0 {
		t.Fatalf("empty store: snapshot %d", got)
	}
	first.Release()
	for i := 0; i < 5; i++ {
		put(t, s, 7, "k", "v")
		txn := mustBegin(t, s)
		if a := s.appliedTx.Load(); a == nil || a.txid != txn.tx.ID() {
			t.Fatalf("apply %d: appliedTx %+v does not match tx %d", i, a, txn.tx.ID())
		}
		if got, want := txn.SnapshotIndex(), s.AppliedIndex(); got != want {
			t.Fatalf("apply %d: snapshot %d, applied %d", i, got, want)
		}
		txn.Release()
	}
	// A write that is not an apply (history pruning) moves the bbolt
	// transaction id on: Begin must fall back to reading the index.
	want := s.AppliedIndex()
	if err := s.PruneHistory(want); err != nil {
		t.Fatal(err)
	}
	txn := mustBegin(t, s)
	if got := txn.SnapshotIndex(); got != want {
		t.Fatalf("after pruning: snapshot %d, want %d", got, want)
	}
}
