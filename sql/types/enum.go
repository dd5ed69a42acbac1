package types

import (
	"encoding/binary"
	"math"
	"sort"
	"strings"
	"sync"

	"logdb/sql/pgerror"
)

// AnyEnumOID is PostgreSQL's anyenum pseudo-type: any enum type (the
// comparison operators, enum_first, enum_last, enum_range).
const AnyEnumOID OID = 3500

// Enum is a value of an enum type (CREATE TYPE … AS ENUM): its label and
// the label's sort order (pg_enum.enumsortorder, a float4 as in
// PostgreSQL). Values compare, and encode in keys and rows, by Sort, so
// ALTER TYPE … RENAME VALUE rewrites nothing and an index stays in
// declaration order.
type Enum struct {
	Sort  float32
	Label string
}

// EnumLabel is one label of an enum type, as pg_enum holds it.
type EnumLabel struct {
	OID   OID     `json:"oid"`
	Sort  float32 `json:"sort"`
	Label string  `json:"label"`
}

// UserType is a type created by CREATE TYPE or CREATE DOMAIN, as this
// package needs to know it: its pg_type row, and an enum's labels.
// Domains are not values of their own here (a domain's values are its
// base type's); they are registered so that pg_type and format_type know
// their names.
type UserType struct {
	OID      OID
	ArrayOID OID // 0: none (domains)
	Name     string
	Schema   string // "" is public: regtype output names a type elsewhere qualified
	Kind     byte   // pg_type.typtype: 'e' enum, 'd' domain
	// Rev orders the versions of one type's descriptor: a registration
	// with a lower Rev than the one held is ignored (a catalog loaded at
	// an older snapshot must not take back labels added since).
	Rev    uint64
	Labels []EnumLabel   // by Sort
	Base   T             // a domain's base type
	Fields []RecordField // a composite type's (composite.go)
}

// MaxUserTypes bounds the process-wide registry of user types: a type
// stays registered (by OID, never reused) until the process restarts, so
// CREATE TYPE past this many distinct types fails with 54000.
const MaxUserTypes = 100_000

var userTypes struct {
	sync.RWMutex
	byOID  map[OID]*UserType
	arrays map[OID]OID // array type OID → element (enum) OID
}

// RegisterUserType makes a user type known to this package (pg_type,
// format_type, input and output, comparison, storage). The catalog calls
// it for every type it loads and for a type a transaction creates; the
// last registration with the highest Rev wins. u must not be modified
// afterwards.
func RegisterUserType(u *UserType) error {
	userTypes.Lock()
	defer userTypes.Unlock()
	if userTypes.byOID == nil {
		userTypes.byOID = map[OID]*UserType{}
		userTypes.arrays = map[OID]OID{}
	}
	old, ok := userTypes.byOID[u.OID]
	if ok && old.Rev > u.Rev {
		return nil
	}
	if !ok && len(userTypes.byOID) >= MaxUserTypes {
		return pgerror.New(pgerror.ProgramLimitExceeded, "too many user-defined types: this server has registered %d", MaxUserTypes)
	}
	sort.SliceStable(u.Labels, func(i, j int) bool { return u.Labels[i].Sort < u.Labels[j].Sort })
	userTypes.byOID[u.OID] = u
	if u.ArrayOID != 0 {
		userTypes.arrays[u.ArrayOID] = u.OID
	}
	return nil
}

// UserTypeOf returns the registered user type oid (false for any other).
func UserTypeOf(oid OID) (*UserType, bool) {
	if oid < firstUserTypeOID {
		return nil, false
	}
	userTypes.RLock()
	defer userTypes.RUnlock()
	u, ok := userTypes.byOID[oid]
	return u, ok
}

// firstUserTypeOID is the first OID a user object gets (catalog's
// firstUserOID): the registry holds nothing below it.
const firstUserTypeOID = 16384

// IsEnum reports whether oid is an enum type.
func IsEnum(oid OID) bool {
	u, ok := UserTypeOf(oid)
	return ok && u.Kind == 'e'
}

// userTypeInfo is pg_type's row for a user type or its array.
func userTypeInfo(oid OID) (Info, bool) {
	if oid < firstUserTypeOID {
		return Info{}, false
	}
	userTypes.RLock()
	defer userTypes.RUnlock()
	if u, ok := userTypes.byOID[oid]; ok {
		if u.Kind == 'd' {
			bi, _ := typeByOID[u.Base.OID]
			return Info{OID: u.OID, Name: u.Name, Len: bi.Len, Category: bi.Category, ByVal: bi.ByVal, Align: bi.Align}, true
		}
		if u.Kind == 'c' {
			return Info{OID: u.OID, Name: u.Name, Len: -1, Category: 'C', Array: u.ArrayOID, Align: 'd'}, true
		}
		return Info{OID: u.OID, Name: u.Name, Len: 4, Category: 'E', Array: u.ArrayOID, ByVal: true, Align: 'i'}, true
	}
	if e, ok := userTypes.arrays[oid]; ok {
		align := byte('i')
		if userTypes.byOID[e].Kind == 'c' {
			align = 'd'
		}
		return Info{OID: oid, Name: "_" + userTypes.byOID[e].Name, Len: -1, Category: 'A', Elem: e, Align: align}, true
	}
	return Info{}, false
}

