package builtins

import (
	"regexp"
	"regexp/syntax"
	"sync"

	"logdb/sql/builtins/jsonpath"
	"logdb/sql/pgerror"
	"logdb/sql/types"
	"logdb/sql/types/jsondoc"
)

// compileGoRegex compiles a PostgreSQL regular expression with a Go flag
// group (jsonpath's like_regex chooses its own flags).
func compileGoRegex(pattern, goFlags string) (*regexp.Regexp, error) {
	prefix := ""
	if goFlags != "" {
		prefix = "(?" + goFlags + ")"
	}
	rx, err := regexp.Compile(prefix + translateRegex(pattern))
	if err != nil {
		msg := err.Error()
		if e, ok := err.(*syntax.Error); ok {
			msg = regexErrorText(e.Code)
		}
		return nil, pgerror.New(pgerror.InvalidRegularExpression, "invalid regular expression: %s", msg)
	}
	return rx, nil
}

// pathCache keeps parsed paths by their text: a query calls the functions
// once per row with the same path.
var pathCache = struct {
	sync.Mutex
	m map[string]*jsonpath.Path
}{m: map[string]*jsonpath.Path{}}

func parsedPath(d types.Datum) (*jsonpath.Path, error) {
	s := d.(string)
	pathCache.Lock()
	p, ok := pathCache.m[s]
	pathCache.Unlock()
	if ok {
		return p, nil
	}
	p, err := jsonpath.Parse(s)
	if err != nil {
		return nil, err
	}
	pathCache.Lock()
	if len(pathCache.m) >= 1024 {
		pathCache.m = map[string]*jsonpath.Path{}
	}
	pathCache.m[s] = p
	pathCache.Unlock()
	return p, nil
}

// pathArgs reads (target, path [, vars [, silent]]).
func pathArgs(a []types.Datum) (*jsondoc.Value, *jsonpath.Path, jsonpath.Options, error) {
	var o jsonpath.Options
	p, err := parsedPath(a[1])
	if err != nil {
		return nil, nil, o, err
	}
	if len(a) > 2 {
		o.Vars = types.JSONDocument(a[2])
	}
	if len(a) > 3 {
		o.Silent = a[3].(bool)
	}
	return types.JSONDocument(a[0]), p, o, nil
}

func jsonbOfValues(vals []*jsondoc.Value) types.Datum {
	b := []byte{'['}
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = v.AppendJSONB(b)
	}
	return types.JSONB(append(b, ']'))
}

func registerJSONPathFuncs() {
	types.SetJSONPathInput(jsonpath.Normalize)
	jsonpath.CompileRegex = compileGoRegex
	J, P := types.JSONBOID, types.JSONPathOID
	exists := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		doc, p, o, err := pathArgs(a)
		if err != nil {
			return nil, err
		}
		v, isNull, err := jsonpath.Exists(p, doc, o)
		if err != nil || isNull {
			return nil, err
		}
		return v, nil
	}
	match := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		doc, p, o, err := pathArgs(a)
		if err != nil {
			return nil, err
		}
		v, isNull, err := jsonpath.Match(p, doc, o)
		if err != nil || isNull {
			return nil, err
		}
		return v, nil
	}
	queryArray := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		doc, p, o, err := pathArgs(a)
		if err != nil {
			return nil, err
		}
		found, err := jsonpath.Query(p, doc, o)
		if err != nil {
			return nil, err
		}
		return jsonbOfValues(found), nil
	}
	queryFirst := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		doc, p, o, err := pathArgs(a)
		if err != nil {
			return nil, err
		}
		found, err := jsonpath.Query(p, doc, o)
		if err != nil || len(found) == 0 {
			return nil, err
		}
		return types.JSONB(found[0].AppendJSONB(nil)), nil
	}
	// PostgreSQL declares vars and silent with defaults ('{}', false); the
	// shorter overloads stand for the defaults. The operators @? and @@
	// are the two-argument forms in silent mode.
	for _, f := range []struct {
		name string
		ret  types.OID
		fn   fnBody
	}{
		{"jsonb_path_exists", types.BoolOID, exists},
		{"jsonb_path_match", types.BoolOID, match},
		{"jsonb_path_query_array", J, queryArray},
		{"jsonb_path_query_first", J, queryFirst},
	} {
		def(f.name, f.ret, oids(J, P), f.fn)
		def(f.name, f.ret, oids(J, P, J), f.fn)
		def(f.name, f.ret, oids(J, P, J, types.BoolOID), f.fn)
	}
	silent := func(fn fnBody) func(*types.EvalContext, types.Datum, types.Datum) (types.Datum, error) {
		return func(ctx *types.EvalContext, l, r types.Datum) (types.Datum, error) {
			return fn(ctx, []types.Datum{l, r, nil, true})
		}
	}
	binop("@?", J, P, types.BoolOID, silent(exists))
	binop("@@", J, P, types.BoolOID, silent(match))
}
