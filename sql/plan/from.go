package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// FromItem is one relation of a FROM list after flattening inner joins.
type FromItem struct {
	N       exec.Node
	Cols    []exec.Column
	scan    *exec.ScanNode // set for base tables: takes pushed-down predicates
	filters []exec.Expr    // pushed-down predicates of other items
	off     int
	using   map[string]bool
	lateral bool // reads the preceding items' row (LATERAL)
}

// isLateral reports whether FROM item f reads the items before it (sc):
// it says LATERAL, or it is a function whose arguments name them
// (PostgreSQL's functions in FROM are implicitly LATERAL).
func (p *Planner) isLateral(f *pg_query.Node, sc *Scope) bool {
	if f.GetRangeSubselect().GetLateral() || f.GetRangeFunction().GetLateral() {
		return true
	}
	if rf := f.GetRangeFunction(); rf != nil {
		return p.funcReadsScope(rf, sc)
	}
	return false
}

// lateralScope is the scope a LATERAL item sees: the preceding items.
func lateralScope(items []*FromItem, parent *Scope) *Scope {
	sc := &Scope{parent: parent}
	for _, it := range items {
		sc.cols = append(sc.cols, it.Cols...)
	}
	return sc
}

func (it *FromItem) plan() exec.Node {
	if len(it.filters) == 0 {
		return it.N
	}
	return &exec.FilterNode{Src: it.N, Pred: exec.AndOf(it.filters)}
}

type pendingQual struct {
	e     exec.Expr
	items map[int]bool
	used  bool
}

// planFrom plans a FROM list with its WHERE clause: single-relation
// predicates are pushed into scans (where they choose the access path),
// equalities between relations become hash-join keys.
func (p *Planner) planFrom(from []*pg_query.Node, where *pg_query.Node, parent *Scope) (exec.Node, *Scope, error) {
	var items []*FromItem
	var quals []*pg_query.Node
	var err error
	for _, f := range from {
		if items, quals, err = p.flattenFrom(f, parent, items, quals); err != nil {
			return nil, nil, err
		}
	}
	groups := make([][]exec.Column, len(items))
	for i, it := range items {
		groups[i] = it.Cols
	}
	if err := checkRefnameConflicts(groups...); err != nil {
		return nil, nil, err
	}
	quals = splitAnd(where, quals)
	if cteProbesTable(items, quals) {
		// read the WITH query first and probe the table by key; the
		// columns go back to the written order below
		items[0], items[1] = items[1], items[0]
		n, sc, err := p.planFromItems(items, quals, parent)
		if err != nil {
			return nil, nil, err
		}
		split := len(items[0].Cols)
		order := append(append([]exec.Column(nil), sc.cols[split:]...), sc.cols[:split]...)
		exprs := make([]exec.Expr, len(order))
		for i := range order {
			src := split + i
			if src >= len(order) {
				src -= len(order)
			}
			exprs[i] = &exec.ColExpr{Idx: src, T: sc.cols[src].T}
		}
		return &exec.ProjectNode{Src: n, Exprs: exprs, Cols: order}, &Scope{parent: sc.parent, cols: order, using: sc.using}, nil
	}
	return p.planFromItems(items, quals, parent)
}

// cteProbesTable reports whether a FROM list is a table joined with a
// WITH query on the table's whole primary key (table.k = cte.c in the
// conjuncts), such as river's SELECT … FROM river_job JOIN job_input ON
// river_job.id = job_input.id: read in the written order the table is
// scanned whole, and under SERIALIZABLE that read conflicts with every
// concurrent write to it; the WITH query first and a lookup join read
// only the rows joined.
func cteProbesTable(items []*FromItem, quals []*pg_query.Node) bool {
	if len(items) != 2 || items[0].scan == nil || items[0].scan.WithRef || items[1].lateral || len(items[0].Cols) == 0 || len(items[1].Cols) == 0 {
		return false
	}
	if _, ok := items[1].N.(*exec.CteScanNode); !ok {
		return false
	}
	t := items[0].scan.T
	if len(t.PKIdx) == 0 {
		return false
	}
	tname, cname := items[0].Cols[0].Table, items[1].Cols[0].Table
	qualified := func(n *pg_query.Node) (string, string, bool) {
		cr := n.GetColumnRef()
		if cr == nil || len(cr.Fields) != 2 || cr.Fields[0].GetString_() == nil || cr.Fields[1].GetString_() == nil {
			return "", "", false
		}
		return cr.Fields[0].GetString_().Sval, cr.Fields[1].GetString_().Sval, true
	}
	covered := map[string]bool{}
	for _, q := range quals {
		ae := q.GetAExpr()
		if ae == nil || ae.Kind != pg_query.A_Expr_Kind_AEXPR_OP || len(ae.Name) != 1 || ae.Name[0].GetString_().GetSval() != "=" {
			continue
		}
		lr, lc, lok := qualified(ae.Lexpr)
		rr, rc, rok := qualified(ae.Rexpr)
		switch {
		case !lok || !rok:
		case lr == tname && rr == cname:
			covered[lc] = true
		case rr == tname && lr == cname:
			covered[rc] = true
		}
	}
	for _, i := range t.PKIdx {
		if !covered[t.Columns[i].Name] {
			return false
		}
	}
	return true
}

