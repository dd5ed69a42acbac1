package types

import (
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
)

// MaxNumericDigits bounds intermediate precision; PostgreSQL allows 131072
// digits before the point and 16383 after.
const MaxNumericDigits = 131072 + 16383

// ExactDecimalContext does arithmetic that must be exact (add, sub, mul); digits beyond
// its precision are an overflow rather than a rounding.
var ExactDecimalContext = &apd.Context{
	Precision:   MaxNumericDigits,
	MaxExponent: apd.MaxExponent,
	MinExponent: apd.MinExponent,
	Traps:       apd.DefaultTraps &^ apd.Inexact &^ apd.Rounded,
	Rounding:    apd.RoundHalfUp,
}

// DecimalContext is an apd context of precision prec rounding with r,
// trapping what numeric treats as errors.
func DecimalContext(prec uint32, r apd.Rounder) *apd.Context {
	return &apd.Context{
		Precision:   prec,
		MaxExponent: apd.MaxExponent,
		MinExponent: apd.MinExponent,
		Traps:       apd.DefaultTraps &^ apd.Inexact &^ apd.Rounded,
		Rounding:    r,
	}
}

var (
	decNaN    = &apd.Decimal{Form: apd.NaN}
	decPosInf = &apd.Decimal{Form: apd.Infinite}
	decNegInf = &apd.Decimal{Form: apd.Infinite, Negative: true}
)

// NumericOverflow is 22003 "value overflows numeric format".
func NumericOverflow() error {
	return pgerror.New(pgerror.NumericValueOutOfRange, "value overflows numeric format")
}

// parseNumeric is numeric_in without the typmod.
func parseNumeric(s string) (*apd.Decimal, error) {
	t := strings.TrimSpace(s)
	bad := func() error {
		return pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type numeric: \"%s\"", s)
	}
	if t == "" {
		return nil, bad()
	}
	switch strings.ToLower(t) {
	case "nan":
		return &apd.Decimal{Form: apd.NaN}, nil
	case "infinity", "+infinity", "inf", "+inf":
		return &apd.Decimal{Form: apd.Infinite}, nil
	case "-infinity", "-inf":
		return &apd.Decimal{Form: apd.Infinite, Negative: true}, nil
	}
	// Validate the shape ourselves: apd accepts forms PostgreSQL rejects.
	i := 0
	if t[0] == '+' || t[0] == '-' {
		i++
	}
	digits, dot := 0, false
	for ; i < len(t); i++ {
		c := t[i]
		if c >= '0' && c <= '9' {
			digits++
		} else if c == '.' && !dot {
			dot = true
		} else {
			break
		}
	}
	if digits == 0 {
		return nil, bad()
	}
	if i < len(t) {
		if t[i] != 'e' && t[i] != 'E' {
			return nil, bad()
		}
		j := i + 1
		if j < len(t) && (t[j] == '+' || t[j] == '-') {
			j++
		}
		if j == len(t) {
			return nil, bad()
		}
		for ; j < len(t); j++ {
			if t[j] < '0' || t[j] > '9' {
				return nil, bad()
			}
		}
	}
	d, _, err := apd.NewFromString(t)
	if err != nil {
		return nil, bad()
	}
	if !NumericInRange(d) {
		return nil, NumericOverflow()
	}
	if d.Exponent > 0 && d.Form == apd.Finite {
		// PostgreSQL keeps no positive exponents: 1e3 is 1000 with scale 0.
		var r apd.Decimal
		if _, err := ExactDecimalContext.Quantize(&r, d, 0); err != nil {
			return nil, NumericOverflow()
		}
		d = &r
	}
	NormalizeNumericZero(d)
	return d, nil
}

// PostgreSQL's limits: 131072 digits before the point, 16383 after.
const (
	maxNumericWeight = 131072
	maxNumericScale  = 16383
)

