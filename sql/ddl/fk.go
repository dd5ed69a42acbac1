package ddl

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// applyConstraintAttrs folds a column's DEFERRABLE / INITIALLY DEFERRED
// attribute nodes into the constraint before them (PostgreSQL's
// transformConstraintAttrs) and drops them from the list.
func applyConstraintAttrs(cons []*pg_query.Constraint) ([]*pg_query.Constraint, error) {
	var out []*pg_query.Constraint
	var last *pg_query.Constraint
	sawDeferrability, sawInitially := false, false
	for _, c := range cons {
		switch c.Contype {
		case pg_query.ConstrType_CONSTR_ATTR_DEFERRABLE, pg_query.ConstrType_CONSTR_ATTR_NOT_DEFERRABLE:
			if last == nil || last.Contype != pg_query.ConstrType_CONSTR_FOREIGN && last.Contype != pg_query.ConstrType_CONSTR_UNIQUE && last.Contype != pg_query.ConstrType_CONSTR_PRIMARY {
				return nil, pgerror.New(pgerror.SyntaxError, "misplaced %s clause", map[bool]string{true: "DEFERRABLE", false: "NOT DEFERRABLE"}[c.Contype == pg_query.ConstrType_CONSTR_ATTR_DEFERRABLE])
			}
			if sawDeferrability {
				return nil, pgerror.New(pgerror.SyntaxError, "multiple DEFERRABLE/NOT DEFERRABLE clauses not allowed")
			}
			sawDeferrability = true
			last.Deferrable = c.Contype == pg_query.ConstrType_CONSTR_ATTR_DEFERRABLE
			if !last.Deferrable && last.Initdeferred {
				return nil, pgerror.New(pgerror.SyntaxError, "constraint declared INITIALLY DEFERRED must be DEFERRABLE")
			}
		case pg_query.ConstrType_CONSTR_ATTR_DEFERRED, pg_query.ConstrType_CONSTR_ATTR_IMMEDIATE:
			if last == nil || last.Contype != pg_query.ConstrType_CONSTR_FOREIGN && last.Contype != pg_query.ConstrType_CONSTR_UNIQUE && last.Contype != pg_query.ConstrType_CONSTR_PRIMARY {
				return nil, pgerror.New(pgerror.SyntaxError, "misplaced INITIALLY %s clause", map[bool]string{true: "DEFERRED", false: "IMMEDIATE"}[c.Contype == pg_query.ConstrType_CONSTR_ATTR_DEFERRED])
			}
			if sawInitially {
				return nil, pgerror.New(pgerror.SyntaxError, "multiple INITIALLY IMMEDIATE/DEFERRED clauses not allowed")
			}
			sawInitially = true
			last.Initdeferred = c.Contype == pg_query.ConstrType_CONSTR_ATTR_DEFERRED
			if last.Initdeferred && !last.Deferrable {
				if sawDeferrability {
					return nil, pgerror.New(pgerror.SyntaxError, "constraint declared INITIALLY DEFERRED must be DEFERRABLE")
				}
				last.Deferrable = true
			}
		default:
			last, sawDeferrability, sawInitially = c, false, false
			out = append(out, c)
		}
	}
	return out, nil
}

// chooseConstraintName is PostgreSQL's ChooseConstraintName: names_label,
// then names_label1, … until no constraint of the schema (nor of t, not
// yet in the catalog) has it.
func chooseConstraintName(d *catalog.Writer, t *catalog.Table, label string, names ...string) string {
	for pass := 0; ; pass++ {
		l := label
		if pass > 0 {
			l += exec.Itoa(pass)
		}
		name := makeObjectName(l, names...)
		if !d.Cat.ConstraintNameUsed(name) && !t.HasConstraintNamed(name) {
			return name
		}
	}
}

func fkColumnMissing(name string) error {
	return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" referenced in foreign key constraint does not exist", name)
}

