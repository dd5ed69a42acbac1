package builtins

import "testing"

// Expected values and errors from PostgreSQL 15.18. regexp_matches is
// called here as the scalar that sql/plan's set-returning function reads:
// its rows as an array of text[] values (printed as an array of their
// texts).
var setFuncCases = []struct {
	name    string
	args    []arg
	want    string
	wantErr string
}{
	{"jsonb_insert", []arg{a("jsonb", `{"a": [0,1,2]}`), a("text[]", "{a,1}"), a("jsonb", `"new"`)}, `{"a": [0, "new", 1, 2]}`, ""},
	{"jsonb_insert", []arg{a("jsonb", `{"a": [0,1,2]}`), a("text[]", "{a,1}"), a("jsonb", `"new"`), a("bool", "true")}, `{"a": [0, 1, "new", 2]}`, ""},
	{"jsonb_insert", []arg{a("jsonb", `{"a": {"b": 1}}`), a("text[]", "{a,c}"), a("jsonb", `2`)}, `{"a": {"b": 1, "c": 2}}`, ""},
	{"jsonb_insert", []arg{a("jsonb", `[1,2]`), a("text[]", "{-10}"), a("jsonb", `9`)}, `[9, 1, 2]`, ""},
	{"jsonb_insert", []arg{a("jsonb", `[1,2]`), a("text[]", "{10}"), a("jsonb", `9`)}, `[1, 2, 9]`, ""},
	{"jsonb_insert", []arg{a("jsonb", `{"a": {"b": 1}}`), a("text[]", "{a,b}"), a("jsonb", `2`)}, "", "22023 cannot replace existing key"},
	{"jsonb_insert", []arg{a("jsonb", `1`), a("text[]", "{0}"), a("jsonb", `2`)}, "", "22023 cannot set path in scalar"},
	{"jsonb_insert", []arg{a("jsonb", `[1]`), a("text[]", "{x}"), a("jsonb", `2`)}, "", `22P02 path element at position 1 is not an integer: "x"`},
	{"jsonb_insert", []arg{a("jsonb", `{"a":[1]}`), a("text[]", "{a,NULL}"), a("jsonb", `2`)}, "", "22004 path element at position 2 is null"},
	{"regexp_matches", []arg{a("text", "foobarbequebazilbarfbonk"), a("text", "(b[^b]+)(b[^b]+)"), a("text", "g")}, `{"{bar,beque}","{bazil,barf}"}`, ""},
	{"regexp_matches", []arg{a("text", "abc"), a("text", "(a)|(z)")}, `{"{a,NULL}"}`, ""},
	{"regexp_matches", []arg{a("text", "abc"), a("text", "x")}, "{}", ""},
	{"regexp_matches", []arg{a("text", "abc"), a("text", "b"), a("text", "z")}, "", `22023 invalid regular expression option: "z"`},
}

func TestSetFuncSupportMatchesPostgres(t *testing.T) {
	ctx := testCtx()
	for _, c := range setFuncCases {
		got, err := callFunc(t, ctx, c.name, c.args...)
		if c.wantErr != "" {
			if errString(err) != c.wantErr {
				t.Errorf("%s %v: got (%q, %v), want error %q", c.name, c.args, got, errString(err), c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %v: got %q, %v; want %q", c.name, c.args, got, errString(err), c.want)
		}
	}
}
