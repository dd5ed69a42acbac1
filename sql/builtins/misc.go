package builtins

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// date_bin, make_timestamptz with a zone, min_scale, trim_scale and
// unistr, as PostgreSQL 15 defines them.

// dateBin is date_bin(stride, source, origin) for timestamps and
// timestamptz (both instants in UTC here): source rounded down to the
// start of its stride-wide bin counted from origin.
func dateBin(stride types.Interval, src, origin time.Time) (types.Datum, error) {
	if types.IsInfTime(src) != 0 {
		return src, nil
	}
	if types.IsInfTime(origin) != 0 {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "origin out of range")
	}
	if stride.Months != 0 {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
	}
	us := int64(stride.Days)*86400_000_000 + stride.Micros
	if (stride.Micros > 0 && us < int64(stride.Days)*86400_000_000) || (stride.Micros < 0 && us > int64(stride.Days)*86400_000_000) {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "interval out of range")
	}
	if us <= 0 {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "stride must be greater than zero")
	}
	s, o := src.UnixMicro(), origin.UnixMicro()
	diff := s - o
	if (o < 0 && diff < s) || (o > 0 && diff > s) {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "interval out of range")
	}
	mod := diff % us
	r := o + (diff - mod)
	if mod < 0 {
		r -= us
	}
	t := time.UnixMicro(r).UTC()
	if t.Before(types.MinTimestamp) || !t.Before(types.MaxTimestamp) {
		return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range")
	}
	return t, nil
}

// isoOffsetZone reads "+05:30", "-8", "+0530" as a fixed zone east of
// UTC (make_timestamptz's zone argument takes ISO offsets, unlike SET
// TIME ZONE's POSIX ones).
func isoOffsetZone(name string) (*time.Location, bool) {
	if len(name) < 2 || (name[0] != '+' && name[0] != '-') {
		return nil, false
	}
	sign := 1
	if name[0] == '-' {
		sign = -1
	}
	parts := strings.Split(name[1:], ":")
	if len(parts) == 1 && len(parts[0]) > 2 {
		p := parts[0]
		if len(p) != 4 && len(p) != 6 {
			return nil, false
		}
		parts = []string{p[:2], p[2:4]}
		if len(p) == 6 {
			parts = append(parts, p[4:])
		}
	}
	secs := 0
	for i, p := range parts {
		if i > 2 || p == "" {
			return nil, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		secs = secs*60 + n
	}
	for i := len(parts); i < 3; i++ {
		secs *= 60
	}
	if secs > 15*3600+59*60+59 {
		return nil, false
	}
	return time.FixedZone(name, sign*secs), true
}

// minScale is min_scale: the fewest digits after the point that keep d's
// value (NULL for NaN and infinities).
func minScale(d *apd.Decimal) types.Datum {
	if d.Form != apd.Finite {
		return nil
	}
	var r apd.Decimal
	r.Reduce(d)
	if r.Exponent >= 0 || r.IsZero() {
		return int64(0)
	}
	return int64(-r.Exponent)
}

func trimScale(d *apd.Decimal) types.Datum {
	if d.Form != apd.Finite {
		return d
	}
	var r apd.Decimal
	r.Reduce(d)
	if r.IsZero() {
		return apd.New(0, 0)
	}
	if r.Exponent > 0 {
		// keep an integer's digits: scale 0
		var q apd.Decimal
		if _, err := exactCtx.Quantize(&q, &r, 0); err == nil {
			return &q
		}
	}
	return &r
}

// unistr decodes \XXXX, \+XXXXXX, \uXXXX and \UXXXXXXXX escapes (and \\).
func unistr(s string) (types.Datum, error) {
	bad := func() error {
		return &pgerror.Error{Code: pgerror.SyntaxError, Message: "invalid Unicode escape",
			Hint: `Unicode escapes must be \XXXX, \+XXXXXX, \uXXXX, or \UXXXXXXXX.`}
	}
	hexAt := func(i, n int) (rune, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v, err := strconv.ParseUint(s[i:i+n], 16, 32)
		if err != nil || strings.ContainsAny(s[i:i+n], "+-") {
			return 0, false
		}
		return rune(v), true
	}
	var b strings.Builder
	var hi rune // a pending high surrogate
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			if hi != 0 {
				return nil, pgerror.New(pgerror.SyntaxError, "invalid Unicode surrogate pair")
			}
			b.WriteByte(s[i])
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			if hi != 0 {
				return nil, pgerror.New(pgerror.SyntaxError, "invalid Unicode surrogate pair")
			}
			b.WriteByte('\\')
			i += 2
			continue
		}
		var r rune
		var ok bool
		switch {
		case i+1 < len(s) && s[i+1] == '+':
			r, ok = hexAt(i+2, 6)
			i += 8
		case i+1 < len(s) && s[i+1] == 'u':
			r, ok = hexAt(i+2, 4)
			i += 6
		case i+1 < len(s) && s[i+1] == 'U':
			r, ok = hexAt(i+2, 8)
			i += 10
		default:
			r, ok = hexAt(i+1, 4)
			i += 5
		}
		if !ok {
			return nil, bad()
		}
		switch {
		case r >= 0xD800 && r <= 0xDBFF:
			if hi != 0 {
				return nil, pgerror.New(pgerror.SyntaxError, "invalid Unicode surrogate pair")
			}
			hi = r
			continue
		case r >= 0xDC00 && r <= 0xDFFF:
			if hi == 0 {
				return nil, pgerror.New(pgerror.SyntaxError, "invalid Unicode surrogate pair")
			}
			r = (hi-0xD800)<<10 + (r - 0xDC00) + 0x10000
			hi = 0
		case hi != 0:
			return nil, pgerror.New(pgerror.SyntaxError, "invalid Unicode surrogate pair")
		}
		if r == 0 || r > utf8.MaxRune {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid Unicode code point: %04X", r)
		}
		b.WriteRune(r)
	}
	if hi != 0 {
		return nil, pgerror.New(pgerror.SyntaxError, "invalid Unicode surrogate pair")
	}
	return b.String(), nil
}

func registerMiscFuncs() {
	iv := types.IntervalOID
	def("date_bin", types.TimestampOID, oids(iv, types.TimestampOID, types.TimestampOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return dateBin(a[0].(types.Interval), a[1].(time.Time), a[2].(time.Time))
	})
	def("date_bin", types.TimestamptzOID, oids(iv, types.TimestamptzOID, types.TimestamptzOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return dateBin(a[0].(types.Interval), a[1].(time.Time), a[2].(time.Time))
	})
	def("make_timestamptz", types.TimestamptzOID, oids(types.Int4OID, types.Int4OID, types.Int4OID, types.Int4OID, types.Int4OID, types.Float8OID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		loc, ok := isoOffsetZone(str(a[6]))
		if !ok {
			var err error
			if loc, err = zoneArg(str(a[6])); err != nil {
				return nil, err
			}
		}
		r, err := makeTimestamp(a[:6], loc)
		if err != nil {
			return nil, err
		}
		return r.(time.Time).UTC(), nil
	})
	def("min_scale", types.Int4OID, oids(types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return minScale(dec(a[0])), nil
	})
	def("trim_scale", types.NumericOID, oids(types.NumericOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return trimScale(dec(a[0])), nil
	})
	def("unistr", types.TextOID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return unistr(str(a[0]))
	})
}
