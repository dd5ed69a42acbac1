package sql

import (
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// builtinFunc compiles a call of a function only the engine can evaluate.
type builtinFunc func(p *planner, args []exec.Expr) (exec.Expr, error)

var builtins = map[string]builtinFunc{}

func init() {
	str := func(name string, get func(ec *execCtx) string) builtinFunc {
		return func(p *planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 0 {
				return nil, noFunc(name, args)
			}
			t := exec.TextT
			if name != "version" {
				t = exec.NameT
			}
			return &exec.BuiltinExpr{Name: name, Ret: t, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) { return get(hostOf(rc)), nil }}, nil
		}
	}
	for name, f := range map[string]builtinFunc{
		"version": str("version", func(ec *execCtx) string {
			return "PostgreSQL 15.0 (logdb " + ec.s.e.cfg.Version + ") on x86_64-pc-linux-gnu"
		}),
		"current_database": str("current_database", func(ec *execCtx) string { return ec.s.db }),
		"current_catalog":  str("current_catalog", func(ec *execCtx) string { return ec.s.db }),
		"current_schema":   str("current_schema", func(ec *execCtx) string { return "public" }),
		"current_user":     str("current_user", func(ec *execCtx) string { return ec.s.currentUser() }),
		"session_user":     str("session_user", func(ec *execCtx) string { return ec.s.user }),
		"user":             str("user", func(ec *execCtx) string { return ec.s.currentUser() }),
		"current_role":     str("current_role", func(ec *execCtx) string { return ec.s.currentUser() }),
		"current_schemas": func(p *planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 1 {
				return nil, noFunc("current_schemas", args)
			}
			a, err := p.coerce(args[0], exec.BoolT, types.CastImplicit)
			if err != nil {
				return nil, err
			}
			return &exec.BuiltinExpr{Name: "current_schemas", Args: []exec.Expr{a}, Strict: true, Ret: types.T{OID: types.NameArrayOID, Mod: -1},
				Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
					elems := []types.Datum{"public"}
					if v[0] == true {
						elems = []types.Datum{"pg_catalog", "public"}
					}
					return types.Array{Elem: exec.NameT, Elements: elems}, nil
				}}, nil
		},
		"pg_backend_pid": func(p *planner, args []exec.Expr) (exec.Expr, error) {
			return &exec.BuiltinExpr{Name: "pg_backend_pid", Ret: exec.Int4T, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				return int64(ec.s.pid), nil
			}}, nil
		},
		"current_setting": func(p *planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) < 1 || len(args) > 2 {
				return nil, noFunc("current_setting", args)
			}
			for i := range args {
				want := exec.TextT
				if i == 1 {
					want = exec.BoolT
				}
				var err error
				if args[i], err = p.coerce(args[i], want, types.CastImplicit); err != nil {
					return nil, err
				}
			}
			return &exec.BuiltinExpr{Name: "current_setting", Args: args, Strict: true, Ret: exec.TextT, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				val, err := ec.s.showValue(v[0].(string))
				if err != nil {
					if len(v) == 2 && v[1] == true {
						return nil, nil
					}
					return nil, err
				}
				return val, nil
			}}, nil
		},
		"set_config": func(p *planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 3 {
				return nil, noFunc("set_config", args)
			}
			want := []types.T{exec.TextT, exec.TextT, exec.BoolT}
			for i := range args {
				var err error
				if args[i], err = p.coerce(args[i], want[i], types.CastImplicit); err != nil {
					return nil, err
				}
			}
			return &exec.BuiltinExpr{Name: "set_config", Args: args, Ret: exec.TextT, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				if v[0] == nil {
					return nil, pgerror.New(pgerror.NullValueNotAllowed, "SET requires parameter name")
				}
				val := ""
				if v[1] != nil {
					val = v[1].(string)
				}
				if err := ec.s.setVar(v[0].(string), val, v[2] == true); err != nil {
					return nil, err
				}
				return ec.s.showValue(v[0].(string))
			}}, nil
		},
		"pg_typeof": func(p *planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 1 {
				return nil, noFunc("pg_typeof", args)
			}
			t := args[0].Type()
			if t.OID == 0 {
				t = exec.UnknownT
			}
			return &exec.ConstExpr{V: int64(t.OID), T: types.T{OID: types.RegtypeOID, Mod: -1}}, nil
		},
		"pg_partition_ancestors": func(p *planner, args []exec.Expr) (exec.Expr, error) {
			// a table that is not partitioned is its only ancestor
			if len(args) != 1 {
				return nil, noFunc("pg_partition_ancestors", args)
			}
			return p.regclassCast(args[0])
		},
		"pg_sleep": func(p *planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 1 {
				return nil, noFunc("pg_sleep", args)
			}
			a, err := p.coerce(args[0], exec.Float8T, types.CastImplicit)
			if err != nil {
				return nil, err
			}
			return &exec.BuiltinExpr{Name: "pg_sleep", Args: []exec.Expr{a}, Ret: voidT, Strict: true, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				d := time.Duration(v[0].(float64) * float64(time.Second))
				ec.s.setWait("Timeout", "PgSleep")
				defer ec.s.setWait("", "")
				select {
				case <-time.After(d):
					return "", nil
				case <-ec.Context.Done():
					return nil, ec.s.ctxErr(ec.Context)
				}
			}}, nil
		},
		"pg_cancel_backend":    signalBackend("pg_cancel_backend", false),
		"pg_terminate_backend": signalBackend("pg_terminate_backend", true),
		"txid_current":         xactID(exec.Int8T),
		"pg_current_xact_id":   xactID(types.T{OID: types.Xid8OID, Mod: -1}),
		"nextval":              seqFunc("nextval"),
		"currval":              seqFunc("currval"),
		"setval":               seqFunc("setval"),
		"lastval": func(p *planner, args []exec.Expr) (exec.Expr, error) {
			return &exec.BuiltinExpr{Name: "lastval", Ret: exec.Int8T, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				if !ec.s.hasLast {
					return nil, pgerror.New(pgerror.ObjectNotInPrerequisiteState, "lastval is not yet defined in this session")
				}
				return ec.s.lastVal, nil
			}}, nil
		},
	} {
		builtins[name] = f
	}
}

