package ddl

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

func DropObjects(ec *Ctx, d *catalog.Writer, ds *pg_query.DropStmt, w Noticer) error {
	if ds.RemoveType == pg_query.ObjectType_OBJECT_PUBLICATION {
		return dropPublications(d, ds, w) // publication.go
	}
	if ds.RemoveType == pg_query.ObjectType_OBJECT_TYPE || ds.RemoveType == pg_query.ObjectType_OBJECT_DOMAIN {
		return dropTypes(ec, d, ds, w) // types.go
	}
	switch ds.RemoveType {
	case pg_query.ObjectType_OBJECT_TRIGGER:
		return DropTrigger(ec, d, ds, w) // trigger.go
	case pg_query.ObjectType_OBJECT_POLICY:
		return DropPolicy(ec, d, ds, w) // policy.go
	case pg_query.ObjectType_OBJECT_FUNCTION, pg_query.ObjectType_OBJECT_PROCEDURE, pg_query.ObjectType_OBJECT_ROUTINE:
		return dropFunctions(ec, d, ds, w) // function.go
	}
	if ds.RemoveType == pg_query.ObjectType_OBJECT_SCHEMA {
		return DropSchemas(ec, d, ds, w) // schema.go
	}
	// Tables dropped together may reference each other (foreign keys).
	dropping := map[uint32]bool{}
	if ds.RemoveType == pg_query.ObjectType_OBJECT_TABLE {
		for _, obj := range ds.Objects {
			names := plan.NodeStrings([]*pg_query.Node{obj})
			if l := obj.GetList(); l != nil {
				names = plan.NodeStrings(l.Items)
			}
			key, err := namesKey(ec, d, names)
			if err != nil {
				return err
			}
			if t, ok := d.Cat.Tables[key]; ok {
				dropping[t.OID] = true
			}
		}
	}
	for _, obj := range ds.Objects {
		var names []string
		if l := obj.GetList(); l != nil {
			names = plan.NodeStrings(l.Items)
		} else {
			names = plan.NodeStrings([]*pg_query.Node{obj})
		}
		name := names[len(names)-1]
		key, err := namesKey(ec, d, names) // schema.go
		if err != nil {
			return err
		}
		missing := func(kind string) error {
			full := strings.Join(names, ".")
			if ds.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, kind+" \""+full+"\" does not exist, skipping"))
				return nil
			}
			if kind == "table" || kind == "sequence" {
				return pgerror.New(pgerror.UndefinedTable, "%s \"%s\" does not exist", kind, full)
			}
			return pgerror.New(pgerror.UndefinedObject, "%s \"%s\" does not exist", kind, full)
		}
		var exists bool
		switch ds.RemoveType {
		case pg_query.ObjectType_OBJECT_TABLE:
			_, exists = d.Cat.Tables[key]
		case pg_query.ObjectType_OBJECT_INDEX:
			_, exists = d.Cat.Indexes[key]
		case pg_query.ObjectType_OBJECT_SEQUENCE:
			_, exists = d.Cat.Seqs[key]
		case pg_query.ObjectType_OBJECT_VIEW:
			_, exists = d.Cat.Views[key]
		default:
			return pgerror.Unsupported("DROP " + strings.TrimPrefix(ds.RemoveType.String(), "OBJECT_"))
		}
		if !exists {
			if err := missing(strings.ToLower(strings.TrimPrefix(ds.RemoveType.String(), "OBJECT_"))); err != nil {
				return err
			}
			continue
		}
		if err := checkDropOwner(ec, d, ds.RemoveType, key); err != nil {
			return err
		}
		switch ds.RemoveType {
		case pg_query.ObjectType_OBJECT_TABLE:
			t := d.Cat.Tables[key]
			if refs := fkDependents(d.Cat, t, dropping, nil); len(refs) > 0 { // fk.go
				if ds.Behavior != pg_query.DropBehavior_DROP_CASCADE {
					return dependentsError("table "+t.Name, "table "+t.Name, refs)
				}
				if err := dropDependentFKs(d, refs, w); err != nil {
					return err
				}
			}
			if err := dropDependentPolicies(d, t, dropping, ds.Behavior == pg_query.DropBehavior_DROP_CASCADE, w); err != nil { // policy.go
				return err
			}
			t = d.Cat.Tables[key]
			for _, c := range partitionsDeep(d.Cat, t) { // partition.go
				dropTable(d, c)
			}
			dropTable(d, t)
			if parent, ok := d.Cat.ByOID[t.PartOf]; ok && t.PartOf != 0 {
				if err := d.PutTable(parent.Clone()); err != nil { // statements planned with t conflict
					return err
				}
			}
		case pg_query.ObjectType_OBJECT_INDEX:
			t := d.Cat.Indexes[key]
			refs := fkDependents(d.Cat, t, nil, func(fk *catalog.ForeignKey) bool {
				for _, ix := range t.Indexes {
					if ix.Name == name && !ix.Constraint && ix.OID == fk.RefIndex {
						return true
					}
				}
				return false
			})
			if len(refs) > 0 {
				if ds.Behavior != pg_query.DropBehavior_DROP_CASCADE {
					return dependentsError("index "+name, "index "+name, refs)
				}
				if err := dropDependentFKs(d, refs, w); err != nil {
					return err
				}
			}
			if err := dropIndex(d, key); err != nil {
				return err
			}
		case pg_query.ObjectType_OBJECT_SEQUENCE:
			d.DeleteSeq(d.Cat.Seqs[key])
		case pg_query.ObjectType_OBJECT_VIEW:
			d.DeleteView(d.Cat.Views[key])
		}
	}
	return nil
}

