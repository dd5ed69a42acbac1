package plan

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// MERGE INTO t USING src ON cond WHEN [NOT] MATCHED [AND c] THEN …, as in
// PostgreSQL 15 (not to be confused with merge.go's merge writes).
//
// The plan is one join, src LEFT JOIN t ON cond (an inner join when no
// WHEN NOT MATCHED clause exists), whose target side carries its
// exec.RowRef like an UPDATE's scan. Execution reads every joined row
// first (the statement's snapshot), then takes each row's first WHEN
// clause whose kind (matched: the RowRef is set) and condition hold and
// runs its action through the table's TableWriter: the same constraint,
// index, foreign-key and changefeed paths as INSERT, UPDATE and DELETE,
// and the same read set for serializable validation (the join's scan of
// t records what it read, including the absence a NOT MATCHED insert
// relied on).

// mergeAction is one compiled WHEN clause.
type mergeAction struct {
	matched bool
	cond    exec.Expr // nil: always
	verb    string    // "update", "delete", "insert", "nothing"
	sets    []exec.SetItem
	// insert: the target columns given and their values (a nil value is
	// DEFAULT); columns not given take their defaults
	insCols []int
	insVals []exec.Expr
}

// mergeInto is a planned MERGE; DML.mergeInto holds it.
type mergeInto struct {
	actions []mergeAction
	tOff    int // first target column in the joined row; the RowRef follows its columns
	// updateRLS and deleteRLS are row level security's checks of a
	// target row an UPDATE or DELETE action is to change (rowsecurity.go)
	updateRLS, deleteRLS []exec.RLSCheck
}

