package locks

import (
	"path/filepath"
	"testing"

	"logdb/kv"
)

// tableHarness applies lock ops through a real kv.Store, one entry each.
type tableHarness struct {
	t     *testing.T
	store *kv.Store
	index uint64
}

func newHarness(t *testing.T) *tableHarness {
	t.Helper()
	s, err := kv.Open(filepath.Join(t.TempDir(), "state.db"), kv.Options{NoSync: true, Locks: Apply})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &tableHarness{t: t, store: s}
}

func (h *tableHarness) do(op Op) Outcome {
	h.t.Helper()
	h.index++
	res, err := h.store.Apply([]kv.Entry{{Index: h.index, Data: kv.EncodeCommand(&kv.Command{Kind: kv.KindLock, LockOp: op.Encode()})}})
	if err != nil {
		h.t.Fatal(err)
	}
	return DecodeOutcome(res[0].Lock)
}

func (h *tableHarness) want(op Op, status Status) Outcome {
	h.t.Helper()
	out := h.do(op)
	if out.Status != status {
		h.t.Fatalf("op %d on %q: status %d, want %d", op.kind, op.tag, out.Status, status)
	}
	return out
}

var (
	tagA = []byte("a1")
	tagB = []byte("a2")
)

func TestConflicts(t *testing.T) {
	// PostgreSQL's tuple lock conflicts: KS–U; S–NKU, S–U; NKU–NKU, NKU–U; U–all
	want := map[[2]Mode]bool{
		{ModeKeyShare, ModeKeyShare}: false, {ModeKeyShare, ModeForShare}: false, {ModeKeyShare, ModeNoKeyUpdate}: false, {ModeKeyShare, ModeUpdate}: true,
		{ModeForShare, ModeForShare}: false, {ModeForShare, ModeNoKeyUpdate}: true, {ModeForShare, ModeUpdate}: true,
		{ModeNoKeyUpdate, ModeNoKeyUpdate}: true, {ModeNoKeyUpdate, ModeUpdate}: true, {ModeUpdate, ModeUpdate}: true,
		{ModeShare, ModeShare}: false, {ModeShare, ModeExclusive}: true, {ModeExclusive, ModeExclusive}: true,
	}
	for pair, c := range want {
		if Conflicts(pair[0], pair[1]) != c || Conflicts(pair[1], pair[0]) != c {
			t.Errorf("Conflicts(%v, %v) != %v", pair[0], pair[1], c)
		}
	}
}

func TestTableGrantsQueuesAndReleases(t *testing.T) {
	h := newHarness(t)
	h.want(NodeStart(1, 10), StatusOK)
	h.want(NodeStart(2, 20), StatusOK)
	a, b, c := Owner{1, 10, 100}, Owner{2, 20, 200}, Owner{1, 10, 101}

	h.want(Acquire(a, tagA, ModeExclusive, false, true, 1), StatusOK)
	h.want(Acquire(a, tagA, ModeExclusive, false, true, 2), StatusOK) // re-entrant
	h.want(Acquire(b, tagA, ModeShare, false, false, 3), StatusNotAvailable)
	h.want(Acquire(b, tagA, ModeShare, false, true, 4), StatusWaiting)
	h.want(Acquire(c, tagA, ModeShare, false, true, 5), StatusWaiting)
	h.want(Release(a, tagA, ModeExclusive), StatusOK) // one of two holds
	out := h.want(Release(a, tagA, ModeExclusive), StatusOK)
	if len(out.Grants) != 2 || out.Grants[0] != (Grant{b, 4}) || out.Grants[1] != (Grant{c, 5}) {
		t.Fatalf("grants on release: %+v", out.Grants)
	}
	h.want(Release(a, tagA, ModeExclusive), StatusNotHeld)
	// a queued exclusive request is not overtaken by a later share one
	h.want(Acquire(a, tagA, ModeExclusive, false, true, 6), StatusWaiting)
	h.want(Acquire(Owner{2, 20, 201}, tagA, ModeShare, false, false, 7), StatusNotAvailable)
	// cancel withdraws the wait
	h.want(Cancel(a, tagA, ModeExclusive, false, 6), StatusOK)
	h.want(Acquire(Owner{2, 20, 201}, tagA, ModeShare, false, false, 8), StatusOK)
	// transaction holds end with Commit; session holds stay
	h.want(Acquire(a, tagB, ModeExclusive, true, true, 9), StatusOK)
	h.want(Acquire(a, tagB, ModeExclusive, false, true, 10), StatusOK)
	h.want(Commit(a), StatusOK)
	h.want(Acquire(b, tagB, ModeExclusive, false, false, 11), StatusNotAvailable)
	h.want(ReleaseAll(a, true, false), StatusOK)
	h.want(Acquire(b, tagB, ModeExclusive, false, false, 12), StatusOK)

	// a cancellation that arrives after the grant undoes the grant
	h.want(Acquire(c, tagB, ModeExclusive, false, true, 13), StatusWaiting)
	out = h.want(ReleaseAll(b, true, true), StatusOK)
	if len(out.Grants) != 1 || out.Grants[0].Req != 13 {
		t.Fatalf("grants: %+v", out.Grants)
	}
	h.want(Cancel(c, tagB, ModeExclusive, false, 13), StatusOK)
	h.want(Acquire(b, tagB, ModeExclusive, false, false, 14), StatusOK)
}

