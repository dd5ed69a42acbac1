package test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file holds issue 14's "missing everyday SQL" comparisons: MERGE,
// data-modifying WITH, CREATE TABLE … LIKE and scrollable cursors, each
// run statement by statement on logdb and on PostgreSQL 15.

// answerWithTags runs sql (one or more statements) with the simple
// protocol and returns, per statement, its rows as text and its command
// tag, or "ERROR <SQLSTATE>" where it stopped.
func answerWithTags(ctx context.Context, c *pgx.Conn, sql string) string {
	results, err := c.PgConn().Exec(ctx, sql).ReadAll()
	var out []string
	for _, r := range results {
		for _, row := range r.Rows {
			vals := make([]string, len(row))
			for i, v := range row {
				if v == nil {
					vals[i] = "NULL"
				} else {
					vals[i] = string(v)
				}
			}
			out = append(out, strings.Join(vals, "|"))
		}
		if r.Err != nil {
			out = append(out, "ERROR "+sqlState(r.Err))
			continue
		}
		out = append(out, "-- "+r.CommandTag.String())
	}
	if err != nil && (len(out) == 0 || !strings.HasPrefix(out[len(out)-1], "ERROR")) {
		out = append(out, "ERROR "+sqlState(err))
	}
	return strings.Join(out, "\n")
}

