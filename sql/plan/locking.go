package plan

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
)

// Locking clauses: SELECT … FOR UPDATE | FOR NO KEY UPDATE | FOR SHARE |
// FOR KEY SHARE [OF t, …] [NOWAIT | SKIP LOCKED]. The clause names the
// tables of the select's FROM whose rows it locks (all of them without
// OF); their scans carry each row's exec.RowRef, and an
// exec.LockRowsNode between the sort and the LIMIT locks the rows the
// select returns (exec/lockrows.go).

// lockRel is one relation of FROM a locking clause locks.
type lockRel struct {
	rv       *pg_query.RangeVar
	strength exec.LockStrength
	wait     exec.LockWait
	table    *catalog.Table // set when FROM resolves rv to a table
	parts    *exec.PartSet  // table\'s partitions, when it is partitioned
	refName  string         // the name its columns are qualified by
}

// locking is a select's resolved locking clause.
type locking struct {
	rels []*lockRel
}

func (l *locking) of(rv *pg_query.RangeVar) *lockRel {
	if l == nil {
		return nil
	}
	for _, r := range l.rels {
		if r.rv == rv {
			return r
		}
	}
	return nil
}

func strengthOf(s pg_query.LockClauseStrength) (exec.LockStrength, string) {
	switch s {
	case pg_query.LockClauseStrength_LCS_FORKEYSHARE:
		return exec.LockKeyShare, "FOR KEY SHARE"
	case pg_query.LockClauseStrength_LCS_FORSHARE:
		return exec.LockShare, "FOR SHARE"
	case pg_query.LockClauseStrength_LCS_FORNOKEYUPDATE:
		return exec.LockNoKeyUpdate, "FOR NO KEY UPDATE"
	}
	return exec.LockUpdate, "FOR UPDATE"
}

func waitOf(w pg_query.LockWaitPolicy) exec.LockWait {
	switch w {
	case pg_query.LockWaitPolicy_LockWaitSkip:
		return exec.LockSkip
	case pg_query.LockWaitPolicy_LockWaitError:
		return exec.LockNoWait
	}
	return exec.LockBlock
}

// checkLocking fails, as PostgreSQL's CheckSelectLocking does, for a
// select whose rows are not rows of tables.
func checkLocking(sel *pg_query.SelectStmt) error {
	lc := sel.LockingClause[0].GetLockingClause()
	_, name := strengthOf(lc.Strength)
	notAllowed := func(what string) error {
		return pgerror.New(pgerror.FeatureNotSupported, "%s is not allowed with %s", name, what)
	}
	switch {
	case sel.Op != pg_query.SetOperation_SETOP_NONE:
		return notAllowed("UNION/INTERSECT/EXCEPT")
	case len(sel.ValuesLists) > 0:
		return pgerror.New(pgerror.FeatureNotSupported, "%s cannot be applied to VALUES", name)
	case len(sel.DistinctClause) > 0:
		return notAllowed("DISTINCT clause")
	case len(sel.GroupClause) > 0:
		return notAllowed("GROUP BY clause")
	case sel.HavingClause != nil:
		return notAllowed("HAVING clause")
	}
	var aggs []*pg_query.Node
	for _, t := range sel.TargetList {
		aggs = collectAggregates(t.GetResTarget().Val, aggs)
	}
	for _, s := range sel.SortClause {
		aggs = collectAggregates(s.GetSortBy().Node, aggs)
	}
	if len(aggs) > 0 {
		return notAllowed("aggregate functions")
	}
	var wins []*pg_query.Node
	for _, t := range sel.TargetList {
		wins = collectWindows(t.GetResTarget().Val, wins)
	}
	if len(wins) > 0 || len(sel.WindowClause) > 0 {
		return notAllowed("window functions")
	}
	return nil
}

