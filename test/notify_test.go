package test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// notifyListener is a connection that LISTENs and records, in arrival
// order, every notification pgx's WaitForNotification returns.
type notifyListener struct {
	node   uint64
	conn   *pgx.Conn
	cancel context.CancelFunc
	done   chan struct{}

	mu  sync.Mutex
	got []received
}

type received struct {
	channel, payload string
	pid              uint32
	at               time.Time
}

func startNotifyListener(t *testing.T, ctx context.Context, node uint64, n *Node, channels ...string) *notifyListener {
	t.Helper()
	l := &notifyListener{node: node, conn: mustConnect(t, n), done: make(chan struct{})}
	for _, ch := range channels {
		mustExec(t, ctx, l.conn, "LISTEN "+ch)
	}
	wctx, cancel := context.WithCancel(ctx)
	l.cancel = cancel
	go func() {
		defer close(l.done)
		for {
			m, err := l.conn.WaitForNotification(wctx)
			if err != nil {
				return
			}
			l.mu.Lock()
			l.got = append(l.got, received{m.Channel, m.Payload, m.PID, time.Now()})
			l.mu.Unlock()
		}
	}()
	t.Cleanup(func() { l.stop() })
	return l
}

func (l *notifyListener) stop() {
	l.cancel()
	<-l.done
}

// snapshot returns what arrived so far on channel ("" = all).
func (l *notifyListener) snapshot(channel string) []received {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []received
	for _, r := range l.got {
		if channel == "" || r.channel == channel {
			out = append(out, r)
		}
	}
	return out
}

