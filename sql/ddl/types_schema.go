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
		u := pgcatalog.UserType{OID: d.OID, ArrayOID: d.ArrayOID, Name: d.Name, Schema: "public", Kind: d.Kind[0], Owner: d.Owner,
			Labels: d.Labels, Base: d.Base, NotNull: d.NotNull, Default: d.Default}
		for _, ck := range d.Checks {
			u.Constraints = append(u.Constraints, pgcatalog.Constraint{OID: ck.OID, Name: ck.Name, Kind: 'c', Def: ck.Expr})
		}
		out = append(out, u)
	}
	return out
}