// addForeignKey adds a FOREIGN KEY constraint to t (a copy being
// changed); existing says the table may hold rows, which are checked
// unless NOT VALID.
func addForeignKey(ec *Ctx, d *catalog.Writer, t *catalog.Table, con *pg_query.Constraint, colNames []string, existing bool) error {
	names := plan.NodeStrings(con.FkAttrs)
	if len(names) == 0 {
		names = colNames
	}
	fk := &catalog.ForeignKey{OnUpdate: 'a', OnDelete: 'a', Match: 's', Deferrable: con.Deferrable, Deferred: con.Initdeferred}
	for _, n := range names {
		_, c := t.Column(n)
		if c == nil {
			return fkColumnMissing(n)
		}
		fk.Columns = append(fk.Columns, c.ID)
	}
	rv := con.Pktable
	var parent *catalog.Table
	key, err := relKey(ec, d, rv) // schema.go
	if err != nil {
		return err
	}
	if rv.Relname == t.Name && (rv.Schemaname == "" || rv.Schemaname == catalog.SchemaName(t.Schema)) {
		parent = t
	} else {
		parent = d.Cat.Tables[key]
	}
	if parent == nil {
		name := rv.Relname
		if rv.Schemaname != "" {
			name = rv.Schemaname + "." + name
		}
		return pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", name) // no position, as PostgreSQL
	}
	if parent != t {
		if err := ec.Session.CheckTablePriv(d.Cat, parent, 'x'); err != nil {
			return err
		}
	}
	if parent.Partitioned() { // its rows are its partitions': the check would find none
		return pgerror.Unsupported("foreign keys referencing a partitioned table")
	}
	if refNames := plan.NodeStrings(con.PkAttrs); len(refNames) > 0 {
		for _, n := range refNames {
			_, c := parent.Column(n)
			if c == nil {
				return fkColumnMissing(n)
			}
			fk.RefColumns = append(fk.RefColumns, c.ID)
		}
	} else {
		if len(parent.PK) == 0 {
			return pgerror.New(pgerror.UndefinedObject, "there is no primary key for referenced table \"%s\"", parent.Name)
		}
		fk.RefColumns = append([]uint32(nil), parent.PK...)
	}
	if len(fk.RefColumns) != len(fk.Columns) {
		return pgerror.New(pgerror.InvalidForeignKey, "number of referencing and referenced columns for foreign key disagree")
	}
	switch {
	case len(parent.PK) > 0 && sameColumnSet(fk.RefColumns, parent.PK):
		fk.RefIndex = parent.PKOID
	default:
		deferrable := false
		for _, ix := range parent.Indexes {
			if ix.Unique && ix.Plain() && sameColumnSet(fk.RefColumns, ix.Columns) {
				if ix.Deferrable {
					deferrable = true
					continue
				}
				fk.RefIndex = ix.OID
				break
			}
		}
		if fk.RefIndex == 0 && deferrable {
			return pgerror.New(pgerror.ObjectNotInPrerequisiteState, "cannot use a deferrable unique constraint for referenced table \"%s\"", parent.Name)
		}
	}
	if fk.RefIndex == 0 {
		return pgerror.New(pgerror.InvalidForeignKey, "there is no unique constraint matching given keys for referenced table \"%s\"", parent.Name)
	}
	name := con.Conname
	if name == "" {
		var cols []string
		for _, id := range fk.Columns {
			cols = append(cols, t.Columns[t.ColIndexByID(id)].Name)
		}
		name = chooseConstraintName(d, t, "fkey", t.Name, strings.Join(cols, "_"))
	} else if t.HasConstraintNamed(name) {
		return pgerror.New(pgerror.DuplicateObject, "constraint \"%s\" for relation \"%s\" already exists", name, t.Name)
	}
	fk.Name = name
	for i, id := range fk.Columns {
		ct := t.Columns[t.ColIndexByID(id)].Type
		pc := parent.Columns[parent.ColIndexByID(fk.RefColumns[i])]
		if !fkTypesCompatible(ct, pc.Type) {
			return &pgerror.Error{Code: pgerror.DatatypeMismatch,
				Message: "foreign key constraint \"" + name + "\" cannot be implemented",
				Detail: "Key columns \"" + t.Columns[t.ColIndexByID(id)].Name + "\" and \"" + pc.Name + "\" are of incompatible types: " +
					types.FormatType(ct) + " and " + types.FormatType(pc.Type) + "."}
		}
	}
	if fk.OnUpdate, err = fkActionCode(con.FkUpdAction); err != nil {
		return err
	}
	if fk.OnDelete, err = fkActionCode(con.FkDelAction); err != nil {
		return err
	}
	switch con.FkMatchtype {
	case "f":
		fk.Match = 'f'
	case "p":
		return pgerror.Unsupported("MATCH PARTIAL") // PostgreSQL: "not yet implemented"
	}
	for _, n := range plan.NodeStrings(con.FkDelSetCols) {
		_, c := t.Column(n)
		if c == nil {
			return fkColumnMissing(n)
		}
		if !containsID(fk.Columns, c.ID) {
			return pgerror.New(pgerror.InvalidForeignKey, "column \"%s\" referenced in ON DELETE SET action must be part of foreign key", n)
		}
		fk.DeleteSetCols = append(fk.DeleteSetCols, c.ID)
	}
	if fk.OID, err = d.NewOID(); err != nil {
		return err
	}
	fk.RefTable = parent.OID
	fk.NotValid = existing && con.SkipValidation
	t.FKs = append(t.FKs, fk)
	if parent != t {
		// Rewrite the parent's descriptor too: a transaction that planned
		// a write of the parent without this key conflicts with it.
		if err := d.PutTable(parent.Clone()); err != nil {
			return err
		}
	}
	if existing && !fk.NotValid {
		return validateFK(ec, t, parent, fk)
	}
	return nil
}

