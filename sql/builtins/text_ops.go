package builtins

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

func registerTextOps() {
	binop("||", types.TextOID, types.TextOID, types.TextOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) { return l.(string) + r.(string), nil })
	// text || anynonarray is "$1 || $2::text": the cast, not the output function
	typedBinop("||", types.TextOID, types.AnyNonArrayOID, types.TextOID, func(ctx *types.EvalContext, _, rt types.T, l, r types.Datum) (types.Datum, error) {
		s, err := types.Cast(ctx, r, rt, tt(types.TextOID), types.CastExplicit)
		if err != nil {
			return nil, err
		}
		return l.(string) + s.(string), nil
	})
	typedBinop("||", types.AnyNonArrayOID, types.TextOID, types.TextOID, func(ctx *types.EvalContext, lt, _ types.T, l, r types.Datum) (types.Datum, error) {
		s, err := types.Cast(ctx, l, lt, tt(types.TextOID), types.CastExplicit)
		if err != nil {
			return nil, err
		}
		return s.(string) + r.(string), nil
	})
	binop("||", types.ByteaOID, types.ByteaOID, types.ByteaOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		a, b := l.([]byte), r.([]byte)
		out := make([]byte, 0, len(a)+len(b))
		return append(append(out, a...), b...), nil
	})
	like := func(name string, ci, neg bool) {
		for _, t := range []types.OID{types.TextOID, types.BpcharOID, types.NameOID} {
			pt := types.TextOID
			binop(name, t, pt, types.BoolOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
				ok, err := matchLike(l.(string), r.(string), '\\', ci)
				if err != nil {
					return nil, err
				}
				return ok != neg, nil
			})
		}
	}
	like("~~", false, false)
	like("!~~", false, true)
	like("~~*", true, false)
	like("!~~*", true, true)
	binop("~~", types.ByteaOID, types.ByteaOID, types.BoolOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return matchLike(string(l.([]byte)), string(r.([]byte)), '\\', false)
	})
	re := func(name string, ci, neg bool) {
		for _, t := range []types.OID{types.TextOID, types.BpcharOID, types.NameOID} {
			binop(name, t, types.TextOID, types.BoolOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
				flags := ""
				if ci {
					flags = "i"
				}
				rx, err := compileRegex(r.(string), flags)
				if err != nil {
					return nil, err
				}
				return rx.MatchString(l.(string)) != neg, nil
			})
		}
	}
	re("~", false, false)
	re("!~", false, true)
	re("~*", true, false)
	re("!~*", true, true)
}

// matchLike matches s against a LIKE pattern with the given escape character
// (0 for none); ci folds case as ILIKE does.
func matchLike(s, pattern string, escape rune, ci bool) (bool, error) {
	if ci {
		s, pattern = strings.ToLower(s), strings.ToLower(pattern)
	}
	// compile to tokens: literal runes, '_' (any one) and '%' (any run)
	type tok struct {
		r    rune
		kind byte // 'l', '_', '%'
	}
	toks := make([]tok, 0, len(pattern))
	// a trailing escape is an error only if matching reaches it with text left
	trailingEscape := false
	for i := 0; i < len(pattern); {
		r, sz := utf8.DecodeRuneInString(pattern[i:])
		i += sz
		switch {
		case escape != 0 && r == escape:
			if i >= len(pattern) {
				trailingEscape = true
				continue
			}
			r2, sz2 := utf8.DecodeRuneInString(pattern[i:])
			i += sz2
			toks = append(toks, tok{r2, 'l'})
		case r == '%':
			if len(toks) == 0 || toks[len(toks)-1].kind != '%' {
				toks = append(toks, tok{0, '%'})
			}
		case r == '_':
			toks = append(toks, tok{0, '_'})
		default:
			toks = append(toks, tok{r, 'l'})
		}
	}
	// iterative matching with one backtrack point (the last %)
	si, ti := 0, 0
	starTi, starSi := -1, 0
	for si < len(s) {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case '%':
				starTi, starSi = ti, si
				ti++
				continue
			case '_':
				_, sz := utf8.DecodeRuneInString(s[si:])
				si += sz
				ti++
				continue
			default:
				r, sz := utf8.DecodeRuneInString(s[si:])
				if r == t.r {
					si += sz
					ti++
					continue
				}
			}
		}
		if ti == len(toks) && trailingEscape {
			return false, pgerror.New(pgerror.InvalidEscapeSequence, "LIKE pattern must not end with escape character")
		}
		if starTi < 0 {
			return false, nil
		}
		_, sz := utf8.DecodeRuneInString(s[starSi:])
		starSi += sz
		si = starSi
		ti = starTi + 1
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks) && !trailingEscape, nil
}

var regexCache = struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

