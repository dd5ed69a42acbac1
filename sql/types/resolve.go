package types

import (
	"strings"
	"sync"

	"logdb/sql/pgerror"
)

// AnyNonArrayOID is PostgreSQL's anynonarray pseudo-type: any type but an array.
const AnyNonArrayOID OID = 2776

// The anycompatible family (PostgreSQL 13+): like anyelement and anyarray,
// except that the arguments need not have one type: they are cast to
// their common type, as CASE and UNION choose it (array_append(int[],
// bigint) is bigint[]).
const (
	AnyCompatibleOID         OID = 5077
	AnyCompatibleArrayOID    OID = 5078
	AnyCompatibleNonArrayOID OID = 5079
)

// isCompatible reports whether oid is of the anycompatible family.
func isCompatible(oid OID) bool {
	return oid == AnyCompatibleOID || oid == AnyCompatibleArrayOID || oid == AnyCompatibleNonArrayOID
}

var registry = struct {
	sync.RWMutex
	funcs  map[string][]*Func
	binary map[string][]*Op
	unary  map[string][]*Op
}{funcs: map[string][]*Func{}, binary: map[string][]*Op{}, unary: map[string][]*Op{}}

// RegisterFunc adds an overload of a scalar function. Packages call it from
// init; it is safe to call concurrently with lookups.
func RegisterFunc(f *Func) {
	registry.Lock()
	defer registry.Unlock()
	name := strings.ToLower(f.Name)
	registry.funcs[name] = append(registry.funcs[name], f)
}

// RegisterBinaryOp adds a binary operator overload.
func RegisterBinaryOp(o *Op) {
	registry.Lock()
	defer registry.Unlock()
	registry.binary[o.Name] = append(registry.binary[o.Name], o)
}

// RegisterUnaryOp adds a prefix operator overload (Left.OID == 0).
func RegisterUnaryOp(o *Op) {
	registry.Lock()
	defer registry.Unlock()
	registry.unary[o.Name] = append(registry.unary[o.Name], o)
}

// FuncNames returns the registered function names (for pg_proc).
func FuncNames() []string {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]string, 0, len(registry.funcs))
	for n := range registry.funcs {
		out = append(out, n)
	}
	return out
}

// Overloads returns the registered overloads of name (for pg_proc).
func Overloads(name string) []*Func {
	registry.RLock()
	defer registry.RUnlock()
	return append([]*Func(nil), registry.funcs[strings.ToLower(name)]...)
}

func isPolymorphic(oid OID) bool {
	return oid == AnyElementOID || oid == AnyArrayOID || oid == AnyNonArrayOID || oid == AnyEnumOID || isCompatible(oid)
}

func isPseudoAny(oid OID) bool { return oid == AnyOID || isPolymorphic(oid) }

// isAnyArrayArg reports whether a value of type oid may stand for
// anyarray: an array, or int2vector and oidvector, which PostgreSQL
// subscripts as arrays (array_length(indkey, 1)).
func isAnyArrayArg(oid OID) bool {
	return IsArray(oid) || oid == Int2VectorOID || oid == OidVectorOID
}

// canImplicit reports whether a value of type from is accepted where param is expected.
func canImplicit(from, param OID) bool {
	switch param {
	case AnyOID:
		return true
	case AnyElementOID:
		return true
	case AnyArrayOID:
		return from == UnknownOID || isAnyArrayArg(from)
	case AnyNonArrayOID, AnyCompatibleNonArrayOID:
		return !IsArray(from)
	case AnyCompatibleOID:
		return true
	case AnyCompatibleArrayOID:
		return from == UnknownOID || isAnyArrayArg(from)
	case AnyEnumOID:
		return from == UnknownOID || IsEnum(from)
	}
	if from == param || from == UnknownOID {
		return true
	}
	cc, ok := CastContextOf(from, param)
	return ok && cc == CastImplicit
}

func category(oid OID) byte {
	if i, ok := lookupType(oid); ok {
		return i.Category
	}
	return 'X'
}

func isPreferred(oid OID) bool {
	switch oid {
	case Float8OID, TextOID, TimestamptzOID, IntervalOID, BoolOID, OidOID:
		return true
	}
	return false
}

