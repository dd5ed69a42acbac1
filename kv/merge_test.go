package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// addMerge is a test merge function: values and operands are 8-byte
// big-endian int64s; overflow is an error.
func addMerge(old, operand []byte) ([]byte, error) {
	if len(old) != 8 || len(operand) != 8 {
		return nil, errors.New("not a counter")
	}
	a, b := int64(binary.BigEndian.Uint64(old)), int64(binary.BigEndian.Uint64(operand))
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return nil, errOverflow
	}
	return i64(s), nil
}

var errOverflow = errors.New("integer out of range")

func i64(v int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	return b[:]
}

func mustOpenMerge(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "state.db"), Options{NoSync: true, InitialMmapSize: 16 << 20, Logger: quietLogger, Merge: addMerge})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

const mSpace Space = FirstUserSpace

func getI64(t testing.TB, s *Store, key string) (int64, bool) {
	t.Helper()
	txn := mustBegin(t, s)
	defer txn.Release()
	v, ok, err := txn.Get(mSpace, []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(v)), true
}

func seed(t testing.TB, s *Store, kvs map[string]int64) {
	t.Helper()
	txn := mustBegin(t, s)
	for k, v := range kvs {
		txn.Put(mSpace, []byte(k), i64(v), nil)
	}
	mustCommit(t, s, txn)
}

func mustMerge(t testing.TB, txn *Txn, key string, delta int64) {
	t.Helper()
	found, err := txn.Merge(mSpace, []byte(key), i64(delta))
	if err != nil || !found {
		t.Fatalf("Merge(%s): found %v, err %v", key, found, err)
	}
}

func TestMergeCodec(t *testing.T) {
	c := &Command{Kind: KindTxn, SnapshotIndex: 7, Writes: []Write{
		{Space: mSpace, Key: []byte("a"), Value: []byte("put"), Before: []byte("old")},
		{Space: mSpace, Key: []byte("b"), Value: []byte("operand"), Merge: true, Before: []byte("ignored")},
		{Space: mSpace, Key: []byte("c"), Value: []byte{}, Merge: true},
	}}
	data := EncodeCommand(c)
	if data[0] != commandFormatV2 {
		t.Fatalf("version byte %d, want %d", data[0], commandFormatV2)
	}
	got, err := DecodeCommand(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Writes) != 3 || got.Writes[0].Merge || !got.Writes[1].Merge || got.Writes[1].Before != nil ||
		string(got.Writes[1].Value) != "operand" || !got.Writes[2].Merge || got.Writes[2].Value == nil {
		t.Fatalf("decoded %+v", got.Writes)
	}
	// Without merges the command stays V1, readable by older builds.
	c.Writes = c.Writes[:1]
	if data := EncodeCommand(c); data[0] != commandFormatV1 {
		t.Fatalf("version byte %d, want %d", data[0], commandFormatV1)
	}
	// A merge flag in a V1 entry is corrupt.
	c.Writes = []Write{{Space: mSpace, Key: []byte("b"), Value: []byte("x"), Merge: true}}
	data = EncodeCommand(c)
	data[0] = commandFormatV1
	if _, err := DecodeCommand(data); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("V1 with merge flag: %v", err)
	}
}

// Two transactions incrementing the same key from the same snapshot both
// commit, and the sum is right: merges are not reads.
func TestMergeConcurrentIncrementsCommit(t *testing.T) {
	s := mustOpenMerge(t)
	seed(t, s, map[string]int64{"branch": 100})
	var txns []*Txn
	for i := 0; i < 5; i++ {
		txn := mustBegin(t, s)
		mustMerge(t, txn, "branch", int64(i+1))
		txns = append(txns, txn)
	}
	var cmds []*Command
	for _, txn := range txns {
		cmds = append(cmds, txn.Command(0))
		txn.Release()
	}
	for i, r := range mustApply(t, s, cmds...) {
		if r.Err != nil {
			t.Fatalf("txn %d: %v", i, r.Err)
		}
	}
	if v, _ := getI64(t, s, "branch"); v != 115 {
		t.Fatalf("branch = %d, want 115", v)
	}
}

