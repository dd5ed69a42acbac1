package pgcatalog

import "testing"

func TestPolicyExprText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"owner = current_user", "(owner = CURRENT_USER)"},
		{"true", "true"},
		{"(a > 1)", "(a > 1)"},
		{"t.n > 900", "(n > 900)"},
		{"abt.n > 1 AND t.m = 'current_user t.x'", "(abt.n > 1 AND m = 'current_user t.x')"},
		{"current_user_id = 1", "(current_user_id = 1)"},
		{"id IN (SELECT t.id FROM o)", "(id IN (SELECT t.id FROM o))"},
		{"x.current_user = 1", "(x.current_user = 1)"},
	} {
		if got := policyExpr(c.in, "t"); got != c.want {
			t.Errorf("policyExpr(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := policyExpr("", "t"); got != nil {
		t.Errorf("policyExpr of none = %v, want nil", got)
	}
}

func TestPrintTypeNames(t *testing.T) {
	s := &Schema{Types: []UserType{{OID: 20000, Name: "mood", Schema: "s", Kind: 'e'}, {OID: 20001, Name: "pair", Schema: "hidden", Kind: 'c'}}}
	s.SearchPath = []string{"s", "public"}
	for _, c := range []struct{ in, want string }{
		{"m <> 'sad'::s.mood", "m <> 'sad'::mood"},
		{"'x::s.mood'::text", "'x::s.mood'::text"},
		{"ROW(1, 2)::hidden.pair", "ROW(1, 2)::hidden.pair"},
		{"ARRAY['ok'::s.mood]", "ARRAY['ok'::mood]"},
		{"a::s.other", "a::s.other"},
	} {
		if got := s.printTypeNames(c.in); got != c.want {
			t.Errorf("printTypeNames(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
