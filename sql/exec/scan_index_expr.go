package exec

import (
	"logdb/sql/catalog"
	"logdb/sql/types"
)

// Scans through expression and partial indexes. The planner gives the
// scan its table's compiled index expressions (IxExprs, over the same row
// as its predicates); a predicate "expression op constant" whose
// expression is an index's key expression bounds that key element, and a
// partial index is used only when the scan's predicates include each
// AND-ed term of its predicate.

// indexKeyCols returns an index's key elements as matchKey's columns
// (expression elements as negative pseudo-columns) and the bounds on its
// expression elements; ok is false when the index cannot serve the scan.
func (s *ScanNode) indexKeyCols(ix *catalog.Index) (cols []int, extra []keyBound, ok bool) {
	cols = make([]int, len(ix.Columns))
	if ix.Plain() {
		for i, id := range ix.Columns {
			cols[i] = s.T.ColIndexByID(id)
		}
		return cols, nil, true
	}
	ie := s.IxExprs[ix.OID]
	if ie == nil || ie.Pred != nil && !s.implies(ie.Pred) {
		return nil, nil, false
	}
	for i, id := range ix.Columns {
		if i >= len(ie.Exprs) || ie.Exprs[i] == nil {
			cols[i] = s.T.ColIndexByID(id)
			continue
		}
		cols[i] = -1 - i
		for _, p := range s.Preds {
			for _, c := range Conjuncts(p) {
				if b, ok := exprBoundOf(c, ie.Exprs[i], cols[i]); ok {
					extra = append(extra, b)
				}
			}
		}
	}
	return cols, extra, true
}

// exprBoundOf recognizes key op constant where key is the index
// expression ke, of the constant's type.
func exprBoundOf(e, ke Expr, col int) (keyBound, bool) {
	op, ok := e.(*OpExpr)
	if !ok || op.L == nil {
		return keyBound{}, false
	}
	if _, ok := flipOp[op.Op.Name]; !ok {
		return keyBound{}, false
	}
	try := func(k, v Expr, name string) (keyBound, bool) {
		if !SameExpr(k, ke) {
			return keyBound{}, false
		}
		refs := map[int]bool{}
		if ExprCols(v, refs) || len(refs) > 0 || IsVolatile(v) || !KeyCompatible(ke.Type(), v.Type()) {
			return keyBound{}, false
		}
		return keyBound{col: col, op: name, val: v}, true
	}
	if b, ok := try(op.L, op.R, op.Op.Name); ok {
		return b, true
	}
	return try(op.R, op.L, flipOp[op.Op.Name])
}

// implies reports whether the scan's predicates include every AND-ed
// term of pred.
func (s *ScanNode) implies(pred Expr) bool {
	var have []Expr
	for _, p := range s.Preds {
		have = append(have, Conjuncts(p)...)
	}
	for _, t := range Conjuncts(pred) {
		found := false
		for _, h := range have {
			found = found || SameExpr(t, h)
		}
		if !found {
			return false
		}
	}
	return true
}

// SameExpr reports whether two compiled expressions over the same row
// compute the same thing: the same structure, functions, operators,
// casts, columns and constants. Unknown node kinds are never the same.
func SameExpr(a, b Expr) bool {
	switch x := a.(type) {
	case *ColExpr:
		y, ok := b.(*ColExpr)
		return ok && x.Idx == y.Idx && x.T == y.T
	case *ConstExpr:
		y, ok := b.(*ConstExpr)
		if !ok || x.T != y.T {
			return false
		}
		if x.V == nil || y.V == nil {
			return x.V == nil && y.V == nil
		}
		return types.Compare(x.T, x.V, y.V) == 0
	case *CastExpr:
		y, ok := b.(*CastExpr)
		return ok && x.From == y.From && x.To == y.To && SameExpr(x.E, y.E)
	case *RelabelExpr:
		y, ok := b.(*RelabelExpr)
		return ok && x.T == y.T && SameExpr(x.E, y.E)
	case *OpExpr:
		y, ok := b.(*OpExpr)
		return ok && x.Op.Name == y.Op.Name && x.Op.Left == y.Op.Left && x.Op.Right == y.Op.Right &&
			(x.L == nil) == (y.L == nil) && (x.L == nil || SameExpr(x.L, y.L)) && SameExpr(x.R, y.R)
	case *FuncExpr:
		y, ok := b.(*FuncExpr)
		return ok && x.Fn.Name == y.Fn.Name && x.Ret == y.Ret && sameExprs(x.Args, y.Args)
	case *BuiltinExpr:
		y, ok := b.(*BuiltinExpr)
		return ok && x.Name == y.Name && x.Ret == y.Ret && sameExprs(x.Args, y.Args)
	case *IsNullExpr:
		y, ok := b.(*IsNullExpr)
		return ok && x.Not == y.Not && SameExpr(x.E, y.E)
	case *NotExpr:
		y, ok := b.(*NotExpr)
		return ok && SameExpr(x.E, y.E)
	case *AndExpr:
		y, ok := b.(*AndExpr)
		return ok && sameExprs(x.Args, y.Args)
	case *OrExpr:
		y, ok := b.(*OrExpr)
		return ok && sameExprs(x.Args, y.Args)
	case *CoalesceExpr:
		y, ok := b.(*CoalesceExpr)
		return ok && x.T == y.T && sameExprs(x.Args, y.Args)
	}
	return false
}

func sameExprs(a, b []Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !SameExpr(a[i], b[i]) {
			return false
		}
	}
	return true
}
