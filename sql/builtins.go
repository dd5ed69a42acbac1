package sql

import (
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// builtinFunc compiles a call of a function only the engine can evaluate.
type builtinFunc func(p *planner, args []expr) (expr, error)

var builtins map[string]builtinFunc

func init() {
	str := func(name string, get func(ec *execCtx) string) builtinFunc {
		return func(p *planner, args []expr) (expr, error) {
			if len(args) != 0 {
				return nil, noFunc(name, args)
			}
			t := textT
			if name != "version" {
				t = nameT
			}
			return &builtinExpr{name: name, ret: t, fn: func(rc *runCtx, _ []types.Datum) (types.Datum, error) { return get(hostOf(rc)), nil }}, nil
		}
	}
	builtins = map[string]builtinFunc{
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
		"current_schemas": func(p *planner, args []expr) (expr, error) {
			if len(args) != 1 {
				return nil, noFunc("current_schemas", args)
			}
			a, err := p.coerce(args[0], boolT, types.CastImplicit)
			if err != nil {
				return nil, err
			}
			return &builtinExpr{name: "current_schemas", args: []expr{a}, strict: true, ret: types.T{OID: types.NameArrayOID, Mod: -1},
				fn: func(rc *runCtx, v []types.Datum) (types.Datum, error) {
					elems := []types.Datum{"public"}
					if v[0] == true {
						elems = []types.Datum{"pg_catalog", "public"}
					}
					return types.Array{Elem: nameT, Elements: elems}, nil
				}}, nil
		},
		"pg_backend_pid": func(p *planner, args []expr) (expr, error) {
			return &builtinExpr{name: "pg_backend_pid", ret: int4T, fn: func(rc *runCtx, _ []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				return int64(ec.s.pid), nil
			}}, nil
		},
		"current_setting": func(p *planner, args []expr) (expr, error) {
			if len(args) < 1 || len(args) > 2 {
				return nil, noFunc("current_setting", args)
			}
			for i := range args {
				want := textT
				if i == 1 {
					want = boolT
				}
				var err error
				if args[i], err = p.coerce(args[i], want, types.CastImplicit); err != nil {
					return nil, err
				}
			}
			return &builtinExpr{name: "current_setting", args: args, strict: true, ret: textT, fn: func(rc *runCtx, v []types.Datum) (types.Datum, error) {
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
		"set_config": func(p *planner, args []expr) (expr, error) {
			if len(args) != 3 {
				return nil, noFunc("set_config", args)
			}
			want := []types.T{textT, textT, boolT}
			for i := range args {
				var err error
				if args[i], err = p.coerce(args[i], want[i], types.CastImplicit); err != nil {
					return nil, err
				}
			}
			return &builtinExpr{name: "set_config", args: args, ret: textT, fn: func(rc *runCtx, v []types.Datum) (types.Datum, error) {
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
		"pg_typeof": func(p *planner, args []expr) (expr, error) {
			if len(args) != 1 {
				return nil, noFunc("pg_typeof", args)
			}
			t := args[0].typ()
			if t.OID == 0 {
				t = unknownT
			}
			return &constExpr{v: int64(t.OID), t: types.T{OID: types.RegtypeOID, Mod: -1}}, nil
		},
		"pg_partition_ancestors": func(p *planner, args []expr) (expr, error) {
			// a table that is not partitioned is its only ancestor
			if len(args) != 1 {
				return nil, noFunc("pg_partition_ancestors", args)
			}
			return p.regclassCast(args[0])
		},
		"pg_sleep": func(p *planner, args []expr) (expr, error) {
			if len(args) != 1 {
				return nil, noFunc("pg_sleep", args)
			}
			a, err := p.coerce(args[0], float8T, types.CastImplicit)
			if err != nil {
				return nil, err
			}
			return &builtinExpr{name: "pg_sleep", args: []expr{a}, ret: voidT, strict: true, fn: func(rc *runCtx, v []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				d := time.Duration(v[0].(float64) * float64(time.Second))
				ec.s.setWait("Timeout", "PgSleep")
				defer ec.s.setWait("", "")
				select {
				case <-time.After(d):
					return "", nil
				case <-ec.ctx.Done():
					return nil, ec.s.ctxErr(ec.ctx)
				}
			}}, nil
		},
		"pg_cancel_backend":    signalBackend("pg_cancel_backend", false),
		"pg_terminate_backend": signalBackend("pg_terminate_backend", true),
		"txid_current":         xactID(int8T),
		"pg_current_xact_id":   xactID(types.T{OID: types.Xid8OID, Mod: -1}),
		"nextval":              seqFunc("nextval"),
		"currval":              seqFunc("currval"),
		"setval":               seqFunc("setval"),
		"lastval": func(p *planner, args []expr) (expr, error) {
			return &builtinExpr{name: "lastval", ret: int8T, fn: func(rc *runCtx, _ []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				if !ec.s.hasLast {
					return nil, pgerror.New(pgerror.ObjectNotInPrerequisiteState, "lastval is not yet defined in this session")
				}
				return ec.s.lastVal, nil
			}}, nil
		},
	}
}

func noFunc(name string, args []expr) error {
	var ts []string
	for _, a := range args {
		ts = append(ts, types.FormatType(a.typ()))
	}
	return &pgerror.Error{Code: pgerror.UndefinedFunction, Message: "function " + name + "(" + strings.Join(ts, ", ") + ") does not exist",
		Hint: "No function matches the given name and argument types. You might need to add explicit type casts."}
}

// xactID is txid_current (bigint) and pg_current_xact_id (xid8).
func xactID(ret types.T) builtinFunc {
	return func(p *planner, args []expr) (expr, error) {
		return &builtinExpr{name: "txid_current", ret: ret, fn: func(rc *runCtx, _ []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			if ec.tx != nil && ec.tx.kv != nil {
				return int64(ec.tx.kv.SnapshotIndex()) + 1, nil
			}
			return int64(1), nil
		}}, nil
	}
}

// seqFunc compiles nextval/currval/setval; the sequence argument may be a
// name (text or regclass) resolved now when constant.
func seqFunc(name string) builtinFunc {
	return func(p *planner, args []expr) (expr, error) {
		if name == "setval" && (len(args) < 2 || len(args) > 3) || name != "setval" && len(args) != 1 {
			return nil, noFunc(name, args)
		}
		var err error
		if args[0], err = p.resolveUnknown(args[0]); err != nil {
			return nil, err
		}
		if name == "setval" {
			if args[1], err = p.coerce(args[1], int8T, types.CastImplicit); err != nil {
				return nil, err
			}
			if len(args) == 3 {
				if args[2], err = p.coerce(args[2], boolT, types.CastImplicit); err != nil {
					return nil, err
				}
			}
		}
		return &builtinExpr{name: name, args: args, strict: true, ret: int8T, fn: func(rc *runCtx, v []types.Datum) (types.Datum, error) {
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
	ord, err := s.e.nextSeqOrdinal(ec.ctx, sq.OID)
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
	if err := s.e.setSeqOrdinal(ec.ctx, sq.OID, ord); err != nil {
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
	args       []expr
	t          types.T
	t2         []types.T // further output columns (pg_options_to_table)
	names      []string  // output column names when more than one
	ordinality bool
	cols       []resultCol
	step       *types.Op // generate_series over numbers/timestamps: "+"
	cmpT       types.T
}

func (p *planner) setReturningFunc(name string, args []expr) (*srfNode, error) {
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
			t = int4T
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
			one, err := p.coerce(&constExpr{v: int64(1), t: int4T}, stepT, types.CastImplicit)
			if err != nil {
				return nil, err
			}
			n.args = append(args, one)
		}
		if n.step, err = lookupBinaryOp("+", t, stepT); err != nil {
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
		n.t, n.t2, n.names = textT, []types.T{textT}, []string{"option_name", "option_value"}
	case "pg_partition_ancestors":
		if len(args) != 1 {
			return nil, noFunc(name, args)
		}
		rc, err := p.regclassCast(args[0])
		if err != nil {
			return nil, err
		}
		n.args[0], n.t = rc, rc.typ()
	case "generate_subscripts":
		// generate_subscripts(array, dim [, reverse]): the subscripts of
		// dimension dim (arrays here have one), from 1, or from 0 for
		// int2vector and oidvector as PostgreSQL gives them
		if len(args) < 2 || len(args) > 3 {
			return nil, noFunc(name, args)
		}
		at := args[0].typ()
		if _, ok := types.ElemOf(at); !ok && at.OID != types.Int2VectorOID && at.OID != types.OidVectorOID {
			return nil, noFunc(name, args)
		}
		if n.args[1], err = p.coerce(args[1], int4T, types.CastImplicit); err != nil {
			return nil, err
		}
		if len(args) == 3 {
			if n.args[2], err = p.coerce(args[2], boolT, types.CastImplicit); err != nil {
				return nil, err
			}
		}
		n.t = int4T
	case "_pg_expandarray":
		// information_schema._pg_expandarray(anyarray): one (x, n) record
		// per element, x the element and n its position (pgjdbc's
		// getPrimaryKeys)
		if len(args) != 1 {
			return nil, noFunc(name, args)
		}
		at := args[0].typ()
		et, ok := types.ElemOf(at)
		if at.OID == types.Int2VectorOID {
			et, ok = types.T{OID: types.Int2OID, Mod: -1}, true
		}
		if !ok {
			return nil, noFunc(name, args)
		}
		n.t = types.RecordType([]types.RecordField{{Name: "x", T: types.T{OID: et.OID, Mod: -1}}, {Name: "n", T: int4T}})
	case "pg_get_publication_tables":
		if len(args) != 1 {
			return nil, noFunc(name, args)
		}
		if n.args[0], err = p.coerce(args[0], textT, types.CastImplicit); err != nil {
			return nil, err
		}
		n.t, n.t2, n.names = oidT, []types.T{{OID: types.Int2VectorOID, Mod: -1}, {OID: types.PgNodeTreeOID, Mod: -1}}, []string{"relid", "attrs", "qual"}
	case "unnest":
		if len(args) != 1 {
			return nil, pgerror.Unsupported("unnest with several arguments")
		}
		et, ok := types.ElemOf(args[0].typ())
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

func (n *srfNode) columns() []resultCol { return n.cols }

func (n *srfNode) start(rc *runCtx) (iterator, error) {
	return n.iterFor(rc, nil)
}

// iterFor evaluates the function with its arguments read from in and
// returns its rows as an iterator. generate_series produces them one at a
// time (a series of 50 million rows read by a slow client holds one value,
// not all of them); the others, whose input is already in memory (an
// array, the catalog), produce a slice.
func (n *srfNode) iterFor(rc *runCtx, in []types.Datum) (iterator, error) {
	ec := hostOf(rc)
	vals, err := n.evalArgs(ec, in)
	if err != nil || vals == nil {
		return &sliceIter{}, err
	}
	if n.name == "generate_series" {
		return n.newSeries(ec, vals)
	}
	rows, err := n.rowsOf(ec, vals)
	return &sliceIter{rows: rows}, err
}

// evalArgs evaluates the arguments; nil when one is NULL (no rows).
func (n *srfNode) evalArgs(ec *execCtx, in []types.Datum) ([]types.Datum, error) {
	vals := make([]types.Datum, len(n.args))
	for i, a := range n.args {
		v, err := a.eval(ec.runCtx, in)
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
	ec              *execCtx
	cur, stop, step types.Datum
	dir             int
	count           int64
	done            bool
}

// newSeries starts generate_series(vals[0], vals[1], vals[2]).
func (n *srfNode) newSeries(ec *execCtx, vals []types.Datum) (*seriesIter, error) {
	it := &seriesIter{n: n, ec: ec, cur: vals[0], stop: vals[1], step: vals[2], dir: 1}
	if err := checkSeriesBounds(it.cur, it.stop, it.step); err != nil {
		return nil, err
	}
	zero, err := castDatum(ec.runCtx, int64(0), int8T, n.args[2].typ(), types.CastImplicit)
	if err != nil && n.args[2].typ().OID != types.IntervalOID {
		return nil, err
	}
	if zero != nil {
		it.dir = compareDatums(n.args[2].typ(), it.step, zero)
		if it.dir == 0 {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "step size cannot equal zero")
		}
	} else if _, ok := it.step.(types.Interval); ok {
		// PostgreSQL's interval_cmp against zero: a month is 30 days
		it.dir = compareDatums(n.args[2].typ(), it.step, types.Interval{})
		if it.dir == 0 {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "step size cannot equal zero")
		}
	}
	return it, nil
}

func (it *seriesIter) next() ([]types.Datum, error) {
	if it.done {
		return nil, nil
	}
	c := compareDatums(it.n.cmpT, it.cur, it.stop)
	if it.dir > 0 && c > 0 || it.dir < 0 && c < 0 {
		it.done = true
		return nil, nil
	}
	if it.count&255 == 255 {
		if err := it.ec.tick(); err != nil {
			return nil, err
		}
	}
	it.count++
	row := []types.Datum{it.cur}
	if it.n.ordinality {
		row = append(row, it.count)
	}
	next, err := it.n.step.Fn(it.ec.ev, it.cur, it.step)
	if err != nil {
		if pgerror.Code(err) != pgerror.NumericValueOutOfRange {
			return nil, err
		}
		it.done = true // the series ends at the type's limit
	}
	it.cur = next
	return row, nil
}

func (it *seriesIter) close() {}

// rowsOf is the function's rows for argument values vals.
func (n *srfNode) rowsOf(ec *execCtx, vals []types.Datum) ([][]types.Datum, error) {
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
		if t := n.args[0].typ().OID; t == types.Int2VectorOID || t == types.OidVectorOID {
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
		pub, ok := ec.tx.cat.Pubs[vals[0].(string)]
		if !ok {
			return nil, pgerror.New(pgerror.UndefinedObject, "publication \"%s\" does not exist", vals[0].(string))
		}
		for _, t := range ec.tx.cat.SortedTables() {
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
func (p *planner) tryOrderedScan(n node, keys []sortKey) bool {
	var cols []int
	for _, k := range keys {
		cols = append(cols, k.idx)
	}
	cur := n
	for {
		switch x := cur.(type) {
		case *projectNode:
			for i, c := range cols {
				ce, ok := x.exprs[c].(*colExpr)
				if !ok {
					return false
				}
				cols[i] = ce.idx
			}
			cur = x.src
			continue
		case *renameNode:
			cur = x.src
			continue
		case *filterNode:
			cur = x.src
			continue
		case *scanNode:
			if x.path.kind == pathIndex || len(x.t.PKIdx) < len(cols) {
				return false
			}
			for i, c := range cols {
				if x.t.PKIdx[i] != c || keys[i].desc != keys[0].desc {
					return false
				}
			}
			x.reverse = keys[0].desc
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
