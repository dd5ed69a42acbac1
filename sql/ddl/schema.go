package ddl

// Schemas: CREATE / DROP / ALTER SCHEMA, ALTER … SET SCHEMA, and the
// helpers other statements resolve relation names with (the session's
// search path, through its planner).

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

// relKey resolves rv to its key in the catalog's maps against the
// session's search path (catalog.Catalog.RelKey).
func relKey(ec *Ctx, d *catalog.Writer, rv *pg_query.RangeVar) (string, error) {
	return ec.Session.Planner(d.Cat).RelKey(rv.Schemaname, rv.Relname)
}

// nameKey resolves a possibly qualified name given as a list (DROP's
// objects, GRANT's) to its key.
func namesKey(ec *Ctx, d *catalog.Writer, names []string) (string, error) {
	schema := ""
	if len(names) > 1 {
		schema = names[len(names)-2]
	}
	return ec.Session.Planner(d.Cat).RelKey(schema, names[len(names)-1])
}

// creationSchema is the schema a CREATE of rv goes into, which the current
// role must be allowed to create in.
func creationSchema(ec *Ctx, d *catalog.Writer, rv *pg_query.RangeVar) (string, error) {
	if isTempCreate(ec, d, rv) { // temp.go
		return tempCreationSchema(ec, d, rv)
	}
	if err := checkOtherTemp(ec, d, rv); err != nil {
		return "", err
	}
	schema, err := ec.Session.Planner(d.Cat).CreationSchema(rv.Schemaname, rv.Relname)
	if err != nil {
		return "", err
	}
	if err := ec.Session.CheckCreate(d.Cat, schema); err != nil {
		return "", err
	}
	d.UseSchema(schema)
	return schema, nil
}

// storedSchema is a descriptor's Schema field: "" for public (as every
// descriptor written before schemas).
func storedSchema(schema string) string {
	if schema == catalog.Public {
		return ""
	}
	return schema
}

// qualifiedIdent is schema.name quoted, or name alone in public.
func qualifiedIdent(schema, name string) string {
	if catalog.SchemaName(schema) == catalog.Public {
		return pgcatalog.QuoteIdent(name)
	}
	return pgcatalog.QuoteIdent(schema) + "." + pgcatalog.QuoteIdent(name)
}

// checkSchemaName refuses the names PostgreSQL reserves (42939).
func checkSchemaName(name string) error {
	if strings.HasPrefix(name, "pg_") {
		return &pgerror.Error{Code: "42939", Message: "unacceptable schema name \"" + name + "\"",
			Detail: "The prefix \"pg_\" is reserved for system schemas."}
	}
	return nil
}

// checkCreateSchema: CREATE (and RENAME) SCHEMA needs CREATE on the
// database, which only superusers hold here.
func checkCreateSchema(ec *Ctx, d *catalog.Writer) error {
	if r := ec.Session.CurrentRole(d.Cat); r != nil && r.Super {
		return nil
	}
	return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for database %s", ec.Session.Planner(d.Cat).Host.CatalogSchema().Database)
}

func schemaExistsAny(d *catalog.Writer, name string) bool {
	return d.Cat.SchemaExists(name) || catalog.IsSystemSchema(name)
}

// CreateSchema is CREATE SCHEMA [IF NOT EXISTS] [name] [AUTHORIZATION role].
func CreateSchema(ec *Ctx, d *catalog.Writer, cs *pg_query.CreateSchemaStmt, w Noticer) error {
	if len(cs.SchemaElts) > 0 {
		return pgerror.Unsupported("CREATE SCHEMA with schema elements")
	}
	owner := d.Owner
	name := cs.Schemaname
	if cs.Authrole != nil {
		rn := cs.Authrole.Rolename
		switch cs.Authrole.Roletype {
		case pg_query.RoleSpecType_ROLESPEC_CURRENT_USER, pg_query.RoleSpecType_ROLESPEC_CURRENT_ROLE:
			rn = ec.Session.CurrentUser()
		case pg_query.RoleSpecType_ROLESPEC_SESSION_USER:
			rn = ec.Session.SessionUser()
		}
		r, err := LookupRole(d.Cat, rn)
		if err != nil {
			return err
		}
		owner = r.OID
		if name == "" {
			name = r.Name
		}
	}
	if err := checkCreateSchema(ec, d); err != nil {
		return err
	}
	if err := checkSchemaName(name); err != nil {
		return err
	}
	if schemaExistsAny(d, name) {
		if cs.IfNotExists {
			_ = w.Notice(Notice("42P06", "schema \""+name+"\" already exists, skipping"))
			return nil
		}
		return pgerror.New("42P06", "schema \"%s\" already exists", name)
	}
	oid, err := d.NewOID()
	if err != nil {
		return err
	}
	return d.PutSchema(&catalog.Schema{OID: oid, Name: name, Owner: owner}, "")
}

