package plan

import (
	"bytes"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// DML is a planned INSERT, UPDATE or DELETE.
type DML struct {
	Verb string // "insert", "update", "delete"
	t    *catalog.Table
	w    *exec.TableWriter

	// INSERT: src yields rows of the target columns
	Src        exec.Node
	targetCols []int
	onConflict *exec.OnConflictPlan
	// xmax, when RETURNING may name the xmax system column, gives the
	// transaction's id for the rows ON CONFLICT DO UPDATE updated (0 for
	// the rows inserted), as PostgreSQL's xmax reads there: a hidden
	// column after the table's (insertReturningScope).
	xmax exec.Expr

	// UPDATE / DELETE: src is the scan (joined with FROM / USING); the
	// target table's columns come first, then its exec.RowRef.
	sets   []exec.SetItem
	refIdx int

	Returning []exec.Expr // over the new row (old for DELETE), then FROM columns
	Cols      []exec.Column

	merge *mergePlan // UPDATE run as merge writes (merge.go), nil if not eligible

	mergeInto *mergeInto // MERGE INTO (merge_into.go)

	// parts, when t is partitioned, writes its leaves (partition_dml.go)
	parts *PartInserter
}

// TempOnly reports whether the statement writes only temporary tables
// (its target is one and no table elsewhere references it), which a
// READ ONLY transaction may do, as in PostgreSQL.
func (d *DML) TempOnly(cat *catalog.Catalog) bool {
	if !catalog.IsTempSchema(d.t.Schema) {
		return false
	}
	for _, r := range cat.ReferencedBy(d.t.OID) {
		if !catalog.IsTempSchema(r.Table.Schema) {
			return false
		}
	}
	return true
}

func (d *DML) Describe() string {
	if d.merge != nil {
		return "Merge Update on " + d.t.Name
	}
	return strings.Title(d.Verb) + " on " + d.t.Name
}

func (p *Planner) PlanDML(n *pg_query.Node) (*DML, error) {
	switch {
	case n.GetInsertStmt() != nil:
		p.TopWith = n.GetInsertStmt().WithClause
	case n.GetUpdateStmt() != nil:
		p.TopWith = n.GetUpdateStmt().WithClause
	case n.GetDeleteStmt() != nil:
		p.TopWith = n.GetDeleteStmt().WithClause
	case n.GetMergeStmt() != nil:
		p.TopWith = n.GetMergeStmt().WithClause
	}
	switch {
	case n.GetInsertStmt() != nil:
		return p.planInsert(n.GetInsertStmt())
	case n.GetUpdateStmt() != nil:
		return p.planUpdate(n.GetUpdateStmt())
	case n.GetMergeStmt() != nil:
		return p.planMergeInto(n.GetMergeStmt())
	default:
		return p.planDelete(n.GetDeleteStmt())
	}
}

// targetTable resolves a DML or COPY FROM target, which the current role
// must hold priv on (a INSERT, w UPDATE, d DELETE).
func (p *Planner) TargetTable(rv *pg_query.RangeVar, priv byte) (*catalog.Table, error) {
	key, err := p.RelKey(rv.Schemaname, rv.Relname)
	if err != nil {
		return nil, err
	}
	if t, ok := p.Cat.Tables[key]; ok {
		if err := p.Host.CheckTablePriv(p.Cat, t, priv); err != nil {
			return nil, err
		}
		p.useTable(t)
		return t, nil
	}
	if exec.PgCatalogName(rv.Schemaname, rv.Relname) {
		return nil, pgerror.New(pgerror.InsufficientPrivilege, "permission denied: \"%s\" is a system catalog", rv.Relname)
	}
	return nil, UndefinedTable(rv)
}

func TableScope(t *catalog.Table, alias *pg_query.Alias, parent *Scope) *Scope {
	name := t.Name
	if alias != nil {
		name = alias.Aliasname
	}
	sc := &Scope{parent: parent}
	for i, c := range t.Columns {
		sc.cols = append(sc.cols, exec.Column{Name: c.Name, Table: name, T: c.Type, TableOID: t.OID, AttNum: int16(i + 1)})
	}
	return sc
}

func (p *Planner) planInsert(ins *pg_query.InsertStmt) (*DML, error) {
	if ins.WithClause != nil {
		if err := p.planWith(ins.WithClause, nil); err != nil {
			return nil, err
		}
	}
	t, err := p.TargetTable(ins.Relation, 'a')
	if err != nil {
		return nil, err
	}
	d := &DML{Verb: "insert", t: t}
	if d.w, err = p.NewTableWriter(t); err != nil {
		return nil, err
	}
	upsert := ins.OnConflictClause != nil && ins.OnConflictClause.Action == pg_query.OnConflictAction_ONCONFLICT_UPDATE
	if err := p.setWriterSecurity(d.w, t, "insert", upsert, insertReads(ins)); err != nil { // rowsecurity.go
		return nil, err
	}
	var parts map[int][]exec.AssignStep // target position → its path (INSERT INTO t (a[1]))
	var partT map[int]types.T
	if len(ins.Cols) == 0 {
		d.targetCols = exec.Seq(len(t.Columns))
	} else {
		seen := assignTargets{}
		for k, c := range ins.Cols {
			rt := c.GetResTarget()
			i, err := resolveTarget(t, rt)
			if err != nil {
				return nil, err
			}
			if err := seen.claim(t, i, len(rt.Indirection) > 0, "INSERT"); err != nil {
				return nil, err
			}
			d.targetCols = append(d.targetCols, i)
			if len(rt.Indirection) > 0 {
				path, pt, err := p.assignPath(t.Columns[i], rt.Indirection, &Scope{})
				if err != nil {
					return nil, err
				}
				if parts == nil {
					parts, partT = map[int][]exec.AssignStep{}, map[int]types.T{}
				}
				parts[k], partT[k] = path, pt
			}
		}
	}
	want := make([]types.T, len(d.targetCols))
	for i, c := range d.targetCols {
		want[i] = t.Columns[c].Type
		if pt, ok := partT[i]; ok {
			want[i] = pt
		}
	}
	sel := ins.SelectStmt.GetSelectStmt()
	if err := checkGeneratedTargets(t, d.targetCols, sel); err != nil { // generated.go
		return nil, err
	}
	switch {
	case sel == nil:
		d.targetCols = nil // DEFAULT VALUES
		d.Src = &exec.OneRowNode{}
	case len(sel.ValuesLists) > 0 && sel.Op == pg_query.SetOperation_SETOP_NONE && len(sel.SortClause) == 0 && sel.LimitCount == nil:
		for _, l := range sel.ValuesLists {
			if n := len(l.GetList().GetItems()); n > len(want) {
				return nil, pgerror.New(pgerror.SyntaxError, "INSERT has more expressions than target columns")
			} else if n < len(want) && len(ins.Cols) > 0 {
				return nil, pgerror.New(pgerror.SyntaxError, "INSERT has more target columns than expressions")
			}
		}
		if d.Src, err = p.planValues(sel.ValuesLists, nil, want); err != nil {
			return nil, err
		}
		if w := len(d.Src.Columns()); w < len(d.targetCols) {
			d.targetCols = d.targetCols[:w]
		}
	default:
		p.insertSel, p.insertWant = sel, want // select.go: planProjection
		src, err := p.PlanSelect(sel, nil)
		p.insertSel, p.insertWant = nil, nil
		if err != nil {
			return nil, err
		}
		cols := VisibleCols(src)
		if len(cols) > len(want) {
			return nil, pgerror.New(pgerror.SyntaxError, "INSERT has more expressions than target columns")
		}
		d.targetCols = d.targetCols[:len(cols)]
		exprs := make([]exec.Expr, len(cols))
		conv := false
		for i, c := range cols {
			var e exec.Expr = &exec.ColExpr{Idx: i, T: c.T}
			if c.T.OID == types.UnknownOID {
				e = &exec.CastExpr{E: e, From: exec.TextT, To: want[i], Cc: types.CastAssignment}
				conv = true
			} else if c.T != want[i] {
				if e, err = p.Coerce(e, want[i], types.CastAssignment); err != nil {
					return nil, pgerror.New(pgerror.DatatypeMismatch, "column \"%s\" is of type %s but expression is of type %s", t.Columns[d.targetCols[i]].Name, types.FormatType(want[i]), types.FormatType(c.T))
				}
				conv = true
			}
			exprs[i] = e
		}
		if conv || len(src.Columns()) != len(cols) {
			outCols := make([]exec.Column, len(cols))
			for i := range cols {
				outCols[i] = exec.Column{Name: cols[i].Name, T: want[i]}
			}
			src = &exec.ProjectNode{Src: src, Exprs: exprs, Cols: outCols}
		}
		d.Src = src
	}
	if parts != nil && d.targetCols != nil {
		if err := p.assembleInsertParts(d, parts); err != nil {
			return nil, err
		}
	}
	sc := TableScope(t, ins.Relation.Alias, nil)
	if oc := ins.OnConflictClause; oc != nil {
		if d.onConflict, err = p.planOnConflict(t, oc, sc); err != nil {
			return nil, err
		}
	}
	if t.Partitioned() {
		name := t.Name
		if ins.Relation.Alias != nil {
			name = ins.Relation.Alias.Aliasname
		}
		if d.parts, err = p.NewPartInserter(t, ins.OnConflictClause, name); err != nil {
			return nil, err
		}
		if err := d.parts.inheritSecurity(d.w); err != nil {
			return nil, err
		}
	}
	if len(ins.ReturningList) > 0 {
		if sc, err = p.insertReturningScope(d, sc); err != nil {
			return nil, err
		}
	}
	if err := p.planReturning(d, ins.ReturningList, sc); err != nil {
		return nil, err
	}
	return d, nil
}

// insertReturningScope adds the xmax system column, hidden, to an
// INSERT's RETURNING scope: river (and other upsert users) tell a row
// ON CONFLICT DO UPDATE updated from one inserted by RETURNING (xmax <> 0).
// A table with a column of that name keeps its own.
func (p *Planner) insertReturningScope(d *DML, sc *Scope) (*Scope, error) {
	for _, c := range d.t.Columns {
		if c.Name == "xmax" {
			return sc, nil
		}
	}
	xid, err := p.callFunction("txid_current", nil, nil)
	if err != nil {
		return nil, err
	}
	d.xmax = xid
	out := &Scope{parent: sc.parent, cols: append([]exec.Column(nil), sc.cols...)}
	table := ""
	if len(sc.cols) > 0 {
		table = sc.cols[0].Table
	}
	out.cols = append(out.cols, exec.Column{Name: "xmax", Table: table, T: types.T{OID: types.XidOID, Mod: -1}, TableOID: d.t.OID, AttNum: -5, Hidden: true})
	return out, nil
}

// withXmax appends the xmax hidden column's value to an inserted row.
func (d *DML) withXmax(ec *exec.Ctx, row []types.Datum) ([]types.Datum, error) {
	if d.xmax == nil {
		return row, nil
	}
	var xmax types.Datum = int64(0)
	if d.w.Upserted {
		v, err := d.xmax.Eval(ec, nil)
		if err != nil {
			return nil, err
		}
		if id, ok := v.(int64); ok {
			xmax = int64(uint32(id))
		}
	}
	return append(row[:len(row):len(row)], xmax), nil
}

func (p *Planner) planOnConflict(t *catalog.Table, oc *pg_query.OnConflictClause, sc *Scope) (*exec.OnConflictPlan, error) {
	ocp := &exec.OnConflictPlan{DoNothing: oc.Action == pg_query.OnConflictAction_ONCONFLICT_NOTHING}
	if inf := oc.Infer; inf != nil {
		if inf.Conname != "" {
			if !t.HasConstraint(inf.Conname) {
				return nil, pgerror.New(pgerror.UndefinedObject, "constraint \"%s\" for table \"%s\" does not exist", inf.Conname, t.Name)
			}
			ocp.Arbiters = []string{inf.Conname}
		} else {
			arbiters, err := p.inferArbiters(t, inf)
			if err != nil {
				return nil, err
			}
			ocp.Arbiters = append(ocp.Arbiters, arbiters...)
			if len(ocp.Arbiters) == 0 {
				return nil, pgerror.New(pgerror.InvalidColumnReference, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
			}
		}
	} else if !ocp.DoNothing {
		return nil, pgerror.New(pgerror.SyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name")
	}
	if ocp.DoNothing {
		return ocp, nil
	}
	// existing row ++ excluded row
	both := &Scope{cols: append([]exec.Column(nil), sc.cols...)}
	for _, c := range sc.cols {
		c.Table = "excluded"
		both.cols = append(both.cols, c)
	}
	sets, err := p.compileSets(t, oc.TargetList, both, 0)
	if err != nil {
		return nil, err
	}
	ocp.Sets = sets
	if oc.WhereClause != nil {
		if ocp.Where, err = p.CompilePredicate(oc.WhereClause, both, "WHERE"); err != nil {
			return nil, err
		}
	}
	return ocp, nil
}

func sameIDs(a, b []uint32) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	m := map[uint32]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}

// targetColumn resolves a column named by an INSERT column list or an
// UPDATE SET item (verb says which) and marks it in seen: each may be
// named once, and only whole columns.
func targetColumn(t *catalog.Table, rt *pg_query.ResTarget, seen map[int]bool, verb string) (int, error) {
	if len(rt.Indirection) > 0 {
		if verb == "INSERT" {
			return -1, pgerror.Unsupported("INSERT into a subfield or array element")
		}
		return -1, pgerror.Unsupported("UPDATE of a subfield or array element")
	}
	i, _ := t.Column(rt.Name)
	if i < 0 {
		return -1, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", rt.Name, t.Name)
	}
	if seen[i] {
		if verb == "INSERT" {
			return -1, pgerror.New(pgerror.DuplicateColumn, "column \"%s\" specified more than once", rt.Name)
		}
		return -1, pgerror.New(pgerror.DuplicateColumn, "multiple assignments to same column \"%s\"", rt.Name)
	}
	seen[i] = true
	return i, nil
}

// compileSets compiles UPDATE SET items (including (a, b) = (x, y), and
// assignments to parts of a column: a[1] = x, c.f = y). tOff is where the
// target's columns start in sc's rows.
func (p *Planner) compileSets(t *catalog.Table, list []*pg_query.Node, sc *Scope, tOff int) ([]exec.SetItem, error) {
	var out []exec.SetItem
	seen := assignTargets{}
	subRows := map[*pg_query.SubLink]*exec.SubqueryExpr{}
	for _, item := range list {
		rt := item.GetResTarget()
		i, err := resolveTarget(t, rt)
		if err != nil {
			return nil, err
		}
		if err := seen.claim(t, i, len(rt.Indirection) > 0, "UPDATE"); err != nil {
			return nil, err
		}
		c := t.Columns[i]
		val := rt.Val
		var raw exec.Expr // the value, before its conversion to the target's type
		if sl := val.GetMultiAssignRef().GetSource().GetSubLink(); sl != nil {
			// SET (a, b) = (SELECT x, y …): one sub-query, its fields
			mr := val.GetMultiAssignRef()
			sub, ok := subRows[sl]
			if !ok {
				if sub, err = p.compileSubRow(sl, sc); err != nil {
					return nil, err
				}
				if f, _ := types.RecordFields(sub.T); len(f) != int(mr.Ncolumns) {
					return nil, pgerror.New(pgerror.SyntaxError, "number of columns does not match number of values")
				}
				subRows[sl] = sub
			}
			f, _ := types.RecordFields(sub.T)
			raw = &exec.FieldExpr{E: sub, I: int(mr.Colno - 1), T: f[mr.Colno-1].T}
		} else {
			if mr := val.GetMultiAssignRef(); mr != nil {
				row := mr.Source.GetRowExpr()
				if row == nil {
					return nil, pgerror.Unsupported("this multiple-column UPDATE source")
				}
				if int(mr.Colno) > len(row.Args) || len(row.Args) != int(mr.Ncolumns) {
					return nil, pgerror.New(pgerror.SyntaxError, "number of columns does not match number of values")
				}
				val = row.Args[mr.Colno-1]
			}
			if val.GetSetToDefault() != nil {
				if len(rt.Indirection) > 0 {
					return nil, pgerror.Unsupported("DEFAULT assigned to a part of a column")
				}
				e, err := p.DefaultExpr(t, i)
				if err != nil {
					return nil, err
				}
				out = append(out, exec.SetItem{Col: i, E: e})
				continue
			}
			if c.Generated != "" {
				return nil, &pgerror.Error{Code: "428C9", Message: "column \"" + c.Name + "\" can only be updated to DEFAULT",
					Detail: "Column \"" + c.Name + "\" is a generated column."}
			}
			if raw, err = p.CompileExpr(val, sc); err != nil {
				return nil, err
			}
		}
		if len(rt.Indirection) > 0 {
			path, want, err := p.assignPath(c, rt.Indirection, sc)
			if err != nil {
				return nil, err
			}
			v, err := p.coerceAssigned(raw, c, path, want)
			if err != nil {
				return nil, err
			}
			// a second part of the same column applies to the first's result
			base, prev := exec.Expr(&exec.ColExpr{Idx: tOff + i, T: c.Type}), -1
			for k := range out {
				if out[k].Col == i {
					base, prev = out[k].E, k
				}
			}
			e := &exec.AssignExpr{Base: base, Path: path, Val: v}
			if prev >= 0 {
				out[prev].E = e
			} else {
				out = append(out, exec.SetItem{Col: i, E: e})
			}
			continue
		}
		ce, err := p.Coerce(raw, c.Type, types.CastAssignment)
		if err != nil {
			if raw.Type().OID == types.UnknownOID {
				return nil, err // a literal that does not read as the type (22P02)
			}
			return nil, pgerror.New(pgerror.DatatypeMismatch, "column \"%s\" is of type %s but expression is of type %s", c.Name, types.FormatType(c.Type), types.FormatType(raw.Type()))
		}
		out = append(out, exec.SetItem{Col: i, E: ce})
	}
	return out, nil
}

func (p *Planner) planReturning(d *DML, list []*pg_query.Node, sc *Scope) error {
	if len(list) == 0 {
		return nil
	}
	targets, err := p.compileTargets(list, sc)
	if err != nil {
		return err
	}
	d.Returning = []exec.Expr{}
	for _, tg := range targets {
		e, err := p.ResolveUnknown(tg.e)
		if err != nil {
			return err
		}
		tg.col.T = e.Type()
		d.Returning = append(d.Returning, e)
		d.Cols = append(d.Cols, tg.col)
	}
	return nil
}

// planTargetScan plans the rows an UPDATE / DELETE touches: the target
// table (with its exec.RowRef) joined with from, filtered by where. When
// WHERE equates the target's whole primary key with FROM's columns, FROM
// is read first and the target probed by key for each of its rows (a
// lookup join), so the statement reads, and records for COMMIT's check,
// only the rows it changes: river's fetch, UPDATE jobs … FROM (SELECT …
// FOR UPDATE SKIP LOCKED) locked WHERE jobs.id = locked.id, then does not
// conflict with the other workers'. The columns are put back in the
// usual order (the target's, its RowRef, then FROM's).
func (p *Planner) planTargetScan(t *catalog.Table, rv *pg_query.RangeVar, from []*pg_query.Node, where *pg_query.Node) (exec.Node, *Scope, error) {
	p.dmlTarget = rv
	defer func() { p.dmlTarget = nil }()
	target := &pg_query.Node{Node: &pg_query.Node_RangeVar{RangeVar: rv}}
	if len(from) == 0 || !targetKeyedByFrom(t, rv, where) {
		return p.planFrom(append([]*pg_query.Node{target}, from...), where, nil)
	}
	n, sc, err := p.planFrom(append(append([]*pg_query.Node(nil), from...), target), where, nil)
	if err != nil {
		return nil, nil, err
	}
	width := len(t.Columns) + 1 // the target's columns and its RowRef
	split := len(sc.cols) - width
	order := append(append([]exec.Column(nil), sc.cols[split:]...), sc.cols[:split]...)
	exprs := make([]exec.Expr, len(order))
	for i := range order {
		src := split + i
		if i >= width {
			src = i - width
		}
		exprs[i] = &exec.ColExpr{Idx: src, T: sc.cols[src].T}
	}
	return &exec.ProjectNode{Src: n, Exprs: exprs, Cols: order}, &Scope{parent: sc.parent, cols: order, using: sc.using}, nil
}

// targetKeyedByFrom reports whether where's conjuncts include
// target.k = other.c for every column k of t's primary key, or of one of
// its plain unique indexes, other being a relation of FROM (a qualified
// column of another name).
func targetKeyedByFrom(t *catalog.Table, rv *pg_query.RangeVar, where *pg_query.Node) bool {
	if len(t.PKIdx) == 0 {
		return false
	}
	name := rv.Relname
	if rv.Alias != nil {
		name = rv.Alias.Aliasname
	}
	isCol := func(col string) bool { i, _ := t.Column(col); return i >= 0 }
	// targetCol is the target's column a side names: rel.col with rel the
	// target, or an unqualified column of the target.
	targetCol := func(n *pg_query.Node) (string, bool) {
		cr := n.GetColumnRef()
		if cr == nil {
			return "", false
		}
		switch len(cr.Fields) {
		case 1:
			if c := cr.Fields[0].GetString_(); c != nil && isCol(c.Sval) {
				return c.Sval, true
			}
		case 2:
			rel, col := cr.Fields[0].GetString_(), cr.Fields[1].GetString_()
			if rel != nil && col != nil && rel.Sval == name {
				return col.Sval, true
			}
		}
		return "", false
	}
	// other reports whether a side reads FROM's columns and none of the
	// target's (unqualified names the target has may be the target's).
	other := func(n *pg_query.Node) bool {
		refs, clean := 0, true
		WalkNodes(n, func(x *pg_query.Node) bool {
			cr := x.GetColumnRef()
			if cr == nil {
				if x.GetSubLink() != nil {
					clean = false // a sub-query's names are not checked here
				}
				return clean
			}
			refs++
			first := cr.Fields[0].GetString_()
			switch {
			case first == nil:
				clean = false
			case len(cr.Fields) == 1 && isCol(first.Sval), len(cr.Fields) > 1 && first.Sval == name:
				clean = false
			}
			return false
		})
		return clean && refs > 0
	}
	covered := map[string]bool{}
	for _, q := range splitAnd(where, nil) {
		ae := q.GetAExpr()
		if ae == nil || ae.Kind != pg_query.A_Expr_Kind_AEXPR_OP || len(ae.Name) != 1 || ae.Name[0].GetString_().GetSval() != "=" {
			continue
		}
		if c, ok := targetCol(ae.Lexpr); ok && other(ae.Rexpr) {
			covered[c] = true
		} else if c, ok := targetCol(ae.Rexpr); ok && other(ae.Lexpr) {
			covered[c] = true
		}
	}
	coveredAll := func(cols []int) bool {
		for _, i := range cols {
			if !covered[t.Columns[i].Name] {
				return false
			}
		}
		return true
	}
	if coveredAll(t.PKIdx) {
		return true
	}
	// or every column of a plain unique index (graphile-worker's add_jobs:
	// UPDATE jobs … FROM unnest(specs) spec WHERE jobs.key = spec.job_key)
	for _, ix := range t.Indexes {
		if !ix.Unique || !ix.Plain() {
			continue
		}
		cols := make([]int, len(ix.Columns))
		for i, id := range ix.Columns {
			cols[i] = t.ColIndexByID(id)
		}
		if coveredAll(cols) {
			return true
		}
	}
	return false
}

// planModify plans what UPDATE and DELETE share: the WITH clause, the
// target table and its writer, and the scan (with FROM or USING) that finds
// the rows to change. The returned scope resolves SET and RETURNING.
func (p *Planner) planModify(verb string, with *pg_query.WithClause, rel *pg_query.RangeVar, from []*pg_query.Node, where *pg_query.Node, reads bool) (*DML, *Scope, error) {
	if with != nil {
		if err := p.planWith(with, nil); err != nil {
			return nil, nil, err
		}
	}
	priv := byte('w')
	if verb == "delete" {
		priv = 'd'
	}
	t, err := p.TargetTable(rel, priv)
	if err != nil {
		return nil, nil, err
	}
	d := &DML{Verb: verb, t: t, refIdx: len(t.Columns)}
	if d.w, err = p.NewTableWriter(t); err != nil {
		return nil, nil, err
	}
	if err := p.setWriterSecurity(d.w, t, verb, false, reads); err != nil { // rowsecurity.go
		return nil, nil, err
	}
	p.dmlCmd, p.dmlReads = catalog.PolicyUpdate, reads
	if verb == "delete" {
		p.dmlCmd = catalog.PolicyDelete
	}
	src, sc, err := p.planTargetScan(t, rel, from, where)
	p.dmlCmd, p.dmlReads = 0, false
	if err != nil {
		return nil, nil, err
	}
	d.Src = src
	if t.Partitioned() {
		if d.parts, err = p.NewPartInserter(t, nil, ""); err != nil {
			return nil, nil, err
		}
		if err := d.parts.inheritSecurity(d.w); err != nil {
			return nil, nil, err
		}
	}
	return d, sc, nil
}

func (p *Planner) planUpdate(up *pg_query.UpdateStmt) (*DML, error) {
	reads := readsColumns(up.WhereClause) || len(up.FromClause) > 0 || len(up.ReturningList) > 0
	for _, t := range up.TargetList {
		reads = reads || readsColumns(t.GetResTarget().GetVal())
	}
	d, sc, err := p.planModify("update", up.WithClause, up.Relation, up.FromClause, up.WhereClause, reads)
	if err != nil {
		return nil, err
	}
	if err := checkReplicaIdentity(p.Cat, d.t, true); err != nil { // funcs.go
		return nil, err
	}
	if d.sets, err = p.compileSets(d.t, up.TargetList, sc, 0); err != nil {
		return nil, err
	}
	if err := p.planReturning(d, up.ReturningList, sc); err != nil {
		return nil, err
	}
	d.merge = p.planMerge(d, up) // merge.go
	return d, nil
}

func (p *Planner) planDelete(del *pg_query.DeleteStmt) (*DML, error) {
	reads := readsColumns(del.WhereClause) || len(del.UsingClause) > 0 || len(del.ReturningList) > 0
	d, sc, err := p.planModify("delete", del.WithClause, del.Relation, del.UsingClause, del.WhereClause, reads)
	if err != nil {
		return nil, err
	}
	if err := checkReplicaIdentity(p.Cat, d.t, false); err != nil {
		return nil, err
	}
	if err := p.planReturning(d, del.ReturningList, sc); err != nil {
		return nil, err
	}
	return d, nil
}

// exec runs the statement; it returns RETURNING rows and the command tag.
// Foreign key checks and actions run at its end (exec/fk.go).
func (d *DML) Exec(ec *exec.Ctx) ([][]types.Datum, string, error) {
	ev := d.triggerEvent()
	mark := ec.AfterRowMark()
	defer ec.DropAfterRow(mark)
	var rows [][]types.Datum
	var tag string
	// INSERT … ON CONFLICT DO UPDATE fires UPDATE's statement triggers too
	upsert := ev == catalog.TrigInsert && d.onConflict != nil && !d.onConflict.DoNothing
	err := ec.StatementTriggers(d.t, ev, true)
	if err == nil && upsert {
		err = ec.StatementTriggers(d.t, catalog.TrigUpdate, true)
	}
	if err == nil {
		rows, tag, err = d.execNoFK(ec)
	}
	if err == nil {
		err = ec.AfterStatement(mark) // exec/trigger.go
	}
	if err == nil && upsert {
		err = ec.StatementTriggers(d.t, catalog.TrigUpdate, false)
	}
	if err == nil {
		err = ec.StatementTriggers(d.t, ev, false)
	}
	if err != nil {
		ec.FKDropPending()
		return nil, "", err
	}
	return rows, tag, nil
}

// execNoFK runs the statement, leaving its foreign key checks pending (a
// data-modifying WITH query's are the whole statement's, run at its end).
func (d *DML) execNoFK(ec *exec.Ctx) (rows [][]types.Datum, tag string, err error) {
	switch d.Verb {
	case "insert":
		rows, tag, err = d.execInsert(ec)
	case "update":
		rows, tag, err = d.execUpdate(ec)
	case "merge":
		tag, err = d.execMergeInto(ec)
	default:
		rows, tag, err = d.execDelete(ec)
	}
	return rows, tag, err
}

func (d *DML) execInsert(ec *exec.Ctx) ([][]types.Datum, string, error) {
	var it exec.Iterator
	switch d.Src.(type) {
	case *exec.ValuesNode, *exec.OneRowNode:
		if err := ec.RunBeforeWrite(); err != nil {
			return nil, "", err
		}
		var err error
		if it, err = d.Src.Start(ec); err != nil {
			return nil, "", err
		}
	default:
		// INSERT ... SELECT reads everything first: the scan must not see
		// the rows being inserted.
		rows, err := exec.RunNode(ec, d.Src)
		if err == nil {
			err = ec.RunBeforeWrite()
		}
		if err != nil {
			return nil, "", err
		}
		it = &exec.SliceIter{Rows: rows}
	}
	defer it.Close()
	if d.onConflict != nil && !d.onConflict.DoNothing {
		d.w.Touched = map[string]bool{}
		defer func() { d.w.Touched = nil }()
	}
	if d.parts != nil {
		defer d.parts.Reset()
	}
	var out [][]types.Datum
	var n int64
	ncols := len(d.t.Columns)
	for {
		in, err := it.Next()
		if err != nil {
			return nil, "", err
		}
		if in == nil {
			break
		}
		row := make([]types.Datum, ncols)
		given := make([]bool, ncols)
		for i, c := range d.targetCols {
			if _, isDefault := in[i].(exec.DefaultMarker); isDefault {
				continue
			}
			row[c], given[c] = in[i], true
		}
		for c := range row {
			if given[c] {
				continue
			}
			if row[c], err = d.w.DefaultValue(ec, c); err != nil {
				return nil, "", err
			}
		}
		var final []types.Datum
		var inserted bool
		if d.parts != nil {
			final, inserted, err = d.parts.Insert(ec, row) // partition_dml.go
		} else {
			var skip bool
			row, skip, err = ec.BeforeRow(d.t, catalog.TrigInsert, nil, row, nil)
			if err != nil {
				return nil, "", err
			}
			if skip {
				continue
			}
			final, inserted, err = d.w.Insert(ec, row, d.onConflict)
		}
		if err != nil {
			return nil, "", err
		}
		if !inserted {
			continue
		}
		n++
		if d.Returning != nil {
			if final, err = d.withXmax(ec, final); err != nil {
				return nil, "", err
			}
			r, err := evalAll(ec, d.Returning, final)
			if err != nil {
				return nil, "", err
			}
			out = append(out, r)
		}
	}
	return out, fmt.Sprintf("INSERT 0 %d", n), nil
}

func evalAll(ec *exec.Ctx, es []exec.Expr, row []types.Datum) ([]types.Datum, error) {
	out := make([]types.Datum, len(es))
	for i, e := range es {
		v, err := e.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (d *DML) execUpdate(ec *exec.Ctx) ([][]types.Datum, string, error) {
	if d.parts != nil {
		return d.execModifyParts(ec) // partition_dml.go
	}
	if d.merge != nil {
		if tag, ok, err := d.execMerge(ec); ok || err != nil { // merge.go
			return nil, tag, err
		}
	}
	rows, err := exec.RunNode(ec, d.Src)
	if err == nil {
		err = ec.RunBeforeWrite()
	}
	if err == nil {
		err = ec.WriteLockRows(d.t, rows, d.refIdx, exec.LockNoKeyUpdate) // READ COMMITTED: one entry for many rows
	}
	if err != nil {
		return nil, "", err
	}
	var out [][]types.Datum
	var n int64
	ncols := len(d.t.Columns)
	done := map[string]bool{}
	for _, row := range rows {
		ref := row[d.refIdx].(exec.RowRef)
		if ec.ChangedByStatement(d.t.Space, ref.Key) {
			continue
		}
		if len(rows) > 1 {
			if done[string(ref.Key)] {
				continue
			}
			done[string(ref.Key)] = true
		}
		newRow := make([]types.Datum, ncols)
		copy(newRow, row[:ncols])
		for _, s := range d.sets {
			v, err := s.E.Eval(ec, row)
			if err != nil {
				return nil, "", err
			}
			newRow[s.Col] = v
		}
		if err := ec.WriteLock(d.t, ref.Key, exec.LockNoKeyUpdate); err != nil {
			return nil, "", err
		}
		newRow, skip, err := ec.BeforeRow(d.t, catalog.TrigUpdate, row[:ncols], newRow, d.setCols())
		if err != nil {
			return nil, "", err
		}
		if skip {
			continue
		}
		if _, err := d.w.Update(ec, ref, row[:ncols], newRow); err != nil {
			return nil, "", err
		}
		ec.QueueAfterRow(d.t, catalog.TrigUpdate, row[:ncols], newRow, d.setCols())
		n++
		if d.Returning != nil {
			comb := append(append([]types.Datum(nil), newRow...), row[ncols:]...)
			r, err := evalAll(ec, d.Returning, comb)
			if err != nil {
				return nil, "", err
			}
			out = append(out, r)
		}
	}
	return out, fmt.Sprintf("UPDATE %d", n), nil
}

func (d *DML) execDelete(ec *exec.Ctx) ([][]types.Datum, string, error) {
	if d.parts != nil {
		return d.execModifyParts(ec) // partition_dml.go
	}
	rows, err := exec.RunNode(ec, d.Src)
	if err == nil {
		err = ec.RunBeforeWrite()
	}
	if err == nil {
		err = ec.WriteLockRows(d.t, rows, d.refIdx, exec.LockUpdate) // READ COMMITTED: one entry for many rows
	}
	if err != nil {
		return nil, "", err
	}
	var out [][]types.Datum
	var n int64
	ncols := len(d.t.Columns)
	var lastKey []byte
	done := map[string]bool{}
	for _, row := range rows {
		ref := row[d.refIdx].(exec.RowRef)
		if ec.ChangedByStatement(d.t.Space, ref.Key) {
			continue
		}
		if len(rows) > 1 {
			if done[string(ref.Key)] {
				continue
			}
			done[string(ref.Key)] = true
		}
		if bytes.Equal(lastKey, ref.Key) {
			continue
		}
		if err := ec.WriteLock(d.t, ref.Key, exec.LockUpdate); err != nil {
			return nil, "", err
		}
		if _, skip, err := ec.BeforeRow(d.t, catalog.TrigDelete, row[:ncols], nil, nil); err != nil || skip {
			if err != nil {
				return nil, "", err
			}
			continue
		}
		if err := d.w.Delete(ec, ref, row[:ncols]); err != nil {
			return nil, "", err
		}
		ec.QueueAfterRow(d.t, catalog.TrigDelete, row[:ncols], nil, nil)
		n++
		if d.Returning != nil {
			r, err := evalAll(ec, d.Returning, row)
			if err != nil {
				return nil, "", err
			}
			out = append(out, r)
		}
	}
	return out, fmt.Sprintf("DELETE %d", n), nil
}
