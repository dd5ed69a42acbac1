package test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPartitioningMatchesPostgres: declarative partitioning (LIST, RANGE,
// HASH) as PostgreSQL 15 has it — CREATE TABLE … PARTITION BY / PARTITION
// OF, ATTACH and DETACH PARTITION, rows routed by INSERT, COPY-less
// INSERT … SELECT and UPDATE, the partition constraint of a partition
// written directly, pruning, ON CONFLICT and RETURNING through the parent,
// indexes and keys inherited by partitions, foreign keys from a
// partitioned table, DROP, and the catalogs (pg_class, pg_inherits,
// pg_partitioned_table, pg_get_expr(relpartbound), pg_get_partkeydef).
// Results, SQLSTATEs, messages and DETAILs must be PostgreSQL's.
func TestPartitioningMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 180*time.Second)
	execOnEach(t, ctx, "SET TIME ZONE 'UTC'", pc, lc)
	matchPostgresDetail(t, ctx, pc, lc,
		// LIST, with a DEFAULT partition attached later
		"CREATE TABLE pt_l (a int, b text NOT NULL DEFAULT 'x', c int) PARTITION BY LIST (a)",
		"CREATE TABLE pt_l1 PARTITION OF pt_l FOR VALUES IN (1, 2)",
		"CREATE TABLE pt_l2 PARTITION OF pt_l FOR VALUES IN (3, NULL)",
		"INSERT INTO pt_l VALUES (9, 'nine', 9)",
		"CREATE TABLE pt_ld (a int, b text NOT NULL DEFAULT 'y', c int)",
		"INSERT INTO pt_ld VALUES (7, 'seven', 0)",
		"ALTER TABLE pt_l ATTACH PARTITION pt_ld DEFAULT",
		"INSERT INTO pt_l VALUES (1, 'one', 1), (3, 'three', 3), (5, 'five', 5), (NULL, 'null', 0) RETURNING *",
		"INSERT INTO pt_l (a) VALUES (2) RETURNING a, b",
		"SELECT tableoid::regclass, * FROM pt_l ORDER BY a NULLS FIRST",
		"SELECT * FROM pt_l WHERE a = 3",
		"SELECT * FROM pt_l WHERE a = 7",
		"SELECT count(*) FROM pt_l WHERE a IS NULL",
		"SELECT a, b FROM pt_l WHERE a IN (1, 3, 42) ORDER BY a",
		"SELECT a, b FROM pt_l WHERE a = ANY(ARRAY[3, 7, NULL]) ORDER BY a",
		"SELECT a, b FROM pt_l WHERE a = NULL",
		"SELECT * FROM pt_l1 ORDER BY a",
		// a partition written directly checks its partition constraint
		"INSERT INTO pt_l1 VALUES (3, 'bad', 0)",
		"INSERT INTO pt_ld VALUES (1, 'bad', 0)",
		"UPDATE pt_l1 SET a = 3 WHERE a = 1",
		"INSERT INTO pt_l1 VALUES (1, 'ok', 0)",
		// UPDATE through the parent moves a row whose key changes
		"UPDATE pt_l SET a = 3 WHERE a = 2 RETURNING *",
		"UPDATE pt_l SET c = c + 1 WHERE a = 3",
		"SELECT tableoid::regclass, * FROM pt_l ORDER BY a NULLS FIRST, b",
		"DELETE FROM pt_l WHERE a = 5 RETURNING *",
		"DELETE FROM pt_l1 WHERE b = 'ok'",
		"INSERT INTO pt_l SELECT a + 10, b, c FROM pt_l WHERE a < 4",
		"SELECT tableoid::regclass, * FROM pt_l ORDER BY a NULLS FIRST, b",
		// bounds that overlap, or that the DEFAULT partition's rows hold
		"CREATE TABLE pt_l3 PARTITION OF pt_l FOR VALUES IN (7)",
		"CREATE TABLE pt_l4 PARTITION OF pt_l FOR VALUES IN (1)",
		"CREATE TABLE pt_l5 PARTITION OF pt_l DEFAULT",
		"CREATE TABLE pt_l6 PARTITION OF pt_l FOR VALUES FROM (1) TO (2)",
		"CREATE TABLE pt_l7 PARTITION OF pt_l FOR VALUES IN ('x')",
		"CREATE TABLE pt_l8 PARTITION OF pt_l FOR VALUES IN (20)",
		// ATTACH checks the table's rows and columns
		"CREATE TABLE pt_lx (a int, b text NOT NULL, c int)",
		"INSERT INTO pt_lx VALUES (30, 'x', 1)",
		"ALTER TABLE pt_l ATTACH PARTITION pt_lx FOR VALUES IN (31)",
		"ALTER TABLE pt_l ATTACH PARTITION pt_lx FOR VALUES IN (30)",
		"ALTER TABLE pt_l ATTACH PARTITION pt_lx FOR VALUES IN (32)",
		"CREATE TABLE pt_ly (a int, b text, c int)",
		"ALTER TABLE pt_l ATTACH PARTITION pt_ly FOR VALUES IN (40)",
		"CREATE TABLE pt_lz (a int, b text NOT NULL, c int, d int)",
		"ALTER TABLE pt_l ATTACH PARTITION pt_lz FOR VALUES IN (41)",
		"CREATE TABLE pt_lw (a bigint, b text NOT NULL, c int)",
		"ALTER TABLE pt_l ATTACH PARTITION pt_lw FOR VALUES IN (42)",
		"ALTER TABLE pt_lx ATTACH PARTITION pt_ly FOR VALUES IN (1)",
		"ALTER TABLE pt_l ATTACH PARTITION pt_l1 FOR VALUES IN (50)",
		"ALTER TABLE pt_l DETACH PARTITION pt_lx",
		"ALTER TABLE pt_l DETACH PARTITION pt_ly",
		"SELECT count(*) FROM pt_l",
		"SELECT * FROM pt_lx",
		// the catalogs
		"SELECT relname, relkind, relispartition, pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname LIKE 'pt_l%' ORDER BY relname",
		"SELECT c.relname, p.relname, i.inhseqno FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'pt_l' ORDER BY 1",
		"SELECT partstrat, partnatts, partattrs, partdefid::regclass FROM pg_partitioned_table WHERE partrelid = 'pt_l'::regclass",
		"SELECT pg_get_partkeydef('pt_l'::regclass), pg_get_partkeydef('pt_l1'::regclass)",
		"SELECT relid, parentrelid, isleaf, level FROM pg_partition_tree('pt_l') ORDER BY 1::text",
		"SELECT pg_partition_ancestors('pt_l1'), pg_partition_root('pt_l1'), pg_partition_root('pt_lx')",
		"SELECT relname, pg_get_partition_constraintdef(oid) FROM pg_class WHERE relname IN ('pt_l1', 'pt_l2', 'pt_ld', 'pt_lx') ORDER BY 1",
		// keys: a primary key must hold the partition key
		"CREATE TABLE pt_bad (a int, b int, PRIMARY KEY (b)) PARTITION BY LIST (a)",
		"CREATE TABLE pt_bad (a int, b int) PARTITION BY LIST (a, b)",
		"CREATE TABLE pt_bad (a int, b int) PARTITION BY RANGE (z)",
		"CREATE TABLE pt_bad PARTITION OF pt_nope FOR VALUES IN (1)",
		"CREATE TABLE pt_bad PARTITION OF pt_lx FOR VALUES IN (1)",
		// RANGE with a primary key, MINVALUE/MAXVALUE, an index made on the parent
		"CREATE TABLE pt_r (id int, t timestamptz NOT NULL DEFAULT '2024-01-01 10:00+00', v text, PRIMARY KEY (id, t)) PARTITION BY RANGE (t)",
		"CREATE TABLE pt_r1 PARTITION OF pt_r FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-01-02 00:00:00+00')",
		"CREATE TABLE pt_r0 PARTITION OF pt_r FOR VALUES FROM (MINVALUE) TO ('2024-01-01 00:00:00+00')",
		"CREATE TABLE pt_rx PARTITION OF pt_r FOR VALUES FROM ('2024-01-03') TO ('2024-01-02')",
		"CREATE TABLE pt_rx PARTITION OF pt_r FOR VALUES FROM ('2024-01-01 12:00+00') TO ('2024-01-03')",
		"CREATE INDEX pt_r_v ON pt_r (v)",
		"CREATE TABLE pt_r2 PARTITION OF pt_r FOR VALUES FROM ('2024-01-02 00:00:00+00') TO (MAXVALUE)",
		"INSERT INTO pt_r VALUES (1, '2024-01-01 12:00+00', 'a'), (2, '2023-06-01 00:00+00', 'b'), (3, '2030-01-01 00:00+00', 'c')",
		"INSERT INTO pt_r (id, v) VALUES (4, 'd')",
		"INSERT INTO pt_r VALUES (1, '2024-01-01 12:00+00', 'dup')",
		"INSERT INTO pt_r VALUES (1, '2024-01-01 12:00+00', 'dup') ON CONFLICT DO NOTHING",
		"INSERT INTO pt_r VALUES (1, '2024-01-01 12:00+00', 'upd') ON CONFLICT (id, t) DO UPDATE SET v = excluded.v RETURNING *",
		"INSERT INTO pt_r VALUES (1, '2024-01-01 12:00+00', 'by name') ON CONFLICT ON CONSTRAINT pt_r_pkey DO UPDATE SET v = excluded.v RETURNING v",
		"INSERT INTO pt_r VALUES (1, '2024-01-05 12:00+00', 'other day')",
		"SELECT tableoid::regclass, * FROM pt_r ORDER BY id, t",
		"SELECT * FROM pt_r WHERE t = '2023-06-01 00:00+00'",
		"UPDATE pt_r SET t = '2024-01-01 23:00+00' WHERE id = 3 RETURNING *",
		"SELECT tableoid::regclass, * FROM pt_r WHERE id = 3",
		"SELECT indexrelid::regclass, indrelid::regclass FROM pg_index WHERE indrelid::regclass::text LIKE 'pt_r%' ORDER BY indexrelid::regclass::text",
		"SELECT relname, relkind FROM pg_class WHERE relname LIKE 'pt_r%' ORDER BY relname",
		"SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname IN ('pt_r0', 'pt_r2') ORDER BY relname",
		"SELECT pg_get_partition_constraintdef('pt_r1'::regclass)",
		"CREATE UNIQUE INDEX pt_r_bad ON pt_r (v)",
		// HASH
		"CREATE TABLE pt_h (k int, v text) PARTITION BY HASH (k)",
		"CREATE TABLE pt_h0 PARTITION OF pt_h FOR VALUES WITH (MODULUS 2, REMAINDER 0)",
		"CREATE TABLE pt_h1 PARTITION OF pt_h FOR VALUES WITH (MODULUS 2, REMAINDER 1)",
		"CREATE TABLE pt_hx PARTITION OF pt_h FOR VALUES WITH (MODULUS 2, REMAINDER 1)",
		"CREATE TABLE pt_hx PARTITION OF pt_h FOR VALUES WITH (MODULUS 3, REMAINDER 2)",
		"CREATE TABLE pt_hx PARTITION OF pt_h FOR VALUES WITH (MODULUS 2, REMAINDER 2)",
		"CREATE TABLE pt_hx PARTITION OF pt_h DEFAULT",
		"INSERT INTO pt_h SELECT g, 'v' || g FROM generate_series(1, 20) g",
		"SELECT count(*), count(DISTINCT tableoid) FROM pt_h",
		"SELECT * FROM pt_h WHERE k = 7",
		"SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'pt_h1'",
		// foreign keys from a partitioned table, deferred
		"CREATE TABLE pt_q (name text PRIMARY KEY)",
		"INSERT INTO pt_q VALUES ('a'), ('b')",
		"CREATE TABLE pt_j (name text NOT NULL, id int NOT NULL, PRIMARY KEY (name, id)) PARTITION BY LIST (name)",
		"CREATE TABLE pt_ja PARTITION OF pt_j FOR VALUES IN ('a')",
		"ALTER TABLE pt_j ADD CONSTRAINT pt_j_fk FOREIGN KEY (name) REFERENCES pt_q (name) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED",
		"CREATE TABLE pt_jd PARTITION OF pt_j DEFAULT",
		"INSERT INTO pt_j VALUES ('a', 1), ('b', 2)",
		"INSERT INTO pt_j VALUES ('c', 3)",
		"DELETE FROM pt_q WHERE name = 'b'",
		"INSERT INTO pt_j VALUES ('a', 1)",
		"SELECT conname, conrelid::regclass, condeferred FROM pg_constraint WHERE conname = 'pt_j_fk' ORDER BY 2::text",
		"SELECT tableoid::regclass, * FROM pt_j ORDER BY id",
		// row triggers of a partitioned table fire on its partitions (also
		// on one attached later), statement triggers on the table itself
		"CREATE TABLE pt_t (a int, c int) PARTITION BY LIST (a)",
		"CREATE TABLE pt_t1 PARTITION OF pt_t FOR VALUES IN (1)",
		"CREATE TABLE pt_log (id serial, tbl text, op text, a int, c int)",
		"CREATE FUNCTION pt_row() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO pt_log (tbl, op, a, c) VALUES (TG_TABLE_NAME, TG_OP || ' ' || TG_WHEN, NEW.a, NEW.c); NEW.c := NEW.c + 100; RETURN NEW; END$$",
		"CREATE FUNCTION pt_stmt() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO pt_log (tbl, op) VALUES (TG_TABLE_NAME, TG_OP || ' ' || TG_LEVEL); RETURN NULL; END$$",
		"CREATE TRIGGER pt_b BEFORE INSERT OR UPDATE ON pt_t FOR EACH ROW EXECUTE FUNCTION pt_row()",
		"CREATE TRIGGER pt_s AFTER INSERT ON pt_t FOR EACH STATEMENT EXECUTE FUNCTION pt_stmt()",
		"CREATE TABLE pt_t2 PARTITION OF pt_t FOR VALUES IN (2)",
		"INSERT INTO pt_t VALUES (1, 1), (2, 2) RETURNING *",
		"INSERT INTO pt_t2 VALUES (2, 3)",
		"UPDATE pt_t SET c = 0 WHERE a = 1",
		"SELECT tbl, op, a, c FROM pt_log ORDER BY id",
		"SELECT tableoid::regclass, * FROM pt_t ORDER BY a, c",
		"SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'pt_b' ORDER BY 1",
		"DROP TRIGGER pt_b ON pt_t",
		"SELECT count(*) FROM pg_trigger WHERE tgname = 'pt_b'",
		"DROP TABLE pt_t, pt_log",
		// a partition partitioned in turn
		"CREATE TABLE pt_s (a int, b int, c text) PARTITION BY LIST (a)",
		"CREATE TABLE pt_s1 PARTITION OF pt_s FOR VALUES IN (1) PARTITION BY RANGE (b)",
		"CREATE TABLE pt_s1a PARTITION OF pt_s1 FOR VALUES FROM (0) TO (10)",
		"CREATE TABLE pt_s1b PARTITION OF pt_s1 FOR VALUES FROM (10) TO (MAXVALUE)",
		"CREATE TABLE pt_s2 PARTITION OF pt_s FOR VALUES IN (2)",
		"INSERT INTO pt_s VALUES (1, 5, 'x'), (1, 50, 'y'), (2, 5, 'z')",
		"INSERT INTO pt_s VALUES (1, NULL, 'n')",
		"INSERT INTO pt_s1a VALUES (2, 5, 'bad')",
		"INSERT INTO pt_s1a VALUES (1, 15, 'bad')",
		"UPDATE pt_s SET b = 12 WHERE c = 'x'",
		"UPDATE pt_s SET a = 2 WHERE c = 'y'",
		"SELECT tableoid::regclass, * FROM pt_s ORDER BY c",
		"SELECT * FROM pt_s1 ORDER BY c",
		"SELECT relid, parentrelid, isleaf, level FROM pg_partition_tree('pt_s') ORDER BY level, relid::text",
		"SELECT pg_partition_root('pt_s1a'), pg_get_partkeydef('pt_s1')",
		"SELECT table_name, table_type FROM information_schema.tables WHERE table_name LIKE 'pt\\_s%' ORDER BY 1",
		"DROP TABLE pt_s",
		"SELECT count(*) FROM pg_class WHERE relname LIKE 'pt\\_s%'",
		// DROP of a partition, and of the parent with its partitions
		"DROP TABLE pt_l2",
		"SELECT count(*) FROM pt_l WHERE a = 3",
		"TRUNCATE pt_r",
		"SELECT count(*) FROM pt_r",
		"DROP TABLE pt_l, pt_r, pt_h, pt_j, pt_q",
		"SELECT relname FROM pg_class WHERE relname LIKE 'pt\\_%' ORDER BY 1",
	)
}