func noFunc(name string, args []exec.Expr) error {
	var ts []string
	for _, a := range args {
		ts = append(ts, types.FormatType(a.Type()))
	}
	return &pgerror.Error{Code: pgerror.UndefinedFunction, Message: "function " + name + "(" + strings.Join(ts, ", ") + ") does not exist",
		Hint: "No function matches the given name and argument types. You might need to add explicit type casts."}
}

// xactID is txid_current (bigint) and pg_current_xact_id (xid8).
func xactID(ret types.T) builtinFunc {
	return func(p *planner, args []exec.Expr) (exec.Expr, error) {
		return &exec.BuiltinExpr{Name: "txid_current", Ret: ret, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			if ec.tx != nil && ec.tx.Kv != nil {
				return int64(ec.tx.Kv.SnapshotIndex()) + 1, nil
			}
			return int64(1), nil
		}}, nil
	}
}

// seqFunc compiles nextval/currval/setval; the sequence argument may be a
// name (text or regclass) resolved now when constant.
func seqFunc(name string) builtinFunc {
	return func(p *planner, args []exec.Expr) (exec.Expr, error) {
		if name == "setval" && (len(args) < 2 || len(args) > 3) || name != "setval" && len(args) != 1 {
			return nil, noFunc(name, args)
		}
		var err error
		if args[0], err = p.resolveUnknown(args[0]); err != nil {
			return nil, err
		}
		if name == "setval" {
			if args[1], err = p.coerce(args[1], exec.Int8T, types.CastImplicit); err != nil {
				return nil, err
			}
			if len(args) == 3 {
				if args[2], err = p.coerce(args[2], exec.BoolT, types.CastImplicit); err != nil {
					return nil, err
				}
			}
		}
		return &exec.BuiltinExpr{Name: name, Args: args, Strict: true, Ret: exec.Int8T, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			sq, err := ec.s.lookupSeqArg(ec.tx, v[0])
			if err != nil {
				return nil, err
			}
			need := map[string]string{"nextval": "Uw", "currval": "rU", "setval": "w"}[name]
			if err := ec.s.checkSeqPriv(ec.tx.cat, sq, need); err != nil {
				return nil, err
			}
			switch name {
			case "nextval":
				return ec.s.nextval(ec, sq)
			case "currval":
				cur, ok := ec.s.seqLast[sq.OID]
				if !ok {
					return nil, pgerror.New(pgerror.ObjectNotInPrerequisiteState, "currval of sequence \"%s\" is not yet defined in this session", sq.Name)
				}
				return cur, nil
			default:
				called := true
				if len(v) == 3 {
					called = v[2] == true
				}
				return ec.s.setval(ec, sq, v[1].(int64), called)
			}
		}}, nil
	}
}

