package builtins

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// PostgreSQL 15's regexp_count, regexp_instr, regexp_substr, regexp_like
// with flags, and regexp_replace with a start position and an N: which
// match to replace, 0 for all. Positions count characters from 1; a
// search from a start position looks at the text from there on (so "^"
// matches there, where PostgreSQL anchors it only at the string's start).
// Patterns run on Go's RE2 engine (compileRegex): linear time, no
// backtracking, whatever the input.

func errRegexParam(name string, v int64) error {
	return pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"%s\": %d", name, v)
}

func errRegexGlobal(fn string) error {
	return pgerror.New(pgerror.InvalidParameterValue, "%s() does not support the \"global\" option", fn)
}

// byteOffset is the byte offset of character start (from 1) in s, or
// len(s) past its end.
func byteOffset(s string, start int64) int {
	off := 0
	for k := int64(1); k < start && off < len(s); k++ {
		_, sz := utf8.DecodeRuneInString(s[off:])
		off += sz
	}
	return off
}

// regexMatchesFrom returns the byte offsets (into s) of the matches at or
// after character start: all of them, or the first n when n > 0.
func regexMatchesFrom(rx *regexp.Regexp, s string, start int64, n int) [][]int {
	off := byteOffset(s, start)
	if n <= 0 {
		n = -1
	}
	ms := rx.FindAllStringSubmatchIndex(s[off:], n)
	for _, m := range ms {
		for i := range m {
			if m[i] >= 0 {
				m[i] += off
			}
		}
	}
	return ms
}

func charPos(s string, byteOff int) int64 { return int64(utf8.RuneCountInString(s[:byteOff])) + 1 }

func regexpCount(s, pattern string, start int64, flags string) (types.Datum, error) {
	if start <= 0 {
		return nil, errRegexParam("start", start)
	}
	if strings.Contains(flags, "g") {
		return nil, errRegexGlobal("regexp_count")
	}
	rx, err := compileRegex(pattern, flags)
	if err != nil {
		return nil, err
	}
	return int64(len(regexMatchesFrom(rx, s, start, 0))), nil
}

// regexpNth is the sub-expression sub (0: the whole match) of the n-th
// match at or after start: its byte bounds, or ok false.
func regexpNth(fn, s, pattern string, start, n int64, flags string, sub int64) (lo, hi int, ok bool, err error) {
	if start <= 0 {
		return 0, 0, false, errRegexParam("start", start)
	}
	if n <= 0 {
		return 0, 0, false, errRegexParam("n", n)
	}
	if sub < 0 {
		return 0, 0, false, errRegexParam("subexpr", sub)
	}
	if strings.Contains(flags, "g") {
		return 0, 0, false, errRegexGlobal(fn)
	}
	rx, err := compileRegex(pattern, flags)
	if err != nil {
		return 0, 0, false, err
	}
	if sub > int64(rx.NumSubexp()) {
		return 0, 0, false, nil
	}
	ms := regexMatchesFrom(rx, s, start, int(min(n, 1<<30)))
	if int64(len(ms)) < n {
		return 0, 0, false, nil
	}
	m := ms[n-1]
	if m[2*sub] < 0 {
		return 0, 0, false, nil
	}
	return m[2*sub], m[2*sub+1], true, nil
}

func regexpInstr(s, pattern string, start, n, endOpt int64, flags string, sub int64) (types.Datum, error) {
	if start <= 0 {
		return nil, errRegexParam("start", start)
	}
	if n <= 0 {
		return nil, errRegexParam("n", n)
	}
	if endOpt != 0 && endOpt != 1 {
		return nil, errRegexParam("endoption", endOpt)
	}
	lo, hi, ok, err := regexpNth("regexp_instr", s, pattern, start, n, flags, sub)
	if err != nil || !ok {
		return int64(0), err
	}
	if endOpt == 1 {
		return charPos(s, hi), nil
	}
	return charPos(s, lo), nil
}

func regexpSubstr(s, pattern string, start, n int64, flags string, sub int64) (types.Datum, error) {
	lo, hi, ok, err := regexpNth("regexp_substr", s, pattern, start, n, flags, sub)
	if err != nil || !ok {
		return nil, err
	}
	return s[lo:hi], nil
}

