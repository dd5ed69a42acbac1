package test

// System tests of the changefeed (issue 3): SUBSCRIBE served from the log
// through COPY streams (pgx and psql) and DECLARE/FETCH cursors, LSNs,
// transactions, messages, slots, retention and schema changes. Tests on
// the shared node name their tables cf_<test> and start their streams at
// FROM_LSN = pg_current_wal_lsn() so other tests' writes do not matter.

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestChangefeedPositions: LSNs print as X/Y, increase strictly with every
// change, and pg_current_wal_lsn() is the position just after the last
// committed change (its LSN + 1, the transaction's commit position).
func TestChangefeedPositions(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_pos (id int PRIMARY KEY, v text)")
	lsn0 := currentLSN(t, ctx, c)
	s := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_pos WITH (FROM_LSN = '"+lsn0+"')) TO STDOUT")
	for i := 1; i <= 3; i++ {
		mustExec(t, ctx, c, "INSERT INTO cf_pos VALUES ($1, 'x')", i)
	}
	mustExec(t, ctx, c, "BEGIN; INSERT INTO cf_pos VALUES (4, 'y'); UPDATE cf_pos SET v = 'z' WHERE id = 1; COMMIT")
	got := s.nextN(t, 5, 10*time.Second)
	prev := parseLSN(t, lsn0)
	for _, ch := range got {
		if l := ch.lsn(t); l <= prev {
			t.Fatalf("LSN %s does not follow %X: %v", ch.LSN, prev, got)
		} else {
			prev = l
		}
	}
	after := func(lsn string) string {
		return fmt.Sprintf("%X/%X", (parseLSN(t, lsn)+1)>>32, uint32(parseLSN(t, lsn)+1))
	}
	if cur := currentLSN(t, ctx, c); cur != after(got[4].LSN) {
		t.Errorf("pg_current_wal_lsn() = %s after the last change %s", cur, got[4].LSN)
	}
	checkQuery(t, ctx, c, after(got[4].LSN)+"|"+after(got[4].LSN), "SELECT pg_current_wal_insert_lsn()::text, pg_current_wal_flush_lsn()::text")
	// DDL and read-only work add no change: the position stays ordered.
	mustExec(t, ctx, c, "CREATE TABLE cf_pos2 (id int)")
	if cur := parseLSN(t, currentLSN(t, ctx, c)); cur < prev {
		t.Errorf("pg_current_wal_lsn() went back after DDL: %X < %X", cur, prev)
	}
	mustExec(t, ctx, c, "INSERT INTO cf_pos VALUES (5, 'w')")
	last := s.next(t, 10*time.Second)
	if cur := currentLSN(t, ctx, c); cur != after(last.LSN) || last.lsn(t) <= prev {
		t.Errorf("after DDL: change at %s, pg_current_wal_lsn() %s, previous change %X", last.LSN, cur, prev)
	}
	var typ string
	if err := c.QueryRow(ctx, "SELECT pg_typeof(pg_current_wal_lsn())::text").Scan(&typ); err != nil || typ != "pg_lsn" {
		t.Errorf("pg_typeof(pg_current_wal_lsn()) = %q, %v", typ, err)
	}
}

// TestSubscribeStartsAtEnd: without a start option a subscription gets only
// the changes committed after it started.
func TestSubscribeStartsAtEnd(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_end (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "INSERT INTO cf_end VALUES (1)")
	s := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_end WITH (PROGRESS = true)) TO STDOUT")
	if p := s.next(t, 5*time.Second); p.Op != "progress" {
		t.Fatalf("first row of an idle subscription: %v, want a progress row", p)
	}
	mustExec(t, ctx, c, "INSERT INTO cf_end VALUES (2)")
	got := s.nextN(t, 1, 10*time.Second)[0]
	if got.Op != "insert" || got.Key != `{"id": 2}` {
		t.Fatalf("first change: %v, want the insert of id 2", got)
	}
}

