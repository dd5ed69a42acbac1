package test

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestEnumsMatchPostgres runs enum DDL, values, ordering, casts, arrays,
// indexes and the catalogs on logdb and on PostgreSQL 15 and compares the
// answers and SQLSTATEs.
func TestEnumsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgres(t, ctx, pc, lc,
		// DDL and its errors
		"CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
		"CREATE TYPE mood AS ENUM ('x')",
		"CREATE TYPE dup AS ENUM ('a', 'a')",
		"CREATE TYPE long AS ENUM ('"+strings.Repeat("x", 64)+"')",
		"CREATE TYPE empty AS ENUM ()",
		"CREATE TABLE mood (a int)",
		"CREATE TYPE en_t AS ENUM ('a')",
		"CREATE TABLE en_tab (a int)",
		"CREATE TYPE en_tab AS ENUM ('a')",
		"ALTER TYPE mood ADD VALUE 'ok'",
		"ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'",
		"ALTER TYPE mood ADD VALUE 'meh' BEFORE 'nope'",
		"ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'",
		"ALTER TYPE mood ADD VALUE 'glad' AFTER 'ok'",
		"ALTER TYPE mood ADD VALUE 'fine' AFTER 'ok'",
		"ALTER TYPE mood ADD VALUE 'awful' BEFORE 'sad'",
		"ALTER TYPE mood ADD VALUE 'ecstatic'",
		"ALTER TYPE mood ADD VALUE '"+strings.Repeat("y", 64)+"'",
		"ALTER TYPE nope ADD VALUE 'x'",
		"ALTER TYPE en_tab ADD VALUE 'x'",
		"ALTER TYPE mood RENAME VALUE 'nope' TO 'x'",
		"ALTER TYPE mood RENAME VALUE 'sad' TO 'ok'",
		"ALTER TYPE mood RENAME VALUE 'ecstatic' TO 'elated'",
		"SELECT enumlabel, enumsortorder FROM pg_enum WHERE enumtypid = 'mood'::regtype ORDER BY enumsortorder",
		"SELECT typname, typtype, typcategory, typlen, typbyval, typalign, typstorage, typinput, typoutput, typreceive, typsend, typelem = 0 FROM pg_type WHERE typname IN ('mood', '_mood') ORDER BY typname",
		"SELECT t.typarray = a.oid, a.typelem = t.oid FROM pg_type t, pg_type a WHERE t.typname = 'mood' AND a.typname = '_mood'",
		"SELECT format_type('mood'::regtype, NULL), format_type('_mood'::regtype, NULL), 'mood[]'::regtype::text, pg_typeof('ok'::mood)",
		"SELECT pg_type_is_visible('mood'::regtype)",
		// values, input errors, casts
		"SELECT 'ok'::mood, 'x'::mood",
		"SELECT 'ok'::mood::text, 'ok'::mood::varchar, CAST('happy' AS mood), 'glad'::text::mood",
		"SELECT 'nope'::text::mood",
		"SELECT 'ok'::mood < 'happy', 'ok'::mood > 'meh'::mood, 'sad'::mood = 'sad', 'sad'::mood <> 'ok'",
		"SELECT 'ok'::mood = 1",
		"SELECT 'ok'::mood || 'x'",
		"SELECT enum_first(NULL::mood), enum_last(NULL::mood), enum_range(NULL::mood)",
		"SELECT enum_range('meh'::mood, 'glad'::mood), enum_range(NULL, 'ok'::mood), enum_range('glad'::mood, NULL)",
		"SELECT to_json('ok'::mood), to_jsonb(ARRAY['ok', 'sad']::mood[])",
		// columns, ordering, indexes and keys
		"CREATE TABLE en_p (m mood PRIMARY KEY, n int)",
		"INSERT INTO en_p VALUES ('happy', 1), ('sad', 2), ('ok', 3), ('meh', 4)",
		"INSERT INTO en_p VALUES ('ok', 5)",
		"INSERT INTO en_p VALUES ('nope', 6)",
		"INSERT INTO en_p SELECT 'glad'::text, 7",
		"INSERT INTO en_p SELECT 'glad'::text::mood, 7",
		"SELECT * FROM en_p ORDER BY m",
		"SELECT * FROM en_p ORDER BY m DESC",
		"SELECT * FROM en_p WHERE m = 'ok'",
		"SELECT * FROM en_p WHERE m >= 'ok' ORDER BY m",
		"SELECT * FROM en_p WHERE m BETWEEN 'meh' AND 'glad' ORDER BY 1",
		"SELECT m IN ('ok', 'sad'), m::text FROM en_p ORDER BY m",
		"SELECT max(m), min(m), count(DISTINCT m) FROM en_p",
		"SELECT array_agg(m ORDER BY m), string_agg(m::text, ',' ORDER BY m DESC) FROM en_p",
		"SELECT m, count(*) FROM en_p GROUP BY m ORDER BY m",
		"UPDATE en_p SET m = 'awful' WHERE n = 2",
		"UPDATE en_p SET m = 'happy' WHERE n = 4",
		"SELECT * FROM en_p ORDER BY m",
		"CREATE TABLE en_q (id int PRIMARY KEY, ms mood[], m mood UNIQUE)",
		"CREATE INDEX en_q_m ON en_q (m)",
		"INSERT INTO en_q VALUES (1, '{sad,happy}', 'ok'), (2, ARRAY['ok', 'glad']::mood[], 'sad'), (3, NULL, NULL)",
		"INSERT INTO en_q VALUES (4, '{bad}', NULL)",
		"INSERT INTO en_q VALUES (5, NULL, 'ok')",
		"SELECT id, ms, ms[2], m FROM en_q ORDER BY id",
		"SELECT id FROM en_q WHERE m = 'sad'",
		"SELECT id FROM en_q WHERE 'happy' = ANY (ms)",
		"SELECT unnest(ms) AS u FROM en_q ORDER BY u",
		"SELECT ms FROM en_q ORDER BY ms",
		"SELECT 'x'::mood[]",
		"SELECT '{sad,nope}'::mood[]",
		"SELECT q.id, p.n FROM en_q q JOIN en_p p ON p.m = q.m ORDER BY 1",
		"SELECT column_name, data_type, udt_schema, udt_name FROM information_schema.columns WHERE table_name IN ('en_p', 'en_q') ORDER BY table_name, ordinal_position",
		"SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = 'en_q'::regclass AND a.attnum > 0 ORDER BY a.attnum",
		// a value added later sorts where it was put, in stored rows too
		"ALTER TYPE mood ADD VALUE 'neutral' BEFORE 'ok'",
		"INSERT INTO en_p VALUES ('neutral', 8)",
		"SELECT * FROM en_p ORDER BY m",
		"SELECT * FROM en_p WHERE m < 'ok' ORDER BY m",
		"ALTER TYPE mood RENAME TO feeling",
		"SELECT 'ok'::mood",
		"SELECT m, 'ok'::feeling FROM en_p ORDER BY m LIMIT 2",
		"ALTER TYPE feeling RENAME TO en_t",
		// DROP TYPE and its dependencies
		"DROP TYPE feeling",
		"DROP TYPE IF EXISTS nope",
		"DROP TYPE nope",
		"DROP TYPE feeling RESTRICT",
		"DROP TABLE en_p", // (logdb cannot drop a primary key column)
		"DROP TYPE feeling CASCADE",
		"SELECT * FROM en_q ORDER BY id",
		"SELECT count(*) FROM pg_enum WHERE enumlabel = 'glad'",
		"SELECT 'ok'::feeling",
		"DROP TYPE en_t",
		"DROP TYPE en_t",
		"DROP DOMAIN en_tab",
		// enums in other statements: ADD COLUMN … DEFAULT, views, CREATE
		// TABLE AS, PREPARE, a domain over an enum, window ORDER BY,
		// INTERSECT, a type created and used in a rolled-back transaction
		"CREATE TYPE e2 AS ENUM ('sad', 'ok', 'happy')",
		"CREATE TABLE e2t (id int PRIMARY KEY, m e2)",
		"INSERT INTO e2t VALUES (1, 'ok'), (2, 'happy'), (3, 'sad')",
		"ALTER TABLE e2t ADD COLUMN m2 e2 DEFAULT 'happy'",
		"ALTER TABLE e2t ADD COLUMN m3 e2 DEFAULT 'nope'",
		"SELECT * FROM e2t ORDER BY id",
		"CREATE VIEW e2v AS SELECT m, m2 FROM e2t",
		"SELECT * FROM e2v WHERE m < m2 ORDER BY m",
		"CREATE TABLE e2c AS SELECT m FROM e2t",
		"SELECT pg_typeof(m), m FROM e2c ORDER BY m",
		"PREPARE e2q(e2) AS SELECT id FROM e2t WHERE m = $1",
		"EXECUTE e2q('ok')",
		"EXECUTE e2q('bad')",
		"CREATE DOMAIN e2d AS e2 CHECK (VALUE <> 'sad')",
		"SELECT 'ok'::e2d, 'ok'::e2d::e2 < 'happy'",
		"SELECT 'sad'::e2d",
		"SELECT m, rank() OVER (ORDER BY m DESC) FROM e2t ORDER BY m",
		"SELECT m FROM e2t INTERSECT SELECT 'ok'::e2",
		"SELECT a.id, b.id FROM e2t a JOIN e2t b ON a.m < b.m ORDER BY 1, 2",
		"BEGIN",
		"CREATE TYPE e2_tx AS ENUM ('a', 'b')",
		"CREATE TABLE e2_txt (x e2_tx)",
		"INSERT INTO e2_txt VALUES ('b'), ('a')",
		"SELECT x FROM e2_txt ORDER BY x",
		"ROLLBACK",
		"SELECT 'a'::e2_tx",
		// owners: anyone may use a type (PUBLIC has USAGE), only its
		// owner change or drop it
		"CREATE ROLE en_r",
		"SET ROLE en_r",
		"SELECT 'ok'::e2, 'ok'::e2d",
		"ALTER TYPE e2 ADD VALUE 'x'",
		"ALTER TYPE e2 RENAME TO e3",
		"DROP TYPE e2",
		"DROP DOMAIN e2d",
		"CREATE TYPE en_r_t AS ENUM ('a')",
		"RESET ROLE",
		"ALTER TYPE e2 OWNER TO en_r",
		"SELECT typname, pg_get_userbyid(typowner) = 'en_r' FROM pg_type WHERE typname IN ('e2', 'e2d') ORDER BY 1",
		"SET ROLE en_r",
		"ALTER TYPE e2 ADD VALUE 'x'",
		"RESET ROLE",
	)
}

