package ddl

import (
	"strings"

	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
)

// typeRef splits a possibly qualified type name into schema ("" when
// unqualified), name and the name as written; a named schema must exist
// (3F000) and be usable (42501).
func typeRef(ec *Ctx, d *catalog.Writer, names []string) (schema, name, full string, err error) {
	full = strings.Join(names, ".")
	name = names[len(names)-1]
	if len(names) > 1 {
		schema = names[len(names)-2]
		if !d.Cat.SchemaExists(schema) && !catalog.IsSystemSchema(schema) {
			return schema, name, full, pgerror.New("3F000", "schema \"%s\" does not exist", schema)
		}
		if _, err := ec.Session.Planner(d.Cat).RelKey(schema, name); err != nil {
			return schema, name, full, err
		}
	}
	return schema, name, full, nil
}

// createdTypeName is the schema and name a CREATE TYPE / DOMAIN makes:
// the given schema or the first of the search path (3F000 when none),
// where the role needs CREATE; 42710 when the schema has a type of that
// name (a user type or a relation's row type).
func createdTypeName(ec *Ctx, d *catalog.Writer, names []string) (string, string, error) {
	name := names[len(names)-1]
	given := ""
	if len(names) > 1 {
		given = names[len(names)-2]
	}
	schema, err := ec.Session.Planner(d.Cat).CreationSchema(given, name)
	if err != nil {
		return "", "", err
	}
	if err := ec.Session.CheckCreate(d.Cat, schema); err != nil {
		return "", "", err
	}
	d.UseSchema(schema)
	if err := checkTypeNameFree(d, schema, name); err != nil {
		return "", "", err
	}
	return schema, name, nil
}

// checkTypeNameFree fails with 42710 when schema holds a type called name
// already: a user type, or a relation's row type.
func checkTypeNameFree(d *catalog.Writer, schema, name string) error {
	if _, ok := d.Cat.TypeIn(nil, schema, name); ok {
		return pgerror.New(pgerror.DuplicateObject, "type \"%s\" already exists", name)
	}
	if d.Cat.RelationExists(catalog.Key(schema, name)) {
		return typeOfRelationExists(name)
	}
	return nil
}

// TypeSchemas describes the catalog's user types for pg_type, pg_enum,
// pg_constraint and information_schema.
func TypeSchemas(cat *catalog.Catalog) []pgcatalog.UserType {
	var out []pgcatalog.UserType
	for _, d := range cat.SortedTypes() {
		u := pgcatalog.UserType{OID: d.OID, ArrayOID: d.ArrayOID, Name: d.Name, Schema: d.Schema, Kind: d.Kind[0], Owner: d.Owner,
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
