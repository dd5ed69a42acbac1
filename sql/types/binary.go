package types

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
)

// HasBinary reports whether DecodeBinary and AppendBinary support oid.
func HasBinary(oid OID) bool {
	switch oid {
	case Int2OID, Int4OID, Int8OID, Float4OID, Float8OID, NumericOID, BoolOID,
		TextOID, VarcharOID, BpcharOID, NameOID, CharOID, UnknownOID, ByteaOID,
		DateOID, TimeOID, TimestampOID, TimestamptzOID, IntervalOID, UUIDOID,
		JSONOID, JSONBOID, JSONPathOID, RefcursorOID, OidOID, RegclassOID, RegtypeOID, RegprocOID, XidOID, Xid8OID, PgLSNOID, RecordOID, BitOID:
		return true
	}
	if e, ok := ElemOf(T{OID: oid}); ok {
		return HasBinary(e.OID)
	}
	return IsEnum(oid)
}

func errBinary(oid OID) error {
	return pgerror.New(pgerror.InvalidBinaryRepresentation, "incorrect binary data format for type %s", typeName(oid))
}

// DecodeBinary reads the binary wire format of t. b is not retained.
func DecodeBinary(t T, b []byte) (Datum, error) {
	if t.OID >= firstUserTypeOID && IsEnum(t.OID) {
		if err := CheckText(b); err != nil {
			return nil, err
		}
		return ParseEnum(t.OID, string(b)) // enum_recv: the label
	}
	need := func(n int) error {
		if len(b) != n {
			return errBinary(t.OID)
		}
		return nil
	}
	switch t.OID {
	case Int2OID:
		if err := need(2); err != nil {
			return nil, err
		}
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	case Int4OID:
		if err := need(4); err != nil {
			return nil, err
		}
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	case Int8OID, Xid8OID:
		if err := need(8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	case OidOID, RegclassOID, RegtypeOID, RegprocOID, XidOID:
		if err := need(4); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint32(b)), nil
	case Float4OID:
		if err := need(4); err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	case Float8OID:
		if err := need(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case BoolOID:
		if err := need(1); err != nil {
			return nil, err
		}
		return b[0] != 0, nil
	case TextOID, UnknownOID, NameOID, RefcursorOID:
		if err := CheckText(b); err != nil {
			return nil, err
		}
		return string(b), nil
	case VarcharOID, BpcharOID:
		if err := CheckText(b); err != nil {
			return nil, err
		}
		return applyCharTypmod(t, string(b), false)
	case CharOID:
		if len(b) > 1 {
			return nil, errBinary(t.OID)
		}
		return string(b), nil
	case ByteaOID:
		return append([]byte{}, b...), nil
	case DateOID:
		if err := need(4); err != nil {
			return nil, err
		}
		d := Date(int32(binary.BigEndian.Uint32(b)))
		if d != DateInfinity && d != DateNegInfinity && (d < minDate || d >= endDate) {
			return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "date out of range")
		}
		return d, nil
	case TimeOID:
		if err := need(8); err != nil {
			return nil, err
		}
		us := int64(binary.BigEndian.Uint64(b))
		if us < 0 || us > 24*3600*1e6 {
			return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "time out of range")
		}
		return TimeOfDay(us), nil
	case TimestampOID, TimestamptzOID:
		if err := need(8); err != nil {
			return nil, err
		}
		us := int64(binary.BigEndian.Uint64(b))
		if us != math.MaxInt64 && us != math.MinInt64 && (us < minTimestampUs || us >= endTimestampUs) {
			return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range")
		}
		return TimeFromPG(us), nil
	case IntervalOID:
		if err := need(16); err != nil {
			return nil, err
		}
		return Interval{
			Micros: int64(binary.BigEndian.Uint64(b)),
			Days:   int32(binary.BigEndian.Uint32(b[8:])),
			Months: int32(binary.BigEndian.Uint32(b[12:])),
		}, nil
	case UUIDOID:
		if err := need(16); err != nil {
			return nil, err
		}
		var u UUID
		copy(u[:], b)
		return u, nil
	case BitOID:
		return decodeBitsBinary(b)
	case PgLSNOID:
		if err := need(8); err != nil {
			return nil, err
		}
		return LSN(binary.BigEndian.Uint64(b)), nil
	case JSONOID:
		if err := CheckText(b); err != nil {
			return nil, err
		}
		if err := validateJSON(string(b)); err != nil {
			return nil, err
		}
		return JSON(b), nil
	case JSONPathOID:
		if len(b) < 1 || b[0] != 1 {
			return nil, pgerror.New(pgerror.InvalidBinaryRepresentation, "unsupported jsonpath version number: %d", firstByte(b))
		}
		if err := CheckText(b[1:]); err != nil {
			return nil, err
		}
		return parseJSONPath(string(b[1:]))
	case JSONBOID:
		if len(b) < 1 || b[0] != 1 {
			return nil, pgerror.New(pgerror.InvalidBinaryRepresentation, "unsupported jsonb version number %d", firstByte(b))
		}
		if err := CheckText(b[1:]); err != nil {
			return nil, err
		}
		return ParseJSONB(string(b[1:]))
	case NumericOID:
		d, err := decodeNumericBinary(b)
		if err != nil {
			return nil, err
		}
		if t.Mod >= 0 {
			return applyNumericTypmod(d, t.Mod)
		}
		return d, nil
	}
	if e, ok := ElemOf(t); ok {
		return decodeArrayBinary(T{OID: e.OID, Mod: -1}, b)
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "binary format for type %s is not supported", FormatType(t))
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	return int(b[0])
}

