package test

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// mustClusterConn connects to node id of c and closes the connection at
// the test's end.
func mustClusterConn(t *testing.T, ctx context.Context, c *Cluster, id uint64) *pgx.Conn {
	t.Helper()
	conn, err := c.connect(ctx, id)
	if err != nil {
		t.Fatalf("connect to node %d: %v", id, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func tryLock(ctx context.Context, c *pgx.Conn, key int64) (bool, error) {
	var ok bool
	err := c.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok)
	return ok, err
}

// TestClusterAdvisoryLocks: advisory locks are cluster-wide. A lock taken
// through one node makes pg_try_advisory_lock fail on the others; a
// waiter on another node wakes when the holder releases; clients on all
// three nodes increment a counter under the lock and it ends exact; a
// node paused (SIGSTOP) loses its locks once the leader has not heard from
// it for lockNodeGoneAfter (10 s), and, resumed, cannot commit what its
// session wrote under the lock (55000); a node killed with kill -9 loses
// its locks the same way. With -v it logs what a lock and an unlock cost.
func TestClusterAdvisoryLocks(t *testing.T) {
	t.Parallel()
	c := mustStartCluster(t, 3)
	ctx := testCtx(t, 240*time.Second)
	conns := map[uint64]*pgx.Conn{}
	for id := uint64(1); id <= 3; id++ {
		conns[id] = mustClusterConn(t, ctx, c, id)
	}

	// held on node 1: not free on 2 and 3
	mustExec(t, ctx, conns[1], "SELECT pg_advisory_lock(1)")
	for _, id := range []uint64{2, 3} {
		if ok, err := tryLock(ctx, conns[id], 1); err != nil || ok {
			t.Fatalf("node %d: pg_try_advisory_lock(1) while node 1 holds it = %v, %v", id, ok, err)
		}
	}
	// a waiter on node 2 wakes when node 1 releases
	woke := make(chan error, 1)
	go func() { _, err := conns[2].Exec(ctx, "SELECT pg_advisory_lock(1)"); woke <- err }()
	waitFor(t, ctx, 20*time.Second, "node 2's request queued, seen through node 3", func() (bool, error) {
		var n int
		err := conns[3].QueryRow(ctx, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 1 AND NOT granted").Scan(&n)
		return n == 1, err
	})
	mustExec(t, ctx, conns[1], "SELECT pg_advisory_unlock(1)")
	if err := <-woke; err != nil {
		t.Fatalf("node 2's waiter: %v", err)
	}
	if ok, err := tryLock(ctx, conns[3], 1); err != nil || ok {
		t.Fatalf("node 3: pg_try_advisory_lock(1) while node 2 holds it = %v, %v", ok, err)
	}
	mustExec(t, ctx, conns[2], "SELECT pg_advisory_unlock(1)")

	// a read-modify-write counter under the lock, from all three nodes
	mustExec(t, ctx, conns[1], "CREATE TABLE lock_counter (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, conns[1], "INSERT INTO lock_counter VALUES (1, 0)")
	const workersPerNode, rounds = 2, 15
	var wg sync.WaitGroup
	errs := make(chan error, 3*workersPerNode)
	for id := uint64(1); id <= 3; id++ {
		for w := 0; w < workersPerNode; w++ {
			conn := mustClusterConn(t, ctx, c, id)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < rounds; i++ {
					if err := incrementUnderLock(ctx, conn); err != nil {
						errs <- fmt.Errorf("node %d: %w", id, err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	if err := conns[3].QueryRow(ctx, "SELECT n FROM lock_counter WHERE id = 1").Scan(&n); err != nil || n != 3*workersPerNode*rounds {
		t.Fatalf("counter = %d (%v), want %d", n, err, 3*workersPerNode*rounds)
	}

	// what a lock and an unlock cost through a follower and the leader
	// (figures, not assertions)
	lead := c.mustLeader(ctx)
	for id := uint64(1); id <= 3; id++ {
		const n = 50
		start := time.Now()
		for i := 0; i < n; i++ {
			mustExec(t, ctx, conns[id], "SELECT pg_advisory_lock(100)")
			mustExec(t, ctx, conns[id], "SELECT pg_advisory_unlock(100)")
		}
		t.Logf("node %d (leader %v): lock + unlock %v a pair, mean of %d", id, id == lead, (time.Since(start) / n).Round(10*time.Microsecond), n)
	}

	// a node cut off (paused) loses its locks after lockNodeGoneAfter; when
	// it is back, its session cannot commit what it wrote under the lock
	paused := uint64(1)
	for paused == lead {
		paused++
	}
	mustExec(t, ctx, conns[paused], "SELECT pg_advisory_lock(9)")
	mustExec(t, ctx, conns[paused], "BEGIN")
	mustExec(t, ctx, conns[paused], "UPDATE lock_counter SET n = -1 WHERE id = 1")
	c.signal(paused, syscall.SIGSTOP)
	waitFor(t, ctx, 60*time.Second, "the paused node's lock released", func() (bool, error) {
		return tryLock(ctx, conns[lead], 9)
	})
	c.signal(paused, syscall.SIGCONT)
	_, err := conns[paused].Exec(ctx, "COMMIT")
	if sqlState(err) != "55000" {
		t.Fatalf("COMMIT of a session whose node lost its locks: %v, want 55000", err)
	}
	if err := conns[lead].QueryRow(ctx, "SELECT n FROM lock_counter WHERE id = 1").Scan(&n); err != nil || n != 3*workersPerNode*rounds {
		t.Fatalf("counter after the refused commit = %d (%v)", n, err)
	}
	mustExec(t, ctx, conns[lead], "SELECT pg_advisory_unlock(9)")
	if ok, err := tryLock(ctx, conns[paused], 9); err != nil || !ok {
		t.Fatalf("node %d, back: pg_try_advisory_lock(9) = %v, %v", paused, ok, err)
	}
	mustExec(t, ctx, conns[paused], "SELECT pg_advisory_unlock_all()")

	// a node killed with kill -9 loses its locks after lockNodeGoneAfter
	lead = c.mustLeader(ctx)
	victim := uint64(1)
	for victim == lead {
		victim++
	}
	other := 6 - lead - victim
	mustExec(t, ctx, conns[victim], "SELECT pg_advisory_lock(7)")
	if ok, err := tryLock(ctx, conns[other], 7); err != nil || ok {
		t.Fatalf("node %d: pg_try_advisory_lock(7) while node %d holds it = %v, %v", other, victim, ok, err)
	}
	c.Kill9(victim)
	killed := time.Now()
	waitFor(t, ctx, 60*time.Second, "the killed node's lock released", func() (bool, error) {
		return tryLock(ctx, conns[other], 7)
	})
	t.Logf("the lock of node %d, killed with kill -9, was free again after %v", victim, time.Since(killed).Round(100*time.Millisecond))
	// and the node, restarted, takes locks again
	c.Restart(victim)
	again := mustClusterConn(t, ctx, c, victim)
	if ok, err := tryLock(ctx, again, 7); err != nil || ok {
		t.Fatalf("restarted node %d: pg_try_advisory_lock(7) held by node %d = %v, %v", victim, other, ok, err)
	}
	if ok, err := tryLock(ctx, again, 8); err != nil || !ok {
		t.Fatalf("restarted node %d: pg_try_advisory_lock(8) = %v, %v", victim, ok, err)
	}
}

// incrementUnderLock reads the counter and writes it back plus one, each
// its own autocommit statement, holding advisory lock 42 around them.
func incrementUnderLock(ctx context.Context, c *pgx.Conn) error {
	if _, err := c.Exec(ctx, "SELECT pg_advisory_lock(42)"); err != nil {
		return err
	}
	var n int
	if err := c.QueryRow(ctx, "SELECT n FROM lock_counter WHERE id = 1").Scan(&n); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, "UPDATE lock_counter SET n = $1 WHERE id = 1", n+1); err != nil {
		return err
	}
	_, err := c.Exec(ctx, "SELECT pg_advisory_unlock(42)")
	return err
}
