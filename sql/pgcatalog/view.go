package pgcatalog

import (
	"fmt"
	"sort"
	"strings"

	"logdb/sql/types"
)

// View is one relation of pg_catalog or information_schema. Its rows are
// generated on demand from a Schema; views hold no state and are shared by
// all sessions.
type View struct {
	Schema  string // "pg_catalog" or "information_schema"
	Name    string // "pg_class"
	OID     uint32 // pg_class.oid of the relation (PostgreSQL 15's own for pg_catalog)
	Kind    byte   // pg_class.relkind as PostgreSQL has it: 'r' catalog table, 'v' view
	Columns []ViewColumn
	// Rows generates the relation's rows at the snapshot s describes. Each row
	// has len(Columns) values; the caller owns the returned slices.
	Rows func(s *Schema) ([][]types.Datum, error)

	colIndex map[string]int
	// regproc marks the columns PostgreSQL types as regproc that logdb
	// shows as text holding the function's name ("int4in", "-" for none):
	// those of pg_type and pg_proc, whose rows name functions logdb does
	// not have. Elsewhere regproc columns keep their type (int64 OIDs), so
	// they compare with oid columns as in PostgreSQL.
	regproc []bool
}

// ViewColumn is one column of a View.
type ViewColumn struct {
	Name string
	Type types.T
}

// relationDef is the static description of one catalog relation.
type relationDef struct {
	schema string
	name   string
	oid    uint32
	kind   byte
	cols   string
}

var (
	allViews   []*View
	viewByName = map[string]*View{} // "schema.name"
	viewByOID  = map[uint32]*View{}
)

// rowFuncs generate the rows of the relations that are not always empty,
// keyed by "schema.name". They are registered by the files that own them.
var rowFuncs = map[string]func(v *View, s *Schema) [][]types.Datum{}

func init() {
	for _, d := range relationDefs {
		v := &View{Schema: d.schema, Name: d.name, OID: d.oid, Kind: d.kind, colIndex: map[string]int{}}
		for _, c := range strings.Fields(d.cols) {
			name, typ, ok := strings.Cut(c, ":")
			if !ok {
				panic("BUG: pgcatalog: bad column definition " + c)
			}
			if typ == "regproc" && !regprocAsText[d.name] {
				typ = "regproc_oid"
			}
			v.colIndex[name] = len(v.Columns)
			v.Columns = append(v.Columns, ViewColumn{Name: name, Type: columnType(typ)})
			v.regproc = append(v.regproc, typ == "regproc")
		}
		v.Rows = v.generate
		allViews = append(allViews, v)
		viewByName[d.schema+"."+d.name] = v
		viewByOID[d.oid] = v
	}
	sort.Slice(allViews, func(i, j int) bool {
		if allViews[i].Schema != allViews[j].Schema {
			return allViews[i].Schema > allViews[j].Schema // pg_catalog first
		}
		return allViews[i].Name < allViews[j].Name
	})
}

// Views returns every catalog relation, pg_catalog's first, each group
// ordered by name. The caller must not modify the slice or the views.
func Views() []*View { return allViews }

// Lookup returns the relation schema.name, or nil. Names are matched
// exactly (the caller folds unquoted identifiers to lower case). An empty
// schema means pg_catalog only: PostgreSQL never puts information_schema
// on the search path.
func Lookup(schema, name string) *View {
	if schema == "" {
		schema = "pg_catalog"
	}
	return viewByName[schema+"."+name]
}

// LookupOID returns the relation whose pg_class.oid is oid, or nil.
func LookupOID(oid uint32) *View { return viewByOID[oid] }

// regprocAsText lists the relations whose regproc columns are text.
var regprocAsText = map[string]bool{"pg_type": true, "pg_proc": true}

// typeByPgName resolves pg_type names, including types.AllTypes' array names.
var typeByPgName = func() map[string]types.OID {
	m := map[string]types.OID{}
	for _, i := range types.AllTypes() {
		m[i.Name] = i.OID
	}
	return m
}()

// columnType maps a pg_type name from relationDefs to the type logdb uses.
func columnType(name string) types.T {
	switch name {
	case "regproc_oid":
		name = "regproc"
	case "regproc", "inet", "aclitem", "pg_ndistinct", "pg_dependencies", "pg_mcv_list":
		name = "text" // regproc shows the function's name; see View.regproc
	case "_aclitem", "_regproc", "_pg_statistic":
		name = "_text"
	case "xid8":
		name = "int8"
	}
	oid, ok := typeByPgName[name]
	if !ok {
		// types.AllTypes is being filled in concurrently; fall back to the
		// OIDs this package knows by heart rather than refusing to start.
		oid, ok = fallbackTypeOIDs[name]
	}
	if !ok {
		panic("BUG: pgcatalog: unknown column type " + name)
	}
	return types.T{OID: oid, Mod: -1}
}

