package pgcatalog

import (
	"regexp"
	"strings"

	"logdb/sql/types"
)

// This file generates pg_depend and keeps stored expressions' relation
// references right: pg_dump orders its output by pg_depend (a serial
// column's default depends on its sequence, which the column owns, so the
// default must be dumped separately), and pg_get_expr prints a regclass
// constant schema-qualified when the search path does not find it.

func init() {
	rowFuncs["pg_catalog.pg_depend"] = pgDependRows
	rowFuncs["pg_catalog.pg_rewrite"] = pgRewriteRows
}

// viewRuleOID is the OID of a view's "_RETURN" rule (pg_rewrite): not
// stored, derived from the view's so it is stable.
func viewRuleOID(view uint32) uint32 { return 0x50000000 | view&0x0fffffff }

// pgRewriteRows lists each user view's "_RETURN" rule, through which
// pg_depend says what the view reads (pg_dump orders views by it).
func pgRewriteRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Views {
		uv := &s.Views[i]
		r.add("oid", viewRuleOID(uv.OID), "rulename", "_RETURN", "ev_class", uv.OID, "ev_type", "1", "ev_enabled", "O", "is_instead", true)
	}
	return r.out
}

// Catalog OIDs used as pg_depend.classid / refclassid.
const (
	classPgClass      = 1259
	classPgAttrdef    = 2604
	classPgConstraint = 2606
	classPgRewrite    = 2618
)

func pgDependRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	dep := func(class, obj uint32, ref, refobj uint32, refsub int16, deptype string) {
		r.add("classid", class, "objid", obj, "objsubid", 0, "refclassid", ref,
			"refobjid", refobj, "refobjsubid", refsub, "deptype", deptype)
	}
	// A serial column's sequence depends on the column automatically, an
	// identity column's internally.
	for i := range s.Sequences {
		q := &s.Sequences[i]
		if q.OwnerTable == 0 {
			continue
		}
		deptype := "a"
		if t, ok := s.tableByOID(q.OwnerTable); ok {
			if c := t.column(q.OwnerAttNum); c != nil && c.Identity != 0 {
				deptype = "i"
			}
		}
		dep(classPgClass, q.OID, classPgClass, q.OwnerTable, q.OwnerAttNum, deptype)
	}
	// A view's rule belongs to the view and depends on what it reads.
	for i := range s.Views {
		uv := &s.Views[i]
		dep(classPgRewrite, viewRuleOID(uv.OID), classPgClass, uv.OID, 0, "i")
		for _, rel := range uv.Reads {
			dep(classPgRewrite, viewRuleOID(uv.OID), classPgClass, rel, 0, "n")
		}
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		// Column defaults depend on their column, and normally on the
		// relations they name ('users_id_seq'::regclass).
		for _, c := range t.Columns {
			expr := c.Default
			if c.Generated != "" {
				expr = c.Generated
			}
			if expr == "" {
				continue
			}
			def := attrdefOID(t.OID, c.AttNum)
			dep(classPgAttrdef, def, classPgClass, t.OID, c.AttNum, "a")
			for _, rel := range s.regclassRefs(expr) {
				dep(classPgAttrdef, def, classPgClass, rel, 0, "n")
			}
		}
		constrained := map[uint32]bool{}
		for _, c := range t.Constraints {
			if c.IndexOID != 0 && (c.Kind == 'p' || c.Kind == 'u') {
				constrained[c.IndexOID] = true
				dep(classPgClass, c.IndexOID, classPgConstraint, c.OID, 0, "i")
			}
			for _, attnum := range c.Columns {
				dep(classPgConstraint, c.OID, classPgClass, t.OID, attnum, "a")
				if c.Kind == 'c' { // the expression uses the column too
					dep(classPgConstraint, c.OID, classPgClass, t.OID, attnum, "n")
				}
			}
			if c.Kind == 'f' {
				if ix := s.fkIndexOID(&c); ix != 0 {
					dep(classPgConstraint, c.OID, classPgClass, ix, 0, "n")
				}
				for _, attnum := range c.RefColumns {
					dep(classPgConstraint, c.OID, classPgClass, c.RefTableOID, attnum, "n")
				}
			}
		}
		// A plain index depends on its columns.
		for _, ix := range t.Indexes {
			if constrained[ix.OID] {
				continue
			}
			for _, attnum := range ix.Columns {
				if attnum != 0 { // an expression element
					dep(classPgClass, ix.OID, classPgClass, t.OID, attnum, "a")
				}
			}
		}
	}
	return r.out
}

// regclassLiteral matches a regclass constant in a stored expression:
// 'users_id_seq'::regclass.
var regclassLiteral = regexp.MustCompile(`'((?:[^']|'')*)'::regclass`)

// storedRelation resolves the name in a stored regclass constant. Stored
// expressions are written as PostgreSQL prints them with the default
// search path, so an unqualified name is looked up in public, then
// pg_catalog; a mixed-case name the engine left unquoted is tried as is.
func (s *Schema) storedRelation(lit string) (relation, bool) {
	name := strings.ReplaceAll(lit, "''", "'")
	parts, err := splitQualifiedName(name)
	if err == nil {
		switch len(parts) {
		case 1:
			for _, ns := range []string{"public", "pg_catalog"} {
				if r, ok := s.relationIn(ns, parts[0]); ok {
					return r, true
				}
			}
		case 2:
			if r, ok := s.relationIn(parts[0], parts[1]); ok {
				return r, true
			}
		}
	}
	return s.relationIn("public", name)
}

// regclassRefs returns the relations an expression names in regclass
// constants.
func (s *Schema) regclassRefs(expr string) []uint32 {
	var out []uint32
	for _, m := range regclassLiteral.FindAllStringSubmatch(expr, -1) {
		if r, ok := s.storedRelation(m[1]); ok {
			out = append(out, r.oid)
		}
	}
	return out
}

// deparseExpr is pg_get_expr of a stored expression: regclass constants
// are printed for the current search path, qualified when not visible
// ('public.users_id_seq'::regclass under an empty search_path, as pg_dump
// sets it) and quoted where needed ('"Order_id_seq"'::regclass).
func (s *Schema) deparseExpr(expr string) string {
	expr = s.printTypeNames(expr) // usertypes.go
	if !strings.Contains(expr, "::regclass") {
		return expr
	}
	return regclassLiteral.ReplaceAllStringFunc(expr, func(m string) string {
		lit := regclassLiteral.FindStringSubmatch(m)[1]
		r, ok := s.storedRelation(lit)
		if !ok {
			return m
		}
		return "'" + strings.ReplaceAll(s.RegclassOut(r.oid), "'", "''") + "'::regclass"
	})
}
