// Package parse turns a query string into statements: PostgreSQL's own
// parser (pg_query, through cgo) for everything it knows, the front parser
// of sql/extparse for the statements PostgreSQL's grammar lacks, and a
// bounded LRU Cache of the results keyed by query text (prepared
// statements parse once; the cached trees are shared and read-only).
//
// Before pg_query sees a string, CheckDepth bounds how deeply it can nest
// (ExprDepth, an upper bound computed without parsing): pg_query recurses
// on the C stack, and a statement nested deeper than
// MaxExpressionDepthLimit could crash the process, so it fails with 54001
// instead (depth.go holds the measurement behind the limits).
package parse
