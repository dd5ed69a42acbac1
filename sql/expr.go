package sql

import (
	"context"

	"logdb/sql/pgcatalog"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// runCtx is what running a plan reads: its transaction, the bound
// parameters and the rows of enclosing queries (for correlated
// subqueries), the session through runHost, and the engine's limits.
type runCtx struct {
	ctx    context.Context
	txn    *txnExec // the transaction; nil outside one
	host   runHost
	limits *runLimits
	params []types.Datum
	outer  [][]types.Datum
	ev     *types.EvalContext
	ticks  int
	// ctes holds the WITH results of this execution, read as far as
	// their readers need (cteTape).
	ctes map[*cteDef]*cteTape
	// subs caches the rows of uncorrelated sub-queries.
	subs   map[*subqueryExpr][][]types.Datum
	inSets map[*subqueryExpr]*inSet
	// workMem is work_mem in bytes, read at the first budget; memUsed
	// is what all the statement's budgets hold (workmem.go).
	workMem, memUsed int64
	// topN: sorts below a LIMIT, with the rows they need keep (exec.go)
	topN map[*sortNode]int64
}

// runHost is what running a plan asks of the session that runs it.
type runHost interface {
	// CtxErr is the error a statement ends with when ctx is done
	// (57014, or the statement timeout).
	CtxErr(ctx context.Context) error
	// NewRowID returns a node-unique hidden row id.
	NewRowID() int64
	// CatalogSchema describes the catalog for pg_catalog's views.
	CatalogSchema() *pgcatalog.Schema
	// Setting returns a session setting's value.
	Setting(name string) string
	// TxnTooLarge is the error for a transaction whose log entry would
	// be size bytes, over limit.
	TxnTooLarge(size, limit int64) error
	// RelationName is a relation's name as regclass prints it.
	RelationName(oid uint32) string
}

// runLimits are the engine's bounds on a statement's resources.
type runLimits struct {
	tempDir            string // sort runs past work_mem (exec_sort.go)
	maxStatementMemory int64  // 53200 past it (workmem.go)
	maxTxnBytes        int64  // 54000 past it (writer.go)
}

// tick is called once per row; it checks for cancellation every 256 rows.
func (ec *runCtx) tick() error {
	ec.ticks++
	if ec.ticks&255 == 0 && ec.ctx.Err() != nil {
		return ec.host.CtxErr(ec.ctx)
	}
	return nil
}

// expr is a compiled, typed scalar expression.
type expr interface {
	eval(ec *runCtx, row []types.Datum) (types.Datum, error)
	typ() types.T
}

type constExpr struct {
	v types.Datum
	t types.T
}

func (e *constExpr) eval(*runCtx, []types.Datum) (types.Datum, error) { return e.v, nil }
func (e *constExpr) typ() types.T                                     { return e.t }

type colExpr struct {
	idx int
	t   types.T
}

func (e *colExpr) eval(_ *runCtx, row []types.Datum) (types.Datum, error) { return row[e.idx], nil }
func (e *colExpr) typ() types.T                                           { return e.t }

// outerExpr reads a column of an enclosing query's current row.
type outerExpr struct {
	depth int // 1: the immediately enclosing query
	idx   int
	t     types.T
}

func (e *outerExpr) eval(ec *runCtx, _ []types.Datum) (types.Datum, error) {
	n := len(ec.outer) - e.depth
	if n < 0 {
		return nil, pgerror.New(pgerror.Internal, "BUG: outer reference without outer row")
	}
	return ec.outer[n][e.idx], nil
}
func (e *outerExpr) typ() types.T { return e.t }

type paramExpr struct {
	n int // 0-based
	t types.T
}

func (e *paramExpr) eval(ec *runCtx, _ []types.Datum) (types.Datum, error) {
	if e.n >= len(ec.params) {
		return nil, pgerror.New(pgerror.UndefinedParameter, "there is no parameter $%d", e.n+1)
	}
	return ec.params[e.n], nil
}
func (e *paramExpr) typ() types.T { return e.t }

type castExpr struct {
	e    expr
	from types.T
	to   types.T
	cc   types.CastContext
}

func (e *castExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	v, err := e.e.eval(ec, row)
	if err != nil || v == nil {
		return nil, err
	}
	return castDatum(ec, v, e.from, e.to, e.cc)
}
func (e *castExpr) typ() types.T { return e.to }

type opExpr struct {
	op   *types.Op
	l, r expr // l nil for prefix operators
}

func (e *opExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	var l types.Datum
	if e.l != nil {
		var err error
		if l, err = e.l.eval(ec, row); err != nil {
			return nil, err
		}
		if l == nil && !e.op.NullAware {
			return nil, nil
		}
	}
	r, err := e.r.eval(ec, row)
	if err != nil {
		return nil, err
	}
	if r == nil && !e.op.NullAware {
		return nil, nil
	}
	return e.op.Fn(ec.ev, l, r)
}
func (e *opExpr) typ() types.T { return e.op.Ret }

type funcExpr struct {
	fn   *types.Func
	args []expr
	ret  types.T
}

func (e *funcExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	vals := make([]types.Datum, len(e.args))
	for i, a := range e.args {
		v, err := a.eval(ec, row)
		if err != nil {
			return nil, err
		}
		if v == nil && e.fn.Strict {
			return nil, nil
		}
		vals[i] = v
	}
	return e.fn.Fn(ec.ev, vals)
}
func (e *funcExpr) typ() types.T { return e.ret }

// builtinExpr is a function only the engine can evaluate (nextval,
// current_setting, version, ...).
type builtinExpr struct {
	name   string
	args   []expr
	ret    types.T
	strict bool
	fn     func(ec *runCtx, args []types.Datum) (types.Datum, error)
}

func (e *builtinExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	vals := make([]types.Datum, len(e.args))
	for i, a := range e.args {
		v, err := a.eval(ec, row)
		if err != nil {
			return nil, err
		}
		if v == nil && e.strict {
			return nil, nil
		}
		vals[i] = v
	}
	return e.fn(ec, vals)
}
func (e *builtinExpr) typ() types.T { return e.ret }

var boolT = types.T{OID: types.BoolOID, Mod: -1}

type andExpr struct{ args []expr }

func (e *andExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	return evalBoolChain(ec, row, e.args, false)
}
func (e *andExpr) typ() types.T { return boolT }

type orExpr struct{ args []expr }

func (e *orExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	return evalBoolChain(ec, row, e.args, true)
}

// evalBoolChain is AND (decisive false) and OR (decisive true) with SQL's
// three-valued logic: the first argument equal to decisive decides (the
// rest are not evaluated), else NULL if any was NULL, else !decisive.
func evalBoolChain(ec *runCtx, row []types.Datum, args []expr, decisive bool) (types.Datum, error) {
	sawNull := false
	for _, a := range args {
		v, err := a.eval(ec, row)
		if err != nil {
			return nil, err
		}
		if v == nil {
			sawNull = true
			continue
		}
		if v.(bool) == decisive {
			return decisive, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return !decisive, nil
}
func (e *orExpr) typ() types.T { return boolT }

type notExpr struct{ e expr }

func (e *notExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	v, err := e.e.eval(ec, row)
	if err != nil || v == nil {
		return nil, err
	}
	return !v.(bool), nil
}
func (e *notExpr) typ() types.T { return boolT }

type isNullExpr struct {
	e   expr
	not bool
}

func (e *isNullExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	v, err := e.e.eval(ec, row)
	if err != nil {
		return nil, err
	}
	return (v == nil) != e.not, nil
}
func (e *isNullExpr) typ() types.T { return boolT }

// boolTestExpr is IS [NOT] TRUE / FALSE / UNKNOWN.
type boolTestExpr struct {
	e     expr
	want  types.Datum // true, false or nil (UNKNOWN)
	isNot bool
}

func (e *boolTestExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	v, err := e.e.eval(ec, row)
	if err != nil {
		return nil, err
	}
	return (v == e.want) != e.isNot, nil
}
func (e *boolTestExpr) typ() types.T { return boolT }

// distinctExpr is IS [NOT] DISTINCT FROM.
type distinctExpr struct {
	eq   *types.Op
	l, r expr
	not  bool // IS NOT DISTINCT FROM
}

func (e *distinctExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	l, err := e.l.eval(ec, row)
	if err != nil {
		return nil, err
	}
	r, err := e.r.eval(ec, row)
	if err != nil {
		return nil, err
	}
	var distinct bool
	switch {
	case l == nil && r == nil:
		distinct = false
	case l == nil || r == nil:
		distinct = true
	default:
		v, err := e.eq.Fn(ec.ev, l, r)
		if err != nil {
			return nil, err
		}
		distinct = v != true
	}
	return distinct != e.not, nil
}
func (e *distinctExpr) typ() types.T { return boolT }

type caseExpr struct {
	arg   expr        // CASE arg WHEN ... (nil for searched CASE)
	eqs   []*types.Op // per WHEN when arg is set
	whens []expr
	thens []expr
	els   expr
	t     types.T
}

func (e *caseExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	var a types.Datum
	if e.arg != nil {
		var err error
		if a, err = e.arg.eval(ec, row); err != nil {
			return nil, err
		}
	}
	for i, w := range e.whens {
		v, err := w.eval(ec, row)
		if err != nil {
			return nil, err
		}
		if e.arg != nil {
			if a == nil || v == nil {
				continue
			}
			if v, err = e.eqs[i].Fn(ec.ev, a, v); err != nil {
				return nil, err
			}
		}
		if v == true {
			return e.thens[i].eval(ec, row)
		}
	}
	if e.els == nil {
		return nil, nil
	}
	return e.els.eval(ec, row)
}
func (e *caseExpr) typ() types.T { return e.t }

type coalesceExpr struct {
	args []expr
	t    types.T
}

func (e *coalesceExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	for _, a := range e.args {
		v, err := a.eval(ec, row)
		if err != nil || v != nil {
			return v, err
		}
	}
	return nil, nil
}
func (e *coalesceExpr) typ() types.T { return e.t }

type nullifExpr struct {
	eq   *types.Op
	l, r expr
}

func (e *nullifExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	l, err := e.l.eval(ec, row)
	if err != nil || l == nil {
		return l, err
	}
	r, err := e.r.eval(ec, row)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return l, nil
	}
	v, err := e.eq.Fn(ec.ev, l, r)
	if err != nil {
		return nil, err
	}
	if v == true {
		return nil, nil
	}
	return l, nil
}
func (e *nullifExpr) typ() types.T { return e.l.typ() }

// minMaxExpr is GREATEST / LEAST: NULLs are ignored.
type minMaxExpr struct {
	args     []expr
	t        types.T
	greatest bool
}

func (e *minMaxExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	var best types.Datum
	for _, a := range e.args {
		v, err := a.eval(ec, row)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		if best == nil {
			best = v
			continue
		}
		c := compareDatums(e.t, v, best)
		if (e.greatest && c > 0) || (!e.greatest && c < 0) {
			best = v
		}
	}
	return best, nil
}
func (e *minMaxExpr) typ() types.T { return e.t }

// inListExpr is x [NOT] IN (a, b, ...), with SQL's NULL rules.
type inListExpr struct {
	l    expr
	list []expr
	eqs  []*types.Op
	not  bool
}

func (e *inListExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	l, err := e.l.eval(ec, row)
	if err != nil || l == nil {
		return nil, err
	}
	sawNull := false
	for i, it := range e.list {
		v, err := it.eval(ec, row)
		if err != nil {
			return nil, err
		}
		if v == nil {
			sawNull = true
			continue
		}
		r, err := e.eqs[i].Fn(ec.ev, l, v)
		if err != nil {
			return nil, err
		}
		if r == true {
			return !e.not, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return e.not, nil
}
func (e *inListExpr) typ() types.T { return boolT }

// anyArrayExpr is x op ANY(array) / x op ALL(array).
type anyArrayExpr struct {
	l, arr expr
	op     *types.Op
	all    bool
}

func (e *anyArrayExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	l, err := e.l.eval(ec, row)
	if err != nil {
		return nil, err
	}
	av, err := e.arr.eval(ec, row)
	if err != nil || av == nil {
		return nil, err
	}
	a, ok := av.(types.Array)
	if !ok {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "op ANY/ALL (array) requires array on right side")
	}
	return quantified(ec, l, a.Elements, e.op, e.all)
}
func (e *anyArrayExpr) typ() types.T { return boolT }

// quantified applies op between l and each of vals with ANY/ALL semantics.
func quantified(ec *runCtx, l types.Datum, vals []types.Datum, op *types.Op, all bool) (types.Datum, error) {
	if len(vals) == 0 {
		return all, nil
	}
	if l == nil {
		return nil, nil
	}
	sawNull := false
	for _, v := range vals {
		if v == nil {
			sawNull = true
			continue
		}
		r, err := op.Fn(ec.ev, l, v)
		if err != nil {
			return nil, err
		}
		if r == nil {
			sawNull = true
			continue
		}
		if all && r == false {
			return false, nil
		}
		if !all && r == true {
			return true, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return all, nil
}

type arrayExpr struct {
	elems []expr
	t     types.T // array type
	elem  types.T
}

func (e *arrayExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	out := make([]types.Datum, len(e.elems))
	for i, x := range e.elems {
		v, err := x.eval(ec, row)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return types.Array{Elem: e.elem, Elements: out}, nil
}
func (e *arrayExpr) typ() types.T { return e.t }

// subscriptExpr is arr[i] (1-based; out of range gives NULL).
type subscriptExpr struct {
	arr, idx expr
	t        types.T
	base     int64 // first subscript: 1, or 0 for int2vector/oidvector/name
}

func (e *subscriptExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	av, err := e.arr.eval(ec, row)
	if err != nil || av == nil {
		return nil, err
	}
	iv, err := e.idx.eval(ec, row)
	if err != nil || iv == nil {
		return nil, err
	}
	i, _ := iv.(int64)
	i -= e.base
	if str, ok := av.(string); ok { // name[i]
		if i < 0 || int(i) >= len(str) {
			return nil, nil
		}
		return str[i : i+1], nil
	}
	a, ok := av.(types.Array)
	if !ok || i < 0 || int(i) >= len(a.Elements) {
		return nil, nil
	}
	return a.Elements[i], nil
}
func (e *subscriptExpr) typ() types.T { return e.t }

// evalBool evaluates a predicate: true only for a non-NULL true.
func evalBool(ec *runCtx, e expr, row []types.Datum) (bool, error) {
	v, err := e.eval(ec, row)
	if err != nil {
		return false, err
	}
	return v == true, nil
}

// relabelExpr gives a value another type with the same representation
// (int2vector → int2[]).
type relabelExpr struct {
	e expr
	t types.T
}

func (e *relabelExpr) eval(ec *runCtx, row []types.Datum) (types.Datum, error) {
	v, err := e.e.eval(ec, row)
	if a, ok := v.(types.Array); ok {
		et, _ := types.ElemOf(e.t)
		a.Elem = et
		return a, err
	}
	return v, err
}
func (e *relabelExpr) typ() types.T { return e.t }