var fallbackTypeOIDs = map[string]types.OID{
	"bool": types.BoolOID, "bytea": types.ByteaOID, "char": types.CharOID, "name": types.NameOID,
	"int8": types.Int8OID, "int2": types.Int2OID, "int4": types.Int4OID, "text": types.TextOID,
	"oid": types.OidOID, "xid": types.XidOID, "int2vector": types.Int2VectorOID,
	"oidvector": types.OidVectorOID, "pg_node_tree": types.PgNodeTreeOID, "float4": types.Float4OID,
	"float8": types.Float8OID, "varchar": types.VarcharOID, "timestamptz": types.TimestamptzOID,
	"interval": types.IntervalOID, "regtype": types.RegtypeOID, "pg_lsn": types.PgLSNOID,
	"anyarray": 2277, "_text": types.TextArrayOID, "_oid": types.OidArrayOID,
	"_int2": types.Int2ArrayOID, "_float4": types.Float4ArrayOID, "_char": types.CharArrayOID,
	"_name": types.NameArrayOID, "_regtype": 2211,
}

// generate is View.Rows for every view: the registered row function, or no
// rows.
func (v *View) generate(s *Schema) ([][]types.Datum, error) {
	if s == nil {
		s = &Schema{}
	}
	f := rowFuncs[v.Schema+"."+v.Name]
	if f == nil {
		return nil, nil
	}
	return f(v, s), nil
}

// Column returns the index of the named column, or -1.
func (v *View) Column(name string) int {
	if i, ok := v.colIndex[name]; ok {
		return i
	}
	return -1
}

// rows collects a view's rows while they are built.
type rows struct {
	v   *View
	out [][]types.Datum
}

func newRows(v *View) *rows { return &rows{v: v} }

// add appends a row holding each column's default, set from the name/value
// pairs given: add("relname", "users", "relkind", "r").
func (r *rows) add(pairs ...any) []types.Datum {
	row := r.v.defaultRow()
	for i := 0; i+1 < len(pairs); i += 2 {
		name, ok := pairs[i].(string)
		if !ok {
			panic(fmt.Sprintf("BUG: pgcatalog: %s: column name %v is not a string", r.v.Name, pairs[i]))
		}
		r.v.set(row, name, pairs[i+1])
	}
	if len(pairs)%2 != 0 {
		panic("BUG: pgcatalog: odd number of arguments to rows.add in " + r.v.Name)
	}
	r.out = append(r.out, row)
	return row
}

func (v *View) set(row []types.Datum, name string, val any) {
	i, ok := v.colIndex[name]
	if !ok {
		panic("BUG: pgcatalog: " + v.Schema + "." + v.Name + " has no column " + name)
	}
	if v.Columns[i].Type.OID == types.CharOID {
		switch x := val.(type) {
		case byte:
			val = charString(x)
		case rune:
			val = charString(byte(x))
		}
	}
	row[i] = normalize(val)
}

// charString is a "char" value: one byte, or "" for the zero byte.
func charString(b byte) string {
	if b == 0 {
		return ""
	}
	return string([]byte{b})
}

// defaultRow is a row of defaults: catalog tables hold zero values in their
// NOT NULL columns (names, flags, numbers, "-" for regproc), views and
// information_schema hold NULL unless set.
func (v *View) defaultRow() []types.Datum {
	row := make([]types.Datum, len(v.Columns))
	if v.Kind != 'r' {
		return row
	}
	for i, c := range v.Columns {
		switch {
		case v.regproc[i]:
			row[i] = "-"
		case c.Type.OID == types.BoolOID:
			row[i] = false
		case c.Type.OID == types.Int2OID, c.Type.OID == types.Int4OID, c.Type.OID == types.Int8OID,
			c.Type.OID == types.OidOID, c.Type.OID == types.XidOID, c.Type.OID == types.RegtypeOID,
			c.Type.OID == types.RegprocOID:
			row[i] = int64(0)
		case c.Type.OID == types.Float4OID, c.Type.OID == types.Float8OID:
			row[i] = float64(0)
		case c.Type.OID == types.NameOID, c.Type.OID == types.CharOID:
			row[i] = ""
		}
	}
	return row
}

// normalize turns the Go values the row builders use into Datums.
func normalize(val any) types.Datum {
	switch x := val.(type) {
	case nil:
		return nil
	case uint32:
		return int64(x)
	case int:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case []int16:
		return int2Array(x)
	case []string:
		return textArray(x)
	}
	return val
}

func int2Array(xs []int16) types.Array {
	a := types.Array{Elem: types.T{OID: types.Int2OID, Mod: -1}, Elements: make([]types.Datum, len(xs))}
	for i, x := range xs {
		a.Elements[i] = int64(x)
	}
	return a
}

func oidArray(xs []uint32) types.Array {
	a := types.Array{Elem: types.T{OID: types.OidOID, Mod: -1}, Elements: make([]types.Datum, len(xs))}
	for i, x := range xs {
		a.Elements[i] = int64(x)
	}
	return a
}

func textArray(xs []string) types.Array {
	a := types.Array{Elem: types.T{OID: types.TextOID, Mod: -1}, Elements: make([]types.Datum, len(xs))}
	for i, x := range xs {
		a.Elements[i] = x
	}
	return a
}
