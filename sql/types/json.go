package types

import (
	"encoding/hex"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
)

type jsonKind uint8

// Kinds in jsonb's btree order (null < string < number < bool < array < object).
const (
	jNull jsonKind = iota
	jString
	jNumber
	jBool
	jArray
	jObject
)

// jsonValue is a parsed json document. For numbers s holds the numeric text
// (canonical after canonicalize); for strings the decoded string.
type jsonValue struct {
	kind jsonKind
	b    bool
	s    string
	num  *apd.Decimal
	arr  []*jsonValue
	keys []string
	vals []*jsonValue
	raw  string // the input text of this value (json, not jsonb)
}

type jsonParser struct {
	s     string
	i     int
	jsonb bool
	err   error
}

func errJSON(detail string) error {
	return &pgerror.Error{Code: pgerror.InvalidTextRepresentation, Message: "invalid input syntax for type json", Detail: detail}
}

func parseJSONText(s string, jsonb bool) (*jsonValue, error) {
	p := &jsonParser{s: s, jsonb: jsonb}
	p.ws()
	v := p.value(0)
	if p.err != nil {
		return nil, p.err
	}
	p.ws()
	if p.i < len(p.s) {
		return nil, errJSON("Token \"" + p.token() + "\" is invalid.")
	}
	return v, nil
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) token() string {
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ']' || c == '}' || c == ':' {
			break
		}
		j++
	}
	if j == p.i && j < len(p.s) {
		j++
	}
	return p.s[p.i:j]
}

func (p *jsonParser) fail(detail string) *jsonValue {
	if p.err == nil {
		p.err = errJSON(detail)
	}
	return nil
}

// separator reads what follows an object member or array element: ','
// (more follows) or close (the end); anything else fails the parse (ok
// false).
func (p *jsonParser) separator(close byte) (more, ok bool) {
	p.ws()
	if p.i >= len(p.s) {
		p.fail("The input string ended unexpectedly.")
		return false, false
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		return true, true
	case close:
		p.i++
		return false, true
	}
	p.fail("Expected \",\" or \"" + string(close) + "\", but found \"" + p.token() + "\".")
	return false, false
}

func (p *jsonParser) value(depth int) *jsonValue {
	if depth > 6400 {
		return p.fail("stack depth limit exceeded")
	}
	if p.i >= len(p.s) {
		return p.fail("The input string ended unexpectedly.")
	}
	start := p.i
	var v *jsonValue
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		v = &jsonValue{kind: jObject}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			break
		}
		for {
			p.ws()
			if p.i >= len(p.s) {
				return p.fail("The input string ended unexpectedly.")
			}
			if p.s[p.i] != '"' {
				return p.fail("Expected string, but found \"" + p.token() + "\".")
			}
			k, ok := p.str()
			if !ok {
				return nil
			}
			p.ws()
			if p.i >= len(p.s) {
				return p.fail("The input string ended unexpectedly.")
			}
			if p.s[p.i] != ':' {
				return p.fail("Expected \":\", but found \"" + p.token() + "\".")
			}
			p.i++
			p.ws()
			e := p.value(depth + 1)
			if e == nil {
				return nil
			}
			v.keys = append(v.keys, k)
			v.vals = append(v.vals, e)
			more, ok := p.separator('}')
			if !ok {
				return nil
			}
			if !more {
				break
			}
		}
	case c == '[':
		p.i++
		v = &jsonValue{kind: jArray}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			break
		}
		for {
			p.ws()
			e := p.value(depth + 1)
			if e == nil {
				return nil
			}
			v.arr = append(v.arr, e)
			more, ok := p.separator(']')
			if !ok {
				return nil
			}
			if !more {
				break
			}
		}
	case c == '"':
		s, ok := p.str()
		if !ok {
			return nil
		}
		v = &jsonValue{kind: jString, s: s}
	case c == '-' || isDigit(c):
		j := p.i
		if p.s[j] == '-' {
			j++
		}
		if j >= len(p.s) || !isDigit(p.s[j]) {
			return p.fail("Token \"" + p.token() + "\" is invalid.")
		}
		if p.s[j] == '0' && j+1 < len(p.s) && isDigit(p.s[j+1]) {
			return p.fail("Token \"" + p.token() + "\" is invalid.")
		}
		for j < len(p.s) && isDigit(p.s[j]) {
			j++
		}
		if j < len(p.s) && p.s[j] == '.' {
			j++
			if j >= len(p.s) || !isDigit(p.s[j]) {
				return p.fail("Token \"" + p.token() + "\" is invalid.")
			}
			for j < len(p.s) && isDigit(p.s[j]) {
				j++
			}
		}
		if j < len(p.s) && (p.s[j] == 'e' || p.s[j] == 'E') {
			j++
			if j < len(p.s) && (p.s[j] == '+' || p.s[j] == '-') {
				j++
			}
			if j >= len(p.s) || !isDigit(p.s[j]) {
				return p.fail("Token \"" + p.token() + "\" is invalid.")
			}
			for j < len(p.s) && isDigit(p.s[j]) {
				j++
			}
		}
		if j < len(p.s) && (isDigit(p.s[j]) || p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= 'A' && p.s[j] <= 'Z') {
			return p.fail("Token \"" + p.token() + "\" is invalid.")
		}
		v = &jsonValue{kind: jNumber, s: p.s[p.i:j]}
		p.i = j
	case strings.HasPrefix(p.s[p.i:], "true"):
		v = &jsonValue{kind: jBool, b: true}
		p.i += 4
	case strings.HasPrefix(p.s[p.i:], "false"):
		v = &jsonValue{kind: jBool}
		p.i += 5
	case strings.HasPrefix(p.s[p.i:], "null"):
		v = &jsonValue{kind: jNull}
		p.i += 4
	default:
		return p.fail("Token \"" + p.token() + "\" is invalid.")
	}
	if v.kind == jBool || v.kind == jNull {
		if p.i < len(p.s) && (isDigit(p.s[p.i]) || p.s[p.i] >= 'a' && p.s[p.i] <= 'z') {
			p.i = start
			return p.fail("Token \"" + p.token() + "\" is invalid.")
		}
	}
	v.raw = p.s[start:p.i]
	return v
}

