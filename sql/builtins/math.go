package builtins

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// estimateLnDweight is estimate_ln_dweight from numeric.c.
func estimateLnDweight(d *apd.Decimal) int64 {
	one := apd.New(1, 0)
	if d.Cmp(apd.New(9, -1)) >= 0 && d.Cmp(apd.New(11, -1)) <= 0 {
		var x apd.Decimal
		exactCtx.Sub(&x, d, one)
		if x.Coeff.Sign() == 0 {
			return 0
		}
		return decimalWeight(&x)
	}
	if d.Coeff.Sign() == 0 {
		return 0
	}
	// ln(d) ~= ln(leading digits) + weight * ln(10)
	var tmp [40]byte
	digits := d.Coeff.Append(tmp[:0], 10)
	n := min(len(digits), 15)
	m, _ := strconv.ParseFloat(string(digits[:n]), 64)
	lnVar := math.Log(m) + float64(int64(len(digits)-n)+int64(d.Exponent))*math.Ln10
	return int64(math.Log10(math.Abs(lnVar)))
}

func numericSqrt(x *apd.Decimal) (types.Datum, error) {
	if x.Sign() < 0 {
		return nil, pgerror.New("2201F", "cannot take square root of a negative number")
	}
	if !decFinite(x) {
		return x, nil
	}
	w, _ := weight10000(x)
	sweight := (w+1)*4/2 - 1
	scale := clampScale(max(16-sweight, int64(types.NumericDisplayScale(x))))
	return evalToScale(decimalWeight(x)/2+1, scale, func(c *apd.Context, r *apd.Decimal) error {
		_, err := c.Sqrt(r, x)
		return err
	})
}

func numericExp(x *apd.Decimal) (types.Datum, error) {
	if !decFinite(x) {
		if x.Form == apd.Infinite && x.Negative {
			return &apd.Decimal{}, nil
		}
		return x, nil
	}
	val := numericToFloat(x)
	dweight := int64(val * 0.434294481903252)
	if math.Abs(val) > 6000 {
		return nil, types.NumericOverflow()
	}
	scale := clampScale(max(16-dweight, int64(types.NumericDisplayScale(x))))
	return evalToScale(dweight+1, scale, func(c *apd.Context, r *apd.Decimal) error {
		_, err := c.Exp(r, x)
		return err
	})
}

func numericLn(x *apd.Decimal) (types.Datum, error) {
	if x.Sign() == 0 {
		return nil, pgerror.New("2201E", "cannot take logarithm of zero")
	}
	if x.Sign() < 0 {
		return nil, pgerror.New("2201E", "cannot take logarithm of a negative number")
	}
	if !decFinite(x) {
		return x, nil
	}
	lw := estimateLnDweight(x)
	scale := clampScale(max(16-lw, int64(types.NumericDisplayScale(x))))
	return evalToScale(lw+1, scale, func(c *apd.Context, r *apd.Decimal) error {
		_, err := c.Ln(r, x)
		return err
	})
}

func numericLog(base, x *apd.Decimal) (types.Datum, error) {
	for _, v := range []*apd.Decimal{base, x} {
		if v.Sign() == 0 {
			return nil, pgerror.New("2201E", "cannot take logarithm of zero")
		}
		if v.Sign() < 0 {
			return nil, pgerror.New("2201E", "cannot take logarithm of a negative number")
		}
	}
	if base.Cmp(apd.New(1, 0)) == 0 {
		return nil, errDivByZero()
	}
	rw := estimateLnDweight(x) - estimateLnDweight(base)
	scale := clampScale(max(16-rw, int64(types.NumericDisplayScale(base)), int64(types.NumericDisplayScale(x))))
	return evalToScale(rw+1, scale, func(c *apd.Context, r *apd.Decimal) error {
		c2 := decCtx(c.Precision+10, apd.RoundHalfUp)
		var lb, lx apd.Decimal
		if _, err := c2.Ln(&lb, base); err != nil {
			return err
		}
		if _, err := c2.Ln(&lx, x); err != nil {
			return err
		}
		_, err := c.Quo(r, &lx, &lb)
		return err
	})
}

