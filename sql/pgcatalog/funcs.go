package pgcatalog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	// Imported first so that registered sees the library's overloads and
	// never doubles one of them.
	_ "logdb/sql/builtins"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// This file holds the catalog functions: pg_get_indexdef, format_type,
// pg_table_is_visible, the privilege and size functions and their kin.
// They are registered with types.RegisterFunc at init; Funcs lists them.

// SchemaProvider is what the engine's session implements so the catalog
// functions can see the snapshot's Schema through EvalContext.Session.
type SchemaProvider interface {
	CatalogSchema() *Schema
}

// schemaOf returns the Schema of the evaluating session, or an empty one
// (the built-in catalog only) when the session provides none.
func schemaOf(ctx *types.EvalContext) *Schema {
	if ctx == nil {
		return &Schema{}
	}
	if p, ok := ctx.Session.(SchemaProvider); ok {
		if s := p.CatalogSchema(); s != nil {
			return s
		}
	}
	return &Schema{Database: ctx.Database, User: ctx.User}
}

// startTime is pg_postmaster_start_time: when this process started.
var startTime = time.Now().UTC()

var (
	tOid    = types.T{OID: types.OidOID, Mod: -1}
	tInt4   = types.T{OID: types.Int4OID, Mod: -1}
	tInt8   = types.T{OID: types.Int8OID, Mod: -1}
	tText   = types.T{OID: types.TextOID, Mod: -1}
	tName   = types.T{OID: types.NameOID, Mod: -1}
	tBool   = types.T{OID: types.BoolOID, Mod: -1}
	tAny    = types.T{OID: types.AnyOID, Mod: -1}
	tTree   = types.T{OID: types.PgNodeTreeOID, Mod: -1}
	tRegcls = types.T{OID: types.RegclassOID, Mod: -1}
	tTstz   = types.T{OID: types.TimestamptzOID, Mod: -1}
)

func asOID(d types.Datum) uint32 {
	switch x := d.(type) {
	case int64:
		return uint32(x)
	case int32:
		return uint32(x)
	case uint32:
		return x
	case string:
		n, _ := strconv.ParseUint(strings.TrimSpace(x), 10, 32)
		return uint32(n)
	}
	return 0
}

