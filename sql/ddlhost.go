package sql

import (
	"context"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

// ddlHost is what DDL statements ask of the session that runs them.
type ddlHost interface {
	// CheckCreate fails with 42501 unless the current role may create
	// in schema; CheckOwner unless it owns the object (or is a member of
	// its owner); CheckTablePriv unless it holds priv on t.
	CheckCreate(cat *catalog.Catalog, schema string) error
	CheckOwner(cat *catalog.Catalog, owner uint32, kind, name string) error
	CheckTablePriv(cat *catalog.Catalog, t *catalog.Table, priv byte) error
	// NewOwner resolves ALTER … OWNER TO's role and checks the change.
	NewOwner(cat *catalog.Catalog, spec *pg_query.RoleSpec, owner uint32, kind, name string) (uint32, error)
	// Planner returns a planner over cat for the session's transaction.
	Planner(cat *catalog.Catalog) *plan.Planner
	// ParseExpr parses a stored expression (a default, a CHECK).
	ParseExpr(text string) (*pg_query.Node, error)
	// SetSeqOrdinal sets a sequence's counter (ALTER SEQUENCE RESTART,
	// TRUNCATE … RESTART IDENTITY).
	SetSeqOrdinal(ctx context.Context, oid uint32, ord int64) error
	// RecordDeps notes descriptors the transaction's commit depends on.
	RecordDeps(deps []uint32) error
}

// ddlCtx is what a DDL statement runs with: the statement's exec.Ctx (to
// run queries and write rows) and the session.
type ddlCtx struct {
	*exec.Ctx
	Session ddlHost
}

// noticer receives a statement's notices (a ResultWriter).
type noticer interface {
	Notice(*pgerror.Error) error
}

// ddl returns the ddlCtx of ec's statement.
func (ec *execCtx) ddl() *ddlCtx { return &ddlCtx{Ctx: ec.Ctx, Session: ec} }

// execCtx is the ddlHost of its statement.

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