// TestEnumsOverPgx reads enum values and arrays with pgx's extended
// protocol (binary where it asks for it): RowDescription names the enum's
// own type OID, pgx decodes it as text, and LoadType registers the array.
func TestEnumsOverPgx(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, sharedNode(t))
	mustExec(t, ctx, c, "CREATE TYPE px_mood AS ENUM ('sad', 'ok', 'happy')")
	mustExec(t, ctx, c, "CREATE TABLE px_t (id int PRIMARY KEY, m px_mood, ms px_mood[])")
	mustExec(t, ctx, c, "INSERT INTO px_t VALUES (1, $1, $2), (2, 'sad', NULL)", "happy", []string{"ok", "sad"})
	var oid uint32
	if err := c.QueryRow(ctx, "SELECT 'px_mood'::regtype::oid").Scan(&oid); err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(ctx, "SELECT m FROM px_t WHERE id = $1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if fd := rows.FieldDescriptions(); len(fd) != 1 || fd[0].DataTypeOID != oid {
		t.Errorf("RowDescription: %+v, want type OID %d", fd, oid)
	}
	rows.Close()
	var m string
	if err := c.QueryRow(ctx, "SELECT m FROM px_t WHERE id = $1", 1).Scan(&m); err != nil || m != "happy" {
		t.Errorf("m = %q, %v; want happy", m, err)
	}
	for _, name := range []string{"px_mood", "_px_mood"} {
		dt, err := c.LoadType(ctx, name)
		if err != nil {
			t.Fatalf("LoadType(%s): %v", name, err)
		}
		c.TypeMap().RegisterType(dt)
	}
	var ms []string
	if err := c.QueryRow(ctx, "SELECT ms FROM px_t WHERE id = 1").Scan(&ms); err != nil || strings.Join(ms, ",") != "ok,sad" {
		t.Errorf("ms = %q, %v; want [ok sad]", ms, err)
	}
	// a parameter of the enum type, sent in binary now that pgx knows it
	var id int
	if err := c.QueryRow(ctx, "SELECT id FROM px_t WHERE m = $1", "sad").Scan(&id); err != nil || id != 2 {
		t.Errorf("id = %d, %v; want 2", id, err)
	}
	if err := c.QueryRow(ctx, "SELECT id FROM px_t WHERE m = $1", "nope").Scan(&id); err == nil {
		t.Errorf("an unknown label as a parameter was accepted")
	} else {
		wantCode(t, err, "22P02", "unknown label parameter")
	}
	var got string
	if err := c.QueryRow(ctx, "SELECT ms::text FROM px_t WHERE id = 1", pgx.QueryExecModeSimpleProtocol).Scan(&got); err != nil || got != "{ok,sad}" {
		t.Errorf("ms::text = %q, %v", got, err)
	}
}