// TestSubscribeFromLSN: FROM_LSN resumes after the given change, also in
// the middle of a transaction; the cursor form gives the same.
func TestSubscribeFromLSN(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_from (id int PRIMARY KEY)")
	lsn0 := currentLSN(t, ctx, c)
	mustExec(t, ctx, c, "INSERT INTO cf_from VALUES (1)")
	mustExec(t, ctx, c, "INSERT INTO cf_from VALUES (2)")
	mustExec(t, ctx, c, "BEGIN; INSERT INTO cf_from VALUES (3); INSERT INTO cf_from VALUES (4); COMMIT")
	all := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_from WITH (FROM_LSN = '"+lsn0+"')) TO STDOUT").nextN(t, 4, 10*time.Second)
	for i, ch := range all {
		if ch.Key != fmt.Sprintf(`{"id": %d}`, i+1) {
			t.Fatalf("change %d: %v", i, ch)
		}
	}
	for from := 0; from < 3; from++ {
		s := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_from WITH (FROM_LSN = '"+all[from].LSN+"')) TO STDOUT")
		if got := s.next(t, 10*time.Second); got != all[from+1] {
			t.Errorf("FROM_LSN %s: first change %v, want %v", all[from].LSN, got, all[from+1])
		}
	}
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	mustExecTx(t, ctx, tx, "DECLARE cur CURSOR FOR SUBSCRIBE TO public.cf_from WITH (from_lsn = '"+all[1].LSN+"')")
	got := fetch(t, ctx, tx, "FETCH 10 cur WITH (timeout = '500ms')")
	if len(got) != 2 || got[0] != all[2] || got[1] != all[3] {
		t.Errorf("FETCH after FROM_LSN %s: %v, want %v", all[1].LSN, got, all[2:])
	}
}

func mustExecTx(t *testing.T, ctx context.Context, tx pgx.Tx, sql string, args ...any) {
	t.Helper()
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

// TestSubscribeSnapshot: SNAPSHOT = true gives every current row at one
// LSN, then the changes after it, while writers keep changing the table:
// replaying the stream gives exactly the table's final rows, and every
// change applies to the state the stream built (no gap, no duplicate).
func TestSubscribeSnapshot(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 120*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_snap (id int PRIMARY KEY, nn int)")
	mustExec(t, ctx, c, "INSERT INTO cf_snap SELECT g, 0 FROM generate_series(1, 300) g")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wc := mustConnect(t, n)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := (i*7+w*13)%400 + 1
				var err error
				switch i % 3 {
				case 0:
					_, err = wc.Exec(ctx, "UPDATE cf_snap SET nn = nn + 1 WHERE id = $1", id)
				case 1:
					_, err = wc.Exec(ctx, "INSERT INTO cf_snap VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", id, w)
				case 2:
					_, err = wc.Exec(ctx, "DELETE FROM cf_snap WHERE id = $1", id+1)
				}
				if err != nil && sqlState(err) != "40001" {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}(w)
	}
	time.Sleep(200 * time.Millisecond) // writers are busy when the snapshot is taken
	s := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_snap WITH (SNAPSHOT = true)) TO STDOUT")
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	mustExec(t, ctx, c, "INSERT INTO cf_snap VALUES (-1, -1)") // the end marker

	state := map[string]string{}
	var snapLSN string
	reads, changes := 0, 0
	for {
		ch := s.next(t, 20*time.Second)
		switch ch.Op {
		case "read":
			if changes > 0 {
				t.Fatalf("read row after a change: %v", ch)
			}
			if snapLSN == "" {
				snapLSN = ch.LSN
			} else if ch.LSN != snapLSN {
				t.Fatalf("snapshot rows at %s and %s", snapLSN, ch.LSN)
			}
			if _, dup := state[ch.Key]; dup {
				t.Fatalf("snapshot row twice: %v", ch)
			}
			state[ch.Key] = ch.After
			reads++
			continue
		case "insert":
			if _, ok := state[ch.Key]; ok {
				t.Fatalf("insert of a row the stream already has (duplicate): %v", ch)
			}
			state[ch.Key] = ch.After
		case "update":
			if state[ch.Key] != ch.Before {
				t.Fatalf("update whose before %s is not the stream's row %q (gap)", ch.Before, state[ch.Key])
			}
			state[ch.Key] = ch.After
		case "delete":
			if state[ch.Key] != ch.Before {
				t.Fatalf("delete whose before %s is not the stream's row %q (gap)", ch.Before, state[ch.Key])
			}
			delete(state, ch.Key)
		default:
			t.Fatalf("unexpected change %v", ch)
		}
		if snapLSN != "" && ch.lsn(t) <= parseLSN(t, snapLSN) {
			t.Fatalf("change %v not after the snapshot %s", ch, snapLSN)
		}
		changes++
		if ch.Key == `{"id": -1}` {
			break
		}
	}
	rows, err := c.Query(ctx, "SELECT id, nn FROM cf_snap")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for rows.Next() {
		var id, nn int
		if err := rows.Scan(&id, &nn); err != nil {
			t.Fatal(err)
		}
		want[fmt.Sprintf(`{"id": %d}`, id)] = fmt.Sprintf(`{"id": %d, "nn": %d}`, id, nn)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if len(want) != len(state) {
		t.Fatalf("replayed stream has %d rows, table %d", len(state), len(want))
	}
	for k, v := range want {
		if state[k] != v {
			t.Fatalf("row %s: stream %q, table %q", k, state[k], v)
		}
	}
	if reads < 50 || changes < 10 {
		t.Errorf("only %d snapshot rows and %d changes: the writers were not concurrent", reads, changes)
	}
	t.Logf("snapshot: %d rows at %s, then %d changes", reads, snapLSN, changes)
}