// chooseCandidate is PostgreSQL's func_select_candidate over parameter lists
// already expanded to len(args). It returns the index of the winner, or -1
// with ambiguous set when several remain.
func chooseCandidate(args []OID, cands [][]OID) (best int, ambiguous bool) {
	// 1. exact match
	for i, c := range cands {
		exact := true
		for k, a := range args {
			if a != c[k] {
				exact = false
				break
			}
		}
		if exact {
			return i, false
		}
	}
	// 2. implicitly coercible
	var live []int
	for i, c := range cands {
		ok := true
		for k, a := range args {
			if !canImplicit(a, c[k]) {
				ok = false
				break
			}
		}
		if ok && polyConsistent(args, c) {
			live = append(live, i)
		}
	}
	if len(live) <= 1 {
		if len(live) == 1 {
			return live[0], false
		}
		return -1, false
	}
	// 3. most exact matches (pseudo-types count as exact for their argument)
	live = keepMax(live, func(i int) int {
		n := 0
		for k, a := range args {
			if a != UnknownOID && (cands[i][k] == a) {
				n++
			}
		}
		return n
	})
	if len(live) == 1 {
		return live[0], false
	}
	// 4. most preferred types where a conversion is needed
	live = keepMax(live, func(i int) int {
		n := 0
		for k, a := range args {
			if a != UnknownOID && cands[i][k] != a && isPreferred(cands[i][k]) {
				n++
			}
		}
		return n
	})
	if len(live) == 1 {
		return live[0], false
	}
	// 5. unknown arguments: prefer the string category, then preferred types
	hasUnknown := false
	for k, a := range args {
		if a != UnknownOID {
			continue
		}
		hasUnknown = true
		cat := byte(0)
		conflict := false
		for _, i := range live {
			p := cands[i][k]
			if isPseudoAny(p) {
				continue
			}
			c := category(p)
			if c == 'S' {
				cat = 'S'
				break
			}
			if cat == 0 {
				cat = c
			} else if cat != c {
				conflict = true
			}
		}
		if cat != 'S' && conflict {
			continue
		}
		if cat == 0 {
			continue
		}
		var next []int
		for _, i := range live {
			if p := cands[i][k]; !isPseudoAny(p) && category(p) == cat {
				next = append(next, i)
			}
		}
		if len(next) > 0 {
			live = next
		}
		var pref []int
		for _, i := range live {
			if isPreferred(cands[i][k]) {
				pref = append(pref, i)
			}
		}
		if len(pref) > 0 {
			live = pref
		}
	}
	if len(live) == 1 {
		return live[0], false
	}
	// 6. unknowns take the type of the known arguments when those all agree
	if hasUnknown {
		var known OID
		same := true
		for _, a := range args {
			if a == UnknownOID {
				continue
			}
			if known == 0 {
				known = a
			} else if known != a {
				same = false
			}
		}
		if same && known != 0 {
			var next []int
			for _, i := range live {
				ok := true
				for k, a := range args {
					if a == UnknownOID && !canImplicit(known, cands[i][k]) {
						ok = false
					}
				}
				if ok {
					next = append(next, i)
				}
			}
			if len(next) == 1 {
				return next[0], false
			}
		}
	}
	// prefer non-pseudo candidates over "any" ones
	var concrete []int
	for _, i := range live {
		pseudo := false
		for k := range args {
			if isPseudoAny(cands[i][k]) {
				pseudo = true
			}
		}
		if !pseudo {
			concrete = append(concrete, i)
		}
	}
	if len(concrete) == 1 {
		return concrete[0], false
	}
	return -1, true
}

func keepMax(live []int, score func(int) int) []int {
	bestScore := -1
	var out []int
	for _, i := range live {
		s := score(i)
		if s > bestScore {
			bestScore, out = s, []int{i}
		} else if s == bestScore {
			out = append(out, i)
		}
	}
	return out
}

func expandArgs(params []T, variadic bool, n int) ([]OID, bool) {
	if variadic {
		if n < len(params)-1 {
			return nil, false
		}
	} else if n != len(params) {
		return nil, false
	}
	out := make([]OID, n)
	for i := range out {
		if i < len(params) {
			out[i] = params[i].OID
		} else {
			out[i] = params[len(params)-1].OID
		}
	}
	return out, true
}

func typeListString(args []T) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(FormatTypeName(a.OID))
	}
	return b.String()
}

