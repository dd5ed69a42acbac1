package types

import (
	"math"
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types/jsondoc"
)

type castKey struct{ from, to OID }

// castTable is the part of pg_cast between the types logdb implements;
// casts to and from string types by I/O conversion are added by castContext.
var castTable = map[castKey]CastContext{}

func addCasts(cc CastContext, pairs ...[2]OID) {
	for _, p := range pairs {
		castTable[castKey{p[0], p[1]}] = cc
	}
}

func init() {
	i, a, e := CastImplicit, CastAssignment, CastExplicit
	addCasts(i,
		[2]OID{Int2OID, Int4OID}, [2]OID{Int2OID, Int8OID}, [2]OID{Int4OID, Int8OID},
		[2]OID{Int2OID, Float4OID}, [2]OID{Int2OID, Float8OID}, [2]OID{Int2OID, NumericOID},
		[2]OID{Int4OID, Float4OID}, [2]OID{Int4OID, Float8OID}, [2]OID{Int4OID, NumericOID},
		[2]OID{Int8OID, Float4OID}, [2]OID{Int8OID, Float8OID}, [2]OID{Int8OID, NumericOID},
		[2]OID{Float4OID, Float8OID}, [2]OID{NumericOID, Float4OID}, [2]OID{NumericOID, Float8OID},
		[2]OID{Int2OID, OidOID}, [2]OID{Int4OID, OidOID}, [2]OID{Int8OID, OidOID},
		[2]OID{Int2OID, RegclassOID}, [2]OID{Int4OID, RegclassOID}, [2]OID{Int8OID, RegclassOID},
		[2]OID{Int2OID, RegtypeOID}, [2]OID{Int4OID, RegtypeOID}, [2]OID{Int8OID, RegtypeOID},
		[2]OID{Int2OID, RegprocOID}, [2]OID{Int4OID, RegprocOID}, [2]OID{Int8OID, RegprocOID},
		[2]OID{OidOID, RegclassOID}, [2]OID{RegclassOID, OidOID}, [2]OID{OidOID, RegtypeOID},
		[2]OID{RegtypeOID, OidOID}, [2]OID{OidOID, RegprocOID}, [2]OID{RegprocOID, OidOID},
		[2]OID{TextOID, VarcharOID}, [2]OID{VarcharOID, TextOID}, [2]OID{BpcharOID, TextOID},
		[2]OID{TextOID, BpcharOID}, [2]OID{VarcharOID, BpcharOID}, [2]OID{BpcharOID, VarcharOID},
		[2]OID{NameOID, TextOID}, [2]OID{TextOID, NameOID}, [2]OID{VarcharOID, NameOID},
		[2]OID{BpcharOID, NameOID}, [2]OID{CharOID, TextOID}, [2]OID{CharOID, BpcharOID}, [2]OID{CharOID, VarcharOID},
		[2]OID{TextOID, RegclassOID}, [2]OID{VarcharOID, RegclassOID},
		[2]OID{DateOID, TimestampOID}, [2]OID{DateOID, TimestamptzOID}, [2]OID{TimestampOID, TimestamptzOID},
		[2]OID{TimeOID, IntervalOID},
	)
	addCasts(a,
		[2]OID{Int8OID, Int4OID}, [2]OID{Int8OID, Int2OID}, [2]OID{Int4OID, Int2OID},
		[2]OID{Float8OID, Float4OID}, [2]OID{Float4OID, Int2OID}, [2]OID{Float4OID, Int4OID},
		[2]OID{Float4OID, Int8OID}, [2]OID{Float8OID, Int2OID}, [2]OID{Float8OID, Int4OID},
		[2]OID{Float8OID, Int8OID}, [2]OID{Float4OID, NumericOID}, [2]OID{Float8OID, NumericOID},
		[2]OID{NumericOID, Int2OID}, [2]OID{NumericOID, Int4OID}, [2]OID{NumericOID, Int8OID},
		[2]OID{OidOID, Int4OID}, [2]OID{OidOID, Int8OID}, [2]OID{RegclassOID, Int4OID}, [2]OID{RegclassOID, Int8OID},
		[2]OID{RegtypeOID, Int4OID}, [2]OID{RegtypeOID, Int8OID},
		[2]OID{NameOID, VarcharOID}, [2]OID{NameOID, BpcharOID}, [2]OID{TextOID, CharOID},
		[2]OID{VarcharOID, CharOID}, [2]OID{BpcharOID, CharOID},
		[2]OID{TimestamptzOID, TimestampOID}, [2]OID{TimestampOID, DateOID}, [2]OID{TimestamptzOID, DateOID},
		[2]OID{TimestampOID, TimeOID}, [2]OID{TimestamptzOID, TimeOID}, [2]OID{IntervalOID, TimeOID},
		[2]OID{JSONOID, JSONBOID}, [2]OID{JSONBOID, JSONOID},
	)
	addCasts(e,
		[2]OID{Int4OID, BoolOID}, [2]OID{BoolOID, Int4OID}, [2]OID{Int4OID, CharOID}, [2]OID{CharOID, Int4OID},
		[2]OID{JSONBOID, BoolOID}, [2]OID{JSONBOID, NumericOID}, [2]OID{JSONBOID, Int2OID},
		[2]OID{Int4OID, BitOID}, [2]OID{Int8OID, BitOID}, [2]OID{BitOID, Int4OID}, [2]OID{BitOID, Int8OID},
		[2]OID{JSONBOID, Int4OID}, [2]OID{JSONBOID, Int8OID}, [2]OID{JSONBOID, Float4OID}, [2]OID{JSONBOID, Float8OID},
	)
}

