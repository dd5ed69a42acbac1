package jsonpath

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
	"logdb/sql/types/jsondoc"
)

// MaxSteps bounds the work of one evaluation: every item evaluated and
// every value a .** or wildcard visits is a step. Past it the evaluation
// fails with 54000 (PostgreSQL has no such bound; it relies on statement
// cancellation, which a function body here cannot see).
const MaxSteps = 1_000_000

// maxEvalDepth bounds the evaluator's recursion (a long accessor chain
// over a deep document): past it, 54001.
const maxEvalDepth = 10000

// CompileRegex compiles a PostgreSQL regular expression into a Go one;
// goFlags is a Go flag group ("i", "s", "m" letters). sql/builtins sets it
// at init (the translation of PostgreSQL's regex syntax lives there).
var CompileRegex func(pattern, goFlags string) (*regexp.Regexp, error)

func compileLikeRegex(it *Item) (*regexp.Regexp, error) {
	if CompileRegex == nil {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "like_regex is not available")
	}
	pattern := it.Str
	if strings.Contains(it.Flags, "q") {
		pattern = regexp.QuoteMeta(pattern)
	}
	// PostgreSQL's flags: "." stops at a newline unless "s"; "^" and "$"
	// match at newlines with "m"
	fl := ""
	for _, f := range "ism" {
		if strings.ContainsRune(it.Flags, f) {
			fl += string(f)
		}
	}
	return CompileRegex(pattern, fl)
}

var numericT = types.T{OID: types.NumericOID, Mod: -1}

// numericFunc calls the library's numeric function name (floor, ceil,
// abs, trunc) on d.
func numericFunc(name string, d *apd.Decimal) (*apd.Decimal, error) {
	f, err := types.LookupFunc(name, []types.T{numericT})
	if err != nil {
		return nil, err
	}
	r, err := f.Fn(nil, []types.Datum{d})
	if err != nil {
		return nil, err
	}
	return r.(*apd.Decimal), nil
}

// errSuppressed is an error that silent mode (or a predicate) swallowed:
// PostgreSQL's jperError.
var errSuppressed = errors.New("jsonpath error suppressed")

type res int

const (
	notFound res = iota
	ok
)

type tri int

const (
	bFalse tri = iota
	bTrue
	bUnknown
)

type execCtx struct {
	vars        *jsondoc.Value
	root        *jsondoc.Value
	current     *jsondoc.Value
	lax         bool
	ignoreStruc bool
	throw       bool
	innermost   int // the innermost array's size, for last; -1 outside subscripts
	steps       int
	depth       int
	regex       map[*Item]*regexp.Regexp
	offsets     map[*jsondoc.Value]int64 // keyvalue ids (keyValueID)
	varOffsets  map[*jsondoc.Value]int64
}

// list is a result sequence; nil means "only whether there is one".
type list = *[]*jsondoc.Value

// Options are the optional arguments of the jsonb_path_* functions.
type Options struct {
	Vars   *jsondoc.Value // the vars object (nil: none)
	Silent bool           // suppress the errors PostgreSQL lets silent suppress
}

func newCtx(p *Path, doc *jsondoc.Value, o Options) (*execCtx, error) {
	if o.Vars != nil && o.Vars.Kind != jsondoc.Object {
		return nil, &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: "\"vars\" argument is not an object",
			Detail: "Jsonpath parameters should be encoded as key-value pairs of \"vars\" object."}
	}
	return &execCtx{vars: o.Vars, root: doc, current: doc, lax: p.Lax, ignoreStruc: p.Lax, throw: !o.Silent, innermost: -1}, nil
}

// hard reports whether err is a real error (not one silent swallowed).
func hard(err error) error {
	if err == errSuppressed {
		return nil
	}
	return err
}

// Query is the sequence the path selects from doc (jsonb_path_query). In
// silent mode an error ends it quietly, keeping what was found before.
func Query(p *Path, doc *jsondoc.Value, o Options) ([]*jsondoc.Value, error) {
	cx, err := newCtx(p, doc, o)
	if err != nil {
		return nil, err
	}
	var found []*jsondoc.Value
	_, err = cx.item(p.Root, doc, &found)
	return found, hard(err)
}

