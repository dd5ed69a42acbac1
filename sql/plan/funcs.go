package plan

import (
	"encoding/binary"
	"strings"

	"github.com/cockroachdb/apd/v3"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// planView plans a view reference as a sub-query.
func (p *Planner) planView(v *catalog.View, rv *pg_query.RangeVar) (*FromItem, error) {
	if p.viewDepth > 32 {
		return nil, pgerror.New(pgerror.ProgramLimitExceeded, "infinite recursion detected in rules for relation \"%s\"", v.Name)
	}
	stmts, err := p.Host.ParseQuery(v.Query)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, pgerror.New(pgerror.DataCorrupted, "bad view definition of \"%s\"", v.Name)
	}
	p.viewDepth++
	saved, savedPath, savedUsage := p.ctes, p.Path, p.SchemaUsage
	p.ctes = nil
	if v.Path != nil {
		p.Path = v.Path // names in a view resolve as when it was made
	}
	p.SchemaUsage = nil // a view reads with its owner's rights
	savedOwner := p.viewOwner
	p.viewOwner = catalog.OwnerOID(v.Owner) // and under its owner's row level security
	plan, err := p.PlanQuery(stmts[0], nil)
	p.ctes, p.Path, p.SchemaUsage, p.viewOwner = saved, savedPath, savedUsage, savedOwner
	p.viewDepth--
	if err != nil {
		return nil, err
	}
	cols := append([]exec.Column(nil), VisibleCols(plan)...)
	for i := range cols {
		if i < len(v.Columns) {
			cols[i].Name = v.Columns[i]
		}
		cols[i].Hidden = false
		cols[i].TableOID, cols[i].AttNum = v.OID, int16(i+1)
	}
	cols, err = AliasCols(cols, rv.Alias, rv.Relname)
	if err != nil {
		return nil, err
	}
	return &FromItem{N: &exec.RenameNode{Src: plan, Cols: cols}, Cols: cols}, nil
}

// checkReplicaIdentity is PostgreSQL's CheckCmdReplicaIdentity: an UPDATE
// or DELETE of a table that a publication publishes updates or deletes of
// needs a replica identity, or subscribers could not find the row (55000).
func checkReplicaIdentity(cat *catalog.Catalog, t *catalog.Table, update bool) error {
	if _, cols := t.ReplicaIdentity(); len(cols) > 0 {
		return nil
	}
	for _, p := range cat.Pubs {
		if !p.Publishes(t) || update && !p.Update || !update && !p.Delete {
			continue
		}
		verb, what, doing := "delete from", "deletes", "deleting from"
		if update {
			verb, what, doing = "update", "updates", "updating"
		}
		return &pgerror.Error{Code: pgerror.ObjectNotInPrerequisiteState,
			Message: "cannot " + verb + " table \"" + t.Name + "\" because it does not have a replica identity and publishes " + what,
			Hint:    "To enable " + doing + " the table, set REPLICA IDENTITY using ALTER TABLE."}
	}
	return nil
}

