package types

import (
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
)

// dateTimeKeywords are to_char's template patterns, longest first where one
// is a prefix of another.
var dateTimeKeywords = []string{
	"A.M.", "a.m.", "P.M.", "p.m.", "AM", "am", "PM", "pm",
	"B.C.", "b.c.", "A.D.", "a.d.", "BC", "bc", "AD", "ad",
	"HH24", "HH12", "HH", "MI", "SSSSS", "SSSS", "SS", "MS", "US",
	"FF1", "FF2", "FF3", "FF4", "FF5", "FF6",
	"Y,YYY", "IYYY", "YYYY", "IYY", "YYY", "IY", "YY", "IW", "IDDD", "ID", "I", "Y",
	"MONTH", "Month", "month", "MON", "Mon", "mon", "MM",
	"DAY", "Day", "day", "DY", "Dy", "dy", "DDD", "DD", "D",
	"WW", "W", "CC", "J", "Q", "RM", "rm", "TZH", "TZM", "TZ", "tz", "OF",
}

type fmtToken struct {
	kw      string // keyword, or "" for a literal
	lit     string
	fm      bool // FM prefix: no padding
	ordinal string
}

func parseDateTimeFormat(f string) []fmtToken {
	var toks []fmtToken
	for i := 0; i < len(f); {
		fm := false
		if strings.HasPrefix(f[i:], "FM") || strings.HasPrefix(f[i:], "fm") {
			fm = true
			i += 2
		}
		if i < len(f) && f[i] == '"' {
			j := i + 1
			var b strings.Builder
			for j < len(f) && f[j] != '"' {
				if f[j] == '\\' && j+1 < len(f) {
					j++
				}
				b.WriteByte(f[j])
				j++
			}
			toks = append(toks, fmtToken{lit: b.String()})
			i = j + 1
			continue
		}
		if i < len(f) && f[i] == '\\' && i+1 < len(f) {
			toks = append(toks, fmtToken{lit: f[i+1 : i+2]})
			i += 2
			continue
		}
		matched := ""
		for _, kw := range dateTimeKeywords {
			if strings.HasPrefix(f[i:], kw) {
				matched = kw
				break
			}
		}
		if matched == "" {
			if i < len(f) {
				_, sz := firstRune(f[i:])
				toks = append(toks, fmtToken{lit: f[i : i+sz]})
				i += sz
			}
			continue
		}
		i += len(matched)
		t := fmtToken{kw: matched, fm: fm}
		if strings.HasPrefix(f[i:], "TH") || strings.HasPrefix(f[i:], "th") {
			t.ordinal = f[i : i+2]
			i += 2
		}
		toks = append(toks, t)
	}
	return toks
}

func firstRune(s string) (rune, int) {
	for i, r := range s {
		if i > 0 {
			return r, i
		}
		_ = r
	}
	return 0, len(s)
}

func ordinalSuffix(n int64, upper bool) string {
	s := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			s = "st"
		case 2:
			s = "nd"
		case 3:
			s = "rd"
		}
	}
	if upper {
		return strings.ToUpper(s)
	}
	return s
}

func casedName(name, kw string, width int, fm bool) string {
	switch {
	case kw == strings.ToUpper(kw):
		name = strings.ToUpper(name)
	case kw == strings.ToLower(kw):
		name = strings.ToLower(name)
	}
	if !fm && len(name) < width {
		name += strings.Repeat(" ", width-len(name))
	}
	return name
}

var romanMonths = []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}

