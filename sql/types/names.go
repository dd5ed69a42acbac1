package types

import (
	"sort"
	"strconv"
	"strings"

	"logdb/sql/pgerror"
)

// Extra OIDs this package knows beyond those in types.go.
const (
	Int2ArrayVectorOID OID = 1006
	RegprocArrayOID    OID = 1008
	XidArrayOID        OID = 1011
	Xid8OID            OID = 5069
	Xid8ArrayOID       OID = 271
	OidVectorArrayOID  OID = 1013
	TimeArrayOID       OID = 1183
	IntervalArrayOID   OID = 1187
	RegclassArrayOID   OID = 2210
	RegtypeArrayOID    OID = 2211
	PgLSNArrayOID      OID = 3221
	JSONPathOID        OID = 4072
	JSONPathArrayOID   OID = 4073
	RecordArrayOID     OID = 2287
	CstringOID         OID = 2275
	AnyArrayOID        OID = 2277
	AnyElementOID      OID = 2283
	TriggerOID         OID = 2279
	// RefcursorOID is a cursor's name (PL/pgSQL's refcursor variables).
	RefcursorOID      OID = 1790
	RefcursorArrayOID OID = 2201
)

func info(oid OID, name string, l int16, cat byte, elem, arr OID, byval bool, align byte) Info {
	return Info{OID: oid, Name: name, Len: l, Category: cat, Elem: elem, Array: arr, ByVal: byval, Align: align}
}

// baseTypes are the scalar types logdb implements, in pg_type's terms.
var baseTypes = []Info{
	info(BoolOID, "bool", 1, 'B', 0, BoolArrayOID, true, 'c'),
	info(ByteaOID, "bytea", -1, 'U', 0, ByteaArrayOID, false, 'i'),
	info(CharOID, "char", 1, 'Z', 0, CharArrayOID, true, 'c'),
	info(NameOID, "name", 64, 'S', CharOID, NameArrayOID, false, 'c'),
	info(Int8OID, "int8", 8, 'N', 0, Int8ArrayOID, true, 'd'),
	info(Int2OID, "int2", 2, 'N', 0, Int2ArrayOID, true, 's'),
	info(Int2VectorOID, "int2vector", -1, 'A', Int2OID, Int2ArrayVectorOID, false, 'i'),
	info(Int4OID, "int4", 4, 'N', 0, Int4ArrayOID, true, 'i'),
	info(RegprocOID, "regproc", 4, 'N', 0, RegprocArrayOID, true, 'i'),
	info(TextOID, "text", -1, 'S', 0, TextArrayOID, false, 'i'),
	info(OidOID, "oid", 4, 'N', 0, OidArrayOID, true, 'i'),
	info(XidOID, "xid", 4, 'U', 0, XidArrayOID, true, 'i'),
	info(Xid8OID, "xid8", 8, 'U', 0, Xid8ArrayOID, true, 'd'),
	info(OidVectorOID, "oidvector", -1, 'A', OidOID, OidVectorArrayOID, false, 'i'),
	info(JSONOID, "json", -1, 'U', 0, JSONArrayOID, false, 'i'),
	info(PgNodeTreeOID, "pg_node_tree", -1, 'Z', 0, 0, false, 'i'),
	info(Float4OID, "float4", 4, 'N', 0, Float4ArrayOID, true, 'i'),
	info(Float8OID, "float8", 8, 'N', 0, Float8ArrayOID, true, 'd'),
	info(UnknownOID, "unknown", -2, 'X', 0, 0, false, 'c'),
	info(BpcharOID, "bpchar", -1, 'S', 0, BpcharArrayOID, false, 'i'),
	info(VarcharOID, "varchar", -1, 'S', 0, VarcharArrayOID, false, 'i'),
	info(DateOID, "date", 4, 'D', 0, DateArrayOID, true, 'i'),
	info(TimeOID, "time", 8, 'D', 0, TimeArrayOID, true, 'd'),
	info(TimestampOID, "timestamp", 8, 'D', 0, TimestampArrayOID, true, 'd'),
	info(TimestamptzOID, "timestamptz", 8, 'D', 0, TimestamptzArrayOID, true, 'd'),
	info(IntervalOID, "interval", 16, 'T', 0, IntervalArrayOID, false, 'd'),
	info(NumericOID, "numeric", -1, 'N', 0, NumericArrayOID, false, 'i'),
	info(RegclassOID, "regclass", 4, 'N', 0, RegclassArrayOID, true, 'i'),
	info(RegtypeOID, "regtype", 4, 'N', 0, RegtypeArrayOID, true, 'i'),
	info(UUIDOID, "uuid", 16, 'U', 0, UUIDArrayOID, false, 'c'),
	info(PgLSNOID, "pg_lsn", 8, 'U', 0, PgLSNArrayOID, true, 'd'),
	info(BitOID, "bit", -1, 'V', 0, BitArrayOID, false, 'i'),
	info(JSONBOID, "jsonb", -1, 'U', 0, JSONBArrayOID, false, 'i'),
	info(JSONPathOID, "jsonpath", -1, 'U', 0, JSONPathArrayOID, false, 'i'),
	info(RefcursorOID, "refcursor", -1, 'U', 0, RefcursorArrayOID, false, 'i'),
	info(VoidOID, "void", 4, 'P', 0, 0, true, 'i'),
	info(RecordOID, "record", -1, 'P', 0, RecordArrayOID, false, 'd'),
	info(AnyOID, "any", 4, 'P', 0, 0, true, 'i'),
	info(CstringOID, "cstring", -2, 'P', 0, 0, false, 'c'),
	info(AnyArrayOID, "anyarray", -1, 'P', 0, 0, false, 'd'),
	info(AnyElementOID, "anyelement", 4, 'P', 0, 0, true, 'i'),
	info(AnyNonArrayOID, "anynonarray", 4, 'P', 0, 0, true, 'i'),
	info(AnyCompatibleOID, "anycompatible", 4, 'P', 0, 0, true, 'i'),
	info(AnyCompatibleArrayOID, "anycompatiblearray", -1, 'P', 0, 0, false, 'd'),
	info(AnyCompatibleNonArrayOID, "anycompatiblenonarray", 4, 'P', 0, 0, true, 'i'),
	info(AnyEnumOID, "anyenum", 4, 'P', 0, 0, true, 'i'),
	info(TriggerOID, "trigger", 4, 'P', 0, 0, true, 'i'),
}

