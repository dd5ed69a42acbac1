package builtins

import (
	"strconv"
	"strings"
	"time"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// parseWithFormat is to_timestamp(text, text) / to_date for the common
// patterns; the result is read in loc.
func parseWithFormat(s, f string, loc *time.Location) (time.Time, error) {
	y, mo, d := 1, 1, 1
	h, mi, sec, us := 0, 0, 0, 0
	pm, hasAMPM := false, false
	bc := false
	toks := parseDateTimeFormat(f)
	i := 0
	skipSep := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '-' || s[i] == '/' || s[i] == ':' || s[i] == '.' || s[i] == ',' || s[i] == 'T') {
			i++
		}
	}
	readNum := func(kw string, maxLen int) (int, error) {
		skipSep()
		j := i
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			j++
		}
		for j < len(s) && j-i < maxLen && isDigit(s[j]) {
			j++
		}
		if j == i {
			rest := s[i:]
			if len(rest) > 10 {
				rest = rest[:10]
			}
			return 0, pgerror.New(pgerror.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", rest, kw)
		}
		n, err := strconv.Atoi(s[i:j])
		if err != nil {
			return 0, pgerror.New(pgerror.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", s[i:j], kw)
		}
		i = j
		return n, nil
	}
	readName := func(kw string, names []string, n int) (int, error) {
		skipSep()
		rest := strings.ToLower(s[i:])
		for k, name := range names {
			name = strings.ToLower(name)
			if n > 0 {
				name = name[:n]
			}
			if strings.HasPrefix(rest, name) {
				i += len(name)
				return k, nil
			}
		}
		return 0, pgerror.New(pgerror.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", s[i:min(len(s), i+len(kw))], kw)
	}
	var err error
	for ti, t := range toks {
		// a field directly followed by another field takes only its width
		adjacent := ti+1 < len(toks) && toks[ti+1].kw != ""
		if t.kw == "" {
			if i < len(s) && strings.HasPrefix(s[i:], t.lit) {
				i += len(t.lit)
			} else if strings.TrimSpace(t.lit) == "" {
				skipSep()
			} else if i < len(s) && !isDigit(s[i]) {
				i++
			}
			continue
		}
		switch t.kw {
		case "YYYY", "IYYY":
			if adjacent {
				y, err = readNum(t.kw, 4)
			} else {
				y, err = readNum(t.kw, 6)
			}
		case "Y,YYY":
			var a, b int
			if a, err = readNum(t.kw, 3); err == nil {
				b, err = readNum(t.kw, 3)
				y = a*1000 + b
			}
		case "YYY", "YY", "Y":
			y, err = readNum(t.kw, len(t.kw))
			if err == nil && len(t.kw) == 2 {
				if y < 70 {
					y += 2000
				} else {
					y += 1900
				}
			}
		case "MM":
			mo, err = readNum(t.kw, 2)
		case "DD":
			d, err = readNum(t.kw, 2)
		case "DDD":
			var doy int
			doy, err = readNum(t.kw, 3)
			mo, d = 1, doy
		case "HH24":
			h, err = readNum(t.kw, 2)
		case "HH", "HH12":
			h, err = readNum(t.kw, 2)
		case "MI":
			mi, err = readNum(t.kw, 2)
		case "SS":
			sec, err = readNum(t.kw, 2)
		case "MS":
			var ms int
			start := i
			ms, err = readNum(t.kw, 3)
			for n := i - start; n < 3 && err == nil; n++ {
				ms *= 10
			}
			us += ms * 1000
		case "US", "FF6", "FF1", "FF2", "FF3", "FF4", "FF5":
			var v int
			skipSep()
			start := i
			v, err = readNum(t.kw, 6)
			for n := i - start; n < 6 && err == nil; n++ {
				v *= 10
			}
			us += v
		case "MONTH", "Month", "month":
			var k int
			k, err = readName(t.kw, monthNamesTitle, 0)
			mo = k + 1
		case "MON", "Mon", "mon":
			var k int
			k, err = readName(t.kw, monthNamesTitle, 3)
			mo = k + 1
		case "DAY", "Day", "day":
			_, err = readName(t.kw, dayNamesTitle, 0)
		case "DY", "Dy", "dy":
			_, err = readName(t.kw, dayNamesTitle, 3)
		case "AM", "PM", "am", "pm", "A.M.", "P.M.", "a.m.", "p.m.":
			skipSep()
			hasAMPM = true
			rest := strings.ToUpper(s[i:])
			switch {
			case strings.HasPrefix(rest, "PM"), strings.HasPrefix(rest, "P.M."):
				pm = true
			case strings.HasPrefix(rest, "AM"), strings.HasPrefix(rest, "A.M."):
			default:
				return time.Time{}, pgerror.New(pgerror.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", s[i:min(len(s), i+2)], t.kw)
			}
			i += len(t.kw)
		case "BC", "bc", "B.C.", "b.c.", "AD", "ad", "A.D.", "a.d.":
			skipSep()
			rest := strings.ToUpper(s[i:])
			if strings.HasPrefix(rest, "BC") || strings.HasPrefix(rest, "B.C.") {
				bc = true
			}
			i += len(t.kw)
		case "TZ", "tz", "OF", "TZH", "TZM":
			// zones in the input are not supported; read in the session zone
		default:
			_, err = readNum(t.kw, 8)
		}
		if err != nil {
			return time.Time{}, err
		}
	}
	if hasAMPM {
		if h < 1 || h > 12 {
			return time.Time{}, pgerror.New(pgerror.DatetimeFieldOverflow, "hour \"%d\" is invalid for the 12-hour clock", h)
		}
		h %= 12
		if pm {
			h += 12
		}
	}
	if bc {
		y = 1 - y
	}
	if mo < 1 || mo > 12 || d < 1 || (mo != 1 || d > 366) && d > types.DaysInMonth(mo, y) || h > 24 || mi > 59 || sec > 60 {
		return time.Time{}, pgerror.New(pgerror.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
	}
	return types.DateIn(y, time.Month(mo), d, h, mi, sec, us*1000, loc), nil
}

var monthNamesTitle = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
var dayNamesTitle = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