func (p *Planner) planMergeInto(ms *pg_query.MergeStmt) (*DML, error) {
	if len(ms.ReturningList) > 0 {
		return nil, pgerror.New(pgerror.SyntaxError, "syntax error at or near \"RETURNING\"")
	}
	if ms.WithClause != nil {
		if err := p.planWith(ms.WithClause, nil); err != nil {
			return nil, err
		}
	}
	// Privileges as PostgreSQL checks them: each action kind present, and
	// SELECT on the target (the join condition reads it).
	seen := map[pg_query.CmdType]bool{}
	hasNotMatched := false
	for _, n := range ms.MergeWhenClauses {
		w := n.GetMergeWhenClause()
		if w.MatchKind == pg_query.MergeMatchKind_MERGE_WHEN_NOT_MATCHED_BY_SOURCE {
			return nil, pgerror.New(pgerror.SyntaxError, "syntax error at or near \"BY\"") // PostgreSQL 17
		}
		if w.MatchKind == pg_query.MergeMatchKind_MERGE_WHEN_NOT_MATCHED_BY_TARGET {
			hasNotMatched = true
		}
		seen[w.CommandType] = true
	}
	if rs := ms.SourceRelation.GetRangeSubselect(); rs != nil && rs.Alias == nil {
		return nil, pgerror.New(pgerror.SyntaxError, "subquery in FROM must have an alias")
	}
	if key, err := p.RelKey(ms.Relation.Schemaname, ms.Relation.Relname); err == nil && p.Cat.Views[key] != nil {
		rv := ms.Relation
		return nil, &pgerror.Error{Code: pgerror.FeatureNotSupported, Message: "cannot execute MERGE on relation \"" + rv.Relname + "\"",
			Detail: "This operation is not supported for views."}
	}
	t, err := p.TargetTable(ms.Relation, 'r')
	if err != nil {
		return nil, err
	}
	if t.Partitioned() {
		return nil, pgerror.Unsupported("MERGE into a partitioned table")
	}
	for _, c := range []struct {
		cmd  pg_query.CmdType
		priv byte
	}{{pg_query.CmdType_CMD_INSERT, 'a'}, {pg_query.CmdType_CMD_UPDATE, 'w'}, {pg_query.CmdType_CMD_DELETE, 'd'}} {
		if seen[c.cmd] {
			if err := p.Host.CheckTablePriv(p.Cat, t, c.priv); err != nil {
				return nil, err
			}
		}
	}
	if seen[pg_query.CmdType_CMD_UPDATE] || seen[pg_query.CmdType_CMD_DELETE] {
		if err := checkReplicaIdentity(p.Cat, t, seen[pg_query.CmdType_CMD_UPDATE]); err != nil {
			return nil, err
		}
	}
	d := &DML{Verb: "merge", t: t}
	if d.w, err = p.NewTableWriter(t); err != nil {
		return nil, err
	}
	mi := &mergeInto{tOff: -1}
	if err := p.mergeSecurity(d.w, mi, t); err != nil { // rowsecurity.go
		return nil, err
	}
	tname := t.Name
	if ms.Relation.Alias != nil {
		tname = ms.Relation.Alias.Aliasname
	}
	if a := sourceAlias(ms.SourceRelation); a == tname {
		return nil, pgerror.New("42712", "name \"%s\" specified more than once", a)
	}
	jt := pg_query.JoinType_JOIN_INNER
	if hasNotMatched {
		jt = pg_query.JoinType_JOIN_LEFT
	}
	join := &pg_query.Node{Node: &pg_query.Node_JoinExpr{JoinExpr: &pg_query.JoinExpr{
		Jointype: jt, Larg: ms.SourceRelation,
		Rarg:  &pg_query.Node{Node: &pg_query.Node_RangeVar{RangeVar: ms.Relation}},
		Quals: ms.JoinCondition}}}
	p.dmlTarget, p.dmlCmd = ms.Relation, catalog.PolicySelect // the target's rows are read under SELECT's policies
	src, sc, err := p.planFrom([]*pg_query.Node{join}, nil, nil)
	p.dmlTarget, p.dmlCmd = nil, 0
	if err != nil {
		return nil, err
	}
	d.Src = src
	for i, c := range sc.cols {
		if c.Hidden && c.Name == "?ref?" {
			mi.tOff = i - len(t.Columns)
		}
	}
	if mi.tOff < 0 {
		return nil, fmt.Errorf("MERGE: the target's row reference is missing from the join")
	}
	d.refIdx = mi.tOff + len(t.Columns)
	// NOT MATCHED clauses see only the source: the target's columns are
	// NULL there and may not be named (42P01, as PostgreSQL).
	srcOnly := &Scope{cols: append([]exec.Column(nil), sc.cols...), using: sc.using}
	for i := mi.tOff; i <= d.refIdx; i++ {
		srcOnly.cols[i].Name, srcOnly.cols[i].Table = "", ""
	}
	unconditional := map[bool]bool{}
	for _, n := range ms.MergeWhenClauses {
		w := n.GetMergeWhenClause()
		a := mergeAction{matched: w.MatchKind == pg_query.MergeMatchKind_MERGE_WHEN_MATCHED}
		if unconditional[a.matched] {
			return nil, pgerror.New(pgerror.SyntaxError, "unreachable WHEN clause specified after unconditional WHEN clause")
		}
		if w.Condition == nil {
			unconditional[a.matched] = true
		}
		asc := sc
		if !a.matched {
			asc = srcOnly
		}
		if w.Condition != nil {
			if a.cond, err = p.CompilePredicate(w.Condition, asc, "WHEN"); err != nil {
				return nil, err
			}
		}
		switch w.CommandType {
		case pg_query.CmdType_CMD_UPDATE:
			a.verb = "update"
			if a.sets, err = p.compileSets(t, w.TargetList, sc, mi.tOff); err != nil {
				return nil, err
			}
			for i := range a.sets {
				a.sets[i].Col += mi.tOff // the value lands in the joined row's target slice
			}
		case pg_query.CmdType_CMD_DELETE:
			a.verb = "delete"
		case pg_query.CmdType_CMD_INSERT:
			a.verb = "insert"
			if err := p.planMergeInsert(&a, t, w, srcOnly); err != nil {
				return nil, err
			}
		default:
			a.verb = "nothing"
		}
		mi.actions = append(mi.actions, a)
	}
	d.mergeInto = mi
	return d, nil
}

// sourceAlias is the name a MERGE source is known by ("" for none).
func sourceAlias(n *pg_query.Node) string {
	switch {
	case n.GetRangeVar() != nil:
		if a := n.GetRangeVar().Alias; a != nil {
			return a.Aliasname
		}
		return n.GetRangeVar().Relname
	case n.GetRangeSubselect() != nil && n.GetRangeSubselect().Alias != nil:
		return n.GetRangeSubselect().Alias.Aliasname
	}
	return ""
}

