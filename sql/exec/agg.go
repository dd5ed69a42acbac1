package exec

import (
	"strings"
	"time"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// AggNode groups its input by groups and computes aggs per group; output
// rows are the group values followed by the aggregate results. Without
// GROUP BY it yields exactly one row.
type AggNode struct {
	Src    Node
	Groups []Expr
	Aggs   []*AggSpec
	Cols   []Column
}

func (a *AggNode) Columns() []Column { return a.Cols }

type aggGroup struct {
	vals   []types.Datum
	states []*aggState
}

type aggState struct {
	count  int64
	acc    types.Datum
	bools  bool
	seen   bool
	buf    [][]types.Datum // DISTINCT / ORDER BY: argument rows, folded at the end
	set    map[string]bool
	parts  []string
	elems  []types.Datum
	stats  *statsState   // the statistics aggregates (agg_stats.go)
	direct []types.Datum // WITHIN GROUP: the direct arguments' values
	mem    *memBudget    // the aggregate node's, for the values kept (nil: not counted)
}

func (a *AggNode) Start(ec *Ctx) (Iterator, error) {
	it, err := a.Src.Start(ec)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	what := "aggregate"
	if len(a.Groups) > 0 {
		what = "hash aggregate"
	}
	mem := ec.Budget(what)
	groups := map[string]*aggGroup{}
	var order []*aggGroup
	gts := make([]types.T, len(a.Groups))
	for i, g := range a.Groups {
		gts[i] = g.Type()
	}
	var kb []byte
	for {
		row, err := it.Next()
		if err != nil {
			return nil, err
		}
		if row == nil {
			break
		}
		kb = kb[:0]
		var gv []types.Datum
		if len(a.Groups) > 0 {
			gv = make([]types.Datum, len(a.Groups))
			for i, g := range a.Groups {
				if gv[i], err = g.Eval(ec, row); err != nil {
					return nil, err
				}
				kb = appendHashKey(kb, gts[i], gv[i])
			}
		}
		g := groups[string(kb)]
		if g == nil {
			g = &aggGroup{vals: gv, states: make([]*aggState, len(a.Aggs))}
			for i := range g.states {
				g.states[i] = &aggState{mem: mem}
			}
			if err := mem.add(int64(len(kb)) + rowSize(gv) + 96*int64(len(a.Aggs)) + 64); err != nil {
				return nil, err
			}
			groups[string(kb)] = g
			order = append(order, g)
		}
		for i, spec := range a.Aggs {
			if err := spec.step(ec, g.states[i], row); err != nil {
				return nil, err
			}
		}
	}
	if len(a.Groups) == 0 && len(order) == 0 {
		g := &aggGroup{states: make([]*aggState, len(a.Aggs))}
		for i := range g.states {
			g.states[i] = &aggState{}
		}
		order = append(order, g)
	}
	out := make([][]types.Datum, 0, len(order))
	for _, g := range order {
		row := make([]types.Datum, 0, len(a.Cols))
		row = append(row, g.vals...)
		for i, spec := range a.Aggs {
			v, err := spec.final(ec, g.states[i])
			if err != nil {
				return nil, err
			}
			row = append(row, v)
		}
		out = append(out, row)
	}
	return &SliceIter{Rows: out}, nil
}

// step feeds one input row to the aggregate.
func (s *AggSpec) step(ec *Ctx, st *aggState, row []types.Datum) error {
	if s.Filter != nil {
		ok, err := evalBool(ec, s.Filter, row)
		if err != nil || !ok {
			return err
		}
	}
	if s.Star {
		st.count++
		return nil
	}
	if s.WithinGroup && st.direct == nil {
		if err := s.evalDirect(ec, st, row); err != nil {
			return err
		}
	}
	args := make([]types.Datum, len(s.Args)+len(s.OrderBy))
	for i, e := range s.Args {
		v, err := e.Eval(ec, row)
		if err != nil {
			return err
		}
		args[i] = v
	}
	for i, e := range s.OrderBy {
		v, err := e.Eval(ec, row)
		if err != nil {
			return err
		}
		args[len(s.Args)+i] = v
	}
	if s.Distinct || len(s.Order) > 0 {
		if err := st.mem.addRow(args); err != nil {
			return err
		}
		st.buf = append(st.buf, args)
		return nil
	}
	return s.accumulate(ec, st, args)
}

func (s *AggSpec) accumulate(ec *Ctx, st *aggState, args []types.Datum) error {
	v := args[0]
	if _, ok := StatsAggArgs[s.Name]; ok {
		for _, a := range args {
			if a == nil {
				return nil
			}
		}
		return s.statsStep(st, args)
	}
	switch s.Name {
	case "array_agg", "json_agg", "jsonb_agg":
		// NULLs are kept
	case "json_object_agg", "jsonb_object_agg":
		if v == nil {
			return pgerror.New(pgerror.NullValueNotAllowed, "field name must not be null")
		}
	default:
		if v == nil {
			return nil
		}
	}
	switch s.Name {
	case "count":
		st.count++
	case "sum", "avg":
		st.count++
		x, err := CastDatum(ec, v, s.ArgT, s.T, types.CastImplicit)
		if err != nil {
			return err
		}
		if st.acc == nil {
			st.acc = x
			return nil
		}
		st.acc, err = s.SumOp.Fn(ec.Ev, st.acc, x)
		return err
	case "min", "max":
		if st.acc == nil {
			st.acc = v
			return nil
		}
		c := CompareDatums(s.T, v, st.acc)
		if (s.Name == "min" && c < 0) || (s.Name == "max" && c > 0) {
			st.acc = v
		}
	case "bool_and", "every":
		if !st.seen {
			st.bools, st.seen = true, true
		}
		st.bools = st.bools && v.(bool)
	case "bool_or":
		if !st.seen {
			st.bools, st.seen = false, true
		}
		st.bools = st.bools || v.(bool)
	case "string_agg", "array_agg", "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg":
		if err := st.mem.add(16 + datumSize(v)); err != nil {
			return err
		}
	}
	switch s.Name {
	case "string_agg":
		sep := ""
		if args[1] != nil {
			sep = asString(args[1])
		}
		if st.seen {
			st.parts = append(st.parts, sep)
		}
		st.seen = true
		st.parts = append(st.parts, asString(v))
	case "array_agg":
		st.seen = true
		st.elems = append(st.elems, v)
	case "json_agg", "jsonb_agg":
		st.seen = true
		if s.Name == "json_agg" && s.ArgT.OID == types.RecordOID && v != nil {
			st.parts = append(st.parts, string(types.AppendToJSON(nil, s.ArgT, v, time.UTC))) // to_json's spacing
			break
		}
		if _, isArr := types.ElemOf(s.ArgT); s.Name == "json_agg" && isArr && v != nil {
			part := string(types.AppendToJSON(nil, s.ArgT, v, ec.Ev.Location)) // to_json's spacing
			if len(st.parts) > 0 {
				part = "\n " + part // PostgreSQL's json_agg puts an array after the first on a line of its own
			}
			st.parts = append(st.parts, part)
			break
		}
		st.parts = append(st.parts, jsonText(s.ArgT, v))
	case "json_object_agg", "jsonb_object_agg":
		st.seen = true
		st.parts = append(st.parts, jsonText(TextT, types.TextString(s.Args[0].Type(), v))+": "+jsonText(s.Args[1].Type(), args[1]))
	}
	return nil
}

func asString(v types.Datum) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

func jsonText(t types.T, v types.Datum) string {
	if v == nil {
		return "null"
	}
	return string(types.AppendJSON(nil, t, v))
}

func (s *AggSpec) final(ec *Ctx, st *aggState) (types.Datum, error) {
	if s.WithinGroup {
		return s.orderedFinal(ec, st)
	}
	if st.buf != nil {
		rows := st.buf
		st.buf = nil
		if len(s.Order) > 0 {
			sortRows(rows, s.Order)
		}
		if s.Distinct {
			cols := Seq(len(s.Args))
			ts := make([]types.T, len(s.Args))
			for i, a := range s.Args {
				ts[i] = a.Type()
			}
			seen := map[string]bool{}
			var kept [][]types.Datum
			for _, r := range rows {
				k := string(rowKey(nil, r, cols, ts))
				if !seen[k] {
					seen[k] = true
					kept = append(kept, r)
				}
			}
			rows = kept
		}
		for _, r := range rows {
			if err := s.accumulate(ec, st, r); err != nil {
				return nil, err
			}
		}
	}
	if _, ok := StatsAggArgs[s.Name]; ok {
		return s.statsFinal(ec, st)
	}
	switch s.Name {
	case "count":
		return st.count, nil
	case "sum", "min", "max":
		return st.acc, nil
	case "avg":
		if st.acc == nil {
			return nil, nil
		}
		var n types.Datum = st.count
		nt := Int8T
		if s.T.OID == types.IntervalOID {
			n, nt = float64(st.count), Float8T
		}
		d, err := CastDatum(ec, n, nt, s.DivOp.Right, types.CastImplicit)
		if err != nil {
			return nil, err
		}
		return s.DivOp.Fn(ec.Ev, st.acc, d)
	case "bool_and", "bool_or", "every":
		if !st.seen {
			return nil, nil
		}
		return st.bools, nil
	case "string_agg":
		if !st.seen {
			return nil, nil
		}
		if s.T.OID == types.ByteaOID {
			return []byte(strings.Join(st.parts, "")), nil
		}
		return strings.Join(st.parts, ""), nil
	case "array_agg":
		if !st.seen {
			return nil, nil
		}
		if s.T.OID == s.ArgT.OID {
			return StackArrays(s.ArgT, st.elems)
		}
		return types.Array{Elem: s.ArgT, Elements: st.elems}, nil
	case "json_agg", "jsonb_agg":
		if !st.seen {
			return nil, nil
		}
		sep := ", "
		if s.Name == "json_agg" && s.ArgT.OID == types.RecordOID {
			sep = ", \n " // PostgreSQL's json_agg puts rows on lines of their own
		}
		txt := "[" + strings.Join(st.parts, sep) + "]"
		if s.T.OID == types.JSONBOID {
			return types.ParseJSONB(txt)
		}
		return types.JSON(txt), nil
	case "json_object_agg", "jsonb_object_agg":
		if !st.seen {
			return nil, nil
		}
		txt := "{ " + strings.Join(st.parts, ", ") + " }"
		if s.T.OID == types.JSONBOID {
			return types.ParseJSONB(txt)
		}
		return types.JSON(txt), nil
	}
	return nil, pgerror.Unsupported("aggregate " + s.Name)
}

// AggSpec is one aggregate call.
type AggSpec struct {
	Name     string
	Star     bool
	Distinct bool
	Args     []Expr
	Filter   Expr
	Order    []SortKey // over args followed by order exprs
	OrderBy  []Expr
	T        types.T // result type
	ArgT     types.T
	SumOp    *types.Op // sum/avg accumulation; interval + for percentile_cont
	DivOp    *types.Op // avg; numeric / for the statistics aggregates

	// WITHIN GROUP (agg_ordered.go): Args are the aggregated (ORDER BY)
	// arguments, Direct the direct ones, evaluated once per group (over a
	// row of SrcWidth NULLs when the group is empty).
	WithinGroup bool
	Direct      []Expr
	SrcWidth    int
	Multi       bool      // percentile_* of an array of fractions
	SubOp       *types.Op // percentile_cont of intervals: -
	MulOp       *types.Op // and * float8
}
