// Package exec runs logdb's query plans: compiled, typed expressions and
// the plan nodes whose iterators pull rows, including DML's table writer.
//
// # What it owns
//
// An Expr is a typed scalar expression compiled by the planner (package
// sql): constants, column and parameter references, casts, operators and
// function calls resolved through sql/types, CASE, IN lists, ANY/ALL over
// arrays, sub-queries (SubqueryExpr) and so on. Eval reads one row.
//
// A Node is a plan operator; plans are immutable and may be started many
// times (prepared statements), each Start giving a fresh Iterator:
//
//	ScanNode        a table through its chosen access path (point Get on
//	                the whole primary key, a key list, a key range, a
//	                secondary-index range, or a full scan; scan.go)
//	JoinNode        hash and nested-loop joins; LookupJoinNode probes the
//	                inner table by key; LateralJoinNode re-runs its right side
//	AggNode         grouping and aggregates (AggSpec)
//	WindowNode      window functions
//	SortNode        sorts, a top-N below a LIMIT, and an external sort
//	                spilling sorted runs to Limits.TempDir (sort.go)
//	LockRowsNode    SELECT … FOR UPDATE and kin: locks the stored rows its
//	                source returns through Ctx.RowLocker, below the LIMIT
//	                (lockrows.go); UPDATE and DELETE call Ctx.WriteLock
//	FilterNode, ProjectNode, LimitNode, DistinctNode, SetOpNode, ValuesNode,
//	CteScanNode, RecursiveNode, SRFProjectNode, ...
//
// TableWriter writes rows of one table for INSERT, UPDATE and DELETE: it
// encodes rows by column ID, keeps every index, checks row level
// security's WITH CHECK options (rowsecurity.go), NOT NULL, CHECK and
// unique constraints (a Get of the unique key inside the transaction, so
// optimistic concurrency validates it at apply), resolves ON CONFLICT,
// counts rows for pg_stat_* (Txn) and bounds the transaction's size. It
// also queues the foreign key events of each row it writes (FKPlan, one
// per key on either side); FKAfterStatement runs them at the statement's
// end and FKRunDeferred at COMMIT or SET CONSTRAINTS … IMMEDIATE (fk.go:
// the parent Get, the child range scan, the actions). The same queue
// holds the checks of DEFERRABLE unique constraints (unique_deferred.go).
// User triggers run around the writes (trigger.go): the DML plans call
// StatementTriggers, BeforeRow and QueueAfterRow, and RunAfterRow at the
// statement's end; the functions run through TriggerHost (package sql).
// Partitioned tables (partition.go): a PartSet routes a row to its leaf
// partition, a ScanNode of a partitioned table reads its Leaves in turn
// (pruned by an equality on the key; RowRef.Leaf names a row's leaf),
// and a partition's writer checks its PartConstraint.
// Expression and partial indexes are computed through IndexEval, compiled
// by the planner (index_expr.go); scans use them through IxExprs
// (scan_index_expr.go).
//
// # Running a plan
//
// Ctx is one statement's run: its context (cancellation is checked every
// 256 rows), the transaction (Txn: the kv.Txn and row counts), bound
// parameters, the rows of enclosing queries for correlated sub-queries,
// the memory budgets of work_mem and Limits.MaxStatementMemory
// (workmem.go: operators that hold rows fail with 53200 past them), and a
// Host: what a run asks of the session that runs it (cancellation error,
// hidden row ids, settings, the catalog description for pg_catalog's
// views). Package sql's execCtx embeds Ctx and is its Host.
//
// # Imports
//
// exec imports kv, sql/catalog (descriptors), sql/types, sql/pgcatalog and
// sql/pgerror. The planner, sessions and statements (package sql) build
// plans of these nodes and run them; exec never imports package sql.
//
// # Concurrency
//
// Plans and expressions are immutable once built and may be shared; a Ctx
// and the iterators started from it belong to one goroutine.
package exec
