package plan

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// planner turns one statement's parse tree into a plan. It is used once.
type Planner struct {
	// insertSel and insertWant are an INSERT … SELECT's query and its
	// target columns' types, for its untyped literals (planProjection).
	insertSel  *pg_query.SelectStmt
	insertWant []types.T

	Host       Host
	Cat        *catalog.Catalog
	TempSchema string    // the session's temporary schema (pg_temp_<pid>), whether or not it exists
	Params     []types.T // parameter types, inferred where 0
	ParamExprs []*exec.ParamExpr
	MaxParam   int
	correlated bool // an outer reference was compiled
	noFold     int  // > 0: compiling what PostgreSQL's constant folding skips (fold.go)
	windowAgg  bool // compiling a window aggregate, which stays at its own level
	// readsContext: a literal was folded with the session zone or the
	// transaction's time (parseLiteral), so the plan is not reusable
	ReadsContext bool
	where        string // clause being compiled, for error messages
	ctes         []map[string]*exec.CTE
	dmlTarget    *pg_query.RangeVar // UPDATE/DELETE target: its scan carries rowRefs
	// dmlCmd is the target's row level security command (a
	// catalog.Policy* code, 0 for none), dmlReads whether the statement
	// reads its columns; rlsExpanding holds the tables whose policies are
	// being compiled (rowsecurity.go).
	dmlCmd       byte
	dmlReads     bool
	rlsExpanding map[uint32]bool
	// viewOwner is the owner of the view being planned (0 outside one):
	// the role its tables' row level security is decided for
	viewOwner uint32
	// policyDepth > 0: compiling a policy's expression, whose sub-queries
	// read their tables without a privilege check, as PostgreSQL's do
	policyDepth int
	// locking is the locking clause of the select being planned (its
	// FROM's locked scans carry rowRefs); lockTargets, once FROM is
	// planned, is what its LockRowsNode locks (locking.go).
	locking     *locking
	lockTargets []exec.RowLockTarget
	// TopWith is the WITH clause of the statement itself, the only one
	// that may hold INSERT, UPDATE or DELETE (writers, with_dml.go)
	TopWith   *pg_query.WithClause
	writers   []*Writer
	Deps      []uint32 // OIDs of the tables the plan uses
	viewDepth int
	// Path is the search path unqualified names resolve against (nil:
	// pg_catalog, public); SchemaUsage, when set, fails unless the current role
	// has USAGE on a schema named explicitly (namespace.go).
	Path        []string
	SchemaUsage func(cat *catalog.Catalog, schema string) error
	// Vars resolves names that are no column to the variables of the
	// routine the statement runs in (routines.go); nil outside one.
	Vars VarResolver
	// VarConflict says what a name that is both a column and a variable
	// means (PL/pgSQL's #variable_conflict): the column (ColumnsWin, SQL
	// functions' rule), an error, or the variable.
	VarConflict VarConflict
	// RowTypes lets a type name be a table's (its row type, a transient
	// record type: only where it is not stored as such — CREATE
	// FUNCTION's result, a PL/pgSQL variable).
	RowTypes bool
}

// useTable notes that the plan depends on t's descriptor.
func (p *Planner) useTable(t *catalog.Table) {
	for _, o := range p.Deps {
		if o == t.OID {
			return
		}
	}
	p.Deps = append(p.Deps, t.OID)
}

func (p *Planner) lookupCTE(name string) *exec.CTE {
	for i := len(p.ctes) - 1; i >= 0; i-- {
		if d, ok := p.ctes[i][name]; ok {
			return d
		}
	}
	return nil
}

// planQuery plans any row-returning statement node (SELECT, VALUES).
func (p *Planner) PlanQuery(n *pg_query.Node, parent *Scope) (exec.Node, error) {
	sel := n.GetSelectStmt()
	if sel == nil {
		return nil, pgerror.Unsupported("statement " + NodeName(n) + " in this position")
	}
	return p.PlanSelect(sel, parent)
}

