package test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
)

// The differential tester's generator: a seeded schema and data set, and
// random queries over them that PostgreSQL 15 accepts and answers the same
// way every time (no row order without ORDER BY over every column, no
// floating-point sums, no aggregate whose result depends on input order).

// dtCol is a column a query can read: its qualified name and its kind.
type dtCol struct {
	ref  string // "a.x"
	kind string // int, text, numeric, float, bool, date
}

type dtTable struct {
	name string
	cols []dtCol // ref is the bare column name
}

var dtTables = []dtTable{
	{"dt1", []dtCol{{"id", "int"}, {"a", "int"}, {"b", "text"}, {"c", "numeric"}, {"d", "float"}, {"e", "bool"}, {"f", "date"}}},
	{"dt2", []dtCol{{"id", "int"}, {"a", "int"}, {"b", "text"}, {"x", "int"}}},
	{"dt3", []dtCol{{"k", "int"}, {"v", "text"}, {"n", "numeric"}}},
}

var dtSQLType = map[string]string{"int": "int", "text": "text", "numeric": "numeric", "float": "float8", "bool": "bool", "date": "date"}

// dtSchema returns the statements that create and fill the tables: about
// a third of the values are NULL, the others drawn from small ranges so
// joins and groups meet.
func dtSchema(r *rand.Rand) []string {
	var out []string
	for _, t := range dtTables {
		var defs []string
		for i, c := range t.cols {
			d := c.ref + " " + dtSQLType[c.kind]
			if i == 0 && c.ref == "id" {
				d += " PRIMARY KEY"
			}
			defs = append(defs, d)
		}
		out = append(out, fmt.Sprintf("CREATE TABLE %s (%s)", t.name, strings.Join(defs, ", ")))
		n := 12 + r.IntN(14)
		var rows []string
		for i := 1; i <= n; i++ {
			var vals []string
			for j, c := range t.cols {
				if j == 0 && c.ref == "id" {
					vals = append(vals, fmt.Sprint(i))
					continue
				}
				vals = append(vals, dtValue(r, c.kind))
			}
			rows = append(rows, "("+strings.Join(vals, ", ")+")")
		}
		out = append(out, fmt.Sprintf("INSERT INTO %s VALUES %s", t.name, strings.Join(rows, ", ")))
	}
	return out
}

func dtValue(r *rand.Rand, kind string) string {
	if r.IntN(3) == 0 {
		return "NULL"
	}
	switch kind {
	case "int":
		return fmt.Sprint(r.IntN(11) - 3)
	case "text":
		return "'" + []string{"a", "b", "ab", "B", "abc", "", "zz", "a b", "x%"}[r.IntN(9)] + "'"
	case "numeric":
		return []string{"0", "1.5", "-2.25", "3", "10.125", "0.001", "-7", "100"}[r.IntN(8)]
	case "float":
		return []string{"0", "1.5", "-2.25", "3", "1e10", "0.1", "-0.5"}[r.IntN(7)]
	case "bool":
		return []string{"true", "false"}[r.IntN(2)]
	case "date":
		return fmt.Sprintf("'2024-0%d-%02d'", 1+r.IntN(3), 1+r.IntN(28))
	}
	panic("BUG: kind " + kind)
}

// dtGen generates one query at a time.
type dtGen struct {
	r     *rand.Rand
	alias int
	depth int // nesting of sub-queries, bounded
}

// dtQuery is a generated query and whether its rows come in a defined
// order (ORDER BY over every output column).
type dtQuery struct {
	sql     string
	ordered bool
}

func (g *dtGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *dtGen) newAlias() string {
	g.alias++
	return fmt.Sprintf("t%d", g.alias)
}

