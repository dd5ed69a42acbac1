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
	{"dt4", []dtCol{{"id", "int"}, {"a", "int"}, {"ts", "ts"}, {"iv", "interval"}, {"j", "jsonb"}, {"arr", "intarr"}}},
}

var dtSQLType = map[string]string{"int": "int", "text": "text", "numeric": "numeric", "float": "float8", "bool": "bool", "date": "date",
	"ts": "timestamptz", "interval": "interval", "jsonb": "jsonb", "intarr": "int[]"}

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
	case "ts":
		// around the 2024 daylight-saving change of the session's zone
		return fmt.Sprintf("'2024-03-%02d %02d:%02d:00+00'", 8+r.IntN(4), r.IntN(24), 15*r.IntN(4))
	case "interval":
		return "'" + []string{"1 day", "-2 hours", "1 mon 3 days", "00:30:00", "0", "1 year -1 day", "36 hours"}[r.IntN(7)] + "'"
	case "jsonb":
		return "'" + []string{`{"k": 1, "t": "a"}`, `{"k": 2.50, "n": null}`, `[1, "b", {"k": 3}]`, `"s"`, `{"k": [1, 2], "t": "ab"}`, `{}`, `7`}[r.IntN(7)] + "'"
	case "intarr":
		return []string{"'{1,2,3}'", "'{}'", "'{4,NULL,-1}'", "'{2}'", "'{3,3}'"}[r.IntN(5)]
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
	if g.r.IntN(8) == 0 {
		return g.usingJoin()
	}
	left, lc := g.fromItem()
	switch g.r.IntN(8) {
	case 0, 1:
		return left, lc
	case 2:
		return g.srfJoin(left, lc)
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

// usingJoin joins two tables on their common columns, with USING or
// NATURAL; the merged columns are visible unqualified too.
func (g *dtGen) usingJoin() (string, []dtCol) {
	pairs := [][3]string{{"dt1", "dt2", "id"}, {"dt1", "dt2", "a"}, {"dt1", "dt2", "id, a"}, {"dt1", "dt2", "b"},
		{"dt2", "dt4", "a"}, {"dt4", "dt1", "id, a"}, {"dt1", "dt2", "NATURAL"}}
	p := pairs[g.r.IntN(len(pairs))]
	side := func(name string) (string, []dtCol) {
		a := g.newAlias()
		for _, t := range dtTables {
			if t.name == name {
				var cols []dtCol
				for _, c := range t.cols {
					cols = append(cols, dtCol{a + "." + c.ref, c.kind})
				}
				return name + " " + a, cols
			}
		}
		panic("BUG: table " + name)
	}
	l, lc := side(p[0])
	r, rc := side(p[1])
	kind := g.pick("JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN")
	cols := append(append([]dtCol{}, lc...), rc...)
	using := strings.Split(p[2], ", ")
	if p[2] == "NATURAL" {
		using = []string{"id", "a", "b"}
		return l + " NATURAL " + kind + " " + r, append(cols, dtCol{"id", "int"}, dtCol{"a", "int"}, dtCol{"b", "text"})
	}
	for _, u := range using {
		k := "int"
		if u == "b" {
			k = "text"
		}
		cols = append(cols, dtCol{u, k})
	}
	return l + " " + kind + " " + r + " USING (" + p[2] + ")", cols
}

// srfJoin adds a set-returning function, laterally over left's columns.
func (g *dtGen) srfJoin(left string, lc []dtCol) (string, []dtCol) {
	a := g.newAlias()
	kw := g.pick("CROSS JOIN LATERAL", "LEFT JOIN LATERAL", ",")
	on := ""
	if kw == "LEFT JOIN LATERAL" {
		on = " ON " + g.pick("true", a+".c0 > 0")
	}
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("%s %s generate_series(1, least(%s, 3)) %s(c0)%s", left, kw, g.pickCol(lc, "int"), a, on), append(lc, dtCol{a + ".c0", "int"})
	case 1:
		return fmt.Sprintf("%s %s unnest(%s) WITH ORDINALITY %s(c0, c1)%s", left, kw, g.pickCol(lc, "intarr"), a, on),
			append(lc, dtCol{a + ".c0", "int"}, dtCol{a + ".c1", "int"})
	case 2:
		return fmt.Sprintf("%s %s jsonb_each_text(CASE WHEN jsonb_typeof(%s) = 'object' THEN %[3]s END) %s(c1, c2)%s", left, kw, g.pickCol(lc, "jsonb"), a,
			strings.ReplaceAll(on, ".c0 > 0", ".c1 > 'k'")), append(lc, dtCol{a + ".c1", "text"}, dtCol{a + ".c2", "text"})
	default:
		return fmt.Sprintf("%s %s ROWS FROM (generate_series(0, %s), unnest(ARRAY['x', 'y'])) %s(c0, c1)%s", left, kw, g.pickCol(lc, "int"), a, on),
			append(lc, dtCol{a + ".c0", "int"}, dtCol{a + ".c1", "text"})
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
	return g.pick("int", "int", "int", "text", "text", "numeric", "bool", "float", "date", "ts", "interval", "jsonb", "intarr")
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
		return g.pick("1.5", "0.25", "2.0", "-1.125")
	case "float":
		return g.pick("1.5::float8", "0.5::float8", "2::float8")
	case "bool":
		return g.pick("true", "false")
	case "date":
		return g.pick("date '2024-02-10'", "date '2024-01-31'")
	case "ts":
		return g.pick("timestamptz '2024-03-10 06:30:00+00'", "timestamptz '2024-03-09 12:00:00+00'")
	case "interval":
		return g.pick("interval '1 day'", "interval '90 minutes'", "interval '-1 mon'")
	case "jsonb":
		return g.pick(`'{"k": 1}'::jsonb`, `'[1, 2]'::jsonb`, `'"a"'::jsonb`)
	case "intarr":
		return g.pick("ARRAY[1, 2]", "ARRAY[3, NULL]::int[]", "'{}'::int[]")
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
			if g.r.IntN(2) == 0 {
				return fmt.Sprintf("%s(%s)", g.pick("cardinality", "array_ndims"), sub("intarr"))
			}
			return fmt.Sprintf("abs(%s)", sub("int"))
		default:
			switch g.r.IntN(6) {
			case 0:
				return fmt.Sprintf("array_length(%s, 1)", sub("intarr"))
			case 1:
				return fmt.Sprintf("(%s)[%d]", sub("intarr"), g.r.IntN(3))
			case 2:
				return fmt.Sprintf("extract(%s from %s)::int", g.pick("hour", "day", "dow"), sub("ts"))
			case 3:
				return fmt.Sprintf("jsonb_array_length(CASE WHEN jsonb_typeof(%s) = 'array' THEN %[1]s END)", sub("jsonb"))
			}
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
			switch g.r.IntN(5) {
			case 0:
				return fmt.Sprintf("(%s ->> %s)", sub("jsonb"), g.pick("'t'", "'k'", "1"))
			case 1:
				return fmt.Sprintf("jsonb_typeof(%s)", sub("jsonb"))
			case 2:
				return fmt.Sprintf("(%s)::text", sub(g.pick("ts", "interval", "jsonb", "intarr")))
			case 3:
				return fmt.Sprintf("array_to_string(%s, ',', '*')", sub("intarr"))
			}
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
		if g.r.IntN(3) == 0 {
			return fmt.Sprintf("(%s)::date", sub("ts"))
		}
		return fmt.Sprintf("(%s + %s)", sub("date"), sub("int"))
	case "ts":
		switch g.r.IntN(4) {
		case 0:
			return fmt.Sprintf("(%s + %s)", sub("ts"), sub("interval"))
		case 1:
			return fmt.Sprintf("date_trunc('%s', %s)", g.pick("day", "hour", "month"), sub("ts"))
		case 2:
			return fmt.Sprintf("(%s - %s)", sub("ts"), sub("interval"))
		default:
			return fmt.Sprintf("(%s)::timestamptz", sub("date"))
		}
	case "interval":
		switch g.r.IntN(4) {
		case 0:
			return fmt.Sprintf("(%s + %s)", sub("interval"), sub("interval"))
		case 1:
			return fmt.Sprintf("(%s * %d)", sub("interval"), g.r.IntN(4)-1)
		case 2:
			return fmt.Sprintf("(%s - %s)", sub("ts"), sub("ts"))
		default:
			return fmt.Sprintf("%s(%s)", g.pick("justify_hours", "justify_days", "-"), sub("interval"))
		}
	case "jsonb":
		switch g.r.IntN(4) {
		case 0:
			return fmt.Sprintf("(%s -> %s)", sub("jsonb"), g.pick("'k'", "0", "'t'"))
		case 1:
			return fmt.Sprintf("jsonb_build_object('x', %s, 'y', %s)", sub(g.pick("int", "text", "numeric")), sub("jsonb"))
		case 2:
			// (a bare literal would be of unknown type: 42804 on PostgreSQL)
			k := g.pick("int", "text", "bool", "date", "intarr")
			return fmt.Sprintf("to_jsonb((%s)::%s)", sub(k), dtSQLType[k])
		default:
			// deleting a key from a scalar or an array of non-strings
			// fails (22023); errors in constant sub-expressions are raised
			// at plan time by PostgreSQL (README, Differences): keep to
			// objects
			return fmt.Sprintf("(CASE WHEN jsonb_typeof(%s) = 'object' THEN %[1]s END - 'n')", sub("jsonb"))
		}
	case "intarr":
		switch g.r.IntN(3) {
		case 0:
			return fmt.Sprintf("(%s || %s)", sub("intarr"), sub("int"))
		case 1:
			return fmt.Sprintf("ARRAY[%s, %s]", sub("int"), sub("int"))
		default:
			return fmt.Sprintf("array_remove(%s, %s)", sub("intarr"), sub("int"))
		}
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
	switch g.r.IntN(14) {
	case 12:
		switch g.r.IntN(5) {
		case 0:
			return fmt.Sprintf("%s ? %s", g.expr(cols, "jsonb", d), g.pick("'k'", "'t'", "'b'"))
		case 1:
			return fmt.Sprintf("%s @> %s", g.expr(cols, "jsonb", d), g.pick(`'{"k": 1}'`, `'[1]'`, `'{}'`))
		case 2:
			return fmt.Sprintf("%s %s %s", g.expr(cols, "intarr", d), g.pick("@>", "<@", "&&"), g.literal("intarr"))
		case 3:
			return fmt.Sprintf("%s = ANY (%s)", g.expr(cols, "int", d), g.expr(cols, "intarr", d))
		default:
			// a row comparison
			return fmt.Sprintf("(%s, %s) %s (%s, %s)", g.pickCol(cols, "int"), g.pickCol(cols, "text"), g.pick("<", "=", ">=", "IS DISTINCT FROM", "<>"),
				g.expr(cols, "int", d), g.literal("text"))
		}
	case 13:
		if g.depth < 2 {
			a := g.newAlias()
			return fmt.Sprintf("(%s, %s) %sIN (SELECT %s.a, %s.b FROM dt2 %s WHERE %s.x %s %s)", g.pickCol(cols, "int"), g.pickCol(cols, "text"),
				g.pick("", "NOT "), a, a, a, a, g.pick(">", "<", "<>"), g.literal("int"))
		}
		return fmt.Sprintf("ROW(%s, %s) IS %sNULL", g.pickCol(cols, "int"), g.pickCol(cols, "text"), g.pick("", "NOT "))
	case 0, 1:
		k := g.pick("int", "int", "text", "numeric", "date", "ts", "interval", "jsonb", "intarr")
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
	switch g.r.IntN(10) {
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
		k := g.pick("int", "text", "numeric", "date", "float", "ts", "interval")
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
	case 8:
		k := g.pick("int", "text", "date")
		c := g.pickCol(cols, k)
		if !isColRef(c) {
			c = "(" + c + ")::" + dtSQLType[k] // an unknown literal is ambiguous (42725)
		}
		if g.r.IntN(2) == 0 {
			return "array_agg(" + c + " ORDER BY " + c + g.pick("", " DESC", " NULLS FIRST") + ")" + filter, "text"
		}
		return "jsonb_agg(" + c + " ORDER BY " + c + ")" + filter, "jsonb"
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
	if g.r.IntN(3) == 0 {
		return g.framed(cols, part)
	}
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

// framed is an aggregate over a window frame, chosen so that its value
// does not depend on the order of peers: RANGE and GROUPS frames hold
// whole peer groups; a ROWS frame (and first_value/last_value) orders by
// every column, so that peers are identical rows.
func (g *dtGen) framed(cols []dtCol, part string) string {
	agg := g.pick("count(*)", "sum("+g.pickCol(cols, "int")+")", "max("+g.pickCol(cols, "text")+")",
		"min("+g.pickCol(cols, "int")+")", "count("+g.pickCol(cols, "numeric")+")", "bool_or("+g.pickCol(cols, "bool")+")")
	bound := func(offset string) string {
		return g.pick("UNBOUNDED PRECEDING", "CURRENT ROW", offset+" PRECEDING", offset+" FOLLOWING")
	}
	frame := func(unit, offset string) string {
		lo, hi := bound(offset), bound(offset)
		// PostgreSQL refuses a frame that starts after it ends (42P20)
		// only for some pairs; generate ordered ones
		order := map[string]int{"UNBOUNDED PRECEDING": 0, offset + " PRECEDING": 1, "CURRENT ROW": 2, offset + " FOLLOWING": 3}
		if order[lo] > order[hi] {
			lo, hi = hi, lo
		}
		if hi == "UNBOUNDED PRECEDING" { // a frame cannot end there (42P20)
			hi = "CURRENT ROW"
		}
		f := unit + " BETWEEN " + lo + " AND " + g.pick(hi, "UNBOUNDED FOLLOWING")
		// (first_value/last_value with EXCLUDE TIES or GROUP and a frame
		// that ends before the current row: PostgreSQL 15 answers from the
		// current row, outside the frame — README, Differences)
		if g.r.IntN(3) == 0 && !strings.Contains(agg, "_value(") {
			f += " EXCLUDE " + g.pick("CURRENT ROW", "GROUP", "TIES", "NO OTHERS")
		}
		return f
	}
	switch g.r.IntN(4) {
	case 0:
		// RANGE with an offset orders by one column of a type with a
		// distance
		kind := g.pick("int", "numeric", "date", "ts")
		c := g.pickCol(cols, kind)
		if !isColRef(c) {
			return fmt.Sprintf("%s OVER (%sORDER BY %s RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)", agg, part, g.pickCol(cols, "int"))
		}
		offset := map[string]string{"int": g.pick("0", "1", "3"), "numeric": g.pick("1.5", "0.5"),
			"date": g.pick("interval '3 days'", "interval '1 day'"), "ts": g.pick("interval '6 hours'", "interval '1 day'")}[kind]
		return fmt.Sprintf("%s OVER (%sORDER BY %s %s %s)", agg, part, c, g.pick("", "DESC"), frame("RANGE", offset))
	case 1:
		return fmt.Sprintf("%s OVER (%sORDER BY %s %s)", agg, part, g.pickCol(cols, g.pick("int", "text", "date")), frame("GROUPS", g.pick("0", "1", "2")))
	default:
		var all []string
		for _, c := range cols {
			if c.kind != "float" {
				all = append(all, c.ref)
			} else {
				all = append(all, c.ref+"::text") // -0 and 0 are peers but print differently
			}
		}
		if k := g.pick("int", "text"); g.r.IntN(3) == 0 {
			agg = g.pick("first_value", "last_value") + "((" + g.pickCol(cols, k) + ")::" + k + ")"
		}
		return fmt.Sprintf("%s OVER (%sORDER BY %s %s)", agg, part, strings.Join(all, ", "), frame("ROWS", g.pick("0", "1", "2")))
	}
}

// query generates one top-level query.
func (g *dtGen) query() dtQuery {
	g.alias, g.depth = 0, 0
	switch g.r.IntN(11) {
	case 10:
		// a recursive CTE, bounded by its counter
		a, b := g.newAlias(), g.newAlias()
		seed := fmt.Sprintf("SELECT %[1]s.a, %[1]s.b FROM dt2 %[1]s WHERE %[2]s", b, g.boolExpr([]dtCol{{b + ".a", "int"}, {b + ".b", "text"}, {b + ".x", "int"}}, 1))
		step := fmt.Sprintf("SELECT n + %d, s || %s FROM r WHERE n < %d", 1+g.r.IntN(2), g.pick("'x'", "'y'", "n::text"), 2+g.r.IntN(5))
		body := g.plain("r "+a, []dtCol{{a + ".n", "int"}, {a + ".s", "text"}})
		body.sql = fmt.Sprintf("WITH RECURSIVE r(n, s) AS (%s %s %s) %s", seed, g.pick("UNION", "UNION ALL"), step, body.sql)
		return body
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
		case g.r.IntN(25) == 0:
			exprs = append(exprs, g.pick("generate_series(1, 2)", "unnest(ARRAY[1, NULL, 3])", "generate_series(0, "+g.pickCol(cols, "int")+")"))
		case g.r.IntN(10) == 0 && g.depth < 2:
			a := g.newAlias()
			exprs = append(exprs, fmt.Sprintf("(SELECT max(%s.x) FROM dt2 %s WHERE %s.a = %s)", a, a, a, g.pickCol(cols, "int")))
		default:
			k := g.kind()
			exprs = append(exprs, dtOut(k, g.expr(cols, k, 3)))
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
	var keys, exprs []string
	for i := 0; i < g.r.IntN(3); i++ {
		// a bare constant would be a GROUP BY position (or 42601)
		k := g.kind()
		if e := g.expr(cols, k, 1); g.r.IntN(3) == 0 && dtReadsColumn.MatchString(e) {
			keys = append(keys, "("+e+")")
			exprs = append(exprs, dtOut(k, "("+e+")"))
		} else if c := g.pickCol(cols, k); isColRef(c) {
			keys = append(keys, c)
			exprs = append(exprs, dtOut(k, c))
		}
	}
	for i := 0; i < 1+g.r.IntN(3); i++ {
		a, k := g.aggregate(cols)
		exprs = append(exprs, dtOut(k, a))
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
			exprs = append(exprs, dtOut(k, g.expr(cols, k, 2)))
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

// dtOut is an output column of kind k: an interval is shown justified,
// since equal intervals print differently ('36:00:00' and '1 day
// 12:00:00', '1 year -1 days' and '11 mons 29 days') and DISTINCT, GROUP
// BY, set operations and ties under ORDER BY keep either.
func dtOut(k, e string) string {
	if k == "interval" {
		return "justify_interval(" + e + ")"
	}
	return e
}

// dtReadsColumn matches an expression that reads a column.
var dtReadsColumn = regexp.MustCompile(`\bt[0-9]+\.`)

// isColRef reports whether a generated expression is a column ("t3.a"),
// not a constant (1.5, 'a', true), which GROUP BY would read as a
// position and FULL JOIN cannot join on.
func isColRef(s string) bool {
	return len(s) > 1 && s[0] == 't' && s[1] >= '0' && s[1] <= '9'
}
