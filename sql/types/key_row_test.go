package types

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

var keySamples = map[string][]string{
	"int2":        {"-32768", "-1", "0", "1", "32767"},
	"int4":        {"-2147483648", "-5", "0", "7", "2147483647"},
	"int8":        {"-9223372036854775808", "-1", "0", "1", "9223372036854775807"},
	"float8":      {"-Infinity", "-1e300", "-1.5", "-0", "0", "1e-300", "1.5", "1e300", "Infinity", "NaN"},
	"float4":      {"-Infinity", "-1.5", "0", "1.5", "Infinity", "NaN"},
	"numeric":     {"-Infinity", "-1e30", "-100", "-99.99", "-1.5", "-1.05", "-1", "-0.5", "-0.001", "0", "0.00", "0.001", "0.5", "1", "1.0", "1.05", "1.5", "10", "99.99", "100", "12345678901234567890.123", "1e30", "Infinity", "NaN"},
	"text":        {"", "\x00", "\x00\x00", "\x00a", "a", "a\x00", "a\x00b", "ab", "b", "é"},
	"bytea":       {`\x`, `\x00`, `\x0000`, `\x00ff`, `\x01`, `\xff`, `\xff00`},
	"bool":        {"f", "t"},
	"date":        {"-infinity", "4713-01-01 BC", "1999-12-31", "2000-01-01", "2024-02-29", "infinity"},
	"timestamptz": {"-infinity", "1900-01-01 00:00+00", "1999-12-31 23:59:59.999999+00", "2000-01-01 00:00+00", "2024-01-02 03:04:05.5+00", "infinity"},
	"timestamp":   {"1969-12-31 23:59:59", "2024-01-02 03:04:05.5", "2024-01-02 03:04:05.500001"},
	"time":        {"00:00", "12:00", "23:59:59.999999"},
	"interval":    {"-1 year", "-1 day", "-00:00:01", "0", "1 microsecond", "1 hour", "1 day", "1 mon 1 day", "1 year", "178000000 years"},
	"uuid":        {"00000000-0000-0000-0000-000000000000", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ffffffff-ffff-ffff-ffff-ffffffffffff"},
	"pg_lsn":      {"0/0", "0/FFFFFFFF", "1/0", "FFFFFFFF/FFFFFFFF"},
	"int[]":       {"{}", "{-1}", "{1}", "{1,2}", "{1,2,NULL}", "{1,3}", "{2}", "{NULL}"},
	"text[]":      {"{}", `{""}`, `{"",a}`, "{a}", "{a,b}", "{ab}", "{b}"},
	"char(3)":     {"a", "ab", "b"},
	"jsonb":       {"[]", "null", `""`, `"a"`, `"b"`, "-1", "0", "1.5", "false", "true", "[1]", "[2]", "[1, 2]", "{}", `{"b": 1}`, `{"b": 2}`, `{"a": 1, "b": 1}`, `{"aa": 1, "b": 2}`},
}

func TestKeyOrder(t *testing.T) {
	for typName, samples := range keySamples {
		typ := mustType(t, typName)
		vals := []Datum{nil}
		for _, s := range samples {
			vals = append(vals, mustParse(t, typ, s))
		}
		for i, x := range vals {
			kx := AppendKey(nil, typ, x)
			// decode gives an equal value and consumes exactly the key
			d, rest, err := DecodeKey(typ, append(kx, 0xAB))
			if err != nil || len(rest) != 1 || rest[0] != 0xAB {
				t.Fatalf("%s %v: DecodeKey: %v rest=%x", typName, TextString(typ, x), err, rest)
			}
			if (d == nil) != (x == nil) || x != nil && Compare(typ, d, x) != 0 {
				t.Errorf("%s: decoded %q, want %q", typName, TextString(typ, d), TextString(typ, x))
			}
			for j, y := range vals {
				want := 0
				switch {
				case x == nil && y == nil:
				case x == nil:
					want = -1
				case y == nil:
					want = 1
				default:
					want = Compare(typ, x, y)
				}
				if want == 0 && i != j && x != nil && y != nil {
					// equal values must encode equal
				}
				got := bytes.Compare(kx, AppendKey(nil, typ, y))
				if got != want {
					t.Errorf("%s: key order of %q vs %q: got %d, want %d", typName, TextString(typ, x), TextString(typ, y), got, want)
				}
				if i < j && x != nil && want > 0 {
					t.Errorf("%s: samples out of order: %q > %q", typName, TextString(typ, x), TextString(typ, y))
				}
			}
		}
	}
}

// Composite keys are concatenations: a prefix never sorts after a longer key with the same prefix.
func TestCompositeKeys(t *testing.T) {
	textT, intT := tt(TextOID), tt(Int8OID)
	rows := [][2]Datum{{nil, int64(5)}, {"", nil}, {"", int64(-1)}, {"a", int64(1)}, {"a", int64(2)}, {"a\x00", int64(0)}, {"ab", nil}, {"b", int64(0)}}
	var prev []byte
	for i, r := range rows {
		k := AppendKey(AppendKey(nil, textT, r[0]), intT, r[1])
		if i > 0 && bytes.Compare(prev, k) >= 0 {
			t.Errorf("row %d %q sorts before row %d", i, r, i-1)
		}
		v0, rest, err := DecodeKey(textT, k)
		if err != nil {
			t.Fatal(err)
		}
		v1, rest, err := DecodeKey(intT, rest)
		if err != nil || len(rest) != 0 || !Equal(textT, v0, r[0]) || !Equal(intT, v1, r[1]) {
			t.Errorf("row %d decoded to %q %v (%v)", i, v0, v1, err)
		}
		prev = k
	}
}

func TestKeyRandomNumericOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	typ := tt(NumericOID)
	var vals []*apd.Decimal
	for i := 0; i < 2000; i++ {
		s := strconv.FormatInt(r.Int64N(2000000)-1000000, 10)
		d, _, _ := apd.NewFromString(s)
		d.Exponent = int32(r.IntN(40) - 20)
		vals = append(vals, d)
	}
	for i := 1; i < len(vals); i++ {
		a, b := vals[i-1], vals[i]
		got := bytes.Compare(AppendKey(nil, typ, a), AppendKey(nil, typ, b))
		if got != a.Cmp(b) {
			t.Fatalf("%s vs %s: key order %d, want %d", a, b, got, a.Cmp(b))
		}
	}
}