// planFromItems plans flattened FROM items, in order, with their quals.
func (p *Planner) planFromItems(items []*FromItem, quals []*pg_query.Node, parent *Scope) (exec.Node, *Scope, error) {
	sc := &Scope{parent: parent}
	owner := []int{}
	for i, it := range items {
		it.off = len(sc.cols)
		sc.cols = append(sc.cols, it.Cols...)
		for range it.Cols {
			owner = append(owner, i)
		}
		for k := range it.using {
			if sc.using == nil {
				sc.using = map[string]bool{}
			}
			sc.using[k] = true
		}
	}
	var pending []*pendingQual
	var top []exec.Expr
	falseQual := 0 // fold.go: the conjuncts after a constant false do not fold
	defer func() { p.noFold -= falseQual }()
	for _, q := range quals {
		e, err := p.CompilePredicate(q, sc, "WHERE")
		if err != nil {
			return nil, nil, err
		}
		if c, ok := e.(*exec.ConstExpr); ok && c.V == false && falseQual == 0 {
			falseQual = 1
			p.noFold++
		}
		cols := map[int]bool{}
		sub := exec.ExprCols(e, cols)
		set := map[int]bool{}
		for c := range cols {
			set[owner[c]] = true
		}
		if (!sub || keyListSub(e)) && len(set) == 1 && len(items) > 0 {
			var i int
			for k := range set {
				i = k
			}
			it := items[i]
			ie, err := p.CompilePredicate(q, &Scope{cols: it.Cols, parent: parent, using: it.using}, "WHERE")
			if err != nil {
				return nil, nil, err
			}
			if it.scan != nil {
				it.scan.Preds = append(it.scan.Preds, ie)
			} else {
				it.filters = append(it.filters, ie)
			}
			continue
		}
		if sub || len(set) == 0 {
			top = append(top, e)
			continue
		}
		pending = append(pending, &pendingQual{e: e, items: set})
	}
	for _, it := range items {
		if it.scan != nil {
			it.scan.ChoosePath()
		}
	}
	cur := items[0].plan()
	for k := 1; k < len(items); k++ {
		if items[k].lateral {
			lj := &exec.LateralJoinNode{Left: cur, Right: items[k].plan(), Kind: exec.JoinInner, Lw: items[k].off, Cols: sc.cols[:items[k].off+len(items[k].Cols)]}
			var conds []exec.Expr
			for _, pq := range pending {
				if !pq.used && coveredBy(pq.items, k) {
					pq.used = true
					conds = append(conds, pq.e)
				}
			}
			if len(conds) > 0 {
				lj.Pred = exec.AndOf(conds)
			}
			cur = lj
			continue
		}
		j := &exec.JoinNode{Left: cur, Right: items[k].plan(), Kind: exec.JoinInner, Lw: items[k].off, Cols: sc.cols[:items[k].off+len(items[k].Cols)]}
		var residual []exec.Expr
		for _, pq := range pending {
			if pq.used || !coveredBy(pq.items, k) {
				continue
			}
			pq.used = true
			if l, r, ok := splitEquiKey(pq.e, owner, k); ok {
				j.Lkeys = append(j.Lkeys, l)
				j.Rkeys = append(j.Rkeys, r)
				continue
			}
			residual = append(residual, pq.e)
		}
		if len(residual) > 0 {
			j.Pred = exec.AndOf(residual)
		}
		cur = lookupJoin(j)
	}
	if len(top) > 0 {
		cur = &exec.FilterNode{Src: cur, Pred: exec.AndOf(top)}
	}
	return cur, sc, nil
}

func coveredBy(items map[int]bool, k int) bool {
	max := -1
	for i := range items {
		if i > k {
			return false
		}
		if i > max {
			max = i
		}
	}
	return max == k
}

