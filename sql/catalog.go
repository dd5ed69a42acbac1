package sql

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"sort"
	"strings"

	"logdb/kv"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// The catalog lives in kv.CatalogSpace as JSON descriptors:
//
//	"v"            catalog version: a random nonce rewritten by every DDL
//	"t/<oid>"      table descriptor
//	"s/<oid>"      sequence descriptor
//	"p/<name>"     publication descriptor
//	"a/<name>"     role descriptor (roles.go)
//	"n/public"     schema public's ACL (privileges.go)
//	"r/<name>"     relation name → oid (tables, indexes and sequences share
//	               one namespace, as in pg_class)
//
// OIDs and space ids come from counters in kv.SequenceSpace advanced by
// Increment proposals, which never conflict.
//
// Every transaction reads "v" in its snapshot to find the Engine's cached
// catalog, but that read (and the scan that loads a new catalog) is
// dropped from the command before proposing: a transaction depends only on
// the descriptors of the tables it used, which it reads explicitly
// (recordDeps). So DDL on one table conflicts with transactions that used
// that table, and two DDL statements conflict only when they touch the
// same descriptor or relation name.

var (
	catVersionKey   = []byte("v")
	oidCounterKey   = []byte("\xffoid")
	spaceCounterKey = []byte("\xffspace")
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
	// ReplIdent is pg_class.relreplident: "" (default: the primary
	// key), "f" (full), "n" (nothing) or "i" (ReplIndex, a unique index).
	ReplIdent string `json:"repl_ident,omitempty"`
	ReplIndex uint32 `json:"repl_index,omitempty"`
	// Owner is the owning role's OID; 0 (descriptors written before roles
	// existed) is the bootstrap superuser.
	Owner uint32     `json:"owner,omitempty"`
	ACL   []aclEntry `json:"acl,omitempty"` // nil: the owner's privileges only (privileges.go)

	// derived, not stored
	colByName map[string]int
	pkIdx     []int // positions of PK columns in Columns
}

type seqDesc struct {
	OID       uint32     `json:"oid"`
	Name      string     `json:"name"`
	Type      types.T    `json:"type"`
	Start     int64      `json:"start"`
	Increment int64      `json:"inc"`
	Min       int64      `json:"min"`
	Max       int64      `json:"max"`
	Cache     int64      `json:"cache"`
	Cycle     bool       `json:"cycle,omitempty"`
	OwnerTab  uint32     `json:"owner_tab,omitempty"`
	OwnerCol  uint32     `json:"owner_col,omitempty"` // column ID
	Owner     uint32     `json:"owner,omitempty"`     // role OID (tableDesc.Owner)
	ACL       []aclEntry `json:"acl,omitempty"`
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
	views   map[string]*viewDesc
	viewOID map[uint32]*viewDesc
	pubs    map[string]*pubDesc  // publications (ddl_publication.go)
	roles   map[string]*roleDesc // roles (roles.go)
	roleOID map[uint32]*roleDesc
	// schemaACL is schema public's ACL, "n/public"; nil: the default
	// (privileges.go).
	schemaACL []aclEntry
}

func newCatalog() *catalog {
	return &catalog{
		tables: map[string]*tableDesc{}, byOID: map[uint32]*tableDesc{},
		seqs: map[string]*seqDesc{}, seqOID: map[uint32]*seqDesc{},
		indexes: map[string]*tableDesc{},
		views:   map[string]*viewDesc{}, viewOID: map[uint32]*viewDesc{},
		pubs:  map[string]*pubDesc{},
		roles: map[string]*roleDesc{}, roleOID: map[uint32]*roleDesc{},
	}
}

// newCatalogWithRoles is an empty catalog holding the bootstrap roles.
func newCatalogWithRoles() *catalog {
	c := newCatalog()
	for _, r := range bootstrapRoles() {
		c.addRole(r)
	}
	return c
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
	for k, v := range c.views {
		n.views[k] = v
	}
	for k, v := range c.viewOID {
		n.viewOID[k] = v
	}
	for k, v := range c.pubs {
		n.pubs[k] = v
	}
	for k, v := range c.roles {
		n.roles[k] = v
	}
	for k, v := range c.roleOID {
		n.roleOID[k] = v
	}
	n.schemaACL = c.schemaACL
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
	if _, ok := c.views[name]; ok {
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

func v2(it *kv.Iterator) []byte { return it.Value() }

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
	c := newCatalogWithRoles()
	c.version = version
	it := txn.Scan(kv.CatalogSpace, []byte("a/"), []byte("w0"), false)
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
		case strings.HasPrefix(string(k), "w/"):
			var v viewDesc
			if err := json.Unmarshal(v2(it), &v); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: view descriptor")
			}
			c.addView(&v)
		case strings.HasPrefix(string(k), "p/"):
			var p pubDesc
			if err := json.Unmarshal(v, &p); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: publication descriptor")
			}
			c.pubs[p.Name] = &p
		case string(k) == publicSchemaKey:
			if err := json.Unmarshal(v, &c.schemaACL); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: schema ACL")
			}
		case strings.HasPrefix(string(k), "a/"):
			var r roleDesc
			if err := json.Unmarshal(v, &r); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: role descriptor")
			}
			c.addRole(&r)
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
	// propose proposes a command while the transaction holds its
	// snapshot (Engine.proposeInTxn): OID and space counters.
	propose func(context.Context, *kv.Command) (kv.Result, error)
	ctx     context.Context
	// owner is the current role's OID: what the statement creates, it owns.
	owner uint32
}

