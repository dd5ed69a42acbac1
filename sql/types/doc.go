// Package types owns SQL values: which Go value stands for each PostgreSQL
// type, parsing and printing them in text and binary wire formats, casts,
// comparison, the registry and overload resolution of functions and
// operators, and the two byte encodings used in storage (order-preserving
// keys and compact rows). The functions and operators themselves are
// sql/builtins; the tree of a json document is sql/types/jsondoc.
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
//	jsonpath                                   → string (the path as PostgreSQL prints it; its input
//	                                             function is installed by sql/builtins: SetJSONPathInput)
//	bytea                                      → []byte (never mutated after creation)
//	date                                       → Date (days since 2000-01-01, PostgreSQL's epoch)
//	timestamp                                  → time.Time in UTC, wall clock as given
//	timestamptz                                → time.Time in UTC
//	time                                       → TimeOfDay (microseconds since midnight)
//	interval                                   → Interval
//	uuid                                       → UUID
//	pg_lsn                                     → LSN
//	bit(n)                                     → Bits ('0'/'1' bytes, bits.go)
//	arrays (text[], int8[], oid[], …)          → Array
//	enums (CREATE TYPE … AS ENUM)              → Enum (label and sort order)
//	records, composite types (CREATE TYPE … AS (…)) → Record
//
// 'infinity' and '-infinity' are DateInfinity/DateNegInfinity for dates and
// TimestampInfinity/TimestampNegInfinity (compare with Equal) for timestamps.
// Arrays have up to 6 dimensions and any lower bounds (array_shape.go):
// Array.Dims is nil for the plain shape (one dimension from 1), so code
// that builds arrays of its own makes plain ones, and code that must keep
// a shape (casts, element-wise maps) copies Dims.
//
// # Text, binary, keys and rows
//
// ParseText/ParseTextCtx and AppendText/AppendTextLoc are the type input and
// output functions (PostgreSQL 15's formats, DateStyle ISO/MDY, IntervalStyle
// postgres, extra_float_digits 1); AppendTextStyled prints in a session's
// IntervalStyle and bytea_output (text_style.go). ParseText applies the typmod as an
// assignment would (varchar(3) rejects "abcd"); explicit casts go through
// Cast. DecodeBinary/AppendBinary are the binary wire formats.
//
// AppendKey is an order-preserving encoding for index keys (NULL first, each
// value self-delimiting, equal values encode equal: 1.5 = 1.50, 0 = -0,
// '1 mon' = '30 days', bpchar ignores trailing spaces). DecodeKey therefore
// returns a canonical member of the equality class (numeric scale and
// interval months are not kept); read displayed values from the row.
// AppendRow/DecodeRow are the stored row format, keyed by column ID so that
// ADD/DROP COLUMN rewrite nothing. Both formats are part of the durable log:
// change them only with a version bump. An array that is not plain adds
// its shape in a form no plain array's encoding can take (a count with
// bit 48 set in a row, a 0x03 byte after the end mark in a key), so the
// values written before shapes existed read as they always did.
//
// # Functions and operators
//
// Functions and operators live in a registry that other packages fill at
// init (RegisterFunc, RegisterBinaryOp, RegisterUnaryOp): sql/builtins (the
// library: every built-in scalar function and operator), sql/pgcatalog
// (catalog functions) and sql (set-returning and session functions). This
// package defines none and imports none of them, so a caller that resolves
// calls imports sql/builtins. The library uses this package's exported API
// only; the few exports that exist for it are value properties it shares
// with casts and storage (RoundNumeric, NumericInRange, MinTimestamp and
// MaxTimestamp, NormalizeUnit, JSONDocument, AppendToJSON). LookupFunc,
// LookupBinaryOp and LookupUnaryOp resolve overloads the way PostgreSQL does
// (exact match, implicit casts, preferred types, unknown literals as text)
// and return a copy whose Args/Left/Right are the concrete types the caller
// must cast the arguments to; polymorphic (anyelement, anyarray) and "any"
// parameters are bound to the actual types, so callers only ever call Fn.
// Set-returning functions (unnest, jsonb_object_keys, generate_series,
// jsonb_each) are not here: the engine owns them.
//
// # User types
//
// Enum and domain types live in the catalog (sql/catalog), which this
// package does not import: the catalog registers each type it loads with
// RegisterUserType (enum.go), a process-wide registry by OID (OIDs are
// never reused; a descriptor's Rev orders its versions, so a catalog read
// at an older snapshot cannot take labels back). InfoOf, ArrayOf,
// FormatType, input and output, casts (text ↔ enum, unknown → enum),
// comparison and the key and row encodings consult it. An enum value is
// stored and indexed by its sort order (pg_enum.enumsortorder), so
// RENAME VALUE rewrites nothing and indexes keep declaration order. A
// domain has no values of its own: columns and casts use its base type,
// and the engine checks the domain's constraints (exec.DomainCheck). A
// composite type's values are Records typed by its OID (composite.go):
// RecordFields reads its fields from the registry.
// 'name'::regtype at run time asks the session (UserTypeResolver).
//
// Every exported function is safe for concurrent use; values are immutable.
package types
