package pgcatalog

import (
	"strings"

	"logdb/sql/types"
)

// This file prints DDL fragments as PostgreSQL 15's ruleutils.c does:
// pg_get_indexdef, pg_get_constraintdef and what depends on them.

func (t *Table) column(attnum int16) *Column {
	for i := range t.Columns {
		if t.Columns[i].AttNum == attnum {
			return &t.Columns[i]
		}
	}
	return nil
}

func (t *Table) columnByName(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// columnList prints attnums as quoted column names: "user_id, id".
func (t *Table) columnList(attnums []int16) string {
	names := make([]string, len(attnums))
	for i, n := range attnums {
		if c := t.column(n); c != nil {
			names[i] = QuoteIdent(c.Name)
		} else {
			names[i] = "???"
		}
	}
	return strings.Join(names, ", ")
}

func (ix *Index) method() string {
	if ix.Method == "" {
		return "btree"
	}
	return ix.Method
}

func (ix *Index) amOID() uint32 {
	if ix.method() == "hash" {
		return HashAM
	}
	return BtreeAM
}

// indexDef is pg_get_indexdef(oid, 0, pretty). Pretty output leaves the
// table unqualified when it is visible through the search path.
func (s *Schema) indexDef(t *Table, ix *Index, pretty bool) string {
	qualified := QuoteIdent(schemaOr(t.Schema)) + "." + QuoteIdent(t.Name)
	bare := QuoteIdent(t.Name)
	def := ix.Def
	if pretty && ix.PrettyDef != "" {
		def = ix.PrettyDef
	}
	if def == "" {
		var b strings.Builder
		b.WriteString("CREATE ")
		if ix.Unique {
			b.WriteString("UNIQUE ")
		}
		b.WriteString("INDEX " + QuoteIdent(ix.Name) + " ON " + qualified + " USING " + ix.method() + " (" + t.columnList(ix.Columns) + ")")
		def = b.String()
	}
	if pretty && s.visible(relation{oid: t.OID, name: t.Name, ns: schemaOr(t.Schema), kind: 'r'}) {
		def = strings.Replace(def, " ON "+qualified+" ", " ON "+bare+" ", 1)
	}
	return def
}

// indexColumnDef is pg_get_indexdef(oid, n, pretty) for n > 0: the n-th
// index column's name or expression, "" past the end.
func indexColumnDef(t *Table, ix *Index, n int, pretty bool) string {
	if n < 1 || n > len(ix.Columns) {
		return ""
	}
	if pretty && n <= len(ix.PrettyExprs) && ix.PrettyExprs[n-1] != "" {
		return ix.PrettyExprs[n-1]
	}
	if n <= len(ix.Exprs) && ix.Exprs[n-1] != "" {
		return ix.Exprs[n-1]
	}
	if c := t.column(ix.Columns[n-1]); c != nil {
		return QuoteIdent(c.Name)
	}
	return ""
}

// constraintDef is pg_get_constraintdef(oid, pretty).
func (s *Schema) constraintDef(t *Table, c *Constraint, pretty bool) string {
	if pretty && c.PrettyDef != "" {
		return c.PrettyDef
	}
	if c.Kind == 'c' {
		if pretty {
			return prettyCheckDef(c.Def)
		}
		return checkDef(c.Def)
	}
	if c.Def != "" {
		return c.Def
	}
	var b strings.Builder
	switch c.Kind {
	case 'p':
		b.WriteString("PRIMARY KEY (" + t.columnList(c.Columns) + ")")
	case 'u':
		b.WriteString("UNIQUE (" + t.columnList(c.Columns) + ")")
	case 'f':
		ref, ok := s.tableByOID(c.RefTableOID)
		refName, refCols := "???", "???"
		if ok {
			refName = s.RegclassOut(ref.OID)
			refCols = ref.columnList(c.RefColumns)
		}
		b.WriteString("FOREIGN KEY (" + t.columnList(c.Columns) + ") REFERENCES " + refName + "(" + refCols + ")")
		if c.MatchType == 'f' {
			b.WriteString(" MATCH FULL")
		}
		if a := fkAction(c.OnUpdate); a != "" {
			b.WriteString(" ON UPDATE " + a)
		}
		if a := fkAction(c.OnDelete); a != "" {
			b.WriteString(" ON DELETE " + a)
		}
		if len(c.DeleteSetColumns) > 0 {
			b.WriteString(" (" + t.columnList(c.DeleteSetColumns) + ")")
		}
	default:
		return ""
	}
	if c.Deferrable {
		b.WriteString(" DEFERRABLE")
	}
	if c.Deferred {
		b.WriteString(" INITIALLY DEFERRED")
	}
	if c.NotValid {
		b.WriteString(" NOT VALID")
	}
	return b.String()
}

// fkAction is a foreign key action as pg_get_constraintdef prints it: ""
// for the default, NO ACTION, which it leaves out.
func fkAction(a byte) string {
	if r := fkRule(a); r != "NO ACTION" {
		return r
	}
	return ""
}

// fkRule is a foreign key action as information_schema spells it.
func fkRule(a byte) string {
	switch a {
	case 'r':
		return "RESTRICT"
	case 'c':
		return "CASCADE"
	case 'n':
		return "SET NULL"
	case 'd':
		return "SET DEFAULT"
	}
	return "NO ACTION"
}

// checkDef is pg_get_constraintdef of a CHECK constraint whose Def is
// either the whole definition ("CHECK ((a > 0))") or just the expression
// ("a > 0"), which PostgreSQL prints parenthesized: "CHECK ((a > 0))".
func checkDef(def string) string {
	if strings.HasPrefix(def, "CHECK ") || strings.HasPrefix(def, "CHECK(") {
		return def
	}
	e := strings.TrimSpace(def)
	if !fullyParenthesized(e) {
		e = "(" + e + ")"
	}
	return "CHECK (" + e + ")"
}

// prettyCheckDef is pg_get_constraintdef(oid, true) of a CHECK constraint
// without a PrettyDef: pretty printing drops the parentheses around the
// top-level expression, "CHECK ((a > 0))" → "CHECK (a > 0)".
func prettyCheckDef(def string) string {
	e := checkExpr(def)
	if fullyParenthesized(e) {
		e = e[1 : len(e)-1]
	}
	return "CHECK (" + e + ")"
}

// fullyParenthesized reports whether e is "( ... )" with the first
// parenthesis closing at the end.
func fullyParenthesized(e string) bool {
	if !strings.HasPrefix(e, "(") || !strings.HasSuffix(e, ")") {
		return false
	}
	depth, quoted := 0, false
	for i := 0; i < len(e); i++ {
		switch c := e[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 && i != len(e)-1 {
				return false
			}
		}
	}
	return depth == 0
}

// checkExpr is the expression of a CHECK constraint's definition, as
// conbin holds it: "CHECK ((a > 0))" → "(a > 0)".
func checkExpr(def string) string {
	def = checkDef(def)
	e := strings.TrimSpace(strings.TrimPrefix(def, "CHECK"))
	e = strings.TrimSuffix(e, " NOT VALID")
	e = strings.TrimSuffix(e, " NO INHERIT")
	if strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")") {
		e = e[1 : len(e)-1]
	}
	return e
}