func (s *Session) lookupSeqArg(t *txnState, v types.Datum) (*catalog.Sequence, error) {
	cat := t.cat
	switch x := v.(type) {
	case int64:
		if sq, ok := cat.SeqOID[uint32(x)]; ok {
			return sq, nil
		}
		return nil, pgerror.New(pgerror.UndefinedTable, "could not open relation with OID %d", x)
	case string:
		_, name := splitQualified(x)
		if sq, ok := cat.Seqs[name]; ok {
			return sq, nil
		}
		return nil, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", x)
	}
	return nil, pgerror.New(pgerror.DatatypeMismatch, "invalid sequence argument")
}

func (s *Session) nextval(ec *execCtx, sq *catalog.Sequence) (types.Datum, error) {
	if ec.tx != nil && ec.tx.readOnly {
		return nil, errReadOnly("nextval()")
	}
	ord, err := s.e.nextSeqOrdinal(ec.Context, sq.OID)
	if err != nil {
		return nil, err
	}
	v := sq.Start + (ord-1)*sq.Increment
	if sq.Increment > 0 && v > sq.Max || sq.Increment < 0 && v < sq.Min {
		if !sq.Cycle {
			return nil, pgerror.New("2200H", "nextval: reached maximum value of sequence \"%s\" (%d)", sq.Name, sq.Max)
		}
		span := sq.Max - sq.Min + 1
		if sq.Increment > 0 {
			v = sq.Min + (v-sq.Min)%span
		} else {
			v = sq.Max - (sq.Max-v)%span
		}
	}
	s.seqLast[sq.OID] = v
	s.lastVal, s.hasLast = v, true
	return v, nil
}

func (s *Session) setval(ec *execCtx, sq *catalog.Sequence, v int64, called bool) (types.Datum, error) {
	if v < sq.Min || v > sq.Max {
		return nil, pgerror.New(pgerror.NumericValueOutOfRange, "setval: value %d is out of bounds for sequence \"%s\" (%d..%d)", v, sq.Name, sq.Min, sq.Max)
	}
	// ordinal of v; the next nextval hands out ord+1 (or ord when !called)
	ord := (v - sq.Start) / sq.Increment
	if called {
		ord++
	}
	if err := s.e.setSeqOrdinal(ec.Context, sq.OID, ord); err != nil {
		return nil, err
	}
	if called {
		s.seqLast[sq.OID] = v
	}
	return v, nil
}

func errReadOnly(what string) error {
	return pgerror.New(pgerror.ReadOnlySQLTransaction, "cannot execute %s in a read-only transaction", what)
}

// srfNode is a set-returning function in FROM.
type srfNode struct {
	name       string
	args       []exec.Expr
	t          types.T
	t2         []types.T // further output columns (pg_options_to_table)
	names      []string  // output column names when more than one
	ordinality bool
	cols       []exec.Column
	step       *types.Op // generate_series over numbers/timestamps: "+"
	cmpT       types.T
}

