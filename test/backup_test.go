package test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestBackupRestore takes `logdb backup` while 8 writers insert, restores
// it with `logdb restore`, starts the restored directory, and checks that
// it holds exactly the rows committed at or below the backup's LSN: every
// insert acknowledged before the backup started is there, and the set of
// rows equals the inserts the original node's changefeed shows at or
// below that LSN (none after).
func TestBackupRestore(t *testing.T) {
	n := mustStartNode(t, t.TempDir())
	ctx := testCtx(t, 120*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE w (writer int, seq int, pad text, PRIMARY KEY (writer, seq))")

	const writers = 8
	var mu sync.Mutex
	acked := make([]int, writers) // highest seq acknowledged, per writer
	wctx, stopWriters := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i, wc := range mustConns(t, n, writers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 1; ; seq++ {
				if _, err := wc.Exec(wctx, "INSERT INTO w VALUES ($1, $2, repeat('x', 200))", i, seq); err != nil {
					if wctx.Err() == nil {
						t.Errorf("writer %d, seq %d: %v", i, seq, err)
					}
					return
				}
				mu.Lock()
				acked[i] = seq
				mu.Unlock()
			}
		}()
	}
	defer func() { stopWriters(); wg.Wait() }()

	waitRows := func(min int) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			low := acked[0]
			for _, a := range acked {
				low = minInt(low, a)
			}
			mu.Unlock()
			if low >= min || time.Now().After(deadline) {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitRows(20)
	mu.Lock()
	before := append([]int(nil), acked...)
	mu.Unlock()

	file := filepath.Join(t.TempDir(), "logdb.backup")
	host, port, _ := strings.Cut(n.Addr, ":")
	out, err := exec.CommandContext(ctx, logdbBin, "backup", "--host", host, "--port", port, "--to", file).CombinedOutput()
	if err != nil {
		t.Fatalf("logdb backup: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`LSN ([0-9A-F]+/[0-9A-F]+) \(index (\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("logdb backup printed no LSN:\n%s", out)
	}
	backupLSN, backupIndex := parseLSN(t, m[1]), m[2]
	t.Logf("%s", strings.TrimSpace(string(out)))

	waitRows(before[0] + 20) // writes go on after the backup
	stopWriters()
	wg.Wait()

	restored := t.TempDir()
	out, err = exec.CommandContext(ctx, logdbBin, "restore", "--from", file, "--data-dir", restored).CombinedOutput()
	if err != nil {
		t.Fatalf("logdb restore: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "LSN "+m[1]+" (index "+backupIndex+")") {
		t.Errorf("logdb restore output does not name the backup's LSN %s:\n%s", m[1], out)
	}
	// A second restore into the same directory is refused.
	if out, err := exec.CommandContext(ctx, logdbBin, "restore", "--from", file, "--data-dir", restored).CombinedOutput(); err == nil || !strings.Contains(string(out), "not empty") {
		t.Errorf("restore into a non-empty directory: %v\n%s", err, out)
	}

	r := mustStartNode(t, restored)
	rc := mustConnect(t, r)
	have := map[[2]int]bool{}
	rows, err := rc.Query(ctx, "SELECT writer, seq FROM w")
	if err != nil {
		t.Fatal(err)
	}
	perWriter := make([]int, writers)
	for rows.Next() {
		var w, s int
		if err := rows.Scan(&w, &s); err != nil {
			t.Fatal(err)
		}
		have[[2]int{w, s}] = true
		perWriter[w]++
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	for w := range writers {
		for s := 1; s <= perWriter[w]; s++ {
			if !have[[2]int{w, s}] {
				t.Errorf("writer %d: the restore has %d rows but not seq %d (not a prefix)", w, perWriter[w], s)
				break
			}
		}
		if perWriter[w] < before[w] {
			t.Errorf("writer %d: %d rows acknowledged before the backup started, %d restored", w, before[w], perWriter[w])
		}
	}

	// The original node's changefeed: exactly the inserts at or below the
	// backup's LSN are in the restore.
	want := feedInsertsUpTo(t, ctx, c, backupLSN)
	if len(want) != len(have) {
		t.Errorf("restore has %d rows; the feed shows %d inserts at or below %s", len(have), len(want), m[1])
	}
	for k := range want {
		if !have[k] {
			t.Errorf("row %v committed at or below the backup's LSN is missing from the restore", k)
			break
		}
	}
	total := queryInt(t, ctx, c, "SELECT count(*) FROM w")
	t.Logf("8 writers: %d rows acknowledged before the backup, %d in it, %d in the end", sum(before), len(have), total)
	if int64(len(have)) >= total {
		t.Errorf("the restore holds every row (%d of %d): the writers did not write during or after the backup", len(have), total)
	}

	// The restored node is a cluster of its own: it takes writes, and keeps
	// them across a restart.
	mustExec(t, ctx, rc, "INSERT INTO w VALUES (100, 1, 'after restore')")
	rc.Close(ctx)
	r.Kill9(t)
	r.Restart(t)
	rc = mustConnect(t, r)
	checkQuery(t, ctx, rc, "after restore", "SELECT pad FROM w WHERE writer = 100")
	checkQuery(t, ctx, rc, strconv.Itoa(len(have)+1), "SELECT count(*) FROM w")
}

// feedInsertsUpTo reads the changefeed of table w from the start of the
// log and returns the (writer, seq) keys inserted at or below lsn.
func feedInsertsUpTo(t *testing.T, ctx context.Context, c *pgx.Conn, lsn uint64) map[[2]int]bool {
	t.Helper()
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "DECLARE f CURSOR FOR SUBSCRIBE w WITH (FROM_LSN = '0/0')"); err != nil {
		t.Fatal(err)
	}
	out := map[[2]int]bool{}
	for {
		rows, err := tx.Query(ctx, "FETCH 10000 f WITH (timeout = '1s')")
		if err != nil {
			t.Fatal(err)
		}
		got, past := 0, false
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			got++
			l := parseLSN(t, fmt.Sprint(vals[0]))
			if l > lsn {
				past = true
				continue
			}
			if vals[2] != "insert" {
				continue
			}
			key, _ := vals[4].(map[string]any)
			w, ok1 := key["writer"].(float64)
			s, ok2 := key["seq"].(float64)
			if !ok1 || !ok2 {
				t.Fatalf("feed key %#v", vals[4])
			}
			out[[2]int{int(w), int(s)}] = true
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		if got == 0 || past {
			return out
		}
	}
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// TestPointInTimeRestore: a backup, then a scripted history of DML and
// DDL; `logdb restore --until` to the LSN after a transaction in the
// middle gives exactly the tables as they were then, compared table by
// table.
func TestPointInTimeRestore(t *testing.T) {
	n := mustStartNode(t, t.TempDir())
	ctx := testCtx(t, 120*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE a (id int PRIMARY KEY, v text)")
	mustExec(t, ctx, c, "CREATE TABLE b (id bigserial PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, c, "INSERT INTO a VALUES (1, 'one'), (2, 'two')")

	file := filepath.Join(t.TempDir(), "logdb.backup")
	host, port, _ := strings.Cut(n.Addr, ":")
	if out, err := exec.CommandContext(ctx, logdbBin, "backup", "--host", host, "--port", port, "--to", file).CombinedOutput(); err != nil {
		t.Fatalf("logdb backup: %v\n%s", err, out)
	}

	// dump is every public table, name and rows, as of now.
	dump := func(c *pgx.Conn) string {
		t.Helper()
		var b strings.Builder
		tables := queryText(t, ctx, c, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
		for _, name := range strings.Fields(tables) {
			fmt.Fprintf(&b, "%s:\n%s\n", name, queryText(t, ctx, c, "SELECT * FROM "+name+" ORDER BY 1"))
		}
		return b.String()
	}
	history := []string{
		"INSERT INTO b (n) VALUES (1), (2), (3)",
		"UPDATE a SET v = 'uno' WHERE id = 1",
		"BEGIN; INSERT INTO a VALUES (3, 'three'); UPDATE b SET n = n + 10 WHERE id = 2; COMMIT",
		"DELETE FROM a WHERE id = 2",
		"CREATE TABLE c (k text PRIMARY KEY, x numeric)",
		"INSERT INTO c VALUES ('p', 1.5), ('q', 2.5)",
		"ALTER TABLE a ADD COLUMN w int DEFAULT 7",
		"UPDATE b SET n = n + 1 WHERE id = 1", // a merge update
		"INSERT INTO a VALUES (4, 'four', 8)",
		// the restore point: after the statement above
		"DROP TABLE c",
		"UPDATE a SET v = 'later'",
		"INSERT INTO b (n) VALUES (99)",
		"TRUNCATE b",
	}
	const stopAfter = 8
	var untilLSN, want string
	for i, q := range history {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("history %d %q: %v", i, q, err)
		}
		if i == stopAfter {
			untilLSN = queryText(t, ctx, c, "SELECT pg_current_wal_lsn()")
			want = dump(c)
		}
	}
	if got := dump(c); got == want {
		t.Fatal("the history after the restore point changed nothing")
	}

	restored := t.TempDir()
	out, err := exec.CommandContext(ctx, logdbBin, "restore", "--from", file, "--data-dir", restored,
		"--until", untilLSN, "--host", host, "--port", port).CombinedOutput()
	if err != nil {
		t.Fatalf("logdb restore --until %s: %v\n%s", untilLSN, err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
	r := mustStartNode(t, restored)
	rc := mustConnect(t, r)
	if got := dump(rc); got != want {
		t.Errorf("restored to %s:\n%s\nwant the state at that LSN:\n%s", untilLSN, got, want)
	}
	// The restored cluster goes on from there: the sequence too.
	mustExec(t, ctx, rc, "INSERT INTO b (n) VALUES (5)")
	if n := queryInt(t, ctx, rc, "SELECT count(*) FROM b"); n != 4 {
		t.Errorf("b after one more insert: %d rows, want 4", n)
	}

	// --until before the backup, or past what the node committed, fails
	// and leaves no directory behind.
	for _, until := range []string{"0/1", "FF/0"} {
		dir := filepath.Join(t.TempDir(), "r")
		out, err := exec.CommandContext(ctx, logdbBin, "restore", "--from", file, "--data-dir", dir,
			"--until", until, "--host", host, "--port", port).CombinedOutput()
		if err == nil {
			t.Errorf("restore --until %s succeeded:\n%s", until, out)
		}
		if _, serr := os.Stat(filepath.Join(dir, "state.db")); serr == nil {
			t.Errorf("restore --until %s failed but left %s behind", until, dir)
		}
		t.Logf("restore --until %s: %s", until, strings.TrimSpace(string(out)))
	}
}

// TestPointInTimeRestoreFromArchive: with --log-archive, entries trimmed
// by --retention are restorable: the node no longer holds the history
// after the backup, and `logdb restore --until` reads it from the archive
// alone (the --port it is given has no node behind it).
func TestPointInTimeRestoreFromArchive(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "archive")
	httpAddr := freeAddr(t)
	n := mustStartNodeArgs(t, t.TempDir(), "--retention", "1s", "--checkpoint-interval", "200ms",
		"--log-archive", archive, "--http-listen", httpAddr)
	ctx := testCtx(t, 120*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE h (id int PRIMARY KEY, v text)")
	file := filepath.Join(t.TempDir(), "logdb.backup")
	host, port, _ := strings.Cut(n.Addr, ":")
	if out, err := exec.CommandContext(ctx, logdbBin, "backup", "--host", host, "--port", port, "--to", file).CombinedOutput(); err != nil {
		t.Fatalf("logdb backup: %v\n%s", err, out)
	}
	var untilLSN, want string
	for i := range 40 {
		mustExec(t, ctx, c, "INSERT INTO h VALUES ($1, 'v')", i)
		if i%3 == 0 {
			mustExec(t, ctx, c, "UPDATE h SET v = v || '+' WHERE id <= $1", i)
		}
		if i == 25 {
			untilLSN = queryText(t, ctx, c, "SELECT pg_current_wal_lsn()")
			want = queryText(t, ctx, c, "SELECT * FROM h ORDER BY id")
		}
	}
	// Wait until retention has trimmed the log past the restore point.
	until := parseLSN(t, untilLSN) >> 24
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, _ := scrape(t, ctx, httpAddr)
		if uint64(m["logdb_log_first_index"]) > until+1 {
			t.Logf("the node's log now starts at %v; restoring to index %d", m["logdb_log_first_index"], until)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retention never trimmed past index %d (first index %v)", until, m["logdb_log_first_index"])
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := c.Exec(ctx, "COPY (SUBSCRIBE h WITH (FROM_LSN = '0/1')) TO STDOUT"); sqlState(err) != "55000" {
		t.Fatalf("the node still serves the history: %v", err)
	}

	restored := t.TempDir()
	out, err := exec.CommandContext(ctx, logdbBin, "restore", "--from", file, "--data-dir", restored,
		"--until", untilLSN, "--log-archive", archive, "--host", "127.0.0.1", "--port", "1").CombinedOutput()
	if err != nil {
		t.Fatalf("logdb restore --until %s --log-archive: %v\n%s", untilLSN, err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
	r := mustStartNode(t, restored)
	rc := mustConnect(t, r)
	checkQuery(t, ctx, rc, want, "SELECT * FROM h ORDER BY id")
}
