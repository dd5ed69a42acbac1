package sql

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// planner turns one statement's parse tree into a plan. It is used once.
type planner struct {
	s          *Session
	tx         *txnState
	cat        *catalog.Catalog
	params     []types.T // parameter types, inferred where 0
	paramExprs []*paramExpr
	maxParam   int
	correlated bool // an outer reference was compiled
	// readsContext: a literal was folded with the session zone or the
	// transaction's time (parseLiteral), so the plan is not reusable
	readsContext bool
	where        string // clause being compiled, for error messages
	ctes         []map[string]*cteDef
	dmlTarget    *pg_query.RangeVar // UPDATE/DELETE target: its scan carries rowRefs
	deps         []uint32           // OIDs of the tables the plan uses
	viewDepth    int
}

// useTable notes that the plan depends on t's descriptor.
func (p *planner) useTable(t *catalog.Table) {
	for _, o := range p.deps {
		if o == t.OID {
			return
		}
	}
	p.deps = append(p.deps, t.OID)
}

// cteDef is one WITH query; its rows are computed once per execution.
type cteDef struct {
	name string
	plan node
	cols []resultCol
	// recursive CTEs: the working table the recursive term reads
	recursive bool
	// correlated: the query reads the enclosing query's row (a WITH inside
	// a LATERAL or a sub-select), so it runs again at every scan of it,
	// which must see the scope it was planned in (parent).
	correlated bool
	parent     any // the *scope it was planned in (compared, never read)
	// refs counts the scans of it the plan holds: a query read by one
	// scan need not keep the rows that scan has passed (cteTape)
	refs int
}

func (p *planner) lookupCTE(name string) *cteDef {
	for i := len(p.ctes) - 1; i >= 0; i-- {
		if d, ok := p.ctes[i][name]; ok {
			return d
		}
	}
	return nil
}

// planQuery plans any row-returning statement node (SELECT, VALUES).
func (p *planner) planQuery(n *pg_query.Node, parent *scope) (node, error) {
	sel := n.GetSelectStmt()
	if sel == nil {
		return nil, pgerror.Unsupported("statement " + nodeName(n) + " in this position")
	}
	return p.planSelect(sel, parent)
}

func (p *planner) planWith(w *pg_query.WithClause, parent *scope) error {
	m := map[string]*cteDef{}
	p.ctes = append(p.ctes, m)
	for _, c := range w.Ctes {
		cte := c.GetCommonTableExpr()
		if cte.SearchClause != nil {
			return pgerror.Unsupported("WITH RECURSIVE … SEARCH") // refused, not ignored
		}
		if cte.CycleClause != nil {
			return pgerror.Unsupported("WITH RECURSIVE … CYCLE")
		}
		def := &cteDef{name: cte.Ctename}
		q := cte.Ctequery.GetSelectStmt()
		if q == nil {
			return pgerror.Unsupported("data-modifying statement in WITH")
		}
		var plan node
		var err error
		saved := p.correlated
		p.correlated = false
		if w.Recursive && q.Op != pg_query.SetOperation_SETOP_NONE && refersTo(q.Rarg, cte.Ctename) {
			plan, err = p.planRecursive(def, q, cte, parent, m)
		} else {
			plan, err = p.planSelect(q, parent)
		}
		def.correlated, def.parent = p.correlated, parent
		p.correlated = saved || p.correlated
		if err != nil {
			return err
		}
		cols := append([]resultCol(nil), plan.columns()...)
		for i, a := range cte.Aliascolnames {
			if i < len(cols) {
				cols[i].name = a.GetString_().Sval
			}
		}
		for i := range cols {
			cols[i].table = cte.Ctename
		}
		def.plan, def.cols = plan, cols
		m[cte.Ctename] = def
	}
	return nil
}