// The range PostgreSQL accepts for finite dates (days since 2000-01-01:
// 4714-11-24 BC up to 5874898-01-01) and timestamps (microseconds since
// 2000-01-01: 4714-11-24 BC up to 294277-01-01); date_recv and
// timestamp_recv refuse others with 22008, infinities apart.
const (
	minDate        = Date(-2451545)
	endDate        = Date(2147483494 - 2451545)
	minTimestampUs = int64(-211813488000000000)
	endTimestampUs = int64(9223371331200000000)
)

// CheckText returns 22021 unless b is valid UTF-8 without NUL bytes, which
// PostgreSQL refuses in any text it receives (query strings, parameters,
// COPY data), with its message naming the offending bytes.
func CheckText(b []byte) error {
	for i := 0; i < len(b); {
		c := b[i]
		if c >= 0x01 && c < 0x80 {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if c != 0 && (r != utf8.RuneError || n > 1) {
			i += n
			continue
		}
		return errInvalidUTF8(b[i:])
	}
	return nil
}

// CheckTextString is CheckText for a string.
func CheckTextString(s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c >= 0x80 {
			return CheckText([]byte(s[i:]))
		}
	}
	return nil
}

// errInvalidUTF8 reports the bad sequence at the start of b as PostgreSQL
// does: the bytes its first byte announces, in hex.
func errInvalidUTF8(b []byte) error {
	n := 1
	switch c := b[0]; {
	case c&0xe0 == 0xc0:
		n = 2
	case c&0xf0 == 0xe0:
		n = 3
	case c&0xf8 == 0xf0:
		n = 4
	}
	n = min(n, len(b))
	hex := make([]string, n)
	for i := range n {
		hex[i] = fmt.Sprintf("0x%02x", b[i])
	}
	return pgerror.New(pgerror.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": %s", strings.Join(hex, " "))
}

const (
	numericPos    = 0x0000
	numericNeg    = 0x4000
	numericNaN    = 0xC000
	numericPInf   = 0xD000
	numericNInf   = 0xF000
	numericMaxDsc = 0x3FFF
)

func decodeNumericBinary(b []byte) (*apd.Decimal, error) {
	if len(b) < 8 {
		return nil, errBinary(NumericOID)
	}
	ndigits := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dsc := int(binary.BigEndian.Uint16(b[6:]))
	switch sign {
	case numericNaN:
		return &apd.Decimal{Form: apd.NaN}, nil
	case numericPInf:
		return &apd.Decimal{Form: apd.Infinite}, nil
	case numericNInf:
		return &apd.Decimal{Form: apd.Infinite, Negative: true}, nil
	case numericPos, numericNeg:
	default:
		return nil, pgerror.New(pgerror.InvalidBinaryRepresentation, "invalid sign in external \"numeric\" value")
	}
	if dsc > numericMaxDsc {
		return nil, pgerror.New(pgerror.InvalidBinaryRepresentation, "invalid scale in external \"numeric\" value")
	}
	if len(b) != 8+2*ndigits {
		return nil, errBinary(NumericOID)
	}
	// value = sum digits[i] * 10000^(weight-i): the digits, four decimal
	// digits each, form the coefficient of 10^(4*(weight-ndigits+1)).
	d := new(apd.Decimal)
	var small uint64
	var text []byte
	if ndigits > 4 {
		text = make([]byte, 0, 4*ndigits)
	}
	for i := 0; i < ndigits; i++ {
		dg := binary.BigEndian.Uint16(b[8+2*i:])
		if dg >= 10000 {
			return nil, pgerror.New(pgerror.InvalidBinaryRepresentation, "invalid digit in external \"numeric\" value")
		}
		if text == nil {
			small = small*10000 + uint64(dg)
		} else {
			text = append(text, byte('0'+dg/1000), byte('0'+dg/100%10), byte('0'+dg/10%10), byte('0'+dg%10))
		}
	}
	if text == nil {
		d.Coeff.SetUint64(small)
	} else if _, ok := d.Coeff.SetString(string(text), 10); !ok {
		return nil, errBinary(NumericOID)
	}
	exp := int64(4 * (weight - ndigits + 1))
	d.Exponent = int32(exp)
	if !NumericInRange(d) {
		return nil, NumericOverflow()
	}
	d.Negative = sign == numericNeg
	// rescale to exactly NumericDisplayScale digits after the point
	var r apd.Decimal
	c := DecimalContext(MaxNumericDigits, apd.RoundDown)
	if _, err := c.Quantize(&r, d, int32(-dsc)); err != nil {
		return nil, errBinary(NumericOID)
	}
	NormalizeNumericZero(&r)
	return &r, nil
}