// A transaction that read a key conflicts with a merge of it that applied
// after its snapshot (lost update / write skew through a merge).
func TestMergeConflictsWithReader(t *testing.T) {
	s := mustOpenMerge(t)
	seed(t, s, map[string]int64{"a": 100, "b": 100})
	reader := mustBegin(t, s)
	if _, _, err := reader.Get(mSpace, []byte("a")); err != nil {
		t.Fatal(err)
	}
	reader.Put(mSpace, []byte("b"), i64(0), nil)
	merger := mustBegin(t, s)
	mustMerge(t, merger, "a", -10)
	mustCommit(t, s, merger)
	mustConflict(t, s, reader)

	// The other order: the merging transaction's own reads are validated.
	merger = mustBegin(t, s)
	if _, _, err := merger.Get(mSpace, []byte("b")); err != nil {
		t.Fatal(err)
	}
	mustMerge(t, merger, "a", -10)
	writer := mustBegin(t, s)
	writer.Put(mSpace, []byte("b"), i64(1), nil)
	mustCommit(t, s, writer)
	mustConflict(t, s, merger)
	if v, _ := getI64(t, s, "a"); v != 90 {
		t.Fatalf("a = %d, want 90", v)
	}
}

// Reading a key after merging it records the read: a concurrent merge then
// conflicts, so the value the transaction saw is the one it commits.
func TestMergeThenReadRecordsRead(t *testing.T) {
	s := mustOpenMerge(t)
	seed(t, s, map[string]int64{"acct": 10, "z": 0})
	txn := mustBegin(t, s)
	mustMerge(t, txn, "acct", 5)
	v, ok, err := txn.Get(mSpace, []byte("acct"))
	if err != nil || !ok || int64(binary.BigEndian.Uint64(v)) != 15 {
		t.Fatalf("Get after merge: %v %v %v", v, ok, err)
	}
	it := txn.Scan(mSpace, nil, nil, false)
	var seen []int64
	for it.Next() {
		seen = append(seen, int64(binary.BigEndian.Uint64(it.Value())))
	}
	if len(seen) != 2 || seen[0] != 15 {
		t.Fatalf("scan after merge: %v", seen)
	}
	other := mustBegin(t, s)
	mustMerge(t, other, "acct", 1)
	mustCommit(t, s, other)
	mustConflict(t, s, txn)
	if v, _ := getI64(t, s, "acct"); v != 11 {
		t.Fatalf("acct = %d, want 11", v)
	}

	// Without the concurrent merge it commits the value it saw.
	txn = mustBegin(t, s)
	mustMerge(t, txn, "acct", 5)
	if _, _, err := txn.Get(mSpace, []byte("acct")); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, s, txn)
	if v, _ := getI64(t, s, "acct"); v != 16 {
		t.Fatalf("acct = %d, want 16", v)
	}
}

// A merge of a key deleted after the snapshot conflicts (the caller told
// its client a row was updated); a merge of a missing key buffers nothing
// and records the absence.
func TestMergeRequiresExistence(t *testing.T) {
	s := mustOpenMerge(t)
	seed(t, s, map[string]int64{"a": 1})
	txn := mustBegin(t, s)
	mustMerge(t, txn, "a", 1)
	del := mustBegin(t, s)
	del.Delete(mSpace, []byte("a"), nil)
	mustCommit(t, s, del)
	mustConflict(t, s, txn)

	txn = mustBegin(t, s)
	found, err := txn.Merge(mSpace, []byte("a"), i64(1))
	if err != nil || found {
		t.Fatalf("merge of a deleted key: %v %v", found, err)
	}
	if txn.HasWrites() {
		t.Fatal("merge of a missing key buffered a write")
	}
	txn.Put(mSpace, []byte("other"), i64(0), nil)
	ins := mustBegin(t, s)
	ins.Put(mSpace, []byte("a"), i64(7), nil)
	mustCommit(t, s, ins)
	mustConflict(t, s, txn) // it saw "a" absent
}

