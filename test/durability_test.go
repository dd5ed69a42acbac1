package test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"
)

// TestKill9Durability: 8 writers insert rows with autocommit and record
// every acknowledged id; the node is killed with SIGKILL under that load and
// restarted, three rounds. After each restart every acknowledged id of every
// round is present; an id that was never acknowledged may be present only
// if it was in flight at the kill (at most one per writer per round).
func TestKill9Durability(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 240*time.Second)
	n := mustStartNode(t, t.TempDir())
	setup := mustConnect(t, n)
	mustExec(t, ctx, setup, "CREATE TABLE durable (id bigint PRIMARY KEY, writer int NOT NULL, round int NOT NULL, payload text)")
	mustExec(t, ctx, setup, "CREATE TABLE durable_a (id bigint PRIMARY KEY)")
	mustExec(t, ctx, setup, "CREATE TABLE durable_b (id bigint PRIMARY KEY)")
	setup.Close(ctx)
	txnAcked := map[int64]bool{} // transactions of the extra writer, acknowledged

	const writers, rounds = 8, 3
	acked := map[int64]bool{}     // every acknowledged id, all rounds
	attempted := map[int64]bool{} // every id sent, acknowledged or not
	for round := 1; round <= rounds; round++ {
		conns := mustConns(t, n, writers+1)
		var mu sync.Mutex
		roundAcked := 0
		var wg sync.WaitGroup
		stopped := make(chan struct{})
		for w := 0; w < writers; w++ {
			c := conns[w]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for seq := int64(0); ; seq++ {
					id := int64(round)*1_000_000_000 + int64(w)*10_000_000 + seq
					mu.Lock()
					attempted[id] = true
					mu.Unlock()
					wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
					_, err := c.Exec(wctx, "INSERT INTO durable (id, writer, round, payload) VALUES ($1, $2, $3, $4)",
						id, w, round, fmt.Sprintf("writer %d seq %d", w, seq))
					cancel()
					if err != nil {
						select {
						case <-stopped: // the kill: expected
						default:
							t.Errorf("round %d writer %d: insert before the kill failed: %v", round, w, err)
						}
						return
					}
					mu.Lock()
					acked[id] = true
					roundAcked++
					mu.Unlock()
				}
			}()
		}

		// One more writer commits two-table transactions, to check that
		// a transaction is all or nothing after the kill.
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := conns[writers]
			for seq := int64(0); ; seq++ {
				id := int64(round)*1_000_000_000 + seq
				err := func() error {
					wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
					defer cancel()
					for _, sql := range []string{"BEGIN", "INSERT INTO durable_a VALUES ($1)", "INSERT INTO durable_b VALUES ($1)", "COMMIT"} {
						var args []any
						if sql[0] == 'I' {
							args = []any{id}
						}
						if _, err := c.Exec(wctx, sql, args...); err != nil {
							return err
						}
					}
					return nil
				}()
				if err != nil {
					select {
					case <-stopped:
					default:
						t.Errorf("round %d transaction writer: %v", round, err)
					}
					return
				}
				mu.Lock()
				txnAcked[id] = true
				mu.Unlock()
			}
		}()

		// Kill once the writers are well under way: after at least
		// 300 acknowledged inserts and a seeded 1-2 s of load.
		rng := rand.New(rand.NewPCG(7, uint64(round)))
		earliest := time.Now().Add(time.Second + time.Duration(rng.IntN(1000))*time.Millisecond)
		deadline := time.Now().Add(20 * time.Second)
		tick := time.NewTicker(10 * time.Millisecond)
		for {
			<-tick.C
			mu.Lock()
			k := roundAcked
			mu.Unlock()
			if (k >= 300 && time.Now().After(earliest)) || time.Now().After(deadline) {
				break
			}
		}
		tick.Stop()
		close(stopped)
		n.Kill9(t)
		if roundAcked < 50 {
			t.Errorf("round %d: only %d inserts acknowledged before the kill: the round proves little", round, roundAcked)
		}
		wg.Wait()
		for _, c := range conns {
			c.Close(ctx)
		}

		restartAt := time.Now()
		n.Restart(t)
		t.Logf("round %d: restart to serving took %v", round, time.Since(restartAt).Round(time.Millisecond))
		c := mustConnect(t, n)
		present := map[int64]bool{}
		rows, err := c.Query(ctx, "SELECT id FROM durable")
		if err != nil {
			t.Fatalf("round %d: reading back: %v", round, err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			if present[id] {
				t.Errorf("round %d: id %d present twice", round, id)
			}
			present[id] = true
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("round %d: reading back: %v", round, err)
		}
		var lost, phantom []int64
		for id := range acked {
			if !present[id] {
				lost = append(lost, id)
			}
		}
		unacked := 0
		for id := range present {
			if !acked[id] {
				unacked++
				if !attempted[id] {
					phantom = append(phantom, id)
				}
			}
		}
		sort.Slice(lost, func(i, j int) bool { return lost[i] < lost[j] })
		t.Logf("round %d: acknowledged=%d (this round %d) lost=%d present=%d unacknowledged-but-present=%d",
			round, len(acked), roundAcked, len(lost), len(present), unacked)
		fmt.Printf("kill -9 round %d: acknowledged=%d lost=%d (this round: acknowledged=%d; unacknowledged but present=%d)\n",
			round, len(acked), len(lost), roundAcked, unacked)
		if len(lost) > 0 {
			show := lost
			if len(show) > 10 {
				show = show[:10]
			}
			t.Errorf("round %d: %d acknowledged inserts lost after kill -9, first %v", round, len(lost), show)
		}
		if len(phantom) > 0 {
			t.Errorf("round %d: %d rows present that were never sent", round, len(phantom))
		}
		if unacked > writers*round {
			t.Errorf("round %d: %d unacknowledged rows present, more than the %d that can have been in flight", round, unacked, writers*round)
		}
		// Transactions: all acknowledged ones present, none half applied.
		ids := func(table string) map[int64]bool {
			out := map[int64]bool{}
			rows, err := c.Query(ctx, "SELECT id FROM "+table)
			if err != nil {
				t.Fatalf("round %d: reading %s: %v", round, table, err)
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				out[id] = true
			}
			return out
		}
		a, b := ids("durable_a"), ids("durable_b")
		torn, txnLost := 0, 0
		for id := range a {
			if !b[id] {
				torn++
			}
		}
		for id := range b {
			if !a[id] {
				torn++
			}
		}
		for id := range txnAcked {
			if !a[id] || !b[id] {
				txnLost++
			}
		}
		t.Logf("round %d: transactions acknowledged=%d lost=%d torn=%d", round, len(txnAcked), txnLost, torn)
		if torn > 0 || txnLost > 0 {
			t.Errorf("round %d: %d torn transactions, %d acknowledged transactions lost", round, torn, txnLost)
		}

		// The restarted node takes writes again.
		mustExec(t, ctx, c, "INSERT INTO durable VALUES ($1, -1, $2, 'after restart')", int64(round)*1_000_000_000+999_999_999, round)
		acked[int64(round)*1_000_000_000+999_999_999] = true
		c.Close(ctx)
	}
}
