// Package jsonpath is SQL/JSON path (PostgreSQL 15's jsonpath): the
// grammar, the normalized text PostgreSQL prints for a path, and the
// evaluator behind jsonb_path_query, _query_array, _query_first, _exists,
// _match and the @? and @@ operators (sql/builtins registers them; the
// set-returning jsonb_path_query is planned in sql/plan over
// jsonb_path_query_array).
//
// # What is supported
//
//	modes       lax (the default) and strict
//	accessors   .key ."quoted key" .* [n] [n to m] [last] [last - 1] [*]
//	            .** .**{n} .**{n to m} .**{last}, subscripts that are
//	            expressions ($[$.i], $[1.7] truncates)
//	filters     ? (…) with @, == != <> < <= > >=, && || !, exists (…),
//	            like_regex "…" flag "ismq", starts with "…" / $var,
//	            (…) is unknown
//	arithmetic  + - * / % and unary + -, over numeric as PostgreSQL's
//	            numeric operators compute them
//	methods     .type() .size() .double() .ceiling() .floor() .abs()
//	            .keyvalue() (ids as PostgreSQL numbers them: the object's
//	            byte offset in the binary jsonb, plus 10^10 for vars)
//	literals    strings with escapes, numbers, true false null, $var and
//	            $"quoted var", /* comments */
//
// Not supported: .datetime() parses and prints but fails with 0A000 when
// evaluated, and so do the _tz function variants (absent); like_regex's
// "x" flag fails with 0A000 as in PostgreSQL.
//
// Errors are PostgreSQL's, code and text: 22P02 for empty input, 42601
// for syntax ("syntax error at or near "…" of jsonpath input", @ outside
// a filter, last outside a subscript), 2201B for a bad like_regex pattern,
// and the SQL/JSON data exceptions (2203A member not found, 22039 array
// not found, 2203C object not found, 22033 subscript out of bounds, 22038
// singleton required, 2203B number not found, 22036 non-numeric item).
// Silent mode swallows exactly the errors PostgreSQL's silent swallows; a
// missing variable (42704) and a vars argument that is not an object
// (22023) are raised anyway.
//
// # Bounds
//
// A path from a client cannot exhaust the stack or run without end:
// parsing refuses nesting deeper than MaxDepth (1000) levels with 54001,
// evaluation refuses recursion deeper than 10000 levels (a very long
// accessor chain over a deep document) with 54001, and one evaluation may
// take at most MaxSteps (1,000,000) steps — items evaluated plus values
// visited by wildcards and .** — past which it fails with 54000.
// Regular expressions are Go's (RE2): matching is linear in the input.
//
// # Imports
//
// jsonpath imports sql/types (numeric parsing, output and the library's
// numeric operators, looked up through the registry at run time),
// sql/types/jsondoc and sql/pgerror. sql/types cannot import it, so the
// jsonpath type's input function and the regular-expression compiler are
// installed at init by sql/builtins (types.SetJSONPathInput,
// CompileRegex).
package jsonpath