// waitFor polls until the listener has n notifications on channel.
func (l *notifyListener) waitFor(ctx context.Context, channel string, n int) bool {
	for ctx.Err() == nil {
		if len(l.snapshot(channel)) >= n {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// notifyTxn is one transaction of the cluster test: the notifications it
// sends, and whether it committed.
type notifyTxn struct {
	writer    int
	id        int // row id (0: a notify-only transaction)
	payloads  []string
	committed bool
	sent, ack time.Time // COMMIT sent, COMMIT acknowledged
}

// TestClusterNotify (issue 18): a listener connected to each node of a
// three-node cluster receives every notification of 1,000 transactions
// committed through the three nodes at once — once each, in commit order
// (the changefeed's order of their rows; all three listeners the same) —
// and none of 100 rolled back nor of the ones that failed at COMMIT with
// 40001. The transactions take every form: BEGIN … COMMIT, implicit
// multi-statement strings, the extended protocol with pg_notify($1, $2),
// duplicates (collapsed), READ ONLY transactions that only notify. Then
// the time from COMMIT's acknowledgement to delivery is measured on the
// leader and on the followers, and node-postgres receives across nodes.
func TestClusterNotify(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 240*time.Second)
	c := newCluster(t, 3)
	c.HTTP = map[uint64]string{}
	for id := range c.Nodes {
		c.HTTP[id] = freeAddr(t)
	}
	c.startAll()
	setup := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, setup, "CREATE TABLE notify_log (id int PRIMARY KEY, writer int NOT NULL)")
	mustExec(t, ctx, setup, "CREATE TABLE notify_ctr (id int PRIMARY KEY, n int NOT NULL)")
	mustExec(t, ctx, setup, "INSERT INTO notify_ctr VALUES (1, 0), (2, 0), (3, 0)")

	listeners := map[uint64]*notifyListener{}
	for id, n := range c.Nodes {
		listeners[id] = startNotifyListener(t, ctx, id, n, "jobs", "quiet")
	}

	// Three writers, one per node, at once: 1,000 committed transactions
	// in all, 100 rolled back, 15 that fail at COMMIT with 40001.
	const committedTotal, rolledBackTotal = 1000, 100
	var mu sync.Mutex
	var txns []*notifyTxn
	pids := map[uint32]int{} // writer session pid -> writer
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for w := 1; w <= 3; w++ {
		conn := mustConnect(t, c.Nodes[uint64(w)])
		other := mustConnect(t, c.Nodes[uint64(w)])
		mu.Lock()
		pids[conn.PgConn().PID()] = w
		mu.Unlock()
		commits := committedTotal / 3
		if w == 1 {
			commits += committedTotal % 3
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := notifyWriter(ctx, w, commits, rolledBackTotal/3+boolInt(w == 1), conn, other, &mu, &txns); err != nil {
				errs <- fmt.Errorf("writer %d: %w", w, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var want []string // committed payloads, each writer's in its order
	committed, rolledBack := 0, 0
	for _, x := range txns {
		if x.committed {
			committed++
			want = append(want, x.payloads...)
		} else {
			rolledBack++
		}
	}
	if committed != committedTotal || rolledBack < rolledBackTotal {
		t.Fatalf("%d committed, %d rolled back", committed, rolledBack)
	}

	// Everything arrives; then nothing more (a rolled-back one, a duplicate).
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	for id, l := range listeners {
		if !l.waitFor(wctx, "jobs", len(want)) {
			t.Errorf("listener on node %d: %d of %d notifications", id, len(l.snapshot("jobs")), len(want))
		}
	}
	cancel()
	time.Sleep(300 * time.Millisecond)

	// The commit order of the transactions that wrote a row: their
	// changefeed order (xid = the entry's raft index).
	xid := feedXids(t, ctx, setup)
	var orders [][]string
	for id, l := range listeners {
		got := l.snapshot("jobs")
		var seq []string
		seen := map[string]bool{}
		for _, r := range got {
			if strings.HasPrefix(r.payload, "rb-") || strings.HasPrefix(r.payload, "conflict-") {
				t.Errorf("node %d: a notification of a transaction that did not commit: %s", id, r.payload)
			}
			if seen[r.payload] {
				t.Errorf("node %d: %s delivered twice", id, r.payload)
			}
			seen[r.payload] = true
			if w, ok := pids[r.pid]; !ok || !strings.HasPrefix(r.payload, fmt.Sprintf("w%d-", w)) {
				t.Errorf("node %d: %s carries pid %d (writer %d)", id, r.payload, r.pid, w)
			}
			seq = append(seq, r.payload)
		}
		if len(seq) != len(want) {
			t.Errorf("node %d: %d notifications, want %d", id, len(seq), len(want))
		}
		for _, p := range want {
			if !seen[p] {
				t.Errorf("node %d: %s never delivered", id, p)
				break
			}
		}
		checkNotifyOrder(t, id, seq, txns, xid)
		orders = append(orders, seq)
	}
	for i := 1; i < len(orders); i++ {
		if !slices.Equal(orders[i], orders[0]) {
			t.Errorf("listeners disagree on the order of the notifications")
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("%d notifications of %d committed transactions reached the listener on each node once, in commit order; none of %d that did not commit",
		len(want), committed, rolledBack)
	reportNotifyLatency(t, ctx, c, listeners, txns, "under 3 writers")

	// An idle cluster: one notify-only commit at a time through the
	// leader; delivery on each node measured from COMMIT's acknowledgement.
	leader := c.mustLeader(ctx)
	lc := mustConnect(t, c.Nodes[leader])
	var quiet []*notifyTxn
	for i := range 300 {
		x := &notifyTxn{writer: int(leader), payloads: []string{fmt.Sprintf("q%d", i)}, committed: true}
		x.sent = time.Now()
		mustExec(t, ctx, lc, "NOTIFY quiet, '"+x.payloads[0]+"'")
		x.ack = time.Now()
		quiet = append(quiet, x)
		time.Sleep(5 * time.Millisecond)
	}
	wctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	for id, l := range listeners {
		if !l.waitFor(wctx, "quiet", len(quiet)) {
			t.Errorf("listener on node %d: %d of %d quiet notifications", id, len(l.snapshot("quiet")), len(quiet))
		}
	}
	cancel()
	reportNotifyLatency(t, ctx, c, listeners, quiet, "idle, one NOTIFY at a time through the leader")

	// Every node counts what it applied and handed to its one listener.
	for id := range c.Nodes {
		m, _ := scrape(t, ctx, c.HTTP[id])
		total := float64(len(want) + len(quiet))
		if m["logdb_notify_channels"] != 2 || m["logdb_notify_applied_total"] < total || m["logdb_notify_delivered_total"] != total {
			t.Errorf("node %d: logdb_notify_channels %v, applied %v, delivered %v; want 2, ≥ %v, %v", id,
				m["logdb_notify_channels"], m["logdb_notify_applied_total"], m["logdb_notify_delivered_total"], total, total)
		}
	}

	t.Run("node-postgres", func(t *testing.T) {
		nodeNotifyCheck(t, ctx, c, leader)
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// notifyWriter runs writer w's transactions on conn (other makes the
// conflicts that fail some at COMMIT with 40001) and records them.
func notifyWriter(ctx context.Context, w, commits, rollbacks int, conn, other *pgx.Conn, mu *sync.Mutex, txns *[]*notifyTxn) error {
	record := func(x *notifyTxn) {
		mu.Lock()
		*txns = append(*txns, x)
		mu.Unlock()
	}
	rolledBack, conflicts := 0, 0
	for k := 0; k < commits; k++ {
		id := k*3 + w
		p := fmt.Sprintf("w%d-%d", w, id)
		x := &notifyTxn{writer: w, id: id, payloads: []string{p}}
		var err error
		switch k % 5 {
		case 0: // BEGIN … COMMIT, NOTIFY twice with the same payload: collapsed
			err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "INSERT INTO notify_log VALUES ($1, $2)", id, w); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, "NOTIFY jobs, '"+p+"'"); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "NOTIFY jobs, '"+p+"'")
				x.sent = time.Now()
				return err
			})
		case 1: // one implicit transaction: a multi-statement simple query
			x.sent = time.Now()
			_, err = conn.Exec(ctx, fmt.Sprintf("INSERT INTO notify_log VALUES (%d, %d); NOTIFY jobs, '%s'", id, w, p), pgx.QueryExecModeSimpleProtocol)
		case 2: // the extended protocol: pg_notify with parameters, two notifications
			x.payloads = append(x.payloads, p+"/b")
			err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", "jobs", p); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, "INSERT INTO notify_log VALUES ($1, $2)", id, w); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", "jobs", p+"/b"); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", "jobs", p)
				x.sent = time.Now()
				return err
			})
		case 3: // a READ ONLY transaction that only notifies
			x.id = 0
			err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SELECT count(*) FROM notify_log"); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "NOTIFY jobs, '"+p+"'")
				x.sent = time.Now()
				return err
			})
		case 4: // autocommit: the INSERT, then a lone NOTIFY, each its own commit
			if _, err = conn.Exec(ctx, "INSERT INTO notify_log VALUES ($1, $2)", id, w); err == nil {
				x.id = -id // the row and the notification are separate commits
				x.sent = time.Now()
				_, err = conn.Exec(ctx, "NOTIFY jobs, '"+p+"'")
			}
		}
		x.ack = time.Now()
		if err != nil {
			return fmt.Errorf("transaction %s: %w", p, err)
		}
		x.committed = true
		record(x)

		// Every 10th: one rolled back; every 70th: one failing with 40001.
		if k%10 == 9 && rolledBack < rollbacks {
			rolledBack++
			rb := fmt.Sprintf("rb-%d-%d", w, k)
			tx, err := conn.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO notify_log VALUES ($1, $2)", 1_000_000+id, w); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "NOTIFY jobs, '"+rb+"'"); err != nil {
				return err
			}
			if err := tx.Rollback(ctx); err != nil {
				return err
			}
			record(&notifyTxn{writer: w, payloads: []string{rb}})
		}
		if k%70 == 69 {
			conflicts++
			cf := fmt.Sprintf("conflict-%d-%d", w, k)
			tx, err := conn.Begin(ctx)
			if err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, "SELECT n FROM notify_ctr WHERE id = $1", w).Scan(&n); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE notify_ctr SET n = $1 WHERE id = $2", n+1, w); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "NOTIFY jobs, '"+cf+"'"); err != nil {
				return err
			}
			if _, err := other.Exec(ctx, "UPDATE notify_ctr SET n = n + 10 WHERE id = $1", w); err != nil {
				return err
			}
			if err := tx.Commit(ctx); sqlState(err) != "40001" {
				return fmt.Errorf("%s: COMMIT gave %v, want 40001", cf, err)
			}
			record(&notifyTxn{writer: w, payloads: []string{cf}})
		}
	}
	for ; rolledBack < rollbacks; rolledBack++ {
		rb := fmt.Sprintf("rb-%d-end%d", w, rolledBack)
		if _, err := conn.Exec(ctx, "BEGIN; NOTIFY jobs, '"+rb+"'; ROLLBACK", pgx.QueryExecModeSimpleProtocol); err != nil {
			return err
		}
		record(&notifyTxn{writer: w, payloads: []string{rb}})
	}
	return nil
}