func registerMathFuncs() {
	// abs
	for _, t := range []types.OID{types.Int2OID, types.Int4OID, types.Int8OID} {
		t := t
		def("abs", t, oids(t), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			if i64(a[0]) < 0 {
				return intArith(t, '-', 0, i64(a[0]))
			}
			return a[0], nil
		})
	}
	for _, t := range []types.OID{types.Float4OID, types.Float8OID} {
		def("abs", t, oids(t), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return math.Abs(f64(a[0])), nil })
	}
	def("abs", types.NumericOID, oids(types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return new(apd.Decimal).Abs(dec(a[0])), nil
	})
	// rounding
	fl := func(name string, f func(float64) float64, n func(d *apd.Decimal) (types.Datum, error)) {
		def(name, types.Float8OID, oids(types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return f(f64(a[0])), nil })
		def(name, types.NumericOID, oids(types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return n(dec(a[0])) })
	}
	intRound := func(r apd.Rounder) func(d *apd.Decimal) (types.Datum, error) {
		return func(d *apd.Decimal) (types.Datum, error) {
			if !decFinite(d) {
				return d, nil
			}
			var out apd.Decimal
			if _, err := decCtx(types.MaxNumericDigits, r).Quantize(&out, d, 0); err != nil {
				return nil, types.NumericOverflow()
			}
			types.NormalizeNumericZero(&out)
			return &out, nil
		}
	}
	// apd's Ceil and Floor, not Quantize with a ceiling or floor rounder:
	// Quantize looks at one discarded digit only, so ceil(0.001) was 0.
	ceilFloor := func(up bool) func(d *apd.Decimal) (types.Datum, error) {
		return func(d *apd.Decimal) (types.Datum, error) {
			if !decFinite(d) {
				return d, nil
			}
			var out apd.Decimal
			c := decCtx(types.MaxNumericDigits, apd.RoundHalfEven)
			var err error
			if up {
				_, err = c.Ceil(&out, d)
			} else {
				_, err = c.Floor(&out, d)
			}
			if err != nil {
				return nil, types.NumericOverflow()
			}
			types.NormalizeNumericZero(&out)
			return &out, nil
		}
	}
	fl("ceil", math.Ceil, ceilFloor(true))
	fl("ceiling", math.Ceil, ceilFloor(true))
	fl("floor", math.Floor, ceilFloor(false))
	fl("round", math.RoundToEven, intRound(apd.RoundHalfUp))
	fl("trunc", math.Trunc, intRound(apd.RoundDown))
	def("round", types.NumericOID, oids(types.NumericOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return roundNumericTo(dec(a[0]), i64(a[1]), apd.RoundHalfUp)
	})
	def("trunc", types.NumericOID, oids(types.NumericOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return roundNumericTo(dec(a[0]), i64(a[1]), apd.RoundDown)
	})
	def("sqrt", types.Float8OID, oids(types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		if f64(a[0]) < 0 {
			return nil, pgerror.New("2201F", "cannot take square root of a negative number")
		}
		return math.Sqrt(f64(a[0])), nil
	})
	def("sqrt", types.NumericOID, oids(types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return numericSqrt(dec(a[0])) })
	def("cbrt", types.Float8OID, oids(types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return math.Cbrt(f64(a[0])), nil })
	for _, n := range []string{"power", "pow"} {
		def(n, types.Float8OID, oids(types.Float8OID, types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return floatPow(f64(a[0]), f64(a[1]))
		})
		def(n, types.NumericOID, oids(types.NumericOID, types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return numericPower(dec(a[0]), dec(a[1]))
		})
	}
	def("exp", types.Float8OID, oids(types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		r := math.Exp(f64(a[0]))
		if math.IsInf(r, 0) && !math.IsInf(f64(a[0]), 0) {
			return nil, errFloatOverflow()
		}
		return r, nil
	})
	def("exp", types.NumericOID, oids(types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return numericExp(dec(a[0])) })
	floatLog := func(f func(float64) float64) fnBody {
		return func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			x := f64(a[0])
			if x == 0 {
				return nil, pgerror.New("2201E", "cannot take logarithm of zero")
			}
			if x < 0 {
				return nil, pgerror.New("2201E", "cannot take logarithm of a negative number")
			}
			return f(x), nil
		}
	}
	def("ln", types.Float8OID, oids(types.Float8OID), floatLog(math.Log))
	def("ln", types.NumericOID, oids(types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return numericLn(dec(a[0])) })
	for _, n := range []string{"log", "log10"} {
		def(n, types.Float8OID, oids(types.Float8OID), floatLog(math.Log10))
		def(n, types.NumericOID, oids(types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return numericLog(apd.New(10, 0), dec(a[0]))
		})
	}
	def("log", types.NumericOID, oids(types.NumericOID, types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return numericLog(dec(a[0]), dec(a[1]))
	})
	for _, t := range []types.OID{types.Int2OID, types.Int4OID, types.Int8OID} {
		t := t
		def("mod", t, oids(t, t), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return intArith(t, '%', i64(a[0]), i64(a[1]))
		})
	}
	def("mod", types.NumericOID, oids(types.NumericOID, types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return numericArith('%', dec(a[0]), dec(a[1]))
	})
	def("div", types.NumericOID, oids(types.NumericOID, types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		x, y := dec(a[0]), dec(a[1])
		if y.Sign() == 0 && decFinite(y) {
			return nil, errDivByZero()
		}
		if !decFinite(x) || !decFinite(y) {
			return numericSpecialDiv(x, y), nil
		}
		var q apd.Decimal
		if _, err := decCtx(types.MaxNumericDigits, apd.RoundDown).QuoInteger(&q, x, y); err != nil {
			return nil, types.NumericOverflow()
		}
		return types.RoundNumeric(&q, 0)
	})
	def("sign", types.Float8OID, oids(types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		f := f64(a[0])
		switch {
		case f > 0:
			return 1.0, nil
		case f < 0:
			return -1.0, nil
		}
		return f, nil
	})
	def("sign", types.NumericOID, oids(types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		d := dec(a[0])
		if d.Form == apd.NaN {
			return d, nil
		}
		return apd.New(int64(d.Sign()), 0), nil
	})
	def("pi", types.Float8OID, nil, func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return math.Pi, nil })
	types.RegisterFunc(&types.Func{Name: "random", Ret: tt(types.Float8OID), Strict: true, Volatile: true,
		Fn: func(_ *types.EvalContext, _ []types.Datum) (types.Datum, error) { return rand.Float64(), nil }})
	def("width_bucket", types.Int4OID, oids(types.Float8OID, types.Float8OID, types.Float8OID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return widthBucket(f64(a[0]), f64(a[1]), f64(a[2]), i64(a[3]))
	})
	def("width_bucket", types.Int4OID, oids(types.NumericOID, types.NumericOID, types.NumericOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return widthBucketNumeric(dec(a[0]), dec(a[1]), dec(a[2]), i64(a[3]))
	})
	for _, t := range []types.OID{types.Int4OID, types.Int8OID} {
		t := t
		def("gcd", t, oids(t, t), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			x, y := i64(a[0]), i64(a[1])
			for y != 0 {
				x, y = y, x%y
			}
			if x < 0 {
				return intArith(t, '-', 0, x)
			}
			return x, nil
		})
	}
	def("degrees", types.Float8OID, oids(types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return f64(a[0]) * 180 / math.Pi, nil
	})
	def("radians", types.Float8OID, oids(types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return f64(a[0]) * math.Pi / 180, nil
	})
	for name, f := range map[string]func(float64) float64{"sin": math.Sin, "cos": math.Cos, "tan": math.Tan, "asin": math.Asin, "acos": math.Acos, "atan": math.Atan} {
		f := f
		def(name, types.Float8OID, oids(types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return f(f64(a[0])), nil })
	}
	def("atan2", types.Float8OID, oids(types.Float8OID, types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return math.Atan2(f64(a[0]), f64(a[1])), nil
	})
	def("scale", types.Int4OID, oids(types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		if !decFinite(dec(a[0])) {
			return nil, nil
		}
		return int64(types.NumericDisplayScale(dec(a[0]))), nil
	})
}

