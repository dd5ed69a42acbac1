// Package ddl runs logdb's schema statements: CREATE/ALTER/DROP of tables
// (partitioned ones too: PARTITION BY, PARTITION OF, ATTACH and DETACH
// PARTITION, partition.go), columns, constraints (CHECK, UNIQUE, PRIMARY KEY, FOREIGN KEY), indexes,
// sequences, views and publications, CREATE TABLE AS, TRUNCATE, RENAME and
// ALTER … OWNER TO, and roles: CREATE/ALTER/DROP ROLE, ALTER ROLE … SET,
// GRANT/REVOKE of privileges and of role membership (roles.go), enum and
// composite types (CREATE/ALTER/DROP TYPE, types.go), domains
// (CREATE/ALTER/DROP DOMAIN, domain.go) and schemas: CREATE/DROP/ALTER
// SCHEMA, ALTER … SET SCHEMA (schema.go), row level security policies
// (CREATE/ALTER/DROP POLICY, policy.go) — PostgreSQL's "commands" for
// the objects in sql/catalog. Relation names resolve through the
// session's search path (its planner's Path): an unqualified CREATE goes
// into the path's first existing non-temporary schema; CREATE TEMP (or a
// CREATE into pg_temp) into the session's temporary schema, made on first
// use (temp.go).
//
// # How a statement runs
//
// Package sql dispatches a utility statement (its planUtility) to a
// function here with a Ctx — the statement's exec.Ctx, to run queries and
// write rows (ADD COLUMN … DEFAULT fills existing rows, ADD CONSTRAINT
// checks them, CREATE INDEX builds the index) — the transaction's
// catalog.Writer, and a Noticer for NOTICEs. Every change goes through the
// Writer into the transaction's copy of the catalog, so DDL is
// transactional: it commits as part of the transaction's one log entry or
// not at all, and conflicts (40001) with concurrent transactions that used
// the same descriptors.
//
// CREATE INDEX takes columns and expressions, DESC / NULLS FIRST and a
// WHERE predicate (index_expr.go): expressions and predicates are checked
// by the planner (immutable functions only, 42P17; no sub-queries) and
// stored as SQL text in catalog.Index; building a unique index checks the
// rows already there. UNIQUE … DEFERRABLE makes a deferrable index
// (exec/unique_deferred.go checks it).
//
// What DDL needs of the session is the Host interface: privilege and
// ownership checks (42501), the current and session user, a planner for
// the transaction, parsing of stored expressions, sequence counters and
// the transaction's read dependencies. Package sql's sessions implement
// it; the checks themselves (who holds which privilege) stay in sql, next
// to SET ROLE.
//
// # Imports
//
// ddl imports sql/plan, sql/exec, sql/catalog, sql/types, sql/pgcatalog,
// sql/pgerror and kv; never package sql.
package ddl