func benchRow() ([]RowColumn, []Datum) {
	cols := []RowColumn{{1, tt(Int8OID)}, {2, tt(TextOID)}, {3, tt(NumericOID)}, {4, tt(TimestamptzOID)}}
	n, _, _ := apd.NewFromString("12345.67")
	vals := []Datum{int64(1234567), "hello, world", n, time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)}
	return cols, vals
}

func TestRowRoundTrip(t *testing.T) {
	var cols []RowColumn
	var vals []Datum
	id := uint32(1)
	for typName, samples := range keySamples {
		typ := mustType(t, typName)
		for _, s := range samples {
			cols = append(cols, RowColumn{ID: id, T: typ})
			vals = append(vals, mustParse(t, typ, s))
			id += 7
			cols = append(cols, RowColumn{ID: id, T: typ})
			vals = append(vals, nil)
			id += 300
		}
	}
	big, _ := ParseText(tt(TextOID), string(bytes.Repeat([]byte("x"), 1000)))
	cols = append(cols, RowColumn{ID: 1 << 30, T: tt(TextOID)})
	vals = append(vals, big)
	b := AppendRow(nil, cols, vals)
	out := make([]Datum, len(cols))
	if err := DecodeRow(b, cols, out); err != nil {
		t.Fatal(err)
	}
	for i := range cols {
		if (out[i] == nil) != (vals[i] == nil) || vals[i] != nil && Compare(cols[i].T, out[i], vals[i]) != 0 ||
			TextString(cols[i].T, out[i]) != TextString(cols[i].T, vals[i]) {
			t.Errorf("column %d (%s): got %q, want %q", cols[i].ID, FormatType(cols[i].T), TextString(cols[i].T, out[i]), TextString(cols[i].T, vals[i]))
		}
	}
	// dropped and added columns: decode with a different column list
	sub := []RowColumn{cols[4], {ID: 999999, T: tt(Int4OID)}, cols[0]}
	out = make([]Datum, len(sub))
	if err := DecodeRow(b, sub, out); err != nil {
		t.Fatal(err)
	}
	if !Equal(sub[0].T, out[0], vals[4]) || out[1] != nil || !Equal(sub[2].T, out[2], vals[0]) {
		t.Errorf("subset decode: %v", out)
	}
	if err := DecodeRow(b[:len(b)-3], cols, make([]Datum, len(cols))); err == nil {
		t.Error("truncated row decoded without error")
	}
}

