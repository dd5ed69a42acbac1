package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Indirection: a[i][j], a[lo:hi], (x).field, read as PostgreSQL's
// transformIndirection reads them (consecutive subscripts make one
// subscripting; a field select applies to what comes before it).

func (p *Planner) compileIndirection(ind *pg_query.A_Indirection, sc *Scope) (exec.Expr, error) {
	e, err := p.CompileExpr(ind.Arg, sc)
	if err != nil {
		return nil, err
	}
	list := ind.Indirection
	for len(list) > 0 {
		if f := list[0].GetString_(); f != nil {
			if e, err = fieldSelect(e, f.Sval); err != nil {
				return nil, err
			}
			list = list[1:]
			continue
		}
		// consecutive subscripts make one subscripting: a[i][j], a[1:2][3]
		n := 0
		for n < len(list) && list[n].GetAIndices() != nil {
			n++
		}
		if n == 0 {
			return nil, pgerror.Unsupported("this kind of indirection")
		}
		sub, err := p.compileSubscripts(list[:n], sc)
		if err != nil {
			return nil, err
		}
		list = list[n:]
		t := e.Type()
		if t.OID == types.NameOID && !sub.slice && len(sub.hi) == 1 {
			e = &exec.SubscriptExpr{Arr: e, Idx: sub.hi, T: types.T{OID: types.CharOID, Mod: -1}, Base: 0}
			continue
		}
		et, ok := types.ElemOf(t)
		base := int64(-1)
		if t.OID == types.Int2VectorOID || t.OID == types.OidVectorOID {
			base = 0
			et = types.T{OID: types.Int2OID, Mod: -1}
			if t.OID == types.OidVectorOID {
				et = exec.OIDT
			}
		} else if !ok {
			return nil, pgerror.New(pgerror.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", types.FormatType(t))
		}
		if sub.slice {
			if base == 0 {
				return nil, pgerror.Unsupported("slices of int2vector and oidvector")
			}
			e = &exec.SliceExpr{Arr: e, Lo: sub.lo, Hi: sub.hi, T: t}
			continue
		}
		e = &exec.SubscriptExpr{Arr: e, Idx: sub.hi, T: et, Base: base}
	}
	return e, nil
}

// subscripts is one subscripting's compiled subscripts: for an element,
// hi holds one per dimension; for a slice (any subscript with a colon),
// lo and hi hold the bounds, nil where omitted (a plain [i] in a slice is
// [1:i], as PostgreSQL reads it).
type subscripts struct {
	slice  bool
	lo, hi []exec.Expr
}

func (p *Planner) compileSubscripts(list []*pg_query.Node, sc *Scope) (subscripts, error) {
	var s subscripts
	if len(list) > types.MaxArrayDims {
		return s, pgerror.New(pgerror.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", len(list), types.MaxArrayDims)
	}
	for _, x := range list {
		if x.GetAIndices().IsSlice {
			s.slice = true
		}
	}
	idx := func(n *pg_query.Node) (exec.Expr, error) {
		if n == nil {
			return nil, nil
		}
		e, err := p.CompileExpr(n, sc)
		if err != nil {
			return nil, err
		}
		ce, err := p.Coerce(e, types.T{OID: types.Int4OID, Mod: -1}, types.CastAssignment)
		if err != nil {
			if e.Type().OID == types.UnknownOID {
				return nil, err // a literal that does not read as an integer (22P02)
			}
			return nil, pgerror.New(pgerror.DatatypeMismatch, "array subscript must have type integer")
		}
		return ce, nil
	}
	for _, x := range list {
		ai := x.GetAIndices()
		hi, err := idx(ai.Uidx)
		if err != nil {
			return s, err
		}
		var lo exec.Expr
		if ai.IsSlice {
			if lo, err = idx(ai.Lidx); err != nil {
				return s, err
			}
		} else if s.slice {
			lo = &exec.ConstExpr{V: int64(1), T: exec.Int8T}
		}
		s.lo, s.hi = append(s.lo, lo), append(s.hi, hi)
	}
	return s, nil
}