func dropTable(d *catalog.Writer, t *catalog.Table) {
	d.Txn.DropSpace(t.Space)
	for _, ix := range t.Indexes {
		d.Txn.DropSpace(ix.Space)
	}
	for _, sq := range d.Cat.Seqs {
		if sq.OwnerTab == t.OID {
			d.DeleteSeq(sq)
		}
	}
	d.DeleteTable(t)
}

func TruncateTables(ec *Ctx, d *catalog.Writer, ts *pg_query.TruncateStmt, w Noticer) error {
	var list []*catalog.Table
	in := map[uint32]bool{}
	for _, r := range ts.Relations {
		rv := r.GetRangeVar()
		key, err := relKey(ec, d, rv)
		if err != nil {
			return err
		}
		t, ok := d.Cat.Tables[key]
		if !ok {
			return plan.UndefinedTable(rv)
		}
		if !in[t.OID] {
			list, in[t.OID] = append(list, t), true
		}
		for _, c := range partitionsDeep(d.Cat, t) { // partition.go
			if !in[c.OID] {
				list, in[c.OID] = append(list, c), true
			}
		}
	}
	// A table referenced by a foreign key is truncated only with its
	// referencing tables: named too, or added by CASCADE.
	for i := 0; i < len(list); i++ {
		for _, r := range fkDependents(d.Cat, list[i], in, nil) {
			if in[r.Table.OID] {
				continue
			}
			if ts.Behavior != pg_query.DropBehavior_DROP_CASCADE {
				return &pgerror.Error{Code: pgerror.FeatureNotSupported,
					Message: "cannot truncate a table referenced in a foreign key constraint",
					Detail:  "Table \"" + r.Table.Name + "\" references \"" + list[i].Name + "\".",
					Hint:    "Truncate table \"" + r.Table.Name + "\" at the same time, or use TRUNCATE ... CASCADE."}
			}
			_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "truncate cascades to table \""+r.Table.Name+"\""))
			list, in[r.Table.OID] = append(list, r.Table), true
		}
	}
	for _, t := range list {
		if err := ec.Session.CheckTablePriv(d.Cat, t, 'D'); err != nil {
			return err
		}
	}
	for _, t := range list {
		if err := ec.StatementTriggers(t, catalog.TrigTruncate, true); err != nil { // exec/trigger.go
			return err
		}
	}
	for _, t := range list {
		nt := t.Clone()
		d.Txn.DropSpace(t.Space)
		var err error
		if nt.Space, err = d.NewSpace(); err != nil {
			return err
		}
		for _, ix := range nt.Indexes {
			d.Txn.DropSpace(ix.Space)
			if ix.Space, err = d.NewSpace(); err != nil {
				return err
			}
		}
		if err := d.PutTable(nt); err != nil {
			return err
		}
		if ts.RestartSeqs {
			for _, sq := range d.Cat.Seqs {
				if sq.OwnerTab == t.OID {
					if err := ec.Session.SetSeqOrdinal(ec.Context, sq.OID, 0); err != nil {
						return err
					}
				}
			}
		}
	}
	for _, t := range list {
		if err := ec.StatementTriggers(t, catalog.TrigTruncate, false); err != nil {
			return err
		}
	}
	return nil
}
