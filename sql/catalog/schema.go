package catalog

// Schemas (namespaces). public is built in (its ACL is the "n/public"
// key); CREATE SCHEMA adds a Schema descriptor. Tables, sequences and views
// name their schema in a Schema field, "" for public, so a catalog written
// before schemas existed loads as everything-in-public.
//
// The Catalog's maps are keyed by Key(schema, name): a public object by its
// bare name (as before schemas), any other by schema NUL name (an
// identifier never holds NUL). Names are resolved to keys with RelKey
// against a search path.

import (
	"encoding/json"
	"strings"

	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
)

// Schema is a schema made with CREATE SCHEMA.
type Schema struct {
	OID   uint32    `json:"oid"`
	Name  string    `json:"name"`
	Owner uint32    `json:"owner,omitempty"` // role OID (Table.Owner)
	ACL   []ACLItem `json:"acl,omitempty"`   // nil: the owner's UC only
}

// System schemas: they hold the catalogs, and no user object.
const (
	PgCatalog         = "pg_catalog"
	InformationSchema = "information_schema"
	Public            = "public"
)

// IsSystemSchema reports whether name is pg_catalog, information_schema or
// pg_toast (built in, not user-writable).
func IsSystemSchema(name string) bool {
	return name == PgCatalog || name == InformationSchema || name == "pg_toast"
}

// TempPrefix starts the name of a session's temporary schema,
// pg_temp_<backend pid>; TempAlias ("pg_temp") names the session's own.
const (
	TempPrefix = "pg_temp_"
	TempAlias  = "pg_temp"
)

// IsTempSchema reports whether name is a session's temporary schema.
func IsTempSchema(name string) bool { return strings.HasPrefix(name, TempPrefix) }

// Key is the map key of object name in schema.
func Key(schema, name string) string {
	if schema == "" || schema == Public {
		return name
	}
	return schema + "\x00" + name
}

// SplitKey is Key's inverse: the schema ("public" for a bare key) and name.
func SplitKey(key string) (schema, name string) {
	if i := strings.IndexByte(key, 0); i >= 0 {
		return key[:i], key[i+1:]
	}
	return Public, key
}

// SchemaName is the schema a descriptor's Schema field names.
func SchemaName(field string) string {
	if field == "" {
		return Public
	}
	return field
}

// SchemaExists reports whether a user-visible schema may hold relations
// (public or a created one).
func (c *Catalog) SchemaExists(name string) bool {
	if name == Public {
		return true
	}
	_, ok := c.Schemas[name]
	return ok
}

// RelKey resolves a relation name to its map key: a qualified name is
// taken as given; an unqualified one is found in the first schema of path
// that holds a relation of that name. Not found: the key in the first
// existing schema of path (which no map holds).
func (c *Catalog) RelKey(path []string, schema, name string) string {
	if schema != "" {
		return Key(schema, name)
	}
	first := ""
	for _, s := range path {
		if !c.SchemaExists(s) {
			continue
		}
		k := Key(s, name)
		if c.RelationExists(k) {
			return k
		}
		if first == "" {
			first = k
		}
	}
	if first == "" {
		return Key("\x00none", name) // no schema in the path: nothing resolves
	}
	return first
}

// CreationSchema is the schema a CREATE puts an object in: the given
// schema, which must exist, or the first existing schema of path.
func (c *Catalog) CreationSchema(path []string, schema, name string) (string, error) {
	if schema == "" {
		for _, s := range path {
			if c.SchemaExists(s) && !IsTempSchema(s) { // CREATE TEMP says so
				return s, nil
			}
		}
		return "", pgerror.New("3F000", "no schema has been selected to create in")
	}
	if schema == PgCatalog || schema == "pg_toast" {
		return "", pgerror.New(pgerror.InsufficientPrivilege, "permission denied to create \"%s.%s\"", schema, name)
	}
	if !c.SchemaExists(schema) {
		if schema == InformationSchema {
			return "", pgerror.New(pgerror.InsufficientPrivilege, "permission denied for schema %s", schema)
		}
		return "", pgerror.New("3F000", "schema \"%s\" does not exist", schema)
	}
	return schema, nil
}

// SchemaACLOf is a schema's effective ACL (public's default included).
func (c *Catalog) SchemaACLOf(name string) []ACLItem {
	if name == Public || name == "" {
		return c.PublicACL()
	}
	if s, ok := c.Schemas[name]; ok {
		return EffectiveACL(s.ACL, s.Owner, SchemaPrivs)
	}
	return nil
}

// SchemaOwner is a schema's owner (public: pg_database_owner).
func (c *Catalog) SchemaOwner(name string) uint32 {
	if s, ok := c.Schemas[name]; ok {
		return OwnerOID(s.Owner)
	}
	return pgcatalog.DatabaseOwnerOID
}

// SchemaMembers lists the keys of the tables, sequences and views in
// schema.
func (c *Catalog) SchemaMembers(schema string) (tables []*Table, seqs []*Sequence, views []*View) {
	for _, t := range c.SortedTables() {
		if SchemaName(t.Schema) == schema {
			tables = append(tables, t)
		}
	}
	for _, sq := range c.Seqs {
		if SchemaName(sq.Schema) == schema {
			seqs = append(seqs, sq)
		}
	}
	for _, v := range c.Views {
		if SchemaName(v.Schema) == schema {
			views = append(views, v)
		}
	}
	return
}

func schemaKey(name string) []byte { return append([]byte("n/s/"), name...) }

// PutSchema writes a schema descriptor; old is its previous name ("" when
// new), whose key is removed on a rename.
func (d *Writer) PutSchema(s *Schema, old string) error {
	if old != "" && old != s.Name {
		delete(d.Cat.Schemas, old)
		d.Del(schemaKey(old))
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	d.Cat.Schemas[s.Name] = s
	key := schemaKey(s.Name)
	d.Put(key, b)
	return nil
}

// DeleteSchema removes an (empty) schema's descriptor.
func (d *Writer) DeleteSchema(s *Schema) {
	delete(d.Cat.Schemas, s.Name)
	d.Del(schemaKey(s.Name))
}

func (c *Catalog) loadSchema(v []byte) error {
	var s Schema
	if err := json.Unmarshal(v, &s); err != nil {
		return pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: schema descriptor")
	}
	c.Schemas[s.Name] = &s
	return nil
}

// UseSchema records that the transaction puts an object in schema name
// (a read of its descriptor): a concurrent DROP or RENAME of the schema
// then conflicts with it instead of leaving the object in no schema.
func (d *Writer) UseSchema(name string) {
	if name != Public && name != "" {
		d.ReadKey(schemaKey(name))
	}
}
