package exec

import (
	"context"
	"logdb/kv"

	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Ctx is what running a plan reads: its transaction, the bound
// parameters and the rows of enclosing queries (for correlated
// subqueries), the session through Host, and the engine's limits.
type Ctx struct {
	Context context.Context
	Txn     *Txn // the transaction; nil outside one
	Host    Host
	Limits  *Limits
	Params  []types.Datum
	outer   [][]types.Datum
	Ev      *types.EvalContext
	ticks   int
	// ctes holds the WITH results of this execution, read as far as
	// their readers need (cteTape).
	ctes map[*CTE]*cteTape
	// subs caches the rows of uncorrelated sub-queries.
	subs   map[*SubqueryExpr][][]types.Datum
	inSets map[*SubqueryExpr]*inSet
	// inGroups: decorrelated IN's sets, by inner key (exists_hash.go)
	inGroups map[*SubqueryExpr]map[string]*inSet
	// workMem is work_mem in bytes, read at the first budget; memUsed
	// is what all the statement's budgets hold (workmem.go).
	workMem, memUsed int64
	// topN: sorts below a LIMIT, with the rows they need keep (nodes.go)
	topN map[*SortNode]int64
	// WithRows holds the RETURNING rows of the statement's data-modifying
	// WITH queries, by their plan node, once they ran (sql/plan's
	// RunWriters); BeforeWrite, when set, is run once by the statement's
	// INSERT, UPDATE, DELETE or MERGE between reading its rows and writing
	// (it puts the WITH queries' stashed writes back).
	WithRows    map[Node][][]types.Datum
	BeforeWrite func() error
	// Changed, when set, reports whether another part of the statement
	// (a data-modifying WITH query) already changed the row stored at key:
	// UPDATE, DELETE and MERGE then leave it alone, as PostgreSQL does.
	Changed func(space kv.Space, key []byte) bool
	// Deleted, when set, reports whether an earlier data-modifying WITH
	// query of the statement deleted key (its delete set aside): an
	// INSERT may take the key, as PostgreSQL's own deleted rows do not
	// conflict.
	Deleted func(space kv.Space, key []byte) bool
	// RowLocker takes row locks (lockrows.go); nil where there are none.
	RowLocker RowLocker
}

// deletedByStatement reports Deleted's answer (false when unset).
func (ec *Ctx) deletedByStatement(space kv.Space, key []byte) bool {
	return ec.Deleted != nil && ec.Deleted(space, key)
}

// ChangedByStatement reports Changed's answer (false when unset).
func (ec *Ctx) ChangedByStatement(space kv.Space, key []byte) bool {
	return ec.Changed != nil && ec.Changed(space, key)
}

// RunBeforeWrite runs and clears BeforeWrite, if set.
func (ec *Ctx) RunBeforeWrite() error {
	f := ec.BeforeWrite
	if f == nil {
		return nil
	}
	ec.BeforeWrite = nil
	return f()
}

// Host is what running a plan asks of the session that runs it.
type Host interface {
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
	// Catalog is the catalog the statement runs against (nil outside a
	// transaction).
	Catalog() *catalog.Catalog
	// ListeningChannels are the session's LISTEN channels, in order.
	ListeningChannels() []string
	// RelationName is a relation's name as regclass prints it.
	RelationName(oid uint32) string
}

// Limits are the engine's bounds on a statement's resources.
type Limits struct {
	TempDir            string // sort runs past work_mem (sort.go)
	MaxStatementMemory int64  // 53200 past it (workmem.go)
	MaxTxnBytes        int64  // 54000 past it (writer.go)
}

// tick is called once per row; it checks for cancellation every 256 rows.
func (ec *Ctx) Tick() error {
	ec.ticks++
	if ec.ticks&255 == 0 && ec.Context.Err() != nil {
		return ec.Host.CtxErr(ec.Context)
	}
	return nil
}

// expr is a compiled, typed scalar expression.
type Expr interface {
	Eval(ec *Ctx, row []types.Datum) (types.Datum, error)
	Type() types.T
}

type ConstExpr struct {
	V types.Datum
	T types.T
}

func (e *ConstExpr) Eval(*Ctx, []types.Datum) (types.Datum, error) { return e.V, nil }
func (e *ConstExpr) Type() types.T                                 { return e.T }

type ColExpr struct {
	Idx int
	T   types.T
}

func (e *ColExpr) Eval(_ *Ctx, row []types.Datum) (types.Datum, error) { return row[e.Idx], nil }
func (e *ColExpr) Type() types.T                                       { return e.T }

// OuterExpr reads a column of an enclosing query's current row.
type OuterExpr struct {
	Depth int // 1: the immediately enclosing query
	Idx   int
	T     types.T
}

func (e *OuterExpr) Eval(ec *Ctx, _ []types.Datum) (types.Datum, error) {
	n := len(ec.outer) - e.Depth
	if n < 0 {
		return nil, pgerror.New(pgerror.Internal, "BUG: outer reference without outer row")
	}
	return ec.outer[n][e.Idx], nil
}
func (e *OuterExpr) Type() types.T { return e.T }

type ParamExpr struct {
	N int // 0-based
	T types.T
}

func (e *ParamExpr) Eval(ec *Ctx, _ []types.Datum) (types.Datum, error) {
	if e.N >= len(ec.Params) {
		return nil, pgerror.New(pgerror.UndefinedParameter, "there is no parameter $%d", e.N+1)
	}
	return ec.Params[e.N], nil
}
func (e *ParamExpr) Type() types.T { return e.T }

type CastExpr struct {
	E    Expr
	From types.T
	To   types.T
	Cc   types.CastContext
}

func (e *CastExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	v, err := e.E.Eval(ec, row)
	if err != nil || v == nil {
		return nil, err
	}
	return CastDatum(ec, v, e.From, e.To, e.Cc)
}
func (e *CastExpr) Type() types.T { return e.To }

type OpExpr struct {
	Op   *types.Op
	L, R Expr // l nil for prefix operators
}

func (e *OpExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	var l types.Datum
	if e.L != nil {
		var err error
		if l, err = e.L.Eval(ec, row); err != nil {
			return nil, err
		}
		if l == nil && !e.Op.NullAware {
			return nil, nil
		}
	}
	r, err := e.R.Eval(ec, row)
	if err != nil {
		return nil, err
	}
	if r == nil && !e.Op.NullAware {
		return nil, nil
	}
	return e.Op.Fn(ec.Ev, l, r)
}
func (e *OpExpr) Type() types.T { return e.Op.Ret }

type FuncExpr struct {
	Fn   *types.Func
	Args []Expr
	Ret  types.T
}

func (e *FuncExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	vals := make([]types.Datum, len(e.Args))
	for i, a := range e.Args {
		v, err := a.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		if v == nil && e.Fn.Strict {
			return nil, nil
		}
		vals[i] = v
	}
	return e.Fn.Fn(ec.Ev, vals)
}
func (e *FuncExpr) Type() types.T { return e.Ret }

// BuiltinExpr is a function only the engine can evaluate (nextval,
// current_setting, version, ...).
type BuiltinExpr struct {
	Name   string
	Args   []Expr
	Ret    types.T
	Strict bool
	Fn     func(ec *Ctx, args []types.Datum) (types.Datum, error)
}

func (e *BuiltinExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	vals := make([]types.Datum, len(e.Args))
	for i, a := range e.Args {
		v, err := a.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		if v == nil && e.Strict {
			return nil, nil
		}
		vals[i] = v
	}
	return e.Fn(ec, vals)
}
func (e *BuiltinExpr) Type() types.T { return e.Ret }

var BoolT = types.T{OID: types.BoolOID, Mod: -1}

type AndExpr struct{ Args []Expr }

func (e *AndExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	return evalBoolChain(ec, row, e.Args, false)
}
func (e *AndExpr) Type() types.T { return BoolT }

type OrExpr struct{ Args []Expr }

func (e *OrExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	return evalBoolChain(ec, row, e.Args, true)
}

// evalBoolChain is AND (decisive false) and OR (decisive true) with SQL's
// three-valued logic: the first argument equal to decisive decides (the
// rest are not evaluated), else NULL if any was NULL, else !decisive.
func evalBoolChain(ec *Ctx, row []types.Datum, args []Expr, decisive bool) (types.Datum, error) {
	sawNull := false
	for _, a := range args {
		v, err := a.Eval(ec, row)
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
func (e *OrExpr) Type() types.T { return BoolT }

type NotExpr struct{ E Expr }

func (e *NotExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	v, err := e.E.Eval(ec, row)
	if err != nil || v == nil {
		return nil, err
	}
	return !v.(bool), nil
}
func (e *NotExpr) Type() types.T { return BoolT }

type IsNullExpr struct {
	E   Expr
	Not bool
}

func (e *IsNullExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	v, err := e.E.Eval(ec, row)
	if err != nil {
		return nil, err
	}
	if r, ok := v.(types.Record); ok {
		// a row: IS NULL when every field is, IS NOT NULL when none is
		// (so ROW(1, NULL) is neither), as PostgreSQL; one level deep
		allNull, noneNull := true, true
		for _, f := range r.Values {
			if f == nil {
				noneNull = false
			} else {
				allNull = false
			}
		}
		if e.Not {
			return noneNull, nil
		}
		return allNull, nil
	}
	return (v == nil) != e.Not, nil
}
func (e *IsNullExpr) Type() types.T { return BoolT }

// BoolTestExpr is IS [NOT] TRUE / FALSE / UNKNOWN.
type BoolTestExpr struct {
	E     Expr
	Want  types.Datum // true, false or nil (UNKNOWN)
	IsNot bool
}

func (e *BoolTestExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	v, err := e.E.Eval(ec, row)
	if err != nil {
		return nil, err
	}
	return (v == e.Want) != e.IsNot, nil
}
func (e *BoolTestExpr) Type() types.T { return BoolT }

// DistinctExpr is IS [NOT] DISTINCT FROM.
type DistinctExpr struct {
	Eq   *types.Op
	L, R Expr
	Not  bool // IS NOT DISTINCT FROM
}

func (e *DistinctExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	l, err := e.L.Eval(ec, row)
	if err != nil {
		return nil, err
	}
	r, err := e.R.Eval(ec, row)
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
		v, err := e.Eq.Fn(ec.Ev, l, r)
		if err != nil {
			return nil, err
		}
		distinct = v != true
	}
	return distinct != e.Not, nil
}
func (e *DistinctExpr) Type() types.T { return BoolT }

type CaseExpr struct {
	Arg   Expr        // CASE arg WHEN ... (nil for searched CASE)
	Eqs   []*types.Op // per WHEN when arg is set
	Whens []Expr
	Thens []Expr
	Els   Expr
	T     types.T
}

func (e *CaseExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	var a types.Datum
	if e.Arg != nil {
		var err error
		if a, err = e.Arg.Eval(ec, row); err != nil {
			return nil, err
		}
	}
	for i, w := range e.Whens {
		v, err := w.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		if e.Arg != nil {
			if a == nil || v == nil {
				continue
			}
			if v, err = e.Eqs[i].Fn(ec.Ev, a, v); err != nil {
				return nil, err
			}
		}
		if v == true {
			return e.Thens[i].Eval(ec, row)
		}
	}
	if e.Els == nil {
		return nil, nil
	}
	return e.Els.Eval(ec, row)
}
func (e *CaseExpr) Type() types.T { return e.T }

type CoalesceExpr struct {
	Args []Expr
	T    types.T
}

func (e *CoalesceExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	for _, a := range e.Args {
		v, err := a.Eval(ec, row)
		if err != nil || v != nil {
			return v, err
		}
	}
	return nil, nil
}
func (e *CoalesceExpr) Type() types.T { return e.T }

type NullifExpr struct {
	Eq   *types.Op
	L, R Expr
}

func (e *NullifExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	l, err := e.L.Eval(ec, row)
	if err != nil || l == nil {
		return l, err
	}
	r, err := e.R.Eval(ec, row)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return l, nil
	}
	v, err := e.Eq.Fn(ec.Ev, l, r)
	if err != nil {
		return nil, err
	}
	if v == true {
		return nil, nil
	}
	return l, nil
}
func (e *NullifExpr) Type() types.T { return e.L.Type() }

// MinMaxExpr is GREATEST / LEAST: NULLs are ignored.
type MinMaxExpr struct {
	Args     []Expr
	T        types.T
	Greatest bool
}

func (e *MinMaxExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	var best types.Datum
	for _, a := range e.Args {
		v, err := a.Eval(ec, row)
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
		c := CompareDatums(e.T, v, best)
		if (e.Greatest && c > 0) || (!e.Greatest && c < 0) {
			best = v
		}
	}
	return best, nil
}
func (e *MinMaxExpr) Type() types.T { return e.T }

// InListExpr is x [NOT] IN (a, b, ...), with SQL's NULL rules.
type InListExpr struct {
	L    Expr
	List []Expr
	Eqs  []*types.Op
	Not  bool
}

func (e *InListExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	l, err := e.L.Eval(ec, row)
	if err != nil || l == nil {
		return nil, err
	}
	sawNull := false
	for i, it := range e.List {
		v, err := it.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		if v == nil {
			sawNull = true
			continue
		}
		r, err := e.Eqs[i].Fn(ec.Ev, l, v)
		if err != nil {
			return nil, err
		}
		if r == true {
			return !e.Not, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return e.Not, nil
}
func (e *InListExpr) Type() types.T { return BoolT }

// AnyArrayExpr is x op ANY(array) / x op ALL(array).
type AnyArrayExpr struct {
	L, Arr Expr
	Op     *types.Op
	All    bool
}

func (e *AnyArrayExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	l, err := e.L.Eval(ec, row)
	if err != nil {
		return nil, err
	}
	av, err := e.Arr.Eval(ec, row)
	if err != nil || av == nil {
		return nil, err
	}
	a, ok := av.(types.Array)
	if !ok {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "op ANY/ALL (array) requires array on right side")
	}
	return quantified(ec, l, a.Elements, e.Op, e.All)
}
func (e *AnyArrayExpr) Type() types.T { return BoolT }

// quantified applies op between l and each of vals with ANY/ALL semantics.
func quantified(ec *Ctx, l types.Datum, vals []types.Datum, op *types.Op, all bool) (types.Datum, error) {
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
		r, err := op.Fn(ec.Ev, l, v)
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

type ArrayExpr struct {
	Elems  []Expr
	T      types.T // array type
	Elem   types.T
	Nested bool // the elements are sub-arrays (ARRAY[[1,2],[3,4]])
}

func (e *ArrayExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	if e.Nested {
		return e.evalNested(ec, row)
	}
	out := make([]types.Datum, len(e.Elems))
	for i, x := range e.Elems {
		v, err := x.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return types.Array{Elem: e.Elem, Elements: out}, nil
}
func (e *ArrayExpr) Type() types.T { return e.T }

// evalBool evaluates a predicate: true only for a non-NULL true.
func evalBool(ec *Ctx, e Expr, row []types.Datum) (bool, error) {
	v, err := e.Eval(ec, row)
	if err != nil {
		return false, err
	}
	return v == true, nil
}

// RelabelExpr gives a value another type with the same representation
// (int2vector → int2[]).
type RelabelExpr struct {
	E Expr
	T types.T
}

func (e *RelabelExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	v, err := e.E.Eval(ec, row)
	if a, ok := v.(types.Array); ok {
		et, _ := types.ElemOf(e.T)
		a.Elem = et
		return a, err
	}
	return v, err
}
func (e *RelabelExpr) Type() types.T { return e.T }
