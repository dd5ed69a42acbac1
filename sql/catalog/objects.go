package catalog

import (
	"encoding/json"
	"slices"

	"logdb/sql/types"
)

// View is a view: its query is stored as SQL text and planned as a
// sub-query wherever the view is used.
type View struct {
	OID     uint32    `json:"oid"`
	Name    string    `json:"name"`
	Schema  string    `json:"schema,omitempty"` // "" is public (schema.go)
	Query   string    `json:"query"`
	Columns []string  `json:"columns"`
	Types   []types.T `json:"types"`
	Owner   uint32    `json:"owner,omitempty"` // role OID (Table.Owner)
	ACL     []ACLItem `json:"acl,omitempty"`
	// Path is the search path the query's names resolve against (the
	// one at CREATE VIEW); nil: the session's (views made before schemas).
	Path []string `json:"path,omitempty"`
	// Reads are the OIDs of the tables the query reads (pg_depend, so
	// pg_dump writes them first); nil for views made before it was kept.
	Reads []uint32 `json:"reads,omitempty"`
}

func (d *Writer) PutView(v *View) error {
	var oldNames []string
	if old, ok := d.Cat.ViewOID[v.OID]; ok {
		delete(d.Cat.Views, Key(old.Schema, old.Name))
		oldNames = []string{Key(old.Schema, old.Name)}
	}
	d.Cat.addView(v)
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	key := OIDKey('w', v.OID)
	d.Put(key, b)
	d.setNames(oldNames, []string{Key(v.Schema, v.Name)}, v.OID)
	return nil
}

func (d *Writer) DeleteView(v *View) {
	delete(d.Cat.Views, Key(v.Schema, v.Name))
	delete(d.Cat.ViewOID, v.OID)
	key := OIDKey('w', v.OID)
	d.Del(key)
	d.setNames([]string{Key(v.Schema, v.Name)}, nil, v.OID)
}

func (c *Catalog) addView(v *View) {
	c.Views[Key(v.Schema, v.Name)] = v
	c.ViewOID[v.OID] = v
}

type Publication struct {
	OID       uint32   `json:"oid"`
	Name      string   `json:"name"`
	AllTables bool     `json:"all_tables,omitempty"`
	Tables    []uint32 `json:"tables,omitempty"`  // table OIDs (FOR TABLE)
	Schemas   []string `json:"schemas,omitempty"` // FOR TABLES IN SCHEMA
	Insert    bool     `json:"insert"`
	Update    bool     `json:"update"`
	Delete    bool     `json:"delete"`
	Truncate  bool     `json:"truncate"`
	Owner     uint32   `json:"owner,omitempty"` // role OID (Table.Owner)
}

func PubKey(name string) []byte { return append([]byte("p/"), name...) }

func (d *Writer) PutPub(p *Publication) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	d.Cat.Pubs[p.Name] = p
	key := PubKey(p.Name)
	d.Put(key, b)
	return nil
}

func (d *Writer) DeletePub(p *Publication) {
	delete(d.Cat.Pubs, p.Name)
	key := PubKey(p.Name)
	d.Del(key)
}

// Publishes reports whether p Publishes table t (FOR ALL TABLES, FOR
// TABLE, FOR TABLES IN SCHEMA).
func (p *Publication) Publishes(t *Table) bool {
	if IsTempSchema(t.Schema) {
		return false // temporary tables are never published (PostgreSQL)
	}
	return p.AllTables || slices.Contains(p.Tables, t.OID) || slices.Contains(p.Schemas, SchemaName(t.Schema))
}
