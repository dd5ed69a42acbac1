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
	return p.binary(p.opKind("||", kOr), true, p.andExpr)
}

func (p *parser) andExpr() (*Item, bool, error) {
	return p.binary(p.opKind("&&", kAnd), true, p.notExpr)
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

func (p *parser) addExpr() (*Item, bool, error) { return p.binary(p.opsKind(addOps), false, p.mulExpr) }

func (p *parser) mulExpr() (*Item, bool, error) { return p.binary(p.opsKind(mulOps), false, p.unary) }

// binary parses operand (op operand)…, left-associative, where kind says
// which operator the current token is (0: none). Both operands of each
// operator must be predicates (pred) or must both not be.
func (p *parser) binary(kind func() Kind, pred bool, operand func() (*Item, bool, error)) (*Item, bool, error) {
	l, lp, err := operand()
	if err != nil {
		return nil, false, err
	}
	for k := kind(); k != 0; k = kind() {
		if lp != pred {
			return nil, false, p.errAt("syntax error")
		}
		if err := p.next(); err != nil {
			return nil, false, err
		}
		r, rp, err := operand()
		if err != nil {
			return nil, false, err
		}
		if rp != pred {
			return nil, false, p.errAt("syntax error")
		}
		l = &Item{Kind: k, Left: l, Right: r}
	}
	return l, lp, nil
}

// opKind is binary's kind for the one operator op.
func (p *parser) opKind(op string, k Kind) func() Kind {
	return func() Kind {
		if p.op(op) {
			return k
		}
		return 0
	}
}

// opsKind is binary's kind for the operators of ops.
func (p *parser) opsKind(ops map[string]Kind) func() Kind {
	return func() Kind {
		if p.tok.kind == tOp {
			return ops[p.tok.s]
		}
		return 0
	}
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