func (p *Planner) planWith(w *pg_query.WithClause, parent *Scope) error {
	m := map[string]*exec.CTE{}
	p.ctes = append(p.ctes, m)
	for _, c := range w.Ctes {
		cte := c.GetCommonTableExpr()
		def := &exec.CTE{Name: cte.Ctename}
		q := cte.Ctequery.GetSelectStmt()
		if (cte.SearchClause != nil || cte.CycleClause != nil) &&
			!(w.Recursive && q != nil && q.Op != pg_query.SetOperation_SETOP_NONE && refersTo(q.Rarg, cte.Ctename)) {
			return pgerror.New(pgerror.SyntaxError, "WITH query is not recursive")
		}
		var plan exec.Node
		var err error
		if q == nil { // INSERT, UPDATE or DELETE (with_dml.go)
			if plan, err = p.planWriter(cte, w == p.TopWith && parent == nil); err != nil {
				return err
			}
			def.Plan, def.Cols = plan, cteColumns(plan, cte)
			m[cte.Ctename] = def
			continue
		}
		saved := p.correlated
		p.correlated = false
		if w.Recursive && q.Op != pg_query.SetOperation_SETOP_NONE && refersTo(q.Rarg, cte.Ctename) {
			plan, err = p.planRecursive(def, q, cte, parent, m)
		} else {
			plan, err = p.PlanSelect(q, parent)
		}
		def.Correlated, def.Parent = p.correlated, parent
		p.correlated = saved || p.correlated
		if err != nil {
			return err
		}
		if len(cte.Aliascolnames) > len(VisibleCols(plan)) {
			return cteColumnCountErr(cte, len(VisibleCols(plan)))
		}
		def.Plan, def.Cols = plan, cteColumns(plan, cte)
		m[cte.Ctename] = def
	}
	return nil
}

// cteColumns names a WITH query's columns by its column aliases.
func cteColumns(plan exec.Node, cte *pg_query.CommonTableExpr) []exec.Column {
	cols := append([]exec.Column(nil), plan.Columns()...)
	for i, a := range cte.Aliascolnames {
		if i < len(cols) {
			cols[i].Name = a.GetString_().Sval
		}
	}
	for i := range cols {
		cols[i].Table = cte.Ctename
	}
	return cols
}

