package builtins

import (
	"math"
	"time"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

func errTimestampRange() error {
	return pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range")
}

// addInterval adds iv to t, months and days on the wall clock in loc (UTC
// for timestamp), then the time part.
func addInterval(t time.Time, iv types.Interval, loc *time.Location) (time.Time, error) {
	if types.IsInfTime(t) != 0 {
		return t, nil
	}
	w := t.In(loc)
	if iv.Months != 0 {
		y, m, d := w.Date()
		total := int64(y)*12 + int64(m-1) + int64(iv.Months)
		ny := int(floorDiv(total, 12))
		nm := int(total-int64(ny)*12) + 1
		if d > types.DaysInMonth(nm, ny) {
			d = types.DaysInMonth(nm, ny)
		}
		h, mi, s := w.Clock()
		w = types.DateIn(ny, time.Month(nm), d, h, mi, s, w.Nanosecond(), loc)
	}
	if iv.Days != 0 {
		y, m, d := w.Date()
		h, mi, s := w.Clock()
		w = types.DateIn(y, m, d+int(iv.Days), h, mi, s, w.Nanosecond(), loc)
	}
	r := w.Add(time.Duration(iv.Micros) * time.Microsecond).UTC()
	if iv.Micros > math.MaxInt64/1000 || iv.Micros < math.MinInt64/1000 {
		r = w.Add(time.Duration(iv.Micros/1e6) * time.Second).Add(time.Duration(iv.Micros%1e6) * time.Microsecond).UTC()
	}
	if r.Before(types.MinTimestamp) || !r.Before(types.MaxTimestamp) {
		return time.Time{}, errTimestampRange()
	}
	return r, nil
}

// intervalSum is a + sign*b, field by field, with PostgreSQL's
// "interval out of range" when a field overflows.
func intervalSum(a, b types.Interval, sign int64) (types.Datum, error) {
	m := int64(a.Months) + sign*int64(b.Months)
	d := int64(a.Days) + sign*int64(b.Days)
	us, ok := int64(0), true
	if sign > 0 {
		us = a.Micros + b.Micros
		ok = !(a.Micros > 0 && b.Micros > 0 && us < 0 || a.Micros < 0 && b.Micros < 0 && us >= 0)
	} else {
		us = a.Micros - b.Micros
		ok = !(a.Micros >= 0 && b.Micros < 0 && us < 0 || a.Micros < 0 && b.Micros > 0 && us >= 0)
	}
	if !ok || m != int64(int32(m)) || d != int64(int32(d)) {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "interval out of range")
	}
	return types.Interval{Months: int32(m), Days: int32(d), Micros: us}, nil
}

func negInterval(iv types.Interval) types.Interval {
	return types.Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
}

// timestampDiff is timestamp_mi: the difference with whole days split out.
func timestampDiff(a, b time.Time) (types.Datum, error) {
	if types.IsInfTime(a) != 0 || types.IsInfTime(b) != 0 {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "cannot subtract infinite timestamps")
	}
	us := a.UnixMicro() - b.UnixMicro()
	return types.Interval{Days: int32(us / usPerDay), Micros: us % usPerDay}, nil
}

func intervalMul(iv types.Interval, f float64) (types.Datum, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "interval out of range")
	}
	monthsF := float64(iv.Months) * f
	daysF := float64(iv.Days) * f
	if math.Abs(monthsF) > math.MaxInt32 || math.Abs(daysF) > math.MaxInt32 {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "interval out of range")
	}
	months := int32(monthsF)
	days := int32(daysF)
	monthRemDays := (monthsF - float64(months)) * 30
	monthRemDays = math.Round(monthRemDays*1e6) / 1e6
	secRem := (daysF - float64(days) + monthRemDays - math.Trunc(monthRemDays)) * 86400
	secRem = math.Round(secRem*1e6) / 1e6
	if math.Abs(secRem) >= 86400 {
		days += int32(secRem / 86400)
		secRem -= math.Trunc(secRem/86400) * 86400
	}
	days += int32(monthRemDays)
	us := math.RoundToEven(float64(iv.Micros)*f + secRem*1e6)
	if math.Abs(us) > math.MaxInt64 {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "interval out of range")
	}
	return types.Interval{Months: months, Days: days, Micros: int64(us)}, nil
}

func dateAddDays(d types.Date, n int64) (types.Datum, error) {
	if d == types.DateInfinity || d == types.DateNegInfinity {
		return d, nil
	}
	r := int64(d) + n
	if r < int64(types.DateFromTime(types.MinTimestamp)) || r >= int64(types.DateFromTime(types.MaxTimestamp)) {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "date out of range")
	}
	return types.Date(r), nil
}

