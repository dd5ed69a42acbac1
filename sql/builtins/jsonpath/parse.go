package jsonpath

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Kind is the kind of a path item (PostgreSQL's JsonPathItemType).
type Kind uint8

const (
	kNull Kind = iota
	kBool
	kNumeric
	kString
	kVariable
	kRoot
	kCurrent
	kLast
	kKey
	kAnyKey
	kAnyArray
	kIndexArray
	kAny
	kFilter
	kAnd
	kOr
	kNot
	kIsUnknown
	kExists
	kEq
	kNe
	kLt
	kGt
	kLe
	kGe
	kStartsWith
	kLikeRegex
	kAdd
	kSub
	kMul
	kDiv
	kMod
	kPlus
	kMinus
	kType
	kSize
	kAbs
	kFloor
	kCeiling
	kDouble
	kKeyValue
	kDatetime
)

// Item is one item of a path; an accessor chain links items by Next.
type Item struct {
	Kind  Kind
	Str   string       // key, string, variable name, like_regex pattern
	Num   *apd.Decimal // kNumeric
	Bool  bool         // kBool
	Left  *Item        // binary operators; the argument of unary items, filters, exists, .datetime()
	Right *Item
	Subs  []Sub  // kIndexArray
	First uint32 // kAny: levels (AnyLast is "last")
	Last  uint32
	Flags string // kLikeRegex: the flags, in PostgreSQL's order "ismxq"
	Next  *Item
}

// Sub is one subscript of [...]: From, or From to To.
type Sub struct{ From, To *Item }

// AnyLast is the level "last" of .**{…}.
const AnyLast = ^uint32(0)

// Path is a parsed jsonpath.
type Path struct {
	Lax  bool
	Root *Item
}

// MaxDepth bounds the nesting of a path's expressions (parentheses,
// operators, filters, subscripts): deeper input fails with 54001 instead
// of recursing without bound.
const MaxDepth = 1000

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

// Parse parses a jsonpath; errors are PostgreSQL's (22P02 for empty
// input, 42601 for syntax, 2201B for a bad like_regex pattern).
func Parse(s string) (*Path, error) {
	p := &parser{in: s}
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type jsonpath: \"%s\"", s)
	}
	path := &Path{Lax: true}
	if p.keyword("strict") || p.keyword("lax") {
		path.Lax = p.keyword("lax")
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	it, _, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errAt("syntax error")
	}
	if err := check(it, 0, false, 0); err != nil {
		return nil, err
	}
	path.Root = it
	return path, nil
}

