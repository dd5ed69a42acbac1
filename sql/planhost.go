package sql

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// sessionPlanner is the plan.Host of a session's statements, in the
// transaction tx (nil before one begins).
type sessionPlanner struct {
	s  *Session
	tx *txnState
}

func (h *sessionPlanner) CheckTablePriv(cat *catalog.Catalog, t *catalog.Table, priv byte) error {
	return h.s.checkTablePriv(cat, t, priv)
}

func (h *sessionPlanner) CheckViewPriv(cat *catalog.Catalog, v *catalog.View, priv byte) error {
	return h.s.checkViewPriv(cat, v, priv)
}

func (h *sessionPlanner) CheckSeqPriv(cat *catalog.Catalog, sq *catalog.Sequence, privs string) error {
	return h.s.checkSeqPriv(cat, sq, privs)
}

func (h *sessionPlanner) IsSuperuser(cat *catalog.Catalog) bool { return h.s.isSuperuser(cat) }

// roleAs is role as (0: the current role); nil if it no longer exists.
func (h *sessionPlanner) roleAs(cat *catalog.Catalog, as uint32) *catalog.Role {
	if as == 0 {
		return h.s.currentRole(cat)
	}
	return cat.RoleOID[as]
}

func (h *sessionPlanner) RowSecurityApplies(cat *catalog.Catalog, t *catalog.Table, as uint32) (bool, error) {
	if !t.RowSecurity {
		return false, nil
	}
	r := h.roleAs(cat, as)
	if r != nil && (r.Super || r.BypassRLS) {
		return false, nil
	}
	owner := r != nil && cat.MemberOf(r.OID, catalog.OwnerOID(t.Owner), false)
	if owner && !t.ForceRowSecurity {
		return false, nil
	}
	if h.s.set.Vals["row_security"] == "off" {
		e := &pgerror.Error{Code: pgerror.InsufficientPrivilege, Message: "query would be affected by row-level security policy for table \"" + t.Name + "\""}
		if owner {
			e.Hint = "To disable the policy for the table's owner, use ALTER TABLE NO FORCE ROW LEVEL SECURITY."
		}
		return false, e
	}
	return true, nil
}

func (h *sessionPlanner) HasPrivsOfRoles(cat *catalog.Catalog, as uint32, roles []uint32) bool {
	if len(roles) == 0 {
		return true // PUBLIC
	}
	r := h.roleAs(cat, as)
	if r == nil {
		return false
	}
	for _, o := range roles {
		if cat.MemberOf(r.OID, o, false) {
			return true
		}
	}
	return false
}
func (h *sessionPlanner) InputCtx() *types.EvalContext     { return h.s.inputCtx(h.tx) }
func (h *sessionPlanner) CatalogSchema() *pgcatalog.Schema { return h.s.catalogSchema(h.tx) }

func (h *sessionPlanner) ParseExpr(text string) (*pg_query.Node, error) {
	return h.s.e.parseExpr(text)
}

func (h *sessionPlanner) ParseQuery(text string) ([]*pg_query.Node, error) {
	stmts, err := h.s.e.parse(text)
	if err != nil {
		return nil, err
	}
	nodes := make([]*pg_query.Node, len(stmts))
	for i, st := range stmts {
		nodes[i] = st.Node
	}
	return nodes, nil
}

func (h *sessionPlanner) PlanTableFunc(p *plan.Planner, name string, args []exec.Expr, rf *pg_query.RangeFunction) (*plan.FromItem, bool, error) {
	return planSlotFunc(p, name, args, rf)
}

// newPlanner returns a planner for session s in transaction tx over cat.
func newPlanner(s *Session, tx *txnState, cat *catalog.Catalog) *plan.Planner {
	return &plan.Planner{Host: &sessionPlanner{s: s, tx: tx}, Cat: cat, Path: s.plannerPath(cat), TempSchema: s.tempSchema(), SchemaUsage: s.checkSchemaUsage}
}