// resolvePolymorphic binds anyelement/anyarray/any parameters to the actual
// argument types; unknown arguments become text (or the bound element type).
// recordMod keeps the typmod of a record type (it names the fields), and
// drops every other.
func recordMod(t T) int32 {
	if t.OID == RecordOID {
		return t.Mod
	}
	return -1
}

// compatibleElem is the common element type of the arguments bound to
// anycompatible parameters (text when all are unknown), and whether any
// parameter is of that family.
func compatibleElem(params []OID, args []T) (T, bool, error) {
	var elems []T
	any := false
	for k, p := range params {
		a := args[k]
		switch p {
		case AnyCompatibleOID, AnyCompatibleNonArrayOID:
			any = true
			elems = append(elems, T{OID: a.OID, Mod: recordMod(a)})
		case AnyCompatibleArrayOID:
			any = true
			if a.OID == UnknownOID {
				continue
			}
			if e, ok := ElemOf(a); ok {
				elems = append(elems, T{OID: e.OID, Mod: recordMod(e)})
			}
		}
	}
	if !any {
		return T{}, false, nil
	}
	t, err := CommonType(elems)
	return t, true, err
}

func resolvePolymorphic(params []OID, args []T) ([]T, error) {
	compat, _, err := compatibleElem(params, args)
	if err != nil {
		return nil, err
	}
	var elem T
	haveElem := false
	for k, p := range params {
		a := args[k]
		if a.OID == UnknownOID {
			continue
		}
		switch p {
		case AnyElementOID, AnyNonArrayOID, AnyEnumOID:
			if !haveElem {
				elem, haveElem = T{OID: a.OID, Mod: recordMod(a)}, true
			}
		case AnyArrayOID:
			if e, ok := ElemOf(a); ok && !haveElem {
				elem, haveElem = T{OID: e.OID, Mod: recordMod(e)}, true
			}
		}
	}
	out := make([]T, len(params))
	for k, p := range params {
		a := args[k]
		switch p {
		case AnyCompatibleOID, AnyCompatibleNonArrayOID:
			out[k] = compat
		case AnyCompatibleArrayOID:
			at, ok := ArrayOf(compat)
			if !ok {
				return nil, pgerror.New(pgerror.UndefinedObject, "could not find array type for data type %s", FormatType(compat))
			}
			out[k] = at
		case AnyOID:
			if a.OID == UnknownOID {
				a = T{OID: TextOID, Mod: -1}
			}
			out[k] = a
		case AnyElementOID, AnyNonArrayOID, AnyEnumOID:
			if haveElem {
				out[k] = elem
			} else {
				out[k] = T{OID: TextOID, Mod: -1}
			}
		case AnyArrayOID:
			if haveElem {
				at, ok := ArrayOf(elem)
				if !ok {
					return nil, pgerror.New(pgerror.UndefinedObject, "could not find array type for data type %s", FormatType(elem))
				}
				out[k] = at
			} else {
				out[k] = T{OID: TextArrayOID, Mod: -1}
			}
		default:
			out[k] = T{OID: p, Mod: -1}
		}
	}
	return out, nil
}

// LookupFunc resolves a call of name with arguments of the given types as
// PostgreSQL does: an exact match, else the best candidate reachable by
// implicit casts; unknown-typed literals coerce to anything (text preferred).
// The returned Func's Args are the concrete types the arguments must be
// cast to (one per argument, variadic arguments expanded).
func LookupFunc(name string, args []T) (*Func, error) {
	name = strings.ToLower(name)
	registry.RLock()
	overloads := registry.funcs[name]
	registry.RUnlock()
	var cands [][]OID
	var which []*Func
	argOIDs := make([]OID, len(args))
	for i, a := range args {
		argOIDs[i] = a.OID
	}
	for _, f := range overloads {
		if p, ok := expandArgs(f.Args, f.Variadic, len(args)); ok {
			cands = append(cands, p)
			which = append(which, f)
		}
	}
	best, ambiguous := chooseCandidate(argOIDs, cands)
	if best < 0 {
		if ambiguous {
			return nil, &pgerror.Error{Code: pgerror.AmbiguousFunction,
				Message: "function " + name + "(" + typeListString(args) + ") is not unique",
				Hint:    "Could not choose a best candidate function. You might need to add explicit type casts."}
		}
		return nil, &pgerror.Error{Code: pgerror.UndefinedFunction,
			Message: "function " + name + "(" + typeListString(args) + ") does not exist",
			Hint:    "No function matches the given name and argument types. You might need to add explicit type casts."}
	}
	f := which[best]
	params := cands[best]
	bound, err := resolvePolymorphic(params, args)
	if err != nil {
		return nil, err
	}
	g := *f
	g.Args = bound
	g.Variadic = false
	if f.RetFunc != nil {
		g.Ret = f.RetFunc(bound)
		g.RetFunc = nil
	} else if isPolymorphic(f.Ret.OID) {
		g.Ret = polyRet(f.Ret.OID, params, bound)
	}
	if f.TypedFn != nil {
		tf := f.TypedFn
		g.Fn = func(ctx *EvalContext, a []Datum) (Datum, error) { return tf(ctx, bound, a) }
	}
	return &g, nil
}