// userSchema finds a created schema: public and the system ones are not
// (0A000: logdb keeps them fixed), a missing one is 3F000.
func userSchema(d *catalog.Writer, name, what string) (*catalog.Schema, error) {
	if name == catalog.Public || catalog.IsSystemSchema(name) {
		return nil, pgerror.Unsupported(what + " of schema " + name)
	}
	sc, ok := d.Cat.Schemas[name]
	if !ok {
		return nil, pgerror.New("3F000", "schema \"%s\" does not exist", name)
	}
	return sc, nil
}

// DropSchemas is DROP SCHEMA [IF EXISTS] name, … [CASCADE | RESTRICT].
func DropSchemas(ec *Ctx, d *catalog.Writer, ds *pg_query.DropStmt, w Noticer) error {
	var names []string
	for _, obj := range ds.Objects {
		names = append(names, plan.NodeStrings([]*pg_query.Node{obj})...)
	}
	for _, name := range names {
		if _, ok := d.Cat.Schemas[name]; !ok && !catalog.IsSystemSchema(name) && name != catalog.Public {
			if ds.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "schema \""+name+"\" does not exist, skipping"))
				continue
			}
			return pgerror.New("3F000", "schema \"%s\" does not exist", name)
		}
		sc, err := userSchema(d, name, "DROP")
		if err != nil {
			return err
		}
		if err := ec.Session.CheckOwner(d.Cat, sc.Owner, "schema", name); err != nil {
			return err
		}
		lines, err := dropSchemaMembers(ec, d, name, ds.Behavior == pg_query.DropBehavior_DROP_CASCADE)
		if err != nil {
			return err
		}
		if len(lines) > 0 {
			n := Notice(pgerror.SuccessfulCompletion, lines[0])
			if len(lines) > 1 {
				n = Notice(pgerror.SuccessfulCompletion, "drop cascades to "+exec.Itoa(len(lines))+" other objects")
				n.Detail = strings.Join(lines, "\n")
			}
			_ = w.Notice(n)
		}
		if err := renamePubSchema(d, name, ""); err != nil {
			return err
		}
		d.DeleteSchema(sc)
	}
	return nil
}