func containsID(ids []uint32, id uint32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func sameColumnSet(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !containsID(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !containsID(a, x) {
			return false
		}
	}
	return true
}

func fkActionCode(a string) (byte, error) {
	switch a {
	case "", "a":
		return 'a', nil
	case "r", "c", "n", "d":
		return a[0], nil
	}
	return 0, pgerror.New(pgerror.SyntaxError, "unrecognized foreign key action %q", a)
}

// fkTypesCompatible: the child's values must compare with the parent's
// unique key: the same type, or one the child's casts implicitly to.
func fkTypesCompatible(child, parent types.T) bool {
	if child.OID == parent.OID {
		return true
	}
	cc, ok := types.CastContextOf(child.OID, parent.OID)
	return ok && cc == types.CastImplicit
}

// validateFK checks every row of child against fk (ALTER TABLE … ADD
// FOREIGN KEY, VALIDATE CONSTRAINT). Its reads of the parent's keys are
// the transaction's, so a concurrent delete of one conflicts.
func validateFK(ec *Ctx, child, parent *catalog.Table, fk *catalog.ForeignKey) error {
	fp := plan.NewFKPlan(child, parent, fk)
	return forEachRow(ec, child, func(row []types.Datum, _ exec.RowRef) error {
		return fp.ValidateRow(ec.Ctx, row)
	})
}

// validateConstraint is ALTER TABLE … VALIDATE CONSTRAINT.
func validateConstraint(ec *Ctx, d *catalog.Writer, t *catalog.Table, name string) error {
	if fk := t.FK(name); fk != nil {
		if !fk.NotValid {
			return nil
		}
		parent := d.Cat.ByOID[fk.RefTable]
		if fk.RefTable == t.OID {
			parent = t
		}
		if parent == nil {
			return pgerror.New(pgerror.Internal, "foreign key %s references a missing table", name)
		}
		if err := validateFK(ec, t, parent, fk); err != nil {
			return err
		}
		fk.NotValid = false
		return nil
	}
	if t.HasConstraintNamed(name) {
		return nil // logdb's other constraints are always valid
	}
	return pgerror.New(pgerror.UndefinedObject, "constraint \"%s\" of relation \"%s\" does not exist", name, t.Name)
}

// dropForeignKey removes t's foreign key name (t is a copy being
// changed), reporting whether it had one.
func dropForeignKey(d *catalog.Writer, t *catalog.Table, name string) (bool, error) {
	for i, fk := range t.FKs {
		if fk.Name != name {
			continue
		}
		t.FKs = append(t.FKs[:i:i], t.FKs[i+1:]...)
		if parent := d.Cat.ByOID[fk.RefTable]; parent != nil && parent.OID != t.OID {
			if err := d.PutTable(parent.Clone()); err != nil {
				return true, err
			}
		}
		return true, nil
	}
	return false, nil
}

// fkDependents lists the foreign keys of other tables than skip that
// reference t and, when uses is not nil, only those it selects.
func fkDependents(cat *catalog.Catalog, t *catalog.Table, skip map[uint32]bool, uses func(*catalog.ForeignKey) bool) []catalog.FKRef {
	var out []catalog.FKRef
	for _, r := range cat.ReferencedBy(t.OID) {
		if r.Table.OID == t.OID || skip[r.Table.OID] || uses != nil && !uses(r.FK) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// dependentsError is 2BP01 for dropping what (as PostgreSQL names it,
// "table p") while foreign keys depend on it (on, "table p" or "index
// p_pkey").
func dependentsError(what, on string, refs []catalog.FKRef) error {
	var lines []string
	for _, r := range refs {
		lines = append(lines, "constraint "+r.FK.Name+" on table "+r.Table.Name+" depends on "+on)
	}
	return &pgerror.Error{Code: pgerror.DependentObjectsStillExist,
		Message: "cannot drop " + what + " because other objects depend on it",
		Detail:  strings.Join(lines, "\n"),
		Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
}

// dropDependentFKs drops the foreign keys refs (DROP … CASCADE), with
// PostgreSQL's notice.
func dropDependentFKs(d *catalog.Writer, refs []catalog.FKRef, w Noticer) error {
	if len(refs) == 0 {
		return nil
	}
	var lines []string
	for _, r := range refs {
		lines = append(lines, "drop cascades to constraint "+r.FK.Name+" on table "+r.Table.Name)
		cur := d.Cat.ByOID[r.Table.OID]
		if cur == nil {
			continue
		}
		nt := cur.Clone()
		for i, fk := range nt.FKs {
			if fk.OID == r.FK.OID {
				nt.FKs = append(nt.FKs[:i:i], nt.FKs[i+1:]...)
				break
			}
		}
		if err := d.PutTable(nt); err != nil {
			return err
		}
	}
	n := Notice(pgerror.SuccessfulCompletion, lines[0])
	if len(lines) > 1 {
		n = Notice(pgerror.SuccessfulCompletion, "drop cascades to "+exec.Itoa(len(lines))+" other objects")
		n.Detail = strings.Join(lines, "\n")
	}
	_ = w.Notice(n)
	return nil
}