// matchPostgresTags is matchPostgres comparing command tags too (MERGE n,
// MOVE n, FETCH n).
func matchPostgresTags(t *testing.T, ctx context.Context, pc, lc *pgx.Conn, qs ...string) {
	t.Helper()
	for _, q := range qs {
		want, got := answerWithTags(ctx, pc, q), answerWithTags(ctx, lc, q)
		if got != want {
			if len(got)+len(want) > 1200 {
				got, want = got[:min(600, len(got))], want[:min(600, len(want))]
			}
			t.Errorf("%s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}

// everydayPair starts a PostgreSQL 15 and a logdb node and connects to each.
func everydayPair(t *testing.T) (context.Context, *pgx.Conn, *pgx.Conn) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	return ctx, pg.connect(t), mustConnect(t, mustStartNode(t, t.TempDir()))
}

func TestMergeMatchesPostgres(t *testing.T) {
	ctx, pc, lc := everydayPair(t)
	execOnEach(t, ctx, `CREATE TABLE m_t (id int PRIMARY KEY, v int NOT NULL DEFAULT 7, note text, CHECK (v < 1000));
CREATE TABLE m_s (id int, v int, note text);
CREATE TABLE m_ser (id serial PRIMARY KEY, k int UNIQUE, v int);
CREATE TABLE m_parent (id int PRIMARY KEY);
CREATE TABLE m_child (id int PRIMARY KEY, pid int REFERENCES m_parent (id))`, pc, lc)
	reset := "DELETE FROM m_t; DELETE FROM m_s; INSERT INTO m_t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'); INSERT INTO m_s VALUES (1, 100, 'x'), (3, 300, 'y'), (4, 400, 'z'), (5, NULL, 'n')"
	all := "SELECT * FROM m_t ORDER BY id"
	matchPostgresTags(t, ctx, pc, lc,
		reset,
		// the three actions, with conditions, and the tag
		`MERGE INTO m_t t USING m_s s ON t.id = s.id
		 WHEN MATCHED AND s.v > 200 THEN DELETE
		 WHEN MATCHED THEN UPDATE SET v = t.v + s.v, note = s.note
		 WHEN NOT MATCHED AND s.v IS NOT NULL THEN INSERT (id, v, note) VALUES (s.id, s.v, s.note)
		 WHEN NOT MATCHED THEN INSERT (id, note) VALUES (s.id, 'default v')`,
		all,
		reset,
		// DO NOTHING, a sub-query and VALUES as the source, aliases
		`MERGE INTO m_t USING (SELECT id, v * 2 AS v FROM m_s WHERE id < 4) AS q ON m_t.id = q.id
		 WHEN MATCHED AND q.v > 250 THEN DO NOTHING WHEN MATCHED THEN UPDATE SET v = q.v`,
		all,
		`MERGE INTO m_t AS t USING (VALUES (2, 5), (9, 90)) AS v(id, n) ON t.id = v.id
		 WHEN MATCHED THEN UPDATE SET v = DEFAULT WHEN NOT MATCHED THEN INSERT VALUES (v.id, v.n)`,
		all,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN NOT MATCHED THEN DO NOTHING`,
		`MERGE INTO m_t t USING m_s s ON false WHEN MATCHED THEN DELETE`,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN NOT MATCHED THEN INSERT DEFAULT VALUES`,
		// errors: a target row matched twice, constraints, nothing half-applied
		`MERGE INTO m_t t USING (VALUES (1), (1)) s(id) ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = t.v + 1`,
		`MERGE INTO m_t t USING (VALUES (1), (1)) s(id) ON t.id = s.id WHEN MATCHED THEN DO NOTHING`,
		`MERGE INTO m_t t USING (VALUES (2), (2)) s(id) ON t.id = s.id WHEN MATCHED THEN DELETE`,
		`MERGE INTO m_t t USING (VALUES (1, 5000)) s(id, v) ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v`,
		`MERGE INTO m_t t USING (VALUES (1, NULL::int)) s(id, v) ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v`,
		`MERGE INTO m_t t USING (VALUES (3, 1), (3, 2)) s(id, v) ON t.id = s.id + 100 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`,
		all,
		// errors the planner gives
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (t.id)`,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN MATCHED THEN DELETE WHEN MATCHED AND s.v > 0 THEN DO NOTHING`,
		`MERGE INTO m_t t USING m_s t ON t.id = t.id WHEN MATCHED THEN DELETE`,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id) VALUES (1, 2)`,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, v) VALUES (1)`,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN MATCHED THEN UPDATE SET nope = 1`,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = 'x'`,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN MATCHED AND s.v THEN DELETE`,
		`MERGE INTO m_nope t USING m_s s ON t.id = s.id WHEN MATCHED THEN DELETE`,
		`MERGE INTO m_t t USING m_nope s ON t.id = s.id WHEN MATCHED THEN DELETE`,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN MATCHED THEN INSERT VALUES (1)`,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE`,
		`MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING *`,
		// serials, unique constraints, foreign keys
		`MERGE INTO m_ser t USING (VALUES (1, 10), (2, 20)) s(k, v) ON t.k = s.k WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v)`,
		`MERGE INTO m_ser t USING (VALUES (2, 21), (3, 30)) s(k, v) ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v)`,
		`SELECT * FROM m_ser ORDER BY id`,
		`MERGE INTO m_ser t USING (VALUES (1, 3)) s(k, nk) ON t.k = s.k WHEN MATCHED THEN UPDATE SET k = s.nk`,
		`INSERT INTO m_parent VALUES (1)`,
		`MERGE INTO m_child c USING (VALUES (1, 1), (2, 2)) s(id, pid) ON c.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.pid)`,
		`MERGE INTO m_child c USING (VALUES (1, 1)) s(id, pid) ON c.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.pid)`,
		`MERGE INTO m_parent p USING (VALUES (1)) s(id) ON p.id = s.id WHEN MATCHED THEN DELETE`,
		`SELECT * FROM m_child`,
		// in a transaction, with a parameterless CTE in front
		`BEGIN; MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN MATCHED THEN DELETE; SELECT count(*) FROM m_t; ROLLBACK`,
		`WITH src AS (SELECT 42 AS id) MERGE INTO m_t t USING src ON t.id = src.id WHEN NOT MATCHED THEN INSERT VALUES (src.id, 1, 'cte')`,
		all,
		`BEGIN READ ONLY`, `MERGE INTO m_t t USING m_s s ON t.id = s.id WHEN MATCHED THEN DELETE`, `ROLLBACK`,
		// the target as its own source; a sub-query without alias; a view
		`MERGE INTO m_t USING m_t AS s ON m_t.id = s.id + 1 WHEN MATCHED THEN UPDATE SET note = s.note || '<'`,
		all,
		`MERGE INTO m_t t USING (SELECT 1 AS id) ON t.id = 1 WHEN MATCHED THEN DELETE`,
		`CREATE VIEW m_v AS SELECT * FROM m_t`,
		`MERGE INTO m_v t USING m_s s ON t.id = s.id WHEN MATCHED THEN DELETE`,
	)
}

// TestMergePrivileges: MERGE needs the privilege of each action it has,
// and SELECT on the source, as PostgreSQL checks.
func TestMergePrivileges(t *testing.T) {
	ctx, pc, lc := everydayPair(t)
	execOnEach(t, ctx, `CREATE TABLE mp_t (id int PRIMARY KEY, v int);
