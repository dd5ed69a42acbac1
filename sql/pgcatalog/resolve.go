package pgcatalog

import (
	"hash/fnv"
	"strconv"
	"strings"

	"logdb/sql/pgerror"
)

// Fixed OIDs of built-in objects, as in PostgreSQL.
const (
	PgToastNamespace uint32 = 99
	SuperuserOID     uint32 = 10   // the bootstrap superuser; every object's owner
	DatabaseOwnerOID uint32 = 6171 // pg_database_owner, owner of schema public
	DefaultTablespc  uint32 = 1663
	GlobalTablespc   uint32 = 1664
	HeapAM           uint32 = 2
	BtreeAM          uint32 = 403
	HashAM           uint32 = 405
	DefaultCollation uint32 = 100
	CCollation       uint32 = 950
)

type namespace struct {
	oid  uint32
	name string
}

var builtinNamespaces = []namespace{
	{PgCatalogNamespace, "pg_catalog"},
	{PgToastNamespace, "pg_toast"},
	{PublicNamespace, "public"},
	{InformationSchemaNS, "information_schema"},
}

// namespaces lists every schema: the built-in ones, s.Namespaces, and any
// schema a table names that s.Namespaces lacks (given a stable OID derived
// from its name, so pg_class and pg_namespace still join).
func (s *Schema) namespaces() []namespace {
	out := append([]namespace(nil), builtinNamespaces...)
	seen := map[string]bool{}
	for _, n := range out {
		seen[n.name] = true
	}
	for _, n := range s.Namespaces {
		if !seen[n.Name] {
			seen[n.Name] = true
			out = append(out, namespace{n.OID, n.Name})
		}
	}
	implied := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, namespace{impliedNamespaceOID(name), name})
		}
	}
	for i := range s.Tables {
		implied(s.Tables[i].Schema)
	}
	for i := range s.Sequences {
		implied(s.Sequences[i].Schema)
	}
	for i := range s.Views {
		implied(s.Views[i].Schema)
	}
	return out
}

func impliedNamespaceOID(name string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return 0x70000000 | h.Sum32()&0x0fffffff
}

// namespaceOID returns the OID of the schema called name ("" is public).
func (s *Schema) namespaceOID(name string) uint32 {
	if name == "" || name == "public" {
		return PublicNamespace
	}
	for _, n := range builtinNamespaces {
		if n.name == name {
			return n.oid
		}
	}
	for _, n := range s.Namespaces {
		if n.Name == name {
			return n.OID
		}
	}
	return impliedNamespaceOID(name)
}

func (s *Schema) namespaceName(oid uint32) (string, bool) {
	for _, n := range s.namespaces() {
		if n.oid == oid {
			return n.name, true
		}
	}
	return "", false
}

func schemaOr(name string) string {
	if name == "" {
		return "public"
	}
	return name
}

// searchPath is the effective search path, pg_catalog first.
func (s *Schema) searchPath() []string {
	p := s.SearchPath
	if p == nil {
		p = []string{"public"}
	}
	for _, n := range p {
		if n == "pg_catalog" {
			return p
		}
	}
	return append([]string{"pg_catalog"}, p...)
}

func (s *Schema) inSearchPath(ns string) bool {
	for _, n := range s.searchPath() {
		if n == ns {
			return true
		}
	}
	return false
}

// relation is any row of pg_class.
type relation struct {
	oid   uint32
	name  string
	ns    string
	kind  byte // 'r', 'i', 'S', 'v'
	table *Table
	index *Index
	seq   *Sequence
	uview *UserView
	cat   *View
}

// relationByOID finds a pg_class row by OID.
func (s *Schema) relationByOID(oid uint32) (relation, bool) {
	if v := viewByOID[oid]; v != nil {
		return relation{oid: oid, name: v.Name, ns: v.Schema, kind: v.Kind, cat: v}, true
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		if t.OID == oid {
			return relation{oid: oid, name: t.Name, ns: schemaOr(t.Schema), kind: 'r', table: t}, true
		}
		for j := range t.Indexes {
			if t.Indexes[j].OID == oid {
				return relation{oid: oid, name: t.Indexes[j].Name, ns: schemaOr(t.Schema), kind: 'i', table: t, index: &t.Indexes[j]}, true
			}
		}
	}
	for i := range s.Sequences {
		if q := &s.Sequences[i]; q.OID == oid {
			return relation{oid: oid, name: q.Name, ns: schemaOr(q.Schema), kind: 'S', seq: q}, true
		}
	}
	for i := range s.Views {
		if v := &s.Views[i]; v.OID == oid {
			return relation{oid: oid, name: v.Name, ns: schemaOr(v.Schema), kind: 'v', uview: v}, true
		}
	}
	return relation{}, false
}

// relationByName finds a relation by schema and name; schema "" searches
// the search path.
func (s *Schema) relationByName(schema, name string) (relation, bool) {
	if schema != "" {
		return s.relationIn(schema, name)
	}
	for _, ns := range s.searchPath() {
		if r, ok := s.relationIn(ns, name); ok {
			return r, true
		}
	}
	return relation{}, false
}

