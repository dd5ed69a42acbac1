package types

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types/jsondoc"
)

// Key encoding. Every value starts with a marker byte, so NULL sorts first
// and each value is self-delimiting; a composite key is the concatenation of
// its columns' encodings. Values that compare equal encode equal (1.50 and
// 1.5, -0.0 and 0.0, '1 mon' and '30 days', 'a ' and 'a' for bpchar), so
// DecodeKey returns a canonical member of the equality class.
const (
	keyNull     = 0x00
	keyValue    = 0x02
	keyArrElem  = 0x01 // precedes each array element
	keyArrEnd   = 0x00 // ends an array
	keyArrShape = 0x03 // after keyArrEnd: the shape of an array that is not plain (a following value starts with 0x00, 0x01 or 0x02)

	keyNumNegInf = 0x01
	keyNumNeg    = 0x02
	keyNumZero   = 0x03
	keyNumPos    = 0x04
	keyNumPosInf = 0x05
	keyNumNaN    = 0x06
)

var errKeyCorrupt = pgerror.New(pgerror.DataCorrupted, "corrupt index key")

// AppendKey appends the order-preserving encoding of d (nil for NULL).
func AppendKey(dst []byte, t T, d Datum) []byte {
	if d == nil {
		return append(dst, keyNull)
	}
	dst = append(dst, keyValue)
	switch v := d.(type) {
	case int64:
		return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
	case float64:
		return binary.BigEndian.AppendUint64(dst, floatKeyBits(v))
	case *apd.Decimal:
		return appendDecimalKey(dst, v)
	case bool:
		if v {
			return append(dst, 1)
		}
		return append(dst, 0)
	case string:
		if t.OID == BpcharOID {
			n := len(v)
			for n > 0 && v[n-1] == ' ' {
				n--
			}
			v = v[:n]
		}
		return appendEscaped(dst, v)
	case []byte:
		return appendEscaped(dst, v)
	case Date:
		return binary.BigEndian.AppendUint32(dst, uint32(v)^(1<<31))
	case time.Time:
		return binary.BigEndian.AppendUint64(dst, uint64(TimeToPG(v))^(1<<63))
	case TimeOfDay:
		return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
	case Interval:
		hi, lo := intervalSpan(v)
		dst = binary.BigEndian.AppendUint64(dst, uint64(hi)^(1<<63))
		return binary.BigEndian.AppendUint64(dst, lo)
	case UUID:
		return append(dst, v[:]...)
	case LSN:
		return binary.BigEndian.AppendUint64(dst, uint64(v))
	case JSONB:
		j := mustParseJSONB(v)
		if j.Kind == jsondoc.Array && len(j.Elems) == 0 {
			return append(dst, 0) // an empty top-level array sorts first
		}
		return appendJSONKey(dst, j)
	case JSON:
		return appendEscaped(dst, string(v))
	case Bits:
		return appendEscaped(dst, string(v))
	case Array:
		for _, e := range v.Elements {
			dst = append(dst, keyArrElem)
			if e == nil {
				dst = append(dst, 0xFF) // NULL elements sort last
				continue
			}
			dst = AppendKey(dst, v.Elem, e)
		}
		dst = append(dst, keyArrEnd)
		if !v.IsPlain() {
			// the shape follows the end mark: plain arrays are unchanged
			dst = append(dst, keyArrShape, byte(len(v.Dims)))
			for _, d := range v.Dims {
				dst = binary.BigEndian.AppendUint32(dst, uint32(d.Len))
				dst = binary.BigEndian.AppendUint32(dst, uint32(int32(d.Lower))^(1<<31))
			}
		}
		return dst
	case Record:
		return appendRecordKey(dst, t, v)
	case Enum:
		return appendEnumKey(dst, v)
	}
	return dst
}

func floatKeyBits(f float64) uint64 {
	if math.IsNaN(f) {
		return math.MaxUint64
	}
	if f == 0 {
		f = 0 // -0 encodes as 0
	}
	b := math.Float64bits(f)
	if b&(1<<63) != 0 {
		return ^b
	}
	return b | 1<<63
}

