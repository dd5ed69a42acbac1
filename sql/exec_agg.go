package sql

import (
	"strings"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// aggNode groups its input by groups and computes aggs per group; output
// rows are the group values followed by the aggregate results. Without
// GROUP BY it yields exactly one row.
type aggNode struct {
	src    node
	groups []expr
	aggs   []*aggSpec
	cols   []resultCol
}

func (a *aggNode) columns() []resultCol { return a.cols }

type aggGroup struct {
	vals   []types.Datum
	states []*aggState
}

type aggState struct {
	count int64
	acc   types.Datum
	bools bool
	seen  bool
	buf   [][]types.Datum // DISTINCT / ORDER BY: argument rows, folded at the end
	set   map[string]bool
	parts []string
	elems []types.Datum
	mem   *memBudget // the aggregate node's, for the values kept (nil: not counted)
}

func (a *aggNode) start(ec *runCtx) (iterator, error) {
	it, err := a.src.start(ec)
	if err != nil {
		return nil, err
	}
	defer it.close()
	what := "aggregate"
	if len(a.groups) > 0 {
		what = "hash aggregate"
	}
	mem := ec.budget(what)
	groups := map[string]*aggGroup{}
	var order []*aggGroup
	gts := make([]types.T, len(a.groups))
	for i, g := range a.groups {
		gts[i] = g.typ()
	}
	var kb []byte
	for {
		row, err := it.next()
		if err != nil {
			return nil, err
		}
		if row == nil {
			break
		}
		kb = kb[:0]
		var gv []types.Datum
		if len(a.groups) > 0 {
			gv = make([]types.Datum, len(a.groups))
			for i, g := range a.groups {
				if gv[i], err = g.eval(ec, row); err != nil {
					return nil, err
				}
				kb = appendHashKey(kb, gts[i], gv[i])
			}
		}
		g := groups[string(kb)]
		if g == nil {
			g = &aggGroup{vals: gv, states: make([]*aggState, len(a.aggs))}
			for i := range g.states {
				g.states[i] = &aggState{mem: mem}
			}
			if err := mem.add(int64(len(kb)) + rowSize(gv) + 96*int64(len(a.aggs)) + 64); err != nil {
				return nil, err
			}
			groups[string(kb)] = g
			order = append(order, g)
		}
		for i, spec := range a.aggs {
			if err := spec.step(ec, g.states[i], row); err != nil {
				return nil, err
			}
		}
	}
	if len(a.groups) == 0 && len(order) == 0 {
		g := &aggGroup{states: make([]*aggState, len(a.aggs))}
		for i := range g.states {
			g.states[i] = &aggState{}
		}
		order = append(order, g)
	}
	out := make([][]types.Datum, 0, len(order))
	for _, g := range order {
		row := make([]types.Datum, 0, len(a.cols))
		row = append(row, g.vals...)
		for i, spec := range a.aggs {
			v, err := spec.final(ec, g.states[i])
			if err != nil {
				return nil, err
			}
			row = append(row, v)
		}
		out = append(out, row)
	}
	return &sliceIter{rows: out}, nil
}

// step feeds one input row to the aggregate.
func (s *aggSpec) step(ec *runCtx, st *aggState, row []types.Datum) error {
	if s.filter != nil {
		ok, err := evalBool(ec, s.filter, row)
		if err != nil || !ok {
			return err
		}
	}
	if s.star {
		st.count++
		return nil
	}
	args := make([]types.Datum, len(s.args)+len(s.orderBy))
	for i, e := range s.args {
		v, err := e.eval(ec, row)
		if err != nil {
			return err
		}
		args[i] = v
	}
	for i, e := range s.orderBy {
		v, err := e.eval(ec, row)
		if err != nil {
			return err
		}
		args[len(s.args)+i] = v
	}
	if s.distinct || len(s.order) > 0 {
		if err := st.mem.addRow(args); err != nil {
			return err
		}
		st.buf = append(st.buf, args)
		return nil
	}
	return s.accumulate(ec, st, args)
}

func (s *aggSpec) accumulate(ec *runCtx, st *aggState, args []types.Datum) error {
	v := args[0]
	switch s.name {
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
	switch s.name {
	case "count":
		st.count++
	case "sum", "avg":
		st.count++
		x, err := castDatum(ec, v, s.argT, s.t, types.CastImplicit)
		if err != nil {
			return err
		}
		if st.acc == nil {
			st.acc = x
			return nil
		}
		st.acc, err = s.sumOp.Fn(ec.ev, st.acc, x)
		return err
	case "min", "max":
		if st.acc == nil {
			st.acc = v
			return nil
		}
		c := compareDatums(s.t, v, st.acc)
		if (s.name == "min" && c < 0) || (s.name == "max" && c > 0) {
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
	switch s.name {
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
		st.parts = append(st.parts, jsonText(s.argT, v))
	case "json_object_agg", "jsonb_object_agg":
		st.seen = true
		st.parts = append(st.parts, jsonText(textT, types.TextString(s.args[0].typ(), v))+": "+jsonText(s.args[1].typ(), args[1]))
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

func (s *aggSpec) final(ec *runCtx, st *aggState) (types.Datum, error) {
	if st.buf != nil {
		rows := st.buf
		st.buf = nil
		if len(s.order) > 0 {
			sortRows(rows, s.order)
		}
		if s.distinct {
			cols := seq(len(s.args))
			ts := make([]types.T, len(s.args))
			for i, a := range s.args {
				ts[i] = a.typ()
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
	switch s.name {
	case "count":
		return st.count, nil
	case "sum", "min", "max":
		return st.acc, nil
	case "avg":
		if st.acc == nil {
			return nil, nil
		}
		var n types.Datum = st.count
		nt := int8T
		if s.t.OID == types.IntervalOID {
			n, nt = float64(st.count), float8T
		}
		d, err := castDatum(ec, n, nt, s.divOp.Right, types.CastImplicit)
		if err != nil {
			return nil, err
		}
		return s.divOp.Fn(ec.ev, st.acc, d)
	case "bool_and", "bool_or", "every":
		if !st.seen {
			return nil, nil
		}
		return st.bools, nil
	case "string_agg":
		if !st.seen {
			return nil, nil
		}
		if s.t.OID == types.ByteaOID {
			return []byte(strings.Join(st.parts, "")), nil
		}
		return strings.Join(st.parts, ""), nil
	case "array_agg":
		if !st.seen {
			return nil, nil
		}
		return types.Array{Elem: s.argT, Elements: st.elems}, nil
	case "json_agg", "jsonb_agg":
		if !st.seen {
			return nil, nil
		}
		txt := "[" + strings.Join(st.parts, ", ") + "]"
		if s.t.OID == types.JSONBOID {
			return types.ParseJSONB(txt)
		}
		return types.JSON(txt), nil
	case "json_object_agg", "jsonb_object_agg":
		if !st.seen {
			return nil, nil
		}
		txt := "{ " + strings.Join(st.parts, ", ") + " }"
		if s.t.OID == types.JSONBOID {
			return types.ParseJSONB(txt)
		}
		return types.JSON(txt), nil
	}
	return nil, pgerror.Unsupported("aggregate " + s.name)
}