// refersTo reports whether a select mentions relation name anywhere.
func refersTo(sel *pg_query.SelectStmt, name string) bool {
	found := false
	var visit func(m *pg_query.Node)
	visit = func(m *pg_query.Node) {
		WalkNodes(m, func(x *pg_query.Node) bool {
			if rv := x.GetRangeVar(); rv != nil && rv.Relname == name && rv.Schemaname == "" {
				found = true
			}
			if rs := x.GetRangeSubselect(); rs != nil {
				visit(rs.Subquery)
			}
			if sl := x.GetSubLink(); sl != nil {
				visit(sl.Subselect)
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

func (p *Planner) PlanSelect(sel *pg_query.SelectStmt, parent *Scope) (exec.Node, error) {
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
	savedLocking, savedTargets := p.locking, p.lockTargets
	p.locking, p.lockTargets = nil, nil
	defer func() { p.locking, p.lockTargets = savedLocking, savedTargets }()
	if len(sel.LockingClause) > 0 {
		lk, err := p.resolveLocking(sel) // locking.go
		if err != nil {
			return nil, err
		}
		if len(lk.rels) > 0 {
			p.locking = lk
		}
	}
	if sel.Op != pg_query.SetOperation_SETOP_NONE {
		return p.planSetOp(sel, parent)
	}
	if len(sel.ValuesLists) > 0 {
		v, err := p.planValues(sel.ValuesLists, parent, nil)
		if err != nil {
			return nil, err
		}
		return p.planOrderLimit(v, sel, &Scope{cols: v.Columns(), parent: parent}, nil)
	}

	var src exec.Node
	var sc *Scope
	var err error
	if len(sel.FromClause) == 0 {
		src, sc = &exec.OneRowNode{}, &Scope{parent: parent}
		if sel.WhereClause != nil {
			p.where = "WHERE"
			pred, err := p.CompilePredicate(sel.WhereClause, sc, "WHERE")
			if err != nil {
				return nil, err
			}
			src = &exec.FilterNode{Src: src, Pred: pred}
		}
	} else if src, sc, err = p.planFrom(sel.FromClause, sel.WhereClause, parent); err != nil {
		return nil, err
	}
	if lk := p.locking; lk != nil {
		p.locking = nil // the select's own FROM is planned: nested selects lock nothing of it
		if err := p.checkLocked(lk, sel); err != nil {
			return nil, err
		}
		if p.lockTargets, err = lockTargets(lk, src.Columns()); err != nil {
			return nil, err
		}
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
	// an aggregate belongs to the level of the columns it reads (agg_level.go)
	aggs = append(localAggs(aggs, sc), p.outerLevelAggs(sel, sc)...)
	if len(aggs) > 0 || len(sel.GroupClause) > 0 || sel.HavingClause != nil {
		if src, sc, err = p.planAgg(src, sc, sel, aggs); err != nil {
			return nil, err
		}
		if sel.HavingClause != nil {
			pred, err := p.CompilePredicate(sel.HavingClause, sc, "HAVING")
			if err != nil {
				return nil, err
			}
			src = &exec.FilterNode{Src: src, Pred: pred}
		}
	}
	if src, sc, err = p.planWindows(src, sc, sel); err != nil {
		return nil, err
	}
	return p.planProjection(src, sc, sel)
}

func (p *Planner) CompilePredicate(n *pg_query.Node, sc *Scope, clause string) (exec.Expr, error) {
	saved := p.where
	p.where = clause
	defer func() { p.where = saved }()
	e, err := p.CompileExpr(n, sc)
	if err != nil {
		return nil, err
	}
	b, err := p.Coerce(e, exec.BoolT, types.CastImplicit)
	if err != nil {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "argument of %s must be type boolean, not type %s", clause, types.FormatType(e.Type()))
	}
	return b, nil
}

// target is one compiled select-list entry.
type target struct {
	e    exec.Expr
	col  exec.Column
	node *pg_query.Node
}

func (p *Planner) compileTargets(list []*pg_query.Node, sc *Scope) ([]target, error) {
	saved := p.where
	p.where = "SELECT"
	defer func() { p.where = saved }()
	var out []target
	for _, item := range list {
		rt := item.GetResTarget()
		if cr := rt.Val.GetColumnRef(); cr != nil {
			f := NodeStrings(cr.Fields)
			if f[len(f)-1] == "*" {
				star, err := p.expandStar(f[:len(f)-1], sc)
				if err != nil {
					return nil, err
				}
				out = append(out, star...)
				continue
			}
		}
		if ind := rt.Val.GetAIndirection(); ind != nil && ind.Indirection[len(ind.Indirection)-1].GetAStar() != nil {
			fields, err := p.expandRecord(ind, sc) // (expr).*
			if err != nil {
				return nil, err
			}
			out = append(out, fields...)
			continue
		}
		e, err := p.CompileExpr(rt.Val, sc)
		if err != nil {
			return nil, err
		}
		col := exec.Column{Name: rt.Name, T: e.Type()}
		if col.Name == "" {
			col.Name = outputName(rt.Val)
		}
		if c, ok := e.(*exec.ColExpr); ok && sc != nil && c.Idx < len(sc.cols) {
			col.TableOID, col.AttNum = sc.cols[c.Idx].TableOID, sc.cols[c.Idx].AttNum
		}
		out = append(out, target{e: e, col: col, node: rt.Val})
	}
	return out, nil
}

func (p *Planner) expandStar(qual []string, sc *Scope) ([]target, error) {
	table := ""
	if len(qual) > 0 {
		table = qual[len(qual)-1]
	}
	var out []target
	found := false
	for i, c := range sc.cols {
		if table != "" && c.Table != table {
			continue
		}
		found = true
		if c.Hidden || c.Merged && table == "" {
			continue
		}
		out = append(out, target{e: &exec.ColExpr{Idx: i, T: c.T}, col: exec.Column{Name: c.Name, T: c.T, TableOID: c.TableOID, AttNum: c.AttNum}})
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
func (p *Planner) planProjection(src exec.Node, sc *Scope, sel *pg_query.SelectStmt) (exec.Node, error) {
	src, sc, err := p.planTargetSRF(src, sc, sel.TargetList)
	if err != nil {
		return nil, err
	}
	targets, err := p.compileTargets(sel.TargetList, sc)
	if err != nil {
		return nil, err
	}
	for i := range targets {
		if sel == p.insertSel && i < len(p.insertWant) && isUnknown(targets[i].e) {
			// INSERT … SELECT NULL: an untyped literal takes the target
			// column's type, as in PostgreSQL
			if targets[i].e, err = p.Coerce(targets[i].e, p.insertWant[i], types.CastAssignment); err != nil {
				return nil, err
			}
		} else if targets[i].e, err = p.ResolveUnknown(targets[i].e); err != nil {
			return nil, err
		}
		targets[i].col.T = targets[i].e.Type()
	}
	return p.planOrderLimitTargets(src, sc, sel, targets)
}

// planOrderLimit handles ORDER BY/LIMIT over a node whose output is final
// (VALUES, set operations).
func (p *Planner) planOrderLimit(src exec.Node, sel *pg_query.SelectStmt, sc *Scope, _ []target) (exec.Node, error) {
	var targets []target
	for i, c := range src.Columns() {
		targets = append(targets, target{e: &exec.ColExpr{Idx: i, T: c.T}, col: c})
	}
	if len(sel.SortClause) == 0 && sel.LimitCount == nil && sel.LimitOffset == nil {
		return src, nil
	}
	return p.planOrderLimitTargets(src, sc, &pg_query.SelectStmt{SortClause: sel.SortClause, LimitCount: sel.LimitCount, LimitOffset: sel.LimitOffset, LimitOption: sel.LimitOption}, targets)
}

func (p *Planner) planOrderLimitTargets(src exec.Node, sc *Scope, sel *pg_query.SelectStmt, targets []target) (exec.Node, error) {
	exprs := make([]exec.Expr, len(targets))
	cols := make([]exec.Column, len(targets))
	for i, t := range targets {
		exprs[i], cols[i] = t.e, t.col
	}
	visible := len(exprs)

	// ORDER BY keys: output columns by ordinal or name, else extra columns
	var keys []exec.SortKey
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
				if cols[i].Name == name {
					if idx >= 0 {
						if _, isCol := exprs[i].(*exec.ColExpr); !isCol {
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
			e, err := p.CompileExpr(sb.Node, sc)
			p.where = saved
			if err != nil {
				return nil, err
			}
			if e, err = p.ResolveUnknown(e); err != nil {
				return nil, err
			}
			exprs = append(exprs, e)
			cols = append(cols, exec.Column{Name: "?sort?", T: e.Type(), Hidden: true})
			idx = len(exprs) - 1
		}
		k := exec.SortKey{Idx: idx, T: cols[idx].T, Desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
		if sb.SortbyDir == pg_query.SortByDir_SORTBY_USING {
			// ORDER BY x USING < | >: the btree ordering operators
			textual := k.T.OID == types.TextOID || k.T.OID == types.VarcharOID || k.T.OID == types.BpcharOID
			switch op := LastName(sb.UseOp); {
			case op == "<":
			case op == ">":
				k.Desc = true
			case (op == "~<~" || op == "~>~") && textual: // the pattern operators: byte order, as the C collation
				k.Desc = op == "~>~"
			case op == "~<~" || op == "~>~":
				return nil, pgerror.New(pgerror.UndefinedFunction, "operator does not exist: %s %s %s", types.FormatType(k.T), op, types.FormatType(k.T))
			default:
				return nil, &pgerror.Error{Code: "42809", Message: "operator " + op + " is not a valid ordering operator",
					Hint: "Ordering operators must be \"<\" or \">\" members of btree operator families."}
			}
		}
		k.NullsFirst = k.Desc
		switch sb.SortbyNulls {
		case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
			k.NullsFirst = true
		case pg_query.SortByNulls_SORTBY_NULLS_LAST:
			k.NullsFirst = false
		}
		keys = append(keys, k)
	}

	// DISTINCT ON key columns
	var onKeys []int
	distinct := len(sel.DistinctClause) > 0
	if distinct && !(len(sel.DistinctClause) == 1 && (sel.DistinctClause[0] == nil || sel.DistinctClause[0].Node == nil)) {
		for _, dn := range sel.DistinctClause {
			e, err := p.CompileExpr(dn, sc)
			if err != nil {
				return nil, err
			}
			idx := -1
			if c := dn.GetAConst(); c != nil && c.GetIval() != nil {
				idx = int(c.GetIval().Ival) - 1
			}
			if idx < 0 {
				exprs = append(exprs, e)
				cols = append(cols, exec.Column{Name: "?distinct?", T: e.Type(), Hidden: true})
				idx = len(exprs) - 1
			}
			onKeys = append(onKeys, idx)
		}
	}

	// A locking clause's row references ride behind, hidden.
	locks := p.lockTargets
	p.lockTargets = nil
	for i := range locks {
		idx := locks[i].RefIdx
		exprs = append(exprs, &exec.ColExpr{Idx: idx, T: src.Columns()[idx].T})
		cols = append(cols, exec.Column{Name: refColumn, T: src.Columns()[idx].T, Hidden: true})
		locks[i].RefIdx = len(exprs) - 1
	}

	// Volatile select-list expressions that no sort key reads are
	// evaluated after the sort, under the limit, as PostgreSQL does
	// (nextval then numbers only the rows fetched, in their order): the first
	// projection leaves them NULL and carries the source row along.
	var late []exec.Expr
	if len(keys) > 0 && !distinct {
		for i := 0; i < visible; i++ {
			if !isVolatile(exprs[i]) || sortsBy(keys, i) {
				continue
			}
			if late == nil {
				late = make([]exec.Expr, len(exprs))
			}
			late[i] = exprs[i]
		}
	}
	if late != nil {
		early := append([]exec.Expr(nil), exprs...)
		earlyCols := append([]exec.Column(nil), cols...)
		for i, e := range late {
			if e != nil {
				early[i] = &exec.ConstExpr{V: nil, T: e.Type()}
				late[i] = &offsetExpr{e: e, off: len(exprs)}
			} else {
				late[i] = &exec.ColExpr{Idx: i, T: cols[i].T}
			}
		}
		for i, c := range src.Columns() {
			early = append(early, &exec.ColExpr{Idx: i, T: c.T})
			earlyCols = append(earlyCols, exec.Column{Name: "?src?", T: c.T, Hidden: true})
		}
		exprs, cols = early, earlyCols
	}
	var n exec.Node = src
	if !isIdentityProjection(exprs, src.Columns()) {
		n = &exec.ProjectNode{Src: src, Exprs: exprs, Cols: cols}
	} else {
		n = &exec.RenameNode{Src: src, Cols: cols}
	}
	if distinct && onKeys == nil {
		n = &exec.DistinctNode{Src: n, Keys: exec.Seq(visible)}
	}
	if len(keys) > 0 && !p.tryOrderedScan(n, keys, sel.LimitCount != nil && !isNullConst(sel.LimitCount)) {
		n = &exec.SortNode{Src: n, Keys: keys}
	}
	if onKeys != nil {
		n = &exec.DistinctNode{Src: n, Keys: onKeys, Consecutive: true}
	}
	withTies := sel.LimitOption == pg_query.LimitOption_LIMIT_OPTION_WITH_TIES
	var lockNode *exec.LockRowsNode
	if len(locks) > 0 {
		lockNode = &exec.LockRowsNode{Src: n, Targets: locks}
		n = lockNode
	}
	if late != nil && !withTies {
		// below the limit, as in PostgreSQL: rows OFFSET skips are
		// evaluated too
		n = &exec.ProjectNode{Src: n, Exprs: late, Cols: cols[:len(late)]}
	}
	if sel.LimitCount != nil || sel.LimitOffset != nil {
		ln := &exec.LimitNode{Src: n}
		if withTies {
			// the ties are compared on the sort keys, over the rows the
			// sort produced (a late projection goes above)
			ln.Ties = keys
		}
		var err error
		if sel.LimitCount != nil && (withTies || !isNullConst(sel.LimitCount)) {
			if ln.Limit, err = p.compileLimit(sel.LimitCount, "LIMIT"); err != nil {
				return nil, err
			}
		}
		if sel.LimitOffset != nil {
			if ln.Offset, err = p.compileLimit(sel.LimitOffset, "OFFSET"); err != nil {
				return nil, err
			}
		}
		if lockNode != nil && !withTies {
			lockNode.Limit, lockNode.Offset = ln.Limit, ln.Offset
		}
		n = ln
	}
	if late != nil && withTies {
		n = &exec.ProjectNode{Src: n, Exprs: late, Cols: cols[:len(late)]}
	}
	if len(n.Columns()) > visible {
		n = &exec.TrimNode{Src: n, N: visible}
	}
	return n, nil
}

func sortsBy(keys []exec.SortKey, idx int) bool {
	for _, k := range keys {
		if k.Idx == idx {
			return true
		}
	}
	return false
}

// offsetExpr evaluates e over the row from off on: a postponed select-list
// expression reads the source row carried behind the projected columns.
type offsetExpr struct {
	e   exec.Expr
	off int
}

func (o *offsetExpr) Eval(rc *exec.Ctx, row []types.Datum) (types.Datum, error) {
	return o.e.Eval(rc, row[o.off:])
}
func (o *offsetExpr) Type() types.T { return o.e.Type() }

func isNullConst(n *pg_query.Node) bool {
	c := n.GetAConst()
	return c != nil && c.Isnull
}

func isIdentityProjection(exprs []exec.Expr, in []exec.Column) bool {
	if len(exprs) != len(in) {
		return false
	}
	for i, e := range exprs {
		c, ok := e.(*exec.ColExpr)
		if !ok || c.Idx != i {
			return false
		}
	}
	return true
}

func (p *Planner) compileLimit(n *pg_query.Node, what string) (exec.Expr, error) {
	saved := p.where
	p.where = what
	defer func() { p.where = saved }()
	e, err := p.CompileExpr(n, &Scope{})
	if err != nil {
		return nil, err
	}
	return p.Coerce(e, exec.Int8T, types.CastAssignment)
}

// planValues plans a VALUES list; want gives target column types (INSERT).
func (p *Planner) planValues(lists []*pg_query.Node, parent *Scope, want []types.T) (exec.Node, error) {
	v := &exec.ValuesNode{}
	sc := &Scope{parent: parent}
	width := -1
	for _, l := range lists {
		items := l.GetList().GetItems()
		if width >= 0 && len(items) != width {
			return nil, pgerror.New(pgerror.SyntaxError, "VALUES lists must all be the same length")
		}
		width = len(items)
		row := make([]exec.Expr, len(items))
		for i, it := range items {
			if it.GetSetToDefault() != nil && want != nil {
				row[i] = exec.DefaultMarker{}
				continue
			}
			e, err := p.CompileExpr(it, sc)
			if err != nil {
				return nil, err
			}
			if want != nil && i < len(want) {
				if e, err = p.Coerce(e, want[i], types.CastAssignment); err != nil {
					return nil, err
				}
			}
			row[i] = e
		}
		v.Rows = append(v.Rows, row)
	}
	for c := 0; c < width; c++ {
		col := make([]exec.Expr, 0, len(v.Rows))
		for _, r := range v.Rows {
			if _, ok := r[c].(exec.DefaultMarker); !ok {
				col = append(col, r[c])
			}
		}
		t, err := p.unify(col, "VALUES")
		if err != nil {
			return nil, err
		}
		if t.OID == types.UnknownOID {
			t = exec.TextT
		}
		if want != nil && c < len(want) {
			t = want[c]
		}
		for _, r := range v.Rows {
			if _, ok := r[c].(exec.DefaultMarker); ok {
				continue
			}
			if r[c], err = p.Coerce(r[c], t, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		v.Cols = append(v.Cols, exec.Column{Name: "column" + exec.Itoa(c+1), T: t})
	}
	return v, nil
}

func (p *Planner) planSetOp(sel *pg_query.SelectStmt, parent *Scope) (exec.Node, error) {
	l, err := p.PlanSelect(sel.Larg, parent)
	if err != nil {
		return nil, err
	}
	r, err := p.PlanSelect(sel.Rarg, parent)
	if err != nil {
		return nil, err
	}
	lc, rc := l.Columns(), r.Columns()
	if len(lc) != len(rc) {
		op := strings.TrimPrefix(sel.Op.String(), "SETOP_")
		return nil, pgerror.New(pgerror.SyntaxError, "each %s query must have the same number of columns", op)
	}
	cols := make([]exec.Column, len(lc))
	lx, rx := make([]exec.Expr, len(lc)), make([]exec.Expr, len(lc))
	lconv, rconv := false, false
	for i := range lc {
		a, b := exec.Expr(&exec.ColExpr{Idx: i, T: lc[i].T}), exec.Expr(&exec.ColExpr{Idx: i, T: rc[i].T})
		pair := []exec.Expr{a, b}
		t := commonType(pair)
		if t.OID == types.UnknownOID {
			t = exec.TextT
		}
		if lc[i].T.OID == types.UnknownOID || lc[i].T != t {
			lconv = true
		}
		if rc[i].T.OID == types.UnknownOID || rc[i].T != t {
			rconv = true
		}
		if lx[i], err = p.coerceCol(a, lc[i].T, t); err != nil {
			return nil, err
		}
		if rx[i], err = p.coerceCol(b, rc[i].T, t); err != nil {
			return nil, err
		}
		cols[i] = exec.Column{Name: lc[i].Name, T: t}
	}
	if lconv {
		l = &exec.ProjectNode{Src: l, Exprs: lx, Cols: cols}
	}
	if rconv {
		r = &exec.ProjectNode{Src: r, Exprs: rx, Cols: cols}
	}
	var op exec.SetOpKind
	switch sel.Op {
	case pg_query.SetOperation_SETOP_UNION:
		op = exec.SetUnion
	case pg_query.SetOperation_SETOP_INTERSECT:
		op = exec.SetIntersect
	default:
		op = exec.SetExcept
	}
	var n exec.Node = &exec.SetOpNode{L: l, R: r, Op: op, All: sel.All, Cols: cols}
	return p.planOrderLimit(n, sel, &Scope{cols: cols, parent: parent}, nil)
}

// coerceCol casts a column of type from (possibly unknown) to t.
func (p *Planner) coerceCol(e exec.Expr, from, t types.T) (exec.Expr, error) {
	if from == t {
		return e, nil
	}
	if from.OID == types.UnknownOID {
		return &exec.CastExpr{E: e, From: exec.TextT, To: t, Cc: types.CastExplicit}, nil
	}
	return p.Coerce(e, t, types.CastImplicit)
}

// relationOID resolves a relation name to its OID (tables, indexes,
// sequences, catalog views).
func (p *Planner) relationOID(schema, name string) (uint32, bool) {
	if schema == "" {
		if v := p.systemRelation(name); v != nil {
			return v.OID, true
		}
	}
	if schema == catalog.TempAlias && p.TempSchema != "" {
		schema = p.TempSchema
	}
	if key := p.Cat.RelKey(p.path(), schema, name); p.Cat.RelationExists(key) {
		if t, ok := p.Cat.Tables[key]; ok {
			return t.OID, true
		}
		if t, ok := p.Cat.Indexes[key]; ok {
			if t.PKName == name {
				return t.PKOID, true
			}
			for _, ix := range t.Indexes {
				if ix.Name == name {
					return ix.OID, true
				}
			}
		}
		if s, ok := p.Cat.Seqs[key]; ok {
			return s.OID, true
		}
		if v, ok := p.Cat.Views[key]; ok {
			return v.OID, true
		}
	}
	if schema == "" || catalog.IsSystemSchema(schema) {
		if v := pgcatalog.Lookup(schema, name); v != nil {
			return v.OID, true
		}
	}
	return 0, false
}
