package sql

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

func dropObjects(ec *execCtx, d *catalog.Writer, ds *pg_query.DropStmt, w ResultWriter) error {
	if ds.RemoveType == pg_query.ObjectType_OBJECT_PUBLICATION {
		return dropPublications(d, ds, w) // ddl_publication.go
	}
	for _, obj := range ds.Objects {
		var names []string
		if l := obj.GetList(); l != nil {
			names = plan.NodeStrings(l.Items)
		} else {
			names = plan.NodeStrings([]*pg_query.Node{obj})
		}
		name := names[len(names)-1]
		schema := ""
		if len(names) > 1 {
			schema = names[len(names)-2]
		}
		missing := func(kind string) error {
			full := strings.Join(names, ".")
			if ds.MissingOk {
				_ = w.Notice(notice(pgerror.SuccessfulCompletion, kind+" \""+full+"\" does not exist, skipping"))
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
			_, exists = d.Cat.Tables[name]
		case pg_query.ObjectType_OBJECT_INDEX:
			_, exists = d.Cat.Indexes[name]
		case pg_query.ObjectType_OBJECT_SEQUENCE:
			_, exists = d.Cat.Seqs[name]
		case pg_query.ObjectType_OBJECT_VIEW:
			_, exists = d.Cat.Views[name]
		case pg_query.ObjectType_OBJECT_SCHEMA:
			if name == "public" {
				return pgerror.Unsupported("DROP SCHEMA public")
			}
		default:
			return pgerror.Unsupported("DROP " + strings.TrimPrefix(ds.RemoveType.String(), "OBJECT_"))
		}
		inOtherSchema := schema != "" && schema != "public" && ds.RemoveType != pg_query.ObjectType_OBJECT_SCHEMA
		if !exists || inOtherSchema {
			if err := missing(strings.ToLower(strings.TrimPrefix(ds.RemoveType.String(), "OBJECT_"))); err != nil {
				return err
			}
			continue
		}
		if err := checkDropOwner(ec, d, ds.RemoveType, name); err != nil {
			return err
		}
		switch ds.RemoveType {
		case pg_query.ObjectType_OBJECT_TABLE:
			dropTable(d, d.Cat.Tables[name])
		case pg_query.ObjectType_OBJECT_INDEX:
			if err := dropIndex(d, name); err != nil {
				return err
			}
		case pg_query.ObjectType_OBJECT_SEQUENCE:
			d.DeleteSeq(d.Cat.Seqs[name])
		case pg_query.ObjectType_OBJECT_VIEW:
			d.DeleteView(d.Cat.Views[name])
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

func truncateTables(ec *execCtx, d *catalog.Writer, ts *pg_query.TruncateStmt) error {
	for _, r := range ts.Relations {
		rv := r.GetRangeVar()
		t, ok := d.Cat.Tables[rv.Relname]
		if !ok || rv.Schemaname != "" && rv.Schemaname != "public" {
			return plan.UndefinedTable(rv)
		}
		if err := ec.s.checkTablePriv(d.Cat, t, 'D'); err != nil {
			return err
		}
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
					if err := ec.s.e.setSeqOrdinal(ec.Context, sq.OID, 0); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}
