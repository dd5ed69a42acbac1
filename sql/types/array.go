package types

import (
	"strconv"
	"strings"
	"time"

	"logdb/sql/pgerror"
)

func errMalformedArray(s, detail string) error {
	return &pgerror.Error{Code: pgerror.InvalidTextRepresentation, Message: "malformed array literal: \"" + s + "\"", Detail: detail}
}

// parseArray is array_in: an optional dimension decoration
// ("[0:2][1:3]="), then nested braces; sub-arrays must match in shape.
func parseArray(ctx *EvalContext, elem T, s string) (Datum, error) {
	p := arrayParser{ctx: ctx, elem: elem, src: s, leaf: -1}
	str := trimArraySpace(s)
	var decl []ArrayDim
	if strings.HasPrefix(str, "[") {
		var err error
		if decl, str, err = p.decoration(str); err != nil {
			return nil, err
		}
	}
	if !strings.HasPrefix(str, "{") {
		return nil, errMalformedArray(s, "Array value must start with \"{\" or dimension information.")
	}
	p.str = str
	if err := p.level(0); err != nil {
		return nil, err
	}
	if trimArraySpace(p.str[p.i:]) != "" {
		return nil, errMalformedArray(s, "Junk after closing right brace.")
	}
	if len(p.elems) == 0 {
		if len(decl) > 0 && len(p.dims) > 0 && p.dims[0] == 0 {
			return nil, errMalformedArray(s, "Specified array dimensions do not match array contents.")
		}
		return Array{Elem: elem, Elements: []Datum{}}, nil
	}
	dims := make([]ArrayDim, len(p.dims))
	for i, n := range p.dims {
		dims[i] = ArrayDim{Len: n, Lower: 1}
	}
	if decl != nil {
		if len(decl) != len(dims) {
			return nil, errMalformedArray(s, "Specified array dimensions do not match array contents.")
		}
		for i := range decl {
			if decl[i].Len != dims[i].Len {
				return nil, errMalformedArray(s, "Specified array dimensions do not match array contents.")
			}
		}
		dims = decl
	}
	if err := CheckArraySize(dims); err != nil {
		return nil, err
	}
	return Shaped(elem, p.elems, dims), nil
}

func trimArraySpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
}

// arrayParser reads array_in's nested braces.
type arrayParser struct {
	ctx   *EvalContext
	elem  T
	src   string // the whole input, for errors
	str   string
	i     int
	dims  []int // the length of each level, from its first occurrence
	leaf  int   // the depth of the elements, -1 until the first
	elems []Datum
}

// decoration reads "[lb:ub]…=" (or "[ub]"), returning the rest.
func (p *arrayParser) decoration(str string) ([]ArrayDim, string, error) {
	var dims []ArrayDim
	for strings.HasPrefix(str, "[") {
		if len(dims) == MaxArrayDims {
			return nil, "", pgerror.New(pgerror.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", MaxArrayDims+1, MaxArrayDims)
		}
		end := strings.IndexByte(str, ']')
		if end < 0 {
			return nil, "", errMalformedArray(p.src, "Missing \"]\" in array dimensions.")
		}
		inner := str[1:end]
		lo, hi := "1", inner
		if c := strings.IndexByte(inner, ':'); c >= 0 {
			lo, hi = inner[:c], inner[c+1:]
		}
		l, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 32)
		u, err2 := strconv.ParseInt(strings.TrimSpace(hi), 10, 32)
		if err1 != nil || err2 != nil {
			if err1 != nil && lo != "1" || err1 == nil && err2 != nil && strings.IndexByte(inner, ':') < 0 {
				return nil, "", errMalformedArray(p.src, "\"[\" must introduce explicitly-specified array dimensions.")
			}
			return nil, "", errMalformedArray(p.src, "Missing array dimension value.")
		}
		if u < l {
			return nil, "", pgerror.New(pgerror.ArraySubscriptError, "upper bound cannot be less than lower bound")
		}
		dims = append(dims, ArrayDim{Len: int(u - l + 1), Lower: int(l)})
		str = trimArraySpace(str[end+1:])
	}
	if !strings.HasPrefix(str, "=") {
		return nil, "", errMalformedArray(p.src, "Missing \"=\" after array dimensions.")
	}
	return dims, trimArraySpace(str[1:]), nil
}

func (p *arrayParser) skipSpace() {
	for p.i < len(p.str) && isSpace(p.str[p.i]) {
		p.i++
	}
}

