package builtins

// Numeric arithmetic as PostgreSQL's numeric.c does it: the result scales
// of division, powers and the transcendental functions, and their errors.

import (
	"math"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// The numeric contexts and helpers are sql/types' (casts and storage
// round with the same ones).
var (
	exactCtx = types.ExactDecimalContext
	decCtx   = types.DecimalContext
)

var (
	decNaN    = &apd.Decimal{Form: apd.NaN}
	decPosInf = &apd.Decimal{Form: apd.Infinite}
	decNegInf = &apd.Decimal{Form: apd.Infinite, Negative: true}
)

func decFinite(d *apd.Decimal) bool { return d.Form == apd.Finite }

// decimalWeight is the power of ten of d's leading digit (0 for zero).
func decimalWeight(d *apd.Decimal) int64 {
	if d.Coeff.Sign() == 0 {
		return 0
	}
	return int64(d.NumDigits()) - 1 + int64(d.Exponent)
}

func clampScale(s int64) int32 { return int32(min(max(s, 0), 1000)) }

// evalToScale evaluates f with enough precision for scale digits after the
// point given the result's approximate weight, then rounds.
func evalToScale(weight int64, scale int32, f func(c *apd.Context, r *apd.Decimal) error) (*apd.Decimal, error) {
	prec := max(weight, 0) + int64(scale) + 8
	var r apd.Decimal
	if err := f(decCtx(uint32(prec), apd.RoundHalfUp), &r); err != nil {
		return nil, types.NumericOverflow()
	}
	return types.RoundNumeric(&r, scale)
}

// numericToFloat is the cast of a numeric to float8.
func numericToFloat(d *apd.Decimal) float64 {
	f, _ := types.Cast(nil, d, tt(types.NumericOID), tt(types.Float8OID), types.CastExplicit)
	return f.(float64)
}

// floatToNumeric is the cast of a float4 or float8 (from) to numeric.
func floatToNumeric(from types.OID, f float64) (*apd.Decimal, error) {
	d, err := types.Cast(nil, f, tt(from), tt(types.NumericOID), types.CastExplicit)
	if err != nil {
		return nil, err
	}
	return d.(*apd.Decimal), nil
}

// divToScale divides exactly enough to round the quotient to scale digits.
func divToScale(x, y *apd.Decimal, scale int32) (*apd.Decimal, error) {
	ax := int64(x.NumDigits()) + int64(x.Exponent)
	ay := int64(y.NumDigits()) + int64(y.Exponent)
	prec := ax - ay + 2 + int64(scale) + 2
	if prec < 1 {
		prec = 1
	}
	if prec > types.MaxNumericDigits {
		return nil, types.NumericOverflow()
	}
	var q apd.Decimal
	if _, err := decCtx(uint32(prec), apd.RoundDown).Quo(&q, x, y); err != nil {
		return nil, types.NumericOverflow()
	}
	return types.RoundNumeric(&q, scale)
}

// weight10000 returns PostgreSQL's base-10000 weight and first digit of a
// nonzero finite d.
func weight10000(d *apd.Decimal) (weight int64, first int64) {
	if d.Coeff.Sign() == 0 {
		return 0, 0
	}
	adj := int64(d.NumDigits()) - 1 + int64(d.Exponent) // power of ten of the leading digit
	weight = floorDiv(adj, 4)
	// number of leading decimal digits in the first base-10000 group
	n := adj - weight*4 + 1
	var tmp [40]byte
	digits := d.Coeff.Append(tmp[:0], 10)
	for i := int64(0); i < n; i++ {
		first *= 10
		if i < int64(len(digits)) {
			first += int64(digits[i] - '0')
		}
	}
	return weight, first
}

// numericDivScale is select_div_scale from PostgreSQL's numeric.c.
func numericDivScale(x, y *apd.Decimal) int32 {
	w1, f1 := weight10000(x)
	w2, f2 := weight10000(y)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rscale := 16 - qweight*4
	rscale = max(rscale, int64(types.NumericDisplayScale(x)), int64(types.NumericDisplayScale(y)), 0)
	return int32(min(rscale, 1000))
}

func numericDiv(x, y *apd.Decimal) (*apd.Decimal, error) {
	if y.Form == apd.Finite && y.Coeff.Sign() == 0 {
		return nil, errDivByZero()
	}
	if x.Form != apd.Finite || y.Form != apd.Finite {
		return numericSpecialDiv(x, y), nil
	}
	if x.Coeff.Sign() == 0 {
		return types.RoundNumeric(&apd.Decimal{}, numericDivScale(x, y))
	}
	scale := numericDivScale(x, y)
	return divToScale(x, y, scale)
}

func numericSpecialDiv(x, y *apd.Decimal) *apd.Decimal {
	if x.Form == apd.NaN || y.Form == apd.NaN {
		return decNaN
	}
	if x.Form == apd.Infinite && y.Form == apd.Infinite {
		return decNaN
	}
	if x.Form == apd.Infinite {
		if x.Negative != (y.Negative && y.Coeff.Sign() != 0) {
			return decNegInf
		}
		return decPosInf
	}
	return &apd.Decimal{} // finite / infinity
}

func numericArith(op byte, x, y *apd.Decimal) (*apd.Decimal, error) {
	var r apd.Decimal
	var err error
	switch op {
	case '+':
		_, err = exactCtx.Add(&r, x, y)
	case '-':
		_, err = exactCtx.Sub(&r, x, y)
	case '*':
		_, err = exactCtx.Mul(&r, x, y)
		if err == nil && r.Form == apd.Finite && -r.Exponent > 16383 {
			return types.RoundNumeric(&r, 16383)
		}
	case '/':
		return numericDiv(x, y)
	case '%':
		if y.Form == apd.Finite && y.Coeff.Sign() == 0 {
			return nil, errDivByZero()
		}
		if x.Form == apd.Infinite {
			return decNaN, nil
		}
		if y.Form == apd.Infinite && x.Form == apd.Finite {
			return x, nil
		}
		_, err = exactCtx.Rem(&r, x, y)
	case '^':
		return numericPower(x, y)
	}
	if err != nil {
		if r.Form == apd.NaN && (x.Form == apd.Infinite || y.Form == apd.Infinite) {
			return decNaN, nil
		}
		return nil, types.NumericOverflow()
	}
	if r.Form == apd.NaNSignaling {
		r.Form = apd.NaN
	}
	if !types.NumericInRange(&r) {
		return nil, types.NumericOverflow()
	}
	types.NormalizeNumericZero(&r)
	return &r, nil
}

func numericPower(x, y *apd.Decimal) (*apd.Decimal, error) {
	if x.Form != apd.Finite || y.Form != apd.Finite {
		if x.Form == apd.NaN || y.Form == apd.NaN {
			return decNaN, nil
		}
	}
	if x.Sign() == 0 && y.Sign() < 0 {
		return nil, pgerror.New("2201F", "zero raised to a negative power is undefined")
	}
	if x.Sign() < 0 && y.Form == apd.Finite {
		var frac, integ apd.Decimal
		y.Modf(&integ, &frac)
		if frac.Sign() != 0 {
			return nil, pgerror.New("2201F", "a negative number raised to a non-integer power yields a complex result")
		}
	}
	if x.Form != apd.Finite || y.Form != apd.Finite {
		var r apd.Decimal
		if _, err := decCtx(60, apd.RoundHalfUp).Pow(&r, x, y); err != nil || r.Form == apd.NaNSignaling {
			return decNaN, nil
		}
		return &r, nil
	}
	var yi, yf apd.Decimal
	y.Modf(&yi, &yf)
	var scale int32
	var weight float64
	ax := numericToFloat(new(apd.Decimal).Abs(x))
	lx := 0.0
	if x.Sign() != 0 {
		lx = math.Log10(ax)
		if math.IsInf(lx, 0) { // beyond float range: use the decimal weight
			lx = float64(decimalWeight(x))
		}
	}
	weight = lx * numericToFloat(y)
	if n, err := yi.Int64(); yf.Sign() == 0 && err == nil && n >= math.MinInt32 && n <= math.MaxInt32 {
		scale = clampScale(max(16, int64(types.NumericDisplayScale(x))))
	} else {
		scale = clampScale(max(16-int64(weight), int64(types.NumericDisplayScale(x)), int64(types.NumericDisplayScale(y))))
	}
	if weight > 131072 {
		return nil, types.NumericOverflow()
	}
	if weight < -20000 {
		return types.RoundNumeric(&apd.Decimal{}, scale)
	}
	return evalToScale(int64(weight)+1, scale, func(c *apd.Context, r *apd.Decimal) error {
		_, err := c.Pow(r, x, y)
		return err
	})
}
