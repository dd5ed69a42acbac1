package test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/jackc/pgx/v5"
)

// chaos reports whether the long fault runs were asked for (LOGDB_CHAOS=1,
// `make chaos`).
func chaos() bool { return os.Getenv("LOGDB_CHAOS") != "" }

// A register workload for porcupine: a few keys, each a register holding an
// int64; writes carry unique values.
type regInput struct {
	write bool
	key   int
	val   int64
}

type regOutput struct {
	val int64
}

var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[int][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(regInput).key
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, ops := range byKey {
			out = append(out, ops)
		}
		return out
	},
	Init: func() any { return int64(0) },
	Step: func(state, input, output any) (bool, any) {
		in := input.(regInput)
		if in.write {
			return true, in.val
		}
		return output.(regOutput).val == state.(int64), state
	},
	DescribeOperation: func(input, output any) string {
		in := input.(regInput)
		if in.write {
			return fmt.Sprintf("write(%d, %d)", in.key, in.val)
		}
		return fmt.Sprintf("read(%d) → %d", in.key, output.(regOutput).val)
	},
}

// registerHistory collects operations from concurrent clients.
type registerHistory struct {
	// pause, if set, is held shared around each operation (the partition
	// suite stops the clients while it compares the nodes).
	pause *sync.RWMutex
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
	stats map[string]int
}

func (h *registerHistory) add(op porcupine.Operation, kind string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, op)
	h.stats[kind]++
}

func (h *registerHistory) count(kind string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stats[kind]++
}

// TestClusterLinearizableRegisters: clients on every node read and write
// four registers (reads are linearizable by default) while the leader is
// killed with SIGKILL and restarted; porcupine checks the history. A write
// that fails with 40001 (or was never sent) did not happen and is left
// out; one whose outcome is unknown (40003, a lost connection) gets an open
// return time. LOGDB_CHAOS=1 runs six faults, alternating kill -9 with
// pausing the leader (SIGSTOP for 2 s, then SIGCONT).
func TestClusterLinearizableRegisters(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	kills := 2
	if chaos() {
		kills = 6
	}
	checkRegisters(t, kills, func(i int) bool { return i%2 == 1 && chaos() })
}

// TestClusterLinearizableRegistersPaused is the register test with the
// leader paused (SIGSTOP for 2 s, then SIGCONT) instead of killed: a
// paused leader wakes up believing it still leads, and its read lease
// must have run out by the monotonic clock, not by its own ticks, which
// stopped with it.
func TestClusterLinearizableRegistersPaused(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	checkRegisters(t, 2, func(int) bool { return true })
}