// Exists is jsonb_path_exists: true, false, or NULL (ok false) on a
// suppressed error.
func Exists(p *Path, doc *jsondoc.Value, o Options) (val, isNull bool, err error) {
	cx, err := newCtx(p, doc, o)
	if err != nil {
		return false, false, err
	}
	var r res
	if !p.Lax {
		// strict mode needs the whole sequence to see that there is no error
		var found []*jsondoc.Value
		r, err = cx.item(p.Root, doc, &found)
		if err == nil && len(found) == 0 {
			r = notFound
		}
	} else {
		r, err = cx.item(p.Root, doc, nil)
	}
	if err == errSuppressed {
		return false, true, nil
	}
	if err != nil {
		return false, false, err
	}
	return r == ok, false, nil
}

// Match is jsonb_path_match: the single boolean the path returns.
func Match(p *Path, doc *jsondoc.Value, o Options) (val, isNull bool, err error) {
	found, err := Query(p, doc, o)
	if err != nil {
		return false, false, err
	}
	if len(found) == 1 {
		switch found[0].Kind {
		case jsondoc.Bool:
			return found[0].Bool, false, nil
		case jsondoc.Null:
			return false, true, nil
		}
	}
	if !o.Silent {
		return false, false, pgerror.New("22038", "single boolean result is expected")
	}
	return false, true, nil
}

func (cx *execCtx) fail(code, format string, args ...any) error {
	if !cx.throw {
		return errSuppressed
	}
	return pgerror.New(code, format, args...)
}

func (cx *execCtx) step() error {
	cx.steps++
	if cx.steps > MaxSteps {
		return &pgerror.Error{Code: pgerror.ProgramLimitExceeded, Message: "jsonpath evaluation exceeds " + strconv.Itoa(MaxSteps) + " steps"}
	}
	return nil
}

func (cx *execCtx) item(it *Item, v *jsondoc.Value, found list) (res, error) {
	return cx.itemOpt(it, v, found, cx.lax)
}

func numValue(d *apd.Decimal) *jsondoc.Value {
	return &jsondoc.Value{Kind: jsondoc.Number, Num: d, Text: string(types.AppendText(nil, types.T{OID: types.NumericOID, Mod: -1}, d))}
}

func strValue(s string) *jsondoc.Value { return &jsondoc.Value{Kind: jsondoc.String, Text: s} }

// next runs the item after cur on v, or adds v to found at the chain's end.
func (cx *execCtx) next(cur *Item, v *jsondoc.Value, found list) (res, error) {
	if cur.Next != nil {
		return cx.item(cur.Next, v, found)
	}
	if found != nil {
		*found = append(*found, v)
	}
	return ok, nil
}

