package test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestSlotExactlyOnce: a consumer that records its work and advances its
// slot in one transaction processes every change exactly once, whatever
// step a kill -9 interrupts: before the slot advance, before COMMIT, just
// after COMMIT.
func TestSlotExactlyOnce(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_src (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "CREATE TABLE cf_sink (id int PRIMARY KEY, lsn pg_lsn NOT NULL)")
	mustExec(t, ctx, c, "SELECT * FROM pg_create_logical_replication_slot('sink', 'pgoutput')")
	mustExec(t, ctx, c, "INSERT INTO cf_src SELECT g FROM generate_series(1, 10) g")

	// batch runs the consumer's steps up to stop ("apply", "advance",
	// "commit"), then kills the node, and returns the ids it fetched.
	batch := func(stop string) []string {
		c := mustConnect(t, n)
		mustExec(t, ctx, c, "BEGIN")
		mustExec(t, ctx, c, "DECLARE c CURSOR FOR SUBSCRIBE cf_src WITH (SLOT = 'sink')")
		got := fetch(t, ctx, c, "FETCH 4 c WITH (timeout = '1s')")
		var keys []string
		for _, ch := range got {
			keys = append(keys, ch.Key)
			mustExec(t, ctx, c, "INSERT INTO cf_sink VALUES (("+quoteLiteral(ch.Key)+"::jsonb->>'id')::int, '"+ch.LSN+"')")
		}
		if stop != "apply" && len(got) > 0 {
			mustExec(t, ctx, c, "SELECT * FROM pg_replication_slot_advance('sink', '"+got[len(got)-1].LSN+"')")
		}
		if stop == "commit" || stop == "" {
			mustExec(t, ctx, c, "COMMIT")
		}
		if stop != "" {
			n.Kill9(t)
			n.Restart(t)
		}
		return keys
	}
	first := `{"id": 1} {"id": 2} {"id": 3} {"id": 4}`
	for _, stop := range []string{"apply", "advance", "commit"} {
		if got := strings.Join(batch(stop), " "); got != first {
			t.Fatalf("batch killed after %s: fetched %s, want %s", stop, got, first)
		}
	}
	if got := strings.Join(batch(""), " "); got != `{"id": 5} {"id": 6} {"id": 7} {"id": 8}` {
		t.Fatalf("batch after the committed one: %s", got)
	}
	batch("")
	if got := batch(""); len(got) != 0 {
		t.Fatalf("caught up, but fetched %v", got)
	}
	c = mustConnect(t, n)
	checkQuery(t, ctx, c, "10|10|1|10", "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM cf_sink")
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestSubscriberResume: while a writer inserts rows, two subscribers —
// one resuming with FROM_LSN from the last change it saw, one with its
// slot (advanced after each batch) — lose their connections to a clean
// restart and to kill -9. Each sees every committed row exactly once.
func TestSubscriberResume(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE cf_res (id int PRIMARY KEY)")
	mustExec(t, ctx, c, "SELECT * FROM pg_create_logical_replication_slot('resume', 'pgoutput')")
	start := currentLSN(t, ctx, c)
	c.Close(ctx)

	const rows = 600
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	seenFrom, seenSlot := map[string]int{}, map[string]int{}
	resumes := map[string]int{}

	wg.Add(3)
	go func() { // writer
		defer wg.Done()
		var conn *pgx.Conn
		for id := 1; id <= rows; {
			if conn == nil {
				if conn = reconnect(ctx, n); conn == nil {
					return
				}
			}
			_, err := conn.Exec(ctx, "INSERT INTO cf_res VALUES ($1)", id)
			if err == nil || sqlState(err) == "23505" {
				id++
				time.Sleep(3 * time.Millisecond)
				continue
			}
			conn.Close(ctx)
			conn = nil
		}
		if conn != nil {
			conn.Close(ctx)
		}
	}()
	go func() { // FROM_LSN subscriber: resumes after the last change it saw
		defer wg.Done()
		pos := start
		for {
			select {
			case <-stop:
				return
			default:
			}
			conn := reconnect(ctx, n)
			if conn == nil {
				return
			}
			pr, pw := io.Pipe()
			sctx, cancel := context.WithCancel(ctx)
			go func() {
				_, err := conn.PgConn().CopyTo(sctx, pw, "COPY (SUBSCRIBE cf_res WITH (FROM_LSN = '"+pos+"')) TO STDOUT")
				pw.CloseWithError(fmt.Errorf("stream ended: %w", err))
			}()
			go func() {
				<-stop
				cancel()
			}()
			br := bufio.NewReader(pr)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					break
				}
				f := strings.Split(line, "\t")
				mu.Lock()
				seenFrom[f[4]]++
				mu.Unlock()
				pos = f[0]
			}
			cancel()
			conn.Close(context.Background())
			mu.Lock()
			resumes["from_lsn"]++
			mu.Unlock()
		}
	}()
	go func() { // slot subscriber: one transaction per batch advances the slot
		defer wg.Done()
		var conn *pgx.Conn
		for {
			select {
			case <-stop:
				if conn != nil {
					conn.Close(ctx)
				}
				return
			default:
			}
			if conn == nil {
				if conn = reconnect(ctx, n); conn == nil {
					return
				}
				mu.Lock()
				resumes["slot"]++
				mu.Unlock()
			}
			keys, last, err := slotBatch(ctx, conn)
			if err == nil || errors.Is(err, errInDoubt) {
				if errors.Is(err, errInDoubt) {
					// the COMMIT's answer was lost: the slot says whether it happened
					conn.Close(ctx)
					if conn = reconnect(ctx, n); conn == nil {
						return
					}
					var confirmed string
					if qerr := conn.QueryRow(ctx, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'resume'").Scan(&confirmed); qerr != nil {
						conn.Close(ctx)
						conn = nil
						continue // ask again after reconnecting; the batch will be re-fetched if it did not commit
					}
					if confirmed != last {
						keys = nil // it did not commit: the next batch has these again
					}
				}
				mu.Lock()
				for _, k := range keys {
					seenSlot[k]++
				}
				mu.Unlock()
				continue
			}
			if !conn.IsClosed() && ctx.Err() == nil {
				t.Logf("slot subscriber: %v", err) // a server error: worth seeing
			}
			conn.Close(ctx)
			conn = nil
			time.Sleep(20 * time.Millisecond)
		}
	}()

	time.Sleep(700 * time.Millisecond)
	n.Stop(t)
	n.Restart(t)
	time.Sleep(700 * time.Millisecond)
	n.Kill9(t)
	n.Restart(t)

	c = mustConnect(t, n)
	deadline := time.Now().Add(60 * time.Second)
	var ids []int
	for {
		ids = ids[:0]
		r, err := c.Query(ctx, "SELECT id FROM cf_res ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var id int
			r.Scan(&id)
			ids = append(ids, id)
		}
		mu.Lock()
		done := len(ids) == rows && len(seenFrom) >= rows && len(seenSlot) >= rows
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if len(ids) != rows {
		t.Fatalf("the table has %d rows, want %d", len(ids), rows)
	}
	for name, seen := range map[string]map[string]int{"FROM_LSN": seenFrom, "slot": seenSlot} {
		if len(seen) != rows {
			t.Errorf("%s subscriber saw %d distinct rows, want %d", name, len(seen), rows)
		}
		for _, id := range ids {
			if k := fmt.Sprintf(`{"id": %d}`, id); seen[k] != 1 {
				t.Errorf("%s subscriber saw row %d %d times", name, id, seen[k])
			}
		}
	}
	t.Logf("reconnections: %v", resumes)
}

var errInDoubt = errors.New("commit in doubt")

// slotBatch fetches up to 50 changes after the slot and advances it past
// them in one transaction; errInDoubt when COMMIT's answer was lost.
func slotBatch(ctx context.Context, conn *pgx.Conn) (keys []string, last string, err error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "DECLARE c CURSOR FOR SUBSCRIBE cf_res WITH (SLOT = 'resume')"); err != nil {
		return nil, "", err
	}
	got, err := fetchErr(ctx, tx, "FETCH 50 c WITH (timeout = '300ms')")
	if err != nil || len(got) == 0 {
		return nil, "", err
	}
	for _, ch := range got {
		keys = append(keys, ch.Key)
	}
	last = got[len(got)-1].LSN
	if _, err := tx.Exec(ctx, "SELECT * FROM pg_replication_slot_advance('resume', '"+last+"')"); err != nil {
		return nil, "", err
	}
	if err := tx.Commit(ctx); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return nil, "", err // refused: nothing committed
		}
		return keys, last, errInDoubt
	}
	return keys, last, nil
}
