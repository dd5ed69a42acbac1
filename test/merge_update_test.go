package test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestMergeUpdateBank: transfers written as increments (UPDATE … SET
// balance = balance - $1 WHERE id = $2, which logdb runs as merge writes
// that do not read the row) keep every invariant. On mrg_checked, each
// transfer first reads the source balance and moves money only if it
// suffices: the read is validated, so no balance ever goes negative. On
// mrg_blind, transfers do not read at all: concurrent ones never conflict,
// and the total stays constant. A reader sums both tables in one
// transaction the whole time; at the end each account holds exactly its
// initial balance plus the transfers that committed.
func TestMergeUpdateBank(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 120*time.Second)
	setup := mustConnect(t, n)
	const accounts, initial, workers = 8, 100, 8
	const total = accounts * initial
	tables := []string{"mrg_checked", "mrg_blind"}
	for _, tbl := range tables {
		mustExec(t, ctx, setup, fmt.Sprintf("CREATE TABLE %s (id int PRIMARY KEY, balance int NOT NULL, note text)", tbl))
		for i := 0; i < accounts; i++ {
			mustExec(t, ctx, setup, fmt.Sprintf("INSERT INTO %s VALUES ($1, $2, 'acct')", tbl), i, initial)
		}
		plan := queryText(t, ctx, setup, fmt.Sprintf("EXPLAIN UPDATE %s SET balance = balance - $1 WHERE id = $2", tbl), 1, 1)
		if !strings.HasPrefix(plan, "Merge Update") {
			t.Fatalf("not a merge update: %s", plan)
		}
	}

	conns := mustConns(t, n, workers+1)
	runFor := 4 * time.Second
	stop := time.Now().Add(runFor)
	var mu sync.Mutex
	want := map[string][]int{}
	for _, tbl := range tables {
		want[tbl] = make([]int, accounts)
		for i := range want[tbl] {
			want[tbl][i] = initial
		}
	}
	var committed, retries, skipped atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		c := conns[w]
		tbl := tables[w%2]
		rng := rand.New(rand.NewPCG(7, uint64(w)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) && ctx.Err() == nil {
				from := rng.IntN(accounts)
				to := (from + 1 + rng.IntN(accounts-1)) % accounts
				amount := 1 + rng.IntN(30)
				for attempt := 0; ; attempt++ {
					moved, err := mergeTransfer(ctx, c, tbl, tbl == "mrg_checked", from, to, amount)
					if err == nil {
						committed.Add(1)
						if moved {
							mu.Lock()
							want[tbl][from] -= amount
							want[tbl][to] += amount
							mu.Unlock()
						} else {
							skipped.Add(1)
						}
						break
					}
					rollback(ctx, c)
					if !retryable(err) || attempt > 100 {
						t.Errorf("%s transfer %d→%d: %v (attempt %d)", tbl, from, to, err, attempt)
						return
					}
					retries.Add(1)
				}
			}
		}()
	}

	reader := conns[workers]
	reads, bad := 0, 0
	pace := time.NewTicker(20 * time.Millisecond)
	defer pace.Stop()
	for time.Now().Before(stop) && ctx.Err() == nil {
		<-pace.C
		sums, negative, err := readMergeBanks(ctx, reader, tables)
		if err != nil {
			rollback(ctx, reader)
			if retryable(err) {
				continue
			}
			t.Errorf("reader: %v", err)
			break
		}
		reads++
		if sums[0] != total || sums[1] != total || negative > 0 {
			bad++
			if bad <= 5 {
				t.Errorf("read %d: sums %v, negative checked balances %d; want %d each, 0", reads, sums, negative, total)
			}
		}
	}
	wg.Wait()
	for _, tbl := range tables {
		var got []string
		var exp []string
		for i := 0; i < accounts; i++ {
			exp = append(exp, fmt.Sprint(want[tbl][i]))
		}
		rows := queryText(t, ctx, reader, fmt.Sprintf("SELECT balance FROM %s ORDER BY id", tbl))
		got = strings.Split(rows, "\n")
		if strings.Join(got, ",") != strings.Join(exp, ",") {
			t.Errorf("%s: balances %v, want %v", tbl, got, exp)
		}
	}
	t.Logf("merge bank: committed=%d (skipped %d) retries=%d reads=%d bad=%d", committed.Load(), skipped.Load(), retries.Load(), reads, bad)
	if committed.Load() < workers || reads < 10 {
		t.Errorf("only %d transfers and %d reads in %v: the test proves little", committed.Load(), reads, runFor)
	}
}

// mergeTransfer moves amount from → to with increments; checked first reads
// the source balance and moves nothing (moved false) if it is too low.
func mergeTransfer(ctx context.Context, c *pgx.Conn, tbl string, checked bool, from, to, amount int) (moved bool, err error) {
	if _, err := c.Exec(ctx, "BEGIN"); err != nil {
		return false, err
	}
	if checked {
		var bal int
		if err := c.QueryRow(ctx, fmt.Sprintf("SELECT balance FROM %s WHERE id = $1", tbl), from).Scan(&bal); err != nil {
			return false, err
		}
		if bal < amount {
			_, err := c.Exec(ctx, "COMMIT")
			return false, err
		}
	}
	for _, u := range []struct{ id, delta int }{{from, -amount}, {to, amount}} {
		tag, err := c.Exec(ctx, fmt.Sprintf("UPDATE %s SET balance = balance + $1 WHERE id = $2", tbl), u.delta, u.id)
		if err != nil {
			return false, err
		}
		if tag.String() != "UPDATE 1" {
			return false, fmt.Errorf("tag %q", tag)
		}
	}
	_, err = c.Exec(ctx, "COMMIT")
	return err == nil, err
}

func readMergeBanks(ctx context.Context, c *pgx.Conn, tables []string) (sums []int, negative int, err error) {
	if _, err = c.Exec(ctx, "BEGIN"); err != nil {
		return
	}
	for k, tbl := range tables {
		var rows pgx.Rows
		if rows, err = c.Query(ctx, fmt.Sprintf("SELECT balance FROM %s", tbl)); err != nil {
			return
		}
		sum := 0
		for rows.Next() {
			var b int
			if err = rows.Scan(&b); err != nil {
				rows.Close()
				return
			}
			sum += b
			if b < 0 && k == 0 {
				negative++
			}
		}
		rows.Close()
		if err = rows.Err(); err != nil {
			return
		}
		sums = append(sums, sum)
	}
	_, err = c.Exec(ctx, "COMMIT")
	return
}
