package types

import (
	"math"
	"time"

	"logdb/sql/pgerror"
)

func errTimestampRange() error {
	return pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range")
}

// addInterval adds iv to t, months and days on the wall clock in loc (UTC
// for timestamp), then the time part.
func addInterval(t time.Time, iv Interval, loc *time.Location) (time.Time, error) {
	if isInfTime(t) != 0 {
		return t, nil
	}
	w := t.In(loc)
	if iv.Months != 0 {
		y, m, d := w.Date()
		total := int64(y)*12 + int64(m-1) + int64(iv.Months)
		ny := int(floorDiv(total, 12))
		nm := int(total-int64(ny)*12) + 1
		if d > daysIn(nm, ny) {
			d = daysIn(nm, ny)
		}
		h, mi, s := w.Clock()
		w = time.Date(ny, time.Month(nm), d, h, mi, s, w.Nanosecond(), loc)
	}
	if iv.Days != 0 {
		y, m, d := w.Date()
		h, mi, s := w.Clock()
		w = time.Date(y, m, d+int(iv.Days), h, mi, s, w.Nanosecond(), loc)
	}
	r := w.Add(time.Duration(iv.Micros) * time.Microsecond).UTC()
	if iv.Micros > math.MaxInt64/1000 || iv.Micros < math.MinInt64/1000 {
		r = w.Add(time.Duration(iv.Micros/1e6) * time.Second).Add(time.Duration(iv.Micros%1e6) * time.Microsecond).UTC()
	}
	if r.Before(minTimestamp) || !r.Before(maxTimestamp) {
		return time.Time{}, errTimestampRange()
	}
	return r, nil
}

func negInterval(iv Interval) Interval {
	return Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
}

// timestampDiff is timestamp_mi: the difference with whole days split out.
func timestampDiff(a, b time.Time) (Datum, error) {
	if isInfTime(a) != 0 || isInfTime(b) != 0 {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "cannot subtract infinite timestamps")
	}
	us := a.UnixMicro() - b.UnixMicro()
	return Interval{Days: int32(us / usPerDay), Micros: us % usPerDay}, nil
}

func intervalMul(iv Interval, f float64) (Datum, error) {
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
	return Interval{Months: months, Days: days, Micros: int64(us)}, nil
}

func dateAddDays(d Date, n int64) (Datum, error) {
	if d == DateInfinity || d == DateNegInfinity {
		return d, nil
	}
	r := int64(d) + n
	if r < int64(DateFromTime(minTimestamp)) || r >= int64(DateFromTime(maxTimestamp)) {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "date out of range")
	}
	return Date(r), nil
}

