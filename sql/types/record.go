package types

import (
	"strings"
	"sync"
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
}

// RecordType returns the record type with these fields, registering it
// the first time (the same fields give the same type).
func RecordType(fields []RecordField) T {
	var key strings.Builder
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
		k = int32(len(records.fields))
		records.fields = append(records.fields, append([]RecordField(nil), fields...))
		records.byKey[key.String()] = k
	}
	return T{OID: RecordOID, Mod: k}
}

// RecordFields returns the fields of a transient record type (false for
// any other type, and for a record of unknown shape).
func RecordFields(t T) ([]RecordField, bool) {
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