// refersTo reports whether a select mentions relation name anywhere.
func refersTo(sel *pg_query.SelectStmt, name string) bool {
	found := false
	var visit func(m *pg_query.Node)
	visit = func(m *pg_query.Node) {
		walkNodes(m, func(x *pg_query.Node) bool {
			if rv := x.GetRangeVar(); rv != nil && rv.Relname == name && rv.Schemaname == "" {
				found = true
			}
			if rs := x.GetRangeSubselect(); rs != nil {
				visit(rs.Subquery)
			}
			if ss := x.GetSelectStmt(); ss != nil {
				walkMessage(ss.ProtoReflect(), func(y *pg_query.Node) bool { visit(y); return false })
			}
			return true
		})
	}
	visit(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}})
	return found
}

func (p *planner) planSelect(sel *pg_query.SelectStmt, parent *scope) (node, error) {
	if sel.WithClause != nil {
		depth := len(p.ctes)
		if err := p.planWith(sel.WithClause, parent); err != nil {
			return nil, err
		}
		defer func() { p.ctes = p.ctes[:depth] }()
	}
	if sel.IntoClause != nil {
		return nil, pgerror.Unsupported("SELECT INTO")
	}
	if len(sel.LockingClause) > 0 {
		// FOR UPDATE/SHARE: serializable OCC already protects what was read.
	}
	if sel.Op != pg_query.SetOperation_SETOP_NONE {
		return p.planSetOp(sel, parent)
	}
	if len(sel.ValuesLists) > 0 {
		v, err := p.planValues(sel.ValuesLists, parent, nil)
		if err != nil {
			return nil, err
		}
		return p.planOrderLimit(v, sel, &scope{cols: v.columns(), parent: parent}, nil)
	}

	var src node
	var sc *scope
	var err error
	if len(sel.FromClause) == 0 {
		src, sc = &oneRowNode{}, &scope{parent: parent}
		if sel.WhereClause != nil {
			p.where = "WHERE"
			pred, err := p.compilePredicate(sel.WhereClause, sc, "WHERE")
			if err != nil {
				return nil, err
			}
			src = &filterNode{src: src, pred: pred}
		}
	} else if src, sc, err = p.planFrom(sel.FromClause, sel.WhereClause, parent); err != nil {
		return nil, err
	}

	// aggregation
	var aggs []*pg_query.Node
	for _, t := range sel.TargetList {
		aggs = collectAggregates(t.GetResTarget().Val, aggs)
	}
	aggs = collectAggregates(sel.HavingClause, aggs)
	for _, s := range sel.SortClause {
		aggs = collectAggregates(s.GetSortBy().Node, aggs)
	}
	if len(aggs) > 0 || len(sel.GroupClause) > 0 || sel.HavingClause != nil {
		if src, sc, err = p.planAgg(src, sc, sel, aggs); err != nil {
			return nil, err
		}
		if sel.HavingClause != nil {
			pred, err := p.compilePredicate(sel.HavingClause, sc, "HAVING")
			if err != nil {
				return nil, err
			}
			src = &filterNode{src: src, pred: pred}
		}
	}
	if src, sc, err = p.planWindows(src, sc, sel); err != nil {
		return nil, err
	}
	return p.planProjection(src, sc, sel)
}

func (p *planner) compilePredicate(n *pg_query.Node, sc *scope, clause string) (expr, error) {
	saved := p.where
	p.where = clause
	defer func() { p.where = saved }()
	e, err := p.compileExpr(n, sc)
	if err != nil {
		return nil, err
	}
	b, err := p.coerce(e, boolT, types.CastImplicit)
	if err != nil {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "argument of %s must be type boolean, not type %s", clause, types.FormatType(e.typ()))
	}
	return b, nil
}

// target is one compiled select-list entry.
type target struct {
	e    expr
	col  resultCol
	node *pg_query.Node
}

