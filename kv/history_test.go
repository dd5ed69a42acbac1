package kv

import (
	"errors"
	bolt "go.etcd.io/bbolt"
	"slices"
	"testing"
)

func TestFailedRecordsConflicts(t *testing.T) {
	s := mustOpen(t)
	put(t, s, tbl, "a", "1") // 1
	stale := mustBegin(t, s)
	mustGet(t, stale, tbl, "a")
	stale.Put(tbl, []byte("a"), []byte("x"), nil)
	put(t, s, tbl, "a", "2")  // 2
	mustConflict(t, s, stale) // 3
	mustApply(t, s, nil)      // 4: raft no-op
	bad := &Command{Kind: KindTxn, Writes: []Write{{Space: tbl, Key: nil, Value: []byte("v")}}}
	if res := mustApply(t, s, bad); !errors.Is(res[0].Err, ErrBadKey) { // 5
		t.Fatalf("bad key: %v", res[0].Err)
	}
	got, err := s.Failed(1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []uint64{3, 5}) {
		t.Fatalf("failed = %v, want [3 5]", got)
	}
	for idx, want := range map[uint64]bool{1: true, 2: true, 3: false, 4: true, 5: false, 6: false} {
		ok, err := s.Applied(idx)
		if err != nil || ok != want {
			t.Fatalf("Applied(%d) = %v, %v; want %v", idx, ok, err, want)
		}
	}
	if err := s.PruneHistory(4); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Failed(0, 100); !slices.Equal(got, []uint64{5}) {
		t.Fatalf("after prune failed = %v", got)
	}
}

func TestCatalogAt(t *testing.T) {
	s := mustOpen(t)
	put(t, s, CatalogSpace, "t/1", "v1", "v", "1")    // 1
	put(t, s, tbl, "row", "x")                        // 2
	put(t, s, CatalogSpace, "t/1", "v2", "t/2", "w1") // 3
	txn := mustBegin(t, s)
	txn.Delete(CatalogSpace, []byte("t/2"), nil)
	mustCommit(t, s, txn) // 4
	stale := mustBegin(t, s)
	mustGet(t, stale, CatalogSpace, "t/1")
	stale.Put(CatalogSpace, []byte("t/1"), []byte("lost"), nil)
	put(t, s, tbl, "row", "y")           // 5
	put(t, s, CatalogSpace, "t/1", "v3") // 6
	mustConflict(t, s, stale)            // 7: must not show in the history

	check := func(index uint64, wantAsOf uint64, want map[string]string) {
		t.Helper()
		cat, asOf, err := s.CatalogAt(index)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for k, v := range cat {
			got[k] = string(v)
		}
		if asOf != wantAsOf || len(got) != len(want) {
			t.Fatalf("CatalogAt(%d) = %v asOf %d; want %v asOf %d", index, got, asOf, want, wantAsOf)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("CatalogAt(%d) = %v; want %v", index, got, want)
			}
		}
	}
	check(0, 0, map[string]string{})
	check(1, 1, map[string]string{"t/1": "v1", "v": "1"})
	check(2, 1, map[string]string{"t/1": "v1", "v": "1"})
	check(3, 3, map[string]string{"t/1": "v2", "t/2": "w1", "v": "1"})
	check(4, 4, map[string]string{"t/1": "v2", "v": "1"})
	check(7, 6, map[string]string{"t/1": "v3", "v": "1"})

	if err := s.PruneHistory(5); err != nil {
		t.Fatal(err)
	}
	check(4, 4, map[string]string{"t/1": "v2", "v": "1"})
	check(7, 6, map[string]string{"t/1": "v3", "v": "1"})
	if _, _, err := s.CatalogAt(2); !errors.Is(err, ErrHistoryPruned) {
		t.Fatalf("CatalogAt below the floor: %v", err)
	}
}

func TestCatalogHistorySeededAtOpen(t *testing.T) {
	s := mustOpen(t)
	put(t, s, CatalogSpace, "t/1", "v1") // 1
	put(t, s, CatalogSpace, "t/2", "w1") // 2
	// An older store has no history bucket: drop it and reopen.
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(catHistBucket) }); err != nil {
		t.Fatal(err)
	}
	path := s.path
	s.Close()
	s = mustOpenPath(t, path)
	cat, asOf, err := s.CatalogAt(2)
	if err != nil || asOf != 2 || string(cat["t/1"]) != "v1" || string(cat["t/2"]) != "w1" {
		t.Fatalf("seeded CatalogAt(2) = %q asOf %d err %v", cat, asOf, err)
	}
}