// compileRegex compiles a PostgreSQL (ARE) regular expression with flags
// ("i" case-insensitive, "n"/"m" newline-sensitive, "s", "x" expanded, "g"
// ignored here) into a Go regexp, translating what RE2 spells differently.
func compileRegex(pattern, flags string) (*regexp.Regexp, error) {
	key := flags + "\x00" + pattern
	regexCache.Lock()
	rx, ok := regexCache.m[key]
	regexCache.Unlock()
	if ok {
		return rx, nil
	}
	prefix := "(?s"
	for _, f := range flags {
		switch f {
		case 'i':
			prefix += "i"
		case 'n', 'm':
			prefix = strings.Replace(prefix, "s", "", 1) + "m"
		case 'g', 'c', 's', 't', 'p', 'w':
		case 'x':
			pattern = stripExpanded(pattern)
		default:
			return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid regular expression option: \"%c\"", f)
		}
	}
	prefix += ")"
	if prefix == "()" {
		prefix = ""
	}
	tr := translateRegex(pattern)
	rx, err := regexp.Compile(prefix + tr)
	if err != nil {
		msg := err.Error()
		if e, ok := err.(*syntax.Error); ok {
			msg = regexErrorText(e.Code)
		}
		return nil, pgerror.New(pgerror.InvalidRegularExpression, "invalid regular expression: %s", msg)
	}
	regexCache.Lock()
	if len(regexCache.m) > 4096 {
		regexCache.m = map[string]*regexp.Regexp{}
	}
	regexCache.m[key] = rx
	regexCache.Unlock()
	return rx, nil
}

func translateRegex(p string) string {
	r := strings.NewReplacer(`[[:<:]]`, `\b`, `[[:>:]]`, `\b`)
	p = r.Replace(p)
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) {
			switch p[i+1] {
			case 'm', 'M', 'y':
				b.WriteString(`\b`)
				i++
				continue
			case 'Y':
				b.WriteString(`\B`)
				i++
				continue
			case 'Z':
				b.WriteString(`\z`)
				i++
				continue
			}
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func stripExpanded(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
		case c == '[':
			inClass = true
			b.WriteByte(c)
		case c == ']':
			inClass = false
			b.WriteByte(c)
		case !inClass && unicode.IsSpace(rune(c)):
		case !inClass && c == '#':
			for i < len(p) && p[i] != '\n' {
				i++
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// likeEscape is like_escape(pattern, escape): the pattern rewritten to use
// backslash as its escape character (PostgreSQL's parser turns
// "x LIKE p ESCAPE e" into "x ~~ like_escape(p, e)").
func likeEscape(p, esc string) (types.Datum, error) {
	if esc == `\` {
		return p, nil
	}
	if utf8.RuneCountInString(esc) > 1 {
		return nil, pgerror.New(pgerror.InvalidEscapeSequence, "invalid escape string")
	}
	er, _ := utf8.DecodeRuneInString(esc)
	var b strings.Builder
	for i := 0; i < len(p); {
		r, sz := utf8.DecodeRuneInString(p[i:])
		i += sz
		switch {
		case esc != "" && r == er:
			if i >= len(p) {
				return nil, pgerror.New(pgerror.InvalidEscapeSequence, "LIKE pattern must not end with escape character")
			}
			r2, sz2 := utf8.DecodeRuneInString(p[i:])
			i += sz2
			b.WriteByte('\\')
			b.WriteRune(r2)
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// similarToRegex is similar_to_escape: a SIMILAR TO pattern as an anchored
// POSIX regular expression.
func similarToRegex(p, esc string) (types.Datum, error) {
	if utf8.RuneCountInString(esc) > 1 {
		return nil, pgerror.New(pgerror.InvalidEscapeSequence, "invalid escape string")
	}
	er, _ := utf8.DecodeRuneInString(esc)
	var b strings.Builder
	b.WriteString("^(?:")
	inClass := false
	for i := 0; i < len(p); {
		r, sz := utf8.DecodeRuneInString(p[i:])
		i += sz
		switch {
		case esc != "" && r == er:
			if i >= len(p) {
				return nil, pgerror.New(pgerror.InvalidEscapeSequence, "invalid escape string")
			}
			r2, sz2 := utf8.DecodeRuneInString(p[i:])
			i += sz2
			b.WriteByte('\\')
			b.WriteRune(r2)
		case inClass:
			if r == ']' {
				inClass = false
			}
			b.WriteRune(r)
		case r == '[':
			inClass = true
			b.WriteRune(r)
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteByte('.')
		case r == '.' || r == '^' || r == '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(")$")
	return b.String(), nil
}

func registerLikeFuncs() {
	def("like_escape", types.TextOID, oids(types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return likeEscape(str(a[0]), str(a[1]))
	})
	def("similar_to_escape", types.TextOID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return similarToRegex(str(a[0]), `\`)
	})
	def("similar_to_escape", types.TextOID, oids(types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return similarToRegex(str(a[0]), str(a[1]))
	})
}

// regexErrorText words RE2's errors as PostgreSQL's regex library does.
func regexErrorText(c syntax.ErrorCode) string {
	switch c {
	case syntax.ErrMissingParen, syntax.ErrUnexpectedParen:
		return "parentheses () not balanced"
	case syntax.ErrMissingBracket:
		return "brackets [] not balanced"
	case syntax.ErrInvalidRepeatOp, syntax.ErrMissingRepeatArgument:
		return "quantifier operand invalid"
	case syntax.ErrInvalidEscape, syntax.ErrTrailingBackslash:
		return "invalid escape \\ sequence"
	case syntax.ErrInvalidCharRange:
		return "invalid character range"
	case syntax.ErrInvalidRepeatSize:
		return "invalid repetition count(s)"
	case syntax.ErrInvalidCharClass:
		return "invalid character class"
	}
	return string(c)
}
