package test

import (
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestFrameworkSQLMatchesPostgres runs what frameworks send at connect and
// migrate time (issue 15) on logdb and on PostgreSQL 15 and compares the
// answers, errors included: Sequelize's numeric time zones, TypeORM's
// quoted regtype names, a serial on a PascalCase table, constraint and
// index names made unique (sync({alter:true}) adds a unique constraint
// twice), relation sizes of quoted names, and a catalog read after DDL in
// the same query string.
func TestFrameworkSQLMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgres(t, ctx, pc, lc, []string{
		// time zones: POSIX strings count hours west, numbers and
		// intervals hours east (Sequelize: SET TIME ZONE INTERVAL '+00:00'
		// HOUR TO MINUTE)
		"SET TIME ZONE INTERVAL '+00:00' HOUR TO MINUTE",
		"SHOW timezone",
		"SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE; SELECT '2024-01-01 00:00:00+00'::timestamptz::text",
		"SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE; SHOW timezone",
		"SET TIME ZONE INTERVAL '1 day'",
		"SET TIME ZONE 2; SHOW timezone",
		"SET TIME ZONE 5.5; SELECT '2024-01-01 00:00:00+00'::timestamptz::text",
		"SET timezone = '+02:00'; SHOW timezone; SELECT '2024-01-01 00:00:00+00'::timestamptz::text",
		"SET timezone = 'UTC+3'; SELECT '2024-01-01 00:00:00+00'::timestamptz::text",
		"SET timezone = '<+02>-02'; SELECT '2024-01-01 00:00:00+00'::timestamptz::text",
		"SET timezone = 'no/such_zone'",
		"SET TIME ZONE 'UTC'",
		"SELECT '2024-01-01 00:00+00'::timestamptz AT TIME ZONE '+02:00', '2024-01-01 00:00+00'::timestamptz AT TIME ZONE 'UTC+3', '2024-01-01 00:00+00'::timestamptz AT TIME ZONE INTERVAL '+02:00'",
		// regtype input of quoted and schema-qualified names (TypeORM)
		`SELECT '"pg_catalog"."int4"'::regtype, 'pg_catalog.int4'::regtype, 'integer'::regtype, '"int4"'::regtype, 'character varying'::regtype`,
		`SELECT '"nosuchtype"'::regtype`,
		// serial on a quoted name (Sequelize's PascalCase models)
		`CREATE TABLE "FwUsers" (id serial PRIMARY KEY, "firstName" text)`,
		`INSERT INTO "FwUsers" ("firstName") VALUES ('a'), ('b') RETURNING id`,
		`SELECT column_default FROM information_schema.columns WHERE table_name = 'FwUsers' AND column_name = 'id'`,
		`SELECT pg_get_serial_sequence('"FwUsers"', 'id')`,
		// names chosen as PostgreSQL chooses them
		"CREATE TABLE fw_u (a int, b int, CONSTRAINT fw_u_a_key UNIQUE (a))",
		"ALTER TABLE fw_u ADD UNIQUE (a)",
		"ALTER TABLE fw_u ADD UNIQUE (a)",
		"CREATE INDEX ON fw_u (b); CREATE INDEX ON fw_u (b); CREATE UNIQUE INDEX ON fw_u (b)",
		"SELECT relname FROM pg_class WHERE relname LIKE 'fw_u%' ORDER BY relname",
		"SELECT conname FROM pg_constraint WHERE conrelid = 'fw_u'::regclass ORDER BY conname",
		"CREATE TABLE fw_averyveryveryveryveryveryveryveryveryverylongtablenamexxxx (averyveryveryveryverylongcolumnname serial PRIMARY KEY, x int UNIQUE)",
		"SELECT relname FROM pg_class WHERE relname LIKE 'fw_avery%' ORDER BY relname",
		// relation sizes take the name as regclass text
		`SELECT pg_total_relation_size('"FwUsers"') > 0, pg_relation_size('public."FwUsers"') >= 0, pg_table_size('fw_u') >= 0`,
		`SELECT pg_relation_size('"nosuch"')`,
		// a catalog read, DDL, and a catalog read again, in one string
		"SELECT count(*) FROM pg_class WHERE relname = 'fw_late'; CREATE TABLE fw_late (a int); SELECT count(*) FROM pg_class WHERE relname = 'fw_late'",
		"SELECT count(*) FROM pg_parameter_acl",
	}...)
	// int2vector and oidvector cast to arrays: the same elements
	// (PostgreSQL also shows the lower bound 0: [0:1]={1,2}).
	q := "SELECT '1 2'::int2vector::int[], '23 25'::oidvector::regtype[], '23 25'::oidvector::oid[]"
	if got := answerOf(ctx, lc, q); got != "{1,2}|{integer,text}|{23,25}" {
		t.Errorf("%s: %q", q, got)
	}
}

