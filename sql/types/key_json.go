package types

import (
	"encoding/binary"

	"logdb/sql/types/jsondoc"
)

// jsonb keys follow jsondoc.Compare: a kind byte (jsondoc.Kind + 1: null <
// string < number < bool < array < object), then strings escaped, numbers as numeric keys, bools as
// one byte, arrays and objects as a 4-byte count followed by their elements
// (objects: key string then value). Equal documents ({"a": 1.0} and
// {"a": 1}) encode equal.

func appendJSONKey(dst []byte, v *jsondoc.Value) []byte {
	dst = append(dst, byte(v.Kind)+1)
	switch v.Kind {
	case jsondoc.String:
		return appendEscaped(dst, v.Text)
	case jsondoc.Number:
		return appendDecimalKey(dst, v.Num)
	case jsondoc.Bool:
		if v.Bool {
			return append(dst, 1)
		}
		return append(dst, 0)
	case jsondoc.Array:
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v.Elems)))
		for _, e := range v.Elems {
			dst = appendJSONKey(dst, e)
		}
	case jsondoc.Object:
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v.Keys)))
		for i, k := range v.Keys {
			// keys sort by length, then bytes
			dst = binary.BigEndian.AppendUint32(dst, uint32(len(k)))
			dst = appendEscaped(dst, k)
			dst = appendJSONKey(dst, v.Vals[i])
		}
	}
	return dst
}

func decodeJSONKey(b []byte, depth int) (*jsondoc.Value, []byte, error) {
	if len(b) == 0 || depth > 10000 {
		return nil, nil, errKeyCorrupt
	}
	kind := jsondoc.Kind(b[0] - 1)
	b = b[1:]
	v := &jsondoc.Value{Kind: kind}
	switch kind {
	case jsondoc.Null:
	case jsondoc.String:
		s, rest, err := decodeEscaped(b)
		if err != nil {
			return nil, nil, err
		}
		v.Text, b = string(s), rest
	case jsondoc.Number:
		d, rest, err := decodeDecimalKey(b)
		if err != nil {
			return nil, nil, err
		}
		v.Num, v.Text, b = d, string(appendNumeric(nil, d)), rest
	case jsondoc.Bool:
		if len(b) < 1 {
			return nil, nil, errKeyCorrupt
		}
		v.Bool, b = b[0] != 0, b[1:]
	case jsondoc.Array, jsondoc.Object:
		if len(b) < 4 {
			return nil, nil, errKeyCorrupt
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return nil, nil, errKeyCorrupt
		}
		for i := uint32(0); i < n; i++ {
			if kind == jsondoc.Object {
				if len(b) < 4 {
					return nil, nil, errKeyCorrupt
				}
				k, rest, err := decodeEscaped(b[4:])
				if err != nil {
					return nil, nil, err
				}
				v.Keys = append(v.Keys, string(k))
				b = rest
			}
			e, rest, err := decodeJSONKey(b, depth+1)
			if err != nil {
				return nil, nil, err
			}
			b = rest
			if kind == jsondoc.Object {
				v.Vals = append(v.Vals, e)
			} else {
				v.Elems = append(v.Elems, e)
			}
		}
	default:
		return nil, nil, errKeyCorrupt
	}
	return v, b, nil
}
