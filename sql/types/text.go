package types

import (
	"encoding/hex"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
)

func errSyntax(oid OID, s string) error {
	return pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", typeName(oid), s)
}

// ParseText is the type input function: it reads s in the text format of t
// (wire text format, literals, casts from text) and applies t's typmod the
// way an assignment does. It is ParseTextCtx without a statement: timestamps
// without a zone are read in UTC, and 'now', 'today', 'tomorrow' and
// 'yesterday' from the wall clock. Code that runs for a statement uses
// ParseTextCtx.
func ParseText(t T, s string) (Datum, error) { return ParseTextCtx(nil, t, s) }

// InputReadsContext reports whether t's input function may read ctx: the
// date and time types (the session zone, 'now', 'today') and arrays of them.
// A value parsed for such a type belongs to its transaction and session and
// must not be kept in a plan that outlives them.
func InputReadsContext(t T) bool {
	if e, ok := ElemOf(t); ok {
		t = e
	}
	switch t.OID {
	case DateOID, TimestampOID, TimestamptzOID, TimeOID:
		return true
	}
	return false
}

// ParseTextCtx is ParseText for a statement: a timestamp without a zone is
// read in ctx.Location, and 'now', 'today', 'tomorrow' and 'yesterday' mean
// ctx.TxnTime (the start of the transaction, as in PostgreSQL), so two reads
// in one transaction agree and a test can pin the clock.
func ParseTextCtx(ctx *EvalContext, t T, s string) (Datum, error) {
	loc := ctxLoc(ctx)
	switch t.OID {
	case Int2OID, Int4OID, Int8OID:
		return parseInt(t.OID, s)
	case Xid8OID:
		// logdb's transaction ids are raft indexes: they fit in 63 bits
		return parseIntText(t.OID, s, 0, math.MaxInt64)
	case OidOID, RegprocOID, XidOID, RegclassOID:
		return parseOid(t.OID, s)
	case RegtypeOID:
		if v, err := parseOid(t.OID, s); err == nil {
			return v, nil
		}
		name := strings.TrimSpace(s)
		if strings.HasPrefix(name, `"`) || strings.Contains(name, `."`) {
			// '"pg_catalog"."int4"', '"int4"': quoted identifiers
			if name = lastQuotedIdent(name); name == "" {
				return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid type name \"%s\"", s)
			}
		} else if i := strings.LastIndexByte(name, '.'); i >= 0 && !strings.Contains(name, "(") {
			name = name[i+1:]
		}
		typ, err := typeFromSQLText(name)
		if err != nil {
			if oid, ok := userTypeByName(ctx, s); ok { // enum.go
				return int64(oid), nil
			}
			return nil, err
		}
		return int64(typ.OID), nil
	case Float4OID, Float8OID:
		return parseFloat(t.OID, s)
	case NumericOID:
		d, err := parseNumeric(s)
		if err != nil {
			return nil, err
		}
		if t.Mod >= 0 {
			return applyNumericTypmod(d, t.Mod)
		}
		return d, nil
	case BoolOID:
		return parseBool(s)
	case TextOID, UnknownOID, RefcursorOID:
		return s, nil
	case VarcharOID, BpcharOID:
		return applyCharTypmod(t, s, false)
	case NameOID:
		return truncName(s), nil
	case CharOID:
		if s == "" {
			return "", nil
		}
		return s[:1], nil
	case ByteaOID:
		return parseBytea(s)
	case DateOID:
		return parseDate(s, ctxDateOrder(ctx), loc, txnTime(ctx))
	case TimestampOID:
		ts, err := ParseTimestamp(s, false, ctxDateOrder(ctx), loc, txnTime(ctx))
		if err != nil {
			return nil, err
		}
		return roundTimestamp(ts, t.Mod), nil
	case TimestamptzOID:
		ts, err := ParseTimestamp(s, true, ctxDateOrder(ctx), loc, txnTime(ctx))
		if err != nil {
			return nil, err
		}
		return roundTimestamp(ts, t.Mod), nil
	case TimeOID:
		return ParseTime(s, loc, txnTime(ctx))
	case IntervalOID:
		return parseInterval(s, t.Mod)
	case UUIDOID:
		return ParseUUID(s)
	case PgLSNOID:
		return parseLSN(s)
	case BitOID:
		b, err := parseBits(s)
		if err != nil || t.Mod < 0 {
			return b, err
		}
		return applyBitTypmod(b.(Bits), t.Mod, false) // bit_in wants the exact length
	case JSONOID:
		if err := validateJSON(s); err != nil {
			return nil, err
		}
		return JSON(s), nil
	case JSONBOID:
		return ParseJSONB(s)
	case JSONPathOID:
		return parseJSONPath(s)
	case VoidOID:
		return nil, nil
	case Int2VectorOID, OidVectorOID:
		elem := tt(Int2OID)
		if t.OID == OidVectorOID {
			elem = tt(OidOID)
		}
		arr := Array{Elem: elem, Elements: []Datum{}}
		for _, f := range strings.Fields(s) {
			v, err := ParseText(elem, f)
			if err != nil {
				return nil, err
			}
			arr.Elements = append(arr.Elements, v)
		}
		return arr, nil
	}
	if e, ok := ElemOf(t); ok {
		return parseArray(ctx, e, s)
	}
	if IsEnum(t.OID) {
		return ParseEnum(t.OID, s)
	}
	if IsComposite(t.OID) {
		return parseComposite(ctx, t, s)
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "input of type %s is not supported", FormatType(t))
}

