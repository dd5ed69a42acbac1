package pgcatalog

import "logdb/sql/types"

// Every table and view has a composite row type in PostgreSQL (pg_class.
// reltype), and an array type over it; pgx's LoadTypes registers a
// table's row type through them. logdb has no OIDs for these types, so
// they are derived from the relation's OID, in ranges the engine's
// sequentially assigned OIDs never reach.
const (
	rowTypeBase   uint32 = 0x80000000
	rowArrayBase  uint32 = 0xC0000000
	rowTypeOIDMax uint32 = 0x3fffffff
)

func rowTypeOID(rel uint32) uint32 { return rowTypeBase | rel&rowTypeOIDMax }

// RowTypeOID is the OID of relation rel's row type (pg_class.reltype).
func RowTypeOID(rel uint32) uint32 { return rowTypeOID(rel) }

// RowArrayOID is the OID of the array type over relation rel's row type.
func RowArrayOID(rel uint32) uint32  { return rowArrayOID(rel) }
func rowArrayOID(rel uint32) uint32  { return rowArrayBase | rel&rowTypeOIDMax }
func isRowTypeOID(oid uint32) bool   { return oid&rowArrayBase == rowTypeBase }
func isRowArrayOID(oid uint32) bool  { return oid&rowArrayBase == rowArrayBase }
func relOfRowType(oid uint32) uint32 { return oid & rowTypeOIDMax }

// rowTypes appends the pg_type rows of the user relations' row types.
func rowTypes(r *rows, s *Schema) {
	add := func(rel uint32, name, schema string) {
		ns := s.namespaceOID(schema)
		r.add("oid", rowTypeOID(rel), "typname", name, "typnamespace", ns, "typowner", SuperuserOID,
			"typlen", -1, "typbyval", false, "typtype", "c", "typcategory", "C", "typisdefined", true,
			"typdelim", ",", "typrelid", rel, "typarray", rowArrayOID(rel),
			"typinput", "record_in", "typoutput", "record_out", "typreceive", "record_recv",
			"typsend", "record_send", "typalign", "d", "typstorage", "x", "typtypmod", -1)
		r.add("oid", rowArrayOID(rel), "typname", "_"+name, "typnamespace", ns, "typowner", SuperuserOID,
			"typlen", -1, "typbyval", false, "typtype", "b", "typcategory", "A", "typisdefined", true,
			"typdelim", ",", "typsubscript", "array_subscript_handler", "typelem", rowTypeOID(rel),
			"typinput", "array_in", "typoutput", "array_out", "typreceive", "array_recv",
			"typsend", "array_send", "typanalyze", "array_typanalyze", "typalign", "d", "typstorage", "x",
			"typtypmod", -1)
	}
	for i := range s.Tables {
		add(s.Tables[i].OID, s.Tables[i].Name, s.Tables[i].Schema)
	}
	for i := range s.Views {
		add(s.Views[i].OID, s.Views[i].Name, s.Views[i].Schema)
	}
}

// rowTypeName is format_type of a row type or its array: the relation's
// name, schema-qualified when not visible; ok is false for other OIDs.
func (s *Schema) rowTypeName(oid uint32) (string, bool) {
	if !isRowTypeOID(oid) && !isRowArrayOID(oid) {
		return "", false
	}
	r, ok := s.relationByOID(relOfRowType(oid))
	if !ok || (r.kind != 'r' && r.kind != 'v') || r.cat != nil {
		return "", false
	}
	name := QuoteIdent(r.name)
	if !s.visible(r) {
		name = QuoteIdent(r.ns) + "." + name
	}
	if isRowArrayOID(oid) {
		name += "[]"
	}
	return name, true
}

// typeVisible is pg_type_is_visible.
func (s *Schema) typeVisible(oid uint32) bool {
	for i := range s.Types {
		if s.Types[i].OID == oid || s.Types[i].ArrayOID == oid {
			return s.userTypeVisible(&s.Types[i])
		}
	}
	if _, ok := types.InfoOf(oid); ok {
		return true
	}
	if isRowTypeOID(oid) || isRowArrayOID(oid) {
		r, ok := s.relationByOID(relOfRowType(oid))
		return ok && r.cat == nil && s.visible(r)
	}
	return false
}

// formatType is format_type(oid, typmod) with the session's row types.
func (s *Schema) formatType(oid uint32, typmod types.Datum) string {
	if name, ok := s.rowTypeName(oid); ok {
		return name
	}
	if name, ok := s.userTypeName(oid); ok { // usertypes.go
		return name
	}
	return FormatType(oid, typmod)
}
