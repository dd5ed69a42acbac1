// Package sql is logdb's SQL engine: it parses PostgreSQL statements, keeps
// the catalog, plans and executes queries over kv, and runs each SQL
// transaction as one optimistic kv.Txn whose commit is one log entry.
//
// # Packages
//
// The engine is split into packages with one-way imports (issue 13). An
// arrow is "imports" (`go list -deps` checks it); every package also
// imports sql/pgerror, and sql, plan, exec and catalog import kv:
//
//	sql ──▶ sql/ddl ──▶ sql/plan, sql/exec, sql/catalog, sql/pgcatalog, sql/types, kv
//	 │
//	sql ──▶ sql/plan ──▶ sql/exec ──▶ sql/catalog ──▶ sql/pgcatalog ──▶ sql/builtins ──▶ sql/types
//	 │         │            │             └──────────────────────────────────────────────▶ sql/types
//	 │         │            ├──▶ sql/pgcatalog, sql/types
//	 │         └──▶ sql/catalog, sql/pgcatalog, sql/types
//	 ├──▶ sql/parse ──▶ sql/extparse ──▶ sql/types
//	 ├──▶ sql/plpgsql ──▶ sql/types
//	 ├──▶ sql/settings ──▶ sql/exec, sql/types
//	 ├──▶ sql/copyfmt ──▶ sql/catalog, sql/types
//	 ├──▶ sql/exec, sql/catalog, sql/pgcatalog, sql/types
//	 └──▶ kv, changefeed, notify
//	                    sql/exec ──▶ sql/builtins (registers the library)
//	                    sql/types ──▶ sql/types/jsondoc ◀── sql/builtins
//	                    sql/builtins ──▶ sql/builtins/jsonpath ──▶ sql/types
//
//	sql            the engine: sessions and transactions, statement
//	               dispatch, utility commands, privilege checks and SET
//	               ROLE, cursors, COPY, SUBSCRIBE, the replication
//	               protocol, the session functions
//	sql/ddl        schema statements: CREATE/ALTER/DROP of tables,
//	               constraints (foreign keys too), indexes, sequences,
//	               views, publications, roles, enum types, domains,
//	               schemas, functions and procedures; GRANT/REVOKE;
//	               TRUNCATE
//	sql/parse      query strings to statements: pg_query, the depth limit,
//	               the parse cache
//	sql/extparse   the front parser for SUBSCRIBE, FETCH … WITH, BACKUP
//	sql/plpgsql    the PL/pgSQL interpreter: compiles a body with
//	               PostgreSQL's PL/pgSQL grammar (pg_query) and walks it,
//	               asking its Host (package sql) to run each expression
//	               and statement
//	sql/settings   run-time parameters (SET/SHOW) and their checks
//	sql/copyfmt    COPY's text, CSV and binary formats
//	sql/plan       the planner: parse tree → exec nodes, name resolution,
//	               access paths, join choice, DML plans
//	sql/exec       compiled expressions, plan nodes and their iterators,
//	               the table writer; run through exec.Ctx
//	sql/catalog    descriptors, the Catalog snapshot and its cache, their
//	               storage in kv.CatalogSpace, ACLs
//	sql/pgcatalog  pg_catalog and information_schema, catalog functions
//	sql/builtins   the function library, registered with sql/types;
//	               sql/builtins/jsonpath SQL/JSON path (the jsonpath type's
//	               grammar and the jsonb_path_* evaluator)
//	sql/types      values, casts, comparison, key and row encoding, the
//	               function and operator registry; sql/types/jsondoc the
//	               tree of a json document
//
// Package sql implements the interfaces the lower packages declare for
// what they need of a session: ddl.Host (ownership and privilege checks,
// a planner, sequence counters), plan.Host (privilege checks, literal
// context, stored text to parse) and exec.Host (cancellation, settings,
// row ids); its execCtx embeds exec.Ctx.
//
// # Layers
//
//	parse    pg_query (PostgreSQL's own parser), cached by query text in a
//	         bounded LRU (sql/parse); prepared statements parse once.
//	plan     planner (sql/plan) turns a parse tree into a tree of nodes
//	         over a catalog snapshot: scans with an access path chosen from
//	         the WHERE conjuncts (exec/scan.go: point Get on the whole primary
//	         key, Gets of a key list for pk IN (...) / = ANY(...), key-range
//	         scan on a primary-key prefix, secondary-index range then row
//	         Gets, or a full scan; EXPLAIN prints the choice), lookup joins
//	         by primary key or index, hash / nested-loop / LATERAL joins,
//	         aggregation, window functions, sort, limit, set operations,
//	         CTEs (also recursive), sub-queries.
//	         Expressions compile to typed exec.Expr trees (sql/exec) using
//	         sql/types for casts and overload resolution and the library
//	         that sql/builtins registers there; $n parameters
//	         get their types from context (unknown → text, client types win).
//	execute  nodes start iterators (sql/exec) that pull rows; DML goes
//	         through exec.TableWriter, which keeps indexes and
//	         checks constraints (foreign keys at the statement's end). Results are encoded per column in text or
//	         binary (exec_stmt.go).
//
// # Storage mapping
//
// The catalog lives in kv.CatalogSpace as JSON descriptors (sql/catalog),
// with a version key every transaction reads: the Engine caches the catalog
// per version (catalog.Cache). That read is dropped from the commit's read set; instead a
// writing transaction reads, at commit, the descriptors of the tables it
// used, and DDL reads what it rewrites plus a relation-name key. So DDL
// conflicts (40001) with transactions that used the same table and with DDL
// on the same object or name, never with unrelated work; OIDs and space
// ids come from Increment counters, which never conflict. A table
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
// Databases (databases.go): a session belongs to the database it named
// at startup and plans against that database's catalog only (its keys
// carry the database's prefix, sql/catalog/database.go; logdb's are
// unprefixed), with the shared roles and databases. CREATE, ALTER and
// DROP DATABASE are DDL on the shared descriptors; DROP deletes the
// catalog's keys and drops its tables' and indexes' spaces in the same
// entry, and a session whose database is gone ends (57P01) at its next
// catalog load. DDL reads its database's descriptor key, so it conflicts
// with a concurrent DROP. A statement naming another database
// (db.schema.table, sql/parse's Stmt.Catalogs) is 0A000 before planning.
//
// Uniqueness is checked by a Get of the key inside the transaction, so OCC
// validates at apply that no concurrent transaction wrote it. Scans record
// only the range the access path reads: point updates by key do not
// conflict with each other.
//
// Increments by primary key (UPDATE t SET n = n + $1 WHERE pk = $2, of a
// numeric column in no index, no CHECK on the table) are merge updates
// (sql/plan/merge.go, EXPLAIN "Merge Update"): kv.Txn.Merge buffers an operand
// instead of reading the row, and MergeRow — kv's merge function, wired
// by cmd/logdb — adds it when the entry applies. Concurrent increments of
// one row (pgbench's branches) then all commit; a transaction that read
// the row still conflicts with them, and the row must still exist at
// apply (the command tag said it did). An overflow found only at apply
// fails COMMIT with 22003.
//
// Sequences hand out values from per-Engine blocks of 32 reserved by a
// kv.KindIncrement proposal; nextval never makes transactions conflict.
// setval proposes Increments too and drops the local block. Proposals made
// while a transaction holds its snapshot (sequence blocks, OIDs, space ids,
// non-transactional messages) are bounded by a timeout that fails the
// statement with 40001: bbolt's mmap growth waits for open snapshots, and
// an unbounded wait there could deadlock apply.
//
// A partitioned table owns a Space that stays empty: its rows live in its
// partitions, ordinary tables, and statements on it work through them
// (sql/plan's partition.go, sql/exec's partition.go), so the changefeed
// and pgoutput name the partition a row is in.
//
// Views store their query text and are planned as sub-queries where used.
// User-defined functions (routines.go) store their body text: the planner
// compiles a call into an expression (or a FROM item) that runs the body
// through the session as nested statements in the caller's transaction —
// LANGUAGE sql statement by statement with the arguments as parameters,
// LANGUAGE plpgsql through sql/plpgsql, whose variables the planner binds
// as parameters (plan.Planner.Vars). An EXCEPTION block is a savepoint of
// the transaction. Compiled bodies and nested plans are cached per session
// by descriptor. A PL/pgSQL cursor's OPEN reads its rows and registers
// them as a session cursor (routines_cursors.go), which SQL FETCH reaches
// until the transaction ends.
// NOTIFY and pg_notify() travel in their transaction's log entry and every
// node delivers them to its listening sessions when it applies the entry
// (notify.go hooks package notify into commit; cmd/logdb feeds the
// registry from apply); LISTEN/UNLISTEN take effect at commit, per node.
//
// Advisory locks (locks.go, funcs_locks.go) are package locks' cluster-wide
// table: a session is one lock owner; each lock, unlock and withdrawn wait
// is a log entry proposed through Config.Locks; a commit of a session that
// holds locks carries locks.Commit in its entry (released transaction
// locks, refused when the node lost them); a rollback, a failed implicit
// transaction or a read-only commit releases transaction locks with an
// entry of its own, and Close releases everything. A transaction that has
// read nothing but the catalog gives its snapshot back for a wait and
// takes a new one after it (kv.Txn.Untouched): bbolt's mmap growth in
// apply waits for open snapshots while the grant comes through apply, and
// the new snapshot sees what the previous holder committed. One that has
// read keeps its snapshot while it waits: lock_timeout bounds that.
//
// Row locks (rowlocks.go) use the same table and owner: the session is
// the exec.RowLocker of its statements. It sends a LockRowsNode's rows in
// locks.AcquireRows entries carrying the transaction's snapshot, waits
// for a queued row's grant and then checks the row against the snapshot
// on the applied state (40001 if changed), records each locked row as
// read (the locking scan recorded nothing of the locked tables), and
// remembers what it took so ROLLBACK TO SAVEPOINT gives back the locks
// taken after the savepoint (locks.ReleaseRows). UPDATE and DELETE wait
// only for rows another owner holds (locks.RowBlocked on the applied
// table).
//
// SET LOCAL is undone when the transaction ends, and SET in a transaction
// that rolls back is undone.
//
// # Triggers (sql/ddl/trigger.go, sql/exec/trigger.go, triggers.go, sql/plpgsql/trigger.go)
//
// A trigger is a catalog.Trigger in its table's descriptor (so it is
// written through the log with the table, replicated, and dropped with
// it; the DML plans see it in the table they plan against). The DML plans
// (sql/plan/dml.go) and COPY FROM call exec.Ctx's StatementTriggers
// (BEFORE, then AFTER at the end), BeforeRow on each row before the
// TableWriter writes it (its result replaces the row; NULL skips it) and
// QueueAfterRow after; AFTER ROW events wait in the transaction
// (exec.Txn.AfterRow, from the statement's mark, so a statement a trigger
// runs handles only its own) and run, in order, when the statement's rows
// are written, before its foreign key events. exec reaches the function
// through exec.TriggerHost, which the session's execCtx implements: it
// runs the PL/pgSQL routine with plpgsql.TriggerData (NEW, OLD, TG_*),
// evaluates WHEN as a trigger function returning it, and counts in the
// same 200-level call depth as functions.
//
// # Foreign keys (sql/ddl/fk.go, sql/exec/fk.go, SET CONSTRAINTS in constraints.go)
//
// A FOREIGN KEY is a catalog.ForeignKey in the referencing (child) table's
// descriptor: column IDs on both sides, the parent's primary key or
// unique index it matches, actions, MATCH, DEFERRABLE, NOT VALID. DDL
// that adds or drops one also rewrites the parent's descriptor, so a
// transaction planned against the parent without it conflicts (40001)
// instead of committing unchecked writes. Enforcement works as
// PostgreSQL's RI triggers: exec.TableWriter queues an event per written
// row (child key written; parent row deleted or its key changed) in the
// transaction (exec.FKQueue), and the events run at the statement's end —
// checks of deferred constraints at COMMIT, before the command is built,
// in the same snapshot. A child check is a kv Get of the parent's
// primary-key row or unique-index entry; a parent event finds the
// children by a prefix of the child's primary key or of an index led by
// the key's columns, else by scanning the child's rows (no index is
// created: as in PostgreSQL, index the referencing columns), then raises
// 23503 (NO ACTION, unless the key is present again; RESTRICT) or runs
// CASCADE / SET NULL / SET DEFAULT through the child's writer, whose own
// events join the queue. Cascaded changes are ordinary writes of the
// child, in the changefeed as such.
//
// Why a child insert racing a parent delete can never leave an orphan:
// let C insert a child row referencing key k and D delete the parent row
// of k (or change k). C's check Gets the parent's entry for k, so k is
// in C's read set; D writes k (a tombstone, or the moved key), and reads
// every place a child of k can be written: the child index range for k
// (every child write puts an entry there) or the child's whole row space,
// which C writes into. Apply validates each entry against the writes
// committed after its snapshot, in log order, identically on every node.
// If C and D were concurrent (neither's snapshot holds the other), the one
// applied second has a read the first one's write invalidates, and fails
// with 40001. If D's snapshot holds C, D's scan finds C's row (23503, or
// the cascade deletes it); if C's snapshot holds D, C's Get finds no
// parent (23503). Deferred checks make the same reads at COMMIT, still
// before the entry is proposed, so the argument holds for them; and
// TRUNCATE drops the parent's space, which conflicts with any reader of
// it. TestForeignKeyRaces races them on three nodes.
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
// Every commit that writes carries the transaction's id (xid.go: assigned
// from the node's id range, taken through the log), and so does the small
// entry a read-only transaction that asked txid_current() proposes;
// kv.ErrXidFenced (txid_status settled the id first) is 40001 too.
// Other read-only transactions only release. A lone INSERT/UPDATE/DELETE sent as
// a simple query in autocommit mode is retried on 40001 (its output is
// buffered until it commits, so the client never sees a failed attempt).
// The same holds for lone DDL statements. Simple-protocol strings run as
// one implicit transaction; in the extended protocol the implicit
// transaction lasts until Sync. When it fails there with 40001 and its
// statements returned no rows (DML without RETURNING, DDL), Sync re-runs
// them in a fresh snapshot and commits if every re-run gives the client the
// command tag it already saw; otherwise the client gets 40001.
//
// Isolation levels (isolation.go; docs/architecture.md, "Isolation
// levels"): txnState.iso is the level as set (default_transaction_isolation,
// BEGIN ISOLATION LEVEL, SET TRANSACTION). READ COMMITTED and REPEATABLE
// READ record only integrity reads (kv.Txn.CheckedReadsOnly,
// exec.Ctx.CheckingReads) and lock every row UPDATE and DELETE change
// (rowlocks.go); READ COMMITTED gives each statement a new snapshot
// (statementSnapshot) and re-runs a statement that met a changed or held
// row (runReadCommitted, errStmtRestart).
//
// Cancellation: pgwire cancels the context passed to SimpleQuery/Execute;
// iterators check it every 256 rows and the statement fails with 57014.
// statement_timeout is applied the same way.
//
// # Changefeed (subscribe*.go, cursor_subscribe.go, funcs_changefeed.go)
//
// SUBSCRIBE, COPY (SUBSCRIBE …) TO STDOUT, DECLARE … CURSOR FOR
// SUBSCRIBE and FETCH … WITH (timeout) are parsed by a hand-written front
// parser (sql/extparse), tried only when pg_query rejects a query
// string; they run on Config.Feed. The session goroutine drives the
// changefeed.Subscription itself, and never while it holds a kv snapshot
// (bbolt can deadlock a goroutine that opens a second read transaction):
// an unused snapshot is released first; a transaction that already read
// or wrote data gets 25000. The slot functions write through the
// session's transaction, so a consumer advances its slot atomically with
// its own writes. ChangefeedDecoder maps the descriptors of any catalog
// version to changefeed.Relations. A commit with more than
// changefeed.MaxSeq-1 row changes and messages is refused (54000).
//
// # Limits
//
// Input that would crash the process or the node is refused with a
// SQLSTATE instead: a statement whose parse could nest deeper than
// Config.MaxExpressionDepth fails with 54001 before it reaches pg_query
// (sql/parse/depth.go, with the measurement behind the default); a transaction
// whose buffered writes pass Config.MaxTxnBytes fails with 54000 as the
// row that passes it is written (exec.TableWriter, checkTxnSize), and the
// proposer refuses a larger command at COMMIT with the same error.
// Operators that hold rows (sort, hash aggregate, DISTINCT, hash-join
// build side, set operations, windows, WITH results, recursive working
// tables, sub-query results) count them against work_mem, and a
// statement's operators together against Config.MaxStatementMemory
// (exec/workmem.go); past either the statement fails with 53200, except a
// sort of scalar columns, which spills sorted runs to Config.TempDir and
// merges them (exec/sort.go). Everything else streams: iterators pull one row at a
// time, generate_series and recursive CTEs produce rows lazily, a WITH
// query is read only as far as its readers go (cteTape), and a LIMIT over
// a sort keeps only the rows it returns (startTopN).
//
// # Sessions as an operator sees them (activity.go)
//
// The Engine keeps a registry of its live sessions (added by NewSession,
// removed by Close) for pg_stat_activity. What other goroutines may read
// of a session — state, query, query_start, xact_start, state_change,
// wait event, application_name — sits in Session.act under its own mutex,
// written twice per statement (statementStarted, statementEnded) by the
// session's goroutine and otherwise contended only while the view is
// read. pg_cancel_backend and pg_terminate_backend go through
// Config.Backends (pgwire's Server, wired by cmd/logdb). Config.Observer
// receives each statement's kind, duration and error, each transaction's
// outcome and each server-side 40001 retry, for metrics. The Engine also
// keeps its own counters for pg_stat_database and pg_stat_user_tables
// (stats.go): transactions by outcome, and rows inserted, updated and
// deleted per table, gathered in the transaction by exec.TableWriter and added
// (atomically, per table) when it commits.
//
// Statement logging (statementlog.go) writes PostgreSQL's log_statement,
// log_min_duration_statement and log_min_error_statement lines to
// Config.Logger from simpleQuery (the whole query string), prepare and
// bind (their errors) and execute (each Execute, with its parameters).
// The settings are read once per settings generation (logConfig), so a
// session that logs nothing pays two comparisons a statement. Text
// passes through loggedText: the literal after a PASSWORD keyword is
// replaced by the lexer's (pg_query.Scan) reading of the statement, and
// the result cut at maxLoggedStatement. The settings are superuser-only
// (settings.Def.Superuser; 42501 from SET, RESET, set_config and startup
// options) and Config.Settings gives their server defaults.
//
// # Portals and cursors
//
// A Bind makes a Portal (s.portals); DECLARE makes a sqlCursor
// (s.cursors, cursors.go). They share one name space, as in PostgreSQL:
// Session.Portal finds a cursor when no Bind portal has the name and
// wraps it (cursorPortal) so Describe and Execute use it, Execute
// fetching from where FETCH left it; Close (portal) closes it; Bind and
// DECLARE refuse a name the other holds (42P03). Named portals end with
// their transaction (finishTxn, failTxn): a Sync inside a block leaves
// them open, and Sync of an implicit transaction ends it and them.
// FETCH and MOVE keep PostgreSQL's portal position (cursor_scroll.go); a
// scrollable cursor keeps the rows it has read, within work_mem.
//
// A statement whose WITH holds INSERT, UPDATE or DELETE runs through
// runWithWriters (with_writers.go; the planning and the snapshot rule are
// sql/plan's with_dml.go).
//
// # Concurrency
//
// Engine is safe for concurrent use: the catalog cache (catalog.Cache) has
// its own mutex; Engine.mu guards the sequence blocks and the row-id clock; the parse cache and the LISTEN
// registry have their own mutexes (never held while calling out). Catalog snapshots and parse trees are immutable once published
// and shared between sessions. A Session, its plans and its portals belong
// to one goroutine.
package sql