var (
	typeByOID  = map[OID]Info{}
	typeByName = map[string]OID{}
	allTypes   []Info
)

func init() {
	for _, b := range baseTypes {
		typeByOID[b.OID] = b
		allTypes = append(allTypes, b)
		if b.Array == 0 {
			continue
		}
		align := byte('i')
		if b.Align == 'd' {
			align = 'd'
		}
		a := info(b.Array, "_"+b.Name, -1, 'A', b.OID, 0, false, align)
		typeByOID[a.OID] = a
		allTypes = append(allTypes, a)
	}
	for _, t := range allTypes {
		typeByName[t.Name] = t.OID
	}
	sort.Slice(allTypes, func(i, j int) bool { return allTypes[i].OID < allTypes[j].OID })
}

// InfoOf returns what pg_type says about oid.
func InfoOf(oid OID) (Info, bool) {
	return lookupType(oid)
}

// AllTypes returns every type this package knows, ordered by OID, for pg_type.
// The caller must not modify the returned slice.
func AllTypes() []Info { return allTypes }

// ArrayOf returns the array type whose elements are t (keeping t's typmod),
// or false when t has none.
func ArrayOf(t T) (T, bool) {
	i, ok := lookupType(t.OID)
	if !ok || i.Array == 0 {
		return T{}, false
	}
	return T{OID: i.Array, Mod: t.Mod}, true
}

// ElemOf returns the element type of the array type t (keeping t's typmod).
func ElemOf(t T) (T, bool) {
	i, ok := lookupType(t.OID)
	if !ok || i.Elem == 0 || i.Category != 'A' {
		return T{}, false
	}
	return T{OID: i.Elem, Mod: t.Mod}, true
}

// IsArray reports whether oid is an array type.
func IsArray(oid OID) bool {
	i, ok := lookupType(oid)
	return ok && i.Category == 'A' && i.Elem != 0 && oid != Int2VectorOID && oid != OidVectorOID
}

