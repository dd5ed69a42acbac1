package jsonpath_test

import (
	"strings"
	"testing"

	_ "logdb/sql/builtins" // the numeric operators and the regex compiler
	"logdb/sql/builtins/jsonpath"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// The expected texts below are PostgreSQL 15's output for the same input.
func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`$.a[*] ? (@.b > 1)`, `$."a"[*]?(@."b" > 1)`},
		{`1 + 2 * 3`, `(1 + 2 * 3)`},
		{`(1+2)*3`, `((1 + 2) * 3)`},
		{`-$.a`, `(-$."a")`},
		{`- - 1`, `1`},
		{`-(1+2)`, `(-(1 + 2))`},
		{`STRICT $.a`, `strict $."a"`},
		{`lax $`, `$`},
		{`$.**{1 to last}`, `$.**{1 to last}`},
		{`$.**{last}`, `$.**{last}`},
		{`$[1, 2 to 3, last]`, `$[1,2 to 3,last]`},
		{`$.a.Type()`, `$."a".type()`},
		{`$ ? (@.a like_regex "^x" flag "xi")`, `$?(@."a" like_regex "^x" flag "ix")`},
		{`$ ? ((@ > 1) is unknown)`, `$?((@ > 1) is unknown)`},
		{`$ ? (@.a > 1 && (@.b < 2 || @.c == 3))`, `$?(@."a" > 1 && (@."b" < 2 || @."c" == 3))`},
		{`$var`, `$"var"`},
		{`1.50`, `1.50`},
		{`1e3`, `1000`},
		{`.5`, `0.5`},
		{`(1).a`, `(1)."a"`},
		{`$.a <> 1`, `($."a" != 1)`},
		{`$."\u0041\t"`, `$."A\t"`},
		{`$.\u0041`, `$."A"`},
		{`$ /* comment */ .a`, `$."a"`},
		{`$.last`, `$."last"`},
	} {
		got, err := jsonpath.Normalize(c.in)
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, code, msg string }{
		{``, "22P02", `invalid input syntax for type jsonpath: ""`},
		{`@.a`, "42601", "@ is not allowed in root expressions"},
		{`last`, "42601", "LAST is allowed only in array subscripts"},
		{`$.a ? (@ > 1`, "42601", "syntax error at end of jsonpath input"},
		{`$ == 1 == 2`, "42601", `syntax error at or near "==" of jsonpath input`},
		{`1.a`, "42601", `trailing junk after numeric literal at or near "1.a" of jsonpath input`},
		{`$.a.1`, "42601", `syntax error at or near ".1" of jsonpath input`},
		{`$ ? (@ like_regex "(")`, "2201B", "invalid regular expression: parentheses () not balanced"},
		{`$ ? (@ like_regex "a" flag "z")`, "42601", "invalid input syntax for type jsonpath"},
		{`$ ? (1)`, "42601", `syntax error at or near ")" of jsonpath input`},
		// && and || take predicates, arithmetic takes none (PostgreSQL 15's messages)
		{`$ && $`, "42601", `syntax error at or near "&&" of jsonpath input`},
		{`$ > 1 || 2`, "42601", "syntax error at end of jsonpath input"},
		{`($ > 1) + 1`, "42601", `syntax error at or near "+" of jsonpath input`},
		{`1 + ($ > 1)`, "42601", "syntax error at end of jsonpath input"},
		{`1 * ($ > 1)`, "42601", "syntax error at end of jsonpath input"},
		{strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000), "54001", "stack depth limit exceeded"},
		{strings.Repeat("-", 5000) + "$", "54001", "stack depth limit exceeded"},
		{"$" + strings.Repeat("[$", 5000), "54001", "stack depth limit exceeded"},
	} {
		_, err := jsonpath.Parse(c.in)
		if pgerror.Code(err) != c.code || err == nil || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%.40s: got %v (%s); want %s %s", c.in, err, pgerror.Code(err), c.code, c.msg)
		}
	}
}

