package plan

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
)

// scope is the name environment an expression is compiled in: the columns
// of the current row, and the enclosing query's scope for correlated refs.
type Scope struct {
	cols   []exec.Column
	parent *Scope
	// agg, when set, maps expressions of an aggregating query to the slots
	// of the aggregate node's output (see plan_agg.go).
	agg *aggMap
	// using lists columns merged by JOIN ... USING: an unqualified name
	// resolves to the first occurrence without ambiguity.
	using map[string]bool
}

// lookup resolves a (possibly qualified) column name in this scope only.
func (sc *Scope) lookup(table, name string) (int, error) {
	found := -1
	for i, c := range sc.cols {
		if c.Name != name || (table != "" && c.Table != table) {
			continue
		}
		if found >= 0 {
			if table == "" && sc.using[name] {
				continue
			}
			if table == "" {
				return -1, pgerror.New(pgerror.AmbiguousColumn, "column reference \"%s\" is ambiguous", name)
			}
			return -1, pgerror.New(pgerror.AmbiguousColumn, "column reference \"%s.%s\" is ambiguous", table, name)
		}
		found = i
	}
	return found, nil
}

func (sc *Scope) hasTable(table string) bool {
	for _, c := range sc.cols {
		if c.Table == table {
			return true
		}
	}
	return false
}

// NodeStrings returns the string elements of a list of String nodes
// (qualified names, column refs); A_Star becomes "*".
func NodeStrings(nodes []*pg_query.Node) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		switch {
		case n.GetString_() != nil:
			out = append(out, n.GetString_().Sval)
		case n.GetAStar() != nil:
			out = append(out, "*")
		default:
			out = append(out, "")
		}
	}
	return out
}

// LastName returns the unqualified name of a qualified name, dropping a
// pg_catalog. prefix.
func LastName(nodes []*pg_query.Node) string {
	s := NodeStrings(nodes)
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

func qualifiedName(nodes []*pg_query.Node) string {
	return strings.Join(NodeStrings(nodes), ".")
}