// from returns a FROM clause and the columns it makes visible.
func (g *dtGen) from() (string, []dtCol) {
	left, lc := g.fromItem()
	switch g.r.IntN(7) {
	case 0, 1, 2:
		return left, lc
	case 3:
		// LATERAL: a correlated aggregate or a correlated top-N
		a := g.newAlias()
		t := dtTables[1]
		on := g.pickCol(lc, "int")
		if g.r.IntN(2) == 0 {
			sub := fmt.Sprintf("LATERAL (SELECT count(*)::int AS n, max(%s.x) AS m, sum(%s.a)::int AS s FROM %s %s WHERE %s.a = %s) %s",
				a, a, t.name, a, a, on, a)
			return left + " CROSS JOIN " + sub, append(lc, dtCol{a + ".n", "int"}, dtCol{a + ".m", "int"}, dtCol{a + ".s", "int"})
		}
		kw := g.pick("CROSS JOIN", "LEFT JOIN")
		cond := ""
		if kw == "LEFT JOIN" {
			cond = " ON true"
		}
		sub := fmt.Sprintf("LATERAL (SELECT %s.x, %s.b FROM %s %s WHERE %s.a > %s ORDER BY %s.id LIMIT 2) %s",
			a, a, t.name, a, a, on, a, a)
		return left + " " + kw + " " + sub + cond, append(lc, dtCol{a + ".x", "int"}, dtCol{a + ".b", "text"})
	default:
		right, rc := g.fromItem()
		kind := g.pick("JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "CROSS JOIN")
		cols := append(append([]dtCol{}, lc...), rc...)
		if kind == "CROSS JOIN" {
			return left + " CROSS JOIN " + right, cols
		}
		l, r := g.pickCol(lc, "int"), g.pickCol(rc, "int")
		on := l + " = " + r
		switch {
		case kind == "FULL JOIN":
			// PostgreSQL joins FULL only on merge- or hash-joinable
			// conditions: column = column
			if !isColRef(l) || !isColRef(r) {
				kind = "JOIN"
			}
		case g.r.IntN(3) == 0:
			on += " AND " + g.boolExpr(cols, 1)
		case g.r.IntN(2) == 0:
			on = g.pickCol(lc, "int") + " " + g.pick("<", "<=", "<>") + " " + g.pickCol(rc, "int")
		}
		return left + " " + kind + " " + right + " ON " + on, cols
	}
}

// fromItem is a table or a derived table under a fresh alias.
func (g *dtGen) fromItem() (string, []dtCol) {
	a := g.newAlias()
	if g.depth < 2 && g.r.IntN(5) == 0 {
		g.depth++
		inner, kinds := g.derived()
		g.depth--
		var cols []dtCol
		var names []string
		for i, k := range kinds {
			names = append(names, fmt.Sprintf("c%d", i))
			cols = append(cols, dtCol{fmt.Sprintf("%s.c%d", a, i), k})
		}
		return fmt.Sprintf("(%s) %s(%s)", inner, a, strings.Join(names, ", ")), cols
	}
	t := dtTables[g.r.IntN(len(dtTables))]
	var cols []dtCol
	for _, c := range t.cols {
		cols = append(cols, dtCol{a + "." + c.ref, c.kind})
	}
	return t.name + " " + a, cols
}

// derived is a sub-query for FROM (or a CTE): a grouped or a plain select.
func (g *dtGen) derived() (string, []string) {
	from, cols := g.from()
	if k := g.pickCol(cols, "int"); g.r.IntN(2) == 0 && isColRef(k) {
		// count and sum are bigint: cast, so that substr(text, c1, 2) and
		// the like exist
		return fmt.Sprintf("SELECT %s, count(*)::int, sum(%s)::int FROM %s GROUP BY %s", k, g.pickCol(cols, "int"), from, k), []string{"int", "int", "int"}
	}
	var exprs, kinds []string
	for i := 0; i < 1+g.r.IntN(3); i++ {
		k := g.kind()
		exprs = append(exprs, g.expr(cols, k, 2))
		kinds = append(kinds, k)
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + from
	if g.r.IntN(2) == 0 {
		q += " WHERE " + g.boolExpr(cols, 2)
	}
	return q, kinds
}

func (g *dtGen) kind() string {
	return g.pick("int", "int", "int", "text", "text", "numeric", "bool", "float", "date")
}

// pickCol returns a column of kind, or a constant of it when there is none.
func (g *dtGen) pickCol(cols []dtCol, kind string) string {
	var of []string
	for _, c := range cols {
		if c.kind == kind {
			of = append(of, c.ref)
		}
	}
	if len(of) == 0 {
		return g.literal(kind)
	}
	return of[g.r.IntN(len(of))]
}

func (g *dtGen) literal(kind string) string {
	switch kind {
	case "int":
		return fmt.Sprint(g.r.IntN(8) - 2)
	case "text":
		return g.pick("'a'", "'ab'", "''", "'zz'", "'B'")
	case "numeric":
		return g.pick("1.5", "0.25", "2", "-1.125")
	case "float":
		return g.pick("1.5::float8", "0.5::float8", "2::float8")
	case "bool":
		return g.pick("true", "false")
	case "date":
		return g.pick("date '2024-02-10'", "date '2024-01-31'")
	}
	panic("BUG: kind " + kind)
}

// expr is a scalar expression of kind over cols, depth levels deep at most.
func (g *dtGen) expr(cols []dtCol, kind string, depth int) string {
	if depth <= 0 || g.r.IntN(3) == 0 {
		if g.r.IntN(5) == 0 {
			if g.r.IntN(4) == 0 {
				return "NULL::" + dtSQLType[kind]
			}
			return g.literal(kind)
		}
		return g.pickCol(cols, kind)
	}
	d := depth - 1
	sub := func(k string) string { return g.expr(cols, k, d) }
	if g.r.IntN(8) == 0 {
		return fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", g.boolExpr(cols, d), sub(kind), sub(kind))
	}
	if g.r.IntN(8) == 0 {
		return fmt.Sprintf("coalesce(%s, %s)", sub(kind), sub(kind))
	}
	switch kind {
	case "int":
		switch g.r.IntN(9) {
		case 0:
			return fmt.Sprintf("(%s + %s)", sub("int"), sub("int"))
		case 1:
			return fmt.Sprintf("(%s * %s)", sub("int"), sub("int"))
		case 2:
			return fmt.Sprintf("(%s - %s)", sub("int"), sub("int"))
		case 3:
			return fmt.Sprintf("(%s %s nullif(%s, 0))", sub("int"), g.pick("/", "%"), sub("int"))
		case 4:
			return fmt.Sprintf("length(%s)", sub("text"))
		case 5:
			return fmt.Sprintf("(%s)::int", sub("numeric"))
		case 6:
			return fmt.Sprintf("%s(%s, %s)", g.pick("greatest", "least"), sub("int"), sub("int"))
		case 7:
			return fmt.Sprintf("abs(%s)", sub("int"))
		default:
			return fmt.Sprintf("(%s)::int", sub("bool"))
		}
	case "text":
		switch g.r.IntN(7) {
		case 0:
			return fmt.Sprintf("(%s || %s)", sub("text"), sub("text"))
		case 1:
			return fmt.Sprintf("%s(%s)", g.pick("upper", "lower", "btrim", "reverse"), sub("text"))
		case 2:
			return fmt.Sprintf("substr(%s, %s, 2)", sub("text"), sub("int"))
		case 3:
			return fmt.Sprintf("(%s)::text", sub(g.pick("int", "numeric", "date", "bool")))
		case 4:
			return fmt.Sprintf("concat(%s, %s)", sub("text"), sub("int"))
		case 5:
			return fmt.Sprintf("repeat(%s, 2)", sub("text"))
		default:
			return fmt.Sprintf("replace(%s, 'a', 'q')", sub("text"))
		}
	case "numeric":
		switch g.r.IntN(6) {
		case 0:
			return fmt.Sprintf("(%s %s %s)", sub("numeric"), g.pick("+", "-", "*"), sub("numeric"))
		case 1:
			return fmt.Sprintf("(%s / nullif(%s, 0))", sub("numeric"), sub("numeric"))
		case 2:
			return fmt.Sprintf("round(%s, %d)", sub("numeric"), g.r.IntN(3))
		case 3:
			return fmt.Sprintf("(%s)::numeric", sub("int"))
		case 4:
			return fmt.Sprintf("%s(%s)", g.pick("trunc", "ceil", "floor", "abs"), sub("numeric"))
		default:
			return fmt.Sprintf("(%s + %s)", sub("numeric"), sub("int"))
		}
	case "float":
		switch g.r.IntN(3) {
		case 0:
			return fmt.Sprintf("(%s * 2)", sub("float"))
		case 1:
			return fmt.Sprintf("(%s)::float8", sub("int"))
		default:
			return fmt.Sprintf("(%s - %s)", sub("float"), sub("float"))
		}
	case "date":
		return fmt.Sprintf("(%s + %s)", sub("date"), sub("int"))
	case "bool":
		return g.boolExpr(cols, d)
	}
	panic("BUG: kind " + kind)
}

// boolExpr is a condition over cols; sub-queries (EXISTS, IN) read dt2
// or dt3, correlated or not.
func (g *dtGen) boolExpr(cols []dtCol, depth int) string {
	d := depth - 1
	if depth <= 0 {
		d = 0
	}
	switch g.r.IntN(12) {
	case 0, 1:
		k := g.pick("int", "int", "text", "numeric", "date")
		return fmt.Sprintf("%s %s %s", g.expr(cols, k, d), g.pick("=", "<>", "<", "<=", ">", ">="), g.expr(cols, k, d))
	case 2:
		return fmt.Sprintf("%s IS %sNULL", g.expr(cols, g.kind(), d), g.pick("", "NOT "))
	case 3:
		if depth > 0 {
			return fmt.Sprintf("(%s %s %s)", g.boolExpr(cols, d), g.pick("AND", "OR"), g.boolExpr(cols, d))
		}
		return g.pickCol(cols, "bool") + " IS TRUE"
	case 4:
		if depth > 0 {
			return "NOT " + g.boolExpr(cols, d)
		}
		return g.pickCol(cols, "int") + " > 0"
	case 5:
		return fmt.Sprintf("%s IN (%s, %s, %s)", g.pickCol(cols, "int"), g.literal("int"), g.literal("int"), g.pick("NULL", "3"))
	case 6:
		return fmt.Sprintf("%s %sBETWEEN %s AND %s", g.pickCol(cols, "int"), g.pick("", "NOT "), g.literal("int"), g.literal("int"))
	case 7:
		return fmt.Sprintf("%s %s '%s'", g.pickCol(cols, "text"), g.pick("LIKE", "NOT LIKE", "ILIKE"), g.pick("a%", "%b", "_", "%", "a\\%"))
	case 8:
		if g.depth < 2 {
			a := g.newAlias()
			return fmt.Sprintf("%sEXISTS (SELECT 1 FROM dt2 %s WHERE %s.a = %s AND %s.x %s %s)", g.pick("", "NOT "),
				a, a, g.pickCol(cols, "int"), a, g.pick(">", "<", "<>"), g.literal("int"))
		}
		return g.pickCol(cols, "bool")
	case 9:
		if g.depth < 2 {
			a := g.newAlias()
			return fmt.Sprintf("%s %sIN (SELECT %s.k FROM dt3 %s WHERE %s.n %s %s)", g.pickCol(cols, "int"), g.pick("", "NOT "),
				a, a, a, g.pick(">", "<", "IS NOT NULL AND 0 <"), g.literal("numeric"))
		}
		return g.pickCol(cols, "bool")
	case 10:
		return fmt.Sprintf("%s %s ANY (ARRAY[%s, %s])", g.pickCol(cols, "int"), g.pick("=", "<", "<>"), g.literal("int"), g.pick("NULL::int", "5"))
	default:
		return g.pickCol(cols, "bool")
	}
}

// aggregate is an aggregate call over cols and the kind it returns.
func (g *dtGen) aggregate(cols []dtCol) (string, string) {
	filter := ""
	if g.r.IntN(4) == 0 {
		filter = " FILTER (WHERE " + g.boolExpr(cols, 1) + ")"
	}
	distinct := ""
	if g.r.IntN(4) == 0 {
		distinct = "DISTINCT "
	}
	switch g.r.IntN(9) {
	case 0:
		return "count(*)" + filter, "int"
	case 1:
		return "count(" + distinct + g.expr(cols, g.kind(), 1) + ")" + filter, "int"
	case 2:
		return "sum(" + distinct + g.expr(cols, "int", 1) + ")" + filter, "int"
	case 3:
		// no DISTINCT: which of 0, 0.0 and 0.00 it keeps is the order it
		// met them in, and the sum's scale follows
		return "sum(" + g.expr(cols, "numeric", 1) + ")" + filter, "numeric"
	case 4:
		k := g.pick("int", "text", "numeric", "date", "float")
		return g.pick("min", "max") + "(" + g.expr(cols, k, 1) + ")" + filter, k
	case 5:
		if g.r.IntN(2) == 0 {
			return "avg(" + g.expr(cols, "numeric", 1) + ")" + filter, "numeric"
		}
		return "avg(" + distinct + g.expr(cols, "int", 1) + ")" + filter, "numeric"
	case 6:
		e := g.expr(cols, "text", 1)
		if c := g.pickCol(cols, "text"); distinct != "" && isColRef(c) {
			// (with a literal, PostgreSQL's argument is text and its sort
			// key unknown: 42P10)
			e = c
			return "string_agg(DISTINCT " + e + ", ',' ORDER BY " + e + ")" + filter, "text"
		}
		return "string_agg(" + e + ", ',' ORDER BY " + e + ")" + filter, "text"
	case 7:
		return g.pick("bool_and", "bool_or") + "(" + g.boolExpr(cols, 1) + ")" + filter, "bool"
	default:
		return "count(" + distinct + g.pickCol(cols, "int") + ")" + filter, "int"
	}
}

// window is a window function call whose value does not depend on the
// order of peers.
func (g *dtGen) window(cols []dtCol) string {
	part := ""
	if g.r.IntN(3) > 0 {
		part = "PARTITION BY " + g.pickCol(cols, g.pick("int", "text", "bool")) + " "
	}
	ord := g.pickCol(cols, g.pick("int", "text", "numeric"))
	switch g.r.IntN(7) {
	case 0:
		return fmt.Sprintf("rank() OVER (%sORDER BY %s)", part, ord)
	case 1:
		return fmt.Sprintf("dense_rank() OVER (%sORDER BY %s %s)", part, ord, g.pick("", "DESC", "NULLS FIRST"))
	case 2:
		return fmt.Sprintf("count(*) OVER (%s)", part)
	case 3:
		return fmt.Sprintf("sum(%s) OVER (%sORDER BY %s)", g.pickCol(cols, "int"), part, ord)
	case 4:
		return fmt.Sprintf("max(%s) OVER (%s)", g.pickCol(cols, "text"), part)
	case 5:
		return fmt.Sprintf("percent_rank() OVER (%sORDER BY %s)", part, ord)
	default:
		return fmt.Sprintf("count(%s) OVER (%sORDER BY %s)", g.pickCol(cols, "int"), part, ord)
	}
}

// query generates one top-level query.
func (g *dtGen) query() dtQuery {
	g.alias, g.depth = 0, 0
	switch g.r.IntN(10) {
	case 0, 1:
		return g.grouped()
	case 2:
		return g.setOp()
	case 3:
		a := g.newAlias()
		inner, kinds := g.derived()
		var names []string
		var cols []dtCol
		for i, k := range kinds {
			names = append(names, fmt.Sprintf("w%d", i))
			cols = append(cols, dtCol{fmt.Sprintf("%s.w%d", a, i), k})
		}
		body := g.plain(fmt.Sprintf("cte %s", a), cols)
		body.sql = fmt.Sprintf("WITH cte(%s) AS (%s) %s", strings.Join(names, ", "), inner, body.sql)
		return body
	default:
		from, cols := g.from()
		return g.plain(from, cols)
	}
}

// plain is SELECT [DISTINCT] exprs FROM from [WHERE] [ORDER BY all [LIMIT]].
func (g *dtGen) plain(from string, cols []dtCol) dtQuery {
	n := 1 + g.r.IntN(4)
	var exprs []string
	for i := 0; i < n; i++ {
		switch {
		case g.r.IntN(8) == 0:
			exprs = append(exprs, g.window(cols))
		case g.r.IntN(10) == 0 && g.depth < 2:
			a := g.newAlias()
			exprs = append(exprs, fmt.Sprintf("(SELECT max(%s.x) FROM dt2 %s WHERE %s.a = %s)", a, a, a, g.pickCol(cols, "int")))
		default:
			exprs = append(exprs, g.expr(cols, g.kind(), 3))
		}
	}
	q := "SELECT "
	if g.r.IntN(6) == 0 {
		q += "DISTINCT "
	}
	q += strings.Join(exprs, ", ") + " FROM " + from
	if g.r.IntN(3) > 0 {
		q += " WHERE " + g.boolExpr(cols, 3)
	}
	return g.orderAll(q, n)
}

// orderAll adds, half the time, ORDER BY every output column (and maybe
// LIMIT/OFFSET, which then select a defined set of rows).
func (g *dtGen) orderAll(q string, n int) dtQuery {
	if g.r.IntN(2) == 0 {
		return dtQuery{sql: q}
	}
	var keys []string
	for i := 1; i <= n; i++ {
		keys = append(keys, fmt.Sprint(i)+g.pick("", "", " DESC", " NULLS FIRST", " DESC NULLS LAST"))
	}
	q += " ORDER BY " + strings.Join(keys, ", ")
	if g.r.IntN(3) == 0 {
		q += fmt.Sprintf(" LIMIT %d", g.r.IntN(6))
		if g.r.IntN(2) == 0 {
			q += fmt.Sprintf(" OFFSET %d", g.r.IntN(4))
		}
	}
	return dtQuery{sql: q, ordered: true}
}

// grouped is SELECT keys, aggregates FROM … GROUP BY keys [HAVING].
func (g *dtGen) grouped() dtQuery {
	from, cols := g.from()
	var keys []string
	for i := 0; i < g.r.IntN(3); i++ {
		// a bare constant would be a GROUP BY position (or 42601)
		if e := g.expr(cols, g.kind(), 1); g.r.IntN(3) == 0 && dtReadsColumn.MatchString(e) {
			keys = append(keys, "("+e+")")
		} else if c := g.pickCol(cols, g.kind()); isColRef(c) {
			keys = append(keys, c)
		}
	}
	exprs := append([]string{}, keys...)
	for i := 0; i < 1+g.r.IntN(3); i++ {
		a, _ := g.aggregate(cols)
		exprs = append(exprs, a)
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + from
	if g.r.IntN(2) == 0 {
		q += " WHERE " + g.boolExpr(cols, 2)
	}
	if len(keys) > 0 {
		q += " GROUP BY " + strings.Join(keys, ", ")
		if g.r.IntN(3) == 0 {
			q += " HAVING count(*) " + g.pick(">", "<", ">=") + " " + fmt.Sprint(g.r.IntN(3))
		}
	}
	return g.orderAll(q, len(exprs))
}

// setOp combines two selects of the same kinds.
func (g *dtGen) setOp() dtQuery {
	kinds := []string{g.kind()}
	if g.r.IntN(2) == 0 {
		kinds = append(kinds, g.kind())
	}
	side := func() string {
		from, cols := g.from()
		var exprs []string
		for _, k := range kinds {
			exprs = append(exprs, g.expr(cols, k, 2))
		}
		q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + from
		if g.r.IntN(2) == 0 {
			q += " WHERE " + g.boolExpr(cols, 2)
		}
		return q
	}
	q := side() + " " + g.pick("UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL") + " " + side()
	return g.orderAll(q, len(kinds))
}

// dtReadsColumn matches an expression that reads a column.
var dtReadsColumn = regexp.MustCompile(`\bt[0-9]+\.`)

// isColRef reports whether a generated expression is a column ("t3.a"),
// not a constant (1.5, 'a', true), which GROUP BY would read as a
// position and FULL JOIN cannot join on.
func isColRef(s string) bool {
	return len(s) > 1 && s[0] == 't' && s[1] >= '0' && s[1] <= '9'
}
