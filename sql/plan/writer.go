package plan

import (
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/types"
)

func (p *Planner) DefaultExpr(t *catalog.Table, i int) (exec.Expr, error) {
	c := t.Columns[i]
	def := p.columnDefault(c) // usertypes.go: a domain's default
	if def == "" {
		return &exec.ConstExpr{V: nil, T: c.Type}, nil
	}
	n, err := p.Host.ParseExpr(def)
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
	return p.newTableWriter(t, nil)
}

// newTableWriter builds t's writer; writers (by table OID) holds those
// built for the same statement's foreign key actions, which may cycle.
func (p *Planner) newTableWriter(t *catalog.Table, writers map[uint32]*exec.TableWriter) (*exec.TableWriter, error) {
	if w, ok := writers[t.OID]; ok {
		return w, nil
	}
	w := &exec.TableWriter{T: t, RowCols: t.RowColumns(), Defaults: make([]exec.Expr, len(t.Columns))}
	if writers != nil {
		writers[t.OID] = w
	}
	for i, c := range t.Columns {
		if p.columnDefault(c) == "" {
			continue
		}
		e, err := p.DefaultExpr(t, i)
		if err != nil {
			return nil, err
		}
		w.Defaults[i] = e
	}
	ixe, err := p.IndexEvals(t)
	if err != nil {
		return nil, err
	}
	w.IxEvals = ixe
	if w.Generated, err = p.generatedExprs(t); err != nil { // generated.go
		return nil, err
	}
	if w.Domains, err = p.domainColumns(t); err != nil { // usertypes.go
		return nil, err
	}
	if w.Checks, err = p.compileChecks(t.Checks, TableScope(t, nil, nil)); err != nil {
		return nil, err
	}
	if err := p.partConstraint(w, t); err != nil { // partition.go
		return nil, err
	}
	for _, fk := range t.FKs {
		parent := p.Cat.ByOID[fk.RefTable]
		if parent == nil {
			continue
		}
		p.useTable(parent)
		w.FKOut = append(w.FKOut, NewFKPlan(t, parent, fk))
	}
	for _, r := range p.Cat.ReferencedBy(t.OID) {
		p.useTable(r.Table)
		fp := NewFKPlan(r.Table, t, r.FK)
		if decl := p.Cat.ByOID[r.FK.From]; r.FK.From != 0 && decl != nil {
			fp.ChildName = decl.Name
		}
		if !isCheckAction(r.FK.OnDelete) || !isCheckAction(r.FK.OnUpdate) {
			if writers == nil {
				writers = map[uint32]*exec.TableWriter{t.OID: w}
			}
			cw, err := p.newTableWriter(r.Table, writers)
			if err != nil {
				return nil, err
			}
			fp.ChildWriter = cw
		}
		w.FKIn = append(w.FKIn, fp)
	}
	return w, nil
}

func isCheckAction(a byte) bool { return a == 'a' || a == 'r' }

// NewFKPlan describes foreign key fk of child, referencing parent, for
// the writers: the columns' positions, the parent's unique key to look
// up, and the child index (if any) to find referencing rows by.
func NewFKPlan(child, parent *catalog.Table, fk *catalog.ForeignKey) *exec.FKPlan {
	fp := &exec.FKPlan{FK: fk, Child: child, Parent: parent, ChildRowCols: child.RowColumns()}
	for i := range fk.Columns {
		fp.ChildCols = append(fp.ChildCols, child.ColIndexByID(fk.Columns[i]))
		fp.ParentCols = append(fp.ParentCols, parent.ColIndexByID(fk.RefColumns[i]))
	}
	for _, id := range fk.DeleteSetCols {
		fp.DeleteSet = append(fp.DeleteSet, child.ColIndexByID(id))
	}
	pair := func(ids []uint32, id uint32) int {
		for i, x := range ids {
			if x == id {
				return i
			}
		}
		return -1
	}
	keyCols := parent.PK
	fp.ParentSpace = parent.Space
	if !sameIDs(fk.RefColumns, parent.PK) {
		for _, ix := range parent.Indexes {
			if ix.Unique && ix.Plain() && !ix.Deferrable && sameIDs(fk.RefColumns, ix.Columns) && (ix.OID == fk.RefIndex || fp.ParentSpace == parent.Space) {
				keyCols, fp.ParentSpace = ix.Columns, ix.Space
			}
		}
	}
	for _, id := range keyCols {
		fp.ParentKey = append(fp.ParentKey, pair(fk.RefColumns, id))
	}
	// Referencing rows are found by a prefix of the child's primary key,
	// or of an index, led by the foreign key's columns (in any order).
	n := len(fk.Columns)
	lead := func(cols []uint32) bool { return len(cols) >= n && sameIDs(cols[:n], fk.Columns) }
	var keyBy []uint32
	switch {
	case lead(child.PK):
		fp.ChildByPK, keyBy = true, child.PK[:n]
	default:
		for _, ix := range child.Indexes {
			if ix.Plain() && lead(ix.Columns) {
				fp.ChildIndex, keyBy = ix, ix.Columns[:n]
				break
			}
		}
	}
	for _, id := range keyBy {
		fp.ChildKey = append(fp.ChildKey, pair(fk.Columns, id))
	}
	return fp
}

// compileChecks compiles stored CHECK constraints (a table's, a domain's)
// over sc.
func (p *Planner) compileChecks(checks []*catalog.Check, sc *Scope) ([]exec.CheckExpr, error) {
	var out []exec.CheckExpr
	for _, ck := range checks {
		n, err := p.Host.ParseExpr(ck.Expr)
		if err != nil {
			return nil, err
		}
		e, err := p.CompilePredicate(n, sc, "CHECK")
		if err != nil {
			return nil, err
		}
		out = append(out, exec.CheckExpr{Name: ck.Name, E: e})
	}
	return out, nil
}
