package pgcatalog

import (
	"testing"

	"logdb/sql/types"
)

// session is a stand-in for the engine's session.
type session struct{ s *Schema }

func (x session) CatalogSchema() *Schema { return x.s }

// mustCall calls the catalog function name with args, choosing the
// overload by argument count.
func mustCall(t *testing.T, s *Schema, name string, args ...types.Datum) types.Datum {
	t.Helper()
	ctx := &types.EvalContext{Session: session{s}, User: s.User, Database: s.Database}
	for _, f := range Funcs() {
		if f.Name != name || len(f.Args) != len(args) {
			continue
		}
		if f.Strict {
			for _, a := range args {
				if a == nil {
					return nil
				}
			}
		}
		d, err := f.Fn(ctx, args)
		if err != nil {
			t.Fatalf("%s%v: %v", name, args, err)
		}
		return d
	}
	t.Fatalf("no function %s with %d arguments", name, len(args))
	return nil
}

func TestGetIndexdef(t *testing.T) {
	s := testSchema()
	for _, c := range []struct {
		oid                 int64
		def, pretty, c1, c2 string
	}{
		{16395, "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)", "CREATE UNIQUE INDEX users_pkey ON users USING btree (id)", "id", ""},
		{16397, "CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)", "CREATE UNIQUE INDEX users_email_key ON users USING btree (email)", "email", ""},
		{16408, "CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)", "CREATE UNIQUE INDEX orders_pkey ON orders USING btree (id)", "id", ""},
		{16415, "CREATE INDEX orders_user_idx ON public.orders USING btree (user_id, id)", "CREATE INDEX orders_user_idx ON orders USING btree (user_id, id)", "user_id", "id"},
	} {
		if got := mustCall(t, s, "pg_get_indexdef", c.oid); got != c.def {
			t.Errorf("pg_get_indexdef(%d) = %q, want %q", c.oid, got, c.def)
		}
		if got := mustCall(t, s, "pg_get_indexdef", c.oid, int64(0), true); got != c.pretty {
			t.Errorf("pg_get_indexdef(%d, 0, true) = %q, want %q", c.oid, got, c.pretty)
		}
		if got := mustCall(t, s, "pg_get_indexdef", c.oid, int64(1), true); got != c.c1 {
			t.Errorf("pg_get_indexdef(%d, 1, true) = %q, want %q", c.oid, got, c.c1)
		}
		if got := mustCall(t, s, "pg_get_indexdef", c.oid, int64(2), false); got != c.c2 {
			t.Errorf("pg_get_indexdef(%d, 2, false) = %q, want %q", c.oid, got, c.c2)
		}
	}
	if got := mustCall(t, s, "pg_get_indexdef", int64(1)); got != nil {
		t.Errorf("pg_get_indexdef(1) = %v, want NULL", got)
	}
}

func TestGetConstraintdef(t *testing.T) {
	s := testSchema()
	for _, c := range []struct {
		oid         int64
		def, pretty string
	}{
		{16392, "CHECK ((score >= (0)::numeric))", "CHECK (score >= 0::numeric)"},
		{16396, "PRIMARY KEY (id)", "PRIMARY KEY (id)"},
		{16398, "UNIQUE (email)", "UNIQUE (email)"},
		{16405, "CHECK ((amount > (0)::numeric))", "CHECK (amount > 0::numeric)"},
		{16409, "PRIMARY KEY (id)", "PRIMARY KEY (id)"},
		{16410, "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE", "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE"},
	} {
		if got := mustCall(t, s, "pg_get_constraintdef", c.oid); got != c.def {
			t.Errorf("pg_get_constraintdef(%d) = %q, want %q", c.oid, got, c.def)
		}
		if got := mustCall(t, s, "pg_get_constraintdef", c.oid, true); got != c.pretty {
			t.Errorf("pg_get_constraintdef(%d, true) = %q, want %q", c.oid, got, c.pretty)
		}
	}
}

