package catalog

import (
	"encoding/binary"
	"encoding/json"
	"maps"
	"sort"
	"strings"

	"logdb/kv"
	"logdb/sql/pgerror"
)

// CatVersionKey holds the catalog version; the counters hand out OIDs and
// space ids.
var (
	CatVersionKey   = []byte("v")
	oidCounterKey   = []byte("\xffoid")
	spaceCounterKey = []byte("\xffspace")
)

const firstUserOID = 16384

// Catalog is an immutable snapshot of all descriptors at one version; a
// transaction that runs DDL works on its own Copy, through a Writer.
type Catalog struct {
	Version uint64
	Tables  map[string]*Table
	ByOID   map[uint32]*Table
	Seqs    map[string]*Sequence
	SeqOID  map[uint32]*Sequence
	Indexes map[string]*Table // index name → table
	Views   map[string]*View
	ViewOID map[uint32]*View
	Pubs    map[string]*Publication // publications (sql/ddl/publication.go)
	Roles   map[string]*Role        // roles (roles.go)
	RoleOID map[uint32]*Role
	// SchemaACL is schema public's ACL, "n/public"; nil: the default
	// (privileges.go).
	SchemaACL []ACLItem
	// Types and TypeOID are the user types (types.go), by name and OID;
	// copied on write (Writer.PutType), nil when there are none.
	Types   map[string]*TypeDesc
	TypeOID map[uint32]*TypeDesc
	// Schemas are the schemas made with CREATE SCHEMA, by name (schema.go).
	Schemas map[string]*Schema
	// DBOID is the database this catalog belongs to (database.go); its
	// keys carry DBPrefix(DBOID).
	DBOID uint32
	// Databases are every database of the cluster, by name (shared).
	Databases map[string]*Database
	// Funcs are the functions and procedures (funcs.go) by Key(schema,
	// name), FuncOID by OID, FuncNames counts them by bare name; nil
	// when there are none. The slices are replaced, never changed.
	Funcs     map[string][]*Function
	FuncOID   map[uint32]*Function
	FuncNames map[string]int
}

func NewCatalog() *Catalog {
	return &Catalog{
		Tables: map[string]*Table{}, ByOID: map[uint32]*Table{},
		Seqs: map[string]*Sequence{}, SeqOID: map[uint32]*Sequence{},
		Indexes: map[string]*Table{},
		Views:   map[string]*View{}, ViewOID: map[uint32]*View{},
		Pubs:  map[string]*Publication{},
		Roles: map[string]*Role{}, RoleOID: map[uint32]*Role{},
		Schemas: map[string]*Schema{},
		DBOID:   LogdbDBOID,
	}
}

// NewCatalogWithRoles is an empty catalog holding the bootstrap roles.
func NewCatalogWithRoles() *Catalog {
	c := NewCatalog()
	for _, r := range bootstrapRoles() {
		c.addRole(r)
	}
	c.finishDatabases(nil, nil)
	return c
}

func (c *Catalog) AddTable(t *Table) {
	t.Init()
	c.Tables[Key(t.Schema, t.Name)] = t
	c.ByOID[t.OID] = t
	for _, ix := range t.Indexes {
		c.Indexes[Key(t.Schema, ix.Name)] = t
	}
	if t.PKName != "" {
		c.Indexes[Key(t.Schema, t.PKName)] = t
	}
}

func (c *Catalog) removeTable(t *Table) {
	delete(c.Tables, Key(t.Schema, t.Name))
	delete(c.ByOID, t.OID)
	for _, ix := range t.Indexes {
		delete(c.Indexes, Key(t.Schema, ix.Name))
	}
	if t.PKName != "" {
		delete(c.Indexes, Key(t.Schema, t.PKName))
	}
}

func (c *Catalog) addSeq(s *Sequence) {
	c.Seqs[Key(s.Schema, s.Name)] = s
	c.SeqOID[s.OID] = s
}

// Copy returns a shallow copy whose maps may be changed; descriptors are
// replaced (never mutated in place) when they change.
func (c *Catalog) Copy() *Catalog {
	return &Catalog{Version: c.Version,
		Tables: maps.Clone(c.Tables), ByOID: maps.Clone(c.ByOID),
		Seqs: maps.Clone(c.Seqs), SeqOID: maps.Clone(c.SeqOID),
		Indexes: maps.Clone(c.Indexes),
		Views:   maps.Clone(c.Views), ViewOID: maps.Clone(c.ViewOID),
		Pubs:  maps.Clone(c.Pubs),
		Roles: maps.Clone(c.Roles), RoleOID: maps.Clone(c.RoleOID),
		SchemaACL: c.SchemaACL, Schemas: maps.Clone(c.Schemas),
		Types: c.Types, TypeOID: c.TypeOID,
		DBOID: c.DBOID, Databases: c.Databases,
		Funcs: maps.Clone(c.Funcs), FuncOID: maps.Clone(c.FuncOID), FuncNames: maps.Clone(c.FuncNames),
	}
}

// RelationExists reports whether name (a Key) is taken by a table, index,
// view or sequence (they share pg_class's namespace).
func (c *Catalog) RelationExists(name string) bool {
	if _, ok := c.Tables[name]; ok {
		return true
	}
	if _, ok := c.Indexes[name]; ok {
		return true
	}
	if _, ok := c.Views[name]; ok {
		return true
	}
	_, ok := c.Seqs[name]
	return ok
}

