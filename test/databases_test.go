package test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"
)

// TestDatabasesMatchPostgres runs CREATE / ALTER / DROP DATABASE, their
// errors, pg_database, the database privileges and cross-database names on
// PostgreSQL 15 and on logdb and compares answers and SQLSTATEs.
func TestDatabasesMatchPostgres(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lcfg := n.connConfig(nil)
	lcfg.User = "postgres" // PostgreSQL's bootstrap superuser, as on pc: owner names match
	lc := mustConnectConfig(t, lcfg)
	const dbs = `SELECT datname, pg_get_userbyid(datdba), datconnlimit, datistemplate, datallowconn, pg_encoding_to_char(encoding)
		FROM pg_database WHERE datname LIKE 'mdb%' OR datname LIKE 'Mixed%' ORDER BY 1`
	matchPostgres(t, ctx, pc, lc,
		`CREATE ROLE mrole`,
		`CREATE ROLE mrole2`,
		`CREATE ROLE mcreator CREATEDB`,
		`SELECT datname, datistemplate, datallowconn FROM pg_database WHERE datname IN ('postgres', 'template0', 'template1') ORDER BY 1`,
		// initdb's ACL of the templates, their owner the bootstrap superuser
		// (logdb's is logdb, PostgreSQL's postgres)
		`SELECT regexp_replace(datacl::text, 'logdb|postgres', 'boot', 'g') FROM pg_database WHERE datname IN ('template0', 'template1') ORDER BY datname`,
		`CREATE DATABASE mdb1`,
		`CREATE DATABASE mdb1`,
		`CREATE DATABASE "MixedCase"`,
		`CREATE DATABASE mdb2 WITH OWNER = mrole TEMPLATE = template0 ENCODING = 'UTF8' CONNECTION LIMIT = 5 IS_TEMPLATE = false ALLOW_CONNECTIONS = true`,
		`CREATE DATABASE mdb3 ENCODING utf8 TEMPLATE template1 STRATEGY wal_log TABLESPACE pg_default`,
		dbs,
		// options and their errors
		`CREATE DATABASE mdbx TEMPLATE nosuch`,
		`CREATE DATABASE mdbx ENCODING 'nosuch'`,
		`CREATE DATABASE mdbx CONNECTION LIMIT -5`,
		`CREATE DATABASE mdbx FOO 1`,
		`CREATE DATABASE mdbx OWNER mrole OWNER mrole`,
		`CREATE DATABASE mdbx OWNER nosuchrole`,
		`CREATE DATABASE mdbx STRATEGY bogus`,
		`CREATE DATABASE mdbx TABLESPACE nosuch`,
		`CREATE DATABASE mdbx TABLESPACE pg_global`,
		`CREATE DATABASE mdbx IS_TEMPLATE maybe`,
		`CREATE DATABASE mdbx LOCALE_PROVIDER nosuch`,
		`BEGIN`,
		`CREATE DATABASE mdbx`,
		`ROLLBACK`,
		`BEGIN`,
		`DROP DATABASE mdb1`,
		`ROLLBACK`,
		`BEGIN`,
		`ALTER DATABASE mdb1 RENAME TO mdb1b`,
		`ROLLBACK`,
		dbs,
		// privileges
		`SET ROLE mrole`,
		`CREATE DATABASE mdbx`,
		`DROP DATABASE mdb1`,
		`ALTER DATABASE mdb1 CONNECTION LIMIT 1`,
		`ALTER DATABASE mdb2 CONNECTION LIMIT 7`,
		`RESET ROLE`,
		`SET ROLE mcreator`,
		`CREATE DATABASE mdb4`,
		`CREATE DATABASE mdbx OWNER mrole`,
		`RESET ROLE`,
		dbs,
		// ALTER DATABASE
		`ALTER DATABASE mdb1 RENAME TO mdb1b`,
		`ALTER DATABASE nosuch RENAME TO mdbx`,
		`ALTER DATABASE mdb1b RENAME TO mdb3`,
		`ALTER DATABASE mdb1b OWNER TO mrole`,
		`ALTER DATABASE mdb1b OWNER TO nosuchrole`,
		`ALTER DATABASE nosuch OWNER TO mrole`,
		`ALTER DATABASE mdb1b CONNECTION LIMIT 10`,
		`ALTER DATABASE mdb1b WITH CONNECTION LIMIT -2`,
		`ALTER DATABASE mdb1b WITH ALLOW_CONNECTIONS false IS_TEMPLATE true`,
		`ALTER DATABASE mdb1b WITH BOGUS 1`,
		`ALTER DATABASE mdb1b WITH ENCODING 'UTF8'`,
		`ALTER DATABASE nosuch CONNECTION LIMIT 1`,
		`ALTER DATABASE mdb1b REFRESH COLLATION VERSION`,
		`ALTER DATABASE nosuch REFRESH COLLATION VERSION`,
		dbs,
		`ALTER DATABASE mdb3 SET work_mem = '2MB'`,
		`ALTER DATABASE mdb3 SET search_path TO a, b`,
		`ALTER DATABASE mdb3 SET nosuch_param = 1`,
		`ALTER DATABASE mdb3 SET work_mem = 'lots'`,
		`ALTER DATABASE nosuch SET work_mem = '2MB'`,
		`SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE datname = 'mdb3'`,
		`ALTER DATABASE mdb3 RESET work_mem`,
		`SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE datname = 'mdb3'`,
		`ALTER DATABASE mdb3 RESET ALL`,
		`SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE datname = 'mdb3'`,
		// GRANT / REVOKE and has_database_privilege
		`GRANT CONNECT, TEMPORARY ON DATABASE mdb2 TO mrole2`,
		`GRANT CREATE ON DATABASE mdb2 TO mcreator`,
		`REVOKE CONNECT, TEMP ON DATABASE mdb2 FROM PUBLIC`,
		`SELECT datacl FROM pg_database WHERE datname = 'mdb2'`,
		`GRANT SELECT ON DATABASE mdb2 TO mrole2`,
		`GRANT CONNECT ON DATABASE nosuch TO mrole2`,
		`SELECT has_database_privilege('mrole2', 'mdb2', 'CONNECT'), has_database_privilege('mrole2', 'mdb2', 'CREATE'),
			has_database_privilege('mcreator', 'mdb2', 'CONNECT'), has_database_privilege('mcreator', 'mdb2', 'CREATE'),
			has_database_privilege('mrole', 'mdb2', 'CREATE'), has_database_privilege('mrole2', 'mdb3', 'TEMP')`,
		`SELECT has_database_privilege('nosuch', 'CONNECT')`,
		`SELECT has_database_privilege('mdb2', 'SELECT')`,
		`SELECT pg_database_size('nosuch')`,
		`SELECT pg_database_size(123456::oid)`,
		`SELECT pg_database_size('template1') > 0, pg_database_size(current_database()) > 0`,
		// cross-database references
		`SELECT * FROM nosuchdb.public.t`,
		`CREATE TABLE nosuchdb.public.t (a int)`,
		`INSERT INTO nosuchdb.public.t VALUES (1)`,
		// DROP DATABASE
		`DROP DATABASE nosuch`,
		`DROP DATABASE IF EXISTS nosuch`,
		`DROP DATABASE mdb1b`,
		`ALTER DATABASE mdb1b IS_TEMPLATE false`,
		`DROP DATABASE mdb1b`,
		`DROP DATABASE mdb1b`,
		`DROP DATABASE "MixedCase" WITH (FORCE)`,
		`DROP DATABASE IF EXISTS mdb4`,
		`DROP DATABASE template1`,
		dbs,
	)

	// The current database and one in use: 55006 on both.
	for _, c := range []*pgx.Conn{pc, lc} {
		_, err := c.Exec(ctx, "DROP DATABASE "+queryText(t, ctx, c, "SELECT current_database()"))
		wantCode(t, err, "55006", "DROP DATABASE of the current database")
	}
	other := "mdb3"
	pcfg, err := pgx.ParseConfig(pg.URL(other))
	if err != nil {
		t.Fatal(err)
	}
	p2 := mustConnectConfig(t, pcfg)
	l2 := mustConnectConfig(t, n.connConfig(&other))
	for _, c := range []*pgx.Conn{pc, lc} {
		_, err := c.Exec(ctx, "DROP DATABASE mdb3")
		wantCode(t, err, "55006", "DROP DATABASE of a database in use")
		_, err = c.Exec(ctx, "ALTER DATABASE mdb3 RENAME TO mdb3b")
		wantCode(t, err, "55006", "ALTER DATABASE RENAME of a database in use")
	}
	mustExec(t, ctx, pc, "DROP DATABASE mdb3 WITH (FORCE)")
	mustExec(t, ctx, lc, "DROP DATABASE mdb3 WITH (FORCE)")
	for _, c := range []*pgx.Conn{p2, l2} {
		_, err := c.Exec(ctx, "SELECT 1")
		wantCode(t, err, "57P01", "a session of a database dropped WITH (FORCE)")
	}

	// Connecting: a database that does not exist, one that refuses
	// connections, a connection limit, CONNECT revoked.
	nope := "mdb_nope"
	_, err = connectErr(ctx, n.connConfig(&nope))
	wantCode(t, err, "3D000", "connect to a database that does not exist")
	t0 := "template0"
	_, err = connectErr(ctx, n.connConfig(&t0))
	wantCode(t, err, "55000", "connect to template0")
	m2 := "mdb2"
	cfg := n.connConfig(&m2)
	cfg.User = "mrole"
	mustExec(t, ctx, lc, "ALTER ROLE mrole LOGIN")
	mustExec(t, ctx, lc, "ALTER DATABASE mdb2 CONNECTION LIMIT 1")
	c1 := mustConnectConfig(t, cfg)
	_, err = connectErr(ctx, cfg)
	wantCode(t, err, "53300", "connect past the database's connection limit")
	c1.Close(ctx)
	mustExec(t, ctx, lc, "ALTER DATABASE mdb2 CONNECTION LIMIT -1") // c1's session ends after Close returns
	mustExec(t, ctx, lc, "CREATE ROLE mrole3 LOGIN")
	cfg.User = "mrole3"
	_, err = connectErr(ctx, cfg)
	wantCode(t, err, "42501", "connect without CONNECT (revoked from PUBLIC)")
	cfg.User = "mrole2"
	mustExec(t, ctx, lc, "ALTER ROLE mrole2 LOGIN")
	c2 := mustConnectConfig(t, cfg)
	checkQuery(t, ctx, c2, "mdb2", "SELECT current_database()")

	// ALTER DATABASE … SET is a session default, below the role's.
	mustExec(t, ctx, lc, "ALTER DATABASE mdb2 SET work_mem = '3MB'")
	mustExec(t, ctx, lc, "ALTER DATABASE mdb2 SET search_path = db_default")
	mustExec(t, ctx, lc, "ALTER ROLE mrole2 SET search_path = role_default")
	c3 := mustConnectConfig(t, cfg)
	checkQuery(t, ctx, c3, "3MB|role_default", "SELECT current_setting('work_mem'), current_setting('search_path')")
}