func (p *jsonParser) str() (string, bool) {
	p.i++ // opening quote
	start := p.i
	var b []byte
	simple := true
	for {
		if p.i >= len(p.s) {
			p.fail("The input string ended unexpectedly.")
			return "", false
		}
		c := p.s[p.i]
		if c == '"' {
			var out string
			if simple {
				out = p.s[start:p.i]
			} else {
				out = string(b)
			}
			p.i++
			return out, true
		}
		if c < 0x20 {
			p.fail("Character with value 0x" + hex.EncodeToString([]byte{c}) + " must be escaped.")
			return "", false
		}
		if c != '\\' {
			if !simple {
				b = append(b, c)
			}
			p.i++
			continue
		}
		if simple {
			simple = false
			b = append(b, p.s[start:p.i]...)
		}
		if p.i+1 >= len(p.s) {
			p.fail("The input string ended unexpectedly.")
			return "", false
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", false
			}
			if r >= 0xD800 && r <= 0xDBFF {
				if p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					p.i += 2
					r2, ok := p.hex4()
					if !ok {
						return "", false
					}
					if r2 < 0xDC00 || r2 > 0xDFFF {
						p.fail("Unicode low surrogate must follow a high surrogate.")
						return "", false
					}
					r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
				} else {
					p.fail("Unicode low surrogate must follow a high surrogate.")
					return "", false
				}
			} else if r >= 0xDC00 && r <= 0xDFFF {
				p.fail("Unicode low surrogate must follow a high surrogate.")
				return "", false
			}
			if r == 0 && p.jsonb {
				if p.err == nil {
					p.err = &pgerror.Error{Code: "22P05", Message: "unsupported Unicode escape sequence", Detail: "\\u0000 cannot be converted to text."}
				}
				return "", false
			}
			b = utf8.AppendRune(b, r)
		default:
			p.fail("Escape sequence \"\\" + string(e) + "\" is invalid.")
			return "", false
		}
	}
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		p.fail("\"\\u\" must be followed by four hexadecimal digits.")
		return 0, false
	}
	v, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		p.fail("\"\\u\" must be followed by four hexadecimal digits.")
		return 0, false
	}
	p.i += 4
	return rune(v), true
}

func validateJSON(s string) error {
	_, err := parseJSONText(s, false)
	return err
}

// canonicalize turns a parsed document into jsonb's form: numbers as numeric,
// object keys unique (last wins) and sorted by length, then bytes.
func (v *jsonValue) canonicalize() error {
	switch v.kind {
	case jNumber:
		if v.num == nil {
			d, err := parseNumeric(v.s)
			if err != nil {
				return err
			}
			v.num = d
			v.s = string(appendNumeric(nil, d))
		}
	case jArray:
		for _, e := range v.arr {
			if err := e.canonicalize(); err != nil {
				return err
			}
		}
	case jObject:
		idx := make([]int, len(v.keys))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return jsonbKeyLess(v.keys[idx[a]], v.keys[idx[b]]) })
		keys := make([]string, 0, len(idx))
		vals := make([]*jsonValue, 0, len(idx))
		for n, i := range idx {
			if n+1 < len(idx) && v.keys[idx[n+1]] == v.keys[i] {
				continue // a later duplicate wins
			}
			if err := v.vals[i].canonicalize(); err != nil {
				return err
			}
			keys = append(keys, v.keys[i])
			vals = append(vals, v.vals[i])
		}
		v.keys, v.vals = keys, vals
	}
	return nil
}

func jsonbKeyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// ParseJSONB is jsonb_in.
func ParseJSONB(s string) (JSONB, error) {
	v, err := parseJSONText(s, true)
	if err != nil {
		return "", err
	}
	if err := v.canonicalize(); err != nil {
		return "", err
	}
	return JSONB(v.appendJSONB(nil)), nil
}

// appendJSONB writes v in jsonb's output form: `{"a": 1, "b": [1, 2]}`.
func (v *jsonValue) appendJSONB(dst []byte) []byte {
	switch v.kind {
	case jNull:
		return append(dst, "null"...)
	case jBool:
		if v.b {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case jNumber:
		return append(dst, v.s...)
	case jString:
		return appendJSONString(dst, v.s)
	case jArray:
		dst = append(dst, '[')
		for i, e := range v.arr {
			if i > 0 {
				dst = append(dst, ',', ' ')
			}
			dst = e.appendJSONB(dst)
		}
		return append(dst, ']')
	case jObject:
		dst = append(dst, '{')
		for i, k := range v.keys {
			if i > 0 {
				dst = append(dst, ',', ' ')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':', ' ')
			dst = v.vals[i].appendJSONB(dst)
		}
		return append(dst, '}')
	}
	return dst
}

// appendJSONString is escape_json.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x20 {
				dst = append(dst, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			} else {
				dst = append(dst, c)
			}
		}
	}
	return append(dst, '"')
}

// mustParseJSONB parses stored jsonb text; the text came from ParseJSONB.
func mustParseJSONB(j JSONB) *jsonValue {
	v, err := parseJSONText(string(j), true)
	if err != nil {
		return &jsonValue{kind: jNull}
	}
	_ = v.canonicalize()
	return v
}

func jsonOf(t T, d Datum) *jsonValue {
	switch v := d.(type) {
	case JSONB:
		return mustParseJSONB(v)
	case JSON:
		j, err := parseJSONText(string(v), false)
		if err != nil {
			return &jsonValue{kind: jNull}
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

// appendJSONValue renders d as to_jsonb (jsonbStyle) or to_json does; they
// differ only in the spacing of arrays.
func appendJSONValue(dst []byte, t T, d Datum, loc *time.Location, jsonbStyle bool) []byte {
	if d == nil {
		return append(dst, "null"...)
	}
	switch v := d.(type) {
	case int64:
		if t.OID == RegtypeOID || t.OID == RegclassOID {
			return appendJSONString(dst, string(AppendText(nil, t, d)))
		}
		return strconv.AppendInt(dst, v, 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return appendJSONString(dst, string(appendFloat(nil, v, t.OID == Float4OID)))
		}
		return appendFloat(dst, v, t.OID == Float4OID)
	case *apd.Decimal:
		if v.Form != apd.Finite {
			return appendJSONString(dst, string(appendNumeric(nil, v)))
		}
		return appendNumeric(dst, v)
	case bool:
		if v {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case string:
		return appendJSONString(dst, v)
	case JSON:
		if jsonbStyle {
			j, err := parseJSONText(string(v), true)
			if err == nil && j.canonicalize() == nil {
				return j.appendJSONB(dst)
			}
		}
		return append(dst, strings.TrimSpace(string(v))...)
	case JSONB:
		return append(dst, v...)
	case time.Time:
		return appendJSONString(dst, string(appendISOTimestamp(nil, v, t.OID == TimestamptzOID, loc)))
	case Date:
		return appendJSONString(dst, string(appendDate(nil, v)))
	case Array:
		dst = append(dst, '[')
		for i, e := range v.Elements {
			if i > 0 {
				dst = append(dst, ',')
				if jsonbStyle {
					dst = append(dst, ' ')
				}
			}
			dst = appendJSONValue(dst, v.Elem, e, loc, jsonbStyle)
		}
		return append(dst, ']')
	}
	return appendJSONString(dst, string(AppendTextLoc(nil, t, d, loc)))
}

// appendISOTimestamp writes "2024-01-02T03:04:05.123456+00:00" as json does.
func appendISOTimestamp(dst []byte, v time.Time, withZone bool, loc *time.Location) []byte {
	if isInfTime(v) != 0 {
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
