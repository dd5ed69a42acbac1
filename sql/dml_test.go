package sql

import (
	"strings"
	"testing"

	"logdb/sql/pgerror"
)

func TestDMLAndDDL(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, `CREATE TABLE kv (k text PRIMARY KEY, v int NOT NULL DEFAULT 0, note varchar(5), CHECK (v >= 0))`)
	expectRows(t, s, "INSERT INTO kv (k) VALUES ('a') RETURNING *", "a|0|NULL")
	expectRows(t, s, "INSERT INTO kv VALUES ('b', 2, DEFAULT) RETURNING k, v * 10 AS ten", "b|20")
	pe := expectErr(t, s, "INSERT INTO kv VALUES ('c', -1)", pgerror.CheckViolation)
	if pe.Message != `new row for relation "kv" violates check constraint "kv_v_check"` {
		t.Fatal(pe.Message)
	}
	expectErr(t, s, "INSERT INTO kv VALUES ('c', 1, 'toolong')", pgerror.StringDataRightTruncation)
	expectRows(t, s, "INSERT INTO kv VALUES ('a', 5) ON CONFLICT (k) DO UPDATE SET v = kv.v + EXCLUDED.v RETURNING v", "5")
	expectRows(t, s, "INSERT INTO kv VALUES ('a', 5) ON CONFLICT DO NOTHING RETURNING v", "")
	r := mustExec(t, s, "INSERT INTO kv VALUES ('a', 5), ('z', 1) ON CONFLICT DO NOTHING")
	if r.tags[0] != "INSERT 0 1" {
		t.Fatal(r.tags)
	}
	expectRows(t, s, "UPDATE kv SET k = 'aa' WHERE k = 'a' RETURNING k, v", "aa|5")
	expectRows(t, s, "SELECT k FROM kv ORDER BY k", "aa\nb\nz")
	mustExec(t, s, "CREATE TABLE adj (k text PRIMARY KEY, delta int)")
	mustExec(t, s, "INSERT INTO adj VALUES ('b', 3), ('z', 4)")
	r = mustExec(t, s, "UPDATE kv SET v = kv.v + adj.delta FROM adj WHERE adj.k = kv.k")
	if r.tags[0] != "UPDATE 2" {
		t.Fatal(r.tags)
	}
	expectRows(t, s, "SELECT k, v FROM kv ORDER BY k", "aa|5\nb|5\nz|5")
	r = mustExec(t, s, "DELETE FROM kv USING adj WHERE adj.k = kv.k AND adj.delta > 3")
	if r.tags[0] != "DELETE 1" {
		t.Fatal(r.tags)
	}
	mustExec(t, s, "UPDATE kv SET (v, note) = (7, 'hi') WHERE k = 'b'")
	expectRows(t, s, "SELECT v, note FROM kv WHERE k = 'b'", "7|hi")

	// unique index and constraint
	mustExec(t, s, "CREATE TABLE u (id int PRIMARY KEY, email text UNIQUE, code int)")
	mustExec(t, s, "INSERT INTO u VALUES (1, 'a@x', 1), (2, NULL, 1), (3, NULL, 2)")
	pe = expectErr(t, s, "INSERT INTO u VALUES (4, 'a@x', 3)", pgerror.UniqueViolation)
	if pe.Constraint != "u_email_key" || pe.Detail != "Key (email)=(a@x) already exists." {
		t.Fatalf("%+v", pe)
	}
	expectErr(t, s, "UPDATE u SET email = 'a@x' WHERE id = 2", pgerror.UniqueViolation)
	expectErr(t, s, "CREATE UNIQUE INDEX u_code ON u (code)", pgerror.UniqueViolation)
	mustExec(t, s, "CREATE INDEX u_code ON u (code)")
	mustExec(t, s, "CREATE INDEX IF NOT EXISTS u_code ON u (code)")
	expectRows(t, s, "SELECT id FROM u WHERE code = 1 ORDER BY id", "1\n2")
	expectRows(t, s, "SELECT id FROM u WHERE email = 'a@x'", "1")
	if got := query(t, s, "EXPLAIN SELECT id FROM u WHERE code = 1"); !strings.Contains(got, "Index Scan on u using u_code") {
		t.Fatal(got)
	}
	if got := query(t, s, "EXPLAIN SELECT id FROM u WHERE id = 1"); !strings.Contains(got, "Point Get") {
		t.Fatal(got)
	}
	if got := query(t, s, "EXPLAIN SELECT id FROM u WHERE id > 1 ORDER BY id DESC LIMIT 1"); !strings.Contains(got, "Range Scan") || strings.Contains(got, "Sort") || !strings.Contains(got, "reverse") {
		t.Fatal(got)
	}
	expectRows(t, s, "SELECT id FROM u WHERE id > 1 ORDER BY id DESC LIMIT 1", "3")
	if got := query(t, s, "EXPLAIN SELECT id FROM u WHERE id IN (3, 1, 3, 99)"); !strings.Contains(got, "Multi Point Get") {
		t.Fatal(got)
	}
	expectRows(t, s, "SELECT id FROM u WHERE id IN (3, 1, 3, 99)", "1\n3")
	expectRows(t, s, "SELECT id FROM u WHERE id = ANY('{3,2}'::int[]) ORDER BY id DESC", "3\n2")
	expectRows(t, s, "SELECT id FROM u WHERE id IN (1, NULL)", "1")
	mustExec(t, s, "UPDATE u SET code = 5 WHERE id = 1")
	expectRows(t, s, "SELECT id FROM u WHERE code = 5", "1")
	expectRows(t, s, "SELECT id FROM u WHERE code = 1", "2")
	mustExec(t, s, "DELETE FROM u WHERE id = 2")
	expectRows(t, s, "SELECT count(*) FROM u WHERE code = 1", "0")
	mustExec(t, s, "DROP INDEX u_code")
	expectErr(t, s, "DROP INDEX u_code", pgerror.UndefinedObject)
	mustExec(t, s, "DROP INDEX IF EXISTS u_code")

	// ALTER TABLE
	mustExec(t, s, "ALTER TABLE u ADD COLUMN score int DEFAULT 10")
	expectRows(t, s, "SELECT id, score FROM u ORDER BY id", "1|10\n3|10")
	mustExec(t, s, "ALTER TABLE u ADD COLUMN IF NOT EXISTS score int")
	mustExec(t, s, "ALTER TABLE u RENAME COLUMN score TO points")
	mustExec(t, s, "ALTER TABLE u ALTER COLUMN points SET DEFAULT 1")
	mustExec(t, s, "INSERT INTO u (id) VALUES (9)")
	expectRows(t, s, "SELECT points FROM u WHERE id = 9", "1")
	mustExec(t, s, "ALTER TABLE u DROP COLUMN points")
	expectErr(t, s, "SELECT points FROM u", pgerror.UndefinedColumn)
	mustExec(t, s, "ALTER TABLE u ADD COLUMN points int")
	expectRows(t, s, "SELECT points FROM u WHERE id = 1", "NULL")
	mustExec(t, s, "ALTER TABLE u RENAME TO users2")
	expectRows(t, s, "SELECT count(*) FROM users2", "3")
	expectErr(t, s, "ALTER TABLE users2 ALTER COLUMN code SET NOT NULL", pgerror.NotNullViolation)

	// TRUNCATE and DROP
	mustExec(t, s, "TRUNCATE users2")
	expectRows(t, s, "SELECT count(*) FROM users2", "0")
	mustExec(t, s, "INSERT INTO users2 (id, email, points) VALUES (1, 'a@x', 1)")
	expectRows(t, s, "SELECT id FROM users2 WHERE email = 'a@x'", "1")
	mustExec(t, s, "DROP TABLE users2")
	expectErr(t, s, "SELECT * FROM users2", pgerror.UndefinedTable)
	r = mustExec(t, s, "DROP TABLE IF EXISTS users2")
	if len(r.notices) != 1 {
		t.Fatal(r.notices)
	}
	expectErr(t, s, "CREATE TABLE adj (x int)", pgerror.DuplicateTable)
	mustExec(t, s, "CREATE TABLE IF NOT EXISTS adj (x int)")

	// table without primary key
	mustExec(t, s, "CREATE TABLE log (msg text)")
	mustExec(t, s, "INSERT INTO log VALUES ('a'), ('b'), ('a')")
	expectRows(t, s, "SELECT msg, count(*) FROM log GROUP BY msg ORDER BY msg", "a|2\nb|1")
	mustExec(t, s, "DELETE FROM log WHERE msg = 'a'")
	expectRows(t, s, "SELECT * FROM log", "b")

	// sequences
	mustExec(t, s, "CREATE SEQUENCE seq1 START 5")
	expectRows(t, s, "SELECT nextval('seq1'), nextval('seq1'), currval('seq1')", "5|6|6")
	expectRows(t, s, "SELECT setval('seq1', 100)", "100")
	expectRows(t, s, "SELECT nextval('seq1')", "101")
	mustExec(t, s, "CREATE TABLE ser (id bigserial PRIMARY KEY, v text)")
	expectRows(t, s, "INSERT INTO ser (v) VALUES ('a'), ('b') RETURNING id", "1\n2")
	mustExec(t, s, "DROP SEQUENCE seq1")
}