// TestPartitioningPsqlAndDump: psql's \d and \d+ of partitioned tables and
// their partitions print what PostgreSQL's do, and pg_dump of logdb,
// restored into PostgreSQL 15, gives the same tables, partitions and rows
// (the restored database is the reference for \d).
func TestPartitioningPsqlAndDump(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	lc := mustConnect(t, sharedNode(t))
	n := sharedNode(t)
	execOnEach(t, ctx, `CREATE SCHEMA ptd;
CREATE TABLE ptd.dp (a int, b text NOT NULL DEFAULT 'x', PRIMARY KEY (a, b)) PARTITION BY LIST (a);
CREATE TABLE ptd.dp1 PARTITION OF ptd.dp FOR VALUES IN (1, 2);
CREATE TABLE ptd.dpd PARTITION OF ptd.dp DEFAULT;
CREATE INDEX ON ptd.dp (b);
CREATE TABLE ptd.dr (n int, v text) PARTITION BY RANGE (n);
CREATE TABLE ptd.dr1 PARTITION OF ptd.dr FOR VALUES FROM (MINVALUE) TO (10);
CREATE TABLE ptd.dr2 PARTITION OF ptd.dr FOR VALUES FROM (10) TO (20);
INSERT INTO ptd.dp VALUES (1, 'a'), (5, 'b');
INSERT INTO ptd.dr VALUES (1, 'one'), (15, 'fifteen')`, lc)
	script := mustDump(t, ctx, append(n.clientArgs("logdb"), "-n", "ptd")...)
	for _, want := range []string{
		"PARTITION BY LIST (a);",
		"ALTER TABLE ONLY ptd.dp ATTACH PARTITION ptd.dp1 FOR VALUES IN (1, 2);",
		"ALTER TABLE ONLY ptd.dr ATTACH PARTITION ptd.dr1 FOR VALUES FROM (MINVALUE) TO (10);",
		"CREATE INDEX dp_b_idx ON ONLY ptd.dp USING btree (b);",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("pg_dump output lacks %q", want)
		}
	}
	mustExec(t, ctx, pc, "CREATE DATABASE restored")
	mustExec(t, ctx, pc, "CREATE ROLE logdb") // the dump's owner
	mustLoadScript(t, ctx, "restoring logdb's dump into PostgreSQL", script, pg.clientArgs("restored"))
	pgPsql := func(args ...string) string {
		return mustRunClient(t, ctx, "", "psql", append(append(pg.clientArgs("restored"), "-X", "-v", "ON_ERROR_STOP=1"), args...)...)
	}
	logdbPsql := func(args ...string) string {
		return mustRunClient(t, ctx, "", "psql", append(append(n.clientArgs("logdb"), "-X", "-v", "ON_ERROR_STOP=1"), args...)...)
	}
	for _, meta := range []string{`\d ptd.dp`, `\d+ ptd.dp`, `\d ptd.dp1`, `\d+ ptd.dp1`, `\d+ ptd.dpd`, `\d+ ptd.dr`, `\d+ ptd.dr1`,
		"SELECT tableoid::regclass, * FROM ptd.dp ORDER BY a", "SELECT tableoid::regclass, * FROM ptd.dr ORDER BY n"} {
		got, want := logdbPsql("-c", meta), pgPsql("-c", meta)
		if got != want {
			t.Errorf("%s:\nlogdb:\n%s\nPostgreSQL:\n%s", meta, got, want)
		}
	}
}

