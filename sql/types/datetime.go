package types

import (
	"math"
	"strconv"
	"time"
)

// TimeOfDay is a time (without time zone) value: microseconds since midnight.
type TimeOfDay int64

// Infinite dates and timestamps, as PostgreSQL's 'infinity' and '-infinity'.
var (
	DateInfinity    = Date(math.MaxInt32)
	DateNegInfinity = Date(math.MinInt32)
	// TimestampInfinity and TimestampNegInfinity stand for 'infinity' and
	// '-infinity' in timestamp and timestamptz values; compare with Equal.
	TimestampInfinity    = time.UnixMicro(math.MaxInt64).UTC()
	TimestampNegInfinity = time.UnixMicro(math.MinInt64).UTC()
)

const (
	usPerSec  = int64(1e6)
	usPerMin  = 60 * usPerSec
	usPerHour = 60 * usPerMin
	usPerDay  = 24 * usPerHour
	// pgEpochUnixMicros is 2000-01-01 in Unix microseconds.
	pgEpochUnixMicros = int64(946684800) * usPerSec
)

// MinTimestamp and MaxTimestamp bound the finite timestamps PostgreSQL
// accepts, 4713 BC to 294276 AD: MinTimestamp <= t < MaxTimestamp.
var (
	MinTimestamp = time.Date(-4713, 11, 24, 0, 0, 0, 0, time.UTC)
	MaxTimestamp = time.Date(294277, 1, 1, 0, 0, 0, 0, time.UTC)
)

// IsInfTime is 1 for TimestampInfinity, -1 for TimestampNegInfinity, 0 otherwise.
func IsInfTime(t time.Time) int {
	if t.Equal(TimestampInfinity) {
		return 1
	}
	if t.Equal(TimestampNegInfinity) {
		return -1
	}
	return 0
}

// TimeToPG returns t as microseconds since 2000-01-01 (PostgreSQL's binary form).
func TimeToPG(t time.Time) int64 {
	switch IsInfTime(t) {
	case 1:
		return math.MaxInt64
	case -1:
		return math.MinInt64
	}
	return t.UnixMicro() - pgEpochUnixMicros
}

// TimeFromPG is the inverse of TimeToPG.
func TimeFromPG(us int64) time.Time {
	switch us {
	case math.MaxInt64:
		return TimestampInfinity
	case math.MinInt64:
		return TimestampNegInfinity
	}
	return time.UnixMicro(us + pgEpochUnixMicros).UTC()
}

// DateToTime returns midnight UTC of d.
func DateToTime(d Date) time.Time {
	switch d {
	case DateInfinity:
		return TimestampInfinity
	case DateNegInfinity:
		return TimestampNegInfinity
	}
	return pgEpoch.AddDate(0, 0, int(d))
}

// DateFromTime returns the date of t's wall clock (t's location).
func DateFromTime(t time.Time) Date {
	switch IsInfTime(t) {
	case 1:
		return DateInfinity
	case -1:
		return DateNegInfinity
	}
	y, m, d := t.Date()
	return Date(DaysFromCivil(int64(y), int64(m), int64(d)) - DaysFromCivil(2000, 1, 1))
}

// DaysFromCivil counts days since 1970-01-01 in the proleptic Gregorian calendar.
func DaysFromCivil(y, m, d int64) int64 {
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

func appendYear(dst []byte, y int) ([]byte, bool) {
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	if y < 1000 {
		dst = append(dst, "000"[:4-len(strconv.Itoa(y))]...)
	}
	return strconv.AppendInt(dst, int64(y), 10), bc
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10%10), byte('0'+v%10))
}