func (s *Schema) tableByOID(oid uint32) (*Table, bool) {
	for i := range s.Tables {
		if s.Tables[i].OID == oid {
			return &s.Tables[i], true
		}
	}
	return nil, false
}

// fkIndexOID is conindid of a foreign key: the referenced table's unique
// index on exactly the referenced columns.
func (s *Schema) fkIndexOID(c *Constraint) uint32 {
	ref, ok := s.tableByOID(c.RefTableOID)
	if !ok {
		return 0
	}
	for i := range ref.Indexes {
		ix := &ref.Indexes[i]
		if ix.Unique && sameColumns(ix.Columns, c.RefColumns) {
			return ix.OID
		}
	}
	return 0
}

func sameColumns(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[int16]bool{}
	for _, x := range a {
		seen[x] = true
	}
	for _, x := range b {
		if !seen[x] {
			return false
		}
	}
	return true
}

// typeFacts are the pg_attribute/pg_type facts of a column's type.
type typeFacts struct {
	len       int16
	byVal     bool
	align     string
	storage   string
	collation uint32
	ndims     int
}

func factsOf(t types.T) typeFacts {
	f := typeFacts{len: -1, align: "i", storage: "x"}
	info, ok := types.InfoOf(t.OID)
	if ok {
		f.len, f.byVal = info.Len, info.ByVal
		if info.Align != 0 {
			f.align = string([]byte{info.Align})
		}
	}
	f.storage = typStorage(t.OID, f.len)
	f.collation = typCollation(t.OID)
	if types.IsArray(t.OID) {
		f.ndims = 1
	}
	return f
}

func typStorage(oid types.OID, typlen int16) string {
	switch {
	case oid == types.NumericOID:
		return "m"
	case oid == types.NameOID, oid == types.Int2VectorOID, oid == types.OidVectorOID:
		return "p"
	case typlen == -1:
		return "x"
	}
	return "p"
}

// typCollation is pg_type.typcollation: collatable string types use the
// default collation, name uses "C".
func typCollation(oid types.OID) uint32 {
	switch oid {
	case types.TextOID, types.VarcharOID, types.BpcharOID, types.PgNodeTreeOID,
		types.TextArrayOID, types.VarcharArrayOID, types.BpcharArrayOID:
		return DefaultCollation
	case types.NameOID, types.NameArrayOID:
		return CCollation
	}
	return 0
}
