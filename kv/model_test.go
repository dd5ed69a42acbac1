package kv

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The model test runs random interleaved transactions against a Store and a
// plain-map model. It checks that every read sees the snapshot overlaid with
// the transaction's own writes, and that OCC is serializable: when a
// transaction commits, every read it made returns the same result evaluated
// against the state just before its commit (so it could have run there,
// alone).

type modelState map[Space]map[string]string

func (m modelState) clone() modelState {
	c := make(modelState, len(m))
	for sp, kv := range m {
		c[sp] = maps.Clone(kv)
	}
	return c
}

// modelBuf is a transaction's buffered writes: nil value = deleted.
type modelBuf struct {
	dropped map[Space]bool
	writes  map[Space]map[string]*string
}

func (b modelBuf) clone() modelBuf {
	c := modelBuf{dropped: maps.Clone(b.dropped), writes: map[Space]map[string]*string{}}
	for sp, w := range b.writes {
		c.writes[sp] = maps.Clone(w)
	}
	return c
}

// view returns the live keys of space sp as the transaction sees them.
func (b modelBuf) view(base modelState, sp Space) map[string]string {
	out := map[string]string{}
	if !b.dropped[sp] {
		maps.Copy(out, base[sp])
	}
	for k, v := range b.writes[sp] {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = *v
		}
	}
	return out
}

type observation struct {
	buf     modelBuf
	sp      Space
	get     string // key for a Get; "" for a scan
	start   string
	end     string
	reverse bool
	limit   int
	result  string
}

func (o *observation) eval(base modelState) string {
	v := o.buf.view(base, o.sp)
	if o.get != "" {
		val, ok := v[o.get]
		return fmt.Sprint(val, ok)
	}
	var keys []string
	for k := range v {
		if k >= o.start && (o.end == "" || k < o.end) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if o.reverse {
		slices.Reverse(keys)
	}
	var out []string
	for _, k := range keys[:min(len(keys), o.limit)] {
		out = append(out, k+"="+v[k])
	}
	return strings.Join(out, ",")
}

type modelTxn struct {
	txn   *Txn
	snap  modelState
	buf   modelBuf
	saved map[int]modelBuf // savepoint -> buffer at that point
	sps   []int
	obs   []observation
}

func TestModelRandomTxns(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runModel(t, seed, 3000) })
	}
}