func floatFromKeyBits(b uint64) float64 {
	if b == math.MaxUint64 {
		return math.NaN()
	}
	if b&(1<<63) != 0 {
		return math.Float64frombits(b &^ (1 << 63))
	}
	return math.Float64frombits(^b)
}

type byteString interface{ ~string | ~[]byte }

// appendEscaped writes s with 0x00 escaped as 0x00 0xFF and ends it with 0x00 0x01.
func appendEscaped[S byteString](dst []byte, s S) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0 {
			dst = append(dst, 0, 0xFF)
			continue
		}
		dst = append(dst, c)
	}
	return append(dst, 0, 1)
}

func decodeEscaped(b []byte) ([]byte, []byte, error) {
	// fast path: no escapes
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0 {
			if b[i+1] == 1 {
				return b[:i], b[i+2:], nil
			}
			break
		}
	}
	var out []byte
	for i := 0; i+1 < len(b); i++ {
		if b[i] != 0 {
			out = append(out, b[i])
			continue
		}
		switch b[i+1] {
		case 1:
			return out, b[i+2:], nil
		case 0xFF:
			out = append(out, 0)
			i++
		default:
			return nil, nil, errKeyCorrupt
		}
	}
	return nil, nil, errKeyCorrupt
}

// appendDecimalKey: a class byte, then for finite nonzero values the
// adjusted exponent and the significant digits (one byte each, 1..10, ended
// by 0), all complemented for negative values.
func appendDecimalKey(dst []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(dst, keyNumNaN)
	case apd.Infinite:
		if d.Negative {
			return append(dst, keyNumNegInf)
		}
		return append(dst, keyNumPosInf)
	}
	if d.Coeff.Sign() == 0 {
		return append(dst, keyNumZero)
	}
	var tmp [48]byte
	digits := d.Coeff.Append(tmp[:0], 10)
	adj := int64(len(digits)) - 1 + int64(d.Exponent)
	n := len(digits)
	for n > 1 && digits[n-1] == '0' {
		n--
	}
	digits = digits[:n]
	neg := d.Negative
	if neg {
		dst = append(dst, keyNumNeg)
		dst = binary.BigEndian.AppendUint32(dst, ^(uint32(int32(adj)) ^ (1 << 31)))
		for _, c := range digits {
			dst = append(dst, 0xFF-(c-'0'+1))
		}
		return append(dst, 0xFF)
	}
	dst = append(dst, keyNumPos)
	dst = binary.BigEndian.AppendUint32(dst, uint32(int32(adj))^(1<<31))
	for _, c := range digits {
		dst = append(dst, c-'0'+1)
	}
	return append(dst, 0)
}

func decodeDecimalKey(b []byte) (*apd.Decimal, []byte, error) {
	if len(b) < 1 {
		return nil, nil, errKeyCorrupt
	}
	switch b[0] {
	case keyNumNaN:
		return &apd.Decimal{Form: apd.NaN}, b[1:], nil
	case keyNumNegInf:
		return &apd.Decimal{Form: apd.Infinite, Negative: true}, b[1:], nil
	case keyNumPosInf:
		return &apd.Decimal{Form: apd.Infinite}, b[1:], nil
	case keyNumZero:
		return &apd.Decimal{}, b[1:], nil
	case keyNumPos, keyNumNeg:
	default:
		return nil, nil, errKeyCorrupt
	}
	neg := b[0] == keyNumNeg
	if len(b) < 5 {
		return nil, nil, errKeyCorrupt
	}
	e := binary.BigEndian.Uint32(b[1:])
	if neg {
		e = ^e
	}
	adj := int64(int32(e ^ (1 << 31)))
	b = b[5:]
	var digits [40]byte
	ds := digits[:0]
	i := 0
	for ; i < len(b); i++ {
		c := b[i]
		if neg {
			c = 0xFF - c
		}
		if c == 0 {
			break
		}
		if c > 10 {
			return nil, nil, errKeyCorrupt
		}
		ds = append(ds, '0'+c-1)
	}
	if i == len(b) || len(ds) == 0 {
		return nil, nil, errKeyCorrupt
	}
	d := new(apd.Decimal)
	if len(ds) <= 19 {
		var c uint64
		for _, x := range ds {
			c = c*10 + uint64(x-'0')
		}
		d.Coeff.SetUint64(c)
	} else if _, ok := d.Coeff.SetString(string(ds), 10); !ok {
		return nil, nil, errKeyCorrupt
	}
	exp := adj - int64(len(ds)) + 1
	if exp < -maxNumericScale || adj >= maxNumericWeight {
		return nil, nil, errKeyCorrupt
	}
	d.Exponent = int32(exp)
	d.Negative = neg
	if d.Exponent > 0 {
		var r apd.Decimal
		if _, err := ExactDecimalContext.Quantize(&r, d, 0); err != nil {
			return nil, nil, errKeyCorrupt
		}
		d = &r
	}
	return d, b[i+1:], nil
}