func query(t *testing.T, doc, path string, silent bool) (string, error) {
	t.Helper()
	j, err := types.ParseJSONB(doc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := jsonpath.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := jsonpath.Query(p, types.JSONDocument(j), jsonpath.Options{Silent: silent})
	var out []string
	for _, v := range vals {
		out = append(out, string(v.AppendJSONB(nil)))
	}
	return strings.Join(out, " "), err
}

// Expected results from PostgreSQL 15.
func TestQuery(t *testing.T) {
	doc := `{"a":[1,2,3,{"b":5}],"c":{"d":"x"}}`
	for _, c := range []struct{ doc, path, want string }{
		{doc, `$.a[*]`, `1 2 3 {"b": 5}`},
		{doc, `$.a.b`, `5`},
		{doc, `$.**{2 to last}`, `1 2 3 {"b": 5} 5 "x"`},
		{doc, `lax $.**.b`, `5 5`},
		{doc, `strict $.**.b`, `5`},
		{`[1,2,3,4,5]`, `$[1 to 3, last, 0]`, `2 3 4 5 1`},
		{`[1,2,3,4,5]`, `$[1.7]`, `2`},
		{`[1,2,3,4,5]`, `lax $[3 to 10]`, `4 5`},
		{`{"a":1}`, `$[0]`, `{"a": 1}`},
		{`[{"a":1,"b":"x"},{"a":3,"b":"y"},{"a":null}]`, `$[*] ? (@.a > 1).b`, `"y"`},
		{`[{"a":1,"b":"x"},{"a":3,"b":"y"},{"a":null}]`, `$ ? (@.a != 1)`, `{"a": 3, "b": "y"} {"a": null}`},
		{`[1,"a",null,true,[1],{"x":1}]`, `$[*].type()`, `"number" "string" "null" "boolean" "array" "object"`},
		{`[-1.5, 2.5, 0.0, -0.2]`, `$[*].ceiling()`, `-1 3 0 0`},
		{`{"a":7,"b":2}`, `$.a / $.b`, `3.5000000000000000`},
		{`[1,"x",3]`, `$[*] ? ((@ > 1) is unknown)`, `"x"`},
		{`[{"a":[1,2]},{"a":[3]}]`, `strict $[*] ? (@.a[*] > 2)`, `{"a": [3]}`},
		{`{"a":{"b":1,"c":2}}`, `$.a.keyvalue()`, `{"id": 16, "key": "b", "value": 1} {"id": 16, "key": "c", "value": 2}`},
		{`[1,2]`, `$[*] > 1`, `true`},
		{`{"a":1}`, `$.a > "x"`, `null`},
	} {
		got, err := query(t, c.doc, c.path, false)
		if err != nil || got != c.want {
			t.Errorf("%s on %s: got %s, %v; want %s", c.path, c.doc, got, err, c.want)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	for _, c := range []struct{ doc, path, code, msg string }{
		{`{"a":1}`, `strict $.b`, "2203A", `JSON object does not contain key "b"`},
		{`[1,2,3]`, `$[*] / 0`, "22038", "left operand of jsonpath operator / is not a single numeric value"},
		{`{"a":1}`, `$.a / 0`, "22012", "division by zero"},
		{`[1]`, `strict $[5]`, "22033", "jsonpath array subscript is out of bounds"},
		{`1`, `strict $[*]`, "22039", "jsonpath wildcard array accessor can only be applied to an array"},
		{`{"a":"x"}`, `-$.a`, "2203B", "operand of unary jsonpath operator - is not a numeric value"},
		{`1`, `$x`, "42704", `could not find jsonpath variable "x"`},
		{`"x"`, `$ ? (@ like_regex "a" flag "x")`, "0A000", `XQuery "x" flag (expanded regular expressions) is not implemented`},
	} {
		_, err := query(t, c.doc, c.path, false)
		if pgerror.Code(err) != c.code || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%s on %s: got %v; want %s %s", c.path, c.doc, err, c.code, c.msg)
		}
	}
	// silent swallows the data exceptions, keeping what was found before
	if got, err := query(t, `[{"a":1},{}]`, `strict $[*].a`, true); err != nil || got != "1" {
		t.Errorf("silent: got %q, %v", got, err)
	}
	// ... but not a missing variable
	if _, err := query(t, `1`, `$x`, true); pgerror.Code(err) != "42704" {
		t.Errorf("silent missing variable: %v", err)
	}
}

// TestBounds: a path whose evaluation would not end fails with 54000.
func TestBounds(t *testing.T) {
	doc := strings.Repeat("[1, ", 60) + "1" + strings.Repeat("]", 60)
	_, err := query(t, doc, "$"+strings.Repeat(".**", 8), false)
	if pgerror.Code(err) != pgerror.ProgramLimitExceeded {
		t.Fatalf("got %v; want 54000", err)
	}
	long := "$" + strings.Repeat(".a", 20000)
	p, err := jsonpath.Parse(long)
	if err != nil {
		t.Fatal(err)
	}
	v := types.JSONDocument(types.JSONB(strings.Repeat(`{"a": `, 100) + "1" + strings.Repeat("}", 100)))
	if _, err := jsonpath.Query(p, v, jsonpath.Options{}); err != nil {
		t.Fatalf("a long chain over a shallow document: %v", err)
	}
}