// lastQuotedIdent is the last part of a dotted name whose parts may be
// quoted ("a"."b", "x""y"), as written after the last dot, the quotes
// removed ("" when it does not parse). What follows the identifier
// (array brackets, a typmod) is kept.
func lastQuotedIdent(s string) string {
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' && quoted && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			quoted = !quoted
		case c == '.' && !quoted:
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if quoted {
		return ""
	}
	return cur.String()
}

func typeFromSQLText(name string) (T, error) {
	n := strings.TrimSpace(strings.ToLower(name))
	dims := 0
	for strings.HasSuffix(n, "[]") {
		n = strings.TrimSuffix(n, "[]")
		dims++
	}
	var mods []int32
	if i := strings.IndexByte(n, '('); i > 0 && strings.HasSuffix(n, ")") {
		for _, m := range strings.Split(n[i+1:len(n)-1], ",") {
			v, err := strconv.Atoi(strings.TrimSpace(m))
			if err != nil {
				return T{}, pgerror.New(pgerror.SyntaxError, "invalid type name \"%s\"", name)
			}
			mods = append(mods, int32(v))
		}
		n = strings.TrimSpace(n[:i])
	}
	return TypeFromName(n, mods, dims)
}

func truncName(s string) string {
	if len(s) <= 63 {
		return s
	}
	n := 63
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func roundTimestamp(ts time.Time, mod int32) time.Time {
	if mod < 0 || mod >= 6 || IsInfTime(ts) != 0 {
		return ts
	}
	unit := time.Duration(math.Pow10(int(6-mod))) * time.Microsecond
	return ts.Round(unit)
}

// parseIntText parses an optionally signed decimal integer, surrounding
// spaces allowed, that must lie in [lo, hi] (22P02 for bad syntax, 22003
// out of range) as the input of type oid.
func parseIntText(oid OID, s string, lo, hi int64) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	if i == len(t) || !allDigits(t[i:]) {
		return 0, errSyntax(oid, s)
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, pgerror.New(pgerror.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", s, typeName(oid))
	}
	return v, nil
}

func parseInt(oid OID, s string) (Datum, error) {
	lo, hi := intRange(oid)
	v, err := parseIntText(oid, s, lo, hi)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func parseOid(oid OID, s string) (Datum, error) {
	v, err := parseIntText(oid, s, math.MinInt32, math.MaxUint32)
	if err != nil {
		return nil, err
	}
	return int64(uint32(v)), nil
}

func parseFloat(oid OID, s string) (Datum, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "nan":
		return math.NaN(), nil
	case "infinity", "+infinity", "inf", "+inf":
		return math.Inf(1), nil
	case "-infinity", "-inf":
		return math.Inf(-1), nil
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(isDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return nil, errSyntax(oid, s)
		}
	}
	bits := 64
	if oid == Float4OID {
		bits = 32
	}
	f, err := strconv.ParseFloat(t, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return nil, pgerror.New(pgerror.NumericValueOutOfRange, "\"%s\" is out of range for type %s", s, typeName(oid))
		}
		return nil, errSyntax(oid, s)
	}
	if f == 0 && hasNonzeroMantissa(t) {
		// underflow to zero is an error; denormals are accepted
		return nil, pgerror.New(pgerror.NumericValueOutOfRange, "\"%s\" is out of range for type %s", s, typeName(oid))
	}
	return f, nil
}

func hasNonzeroMantissa(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'e' || c == 'E':
			return false
		case c >= '1' && c <= '9':
			return true
		}
	}
	return false
}

func parseBool(s string) (Datum, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t != "" {
		switch {
		case strings.HasPrefix("true", t), strings.HasPrefix("yes", t), t == "on", t == "1":
			return true, nil
		case strings.HasPrefix("false", t), strings.HasPrefix("no", t), t == "of" || t == "off", t == "0":
			return false, nil
		}
	}
	return nil, errSyntax(BoolOID, s)
}