func appendNumericBinary(dst []byte, d *apd.Decimal) []byte {
	hdr := func(nd, weight int, sign uint16, dsc int) {
		dst = binary.BigEndian.AppendUint16(dst, uint16(nd))
		dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
		dst = binary.BigEndian.AppendUint16(dst, sign)
		dst = binary.BigEndian.AppendUint16(dst, uint16(dsc))
	}
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		hdr(0, 0, numericNaN, 0)
		return dst
	case apd.Infinite:
		if d.Negative {
			hdr(0, 0, numericNInf, 0)
		} else {
			hdr(0, 0, numericPInf, 0)
		}
		return dst
	}
	dsc := int(NumericDisplayScale(d))
	var tmp [48]byte
	digits := d.Coeff.Append(tmp[:0], 10)
	if d.Coeff.Sign() == 0 {
		hdr(0, 0, numericPos, dsc)
		return dst
	}
	// decimal digits with the point after intLen digits
	exp := int(d.Exponent)
	intLen := len(digits) + exp // may be <= 0 or > len(digits)
	// pad on the left so that intLen is a multiple of 4, on the right to a multiple of 4
	lead := (4 - intLen%4) % 4
	if intLen <= 0 {
		lead = (4 - (intLen%4+4)%4) % 4
	}
	weight := (intLen+lead)/4 - 1
	total := lead + len(digits)
	trail := (4 - total%4) % 4
	groups := (total + trail) / 4
	get := func(i int) int { // i-th padded digit
		i -= lead
		if i < 0 || i >= len(digits) {
			return 0
		}
		return int(digits[i] - '0')
	}
	// drop trailing zero groups
	nd := groups
	for nd > 0 {
		g := 0
		for k := 0; k < 4; k++ {
			g = g*10 + get((nd-1)*4+k)
		}
		if g != 0 {
			break
		}
		nd--
	}
	start := 0
	for start < nd {
		g := 0
		for k := 0; k < 4; k++ {
			g = g*10 + get(start*4+k)
		}
		if g != 0 {
			break
		}
		start++
	}
	sign := uint16(numericPos)
	if d.Negative {
		sign = numericNeg
	}
	hdr(nd-start, weight-start, sign, dsc)
	for gi := start; gi < nd; gi++ {
		g := 0
		for k := 0; k < 4; k++ {
			g = g*10 + get(gi*4+k)
		}
		dst = binary.BigEndian.AppendUint16(dst, uint16(g))
	}
	return dst
}

// AppendBinary appends d (non-NULL) in t's binary wire format.
func AppendBinary(dst []byte, t T, d Datum) ([]byte, error) {
	switch v := d.(type) {
	case int64:
		switch t.OID {
		case Int2OID:
			return binary.BigEndian.AppendUint16(dst, uint16(v)), nil
		case Int4OID, OidOID, RegclassOID, RegtypeOID, RegprocOID, XidOID:
			return binary.BigEndian.AppendUint32(dst, uint32(v)), nil
		case Int8OID, Xid8OID:
			return binary.BigEndian.AppendUint64(dst, uint64(v)), nil
		}
	case float64:
		if t.OID == Float4OID {
			return binary.BigEndian.AppendUint32(dst, math.Float32bits(float32(v))), nil
		}
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(v)), nil
	case *apd.Decimal:
		return appendNumericBinary(dst, v), nil
	case bool:
		if v {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case string:
		if t.OID == JSONPathOID {
			dst = append(dst, 1) // jsonpath's binary format: version 1, then the text
		}
		return append(dst, v...), nil
	case []byte:
		return append(dst, v...), nil
	case Date:
		return binary.BigEndian.AppendUint32(dst, uint32(v)), nil
	case TimeOfDay:
		return binary.BigEndian.AppendUint64(dst, uint64(v)), nil
	case time.Time:
		return binary.BigEndian.AppendUint64(dst, uint64(TimeToPG(v))), nil
	case Interval:
		dst = binary.BigEndian.AppendUint64(dst, uint64(v.Micros))
		dst = binary.BigEndian.AppendUint32(dst, uint32(v.Days))
		return binary.BigEndian.AppendUint32(dst, uint32(v.Months)), nil
	case UUID:
		return append(dst, v[:]...), nil
	case LSN:
		return binary.BigEndian.AppendUint64(dst, uint64(v)), nil
	case Bits:
		return appendBitsBinary(dst, v), nil
	case JSON:
		return append(dst, v...), nil
	case JSONB:
		dst = append(dst, 1)
		return append(dst, v...), nil
	case Array:
		return appendArrayBinary(dst, t, v)
	case Record:
		return appendRecordBinary(dst, t, v)
	case Enum:
		return append(dst, v.Label...), nil // enum_send: the label
	}
	return dst, pgerror.New(pgerror.FeatureNotSupported, "binary format for type %s is not supported", FormatType(t))
}

