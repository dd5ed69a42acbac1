// Package types owns SQL values: which Go value stands for each PostgreSQL
// type, parsing and printing them in text and binary wire formats, casts,
// comparison, operators, the scalar function library, and the two byte
// encodings used in storage (order-preserving keys and compact rows).
//
// # Values
//
// A Datum is one SQL value; nil is NULL. The Go type of a non-NULL Datum is
// fixed by the SQL type's family, never by the SQL type itself, so the SQL
// type travels beside the value (in a Type), not inside it:
//
//	int2, int4, int8, oid, regclass, regtype, regproc, xid  → int64
//	float4, float8                             → float64
//	numeric                                    → *apd.Decimal (never mutated after creation)
//	bool                                       → bool
//	text, varchar, bpchar, name, char, unknown → string
//	json                                       → JSON (the text as given)
//	jsonb                                      → JSONB (canonical text, as PostgreSQL prints jsonb)
//	bytea                                      → []byte (never mutated after creation)
//	date                                       → Date (days since 2000-01-01, PostgreSQL's epoch)
//	timestamp                                  → time.Time in UTC, wall clock as given
//	timestamptz                                → time.Time in UTC
//	interval                                   → Interval
//	uuid                                       → UUID
//	pg_lsn                                     → LSN
//	arrays (text[], int8[], oid[], …)          → Array
//
// Every exported function is safe for concurrent use; values are immutable.
package types
