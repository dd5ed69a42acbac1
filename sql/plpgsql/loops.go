package plpgsql

import (
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// loop runs LOOP, WHILE, FOR (integer, query, EXECUTE) and FOREACH.
func (f *frame) loop(s *Stmt) (flow, error) {
	// body runs one iteration; stop reports that the loop ends (and the
	// flow it ends with).
	body := func() (stop bool, out flow, err error) {
		fl, err := f.list(s.Body)
		if err != nil {
			return true, flow{}, err
		}
		switch fl.kind {
		case flowReturn:
			return true, fl, nil
		case flowExit:
			if fl.label == "" || fl.label == s.Label {
				return true, flow{}, nil
			}
			return true, fl, nil
		case flowContinue:
			if fl.label == "" || fl.label == s.Label {
				return false, flow{}, nil
			}
			return true, fl, nil
		}
		return false, flow{}, nil
	}
	switch s.Kind {
	case "loop", "while":
		for {
			if err := f.h.Check(); err != nil {
				return flow{}, err
			}
			if s.Kind == "while" {
				f.line = s.Lineno
				ok, err := f.cond(s.Cond)
				if err != nil || !ok {
					return flow{}, err
				}
			}
			if stop, fl, err := body(); stop {
				return fl, err
			}
		}
	case "fori":
		return f.forInt(s, body)
	case "foreach_a":
		v, t, err := f.eval(s.Expr)
		if err != nil {
			return flow{}, err
		}
		if v == nil {
			return flow{}, pgerror.New(pgerror.NullValueNotAllowed, "FOREACH expression must not be null")
		}
		arr, ok := v.(types.Array)
		if !ok {
			return flow{}, pgerror.New(pgerror.DatatypeMismatch, "FOREACH expression must yield an array, not type %s", types.FormatType(t))
		}
		items, itemT, err := f.foreachItems(s, arr, t)
		if err != nil {
			return flow{}, err
		}
		for _, e := range items {
			if err := f.h.Check(); err != nil {
				return flow{}, err
			}
			if err := f.assign(s.Varno, e, itemT); err != nil {
				return flow{}, err
			}
			if stop, fl, err := body(); stop {
				return fl, err
			}
		}
		return flow{}, nil
	}
	// FOR target IN query / EXECUTE: the rows are read first (the query's
	// snapshot is taken when the loop starts, as PostgreSQL's cursor's).
	var res *Result
	var err error
	switch s.Kind {
	case "forc":
		var closeCursor func()
		if res, closeCursor, err = f.forCursor(s); err != nil {
			return flow{}, err
		}
		defer closeCursor()
	case "dynfors":
		res, err = f.dynamic(s.Query, s.Params, f.c.maxRows())
	default:
		res, err = f.h.Query(s.Query.Query, f, f.c.maxRows())
	}
	if err != nil {
		return flow{}, err
	}
	if res.RowCount > int64(len(res.Rows)) {
		return flow{}, errTooManyRows(f.c.maxRows())
	}
	target := f.r.findDatum(s.Var)
	if s.Var != nil && s.Var.Kind == "row" {
		target = f.rowDatum(s.Var)
	}
	found := false
	for _, row := range res.Rows {
		if err := f.h.Check(); err != nil {
			return flow{}, err
		}
		found = true
		if err := f.assignRow(target, res, row); err != nil {
			return flow{}, err
		}
		if stop, fl, err := body(); stop {
			f.setFound(found)
			return fl, err
		}
	}
	f.setFound(found)
	return flow{}, nil
}

func (f *frame) forInt(s *Stmt, body func() (bool, flow, error)) (flow, error) {
	bound := func(e *Expr, what string) (int64, error) {
		v, t, err := f.eval(e)
		if err != nil {
			return 0, err
		}
		if v, err = f.cast(v, t, int4T); err != nil {
			return 0, err
		}
		if v == nil {
			return 0, pgerror.New(pgerror.NullValueNotAllowed, "%s of FOR loop cannot be null", what)
		}
		return v.(int64), nil
	}
	lo, err := bound(s.Lower, "lower bound")
	if err != nil {
		return flow{}, err
	}
	hi, err := bound(s.Upper, "upper bound")
	if err != nil {
		return flow{}, err
	}
	step := int64(1)
	if s.Step != nil {
		if step, err = bound(s.Step, "BY value"); err != nil {
			return flow{}, err
		}
		if step <= 0 {
			return flow{}, pgerror.New(pgerror.InvalidParameterValue, "BY value of FOR loop must be greater than zero")
		}
	}
	dno := f.r.loopVar[s]
	found := false
	for i := lo; s.Reverse && i >= hi || !s.Reverse && i <= hi; {
		if err := f.h.Check(); err != nil {
			return flow{}, err
		}
		found = true
		f.vals[dno].d = i
		stop, fl, err := body()
		if stop {
			f.setFound(found)
			return fl, err
		}
		if s.Reverse {
			if i-step > i {
				break
			}
			i -= step
		} else {
			if i+step < i || i+step > 1<<31-1 {
				break
			}
			i += step
		}
	}
	f.setFound(found)
	return flow{}, nil
}

// rowDatum is the datum number of a row target given by value.
func (f *frame) rowDatum(d *Datum) int {
	for i, x := range f.r.fn.Datums {
		if x.Kind == "row" && x.Lineno == d.Lineno && len(x.Fields) == len(d.Fields) {
			same := true
			for j := range x.Fields {
				if x.Fields[j].Varno != d.Fields[j].Varno {
					same = false
				}
			}
			if same {
				return i
			}
		}
	}
	return -1
}

func (c *Call) maxRows() int {
	if c.MaxRows > 0 {
		return c.MaxRows
	}
	return DefaultMaxRows
}

// DefaultMaxRows bounds the rows a FOR loop's query or a set-returning
// function's result holds in memory.
const DefaultMaxRows = 1_000_000

func errTooManyRows(n int) error {
	return pgerror.New(pgerror.ProgramLimitExceeded, "PL/pgSQL result holds more than %d rows", n)
}

// foreachItems are what FOREACH assigns in turn: the elements, or with
// SLICE n the sub-arrays of the last n dimensions (PostgreSQL's
// array_create_iterator).
func (f *frame) foreachItems(s *Stmt, arr types.Array, t types.T) ([]types.Datum, types.T, error) {
	if s.Slice == 0 {
		return arr.Elements, arr.Elem, nil
	}
	if _, ok := types.ElemOf(f.vals[s.Varno].t); !ok && f.vals[s.Varno].t.OID != 0 {
		return nil, t, pgerror.New(pgerror.DatatypeMismatch, "FOREACH ... SLICE loop variable must be of an array type")
	}
	dims := arr.Shape()
	if s.Slice < 0 || s.Slice > len(dims) {
		return nil, t, pgerror.New(pgerror.ArraySubscriptError, "slice dimension (%d) is out of the valid range 0..%d", s.Slice, len(dims))
	}
	sub := append([]types.ArrayDim(nil), dims[len(dims)-s.Slice:]...)
	n := 1
	for _, d := range sub {
		n *= d.Len
	}
	if len(sub) == 1 && sub[0].Lower == 1 {
		sub = nil // a plain one-dimensional array
	}
	var out []types.Datum
	for i := 0; i+n <= len(arr.Elements) && n > 0; i += n {
		out = append(out, types.Array{Elem: arr.Elem, Elements: arr.Elements[i : i+n], Dims: sub})
	}
	return out, t, nil
}
