package builtins

import (
	"math"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// comparisonTypes have the six comparison operators between two values of the same type.
var comparisonTypes = []types.OID{
	types.Int2OID, types.Int4OID, types.Int8OID, types.Float4OID, types.Float8OID, types.NumericOID, types.BoolOID,
	types.TextOID, types.BpcharOID, types.NameOID, types.CharOID, types.ByteaOID, types.DateOID, types.TimeOID, types.TimestampOID,
	types.TimestamptzOID, types.IntervalOID, types.UUIDOID, types.PgLSNOID, types.JSONBOID, types.OidOID, types.XidOID, types.Xid8OID, types.AnyArrayOID, types.AnyEnumOID,
	types.BitOID,
	// regclass, regtype and regproc compare as oid, through their implicit casts
}

func registerComparisons(l, r types.OID) {
	cmp := func(name string, ok func(int) bool) {
		lt := tt(l)
		if l == types.AnyArrayOID {
			typedBinop(name, l, r, types.BoolOID, func(_ *types.EvalContext, lt, _ types.T, a, b types.Datum) (types.Datum, error) {
				return ok(types.Compare(lt, a, b)), nil
			})
			return
		}
		// cross-type pairs (int2 × int8, float4 × float8) hold one Go type,
		// which Compare orders as the wider type does
		binop(name, l, r, types.BoolOID, func(_ *types.EvalContext, a, b types.Datum) (types.Datum, error) {
			return ok(types.Compare(lt, a, b)), nil
		})
	}
	cmp("=", func(c int) bool { return c == 0 })
	cmp("<>", func(c int) bool { return c != 0 })
	cmp("<", func(c int) bool { return c < 0 })
	cmp(">", func(c int) bool { return c > 0 })
	cmp("<=", func(c int) bool { return c <= 0 })
	cmp(">=", func(c int) bool { return c >= 0 })
}

func registerOps() {
	for _, t := range comparisonTypes {
		registerComparisons(t, t)
	}
	ints := []types.OID{types.Int2OID, types.Int4OID, types.Int8OID}
	for _, a := range ints {
		for _, b := range ints {
			if a != b {
				registerComparisons(a, b)
			}
		}
	}
	registerComparisons(types.Float4OID, types.Float8OID)
	registerComparisons(types.Float8OID, types.Float4OID)

	for _, t := range ints {
		t := t
		for _, op := range []byte{'+', '-', '*', '/', '%'} {
			op := op
			binop(string(op), t, t, t, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
				return intArith(t, op, l.(int64), r.(int64))
			})
		}
		for _, op := range []string{"&", "|", "#"} {
			op := op
			binop(op, t, t, t, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
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
		binop("<<", t, types.Int4OID, t, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
			return intShift(t, l.(int64), r.(int64), true), nil
		})
		binop(">>", t, types.Int4OID, t, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
			return intShift(t, l.(int64), r.(int64), false), nil
		})
		unop("-", t, t, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) { return intArith(t, '-', 0, v.(int64)) })
		unop("+", t, t, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) { return v, nil })
		unop("~", t, t, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) { return ^v.(int64), nil })
		unop("@", t, t, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) {
			if v.(int64) < 0 {
				return intArith(t, '-', 0, v.(int64))
			}
			return v, nil
		})
	}
	// cross-width integer arithmetic resolves to the wider type through implicit casts
	floats := [][3]types.OID{{types.Float4OID, types.Float4OID, types.Float4OID}, {types.Float8OID, types.Float8OID, types.Float8OID}, {types.Float4OID, types.Float8OID, types.Float8OID}, {types.Float8OID, types.Float4OID, types.Float8OID}}
	for _, f := range floats {
		ret := f[2]
		for _, op := range []byte{'+', '-', '*', '/'} {
			op := op
			binop(string(op), f[0], f[1], ret, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
				return floatArith(ret, op, l.(float64), r.(float64))
			})
		}
	}
	binop("^", types.Float8OID, types.Float8OID, types.Float8OID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return floatPow(l.(float64), r.(float64))
	})
	for _, t := range []types.OID{types.Float4OID, types.Float8OID} {
		unop("-", t, t, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) { return -v.(float64), nil })
		unop("+", t, t, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) { return v, nil })
		unop("@", t, t, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) { return math.Abs(v.(float64)), nil })
	}
	for _, op := range []byte{'+', '-', '*', '/', '%', '^'} {
		op := op
		binop(string(op), types.NumericOID, types.NumericOID, types.NumericOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
			return numericArith(op, l.(*apd.Decimal), r.(*apd.Decimal))
		})
	}
	unop("-", types.NumericOID, types.NumericOID, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) {
		d := v.(*apd.Decimal)
		if d.Form == apd.NaN {
			return d, nil
		}
		r := new(apd.Decimal).Neg(d)
		types.NormalizeNumericZero(r)
		return r, nil
	})
	unop("+", types.NumericOID, types.NumericOID, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) { return v, nil })
	unop("@", types.NumericOID, types.NumericOID, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) {
		return new(apd.Decimal).Abs(v.(*apd.Decimal)), nil
	})

	binop("-", types.PgLSNOID, types.PgLSNOID, types.NumericOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		a, b := l.(types.LSN), r.(types.LSN)
		var d apd.Decimal
		d.Coeff.SetUint64(uint64(a))
		var e apd.Decimal
		e.Coeff.SetUint64(uint64(b))
		return numericArith('-', &d, &e)
	})
}

// errIntRange is 22003 for a result beyond an integer type.
func errIntRange(t types.OID) error {
	switch t {
	case types.Int2OID:
		return pgerror.New(pgerror.NumericValueOutOfRange, "smallint out of range")
	case types.Int8OID:
		return pgerror.New(pgerror.NumericValueOutOfRange, "bigint out of range")
	}
	return pgerror.New(pgerror.NumericValueOutOfRange, "integer out of range")
}

// intRange is the range of int2, int4 or int8.
func intRange(t types.OID) (lo, hi int64) {
	switch t {
	case types.Int2OID:
		return math.MinInt16, math.MaxInt16
	case types.Int4OID:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func intArith(t types.OID, op byte, a, b int64) (types.Datum, error) {
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

func intShift(t types.OID, a, n int64, left bool) types.Datum {
	w := uint(64)
	switch t {
	case types.Int2OID:
		w = 16
	case types.Int4OID:
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
	case types.Int2OID:
		return int64(int16(r))
	case types.Int4OID:
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

func floatArith(ret types.OID, op byte, a, b float64) (types.Datum, error) {
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
	if ret == types.Float4OID {
		r = float64(float32(r))
	}
	if math.IsInf(r, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
		return nil, errFloatOverflow()
	}
	return r, nil
}

func floatPow(a, b float64) (types.Datum, error) {
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