func polyRet(ret OID, params []OID, bound []T) T {
	if isCompatible(ret) {
		elem := T{OID: TextOID, Mod: -1}
		for k, p := range params {
			if p == AnyCompatibleOID || p == AnyCompatibleNonArrayOID {
				elem = bound[k]
				break
			}
			if e, ok := ElemOf(bound[k]); ok && p == AnyCompatibleArrayOID {
				elem = T{OID: e.OID, Mod: -1}
				break
			}
		}
		if ret == AnyCompatibleArrayOID {
			a, _ := ArrayOf(elem)
			return a
		}
		return elem
	}
	var elem T
	for k, p := range params {
		switch p {
		case AnyElementOID, AnyNonArrayOID, AnyEnumOID:
			elem = bound[k]
		case AnyArrayOID:
			if e, ok := ElemOf(bound[k]); ok {
				elem = T{OID: e.OID, Mod: -1}
			}
		}
		if elem.OID != 0 {
			break
		}
	}
	if elem.OID == 0 {
		elem = T{OID: TextOID, Mod: -1}
	}
	if ret == AnyArrayOID {
		a, _ := ArrayOf(elem)
		return a
	}
	return elem
}

func normalizeOpName(name string) string {
	switch strings.ToUpper(name) {
	case "!=":
		return "<>"
	case "LIKE":
		return "~~"
	case "NOT LIKE":
		return "!~~"
	case "ILIKE":
		return "~~*"
	case "NOT ILIKE":
		return "!~~*"
	}
	return name
}

// LookupBinaryOp resolves l <name> r. When one side is an unknown literal it
// is first assumed to have the other side's type, as PostgreSQL does.
func LookupBinaryOp(name string, l, r T) (*Op, error) {
	name = normalizeOpName(name)
	registry.RLock()
	overloads := registry.binary[name]
	registry.RUnlock()
	args := []OID{l.OID, r.OID}
	if l.OID == UnknownOID && r.OID != UnknownOID || r.OID == UnknownOID && l.OID != UnknownOID {
		try := []OID{l.OID, r.OID}
		if l.OID == UnknownOID {
			try[0] = r.OID
		} else {
			try[1] = l.OID
		}
		for _, o := range overloads {
			if o.Left.OID == try[0] && o.Right.OID == try[1] {
				return bindOp(o, l, r, []OID{o.Left.OID, o.Right.OID})
			}
		}
	}
	cands := make([][]OID, len(overloads))
	for i, o := range overloads {
		cands[i] = []OID{o.Left.OID, o.Right.OID}
	}
	best, ambiguous := chooseCandidate(args, cands)
	if best < 0 {
		if ambiguous {
			return nil, &pgerror.Error{Code: pgerror.AmbiguousFunction,
				Message: "operator is not unique: " + FormatTypeName(l.OID) + " " + name + " " + FormatTypeName(r.OID),
				Hint:    "Could not choose a best candidate operator. You might need to add explicit type casts."}
		}
		return nil, &pgerror.Error{Code: pgerror.UndefinedFunction,
			Message: "operator does not exist: " + FormatTypeName(l.OID) + " " + name + " " + FormatTypeName(r.OID),
			Hint:    "No operator matches the given name and argument types. You might need to add explicit type casts."}
	}
	return bindOp(overloads[best], l, r, cands[best])
}