func TestSettings(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	ps := s.ParameterStatus()
	found := map[string]string{}
	for _, kv := range ps {
		found[kv[0]] = kv[1]
	}
	if found["server_version"] != "15.0" || found["client_encoding"] != "UTF8" || found["integer_datetimes"] != "on" || found["standard_conforming_strings"] != "on" {
		t.Fatal(ps)
	}
	mustExec(t, s, "SET application_name = 'myapp'")
	ch := s.ChangedParameters()
	if len(ch) != 1 || ch[0] != [2]string{"application_name", "myapp"} {
		t.Fatal(ch)
	}
	expectRows(t, s, "SHOW application_name", "myapp")
	mustExec(t, s, "SET TIME ZONE 'Europe/Oslo'")
	expectRows(t, s, "SHOW timezone", "Europe/Oslo")
	expectRows(t, s, "SELECT '2024-01-01 12:00:00+00'::timestamptz", "2024-01-01 13:00:00+01")
	mustExec(t, s, "SET statement_timeout TO 5000")
	expectRows(t, s, "SHOW statement_timeout", "5s")
	expectRows(t, s, "SHOW transaction_isolation", "serializable")
	expectErr(t, s, "SET nosuch = 1", pgerror.UndefinedObject)
	expectErr(t, s, "SHOW nosuch", pgerror.UndefinedObject)
	mustExec(t, s, "RESET application_name")
	expectRows(t, s, "SELECT current_setting('application_name')", "")
	expectRows(t, s, "SELECT set_config('application_name', 'x', false)", "x")
	if r := mustExec(t, s, "SHOW ALL"); len(r.rows) < 20 {
		t.Fatal(len(r.rows))
	}
	mustExec(t, s, "BEGIN; SET LOCAL application_name = 'inner'")
	expectRows(t, s, "SHOW application_name", "inner")
	mustExec(t, s, "COMMIT")
	expectRows(t, s, "SHOW application_name", "x")
	mustExec(t, s, "BEGIN READ ONLY")
	expectErr(t, s, "CREATE TABLE x (a int)", pgerror.ReadOnlySQLTransaction)
	mustExec(t, s, "ROLLBACK")
	r := mustExec(t, s, "")
	if r.empty != 1 {
		t.Fatal("empty")
	}
	r = mustExec(t, s, "-- ping")
	if r.empty != 1 {
		t.Fatal("empty ping")
	}
	if !strings.HasPrefix(query(t, s, "SELECT version()"), "PostgreSQL 15.0 (logdb test)") {
		t.Fatal("version")
	}
}

