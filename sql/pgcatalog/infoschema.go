package pgcatalog

import (
	"fmt"
	"strconv"

	"logdb/sql/types"
)

// This file generates information_schema, as PostgreSQL 15 defines its
// views (src/backend/catalog/information_schema.sql), over user objects.

func init() {
	for name, f := range map[string]func(v *View, s *Schema) [][]types.Datum{
		"tables":                  isTablesRows,
		"columns":                 isColumnsRows,
		"schemata":                isSchemataRows,
		"table_constraints":       isTableConstraintsRows,
		"key_column_usage":        isKeyColumnUsageRows,
		"constraint_column_usage": isConstraintColumnUsageRows,
		"referential_constraints": isReferentialConstraintsRows,
		"check_constraints":       isCheckConstraintsRows,
		"sequences":               isSequencesRows,
		"views":                   isViewsRows,
		"triggers":                isTriggersRows, // triggers.go
		"enabled_roles":           isEnabledRolesRows,
		"character_sets":          isCharacterSetsRows,
		"column_udt_usage":        isColumnUDTUsageRows,
	} {
		rowFuncs["information_schema."+name] = f
	}
}

func (s *Schema) catalogName() string {
	if s.Database == "" {
		return "logdb"
	}
	return s.Database
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

func isTablesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Tables {
		t := &s.Tables[i]
		typ := "BASE TABLE"
		if persistence(t.Schema) == "t" {
			typ = "LOCAL TEMPORARY"
		}
		r.add("table_catalog", db, "table_schema", schemaOr(t.Schema), "table_name", t.Name,
			"table_type", typ, "is_insertable_into", "YES", "is_typed", "NO")
	}
	for i := range s.Views {
		uv := &s.Views[i]
		r.add("table_catalog", db, "table_schema", schemaOr(uv.Schema), "table_name", uv.Name,
			"table_type", "VIEW", "is_insertable_into", "NO", "is_typed", "NO")
	}
	for _, cv := range allViews {
		typ := "VIEW"
		if cv.Kind == 'r' {
			typ = "BASE TABLE"
		}
		r.add("table_catalog", db, "table_schema", cv.Schema, "table_name", cv.Name,
			"table_type", typ, "is_insertable_into", "NO", "is_typed", "NO")
	}
	return r.out
}

// infoDataType is information_schema's data_type: format_type without a
// typmod, "ARRAY" for arrays.
func infoDataType(t types.T) string {
	if types.IsArray(t.OID) {
		return "ARRAY"
	}
	switch t.OID {
	case types.BpcharOID:
		return "character"
	}
	if i, ok := types.InfoOf(t.OID); !ok || i.Category == 'E' || i.Category == 'C' {
		return "USER-DEFINED"
	}
	return types.FormatType(types.T{OID: t.OID, Mod: -1})
}

// numericFacts are the numeric_precision, numeric_precision_radix and
// numeric_scale of a type, NULL where PostgreSQL has NULL.
func numericFacts(t types.T) (prec, radix, scale any) {
	switch t.OID {
	case types.Int2OID:
		return int64(16), int64(2), int64(0)
	case types.Int4OID:
		return int64(32), int64(2), int64(0)
	case types.Int8OID:
		return int64(64), int64(2), int64(0)
	case types.Float4OID:
		return int64(24), int64(2), nil
	case types.Float8OID:
		return int64(53), int64(2), nil
	case types.NumericOID:
		if t.Mod >= 4 {
			m := t.Mod - 4
			return int64((m >> 16) & 0xffff), int64(10), int64(int16(m & 0xffff))
		}
		return nil, int64(10), nil
	}
	return nil, nil, nil
}

func charFacts(t types.T) (maxLen, octetLen any) {
	switch t.OID {
	case types.VarcharOID, types.BpcharOID:
		if t.Mod >= 4 {
			return int64(t.Mod - 4), int64(t.Mod-4) * 4
		}
		return nil, int64(1073741824)
	case types.TextOID:
		return nil, int64(1073741824)
	}
	return nil, nil
}

