package test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// jdbc runs sql as pgjdbc does on an ordinary connection: the extended
// protocol, string parameters typed varchar, results in text. It returns
// the rows' text values ("" for NULL) and fails the test on an error.
func jdbc(t *testing.T, ctx context.Context, c *pgconn.PgConn, sql string, params ...string) [][]string {
	t.Helper()
	args := make([][]byte, len(params))
	oids := make([]uint32, len(params))
	for i, p := range params {
		args[i], oids[i] = []byte(p), 1043 // varchar
	}
	res := c.ExecParams(ctx, sql, args, oids, nil, nil).Read()
	if res.Err != nil {
		t.Fatalf("%s: %v", oneLine(sql), res.Err)
	}
	out := make([][]string, len(res.Rows))
	for i, r := range res.Rows {
		out[i] = make([]string, len(r))
		for j, v := range r {
			out[i][j] = string(v)
		}
	}
	return out
}

// simple runs a simple query (possibly several statements) and returns
// the last result's rows.
func simple(t *testing.T, ctx context.Context, c *pgconn.PgConn, sql string) [][]string {
	t.Helper()
	results, err := c.Exec(ctx, sql).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", oneLine(sql), err)
	}
	var out [][]string
	for _, r := range results {
		out = nil
		for _, row := range r.Rows {
			vals := make([]string, len(row))
			for j, v := range row {
				vals[j] = string(v)
			}
			out = append(out, vals)
		}
	}
	return out
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

