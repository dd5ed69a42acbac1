package plpgsql

import (
	"testing"

	"logdb/sql/pgerror"
)

func mustCompile(t *testing.T, args, body string, nargs int) *Routine {
	t.Helper()
	r, err := Compile("CREATE FUNCTION f("+args+") RETURNS int LANGUAGE plpgsql AS $b$"+body+"$b$", body, nargs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return r
}

func TestCompileDeclarationsBelongToTheirBlock(t *testing.T) {
	r := mustCompile(t, "a int", `
DECLARE x int := 1;
BEGIN
  FOR i IN 1..3 LOOP
    DECLARE y int := i;
    BEGIN
      x := x + y;
    END;
  END LOOP;
  RETURN x;
END`, 1)
	var outer, inner []string
	for b, dnos := range r.decls {
		for _, d := range dnos {
			if b == r.fn.Action {
				outer = append(outer, r.fn.Datums[d].Refname)
			} else {
				inner = append(inner, r.fn.Datums[d].Refname)
			}
		}
	}
	if len(outer) != 1 || outer[0] != "x" || len(inner) != 1 || inner[0] != "y" {
		t.Errorf("outer block declares %v, inner %v; want [x] and [y]", outer, inner)
	}
	if len(r.loopVar) != 1 {
		t.Errorf("loop variables: %v", r.loopVar)
	}
}

func TestCompileBareReturnNextRecord(t *testing.T) {
	// RETURN NEXT r of a record variable: the dump drops retvarno, so the
	// variable is read back from the line
	body := `
DECLARE r record;
BEGIN
  FOR r IN SELECT 1 AS a LOOP
    RETURN NEXT r;
  END LOOP;
END`
	r, err := Compile("CREATE FUNCTION f() RETURNS SETOF record LANGUAGE plpgsql AS $b$"+body+"$b$", body, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for s, name := range r.retVar {
		if s.Kind == "return_next" && name == "r" {
			found = true
		}
	}
	if !found {
		t.Errorf("RETURN NEXT r: variable not recovered (%v)", r.retVar)
	}
}

func TestCompileErrorsCarrySQLSTATE(t *testing.T) {
	for body, code := range map[string]string{
		"BEGIN RETURN 1 END": pgerror.SyntaxError,
		"BEGIN RETURN 1; EXCEPTION WHEN no_such_thing THEN RETURN 2; END": pgerror.UndefinedObject,
		"DECLARE c CONSTANT int := 1; BEGIN c := 2; RETURN c; END":        "22005",
	} {
		_, err := Compile("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $b$"+body+"$b$", body, 0)
		if pgerror.Code(err) != code {
			t.Errorf("%s: got %v (%s), want %s", body, err, pgerror.Code(err), code)
		}
	}
}

func TestConditionMatching(t *testing.T) {
	cases := []struct {
		cond, code string
		want       bool
	}{
		{"division_by_zero", "22012", true},
		{"data_exception", "22012", true}, // a class catches its members
		{"data_exception", "23505", false},
		{"others", "23505", true},
		{"others", pgerror.QueryCanceled, false}, // OTHERS never catches a cancel
		{"others", pgerror.AssertFailure, false},
		{"P0099", "P0099", true}, // SQLSTATE 'P0099'
		{"unique_violation", "23503", false},
	}
	for _, c := range cases {
		if got := matches(c.cond, c.code); got != c.want {
			t.Errorf("matches(%q, %q) = %v, want %v", c.cond, c.code, got, c.want)
		}
	}
}

func TestAssignedExpr(t *testing.T) {
	for in, want := range map[string]string{
		"x := x + 1":      "x + 1",
		"x = 2":           "2",
		`"a:=b" := 'q'`:   "'q'",
		"r.f := a >= b":   "a >= b",
		"total := a <> b": "a <> b",
	} {
		if got := assignedExpr(in); got != want {
			t.Errorf("assignedExpr(%q) = %q, want %q", in, got, want)
		}
	}
}