CREATE TABLE mp_s (id int, v int);
CREATE ROLE mp_user LOGIN;
GRANT SELECT, INSERT ON mp_t TO mp_user;
GRANT SELECT ON mp_s TO mp_user`, pc, lc)
	matchPostgresTags(t, ctx, pc, lc,
		`SET ROLE mp_user`,
		`MERGE INTO mp_t t USING mp_s s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`,
		`MERGE INTO mp_t t USING mp_s s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = 1`,
		`MERGE INTO mp_t t USING mp_s s ON t.id = s.id WHEN MATCHED THEN DELETE`,
		`RESET ROLE`,
		`REVOKE SELECT ON mp_s FROM mp_user`,
		`SET ROLE mp_user`,
		`MERGE INTO mp_t t USING mp_s s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`,
		`RESET ROLE`,
	)
}

// TestMergeConcurrentSerializes: two MERGEs that each read the other's
// target row run concurrently; either one fails with 40001 or the end
// state equals one of the two serial orders.
func TestMergeConcurrentSerializes(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c1, c2 := mustConnect(t, n), mustConnect(t, n)
	mustExec(t, ctx, c1, "CREATE TABLE mc_t (id int PRIMARY KEY, v int)")
	for round := 0; round < 20; round++ {
		mustExec(t, ctx, c1, "DELETE FROM mc_t")
		mustExec(t, ctx, c1, "INSERT INTO mc_t VALUES (1, 1), (2, 2)")
		tx1, err := c1.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tx2, err := c2.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// each copies the other row's value into its own row (write skew
		// unless serialized)
		_, err1 := tx1.Exec(ctx, `MERGE INTO mc_t t USING (SELECT v FROM mc_t WHERE id = 2) s ON t.id = 1
			WHEN MATCHED THEN UPDATE SET v = s.v * 10`)
		_, err2 := tx2.Exec(ctx, `MERGE INTO mc_t t USING (SELECT v FROM mc_t WHERE id = 1) s ON t.id = 2
			WHEN MATCHED THEN UPDATE SET v = s.v * 100`)
		if err1 == nil {
			err1 = tx1.Commit(ctx)
		} else {
			_ = tx1.Rollback(ctx)
		}
		if err2 == nil {
			err2 = tx2.Commit(ctx)
		} else {
			_ = tx2.Rollback(ctx)
		}
		got := queryText(t, ctx, c1, "SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM mc_t")
		switch {
		case err1 == nil && err2 == nil:
			// serial orders: 1 then 2 gives 1=20,2=2000; 2 then 1 gives 1=1000,2=100
			if got != "1=20,2=2000" && got != "1=1000,2=100" {
				t.Fatalf("round %d: both committed with a non-serial result %s", round, got)
			}
		case err1 == nil:
			wantCode(t, err2, "40001", "second MERGE")
		case err2 == nil:
			wantCode(t, err1, "40001", "first MERGE")
		default:
			t.Fatalf("round %d: both failed: %v, %v", round, err1, err2)
		}
	}
	// two MERGEs that both find key 3 missing and insert it: one commits,
	// the other fails (40001: what it read changed), never two rows
	for round := 0; round < 10; round++ {
		mustExec(t, ctx, c1, "DELETE FROM mc_t WHERE id = 3")
		tx1, err := c1.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tx2, err := c2.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		upsert := `MERGE INTO mc_t t USING (VALUES (3, %d)) s(id, v) ON t.id = s.id
			WHEN MATCHED THEN UPDATE SET v = t.v + s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`
		_, err1 := tx1.Exec(ctx, fmt.Sprintf(upsert, 1))
		_, err2 := tx2.Exec(ctx, fmt.Sprintf(upsert, 2))
		if err1 != nil || err2 != nil {
			t.Fatalf("round %d: %v, %v", round, err1, err2)
		}
		if err := tx1.Commit(ctx); err != nil {
			t.Fatalf("round %d: first commit: %v", round, err)
		}
		wantCode(t, tx2.Commit(ctx), "40001", "the second upserting MERGE")
		if got := queryText(t, ctx, c1, "SELECT string_agg(v::text, ',') FROM mc_t WHERE id = 3"); got != "1" {
			t.Fatalf("round %d: row 3 is %s, want 1", round, got)
		}
	}
}

// TestMergeInSubscribe: every row a MERGE (or a writing WITH query)
// changes reaches SUBSCRIBE, in one transaction, as the insert, update or
// delete it was.
func TestMergeInSubscribe(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE mcf_t (id int PRIMARY KEY, v int)")
	mustExec(t, ctx, c, "INSERT INTO mcf_t VALUES (1, 10), (2, 20), (3, 30)")
	lsn0 := currentLSN(t, ctx, c)
	s := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE mcf_t WITH (FROM_LSN = '"+lsn0+"')) TO STDOUT")
	tag, err := c.Exec(ctx, `MERGE INTO mcf_t t USING (VALUES (1, 0), (2, 5), (4, 40)) s(id, v) ON t.id = s.id
		WHEN MATCHED AND s.v = 0 THEN DELETE WHEN MATCHED THEN UPDATE SET v = t.v + s.v
		WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`)
	if err != nil || tag.String() != "MERGE 3" {
		t.Fatalf("MERGE: %v %v", tag, err)
	}
	got := s.nextN(t, 3, 10*time.Second)
	seen := map[string]bool{}
	for _, ch := range got {
		if ch.XID != got[0].XID {
			t.Fatalf("one MERGE's changes in several transactions: %v", got)
		}
		seen[ch.Op+ch.Key] = true
	}
	for _, w := range []string{`delete{"id": 1}`, `update{"id": 2}`, `insert{"id": 4}`} {
		if !seen[w] {
			t.Errorf("missing change %s in %v", w, got)
		}
	}
	// a writing WITH query's changes too, in its statement's transaction
	mustExec(t, ctx, c, "WITH d AS (DELETE FROM mcf_t WHERE id = 3 RETURNING id) UPDATE mcf_t SET v = (SELECT id FROM d) WHERE id = 4")
	got = s.nextN(t, 2, 10*time.Second)
	if got[0].XID != got[1].XID || got[0].Op+got[0].Key+got[1].Op+got[1].Key != `delete{"id": 3}update{"id": 4}` &&
		got[0].Op+got[0].Key+got[1].Op+got[1].Key != `update{"id": 4}delete{"id": 3}` {
		t.Errorf("a writing WITH query's changes: %v", got)
	}
}

func TestScrollCursorsMatchPostgres(t *testing.T) {
	ctx, pc, lc := everydayPair(t)
	execOnEach(t, ctx, `CREATE TABLE sc_t (id int PRIMARY KEY, v text);
