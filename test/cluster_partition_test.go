package test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/jackc/pgx/v5"
)

// The partition suite (issue 19): three nodes in network namespaces, faults
// made with iptables inside them while insert writers, conflicting
// transactions, register clients (checked by porcupine) and local readers
// run on every node. Each client stays on its node, so what the clients of
// a cut-off node get is seen. For every fault it prints: the longest write
// gap on the majority, what each cut-off node's clients got, acknowledged
// commits lost, 40001s that committed, 40003 outcomes, divergence after
// healing, how long a second leader stayed visible and how long each node
// took to serve linearizable reads again after the heal.

// partFault is one kind of fault: inject makes it and returns the nodes
// on the minority side (whose clients cannot expect to commit).
type partFault struct {
	name   string
	inject func(nc *netnsCluster, leader uint64) (minority []uint64)
}

var partFaults = []partFault{
	{"isolate the leader", func(nc *netnsCluster, leader uint64) []uint64 {
		for id := range nc.Nodes {
			if id != leader {
				nc.cut(leader, id)
			}
		}
		return []uint64{leader}
	}},
	{"isolate a follower", func(nc *netnsCluster, leader uint64) []uint64 {
		f := otherThan(nc, leader)[0]
		for id := range nc.Nodes {
			if id != f {
				nc.cut(f, id)
			}
		}
		return []uint64{f}
	}},
	{"asymmetric: the leader sends but hears nothing", func(nc *netnsCluster, leader uint64) []uint64 {
		nc.deaf(leader)
		return []uint64{leader}
	}},
	{"bridge: a follower sees both others, they not each other", func(nc *netnsCluster, leader uint64) []uint64 {
		others := otherThan(nc, leader)
		nc.cut(leader, others[1]) // others[0] is the bridge
		return nil
	}},
	{"20% packet loss", func(nc *netnsCluster, leader uint64) []uint64 { nc.lossy(0.2); return nil }},
	{"50% packet loss", func(nc *netnsCluster, leader uint64) []uint64 { nc.lossy(0.5); return nil }},
}