func runModel(t *testing.T, seed uint64, steps int) {
	checkValidationShortcuts(t)
	rng := rand.New(rand.NewPCG(seed, 99))
	s := mustOpen(t)
	if seed%2 == 0 {
		s.horizon = 25 // collect tombstones while transactions are open
	}
	committed := modelState{}
	spaces := []Space{tbl, tbl + 1}
	key := func() string { return fmt.Sprintf("k%02d", rng.IntN(12)) }
	var open []*modelTxn
	commits, conflicts := 0, 0
	for step := 0; step < steps; step++ {
		if len(open) < 3 && rng.IntN(4) == 0 || len(open) == 0 {
			txn := mustBegin(t, s)
			open = append(open, &modelTxn{txn: txn, snap: committed.clone(),
				buf: modelBuf{dropped: map[Space]bool{}, writes: map[Space]map[string]*string{}}, saved: map[int]modelBuf{}})
			continue
		}
		i := rng.IntN(len(open))
		m := open[i]
		sp := spaces[rng.IntN(len(spaces))]
		switch op := rng.IntN(100); {
		case op < 25: // Get
			k := key()
			v, ok, err := m.txn.Get(sp, []byte(k))
			if err != nil {
				t.Fatal(err)
			}
			o := observation{buf: m.buf.clone(), sp: sp, get: k, result: fmt.Sprint(string(v), ok)}
			if want := o.eval(m.snap); want != o.result {
				t.Fatalf("step %d: Get %d/%s = %s, want %s", step, sp, k, o.result, want)
			}
			m.obs = append(m.obs, o)
		case op < 40: // Scan, maybe stopping early
			a, b := key(), key()
			if a > b {
				a, b = b, a
			}
			if rng.IntN(4) == 0 {
				a = ""
			}
			if rng.IntN(4) == 0 {
				b = ""
			}
			o := observation{buf: m.buf.clone(), sp: sp, start: a, end: b, reverse: rng.IntN(2) == 0, limit: 1 + rng.IntN(15)}
			var start, end []byte
			if a != "" {
				start = []byte(a)
			}
			if b != "" {
				end = []byte(b)
			}
			it := m.txn.Scan(sp, start, end, o.reverse)
			var got []string
			for len(got) < o.limit && it.Next() {
				got = append(got, string(it.Key())+"="+string(it.Value()))
			}
			if it.Err() != nil {
				t.Fatal(it.Err())
			}
			if rng.IntN(8) != 0 { // sometimes left open for Command to finish
				it.Close()
			}
			o.result = strings.Join(got, ",")
			if want := o.eval(m.snap); want != o.result {
				t.Fatalf("step %d: Scan %d [%q,%q) rev=%v limit %d = %s, want %s", step, sp, a, b, o.reverse, o.limit, o.result, want)
			}
			m.obs = append(m.obs, o)
		case op < 60: // Put
			k, v := key(), fmt.Sprintf("v%d", step)
			before, had := m.buf.view(m.snap, sp)[k]
			var bb []byte
			if had && rng.IntN(2) == 0 { // else kv looks it up
				bb = []byte(before)
			}
			m.txn.Put(sp, []byte(k), []byte(v), bb)
			if m.buf.writes[sp] == nil {
				m.buf.writes[sp] = map[string]*string{}
			}
			m.buf.writes[sp][k] = &v
		case op < 70: // Delete
			k := key()
			before, had := m.buf.view(m.snap, sp)[k]
			if !had {
				continue
			}
			var bb []byte
			if rng.IntN(2) == 0 {
				bb = []byte(before)
			}
			m.txn.Delete(sp, []byte(k), bb)
			if m.buf.writes[sp] == nil {
				m.buf.writes[sp] = map[string]*string{}
			}
			m.buf.writes[sp][k] = nil
		case op < 74:
			p := m.txn.Savepoint()
			m.saved[p] = m.buf.clone()
			m.sps = append(m.sps, p)
		case op < 78 && len(m.sps) > 0:
			p := m.sps[rng.IntN(len(m.sps))]
			m.txn.RollbackTo(p)
			m.buf = m.saved[p].clone()
			// Later savepoints are gone.
			m.sps = slices.DeleteFunc(m.sps, func(q int) bool { return q > p })
		case op < 80:
			m.txn.DropSpace(sp)
			m.buf.dropped[sp] = true
			m.buf.writes[sp] = nil
		case op < 100: // commit
			open = slices.Delete(open, i, i+1)
			for _, w := range m.txn.Command(0).Writes {
				if m.buf.dropped[w.Space] {
					continue
				}
				old, had := m.snap[w.Space][string(w.Key)]
				if had != (w.Before != nil) || string(w.Before) != old {
					t.Fatalf("step %d: write %s before image %q, snapshot has %q %v", step, w.Key, w.Before, old, had)
				}
				if w.Delete && !had {
					t.Fatalf("step %d: delete of %s that did not exist", step, w.Key)
				}
			}
			err := commit(t, s, m.txn)
			if err != nil {
				conflicts++
				continue
			}
			commits++
			for _, o := range m.obs {
				if got := o.eval(committed); got != o.result {
					t.Fatalf("step %d: committed txn read %+v = %s, but before its commit it is %s", step, o, o.result, got)
				}
			}
			for sp := range m.buf.dropped {
				delete(committed, sp)
			}
			for sp, w := range m.buf.writes {
				if committed[sp] == nil {
					committed[sp] = map[string]string{}
				}
				for k, v := range w {
					if v == nil {
						delete(committed[sp], k)
					} else {
						committed[sp][k] = *v
					}
				}
			}
		}
	}
	for _, m := range open {
		m.txn.Release()
	}
	if commits < 50 || conflicts < 50 {
		t.Fatalf("%d commits, %d conflicts: workload too one-sided", commits, conflicts)
	}
	txn := mustBegin(t, s)
	for _, sp := range spaces {
		o := observation{sp: sp, limit: 1000}
		got := strings.Join(scanAll(t, txn, sp, "", "", false), ",")
		if want := o.eval(committed); got != want {
			t.Fatalf("final space %d: %s, want %s", sp, got, want)
		}
	}
	t.Logf("%d commits, %d conflicts", commits, conflicts)
}