func registerTimeOps() {
	binop("+", DateOID, Int4OID, DateOID, func(_ *EvalContext, l, r Datum) (Datum, error) { return dateAddDays(l.(Date), r.(int64)) })
	binop("+", Int4OID, DateOID, DateOID, func(_ *EvalContext, l, r Datum) (Datum, error) { return dateAddDays(r.(Date), l.(int64)) })
	binop("-", DateOID, Int4OID, DateOID, func(_ *EvalContext, l, r Datum) (Datum, error) { return dateAddDays(l.(Date), -r.(int64)) })
	binop("-", DateOID, DateOID, Int4OID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		a, b := l.(Date), r.(Date)
		if a == DateInfinity || a == DateNegInfinity || b == DateInfinity || b == DateNegInfinity {
			return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "cannot subtract infinite dates")
		}
		return int64(a) - int64(b), nil
	})
	binop("+", DateOID, IntervalOID, TimestampOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return addInterval(DateToTime(l.(Date)), r.(Interval), time.UTC)
	})
	binop("+", IntervalOID, DateOID, TimestampOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return addInterval(DateToTime(r.(Date)), l.(Interval), time.UTC)
	})
	binop("-", DateOID, IntervalOID, TimestampOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return addInterval(DateToTime(l.(Date)), negInterval(r.(Interval)), time.UTC)
	})
	binop("+", DateOID, TimeOID, TimestampOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return DateToTime(l.(Date)).Add(time.Duration(r.(TimeOfDay)) * time.Microsecond), nil
	})
	binop("+", TimeOID, DateOID, TimestampOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return DateToTime(r.(Date)).Add(time.Duration(l.(TimeOfDay)) * time.Microsecond), nil
	})
	for _, ts := range []OID{TimestampOID, TimestamptzOID} {
		tz := ts == TimestamptzOID
		locOf := func(ctx *EvalContext) *time.Location {
			if tz {
				return ctxLoc(ctx)
			}
			return time.UTC
		}
		binop("+", ts, IntervalOID, ts, func(ctx *EvalContext, l, r Datum) (Datum, error) {
			return addInterval(l.(time.Time), r.(Interval), locOf(ctx))
		})
		binop("+", IntervalOID, ts, ts, func(ctx *EvalContext, l, r Datum) (Datum, error) {
			return addInterval(r.(time.Time), l.(Interval), locOf(ctx))
		})
		binop("-", ts, IntervalOID, ts, func(ctx *EvalContext, l, r Datum) (Datum, error) {
			return addInterval(l.(time.Time), negInterval(r.(Interval)), locOf(ctx))
		})
		binop("-", ts, ts, IntervalOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
			return timestampDiff(l.(time.Time), r.(time.Time))
		})
	}
	binop("+", IntervalOID, IntervalOID, IntervalOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		a, b := l.(Interval), r.(Interval)
		return Interval{Months: a.Months + b.Months, Days: a.Days + b.Days, Micros: a.Micros + b.Micros}, nil
	})
	binop("-", IntervalOID, IntervalOID, IntervalOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		a, b := l.(Interval), r.(Interval)
		return Interval{Months: a.Months - b.Months, Days: a.Days - b.Days, Micros: a.Micros - b.Micros}, nil
	})
	binop("*", IntervalOID, Float8OID, IntervalOID, func(_ *EvalContext, l, r Datum) (Datum, error) { return intervalMul(l.(Interval), r.(float64)) })
	binop("*", Float8OID, IntervalOID, IntervalOID, func(_ *EvalContext, l, r Datum) (Datum, error) { return intervalMul(r.(Interval), l.(float64)) })
	binop("/", IntervalOID, Float8OID, IntervalOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		f := r.(float64)
		if f == 0 {
			return nil, errDivByZero()
		}
		return intervalMul(l.(Interval), 1/f)
	})
	unop("-", IntervalOID, IntervalOID, func(_ *EvalContext, v Datum) (Datum, error) { return negInterval(v.(Interval)), nil })
	unop("+", IntervalOID, IntervalOID, func(_ *EvalContext, v Datum) (Datum, error) { return v, nil })
	binop("-", TimeOID, TimeOID, IntervalOID, func(_ *EvalContext, l, r Datum) (Datum, error) {
		return Interval{Micros: int64(l.(TimeOfDay)) - int64(r.(TimeOfDay))}, nil
	})
	addTime := func(t TimeOfDay, iv Interval, sign int64) Datum {
		us := (int64(t) + sign*iv.Micros) % usPerDay
		if us < 0 {
			us += usPerDay
		}
		return TimeOfDay(us)
	}
	binop("+", TimeOID, IntervalOID, TimeOID, func(_ *EvalContext, l, r Datum) (Datum, error) { return addTime(l.(TimeOfDay), r.(Interval), 1), nil })
	binop("+", IntervalOID, TimeOID, TimeOID, func(_ *EvalContext, l, r Datum) (Datum, error) { return addTime(r.(TimeOfDay), l.(Interval), 1), nil })
	binop("-", TimeOID, IntervalOID, TimeOID, func(_ *EvalContext, l, r Datum) (Datum, error) { return addTime(l.(TimeOfDay), r.(Interval), -1), nil })
}