// DecodeKey reads one value encoded by AppendKey and returns the rest of b.
func DecodeKey(t T, b []byte) (d Datum, rest []byte, err error) {
	if len(b) == 0 {
		return nil, nil, errKeyCorrupt
	}
	if b[0] == keyNull {
		return nil, b[1:], nil
	}
	if b[0] != keyValue {
		return nil, nil, errKeyCorrupt
	}
	b = b[1:]
	fixed := func(n int) ([]byte, error) {
		if len(b) < n {
			return nil, errKeyCorrupt
		}
		return b[:n], nil
	}
	if t.OID >= firstUserTypeOID && IsEnum(t.OID) {
		return decodeEnumKey(t, b)
	}
	if t.OID >= firstUserTypeOID && IsComposite(t.OID) {
		return decodeCompositeKey(t, b)
	}
	switch t.OID {
	case Int2OID, Int4OID, Int8OID, OidOID, RegclassOID, RegtypeOID, RegprocOID, XidOID, Xid8OID:
		p, err := fixed(8)
		if err != nil {
			return nil, nil, err
		}
		return int64(binary.BigEndian.Uint64(p) ^ (1 << 63)), b[8:], nil
	case Float4OID, Float8OID:
		p, err := fixed(8)
		if err != nil {
			return nil, nil, err
		}
		return floatFromKeyBits(binary.BigEndian.Uint64(p)), b[8:], nil
	case NumericOID:
		v, rest, err := decodeDecimalKey(b)
		if err != nil {
			return nil, nil, err
		}
		return v, rest, nil
	case BoolOID:
		p, err := fixed(1)
		if err != nil {
			return nil, nil, err
		}
		return p[0] != 0, b[1:], nil
	case TextOID, VarcharOID, BpcharOID, NameOID, CharOID, UnknownOID, JSONPathOID, RefcursorOID:
		s, rest, err := decodeEscaped(b)
		if err != nil {
			return nil, nil, err
		}
		str := string(s)
		if t.OID == BpcharOID && t.Mod > 4 {
			str, _ = applyCharTypmod(t, str, true)
		}
		return str, rest, nil
	case ByteaOID:
		s, rest, err := decodeEscaped(b)
		if err != nil {
			return nil, nil, err
		}
		return append([]byte{}, s...), rest, nil
	case BitOID:
		s, rest, err := decodeEscaped(b)
		if err != nil {
			return nil, nil, err
		}
		return Bits(s), rest, nil
	case JSONBOID:
		if len(b) > 0 && b[0] == 0 {
			return JSONB("[]"), b[1:], nil
		}
		v, rest, err := decodeJSONKey(b, 0)
		if err != nil {
			return nil, nil, err
		}
		return JSONB(v.AppendJSONB(nil)), rest, nil
	case JSONOID:
		s, rest, err := decodeEscaped(b)
		if err != nil {
			return nil, nil, err
		}
		return JSON(s), rest, nil
	case DateOID:
		p, err := fixed(4)
		if err != nil {
			return nil, nil, err
		}
		return Date(int32(binary.BigEndian.Uint32(p) ^ (1 << 31))), b[4:], nil
	case TimestampOID, TimestamptzOID:
		p, err := fixed(8)
		if err != nil {
			return nil, nil, err
		}
		return TimeFromPG(int64(binary.BigEndian.Uint64(p) ^ (1 << 63))), b[8:], nil
	case TimeOID:
		p, err := fixed(8)
		if err != nil {
			return nil, nil, err
		}
		return TimeOfDay(int64(binary.BigEndian.Uint64(p) ^ (1 << 63))), b[8:], nil
	case IntervalOID:
		p, err := fixed(16)
		if err != nil {
			return nil, nil, err
		}
		hi := int64(binary.BigEndian.Uint64(p) ^ (1 << 63))
		lo := binary.BigEndian.Uint64(p[8:])
		return intervalFromSpan(hi, lo), b[16:], nil
	case UUIDOID:
		p, err := fixed(16)
		if err != nil {
			return nil, nil, err
		}
		var u UUID
		copy(u[:], p)
		return u, b[16:], nil
	case PgLSNOID:
		p, err := fixed(8)
		if err != nil {
			return nil, nil, err
		}
		return LSN(binary.BigEndian.Uint64(p)), b[8:], nil
	}
	if e, ok := ElemOf(t); ok {
		arr := Array{Elem: e, Elements: []Datum{}}
		for {
			if len(b) == 0 {
				return nil, nil, errKeyCorrupt
			}
			if b[0] == keyArrEnd {
				b = b[1:]
				if len(b) >= 2 && b[0] == keyArrShape {
					nd := int(b[1])
					b = b[2:]
					if nd < 1 || nd > MaxArrayDims || len(b) < 8*nd {
						return nil, nil, errKeyCorrupt
					}
					dims := make([]ArrayDim, nd)
					for i := range dims {
						dims[i] = ArrayDim{Len: int(int32(binary.BigEndian.Uint32(b))), Lower: int(int32(binary.BigEndian.Uint32(b[4:]) ^ (1 << 31)))}
						b = b[8:]
					}
					if !validShape(dims, len(arr.Elements)) {
						return nil, nil, errKeyCorrupt
					}
					arr = Shaped(arr.Elem, arr.Elements, dims)
				}
				return arr, b, nil
			}
			if b[0] != keyArrElem || len(b) < 2 {
				return nil, nil, errKeyCorrupt
			}
			b = b[1:]
			if b[0] == 0xFF {
				arr.Elements = append(arr.Elements, nil)
				b = b[1:]
				continue
			}
			v, rest, err := DecodeKey(e, b)
			if err != nil {
				return nil, nil, err
			}
			arr.Elements = append(arr.Elements, v)
			b = rest
		}
	}
	return nil, nil, pgerror.New(pgerror.FeatureNotSupported, "type %s cannot be used in a key", FormatType(t))
}

