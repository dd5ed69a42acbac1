package types

import (
	"math"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
)

func tt(oid OID) T { return T{OID: oid, Mod: -1} }

type opFn = func(ctx *EvalContext, l, r Datum) (Datum, error)

func binop(name string, l, r, ret OID, fn opFn) {
	RegisterBinaryOp(&Op{Name: name, Left: tt(l), Right: tt(r), Ret: tt(ret), Fn: fn})
}

func typedBinop(name string, l, r, ret OID, fn func(ctx *EvalContext, lt, rt T, l, r Datum) (Datum, error)) {
	RegisterBinaryOp(&Op{Name: name, Left: tt(l), Right: tt(r), Ret: tt(ret), TypedFn: fn})
}

func unop(name string, t, ret OID, fn func(ctx *EvalContext, v Datum) (Datum, error)) {
	RegisterUnaryOp(&Op{Name: name, Right: tt(t), Ret: tt(ret), Fn: func(ctx *EvalContext, _, r Datum) (Datum, error) { return fn(ctx, r) }})
}

// comparisonTypes have the six comparison operators between two values of the same type.
var comparisonTypes = []OID{
	Int2OID, Int4OID, Int8OID, Float4OID, Float8OID, NumericOID, BoolOID,
	TextOID, BpcharOID, NameOID, CharOID, ByteaOID, DateOID, TimeOID, TimestampOID,
	TimestamptzOID, IntervalOID, UUIDOID, PgLSNOID, JSONBOID, OidOID, XidOID, Xid8OID, AnyArrayOID,
	// regclass, regtype and regproc compare as oid, through their implicit casts
}

func registerComparisons(l, r OID) {
	cmp := func(name string, ok func(int) bool) {
		lt, rt := tt(l), tt(r)
		if l == AnyArrayOID {
			typedBinop(name, l, r, BoolOID, func(_ *EvalContext, lt, _ T, a, b Datum) (Datum, error) {
				return ok(Compare(lt, a, b)), nil
			})
			return
		}
		if l == r {
			binop(name, l, r, BoolOID, func(_ *EvalContext, a, b Datum) (Datum, error) { return ok(Compare(lt, a, b)), nil })
			return
		}
		// cross-type: compare in the wider type
		binop(name, l, r, BoolOID, func(_ *EvalContext, a, b Datum) (Datum, error) {
			return ok(compareCross(lt, rt, a, b)), nil
		})
	}
	cmp("=", func(c int) bool { return c == 0 })
	cmp("<>", func(c int) bool { return c != 0 })
	cmp("<", func(c int) bool { return c < 0 })
	cmp(">", func(c int) bool { return c > 0 })
	cmp("<=", func(c int) bool { return c <= 0 })
	cmp(">=", func(c int) bool { return c >= 0 })
}

// compareCross compares values of two numeric types (int×int, float4×float8).
func compareCross(lt, rt T, a, b Datum) int {
	switch x := a.(type) {
	case int64:
		return cmpInt(x, b.(int64))
	case float64:
		return cmpFloat(x, b.(float64))
	}
	return Compare(lt, a, b)
}

func init() {
	for _, t := range comparisonTypes {
		registerComparisons(t, t)
	}
	ints := []OID{Int2OID, Int4OID, Int8OID}
	for _, a := range ints {
		for _, b := range ints {
			if a != b {
				registerComparisons(a, b)
			}
		}
	}
	registerComparisons(Float4OID, Float8OID)
	registerComparisons(Float8OID, Float4OID)

	for _, t := range ints {
		t := t
		for _, op := range []byte{'+', '-', '*', '/', '%'} {
			op := op
			binop(string(op), t, t, t, func(_ *EvalContext, l, r Datum) (Datum, error) { return intArith(t, op, l.(int64), r.(int64)) })
		}
		for _, op := range []string{"&", "|", "#"} {
			op := op
			binop(op, t, t, t, func(_ *EvalContext, l, r Datum) (Datum, error) {
				a, b := l.(int64), r.(int64)
				switch op {
				case "&":
					return a & b, nil
				case "|":
					return a | b, nil
				}
				return a ^ b, nil
			})
		}
		binop("<<", t, Int4OID, t, func(_ *EvalContext, l, r Datum) (Datum, error) { return intShift(t, l.(int64), r.(int64), true), nil })
		binop(">>", t, Int4OID, t, func(_ *EvalContext, l, r Datum) (Datum, error) { return intShift(t, l.(int64), r.(int64), false), nil })
		unop("-", t, t, func(_ *EvalContext, v Datum) (Datum, error) { return intArith(t, '-', 0, v.(int64)) })
		unop("+", t, t, func(_ *EvalContext, v Datum) (Datum, error) { return v, nil })
		unop("~", t, t, func(_ *EvalContext, v Datum) (Datum, error) { return ^v.(int64), nil })
		unop("@", t, t, func(_ *EvalContext, v Datum) (Datum, error) {
			if v.(int64) < 0 {
				return intArith(t, '-', 0, v.(int64))
			}
			return v, nil
		})
	}
	// cross-width integer arithmetic resolves to the wider type through implicit casts
	floats := [][3]OID{{Float4OID, Float4OID, Float4OID}, {Float8OID, Float8OID, Float8OID}, {Float4OID, Float8OID, Float8OID}, {Float8OID, Float4OID, Float8OID}}
	for _, f := range floats {
		ret := f[2]
		for _, op := range []byte{'+', '-', '*', '/'} {
			op := op
			binop(string(op), f[0], f[1], ret, func(_ *EvalContext, l, r Datum) (Datum, error) { return floatArith(ret, op, l.(float64), r.(float64)) })
		}
	}
	binop("^", Float8OID, Float8OID, Float8OID, func(_ *EvalContext, l, r Datum) (Datum, error) { return floatPow(l.(float64), r.(float64)) })
	for _, t := range []OID{Float4OID, Float8OID} {
		unop("-", t, t, func(_ *EvalContext, v Datum) (Datum, error) { return -v.(float64), nil })
		unop("+", t, t, func(_ *EvalContext, v Datum) (Datum, error) { return v, nil })
		unop("@", t, t, func(_ *EvalContext, v Datum) (Datum, error) { return math.Abs(v.(float64)), nil })
	}
	for _, op := range []byte{'+', '-', '*', '/', '%', '^'} {
		op := op
		binop(string(op), NumericOID, NumericOID, NumericOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
			return numericArith(op, l.(*apd.Decimal), r.(*apd.Decimal))
		})
	}
	unop("-", NumericOID, NumericOID, func(_ *EvalContext, v Datum) (Datum, error) {
		d := v.(*apd.Decimal)
		if d.Form == apd.NaN {
			return d, nil
		}
		r := new(apd.Decimal).Neg(d)
		normalizeZero(r)
		return r, nil
	})
	unop("+", NumericOID, NumericOID, func(_ *EvalContext, v Datum) (Datum, error) { return v, nil })
	unop("@", NumericOID, NumericOID, func(_ *EvalContext, v Datum) (Datum, error) { return new(apd.Decimal).Abs(v.(*apd.Decimal)), nil })

	binop("-", PgLSNOID, PgLSNOID, NumericOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		a, b := l.(LSN), r.(LSN)
		var d apd.Decimal
		d.Coeff.SetUint64(uint64(a))
		var e apd.Decimal
		e.Coeff.SetUint64(uint64(b))
		return numericArith('-', &d, &e)
	})
}