func registerTimeOps() {
	binop("+", types.DateOID, types.Int4OID, types.DateOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return dateAddDays(l.(types.Date), r.(int64))
	})
	binop("+", types.Int4OID, types.DateOID, types.DateOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return dateAddDays(r.(types.Date), l.(int64))
	})
	binop("-", types.DateOID, types.Int4OID, types.DateOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return dateAddDays(l.(types.Date), -r.(int64))
	})
	binop("-", types.DateOID, types.DateOID, types.Int4OID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		a, b := l.(types.Date), r.(types.Date)
		if a == types.DateInfinity || a == types.DateNegInfinity || b == types.DateInfinity || b == types.DateNegInfinity {
			return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "cannot subtract infinite dates")
		}
		return int64(a) - int64(b), nil
	})
	binop("+", types.DateOID, types.IntervalOID, types.TimestampOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return addInterval(types.DateToTime(l.(types.Date)), r.(types.Interval), time.UTC)
	})
	binop("+", types.IntervalOID, types.DateOID, types.TimestampOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return addInterval(types.DateToTime(r.(types.Date)), l.(types.Interval), time.UTC)
	})
	binop("-", types.DateOID, types.IntervalOID, types.TimestampOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return addInterval(types.DateToTime(l.(types.Date)), negInterval(r.(types.Interval)), time.UTC)
	})
	binop("+", types.DateOID, types.TimeOID, types.TimestampOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return types.DateToTime(l.(types.Date)).Add(time.Duration(r.(types.TimeOfDay)) * time.Microsecond), nil
	})
	binop("+", types.TimeOID, types.DateOID, types.TimestampOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return types.DateToTime(r.(types.Date)).Add(time.Duration(l.(types.TimeOfDay)) * time.Microsecond), nil
	})
	for _, ts := range []types.OID{types.TimestampOID, types.TimestamptzOID} {
		tz := ts == types.TimestamptzOID
		locOf := func(ctx *types.EvalContext) *time.Location {
			if tz {
				return ctxLoc(ctx)
			}
			return time.UTC
		}
		binop("+", ts, types.IntervalOID, ts, func(ctx *types.EvalContext, l, r types.Datum) (types.Datum, error) {
			return addInterval(l.(time.Time), r.(types.Interval), locOf(ctx))
		})
		binop("+", types.IntervalOID, ts, ts, func(ctx *types.EvalContext, l, r types.Datum) (types.Datum, error) {
			return addInterval(r.(time.Time), l.(types.Interval), locOf(ctx))
		})
		binop("-", ts, types.IntervalOID, ts, func(ctx *types.EvalContext, l, r types.Datum) (types.Datum, error) {
			return addInterval(l.(time.Time), negInterval(r.(types.Interval)), locOf(ctx))
		})
		binop("-", ts, ts, types.IntervalOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
			return timestampDiff(l.(time.Time), r.(time.Time))
		})
	}
	binop("+", types.IntervalOID, types.IntervalOID, types.IntervalOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return intervalSum(l.(types.Interval), r.(types.Interval), 1)
	})
	binop("-", types.IntervalOID, types.IntervalOID, types.IntervalOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return intervalSum(l.(types.Interval), r.(types.Interval), -1)
	})
	binop("*", types.IntervalOID, types.Float8OID, types.IntervalOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return intervalMul(l.(types.Interval), r.(float64))
	})
	binop("*", types.Float8OID, types.IntervalOID, types.IntervalOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return intervalMul(r.(types.Interval), l.(float64))
	})
	binop("/", types.IntervalOID, types.Float8OID, types.IntervalOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		f := r.(float64)
		if f == 0 {
			return nil, errDivByZero()
		}
		return intervalMul(l.(types.Interval), 1/f)
	})
	unop("-", types.IntervalOID, types.IntervalOID, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) {
		return intervalSum(types.Interval{}, v.(types.Interval), -1)
	})
	unop("+", types.IntervalOID, types.IntervalOID, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) { return v, nil })
	binop("-", types.TimeOID, types.TimeOID, types.IntervalOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return types.Interval{Micros: int64(l.(types.TimeOfDay)) - int64(r.(types.TimeOfDay))}, nil
	})
	addTime := func(t types.TimeOfDay, iv types.Interval, sign int64) types.Datum {
		us := (int64(t) + sign*iv.Micros) % usPerDay
		if us < 0 {
			us += usPerDay
		}
		return types.TimeOfDay(us)
	}
	binop("+", types.TimeOID, types.IntervalOID, types.TimeOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return addTime(l.(types.TimeOfDay), r.(types.Interval), 1), nil
	})
	binop("+", types.IntervalOID, types.TimeOID, types.TimeOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return addTime(r.(types.TimeOfDay), l.(types.Interval), 1), nil
	})
	binop("-", types.TimeOID, types.IntervalOID, types.TimeOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return addTime(l.(types.TimeOfDay), r.(types.Interval), -1), nil
	})
}
