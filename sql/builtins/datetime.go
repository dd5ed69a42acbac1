package builtins

import (
	"time"

	"logdb/sql/types"
)

// Date and time helpers of the library; sql/types keeps its own copies for
// parsing and printing values.

const (
	usPerSec  = int64(1e6)
	usPerMin  = 60 * usPerSec
	usPerHour = 60 * usPerMin
	usPerDay  = 24 * usPerHour
)

// isInfTime is 1 for 'infinity', -1 for '-infinity' and 0 for a finite
// timestamp.
func isInfTime(t time.Time) int {
	if t.Equal(types.TimestampInfinity) {
		return 1
	}
	if t.Equal(types.TimestampNegInfinity) {
		return -1
	}
	return 0
}

// daysIn is the number of days of month m (1-12) of year y in the
// proleptic Gregorian calendar.
func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// floorDiv is a / b rounded toward negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// validDate reports whether y-m-d is a day of the calendar (y != 0).
func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || y == 0 {
		return false
	}
	return d <= daysIn(m, y)
}

// julianDay is the Julian day number of y-m-d (to_char's J, extract's
// julian).
func julianDay(y int, m time.Month, d int) int64 {
	return daysFromCivil(int64(y), int64(m), int64(d)) + 2440588
}

// daysFromCivil counts days since 1970-01-01 in the proleptic Gregorian calendar.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// wallUTC returns t's wall clock as a UTC time (timestamptz → timestamp).
func wallUTC(t time.Time) time.Time {
	if isInfTime(t) != 0 {
		return t
	}
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// timestamptzIn is the timestamptz of the wall clock w in loc: the cast of
// a timestamp to timestamptz with loc as the session's zone.
func timestamptzIn(w time.Time, loc *time.Location) (types.Datum, error) {
	return types.Cast(&types.EvalContext{Location: loc}, w, tt(types.TimestampOID), tt(types.TimestamptzOID), types.CastExplicit)
}

// appendOffset writes a UTC offset as timestamptz output does: +05,
// -03:30, +00:19:32.
func appendOffset(dst []byte, off int) []byte {
	if off < 0 {
		dst = append(dst, '-')
		off = -off
	} else {
		dst = append(dst, '+')
	}
	dst = append2(dst, off/3600)
	if off%3600 != 0 {
		dst = append(dst, ':')
		dst = append2(dst, off%3600/60)
		if off%60 != 0 {
			dst = append(dst, ':')
			dst = append2(dst, off%60)
		}
	}
	return dst
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10%10), byte('0'+v%10))
}
