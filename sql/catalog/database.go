package catalog

import (
	"encoding/binary"
	"encoding/json"
	"maps"
	"sort"

	"logdb/kv"
	"logdb/sql/pgerror"
)

// Databases.
//
// Every database's catalog lives in kv.CatalogSpace. The database logdb
// (LogdbDBOID) keeps the unprefixed keys, so a data directory made before
// databases existed is database logdb unchanged; every other database's
// keys carry DBPrefix(oid) ("D" and the big-endian OID, which sorts before
// every unprefixed descriptor key). Roles ("a/") and databases ("d/") are
// shared by all databases, as in PostgreSQL, and stay unprefixed: every
// Catalog loads them, and a write of one bumps the unprefixed version key
// as well as the database's own, so every database's cached catalog sees
// it.
//
// The built-in databases (BuiltinDatabases) need no descriptor: they exist
// until a descriptor with their OID replaces them (ALTER DATABASE) or a
// tombstone "dd/<oid>" marks them dropped. A table's data spaces come from
// the cluster-wide space counter and OIDs from the cluster-wide OID
// counter, so two databases never share a space or an OID.

// Fixed OIDs of the built-in databases (PostgreSQL's for template1,
// template0 and postgres).
const (
	Template1OID  uint32 = 1
	Template0OID  uint32 = 4
	PostgresDBOID uint32 = 5
	LogdbDBOID    uint32 = 16383
)

// MaxDatabases bounds how many databases a cluster holds (CREATE DATABASE
// beyond it is 54000).
const MaxDatabases = 1000

// Database is a database descriptor, "d/<name>" (pg_database's row).
type Database struct {
	OID        uint32    `json:"oid"`
	Name       string    `json:"name"`
	Owner      uint32    `json:"owner"`
	ConnLimit  int       `json:"conn_limit"`
	IsTemplate bool      `json:"is_template,omitempty"`
	NoConn     bool      `json:"no_conn,omitempty"` // NOT datallowconn
	Config     []string  `json:"config,omitempty"`  // ALTER DATABASE … SET, "name=value"
	ACL        []ACLItem `json:"acl,omitempty"`
}

// AllowConn is pg_database.datallowconn.
func (d *Database) AllowConn() bool { return !d.NoConn }

// BuiltinDatabases are the databases every cluster starts with.
// The templates carry initdb's ACL (CONNECT for PUBLIC, all for the
// owner), as in PostgreSQL.
func BuiltinDatabases() []*Database {
	acl := func() []ACLItem {
		return []ACLItem{{Grantee: 0, Privs: "c", Grantor: LogdbRoleOID}, {Grantee: LogdbRoleOID, Privs: "CTc", Grantor: LogdbRoleOID}}
	}
	return []*Database{
		{OID: Template1OID, Name: "template1", Owner: LogdbRoleOID, ConnLimit: -1, IsTemplate: true, ACL: acl()},
		{OID: Template0OID, Name: "template0", Owner: LogdbRoleOID, ConnLimit: -1, IsTemplate: true, NoConn: true, ACL: acl()},
		{OID: PostgresDBOID, Name: "postgres", Owner: LogdbRoleOID, ConnLimit: -1},
		{OID: LogdbDBOID, Name: "logdb", Owner: LogdbRoleOID, ConnLimit: -1},
	}
}

func isBuiltinDB(oid uint32) bool {
	return oid == Template1OID || oid == Template0OID || oid == PostgresDBOID || oid == LogdbDBOID
}

// DBPrefix is the key prefix of database oid's catalog keys (nil for
// logdb's).
func DBPrefix(oid uint32) []byte {
	if oid == LogdbDBOID || oid == 0 {
		return nil
	}
	p := make([]byte, 5)
	p[0] = 'D'
	binary.BigEndian.PutUint32(p[1:], oid)
	return p
}

// DatabaseKey is "d/<name>".
func DatabaseKey(name string) []byte { return append([]byte("d/"), name...) }

// dbTombKey is "dd/<oid>", the mark of a dropped built-in database.
func dbTombKey(oid uint32) []byte {
	k := []byte("dd/....")
	binary.BigEndian.PutUint32(k[3:], oid)
	return k
}

// IsSharedKey reports whether a catalog key is shared by every database
// (roles, databases).
func IsSharedKey(k []byte) bool { return isGlobalKey(k) }