// ReferencedBy lists the foreign keys that reference table oid, with the
// tables holding them, in table OID order (self-references included).
func (c *Catalog) ReferencedBy(oid uint32) []FKRef {
	var out []FKRef
	for _, t := range c.Tables {
		for _, fk := range t.FKs {
			if fk.RefTable == oid {
				out = append(out, FKRef{Table: t, FK: fk})
			}
		}
	}
	if len(out) > 1 {
		sort.Slice(out, func(i, j int) bool {
			if out[i].Table.OID != out[j].Table.OID {
				return out[i].Table.OID < out[j].Table.OID
			}
			return out[i].FK.OID < out[j].FK.OID
		})
	}
	return out
}

// FKRef is a foreign key and the table that holds it.
type FKRef struct {
	Table *Table
	FK    *ForeignKey
}

// ConstraintNameUsed reports whether any table's constraint is called
// name (PostgreSQL chooses generated constraint names unique in the
// schema).
func (c *Catalog) ConstraintNameUsed(name string) bool {
	for _, t := range c.Tables {
		if t.HasConstraintNamed(name) {
			return true
		}
	}
	return false
}

func (c *Catalog) SortedTables() []*Table {
	out := make([]*Table, 0, len(c.Tables))
	for _, t := range c.Tables {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

func v2(it *kv.Iterator) []byte { return it.Value() }

func OIDKey(prefix byte, oid uint32) []byte {
	k := make([]byte, 6)
	k[0] = prefix
	k[1] = '/'
	binary.BigEndian.PutUint32(k[2:], oid)
	return k
}

func U64(b []byte) uint64 {
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

// LoadCatalog reads every descriptor of database db in the transaction's
// snapshot, and the shared roles and databases.
func LoadCatalog(txn *kv.Txn, version uint64, db uint32) (*Catalog, error) {
	c := NewCatalogWithRoles()
	c.Version = version
	c.DBOID = db
	descs, dropped, err := scanDatabases(txn)
	if err != nil {
		return nil, err
	}
	c.finishDatabases(descs, dropped)
	if db != LogdbDBOID {
		if err := c.loadRoles(txn); err != nil {
			return nil, err
		}
	}
	prefix := DBPrefix(db)
	it := txn.Scan(kv.CatalogSpace, append(prefix[:len(prefix):len(prefix)], "a/"...), append(prefix[:len(prefix):len(prefix)], "w0"...), false)
	defer it.Close()
	for it.Next() {
		k, v := it.Key()[len(prefix):], it.Value()
		if db != LogdbDBOID && isGlobalKey(k) {
			continue
		}
		switch {
		case strings.HasPrefix(string(k), "t/"):
			var t Table
			if err := json.Unmarshal(v, &t); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: table descriptor")
			}
			c.AddTable(&t)
		case strings.HasPrefix(string(k), "f/"):
			if err := c.loadFunction(v); err != nil {
				return nil, err
			}
		case strings.HasPrefix(string(k), "e/"):
			if err := loadType(c, v); err != nil {
				return nil, err
			}
		case strings.HasPrefix(string(k), "w/"):
			var v View
			if err := json.Unmarshal(v2(it), &v); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: view descriptor")
			}
			c.addView(&v)
		case strings.HasPrefix(string(k), "p/"):
			var p Publication
			if err := json.Unmarshal(v, &p); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: publication descriptor")
			}
			c.Pubs[p.Name] = &p
		case strings.HasPrefix(string(k), "n/s/"):
			if err := c.loadSchema(v); err != nil {
				return nil, err
			}
		case string(k) == PublicSchemaKey:
			if err := json.Unmarshal(v, &c.SchemaACL); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: schema ACL")
			}
		case strings.HasPrefix(string(k), "a/"):
			var r Role
			if err := json.Unmarshal(v, &r); err != nil {
				return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: role descriptor")
			}
			c.addRole(&r)
		case strings.HasPrefix(string(k), "s/"):
			var s Sequence
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

// loadRoles reads the shared role descriptors (for a database other than
// logdb, whose own scan covers them).
func (c *Catalog) loadRoles(txn *kv.Txn) error {
	it := txn.Scan(kv.CatalogSpace, []byte("a/"), []byte("a0"), false)
	defer it.Close()
	for it.Next() {
		var r Role
		if err := json.Unmarshal(it.Value(), &r); err != nil {
			return pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: role descriptor")
		}
		c.addRole(&r)
	}
	return it.Err()
}

// IsCatalogMeta reports whether a read or range only served to find the
// catalog (dropped from the command; see the top of this file): a
// database's version key.
func IsCatalogMeta(space kv.Space, key []byte) bool {
	if space != kv.CatalogSpace {
		return false
	}
	if len(key) == 6 && key[0] == 'D' {
		key = key[5:]
	}
	return string(key) == string(CatVersionKey)
}

// NarrowCatalogDeps drops the catalog-version read and catalog scans from
// a command's read set.
func NarrowCatalogDeps(cmd *kv.Command) {
	reads := cmd.Reads[:0]
	for _, r := range cmd.Reads {
		if !IsCatalogMeta(r.Space, r.Key) {
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
