package types

import (
	"strconv"

	"logdb/sql/pgerror"
)

// Interval type modifiers, as PostgreSQL encodes them: typmod = range<<16 |
// precision, range a mask of the fields the interval keeps (INTERVAL DAY
// TO HOUR) and precision the fractional digits of its seconds (0xFFFF:
// all). A value read or cast to such a type drops the fields below its
// range and rounds its seconds; a bare number in its text is in units of
// the range's last field (INTERVAL '7' DAY is 7 days).

// The field bits of an interval range (PostgreSQL's INTERVAL_MASK).
const (
	ivMonth  = 1 << 1
	ivYear   = 1 << 2
	ivDay    = 1 << 3
	ivHour   = 1 << 10
	ivMinute = 1 << 11
	ivSecond = 1 << 12

	ivFullRange     = 0x7FFF
	ivFullPrecision = 0xFFFF
)

// the ranges the grammar can produce, with their SQL spelling
var intervalRanges = map[int32]string{
	ivYear: "year", ivMonth: "month", ivDay: "day", ivHour: "hour", ivMinute: "minute", ivSecond: "second",
	ivYear | ivMonth: "year to month", ivDay | ivHour: "day to hour", ivDay | ivHour | ivMinute: "day to minute",
	ivDay | ivHour | ivMinute | ivSecond: "day to second", ivHour | ivMinute: "hour to minute",
	ivHour | ivMinute | ivSecond: "hour to second", ivMinute | ivSecond: "minute to second",
	ivFullRange: "",
}

// intervalTypmod checks INTERVAL's modifiers: a range, then optionally a
// precision.
func intervalTypmod(mods []int32) (int32, error) {
	if len(mods) == 0 {
		return -1, nil
	}
	if len(mods) > 2 {
		return 0, pgerror.New(pgerror.SyntaxError, "invalid INTERVAL type modifier")
	}
	rng := mods[0]
	if _, ok := intervalRanges[rng]; !ok {
		return 0, pgerror.New(pgerror.SyntaxError, "invalid INTERVAL type modifier")
	}
	prec := int32(ivFullPrecision)
	if len(mods) == 2 {
		if prec = mods[1]; prec < 0 {
			return 0, pgerror.New(pgerror.InvalidParameterValue, "INTERVAL(%d) precision must not be negative", prec)
		}
		prec = min(prec, 6) // PostgreSQL warns and reduces it to 6
	}
	if rng == ivFullRange && prec == ivFullPrecision {
		return -1, nil
	}
	return rng<<16 | prec, nil
}

func intervalRange(mod int32) (rng, prec int32) {
	if mod < 0 {
		return ivFullRange, ivFullPrecision
	}
	return (mod >> 16) & 0x7FFF, mod & 0xFFFF
}

// formatIntervalMod is format_type's rendering of an interval typmod:
// " day to hour", "(3)", " second(3)".
func formatIntervalMod(mod int32) string {
	if mod < 0 {
		return ""
	}
	rng, prec := intervalRange(mod)
	s := ""
	if name := intervalRanges[rng]; name != "" {
		s = " " + name
	}
	if prec != ivFullPrecision {
		s += "(" + strconv.Itoa(int(prec)) + ")"
	}
	return s
}

// bareUnit is the unit of a number without one in an interval of range
// rng: the range's last field (seconds when it has none).
func bareUnit(rng int32) string {
	switch rng {
	case ivYear:
		return "year"
	case ivMonth, ivYear | ivMonth:
		return "month"
	case ivDay:
		return "day"
	case ivHour, ivDay | ivHour:
		return "hour"
	case ivMinute, ivDay | ivHour | ivMinute, ivHour | ivMinute:
		return "minute"
	}
	return "s"
}

// adjustInterval is AdjustIntervalForTypmod: iv keeps only the fields of
// mod's range, its seconds rounded to its precision.
func adjustInterval(iv Interval, mod int32) Interval {
	if mod < 0 {
		return iv
	}
	rng, prec := intervalRange(mod)
	switch rng {
	case ivYear:
		iv.Months, iv.Days, iv.Micros = iv.Months/12*12, 0, 0
	case ivMonth, ivYear | ivMonth:
		iv.Days, iv.Micros = 0, 0
	case ivDay:
		iv.Micros = 0
	case ivHour, ivDay | ivHour:
		iv.Micros = iv.Micros / usPerHour * usPerHour
	case ivMinute, ivDay | ivHour | ivMinute, ivHour | ivMinute:
		iv.Micros = iv.Micros / usPerMin * usPerMin
	}
	if prec != ivFullPrecision && prec < 6 {
		scale := int64(1)
		for i := prec; i < 6; i++ {
			scale *= 10
		}
		if iv.Micros >= 0 {
			iv.Micros = (iv.Micros + scale/2) / scale * scale
		} else {
			iv.Micros = -((-iv.Micros + scale/2) / scale * scale)
		}
	}
	return iv
}
