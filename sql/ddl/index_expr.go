package ddl

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// maxIndexKeys is PostgreSQL's INDEX_MAX_KEYS: an index has at most 32
// key elements (columns and expressions).
const maxIndexKeys = 32

// indexDefinition reads CREATE INDEX's key elements (columns and
// expressions, with DESC and NULLS FIRST|LAST) and WHERE clause into an
// index descriptor, checked as PostgreSQL checks them (unknown columns,
// sub-queries, functions that are not immutable: 42P17). names are the
// elements' names for a generated index name: a column's name, an
// expression's function name or "expr" (PostgreSQL's FigureIndexColname).
func indexDefinition(ec *Ctx, d *catalog.Writer, t *catalog.Table, is *pg_query.IndexStmt) (*catalog.Index, []string, error) {
	if len(is.IndexParams) > maxIndexKeys {
		return nil, nil, pgerror.New("54011", "cannot use more than %d columns in an index", maxIndexKeys)
	}
	ix := &catalog.Index{Unique: is.Unique}
	var names []string
	p := ec.Session.Planner(d.Cat)
	exprs := false
	reads := map[uint32]bool{}
	noteReads := func(n *pg_query.Node) {
		for _, ref := range columnRefs(n) {
			if _, c := t.Column(ref); c != nil {
				reads[c.ID] = true
			}
		}
	}
	for _, prm := range is.IndexParams {
		ie := prm.GetIndexElem()
		var opt int16
		if ie.Ordering == pg_query.SortByDir_SORTBY_DESC {
			opt |= 1
		}
		if ie.NullsOrdering == pg_query.SortByNulls_SORTBY_NULLS_FIRST || ie.NullsOrdering == pg_query.SortByNulls_SORTBY_NULLS_DEFAULT && opt&1 != 0 {
			opt |= 2
		}
		ix.Options = append(ix.Options, opt)
		if ie.Expr != nil {
			e, err := p.CompileIndexExpr(t, ie.Expr)
			if err != nil {
				return nil, nil, err
			}
			text, err := p.IndexExprText(t, ie.Expr)
			if err != nil {
				return nil, nil, err
			}
			noteReads(ie.Expr)
			ix.Columns = append(ix.Columns, 0)
			ix.Exprs = append(ix.Exprs, text)
			exprs = true
			name := "expr"
			if fc := ie.Expr.GetFuncCall(); fc != nil {
				name = plan.LastName(fc.Funcname)
			}
			names = append(names, name)
			attName := name
			for k := 1; exec.Contains(ix.ExprNames, attName); k++ {
				attName = name + exec.Itoa(k)
			}
			ix.ExprNames = append(ix.ExprNames, attName)
			ix.ExprTypes = append(ix.ExprTypes, e.Type())
			continue
		}
		_, c := t.Column(ie.Name)
		if c == nil {
			return nil, nil, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" does not exist", ie.Name)
		}
		ix.Columns = append(ix.Columns, c.ID)
		ix.Exprs = append(ix.Exprs, "")
		ix.ExprNames = append(ix.ExprNames, "")
		ix.ExprTypes = append(ix.ExprTypes, types.T{})
		names = append(names, c.Name)
	}
	if !exprs {
		ix.Exprs, ix.ExprNames, ix.ExprTypes = nil, nil, nil
	}
	if is.WhereClause != nil {
		if _, err := p.CompileIndexPred(t, is.WhereClause); err != nil {
			return nil, nil, err
		}
		text, err := storedExpr(p, is.WhereClause)
		if err != nil {
			return nil, nil, err
		}
		noteReads(is.WhereClause)
		ix.Pred = text
	}
	for _, c := range t.Columns {
		if reads[c.ID] {
			ix.ExprCols = append(ix.ExprCols, c.ID)
		}
	}
	allDefault := true
	for _, o := range ix.Options {
		allDefault = allDefault && o == 0
	}
	if allDefault {
		ix.Options = nil
	}
	return ix, names, nil
}
