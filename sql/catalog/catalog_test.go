package catalog_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/types"
)

// store is a real kv.Store whose commands apply at the next index, as the
// raft log would hand them over.
type store struct {
	t *testing.T
	s *kv.Store
}

func newStore(t *testing.T) *store {
	s, err := kv.Open(filepath.Join(t.TempDir(), "state.db"), kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &store{t: t, s: s}
}

func (st *store) apply(cmd *kv.Command) kv.Result {
	st.t.Helper()
	res, err := st.s.Apply([]kv.Entry{{Index: st.s.AppliedIndex() + 1, Data: kv.EncodeCommand(cmd)}})
	if err != nil {
		st.t.Fatal(err)
	}
	return res[0]
}

func (st *store) propose(_ context.Context, cmd *kv.Command) (kv.Result, error) {
	r := st.apply(cmd)
	return r, r.Err
}

func (st *store) begin() *kv.Txn {
	st.t.Helper()
	txn, err := st.s.Begin()
	if err != nil {
		st.t.Fatal(err)
	}
	return txn
}

func (st *store) commit(txn *kv.Txn) error {
	cmd := txn.Command(0)
	txn.Release()
	return st.apply(cmd).Err
}

var int8T = types.T{OID: types.Int8OID, Mod: -1}

// createTable writes a table with an id primary key and a unique name
// column through a Writer, in its own transaction.
func createTable(t *testing.T, st *store, cache *catalog.Cache, name string) *catalog.Table {
	t.Helper()
	txn := st.begin()
	cat, err := cache.For(txn)
	if err != nil {
		t.Fatal(err)
	}
	w := &catalog.Writer{Txn: txn, Cat: cat.Copy(), Propose: st.propose, Ctx: context.Background()}
	w.BumpVersion()
	oid, err := w.NewOID()
	if err != nil {
		t.Fatal(err)
	}
	space, err := w.NewSpace()
	if err != nil {
		t.Fatal(err)
	}
	ixSpace, err := w.NewSpace()
	if err != nil {
		t.Fatal(err)
	}
	tbl := &catalog.Table{OID: oid, Name: name, Space: space, NextCol: 3,
		Columns: []*catalog.Column{{ID: 1, Name: "id", Type: int8T, NotNull: true}, {ID: 2, Name: "name", Type: types.T{OID: types.TextOID, Mod: -1}}},
		PK:      []uint32{1}, PKName: name + "_pkey",
		Indexes: []*catalog.Index{{OID: oid + 1, Name: name + "_name_key", Space: ixSpace, Columns: []uint32{2}, Unique: true, Constraint: true}}}
	if err := w.PutTable(tbl); err != nil {
		t.Fatal(err)
	}
	if err := st.commit(txn); err != nil {
		t.Fatalf("commit CREATE TABLE %s: %v", name, err)
	}
	return tbl
}

func TestWriterAndLoadCatalogRoundTrip(t *testing.T) {
	st := newStore(t)
	cache := new(catalog.Cache)
	created := createTable(t, st, cache, "orders")

	txn := st.begin()
	defer txn.Release()
	cat, err := cache.For(txn)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := cat.Tables["orders"]
	if !ok {
		t.Fatalf("orders not in the catalog after commit: %v", cat.SortedTables())
	}
	if got.OID != created.OID || got.Space != created.Space || len(got.Columns) != 2 {
		t.Fatalf("loaded %+v, wrote %+v", got, created)
	}
	if i, c := got.Column("name"); i != 1 || c.ID != 2 {
		t.Fatalf("Column(name) = %d, %+v", i, c)
	}
	if len(got.PKIdx) != 1 || got.PKIdx[0] != 0 {
		t.Fatalf("PKIdx = %v, want [0]", got.PKIdx)
	}
	for _, name := range []string{"orders", "orders_pkey", "orders_name_key"} {
		if !cat.RelationExists(name) {
			t.Errorf("relation %q does not exist", name)
		}
	}
	if cat.ByOID[created.OID] != got {
		t.Error("ByOID and Tables disagree")
	}
	// A fresh load reads the same descriptors: what the cache keeps is
	// what is stored.
	fresh, err := catalog.LoadCatalog(txn, cat.Version, catalog.LogdbDBOID)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Tables["orders"].OID != got.OID {
		t.Fatal("LoadCatalog disagrees with the cache")
	}
	// The bootstrap roles are always there.
	if len(cat.SortedRoles()) < 2 {
		t.Fatalf("roles: %v", cat.SortedRoles())
	}
}

// Derived fields are not stored: a descriptor's JSON holds what defines
// it, so Init rebuilds the rest after a load or a Clone.
func TestTableJSONHoldsNoDerivedFields(t *testing.T) {
	tbl := &catalog.Table{OID: 16384, Name: "t", Columns: []*catalog.Column{{ID: 7, Name: "k", Type: int8T}}, PK: []uint32{7}}
	tbl.Init()
	b, err := json.Marshal(tbl)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "PKIdx") || strings.Contains(string(b), "colByName") {
		t.Fatalf("derived fields stored: %s", b)
	}
	c := tbl.Clone()
	if c == tbl || c.Columns[0] == tbl.Columns[0] {
		t.Fatal("Clone shares descriptors")
	}
	if i, _ := c.Column("k"); i != 0 || len(c.PKIdx) != 1 {
		t.Fatalf("Clone not initialized: Column(k)=%d PKIdx=%v", i, c.PKIdx)
	}
}