// TestUserTypesSurviveRestart: types are catalog entries in the log: after
// a restart the node still has them, with labels added later, the rows
// that use them, and their order.
func TestUserTypesSurviveRestart(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	for _, q := range []string{
		"CREATE TYPE rs_mood AS ENUM ('sad', 'happy')",
		"ALTER TYPE rs_mood ADD VALUE 'ok' BEFORE 'happy'",
		"ALTER TYPE rs_mood RENAME VALUE 'sad' TO 'blue'",
		"CREATE TABLE rs_t (m rs_mood PRIMARY KEY, ms rs_mood[])",
		"INSERT INTO rs_t VALUES ('happy', '{ok}'), ('blue', NULL), ('ok', '{happy,blue}')",
		"CREATE TYPE rs_pair AS (m rs_mood, n int)",
		"CREATE TABLE rs_c (p rs_pair)",
		"INSERT INTO rs_c VALUES (ROW('ok', 1)), ('(happy,2)')",
	} {
		mustExec(t, ctx, c, q)
	}
	c.Close(ctx)
	n.Stop(t)
	n.Restart(t)
	c = mustConnect(t, n)
	checkQuery(t, ctx, c, "blue|NULL\nok|{happy,blue}\nhappy|{ok}", "SELECT m, ms FROM rs_t ORDER BY m")
	checkQuery(t, ctx, c, "{blue,ok,happy}", "SELECT enum_range(NULL::rs_mood)::text")
	checkQuery(t, ctx, c, "(ok,1)|1\n(happy,2)|2", "SELECT p, (p).n FROM rs_c ORDER BY p")
	checkQuery(t, ctx, c, "happy\nok", "SELECT m FROM rs_t WHERE m > 'blue' ORDER BY m DESC")
	mustExec(t, ctx, c, "ALTER TYPE rs_mood ADD VALUE 'meh' AFTER 'blue'")
	mustExec(t, ctx, c, "INSERT INTO rs_t VALUES ('meh', NULL)")
	checkQuery(t, ctx, c, "blue\nmeh\nok\nhappy", "SELECT m FROM rs_t ORDER BY m")
}

