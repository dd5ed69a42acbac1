package test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// retryable reports whether a transaction may be retried: 40001; and, for
// the external PostgreSQL check only, 40P01 (its row locks deadlock; logdb
// never waits) and 53200 (its SSI conflict pool runs out under load).
func retryable(err error) bool {
	switch sqlState(err) {
	case "40001":
		return true
	case "40P01", "53200":
		return externalAddr != ""
	}
	return false
}

// rollback ends whatever transaction c is in, ignoring "none in progress".
func rollback(ctx context.Context, c *pgx.Conn) {
	_, _ = c.Exec(ctx, "ROLLBACK")
}

// TestLostUpdate: two interleaved read-modify-write transactions on one row.
// Each reads n and writes n+1. The second to commit (or its write) fails
// with 40001, and the row holds exactly one update.
func TestLostUpdate(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	setup := mustConnect(t, n)
	mustExec(t, ctx, setup, "CREATE TABLE lu_counter (id int PRIMARY KEY, n int NOT NULL)")

	for _, variant := range []string{"first commits before the second writes", "both write before either commits"} {
		t.Run(variant, func(t *testing.T) {
			mustExec(t, ctx, setup, "DELETE FROM lu_counter")
			mustExec(t, ctx, setup, "INSERT INTO lu_counter VALUES (1, 0)")
			c1, c2 := mustConnect(t, n), mustConnect(t, n)
			read := func(c *pgx.Conn) int {
				var v int
				if err := c.QueryRow(ctx, "SELECT n FROM lu_counter WHERE id = 1").Scan(&v); err != nil {
					t.Fatalf("read: %v", err)
				}
				return v
			}
			mustExec(t, ctx, c1, "BEGIN")
			mustExec(t, ctx, c2, "BEGIN")
			v1, v2 := read(c1), read(c2)
			if v1 != 0 || v2 != 0 {
				t.Fatalf("both transactions must read 0, read %d and %d", v1, v2)
			}
			if _, err := c1.Exec(ctx, "UPDATE lu_counter SET n = $1 WHERE id = 1", v1+1); err != nil {
				t.Fatalf("first write: %v", err)
			}

			// c2's steps run on their own goroutine: PostgreSQL blocks the
			// second writer on the row lock until the first commits.
			c2err := make(chan error, 1)
			c2write := func() {
				_, err := c2.Exec(ctx, "UPDATE lu_counter SET n = $1 WHERE id = 1", v2+1)
				c2err <- err
			}
			var err1 error
			if variant == "first commits before the second writes" {
				_, err1 = c1.Exec(ctx, "COMMIT")
				go c2write()
			} else {
				go c2write()
				// Give the write a moment to reach the server (it may block
				// there); the outcome must not depend on this pause.
				select {
				case e := <-c2err:
					c2err <- e
				case <-time.After(200 * time.Millisecond):
				}
				_, err1 = c1.Exec(ctx, "COMMIT")
			}
			errWrite := <-c2err
			var errCommit error
			if errWrite == nil {
				_, errCommit = c2.Exec(ctx, "COMMIT")
			}
			rollback(ctx, c2)

			committed := 0
			if err1 == nil {
				committed++
			} else if sqlState(err1) != "40001" {
				t.Errorf("first COMMIT: %v", err1)
			}
			second := errWrite
			if second == nil {
				second = errCommit
			}
			if second == nil {
				committed++
			} else if sqlState(second) != "40001" {
				t.Errorf("second transaction failed with %q, want 40001: %v", sqlState(second), second)
			}
			if committed != 1 {
				t.Errorf("%d of the two read-modify-write transactions committed, want exactly 1 (first: %v; second write: %v, commit: %v)",
					committed, err1, errWrite, errCommit)
			}
			checkQuery(t, ctx, setup, "1", "SELECT n FROM lu_counter WHERE id = 1")
			t.Logf("first: %v; second: write %v, commit %v", err1, errWrite, errCommit)
		})
	}
}

