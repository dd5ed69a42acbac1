package types

import (
	"fmt"
	"time"
)

// OID is a PostgreSQL object identifier; type OIDs are PostgreSQL's own
// (pg_type.oid), so drivers decode results without a catalog round trip.
type OID = uint32

// Type OIDs, as in PostgreSQL's pg_type.
const (
	UnknownOID     OID = 705
	BoolOID        OID = 16
	ByteaOID       OID = 17
	CharOID        OID = 18 // "char", one byte
	NameOID        OID = 19
	Int8OID        OID = 20
	Int2OID        OID = 21
	Int2VectorOID  OID = 22
	Int4OID        OID = 23
	RegprocOID     OID = 24
	TextOID        OID = 25
	OidOID         OID = 26
	XidOID         OID = 28
	OidVectorOID   OID = 30
	JSONOID        OID = 114
	PgNodeTreeOID  OID = 194
	Float4OID      OID = 700
	Float8OID      OID = 701
	BpcharOID      OID = 1042
	VarcharOID     OID = 1043
	DateOID        OID = 1082
	TimeOID        OID = 1083
	TimestampOID   OID = 1114
	TimestamptzOID OID = 1184
	IntervalOID    OID = 1186
	NumericOID     OID = 1700
	RegclassOID    OID = 2205
	RegtypeOID     OID = 2206
	UUIDOID        OID = 2950
	PgLSNOID       OID = 3220
	JSONBOID       OID = 3802
	VoidOID        OID = 2278
	RecordOID      OID = 2249
	AnyOID         OID = 2276
	// Array types.
	BoolArrayOID        OID = 1000
	ByteaArrayOID       OID = 1001
	NameArrayOID        OID = 1003
	Int2ArrayOID        OID = 1005
	Int4ArrayOID        OID = 1007
	TextArrayOID        OID = 1009
	VarcharArrayOID     OID = 1015
	Int8ArrayOID        OID = 1016
	Float4ArrayOID      OID = 1021
	Float8ArrayOID      OID = 1022
	OidArrayOID         OID = 1028
	CharArrayOID        OID = 1002
	BpcharArrayOID      OID = 1014
	DateArrayOID        OID = 1182
	TimestampArrayOID   OID = 1115
	TimestamptzArrayOID OID = 1185
	NumericArrayOID     OID = 1231
	UUIDArrayOID        OID = 2951
	JSONArrayOID        OID = 199
	JSONBArrayOID       OID = 3807
)

// T is a SQL type: its OID and its type modifier as PostgreSQL stores it
// (atttypmod: -1 for none; varchar(n)/bpchar(n) → n+4; numeric(p,s) →
// ((p<<16)|s)+4). T is comparable and is used as a map key.
type T struct {
	OID OID
	Mod int32
}

// tt is the type oid without a typmod.
func tt(oid OID) T { return T{OID: oid, Mod: -1} }

// Datum is one SQL value; nil is NULL. See the package documentation for the
// Go type that stands for each SQL type.
type Datum = any

// JSON is a json value: the text exactly as it was given.
type JSON string

// JSONB is a jsonb value in canonical text form, as PostgreSQL prints it:
// object keys unique, sorted by length then bytes, `{"a": 1, "b": [1, 2]}`.
type JSONB string

// Date is a date: days since 2000-01-01.
type Date int32

// Interval is a PostgreSQL interval.
type Interval struct {
	Months int32
	Days   int32
	Micros int64
}

// UUID is a uuid value.
type UUID [16]byte

// LSN is a pg_lsn value; it prints as X/Y (two hex halves).
type LSN uint64

func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint32(l)) }

// Array is an SQL array. Elem is the element type; elements may be nil
// (NULL). Elements are in row-major order; Dims gives the shape when it is
// not the plain one (see array_shape.go): nil means one dimension of
// len(Elements) with lower bound 1, or no dimensions when Elements is
// empty. Code that builds an array of its own makes a plain one.
type Array struct {
	Elem     T
	Elements []Datum
	Dims     []ArrayDim
}

// pgEpoch is 2000-01-01 UTC, PostgreSQL's epoch for dates and timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