func TestViewsAndCTAS(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE p (id int PRIMARY KEY, name text, price int)")
	mustExec(t, s, "INSERT INTO p VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30)")
	mustExec(t, s, "CREATE VIEW cheap (pid, pname) AS SELECT id, name FROM p WHERE price < 25")
	expectRows(t, s, "SELECT pname FROM cheap ORDER BY pid", "a\nb")
	expectRows(t, s, "SELECT c.pname, p.price FROM cheap c JOIN p ON p.id = c.pid WHERE c.pid = 2", "b|20")
	expectErr(t, s, "CREATE VIEW cheap AS SELECT 1", pgerror.DuplicateTable)
	mustExec(t, s, "CREATE OR REPLACE VIEW cheap AS SELECT id AS pid, name AS pname FROM p WHERE price < 15")
	expectRows(t, s, "SELECT count(*) FROM cheap", "1")
	expectRows(t, s, "SELECT count(*) FROM pg_views WHERE viewname = 'cheap'", "1")
	mustExec(t, s, "DROP VIEW cheap")
	expectErr(t, s, "SELECT * FROM cheap", pgerror.UndefinedTable)
	r := mustExec(t, s, "CREATE TABLE p2 AS SELECT id, price * 2 AS dbl FROM p WHERE id > 1")
	if r.tags[0] != "SELECT 2" {
		t.Fatal(r.tags)
	}
	expectRows(t, s, "SELECT id, dbl FROM p2 ORDER BY id", "2|40\n3|60")
	mustExec(t, s, "SELECT name INTO p3 FROM p")
	expectRows(t, s, "SELECT count(*) FROM p3", "3")
}

