package test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestSchemasMatchPostgres runs schema statements — CREATE / ALTER / DROP
// SCHEMA, qualified names in every statement, search_path resolution,
// SET SCHEMA, the catalogs and schema privileges — on logdb and on
// PostgreSQL 15 and compares the answers and SQLSTATEs.
func TestSchemasMatchPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	matchPostgres(t, ctx, pc, lc,
		// CREATE SCHEMA and its errors
		`CREATE SCHEMA sa`,
		`CREATE SCHEMA sa`,
		`CREATE SCHEMA IF NOT EXISTS sa`,
		`CREATE SCHEMA public`,
		`CREATE SCHEMA pg_catalog`,
		`CREATE SCHEMA pg_mine`,
		`CREATE SCHEMA sb`,
		`CREATE SCHEMA information_schema`,
		`SELECT nspname FROM pg_namespace WHERE nspname IN ('sa', 'public') ORDER BY 1`,
		`SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('sa', 'public') ORDER BY 1`,
		// qualified names everywhere
		`CREATE TABLE sa.t (id serial PRIMARY KEY, v text UNIQUE)`,
		`CREATE TABLE t (id int PRIMARY KEY, w text)`,
		`CREATE TABLE sa.t (x int)`,
		`CREATE TABLE nosuch.t (x int)`,
		`CREATE TABLE pg_catalog.t (x int)`,
		`INSERT INTO sa.t (v) VALUES ('a'), ('b') RETURNING id, v`,
		`INSERT INTO t VALUES (1, 'public')`,
		`SELECT * FROM sa.t ORDER BY id`,
		`SELECT * FROM t`,
		`SELECT sa.t.v FROM sa.t ORDER BY 1`,
		`SELECT x.v FROM sa.t x JOIN t ON t.id = x.id`,
		`UPDATE sa.t SET v = v || '!' WHERE id = 1`,
		`DELETE FROM sa.t WHERE id = 2`,
		`SELECT * FROM sa.t ORDER BY id`,
		`SELECT * FROM nosuch.t`,
		`SELECT * FROM sa.nosuch`,
		`SELECT nextval('sa.t_id_seq'), currval('sa.t_id_seq')`,
		`SELECT nextval('t_id_seq')`,
		`SELECT 'sa.t'::regclass::text, 't'::regclass::text, 'sa.t_pkey'::regclass::text`,
		`SELECT column_default FROM information_schema.columns WHERE table_schema = 'sa' AND table_name = 't' AND column_name = 'id'`,
		`SELECT table_schema, table_name FROM information_schema.tables WHERE table_name = 't' ORDER BY 1`,
		`SELECT c.relname, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'sa' ORDER BY 1`,
		`SELECT schemaname, tablename FROM pg_tables WHERE tablename = 't' ORDER BY 1`,
		`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'sa' ORDER BY 1`,
		`CREATE INDEX t_v_idx ON sa.t (v)`,
		`CREATE INDEX t_v_idx ON t (w)`,
		`SELECT indexname FROM pg_indexes WHERE indexname = 't_v_idx' ORDER BY schemaname`,
		`DROP INDEX sa.t_v_idx`,
		`DROP INDEX t_v_idx`,
		`CREATE SEQUENCE sa.q START 5`,
		`SELECT nextval('sa.q')`,
		`ALTER SEQUENCE sa.q RENAME TO q2`,
		`SELECT nextval('sa.q2')`,
		`ALTER SEQUENCE sa.q2 RENAME TO q`,
		`SELECT to_regnamespace('nosuch'), 'sa'::regnamespace::oid = (SELECT oid FROM pg_namespace WHERE nspname = 'sa')`,
		`COMMENT ON SCHEMA sa IS 'the a schema'`,
		`CREATE TABLE sa.copy AS SELECT id, v FROM sa.t`,
		`SELECT count(*) FROM sa.copy`,
		`INSERT INTO sa.copy SELECT id + 10, v FROM sa.t ON CONFLICT DO NOTHING`,
		`UPDATE sa.copy c SET v = t.w FROM public.t WHERE c.id = t.id RETURNING c.id, c.v`,
		`DELETE FROM sa.copy USING sa.t WHERE sa.copy.id = sa.t.id + 10`,
		`SELECT count(*) FROM sa.copy`,
		`DROP TABLE sa.copy`,
		`CREATE VIEW sa.v AS SELECT id, v FROM sa.t`,
		`SELECT * FROM sa.v`,
		`CREATE TABLE sa.child (id int REFERENCES sa.t (id), pid int REFERENCES public.t (id))`,
		`INSERT INTO sa.child VALUES (1, 1)`,
		`INSERT INTO sa.child VALUES (9, 1)`,
		`BEGIN`,
		`SET CONSTRAINTS sa.child_id_fkey DEFERRED`,
		`SET CONSTRAINTS child_id_fkey DEFERRED`,
		`ROLLBACK`,
		`BEGIN`,
		`SET CONSTRAINTS public.child_id_fkey DEFERRED`,
		`ROLLBACK`,
		`TRUNCATE sa.child`,
		`ALTER TABLE sa.t ADD COLUMN n int DEFAULT 7`,
		`SELECT id, v, n FROM sa.t ORDER BY id`,
		`ALTER TABLE sa.t RENAME TO t2`,
		`SELECT count(*) FROM sa.t2`,
		`ALTER TABLE sa.t2 RENAME TO t`,
		`ALTER INDEX sa.t_v_key RENAME TO t_v_uq`,
		`SELECT 'sa.t_v_uq'::regclass::text, to_regclass('sa.t_v_key')`,
		`SELECT has_table_privilege('sa.t', 'SELECT'), has_table_privilege('public.t', 'INSERT')`,
		`CREATE PUBLICATION pa FOR TABLE sa.t, public.t`,
		`CREATE PUBLICATION pb FOR TABLES IN SCHEMA sa`,
		`CREATE PUBLICATION pc FOR TABLES IN SCHEMA nosuch`,
		`SELECT pubname, schemaname, tablename FROM pg_publication_tables ORDER BY 1, 2, 3`,
		`SELECT p.pubname, n.nspname FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid JOIN pg_namespace n ON n.oid = pn.pnnspid`,
		`CREATE PUBLICATION pd FOR TABLES IN SCHEMA sb`,
		`ALTER SCHEMA sb RENAME TO sb2`,
		`SELECT p.pubname, n.nspname FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid JOIN pg_namespace n ON n.oid = pn.pnnspid ORDER BY 1`,
		`DROP SCHEMA sb2`,
		`SELECT p.pubname, n.nspname FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid JOIN pg_namespace n ON n.oid = pn.pnnspid ORDER BY 1`,
		`DROP PUBLICATION pa, pb, pd`,
		`SELECT t.typname, n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typname = 't' ORDER BY 2`,
		`SELECT table_schema, column_name FROM information_schema.columns WHERE table_name = 't' ORDER BY 1, 2`,
		// search_path
		`SHOW search_path`,
		`SELECT current_schema(), current_schemas(false), current_schemas(true)`,
		`SET search_path = sa, public`,
		`SELECT current_schema(), current_schemas(false), current_schemas(true)`,
		`SELECT id, v FROM t ORDER BY id`,
		`SELECT 't'::regclass::text, 'public.t'::regclass::text`,
		`CREATE TABLE made_here (x int)`,
		`SELECT schemaname FROM pg_tables WHERE tablename = 'made_here'`,
		`SET search_path = public, sa`,
		`SELECT * FROM t`,
		`SELECT count(*) FROM made_here`,
		`SELECT 'made_here'::regclass::text`,
		`SET search_path = nosuch`,
		`SELECT current_schema(), current_schemas(true)`,
		`CREATE TABLE nowhere (x int)`,
		`SELECT * FROM t`,
		`SELECT count(*) FROM pg_class WHERE relname = 'pg_class'`,
		`SET search_path = public`,
		`CREATE TABLE pg_class (x int)`,
		`SELECT count(*) > 1 FROM pg_class`,
		`SELECT count(*) FROM public.pg_class`,
		`SELECT 'pg_class'::regclass::oid < 16384`,
		`SET search_path = public, pg_catalog`,
		`SELECT count(*) FROM pg_class`,
		`SELECT current_schema(), current_schemas(true)`,
		`SET search_path = information_schema, public`,
		`SELECT count(*) > 0 FROM tables`,
		`SELECT current_schema()`,
		`DROP TABLE public.pg_class`,
		`SET search_path = "$user", public`,
		`SELECT current_schema()`,
		`RESET search_path`,
		`SET search_path = sa`,
		`CREATE VIEW path_v AS SELECT id, v FROM t`,
		`RESET search_path`,
		`SELECT * FROM sa.path_v ORDER BY id`,
		`DROP VIEW sa.path_v`,
		`CREATE SCHEMA `+strings.Repeat("long", 20),
		`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'longlong%'`,
		`DROP SCHEMA `+strings.Repeat("long", 20),
		`CREATE SCHEMA "Mixed Case"`,
		`CREATE TABLE "Mixed Case".t (x int)`,
		`SET search_path = "Mixed Case", public`,
		`SELECT current_schema(), 't'::regclass::text, 'public.t'::regclass::text`,
		`SHOW search_path`,
		`RESET search_path`,
		`SELECT '"Mixed Case".t'::regclass::text`,
		`DROP SCHEMA "Mixed Case" CASCADE`,
		`PREPARE p AS SELECT count(*) FROM t`,
		`EXECUTE p`,
		`SET search_path = sa`,
		`EXECUTE p`,
		`RESET search_path`,
		`DEALLOCATE p`,
		// SET SCHEMA
		`CREATE SCHEMA sb`,
		`ALTER TABLE sa.made_here SET SCHEMA sb`,
		`SELECT count(*) FROM sb.made_here`,
		`SELECT * FROM sa.made_here`,
		`ALTER TABLE sb.made_here SET SCHEMA nosuch`,
		`ALTER TABLE sb.nosuch SET SCHEMA sa`,
		`ALTER TABLE IF EXISTS sb.nosuch SET SCHEMA sa`,
		`ALTER SEQUENCE sa.q SET SCHEMA sb`,
		`SELECT nextval('sb.q')`,
		`ALTER SEQUENCE sa.t_id_seq SET SCHEMA sb`,
		`ALTER VIEW sa.v SET SCHEMA sb`,
		`SELECT count(*) FROM sb.v`,
		`CREATE TABLE sb.t (x int)`,
		`ALTER TABLE sb.t SET SCHEMA sa`,
		`CREATE TABLE moved (id serial, x int)`,
		`ALTER TABLE moved SET SCHEMA sb`,
		`INSERT INTO sb.moved (x) VALUES (1) RETURNING id, x`,
		`SELECT sequence_schema, sequence_name FROM information_schema.sequences WHERE sequence_name = 'moved_id_seq'`,
		// ALTER SCHEMA
		`ALTER SCHEMA sb RENAME TO sc`,
		`SELECT count(*) FROM sc.made_here`,
		`SELECT * FROM sb.made_here`,
		`INSERT INTO sc.moved (x) VALUES (2) RETURNING id, x`,
		`ALTER SCHEMA sc RENAME TO sa`,
		`ALTER SCHEMA sc RENAME TO pg_x`,
		`ALTER SCHEMA nosuch RENAME TO sd`,
		`CREATE ROLE sr`,
		`ALTER SCHEMA sc OWNER TO sr`,
		`SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'sc'`,
		`ALTER SCHEMA sc OWNER TO nosuchrole`,
		// privileges
		`CREATE ROLE su`,
		`GRANT SELECT ON ALL TABLES IN SCHEMA sa TO su`,
		`SET ROLE su`,
		`SELECT count(*) FROM sa.t`,
		`SELECT current_schemas(false)`,
		`CREATE TABLE sa.nope (x int)`,
		`CREATE SCHEMA nope`,
		`RESET ROLE`,
		`GRANT USAGE ON SCHEMA sa TO su`,
		`SELECT has_schema_privilege('su', 'sa', 'USAGE'), has_schema_privilege('su', 'sa', 'CREATE')`,
		`SELECT regexp_replace(nspacl::text, 'postgres|logdb', 'owner', 'g') FROM pg_namespace WHERE nspname = 'sa'`,
		`SET ROLE su`,
		`SELECT count(*) FROM sa.t`,
		`SELECT count(*) FROM sa.child`,
		`SET search_path = sa`,
		`SELECT current_schemas(false)`,
		`SELECT count(*) FROM t`,
		`CREATE TABLE sa.nope (x int)`,
		`RESET search_path`,
		`RESET ROLE`,
		`GRANT CREATE ON SCHEMA sa TO su`,
		`SET ROLE su`,
		`CREATE TABLE sa.mine (x int)`,
		`DROP SCHEMA sa`,
		`RESET ROLE`,
		`REVOKE USAGE ON SCHEMA sa FROM su`,
		`SET ROLE su`,
		`SELECT count(*) FROM sa.mine`,
		`RESET ROLE`,
		`GRANT USAGE ON SCHEMA nosuch TO su`,
		// DROP SCHEMA
		`DROP SCHEMA sa`,
		`DROP SCHEMA sa RESTRICT`,
		`DROP SCHEMA nosuch`,
		`DROP SCHEMA IF EXISTS nosuch`,
		`DROP SCHEMA IF EXISTS nosuch, sc CASCADE`,
		`DROP SCHEMA sa CASCADE`,
		`SELECT * FROM sa.t`,
		`SELECT count(*) FROM pg_class WHERE relname IN ('made_here', 'moved', 'moved_id_seq', 'child')`,
		`SELECT nspname FROM pg_namespace WHERE nspname IN ('sa', 'sb', 'sc') ORDER BY 1`,
		`SELECT * FROM t`,
		`CREATE SCHEMA AUTHORIZATION su`,
		`SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'su'`,
		`CREATE TABLE su.own (x int)`,
		`SET ROLE su`,
		`SELECT current_schema()`,
		`CREATE TABLE by_user (x int)`,
		`SELECT schemaname FROM pg_tables WHERE tablename = 'by_user'`,
		`RESET ROLE`,
		`DROP SCHEMA su CASCADE`,
		`CREATE SCHEMA rs`,
		`ALTER ROLE CURRENT_USER SET search_path = rs, public`,
	)
	// ALTER ROLE … SET search_path takes effect in the role's next session
	pc2, lc2 := pg.connect(t), mustConnect(t, n)
	matchPostgres(t, ctx, pc2, lc2,
		`SHOW search_path`,
		`SELECT current_schema(), current_schemas(false)`,
		`CREATE TABLE in_rs (x int)`,
		`SELECT schemaname FROM pg_tables WHERE tablename = 'in_rs'`,
		`ALTER ROLE CURRENT_USER RESET search_path`,
	)
}

