package types

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"logdb/sql/pgerror"
)

// Parsing of date, time and timestamp input (date_in, timestamp_in, time_in).

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
	abbrev                    *tzAbbrev      // zone abbreviation (abbrevName)
	abbrevName                string
	bc                        bool
	special                   string // "infinity", "-infinity", "epoch", "now", "today", ...
	df                        dateFields
}

// parseDateTime parses the date/time formats clients send: ISO 8601 with a
// space or T, YYYYMMDD, dates in numbers read in order (DateStyle's
// MDY, DMY or YMD), month names, optional time, zone (Z, ±hh[:mm[:ss]],
// ±hhmm, names) and BC.
func parseDateTime(s string, order DateOrder) (dtFields, bool) {
	var f dtFields
	f.df.order = order
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
		case t[0] == 'j' && len(t) > 1 && allDigits(t[1:]) && !f.hasDate && f.df.mask == 0:
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
		case len(t) == 8 && t[4] == '.' && allDigits(t[:4]) && allDigits(t[5:]) && !f.hasDate && f.df.mask == 0:
			y, _ := strconv.Atoi(t[:4])
			doy, _ := strconv.Atoi(t[5:])
			tm := time.Date(y, 1, doy, 0, 0, 0, 0, time.UTC)
			if doy < 1 || tm.Year() != y {
				return f, false
			}
			f.y, f.mo, f.d, f.hasDate = y, int(tm.Month()), tm.Day(), true
		case isDigit(t[0]) && len(t) == 6 && allDigits(t) && !f.hasDate && f.df.mask == 0:
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
		case isDateToken(t):
			if f.hasDate || !f.df.date(t, f.hasTime) {
				return f, false
			}
		case isDigit(t[0]) && len(t) == 8 && allDigits(t) && !f.hasDate && f.df.mask == 0:
			f.y, _ = strconv.Atoi(t[:4])
			f.mo, _ = strconv.Atoi(t[4:6])
			f.d, _ = strconv.Atoi(t[6:])
			f.hasDate = true
		case allDigits(t):
			if f.hasDate || !f.df.number(t) {
				return f, false
			}
		case monthFromName(strings.TrimSuffix(t, ".")) > 0:
			if f.hasDate || !f.df.month(monthFromName(strings.TrimSuffix(t, "."))) {
				return f, false
			}
		case isDayName(t):
		default:
			if a, ok := tzAbbrevs[t]; ok && !f.hasZone {
				f.hasZone, f.abbrev, f.abbrevName = true, &a, t
				continue
			}
			if loc, err := loadZoneName(toks[i]); err == nil && !f.hasZone && (f.hasTime || f.hasDate || f.df.mask != 0) {
				f.hasZone, f.loc = true, loc
				continue
			}
			return f, false
		}
	}
	if f.df.mask != 0 && (f.hasDate || !f.df.finish(&f)) {
		return f, false
	}
	return f, true
}

// zoneAbbrevs are the common abbreviations of PostgreSQL's Default
// timezone_abbreviations set, as fixed offsets east of UTC, for a zone
// argument. Date and time input reads tzAbbrevs, the whole set, with
// the dynamic abbreviations' history.
var zoneAbbrevs = map[string]int{
	"utc": 0, "gmt": 0, "z": 0, "zulu": 0, "ut": 0, "wet": 0, "west": 3600,
	"est": -5 * 3600, "edt": -4 * 3600, "cst": -6 * 3600, "cdt": -5 * 3600,
	"mst": -7 * 3600, "mdt": -6 * 3600, "pst": -8 * 3600, "pdt": -7 * 3600,
	"akst": -9 * 3600, "akdt": -8 * 3600, "hst": -10 * 3600,
	"cet": 3600, "cest": 2 * 3600, "met": 3600, "mest": 2 * 3600, "bst": 3600,
	"eet": 2 * 3600, "eest": 3 * 3600, "msk": 3 * 3600, "ist": 2 * 3600,
	"jst": 9 * 3600, "kst": 9 * 3600, "aest": 10 * 3600, "aedt": 11 * 3600,
	"acst": 9*3600 + 1800, "awst": 8 * 3600, "nzst": 12 * 3600, "nzdt": 13 * 3600,
}