// TestSubscribeProgress: PROGRESS = true gives a progress row at least once
// a second while idle, with a position that never goes back.
func TestSubscribeProgress(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_prog (id int PRIMARY KEY)")
	s := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_prog WITH (PROGRESS = true)) TO STDOUT")
	start := time.Now()
	var prev uint64
	for i := 0; i < 3; i++ {
		p := s.next(t, 2500*time.Millisecond)
		if p.Op != "progress" || p.XID != "NULL" || p.Relation != "NULL" || p.Key != "NULL" || p.After != "NULL" {
			t.Fatalf("idle row %v, want a progress row", p)
		}
		if l := p.lsn(t); l < prev {
			t.Fatalf("progress went back: %s", p.LSN)
		} else {
			prev = l
		}
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("3 progress rows took %s", d)
	}
}

// TestSubscribePsqlCopy: psql -c "COPY (SUBSCRIBE t) TO STDOUT" prints the
// changes as they commit; Ctrl-C (a CancelRequest) ends it with 57014.
func TestSubscribePsqlCopy(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_psql (id int PRIMARY KEY, note text)")
	cmd := n.psqlCmd(ctx, "logdb", "-c", "COPY (SUBSCRIBE cf_psql) TO STDOUT")
	// psql writes COPY data with stdio: line-buffer it to see it live
	stdbuf, err := exec.LookPath("stdbuf")
	if err != nil {
		t.Skip("stdbuf not installed")
	}
	cmd.Args = append([]string{"stdbuf", "-oL"}, cmd.Args...)
	cmd.Path = stdbuf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The stream starts at the end of the log once psql is connected:
	// insert until the first row shows, then every later one must follow.
	first := 0
	for id := 1; first == 0; id++ {
		if id > 100 {
			t.Fatalf("psql printed nothing; stderr: %s", stderr.String())
		}
		mustExec(t, ctx, c, "INSERT INTO cf_psql VALUES ($1, 'tab\there')", id)
		select {
		case l := <-lines:
			ch := parseCopyLine(t, l)
			fmt.Sscanf(ch.Key, `{"id": %d}`, &first)
		case <-time.After(100 * time.Millisecond):
		}
	}
	for len(lines) > 0 {
		<-lines
	}
	for id := 1000; id < 1005; id++ {
		mustExec(t, ctx, c, "INSERT INTO cf_psql VALUES ($1, 'x')", id)
		select {
		case l := <-lines:
			ch := parseCopyLine(t, l)
			if ch.Op != "insert" || ch.Relation != "public.cf_psql" || ch.Key != fmt.Sprintf(`{"id": %d}`, id) ||
				ch.After != fmt.Sprintf(`{"id": %d, "note": "x"}`, id) || ch.Before != "NULL" {
				t.Fatalf("psql printed %q for the insert of %d", l, id)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("psql did not print the insert of %d within 5 s (live delivery)", id)
		}
	}
	_ = cmd.Process.Signal(syscall.SIGINT) // psql sends a CancelRequest
	err = cmd.Wait()
	if err == nil || !strings.Contains(stderr.String(), "57014") || !strings.Contains(stderr.String(), "canceling statement due to user request") {
		t.Errorf("psql after Ctrl-C: %v, stderr %q; want 57014", err, stderr.String())
	}
}

// TestSubscribePgxCopy: a pgx CopyTo stream delivers the 8 columns, ends
// with 57014 on a CancelRequest, and a client that disconnects frees its
// slot.
func TestSubscribePgxCopy(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_pgx (id int PRIMARY KEY, v text)")
	lsn0 := currentLSN(t, ctx, c)
	s := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_pgx WITH (FROM_LSN = '"+lsn0+"')) TO STDOUT")
	mustExec(t, ctx, c, "INSERT INTO cf_pgx VALUES (1, 'a')")
	mustExec(t, ctx, c, "UPDATE cf_pgx SET v = 'b' WHERE id = 1")
	mustExec(t, ctx, c, "DELETE FROM cf_pgx WHERE id = 1")
	got := s.nextN(t, 3, 10*time.Second)
	want := []change{
		{Op: "insert", Relation: "public.cf_pgx", Key: `{"id": 1}`, Before: "NULL", After: `{"v": "a", "id": 1}`},
		{Op: "update", Relation: "public.cf_pgx", Key: `{"id": 1}`, Before: `{"v": "a", "id": 1}`, After: `{"v": "b", "id": 1}`},
		{Op: "delete", Relation: "public.cf_pgx", Key: `{"id": 1}`, Before: `{"v": "b", "id": 1}`, After: "NULL"},
	}
	for i := range want {
		g := got[i]
		if g.Op != want[i].Op || g.Relation != want[i].Relation || g.Key != want[i].Key || g.Before != want[i].Before || g.After != want[i].After {
			t.Errorf("change %d: %v, want %v", i, g, want[i])
		}
		if _, err := time.Parse("2006-01-02 15:04:05.999999-07", g.CommitTime); err != nil {
			t.Errorf("commit_time %q: %v", g.CommitTime, err)
		}
	}
	wantPgError(t, s.cancel(t), "57014", "canceling statement due to user request", "CopyTo after CancelRequest")

	// a subscriber that disconnects releases its slot
	mustExec(t, ctx, c, "SELECT * FROM pg_create_logical_replication_slot('cf_pgx_slot', 'pgoutput')")
	s2 := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_pgx WITH (SLOT = 'cf_pgx_slot')) TO STDOUT")
	waitSlotActive(t, ctx, c, "cf_pgx_slot", true)
	// the subscriber goes away: its socket closes under the running CopyTo
	// (pgx's Close would race with the CopyTo goroutine on the same conn)
	s2.conn.PgConn().Conn().Close()
	<-s2.done
	waitSlotActive(t, ctx, c, "cf_pgx_slot", false)
	mustExec(t, ctx, c, "SELECT pg_drop_replication_slot('cf_pgx_slot')")
}