// splitEquiKey recognizes l = r where l reads only relations before k and r
// only relation k (or the reverse), with a key encoding both sides share.
func splitEquiKey(e exec.Expr, owner []int, k int) (exec.Expr, exec.Expr, bool) {
	op, ok := e.(*exec.OpExpr)
	if !ok || op.Op.Name != "=" || op.L == nil || !exec.KeyCompatible(op.L.Type(), op.R.Type()) {
		return nil, nil, false
	}
	side := func(x exec.Expr) int { // -1 none, 0 left part, 1 relation k, 2 mixed
		cols := map[int]bool{}
		if exec.ExprCols(x, cols) {
			return 2
		}
		res := -1
		for c := range cols {
			s := 0
			if owner[c] == k {
				s = 1
			}
			if res >= 0 && res != s {
				return 2
			}
			res = s
		}
		return res
	}
	ls, rs := side(op.L), side(op.R)
	switch {
	case ls == 0 && rs == 1:
		return op.L, op.R, true
	case ls == 1 && rs == 0:
		return op.R, op.L, true
	}
	return nil, nil, false
}

// flattenFrom adds the relations of one FROM element; inner joins without
// an alias are flattened so their ON clause joins the WHERE conjuncts.
func (p *Planner) flattenFrom(f *pg_query.Node, parent *Scope, items []*FromItem, quals []*pg_query.Node) ([]*FromItem, []*pg_query.Node, error) {
	switch {
	case f.GetJoinExpr() != nil:
		j := f.GetJoinExpr()
		if j.Jointype == pg_query.JoinType_JOIN_INNER && !j.IsNatural && len(j.UsingClause) == 0 && j.Alias == nil {
			var err error
			if items, quals, err = p.flattenFrom(j.Larg, parent, items, quals); err != nil {
				return nil, nil, err
			}
			if items, quals, err = p.flattenFrom(j.Rarg, parent, items, quals); err != nil {
				return nil, nil, err
			}
			return items, splitAnd(j.Quals, quals), nil
		}
		it, err := p.planJoin(j, parent)
		if err != nil {
			return nil, nil, err
		}
		return append(items, it), quals, nil
	default:
		psc, lateral := parent, false
		if len(items) > 0 {
			if ls := lateralScope(items, parent); p.isLateral(f, ls) {
				psc, lateral = ls, true
			}
		}
		it, err := p.planFromItem(f, psc)
		if err != nil {
			return nil, nil, err
		}
		it.lateral = lateral
		return append(items, it), quals, nil
	}
}

func AliasCols(cols []exec.Column, alias *pg_query.Alias, defName string) ([]exec.Column, error) {
	out := make([]exec.Column, len(cols))
	copy(out, cols)
	name := defName
	if alias != nil {
		name = alias.Aliasname
		if len(alias.Colnames) > len(out) {
			return nil, pgerror.New(pgerror.InvalidColumnReference, "table \"%s\" has %d columns available but %d columns specified", name, len(out), len(alias.Colnames))
		}
		for i, c := range alias.Colnames {
			out[i].Name = c.GetString_().Sval
		}
	}
	for i := range out {
		out[i].Table = name
	}
	return out, nil
}

