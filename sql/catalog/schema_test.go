package catalog_test

import (
	"context"
	"encoding/json"
	"testing"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/pgerror"
)

// schemaCatalog holds t in public, t and u in schema s, and schema e
// (empty), written through a Writer and loaded back.
func schemaCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	st := newStore(t)
	cache := new(catalog.Cache)
	createTable(t, st, cache, "t")
	txn := st.begin()
	cat, err := cache.For(txn)
	if err != nil {
		t.Fatal(err)
	}
	w := &catalog.Writer{Txn: txn, Cat: cat.Copy(), Propose: st.propose, Ctx: context.Background()}
	w.BumpVersion()
	for _, name := range []string{"s", "e"} {
		oid, err := w.NewOID()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.PutSchema(&catalog.Schema{OID: oid, Name: name}, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"t", "u"} {
		oid, err := w.NewOID()
		if err != nil {
			t.Fatal(err)
		}
		tbl := &catalog.Table{OID: oid, Name: name, Schema: "s", Columns: []*catalog.Column{{ID: 1, Name: "x", Type: int8T}}, NextCol: 2,
			PK: []uint32{1}, PKName: name + "_pkey"}
		if err := w.PutTable(tbl); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.commit(txn); err != nil {
		t.Fatal(err)
	}
	txn = st.begin()
	defer txn.Release()
	cat, err = cache.For(txn)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// Names resolve like PostgreSQL's: qualified as given, unqualified in the
// first schema of the path that holds the name; each schema has its own
// namespace of relations.
func TestSchemaResolution(t *testing.T) {
	cat := schemaCatalog(t)
	if !cat.SchemaExists("s") || !cat.SchemaExists("public") || cat.SchemaExists("pg_catalog") || cat.SchemaExists("nope") {
		t.Fatalf("SchemaExists wrong: %v", cat.Schemas)
	}
	oid := func(path []string, schema, name string) uint32 {
		if tb, ok := cat.Tables[cat.RelKey(path, schema, name)]; ok {
			return tb.OID
		}
		return 0
	}
	pub, st, su := cat.Tables["t"].OID, cat.Tables[catalog.Key("s", "t")].OID, cat.Tables[catalog.Key("s", "u")].OID
	if pub == st {
		t.Fatal("public.t and s.t are one table")
	}
	for _, c := range []struct {
		path         []string
		schema, name string
		want         uint32
	}{
		{[]string{"public"}, "", "t", pub},
		{[]string{"s", "public"}, "", "t", st},
		{[]string{"public", "s"}, "", "t", pub},
		{[]string{"public", "s"}, "", "u", su},
		{[]string{"e", "nope", "s"}, "", "t", st},
		{[]string{"public"}, "s", "t", st},
		{[]string{"s"}, "public", "t", pub},
		{[]string{"public"}, "", "u", 0},
		{[]string{}, "", "t", 0},
		{[]string{"public"}, "e", "t", 0},
	} {
		if got := oid(c.path, c.schema, c.name); got != c.want {
			t.Errorf("RelKey(%v, %q, %q) finds %d, want %d", c.path, c.schema, c.name, got, c.want)
		}
	}
	for _, name := range []string{"t_pkey", "u_pkey"} {
		if !cat.RelationExists(catalog.Key("s", name)) {
			t.Errorf("index s.%s missing", name)
		}
	}
	if cat.RelationExists("u_pkey") {
		t.Error("s.u_pkey is visible as public.u_pkey")
	}
	// Creation: the first existing schema of the path; an explicit one must
	// exist; pg_catalog refuses.
	for _, c := range []struct {
		path         []string
		schema, want string
		code         string
	}{
		{[]string{"nope", "e", "s"}, "", "e", ""},
		{[]string{"nope"}, "", "", "3F000"},
		{[]string{"public"}, "s", "s", ""},
		{[]string{"public"}, "nope", "", "3F000"},
		{[]string{"public"}, "pg_catalog", "", "42501"},
	} {
		got, err := cat.CreationSchema(c.path, c.schema, "x")
		if code := sqlState(err); got != c.want || code != c.code {
			t.Errorf("CreationSchema(%v, %q) = %q, %v; want %q, %s", c.path, c.schema, got, err, c.want, c.code)
		}
	}
	tables, _, _ := cat.SchemaMembers("s")
	if len(tables) != 2 {
		t.Errorf("SchemaMembers(s) = %d tables, want 2", len(tables))
	}
}

func sqlState(err error) string {
	if err == nil {
		return ""
	}
	return pgerror.Code(err)
}

// A table descriptor written before schemas existed (no "schema" field)
// loads into public.
func TestDescriptorWithoutSchemaIsPublic(t *testing.T) {
	st := newStore(t)
	txn := st.begin()
	old := `{"oid":16390,"name":"legacy","space":70000,"columns":[{"id":1,"name":"x","type":{"oid":20,"mod":-1}}],"next_col":2}`
	txn.Put(kv.CatalogSpace, catalog.OIDKey('t', 16390), []byte(old), nil)
	if err := st.commit(txn); err != nil {
		t.Fatal(err)
	}
	txn = st.begin()
	defer txn.Release()
	cat, err := catalog.LoadCatalog(txn, 0, catalog.LogdbDBOID)
	if err != nil {
		t.Fatal(err)
	}
	tb, ok := cat.Tables[cat.RelKey([]string{"public"}, "", "legacy")]
	if !ok || catalog.SchemaName(tb.Schema) != "public" {
		t.Fatalf("legacy table not in public: %+v", cat.Tables)
	}
	b, _ := json.Marshal(tb)
	if containsSchemaField(b) {
		t.Fatalf("a public table's descriptor gained a schema field: %s", b)
	}
}

func containsSchemaField(b []byte) bool {
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	_, ok := m["schema"]
	return ok
}

// A table created in a schema and a concurrent drop of that schema do not
// both commit: the creation reads the schema's descriptor (UseSchema).
func TestCreateInDroppedSchemaConflicts(t *testing.T) {
	st := newStore(t)
	cache := new(catalog.Cache)
	writer := func(txn *kv.Txn) *catalog.Writer {
		cat, err := cache.For(txn)
		if err != nil {
			t.Fatal(err)
		}
		w := &catalog.Writer{Txn: txn, Cat: cat.Copy(), Propose: st.propose, Ctx: context.Background()}
		w.BumpVersion()
		return w
	}
	txn := st.begin()
	w := writer(txn)
	if err := w.PutSchema(&catalog.Schema{OID: 30000, Name: "e"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := st.commit(txn); err != nil {
		t.Fatal(err)
	}
	create, drop := st.begin(), st.begin()
	wc, wd := writer(create), writer(drop)
	wc.UseSchema("e")
	if err := wc.PutTable(&catalog.Table{OID: 30001, Name: "t", Schema: "e", Space: kv.FirstUserSpace,
		Columns: []*catalog.Column{{ID: 1, Name: "a", Type: int8T}}, NextCol: 2}); err != nil {
		t.Fatal(err)
	}
	wd.DeleteSchema(wd.Cat.Schemas["e"])
	if err := st.commit(drop); err != nil {
		t.Fatalf("DROP SCHEMA: %v", err)
	}
	if err := st.commit(create); err == nil {
		t.Fatal("CREATE TABLE e.t committed after DROP SCHEMA e")
	}
}
