package sql

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"
	"logdb/sql/plan"
)

// indexSchema describes a secondary index for pg_catalog: pg_get_indexdef
// in its plain and pretty forms, with expressions, DESC / NULLS FIRST and
// a partial index's WHERE printed as PostgreSQL prints them.
func indexSchema(t *catalog.Table, ix *catalog.Index, attnums []int16) pgcatalog.Index {
	pi := pgcatalog.Index{OID: ix.OID, Name: ix.Name, Columns: attnums, Unique: ix.Unique,
		ReplIdent: t.ReplIdent == "i" && t.ReplIndex == ix.OID, Options: ix.Options}
	plain := make([]string, len(ix.Columns))
	pretty := make([]string, len(ix.Columns))
	for i, id := range ix.Columns {
		if e := ix.Expr(i); e != "" {
			n := parseStoredExpr(e)
			if n == nil {
				plain[i], pretty[i] = "("+e+")", "("+e+")"
			} else {
				plain[i], pretty[i] = plan.IndexElemDef(n, false), plan.IndexElemDef(n, true)
			}
			if pi.Exprs == nil {
				pi.Exprs = make([]string, len(ix.Columns))
			}
			pi.Exprs[i] = plain[i]
			if pi.PrettyExprs == nil {
				pi.PrettyExprs = make([]string, len(ix.Columns))
			}
			pi.PrettyExprs[i] = pretty[i]
			if i < len(ix.ExprNames) && i < len(ix.ExprTypes) {
				if pi.ExprAttrs == nil {
					pi.ExprAttrs = make([]*pgcatalog.Column, len(ix.Columns))
				}
				pi.ExprAttrs[i] = &pgcatalog.Column{Name: ix.ExprNames[i], AttNum: int16(i + 1), Type: ix.ExprTypes[i]}
			}
		} else {
			plain[i] = pgcatalog.QuoteIdent(t.Columns[t.ColIndexByID(id)].Name)
			pretty[i] = plain[i]
		}
		if i < len(ix.Options) {
			suffix := ""
			switch ix.Options[i] {
			case 1:
				suffix = " DESC NULLS LAST"
			case 2:
				suffix = " NULLS FIRST"
			case 3:
				suffix = " DESC"
			}
			plain[i] += suffix
			pretty[i] += suffix
		}
	}
	head := "CREATE "
	if ix.Unique {
		head += "UNIQUE "
	}
	qualified := pgcatalog.QuoteIdent(catalog.SchemaName(t.Schema)) + "." + pgcatalog.QuoteIdent(t.Name)
	head += "INDEX " + pgcatalog.QuoteIdent(ix.Name) + " ON " + qualified + " USING btree ("
	pi.Def = head + strings.Join(plain, ", ") + ")"
	prettyDef := head + strings.Join(pretty, ", ") + ")"
	if ix.NullsNotDistinct {
		pi.NullsNotDistinct = true
		pi.Def += " NULLS NOT DISTINCT"
		prettyDef += " NULLS NOT DISTINCT"
	}
	if ix.Pred != "" {
		if n := parseStoredExpr(ix.Pred); n != nil {
			pi.Pred = plan.IndexPredDef(n, false)
			pi.Def += " WHERE " + pi.Pred
			prettyDef += " WHERE " + plan.IndexPredDef(n, true)
		} else {
			pi.Pred = "(" + ix.Pred + ")"
			pi.Def += " WHERE " + pi.Pred
			prettyDef += " WHERE " + ix.Pred
		}
	}
	if prettyDef != pi.Def {
		// pgcatalog's indexDef leaves the table unqualified when visible
		pi.PrettyDef = prettyDef
	}
	return pi
}

// parseStoredExpr parses an expression stored as SQL text, nil if it
// does not parse (it always should: logdb deparsed it).
func parseStoredExpr(text string) *pg_query.Node {
	r, err := pg_query.Parse("SELECT " + text)
	if err != nil || len(r.Stmts) != 1 {
		return nil
	}
	sel := r.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || len(sel.TargetList) != 1 {
		return nil
	}
	return sel.TargetList[0].GetResTarget().Val
}