func waitSlotActive(t *testing.T, ctx context.Context, c *pgx.Conn, slot string, want bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var active bool
		if err := c.QueryRow(ctx, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&active); err != nil {
			t.Fatalf("pg_replication_slots: %v", err)
		}
		if active == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot %s: active = %v, want %v", slot, active, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSubscribeFetch: DECLARE … CURSOR FOR SUBSCRIBE and FETCH n … WITH
// (timeout): zero rows when nothing came, waiting without a timeout,
// 57014 on cancel, typed columns in both protocols, cursors ending with
// their transaction.
func TestSubscribeFetch(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	w := mustConnect(t, n)
	mustExec(t, ctx, w, "CREATE TABLE cf_fetch (id int PRIMARY KEY)")
	_, err := c.Exec(ctx, "DECLARE x CURSOR FOR SUBSCRIBE cf_fetch")
	wantCode(t, err, "25P01", "DECLARE outside a transaction block")

	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "DECLARE cur NO SCROLL CURSOR WITHOUT HOLD FOR SUBSCRIBE cf_fetch")
	start := time.Now()
	if got := fetch(t, ctx, c, "FETCH 10 cur WITH (timeout = '300ms')"); len(got) != 0 {
		t.Fatalf("FETCH with nothing committed: %v", got)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 3*time.Second {
		t.Errorf("FETCH … WITH (timeout = '300ms') returned after %s", d)
	}
	inserted := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, err := w.Exec(ctx, "INSERT INTO cf_fetch VALUES (1), (2), (3)")
		inserted <- err
	}()
	start = time.Now()
	got := fetch(t, ctx, c, "FETCH FORWARD 10 FROM cur") // no timeout: waits for one
	if len(got) != 3 || time.Since(start) < 250*time.Millisecond {
		t.Fatalf("FETCH without timeout: %v after %s", got, time.Since(start))
	}
	if err := <-inserted; err != nil {
		t.Fatal(err)
	}
	// extended protocol: Describe gives the 8 typed columns
	mustExec(t, ctx, w, "INSERT INTO cf_fetch VALUES (4)")
	rows, err := c.Query(ctx, "FETCH 5 cur")
	if err != nil {
		t.Fatal(err)
	}
	var oids []uint32
	var names []string
	for _, fd := range rows.FieldDescriptions() {
		oids = append(oids, fd.DataTypeOID)
		names = append(names, fd.Name)
	}
	nrows := 0
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		if vals[2] != "insert" || vals[1] == nil {
			t.Errorf("row %v", vals)
		}
		nrows++
	}
	if rows.Err() != nil || nrows != 1 {
		t.Fatalf("extended FETCH: %d rows, %v", nrows, rows.Err())
	}
	if fmt.Sprint(oids) != "[3220 20 25 25 3802 3802 3802 1184]" ||
		strings.Join(names, ",") != "lsn,xid,op,relation,key,before,after,commit_time" {
		t.Errorf("columns %v %v", names, oids)
	}
	// a CancelRequest ends a waiting FETCH with 57014
	go func() {
		time.Sleep(300 * time.Millisecond)
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		c.PgConn().CancelRequest(cctx)
	}()
	_, err = fetchErr(ctx, c, "FETCH ALL cur")
	wantCode(t, err, "57014", "FETCH canceled")
	mustExec(t, ctx, c, "ROLLBACK")

	// cursors end with their transaction; CLOSE and CLOSE ALL
	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "DECLARE a CURSOR FOR SUBSCRIBE cf_fetch")
	mustExec(t, ctx, c, "DECLARE b CURSOR FOR SUBSCRIBE cf_fetch")
	mustExec(t, ctx, c, "CLOSE a")
	_, err = fetchErr(ctx, c, "FETCH 1 a WITH (timeout = '10ms')")
	wantCode(t, err, "34000", "FETCH after CLOSE")
	mustExec(t, ctx, c, "ROLLBACK")
	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "DECLARE b CURSOR FOR SUBSCRIBE cf_fetch")
	mustExec(t, ctx, c, "CLOSE ALL")
	mustExec(t, ctx, c, "DECLARE b CURSOR FOR SUBSCRIBE cf_fetch")
	mustExec(t, ctx, c, "COMMIT")
	mustExec(t, ctx, c, "BEGIN")
	_, err = fetchErr(ctx, c, "FETCH NEXT IN b WITH (timeout = '10ms')")
	wantCode(t, err, "34000", "FETCH after COMMIT")
	mustExec(t, ctx, c, "ROLLBACK")

	// a SNAPSHOT cursor holds a kv snapshot until its rows are fetched:
	// other statements of the transaction wait for that (25000 until then)
	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "DECLARE s CURSOR FOR SUBSCRIBE cf_fetch WITH (SNAPSHOT = true)")
	if got := fetch(t, ctx, c, "FETCH 2 s"); len(got) != 2 || got[0].Op != "read" {
		t.Fatalf("snapshot rows: %v", got)
	}
	_, err = c.Exec(ctx, "SELECT count(*) FROM cf_fetch")
	wantCode(t, err, "25000", "a statement while a SUBSCRIBE cursor reads its snapshot")
	mustExec(t, ctx, c, "ROLLBACK")
	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "DECLARE s CURSOR FOR SUBSCRIBE cf_fetch WITH (SNAPSHOT = true)")
	if got := fetch(t, ctx, c, "FETCH 10 s"); len(got) != 4 {
		t.Fatalf("snapshot rows: %v", got)
	}
	checkQuery(t, ctx, c, "4", "SELECT count(*) FROM cf_fetch")
	mustExec(t, ctx, c, "COMMIT")
}

