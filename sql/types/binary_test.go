package types

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// Expected bytes are PostgreSQL 15's *_send output (numeric_send, array_send, ...).
func TestBinaryMatchesPostgres(t *testing.T) {
	for _, c := range []struct{ typ, text, hex string }{
		{"numeric", "1.50", "000200000000000200011388"},
		{"numeric", "-12345.678", "0003000140000003000109291a7c"},
		{"numeric", "0", "0000000000000000"},
		{"numeric", "0.00012", "0002ffff00000005000107d0"},
		{"numeric", "NaN", "00000000c0000000"},
		{"numeric", "10000", "00010001000000000001"},
		{"numeric", "1e20", "00010005000000000001"},
		{"numeric", "0.1", "0001ffff0000000103e8"},
		{"numeric", "123456789.123456789", "0006000200000009000109291a8504d2162e2328"},
		{"interval", "1 year 2 mons 3 days 04:05:06.789", "000000036c97ca88000000030000000e"},
		{"timestamptz", "2024-01-02 03:04:05.123456+00", "0002b0ec8517d580"},
		{"date", "2024-01-02", "0000223f"},
		{"int4[]", "{1,NULL,3}", "00000001000000010000001700000003000000010000000400000001ffffffff0000000400000003"},
		{"text[]", "{}", "000000000000000000000019"},
		{"jsonb", `{"a":1}`, "017b2261223a20317d"},
		{"float4", "1.5", "3fc00000"},
		{"float8", "-0.1", "bfb999999999999a"},
	} {
		typ := mustType(t, c.typ)
		d := mustParse(t, typ, c.text)
		got, err := AppendBinary(nil, typ, d)
		if err != nil {
			t.Errorf("%s %s: %v", c.typ, c.text, err)
			continue
		}
		if hex.EncodeToString(got) != c.hex {
			t.Errorf("%s %s: got %x, want %s", c.typ, c.text, got, c.hex)
		}
		want, _ := hex.DecodeString(c.hex)
		back, err := DecodeBinary(typ, want)
		if err != nil {
			t.Errorf("decode %s %s: %v", c.typ, c.text, err)
			continue
		}
		if a, b := TextString(typ, back), TextString(typ, d); a != b {
			t.Errorf("decode %s: got %q, want %q", c.typ, a, b)
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	for _, c := range []struct{ typ, text string }{
		{"int2", "-32768"}, {"int4", "2147483647"}, {"int8", "-1"}, {"float4", "NaN"}, {"float8", "-Infinity"},
		{"bool", "t"}, {"text", "héllo"}, {"varchar(5)", "abc"}, {"char(3)", "a"}, {"name", "pg_class"},
		{"bytea", `\x00ff`}, {"date", "infinity"}, {"date", "0044-03-15 BC"}, {"time", "23:59:59.999999"},
		{"timestamp", "2024-01-02 03:04:05.5"}, {"timestamptz", "-infinity"}, {"interval", "-1 mon 2 days -00:00:01"},
		{"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, {"json", `{"b": 1,  "a": 2}`}, {"jsonb", `[1, "x", null]`},
		{"oid", "4294967295"}, {"regclass", "1259"}, {"pg_lsn", "FFFFFFFF/0"}, {"numeric", "-0.000000000000000000001"},
		{"numeric", "99999999999999999999999999999999999999.99"}, {"numeric", "Infinity"}, {"numeric", "-Infinity"},
		{"numeric", "12340000"}, {"numeric", "0.5"}, {"numeric", "1000000.000100"},
		{"text[]", `{a,NULL,"b c"}`}, {"numeric[]", "{1.5,NULL}"}, {"timestamptz[]", `{"2024-01-01 00:00:00+00"}`},
	} {
		typ := mustType(t, c.typ)
		d := mustParse(t, typ, c.text)
		b, err := AppendBinary(nil, typ, d)
		if err != nil {
			t.Errorf("%s %s: %v", c.typ, c.text, err)
			continue
		}
		back, err := DecodeBinary(typ, b)
		if err != nil {
			t.Errorf("decode %s %s (%x): %v", c.typ, c.text, b, err)
			continue
		}
		if a, w := TextString(typ, back), TextString(typ, d); a != w {
			t.Errorf("%s: round trip %q → %q", c.typ, w, a)
		}
		if !HasBinary(typ.OID) {
			t.Errorf("HasBinary(%s) = false", c.typ)
		}
	}
}

func TestBinaryErrors(t *testing.T) {
	for _, c := range []struct {
		typ string
		b   []byte
	}{
		{"int4", []byte{1, 2}},
		{"numeric", []byte{0, 1, 0, 0, 0x12, 0x34, 0, 0, 0, 1}},
		{"numeric", []byte{0, 1, 0, 0, 0, 0, 0, 0, 0xff, 0xff}},
		{"jsonb", []byte{2, '{', '}'}},
		{"int4[]", []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25}},
		{"text", []byte{0xff, 0xfe}},
	} {
		if _, err := DecodeBinary(mustType(t, c.typ), c.b); err == nil {
			t.Errorf("%s %x: no error", c.typ, c.b)
		}
	}
}

func FuzzDecodeBinary(f *testing.F) {
	f.Add(uint32(NumericOID), []byte{0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x13, 0x88})
	f.Add(uint32(Int4ArrayOID), []byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x17, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0, 0, 0, 3})
	f.Add(uint32(JSONBOID), []byte("\x01{\"a\": [1, 2]}"))
	f.Add(uint32(Int4ArrayOID), []byte{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x17, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfb, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2})
	f.Add(uint32(IntervalOID), bytes.Repeat([]byte{0xff}, 16))
	f.Fuzz(func(t *testing.T, oid uint32, b []byte) {
		oids := []OID{Int2OID, Int4OID, Int8OID, Float4OID, Float8OID, NumericOID, BoolOID, TextOID, ByteaOID,
			DateOID, TimestampOID, TimestamptzOID, IntervalOID, UUIDOID, JSONOID, JSONBOID, PgLSNOID,
			Int4ArrayOID, TextArrayOID, NumericArrayOID}
		typ := T{OID: oids[int(oid)%len(oids)], Mod: -1}
		d, err := DecodeBinary(typ, b)
		if err != nil {
			return
		}
		out, err := AppendBinary(nil, typ, d)
		if err != nil {
			t.Fatalf("re-encode %v: %v", d, err)
		}
		d2, err := DecodeBinary(typ, out)
		if err != nil {
			t.Fatalf("decode of re-encoded %x: %v", out, err)
		}
		if TextString(typ, d) != TextString(typ, d2) {
			t.Fatalf("round trip %q != %q", TextString(typ, d), TextString(typ, d2))
		}
	})
}
