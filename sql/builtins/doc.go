// Package builtins is the library of built-in scalar functions and
// operators, split out of sql/types (issue 13). It owns the definitions —
// name, argument and result types, strictness, volatility and body — and
// registers them with sql/types at init; it has no exported names.
//
// # What it may import
//
//	sql/builtins ──▶ sql/types ──▶ sql/pgerror
//
// sql/types keeps the values, casts, comparison, the registry
// (types.RegisterFunc, types.RegisterBinaryOp, types.RegisterUnaryOp) and
// overload resolution (types.LookupFunc, LookupBinaryOp, LookupUnaryOp).
// Definitions here use only types' exported API. Nothing in sql/types
// imports this package, so a package that resolves calls must import it
// (the engine, sql, does; sql/pgcatalog does too, so that its own catalog
// functions never double an overload registered here).
//
// # What lives here so far
//
//	string.go      text and bytea functions: length, substr, trim, pad,
//	               format, concat, regexp_*, encode/decode, md5, quote_*
//	more.go        to_number, regexp_split_to_array, overlay, sha2, |/ ||/
//	array.go       array functions: array_length, array_append, array_cat, …
//	array_ops.go   array operators: @>, <@, &&, ||
//
// The numeric, date/time, JSON and to_char definitions and the arithmetic
// and comparison operators are still in sql/types (funcs_*.go, ops*.go,
// tochar.go): they use value internals (numeric contexts, jsonValue,
// datetime helpers) that must first get a small exported form.
//
// # Order and identity
//
// Overloads of one name are kept in registration order, which fixes
// pg_proc's OIDs (sql/pgcatalog numbers them in that order) and decides
// an exact-match tie. Moving a definition here must not change that order;
// the move was checked by dumping the registry before and after.
//
// # Tests
//
// The tests of the library live here and call it through types.LookupFunc
// and types.LookupBinaryOp as the engine does; their expected values were
// produced by PostgreSQL 15 (testdata/pg15_random_*.tsv).
//
// Registration happens in init; after that every function is safe for
// concurrent use.
package builtins
