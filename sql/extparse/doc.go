// Package extparse is a hand-written front parser for the statements
// PostgreSQL's grammar lacks: SUBSCRIBE, COPY (SUBSCRIBE …) TO STDOUT,
// DECLARE … CURSOR FOR SUBSCRIBE …, FETCH … WITH (timeout = …) and
// BACKUP TO STDOUT.
//
// Package sql calls it only when pg_query rejects a query string, so
// ordinary statements pay nothing: SplitStatements cuts the string at
// top-level semicolons (outside quotes, dollar quotes and comments),
// LooksExtension picks the pieces this parser owns, and Parse turns each
// into a Stmt; the other pieces go back to pg_query one by one. Errors are
// 42601 with the offending token, as PostgreSQL words them.
//
// A Stmt is immutable once parsed (it lives in the shared parse cache).
// The package imports only sql/types and sql/pgerror.
package extparse