// TestSchemasPsqlDumpAndRestart: a database with two schemas (a foreign
// key across them, serials, an index, a view, a sequence) survives a
// restart; pg_dump of it restores into PostgreSQL 15; psql's \dn, \dt s.*
// and \d s.t print on logdb what they print on the restored database; and
// DROP SCHEMA … CASCADE gives PostgreSQL's notice.
func TestSchemasPsqlDumpAndRestart(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	execOnEach(t, ctx, `CREATE SCHEMA shop;
CREATE SCHEMA audit;
CREATE TABLE shop.customers (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE shop.orders (id bigserial PRIMARY KEY, customer_id int REFERENCES shop.customers (id), total numeric(10,2), CHECK (customer_id > 0));
CREATE INDEX orders_customer_idx ON shop.orders (customer_id);
CREATE TABLE audit.orders (id int PRIMARY KEY, order_id bigint REFERENCES shop.orders (id), note text);
CREATE SEQUENCE audit.ticket START 100;
CREATE VIEW audit.big_orders AS SELECT o.id, o.total FROM shop.orders o WHERE o.total > 10;
CREATE TABLE orders (x int);
INSERT INTO shop.customers (name) VALUES ('ann'), ('bob');
INSERT INTO shop.orders (customer_id, total) VALUES (1, 5.5), (2, 12), (1, 30);
INSERT INTO audit.orders VALUES (1, 2, 'checked');
SELECT nextval('audit.ticket')`, lc)

	// a restart reloads the schemas and what is in them from disk
	lc.Close(ctx)
	n.Stop(t)
	n.Restart(t)
	lc = mustConnect(t, n)
	checkQuery(t, ctx, lc, "audit\nshop", "SELECT nspname FROM pg_namespace WHERE nspname IN ('shop', 'audit') ORDER BY 1")
	checkQuery(t, ctx, lc, "3|47.50", "SELECT count(*), sum(total) FROM shop.orders")
	checkQuery(t, ctx, lc, "2|checked", "SELECT order_id, note FROM audit.orders")
	checkQuery(t, ctx, lc, "3|30.00", "SELECT id, total FROM audit.big_orders ORDER BY id DESC LIMIT 1")
	// (a restart may skip sequence values, as PostgreSQL's crash does)
	mustExec(t, ctx, lc, "INSERT INTO shop.orders (customer_id, total) VALUES (2, 1)")
	checkQuery(t, ctx, lc, "4|t", "SELECT count(*), max(id) > 3 FROM shop.orders")
	checkQuery(t, ctx, lc, "t", "SELECT nextval('audit.ticket') > 100")
	checkQuery(t, ctx, lc, "0", "SELECT count(*) FROM orders")

	host, port := splitAddr(n.Addr)
	script := mustDump(t, ctx, n.clientArgs("logdb")...)
	for _, want := range []string{"CREATE SCHEMA shop;", "CREATE TABLE audit.orders (", "REFERENCES shop.orders(id)"} {
		if !strings.Contains(script, want) {
			t.Errorf("pg_dump output lacks %q", want)
		}
	}
	mustExec(t, ctx, pc, "CREATE DATABASE restored")
	mustExec(t, ctx, pc, "CREATE ROLE logdb")
	mustLoadScript(t, ctx, "restoring logdb's dump into PostgreSQL", script, pg.clientArgs("restored"))
	pgPsql := func(args ...string) string {
		return mustRunClient(t, ctx, "", "psql", append(append(pg.clientArgs("restored"), "-X"), args...)...)
	}
	logdbPsql := func(args ...string) string {
		return mustRunClient(t, ctx, "", "psql", append(append(n.clientArgs("logdb"), "-X"), args...)...)
	}
	for _, q := range []string{
		"SELECT id, customer_id, total FROM shop.orders ORDER BY id",
		"SELECT * FROM audit.orders",
		"SELECT * FROM audit.big_orders ORDER BY id",
		"SELECT sequence_schema, sequence_name FROM information_schema.sequences ORDER BY 1, 2",
		"COPY shop.customers TO STDOUT",
		"COPY (SELECT * FROM audit.orders) TO STDOUT (FORMAT csv)",
	} {
		if got, want := logdbPsql("-At", "-c", q), pgPsql("-At", "-c", q); got != want {
			t.Errorf("%s after restoring into PostgreSQL:\n%s\nlogdb has:\n%s", q, want, got)
		}
	}
	// the same dump restores into a fresh logdb too
	n2 := mustStartNode(t, t.TempDir())
	mustLoadScript(t, ctx, "restoring logdb's dump into logdb", script, n2.clientArgs("logdb"))
	for _, q := range []string{"SELECT id, customer_id, total FROM shop.orders ORDER BY id", "SELECT * FROM audit.big_orders ORDER BY id",
		"SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' ORDER BY 1"} {
		out, err := runClient(ctx, "", "psql", append(n2.clientArgs("logdb"), "-X", "-At", "-c", q)...)
		if want := logdbPsql("-At", "-c", q); err != nil || out != want {
			t.Errorf("%s after restoring into logdb: %v\n%s\nthe original has:\n%s", q, err, out, want)
		}
	}
	for _, meta := range []string{`\dn`, `\dt shop.*`, `\dt audit.*`, `\d shop.orders`, `\d audit.orders`, `\d shop.customers`, `\ds audit.*`} {
		if got, want := logdbPsql("-c", meta), pgPsql("-c", meta); got != want {
			t.Errorf("%s:\nlogdb:\n%s\nPostgreSQL:\n%s", meta, got, want)
		}
	}
	// DROP SCHEMA … CASCADE names what it drops, as PostgreSQL does (in
	// the order the objects were made)
	const made = `CREATE SCHEMA gone; CREATE TABLE gone.a (id serial PRIMARY KEY); CREATE SEQUENCE gone.s;
CREATE TABLE gone.b (id int REFERENCES gone.a); CREATE VIEW gone.v AS SELECT * FROM gone.b; CREATE TABLE keep (id int REFERENCES gone.a);
CREATE VIEW keep_v AS SELECT b.id FROM gone.b b WHERE b.id > 0`
	logdbPsql("-c", made)
	pgPsql("-c", made)
	outcome := func(args ...string) string { // output and error text, without failing
		out, _ := runClient(ctx, "", "psql", args...)
		return out
	}
	for _, drop := range []string{"DROP SCHEMA gone", "DROP SCHEMA gone CASCADE", "DROP SCHEMA audit CASCADE"} {
		got := outcome("-h", host, "-p", port, "-U", "logdb", "-X", "-d", "logdb", "-c", drop)
		want := outcome("-h", "127.0.0.1", "-p", strconv.Itoa(pg.Port), "-U", "postgres", "-X", "-d", "restored", "-c", drop)
		if drop == "DROP SCHEMA audit CASCADE" {
			// the restored database made its objects in pg_dump's order
			got, want = sortedLines(got), sortedLines(want)
		}
		if got != want {
			t.Errorf("%s:\nlogdb:\n%s\nPostgreSQL:\n%s", drop, got, want)
		}
	}
}