func appendDate(dst []byte, d Date) []byte {
	switch d {
	case DateInfinity:
		return append(dst, "infinity"...)
	case DateNegInfinity:
		return append(dst, "-infinity"...)
	}
	t := DateToTime(d)
	y, m, dd := t.Date()
	dst, bc := appendYear(dst, y)
	dst = append(dst, '-')
	dst = append2(dst, int(m))
	dst = append(dst, '-')
	dst = append2(dst, dd)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

func appendClock(dst []byte, h, m, s, us int) []byte {
	dst = append2(dst, h)
	dst = append(dst, ':')
	dst = append2(dst, m)
	dst = append(dst, ':')
	dst = append2(dst, s)
	return appendFrac(dst, us)
}

func appendFrac(dst []byte, us int) []byte {
	if us == 0 {
		return dst
	}
	var b [7]byte
	b[0] = '.'
	for i := 6; i >= 1; i-- {
		b[i] = byte('0' + us%10)
		us /= 10
	}
	n := 7
	for n > 1 && b[n-1] == '0' {
		n--
	}
	return append(dst, b[:n]...)
}

// appendTimestamp prints t's wall clock; withZone adds t's UTC offset.
func appendTimestamp(dst []byte, t time.Time, withZone bool) []byte {
	switch IsInfTime(t) {
	case 1:
		return append(dst, "infinity"...)
	case -1:
		return append(dst, "-infinity"...)
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst, bc := appendYear(dst, y)
	dst = append(dst, '-')
	dst = append2(dst, int(mo))
	dst = append(dst, '-')
	dst = append2(dst, d)
	dst = append(dst, ' ')
	dst = appendClock(dst, h, mi, s, t.Nanosecond()/1000)
	if withZone {
		_, off := t.Zone()
		dst = AppendUTCOffset(dst, off)
	}
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// AppendUTCOffset writes a UTC offset (seconds east) as timestamptz
// output does: +05, -03:30, +00:19:32.
func AppendUTCOffset(dst []byte, off int) []byte {
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

func appendTimeOfDay(dst []byte, t TimeOfDay) []byte {
	us := int64(t)
	return appendClock(dst, int(us/usPerHour), int(us/usPerMin%60), int(us/usPerSec%60), int(us%usPerSec))
}

// appendInterval prints i in PostgreSQL's default IntervalStyle (postgres).
func appendInterval(dst []byte, iv Interval) []byte {
	isZero, isBefore := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !isZero {
			dst = append(dst, ' ')
		}
		if isBefore && v > 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, v, 10)
		dst = append(dst, ' ')
		dst = append(dst, unit...)
		if v != 1 {
			dst = append(dst, 's')
		}
		isBefore = v < 0
		isZero = false
	}
	part(int64(iv.Months/12), "year")
	part(int64(iv.Months%12), "mon")
	part(int64(iv.Days), "day")
	us := iv.Micros
	if isZero || us != 0 {
		neg := us < 0
		if !isZero {
			dst = append(dst, ' ')
		}
		if neg {
			dst = append(dst, '-')
			us = -us // MinInt64 cannot occur from valid input
		} else if isBefore {
			dst = append(dst, '+')
		}
		h := us / usPerHour
		if h < 10 {
			dst = append(dst, '0')
		}
		dst = strconv.AppendInt(dst, h, 10)
		dst = append(dst, ':')
		dst = append2(dst, int(us/usPerMin%60))
		dst = append(dst, ':')
		dst = append2(dst, int(us/usPerSec%60))
		dst = appendFrac(dst, int(us%usPerSec))
	}
	return dst
}

// intervalSpan is the interval's span with a month as 30 days and a
// day as 24 hours, as PostgreSQL compares intervals; it may need 128 bits.
func intervalSpan(iv Interval) (hi int64, lo uint64) {
	days := int64(iv.Months)*30 + int64(iv.Days)
	// days * usPerDay + micros as a 128-bit signed number
	h, l := mul64(days, usPerDay)
	return add128(h, l, iv.Micros)
}

func mul64(a, b int64) (int64, uint64) {
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = uint64(-a)
	}
	if b < 0 {
		ub = uint64(-b)
	}
	hi, lo := mulu(ua, ub)
	if neg {
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	return int64(hi), lo
}

func mulu(a, b uint64) (uint64, uint64) {
	const mask32 = 1<<32 - 1
	a0, a1 := a&mask32, a>>32
	b0, b1 := b&mask32, b>>32
	w0 := a0 * b0
	t := a1*b0 + w0>>32
	w1 := t & mask32
	w2 := t >> 32
	w1 += a0 * b1
	hi := a1*b1 + w2 + w1>>32
	return hi, a * b
}

func add128(hi int64, lo uint64, v int64) (int64, uint64) {
	nlo := lo + uint64(v)
	carry := int64(0)
	if nlo < lo {
		carry = 1
	}
	ext := int64(0)
	if v < 0 {
		ext = -1
	}
	return hi + ext + carry, nlo
}

func compareInterval(a, b Interval) int {
	ah, al := intervalSpan(a)
	bh, bl := intervalSpan(b)
	switch {
	case ah < bh:
		return -1
	case ah > bh:
		return 1
	case al < bl:
		return -1
	case al > bl:
		return 1
	}
	return 0
}
