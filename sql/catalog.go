package sql

import (
	"encoding/binary"
	"encoding/json"
	"sort"
	"strings"

	"logdb/kv"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// The catalog lives in kv.CatalogSpace as JSON descriptors:
//
//	"v"            catalog version (8-byte big-endian), bumped by every DDL
//	"n/oid"        next OID counter (starts at 16384)
//	"n/space"      next kv.Space counter (starts at kv.FirstUserSpace)
//	"t/<oid>"      table descriptor
//	"s/<oid>"      sequence descriptor
//
// DDL is an ordinary transaction over these keys, so concurrent DDL
// conflicts by OCC like any other write. Every transaction reads "v" in its
// snapshot and uses the Engine's cached catalog when the version matches.

var (
	catVersionKey = []byte("v")
	catOIDKey     = []byte("n/oid")
	catSpaceKey   = []byte("n/space")
)

const firstUserOID = 16384

// columnDesc is one column. ID is stable for the column's life: rows are
// encoded by column ID, so ADD/DROP COLUMN rewrite nothing.
type columnDesc struct {
	ID      uint32  `json:"id"`
	Name    string  `json:"name"`
	Type    types.T `json:"type"`
	NotNull bool    `json:"not_null,omitempty"`
	Default string  `json:"default,omitempty"` // SQL text of the default expression
	// Missing is the SQL text of the value rows written before ADD COLUMN
	// ... DEFAULT read for this column (PG's attmissingval).
	Missing string `json:"missing,omitempty"`
}

type indexDesc struct {
	OID        uint32   `json:"oid"`
	Name       string   `json:"name"`
	Space      kv.Space `json:"space"`
	Columns    []uint32 `json:"columns"` // column IDs
	Unique     bool     `json:"unique,omitempty"`
	Constraint bool     `json:"constraint,omitempty"` // created by a UNIQUE constraint
	ConOID     uint32   `json:"con_oid,omitempty"`
}

type checkDesc struct {
	OID  uint32 `json:"oid"`
	Name string `json:"name"`
	Expr string `json:"expr"` // SQL text
}

type tableDesc struct {
	OID     uint32        `json:"oid"`
	Name    string        `json:"name"`
	Space   kv.Space      `json:"space"`
	Columns []*columnDesc `json:"columns"`
	NextCol uint32        `json:"next_col"`
	PK      []uint32      `json:"pk,omitempty"` // column IDs; empty: hidden row id
	PKName  string        `json:"pk_name,omitempty"`
	PKOID   uint32        `json:"pk_oid,omitempty"` // index OID of the primary key
	PKCon   uint32        `json:"pk_con,omitempty"`
	Indexes []*indexDesc  `json:"indexes,omitempty"`
	Checks  []*checkDesc  `json:"checks,omitempty"`

	// derived, not stored
	colByName map[string]int
	pkIdx     []int // positions of PK columns in Columns
}

type seqDesc struct {
	OID       uint32  `json:"oid"`
	Name      string  `json:"name"`
	Type      types.T `json:"type"`
	Start     int64   `json:"start"`
	Increment int64   `json:"inc"`
	Min       int64   `json:"min"`
	Max       int64   `json:"max"`
	Cache     int64   `json:"cache"`
	Cycle     bool    `json:"cycle,omitempty"`
	OwnerTab  uint32  `json:"owner_tab,omitempty"`
	OwnerCol  uint32  `json:"owner_col,omitempty"` // column ID
}

func (t *tableDesc) init() {
	t.colByName = make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		t.colByName[c.Name] = i
	}
	t.pkIdx = t.pkIdx[:0]
	for _, id := range t.PK {
		t.pkIdx = append(t.pkIdx, t.colIndexByID(id))
	}
}

func (t *tableDesc) colIndexByID(id uint32) int {
	for i, c := range t.Columns {
		if c.ID == id {
			return i
		}
	}
	return -1
}

func (t *tableDesc) column(name string) (int, *columnDesc) {
	if i, ok := t.colByName[name]; ok {
		return i, t.Columns[i]
	}
	return -1, nil
}

func (t *tableDesc) clone() *tableDesc {
	b, _ := json.Marshal(t)
	var c tableDesc
	_ = json.Unmarshal(b, &c)
	c.init()
	return &c
}

// catalog is an immutable snapshot of all descriptors at one version; a
// transaction that runs DDL works on its own copy (catalog.mutable).
type catalog struct {
	version uint64
	tables  map[string]*tableDesc
	byOID   map[uint32]*tableDesc
	seqs    map[string]*seqDesc
	seqOID  map[uint32]*seqDesc
	indexes map[string]*tableDesc // index name → table
}

func newCatalog() *catalog {
	return &catalog{
		tables: map[string]*tableDesc{}, byOID: map[uint32]*tableDesc{},
		seqs: map[string]*seqDesc{}, seqOID: map[uint32]*seqDesc{},
		indexes: map[string]*tableDesc{},
	}
}

