package ddl

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// Declarative partitioning's DDL (catalog/partition.go has the model,
// exec/partition.go the routing): CREATE TABLE … PARTITION BY, CREATE
// TABLE … PARTITION OF, ALTER TABLE … ATTACH / DETACH PARTITION, and what
// a partition takes from its parent (columns, defaults, NOT NULL, CHECK,
// indexes, primary key, unique constraints, foreign keys). Attaching or
// detaching rewrites the parent's descriptor (catalog/partition.go says
// why).

// partitionSpec reads PARTITION BY into t.Part.
func partitionSpec(t *catalog.Table, ps *pg_query.PartitionSpec) error {
	spec := &catalog.PartSpec{}
	switch ps.Strategy {
	case pg_query.PartitionStrategy_PARTITION_STRATEGY_LIST:
		spec.Strategy = catalog.PartList
	case pg_query.PartitionStrategy_PARTITION_STRATEGY_RANGE:
		spec.Strategy = catalog.PartRange
	case pg_query.PartitionStrategy_PARTITION_STRATEGY_HASH:
		spec.Strategy = catalog.PartHash
	default:
		return pgerror.New(pgerror.InvalidParameterValue, "unrecognized partitioning strategy")
	}
	if len(ps.PartParams) > 32 {
		return pgerror.New("54011", "cannot partition using more than 32 columns")
	}
	if spec.Strategy == catalog.PartList && len(ps.PartParams) > 1 {
		return pgerror.New(pgerror.InvalidObjectDefinition, "cannot use \"list\" partition strategy with more than one column")
	}
	for _, n := range ps.PartParams {
		pe := n.GetPartitionElem()
		if pe == nil || pe.Name == "" {
			return pgerror.Unsupported("partition keys that are expressions (partition by columns)")
		}
		if len(pe.Opclass) > 0 || len(pe.Collation) > 0 {
			return pgerror.Unsupported("a partition key with an operator class or collation")
		}
		_, c := t.Column(pe.Name)
		if c == nil {
			return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" named in partition key does not exist", pe.Name)
		}
		if c.Generated != "" {
			return pgerror.New(pgerror.InvalidTableDefinition, "cannot use generated column in partition key")
		}
		spec.Columns = append(spec.Columns, c.ID)
	}
	t.Part = spec
	return nil
}

// checkUniqueOnPartitioned refuses a primary key or unique constraint (or
// unique index) on a partitioned table that lacks a partition column.
func checkUniqueOnPartitioned(t *catalog.Table, ids []uint32, what string) error {
	if t.Part == nil {
		return nil
	}
	for _, pk := range t.Part.Columns {
		if !containsID(ids, pk) {
			c := t.Columns[t.ColIndexByID(pk)]
			return &pgerror.Error{Code: pgerror.FeatureNotSupported,
				Message: "unique constraint on partitioned table must include all partitioning columns",
				Detail:  fmt.Sprintf("%s constraint on table \"%s\" lacks column \"%s\" which is part of the partition key.", what, t.Name, c.Name)}
		}
	}
	return nil
}

// parentOf resolves PARTITION OF's or ATTACH's partitioned table.
func partitionedParent(ec *Ctx, d *catalog.Writer, rv *pg_query.RangeVar) (*catalog.Table, error) {
	key, err := relKey(ec, d, rv)
	if err != nil {
		return nil, err
	}
	p, ok := d.Cat.Tables[key]
	if !ok {
		return nil, plan.UndefinedTable(rv)
	}
	if p.Part == nil {
		return nil, pgerror.New(pgerror.InvalidObjectDefinition, "\"%s\" is not partitioned", p.Name)
	}
	return p, nil
}