// dropSchemaMembers drops what schema holds (cascade) or fails with 2BP01
// naming it; it returns the "drop cascades to …" lines.
func dropSchemaMembers(ec *Ctx, d *catalog.Writer, schema string, cascade bool) ([]string, error) {
	tables, seqs, views := d.Cat.SchemaMembers(schema)
	type member struct {
		oid  uint32
		desc string
		deps []string // foreign keys of tables outside that reference it
		drop func() error
	}
	var ms []member
	dropping := map[uint32]bool{}
	for _, t := range tables {
		dropping[t.OID] = true
	}
	outsideViews := map[uint32]bool{} // views elsewhere that read the schema's tables
	for _, t := range tables {
		var deps []string
		for _, r := range fkDependents(d.Cat, t, dropping, nil) {
			deps = append(deps, "constraint "+r.FK.Name+" on table "+qualifiedIdent(r.Table.Schema, r.Table.Name))
		}
		var readers []*catalog.View
		for _, v := range sortedViews(d.Cat) {
			if SchemaOf(v.Schema) != schema && !outsideViews[v.OID] && slices.Contains(v.Reads, t.OID) {
				outsideViews[v.OID] = true
				readers = append(readers, v)
				deps = append(deps, "view "+qualifiedIdent(v.Schema, v.Name))
			}
		}
		pols, _ := policyDependents(d.Cat, t, dropping) // policy.go
		deps = append(deps, pols...)
		ms = append(ms, member{t.OID, "table " + qualifiedIdent(schema, t.Name), deps, func() error {
			refs := fkDependents(d.Cat, d.Cat.ByOID[t.OID], dropping, nil)
			if err := dropDependentFKs(d, refs, discard{}); err != nil {
				return err
			}
			if err := dropDependentPolicies(d, d.Cat.ByOID[t.OID], dropping, true, discard{}); err != nil {
				return err
			}
			for _, v := range readers {
				d.DeleteView(v)
			}
			dropTable(d, d.Cat.ByOID[t.OID])
			return nil
		}})
	}
	for _, sq := range seqs {
		if dropping[sq.OwnerTab] {
			continue // goes with its table
		}
		ms = append(ms, member{sq.OID, "sequence " + qualifiedIdent(schema, sq.Name), nil, func() error {
			if cur, ok := d.Cat.SeqOID[sq.OID]; ok {
				d.DeleteSeq(cur)
			}
			return nil
		}})
	}
	for _, v := range views {
		ms = append(ms, member{v.OID, "view " + qualifiedIdent(schema, v.Name), nil, func() error {
			d.DeleteView(v)
			return nil
		}})
	}
	for _, f := range d.Cat.SortedFunctions() {
		if SchemaOf(f.Schema) != schema {
			continue
		}
		kind := map[bool]string{true: "procedure ", false: "function "}[f.Kind == "p"]
		ms = append(ms, member{f.OID, kind + qualifiedIdent(schema, f.Name) + "(" + functionIdentity(f) + ")", nil, func() error {
			d.DeleteFunction(f)
			return nil
		}})
	}
	for _, t := range d.Cat.SchemaTypes(schema) {
		var outside []string // columns of the type in tables the drop keeps
		for _, u := range d.Cat.TypeUsers(t.OID) {
			if !typeUserInSchema(d.Cat, u, schema) {
				outside = append(outside, u)
			}
		}
		ms = append(ms, member{t.OID, "type " + qualifiedIdent(schema, t.Name), outside, func() error {
			if len(outside) > 0 {
				if err := dropTypeColumns(ec, d, t, outside, discard{}, schema); err != nil {
					return err
				}
			}
			d.DeleteType(t)
			return nil
		}})
	}
	slices.SortFunc(ms, func(a, b member) int { return int(a.oid) - int(b.oid) })
	if len(ms) == 0 {
		return nil, nil
	}
	var lines []string
	if !cascade {
		for _, m := range ms {
			lines = append(lines, m.desc+" depends on schema "+schema)
			for _, dep := range m.deps {
				lines = append(lines, dep+" depends on "+m.desc)
			}
		}
		return nil, &pgerror.Error{Code: pgerror.DependentObjectsStillExist,
			Message: "cannot drop schema " + schema + " because other objects depend on it",
			Detail:  strings.Join(lines, "\n"),
			Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
	}
	for _, m := range ms {
		lines = append(lines, "drop cascades to "+m.desc)
		for _, dep := range m.deps {
			lines = append(lines, "drop cascades to "+dep)
		}
		if err := m.drop(); err != nil {
			return nil, err
		}
	}
	return lines, nil
}

// discard drops notices (DROP SCHEMA reports what it drops in one).
type discard struct{}

func (discard) Notice(*pgerror.Error) error { return nil }

// RenameSchema is ALTER SCHEMA name RENAME TO new: its members move with it.
func RenameSchema(ec *Ctx, d *catalog.Writer, rs *pg_query.RenameStmt) error {
	sc, err := userSchema(d, rs.Subname, "RENAME")
	if err != nil {
		return err
	}
	if err := ec.Session.CheckOwner(d.Cat, sc.Owner, "schema", sc.Name); err != nil {
		return err
	}
	if err := checkCreateSchema(ec, d); err != nil {
		return err
	}
	if schemaExistsAny(d, rs.Newname) {
		return pgerror.New("42P06", "schema \"%s\" already exists", rs.Newname)
	}
	if err := checkSchemaName(rs.Newname); err != nil {
		return err
	}
	ns := *sc
	ns.Name = rs.Newname
	if err := d.PutSchema(&ns, sc.Name); err != nil {
		return err
	}
	if err := renamePubSchema(d, sc.Name, rs.Newname); err != nil {
		return err
	}
	tables, seqs, views := d.Cat.SchemaMembers(sc.Name)
	for _, t := range tables {
		if err := moveTable(d, t, sc.Name, rs.Newname); err != nil {
			return err
		}
	}
	for _, sq := range seqs {
		if cur := d.Cat.SeqOID[sq.OID]; cur != nil && SchemaOf(cur.Schema) == sc.Name {
			if err := moveSeq(d, cur, rs.Newname); err != nil {
				return err
			}
		}
	}
	for _, v := range views {
		nv := *v
		nv.Schema = storedSchema(rs.Newname)
		if err := d.PutView(&nv); err != nil {
			return err
		}
	}
	for _, t := range d.Cat.SchemaTypes(sc.Name) {
		nt := t.Clone()
		nt.Schema = storedSchema(rs.Newname)
		if err := d.PutType(nt); err != nil {
			return err
		}
	}
	if err := renameTypeSchemaIn(d, sc.Name, rs.Newname); err != nil { // storedexpr.go
		return err
	}
	for _, f := range d.Cat.SortedFunctions() {
		if SchemaOf(f.Schema) == sc.Name {
			nf := *f
			nf.Schema = storedSchema(rs.Newname)
			if err := d.PutFunction(&nf); err != nil {
				return err
			}
		}
	}
	return nil
}

// SchemaOf is catalog.SchemaName.
func SchemaOf(field string) string { return catalog.SchemaName(field) }

// AlterSchemaOwner is ALTER SCHEMA name OWNER TO role.
func AlterSchemaOwner(ec *Ctx, d *catalog.Writer, as *pg_query.AlterOwnerStmt) error {
	name := strings.Join(plan.NodeStrings([]*pg_query.Node{as.Object}), ".")
	sc, err := userSchema(d, name, "ALTER OWNER")
	if err != nil {
		return err
	}
	o, err := ec.Session.NewOwner(d.Cat, as.Newowner, sc.Owner, "schema", name)
	if err != nil {
		return err
	}
	ns := *sc
	ns.Owner = o
	return d.PutSchema(&ns, "")
}

// moveSeq puts a sequence into schema to.
func moveSeq(d *catalog.Writer, sq *catalog.Sequence, to string) error {
	if d.Cat.RelationExists(catalog.Key(to, sq.Name)) {
		return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists in schema \"%s\"", sq.Name, to)
	}
	ns := *sq
	ns.Schema = storedSchema(to)
	return d.PutSeq(&ns)
}