// resolveLocking finds the relations of sel's FROM its locking clauses
// lock.
func (p *Planner) resolveLocking(sel *pg_query.SelectStmt) (*locking, error) {
	if err := checkLocking(sel); err != nil {
		return nil, err
	}
	type fromRel struct {
		rv       *pg_query.RangeVar
		nullable bool
	}
	var rels []fromRel
	var other []string // names of FROM items that are no relation
	var walk func(n *pg_query.Node, nullable bool)
	walk = func(n *pg_query.Node, nullable bool) {
		switch {
		case n.GetRangeVar() != nil:
			rels = append(rels, fromRel{rv: n.GetRangeVar(), nullable: nullable})
		case n.GetJoinExpr() != nil:
			j := n.GetJoinExpr()
			jt := j.Jointype
			walk(j.Larg, nullable || jt == pg_query.JoinType_JOIN_RIGHT || jt == pg_query.JoinType_JOIN_FULL)
			walk(j.Rarg, nullable || jt == pg_query.JoinType_JOIN_LEFT || jt == pg_query.JoinType_JOIN_FULL)
		case n.GetRangeSubselect() != nil:
			if a := n.GetRangeSubselect().Alias; a != nil {
				other = append(other, a.Aliasname)
			}
		case n.GetRangeFunction() != nil:
			if a := n.GetRangeFunction().Alias; a != nil {
				other = append(other, a.Aliasname)
			}
		}
	}
	for _, f := range sel.FromClause {
		walk(f, false)
	}
	refName := func(rv *pg_query.RangeVar) string {
		if rv.Alias != nil {
			return rv.Alias.Aliasname
		}
		return rv.Relname
	}
	l := &locking{}
	add := func(r fromRel, strength exec.LockStrength, wait exec.LockWait, name string) error {
		if r.nullable {
			return pgerror.New(pgerror.FeatureNotSupported, "%s cannot be applied to the nullable side of an outer join", name)
		}
		if x := l.of(r.rv); x != nil {
			x.strength = max(x.strength, strength)
			x.wait = max(x.wait, wait)
			return nil
		}
		l.rels = append(l.rels, &lockRel{rv: r.rv, strength: strength, wait: wait, refName: refName(r.rv)})
		return nil
	}
	for _, n := range sel.LockingClause {
		lc := n.GetLockingClause()
		strength, name := strengthOf(lc.Strength)
		wait := waitOf(lc.WaitPolicy)
		if len(lc.LockedRels) == 0 {
			if len(other) > 0 {
				return nil, pgerror.Unsupported(name + " of a subquery or function in FROM")
			}
			for _, r := range rels {
				if err := add(r, strength, wait, name); err != nil {
					return nil, err
				}
			}
			continue
		}
		for _, lr := range lc.LockedRels {
			rv := lr.GetRangeVar()
			if rv == nil {
				continue
			}
			if rv.Schemaname != "" {
				return nil, pgerror.New(pgerror.SyntaxError, "%s must specify unqualified relation names", name)
			}
			found := false
			for _, r := range rels {
				if refName(r.rv) == rv.Relname {
					if err := add(r, strength, wait, name); err != nil {
						return nil, err
					}
					found = true
				}
			}
			if !found {
				for _, o := range other {
					if o == rv.Relname {
						return nil, pgerror.Unsupported(name + " of a subquery or function in FROM")
					}
				}
				return nil, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" in %s clause not found in FROM clause", rv.Relname, name)
			}
		}
	}
	return l, nil
}

// checkLocked fails for a locked relation FROM did not resolve to a table.
func (p *Planner) checkLocked(l *locking, sel *pg_query.SelectStmt) error {
	_, name := strengthOf(sel.LockingClause[0].GetLockingClause().Strength)
	for _, r := range l.rels {
		if r.table != nil {
			continue
		}
		if r.rv.Schemaname == "" && p.lookupCTE(r.rv.Relname) != nil {
			return pgerror.Unsupported(name + " of a WITH query")
		}
		return pgerror.Unsupported(name + " of a view or system catalog")
	}
	return nil
}

// lockTargets finds each locked table's RowRef column among the source's
// columns.
func lockTargets(l *locking, cols []exec.Column) ([]exec.RowLockTarget, error) {
	var out []exec.RowLockTarget
	for _, r := range l.rels {
		idx := -1
		for i, c := range cols {
			if c.Hidden && c.Name == refColumn && strings.EqualFold(c.Table, r.refName) {
				idx = i
			}
		}
		if idx < 0 {
			return nil, pgerror.New(pgerror.Internal, "BUG: no row reference for %s", r.refName)
		}
		tgt := exec.RowLockTarget{Table: r.table, RefIdx: idx, Strength: r.strength, Wait: r.wait}
		if r.parts != nil {
			for _, l := range r.parts.Leaves {
				tgt.Leaves = append(tgt.Leaves, l.T)
			}
		}
		out = append(out, tgt)
	}
	return out, nil
}

// refColumn names the hidden column a scan's exec.RowRef is in.
const refColumn = "?ref?"
