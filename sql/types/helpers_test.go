package types

import (
	"testing"
	"time"

	"logdb/sql/pgerror"
)

func mustType(t *testing.T, name string) T {
	t.Helper()
	typ, err := typeFromSQLText(name)
	if err != nil {
		t.Fatalf("type %q: %v", name, err)
	}
	return typ
}

func mustParse(t *testing.T, typ T, s string) Datum {
	t.Helper()
	d, err := ParseText(typ, s)
	if err != nil {
		t.Fatalf("ParseText(%s, %q): %v", FormatType(typ), s, err)
	}
	return d
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return pgerror.Code(err) + " " + err.Error()
}

func testCtx() *EvalContext {
	return &EvalContext{
		TxnTime:  time.Date(2024, 3, 15, 10, 11, 12, 0, time.UTC),
		StmtTime: time.Date(2024, 3, 15, 10, 11, 12, 0, time.UTC),
		Location: time.UTC,
	}
}