func asInt(d types.Datum) int64 {
	switch x := d.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

func asBool(d types.Datum) bool {
	b, _ := d.(bool)
	return b
}

func asString(d types.Datum) string {
	switch x := d.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(d)
}

type fnBody = func(ctx *types.EvalContext, args []types.Datum) (types.Datum, error)

func fn(name string, args []types.T, ret types.T, strict bool, body fnBody) *types.Func {
	return &types.Func{Name: name, Args: args, Ret: ret, Strict: strict, Fn: body}
}

func constant(v types.Datum) fnBody {
	return func(*types.EvalContext, []types.Datum) (types.Datum, error) { return v, nil }
}

func args(ts ...types.T) []types.T { return ts }

// catalogFuncs are the functions this package provides, overloads apart.
var catalogFuncs []*types.Func

func init() {
	catalogFuncs = buildFuncs()
	for _, f := range catalogFuncs {
		if !registered(f) {
			types.RegisterFunc(f)
		}
	}
}

// registered reports whether types already has an overload of f's name
// with f's argument types, so a function types provides is not doubled
// (two identical overloads would make every call ambiguous).
func registered(f *types.Func) bool {
	for _, o := range types.Overloads(f.Name) {
		if len(o.Args) != len(f.Args) || o.Variadic != f.Variadic {
			continue
		}
		same := true
		for i := range o.Args {
			same = same && o.Args[i].OID == f.Args[i].OID
		}
		if same {
			return true
		}
	}
	return false
}

// Funcs returns the catalog functions, which this package registers with
// types.RegisterFunc at init. The caller must not modify them.
func Funcs() []*types.Func { return catalogFuncs }

func buildFuncs() []*types.Func {
	var fs []*types.Func
	add := func(f ...*types.Func) { fs = append(fs, f...) }

	// Visibility.
	add(fn("pg_table_is_visible", args(tOid), tBool, true, func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return schemaOf(ctx).TableIsVisible(asOID(a[0])), nil
	}))
	add(fn("pg_type_is_visible", args(tOid), tBool, true, func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return schemaOf(ctx).typeVisible(asOID(a[0])), nil
	}))
	for _, name := range []string{"pg_function_is_visible", "pg_operator_is_visible", "pg_opclass_is_visible",
		"pg_opfamily_is_visible", "pg_collation_is_visible", "pg_conversion_is_visible",
		"pg_statistics_obj_is_visible", "pg_ts_config_is_visible", "pg_ts_dict_is_visible",
		"pg_ts_parser_is_visible", "pg_ts_template_is_visible"} {
		add(fn(name, args(tOid), tBool, true, constant(true)))
	}

	// Types.
	add(&types.Func{Name: "format_type", Args: args(tOid, tInt4), Ret: tText, Fn: formatType})

	// DDL reconstruction.
	add(fn("pg_get_indexdef", args(tOid), tText, true, getIndexdef))
	add(fn("pg_get_indexdef", args(tOid, tInt4, tBool), tText, true, getIndexdef))
	add(fn("pg_get_constraintdef", args(tOid), tText, true, getConstraintdef))
	add(fn("pg_get_constraintdef", args(tOid, tBool), tText, true, getConstraintdef))
	add(fn("pg_get_expr", args(tTree, tOid), tText, true, getExpr))
	partitionFuncs(add) // partition.go
	add(fn("pg_get_expr", args(tTree, tOid, tBool), tText, true, getExpr))
	add(fn("pg_get_viewdef", args(tOid), tText, true, getViewdef))
	add(fn("pg_get_viewdef", args(tOid, tBool), tText, true, getViewdef))
	add(fn("pg_get_viewdef", args(tText), tText, true, getViewdefByName))
	add(fn("pg_get_viewdef", args(tText, tBool), tText, true, getViewdefByName))
	add(fn("pg_get_replica_identity_index", args(tOid), types.T{OID: types.RegclassOID, Mod: -1}, true, replicaIdentityIndex))
	add(fn("pg_get_triggerdef", args(tOid), tText, true, getTriggerdef)) // triggers.go
	add(fn("pg_get_triggerdef", args(tOid, tBool), tText, true, getTriggerdef))
	add(fn("pg_get_ruledef", args(tOid), tText, true, constant(nil)))
	add(fn("pg_get_ruledef", args(tOid, tBool), tText, true, constant(nil)))
	add(fn("pg_get_partkeydef", args(tOid), tText, true, constant(nil)))
	add(fn("pg_get_statisticsobjdef_columns", args(tOid), tText, true, constant(nil)))
	add(fn("pg_get_function_identity_arguments", args(tOid), tText, true, procIdentityArguments))
	add(fn("pg_get_function_arguments", args(tOid), tText, true, procArguments))
	add(fn("pg_get_function_result", args(tOid), tText, true, procResult))
	add(fn("pg_get_function_sqlbody", args(tOid), tText, true, constant(nil)))
	add(fn("pg_get_functiondef", args(tOid), tText, true, procDef))
	add(fn("pg_get_serial_sequence", args(tText, tText), tText, true, getSerialSequence))

	// Names of things.
	add(fn("pg_get_userbyid", args(tOid), tName, true, func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return schemaOf(ctx).roleName(asOID(a[0])), nil
	}))
	add(fn("pg_encoding_to_char", args(tInt4), tName, true, func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return encodingName(asInt(a[0])), nil
	}))
	add(fn("getdatabaseencoding", nil, tName, true, constant("UTF8")))
	add(fn("pg_char_to_encoding", args(tName), tInt4, true, func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return encodingNumber(asString(a[0])), nil
	}))
	add(fn("to_regclass", args(tText), tRegcls, true, func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		oid, err := schemaOf(ctx).RegclassIn(asString(a[0]))
		if err != nil {
			return nil, nil
		}
		if _, ok := schemaOf(ctx).relationByOID(oid); !ok {
			return nil, nil
		}
		return int64(oid), nil
	}))
	add(fn("to_regnamespace", args(tText), types.T{OID: tOid.OID, Mod: -1}, true, func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		oid, err := schemaOf(ctx).RegnamespaceIn(asString(a[0]))
		if err != nil {
			return nil, nil
		}
		return int64(oid), nil
	}))

	add(fn("current_schemas", args(tBool), types.T{OID: types.NameArrayOID, Mod: -1}, true, currentSchemas))

	// Comments: logdb keeps none.
	// The object argument accepts any type: psql passes regproc columns
	// (pg_operator.oprcode), which logdb shows as text.
	add(fn("obj_description", args(tAny), tText, true, objDescription))
	add(fn("obj_description", args(tAny, tName), tText, true, objDescription))
	add(fn("col_description", args(tAny, tInt4), tText, true, func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return description(asOID(a[0]), classPgClass, int32(asInt(a[1]))), nil
	}))
	add(fn("shobj_description", args(tAny, tName), tText, true, constant(nil)))

	// Privileges: the only role is a superuser.
	for _, name := range []string{"has_table_privilege", "has_schema_privilege", "has_database_privilege",
		"has_sequence_privilege", "has_function_privilege", "has_any_column_privilege",
		"has_tablespace_privilege", "has_language_privilege", "has_foreign_data_wrapper_privilege",
		"has_server_privilege", "has_type_privilege", "pg_has_role"} {
		add(fn(name, args(tAny, tText), tBool, true, constant(true)))
		add(fn(name, args(tAny, tAny, tText), tBool, true, constant(true)))
	}
	add(fn("has_column_privilege", args(tAny, tAny, tText), tBool, true, constant(true)))
	add(fn("has_column_privilege", args(tAny, tAny, tAny, tText), tBool, true, constant(true)))

	// Sizes.
	add(fn("pg_size_pretty", args(tInt8), tText, true, func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return SizePretty(asInt(a[0])), nil
	}))
	add(fn("pg_table_size", args(tRegcls), tInt8, true, relSize(tableSize)))
	add(fn("pg_relation_size", args(tRegcls), tInt8, true, relSize(relationSize)))
	add(fn("pg_relation_size", args(tRegcls, tText), tInt8, true, relSize(relationSize)))
	add(fn("pg_total_relation_size", args(tRegcls), tInt8, true, relSize(totalSize)))
	add(fn("pg_indexes_size", args(tRegcls), tInt8, true, relSize(indexesSize)))
	add(fn("pg_database_size", args(tName), tInt8, true, databaseSize))
	add(fn("pg_database_size", args(tOid), tInt8, true, databaseSize))
	add(fn("pg_tablespace_size", args(tOid), tInt8, true, databaseSize))
	add(fn("pg_tablespace_location", args(tOid), tText, true, constant("")))

	// acldefault is NULL: logdb keeps no ACLs, and pg_dump reads a NULL
	// default like a NULL ACL (nothing to GRANT).
	add(fn("acldefault", args(tAny, tOid), types.T{OID: types.TextArrayOID, Mod: -1}, true, constant(nil)))

	// Server state.
	add(fn("pg_is_in_recovery", nil, tBool, true, constant(false)))
	add(fn("pg_postmaster_start_time", nil, tTstz, true, constant(startTime)))
	add(fn("pg_relation_is_publishable", args(tRegcls), tBool, true, func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		_, ok := schemaOf(ctx).tableByOID(asOID(a[0]))
		return ok, nil
	}))
	return fs
}

