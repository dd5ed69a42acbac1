package pgcatalog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"logdb/sql/types"
)

// The expected outputs in these tests were printed by PostgreSQL 15.18 for
// the same DDL (psql -At -F'|', lines sorted bytewise):
//
//	CREATE TABLE users (id serial PRIMARY KEY, email varchar(100) NOT NULL UNIQUE,
//	  name text, score numeric(10,2) DEFAULT 0, created_at timestamptz DEFAULT now(),
//	  CONSTRAINT score_positive CHECK (score >= 0));
//	CREATE TABLE orders (id bigserial PRIMARY KEY, user_id integer NOT NULL
//	  REFERENCES users(id) ON DELETE CASCADE, amount numeric NOT NULL,
//	  note text DEFAULT 'none'::text, tags text[], flag boolean, CHECK (amount > 0));
//	CREATE INDEX orders_user_idx ON orders (user_id, id);

func ty(oid types.OID, mod int32) types.T { return types.T{OID: oid, Mod: mod} }

// testSchema is what the engine would build for the DDL above, with the
// OIDs PostgreSQL gave the objects. Defs are left empty where pgcatalog can
// build them, as the engine may.
func testSchema() *Schema {
	return &Schema{
		Database: "logdb", User: "postgres",
		Tables: []Table{
			{
				OID: 16386, Name: "users", Schema: "public",
				Columns: []Column{
					{Name: "id", AttNum: 1, Type: ty(types.Int4OID, -1), NotNull: true, Default: "nextval('users_id_seq'::regclass)"},
					{Name: "email", AttNum: 2, Type: ty(types.VarcharOID, 104), NotNull: true},
					{Name: "name", AttNum: 3, Type: ty(types.TextOID, -1)},
					{Name: "score", AttNum: 4, Type: ty(types.NumericOID, 655366), Default: "0"},
					{Name: "created_at", AttNum: 5, Type: ty(types.TimestamptzOID, -1), Default: "now()"},
				},
				Indexes: []Index{
					{OID: 16395, Name: "users_pkey", Columns: []int16{1}, Unique: true, Primary: true},
					{OID: 16397, Name: "users_email_key", Columns: []int16{2}, Unique: true,
						Def: "CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)"},
				},
				Constraints: []Constraint{
					{OID: 16392, Name: "score_positive", Kind: 'c', Columns: []int16{4},
						Def: "CHECK ((score >= (0)::numeric))", PrettyDef: "CHECK (score >= 0::numeric)"},
					{OID: 16396, Name: "users_pkey", Kind: 'p', Columns: []int16{1}, IndexOID: 16395},
					{OID: 16398, Name: "users_email_key", Kind: 'u', Columns: []int16{2}, IndexOID: 16397, Def: "UNIQUE (email)"},
				},
			},
			{
				OID: 16400, Name: "orders", Schema: "public",
				Columns: []Column{
					{Name: "id", AttNum: 1, Type: ty(types.Int8OID, -1), NotNull: true, Default: "nextval('orders_id_seq'::regclass)"},
					{Name: "user_id", AttNum: 2, Type: ty(types.Int4OID, -1), NotNull: true},
					{Name: "amount", AttNum: 3, Type: ty(types.NumericOID, -1), NotNull: true},
					{Name: "note", AttNum: 4, Type: ty(types.TextOID, -1), Default: "'none'::text"},
					{Name: "tags", AttNum: 5, Type: ty(types.TextArrayOID, -1)},
					{Name: "flag", AttNum: 6, Type: ty(types.BoolOID, -1)},
				},
				Indexes: []Index{
					{OID: 16408, Name: "orders_pkey", Columns: []int16{1}, Unique: true, Primary: true},
					{OID: 16415, Name: "orders_user_idx", Columns: []int16{2, 1}},
				},
				Constraints: []Constraint{
					{OID: 16405, Name: "orders_amount_check", Kind: 'c', Columns: []int16{3},
						Def: "CHECK ((amount > (0)::numeric))", PrettyDef: "CHECK (amount > 0::numeric)"},
					{OID: 16409, Name: "orders_pkey", Kind: 'p', Columns: []int16{1}, IndexOID: 16408},
					{OID: 16410, Name: "orders_user_id_fkey", Kind: 'f', Columns: []int16{2},
						RefTableOID: 16386, RefColumns: []int16{1}, OnDelete: 'c'},
				},
			},
		},
		Sequences: []Sequence{
			{OID: 16385, Name: "users_id_seq", Schema: "public", OwnerTable: 16386, OwnerAttNum: 1,
				Type: ty(types.Int4OID, -1), Start: 1, Increment: 1, Min: 1, Max: 2147483647, Cache: 1},
			{OID: 16399, Name: "orders_id_seq", Schema: "public", OwnerTable: 16400, OwnerAttNum: 1,
				Type: ty(types.Int8OID, -1), Start: 1, Increment: 1, Min: 1, Max: 9223372036854775807, Cache: 1},
		},
	}
}

