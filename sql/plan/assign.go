package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Assignments to parts of a column: UPDATE t SET a[2] = x, a[1:2] = …,
// c.f = …, and INSERT INTO t (a[1], c.f). The target's indirection
// becomes an exec.AssignExpr over the column's current value (NULL for
// INSERT), as PostgreSQL's transformAssignmentIndirection builds a chain
// of SubscriptingRef and FieldStore.

// assignTargets tracks which columns a statement assigns, and how: a
// column may be assigned whole once, or in parts any number of times
// (SET a[1] = 1, a[2] = 2), not both.
type assignTargets map[int]bool // column → assigned in parts

// claim marks column i of t as assigned (whole when part is false).
func (s assignTargets) claim(t *catalog.Table, i int, part bool, verb string) error {
	prev, seen := s[i]
	if seen && !(prev && part) {
		if verb == "INSERT" {
			return pgerror.New(pgerror.DuplicateColumn, "column \"%s\" specified more than once", t.Columns[i].Name)
		}
		return pgerror.New(pgerror.SyntaxError, "multiple assignments to same column \"%s\"", t.Columns[i].Name)
	}
	s[i] = part
	return nil
}

// resolveTarget finds the column an INSERT column list or SET item names.
func resolveTarget(t *catalog.Table, rt *pg_query.ResTarget) (int, error) {
	i, _ := t.Column(rt.Name)
	if i < 0 {
		return -1, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", rt.Name, t.Name)
	}
	return i, nil
}

// assignPath compiles the indirection of an assignment to column c: the
// steps, and the type the assigned value must have.
func (p *Planner) assignPath(c *catalog.Column, ind []*pg_query.Node, sc *Scope) ([]exec.AssignStep, types.T, error) {
	var path []exec.AssignStep
	t := c.Type
	for len(ind) > 0 {
		if f := ind[0].GetString_(); f != nil {
			fields, ok := types.RecordFields(t)
			if !ok || !types.IsComposite(t.OID) {
				return nil, t, pgerror.New(pgerror.DatatypeMismatch, "cannot assign to field \"%s\" of column \"%s\" because its type %s is not a composite type", f.Sval, c.Name, types.FormatType(t))
			}
			k := -1
			for j, fd := range fields {
				if fd.Name == f.Sval {
					k = j
				}
			}
			if k < 0 {
				return nil, t, pgerror.New(pgerror.UndefinedColumn, "cannot assign to field \"%s\" of column \"%s\" because there is no such column in data type %s", f.Sval, c.Name, types.FormatType(t))
			}
			path = append(path, exec.AssignStep{Field: k, T: t})
			t = fields[k].T
			ind = ind[1:]
			continue
		}
		n := 0
		for n < len(ind) && ind[n].GetAIndices() != nil {
			n++
		}
		if n == 0 {
			return nil, t, pgerror.Unsupported("this kind of assignment target")
		}
		et, ok := types.ElemOf(t)
		if !ok || t.OID == types.Int2VectorOID || t.OID == types.OidVectorOID {
			return nil, t, pgerror.New(pgerror.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", types.FormatType(t))
		}
		sub, err := p.compileSubscripts(ind[:n], sc)
		if err != nil {
			return nil, t, err
		}
		ind = ind[n:]
		path = append(path, exec.AssignStep{Field: -1, Slice: sub.slice, Lo: sub.lo, Hi: sub.hi, T: t})
		if sub.slice {
			continue // the value is an array of the same type
		}
		t = et
	}
	return path, t, nil
}

// coerceAssigned converts the value assigned to a part of column c to the
// part's type, with PostgreSQL's errors.
func (p *Planner) coerceAssigned(e exec.Expr, c *catalog.Column, path []exec.AssignStep, want types.T) (exec.Expr, error) {
	ce, err := p.Coerce(e, want, types.CastAssignment)
	if err == nil {
		return ce, nil
	}
	if e.Type().OID == types.UnknownOID {
		return nil, err
	}
	last := path[len(path)-1]
	if last.Field >= 0 {
		fields, _ := types.RecordFields(last.T)
		return nil, &pgerror.Error{Code: pgerror.DatatypeMismatch, Message: "subfield \"" + fields[last.Field].Name + "\" is of type " + types.FormatType(want) + " but expression is of type " + types.FormatType(e.Type()),
			Hint: "You will need to rewrite or cast the expression."}
	}
	return nil, &pgerror.Error{Code: pgerror.DatatypeMismatch, Message: "array assignment to \"" + c.Name + "\" requires type " + types.FormatType(want) + " but expression is of type " + types.FormatType(e.Type()),
		Hint: "You will need to rewrite or cast the expression."}
}

// assembleInsertParts makes an INSERT's source give whole columns when
// its target list names parts of some (INSERT INTO t (a[1], a[2], c.f)):
// the parts of one column are assigned in order into a NULL value.
func (p *Planner) assembleInsertParts(d *DML, parts map[int][]exec.AssignStep) error {
	if vn, ok := d.Src.(*exec.ValuesNode); ok {
		for _, r := range vn.Rows {
			for k := range parts {
				if _, isDefault := r[k].(exec.DefaultMarker); isDefault {
					what := "an array element"
					if parts[k][len(parts[k])-1].Field >= 0 {
						what = "a subfield"
					}
					return pgerror.New(pgerror.FeatureNotSupported, "cannot set %s to DEFAULT", what)
				}
			}
		}
	}
	var cols []int
	var exprs []exec.Expr
	slot := map[int]int{} // column → its position in cols
	for k, c := range d.targetCols {
		ct := d.t.Columns[c].Type
		path, isPart := parts[k]
		if !isPart {
			slot[c] = len(cols)
			cols, exprs = append(cols, c), append(exprs, &exec.ColExpr{Idx: k, T: ct})
			continue
		}
		val := &exec.ColExpr{Idx: k, T: d.Src.Columns()[k].T}
		if j, ok := slot[c]; ok {
			exprs[j] = &exec.AssignExpr{Base: exprs[j], Path: path, Val: val}
			continue
		}
		slot[c] = len(cols)
		cols = append(cols, c)
		exprs = append(exprs, &exec.AssignExpr{Base: &exec.ConstExpr{T: ct}, Path: path, Val: val})
	}
	outCols := make([]exec.Column, len(cols))
	for i, c := range cols {
		outCols[i] = exec.Column{Name: d.t.Columns[c].Name, T: d.t.Columns[c].Type}
	}
	d.Src = &exec.ProjectNode{Src: d.Src, Exprs: exprs, Cols: outCols}
	d.targetCols = cols
	return nil
}
