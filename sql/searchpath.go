package sql

// search_path: how unqualified relation names resolve (PostgreSQL's
// namespace.c). The setting lists schemas; "$user" is the current role's
// name; a schema that does not exist, or on which the role lacks USAGE, is
// skipped; pg_catalog is searched first unless listed (its relations are
// found after the user's, see plan.Planner.Path).

import (
	"slices"
	"strings"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// searchPathItems splits the search_path setting into schema names,
// unquoting quoted ones ("$user" stays as written).
func searchPathItems(setting string) []string {
	out := []string{}
	for _, item := range strings.Split(setting, ",") {
		item = strings.TrimSpace(item)
		if len(item) >= 2 && item[0] == '"' && item[len(item)-1] == '"' {
			item = strings.ReplaceAll(item[1:len(item)-1], `""`, `"`)
		} else {
			item = strings.ToLower(item)
		}
		if item != "" {
			out = append(out, item)
		}
	}
	return out
}

// searchPath is the session's effective search path over cat: the
// schemas that exist and that the current role may use, "$user"
// replaced; pg_catalog and information_schema where listed (plannerPath
// adds the implicit pg_catalog).
func (s *Session) searchPath(cat *catalog.Catalog) []string {
	if cat == nil {
		return []string{catalog.Public}
	}
	role := s.currentRole(cat)
	out := []string{} // empty, not nil: nil means public to the planner
	for _, item := range searchPathItems(s.set.Vals["search_path"]) {
		if item == "$user" {
			item = s.currentUser()
		}
		if item == catalog.TempAlias {
			item = s.tempSchema()
		}
		if slices.Contains(out, item) {
			continue
		}
		if catalog.IsTempSchema(item) {
			if item == s.tempSchema() && cat.SchemaExists(item) {
				out = append(out, item)
			}
			continue
		}
		if item == catalog.PgCatalog || item == catalog.InformationSchema {
			out = append(out, item)
			continue
		}
		if !cat.SchemaExists(item) || !cat.HasPriv(role, cat.SchemaACLOf(item), 'U') {
			continue
		}
		out = append(out, item)
	}
	return out
}

// plannerPath is the path the planner resolves names against: pg_catalog
// first unless the setting places it.
// The session's temporary schema, once it exists, comes before it
// unless the setting places it (tempFirst).
func (s *Session) plannerPath(cat *catalog.Catalog) []string {
	path := s.searchPath(cat)
	if !slices.Contains(path, catalog.PgCatalog) {
		path = append([]string{catalog.PgCatalog}, path...)
	}
	return s.tempFirst(cat, path)
}

// searchPathKey identifies the path a plan resolved names against (plans
// cached by statement text are re-made when it changes).
func searchPathKey(path []string) string { return strings.Join(path, "\x00") }

// pathListsCatalog reports whether search_path names pg_catalog (else it
// is implicitly first).
func (s *Session) pathListsCatalog() bool {
	return slices.Contains(searchPathItems(s.set.Vals["search_path"]), catalog.PgCatalog)
}

// currentSchema is current_schema(): the first schema of the path, NULL
// when there is none.
func (s *Session) currentSchema(ec *execCtx) types.Datum {
	path := s.searchPath(ec.tx.cat)
	if len(path) == 0 {
		return nil
	}
	return path[0]
}

// currentSchemas is current_schemas(implicit): the path, with pg_catalog
// first when implicit and not listed.
func (s *Session) currentSchemas(ec *execCtx, implicit bool) types.Datum {
	elems := []types.Datum{}
	listed := searchPathItems(s.set.Vals["search_path"])
	path := s.searchPath(ec.tx.cat)
	if implicit && ec.tx.cat.SchemaExists(s.tempSchema()) && !slices.Contains(path, s.tempSchema()) {
		elems = append(elems, s.tempSchema())
	}
	if implicit && !slices.Contains(listed, catalog.PgCatalog) {
		elems = append(elems, catalog.PgCatalog)
	}
	// pg_catalog and information_schema keep their place when listed.
	for _, item := range listed {
		if item == "$user" {
			item = s.currentUser()
		}
		if item == catalog.TempAlias {
			item = s.tempSchema()
		}
		if item == catalog.PgCatalog || item == catalog.InformationSchema || slices.Contains(path, item) {
			if !slices.Contains(elems, types.Datum(item)) {
				elems = append(elems, item)
			}
		}
	}
	return types.Array{Elem: exec.NameT, Elements: elems}
}

func init() {
	plan.Builtins["current_schema"] = func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) != 0 {
			return nil, plan.NoFunc("current_schema", args)
		}
		return &exec.BuiltinExpr{Name: "current_schema", Ret: exec.NameT, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			return ec.s.currentSchema(ec), nil
		}}, nil
	}
}

// checkSchemaUsage fails with 42501 unless the current role has USAGE on
// schema.
func (s *Session) checkSchemaUsage(cat *catalog.Catalog, schema string) error {
	if cat.HasPriv(s.currentRole(cat), cat.SchemaACLOf(schema), 'U') {
		return nil
	}
	return plan.ErrSchemaUsage(schema)
}

// qualifiedName prints a relation name as regclass output does: bare when
// the search path finds it, else schema-qualified.
func (s *Session) qualifiedName(cat *catalog.Catalog, schema, name string) string {
	schema = catalog.SchemaName(schema)
	if cat.RelKey(s.relPath(cat), "", name) == catalog.Key(schema, name) {
		return pgcatalog.QuoteIdent(name)
	}
	return pgcatalog.QuoteIdent(schema) + "." + pgcatalog.QuoteIdent(name)
}

// namespaceSchemas describes public (its ACL) and the created schemas for
// pg_namespace.
func namespaceSchemas(cat *catalog.Catalog) []pgcatalog.Namespace {
	// public's nspacl stays NULL (the default) until a GRANT changes it.
	out := []pgcatalog.Namespace{{OID: pgcatalog.PublicNamespace, Name: catalog.Public, ACL: catalog.ACLTexts(cat, cat.SchemaACL)}}
	names := make([]string, 0, len(cat.Schemas))
	for n := range cat.Schemas {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		sc := cat.Schemas[n]
		out = append(out, pgcatalog.Namespace{OID: sc.OID, Name: sc.Name, Owner: catalog.OwnerOID(sc.Owner), ACL: catalog.ACLTexts(cat, sc.ACL)})
	}
	return out
}
