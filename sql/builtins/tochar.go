package builtins

// to_char: the template patterns (shared with to_date and to_timestamp in
// todate.go) and the formatting of timestamps and intervals; numbers are
// in tochar_number.go.

import (
	"strconv"
	"strings"
	"time"

	"logdb/sql/types"
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
	if types.IsInfTime(t) != 0 {
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
			num(julianDay(y, mo, d), 0, tok)
		case "Q":
			num(int64((mo-1)/3+1), 1, tok)
		case "TZ", "tz":
			if tz {
				name, off := t.Zone()
				if name == "" || name[0] == '+' || name[0] == '-' {
					name = string(types.AppendUTCOffset(nil, off))
				}
				if tok.kw == "tz" {
					name = strings.ToLower(name)
				}
				b.WriteString(name)
			}
		case "OF":
			if tz {
				_, off := t.Zone()
				b.WriteString(string(types.AppendUTCOffset(nil, off)))
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