// A merge error at apply fails the whole entry deterministically, wraps the
// cause, and writes nothing.
func TestMergeErrorFailsEntry(t *testing.T) {
	s := mustOpenMerge(t)
	seed(t, s, map[string]int64{"a": 1 << 62})
	t1 := mustBegin(t, s)
	mustMerge(t, t1, "a", 1<<61)
	t1.Put(mSpace, []byte("side"), i64(1), nil)
	t2 := mustBegin(t, s)
	mustMerge(t, t2, "a", 1<<61)
	c1, c2 := t1.Command(0), t2.Command(0)
	t1.Release()
	t2.Release()
	res := mustApply(t, s, c1, c2)
	if res[0].Err != nil {
		t.Fatalf("first: %v", res[0].Err)
	}
	if !errors.Is(res[1].Err, ErrMerge) || !errors.Is(res[1].Err, errOverflow) {
		t.Fatalf("second: %v", res[1].Err)
	}
	idx := s.AppliedIndex()
	if ok, _ := s.Applied(idx); ok {
		t.Fatal("failed merge entry reported applied")
	}
	if v, _ := getI64(t, s, "a"); v != 1<<62+1<<61 {
		t.Fatalf("a = %d", v)
	}
	// At execution, the error shows where a read-modify-write would fail.
	t3 := mustBegin(t, s)
	if _, err := t3.Merge(mSpace, []byte("a"), i64(1<<62)); !errors.Is(err, errOverflow) {
		t.Fatalf("merge overflowing the snapshot value: %v", err)
	}
	t3.Release()
	// Nothing of a failed entry is written.
	t4 := mustBegin(t, s)
	t4.Put(mSpace, []byte("side2"), i64(1), nil)
	mustMerge(t, t4, "a", 1)
	t5 := mustBegin(t, s)
	mustMerge(t, t5, "a", 1<<61-1) // a becomes MaxInt64
	mustCommit(t, s, t5)
	if err := commit(t, s, t4); !errors.Is(err, ErrMerge) {
		t.Fatalf("t4: %v", err)
	}
	if _, ok := getI64(t, s, "side2"); ok {
		t.Fatal("a failed merge entry wrote its other keys")
	}
	if v, _ := getI64(t, s, "a"); v != 1<<63-1 {
		t.Fatalf("a = %d", v)
	}
}

// A merge of a key the transaction wrote folds into the buffer; a second
// merge of a merged key reads it; a savepoint rollback undoes a merge.
func TestMergeBuffered(t *testing.T) {
	s := mustOpenMerge(t)
	seed(t, s, map[string]int64{"a": 1, "b": 1})
	txn := mustBegin(t, s)
	txn.Put(mSpace, []byte("new"), i64(10), nil)
	mustMerge(t, txn, "new", 5)
	mustMerge(t, txn, "a", 1)
	sp := txn.Savepoint()
	mustMerge(t, txn, "b", 100)
	mustMerge(t, txn, "a", 1) // folds: records the read of a
	txn.RollbackTo(sp)
	c := txn.Command(0)
	if len(c.Writes) != 2 || c.Writes[0].Merge || !c.Writes[1].Merge || len(c.Reads) != 1 {
		t.Fatalf("writes %+v reads %+v", c.Writes, c.Reads)
	}
	mustCommit(t, s, txn)
	for k, want := range map[string]int64{"new": 15, "a": 2, "b": 1} {
		if v, _ := getI64(t, s, k); v != want {
			t.Fatalf("%s = %d, want %d", k, v, want)
		}
	}
	// A deleted key is not merged.
	txn = mustBegin(t, s)
	txn.Delete(mSpace, []byte("b"), nil)
	if found, err := txn.Merge(mSpace, []byte("b"), i64(1)); found || err != nil {
		t.Fatalf("merge of a key deleted in the txn: %v %v", found, err)
	}
	txn.Release()
}

