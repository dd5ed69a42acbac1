package builtins

import (
	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// maxNumericDigits bounds intermediate precision; PostgreSQL allows 131072
// digits before the point and 16383 after (types.NumericInRange).
const maxNumericDigits = 131072 + 16383

// exactCtx does arithmetic that must be exact (add, sub, mul); digits beyond
// its precision are an overflow rather than a rounding.
var exactCtx = &apd.Context{
	Precision:   maxNumericDigits,
	MaxExponent: apd.MaxExponent,
	MinExponent: apd.MinExponent,
	Traps:       apd.DefaultTraps &^ apd.Inexact &^ apd.Rounded,
	Rounding:    apd.RoundHalfUp,
}

func decCtx(prec uint32, r apd.Rounder) *apd.Context {
	return &apd.Context{
		Precision:   prec,
		MaxExponent: apd.MaxExponent,
		MinExponent: apd.MinExponent,
		Traps:       apd.DefaultTraps &^ apd.Inexact &^ apd.Rounded,
		Rounding:    r,
	}
}

func numericOverflow() error {
	return pgerror.New(pgerror.NumericValueOutOfRange, "value overflows numeric format")
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
	if prec > maxNumericDigits {
		return nil, numericOverflow()
	}
	var q apd.Decimal
	if _, err := decCtx(uint32(prec), apd.RoundDown).Quo(&q, x, y); err != nil {
		return nil, numericOverflow()
	}
	return types.RoundNumeric(&q, scale)
}