// feedXids reads notify_log's inserts from the changefeed: row id -> xid
// (the raft index of its transaction).
func feedXids(t *testing.T, ctx context.Context, c *pgx.Conn) map[int]uint64 {
	t.Helper()
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "DECLARE f CURSOR FOR SUBSCRIBE notify_log WITH (FROM_LSN = '0/0')"); err != nil {
		t.Fatal(err)
	}
	out := map[int]uint64{}
	for {
		rows, err := tx.Query(ctx, "FETCH 10000 f WITH (timeout = '1s')")
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for rows.Next() {
			var lsn, op, rel string
			var xid int64
			var key map[string]any
			var before, after, ts any
			if err := rows.Scan(&lsn, &xid, &op, &rel, &key, &before, &after, &ts); err != nil {
				t.Fatal(err)
			}
			got++
			if op == "insert" {
				out[int(key["id"].(float64))] = uint64(xid)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if got == 0 {
			return out
		}
	}
}

// checkNotifyOrder checks one listener's sequence: each writer's
// notifications in the order it committed them, a transaction's in the
// order it sent them, and the transactions that wrote a row with their
// notifications in the same entry in xid order.
func checkNotifyOrder(t *testing.T, node uint64, seq []string, txns []*notifyTxn, xid map[int]uint64) {
	t.Helper()
	pos := map[string]int{}
	for i, p := range seq {
		pos[p] = i
	}
	last := map[int]int{}
	type placed struct {
		xid uint64
		at  int
	}
	var rows []placed
	for _, x := range txns {
		if !x.committed {
			continue
		}
		for _, p := range x.payloads {
			at, ok := pos[p]
			if !ok {
				continue // reported by the caller
			}
			if prev, ok := last[x.writer]; ok && at < prev {
				t.Errorf("node %d: %s arrived before an earlier commit of writer %d", node, p, x.writer)
			}
			last[x.writer] = at
		}
		if x.id > 0 {
			if v, ok := xid[x.id]; ok {
				rows = append(rows, placed{v, pos[x.payloads[0]]})
			} else {
				t.Errorf("row %d is not in the changefeed", x.id)
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].xid < rows[j].xid })
	for i := 1; i < len(rows); i++ {
		if rows[i].at < rows[i-1].at {
			t.Errorf("node %d: the notification of xid %d arrived before that of xid %d", node, rows[i].xid, rows[i-1].xid)
			return
		}
	}
}

// reportNotifyLatency logs, per node, the time from each committed
// transaction's COMMIT acknowledgement to its first notification's
// arrival (negative: before COMMIT returned to the client).
func reportNotifyLatency(t *testing.T, ctx context.Context, c *Cluster, listeners map[uint64]*notifyListener, txns []*notifyTxn, what string) {
	t.Helper()
	leader := c.mustLeader(ctx)
	ids := make([]uint64, 0, len(listeners))
	for id := range listeners {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		arrived := map[string]time.Time{}
		for _, r := range listeners[id].snapshot("") {
			arrived[r.payload] = r.at
		}
		var d []time.Duration
		for _, x := range txns {
			if at, ok := arrived[x.payloads[0]]; ok && x.committed {
				d = append(d, at.Sub(x.ack))
			}
		}
		slices.Sort(d)
		if len(d) == 0 {
			continue
		}
		role := "follower"
		if id == leader {
			role = "leader"
		}
		q := func(f float64) time.Duration {
			return d[min(len(d)-1, int(f*float64(len(d))))].Round(10 * time.Microsecond)
		}
		t.Logf("%s: node %d (%s): delivery after COMMIT's ack: p50 %v, p90 %v, p99 %v, max %v (%d notifications)",
			what, id, role, q(0.5), q(0.9), q(0.99), d[len(d)-1].Round(10*time.Microsecond), len(d))
	}
}

// nodeNotifyCheck runs test/node/notify_test.js: node-postgres listening
// on a follower receives what node-postgres commits through the leader,
// in order, and nothing of a rolled-back transaction. Skipped when node or
// its modules are missing (npm ci --prefix test/node).
func nodeNotifyCheck(t *testing.T, ctx context.Context, c *Cluster, leader uint64) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join("node", "node_modules", "pg")); err != nil {
		t.Skip("node-postgres is not installed: run npm ci --prefix test/node")
	}
	follower := leader%3 + 1
	lhost, lport := splitAddr(c.Nodes[follower].Addr)
	nhost, nport := splitAddr(c.Nodes[leader].Addr)
	cmd := exec.CommandContext(ctx, node, "notify_test.js")
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "PGUSER=logdb", "PGDATABASE=logdb", "PGSSLMODE=disable",
		"LISTEN_HOST="+lhost, "LISTEN_PORT="+lport, "NOTIFY_HOST="+nhost, "NOTIFY_PORT="+nport)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if err != nil || !strings.HasPrefix(string(out), "ok ") {
		t.Fatalf("node notify_test.js: %v\n%s", err, out)
	}
	t.Logf("node-postgres: %s", strings.TrimSpace(string(out)))
}