// TestPartitioningChangefeed: rows written through a partitioned table
// are in the changefeed under the partition they are in, as pgoutput
// names them by default (publish_via_partition_root = false); a row
// whose key moves it to another partition is a delete there and an
// insert here.
func TestPartitioningChangefeed(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, sharedNode(t))
	mustExec(t, ctx, c, "CREATE TABLE pcf (k text, v int) PARTITION BY LIST (k)")
	mustExec(t, ctx, c, "CREATE TABLE pcf_a PARTITION OF pcf FOR VALUES IN ('a')")
	mustExec(t, ctx, c, "CREATE TABLE pcf_rest PARTITION OF pcf DEFAULT")
	mustExec(t, ctx, c, "INSERT INTO pcf VALUES ('a', 1), ('b', 2)")
	mustExec(t, ctx, c, "UPDATE pcf SET k = 'a' WHERE k = 'b'")
	// two levels
	mustExec(t, ctx, c, "CREATE TABLE pcf2 (k int, v int) PARTITION BY RANGE (k)")
	mustExec(t, ctx, c, "CREATE TABLE pcf2_lo PARTITION OF pcf2 FOR VALUES FROM (0) TO (10) PARTITION BY LIST (v)")
	mustExec(t, ctx, c, "CREATE TABLE pcf2_lo_1 PARTITION OF pcf2_lo FOR VALUES IN (1)")
	mustExec(t, ctx, c, "CREATE TABLE pcf2_hi PARTITION OF pcf2 FOR VALUES FROM (10) TO (20)")
	mustExec(t, ctx, c, "CREATE TABLE pcf2_other (k int, v int)")
	mustExec(t, ctx, c, "INSERT INTO pcf2 VALUES (1, 1), (15, 2)")
	mustExec(t, ctx, c, "INSERT INTO pcf2_other VALUES (1, 1)")
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// changes fetches n row changes ("op table") from a new cursor over
	// the SUBSCRIBE statement sub.
	changes := func(cursor, sub string, n int) string {
		t.Helper()
		if _, err := tx.Exec(ctx, "DECLARE "+cursor+" CURSOR FOR "+sub); err != nil {
			t.Fatal(err)
		}
		var got []string
		for len(got) < n {
			rows, err := tx.Query(ctx, "FETCH 100 "+cursor+" WITH (timeout = '1s')")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				vals, err := rows.Values()
				if err != nil {
					t.Fatal(err)
				}
				if op := fmt.Sprint(vals[2]); op == "insert" || op == "delete" {
					got = append(got, op+" "+fmt.Sprint(vals[3]))
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}
		return strings.Join(got, ",")
	}
	want := "insert public.pcf_a,insert public.pcf_rest,delete public.pcf_rest,insert public.pcf_a"
	if got := changes("f", "SUBSCRIBE pcf_a, pcf_rest WITH (FROM_LSN = '0/0')", 4); got != want {
		t.Errorf("changes: %s, want %s", got, want)
	}
	// SUBSCRIBE of the partitioned table: its partitions' changes, under
	// their names
	if got := changes("g", "SUBSCRIBE pcf WITH (FROM_LSN = '0/0')", 4); got != want {
		t.Errorf("SUBSCRIBE pcf: %s, want %s", got, want)
	}
	// a partitioned table two levels up, and one level up
	if got := changes("h", "SUBSCRIBE pcf2 WITH (FROM_LSN = '0/0')", 2); got != "insert public.pcf2_lo_1,insert public.pcf2_hi" {
		t.Errorf("SUBSCRIBE pcf2: %s", got)
	}
	if got := changes("i", "SUBSCRIBE pcf2_lo WITH (FROM_LSN = '0/0')", 1); got != "insert public.pcf2_lo_1" {
		t.Errorf("SUBSCRIBE pcf2_lo: %s", got)
	}
}

