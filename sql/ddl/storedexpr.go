package ddl

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/plan"
)

// storedExpr is the SQL text an expression is stored as (a default, a
// CHECK, an index predicate, a trigger's WHEN, a policy's): bound to the
// user types it names through the creating session's search path
// (plan.QualifiedTypeNames), as PostgreSQL binds it at creation; n is
// left as it is (a parse tree may be cached).
func storedExpr(p *plan.Planner, n *pg_query.Node) (string, error) {
	return exec.DeparseExpr(p.QualifiedTypeNames(n))
}