// TestNotifyMatchesPostgres runs the same LISTEN/NOTIFY steps on
// PostgreSQL 15 and on logdb, two sessions each (a listens, b mostly
// notifies), and compares after every step the answer (rows, or SQLSTATE
// and message) and the notifications session a received: who sent them
// (a itself or b), channel and payload. Covers payload and channel limits,
// duplicates, savepoints, rolled-back and READ ONLY transactions,
// LISTEN/UNLISTEN at commit, pg_listening_channels(), DISCARD ALL, and
// notifications held while the listener is in a transaction block.
func TestNotifyMatchesPostgres(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	n := sharedNode(t)
	type pair struct{ a, b *pgx.Conn }
	pgc := pair{pg.connect(t), pg.connect(t)}
	lc := pair{mustConnect(t, n), mustConnect(t, n)}
	long := func(n int) string { return strings.Repeat("p", n) }
	steps := [][2]string{
		{"a", "LISTEN c"}, {"a", "LISTEN a"}, {"a", "LISTEN b"}, {"a", "LISTEN a"},
		{"a", "SELECT pg_listening_channels()"},
		{"a", "SELECT count(*) FROM pg_listening_channels() AS l(ch) WHERE ch LIKE '_'"},
		{"a", "UNLISTEN a"}, {"a", "UNLISTEN nothere"},
		{"a", "SELECT pg_listening_channels()"},
		{"a", "BEGIN"}, {"a", "UNLISTEN *"}, {"a", "LISTEN z"}, {"a", "SELECT pg_listening_channels()"}, {"a", "ROLLBACK"},
		{"a", "SELECT pg_listening_channels()"},
		{"a", "LISTEN x"},
		{"b", "NOTIFY x, 'from b'"},
		{"b", "SELECT pg_notify('x', 'function')"},
		{"b", "NOTIFY z, 'nobody listens'"},
		{"a", "NOTIFY x, 'self'"},
		{"b", "BEGIN; NOTIFY x, '1'; NOTIFY x, '1'; NOTIFY x, '2'; SELECT pg_notify('x', '1'); NOTIFY x; NOTIFY x, ''; COMMIT"},
		{"b", "BEGIN; NOTIFY x, 'p'; SAVEPOINT s; NOTIFY x, 'p'; NOTIFY x, 'q'; ROLLBACK TO s; NOTIFY x, 'r'; COMMIT"},
		{"b", "BEGIN; SAVEPOINT s; NOTIFY x, 'A'; RELEASE s; NOTIFY x, 'A'; NOTIFY x, 'B'; COMMIT"},
		{"b", "BEGIN; NOTIFY x, 'rolled back'; ROLLBACK"},
		{"b", "BEGIN; NOTIFY x, 'failed'; SELECT 1/0"}, {"b", "COMMIT"},
		{"b", "NOTIFY x, 'implicit'; SELECT 1/0"},
		{"b", "BEGIN READ ONLY; NOTIFY x, 'read only'; COMMIT"},
		{"b", "NOTIFY x, 'one'; NOTIFY x, 'two'; NOTIFY x, 'one'"},
		// held while a is in a transaction block, delivered after it
		{"a", "BEGIN"}, {"b", "NOTIFY x, 'held'"}, {"a", "SELECT 1"}, {"a", "COMMIT"},
		{"a", "BEGIN"}, {"b", "NOTIFY x, 'held over a rollback'"}, {"a", "SELECT 1/0"}, {"a", "ROLLBACK"},
		{"a", "BEGIN; LISTEN y; NOTIFY y, 'self in the same transaction'; COMMIT"},
		{"a", "BEGIN; UNLISTEN y; NOTIFY y, 'unlistened first'; COMMIT"},
		{"a", "SELECT pg_listening_channels()"},
		// limits
		{"b", "SELECT pg_notify('x', repeat('p', 7999))"},
		{"b", "SELECT pg_notify('x', repeat('p', 8000))"},
		{"b", "NOTIFY x, '" + long(7999) + "'"},
		{"b", "NOTIFY x, '" + long(8000) + "'"},
		{"b", "SELECT pg_notify('x', repeat('é', 4000))"},
		{"b", "SELECT pg_notify('', 'x')"},
		{"b", "SELECT pg_notify(NULL, 'x')"},
		{"b", "SELECT pg_notify('x', NULL)"},
		{"b", "SELECT pg_notify(repeat('c', 63), 'x')"},
		{"b", "SELECT pg_notify(repeat('c', 64), 'x')"},
		{"a", "LISTEN " + strings.Repeat("c", 70)},
		{"a", "SELECT pg_listening_channels()"},
		{"b", "NOTIFY " + strings.Repeat("c", 80) + ", 'truncated'"},
		{"b", "SELECT pg_notify(" + strings.Repeat("'c'||", 62) + "'c', 'by pg_notify')"},
		{"a", "DISCARD ALL"},
		{"a", "SELECT pg_listening_channels()"},
		{"b", "NOTIFY x, 'after discard'"},
	}
	for _, st := range steps {
		want := notifyStep(ctx, pgc.a, pgc.b, st[0] == "a", st[1], -1)
		got := notifyStep(ctx, lc.a, lc.b, st[0] == "a", st[1], strings.Count(want, "\nnotification "))
		if got != want {
			q := st[1]
			if len(q) > 120 {
				q = q[:120] + "…"
			}
			t.Errorf("%s: %s\n  logdb:      %q\n  PostgreSQL: %q", st[0], q, got, want)
		}
	}
}

