package builtins

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

func runeLen(s string) int64 { return int64(utf8.RuneCountInString(s)) }

// substrRunes is PostgreSQL's substr(s, start[, count]) with 1-based start.
func substrRunes(s string, start int64, count int64, hasCount bool) (types.Datum, error) {
	if hasCount && count < 0 {
		return nil, pgerror.New("22011", "negative substring length not allowed")
	}
	end := int64(1) << 62
	if hasCount {
		end = start + count
		if end < start { // overflow
			end = int64(1) << 62
		}
	}
	if start < 1 {
		start = 1
	}
	if end <= start {
		return "", nil
	}
	var b strings.Builder
	pos := int64(1)
	for _, r := range s {
		if pos >= end {
			break
		}
		if pos >= start {
			b.WriteRune(r)
		}
		pos++
	}
	return b.String(), nil
}

func trimSet(s, chars string, left, right bool) string {
	in := func(r rune) bool { return strings.ContainsRune(chars, r) }
	if left {
		s = strings.TrimLeftFunc(s, in)
	}
	if right {
		s = strings.TrimRightFunc(s, in)
	}
	return s
}

func pad(s string, n int64, fill string, left bool) (types.Datum, error) {
	if n < 0 {
		n = 0
	}
	if n > 1<<28 {
		return nil, pgerror.New(pgerror.ProgramLimitExceeded, "requested length too large")
	}
	l := runeLen(s)
	if l >= n {
		r, _ := substrRunes(s, 1, n, true)
		return r, nil
	}
	if fill == "" {
		return s, nil
	}
	need := n - l
	var b strings.Builder
	fr := []rune(fill)
	padding := make([]rune, 0, need)
	for i := int64(0); i < need; i++ {
		padding = append(padding, fr[i%int64(len(fr))])
	}
	if left {
		b.WriteString(string(padding))
		b.WriteString(s)
	} else {
		b.WriteString(s)
		b.WriteString(string(padding))
	}
	return b.String(), nil
}