func roundNumericTo(d *apd.Decimal, s int64, r apd.Rounder) (types.Datum, error) {
	if !decFinite(d) {
		return d, nil
	}
	s = min(max(s, -1000), 1000)
	var out apd.Decimal
	if _, err := decCtx(types.MaxNumericDigits, r).Quantize(&out, d, int32(-s)); err != nil {
		return nil, types.NumericOverflow()
	}
	if s < 0 {
		// PostgreSQL shows no digits after the point for negative scales
		if _, err := exactCtx.Quantize(&out, &out, 0); err != nil {
			return nil, types.NumericOverflow()
		}
	}
	types.NormalizeNumericZero(&out)
	return &out, nil
}

func widthBucket(x, lo, hi float64, n int64) (types.Datum, error) {
	if n <= 0 {
		return nil, pgerror.New("2201G", "count must be greater than zero")
	}
	if lo == hi {
		return nil, pgerror.New("2201G", "lower bound cannot equal upper bound")
	}
	if math.IsNaN(x) || math.IsNaN(lo) || math.IsNaN(hi) {
		return nil, pgerror.New("2201G", "operand, lower bound, and upper bound cannot be NaN")
	}
	if lo < hi {
		switch {
		case x < lo:
			return int64(0), nil
		case x >= hi:
			return widthBucketPastEnd(n)
		}
		return int64(float64(n)*(x-lo)/(hi-lo)) + 1, nil
	}
	switch {
	case x > lo:
		return int64(0), nil
	case x <= hi:
		return widthBucketPastEnd(n)
	}
	return int64(float64(n)*(lo-x)/(lo-hi)) + 1, nil
}