// notifyStep runs q on session a or b and returns its answer followed by
// the notifications a received: "notification <a|b> channel payload" (a
// long payload as its length and start). It waits 100 ms for them
// (PostgreSQL, where expect is 0), or until expect have arrived and 30 ms
// more for any beyond (logdb; 60 ms when none is expected).
func notifyStep(ctx context.Context, a, b *pgx.Conn, onA bool, q string, expect int) string {
	c := b
	if onA {
		c = a
	}
	var out strings.Builder
	results, err := c.PgConn().Exec(ctx, q).ReadAll()
	for _, r := range results {
		for _, row := range r.Rows {
			var vals []string
			for _, v := range row {
				vals = append(vals, string(v))
			}
			out.WriteString(strings.Join(vals, "|") + ";")
		}
	}
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			fmt.Fprintf(&out, "ERROR %s %s", pe.Code, pe.Message)
		} else {
			fmt.Fprintf(&out, "ERROR %v", err)
		}
	}
	got := 0
	for {
		wait := 100 * time.Millisecond
		switch {
		case expect < 0:
		case got >= expect && expect > 0:
			wait = 30 * time.Millisecond
		case got >= expect:
			wait = 60 * time.Millisecond
		}
		wctx, cancel := context.WithTimeout(ctx, wait)
		m, err := a.WaitForNotification(wctx)
		cancel()
		if err != nil || m == nil {
			break
		}
		got++
		who := "b"
		if m.PID == a.PgConn().PID() {
			who = "a"
		}
		payload := m.Payload
		if len(payload) > 40 {
			payload = fmt.Sprintf("%d bytes %.20s…", len(payload), payload)
		}
		fmt.Fprintf(&out, "\nnotification %s %s %q", who, m.Channel, payload)
	}
	return out.String()
}
