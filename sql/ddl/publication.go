package ddl

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

// pubOptions reads WITH (publish = '…', publish_via_partition_root = …).
func pubOptions(p *catalog.Publication, opts []*pg_query.Node, defaults bool) error {
	if defaults {
		p.Insert, p.Update, p.Delete, p.Truncate = true, true, true, true
	}
	for _, o := range opts {
		de := o.GetDefElem()
		if de == nil {
			continue
		}
		switch de.Defname {
		case "publish":
			p.Insert, p.Update, p.Delete, p.Truncate = false, false, false, false
			for _, a := range strings.Split(DefElemString(de), ",") {
				switch strings.TrimSpace(a) {
				case "insert":
					p.Insert = true
				case "update":
					p.Update = true
				case "delete":
					p.Delete = true
				case "truncate":
					p.Truncate = true
				case "":
				default:
					return pgerror.New(pgerror.InvalidParameterValue, "unrecognized \"publish\" value: \"%s\"", strings.TrimSpace(a))
				}
			}
		case "publish_via_partition_root":
			// no partitions: nothing to publish through a root
		default:
			return pgerror.New(pgerror.SyntaxError, "unrecognized publication parameter: \"%s\"", de.Defname)
		}
	}
	return nil
}

func DefElemString(de *pg_query.DefElem) string {
	if s := de.Arg.GetString_(); s != nil {
		return s.Sval
	}
	if ts := de.Arg.GetTypeName(); ts != nil {
		return strings.Join(plan.NodeStrings(ts.Names), ".")
	}
	return strings.Join(plan.NodeStrings([]*pg_query.Node{de.Arg}), "")
}

// pubObjects resolves FOR TABLE / FOR TABLES IN SCHEMA items to table OIDs
// and schema names.
func pubObjects(d *catalog.Writer, path []string, objs []*pg_query.Node) (tables []uint32, schemas []string, err error) {
	for _, o := range objs {
		spec := o.GetPublicationObjSpec()
		if spec == nil {
			continue
		}
		switch spec.Pubobjtype {
		case pg_query.PublicationObjSpecType_PUBLICATIONOBJ_TABLE:
			pt := spec.Pubtable
			if pt == nil || pt.Relation == nil {
				return nil, nil, pgerror.New(pgerror.SyntaxError, "invalid table name")
			}
			if pt.WhereClause != nil {
				return nil, nil, pgerror.Unsupported("publication row filters (WHERE)")
			}
			if len(pt.Columns) > 0 {
				return nil, nil, pgerror.Unsupported("publication column lists")
			}
			rv := pt.Relation
			t, ok := d.Cat.Tables[d.Cat.RelKey(path, rv.Schemaname, rv.Relname)]
			if !ok {
				return nil, nil, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", plan.QualifiedName(rv))
			}
			if slices.Contains(tables, t.OID) {
				return nil, nil, pgerror.New(pgerror.DuplicateObject, "relation \"%s\" is already member of publication", t.Name)
			}
			tables = append(tables, t.OID)
		case pg_query.PublicationObjSpecType_PUBLICATIONOBJ_TABLES_IN_SCHEMA, pg_query.PublicationObjSpecType_PUBLICATIONOBJ_TABLES_IN_CUR_SCHEMA:
			name := spec.Name
			if spec.Pubobjtype == pg_query.PublicationObjSpecType_PUBLICATIONOBJ_TABLES_IN_CUR_SCHEMA {
				if len(path) == 0 {
					return nil, nil, pgerror.New("3F000", "no schema has been selected for CURRENT_SCHEMA")
				}
				name = path[0]
			}
			if !d.Cat.SchemaExists(name) {
				return nil, nil, pgerror.New("3F000", "schema \"%s\" does not exist", name)
			}
			if !slices.Contains(schemas, name) {
				schemas = append(schemas, name)
			}
		default:
			return nil, nil, pgerror.New(pgerror.SyntaxError, "invalid publication object list")
		}
	}
	return tables, schemas, nil
}

func CreatePublication(ec *Ctx, d *catalog.Writer, cs *pg_query.CreatePublicationStmt) error {
	if _, ok := d.Cat.Pubs[cs.Pubname]; ok || d.ReadKey(catalog.PubKey(cs.Pubname)) != nil {
		return pgerror.New(pgerror.DuplicateObject, "publication \"%s\" already exists", cs.Pubname)
	}
	p := &catalog.Publication{Name: cs.Pubname, AllTables: cs.ForAllTables, Owner: d.Owner}
	if err := pubOptions(p, cs.Options, true); err != nil {
		return err
	}
	var err error
	if p.Tables, p.Schemas, err = pubObjects(d, ec.Session.Planner(d.Cat).Path, cs.Pubobjects); err != nil {
		return err
	}
	if p.OID, err = d.NewOID(); err != nil {
		return err
	}
	return d.PutPub(p)
}

