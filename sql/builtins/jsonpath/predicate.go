package jsonpath

import (
	"bytes"
	"regexp"
	"strings"

	"logdb/sql/pgerror"
	"logdb/sql/types/jsondoc"
)

// Predicates: filters, comparisons, exists, like_regex and starts with,
// with SQL/JSON's three-valued logic.

func (cx *execCtx) nestedBool(it *Item, v *jsondoc.Value) (tri, error) {
	saved := cx.current
	cx.current = v
	defer func() { cx.current = saved }()
	return cx.boolItem(it, v)
}

func (cx *execCtx) boolItem(it *Item, v *jsondoc.Value) (tri, error) {
	if err := cx.step(); err != nil {
		return bUnknown, err
	}
	switch it.Kind {
	case kAnd:
		l, err := cx.boolItem(it.Left, v)
		if err != nil || l == bFalse {
			return bFalse, err
		}
		r, err := cx.boolItem(it.Right, v)
		if err != nil {
			return bFalse, err
		}
		if r == bTrue {
			return l, nil
		}
		return r, nil
	case kOr:
		l, err := cx.boolItem(it.Left, v)
		if err != nil || l == bTrue {
			return bTrue, err
		}
		r, err := cx.boolItem(it.Right, v)
		if err != nil {
			return bFalse, err
		}
		if r == bFalse {
			return l, nil
		}
		return r, nil
	case kNot:
		a, err := cx.boolItem(it.Left, v)
		if err != nil {
			return bUnknown, err
		}
		switch a {
		case bTrue:
			return bFalse, nil
		case bFalse:
			return bTrue, nil
		}
		return bUnknown, nil
	case kIsUnknown:
		a, err := cx.boolItem(it.Left, v)
		if err != nil {
			return bUnknown, err
		}
		if a == bUnknown {
			return bTrue, nil
		}
		return bFalse, nil
	case kEq, kNe, kLt, kGt, kLe, kGe:
		return cx.predicate(it, it.Left, it.Right, v, true, func(a, b *jsondoc.Value) (tri, error) { return compareItems(it.Kind, a, b), nil })
	case kStartsWith:
		return cx.predicate(it, it.Left, it.Right, v, false, func(a, b *jsondoc.Value) (tri, error) {
			if a.Kind != jsondoc.String || b.Kind != jsondoc.String {
				return bUnknown, nil
			}
			if strings.HasPrefix(a.Text, b.Text) {
				return bTrue, nil
			}
			return bFalse, nil
		})
	case kLikeRegex:
		return cx.predicate(it, it.Left, nil, v, false, func(a, _ *jsondoc.Value) (tri, error) {
			if a.Kind != jsondoc.String {
				return bUnknown, nil
			}
			if strings.Contains(it.Flags, "x") {
				return bUnknown, pgerror.New(pgerror.FeatureNotSupported, "XQuery \"x\" flag (expanded regular expressions) is not implemented")
			}
			rx, err := cx.likeRegex(it)
			if err != nil {
				return bUnknown, err
			}
			if rx.MatchString(a.Text) {
				return bTrue, nil
			}
			return bFalse, nil
		})
	case kExists:
		if !cx.lax {
			var vals []*jsondoc.Value
			_, err := cx.optUnwrapResultNoThrow(it.Left, v, false, &vals)
			if err == errSuppressed {
				return bUnknown, nil
			}
			if err != nil {
				return bUnknown, err
			}
			if len(vals) > 0 {
				return bTrue, nil
			}
			return bFalse, nil
		}
		r, err := cx.optUnwrapResultNoThrow(it.Left, v, false, nil)
		if err == errSuppressed {
			return bUnknown, nil
		}
		if err != nil {
			return bUnknown, err
		}
		if r == ok {
			return bTrue, nil
		}
		return bFalse, nil
	}
	return bUnknown, pgerror.New("XX000", "invalid boolean jsonpath item type: %d", it.Kind)
}

func (cx *execCtx) likeRegex(it *Item) (*regexp.Regexp, error) {
	if rx, ok := cx.regex[it]; ok {
		return rx, nil
	}
	rx, err := compileLikeRegex(it)
	if err != nil {
		return nil, err
	}
	if cx.regex == nil {
		cx.regex = map[*Item]*regexp.Regexp{}
	}
	cx.regex[it] = rx
	return rx, nil
}

// predicate is executePredicate: the operands' sequences, compared pair by
// pair; lax mode answers true at the first true pair, strict mode unknown
// at the first error.
func (cx *execCtx) predicate(it, larg, rarg *Item, v *jsondoc.Value, unwrapRight bool, fn func(a, b *jsondoc.Value) (tri, error)) (tri, error) {
	var lseq, rseq []*jsondoc.Value
	if _, err := cx.optUnwrapResultNoThrow(larg, v, true, &lseq); err != nil {
		if err == errSuppressed {
			return bUnknown, nil
		}
		return bUnknown, err
	}
	if rarg != nil {
		if _, err := cx.optUnwrapResultNoThrow(rarg, v, unwrapRight, &rseq); err != nil {
			if err == errSuppressed {
				return bUnknown, nil
			}
			return bUnknown, err
		}
	} else {
		rseq = []*jsondoc.Value{nil}
	}
	sawErr, sawTrue := false, false
	for _, l := range lseq {
		for _, r := range rseq {
			if err := cx.step(); err != nil {
				return bUnknown, err
			}
			t, err := fn(l, r)
			if err != nil {
				return bUnknown, err
			}
			switch t {
			case bUnknown:
				if !cx.lax {
					return bUnknown, nil
				}
				sawErr = true
			case bTrue:
				if cx.lax {
					return bTrue, nil
				}
				sawTrue = true
			}
		}
	}
	if sawTrue {
		return bTrue, nil
	}
	if sawErr {
		return bUnknown, nil
	}
	return bFalse, nil
}

// compareItems compares two scalars (jsonpath's == != < > <= >=).
func compareItems(op Kind, a, b *jsondoc.Value) tri {
	if a.Kind != b.Kind {
		if a.Kind == jsondoc.Null || b.Kind == jsondoc.Null {
			if op == kNe {
				return bTrue
			}
			return bFalse
		}
		return bUnknown
	}
	var c int
	switch a.Kind {
	case jsondoc.Null:
		c = 0
	case jsondoc.Bool:
		switch {
		case a.Bool == b.Bool:
			c = 0
		case a.Bool:
			c = 1
		default:
			c = -1
		}
	case jsondoc.Number:
		c = a.Num.Cmp(b.Num)
	case jsondoc.String:
		c = bytes.Compare([]byte(a.Text), []byte(b.Text))
	default:
		return bUnknown // arrays and objects are not comparable
	}
	var t bool
	switch op {
	case kEq:
		t = c == 0
	case kNe:
		t = c != 0
	case kLt:
		t = c < 0
	case kGt:
		t = c > 0
	case kLe:
		t = c <= 0
	case kGe:
		t = c >= 0
	}
	if t {
		return bTrue
	}
	return bFalse
}
