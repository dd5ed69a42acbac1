package ddl

import (
	"encoding/json"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
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

// renameTypeSchema rewrites the schema qualifying casts to user types
// (::old.t → ::new.t) in stored expression text, outside literals: ALTER
// SCHEMA … RENAME keeps the expressions that name its types bound to them.
func renameTypeSchema(expr, old, new string) string {
	if !strings.Contains(expr, "::") {
		return expr
	}
	oldQ, newQ := pgcatalog.QuoteIdent(old)+".", pgcatalog.QuoteIdent(new)+"."
	return pgcatalog.RewriteOutsideLiterals(expr, func(expr string, i int) (string, int) {
		if strings.HasPrefix(expr[i:], "::"+oldQ) {
			return "::" + newQ, 2 + len(oldQ)
		}
		return "", 0
	})
}

// renameTypeSchemaIn applies renameTypeSchema to every stored expression
// of every table and domain in the catalog.
func renameTypeSchemaIn(d *catalog.Writer, old, new string) error {
	re := func(s string) string { return renameTypeSchema(s, old, new) }
	for _, t := range d.Cat.SortedTables() {
		nt := t.Clone()
		for _, c := range nt.Columns {
			c.Default, c.Missing, c.Generated = re(c.Default), re(c.Missing), re(c.Generated)
		}
		for _, ck := range nt.Checks {
			ck.Expr = re(ck.Expr)
		}
		for _, ix := range nt.Indexes {
			for i := range ix.Exprs {
				ix.Exprs[i] = re(ix.Exprs[i])
			}
			ix.Pred = re(ix.Pred)
		}
		for _, g := range nt.Triggers {
			g.When = re(g.When)
		}
		for _, p := range nt.Policies {
			p.Using, p.Check = re(p.Using), re(p.Check)
		}
		if b1, b2 := mustJSON(t), mustJSON(nt); b1 != b2 {
			if err := d.PutTable(nt); err != nil {
				return err
			}
		}
	}
	for _, td := range d.Cat.SortedTypes() {
		if td.Kind != "d" {
			continue
		}
		nd := td.Clone()
		nd.Default = re(nd.Default)
		for _, ck := range nd.Checks {
			ck.Expr = re(ck.Expr)
		}
		if mustJSON(td) != mustJSON(nd) {
			if err := d.PutType(nd); err != nil {
				return err
			}
		}
	}
	return nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