func (p *Planner) planMergeInsert(a *mergeAction, t *catalog.Table, w *pg_query.MergeWhenClause, sc *Scope) error {
	if w.Override != pg_query.OverridingKind_OVERRIDING_NOT_SET {
		return pgerror.Unsupported("MERGE … INSERT OVERRIDING")
	}
	seen := map[int]bool{}
	for _, c := range w.TargetList {
		i, err := targetColumn(t, c.GetResTarget(), seen, "INSERT")
		if err != nil {
			return err
		}
		a.insCols = append(a.insCols, i)
	}
	if len(w.TargetList) == 0 && len(w.Values) > 0 {
		a.insCols = exec.Seq(len(t.Columns))
	}
	if len(w.Values) > len(a.insCols) {
		return pgerror.New(pgerror.SyntaxError, "INSERT has more expressions than target columns")
	}
	if len(w.Values) < len(a.insCols) {
		if len(w.TargetList) > 0 {
			return pgerror.New(pgerror.SyntaxError, "INSERT has more target columns than expressions")
		}
		a.insCols = a.insCols[:len(w.Values)]
	}
	for k, v := range w.Values {
		c := t.Columns[a.insCols[k]]
		if v.GetSetToDefault() != nil {
			a.insVals = append(a.insVals, nil)
			continue
		}
		if c.Generated != "" {
			return &pgerror.Error{Code: "428C9", Message: "cannot insert a non-DEFAULT value into column \"" + c.Name + "\"",
				Detail: "Column \"" + c.Name + "\" is a generated column."}
		}
		e, err := p.CompileExpr(v, sc)
		if err != nil {
			return err
		}
		ce, err := p.Coerce(e, c.Type, types.CastAssignment)
		if err != nil {
			if e.Type().OID == types.UnknownOID {
				return err
			}
			return pgerror.New(pgerror.DatatypeMismatch, "column \"%s\" is of type %s but expression is of type %s", c.Name, types.FormatType(c.Type), types.FormatType(e.Type()))
		}
		a.insVals = append(a.insVals, ce)
	}
	return nil
}

// execMergeInto runs a planned MERGE: it returns the command tag.
func (d *DML) execMergeInto(ec *exec.Ctx) (string, error) {
	mi := d.mergeInto
	rows, err := exec.RunNode(ec, d.Src)
	if err == nil {
		err = ec.RunBeforeWrite()
	}
	if err != nil {
		return "", err
	}
	ncols := len(d.t.Columns)
	changed := map[string]bool{} // target rows updated or deleted
	var n int64
	for _, row := range rows {
		ref, matched := row[d.refIdx].(exec.RowRef)
		if matched && ec.ChangedByStatement(d.t.Space, ref.Key) {
			continue
		}
		for i := range mi.actions {
			a := &mi.actions[i]
			if a.matched != matched {
				continue
			}
			if a.cond != nil {
				v, err := a.cond.Eval(ec, row)
				if err != nil {
					return "", err
				}
				if b, _ := v.(bool); !b {
					continue
				}
			}
			if (a.verb == "update" || a.verb == "delete") && changed[string(ref.Key)] {
				return "", &pgerror.Error{Code: pgerror.CardinalityViolation,
					Message: "MERGE command cannot affect row a second time",
					Hint:    "Ensure that not more than one source row matches any one target row."}
			}
			old := row[mi.tOff : mi.tOff+ncols]
			switch a.verb {
			case "update", "delete":
				checks := mi.updateRLS
				if a.verb == "delete" {
					checks = mi.deleteRLS
				}
				if err := exec.CheckRowSecurity(ec, d.t.Name, checks, old); err != nil {
					return "", err
				}
			}
			switch a.verb {
			case "update":
				comb := append([]types.Datum(nil), row...)
				for _, s := range a.sets {
					v, err := s.E.Eval(ec, row)
					if err != nil {
						return "", err
					}
					comb[s.Col] = v
				}
				if _, err := d.w.Update(ec, ref, old, comb[mi.tOff:mi.tOff+ncols]); err != nil {
					return "", err
				}
				changed[string(ref.Key)] = true
				n++
			case "delete":
				if err := d.w.Delete(ec, ref, old); err != nil {
					return "", err
				}
				changed[string(ref.Key)] = true
				n++
			case "insert":
				if err := d.mergeInsert(ec, a, row); err != nil {
					return "", err
				}
				n++
			}
			break // the first WHEN clause that applies is the only one
		}
	}
	return fmt.Sprintf("MERGE %d", n), nil
}

func (d *DML) mergeInsert(ec *exec.Ctx, a *mergeAction, row []types.Datum) error {
	ncols := len(d.t.Columns)
	nr := make([]types.Datum, ncols)
	given := make([]bool, ncols)
	for k, c := range a.insCols {
		if a.insVals[k] == nil {
			continue
		}
		v, err := a.insVals[k].Eval(ec, row)
		if err != nil {
			return err
		}
		nr[c], given[c] = v, true
	}
	for c := range nr {
		if given[c] {
			continue
		}
		v, err := d.w.DefaultValue(ec, c)
		if err != nil {
			return err
		}
		nr[c] = v
	}
	_, _, err := d.w.Insert(ec, nr, nil)
	return err
}