func (cx *execCtx) itemOpt(it *Item, v *jsondoc.Value, found list, unwrap bool) (res, error) {
	if err := cx.step(); err != nil {
		return notFound, err
	}
	cx.depth++
	defer func() { cx.depth-- }()
	if cx.depth > maxEvalDepth {
		return notFound, errTooDeep()
	}
	switch it.Kind {
	case kNull, kBool, kNumeric, kString, kVariable:
		if it.Next == nil && found == nil && it.Kind != kVariable {
			return ok, nil
		}
		lit, err := cx.literal(it)
		if err != nil {
			return notFound, err
		}
		return cx.next(it, lit, found)
	case kAnd, kOr, kNot, kIsUnknown, kEq, kNe, kLt, kGt, kLe, kGe, kExists, kStartsWith, kLikeRegex:
		st, err := cx.boolItem(it, v)
		if err != nil {
			return notFound, err
		}
		if it.Next == nil && found == nil {
			return ok, nil
		}
		b := &jsondoc.Value{Kind: jsondoc.Null}
		if st != bUnknown {
			b = &jsondoc.Value{Kind: jsondoc.Bool, Bool: st == bTrue}
		}
		return cx.next(it, b, found)
	case kAdd, kSub, kMul, kDiv, kMod:
		return cx.binaryArith(it, v, found)
	case kPlus, kMinus:
		return cx.unaryArith(it, v, found)
	case kAnyArray:
		if v.Kind == jsondoc.Array {
			return cx.unwrapTargetArray(it.Next, v, found, cx.lax)
		}
		if cx.lax {
			return cx.next(it, v, found)
		}
		if !cx.ignoreStruc {
			return notFound, cx.fail("22039", "jsonpath wildcard array accessor can only be applied to an array")
		}
		return notFound, nil
	case kAnyKey:
		if v.Kind == jsondoc.Object {
			return cx.anyItem(it.Next, v, found, 1, 1, 1, false, cx.lax)
		}
		if unwrap && v.Kind == jsondoc.Array {
			return cx.unwrapTargetArray(it, v, found, false)
		}
		if !cx.ignoreStruc {
			return notFound, cx.fail("2203C", "jsonpath wildcard member accessor can only be applied to an object")
		}
		return notFound, nil
	case kIndexArray:
		return cx.indexArray(it, v, found)
	case kAny:
		r := notFound
		if it.First == 0 {
			saved := cx.ignoreStruc
			cx.ignoreStruc = true
			var err error
			r, err = cx.next(it, v, found)
			cx.ignoreStruc = saved
			if err != nil {
				return notFound, err
			}
			if r == ok && found == nil {
				return ok, nil
			}
		}
		if v.Kind == jsondoc.Array || v.Kind == jsondoc.Object {
			r2, err := cx.anyItem(it.Next, v, found, 1, it.First, it.Last, true, cx.lax)
			if err != nil || r2 == ok {
				return r2, err
			}
		}
		return r, nil
	case kKey:
		if v.Kind == jsondoc.Object {
			for i, k := range v.Keys {
				if k == it.Str {
					return cx.next(it, v.Vals[i], found)
				}
			}
			if !cx.ignoreStruc {
				return notFound, cx.fail("2203A", "JSON object does not contain key \"%s\"", it.Str)
			}
			return notFound, nil
		}
		if unwrap && v.Kind == jsondoc.Array {
			return cx.unwrapTargetArray(it, v, found, false)
		}
		if !cx.ignoreStruc {
			return notFound, cx.fail("2203A", "jsonpath member accessor can only be applied to an object")
		}
		return notFound, nil
	case kCurrent:
		return cx.next(it, cx.current, found)
	case kRoot:
		return cx.next(it, cx.root, found)
	case kFilter:
		if unwrap && v.Kind == jsondoc.Array {
			return cx.unwrapTargetArray(it, v, found, false)
		}
		st, err := cx.nestedBool(it.Left, v)
		if err != nil {
			return notFound, err
		}
		if st != bTrue {
			return notFound, nil
		}
		return cx.next(it, v, found)
	case kType:
		return cx.next(it, strValue(typeName(v)), found)
	case kSize:
		n := 1
		if v.Kind == jsondoc.Array {
			n = len(v.Elems)
		} else if !cx.lax {
			if !cx.ignoreStruc {
				return notFound, cx.fail("22039", "jsonpath item method .size() can only be applied to an array")
			}
			return notFound, nil
		}
		return cx.next(it, numValue(apd.New(int64(n), 0)), found)
	case kAbs, kFloor, kCeiling:
		if unwrap && v.Kind == jsondoc.Array {
			return cx.unwrapTargetArray(it, v, found, false)
		}
		if v.Kind != jsondoc.Number {
			return notFound, cx.fail("22036", "jsonpath item method .%s() can only be applied to a numeric value", opNames[it.Kind])
		}
		fn := map[Kind]string{kAbs: "abs", kFloor: "floor", kCeiling: "ceil"}[it.Kind]
		d, err := numericFunc(fn, v.Num)
		if err != nil {
			return notFound, err
		}
		return cx.next(it, numValue(d), found)
	case kDouble:
		if unwrap && v.Kind == jsondoc.Array {
			return cx.unwrapTargetArray(it, v, found, false)
		}
		switch v.Kind {
		case jsondoc.Number:
			f, err := strconv.ParseFloat(v.Text, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsInf(f, 0) || math.IsNaN(f) {
				return notFound, cx.fail("22036", "numeric argument of jsonpath item method .double() is out of range for type double precision")
			}
			return cx.next(it, v, found)
		case jsondoc.String:
			f, err := parseFloat8(v.Text)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return notFound, cx.fail("22036", "string argument of jsonpath item method .double() is not a valid representation of a double precision number")
			}
			d, _, err := apd.NewFromString(strconv.FormatFloat(f, 'g', 15, 64))
			if err != nil {
				return notFound, cx.fail("22036", "string argument of jsonpath item method .double() is not a valid representation of a double precision number")
			}
			return cx.next(it, numValue(d), found)
		}
		return notFound, cx.fail("22036", "jsonpath item method .double() can only be applied to a string or numeric value")
	case kKeyValue:
		if unwrap && v.Kind == jsondoc.Array {
			return cx.unwrapTargetArray(it, v, found, false)
		}
		return cx.keyValue(it, v, found)
	case kDatetime:
		if unwrap && v.Kind == jsondoc.Array {
			return cx.unwrapTargetArray(it, v, found, false)
		}
		return notFound, pgerror.New(pgerror.FeatureNotSupported, "jsonpath item method .datetime() is not supported")
	case kLast:
		if cx.innermost < 0 {
			return notFound, pgerror.New("XX000", "evaluating jsonpath LAST outside of array subscript")
		}
		if it.Next == nil && found == nil {
			return ok, nil
		}
		return cx.next(it, numValue(apd.New(int64(cx.innermost-1), 0)), found)
	}
	return notFound, pgerror.New("XX000", "unrecognized jsonpath item type: %d", it.Kind)
}

