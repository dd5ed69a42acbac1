// Package pgerror is the error type of the SQL layer: an error with a
// PostgreSQL SQLSTATE. Code in sql and its subpackages returns *Error where
// the meaning of a failure is decided; pgwire turns it into an ErrorResponse.
// An error that is not an *Error reaches the client as XX000 (internal).
package pgerror
