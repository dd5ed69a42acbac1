package sql

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

type subKind uint8

const (
	subScalar subKind = iota
	subExists
	subAny
	subAll
	subArray
)

// subqueryExpr evaluates a sub-select. An uncorrelated one runs once per
// execution (its rows are cached in the execCtx).
type subqueryExpr struct {
	plan       node
	kind       subKind
	test       expr      // left operand of IN / ANY / ALL
	op         *types.Op // comparison of ANY / ALL
	t          types.T
	correlated bool
}

func (e *subqueryExpr) typ() types.T { return e.t }

func (e *subqueryExpr) rows(ec *runCtx, row []types.Datum, limit int) ([][]types.Datum, error) {
	if !e.correlated {
		// computed once, and only as far as its use needs (EXISTS one
		// row, a scalar two): a query with no end under EXISTS stops
		if ec.subs == nil {
			ec.subs = map[*subqueryExpr][][]types.Datum{}
		}
		if r, ok := ec.subs[e]; ok {
			return r, nil
		}
	}
	ec.outer = append(ec.outer, row)
	defer func() { ec.outer = ec.outer[:len(ec.outer)-1] }()
	it, err := e.plan.start(ec)
	if err != nil {
		return nil, err
	}
	defer it.close()
	var mem *memBudget // a few rows need no counting
	if limit <= 0 {
		mem = ec.budget("sub-query's result")
		if e.correlated {
			defer mem.release() // gone once the enclosing row is done
		}
	}
	var out [][]types.Datum
	for limit <= 0 || len(out) < limit {
		r, err := it.next()
		if err != nil {
			return nil, err
		}
		if r == nil {
			break
		}
		if err := mem.addRow(r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if !e.correlated {
		ec.subs[e] = out
	}
	return out, nil
}

func (e *subqueryExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	switch e.kind {
	case subExists:
		rows, err := e.rows(ec, row, 1)
		if err != nil {
			return nil, err
		}
		return len(rows) > 0, nil
	case subScalar:
		rows, err := e.rows(ec, row, 2)
		if err != nil {
			return nil, err
		}
		if len(rows) > 1 {
			return nil, pgerror.New(pgerror.CardinalityViolation, "more than one row returned by a subquery used as an expression")
		}
		if len(rows) == 0 {
			return nil, nil
		}
		return rows[0][0], nil
	case subArray:
		rows, err := e.rows(ec, row, 0)
		if err != nil {
			return nil, err
		}
		et, _ := types.ElemOf(e.t)
		elems := make([]types.Datum, len(rows))
		for i, r := range rows {
			elems[i] = r[0]
		}
		return types.Array{Elem: et, Elements: elems}, nil
	default:
		l, err := e.test.eval(ec, row)
		if err != nil {
			return nil, err
		}
		if e.kind == subAny && !e.correlated && e.op.Name == "=" && keyCompatible(e.op.Left, e.op.Right) {
			return e.hashedIn(ec, l)
		}
		rows, err := e.rows(ec, row, 0)
		if err != nil {
			return nil, err
		}
		vals := make([]types.Datum, len(rows))
		for i, r := range rows {
			vals[i] = r[0]
		}
		return quantified(ec, l, vals, e.op, e.kind == subAll)
	}
}

func (p *planner) compileSubLink(sl *pg_query.SubLink, sc *scope) (expr, error) {
	saved := p.correlated
	p.correlated = false
	plan, err := p.planQuery(sl.Subselect, sc)
	correlated := p.correlated
	p.correlated = saved || correlated
	if err != nil {
		return nil, err
	}
	cols := visibleCols(plan)
	e := &subqueryExpr{plan: plan, correlated: correlated}
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		e.kind, e.t = subExists, boolT
		return e, nil
	case pg_query.SubLinkType_EXPR_SUBLINK:
		if len(cols) != 1 {
			return nil, pgerror.New(pgerror.SyntaxError, "subquery must return only one column")
		}
		e.kind, e.t = subScalar, cols[0].t
		return e, nil
	case pg_query.SubLinkType_ARRAY_SUBLINK:
		if len(cols) != 1 {
			return nil, pgerror.New(pgerror.SyntaxError, "subquery must return only one column")
		}
		at, ok := types.ArrayOf(cols[0].t)
		if !ok {
			return nil, pgerror.New(pgerror.UndefinedObject, "could not find array type for data type %s", types.FormatType(cols[0].t))
		}
		e.kind, e.t = subArray, at
		return e, nil
	case pg_query.SubLinkType_ANY_SUBLINK, pg_query.SubLinkType_ALL_SUBLINK:
		if len(cols) != 1 {
			return nil, pgerror.Unsupported("row comparison with a subquery")
		}
		name := "="
		if len(sl.OperName) > 0 {
			name = lastName(sl.OperName)
		}
		test, err := p.compileExpr(sl.Testexpr, sc)
		if err != nil {
			return nil, err
		}
		if isUnknown(test) {
			if test, err = p.coerce(test, cols[0].t, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		op, err := lookupBinaryOp(name, test.typ(), cols[0].t)
		if err != nil {
			return nil, err
		}
		if test, err = p.coerce(test, op.Left, types.CastImplicit); err != nil {
			return nil, err
		}
		if op.Right != cols[0].t && !canCast(cols[0].t, op.Right, types.CastImplicit) {
			return nil, pgerror.New(pgerror.DatatypeMismatch, "operator does not exist: %s %s %s", types.FormatType(test.typ()), name, types.FormatType(cols[0].t))
		}
		if op.Right != cols[0].t {
			plan = &projectNode{src: plan, exprs: []expr{&castExpr{e: &colExpr{idx: 0, t: cols[0].t}, from: cols[0].t, to: op.Right, cc: types.CastImplicit}}, cols: []resultCol{{name: cols[0].name, t: op.Right}}}
			e.plan = plan
		}
		e.test, e.op, e.t = test, op, boolT
		e.kind = subAny
		if sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK {
			e.kind = subAll
		}
		return e, nil
	}
	return nil, pgerror.Unsupported("subquery kind " + sl.SubLinkType.String())
}

func visibleCols(n node) []resultCol {
	var out []resultCol
	for _, c := range n.columns() {
		if !c.hidden || c.name != "?sort?" && c.name != "?distinct?" {
			out = append(out, c)
		}
	}
	return out
}

// planRecursive plans WITH RECURSIVE name AS (init UNION [ALL] recursive).
func (p *planner) planRecursive(def *cteDef, q *pg_query.SelectStmt, cte *pg_query.CommonTableExpr, parent *scope, m map[string]*cteDef) (node, error) {
	if q.Op != pg_query.SetOperation_SETOP_UNION {
		return nil, pgerror.Unsupported("recursive query with " + q.Op.String())
	}
	init, err := p.planSelect(q.Larg, parent)
	if err != nil {
		return nil, err
	}
	cols := append([]resultCol(nil), init.columns()...)
	for i := range cols {
		if cols[i].t.OID == types.UnknownOID {
			cols[i].t = textT
		}
		if i < len(cte.Aliascolnames) {
			cols[i].name = cte.Aliascolnames[i].GetString_().Sval
		}
		cols[i].table = cte.Ctename
	}
	work := &cteDef{name: cte.Ctename, cols: cols, recursive: true}
	m[cte.Ctename] = work
	rec, err := p.planSelect(q.Rarg, parent)
	delete(m, cte.Ctename)
	if err != nil {
		return nil, err
	}
	rc := rec.columns()
	if len(rc) != len(cols) {
		return nil, pgerror.New(pgerror.SyntaxError, "each UNION query must have the same number of columns")
	}
	fix := func(n node, nc []resultCol) (node, error) {
		need := false
		exprs := make([]expr, len(cols))
		for i := range cols {
			var err error
			if exprs[i], err = p.coerceCol(&colExpr{idx: i, t: nc[i].t}, nc[i].t, cols[i].t); err != nil {
				return nil, err
			}
			if nc[i].t != cols[i].t {
				need = true
			}
		}
		if !need {
			return n, nil
		}
		return &projectNode{src: n, exprs: exprs, cols: cols}, nil
	}
	if init, err = fix(init, init.columns()); err != nil {
		return nil, err
	}
	if rec, err = fix(rec, rc); err != nil {
		return nil, err
	}
	return &recursiveNode{init: init, rec: rec, work: work, all: q.All, cols: cols}, nil
}

type recursiveNode struct {
	init, rec node
	work      *cteDef
	all       bool
	cols      []resultCol
}

func (r *recursiveNode) columns() []resultCol { return r.cols }

// start returns the rows as the iterations produce them: the initial
// term's, then each run of the recursive term over the previous run's
// rows (the working table), so a consumer that stops (LIMIT, a portal's
// row limit) stops the recursion. What it holds — the working table, the
// rows of the run in progress and, for UNION, every distinct row so far —
// counts against work_mem.
func (r *recursiveNode) start(ec *runCtx) (iterator, error) {
	src, err := r.init.start(ec)
	if err != nil {
		return nil, err
	}
	it := &recursiveIter{r: r, ec: ec, cur: src, mem: ec.budget("recursive query " + r.work.name)}
	if !r.all {
		it.keys, it.ts, it.seen = seq(len(r.cols)), make([]types.T, len(r.cols)), map[string]bool{}
		for i, c := range r.cols {
			it.ts[i] = c.t
		}
	}
	return it, nil
}

type recursiveIter struct {
	r   *recursiveNode
	ec  *runCtx
	cur iterator // the running term; nil once the recursion ended
	// produced: this run's rows, the next run's working table;
	// producedSize and workSize: their counted sizes
	produced               [][]types.Datum
	producedSize, workSize int64
	mem                    *memBudget
	// UNION: the rows seen so far, by key
	keys []int
	ts   []types.T
	seen map[string]bool
}

func (it *recursiveIter) next() ([]types.Datum, error) {
	for it.cur != nil {
		row, err := it.cur.next()
		if err != nil {
			return nil, err
		}
		if row != nil {
			if it.seen != nil {
				k := string(rowKey(nil, row, it.keys, it.ts))
				if it.seen[k] {
					continue
				}
				if err := it.mem.add(int64(len(k)) + 48); err != nil {
					return nil, err
				}
				it.seen[k] = true
			}
			size := rowSize(row)
			if err := it.mem.add(size); err != nil {
				return nil, err
			}
			it.produced = append(it.produced, row)
			it.producedSize += size
			return row, nil
		}
		// this run ended: its rows are the next run's working table
		it.cur.close()
		it.cur = nil
		it.mem.add(-it.workSize)
		work := it.produced
		it.workSize, it.produced, it.producedSize = it.producedSize, nil, 0
		if len(work) == 0 {
			delete(it.ec.ctes, it.r.work)
			return nil, nil
		}
		if err := it.ec.ctx.Err(); err != nil {
			return nil, it.ec.host.CtxErr(it.ec.ctx)
		}
		if it.ec.ctes == nil {
			it.ec.ctes = map[*cteDef]*cteTape{}
		}
		it.ec.ctes[it.r.work] = &cteTape{rows: work}
		if it.cur, err = it.r.rec.start(it.ec); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func (it *recursiveIter) close() {
	if it.cur != nil {
		it.cur.close()
		it.cur = nil
	}
}

// inSet is the hashed result of an uncorrelated x IN (subquery).
type inSet struct {
	keys    map[string]bool
	hasNull bool
}

func (e *subqueryExpr) hashedIn(ec *runCtx, l types.Datum) (types.Datum, error) {
	if ec.inSets == nil {
		ec.inSets = map[*subqueryExpr]*inSet{}
	}
	set := ec.inSets[e]
	if set == nil {
		rows, err := e.rows(ec, nil, 0)
		if err != nil {
			return nil, err
		}
		set = &inSet{keys: make(map[string]bool, len(rows))}
		for _, r := range rows {
			if r[0] == nil {
				set.hasNull = true
				continue
			}
			set.keys[string(types.AppendKey(nil, e.op.Right, r[0]))] = true
		}
		ec.inSets[e] = set
	}
	if l == nil {
		if len(set.keys) == 0 && !set.hasNull {
			return false, nil
		}
		return nil, nil
	}
	if set.keys[string(types.AppendKey(nil, e.op.Left, l))] {
		return true, nil
	}
	if set.hasNull {
		return nil, nil
	}
	return false, nil
}
