package builtins

import (
	"strings"
	"testing"
	"time"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// arg is a typed value for calling functions and operators in tests; the
// text is parsed with the type's input function ("NULL" for NULL).
type arg struct {
	typ string
	val string
}

func a(typ, val string) arg { return arg{typ, val} }

func (x arg) resolve(t *testing.T) (types.T, types.Datum) {
	t.Helper()
	typ := mustType(t, x.typ)
	if x.val == "NULL" {
		return typ, nil
	}
	return typ, mustParse(t, typ, x.val)
}

// callFunc resolves and calls name(args), returning the result as text
// ("NULL" for NULL) or the error.
func callFunc(t *testing.T, ctx *types.EvalContext, name string, args ...arg) (string, error) {
	t.Helper()
	ts := make([]types.T, len(args))
	vals := make([]types.Datum, len(args))
	for i, x := range args {
		ts[i], vals[i] = x.resolve(t)
	}
	f, err := types.LookupFunc(name, ts)
	if err != nil {
		return "", err
	}
	for i := range vals {
		if vals[i] == nil {
			if f.Strict {
				return "NULL", nil
			}
			continue
		}
		v, err := types.Cast(ctx, vals[i], ts[i], f.Args[i], types.CastImplicit)
		if err != nil {
			return "", err
		}
		vals[i] = v
	}
	d, err := f.Fn(ctx, vals)
	if err != nil {
		return "", err
	}
	if d == nil {
		return "NULL", nil
	}
	return string(types.AppendTextLoc(nil, f.Ret, d, ctx.Location)), nil
}

func callOp(t *testing.T, ctx *types.EvalContext, l arg, name string, r arg) (string, types.T, error) {
	t.Helper()
	lt, lv := l.resolve(t)
	rt, rv := r.resolve(t)
	op, err := types.LookupBinaryOp(name, lt, rt)
	if err != nil {
		return "", types.T{}, err
	}
	if lv, err = types.Cast(ctx, lv, lt, op.Left, types.CastImplicit); err != nil {
		return "", op.Ret, err
	}
	if rv, err = types.Cast(ctx, rv, rt, op.Right, types.CastImplicit); err != nil {
		return "", op.Ret, err
	}
	if (lv == nil || rv == nil) && !op.NullAware {
		return "NULL", op.Ret, nil
	}
	d, err := op.Fn(ctx, lv, rv)
	if err != nil {
		return "", op.Ret, err
	}
	if d == nil {
		return "NULL", op.Ret, nil
	}
	return string(types.AppendTextLoc(nil, op.Ret, d, ctx.Location)), op.Ret, nil
}

// testCtx is a statement's context with the clock pinned (the expected
// values were computed at this time, TimeZone UTC).
func testCtx() *types.EvalContext {
	return &types.EvalContext{
		TxnTime:  time.Date(2024, 3, 15, 10, 11, 12, 0, time.UTC),
		StmtTime: time.Date(2024, 3, 15, 10, 11, 12, 0, time.UTC),
		Location: time.UTC,
	}
}

func mustType(t *testing.T, name string) types.T {
	t.Helper()
	n := strings.TrimSpace(strings.ToLower(name))
	dims := 0
	for strings.HasSuffix(n, "[]") {
		n = strings.TrimSuffix(n, "[]")
		dims++
	}
	typ, err := types.TypeFromName(n, nil, dims)
	if err != nil {
		t.Fatalf("type %q: %v", name, err)
	}
	return typ
}

func mustParse(t *testing.T, typ types.T, s string) types.Datum {
	t.Helper()
	d, err := types.ParseText(typ, s)
	if err != nil {
		t.Fatalf("ParseText(%s, %q): %v", types.FormatType(typ), s, err)
	}
	return d
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return pgerror.Code(err) + " " + err.Error()
}