// TestSubscribeTransactions: a transaction's changes arrive together, with
// one xid, in statement order; transactions in commit order; rolled-back
// work never.
func TestSubscribeTransactions(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 120*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_txa (id int PRIMARY KEY, v int)")
	mustExec(t, ctx, c, "CREATE TABLE cf_txb (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "INSERT INTO cf_txa VALUES (10, 0)")
	lsn0 := currentLSN(t, ctx, c)
	s := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_txa, cf_txb WITH (FROM_LSN = '"+lsn0+"')) TO STDOUT")

	mustExec(t, ctx, c, "BEGIN")
	mustExec(t, ctx, c, "UPDATE cf_txa SET v = 1 WHERE id = 10")
	mustExec(t, ctx, c, "INSERT INTO cf_txb VALUES (1)")
	mustExec(t, ctx, c, "INSERT INTO cf_txa VALUES (2, 2)")
	mustExec(t, ctx, c, "COMMIT")
	mustExec(t, ctx, c, "BEGIN; INSERT INTO cf_txa VALUES (99, 99); INSERT INTO cf_txb VALUES (99); ROLLBACK")
	got := s.nextN(t, 3, 10*time.Second)
	if got[0].XID != got[1].XID || got[1].XID != got[2].XID ||
		got[0].Op+got[0].Key != `update{"id": 10}` || got[1].Op+got[1].Relation != "insertpublic.cf_txb" || got[2].Key != `{"id": 2}` {
		t.Fatalf("one transaction's changes: %v", got)
	}
	// concurrent committers: each transaction contiguous, in commit order
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wc := mustConnect(t, n)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				id := 1000 + w*100 + i
				if _, err := wc.Exec(ctx, fmt.Sprintf("BEGIN; INSERT INTO cf_txa VALUES (%d, 0); COMMIT", id)); err != nil {
					t.Errorf("writer: %v", err)
				}
				if _, err := wc.Exec(ctx, fmt.Sprintf("BEGIN; INSERT INTO cf_txa VALUES (%d, 1); INSERT INTO cf_txb VALUES (%d); COMMIT", id+50, id+50)); err != nil {
					t.Errorf("writer: %v", err)
				}
			}
		}(w)
	}
	wg.Wait()
	mustExec(t, ctx, c, "INSERT INTO cf_txb VALUES (-1)")
	seenXID := map[string]bool{}
	var prevXID int64
	var prevLSN uint64
	cur := ""
	count := 0
	for {
		ch := s.next(t, 10*time.Second)
		if strings.Contains(ch.Key, "99") {
			t.Fatalf("rolled-back change delivered: %v", ch)
		}
		if ch.lsn(t) <= prevLSN {
			t.Fatalf("LSN out of order: %v", ch)
		}
		prevLSN = ch.lsn(t)
		if ch.XID != cur {
			if seenXID[ch.XID] {
				t.Fatalf("transaction %s split: %v", ch.XID, ch)
			}
			var x int64
			fmt.Sscan(ch.XID, &x)
			if x <= prevXID {
				t.Fatalf("xid %d after %d: not in commit order", x, prevXID)
			}
			prevXID, cur = x, ch.XID
			seenXID[cur] = true
		}
		count++
		if ch.Key == `{"id": -1}` {
			break
		}
	}
	if count != 4*25*3+1 {
		t.Errorf("%d changes, want %d", count, 4*25*3+1)
	}
}