// TestUserTypesDumpIntoPostgres: pg_dump of logdb holding enum columns
// restores into PostgreSQL 15 with the same labels, order and rows.
func TestUserTypesDumpIntoPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	execOnEach(t, ctx, `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';
CREATE TABLE diary (day int PRIMARY KEY, m mood NOT NULL, history mood[]);
CREATE INDEX diary_m ON diary (m);
INSERT INTO diary VALUES (1, 'ok', '{sad,meh}'), (2, 'meh', NULL), (3, 'happy', '{}')`+typesDumpExtra, lc)
	rc := mustRestoreIntoPostgres(t, ctx, pg, mustDump(t, ctx, n.clientArgs("logdb")...))
	for _, q := range append([]string{
		"SELECT enum_range(NULL::mood)::text",
		"SELECT day, m, history FROM diary ORDER BY m",
		"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'diary'::regclass AND attnum > 0 ORDER BY attnum",
	}, typesDumpChecks...) {
		if got, want := answerOf(ctx, lc, q), answerOf(ctx, rc, q); got != want {
			t.Errorf("%s\n  logdb:               %q\n  restored PostgreSQL: %q", q, got, want)
		}
	}
	// and back: PostgreSQL's dump of the restored database (ALTER TYPE …
	// OWNER TO included) loads into a fresh logdb
	n2 := mustStartNode(t, t.TempDir())
	mustLoadScript(t, ctx, "loading PostgreSQL's dump into logdb", mustDump(t, ctx, pg.clientArgs("restored")...), n2.clientArgs("logdb"))
	lc2 := mustConnect(t, n2)
	pgPsql := func(db, meta string) string {
		out, _ := runClient(ctx, "", "psql", append(pg.clientArgs(db), "-X", "-c", meta)...)
		return out
	}
	logdbPsql := func(meta string) string {
		out, _ := runClient(ctx, "", "psql", append(n.clientArgs("logdb"), "-X", "-c", meta)...)
		return out
	}
	for _, meta := range []string{`\dT`, `\dT mood`, `\d diary`} {
		if got, want := logdbPsql(meta), pgPsql("restored", meta); got != want {
			t.Errorf("%s:\nlogdb:\n%s\nPostgreSQL:\n%s", meta, got, want)
		}
	}
	for _, q := range []string{"SELECT enum_range(NULL::mood)::text", "SELECT day, m, history FROM diary ORDER BY m", "SELECT id, c, m FROM tagged ORDER BY id", "INSERT INTO tagged VALUES (5, 'a', 'ok')", "SELECT id, p, ps FROM pts ORDER BY id"} {
		if got, want := answerOf(ctx, lc2, q), answerOf(ctx, rc, q); got != want {
			t.Errorf("after loading PostgreSQL's dump: %s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}

// typesDumpExtra and typesDumpChecks add domains to
// TestUserTypesDumpIntoPostgres.
var (
	typesDumpExtra = `;
CREATE DOMAIN posint AS int NOT NULL DEFAULT 1 CHECK (VALUE > 0);
CREATE DOMAIN code AS varchar(3) CONSTRAINT code_upper CHECK (VALUE = upper(VALUE));
CREATE TABLE tagged (id posint PRIMARY KEY, c code, m mood);
INSERT INTO tagged VALUES (1, 'AB', 'ok'), (2, NULL, NULL);
CREATE TYPE pt AS (x int, m mood, "Odd name" text);
CREATE TABLE pts (id int PRIMARY KEY, p pt, ps pt[]);
INSERT INTO pts VALUES (1, ROW(1, 'ok', 'a b'), ARRAY[ROW(2, 'sad', NULL)::pt]), (2, NULL, NULL);
CREATE TABLE moody (id int PRIMARY KEY, m mood DEFAULT 'ok' CHECK (m <> 'sad'::mood), happy boolean GENERATED ALWAYS AS (m = 'happy'::mood) STORED);
INSERT INTO moody (id) VALUES (1)`
	typesDumpChecks = []string{
		"SELECT id, c, m FROM tagged ORDER BY id",
		"SELECT typname, typnotnull, typbasetype::regtype, format_type(typbasetype, typtypmod) FROM pg_type WHERE typtype = 'd' AND typnamespace = 'public'::regnamespace ORDER BY 1",
		"SELECT conname FROM pg_constraint WHERE contypid <> 0 AND connamespace = 'public'::regnamespace ORDER BY 1",
		"INSERT INTO tagged VALUES (0, 'A', 'ok')",
		"INSERT INTO tagged VALUES (3, 'a', 'ok')",
		"INSERT INTO tagged (c) VALUES ('X')",
		"SELECT id, p, ps, (p).m FROM pts ORDER BY id",
		"SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid WHERE t.typname = 'pt' ORDER BY a.attnum",
		// expressions naming a type of public restore with it bound
		"SELECT id, m, happy FROM moody ORDER BY id",
		"SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'moody'::regclass AND contype = 'c'",
		"SELECT attname, pg_get_expr(adbin, adrelid) FROM pg_attrdef JOIN pg_attribute ON attrelid = adrelid AND attnum = adnum WHERE adrelid = 'moody'::regclass ORDER BY attnum",
	}
)

// TestUserTypesReplicated: a type created and changed through one node of
// a three-node cluster is there, with its labels and order, on the
// others, which can write and read values of it.
func TestUserTypesReplicated(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	cl := mustStartCluster(t, 3)
	c1, err := cl.connect(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close(ctx)
	for _, q := range []string{
		"CREATE TYPE rp_mood AS ENUM ('sad', 'happy')",
		"CREATE DOMAIN rp_pos AS int CHECK (VALUE > 0)",
		"CREATE TABLE rp_t (id rp_pos PRIMARY KEY, m rp_mood)",
		"INSERT INTO rp_t VALUES (1, 'happy')",
		"ALTER TYPE rp_mood ADD VALUE 'ok' BEFORE 'happy'",
	} {
		mustExec(t, ctx, c1, q)
	}
	for _, id := range []uint64{2, 3} {
		c, err := cl.connect(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, ctx, c, "INSERT INTO rp_t VALUES ($1, 'ok')", int(id))
		_, err = c.Exec(ctx, "INSERT INTO rp_t VALUES (-1, 'ok')")
		wantCode(t, err, "23514", "a domain's CHECK on another node")
		checkQuery(t, ctx, c, "{sad,ok,happy}", "SELECT enum_range(NULL::rp_mood)::text")
		c.Close(ctx)
	}
	checkQuery(t, ctx, c1, "2|ok\n3|ok\n1|happy", "SELECT id, m FROM rp_t ORDER BY m, id")
}
