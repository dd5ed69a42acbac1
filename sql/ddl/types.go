package ddl

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// maxLabelLen is NAMEDATALEN-1: an enum label's bound in bytes.
const maxLabelLen = 63

func typeOfRelationExists(name string) error {
	return &pgerror.Error{Code: pgerror.DuplicateObject, Message: "type \"" + name + "\" already exists",
		Hint: "A relation has an associated type of the same name, so you must use a name that doesn't conflict with any existing type."}
}

func checkLabel(l string) error {
	if len(l) == 0 || len(l) > maxLabelLen {
		return &pgerror.Error{Code: "42602", Message: "invalid enum label \"" + l + "\"",
			Detail: "Labels must be 63 bytes or less."}
	}
	return nil
}

// CreateEnum is CREATE TYPE name AS ENUM ('label', …).
func CreateEnum(ec *Ctx, d *catalog.Writer, cs *pg_query.CreateEnumStmt) error {
	schema, name, err := createdTypeName(ec, d, plan.NodeStrings(cs.TypeName))
	if err != nil {
		return err
	}
	labels := plan.NodeStrings(cs.Vals)
	if len(labels) > catalog.MaxEnumLabels {
		return pgerror.New(pgerror.ProgramLimitExceeded, "too many enum labels (at most %d)", catalog.MaxEnumLabels)
	}
	for _, l := range labels {
		if err := checkLabel(l); err != nil {
			return err
		}
	}
	first, err := d.NewOIDs(2 + len(labels))
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, l := range labels {
		if seen[l] {
			return &pgerror.Error{Code: pgerror.UniqueViolation, Message: "duplicate key value violates unique constraint \"pg_enum_typid_label_index\"",
				Detail: "Key (enumtypid, enumlabel)=(" + itoa(int(first)) + ", " + l + ") already exists."}
		}
		seen[l] = true
	}
	t := &catalog.TypeDesc{OID: first, ArrayOID: first + 1, Name: name, Schema: storedSchema(schema), Kind: "e", Owner: d.Owner}
	for i, l := range labels {
		t.Labels = append(t.Labels, types.EnumLabel{OID: first + 2 + uint32(i), Sort: float32(i + 1), Label: l})
	}
	return d.PutType(t)
}

