package types

import (
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"time"

	"logdb/sql/pgerror"
	"logdb/sql/types/jsondoc"
)

// Record is a value of an anonymous composite type (a set-returning
// function's row, such as information_schema._pg_expandarray's (x, n)):
// its type is T{OID: RecordOID, Mod: k}, k naming a transient record type
// registered with RecordType, as PostgreSQL's typmod of an anonymous record
// names a registered tuple descriptor.
type Record struct {
	Values []Datum
}

// RecordField is one field of a transient record type.
type RecordField struct {
	Name string
	T    T
}

var records struct {
	sync.Mutex
	byKey  map[string]int32
	fields [][]RecordField
	wire   [][2]OID // the type OIDs a RowDescription names for it and its array (record and record[], or a table's row type and its array)
}

// MaxRecordTypes bounds the process-wide registry of record types: a
// registered type is never released (cached plans name it), so distinct
// shapes beyond this many fail with 54000 instead of growing memory
// without bound. Applications use a few shapes; a client inventing field
// names in every query is what the bound stops.
const MaxRecordTypes = 100_000

// recordTypeLimit is MaxRecordTypes; tests lower it.
var recordTypeLimit = MaxRecordTypes

// RecordType returns the record type with these fields, registering it
// the first time (the same fields give the same type); 54000 past
// MaxRecordTypes.
func RecordType(fields []RecordField) (T, error) {
	return NamedRecordType(RecordOID, RecordArrayOID, fields)
}

// NamedRecordType is RecordType for a relation's row type: clients are
// told its type OID is wire (pg_class.reltype), its array's wireArray.
func NamedRecordType(wire, wireArray OID, fields []RecordField) (T, error) {
	var key strings.Builder
	key.WriteString(strconv.FormatUint(uint64(wire), 10))
	key.WriteByte(0)
	for _, f := range fields {
		key.WriteString(f.Name)
		key.WriteByte(0)
		key.WriteString(FormatType(f.T))
		key.WriteByte(0)
	}
	records.Lock()
	defer records.Unlock()
	if records.byKey == nil {
		records.byKey = map[string]int32{}
	}
	k, ok := records.byKey[key.String()]
	if !ok {
		if len(records.fields) >= recordTypeLimit {
			return T{}, pgerror.New(pgerror.ProgramLimitExceeded, "too many distinct record types: this server has registered %d", recordTypeLimit)
		}
		k = int32(len(records.fields))
		records.fields = append(records.fields, append([]RecordField(nil), fields...))
		records.wire = append(records.wire, [2]OID{wire, wireArray})
		records.byKey[key.String()] = k
	}
	return T{OID: RecordOID, Mod: k}, nil
}

// RecordFields returns the fields of a transient record type (false for
// any other type, and for a record of unknown shape).
func RecordFields(t T) ([]RecordField, bool) {
	if t.OID >= firstUserTypeOID {
		return compositeFields(t.OID) // composite.go
	}
	if t.OID != RecordOID || t.Mod < 0 {
		return nil, false
	}
	records.Lock()
	defer records.Unlock()
	if int(t.Mod) >= len(records.fields) {
		return nil, false
	}
	return records.fields[t.Mod], true
}

// RecordWireOID is the type OID clients are told for a type: a record's
// (or a record array's) is that of the row type it was registered with.
func RecordWireOID(t T) OID {
	if t.OID != RecordOID && t.OID != RecordArrayOID || t.Mod < 0 {
		return t.OID
	}
	records.Lock()
	defer records.Unlock()
	if int(t.Mod) >= len(records.wire) {
		return t.OID
	}
	if t.OID == RecordArrayOID {
		return records.wire[t.Mod][1]
	}
	return records.wire[t.Mod][0]
}

// compareRecords compares records field by field (NULLs last).
func compareRecords(t T, a, b Record) int {
	fields, _ := RecordFields(t)
	for i := 0; i < len(a.Values) && i < len(b.Values); i++ {
		x, y := a.Values[i], b.Values[i]
		switch {
		case x == nil && y == nil:
			continue
		case x == nil:
			return 1
		case y == nil:
			return -1
		}
		ft := T{OID: TextOID, Mod: -1}
		if i < len(fields) {
			ft = fields[i].T
		}
		if c := Compare(ft, x, y); c != 0 {
			return c
		}
	}
	return len(a.Values) - len(b.Values)
}

// appendRecordKey is a record's key encoding, field by field.
func appendRecordKey(dst []byte, t T, r Record) []byte {
	fields, _ := RecordFields(t)
	for i, v := range r.Values {
		dst = append(dst, keyArrElem)
		if v == nil {
			dst = append(dst, 0xFF)
			continue
		}
		ft := T{OID: TextOID, Mod: -1}
		if i < len(fields) {
			ft = fields[i].T
		}
		dst = AppendKey(dst, ft, v)
	}
	return append(dst, keyArrEnd)
}

// appendRecordBinary is record_send: the field count, then each field's
// type OID, length (-1 for NULL) and binary value.
func appendRecordBinary(dst []byte, t T, r Record) ([]byte, error) {
	fields, _ := RecordFields(t)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Values)))
	for i, v := range r.Values {
		ft := T{OID: TextOID, Mod: -1}
		if i < len(fields) {
			ft = fields[i].T
		}
		dst = binary.BigEndian.AppendUint32(dst, uint32(RecordWireOID(ft)))
		if v == nil {
			dst = binary.BigEndian.AppendUint32(dst, 0xFFFFFFFF)
			continue
		}
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		var err error
		if HasBinary(ft.OID) {
			if dst, err = AppendBinary(dst, ft, v); err != nil {
				return nil, err
			}
		} else {
			dst = AppendText(dst, ft, v)
		}
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst, nil
}

// appendRecordJSON renders a record as a json object keyed by its field
// names (row_to_json, to_jsonb of a row).
func appendRecordJSON(dst []byte, t T, r Record, loc *time.Location, jsonbStyle bool) []byte {
	fields, _ := RecordFields(t)
	dst = append(dst, '{')
	for i, v := range r.Values {
		if i > 0 {
			dst = append(dst, ',')
			if jsonbStyle {
				dst = append(dst, ' ')
			}
		}
		name := "f" + strconv.Itoa(i+1)
		ft := T{OID: TextOID, Mod: -1}
		if i < len(fields) {
			name, ft = fields[i].Name, fields[i].T
		}
		dst = jsondoc.AppendString(dst, name)
		dst = append(dst, ':')
		if jsonbStyle {
			dst = append(dst, ' ')
		}
		dst = appendJSONValue(dst, ft, v, loc, jsonbStyle)
	}
	return append(dst, '}')
}

// appendRecordText is record_out: (v1,v2,…), a NULL as nothing, a value
// quoted when it is empty or holds a delimiter, quote or backslash.
func appendRecordText(dst []byte, t T, r Record) []byte {
	fields, _ := RecordFields(t)
	dst = append(dst, '(')
	for i, v := range r.Values {
		if i > 0 {
			dst = append(dst, ',')
		}
		if v == nil {
			continue
		}
		ft := T{OID: TextOID, Mod: -1}
		if i < len(fields) {
			ft = fields[i].T
		}
		s := AppendText(nil, ft, v)
		if len(s) > 0 && !strings.ContainsAny(string(s), "(),\"\\ \t\n") {
			dst = append(dst, s...)
			continue
		}
		dst = append(dst, '"')
		for _, c := range s {
			if c == '"' || c == '\\' {
				dst = append(dst, c)
			}
			dst = append(dst, c)
		}
		dst = append(dst, '"')
	}
	return append(dst, ')')
}
