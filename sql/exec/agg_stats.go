package exec

import (
	"math"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// The statistics aggregates, computed as PostgreSQL 15 computes them
// (numeric.c's numeric_stddev_internal, float.c's float8_accum and
// float8_regr_accum): variances and standard deviations of integer and
// numeric inputs from exact sums (numeric result, the division's scale
// chosen as numeric division chooses it), of float inputs by the
// Youngs-Cramer running sums (float8 result); the two-argument
// aggregates over float8 (Y, X) pairs.

// StatsAggArgs gives, for each statistics aggregate, its number of
// arguments.
var StatsAggArgs = map[string]int{
	"stddev": 1, "stddev_pop": 1, "stddev_samp": 1, "variance": 1, "var_pop": 1, "var_samp": 1,
	"covar_pop": 2, "covar_samp": 2, "corr": 2, "regr_count": 2, "regr_sxx": 2, "regr_syy": 2,
	"regr_sxy": 2, "regr_avgx": 2, "regr_avgy": 2, "regr_r2": 2, "regr_slope": 2, "regr_intercept": 2,
}

type statsState struct {
	n, sx, sxx, sy, syy, sxy float64 // float inputs and the (Y, X) pairs
	cnt                      int64   // numeric inputs: how many
	sum, sum2                apd.Decimal
	special                  bool // a numeric NaN or infinity was seen
}

// exactCtx adds and multiplies without rounding (precision 0).
var exactCtx = &apd.Context{MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent, Traps: apd.DefaultTraps}

func errFloatOverflow() error {
	return pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: overflow")
}

// statsStep accumulates one row whose arguments are all non-NULL.
func (s *AggSpec) statsStep(st *aggState, args []types.Datum) error {
	if st.stats == nil {
		st.stats = &statsState{}
	}
	ss := st.stats
	if StatsAggArgs[s.Name] == 2 {
		y, x := args[0].(float64), args[1].(float64)
		if s.Name == "regr_count" {
			ss.cnt++
			return nil
		}
		n0, sx0, sy0 := ss.n, ss.sx, ss.sy
		ss.n++
		ss.sx += x
		ss.sy += y
		if n0 > 0 {
			tx, ty := x*ss.n-ss.sx, y*ss.n-ss.sy
			scale := 1.0 / (ss.n * n0)
			ss.sxx += tx * tx * scale
			ss.syy += ty * ty * scale
			ss.sxy += tx * ty * scale
			inf := math.IsInf
			if inf(ss.sx, 0) || inf(ss.sxx, 0) || inf(ss.sy, 0) || inf(ss.syy, 0) || inf(ss.sxy, 0) {
				if ((inf(ss.sx, 0) || inf(ss.sxx, 0)) && !inf(sx0, 0) && !inf(x, 0)) ||
					((inf(ss.sy, 0) || inf(ss.syy, 0)) && !inf(sy0, 0) && !inf(y, 0)) ||
					(inf(ss.sxy, 0) && !inf(sx0, 0) && !inf(x, 0) && !inf(sy0, 0) && !inf(y, 0)) {
					return errFloatOverflow()
				}
				if inf(ss.sxx, 0) {
					ss.sxx = math.NaN()
				}
				if inf(ss.syy, 0) {
					ss.syy = math.NaN()
				}
				if inf(ss.sxy, 0) {
					ss.sxy = math.NaN()
				}
			}
		} else {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				ss.sxx, ss.sxy = math.NaN(), math.NaN()
			}
			if math.IsNaN(y) || math.IsInf(y, 0) {
				ss.syy, ss.sxy = math.NaN(), math.NaN()
			}
		}
		return nil
	}
	switch v := args[0].(type) {
	case float64:
		n0, sx0 := ss.n, ss.sx
		ss.n++
		ss.sx += v
		if n0 > 0 {
			t := v*ss.n - ss.sx
			ss.sxx += t * t / (ss.n * n0)
			if math.IsInf(ss.sx, 0) || math.IsInf(ss.sxx, 0) {
				if !math.IsInf(sx0, 0) && !math.IsInf(v, 0) {
					return errFloatOverflow()
				}
				ss.sxx = math.NaN()
			}
		} else if math.IsNaN(v) || math.IsInf(v, 0) {
			ss.sxx = math.NaN()
		}
		return nil
	case int64:
		var d apd.Decimal
		d.SetInt64(v)
		return ss.addNumeric(&d)
	case *apd.Decimal:
		if v.Form != apd.Finite {
			ss.cnt++
			ss.special = true
			return nil
		}
		return ss.addNumeric(v)
	}
	return pgerror.Unsupported("aggregate " + s.Name + " of this type")
}

func (ss *statsState) addNumeric(d *apd.Decimal) error {
	ss.cnt++
	var sq apd.Decimal
	if _, err := exactCtx.Mul(&sq, d, d); err != nil {
		return pgerror.New(pgerror.NumericValueOutOfRange, "value overflows numeric format")
	}
	if _, err := exactCtx.Add(&ss.sum, &ss.sum, d); err != nil {
		return pgerror.New(pgerror.NumericValueOutOfRange, "value overflows numeric format")
	}
	if _, err := exactCtx.Add(&ss.sum2, &ss.sum2, &sq); err != nil {
		return pgerror.New(pgerror.NumericValueOutOfRange, "value overflows numeric format")
	}
	return nil
}