INSERT INTO sc_t SELECT i, 'v' || i FROM generate_series(1, 10) i`, pc, lc)
	moves := []string{
		"FETCH NEXT FROM c", "FETCH PRIOR FROM c", "FETCH PRIOR FROM c", "FETCH FIRST FROM c", "FETCH LAST FROM c",
		"FETCH NEXT FROM c", "FETCH PRIOR FROM c", "FETCH ABSOLUTE 3 FROM c", "FETCH ABSOLUTE -2 FROM c",
		"FETCH ABSOLUTE 0 FROM c", "FETCH ABSOLUTE 20 FROM c", "FETCH ABSOLUTE -20 FROM c", "FETCH RELATIVE 2 FROM c",
		"FETCH RELATIVE -1 FROM c", "FETCH RELATIVE 0 FROM c", "FETCH 3 FROM c", "FETCH -2 FROM c", "FETCH 0 FROM c",
		"FETCH FORWARD 4 FROM c", "FETCH BACKWARD 3 FROM c", "FETCH BACKWARD ALL FROM c", "FETCH FORWARD ALL FROM c",
		"FETCH BACKWARD 2 FROM c", "FETCH ALL FROM c", "FETCH BACKWARD -2 FROM c", "FETCH FORWARD -1 FROM c",
		"MOVE ABSOLUTE 5 IN c", "FETCH NEXT FROM c", "MOVE BACKWARD 2 IN c", "FETCH c", "MOVE LAST IN c",
		"MOVE FORWARD ALL IN c", "MOVE BACKWARD ALL IN c", "MOVE 0 IN c", "FETCH 0 FROM c", "MOVE RELATIVE 3 IN c",
		"MOVE 0 IN c", "MOVE FORWARD 100 IN c", "FETCH PRIOR FROM c", "MOVE BACKWARD 100 IN c", "FETCH RELATIVE 1 IN c",
	}
	script := func(decl string) []string {
		out := []string{"BEGIN", decl}
		out = append(out, moves...)
		return append(out, "COMMIT")
	}
	matchPostgresTags(t, ctx, pc, lc, script("DECLARE c SCROLL CURSOR FOR SELECT * FROM sc_t ORDER BY id")...)
	matchPostgresTags(t, ctx, pc, lc, script("DECLARE c CURSOR FOR SELECT id * 10 FROM sc_t WHERE id > 2 ORDER BY id DESC")...)
	matchPostgresTags(t, ctx, pc, lc, script("DECLARE c CURSOR FOR VALUES (1), (2), (3)")...)
	matchPostgresTags(t, ctx, pc, lc, script("DECLARE c SCROLL CURSOR FOR SELECT v, count(*) FROM sc_t GROUP BY v ORDER BY v")...)
	matchPostgresTags(t, ctx, pc, lc, script("DECLARE c SCROLL CURSOR FOR SELECT * FROM sc_t WHERE false")...)
	// WITH HOLD: outlives the transaction, scrolls after COMMIT
	matchPostgresTags(t, ctx, pc, lc, append([]string{"DECLARE c SCROLL CURSOR WITH HOLD FOR SELECT id FROM sc_t ORDER BY id", "FETCH 2 FROM c"},
		append(moves, "CLOSE c")...)...)
	// not scrollable: explicitly, or by PostgreSQL's plan rule (joins,
	// aggregates, DISTINCT); forward moves still work, backward ones 55000
	for _, decl := range []string{
		"DECLARE c NO SCROLL CURSOR FOR SELECT * FROM sc_t ORDER BY id",
		"DECLARE c CURSOR FOR SELECT count(*) FROM sc_t",
		"DECLARE c CURSOR FOR SELECT id > 0 FROM (SELECT id FROM sc_t UNION SELECT id FROM sc_t WHERE id < 0) u",
		"DECLARE c CURSOR FOR SELECT a.id FROM sc_t a JOIN sc_t b ON a.id = b.id + 1",
	} {
		for _, m := range []string{"FETCH PRIOR FROM c", "FETCH FIRST FROM c", "FETCH ABSOLUTE 1 FROM c", "FETCH BACKWARD 1 FROM c",
			"FETCH 0 FROM c", "MOVE BACKWARD ALL IN c", "FETCH -1 FROM c", "FETCH LAST FROM c", "FETCH RELATIVE 0 FROM c"} {
			matchPostgresTags(t, ctx, pc, lc, "BEGIN", decl, "FETCH 2 FROM c", "FETCH ABSOLUTE 4 FROM c", "FETCH RELATIVE 1 FROM c", "MOVE 1 IN c", m, "ROLLBACK")
		}
		matchPostgresTags(t, ctx, pc, lc, "BEGIN", decl, "FETCH FIRST FROM c", "FETCH ABSOLUTE 0 FROM c", "ROLLBACK")
	}
	matchPostgresTags(t, ctx, pc, lc, "BEGIN", "DECLARE c SCROLL CURSOR FOR SELECT * FROM sc_t", "FETCH 2 FROM c", "FETCH nope", "ROLLBACK")
	// the rows a scrollable cursor keeps are bounded by work_mem (53200;
	// PostgreSQL spills them to disk)
	mustExec(t, ctx, lc, "BEGIN")
	mustExec(t, ctx, lc, "SET LOCAL work_mem = '64kB'")
	mustExec(t, ctx, lc, "DECLARE big SCROLL CURSOR FOR SELECT i, repeat('x', 100) FROM generate_series(1, 100000) i")
	_, err := lc.Exec(ctx, "MOVE FORWARD ALL IN big")
	wantCode(t, err, "53200", "a scrollable cursor past work_mem")
	mustExec(t, ctx, lc, "ROLLBACK")
	mustExec(t, ctx, lc, "BEGIN")
	mustExec(t, ctx, lc, "SET LOCAL work_mem = '64kB'")
	mustExec(t, ctx, lc, "DECLARE big NO SCROLL CURSOR FOR SELECT i, repeat('x', 100) FROM generate_series(1, 100000) i")
	if tag, err := lc.Exec(ctx, "MOVE FORWARD ALL IN big"); err != nil || tag.String() != "MOVE 100000" {
		t.Errorf("a NO SCROLL cursor streams: %v %v", tag, err)
	}
	mustExec(t, ctx, lc, "ROLLBACK")
}

func TestCreateTableLikeMatchesPostgres(t *testing.T) {
	ctx, pc, lc := everydayPair(t)
	execOnEach(t, ctx, `CREATE TABLE lk_src (id serial PRIMARY KEY, a varchar(10) NOT NULL DEFAULT 'x', b numeric(8,2) CHECK (b > 0), c int UNIQUE, d text, CONSTRAINT lk_ab CHECK (a <> 'bad'));
