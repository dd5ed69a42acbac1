package jsonpath

import (
	"strconv"

	"logdb/sql/types"
	"logdb/sql/types/jsondoc"
)

// String is the path's text as PostgreSQL prints it (jsonpath_out).
func (p *Path) String() string {
	var b []byte
	if !p.Lax {
		b = append(b, "strict "...)
	}
	return string(appendItem(b, p.Root, false, true))
}

// Normalize parses s and prints it back: the jsonpath type's input.
func Normalize(s string) (string, error) {
	p, err := Parse(s)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

var opNames = map[Kind]string{kAnd: "&&", kOr: "||", kEq: "==", kNe: "!=", kLt: "<", kGt: ">", kLe: "<=", kGe: ">=",
	kAdd: "+", kSub: "-", kMul: "*", kDiv: "/", kMod: "%", kPlus: "+", kMinus: "-", kStartsWith: "starts with",
	kLikeRegex: "like_regex", kType: "type", kSize: "size", kAbs: "abs", kFloor: "floor", kCeiling: "ceiling",
	kDouble: "double", kKeyValue: "keyvalue", kDatetime: "datetime"}

func priority(k Kind) int {
	switch k {
	case kOr:
		return 0
	case kAnd:
		return 1
	case kEq, kNe, kLt, kGt, kLe, kGe, kStartsWith:
		return 2
	case kAdd, kSub:
		return 3
	case kMul, kDiv, kMod:
		return 4
	case kPlus, kMinus:
		return 5
	}
	return 6
}

func appendNumeric(b []byte, it *Item) []byte {
	return types.AppendText(b, types.T{OID: types.NumericOID, Mod: -1}, it.Num)
}

// appendItem prints an item and the chain after it (printJsonPathItem).
func appendItem(b []byte, it *Item, inKey, brackets bool) []byte {
	for first := true; it != nil; it, first = it.Next, false {
		if !first {
			inKey, brackets = true, true
		}
		b = appendOne(b, it, inKey, brackets)
	}
	return b
}

func appendOne(b []byte, it *Item, inKey, brackets bool) []byte {
	switch it.Kind {
	case kNull:
		b = append(b, "null"...)
	case kString:
		b = jsondoc.AppendString(b, it.Str)
	case kNumeric:
		if it.Next != nil {
			b = append(b, '(')
		}
		b = appendNumeric(b, it)
		if it.Next != nil {
			b = append(b, ')')
		}
	case kBool:
		if it.Bool {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
	case kAnd, kOr, kEq, kNe, kLt, kGt, kLe, kGe, kAdd, kSub, kMul, kDiv, kMod, kStartsWith:
		if brackets {
			b = append(b, '(')
		}
		b = appendItem(b, it.Left, false, priority(it.Left.Kind) <= priority(it.Kind))
		b = append(b, ' ')
		b = append(b, opNames[it.Kind]...)
		b = append(b, ' ')
		b = appendItem(b, it.Right, false, priority(it.Right.Kind) <= priority(it.Kind))
		if brackets {
			b = append(b, ')')
		}
	case kNot:
		b = append(b, "!("...)
		b = appendItem(b, it.Left, false, false)
		b = append(b, ')')
	case kIsUnknown:
		b = append(b, '(')
		b = appendItem(b, it.Left, false, false)
		b = append(b, ") is unknown"...)
	case kPlus, kMinus:
		if brackets {
			b = append(b, '(')
		}
		b = append(b, opNames[it.Kind]...)
		b = appendItem(b, it.Left, false, priority(it.Left.Kind) <= priority(it.Kind))
		if brackets {
			b = append(b, ')')
		}
	case kAnyArray:
		b = append(b, "[*]"...)
	case kAnyKey:
		if inKey {
			b = append(b, '.')
		}
		b = append(b, '*')
	case kIndexArray:
		b = append(b, '[')
		for i, s := range it.Subs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendItem(b, s.From, false, false)
			if s.To != nil {
				b = append(b, " to "...)
				b = appendItem(b, s.To, false, false)
			}
		}
		b = append(b, ']')
	case kAny:
		if inKey {
			b = append(b, '.')
		}
		lvl := func(n uint32) string {
			if n == AnyLast {
				return "last"
			}
			return strconv.FormatUint(uint64(n), 10)
		}
		switch {
		case it.First == 0 && it.Last == AnyLast:
			b = append(b, "**"...)
		case it.First == it.Last:
			b = append(b, "**{"+lvl(it.First)+"}"...)
		default:
			b = append(b, "**{"+lvl(it.First)+" to "+lvl(it.Last)+"}"...)
		}
	case kKey:
		if inKey {
			b = append(b, '.')
		}
		b = jsondoc.AppendString(b, it.Str)
	case kCurrent:
		b = append(b, '@')
	case kRoot:
		b = append(b, '$')
	case kVariable:
		b = append(b, '$')
		b = jsondoc.AppendString(b, it.Str)
	case kFilter:
		b = append(b, "?("...)
		b = appendItem(b, it.Left, false, false)
		b = append(b, ')')
	case kExists:
		b = append(b, "exists ("...)
		b = appendItem(b, it.Left, false, false)
		b = append(b, ')')
	case kType, kSize, kAbs, kFloor, kCeiling, kDouble, kKeyValue:
		b = append(b, '.')
		b = append(b, opNames[it.Kind]...)
		b = append(b, "()"...)
	case kDatetime:
		b = append(b, ".datetime("...)
		if it.Left != nil {
			b = appendItem(b, it.Left, false, false)
		}
		b = append(b, ')')
	case kLast:
		b = append(b, "last"...)
	case kLikeRegex:
		if brackets {
			b = append(b, '(')
		}
		b = appendItem(b, it.Left, false, priority(it.Left.Kind) <= priority(it.Kind))
		b = append(b, " like_regex "...)
		b = jsondoc.AppendString(b, it.Str)
		if it.Flags != "" {
			b = append(b, " flag \""...)
			b = append(b, it.Flags...)
			b = append(b, '"')
		}
		if brackets {
			b = append(b, ')')
		}
	}
	return b
}
