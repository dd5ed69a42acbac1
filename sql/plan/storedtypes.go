package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"logdb/sql/catalog"
	"logdb/sql/types"
)

// QualifiedTypeNames returns a copy of expression n whose unqualified
// names of user types (in casts, ROW(…)::t, arrays of them) are
// schema-qualified through the planner's search path. A stored
// expression (a default, a CHECK, a generation expression, an index's
// expression or predicate, a policy's) is written from it, so it binds,
// as PostgreSQL binds it at creation, the types the creating session
// meant, whatever the search path of the session that later runs it (or
// restores pg_dump's output, which empties it). pgcatalog prints the
// schema only where the reader's path does not make the type visible.
func (p *Planner) QualifiedTypeNames(n *pg_query.Node) *pg_query.Node {
	if n == nil {
		return nil
	}
	n = proto.Clone(n).(*pg_query.Node)
	if p.Cat == nil {
		return n
	}
	WalkAllNodes(n, func(x *pg_query.Node) {
		if tc := x.GetTypeCast(); tc != nil {
			p.qualifyTypeName(tc.TypeName)
		}
	})
	return n
}

func (p *Planner) qualifyTypeName(tn *pg_query.TypeName) {
	if tn == nil || len(tn.Names) != 1 {
		return
	}
	name := tn.Names[0].GetString_().GetSval()
	if name == "" {
		return
	}
	if _, err := types.TypeFromName(name, nil, 0); err == nil {
		return // a built-in type
	}
	d, ok := p.lookupUserType([]string{name})
	if !ok && len(name) > 1 && name[0] == '_' { // _mood is mood[]
		d, ok = p.lookupUserType([]string{name[1:]})
	}
	if !ok {
		return
	}
	tn.Names = []*pg_query.Node{pg_query.MakeStrNode(catalog.SchemaName(d.Schema)), tn.Names[0]}
}
