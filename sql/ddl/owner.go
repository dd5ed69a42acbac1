package ddl

import (
	"context"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

// checkRelOwner requires ownership of the relation of key (a table,
// view, sequence or an index's table), if it exists.
func checkRelOwner(ec *Ctx, d *catalog.Writer, key string) error {
	name := key
	_, name = catalog.SplitKey(key)
	if t, ok := d.Cat.Tables[key]; ok {
		return ec.Session.CheckOwner(d.Cat, t.Owner, "table", name)
	}
	if t, ok := d.Cat.Indexes[key]; ok {
		return ec.Session.CheckOwner(d.Cat, t.Owner, "index", name)
	}
	if v, ok := d.Cat.Views[key]; ok {
		return ec.Session.CheckOwner(d.Cat, v.Owner, "view", name)
	}
	if sq, ok := d.Cat.Seqs[key]; ok {
		return ec.Session.CheckOwner(d.Cat, sq.Owner, "sequence", name)
	}
	return nil
}

// checkDropOwner: only the owner drops an object.
func checkDropOwner(ec *Ctx, d *catalog.Writer, kind pg_query.ObjectType, key string) error {
	switch kind {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_INDEX, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_SEQUENCE:
		return checkRelOwner(ec, d, key)
	}
	return nil
}

// AlterOwnerOther is ALTER SEQUENCE / VIEW … OWNER TO (ALTER TABLE on one
// too, as pg_dump writes it) of the relation of key.
func AlterOwnerOther(ec *Ctx, d *catalog.Writer, key string, cmds []*pg_query.Node) error {
	_, name := catalog.SplitKey(key)
	for _, c := range cmds {
		cmd := c.GetAlterTableCmd()
		if cmd.GetSubtype() != pg_query.AlterTableType_AT_ChangeOwner {
			return pgerror.New("42809", "\"%s\" is not a table", name)
		}
		if sq, ok := d.Cat.Seqs[key]; ok {
			o, err := ec.Session.NewOwner(d.Cat, cmd.Newowner, sq.Owner, "sequence", name)
			if err != nil {
				return err
			}
			c := *sq
			c.Owner = o
			if err := d.PutSeq(&c); err != nil {
				return err
			}
		} else if v, ok := d.Cat.Views[key]; ok {
			o, err := ec.Session.NewOwner(d.Cat, cmd.Newowner, v.Owner, "view", name)
			if err != nil {
				return err
			}
			c := *v
			c.Owner = o
			if err := d.PutView(&c); err != nil {
				return err
			}
		}
	}
	return nil
}

// Host is what DDL statements ask of the session that runs them.
type Host interface {
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
	// CurrentRole is the role privileges are checked against (SET ROLE),
	// nil if it was dropped; CurrentUser its name; SessionUser the role
	// the session logged in as.
	CurrentRole(cat *catalog.Catalog) *catalog.Role
	CurrentUser() string
	SessionUser() string
	// IsOwner reports whether the current role owns, or is a member of,
	// owner.
	IsOwner(cat *catalog.Catalog, owner uint32) bool
	// NoteTempSchema records that the session may have made its
	// temporary schema (dropped when the session ends).
	NoteTempSchema()
	// SetArgs evaluates the value list of a SET (for ALTER ROLE … SET).
	SetArgs(vs *pg_query.VariableSetStmt) ([]string, error)
}

// Ctx is what a DDL statement runs with: the statement's exec.Ctx (to
// run queries and write rows) and the session.
type Ctx struct {
	*exec.Ctx
	Session Host
}

// Noticer receives a statement's notices (a ResultWriter).
type Noticer interface {
	Notice(*pgerror.Error) error
}