// format prints a Datum as psql -At does.
func format(t types.T, d types.Datum) string {
	switch x := d.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "t"
		}
		return "f"
	case int64:
		if t.OID == types.RegtypeOID {
			return types.FormatType(types.T{OID: types.OID(x), Mod: -1})
		}
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	case types.Array:
		parts := make([]string, len(x.Elements))
		for i, e := range x.Elements {
			parts[i] = format(x.Elem, e)
		}
		if t.OID == types.Int2VectorOID || t.OID == types.OidVectorOID {
			return strings.Join(parts, " ")
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprint(d)
}

// mustSelect returns the named columns of the rows of schema.view that
// keep accepts, one "|"-joined line per row, sorted.
func mustSelect(t *testing.T, s *Schema, schema, view string, cols string, keep func(get func(string) types.Datum) bool) []string {
	t.Helper()
	v := Lookup(schema, view)
	if v == nil {
		t.Fatalf("no view %s.%s", schema, view)
	}
	rows, err := v.Rows(s)
	if err != nil {
		t.Fatalf("%s.%s: %v", schema, view, err)
	}
	var out []string
	for _, row := range rows {
		if len(row) != len(v.Columns) {
			t.Fatalf("%s.%s: row has %d values for %d columns", schema, view, len(row), len(v.Columns))
		}
		get := func(name string) types.Datum {
			i := v.Column(name)
			if i < 0 {
				t.Fatalf("%s.%s has no column %s", schema, view, name)
			}
			return row[i]
		}
		if keep != nil && !keep(get) {
			continue
		}
		var parts []string
		for _, c := range strings.Split(cols, ",") {
			c = strings.TrimSpace(c)
			i := v.Column(c)
			if i < 0 {
				t.Fatalf("%s.%s has no column %s", schema, view, c)
			}
			parts = append(parts, format(v.Columns[i].Type, row[i]))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	sort.Strings(out)
	return out
}

func userOID(col string) func(get func(string) types.Datum) bool {
	return func(get func(string) types.Datum) bool {
		n, _ := get(col).(int64)
		return n >= 16384
	}
}

func schemaIs(col, want string) func(get func(string) types.Datum) bool {
	return func(get func(string) types.Datum) bool { return get(col) == want }
}

func expectLines(t *testing.T, what string, got []string, want string) {
	t.Helper()
	w := strings.Split(strings.TrimSpace(want), "\n")
	for i := range w {
		w[i] = strings.TrimSpace(w[i])
	}
	if strings.Join(got, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s:\n got:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(w, "\n"))
	}
}

func TestPgClass(t *testing.T) {
	got := mustSelect(t, testSchema(), "pg_catalog", "pg_class",
		"oid, relname, relnamespace, relowner, relam, relpages, reltuples, relhasindex, relpersistence, relkind, relnatts, relchecks, relhasrules, relhastriggers, relrowsecurity, relreplident, relispartition",
		userOID("oid"))
	expectLines(t, "pg_class", got, `
		16385|users_id_seq|2200|10|0|1|1|f|p|S|3|0|f|f|f|n|f
		16386|users|2200|10|2|0|-1|t|p|r|5|1|f|t|f|d|f
		16395|users_pkey|2200|10|403|1|0|f|p|i|1|0|f|f|f|n|f
		16397|users_email_key|2200|10|403|1|0|f|p|i|1|0|f|f|f|n|f
		16399|orders_id_seq|2200|10|0|1|1|f|p|S|3|0|f|f|f|n|f
		16400|orders|2200|10|2|0|-1|t|p|r|6|1|f|t|f|d|f
		16408|orders_pkey|2200|10|403|1|0|f|p|i|1|0|f|f|f|n|f
		16415|orders_user_idx|2200|10|403|1|0|f|p|i|2|0|f|f|f|n|f`)
}

func TestPgAttribute(t *testing.T) {
	s := testSchema()
	got := mustSelect(t, s, "pg_catalog", "pg_attribute",
		"attrelid, attname, atttypid, attlen, attnum, atttypmod, attndims, attbyval, attalign, attstorage, attnotnull, atthasdef, attidentity, attgenerated, attisdropped, attislocal, attcollation, attstattarget",
		func(get func(string) types.Datum) bool {
			rel, _ := get("attrelid").(int64)
			return rel >= 16384 && rel != 16385 && rel != 16399 // PostgreSQL's query skipped sequences
		})
	expectLines(t, "pg_attribute", got, `
		16386|created_at|1184|8|5|-1|0|t|d|p|f|t|||f|t|0|-1
		16386|email|1043|-1|2|104|0|f|i|x|t|f|||f|t|100|-1
		16386|id|23|4|1|-1|0|t|i|p|t|t|||f|t|0|-1
		16386|name|25|-1|3|-1|0|f|i|x|f|f|||f|t|100|-1
		16386|score|1700|-1|4|655366|0|f|i|m|f|t|||f|t|0|-1
		16395|id|23|4|1|-1|0|t|i|p|f|f|||f|t|0|-1
		16397|email|1043|-1|1|104|0|f|i|x|f|f|||f|t|100|-1
		16400|amount|1700|-1|3|-1|0|f|i|m|t|f|||f|t|0|-1
		16400|flag|16|1|6|-1|0|t|c|p|f|f|||f|t|0|-1
		16400|id|20|8|1|-1|0|t|d|p|t|t|||f|t|0|-1
		16400|note|25|-1|4|-1|0|f|i|x|f|t|||f|t|100|-1
		16400|tags|1009|-1|5|-1|1|f|i|x|f|f|||f|t|100|-1
		16400|user_id|23|4|2|-1|0|t|i|p|t|f|||f|t|0|-1
		16408|id|20|8|1|-1|0|t|d|p|f|f|||f|t|0|-1
		16415|id|20|8|2|-1|0|t|d|p|f|f|||f|t|0|-1
		16415|user_id|23|4|1|-1|0|t|i|p|f|f|||f|t|0|-1`)
	// Every catalog relation's columns are in pg_attribute too, so that
	// `\d pg_class` works; pg_type's typelem is attnum 14 as pgx expects.
	got = mustSelect(t, s, "pg_catalog", "pg_attribute", "attname, attnum", func(get func(string) types.Datum) bool {
		return get("attrelid") == int64(1247) && (get("attname") == "typelem" || get("attname") == "typbasetype")
	})
	expectLines(t, "pg_type attnums", got, "typbasetype|26\ntypelem|14")
}

func TestPgAttrdef(t *testing.T) {
	got := mustSelect(t, testSchema(), "pg_catalog", "pg_attrdef", "adrelid, adnum, adbin", nil)
	expectLines(t, "pg_attrdef", got, `
		16386|1|nextval('users_id_seq'::regclass)
		16386|4|0
		16386|5|now()
		16400|1|nextval('orders_id_seq'::regclass)
		16400|4|'none'::text`)
}

func TestPgIndex(t *testing.T) {
	got := mustSelect(t, testSchema(), "pg_catalog", "pg_index",
		"indexrelid, indrelid, indnatts, indnkeyatts, indisunique, indisprimary, indimmediate, indisclustered, indisvalid, indisreplident, indkey, indcollation, indclass, indoption, indexprs, indpred", nil)
	expectLines(t, "pg_index", got, `
		16395|16386|1|1|t|t|t|f|t|f|1|0|1978|0||
		16397|16386|1|1|t|f|t|f|t|f|2|100|3126|0||
		16408|16400|1|1|t|t|t|f|t|f|1|0|3124|0||
		16415|16400|2|2|f|f|t|f|t|f|2 1|0 0|1978 3124|0 0||`)
}

func TestPgConstraint(t *testing.T) {
	got := mustSelect(t, testSchema(), "pg_catalog", "pg_constraint",
		"oid, conname, connamespace, contype, condeferrable, condeferred, convalidated, conrelid, contypid, conindid, conparentid, confrelid, confupdtype, confdeltype, confmatchtype, conislocal, coninhcount, connoinherit, conkey, confkey", nil)
	expectLines(t, "pg_constraint", got, `
		16392|score_positive|2200|c|f|f|t|16386|0|0|0|0| | | |t|0|f|{4}|
		16396|users_pkey|2200|p|f|f|t|16386|0|16395|0|0| | | |t|0|t|{1}|
		16398|users_email_key|2200|u|f|f|t|16386|0|16397|0|0| | | |t|0|t|{2}|
		16405|orders_amount_check|2200|c|f|f|t|16400|0|0|0|0| | | |t|0|f|{3}|
		16409|orders_pkey|2200|p|f|f|t|16400|0|16408|0|0| | | |t|0|t|{1}|
		16410|orders_user_id_fkey|2200|f|f|f|t|16400|0|16395|0|16386|a|c|s|t|0|t|{2}|{1}`)
}

func TestPgSequenceAndDepend(t *testing.T) {
	s := testSchema()
	expectLines(t, "pg_sequence", mustSelect(t, s, "pg_catalog", "pg_sequence",
		"seqrelid, seqtypid, seqstart, seqincrement, seqmax, seqmin, seqcache, seqcycle", nil), `
		16385|23|1|1|2147483647|1|1|f
		16399|20|1|1|9223372036854775807|1|1|f`)
	// PostgreSQL's rows, without those for namespaces, types, toast tables
	// and triggers, which logdb does not have; attrdef OIDs differ.
	deps := mustSelect(t, s, "pg_catalog", "pg_depend", "classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype", nil)
	for i, l := range deps {
		if strings.HasPrefix(l, "2604|") {
			f := strings.Split(l, "|")
			f[1] = "attrdef"
			deps[i] = strings.Join(f, "|")
		}
	}
	sort.Strings(deps)
	expectLines(t, "pg_depend", deps, `
		1259|16385|0|1259|16386|1|a
		1259|16395|0|2606|16396|0|i
		1259|16397|0|2606|16398|0|i
		1259|16399|0|1259|16400|1|a
		1259|16408|0|2606|16409|0|i
		1259|16415|0|1259|16400|1|a
		1259|16415|0|1259|16400|2|a
		2604|attrdef|0|1259|16385|0|n
		2604|attrdef|0|1259|16386|1|a
		2604|attrdef|0|1259|16386|4|a
		2604|attrdef|0|1259|16386|5|a
		2604|attrdef|0|1259|16399|0|n
		2604|attrdef|0|1259|16400|1|a
		2604|attrdef|0|1259|16400|4|a
		2606|16392|0|1259|16386|4|a
		2606|16392|0|1259|16386|4|n
		2606|16396|0|1259|16386|1|a
		2606|16398|0|1259|16386|2|a
		2606|16405|0|1259|16400|3|a
		2606|16405|0|1259|16400|3|n
		2606|16409|0|1259|16400|1|a
		2606|16410|0|1259|16386|1|n
		2606|16410|0|1259|16395|0|n
		2606|16410|0|1259|16400|2|a`)
	expectLines(t, "pg_sequences", mustSelect(t, s, "pg_catalog", "pg_sequences", "schemaname, sequencename, sequenceowner, data_type, start_value, min_value, max_value, increment_by, cycle, cache_size, last_value", nil), `
		public|orders_id_seq|postgres|bigint|1|1|9223372036854775807|1|f|1|
		public|users_id_seq|postgres|integer|1|1|2147483647|1|f|1|`)
}

func TestPgTablesAndIndexes(t *testing.T) {
	s := testSchema()
	expectLines(t, "pg_indexes", mustSelect(t, s, "pg_catalog", "pg_indexes", "schemaname, tablename, indexname, tablespace, indexdef", schemaIs("schemaname", "public")), `
		public|orders|orders_pkey||CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)
		public|orders|orders_user_idx||CREATE INDEX orders_user_idx ON public.orders USING btree (user_id, id)
		public|users|users_email_key||CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)
		public|users|users_pkey||CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)`)
	expectLines(t, "pg_tables", mustSelect(t, s, "pg_catalog", "pg_tables", "schemaname, tablename, tableowner, tablespace, hasindexes, hasrules, hastriggers, rowsecurity", schemaIs("schemaname", "public")), `
		public|orders|postgres||t|f|t|f
		public|users|postgres||t|f|t|f`)
}

func TestInformationSchemaColumns(t *testing.T) {
	got := mustSelect(t, testSchema(), "information_schema", "columns",
		"table_name, column_name, ordinal_position, column_default, is_nullable, data_type, character_maximum_length, character_octet_length, numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision, udt_name, dtd_identifier, is_identity, is_generated, is_updatable",
		schemaIs("table_schema", "public"))
	expectLines(t, "information_schema.columns", got, `
		orders|amount|3||NO|numeric||||10|||numeric|3|NO|NEVER|YES
		orders|flag|6||YES|boolean|||||||bool|6|NO|NEVER|YES
		orders|id|1|nextval('orders_id_seq'::regclass)|NO|bigint|||64|2|0||int8|1|NO|NEVER|YES
		orders|note|4|'none'::text|YES|text||1073741824|||||text|4|NO|NEVER|YES
		orders|tags|5||YES|ARRAY|||||||_text|5|NO|NEVER|YES
		orders|user_id|2||NO|integer|||32|2|0||int4|2|NO|NEVER|YES
		users|created_at|5|now()|YES|timestamp with time zone||||||6|timestamptz|5|NO|NEVER|YES
		users|email|2||NO|character varying|100|400|||||varchar|2|NO|NEVER|YES
		users|id|1|nextval('users_id_seq'::regclass)|NO|integer|||32|2|0||int4|1|NO|NEVER|YES
		users|name|3||YES|text||1073741824|||||text|3|NO|NEVER|YES
		users|score|4|0|YES|numeric|||10|10|2||numeric|4|NO|NEVER|YES`)
}

func TestInformationSchemaConstraints(t *testing.T) {
	s := testSchema()
	expectLines(t, "table_constraints", mustSelect(t, s, "information_schema", "table_constraints",
		"constraint_catalog, constraint_schema, constraint_name, table_catalog, table_schema, table_name, constraint_type, is_deferrable, initially_deferred, enforced, nulls_distinct", nil), `
		logdb|public|2200_16386_1_not_null|logdb|public|users|CHECK|NO|NO|YES|
		logdb|public|2200_16386_2_not_null|logdb|public|users|CHECK|NO|NO|YES|
		logdb|public|2200_16400_1_not_null|logdb|public|orders|CHECK|NO|NO|YES|
		logdb|public|2200_16400_2_not_null|logdb|public|orders|CHECK|NO|NO|YES|
		logdb|public|2200_16400_3_not_null|logdb|public|orders|CHECK|NO|NO|YES|
		logdb|public|orders_amount_check|logdb|public|orders|CHECK|NO|NO|YES|
		logdb|public|orders_pkey|logdb|public|orders|PRIMARY KEY|NO|NO|YES|
		logdb|public|orders_user_id_fkey|logdb|public|orders|FOREIGN KEY|NO|NO|YES|
		logdb|public|score_positive|logdb|public|users|CHECK|NO|NO|YES|
		logdb|public|users_email_key|logdb|public|users|UNIQUE|NO|NO|YES|YES
		logdb|public|users_pkey|logdb|public|users|PRIMARY KEY|NO|NO|YES|`)
	expectLines(t, "key_column_usage", mustSelect(t, s, "information_schema", "key_column_usage",
		"constraint_catalog, constraint_schema, constraint_name, table_catalog, table_schema, table_name, column_name, ordinal_position, position_in_unique_constraint", nil), `
		logdb|public|orders_pkey|logdb|public|orders|id|1|
		logdb|public|orders_user_id_fkey|logdb|public|orders|user_id|1|1
		logdb|public|users_email_key|logdb|public|users|email|1|
		logdb|public|users_pkey|logdb|public|users|id|1|`)
	expectLines(t, "constraint_column_usage", mustSelect(t, s, "information_schema", "constraint_column_usage",
		"table_catalog, table_schema, table_name, column_name, constraint_catalog, constraint_schema, constraint_name", nil), `
		logdb|public|orders|amount|logdb|public|orders_amount_check
		logdb|public|orders|id|logdb|public|orders_pkey
		logdb|public|users|email|logdb|public|users_email_key
		logdb|public|users|id|logdb|public|orders_user_id_fkey
		logdb|public|users|id|logdb|public|users_pkey
		logdb|public|users|score|logdb|public|score_positive`)
	expectLines(t, "check_constraints", mustSelect(t, s, "information_schema", "check_constraints",
		"constraint_catalog, constraint_schema, constraint_name, check_clause", nil), `
		logdb|public|2200_16386_1_not_null|id IS NOT NULL
		logdb|public|2200_16386_2_not_null|email IS NOT NULL
		logdb|public|2200_16400_1_not_null|id IS NOT NULL
		logdb|public|2200_16400_2_not_null|user_id IS NOT NULL
		logdb|public|2200_16400_3_not_null|amount IS NOT NULL
		logdb|public|orders_amount_check|((amount > (0)::numeric))
		logdb|public|score_positive|((score >= (0)::numeric))`)
	expectLines(t, "referential_constraints", mustSelect(t, s, "information_schema", "referential_constraints",
		"constraint_catalog, constraint_schema, constraint_name, unique_constraint_catalog, unique_constraint_schema, unique_constraint_name, match_option, update_rule, delete_rule", nil), `
		logdb|public|orders_user_id_fkey|logdb|public|users_pkey|NONE|NO ACTION|CASCADE`)
	expectLines(t, "sequences", mustSelect(t, s, "information_schema", "sequences",
		"sequence_catalog, sequence_schema, sequence_name, data_type, numeric_precision, numeric_precision_radix, numeric_scale, start_value, minimum_value, maximum_value, increment, cycle_option", nil), `
		logdb|public|orders_id_seq|bigint|64|2|0|1|1|9223372036854775807|1|NO
		logdb|public|users_id_seq|integer|32|2|0|1|1|2147483647|1|NO`)
}

// TestEveryView generates every view from the test schema and from an
// empty one: rows have the right width, every value has the Go type its
// column's type calls for.
func TestEveryView(t *testing.T) {
	for _, s := range []*Schema{testSchema(), {}, nil} {
		for _, v := range Views() {
			rows, err := v.Rows(s)
			if err != nil {
				t.Fatalf("%s.%s: %v", v.Schema, v.Name, err)
			}
			for _, row := range rows {
				if len(row) != len(v.Columns) {
					t.Fatalf("%s.%s: %d values for %d columns", v.Schema, v.Name, len(row), len(v.Columns))
				}
				for i, d := range row {
					if err := checkDatum(v.Columns[i].Type, d); err != nil {
						t.Errorf("%s.%s.%s: %v", v.Schema, v.Name, v.Columns[i].Name, err)
					}
				}
			}
			if Lookup(v.Schema, v.Name) != v || LookupOID(v.OID) != v {
				t.Errorf("%s.%s: lookup does not find it", v.Schema, v.Name)
			}
		}
	}
}

func checkDatum(t types.T, d types.Datum) error {
	if d == nil {
		return nil
	}
	ok := false
	switch t.OID {
	case types.BoolOID:
		_, ok = d.(bool)
	case types.Int2OID, types.Int4OID, types.Int8OID, types.OidOID, types.XidOID, types.RegtypeOID, types.RegclassOID, types.RegprocOID:
		_, ok = d.(int64)
	case types.Float4OID, types.Float8OID:
		_, ok = d.(float64)
	case types.TextOID, types.NameOID, types.CharOID, types.VarcharOID, types.BpcharOID, types.PgNodeTreeOID:
		_, ok = d.(string)
	case types.PgLSNOID:
		_, ok = d.(types.LSN)
	default:
		if types.IsArray(t.OID) || t.OID == types.Int2VectorOID || t.OID == types.OidVectorOID {
			_, ok = d.(types.Array)
		} else {
			ok = true
		}
	}
	if !ok {
		return fmt.Errorf("value %#v (%T) does not fit type %d", d, d, t.OID)
	}
	return nil
}

func TestPsqlColumnsExist(t *testing.T) {
	// Columns psql 15, pgx and gorm read (see shared/reference/clients).
	need := map[string]string{
		"pg_class":           "oid relname relnamespace relkind relowner relam relchecks relhasindex relhasrules relhastriggers relrowsecurity relforcerowsecurity relispartition reltablespace reloftype relpersistence relreplident reltoastrelid reloptions relpartbound reltype",
		"pg_attribute":       "attrelid attname atttypid atttypmod attnum attnotnull atthasdef attisdropped attcollation attidentity attgenerated attstorage attcompression attstattarget",
		"pg_attrdef":         "adrelid adnum adbin",
		"pg_index":           "indexrelid indrelid indisprimary indisunique indisclustered indisvalid indisreplident indnkeyatts indimmediate indnullsnotdistinct indpred indkey",
		"pg_constraint":      "oid conname conrelid conindid contype condeferrable condeferred conparentid confrelid",
		"pg_type":            "oid typname typnamespace typtype typbasetype typelem typdelim typrelid typcategory typtypmod typarray typcollation",
		"pg_namespace":       "oid nspname nspowner",
		"pg_am":              "oid amname",
		"pg_database":        "datname datdba encoding datcollate datctype daticulocale datlocprovider datacl dattablespace oid",
		"pg_roles":           "rolname rolsuper rolinherit rolcreaterole rolcreatedb rolcanlogin rolconnlimit rolvaliduntil oid rolreplication rolbypassrls",
		"pg_auth_members":    "roleid member",
		"pg_collation":       "oid collname",
		"pg_policy":          "polname polpermissive polroles polqual polwithcheck polcmd polrelid",
		"pg_statistic_ext":   "oid stxrelid stxnamespace stxname stxkind stxstattarget",
		"pg_publication":     "oid pubname puballtables",
		"pg_trigger":         "oid tgname tgenabled tgisinternal tgparentid tgrelid",
		"pg_inherits":        "inhparent inhrelid inhseqno inhdetachpending",
		"pg_sequence":        "seqrelid seqtypid seqstart seqmin seqmax seqincrement seqcycle seqcache",
		"pg_depend":          "classid objid refclassid refobjid refobjsubid deptype",
		"pg_proc":            "oid proname pronamespace prokind",
		"pg_tablespace":      "oid spcname",
		"pg_extension":       "oid extname extversion extnamespace",
		"pg_description":     "objoid classoid objsubid description",
		"pg_settings":        "name setting context",
		"pg_range":           "rngtypid rngsubtype rngmultitypid",
		"pg_indexes":         "schemaname tablename indexname indexdef",
		"pg_rewrite":         "oid rulename ev_class",
		"pg_stat_activity":   "datname pid usename application_name state query",
		"pg_publication_rel": "prpubid prrelid prqual prattrs",
	}
	for name, cols := range need {
		v := Lookup("pg_catalog", name)
		if v == nil {
			t.Errorf("no pg_catalog.%s", name)
			continue
		}
		for _, c := range strings.Fields(cols) {
			if v.Column(c) < 0 {
				t.Errorf("pg_catalog.%s has no column %s", name, c)
			}
		}
	}
}

func TestPgType(t *testing.T) {
	// Types added to sql/types later are not compared.
	known := map[int64]bool{}
	for _, l := range strings.Split(strings.TrimSpace(pgTypeWant), "\n") {
		n, _ := strconv.ParseInt(strings.TrimSpace(strings.SplitN(l, "|", 2)[0]), 10, 64)
		known[n] = true
	}
	got := mustSelect(t, &Schema{}, "pg_catalog", "pg_type", "oid, typname, typlen, typbyval, typtype, typcategory, typispreferred, typdelim, typrelid, typsubscript, typelem, typarray, typinput, typoutput, typreceive, typsend, typmodin, typmodout, typanalyze, typalign, typstorage, typcollation",
		func(get func(string) types.Datum) bool { n, _ := get("oid").(int64); return known[n] })
	expectLines(t, "pg_type", got, pgTypeWant)
}

const pgTypeWant = `
		1000|_bool|-1|f|b|A|f|,|0|array_subscript_handler|16|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1001|_bytea|-1|f|b|A|f|,|0|array_subscript_handler|17|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1002|_char|-1|f|b|A|f|,|0|array_subscript_handler|18|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1003|_name|-1|f|b|A|f|,|0|array_subscript_handler|19|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|950
		1005|_int2|-1|f|b|A|f|,|0|array_subscript_handler|21|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1006|_int2vector|-1|f|b|A|f|,|0|array_subscript_handler|22|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1007|_int4|-1|f|b|A|f|,|0|array_subscript_handler|23|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1008|_regproc|-1|f|b|A|f|,|0|array_subscript_handler|24|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1009|_text|-1|f|b|A|f|,|0|array_subscript_handler|25|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|100
		1011|_xid|-1|f|b|A|f|,|0|array_subscript_handler|28|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1013|_oidvector|-1|f|b|A|f|,|0|array_subscript_handler|30|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1014|_bpchar|-1|f|b|A|f|,|0|array_subscript_handler|1042|0|array_in|array_out|array_recv|array_send|bpchartypmodin|bpchartypmodout|array_typanalyze|i|x|100
		1015|_varchar|-1|f|b|A|f|,|0|array_subscript_handler|1043|0|array_in|array_out|array_recv|array_send|varchartypmodin|varchartypmodout|array_typanalyze|i|x|100
		1016|_int8|-1|f|b|A|f|,|0|array_subscript_handler|20|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|d|x|0
		1021|_float4|-1|f|b|A|f|,|0|array_subscript_handler|700|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1022|_float8|-1|f|b|A|f|,|0|array_subscript_handler|701|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|d|x|0
		1028|_oid|-1|f|b|A|f|,|0|array_subscript_handler|26|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1042|bpchar|-1|f|b|S|f|,|0|-|0|1014|bpcharin|bpcharout|bpcharrecv|bpcharsend|bpchartypmodin|bpchartypmodout|-|i|x|100
		1043|varchar|-1|f|b|S|f|,|0|-|0|1015|varcharin|varcharout|varcharrecv|varcharsend|varchartypmodin|varchartypmodout|-|i|x|100
		1082|date|4|t|b|D|f|,|0|-|0|1182|date_in|date_out|date_recv|date_send|-|-|-|i|p|0
		1083|time|8|t|b|D|f|,|0|-|0|1183|time_in|time_out|time_recv|time_send|timetypmodin|timetypmodout|-|d|p|0
		1114|timestamp|8|t|b|D|f|,|0|-|0|1115|timestamp_in|timestamp_out|timestamp_recv|timestamp_send|timestamptypmodin|timestamptypmodout|-|d|p|0
		1115|_timestamp|-1|f|b|A|f|,|0|array_subscript_handler|1114|0|array_in|array_out|array_recv|array_send|timestamptypmodin|timestamptypmodout|array_typanalyze|d|x|0
		114|json|-1|f|b|U|f|,|0|-|0|199|json_in|json_out|json_recv|json_send|-|-|-|i|x|0
		1182|_date|-1|f|b|A|f|,|0|array_subscript_handler|1082|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		1183|_time|-1|f|b|A|f|,|0|array_subscript_handler|1083|0|array_in|array_out|array_recv|array_send|timetypmodin|timetypmodout|array_typanalyze|d|x|0
		1184|timestamptz|8|t|b|D|t|,|0|-|0|1185|timestamptz_in|timestamptz_out|timestamptz_recv|timestamptz_send|timestamptztypmodin|timestamptztypmodout|-|d|p|0
		1185|_timestamptz|-1|f|b|A|f|,|0|array_subscript_handler|1184|0|array_in|array_out|array_recv|array_send|timestamptztypmodin|timestamptztypmodout|array_typanalyze|d|x|0
		1186|interval|16|f|b|T|t|,|0|-|0|1187|interval_in|interval_out|interval_recv|interval_send|intervaltypmodin|intervaltypmodout|-|d|p|0
		1187|_interval|-1|f|b|A|f|,|0|array_subscript_handler|1186|0|array_in|array_out|array_recv|array_send|intervaltypmodin|intervaltypmodout|array_typanalyze|d|x|0
		1231|_numeric|-1|f|b|A|f|,|0|array_subscript_handler|1700|0|array_in|array_out|array_recv|array_send|numerictypmodin|numerictypmodout|array_typanalyze|i|x|0
		16|bool|1|t|b|B|t|,|0|-|0|1000|boolin|boolout|boolrecv|boolsend|-|-|-|c|p|0
		1700|numeric|-1|f|b|N|f|,|0|-|0|1231|numeric_in|numeric_out|numeric_recv|numeric_send|numerictypmodin|numerictypmodout|-|i|m|0
		17|bytea|-1|f|b|U|f|,|0|-|0|1001|byteain|byteaout|bytearecv|byteasend|-|-|-|i|x|0
		18|char|1|t|b|Z|f|,|0|-|0|1002|charin|charout|charrecv|charsend|-|-|-|c|p|0
		194|pg_node_tree|-1|f|b|Z|f|,|0|-|0|0|pg_node_tree_in|pg_node_tree_out|pg_node_tree_recv|pg_node_tree_send|-|-|-|i|x|100
		199|_json|-1|f|b|A|f|,|0|array_subscript_handler|114|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		19|name|64|f|b|S|f|,|0|raw_array_subscript_handler|18|1003|namein|nameout|namerecv|namesend|-|-|-|c|p|950
		20|int8|8|t|b|N|f|,|0|-|0|1016|int8in|int8out|int8recv|int8send|-|-|-|d|p|0
		21|int2|2|t|b|N|f|,|0|-|0|1005|int2in|int2out|int2recv|int2send|-|-|-|s|p|0
		2205|regclass|4|t|b|N|f|,|0|-|0|2210|regclassin|regclassout|regclassrecv|regclasssend|-|-|-|i|p|0
		2206|regtype|4|t|b|N|f|,|0|-|0|2211|regtypein|regtypeout|regtyperecv|regtypesend|-|-|-|i|p|0
		2210|_regclass|-1|f|b|A|f|,|0|array_subscript_handler|2205|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		2211|_regtype|-1|f|b|A|f|,|0|array_subscript_handler|2206|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		2249|record|-1|f|p|P|f|,|0|-|0|2287|record_in|record_out|record_recv|record_send|-|-|-|d|x|0
		2275|cstring|-2|f|p|P|f|,|0|-|0|0|cstring_in|cstring_out|cstring_recv|cstring_send|-|-|-|c|p|0
		2276|any|4|t|p|P|f|,|0|-|0|0|any_in|any_out|-|-|-|-|-|i|p|0
		2277|anyarray|-1|f|p|P|f|,|0|-|0|0|anyarray_in|anyarray_out|anyarray_recv|anyarray_send|-|-|-|d|x|0
		2278|void|4|t|p|P|f|,|0|-|0|0|void_in|void_out|void_recv|void_send|-|-|-|i|p|0
		2279|trigger|4|t|p|P|f|,|0|-|0|0|trigger_in|trigger_out|-|-|-|-|-|i|p|0
		2283|anyelement|4|t|p|P|f|,|0|-|0|0|anyelement_in|anyelement_out|-|-|-|-|-|i|p|0
		2287|_record|-1|f|p|P|f|,|0|array_subscript_handler|2249|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|d|x|0
		22|int2vector|-1|f|b|A|f|,|0|array_subscript_handler|21|1006|int2vectorin|int2vectorout|int2vectorrecv|int2vectorsend|-|-|-|i|p|0
		23|int4|4|t|b|N|f|,|0|-|0|1007|int4in|int4out|int4recv|int4send|-|-|-|i|p|0
		24|regproc|4|t|b|N|f|,|0|-|0|1008|regprocin|regprocout|regprocrecv|regprocsend|-|-|-|i|p|0
		25|text|-1|f|b|S|t|,|0|-|0|1009|textin|textout|textrecv|textsend|-|-|-|i|x|100
		26|oid|4|t|b|N|t|,|0|-|0|1028|oidin|oidout|oidrecv|oidsend|-|-|-|i|p|0
		28|xid|4|t|b|U|f|,|0|-|0|1011|xidin|xidout|xidrecv|xidsend|-|-|-|i|p|0
		2950|uuid|16|f|b|U|f|,|0|-|0|2951|uuid_in|uuid_out|uuid_recv|uuid_send|-|-|-|c|p|0
		2951|_uuid|-1|f|b|A|f|,|0|array_subscript_handler|2950|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		30|oidvector|-1|f|b|A|f|,|0|array_subscript_handler|26|1013|oidvectorin|oidvectorout|oidvectorrecv|oidvectorsend|-|-|-|i|p|0
		3220|pg_lsn|8|t|b|U|f|,|0|-|0|3221|pg_lsn_in|pg_lsn_out|pg_lsn_recv|pg_lsn_send|-|-|-|d|p|0
		3221|_pg_lsn|-1|f|b|A|f|,|0|array_subscript_handler|3220|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|d|x|0
		3802|jsonb|-1|f|b|U|f|,|0|jsonb_subscript_handler|0|3807|jsonb_in|jsonb_out|jsonb_recv|jsonb_send|-|-|-|i|x|0
		3807|_jsonb|-1|f|b|A|f|,|0|array_subscript_handler|3802|0|array_in|array_out|array_recv|array_send|-|-|array_typanalyze|i|x|0
		700|float4|4|t|b|N|f|,|0|-|0|1021|float4in|float4out|float4recv|float4send|-|-|-|i|p|0
		701|float8|8|t|b|N|t|,|0|-|0|1022|float8in|float8out|float8recv|float8send|-|-|-|d|p|0
		705|unknown|-2|f|p|X|f|,|0|-|0|0|unknownin|unknownout|unknownrecv|unknownsend|-|-|-|c|p|0`

func TestRowTypes(t *testing.T) {
	s := testSchema()
	rt := int64(rowTypeOID(16386))
	got := mustSelect(t, s, "pg_catalog", "pg_type", "typname, typtype, typcategory, typrelid, typelem, typinput",
		func(get func(string) types.Datum) bool { n, _ := get("oid").(int64); return n >= 1<<31 })
	expectLines(t, "row types", got, fmt.Sprintf(`
		_orders|b|A|0|%d|array_in
		_users|b|A|0|%d|array_in
		orders|c|C|16400|0|record_in
		users|c|C|16386|0|record_in`, rowTypeOID(16400), rt))
	reltype := mustSelect(t, s, "pg_catalog", "pg_class", "reltype", func(get func(string) types.Datum) bool { return get("oid") == int64(16386) })
	expectLines(t, "reltype", reltype, strconv.FormatInt(rt, 10))
	for oid, want := range map[int64]string{rt: "users", int64(rowArrayOID(16386)): "users[]"} {
		if got := mustCall(t, s, "format_type", oid, nil); got != want {
			t.Errorf("format_type(%d) = %v, want %s", oid, got, want)
		}
		if got := mustCall(t, s, "pg_type_is_visible", oid); got != true {
			t.Errorf("pg_type_is_visible(%d) = %v", oid, got)
		}
	}
}

// TestConcurrentRows generates the views from many goroutines at once, as
// sessions do; run with -race.
func TestConcurrentRows(t *testing.T) {
	s := testSchema()
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			for _, name := range []string{"pg_class", "pg_attribute", "pg_type", "pg_proc"} {
				if _, err := Lookup("pg_catalog", name).Rows(s); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
