package builtins

import (
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/types"
)

func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// toCharNumber is to_char(numeric, text) for the common patterns: 9 0 . D , G
// FM S MI PL SG PR and literal text.
func toCharNumber(v *apd.Decimal, f string) string {
	type tok struct {
		kind byte // '9', '0', '.', ',', 'S' (sign), 'M' (MI), 'P' (PL), 'G' (SG), 'R' (PR), 'l' literal
		lit  string
	}
	var toks []tok
	fm := false
	pre, post := 0, 0
	seenPoint := false
	explicitSign := false
	for i := 0; i < len(f); {
		up := strings.ToUpper(f[i:])
		switch {
		case strings.HasPrefix(up, "FM"):
			fm = true
			i += 2
		case f[i] == '9' || f[i] == '0':
			toks = append(toks, tok{kind: f[i]})
			if seenPoint {
				post++
			} else {
				pre++
			}
			i++
		case f[i] == '.' || up[0] == 'D':
			if !seenPoint {
				toks = append(toks, tok{kind: '.'})
				seenPoint = true
			} else {
				toks = append(toks, tok{kind: 'l', lit: f[i : i+1]})
			}
			i++
		case f[i] == ',' || up[0] == 'G':
			toks = append(toks, tok{kind: ','})
			i++
		case strings.HasPrefix(up, "TH"):
			toks = append(toks, tok{kind: 'T', lit: f[i : i+2]})
			i += 2
		case strings.HasPrefix(up, "MI"):
			toks = append(toks, tok{kind: 'M'})
			explicitSign = true
			i += 2
		case strings.HasPrefix(up, "PL"):
			// PL adds a plus sign; the minus keeps its usual place
			toks = append(toks, tok{kind: 'P'})
			i += 2
		case strings.HasPrefix(up, "SG"):
			toks = append(toks, tok{kind: 'G'})
			explicitSign = true
			i += 2
		case strings.HasPrefix(up, "PR"):
			toks = append(toks, tok{kind: 'R'})
			explicitSign = true
			i += 2
		case up[0] == 'S':
			toks = append(toks, tok{kind: 'S'})
			explicitSign = true
			i++
		case f[i] == '"':
			j := strings.IndexByte(f[i+1:], '"')
			if j < 0 {
				toks = append(toks, tok{kind: 'l', lit: f[i+1:]})
				i = len(f)
			} else {
				toks = append(toks, tok{kind: 'l', lit: f[i+1 : i+1+j]})
				i += j + 2
			}
		default:
			_, sz := firstRune(f[i:])
			toks = append(toks, tok{kind: 'l', lit: f[i : i+sz]})
			i += sz
		}
	}
	// a sign (S) before the first digit is written next to the number
	leadingS := false
	for _, t := range toks {
		if t.kind == '9' || t.kind == '0' || t.kind == '.' {
			break
		}
		if t.kind == 'S' {
			leadingS = true
		}
	}
	neg := false
	var intDigits, fracDigits string
	overflow := false
	if v.Form != apd.Finite {
		overflow = true
		neg = v.Negative && v.Form == apd.Infinite
	} else {
		r, err := types.RoundNumeric(v, int32(post))
		if err != nil {
			overflow = true
		} else {
			neg = r.Negative && r.Coeff.Sign() != 0
			txt := types.TextString(tt(types.NumericOID), new(apd.Decimal).Abs(r))
			intDigits, fracDigits, _ = strings.Cut(txt, ".")
			if intDigits == "0" && post > 0 {
				intDigits = ""
			}
			if len(intDigits) > pre {
				overflow = true
			}
		}
		if overflow {
			neg = v.Negative
		}
	}
	var b strings.Builder
	signDone := explicitSign && !leadingS
	started := false
	emitSign := func() {
		if signDone {
			return
		}
		signDone = true
		switch {
		case neg:
			b.WriteByte('-')
		case leadingS:
			b.WriteByte('+')
		case !fm:
			b.WriteByte(' ')
		}
	}
	hasPR := false
	for _, t := range toks {
		if t.kind == 'R' {
			hasPR = true
		}
	}
	startNumber := func() {
		if hasPR && neg && !started {
			b.WriteByte('<')
		}
		emitSign()
	}
	intIdx := 0
	fracIdx := 0
	afterPoint := false
	// for FM, trailing '9' fraction positions that are zero are dropped
	fracKeep := post
	if fm && !overflow {
		fracKinds := []byte{}
		for _, t := range toks {
			if t.kind == '.' {
				afterPoint = true
			} else if (t.kind == '9' || t.kind == '0') && afterPoint {
				fracKinds = append(fracKinds, t.kind)
			}
		}
		for fracKeep > 0 && fracKinds[fracKeep-1] == '9' && fracDigits[fracKeep-1] == '0' {
			fracKeep--
		}
		afterPoint = false
	}
	for _, t := range toks {
		switch t.kind {
		case '9', '0':
			if afterPoint {
				if overflow {
					b.WriteByte('#')
				} else if fracIdx < fracKeep {
					b.WriteByte(fracDigits[fracIdx])
				}
				fracIdx++
				continue
			}
			if overflow {
				startNumber()
				started = true
				b.WriteByte('#')
				intIdx++
				continue
			}
			j := intIdx - (pre - len(intDigits))
			intIdx++
			if j < 0 {
				if t.kind == '0' || started {
					startNumber()
					b.WriteByte('0')
					started = true
				} else if !fm {
					b.WriteByte(' ')
				}
				continue
			}
			startNumber()
			started = true
			b.WriteByte(intDigits[j])
		case '.':
			if !started {
				startNumber()
				started = true
			}
			afterPoint = true
			b.WriteByte('.')
		case ',':
			if started {
				b.WriteByte(',')
			} else if !fm {
				b.WriteByte(' ')
			}
		case 'S':
			if leadingS {
				continue
			}
			if neg {
				b.WriteByte('-')
			} else {
				b.WriteByte('+')
			}
		case 'M':
			if neg {
				b.WriteByte('-')
			} else if !fm {
				b.WriteByte(' ')
			}
		case 'P':
			if !neg {
				b.WriteByte('+')
			} else if !fm {
				b.WriteByte(' ')
			}
		case 'G':
			if neg {
				b.WriteByte('-')
			} else {
				b.WriteByte('+')
			}
		case 'R':
			if neg {
				b.WriteByte('>')
			} else if !fm {
				b.WriteByte(' ')
			}
		case 'l':
			b.WriteString(t.lit)
		case 'T':
			if !overflow && !neg {
				n, _ := strconv.ParseInt(intDigits, 10, 64)
				b.WriteString(ordinalSuffix(n, t.lit == "TH"))
			}
		}
	}
	if !started && !overflow {
		emitSign()
	}
	return b.String()
}
