package test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestChangefeedFigures measures the changefeed through the wire with pgx
// against a real node, and only prints (no assertions on time):
//
//		LOGDB_FIGURES=1 go test ./test -run TestChangefeedFigures -v
//
//	  - commit-to-delivery latency of a COPY (SUBSCRIBE …) subscriber while
//	    writers commit one-row transactions at a steady 300 per second:
//	    from the writer's COMMIT acknowledgement to the line's arrival, and
//	    from the change's commit_time (taken by the server just before it
//	    proposes the entry, so it includes the raft fsync) to the arrival;
//	  - the rows per second a subscriber receives while 20,000 rows are
//	    inserted in 100-row transactions by 4 writers.
func TestChangefeedFigures(t *testing.T) {
	if os.Getenv("LOGDB_FIGURES") == "" {
		t.Skip("set LOGDB_FIGURES=1 to measure")
	}
	requireLogdb(t)
	ctx := testCtx(t, 300*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE fig_lat (id bigint PRIMARY KEY, pad text)")
	mustExec(t, ctx, c, "CREATE TABLE fig_bulk (id bigint PRIMARY KEY, pad text)")

	// --- latency at a steady 300 transactions/s
	type arrival struct {
		at       time.Time
		commitTS time.Time
	}
	var mu sync.Mutex
	arrived := map[int64]arrival{}
	acked := map[int64]time.Time{}
	// streamFrom runs a COPY (SUBSCRIBE table) stream from lsn, calling
	// onLine with each line's columns and arrival time.
	streamFrom := func(table, lsn string, onLine func(f []string, at time.Time)) (stop func()) {
		conn := mustConnect(t, n)
		sctx, cancel := context.WithCancel(ctx)
		pr, pw := io.Pipe()
		go func() {
			_, err := conn.PgConn().CopyTo(sctx, pw, "COPY (SUBSCRIBE "+table+" WITH (FROM_LSN = '"+lsn+"')) TO STDOUT")
			pw.CloseWithError(fmt.Errorf("stream ended: %w", err))
		}()
		done := make(chan struct{})
		go func() {
			defer close(done)
			br := bufio.NewReaderSize(pr, 1<<16)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				onLine(strings.Split(strings.TrimSuffix(line, "\n"), "\t"), time.Now())
			}
		}()
		return func() { cancel(); <-done }
	}
	stream := func(table string, onLine func(f []string, at time.Time)) (stop func()) {
		return streamFrom(table, currentLSN(t, ctx, c), onLine)
	}
	stopLat := stream("fig_lat", func(f []string, at time.Time) {
		var id int64
		fmt.Sscanf(f[4], `{"id": %d}`, &id)
		ts, _ := time.Parse("2006-01-02 15:04:05.999999-07", f[7])
		mu.Lock()
		arrived[id] = arrival{at: at, commitTS: ts}
		mu.Unlock()
	})
	const rate, seconds, workers = 300, 10, 8
	total := rate * seconds
	jobs := make(chan int64, total)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wc := mustConnect(t, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				if _, err := wc.Exec(ctx, "INSERT INTO fig_lat VALUES ($1, 'x')", id); err != nil {
					t.Errorf("insert: %v", err)
					return
				}
				now := time.Now()
				mu.Lock()
				acked[id] = now
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for id := int64(1); id <= int64(total); id++ {
		time.Sleep(time.Until(start.Add(time.Duration(id) * time.Second / rate))) // paced, no drift
		jobs <- id
	}
	close(jobs)
	wg.Wait()
	offered := float64(total) / time.Since(start).Seconds()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		k := len(arrived)
		mu.Unlock()
		if k >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopLat()
	var fromAck, fromCommit []time.Duration
	mu.Lock()
	for id, a := range arrived {
		if ack, ok := acked[id]; ok {
			fromAck = append(fromAck, max(a.at.Sub(ack), 0))
		}
		fromCommit = append(fromCommit, a.at.Sub(a.commitTS))
	}
	got := len(arrived)
	mu.Unlock()
	t.Logf("latency at %.0f transactions/s (%d one-row transactions, %d writers, %d delivered):", offered, total, workers, got)
	t.Logf("  COMMIT acknowledged -> delivered: p50 %s  p99 %s  max %s", pct(fromAck, 50), pct(fromAck, 99), pct(fromAck, 100))
	t.Logf("  commit_time (before raft) -> delivered: p50 %s  p99 %s  max %s", pct(fromCommit, 50), pct(fromCommit, 99), pct(fromCommit, 100))

	// --- throughput: 20,000 rows in 100-row transactions
	const rows, perTxn, writers = 20000, 100, 4
	var received int
	var lastAt time.Time
	doneRows := make(chan struct{})
	bulkFrom := currentLSN(t, ctx, c)
	stopBulk := streamFrom("fig_bulk", bulkFrom, func(f []string, at time.Time) {
		mu.Lock()
		received++
		lastAt = at
		if received == rows {
			close(doneRows)
		}
		mu.Unlock()
	})
	batches := make(chan int, rows/perTxn)
	for b := 0; b < rows/perTxn; b++ {
		batches <- b
	}
	close(batches)
	start = time.Now()
	for w := 0; w < writers; w++ {
		wc := mustConnect(t, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var sb strings.Builder
				sb.WriteString("INSERT INTO fig_bulk VALUES ")
				for i := 0; i < perTxn; i++ {
					if i > 0 {
						sb.WriteString(", ")
					}
					sb.WriteString("(" + strconv.Itoa(b*perTxn+i) + ", 'payload-payload-payload')")
				}
				if _, err := wc.Exec(ctx, sb.String()); err != nil {
					t.Errorf("bulk insert: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	inserted := time.Since(start)
	select {
	case <-doneRows:
	case <-time.After(60 * time.Second):
		t.Fatalf("subscriber received %d of %d rows", received, rows)
	}
	stopBulk()
	mu.Lock()
	deliveredIn := lastAt.Sub(start)
	mu.Unlock()
	t.Logf("throughput: %d rows in %d-row transactions by %d writers: inserted in %s (%.0f rows/s); the subscriber had all of them %s after the first insert began: %.0f rows/s received",
		rows, perTxn, writers, inserted.Round(time.Millisecond), rows/inserted.Seconds(), deliveredIn.Round(time.Millisecond), rows/deliveredIn.Seconds())

	// --- catch-up: a subscriber that starts after the fact reads the same
	// 20,000 rows back from the log on disk
	caughtUp := make(chan struct{})
	count := 0
	start = time.Now()
	stopCatchUp := streamFrom("fig_bulk", bulkFrom, func(f []string, at time.Time) {
		if count++; count == rows {
			close(caughtUp)
		}
	})
	select {
	case <-caughtUp:
	case <-time.After(60 * time.Second):
		t.Fatalf("catch-up subscriber received %d of %d rows", count, rows)
	}
	catchUp := time.Since(start)
	stopCatchUp()
	t.Logf("catch-up: a subscriber starting after the inserts read the %d rows from the log in %s: %.0f rows/s",
		rows, catchUp.Round(time.Millisecond), rows/catchUp.Seconds())
}

// pct returns the p-th percentile of ds (p = 100: the maximum).
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[min(i, len(s)-1)].Round(10 * time.Microsecond)
}