// lookupType is pg_type's row for any type: built-in or user-defined.
func lookupType(oid OID) (Info, bool) {
	if i, ok := typeByOID[oid]; ok {
		return i, true
	}
	return userTypeInfo(oid)
}

// ParseEnum is an enum type's input function: 22P02 for a label it lacks.
func ParseEnum(oid OID, s string) (Datum, error) {
	u, ok := UserTypeOf(oid)
	if ok {
		for _, l := range u.Labels {
			if l.Label == s {
				return Enum{Sort: l.Sort, Label: l.Label}, nil
			}
		}
	}
	name := "???"
	if ok {
		name = u.Name
	}
	return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input value for enum %s: \"%s\"", name, s)
}

// enumBySort is the value of oid whose sort order is sort (decoding keys
// and rows).
func enumBySort(oid OID, sort float32) (Datum, error) {
	if u, ok := UserTypeOf(oid); ok {
		for _, l := range u.Labels {
			if l.Sort == sort {
				return Enum{Sort: l.Sort, Label: l.Label}, nil
			}
		}
	}
	return nil, errRowCorrupt
}

// EnumValues returns the values of enum type oid in order (enum_range).
func EnumValues(oid OID) []Datum {
	u, ok := UserTypeOf(oid)
	if !ok {
		return nil
	}
	out := make([]Datum, len(u.Labels))
	for i, l := range u.Labels {
		out[i] = Enum{Sort: l.Sort, Label: l.Label}
	}
	return out
}

func cmpEnum(a, b Enum) int {
	switch {
	case a.Sort < b.Sort:
		return -1
	case a.Sort > b.Sort:
		return 1
	}
	return 0
}

// appendEnumKey and appendEnumCompact encode the sort order (float4 bits,
// order-preserving in keys).
func appendEnumKey(dst []byte, v Enum) []byte {
	return binary.BigEndian.AppendUint64(dst, floatKeyBits(float64(v.Sort)))
}

func decodeEnumKey(t T, b []byte) (Datum, []byte, error) {
	if len(b) < 8 {
		return nil, nil, errKeyCorrupt
	}
	d, err := enumBySort(t.OID, float32(floatFromKeyBits(binary.BigEndian.Uint64(b))))
	return d, b[8:], err
}

func appendEnumCompact(dst []byte, v Enum) []byte {
	return binary.LittleEndian.AppendUint32(dst, math.Float32bits(v.Sort))
}

func decodeEnumCompact(t T, b []byte) (Datum, error) {
	if len(b) != 4 {
		return nil, errRowCorrupt
	}
	return enumBySort(t.OID, math.Float32frombits(binary.LittleEndian.Uint32(b)))
}

// UserTypeResolver is what a session offers (EvalContext.Session) to
// resolve the name of a user type in its catalog ('mood'::regtype): in
// schema, or through the search path when schema is "".
type UserTypeResolver interface {
	UserTypeOID(schema, name string) (OID, bool)
}

// UserTypeNameOf reads a regtype input naming a user type: its schema
// ("" when unqualified) and name (unquoted, or lower-cased), whether it
// names the array type (name[]); ok is false for a malformed name.
func UserTypeNameOf(s string) (schema, name string, array, ok bool) {
	name = strings.TrimSpace(s)
	if strings.HasSuffix(name, "[]") {
		array = true
		name = strings.TrimSpace(strings.TrimSuffix(name, "[]"))
	}
	var parts []string
	for name != "" {
		var part string
		if name[0] == '"' {
			end := -1
			for i := 1; i < len(name); i++ {
				if name[i] == '"' {
					if i+1 < len(name) && name[i+1] == '"' {
						i++
						continue
					}
					end = i
					break
				}
			}
			if end < 0 {
				return "", "", false, false
			}
			part, name = strings.ReplaceAll(name[1:end], `""`, `"`), name[end+1:]
		} else {
			i := strings.IndexByte(name, '.')
			if i < 0 {
				i = len(name)
			}
			part, name = strings.ToLower(name[:i]), name[i:]
			if strings.Contains(part, `"`) || part == "" {
				return "", "", false, false
			}
		}
		parts = append(parts, part)
		if name == "" {
			break
		}
		if name[0] != '.' {
			return "", "", false, false
		}
		name = name[1:]
	}
	switch len(parts) {
	case 1:
		return "", parts[0], array, true
	case 2:
		return parts[0], parts[1], array, true
	}
	return "", "", false, false
}

func userTypeByName(ctx *EvalContext, s string) (OID, bool) {
	if ctx == nil {
		return 0, false
	}
	r, ok := ctx.Session.(UserTypeResolver)
	if !ok {
		return 0, false
	}
	schema, name, array, ok := UserTypeNameOf(s)
	if !ok {
		return 0, false
	}
	oid, ok := r.UserTypeOID(schema, name)
	if !ok {
		return 0, false
	}
	if array {
		u, ok := UserTypeOf(oid)
		if !ok || u.ArrayOID == 0 {
			return 0, false
		}
		return u.ArrayOID, true
	}
	return oid, true
}