func isStringType(oid OID) bool {
	switch oid {
	case TextOID, VarcharOID, BpcharOID, NameOID:
		return true
	}
	return false
}

// CastContextOf reports whether a cast from → to exists and in which
// contexts it may be applied, as pg_cast (plus I/O conversion casts) says.
func CastContextOf(from, to OID) (CastContext, bool) {
	if from == to {
		return CastImplicit, true
	}
	if from == UnknownOID {
		return CastImplicit, true
	}
	// int2vector and oidvector are arrays to anyarray, as in PostgreSQL
	// (array_length(indkey, 1), generate_subscripts(indkey, 1))
	if to == AnyOID || to == AnyElementOID || to == AnyArrayOID && isAnyArrayArg(from) || to == AnyEnumOID && IsEnum(from) {
		return CastImplicit, true
	}
	if cc, ok := castTable[castKey{from, to}]; ok {
		return cc, true
	}
	if from == RecordOID && IsComposite(to) || to == RecordOID && IsComposite(from) {
		return CastImplicit, true // ROW(…) to a composite type, and back
	}
	fa, ta := IsArray(from), IsArray(to)
	if fa && ta {
		fe, _ := ElemOf(T{OID: from})
		te, _ := ElemOf(T{OID: to})
		return CastContextOf(fe.OID, te.OID)
	}
	if _, ok := lookupType(from); !ok {
		return 0, false
	}
	if _, ok := lookupType(to); !ok {
		return 0, false
	}
	// I/O conversion casts: to a string type is an assignment cast, from one explicit.
	if isStringType(to) && from != VoidOID && from != RecordOID {
		return CastAssignment, true
	}
	if isStringType(from) && to != VoidOID && to != RecordOID && to != UnknownOID {
		return CastExplicit, true
	}
	return 0, false
}

func errCannotCast(from, to T) error {
	return pgerror.New(pgerror.CannotCoerce, "cannot cast type %s to %s", FormatType(from), FormatType(to))
}

// ctxDateOrder is the session's DateStyle input order (MDY without one).
func ctxDateOrder(ctx *EvalContext) DateOrder {
	if ctx == nil {
		return DateOrderMDY
	}
	return ctx.DateOrder
}

