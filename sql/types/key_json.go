package types

import (
	"encoding/binary"
)

// jsonb keys follow jsonCompare: a kind byte (null < string < number < bool
// < array < object), then strings escaped, numbers as numeric keys, bools as
// one byte, arrays and objects as a 4-byte count followed by their elements
// (objects: key string then value). Equal documents ({"a": 1.0} and
// {"a": 1}) encode equal.

func appendJSONKey(dst []byte, v *jsonValue) []byte {
	dst = append(dst, byte(v.kind)+1)
	switch v.kind {
	case jString:
		return appendEscaped(dst, v.s)
	case jNumber:
		return appendDecimalKey(dst, v.num)
	case jBool:
		if v.b {
			return append(dst, 1)
		}
		return append(dst, 0)
	case jArray:
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v.arr)))
		for _, e := range v.arr {
			dst = appendJSONKey(dst, e)
		}
	case jObject:
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v.keys)))
		for i, k := range v.keys {
			// keys sort by length, then bytes
			dst = binary.BigEndian.AppendUint32(dst, uint32(len(k)))
			dst = appendEscaped(dst, k)
			dst = appendJSONKey(dst, v.vals[i])
		}
	}
	return dst
}

func decodeJSONKey(b []byte, depth int) (*jsonValue, []byte, error) {
	if len(b) == 0 || depth > 10000 {
		return nil, nil, errKeyCorrupt
	}
	kind := jsonKind(b[0] - 1)
	b = b[1:]
	v := &jsonValue{kind: kind}
	switch kind {
	case jNull:
	case jString:
		s, rest, err := decodeEscaped(b)
		if err != nil {
			return nil, nil, err
		}
		v.s, b = string(s), rest
	case jNumber:
		d, rest, err := decodeDecimalKey(b)
		if err != nil {
			return nil, nil, err
		}
		v.num, v.s, b = d, string(appendNumeric(nil, d)), rest
	case jBool:
		if len(b) < 1 {
			return nil, nil, errKeyCorrupt
		}
		v.b, b = b[0] != 0, b[1:]
	case jArray, jObject:
		if len(b) < 4 {
			return nil, nil, errKeyCorrupt
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return nil, nil, errKeyCorrupt
		}
		for i := uint32(0); i < n; i++ {
			if kind == jObject {
				if len(b) < 4 {
					return nil, nil, errKeyCorrupt
				}
				k, rest, err := decodeEscaped(b[4:])
				if err != nil {
					return nil, nil, err
				}
				v.keys = append(v.keys, string(k))
				b = rest
			}
			e, rest, err := decodeJSONKey(b, depth+1)
			if err != nil {
				return nil, nil, err
			}
			b = rest
			if kind == jObject {
				v.vals = append(v.vals, e)
			} else {
				v.arr = append(v.arr, e)
			}
		}
	default:
		return nil, nil, errKeyCorrupt
	}
	return v, b, nil
}