// TestIdentifierQuotingMatchesPostgres: identifiers in generated SQL
// (index definitions, serial defaults, regclass output) are quoted as
// PostgreSQL's quote_identifier does — a dollar sign and keywords that
// are not unreserved are quoted too.
func TestIdentifierQuotingMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgres(t, ctx, pc, lc,
		`CREATE TABLE "time" ("int" serial PRIMARY KEY, "a$b" int, "Mixed" text, "select" int)`,
		`CREATE INDEX ON "time" ("a$b")`,
		`CREATE UNIQUE INDEX "user" ON "time" ("Mixed", "select")`,
		`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'time' ORDER BY indexname`,
		`SELECT column_name, column_default FROM information_schema.columns WHERE table_name = 'time' ORDER BY ordinal_position`,
		`SELECT '"time"'::regclass::text, '"user"'::regclass::text`,
	)
}

// TestUntypedParamInFunctionMatchesPostgres: a parameter of no declared
// type in a function call is resolved as an untyped literal would be
// (knex's whereJsonPath sends jsonb_path_query_first("doc", $1)): the
// same function is chosen and the parameter gets its argument's type.
func TestUntypedParamInFunctionMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 60*time.Second)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`SELECT jsonb_path_query_first('{"a": [1, 2]}'::jsonb, $1)::int`, []any{"$.a[1]"}},
		{`SELECT jsonb_path_exists('{"a": 1}', $1)`, []any{"$.b"}},
		{`SELECT jsonb_path_query_array('{"a": [1, 2, 3]}', $1, $2)`, []any{"$.a[*] ? (@ > $x)", `{"x": 1}`}},
		{`SELECT length($1), upper($1)`, []any{"abc"}},
		{`SELECT round($1, 1)`, []any{"2.45"}},
		{`SELECT coalesce($1, 'x')`, []any{nil}},
	} {
		var pTypes, lTypes string
		for i, c := range []*pgx.Conn{pc, lc} {
			sd, err := c.Prepare(ctx, "", q.sql)
			s := fmt.Sprint(err)
			if err == nil {
				s = fmt.Sprint(sd.ParamOIDs)
			}
			if i == 0 {
				pTypes = s
			} else {
				lTypes = s
			}
		}
		if pTypes != lTypes {
			t.Errorf("%s: parameter types: logdb %s, PostgreSQL %s", q.sql, lTypes, pTypes)
			continue
		}
		want, got := fmt.Sprint(queryTextErr(ctx, pc, q.sql, q.args...)), fmt.Sprint(queryTextErr(ctx, lc, q.sql, q.args...))
		if got != want {
			t.Errorf("%s %v:\n  logdb:      %s\n  PostgreSQL: %s", q.sql, q.args, got, want)
		}
	}
}

// TestColumnDefaultTextMatchesPostgres: a DEFAULT that is one constant is
// stored and shown as PostgreSQL shows it (information_schema's
// column_default, pg_get_expr of pg_attrdef, \d): typed as the column
// (DEFAULT '0' on an integer column is 0, knex writes its defaults so),
// labelled with its type where PostgreSQL labels it; DEFAULT NULL is no
// default.
func TestColumnDefaultTextMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 60*time.Second)
	matchPostgres(t, ctx, pc, lc,
		`CREATE TABLE fw_dflt (a int DEFAULT '0', b text DEFAULT 'x', c varchar(5) DEFAULT 'y', d numeric DEFAULT '1.5',
			e bool DEFAULT 'true', g timestamptz DEFAULT now(), h jsonb DEFAULT '{}', i int DEFAULT -1,
			j text DEFAULT 'x'::text, k bigint DEFAULT 5, l numeric(5,2) DEFAULT 2.5, m float8 DEFAULT 1.5,
			n int DEFAULT '-3', o bigint DEFAULT -5, p int8 DEFAULT 3000000000, q int DEFAULT NULL, r boolean DEFAULT false,
			s char(3) DEFAULT 'ab', t int[] DEFAULT '{}', u text DEFAULT 'it''s', v numeric DEFAULT '5', w numeric DEFAULT -2.5,
			x date DEFAULT '2024-01-02', y smallint DEFAULT '7'::smallint, z uuid DEFAULT '00000000-0000-0000-0000-000000000001',
			aa numeric DEFAULT 1e3, ab float8 DEFAULT 2.5e-3, ac float8 DEFAULT '1.5', ad bytea DEFAULT '\x00ff', ae text[] DEFAULT '{}', af text DEFAULT '')`,
		"SELECT column_name, column_default FROM information_schema.columns WHERE table_name = 'fw_dflt' ORDER BY ordinal_position",
		"SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'fw_dflt'::regclass ORDER BY d.adnum",
		"INSERT INTO fw_dflt DEFAULT VALUES",
		"SELECT a, b, c, d, e, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z, aa, ab, ac, ad, ae, af FROM fw_dflt",
		"ALTER TABLE fw_dflt ALTER COLUMN a SET DEFAULT '42', ALTER COLUMN b SET DEFAULT NULL",
		"SELECT column_name, column_default FROM information_schema.columns WHERE table_name = 'fw_dflt' AND column_name IN ('a', 'b') ORDER BY 1",
	)
}