// check makes PostgreSQL's checks after the parse: @ only inside a filter,
// last only inside a subscript.
func check(it *Item, filters int, inSub bool, depth int) error {
	for ; it != nil; it = it.Next {
		if depth > MaxDepth {
			return errTooDeep()
		}
		switch it.Kind {
		case kCurrent:
			if filters == 0 {
				return syntaxErr("@ is not allowed in root expressions")
			}
		case kLast:
			if !inSub {
				return syntaxErr("LAST is allowed only in array subscripts")
			}
		case kFilter:
			if err := check(it.Left, filters+1, inSub, depth+1); err != nil {
				return err
			}
			continue
		case kIndexArray:
			for _, s := range it.Subs {
				if err := check(s.From, filters, true, depth+1); err != nil {
					return err
				}
				if err := check(s.To, filters, true, depth+1); err != nil {
					return err
				}
			}
			continue
		}
		if err := check(it.Left, filters, inSub, depth+1); err != nil {
			return err
		}
		if err := check(it.Right, filters, inSub, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func errTooDeep() error {
	return &pgerror.Error{Code: pgerror.StatementTooComplex, Message: "stack depth limit exceeded",
		Hint: "jsonpath expressions may nest at most " + strconv.Itoa(MaxDepth) + " levels deep."}
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return errTooDeep()
	}
	return nil
}

// The parse functions return the item and whether it is a predicate.

func (p *parser) orExpr() (*Item, bool, error) {
	if err := p.enter(); err != nil {
		return nil, false, err
	}
	defer func() { p.depth-- }()
	l, lp, err := p.andExpr()
	if err != nil {
		return nil, false, err
	}
	for p.op("||") {
		if !lp {
			return nil, false, p.errAt("syntax error")
		}
		if err := p.next(); err != nil {
			return nil, false, err
		}
		r, rp, err := p.andExpr()
		if err != nil {
			return nil, false, err
		}
		if !rp {
			return nil, false, p.errAt("syntax error")
		}
		l = &Item{Kind: kOr, Left: l, Right: r}
	}
	return l, lp, nil
}

func (p *parser) andExpr() (*Item, bool, error) {
	l, lp, err := p.notExpr()
	if err != nil {
		return nil, false, err
	}
	for p.op("&&") {
		if !lp {
			return nil, false, p.errAt("syntax error")
		}
		if err := p.next(); err != nil {
			return nil, false, err
		}
		r, rp, err := p.notExpr()
		if err != nil {
			return nil, false, err
		}
		if !rp {
			return nil, false, p.errAt("syntax error")
		}
		l = &Item{Kind: kAnd, Left: l, Right: r}
	}
	return l, lp, nil
}

func (p *parser) notExpr() (*Item, bool, error) {
	if p.op("!") {
		if err := p.enter(); err != nil {
			return nil, false, err
		}
		defer func() { p.depth-- }()
		if err := p.next(); err != nil {
			return nil, false, err
		}
		arg, err := p.delimitedPredicate()
		if err != nil {
			return nil, false, err
		}
		return &Item{Kind: kNot, Left: arg}, true, nil
	}
	if p.keyword("exists") {
		arg, err := p.delimitedPredicate()
		return arg, true, err
	}
	return p.cmpExpr()
}

// delimitedPredicate is ( predicate ) or exists ( expr ).
func (p *parser) delimitedPredicate() (*Item, error) {
	if p.keyword("exists") {
		if err := p.next(); err != nil {
			return nil, err
		}
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		arg, isPred, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		if isPred {
			return nil, p.errAt("syntax error")
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return &Item{Kind: kExists, Left: arg}, nil
	}
	if !p.op("(") {
		return nil, p.errAt("syntax error")
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	arg, isPred, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	if !isPred {
		return nil, p.errAt("syntax error")
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	if p.keyword("is") {
		if err := p.next(); err != nil {
			return nil, err
		}
		if !p.keyword("unknown") {
			return nil, p.errAt("syntax error")
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		return &Item{Kind: kIsUnknown, Left: arg}, nil
	}
	return arg, nil
}

var cmpOps = map[string]Kind{"==": kEq, "!=": kNe, "<": kLt, ">": kGt, "<=": kLe, ">=": kGe}

func (p *parser) cmpExpr() (*Item, bool, error) {
	l, lp, err := p.addExpr()
	if err != nil {
		return nil, false, err
	}
	k, isCmp := Kind(0), false
	if p.tok.kind == tOp {
		k, isCmp = cmpOps[p.tok.s]
	}
	switch {
	case isCmp:
		if lp {
			return nil, false, p.errAt("syntax error")
		}
		if err := p.next(); err != nil {
			return nil, false, err
		}
		r, rp, err := p.addExpr()
		if err != nil {
			return nil, false, err
		}
		if rp {
			return nil, false, p.errAt("syntax error")
		}
		return &Item{Kind: k, Left: l, Right: r}, true, nil
	case p.keyword("starts"):
		if lp {
			return nil, false, p.errAt("syntax error")
		}
		if err := p.next(); err != nil {
			return nil, false, err
		}
		if !p.keyword("with") {
			return nil, false, p.errAt("syntax error")
		}
		if err := p.next(); err != nil {
			return nil, false, err
		}
		var r *Item
		switch p.tok.kind {
		case tString:
			r = &Item{Kind: kString, Str: p.tok.s}
		case tVariable:
			r = &Item{Kind: kVariable, Str: p.tok.s}
		default:
			return nil, false, p.errAt("syntax error")
		}
		if err := p.next(); err != nil {
			return nil, false, err
		}
		return &Item{Kind: kStartsWith, Left: l, Right: r}, true, nil
	case p.keyword("like_regex"):
		if lp {
			return nil, false, p.errAt("syntax error")
		}
		if err := p.next(); err != nil {
			return nil, false, err
		}
		if p.tok.kind != tString {
			return nil, false, p.errAt("syntax error")
		}
		it := &Item{Kind: kLikeRegex, Left: l, Str: p.tok.s}
		if err := p.next(); err != nil {
			return nil, false, err
		}
		if p.keyword("flag") {
			if err := p.next(); err != nil {
				return nil, false, err
			}
			if p.tok.kind != tString {
				return nil, false, p.errAt("syntax error")
			}
			flags, err := likeRegexFlags(p.tok.s)
			if err != nil {
				return nil, false, err
			}
			it.Flags = flags
			if err := p.next(); err != nil {
				return nil, false, err
			}
		}
		if _, err := compileLikeRegex(it); err != nil {
			return nil, false, err
		}
		return it, true, nil
	}
	return l, lp, nil
}

// likeRegexFlags checks like_regex flags and puts them in PostgreSQL's
// print order.
func likeRegexFlags(s string) (string, error) {
	var seen [5]bool
	for i := 0; i < len(s); i++ {
		k := strings.IndexByte("ismxq", s[i])
		if k < 0 {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return "", &pgerror.Error{Code: pgerror.SyntaxError, Message: "invalid input syntax for type jsonpath",
				Detail: "Unrecognized flag character \"" + string(r) + "\" in LIKE_REGEX predicate."}
		}
		seen[k] = true
	}
	var b []byte
	for k, c := range "ismxq" {
		if seen[k] {
			b = append(b, byte(c))
		}
	}
	return string(b), nil
}

var addOps = map[string]Kind{"+": kAdd, "-": kSub}
var mulOps = map[string]Kind{"*": kMul, "/": kDiv, "%": kMod}

func (p *parser) addExpr() (*Item, bool, error) {
	l, lp, err := p.mulExpr()
	if err != nil {
		return nil, false, err
	}
	for p.tok.kind == tOp && addOps[p.tok.s] != 0 {
		if lp {
			return nil, false, p.errAt("syntax error")
		}
		k := addOps[p.tok.s]
		if err := p.next(); err != nil {
			return nil, false, err
		}
		r, rp, err := p.mulExpr()
		if err != nil {
			return nil, false, err
		}
		if rp {
			return nil, false, p.errAt("syntax error")
		}
		l = &Item{Kind: k, Left: l, Right: r}
	}
	return l, lp, nil
}

func (p *parser) mulExpr() (*Item, bool, error) {
	l, lp, err := p.unary()
	if err != nil {
		return nil, false, err
	}
	for p.tok.kind == tOp && mulOps[p.tok.s] != 0 {
		if lp {
			return nil, false, p.errAt("syntax error")
		}
		k := mulOps[p.tok.s]
		if err := p.next(); err != nil {
			return nil, false, err
		}
		r, rp, err := p.unary()
		if err != nil {
			return nil, false, err
		}
		if rp {
			return nil, false, p.errAt("syntax error")
		}
		l = &Item{Kind: k, Left: l, Right: r}
	}
	return l, lp, nil
}

func (p *parser) unary() (*Item, bool, error) {
	if p.op("+") || p.op("-") {
		if err := p.enter(); err != nil {
			return nil, false, err
		}
		defer func() { p.depth-- }()
		minus := p.op("-")
		if err := p.next(); err != nil {
			return nil, false, err
		}
		arg, ap, err := p.unary()
		if err != nil {
			return nil, false, err
		}
		if ap {
			return nil, false, p.errAt("syntax error")
		}
		// PostgreSQL folds a sign into a numeric literal (makeItemUnary)
		if arg.Kind == kNumeric && arg.Next == nil {
			if minus && !arg.Num.IsZero() {
				arg.Num = new(apd.Decimal).Neg(arg.Num)
			}
			return arg, false, nil
		}
		k := kPlus
		if minus {
			k = kMinus
		}
		return &Item{Kind: k, Left: arg}, false, nil
	}
	return p.accessorExpr()
}

var methods = map[string]Kind{"type": kType, "size": kSize, "abs": kAbs, "floor": kFloor, "ceiling": kCeiling,
	"double": kDouble, "keyvalue": kKeyValue, "datetime": kDatetime}

func (p *parser) accessorExpr() (*Item, bool, error) {
	head, isPred, err := p.primary()
	if err != nil {
		return nil, false, err
	}
	tail := head
	for tail.Next != nil {
		tail = tail.Next
	}
	for {
		var acc *Item
		switch {
		case p.op("."):
			if err := p.next(); err != nil {
				return nil, false, err
			}
			switch {
			case p.op("*"):
				acc = &Item{Kind: kAnyKey}
				if err := p.next(); err != nil {
					return nil, false, err
				}
			case p.op("**"):
				if acc, err = p.anyPath(); err != nil {
					return nil, false, err
				}
			case p.tok.kind == tString:
				acc = &Item{Kind: kKey, Str: p.tok.s}
				if err := p.next(); err != nil {
					return nil, false, err
				}
			case p.tok.kind == tIdent:
				name := p.tok.s
				lower := strings.ToLower(p.tok.text)
				if err := p.next(); err != nil {
					return nil, false, err
				}
				if k, ok := methods[lower]; ok && p.op("(") {
					if err := p.next(); err != nil {
						return nil, false, err
					}
					acc = &Item{Kind: k}
					if k == kDatetime && p.tok.kind == tString {
						acc.Left = &Item{Kind: kString, Str: p.tok.s}
						if err := p.next(); err != nil {
							return nil, false, err
						}
					}
					if err := p.expectOp(")"); err != nil {
						return nil, false, err
					}
				} else {
					acc = &Item{Kind: kKey, Str: name}
				}
			default:
				return nil, false, p.errAt("syntax error")
			}
		case p.op("["):
			if acc, err = p.arrayAccessor(); err != nil {
				return nil, false, err
			}
		case p.op("?"):
			if err := p.enter(); err != nil {
				return nil, false, err
			}
			if err := p.next(); err != nil {
				return nil, false, err
			}
			if !p.op("(") {
				return nil, false, p.errAt("syntax error")
			}
			if err := p.next(); err != nil {
				return nil, false, err
			}
			pred, pp, err := p.orExpr()
			if err != nil {
				return nil, false, err
			}
			if !pp {
				return nil, false, p.errAt("syntax error")
			}
			if err := p.expectOp(")"); err != nil {
				return nil, false, err
			}
			p.depth--
			acc = &Item{Kind: kFilter, Left: pred}
		default:
			return head, isPred, nil
		}
		isPred = false
		tail.Next = acc
		tail = acc
	}
}

// anyPath is .** with optional levels {n}, {n to m}, last for either.
func (p *parser) anyPath() (*Item, error) {
	if err := p.next(); err != nil {
		return nil, err
	}
	it := &Item{Kind: kAny, First: 0, Last: AnyLast}
	if !p.op("{") {
		return it, nil
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	level := func() (uint32, error) {
		if p.keyword("last") {
			return AnyLast, p.next()
		}
		if p.tok.kind != tNumber || !p.tok.isInt {
			return 0, p.errAt("syntax error")
		}
		n, err := strconv.ParseInt(p.tok.s, 10, 32)
		if err != nil {
			return 0, pgerror.New(pgerror.NumericValueOutOfRange, "value \"%s\" is out of range for type integer", p.tok.s)
		}
		return uint32(n), p.next()
	}
	var err error
	if it.First, err = level(); err != nil {
		return nil, err
	}
	it.Last = it.First
	if p.keyword("to") {
		if err := p.next(); err != nil {
			return nil, err
		}
		if it.Last, err = level(); err != nil {
			return nil, err
		}
	}
	return it, p.expectOp("}")
}

func (p *parser) arrayAccessor() (*Item, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.op("*") {
		if err := p.next(); err != nil {
			return nil, err
		}
		return &Item{Kind: kAnyArray}, p.expectOp("]")
	}
	it := &Item{Kind: kIndexArray}
	for {
		from, fp, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		if fp {
			return nil, p.errAt("syntax error")
		}
		sub := Sub{From: from}
		if p.keyword("to") {
			if err := p.next(); err != nil {
				return nil, err
			}
			to, tp, err := p.orExpr()
			if err != nil {
				return nil, err
			}
			if tp {
				return nil, p.errAt("syntax error")
			}
			sub.To = to
		}
		it.Subs = append(it.Subs, sub)
		if p.op(",") {
			if err := p.next(); err != nil {
				return nil, err
			}
			continue
		}
		return it, p.expectOp("]")
	}
}

func (p *parser) primary() (*Item, bool, error) {
	var it *Item
	switch p.tok.kind {
	case tString:
		it = &Item{Kind: kString, Str: p.tok.s}
	case tVariable:
		it = &Item{Kind: kVariable, Str: p.tok.s}
	case tNumber:
		d, err := types.ParseText(types.T{OID: types.NumericOID, Mod: -1}, p.tok.s)
		if err != nil {
			return nil, false, err
		}
		it = &Item{Kind: kNumeric, Num: d.(*apd.Decimal)}
	case tIdent:
		switch {
		case p.keyword("null"):
			it = &Item{Kind: kNull}
		case p.keyword("true"), p.keyword("false"):
			it = &Item{Kind: kBool, Bool: p.keyword("true")}
		case p.keyword("last"):
			it = &Item{Kind: kLast}
		default:
			return nil, false, p.errAt("syntax error")
		}
	case tOp:
		switch p.tok.s {
		case "$":
			it = &Item{Kind: kRoot}
		case "@":
			it = &Item{Kind: kCurrent}
		case "(":
			if err := p.enter(); err != nil {
				return nil, false, err
			}
			if err := p.next(); err != nil {
				return nil, false, err
			}
			inner, isPred, err := p.orExpr()
			if err != nil {
				return nil, false, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, false, err
			}
			p.depth--
			if isPred && p.keyword("is") {
				if err := p.next(); err != nil {
					return nil, false, err
				}
				if !p.keyword("unknown") {
					return nil, false, p.errAt("syntax error")
				}
				if err := p.next(); err != nil {
					return nil, false, err
				}
				return &Item{Kind: kIsUnknown, Left: inner}, true, nil
			}
			return inner, isPred, nil
		default:
			return nil, false, p.errAt("syntax error")
		}
	default:
		return nil, false, p.errAt("syntax error")
	}
	return it, false, p.next()
}
