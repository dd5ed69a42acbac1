package types

import (
	"encoding/binary"
	"strings"

	"logdb/sql/pgerror"
)

// Composite types (CREATE TYPE name AS (a int, b text)): a value is a
// Record whose type is the composite's OID (its fields are the registered
// UserType's), stored field by field like an array's elements, compared
// and keyed as records are, and read and printed by record_in/record_out.

// IsComposite reports whether oid is a composite type made by CREATE
// TYPE … AS (…).
func IsComposite(oid OID) bool {
	u, ok := UserTypeOf(oid)
	return ok && u.Kind == 'c'
}

// compositeFields are a composite type's fields.
func compositeFields(oid OID) ([]RecordField, bool) {
	u, ok := UserTypeOf(oid)
	if !ok || u.Kind != 'c' {
		return nil, false
	}
	return u.Fields, true
}

func fieldType(fields []RecordField, i int) T {
	if i < len(fields) {
		return fields[i].T
	}
	return T{OID: TextOID, Mod: -1}
}

// appendRecordCompact is a record's storage form: the field count, then
// each field as uvarint(len+1) and its compact form (0 for NULL).
func appendRecordCompact(dst []byte, t T, r Record) []byte {
	fields, _ := RecordFields(t)
	dst = binary.AppendUvarint(dst, uint64(len(r.Values)))
	var tmp []byte
	for i, v := range r.Values {
		if v == nil {
			dst = append(dst, 0)
			continue
		}
		tmp = appendCompact(tmp[:0], fieldType(fields, i), v)
		dst = binary.AppendUvarint(dst, uint64(len(tmp))+1)
		dst = append(dst, tmp...)
	}
	return dst
}

func decodeCompositeCompact(t T, b []byte) (Datum, error) {
	fields, _ := compositeFields(t.OID)
	cnt, n := binary.Uvarint(b)
	if n <= 0 || cnt > uint64(len(b)) {
		return nil, errRowCorrupt
	}
	b = b[n:]
	r := Record{Values: make([]Datum, 0, cnt)}
	for i := 0; i < int(cnt); i++ {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n)+1 {
			return nil, errRowCorrupt
		}
		b = b[n:]
		if l == 0 {
			r.Values = append(r.Values, nil)
			continue
		}
		v, err := decodeCompact(fieldType(fields, i), b[:l-1])
		if err != nil {
			return nil, err
		}
		r.Values = append(r.Values, v)
		b = b[l-1:]
	}
	if len(b) != 0 {
		return nil, errRowCorrupt
	}
	// fields added to the type since the row was written read as NULL
	for len(r.Values) < len(fields) {
		r.Values = append(r.Values, nil)
	}
	return r, nil
}

func decodeCompositeKey(t T, b []byte) (Datum, []byte, error) {
	fields, _ := compositeFields(t.OID)
	r := Record{Values: []Datum{}}
	for i := 0; ; i++ {
		if len(b) == 0 {
			return nil, nil, errKeyCorrupt
		}
		if b[0] == keyArrEnd {
			return r, b[1:], nil
		}
		if b[0] != keyArrElem || len(b) < 2 {
			return nil, nil, errKeyCorrupt
		}
		b = b[1:]
		if b[0] == 0xFF {
			r.Values = append(r.Values, nil)
			b = b[1:]
			continue
		}
		v, rest, err := DecodeKey(fieldType(fields, i), b)
		if err != nil {
			return nil, nil, err
		}
		r.Values = append(r.Values, v)
		b = rest
	}
}

func errRecordLiteral(s, detail string) error {
	return &pgerror.Error{Code: pgerror.InvalidTextRepresentation, Message: "malformed record literal: \"" + s + "\"", Detail: detail}
}

// parseComposite is record_in for a composite type: "(v1,v2,…)", a field
// quoted with double quotes (a doubled quote or a backslash escapes), an
// empty unquoted field NULL.
func parseComposite(ctx *EvalContext, t T, s string) (Datum, error) {
	fields, _ := compositeFields(t.OID)
	in := strings.TrimLeft(s, " \t\n\r\v\f")
	if !strings.HasPrefix(in, "(") {
		return nil, errRecordLiteral(s, "Missing left parenthesis.")
	}
	in = in[1:]
	r := Record{Values: make([]Datum, 0, len(fields))}
	for i := range fields {
		var b strings.Builder
		quoted, null := false, true
	field:
		for len(in) > 0 {
			c := in[0]
			if quoted {
				switch {
				case c == '"' && len(in) > 1 && in[1] == '"':
					b.WriteByte('"')
					in = in[2:]
				case c == '"':
					quoted = false
					in = in[1:]
				case c == '\\' && len(in) > 1:
					b.WriteByte(in[1])
					in = in[2:]
				default:
					b.WriteByte(c)
					in = in[1:]
				}
				continue
			}
			switch {
			case c == '"':
				quoted, null = true, false
				in = in[1:]
			case c == '\\' && len(in) > 1:
				null = false
				b.WriteByte(in[1])
				in = in[2:]
			case c == ',' || c == ')':
				break field
			default:
				null = false
				b.WriteByte(c)
				in = in[1:]
			}
		}
		if len(in) == 0 {
			return nil, errRecordLiteral(s, "Unexpected end of input.")
		}
		if in[0] == ')' && i < len(fields)-1 {
			return nil, errRecordLiteral(s, "Too few columns.")
		}
		if in[0] == ',' && i == len(fields)-1 {
			return nil, errRecordLiteral(s, "Too many columns.")
		}
		in = in[1:]
		if null {
			r.Values = append(r.Values, nil)
			continue
		}
		v, err := ParseTextCtx(ctx, fields[i].T, b.String())
		if err != nil {
			return nil, err
		}
		r.Values = append(r.Values, v)
	}
	if len(fields) == 0 {
		if !strings.HasPrefix(in, ")") {
			return nil, errRecordLiteral(s, "Too many columns.")
		}
		in = in[1:]
	}
	if strings.TrimSpace(in) != "" {
		return nil, errRecordLiteral(s, "Junk after right parenthesis.")
	}
	return r, nil
}

// castRecordToComposite casts a record's fields to a composite type's
// (ROW(1, 'x')::pair); the field counts must agree.
func castRecordToComposite(ctx *EvalContext, r Record, from, to T, cc CastContext) (Datum, error) {
	ff, _ := RecordFields(from)
	tf, _ := compositeFields(to.OID)
	if len(r.Values) != len(tf) {
		return nil, &pgerror.Error{Code: pgerror.CannotCoerce, Message: "cannot cast type " + FormatType(from) + " to " + FormatType(to),
			Detail: "Input has too " + map[bool]string{true: "few", false: "many"}[len(r.Values) < len(tf)] + " columns."}
	}
	out := Record{Values: make([]Datum, len(tf))}
	for i, v := range r.Values {
		if v == nil {
			continue
		}
		src := fieldType(ff, i)
		if src.OID == UnknownOID {
			src = T{OID: TextOID, Mod: -1}
		}
		c, err := Cast(ctx, v, src, tf[i].T, cc)
		if err != nil {
			return nil, err
		}
		out.Values[i] = c
	}
	return out, nil
}