func appendArrayBinary(dst []byte, t T, a Array) ([]byte, error) {
	// the declared type decides the element OID and width drivers expect
	elem := a.Elem
	if e, ok := ElemOf(t); ok {
		elem = e
	}
	hasNull := int32(0)
	for _, e := range a.Elements {
		if e == nil {
			hasNull = 1
		}
	}
	if len(a.Elements) == 0 {
		dst = binary.BigEndian.AppendUint32(dst, 0)
		dst = binary.BigEndian.AppendUint32(dst, 0)
		return binary.BigEndian.AppendUint32(dst, elem.OID), nil
	}
	dims := a.Shape()
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(dims)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(hasNull))
	dst = binary.BigEndian.AppendUint32(dst, elem.OID)
	for _, d := range dims {
		dst = binary.BigEndian.AppendUint32(dst, uint32(d.Len))
		dst = binary.BigEndian.AppendUint32(dst, uint32(int32(d.Lower)))
	}
	for _, e := range a.Elements {
		if e == nil {
			dst = binary.BigEndian.AppendUint32(dst, math.MaxUint32)
			continue
		}
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		var err error
		dst, err = AppendBinary(dst, elem, e)
		if err != nil {
			return dst, err
		}
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst, nil
}

func decodeArrayBinary(elem T, b []byte) (Datum, error) {
	bad := func() (Datum, error) {
		return nil, pgerror.New(pgerror.InvalidBinaryRepresentation, "invalid array binary format")
	}
	if len(b) < 12 {
		return bad()
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	eoid := binary.BigEndian.Uint32(b[8:])
	if eoid != elem.OID {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "binary data has array element type %d (%s) instead of expected %d (%s)", eoid, typeName(eoid), elem.OID, typeName(elem.OID))
	}
	b = b[12:]
	arr := Array{Elem: elem, Elements: []Datum{}}
	if ndim == 0 {
		if len(b) != 0 {
			return bad()
		}
		return arr, nil
	}
	if ndim < 0 || ndim > MaxArrayDims {
		return nil, pgerror.New(pgerror.InvalidBinaryRepresentation, "invalid number of dimensions: %d", ndim)
	}
	if len(b) < 8*int(ndim) {
		return bad()
	}
	dims := make([]ArrayDim, ndim)
	n := 1
	for i := range dims {
		l := int32(binary.BigEndian.Uint32(b))
		dims[i] = ArrayDim{Len: int(l), Lower: int(int32(binary.BigEndian.Uint32(b[4:])))}
		b = b[8:]
		if l < 0 {
			return bad()
		}
		if n *= int(l); n > len(b)/4+1 {
			return bad() // each element takes at least its 4-byte length
		}
	}
	if err := CheckArraySize(dims); err != nil {
		return nil, err
	}
	if n == 0 {
		if len(b) != 0 {
			return bad()
		}
		return arr, nil
	}
	if n > len(b)/4 {
		return bad()
	}
	arr.Elements = make([]Datum, 0, n)
	for i := 0; i < n; i++ {
		if len(b) < 4 {
			return bad()
		}
		l := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if l == -1 {
			arr.Elements = append(arr.Elements, nil)
			continue
		}
		if l < 0 || int(l) > len(b) {
			return bad()
		}
		e, err := DecodeBinary(elem, b[:l])
		if err != nil {
			return nil, err
		}
		arr.Elements = append(arr.Elements, e)
		b = b[l:]
	}
	if len(b) != 0 {
		return bad()
	}
	return Shaped(elem, arr.Elements, dims), nil
}