// widthBucketPastEnd is the bucket above the last, count+1, which must fit
// the int4 result (PostgreSQL: 22003).
func widthBucketPastEnd(n int64) (types.Datum, error) {
	if n >= math.MaxInt32 {
		return nil, pgerror.New(pgerror.NumericValueOutOfRange, "integer out of range")
	}
	return n + 1, nil
}

func widthBucketNumeric(x, lo, hi *apd.Decimal, n int64) (types.Datum, error) {
	if n <= 0 {
		return nil, pgerror.New("2201G", "count must be greater than zero")
	}
	if lo.Cmp(hi) == 0 {
		return nil, pgerror.New("2201G", "lower bound cannot equal upper bound")
	}
	var num, den, q apd.Decimal
	c := decCtx(60, apd.RoundDown)
	if lo.Cmp(hi) < 0 {
		if x.Cmp(lo) < 0 {
			return int64(0), nil
		}
		if x.Cmp(hi) >= 0 {
			return widthBucketPastEnd(n)
		}
		c.Sub(&num, x, lo)
		c.Sub(&den, hi, lo)
	} else {
		if x.Cmp(lo) > 0 {
			return int64(0), nil
		}
		if x.Cmp(hi) <= 0 {
			return widthBucketPastEnd(n)
		}
		c.Sub(&num, lo, x)
		c.Sub(&den, lo, hi)
	}
	c.Mul(&num, &num, apd.New(n, 0))
	c.QuoInteger(&q, &num, &den)
	v, _ := q.Int64()
	return v + 1, nil
}