// TestSubscribeMessages: transactional messages travel with their
// transaction and only if it commits; non-transactional ones are delivered
// even when it rolls back; prefixes filter; the returned LSN is the
// message's (non-transactional) or a position before it (transactional).
func TestSubscribeMessages(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_msg (id int PRIMARY KEY)")
	lsn0 := currentLSN(t, ctx, c)
	s := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_msg, MESSAGES 'cfm' WITH (FROM_LSN = '"+lsn0+"')) TO STDOUT")
	all := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE MESSAGES WITH (FROM_LSN = '"+lsn0+"')) TO STDOUT")

	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var txLSN string
	if err := tx.QueryRow(ctx, "SELECT pg_logical_emit_message(true, 'cfm', '{\"order\": 1, \"total\": 9.5}')::text").Scan(&txLSN); err != nil {
		t.Fatal(err)
	}
	mustExecTx(t, ctx, tx, "INSERT INTO cf_msg VALUES (1)")
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := s.nextN(t, 2, 10*time.Second)
	if got[0].Op != "insert" || got[1].Op != "message" || got[0].XID != got[1].XID || got[1].Relation != "cfm" ||
		got[1].After != `{"order": 1, "total": 9.5}` || got[1].Key != "NULL" {
		t.Fatalf("transactional message: %v", got)
	}
	if parseLSN(t, txLSN) >= got[1].lsn(t) {
		t.Errorf("pg_logical_emit_message(true) returned %s, not before the message's LSN %s", txLSN, got[1].LSN)
	}

	tx, err = c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustExecTx(t, ctx, tx, "INSERT INTO cf_msg VALUES (2)")
	mustExecTx(t, ctx, tx, "SELECT pg_logical_emit_message(true, 'cfm', 'rolled back')")
	var ntLSN string
	if err := tx.QueryRow(ctx, "SELECT pg_logical_emit_message(false, 'cfm', 'kept')::text").Scan(&ntLSN); err != nil {
		t.Fatal(err)
	}
	mustExecTx(t, ctx, tx, "SELECT pg_logical_emit_message(false, 'other', 'elsewhere')")
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, ctx, c, `SELECT pg_logical_emit_message(false, 'cfm', '\xff00'::bytea)`)
	got = s.nextN(t, 2, 10*time.Second)
	if got[0].Op != "message" || got[0].After != `"kept"` || got[0].LSN != ntLSN {
		t.Fatalf("non-transactional message of a rolled-back transaction: %v (returned LSN %s)", got[0], ntLSN)
	}
	if got[1].After != `"\\\\xff00"` {
		t.Errorf("bytea content that is not UTF-8: %v", got[1])
	}
	s.none(t, 300*time.Millisecond)
	msgs := all.nextN(t, 4, 10*time.Second)
	var prefixes []string
	for _, m := range msgs {
		prefixes = append(prefixes, m.Relation+":"+m.After)
	}
	if strings.Join(prefixes, " ") != `cfm:{"order": 1, "total": 9.5} cfm:"kept" other:"elsewhere" cfm:"\\\\xff00"` {
		t.Errorf("MESSAGES (every prefix): %v", prefixes)
	}
}