// Host is what planning asks of the session it plans for.
type Host interface {
	// CheckTablePriv, CheckViewPriv and CheckSeqPriv fail with 42501
	// unless the current role holds the privilege.
	CheckTablePriv(cat *catalog.Catalog, t *catalog.Table, priv byte) error
	CheckViewPriv(cat *catalog.Catalog, v *catalog.View, priv byte) error
	CheckSeqPriv(cat *catalog.Catalog, sq *catalog.Sequence, privs string) error
	IsSuperuser(cat *catalog.Catalog) bool
	// RowSecurityApplies reports whether t's row level security holds
	// for role as (0: the current role; a view's owner for the tables the
	// view reads): enabled, and the role is no superuser, not BYPASSRLS,
	// and not the owner unless FORCE. Its policies then decide what it
	// reads and writes. With row_security off it fails with 42501 where
	// it would hold.
	RowSecurityApplies(cat *catalog.Catalog, t *catalog.Table, as uint32) (bool, error)
	// HasPrivsOfRoles reports whether role as (0: the current role) has
	// the privileges of one of roles (a member that inherits); empty
	// roles is PUBLIC, which every role has.
	HasPrivsOfRoles(cat *catalog.Catalog, as uint32, roles []uint32) bool
	// InputCtx is what parsing a literal reads: the session's zone and
	// date order, the transaction's time.
	InputCtx() *types.EvalContext
	// CatalogSchema describes the catalog for pg_catalog's views.
	CatalogSchema() *pgcatalog.Schema
	// ParseExpr parses a stored expression (a default, a CHECK).
	ParseExpr(text string) (*pg_query.Node, error)
	// ParseQuery parses a stored query (a view's).
	ParseQuery(text string) ([]*pg_query.Node, error)
	// PlanTableFunc plans a function in FROM that the planner does not
	// know (the slot functions); ok is false when it is none of them.
	PlanTableFunc(p *Planner, name string, args []exec.Expr, rf *pg_query.RangeFunction) (fi *FromItem, ok bool, err error)
}

// seqRelNode reads a sequence as a relation (SELECT last_value, is_called
// FROM seq). The value is the high end of the blocks reserved so far.
type seqRelNode struct {
	sq   *catalog.Sequence
	cols []exec.Column
}

func seqRelColumns() []exec.Column {
	return []exec.Column{{Name: "last_value", T: exec.Int8T}, {Name: "log_cnt", T: exec.Int8T}, {Name: "is_called", T: exec.BoolT}}
}

func (n *seqRelNode) Columns() []exec.Column { return n.cols }

func (n *seqRelNode) Start(rc *exec.Ctx) (exec.Iterator, error) {
	v, ok, err := rc.Txn.Kv.Get(kv.SequenceSpace, catalog.SequenceKey(n.sq.OID))
	if err != nil {
		return nil, err
	}
	var ord int64
	if ok && len(v) == 8 {
		ord = int64(binary.BigEndian.Uint64(v))
	}
	row := []types.Datum{n.sq.Start, int64(0), false}
	if ord > 0 {
		row[0], row[2] = n.sq.Start+(ord-1)*n.sq.Increment, true
	}
	return &exec.SliceIter{Rows: [][]types.Datum{row}}, nil
}

// Builtin compiles a call of a function only the engine can evaluate.
type Builtin func(p *Planner, args []exec.Expr) (exec.Expr, error)

var Builtins = map[string]Builtin{}

func NoFunc(name string, args []exec.Expr) error {
	var ts []string
	for _, a := range args {
		ts = append(ts, types.FormatType(a.Type()))
	}
	return &pgerror.Error{Code: pgerror.UndefinedFunction, Message: "function " + name + "(" + strings.Join(ts, ", ") + ") does not exist",
		Hint: "No function matches the given name and argument types. You might need to add explicit type casts."}
}

// SRFNode is a set-returning function in FROM.
type SRFNode struct {
	Name       string
	args       []exec.Expr
	t          types.T
	t2         []types.T // further output columns (pg_options_to_table)
	names      []string  // output column names when more than one
	ordinality bool
	cols       []exec.Column
	step       *types.Op // generate_series over numbers/timestamps: "+"
	cmpT       types.T
	scalar     bool    // a scalar function in FROM: one row, args[0]'s value
	record     types.T // set in the select list: its row as one record value
	jsonb      bool    // the jsonb variant of a json function
	// spread is set for unnest of an array of a composite type in FROM:
	// each element's fields are the columns, as in PostgreSQL.
	spread bool
	// routine is a user-defined function (routines.go), run through rh
	routine *catalog.Function
	rh      RoutineHost
	// cat is the catalog of pg_partition_ancestors and pg_partition_tree
	cat *catalog.Catalog
}