// TestWriteSkew: two on-call doctors; each transaction checks that at least
// two are on call, then takes itself off. Both cannot commit.
func TestWriteSkew(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 90*time.Second)
	setup := mustConnect(t, n)
	mustExec(t, ctx, setup, "CREATE TABLE ws_doctors (name text PRIMARY KEY, on_call bool NOT NULL)")
	reset := func() {
		t.Helper()
		mustExec(t, ctx, setup, "DELETE FROM ws_doctors")
		mustExec(t, ctx, setup, "INSERT INTO ws_doctors VALUES ('alice', true), ('bob', true)")
	}
	c1, c2 := mustConnect(t, n), mustConnect(t, n)

	// Deterministic interleaving: both check, both write, both commit.
	reset()
	onCall := func(c *pgx.Conn) int {
		var k int
		if err := c.QueryRow(ctx, "SELECT count(*) FROM ws_doctors WHERE on_call").Scan(&k); err != nil {
			t.Fatalf("count: %v", err)
		}
		return k
	}
	mustExec(t, ctx, c1, "BEGIN")
	mustExec(t, ctx, c2, "BEGIN")
	if onCall(c1) < 2 || onCall(c2) < 2 {
		t.Fatal("both must see two doctors on call")
	}
	_, w1 := c1.Exec(ctx, "UPDATE ws_doctors SET on_call = false WHERE name = 'alice'")
	_, w2 := c2.Exec(ctx, "UPDATE ws_doctors SET on_call = false WHERE name = 'bob'")
	var e1, e2 error = w1, w2
	if e1 == nil {
		_, e1 = c1.Exec(ctx, "COMMIT")
	}
	if e2 == nil {
		_, e2 = c2.Exec(ctx, "COMMIT")
	}
	rollback(ctx, c1)
	rollback(ctx, c2)
	if e1 == nil && e2 == nil {
		t.Errorf("write skew: both doctors went off call")
	}
	for i, e := range []error{e1, e2} {
		if e != nil && sqlState(e) != "40001" {
			t.Errorf("transaction %d failed with %v, want 40001", i+1, e)
		}
	}
	checkQuery(t, ctx, setup, "1", "SELECT count(*) FROM ws_doctors WHERE on_call")

	// Concurrent rounds with retries: the invariant holds every time.
	const rounds = 20
	violations, conflicts := 0, int64(0)
	for r := 0; r < rounds; r++ {
		reset()
		var barrier sync.WaitGroup
		barrier.Add(2)
		var wg sync.WaitGroup
		for i, c := range []*pgx.Conn{c1, c2} {
			name := []string{"alice", "bob"}[i]
			wg.Add(1)
			go func() {
				defer wg.Done()
				first := true
				for attempt := 0; attempt < 50; attempt++ {
					err := func() error {
						if _, err := c.Exec(ctx, "BEGIN"); err != nil {
							return err
						}
						var k int
						if err := c.QueryRow(ctx, "SELECT count(*) FROM ws_doctors WHERE on_call").Scan(&k); err != nil {
							return err
						}
						if first {
							first = false
							barrier.Done()
							barrier.Wait() // both have checked before either writes
						}
						if k >= 2 {
							if _, err := c.Exec(ctx, "UPDATE ws_doctors SET on_call = false WHERE name = $1", name); err != nil {
								return err
							}
						}
						_, err := c.Exec(ctx, "COMMIT")
						return err
					}()
					if err == nil {
						return
					}
					rollback(ctx, c)
					if first {
						first = false
						barrier.Done()
					}
					if !retryable(err) {
						t.Errorf("round %d, %s: %v", r, name, err)
						return
					}
					atomic.AddInt64(&conflicts, 1)
				}
				t.Errorf("round %d, %s: no commit in 50 attempts", r, name)
			}()
		}
		wg.Wait()
		var k int
		if err := setup.QueryRow(ctx, "SELECT count(*) FROM ws_doctors WHERE on_call").Scan(&k); err != nil {
			t.Fatal(err)
		}
		if k < 1 {
			violations++
		}
	}
	t.Logf("write skew: %d concurrent rounds, %d retried conflicts, on-call violations %d", rounds, conflicts, violations)
	fmt.Printf("write skew: rounds=%d conflicts=%d violations=%d\n", rounds, conflicts, violations)
	if violations > 0 {
		t.Errorf("write skew: %d of %d rounds left nobody on call", violations, rounds)
	}
}