func (c *catalog) addTable(t *tableDesc) {
	t.init()
	c.tables[t.Name] = t
	c.byOID[t.OID] = t
	for _, ix := range t.Indexes {
		c.indexes[ix.Name] = t
	}
	if t.PKName != "" {
		c.indexes[t.PKName] = t
	}
}

func (c *catalog) removeTable(t *tableDesc) {
	delete(c.tables, t.Name)
	delete(c.byOID, t.OID)
	for _, ix := range t.Indexes {
		delete(c.indexes, ix.Name)
	}
	if t.PKName != "" {
		delete(c.indexes, t.PKName)
	}
}

func (c *catalog) addSeq(s *seqDesc) {
	c.seqs[s.Name] = s
	c.seqOID[s.OID] = s
}

// copy returns a shallow copy whose maps may be changed; descriptors are
// replaced (never mutated in place) when they change.
func (c *catalog) copy() *catalog {
	n := newCatalog()
	n.version = c.version
	for k, v := range c.tables {
		n.tables[k] = v
	}
	for k, v := range c.byOID {
		n.byOID[k] = v
	}
	for k, v := range c.seqs {
		n.seqs[k] = v
	}
	for k, v := range c.seqOID {
		n.seqOID[k] = v
	}
	for k, v := range c.indexes {
		n.indexes[k] = v
	}
	return n
}

// relationExists reports whether name is taken by a table, index or sequence
// (they share pg_class's namespace).
func (c *catalog) relationExists(name string) bool {
	if _, ok := c.tables[name]; ok {
		return true
	}
	if _, ok := c.indexes[name]; ok {
		return true
	}
	_, ok := c.seqs[name]
	return ok
}

func (c *catalog) sortedTables() []*tableDesc {
	out := make([]*tableDesc, 0, len(c.tables))
	for _, t := range c.tables {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

func oidKey(prefix byte, oid uint32) []byte {
	k := make([]byte, 6)
	k[0] = prefix
	k[1] = '/'
	binary.BigEndian.PutUint32(k[2:], oid)
	return k
}

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func u64b(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// loadCatalog reads every descriptor in the transaction's snapshot.
func loadCatalog(txn *kv.Txn, version uint64) (*catalog, error) {
	c := newCatalog()
	c.version = version
	it := txn.Scan(kv.CatalogSpace, []byte("s/"), []byte("t0"), false)
	defer it.Close()
	for it.Next() {
		k, v := it.Key(), it.Value()
		switch {
		case strings.HasPrefix(string(k), "t/"):
			var t tableDesc
			if err := json.Unmarshal(v, &t); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: table descriptor")
			}
			c.addTable(&t)
		case strings.HasPrefix(string(k), "s/"):
			var s seqDesc
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: sequence descriptor")
			}
			c.addSeq(&s)
		}
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// ddl is a transaction's pending catalog change.
type ddl struct {
	txn *kv.Txn
	cat *catalog
}

func (d *ddl) counter(key []byte, first uint64) (uint64, error) {
	v, ok, err := d.txn.Get(kv.CatalogSpace, key)
	if err != nil {
		return 0, err
	}
	n := first
	if ok {
		n = u64(v)
	}
	d.txn.Put(kv.CatalogSpace, key, u64b(n+1), v)
	return n, nil
}

func (d *ddl) newOID() (uint32, error) {
	n, err := d.counter(catOIDKey, firstUserOID)
	return uint32(n), err
}

func (d *ddl) newSpace() (kv.Space, error) {
	n, err := d.counter(catSpaceKey, uint64(kv.FirstUserSpace))
	return kv.Space(n), err
}

func (d *ddl) putTable(t *tableDesc) error {
	if old, ok := d.cat.byOID[t.OID]; ok {
		d.cat.removeTable(old)
	}
	d.cat.addTable(t)
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	d.txn.Put(kv.CatalogSpace, oidKey('t', t.OID), b, nil)
	return nil
}

func (d *ddl) deleteTable(t *tableDesc) {
	d.cat.removeTable(t)
	d.txn.Delete(kv.CatalogSpace, oidKey('t', t.OID), nil)
}

func (d *ddl) putSeq(s *seqDesc) error {
	if old, ok := d.cat.seqOID[s.OID]; ok {
		delete(d.cat.seqs, old.Name)
	}
	d.cat.addSeq(s)
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	d.txn.Put(kv.CatalogSpace, oidKey('s', s.OID), b, nil)
	return nil
}

func (d *ddl) deleteSeq(s *seqDesc) {
	delete(d.cat.seqs, s.Name)
	delete(d.cat.seqOID, s.OID)
	d.txn.Delete(kv.CatalogSpace, oidKey('s', s.OID), nil)
}

// bumpVersion marks the catalog changed; called once per DDL transaction.
func (d *ddl) bumpVersion() {
	d.cat.version++
	d.txn.Put(kv.CatalogSpace, catVersionKey, u64b(d.cat.version), nil)
}