func (p *Planner) setReturningFunc(name string, args []exec.Expr) (*SRFNode, error) {
	n := &SRFNode{Name: name, args: args}
	var err error
	switch name {
	case "generate_series":
		if len(args) < 2 || len(args) > 3 {
			return nil, NoFunc(name, args)
		}
		t, err := p.unify(args[:2], "generate_series")
		if err != nil {
			return nil, err
		}
		if t.OID == types.UnknownOID || t.OID == types.Int2OID {
			t = exec.Int4T
		}
		if t.OID == types.Float4OID || t.OID == types.Float8OID {
			return nil, NoFunc(name, args) // PostgreSQL has no float variant
		}
		for i := 0; i < 2; i++ {
			if args[i], err = p.Coerce(args[i], t, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		stepT := t
		if t.OID == types.TimestampOID || t.OID == types.TimestamptzOID {
			stepT = types.T{OID: types.IntervalOID, Mod: -1}
		}
		if len(args) == 3 {
			if args[2], err = p.Coerce(args[2], stepT, types.CastImplicit); err != nil {
				return nil, err
			}
		} else {
			if stepT.OID == types.IntervalOID {
				return nil, NoFunc(name, args)
			}
			one, err := p.Coerce(&exec.ConstExpr{V: int64(1), T: exec.Int4T}, stepT, types.CastImplicit)
			if err != nil {
				return nil, err
			}
			n.args = append(args, one)
		}
		if n.step, err = exec.LookupBinaryOp("+", t, stepT); err != nil {
			return nil, err
		}
		n.t, n.cmpT = t, t
	case "pg_options_to_table":
		if len(args) != 1 {
			return nil, NoFunc(name, args)
		}
		var err error
		if n.args[0], err = p.Coerce(args[0], types.T{OID: types.TextArrayOID, Mod: -1}, types.CastImplicit); err != nil {
			return nil, err
		}
		n.t, n.t2, n.names = exec.TextT, []types.T{exec.TextT}, []string{"option_name", "option_value"}
	case "pg_partition_ancestors", "pg_partition_tree":
		if len(args) != 1 {
			return nil, NoFunc(name, args)
		}
		rc, err := p.RegclassCast(args[0])
		if err != nil {
			return nil, err
		}
		n.args[0], n.t, n.cat, n.names = rc, rc.Type(), p.Cat, []string{"relid"}
		if name == "pg_partition_tree" {
			n.t2 = []types.T{rc.Type(), exec.BoolT, exec.Int4T}
			n.names = []string{"relid", "parentrelid", "isleaf", "level"}
		}
	case "generate_subscripts":
		// generate_subscripts(array, dim [, reverse]): the subscripts of
		// dimension dim, from its lower bound (0 for int2vector and
		// oidvector, as PostgreSQL gives them)
		if len(args) < 2 || len(args) > 3 {
			return nil, NoFunc(name, args)
		}
		at := args[0].Type()
		if _, ok := types.ElemOf(at); !ok && at.OID != types.Int2VectorOID && at.OID != types.OidVectorOID {
			return nil, NoFunc(name, args)
		}
		if n.args[1], err = p.Coerce(args[1], exec.Int4T, types.CastImplicit); err != nil {
			return nil, err
		}
		if len(args) == 3 {
			if n.args[2], err = p.Coerce(args[2], exec.BoolT, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		n.t = exec.Int4T
	case "_pg_expandarray":
		// information_schema._pg_expandarray(anyarray): one (x, n) record
		// per element, x the element and n its position (pgjdbc's
		// getPrimaryKeys)
		if len(args) != 1 {
			return nil, NoFunc(name, args)
		}
		at := args[0].Type()
		et, ok := types.ElemOf(at)
		if at.OID == types.Int2VectorOID {
			et, ok = types.T{OID: types.Int2OID, Mod: -1}, true
		}
		if !ok {
			return nil, NoFunc(name, args)
		}
		n.t, n.t2, n.names = types.T{OID: et.OID, Mod: -1}, []types.T{exec.Int4T}, []string{"x", "n"}
	case "pg_get_publication_tables":
		if len(args) != 1 {
			return nil, NoFunc(name, args)
		}
		if n.args[0], err = p.Coerce(args[0], exec.TextT, types.CastImplicit); err != nil {
			return nil, err
		}
		n.t, n.t2, n.names = exec.OIDT, []types.T{{OID: types.Int2VectorOID, Mod: -1}, {OID: types.PgNodeTreeOID, Mod: -1}}, []string{"relid", "attrs", "qual"}
	case "pg_listening_channels":
		if len(args) != 0 {
			return nil, NoFunc(name, args)
		}
		n.t = exec.TextT
	case "unnest":
		if len(args) != 1 {
			return nil, NoFunc(name, args) // in FROM: ROWS FROM (planFunctionScan)
		}
		et, ok := types.ElemOf(args[0].Type())
		if !ok {
			if isUnknown(args[0]) {
				return nil, pgerror.New(pgerror.UndefinedFunction, "function unnest(unknown) is not unique")
			}
			return nil, NoFunc(name, args)
		}
		n.t = et
	default:
		return p.moreSetReturningFunc(n, name, args) // srf_funcs.go
	}
	return n, err
}

func unsupportedFrom(what string) error { return pgerror.Unsupported(what) }

func (n *SRFNode) Columns() []exec.Column { return n.cols }

func (n *SRFNode) Start(rc *exec.Ctx) (exec.Iterator, error) {
	return n.IterFor(rc, nil)
}

// iterFor evaluates the function with its arguments read from in and
// returns its rows as an iterator. generate_series produces them one at a
// time (a series of 50 million rows read by a slow client holds one value,
// not all of them); the others, whose input is already in memory (an
// array, the catalog), produce a slice.
func (n *SRFNode) IterFor(rc *exec.Ctx, in []types.Datum) (exec.Iterator, error) {
	ec := rc
	if n.scalar {
		v, err := n.args[0].Eval(ec, in)
		if err != nil {
			return nil, err
		}
		row := []types.Datum{v}
		if n.ordinality {
			row = append(row, int64(1))
		}
		return &exec.SliceIter{Rows: [][]types.Datum{row}}, nil
	}
	if n.record.OID != 0 {
		return n.recordIter(ec, in)
	}
	if n.routine != nil {
		return n.routineRows(ec, in)
	}
	vals, err := n.evalArgs(ec, in)
	if err == nil && vals == nil && (n.Name == "json_to_record" || n.Name == "jsonb_to_record") {
		return &exec.SliceIter{Rows: [][]types.Datum{make([]types.Datum, len(n.outCols("")))}}, nil // not strict
	}
	if err != nil || vals == nil {
		return &exec.SliceIter{}, err
	}
	if n.Name == "generate_series" {
		return n.newSeries(ec, vals)
	}
	rows, err := n.rowsOf(ec, vals)
	return &exec.SliceIter{Rows: rows}, err
}

// evalArgs evaluates the arguments; nil when one is NULL (no rows).
func (n *SRFNode) evalArgs(ec *exec.Ctx, in []types.Datum) ([]types.Datum, error) {
	vals := make([]types.Datum, len(n.args))
	for i, a := range n.args {
		v, err := a.Eval(ec, in)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		vals[i] = v
	}
	return vals, nil
}

// seriesIter produces generate_series's rows one at a time.
type seriesIter struct {
	n               *SRFNode
	ec              *exec.Ctx
	cur, stop, step types.Datum
	dir             int
	count           int64
	done            bool
}

// newSeries starts generate_series(vals[0], vals[1], vals[2]).
func (n *SRFNode) newSeries(ec *exec.Ctx, vals []types.Datum) (*seriesIter, error) {
	it := &seriesIter{n: n, ec: ec, cur: vals[0], stop: vals[1], step: vals[2], dir: 1}
	if err := checkSeriesBounds(it.cur, it.stop, it.step); err != nil {
		return nil, err
	}
	zero, err := exec.CastDatum(ec, int64(0), exec.Int8T, n.args[2].Type(), types.CastImplicit)
	if err != nil && n.args[2].Type().OID != types.IntervalOID {
		return nil, err
	}
	if zero != nil {
		it.dir = exec.CompareDatums(n.args[2].Type(), it.step, zero)
		if it.dir == 0 {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "step size cannot equal zero")
		}
	} else if _, ok := it.step.(types.Interval); ok {
		// PostgreSQL's interval_cmp against zero: a month is 30 days
		it.dir = exec.CompareDatums(n.args[2].Type(), it.step, types.Interval{})
		if it.dir == 0 {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "step size cannot equal zero")
		}
	}
	return it, nil
}

func (it *seriesIter) Next() ([]types.Datum, error) {
	if it.done {
		return nil, nil
	}
	c := exec.CompareDatums(it.n.cmpT, it.cur, it.stop)
	if it.dir > 0 && c > 0 || it.dir < 0 && c < 0 {
		it.done = true
		return nil, nil
	}
	if it.count&255 == 255 {
		if err := it.ec.Tick(); err != nil {
			return nil, err
		}
	}
	it.count++
	row := []types.Datum{it.cur}
	if it.n.ordinality {
		row = append(row, it.count)
	}
	next, err := it.n.step.Fn(it.ec.Ev, it.cur, it.step)
	if err != nil {
		if pgerror.Code(err) != pgerror.NumericValueOutOfRange {
			return nil, err
		}
		it.done = true // the series ends at the type's limit
	}
	it.cur = next
	return row, nil
}

func (it *seriesIter) Close() {}

// rowsOf is the function's rows for argument values vals.
func (n *SRFNode) rowsOf(ec *exec.Ctx, vals []types.Datum) ([][]types.Datum, error) {
	var out [][]types.Datum
	emit := func(v types.Datum, more ...types.Datum) {
		row := append([]types.Datum{v}, more...)
		if n.ordinality {
			row = append(row, int64(len(out)+1))
		}
		out = append(out, row)
	}
	switch n.Name {
	case "pg_partition_ancestors":
		t := n.cat.ByOID[uint32(toInt64(vals[0]))]
		if t == nil {
			break // not a table: no rows, as in PostgreSQL
		}
		for ; t != nil; t = n.cat.ByOID[t.PartOf] {
			emit(int64(t.OID))
			if t.PartOf == 0 {
				break
			}
		}
	case "pg_partition_tree":
		t := n.cat.ByOID[uint32(toInt64(vals[0]))]
		if t == nil {
			break
		}
		var walk func(t *catalog.Table, parent types.Datum, level int64)
		walk = func(t *catalog.Table, parent types.Datum, level int64) {
			emit(int64(t.OID), parent, !t.Partitioned(), level)
			for _, c := range n.cat.Partitions(t.OID) {
				walk(c, int64(t.OID), level+1)
			}
		}
		var parent types.Datum
		if t.PartOf != 0 {
			parent = int64(t.PartOf)
		}
		walk(t, parent, 0)
	case "pg_listening_channels":
		for _, ch := range ec.Host.ListeningChannels() { // notify.go
			emit(ch)
		}
	case "pg_options_to_table":
		for _, e := range vals[0].(types.Array).Elements {
			if e == nil {
				continue
			}
			k, v, _ := strings.Cut(e.(string), "=")
			emit(k, v)
		}
	case "unnest":
		for _, e := range vals[0].(types.Array).Elements {
			if n.spread {
				fields := make([]types.Datum, 1+len(n.t2)) // a NULL element: every field NULL
				if r, ok := e.(types.Record); ok {
					copy(fields, r.Values)
				}
				emit(fields[0], fields[1:]...)
				continue
			}
			emit(e)
		}
	case "generate_subscripts":
		arr := vals[0].(types.Array)
		dims := arr.Shape()
		if t := n.args[0].Type().OID; t == types.Int2VectorOID || t == types.OidVectorOID {
			dims = []types.ArrayDim{{Len: len(arr.Elements), Lower: 0}}
		}
		d := vals[1].(int64)
		if d < 1 || d > int64(len(dims)) {
			break // no such dimension: no subscripts
		}
		dim := dims[d-1]
		reverse := len(vals) == 3 && vals[2] == true
		for i := 0; i < dim.Len; i++ {
			k := int64(i)
			if reverse {
				k = int64(dim.Len - 1 - i)
			}
			emit(int64(dim.Lower) + k)
		}
	case "_pg_expandarray":
		for i, e := range vals[0].(types.Array).Elements {
			emit(e, int64(i+1))
		}
	case "pg_get_publication_tables":
		// PostgreSQL 15's: every table the publication publishes, with
		// all its columns (no column lists) and no row filter
		pub, ok := ec.Host.Catalog().Pubs[vals[0].(string)]
		if !ok {
			return nil, pgerror.New(pgerror.UndefinedObject, "publication \"%s\" does not exist", vals[0].(string))
		}
		for _, t := range ec.Host.Catalog().SortedTables() {
			if !pub.Publishes(t) {
				continue
			}
			attrs := types.Array{Elem: types.T{OID: types.Int2OID, Mod: -1}, Elements: make([]types.Datum, len(t.Columns))}
			for i := range t.Columns {
				attrs.Elements[i] = int64(i + 1)
			}
			emit(int64(t.OID), attrs, nil)
		}
	default:
		if err := n.moreRowsOf(ec, vals, emit); err != nil { // srf_funcs.go
			return nil, err
		}
	}
	return out, nil
}

// tryOrderedScan removes a sort that a primary-key scan (forward or
// reverse) or a secondary index's range (exec.ScanNode.OrderedByIndex)
// already satisfies; under a LIMIT (limited) a full scan may become a
// whole index read in the sort's order (OrderByIndexScan).
func (p *Planner) tryOrderedScan(n exec.Node, keys []exec.SortKey, limited bool) bool {
	var cols []int
	for _, k := range keys {
		cols = append(cols, k.Idx)
	}
	cur := n
	for {
		switch x := cur.(type) {
		case *exec.ProjectNode:
			for i, c := range cols {
				ce, ok := x.Exprs[c].(*exec.ColExpr)
				if !ok {
					return false
				}
				cols[i] = ce.Idx
			}
			cur = x.Src
			continue
		case *exec.RenameNode:
			cur = x.Src
			continue
		case *exec.FilterNode:
			cur = x.Src
			continue
		case *exec.ScanNode:
			if x.Path.Kind == exec.PathIndex {
				return x.OrderedByIndex(cols, keys)
			}
			if x.OrderedByKey(cols, keys) {
				return true
			}
			// under a LIMIT, an index in the sort's order beats reading
			// and sorting every row
			return limited && x.OrderByIndexScan(cols, keys)
		}
		return false
	}
}

// checkSeriesBounds refuses numeric NaN and infinite bounds and steps, as
// PostgreSQL's generate_series(numeric, …) does: none of them ends.
func checkSeriesBounds(start, stop, step types.Datum) error {
	for _, b := range []struct {
		v    types.Datum
		what string
	}{{start, "start value"}, {stop, "stop value"}, {step, "step size"}} {
		d, ok := b.v.(*apd.Decimal)
		if !ok {
			continue
		}
		switch d.Form {
		case apd.NaN, apd.NaNSignaling:
			return pgerror.New(pgerror.InvalidParameterValue, "%s cannot be NaN", b.what)
		case apd.Infinite:
			return pgerror.New(pgerror.InvalidParameterValue, "%s cannot be infinity", b.what)
		}
	}
	return nil
}

func toInt64(d types.Datum) int64 {
	switch x := d.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case uint32:
		return int64(x)
	}
	return 0
}