// partitionBound evaluates a FOR VALUES clause against parent's key.
func partitionBound(ec *Ctx, d *catalog.Writer, parent *catalog.Table, name string, spec *pg_query.PartitionBoundSpec) (*catalog.PartBound, error) {
	b := &catalog.PartBound{}
	if spec.IsDefault {
		if parent.Part.Strategy == catalog.PartHash {
			return nil, pgerror.New(pgerror.InvalidTableDefinition, "a hash-partitioned table may not have a default partition")
		}
		b.Default = true
		return b, nil
	}
	keyT := parent.PartKeyTypes()
	keyIdx := parent.PartKeyIdx()
	p := ec.Session.Planner(d.Cat)
	value := func(n *pg_query.Node, i int) (catalog.BoundValue, error) {
		if n.GetColumnRef() != nil {
			f := plan.NodeStrings(n.GetColumnRef().Fields)
			if len(f) == 1 && (f[0] == "minvalue" || f[0] == "maxvalue") && parent.Part.Strategy == catalog.PartRange {
				return catalog.BoundValue{Inf: map[string]int8{"minvalue": -1, "maxvalue": 1}[f[0]]}, nil
			}
			return catalog.BoundValue{}, pgerror.New(pgerror.FeatureNotSupported, "cannot use column reference in partition bound expression")
		}
		e, err := p.CompileExpr(n, &plan.Scope{})
		if err != nil {
			return catalog.BoundValue{}, err
		}
		col := parent.Columns[keyIdx[i]]
		ce, err := p.Coerce(e, keyT[i], types.CastAssignment)
		if pe, ok := err.(*pgerror.Error); ok && pe.Code == pgerror.InvalidTextRepresentation {
			return catalog.BoundValue{}, err
		}
		if err != nil {
			return catalog.BoundValue{}, pgerror.New(pgerror.DatatypeMismatch, "specified value cannot be cast to type %s for column \"%s\"", types.FormatType(keyT[i]), col.Name)
		}
		v, err := ce.Eval(ec.Ctx, nil)
		if err != nil {
			return catalog.BoundValue{}, err
		}
		if v == nil {
			return catalog.BoundValue{Null: true}, nil
		}
		return catalog.BoundValue{Text: types.TextString(keyT[i], v)}, nil
	}
	strat := map[byte]string{catalog.PartList: "list", catalog.PartRange: "range", catalog.PartHash: "hash"}[parent.Part.Strategy]
	wrong := pgerror.New(pgerror.InvalidTableDefinition, "invalid bound specification for a %s partition", strat)
	switch parent.Part.Strategy {
	case catalog.PartList:
		if len(spec.Listdatums) == 0 {
			return nil, wrong
		}
		for _, n := range spec.Listdatums {
			v, err := value(n, 0)
			if err != nil {
				return nil, err
			}
			b.In = append(b.In, v)
		}
	case catalog.PartRange:
		if len(spec.Lowerdatums) == 0 {
			return nil, wrong
		}
		for side, list := range [][]*pg_query.Node{spec.Lowerdatums, spec.Upperdatums} {
			if len(list) != len(keyT) {
				return nil, pgerror.New(pgerror.InvalidTableDefinition, "%s must specify exactly one value per partitioning column", map[int]string{0: "FROM", 1: "TO"}[side])
			}
			var vals []catalog.BoundValue
			for i, n := range list {
				if rd := n.GetPartitionRangeDatum(); rd != nil {
					switch rd.Kind {
					case pg_query.PartitionRangeDatumKind_PARTITION_RANGE_DATUM_MINVALUE:
						vals = append(vals, catalog.BoundValue{Inf: -1})
						continue
					case pg_query.PartitionRangeDatumKind_PARTITION_RANGE_DATUM_MAXVALUE:
						vals = append(vals, catalog.BoundValue{Inf: 1})
						continue
					}
					n = rd.Value
				}
				v, err := value(n, i)
				if err != nil {
					return nil, err
				}
				if v.Null {
					return nil, pgerror.New(pgerror.InvalidTableDefinition, "cannot specify NULL in range bound")
				}
				vals = append(vals, v)
			}
			for i := 1; i < len(vals); i++ {
				if vals[i-1].Inf != 0 && vals[i].Inf != vals[i-1].Inf {
					kind := map[int8]string{-1: "MINVALUE", 1: "MAXVALUE"}[vals[i-1].Inf]
					return nil, pgerror.New(pgerror.InvalidTableDefinition, "every bound following %s must also be %s", kind, kind)
				}
			}
			if side == 0 {
				b.From = vals
			} else {
				b.To = vals
			}
		}
	case catalog.PartHash:
		if spec.Strategy != "h" {
			return nil, wrong
		}
		if spec.Modulus <= 0 {
			return nil, pgerror.New(pgerror.InvalidTableDefinition, "modulus for hash partition must be an integer value greater than zero")
		}
		if spec.Remainder < 0 {
			return nil, pgerror.New(pgerror.InvalidTableDefinition, "remainder for hash partition must be an integer value greater than or equal to zero")
		}
		if spec.Remainder >= spec.Modulus {
			return nil, pgerror.New(pgerror.InvalidTableDefinition, "remainder for hash partition must be less than modulus")
		}
		b.Modulus, b.Remainder = int(spec.Modulus), int(spec.Remainder)
	}
	if spec.Strategy != "" && spec.Strategy != string(rune(parent.Part.Strategy)) {
		return nil, wrong
	}
	return b, nil
}