// TestBankTransfers: 8 workers move money between 10 accounts with
// read-then-write transactions (writing absolute balances computed by the
// client, so a lost update changes the total), retrying on 40001, while a
// reader sums the balances inside a transaction over and over. Every sum
// equals the initial total; no balance goes negative.
func TestBankTransfers(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 120*time.Second)
	setup := mustConnect(t, n)
	const accounts, initial, workers = 10, 100, 8
	const total = accounts * initial
	mustExec(t, ctx, setup, "CREATE TABLE bank (id int PRIMARY KEY, balance int NOT NULL)")
	for i := 0; i < accounts; i++ {
		mustExec(t, ctx, setup, "INSERT INTO bank VALUES ($1, $2)", i, initial)
	}

	conns := mustConns(t, n, workers+1)
	runFor := 4 * time.Second
	stop := time.Now().Add(runFor)
	var committed, retries, failures atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		c := conns[w]
		rng := rand.New(rand.NewPCG(42, uint64(w)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) && ctx.Err() == nil {
				from := rng.IntN(accounts)
				to := (from + 1 + rng.IntN(accounts-1)) % accounts
				amount := 1 + rng.IntN(20)
				for attempt := 0; ; attempt++ {
					err := transfer(ctx, c, from, to, amount)
					if err == nil {
						committed.Add(1)
						break
					}
					rollback(ctx, c)
					if !retryable(err) || attempt > 100 {
						failures.Add(1)
						t.Errorf("transfer %d→%d: %v (attempt %d)", from, to, err, attempt)
						return
					}
					retries.Add(1)
				}
			}
		}()
	}

	reader := conns[workers]
	reads, readRetries, badReads := 0, 0, 0
	pace := time.NewTicker(20 * time.Millisecond) // leave the workers room
	defer pace.Stop()
	for time.Now().Before(stop) && ctx.Err() == nil {
		<-pace.C
		sumRows, sumAgg, negative, err := readBank(ctx, reader)
		if err != nil {
			rollback(ctx, reader)
			if retryable(err) {
				readRetries++
				continue
			}
			t.Errorf("reader: %v", err)
			break
		}
		reads++
		if sumRows != total || sumAgg != total || negative > 0 {
			badReads++
			if badReads <= 5 {
				t.Errorf("read %d: sum of rows %d, sum() %d, negative balances %d; want %d, %d, 0", reads, sumRows, sumAgg, negative, total, total)
			}
		}
	}
	wg.Wait()
	sumRows, sumAgg, negative, err := readBank(ctx, reader)
	if err != nil {
		t.Fatalf("final read: %v", err)
	}
	if sumRows != total || sumAgg != total || negative != 0 {
		t.Errorf("final: sum %d / %d, negative %d; want %d", sumRows, sumAgg, negative, total)
	}
	t.Logf("bank: transfers committed=%d retries=%d failures=%d reads=%d read-retries=%d bad-reads=%d final-total=%d",
		committed.Load(), retries.Load(), failures.Load(), reads, readRetries, badReads, sumRows)
	fmt.Printf("bank: transfers committed=%d retries=%d reads=%d bad-reads=%d final-total=%d\n",
		committed.Load(), retries.Load(), reads, badReads, sumRows)
	if committed.Load() < workers {
		t.Errorf("only %d transfers committed in %v: the test proves little", committed.Load(), runFor)
	}
	if reads < 10 {
		t.Errorf("only %d consistent reads in %v", reads, runFor)
	}
}

func transfer(ctx context.Context, c *pgx.Conn, from, to, amount int) error {
	if _, err := c.Exec(ctx, "BEGIN"); err != nil {
		return err
	}
	var a, b int
	if err := c.QueryRow(ctx, "SELECT balance FROM bank WHERE id = $1", from).Scan(&a); err != nil {
		return err
	}
	if err := c.QueryRow(ctx, "SELECT balance FROM bank WHERE id = $1", to).Scan(&b); err != nil {
		return err
	}
	if a >= amount {
		if _, err := c.Exec(ctx, "UPDATE bank SET balance = $1 WHERE id = $2", a-amount, from); err != nil {
			return err
		}
		if _, err := c.Exec(ctx, "UPDATE bank SET balance = $1 WHERE id = $2", b+amount, to); err != nil {
			return err
		}
	}
	_, err := c.Exec(ctx, "COMMIT")
	return err
}

// readBank reads every balance row by row and with sum(), in one transaction.
func readBank(ctx context.Context, c *pgx.Conn) (sumRows, sumAgg, negative int, err error) {
	if _, err = c.Exec(ctx, "BEGIN"); err != nil {
		return
	}
	rows, err := c.Query(ctx, "SELECT balance FROM bank ORDER BY id")
	if err != nil {
		return
	}
	for rows.Next() {
		var b int
		if err = rows.Scan(&b); err != nil {
			rows.Close()
			return
		}
		sumRows += b
		if b < 0 {
			negative++
		}
	}
	rows.Close()
	if err = rows.Err(); err != nil {
		return
	}
	if err = c.QueryRow(ctx, "SELECT sum(balance) FROM bank").Scan(&sumAgg); err != nil {
		return
	}
	_, err = c.Exec(ctx, "COMMIT")
	return
}