func connectJDBC(t *testing.T, ctx context.Context, n *Node, app string, replication bool) *pgconn.PgConn {
	t.Helper()
	url := fmt.Sprintf("postgres://logdb@%s/logdb?sslmode=disable&application_name=%s&client_encoding=UTF8&DateStyle=ISO&TimeZone=UTC",
		n.Addr, strings.ReplaceAll(app, " ", "%20"))
	if replication {
		url += "&replication=database"
	}
	c, err := pgconn.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", app, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

const pgjdbcGetColumns = `SELECT * FROM (SELECT current_database() AS current_database, n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype  FROM pg_catalog.pg_namespace n  JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid)  JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid)  JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid)  LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum)  LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)  LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class')  LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog')  WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped  AND n.nspname LIKE $1 AND c.relname LIKE $2) c WHERE true  ORDER BY nspname,c.relname,attnum `

const pgjdbcGetPrimaryKeys = `SELECT        result.TABLE_CAT AS "TABLE_CAT",        result.TABLE_SCHEM AS "TABLE_SCHEM",        result.TABLE_NAME AS "TABLE_NAME",        result.COLUMN_NAME AS "COLUMN_NAME",        result.KEY_SEQ AS "KEY_SEQ",        result.PK_NAME AS "PK_NAME"FROM     (SELECT current_database() AS TABLE_CAT, n.nspname AS TABLE_SCHEM,   ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,   (information_schema._pg_expandarray(con.conkey)).n AS KEY_SEQ, con.conname AS PK_NAME,   information_schema._pg_expandarray(con.conkey) AS KEYS, a.attnum AS A_ATTNUM FROM pg_catalog.pg_constraint con   JOIN pg_catalog.pg_class ct ON (con.conrelid = ct.oid)   JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)   JOIN pg_catalog.pg_attribute a ON (a.attrelid = ct.oid) WHERE con.contype = 'p'  AND n.nspname = $1 AND ct.relname = $2 ) result where  result.A_ATTNUM = (result.KEYS).x  ORDER BY result.table_name, result.pk_name, result.key_seq`

const pgjdbcGetTables = `SELECT current_database() AS "TABLE_CAT", n.nspname AS "TABLE_SCHEM", c.relname AS "TABLE_NAME",  CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema'  WHEN true THEN CASE  WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TABLE'   WHEN 'v' THEN 'SYSTEM VIEW'   WHEN 'i' THEN 'SYSTEM INDEX'   ELSE NULL   END  WHEN n.nspname = 'pg_toast' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TOAST TABLE'   WHEN 'i' THEN 'SYSTEM TOAST INDEX'   ELSE NULL   END  ELSE CASE c.relkind   WHEN 'r' THEN 'TEMPORARY TABLE'   WHEN 'p' THEN 'TEMPORARY TABLE'   WHEN 'i' THEN 'TEMPORARY INDEX'   WHEN 'S' THEN 'TEMPORARY SEQUENCE'   WHEN 'v' THEN 'TEMPORARY VIEW'   ELSE NULL   END  END  WHEN false THEN CASE c.relkind  WHEN 'r' THEN 'TABLE'  WHEN 'p' THEN 'PARTITIONED TABLE'  WHEN 'i' THEN 'INDEX'  WHEN 'P' then 'PARTITIONED INDEX'  WHEN 'S' THEN 'SEQUENCE'  WHEN 'v' THEN 'VIEW'  WHEN 'c' THEN 'TYPE'  WHEN 'f' THEN 'FOREIGN TABLE'  WHEN 'm' THEN 'MATERIALIZED VIEW'  ELSE NULL  END  ELSE NULL  END  AS "TABLE_TYPE", d.description AS "REMARKS",  '' as "TYPE_CAT", '' as "TYPE_SCHEM", '' as "TYPE_NAME", '' AS "SELF_REFERENCING_COL_NAME", '' AS "REF_GENERATION"  FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c  LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0  and d.classoid = 'pg_class'::regclass)  WHERE c.relnamespace = n.oid  AND c.relname LIKE $1  AND (false  OR ( c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' )  OR ( c.relkind = 'p' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ) )  ORDER BY "TABLE_TYPE","TABLE_SCHEM","TABLE_NAME" `

const debeziumSlotQuery = `select * from pg_replication_slots where slot_name = $1 and database = $2 and plugin = $3`

// TestDebeziumSequence replays what Debezium's PostgreSQL connector sends
// (pgoutput, snapshot.mode=initial, filtered publication, slot
// "debezium"), statement by statement, as read from its source and
// pgjdbc's: validation, the publication created in one query string with
// SET statement_timeout, the slot with its exported snapshot, the snapshot
// read in another transaction through SET TRANSACTION SNAPSHOT and a
// portal with a fetch size, and streaming with messages. Every statement
// must succeed and return what the connector reads; the snapshot sees
// exactly the rows committed before the slot, the stream exactly the
// ones after.
func TestDebeziumSequence(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	setup := mustConnect(t, n)
	mustExec(t, ctx, setup, `CREATE TABLE dbz_items (tenant text, id int, name text, PRIMARY KEY (tenant, id))`)
	mustExec(t, ctx, setup, `CREATE TABLE dbz_outbox (id uuid PRIMARY KEY, aggregatetype text NOT NULL, aggregateid text NOT NULL, type text NOT NULL, payload jsonb)`)
	for i := 1; i <= 25; i++ {
		mustExec(t, ctx, setup, fmt.Sprintf("INSERT INTO dbz_items VALUES ('t%d', %d, 'item %d')", i%3, i, i))
	}

	// 1–2: validation
	val := connectJDBC(t, ctx, n, "Debezium Validate Connection", false)
	if v := jdbc(t, ctx, val, "SELECT version()"); !strings.Contains(v[0][0], "PostgreSQL") {
		t.Errorf("version() = %q", v[0][0])
	}
	roles := jdbc(t, ctx, val, `SELECT r.rolcanlogin AS rolcanlogin, r.rolreplication AS rolreplication, CAST(array_position(ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid) WHERE m.member = r.oid), 'rds_superuser') AS BOOL) IS TRUE AS aws_superuser, CAST(array_position(ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid) WHERE m.member = r.oid), 'rdsadmin') AS BOOL) IS TRUE AS aws_admin, CAST(array_position(ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid) WHERE m.member = r.oid), 'rdsrepladmin') AS BOOL) IS TRUE AS aws_repladmin, CAST(array_position(ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid) WHERE m.member = r.oid), 'rds_replication') AS BOOL) IS TRUE AS aws_replication FROM pg_roles r WHERE r.rolname = current_user`)
	if len(roles) != 1 || roles[0][0] != "t" || roles[0][1] != "t" {
		t.Errorf("role check: %v (want a role that can log in and replicate)", roles)
	}

	// 3–6: task start
	gen := connectJDBC(t, ctx, n, "Debezium General", false)
	jdbc(t, ctx, gen, `SELECT t.oid AS oid, t.typname AS name, n.nspname AS schema_name, t.typelem AS element, t.typbasetype AS parentoid, t.typtypmod as modifiers, t.typcategory as category, e.values as enum_values FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON (t.typnamespace = n.oid) LEFT JOIN (SELECT t.enumtypid as id, array_agg(t.enumlabel ORDER BY t.enumsortorder) as values FROM pg_catalog.pg_enum t GROUP BY id) e ON (t.oid = e.id) WHERE n.nspname != 'pg_toast'`)
	jdbc(t, ctx, gen, `SELECT DISTINCT ON (typname) typname, typinput='array_in'::regproc, typtype, sp.r, pg_type.oid FROM pg_catalog.pg_type LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r from pg_namespace as ns join ( select s.r, (current_schemas(false))[s.r] as nspname from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r using ( nspname ) ) as sp ON sp.nspoid = typnamespace ORDER BY typname, sp.r, pg_type.oid;`)
	if wl := simple(t, ctx, gen, "SHOW wal_level"); len(wl) != 1 || wl[0][0] != "logical" {
		t.Errorf("SHOW wal_level = %v, want logical", wl)
	}
	jdbc(t, ctx, gen, "SELECT version(), current_user, current_database()")
	jdbc(t, ctx, gen, "SELECT oid, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication FROM pg_roles WHERE pg_has_role($1, oid, 'member')", "logdb")
	if rows := jdbc(t, ctx, gen, debeziumSlotQuery, "debezium", "logdb", "pgoutput"); len(rows) != 0 {
		t.Fatalf("slot before it is made: %v", rows)
	}

	// 7–10: the replication connection makes the publication and the slot
	repl := connectJDBC(t, ctx, n, "Debezium Streaming", true)
	simple(t, ctx, repl, "BEGIN")
	if rows := simple(t, ctx, repl, "SELECT puballtables FROM pg_publication WHERE pubname = 'dbz_publication'"); len(rows) != 0 {
		t.Errorf("publication before it is made: %v", rows)
	}
	if rows := simple(t, ctx, repl, "select pg_is_in_recovery()"); rows[0][0] != "f" {
		t.Errorf("pg_is_in_recovery() = %v", rows)
	}
	tables := jdbc(t, ctx, gen, pgjdbcGetTables, "%")
	if len(tables) != 2 || tables[0][2] != "dbz_items" || tables[0][3] != "TABLE" {
		t.Errorf("getTables: %v", tables)
	}
	to := simple(t, ctx, repl, "SHOW statement_timeout;")[0][0]
	simple(t, ctx, repl, `SET statement_timeout = 90000; CREATE PUBLICATION dbz_publication FOR TABLE "public"."dbz_items", "public"."dbz_outbox";`)
	simple(t, ctx, repl, "SET statement_timeout = '"+to+"';")
	simple(t, ctx, repl, "COMMIT")
	slot := simple(t, ctx, repl, `CREATE_REPLICATION_SLOT "debezium"  LOGICAL pgoutput `)
	if len(slot) != 1 || slot[0][0] != "debezium" || slot[0][2] == "" || slot[0][3] != "pgoutput" {
		t.Fatalf("CREATE_REPLICATION_SLOT: %v (want slot_name, consistent_point, snapshot_name, output_plugin)", slot)
	}
	consistent, snapshotName := slot[0][1], slot[0][2]

	// Written after the slot: only the stream may carry these.
	mustExec(t, ctx, setup, "INSERT INTO dbz_items VALUES ('late', 1, 'after the slot')")
	mustExec(t, ctx, setup, "BEGIN")
	mustExec(t, ctx, setup, "INSERT INTO dbz_outbox VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'order', '42', 'OrderCreated', '{\"total\": 12.5}')")
	mustExec(t, ctx, setup, "SELECT pg_logical_emit_message(true, 'order-events', '{\"order\": 42}')")
	mustExec(t, ctx, setup, "COMMIT")

	// 11–17: the snapshot, in the exported snapshot
	simple(t, ctx, gen, "BEGIN")
	simple(t, ctx, gen, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; \nSET TRANSACTION SNAPSHOT '"+snapshotName+"';")
	jdbc(t, ctx, gen, pgjdbcGetTables, "%")
	simple(t, ctx, gen, "SET lock_timeout = 10000;\nLOCK TABLE \"public\".\"dbz_items\" IN ACCESS SHARE MODE;")
	simple(t, ctx, gen, "select (case pg_is_in_recovery() when 't' then pg_last_wal_receive_lsn() else pg_current_wal_lsn() end) AS pg_current_wal_lsn")
	simple(t, ctx, gen, "select (case pg_is_in_recovery() when 't' then '0'::xid8 else pg_current_xact_id() end) AS pg_current_txid")
	cols := jdbc(t, ctx, gen, pgjdbcGetColumns, "public", `dbz\_items`)
	if len(cols) != 3 || cols[0][3] != "tenant" || cols[2][3] != "name" {
		t.Errorf("getColumns(dbz_items): %v", cols)
	}
	pks := jdbc(t, ctx, gen, pgjdbcGetPrimaryKeys, "public", "dbz_items")
	if len(pks) != 2 || pks[0][3] != "tenant" || pks[0][4] != "1" || pks[1][3] != "id" || pks[1][4] != "2" || pks[0][5] != "dbz_items_pkey" {
		t.Errorf("getPrimaryKeys(dbz_items): %v", pks)
	}
	// a fetch size inside the transaction: a named portal, Execute(maxRows)
	// and Sync, again and again until CommandComplete
	got := fetchWithPortal(t, ctx, gen, `SELECT "tenant", "id", "name" FROM "public"."dbz_items"`, 10)
	if got != 25 {
		t.Errorf("the snapshot read %d rows of dbz_items, want the 25 committed before the slot", got)
	}
	simple(t, ctx, gen, "COMMIT")

	// 18–22: streaming
	jdbc(t, ctx, gen, `SELECT relreplident FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON c.relnamespace=n.oid WHERE n.nspname=$1 and c.relname=$2`, "public", "dbz_items")
	simple(t, ctx, repl, "BEGIN")
	if pt := simple(t, ctx, repl, "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = 'dbz_publication'"); len(pt) != 2 {
		t.Errorf("pg_publication_tables: %v", pt)
	}
	simple(t, ctx, repl, "COMMIT")
	info := connectJDBC(t, ctx, n, "Debezium Slot Info", false)
	if rows := jdbc(t, ctx, info, debeziumSlotQuery, "debezium", "logdb", "pgoutput"); len(rows) != 1 {
		t.Errorf("slot info: %v", rows)
	}
	sys, err := pglogrepl.IdentifySystem(ctx, repl)
	if err != nil {
		t.Fatal(err)
	}
	_ = sys
	start, err := pglogrepl.ParseLSN(consistent)
	if err != nil {
		t.Fatal(err)
	}
	if err := pglogrepl.StartReplication(ctx, repl, `"debezium"`, start, pglogrepl.StartReplicationOptions{Mode: pglogrepl.LogicalReplication,
		PluginArgs: []string{`"proto_version" '1'`, `"publication_names" 'dbz_publication'`, `"messages" 'true'`}}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for len(seen) < 9 {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		raw, err := repl.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			t.Fatalf("after %v: %v", seen, err)
		}
		m := pgoutputMessage(t, raw)
		if m == nil {
			continue
		}
		switch m := m.(type) {
		case *pglogrepl.BeginMessage:
			seen = append(seen, "B")
		case *pglogrepl.RelationMessage:
			seen = append(seen, "R "+m.RelationName)
		case *pglogrepl.InsertMessage:
			seen = append(seen, "I "+string(m.Tuple.Columns[0].Data))
		case *pglogrepl.LogicalDecodingMessage:
			seen = append(seen, "M "+m.Prefix)
		case *pglogrepl.CommitMessage:
			seen = append(seen, "C")
		}
	}
	want := "B|R dbz_items|I late|C|B|R dbz_outbox|I a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|M order-events|C"
	if strings.Join(seen, "|") != want {
		t.Errorf("stream:\n got %s\nwant %s", strings.Join(seen, "|"), want)
	}
}

// fetchWithPortal reads sql through a named portal, fetchSize rows per
// Execute, each followed by Sync (pgjdbc with setFetchSize inside a
// transaction), and returns the number of rows.
func fetchWithPortal(t *testing.T, ctx context.Context, c *pgconn.PgConn, sql string, fetchSize uint32) int {
	t.Helper()
	fe := c.Frontend()
	fe.Send(&pgproto3.Parse{Name: "S_1", Query: sql})
	fe.Send(&pgproto3.Bind{DestinationPortal: "C_1", PreparedStatement: "S_1"})
	fe.Send(&pgproto3.Describe{ObjectType: 'P', Name: "C_1"})
	rows := 0
	for round := 0; ; round++ {
		fe.Send(&pgproto3.Execute{Portal: "C_1", MaxRows: fetchSize})
		fe.Send(&pgproto3.Sync{})
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		done := false
		for {
			msg, err := c.ReceiveMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch m := msg.(type) {
			case *pgproto3.DataRow:
				rows++
			case *pgproto3.CommandComplete:
				done = true
			case *pgproto3.ErrorResponse:
				t.Fatalf("fetch round %d: %s %s", round, m.Code, m.Message)
			}
			if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
				break
			}
		}
		if done {
			fe.Send(&pgproto3.Close{ObjectType: 'P', Name: "C_1"})
			fe.Send(&pgproto3.Sync{})
			fe.Flush()
			for {
				msg, err := c.ReceiveMessage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
					return rows
				}
			}
		}
	}
}