// NegateInt is the unary minus of an int2, int4 or int8 (22003 when the
// result is out of the type's range).
func NegateInt(t OID, v int64) (Datum, error) { return intArith(t, '-', 0, v) }

func intArith(t OID, op byte, a, b int64) (Datum, error) {
	lo, hi := intRange(t)
	var r int64
	switch op {
	case '+':
		r = a + b
		if (r > a) != (b > 0) {
			return nil, errIntRange(t)
		}
	case '-':
		r = a - b
		if (r < a) != (b > 0) {
			return nil, errIntRange(t)
		}
	case '*':
		r = a * b
		if a != 0 && (r/a != b || a == -1 && b == math.MinInt64 || b == -1 && a == math.MinInt64) {
			return nil, errIntRange(t)
		}
	case '/':
		if b == 0 {
			return nil, errDivByZero()
		}
		if b == -1 {
			if a == lo {
				return nil, errIntRange(t)
			}
			return -a, nil
		}
		r = a / b
	case '%':
		if b == 0 {
			return nil, errDivByZero()
		}
		if b == -1 {
			return int64(0), nil
		}
		r = a % b
	}
	if r < lo || r > hi {
		return nil, errIntRange(t)
	}
	return r, nil
}

func intShift(t OID, a, n int64, left bool) Datum {
	w := uint(64)
	switch t {
	case Int2OID:
		w = 16
	case Int4OID:
		w = 32
	}
	s := uint(n) % w
	var r int64
	if left {
		r = a << s
	} else {
		r = a >> s
	}
	switch t {
	case Int2OID:
		return int64(int16(r))
	case Int4OID:
		return int64(int32(r))
	}
	return r
}

func errFloatOverflow() error {
	return pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: overflow")
}

func errFloatUnderflow() error {
	return pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: underflow")
}

func floatArith(ret OID, op byte, a, b float64) (Datum, error) {
	var r float64
	switch op {
	case '+':
		r = a + b
	case '-':
		r = a - b
	case '*':
		r = a * b
		if r == 0 && a != 0 && b != 0 {
			return nil, errFloatUnderflow()
		}
	case '/':
		if b == 0 {
			return nil, errDivByZero()
		}
		r = a / b
		if r == 0 && a != 0 && !math.IsInf(b, 0) {
			return nil, errFloatUnderflow()
		}
	}
	if ret == Float4OID {
		r = float64(float32(r))
	}
	if math.IsInf(r, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
		return nil, errFloatOverflow()
	}
	return r, nil
}

func floatPow(a, b float64) (Datum, error) {
	if a == 0 && b < 0 {
		return nil, pgerror.New("2201F", "zero raised to a negative power is undefined")
	}
	if a < 0 && b != math.Trunc(b) && !math.IsInf(b, 0) {
		return nil, pgerror.New("2201F", "a negative number raised to a non-integer power yields a complex result")
	}
	r := math.Pow(a, b)
	if math.IsInf(r, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
		return nil, errFloatOverflow()
	}
	if r == 0 && a != 0 && !math.IsInf(b, 0) {
		return nil, errFloatUnderflow()
	}
	return r, nil
}
