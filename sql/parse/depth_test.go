package parse

import (
	"math/rand"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"logdb/sql/pgerror"
)

// Statements that would crash or defeat the parser are refused with 54001;
// large flat ones are not.
func TestCheckDepth(t *testing.T) {
	rep := strings.Repeat
	deep := map[string]string{
		"50,000 +":                  "SELECT 1" + rep("+1", 50_000),
		"100,000 ||":                "SELECT 'a'" + rep("||'a'", 100_000),
		"100,000 ::int":             "SELECT 1" + rep("::int", 100_000),
		"+ chained through CASEs":   "SELECT 1" + rep(" + CASE WHEN true AND false THEN 1 END", 30_000),
		"+ chained through parens":  "SELECT 1" + rep("+(1,2)", 30_000),
		"IS NULL through BETWEENs":  "SELECT 1" + rep(" BETWEEN 0 AND 1 IS NULL", 30_000),
		"50,000 UNIONs":             "SELECT 1" + rep(" UNION SELECT 1", 50_000),
		"30,000 JOINs":              "SELECT 1 FROM t" + rep(" JOIN t ON true", 30_000),
		"30,000 IS NULL":            "SELECT 1" + rep(" IS NULL", 30_000),
		"30,000 AT TIME ZONE":       "SELECT now()" + rep(" AT TIME ZONE 'UTC'", 30_000),
		"30,000 COLLATE":            "SELECT 'a'" + rep(` COLLATE "C"`, 30_000),
		"+- split by the lexer":     "SELECT 1" + rep("+-x", 30_000),
		"10,000 parentheses":        "SELECT " + rep("(", 10_000) + "1" + rep(")", 10_000),
		"after a comment":           "SELECT 1 -- +\n" + rep("+1", 5_000),
		"after an E string":         `SELECT E'\'' ` + rep("+1", 5_000),
		"after a dollar-quoted one": "SELECT $a$ ' $a$ " + rep("+1", 5_000),
		"after a quoted identifier": `SELECT "a""" ` + rep("+1", 5_000),
	}
	for name, q := range deep {
		err := CheckDepth(q, DefaultMaxExpressionDepth)
		if pgerror.Code(err) != pgerror.StatementTooComplex {
			t.Errorf("%s: checkDepth = %v, want 54001", name, err)
		}
	}
	shallow := map[string]string{
		"1,000 +":                   "SELECT 1" + rep("+1", 1_000),
		"100,000-element IN list":   "SELECT 1 WHERE 1 IN (0" + rep(",1", 100_000) + ")",
		"20,000 VALUES rows":        "INSERT INTO t VALUES (1+1, 'x')" + rep(", (1+1, 'x'::text)", 20_000),
		"1 MB string of operators":  "SELECT '" + rep("+-*/", 250_000) + "'",
		"operators in a comment":    "SELECT 1 /* " + rep("+", 100_000) + " /* nested */ */",
		"operators in $$":           "SELECT $$" + rep("||", 100_000) + "$$",
		"10,000 ORed equalities":    "SELECT 1 FROM t WHERE a = 1" + rep(" OR a = 1", 10_000),
		"10,000 ANDed comparisons":  "SELECT 1 FROM t WHERE a < 1" + rep(" AND a + 1 > 1", 10_000),
		"5,000 BETWEENs":            "SELECT 1 FROM t WHERE a BETWEEN 1 AND 2" + rep(" AND a BETWEEN 1 AND 2", 5_000),
		"1,000 CASE branches":       "SELECT CASE" + rep(" WHEN a = 1 THEN 1", 1_000) + " END FROM t",
		"5,000 parameters":          "SELECT 1 WHERE a IN ($1" + rep(", $1", 5_000) + ")",
		"long ARRAY of expressions": "SELECT ARRAY[1+1" + rep(", 1+1", 20_000) + "]",
	}
	for name, q := range shallow {
		if err := CheckDepth(q, DefaultMaxExpressionDepth); err != nil {
			t.Errorf("%s: checkDepth = %v, want nil (depth %d)", name, err, ExprDepth(q))
		}
	}
}

// treeDepth is the nesting depth of a parse tree, in messages.
func treeDepth(m protoreflect.Message) int {
	d := 0
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := range l.Len() {
				d = max(d, treeDepth(l.Get(i).Message()))
			}
		case fd.IsMap():
		case fd.Message() != nil:
			d = max(d, treeDepth(v.Message()))
		}
		return true
	})
	return d + 1
}

// exprDepth never underestimates: on random statements built from the
// constructs that nest, the parse tree is at most about two messages per
// counted level (a Node and what it wraps), plus a constant (the statement, target list and leaves: about 20).
func TestExprDepthBoundsTheParseTree(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	atoms := []string{"1", "a", "'s'", "$1", "t.c", "f(a)", "E'\\''", "$q$+$q$", `"x"`}
	var expr func(depth int) string
	expr = func(depth int) string {
		if depth > 3 || rng.Intn(3) == 0 {
			return atoms[rng.Intn(len(atoms))]
		}
		n := 1 + rng.Intn(6)
		var b strings.Builder
		b.WriteString(expr(depth + 1))
		for range n {
			switch rng.Intn(14) {
			case 0:
				b.WriteString(" + " + expr(depth+1))
			case 1:
				b.WriteString(" || " + expr(depth+1))
			case 2:
				b.WriteString("::int")
			case 3:
				b.WriteString(" IS NULL")
			case 4:
				b.WriteString(" AND " + expr(depth+1))
			case 5:
				b.WriteString(" OR " + expr(depth+1))
			case 6:
				b.WriteString(" + (" + expr(depth+1) + ")")
			case 7:
				b.WriteString(" * CASE WHEN " + expr(depth+1) + " THEN " + expr(depth+1) + " END")
			case 8:
				b.WriteString(" - -" + expr(depth+1))
			case 9:
				b.WriteString(" BETWEEN " + expr(depth+1) + " AND " + expr(depth+1))
			case 10:
				b.WriteString(" = ANY(ARRAY[" + expr(depth+1) + ", " + expr(depth+1) + "])")
			case 11:
				b.WriteString(` COLLATE "C"`)
			case 12:
				b.WriteString(" < f(" + expr(depth+1) + ", " + expr(depth+1) + ")")
			case 13:
				b.WriteString(" +-" + expr(depth+1))
			}
		}
		return b.String()
	}
	checked := 0
	for range 10000 {
		q := "SELECT " + expr(0) + ", " + expr(0)
		if rng.Intn(3) == 0 {
			q += " FROM t JOIN u ON " + expr(0) + " UNION SELECT " + expr(0)
		}
		res, err := pg_query.Parse(q)
		if err != nil {
			continue // random text need not be valid SQL
		}
		checked++
		got, est := treeDepth(res.ProtoReflect()), ExprDepth(q)
		if got > 2*est+20 {
			t.Fatalf("exprDepth(%q) = %d, but the parse tree is %d deep", q, est, got)
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d random statements parsed", checked)
	}
}