// newOID allocates an OID (from 16384, as PostgreSQL's user objects).
func (d *ddl) newOID() (uint32, error) {
	res, err := d.propose(d.ctx, &kv.Command{Kind: kv.KindIncrement, Space: kv.SequenceSpace, Key: oidCounterKey, Delta: 1})
	if err != nil {
		return 0, err
	}
	return uint32(firstUserOID - 1 + res.Value), nil
}

// newSpace allocates a kv.Space for a table or index.
func (d *ddl) newSpace() (kv.Space, error) {
	res, err := d.propose(d.ctx, &kv.Command{Kind: kv.KindIncrement, Space: kv.SequenceSpace, Key: spaceCounterKey, Delta: 1})
	if err != nil {
		return 0, err
	}
	return kv.FirstUserSpace - 1 + kv.Space(res.Value), nil
}

// readKey records a read of a catalog key (so a concurrent change of it
// conflicts) and returns its value.
func (d *ddl) readKey(key []byte) []byte {
	v, _, _ := d.txn.Get(kv.CatalogSpace, key)
	return v
}

func nameKey(name string) []byte { return append([]byte("r/"), name...) }

// relNames lists the relation names a table descriptor claims.
func (t *tableDesc) relNames() []string {
	names := []string{t.Name}
	if len(t.PK) > 0 && t.PKName != "" {
		names = append(names, t.PKName)
	}
	for _, ix := range t.Indexes {
		names = append(names, ix.Name)
	}
	return names
}

// setNames moves the relation-name keys from old to new names.
func (d *ddl) setNames(oldNames, newNames []string, oid uint32) {
	keep := map[string]bool{}
	for _, n := range newNames {
		keep[n] = true
	}
	for _, n := range oldNames {
		if !keep[n] {
			before := d.readKey(nameKey(n))
			d.txn.Delete(kv.CatalogSpace, nameKey(n), before)
		}
	}
	had := map[string]bool{}
	for _, n := range oldNames {
		had[n] = true
	}
	for _, n := range newNames {
		if !had[n] {
			before := d.readKey(nameKey(n))
			d.txn.Put(kv.CatalogSpace, nameKey(n), oidKey('t', oid), before)
		}
	}
}

func (d *ddl) putTable(t *tableDesc) error {
	var oldNames []string
	if old, ok := d.cat.byOID[t.OID]; ok {
		oldNames = old.relNames()
		d.cat.removeTable(old)
	}
	d.cat.addTable(t)
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	key := oidKey('t', t.OID)
	before := d.readKey(key)
	d.txn.Put(kv.CatalogSpace, key, b, before)
	d.setNames(oldNames, t.relNames(), t.OID)
	return nil
}

func (d *ddl) deleteTable(t *tableDesc) {
	d.cat.removeTable(t)
	key := oidKey('t', t.OID)
	d.txn.Delete(kv.CatalogSpace, key, d.readKey(key))
	d.setNames(t.relNames(), nil, t.OID)
}

func (d *ddl) putSeq(s *seqDesc) error {
	var oldNames []string
	if old, ok := d.cat.seqOID[s.OID]; ok {
		delete(d.cat.seqs, old.Name)
		oldNames = []string{old.Name}
	}
	d.cat.addSeq(s)
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	key := oidKey('s', s.OID)
	d.txn.Put(kv.CatalogSpace, key, b, d.readKey(key))
	d.setNames(oldNames, []string{s.Name}, s.OID)
	return nil
}

func (d *ddl) deleteSeq(s *seqDesc) {
	delete(d.cat.seqs, s.Name)
	delete(d.cat.seqOID, s.OID)
	key := oidKey('s', s.OID)
	d.txn.Delete(kv.CatalogSpace, key, d.readKey(key))
	d.setNames([]string{s.Name}, nil, s.OID)
}

// bumpVersion marks the catalog changed; called once per DDL transaction.
// The version is a nonce written blindly: DDL on different objects must
// not conflict on it.
func (d *ddl) bumpVersion() {
	d.cat.version = rand.Uint64()
	d.txn.Put(kv.CatalogSpace, catVersionKey, u64b(d.cat.version), nil)
}

// isCatalogMeta reports whether a read or range only served to find the
// catalog (dropped from the command; see the top of this file).
func isCatalogMeta(space kv.Space, key []byte) bool {
	return space == kv.CatalogSpace && string(key) == string(catVersionKey)
}

// narrowCatalogDeps drops the catalog-version read and catalog scans from
// a command's read set.
func narrowCatalogDeps(cmd *kv.Command) {
	reads := cmd.Reads[:0]
	for _, r := range cmd.Reads {
		if !isCatalogMeta(r.Space, r.Key) {
			reads = append(reads, r)
		}
	}
	cmd.Reads = reads
	ranges := cmd.Ranges[:0]
	for _, r := range cmd.Ranges {
		if r.Space != kv.CatalogSpace {
			ranges = append(ranges, r)
		}
	}
	cmd.Ranges = ranges
}