// TestDatabaseIsolation: the same names in two databases are different
// objects with their own rows; a restart keeps both; a dropped database's
// tables, indexes and catalog keys are gone from the state (read with
// bbolt from the stopped node's state.db), and a new database of the same
// name starts empty; the changefeed of database logdb never shows a
// change of another database.
func TestDatabaseIsolation(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	mustExec(t, ctx, lc, "CREATE DATABASE iso")
	iso := "iso"
	ic := mustConnectConfig(t, n.connConfig(&iso))
	for _, c := range []*pgx.Conn{lc, ic} {
		mustExec(t, ctx, c, "CREATE SCHEMA s")
		mustExec(t, ctx, c, "CREATE TYPE mood AS ENUM ('ok', 'sad')")
		mustExec(t, ctx, c, "CREATE TABLE s.t (id serial PRIMARY KEY, v text UNIQUE, m mood)")
		mustExec(t, ctx, c, "CREATE INDEX t_m ON s.t (m)")
		mustExec(t, ctx, c, "CREATE VIEW s.vt AS SELECT v FROM s.t")
	}
	feed := mustConnect(t, n)
	mustExec(t, ctx, feed, "BEGIN")
	mustExec(t, ctx, feed, "DECLARE f CURSOR FOR SUBSCRIBE TO s.t")
	mustExec(t, ctx, lc, "INSERT INTO s.t (v, m) VALUES ('logdb-1', 'ok')")
	for i := range 3 {
		mustExec(t, ctx, ic, "INSERT INTO s.t (v, m) VALUES ($1, 'sad')", fmt.Sprintf("iso-%d", i))
	}
	mustExec(t, ctx, lc, "INSERT INTO s.t (v, m) VALUES ('logdb-2', 'ok')")
	checkQuery(t, ctx, lc, "1|logdb-1|ok\n2|logdb-2|ok", "SELECT * FROM s.t ORDER BY id")
	checkQuery(t, ctx, ic, "1|iso-0|sad\n2|iso-1|sad\n3|iso-2|sad", "SELECT * FROM s.t ORDER BY id")
	checkQuery(t, ctx, ic, "iso-1", "SELECT v FROM s.vt WHERE v = 'iso-1'")
	_, err := ic.Exec(ctx, "INSERT INTO s.t (v, m) VALUES ('iso-0', 'ok')")
	wantCode(t, err, "23505", "a unique violation within database iso")
	got := queryText(t, ctx, feed, "FETCH 10 FROM f WITH (timeout = '2s')")
	if strings.Contains(got, "iso-") || strings.Count(got, "logdb-") != 2 {
		t.Errorf("database logdb's feed: want its two inserts only, got\n%s", got)
	}
	mustExec(t, ctx, feed, "COMMIT")
	_, err = ic.Exec(ctx, "SELECT * FROM logdb.s.t")
	wantCode(t, err, "0A000", "a cross-database reference")
	checkQuery(t, ctx, ic, "3", "SELECT count(*) FROM iso.s.t")
	checkQuery(t, ctx, ic, "iso", "SELECT current_database()")
	checkQuery(t, ctx, lc, "t|f", "SELECT has_database_privilege('iso', 'CONNECT'), 'iso' = current_database()")

	// A restart keeps both.
	ic.Close(ctx)
	lc.Close(ctx)
	feed.Close(ctx)
	n.Stop(t)
	spaces := databaseSpaces(t, n.Dir, isoOID(t, n.Dir))
	if len(spaces) < 3 { // the table and its two indexes (v's unique one, t_m)
		t.Fatalf("database iso's tables and indexes: %d spaces found in state.db", len(spaces))
	}
	n.Restart(t)
	lc = mustConnect(t, n)
	ic = mustConnectConfig(t, n.connConfig(&iso))
	checkQuery(t, ctx, lc, "1|logdb-1|ok\n2|logdb-2|ok", "SELECT * FROM s.t ORDER BY id")
	checkQuery(t, ctx, ic, "1|iso-0|sad\n2|iso-1|sad\n3|iso-2|sad", "SELECT * FROM s.t ORDER BY id")
	mustExec(t, ctx, ic, "INSERT INTO s.t (v, m) VALUES ('iso-3', 'sad')")
	checkQuery(t, ctx, ic, "4", "SELECT count(*) FROM s.t")

	// DROP DATABASE: another session's next statement ends it; the data go.
	mustExec(t, ctx, lc, "DROP DATABASE iso WITH (FORCE)")
	_, err = ic.Exec(ctx, "SELECT 1")
	wantCode(t, err, "57P01", "a session of the dropped database")
	_, err = connectErr(ctx, n.connConfig(&iso))
	wantCode(t, err, "3D000", "connect to the dropped database")
	mustExec(t, ctx, lc, "CREATE DATABASE iso")
	ic = mustConnectConfig(t, n.connConfig(&iso))
	checkQuery(t, ctx, ic, "0|0|0", `SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = 's'),
		(SELECT count(*) FROM pg_type WHERE typname = 'mood'), (SELECT count(*) FROM pg_class WHERE relname IN ('t', 'vt', 't_m', 't_v_key'))`)
	_, err = ic.Exec(ctx, "SELECT * FROM s.t")
	wantCode(t, err, "42P01", "a table of the dropped database, in the new one of the same name")
	checkQuery(t, ctx, lc, "2", "SELECT count(*) FROM s.t")
	ic.Close(ctx)
	lc.Close(ctx)
	n.Stop(t)
	db, err := bolt.Open(filepath.Join(n.Dir, "state.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		for _, sp := range spaces {
			b := tx.Bucket(binary.BigEndian.AppendUint32(nil, sp))
			if b == nil {
				continue
			}
			if k, _ := b.Cursor().First(); k != nil {
				t.Errorf("space %d of the dropped database still holds keys", sp)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if live := liveCatalogKeys(t, n.Dir, droppedPrefix); len(live) > 0 {
		t.Errorf("the dropped database's catalog keys are still there: %q", live)
	}
}

// droppedPrefix is set by isoOID: the catalog key prefix of database iso.
var droppedPrefix []byte

// isoOID finds database iso's OID in a stopped node's state.db, and
// notes its catalog key prefix.
func isoOID(t *testing.T, dir string) uint32 {
	t.Helper()
	var oid uint32
	for k, v := range liveCatalog(t, dir) {
		if k == "d/iso" {
			var d struct {
				OID uint32 `json:"oid"`
			}
			if err := json.Unmarshal(v, &d); err != nil {
				t.Fatal(err)
			}
			oid = d.OID
		}
	}
	if oid == 0 {
		t.Fatal("no descriptor of database iso in state.db")
	}
	droppedPrefix = append([]byte{'D'}, binary.BigEndian.AppendUint32(nil, oid)...)
	return oid
}

// databaseSpaces lists the spaces of database oid's tables and indexes.
func databaseSpaces(t *testing.T, dir string, oid uint32) []uint32 {
	t.Helper()
	prefix := append([]byte{'D'}, binary.BigEndian.AppendUint32(nil, oid)...)
	var out []uint32
	for k, v := range liveCatalog(t, dir) {
		if !strings.HasPrefix(k, string(prefix)+"t/") {
			continue
		}
		var tab struct {
			Space   uint32 `json:"space"`
			Indexes []struct {
				Space uint32 `json:"space"`
			} `json:"indexes"`
		}
		if err := json.Unmarshal(v, &tab); err != nil {
			t.Fatal(err)
		}
		out = append(out, tab.Space)
		for _, ix := range tab.Indexes {
			out = append(out, ix.Space)
		}
	}
	return out
}

func liveCatalogKeys(t *testing.T, dir string, prefix []byte) []string {
	var out []string
	for k := range liveCatalog(t, dir) {
		if bytes.HasPrefix([]byte(k), prefix) {
			out = append(out, k)
		}
	}
	return out
}

// liveCatalog reads the catalog space (kv space 1) of a stopped node:
// key → value of every key that is not a tombstone.
func liveCatalog(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "state.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]byte{}
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte{0, 0, 0, 1})
		if b == nil {
			return fmt.Errorf("no catalog bucket")
		}
		return b.ForEach(func(k, v []byte) error {
			if len(v) >= 9 && v[8]&1 == 0 {
				out[string(k)] = bytes.Clone(v[9:])
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestClusterDatabases: a database created through one node is usable
// through the others at once (each connection's read barrier), its tables
// are its own on every node, and DROP DATABASE through one node ends the
// sessions other nodes have in it and removes it everywhere, also on a
// node killed and restarted.
func TestClusterDatabases(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	c := mustStartCluster(t, 3)
	cdb := "cdb"
	l1 := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, l1, "CREATE DATABASE cdb")
	d2 := mustConnectConfig(t, c.Nodes[2].connConfig(&cdb))
	mustExec(t, ctx, d2, "CREATE TABLE kv (k int PRIMARY KEY, v text)")
	d3 := mustConnectConfig(t, c.Nodes[3].connConfig(&cdb))
	mustExec(t, ctx, d3, "INSERT INTO kv VALUES (1, 'cdb via node 3')")
	mustExec(t, ctx, l1, "CREATE TABLE kv (k int PRIMARY KEY, v text)")
	mustExec(t, ctx, l1, "INSERT INTO kv VALUES (1, 'logdb via node 1')")
	d1 := mustConnectConfig(t, c.Nodes[1].connConfig(&cdb))
	checkQuery(t, ctx, d1, "1|cdb via node 3", "SELECT * FROM kv")
	l3 := mustConnect(t, c.Nodes[3])
	checkQuery(t, ctx, l3, "1|logdb via node 1", "SELECT * FROM kv")
	if got := c.mustConverge(ctx, "SELECT datname FROM pg_database WHERE datname = 'cdb'"); got != "cdb" {
		t.Fatalf("pg_database on every node: %q", got)
	}

	// A transaction of node 2 that runs DDL in cdb while node 1 drops it
	// cannot commit: its descriptors would outlive the database.
	mustExec(t, ctx, d2, "BEGIN")
	mustExec(t, ctx, d2, "CREATE TABLE late (a int)")
	// Node 1 refuses while its own session is in the database.
	_, err := l1.Exec(ctx, "DROP DATABASE cdb")
	wantCode(t, err, "55006", "DROP DATABASE with a session of this node in it")
	d1.Close(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err = l1.Exec(ctx, "DROP DATABASE cdb")
		if err == nil || time.Now().After(deadline) || sqlState(err) != "55006" {
			break
		}
		time.Sleep(20 * time.Millisecond) // d1's session ends after Close returns
	}
	if err != nil {
		t.Fatalf("DROP DATABASE cdb: %v", err)
	}
	_, err = d2.Exec(ctx, "COMMIT")
	wantCode(t, err, "40001", "COMMIT of DDL in a database dropped meanwhile")
	for _, s := range []*pgx.Conn{d2, d3} {
		_, err := s.Exec(ctx, "SELECT 1")
		wantCode(t, err, "57P01", "a session of another node in the dropped database")
	}
	_, err = connectErr(ctx, c.Nodes[2].connConfig(&cdb))
	wantCode(t, err, "3D000", "connect through node 2 to the dropped database")
	c.Kill9(3)
	c.Restart(3)
	if got := c.mustConverge(ctx, "SELECT count(*) FROM pg_database WHERE datname = 'cdb'"); got != "0" {
		t.Fatalf("pg_database after the drop: %q", got)
	}
	if got := c.mustConverge(ctx, "SELECT v FROM kv"); got != "logdb via node 1" {
		t.Fatalf("database logdb's kv after the drop: %q", got)
	}
}