CREATE INDEX lk_src_d ON lk_src (d);
CREATE TABLE lk_parent (id int PRIMARY KEY);
CREATE TABLE lk_fk (id int PRIMARY KEY, p int REFERENCES lk_parent (id));
CREATE TABLE lk_ex (id int PRIMARY KEY, email text, gone timestamptz);
CREATE UNIQUE INDEX lk_ex_email ON lk_ex (lower(email)) WHERE gone IS NULL;
CREATE INDEX lk_ex_mix ON lk_ex (id DESC, upper(email))`, pc, lc)
	// (default and CHECK expressions are compared by behaviour below: logdb
	// prints them without PostgreSQL's implicit casts, also for lk_src)
	describe := func(tbl string) []string {
		return []string{
			"SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default IS NOT NULL FROM information_schema.columns WHERE table_name = '" + tbl + "' ORDER BY ordinal_position",
			"SELECT conname, contype, CASE WHEN contype <> 'c' THEN pg_get_constraintdef(oid) END FROM pg_constraint WHERE conrelid = '" + tbl + "'::regclass ORDER BY conname",
			"SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '" + tbl + "' ORDER BY 1",
		}
	}
	var qs []string
	for i, def := range []string{
		"(LIKE lk_src)",
		"(LIKE lk_src INCLUDING DEFAULTS)",
		"(LIKE lk_src INCLUDING CONSTRAINTS)",
		"(LIKE lk_src INCLUDING INDEXES)",
		"(LIKE lk_src INCLUDING ALL)",
		"(LIKE lk_src INCLUDING ALL EXCLUDING INDEXES EXCLUDING DEFAULTS)",
		"(pre int, LIKE lk_src INCLUDING DEFAULTS INCLUDING CONSTRAINTS, post text NOT NULL)",
		"(LIKE lk_fk INCLUDING ALL)",
		// expression and partial indexes are copied with their expressions
		"(LIKE lk_ex INCLUDING INDEXES)",
	} {
		tbl := fmt.Sprintf("lk_%d", i)
		qs = append(qs, "CREATE TABLE "+tbl+" "+def)
		qs = append(qs, describe(tbl)...)
	}
	qs = append(qs,
		// the copies behave: defaults, NOT NULL, checks, keys
		"INSERT INTO lk_4 (id, b, c) VALUES (1, 2.5, 10) RETURNING *",
		"INSERT INTO lk_4 (id, b, c) VALUES (1, 2.5, 11)",
		"INSERT INTO lk_4 (id, b, c) VALUES (2, 2.5, 10)",
		"INSERT INTO lk_4 (id, b, c) VALUES (3, -1, 12)",
		"INSERT INTO lk_4 (id, a) VALUES (4, 'bad')",
		"INSERT INTO lk_0 (id, a) VALUES (1, NULL)",
		"INSERT INTO lk_0 (id, a, b) VALUES (1, 'bad', -1), (1, 'ok', -2) RETURNING *",
		"INSERT INTO lk_7 VALUES (1, 99) RETURNING *",
		"INSERT INTO lk_8 VALUES (1, 'A@x', NULL), (2, 'a@X', now())",
		"INSERT INTO lk_8 VALUES (3, 'a@x', NULL)",
		// errors
		"CREATE TABLE lk_e1 (LIKE lk_nope)",
		"CREATE TABLE lk_e2 (a int, LIKE lk_src)",
		"CREATE TABLE lk_e3 (LIKE lk_src, LIKE lk_src)",
		"CREATE TABLE lk_0 (LIKE lk_src)",
	)
	matchPostgresTags(t, ctx, pc, lc, qs...)
}

func TestWritableCTEMatchesPostgres(t *testing.T) {
	ctx, pc, lc := everydayPair(t)
	execOnEach(t, ctx, `CREATE TABLE wc_a (id int PRIMARY KEY, v int);
