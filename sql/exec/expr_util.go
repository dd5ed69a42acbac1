package exec

import (
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// VariadicExpr calls fn with the fixed arguments and then every element
// of the array argument.
type VariadicExpr struct {
	Fn    *types.Func
	Fixed []Expr
	Arr   Expr
	Types []types.T // the fixed arguments' types, then the element type
}

func (e *VariadicExpr) Eval(rc *Ctx, row []types.Datum) (types.Datum, error) {
	vals := make([]types.Datum, 0, len(e.Fixed)+4)
	for _, a := range e.Fixed {
		v, err := a.Eval(rc, row)
		if err != nil {
			return nil, err
		}
		if v == nil && e.Fn.Strict {
			return nil, nil
		}
		vals = append(vals, v)
	}
	av, err := e.Arr.Eval(rc, row)
	if err != nil || av == nil {
		return nil, err // VARIADIC NULL: NULL, as in PostgreSQL
	}
	elem := e.Types[len(e.Types)-1]
	ts := e.Types[: len(e.Types)-1 : len(e.Types)-1]
	for _, v := range av.(types.Array).Elements {
		if v == nil && e.Fn.Strict {
			return nil, nil
		}
		vals = append(vals, v)
		ts = append(ts, elem)
	}
	if e.Fn.TypedFn != nil {
		return e.Fn.TypedFn(rc.Ev, ts, vals)
	}
	return e.Fn.Fn(rc.Ev, vals)
}

func (e *VariadicExpr) Type() types.T { return e.Fn.Ret }

var (
	UnknownT = types.T{OID: types.UnknownOID, Mod: -1}
	TextT    = types.T{OID: types.TextOID, Mod: -1}
	Int4T    = types.T{OID: types.Int4OID, Mod: -1}
	Int8T    = types.T{OID: types.Int8OID, Mod: -1}
	NumericT = types.T{OID: types.NumericOID, Mod: -1}
	Float8T  = types.T{OID: types.Float8OID, Mod: -1}
	OIDT     = types.T{OID: types.OidOID, Mod: -1}
	NameT    = types.T{OID: types.NameOID, Mod: -1}
)

func IsStringType(o types.OID) bool {
	return o == types.TextOID || o == types.VarcharOID || o == types.BpcharOID || o == types.NameOID || o == types.CharOID
}

// FieldExpr is one field of a record value.
type FieldExpr struct {
	E Expr
	I int
	T types.T
}

func (f *FieldExpr) Eval(rc *Ctx, row []types.Datum) (types.Datum, error) {
	v, err := f.E.Eval(rc, row)
	if err != nil || v == nil {
		return nil, err
	}
	r, ok := v.(types.Record)
	if !ok || f.I >= len(r.Values) {
		return nil, pgerror.New(pgerror.Internal, "field %d of a %T", f.I, v)
	}
	return r.Values[f.I], nil
}

func (f *FieldExpr) Type() types.T { return f.T }

// RowExpr is a row constructor, ROW(a, b, …) or a whole-row reference:
// a record of its arguments' values.
type RowExpr struct {
	Args []Expr
	T    types.T
}

func (r *RowExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	vals := make([]types.Datum, len(r.Args))
	for i, a := range r.Args {
		v, err := a.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return types.Record{Values: vals}, nil
}

func (r *RowExpr) Type() types.T { return r.T }

// DefaultMarker stands for DEFAULT in an INSERT's VALUES row.
type DefaultMarker struct{}

func (DefaultMarker) Eval(*Ctx, []types.Datum) (types.Datum, error) { return nil, nil }

func (DefaultMarker) Type() types.T { return UnknownT }

// IsVolatile reports whether e calls a volatile function (nextval, random,
// …) outside a sub-query: its value may change with each evaluation, so
// when and how often it is evaluated shows in the answer. Such a value
// never bounds an access path or prunes partitions: it is evaluated for
// each row, as PostgreSQL does.
func IsVolatile(e Expr) bool {
	v := false
	WalkExpr(e, func(x Expr) {
		switch f := x.(type) {
		case *FuncExpr:
			v = v || f.Fn.Volatile
		case *VariadicExpr:
			v = v || f.Fn.Volatile
		case *BuiltinExpr:
			v = v || VolatileBuiltins[f.Name]
		}
	})
	return v
}

// VolatileBuiltins are the volatile functions among the builtins.
var VolatileBuiltins = map[string]bool{"nextval": true, "currval": true, "setval": true, "lastval": true,
	"pg_advisory_lock": true, "pg_advisory_lock_shared": true, "pg_try_advisory_lock": true, "pg_try_advisory_lock_shared": true,
	"pg_advisory_xact_lock": true, "pg_advisory_xact_lock_shared": true, "pg_try_advisory_xact_lock": true,
	"pg_try_advisory_xact_lock_shared": true, "pg_advisory_unlock": true, "pg_advisory_unlock_shared": true,
	"pg_advisory_unlock_all": true}

// ExprCols reports the current-row columns an expression reads, and
// whether it has a sub-query (which may read any of them).
func ExprCols(e Expr, cols map[int]bool) (sub bool) {
	WalkExpr(e, func(x Expr) {
		switch c := x.(type) {
		case *ColExpr:
			cols[c.Idx] = true
		case *SubqueryExpr:
			sub = true
		}
	})
	return sub
}

// WalkExpr visits e and its children.
func WalkExpr(e Expr, fn func(Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch x := e.(type) {
	case *CastExpr:
		WalkExpr(x.E, fn)
	case *OpExpr:
		WalkExpr(x.L, fn)
		WalkExpr(x.R, fn)
	case *FuncExpr:
		for _, a := range x.Args {
			WalkExpr(a, fn)
		}
	case *BuiltinExpr:
		for _, a := range x.Args {
			WalkExpr(a, fn)
		}
	case *AndExpr:
		for _, a := range x.Args {
			WalkExpr(a, fn)
		}
	case *OrExpr:
		for _, a := range x.Args {
			WalkExpr(a, fn)
		}
	case *NotExpr:
		WalkExpr(x.E, fn)
	case *IsNullExpr:
		WalkExpr(x.E, fn)
	case *BoolTestExpr:
		WalkExpr(x.E, fn)
	case *DistinctExpr:
		WalkExpr(x.L, fn)
		WalkExpr(x.R, fn)
	case *CaseExpr:
		WalkExpr(x.Arg, fn)
		for _, a := range x.Whens {
			WalkExpr(a, fn)
		}
		for _, a := range x.Thens {
			WalkExpr(a, fn)
		}
		WalkExpr(x.Els, fn)
	case *CoalesceExpr:
		for _, a := range x.Args {
			WalkExpr(a, fn)
		}
	case *NullifExpr:
		WalkExpr(x.L, fn)
		WalkExpr(x.R, fn)
	case *MinMaxExpr:
		for _, a := range x.Args {
			WalkExpr(a, fn)
		}
	case *InListExpr:
		WalkExpr(x.L, fn)
		for _, a := range x.List {
			WalkExpr(a, fn)
		}
	case *AnyArrayExpr:
		WalkExpr(x.L, fn)
		WalkExpr(x.Arr, fn)
	case *ArrayExpr:
		for _, a := range x.Elems {
			WalkExpr(a, fn)
		}
	case *SubscriptExpr:
		WalkExpr(x.Arr, fn)
		for _, a := range x.Idx {
			WalkExpr(a, fn)
		}
	case *SliceExpr:
		WalkExpr(x.Arr, fn)
		for _, a := range x.Lo {
			WalkExpr(a, fn)
		}
		for _, a := range x.Hi {
			WalkExpr(a, fn)
		}
	case *AssignExpr:
		WalkExpr(x.Base, fn)
		for _, st := range x.Path {
			for _, a := range st.Lo {
				WalkExpr(a, fn)
			}
			for _, a := range st.Hi {
				WalkExpr(a, fn)
			}
		}
		WalkExpr(x.Val, fn)
	case *SubqueryExpr:
		WalkExpr(x.Test, fn)
		for _, t := range x.Tests {
			WalkExpr(t, fn)
		}
	case *RelabelExpr:
		WalkExpr(x.E, fn)
	case *VariadicExpr:
		for _, a := range x.Fixed {
			WalkExpr(a, fn)
		}
		WalkExpr(x.Arr, fn)
	case *FieldExpr:
		WalkExpr(x.E, fn)
	case *RowExpr:
		for _, a := range x.Args {
			WalkExpr(a, fn)
		}
	case *KeyEqExpr:
		WalkExpr(x.L, fn)
		WalkExpr(x.R, fn)
	}
}

func AndOf(es []Expr) Expr {
	if len(es) == 1 {
		return es[0]
	}
	return &AndExpr{Args: es}
}

// KeyCompatible reports whether values of a and b that are equal have the
// same key encoding (so hashing or key lookups by one find the other).
func KeyCompatible(a, b types.T) bool {
	if a.OID == types.RecordOID || b.OID == types.RecordOID {
		return false // compared field by field, with each field's operator
	}
	if a.OID == b.OID {
		return true
	}
	fam := func(o types.OID) int {
		switch o {
		case types.Int2OID, types.Int4OID, types.Int8OID, types.OidOID, types.RegclassOID, types.RegtypeOID:
			return 1
		case types.TextOID, types.VarcharOID, types.NameOID:
			return 2
		case types.Float4OID, types.Float8OID:
			return 3
		}
		return 0
	}
	fa := fam(a.OID)
	return fa != 0 && fa == fam(b.OID)
}
