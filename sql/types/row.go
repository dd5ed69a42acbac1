package types

import (
	"encoding/binary"
	"math"
	"math/big"
	"time"
	"unsafe"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
)

// RowColumn names one column of a stored row: its stable column ID (never
// reused, so ADD/DROP COLUMN need no rewrite) and its type.
type RowColumn struct {
	ID uint32
	T  T
}

var errRowCorrupt = pgerror.New(pgerror.DataCorrupted, "corrupt row encoding")

// AppendRow appends the compact encoding of a row: for each non-NULL value,
// its column ID (uvarint), its length (uvarint) and its bytes; NULLs are
// omitted. vals[i] belongs to cols[i].
func AppendRow(dst []byte, cols []RowColumn, vals []Datum) []byte {
	for i, c := range cols {
		if i >= len(vals) || vals[i] == nil {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(c.ID))
		// reserve one length byte, move the value if it is longer than 127
		at := len(dst)
		dst = append(dst, 0)
		dst = appendCompact(dst, c.T, vals[i])
		n := len(dst) - at - 1
		if n < 0x80 {
			dst[at] = byte(n)
			continue
		}
		var lb [binary.MaxVarintLen64]byte
		ln := binary.PutUvarint(lb[:], uint64(n))
		dst = append(dst, lb[:ln-1]...) // grow
		copy(dst[at+ln:], dst[at+1:at+1+n])
		copy(dst[at:], lb[:ln])
	}
	return dst
}

// DecodeRow fills out[i] with the value of cols[i] (nil when absent);
// column IDs in b that cols does not name are skipped. Strings and byte
// slices in out do not alias b.
func DecodeRow(b []byte, cols []RowColumn, out []Datum) error {
	if len(out) < len(cols) {
		return pgerror.New(pgerror.Internal, "BUG: DecodeRow output shorter than columns")
	}
	for i := range cols {
		out[i] = nil
	}
	// one copy of all the row's bytes backs every string in it
	var arena []byte
	next := 0
	for len(b) > 0 {
		id, n := binary.Uvarint(b)
		if n <= 0 {
			return errRowCorrupt
		}
		b = b[n:]
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return errRowCorrupt
		}
		val := b[n : n+int(l)]
		b = b[n+int(l):]
		// columns are usually stored in the order asked for
		ci := -1
		for k := 0; k < len(cols); k++ {
			j := next + k
			if j >= len(cols) {
				j -= len(cols)
			}
			if cols[j].ID == uint32(id) {
				ci = j
				break
			}
		}
		if ci < 0 {
			continue
		}
		next = ci + 1
		if isVarlenFamily(cols[ci].T) {
			if arena == nil {
				arena = make([]byte, 0, len(b)+len(val))
			}
			at := len(arena)
			arena = append(arena, val...)
			val = arena[at:len(arena):len(arena)]
		}
		d, err := decodeCompact(cols[ci].T, val)
		if err != nil {
			return err
		}
		out[ci] = d
	}
	return nil
}

func isVarlenFamily(t T) bool {
	switch t.OID {
	case TextOID, VarcharOID, BpcharOID, NameOID, CharOID, UnknownOID, ByteaOID, JSONOID, JSONBOID, JSONPathOID, BitOID, RefcursorOID:
		return true
	}
	return false
}

// rowArrShape marks an array's shape in its compact form: a count of
// elements is never this large (it is at most the bytes that follow).
const rowArrShape = 1 << 48

func appendZigzag(dst []byte, v int64) []byte {
	return binary.AppendUvarint(dst, uint64(v<<1)^uint64(v>>63))
}

func readZigzag(b []byte) (int64, []byte, error) {
	u, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, errRowCorrupt
	}
	return int64(u>>1) ^ -int64(u&1), b[n:], nil
}