func initcap(s string) string {
	var b strings.Builder
	prevAlnum := false
	for _, r := range s {
		if prevAlnum {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(unicode.ToUpper(r))
		}
		prevAlnum = unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return b.String()
}

// formatSQL is format(): %s, %I, %L and %%, with optional n$ positions and widths.
func formatSQL(ctx *types.EvalContext, ts []types.T, args []types.Datum) (types.Datum, error) {
	if args[0] == nil {
		return nil, nil
	}
	f := str(args[0])
	var b strings.Builder
	next := 1
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(f) {
			return nil, &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: "unterminated format() type specifier", Hint: `For a single "%" use "%%".`}
		}
		if f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		// [argpos$][flags][width]type
		j := i
		for j < len(f) && isDigit(f[j]) {
			j++
		}
		argPos := -1
		if j < len(f) && f[j] == '$' && j > i {
			n, _ := strconv.Atoi(f[i:j])
			if n == 0 {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "format specifies argument 0, but arguments are numbered from 1")
			}
			argPos = n
			i = j + 1
		}
		leftAlign := false
		for i < len(f) && f[i] == '-' {
			leftAlign = true
			i++
		}
		width := 0
		if i < len(f) && f[i] == '*' {
			// the width is an argument: the next one, or *n$
			i++
			wPos := -1
			j = i
			for j < len(f) && isDigit(f[j]) {
				j++
			}
			if j > i {
				if j >= len(f) || f[j] != '$' {
					return nil, &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: "unterminated format() type specifier", Hint: `For a single "%" use "%%".`}
				}
				n, _ := strconv.Atoi(f[i:j])
				if n == 0 {
					return nil, pgerror.New(pgerror.InvalidParameterValue, "format specifies argument 0, but arguments are numbered from 1")
				}
				wPos, i = n, j+1
			}
			if wPos < 0 {
				wPos = next
			}
			next = wPos + 1
			if wPos >= len(args) {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "too few arguments for format()")
			}
			if wv := args[wPos]; wv != nil {
				var w int64
				switch x := wv.(type) {
				case int64:
					w = x
				default:
					n, err := strconv.ParseInt(strings.TrimSpace(textOf(ctx, ts[wPos], wv)), 10, 32)
					if err != nil {
						return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type integer: \"%s\"", textOf(ctx, ts[wPos], wv))
					}
					w = n
				}
				if w < 0 {
					leftAlign, w = true, -w
				}
				if w > 1<<28 {
					return nil, pgerror.New(pgerror.ProgramLimitExceeded, "requested length too large")
				}
				width = int(w)
			}
		} else {
			j = i
			for j < len(f) && isDigit(f[j]) {
				j++
			}
			if j > i {
				var err error
				if width, err = strconv.Atoi(f[i:j]); err != nil || width > math.MaxInt32 {
					return nil, pgerror.New(pgerror.NumericValueOutOfRange, "number is out of range")
				}
				if width > 1<<28 {
					return nil, pgerror.New(pgerror.ProgramLimitExceeded, "requested length too large")
				}
				i = j
			}
		}
		if i >= len(f) {
			return nil, &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: "unterminated format() type specifier", Hint: `For a single "%" use "%%".`}
		}
		if argPos < 0 {
			argPos = next
		}
		next = argPos + 1
		if argPos >= len(args) {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "too few arguments for format()")
		}
		v, vt := args[argPos], ts[argPos]
		var s string
		switch f[i] {
		case 's':
			if v != nil {
				s = textOf(ctx, vt, v)
			}
		case 'I':
			if v == nil {
				return nil, pgerror.New(pgerror.NullValueNotAllowed, "null values cannot be formatted as an SQL identifier")
			}
			s = types.QuoteIdent(textOf(ctx, vt, v))
		case 'L':
			if v == nil {
				s = "NULL"
			} else {
				s = types.QuoteLiteral(textOf(ctx, vt, v))
			}
		default:
			return nil, pgerror.New(pgerror.InvalidParameterValue, "unrecognized format() type specifier \"%c\"", f[i])
		}
		if n := width - utf8.RuneCountInString(s); n > 0 {
			if leftAlign {
				s += strings.Repeat(" ", n)
			} else {
				s = strings.Repeat(" ", n) + s
			}
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// regexReplace is regexp_replace with PostgreSQL's \1 and \& references:
// the first match, or every one with the "g" flag (regexp.go).
func regexReplace(s, pattern, repl, flags string) (types.Datum, error) {
	n := int64(1)
	if strings.Contains(flags, "g") {
		n = 0
	}
	return regexpReplace(s, pattern, repl, 1, n, flags)
}

func regexMatch(s, pattern, flags string) (types.Datum, error) {
	if strings.Contains(flags, "g") {
		return nil, pgerror.New(pgerror.InvalidParameterValue, "regexp_match() does not support the \"global\" option")
	}
	rx, err := compileRegex(pattern, flags)
	if err != nil {
		return nil, err
	}
	m := rx.FindStringSubmatchIndex(s)
	if m == nil {
		return nil, nil
	}
	arr := types.Array{Elem: tt(types.TextOID)}
	if len(m) == 2 {
		arr.Elements = []types.Datum{s[m[0]:m[1]]}
		return arr, nil
	}
	for g := 1; 2*g < len(m); g++ {
		if m[2*g] < 0 {
			arr.Elements = append(arr.Elements, nil)
		} else {
			arr.Elements = append(arr.Elements, s[m[2*g]:m[2*g+1]])
		}
	}
	return arr, nil
}

func encodeBytes(b []byte, format string) (types.Datum, error) {
	switch strings.ToLower(format) {
	case "hex":
		return hex.EncodeToString(b), nil
	case "base64":
		e := base64.StdEncoding.EncodeToString(b)
		var out strings.Builder
		for len(e) > 76 {
			out.WriteString(e[:76])
			out.WriteByte('\n')
			e = e[76:]
		}
		out.WriteString(e)
		return out.String(), nil
	case "escape":
		var out strings.Builder
		for _, c := range b {
			switch {
			case c == '\\':
				out.WriteString(`\\`)
			case c == 0 || c >= 0x80:
				out.WriteString(`\` + strconv.FormatInt(int64(c)>>6, 8) + strconv.FormatInt(int64(c)>>3&7, 8) + strconv.FormatInt(int64(c)&7, 8))
			default:
				out.WriteByte(c)
			}
		}
		return out.String(), nil
	}
	return nil, pgerror.New(pgerror.InvalidParameterValue, "unrecognized encoding: \"%s\"", format)
}

func decodeBytes(s, format string) (types.Datum, error) {
	switch strings.ToLower(format) {
	case "hex":
		out, err := hex.DecodeString(strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s))
		if err != nil {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid hexadecimal data")
		}
		return out, nil
	case "base64":
		clean := strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
		out, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			out, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
			if err != nil {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid base64 end sequence")
			}
		}
		return out, nil
	case "escape":
		return types.ParseText(tt(types.ByteaOID), s)
	}
	return nil, pgerror.New(pgerror.InvalidParameterValue, "unrecognized encoding: \"%s\"", format)
}

func registerStringFuncs() {
	for _, n := range []string{"lower", "upper"} {
		up := n == "upper"
		def(n, types.TextOID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			if up {
				return strings.ToUpper(str(a[0])), nil
			}
			return strings.ToLower(str(a[0])), nil
		})
	}
	for _, n := range []string{"length", "char_length", "character_length"} {
		def(n, types.Int4OID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return runeLen(str(a[0])), nil })
		def(n, types.Int4OID, oids(types.BpcharOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return runeLen(trimBpchar(str(a[0]))), nil
		})
	}
	def("length", types.Int4OID, oids(types.ByteaOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return int64(len(a[0].([]byte))), nil
	})
	def("octet_length", types.Int4OID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return int64(len(str(a[0]))), nil })
	def("octet_length", types.Int4OID, oids(types.ByteaOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return int64(len(a[0].([]byte))), nil
	})
	def("bit_length", types.Int4OID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return int64(8 * len(str(a[0]))), nil
	})
	def("bit_length", types.Int4OID, oids(types.ByteaOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return int64(8 * len(a[0].([]byte))), nil
	})
	for _, n := range []string{"substr", "substring"} {
		def(n, types.TextOID, oids(types.TextOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return substrRunes(str(a[0]), i64(a[1]), 0, false)
		})
		def(n, types.TextOID, oids(types.TextOID, types.Int4OID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return substrRunes(str(a[0]), i64(a[1]), i64(a[2]), true)
		})
		def(n, types.ByteaOID, oids(types.ByteaOID, types.Int4OID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			b := a[0].([]byte)
			start, count := i64(a[1]), i64(a[2])
			if count < 0 {
				return nil, pgerror.New("22011", "negative substring length not allowed")
			}
			end := start + count
			start = max(start, 1)
			end = min(end, int64(len(b))+1)
			if end <= start {
				return []byte{}, nil
			}
			return append([]byte{}, b[start-1:end-1]...), nil
		})
	}
	def("substring", types.TextOID, oids(types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		rx, err := compileRegex(str(a[1]), "")
		if err != nil {
			return nil, err
		}
		m := rx.FindStringSubmatchIndex(str(a[0]))
		if m == nil {
			return nil, nil
		}
		if len(m) > 2 {
			if m[2] < 0 {
				return nil, nil
			}
			return str(a[0])[m[2]:m[3]], nil
		}
		return str(a[0])[m[0]:m[1]], nil
	})
	strpos := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		i := strings.Index(str(a[0]), str(a[1]))
		if i < 0 {
			return int64(0), nil
		}
		return runeLen(str(a[0])[:i]) + 1, nil
	}
	def("strpos", types.Int4OID, oids(types.TextOID, types.TextOID), strpos)
	def("position", types.Int4OID, oids(types.TextOID, types.TextOID), strpos)
	def("replace", types.TextOID, oids(types.TextOID, types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		if str(a[1]) == "" {
			return a[0], nil
		}
		return strings.ReplaceAll(str(a[0]), str(a[1]), str(a[2])), nil
	})
	for _, n := range []string{"btrim", "ltrim", "rtrim"} {
		l, r := n != "rtrim", n != "ltrim"
		def(n, types.TextOID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return trimSet(str(a[0]), " ", l, r), nil
		})
		def(n, types.TextOID, oids(types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return trimSet(str(a[0]), str(a[1]), l, r), nil
		})
	}
	def("lpad", types.TextOID, oids(types.TextOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return pad(str(a[0]), i64(a[1]), " ", true)
	})
	def("lpad", types.TextOID, oids(types.TextOID, types.Int4OID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return pad(str(a[0]), i64(a[1]), str(a[2]), true)
	})
	def("rpad", types.TextOID, oids(types.TextOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return pad(str(a[0]), i64(a[1]), " ", false)
	})
	def("rpad", types.TextOID, oids(types.TextOID, types.Int4OID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return pad(str(a[0]), i64(a[1]), str(a[2]), false)
	})
	types.RegisterFunc(&types.Func{Name: "concat", Args: []types.T{tt(types.AnyOID)}, Variadic: true, Ret: tt(types.TextOID),
		TypedFn: func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
			var b strings.Builder
			for i, v := range a {
				if v != nil {
					b.WriteString(textOf(ctx, ts[i], v))
				}
			}
			return b.String(), nil
		}})
	types.RegisterFunc(&types.Func{Name: "concat_ws", Args: []types.T{tt(types.TextOID), tt(types.AnyOID)}, Variadic: true, Ret: tt(types.TextOID),
		TypedFn: func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
			if a[0] == nil {
				return nil, nil
			}
			var b strings.Builder
			first := true
			for i, v := range a[1:] {
				if v == nil {
					continue
				}
				if !first {
					b.WriteString(str(a[0]))
				}
				first = false
				b.WriteString(textOf(ctx, ts[i+1], v))
			}
			return b.String(), nil
		}})
	types.RegisterFunc(&types.Func{Name: "format", Args: []types.T{tt(types.TextOID)}, Ret: tt(types.TextOID), TypedFn: formatSQL})
	types.RegisterFunc(&types.Func{Name: "format", Args: []types.T{tt(types.TextOID), tt(types.AnyOID)}, Variadic: true, Ret: tt(types.TextOID), TypedFn: formatSQL})
	def("left", types.TextOID, oids(types.TextOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		s, n := str(a[0]), i64(a[1])
		if n < 0 {
			n = max(runeLen(s)+n, 0)
		}
		return substrRunes(s, 1, n, true)
	})
	def("right", types.TextOID, oids(types.TextOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		s, n := str(a[0]), i64(a[1])
		l := runeLen(s)
		if n < 0 {
			n = max(l+n, 0)
		}
		if n > l {
			n = l
		}
		return substrRunes(s, l-n+1, n, true)
	})
	def("repeat", types.TextOID, oids(types.TextOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		n := i64(a[1])
		if n <= 0 {
			return "", nil
		}
		if int64(len(str(a[0])))*n > 1<<30 {
			return nil, pgerror.New(pgerror.ProgramLimitExceeded, "requested length too large")
		}
		return strings.Repeat(str(a[0]), int(n)), nil
	})
	def("reverse", types.TextOID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		r := []rune(str(a[0]))
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r), nil
	})
	def("split_part", types.TextOID, oids(types.TextOID, types.TextOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		s, d, n := str(a[0]), str(a[1]), i64(a[2])
		if n == 0 {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "field position must not be zero")
		}
		var parts []string
		if d == "" {
			parts = []string{s}
		} else {
			parts = strings.Split(s, d)
		}
		if n < 0 {
			n += int64(len(parts)) + 1
		}
		if n < 1 || n > int64(len(parts)) {
			return "", nil
		}
		return parts[n-1], nil
	})
	def("initcap", types.TextOID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) { return initcap(str(a[0])), nil })
	def("md5", types.TextOID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		h := md5.Sum([]byte(str(a[0])))
		return hex.EncodeToString(h[:]), nil
	})
	def("md5", types.TextOID, oids(types.ByteaOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		h := md5.Sum(a[0].([]byte))
		return hex.EncodeToString(h[:]), nil
	})
	def("to_hex", types.TextOID, oids(types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return strconv.FormatUint(uint64(uint32(i64(a[0]))), 16), nil
	})
	def("to_hex", types.TextOID, oids(types.Int8OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return strconv.FormatUint(uint64(i64(a[0])), 16), nil
	})
	def("ascii", types.Int4OID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		r, _ := utf8.DecodeRuneInString(str(a[0]))
		if r == utf8.RuneError {
			return int64(0), nil
		}
		return int64(r), nil
	})
	def("chr", types.TextOID, oids(types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		c := i64(a[0])
		if c == 0 {
			return nil, pgerror.New(pgerror.ProgramLimitExceeded, "null character not permitted")
		}
		if c < 0 || c > unicode.MaxRune || c >= 0xD800 && c <= 0xDFFF {
			return nil, pgerror.New(pgerror.ProgramLimitExceeded, "requested character too large for encoding: %d", c)
		}
		return string(rune(c)), nil
	})
	def("starts_with", types.BoolOID, oids(types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return strings.HasPrefix(str(a[0]), str(a[1])), nil
	})
	def("quote_ident", types.TextOID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return types.QuoteIdent(str(a[0])), nil
	})
	def("quote_literal", types.TextOID, oids(types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return types.QuoteLiteral(str(a[0])), nil
	})
	defTyped("quote_literal", types.TextOID, oids(types.AnyElementOID), func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
		return types.QuoteLiteral(textOf(ctx, ts[0], a[0])), nil
	})
	types.RegisterFunc(&types.Func{Name: "quote_nullable", Args: []types.T{tt(types.TextOID)}, Ret: tt(types.TextOID), Fn: func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return "NULL", nil
		}
		return types.QuoteLiteral(str(a[0])), nil
	}})
	types.RegisterFunc(&types.Func{Name: "quote_nullable", Args: []types.T{tt(types.AnyElementOID)}, Ret: tt(types.TextOID), TypedFn: func(ctx *types.EvalContext, ts []types.T, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return "NULL", nil
		}
		return types.QuoteLiteral(textOf(ctx, ts[0], a[0])), nil
	}})
	def("regexp_replace", types.TextOID, oids(types.TextOID, types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexReplace(str(a[0]), str(a[1]), str(a[2]), "")
	})
	def("regexp_replace", types.TextOID, oids(types.TextOID, types.TextOID, types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexReplace(str(a[0]), str(a[1]), str(a[2]), str(a[3]))
	})
	def("regexp_match", types.TextArrayOID, oids(types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexMatch(str(a[0]), str(a[1]), "")
	})
	def("regexp_match", types.TextArrayOID, oids(types.TextOID, types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexMatch(str(a[0]), str(a[1]), str(a[2]))
	})
	def("regexp_like", types.BoolOID, oids(types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		rx, err := compileRegex(str(a[1]), "")
		if err != nil {
			return nil, err
		}
		return rx.MatchString(str(a[0])), nil
	})
	def("translate", types.TextOID, oids(types.TextOID, types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		from, to := []rune(str(a[1])), []rune(str(a[2]))
		var b strings.Builder
		for _, r := range str(a[0]) {
			i := strings.IndexRune(string(from), r)
			if i < 0 {
				b.WriteRune(r)
				continue
			}
			idx := utf8.RuneCountInString(string(from)[:i])
			if idx < len(to) {
				b.WriteRune(to[idx])
			}
		}
		return b.String(), nil
	})
	def("encode", types.TextOID, oids(types.ByteaOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return encodeBytes(a[0].([]byte), str(a[1]))
	})
	def("decode", types.ByteaOID, oids(types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return decodeBytes(str(a[0]), str(a[1]))
	})
}
