package test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// mustMountTmpfs mounts a tmpfs of size bytes on a new directory and
// unmounts it when the test ends (after the node's cleanup: registered
// first, it runs last). It skips the test when that is not possible.
func mustMountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root; run the system tests as root for the disk-full test")
	}
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s); skipping the disk-full test", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// TestDiskFull: on a 40 MiB filesystem (issue 11: a node could not start
// on 64 MB, exited when the disk filled, and exited again at the first
// write after a restart) the node starts, and inserts until the disk is
// full fail with 53100 "could not extend file: No space left on device"
// while the node stays up: reads and the changefeed keep working, a
// kill -9 and restart on the full disk loses no acknowledged row and
// refuses writes again with 53100, and once a filler file is removed,
// writes resume without a restart. Every acknowledged row survives the
// last kill -9.
func TestDiskFull(t *testing.T) {
	requireLogdb(t)
	small := mustMountTmpfs(t, 40<<20)
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	filler := filepath.Join(small, "filler")
	if err := os.WriteFile(filler, make([]byte, 8<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	n := mustStartNodeArgs(t, filepath.Join(small, "data"), "--disk-reserve-bytes", fmt.Sprint(6<<20))
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE fill (id int PRIMARY KEY, s text NOT NULL)")

	// acked counts the rows whose INSERT was acknowledged; ids are dense.
	acked := 0
	insert := func(rows int) error {
		_, err := c.Exec(ctx, "INSERT INTO fill SELECT g, repeat('x', 1000) FROM generate_series($1::int, $1::int + $2::int - 1) g", acked, rows)
		if err == nil {
			acked += rows
		}
		return err
	}
	// fillUp inserts 200 rows at a time until 53100, then one at a time
	// (a small write may still fit where a large one did not: the check
	// counts each proposal's size) until a one-row insert gets it too.
	fillUp := func(what string) {
		t.Helper()
		for _, batch := range []int{200, 1} {
			for i := 0; ; i++ {
				err := insert(batch)
				if err == nil {
					if i > 2000 {
						t.Fatalf("%s: %d rows inserted on a 40 MiB filesystem and no 53100", what, acked)
					}
					continue
				}
				wantDiskFull(t, err, what)
				break
			}
		}
	}
	fillUp("filling the disk")
	t.Logf("53100 after %d acknowledged rows", acked)
	if acked < 2000 {
		t.Errorf("only %d rows fit before 53100", acked)
	}
	wantDiskFull(t, insert(1), "a one-row insert on the full disk")
	checkQuery(t, ctx, c, fmt.Sprint(acked), "SELECT count(*) FROM fill")
	checkFeedReads(t, ctx, n)

	// kill -9 and restart on the full disk: it starts, keeps every row,
	// refuses writes again instead of exiting.
	c.Close(ctx)
	n.Kill9(t)
	n.Restart(t)
	c = mustConnect(t, n)
	checkQuery(t, ctx, c, fmt.Sprint(acked), "SELECT count(*) FROM fill")
	// Space held while the disk filled (a checkpoint's copy, a raft log
	// segment made ahead) may be free after the restart, so a few more
	// rows can fit; then writes are refused again.
	before := acked
	fillUp("writing after a restart on the full disk")
	if acked-before > 2000 {
		t.Errorf("%d rows fit after the restart on a full disk", acked-before)
	}

	// Free space: writes resume on the same process.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := insert(200); err != nil {
		t.Fatalf("insert after freeing 8 MiB: %v", err)
	}
	for range 5 {
		if err := insert(200); err != nil {
			wantDiskFull(t, err, "more inserts after freeing space")
			break
		}
	}
	t.Logf("%d acknowledged rows after freeing space", acked)
	checkQuery(t, ctx, c, fmt.Sprint(acked), "SELECT count(*) FROM fill")

	c.Close(ctx)
	n.Kill9(t)
	n.Restart(t)
	c = mustConnect(t, n)
	checkQuery(t, ctx, c, fmt.Sprint(acked), "SELECT count(*) FROM fill")
	checkQuery(t, ctx, c, fmt.Sprint(acked-1), "SELECT max(id) FROM fill")
	if got := grepFile(n.Log, 5, "panic", "fatal error", "node stopped"); got != "" {
		t.Errorf("the log shows the node failing:\n%s", got)
	}
	if os.Getenv("LOGDB_SHOW_LOG") != "" {
		t.Logf("log:\n%s", tailFile(n.Log, 80))
	}
}

// wantDiskFull fails unless err is 53100 with PostgreSQL's message.
func wantDiskFull(t *testing.T, err error, what string) {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "53100" || pe.Message != "could not extend file: No space left on device" {
		t.Fatalf("%s: got %v, want 53100 could not extend file: No space left on device", what, err)
	}
}

// checkFeedReads reads the first changes of the log through a SUBSCRIBE
// cursor (no write involved).
func checkFeedReads(t *testing.T, ctx context.Context, n *Node) {
	t.Helper()
	c := mustConnect(t, n)
	defer c.Close(ctx)
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "DECLARE feed CURSOR FOR SUBSCRIBE fill WITH (FROM_LSN = '0/0')"); err != nil {
		t.Fatalf("subscribe on the full disk: %v", err)
	}
	rows, err := tx.Query(ctx, "FETCH 50 feed WITH (timeout = '1s')")
	if err != nil {
		t.Fatalf("fetch on the full disk: %v", err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		vals, err := r.Values()
		return fmt.Sprint(vals[2]), err
	})
	if err != nil || len(got) != 50 || got[0] != "insert" {
		t.Fatalf("the changefeed on the full disk gave %d changes (%v): %v", len(got), err, got)
	}
}
