package types

// This file lists the package's API. Bodies are filled in by the files that
// own each concern; signatures here are the contract other packages use.

import (
	"time"
)

// Info describes a type as pg_type does.
type Info struct {
	OID      OID
	Name     string // pg_type.typname: "int4", "varchar", "_text"
	Len      int16  // typlen: 4, 8, -1 (varlena), -2 (cstring)
	Category byte   // typcategory: 'N' numeric, 'S' string, 'B' bool, 'D' datetime, 'U' user, 'A' array, ...
	Elem     OID    // element type for arrays, else 0
	Array    OID    // array type of this type, or 0
	ByVal    bool
	Align    byte
}

// CastContext says how a cast was asked for, as PostgreSQL's pg_cast.castcontext.
type CastContext byte

const (
	CastImplicit   CastContext = 'i'
	CastAssignment CastContext = 'a'
	CastExplicit   CastContext = 'e'
)

// EvalContext is what a function or operator may read from the statement
// that evaluates it. Fields are set by the sql package.
type EvalContext struct {
	TxnTime  time.Time      // now(), current_timestamp: start of the transaction
	StmtTime time.Time      // statement_timestamp()
	Location *time.Location // session TimeZone
	Style    TextStyle      // IntervalStyle and bytea_output, for casts to text
	// DateOrder is DateStyle's input order for dates written in numbers.
	DateOrder DateOrder
	User      string // current_user
	// Superuser: the current role is a superuser (functions only
	// superusers may call check it).
	Superuser bool
	Database  string // current_database()
	Session   any    // the sql package's session, for functions it registers
}

// Func is one overload of a scalar function.
type Func struct {
	Name     string
	Args     []T  // argument types; {OID: AnyOID} accepts any type
	Variadic bool // the last argument repeats
	Ret      T    // result type, unless RetFunc is set
	RetFunc  func(args []T) T
	Strict   bool // any NULL argument gives NULL without calling Fn
	Volatile bool // result may differ between calls with the same arguments
	Fn       func(ctx *EvalContext, args []Datum) (Datum, error)
	// TypedFn, when set instead of Fn, also receives the resolved argument
	// types (for "any" arguments: concat, format, to_json, pg_typeof).
	// LookupFunc returns a copy whose Fn calls it, so callers only use Fn.
	TypedFn func(ctx *EvalContext, types []T, args []Datum) (Datum, error)
}

// Op is a resolved operator: its arguments are first cast to Left/Right.
type Op struct {
	Name        string
	Left, Right T // argument types after implicit casts (Left.OID==0 for prefix ops)
	Ret         T
	Fn          func(ctx *EvalContext, l, r Datum) (Datum, error) // not called with NULL arguments unless NullAware
	NullAware   bool
	// TypedFn, when set instead of Fn, also receives the argument types;
	// LookupBinaryOp returns a copy whose Fn calls it.
	TypedFn func(ctx *EvalContext, lt, rt T, l, r Datum) (Datum, error)
}
