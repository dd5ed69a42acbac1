package ddl

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

func AlterTable(ec *Ctx, d *catalog.Writer, at *pg_query.AlterTableStmt, w Noticer) error {
	rv := at.Relation
	key, err := relKey(ec, d, rv) // schema.go
	if err != nil {
		return err
	}
	t0, ok := d.Cat.Tables[key]
	if _, isIndex := d.Cat.Indexes[key]; !ok && isIndex && attachIndexOnly(at.Cmds) {
		// ALTER INDEX p_idx ATTACH PARTITION c_idx (pg_dump): a
		// partition's index is already its partitioned table's
		return nil
	}
	if !ok && d.Cat.RelationExists(key) {
		// ALTER TABLE on a sequence, view or index: only OWNER TO (pg_dump)
		return AlterOwnerOther(ec, d, key, at.Cmds)
	}
	if !ok {
		if at.MissingOk {
			_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "relation \""+rv.Relname+"\" does not exist, skipping"))
			return nil
		}
		return plan.UndefinedTable(rv)
	}
	if err := ec.Session.CheckOwner(d.Cat, t0.Owner, "table", t0.Name); err != nil {
		return err
	}
	t := t0.Clone()
	p := ec.Session.Planner(d.Cat)
	for _, cn := range at.Cmds {
		cmd := cn.GetAlterTableCmd()
		if err := alterCmd(ec, d, p, t, cmd, w); err != nil {
			return err
		}
		t.Init()
	}
	if t.Part != nil && rv.Inh { // not ALTER TABLE ONLY
		if err := alterPartitions(ec, d, p, t, at.Cmds, w); err != nil { // partition.go
			return err
		}
	}
	return d.PutTable(t)
}

