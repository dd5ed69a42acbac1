package types

import (
	"encoding/binary"
	"strconv"
	"strings"

	"logdb/sql/pgerror"
)

// Bit string types: bit(n), a fixed-length string of n bits (bare "bit"
// is bit(1)); varbit is not implemented. The typmod is n itself.
const (
	BitOID      OID = 1560
	BitArrayOID OID = 1561
)

// maxBitLength is PostgreSQL's limit on a bit string's length.
const maxBitLength = 83886080

// Bits is a bit(n) value: one '0' or '1' byte a bit, most significant
// first, so string order is PostgreSQL's bit order (bitcmp: the common
// prefix, then the shorter first).
type Bits string

// parseBits reads bit_in's input: 0s and 1s, or x followed by hex digits
// (also with a leading b).
func parseBits(s string) (Datum, error) {
	if len(s) > 0 && (s[0] == 'x' || s[0] == 'X') {
		var b strings.Builder
		for _, c := range s[1:] {
			v, err := strconv.ParseUint(string(c), 16, 8)
			if err != nil {
				return nil, pgerror.New(pgerror.InvalidTextRepresentation, "\"%c\" is not a valid hexadecimal digit", c)
			}
			b.WriteString(strconv.FormatUint(v|0x10, 2)[1:])
		}
		return checkBitLen(Bits(b.String()))
	}
	if len(s) > 0 && (s[0] == 'b' || s[0] == 'B') {
		s = s[1:]
	}
	for _, c := range s {
		if c != '0' && c != '1' {
			return nil, pgerror.New(pgerror.InvalidTextRepresentation, "\"%c\" is not a valid binary digit", c)
		}
	}
	return checkBitLen(Bits(s))
}

func checkBitLen(b Bits) (Datum, error) {
	if len(b) > maxBitLength {
		return nil, pgerror.New(pgerror.ProgramLimitExceeded, "bit string length exceeds the maximum allowed (%d)", maxBitLength)
	}
	return b, nil
}

// bitTypmod is bit(n)'s typmod: n, 1 for bare bit.
func bitTypmod(mods []int32) (int32, error) {
	if len(mods) == 0 {
		return 1, nil
	}
	if len(mods) > 1 {
		return 0, pgerror.New(pgerror.SyntaxError, "invalid type modifier")
	}
	if mods[0] < 1 {
		return 0, pgerror.New(pgerror.InvalidParameterValue, "length for type bit must be at least 1")
	}
	if mods[0] > maxBitLength {
		return 0, pgerror.New(pgerror.InvalidParameterValue, "length for type bit cannot exceed %d", maxBitLength)
	}
	return mods[0], nil
}

// applyBitTypmod is bit(n)'s length coercion: an explicit cast truncates
// or pads with zeros on the right, anything else wants the exact length
// (22026), as PostgreSQL's bit() function.
func applyBitTypmod(b Bits, n int32, explicit bool) (Datum, error) {
	if int32(len(b)) == n {
		return b, nil
	}
	if !explicit {
		return nil, pgerror.New(pgerror.StringDataLengthMismatch, "bit string length %d does not match type bit(%d)", len(b), n)
	}
	if int32(len(b)) > n {
		return b[:n], nil
	}
	return b + Bits(strings.Repeat("0", int(n)-len(b))), nil
}

// bitsFromInt is bitfromint4/bitfromint8: the low n bits of v (sign
// extended when n is wider than the integer).
func bitsFromInt(v int64, width int, n int32) Bits {
	if n < 0 {
		n = 1
	}
	out := make([]byte, n)
	for i := int32(0); i < n; i++ {
		shift := int(n - 1 - i)
		if shift >= width {
			shift = width - 1
		}
		out[i] = '0' + byte((v>>uint(shift))&1)
	}
	return Bits(out)
}

// bitsToInt is bittoint4/bittoint8 (22003 when the string is wider than
// the integer).
func bitsToInt(b Bits, to OID) (int64, error) {
	width := 32
	if to == Int8OID {
		width = 64
	}
	if len(b) > width {
		return 0, errIntRange(to)
	}
	var u uint64
	for i := 0; i < len(b); i++ {
		u = u<<1 | uint64(b[i]-'0')
	}
	if width == 32 {
		return int64(int32(uint32(u))), nil
	}
	return int64(u), nil
}

// GetBit is get_bit(bit, n): bit n, counted from 0 at the left (22023
// outside the string).
func GetBit(b Bits, n int64) (int64, error) {
	if n < 0 || n >= int64(len(b)) {
		return 0, pgerror.New(pgerror.ArraySubscriptError, "bit index %d out of valid range (0..%d)", n, len(b)-1)
	}
	return int64(b[n] - '0'), nil
}

// appendBitsBinary is bit_send: the length in bits, then the bits packed
// most significant first.
func appendBitsBinary(dst []byte, b Bits) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	var cur byte
	for i := 0; i < len(b); i++ {
		cur |= (b[i] - '0') << (7 - uint(i%8))
		if i%8 == 7 {
			dst = append(dst, cur)
			cur = 0
		}
	}
	if len(b)%8 != 0 {
		dst = append(dst, cur)
	}
	return dst
}

// decodeBitsBinary is bit_recv.
func decodeBitsBinary(b []byte) (Datum, error) {
	if len(b) < 4 {
		return nil, pgerror.New(pgerror.InvalidBinaryRepresentation, "insufficient data left in message")
	}
	n := int32(binary.BigEndian.Uint32(b))
	if n < 0 || n > maxBitLength || int(n+7)/8 != len(b)-4 {
		return nil, pgerror.New(pgerror.InvalidBinaryRepresentation, "invalid length in external bit string")
	}
	out := make([]byte, n)
	for i := int32(0); i < n; i++ {
		out[i] = '0' + (b[4+i/8]>>(7-uint(i%8)))&1
	}
	return Bits(out), nil
}