// parseFloat8 reads a float8 as float8in does (spaces around, Infinity, NaN).
func parseFloat8(s string) (float64, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "infinity", "+infinity", "inf", "+inf":
		return math.Inf(1), nil
	case "-infinity", "-inf":
		return math.Inf(-1), nil
	case "nan":
		return math.NaN(), nil
	}
	if t == "" || strings.ContainsAny(t, "xXpP_") {
		return 0, strconv.ErrSyntax
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, err
	}
	return f, nil
}

func typeName(v *jsondoc.Value) string {
	switch v.Kind {
	case jsondoc.Object:
		return "object"
	case jsondoc.Array:
		return "array"
	case jsondoc.String:
		return "string"
	case jsondoc.Number:
		return "number"
	case jsondoc.Bool:
		return "boolean"
	}
	return "null"
}

func (cx *execCtx) literal(it *Item) (*jsondoc.Value, error) {
	switch it.Kind {
	case kNull:
		return &jsondoc.Value{Kind: jsondoc.Null}, nil
	case kBool:
		return &jsondoc.Value{Kind: jsondoc.Bool, Bool: it.Bool}, nil
	case kNumeric:
		return numValue(it.Num), nil
	case kString:
		return strValue(it.Str), nil
	}
	if cx.vars != nil {
		for i, k := range cx.vars.Keys {
			if k == it.Str {
				return cx.vars.Vals[i], nil
			}
		}
	}
	return nil, pgerror.New(pgerror.UndefinedObject, "could not find jsonpath variable \"%s\"", it.Str)
}

// unwrapTargetArray runs it on each element of arr (nil it: adds them).
func (cx *execCtx) unwrapTargetArray(it *Item, arr *jsondoc.Value, found list, unwrapElems bool) (res, error) {
	return cx.anyItem(it, arr, found, 1, 1, 1, false, unwrapElems)
}