// NumericInRange reports whether d fits PostgreSQL's numeric format: at
// most 131072 digits before the point and 16383 after (NaN and the
// infinities do).
func NumericInRange(d *apd.Decimal) bool {
	if d.Form != apd.Finite {
		return true
	}
	if d.Exponent < -maxNumericScale || d.Exponent > maxNumericWeight {
		return false
	}
	return d.Coeff.Sign() == 0 || int64(d.NumDigits())+int64(d.Exponent) <= maxNumericWeight
}

// NormalizeNumericZero makes a zero positive, as numeric has no -0.
func NormalizeNumericZero(d *apd.Decimal) {
	if d.Form == apd.Finite && d.Coeff.Sign() == 0 {
		d.Negative = false
	}
}

// NumericDisplayScale is PostgreSQL's display scale: digits after the point.
func NumericDisplayScale(d *apd.Decimal) int32 {
	if d.Form != apd.Finite || d.Exponent >= 0 {
		return 0
	}
	return -d.Exponent
}

// appendNumeric is numeric_out.
func appendNumeric(dst []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(dst, "NaN"...)
	case apd.Infinite:
		if d.Negative {
			return append(dst, "-Infinity"...)
		}
		return append(dst, "Infinity"...)
	}
	if d.Negative && d.Coeff.Sign() != 0 {
		dst = append(dst, '-')
	}
	var tmp [40]byte
	digits := d.Coeff.Append(tmp[:0], 10)
	if d.Exponent >= 0 {
		dst = append(dst, digits...)
		for i := int32(0); i < d.Exponent; i++ {
			dst = append(dst, '0')
		}
		return dst
	}
	scale := int(-d.Exponent)
	if len(digits) <= scale {
		dst = append(dst, '0', '.')
		for i := len(digits); i < scale; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-scale]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-scale:]...)
}

// applyNumericTypmod rounds d to the scale of typmod and checks its precision.
func applyNumericTypmod(d *apd.Decimal, mod int32) (*apd.Decimal, error) {
	p, s, ok := numericPS(mod)
	if !ok || d.Form == apd.NaN {
		return d, nil
	}
	if d.Form == apd.Infinite {
		return nil, &pgerror.Error{Code: pgerror.NumericValueOutOfRange, Message: "numeric field overflow",
			Detail: "A field with precision " + strconv.Itoa(int(p)) + ", scale " + strconv.Itoa(int(s)) + " cannot hold an infinite value."}
	}
	var r apd.Decimal
	if _, err := ExactDecimalContext.Quantize(&r, d, -s); err != nil {
		return nil, NumericOverflow()
	}
	NormalizeNumericZero(&r)
	if r.Coeff.Sign() != 0 {
		// digits before the point must be at most p - s
		intDigits := int64(r.NumDigits()) + int64(r.Exponent)
		if intDigits > int64(p-s) {
			return nil, &pgerror.Error{Code: pgerror.NumericValueOutOfRange, Message: "numeric field overflow",
				Detail: numericOverflowDetail(p, s)}
		}
	}
	return &r, nil
}

func numericOverflowDetail(p, s int32) string {
	if p-s <= 0 {
		return "A field with precision " + strconv.Itoa(int(p)) + ", scale " + strconv.Itoa(int(s)) + " must round to an absolute value less than 1."
	}
	return "A field with precision " + strconv.Itoa(int(p)) + ", scale " + strconv.Itoa(int(s)) + " must round to an absolute value less than 10^" + strconv.Itoa(int(p-s)) + "."
}