// moveTable puts a table, its indexes and its owned sequences into schema
// to; the defaults that name a moved sequence follow it.
func moveTable(d *catalog.Writer, t *catalog.Table, from, to string) error {
	names := []string{t.Name}
	if len(t.PK) > 0 {
		names = append(names, t.PKName)
	}
	for _, ix := range t.Indexes {
		names = append(names, ix.Name)
	}
	for _, n := range names {
		if d.Cat.RelationExists(catalog.Key(to, n)) {
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists in schema \"%s\"", n, to)
		}
	}
	nt := t.Clone()
	nt.Schema = storedSchema(to)
	for _, sq := range d.Cat.Seqs {
		if sq.OwnerTab != t.OID || SchemaOf(sq.Schema) != from {
			continue
		}
		if err := moveSeq(d, sq, to); err != nil {
			return err
		}
		old := "nextval('" + strings.ReplaceAll(qualifiedIdent(from, sq.Name), "'", "''") + "'::regclass)"
		for _, c := range nt.Columns {
			if c.Default == old {
				c.Default = "nextval('" + strings.ReplaceAll(qualifiedIdent(to, sq.Name), "'", "''") + "'::regclass)"
			}
		}
	}
	return d.PutTable(nt)
}

// SetSchema is ALTER TABLE / SEQUENCE / VIEW name SET SCHEMA s.
func SetSchema(ec *Ctx, d *catalog.Writer, as *pg_query.AlterObjectSchemaStmt, w Noticer) error {
	rv := as.Relation
	if rv == nil {
		return pgerror.Unsupported("ALTER " + strings.TrimPrefix(as.ObjectType.String(), "OBJECT_") + " … SET SCHEMA")
	}
	key, err := relKey(ec, d, rv)
	if err != nil {
		return err
	}
	to := as.Newschema
	if catalog.IsTempSchema(to) || to == catalog.TempAlias || isTempKey(key) {
		return pgerror.New("0A000", "cannot move objects into or out of temporary schemas")
	}
	if !d.Cat.SchemaExists(to) {
		if catalog.IsSystemSchema(to) {
			return pgerror.New("0A000", "cannot move objects into or out of system schemas")
		}
		return pgerror.New("3F000", "schema \"%s\" does not exist", to)
	}
	missing := func() error {
		if as.MissingOk {
			_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "relation \""+rv.Relname+"\" does not exist, skipping"))
			return nil
		}
		return plan.UndefinedTable(rv)
	}
	if err := ec.Session.CheckCreate(d.Cat, to); err != nil {
		return err
	}
	d.UseSchema(to)
	switch as.ObjectType {
	case pg_query.ObjectType_OBJECT_TABLE:
		t, ok := d.Cat.Tables[key]
		if !ok {
			if d.Cat.RelationExists(key) {
				return pgerror.New("42809", "\"%s\" is not a table", rv.Relname)
			}
			return missing()
		}
		if err := ec.Session.CheckOwner(d.Cat, t.Owner, "table", t.Name); err != nil {
			return err
		}
		if SchemaOf(t.Schema) == to {
			return nil
		}
		return moveTable(d, t, SchemaOf(t.Schema), to)
	case pg_query.ObjectType_OBJECT_SEQUENCE:
		sq, ok := d.Cat.Seqs[key]
		if !ok {
			return missing()
		}
		if err := ec.Session.CheckOwner(d.Cat, sq.Owner, "sequence", sq.Name); err != nil {
			return err
		}
		if sq.OwnerTab != 0 {
			t := d.Cat.ByOID[sq.OwnerTab]
			return &pgerror.Error{Code: "0A000", Message: "cannot move an owned sequence into another schema",
				Detail: "Sequence \"" + sq.Name + "\" is linked to table \"" + t.Name + "\"."}
		}
		if SchemaOf(sq.Schema) == to {
			return nil
		}
		return moveSeq(d, sq, to)
	case pg_query.ObjectType_OBJECT_VIEW:
		v, ok := d.Cat.Views[key]
		if !ok {
			return missing()
		}
		if err := ec.Session.CheckOwner(d.Cat, v.Owner, "view", v.Name); err != nil {
			return err
		}
		if d.Cat.RelationExists(catalog.Key(to, v.Name)) {
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists in schema \"%s\"", v.Name, to)
		}
		nv := *v
		nv.Schema = storedSchema(to)
		return d.PutView(&nv)
	}
	return pgerror.Unsupported("ALTER " + strings.TrimPrefix(as.ObjectType.String(), "OBJECT_") + " … SET SCHEMA")
}