// sqlNames maps the SQL spellings of types to their OIDs.
var sqlNames = map[string]OID{
	"int": Int4OID, "integer": Int4OID, "int4": Int4OID, "serial": Int4OID, "serial4": Int4OID,
	"bigint": Int8OID, "int8": Int8OID, "bigserial": Int8OID, "serial8": Int8OID,
	"smallint": Int2OID, "int2": Int2OID, "smallserial": Int2OID, "serial2": Int2OID,
	"real": Float4OID, "float4": Float4OID,
	"double precision": Float8OID, "float8": Float8OID, "float": Float8OID, "double": Float8OID,
	"numeric": NumericOID, "decimal": NumericOID, "dec": NumericOID,
	"boolean": BoolOID, "bool": BoolOID,
	"text":    TextOID,
	"varchar": VarcharOID, "character varying": VarcharOID, "char varying": VarcharOID,
	"char": BpcharOID, "character": BpcharOID, "bpchar": BpcharOID,
	"bytea":     ByteaOID,
	"date":      DateOID,
	"timestamp": TimestampOID, "timestamp without time zone": TimestampOID,
	"timestamptz": TimestamptzOID, "timestamp with time zone": TimestamptzOID,
	"time": TimeOID, "time without time zone": TimeOID,
	"interval": IntervalOID,
	"uuid":     UUIDOID, "json": JSONOID, "jsonb": JSONBOID, "jsonpath": JSONPathOID,
	"oid": OidOID, "regclass": RegclassOID, "regtype": RegtypeOID, "regproc": RegprocOID,
	"name": NameOID, "pg_lsn": PgLSNOID, "bit": BitOID, `"char"`: CharOID, "xid": XidOID, "xid8": Xid8OID,
	"unknown": UnknownOID, "void": VoidOID, "record": RecordOID,
	"int2vector": Int2VectorOID, "oidvector": OidVectorOID, "pg_node_tree": PgNodeTreeOID,
	"anyarray": AnyArrayOID, "anyelement": AnyElementOID, "anyenum": AnyEnumOID, "any": AnyOID, "cstring": CstringOID,
}

// TypeFromName resolves a type name as written in SQL (the last element of a
// possibly schema-qualified name, lower case unless quoted), its modifiers
// (varchar(20), numeric(10,2), timestamp(3)) and its array dimensions.
func TypeFromName(name string, mods []int32, arrayDims int) (T, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if strings.HasSuffix(n, "[]") {
		for strings.HasSuffix(n, "[]") {
			n = strings.TrimSpace(strings.TrimSuffix(n, "[]"))
			arrayDims++
		}
	}
	if (n == "float" || n == "double") && len(mods) == 1 {
		// float(p): real for p <= 24, double precision above
		if mods[0] < 1 || mods[0] > 53 {
			return T{}, pgerror.New(pgerror.InvalidParameterValue, "precision for type float must be between 1 and 53")
		}
		if mods[0] <= 24 {
			n = "real"
		}
		mods = nil
	}
	oid, ok := sqlNames[n]
	if !ok {
		oid, ok = typeByName[n] // pg_type names, including "_int4" for int4[]
	}
	if !ok {
		return T{}, pgerror.New(pgerror.UndefinedObject, "type %q does not exist", name)
	}
	t := T{OID: oid, Mod: -1}
	var err error
	if t.Mod, err = typmodOf(oid, n, mods); err != nil {
		return T{}, err
	}
	if arrayDims > 0 && !IsArray(oid) {
		a, ok := ArrayOf(t)
		if !ok {
			return T{}, pgerror.New(pgerror.UndefinedObject, "type \"%s[]\" does not exist", name)
		}
		t = a
	}
	return t, nil
}