func (p *planner) setReturningFunc(name string, args []exec.Expr) (*srfNode, error) {
	n := &srfNode{name: name, args: args}
	var err error
	switch name {
	case "generate_series":
		if len(args) < 2 || len(args) > 3 {
			return nil, noFunc(name, args)
		}
		t, err := p.unify(args[:2], "generate_series")
		if err != nil {
			return nil, err
		}
		if t.OID == types.UnknownOID || t.OID == types.Int2OID {
			t = exec.Int4T
		}
		if t.OID == types.Float4OID || t.OID == types.Float8OID {
			return nil, noFunc(name, args) // PostgreSQL has no float variant
		}
		for i := 0; i < 2; i++ {
			if args[i], err = p.coerce(args[i], t, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		stepT := t
		if t.OID == types.TimestampOID || t.OID == types.TimestamptzOID {
			stepT = types.T{OID: types.IntervalOID, Mod: -1}
		}
		if len(args) == 3 {
			if args[2], err = p.coerce(args[2], stepT, types.CastImplicit); err != nil {
				return nil, err
			}
		} else {
			if stepT.OID == types.IntervalOID {
				return nil, noFunc(name, args)
			}
			one, err := p.coerce(&exec.ConstExpr{V: int64(1), T: exec.Int4T}, stepT, types.CastImplicit)
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
			return nil, noFunc(name, args)
		}
		var err error
		if n.args[0], err = p.coerce(args[0], types.T{OID: types.TextArrayOID, Mod: -1}, types.CastImplicit); err != nil {
			return nil, err
		}
		n.t, n.t2, n.names = exec.TextT, []types.T{exec.TextT}, []string{"option_name", "option_value"}
	case "pg_partition_ancestors":
		if len(args) != 1 {
			return nil, noFunc(name, args)
		}
		rc, err := p.regclassCast(args[0])
		if err != nil {
			return nil, err
		}
		n.args[0], n.t = rc, rc.Type()
	case "generate_subscripts":
		// generate_subscripts(array, dim [, reverse]): the subscripts of
		// dimension dim (arrays here have one), from 1, or from 0 for
		// int2vector and oidvector as PostgreSQL gives them
		if len(args) < 2 || len(args) > 3 {
			return nil, noFunc(name, args)
		}
		at := args[0].Type()
		if _, ok := types.ElemOf(at); !ok && at.OID != types.Int2VectorOID && at.OID != types.OidVectorOID {
			return nil, noFunc(name, args)
		}
		if n.args[1], err = p.coerce(args[1], exec.Int4T, types.CastImplicit); err != nil {
			return nil, err
		}
		if len(args) == 3 {
			if n.args[2], err = p.coerce(args[2], exec.BoolT, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		n.t = exec.Int4T
	case "_pg_expandarray":
		// information_schema._pg_expandarray(anyarray): one (x, n) record
		// per element, x the element and n its position (pgjdbc's
		// getPrimaryKeys)
		if len(args) != 1 {
			return nil, noFunc(name, args)
		}
		at := args[0].Type()
		et, ok := types.ElemOf(at)
		if at.OID == types.Int2VectorOID {
			et, ok = types.T{OID: types.Int2OID, Mod: -1}, true
		}
		if !ok {
			return nil, noFunc(name, args)
		}
		n.t = types.RecordType([]types.RecordField{{Name: "x", T: types.T{OID: et.OID, Mod: -1}}, {Name: "n", T: exec.Int4T}})
	case "pg_get_publication_tables":
		if len(args) != 1 {
			return nil, noFunc(name, args)
		}
		if n.args[0], err = p.coerce(args[0], exec.TextT, types.CastImplicit); err != nil {
			return nil, err
		}
		n.t, n.t2, n.names = exec.OIDT, []types.T{{OID: types.Int2VectorOID, Mod: -1}, {OID: types.PgNodeTreeOID, Mod: -1}}, []string{"relid", "attrs", "qual"}
	case "pg_listening_channels":
		if len(args) != 0 {
			return nil, noFunc(name, args)
		}
		n.t = exec.TextT
	case "unnest":
		if len(args) != 1 {
			return nil, pgerror.Unsupported("unnest with several arguments")
		}
		et, ok := types.ElemOf(args[0].Type())
		if !ok {
			if isUnknown(args[0]) {
				return nil, pgerror.New(pgerror.UndefinedFunction, "function unnest(unknown) is not unique")
			}
			return nil, noFunc(name, args)
		}
		n.t = et
	default:
		return nil, unsupportedFrom("function " + name + " in FROM")
	}
	return n, err
}

func unsupportedFrom(what string) error { return pgerror.Unsupported(what) }

func (n *srfNode) Columns() []exec.Column { return n.cols }

func (n *srfNode) Start(rc *exec.Ctx) (exec.Iterator, error) {
	return n.IterFor(rc, nil)
}

// iterFor evaluates the function with its arguments read from in and
// returns its rows as an iterator. generate_series produces them one at a
// time (a series of 50 million rows read by a slow client holds one value,
// not all of them); the others, whose input is already in memory (an
// array, the catalog), produce a slice.
func (n *srfNode) IterFor(rc *exec.Ctx, in []types.Datum) (exec.Iterator, error) {
	ec := rc
	vals, err := n.evalArgs(ec, in)
	if err != nil || vals == nil {
		return &exec.SliceIter{}, err
	}
	if n.name == "generate_series" {
		return n.newSeries(ec, vals)
	}
	rows, err := n.rowsOf(ec, vals)
	return &exec.SliceIter{Rows: rows}, err
}

// evalArgs evaluates the arguments; nil when one is NULL (no rows).
func (n *srfNode) evalArgs(ec *exec.Ctx, in []types.Datum) ([]types.Datum, error) {
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
	n               *srfNode
	ec              *exec.Ctx
	cur, stop, step types.Datum
	dir             int
	count           int64
	done            bool
}

// newSeries starts generate_series(vals[0], vals[1], vals[2]).
func (n *srfNode) newSeries(ec *exec.Ctx, vals []types.Datum) (*seriesIter, error) {
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
func (n *srfNode) rowsOf(ec *exec.Ctx, vals []types.Datum) ([][]types.Datum, error) {
	var out [][]types.Datum
	emit := func(v types.Datum, more ...types.Datum) {
		row := append([]types.Datum{v}, more...)
		if n.ordinality {
			row = append(row, int64(len(out)+1))
		}
		out = append(out, row)
	}
	switch n.name {
	case "pg_partition_ancestors":
		emit(vals[0])
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
			emit(e)
		}
	case "generate_subscripts":
		if vals[1].(int64) != 1 {
			break // arrays have one dimension: no subscripts in others
		}
		elems := vals[0].(types.Array).Elements
		base := int64(1)
		if t := n.args[0].Type().OID; t == types.Int2VectorOID || t == types.OidVectorOID {
			base = 0
		}
		reverse := len(vals) == 3 && vals[2] == true
		for i := range elems {
			k := int64(i)
			if reverse {
				k = int64(len(elems) - 1 - i)
			}
			emit(base + k)
		}
	case "_pg_expandarray":
		for i, e := range vals[0].(types.Array).Elements {
			emit(types.Record{Values: []types.Datum{e, int64(i + 1)}})
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
	}
	return out, nil
}

// tryOrderedScan removes a sort that a primary-key scan (forward or
// reverse) already satisfies.
func (p *planner) tryOrderedScan(n exec.Node, keys []exec.SortKey) bool {
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
			if x.Path.Kind == exec.PathIndex || len(x.T.PKIdx) < len(cols) {
				return false
			}
			for i, c := range cols {
				if x.T.PKIdx[i] != c || keys[i].Desc != keys[0].Desc {
					return false
				}
			}
			x.Reverse = keys[0].Desc
			return true
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