// TestPartitionLimit: a partitioned table holds at most ddl.MaxPartitions
// (4,096) partitions at every level; the next CREATE … PARTITION OF or
// ATTACH PARTITION is 54000 and changes nothing. The partitions are made
// in one transaction (a DO block): about 10 s.
func TestPartitionLimit(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	ctx := testCtx(t, 10*time.Minute)
	mustExec(t, ctx, c, "CREATE TABLE plim (id int, v int) PARTITION BY LIST (id)")
	mustExec(t, ctx, c, "CREATE TABLE plim_sub PARTITION OF plim FOR VALUES IN (0) PARTITION BY LIST (v)")
	mustExec(t, ctx, c, `DO $$ BEGIN
		FOR i IN 1..4094 LOOP
			EXECUTE format('CREATE TABLE plim_%s PARTITION OF plim FOR VALUES IN (%s)', i, i);
		END LOOP;
	END $$`)
	mustExec(t, ctx, c, "CREATE TABLE plim_sub_1 PARTITION OF plim_sub FOR VALUES IN (1)") // the 4,096th, one level down
	_, err := c.Exec(ctx, "CREATE TABLE plim_sub_2 PARTITION OF plim_sub FOR VALUES IN (2)")
	wantCode(t, err, "54000", "a 4,097th partition, one level down")
	mustExec(t, ctx, c, "CREATE TABLE plim_x (id int, v int)")
	_, err = c.Exec(ctx, "ALTER TABLE plim ATTACH PARTITION plim_x FOR VALUES IN (5000)")
	wantCode(t, err, "54000", "a 4,097th partition attached")
	checkQuery(t, ctx, c, "4096", "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r', 'p')")
	mustExec(t, ctx, c, "INSERT INTO plim VALUES (4094, 1), (0, 1)")
	checkQuery(t, ctx, c, "2", "SELECT count(*) FROM plim")
}

