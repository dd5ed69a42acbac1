package ddl

// Temporary relations: CREATE TEMP TABLE / VIEW / SEQUENCE (or a CREATE
// into pg_temp) puts the relation in the session's temporary schema
// pg_temp_<pid>, made here on first use, owned by the session user, and
// dropped by the session when it ends (sql/temp.go).

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
)

// isTempCreate reports whether a CREATE of rv makes a temporary relation:
// TEMP given, or the schema named is pg_temp or the session's own.
func isTempCreate(ec *Ctx, d *catalog.Writer, rv *pg_query.RangeVar) bool {
	return rv.Relpersistence == "t" || rv.Schemaname == catalog.TempAlias ||
		(rv.Schemaname != "" && rv.Schemaname == ec.Session.Planner(d.Cat).TempSchema)
}

// tempCreationSchema is the schema a temporary relation goes into (42P16
// when another schema is named), made if the session has none yet.
func tempCreationSchema(ec *Ctx, d *catalog.Writer, rv *pg_query.RangeVar) (string, error) {
	name := ec.Session.Planner(d.Cat).TempSchema
	if rv.Schemaname != "" && rv.Schemaname != catalog.TempAlias && rv.Schemaname != name {
		return "", pgerror.New(pgerror.InvalidTableDefinition, "cannot create temporary relation in non-temporary schema")
	}
	if !d.Cat.SchemaExists(name) {
		owner := d.Owner
		if r, ok := d.Cat.Roles[ec.Session.SessionUser()]; ok {
			owner = r.OID
		}
		oid, err := d.NewOID()
		if err != nil {
			return "", err
		}
		if err := d.PutSchema(&catalog.Schema{OID: oid, Name: name, Owner: owner}, ""); err != nil {
			return "", err
		}
		ec.Session.NoteTempSchema()
	}
	d.UseSchema(name)
	return name, nil
}

// isTempKey reports whether a relation key is in a temporary schema.
func isTempKey(key string) bool {
	schema, _ := catalog.SplitKey(key)
	return catalog.IsTempSchema(schema)
}

// checkOtherTemp refuses a CREATE into another session's temporary schema.
func checkOtherTemp(ec *Ctx, d *catalog.Writer, rv *pg_query.RangeVar) error {
	if catalog.IsTempSchema(rv.Schemaname) && rv.Schemaname != ec.Session.Planner(d.Cat).TempSchema {
		return pgerror.New(pgerror.InvalidTableDefinition, "cannot create relations in temporary schemas of other sessions")
	}
	return nil
}

// onCommit is Table.OnCommit for a CREATE's ON COMMIT clause (42P16 on a
// table that is not temporary).
func onCommit(temp bool, a pg_query.OnCommitAction) (string, error) {
	var out string
	switch a {
	case pg_query.OnCommitAction_ONCOMMIT_DELETE_ROWS:
		out = catalog.OnCommitDelete
	case pg_query.OnCommitAction_ONCOMMIT_DROP:
		out = catalog.OnCommitDrop
	case pg_query.OnCommitAction_ONCOMMIT_PRESERVE_ROWS:
	default:
		return "", nil
	}
	if !temp {
		return "", pgerror.New(pgerror.InvalidTableDefinition, "ON COMMIT can only be used on temporary tables")
	}
	return out, nil
}
