package test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestClusterServesSQLOnEveryNode: three processes started with the
// documented flags; DDL and writes through every node (followers forward),
// and a row written through one node is visible at once through the others
// (linearizable reads). logdb_cluster shows the group; a session can opt
// into local reads.
func TestClusterServesSQLOnEveryNode(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	c := mustStartCluster(t, 3)
	conns := map[uint64]*pgx.Conn{}
	for id, n := range c.Nodes {
		conns[id] = mustConnect(t, n)
	}
	mustExec(t, ctx, conns[2], "CREATE TABLE kv (k int PRIMARY KEY, v text NOT NULL)")
	for i := 0; i < 30; i++ {
		w := uint64(i%3 + 1)
		r := uint64((i+1)%3 + 1)
		mustExec(t, ctx, conns[w], "INSERT INTO kv VALUES ($1, $2)", i, fmt.Sprintf("from node %d", w))
		// Read through another node right after the commit was acknowledged.
		if got := queryText(t, ctx, conns[r], "SELECT v FROM kv WHERE k = $1", i); got != fmt.Sprintf("from node %d", w) {
			t.Fatalf("row %d written through node %d, read through node %d: %q", i, w, r, got)
		}
	}
	mustExec(t, ctx, conns[3], "UPDATE kv SET v = 'updated' WHERE k < 10")
	checkQuery(t, ctx, conns[1], "10", "SELECT count(*) FROM kv WHERE v = 'updated'")

	ms, err := c.members(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	leaders := 0
	for _, m := range ms {
		if m.role == "leader" {
			leaders++
		}
		if !m.reachable {
			t.Errorf("logdb_cluster on node 1: node %d unreachable", m.id)
		}
	}
	if len(ms) != 3 || leaders != 1 {
		t.Fatalf("logdb_cluster on node 1: %+v; want 3 members, one leader", ms)
	}
	checkQuery(t, ctx, conns[2], "127.0.0.1", "SELECT split_part(sql_addr, ':', 1) FROM logdb_cluster WHERE sql_addr IS NOT NULL")

	mustExec(t, ctx, conns[3], "SET logdb.read_consistency = 'local'")
	checkQuery(t, ctx, conns[3], "local", "SHOW logdb.read_consistency")
	// A local read is a consistent snapshot of what this node applied; it
	// catches up quickly.
	deadline := time.Now().Add(5 * time.Second)
	for queryText(t, ctx, conns[3], "SELECT count(*) FROM kv") != "30" {
		if time.Now().After(deadline) {
			t.Fatal("local read on node 3 never saw the 30 rows")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeLoad is a set of autocommit writers spread over a cluster's nodes,
// each inserting rows with unique ids one at a time, recording every
// outcome. A writer whose node is down moves to the next node.
type writeLoad struct {
	c       *Cluster
	table   string
	mu      sync.Mutex
	acked   map[int64]time.Time // id → when the commit was acknowledged
	unknown map[int64]bool      // in flight when something failed: may or may not be there
	failed  map[int64]bool      // surely not committed
	errs    map[string]int      // error counts by SQLSTATE / kind
	stop    chan struct{}
	wg      sync.WaitGroup
}

func startWriteLoad(ctx context.Context, c *Cluster, table string, writers int) *writeLoad {
	l := &writeLoad{c: c, table: table, acked: map[int64]time.Time{}, unknown: map[int64]bool{},
		failed: map[int64]bool{}, errs: map[string]int{}, stop: make(chan struct{})}
	for w := 0; w < writers; w++ {
		l.wg.Add(1)
		go l.run(ctx, w, uint64(w%len(c.Nodes)+1))
	}
	return l
}

func (l *writeLoad) run(ctx context.Context, w int, node uint64) {
	defer l.wg.Done()
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for seq := int64(0); ; seq++ {
		select {
		case <-l.stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if conn == nil {
			var err error
			if conn, err = l.c.connect(ctx, node); err != nil {
				node = node%uint64(len(l.c.Nodes)) + 1
				time.Sleep(20 * time.Millisecond)
				continue
			}
		}
		id := int64(w)*100_000_000 + seq
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		_, err := conn.Exec(wctx, "INSERT INTO "+l.table+" (id, writer) VALUES ($1, $2)", id, w)
		cancel()
		now := time.Now()
		l.mu.Lock()
		if err == nil {
			l.acked[id] = now
		} else {
			kind := errOutcome(err)
			if kind == "fail" {
				l.failed[id] = true
			} else {
				l.unknown[id] = true
			}
			code := sqlState(err)
			switch code {
			case "":
				code = "conn"
			case "40001", "40003":
			default:
				code += " " + err.Error()
			}
			l.errs[kind+" "+code]++
		}
		l.mu.Unlock()
		if err != nil && (conn.IsClosed() || sqlState(err) == "") {
			conn.Close(context.Background())
			conn = nil
		}
	}
}

func (l *writeLoad) halt() {
	close(l.stop)
	l.wg.Wait()
}

// writeGap is the longest stretch without an acknowledged commit in
// [from, to] (zero if nothing was acknowledged).
func (l *writeLoad) writeGap(from, to time.Time) time.Duration {
	l.mu.Lock()
	var ats []time.Time
	for _, at := range l.acked {
		if at.After(from) && at.Before(to) {
			ats = append(ats, at)
		}
	}
	l.mu.Unlock()
	if len(ats) == 0 {
		return 0
	}
	sort.Slice(ats, func(i, j int) bool { return ats[i].Before(ats[j]) })
	gap, prev := time.Duration(0), from
	for _, at := range ats {
		gap = max(gap, at.Sub(prev))
		prev = at
	}
	return max(gap, to.Sub(prev)) // a stall at the end counts too
}

// lastAck is the time of the latest acknowledgement.
func (l *writeLoad) lastAck() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var last time.Time
	for _, at := range l.acked {
		if at.After(last) {
			last = at
		}
	}
	return last
}

func (l *writeLoad) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// finishAfterAttack ends a test that attacked a cluster's raft ports under
// this load: at least 100 more commits are acknowledged within 20 s, every
// node is still up, and once the load stops the nodes converge on table
// holding every acknowledged row (check).
func (l *writeLoad) finishAfterAttack(t *testing.T, c *Cluster, table, attack string) {
	t.Helper()
	after := l.ackedCount()
	deadline := time.Now().Add(20 * time.Second)
	for l.ackedCount() < after+100 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := l.ackedCount() - after; got < 100 {
		t.Errorf("only %d commits acknowledged in the 20 s after the %s", got, attack)
	}
	l.halt()
	for id := uint64(1); id <= uint64(len(c.Nodes)); id++ {
		if !c.running(id) {
			t.Fatalf("node %d exited\n%s", id, tailFile(c.Nodes[id].Log, 40))
		}
	}
	l.check(t, c.mustConverge(testCtx(t, 30*time.Second), "SELECT id FROM "+table+" ORDER BY id"))
}

// check compares the converged table with the history: every acknowledged
// id is present, nothing present was never attempted or surely failed.
func (l *writeLoad) check(t *testing.T, rows string) {
	t.Helper()
	present := idSet(t, rows) // cluster_partition_test.go
	lost := 0
	for id := range l.acked {
		if !present[id] {
			lost++
			if lost < 10 {
				t.Errorf("acknowledged id %d is missing", id)
			}
		}
	}
	resolved := 0
	for id := range present {
		switch {
		case l.unknown[id]:
			resolved++
		case l.failed[id]:
			t.Errorf("id %d failed with a definite error (40001 / not sent) but is present", id)
		case l.acked[id].IsZero():
			t.Errorf("id %d is present but was never written", id)
		}
	}
	t.Logf("acknowledged %d, lost %d; definite failures %d; unknown %d, of which committed %d; errors %v",
		len(l.acked), lost, len(l.failed), len(l.unknown), resolved, l.errs)
}

// TestClusterKill9EachNode: six writers spread over three nodes; the
// leader and then each follower is killed with SIGKILL and restarted (each
// restarted node catches up before the next kill). No acknowledged commit
// is lost, the nodes converge to the same rows, and the write gap after
// each kill (the longest stretch without an acknowledged commit from the
// kill until a second after writes resumed) is printed. LOGDB_CHAOS=1: nine writers, three such cycles.
func TestClusterKill9EachNode(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 300*time.Second)
	c := mustStartCluster(t, 3)
	setup := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, setup, "CREATE TABLE chaos (id bigint PRIMARY KEY, writer int NOT NULL)")
	writers, rounds := 6, 3
	if chaos() {
		writers, rounds = 9, 9
	}
	load := startWriteLoad(ctx, c, "chaos", writers)
	time.Sleep(time.Second)

	var gaps []string
	killed := map[uint64]bool{}
	for round := 0; round < rounds; round++ {
		if round%3 == 0 {
			clear(killed)
		}
		id := c.nextVictim(ctx, killed, round%3 == 0)
		killed[id] = true
		what := "follower"
		if c.leader(ctx) == id {
			what = "leader"
		}
		before := load.ackedCount()
		at := time.Now()
		c.Kill9(id)
		// Writes must resume: wait until commits were acknowledged
		// steadily (no stretch over 200 ms) for the last second.
		deadline := at.Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if os.Getenv("LOGDB_STALL_DUMP") != "" && time.Since(load.lastAck()) >= 2500*time.Millisecond {
				for id := range c.Nodes {
					c.signal(id, syscall.SIGQUIT) // goroutine dumps into the logs
				}
				time.Sleep(2 * time.Second)
				t.Fatalf("writes stalled for 3 s after killing %s node %d; goroutines dumped to the node logs", what, id)
			}
			recent := load.writeGap(time.Now().Add(-time.Second), time.Now())
			if time.Since(at) >= 2*time.Second && recent > 0 && recent <= 200*time.Millisecond {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		gap := load.writeGap(at, time.Now())
		if time.Now().After(deadline) {
			t.Errorf("writes did not resume steadily within 15 s of killing %s node %d (longest gap %v)", what, id, gap)
		} else {
			msg := fmt.Sprintf("write gap after kill -9 of the %s (node %d): %v (%d commits acknowledged before)",
				what, id, gap.Round(time.Millisecond), before)
			fmt.Println(msg)
			gaps = append(gaps, msg)
		}
		c.Restart(id)
		// The next kill must leave a quorum that holds the log's tail.
		c.mustCatchUp(testCtx(t, 30*time.Second), id)
	}
	for _, g := range gaps {
		t.Log(g)
	}
	load.halt()
	rows := c.mustConverge(testCtx(t, 30*time.Second), "SELECT id FROM chaos ORDER BY id")
	load.check(t, rows)
	if load.ackedCount() < 100 {
		t.Errorf("only %d commits acknowledged: the load proves little", load.ackedCount())
	}
}

// nextVictim picks a node not killed yet: the leader if leader is set,
// else preferably a follower.
func (c *Cluster) nextVictim(ctx context.Context, killed map[uint64]bool, leader bool) uint64 {
	lead := c.mustLeader(ctx)
	if leader && !killed[lead] {
		return lead
	}
	for id := uint64(1); id <= uint64(len(c.Nodes)); id++ {
		if !killed[id] && id != lead {
			return id
		}
	}
	return lead
}

// TestClusterSnapshotCatchUp: a node that was down while the others
// truncated their logs (--retention 1s, checkpoints every 200 ms) past its
// position catches up from a streamed snapshot of the state, including a
// table created meanwhile, and then the log.
func TestClusterSnapshotCatchUp(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	c := mustStartCluster(t, 3, "--retention", "1s", "--checkpoint-interval", "200ms")
	conn := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, conn, "CREATE TABLE snap (id int PRIMARY KEY, pad text)")
	mustExec(t, ctx, conn, "INSERT INTO snap SELECT g, repeat('x', 100) FROM generate_series(1, 100) g")
	down := uint64(3)
	c.mustCatchUp(ctx, down)
	c.Kill9(down)
	for i := 101; i <= 400; i++ {
		mustExec(t, ctx, conn, "INSERT INTO snap VALUES ($1, 'while node 3 was down')", i)
	}
	mustExec(t, ctx, conn, "CREATE TABLE snap_late (id int PRIMARY KEY)") // DDL it must learn from the snapshot
	mustExec(t, ctx, conn, "INSERT INTO snap_late VALUES (1), (2)")
	time.Sleep(2500 * time.Millisecond) // retention trims the survivors' logs
	c.Restart(down)
	c.mustCatchUp(ctx, down)
	mustExec(t, ctx, conn, "INSERT INTO snap VALUES (401, 'after')")
	rows := c.mustConverge(ctx, "SELECT count(*), sum(id) FROM snap")
	if rows != "401|80601" {
		t.Fatalf("converged on %q, want 401 rows", rows)
	}
	if got, err := c.localRows(ctx, down, "SELECT count(*) FROM snap_late"); err != nil || got != "2" {
		t.Fatalf("node %d after the snapshot: snap_late count %q, %v", down, got, err)
	}
	if got := grepFile(c.Nodes[down].Log, 5, "installed snapshot"); got == "" {
		t.Fatalf("node %d caught up without a snapshot: the others did not truncate far enough", down)
	} else {
		t.Log(got)
	}
}
