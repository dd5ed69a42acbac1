// Package plpgsql runs PL/pgSQL: the bodies of LANGUAGE plpgsql
// functions and procedures, and DO blocks.
//
// # What it owns
//
//  1. Compiling. Compile hands a CREATE FUNCTION statement to PL/pgSQL's
//     own grammar (pg_query's ParsePlPgSqlToJSON, PostgreSQL's pl_gram.y
//     compiled in) and reads the JSON tree it prints (tree.go). The
//     grammar's own checks (RETURN QUERY outside SETOF, CONSTANT targets,
//     unknown conditions) fail CREATE FUNCTION as in PostgreSQL. Compile
//     then derives, once: which block declares which variable (the
//     dump has no per-block list: a variable belongs to the first block
//     whose BEGIN follows its declaration's line), the integer variable
//     of each FOR loop, and the variable of RETURN x / RETURN NEXT x,
//     which the dump leaves out (it is read back from the source line).
//     A Routine is immutable and shared.
//
//  2. Running. Routine.Run walks the tree (exec.go, loops.go,
//     statements.go) over one frame of variable values: declarations and
//     defaults on block entry, assignment (also to array elements,
//     slices and fields: assign.go), IF, CASE, LOOP/WHILE/FOR/
//     FOREACH [SLICE] with labels, EXIT/CONTINUE, RETURN [NEXT|QUERY], PERFORM,
//     SELECT/DML … INTO [STRICT], EXECUTE … INTO … USING, GET [STACKED]
//     DIAGNOSTICS, FOUND, RAISE (levels, USING options, %-formats),
//     ASSERT, EXCEPTION WHEN (condition names from PostgreSQL's
//     plerrcodes.h, classes, SQLSTATE '…', OTHERS), cursors (OPEN,
//     FETCH, MOVE, CLOSE, FOR r IN c: cursors.go), COMMIT/ROLLBACK
//     (the Host decides).
//
//     A variable of a table's row type whose fields the body assigns
//     (r.f := v) is declared record for PL/pgSQL's grammar, which
//     without the catalog takes it for a scalar, and given its type back
//     (parseRowVars).
//
//  3. Naming. Every expression is run as SELECT expr and every statement
//     as written, through the Host; names in them that are no column are
//     resolved by the frame (Vars): variables, record fields. The Host
//     turns each into a parameter, so the planner and executor are the
//     engine's own.
//
//  4. Triggers. A Call with Trigger set runs a RETURNS trigger function:
//     NEW and OLD (the records pg_query declares for it) start as the
//     event's rows, NULL where it has none; TG_OP, TG_NAME, TG_ARGV, …
//     are resolved by name after the variables (trigger.go).
//
// # What the caller (Host) provides
//
// Query and Dynamic run one statement in the caller's transaction;
// Subtransaction gives an EXCEPTION block its implicit savepoint (the
// block's writes are undone when a handler catches its error); Check
// reports cancellation and statement_timeout, which every statement and
// every loop iteration checks; Notice sends RAISE's notices; Type
// resolves declared type names; Ev evaluates casts; AssignPart replaces
// a part of a value as UPDATE … SET a[i] = v does; OpenCursor,
// FetchCursor and CloseCursor keep cursors as the session's, so a
// returned refcursor is FETCHed in SQL; TxnControl runs COMMIT and
// ROLLBACK. Package sql implements it over a session (sql/routines.go,
// sql/routines_host.go, sql/routines_cursors.go).
//
// # Limits
//
// A FOR loop over a query reads the query's rows before the first
// iteration (PostgreSQL's cursor reads them as it goes, from the same
// snapshot); a set-returning function collects its rows before the
// caller reads them; a cursor reads its rows at OPEN. Each holds at
// most Call.MaxRows (DefaultMaxRows) rows: more fail with 54000. Call
// depth, and the cursors open at once, are bounded by the caller.
//
// # Concurrency
//
// A Routine may be run by many goroutines at once; a run (its frame and
// Host) belongs to one.
package plpgsql
