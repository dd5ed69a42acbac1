package main

import (
	"slices"
	"testing"
)

func TestSplitScript(t *testing.T) {
	src := `-- a comment; not a statement
SELECT 'a;b', E'it\'s;', "x;y" FROM t;
CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
DO $body$ BEGIN PERFORM 1; END $body$;
SELECT /* outer /* inner; */ still; */ 1;
SELECT (SELECT 1; 2);
SELECT 1::int, $1, arr[1:2];
\set filename :dir '/data/x.data'
COPY t FROM :'filename';
SELECT :v, :'v', :"v", :undefined;
\set v 'it''s'
SELECT :'v';
\d t
COPY t FROM stdin;
1	a;b
2	\N
\.
COPY t (nope) FROM stdin;
SELECT 'after';
SELECT 'gexec'
\gexec
SELECT 'last'`
	steps := splitScript(src, map[string]string{"DIR": "/src"})
	var got []string
	for _, s := range steps {
		switch {
		case s.Skipped != "":
			got = append(got, "skip "+s.Skipped)
		case s.HasCopyData:
			got = append(got, s.SQL+" <"+string(s.CopyData)+">")
		case s.Gexec:
			got = append(got, "gexec "+s.SQL)
		default:
			got = append(got, s.SQL)
		}
	}
	want := []string{
		`SELECT 'a;b', E'it\'s;', "x;y" FROM t`,
		`CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql`,
		`DO $body$ BEGIN PERFORM 1; END $body$`,
		`SELECT   1`,
		`SELECT (SELECT 1; 2)`,
		`SELECT 1::int, $1, arr[1:2]`,
		`skip \set`,
		`COPY t FROM ':dir/data/x.data'`, // an unknown :dir stays as written, as in psql
		`SELECT :v, :'v', :"v", :undefined`,
		`skip \set`,
		`SELECT 'it''s'`,
		`skip \d`,
		"COPY t FROM stdin <1\ta;b\n2\t\\N\n>",
		`COPY t (nope) FROM stdin`,
		`SELECT 'after'`,
		`gexec SELECT 'gexec'`,
		`SELECT 'last'`,
	}
	if !slices.Equal(got, want) {
		for i := range max(len(got), len(want)) {
			var g, w string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("step %d:\n got %q\nwant %q", i, g, w)
			}
		}
	}
}

func TestSplitScriptVariables(t *testing.T) {
	src := "\\getenv dir DIR\n\\set filename :dir '/data/x.data'\nCOPY t FROM :'filename';\n"
	steps := splitScript(src, map[string]string{"DIR": "/src"})
	if len(steps) != 3 || steps[2].SQL != "COPY t FROM '/src/data/x.data'" {
		t.Fatalf("got %+v", steps)
	}
	if steps[2].Line != 3 {
		t.Errorf("line %d, want 3", steps[2].Line)
	}
}