// TestPartitionRangePruningMatchesPostgres: a range condition on the first
// column of a RANGE partitioned table's key reads only the partitions
// whose bounds meet it (the DEFAULT partition always), at every level:
// the rows are PostgreSQL 15's, and a partition outside the range is not
// scanned (its seq_scan count stays).
func TestPartitionRangePruningMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 60*time.Second)
	setup := []string{
		`DROP TABLE IF EXISTS prr, prr2, prr_pk`,
		`DROP SEQUENCE IF EXISTS prr_seq`,
		`CREATE SEQUENCE prr_seq`,
		`CREATE TABLE prr_pk (id int PRIMARY KEY, x int)`,
		`CREATE INDEX ON prr_pk (x)`,
		`INSERT INTO prr_pk SELECT g, g FROM generate_series(1, 10) g`,
		`CREATE TABLE prr (k int, v text) PARTITION BY RANGE (k)`,
		`CREATE TABLE prr_lo PARTITION OF prr FOR VALUES FROM (MINVALUE) TO (0)`,
		`CREATE TABLE prr_a PARTITION OF prr FOR VALUES FROM (0) TO (10)`,
		`CREATE TABLE prr_b PARTITION OF prr FOR VALUES FROM (10) TO (20) PARTITION BY RANGE (k)`,
		`CREATE TABLE prr_b1 PARTITION OF prr_b FOR VALUES FROM (10) TO (15)`,
		`CREATE TABLE prr_b2 PARTITION OF prr_b FOR VALUES FROM (15) TO (20)`,
		`CREATE TABLE prr_hi PARTITION OF prr FOR VALUES FROM (30) TO (MAXVALUE)`,
		`CREATE TABLE prr_def PARTITION OF prr DEFAULT`,
		`INSERT INTO prr SELECT i, 'v' || i FROM generate_series(-5, 40) i`,
		`CREATE TABLE prr2 (a int, b int, v text) PARTITION BY RANGE (a, b)`,
		`CREATE TABLE prr2_1 PARTITION OF prr2 FOR VALUES FROM (0, 0) TO (5, 5)`,
		`CREATE TABLE prr2_2 PARTITION OF prr2 FOR VALUES FROM (5, 5) TO (10, MINVALUE)`,
		`CREATE TABLE prr2_3 PARTITION OF prr2 FOR VALUES FROM (10, MINVALUE) TO (MAXVALUE, MAXVALUE)`,
		`INSERT INTO prr2 SELECT a, b, a || '/' || b FROM generate_series(0, 12) a, generate_series(0, 9) b WHERE (a, b) >= (0, 0)`,
	}
	for _, q := range setup {
		mustExec(t, ctx, pc, q)
		mustExec(t, ctx, lc, q)
	}
	matchPostgres(t, ctx, pc, lc,
		`SELECT k FROM prr WHERE k >= 12 AND k < 17 ORDER BY k`,
		`SELECT k FROM prr WHERE k > 9 AND k <= 10 ORDER BY k`,
		`SELECT k FROM prr WHERE k < 0 ORDER BY k`,
		`SELECT k FROM prr WHERE k <= 0 ORDER BY k`,
		`SELECT k FROM prr WHERE k > 19 ORDER BY k`,
		`SELECT k FROM prr WHERE k >= 20 AND k < 30 ORDER BY k`,
		`SELECT k FROM prr WHERE k BETWEEN 8 AND 16 ORDER BY k`,
		`SELECT k FROM prr WHERE k > 12::bigint AND k < 5000000000 ORDER BY k`,
		`SELECT k FROM prr WHERE k > 30 AND k < 10 ORDER BY k`,
		`SELECT k FROM prr WHERE k > NULL`,
		`SELECT count(*) FROM prr WHERE 15 <= k`,
		`UPDATE prr SET v = 'x' WHERE k >= 15 AND k < 18 RETURNING k, v`,
		`DELETE FROM prr WHERE k > 35 RETURNING k`,
		`SELECT a, b FROM prr2 WHERE a >= 5 AND a < 6 ORDER BY a, b`,
		`SELECT a, b FROM prr2 WHERE a > 9 ORDER BY a, b`,
		`SELECT a, b FROM prr2 WHERE a <= 5 AND b > 7 ORDER BY a, b`,
		`SELECT a, b FROM prr2 WHERE a < 5 ORDER BY a, b LIMIT 5`,
		// a volatile value is evaluated for each row, never once to
		// prune or to bound a key range (PostgreSQL's answers)
		`SELECT count(*) FROM prr WHERE k < 15 + 0 * nextval('prr_seq')`,
		`SELECT nextval('prr_seq')`,
		`SELECT count(*) FROM prr_pk WHERE id < nextval('prr_seq') - 42`,
		`SELECT count(*) FROM prr_pk WHERE x = nextval('prr_seq') - 58`,
		`SELECT nextval('prr_seq')`,
	)
	// prr_a (0..9) is not read by a query for 12..16, nor for a list
	var before, after int64
	scans := "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'prr_a'"
	if err := lc.QueryRow(ctx, scans).Scan(&before); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT count(*) FROM prr WHERE k >= 12 AND k < 17",
		"SELECT count(*) FROM prr WHERE k IN (12, 13, 35)",
		"SELECT count(*) FROM prr WHERE k = ANY(ARRAY[12, 13])",
	} {
		queryInt(t, ctx, lc, q)
		if err := lc.QueryRow(ctx, scans).Scan(&after); err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Errorf("%s: prr_a (0..9) was scanned (seq_scan %d → %d)", q, before, after)
		}
		before = after
	}
}
