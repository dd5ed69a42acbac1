package types

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types/jsondoc"
)

func validateJSON(s string) error {
	_, err := jsondoc.Parse(s, false)
	return err
}

// canonicalize puts a parsed document in jsonb's form: object keys unique
// and sorted (SortKeys), and numbers as numeric, with their canonical
// text.
func canonicalize(v *jsondoc.Value) error {
	v.SortKeys()
	return canonicalNumbers(v)
}

// canonicalNumbers gives every number in v its numeric value and
// canonical text, in document order; the first that is not a numeric
// fails.
func canonicalNumbers(v *jsondoc.Value) error {
	switch v.Kind {
	case jsondoc.Number:
		if v.Num == nil {
			d, err := parseNumeric(v.Text)
			if err != nil {
				return err
			}
			v.Num = d
			v.Text = string(appendNumeric(nil, d))
		}
	case jsondoc.Array:
		for _, e := range v.Elems {
			if err := canonicalNumbers(e); err != nil {
				return err
			}
		}
	case jsondoc.Object:
		for _, e := range v.Vals {
			if err := canonicalNumbers(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// ParseJSONB is jsonb_in.
func ParseJSONB(s string) (JSONB, error) {
	v, err := jsondoc.Parse(s, true)
	if err != nil {
		return "", err
	}
	if err := canonicalize(v); err != nil {
		return "", err
	}
	return JSONB(v.AppendJSONB(nil)), nil
}

// mustParseJSONB parses stored jsonb text; the text came from ParseJSONB.
func mustParseJSONB(j JSONB) *jsondoc.Value {
	v, err := jsondoc.Parse(string(j), true)
	if err != nil {
		return &jsondoc.Value{Kind: jsondoc.Null}
	}
	_ = canonicalize(v)
	return v
}

// JSONDocument parses a json or jsonb value into its document tree (nil for
// other values), which the caller may change. A jsonb document is in
// jsonb's form, each number with its numeric value (jsondoc.Value.Num); a
// json document is as written.
func JSONDocument(d Datum) *jsondoc.Value {
	switch v := d.(type) {
	case JSONB:
		return mustParseJSONB(v)
	case JSON:
		j, err := jsondoc.Parse(string(v), false)
		if err != nil {
			return &jsondoc.Value{Kind: jsondoc.Null}
		}
		return j
	}
	return nil
}

// AppendJSON renders d as to_jsonb does (timestamptz in UTC).
func AppendJSON(dst []byte, t T, d Datum) []byte { return AppendJSONLoc(dst, t, d, time.UTC) }

// AppendJSONLoc is AppendJSON with timestamptz in loc.
func AppendJSONLoc(dst []byte, t T, d Datum, loc *time.Location) []byte {
	return appendJSONValue(dst, t, d, loc, true)
}

// AppendToJSON renders d as to_json does: as AppendJSONLoc, but arrays
// without a space after their commas and json values as written.
func AppendToJSON(dst []byte, t T, d Datum, loc *time.Location) []byte {
	return appendJSONValue(dst, t, d, loc, false)
}

// appendJSONValue renders d as to_jsonb (jsonbStyle) or to_json does; they
// differ only in the spacing of arrays.
func appendJSONValue(dst []byte, t T, d Datum, loc *time.Location, jsonbStyle bool) []byte {
	if d == nil {
		return append(dst, "null"...)
	}
	switch v := d.(type) {
	case int64:
		if t.OID == RegtypeOID || t.OID == RegclassOID {
			return jsondoc.AppendString(dst, string(AppendText(nil, t, d)))
		}
		return strconv.AppendInt(dst, v, 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return jsondoc.AppendString(dst, string(appendFloat(nil, v, t.OID == Float4OID)))
		}
		return appendFloat(dst, v, t.OID == Float4OID)
	case *apd.Decimal:
		if v.Form != apd.Finite {
			return jsondoc.AppendString(dst, string(appendNumeric(nil, v)))
		}
		return appendNumeric(dst, v)
	case bool:
		if v {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case string:
		return jsondoc.AppendString(dst, v)
	case Enum:
		return jsondoc.AppendString(dst, v.Label)
	case JSON:
		if jsonbStyle {
			j, err := jsondoc.Parse(string(v), true)
			if err == nil && canonicalize(j) == nil {
				return j.AppendJSONB(dst)
			}
		}
		return append(dst, strings.TrimSpace(string(v))...)
	case JSONB:
		return append(dst, v...)
	case time.Time:
		return jsondoc.AppendString(dst, string(appendISOTimestamp(nil, v, t.OID == TimestamptzOID, loc)))
	case Date:
		return jsondoc.AppendString(dst, string(appendDate(nil, v)))
	case Array:
		// nested JSON arrays, one level a dimension
		spans := []int{len(v.Elements)}
		if dims := v.Shape(); len(dims) > 1 {
			spans = make([]int, len(dims))
			n := 1
			for k := len(dims) - 1; k >= 0; k-- {
				n *= dims[k].Len
				spans[k] = n
			}
		}
		if len(v.Elements) == 0 {
			return append(dst, "[]"...)
		}
		for i, e := range v.Elements {
			if i > 0 {
				dst = append(dst, ',')
				if jsonbStyle {
					dst = append(dst, ' ')
				}
			}
			for _, n := range spans {
				if i%n == 0 {
					dst = append(dst, '[')
				}
			}
			dst = appendJSONValue(dst, v.Elem, e, loc, jsonbStyle)
			for _, n := range spans {
				if (i+1)%n == 0 {
					dst = append(dst, ']')
				}
			}
		}
		return dst
	case Record:
		return appendRecordJSON(dst, t, v, loc, jsonbStyle)
	}
	return jsondoc.AppendString(dst, string(AppendTextLoc(nil, t, d, loc)))
}

// appendISOTimestamp writes "2024-01-02T03:04:05.123456+00:00" as json does.
func appendISOTimestamp(dst []byte, v time.Time, withZone bool, loc *time.Location) []byte {
	if IsInfTime(v) != 0 {
		return appendTimestamp(dst, v, false)
	}
	if withZone {
		if loc == nil {
			loc = time.UTC
		}
		v = v.In(loc)
	}
	y, mo, d := v.Date()
	h, mi, s := v.Clock()
	dst, bc := appendYear(dst, y)
	dst = append(dst, '-')
	dst = append2(dst, int(mo))
	dst = append(dst, '-')
	dst = append2(dst, d)
	dst = append(dst, 'T')
	dst = appendClock(dst, h, mi, s, v.Nanosecond()/1000)
	if withZone {
		_, off := v.Zone()
		if off < 0 {
			dst = append(dst, '-')
			off = -off
		} else {
			dst = append(dst, '+')
		}
		dst = append2(dst, off/3600)
		dst = append(dst, ':')
		dst = append2(dst, off%3600/60)
		if off%60 != 0 {
			dst = append(dst, ':')
			dst = append2(dst, off%60)
		}
	}
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// jsonpathIn is the jsonpath type's input function: it parses a path and
// returns its text as PostgreSQL prints it. The grammar is
// sql/builtins/jsonpath's; sql/builtins sets this at init.
var jsonpathIn func(string) (string, error)

// SetJSONPathInput installs the jsonpath type's input function. A jsonpath
// value is a string: the path's normalized text.
func SetJSONPathInput(fn func(string) (string, error)) { jsonpathIn = fn }

func parseJSONPath(s string) (Datum, error) {
	if jsonpathIn == nil {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "type jsonpath is not available")
	}
	out, err := jsonpathIn(s)
	if err != nil {
		return nil, err
	}
	return out, nil
}
