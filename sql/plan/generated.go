package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Stored generated columns (GENERATED ALWAYS AS (expr) STORED): the
// expression is compiled over the table's row and every INSERT, UPDATE,
// COPY and ON CONFLICT computes the column (exec.TableWriter.Generated).

// CompileGenerated compiles column i's generation expression over t's
// row, refusing what PostgreSQL refuses: another generated column read
// (42P17), a function that is not immutable (42P17), a type that does
// not convert to the column's (42804).
func (p *Planner) CompileGenerated(t *catalog.Table, i int) (exec.Expr, error) {
	c := t.Columns[i]
	n, err := p.Host.ParseExpr(c.Generated)
	if err != nil {
		return nil, err
	}
	var bad string
	WalkNodes(n, func(x *pg_query.Node) bool {
		if cr := x.GetColumnRef(); cr != nil && bad == "" {
			names := NodeStrings(cr.Fields)
			if _, rc := t.Column(names[len(names)-1]); rc != nil && rc.Generated != "" {
				bad = rc.Name
			}
		}
		return bad == ""
	})
	if bad != "" {
		return nil, &pgerror.Error{Code: codeInvalidObjectDefinition, Message: "cannot use generated column \"" + bad + "\" in column generation expression",
			Detail: "A generated column cannot reference another generated column."}
	}
	saved := p.where
	p.where = "column generation expressions"
	defer func() { p.where = saved }()
	e, err := p.CompileExpr(n, TableScope(t, nil, nil))
	if err != nil {
		return nil, err
	}
	if !isImmutable(e) {
		return nil, pgerror.New(codeInvalidObjectDefinition, "generation expression is not immutable")
	}
	ce, err := p.Coerce(e, c.Type, types.CastAssignment)
	if err != nil {
		return nil, &pgerror.Error{Code: pgerror.DatatypeMismatch, Message: "column \"" + c.Name + "\" is of type " + types.FormatType(c.Type) +
			" but default expression is of type " + types.FormatType(e.Type()), Hint: "You will need to rewrite or cast the expression."}
	}
	return ce, nil
}

// generatedExprs compiles t's generation expressions (nil when it has
// none; else one entry per column, nil for an ordinary one).
func (p *Planner) generatedExprs(t *catalog.Table) ([]exec.Expr, error) {
	var out []exec.Expr
	for i, c := range t.Columns {
		if c.Generated == "" {
			continue
		}
		if out == nil {
			out = make([]exec.Expr, len(t.Columns))
		}
		e, err := p.CompileGenerated(t, i)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// checkGeneratedTargets refuses an INSERT that writes a generated column
// anything but DEFAULT (428C9).
func checkGeneratedTargets(t *catalog.Table, cols []int, sel *pg_query.SelectStmt) error {
	for k, i := range cols {
		c := t.Columns[i]
		if c.Generated == "" {
			continue
		}
		ok := sel != nil && len(sel.ValuesLists) > 0
		if ok {
			for _, l := range sel.ValuesLists {
				items := l.GetList().GetItems()
				if k < len(items) && items[k].GetSetToDefault() == nil {
					ok = false
				}
			}
		}
		if sel == nil {
			ok = true
		}
		if !ok {
			return &pgerror.Error{Code: "428C9", Message: "cannot insert a non-DEFAULT value into column \"" + c.Name + "\"",
				Detail: "Column \"" + c.Name + "\" is a generated column."}
		}
	}
	return nil
}