func (p *Planner) planFromItem(f *pg_query.Node, parent *Scope) (*FromItem, error) {
	switch {
	case f.GetRangeVar() != nil:
		rv := f.GetRangeVar()
		if rv.Schemaname == "" {
			if d := p.lookupCTE(rv.Relname); d != nil {
				if d.Correlated && d.Parent != parent {
					return nil, pgerror.Unsupported("a WITH query that references an outer query's columns, read from a nested query or LATERAL item")
				}
				p.correlated = p.correlated || d.Correlated // what reads it reads the outer row too
				cols, err := AliasCols(d.Cols, rv.Alias, rv.Relname)
				if err != nil {
					return nil, err
				}
				if w, ok := d.Plan.(*Writer); ok && w.d.Returning == nil {
					return nil, pgerror.Unsupported("WITH query \"" + d.Name + "\" does not have a RETURNING clause")
				}
				d.Refs++
				return &FromItem{N: &exec.CteScanNode{Def: d, Cols: cols}, Cols: cols}, nil
			}
		}
		var sys *pgcatalog.View // a catalog relation the name means
		if rv.Schemaname == "" {
			sys = p.systemRelation(rv.Relname) // namespace.go
		} else if catalog.IsSystemSchema(rv.Schemaname) {
			sys = pgcatalog.Lookup(rv.Schemaname, rv.Relname)
		}
		key, err := p.RelKey(rv.Schemaname, rv.Relname)
		if err != nil {
			return nil, err
		}
		if sys == nil {
			if t, ok := p.Cat.Tables[key]; ok {
				// A view reads its tables with its own rights (not checked
				// here); a DML target is checked for its own privilege.
				if rv != p.dmlTarget && p.viewDepth == 0 && p.policyDepth == 0 {
					if err := p.Host.CheckTablePriv(p.Cat, t, 'r'); err != nil {
						return nil, err
					}
				}
				p.useTable(t)
				s := exec.NewScanNode(t)
				lr := p.locking.of(rv)
				if s.Security, err = p.scanSecurity(t, rv, lr != nil); err != nil { // rowsecurity.go
					return nil, err
				}
				ixe, err := p.IndexEvals(t)
				if err != nil {
					return nil, err
				}
				s.IxExprs = ixe
				if t.Partitioned() {
					if err := p.partitionScan(s, t); err != nil { // partition.go
						return nil, err
					}
				}
				if rv == p.dmlTarget || lr != nil {
					s.WithRef, s.DMLTarget = true, rv == p.dmlTarget && lr == nil
					s.Cols = append(s.Cols, exec.Column{Name: refColumn, T: types.T{OID: types.ByteaOID, Mod: -1}, Hidden: true})
				}
				if t.Partitioned() && rv != p.dmlTarget {
					// tableoid: which partition a row is in
					s.WithTableOID = true
					s.Cols = append(s.Cols, exec.Column{Name: "tableoid", T: exec.OIDT, Hidden: true})
				}
				if lr != nil {
					// locking a table's rows needs UPDATE on it, as in PostgreSQL
					if err := p.Host.CheckTablePriv(p.Cat, t, 'w'); err != nil {
						return nil, err
					}
					lr.table, lr.parts = t, s.PartSet
				}
				cols, err := AliasCols(s.Cols, rv.Alias, rv.Relname)
				if err != nil {
					return nil, err
				}
				s.Cols = cols
				return &FromItem{N: s, Cols: cols, scan: s}, nil
			}
		}
		if sys == nil {
			if v, ok := p.Cat.Views[key]; ok {
				if p.viewDepth == 0 && p.policyDepth == 0 {
					if err := p.Host.CheckViewPriv(p.Cat, v, 'r'); err != nil {
						return nil, err
					}
				}
				return p.planView(v, rv)
			}
			if sq, ok := p.Cat.Seqs[key]; ok {
				if err := p.Host.CheckSeqPriv(p.Cat, sq, "r"); err != nil {
					return nil, err
				}
				cols, err := AliasCols(seqRelColumns(), rv.Alias, rv.Relname)
				if err != nil {
					return nil, err
				}
				return &FromItem{N: &seqRelNode{sq: sq, cols: cols}, Cols: cols}, nil
			}
		}
		{
			if v := sys; v != nil {
				if (v.Name == "pg_authid" || v.Name == "pg_shadow") && !p.Host.IsSuperuser(p.Cat) {
					// They hold the password verifiers.
					return nil, pgerror.New(pgerror.InsufficientPrivilege, "permission denied for %s %s", map[bool]string{true: "table", false: "view"}[v.Name == "pg_authid"], v.Name)
				}
				var cols []exec.Column
				for i, c := range v.Columns {
					cols = append(cols, exec.Column{Name: c.Name, T: c.Type, TableOID: v.OID, AttNum: int16(i + 1)})
				}
				cols = append(cols, exec.Column{Name: "tableoid", T: exec.OIDT, Hidden: true})
				cols, err := AliasCols(cols, rv.Alias, rv.Relname)
				if err != nil {
					return nil, err
				}
				return &FromItem{N: &exec.ViewNode{V: v, Cols: cols}, Cols: cols}, nil
			}
		}
		return nil, UndefinedTable(rv)
	case f.GetRangeSubselect() != nil:
		rs := f.GetRangeSubselect()
		n, err := p.PlanQuery(rs.Subquery, parent)
		if err != nil {
			return nil, err
		}
		alias := rs.Alias
		if alias == nil {
			alias = &pg_query.Alias{Aliasname: "unnamed_subquery"}
		}
		cols, err := AliasCols(n.Columns(), alias, "")
		if err != nil {
			return nil, err
		}
		for i := range cols {
			cols[i].Hidden = false
		}
		return &FromItem{N: &exec.RenameNode{Src: n, Cols: cols}, Cols: cols}, nil
	case f.GetRangeFunction() != nil:
		return p.planFunctionScan(f.GetRangeFunction(), parent)
	}
	return nil, pgerror.Unsupported("FROM item " + NodeName(f))
}

