package types

import (
	"strconv"
	"time"
)

// Output styles a session chooses: IntervalStyle and bytea_output, as
// PostgreSQL's interval_out (EncodeInterval) and byteaout apply them.
// The zero TextStyle is the default (postgres, hex).

// IntervalStyle is the IntervalStyle setting.
type IntervalStyle uint8

const (
	IntervalPostgres IntervalStyle = iota
	IntervalPostgresVerbose
	IntervalSQLStandard
	IntervalISO8601
)

// IntervalStyles maps the setting's values to styles.
var IntervalStyles = map[string]IntervalStyle{
	"postgres": IntervalPostgres, "postgres_verbose": IntervalPostgresVerbose,
	"sql_standard": IntervalSQLStandard, "iso_8601": IntervalISO8601,
}

// TextStyle is a session's output styles.
type TextStyle struct {
	Interval    IntervalStyle
	ByteaEscape bool // bytea_output = escape
}

// OutputReadsStyle reports whether a value of t prints differently in
// some TextStyle (so a cast of it to text reads the session's styles).
func OutputReadsStyle(t T) bool {
	if e, ok := ElemOf(t); ok {
		t = e
	}
	return t.OID == IntervalOID || t.OID == ByteaOID
}

// AppendTextStyled is AppendTextLoc in the output styles st.
func AppendTextStyled(dst []byte, t T, d Datum, loc *time.Location, st TextStyle) []byte {
	if st == (TextStyle{}) {
		return AppendTextLoc(dst, t, d, loc)
	}
	switch v := d.(type) {
	case Interval:
		return appendIntervalStyled(dst, v, st.Interval)
	case []byte:
		if st.ByteaEscape {
			return appendByteaEscape(dst, v)
		}
	case Array:
		if t.OID != Int2VectorOID && t.OID != OidVectorOID {
			return appendArrayText(dst, v, loc, st)
		}
	}
	return AppendTextLoc(dst, t, d, loc)
}

// appendByteaEscape is byteaout's escape format: printable ASCII as is,
// a backslash doubled, other bytes as \ooo.
func appendByteaEscape(dst []byte, b []byte) []byte {
	for _, c := range b {
		switch {
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c < 0x20 || c > 0x7e:
			dst = append(dst, '\\', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// intervalFields splits an interval as EncodeInterval does: each field
// with the sign of the part it comes from.
func intervalFields(iv Interval) (year, mon, day, hour, min, sec, fsec int64) {
	year, mon, day = int64(iv.Months/12), int64(iv.Months%12), int64(iv.Days)
	t := iv.Micros
	hour = t / usPerHour
	t -= hour * usPerHour
	min = t / usPerMin
	t -= min * usPerMin
	sec = t / usPerSec
	fsec = t - sec*usPerSec
	return
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// appendSeconds is AppendSeconds: |sec|, two digits when fill, then the
// fraction without trailing zeros.
func appendSeconds(dst []byte, sec, fsec int64, fill bool) []byte {
	if fill && abs64(sec) < 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendInt(dst, abs64(sec), 10)
	if fsec != 0 {
		dst = appendFrac(dst, int(abs64(fsec)))
	}
	return dst
}

func appendIntervalStyled(dst []byte, iv Interval, style IntervalStyle) []byte {
	year, mon, day, hour, min, sec, fsec := intervalFields(iv)
	switch style {
	case IntervalISO8601:
		if year == 0 && mon == 0 && day == 0 && hour == 0 && min == 0 && sec == 0 && fsec == 0 {
			return append(dst, "PT0S"...)
		}
		dst = append(dst, 'P')
		part := func(v int64, u byte) {
			if v != 0 {
				dst = strconv.AppendInt(dst, v, 10)
				dst = append(dst, u)
			}
		}
		part(year, 'Y')
		part(mon, 'M')
		part(day, 'D')
		if hour != 0 || min != 0 || sec != 0 || fsec != 0 {
			dst = append(dst, 'T')
		}
		part(hour, 'H')
		part(min, 'M')
		if sec != 0 || fsec != 0 {
			if sec < 0 || fsec < 0 {
				dst = append(dst, '-')
			}
			dst = appendSeconds(dst, sec, fsec, false)
			dst = append(dst, 'S')
		}
		return dst
	case IntervalSQLStandard:
		neg := year < 0 || mon < 0 || day < 0 || hour < 0 || min < 0 || sec < 0 || fsec < 0
		pos := year > 0 || mon > 0 || day > 0 || hour > 0 || min > 0 || sec > 0 || fsec > 0
		hasYM := year != 0 || mon != 0
		hasDT := day != 0 || hour != 0 || min != 0 || sec != 0 || fsec != 0
		standard := !(neg && pos) && !(hasYM && hasDT)
		if neg && standard {
			dst = append(dst, '-')
			year, mon, day, hour, min, sec, fsec = -year, -mon, -day, -hour, -min, -sec, -fsec
		}
		clock := func(h int64) {
			dst = strconv.AppendInt(dst, h, 10)
			dst = append(dst, ':')
			dst = append2(dst, int(abs64(min)))
			dst = append(dst, ':')
			dst = appendSeconds(dst, sec, fsec, true)
		}
		switch {
		case !neg && !pos:
			return append(dst, '0')
		case !standard:
			sign := func(b bool) byte {
				if b {
					return '-'
				}
				return '+'
			}
			dst = append(dst, sign(year < 0 || mon < 0))
			dst = strconv.AppendInt(dst, abs64(year), 10)
			dst = append(dst, '-')
			dst = strconv.AppendInt(dst, abs64(mon), 10)
			dst = append(dst, ' ', sign(day < 0))
			dst = strconv.AppendInt(dst, abs64(day), 10)
			dst = append(dst, ' ', sign(hour < 0 || min < 0 || sec < 0 || fsec < 0))
			clock(abs64(hour))
		case hasYM:
			dst = strconv.AppendInt(dst, year, 10)
			dst = append(dst, '-')
			dst = strconv.AppendInt(dst, mon, 10)
		case day != 0:
			dst = strconv.AppendInt(dst, day, 10)
			dst = append(dst, ' ')
			clock(hour)
		default:
			clock(hour)
		}
		return dst
	case IntervalPostgresVerbose:
		dst = append(dst, '@')
		isZero, isBefore := true, false
		part := func(v int64, unit string) {
			if v == 0 {
				return
			}
			if isZero {
				isBefore = v < 0
				v = abs64(v)
			} else if isBefore {
				v = -v
			}
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, v, 10)
			dst = append(dst, ' ')
			dst = append(dst, unit...)
			if v != 1 {
				dst = append(dst, 's')
			}
			isZero = false
		}
		part(year, "year")
		part(mon, "mon")
		part(day, "day")
		part(hour, "hour")
		part(min, "min")
		if sec != 0 || fsec != 0 {
			dst = append(dst, ' ')
			if sec < 0 || (sec == 0 && fsec < 0) {
				if isZero {
					isBefore = true
				} else if !isBefore {
					dst = append(dst, '-')
				}
			} else if isBefore {
				dst = append(dst, '-')
			}
			dst = appendSeconds(dst, sec, fsec, false)
			dst = append(dst, " sec"...)
			if abs64(sec) != 1 || fsec != 0 {
				dst = append(dst, 's')
			}
			isZero = false
		}
		if isZero {
			dst = append(dst, " 0"...)
		}
		if isBefore {
			dst = append(dst, " ago"...)
		}
		return dst
	}
	return appendInterval(dst, iv)
}