// txnTime is the statement's transaction time (now()), or the current
// time without one.
func txnTime(ctx *EvalContext) time.Time {
	if ctx == nil || ctx.TxnTime.IsZero() {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return ctx.TxnTime.UTC().Truncate(time.Microsecond)
}

func ctxLoc(ctx *EvalContext) *time.Location {
	if ctx == nil || ctx.Location == nil {
		return time.UTC
	}
	return ctx.Location
}

// Cast converts d from type from to type to and applies to's typmod as
// cc says (22001 for too-long strings unless explicit, which truncates).
// It does not check that the cast is allowed in cc; use CastContextOf.
func Cast(ctx *EvalContext, d Datum, from, to T, cc CastContext) (Datum, error) {
	if d == nil {
		return nil, nil
	}
	v, err := castValue(ctx, d, from, to, cc)
	if err != nil {
		return nil, err
	}
	return applyTypmod(v, to, cc == CastExplicit)
}

func applyTypmod(d Datum, t T, explicit bool) (Datum, error) {
	if d == nil || t.Mod < 0 {
		return d, nil
	}
	switch t.OID {
	case VarcharOID, BpcharOID:
		if s, ok := d.(string); ok {
			return applyCharTypmod(t, s, explicit)
		}
	case NumericOID:
		if n, ok := d.(*apd.Decimal); ok {
			return applyNumericTypmod(n, t.Mod)
		}
	case TimestampOID, TimestamptzOID:
		if ts, ok := d.(time.Time); ok {
			return roundTimestamp(ts, t.Mod), nil
		}
	case IntervalOID:
		if iv, ok := d.(Interval); ok {
			return adjustInterval(iv, t.Mod), nil
		}
	case BitOID:
		if b, ok := d.(Bits); ok {
			return applyBitTypmod(b, t.Mod, explicit)
		}
	}
	if a, ok := d.(Array); ok {
		et := a.Elem
		et.Mod = t.Mod
		out := Array{Elem: et, Elements: make([]Datum, len(a.Elements)), Dims: a.Dims}
		for i, e := range a.Elements {
			v, err := applyTypmod(e, et, explicit)
			if err != nil {
				return nil, err
			}
			out.Elements[i] = v
		}
		return out, nil
	}
	return d, nil
}

func castValue(ctx *EvalContext, d Datum, from, to T, cc CastContext) (Datum, error) {
	if from.OID == to.OID || to.OID == AnyOID || to.OID == AnyElementOID || to.OID == AnyArrayOID || to.OID == AnyEnumOID {
		return d, nil
	}
	loc := ctxLoc(ctx)
	if r, ok := d.(Record); ok && IsComposite(to.OID) {
		return castRecordToComposite(ctx, r, from, to, cc) // composite.go
	}
	if to.OID == RecordOID && IsComposite(from.OID) {
		return d, nil
	}
	// from a string: the input function of the target type
	if isStringType(from.OID) || from.OID == UnknownOID || from.OID == CharOID && to.OID != Int4OID {
		s, _ := d.(string)
		if isStringType(to.OID) || to.OID == CharOID {
			if from.OID == BpcharOID {
				s = trimBpchar(s)
			}
			if to.OID == NameOID {
				return truncName(s), nil
			}
			if to.OID == CharOID {
				if s == "" {
					return "", nil
				}
				return s[:1], nil
			}
			return s, nil
		}
		return ParseTextCtx(ctx, T{OID: to.OID, Mod: -1}, s)
	}
	// to a string: the output function of the source type
	if isStringType(to.OID) || to.OID == CharOID {
		var s string
		if b, ok := d.(bool); ok {
			s = "false"
			if b {
				s = "true"
			}
		} else {
			var st TextStyle
			if ctx != nil {
				st = ctx.Style
			}
			s = string(AppendTextStyled(nil, from, d, loc, st))
		}
		if to.OID == NameOID {
			return truncName(s), nil
		}
		if to.OID == CharOID {
			if i, ok := d.(int64); ok && from.OID == Int4OID {
				return string([]byte{byte(i)}), nil
			}
			if s == "" {
				return "", nil
			}
			return s[:1], nil
		}
		return s, nil
	}
	switch v := d.(type) {
	case Bits:
		if to.OID == Int4OID || to.OID == Int8OID {
			return bitsToInt(v, to.OID)
		}
	case int64:
		switch to.OID {
		case BitOID:
			width := 32
			if from.OID == Int8OID {
				width = 64
			}
			return bitsFromInt(v, width, to.Mod), nil
		case Int2OID, Int4OID, Int8OID:
			lo, hi := intRange(to.OID)
			if from.OID == OidOID || from.OID == RegclassOID || from.OID == RegtypeOID || from.OID == RegprocOID {
				if to.OID == Int4OID {
					return int64(int32(uint32(v))), nil
				}
				return v, nil
			}
			if v < lo || v > hi {
				return nil, errIntRange(to.OID)
			}
			return v, nil
		case OidOID, RegclassOID, RegtypeOID, RegprocOID, XidOID:
			if from.OID == Int8OID && (v < 0 || v > math.MaxUint32) {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "OID out of range")
			}
			return int64(uint32(v)), nil
		case Float4OID:
			return float64(float32(v)), nil
		case Float8OID:
			return float64(v), nil
		case NumericOID:
			return decimalFromInt(v), nil
		case BoolOID:
			return v != 0, nil
		}
	case float64:
		switch to.OID {
		case Int2OID, Int4OID, Int8OID:
			r := math.RoundToEven(v)
			lo, _ := intRange(to.OID)
			if math.IsNaN(r) || r < float64(lo) || r >= -float64(lo) {
				return nil, errIntRange(to.OID)
			}
			return int64(r), nil
		case Float4OID:
			f := float32(v)
			if math.IsInf(float64(f), 0) && !math.IsInf(v, 0) {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: overflow")
			}
			if f == 0 && v != 0 {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: underflow")
			}
			return float64(f), nil
		case Float8OID:
			return v, nil
		case NumericOID:
			if from.OID == Float4OID {
				return decimalFromFloat4(v)
			}
			return decimalFromFloat(v)
		}
	case *apd.Decimal:
		switch to.OID {
		case Int2OID, Int4OID, Int8OID:
			lo, hi := intRange(to.OID)
			return decimalToInt(v, lo, hi, to.OID)
		case Float4OID:
			f := decimalToFloat(v)
			return float64(float32(f)), nil
		case Float8OID:
			return decimalToFloat(v), nil
		case NumericOID:
			return v, nil
		}
	case bool:
		switch to.OID {
		case Int4OID:
			if v {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case Date:
		switch to.OID {
		case TimestampOID:
			return DateToTime(v), nil
		case TimestamptzOID:
			return wallIn(DateToTime(v), loc), nil
		}
	case time.Time:
		switch to.OID {
		case TimestamptzOID: // from timestamp
			return wallIn(v, loc), nil
		case TimestampOID: // from timestamptz
			if IsInfTime(v) != 0 {
				return v, nil
			}
			return WallUTC(v.In(loc)), nil
		case DateOID:
			if from.OID == TimestamptzOID && IsInfTime(v) == 0 {
				v = v.In(loc)
			}
			return DateFromTime(v), nil
		case TimeOID:
			if from.OID == TimestamptzOID {
				v = v.In(loc)
			}
			h, m, s := v.Clock()
			return TimeOfDay(int64(h)*usPerHour + int64(m)*usPerMin + int64(s)*usPerSec + int64(v.Nanosecond()/1000)), nil
		}
	case TimeOfDay:
		if to.OID == IntervalOID {
			return Interval{Micros: int64(v)}, nil
		}
	case Interval:
		if to.OID == TimeOID {
			us := v.Micros % usPerDay
			if us < 0 {
				us += usPerDay
			}
			return TimeOfDay(us), nil
		}
	case JSON:
		if to.OID == JSONBOID {
			return ParseJSONB(string(v))
		}
	case JSONB:
		switch to.OID {
		case JSONOID:
			return JSON(v), nil
		case BoolOID, NumericOID, Int2OID, Int4OID, Int8OID, Float4OID, Float8OID:
			return castJSONBScalar(ctx, v, to)
		}
	case Array:
		if te, ok := ElemOf(to); ok {
			out := Array{Elem: te, Elements: make([]Datum, len(v.Elements)), Dims: v.Dims}
			for i, e := range v.Elements {
				c, err := Cast(ctx, e, v.Elem, te, cc)
				if err != nil {
					return nil, err
				}
				out.Elements[i] = c
			}
			return out, nil
		}
	}
	return nil, errCannotCast(from, to)
}

func trimBpchar(s string) string {
	n := len(s)
	for n > 0 && s[n-1] == ' ' {
		n--
	}
	return s[:n]
}

func castJSONBScalar(ctx *EvalContext, j JSONB, to T) (Datum, error) {
	v := mustParseJSONB(j)
	kind := map[jsondoc.Kind]string{jsondoc.Null: "null", jsondoc.String: "string", jsondoc.Number: "numeric", jsondoc.Bool: "boolean", jsondoc.Array: "array", jsondoc.Object: "object"}[v.Kind]
	if to.OID == BoolOID {
		if v.Kind != jsondoc.Bool {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot cast jsonb %s to type boolean", kind)
		}
		return v.Bool, nil
	}
	if v.Kind != jsondoc.Number {
		return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot cast jsonb %s to type %s", kind, typeName(to.OID))
	}
	return castValue(ctx, v.Num, T{OID: NumericOID, Mod: -1}, to, CastExplicit)
}
