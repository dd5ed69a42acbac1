package pgcatalog

import (
	"strings"

	"logdb/sql/types"
)

// UserType is a type created with CREATE TYPE … AS ENUM or CREATE DOMAIN,
// for pg_type, pg_enum and pg_constraint (a domain's CHECKs) and
// information_schema.domains.
type UserType struct {
	OID      uint32
	ArrayOID uint32 // 0 for a domain
	Name     string
	Schema   string // "" is public
	Kind     byte   // 'e' enum, 'd' domain
	Owner    uint32
	Labels   []types.EnumLabel // an enum's, in sort order
	// A domain's base type, NOT NULL, default (as pg_get_expr prints it)
	// and CHECK constraints (Kind 'c', Def the expression over VALUE).
	Base        types.T
	NotNull     bool
	Default     string
	Constraints []Constraint
	// A composite type's fields, and the OID its fields' pg_attribute
	// rows name (pg_type.typrelid; there is no pg_class row).
	Fields []types.RecordField
	RelOID uint32
}

func init() {
	rowFuncs["pg_catalog.pg_enum"] = pgEnumRows
	rowFuncs["information_schema.domains"] = isDomainsRows
}

// userTypeRows adds the user types and their array types to pg_type.
func userTypeRows(r *rows, s *Schema) {
	for i := range s.Types {
		u := &s.Types[i]
		ns := s.namespaceOID(u.Schema)
		owner := u.Owner
		if owner == 0 {
			owner = SuperuserOID
		}
		if u.Kind == 'd' {
			bi, _ := types.InfoOf(u.Base.OID)
			align := "i"
			if bi.Align != 0 {
				align = string([]byte{bi.Align})
			}
			var def any
			if u.Default != "" {
				def = s.printTypeNames(u.Default)
			}
			r.add("oid", u.OID, "typname", u.Name, "typnamespace", ns, "typowner", owner,
				"typlen", bi.Len, "typbyval", bi.ByVal, "typtype", "d", "typcategory", string([]byte{bi.Category}),
				"typisdefined", true, "typdelim", ",", "typinput", "domain_in", "typoutput", typeRowOut(bi),
				"typreceive", "domain_recv", "typsend", typeRowSend(bi), "typalign", align,
				"typstorage", typStorage(bi.OID, bi.Len), "typnotnull", u.NotNull, "typbasetype", u.Base.OID,
				"typtypmod", u.Base.Mod, "typcollation", typCollation(u.Base.OID), "typdefault", def, "typdefaultbin", def)
			continue
		}
		align := "i"
		if u.Kind == 'c' {
			align = "d"
			r.add("oid", u.OID, "typname", u.Name, "typnamespace", ns, "typowner", owner,
				"typlen", -1, "typbyval", false, "typtype", "c", "typcategory", "C", "typisdefined", true, "typrelid", u.RelOID,
				"typdelim", ",", "typarray", u.ArrayOID, "typinput", "record_in", "typoutput", "record_out",
				"typreceive", "record_recv", "typsend", "record_send", "typalign", "d", "typstorage", "x", "typtypmod", -1)
		} else {
			r.add("oid", u.OID, "typname", u.Name, "typnamespace", ns, "typowner", owner,
				"typlen", 4, "typbyval", true, "typtype", "e", "typcategory", "E", "typisdefined", true,
				"typdelim", ",", "typarray", u.ArrayOID, "typinput", "enum_in", "typoutput", "enum_out",
				"typreceive", "enum_recv", "typsend", "enum_send", "typalign", "i", "typstorage", "p", "typtypmod", -1)
		}
		r.add("oid", u.ArrayOID, "typname", "_"+u.Name, "typnamespace", ns, "typowner", owner,
			"typlen", -1, "typbyval", false, "typtype", "b", "typcategory", "A", "typisdefined", true,
			"typdelim", ",", "typsubscript", "array_subscript_handler", "typelem", u.OID,
			"typinput", "array_in", "typoutput", "array_out", "typreceive", "array_recv",
			"typsend", "array_send", "typanalyze", "array_typanalyze", "typalign", align, "typstorage", "x",
			"typtypmod", -1)
	}
}

// typeRowOut and typeRowSend are a base type's output and send functions
// (a domain's are its base type's).
func typeRowOut(bi types.Info) string { return pairValue(typeRow(bi), "typoutput") }

func typeRowSend(bi types.Info) string { return pairValue(typeRow(bi), "typsend") }

// pairValue is the string value of column name in rows.add's pairs.
func pairValue(pairs []any, name string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] == name {
			s, _ := pairs[i+1].(string)
			return s
		}
	}
	return ""
}

func pgEnumRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Types {
		u := &s.Types[i]
		for _, l := range u.Labels {
			r.add("oid", l.OID, "enumtypid", u.OID, "enumsortorder", float64(l.Sort), "enumlabel", l.Label)
		}
	}
	return r.out
}

// userTypeName is format_type of a user type or its array: its name,
// schema-qualified when the schema is not in the print path (pg_dump
// empties search_path); ok is false for other OIDs.
func (s *Schema) userTypeName(oid uint32) (string, bool) {
	for i := range s.Types {
		u := &s.Types[i]
		if u.OID != oid && (u.ArrayOID == 0 || u.ArrayOID != oid) {
			continue
		}
		name := QuoteIdent(u.Name)
		if !s.userTypeVisible(u) {
			name = QuoteIdent(schemaOr(u.Schema)) + "." + name
		}
		if oid == u.ArrayOID {
			name += "[]"
		}
		return name, true
	}
	return "", false
}