// toCharTime is to_char(timestamp, text); t is the wall clock to show.
func toCharTime(t time.Time, f string, tz bool) string {
	if isInfTime(t) != 0 {
		return ""
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	us := t.Nanosecond() / 1000
	var b strings.Builder
	num := func(v int64, width int, tok fmtToken) {
		str := strconv.FormatInt(abs(v), 10)
		if v < 0 {
			b.WriteByte('-')
		}
		if !tok.fm && len(str) < width {
			b.WriteString(strings.Repeat("0", width-len(str)))
		}
		b.WriteString(str)
		if tok.ordinal != "" {
			b.WriteString(ordinalSuffix(abs(v), tok.ordinal == "TH"))
		}
	}
	year := int64(y)
	if y <= 0 {
		year = int64(1 - y)
	}
	for _, tok := range parseDateTimeFormat(f) {
		if tok.kw == "" {
			b.WriteString(tok.lit)
			continue
		}
		switch tok.kw {
		case "HH24":
			num(int64(h), 2, tok)
		case "HH12", "HH":
			h12 := h % 12
			if h12 == 0 {
				h12 = 12
			}
			num(int64(h12), 2, tok)
		case "MI":
			num(int64(mi), 2, tok)
		case "SS":
			num(int64(s), 2, tok)
		case "SSSS", "SSSSS":
			num(int64(h*3600+mi*60+s), 0, tok)
		case "MS":
			num(int64(us/1000), 3, tok)
		case "US":
			num(int64(us), 6, tok)
		case "FF1", "FF2", "FF3", "FF4", "FF5", "FF6":
			n := int(tok.kw[2] - '0')
			v := us
			for k := 6; k > n; k-- {
				v /= 10
			}
			num(int64(v), n, tok)
		case "AM", "PM", "am", "pm", "A.M.", "P.M.", "a.m.", "p.m.":
			pm := h >= 12
			dotted := strings.Contains(tok.kw, ".")
			v := "AM"
			if pm {
				v = "PM"
			}
			if dotted {
				v = v[:1] + "." + v[1:] + "."
			}
			if tok.kw[0] >= 'a' {
				v = strings.ToLower(v)
			}
			b.WriteString(v)
		case "BC", "AD", "bc", "ad", "B.C.", "A.D.", "b.c.", "a.d.":
			v := "AD"
			if y <= 0 {
				v = "BC"
			}
			if strings.Contains(tok.kw, ".") {
				v = v[:1] + "." + v[1:] + "."
			}
			if tok.kw[0] >= 'a' {
				v = strings.ToLower(v)
			}
			b.WriteString(v)
		case "YYYY":
			num(year, 4, tok)
		case "Y,YYY":
			b.WriteString(strconv.FormatInt(year/1000, 10) + "," + leftPad(strconv.FormatInt(year%1000, 10), 3))
		case "YYY":
			num(year%1000, 3, tok)
		case "YY":
			num(year%100, 2, tok)
		case "Y":
			num(year%10, 1, tok)
		case "IYYY", "IYY", "IY", "I":
			iy, _ := t.ISOWeek()
			n := len(tok.kw)
			v := int64(iy)
			mod := int64(1)
			for k := 0; k < n && n < 4; k++ {
				mod *= 10
			}
			if n < 4 {
				v %= mod
			}
			num(v, n, tok)
		case "IW":
			_, w := t.ISOWeek()
			num(int64(w), 2, tok)
		case "MONTH", "Month", "month":
			b.WriteString(casedName(mo.String(), tok.kw, 9, tok.fm))
		case "MON", "Mon", "mon":
			b.WriteString(casedName(mo.String()[:3], tok.kw, 3, tok.fm))
		case "MM":
			num(int64(mo), 2, tok)
		case "RM", "rm":
			r := romanMonths[mo-1]
			if tok.kw == "rm" {
				r = strings.ToLower(r)
			}
			if !tok.fm {
				r += strings.Repeat(" ", 4-len(r))
			}
			b.WriteString(r)
		case "DAY", "Day", "day":
			b.WriteString(casedName(t.Weekday().String(), tok.kw, 9, tok.fm))
		case "DY", "Dy", "dy":
			b.WriteString(casedName(t.Weekday().String()[:3], tok.kw, 3, tok.fm))
		case "DDD":
			num(int64(t.YearDay()), 3, tok)
		case "IDDD":
			_, w := t.ISOWeek()
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			num(int64((w-1)*7+wd), 3, tok)
		case "DD":
			num(int64(d), 2, tok)
		case "D":
			num(int64(t.Weekday())+1, 1, tok)
		case "ID":
			wd := int64(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			num(wd, 1, tok)
		case "WW":
			num(int64((t.YearDay()-1)/7+1), 2, tok)
		case "W":
			num(int64((d-1)/7+1), 1, tok)
		case "CC":
			c := (year + 99) / 100
			if y <= 0 {
				c = -c
			}
			num(c, 2, tok)
		case "J":
			num(daysFromCivil(int64(y), int64(mo), int64(d))+2440588, 0, tok)
		case "Q":
			num(int64((mo-1)/3+1), 1, tok)
		case "TZ", "tz":
			if tz {
				name, off := t.Zone()
				if name == "" || name[0] == '+' || name[0] == '-' {
					name = string(appendOffset(nil, off))
				}
				if tok.kw == "tz" {
					name = strings.ToLower(name)
				}
				b.WriteString(name)
			}
		case "OF":
			if tz {
				_, off := t.Zone()
				b.WriteString(string(appendOffset(nil, off)))
			}
		case "TZH":
			if tz {
				_, off := t.Zone()
				sign := "+"
				if off < 0 {
					sign, off = "-", -off
				}
				b.WriteString(sign + leftPad(strconv.Itoa(off/3600), 2))
			}
		case "TZM":
			if tz {
				_, off := t.Zone()
				if off < 0 {
					off = -off
				}
				b.WriteString(leftPad(strconv.Itoa(off%3600/60), 2))
			}
		}
	}
	return b.String()
}

func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// toCharNumber is to_char(numeric, text) for the common patterns: 9 0 . D , G
// FM S MI PL SG PR and literal text.
func toCharNumber(v *apd.Decimal, f string) string {
	type tok struct {
		kind byte // '9', '0', '.', ',', 'S' (sign), 'M' (MI), 'P' (PL), 'G' (SG), 'R' (PR), 'l' literal
		lit  string
	}
	var toks []tok
	fm := false
	pre, post := 0, 0
	seenPoint := false
	explicitSign := false
	for i := 0; i < len(f); {
		up := strings.ToUpper(f[i:])
		switch {
		case strings.HasPrefix(up, "FM"):
			fm = true
			i += 2
		case f[i] == '9' || f[i] == '0':
			toks = append(toks, tok{kind: f[i]})
			if seenPoint {
				post++
			} else {
				pre++
			}
			i++
		case f[i] == '.' || up[0] == 'D':
			if !seenPoint {
				toks = append(toks, tok{kind: '.'})
				seenPoint = true
			} else {
				toks = append(toks, tok{kind: 'l', lit: f[i : i+1]})
			}
			i++
		case f[i] == ',' || up[0] == 'G':
			toks = append(toks, tok{kind: ','})
			i++
		case strings.HasPrefix(up, "TH"):
			toks = append(toks, tok{kind: 'T', lit: f[i : i+2]})
			i += 2
		case strings.HasPrefix(up, "MI"):
			toks = append(toks, tok{kind: 'M'})
			explicitSign = true
			i += 2
		case strings.HasPrefix(up, "PL"):
			// PL adds a plus sign; the minus keeps its usual place
			toks = append(toks, tok{kind: 'P'})
			i += 2
		case strings.HasPrefix(up, "SG"):
			toks = append(toks, tok{kind: 'G'})
			explicitSign = true
			i += 2
		case strings.HasPrefix(up, "PR"):
			toks = append(toks, tok{kind: 'R'})
			explicitSign = true
			i += 2
		case up[0] == 'S':
			toks = append(toks, tok{kind: 'S'})
			explicitSign = true
			i++
		case f[i] == '"':
			j := strings.IndexByte(f[i+1:], '"')
			if j < 0 {
				toks = append(toks, tok{kind: 'l', lit: f[i+1:]})
				i = len(f)
			} else {
				toks = append(toks, tok{kind: 'l', lit: f[i+1 : i+1+j]})
				i += j + 2
			}
		default:
			_, sz := firstRune(f[i:])
			toks = append(toks, tok{kind: 'l', lit: f[i : i+sz]})
			i += sz
		}
	}
	// a sign (S) before the first digit is written next to the number
	leadingS := false
	for _, t := range toks {
		if t.kind == '9' || t.kind == '0' || t.kind == '.' {
			break
		}
		if t.kind == 'S' {
			leadingS = true
		}
	}
	neg := false
	var intDigits, fracDigits string
	overflow := false
	if v.Form != apd.Finite {
		overflow = true
		neg = v.Negative && v.Form == apd.Infinite
	} else {
		r, err := roundNumeric(v, int32(post))
		if err != nil {
			overflow = true
		} else {
			neg = r.Negative && r.Coeff.Sign() != 0
			txt := string(appendNumeric(nil, new(apd.Decimal).Abs(r)))
			intDigits, fracDigits, _ = strings.Cut(txt, ".")
			if intDigits == "0" && post > 0 {
				intDigits = ""
			}
			if len(intDigits) > pre {
				overflow = true
			}
		}
		if overflow {
			neg = v.Negative
		}
	}
	var b strings.Builder
	signDone := explicitSign && !leadingS
	started := false
	emitSign := func() {
		if signDone {
			return
		}
		signDone = true
		switch {
		case neg:
			b.WriteByte('-')
		case leadingS:
			b.WriteByte('+')
		case !fm:
			b.WriteByte(' ')
		}
	}
	hasPR := false
	for _, t := range toks {
		if t.kind == 'R' {
			hasPR = true
		}
	}
	startNumber := func() {
		if hasPR && neg && !started {
			b.WriteByte('<')
		}
		emitSign()
	}
	intIdx := 0
	fracIdx := 0
	afterPoint := false
	// for FM, trailing '9' fraction positions that are zero are dropped
	fracKeep := post
	if fm && !overflow {
		fracKinds := []byte{}
		for _, t := range toks {
			if t.kind == '.' {
				afterPoint = true
			} else if (t.kind == '9' || t.kind == '0') && afterPoint {
				fracKinds = append(fracKinds, t.kind)
			}
		}
		for fracKeep > 0 && fracKinds[fracKeep-1] == '9' && fracDigits[fracKeep-1] == '0' {
			fracKeep--
		}
		afterPoint = false
	}
	for _, t := range toks {
		switch t.kind {
		case '9', '0':
			if afterPoint {
				if overflow {
					b.WriteByte('#')
				} else if fracIdx < fracKeep {
					b.WriteByte(fracDigits[fracIdx])
				}
				fracIdx++
				continue
			}
			if overflow {
				startNumber()
				started = true
				b.WriteByte('#')
				intIdx++
				continue
			}
			j := intIdx - (pre - len(intDigits))
			intIdx++
			if j < 0 {
				if t.kind == '0' || started {
					startNumber()
					b.WriteByte('0')
					started = true
				} else if !fm {
					b.WriteByte(' ')
				}
				continue
			}
			startNumber()
			started = true
			b.WriteByte(intDigits[j])
		case '.':
			if !started {
				startNumber()
				started = true
			}
			afterPoint = true
			b.WriteByte('.')
		case ',':
			if started {
				b.WriteByte(',')
			} else if !fm {
				b.WriteByte(' ')
			}
		case 'S':
			if leadingS {
				continue
			}
			if neg {
				b.WriteByte('-')
			} else {
				b.WriteByte('+')
			}
		case 'M':
			if neg {
				b.WriteByte('-')
			} else if !fm {
				b.WriteByte(' ')
			}
		case 'P':
			if !neg {
				b.WriteByte('+')
			} else if !fm {
				b.WriteByte(' ')
			}
		case 'G':
			if neg {
				b.WriteByte('-')
			} else {
				b.WriteByte('+')
			}
		case 'R':
			if neg {
				b.WriteByte('>')
			} else if !fm {
				b.WriteByte(' ')
			}
		case 'l':
			b.WriteString(t.lit)
		case 'T':
			if !overflow && !neg {
				n, _ := strconv.ParseInt(intDigits, 10, 64)
				b.WriteString(ordinalSuffix(n, t.lit == "TH"))
			}
		}
	}
	if !started && !overflow {
		emitSign()
	}
	return b.String()
}

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
	if mo < 1 || mo > 12 || d < 1 || (mo != 1 || d > 366) && d > daysIn(mo, y) || h > 24 || mi > 59 || sec > 60 {
		return time.Time{}, pgerror.New(pgerror.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, loc), nil
}

var monthNamesTitle = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
var dayNamesTitle = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
