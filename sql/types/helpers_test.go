package types

import (
	"testing"
	"time"

	"logdb/sql/pgerror"
)

func mustType(t *testing.T, name string) T {
	t.Helper()
	typ, err := typeFromSQLText(name)
	if err != nil {
		t.Fatalf("type %q: %v", name, err)
	}
	return typ
}

func mustParse(t *testing.T, typ T, s string) Datum {
	t.Helper()
	d, err := ParseText(typ, s)
	if err != nil {
		t.Fatalf("ParseText(%s, %q): %v", FormatType(typ), s, err)
	}
	return d
}

// arg is a typed value for calling functions and operators in tests; the
// text is parsed with the type's input function ("NULL" for NULL).
type arg struct {
	typ string
	val string
}

func a(typ, val string) arg { return arg{typ, val} }

func testCtx() *EvalContext {
	return &EvalContext{
		TxnTime:  time.Date(2024, 3, 15, 10, 11, 12, 0, time.UTC),
		StmtTime: time.Date(2024, 3, 15, 10, 11, 12, 0, time.UTC),
		Location: time.UTC,
	}
}

func (x arg) resolve(t *testing.T) (T, Datum) {
	t.Helper()
	typ := mustType(t, x.typ)
	if x.val == "NULL" {
		return typ, nil
	}
	return typ, mustParse(t, typ, x.val)
}

// callFunc resolves and calls name(args), returning the result as text
// ("NULL" for NULL) or the error.
func callFunc(t *testing.T, ctx *EvalContext, name string, args ...arg) (string, error) {
	t.Helper()
	types := make([]T, len(args))
	vals := make([]Datum, len(args))
	for i, x := range args {
		types[i], vals[i] = x.resolve(t)
	}
	f, err := LookupFunc(name, types)
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
		v, err := Cast(ctx, vals[i], types[i], f.Args[i], CastImplicit)
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
	return string(AppendTextLoc(nil, f.Ret, d, ctxLoc(ctx))), nil
}

func callOp(t *testing.T, ctx *EvalContext, l arg, name string, r arg) (string, T, error) {
	t.Helper()
	lt, lv := l.resolve(t)
	rt, rv := r.resolve(t)
	op, err := LookupBinaryOp(name, lt, rt)
	if err != nil {
		return "", T{}, err
	}
	if lv, err = Cast(ctx, lv, lt, op.Left, CastImplicit); err != nil {
		return "", op.Ret, err
	}
	if rv, err = Cast(ctx, rv, rt, op.Right, CastImplicit); err != nil {
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
	return string(AppendTextLoc(nil, op.Ret, d, ctxLoc(ctx))), op.Ret, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return pgerror.Code(err) + " " + err.Error()
}