// checkOverlap refuses a bound that overlaps a sibling's (42P17), and
// returns the DEFAULT partition, if any, whose rows must be checked.
func checkOverlap(d *catalog.Writer, parent *catalog.Table, name string, b *catalog.PartBound) (*catalog.Table, error) {
	keyT := parent.PartKeyTypes()
	nb, err := exec.CompileBound(parent.Part.Strategy, keyT, b)
	if err != nil {
		return nil, err
	}
	if parent.Part.Strategy == catalog.PartRange && !b.Default && exec.CompareRange(keyT, nb.From, nb.To) >= 0 {
		return nil, &pgerror.Error{Code: pgerror.InvalidObjectDefinition,
			Message: fmt.Sprintf("empty range bound specified for partition \"%s\"", name),
			Detail:  fmt.Sprintf("Specified lower bound %s is greater than or equal to upper bound %s.", rangeText(keyT, b.From), rangeText(keyT, b.To))}
	}
	if parent.Part.Strategy == catalog.PartHash {
		if err := checkHashModulus(d, parent, b); err != nil {
			return nil, err
		}
	}
	var def *catalog.Table
	for _, s := range d.Cat.Partitions(parent.OID) {
		if s.Bound.Default {
			if b.Default {
				return nil, pgerror.New(pgerror.InvalidObjectDefinition, "partition \"%s\" conflicts with existing default partition \"%s\"", name, s.Name)
			}
			def = s
			continue
		}
		if b.Default {
			continue
		}
		sb, err := exec.CompileBound(parent.Part.Strategy, keyT, s.Bound)
		if err != nil {
			return nil, err
		}
		overlap := false
		switch parent.Part.Strategy {
		case catalog.PartList:
			if nb.InNull && sb.InNull {
				overlap = true
			}
			for _, v := range nb.In {
				if sb.Contains(keyT, []types.Datum{v}) {
					overlap = true
				}
			}
		case catalog.PartRange:
			overlap = exec.CompareRange(keyT, nb.From, sb.To) < 0 && exec.CompareRange(keyT, sb.From, nb.To) < 0
		case catalog.PartHash:
			small, big := nb, sb
			if small.Modulus > big.Modulus {
				small, big = big, small
			}
			overlap = big.Remainder%small.Modulus == small.Remainder
		}
		if overlap {
			return nil, pgerror.New(pgerror.InvalidObjectDefinition, "partition \"%s\" would overlap partition \"%s\"", name, s.Name)
		}
	}
	return def, nil
}

