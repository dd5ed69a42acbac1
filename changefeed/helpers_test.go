package changefeed

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"logdb/kv"
	"logdb/raftlog"
	"logdb/sql/types"
)

var quiet = slog.New(slog.DiscardHandler)

// testLog is an in-memory raft log: entries are appended and applied to
// the store in one step, like a single node whose apply keeps up.
type testLog struct {
	t     testing.TB
	store *kv.Store

	mu      sync.Mutex
	entries []raftlog.Entry // entries[i].Index == first+i
	first   uint64
	reads   int // Entries calls
	maxRead int // most entries returned by one call
}

func (l *testLog) Entries(lo, hi uint64) ([]raftlog.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads++
	if lo < l.first {
		return nil, fmt.Errorf("test log: [%d, %d): %w", lo, hi, raftlog.ErrCompacted)
	}
	last := l.first + uint64(len(l.entries)) - 1
	if hi > last+1 {
		return nil, fmt.Errorf("test log: [%d, %d): %w", lo, hi, raftlog.ErrUnavailable)
	}
	out := make([]raftlog.Entry, hi-lo)
	copy(out, l.entries[lo-l.first:hi-l.first])
	l.maxRead = max(l.maxRead, len(out))
	return out, nil
}

func (l *testLog) FirstIndex() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first
}

func (l *testLog) CommittedIndex() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first + uint64(len(l.entries)) - 1
}

// truncate drops entries below index.
func (l *testLog) truncate(index uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = l.entries[index-l.first:]
	l.first = index
}

// propose appends data (nil: a raft no-op) and applies it; returns the
// entry's index and result.
func (l *testLog) propose(data []byte) (uint64, kv.Result) {
	l.t.Helper()
	l.mu.Lock()
	idx := l.first + uint64(len(l.entries))
	l.entries = append(l.entries, raftlog.Entry{Index: idx, Term: 1, Data: data})
	l.mu.Unlock()
	res, err := l.store.Apply([]kv.Entry{{Index: idx, Data: data}})
	if err != nil {
		l.t.Fatalf("apply %d: %v", idx, err)
	}
	return idx, res[0]
}

// commit proposes a transaction's command.
func (l *testLog) commit(txn *kv.Txn) (uint64, error) {
	l.t.Helper()
	c := txn.Command(testTime.UnixMicro())
	txn.Release()
	idx, res := l.propose(kv.EncodeCommand(c))
	return idx, res.Err
}

var testTime = time.Date(2026, 11, 26, 19, 0, 0, 123456000, time.UTC)

// The test catalog: "t/<name>" → JSON tableDef.
type tableDef struct {
	Space   kv.Space `json:"space"`
	Columns []colDef `json:"columns"`
	PK      []int    `json:"pk"`
}

type colDef struct {
	ID   uint32  `json:"id"`
	Name string  `json:"name"`
	T    types.T `json:"t"`
}

type testDecoder struct{}

func (testDecoder) Relations(cat CatalogView) (map[kv.Space]*Relation, error) {
	out := map[kv.Space]*Relation{}
	for k, v := range cat.Keys {
		name, ok := strings.CutPrefix(k, "t/")
		if !ok {
			continue
		}
		var d tableDef
		if err := json.Unmarshal(v, &d); err != nil {
			return nil, err
		}
		r := &Relation{OID: uint32(d.Space), Name: name, KeyColumns: d.PK}
		for _, c := range d.Columns {
			r.Columns = append(r.Columns, types.RowColumn{ID: c.ID, T: c.T})
			r.ColumnNames = append(r.ColumnNames, c.Name)
		}
		out[d.Space] = r
	}
	return out, nil
}

var (
	int8T_    = types.T{OID: types.Int8OID, Mod: -1}
	textT_    = types.T{OID: types.TextOID, Mod: -1}
	numericT_ = types.T{OID: types.NumericOID, Mod: (10<<16 | 2) + 4}
)

// env is a store, a log, a feed and a table helper.
type env struct {
	t     testing.TB
	store *kv.Store
	log   *testLog
	feed  *Feed
	defs  map[string]tableDef
}

