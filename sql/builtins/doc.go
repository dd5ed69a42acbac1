// Package builtins is the library of built-in scalar functions and
// operators (issue 13 moved it out of sql/types). It owns the definitions
// — name, argument and result types, strictness, volatility and body — and
// registers them with sql/types at init; it has no exported names.
//
// # What it may import
//
//	sql/builtins ──▶ sql/types ──▶ sql/types/jsondoc ──▶ sql/pgerror
//	     ├─────────────────────▶ sql/types/jsondoc
//	     └──▶ sql/builtins/jsonpath ──▶ sql/types, sql/types/jsondoc
//
// sql/types keeps the values, casts, comparison, the registry
// (types.RegisterFunc, types.RegisterBinaryOp, types.RegisterUnaryOp) and
// overload resolution (types.LookupFunc, LookupBinaryOp, LookupUnaryOp).
// Definitions here use only types' exported API. Nothing in sql/types
// imports this package, so a package that resolves calls must import it
// (the engine, sql, does; sql/pgcatalog does too, so that its own catalog
// functions never double an overload registered here).
//
// # What lives here
//
//	register.go        init: the registration order; def, binop, … helpers
//	ops.go             comparison operators of every comparable type;
//	                   integer, float and numeric arithmetic; pg_lsn -
//	numeric.go         numeric arithmetic as numeric.c does it: + - * / % ^
//	                   and the result scales of division and powers
//	math.go            abs, ceil, round, trunc, sqrt, power, ln, log, mod,
//	                   div, sign, width_bucket, gcd, trigonometry, random
//	time.go            now, date_trunc, date_part/extract, age, make_*,
//	                   to_timestamp, timezone (AT TIME ZONE), justify_*
//	time_ops.go        date, timestamp, time and interval arithmetic
//	datetime.go        calendar helpers shared by the two above
//	tochar.go          to_char's template patterns; timestamps, intervals
//	tochar_number.go   to_char of numbers
//	todate.go          to_date and to_timestamp with a template
//	text_ops.go        LIKE, ILIKE, regular-expression operators, text and
//	                   bytea ||, like_escape, similar_to_escape
//	string.go          text and bytea functions: length, substr, trim, pad,
//	                   format, concat, regexp_*, encode/decode, md5, quote_*
//	more.go            to_number, regexp_split_to_array, overlay, sha2, |/ ||/
//	regexp.go          regexp_count, regexp_instr, regexp_substr, regexp_like
//	                   with flags, regexp_replace with start and N
//	misc.go            date_bin, make_timestamptz with a zone, min_scale,
//	                   trim_scale, unistr
//	json.go            to_json[b], json[b]_build_*, _typeof, _extract_path,
//	                   _strip_nulls, jsonb_pretty, jsonb_set, gen_random_uuid
//	json_ops.go        -> ->> #> #>> @> <@ ? ?| ?& || - #- on json[b]
//	array.go           array functions: array_length, array_append, …
//	array_ops.go       array operators: @>, <@, &&, ||
//	any.go             pg_typeof, num_nulls, num_nonnulls
//	jsonpath_funcs.go  jsonb_path_exists, _match, _query_array,
//	                   _query_first, @? and @@ over sql/builtins/jsonpath;
//	                   installs the jsonpath type's input function
//
// Definitions use only the exported API of sql/types (casts stand in for
// value internals: numeric to float8, timestamp to timestamptz in a zone)
// and work on jsondoc trees for JSON. The numeric contexts and helpers
// (types.DecimalContext, NumericDisplayScale, …) and the calendar helpers
// (types.DaysFromCivil, ValidDate, IsInfTime, AppendUTCOffset, …) are
// sql/types', shared so casts and functions round and count alike.
//
// # Order and identity
//
// Overloads of one name are kept in registration order, which fixes
// pg_proc's OIDs (sql/pgcatalog numbers them in that order) and decides
// an exact-match tie. register.go's init fixes the order; each move
// from sql/types was checked by dumping the registry before and after, and
// by calling every function and operator on a sample of values.
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
