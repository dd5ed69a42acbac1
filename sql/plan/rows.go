package plan

import (
	"strconv"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

func init() {
	// row_to_json(record [, pretty]) is to_json of a row
	Builtins["row_to_json"] = func(p *Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) < 1 || len(args) > 2 || args[0].Type().OID != types.RecordOID && !types.IsComposite(args[0].Type().OID) {
			return nil, NoFunc("row_to_json", args)
		}
		if len(args) == 2 {
			if _, err := p.Coerce(args[1], exec.BoolT, types.CastImplicit); err != nil {
				return nil, NoFunc("row_to_json", args)
			}
		}
		return p.callFunction("to_json", args[:1], nil)
	}
}

// compileRow compiles ROW(a, b, …) and (a, b, …): an anonymous record
// whose fields are f1, f2, ….
func (p *Planner) compileRow(r *pg_query.RowExpr, sc *Scope) (exec.Expr, error) {
	args := make([]exec.Expr, len(r.Args))
	fields := make([]types.RecordField, len(r.Args))
	for i, a := range r.Args {
		e, err := p.CompileExpr(a, sc)
		if err != nil {
			return nil, err
		}
		if e, err = p.ResolveUnknown(e); err != nil {
			return nil, err
		}
		args[i] = e
		fields[i] = types.RecordField{Name: "f" + strconv.Itoa(i+1), T: e.Type()}
	}
	rt, err := types.RecordType(fields)
	if err != nil {
		return nil, err
	}
	return &exec.RowExpr{Args: args, T: rt}, nil
}

// wholeRow compiles a whole-row reference (SELECT t FROM t, row_to_json(t),
// t.* as a function argument): a record of the FROM item's columns, of
// the table's row type when it is a table. ok is false when no FROM item
// is named table.
func (p *Planner) wholeRow(table string, sc *Scope) (exec.Expr, bool, error) {
	depth := 0
	for s := sc; s != nil; s = s.parent {
		var args []exec.Expr
		var fields []types.RecordField
		found := false
		rel := uint32(0)
		for i, c := range s.cols {
			if c.Table != table {
				continue
			}
			found = true
			if c.Hidden {
				continue
			}
			var e exec.Expr = &exec.ColExpr{Idx: i, T: c.T}
			if depth > 0 {
				e = &exec.OuterExpr{Depth: depth, Idx: i, T: c.T}
			}
			args = append(args, e)
			fields = append(fields, types.RecordField{Name: c.Name, T: c.T})
			if len(args) == 1 {
				rel = c.TableOID
			} else if c.TableOID != rel {
				rel = 0
			}
		}
		if found {
			if depth > 0 {
				p.correlated = true
			}
			t, err := types.RecordType(fields)
			if tab, ok := p.Cat.ByOID[rel]; ok && rel != 0 && len(tab.Columns) == len(fields) && err == nil {
				t, err = types.NamedRecordType(pgcatalog.RowTypeOID(rel), pgcatalog.RowArrayOID(rel), fields)
			}
			if err != nil {
				return nil, true, err
			}
			return &exec.RowExpr{Args: args, T: t}, true, nil
		}
		depth++
	}
	return nil, false, nil
}

// expandRecord is (expr).*: one select-list entry per field of a record.
func (p *Planner) expandRecord(ind *pg_query.A_Indirection, sc *Scope) ([]target, error) {
	arg := ind.Arg
	if len(ind.Indirection) > 1 {
		arg = &pg_query.Node{Node: &pg_query.Node_AIndirection{AIndirection: &pg_query.A_Indirection{Arg: ind.Arg, Indirection: ind.Indirection[:len(ind.Indirection)-1]}}}
	}
	e, err := p.CompileExpr(arg, sc)
	if err != nil {
		return nil, err
	}
	fields, ok := types.RecordFields(e.Type())
	if !ok {
		return nil, pgerror.New("42809", "type %s is not composite", types.FormatType(e.Type()))
	}
	var out []target
	for i, f := range fields {
		out = append(out, target{e: &exec.FieldExpr{E: e, I: i, T: f.T}, col: exec.Column{Name: f.Name, T: f.T}})
	}
	return out, nil
}

// compileSubRow compiles (SELECT a, b …) used as a row: one record value
// (NULL without rows, 21000 with more than one).
func (p *Planner) compileSubRow(sl *pg_query.SubLink, sc *Scope) (*exec.SubqueryExpr, error) {
	saved := p.correlated
	p.correlated = false
	plan, err := p.PlanQuery(sl.Subselect, sc)
	correlated := p.correlated
	p.correlated = saved || correlated
	if err != nil {
		return nil, err
	}
	var fields []types.RecordField
	for _, c := range VisibleCols(plan) {
		fields = append(fields, types.RecordField{Name: c.Name, T: c.T})
	}
	rt, err := types.RecordType(fields)
	if err != nil {
		return nil, err
	}
	return &exec.SubqueryExpr{Plan: plan, Kind: exec.SubRow, T: rt, Correlated: correlated}, nil
}

// recordOperands are the fields of a record-valued expression, each a
// FieldExpr over it.
func recordOperands(e exec.Expr) []exec.Expr {
	if r, ok := e.(*exec.RowExpr); ok {
		return r.Args
	}
	fields, _ := types.RecordFields(e.Type())
	out := make([]exec.Expr, len(fields))
	for i, f := range fields {
		out[i] = &exec.FieldExpr{E: e, I: i, T: f.T}
	}
	return out
}