func UndefinedTable(rv *pg_query.RangeVar) error {
	name := rv.Relname
	if rv.Schemaname != "" {
		name = rv.Schemaname + "." + name
	}
	e := pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", name)
	if rv.Location >= 0 {
		e.Position = rv.Location + 1
	}
	return e
}

// planJoin plans an outer join (or a join with USING / NATURAL / alias).
func (p *Planner) planJoin(j *pg_query.JoinExpr, parent *Scope) (*FromItem, error) {
	ln, lsc, err := p.planFrom([]*pg_query.Node{j.Larg}, nil, parent)
	if err != nil {
		return nil, err
	}
	rparent := parent
	lateral := p.isLateral(j.Rarg, &Scope{cols: lsc.cols, parent: parent, using: lsc.using})
	if lateral {
		rparent = &Scope{cols: lsc.cols, parent: parent, using: lsc.using}
	}
	rn, rsc, err := p.planFrom([]*pg_query.Node{j.Rarg}, nil, rparent)
	if err != nil {
		return nil, err
	}
	if err := checkRefnameConflicts(lsc.cols, rsc.cols); err != nil {
		return nil, err
	}
	lw := len(lsc.cols)
	cols := append(append([]exec.Column(nil), lsc.cols...), rsc.cols...)
	sc := &Scope{cols: cols, parent: parent, using: map[string]bool{}}
	for k := range lsc.using {
		sc.using[k] = true
	}
	for k := range rsc.using {
		sc.using[k] = true
	}
	jn := &exec.JoinNode{Left: ln, Right: rn, Lw: lw}
	switch j.Jointype {
	case pg_query.JoinType_JOIN_INNER:
		jn.Kind = exec.JoinInner
	case pg_query.JoinType_JOIN_LEFT:
		jn.Kind = exec.JoinLeft
	case pg_query.JoinType_JOIN_RIGHT:
		jn.Kind = exec.JoinRight
	case pg_query.JoinType_JOIN_FULL:
		jn.Kind = exec.JoinFull
	default:
		return nil, pgerror.Unsupported("join type " + j.Jointype.String())
	}
	using := NodeStrings(j.UsingClause)
	if j.IsNatural {
		for _, lc := range lsc.cols {
			if lc.Hidden || lc.Merged {
				continue
			}
			if i, _ := rsc.lookup("", lc.Name); i >= 0 {
				using = append(using, lc.Name)
			}
		}
	}
	var residual []exec.Expr
	var merged []exec.Expr // one per USING column: its value in the join's output
	var mergedCols []exec.Column
	for _, name := range using {
		li, err := lsc.lookup("", name)
		if err != nil {
			return nil, err
		}
		ri, err := rsc.lookup("", name)
		if err != nil {
			return nil, err
		}
		if li < 0 || ri < 0 {
			return nil, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" specified in USING clause does not exist in %s table", name, map[bool]string{true: "left", false: "right"}[li < 0])
		}
		op, l, r, err := p.binaryOp("=", &exec.ColExpr{Idx: li, T: cols[li].T}, &exec.ColExpr{Idx: lw + ri, T: cols[lw+ri].T})
		if err != nil {
			return nil, err
		}
		if exec.KeyCompatible(l.Type(), r.Type()) {
			jn.Lkeys = append(jn.Lkeys, l)
			jn.Rkeys = append(jn.Rkeys, r)
		} else {
			residual = append(residual, &exec.OpExpr{Op: op, L: l, R: r})
		}
		m, err := p.mergedUsingColumn(jn.Kind, name, li, lw+ri, cols)
		if err != nil {
			return nil, err
		}
		merged = append(merged, m)
		mc := exec.Column{Name: name, T: m.Type()}
		if jn.Kind == exec.JoinInner || jn.Kind == exec.JoinLeft {
			mc.TableOID, mc.AttNum = cols[li].TableOID, cols[li].AttNum
		}
		mergedCols = append(mergedCols, mc)
		cols[li].Merged, cols[lw+ri].Merged = true, true
		sc.using[name] = true
	}
	owner := make([]int, len(cols))
	for i := lw; i < len(cols); i++ {
		owner[i] = 1
	}
	for _, q := range splitAnd(j.Quals, nil) {
		e, err := p.CompilePredicate(q, sc, "JOIN/ON")
		if err != nil {
			return nil, err
		}
		if l, r, ok := splitEquiKey(e, owner, 1); ok {
			jn.Lkeys = append(jn.Lkeys, l)
			jn.Rkeys = append(jn.Rkeys, r)
			continue
		}
		residual = append(residual, e)
	}
	if len(residual) > 0 {
		jn.Pred = exec.AndOf(residual)
	}
	jn.Cols = cols
	// The output is PostgreSQL's: the merged USING columns first, then
	// both sides' columns, whose USING columns * no longer expands (t.*
	// still does).
	var exprs []exec.Expr
	if a := j.JoinUsingAlias; a != nil {
		// JOIN … USING (…) AS x: x names the merged columns (PostgreSQL 14)
		for i := range mergedCols {
			mergedCols[i].Table = a.Aliasname
		}
	}
	if len(merged) > 0 {
		exprs = append(exprs, merged...)
		for i, c := range cols {
			exprs = append(exprs, &exec.ColExpr{Idx: i, T: c.T})
		}
		cols = append(mergedCols, cols...)
	}
	if j.Alias != nil {
		ac, err := AliasCols(cols, j.Alias, "")
		if err != nil {
			return nil, err
		}
		for i := range ac {
			if ac[i].Merged {
				ac[i].Hidden = true // the alias hides the sides' names
			}
		}
		cols = ac
	}
	wrap := func(n exec.Node) exec.Node {
		if exprs == nil {
			return n
		}
		return &exec.ProjectNode{Src: n, Exprs: exprs, Cols: cols}
	}
	if exprs == nil {
		jn.Cols = cols
	}
	if lateral {
		if jn.Kind != exec.JoinInner && jn.Kind != exec.JoinLeft {
			return nil, &pgerror.Error{Code: pgerror.InvalidColumnReference, Message: "invalid reference to FROM-clause entry in a LATERAL item", Detail: "The combining JOIN type must be INNER or LEFT for a LATERAL reference."}
		}
		var conds []exec.Expr
		if jn.Pred != nil {
			conds = append(conds, jn.Pred)
		}
		for i := range jn.Lkeys {
			conds = append(conds, &exec.KeyEqExpr{L: jn.Lkeys[i], R: jn.Rkeys[i]})
		}
		lj := &exec.LateralJoinNode{Left: ln, Right: rn, Kind: jn.Kind, Lw: lw, Cols: jn.Cols}
		if len(conds) > 0 {
			lj.Pred = exec.AndOf(conds)
		}
		return &FromItem{N: wrap(lj), Cols: cols, using: sc.using}, nil
	}
	return &FromItem{N: wrap(lookupJoin(jn)), Cols: cols, using: sc.using}, nil
}

