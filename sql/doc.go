// Package sql is logdb's SQL engine: it parses PostgreSQL statements, keeps
// the catalog, plans and executes queries over kv, and runs each SQL
// transaction as one optimistic kv.Txn whose commit is one log entry.
//
// # Layers
//
//	parse    pg_query (PostgreSQL's own parser), cached by query text in a
//	         bounded LRU (parse.go); prepared statements parse once.
//	plan     planner (plan_*.go) turns a parse tree into a tree of nodes
//	         over a catalog snapshot: scans with an access path chosen from
//	         the WHERE conjuncts (scan.go: point Get on the whole primary
//	         key, key-range scan on a primary-key prefix, secondary-index
//	         range then row Gets, or a full scan), hash / nested-loop joins,
//	         aggregation, sort, limit, set operations, CTEs, sub-queries.
//	         Expressions compile to typed expr trees (expr.go) using
//	         sql/types for casts, operators and functions; $n parameters
//	         get their types from context (unknown → text, client types win).
//	execute  nodes start iterators (exec*.go) that pull rows; DML goes
//	         through tableWriter (writer.go), which keeps indexes and
//	         checks constraints. Results are encoded per column in text or
//	         binary (exec_stmt.go).
//
// # Storage mapping
//
// The catalog lives in kv.CatalogSpace as JSON descriptors (catalog.go),
// with a version key every transaction reads: the Engine caches the catalog
// per version, and concurrent DDL conflicts by OCC like any write. A table
// owns a kv.Space keyed by types.AppendKey of its primary key (tables
// without one get a node-unique hidden row id: time in the high bits, node
// id in the low ones, so inserters never share a counter). Rows are
// types.AppendRow by stable column ID, so ADD/DROP COLUMN rewrite nothing
// (ADD COLUMN with a default fills existing rows in the same transaction).
// Each index owns a Space: unique entries are keyed by the index columns
// (value: the primary key); non-unique ones, and unique ones holding a
// NULL, append the primary key. TRUNCATE and DROP use kv.Txn.DropSpace;
// TRUNCATE moves the table to fresh spaces.
//
// Uniqueness is checked by a Get of the key inside the transaction, so OCC
// validates at apply that no concurrent transaction wrote it. Scans record
// only the range the access path reads: point updates by key do not
// conflict with each other.
//
// Sequences hand out values from per-Engine blocks of 32 reserved by a
// kv.KindIncrement proposal; nextval never makes transactions conflict.
// setval proposes Increments too and drops the local block.
//
// FOREIGN KEY constraints are accepted and not enforced (ORMs and dumps
// declare them). SET LOCAL lasts for the session.
//
// # Sessions and transactions
//
// A Session is used by one goroutine (pgwire's connection loop). Its
// transaction state follows txnTransitions (txn.go):
//
//	state     event                 next      action
//	idle      statement             implicit  begin kv.Txn lazily
//	idle      BEGIN                 block
//	implicit  end of query / Sync   idle      commit (errors → client)
//	implicit  error                 idle      rollback
//	implicit  BEGIN                 block     earlier statements join it
//	block     statement ok          block
//	block     error                 failed
//	block     COMMIT                idle      commit; 40001 on conflict
//	block     ROLLBACK              idle      rollback
//	block     BEGIN                 block     WARNING 25001
//	failed    ROLLBACK / COMMIT     idle      rollback (COMMIT's tag is ROLLBACK)
//	failed    ROLLBACK TO sp        block     kv.Txn.RollbackTo
//	failed    other                 failed    25P02
//
// Commit releases the snapshot before proposing txn.Command (a held bbolt
// read transaction can stall apply); a kv.ErrConflict result is 40001.
// Read-only transactions only release. A lone INSERT/UPDATE/DELETE sent as
// a simple query in autocommit mode is retried on 40001 (its output is
// buffered until it commits, so the client never sees a failed attempt).
// Simple-protocol strings run as one implicit transaction; in the extended
// protocol the implicit transaction lasts until Sync.
//
// Cancellation: pgwire cancels the context passed to SimpleQuery/Execute;
// iterators check it every 256 rows and the statement fails with 57014.
// statement_timeout is applied the same way.
//
// # Concurrency
//
// Engine is safe for concurrent use: Engine.mu guards the cached catalog,
// the sequence blocks and the row-id clock; the parse cache has its own
// mutex. Catalog snapshots and parse trees are immutable once published
// and shared between sessions. A Session, its plans and its portals belong
// to one goroutine.
package sql