func bindOp(o *Op, l, r T, params []OID) (*Op, error) {
	bound, err := resolvePolymorphic(params, []T{l, r})
	if err != nil {
		return nil, err
	}
	p := *o
	p.Left, p.Right = bound[0], bound[1]
	if isPolymorphic(o.Ret.OID) {
		p.Ret = polyRet(o.Ret.OID, params, bound)
	}
	if o.TypedFn != nil {
		tf, lt, rt := o.TypedFn, bound[0], bound[1]
		p.Fn = func(ctx *EvalContext, a, b Datum) (Datum, error) { return tf(ctx, lt, rt, a, b) }
	}
	return &p, nil
}

// LookupUnaryOp resolves a prefix operator: "-", "+", "~", "@".
func LookupUnaryOp(name string, t T) (*Op, error) {
	registry.RLock()
	overloads := registry.unary[name]
	registry.RUnlock()
	cands := make([][]OID, len(overloads))
	for i, o := range overloads {
		cands[i] = []OID{o.Right.OID}
	}
	best, ambiguous := chooseCandidate([]OID{t.OID}, cands)
	if best < 0 {
		if ambiguous {
			return nil, &pgerror.Error{Code: pgerror.AmbiguousFunction,
				Message: "operator is not unique: " + name + " " + FormatTypeName(t.OID),
				Hint:    "Could not choose a best candidate operator. You might need to add explicit type casts."}
		}
		return nil, &pgerror.Error{Code: pgerror.UndefinedFunction,
			Message: "operator does not exist: " + name + " " + FormatTypeName(t.OID),
			Hint:    "No operator matches the given name and argument type. You might need to add an explicit type cast."}
	}
	p := *overloads[best]
	if p.Right.OID == AnyOID || isPolymorphic(p.Right.OID) {
		p.Right = t
	}
	return &p, nil
}

// CommonType resolves the type of UNION, CASE, COALESCE, VALUES, IN and
// ARRAY[] inputs as PostgreSQL's select_common_type does. Errors name no
// construct; use CommonTypeFor to have "CASE types … cannot be matched".
func CommonType(ts []T) (T, error) { return CommonTypeFor("", ts) }

// CommonTypeFor is CommonType with the construct named in errors
// ("UNION", "CASE", "COALESCE", "VALUES", "ARRAY").
func CommonTypeFor(construct string, ts []T) (T, error) {
	var p T
	found := false
	for _, t := range ts {
		if t.OID == UnknownOID || t.OID == 0 {
			continue
		}
		if !found {
			p, found = t, true
			continue
		}
		if t.OID == p.OID {
			if t.Mod != p.Mod {
				p.Mod = -1
			}
			continue
		}
		pc, nc := category(p.OID), category(t.OID)
		if pc != nc {
			return T{}, errCannotMatch(construct, p, t)
		}
		if !isPreferred(p.OID) && canImplicit(p.OID, t.OID) && !canImplicit(t.OID, p.OID) {
			p = T{OID: t.OID, Mod: -1}
		}
	}
	if !found {
		return T{OID: TextOID, Mod: -1}, nil
	}
	// every input must reach the chosen type implicitly
	for _, t := range ts {
		if t.OID == UnknownOID || t.OID == 0 || t.OID == p.OID {
			continue
		}
		if !canImplicit(t.OID, p.OID) {
			return T{}, errCannotMatch(construct, p, t)
		}
		p.Mod = -1
	}
	return p, nil
}

func errCannotMatch(construct string, a, b T) error {
	msg := "types " + FormatTypeName(a.OID) + " and " + FormatTypeName(b.OID) + " cannot be matched"
	if construct != "" {
		msg = construct + " " + msg
	}
	return pgerror.New(pgerror.DatatypeMismatch, "%s", msg)
}

// polyConsistent checks that anyelement and anyarray parameters bind to one
// element type for the known arguments.
func polyConsistent(args, params []OID) bool {
	ts := make([]T, len(args))
	for k, a := range args {
		ts[k] = T{OID: a, Mod: -1}
	}
	if _, _, err := compatibleElem(params, ts); err != nil {
		return false
	}
	var elem OID
	for k, p := range params {
		a := args[k]
		if a == UnknownOID {
			continue
		}
		var e OID
		switch p {
		case AnyElementOID, AnyNonArrayOID, AnyEnumOID:
			e = a
		case AnyArrayOID:
			et, ok := ElemOf(T{OID: a})
			if !ok {
				return false
			}
			e = et.OID
		default:
			continue
		}
		if elem == 0 {
			elem = e
		} else if elem != e {
			return false
		}
	}
	return true
}
