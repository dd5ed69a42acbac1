package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// recomputeHash is the state hash computed from scratch, by a scan of every
// space bucket.
func recomputeHash(t *testing.T, s *Store) uint64 {
	t.Helper()
	var sum uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if len(name) != 4 {
				return nil
			}
			sp := Space(binary.BigEndian.Uint32(name))
			return b.ForEach(func(k, v []byte) error {
				if isLive(v) {
					sum += pairHash(sp, k, v)
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// randomCommands is a seeded workload of puts, overwrites, deletes,
// increments and drops over a few spaces and keys.
func randomCommands(seed uint64, n int) []*Command {
	r := rand.New(rand.NewPCG(seed, 1))
	cmds := make([]*Command, n)
	for i := range cmds {
		sp := Space(100 + r.IntN(3))
		key := fmt.Appendf(nil, "k%d", r.IntN(40))
		switch x := r.IntN(20); {
		case x == 0:
			cmds[i] = &Command{Kind: KindTxn, Drops: []Space{sp}}
		case x < 3:
			cmds[i] = &Command{Kind: KindIncrement, Space: sp + 10, Key: key, Delta: int64(r.IntN(5))}
		case x < 7:
			cmds[i] = &Command{Kind: KindTxn, Writes: []Write{{Space: sp, Key: key, Delete: true}}}
		default:
			cmds[i] = &Command{Kind: KindTxn, Writes: []Write{{Space: sp, Key: key, Value: fmt.Appendf(nil, "v%d", r.IntN(1000))},
				{Space: sp, Key: append(key, 'x'), Value: []byte("y")}}}
		}
	}
	return cmds
}

// applyInBatches applies cmds as entries 1..n in batches of the sizes
// the seed picks (replicas batch differently).
func applyInBatches(t *testing.T, s *Store, cmds []*Command, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 2))
	for i := 0; i < len(cmds); {
		k := min(1+r.IntN(30), len(cmds)-i)
		mustApply(t, s, cmds[i:i+k]...)
		i += k
	}
}

func openHashed(t *testing.T, path string, interval int, onPoint func([]StateHash)) *Store {
	t.Helper()
	s, err := Open(path, Options{NoSync: true, InitialMmapSize: 16 << 20, Logger: quietLogger, HashInterval: interval, OnHashPoint: onPoint})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestStateHashIsTheState: the incrementally kept hash (and live key
// count) equals one computed from scratch after every kind of write, survives a reopen, is computed
// for a store that has none (an older build's), and two replicas that
// batch the same entries differently note the same hash points.
func TestStateHashIsTheState(t *testing.T) {
	cmds := randomCommands(7, 600)
	var pointsA, pointsB []StateHash
	pathA := filepath.Join(t.TempDir(), "a.db")
	a := openHashed(t, pathA, 50, func(p []StateHash) { pointsA = append(pointsA, p...) })
	b := openHashed(t, filepath.Join(t.TempDir(), "b.db"), 50, func(p []StateHash) { pointsB = append(pointsB, p...) })
	applyInBatches(t, a, cmds, 1)
	applyInBatches(t, b, cmds, 2)
	_, ha := a.CurrentStateHash()
	_, hb := b.CurrentStateHash()
	if want := recomputeHash(t, a); ha != want || hb != want {
		t.Fatalf("state hash a %016x, b %016x; recomputed %016x", ha, hb, want)
	}
	for sp := Space(100); sp < 113; sp++ {
		var n int64
		a.db.View(func(tx *bolt.Tx) error {
			if b := tx.Bucket(spaceBucketName(sp)); b != nil {
				b.ForEach(func(k, v []byte) error {
					if isLive(v) {
						n++
					}
					return nil
				})
			}
			return nil
		})
		if got := a.LiveKeys(sp); got != n || b.LiveKeys(sp) != n {
			t.Errorf("space %d: LiveKeys %d and %d, scan %d", sp, got, b.LiveKeys(sp), n)
		}
	}
	if len(pointsA) != 12 || fmt.Sprint(pointsA) != fmt.Sprint(pointsB) {
		t.Fatalf("hash points differ:\n%v\n%v", pointsA, pointsB)
	}
	distinct := map[uint64]bool{}
	for _, p := range pointsA {
		distinct[p.Hash] = true
	}
	if len(distinct) < 10 {
		t.Errorf("only %d distinct hashes in 12 points of a changing state", len(distinct))
	}

	// Reopened: the sums are read back. Without them: computed at open.
	a.Close()
	a = openHashed(t, pathA, 50, nil)
	if _, h := a.CurrentStateHash(); h != ha {
		t.Fatalf("after reopen %016x, want %016x", h, ha)
	}
	if err := a.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if err := meta.Delete(metaHashed); err != nil {
			return err
		}
		return meta.Put(hashKey(100), hashValue(12345, 3)) // a stale sum, as an older build never wrote
	}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	a = openHashed(t, pathA, 50, nil)
	if _, h := a.CurrentStateHash(); h != ha {
		t.Fatalf("recomputed at open %016x, want %016x", h, ha)
	}
}

// TestStateHashDivergenceStopsTheMinority: three replicas apply the same
// entries but one applies an entry differently. When the reports
// of the next hash point go through the log, the damaged replica fails to
// apply them with ErrDiverged once two others agree against it, and the
// healthy ones record the mismatch without stopping.
func TestStateHashDivergenceStopsTheMinority(t *testing.T) {
	cmds := randomCommands(9, 100)
	stores := make([]*Store, 3)
	for i := range stores {
		stores[i] = openHashed(t, filepath.Join(t.TempDir(), "s.db"), 100, nil)
		applyInBatches(t, stores[i], cmds[:50], uint64(i))
	}
	// Node 3 applies one entry differently (as a nondeterministic apply
	// would): its state, and so its hash, differs from then on.
	bad := append([]*Command(nil), cmds...)
	bad[60] = &Command{Kind: KindTxn, Writes: []Write{{Space: 999, Key: []byte("zz"), Value: []byte("bitrot")}}}
	for i, s := range stores {
		if i == 2 {
			applyInBatches(t, s, bad[50:], uint64(i))
			continue
		}
		applyInBatches(t, s, cmds[50:], uint64(i))
	}
	reports := make([]*Command, 3)
	for i, s := range stores {
		idx, h := s.CurrentStateHash()
		if idx != 100 {
			t.Fatalf("applied %d", idx)
		}
		reports[i] = StateHashCommand(uint64(i+1), idx, h)
	}
	entries := func(from uint64) []Entry {
		out := make([]Entry, 3)
		for i, c := range reports {
			out[i] = Entry{Index: from + uint64(i), Data: EncodeCommand(c)}
		}
		return out
	}
	for i, s := range stores[:2] {
		if _, err := s.Apply(entries(101)); err != nil {
			t.Fatalf("healthy node %d: %v", i+1, err)
		}
		got := s.StateHashes()
		if !got[1].Match || !got[2].Match || got[3].Match || !got[3].Known {
			t.Errorf("node %d's view of the reports: %+v", i+1, got)
		}
	}
	if _, err := stores[2].Apply(entries(101)); !errors.Is(err, ErrDiverged) {
		t.Fatalf("damaged node: %v, want ErrDiverged", err)
	}
}