// level reads one brace-enclosed level at depth, p.str[p.i] being '{'.
func (p *arrayParser) level(depth int) error {
	if depth >= MaxArrayDims {
		return pgerror.New(pgerror.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", depth+1, MaxArrayDims)
	}
	p.i++
	p.skipSpace()
	n, subs := 0, false
	if p.i < len(p.str) && p.str[p.i] == '}' {
		if depth > 0 {
			return errMalformedArray(p.src, "Unexpected \"}\" character.")
		}
		p.i++
		p.dims = append(p.dims, 0)
		return nil
	}
	for {
		p.skipSpace()
		if p.i >= len(p.str) {
			return errMalformedArray(p.src, "Unexpected end of input.")
		}
		if p.str[p.i] == '{' {
			if n > 0 && !subs {
				return errMalformedArray(p.src, "Unexpected \"{\" character.")
			}
			subs = true
			if err := p.level(depth + 1); err != nil {
				return err
			}
		} else {
			if subs {
				return errMalformedArray(p.src, "Unexpected array element.")
			}
			if p.leaf >= 0 && p.leaf != depth {
				return errMalformedArray(p.src, "Multidimensional arrays must have sub-arrays with matching dimensions.")
			}
			p.leaf = depth
			if err := p.element(); err != nil {
				return err
			}
		}
		n++
		p.skipSpace()
		if p.i >= len(p.str) {
			return errMalformedArray(p.src, "Unexpected end of input.")
		}
		c := p.str[p.i]
		p.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return errMalformedArray(p.src, "Unexpected \""+string(c)+"\" character.")
		}
	}
	if subs && p.leaf >= 0 && p.leaf <= depth {
		return errMalformedArray(p.src, "Multidimensional arrays must have sub-arrays with matching dimensions.")
	}
	for len(p.dims) <= depth {
		p.dims = append(p.dims, -1)
	}
	if p.dims[depth] < 0 {
		p.dims[depth] = n
	} else if p.dims[depth] != n {
		return errMalformedArray(p.src, "Multidimensional arrays must have sub-arrays with matching dimensions.")
	}
	if len(p.elems) > MaxArraySize {
		return pgerror.New(pgerror.ProgramLimitExceeded, "array size exceeds the maximum allowed (%d)", MaxArraySize)
	}
	return nil
}

// element reads one element (quoted or not) and leaves p.i on the
// delimiter after it.
func (p *arrayParser) element() error {
	str, s := p.str, p.src
	var b strings.Builder
	quoted := false
	if str[p.i] == '"' {
		quoted = true
		p.i++
		for {
			if p.i >= len(str) {
				return errMalformedArray(s, "Unexpected end of input.")
			}
			c := str[p.i]
			if c == '\\' {
				if p.i+1 >= len(str) {
					return errMalformedArray(s, "Unexpected end of input.")
				}
				b.WriteByte(str[p.i+1])
				p.i += 2
				continue
			}
			if c == '"' {
				p.i++
				break
			}
			b.WriteByte(c)
			p.i++
		}
		p.skipSpace()
		if p.i < len(str) && str[p.i] != ',' && str[p.i] != '}' {
			return errMalformedArray(s, "Unexpected array element.")
		}
	} else {
		trailing := 0 // spaces after the last non-space byte are dropped
		for p.i < len(str) && str[p.i] != ',' && str[p.i] != '}' {
			c := str[p.i]
			if c == '"' || c == '{' {
				return errMalformedArray(s, "Unexpected array element.")
			}
			if c == '\\' {
				if p.i+1 >= len(str) {
					return errMalformedArray(s, "Unexpected end of input.")
				}
				b.WriteByte(str[p.i+1])
				p.i += 2
				trailing = 0
				continue
			}
			if isSpace(c) {
				trailing++
			} else {
				trailing = 0
			}
			b.WriteByte(c)
			p.i++
		}
		if p.i >= len(str) {
			return errMalformedArray(s, "Unexpected end of input.")
		}
		v := b.String()
		v = v[:len(v)-trailing]
		if v == "" {
			return errMalformedArray(s, "Unexpected \""+string(str[p.i])+"\" character.")
		}
		b.Reset()
		b.WriteString(v)
	}
	v := b.String()
	if !quoted && strings.EqualFold(v, "NULL") {
		p.elems = append(p.elems, nil)
		return nil
	}
	d, err := ParseTextCtx(p.ctx, p.elem, v)
	if err != nil {
		return err
	}
	p.elems = append(p.elems, d)
	return nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// appendArrayText is array_out: the dimension decoration when a lower
// bound is not 1, then nested braces.
func appendArrayText(dst []byte, a Array, loc *time.Location, st TextStyle) []byte {
	dims := a.Shape()
	if len(dims) == 0 {
		return append(dst, "{}"...)
	}
	for _, d := range dims {
		if d.Lower != 1 {
			dst = appendArrayDims(dst, dims)
			dst = append(dst, '=')
			break
		}
	}
	// spans[k]: how many elements a sub-array at depth k holds
	spans := make([]int, len(dims))
	n := 1
	for k := len(dims) - 1; k >= 0; k-- {
		n *= dims[k].Len
		spans[k] = n
	}
	var tmp []byte
	for i, e := range a.Elements {
		if i > 0 {
			dst = append(dst, ',')
		}
		for _, n := range spans {
			if i%n == 0 {
				dst = append(dst, '{')
			}
		}
		if e == nil {
			dst = append(dst, "NULL"...)
		} else {
			tmp = AppendTextStyled(tmp[:0], a.Elem, e, loc, st)
			if needsArrayQuote(tmp) {
				dst = append(dst, '"')
				for _, c := range tmp {
					if c == '"' || c == '\\' {
						dst = append(dst, '\\')
					}
					dst = append(dst, c)
				}
				dst = append(dst, '"')
			} else {
				dst = append(dst, tmp...)
			}
		}
		for _, n := range spans {
			if (i+1)%n == 0 {
				dst = append(dst, '}')
			}
		}
	}
	return dst
}

func needsArrayQuote(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	if len(b) == 4 && strings.EqualFold(string(b), "null") {
		return true
	}
	for _, c := range b {
		switch c {
		case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}
