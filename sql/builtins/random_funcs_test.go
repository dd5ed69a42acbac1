package builtins

import (
	"os"
	"strings"
	"testing"

	"logdb/sql/pgerror"
)

// TestRandomFuncsAgainstPostgres replays randomly generated calls of numeric,
// to_char and date/time functions with the results PostgreSQL 15.18 computed
// (testdata/pg15_random_funcs.tsv: name, type:arg..., result or "ERROR message").
func TestRandomFuncsAgainstPostgres(t *testing.T) {
	b, err := os.ReadFile("testdata/pg15_random_funcs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx()
	bad := 0
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		f := strings.Split(line, "\t")
		var args []arg
		for _, x := range f[1 : len(f)-1] {
			typ, val, _ := strings.Cut(x, ":")
			args = append(args, a(typ, val))
		}
		want := f[len(f)-1]
		got, err := callFunc(t, ctx, f[0], args...)
		if err != nil {
			got = "ERROR " + pgerror.As(err).Message
		}
		if got != want {
			bad++
			if bad < 40 {
				t.Errorf("%s: got %q, want %q", strings.Join(f[:len(f)-1], " "), got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d mismatches", bad)
	}
}