func typmodOf(oid OID, name string, mods []int32) (int32, error) {
	switch oid {
	case VarcharOID, BpcharOID:
		if len(mods) == 0 {
			if oid == BpcharOID && name != "bpchar" {
				return 1 + 4, nil // bare char means char(1)
			}
			return -1, nil
		}
		if len(mods) > 1 {
			return 0, pgerror.New(pgerror.SyntaxError, "invalid type modifier")
		}
		if mods[0] < 1 {
			return 0, pgerror.New(pgerror.InvalidParameterValue, "length for type %s must be at least 1", Info(typeByOID[oid]).Name)
		}
		if mods[0] > 10485760 {
			return 0, pgerror.New(pgerror.InvalidParameterValue, "length for type %s cannot exceed 10485760", Info(typeByOID[oid]).Name)
		}
		return mods[0] + 4, nil
	case BitOID:
		return bitTypmod(mods)
	case NumericOID:
		if len(mods) == 0 {
			return -1, nil
		}
		if len(mods) > 2 {
			return 0, pgerror.New(pgerror.SyntaxError, "invalid NUMERIC type modifier")
		}
		p, s := mods[0], int32(0)
		if len(mods) == 2 {
			s = mods[1]
		}
		if p < 1 || p > 1000 {
			return 0, pgerror.New(pgerror.InvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", p)
		}
		if s < -1000 || s > 1000 {
			return 0, pgerror.New(pgerror.InvalidParameterValue, "NUMERIC scale %d must be between -1000 and 1000", s)
		}
		return ((p << 16) | (s & 0xffff)) + 4, nil
	case TimestampOID, TimestamptzOID, TimeOID:
		if len(mods) == 0 {
			return -1, nil
		}
		p := mods[0]
		if p < 0 {
			return 0, pgerror.New(pgerror.InvalidParameterValue, "TIMESTAMP(%d) precision must not be negative", p)
		}
		if p > 6 {
			p = 6
		}
		return p, nil
	case IntervalOID:
		return intervalTypmod(mods) // interval_typmod.go
	}
	if len(mods) > 0 {
		return 0, pgerror.New(pgerror.SyntaxError, "type modifier is not allowed for type %q", name)
	}
	return -1, nil
}

// numericPS returns the precision and scale of a numeric typmod.
func numericPS(mod int32) (p, s int32, ok bool) {
	if mod < 4 {
		return 0, 0, false
	}
	m := mod - 4
	return (m >> 16) & 0xffff, int32(int16(m & 0xffff)), true
}

// FormatType renders t as format_type() does.
func FormatType(t T) string {
	if IsArray(t.OID) {
		e, _ := ElemOf(t)
		return FormatType(e) + "[]"
	}
	mod := ""
	switch t.OID {
	case VarcharOID, BpcharOID:
		if t.Mod >= 4 {
			mod = "(" + strconv.Itoa(int(t.Mod-4)) + ")"
		}
	case NumericOID:
		if p, s, ok := numericPS(t.Mod); ok {
			mod = "(" + strconv.Itoa(int(p)) + "," + strconv.Itoa(int(s)) + ")"
		}
	case TimestampOID, TimestamptzOID, TimeOID, BitOID:
		if t.Mod >= 0 {
			mod = "(" + strconv.Itoa(int(t.Mod)) + ")"
		}
	case IntervalOID:
		mod = formatIntervalMod(t.Mod)
	}
	switch t.OID {
	case Int2OID:
		return "smallint"
	case Int4OID:
		return "integer"
	case Int8OID:
		return "bigint"
	case Float4OID:
		return "real"
	case Float8OID:
		return "double precision"
	case BoolOID:
		return "boolean"
	case VarcharOID:
		return "character varying" + mod
	case BpcharOID:
		if mod == "" {
			return "bpchar"
		}
		return "character" + mod
	case NumericOID:
		return "numeric" + mod
	case TimestampOID:
		return "timestamp" + mod + " without time zone"
	case TimestamptzOID:
		return "timestamp" + mod + " with time zone"
	case TimeOID:
		return "time" + mod + " without time zone"
	case CharOID:
		return `"char"`
	case IntervalOID:
		return "interval" + mod
	case BitOID:
		return "bit" + mod
	}
	if i, ok := lookupType(t.OID); ok {
		return i.Name
	}
	return "???"
}

// FormatTypeName is format_type_be(): the type's name without a typmod, as
// regtype output and error messages show it ("character" for bpchar).
func FormatTypeName(oid OID) string {
	if oid == BpcharOID {
		return "character"
	}
	if oid == BpcharArrayOID {
		return "character[]"
	}
	return FormatType(T{OID: oid, Mod: -1})
}

// typeName is the name PostgreSQL uses in error messages for t's input
// ("integer", "double precision", "timestamp with time zone").
func typeName(oid OID) string {
	switch oid {
	case TimestampOID:
		return "timestamp"
	case TimestamptzOID:
		return "timestamp with time zone"
	case TimeOID:
		return "time"
	}
	return FormatTypeName(oid)
}
