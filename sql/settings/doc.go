// Package settings holds the run-time parameters a session can SHOW and
// SET (PostgreSQL's GUCs as logdb knows them): their definitions (Defs:
// name, default, type, unit, description for pg_settings, whether a change
// is reported to the client in ParameterStatus), the checks that normalize
// a value or fail with 22023/42704 as PostgreSQL does, and one session's
// values (Settings), including the parsed TimeZone and DateStyle.
//
// Package sql owns the semantics around them: SET LOCAL and the undo of SET
// in a rolled-back transaction, ALTER ROLE … SET, startup options.
package settings