func TestAddPrimaryKey(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE b (bid int NOT NULL, bbalance int, filler char(88))")
	mustExec(t, s, "CREATE INDEX b_bal ON b (bbalance)")
	mustExec(t, s, "INSERT INTO b VALUES (2, 20, ''), (1, 10, '')")
	mustExec(t, s, "ALTER TABLE b ADD PRIMARY KEY (bid)")
	if got := query(t, s, "EXPLAIN UPDATE b SET bbalance = bbalance + 1 WHERE bid = 1"); !strings.Contains(got, "Point Get") {
		t.Fatal(got)
	}
	mustExec(t, s, "UPDATE b SET bbalance = bbalance + 1 WHERE bid = 1")
	expectRows(t, s, "SELECT bid, bbalance FROM b ORDER BY bid", "1|11\n2|20")
	expectRows(t, s, "SELECT bid FROM b WHERE bbalance = 20", "2")
	expectErr(t, s, "INSERT INTO b VALUES (1, 0, '')", pgerror.UniqueViolation)
	mustExec(t, s, "CREATE TABLE d (x int, y int)")
	mustExec(t, s, "INSERT INTO d VALUES (1, 1), (1, 2)")
	pe := expectErr(t, s, "ALTER TABLE d ADD PRIMARY KEY (x)", pgerror.UniqueViolation)
	if pe.Message != `could not create unique index "d_pkey"` {
		t.Fatal(pe.Message)
	}
	expectRows(t, s, "SELECT count(*) FROM d", "2")
}

func TestCursorsAndSQLPrepare(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE n (i int PRIMARY KEY)")
	mustExec(t, s, "INSERT INTO n SELECT g FROM generate_series(1, 5) g")
	expectErr(t, s, "DECLARE c CURSOR FOR SELECT i FROM n", pgerror.NoActiveSQLTransaction)
	mustExec(t, s, "BEGIN")
	mustExec(t, s, "DECLARE c NO SCROLL CURSOR FOR SELECT i FROM n ORDER BY i")
	r := mustExec(t, s, "FETCH FORWARD 2 FROM c")
	if len(r.rows) != 2 || r.tags[0] != "FETCH 2" || r.rows[1][0] != "2" {
		t.Fatalf("%+v", r)
	}
	r = mustExec(t, s, "MOVE 1 IN c")
	if r.tags[0] != "MOVE 1" {
		t.Fatal(r.tags)
	}
	expectRows(t, s, "FETCH ALL FROM c", "4\n5")
	mustExec(t, s, "CLOSE c")
	mustExec(t, s, "COMMIT")
	mustExec(t, s, "DECLARE h CURSOR WITH HOLD FOR SELECT i FROM n WHERE i > 3 ORDER BY i")
	expectRows(t, s, "FETCH 10 FROM h", "4\n5")
	mustExec(t, s, "PREPARE q(int) AS SELECT i * 10 FROM n WHERE i = $1")
	expectRows(t, s, "EXECUTE q(3)", "30")
	expectRows(t, s, "EXECUTE q('4')", "40")
	mustExec(t, s, "DEALLOCATE q")
	expectErr(t, s, "EXECUTE q(1)", pgerror.UndefinedPreparedStatement)
	mustExec(t, s, "DISCARD ALL")
}

// The statements pg_dump writes for a table with a serial key restore.
func TestPgDumpRestore(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, `SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET default_tablespace = '';
SET default_table_access_method = heap;
CREATE TABLE public.items (
    id integer NOT NULL,
    name text NOT NULL,
    qty integer DEFAULT 0
);
ALTER TABLE public.items OWNER TO postgres;
CREATE SEQUENCE public.items_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER TABLE public.items_id_seq OWNER TO postgres;
ALTER SEQUENCE public.items_id_seq OWNED BY public.items.id;
ALTER TABLE ONLY public.items ALTER COLUMN id SET DEFAULT nextval('public.items_id_seq'::regclass);
SELECT pg_catalog.setval('public.items_id_seq', 2, true);
ALTER TABLE ONLY public.items ADD CONSTRAINT items_pkey PRIMARY KEY (id);
CREATE INDEX items_qty_idx ON public.items USING btree (qty);`)
	mustExec(t, s, "INSERT INTO public.items (id, name) VALUES (1, 'a'), (2, 'b')")
	expectErr(t, s, "INSERT INTO items (name) VALUES ('c')", pgerror.UndefinedTable) // search_path is empty
	mustExec(t, s, "RESET search_path")
	expectRows(t, s, "INSERT INTO items (name) VALUES ('c') RETURNING id", "3")
	expectRows(t, s, "SELECT pg_get_serial_sequence('items', 'id')", "public.items_id_seq")
}