func TestTableDeadlockAndNodes(t *testing.T) {
	h := newHarness(t)
	h.want(NodeStart(1, 10), StatusOK)
	h.want(NodeStart(2, 20), StatusOK)
	a, b := Owner{1, 10, 100}, Owner{2, 20, 200}
	h.want(Acquire(a, tagA, ModeExclusive, false, true, 1), StatusOK)
	h.want(Acquire(b, tagB, ModeExclusive, false, true, 2), StatusOK)
	h.want(Acquire(a, tagB, ModeExclusive, false, true, 3), StatusWaiting)
	h.want(Acquire(b, tagA, ModeExclusive, false, true, 4), StatusDeadlock)

	// node 2 gone: its locks go, a's wait is granted, b's ops are refused
	out := h.want(NodeGone(2, 20), StatusOK)
	if len(out.Grants) != 1 || out.Grants[0] != (Grant{a, 3}) {
		t.Fatalf("grants when node 2 went: %+v", out.Grants)
	}
	h.want(Acquire(b, tagA, ModeShare, false, false, 5), StatusLost)
	if h.do(Commit(b)).Status != StatusLost {
		t.Fatal("a commit of a lost incarnation was not refused")
	}
	// node 1 restarts: its previous incarnation's locks go
	h.want(NodeStart(1, 11), StatusOK)
	n := 0
	if err := List(h.store, func(Listed) { n++ }); err != nil || n != 0 {
		t.Fatalf("table after every owner went: %d rows (%v)", n, err)
	}
	if inc, err := NodeIncarnation(h.store, 1); err != nil || inc != 11 {
		t.Fatalf("node 1's incarnation: %d, %v", inc, err)
	}
	// a malformed op is answered, not fatal
	h.index++
	res, err := h.store.Apply([]kv.Entry{{Index: h.index, Data: kv.EncodeCommand(&kv.Command{Kind: kv.KindLock, LockOp: []byte{9}})}})
	if err != nil || DecodeOutcome(res[0].Lock).Status != StatusBad {
		t.Fatalf("malformed op: %v, %+v", err, res)
	}
}

func TestTableLimitPerOwner(t *testing.T) {
	h := newHarness(t)
	h.want(NodeStart(1, 10), StatusOK)
	a := Owner{1, 10, 100}
	entries := make([]kv.Entry, 0, MaxLocksPerOwner)
	for i := 0; i < MaxLocksPerOwner; i++ {
		h.index++
		op := Acquire(a, []byte{'a', byte(i >> 16), byte(i >> 8), byte(i)}, ModeExclusive, false, false, uint64(i))
		entries = append(entries, kv.Entry{Index: h.index, Data: kv.EncodeCommand(&kv.Command{Kind: kv.KindLock, LockOp: op.Encode()})})
	}
	if _, err := h.store.Apply(entries); err != nil {
		t.Fatal(err)
	}
	h.want(Acquire(a, []byte("one more"), ModeExclusive, false, false, 1<<40), StatusTooMany)
	h.want(ReleaseAll(a, true, true), StatusOK)
	h.want(Acquire(a, []byte("one more"), ModeExclusive, false, false, 1<<41), StatusOK)
}

func TestOpDecodeRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {1}, make([]byte, 31), append([]byte{1}, make([]byte, 30)...)} {
		if _, err := decodeOp(b); err == nil {
			t.Errorf("decodeOp(%x) accepted", b)
		}
	}
	op := Acquire(Owner{1, 2, 3}, []byte("t"), ModeShare, true, true, 7)
	got, err := decodeOp(op.Encode())
	if err != nil || got.owner != op.owner || got.mode != op.mode || got.flags != op.flags || got.req != 7 || string(got.tag) != "t" {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
}

