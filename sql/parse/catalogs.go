package parse

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// catalogRefs lists the relations a statement names with a database
// (db.schema.table: RangeVar.Catalogname), as "db.schema.table"; the
// session refuses those of another database (0A000, as PostgreSQL). Only
// a statement whose text has two dots can hold one, so others skip the
// walk.
func catalogRefs(n *pg_query.Node, text string) []CatalogRef {
	if n == nil || strings.Count(text, ".") < 2 {
		return nil
	}
	var out []CatalogRef
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if rv, ok := m.Interface().(*pg_query.RangeVar); ok && rv.Catalogname != "" {
			out = append(out, CatalogRef{DB: rv.Catalogname, Text: rv.Catalogname + "." + rv.Schemaname + "." + rv.Relname})
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					walk(l.Get(i).Message())
				}
			case fd.IsMap():
			case fd.Kind() == protoreflect.MessageKind:
				walk(v.Message())
			}
			return true
		})
	}
	walk(n.ProtoReflect())
	return out
}

// CatalogRef is a relation named with its database.
type CatalogRef struct {
	DB   string // the database named
	Text string // db.schema.table, for the error
}