// applyCharTypmod enforces varchar(n)/char(n) on s: too long is an error
// unless the excess is spaces, or explicit is set (then it is truncated);
// char(n) is blank-padded.
func applyCharTypmod(t T, s string, explicit bool) (string, error) {
	if t.Mod < 4 {
		if t.OID == BpcharOID {
			return s, nil
		}
		return s, nil
	}
	n := int(t.Mod - 4)
	cnt := utf8.RuneCountInString(s)
	if cnt > n {
		cut := byteOffsetOfRune(s, n)
		if !explicit && strings.TrimRight(s[cut:], " ") != "" {
			return "", pgerror.New(pgerror.StringDataRightTruncation, "value too long for type %s", FormatType(t))
		}
		s = s[:cut]
		cnt = n
	}
	if t.OID == BpcharOID && cnt < n {
		s += strings.Repeat(" ", n-cnt)
	}
	return s, nil
}

func byteOffsetOfRune(s string, n int) int {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
	}
	return i
}

func parseBytea(s string) (Datum, error) {
	if strings.HasPrefix(s, `\x`) {
		h := s[2:]
		out := make([]byte, 0, len(h)/2)
		for i := 0; i < len(h); {
			if h[i] == ' ' || h[i] == '\t' || h[i] == '\n' || h[i] == '\r' {
				i++
				continue
			}
			hi, ok1 := unhex(h[i])
			if !ok1 {
				return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid hexadecimal digit: \"%s\"", string(h[i]))
			}
			if i+1 >= len(h) {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok2 := unhex(h[i+1])
			if !ok2 {
				return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid hexadecimal digit: \"%s\"", string(h[i+1]))
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		return out, nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			out = append(out, '\\')
			i++
			continue
		}
		if i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' && s[i+2] >= '0' && s[i+2] <= '7' && s[i+3] >= '0' && s[i+3] <= '7' {
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
			continue
		}
		return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type bytea")
	}
	return out, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// ParseUUID is uuid_in: hex digits with optional hyphens after any group of
// four, optionally in braces.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	t := s
	if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
		t = t[1 : len(t)-1]
	}
	n := 0
	for i := 0; i < len(t); {
		if n == 32 {
			return u, errSyntax(UUIDOID, s)
		}
		if t[i] == '-' && n > 0 && n%4 == 0 && i+1 < len(t) && t[i+1] != '-' {
			i++
			continue
		}
		if i+1 >= len(t) {
			return u, errSyntax(UUIDOID, s)
		}
		hi, ok1 := unhex(t[i])
		lo, ok2 := unhex(t[i+1])
		if !ok1 || !ok2 {
			return u, errSyntax(UUIDOID, s)
		}
		u[n/2] = hi<<4 | lo
		n += 2
		i += 2
	}
	if n != 32 {
		return u, errSyntax(UUIDOID, s)
	}
	return u, nil
}

func (u UUID) String() string { return string(appendUUID(nil, u)) }

func appendUUID(dst []byte, u UUID) []byte {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return append(dst, b[:]...)
}

// ParseLSN reads a pg_lsn, X/Y in hexadecimal.
func ParseLSN(s string) (LSN, error) {
	d, err := parseLSN(s)
	if err != nil {
		return 0, err
	}
	return d.(LSN), nil
}

func parseLSN(s string) (Datum, error) {
	i := strings.IndexByte(s, '/')
	if i <= 0 || i > 8 || len(s)-i-1 == 0 || len(s)-i-1 > 8 {
		return nil, errSyntax(PgLSNOID, s)
	}
	hi, err1 := strconv.ParseUint(s[:i], 16, 32)
	lo, err2 := strconv.ParseUint(s[i+1:], 16, 32)
	if err1 != nil || err2 != nil {
		return nil, errSyntax(PgLSNOID, s)
	}
	return LSN(hi<<32 | lo), nil
}

// AppendText is the type output function: d in t's text format, with
// timestamptz in UTC.
func AppendText(dst []byte, t T, d Datum) []byte { return AppendTextLoc(dst, t, d, time.UTC) }

