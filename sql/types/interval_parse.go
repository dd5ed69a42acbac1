package types

import (
	"math"
	"strconv"
	"strings"

	"logdb/sql/pgerror"
)

// ParseInterval is interval_in: PostgreSQL's verbose form ("1 year 2 mons
// 3 days 04:05:06", "@ 1 day ago", "1.5 hours"), ISO 8601 ("P1Y2M3DT4H5M6S")
// and a bare number of seconds.
func ParseInterval(s string) (Interval, error) { return parseInterval(s, -1) }

// parseInterval is interval_in with typmod mod: a bare number is in units
// of the range's last field, and the result keeps only the range's fields.
func parseInterval(s string, mod int32) (Interval, error) {
	iv, err := parseIntervalUnits(s, mod)
	if err != nil {
		return iv, err
	}
	return adjustInterval(iv, mod), nil
}

func parseIntervalUnits(s string, mod int32) (Interval, error) {
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
				us = float64(f.h)*float64(usPerHour) + float64(int64(f.mi)*usPerMin+int64(f.s)*usPerSec+int64(f.us))
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
		if y, m, ok := yearMonthToken(t); ok { // "1-2": 1 year 2 months, as SQL writes them
			if dup("year") || dup("month") {
				return bad()
			}
			months += float64(y*12 + m)
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
			rng, _ := intervalRange(mod)
			if i+1 < len(toks) && strings.Contains(toks[i+1], ":") && !strings.Contains(t, ".") {
				unit = "day" // "1 2:03:04": a bare integer before a time is days, as PostgreSQL reads it
			} else if i+2 == len(toks) && isNumberStart(toks[i+1]) && bareUnit(rng) == "hour" {
				unit = "day" // INTERVAL '1 2' DAY TO HOUR: the number before the hours is days
			} else if i+1 < len(toks) && !strings.Contains(toks[i+1], ":") && toks[i+1] != "ago" && !isNumberStart(toks[i+1]) {
				i++
				unit = toks[i]
			} else {
				unit = bareUnit(rng)
			}
		}
		unit = strings.TrimSuffix(unit, ",")
		if dup(NormalizeUnit(unit)) {
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
	iv, ok := cascadeInterval(months, days, micros)
	if !ok {
		return Interval{}, pgerror.New("22015", "interval field value out of range: \"%s\"", s)
	}
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
func cascadeInterval(months, days, micros float64) (Interval, bool) {
	mi := math.Trunc(months)
	days += (months - mi) * 30
	di := math.Trunc(days)
	micros += (days - di) * float64(usPerDay)
	us := math.Round(micros)
	if mi > math.MaxInt32 || mi < math.MinInt32 || di > math.MaxInt32 || di < math.MinInt32 || math.Abs(us) >= 1<<63 || math.IsNaN(us) {
		return Interval{}, false
	}
	return Interval{Months: int32(mi), Days: int32(di), Micros: int64(us)}, true
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
	iv, ok := cascadeInterval(months, days, micros)
	if !ok {
		return Interval{}, false
	}
	if neg {
		iv = Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
	}
	return iv, true
}

// NormalizeUnit is the canonical name of a date/time unit as interval
// input, date_part and date_trunc accept it ("hrs" and "h" are "hour",
// "msec" is "milliseconds"); an unknown unit is returned trimmed and
// lowercased.
func NormalizeUnit(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	switch u {
	case "microsecond", "microseconds", "us", "usec", "usecs", "useconds":
		return "microseconds"
	case "millisecond", "milliseconds", "ms", "msec", "msecs", "mseconds":
		return "milliseconds"
	case "second", "seconds", "s", "sec", "secs":
		return "second"
	case "minute", "minutes", "m", "min", "mins":
		return "minute"
	case "hour", "hours", "h", "hr", "hrs":
		return "hour"
	case "day", "days", "d":
		return "day"
	case "week", "weeks", "w":
		return "week"
	case "month", "months", "mon", "mons":
		return "month"
	case "quarter", "qtr":
		return "quarter"
	case "year", "years", "y", "yr", "yrs":
		return "year"
	case "decade", "decades", "dec", "decs":
		return "decade"
	case "century", "centuries", "c", "cent":
		return "century"
	case "millennium", "millennia", "mil", "mils", "millenniums":
		return "millennium"
	}
	return u
}

// yearMonthToken reads the SQL standard's year-month field "[+-]Y-M".
func yearMonthToken(t string) (y, m int64, ok bool) {
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	i := strings.IndexByte(t, '-')
	if i <= 0 || i == len(t)-1 {
		return 0, 0, false
	}
	y, err1 := strconv.ParseInt(t[:i], 10, 32)
	m, err2 := strconv.ParseInt(t[i+1:], 10, 32)
	if err1 != nil || err2 != nil || t[i+1] == '+' || t[i+1] == '-' {
		return 0, 0, false
	}
	if neg {
		y, m = -y, -m
	}
	return y, m, true
}
