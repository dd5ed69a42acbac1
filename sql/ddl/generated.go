package ddl

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

// generatedReaders names t's generated columns whose expression reads
// column name (PostgreSQL's dependencies of a generated column).
func generatedReaders(ec *Ctx, t *catalog.Table, name string) []string {
	var out []string
	for _, c := range t.Columns {
		if c.Generated == "" || c.Name == name {
			continue
		}
		n, err := ec.Session.ParseExpr(c.Generated)
		if err == nil && exec.Contains(columnRefs(n), name) {
			out = append(out, c.Name)
		}
	}
	return out
}

// dropGeneratedReaders is DROP COLUMN name's dependency on the generated
// columns that read it: 2BP01 without CASCADE, else they are dropped
// first (as PostgreSQL does).
func dropGeneratedReaders(ec *Ctx, d *catalog.Writer, p *plan.Planner, t *catalog.Table, name string, cmd *pg_query.AlterTableCmd, w Noticer) error {
	readers := generatedReaders(ec, t, name)
	if len(readers) == 0 {
		return nil
	}
	what := "column " + name + " of table " + t.Name
	if cmd.Behavior != pg_query.DropBehavior_DROP_CASCADE {
		detail := ""
		for i, r := range readers {
			if i > 0 {
				detail += "\n"
			}
			detail += "column " + r + " of table " + t.Name + " depends on " + what
		}
		return &pgerror.Error{Code: pgerror.DependentObjectsStillExist, Message: "cannot drop " + what + " because other objects depend on it",
			Detail: detail, Hint: "Use DROP ... CASCADE to drop the dependent objects too."}
	}
	for _, r := range readers {
		_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "drop cascades to column "+r+" of table "+t.Name))
		sub := &pg_query.AlterTableCmd{Subtype: pg_query.AlterTableType_AT_DropColumn, Name: r, Behavior: pg_query.DropBehavior_DROP_CASCADE}
		if err := alterCmd(ec, d, p, t, sub, quietNoticer{}); err != nil {
			return err
		}
		t.Init()
	}
	return nil
}
