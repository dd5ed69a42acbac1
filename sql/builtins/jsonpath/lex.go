package jsonpath

import (
	"strings"
	"unicode/utf8"

	"logdb/sql/pgerror"
)

// The lexer: jsonpath tokens (identifiers, quoted strings with escapes,
// numbers, operators and keywords) as jsonpath_scan.l reads them.

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber // integer or decimal
	tVariable
	tOp // punctuation and operators: text in s
)

type token struct {
	kind  tokKind
	s     string // decoded identifier/string/variable; operator text; number text
	text  string // the text PostgreSQL's scanner would quote in an error
	isInt bool
}

type parser struct {
	in    string
	pos   int
	tok   token
	depth int
	err   error
}

func syntaxErr(msg string) error {
	return pgerror.New(pgerror.SyntaxError, "%s", msg)
}

func (p *parser) errAt(msg string) error {
	if p.tok.kind == tEOF {
		return syntaxErr(msg + " at end of jsonpath input")
	}
	return syntaxErr(msg + " at or near \"" + p.tok.text + "\" of jsonpath input")
}

func isSpecial(c byte) bool {
	return strings.IndexByte("?%$.[]{}()|&!=<>@#,*:-+/\\\" \t\n\r\f", c) >= 0
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// next scans the next token into p.tok.
func (p *parser) next() error {
	in := p.in
	for {
		for p.pos < len(in) && isBlank(in[p.pos]) {
			p.pos++
		}
		if strings.HasPrefix(in[p.pos:], "/*") {
			end := strings.Index(in[p.pos+2:], "*/")
			if end < 0 {
				p.tok = token{kind: tEOF}
				return syntaxErr("unexpected end of comment at end of jsonpath input")
			}
			p.pos += end + 4
			continue
		}
		break
	}
	if p.pos >= len(in) {
		p.tok = token{kind: tEOF}
		return nil
	}
	start := p.pos
	c := in[p.pos]
	switch {
	case c == '"':
		s, err := p.quoted()
		if err != nil {
			return err
		}
		p.tok = token{kind: tString, s: s, text: "\""}
		return nil
	case c == '$':
		p.pos++
		if p.pos < len(in) && in[p.pos] == '"' {
			s, err := p.quoted()
			if err != nil {
				return err
			}
			p.tok = token{kind: tVariable, s: s, text: "\""}
			return nil
		}
		if p.pos < len(in) && !isSpecial(in[p.pos]) {
			s, raw, err := p.unquoted()
			if err != nil {
				return err
			}
			p.tok = token{kind: tVariable, s: s, text: "$" + raw}
			return nil
		}
		p.tok = token{kind: tOp, s: "$", text: "$"}
		return nil
	case isDigit(c) || c == '.' && p.pos+1 < len(in) && isDigit(in[p.pos+1]):
		return p.number()
	case !isSpecial(c) || c == '\\':
		s, raw, err := p.unquoted()
		if err != nil {
			return err
		}
		p.tok = token{kind: tIdent, s: s, text: raw}
		return nil
	}
	for _, op := range []string{"&&", "||", "**", "<=", ">=", "==", "<>", "!="} {
		if strings.HasPrefix(in[start:], op) {
			p.pos += 2
			if op == "<>" {
				op = "!="
			}
			p.tok = token{kind: tOp, s: op, text: in[start:p.pos]}
			return nil
		}
	}
	p.pos++
	p.tok = token{kind: tOp, s: string(c), text: string(c)}
	return nil
}

// number scans a numeric literal as PostgreSQL 15's scanner does.
func (p *parser) number() error {
	in, start := p.in, p.pos
	i := p.pos
	isInt := true
	if in[i] == '0' {
		i++
	} else {
		for i < len(in) && isDigit(in[i]) {
			i++
		}
	}
	if i < len(in) && in[i] == '.' && (i > start || i+1 < len(in) && isDigit(in[i+1])) {
		isInt = false
		i++
		for i < len(in) && isDigit(in[i]) {
			i++
		}
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		j := i + 1
		if j < len(in) && (in[j] == '+' || in[j] == '-') {
			j++
		}
		if j < len(in) && isDigit(in[j]) {
			for j < len(in) && isDigit(in[j]) {
				j++
			}
			isInt = false
			i = j
		} else if j > i+1 {
			p.pos = j
			p.tok = token{kind: tNumber, text: in[start:j]}
			return p.errAt("invalid numeric literal")
		}
	}
	if i < len(in) && !isSpecial(in[i]) {
		j := i
		for j < len(in) && !isSpecial(in[j]) {
			j++
		}
		p.pos = j
		p.tok = token{kind: tNumber, text: in[start:j]}
		return p.errAt("trailing junk after numeric literal")
	}
	p.pos = i
	p.tok = token{kind: tNumber, s: in[start:i], text: in[start:i], isInt: isInt}
	return nil
}

// unquoted scans an identifier (with escapes); raw is its text.
func (p *parser) unquoted() (string, string, error) {
	in, start := p.in, p.pos
	var b strings.Builder
	for p.pos < len(in) {
		c := in[p.pos]
		if c == '\\' {
			if err := p.escape(&b); err != nil {
				return "", "", err
			}
			continue
		}
		if isSpecial(c) {
			break
		}
		b.WriteByte(c)
		p.pos++
	}
	return b.String(), in[start:p.pos], nil
}

// quoted scans a "…" string at p.pos.
func (p *parser) quoted() (string, error) {
	in := p.in
	p.pos++ // the opening quote
	var b strings.Builder
	for {
		if p.pos >= len(in) {
			p.tok = token{kind: tEOF}
			return "", syntaxErr("unexpected end of quoted string at end of jsonpath input")
		}
		c := in[p.pos]
		switch c {
		case '"':
			p.pos++
			return b.String(), nil
		case '\\':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// escape decodes the escape sequence at p.pos (a backslash).
func (p *parser) escape(b *strings.Builder) error {
	in := p.in
	p.pos++
	if p.pos >= len(in) {
		p.tok = token{kind: tEOF}
		return syntaxErr("unexpected end after backslash at end of jsonpath input")
	}
	c := in[p.pos]
	p.pos++
	switch c {
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'v':
		b.WriteByte('\v')
	case 'x':
		v := 0
		n := 0
		for n < 2 && p.pos < len(in) && hexVal(in[p.pos]) >= 0 {
			v = v*16 + hexVal(in[p.pos])
			p.pos++
			n++
		}
		if n == 0 {
			p.tok = token{kind: tOp, text: "\\x"}
			return p.errAt("invalid hexadecimal character sequence")
		}
		b.WriteRune(rune(v))
	case 'u':
		r, err := p.unicode()
		if err != nil {
			return err
		}
		if r >= 0xD800 && r <= 0xDBFF { // a high surrogate needs its low half
			if strings.HasPrefix(in[p.pos:], "\\u") {
				p.pos += 2
				lo, err := p.unicode()
				if err != nil {
					return err
				}
				if lo < 0xDC00 || lo > 0xDFFF {
					return pgerror.New(pgerror.SyntaxError, "invalid Unicode surrogate pair")
				}
				r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
			} else {
				return pgerror.New(pgerror.SyntaxError, "invalid Unicode surrogate pair")
			}
		} else if r >= 0xDC00 && r <= 0xDFFF {
			return pgerror.New(pgerror.SyntaxError, "invalid Unicode surrogate pair")
		}
		if r == 0 {
			return pgerror.New("22P05", "unsupported Unicode escape sequence")
		}
		b.WriteRune(r)
	default:
		// any other escaped character stands for itself
		r, sz := utf8.DecodeRuneInString(in[p.pos-1:])
		p.pos += sz - 1
		b.WriteRune(r)
	}
	return nil
}

// unicode reads the hex digits of \uXXXX or \u{X…} (after the "u").
func (p *parser) unicode() (rune, error) {
	in := p.in
	v, n := 0, 0
	if p.pos < len(in) && in[p.pos] == '{' {
		p.pos++
		for n < 6 && p.pos < len(in) && hexVal(in[p.pos]) >= 0 {
			v = v*16 + hexVal(in[p.pos])
			p.pos++
			n++
		}
		if n == 0 || p.pos >= len(in) || in[p.pos] != '}' {
			p.tok = token{kind: tOp, text: "\\u"}
			return 0, p.errAt("invalid Unicode escape sequence")
		}
		p.pos++
		return rune(v), nil
	}
	for n < 4 && p.pos < len(in) && hexVal(in[p.pos]) >= 0 {
		v = v*16 + hexVal(in[p.pos])
		p.pos++
		n++
	}
	if n < 4 {
		p.tok = token{kind: tOp, text: "\\u"}
		return 0, p.errAt("invalid Unicode escape sequence")
	}
	return rune(v), nil
}

// keyword reports whether the current token is the keyword kw (keywords
// are case-insensitive; quoted strings never are keywords).
func (p *parser) keyword(kw string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw)
}

func (p *parser) op(s string) bool { return p.tok.kind == tOp && p.tok.s == s }

func (p *parser) expectOp(s string) error {
	if !p.op(s) {
		return p.errAt("syntax error")
	}
	return p.next()
}