// Two transactions that create tables of the same name conflict at
// commit: the relation-name key is read and written by both.
func TestSameNameConflicts(t *testing.T) {
	st := newStore(t)
	cache := new(catalog.Cache)
	txns := make([]*kv.Txn, 2)
	for i := range txns {
		txns[i] = st.begin()
		cat, err := cache.For(txns[i])
		if err != nil {
			t.Fatal(err)
		}
		w := &catalog.Writer{Txn: txns[i], Cat: cat.Copy(), Propose: st.propose, Ctx: context.Background()}
		w.BumpVersion()
		if err := w.PutTable(&catalog.Table{OID: uint32(20000 + i), Name: "dup", Space: kv.FirstUserSpace + kv.Space(i),
			Columns: []*catalog.Column{{ID: 1, Name: "a", Type: int8T}}, NextCol: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.commit(txns[0]); err != nil {
		t.Fatalf("first commit: %v", err)
	}
	if err := st.commit(txns[1]); err == nil {
		t.Fatal("second CREATE TABLE dup committed too")
	}
}

// The cache shares one Catalog per version and notices a new version.
func TestCacheFollowsVersions(t *testing.T) {
	st := newStore(t)
	cache := new(catalog.Cache)
	txn := st.begin()
	before, err := cache.For(txn)
	txn.Release()
	if err != nil {
		t.Fatal(err)
	}
	createTable(t, st, cache, "a")
	txn = st.begin()
	defer txn.Release()
	after, err := cache.For(txn)
	if err != nil {
		t.Fatal(err)
	}
	if after == before || after.Version == before.Version {
		t.Fatal("the cache kept the old catalog after DDL")
	}
	if _, ok := after.Tables["a"]; !ok {
		t.Fatal("new table missing")
	}
	if again, _ := cache.For(txn); again != after {
		t.Fatal("the cache built a second Catalog for the same snapshot")
	}
	if cache.Latest() != after {
		t.Fatal("Latest is not the newest catalog")
	}
}

// A role's VALID UNTIL survives the descriptor's JSON, also 'infinity'
// (time.Time's own JSON cannot hold such a year).
func TestRoleValidUntilRoundTrip(t *testing.T) {
	at := time.Date(2031, 5, 6, 7, 8, 9, 123000, time.UTC)
	for _, v := range []*time.Time{nil, &at, &types.TimestampInfinity, &types.TimestampNegInfinity} {
		b, err := json.Marshal(&catalog.Role{OID: 20000, Name: "r", ValidUntil: v})
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		var r catalog.Role
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if (v == nil) != (r.ValidUntil == nil) || v != nil && !v.Equal(*r.ValidUntil) || r.Name != "r" || r.OID != 20000 {
			t.Fatalf("%s read back as %+v", b, r)
		}
	}
	// what descriptors written before held still reads
	var r catalog.Role
	if err := json.Unmarshal([]byte(`{"oid":1,"name":"x","conn_limit":-1,"valid_until":"2030-01-02T03:04:05Z"}`), &r); err != nil || r.ValidUntil == nil || r.ValidUntil.Year() != 2030 || r.ConnLimit != -1 {
		t.Fatalf("old descriptor: %+v, %v", r, err)
	}
}
