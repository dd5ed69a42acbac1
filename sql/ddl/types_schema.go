package ddl

import (
	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"
)

// TypeSchemas describes the catalog's user types for pg_type, pg_enum,
// pg_constraint and information_schema.
func TypeSchemas(cat *catalog.Catalog) []pgcatalog.UserType {
	var out []pgcatalog.UserType
	for _, d := range cat.SortedTypes() {
		u := pgcatalog.UserType{OID: d.OID, ArrayOID: d.ArrayOID, Name: d.Name, Schema: catalog.SchemaName(d.Schema), Kind: d.Kind[0], Owner: d.Owner,
			Labels: d.Labels, Base: d.Base, NotNull: d.NotNull, Default: d.Default,
			Fields: d.Fields, RelOID: d.RelOID}
		for _, ck := range d.Checks {
			u.Constraints = append(u.Constraints, pgcatalog.Constraint{OID: ck.OID, Name: ck.Name, Kind: 'c', Def: upperValue(ck.Expr)})
		}
		out = append(out, u)
	}
	return out
}

// upperValue prints a domain CHECK's VALUE as PostgreSQL does (the
// deparser gives the keyword as a lower-case column name): every bare
// word "value" outside quotes becomes VALUE.
func upperValue(expr string) string {
	b := []byte(expr)
	isWord := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
	}
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\'' || c == '"':
			for i++; i < len(b) && b[i] != c; i++ {
			}
		case isWord(c):
			j := i
			for j < len(b) && isWord(b[j]) {
				j++
			}
			if string(b[i:j]) == "value" {
				copy(b[i:j], "VALUE")
			}
			i = j - 1
		}
	}
	return string(b)
}