// TestClusterSchemas: schemas are catalog entries through the log — made
// through one node, used through the others, renamed and dropped through a
// third; pgoutput's Relation messages name a table's real schema.
func TestClusterSchemas(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	c := mustStartCluster(t, 3)
	conns := map[uint64]*pgx.Conn{}
	for id, n := range c.Nodes {
		conns[id] = mustConnect(t, n)
	}
	mustExec(t, ctx, conns[1], "CREATE SCHEMA inv")
	mustExec(t, ctx, conns[2], "CREATE TABLE inv.items (id serial PRIMARY KEY, name text)")
	mustExec(t, ctx, conns[3], "CREATE TABLE items (id int)")
	mustExec(t, ctx, conns[1], "CREATE PUBLICATION inv_pub FOR TABLES IN SCHEMA inv")
	addr := c.Nodes[1].Addr
	rc, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://logdb@%s/logdb?replication=database&sslmode=disable", addr))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close(context.Background())
	slot, err := pglogrepl.CreateReplicationSlot(ctx, rc, "inv_slot", "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "NOEXPORT_SNAPSHOT"})
	if err != nil {
		t.Fatal(err)
	}
	start, err := pglogrepl.ParseLSN(slot.ConsistentPoint)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, ctx, conns[3], "INSERT INTO inv.items (name) VALUES ('bolt')")
	if err := pglogrepl.StartReplication(ctx, rc, "inv_slot", start, pglogrepl.StartReplicationOptions{
		Mode: pglogrepl.LogicalReplication, PluginArgs: []string{"proto_version '1'", "publication_names 'inv_pub'"}}); err != nil {
		t.Fatal(err)
	}
	// pgoutput's Relation message names the table's real schema
	for rel := (*pglogrepl.RelationMessage)(nil); rel == nil; {
		raw, err := rc.ReceiveMessage(ctx)
		if err != nil {
			t.Fatalf("waiting for the Relation message: %v", err)
		}
		m := pgoutputMessage(t, raw)
		if m == nil {
			continue
		}
		if r, ok := m.(*pglogrepl.RelationMessage); ok {
			rel = r
			if r.Namespace != "inv" || r.RelationName != "items" {
				t.Errorf("Relation message names %s.%s, want inv.items", r.Namespace, r.RelationName)
			}
		}
	}
	mustExec(t, ctx, conns[1], "SET search_path = inv, public")
	checkQuery(t, ctx, conns[1], "1|bolt", "SELECT id, name FROM items")
	checkQuery(t, ctx, conns[2], "0", "SELECT count(*) FROM items")
	// SUBSCRIBE resolves an unqualified table through search_path
	tx, err := conns[1].Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "DECLARE f CURSOR FOR SUBSCRIBE items WITH (FROM_LSN = '0/0')"); err != nil {
		t.Fatal(err)
	}
	var inserts []string
	for _, ch := range fetch(t, ctx, tx, "FETCH 10 f WITH (timeout = '1s')") {
		if ch.Op != "" && ch.Relation != "" {
			inserts = append(inserts, ch.Op+" "+ch.Relation+" "+ch.After)
		}
	}
	if want := `insert inv.items {"id": 1, "name": "bolt"}`; len(inserts) != 1 || inserts[0] != want {
		t.Errorf("SUBSCRIBE items with search_path inv: %q, want [%s]", inserts, want)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, ctx, conns[2], "ALTER SCHEMA inv RENAME TO stock")
	checkQuery(t, ctx, conns[3], "stock.items", "SELECT 'stock.items'::regclass::text")
	_, err = conns[1].Exec(ctx, "SELECT * FROM inv.items")
	wantCode(t, err, "42P01", "the renamed schema's old name")
	mustExec(t, ctx, conns[3], "DROP SCHEMA stock CASCADE")
	for id := range c.Nodes {
		checkQuery(t, ctx, conns[id], "0", "SELECT count(*) FROM pg_namespace WHERE nspname IN ('inv', 'stock')")
	}
}

// sortedLines is s's lines in sorted order.
func sortedLines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "DETAIL:  ", ""), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