// TestSubscribeSchemaChange: after ADD/DROP COLUMN, later changes carry
// the new shape and older ones decode with the shape of their time.
func TestSubscribeSchemaChange(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_schema (id int PRIMARY KEY, a text)")
	lsn0 := currentLSN(t, ctx, c)
	mustExec(t, ctx, c, "INSERT INTO cf_schema VALUES (1, 'x')")
	mustExec(t, ctx, c, "ALTER TABLE cf_schema ADD COLUMN b int")
	mustExec(t, ctx, c, "INSERT INTO cf_schema VALUES (2, 'y', 5)")
	mustExec(t, ctx, c, "UPDATE cf_schema SET b = 7 WHERE id = 1")
	mustExec(t, ctx, c, "ALTER TABLE cf_schema DROP COLUMN a")
	mustExec(t, ctx, c, "INSERT INTO cf_schema VALUES (3, 9)")
	mustExec(t, ctx, c, "DELETE FROM cf_schema WHERE id = 2")
	// read afterwards: every change decodes with the schema of its time
	got := startCopyStream(t, ctx, n, "COPY (SUBSCRIBE cf_schema WITH (FROM_LSN = '"+lsn0+"')) TO STDOUT").nextN(t, 5, 10*time.Second)
	want := []string{
		`insert NULL {"a": "x", "id": 1}`,
		`insert NULL {"a": "y", "b": 5, "id": 2}`,
		`update {"a": "x", "b": null, "id": 1} {"a": "x", "b": 7, "id": 1}`,
		`insert NULL {"b": 9, "id": 3}`,
		`delete {"b": 5, "id": 2} NULL`,
	}
	for i := range want {
		if g := got[i].Op + " " + got[i].Before + " " + got[i].After; g != want[i] {
			t.Errorf("change %d: %s\n want %s", i, g, want[i])
		}
	}
}

