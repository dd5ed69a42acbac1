package plan

import (
	"slices"
	"sort"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
)

// inferArbiters finds the unique indexes ON CONFLICT (elements) [WHERE
// pred] names, as PostgreSQL's infer_arbiter_indexes does: the same set
// of columns and expressions, and for a partial index a WHERE that
// implies its predicate (here: holds each of its AND-ed terms).
func (p *Planner) inferArbiters(t *catalog.Table, inf *pg_query.InferClause) ([]string, error) {
	var want []string
	var ids []uint32
	plain := true
	for _, e := range inf.IndexElems {
		ie := e.GetIndexElem()
		if ie.Expr != nil {
			if _, err := p.CompileIndexExpr(t, ie.Expr); err != nil {
				return nil, err
			}
			text, err := p.IndexExprText(t, ie.Expr)
			if err != nil {
				return nil, err
			}
			want = append(want, "e:"+text)
			plain = false
			continue
		}
		i, c := t.Column(ie.Name)
		if i < 0 {
			return nil, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" does not exist", ie.Name)
		}
		ids = append(ids, c.ID)
		want = append(want, "c:"+exec.Itoa(int(c.ID)))
	}
	sort.Strings(want)
	var have map[string]bool
	if inf.WhereClause != nil {
		if _, err := p.CompileIndexPred(t, inf.WhereClause); err != nil {
			return nil, err
		}
		have = map[string]bool{}
		for _, c := range conjuncts(inf.WhereClause) {
			have[deparseOr(c)] = true
		}
	}
	var out []string
	if plain && sameIDs(ids, t.PK) {
		out = append(out, t.PKName)
	}
	for _, ix := range t.Indexes {
		if !ix.Unique || !sameStrings(want, indexElemKeys(ix)) {
			continue
		}
		if ix.Pred != "" && !p.implies(have, ix.Pred) {
			continue
		}
		if ix.Deferrable {
			return nil, errDeferrableArbiter
		}
		out = append(out, ix.Name)
	}
	return out, nil
}

var errDeferrableArbiter = pgerror.New(pgerror.ObjectNotInPrerequisiteState, "ON CONFLICT does not support deferrable unique constraints/exclusion constraints as arbiters")

// indexElemKeys are an index's key elements, sorted, in inferArbiters' form.
func indexElemKeys(ix *catalog.Index) []string {
	out := make([]string, len(ix.Columns))
	for i, id := range ix.Columns {
		if e := ix.Expr(i); e != "" {
			out[i] = "e:" + e
		} else {
			out[i] = "c:" + exec.Itoa(int(id))
		}
	}
	sort.Strings(out)
	return out
}

// implies reports whether a WHERE clause whose AND-ed terms (deparsed)
// are have implies the stored predicate pred: each of pred's terms is
// one of them.
func (p *Planner) implies(have map[string]bool, pred string) bool {
	if have == nil {
		return false
	}
	n, err := p.Host.ParseExpr(pred)
	if err != nil {
		return false
	}
	for _, c := range conjuncts(n) {
		if !have[deparseOr(c)] {
			return false
		}
	}
	return true
}

// conjuncts splits an expression at its top-level ANDs.
func conjuncts(n *pg_query.Node) []*pg_query.Node {
	if b := n.GetBoolExpr(); b != nil && b.Boolop == pg_query.BoolExprType_AND_EXPR {
		var out []*pg_query.Node
		for _, a := range b.Args {
			out = append(out, conjuncts(a)...)
		}
		return out
	}
	return []*pg_query.Node{n}
}

func sameStrings(a, b []string) bool { return slices.Equal(a, b) }
