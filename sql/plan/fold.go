package plan

import (
	"logdb/sql/exec"
	"logdb/sql/types"
)

// Constant folding, as PostgreSQL's eval_const_expressions does it at
// plan time: an operator whose operands are constants is evaluated once,
// while planning, and replaced by its value — so an error in it (1/0, an
// overflow, deleting a key from a jsonb scalar) is the statement's error
// even when no row would reach it, as in PostgreSQL. The same rules say
// what is not folded: the arms of a CASE after a WHEN that is constant
// true, or whose WHEN is constant false or NULL; the arguments of
// COALESCE after a non-NULL constant; the operands of AND after a
// constant false and of OR after a constant true (Planner.noFold counts
// the levels of such places). Only immutable operators fold: none whose
// operands or result are timestamptz (the session zone), nor || with a
// date or time operand (DateStyle).

// foldOp returns e's value as a constant when its operands are constants
// and it may fold, e itself when not, or the error evaluating it.
func (p *Planner) foldOp(e *exec.OpExpr) (exec.Expr, error) {
	if p.noFold > 0 || !constOperand(e.R) || e.L != nil && !constOperand(e.L) || !immutableOp(e) {
		return e, nil
	}
	v, err := e.Eval(&exec.Ctx{Ev: p.Host.InputCtx()}, nil)
	if err != nil {
		return nil, err
	}
	return &exec.ConstExpr{V: v, T: e.Op.Ret}, nil
}

func constOperand(e exec.Expr) bool {
	c, ok := e.(*exec.ConstExpr)
	return ok && c.T.OID != types.UnknownOID
}

func immutableOp(e *exec.OpExpr) bool {
	ts := []types.T{e.Op.Ret, e.R.Type()}
	if e.L != nil {
		ts = append(ts, e.L.Type())
	}
	for _, t := range ts {
		switch t.OID {
		case types.TimestamptzOID, types.RecordOID:
			return false
		case types.DateOID, types.TimestampOID, types.TimeOID, types.IntervalOID:
			if e.Op.Name == "||" {
				return false
			}
		}
	}
	return true
}

// constTruth reports whether e is a constant, and then whether it is true
// (NULL and false are not).
func constTruth(e exec.Expr) (isConst, isTrue bool) {
	c, ok := e.(*exec.ConstExpr)
	if !ok {
		return false, false
	}
	b, _ := c.V.(bool)
	return true, b
}
