package test

import (
	"context"
	"fmt"
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
