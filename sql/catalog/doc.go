// Package catalog holds logdb's schema: the descriptors of tables,
// columns, indexes, constraints, sequences, views, publications, roles and
// functions,
// their privileges (ACLs), how they are stored in kv.CatalogSpace, and the
// immutable Catalog snapshot a transaction plans against.
//
// # Storage
//
// Descriptors are JSON values in kv.CatalogSpace:
//
//	"v"            catalog version: a random nonce rewritten by every DDL
//	"t/<oid>"      table descriptor (Table), with its triggers and row
//	               level security policies (trigger.go, policy.go)
//	"s/<oid>"      sequence descriptor (Sequence)
//	"w/<oid>"      view descriptor (View)
//	"p/<name>"     publication descriptor (Publication)
//	"e/<oid>"      user type: enum or domain (TypeDesc, types.go)
//	"f/<oid>"      function or procedure (Function, funcs.go)
//	"r/\x01f<sig>" function signature → oid: schema, name and input
//	               types (a claim, so two CREATE FUNCTIONs of one
//	               signature conflict)
//	"y/<key>"      type key (Key(schema, name)) → oid (a claim, so two
//	               CREATE TYPEs of one name conflict)
//	"a/<name>"     role descriptor (Role)
//	"n/public"     schema public's ACL
//	"n/s/<name>"   schema descriptor (Schema), CREATE SCHEMA's
//	"r/<key>"      relation name → oid (tables, indexes, views and
//	               sequences share one namespace per schema, as in
//	               pg_class; the key is Key(schema, name))
//
//	"d/<name>"     database descriptor (Database, database.go), shared
//	"dd/<oid>"     a dropped built-in database, shared
//
// Those keys are database logdb's; every other database's catalog keys are
// the same under DBPrefix(oid) ("D" and the big-endian OID). Roles ("a/")
// and databases ("d/", "dd/") are shared by all databases and never
// prefixed. Writer.Put, Del and ReadKey place a key in the writer's
// database; Cache and LoadCatalog load one database's catalog with the
// shared keys.
//
// Tables, sequences and views name their schema ("" for public, so
// descriptors written before schemas load into public). The Catalog's maps
// are keyed by Key(schema, name): a public object by its bare name, any
// other by schema NUL name; RelKey resolves a name against a search path
// (schema.go). A session's temporary relations are ordinary ones in its
// schema pg_temp_<pid> (IsTempSchema; never a CREATE's default, never
// published); a temporary table's ON COMMIT action is Table.OnCommit.
//
// A table's FOREIGN KEY constraints (ForeignKey) are stored in its own
// descriptor, the referencing one; Catalog.ReferencedBy finds those that
// reference a table.
//
// OIDs and space ids come from counters in kv.SequenceSpace advanced by
// Increment proposals, which never conflict. A column's ID is stable for
// its life and rows are encoded by column ID (Table.RowColumns), so ADD and
// DROP COLUMN rewrite no rows.
//
// A partitioned table (Table.Part, partition.go) stores no rows: its
// partitions are ordinary tables (PartOf, Bound) listed by
// Catalog.Partitions. Attaching or detaching a partition rewrites the
// parent's descriptor too, so a statement planned against the parent's
// old partitions conflicts (40001) instead of committing rows routed by
// them. Old descriptors simply lack the fields: no conversion.
//
// # Versions and conflicts
//
// LoadCatalog reads every descriptor in one kv snapshot into a Catalog,
// which is immutable once built and shared by every session that sees the
// same version (Cache keeps the latest, and the one at the last snapshot
// index asked for). Every transaction
// reads "v" to find that cached catalog, but the read is dropped from its
// command before proposing (NarrowCatalogDeps): a transaction depends only
// on the descriptors of the tables it used, which package sql reads
// explicitly at commit. So DDL on one table conflicts with transactions
// that used that table, and two DDL statements conflict only when they
// touch the same descriptor or relation name.
//
// DDL works on a Copy of the catalog through a Writer, which replaces
// descriptors (never mutating a published one), writes them and their
// relation-name keys through the transaction's kv.Txn, and bumps the
// version once per transaction.
//
// # Privileges
//
// An object's ACL is a list of ACLItem in PostgreSQL's letters (arwdDxt for
// tables); nil means the default, all privileges for the owner only
// (EffectiveACL). Catalog.HasPriv answers whether a role holds a privilege
// directly, through membership (MemberOf) or through PUBLIC. The checks
// themselves, and GRANT/REVOKE, are package sql's.
//
// # Imports
//
// catalog imports kv, sql/types, sql/pgcatalog (the fixed OIDs of the
// built-in roles) and sql/pgerror, and nothing of the engine: planner,
// executor and sessions depend on it, never the reverse.
package catalog