// intervalFromSpan turns a 128-bit microsecond span into days and time.
func intervalFromSpan(hi int64, lo uint64) Interval {
	// the span came from int32 months/days and an int64, so it fits in ~2^107;
	// divide by usPerDay with floor semantics using float-free long division.
	neg := hi < 0
	uh, ul := uint64(hi), lo
	if neg {
		ul = ^ul + 1
		uh = ^uh
		if ul == 0 {
			uh++
		}
	}
	// (uh:ul) / usPerDay
	qh := uh / uint64(usPerDay)
	r := uh % uint64(usPerDay)
	ql, rem := div128(r, ul, uint64(usPerDay))
	_ = qh // qh is 0 for valid spans
	days := int64(ql)
	micros := int64(rem)
	if neg {
		days, micros = -days, -micros
	}
	if days > math.MaxInt32 || days < math.MinInt32 {
		return Interval{Micros: micros, Days: int32(days % 30), Months: int32(days / 30)}
	}
	return Interval{Days: int32(days), Micros: micros}
}

func div128(hi, lo, d uint64) (q, r uint64) {
	// binary long division; hi < d
	for i := 0; i < 64; i++ {
		carry := hi >> 63
		hi = hi<<1 | lo>>63
		lo <<= 1
		q <<= 1
		if carry != 0 || hi >= d {
			hi -= d
			q |= 1
		}
	}
	return q, hi
}
