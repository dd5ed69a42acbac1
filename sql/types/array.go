package types

import (
	"strings"
	"time"

	"logdb/sql/pgerror"
)

func errMalformedArray(s, detail string) error {
	return &pgerror.Error{Code: pgerror.InvalidTextRepresentation, Message: "malformed array literal: \"" + s + "\"", Detail: detail}
}

// parseArray is array_in for one-dimensional arrays.
func parseArray(ctx *EvalContext, elem T, s string) (Datum, error) {
	str := strings.TrimSpace(s)
	if strings.HasPrefix(str, "[") {
		// dimension decoration "[1:3]={...}": only the default lower bound
		i := strings.Index(str, "=")
		if i < 0 {
			return nil, errMalformedArray(s, "Missing \"=\" after array dimensions.")
		}
		str = strings.TrimSpace(str[i+1:])
	}
	if !strings.HasPrefix(str, "{") {
		return nil, errMalformedArray(s, "Array value must start with \"{\" or dimension information.")
	}
	arr := Array{Elem: elem, Elements: []Datum{}}
	i := 1
	skipSpace := func() {
		for i < len(str) && isSpace(str[i]) {
			i++
		}
	}
	skipSpace()
	if i < len(str) && str[i] == '}' {
		i++
		if strings.TrimSpace(str[i:]) != "" {
			return nil, errMalformedArray(s, "Junk after closing right brace.")
		}
		return arr, nil
	}
	for {
		skipSpace()
		if i >= len(str) {
			return nil, errMalformedArray(s, "Unexpected end of input.")
		}
		if str[i] == '{' {
			if len(arr.Elements) > 0 {
				return nil, errMalformedArray(s, "Unexpected \"{\" character.")
			}
			return nil, pgerror.New(pgerror.FeatureNotSupported, "multidimensional arrays are not supported")
		}
		var b strings.Builder
		quoted := false
		if str[i] == '"' {
			quoted = true
			i++
			for {
				if i >= len(str) {
					return nil, errMalformedArray(s, "Unexpected end of input.")
				}
				c := str[i]
				if c == '\\' {
					if i+1 >= len(str) {
						return nil, errMalformedArray(s, "Unexpected end of input.")
					}
					b.WriteByte(str[i+1])
					i += 2
					continue
				}
				if c == '"' {
					i++
					break
				}
				b.WriteByte(c)
				i++
			}
			skipSpace()
		} else {
			trailing := 0 // spaces after the last non-space byte are dropped
			for i < len(str) && str[i] != ',' && str[i] != '}' {
				c := str[i]
				if c == '"' || c == '{' {
					return nil, errMalformedArray(s, "Unexpected array element.")
				}
				if c == '\\' {
					if i+1 >= len(str) {
						return nil, errMalformedArray(s, "Unexpected end of input.")
					}
					b.WriteByte(str[i+1])
					i += 2
					trailing = 0
					continue
				}
				if isSpace(c) {
					trailing++
				} else {
					trailing = 0
				}
				b.WriteByte(c)
				i++
			}
			if i >= len(str) {
				return nil, errMalformedArray(s, "Unexpected end of input.")
			}
			v := b.String()
			v = v[:len(v)-trailing]
			if v == "" {
				return nil, errMalformedArray(s, "Unexpected \""+string(str[i])+"\" character.")
			}
			b.Reset()
			b.WriteString(v)
		}
		v := b.String()
		if !quoted && strings.EqualFold(v, "NULL") {
			arr.Elements = append(arr.Elements, nil)
		} else {
			d, err := ParseTextCtx(ctx, elem, v)
			if err != nil {
				return nil, err
			}
			arr.Elements = append(arr.Elements, d)
		}
		if i >= len(str) {
			return nil, errMalformedArray(s, "Unexpected end of input.")
		}
		switch str[i] {
		case ',':
			i++
		case '}':
			i++
			if strings.TrimSpace(str[i:]) != "" {
				return nil, errMalformedArray(s, "Junk after closing right brace.")
			}
			return arr, nil
		default:
			return nil, errMalformedArray(s, "Unexpected array element.")
		}
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// appendArrayText is array_out.
func appendArrayText(dst []byte, a Array, loc *time.Location) []byte {
	dst = append(dst, '{')
	var tmp []byte
	for i, e := range a.Elements {
		if i > 0 {
			dst = append(dst, ',')
		}
		if e == nil {
			dst = append(dst, "NULL"...)
			continue
		}
		tmp = AppendTextLoc(tmp[:0], a.Elem, e, loc)
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
	return append(dst, '}')
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