// anyItem visits the values of container c at levels first..last below it
// (executeAnyItem), running it on each (nil it: adding them).
func (cx *execCtx) anyItem(it *Item, c *jsondoc.Value, found list, level, first, last uint32, ignoreStruc, unwrapNext bool) (res, error) {
	cx.depth++
	defer func() { cx.depth-- }()
	if cx.depth > maxEvalDepth {
		return notFound, errTooDeep()
	}
	children := c.Elems
	if c.Kind == jsondoc.Object {
		children = c.Vals
	}
	r := notFound
	for _, v := range children {
		if err := cx.step(); err != nil {
			return notFound, err
		}
		container := v.Kind == jsondoc.Array || v.Kind == jsondoc.Object
		if level >= first || first == AnyLast && last == AnyLast && !container {
			if it != nil {
				saved := cx.ignoreStruc
				if ignoreStruc {
					cx.ignoreStruc = true
				}
				r2, err := cx.itemOpt(it, v, found, unwrapNext)
				cx.ignoreStruc = saved
				if err != nil {
					return notFound, err
				}
				if r2 == ok {
					if found == nil {
						return ok, nil
					}
					r = ok
				}
			} else if found != nil {
				*found = append(*found, v)
				r = ok
			} else {
				return ok, nil
			}
		}
		if level < last && container {
			r2, err := cx.anyItem(it, v, found, level+1, first, last, ignoreStruc, unwrapNext)
			if err != nil {
				return notFound, err
			}
			if r2 == ok {
				if found == nil {
					return ok, nil
				}
				r = ok
			}
		}
	}
	return r, nil
}

func (cx *execCtx) indexArray(it *Item, v *jsondoc.Value, found list) (res, error) {
	if v.Kind != jsondoc.Array && !cx.lax {
		if !cx.ignoreStruc {
			return notFound, cx.fail("22039", "jsonpath array accessor can only be applied to an array")
		}
		return notFound, nil
	}
	singleton := v.Kind != jsondoc.Array
	size := 1
	if !singleton {
		size = len(v.Elems)
	}
	saved := cx.innermost
	cx.innermost = size
	defer func() { cx.innermost = saved }()
	r := notFound
	for _, s := range it.Subs {
		from, err := cx.arrayIndex(s.From, v)
		if err != nil {
			return notFound, err
		}
		to := from
		if s.To != nil {
			if to, err = cx.arrayIndex(s.To, v); err != nil {
				return notFound, err
			}
		}
		if !cx.ignoreStruc && (from < 0 || from > to || to >= size) {
			return notFound, cx.fail("22033", "jsonpath array subscript is out of bounds")
		}
		if from < 0 {
			from = 0
		}
		if to >= size {
			to = size - 1
		}
		r = notFound
		for i := from; i <= to; i++ {
			e := v
			if !singleton {
				e = v.Elems[i]
			}
			if it.Next == nil && found == nil {
				return ok, nil
			}
			r2, err := cx.next(it, e, found)
			if err != nil {
				return notFound, err
			}
			if r2 == ok {
				if found == nil {
					return ok, nil
				}
				r = ok
			}
		}
	}
	return r, nil
}

func (cx *execCtx) arrayIndex(it *Item, v *jsondoc.Value) (int, error) {
	var found []*jsondoc.Value
	if _, err := cx.item(it, v, &found); err != nil {
		return 0, err
	}
	if len(found) != 1 || found[0].Kind != jsondoc.Number {
		return 0, cx.fail("22033", "jsonpath array subscript is not a single numeric value")
	}
	d, err := numericFunc("trunc", found[0].Num)
	if err != nil {
		return 0, cx.fail("22033", "jsonpath array subscript is out of integer range")
	}
	n, err := d.Int64()
	if err != nil || n > math.MaxInt32 || n < math.MinInt32 {
		return 0, cx.fail("22033", "jsonpath array subscript is out of integer range")
	}
	return int(n), nil
}