func TestFormatType(t *testing.T) {
	// select format_type(atttypid, atttypmod), format_type(atttypid, NULL) ...
	for _, c := range []struct {
		oid       types.OID
		mod       types.Datum
		want      string
		wantNoMod string
	}{
		{1009, int64(-1), "text[]", "text[]"},
		{1043, int64(104), "character varying(100)", "character varying"},
		{1184, int64(-1), "timestamp with time zone", "timestamp with time zone"},
		{16, int64(-1), "boolean", "boolean"},
		{1700, int64(-1), "numeric", "numeric"},
		{1700, int64(655366), "numeric(10,2)", "numeric"},
		{20, int64(-1), "bigint", "bigint"},
		{23, int64(-1), "integer", "integer"},
		{25, int64(-1), "text", "text"},
		// select format_type(1042,NULL), format_type(1042,-1), format_type(1042, 14),
		//        format_type(1014, NULL), format_type(99999, -1), format_type(18,NULL)
		{1042, int64(-1), "bpchar", "character"},
		{1042, int64(14), "character(10)", "character"},
		{1014, int64(-1), "bpchar[]", "character[]"},
		{99999, int64(-1), "???", "???"},
		{18, int64(-1), `"char"`, `"char"`},
	} {
		s := &Schema{}
		if got := mustCall(t, s, "format_type", int64(c.oid), c.mod); got != c.want {
			t.Errorf("format_type(%d, %v) = %q, want %q", c.oid, c.mod, got, c.want)
		}
		if got := mustCall(t, s, "format_type", int64(c.oid), nil); got != c.wantNoMod {
			t.Errorf("format_type(%d, NULL) = %q, want %q", c.oid, got, c.wantNoMod)
		}
	}
}

func TestMiscFunctions(t *testing.T) {
	s := testSchema()
	for _, c := range []struct {
		name string
		args []types.Datum
		want types.Datum
	}{
		{"pg_get_serial_sequence", []types.Datum{"users", "id"}, "public.users_id_seq"},
		{"pg_get_serial_sequence", []types.Datum{"public.users", "id"}, "public.users_id_seq"},
		{"pg_get_serial_sequence", []types.Datum{"users", "name"}, nil},
		{"pg_get_userbyid", []types.Datum{int64(10)}, "postgres"},
		{"pg_get_userbyid", []types.Datum{int64(12345)}, "unknown (OID=12345)"},
		{"pg_encoding_to_char", []types.Datum{int64(6)}, "UTF8"},
		{"pg_encoding_to_char", []types.Datum{int64(99)}, ""},
		{"pg_char_to_encoding", []types.Datum{"UTF8"}, int64(6)},
		{"pg_table_is_visible", []types.Datum{int64(16386)}, true},
		{"pg_table_is_visible", []types.Datum{int64(1259)}, true},
		{"pg_table_is_visible", []types.Datum{int64(13425)}, false}, // information_schema.tables
		{"pg_table_is_visible", []types.Datum{int64(99999)}, false},
		{"pg_get_expr", []types.Datum{"now()", int64(16386), true}, "now()"},
		{"obj_description", []types.Datum{int64(16386), "pg_class"}, nil},
		{"obj_description", []types.Datum{int64(2200), "pg_namespace"}, "standard public schema"},
		{"obj_description", []types.Datum{int64(2200), "pg_class"}, nil},
		{"pg_get_userbyid", []types.Datum{int64(6171)}, "pg_database_owner"},
		{"pg_relation_is_publishable", []types.Datum{int64(16386)}, true},
		{"pg_table_size", []types.Datum{int64(16386)}, int64(8192)},
		{"has_table_privilege", []types.Datum{"users", "SELECT"}, true},
		{"to_regclass", []types.Datum{"pg_catalog.pg_class"}, int64(1259)},
		{"to_regclass", []types.Datum{"nosuch"}, nil},
	} {
		if got := mustCall(t, s, c.name, c.args...); got != c.want {
			t.Errorf("%s%v = %#v, want %#v", c.name, c.args, got, c.want)
		}
	}
}