CREATE TABLE wc_b (id int PRIMARY KEY, v int);
CREATE TABLE wc_log (n serial PRIMARY KEY, what text);
CREATE TABLE wc_parent (id int PRIMARY KEY);
CREATE TABLE wc_child (id int PRIMARY KEY, pid int REFERENCES wc_parent (id))`, pc, lc)
	reset := "DELETE FROM wc_a; DELETE FROM wc_b; INSERT INTO wc_a SELECT i, i * 10 FROM generate_series(1, 6) i"
	both := "SELECT 'a', * FROM wc_a UNION ALL SELECT 'b', * FROM wc_b ORDER BY 1, 2"
	matchPostgresTags(t, ctx, pc, lc,
		reset,
		// move rows: DELETE … RETURNING feeds an INSERT
		"WITH d AS (DELETE FROM wc_a WHERE id <= 2 RETURNING *) INSERT INTO wc_b SELECT * FROM d",
		both,
		// the main query sees the statement's starting state, and the
		// WITH query's RETURNING rows
		"WITH u AS (UPDATE wc_a SET v = v + 1 WHERE id = 3 RETURNING id, v) SELECT (SELECT v FROM wc_a WHERE id = 3) AS before, u.v AS after FROM u",
		"WITH d AS (DELETE FROM wc_a WHERE id = 4 RETURNING id) SELECT count(*) FROM wc_a",
		"WITH i AS (INSERT INTO wc_a VALUES (50, 500) RETURNING *) SELECT (SELECT count(*) FROM wc_a), (SELECT count(*) FROM i)",
		both,
		// executed once even when not read, or read twice
		"WITH i AS (INSERT INTO wc_log (what) VALUES ('unread')) SELECT 1",
		"WITH i AS (INSERT INTO wc_log (what) VALUES ('twice') RETURNING n) SELECT count(*) FROM i, i AS j",
		"SELECT * FROM wc_log ORDER BY n",
		// several in one statement, each against the starting state
		"WITH u AS (UPDATE wc_a SET v = 0 WHERE id = 5 RETURNING *), d AS (DELETE FROM wc_a WHERE id = 5 RETURNING *) SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM d)",
		"WITH x AS (INSERT INTO wc_b VALUES (90, 1) RETURNING id), y AS (INSERT INTO wc_b VALUES (91, 2) RETURNING id) SELECT * FROM x UNION ALL SELECT * FROM y ORDER BY 1",
		"WITH u AS (UPDATE wc_b SET v = v * 2 RETURNING *) UPDATE wc_a SET v = -1 WHERE id IN (SELECT id FROM u) OR id = 3",
		"WITH d AS (DELETE FROM wc_b WHERE id >= 90 RETURNING id) DELETE FROM wc_a WHERE id = 6 RETURNING id, (SELECT count(*) FROM d)",
		both,
		// foreign keys are checked at the statement's end
		"WITH p AS (INSERT INTO wc_parent VALUES (1) RETURNING id) INSERT INTO wc_child SELECT 10, id FROM p",
		"WITH c AS (INSERT INTO wc_child VALUES (20, 2) RETURNING id) INSERT INTO wc_parent VALUES (2)",
		"WITH c AS (INSERT INTO wc_child VALUES (30, 3) RETURNING id) SELECT * FROM c",
		"SELECT * FROM wc_child ORDER BY id",
		// an error in any part undoes all of it
		"WITH d AS (DELETE FROM wc_a RETURNING *) INSERT INTO wc_b VALUES (1, 1)",
		"WITH i AS (INSERT INTO wc_b VALUES (7, 1) RETURNING *) SELECT 1/(v - 1) FROM i",
		both,
		// in a transaction block, and with ON CONFLICT
		"BEGIN; WITH d AS (DELETE FROM wc_a WHERE id = 3 RETURNING *) INSERT INTO wc_b SELECT * FROM d ON CONFLICT (id) DO UPDATE SET v = excluded.v; SELECT * FROM wc_b ORDER BY id; ROLLBACK",
		// errors as PostgreSQL gives them
		"WITH d AS (DELETE FROM wc_a WHERE id = 1) SELECT * FROM d",
		"SELECT * FROM (WITH d AS (DELETE FROM wc_a RETURNING *) SELECT * FROM d) s",
		"WITH m AS (MERGE INTO wc_a t USING wc_b s ON t.id = s.id WHEN MATCHED THEN DELETE) SELECT 1",
		"BEGIN READ ONLY", "WITH d AS (DELETE FROM wc_a RETURNING *) SELECT * FROM d", "ROLLBACK",
		"BEGIN", "DECLARE c CURSOR FOR WITH d AS (DELETE FROM wc_a RETURNING *) SELECT * FROM d", "ROLLBACK",
		both,
	)
}

// TestJoinUsingAliasAndOrderByUsingMatchPostgres: JOIN … USING (…) AS x
// (PostgreSQL 14+) names the merged columns; ORDER BY … USING < | >.
func TestJoinUsingAliasAndOrderByUsingMatchPostgres(t *testing.T) {
	ctx, pc, lc := everydayPair(t)
	execOnEach(t, ctx, `CREATE TABLE ju_a (id int, k int, v text);