// statsFinal is the aggregate's result; it leaves the state as it was
// (window frames call it again after more rows).
func (s *AggSpec) statsFinal(ec *Ctx, st *aggState) (types.Datum, error) {
	ss := st.stats
	if ss == nil {
		ss = &statsState{}
	}
	if s.Name == "regr_count" {
		return ss.cnt, nil
	}
	sample := true
	switch s.Name {
	case "stddev_pop", "var_pop":
		sample = false
	}
	variance := s.Name == "variance" || s.Name == "var_pop" || s.Name == "var_samp"
	if StatsAggArgs[s.Name] == 1 && s.T.OID == types.NumericOID {
		return s.numericStats(ec, ss, variance, sample)
	}
	n := ss.n
	switch s.Name {
	case "stddev", "stddev_samp", "variance", "var_samp":
		if n <= 1 {
			return nil, nil
		}
		v := ss.sxx / (n - 1)
		if !variance {
			v = math.Sqrt(v)
		}
		return v, nil
	case "stddev_pop", "var_pop":
		if n == 0 {
			return nil, nil
		}
		v := ss.sxx / n
		if !variance {
			v = math.Sqrt(v)
		}
		return v, nil
	case "covar_samp":
		if n < 2 {
			return nil, nil
		}
		return ss.sxy / (n - 1), nil
	}
	if n < 1 {
		return nil, nil
	}
	switch s.Name {
	case "covar_pop":
		return ss.sxy / n, nil
	case "regr_sxx":
		return ss.sxx, nil
	case "regr_syy":
		return ss.syy, nil
	case "regr_sxy":
		return ss.sxy, nil
	case "regr_avgx":
		return ss.sx / n, nil
	case "regr_avgy":
		return ss.sy / n, nil
	case "corr":
		if ss.sxx == 0 || ss.syy == 0 {
			return nil, nil
		}
		return ss.sxy / math.Sqrt(ss.sxx*ss.syy), nil
	case "regr_r2":
		if ss.sxx == 0 {
			return nil, nil
		}
		if ss.syy == 0 {
			return 1.0, nil
		}
		return (ss.sxy * ss.sxy) / (ss.sxx * ss.syy), nil
	case "regr_slope":
		if ss.sxx == 0 {
			return nil, nil
		}
		return ss.sxy / ss.sxx, nil
	case "regr_intercept":
		if ss.sxx == 0 {
			return nil, nil
		}
		return (ss.sy - ss.sx*ss.sxy/ss.sxx) / n, nil
	}
	return nil, pgerror.Unsupported("aggregate " + s.Name)
}

// numericStats: (N·ΣX² − (ΣX)²) / (N·(N−1)) (or N·N), divided at the scale
// numeric division picks, and its square root at that same scale.
func (s *AggSpec) numericStats(ec *Ctx, ss *statsState, variance, sample bool) (types.Datum, error) {
	if ss.cnt == 0 || (sample && ss.cnt <= 1) {
		return nil, nil
	}
	if ss.special {
		return &apd.Decimal{Form: apd.NaN}, nil
	}
	overflow := func() (types.Datum, error) {
		return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value overflows numeric format")
	}
	var n, num, sq apd.Decimal
	n.SetInt64(ss.cnt)
	if _, err := exactCtx.Mul(&sq, &ss.sum, &ss.sum); err != nil {
		return overflow()
	}
	if _, err := exactCtx.Mul(&num, &n, &ss.sum2); err != nil {
		return overflow()
	}
	if _, err := exactCtx.Sub(&num, &num, &sq); err != nil {
		return overflow()
	}
	if num.Sign() <= 0 {
		return apd.New(0, 0), nil
	}
	var den apd.Decimal
	if sample {
		var n1 apd.Decimal
		n1.SetInt64(ss.cnt - 1)
		exactCtx.Mul(&den, &n, &n1)
	} else {
		exactCtx.Mul(&den, &n, &n)
	}
	q, err := s.DivOp.Fn(ec.Ev, &num, &den)
	if err != nil {
		return nil, err
	}
	if variance {
		return q, nil
	}
	v := q.(*apd.Decimal)
	rscale := int32(0)
	if v.Exponent < 0 {
		rscale = -v.Exponent
	}
	digits := int64(v.NumDigits()) + int64(v.Exponent)
	prec := max(digits, 1)/2 + int64(rscale) + 10
	c := &apd.Context{Precision: uint32(prec), MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent, Traps: apd.DefaultTraps &^ apd.Inexact &^ apd.Rounded, Rounding: apd.RoundHalfUp}
	var r apd.Decimal
	if _, err := c.Sqrt(&r, v); err != nil {
		return overflow()
	}
	return types.RoundNumeric(&r, rscale)
}
