package exec

import (
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

type subKind uint8

const (
	SubScalar subKind = iota
	SubExists
	SubAny
	SubAll
	SubArray
	SubRow // (SELECT a, b …) as one record: NULL without rows
	// SubExistsHashed is a correlated EXISTS decorrelated by the planner:
	// Plan (uncorrelated) yields the inner sides of its equalities, Tests
	// are the outer sides; true when a row equals them all (exists_hash.go).
	SubExistsHashed
	// SubInHashed is a correlated x = ANY (sub-query) decorrelated the
	// same way: Plan yields the compared value, then the inner sides.
	SubInHashed
)

// SubqueryExpr evaluates a sub-select. An uncorrelated one runs once per
// execution (its rows are cached in the execCtx).
type SubqueryExpr struct {
	Plan       Node
	Kind       subKind
	Test       Expr      // left operand of IN / ANY / ALL
	Op         *types.Op // comparison of ANY / ALL
	T          types.T
	Correlated bool
	// Tests and Ops: SubExistsHashed's outer keys and their equalities.
	Tests []Expr
	Ops   []*types.Op
}

func (e *SubqueryExpr) Type() types.T { return e.T }

func (e *SubqueryExpr) rows(ec *Ctx, row []types.Datum, limit int) ([][]types.Datum, error) {
	if !e.Correlated {
		// computed once, and only as far as its use needs (EXISTS one
		// row, a scalar two): a query with no end under EXISTS stops
		if ec.subs == nil {
			ec.subs = map[*SubqueryExpr][][]types.Datum{}
		}
		if r, ok := ec.subs[e]; ok {
			return r, nil
		}
	}
	ec.outer = append(ec.outer, row)
	defer func() { ec.outer = ec.outer[:len(ec.outer)-1] }()
	it, err := e.Plan.Start(ec)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var mem *memBudget // a few rows need no counting
	if limit <= 0 {
		mem = ec.Budget("sub-query's result")
		if e.Correlated {
			defer mem.release() // gone once the enclosing row is done
		}
	}
	var out [][]types.Datum
	for limit <= 0 || len(out) < limit {
		r, err := it.Next()
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
	if !e.Correlated {
		ec.subs[e] = out
	}
	return out, nil
}

func (e *SubqueryExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	switch e.Kind {
	case SubExistsHashed:
		return e.hashedExists(ec, row)
	case SubInHashed:
		return e.hashedGroupIn(ec, row)
	case SubExists:
		rows, err := e.rows(ec, row, 1)
		if err != nil {
			return nil, err
		}
		return len(rows) > 0, nil
	case SubScalar:
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
	case SubRow:
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
		fields, _ := types.RecordFields(e.T)
		return types.Record{Values: append([]types.Datum(nil), rows[0][:len(fields)]...)}, nil
	case SubArray:
		rows, err := e.rows(ec, row, 0)
		if err != nil {
			return nil, err
		}
		et, _ := types.ElemOf(e.T)
		elems := make([]types.Datum, len(rows))
		for i, r := range rows {
			elems[i] = r[0]
		}
		if len(e.Plan.Columns()) > 0 && e.Plan.Columns()[0].T.OID == e.T.OID {
			return StackArrays(e.T, elems)
		}
		return types.Array{Elem: et, Elements: elems}, nil
	default:
		l, err := e.Test.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		if e.Kind == SubAny && !e.Correlated && e.Op.Name == "=" && KeyCompatible(e.Op.Left, e.Op.Right) {
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
		return quantified(ec, l, vals, e.Op, e.Kind == SubAll)
	}
}

type RecursiveNode struct {
	Init, Rec Node
	Work      *CTE
	All       bool
	Cols      []Column
}

func (r *RecursiveNode) Columns() []Column { return r.Cols }

// start returns the rows as the iterations produce them: the initial
// term's, then each run of the recursive term over the previous run's
// rows (the working table), so a consumer that stops (LIMIT, a portal's
// row limit) stops the recursion. What it holds — the working table, the
// rows of the run in progress and, for UNION, every distinct row so far —
// counts against work_mem.
func (r *RecursiveNode) Start(ec *Ctx) (Iterator, error) {
	src, err := r.Init.Start(ec)
	if err != nil {
		return nil, err
	}
	it := &recursiveIter{r: r, ec: ec, cur: src, mem: ec.Budget("recursive query " + r.Work.Name)}
	if !r.All {
		it.keys, it.ts, it.seen = Seq(len(r.Cols)), make([]types.T, len(r.Cols)), map[string]bool{}
		for i, c := range r.Cols {
			it.ts[i] = c.T
		}
	}
	return it, nil
}

type recursiveIter struct {
	r   *RecursiveNode
	ec  *Ctx
	cur Iterator // the running term; nil once the recursion ended
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

func (it *recursiveIter) Next() ([]types.Datum, error) {
	for it.cur != nil {
		row, err := it.cur.Next()
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
		it.cur.Close()
		it.cur = nil
		it.mem.add(-it.workSize)
		work := it.produced
		it.workSize, it.produced, it.producedSize = it.producedSize, nil, 0
		if len(work) == 0 {
			delete(it.ec.ctes, it.r.Work)
			return nil, nil
		}
		if err := it.ec.Context.Err(); err != nil {
			return nil, it.ec.Host.CtxErr(it.ec.Context)
		}
		if it.ec.ctes == nil {
			it.ec.ctes = map[*CTE]*cteTape{}
		}
		it.ec.ctes[it.r.Work] = &cteTape{rows: work}
		if it.cur, err = it.r.Rec.Start(it.ec); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func (it *recursiveIter) Close() {
	if it.cur != nil {
		it.cur.Close()
		it.cur = nil
	}
}

// inSet is the hashed result of an uncorrelated x IN (subquery).
type inSet struct {
	keys    map[string]bool
	hasNull bool
}

// hashedSet returns e's set of hashed rows for this execution, running the
// uncorrelated sub-query and building the set with add (once per row) the
// first time it is asked for.
func (e *SubqueryExpr) hashedSet(ec *Ctx, add func(set *inSet, r []types.Datum)) (*inSet, error) {
	if set := ec.inSets[e]; set != nil {
		return set, nil
	}
	rows, err := e.rows(ec, nil, 0)
	if err != nil {
		return nil, err
	}
	set := &inSet{keys: make(map[string]bool, len(rows))}
	for _, r := range rows {
		add(set, r)
	}
	if ec.inSets == nil {
		ec.inSets = map[*SubqueryExpr]*inSet{}
	}
	ec.inSets[e] = set
	return set, nil
}

func (e *SubqueryExpr) hashedIn(ec *Ctx, l types.Datum) (types.Datum, error) {
	set, err := e.hashedSet(ec, func(set *inSet, r []types.Datum) {
		if r[0] == nil {
			set.hasNull = true
			return
		}
		set.keys[string(types.AppendKey(nil, e.Op.Right, r[0]))] = true
	})
	if err != nil {
		return nil, err
	}
	if l == nil {
		if len(set.keys) == 0 && !set.hasNull {
			return false, nil
		}
		return nil, nil
	}
	if set.keys[string(types.AppendKey(nil, e.Op.Left, l))] {
		return true, nil
	}
	if set.hasNull {
		return nil, nil
	}
	return false, nil
}
