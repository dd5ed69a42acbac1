package builtins

import (
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// init registers the library. Overloads of one name are kept in
// registration order, which fixes pg_proc's OIDs and decides an
// exact-match tie, so this order is part of the catalog: a definition
// moved here from sql/types keeps its place.
func init() {
	registerAnyFuncs()
	registerJSONFuncs()
	registerMathFuncs()
	registerTimeFuncs()
	registerOps()
	registerTimeOps()
	registerTextOps()
	registerJSONOps()
	registerLikeFuncs()
	registerArrayFuncs()
	registerArrayOps()
	registerMoreFuncs()
	registerStringFuncs()
	registerRegexpFuncs()
	registerMiscFuncs()
	registerJSONPathFuncs()
	registerSetFuncSupport()
}

// The helpers below keep the definitions short: a definition is a name,
// argument and result OIDs and a body; RegisterFunc and RegisterBinaryOp in
// sql/types hold the registry.

type fnBody = func(ctx *types.EvalContext, args []types.Datum) (types.Datum, error)

func tt(oid types.OID) types.T { return types.T{OID: oid, Mod: -1} }

func oids(o ...types.OID) []types.OID { return o }

// def registers a strict, immutable overload.
func def(name string, ret types.OID, args []types.OID, fn fnBody) *types.Func {
	f := &types.Func{Name: name, Ret: tt(ret), Strict: true, Fn: fn}
	for _, a := range args {
		f.Args = append(f.Args, tt(a))
	}
	types.RegisterFunc(f)
	return f
}

// defTyped registers a strict, immutable overload whose body sees the argument types.
func defTyped(name string, ret types.OID, args []types.OID, fn func(ctx *types.EvalContext, ts []types.T, args []types.Datum) (types.Datum, error)) *types.Func {
	f := &types.Func{Name: name, Ret: tt(ret), Strict: true, TypedFn: fn}
	for _, a := range args {
		f.Args = append(f.Args, tt(a))
	}
	types.RegisterFunc(f)
	return f
}

func binop(name string, l, r, ret types.OID, fn func(ctx *types.EvalContext, l, r types.Datum) (types.Datum, error)) {
	types.RegisterBinaryOp(&types.Op{Name: name, Left: tt(l), Right: tt(r), Ret: tt(ret), Fn: fn})
}

func typedBinop(name string, l, r, ret types.OID, fn func(ctx *types.EvalContext, lt, rt types.T, l, r types.Datum) (types.Datum, error)) {
	types.RegisterBinaryOp(&types.Op{Name: name, Left: tt(l), Right: tt(r), Ret: tt(ret), TypedFn: fn})
}

func unop(name string, t, ret types.OID, fn func(ctx *types.EvalContext, v types.Datum) (types.Datum, error)) {
	types.RegisterUnaryOp(&types.Op{Name: name, Right: tt(t), Ret: tt(ret), Fn: func(ctx *types.EvalContext, _, r types.Datum) (types.Datum, error) { return fn(ctx, r) }})
}

func str(d types.Datum) string       { return d.(string) }
func i64(d types.Datum) int64        { return d.(int64) }
func f64(d types.Datum) float64      { return d.(float64) }
func dec(d types.Datum) *apd.Decimal { return d.(*apd.Decimal) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// trimBpchar drops the trailing spaces that bpchar comparisons and length ignore.
func trimBpchar(s string) string {
	n := len(s)
	for n > 0 && s[n-1] == ' ' {
		n--
	}
	return s[:n]
}

// ctxLoc is the session's time zone (UTC without one).
func ctxLoc(ctx *types.EvalContext) *time.Location {
	if ctx == nil || ctx.Location == nil {
		return time.UTC
	}
	return ctx.Location
}

func errDivByZero() error { return pgerror.New(pgerror.DivisionByZero, "division by zero") }

// textOf is a value's text output in the session's zone (format, concat).
func textOf(ctx *types.EvalContext, t types.T, d types.Datum) string {
	if s, ok := d.(string); ok {
		return s
	}
	loc, st := time.UTC, types.TextStyle{}
	if ctx != nil {
		if ctx.Location != nil {
			loc = ctx.Location
		}
		st = ctx.Style
	}
	return string(types.AppendTextStyled(nil, t, d, loc, st))
}
