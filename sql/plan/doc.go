// Package plan is logdb's planner: it turns a statement's parse tree
// (PostgreSQL's own, from pg_query) into a tree of sql/exec nodes over a
// catalog snapshot, which EXPLAIN prints and exec runs.
//
// # What it owns
//
//   - Name resolution: Scope holds the columns visible at each level of a
//     query (FROM items, their aliases, USING merges, outer queries for
//     correlated sub-queries and LATERAL); CTEs resolve by name up the
//     query's nesting; relation names resolve against Planner.Path, the
//     session's search path, a schema named explicitly needing USAGE
//     (namespace.go; a view's names against the path it was made under).
//     pg_temp is the session's temporary schema (Planner.TempSchema);
//     another session's is 0A000.
//   - Expressions: operators, function calls and casts resolved through
//     sql/types (overloads, implicit and assignment casts, unknown
//     literals and $n parameters typed from context), sub-links, row
//     comparisons, VARIADIC, set-returning functions in the select list;
//     constants fold at plan time (ReadsContext says when a folded value
//     depended on the session zone or the transaction's time, so the plan
//     must not be cached), operators over constants too, with their
//     errors raised while planning as PostgreSQL's eval_const_expressions
//     does and the same places left unfolded (fold.go).
//   - Access paths: the WHERE conjuncts choose a point Get on the whole
//     primary key, a key list, a key-range scan, a secondary-index range,
//     or a full scan; equi-joins become hash or lookup joins, others
//     nested loops (FROM order, left-deep; an UPDATE/DELETE whose WHERE
//     keys the target by FROM's columns probes it last, dml.go
//     planTargetScan); ORDER BY on an index order reads it in order.
//   - Queries: aggregation (GROUP BY, FILTER, ordered aggregates), window
//     functions, DISTINCT, ORDER BY / LIMIT (top-N), set operations, WITH
//     (also recursive), views (planned as sub-queries from their stored
//     text), set-returning functions in FROM (SRFNode).
//   - DML: a DML plan for INSERT (with ON CONFLICT), UPDATE and DELETE
//     (with FROM/USING and RETURNING), including merge updates — an
//     increment by primary key written as a kv merge operand that MergeRow
//     applies (merge.go); MERGE INTO (merge_into.go); INSERT, UPDATE and
//     DELETE in a statement's WITH (Writer, RunWriters: with_dml.go);
//     statements on a partitioned table, through its leaves' writers
//     (PartInserter; partition.go, partition_dml.go).
//   - Row level security (rowsecurity.go): where a table's policies hold
//     for the role (Host.RowSecurityApplies), their USING expressions
//     become the scan's Security condition and their WITH CHECK ones the
//     writer's RLSChecks, per command, as PostgreSQL's rewriter adds
//     them; a table with a Security condition is never lookup-joined or
//     merge-updated.
//   - User-defined functions (routines.go): overload resolution over the
//     catalog's functions (named arguments, defaults, VARIADIC), calls
//     compiled through the Host's RoutineHost; Planner.Vars binds the
//     names of a routine's variables as parameters.
//   - The function registry the planner compiles calls with (Builtins):
//     the planner-level functions of this package plus the session
//     functions package sql adds at init (current_user, nextval, …).
//
// # What it asks of its caller
//
// A Planner is made for one statement with its catalog snapshot and a
// Host: privilege checks and row level security's role tests, the literal-input context (session zone, date
// order, transaction time), the catalog description for pg_catalog,
// parsing of stored expressions and view queries, and functions in FROM
// that only the session knows (the replication slot functions). Package
// sql's sessions implement it.
//
// # Imports
//
// plan imports sql/exec, sql/catalog, sql/types, sql/pgcatalog,
// sql/pgerror and kv (merge operands, sequence counters), never package sql.
//
// # Concurrency
//
// A Planner is used by one goroutine, once. The plans it returns are
// immutable and may be shared.
package plan
