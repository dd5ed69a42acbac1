package kv

import (
	"fmt"
	"sync"
	"testing"
)

// A shared snapshot reads the state at its index, whatever is applied
// later, from several transactions on several goroutines at once, and
// lives until the exporter and every transaction begun from it let go.
func TestSharedSnapshot(t *testing.T) {
	s := mustOpen(t)
	for i := range 50 {
		put(t, s, tbl, fmt.Sprintf("k%02d", i), "old")
	}
	sn, err := s.ExportSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		put(t, s, tbl, fmt.Sprintf("k%02d", i), "new", fmt.Sprintf("x%02d", i), "new")
	}
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				txn, err := sn.Begin()
				if err != nil {
					errc <- err
					return
				}
				if txn.SnapshotIndex() != sn.Index() {
					errc <- fmt.Errorf("snapshot index %d, want %d", txn.SnapshotIndex(), sn.Index())
				}
				n := 0
				it := txn.Scan(tbl, nil, nil, g%2 == 1)
				for it.Next() {
					if string(it.Value()) != "old" {
						errc <- fmt.Errorf("read %s=%s from the snapshot", it.Key(), it.Value())
					}
					n++
				}
				it.Close()
				if v, ok, err := txn.Get(tbl, []byte("k07")); err != nil || !ok || string(v) != "old" {
					errc <- fmt.Errorf("Get k07 = %q %v %v", v, ok, err)
				}
				txn.Release()
				if n != 50 {
					errc <- fmt.Errorf("scanned %d rows, want 50", n)
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	held, err := sn.Begin()
	if err != nil {
		t.Fatal(err)
	}
	sn.Release()
	if _, _, err := held.Get(tbl, []byte("k01")); err != nil {
		t.Fatalf("a transaction outlives the exporter's release: %v", err)
	}
	held.Release()
	if _, err := sn.Begin(); err != ErrClosed {
		t.Fatalf("Begin after the last release: %v, want ErrClosed", err)
	}
}