func (p *planner) compileTargets(list []*pg_query.Node, sc *scope) ([]target, error) {
	saved := p.where
	p.where = "SELECT"
	defer func() { p.where = saved }()
	var out []target
	for _, item := range list {
		rt := item.GetResTarget()
		if cr := rt.Val.GetColumnRef(); cr != nil {
			f := nodeStrings(cr.Fields)
			if f[len(f)-1] == "*" {
				star, err := p.expandStar(f[:len(f)-1], sc)
				if err != nil {
					return nil, err
				}
				out = append(out, star...)
				continue
			}
		}
		e, err := p.compileExpr(rt.Val, sc)
		if err != nil {
			return nil, err
		}
		col := resultCol{name: rt.Name, t: e.typ()}
		if col.name == "" {
			col.name = outputName(rt.Val)
		}
		if c, ok := e.(*colExpr); ok && sc != nil && c.idx < len(sc.cols) {
			col.tableOID, col.attNum = sc.cols[c.idx].tableOID, sc.cols[c.idx].attNum
		}
		out = append(out, target{e: e, col: col, node: rt.Val})
	}
	return out, nil
}

func (p *planner) expandStar(qual []string, sc *scope) ([]target, error) {
	table := ""
	if len(qual) > 0 {
		table = qual[len(qual)-1]
	}
	var out []target
	found := false
	for i, c := range sc.cols {
		if table != "" && c.table != table {
			continue
		}
		found = true
		if c.hidden || c.merged && table == "" {
			continue
		}
		out = append(out, target{e: &colExpr{idx: i, t: c.t}, col: resultCol{name: c.name, t: c.t, tableOID: c.tableOID, attNum: c.attNum}})
	}
	if table != "" && !found {
		return nil, pgerror.New(pgerror.UndefinedTable, "missing FROM-clause entry for table \"%s\"", table)
	}
	if table == "" && len(sc.cols) == 0 && sc.agg == nil {
		return nil, pgerror.New(pgerror.SyntaxError, "SELECT * with no tables specified is not valid")
	}
	return out, nil
}

// planProjection adds the select list, DISTINCT, ORDER BY and LIMIT.
func (p *planner) planProjection(src node, sc *scope, sel *pg_query.SelectStmt) (node, error) {
	src, sc, err := p.planTargetSRF(src, sc, sel.TargetList)
	if err != nil {
		return nil, err
	}
	targets, err := p.compileTargets(sel.TargetList, sc)
	if err != nil {
		return nil, err
	}
	for i := range targets {
		if targets[i].e, err = p.resolveUnknown(targets[i].e); err != nil {
			return nil, err
		}
		targets[i].col.t = targets[i].e.typ()
	}
	return p.planOrderLimitTargets(src, sc, sel, targets)
}

// planOrderLimit handles ORDER BY/LIMIT over a node whose output is final
// (VALUES, set operations).
func (p *planner) planOrderLimit(src node, sel *pg_query.SelectStmt, sc *scope, _ []target) (node, error) {
	var targets []target
	for i, c := range src.columns() {
		targets = append(targets, target{e: &colExpr{idx: i, t: c.t}, col: c})
	}
	if len(sel.SortClause) == 0 && sel.LimitCount == nil && sel.LimitOffset == nil {
		return src, nil
	}
	return p.planOrderLimitTargets(src, sc, &pg_query.SelectStmt{SortClause: sel.SortClause, LimitCount: sel.LimitCount, LimitOffset: sel.LimitOffset, LimitOption: sel.LimitOption}, targets)
}