// formatType is format_type(oid, typmod); a NULL typmod prints the SQL
// name without modifiers ("character" rather than "bpchar").
func formatType(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	if a[0] == nil {
		return nil, nil
	}
	return schemaOf(ctx).formatType(asOID(a[0]), a[1]), nil
}

// FormatType is format_type(oid, typmod) for the built-in types, where
// typmod is an int64 or nil (NULL); "???" for an unknown OID.
func FormatType(oid uint32, typmod types.Datum) string {
	if _, ok := types.InfoOf(oid); !ok {
		return "???"
	}
	if typmod == nil {
		elem := oid
		if types.IsArray(oid) {
			if e, ok := types.ElemOf(types.T{OID: oid, Mod: -1}); ok {
				elem = e.OID
			}
		}
		if elem == types.BpcharOID {
			if elem != oid {
				return "character[]"
			}
			return "character"
		}
		return types.FormatType(types.T{OID: oid, Mod: -1})
	}
	return types.FormatType(types.T{OID: oid, Mod: int32(asInt(typmod))})
}

func getIndexdef(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	s := schemaOf(ctx)
	r, ok := s.relationByOID(asOID(a[0]))
	if !ok || r.index == nil {
		return nil, nil
	}
	col, pretty := int64(0), false
	if len(a) == 3 {
		col, pretty = asInt(a[1]), asBool(a[2])
	}
	if col != 0 {
		return s.printTypeNames(indexColumnDef(r.table, r.index, int(col), pretty)), nil
	}
	return s.printTypeNames(s.indexDef(r.table, r.index, pretty)), nil
}

