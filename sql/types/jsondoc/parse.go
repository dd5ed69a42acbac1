package jsondoc

import (
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	"logdb/sql/pgerror"
)

type parser struct {
	s     string
	i     int
	jsonb bool
	err   error
}

func errJSON(detail string) error {
	return &pgerror.Error{Code: pgerror.InvalidTextRepresentation, Message: "invalid input syntax for type json", Detail: detail}
}

// Parse parses the text of a json document, as json_in and jsonb_in do
// before jsonb's canonical form: objects keep their keys as written and
// numbers their text. jsonb rejects \u0000, which json accepts.
func Parse(s string, jsonb bool) (*Value, error) {
	p := &parser{s: s, jsonb: jsonb}
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

func (p *parser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) token() string {
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

func (p *parser) fail(detail string) *Value {
	if p.err == nil {
		p.err = errJSON(detail)
	}
	return nil
}

// separator reads what follows an object member or array element: ','
// (more follows) or close (the end); anything else fails the parse (ok
// false).
func (p *parser) separator(close byte) (more, ok bool) {
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

func (p *parser) value(depth int) *Value {
	if depth > 6400 {
		return p.fail("stack depth limit exceeded")
	}
	if p.i >= len(p.s) {
		return p.fail("The input string ended unexpectedly.")
	}
	start := p.i
	var v *Value
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		v = &Value{Kind: Object}
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
			v.Keys = append(v.Keys, k)
			v.Vals = append(v.Vals, e)
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
		v = &Value{Kind: Array}
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
			v.Elems = append(v.Elems, e)
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
		v = &Value{Kind: String, Text: s}
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
		v = &Value{Kind: Number, Text: p.s[p.i:j]}
		p.i = j
	case strings.HasPrefix(p.s[p.i:], "true"):
		v = &Value{Kind: Bool, Bool: true}
		p.i += 4
	case strings.HasPrefix(p.s[p.i:], "false"):
		v = &Value{Kind: Bool}
		p.i += 5
	case strings.HasPrefix(p.s[p.i:], "null"):
		v = &Value{Kind: Null}
		p.i += 4
	default:
		return p.fail("Token \"" + p.token() + "\" is invalid.")
	}
	if v.Kind == Bool || v.Kind == Null {
		if p.i < len(p.s) && (isDigit(p.s[p.i]) || p.s[p.i] >= 'a' && p.s[p.i] <= 'z') {
			p.i = start
			return p.fail("Token \"" + p.token() + "\" is invalid.")
		}
	}
	v.Raw = p.s[start:p.i]
	return v
}

func (p *parser) str() (string, bool) {
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

func (p *parser) hex4() (rune, bool) {
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

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