// compareRows builds a row comparison over compiled operands: = and <>
// pairwise, <, <=, >, >= lexicographically, IS [NOT] DISTINCT FROM
// pairwise.
func (p *Planner) compareRows(op string, l, r []exec.Expr) (exec.Expr, error) {
	if len(l) != len(r) {
		return nil, pgerror.New(pgerror.SyntaxError, "unequal number of entries in row expressions")
	}
	pair := func(op string, i int) (exec.Expr, error) {
		o, le, re, err := p.binaryOp(op, l[i], r[i])
		if err != nil {
			return nil, err
		}
		return &exec.OpExpr{Op: o, L: le, R: re}, nil
	}
	switch op {
	case "=", "<>":
		var parts []exec.Expr
		for i := range l {
			e, err := pair(op, i)
			if err != nil {
				return nil, err
			}
			parts = append(parts, e)
		}
		if op == "=" {
			return &exec.AndExpr{Args: parts}, nil
		}
		return &exec.OrExpr{Args: parts}, nil
	case "distinct", "not distinct":
		var parts []exec.Expr
		for i := range l {
			o, le, re, err := p.binaryOp("=", l[i], r[i])
			if err != nil {
				return nil, err
			}
			parts = append(parts, &exec.DistinctExpr{Eq: o, L: le, R: re, Not: op == "not distinct"})
		}
		if op == "not distinct" {
			return &exec.AndExpr{Args: parts}, nil
		}
		return &exec.OrExpr{Args: parts}, nil
	case "<", "<=", ">", ">=":
		var build func(i int) (exec.Expr, error)
		build = func(i int) (exec.Expr, error) {
			last := i == len(l)-1
			cmpOp := op[:1]
			if last {
				cmpOp = op
			}
			c, err := pair(cmpOp, i)
			if err != nil || last {
				return c, err
			}
			eq, err := pair("=", i)
			if err != nil {
				return nil, err
			}
			rest, err := build(i + 1)
			if err != nil {
				return nil, err
			}
			return &exec.OrExpr{Args: []exec.Expr{c, &exec.AndExpr{Args: []exec.Expr{eq, rest}}}}, nil
		}
		return build(0)
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "could not determine interpretation of row comparison operator %s", op)
}

// compileRowSubLink compiles (a, b) IN (SELECT x, y …), NOT IN, and
// (a, b) op ANY/ALL (SELECT …): the sub-query's rows become records
// compared with the left row field by field.
func (p *Planner) compileRowSubLink(sl *pg_query.SubLink, l []*pg_query.Node, e *exec.SubqueryExpr, name string, sc *Scope) (exec.Expr, error) {
	cols := VisibleCols(e.Plan)
	if len(cols) != len(l) {
		msg := "subquery has too many columns"
		if len(cols) < len(l) {
			msg = "subquery has too few columns"
		}
		return nil, pgerror.New(pgerror.SyntaxError, "%s", msg)
	}
	if name != "=" && name != "<>" {
		return nil, pgerror.Unsupported("row comparison with a subquery and operator " + name)
	}
	left := make([]exec.Expr, len(l))
	right := make([]exec.Expr, len(l))
	ops := make([]*types.Op, len(l))
	var lf, rf []types.RecordField
	for i, n := range l {
		le, err := p.CompileExpr(n, sc)
		if err != nil {
			return nil, err
		}
		o, le, re, err := p.binaryOp(name, le, &exec.ColExpr{Idx: i, T: cols[i].T})
		if err != nil {
			return nil, err
		}
		left[i], right[i], ops[i] = le, re, o
		lf = append(lf, types.RecordField{Name: "f" + strconv.Itoa(i+1), T: le.Type()})
		rf = append(rf, types.RecordField{Name: cols[i].Name, T: re.Type()})
	}
	lt, err := types.RecordType(lf)
	if err != nil {
		return nil, err
	}
	rt, err := types.RecordType(rf)
	if err != nil {
		return nil, err
	}
	e.Plan = &exec.ProjectNode{Src: e.Plan, Exprs: []exec.Expr{&exec.RowExpr{Args: right, T: rt}}, Cols: []exec.Column{{Name: "row", T: rt}}}
	e.Test = &exec.RowExpr{Args: left, T: lt}
	e.T = exec.BoolT
	e.Op = &types.Op{Name: name, Left: lt, Right: rt, Ret: exec.BoolT, Fn: func(ctx *types.EvalContext, a, b types.Datum) (types.Datum, error) {
		x, y := a.(types.Record), b.(types.Record)
		sawNull := false
		for i, o := range ops {
			if x.Values[i] == nil || y.Values[i] == nil {
				sawNull = true
				continue
			}
			v, err := o.Fn(ctx, x.Values[i], y.Values[i])
			if err != nil {
				return nil, err
			}
			if v == nil {
				sawNull = true
				continue
			}
			if v.(bool) == (name == "<>") {
				return name == "<>", nil // decided by this field
			}
		}
		if sawNull {
			return nil, nil
		}
		return name == "=", nil
	}}
	e.Kind = exec.SubAny
	if sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK {
		e.Kind = exec.SubAll
	}
	return e, nil
}