// mergedUsingColumn is the value of a USING column in a join's output, as
// PostgreSQL computes it: the left side's for inner and left joins, the
// right side's for right joins, COALESCE of both for full joins; both
// sides are cast to their common type.
func (p *Planner) mergedUsingColumn(kind exec.JoinKind, name string, li, ri int, cols []exec.Column) (exec.Expr, error) {
	es := []exec.Expr{&exec.ColExpr{Idx: li, T: cols[li].T}, &exec.ColExpr{Idx: ri, T: cols[ri].T}}
	t, err := p.unify(es, "JOIN/USING")
	if err != nil {
		return nil, err
	}
	switch kind {
	case exec.JoinRight:
		return es[1], nil
	case exec.JoinFull:
		return &exec.CoalesceExpr{Args: es, T: t}, nil
	}
	return es[0], nil
}

// keyListSub reports whether e is col IN (sub-query) or col = ANY(…)
// whose sub-queries are all uncorrelated: pushed into the column's scan,
// it can drive a primary key scan by the sub-query's rows
// (exec.ScanNode's point list), as a job queue's
// UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) needs to read
// only the rows it locked.
func keyListSub(e exec.Expr) bool {
	switch x := e.(type) {
	case *exec.SubqueryExpr:
		if x.Kind != exec.SubAny {
			return false
		}
	case *exec.AnyArrayExpr:
	default:
		return false
	}
	ok := true
	exec.WalkExpr(e, func(y exec.Expr) {
		if sq, isSub := y.(*exec.SubqueryExpr); isSub && sq.Correlated {
			ok = false
		}
	})
	return ok
}