CREATE TABLE ju_b (id int, k int, w text);
INSERT INTO ju_a VALUES (1, 1, 'a1'), (2, 2, 'a2'), (NULL, 3, 'an');
INSERT INTO ju_b VALUES (1, 1, 'b1'), (3, 3, 'b3')`, pc, lc)
	matchPostgresTags(t, ctx, pc, lc,
		"SELECT x.id, a.v, b.w FROM ju_a a JOIN ju_b b USING (id) AS x ORDER BY 1",
		"SELECT x.* FROM ju_a a FULL JOIN ju_b b USING (id, k) AS x ORDER BY 1, 2",
		"SELECT x.id, a.id, b.id FROM ju_a a LEFT JOIN ju_b b USING (id) AS x ORDER BY 1",
		"SELECT x.v FROM ju_a a JOIN ju_b b USING (id) AS x",
		"SELECT * FROM ju_a a JOIN ju_b b USING (id) AS x ORDER BY 1",
		"SELECT id, v FROM ju_a ORDER BY id USING <",
		"SELECT id, v FROM ju_a ORDER BY id USING >",
		"SELECT id, v FROM ju_a ORDER BY id USING > NULLS LAST, v USING <",
		"SELECT v FROM ju_a ORDER BY v USING ~<~",
		"SELECT v FROM ju_a ORDER BY v USING =",
		"SELECT v FROM ju_a ORDER BY v USING ~>~",
		"SELECT v FROM ju_a ORDER BY id USING ~<~",
	)
}