// TestRowLocks: AcquireRows locks the first free rows (SKIP LOCKED), stops
// at a locked one (NOWAIT) or queues for it, and passes over or refuses a
// row changed after the snapshot.
func TestRowLocks(t *testing.T) {
	h := newHarness(t)
	h.want(NodeStart(1, 10), StatusOK)
	a, b := Owner{1, 10, 5}, Owner{1, 10, 6}
	sp := kv.FirstUserSpace
	rows := []Row{{sp, []byte("j1")}, {sp, []byte("j2")}, {sp, []byte("j3")}}
	// a row written at index 3
	h.index++
	if _, err := h.store.Apply([]kv.Entry{{Index: h.index, Data: kv.EncodeCommand(&kv.Command{Kind: kv.KindTxn,
		Writes: []kv.Write{{Space: sp, Key: []byte("j3"), Value: []byte("x")}}})}}); err != nil {
		t.Fatal(err)
	}
	out := h.want(AcquireRows(a, ModeUpdate, rows[:1], 1, 0, true, false, true, 1), StatusOK)
	if len(out.Rows) != 1 || out.Rows[0] != 0 {
		t.Fatalf("a locked %v", out.Rows)
	}
	// b skips j1 (locked) and j3 (changed after its snapshot 1): only j2
	out = h.want(AcquireRows(b, ModeUpdate, rows, 1, 2, false, true, true, 2), StatusOK)
	if len(out.Rows) != 1 || out.Rows[0] != 1 {
		t.Fatalf("b skip locked: %v", out.Rows)
	}
	// NOWAIT stops at j1; without check j3 is free for a snapshot past it
	out = h.want(AcquireRows(b, ModeForShare, rows, 3, 0, false, false, true, 3), StatusNotAvailable)
	if out.WaitAt != 0 {
		t.Fatalf("nowait at %d", out.WaitAt)
	}
	h.want(AcquireRows(b, ModeUpdate, rows[2:], 1, 0, true, false, true, 4), StatusChanged)
	// b waits for j1; a's commit grants it
	out = h.want(AcquireRows(b, ModeUpdate, rows[:1], 3, 0, true, false, true, 5), StatusWaiting)
	if out.WaitAt != 0 {
		t.Fatalf("wait at %d", out.WaitAt)
	}
	out = h.want(Commit(a), StatusOK)
	if len(out.Grants) != 1 || out.Grants[0].Owner != b || out.Grants[0].Req != 5 {
		t.Fatalf("grants %+v", out.Grants)
	}
	// FOR KEY SHARE does not conflict with FOR NO KEY UPDATE
	h.want(AcquireRows(a, ModeKeyShare, rows[1:2], 3, 0, false, false, true, 6), StatusNotAvailable)
	h.want(ReleaseAll(b, false, true), StatusOK)
	h.want(AcquireRows(b, ModeNoKeyUpdate, rows[1:2], 3, 0, false, false, true, 7), StatusOK)
	h.want(AcquireRows(a, ModeKeyShare, rows[1:2], 3, 0, false, false, true, 8), StatusOK)
	got, err := decodeOp(AcquireRows(a, ModeShare, rows, 1, 0, false, false, false, 1).Encode())
	if err == nil {
		t.Fatalf("row op in an advisory mode decoded: %+v", got)
	}
}

// TestReleaseRows: ReleaseRows gives back one hold taken after a
// savepoint and wakes the waiter; a hold taken before stays.
func TestReleaseRows(t *testing.T) {
	h := newHarness(t)
	h.want(NodeStart(1, 10), StatusOK)
	a, b := Owner{1, 10, 5}, Owner{1, 10, 6}
	rows := []Row{{kv.FirstUserSpace, []byte("k1")}, {kv.FirstUserSpace, []byte("k2")}}
	h.want(AcquireRows(a, ModeForShare, rows[:1], 1, 0, true, false, true, 1), StatusOK)
	h.want(AcquireRows(a, ModeUpdate, rows, 1, 0, true, false, true, 2), StatusOK)
	h.want(AcquireRows(b, ModeUpdate, rows[1:], 1, 0, true, false, true, 3), StatusWaiting)
	out := h.want(ReleaseRows(a, ModeUpdate, rows), StatusOK)
	if len(out.Grants) != 1 || out.Grants[0].Owner != b {
		t.Fatalf("grants %+v", out.Grants)
	}
	h.want(AcquireRows(b, ModeUpdate, rows[:1], 1, 0, false, false, true, 4), StatusNotAvailable) // a's FOR SHARE stays
}
