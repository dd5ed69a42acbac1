package main

import "testing"

func TestCompare(t *testing.T) {
	rows := func(r ...string) outcome { return outcome{Tag: "SELECT;", Rows: r} }
	for _, c := range []struct {
		name     string
		pg, ldb  outcome
		cause    string
		logdbErr bool
	}{
		{"same rows", rows("1", "2"), rows("1", "2"), "", false},
		{"same error", outcome{Err: "22012"}, outcome{Err: "22012", Msg: "division by zero"}, "", false},
		{"other order", rows("1", "2"), rows("2", "1"), "same rows, another order", false},
		{"more rows", rows("1"), rows("1", "1"), "different number of rows", false},
		{"other value", rows("1"), rows("2"), "different values", false},
		{"tag", outcome{Tag: "RESET;"}, outcome{Tag: "SET;"}, "different command tag", false},
		{"logdb refuses", rows("1"), outcome{Err: "42P01", Msg: `relation "t" does not exist`},
			`logdb error 42P01 relation "…" does not exist`, true},
		{"missing type keeps its name", rows(), outcome{Err: "42704", Msg: `type "point" does not exist`},
			`logdb error 42704 type "point" does not exist`, true},
		{"logdb accepts", outcome{Err: "42601"}, rows(), "logdb ran what PostgreSQL refused with 42601", false},
		{"lost", rows("1"), outcome{Lost: "no answer in 30s"}, "logdb lost: no answer in 30s", true},
	} {
		cause, isErr := compare(c.pg, c.ldb)
		if cause != c.cause || isErr != c.logdbErr {
			t.Errorf("%s: got (%q, %v), want (%q, %v)", c.name, cause, isErr, c.cause, c.logdbErr)
		}
	}
}