func newEnv(t testing.TB, cfg ...func(*Config)) *env {
	t.Helper()
	store, err := kv.Open(filepath.Join(t.TempDir(), "state.db"), kv.Options{NoSync: true, InitialMmapSize: 64 << 20, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log := &testLog{t: t, store: store, first: 1}
	c := Config{Log: log, Store: store, Decoder: testDecoder{}, Logger: quiet}
	for _, fn := range cfg {
		fn(&c)
	}
	feed, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(feed.Close)
	return &env{t: t, store: store, log: log, feed: feed, defs: map[string]tableDef{}}
}

func (e *env) begin() *kv.Txn {
	e.t.Helper()
	txn, err := e.store.Begin()
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(txn.Release)
	return txn
}

func (e *env) mustCommit(txn *kv.Txn) uint64 {
	e.t.Helper()
	idx, err := e.log.commit(txn)
	if err != nil {
		e.t.Fatalf("commit: %v", err)
	}
	return idx
}

// createTable defines (or redefines) a table in one transaction.
func (e *env) createTable(name string, d tableDef) uint64 {
	e.t.Helper()
	txn := e.begin()
	e.putTable(txn, name, d)
	return e.mustCommit(txn)
}

func (e *env) putTable(txn *kv.Txn, name string, d tableDef) {
	b, _ := json.Marshal(d)
	txn.Put(kv.CatalogSpace, []byte("t/"+name), b, nil)
	e.defs[name] = d
}

func (e *env) cols(name string) []types.RowColumn {
	var out []types.RowColumn
	for _, c := range e.defs[name].Columns {
		out = append(out, types.RowColumn{ID: c.ID, T: c.T})
	}
	return out
}

// row encodes values for the table's columns (as sql would) and its key.
func (e *env) row(name string, vals ...types.Datum) (key, row []byte) {
	d := e.defs[name]
	for _, i := range d.PK {
		key = types.AppendKey(key, d.Columns[i].T, vals[i])
	}
	return key, types.AppendRow(nil, e.cols(name), vals)
}

func (e *env) insert(txn *kv.Txn, name string, vals ...types.Datum) {
	k, r := e.row(name, vals...)
	txn.Put(e.defs[name].Space, k, r, nil)
}

// update replaces the row with the same key (kv supplies the before image).
func (e *env) update(txn *kv.Txn, name string, vals ...types.Datum) {
	e.insert(txn, name, vals...)
}

func (e *env) delete(txn *kv.Txn, name string, keyVals ...types.Datum) {
	d := e.defs[name]
	var k []byte
	for n, i := range d.PK {
		k = types.AppendKey(k, d.Columns[i].T, keyVals[n])
	}
	txn.Delete(d.Space, k, nil)
}

func (e *env) subscribe(req Request) *Subscription {
	e.t.Helper()
	s, err := e.feed.Subscribe(context.Background(), req)
	if err != nil {
		e.t.Fatalf("subscribe: %v", err)
	}
	e.t.Cleanup(s.Close)
	return s
}

// next returns the next change, failing after a few seconds.
func next(t testing.TB, s *Subscription) Change {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("next: %v", err)
	}
	return c
}

// expectNone checks no change is available within d.
func expectNone(t testing.TB, s *Subscription, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if c, err := s.Next(ctx); err == nil {
		t.Fatalf("unexpected change %s", show(c))
	}
}

// show renders a change compactly for comparisons.
func show(c Change) string {
	s := fmt.Sprintf("%s xid=%d %s %s", FormatLSN(c.LSN), c.XID, c.Op, c.Relation)
	for _, p := range []struct {
		n string
		v []byte
	}{{"key", c.Key}, {"before", c.Before}, {"after", c.After}} {
		if p.v != nil {
			s += " " + p.n + "=" + string(p.v)
		}
	}
	return s
}

func num(s string) types.Datum {
	d, err := types.ParseText(numericT_, s)
	if err != nil {
		panic(err)
	}
	return d
}

var ordersDef = tableDef{
	Space:   1000,
	Columns: []colDef{{1, "id", int8T_}, {2, "sku", textT_}, {3, "total", numericT_}},
	PK:      []int{0},
}
