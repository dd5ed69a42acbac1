package exec

import (
	"fmt"
	"math"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Ordered-set aggregates (percentile_cont, percentile_disc, mode) and
// hypothetical-set aggregates (rank, dense_rank, percent_rank, cume_dist
// WITHIN GROUP), as PostgreSQL 15's orderedsetaggs.c computes them. The
// aggregated arguments of each group are buffered (counted against the
// node's work_mem budget) and sorted at the end.

// evalDirect evaluates the direct arguments once per group, over the
// group's first row (they may read only grouped columns) or, for an empty
// group, over a row of NULLs.
func (s *AggSpec) evalDirect(ec *Ctx, st *aggState, row []types.Datum) error {
	if row == nil {
		row = make([]types.Datum, s.SrcWidth)
	}
	st.direct = make([]types.Datum, len(s.Direct))
	for i, d := range s.Direct {
		v, err := d.Eval(ec, row)
		if err != nil {
			return err
		}
		st.direct[i] = v
	}
	return nil
}

func errPercentile(p float64) error {
	txt := fmt.Sprintf("%.6g", p)
	if math.IsNaN(p) {
		txt = "nan"
	}
	return pgerror.New(pgerror.NumericValueOutOfRange, "percentile value %s is not between 0 and 1", txt)
}

func (s *AggSpec) orderedFinal(ec *Ctx, st *aggState) (types.Datum, error) {
	if st.direct == nil {
		if err := s.evalDirect(ec, st, nil); err != nil {
			return nil, err
		}
	}
	rows := st.buf
	sortRows(rows, s.Order)
	switch s.Name {
	case "percentile_cont", "percentile_disc":
		vals := make([]types.Datum, 0, len(rows))
		for _, r := range rows {
			if r[0] != nil {
				vals = append(vals, r[0])
			}
		}
		if s.Multi {
			if len(vals) == 0 || st.direct[0] == nil {
				return nil, nil
			}
			fr := st.direct[0].(types.Array)
			for _, e := range fr.Elements {
				if p, ok := e.(float64); ok && !(p >= 0 && p <= 1) {
					return nil, errPercentile(p)
				}
			}
			out := make([]types.Datum, len(fr.Elements))
			for i, e := range fr.Elements {
				if e == nil {
					continue
				}
				v, err := s.percentile(ec, vals, e.(float64))
				if err != nil {
					return nil, err
				}
				out[i] = v
			}
			return types.Array{Elem: s.ArgT, Elements: out}, nil
		}
		if st.direct[0] == nil {
			return nil, nil
		}
		p := st.direct[0].(float64)
		if !(p >= 0 && p <= 1) {
			return nil, errPercentile(p)
		}
		if len(vals) == 0 {
			return nil, nil
		}
		return s.percentile(ec, vals, p)
	case "mode":
		var mode, last types.Datum
		modeN, lastN := 0, 0
		for _, r := range rows {
			v := r[0]
			if v == nil {
				continue
			}
			switch {
			case lastN == 0:
				mode, last, modeN, lastN = v, v, 1, 1
			case CompareDatums(s.ArgT, v, last) == 0:
				lastN++
			default:
				if lastN > modeN {
					mode, modeN = last, lastN
				}
				last, lastN = v, 1
			}
		}
		if lastN > modeN {
			mode = last
		}
		return mode, nil
	}
	// hypothetical-set: where the direct arguments' row would fall
	hyp := st.direct
	n := len(rows)
	before, atOrBefore, groups := 0, 0, 0
	for i, r := range rows {
		c := compareRows(r, hyp, s.Order)
		if c < 0 {
			before++
			if i == 0 || compareRows(r, rows[i-1], s.Order) != 0 {
				groups++
			}
		}
		if c <= 0 {
			atOrBefore++
		}
	}
	switch s.Name {
	case "rank":
		return int64(before + 1), nil
	case "dense_rank":
		return int64(groups + 1), nil
	case "percent_rank":
		if n == 0 {
			return float64(0), nil
		}
		return float64(before) / float64(n), nil
	default: // cume_dist
		return float64(atOrBefore+1) / float64(n+1), nil
	}
}

// percentile is percentile_cont's interpolation or percentile_disc's pick
// among the sorted non-NULL values.
func (s *AggSpec) percentile(ec *Ctx, vals []types.Datum, p float64) (types.Datum, error) {
	n := len(vals)
	if s.Name == "percentile_disc" {
		k := int(math.Ceil(p * float64(n)))
		if k <= 1 {
			return vals[0], nil
		}
		return vals[k-1], nil
	}
	pos := p * float64(n-1)
	first, second := math.Floor(pos), math.Ceil(pos)
	lo, hi := vals[int(first)], vals[int(second)]
	if first == second {
		return lo, nil
	}
	frac := pos - first
	if s.SubOp == nil {
		l, h := lo.(float64), hi.(float64)
		return l + frac*(h-l), nil
	}
	d, err := s.SubOp.Fn(ec.Ev, hi, lo)
	if err != nil {
		return nil, err
	}
	if d, err = s.MulOp.Fn(ec.Ev, d, frac); err != nil {
		return nil, err
	}
	return s.SumOp.Fn(ec.Ev, d, lo)
}
