package changefeed

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"logdb/kv"
	"logdb/sql/types"
)

// TestRandomHistoryResumesExactly builds a random history (inserts,
// updates, deletes, conflicts, messages of both kinds, no-ops, a column
// added midway) and checks that a subscription from any LSN yields exactly
// the suffix of the full feed after that LSN, with LSNs strictly
// increasing and each transaction's changes contiguous.
func TestRandomHistoryResumesExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	e := newEnv(t, func(c *Config) { c.BatchEntries = 5 })
	e.createTable("orders", ordersDef)
	live := map[int64]bool{}
	for step := range 400 {
		if step == 200 {
			d := ordersDef
			d.Columns = append(append([]colDef{}, d.Columns...), colDef{4, "note", textT_})
			e.createTable("orders", d)
		}
		switch rng.IntN(10) {
		case 0:
			e.log.propose(nil)
			continue
		case 1:
			e.log.propose(kv.EncodeCommand(&kv.Command{Kind: kv.KindMessage, Messages: []kv.Message{{Prefix: "nt", Content: []byte("x")}}}))
			continue
		}
		txn := e.begin()
		var stale *kv.Txn
		if rng.IntN(8) == 0 {
			stale = txn // read a key someone else will write first
			txn = e.begin()
			if _, _, err := stale.Get(ordersDef.Space, types.AppendKey(nil, int8T_, int64(0))); err != nil {
				t.Fatal(err)
			}
			e.update(stale, "orders", int64(0), "stale", nil, "")
			e.update(txn, "orders", int64(0), "winner", nil, "")
			live[0] = true
		}
		for range 1 + rng.IntN(4) {
			id := int64(rng.IntN(30))
			switch {
			case live[id] && rng.IntN(2) == 0:
				e.delete(txn, "orders", id)
				delete(live, id)
			default:
				e.insert(txn, "orders", id, "v", nil, "n")
				live[id] = true
			}
		}
		if rng.IntN(3) == 0 {
			txn.Emit(kv.Message{Transactional: true, Prefix: "tx", Content: []byte(`{"step": 1}`)})
		}
		e.mustCommit(txn)
		if stale != nil {
			if _, err := e.log.commit(stale); err == nil {
				t.Fatal("stale transaction committed")
			}
		}
	}
	full := drain(t, e.subscribe(Request{AllTables: true, AllMessages: true, HasFromLSN: true}))
	if len(full) < 500 {
		t.Fatalf("only %d changes", len(full))
	}
	seenXID := map[uint64]bool{}
	for i, c := range full {
		if i > 0 && c.LSN <= full[i-1].LSN {
			t.Fatalf("LSN not increasing at %d: %s after %s", i, show(c), show(full[i-1]))
		}
		if i > 0 && c.XID != full[i-1].XID && seenXID[c.XID] {
			t.Fatalf("transaction %d split", c.XID)
		}
		seenXID[c.XID] = true
		if c.Op != OpMessage && c.LastInTxn != (i+1 == len(full) || full[i+1].XID != c.XID) {
			t.Fatalf("LastInTxn wrong at %s", show(c))
		}
		if string(c.After) == `{"id": 0, "sku": "stale", "total": null}` || string(c.After) == `{"id": 0, "sku": "stale", "note": "", "total": null}` {
			t.Fatalf("rolled-back write delivered: %s", show(c))
		}
	}
	for range 40 {
		k := rng.IntN(len(full))
		from := full[k].LSN
		if rng.IntN(2) == 0 {
			from = EndLSN(IndexOf(from))
		}
		got := drain(t, e.subscribe(Request{AllTables: true, AllMessages: true, HasFromLSN: true, FromLSN: from}))
		var want []Change
		for _, c := range full {
			if c.LSN > from {
				want = append(want, c)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("from %s: %d changes, want %d", FormatLSN(from), len(got), len(want))
		}
		for i := range got {
			if show(got[i]) != show(want[i]) {
				t.Fatalf("from %s, change %d: %s, want %s", FormatLSN(from), i, show(got[i]), show(want[i]))
			}
		}
	}
}

// drain reads every change available now.
func drain(t *testing.T, s *Subscription) []Change {
	t.Helper()
	var out []Change
	for {
		cs, err := s.Fetch(context.Background(), 100, 30*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 0 {
			return out
		}
		out = append(out, cs...)
	}
}
