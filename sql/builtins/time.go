package builtins

import (
	"math"
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// txnTime is the statement's transaction time (now()), or the current
// time without one, as sql/types reads 'now'.
func txnTime(ctx *types.EvalContext) time.Time {
	if ctx == nil || ctx.TxnTime.IsZero() {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return ctx.TxnTime.UTC().Truncate(time.Microsecond)
}

func stmtTime(ctx *types.EvalContext) time.Time {
	if ctx == nil || ctx.StmtTime.IsZero() {
		return txnTime(ctx)
	}
	return ctx.StmtTime.UTC().Truncate(time.Microsecond)
}

// fieldTime is a timestamp's wall clock broken into fields.
type fieldTime struct {
	t   time.Time // wall clock, in its zone
	off int       // UTC offset in seconds (timestamptz only)
	tz  bool
}

func (f fieldTime) epochMicros() int64 { return f.t.UnixMicro() }

func errUnit(unit string, oid types.OID, supported bool) error {
	if supported {
		return pgerror.New(pgerror.FeatureNotSupported, "unit \"%s\" not supported for type %s", unit, types.FormatType(tt(oid)))
	}
	return pgerror.New(pgerror.InvalidParameterValue, "unit \"%s\" not recognized for type %s", unit, types.FormatType(tt(oid)))
}

// timestampField computes EXTRACT(unit FROM ts) as a numeric (PG 14+ extract).
func timestampField(unit string, f fieldTime, oid types.OID) (*apd.Decimal, error) {
	t := f.t
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	us := int64(t.Nanosecond() / 1000)
	secMicros := int64(s)*1e6 + us
	n := func(v int64) (*apd.Decimal, error) { return apd.New(v, 0), nil }
	switch types.NormalizeUnit(unit) {
	case "microseconds":
		return n(secMicros)
	case "milliseconds":
		return apd.New(secMicros, -3), nil
	case "second":
		return apd.New(secMicros, -6), nil
	case "minute":
		return n(int64(mi))
	case "hour":
		return n(int64(h))
	case "day":
		return n(int64(d))
	case "month":
		return n(int64(mo))
	case "quarter":
		return n(int64((mo-1)/3 + 1))
	case "week":
		_, w := t.ISOWeek()
		return n(int64(w))
	case "year":
		if y <= 0 {
			return n(int64(y - 1))
		}
		return n(int64(y))
	case "decade":
		return n(floorDiv(int64(y), 10))
	case "century":
		if y > 0 {
			return n(int64((y + 99) / 100))
		}
		return n(-int64((99 - (y - 1)) / 100))
	case "millennium":
		if y > 0 {
			return n(int64((y + 999) / 1000))
		}
		return n(-int64((999 - (y - 1)) / 1000))
	case "dow":
		return n(int64(t.Weekday()))
	case "isodow":
		wd := int64(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return n(wd)
	case "doy":
		return n(int64(t.YearDay()))
	case "isoyear":
		iy, _ := t.ISOWeek()
		return n(int64(iy))
	case "epoch":
		return apd.New(f.epochMicros(), -6), nil
	case "julian":
		day := julianDay(y, mo, d)
		frac := (int64(h)*3600*1e6 + int64(mi)*60*1e6 + secMicros)
		var r apd.Decimal
		q, _ := divToScale(apd.New(frac, 0), apd.New(usPerDay, 0), 20)
		exactCtx.Add(&r, apd.New(day, 0), q)
		return &r, nil
	case "timezone":
		if !f.tz {
			return nil, errUnit(unit, oid, true)
		}
		return n(int64(f.off))
	case "timezone_hour":
		if !f.tz {
			return nil, errUnit(unit, oid, true)
		}
		return n(int64(f.off / 3600))
	case "timezone_minute":
		if !f.tz {
			return nil, errUnit(unit, oid, true)
		}
		return n(int64(f.off / 60 % 60))
	}
	return nil, errUnit(unit, oid, false)
}

func fieldTimeOf(ctx *types.EvalContext, t time.Time, tz bool) fieldTime {
	if tz {
		w := t.In(ctxLoc(ctx))
		_, off := w.Zone()
		return fieldTime{t: w, off: off, tz: true}
	}
	return fieldTime{t: t}
}

func dateField(unit string, d types.Date) (*apd.Decimal, error) {
	switch types.NormalizeUnit(unit) {
	case "microseconds", "milliseconds", "second", "minute", "hour", "timezone", "timezone_hour", "timezone_minute":
		return nil, errUnit(unit, types.DateOID, true)
	case "epoch":
		return apd.New(int64(d)*86400+946684800, 0), nil
	case "julian":
		return apd.New(int64(d)+2451545, 0), nil
	}
	return timestampField(unit, fieldTime{t: types.DateToTime(d)}, types.DateOID)
}

func intervalField(unit string, iv types.Interval) (*apd.Decimal, error) {
	n := func(v int64) (*apd.Decimal, error) { return apd.New(v, 0), nil }
	secMicros := iv.Micros % usPerMin
	switch types.NormalizeUnit(unit) {
	case "microseconds":
		return n(secMicros)
	case "milliseconds":
		return apd.New(secMicros, -3), nil
	case "second":
		return apd.New(secMicros, -6), nil
	case "minute":
		return n(iv.Micros / usPerMin % 60)
	case "hour":
		return n(iv.Micros / usPerHour)
	case "day":
		return n(int64(iv.Days))
	case "month":
		return n(int64(iv.Months % 12))
	case "quarter":
		return n(int64(iv.Months%12/3 + 1))
	case "year":
		return n(int64(iv.Months / 12))
	case "decade":
		return n(int64(iv.Months / 120))
	case "century":
		return n(int64(iv.Months / 1200))
	case "millennium":
		return n(int64(iv.Months / 12000))
	case "epoch":
		// years are 365.25 days, months 30 days
		years := int64(iv.Months / 12)
		months := int64(iv.Months % 12)
		micros := years*int64(365.25*86400)*1e6 + months*30*usPerDay + int64(iv.Days)*usPerDay + iv.Micros
		return apd.New(micros, -6), nil
	}
	return nil, errUnit(unit, types.IntervalOID, false)
}

func timeField(unit string, t types.TimeOfDay) (*apd.Decimal, error) {
	us := int64(t)
	switch types.NormalizeUnit(unit) {
	case "microseconds":
		return apd.New(us%usPerMin, 0), nil
	case "milliseconds":
		return apd.New(us%usPerMin, -3), nil
	case "second":
		return apd.New(us%usPerMin, -6), nil
	case "minute":
		return apd.New(us/usPerMin%60, 0), nil
	case "hour":
		return apd.New(us/usPerHour, 0), nil
	case "epoch":
		return apd.New(us, -6), nil
	}
	return nil, errUnit(unit, types.TimeOID, false)
}

func toFloat(d *apd.Decimal, err error) (types.Datum, error) {
	if err != nil {
		return nil, err
	}
	return numericToFloat(d), nil
}

func toNumeric(d *apd.Decimal, err error) (types.Datum, error) {
	if err != nil {
		return nil, err
	}
	return d, nil
}

func infField(unit string, t time.Time) (types.Datum, bool) {
	switch types.IsInfTime(t) {
	case 0:
		return nil, false
	}
	switch types.NormalizeUnit(unit) {
	case "epoch", "year", "decade", "century", "millennium", "julian", "isoyear":
		if types.IsInfTime(t) > 0 {
			return math.Inf(1), true
		}
		return math.Inf(-1), true
	}
	return nil, true
}

// truncTime is date_trunc on a wall clock.
func truncTime(unit string, t time.Time, oid types.OID) (time.Time, error) {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ns := t.Nanosecond()
	loc := t.Location()
	// below a day the offset stays the one t has (PostgreSQL's
	// timestamptz_trunc: 01:30-04 on a fall-back day truncates to
	// 01:00-04); from a day up the truncated wall clock is read in loc
	_, off := t.Zone()
	same := func(h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.FixedZone("", off)).In(loc)
	}
	switch types.NormalizeUnit(unit) {
	case "microseconds":
		return t, nil
	case "milliseconds":
		return same(h, mi, s, ns/1e6*1e6), nil
	case "second":
		return same(h, mi, s, 0), nil
	case "minute":
		return same(h, mi, 0, 0), nil
	case "hour":
		return same(h, 0, 0, 0), nil
	case "day":
		return types.DateIn(y, mo, d, 0, 0, 0, 0, loc), nil
	case "week":
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return types.DateIn(y, mo, d-(wd-1), 0, 0, 0, 0, loc), nil
	case "month":
		return types.DateIn(y, mo, 1, 0, 0, 0, 0, loc), nil
	case "quarter":
		return types.DateIn(y, (mo-1)/3*3+1, 1, 0, 0, 0, 0, loc), nil
	case "year":
		return types.DateIn(y, 1, 1, 0, 0, 0, 0, loc), nil
	case "decade":
		if y > 0 {
			return types.DateIn(y/10*10, 1, 1, 0, 0, 0, 0, loc), nil
		}
		return types.DateIn(-((8-(y-1))/10)*10+1, 1, 1, 0, 0, 0, 0, loc), nil
	case "century":
		if y > 0 {
			return types.DateIn((y+99)/100*100-99, 1, 1, 0, 0, 0, 0, loc), nil
		}
		return types.DateIn(-((99-(y-1))/100)*100+1, 1, 1, 0, 0, 0, 0, loc), nil
	case "millennium":
		if y > 0 {
			return types.DateIn((y+999)/1000*1000-999, 1, 1, 0, 0, 0, 0, loc), nil
		}
		return types.DateIn(-((999-(y-1))/1000)*1000+1, 1, 1, 0, 0, 0, 0, loc), nil
	}
	return time.Time{}, errUnit(unit, oid, false)
}

func truncInterval(unit string, iv types.Interval) (types.Datum, error) {
	switch types.NormalizeUnit(unit) {
	case "microseconds":
		return iv, nil
	case "milliseconds":
		return types.Interval{Months: iv.Months, Days: iv.Days, Micros: iv.Micros / 1000 * 1000}, nil
	case "second":
		return types.Interval{Months: iv.Months, Days: iv.Days, Micros: iv.Micros / usPerSec * usPerSec}, nil
	case "minute":
		return types.Interval{Months: iv.Months, Days: iv.Days, Micros: iv.Micros / usPerMin * usPerMin}, nil
	case "hour":
		return types.Interval{Months: iv.Months, Days: iv.Days, Micros: iv.Micros / usPerHour * usPerHour}, nil
	case "day":
		return types.Interval{Months: iv.Months, Days: iv.Days, Micros: 0}, nil
	case "month":
		return types.Interval{Months: iv.Months}, nil
	case "quarter":
		return types.Interval{Months: iv.Months / 3 * 3}, nil
	case "year":
		return types.Interval{Months: iv.Months / 12 * 12}, nil
	case "decade":
		return types.Interval{Months: iv.Months / 120 * 120}, nil
	case "century":
		return types.Interval{Months: iv.Months / 1200 * 1200}, nil
	case "millennium":
		return types.Interval{Months: iv.Months / 12000 * 12000}, nil
	case "week":
		return nil, pgerror.New(pgerror.FeatureNotSupported, "interval units \"%s\" not supported because months usually have fractional weeks", unit)
	}
	return nil, errUnit(unit, types.IntervalOID, false)
}

// age is timestamp_age: a symbolic difference in years, months and days.
func age(a, b time.Time) (types.Datum, error) {
	if types.IsInfTime(a) != 0 || types.IsInfTime(b) != 0 {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "interval out of range")
	}
	y1, m1, d1 := a.Date()
	h1, mi1, s1 := a.Clock()
	y2, m2, d2 := b.Date()
	h2, mi2, s2 := b.Clock()
	fsec := int64(a.Nanosecond()/1000 - b.Nanosecond()/1000)
	sec := int64(s1 - s2)
	min := int64(mi1 - mi2)
	hour := int64(h1 - h2)
	mday := int64(d1 - d2)
	mon := int64(m1 - m2)
	year := int64(y1 - y2)
	neg := a.Before(b)
	if neg {
		fsec, sec, min, hour, mday, mon, year = -fsec, -sec, -min, -hour, -mday, -mon, -year
	}
	for fsec < 0 {
		fsec += 1e6
		sec--
	}
	for sec < 0 {
		sec += 60
		min--
	}
	for min < 0 {
		min += 60
		hour--
	}
	for hour < 0 {
		hour += 24
		mday--
	}
	for mday < 0 {
		if neg {
			mday += int64(types.DaysInMonth(int(m1), y1))
		} else {
			mday += int64(types.DaysInMonth(int(m2), y2))
		}
		mon--
	}
	for mon < 0 {
		mon += 12
		year--
	}
	if neg {
		fsec, sec, min, hour, mday, mon, year = -fsec, -sec, -min, -hour, -mday, -mon, -year
	}
	return types.Interval{Months: int32(year*12 + mon), Days: int32(mday), Micros: ((hour*60+min)*60+sec)*1e6 + fsec}, nil
}

func registerTimeFuncs() {
	now := func(ctx *types.EvalContext, _ []types.Datum) (types.Datum, error) { return txnTime(ctx), nil }
	for _, n := range []string{"now", "current_timestamp", "transaction_timestamp"} {
		types.RegisterFunc(&types.Func{Name: n, Ret: tt(types.TimestamptzOID), Strict: true, Fn: now})
	}
	types.RegisterFunc(&types.Func{Name: "statement_timestamp", Ret: tt(types.TimestamptzOID), Strict: true,
		Fn: func(ctx *types.EvalContext, _ []types.Datum) (types.Datum, error) { return stmtTime(ctx), nil }})
	types.RegisterFunc(&types.Func{Name: "clock_timestamp", Ret: tt(types.TimestamptzOID), Strict: true, Volatile: true,
		Fn: func(ctx *types.EvalContext, _ []types.Datum) (types.Datum, error) {
			return time.Now().UTC().Truncate(time.Microsecond), nil
		}})
	types.RegisterFunc(&types.Func{Name: "localtimestamp", Ret: tt(types.TimestampOID), Strict: true,
		Fn: func(ctx *types.EvalContext, _ []types.Datum) (types.Datum, error) {
			return types.WallUTC(txnTime(ctx).In(ctxLoc(ctx))), nil
		}})
	types.RegisterFunc(&types.Func{Name: "current_date", Ret: tt(types.DateOID), Strict: true,
		Fn: func(ctx *types.EvalContext, _ []types.Datum) (types.Datum, error) {
			return types.DateFromTime(txnTime(ctx).In(ctxLoc(ctx))), nil
		}})
	types.RegisterFunc(&types.Func{Name: "timeofday", Ret: tt(types.TextOID), Strict: true, Volatile: true,
		Fn: func(ctx *types.EvalContext, _ []types.Datum) (types.Datum, error) {
			return time.Now().In(ctxLoc(ctx)).Format("Mon Jan 02 15:04:05.000000 2006 MST"), nil
		}})

	def("date_trunc", types.TimestampOID, oids(types.TextOID, types.TimestampOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		t := a[1].(time.Time)
		if types.IsInfTime(t) != 0 {
			return t, nil
		}
		return truncTime(str(a[0]), t, types.TimestampOID)
	})
	def("date_trunc", types.TimestamptzOID, oids(types.TextOID, types.TimestamptzOID), func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		t := a[1].(time.Time)
		if types.IsInfTime(t) != 0 {
			return t, nil
		}
		r, err := truncTime(str(a[0]), t.In(ctxLoc(ctx)), types.TimestamptzOID)
		if err != nil {
			return nil, err
		}
		return r.UTC(), nil
	})
	def("date_trunc", types.TimestamptzOID, oids(types.TextOID, types.TimestamptzOID, types.TextOID), func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		loc, err := types.LoadLocation(str(a[2]))
		if err != nil {
			return nil, err
		}
		r, err := truncTime(str(a[0]), a[1].(time.Time).In(loc), types.TimestamptzOID)
		if err != nil {
			return nil, err
		}
		return r.UTC(), nil
	})
	def("date_trunc", types.IntervalOID, oids(types.TextOID, types.IntervalOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return truncInterval(str(a[0]), a[1].(types.Interval))
	})
	for _, spec := range []struct {
		name string
		ret  types.OID
		conv func(*apd.Decimal, error) (types.Datum, error)
	}{{"date_part", types.Float8OID, toFloat}, {"extract", types.NumericOID, toNumeric}} {
		conv := spec.conv
		def(spec.name, spec.ret, oids(types.TextOID, types.TimestampOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			if v, ok := infField(str(a[0]), a[1].(time.Time)); ok {
				if f, isF := v.(float64); isF && spec.ret == types.NumericOID {
					return floatToNumeric(types.Float8OID, f)
				}
				return v, nil
			}
			return conv(timestampField(str(a[0]), fieldTime{t: a[1].(time.Time)}, types.TimestampOID))
		})
		def(spec.name, spec.ret, oids(types.TextOID, types.TimestamptzOID), func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
			if v, ok := infField(str(a[0]), a[1].(time.Time)); ok {
				if f, isF := v.(float64); isF && spec.ret == types.NumericOID {
					return floatToNumeric(types.Float8OID, f)
				}
				return v, nil
			}
			return conv(timestampField(str(a[0]), fieldTimeOf(ctx, a[1].(time.Time), true), types.TimestamptzOID))
		})
		def(spec.name, spec.ret, oids(types.TextOID, types.DateOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return conv(dateField(str(a[0]), a[1].(types.Date)))
		})
		def(spec.name, spec.ret, oids(types.TextOID, types.IntervalOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return conv(intervalField(str(a[0]), a[1].(types.Interval)))
		})
		def(spec.name, spec.ret, oids(types.TextOID, types.TimeOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return conv(timeField(str(a[0]), a[1].(types.TimeOfDay)))
		})
	}
	def("age", types.IntervalOID, oids(types.TimestampOID, types.TimestampOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return age(a[0].(time.Time), a[1].(time.Time))
	})
	def("age", types.IntervalOID, oids(types.TimestamptzOID, types.TimestamptzOID), func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		loc := ctxLoc(ctx)
		return age(a[0].(time.Time).In(loc), a[1].(time.Time).In(loc))
	})
	def("age", types.IntervalOID, oids(types.TimestamptzOID), func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		loc := ctxLoc(ctx)
		n := txnTime(ctx).In(loc)
		y, m, d := n.Date()
		return age(types.DateIn(y, m, d, 0, 0, 0, 0, loc), a[0].(time.Time).In(loc))
	})
	def("make_date", types.DateOID, oids(types.Int4OID, types.Int4OID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		y, m, d := i64(a[0]), i64(a[1]), i64(a[2])
		yy := y
		if y < 0 {
			yy = y + 1
		}
		if y == 0 || !types.ValidDate(int(abs(y)), int(m), int(d)) {
			return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y, m, d)
		}
		return types.DateFromTime(time.Date(int(yy), time.Month(m), int(d), 0, 0, 0, 0, time.UTC)), nil
	})
	def("make_timestamp", types.TimestampOID, oids(types.Int4OID, types.Int4OID, types.Int4OID, types.Int4OID, types.Int4OID, types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return makeTimestamp(a, time.UTC)
	})
	def("make_timestamptz", types.TimestamptzOID, oids(types.Int4OID, types.Int4OID, types.Int4OID, types.Int4OID, types.Int4OID, types.Float8OID), func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		r, err := makeTimestamp(a, ctxLoc(ctx))
		if err != nil {
			return nil, err
		}
		return r.(time.Time).UTC(), nil
	})
	def("to_timestamp", types.TimestamptzOID, oids(types.Float8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		f := f64(a[0])
		switch {
		case math.IsNaN(f):
			return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp cannot be NaN")
		case math.IsInf(f, 1):
			return types.TimestampInfinity, nil
		case math.IsInf(f, -1):
			return types.TimestampNegInfinity, nil
		}
		us := math.Round(f * 1e6)
		if f < float64(types.MinTimestamp.Unix()) || f >= float64(types.MaxTimestamp.Unix()) {
			return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", types.TextString(tt(types.Float8OID), f))
		}
		return time.UnixMicro(int64(us)).UTC(), nil
	})
	def("timezone", types.TimestampOID, oids(types.TextOID, types.TimestamptzOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		loc, err := zoneArg(str(a[0]))
		if err != nil {
			return nil, err
		}
		return types.WallUTC(a[1].(time.Time).In(loc)), nil
	})
	def("timezone", types.TimestamptzOID, oids(types.TextOID, types.TimestampOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		loc, err := zoneArg(str(a[0]))
		if err != nil {
			return nil, err
		}
		return timestamptzIn(a[1].(time.Time), loc)
	})
	// AT TIME ZONE INTERVAL '+02:00': a zone that many hours east of UTC
	// (no months or days, as PostgreSQL requires)
	intervalZone := func(d types.Datum) (*time.Location, error) {
		iv := d.(types.Interval)
		if iv.Months != 0 || iv.Days != 0 {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "interval time zone \"%s\" must not include months or days", types.TextString(types.T{OID: types.IntervalOID, Mod: -1}, iv))
		}
		east := int(iv.Micros / 1e6)
		return time.FixedZone(types.OffsetZoneName(east), east), nil
	}
	def("timezone", types.TimestampOID, oids(types.IntervalOID, types.TimestamptzOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		loc, err := intervalZone(a[0])
		if err != nil {
			return nil, err
		}
		return types.WallUTC(a[1].(time.Time).In(loc)), nil
	})
	def("timezone", types.TimestamptzOID, oids(types.IntervalOID, types.TimestampOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		loc, err := intervalZone(a[0])
		if err != nil {
			return nil, err
		}
		return timestamptzIn(a[1].(time.Time), loc)
	})
	def("isfinite", types.BoolOID, oids(types.TimestamptzOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return types.IsInfTime(a[0].(time.Time)) == 0, nil
	})
	def("isfinite", types.BoolOID, oids(types.DateOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return a[0].(types.Date) != types.DateInfinity && a[0].(types.Date) != types.DateNegInfinity, nil
	})
	def("justify_hours", types.IntervalOID, oids(types.IntervalOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return justifyHours(a[0].(types.Interval))
	})
	def("justify_days", types.IntervalOID, oids(types.IntervalOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return justifyDays(a[0].(types.Interval))
	})
	def("justify_interval", types.IntervalOID, oids(types.IntervalOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return justifyInterval(a[0].(types.Interval))
	})
	def("to_char", types.TextOID, oids(types.TimestampOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return toCharTime(a[0].(time.Time), str(a[1]), false), nil
	})
	def("to_char", types.TextOID, oids(types.TimestamptzOID, types.TextOID), func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		t := a[0].(time.Time)
		if types.IsInfTime(t) == 0 {
			t = t.In(ctxLoc(ctx))
		}
		return toCharTime(t, str(a[1]), true), nil
	})
	def("to_char", types.TextOID, oids(types.IntervalOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		iv := a[0].(types.Interval)
		t := time.Date(int(iv.Months/12), time.Month(iv.Months%12+1), int(iv.Days), 0, 0, 0, 0, time.UTC).Add(time.Duration(iv.Micros) * time.Microsecond)
		return toCharTime(t, str(a[1]), false), nil
	})
	def("to_char", types.TextOID, oids(types.NumericOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return toCharNumber(dec(a[0]), str(a[1])), nil
	})
	for _, it := range []types.OID{types.Int4OID, types.Int8OID} {
		def("to_char", types.TextOID, oids(it, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return toCharNumber(apd.New(i64(a[0]), 0), str(a[1])), nil
		})
	}
	def("to_char", types.TextOID, oids(types.Float4OID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		d, err := floatToNumeric(types.Float4OID, f64(a[0]))
		if err != nil {
			return nil, err
		}
		return toCharNumber(d, str(a[1])), nil
	})
	def("to_char", types.TextOID, oids(types.Float8OID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		d, err := floatToNumeric(types.Float8OID, f64(a[0]))
		if err != nil {
			return nil, err
		}
		return toCharNumber(d, str(a[1])), nil
	})
	def("to_date", types.DateOID, oids(types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		t, err := parseWithFormat(str(a[0]), str(a[1]), time.UTC)
		if err != nil {
			return nil, err
		}
		return types.DateFromTime(t), nil
	})
	def("to_timestamp", types.TimestamptzOID, oids(types.TextOID, types.TextOID), func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		t, err := parseWithFormat(str(a[0]), str(a[1]), ctxLoc(ctx))
		if err != nil {
			return nil, err
		}
		return t.UTC(), nil
	})
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func zoneArg(name string) (*time.Location, error) {
	loc, err := types.LoadLocation(name)
	if err != nil {
		return nil, pgerror.New(pgerror.InvalidParameterValue, "time zone \"%s\" not recognized", name)
	}
	return loc, nil
}

func makeTimestamp(a []types.Datum, loc *time.Location) (types.Datum, error) {
	y, mo, d, h, mi := i64(a[0]), i64(a[1]), i64(a[2]), i64(a[3]), i64(a[4])
	sec := f64(a[5])
	if y == 0 || !types.ValidDate(int(abs(y)), int(mo), int(d)) {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y, mo, d)
	}
	if h < 0 || h > 24 || mi < 0 || mi > 59 || sec < 0 || sec > 60 || math.IsNaN(sec) {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "time field value out of range: %d:%02d:%s", h, mi, types.TextString(tt(types.Float8OID), sec))
	}
	if y < 0 {
		y++
	}
	us := int64(math.Round(sec * 1e6))
	return types.DateIn(int(y), time.Month(mo), int(d), int(h), int(mi), 0, 0, loc).Add(time.Duration(us) * time.Microsecond), nil
}