// AlterEnum is ALTER TYPE … ADD VALUE [IF NOT EXISTS] 'l' [BEFORE|AFTER 'n']
// and ALTER TYPE … RENAME VALUE 'a' TO 'b'. Sort orders follow
// PostgreSQL's AddEnumLabel: the last plus one at the end, the first
// minus one at the start, else the float4 midpoint of the neighbours.
func AlterEnum(ec *Ctx, d *catalog.Writer, as *pg_query.AlterEnumStmt, w Noticer) error {
	schema, name, full, err := typeRef(ec, d, plan.NodeStrings(as.TypeName))
	if err != nil {
		return err
	}
	old, ok := d.Cat.TypeIn(ec.Session.Planner(d.Cat).SearchPath(), schema, name)
	if !ok && d.Cat.RelationExists(d.Cat.RelKey(ec.Session.Planner(d.Cat).SearchPath(), schema, name)) {
		return pgerror.New("42809", "%s is not an enum", name)
	}
	if !ok {
		return pgerror.New(pgerror.UndefinedObject, "type \"%s\" does not exist", full)
	}
	if old.Kind != "e" {
		return pgerror.New("42809", "%s is not an enum", name)
	}
	if err := ec.Session.CheckOwner(d.Cat, old.Owner, "type", name); err != nil {
		return err
	}
	t := old.Clone()
	find := func(l string) int {
		for i, x := range t.Labels {
			if x.Label == l {
				return i
			}
		}
		return -1
	}
	if as.OldVal != "" { // RENAME VALUE
		i := find(as.OldVal)
		if i < 0 {
			return pgerror.New(pgerror.InvalidParameterValue, "\"%s\" is not an existing enum label", as.OldVal)
		}
		if find(as.NewVal) >= 0 {
			return pgerror.New(pgerror.DuplicateObject, "enum label \"%s\" already exists", as.NewVal)
		}
		if err := checkLabel(as.NewVal); err != nil {
			return err
		}
		t.Labels[i].Label = as.NewVal
		return d.PutType(t)
	}
	if err := checkLabel(as.NewVal); err != nil {
		return err
	}
	if find(as.NewVal) >= 0 {
		if as.SkipIfNewValExists {
			_ = w.Notice(Notice(pgerror.DuplicateObject, "enum label \""+as.NewVal+"\" already exists, skipping"))
			return nil
		}
		return pgerror.New(pgerror.DuplicateObject, "enum label \"%s\" already exists", as.NewVal)
	}
	if len(t.Labels) >= catalog.MaxEnumLabels {
		return pgerror.New(pgerror.ProgramLimitExceeded, "too many enum labels (at most %d)", catalog.MaxEnumLabels)
	}
	var sort float32
	switch {
	case len(t.Labels) == 0:
		sort = 1
	case as.NewValNeighbor == "":
		sort = t.Labels[len(t.Labels)-1].Sort + 1
	default:
		i := find(as.NewValNeighbor)
		if i < 0 {
			return pgerror.New(pgerror.InvalidParameterValue, "\"%s\" is not an existing enum label", as.NewValNeighbor)
		}
		j := i - 1 // the other neighbour
		if as.NewValIsAfter {
			j = i + 1
		}
		switch {
		case j < 0:
			sort = t.Labels[i].Sort - 1
		case j >= len(t.Labels):
			sort = t.Labels[i].Sort + 1
		default:
			a, b := t.Labels[i].Sort, t.Labels[j].Sort
			sort = (a + b) / 2
			if sort == a || sort == b {
				// PostgreSQL renumbers the type's labels here; values are
				// stored by sort order, so logdb cannot.
				return pgerror.New(pgerror.ProgramLimitExceeded, "no room for a new label between \"%s\" and \"%s\" of enum %s", t.Labels[min(i, j)].Label, t.Labels[max(i, j)].Label, name)
			}
		}
	}
	oid, err := d.NewOIDs(1)
	if err != nil {
		return err
	}
	t.Labels = append(t.Labels, types.EnumLabel{OID: oid, Sort: sort, Label: as.NewVal})
	sortLabels(t.Labels)
	return d.PutType(t)
}

func sortLabels(ls []types.EnumLabel) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && ls[j].Sort < ls[j-1].Sort; j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

// alteredType finds the type an ALTER TYPE / DOMAIN names (42704 when
// there is none; 42809 when a DOMAIN statement names another kind).
func alteredType(ec *Ctx, d *catalog.Writer, obj *pg_query.Node, kind pg_query.ObjectType) (*catalog.TypeDesc, string, error) {
	nodes := []*pg_query.Node{obj}
	if l := obj.GetList(); l != nil {
		nodes = l.Items
	}
	schema, name, full, err := typeRef(ec, d, plan.NodeStrings(nodes))
	if err != nil {
		return nil, "", err
	}
	t, ok := d.Cat.TypeIn(ec.Session.Planner(d.Cat).SearchPath(), schema, name)
	if !ok {
		return nil, "", pgerror.New(pgerror.UndefinedObject, "type \"%s\" does not exist", full)
	}
	if kind == pg_query.ObjectType_OBJECT_DOMAIN && t.Kind != "d" {
		return nil, "", pgerror.New("42809", "%s is not a domain", name)
	}
	return t, name, nil
}

// RenameType is ALTER TYPE / DOMAIN … RENAME TO.
func RenameType(ec *Ctx, d *catalog.Writer, rs *pg_query.RenameStmt) error {
	old, name, err := alteredType(ec, d, rs.Object, rs.RenameType)
	if err != nil {
		return err
	}
	if err := ec.Session.CheckOwner(d.Cat, old.Owner, "type", name); err != nil {
		return err
	}
	if err := checkTypeNameFree(d, catalog.SchemaName(old.Schema), rs.Newname); err != nil {
		return err
	}
	t := old.Clone()
	t.Name = rs.Newname
	return d.PutType(t)
}