// TestSubscribeErrors: unknown tables, options and contradictory options
// are refused with their SQLSTATEs.
func TestSubscribeErrors(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	requireLogdb(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_err (id int PRIMARY KEY)")
	for _, tc := range []struct{ sql, code string }{
		{"COPY (SUBSCRIBE cf_nosuch) TO STDOUT", "42P01"},
		{"COPY (SUBSCRIBE cf_err WITH (BOGUS = 1)) TO STDOUT", "22023"},
		{"COPY (SUBSCRIBE cf_err WITH (SNAPSHOT = true, FROM_LSN = '0/1')) TO STDOUT", "22023"},
		{"COPY (SUBSCRIBE cf_err WITH (FROM_LSN = 'nope')) TO STDOUT", "22023"},
		{"COPY (SUBSCRIBE cf_err WITH (SLOT = 'cf_err_nosuch')) TO STDOUT", "42704"},
		{"COPY (SUBSCRIBE cf_err WITH) TO STDOUT", "42601"},
	} {
		_, err := c.PgConn().CopyTo(ctx, &strings.Builder{}, tc.sql)
		wantCode(t, err, tc.code, tc.sql)
	}
	psqlWantError(t, n, "COPY (SUBSCRIBE cf_err WITH (PROGRESS = maybe)) TO STDOUT", "22023")
}
