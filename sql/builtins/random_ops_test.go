package builtins

import (
	"os"
	"strings"
	"testing"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// TestRandomOpsAgainstPostgres replays randomly generated numeric, float,
// interval and timestamp operations whose results PostgreSQL 15.18 computed
// (testdata/pg15_random_ops.tsv: left type, left, op, right type, right, result
// or "ERROR message").
func TestRandomOpsAgainstPostgres(t *testing.T) {
	b, err := os.ReadFile("testdata/pg15_random_ops.tsv")
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx()
	bad := 0
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		f := strings.Split(line, "\t")
		lt, lv, op, rt, rv, want := f[0], f[1], f[2], f[3], f[4], f[5]
		ltyp, rtyp := mustType(t, lt), mustType(t, rt)
		var got string
		l, err := types.ParseText(ltyp, lv)
		if err == nil {
			_, err = types.ParseText(rtyp, rv)
		}
		if err == nil {
			got, _, err = callOp(t, ctx, a(lt, lv), op, a(rt, rv))
		}
		_ = l
		if err != nil {
			got = "ERROR " + pgerror.As(err).Message
		}
		if got != want {
			bad++
			if bad < 40 {
				t.Errorf("%s %s %s %s %s: got %q, want %q", lt, lv, op, rt, rv, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d mismatches", bad)
	}
}