func TestRowBigNumeric(t *testing.T) {
	n, _, _ := apd.NewFromString("-123456789012345678901234567890.123456789")
	cols := []RowColumn{{5, tt(NumericOID)}}
	out := make([]Datum, 1)
	if err := DecodeRow(AppendRow(nil, cols, []Datum{n}), cols, out); err != nil {
		t.Fatal(err)
	}
	if got := TextString(tt(NumericOID), out[0]); got != "-123456789012345678901234567890.123456789" {
		t.Errorf("got %s", got)
	}
}

func TestDecodeRowAllocs(t *testing.T) {
	cols, vals := benchRow()
	b := AppendRow(nil, cols, vals)
	out := make([]Datum, len(cols))
	allocs := testing.AllocsPerRun(100, func() {
		if err := DecodeRow(b, cols, out); err != nil {
			t.Fatal(err)
		}
	})
	// int8 box, text header + shared row bytes, *apd.Decimal, time.Time box
	if allocs > 5 {
		t.Errorf("DecodeRow of 4 values: %v allocations", allocs)
	}
	if a := testing.AllocsPerRun(100, func() { b = AppendRow(b[:0], cols, vals) }); a > 0 {
		t.Errorf("AppendRow: %v allocations", a)
	}
	k := make([]byte, 0, 128)
	if a := testing.AllocsPerRun(100, func() {
		k = k[:0]
		for i, c := range cols {
			k = AppendKey(k, c.T, vals[i])
		}
	}); a > 0 {
		t.Errorf("AppendKey: %v allocations", a)
	}
}

func BenchmarkAppendKey(b *testing.B) {
	cols, vals := benchRow()
	k := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		k = k[:0]
		for i, c := range cols {
			k = AppendKey(k, c.T, vals[i])
		}
	}
}