// constraintByOID finds a constraint and its table.
func (s *Schema) constraintByOID(oid uint32) (*Table, *Constraint, bool) {
	for i := range s.Tables {
		t := &s.Tables[i]
		for j := range t.Constraints {
			if t.Constraints[j].OID == oid {
				return t, &t.Constraints[j], true
			}
		}
	}
	return nil, nil, false
}

func getConstraintdef(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	s := schemaOf(ctx)
	t, c, ok := s.constraintByOID(asOID(a[0]))
	pretty := len(a) == 2 && asBool(a[1])
	if !ok {
		if d, ok := s.domainConstraintDef(asOID(a[0]), pretty).(string); ok { // usertypes.go
			return s.printTypeNames(d), nil
		}
		return nil, nil
	}
	return s.printTypeNames(s.constraintDef(t, c, pretty)), nil
}

// getExpr is pg_get_expr: logdb's expression trees are already the text
// PostgreSQL would print, but for the qualification of regclass constants,
// which depends on the search path.
func getExpr(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	e := schemaOf(ctx).deparseExpr(asString(a[0]))
	if len(a) > 2 && a[2] == true { // pretty: without the top level's parentheses
		if fullyParenthesized(e) {
			return e[1 : len(e)-1], nil
		}
	}
	return e, nil
}

// replicaIdentityIndex is pg_get_replica_identity_index: the index a
// table's replica identity uses, its primary key (NULL without one).
func replicaIdentityIndex(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	r, ok := schemaOf(ctx).relationByOID(asOID(a[0]))
	if !ok || r.table == nil || r.kind != 'r' {
		return nil, nil
	}
	for _, ix := range r.table.Indexes {
		if ix.Primary {
			return int64(ix.OID), nil
		}
	}
	return nil, nil
}

func getViewdef(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	r, ok := schemaOf(ctx).relationByOID(asOID(a[0]))
	if !ok || r.uview == nil {
		return nil, nil
	}
	return r.uview.Definition, nil
}

func getViewdefByName(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	s := schemaOf(ctx)
	oid, err := s.RegclassIn(asString(a[0]))
	if err != nil {
		return nil, err
	}
	return getViewdef(ctx, []types.Datum{int64(oid)})
}

func procResult(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	if p, ok := procByOID(asOID(a[0])); ok {
		return p.result(), nil
	}
	if f := schemaOf(ctx).userFunction(asOID(a[0])); f != nil {
		if f.Kind == "p" {
			return nil, nil
		}
		return f.Result, nil
	}
	return nil, nil
}

func procArguments(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	if p, ok := procByOID(asOID(a[0])); ok {
		return p.arguments(), nil
	}
	if f := schemaOf(ctx).userFunction(asOID(a[0])); f != nil {
		return f.Arguments, nil
	}
	return nil, nil
}

func procIdentityArguments(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	if f := schemaOf(ctx).userFunction(asOID(a[0])); f != nil {
		return f.IdentityArguments, nil
	}
	return procArguments(ctx, a)
}

// procDef is pg_get_functiondef.
func procDef(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	if s := schemaOf(ctx); s.userFunction(asOID(a[0])) != nil {
		return s.userFunction(asOID(a[0])).functionDef(s), nil
	}
	p, ok := procByOID(asOID(a[0]))
	if !ok {
		return nil, nil
	}
	name := strings.ToLower(p.f.Name)
	volatility := " STABLE"
	if p.f.Volatile {
		volatility = " VOLATILE"
	}
	strict := ""
	if p.f.Strict {
		strict = " STRICT"
	}
	return "CREATE OR REPLACE FUNCTION pg_catalog." + QuoteIdent(name) + "(" + p.arguments() + ")\n" +
		" RETURNS " + p.result() + "\n" +
		" LANGUAGE internal\n" +
		volatility[1:] + strict + "\n" +
		"AS $function$" + name + "$function$\n", nil
}

// getSerialSequence is pg_get_serial_sequence(table, column): the
// schema-qualified name of the sequence the column owns, or NULL.
func getSerialSequence(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	s := schemaOf(ctx)
	oid, err := s.RegclassIn(asString(a[0]))
	if err != nil {
		return nil, err
	}
	t, ok := s.tableByOID(oid)
	if !ok {
		return nil, nil
	}
	col := t.columnByName(asString(a[1]))
	if col == nil {
		return nil, columnMissing(asString(a[1]), t.Name)
	}
	if q := s.ownedSequence(t, col.AttNum); q != nil {
		return QuoteIdent(schemaOr(q.Schema)) + "." + QuoteIdent(q.Name), nil
	}
	return nil, nil
}

