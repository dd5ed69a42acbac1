package plan

import (
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/types"
)

func (p *Planner) DefaultExpr(t *catalog.Table, i int) (exec.Expr, error) {
	c := t.Columns[i]
	if c.Default == "" {
		return &exec.ConstExpr{V: nil, T: c.Type}, nil
	}
	n, err := p.Host.ParseExpr(c.Default)
	if err != nil {
		return nil, err
	}
	e, err := p.CompileExpr(n, &Scope{})
	if err != nil {
		return nil, err
	}
	return p.Coerce(e, c.Type, types.CastAssignment)
}

func (p *Planner) NewTableWriter(t *catalog.Table) (*exec.TableWriter, error) {
	w := &exec.TableWriter{T: t, RowCols: t.RowColumns(), Defaults: make([]exec.Expr, len(t.Columns))}
	for i, c := range t.Columns {
		if c.Default == "" {
			continue
		}
		e, err := p.DefaultExpr(t, i)
		if err != nil {
			return nil, err
		}
		w.Defaults[i] = e
	}
	sc := TableScope(t, nil, nil)
	for _, ck := range t.Checks {
		n, err := p.Host.ParseExpr(ck.Expr)
		if err != nil {
			return nil, err
		}
		e, err := p.CompilePredicate(n, sc, "CHECK")
		if err != nil {
			return nil, err
		}
		w.Checks = append(w.Checks, exec.CheckExpr{Name: ck.Name, E: e})
	}
	return w, nil
}