// The images of merge writes are recorded for the changefeed and pruned
// with the history; a store without a merge function fails merge entries.
func TestMergeImages(t *testing.T) {
	s := mustOpenMerge(t)
	seed(t, s, map[string]int64{"a": 1, "b": 2})
	txn := mustBegin(t, s)
	txn.Put(mSpace, []byte("c"), i64(3), nil)
	mustMerge(t, txn, "b", 10)
	mustMerge(t, txn, "a", 20)
	mustCommit(t, s, txn)
	idx := s.AppliedIndex()
	imgs, err := s.MergeImages(idx)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 || imgs[0].Pos != 1 || imgs[1].Pos != 2 ||
		!bytes.Equal(imgs[0].Before, i64(2)) || !bytes.Equal(imgs[0].After, i64(12)) ||
		!bytes.Equal(imgs[1].Before, i64(1)) || !bytes.Equal(imgs[1].After, i64(21)) {
		t.Fatalf("images %+v", imgs)
	}
	if imgs, _ := s.MergeImages(idx - 1); len(imgs) != 0 {
		t.Fatalf("images of the seed entry: %+v", imgs)
	}
	if err := s.PruneHistory(idx + 1); err != nil {
		t.Fatal(err)
	}
	if imgs, _ := s.MergeImages(idx); len(imgs) != 0 {
		t.Fatalf("images after prune: %+v", imgs)
	}

	plain := mustOpen(t)
	c := &Command{Kind: KindTxn, Writes: []Write{{Space: mSpace, Key: []byte("a"), Value: i64(1), Merge: true}}}
	if res := mustApply(t, plain, &Command{Kind: KindTxn, Writes: []Write{{Space: mSpace, Key: []byte("a"), Value: i64(1)}}}, c); !errors.Is(res[1].Err, ErrMerge) {
		t.Fatalf("merge without a merge function: %v", res[1].Err)
	}
	ptxn := mustBegin(t, plain)
	if ptxn.CanMerge() {
		t.Fatal("CanMerge without a merge function")
	}
}

// TestMergeRandomSerializable runs random interleaved transactions of
// merges, reads, puts and deletes over a few counters, committing them in a
// random order, and checks that every committed transaction saw what it
// would have seen running alone at its apply point (its reads and its
// merges' found flags), and that the store equals that serial execution.
func TestMergeRandomSerializable(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { mergeRandom(t, seed) })
	}
}