// AppendTextLoc is AppendText with timestamptz shown in loc (the session TimeZone).
// A nil d appends nothing; callers send NULL their own way.
func AppendTextLoc(dst []byte, t T, d Datum, loc *time.Location) []byte {
	if d == nil {
		return dst
	}
	switch v := d.(type) {
	case Enum:
		return append(dst, v.Label...)
	case Record:
		return appendRecordText(dst, t, v)
	case int64:
		if t.OID == RegtypeOID {
			if _, ok := lookupType(OID(v)); ok {
				if u, ok := UserTypeOf(OID(v)); ok && u.Schema != "" && u.Schema != "public" {
					// qualified whatever the search path (PostgreSQL
					// leaves out a schema the path makes visible)
					dst = append(append(dst, QuoteIdent(u.Schema)...), '.')
				}
				return append(dst, FormatTypeName(OID(v))...)
			}
		}
		return strconv.AppendInt(dst, v, 10)
	case float64:
		return appendFloat(dst, v, t.OID == Float4OID)
	case *apd.Decimal:
		return appendNumeric(dst, v)
	case bool:
		if v {
			return append(dst, 't')
		}
		return append(dst, 'f')
	case string:
		return append(dst, v...)
	case []byte:
		dst = append(dst, '\\', 'x')
		return hex.AppendEncode(dst, v)
	case Date:
		return appendDate(dst, v)
	case time.Time:
		if t.OID == TimestamptzOID {
			if loc == nil {
				loc = time.UTC
			}
			if IsInfTime(v) == 0 {
				v = v.In(loc)
			}
			return appendTimestamp(dst, v, true)
		}
		return appendTimestamp(dst, v, false)
	case TimeOfDay:
		return appendTimeOfDay(dst, v)
	case Interval:
		return appendInterval(dst, v)
	case UUID:
		return appendUUID(dst, v)
	case LSN:
		return append(dst, v.String()...)
	case Bits:
		return append(dst, v...)
	case JSON:
		return append(dst, v...)
	case JSONB:
		return append(dst, v...)
	case Array:
		if t.OID == Int2VectorOID || t.OID == OidVectorOID {
			for i, e := range v.Elements {
				if i > 0 {
					dst = append(dst, ' ')
				}
				dst = AppendTextLoc(dst, v.Elem, e, loc)
			}
			return dst
		}
		return appendArrayText(dst, v, loc, TextStyle{})
	}
	return dst
}

// appendFloat prints f as PostgreSQL 15 does with extra_float_digits = 1:
// the shortest text that reads back exactly, exponent form outside 1e-4..1e15
// (1e6 for real).
func appendFloat(dst []byte, f float64, real bool) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	bits, lim := 64, 15
	if real {
		bits, lim = 32, 6
	}
	var buf [32]byte
	e := shortestFloat(buf[:0], f, bits)
	// e is like -1.2345e+06
	i := strings.IndexByte(string(e), 'e')
	exp, _ := strconv.Atoi(string(e[i+1:]))
	if exp < -4 || exp >= lim {
		mant := e[:i]
		dst = append(dst, mant...)
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, bits)
}

// TextString is AppendText into a new string; NULL gives "".
func TextString(t T, d Datum) string { return string(AppendText(nil, t, d)) }

// shortestFloat is f in 'e' form with the fewest digits that read back as f,
// as PostgreSQL's Ryu does it: a decimal lying exactly halfway between two
// floats is not accepted, even when it would read back correctly (so 1e23
// prints as 9.999999999999999e+22). Such ties need |f| >= 2^53 (2^24 for real).
func shortestFloat(dst []byte, f float64, bits int) []byte {
	out := strconv.AppendFloat(dst, f, 'e', -1, bits)
	limit := float64(1 << 53)
	if bits == 32 {
		limit = 1 << 24
	}
	if math.Abs(f) < limit || math.IsInf(f, 0) || !isFloatTie(out[len(dst):], f, bits) {
		return out
	}
	maxPrec := 16
	if bits == 32 {
		maxPrec = 8
	}
	i := strings.IndexByte(string(out[len(dst):]), 'e')
	for prec := max(i-2, 0); prec <= maxPrec; prec++ {
		cand := strconv.AppendFloat(dst[:len(dst):len(dst)], f, 'e', prec, bits)
		back, err := strconv.ParseFloat(string(cand[len(dst):]), bits)
		if err == nil && back == f && !isFloatTie(cand[len(dst):], f, bits) {
			return append(dst, cand[len(dst):]...)
		}
	}
	return out
}

// isFloatTie reports whether the decimal s is exactly halfway between f and
// one of its neighbours.
func isFloatTie(s []byte, f float64, bits int) bool {
	r, ok := new(big.Rat).SetString(string(s))
	if !ok {
		return false
	}
	var lo, hi float64
	if bits == 32 {
		lo, hi = float64(math.Nextafter32(float32(f), float32(math.Inf(-1)))), float64(math.Nextafter32(float32(f), float32(math.Inf(1))))
	} else {
		lo, hi = math.Nextafter(f, math.Inf(-1)), math.Nextafter(f, math.Inf(1))
	}
	fr := new(big.Rat).SetFloat64(f)
	half := big.NewRat(1, 2)
	for _, n := range []float64{lo, hi} {
		if math.IsInf(n, 0) {
			continue
		}
		mid := new(big.Rat).Add(fr, new(big.Rat).SetFloat64(n))
		mid.Mul(mid, half)
		if mid.Cmp(r) == 0 {
			return true
		}
	}
	return false
}