func TestSizePretty(t *testing.T) {
	// select pg_size_pretty(0::bigint), ... (PostgreSQL 15)
	for n, want := range map[int64]string{
		0: "0 bytes", 10239: "10239 bytes", 10240: "10 kB", 8192: "8192 bytes",
		16384: "16 kB", 123456789: "118 MB", -5000000000: "-4768 MB",
	} {
		if got := SizePretty(n); got != want {
			t.Errorf("SizePretty(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRegclass(t *testing.T) {
	s := testSchema()
	s.Namespaces = []Namespace{{OID: 16500, Name: "other"}}
	s.Tables = append(s.Tables, Table{OID: 16501, Name: "t2", Schema: "other"})
	for text, want := range map[string]uint32{
		"users": 16386, "public.users": 16386, `"users"`: 16386, "USERS": 16386,
		"pg_catalog.pg_class": 1259, "pg_class": 1259, "information_schema.tables": 13425,
		"other.t2": 16501, "16402": 16402, "users_pkey": 16395, "users_id_seq": 16385,
	} {
		got, err := s.RegclassIn(text)
		if err != nil || got != want {
			t.Errorf("RegclassIn(%q) = %d, %v; want %d", text, got, err, want)
		}
	}
	for _, bad := range []string{"nosuch", `"Users"`, "other.users", "t2"} {
		if _, err := s.RegclassIn(bad); err == nil {
			t.Errorf("RegclassIn(%q) succeeded", bad)
		}
	}
	for oid, want := range map[uint32]string{16386: "users", 1259: "pg_class", 16501: "other.t2", 13425: "information_schema.tables", 99999: "99999"} {
		if got := s.RegclassOut(oid); got != want {
			t.Errorf("RegclassOut(%d) = %q, want %q", oid, got, want)
		}
	}
	expectLines(t, "pg_namespace", mustSelect(t, s, "pg_catalog", "pg_namespace", "oid, nspname, nspowner", nil), `
		11|pg_catalog|10
		13000|information_schema|10
		16500|other|10
		2200|public|6171
		99|pg_toast|10`)
}

func TestQuoteIdent(t *testing.T) {
	for in, want := range map[string]string{
		"users": "users", "Users": `"Users"`, "user": `"user"`, "order": `"order"`, "a b": `"a b"`,
		"1a": `"1a"`, "a1": "a1", `a"b`: `"a""b"`, "name": "name", "_x": "_x",
	} {
		if got := QuoteIdent(in); got != want {
			t.Errorf("QuoteIdent(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckDefFromExpression(t *testing.T) {
	for def, want := range map[string]string{
		"CHECK ((score >= (0)::numeric))": "CHECK ((score >= (0)::numeric))",
		"score >= 0":                      "CHECK ((score >= 0))",
		"(score >= 0)":                    "CHECK ((score >= 0))",
		"(a > 0) AND (b > 0)":             "CHECK (((a > 0) AND (b > 0)))",
		"name <> ')'":                     "CHECK ((name <> ')'))",
	} {
		if got := checkDef(def); got != want {
			t.Errorf("checkDef(%q) = %q, want %q", def, got, want)
		}
	}
	if got := checkExpr("score >= 0"); got != "(score >= 0)" {
		t.Errorf("checkExpr = %q", got)
	}
	for def, want := range map[string]string{
		"CHECK ((score >= 0))": "CHECK (score >= 0)",
		"score >= 0":           "CHECK (score >= 0)",
		"(a > 0) AND (b > 0)":  "CHECK ((a > 0) AND (b > 0))",
	} {
		if got := prettyCheckDef(def); got != want {
			t.Errorf("prettyCheckDef(%q) = %q, want %q", def, got, want)
		}
	}
}

func TestCurrentSchemas(t *testing.T) {
	s := testSchema()
	s.SearchPath = []string{"nosuch", "public"}
	for implicit, want := range map[bool]string{true: "{pg_catalog,public}", false: "{public}"} {
		got := mustCall(t, s, "current_schemas", implicit)
		if f := format(types.T{OID: types.NameArrayOID, Mod: -1}, got); f != want {
			t.Errorf("current_schemas(%v) = %s, want %s", implicit, f, want)
		}
	}
}

// TestPgType compares pg_type with PostgreSQL 15 for every type logdb has
// (cstring's typarray is 0: logdb has no _cstring).

func TestRegproc(t *testing.T) {
	s := testSchema()
	oid, err := s.RegprocIn("pg_catalog.pg_get_serial_sequence")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.RegprocOut(oid); got != "pg_get_serial_sequence" {
		t.Errorf("RegprocOut = %q", got)
	}
	if got := mustCall(t, s, "pg_get_function_arguments", int64(oid)); got != "text, text" {
		t.Errorf("pg_get_function_arguments = %v", got)
	}
	if got := mustCall(t, s, "pg_get_function_result", int64(oid)); got != "text" {
		t.Errorf("pg_get_function_result = %v", got)
	}
	if _, err := s.RegprocIn("pg_get_indexdef"); err == nil {
		t.Error("RegprocIn of an overloaded name succeeded")
	}
	if _, err := s.RegprocIn("no_such_function"); err == nil {
		t.Error("RegprocIn of an unknown name succeeded")
	}
	if got, err := s.RegprocIn("bthandler"); err != nil || got != 330 || s.RegprocOut(330) != "bthandler" {
		t.Errorf("RegprocIn(bthandler) = %d, %v", got, err)
	}
	if got := s.RegprocOut(0); got != "-" {
		t.Errorf("RegprocOut(0) = %q", got)
	}
	// pg_proc lists the function with its argument types.
	got := mustSelect(t, s, "pg_catalog", "pg_proc", "proname, pronargs, proargtypes, prorettype",
		func(get func(string) types.Datum) bool { return get("oid") == int64(oid) })
	expectLines(t, "pg_proc", got, "pg_get_serial_sequence|2|25 25|25")
}

// TestGetExprSearchPath: pg_dump sets search_path to ” and expects
// regclass constants qualified, as PostgreSQL deparses them.
func TestGetExprSearchPath(t *testing.T) {
	s := testSchema()
	s.Sequences = append(s.Sequences, Sequence{OID: 16500, Name: "Order_id_seq", Schema: "public"})
	cases := map[string][2]string{ // expr: {search_path public, search_path ''}
		"nextval('users_id_seq'::regclass)": {"nextval('users_id_seq'::regclass)", "nextval('public.users_id_seq'::regclass)"},
		"nextval('Order_id_seq'::regclass)": {`nextval('"Order_id_seq"'::regclass)`, `nextval('public."Order_id_seq"'::regclass)`},
		"now()":                             {"now()", "now()"},
		"'nosuch'::regclass":                {"'nosuch'::regclass", "'nosuch'::regclass"},
	}
	for expr, want := range cases {
		s.SearchPath = nil
		if got := mustCall(t, s, "pg_get_expr", expr, int64(16386)); got != want[0] {
			t.Errorf("pg_get_expr(%q) = %v, want %s", expr, got, want[0])
		}
		s.SearchPath = []string{}
		if got := mustCall(t, s, "pg_get_expr", expr, int64(16386), true); got != want[1] {
			t.Errorf("pg_get_expr(%q) with empty search_path = %v, want %s", expr, got, want[1])
		}
	}
	if got := mustCall(t, s, "current_schemas", false); len(got.(types.Array).Elements) != 0 {
		t.Errorf("current_schemas(false) with empty search_path = %v", got)
	}
	if got := mustCall(t, s, "pg_get_indexdef", int64(16395), int64(0), true); got != "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)" {
		t.Errorf("pg_get_indexdef pretty with empty search_path = %v", got)
	}
}
