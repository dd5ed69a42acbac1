package locks

import (
	"testing"

	"logdb/kv"
)

// FuzzApply applies arbitrary ops to a table: Apply must answer every op
// (StatusBad for a malformed one) and never fail, since an error stops the
// node.
func FuzzApply(f *testing.F) {
	f.Add(NodeStart(1, 10).Encode(), Acquire(Owner{1, 10, 5}, []byte("x"), ModeExclusive, false, true, 1).Encode())
	f.Add(Release(Owner{1, 10, 5}, []byte("x"), ModeShare).Encode(), Cancel(Owner{1, 10, 5}, []byte("x"), ModeShare, true, 3).Encode())
	f.Add([]byte{3}, []byte{7, 0, 0})
	rows := []Row{{kv.FirstUserSpace, []byte("k1")}, {kv.FirstUserSpace, []byte("k2")}}
	f.Add(AcquireRows(Owner{1, 10, 5}, ModeUpdate, rows, 3, 1, false, true, true, 9).Encode(), ReleaseRows(Owner{1, 10, 5}, ModeUpdate, rows[1:]).Encode())
	f.Fuzz(func(t *testing.T, a, b []byte) {
		h := newHarness(t)
		h.do(NodeStart(1, 10))
		for _, op := range [][]byte{a, b, a} {
			h.index++
			res, err := h.store.Apply([]kv.Entry{{Index: h.index, Data: kv.EncodeCommand(&kv.Command{Kind: kv.KindLock, LockOp: op})}})
			if err != nil {
				t.Fatalf("Apply(%x): %v", op, err)
			}
			if DecodeOutcome(res[0].Lock).Status == 0 {
				t.Fatalf("Apply(%x): no outcome", op)
			}
		}
	})
}