// userTypeVisible is pg_type_is_visible of a user type: its schema is
// searched (and printed), and no built-in type has its name.
func (s *Schema) userTypeVisible(u *UserType) bool {
	ns := schemaOr(u.Schema)
	if !s.inSearchPath(ns) {
		return false
	}
	if s.PrintPath != nil {
		in := false
		for _, n := range s.PrintPath {
			in = in || n == ns
		}
		if !in {
			return false
		}
	}
	for _, n := range s.searchPath() { // an earlier schema's type of that name shadows it
		if n == ns {
			break
		}
		for i := range s.Types {
			if s.Types[i].Name == u.Name && schemaOr(s.Types[i].Schema) == n {
				return false
			}
		}
	}
	_, err := types.TypeFromName(u.Name, nil, 0)
	return err != nil
}

// attTypeOID and attTypmod are pg_attribute's atttypid and atttypmod: a
// domain column's type is the domain (its typmod is the domain's).
func attTypeOID(c *Column) uint32 {
	if c.Domain != 0 {
		return c.Domain
	}
	return c.Type.OID
}

func attTypmod(c *Column) int32 {
	if c.Domain != 0 {
		return -1
	}
	return c.Type.Mod
}

// userType returns the user type oid (nil for 0 or none).
func (s *Schema) userType(oid uint32) *UserType {
	if oid == 0 {
		return nil
	}
	for i := range s.Types {
		if s.Types[i].OID == oid {
			return &s.Types[i]
		}
	}
	return nil
}

func isDomainsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Types {
		u := &s.Types[i]
		if u.Kind != 'd' {
			continue
		}
		maxLen, octetLen := charFacts(u.Base)
		prec, radix, scale := numericFacts(u.Base)
		var def any
		if u.Default != "" {
			def = s.printTypeNames(u.Default)
		}
		r.add("domain_catalog", db, "domain_schema", schemaOr(u.Schema), "domain_name", u.Name,
			"data_type", infoDataType(u.Base), "character_maximum_length", maxLen, "character_octet_length", octetLen,
			"numeric_precision", prec, "numeric_precision_radix", radix, "numeric_scale", scale,
			"datetime_precision", datetimePrecision(u.Base), "domain_default", def,
			"udt_catalog", db, "udt_schema", udtSchema(u.Base.OID), "udt_name", typName(u.Base.OID), "dtd_identifier", "1")
	}
	return r.out
}

// domainConstraintRows adds the domains' CHECK constraints to
// pg_constraint (contypid set, conrelid 0).
func domainConstraintRows(v *View, r *rows, s *Schema) {
	for i := range s.Types {
		u := &s.Types[i]
		for j := range u.Constraints {
			c := &u.Constraints[j]
			row := r.add("oid", c.OID, "conname", c.Name, "connamespace", s.namespaceOID(u.Schema), "contype", "c",
				"convalidated", true, "contypid", u.OID, "confupdtype", " ", "confdeltype", " ",
				"confmatchtype", " ", "conislocal", true)
			v.set(row, "conbin", checkExpr(c.Def))
		}
	}
}

// domainConstraintDef is pg_get_constraintdef of a domain's CHECK
// constraint (NULL for an OID that is none).
func (s *Schema) domainConstraintDef(oid uint32, pretty bool) types.Datum {
	for i := range s.Types {
		for _, c := range s.Types[i].Constraints {
			if c.OID != oid {
				continue
			}
			if pretty {
				return prettyCheckDef(c.Def)
			}
			return checkDef(c.Def)
		}
	}
	return nil
}

// printTypeNames prints a stored expression's casts to user types as
// PostgreSQL's ruleutils does: the stored text names a type outside
// public with its schema (sql/plan QualifiedTypeNames), which is left
// out where the search path makes the type visible.
func (s *Schema) printTypeNames(expr string) string {
	if !strings.Contains(expr, "::") || len(s.Types) == 0 {
		return expr
	}
	return RewriteOutsideLiterals(expr, func(expr string, i int) (string, int) {
		if !strings.HasPrefix(expr[i:], "::") {
			return "", 0
		}
		schema, n := readIdent(expr[i+2:])
		if n > 0 && i+2+n < len(expr) && expr[i+2+n] == '.' {
			name, m := readIdent(expr[i+3+n:])
			if m > 0 && s.userTypeVisibleByName(schema, name) {
				return "::" + QuoteIdent(name), 3 + n + m
			}
		}
		return "", 0
	})
}

// readIdent reads an identifier at the start of e (quoted or not): its
// name and the bytes it takes; 0 when there is none.
func readIdent(e string) (string, int) {
	if e == "" {
		return "", 0
	}
	if e[0] == '"' {
		var b strings.Builder
		for i := 1; i < len(e); i++ {
			if e[i] == '"' {
				if i+1 < len(e) && e[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				return b.String(), i + 1
			}
			b.WriteByte(e[i])
		}
		return "", 0
	}
	i := 0
	for i < len(e) && (e[i] == '_' || e[i] >= 'a' && e[i] <= 'z' || i > 0 && (e[i] >= '0' && e[i] <= '9' || e[i] == '$')) {
		i++
	}
	return e[:i], i
}

// userTypeVisibleByName reports whether schema.name is a user type the
// search path makes visible.
func (s *Schema) userTypeVisibleByName(schema, name string) bool {
	for i := range s.Types {
		u := &s.Types[i]
		if u.Name == name && schemaOr(u.Schema) == schema {
			return s.userTypeVisible(u)
		}
	}
	return false
}

// RegtypeOut is regtype's output of a user type (or its array): its name,
// schema-qualified unless the search path makes it visible, as
// PostgreSQL's format_type prints it; ok is false for any other OID.
func (s *Schema) RegtypeOut(oid uint32) (string, bool) { return s.userTypeName(oid) }
