package ddl

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// storedExpr is the SQL text an expression is stored as (a default, a
// CHECK, a generation expression, an index's expression or predicate, a
// policy's): bound, as PostgreSQL binds it at creation, to the user types
// it names through the creating session's search path. A type outside
// public is written schema-qualified, so the expression means the same
// in a session whose search path does not reach it; pg_get_expr prints
// it unqualified again where the reader's path makes it visible.
func storedExpr(p *plan.Planner, n *pg_query.Node) (string, error) {
	qualifyTypeNames(p, n)
	return exec.DeparseExpr(n)
}

// qualifyTypeNames rewrites, in place, each unqualified name of a user
// type outside public in n (casts, ROW(…)::t, array types) to schema.name.
func qualifyTypeNames(p *plan.Planner, n *pg_query.Node) {
	plan.WalkAllNodes(n, func(x *pg_query.Node) {
		var tn *pg_query.TypeName
		switch {
		case x.GetTypeCast() != nil:
			tn = x.GetTypeCast().TypeName
		case x.GetTypeName() != nil:
			tn = x.GetTypeName()
		}
		if tn == nil || len(tn.Names) != 1 {
			return
		}
		name := plan.NodeStrings(tn.Names)[0]
		if _, err := types.TypeFromName(name, nil, 0); err == nil {
			return // a built-in type
		}
		d, ok := p.Cat.TypeIn(p.SearchPath(), "", name)
		if !ok && len(name) > 1 && name[0] == '_' {
			d, ok = p.Cat.TypeIn(p.SearchPath(), "", name[1:])
		}
		if !ok || d.Schema == "" || catalog.SchemaName(d.Schema) == "public" {
			return
		}
		tn.Names = []*pg_query.Node{pg_query.MakeStrNode(d.Schema), tn.Names[0]}
	})
}