func BenchmarkDecodeKey(b *testing.B) {
	cols, vals := benchRow()
	var k []byte
	for i, c := range cols {
		k = AppendKey(k, c.T, vals[i])
	}
	b.ReportAllocs()
	for b.Loop() {
		rest := k
		for _, c := range cols {
			var err error
			if _, rest, err = DecodeKey(c.T, rest); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkAppendRow(b *testing.B) {
	cols, vals := benchRow()
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRow(buf[:0], cols, vals)
	}
}

func BenchmarkDecodeRow(b *testing.B) {
	cols, vals := benchRow()
	buf := AppendRow(nil, cols, vals)
	out := make([]Datum, len(cols))
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeRow(buf, cols, out); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzDecodeKey(f *testing.F) {
	f.Add(uint8(0), AppendKey(nil, tt(NumericOID), mustParseDec("-12.5")))
	f.Add(uint8(1), AppendKey(nil, tt(TextOID), "a\x00b"))
	f.Add(uint8(2), AppendKey(nil, tt(Int4ArrayOID), Array{Elem: tt(Int4OID), Elements: []Datum{int64(1), nil}}))
	f.Add(uint8(2), AppendKey(nil, tt(Int4ArrayOID), Array{Elem: tt(Int4OID), Elements: []Datum{int64(1), nil, int64(3), int64(4)}, Dims: []ArrayDim{{2, 0}, {2, 1}}}))
	f.Add(uint8(3), AppendKey(nil, tt(IntervalOID), Interval{Months: 1, Days: -3, Micros: 5}))
	f.Add(uint8(11), AppendKey(nil, tt(JSONBOID), JSONB(`{"a": [1, "x", null, true]}`)))
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		oids := []OID{NumericOID, TextOID, Int4ArrayOID, IntervalOID, Float8OID, Int8OID, TimestamptzOID, ByteaOID, DateOID, UUIDOID, BoolOID, JSONBOID}
		typ := tt(oids[int(which)%len(oids)])
		d, rest, err := DecodeKey(typ, b)
		if err != nil {
			return
		}
		if len(rest) > len(b) {
			t.Fatal("rest longer than input")
		}
		k := AppendKey(nil, typ, d)
		d2, rest2, err := DecodeKey(typ, k)
		if err != nil || len(rest2) != 0 {
			t.Fatalf("re-decode %x: %v", k, err)
		}
		if !Equal(typ, d, d2) {
			t.Fatalf("%q != %q", TextString(typ, d), TextString(typ, d2))
		}
	})
}

func mustParseDec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

func FuzzDecodeRow(f *testing.F) {
	cols, vals := benchRow()
	f.Add(AppendRow(nil, cols, vals))
	f.Add([]byte{1, 1, 0x80})
	f.Add(AppendRow(nil, []RowColumn{{5, tt(TextArrayOID)}}, []Datum{Array{Elem: tt(TextOID), Elements: []Datum{"a", nil}, Dims: []ArrayDim{{1, 1}, {2, -3}}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		cols := append(cols, RowColumn{5, tt(TextArrayOID)}, RowColumn{6, tt(IntervalOID)}, RowColumn{7, tt(Float8OID)})
		out := make([]Datum, len(cols))
		if err := DecodeRow(b, cols, out); err != nil {
			return
		}
		b2 := AppendRow(nil, cols, out)
		out2 := make([]Datum, len(cols))
		if err := DecodeRow(b2, cols, out2); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		for i := range cols {
			x, y := out[i], out2[i]
			if f, ok := x.(float64); ok && math.IsNaN(f) {
				continue
			}
			if !Equal(cols[i].T, x, y) {
				t.Fatalf("col %d: %q != %q", i, TextString(cols[i].T, x), TextString(cols[i].T, y))
			}
		}
	})
}

func FuzzParseNumeric(f *testing.F) {
	for _, s := range []string{"1.50", "-0", "1e-10", "NaN", "  12  ", "1e1000", ".5", "5.", "-Infinity"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseText(tt(NumericOID), s)
		if err != nil {
			return
		}
		out := TextString(tt(NumericOID), d)
		d2, err := ParseText(tt(NumericOID), out)
		if err != nil {
			t.Fatalf("%q printed as %q which does not parse: %v", s, out, err)
		}
		if TextString(tt(NumericOID), d2) != out {
			t.Fatalf("%q: %q then %q", s, out, TextString(tt(NumericOID), d2))
		}
		bin, _ := AppendBinary(nil, tt(NumericOID), d)
		d3, err := DecodeBinary(tt(NumericOID), bin)
		if err != nil || TextString(tt(NumericOID), d3) != out {
			t.Fatalf("%q: binary round trip gave %v %v", out, d3, err)
		}
	})
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2024-01-02 03:04:05.123456+00", "epoch", "2024-01-02T03:04:05Z", "Jan 2 2024 10:00 PM", "0001-01-01 BC", "20240102 101010"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, oid := range []OID{TimestampOID, TimestamptzOID, DateOID, IntervalOID} {
			d, err := ParseText(tt(oid), s)
			if err != nil {
				continue
			}
			out := TextString(tt(oid), d)
			d2, err := ParseText(tt(oid), out)
			if err != nil {
				t.Fatalf("%s %q printed as %q which does not parse: %v", typeName(oid), s, out, err)
			}
			if got := TextString(tt(oid), d2); got != out {
				t.Fatalf("%s %q: %q then %q", typeName(oid), s, out, got)
			}
		}
	})
}

func TestJSONBKeyEquality(t *testing.T) {
	a := AppendKey(nil, tt(JSONBOID), mustParse(t, tt(JSONBOID), `{"a": 1.0, "b": [2.50]}`))
	b := AppendKey(nil, tt(JSONBOID), mustParse(t, tt(JSONBOID), `{"b": [2.5], "a": 1}`))
	if !bytes.Equal(a, b) {
		t.Errorf("equal jsonb documents encode differently: %x %x", a, b)
	}
}