func otherThan(nc *netnsCluster, id uint64) []uint64 {
	var out []uint64
	for n := range nc.Nodes {
		if n != id {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// TestClusterPartitionIsolatedLeader: the short partition test for make
// test: the leader is cut off for 6 s once.
func TestClusterPartitionIsolatedLeader(t *testing.T) {
	runPartitionSuite(t, partFaults[:1], 1, 6*time.Second)
}

// TestClusterPartitions: every fault three times (make chaos).
func TestClusterPartitions(t *testing.T) {
	if !chaos() {
		t.Skip("the long partition suite runs under make chaos (LOGDB_CHAOS=1)")
	}
	faults := partFaults
	if only := os.Getenv("LOGDB_PARTITION_FAULTS"); only != "" {
		// For iterating on one fault: a comma-separated list of parts of
		// fault names ("deaf,follower").
		faults = nil
		for _, f := range partFaults {
			for _, part := range strings.Split(only, ",") {
				if part != "" && strings.Contains(f.name, part) {
					faults = append(faults, f)
					break
				}
			}
		}
	}
	runPartitionSuite(t, faults, 3, 8*time.Second)
}

func runPartitionSuite(t *testing.T, faults []partFault, rounds int, hold time.Duration) {
	requireNetns(t)
	ctx := testCtx(t, time.Duration(len(faults)*rounds)*(hold+40*time.Second)+60*time.Second)
	nc := mustStartNetnsCluster(t, 3)
	setup := mustConnect(t, nc.Nodes[1])
	mustExec(t, ctx, setup, "CREATE TABLE ins (id bigint PRIMARY KEY, node int NOT NULL)")
	mustExec(t, ctx, setup, "CREATE TABLE hot (k int PRIMARY KEY, v bigint NOT NULL)")
	mustExec(t, ctx, setup, "INSERT INTO hot VALUES (0, 0), (1, 0)")
	mustExec(t, ctx, setup, "CREATE TABLE marks (id bigint PRIMARY KEY)")
	mustExec(t, ctx, setup, "CREATE TABLE reg (k int PRIMARY KEY, v bigint NOT NULL)")
	const keys = 4
	for k := range keys {
		mustExec(t, ctx, setup, "INSERT INTO reg VALUES ($1, 0)", k)
	}
	for id := range nc.Nodes {
		nc.mustCatchUp(ctx, id)
	}

	w := &partWorkload{nc: nc, outcome: map[int64]string{}, decided: map[int64]string{},
		txids: map[int64]int64{}, settled: map[int64]string{}}
	h := &registerHistory{start: time.Now(), stats: map[string]int{}, pause: &w.pause}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() { w.inserter(ctx, uint64(i%3+1), i, stop) })
	}
	for i := range 3 {
		wg.Go(func() { w.conflicter(ctx, uint64(i%3+1), i, stop) })
	}
	for i := range 2 {
		wg.Go(func() { w.localReader(ctx, uint64(i%3+1), stop) })
	}
	for cl := range 6 {
		wg.Go(func() { runRegisterClient(ctx, nc.Cluster, h, cl, 6, keys, stop) })
	}
	time.Sleep(time.Second)

	var report []string
	for round := range rounds {
		for _, f := range faults {
			line := w.runFault(ctx, t, f, round, hold)
			fmt.Println(line)
			report = append(report, line)
		}
	}
	close(stop)
	wg.Wait()

	// Outcomes decided as absent must stay absent: nothing the client was
	// told failed, or found missing after the heal, commits later; and
	// every 40003 is settled, its rows agreeing with txid_status.
	final := w.settle(testCtx(t, 60*time.Second), t)
	rows := nc.mustConverge(testCtx(t, 60*time.Second), "SELECT id FROM ins UNION ALL SELECT id FROM marks ORDER BY 1")
	present := idSet(t, rows)
	w.mu.Lock()
	w.checkSettledLocked(t, present)
	w.mu.Unlock()
	t.Logf("40003s settled after the last fault: %v; in all: %d", sortedCounts(final), len(w.settled))
	late := 0
	for id, d := range w.decided {
		if d == "absent" && present[id] {
			late++
			t.Errorf("id %d (outcome %s) was absent after its fault healed but committed later", id, w.outcome[id])
		}
	}
	for _, l := range report {
		t.Log(l)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t.Logf("register history: %d operations, outcomes %v; outcomes decided absent that appeared later: %d", len(h.ops), h.stats, late)
	res, info := porcupine.CheckOperationsVerbose(registerModel, h.ops, 2*time.Minute)
	switch res {
	case porcupine.Ok:
		t.Log("register history is linearizable")
	case porcupine.Unknown:
		t.Log("porcupine timed out: the register history is neither proven linearizable nor refuted")
	default:
		path := filepath.Join(t.TempDir(), "history.html")
		if f, err := os.Create(path); err == nil {
			porcupine.Visualize(registerModel, info, f)
			f.Close()
		}
		t.Errorf("register history is not linearizable (visualization: %s)", path)
	}
}

// partWorkload records every client operation with its node and times.
type partWorkload struct {
	nc *netnsCluster
	// pause: each client operation holds it shared; the convergence
	// checks after a heal hold it exclusively, so the nodes are compared
	// while nothing is written (a write between the reads of the three
	// nodes would make them differ forever).
	pause   sync.RWMutex
	mu      sync.Mutex
	events  []partEvent
	outcome map[int64]string // insert / transaction id → "ok", "40001", "40003", "conn" …
	decided map[int64]string // unknown outcomes, as found after their fault healed: "present" / "absent"
	txids   map[int64]int64  // the transaction id each 40003 named (cluster_txid_test.go)
	settled map[int64]string // txid_status of those: "committed" / "aborted"
}

type partEvent struct {
	node       uint64
	kind       string // insert, txn, local-read
	start, end time.Time
	code       string // "" ok, a SQLSTATE, or "conn"
}

func (w *partWorkload) record(node uint64, kind string, start time.Time, id int64, err error) {
	code := ""
	if err != nil {
		if code = sqlState(err); code == "" {
			code = "conn"
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, partEvent{node: node, kind: kind, start: start, end: time.Now(), code: code})
	if id != 0 {
		if code == "" {
			w.outcome[id] = "ok"
		} else {
			w.outcome[id] = code
		}
		if x, ok := txidOf40003(err); ok {
			w.txids[id] = x
		}
	}
}

// settle asks txid_status for every 40003 not settled yet, on the
// leader, and returns how many were settled as what. A 40003 that names
// no id, or whose status is neither committed nor aborted, is an error.
func (w *partWorkload) settle(ctx context.Context, t *testing.T) map[string]int {
	w.mu.Lock()
	todo := map[int64]int64{}
	for id, o := range w.outcome {
		if o != "40003" {
			continue
		}
		if _, done := w.settled[id]; done {
			continue
		}
		x, ok := w.txids[id]
		if !ok {
			w.settled[id] = "unsettled"
			t.Errorf("operation %d got a 40003 that names no transaction id", id)
			continue
		}
		todo[id] = x
	}
	w.mu.Unlock()
	counts := map[string]int{}
	leader := w.nc.mustLeader(ctx)
	for id, x := range todo {
		st, err := settleTxid(ctx, func(ctx context.Context) (*pgx.Conn, error) { return w.nc.connect(ctx, leader) }, x)
		if err != nil || st != "committed" && st != "aborted" {
			t.Errorf("txid_status(%d) of operation %d: %q, %v; want committed or aborted", x, id, st, err)
			st = "unsettled"
		}
		counts[st]++
		w.mu.Lock()
		w.settled[id] = st
		w.mu.Unlock()
	}
	return counts
}

// checkSettledLocked compares each settled 40003 with the rows present: a
// committed one must be there, an aborted one must not (ever: it is also
// recorded as decided absent).
func (w *partWorkload) checkSettledLocked(t *testing.T, present map[int64]bool) {
	for id, st := range w.settled {
		switch {
		case st == "committed" && !present[id]:
			t.Errorf("operation %d: txid_status said committed, but it is absent", id)
		case st == "aborted" && present[id]:
			t.Errorf("operation %d: txid_status said aborted, but it committed", id)
		}
	}
}

// client keeps a connection to node (reconnecting to the same node).
func (w *partWorkload) client(ctx context.Context, node uint64, stop chan struct{}, local bool, op func(conn *pgx.Conn) error) {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if conn == nil {
			var err error
			if conn, err = w.nc.connect(ctx, node); err != nil {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if local {
				if _, err := conn.Exec(ctx, "SET logdb.read_consistency = 'local'"); err != nil {
					conn.Close(context.Background())
					conn = nil
					continue
				}
			}
		}
		w.pause.RLock()
		err := op(conn)
		w.pause.RUnlock()
		if err != nil && (conn.IsClosed() || sqlState(err) == "") {
			conn.Close(context.Background())
			conn = nil
		}
	}
}

func (w *partWorkload) inserter(ctx context.Context, node uint64, i int, stop chan struct{}) {
	seq := int64(i+1) * 1_000_000_000
	w.client(ctx, node, stop, false, func(conn *pgx.Conn) error {
		seq++
		start := time.Now()
		octx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_, err := conn.Exec(octx, "INSERT INTO ins VALUES ($1, $2)", seq, node)
		w.record(node, "insert", start, seq, err)
		return err
	})
}

// conflicter runs read-modify-write transactions on two hot rows, each
// leaving a mark: a transaction that failed with 40001 must leave none.
func (w *partWorkload) conflicter(ctx context.Context, node uint64, i int, stop chan struct{}) {
	seq := int64(i+1)*1_000_000_000 + 500_000_000
	rng := rand.New(rand.NewPCG(uint64(i), 19))
	w.client(ctx, node, stop, false, func(conn *pgx.Conn) error {
		seq++
		start := time.Now()
		octx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		k := rng.IntN(2)
		err := pgx.BeginFunc(octx, conn, func(tx pgx.Tx) error {
			var v int64
			if err := tx.QueryRow(octx, "SELECT v FROM hot WHERE k = $1", k).Scan(&v); err != nil {
				return err
			}
			if _, err := tx.Exec(octx, "UPDATE hot SET v = $2 WHERE k = $1", k, v+1); err != nil {
				return err
			}
			_, err := tx.Exec(octx, "INSERT INTO marks VALUES ($1)", seq)
			return err
		})
		w.record(node, "txn", start, seq, err)
		return err
	})
}

func (w *partWorkload) localReader(ctx context.Context, node uint64, stop chan struct{}) {
	w.client(ctx, node, stop, true, func(conn *pgx.Conn) error {
		start := time.Now()
		octx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		var n int64
		err := conn.QueryRow(octx, "SELECT count(*) FROM ins").Scan(&n)
		w.record(node, "local-read", start, 0, err)
		time.Sleep(20 * time.Millisecond)
		return err
	})
}

// runFault injects f, holds it, heals, measures, checks and returns the
// report line.
func (w *partWorkload) runFault(ctx context.Context, t *testing.T, f partFault, round int, hold time.Duration) string {
	t.Helper()
	nc := w.nc
	leader := nc.mustLeader(ctx)
	at := time.Now()
	minority := f.inject(nc, leader)
	time.Sleep(hold)
	nc.heal()
	healed := time.Now()

	// After the heal: when does each node serve a linearizable read, and
	// how long do two nodes both claim to lead?
	serve := map[uint64]time.Duration{}
	var dual time.Duration
	var dualSince time.Time
	var serveMu sync.Mutex
	var wg sync.WaitGroup
	for id := range nc.Nodes {
		wg.Go(func() {
			for time.Since(healed) < 30*time.Second && ctx.Err() == nil {
				conn, err := nc.connect(ctx, id)
				if err == nil {
					rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					_, err = conn.Exec(rctx, "SELECT count(*) FROM reg")
					cancel()
					conn.Close(context.Background())
				}
				if err == nil {
					serveMu.Lock()
					serve[id] = time.Since(healed)
					serveMu.Unlock()
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	for time.Since(healed) < 3*time.Second {
		leaders := 0
		for id := range nc.Nodes {
			ms, err := nc.members(ctx, id)
			if err != nil {
				continue
			}
			for _, m := range ms {
				if m.id == id && m.role == "leader" {
					leaders++
				}
			}
		}
		switch {
		case leaders > 1 && dualSince.IsZero():
			dualSince = time.Now()
		case leaders <= 1 && !dualSince.IsZero():
			dual += time.Since(dualSince)
			dualSince = time.Time{}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !dualSince.IsZero() {
		dual += time.Since(dualSince)
	}
	if chaos() && dual > time.Second {
		t.Errorf("%s: two nodes claimed to lead for %v after the heal (at most an election timeout, 1 s)", f.name, dual.Round(time.Millisecond))
	}
	wg.Wait()

	// Convergence (a divergence fails mustConverge), then the checks.
	cctx := testCtx(t, 60*time.Second)
	w.pause.Lock()
	nc.mustConverge(cctx, "SELECT count(*), coalesce(sum(id), 0) FROM ins")
	nc.mustConverge(cctx, "SELECT count(*), coalesce(sum(id), 0) FROM marks")
	nc.mustConverge(cctx, "SELECT k, v FROM reg ORDER BY k")
	w.pause.Unlock()
	// Every 40003 so far is settled before the rows are read: an answer
	// is final, so the rows must agree with it.
	settled := w.settle(cctx, t)
	// Outcomes as known before the query: a commit acknowledged after it
	// started need not be in its result.
	w.mu.Lock()
	outcomes := maps.Clone(w.outcome)
	w.mu.Unlock()
	conn, err := nc.connect(cctx, nc.mustLeader(cctx))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := queryTextErr(cctx, conn, "SELECT id FROM ins UNION ALL SELECT id FROM marks ORDER BY 1")
	conn.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	present := idSet(t, rows)

	w.mu.Lock()
	defer w.mu.Unlock()
	w.checkSettledLocked(t, present)
	lost, failedCommitted := 0, 0
	unknown := map[string]int{}
	for id, o := range outcomes {
		switch {
		case o == "ok":
			if !present[id] {
				lost++
				t.Errorf("%s: acknowledged id %d is missing", f.name, id)
			}
		case o == "40001":
			if present[id] {
				failedCommitted++
				t.Errorf("%s: id %d failed with 40001 but committed", f.name, id)
			}
		default:
			if _, done := w.decided[id]; done {
				continue
			}
			d := "absent"
			if present[id] {
				d = "present"
			}
			w.decided[id] = d
			unknown[o+" "+d]++
		}
	}
	majority := map[uint64]bool{}
	for id := range nc.Nodes {
		majority[id] = true
	}
	for _, id := range minority {
		majority[id] = false
	}
	var acks []time.Time
	got := map[uint64]map[string]int{}
	for _, e := range w.events {
		if e.end.Before(at) || e.start.After(healed) {
			continue
		}
		if e.kind == "insert" && e.code == "" && majority[e.node] {
			acks = append(acks, e.end)
		}
		if !majority[e.node] {
			if got[e.node] == nil {
				got[e.node] = map[string]int{}
			}
			code := e.code
			if code == "" {
				code = "ok"
			}
			got[e.node][e.kind+" "+code]++
		}
	}
	sort.Slice(acks, func(i, j int) bool { return acks[i].Before(acks[j]) })
	gap, prev := time.Duration(0), at
	for _, a := range acks {
		gap, prev = max(gap, a.Sub(prev)), a
	}
	gap = max(gap, healed.Sub(prev))
	// After the heal: the longest wait between acknowledged inserts (any
	// node) in the first 3 s (the writers run on until the convergence check), while a cut-off node catches up — which
	// must not stall the leader's commits.
	var after []time.Time
	for _, e := range w.events {
		if e.kind == "insert" && e.code == "" && e.end.After(healed) && e.end.Before(healed.Add(3*time.Second)) {
			after = append(after, e.end)
		}
	}
	sort.Slice(after, func(i, j int) bool { return after[i].Before(after[j]) })
	afterGap, gapEnd := time.Duration(0), healed
	for i, a := range after {
		prev := healed
		if i > 0 {
			prev = after[i-1]
		}
		if a.Sub(prev) > afterGap {
			afterGap, gapEnd = a.Sub(prev), a
		}
	}

	var sb strings.Builder
	fmt.Fprintf(&sb, "partition %d/%s (leader was %d, minority %v, held %v; healed at %s): majority write gap %v; write gap after the heal %v (ending %v after it; %d inserts in its first 3 s); ",
		round+1, f.name, leader, minority, hold, healed.UTC().Format("15:04:05.000"), gap.Round(time.Millisecond),
		afterGap.Round(time.Millisecond), gapEnd.Sub(healed).Round(time.Millisecond), len(after))
	for _, id := range minority {
		fmt.Fprintf(&sb, "node %d's clients got %v; ", id, sortedCounts(got[id]))
	}
	fmt.Fprintf(&sb, "acknowledged lost %d; 40001 committed %d; unknown outcomes %v; 40003 settled by txid_status %v; divergence none; two leaders for %v after the heal; serving again after",
		lost, failedCommitted, sortedCounts(unknown), sortedCounts(settled), dual.Round(time.Millisecond))
	for _, id := range otherThan(nc, 0) {
		if d, ok := serve[id]; ok {
			fmt.Fprintf(&sb, " node %d %v", id, d.Round(time.Millisecond))
			if chaos() && d > 2*time.Second { // a bound only for the long runs: make test asserts no timing
				t.Errorf("%s: node %d served linearizable reads only %v after the heal (at most 2 s)", f.name, id, d.Round(time.Millisecond))
			}
		} else {
			fmt.Fprintf(&sb, " node %d never", id)
			t.Errorf("%s: node %d did not serve a linearizable read within 30 s of the heal", f.name, id)
		}
	}
	return sb.String()
}

func idSet(t *testing.T, rows string) map[int64]bool {
	t.Helper()
	present := map[int64]bool{}
	for _, line := range strings.Split(rows, "\n") {
		if line == "" {
			continue
		}
		id, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			t.Fatalf("bad id %q", line)
		}
		present[id] = true
	}
	return present
}

func sortedCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
