package ddl

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

var statementNames = map[string]string{
	"CreateTrigStmt": "CREATE TRIGGER", "CreateFunctionStmt": "CREATE FUNCTION", "CreatePolicyStmt": "CREATE POLICY",
	"CreateRoleStmt": "CREATE ROLE", "AlterRoleStmt": "ALTER ROLE", "DropRoleStmt": "DROP ROLE",
	"CreateRangeStmt": "CREATE TYPE ... AS RANGE", "CreateTableAsStmt": "CREATE TABLE AS / SELECT INTO",
	"RuleStmt": "CREATE RULE", "CreatedbStmt": "CREATE DATABASE", "DropdbStmt": "DROP DATABASE",
	"CreatePublicationStmt": "CREATE PUBLICATION", "CreateSubscriptionStmt": "CREATE SUBSCRIPTION",
	"AlterSeqStmt": "ALTER SEQUENCE", "DoStmt": "DO (anonymous code block)", "CallStmt": "CALL (procedures)",
	"ReindexStmt": "REINDEX", "ClusterStmt": "CLUSTER", "CreateMatViewStmt": "CREATE MATERIALIZED VIEW",
	"RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW", "CreateExtensionStmt": "CREATE EXTENSION",
	"AlterTableSpaceOptionsStmt": "ALTER TABLESPACE", "CreateTableSpaceStmt": "CREATE TABLESPACE",
	"AlterOwnerStmt": "ALTER ... OWNER TO", "AlterObjectSchemaStmt": "ALTER ... SET SCHEMA",
	"CreateForeignTableStmt": "foreign tables", "CreateCastStmt": "CREATE CAST", "DefineStmt": "CREATE AGGREGATE/OPERATOR/TYPE",
	"AlterDefaultPrivilegesStmt": "ALTER DEFAULT PRIVILEGES", "SecLabelStmt": "SECURITY LABEL",
	"CreateStatsStmt": "CREATE STATISTICS", "CreateEventTrigStmt": "CREATE EVENT TRIGGER", "MergeStmt": "MERGE",
	"LoadStmt": "LOAD", "ReassignOwnedStmt": "REASSIGN OWNED", "DropOwnedStmt": "DROP OWNED",
	"CreateConversionStmt": "CREATE CONVERSION", "AlterSystemStmt": "ALTER SYSTEM", "ImportForeignSchemaStmt": "IMPORT FOREIGN SCHEMA",
}