// appendCompact is the storage form of one value.
func appendCompact(dst []byte, t T, d Datum) []byte {
	switch v := d.(type) {
	case int64:
		return appendZigzag(dst, v)
	case float64:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
	case *apd.Decimal:
		return appendCompactDecimal(dst, v)
	case bool:
		if v {
			return append(dst, 1)
		}
		return append(dst, 0)
	case string:
		return append(dst, v...)
	case []byte:
		return append(dst, v...)
	case JSON:
		return append(dst, v...)
	case Bits:
		return append(dst, v...)
	case JSONB:
		return append(dst, v...)
	case Date:
		return appendZigzag(dst, int64(v))
	case time.Time:
		return appendZigzag(dst, TimeToPG(v))
	case TimeOfDay:
		return appendZigzag(dst, int64(v))
	case Interval:
		dst = appendZigzag(dst, int64(v.Months))
		dst = appendZigzag(dst, int64(v.Days))
		return appendZigzag(dst, v.Micros)
	case UUID:
		return append(dst, v[:]...)
	case LSN:
		return binary.AppendUvarint(dst, uint64(v))
	case Array:
		if !v.IsPlain() {
			// a shape mark no element count can be, then each dimension
			dst = binary.AppendUvarint(dst, rowArrShape|uint64(len(v.Dims)))
			for _, d := range v.Dims {
				dst = appendZigzag(appendZigzag(dst, int64(d.Len)), int64(d.Lower))
			}
		}
		dst = binary.AppendUvarint(dst, uint64(len(v.Elements)))
		var tmp []byte
		for _, e := range v.Elements {
			if e == nil {
				dst = append(dst, 0)
				continue
			}
			tmp = appendCompact(tmp[:0], v.Elem, e)
			dst = binary.AppendUvarint(dst, uint64(len(tmp))+1)
			dst = append(dst, tmp...)
		}
		return dst
	case Enum:
		return appendEnumCompact(dst, v)
	case Record:
		return appendRecordCompact(dst, t, v) // composite.go
	}
	return dst
}

// Compact decimal: a form byte (0 finite, 1 finite negative, 2 NaN, 3 +Inf,
// 4 -Inf; +8 when the coefficient is big-endian bytes instead of a uvarint),
// the exponent (zigzag) and the coefficient.
func appendCompactDecimal(dst []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(dst, 2)
	case apd.Infinite:
		if d.Negative {
			return append(dst, 4)
		}
		return append(dst, 3)
	}
	form := byte(0)
	if d.Negative {
		form = 1
	}
	if d.Coeff.IsUint64() {
		dst = append(dst, form)
		dst = appendZigzag(dst, int64(d.Exponent))
		return binary.AppendUvarint(dst, d.Coeff.Uint64())
	}
	dst = append(dst, form|8)
	dst = appendZigzag(dst, int64(d.Exponent))
	bi := d.Coeff.MathBigInt()
	start := len(dst)
	dst = append(dst, make([]byte, (bi.BitLen()+7)/8)...)
	bi.FillBytes(dst[start:])
	return dst
}

func decodeCompactDecimal(b []byte) (*apd.Decimal, error) {
	if len(b) < 1 {
		return nil, errRowCorrupt
	}
	form := b[0]
	switch form {
	case 2:
		return &apd.Decimal{Form: apd.NaN}, nil
	case 3:
		return &apd.Decimal{Form: apd.Infinite}, nil
	case 4:
		return &apd.Decimal{Form: apd.Infinite, Negative: true}, nil
	}
	exp, rest, err := readZigzag(b[1:])
	if err != nil || exp < math.MinInt32 || exp > math.MaxInt32 {
		return nil, errRowCorrupt
	}
	d := &apd.Decimal{Negative: form&1 == 1, Exponent: int32(exp)}
	switch form &^ 1 {
	case 0:
		c, n := binary.Uvarint(rest)
		if n <= 0 || n != len(rest) {
			return nil, errRowCorrupt
		}
		d.Coeff.SetUint64(c)
	case 8:
		var bi big.Int
		bi.SetBytes(rest)
		d.Coeff.SetMathBigInt(&bi)
	default:
		return nil, errRowCorrupt
	}
	if !NumericInRange(d) {
		return nil, errRowCorrupt
	}
	return d, nil
}

