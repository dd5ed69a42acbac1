package types

import (
	"testing"

	"logdb/sql/pgerror"
)

// TestArrayShapesRoundTrip reads arrays of several shapes from text and
// checks that text, binary, row and key forms give them back with their
// shape.
func TestArrayShapesRoundTrip(t *testing.T) {
	typ := tt(Int4ArrayOID)
	for _, s := range []string{"{}", "{1,2,3}", "{{1,2},{3,4}}", "[0:2]={1,NULL,3}", "[-5:-4][1:2]={{1,2},{3,4}}", "{{{1}},{{2}}}", "[2:2]={7}"} {
		d := mustParse(t, typ, s)
		if got := TextString(typ, d); got != s {
			t.Errorf("%s: printed %s", s, got)
		}
		bin, err := AppendBinary(nil, typ, d)
		if err != nil {
			t.Fatal(err)
		}
		fromBin, err := DecodeBinary(typ, bin)
		if err != nil || TextString(typ, fromBin) != s {
			t.Errorf("%s: binary gave %v, %v", s, fromBin, err)
		}
		cols := []RowColumn{{1, typ}}
		out := make([]Datum, 1)
		if err := DecodeRow(AppendRow(nil, cols, []Datum{d}), cols, out); err != nil || TextString(typ, out[0]) != s {
			t.Errorf("%s: row gave %v, %v", s, out[0], err)
		}
		k, rest, err := DecodeKey(typ, AppendKey(nil, typ, d))
		if err != nil || len(rest) != 0 || TextString(typ, k) != s {
			t.Errorf("%s: key gave %v, %v", s, k, err)
		}
	}
	// shapes tell equal elements apart, in PostgreSQL's order
	a, b, c := mustParse(t, typ, "{1,2}"), mustParse(t, typ, "[0:1]={1,2}"), mustParse(t, typ, "{{1,2}}")
	if Equal(typ, a, b) || Equal(typ, a, c) || Compare(typ, b, a) >= 0 || Compare(typ, a, c) >= 0 {
		t.Errorf("shapes compare wrongly")
	}
}

func TestArrayInputErrors(t *testing.T) {
	typ := tt(Int4ArrayOID)
	for s, code := range map[string]string{
		"{{1,2},{3}}": "22P02", "{{1},2}": "22P02", "{1,{2}}": "22P02", "[0:1]={1}": "22P02",
		"[2:1]={}": "2202E", "{{{{{{{1}}}}}}}": "54000", "[1:2]": "22P02", "[a:2]={1,2}": "22P02",
	} {
		if _, err := ParseText(typ, s); pgerror.Code(err) != code {
			t.Errorf("%s: %v, want %s", s, err, code)
		}
	}
}