func mergeRandom(t *testing.T, seed uint64) {
	s := mustOpenMerge(t)
	rng := rand.New(rand.NewPCG(seed, 2))
	keys := []string{"a", "b", "c", "d"}
	model := map[string]int64{}
	seedTxn := mustBegin(t, s)
	for i, k := range keys[:3] {
		seedTxn.Put(mSpace, []byte(k), i64(int64(i)), nil)
		model[k] = int64(i)
	}
	mustCommit(t, s, seedTxn)

	type op struct {
		kind   byte // 'm' merge, 'g' get, 'p' put, 'd' delete, 's' scan
		key    string
		arg    int64
		result string
	}
	type run struct {
		txn *Txn
		ops []op
	}
	replay := func(state map[string]int64, ops []op) (map[string]int64, []string) {
		st := maps.Clone(state)
		var out []string
		for _, o := range ops {
			switch o.kind {
			case 'm':
				_, ok := st[o.key]
				if ok {
					st[o.key] += o.arg
				}
				out = append(out, fmt.Sprint(ok))
			case 'g':
				v, ok := st[o.key]
				out = append(out, fmt.Sprint(v, ok))
			case 's':
				var parts []string
				for _, k := range keys {
					if v, ok := st[k]; ok {
						parts = append(parts, fmt.Sprint(k, v))
					}
				}
				out = append(out, strings.Join(parts, ","))
			case 'p':
				st[o.key] = o.arg
				out = append(out, "")
			case 'd':
				v, ok := st[o.key]
				out = append(out, fmt.Sprint(v, ok))
				delete(st, o.key)
			}
		}
		return st, out
	}
	storeState := func() map[string]int64 {
		txn := mustBegin(t, s)
		defer txn.Release()
		st := map[string]int64{}
		it := txn.Scan(mSpace, nil, nil, false)
		for it.Next() {
			st[string(it.Key())] = int64(binary.BigEndian.Uint64(it.Value()))
		}
		return st
	}
	var open []*run
	commits, conflicts, mergeCommits := 0, 0, 0
	for step := 0; step < 3000; step++ {
		if len(open) < 4 && (len(open) == 0 || rng.IntN(3) == 0) {
			open = append(open, &run{txn: mustBegin(t, s)})
			continue
		}
		r := open[rng.IntN(len(open))]
		if len(r.ops) < 4 && rng.IntN(4) != 0 {
			k := keys[rng.IntN(len(keys))]
			o := op{key: k}
			switch x := rng.IntN(20); {
			case x < 12:
				o.kind, o.arg = 'm', int64(rng.IntN(21)-10)
				found, err := r.txn.Merge(mSpace, []byte(k), i64(o.arg))
				if err != nil {
					t.Fatal(err)
				}
				o.result = fmt.Sprint(found)
			case x < 15:
				o.kind = 'g'
				v, ok, err := r.txn.Get(mSpace, []byte(k))
				if err != nil {
					t.Fatal(err)
				}
				var n int64
				if ok {
					n = int64(binary.BigEndian.Uint64(v))
				}
				o.result = fmt.Sprint(n, ok)
			case x < 16:
				o.kind = 's'
				var parts []string
				it := r.txn.Scan(mSpace, nil, nil, false)
				for it.Next() {
					parts = append(parts, fmt.Sprint(string(it.Key()), int64(binary.BigEndian.Uint64(it.Value()))))
				}
				o.result = strings.Join(parts, ",")
			case x < 18:
				o.kind, o.arg = 'p', int64(rng.IntN(100))
				r.txn.Put(mSpace, []byte(k), i64(o.arg), nil)
			default:
				// Read first, as sql does: kv drops a blind delete of a
				// key absent from the snapshot.
				o.kind = 'd'
				v, ok, err := r.txn.Get(mSpace, []byte(k))
				if err != nil {
					t.Fatal(err)
				}
				var n int64
				if ok {
					n = int64(binary.BigEndian.Uint64(v))
				}
				o.result = fmt.Sprint(n, ok)
				r.txn.Delete(mSpace, []byte(k), nil)
			}
			r.ops = append(r.ops, o)
			continue
		}
		// commit r
		open = slices.DeleteFunc(open, func(x *run) bool { return x == r })
		err := commit(t, s, r.txn)
		switch {
		case err == nil:
			next, results := replay(model, r.ops)
			for i, o := range r.ops {
				if o.result != results[i] {
					t.Fatalf("step %d: committed txn %+v: op %d saw %q, serial execution at apply gives %q", step, r.ops, i, o.result, results[i])
				}
			}
			model = next
			commits++
			if slices.ContainsFunc(r.ops, func(o op) bool { return o.kind == 'm' }) {
				mergeCommits++
			}
		case errors.Is(err, ErrConflict):
			conflicts++
		default:
			t.Fatal(err)
		}
		if got := storeState(); !maps.Equal(got, model) {
			t.Fatalf("step %d: store %v, model %v after %v (err %v)", step, got, model, r.ops, err)
		}
	}
	t.Logf("commits %d (with merges %d), conflicts %d", commits, mergeCommits, conflicts)
	if mergeCommits < 100 {
		t.Fatalf("only %d merging transactions committed", mergeCommits)
	}
}
