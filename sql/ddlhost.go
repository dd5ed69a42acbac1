package sql

import (
	"context"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/ddl"
	"logdb/sql/plan"
)

// ddl returns the ddl.Ctx of ec's statement.
func (ec *execCtx) ddl() *ddl.Ctx { return &ddl.Ctx{Ctx: ec.Ctx, Session: ec} }

// execCtx is the ddl.Host of its statement.

func (ec *execCtx) CheckCreate(cat *catalog.Catalog, schema string) error {
	return ec.s.checkCreate(cat, schema)
}

func (ec *execCtx) CheckOwner(cat *catalog.Catalog, owner uint32, kind, name string) error {
	return ec.s.checkOwner(cat, owner, kind, name)
}

func (ec *execCtx) CheckTablePriv(cat *catalog.Catalog, t *catalog.Table, priv byte) error {
	return ec.s.checkTablePriv(cat, t, priv)
}

func (ec *execCtx) NewOwner(cat *catalog.Catalog, spec *pg_query.RoleSpec, owner uint32, kind, name string) (uint32, error) {
	return ec.s.newOwner(cat, spec, owner, kind, name)
}

func (ec *execCtx) Planner(cat *catalog.Catalog) *plan.Planner { return newPlanner(ec.s, ec.tx, cat) }

func (ec *execCtx) ParseExpr(text string) (*pg_query.Node, error) { return ec.s.e.parseExpr(text) }

func (ec *execCtx) SetSeqOrdinal(ctx context.Context, oid uint32, ord int64) error {
	return ec.s.e.setSeqOrdinal(ctx, oid, ord)
}

func (ec *execCtx) RecordDeps(deps []uint32) error { return ec.tx.recordDeps(deps) }

func (ec *execCtx) CurrentRole(cat *catalog.Catalog) *catalog.Role { return ec.s.currentRole(cat) }
func (ec *execCtx) CurrentUser() string                            { return ec.s.currentUser() }
func (ec *execCtx) SessionUser() string                            { return ec.s.user }

func (ec *execCtx) IsOwner(cat *catalog.Catalog, owner uint32) bool { return ec.s.isOwner(cat, owner) }

func (ec *execCtx) SetArgs(vs *pg_query.VariableSetStmt) ([]string, error) { return ec.s.setArgs(vs) }

func (ec *execCtx) NoteTempSchema() { ec.s.madeTemp = true }
