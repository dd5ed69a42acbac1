package test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// txidOf40003 returns the transaction id a 40003 names: the last word of
// its DETAIL, which its HINT repeats in a txid_status call.
func txidOf40003(err error) (int64, bool) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "40003" {
		return 0, false
	}
	f := strings.Fields(pe.Detail)
	if len(f) == 0 {
		return 0, false
	}
	id, perr := strconv.ParseInt(strings.TrimSuffix(f[len(f)-1], "."), 10, 64)
	if perr != nil || !strings.Contains(pe.Hint, "txid_status("+strconv.FormatInt(id, 10)+")") {
		return 0, false
	}
	return id, true
}

// settleTxid asks node for txid_status(id) until it answers (a node
// without a quorum cannot settle: 40001), and returns the answer.
func settleTxid(ctx context.Context, connect func(context.Context) (*pgx.Conn, error), id int64) (string, error) {
	var last error
	for ctx.Err() == nil {
		conn, err := connect(ctx)
		if err == nil {
			var st *string
			err = conn.QueryRow(ctx, "SELECT txid_status($1)", id).Scan(&st)
			conn.Close(context.Background())
			if err == nil {
				if st == nil {
					return "NULL", nil
				}
				return *st, nil
			}
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return "", last
}

// TestClusterTxidSettles40003: a commit in flight when its node loses the
// quorum (both followers paused) gets 40003 naming its id; once the
// quorum is back, txid_status(id) on another node answers committed or
// aborted, every node agrees, and the row is present exactly when it
// answered committed.
func TestClusterTxidSettles40003(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 240*time.Second)
	c := mustStartCluster(t, 3)
	t.Cleanup(func() {
		c.signal(2, syscall.SIGCONT)
		c.signal(3, syscall.SIGCONT)
	})
	setup := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, setup, "CREATE TABLE s (id int PRIMARY KEY)")
	setup.Close(ctx)
	// Once with the id asked for inside the transaction, once with the id
	// first assigned at COMMIT.
	for _, asked := range []bool{true, false} {
		settle40003(ctx, t, c, asked)
	}
}

func settle40003(ctx context.Context, t *testing.T, c *Cluster, asked bool) {
	got40003 := false
	for attempt := 1; attempt <= 5 && !got40003; attempt++ {
		for id := range c.Nodes {
			c.mustCatchUp(ctx, id)
		}
		row := attempt
		if !asked {
			row += 10
		}
		conn := mustConnect(t, c.Nodes[1])
		mustExec(t, ctx, conn, "BEGIN")
		mustExec(t, ctx, conn, "INSERT INTO s VALUES ($1)", row)
		var own int64
		var err error
		if asked {
			if own, err = strconv.ParseInt(queryText(t, ctx, conn, "SELECT txid_current()"), 10, 64); err != nil {
				t.Fatal(err)
			}
		}
		c.signal(2, syscall.SIGSTOP)
		c.signal(3, syscall.SIGSTOP)
		_, err = conn.Exec(ctx, "COMMIT")
		c.signal(2, syscall.SIGCONT)
		c.signal(3, syscall.SIGCONT)
		conn.Close(ctx)
		if sqlState(err) == "40001" {
			t.Logf("attempt %d: the commit failed surely (%v); again", attempt, err)
			continue
		}
		id, ok := txidOf40003(err)
		if !ok {
			t.Fatalf("COMMIT with both followers paused: %v; want 40003 naming the transaction id in DETAIL and HINT", err)
		}
		if asked && id != own {
			t.Fatalf("the 40003 names id %d, txid_current() said %d", id, own)
		}
		got40003 = true
		c.mustLeader(ctx)
		// Settled on another node, or on the node that gave the 40003.
		first := uint64(2)
		if !asked {
			first = 1
		}
		answer, err := settleTxid(ctx, func(ctx context.Context) (*pgx.Conn, error) { return c.connect(ctx, first) }, id)
		if err != nil || answer != "committed" && answer != "aborted" {
			t.Fatalf("txid_status(%d) on node %d: %q, %v; want committed or aborted", id, first, answer, err)
		}
		t.Logf("attempt %d (id asked for first: %v): 40003 for id %d settled as %s", attempt, asked, id, answer)
		// The answer is final: every node gives it, and the row agrees,
		// also after more writes (a late copy of the commit is fenced).
		for node := uint64(1); node <= 3; node++ {
			again, err := settleTxid(ctx, func(ctx context.Context) (*pgx.Conn, error) { return c.connect(ctx, node) }, id)
			if err != nil || again != answer {
				t.Fatalf("txid_status(%d) on node %d: %q, %v; node %d said %q", id, node, again, err, first, answer)
			}
		}
		w := mustConnect(t, c.Nodes[2])
		mustExec(t, ctx, w, "INSERT INTO s VALUES ($1)", 100+row)
		w.Close(ctx)
		rows := c.mustConverge(ctx, "SELECT count(*) FROM s WHERE id = "+strconv.Itoa(row))
		if want := map[string]string{"committed": "1", "aborted": "0"}[answer]; rows != want {
			t.Fatalf("txid_status said %s, but the row's count is %s on every node", answer, rows)
		}
	}
	if !got40003 {
		t.Fatal("no attempt produced a 40003")
	}
}