// checkRegisters runs the register clients through kills leader faults,
// fault i a pause when pause(i) says so and a kill -9 otherwise, and has
// porcupine check the history.
func checkRegisters(t *testing.T, kills int, pause func(i int) bool) {
	clients, keys := 6, 4
	ctx := testCtx(t, time.Duration(60+kills*10)*time.Second)
	c := mustStartCluster(t, 3)
	setup := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, setup, "CREATE TABLE reg (k int PRIMARY KEY, v bigint NOT NULL)")
	for k := range keys {
		mustExec(t, ctx, setup, "INSERT INTO reg VALUES ($1, 0)", k)
	}

	h := &registerHistory{start: time.Now(), stats: map[string]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for cl := range clients {
		wg.Go(func() { runRegisterClient(ctx, c, h, cl, clients, keys, stop) })
	}
	time.Sleep(time.Second)
	for i := range kills {
		lead := c.mustLeader(ctx)
		if pause(i) {
			// A paused leader (SIGSTOP) wakes up believing it still leads:
			// it must not serve stale reads or commit alone.
			c.signal(lead, syscall.SIGSTOP)
			time.Sleep(2 * time.Second)
			c.signal(lead, syscall.SIGCONT)
		} else {
			c.Kill9(lead)
			time.Sleep(2 * time.Second)
			c.Restart(lead)
		}
		c.mustCatchUp(testCtx(t, 30*time.Second), lead)
		time.Sleep(500 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	h.mu.Lock()
	defer h.mu.Unlock()
	t.Logf("%d operations checked, %d leader faults; outcomes %v", len(h.ops), kills, h.stats)
	res, info := porcupine.CheckOperationsVerbose(registerModel, h.ops, time.Minute)
	switch res {
	case porcupine.Ok:
	case porcupine.Unknown:
		t.Logf("porcupine timed out: the history is neither proven linearizable nor refuted")
	default:
		path := filepath.Join(t.TempDir(), "history.html")
		if f, err := os.Create(path); err == nil {
			porcupine.Visualize(registerModel, info, f)
			f.Close()
		}
		t.Fatalf("history is not linearizable (visualization: %s)", path)
	}
}

// runRegisterClient issues one operation at a time until stop. After an
// operation with an unknown outcome it continues under a new client id, so
// no client has two operations open at once.
func runRegisterClient(ctx context.Context, c *Cluster, h *registerHistory, cl, clients, keys int, stop chan struct{}) {
	node := uint64(cl%len(c.Nodes) + 1)
	id := cl
	rng := rand.New(rand.NewPCG(uint64(cl), 7))
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for seq := int64(1); ; seq++ {
		select {
		case <-stop:
			return
		default:
		}
		if conn == nil {
			var err error
			if conn, err = c.connect(ctx, node); err != nil {
				node = node%uint64(len(c.Nodes)) + 1
				time.Sleep(20 * time.Millisecond)
				continue
			}
		}
		in := regInput{write: rng.IntN(2) == 0, key: rng.IntN(keys)}
		if h.pause != nil {
			h.pause.RLock()
		}
		call := time.Since(h.start).Nanoseconds()
		octx, cancel := context.WithTimeout(ctx, 10*time.Second)
		var out regOutput
		var err error
		if in.write {
			in.val = int64(cl)<<40 | seq
			_, err = conn.Exec(octx, "UPDATE reg SET v = $2 WHERE k = $1", in.key, in.val)
		} else {
			err = conn.QueryRow(octx, "SELECT v FROM reg WHERE k = $1", in.key).Scan(&out.val)
		}
		cancel()
		ret := time.Since(h.start).Nanoseconds()
		if h.pause != nil {
			h.pause.RUnlock()
		}
		settled := ""
		if err != nil && in.write && errOutcome(err) != "fail" {
			settled = settleRegisterWrite(ctx, c, err)
		}
		switch {
		case err == nil:
			h.add(porcupine.Operation{ClientId: id, Input: in, Call: call, Output: out, Return: ret}, "ok")
		case !in.write:
			h.count("read failed")
		case errOutcome(err) == "fail":
			h.count("write failed (" + sqlState(err) + ")")
		case settled == "aborted":
			h.count("write 40003 settled aborted")
		case settled == "committed":
			// It took effect between call and now.
			h.add(porcupine.Operation{ClientId: id, Input: in, Call: call, Output: out, Return: time.Since(h.start).Nanoseconds()}, "write 40003 settled committed")
		default:
			// It may take effect at any time after call.
			h.add(porcupine.Operation{ClientId: id, Input: in, Call: call, Output: out, Return: math.MaxInt64}, "write unknown")
			id += clients
		}
		if err != nil && (conn.IsClosed() || sqlState(err) == "") {
			conn.Close(context.Background())
			conn = nil
		}
	}
}

// settleRegisterWrite settles a write's 40003 with txid_status, asking the
// nodes in turn until one answers ("" when err is no 40003 naming an id).
// The answer is final, so asking twice gives the same one.
func settleRegisterWrite(ctx context.Context, c *Cluster, err error) string {
	x, ok := txidOf40003(err)
	if !ok {
		return ""
	}
	next := uint64(0)
	st, serr := settleTxid(ctx, func(ctx context.Context) (*pgx.Conn, error) {
		next = next%uint64(len(c.Nodes)) + 1
		return c.connect(ctx, next)
	}, x)
	if serr != nil {
		return ""
	}
	return st
}

// The checker has teeth: a read of an overwritten value after the write
// returned is rejected.
func TestRegisterModelRejectsStaleRead(t *testing.T) {
	ops := []porcupine.Operation{
		{ClientId: 0, Input: regInput{write: true, key: 1, val: 5}, Call: 0, Return: 10},
		{ClientId: 0, Input: regInput{write: true, key: 1, val: 6}, Call: 20, Return: 30},
		{ClientId: 1, Input: regInput{key: 1}, Output: regOutput{val: 5}, Call: 40, Return: 50},
	}
	if porcupine.CheckOperations(registerModel, ops) {
		t.Fatal("a stale read was accepted")
	}
	ops[2].Call = 25 // concurrent with the second write: fine
	if !porcupine.CheckOperations(registerModel, ops) {
		t.Fatal("a legal history was rejected")
	}
}