// grantOnSchema is GRANT / REVOKE … ON SCHEMA name (not public).
func grantOnSchema(ec *Ctx, d *catalog.Writer, name, all string, grant bool, privs string, grantees []uint32) error {
	if catalog.IsSystemSchema(name) {
		return pgerror.Unsupported("GRANT on schema " + name)
	}
	sc, ok := d.Cat.Schemas[name]
	if !ok {
		return pgerror.New("3F000", "schema \"%s\" does not exist", name)
	}
	if !ec.Session.IsOwner(d.Cat, sc.Owner) {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for schema %s", name)
	}
	ns := *sc
	ns.ACL = editACL(sc.ACL, sc.Owner, all, grant, privs, grantees, catalog.OwnerOID(sc.Owner))
	return d.PutSchema(&ns, "")
}

// AlterOwnerRel is ALTER SEQUENCE / VIEW rv OWNER TO (AlterOwnerOther,
// the name resolved first).
func AlterOwnerRel(ec *Ctx, d *catalog.Writer, rv *pg_query.RangeVar, cmds []*pg_query.Node) error {
	key, err := relKey(ec, d, rv)
	if err != nil {
		return err
	}
	return AlterOwnerOther(ec, d, key, cmds)
}

// renamePubSchema follows a schema's rename (to "": its drop) in the
// publications FOR TABLES IN SCHEMA it.
func renamePubSchema(d *catalog.Writer, from, to string) error {
	for _, p := range d.Cat.Pubs {
		i := slices.Index(p.Schemas, from)
		if i < 0 {
			continue
		}
		np := *p
		np.Schemas = slices.Clone(p.Schemas)
		if to == "" {
			np.Schemas = slices.Delete(np.Schemas, i, i+1)
		} else {
			np.Schemas[i] = to
		}
		if err := d.PutPub(&np); err != nil {
			return err
		}
	}
	return nil
}

// sortedViews is cat's views in OID order.
func sortedViews(cat *catalog.Catalog) []*catalog.View {
	out := make([]*catalog.View, 0, len(cat.Views))
	for _, v := range cat.Views {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *catalog.View) int { return int(a.OID) - int(b.OID) })
	return out
}

// typeUserInSchema reports whether a TypeUsers line names a column of a
// table or composite type in schema (dropped along with the schema).
func typeUserInSchema(cat *catalog.Catalog, user, schema string) bool {
	if i := strings.LastIndex(user, " of composite type "); i >= 0 {
		t, ok := cat.TypeIn(nil, schema, user[i+len(" of composite type "):])
		return ok && t != nil
	}
	if i := strings.LastIndex(user, " of table "); i >= 0 {
		return cat.RelationExists(catalog.Key(schema, user[i+len(" of table "):]))
	}
	return false
}