func alterCmd(ec *Ctx, d *catalog.Writer, p *plan.Planner, t *catalog.Table, cmd *pg_query.AlterTableCmd, w Noticer) error {
	colMissing := func(name string) error {
		return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", name, t.Name)
	}
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_EnableTrig, pg_query.AlterTableType_AT_DisableTrig:
		return enableTrigger(t, cmd.Name, false, cmd.Subtype == pg_query.AlterTableType_AT_EnableTrig) // trigger.go
	case pg_query.AlterTableType_AT_EnableTrigAll, pg_query.AlterTableType_AT_DisableTrigAll,
		pg_query.AlterTableType_AT_EnableTrigUser, pg_query.AlterTableType_AT_DisableTrigUser:
		on := cmd.Subtype == pg_query.AlterTableType_AT_EnableTrigAll || cmd.Subtype == pg_query.AlterTableType_AT_EnableTrigUser
		return enableTrigger(t, "", true, on)
	case pg_query.AlterTableType_AT_AttachPartition:
		return attachPartition(ec, d, t, cmd.Def.GetPartitionCmd()) // partition.go
	case pg_query.AlterTableType_AT_DetachPartition:
		return detachPartition(ec, d, t, cmd.Def.GetPartitionCmd())
	case pg_query.AlterTableType_AT_AddColumn:
		cd := cmd.Def.GetColumnDef()
		if _, c := t.Column(cd.Colname); c != nil {
			if cmd.MissingOk {
				_ = w.Notice(Notice("42701", "column \""+cd.Colname+"\" of relation \""+t.Name+"\" already exists, skipping"))
				return nil
			}
			return pgerror.New(pgerror.DuplicateColumn, "column \"%s\" of relation \"%s\" already exists", cd.Colname, t.Name)
		}
		c, rest, err := columnFromDef(ec, d, t, cd, p)
		if err != nil {
			return err
		}
		if c.Generated != "" { // existing rows would need the column computed
			return pgerror.Unsupported("ALTER TABLE … ADD COLUMN … GENERATED ALWAYS AS (…) STORED")
		}
		if rest, err = applyConstraintAttrs(rest); err != nil {
			return err
		}
		t.Columns = append(t.Columns, c)
		t.Init()
		var fks []*pg_query.Constraint
		for _, con := range rest {
			if con.Contype == pg_query.ConstrType_CONSTR_FOREIGN {
				fks = append(fks, con) // checked once the column is filled
				continue
			}
			if err := addConstraint(ec, d, t, con, []string{c.Name}, true); err != nil {
				return err
			}
		}
		t.Init()
		if err := fillNewColumn(ec, p, t, len(t.Columns)-1); err != nil {
			return err
		}
		for _, con := range fks {
			if err := addConstraint(ec, d, t, con, []string{c.Name}, true); err != nil {
				return err
			}
		}
		return nil
	case pg_query.AlterTableType_AT_DropColumn:
		i, c := t.Column(cmd.Name)
		if c == nil {
			if cmd.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "column \""+cmd.Name+"\" of relation \""+t.Name+"\" does not exist, skipping"))
				return nil
			}
			return colMissing(cmd.Name)
		}
		if err := dropGeneratedReaders(ec, d, p, t, c.Name, cmd, w); err != nil { // generated.go
			return err
		}
		if i, c = t.Column(cmd.Name); c == nil {
			return colMissing(cmd.Name)
		}
		if err := dropColumnPolicies(ec, t, c.Name, cmd.Behavior == pg_query.DropBehavior_DROP_CASCADE, w); err != nil { // policy.go
			return err
		}
		// Other tables' foreign keys on the column need CASCADE; the
		// table's own on it go with it (as PostgreSQL's dependencies do).
		if refs := fkDependents(d.Cat, t, nil, func(fk *catalog.ForeignKey) bool { return containsID(fk.RefColumns, c.ID) }); len(refs) > 0 {
			if cmd.Behavior != pg_query.DropBehavior_DROP_CASCADE {
				return dependentsError("column "+c.Name+" of table "+t.Name, "column "+c.Name+" of table "+t.Name, refs)
			}
			if err := dropDependentFKs(d, refs, w); err != nil {
				return err
			}
		}
		var fks []*catalog.ForeignKey
		for _, fk := range t.FKs {
			if !containsID(fk.Columns, c.ID) && !(fk.RefTable == t.OID && containsID(fk.RefColumns, c.ID)) {
				fks = append(fks, fk)
			}
		}
		t.FKs = fks
		if t.IsPK(c.ID) {
			return pgerror.Unsupported("dropping a primary key column")
		}
		var keep []*catalog.Index
		for _, ix := range t.Indexes {
			uses := ix.Reads(c.ID)
			if uses {
				d.Txn.DropSpace(ix.Space)
				delete(d.Cat.Indexes, ix.Name)
			} else {
				keep = append(keep, ix)
			}
		}
		t.Indexes = keep
		var checks []*catalog.Check
		for _, ck := range t.Checks {
			n, err := ec.Session.ParseExpr(ck.Expr)
			if err == nil && exec.Contains(columnRefs(n), c.Name) {
				continue
			}
			checks = append(checks, ck)
		}
		t.Checks = checks
		for _, sq := range d.Cat.Seqs {
			if sq.OwnerTab == t.OID && sq.OwnerCol == c.ID {
				d.DeleteSeq(sq)
			}
		}
		t.Columns = append(t.Columns[:i], t.Columns[i+1:]...)
		return nil
	case pg_query.AlterTableType_AT_ColumnDefault:
		_, c := t.Column(cmd.Name)
		if c == nil {
			return colMissing(cmd.Name)
		}
		if cmd.Def == nil {
			c.Default = ""
			return nil
		}
		def, err := checkedDefault(p, cmd.Def, c.Type)
		if err != nil {
			return err
		}
		c.Default = def
		return nil
	case pg_query.AlterTableType_AT_DropNotNull:
		_, c := t.Column(cmd.Name)
		if c == nil {
			return colMissing(cmd.Name)
		}
		if t.IsPK(c.ID) {
			return pgerror.New(pgerror.InvalidTableDefinition, "column \"%s\" is in a primary key", c.Name)
		}
		c.NotNull = false
		return nil
	case pg_query.AlterTableType_AT_SetNotNull:
		i, c := t.Column(cmd.Name)
		if c == nil {
			return colMissing(cmd.Name)
		}
		c.NotNull = true
		return forEachRow(ec, t, func(row []types.Datum, _ exec.RowRef) error {
			if row[i] == nil {
				return &pgerror.Error{Code: pgerror.NotNullViolation, Table: t.Name, Column: c.Name,
					Message: "column \"" + c.Name + "\" of relation \"" + t.Name + "\" contains null values"}
			}
			return nil
		})
	case pg_query.AlterTableType_AT_AddConstraint:
		return addConstraint(ec, d, t, cmd.Def.GetConstraint(), nil, true)
	case pg_query.AlterTableType_AT_ValidateConstraint:
		return validateConstraint(ec, d, t, cmd.Name) // fk.go
	case pg_query.AlterTableType_AT_DropConstraint:
		if ok, err := dropForeignKey(d, t, cmd.Name); ok || err != nil {
			return err
		}
		for i, ck := range t.Checks {
			if ck.Name == cmd.Name {
				t.Checks = append(t.Checks[:i], t.Checks[i+1:]...)
				return nil
			}
		}
		for i, ix := range t.Indexes {
			if ix.Name == cmd.Name && ix.Constraint {
				if refs := fkDependents(d.Cat, t, nil, func(fk *catalog.ForeignKey) bool { return fk.RefIndex == ix.OID }); len(refs) > 0 {
					if cmd.Behavior != pg_query.DropBehavior_DROP_CASCADE {
						return dependentsError("constraint "+ix.Name+" on table "+t.Name, "index "+ix.Name, refs)
					}
					if err := dropDependentFKs(d, refs, w); err != nil {
						return err
					}
				}
				d.Txn.DropSpace(ix.Space)
				delete(d.Cat.Indexes, ix.Name)
				t.Indexes = append(t.Indexes[:i], t.Indexes[i+1:]...)
				return nil
			}
		}
		if cmd.Name == t.PKName && len(t.PK) > 0 {
			return pgerror.Unsupported("dropping a primary key")
		}
		if cmd.MissingOk {
			_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "constraint \""+cmd.Name+"\" of relation \""+t.Name+"\" does not exist, skipping"))
			return nil
		}
		return pgerror.New(pgerror.UndefinedObject, "constraint \"%s\" of relation \"%s\" does not exist", cmd.Name, t.Name)
	case pg_query.AlterTableType_AT_AlterColumnType:
		return alterColumnType(ec, d, p, t, cmd)
	case pg_query.AlterTableType_AT_EnableRowSecurity:
		t.RowSecurity = true
		return nil
	case pg_query.AlterTableType_AT_DisableRowSecurity:
		t.RowSecurity = false
		return nil
	case pg_query.AlterTableType_AT_ForceRowSecurity:
		t.ForceRowSecurity = true
		return nil
	case pg_query.AlterTableType_AT_NoForceRowSecurity:
		t.ForceRowSecurity = false
		return nil
	case pg_query.AlterTableType_AT_ReplicaIdentity:
		return setReplicaIdentity(t, cmd.Def.GetReplicaIdentityStmt()) // publication.go
	case pg_query.AlterTableType_AT_ChangeOwner:
		o, err := ec.Session.NewOwner(d.Cat, cmd.Newowner, t.Owner, "table", t.Name)
		if err != nil {
			return err
		}
		t.Owner = o
		return nil
	case pg_query.AlterTableType_AT_SetRelOptions,
		pg_query.AlterTableType_AT_ResetRelOptions,
		pg_query.AlterTableType_AT_SetStatistics, pg_query.AlterTableType_AT_SetStorage:
		return nil // accepted, nothing to do
	}
	return pgerror.Unsupported("ALTER TABLE " + strings.ToLower(strings.TrimPrefix(cmd.Subtype.String(), "AT_")))
}