func decodeCompact(t T, b []byte) (Datum, error) {
	if t.OID >= firstUserTypeOID && IsEnum(t.OID) {
		return decodeEnumCompact(t, b)
	}
	if t.OID >= firstUserTypeOID && IsComposite(t.OID) {
		return decodeCompositeCompact(t, b)
	}
	switch t.OID {
	case Int2OID, Int4OID, Int8OID, OidOID, RegclassOID, RegtypeOID, RegprocOID, XidOID, Xid8OID:
		v, rest, err := readZigzag(b)
		if err != nil || len(rest) != 0 {
			return nil, errRowCorrupt
		}
		return v, nil
	case Float4OID, Float8OID:
		if len(b) != 8 {
			return nil, errRowCorrupt
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	case NumericOID:
		return decodeCompactDecimal(b)
	case BoolOID:
		if len(b) != 1 {
			return nil, errRowCorrupt
		}
		return b[0] != 0, nil
	case TextOID, VarcharOID, BpcharOID, NameOID, CharOID, UnknownOID, JSONPathOID, RefcursorOID:
		return unsafeString(b), nil
	case ByteaOID:
		return b, nil
	case JSONOID:
		return JSON(unsafeString(b)), nil
	case BitOID:
		return Bits(string(b)), nil
	case JSONBOID:
		return JSONB(unsafeString(b)), nil
	case DateOID:
		v, rest, err := readZigzag(b)
		if err != nil || len(rest) != 0 || v < math.MinInt32 || v > math.MaxInt32 {
			return nil, errRowCorrupt
		}
		return Date(v), nil
	case TimestampOID, TimestamptzOID:
		v, rest, err := readZigzag(b)
		if err != nil || len(rest) != 0 {
			return nil, errRowCorrupt
		}
		return TimeFromPG(v), nil
	case TimeOID:
		v, rest, err := readZigzag(b)
		if err != nil || len(rest) != 0 {
			return nil, errRowCorrupt
		}
		return TimeOfDay(v), nil
	case IntervalOID:
		m, rest, err := readZigzag(b)
		if err != nil {
			return nil, err
		}
		d, rest, err := readZigzag(rest)
		if err != nil {
			return nil, err
		}
		us, rest, err := readZigzag(rest)
		if err != nil || len(rest) != 0 {
			return nil, errRowCorrupt
		}
		return Interval{Months: int32(m), Days: int32(d), Micros: us}, nil
	case UUIDOID:
		if len(b) != 16 {
			return nil, errRowCorrupt
		}
		var u UUID
		copy(u[:], b)
		return u, nil
	case PgLSNOID:
		v, n := binary.Uvarint(b)
		if n <= 0 || n != len(b) {
			return nil, errRowCorrupt
		}
		return LSN(v), nil
	}
	if e, ok := ElemOf(t); ok {
		cnt, n := binary.Uvarint(b)
		var dims []ArrayDim
		if n > 0 && cnt&rowArrShape != 0 {
			nd := cnt &^ rowArrShape
			if nd < 1 || nd > MaxArrayDims {
				return nil, errRowCorrupt
			}
			b = b[n:]
			dims = make([]ArrayDim, nd)
			for i := range dims {
				l, rest, err := readZigzag(b)
				if err != nil {
					return nil, err
				}
				lo, rest, err := readZigzag(rest)
				if err != nil {
					return nil, err
				}
				dims[i], b = ArrayDim{Len: int(l), Lower: int(lo)}, rest
			}
			cnt, n = binary.Uvarint(b)
		}
		if n <= 0 || cnt > uint64(len(b)) {
			return nil, errRowCorrupt
		}
		b = b[n:]
		arr := Array{Elem: e, Elements: make([]Datum, 0, cnt)}
		for i := uint64(0); i < cnt; i++ {
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n)+1 {
				return nil, errRowCorrupt
			}
			b = b[n:]
			if l == 0 {
				arr.Elements = append(arr.Elements, nil)
				continue
			}
			v, err := decodeCompact(e, b[:l-1])
			if err != nil {
				return nil, err
			}
			arr.Elements = append(arr.Elements, v)
			b = b[l-1:]
		}
		if len(b) != 0 {
			return nil, errRowCorrupt
		}
		if dims != nil {
			if !validShape(dims, len(arr.Elements)) {
				return nil, errRowCorrupt
			}
			arr = Shaped(arr.Elem, arr.Elements, dims)
		}
		return arr, nil
	}
	return nil, errRowCorrupt
}

// unsafeString views b as a string; callers pass bytes nobody mutates.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