// RoundNumeric rounds d to scale digits after the point, half away from
// zero, as numeric's typmod and its arithmetic do; NaN and the infinities
// are returned as they are, and a result beyond the format is 22003.
func RoundNumeric(d *apd.Decimal, scale int32) (*apd.Decimal, error) {
	if d.Form != apd.Finite {
		return d, nil
	}
	var r apd.Decimal
	if _, err := ExactDecimalContext.Quantize(&r, d, -scale); err != nil {
		return nil, NumericOverflow()
	}
	NormalizeNumericZero(&r)
	return &r, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// decimalFromInt returns the numeric value of i.
func decimalFromInt(i int64) *apd.Decimal { return apd.New(i, 0) }

// decimalFromFloat converts f to numeric as float8_numeric does (15 significant digits).
func decimalFromFloat(f float64) (*apd.Decimal, error) {
	if math.IsNaN(f) {
		return decNaN, nil
	}
	if math.IsInf(f, 1) {
		return decPosInf, nil
	}
	if math.IsInf(f, -1) {
		return decNegInf, nil
	}
	d, _, err := apd.NewFromString(strconv.FormatFloat(f, 'g', 15, 64))
	if err != nil {
		return nil, NumericOverflow()
	}
	if d.Exponent > 0 {
		var r apd.Decimal
		ExactDecimalContext.Quantize(&r, d, 0)
		d = &r
	}
	// float8 → numeric keeps only the significant digits, with trailing zeros removed
	var red apd.Decimal
	red.Reduce(d)
	if red.Exponent > 0 {
		ExactDecimalContext.Quantize(&red, &red, 0)
	}
	NormalizeNumericZero(&red)
	return &red, nil
}

func decimalFromFloat4(f float64) (*apd.Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimalFromFloat(f)
	}
	d, _, err := apd.NewFromString(strconv.FormatFloat(f, 'g', 6, 64))
	if err != nil {
		return nil, NumericOverflow()
	}
	var red apd.Decimal
	red.Reduce(d)
	if red.Exponent > 0 {
		ExactDecimalContext.Quantize(&red, &red, 0)
	}
	NormalizeNumericZero(&red)
	return &red, nil
}

func decimalToFloat(d *apd.Decimal) float64 {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return math.NaN()
	case apd.Infinite:
		if d.Negative {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	f, _ := strconv.ParseFloat(string(appendNumeric(nil, d)), 64)
	return f
}

// decimalToInt rounds d half away from zero to an integer in [lo, hi].
func decimalToInt(d *apd.Decimal, lo, hi int64, oid OID) (int64, error) {
	if d.Form == apd.NaN {
		return 0, pgerror.New(pgerror.FeatureNotSupported, "cannot convert NaN to %s", typeName(oid))
	}
	if d.Form == apd.Infinite {
		return 0, pgerror.New(pgerror.FeatureNotSupported, "cannot convert infinity to %s", typeName(oid))
	}
	r, err := RoundNumeric(d, 0)
	if err != nil {
		return 0, errIntRange(oid)
	}
	i, err := r.Int64()
	if err != nil || i < lo || i > hi {
		return 0, errIntRange(oid)
	}
	return i, nil
}

// NegateInt is the unary minus of an int2, int4 or int8 (22003 when the
// result is out of the type's range).
func NegateInt(t OID, v int64) (Datum, error) {
	lo, hi := intRange(t)
	if v == math.MinInt64 || -v < lo || -v > hi {
		return nil, errIntRange(t)
	}
	return -v, nil
}

func errIntRange(oid OID) error {
	switch oid {
	case Int2OID:
		return pgerror.New(pgerror.NumericValueOutOfRange, "smallint out of range")
	case Int8OID:
		return pgerror.New(pgerror.NumericValueOutOfRange, "bigint out of range")
	case OidOID:
		return pgerror.New(pgerror.NumericValueOutOfRange, "OID out of range")
	}
	return pgerror.New(pgerror.NumericValueOutOfRange, "integer out of range")
}

func intRange(oid OID) (lo, hi int64) {
	switch oid {
	case Int2OID:
		return math.MinInt16, math.MaxInt16
	case Int4OID:
		return math.MinInt32, math.MaxInt32
	case OidOID, RegclassOID, RegtypeOID, RegprocOID, XidOID:
		return 0, math.MaxUint32
	}
	return math.MinInt64, math.MaxInt64
}