// SizePretty is pg_size_pretty(bigint), PostgreSQL 15's rounding included.
func SizePretty(size int64) string {
	const limit = 10 * 1024
	const limit2 = limit*2 - 1
	abs := func(x int64) int64 {
		if x < 0 {
			return -x
		}
		return x
	}
	halfRounded := func(x int64) int64 {
		if x < 0 {
			return (x - 1) / 2
		}
		return (x + 1) / 2
	}
	if abs(size) < limit {
		return strconv.FormatInt(size, 10) + " bytes"
	}
	size /= 512 // keep one extra bit for rounding; division, not a shift, rounds negatives as PostgreSQL does
	for _, unit := range []string{"kB", "MB", "GB", "TB"} {
		if abs(size) < limit2 {
			return strconv.FormatInt(halfRounded(size), 10) + " " + unit
		}
		size /= 1024
	}
	return strconv.FormatInt(halfRounded(size), 10) + " PB"
}

// Sizes are estimates: logdb's rows live in one bbolt file, so a table's
// size is its row estimate times a nominal row width, in whole pages.
const pageSize = 8192

func pages(rows int64) int64 {
	const rowWidth = 64
	return (rows*rowWidth + pageSize - 1) / pageSize * pageSize
}

func relationSize(s *Schema, r relation) int64 {
	if r.table != nil && r.index == nil {
		return pages(r.table.RowEstimate)
	}
	if r.index != nil {
		return pageSize + pages(r.table.RowEstimate)/4
	}
	if r.seq != nil {
		return pageSize
	}
	return 0
}

func tableSize(s *Schema, r relation) int64 {
	if r.table != nil && r.index == nil {
		return relationSize(s, r) + pageSize // PostgreSQL counts the free space map too
	}
	return relationSize(s, r)
}

func indexesSize(s *Schema, r relation) int64 {
	if r.table == nil || r.index != nil {
		return 0
	}
	var n int64
	for i := range r.table.Indexes {
		n += relationSize(s, relation{table: r.table, index: &r.table.Indexes[i]})
	}
	return n
}

func totalSize(s *Schema, r relation) int64 { return tableSize(s, r) + indexesSize(s, r) }

func relSize(f func(s *Schema, r relation) int64) fnBody {
	return func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		s := schemaOf(ctx)
		r, ok := s.relationByOID(asOID(a[0]))
		if !ok {
			return nil, nil
		}
		return f(s, r), nil
	}
}

// databaseSize is pg_database_size(name | oid): the current database's
// tables' sizes; another database's catalog is not at hand, so it counts
// as empty (README, Differences). An unknown name is 3D000, an unknown
// OID NULL, as in PostgreSQL.
func databaseSize(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	s := schemaOf(ctx)
	var db *Database
	for i, d := range s.databases() {
		if name, ok := a[0].(string); ok && d.Name == name || !ok && d.OID == asOID(a[0]) {
			db = &s.databases()[i]
		}
	}
	if db == nil {
		if name, ok := a[0].(string); ok {
			return nil, pgerror.New(pgerror.InvalidCatalogName, "database \"%s\" does not exist", name)
		}
		return nil, nil
	}
	n := int64(8 << 20) // the empty database
	if db.Name != s.Database && s.Database != "" {
		return n, nil
	}
	for i := range s.Tables {
		n += totalSize(s, relation{oid: s.Tables[i].OID, table: &s.Tables[i]})
	}
	return n, nil
}

// currentSchemas is current_schemas(include_implicit): the search path's
// existing schemas, pg_catalog first when implicit ones are included.
func currentSchemas(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	s := schemaOf(ctx)
	out := types.Array{Elem: tName}
	path := s.SearchPath
	if path == nil {
		path = []string{"public"}
	}
	if asBool(a[0]) {
		path = s.searchPath()
	}
	known := map[string]bool{}
	for _, n := range s.namespaces() {
		known[n.name] = true
	}
	for _, n := range path {
		if known[n] {
			out.Elements = append(out.Elements, n)
		}
	}
	return out, nil
}

// objDescription is obj_description(oid[, catalog name]).
func objDescription(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	var class uint32
	if len(a) == 2 {
		r, ok := schemaOf(ctx).relationByName("pg_catalog", asString(a[1]))
		if !ok {
			return nil, nil
		}
		class = r.oid
	}
	return description(asOID(a[0]), class, 0), nil
}