// dropTypes is DROP TYPE / DROP DOMAIN: 2BP01 while a column uses the
// type, unless CASCADE, which drops those columns.
func dropTypes(ec *Ctx, d *catalog.Writer, ds *pg_query.DropStmt, w Noticer) error {
	domain := ds.RemoveType == pg_query.ObjectType_OBJECT_DOMAIN
	for _, obj := range ds.Objects {
		var nodes []*pg_query.Node
		if l := obj.GetList(); l != nil {
			nodes = l.Items
		} else if tn := obj.GetTypeName(); tn != nil {
			nodes = tn.Names
		} else {
			nodes = []*pg_query.Node{obj}
		}
		schema, name, full, err := typeRef(ec, d, plan.NodeStrings(nodes))
		if err != nil {
			if ds.MissingOk && pgerror.Code(err) == "3F000" {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "schema \""+schema+"\" does not exist, skipping"))
				continue
			}
			return err
		}
		path := ec.Session.Planner(d.Cat).SearchPath()
		t, ok := d.Cat.TypeIn(path, schema, name)
		if !ok && d.Cat.RelationExists(d.Cat.RelKey(path, schema, name)) {
			if domain {
				return pgerror.New("42809", "\"%s\" is not a domain", name)
			}
			return &pgerror.Error{Code: "42809", Message: name + " is a table's row type", Hint: "Use DROP TABLE to remove a table."}
		}
		if !ok {
			if ds.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "type \""+full+"\" does not exist, skipping"))
				continue
			}
			return pgerror.New(pgerror.UndefinedObject, "type \"%s\" does not exist", full)
		}
		if domain && t.Kind != "d" {
			return pgerror.New("42809", "\"%s\" is not a domain", name)
		}
		if err := ec.Session.CheckOwner(d.Cat, t.Owner, "type", name); err != nil {
			return err
		}
		kind := "type" // PostgreSQL says type for domains too
		users := d.Cat.TypeUsers(t.OID)
		if len(users) > 0 {
			if ds.Behavior != pg_query.DropBehavior_DROP_CASCADE {
				detail := make([]string, len(users))
				for i, u := range users {
					detail[i] = u + " depends on " + kind + " " + name
				}
				return &pgerror.Error{Code: pgerror.DependentObjectsStillExist,
					Message: "cannot drop " + kind + " " + name + " because other objects depend on it",
					Detail:  strings.Join(detail, "\n"), Hint: "Use DROP ... CASCADE to drop the dependent objects too."}
			}
			for _, u := range users {
				if strings.Contains(u, " of composite type ") {
					return pgerror.Unsupported("DROP TYPE … CASCADE of a type a composite type uses")
				}
			}
			if err := dropTypeColumns(ec, d, t, users, w, ""); err != nil {
				return err
			}
		}
		d.DeleteType(t)
	}
	return nil
}