// regexpReplace replaces the n-th match at or after start (all of them
// when n is 0) with repl, whose \1 … \9 and \& name the match's parts.
func regexpReplace(s, pattern, repl string, start, n int64, flags string) (types.Datum, error) {
	if start <= 0 {
		return nil, errRegexParam("start", start)
	}
	if n < 0 {
		return nil, errRegexParam("n", n)
	}
	rx, err := compileRegex(pattern, flags)
	if err != nil {
		return nil, err
	}
	ms := regexMatchesFrom(rx, s, start, int(min(n, 1<<30)))
	if n > 0 {
		if int64(len(ms)) < n {
			return s, nil
		}
		ms = ms[n-1:]
	}
	if len(ms) == 0 {
		return s, nil
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m[0]])
		for i := 0; i < len(repl); i++ {
			c := repl[i]
			if c == '\\' && i+1 < len(repl) {
				d := repl[i+1]
				switch {
				case d >= '1' && d <= '9':
					g := int(d - '0')
					if 2*g+1 < len(m) && m[2*g] >= 0 {
						b.WriteString(s[m[2*g]:m[2*g+1]])
					}
					i++
					continue
				case d == '&':
					b.WriteString(s[m[0]:m[1]])
					i++
					continue
				case d == '\\':
					b.WriteByte('\\')
					i++
					continue
				}
			}
			b.WriteByte(c)
		}
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

func registerRegexpFuncs() {
	T, I := types.TextOID, types.Int4OID
	def("regexp_count", I, oids(T, T), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpCount(str(a[0]), str(a[1]), 1, "")
	})
	def("regexp_count", I, oids(T, T, I), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpCount(str(a[0]), str(a[1]), i64(a[2]), "")
	})
	def("regexp_count", I, oids(T, T, I, T), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpCount(str(a[0]), str(a[1]), i64(a[2]), str(a[3]))
	})
	def("regexp_instr", I, oids(T, T), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpInstr(str(a[0]), str(a[1]), 1, 1, 0, "", 0)
	})
	def("regexp_instr", I, oids(T, T, I), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpInstr(str(a[0]), str(a[1]), i64(a[2]), 1, 0, "", 0)
	})
	def("regexp_instr", I, oids(T, T, I, I), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpInstr(str(a[0]), str(a[1]), i64(a[2]), i64(a[3]), 0, "", 0)
	})
	def("regexp_instr", I, oids(T, T, I, I, I), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpInstr(str(a[0]), str(a[1]), i64(a[2]), i64(a[3]), i64(a[4]), "", 0)
	})
	def("regexp_instr", I, oids(T, T, I, I, I, T), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpInstr(str(a[0]), str(a[1]), i64(a[2]), i64(a[3]), i64(a[4]), str(a[5]), 0)
	})
	def("regexp_instr", I, oids(T, T, I, I, I, T, I), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpInstr(str(a[0]), str(a[1]), i64(a[2]), i64(a[3]), i64(a[4]), str(a[5]), i64(a[6]))
	})
	def("regexp_like", types.BoolOID, oids(T, T, T), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		if strings.Contains(str(a[2]), "g") {
			return nil, errRegexGlobal("regexp_like")
		}
		rx, err := compileRegex(str(a[1]), str(a[2]))
		if err != nil {
			return nil, err
		}
		return rx.MatchString(str(a[0])), nil
	})
	def("regexp_substr", T, oids(T, T), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpSubstr(str(a[0]), str(a[1]), 1, 1, "", 0)
	})
	def("regexp_substr", T, oids(T, T, I), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpSubstr(str(a[0]), str(a[1]), i64(a[2]), 1, "", 0)
	})
	def("regexp_substr", T, oids(T, T, I, I), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpSubstr(str(a[0]), str(a[1]), i64(a[2]), i64(a[3]), "", 0)
	})
	def("regexp_substr", T, oids(T, T, I, I, T), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpSubstr(str(a[0]), str(a[1]), i64(a[2]), i64(a[3]), str(a[4]), 0)
	})
	def("regexp_substr", T, oids(T, T, I, I, T, I), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpSubstr(str(a[0]), str(a[1]), i64(a[2]), i64(a[3]), str(a[4]), i64(a[5]))
	})
	def("regexp_replace", T, oids(T, T, T, I), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpReplace(str(a[0]), str(a[1]), str(a[2]), i64(a[3]), 1, "")
	})
	def("regexp_replace", T, oids(T, T, T, I, I), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpReplace(str(a[0]), str(a[1]), str(a[2]), i64(a[3]), i64(a[4]), "")
	})
	def("regexp_replace", T, oids(T, T, T, I, I, T), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return regexpReplace(str(a[0]), str(a[1]), str(a[2]), i64(a[3]), i64(a[4]), str(a[5]))
	})
}
