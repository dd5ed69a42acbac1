package types

import (
	"math"
	"strconv"
	"strings"
	"time"

	"logdb/sql/pgerror"
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

// Timestamp range PostgreSQL accepts: 4713 BC to 294276 AD.
var (
	minTimestamp = time.Date(-4713, 11, 24, 0, 0, 0, 0, time.UTC)
	maxTimestamp = time.Date(294277, 1, 1, 0, 0, 0, 0, time.UTC)
)

func isInfTime(t time.Time) int {
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
	switch isInfTime(t) {
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
	switch isInfTime(t) {
	case 1:
		return DateInfinity
	case -1:
		return DateNegInfinity
	}
	y, m, d := t.Date()
	return Date(daysFromCivil(int64(y), int64(m), int64(d)) - daysFromCivil(2000, 1, 1))
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
	switch isInfTime(t) {
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
		dst = appendOffset(dst, off)
	}
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

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

// ---- parsing ----

func errDatetimeSyntax(oid OID, s string) error {
	return pgerror.New(pgerror.InvalidDatetimeFormat, "invalid input syntax for type %s: \"%s\"", typeName(oid), s)
}

func errFieldRange(s string) error {
	return pgerror.New(pgerror.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
}

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
var dayNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

func monthFromName(w string) int {
	if len(w) < 3 {
		return 0
	}
	for i, m := range monthNames {
		if strings.HasPrefix(m, w) {
			return i + 1
		}
	}
	if w == "sept" {
		return 9
	}
	return 0
}

// dtFields is a parsed date/time string.
type dtFields struct {
	hasDate, hasTime, hasZone bool
	y, mo, d                  int
	h, mi, s, us              int
	zoneOff                   int            // seconds east of UTC, when hasZone and loc == nil
	loc                       *time.Location // named zone
	bc                        bool
	special                   string // "infinity", "-infinity", "epoch", "now", "today", ...
}

// parseDateTime parses the date/time formats clients send: ISO 8601 with a
// space or T, YYYYMMDD, M/D/Y (DateStyle MDY), month names, optional time,
// zone (Z, ±hh[:mm[:ss]], ±hhmm, names) and BC.
func parseDateTime(s string) (dtFields, bool) {
	var f dtFields
	str := strings.ToLower(strings.TrimSpace(s))
	switch str {
	case "infinity", "+infinity", "-infinity", "epoch", "now", "today", "tomorrow", "yesterday", "allballs":
		f.special = strings.TrimPrefix(str, "+")
		return f, true
	}
	// tokenize: split on spaces and commas, and at 'T' between date and time
	toks := strings.FieldsFunc(str, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	if len(toks) == 0 {
		return f, false
	}
	// split ISO "2024-01-02t03:04:05"
	var expanded []string
	for _, t := range toks {
		if i := strings.IndexByte(t, 't'); i > 0 && i+1 < len(t) && isDigit(t[i-1]) && isDigit(t[i+1]) {
			expanded = append(expanded, t[:i], t[i+1:])
			continue
		}
		expanded = append(expanded, t)
	}
	toks = expanded
	var pendingMonth int
	var nums []int
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t == "bc":
			f.bc = true
		case t == "ad":
		case t == "z" || t == "utc" || t == "gmt" || t == "zulu":
			f.hasZone, f.zoneOff = true, 0
		case t == "at" || t == "time" || t == "zone":
		case t == "am" || t == "a.m." || t == "pm" || t == "p.m.":
			if !f.hasTime || f.h > 12 || f.h == 0 {
				return f, false
			}
			if t[0] == 'p' && f.h < 12 {
				f.h += 12
			} else if t[0] == 'a' && f.h == 12 {
				f.h = 0
			}
		case t[0] == 'j' && len(t) > 1 && allDigits(t[1:]) && !f.hasDate:
			jd, err := strconv.ParseInt(t[1:], 10, 64)
			if err != nil {
				return f, false
			}
			tm := time.Unix((jd-2440588)*86400, 0).UTC()
			y, m, d := tm.Date()
			f.y, f.mo, f.d, f.hasDate = y, int(m), d, true
			if y <= 0 {
				f.y, f.bc = 1-y, true
			}
		case len(t) == 8 && t[4] == '.' && allDigits(t[:4]) && allDigits(t[5:]) && !f.hasDate:
			y, _ := strconv.Atoi(t[:4])
			doy, _ := strconv.Atoi(t[5:])
			tm := time.Date(y, 1, doy, 0, 0, 0, 0, time.UTC)
			if doy < 1 || tm.Year() != y {
				return f, false
			}
			f.y, f.mo, f.d, f.hasDate = y, int(tm.Month()), tm.Day(), true
		case isDigit(t[0]) && len(t) == 6 && allDigits(t) && !f.hasDate:
			f.y, _ = strconv.Atoi(t[:2])
			f.mo, _ = strconv.Atoi(t[2:4])
			f.d, _ = strconv.Atoi(t[4:])
			if f.y < 70 {
				f.y += 2000
			} else {
				f.y += 1900
			}
			f.hasDate = true
		case (t[0] == '+' || t[0] == '-') && f.hasTime && !f.hasZone:
			off, ok := parseOffset(t)
			if !ok {
				return f, false
			}
			f.hasZone, f.zoneOff = true, off
		case strings.Contains(t, ":"):
			if f.hasTime {
				return f, false
			}
			// time, possibly with an attached zone offset
			zi := strings.IndexAny(t, "+-z")
			tp := t
			if zi > 0 {
				tp = t[:zi]
				z := t[zi:]
				if z == "z" {
					f.hasZone, f.zoneOff = true, 0
				} else {
					off, ok := parseOffset(z)
					if !ok {
						return f, false
					}
					f.hasZone, f.zoneOff = true, off
				}
			}
			if !parseClock(tp, &f) {
				return f, false
			}
			f.hasTime = true
		case strings.Count(t, "-") == 2 && isDigit(t[0]) || strings.Count(t, "/") == 2 || strings.Count(t, ".") == 2 && !f.hasDate:
			if f.hasDate {
				return f, false
			}
			if !parseDatePart(t, &f) {
				return f, false
			}
			f.hasDate = true
		case isDigit(t[0]) && len(t) == 8 && allDigits(t) && !f.hasDate:
			f.y, _ = strconv.Atoi(t[:4])
			f.mo, _ = strconv.Atoi(t[4:6])
			f.d, _ = strconv.Atoi(t[6:])
			f.hasDate = true
		case allDigits(t):
			n, err := strconv.Atoi(t)
			if err != nil {
				return f, false
			}
			nums = append(nums, n)
		case monthFromName(strings.TrimSuffix(t, ".")) > 0:
			pendingMonth = monthFromName(strings.TrimSuffix(t, "."))
		case isDayName(t):
		default:
			if loc, err := loadZone(toks[i]); err == nil && !f.hasZone && (f.hasTime || f.hasDate || len(nums) > 0) {
				f.hasZone, f.loc = true, loc
				continue
			}
			if strings.Count(t, "-") == 2 || strings.Count(t, "/") == 2 {
				// 2-Jan-2024, Jan-08-1999
				p := strings.FieldsFunc(t, func(r rune) bool { return r == '-' || r == '/' })
				if len(p) == 3 {
					if m := monthFromName(p[1]); m > 0 && allDigits(p[0]) && allDigits(p[2]) {
						f.d, _ = strconv.Atoi(p[0])
						f.mo = m
						f.y, _ = strconv.Atoi(p[2])
						f.hasDate = true
						continue
					}
					if m := monthFromName(p[0]); m > 0 && allDigits(p[1]) && allDigits(p[2]) {
						f.mo = m
						f.d, _ = strconv.Atoi(p[1])
						f.y, _ = strconv.Atoi(p[2])
						f.hasDate = true
						continue
					}
				}
			}
			return f, false
		}
	}
	if pendingMonth > 0 {
		if f.hasDate || len(nums) != 2 {
			return f, false
		}
		f.mo = pendingMonth
		a, b := nums[0], nums[1]
		if a > 31 || b <= 31 && a > b && false {
			f.y, f.d = a, b
		} else {
			f.d, f.y = a, b
		}
		f.hasDate = true
		nums = nil
	}
	if len(nums) != 0 {
		return f, false
	}
	return f, true
}

func loadZone(name string) (*time.Location, error) {
	if name == "" || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		return nil, strconv.ErrSyntax
	}
	switch strings.ToLower(name) {
	case "utc", "gmt", "z", "zulu", "etc/utc":
		return time.UTC, nil
	case "est":
		return time.FixedZone("EST", -5*3600), nil
	case "pst":
		return time.FixedZone("PST", -8*3600), nil
	case "cet":
		return time.LoadLocation("CET")
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc, nil
	}
	// time zone names are case-insensitive in PostgreSQL; try the common capitalisation
	parts := strings.Split(name, "/")
	for i, p := range parts {
		sub := strings.Split(p, "_")
		for j, w := range sub {
			if w != "" {
				sub[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		parts[i] = strings.Join(sub, "_")
	}
	return time.LoadLocation(strings.Join(parts, "/"))
}

// LoadLocation resolves a TimeZone setting value: an IANA name, UTC/GMT, or a
// POSIX-style numeric offset such as "+05:30" or "-8" (hours west, as PostgreSQL
// reads SET TIME ZONE -8 as UTC-8).
func LoadLocation(name string) (*time.Location, error) {
	if off, ok := parseOffset(name); ok {
		return time.FixedZone("", off), nil
	}
	loc, err := loadZone(name)
	if err != nil {
		return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"TimeZone\": \"%s\"", name)
	}
	return loc, nil
}

func isDayName(t string) bool {
	t = strings.TrimSuffix(t, ".")
	if len(t) < 3 {
		return false
	}
	for _, d := range dayNames {
		if strings.HasPrefix(d, t) {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func parseOffset(z string) (int, bool) {
	if len(z) < 2 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	z = z[1:]
	var h, m, s int
	var err error
	switch {
	case strings.Contains(z, ":"):
		p := strings.Split(z, ":")
		if len(p) > 3 {
			return 0, false
		}
		vals := make([]int, 3)
		for i, x := range p {
			if !allDigits(x) {
				return 0, false
			}
			vals[i], err = strconv.Atoi(x)
			if err != nil {
				return 0, false
			}
		}
		h, m, s = vals[0], vals[1], vals[2]
	case allDigits(z) && len(z) <= 2:
		h, _ = strconv.Atoi(z)
	case allDigits(z) && len(z) == 4:
		h, _ = strconv.Atoi(z[:2])
		m, _ = strconv.Atoi(z[2:])
	case allDigits(z) && len(z) == 6:
		h, _ = strconv.Atoi(z[:2])
		m, _ = strconv.Atoi(z[2:4])
		s, _ = strconv.Atoi(z[4:])
	default:
		return 0, false
	}
	if h > 15 || m > 59 || s > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60 + s), true
}

func parseClock(t string, f *dtFields) bool {
	p := strings.Split(t, ":")
	if len(p) < 2 || len(p) > 3 {
		return false
	}
	var err error
	if !allDigits(p[0]) || !allDigits(p[1]) {
		return false
	}
	f.h, _ = strconv.Atoi(p[0])
	f.mi, _ = strconv.Atoi(p[1])
	if len(p) == 3 {
		sec := p[2]
		frac := ""
		if i := strings.IndexByte(sec, '.'); i >= 0 {
			sec, frac = sec[:i], sec[i+1:]
		}
		if !allDigits(sec) || frac != "" && !allDigits(frac) {
			return false
		}
		if f.s, err = strconv.Atoi(sec); err != nil {
			return false
		}
		if frac != "" {
			// round to microseconds
			for len(frac) < 7 {
				frac += "0"
			}
			us, _ := strconv.Atoi(frac[:6])
			if frac[6] >= '5' {
				us++
			}
			f.us = us
		}
	}
	return true
}

func parseDatePart(t string, f *dtFields) bool {
	sep := "-"
	if strings.Contains(t, "/") {
		sep = "/"
	} else if strings.Contains(t, ".") {
		sep = "."
	}
	p := strings.Split(t, sep)
	if len(p) != 3 {
		return false
	}
	if m := monthFromName(p[1]); m > 0 && allDigits(p[0]) && allDigits(p[2]) {
		f.d, _ = strconv.Atoi(p[0])
		f.mo = m
		f.y, _ = strconv.Atoi(p[2])
		return true
	}
	for _, x := range p {
		if !allDigits(x) {
			return false
		}
	}
	a, _ := strconv.Atoi(p[0])
	b, _ := strconv.Atoi(p[1])
	c, _ := strconv.Atoi(p[2])
	if len(p[0]) >= 3 || sep == "-" {
		f.y, f.mo, f.d = a, b, c // ISO
		if len(p[0]) < 3 && sep == "-" && len(p[2]) == 4 {
			f.mo, f.d, f.y = a, b, c
		}
		return true
	}
	f.mo, f.d, f.y = a, b, c // DateStyle MDY
	if len(p[2]) <= 2 {
		if f.y < 70 {
			f.y += 2000
		} else {
			f.y += 1900
		}
	}
	return true
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || y == 0 {
		return false
	}
	return d <= daysIn(m, y)
}

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

// now is a hook for tests.
var now = time.Now

// ParseDate is date_in ('today' and 'now' are taken in UTC).
func ParseDate(s string) (Date, error) { return parseDateLoc(s, time.UTC) }

func parseDateLoc(s string, loc *time.Location) (Date, error) {
	if loc == nil {
		loc = time.UTC
	}
	f, ok := parseDateTime(s)
	if !ok {
		return 0, errDatetimeSyntax(DateOID, s)
	}
	switch f.special {
	case "infinity":
		return DateInfinity, nil
	case "-infinity":
		return DateNegInfinity, nil
	case "epoch":
		return DateFromTime(time.Unix(0, 0).UTC()), nil
	case "now", "today":
		return DateFromTime(now().In(loc)), nil
	case "tomorrow":
		return DateFromTime(now().In(loc)) + 1, nil
	case "yesterday":
		return DateFromTime(now().In(loc)) - 1, nil
	case "allballs":
		return 0, errDatetimeSyntax(DateOID, s)
	}
	if !f.hasDate {
		return 0, errDatetimeSyntax(DateOID, s)
	}
	y := f.y
	if f.bc {
		y = 1 - y
	}
	if !validDate(f.y, f.mo, f.d) {
		return 0, errFieldRange(s)
	}
	t := time.Date(y, time.Month(f.mo), f.d, 0, 0, 0, 0, time.UTC)
	if t.Before(minTimestamp) || !t.Before(maxTimestamp) {
		return 0, pgerror.New(pgerror.DatetimeFieldOverflow, "date out of range: \"%s\"", s)
	}
	return DateFromTime(t), nil
}

// ParseTimestamp is timestamp_in (withZone false, zone ignored) and
// timestamptz_in (withZone true; a string without a zone is read in loc).
func ParseTimestamp(s string, withZone bool, loc *time.Location) (time.Time, error) {
	oid := TimestampOID
	if withZone {
		oid = TimestamptzOID
	}
	if loc == nil {
		loc = time.UTC
	}
	f, ok := parseDateTime(s)
	if !ok {
		return time.Time{}, errDatetimeSyntax(oid, s)
	}
	switch f.special {
	case "infinity":
		return TimestampInfinity, nil
	case "-infinity":
		return TimestampNegInfinity, nil
	case "epoch":
		return time.Unix(0, 0).UTC(), nil
	case "now":
		n := now()
		if !withZone {
			n = wallUTC(n.In(loc))
		}
		return n.Truncate(time.Microsecond).UTC(), nil
	case "today", "tomorrow", "yesterday":
		n := now().In(loc)
		y, m, d := n.Date()
		switch f.special {
		case "tomorrow":
			d++
		case "yesterday":
			d--
		}
		if withZone {
			return time.Date(y, m, d, 0, 0, 0, 0, loc).UTC(), nil
		}
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	case "allballs":
		return time.Time{}, errDatetimeSyntax(oid, s)
	}
	if !f.hasDate {
		return time.Time{}, errDatetimeSyntax(oid, s)
	}
	if !validDate(f.y, f.mo, f.d) || f.h > 24 || f.mi > 59 || f.s > 60 || f.h == 24 && (f.mi != 0 || f.s != 0 || f.us != 0) {
		return time.Time{}, errFieldRange(s)
	}
	y := f.y
	if f.bc {
		y = 1 - y
	}
	var t time.Time
	if withZone {
		z := loc
		if f.hasZone {
			z = f.loc
			if z == nil {
				z = time.FixedZone("", f.zoneOff)
			}
		}
		t = time.Date(y, time.Month(f.mo), f.d, f.h, f.mi, f.s, f.us*1000, z).UTC()
	} else {
		t = time.Date(y, time.Month(f.mo), f.d, f.h, f.mi, f.s, f.us*1000, time.UTC)
	}
	if t.Before(minTimestamp) || !t.Before(maxTimestamp) {
		return time.Time{}, pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", s)
	}
	return t, nil
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

// wallIn reads the UTC wall clock w as a time in loc (timestamp → timestamptz).
func wallIn(w time.Time, loc *time.Location) time.Time {
	if isInfTime(w) != 0 {
		return w
	}
	y, m, d := w.Date()
	h, mi, s := w.Clock()
	return time.Date(y, m, d, h, mi, s, w.Nanosecond(), loc).UTC()
}

// ParseTime is time_in.
func ParseTime(s string) (TimeOfDay, error) {
	str := strings.TrimSpace(strings.ToLower(s))
	if str == "allballs" {
		return 0, nil
	}
	f, ok := parseDateTime(str)
	if !ok || !f.hasTime {
		if ok && f.special == "now" {
			n := now()
			return TimeOfDay(n.Sub(n.Truncate(24*time.Hour)) / time.Microsecond), nil
		}
		return 0, errDatetimeSyntax(TimeOID, s)
	}
	if f.h > 24 || f.mi > 59 || f.s > 60 || f.h == 24 && (f.mi != 0 || f.s != 0 || f.us != 0) {
		return 0, errFieldRange(s)
	}
	return TimeOfDay(int64(f.h)*usPerHour + int64(f.mi)*usPerMin + int64(f.s)*usPerSec + int64(f.us)), nil
}

// ParseInterval is interval_in: PostgreSQL's verbose form ("1 year 2 mons
// 3 days 04:05:06", "@ 1 day ago", "1.5 hours"), ISO 8601 ("P1Y2M3DT4H5M6S")
// and a bare number of seconds.
func ParseInterval(s string) (Interval, error) {
	bad := func() (Interval, error) {
		return Interval{}, errDatetimeSyntax(IntervalOID, s)
	}
	str := strings.ToLower(strings.TrimSpace(s))
	if str == "" {
		return bad()
	}
	if str[0] == 'p' || len(str) > 1 && str[0] == '-' && str[1] == 'p' {
		if iv, ok := parseISOInterval(str); ok {
			return iv, nil
		}
		return bad()
	}
	str = strings.TrimPrefix(str, "@")
	toks := strings.Fields(str)
	var months, days float64
	var micros float64
	ago := false
	var seen bool
	used := map[string]bool{}
	dup := func(class string) bool {
		if used[class] {
			return true
		}
		used[class] = true
		return false
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t == "ago" {
			ago = true
			continue
		}
		if strings.Contains(t, ":") {
			neg := false
			if t[0] == '-' || t[0] == '+' {
				neg = t[0] == '-'
				t = t[1:]
			}
			var f dtFields
			p := strings.Split(t, ":")
			var us float64
			if len(p) == 2 && strings.Contains(p[1], ".") {
				// mm:ss.fff
				mm, err1 := strconv.Atoi(p[0])
				ss, err2 := strconv.ParseFloat(p[1], 64)
				if err1 != nil || err2 != nil {
					return bad()
				}
				us = float64(mm)*float64(usPerMin) + ss*1e6
			} else {
				if !parseClock(t, &f) {
					return bad()
				}
				if f.mi > 59 || f.s > 59 {
					return Interval{}, errFieldRange(s)
				}
				us = float64(int64(f.h)*usPerHour + int64(f.mi)*usPerMin + int64(f.s)*usPerSec + int64(f.us))
			}
			if neg {
				us = -us
			}
			if dup("hour") || dup("minute") || dup("second") {
				return bad()
			}
			micros += us
			seen = true
			continue
		}
		// number, optionally with the unit attached ("1day", "5h")
		j := 0
		for j < len(t) && (isDigit(t[j]) || t[j] == '.' || t[j] == '-' || t[j] == '+') {
			j++
		}
		if j == 0 {
			return bad()
		}
		v, err := strconv.ParseFloat(t[:j], 64)
		if err != nil {
			return bad()
		}
		unit := t[j:]
		if unit == "" {
			if i+1 < len(toks) && !strings.Contains(toks[i+1], ":") && toks[i+1] != "ago" && !isNumberStart(toks[i+1]) {
				i++
				unit = toks[i]
			} else {
				unit = "s"
			}
		}
		unit = strings.TrimSuffix(unit, ",")
		if dup(normalizeUnit(unit)) {
			return bad()
		}
		switch unit {
		case "millennium", "millennia", "millenniums", "mil", "mils":
			months += v * 12000
		case "century", "centuries", "cent", "c":
			months += v * 1200
		case "decade", "decades", "dec", "decs":
			months += v * 120
		case "year", "years", "y", "yr", "yrs":
			months += v * 12
		case "month", "months", "mon", "mons":
			months += v
		case "week", "weeks", "w":
			days += v * 7
		case "day", "days", "d":
			days += v
		case "hour", "hours", "h", "hr", "hrs":
			micros += v * float64(usPerHour)
		case "minute", "minutes", "m", "min", "mins":
			micros += v * float64(usPerMin)
		case "second", "seconds", "s", "sec", "secs":
			micros += v * 1e6
		case "millisecond", "milliseconds", "ms", "msec", "msecs":
			micros += v * 1e3
		case "microsecond", "microseconds", "us", "usec", "usecs":
			micros += v
		default:
			return bad()
		}
		seen = true
	}
	if !seen {
		return bad()
	}
	iv := cascadeInterval(months, days, micros)
	if ago {
		iv = Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
	}
	return iv, nil
}

func isNumberStart(t string) bool {
	return t != "" && (isDigit(t[0]) || (t[0] == '-' || t[0] == '+' || t[0] == '.') && len(t) > 1)
}

// cascadeInterval pushes fractional months into days and fractional days into
// time, as PostgreSQL does (1.5 months = 1 mon 15 days).
func cascadeInterval(months, days, micros float64) Interval {
	mi := math.Trunc(months)
	days += (months - mi) * 30
	di := math.Trunc(days)
	micros += (days - di) * float64(usPerDay)
	return Interval{Months: int32(mi), Days: int32(di), Micros: int64(math.Round(micros))}
}

func parseISOInterval(s string) (Interval, bool) {
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
	}
	s = s[1:]
	var months, days, micros float64
	inTime := false
	for s != "" {
		if s[0] == 't' {
			inTime = true
			s = s[1:]
			continue
		}
		j := 0
		for j < len(s) && (isDigit(s[j]) || s[j] == '.' || s[j] == '-') {
			j++
		}
		if j == 0 || j == len(s) {
			return Interval{}, false
		}
		v, err := strconv.ParseFloat(s[:j], 64)
		if err != nil {
			return Interval{}, false
		}
		switch u := s[j]; {
		case u == 'y' && !inTime:
			months += v * 12
		case u == 'm' && !inTime:
			months += v
		case u == 'w' && !inTime:
			days += v * 7
		case u == 'd' && !inTime:
			days += v
		case u == 'h' && inTime:
			micros += v * float64(usPerHour)
		case u == 'm' && inTime:
			micros += v * float64(usPerMin)
		case u == 's' && inTime:
			micros += v * 1e6
		default:
			return Interval{}, false
		}
		s = s[j+1:]
	}
	iv := cascadeInterval(months, days, micros)
	if neg {
		iv = Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
	}
	return iv, true
}

// intervalTotalMicros is the interval's span with a month as 30 days and a
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