// StatementName names a statement kind for 0A000 messages.
func StatementName(n *pg_query.Node) string {
	kind := plan.NodeName(n)
	if s, ok := statementNames[kind]; ok {
		return s
	}
	kind = strings.TrimSuffix(kind, "Stmt")
	var b strings.Builder
	for i, r := range kind {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

func Notice(code, msg string) *pgerror.Error {
	return &pgerror.Error{Code: code, Severity: "NOTICE", Message: msg}
}

// columnFromDef builds a column; serial types also create their sequence.
func columnFromDef(ec *Ctx, d *catalog.Writer, t *catalog.Table, cd *pg_query.ColumnDef, p *plan.Planner) (*catalog.Column, []*pg_query.Constraint, error) {
	if _, c := t.Column(cd.Colname); c != nil {
		return nil, nil, pgerror.New(pgerror.DuplicateColumn, "column \"%s\" specified more than once", cd.Colname)
	}
	tn := plan.LastName(cd.TypeName.Names)
	serial := map[string]types.T{"serial": exec.Int4T, "serial4": exec.Int4T, "bigserial": exec.Int8T, "serial8": exec.Int8T,
		"smallserial": {OID: types.Int2OID, Mod: -1}, "serial2": {OID: types.Int2OID, Mod: -1}}
	typ, err := p.TypeFromNode(cd.TypeName)
	if err != nil {
		return nil, nil, err
	}
	t.NextCol++
	c := &catalog.Column{ID: t.NextCol, Name: cd.Colname, Type: typ, NotNull: cd.IsNotNull}
	if dom := p.DomainOf(cd.TypeName); dom != nil { // a column of a domain type
		c.Domain = dom.OID
	}
	var rest []*pg_query.Constraint
	identity := false
	var identityOpts []*pg_query.Node // (START WITH 44 INCREMENT BY 2)
	for _, cn := range cd.Constraints {
		con := cn.GetConstraint()
		switch con.Contype {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			c.NotNull = true
		case pg_query.ConstrType_CONSTR_NULL:
			c.NotNull = false
		case pg_query.ConstrType_CONSTR_DEFAULT:
			def, err := checkedDefault(p, con.RawExpr, typ)
			if err != nil {
				return nil, nil, err
			}
			c.Default = def
		case pg_query.ConstrType_CONSTR_IDENTITY:
			identity, identityOpts = true, con.Options
		case pg_query.ConstrType_CONSTR_GENERATED:
			if hasSubquery(con.RawExpr) {
				return nil, nil, pgerror.New(pgerror.FeatureNotSupported, "cannot use subquery in column generation expression")
			}
			c.Generated = plan.IndexPredDef(p.QualifiedTypeNames(con.RawExpr), false) // as ruleutils prints it (pg_get_expr)
		default:
			rest = append(rest, con)
		}
	}
	if c.Generated != "" && c.Default != "" {
		return nil, nil, pgerror.New(pgerror.SyntaxError, "both default and generation expression specified for column \"%s\" of table \"%s\"", c.Name, t.Name)
	}
	if c.Generated != "" && identity {
		return nil, nil, pgerror.New(pgerror.SyntaxError, "both identity and generation expression specified for column \"%s\" of table \"%s\"", c.Name, t.Name)
	}
	if st, ok := serial[tn]; ok && len(cd.TypeName.Names) == 1 || identity {
		if ok {
			c.Type = st
		}
		seqName := chooseRelName(d, t.Schema, "seq", t.Name, c.Name)
		sq, err := newSequence(d, t.Schema, seqName, c.Type)
		if err != nil {
			return nil, nil, err
		}
		sq.OwnerTab, sq.OwnerCol = t.OID, c.ID
		if err := applySeqOptions(sq, c.Type, identityOpts); err != nil {
			return nil, nil, err
		}
		if err := d.PutSeq(sq); err != nil {
			return nil, nil, err
		}
		c.Default = "nextval('" + strings.ReplaceAll(qualifiedIdent(t.Schema, seqName), "'", "''") + "'::regclass)"
		c.NotNull = true
	}
	return c, rest, nil
}

// checkedDefault compiles a DEFAULT expression (so errors surface at DDL
// time) and returns its text: a constant as PostgreSQL prints it
// (defaults.go), anything else deparsed; "" for DEFAULT NULL.
func checkedDefault(p *plan.Planner, n *pg_query.Node, typ types.T) (string, error) {
	if hasSubquery(n) {
		return "", pgerror.New(pgerror.FeatureNotSupported, "cannot use subquery in DEFAULT expression")
	}
	if refs := columnRefs(n); len(refs) > 0 {
		return "", pgerror.New(pgerror.FeatureNotSupported, "cannot use column reference in DEFAULT expression")
	}
	e, err := p.CompileExpr(n, &plan.Scope{})
	if err != nil {
		return "", err
	}
	if _, err := p.Coerce(e, typ, types.CastAssignment); err != nil {
		if pe, ok := err.(*pgerror.Error); ok && pe.Code == pgerror.InvalidTextRepresentation {
			return "", err // a literal the type does not take ('nope' for an enum)
		}
		return "", pgerror.New(pgerror.DatatypeMismatch, "column is of type %s but default expression is of type %s", types.FormatType(typ), types.FormatType(e.Type()))
	}
	if text, null, ok := literalDefault(p, n, typ); ok {
		if null {
			return "", nil // DEFAULT NULL: no default stored
		}
		return text, nil
	}
	return storedExpr(p, n)
}

// hasSubquery reports whether an expression holds a sub-select, which
// PostgreSQL refuses in defaults, checks and index expressions.
func hasSubquery(n *pg_query.Node) bool {
	found := false
	plan.WalkNodes(n, func(x *pg_query.Node) bool {
		if x.GetSubLink() != nil {
			found = true
		}
		return !found
	})
	return found
}

func columnRefs(n *pg_query.Node) []string {
	var out []string
	plan.WalkNodes(n, func(x *pg_query.Node) bool {
		if cr := x.GetColumnRef(); cr != nil {
			f := plan.NodeStrings(cr.Fields)
			out = append(out, f[len(f)-1])
		}
		return true
	})
	return out
}

func newSequence(d *catalog.Writer, schema, name string, typ types.T) (*catalog.Sequence, error) {
	if d.Cat.RelationExists(catalog.Key(schema, name)) {
		return nil, pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", name)
	}
	oid, err := d.NewOID()
	if err != nil {
		return nil, err
	}
	max := int64(1<<63 - 1)
	switch typ.OID {
	case types.Int4OID:
		max = 1<<31 - 1
	case types.Int2OID:
		max = 1<<15 - 1
	}
	return &catalog.Sequence{OID: oid, Name: name, Schema: storedSchema(schema), Type: typ, Start: 1, Increment: 1, Min: 1, Max: max, Cache: 1, Owner: d.Owner}, nil
}

func CreateTable(ec *Ctx, d *catalog.Writer, cs *pg_query.CreateStmt, w Noticer) error {
	rv := cs.Relation
	oc, err := onCommit(isTempCreate(ec, d, rv), cs.Oncommit) // temp.go
	if err != nil {
		return err
	}
	schema, err := creationSchema(ec, d, rv) // schema.go
	if err != nil {
		return err
	}
	if len(cs.InhRelations) > 0 && cs.Partbound == nil || cs.OfTypename != nil {
		return pgerror.Unsupported("table inheritance (INHERITS) and typed tables (OF type)")
	}
	var parent *catalog.Table // PARTITION OF
	if cs.Partbound != nil {
		if parent, err = partitionedParent(ec, d, cs.InhRelations[0].GetRangeVar()); err != nil {
			return err
		}
	}
	if d.Cat.RelationExists(catalog.Key(schema, rv.Relname)) {
		if cs.IfNotExists {
			_ = w.Notice(Notice(pgerror.DuplicateTable, "relation \""+rv.Relname+"\" already exists, skipping"))
			return nil
		}
		return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", rv.Relname)
	}
	if ut, ok := d.Cat.TypeIn(nil, schema, rv.Relname); ok { // its row type would take a user type's name
		if ut.Kind == "c" { // a composite type is a relation too
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", rv.Relname)
		}
		return typeOfRelationExists(rv.Relname) // types.go
	}
	p := ec.Session.Planner(d.Cat)
	oid, err := d.NewOID()
	if err != nil {
		return err
	}
	space, err := d.NewSpace()
	if err != nil {
		return err
	}
	t := &catalog.Table{OID: oid, Name: rv.Relname, Schema: storedSchema(schema), Space: space, Owner: d.Owner, OnCommit: oc}
	t.Init()
	var cons []*pg_query.Constraint
	var conCols [][]string // column the constraint was declared on (nil: table constraint)
	var likeIdx []likeIndex
	if parent != nil {
		rv := &pg_query.RangeVar{Schemaname: catalog.SchemaName(parent.Schema), Relname: parent.Name, Inh: true}
		if _, _, err := likeColumns(ec, d, t, &pg_query.TableLikeClause{Relation: rv, Options: likeDefaults | likeGenerated}); err != nil {
			return err
		}
	}
	for _, el := range cs.TableElts {
		switch {
		case el.GetColumnDef() != nil && parent != nil:
			rest, err := partitionColumnOptions(d, p, t, el.GetColumnDef())
			if err != nil {
				return err
			}
			for _, r := range rest {
				cons = append(cons, r)
				conCols = append(conCols, []string{el.GetColumnDef().Colname})
			}
		case el.GetColumnDef() != nil:
			cd := el.GetColumnDef()
			c, rest, err := columnFromDef(ec, d, t, cd, p)
			if err != nil {
				return err
			}
			if rest, err = applyConstraintAttrs(rest); err != nil {
				return err
			}
			t.Columns = append(t.Columns, c)
			t.Init()
			for _, r := range rest {
				cons = append(cons, r)
				conCols = append(conCols, []string{c.Name})
			}
		case el.GetConstraint() != nil:
			cons = append(cons, el.GetConstraint())
			conCols = append(conCols, nil)
		case el.GetTableLikeClause() != nil:
			lcons, lidx, err := likeColumns(ec, d, t, el.GetTableLikeClause()) // like.go
			if err != nil {
				return err
			}
			for _, c := range lcons {
				cons = append(cons, c)
				conCols = append(conCols, nil)
			}
			likeIdx = append(likeIdx, lidx...)
		}
	}
	for i, c := range t.Columns { // generation expressions, once every column is known
		if c.Generated != "" {
			if _, err := p.CompileGenerated(t, i); err != nil {
				return err
			}
		}
	}
	if cs.Partspec != nil {
		if err := partitionSpec(t, cs.Partspec); err != nil { // partition.go
			return err
		}
	}
	// Foreign keys last: they may reference the table's own keys.
	for pass := 0; pass < 2; pass++ {
		for i, con := range cons {
			if (con.Contype == pg_query.ConstrType_CONSTR_FOREIGN) != (pass == 1) {
				continue
			}
			if err := addConstraint(ec, d, t, con, conCols[i], false); err != nil {
				return err
			}
		}
	}
	if err := addLikeIndexes(ec, d, t, likeIdx, false); err != nil {
		return err
	}
	if parent != nil {
		return attachNew(ec, d, t, parent, cs.Partbound) // partition.go
	}
	return d.PutTable(t)
}

// addConstraint adds a PRIMARY KEY / UNIQUE / CHECK / FOREIGN KEY.
// existing says the table may hold rows.
func addConstraint(ec *Ctx, d *catalog.Writer, t *catalog.Table, con *pg_query.Constraint, colNames []string, existing bool) error {
	keys := plan.NodeStrings(con.Keys)
	if len(keys) == 0 {
		keys = colNames
	}
	ids := make([]uint32, 0, len(keys))
	for _, k := range keys {
		_, c := t.Column(k)
		if c == nil {
			return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" named in key does not exist", k)
		}
		ids = append(ids, c.ID)
	}
	switch con.Contype {
	case pg_query.ConstrType_CONSTR_PRIMARY:
		if len(t.PK) > 0 {
			return pgerror.New(pgerror.InvalidTableDefinition, "multiple primary keys for table \"%s\" are not allowed", t.Name)
		}
		if err := checkUniqueOnPartitioned(t, ids, "PRIMARY KEY"); err != nil {
			return err
		}
		var rows [][]types.Datum
		if existing {
			// rows move to a fresh space keyed by the new primary key
			if err := forEachRow(ec, t, func(row []types.Datum, _ exec.RowRef) error {
				rows = append(rows, append([]types.Datum(nil), row...))
				return nil
			}); err != nil {
				return err
			}
		}
		name := con.Conname
		if name == "" {
			name = chooseRelName(d, t.Schema, "pkey", t.Name)
		}
		if d.Cat.RelationExists(catalog.Key(t.Schema, name)) {
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", name)
		}
		var err error
		if t.PKOID, err = d.NewOID(); err != nil {
			return err
		}
		if t.PKCon, err = d.NewOID(); err != nil {
			return err
		}
		t.PK, t.PKName = ids, name
		for _, id := range ids {
			t.Columns[t.ColIndexByID(id)].NotNull = true
		}
		t.Init()
		d.Cat.Indexes[catalog.Key(t.Schema, name)] = t
		if existing {
			return rekeyTable(ec, d, t, rows)
		}
	case pg_query.ConstrType_CONSTR_UNIQUE:
		if err := checkUniqueOnPartitioned(t, ids, "UNIQUE"); err != nil {
			return err
		}
		name := con.Conname
		if name == "" {
			name = chooseRelName(d, t.Schema, "key", t.Name, strings.Join(keys, "_"))
		}
		return addIndexDef(ec, d, t, &catalog.Index{Name: name, Columns: ids, Unique: true, Constraint: true,
			Deferrable: con.Deferrable, Deferred: con.Initdeferred, NullsNotDistinct: con.NullsNotDistinct}, existing)
	case pg_query.ConstrType_CONSTR_CHECK:
		name := con.Conname
		if name == "" {
			refs := columnRefs(con.RawExpr)
			if len(colNames) == 1 {
				name = t.Name + "_" + colNames[0] + "_check"
			} else if len(refs) > 0 {
				name = t.Name + "_" + refs[0] + "_check"
			} else {
				name = t.Name + "_check"
			}
		}
		if hasSubquery(con.RawExpr) {
			return pgerror.New(pgerror.FeatureNotSupported, "cannot use subquery in check constraint")
		}
		p := ec.Session.Planner(d.Cat)
		text, err := storedExpr(p, con.RawExpr)
		if err != nil {
			return err
		}
		pred, err := p.CompilePredicate(con.RawExpr, plan.TableScope(t, nil, nil), "CHECK")
		if err != nil {
			return err
		}
		oid, err := d.NewOID()
		if err != nil {
			return err
		}
		t.Checks = append(t.Checks, &catalog.Check{OID: oid, Name: name, Expr: text})
		if existing {
			return forEachRow(ec, t, func(row []types.Datum, _ exec.RowRef) error {
				v, err := pred.Eval(ec.Ctx, row)
				if err != nil {
					return err
				}
				if v == false {
					return pgerror.New(pgerror.CheckViolation, "check constraint \"%s\" of relation \"%s\" is violated by some row", name, t.Name)
				}
				return nil
			})
		}
	case pg_query.ConstrType_CONSTR_FOREIGN:
		return addForeignKey(ec, d, t, con, colNames, existing) // fk.go
	case pg_query.ConstrType_CONSTR_EXCLUSION:
		return pgerror.Unsupported("exclusion constraints")
	case pg_query.ConstrType_CONSTR_ATTR_DEFERRABLE, pg_query.ConstrType_CONSTR_ATTR_NOT_DEFERRABLE,
		pg_query.ConstrType_CONSTR_ATTR_DEFERRED, pg_query.ConstrType_CONSTR_ATTR_IMMEDIATE:
	default:
		return pgerror.Unsupported("constraint " + con.Contype.String())
	}
	return nil
}

// rekeyTable rewrites rows (read before the key changed) into fresh
// spaces under t's new primary key, rebuilding every index.
func rekeyTable(ec *Ctx, d *catalog.Writer, t *catalog.Table, rows [][]types.Datum) error {
	d.Txn.DropSpace(t.Space)
	var err error
	if t.Space, err = d.NewSpace(); err != nil {
		return err
	}
	for _, ix := range t.Indexes {
		d.Txn.DropSpace(ix.Space)
		if ix.Space, err = d.NewSpace(); err != nil {
			return err
		}
	}
	w := &exec.TableWriter{T: t, RowCols: t.RowColumns(), Defaults: make([]exec.Expr, len(t.Columns))}
	for _, row := range rows {
		for _, i := range t.PKIdx {
			if row[i] == nil {
				c := t.Columns[i]
				return &pgerror.Error{Code: pgerror.NotNullViolation, Table: t.Name, Column: c.Name,
					Message: "column \"" + c.Name + "\" of relation \"" + t.Name + "\" contains null values"}
			}
		}
		if _, _, err := w.Insert(ec.Ctx, row, nil); err != nil {
			if pe, ok := err.(*pgerror.Error); ok && pe.Code == pgerror.UniqueViolation {
				pe.Message = "could not create unique index \"" + pe.Constraint + "\""
				pe.Detail = strings.Replace(pe.Detail, "already exists", "is duplicated", 1)
			}
			return err
		}
	}
	return nil
}

// forEachRow scans every row of t in the transaction.
func forEachRow(ec *Ctx, t *catalog.Table, fn func(row []types.Datum, ref exec.RowRef) error) error {
	return forEachRowAs(ec, t, nil, fn)
}

// forEachRowAs is forEachRow decoding the stored rows with rowCols (nil:
// t's own), for a rewrite whose descriptor already has the new types.
func forEachRowAs(ec *Ctx, t *catalog.Table, rowCols []types.RowColumn, fn func(row []types.Datum, ref exec.RowRef) error) error {
	s := exec.NewScanNode(t)
	if rowCols != nil {
		s.RowCols = rowCols
	}
	s.WithRef = true
	it, err := s.Start(ec.Ctx)
	if err != nil {
		return err
	}
	defer it.Close()
	for {
		row, err := it.Next()
		if err != nil || row == nil {
			return err
		}
		if err := fn(row[:len(t.Columns)], row[len(t.Columns)].(exec.RowRef)); err != nil {
			return err
		}
	}
}

var _ = kv.CatalogSpace