// dropTypeColumns drops the columns of type t (DROP TYPE … CASCADE).
// Tables in schema skip (being dropped) are left alone.
func dropTypeColumns(ec *Ctx, d *catalog.Writer, t *catalog.TypeDesc, users []string, w Noticer, skip string) error {
	if len(users) == 1 {
		_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "drop cascades to "+users[0]))
	} else {
		_ = w.Notice(&pgerror.Error{Code: pgerror.SuccessfulCompletion, Severity: "NOTICE",
			Message: "drop cascades to " + itoa(len(users)) + " other objects",
			Detail:  "drop cascades to " + strings.Join(users, "\ndrop cascades to ")})
	}
	for _, tab := range d.Cat.SortedTables() {
		if skip != "" && catalog.SchemaName(tab.Schema) == skip {
			continue
		}
		for _, col := range tab.Columns {
			if col.Type.OID == t.OID || t.ArrayOID != 0 && col.Type.OID == t.ArrayOID || col.Domain == t.OID {
				if err := dropColumnForType(ec, d, catalog.SchemaName(tab.Schema), tab.Name, col.Name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}

// dropColumnForType is ALTER TABLE tab DROP COLUMN col CASCADE.
func dropColumnForType(ec *Ctx, d *catalog.Writer, schema, tab, col string) error {
	at := &pg_query.AlterTableStmt{Relation: &pg_query.RangeVar{Schemaname: schema, Relname: tab, Inh: true}, Objtype: pg_query.ObjectType_OBJECT_TABLE,
		Cmds: []*pg_query.Node{{Node: &pg_query.Node_AlterTableCmd{AlterTableCmd: &pg_query.AlterTableCmd{
			Subtype: pg_query.AlterTableType_AT_DropColumn, Name: col, Behavior: pg_query.DropBehavior_DROP_CASCADE}}}}}
	return AlterTable(ec, d, at, quietNoticer{})
}

// quietNoticer drops notices (those of a cascade already announced).
type quietNoticer struct{}

func (quietNoticer) Notice(*pgerror.Error) error { return nil }

// AlterTypeOwner is ALTER TYPE / DOMAIN … OWNER TO (pg_dump writes it).
func AlterTypeOwner(ec *Ctx, d *catalog.Writer, as *pg_query.AlterOwnerStmt) error {
	old, name, err := alteredType(ec, d, as.Object, as.ObjectType)
	if err != nil {
		return err
	}
	owner, err := ec.Session.NewOwner(d.Cat, as.Newowner, old.Owner, "type", name)
	if err != nil {
		return err
	}
	if owner == old.Owner {
		return nil
	}
	t := old.Clone()
	t.Owner = owner
	return d.PutType(t)
}

// CreateComposite is CREATE TYPE name AS (field type, …).
func CreateComposite(ec *Ctx, d *catalog.Writer, cs *pg_query.CompositeTypeStmt) error {
	rv := cs.Typevar
	names := []string{rv.Relname}
	if rv.Schemaname != "" {
		names = []string{rv.Schemaname, rv.Relname}
	}
	schema, _, err := createdTypeName(ec, d, names)
	if err != nil {
		return err
	}
	if d.Cat.RelationExists(catalog.Key(schema, rv.Relname)) { // a composite type has a pg_class row too
		return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", rv.Relname)
	}
	if len(cs.Coldeflist) > 1600 {
		return pgerror.New(pgerror.ProgramLimitExceeded, "tables can have at most 1600 columns")
	}
	p := ec.Session.Planner(d.Cat)
	var fields []types.RecordField
	seen := map[string]bool{}
	for _, n := range cs.Coldeflist {
		cd := n.GetColumnDef()
		if cd == nil {
			continue
		}
		if seen[cd.Colname] {
			return pgerror.New(pgerror.DuplicateColumn, "column \"%s\" specified more than once", cd.Colname)
		}
		seen[cd.Colname] = true
		ft, err := p.TypeFromNode(cd.TypeName)
		if err != nil {
			return err
		}
		if p.DomainOf(cd.TypeName) != nil {
			return pgerror.Unsupported("composite type fields of a domain type")
		}
		fields = append(fields, types.RecordField{Name: cd.Colname, T: ft})
	}
	first, err := d.NewOIDs(3)
	if err != nil {
		return err
	}
	return d.PutType(&catalog.TypeDesc{OID: first, ArrayOID: first + 1, RelOID: first + 2, Name: rv.Relname, Schema: storedSchema(schema), Kind: "c", Owner: d.Owner, Fields: fields})
}

// AlterComposite is ALTER TYPE name ADD ATTRIBUTE | DROP ATTRIBUTE [IF
// EXISTS] | ALTER ATTRIBUTE … [SET DATA] TYPE of a composite type. As in
// PostgreSQL, ALTER ATTRIBUTE is refused (0A000) while a table column
// stores the type (directly, in an array or inside another composite
// type); ADD and DROP are refused then too (PostgreSQL allows them: it
// reads old values through the new type; logdb never rewrites them).
func AlterComposite(ec *Ctx, d *catalog.Writer, at *pg_query.AlterTableStmt, w Noticer) error {
	rv := at.Relation
	if rv.Schemaname != "" && !d.Cat.SchemaExists(rv.Schemaname) {
		return pgerror.New("3F000", "schema \"%s\" does not exist", rv.Schemaname)
	}
	path := ec.Session.Planner(d.Cat).SearchPath()
	old, ok := d.Cat.TypeIn(path, rv.Schemaname, rv.Relname)
	if !ok && d.Cat.RelationExists(d.Cat.RelKey(path, rv.Schemaname, rv.Relname)) {
		return pgerror.New("42809", "\"%s\" is not a composite type", rv.Relname)
	}
	if !ok || old.Kind != "c" { // an enum or a domain has no pg_class row
		return pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", rv.Relname)
	}
	if err := ec.Session.CheckOwner(d.Cat, old.Owner, "type", rv.Relname); err != nil {
		return err
	}
	t := old.Clone()
	find := func(name string) int {
		for i, f := range t.Fields {
			if f.Name == name {
				return i
			}
		}
		return -1
	}
	p := ec.Session.Planner(d.Cat)
	fieldType := func(tn *pg_query.TypeName) (types.T, error) {
		ft, err := p.TypeFromNode(tn)
		if err != nil {
			return types.T{}, err
		}
		if p.DomainOf(tn) != nil {
			return types.T{}, pgerror.Unsupported("composite type fields of a domain type")
		}
		if ft.OID == old.OID || ft.OID == old.ArrayOID {
			return types.T{}, pgerror.New("42P16", "composite type %s cannot be made a member of itself", rv.Relname)
		}
		return ft, nil
	}
	stored := storingColumn(d.Cat, old.OID, map[uint32]bool{})
	// PostgreSQL reads stored values through a type with fields added or
	// dropped; logdb's are encoded by position and never rewritten.
	refuseStored := func() error {
		if stored == "" {
			return nil
		}
		return pgerror.Unsupported("ALTER TYPE … ADD/DROP ATTRIBUTE of a type a table column stores (" + stored + ")")
	}
	for _, n := range at.Cmds {
		cmd := n.GetAlterTableCmd()
		switch cmd.Subtype {
		case pg_query.AlterTableType_AT_AddColumn:
			cd := cmd.Def.GetColumnDef()
			if find(cd.Colname) >= 0 {
				return pgerror.New(pgerror.DuplicateColumn, "column \"%s\" of relation \"%s\" already exists", cd.Colname, rv.Relname)
			}
			if len(t.Fields) >= 1600 {
				return pgerror.New(pgerror.ProgramLimitExceeded, "tables can have at most 1600 columns")
			}
			ft, err := fieldType(cd.TypeName)
			if err != nil {
				return err
			}
			if err := refuseStored(); err != nil {
				return err
			}
			t.Fields = append(t.Fields, types.RecordField{Name: cd.Colname, T: ft})
		case pg_query.AlterTableType_AT_DropColumn:
			i := find(cmd.Name)
			if i < 0 {
				if cmd.MissingOk {
					_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "column \""+cmd.Name+"\" of relation \""+rv.Relname+"\" does not exist, skipping"))
					continue
				}
				return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", cmd.Name, rv.Relname)
			}
			if err := refuseStored(); err != nil {
				return err
			}
			t.Fields = append(t.Fields[:i:i], t.Fields[i+1:]...)
		case pg_query.AlterTableType_AT_AlterColumnType:
			i := find(cmd.Name)
			if i < 0 {
				return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", cmd.Name, rv.Relname)
			}
			ft, err := fieldType(cmd.Def.GetColumnDef().TypeName)
			if err != nil {
				return err
			}
			if stored != "" {
				return pgerror.New(pgerror.FeatureNotSupported, "cannot alter type \"%s\" because column \"%s\" uses it", rv.Relname, stored)
			}
			t.Fields[i].T = ft
		default:
			return pgerror.Unsupported("ALTER TYPE " + strings.ToLower(strings.TrimPrefix(cmd.Subtype.String(), "AT_")))
		}
	}
	return d.PutType(t)
}

// storingColumn names ("table.column") a table column that stores values
// of type oid: of the type, an array of it, or a composite type holding
// it; "" when none does.
func storingColumn(cat *catalog.Catalog, oid uint32, seen map[uint32]bool) string {
	if seen[oid] {
		return ""
	}
	seen[oid] = true
	d := cat.TypeOID[oid]
	uses := func(x uint32) bool { return x == oid || d != nil && d.ArrayOID != 0 && x == d.ArrayOID }
	for _, t := range cat.SortedTables() {
		for _, col := range t.Columns {
			if uses(col.Type.OID) || col.Domain == oid {
				return t.Name + "." + col.Name
			}
		}
	}
	for _, c := range cat.SortedTypes() {
		for _, f := range c.Fields {
			if uses(f.T.OID) {
				if col := storingColumn(cat, c.OID, seen); col != "" {
					return col
				}
			}
		}
	}
	return ""
}