func (p *planner) planOrderLimitTargets(src node, sc *scope, sel *pg_query.SelectStmt, targets []target) (node, error) {
	exprs := make([]expr, len(targets))
	cols := make([]resultCol, len(targets))
	for i, t := range targets {
		exprs[i], cols[i] = t.e, t.col
	}
	visible := len(exprs)

	// ORDER BY keys: output columns by ordinal or name, else extra columns
	var keys []sortKey
	for _, s := range sel.SortClause {
		sb := s.GetSortBy()
		idx := -1
		if c := sb.Node.GetAConst(); c != nil && c.GetIval() != nil {
			k := int(c.GetIval().Ival)
			if k < 1 || k > visible {
				return nil, pgerror.New(pgerror.InvalidColumnReference, "ORDER BY position %d is not in select list", k)
			}
			idx = k - 1
		} else if sb.Node.GetAConst() != nil {
			return nil, pgerror.New(pgerror.SyntaxError, "non-integer constant in ORDER BY")
		} else if cr := sb.Node.GetColumnRef(); cr != nil && len(cr.Fields) == 1 && cr.Fields[0].GetString_() != nil {
			name := cr.Fields[0].GetString_().Sval
			for i := 0; i < visible; i++ {
				if cols[i].name == name {
					if idx >= 0 {
						if _, isCol := exprs[i].(*colExpr); !isCol {
							return nil, pgerror.New(pgerror.AmbiguousColumn, "ORDER BY \"%s\" is ambiguous", name)
						}
						continue
					}
					idx = i
				}
			}
		}
		if idx < 0 {
			key := exprKey(sb.Node)
			for i, t := range targets {
				if t.node != nil && exprKey(t.node) == key {
					idx = i
					break
				}
			}
		}
		if idx < 0 {
			if sc == nil {
				return nil, pgerror.New(pgerror.UndefinedColumn, "column in ORDER BY does not exist")
			}
			saved := p.where
			p.where = "ORDER BY"
			e, err := p.compileExpr(sb.Node, sc)
			p.where = saved
			if err != nil {
				return nil, err
			}
			if e, err = p.resolveUnknown(e); err != nil {
				return nil, err
			}
			exprs = append(exprs, e)
			cols = append(cols, resultCol{name: "?sort?", t: e.typ(), hidden: true})
			idx = len(exprs) - 1
		}
		k := sortKey{idx: idx, t: cols[idx].t, desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
		k.nullsFirst = k.desc
		switch sb.SortbyNulls {
		case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
			k.nullsFirst = true
		case pg_query.SortByNulls_SORTBY_NULLS_LAST:
			k.nullsFirst = false
		}
		if sb.SortbyDir == pg_query.SortByDir_SORTBY_USING {
			return nil, pgerror.Unsupported("ORDER BY USING")
		}
		keys = append(keys, k)
	}

	// DISTINCT ON key columns
	var onKeys []int
	distinct := len(sel.DistinctClause) > 0
	if distinct && !(len(sel.DistinctClause) == 1 && (sel.DistinctClause[0] == nil || sel.DistinctClause[0].Node == nil)) {
		for _, dn := range sel.DistinctClause {
			e, err := p.compileExpr(dn, sc)
			if err != nil {
				return nil, err
			}
			idx := -1
			if c := dn.GetAConst(); c != nil && c.GetIval() != nil {
				idx = int(c.GetIval().Ival) - 1
			}
			if idx < 0 {
				exprs = append(exprs, e)
				cols = append(cols, resultCol{name: "?distinct?", t: e.typ(), hidden: true})
				idx = len(exprs) - 1
			}
			onKeys = append(onKeys, idx)
		}
	}

	// Volatile select-list expressions that no sort key reads are
	// evaluated after the sort, under the limit, as PostgreSQL does
	// (nextval then numbers only the rows fetched, in their order): the first
	// projection leaves them NULL and carries the source row along.
	var late []expr
	if len(keys) > 0 && !distinct {
		for i := 0; i < visible; i++ {
			if !isVolatile(exprs[i]) || sortsBy(keys, i) {
				continue
			}
			if late == nil {
				late = make([]expr, len(exprs))
			}
			late[i] = exprs[i]
		}
	}
	if late != nil {
		early := append([]expr(nil), exprs...)
		earlyCols := append([]resultCol(nil), cols...)
		for i, e := range late {
			if e != nil {
				early[i] = &constExpr{v: nil, t: e.typ()}
				late[i] = &offsetExpr{e: e, off: len(exprs)}
			} else {
				late[i] = &colExpr{idx: i, t: cols[i].t}
			}
		}
		for i, c := range src.columns() {
			early = append(early, &colExpr{idx: i, t: c.t})
			earlyCols = append(earlyCols, resultCol{name: "?src?", t: c.t, hidden: true})
		}
		exprs, cols = early, earlyCols
	}
	var n node = src
	if !isIdentityProjection(exprs, src.columns()) {
		n = &projectNode{src: src, exprs: exprs, cols: cols}
	} else {
		n = &renameNode{src: src, cols: cols}
	}
	if distinct && onKeys == nil {
		n = &distinctNode{src: n, keys: seq(visible)}
	}
	if len(keys) > 0 && !p.tryOrderedScan(n, keys) {
		n = &sortNode{src: n, keys: keys}
	}
	if onKeys != nil {
		n = &distinctNode{src: n, keys: onKeys, consecutive: true}
	}
	if late != nil {
		// below the limit, as in PostgreSQL: rows OFFSET skips are
		// evaluated too
		n = &projectNode{src: n, exprs: late, cols: cols[:len(late)]}
	}
	if sel.LimitCount != nil || sel.LimitOffset != nil {
		ln := &limitNode{src: n}
		var err error
		if sel.LimitCount != nil && !isNullConst(sel.LimitCount) {
			if ln.limit, err = p.compileLimit(sel.LimitCount, "LIMIT"); err != nil {
				return nil, err
			}
		}
		if sel.LimitOffset != nil {
			if ln.offset, err = p.compileLimit(sel.LimitOffset, "OFFSET"); err != nil {
				return nil, err
			}
		}
		if sel.LimitOption == pg_query.LimitOption_LIMIT_OPTION_WITH_TIES {
			return nil, pgerror.Unsupported("FETCH ... WITH TIES")
		}
		n = ln
	}
	if len(n.columns()) > visible {
		n = &trimNode{src: n, n: visible}
	}
	return n, nil
}

func sortsBy(keys []sortKey, idx int) bool {
	for _, k := range keys {
		if k.idx == idx {
			return true
		}
	}
	return false
}

// offsetExpr evaluates e over the row from off on: a postponed select-list
// expression reads the source row carried behind the projected columns.
type offsetExpr struct {
	e   expr
	off int
}

func (o *offsetExpr) eval(rc *runCtx, row []types.Datum) (types.Datum, error) {
	ec := hostOf(rc)
	return o.e.eval(ec.runCtx, row[o.off:])
}
func (o *offsetExpr) typ() types.T { return o.e.typ() }

func isNullConst(n *pg_query.Node) bool {
	c := n.GetAConst()
	return c != nil && c.Isnull
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func isIdentityProjection(exprs []expr, in []resultCol) bool {
	if len(exprs) != len(in) {
		return false
	}
	for i, e := range exprs {
		c, ok := e.(*colExpr)
		if !ok || c.idx != i {
			return false
		}
	}
	return true
}

func (p *planner) compileLimit(n *pg_query.Node, what string) (expr, error) {
	saved := p.where
	p.where = what
	defer func() { p.where = saved }()
	e, err := p.compileExpr(n, &scope{})
	if err != nil {
		return nil, err
	}
	return p.coerce(e, int8T, types.CastAssignment)
}

// planValues plans a VALUES list; want gives target column types (INSERT).
func (p *planner) planValues(lists []*pg_query.Node, parent *scope, want []types.T) (node, error) {
	v := &valuesNode{}
	sc := &scope{parent: parent}
	width := -1
	for _, l := range lists {
		items := l.GetList().GetItems()
		if width >= 0 && len(items) != width {
			return nil, pgerror.New(pgerror.SyntaxError, "VALUES lists must all be the same length")
		}
		width = len(items)
		row := make([]expr, len(items))
		for i, it := range items {
			if it.GetSetToDefault() != nil && want != nil {
				row[i] = defaultMarker{}
				continue
			}
			e, err := p.compileExpr(it, sc)
			if err != nil {
				return nil, err
			}
			if want != nil && i < len(want) {
				if e, err = p.coerce(e, want[i], types.CastAssignment); err != nil {
					return nil, err
				}
			}
			row[i] = e
		}
		v.rows = append(v.rows, row)
	}
	for c := 0; c < width; c++ {
		col := make([]expr, 0, len(v.rows))
		for _, r := range v.rows {
			if _, ok := r[c].(defaultMarker); !ok {
				col = append(col, r[c])
			}
		}
		t, err := p.unify(col, "VALUES")
		if err != nil {
			return nil, err
		}
		if t.OID == types.UnknownOID {
			t = textT
		}
		if want != nil && c < len(want) {
			t = want[c]
		}
		for _, r := range v.rows {
			if _, ok := r[c].(defaultMarker); ok {
				continue
			}
			if r[c], err = p.coerce(r[c], t, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		v.cols = append(v.cols, resultCol{name: "column" + itoa(c+1), t: t})
	}
	return v, nil
}

// defaultMarker stands for DEFAULT in an INSERT's VALUES row.
type defaultMarker struct{}

func (defaultMarker) eval(*runCtx, []types.Datum) (types.Datum, error) { return nil, nil }
func (defaultMarker) typ() types.T                                     { return unknownT }

func (p *planner) planSetOp(sel *pg_query.SelectStmt, parent *scope) (node, error) {
	l, err := p.planSelect(sel.Larg, parent)
	if err != nil {
		return nil, err
	}
	r, err := p.planSelect(sel.Rarg, parent)
	if err != nil {
		return nil, err
	}
	lc, rc := l.columns(), r.columns()
	if len(lc) != len(rc) {
		op := strings.TrimPrefix(sel.Op.String(), "SETOP_")
		return nil, pgerror.New(pgerror.SyntaxError, "each %s query must have the same number of columns", op)
	}
	cols := make([]resultCol, len(lc))
	lx, rx := make([]expr, len(lc)), make([]expr, len(lc))
	lconv, rconv := false, false
	for i := range lc {
		a, b := expr(&colExpr{idx: i, t: lc[i].t}), expr(&colExpr{idx: i, t: rc[i].t})
		pair := []expr{a, b}
		t := commonType(pair)
		if t.OID == types.UnknownOID {
			t = textT
		}
		if lc[i].t.OID == types.UnknownOID || lc[i].t != t {
			lconv = true
		}
		if rc[i].t.OID == types.UnknownOID || rc[i].t != t {
			rconv = true
		}
		if lx[i], err = p.coerceCol(a, lc[i].t, t); err != nil {
			return nil, err
		}
		if rx[i], err = p.coerceCol(b, rc[i].t, t); err != nil {
			return nil, err
		}
		cols[i] = resultCol{name: lc[i].name, t: t}
	}
	if lconv {
		l = &projectNode{src: l, exprs: lx, cols: cols}
	}
	if rconv {
		r = &projectNode{src: r, exprs: rx, cols: cols}
	}
	var op setOpKind
	switch sel.Op {
	case pg_query.SetOperation_SETOP_UNION:
		op = setUnion
	case pg_query.SetOperation_SETOP_INTERSECT:
		op = setIntersect
	default:
		op = setExcept
	}
	var n node = &setOpNode{l: l, r: r, op: op, all: sel.All, cols: cols}
	return p.planOrderLimit(n, sel, &scope{cols: cols, parent: parent}, nil)
}

// coerceCol casts a column of type from (possibly unknown) to t.
func (p *planner) coerceCol(e expr, from, t types.T) (expr, error) {
	if from == t {
		return e, nil
	}
	if from.OID == types.UnknownOID {
		return &castExpr{e: e, from: textT, to: t, cc: types.CastExplicit}, nil
	}
	return p.coerce(e, t, types.CastImplicit)
}

// relationOID resolves a relation name to its OID (tables, indexes,
// sequences, catalog views).
func (p *planner) relationOID(schema, name string) (uint32, bool) {
	if schema == "" || schema == "public" {
		if t, ok := p.cat.Tables[name]; ok {
			return t.OID, true
		}
		if t, ok := p.cat.Indexes[name]; ok {
			if t.PKName == name {
				return t.PKOID, true
			}
			for _, ix := range t.Indexes {
				if ix.Name == name {
					return ix.OID, true
				}
			}
		}
		if s, ok := p.cat.Seqs[name]; ok {
			return s.OID, true
		}
		if v, ok := p.cat.Views[name]; ok {
			return v.OID, true
		}
	}
	if schema != "public" {
		if v := pgcatalog.Lookup(schema, name); v != nil {
			return v.OID, true
		}
	}
	return 0, false
}