func datetimePrecision(t types.T) any {
	switch t.OID {
	case types.DateOID:
		return int64(0)
	case types.TimeOID, types.TimestampOID, types.TimestamptzOID, types.IntervalOID:
		if t.Mod >= 0 && t.OID != types.IntervalOID {
			return int64(t.Mod)
		}
		return int64(6)
	}
	return nil
}

// udtSchema is the schema of a column's type: public for a user type.
func udtSchema(oid types.OID) string {
	if i, ok := types.InfoOf(oid); ok && i.Category == 'A' {
		oid = i.Elem
	}
	if _, ok := types.UserTypeOf(oid); ok {
		return "public"
	}
	return "pg_catalog"
}

func typName(oid types.OID) string {
	if i, ok := types.InfoOf(oid); ok {
		return i.Name
	}
	return strconv.FormatUint(uint64(oid), 10)
}

func isColumnsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	add := func(schema, table string, c *Column, ordinal int, owner *Table) {
		maxLen, octetLen := charFacts(c.Type)
		prec, radix, scale := numericFacts(c.Type)
		row := r.add("table_catalog", db, "table_schema", schema, "table_name", table,
			"column_name", c.Name, "ordinal_position", ordinal, "is_nullable", yesNo(!c.NotNull),
			"data_type", infoDataType(c.Type), "character_maximum_length", maxLen,
			"character_octet_length", octetLen, "numeric_precision", prec, "numeric_precision_radix", radix,
			"numeric_scale", scale, "datetime_precision", datetimePrecision(c.Type),
			"udt_catalog", db, "udt_schema", udtSchema(c.Type.OID), "udt_name", typName(c.Type.OID),
			"dtd_identifier", strconv.Itoa(ordinal), "is_self_referencing", "NO",
			"is_identity", yesNo(c.Identity != 0), "identity_cycle", "NO", "is_generated", "NEVER",
			"is_updatable", yesNo(owner != nil))
		if u := s.userType(c.Domain); u != nil { // usertypes.go
			v.set(row, "domain_catalog", db)
			v.set(row, "domain_schema", schemaOr(u.Schema))
			v.set(row, "domain_name", u.Name)
		}
		switch {
		case c.Generated != "":
			v.set(row, "is_generated", "ALWAYS")
			v.set(row, "generation_expression", c.Generated)
		case c.Identity != 0:
			gen := "BY DEFAULT"
			if c.Identity == 'a' {
				gen = "ALWAYS"
			}
			v.set(row, "identity_generation", gen)
			if q := s.ownedSequence(owner, c.AttNum); q != nil {
				v.set(row, "identity_start", strconv.FormatInt(q.Start, 10))
				v.set(row, "identity_increment", strconv.FormatInt(q.Increment, 10))
				v.set(row, "identity_maximum", strconv.FormatInt(q.Max, 10))
				v.set(row, "identity_minimum", strconv.FormatInt(q.Min, 10))
				v.set(row, "identity_cycle", yesNo(q.Cycle))
			}
		case c.Default != "":
			v.set(row, "column_default", s.deparseExpr(c.Default))
		}
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		for j := range t.Columns {
			add(schemaOr(t.Schema), t.Name, &t.Columns[j], int(t.Columns[j].AttNum), t)
		}
	}
	for i := range s.Views {
		uv := &s.Views[i]
		for j := range uv.Columns {
			c := uv.Columns[j]
			c.NotNull, c.Default, c.Identity, c.Generated = false, "", 0, ""
			add(schemaOr(uv.Schema), uv.Name, &c, j+1, nil)
		}
	}
	return r.out
}

// ownedSequence returns the sequence owned by column attnum of t, or nil.
func (s *Schema) ownedSequence(t *Table, attnum int16) *Sequence {
	if t == nil {
		return nil
	}
	for i := range s.Sequences {
		if q := &s.Sequences[i]; q.OwnerTable == t.OID && q.OwnerAttNum == attnum {
			return q
		}
	}
	return nil
}

func isSchemataRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, n := range s.namespaces() {
		owner := s.user()
		if n.oid == PublicNamespace {
			owner = "pg_database_owner"
		}
		r.add("catalog_name", s.catalogName(), "schema_name", n.name, "schema_owner", owner)
	}
	return r.out
}

var constraintTypeNames = map[byte]string{'p': "PRIMARY KEY", 'u': "UNIQUE", 'f': "FOREIGN KEY", 'c': "CHECK"}

// notNullName is the name information_schema invents for a NOT NULL
// column: "2200_16386_1_not_null".
func notNullName(ns, rel uint32, attnum int16) string {
	return fmt.Sprintf("%d_%d_%d_not_null", ns, rel, attnum)
}

func isTableConstraintsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Tables {
		t := &s.Tables[i]
		schema := schemaOr(t.Schema)
		ns := s.namespaceOID(t.Schema)
		row := func(name, typ string, deferrable, deferred bool) []types.Datum {
			var nullsDistinct any
			if typ == "UNIQUE" {
				nullsDistinct = "YES"
			}
			return r.add("constraint_catalog", db, "constraint_schema", schema, "constraint_name", name,
				"table_catalog", db, "table_schema", schema, "table_name", t.Name, "constraint_type", typ,
				"is_deferrable", yesNo(deferrable), "initially_deferred", yesNo(deferred), "enforced", "YES",
				"nulls_distinct", nullsDistinct)
		}
		for _, c := range t.Columns {
			if c.NotNull {
				row(notNullName(ns, t.OID, c.AttNum), "CHECK", false, false)
			}
		}
		for _, c := range t.Constraints {
			if typ, ok := constraintTypeNames[c.Kind]; ok {
				row(c.Name, typ, c.Deferrable, c.Deferred)
			}
		}
	}
	return r.out
}

// uniqueConstraintFor returns the primary key or unique constraint of t
// backed by the index with OID ix.
func (t *Table) uniqueConstraintFor(ix uint32) *Constraint {
	for i := range t.Constraints {
		if c := &t.Constraints[i]; (c.Kind == 'p' || c.Kind == 'u') && c.IndexOID == ix {
			return c
		}
	}
	return nil
}

func isKeyColumnUsageRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Tables {
		t := &s.Tables[i]
		schema := schemaOr(t.Schema)
		for _, c := range t.Constraints {
			if c.Kind != 'p' && c.Kind != 'u' && c.Kind != 'f' {
				continue
			}
			var refUnique *Constraint
			if c.Kind == 'f' {
				if ref, ok := s.tableByOID(c.RefTableOID); ok {
					refUnique = ref.uniqueConstraintFor(s.fkIndexOID(&c))
				}
			}
			for k, attnum := range c.Columns {
				col := t.column(attnum)
				if col == nil {
					continue
				}
				var pos any
				if c.Kind == 'f' && k < len(c.RefColumns) {
					if refUnique != nil {
						for p, a := range refUnique.Columns {
							if a == c.RefColumns[k] {
								pos = int64(p + 1)
							}
						}
					} else {
						pos = int64(k + 1)
					}
				}
				r.add("constraint_catalog", db, "constraint_schema", schema, "constraint_name", c.Name,
					"table_catalog", db, "table_schema", schema, "table_name", t.Name, "column_name", col.Name,
					"ordinal_position", k+1, "position_in_unique_constraint", pos)
			}
		}
	}
	return r.out
}

func isConstraintColumnUsageRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Tables {
		t := &s.Tables[i]
		schema := schemaOr(t.Schema)
		for _, c := range t.Constraints {
			target, cols := t, c.Columns
			if c.Kind == 'f' {
				ref, ok := s.tableByOID(c.RefTableOID)
				if !ok {
					continue
				}
				target, cols = ref, c.RefColumns
			}
			for _, attnum := range cols {
				col := target.column(attnum)
				if col == nil {
					continue
				}
				r.add("table_catalog", db, "table_schema", schemaOr(target.Schema), "table_name", target.Name,
					"column_name", col.Name, "constraint_catalog", db, "constraint_schema", schema,
					"constraint_name", c.Name)
			}
		}
	}
	return r.out
}

func isReferentialConstraintsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Tables {
		t := &s.Tables[i]
		for _, c := range t.Constraints {
			if c.Kind != 'f' {
				continue
			}
			var uname, uschema any
			if ref, ok := s.tableByOID(c.RefTableOID); ok {
				if u := ref.uniqueConstraintFor(s.fkIndexOID(&c)); u != nil {
					uname, uschema = u.Name, schemaOr(ref.Schema)
				}
			}
			match := "NONE"
			if c.MatchType == 'f' {
				match = "FULL"
			}
			r.add("constraint_catalog", db, "constraint_schema", schemaOr(t.Schema), "constraint_name", c.Name,
				"unique_constraint_catalog", db, "unique_constraint_schema", uschema,
				"unique_constraint_name", uname, "match_option", match,
				"update_rule", fkRule(c.OnUpdate), "delete_rule", fkRule(c.OnDelete))
		}
	}
	return r.out
}

func isCheckConstraintsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Tables {
		t := &s.Tables[i]
		schema := schemaOr(t.Schema)
		for _, c := range t.Constraints {
			if c.Kind == 'c' {
				r.add("constraint_catalog", db, "constraint_schema", schema, "constraint_name", c.Name,
					"check_clause", "("+s.printTypeNames(checkExpr(c.Def))+")")
			}
		}
		ns := s.namespaceOID(t.Schema)
		for _, col := range t.Columns {
			if col.NotNull {
				r.add("constraint_catalog", db, "constraint_schema", schema,
					"constraint_name", notNullName(ns, t.OID, col.AttNum),
					"check_clause", QuoteIdent(col.Name)+" IS NOT NULL")
			}
		}
	}
	return r.out
}

func isSequencesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Sequences {
		q := &s.Sequences[i]
		typ := seqType(q)
		prec, radix, scale := numericFacts(typ)
		r.add("sequence_catalog", db, "sequence_schema", schemaOr(q.Schema), "sequence_name", q.Name,
			"data_type", infoDataType(typ), "numeric_precision", prec, "numeric_precision_radix", radix,
			"numeric_scale", scale, "start_value", strconv.FormatInt(q.Start, 10),
			"minimum_value", strconv.FormatInt(q.Min, 10), "maximum_value", strconv.FormatInt(q.Max, 10),
			"increment", strconv.FormatInt(q.Increment, 10), "cycle_option", yesNo(q.Cycle))
	}
	return r.out
}

func isViewsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Views {
		uv := &s.Views[i]
		r.add("table_catalog", db, "table_schema", schemaOr(uv.Schema), "table_name", uv.Name,
			"view_definition", uv.Definition, "check_option", "NONE", "is_updatable", "NO",
			"is_insertable_into", "NO", "is_trigger_updatable", "NO", "is_trigger_deletable", "NO",
			"is_trigger_insertable_into", "NO")
	}
	return r.out
}

func isEnabledRolesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	r.add("role_name", s.user())
	return r.out
}

func isCharacterSetsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	r.add("character_set_name", "UTF8", "character_repertoire", "UCS", "form_of_use", "UTF8",
		"default_collate_catalog", s.catalogName(), "default_collate_schema", "pg_catalog",
		"default_collate_name", "C")
	return r.out
}

func isColumnUDTUsageRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Tables {
		t := &s.Tables[i]
		for _, c := range t.Columns {
			r.add("udt_catalog", db, "udt_schema", udtSchema(c.Type.OID), "udt_name", typName(c.Type.OID),
				"table_catalog", db, "table_schema", schemaOr(t.Schema), "table_name", t.Name,
				"column_name", c.Name)
		}
	}
	return r.out
}