func (cx *execCtx) keyValue(it *Item, v *jsondoc.Value, found list) (res, error) {
	if v.Kind != jsondoc.Object {
		return notFound, cx.fail("2203C", "jsonpath item method .keyvalue() can only be applied to an object")
	}
	id := numValue(apd.New(cx.keyValueID(v), 0))
	r := notFound
	for i, k := range v.Keys {
		obj := &jsondoc.Value{Kind: jsondoc.Object, Keys: []string{"id", "key", "value"},
			Vals: []*jsondoc.Value{id, strValue(k), v.Vals[i]}}
		r2, err := cx.next(it, obj, found)
		if err != nil {
			return notFound, err
		}
		if r2 == ok {
			if found == nil {
				return ok, nil
			}
			r = ok
		}
	}
	return r, nil
}

// optUnwrapResult evaluates it into found, unwrapping arrays among the
// results in lax mode when unwrap is set.
func (cx *execCtx) optUnwrapResult(it *Item, v *jsondoc.Value, unwrap bool, found list) (res, error) {
	if unwrap && cx.lax {
		var seq []*jsondoc.Value
		r, err := cx.item(it, v, &seq)
		if err != nil {
			return notFound, err
		}
		for _, e := range seq {
			if e.Kind == jsondoc.Array {
				*found = append(*found, e.Elems...)
			} else {
				*found = append(*found, e)
			}
		}
		return r, nil
	}
	return cx.item(it, v, found)
}

func (cx *execCtx) optUnwrapResultNoThrow(it *Item, v *jsondoc.Value, unwrap bool, found list) (res, error) {
	saved := cx.throw
	cx.throw = false
	defer func() { cx.throw = saved }()
	return cx.optUnwrapResult(it, v, unwrap, found)
}

func (cx *execCtx) binaryArith(it *Item, v *jsondoc.Value, found list) (res, error) {
	var lseq, rseq []*jsondoc.Value
	if _, err := cx.optUnwrapResult(it.Left, v, true, &lseq); err != nil {
		return notFound, err
	}
	if _, err := cx.optUnwrapResult(it.Right, v, true, &rseq); err != nil {
		return notFound, err
	}
	name := opNames[it.Kind]
	if len(lseq) != 1 || lseq[0].Kind != jsondoc.Number {
		return notFound, cx.fail("22038", "left operand of jsonpath operator %s is not a single numeric value", name)
	}
	if len(rseq) != 1 || rseq[0].Kind != jsondoc.Number {
		return notFound, cx.fail("22038", "right operand of jsonpath operator %s is not a single numeric value", name)
	}
	numT := types.T{OID: types.NumericOID, Mod: -1}
	op, err := types.LookupBinaryOp(name, numT, numT)
	if err != nil {
		return notFound, err
	}
	d, err := op.Fn(nil, lseq[0].Num, rseq[0].Num)
	if err != nil {
		if !cx.throw {
			return notFound, errSuppressed
		}
		return notFound, err
	}
	if it.Next == nil && found == nil {
		return ok, nil
	}
	return cx.next(it, numValue(d.(*apd.Decimal)), found)
}

func (cx *execCtx) unaryArith(it *Item, v *jsondoc.Value, found list) (res, error) {
	var seq []*jsondoc.Value
	if _, err := cx.optUnwrapResult(it.Left, v, true, &seq); err != nil {
		return notFound, err
	}
	r := notFound
	for _, e := range seq {
		if e.Kind != jsondoc.Number {
			if found == nil && it.Next == nil {
				continue
			}
			return notFound, cx.fail("2203B", "operand of unary jsonpath operator %s is not a numeric value", opNames[it.Kind])
		}
		if found == nil && it.Next == nil {
			return ok, nil
		}
		if it.Kind == kMinus {
			d := new(apd.Decimal).Neg(e.Num)
			if d.IsZero() {
				d.Negative = false
			}
			e = numValue(d)
		}
		r2, err := cx.next(it, e, found)
		if err != nil {
			return notFound, err
		}
		if r2 == ok {
			if found == nil {
				return ok, nil
			}
			r = ok
		}
	}
	return r, nil
}