var zoneCache sync.Map // lower-case name → *time.Location

// loadZone resolves a zone argument (AT TIME ZONE, date_trunc's third):
// an abbreviation of zoneAbbrevs as its fixed offset, else a zone name.
func loadZone(name string) (*time.Location, error) {
	if off, ok := zoneAbbrevs[strings.ToLower(name)]; ok {
		return time.FixedZone(strings.ToUpper(name), off), nil
	}
	return loadZoneName(name)
}

// loadZoneName resolves an IANA zone name, in any case.
func loadZoneName(name string) (*time.Location, error) {
	if name == "" || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		return nil, strconv.ErrSyntax
	}
	key := strings.ToLower(name)
	if loc, ok := zoneCache.Load(key); ok {
		if loc == nil {
			return nil, strconv.ErrSyntax
		}
		return loc.(*time.Location), nil
	}
	loc, err := loadZoneUncached(name)
	if err != nil {
		return nil, err
	}
	zoneCache.Store(key, loc)
	return loc, nil
}

func loadZoneUncached(name string) (*time.Location, error) {
	key := strings.ToLower(name)
	if key == "utc" || key == "etc/utc" || key == "gmt" || key == "z" || key == "zulu" {
		return time.UTC, nil
	}
	if strings.Contains(name, "..") || len(name) > 64 {
		return nil, strconv.ErrSyntax
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc, nil
	}
	// time zone names are case-insensitive in PostgreSQL; try the common capitalisation
	parts := strings.Split(name, "/")
	for i, p := range parts {
		sub := strings.Split(strings.ToLower(p), "_")
		for j, w := range sub {
			if w != "" {
				sub[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		parts[i] = strings.Join(sub, "_")
	}
	return time.LoadLocation(strings.Join(parts, "/"))
}

// LoadLocation resolves a time zone name as PostgreSQL's pg_tzset does
// (AT TIME ZONE 'x', timezone('x', t), and TimeZone values that are not
// a bare number): an IANA name, UTC/GMT, or a POSIX TZ string without
// daylight rules, [std]offset, whose offset counts hours WEST of
// Greenwich: '+02:00' and 'UTC+3' are two and three hours behind UTC,
// '<+02>-02' two hours ahead.
func LoadLocation(name string) (*time.Location, error) {
	if loc, ok := posixZone(name); ok {
		return loc, nil
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

// posixZone parses a POSIX TZ string with no daylight-saving part:
// std (three or more letters, or <…> quoted) optionally, then an offset
// [+-]h[h][:mm[:ss]] in hours west of UTC.
func posixZone(s string) (*time.Location, bool) {
	std, rest := "", s
	switch {
	case strings.HasPrefix(rest, "<"):
		end := strings.IndexByte(rest, '>')
		if end < 0 {
			return nil, false
		}
		std, rest = rest[1:end], rest[end+1:]
	default:
		i := 0
		for i < len(rest) && (rest[i] >= 'a' && rest[i] <= 'z' || rest[i] >= 'A' && rest[i] <= 'Z') {
			i++
		}
		if i > 0 && i < 3 {
			return nil, false
		}
		std, rest = rest[:i], rest[i:]
	}
	if rest == "" {
		return nil, false
	}
	sign := 1
	switch rest[0] {
	case '+':
		rest = rest[1:]
	case '-':
		sign, rest = -1, rest[1:]
	}
	var f [3]int
	parts := strings.Split(rest, ":")
	if len(parts) > 3 {
		return nil, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 2 || !allDigits(p) {
			return nil, false
		}
		f[i], _ = strconv.Atoi(p)
	}
	if f[0] > 24 || f[1] > 59 || f[2] > 59 {
		return nil, false
	}
	west := sign * (f[0]*3600 + f[1]*60 + f[2])
	if std == "" {
		std = OffsetZoneName(-west)
	}
	return time.FixedZone(std, -west), true
}

// OffsetZoneName is the abbreviation PostgreSQL gives a zone east of UTC by
// east seconds: +02, -08, +05:30.
func OffsetZoneName(east int) string {
	sign := '+'
	if east < 0 {
		sign, east = '-', -east
	}
	h, m, s := east/3600, east/60%60, east%60
	switch {
	case s != 0:
		return fmt.Sprintf("%c%02d:%02d:%02d", sign, h, m, s)
	case m != 0:
		return fmt.Sprintf("%c%02d:%02d", sign, h, m)
	}
	return fmt.Sprintf("%c%02d", sign, h)
}

// OffsetZoneSetting is the TimeZone value PostgreSQL shows for a zone
// given as a number of hours or an interval (SET TIME ZONE 2, SET TIME
// ZONE INTERVAL '+02:00' HOUR TO MINUTE): '<+02>-02', the POSIX string of
// a zone east seconds east of UTC.
func OffsetZoneSetting(east int) string {
	if east < 0 {
		return "<" + OffsetZoneName(east) + ">+" + OffsetZoneName(-east)[1:]
	}
	return "<" + OffsetZoneName(east) + ">-" + OffsetZoneName(east)[1:] // UTC: <+00>-00
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

// ValidDate reports whether y-m-d is a date of the proleptic Gregorian
// calendar (month 1-12, day within the month).
func ValidDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || y == 0 {
		return false
	}
	return d <= DaysInMonth(m, y)
}

// DaysInMonth is the number of days of month m (1-12) of year y.
func DaysInMonth(m, y int) int {
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

// parseDate is date_in; 'today', 'now', 'tomorrow' and 'yesterday' are
// relative to now, the transaction's start, taken in loc.
func parseDate(s string, order DateOrder, loc *time.Location, now time.Time) (Date, error) {
	if loc == nil {
		loc = time.UTC
	}
	f, ok := parseDateTime(s, order)
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
		return DateFromTime(now.In(loc)), nil
	case "tomorrow":
		return DateFromTime(now.In(loc)) + 1, nil
	case "yesterday":
		return DateFromTime(now.In(loc)) - 1, nil
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
	if !ValidDate(f.y, f.mo, f.d) {
		return 0, errFieldRange(s)
	}
	t := time.Date(y, time.Month(f.mo), f.d, 0, 0, 0, 0, time.UTC)
	if t.Before(MinTimestamp) || !t.Before(MaxTimestamp) {
		return 0, pgerror.New(pgerror.DatetimeFieldOverflow, "date out of range: \"%s\"", s)
	}
	return DateFromTime(t), nil
}

// ParseTimestamp is timestamp_in (withZone false, zone ignored) and
// timestamptz_in (withZone true; a string without a zone is read in loc).
// 'now', 'today', 'tomorrow' and 'yesterday' are relative to now, the
// transaction's start.
func ParseTimestamp(s string, withZone bool, order DateOrder, loc *time.Location, now time.Time) (time.Time, error) {
	oid := TimestampOID
	if withZone {
		oid = TimestamptzOID
	}
	if loc == nil {
		loc = time.UTC
	}
	f, ok := parseDateTime(s, order)
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
		n := now
		if !withZone {
			n = WallUTC(n.In(loc))
		}
		return n.Truncate(time.Microsecond).UTC(), nil
	case "today", "tomorrow", "yesterday":
		y, m, d := now.In(loc).Date()
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
	if !ValidDate(f.y, f.mo, f.d) || f.h > 24 || f.mi > 59 || f.s > 60 || f.h == 24 && (f.mi != 0 || f.s != 0 || f.us != 0) {
		return time.Time{}, errFieldRange(s)
	}
	y := f.y
	if f.bc {
		y = 1 - y
	}
	t := time.Date(y, time.Month(f.mo), f.d, f.h, f.mi, f.s, f.us*1000, time.UTC)
	if withZone {
		switch {
		case f.abbrev != nil:
			off, ok := abbrevOffset(f.abbrevName, *f.abbrev, t)
			if !ok {
				return time.Time{}, errDatetimeSyntax(oid, s)
			}
			t = t.Add(-time.Duration(off) * time.Second)
		case f.hasZone && f.loc != nil:
			t = wallIn(t, f.loc)
		case f.hasZone:
			t = t.Add(-time.Duration(f.zoneOff) * time.Second)
		default:
			t = wallIn(t, loc)
		}
	}
	if t.Before(MinTimestamp) || !t.Before(MaxTimestamp) {
		return time.Time{}, pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", s)
	}
	return t, nil
}

// WallUTC returns t's wall clock as a UTC time (timestamptz → timestamp).
func WallUTC(t time.Time) time.Time {
	if IsInfTime(t) != 0 {
		return t
	}
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// DateIn is time.Date in loc with PostgreSQL's rule for wall clocks that
// a transition skips or repeats (see wallIn) instead of Go's: 02:30 on a
// spring-forward day in America/New_York is 03:30 EDT, as PostgreSQL
// reads it, where time.Date would give 01:30 EST.
func DateIn(y int, mo time.Month, d, h, mi, s, ns int, loc *time.Location) time.Time {
	return wallIn(time.Date(y, mo, d, h, mi, s, ns, time.UTC), loc).In(loc)
}

// wallIn reads the UTC wall clock w as a time in loc (timestamp →
// timestamptz) as PostgreSQL's DetermineTimeZoneOffset does: a wall
// clock skipped by a spring-forward transition takes the offset before
// it, one repeated by a fall-back transition the offset after it.
func wallIn(w time.Time, loc *time.Location) time.Time {
	if IsInfTime(w) != 0 {
		return w
	}
	y, m, d := w.Date()
	h, mi, s := w.Clock()
	local := time.Date(y, m, d, h, mi, s, w.Nanosecond(), time.UTC)
	// The zone in effect a day earlier, and the next transition after it:
	// transitions are more than two days apart and offsets under a day.
	prec := local.Add(-24 * time.Hour).In(loc)
	_, beforeOff := prec.Zone()
	before := local.Add(-time.Duration(beforeOff) * time.Second)
	_, end := prec.ZoneBounds()
	if end.IsZero() {
		return before.UTC()
	}
	_, afterOff := end.In(loc).Zone()
	after := local.Add(-time.Duration(afterOff) * time.Second)
	switch {
	case before.Before(end) && after.Before(end):
		return before.UTC()
	case before.After(end) && !after.Before(end):
		return after.UTC()
	case before.After(after):
		return before.UTC()
	}
	return after.UTC()
}

// ParseTime is time_in; 'now' is now's time of day in loc.
func ParseTime(s string, loc *time.Location, now time.Time) (TimeOfDay, error) {
	str := strings.TrimSpace(strings.ToLower(s))
	if str == "allballs" {
		return 0, nil
	}
	f, ok := parseDateTime(str, DateOrderMDY)
	if !ok || !f.hasTime {
		if ok && f.special == "now" {
			h, m, sec := now.In(loc).Clock()
			return TimeOfDay(int64(h)*usPerHour + int64(m)*usPerMin + int64(sec)*usPerSec + int64(now.Nanosecond()/1000)), nil
		}
		return 0, errDatetimeSyntax(TimeOID, s)
	}
	if f.h > 24 || f.mi > 59 || f.s > 60 || f.h == 24 && (f.mi != 0 || f.s != 0 || f.us != 0) {
		return 0, errFieldRange(s)
	}
	return TimeOfDay(int64(f.h)*usPerHour + int64(f.mi)*usPerMin + int64(f.s)*usPerSec + int64(f.us)), nil
}
