package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
)

// path is the search path names resolve against (Planner.Path; nil is
// pg_catalog then public).
func (p *Planner) path() []string {
	if p.Path == nil {
		return []string{catalog.PgCatalog, catalog.Public}
	}
	return p.Path
}

// systemRelation is the catalog relation an unqualified name means when a
// system schema (pg_catalog, information_schema) comes in the path before
// any schema holding a user relation of that name; nil otherwise.
func (p *Planner) systemRelation(name string) *pgcatalog.View {
	for _, s := range p.path() {
		if catalog.IsSystemSchema(s) {
			if v := pgcatalog.Lookup(s, name); v != nil {
				return v
			}
			continue
		}
		if p.Cat.SchemaExists(s) && p.Cat.RelationExists(catalog.Key(s, name)) {
			return nil
		}
	}
	return nil
}

// RelKey resolves a relation name, qualified or not, to its key in the
// catalog's maps (catalog.Catalog.RelKey): a qualified name needs USAGE on
// its schema (42501).
func (p *Planner) RelKey(schema, name string) (string, error) {
	schema, err := p.TempAlias(schema)
	if err != nil {
		return "", err
	}
	if schema != "" && p.SchemaUsage != nil && !catalog.IsSystemSchema(schema) && p.Cat.SchemaExists(schema) {
		if err := p.SchemaUsage(p.Cat, schema); err != nil {
			return "", err
		}
	}
	return p.Cat.RelKey(p.path(), schema, name), nil
}

// TempAlias maps pg_temp to the session's temporary schema; another
// session's temporary schema is 0A000 (PostgreSQL refuses to access its
// tables).
func (p *Planner) TempAlias(schema string) (string, error) {
	if schema == catalog.TempAlias && p.TempSchema != "" {
		return p.TempSchema, nil
	}
	if catalog.IsTempSchema(schema) && schema != p.TempSchema && p.Cat.SchemaExists(schema) {
		return "", pgerror.New(pgerror.FeatureNotSupported, "cannot access temporary tables of other sessions")
	}
	return schema, nil
}

// CreationSchema is where a CREATE of name puts it (3F000 when the path
// has no schema, or the given one does not exist).
func (p *Planner) CreationSchema(schema, name string) (string, error) {
	return p.Cat.CreationSchema(p.path(), schema, name)
}

// errSchemaUsage is the error of a missing USAGE on schema.
func errSchemaUsage(schema string) error {
	return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for schema %s", schema)
}

// ErrSchemaUsage is errSchemaUsage for the engine's checks.
var ErrSchemaUsage = errSchemaUsage

// QualifiedName is rv's name as written: schema.name or name.
func QualifiedName(rv *pg_query.RangeVar) string {
	if rv.Schemaname != "" {
		return rv.Schemaname + "." + rv.Relname
	}
	return rv.Relname
}

// SearchPath is the path unqualified names resolve against.
func (p *Planner) SearchPath() []string { return p.path() }