func rangeText(keyT []types.T, vs []catalog.BoundValue) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		switch {
		case v.Inf < 0:
			parts[i] = "MINVALUE"
		case v.Inf > 0:
			parts[i] = "MAXVALUE"
		default:
			parts[i] = catalog.BoundLiteral(keyT[i], v.Text)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// checkDefaultRows refuses a new bound when the DEFAULT partition holds a
// row it would take (23514).
func checkDefaultRows(ec *Ctx, d *catalog.Writer, parent, def *catalog.Table, b *catalog.PartBound) error {
	if def == nil || def.Partitioned() {
		return nil
	}
	keyT := parent.PartKeyTypes()
	nb, err := exec.CompileBound(parent.Part.Strategy, keyT, b)
	if err != nil {
		return err
	}
	var idx []int
	for _, id := range parent.Part.Columns {
		i, _ := def.Column(parent.Columns[parent.ColIndexByID(id)].Name)
		idx = append(idx, i)
	}
	return forEachRow(ec, def, func(row []types.Datum, _ exec.RowRef) error {
		key := make([]types.Datum, len(idx))
		for i, j := range idx {
			key[i] = row[j]
		}
		if nb.Contains(keyT, key) {
			return pgerror.New(pgerror.CheckViolation, "updated partition constraint for default partition \"%s\" would be violated by some row", def.Name)
		}
		return nil
	})
}

// inheritFromParent gives a new partition t its parent's CHECK
// constraints, indexes, primary key, unique constraints and foreign keys
// (columns, defaults and NOT NULL come with LIKE).
func inheritFromParent(ec *Ctx, d *catalog.Writer, t, parent *catalog.Table) error {
	rv := &pg_query.RangeVar{Schemaname: catalog.SchemaName(parent.Schema), Relname: parent.Name, Inh: true}
	cons, idx, err := likeColumns(ec, d, &catalog.Table{Schema: t.Schema, Name: t.Name}, &pg_query.TableLikeClause{Relation: rv, Options: likeConstraints | likeIndexes})
	if err != nil {
		return err
	}
	return addInherited(ec, d, t, parent, cons, idx, false)
}

// addInherited adds to t what likeColumns gathered from parent, skipping
// what t already has (an ATTACHed table brings its own), and parent's
// foreign keys.
func addInherited(ec *Ctx, d *catalog.Writer, t, parent *catalog.Table, cons []*pg_query.Constraint, idx []likeIndex, existing bool) error {
	for _, con := range cons {
		switch con.Contype {
		case pg_query.ConstrType_CONSTR_PRIMARY:
			if len(t.PK) > 0 {
				continue
			}
		case pg_query.ConstrType_CONSTR_CHECK:
			if t.HasConstraintNamed(con.Conname) {
				continue
			}
		case pg_query.ConstrType_CONSTR_UNIQUE:
			if hasUniqueOn(t, plan.NodeStrings(con.Keys)) {
				continue
			}
		}
		if err := addConstraint(ec, d, t, con, nil, existing); err != nil {
			return err
		}
	}
	var todo []likeIndex
	for _, li := range idx {
		if !hasIndexLike(t, li) {
			todo = append(todo, li)
		}
	}
	if err := addLikeIndexes(ec, d, t, todo, existing); err != nil {
		return err
	}
	for _, fk := range parent.FKs {
		if t.FK(fk.Name) != nil {
			continue
		}
		ref := d.Cat.ByOID[fk.RefTable]
		if ref == nil {
			continue
		}
		if ref.OID == parent.OID {
			ref = parent
		}
		con := &pg_query.Constraint{Contype: pg_query.ConstrType_CONSTR_FOREIGN, Conname: fk.Name,
			Pktable:      &pg_query.RangeVar{Schemaname: catalog.SchemaName(ref.Schema), Relname: ref.Name, Inh: true},
			FkUpdAction:  string(rune(fk.OnUpdate)),
			FkDelAction:  string(rune(fk.OnDelete)),
			FkMatchtype:  string(rune(fk.Match)),
			Deferrable:   fk.Deferrable,
			Initdeferred: fk.Deferred,
		}
		for _, id := range fk.Columns {
			con.FkAttrs = append(con.FkAttrs, pg_query.MakeStrNode(parent.Columns[parent.ColIndexByID(id)].Name))
		}
		for _, id := range fk.RefColumns {
			con.PkAttrs = append(con.PkAttrs, pg_query.MakeStrNode(ref.Columns[ref.ColIndexByID(id)].Name))
		}
		if err := addConstraint(ec, d, t, con, nil, existing); err != nil {
			return err
		}
		if nf := t.FK(fk.Name); nf != nil {
			nf.From = fk.From
			if nf.From == 0 {
				nf.From = parent.OID
			}
		}
	}
	return nil
}

func hasUniqueOn(t *catalog.Table, names []string) bool {
	ids := make([]uint32, 0, len(names))
	for _, n := range names {
		_, c := t.Column(n)
		if c == nil {
			return false
		}
		ids = append(ids, c.ID)
	}
	for _, ix := range t.Indexes {
		if ix.Unique && ix.Plain() && sameIDs(ix.Columns, ids) {
			return true
		}
	}
	return false
}

func sameIDs(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hasIndexLike reports whether t has an index equal to li's source.
func hasIndexLike(t *catalog.Table, li likeIndex) bool {
	for _, ix := range t.Indexes {
		if ix.Unique != li.src.Unique || ix.Pred != li.src.Pred || len(ix.Columns) != len(li.cols) {
			continue
		}
		same := true
		for i, n := range li.cols {
			if n == "" {
				same = same && ix.Columns[i] == 0 && i < len(ix.Exprs) && i < len(li.src.Exprs) && ix.Exprs[i] == li.src.Exprs[i]
				continue
			}
			_, c := t.Column(n)
			same = same && c != nil && ix.Columns[i] == c.ID
		}
		if same {
			return true
		}
	}
	return false
}

// partitionColumnOptions applies PARTITION OF's "column WITH OPTIONS"
// (NOT NULL, DEFAULT) to a column t took from its parent; other
// constraints are returned to be added as the table's.
func partitionColumnOptions(d *catalog.Writer, p *plan.Planner, t *catalog.Table, cd *pg_query.ColumnDef) ([]*pg_query.Constraint, error) {
	_, c := t.Column(cd.Colname)
	if c == nil {
		return nil, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" does not exist", cd.Colname)
	}
	var rest []*pg_query.Constraint
	for _, cn := range cd.Constraints {
		con := cn.GetConstraint()
		switch con.Contype {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			c.NotNull = true
		case pg_query.ConstrType_CONSTR_DEFAULT:
			def, err := checkedDefault(p, con.RawExpr, c.Type)
			if err != nil {
				return nil, err
			}
			c.Default = def
		default:
			rest = append(rest, con)
		}
	}
	return rest, nil
}

// attachNew finishes CREATE TABLE t PARTITION OF parent FOR VALUES spec.
// MaxPartitions bounds the partitions, at every level, under one
// partitioned table: a statement on it plans a scan and a writer for each
// of its leaves, and adding a partition checks its bound against every
// sibling's.
const MaxPartitions = 4096

// checkPartitionCount refuses to add c (with its own partitions) under
// parent when the tree would pass MaxPartitions (54000).
func checkPartitionCount(d *catalog.Writer, parent, c *catalog.Table) error {
	root := d.Cat.Root(parent)
	n := 1
	for _, t := range d.Cat.ByOID {
		if t.PartOf == 0 || t.OID == c.OID {
			continue
		}
		if r := d.Cat.Root(t); r.OID == root.OID || r.OID == c.OID {
			n++
		}
	}
	if n > MaxPartitions {
		return pgerror.New(pgerror.ProgramLimitExceeded, "too many partitions under table \"%s\" (at most %d)", root.Name, MaxPartitions)
	}
	return nil
}

func attachNew(ec *Ctx, d *catalog.Writer, t, parent *catalog.Table, spec *pg_query.PartitionBoundSpec) error {
	if err := checkPartitionCount(d, parent, t); err != nil {
		return err
	}
	b, err := partitionBound(ec, d, parent, t.Name, spec)
	if err != nil {
		return err
	}
	def, err := checkOverlap(d, parent, t.Name, b)
	if err != nil {
		return err
	}
	if err := checkDefaultRows(ec, d, parent, def, b); err != nil {
		return err
	}
	if err := inheritFromParent(ec, d, t, parent); err != nil {
		return err
	}
	t.PartOf, t.Bound = parent.OID, b
	if err := d.PutTable(t); err != nil {
		return err
	}
	if err := inheritRowTriggers(d, t, parent); err != nil {
		return err
	}
	return d.PutTable(parent.Clone()) // a statement planned without t conflicts
}

// inheritRowTriggers gives a new partition its parent's row triggers.
func inheritRowTriggers(d *catalog.Writer, t, parent *catalog.Table) error {
	for _, g := range parent.Triggers {
		if !g.Row || t.Trigger(g.Name) != nil {
			continue
		}
		if err := cloneRowTrigger(d, d.Cat.ByOID[t.OID], parent, g, false); err != nil {
			return err
		}
	}
	return nil
}

// attachPartition runs ALTER TABLE parent ATTACH PARTITION (parent: the
// descriptor AlterTable writes back).
func attachPartition(ec *Ctx, d *catalog.Writer, parent *catalog.Table, pc *pg_query.PartitionCmd) error {
	if parent.Part == nil {
		return pgerror.New(pgerror.InvalidObjectDefinition, "table \"%s\" is not partitioned", parent.Name)
	}
	key, err := relKey(ec, d, pc.Name)
	if err != nil {
		return err
	}
	c, ok := d.Cat.Tables[key]
	if !ok {
		return plan.UndefinedTable(pc.Name)
	}
	if err := ec.Session.CheckOwner(d.Cat, c.Owner, "table", c.Name); err != nil {
		return err
	}
	if c.PartOf != 0 {
		return pgerror.New(pgerror.WrongObjectType, "\"%s\" is already a partition", c.Name)
	}
	if c.OID == parent.OID || c.OID == d.Cat.Root(parent).OID {
		return pgerror.New(pgerror.DuplicateTable, "circular inheritance not allowed")
	}
	for _, cc := range c.Columns {
		if _, pcol := parent.Column(cc.Name); pcol == nil {
			return &pgerror.Error{Code: pgerror.DatatypeMismatch,
				Message: fmt.Sprintf("table \"%s\" contains column \"%s\" not found in parent \"%s\"", c.Name, cc.Name, parent.Name),
				Detail:  "The new partition may contain only the columns present in parent."}
		}
	}
	for _, pcol := range parent.Columns {
		_, cc := c.Column(pcol.Name)
		switch {
		case cc == nil:
			return pgerror.New(pgerror.DatatypeMismatch, "child table is missing column \"%s\"", pcol.Name)
		case cc.Type != pcol.Type:
			return pgerror.New(pgerror.DatatypeMismatch, "child table \"%s\" has different type for column \"%s\"", c.Name, pcol.Name)
		case pcol.NotNull && !cc.NotNull:
			return pgerror.New(pgerror.DatatypeMismatch, "column \"%s\" in child table must be marked NOT NULL", pcol.Name)
		}
	}
	b, err := partitionBound(ec, d, parent, c.Name, pc.Bound)
	if err != nil {
		return err
	}
	if err := checkPartitionCount(d, parent, c); err != nil {
		return err
	}
	def, err := checkOverlap(d, parent, c.Name, b)
	if err != nil {
		return err
	}
	nc := c.Clone()
	nc.PartOf, nc.Bound = parent.OID, b
	cons, err := partConstraintOf(d, parent, nc)
	if err != nil {
		return err
	}
	if !nc.Partitioned() {
		if err := forEachRow(ec, nc, func(row []types.Datum, _ exec.RowRef) error {
			if !cons.Holds(row) {
				return pgerror.New(pgerror.CheckViolation, "partition constraint of relation \"%s\" is violated by some row", c.Name)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if err := checkDefaultRows(ec, d, parent, def, b); err != nil {
		return err
	}
	rv := &pg_query.RangeVar{Schemaname: catalog.SchemaName(parent.Schema), Relname: parent.Name, Inh: true}
	lcons, idx, err := likeColumns(ec, d, &catalog.Table{Schema: nc.Schema, Name: nc.Name}, &pg_query.TableLikeClause{Relation: rv, Options: likeConstraints | likeIndexes})
	if err != nil {
		return err
	}
	if err := addInherited(ec, d, nc, parent, lcons, idx, true); err != nil {
		return err
	}
	if err := d.PutTable(nc); err != nil {
		return err
	}
	return inheritRowTriggers(d, nc, parent)
}

// partConstraintOf compiles the partition constraint nc would have as a
// partition of parent (nc not yet in the catalog as one).
func partConstraintOf(d *catalog.Writer, parent, nc *catalog.Table) (*exec.PartConstraint, error) {
	cat := d.Cat.Copy()
	cat.ByOID[nc.OID] = nc
	cat.ByOID[parent.OID] = parent
	return exec.NewPartConstraint(cat, nc)
}

// detachPartition runs ALTER TABLE parent DETACH PARTITION.
func detachPartition(ec *Ctx, d *catalog.Writer, parent *catalog.Table, pc *pg_query.PartitionCmd) error {
	if parent.Part == nil {
		return pgerror.New(pgerror.WrongObjectType, "table \"%s\" is not partitioned", parent.Name)
	}
	if pc.Concurrent {
		return pgerror.Unsupported("DETACH PARTITION … CONCURRENTLY")
	}
	key, err := relKey(ec, d, pc.Name)
	if err != nil {
		return err
	}
	c, ok := d.Cat.Tables[key]
	if !ok {
		return plan.UndefinedTable(pc.Name)
	}
	if c.PartOf != parent.OID {
		return pgerror.New(pgerror.UndefinedTable, "relation \"%s\" is not a partition of relation \"%s\"", c.Name, parent.Name)
	}
	nc := c.Clone()
	nc.PartOf, nc.Bound = 0, nil
	return d.PutTable(nc)
}

// partitionsDeep returns t's partitions and theirs, depth first.
func partitionsDeep(cat *catalog.Catalog, t *catalog.Table) []*catalog.Table {
	var out []*catalog.Table
	for _, c := range cat.Partitions(t.OID) {
		out = append(out, c)
		out = append(out, partitionsDeep(cat, c)...)
	}
	return out
}

// indexPartitions makes CREATE INDEX on a partitioned table's index on
// each of its partitions that has no equal one (named for the partition).
func indexPartitions(ec *Ctx, d *catalog.Writer, t *catalog.Table, is *pg_query.IndexStmt) error {
	for _, c := range d.Cat.Partitions(t.OID) {
		ix, names, err := indexDefinition(ec, d, c, is)
		if err != nil {
			return err
		}
		li := likeIndex{src: ix, srcTable: c}
		for _, id := range ix.Columns {
			if id == 0 {
				li.cols = append(li.cols, "")
			} else {
				li.cols = append(li.cols, c.Columns[c.ColIndexByID(id)].Name)
			}
		}
		if !hasIndexLike(c, li) {
			ix.Name = chooseRelName(d, c.Schema, "idx", c.Name, strings.Join(names, "_"))
			ix.NullsNotDistinct = is.NullsNotDistinct
			nc := c.Clone()
			if err := addIndexDef(ec, d, nc, ix, true); err != nil {
				return err
			}
			if err := d.PutTable(nc); err != nil {
				return err
			}
		}
		if c.Partitioned() {
			if err := indexPartitions(ec, d, c, is); err != nil {
				return err
			}
		}
	}
	return nil
}

// alterPartitions applies ALTER TABLE's ADD COLUMN and ADD CONSTRAINT on
// a partitioned table to its partitions too, as PostgreSQL does (a
// primary key or unique constraint is named for each partition).
func alterPartitions(ec *Ctx, d *catalog.Writer, p *plan.Planner, t *catalog.Table, cmds []*pg_query.Node, w Noticer) error {
	var rec []*pg_query.AlterTableCmd
	for _, cn := range cmds {
		cmd := cn.GetAlterTableCmd()
		switch cmd.Subtype {
		case pg_query.AlterTableType_AT_AddColumn, pg_query.AlterTableType_AT_AddConstraint:
			rec = append(rec, cmd)
		}
	}
	if len(rec) == 0 {
		return nil
	}
	for _, c := range partitionsDeep(d.Cat, t) {
		nc := c.Clone()
		for _, cmd := range rec {
			if con := cmd.Def.GetConstraint(); con != nil && (con.Contype == pg_query.ConstrType_CONSTR_PRIMARY || con.Contype == pg_query.ConstrType_CONSTR_UNIQUE) {
				cc := proto.Clone(con).(*pg_query.Constraint)
				cc.Conname = ""
				cmd = &pg_query.AlterTableCmd{Subtype: cmd.Subtype, Def: &pg_query.Node{Node: &pg_query.Node_Constraint{Constraint: cc}}}
			}
			if err := alterCmd(ec, d, p, nc, cmd, w); err != nil {
				return err
			}
			nc.Init()
		}
		if err := d.PutTable(nc); err != nil {
			return err
		}
	}
	return nil
}

// checkHashModulus: every hash modulus must divide the next larger one;
// the new bound is checked against its neighbours in (modulus, remainder)
// order, as PostgreSQL's check_new_partition_bound does.
func checkHashModulus(d *catalog.Writer, parent *catalog.Table, b *catalog.PartBound) error {
	var prev, next *catalog.Table
	less := func(x, y *catalog.PartBound) bool {
		return x.Modulus < y.Modulus || x.Modulus == y.Modulus && x.Remainder < y.Remainder
	}
	for _, s := range d.Cat.Partitions(parent.OID) {
		sb := s.Bound
		if !less(b, sb) {
			if prev == nil || less(prev.Bound, sb) {
				prev = s
			}
		} else if next == nil || less(sb, next.Bound) {
			next = s
		}
	}
	fail := func(detail string) error {
		return &pgerror.Error{Code: pgerror.InvalidObjectDefinition,
			Message: "every hash partition modulus must be a factor of the next larger modulus", Detail: detail}
	}
	if prev != nil && b.Modulus%prev.Bound.Modulus != 0 {
		return fail(fmt.Sprintf("The new modulus %d is not divisible by %d, the modulus of existing partition \"%s\".", b.Modulus, prev.Bound.Modulus, prev.Name))
	}
	if next != nil && next.Bound.Modulus%b.Modulus != 0 {
		return fail(fmt.Sprintf("The new modulus %d is not a factor of %d, the modulus of existing partition \"%s\".", b.Modulus, next.Bound.Modulus, next.Name))
	}
	return nil
}

// attachIndexOnly reports whether cmds are only ATTACH PARTITION (of an
// index).
func attachIndexOnly(cmds []*pg_query.Node) bool {
	for _, cn := range cmds {
		if cn.GetAlterTableCmd().GetSubtype() != pg_query.AlterTableType_AT_AttachPartition {
			return false
		}
	}
	return len(cmds) > 0
}