// fillNewColumn writes the default of a just-added column into existing
// rows (or checks NOT NULL when there is none).
func fillNewColumn(ec *Ctx, p *plan.Planner, t *catalog.Table, ci int) error {
	c := t.Columns[ci]
	if c.Default == "" && !c.NotNull && c.Domain == 0 {
		return nil
	}
	var def exec.Expr
	if c.Default != "" || c.Domain != 0 { // a domain's default, too
		var err error
		if def, err = p.DefaultExpr(t, ci); err != nil {
			return err
		}
	}
	dom, err := domainCheckOf(p, c) // domain.go
	if err != nil {
		return err
	}
	rowCols := t.RowColumns()
	txn := ec.Txn.Kv
	var updates []func()
	err = forEachRow(ec, t, func(row []types.Datum, ref exec.RowRef) error {
		var v types.Datum
		if def != nil {
			var err error
			if v, err = def.Eval(ec.Ctx, nil); err != nil {
				return err
			}
		}
		if dom != nil {
			if err := dom.Check(ec.Ctx, v); err != nil {
				return err
			}
		}
		if v == nil {
			if c.NotNull {
				return &pgerror.Error{Code: pgerror.NotNullViolation, Table: t.Name, Column: c.Name,
					Message: "column \"" + c.Name + "\" of relation \"" + t.Name + "\" contains null values"}
			}
			return nil
		}
		row[ci] = v
		val := types.AppendRow(nil, rowCols, row)
		key, old := ref.Key, ref.Val
		updates = append(updates, func() { txn.Put(t.Space, key, val, old) })
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range updates {
		u()
	}
	return nil
}

func alterColumnType(ec *Ctx, d *catalog.Writer, p *plan.Planner, t *catalog.Table, cmd *pg_query.AlterTableCmd) error {
	i, c := t.Column(cmd.Name)
	if c == nil {
		return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", cmd.Name, t.Name)
	}
	if r := generatedReaders(ec, t, c.Name); len(r) > 0 {
		return &pgerror.Error{Code: pgerror.FeatureNotSupported, Message: "cannot alter type of a column used by a generated column",
			Detail: "Column \"" + c.Name + "\" is used by generated column \"" + r[0] + "\"."}
	}
	if err := checkAlterTypePolicies(ec, t, c.Name); err != nil { // policy.go
		return err
	}
	cd := cmd.Def.GetColumnDef()
	nt, err := p.TypeFromNode(cd.TypeName)
	if err != nil {
		return err
	}
	oldT := c.Type
	var using exec.Expr
	if cd.RawDefault != nil {
		e, err := p.CompileExpr(cd.RawDefault, plan.TableScope(t, nil, nil))
		if err != nil {
			return err
		}
		if using, err = p.Coerce(e, nt, types.CastAssignment); err != nil {
			return err
		}
	} else {
		if oldT == nt {
			return nil
		}
		cc, ok := types.CastContextOf(oldT.OID, nt.OID)
		if !ok || cc == types.CastExplicit {
			return &pgerror.Error{Code: pgerror.DatatypeMismatch, Message: "column \"" + c.Name + "\" cannot be cast automatically to type " + types.FormatType(nt),
				Hint: "You might need to specify \"USING " + c.Name + "::" + types.FormatType(nt) + "\"."}
		}
	}
	if t.IsPK(c.ID) {
		return pgerror.Unsupported("changing the type of a primary key column")
	}
	// indexes over the column, or whose predicate reads it, are rebuilt
	// in fresh spaces (a predicate is compiled again over the new type,
	// as PostgreSQL re-analyses the index definition)
	var rebuild []*catalog.Index
	for _, ix := range t.Indexes {
		if len(ix.Exprs) > 0 && ix.Reads(c.ID) {
			return pgerror.Unsupported("changing the type of a column an expression index reads (drop the index first)")
		}
		if ix.Reads(c.ID) {
			rebuild = append(rebuild, ix)
		}
	}
	for _, ix := range rebuild {
		d.Txn.DropSpace(ix.Space)
		sp, err := d.NewSpace()
		if err != nil {
			return err
		}
		ix.Space = sp
	}
	w := &exec.TableWriter{T: t}
	// re-encode every row with the converted value
	oldCols := t.RowColumns()
	c.Type = nt
	newCols := t.RowColumns()
	if w.IxEvals, err = p.IndexEvals(t); err != nil {
		return err
	}
	txn := ec.Txn.Kv
	var puts []func()
	err = forEachRowAs(ec, t, oldCols, func(row []types.Datum, ref exec.RowRef) error {
		var err error
		if using != nil {
			if row[i], err = using.Eval(ec.Ctx, row); err != nil {
				return err
			}
		} else if row[i] != nil {
			if row[i], err = exec.CastDatum(ec.Ctx, row[i], oldT, nt, types.CastAssignment); err != nil {
				return err
			}
		}
		val := types.AppendRow(nil, newCols, row)
		puts = append(puts, func() { txn.Put(t.Space, ref.Key, val, ref.Val) })
		for _, ix := range rebuild {
			k, unique, in, err := w.IndexEntry(ec.Ctx, ix, row, ref.Key)
			if err != nil {
				return err
			}
			if !in {
				continue
			}
			if unique {
				if _, exists, err := txn.Get(ix.Space, k); err != nil {
					return err
				} else if exists {
					e := w.IndexUniqueErr(ec.Ctx, ix, row).(*pgerror.Error)
					e.Message = "could not create unique index \"" + ix.Name + "\""
					e.Detail = strings.Replace(e.Detail, "already exists", "is duplicated", 1)
					return e
				}
			}
			txn.Put(ix.Space, k, ref.Key, nil)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, put := range puts {
		put()
	}
	return nil
}

func indexCols(t *catalog.Table) []uint32 {
	var out []uint32
	for _, ix := range t.Indexes {
		out = append(out, ix.Columns...)
	}
	return out
}

func RenameObject(ec *Ctx, d *catalog.Writer, rs *pg_query.RenameStmt) error {
	key := ""
	if rs.Relation != nil {
		var err error
		if key, err = relKey(ec, d, rs.Relation); err != nil { // schema.go
			return err
		}
		if err := checkRelOwner(ec, d, key); err != nil {
			return err
		}
	}
	switch rs.RenameType {
	case pg_query.ObjectType_OBJECT_TABLE:
		t, ok := d.Cat.Tables[key]
		if !ok {
			return plan.UndefinedTable(rs.Relation)
		}
		if d.Cat.RelationExists(catalog.Key(t.Schema, rs.Newname)) {
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", rs.Newname)
		}
		nt := t.Clone()
		nt.Name = rs.Newname
		for _, pol := range nt.Policies { // t.col in them names the table
			pol.Using = renameQualifier(pol.Using, t.Name, rs.Newname)
			pol.Check = renameQualifier(pol.Check, t.Name, rs.Newname)
		}
		return d.PutTable(nt)
	case pg_query.ObjectType_OBJECT_COLUMN:
		t, ok := d.Cat.Tables[key]
		if !ok {
			return plan.UndefinedTable(rs.Relation)
		}
		nt := t.Clone()
		_, c := nt.Column(rs.Subname)
		if c == nil {
			return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" does not exist", rs.Subname)
		}
		if _, dup := nt.Column(rs.Newname); dup != nil {
			return pgerror.New(pgerror.DuplicateColumn, "column \"%s\" of relation \"%s\" already exists", rs.Newname, t.Name)
		}
		old := c.Name
		c.Name = rs.Newname
		for _, ck := range nt.Checks {
			ck.Expr = renameIdent(ck.Expr, old, rs.Newname)
		}
		for _, pol := range nt.Policies {
			pol.Using = renameIdent(pol.Using, old, rs.Newname)
			pol.Check = renameIdent(pol.Check, old, rs.Newname)
		}
		for _, gc := range nt.Columns {
			if gc.Generated != "" {
				gc.Generated = renameIdent(gc.Generated, old, rs.Newname)
			}
		}
		for _, ix := range nt.Indexes {
			for i, e := range ix.Exprs {
				if e != "" {
					ix.Exprs[i] = renameIdent(e, old, rs.Newname)
				}
			}
			if ix.Pred != "" {
				ix.Pred = renameIdent(ix.Pred, old, rs.Newname)
			}
		}
		return d.PutTable(nt)
	case pg_query.ObjectType_OBJECT_INDEX, pg_query.ObjectType_OBJECT_TABCONSTRAINT:
		if t, ok := d.Cat.Tables[key]; ok && rs.RenameType == pg_query.ObjectType_OBJECT_TABCONSTRAINT && t.FK(rs.Subname) != nil {
			if t.HasConstraintNamed(rs.Newname) {
				return pgerror.New(pgerror.DuplicateObject, "constraint \"%s\" for relation \"%s\" already exists", rs.Newname, t.Name)
			}
			nt := t.Clone()
			nt.FK(rs.Subname).Name = rs.Newname
			return d.PutTable(nt)
		}
		name, ixKey := rs.Subname, key
		if rs.RenameType == pg_query.ObjectType_OBJECT_INDEX {
			name = rs.Relation.Relname
		} else if t, ok := d.Cat.Tables[key]; ok {
			ixKey = catalog.Key(t.Schema, name)
		}
		t, ok := d.Cat.Indexes[ixKey]
		if !ok {
			return pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", name)
		}
		if d.Cat.RelationExists(catalog.Key(t.Schema, rs.Newname)) {
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", rs.Newname)
		}
		nt := t.Clone()
		if nt.PKName == name {
			nt.PKName = rs.Newname
		}
		for _, ix := range nt.Indexes {
			if ix.Name == name {
				ix.Name = rs.Newname
			}
		}
		delete(d.Cat.Indexes, ixKey)
		return d.PutTable(nt)
	case pg_query.ObjectType_OBJECT_SEQUENCE:
		sq, ok := d.Cat.Seqs[key]
		if !ok {
			return plan.UndefinedTable(rs.Relation)
		}
		if d.Cat.RelationExists(catalog.Key(sq.Schema, rs.Newname)) {
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", rs.Newname)
		}
		n := *sq
		n.Name = rs.Newname
		d.DeleteSeq(sq)
		return d.PutSeq(&n)
	}
	return pgerror.Unsupported("ALTER ... RENAME of " + strings.TrimPrefix(rs.RenameType.String(), "OBJECT_"))
}

// renameQualifier replaces a table name that qualifies a column (old.c)
// in stored expression text.
func renameQualifier(expr, old, new string) string {
	return renameWord(expr, old, new, true)
}

// renameIdent replaces a column name in stored expression text.
func renameIdent(expr, old, new string) string { return renameWord(expr, old, new, false) }

// renameWord replaces the identifier old by new outside string literals;
// qualifier: only where a '.' follows it.
func renameWord(expr, old, new string, qualifier bool) string {
	var b strings.Builder
	i := 0
	for i < len(expr) {
		c := expr[i]
		if c == '\'' {
			j := i + 1
			for j < len(expr) && expr[j] != '\'' {
				j++
			}
			b.WriteString(expr[i:min(j+1, len(expr))])
			i = j + 1
			continue
		}
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '"' {
			j := i
			for j < len(expr) && (expr[j] == '_' || expr[j] == '"' || expr[j] >= 'a' && expr[j] <= 'z' || expr[j] >= 'A' && expr[j] <= 'Z' || expr[j] >= '0' && expr[j] <= '9') {
				j++
			}
			word := expr[i:j]
			if strings.Trim(word, `"`) == old && (!qualifier || j < len(expr) && expr[j] == '.') {
				word = pgcatalog.QuoteIdent(new)
			}
			b.WriteString(word)
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func CreateSequence(ec *Ctx, d *catalog.Writer, cs *pg_query.CreateSeqStmt, w Noticer) error {
	schema, err := creationSchema(ec, d, cs.Sequence) // schema.go
	if err != nil {
		return err
	}
	name := cs.Sequence.Relname
	if d.Cat.RelationExists(catalog.Key(schema, name)) {
		if cs.IfNotExists {
			_ = w.Notice(Notice(pgerror.DuplicateTable, "relation \""+name+"\" already exists, skipping"))
			return nil
		}
		return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", name)
	}
	p := ec.Session.Planner(d.Cat)
	typ := exec.Int8T
	for _, o := range cs.Options {
		if de := o.GetDefElem(); de != nil && de.Defname == "as" {
			var err error
			if typ, err = p.TypeFromNode(de.Arg.GetTypeName()); err != nil {
				return err
			}
		}
	}
	sq, err := newSequence(d, schema, name, typ)
	if err != nil {
		return err
	}
	if err := applySeqOptions(sq, typ, cs.Options); err != nil {
		return err
	}
	return d.PutSeq(sq)
}

// applySeqOptions applies CREATE SEQUENCE's options (and an identity
// column's) to a new sequence of type typ.
func applySeqOptions(sq *catalog.Sequence, typ types.T, opts []*pg_query.Node) error {
	startSet, minSet := false, false
	for _, o := range opts {
		de := o.GetDefElem()
		if de == nil {
			continue
		}
		num := func() int64 {
			if de.Arg == nil {
				return 0
			}
			if iv := de.Arg.GetInteger(); iv != nil {
				return int64(iv.Ival)
			}
			if fv := de.Arg.GetFloat(); fv != nil {
				n, _ := parseInt64(fv.Fval)
				return n
			}
			return 0
		}
		switch de.Defname {
		case "increment":
			sq.Increment = num()
		case "start":
			sq.Start, startSet = num(), true
		case "minvalue":
			if de.Arg != nil {
				sq.Min, minSet = num(), true
			}
		case "maxvalue":
			if de.Arg != nil {
				sq.Max = num()
			}
		case "cache":
			sq.Cache = num()
		case "cycle":
			sq.Cycle = de.Arg == nil || de.Arg.GetBoolean() == nil || de.Arg.GetBoolean().Boolval
		case "as", "owned_by":
		default:
			return pgerror.Unsupported("sequence option " + de.Defname)
		}
	}
	if sq.Increment == 0 {
		return pgerror.New(pgerror.InvalidParameterValue, "INCREMENT must not be zero")
	}
	if sq.Increment < 0 && !minSet {
		sq.Min = -sq.Max - 1
		if typ.OID == types.Int8OID {
			sq.Min = -1 << 63
		}
		if !startSet {
			sq.Start = -1
		}
		sq.Max = -1
	}
	if !startSet && sq.Increment > 0 {
		sq.Start = sq.Min
	}
	return nil
}

func parseInt64(s string) (int64, bool) {
	var n int64
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