func isGlobalKey(k []byte) bool {
	return len(k) >= 2 && (k[0] == 'a' || k[0] == 'd') && k[1] == '/' || len(k) >= 3 && string(k[:3]) == "dd/"
}

// SortedDatabases lists the databases in OID order.
func (c *Catalog) SortedDatabases() []*Database {
	out := make([]*Database, 0, len(c.Databases))
	for _, d := range c.Databases {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// DatabaseByOID finds a database by OID.
func (c *Catalog) DatabaseByOID(oid uint32) *Database {
	for _, d := range c.Databases {
		if d.OID == oid {
			return d
		}
	}
	return nil
}

// Current is the descriptor of the catalog's own database (nil once it
// has been dropped).
func (c *Catalog) Current() *Database { return c.DatabaseByOID(c.DBOID) }

// loadDatabases fills c.Databases from the "d/" and "dd/" keys and the
// built-ins not replaced or dropped.
func (c *Catalog) finishDatabases(descs []*Database, dropped map[uint32]bool) {
	c.Databases = make(map[string]*Database, len(descs)+4)
	have := map[uint32]bool{}
	for _, d := range descs {
		c.Databases[d.Name] = d
		have[d.OID] = true
	}
	for _, d := range BuiltinDatabases() {
		if !have[d.OID] && !dropped[d.OID] {
			if _, taken := c.Databases[d.Name]; !taken {
				c.Databases[d.Name] = d
			}
		}
	}
}

// scanDatabases reads the shared database descriptors of txn's snapshot.
func scanDatabases(txn *kv.Txn) (descs []*Database, dropped map[uint32]bool, err error) {
	dropped = map[uint32]bool{}
	it := txn.Scan(kv.CatalogSpace, []byte("d/"), []byte("e"), false)
	defer it.Close()
	for it.Next() {
		k := it.Key()
		if len(k) >= 3 && string(k[:3]) == "dd/" {
			if len(k) == 7 {
				dropped[binary.BigEndian.Uint32(k[3:])] = true
			}
			continue
		}
		var d Database
		if err := json.Unmarshal(it.Value(), &d); err != nil {
			return nil, nil, pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: database descriptor")
		}
		descs = append(descs, &d)
	}
	return descs, dropped, it.Err()
}

// PutDatabase writes a database descriptor; oldName is its previous name
// ("" when new), whose key is removed on a rename.
func (d *Writer) PutDatabase(db *Database, oldName string) error {
	d.Cat.Databases = maps.Clone(d.Cat.Databases)
	if oldName != "" && oldName != db.Name {
		delete(d.Cat.Databases, oldName)
		d.Del(DatabaseKey(oldName))
	}
	d.Cat.Databases[db.Name] = db
	b, err := json.Marshal(db)
	if err != nil {
		return err
	}
	d.Put(DatabaseKey(db.Name), b)
	return nil
}

// DeleteDatabase removes a database's descriptor (a built-in one leaves a
// tombstone, so it does not come back).
func (d *Writer) DeleteDatabase(db *Database) {
	d.Cat.Databases = maps.Clone(d.Cat.Databases)
	delete(d.Cat.Databases, db.Name)
	if d.ReadKey(DatabaseKey(db.Name)) != nil {
		d.Del(DatabaseKey(db.Name))
	}
	if isBuiltinDB(db.OID) {
		d.Put(dbTombKey(db.OID), []byte{1})
	}
}

// DatabaseACL is db's ACL, or PostgreSQL's default: TEMPORARY and CONNECT
// for PUBLIC, every privilege for the owner.
func DatabaseACL(db *Database) []ACLItem {
	if db.ACL != nil {
		return db.ACL
	}
	o := OwnerOID(db.Owner)
	return []ACLItem{{Grantee: 0, Privs: "Tc", Grantor: o}, {Grantee: o, Privs: DatabasePrivs, Grantor: o}}
}

// ReadDatabase records that the transaction depends on database db (its
// DDL): a concurrent DROP DATABASE writes what this reads, so one of the
// two fails validation instead of leaving descriptors of a dropped
// database behind.
func (d *Writer) ReadDatabase(db *Database) {
	if d.ReadKey(DatabaseKey(db.Name)) == nil && isBuiltinDB(db.OID) {
		d.ReadKey(dbTombKey(db.OID)) // a built-in one without a descriptor
	}
}
