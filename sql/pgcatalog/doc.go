// Package pgcatalog is logdb's system catalog as clients see it: the
// relations of pg_catalog and information_schema, and the catalog functions
// (pg_get_indexdef, format_type, pg_table_is_visible, ...) that psql, pgx,
// node-postgres, gorm and pg_dump query.
//
// # What it owns
//
// Nothing is stored. Every relation is a View whose rows are generated on
// demand from a Schema: a plain description of the database at one
// transaction's snapshot that the sql package builds from its own catalog.
// Relations keep PostgreSQL 15's OIDs (pg_class is 1259, pg_type 1247),
// column order and column types, so RowDescription's table OID and
// attribute number match what drivers expect, and `SELECT *` looks the
// same. Catalogs logdb has no use for (pg_statistic,
// ...) exist with all their columns and no rows, so queries that join them
// plan and run.
//
// # What callers do
//
//  1. Resolve relation names through Lookup (or LookupOID); Views lists
//     every relation. An unqualified name is looked up in pg_catalog.
//  2. Fill a Schema from the snapshot's catalog and call View.Rows(schema).
//     Rows returns fresh outer slices; the rows themselves may be shared
//     between calls and must not be modified.
//  3. Make the session implement SchemaProvider (CatalogSchema() *Schema):
//     the catalog functions, registered with types.RegisterFunc at init,
//     reach the Schema through types.EvalContext.Session. Without it they
//     see only the built-in catalog.
//  4. Use Schema.RegclassIn/RegclassOut, RegnamespaceIn/RegnamespaceOut
//     and RegprocIn/RegprocOut for the regclass, regnamespace and regproc
//     casts and output, so 'users'::regclass and c.oid::regclass::text
//     agree with pg_class.
//
// Value conventions follow sql/types: oid, regproc-free integers and int
// types are int64; name, text and "char" are string ("char" holds one byte,
// "" for the zero byte); int2vector and oidvector are types.Array whose
// subscripts start at 0 and whose text form is space-separated ("1 2");
// pg_node_tree holds the expression text itself, so pg_get_expr returns it
// unchanged. regproc columns of pg_type and pg_proc (typinput, ...) are
// text holding the function name, "-" for none, because they name
// functions logdb does not have; other regproc columns (pg_am.amhandler,
// pg_operator.oprcode, ...) keep the regproc type and hold OIDs, which
// Schema.RegprocOut prints. aclitem[] is text[].
//
// # Concurrency
//
// Everything is safe for concurrent use: views are immutable after init,
// static rows are built once under sync.Once, and a Schema is only read.
package pgcatalog
