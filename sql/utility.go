package sql

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/ddl"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

type utilityFunc = func(ec *execCtx, w ResultWriter) (string, error)

// planUtility returns the function that runs a DDL or other utility
// statement; DDL runs in the session's transaction like any write.
func planUtility(p *plan.Planner, n *pg_query.Node) (utilityFunc, error) {
	mkDDL := func(tag string, fn func(ec *execCtx, d *catalog.Writer, w ResultWriter) error) utilityFunc {
		return func(ec *execCtx, w ResultWriter) (string, error) {
			if ec.tx.readOnly {
				return "", errReadOnly(tag)
			}
			d := ec.tx.ddlFor(ec)
			return tag, fn(ec, d, w)
		}
	}
	noop := func(tag string) utilityFunc {
		return func(*execCtx, ResultWriter) (string, error) { return tag, nil }
	}
	switch {
	case n.GetCreatedbStmt() != nil:
		cs := n.GetCreatedbStmt()
		return mkDDL("CREATE DATABASE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ec.createDatabase(d, cs) }), nil
	case n.GetDropdbStmt() != nil:
		ds := n.GetDropdbStmt()
		return mkDDL("DROP DATABASE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ec.dropDatabase(d, ds, w) }), nil
	case n.GetRenameStmt() != nil && n.GetRenameStmt().RenameType == pg_query.ObjectType_OBJECT_DATABASE:
		rs := n.GetRenameStmt()
		return mkDDL("ALTER DATABASE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ec.renameDatabase(d, rs) }), nil
	case n.GetAlterOwnerStmt() != nil && n.GetAlterOwnerStmt().ObjectType == pg_query.ObjectType_OBJECT_DATABASE:
		as := n.GetAlterOwnerStmt()
		return mkDDL("ALTER DATABASE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ec.alterDatabaseOwner(d, as) }), nil
	case n.GetAlterDatabaseStmt() != nil:
		as := n.GetAlterDatabaseStmt()
		return mkDDL("ALTER DATABASE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ec.alterDatabase(d, as) }), nil
	case n.GetAlterDatabaseSetStmt() != nil:
		as := n.GetAlterDatabaseSetStmt()
		return mkDDL("ALTER DATABASE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ec.alterDatabaseSet(d, as) }), nil
	case n.GetAlterDatabaseRefreshCollStmt() != nil:
		name := n.GetAlterDatabaseRefreshCollStmt().Dbname
		return func(ec *execCtx, w ResultWriter) (string, error) {
			return "ALTER DATABASE", ec.refreshCollation(name, w)
		}, nil
	case n.GetCreateStmt() != nil:
		cs := n.GetCreateStmt()
		return mkDDL("CREATE TABLE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.CreateTable(ec.ddl(), d, cs, w) }), nil
	case n.GetDropStmt() != nil:
		ds := n.GetDropStmt()
		tag := "DROP " + strings.ReplaceAll(strings.TrimPrefix(ds.RemoveType.String(), "OBJECT_"), "_", " ")
		return mkDDL(tag, func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.DropObjects(ec.ddl(), d, ds, w) }), nil
	case n.GetAlterTableStmt() != nil && n.GetAlterTableStmt().Objtype == pg_query.ObjectType_OBJECT_TYPE:
		at := n.GetAlterTableStmt()
		return mkDDL("ALTER TYPE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.AlterComposite(ec.ddl(), d, at, w)
		}), nil
	case n.GetAlterTableStmt() != nil:
		at := n.GetAlterTableStmt()
		tag := "ALTER TABLE"
		if at.Objtype == pg_query.ObjectType_OBJECT_INDEX {
			tag = "ALTER INDEX"
		} else if at.Objtype == pg_query.ObjectType_OBJECT_SEQUENCE || at.Objtype == pg_query.ObjectType_OBJECT_VIEW {
			// only OWNER TO and similar no-ops reach here for sequences and views
			for _, c := range at.Cmds {
				if c.GetAlterTableCmd().GetSubtype() != pg_query.AlterTableType_AT_ChangeOwner {
					return nil, pgerror.Unsupported("ALTER SEQUENCE/VIEW " + strings.ToLower(strings.TrimPrefix(c.GetAlterTableCmd().GetSubtype().String(), "AT_")))
				}
			}
			tag := map[bool]string{true: "ALTER SEQUENCE", false: "ALTER VIEW"}[at.Objtype == pg_query.ObjectType_OBJECT_SEQUENCE]
			return mkDDL(tag, func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
				return ddl.AlterOwnerRel(ec.ddl(), d, at.Relation, at.Cmds)
			}), nil
		}
		return mkDDL(tag, func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.AlterTable(ec.ddl(), d, at, w) }), nil
	case n.GetCreateRoleStmt() != nil:
		cs := n.GetCreateRoleStmt()
		return mkDDL("CREATE ROLE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.CreateRole(ec.ddl(), d, cs) }), nil
	case n.GetAlterRoleStmt() != nil:
		as := n.GetAlterRoleStmt()
		return mkDDL("ALTER ROLE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.AlterRole(ec.ddl(), d, as, w) }), nil
	case n.GetAlterRoleSetStmt() != nil:
		as := n.GetAlterRoleSetStmt()
		return mkDDL("ALTER ROLE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.AlterRoleSet(ec.ddl(), d, as) }), nil
	case n.GetDropRoleStmt() != nil:
		ds := n.GetDropRoleStmt()
		return mkDDL("DROP ROLE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.DropRoles(ec.ddl(), d, ds, w) }), nil
	case n.GetGrantRoleStmt() != nil:
		gs := n.GetGrantRoleStmt()
		tag := map[bool]string{true: "GRANT ROLE", false: "REVOKE ROLE"}[gs.IsGrant]
		return mkDDL(tag, func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.GrantRoles(ec.ddl(), d, gs, w) }), nil
	case n.GetCreateFunctionStmt() != nil:
		cs := n.GetCreateFunctionStmt()
		tag := map[bool]string{true: "CREATE PROCEDURE", false: "CREATE FUNCTION"}[cs.IsProcedure]
		return mkDDL(tag, func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.CreateFunction(ec.ddl(), d, cs, CheckRoutineBody)
		}), nil
	case n.GetRenameStmt() != nil && isRoutineObject(n.GetRenameStmt().RenameType):
		rs := n.GetRenameStmt()
		return mkDDL("ALTER "+routineWord(rs.RenameType), func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.RenameFunction(ec.ddl(), d, rs)
		}), nil
	case n.GetAlterOwnerStmt() != nil && isRoutineObject(n.GetAlterOwnerStmt().ObjectType):
		as := n.GetAlterOwnerStmt()
		return mkDDL("ALTER "+routineWord(as.ObjectType), func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.AlterFunctionOwner(ec.ddl(), d, as)
		}), nil
	case n.GetAlterFunctionStmt() != nil:
		as := n.GetAlterFunctionStmt()
		return mkDDL("ALTER "+routineWord(as.Objtype), func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.AlterFunction(ec.ddl(), d, as)
		}), nil
	case n.GetCreateTrigStmt() != nil:
		cs := n.GetCreateTrigStmt()
		return mkDDL("CREATE TRIGGER", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.CreateTrigger(ec.ddl(), d, cs) }), nil
	case n.GetCreatePolicyStmt() != nil:
		cs := n.GetCreatePolicyStmt()
		return mkDDL("CREATE POLICY", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.CreatePolicy(ec.ddl(), d, cs, w)
		}), nil
	case n.GetAlterPolicyStmt() != nil:
		as := n.GetAlterPolicyStmt()
		return mkDDL("ALTER POLICY", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.AlterPolicy(ec.ddl(), d, as, w) }), nil
	case n.GetRenameStmt() != nil && n.GetRenameStmt().RenameType == pg_query.ObjectType_OBJECT_POLICY:
		rs := n.GetRenameStmt()
		return mkDDL("ALTER POLICY", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.RenamePolicy(ec.ddl(), d, rs) }), nil
	case n.GetDoStmt() != nil:
		ds := n.GetDoStmt()
		return func(ec *execCtx, w ResultWriter) (string, error) { return "DO", ec.runDo(ds) }, nil
	case n.GetCallStmt() != nil:
		return planCall(p, n.GetCallStmt())
	case n.GetCreateEnumStmt() != nil:
		cs := n.GetCreateEnumStmt()
		return mkDDL("CREATE TYPE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.CreateEnum(ec.ddl(), d, cs) }), nil
	case n.GetCompositeTypeStmt() != nil:
		cs := n.GetCompositeTypeStmt()
		return mkDDL("CREATE TYPE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.CreateComposite(ec.ddl(), d, cs)
		}), nil
	case n.GetCreateDomainStmt() != nil:
		cs := n.GetCreateDomainStmt()
		return mkDDL("CREATE DOMAIN", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.CreateDomain(ec.ddl(), d, cs) }), nil
	case n.GetAlterDomainStmt() != nil:
		as := n.GetAlterDomainStmt()
		return mkDDL("ALTER DOMAIN", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.AlterDomain(ec.ddl(), d, as, w) }), nil
	case n.GetAlterOwnerStmt() != nil && (n.GetAlterOwnerStmt().ObjectType == pg_query.ObjectType_OBJECT_TYPE || n.GetAlterOwnerStmt().ObjectType == pg_query.ObjectType_OBJECT_DOMAIN):
		as := n.GetAlterOwnerStmt()
		tag := map[bool]string{true: "ALTER DOMAIN", false: "ALTER TYPE"}[as.ObjectType == pg_query.ObjectType_OBJECT_DOMAIN]
		return mkDDL(tag, func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.AlterTypeOwner(ec.ddl(), d, as) }), nil
	case n.GetAlterEnumStmt() != nil:
		as := n.GetAlterEnumStmt()
		return mkDDL("ALTER TYPE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.AlterEnum(ec.ddl(), d, as, w) }), nil
	case n.GetRenameStmt() != nil && (n.GetRenameStmt().RenameType == pg_query.ObjectType_OBJECT_TYPE || n.GetRenameStmt().RenameType == pg_query.ObjectType_OBJECT_DOMAIN):
		rs := n.GetRenameStmt()
		tag := map[bool]string{true: "ALTER DOMAIN", false: "ALTER TYPE"}[rs.RenameType == pg_query.ObjectType_OBJECT_DOMAIN]
		return mkDDL(tag, func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.RenameType(ec.ddl(), d, rs) }), nil
	case n.GetRenameStmt() != nil && n.GetRenameStmt().RenameType == pg_query.ObjectType_OBJECT_ROLE:
		rs := n.GetRenameStmt()
		return mkDDL("ALTER ROLE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.RenameRole(ec.ddl(), d, rs) }), nil
	case n.GetRenameStmt() != nil && n.GetRenameStmt().RenameType == pg_query.ObjectType_OBJECT_SCHEMA:
		rs := n.GetRenameStmt()
		return mkDDL("ALTER SCHEMA", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.RenameSchema(ec.ddl(), d, rs) }), nil
	case n.GetAlterOwnerStmt() != nil && n.GetAlterOwnerStmt().ObjectType == pg_query.ObjectType_OBJECT_SCHEMA:
		as := n.GetAlterOwnerStmt()
		return mkDDL("ALTER SCHEMA", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.AlterSchemaOwner(ec.ddl(), d, as)
		}), nil
	case n.GetAlterObjectSchemaStmt() != nil:
		as := n.GetAlterObjectSchemaStmt()
		tag := "ALTER " + strings.ReplaceAll(strings.TrimPrefix(as.ObjectType.String(), "OBJECT_"), "_", " ")
		return mkDDL(tag, func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.SetSchema(ec.ddl(), d, as, w) }), nil
	case n.GetRenameStmt() != nil:
		rs := n.GetRenameStmt()
		tag := "ALTER TABLE"
		if rs.RenameType == pg_query.ObjectType_OBJECT_INDEX {
			tag = "ALTER INDEX"
		}
		return mkDDL(tag, func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.RenameObject(ec.ddl(), d, rs) }), nil
	case n.GetIndexStmt() != nil:
		is := n.GetIndexStmt()
		return mkDDL("CREATE INDEX", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.CreateIndex(ec.ddl(), d, is, w) }), nil
	case n.GetTruncateStmt() != nil:
		ts := n.GetTruncateStmt()
		return mkDDL("TRUNCATE TABLE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.TruncateTables(ec.ddl(), d, ts, w)
		}), nil
	case n.GetCreateSeqStmt() != nil:
		cs := n.GetCreateSeqStmt()
		return mkDDL("CREATE SEQUENCE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.CreateSequence(ec.ddl(), d, cs, w)
		}), nil
	case n.GetAlterSeqStmt() != nil:
		as := n.GetAlterSeqStmt()
		return mkDDL("ALTER SEQUENCE", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.AlterSequence(ec.ddl(), d, as, w)
		}), nil
	case n.GetCreateSchemaStmt() != nil:
		cs := n.GetCreateSchemaStmt()
		return mkDDL("CREATE SCHEMA", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.CreateSchema(ec.ddl(), d, cs, w)
		}), nil
	case n.GetCommentStmt() != nil:
		return noop("COMMENT"), nil
	case n.GetVacuumStmt() != nil:
		if n.GetVacuumStmt().IsVacuumcmd {
			return noop("VACUUM"), nil
		}
		return noop("ANALYZE"), nil
	case n.GetLockStmt() != nil:
		return noop("LOCK TABLE"), nil
	case n.GetConstraintsSetStmt() != nil:
		cs := n.GetConstraintsSetStmt()
		return func(ec *execCtx, w ResultWriter) (string, error) {
			return "SET CONSTRAINTS", setConstraints(ec, cs, w) // constraints.go
		}, nil
	case n.GetGrantStmt() != nil:
		gs := n.GetGrantStmt()
		tag := map[bool]string{true: "GRANT", false: "REVOKE"}[gs.IsGrant]
		return mkDDL(tag, func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.GrantObjects(ec.ddl(), d, gs, w)
		}), nil
	case n.GetViewStmt() != nil:
		vs := n.GetViewStmt()
		return mkDDL("CREATE VIEW", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error { return ddl.CreateView(ec.ddl(), d, vs, w) }), nil
	case n.GetCreateTableAsStmt() != nil:
		cs := n.GetCreateTableAsStmt()
		return func(ec *execCtx, w ResultWriter) (string, error) {
			if ec.tx.readOnly {
				return "", errReadOnly("CREATE TABLE AS")
			}
			n, err := ddl.CreateTableAs(ec.ddl(), ec.tx.ddlFor(ec), cs, w)
			return "SELECT " + exec.Itoa(int(n)), err
		}, nil
	case n.GetCreatePublicationStmt() != nil:
		cs := n.GetCreatePublicationStmt()
		return mkDDL("CREATE PUBLICATION", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.CreatePublication(ec.ddl(), d, cs)
		}), nil
	case n.GetAlterPublicationStmt() != nil:
		as := n.GetAlterPublicationStmt()
		return mkDDL("ALTER PUBLICATION", func(ec *execCtx, d *catalog.Writer, w ResultWriter) error {
			return ddl.AlterPublication(ec.ddl(), d, as)
		}), nil
	case n.GetCreateExtensionStmt() != nil:
		return nil, pgerror.Unsupported("CREATE EXTENSION")
	case n.GetCopyStmt() != nil:
		cs := n.GetCopyStmt()
		return func(ec *execCtx, w ResultWriter) (string, error) { return ec.s.execCopy(ec, cs, w) }, nil
	}
	return nil, pgerror.Unsupported(ddl.StatementName(n))
}