func (s *Schema) relationIn(ns, name string) (relation, bool) {
	if ns == "pg_catalog" || ns == "information_schema" {
		if v := viewByName[ns+"."+name]; v != nil {
			return relation{oid: v.OID, name: v.Name, ns: v.Schema, kind: v.Kind, cat: v}, true
		}
		return relation{}, false
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		if schemaOr(t.Schema) != ns {
			continue
		}
		if t.Name == name {
			return relation{oid: t.OID, name: t.Name, ns: ns, kind: 'r', table: t}, true
		}
		for j := range t.Indexes {
			if t.Indexes[j].Name == name {
				return relation{oid: t.Indexes[j].OID, name: name, ns: ns, kind: 'i', table: t, index: &t.Indexes[j]}, true
			}
		}
	}
	for i := range s.Sequences {
		if q := &s.Sequences[i]; schemaOr(q.Schema) == ns && q.Name == name {
			return relation{oid: q.OID, name: name, ns: ns, kind: 'S', seq: q}, true
		}
	}
	for i := range s.Views {
		if v := &s.Views[i]; schemaOr(v.Schema) == ns && v.Name == name {
			return relation{oid: v.OID, name: name, ns: ns, kind: 'v', uview: v}, true
		}
	}
	return relation{}, false
}

// visible reports whether r is found by its bare name through the search
// path, as pg_table_is_visible does.
func (s *Schema) visible(r relation) bool {
	if !s.inSearchPath(r.ns) {
		return false
	}
	if s.PrintPath != nil {
		in := r.ns == "pg_catalog"
		for _, n := range s.PrintPath {
			in = in || n == r.ns
		}
		if !in {
			return false
		}
	}
	first, ok := s.relationByName("", r.name)
	return ok && first.oid == r.oid
}

// TableIsVisible is pg_table_is_visible(oid).
func (s *Schema) TableIsVisible(oid uint32) bool {
	r, ok := s.relationByOID(oid)
	return ok && s.visible(r)
}

// RegclassIn converts text to a regclass OID, as 'users'::regclass does:
// a number is taken as is; otherwise a possibly schema-qualified, possibly
// quoted name is looked up through the search path. An unknown relation
// is 42P01.
func (s *Schema) RegclassIn(text string) (uint32, error) {
	if n, err := strconv.ParseUint(strings.TrimSpace(text), 10, 32); err == nil {
		return uint32(n), nil
	}
	parts, err := splitQualifiedName(text)
	if err != nil {
		return 0, err
	}
	var r relation
	var ok bool
	switch len(parts) {
	case 1:
		r, ok = s.relationByName("", parts[0])
	case 2:
		r, ok = s.relationByName(parts[0], parts[1])
	case 3:
		if parts[0] != s.Database && s.Database != "" {
			return 0, pgerror.New(pgerror.FeatureNotSupported, "cross-database references are not implemented: %s", text)
		}
		r, ok = s.relationByName(parts[1], parts[2])
	default:
		return 0, pgerror.New(pgerror.SyntaxError, "improper relation name (too many dotted names): %s", text)
	}
	if !ok {
		return 0, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", text)
	}
	return r.oid, nil
}

// RegclassOut converts a regclass OID to text: the name, schema-qualified
// when not visible, quoted where needed; the number for an unknown OID.
func (s *Schema) RegclassOut(oid uint32) string {
	if oid == 0 {
		return "-" // InvalidOid, as regclassout prints it (pg_constraint.confrelid of a non-FK)
	}
	r, ok := s.relationByOID(oid)
	if !ok {
		return strconv.FormatUint(uint64(oid), 10)
	}
	if s.visible(r) {
		return QuoteIdent(r.name)
	}
	return QuoteIdent(r.ns) + "." + QuoteIdent(r.name)
}

// RegnamespaceIn converts a schema name to its OID (42704 when unknown).
func (s *Schema) RegnamespaceIn(text string) (uint32, error) {
	if n, err := strconv.ParseUint(strings.TrimSpace(text), 10, 32); err == nil {
		return uint32(n), nil
	}
	parts, err := splitQualifiedName(text)
	if err != nil {
		return 0, err
	}
	if len(parts) != 1 {
		return 0, pgerror.New(pgerror.InvalidParameterValue, "invalid name syntax")
	}
	for _, n := range s.namespaces() {
		if n.name == parts[0] {
			return n.oid, nil
		}
	}
	return 0, pgerror.New(pgerror.UndefinedObject, "schema \"%s\" does not exist", parts[0])
}

// RegnamespaceOut converts a schema OID to its (quoted) name, or the number.
func (s *Schema) RegnamespaceOut(oid uint32) string {
	if n, ok := s.namespaceName(oid); ok {
		return QuoteIdent(n)
	}
	return strconv.FormatUint(uint64(oid), 10)
}

// splitQualifiedName splits `a."B".c` into its parts, folding unquoted
// parts to lower case as PostgreSQL's parser does.
func splitQualifiedName(text string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	quoted, wasQuoted := false, false
	bad := pgerror.New(pgerror.InvalidParameterValue, "invalid name syntax")
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quoted && c == '"':
			if i+1 < len(text) && text[i+1] == '"' {
				cur.WriteByte('"')
				i++
			} else {
				quoted = false
			}
		case quoted:
			cur.WriteByte(c)
		case c == '"':
			quoted, wasQuoted = true, true
		case c == '.':
			if cur.Len() == 0 {
				return nil, bad
			}
			parts = append(parts, cur.String())
			cur.Reset()
			wasQuoted = false
		case c == ' ' || c == '\t' || c == '\n':
			// PostgreSQL allows spaces around the dots and the ends.
		default:
			if !wasQuoted && c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			cur.WriteByte(c)
		}
	}
	if quoted || cur.Len() == 0 {
		return nil, bad
	}
	return append(parts, cur.String()), nil
}