func AlterPublication(ec *Ctx, d *catalog.Writer, as *pg_query.AlterPublicationStmt) error {
	old, ok := d.Cat.Pubs[as.Pubname]
	if !ok {
		return pgerror.New(pgerror.UndefinedObject, "publication \"%s\" does not exist", as.Pubname)
	}
	p := *old
	p.Tables, p.Schemas = slices.Clone(old.Tables), slices.Clone(old.Schemas)
	if len(as.Options) > 0 {
		if err := pubOptions(&p, as.Options, false); err != nil {
			return err
		}
		return d.PutPub(&p)
	}
	if p.AllTables && len(as.Pubobjects) > 0 {
		return &pgerror.Error{Code: pgerror.ObjectNotInPrerequisiteState,
			Message: "publication \"" + p.Name + "\" is defined as FOR ALL TABLES",
			Detail:  "Tables cannot be added to or dropped from FOR ALL TABLES publications."}
	}
	tables, schemas, err := pubObjects(d, ec.Session.Planner(d.Cat).Path, as.Pubobjects)
	if err != nil {
		return err
	}
	switch as.Action {
	case pg_query.AlterPublicationAction_AP_AddObjects:
		for _, o := range tables {
			if slices.Contains(p.Tables, o) {
				return pgerror.New(pgerror.DuplicateObject, "relation \"%s\" is already member of publication \"%s\"", d.Cat.ByOID[o].Name, p.Name)
			}
			p.Tables = append(p.Tables, o)
		}
		for _, s := range schemas {
			if !slices.Contains(p.Schemas, s) {
				p.Schemas = append(p.Schemas, s)
			}
		}
	case pg_query.AlterPublicationAction_AP_DropObjects:
		for _, o := range tables {
			i := slices.Index(p.Tables, o)
			if i < 0 {
				return pgerror.New(pgerror.UndefinedObject, "relation \"%s\" is not part of the publication", d.Cat.ByOID[o].Name)
			}
			p.Tables = slices.Delete(p.Tables, i, i+1)
		}
		for _, s := range schemas {
			if i := slices.Index(p.Schemas, s); i >= 0 {
				p.Schemas = slices.Delete(p.Schemas, i, i+1)
			}
		}
	case pg_query.AlterPublicationAction_AP_SetObjects:
		p.Tables, p.Schemas = tables, schemas
	}
	return d.PutPub(&p)
}

// dropPublications is DROP PUBLICATION [IF EXISTS] name [, …].
func dropPublications(d *catalog.Writer, ds *pg_query.DropStmt, w Noticer) error {
	for _, obj := range ds.Objects {
		name := strings.Join(plan.NodeStrings([]*pg_query.Node{obj}), ".")
		p, ok := d.Cat.Pubs[name]
		if !ok {
			if ds.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "publication \""+name+"\" does not exist, skipping"))
				continue
			}
			return pgerror.New(pgerror.UndefinedObject, "publication \"%s\" does not exist", name)
		}
		d.DeletePub(p)
	}
	return nil
}

// PublicationSchemas describes the publications for the catalog views.
func PublicationSchemas(cat *catalog.Catalog) []pgcatalog.Publication {
	var out []pgcatalog.Publication
	for _, p := range cat.Pubs {
		pp := pgcatalog.Publication{OID: p.OID, Name: p.Name, AllTables: p.AllTables, Schemas: p.Schemas,
			Insert: p.Insert, Update: p.Update, Delete: p.Delete, Truncate: p.Truncate}
		for _, o := range p.Tables {
			if _, ok := cat.ByOID[o]; ok { // a dropped table leaves its publications
				pp.Tables = append(pp.Tables, o)
			}
		}
		for _, t := range cat.SortedTables() {
			if p.Publishes(t) {
				pp.Published = append(pp.Published, t.OID)
			}
		}
		out = append(out, pp)
	}
	slices.SortFunc(out, func(a, b pgcatalog.Publication) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// setReplicaIdentity is ALTER TABLE … REPLICA IDENTITY DEFAULT | FULL |
// NOTHING | USING INDEX i: what the replication stream sends of the old
// row of an update or delete.
func setReplicaIdentity(t *catalog.Table, ri *pg_query.ReplicaIdentityStmt) error {
	if ri == nil {
		return pgerror.New(pgerror.SyntaxError, "invalid REPLICA IDENTITY")
	}
	switch ri.IdentityType {
	case "d":
		t.ReplIdent, t.ReplIndex = "", 0
	case "f", "n":
		t.ReplIdent, t.ReplIndex = ri.IdentityType, 0
	case "i":
		if ri.Name == t.PKName && t.PKName != "" {
			t.ReplIdent, t.ReplIndex = "i", t.PKOID
			return nil
		}
		for _, ix := range t.Indexes {
			if ix.Name != ri.Name {
				continue
			}
			if !ix.Unique {
				return pgerror.New("42809", "cannot use non-unique index \"%s\" as replica identity", ix.Name)
			}
			if ix.Pred != "" {
				return pgerror.New(pgerror.FeatureNotSupported, "cannot use partial index \"%s\" as replica identity", ix.Name)
			}
			if ix.Deferrable {
				return pgerror.New(pgerror.FeatureNotSupported, "cannot use non-immediate index \"%s\" as replica identity", ix.Name)
			}
			if len(ix.Exprs) > 0 {
				return pgerror.New(pgerror.FeatureNotSupported, "cannot use expression index \"%s\" as replica identity", ix.Name)
			}
			for _, id := range ix.Columns {
				if c := t.Columns[t.ColIndexByID(id)]; !c.NotNull {
					return pgerror.New("42809", "index \"%s\" cannot be used as replica identity because column \"%s\" is nullable", ix.Name, c.Name)
				}
			}
			t.ReplIdent, t.ReplIndex = "i", ix.OID
			return nil
		}
		return pgerror.New(pgerror.UndefinedObject, "index \"%s\" for table \"%s\" does not exist", ri.Name, t.Name)
	default:
		return pgerror.New(pgerror.SyntaxError, "invalid REPLICA IDENTITY %q", ri.IdentityType)
	}
	return nil
}
