package types

import (
	"bytes"
	"testing"
)

// TestEnumEncodings: enum values compare, key-encode and row-encode by
// sort order; a renamed label decodes under its new name; bad labels and
// unknown sort orders are errors, never panics.
func TestEnumEncodings(t *testing.T) {
	const oid = 9_000_001
	reg := func(rev uint64, labels ...EnumLabel) {
		t.Helper()
		if err := RegisterUserType(&UserType{OID: oid, ArrayOID: oid + 1, Name: "tmood", Kind: 'e', Rev: rev, Labels: labels}); err != nil {
			t.Fatal(err)
		}
	}
	reg(1, EnumLabel{OID: 1, Sort: 1, Label: "sad"}, EnumLabel{OID: 2, Sort: 2, Label: "happy"}, EnumLabel{OID: 3, Sort: 1.5, Label: "ok"})
	et := T{OID: oid, Mod: -1}
	parse := func(s string) Datum {
		t.Helper()
		d, err := ParseText(et, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	sad, ok, happy := parse("sad"), parse("ok"), parse("happy")
	if Compare(et, sad, ok) >= 0 || Compare(et, ok, happy) >= 0 || Compare(et, happy, happy) != 0 {
		t.Errorf("order: sad < ok < happy expected")
	}
	ks, ko, kh := AppendKey(nil, et, sad), AppendKey(nil, et, ok), AppendKey(nil, et, happy)
	if bytes.Compare(ks, ko) >= 0 || bytes.Compare(ko, kh) >= 0 {
		t.Errorf("keys do not keep declaration order")
	}
	cols := []RowColumn{{ID: 1, T: et}}
	row := AppendRow(nil, cols, []Datum{ok})
	// a renamed label (same sort order, higher Rev) decodes under its new
	// name; an older registration does not take it back
	reg(2, EnumLabel{OID: 1, Sort: 1, Label: "sad"}, EnumLabel{OID: 2, Sort: 2, Label: "happy"}, EnumLabel{OID: 3, Sort: 1.5, Label: "fine"})
	reg(1, EnumLabel{OID: 1, Sort: 1, Label: "sad"})
	out := make([]Datum, 1)
	if err := DecodeRow(row, cols, out); err != nil || out[0] != (Enum{Sort: 1.5, Label: "fine"}) {
		t.Errorf("row decodes to %v, %v; want fine", out[0], err)
	}
	if d, _, err := DecodeKey(et, ko); err != nil || d != (Enum{Sort: 1.5, Label: "fine"}) {
		t.Errorf("key decodes to %v, %v; want fine", d, err)
	}
	if _, err := ParseText(et, "ok"); err == nil {
		t.Errorf("the old label still parses")
	}
	if _, _, err := DecodeKey(et, AppendKey(nil, et, Enum{Sort: 7})); err == nil {
		t.Errorf("an unknown sort order decoded")
	}
	if got := string(AppendText(nil, et, happy)); got != "happy" {
		t.Errorf("text %q", got)
	}
	arr, err := ParseText(T{OID: oid + 1, Mod: -1}, "{sad,fine,NULL}")
	if err != nil || string(AppendText(nil, T{OID: oid + 1, Mod: -1}, arr)) != "{sad,fine,NULL}" {
		t.Errorf("array %v, %v", arr, err)
	}
	if b, err := AppendBinary(nil, et, happy); err != nil || string(b) != "happy" {
		t.Errorf("binary %q, %v", b, err)
	}
	if d, err := DecodeBinary(et, []byte("sad")); err != nil || d != sad {
		t.Errorf("binary input %v, %v", d, err)
	}
	if _, err := DecodeBinary(et, []byte("\xff")); err == nil {
		t.Errorf("invalid UTF-8 accepted")
	}
	if FormatType(T{OID: oid + 1, Mod: -1}) != "tmood[]" {
		t.Errorf("format_type of the array: %s", FormatType(T{OID: oid + 1, Mod: -1}))
	}
}

// TestCompositeInput: record_in's syntax, its errors (never a panic), and
// the storage round trip.
func TestCompositeInput(t *testing.T) {
	const oid = 9_000_101
	if err := RegisterUserType(&UserType{OID: oid, ArrayOID: oid + 1, Name: "tpair", Kind: 'c', Rev: 1,
		Fields: []RecordField{{Name: "a", T: T{OID: Int4OID, Mod: -1}}, {Name: "b", T: T{OID: TextOID, Mod: -1}}}}); err != nil {
		t.Fatal(err)
	}
	ct := T{OID: oid, Mod: -1}
	for in, want := range map[string]string{
		`(1,x)`: `(1,x)`, `(,)`: `(,)`, `(2,"a ""q"" b")`: `(2,"a ""q"" b")`, ` (3,\,)`: `(3,",")`,
		`(4,"")`: `(4,"")`, `(5,a b)`: `(5,"a b")`,
	} {
		d, err := ParseText(ct, in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got := string(AppendText(nil, ct, d)); got != want {
			t.Errorf("%q prints %q, want %q", in, got, want)
		}
		cols := []RowColumn{{ID: 1, T: ct}}
		out := make([]Datum, 1)
		if err := DecodeRow(AppendRow(nil, cols, []Datum{d}), cols, out); err != nil || string(AppendText(nil, ct, out[0])) != want {
			t.Errorf("%q: row round trip %v, %v", in, out[0], err)
		}
		if k, _, err := DecodeKey(ct, AppendKey(nil, ct, d)); err != nil || Compare(ct, k, d) != 0 {
			t.Errorf("%q: key round trip %v, %v", in, k, err)
		}
	}
	for _, in := range []string{``, `(`, `(1`, `(1,`, `(1,x`, `(1,x,y)`, `(1)`, `1,x`, `(1,x) z`, `(x,1)`, `("`, `(\`, `(1,"x`, `)`} {
		if _, err := ParseText(ct, in); err == nil {
			t.Errorf("%q was accepted", in)
		}
	}
}
