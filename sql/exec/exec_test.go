package exec_test

import (
	"context"
	"math/rand/v2"
	"os"
	"sort"
	"testing"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/types"
)

// session is the Host of these runs: a session with a work_mem setting.
// It is the caller's side of exec.Host, not the code under test.
type session struct{ workMem string }

func (s session) CtxErr(ctx context.Context) error    { return ctx.Err() }
func (s session) NewRowID() int64                     { return 1 }
func (s session) CatalogSchema() *pgcatalog.Schema    { return nil }
func (s session) Setting(name string) string          { return map[string]string{"work_mem": s.workMem}[name] }
func (s session) TxnTooLarge(size, limit int64) error { return nil }
func (s session) Catalog() *catalog.Catalog           { return nil }
func (s session) ListeningChannels() []string         { return nil }
func (s session) RelationName(oid uint32) string      { return "" }

var int8T = types.T{OID: types.Int8OID, Mod: -1}

func newCtx(t *testing.T, workMem string) *exec.Ctx {
	return &exec.Ctx{Context: context.Background(), Host: session{workMem: workMem},
		Limits: &exec.Limits{TempDir: t.TempDir(), MaxStatementMemory: 1 << 30, MaxTxnBytes: 1 << 20},
		Ev:     &types.EvalContext{}}
}

// values is a two-column (k, g) ValuesNode of constants.
func values(rows [][2]int64) *exec.ValuesNode {
	n := &exec.ValuesNode{Cols: []exec.Column{{Name: "k", T: int8T}, {Name: "g", T: int8T}}}
	for _, r := range rows {
		n.Rows = append(n.Rows, []exec.Expr{&exec.ConstExpr{V: r[0], T: int8T}, &exec.ConstExpr{V: r[1], T: int8T}})
	}
	return n
}

func run(t *testing.T, ec *exec.Ctx, n exec.Node) [][]types.Datum {
	t.Helper()
	rows, err := exec.RunNode(ec, n)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// A sort larger than work_mem spills sorted runs to TempDir and merges
// them: the result is the fully sorted input (20,000 rows do not fit in
// 64kB, so without the spill the sort would fail with 53200), and no file
// stays behind.
func TestSortSpillsPastWorkMem(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var in [][2]int64
	for i := range 20000 {
		in = append(in, [2]int64{rng.Int64N(1000), int64(i)})
	}
	ec := newCtx(t, "64kB")
	out := run(t, ec, &exec.SortNode{Src: values(in), Keys: []exec.SortKey{{Idx: 0, T: int8T}, {Idx: 1, T: int8T}}})
	if len(out) != len(in) {
		t.Fatalf("%d rows out of %d", len(out), len(in))
	}
	if !sort.SliceIsSorted(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a[0].(int64) < b[0].(int64) || a[0].(int64) == b[0].(int64) && a[1].(int64) < b[1].(int64)
	}) {
		t.Fatal("not sorted")
	}
	if ents, _ := os.ReadDir(ec.Limits.TempDir); len(ents) != 0 {
		t.Fatalf("%d temporary files left", len(ents))
	}
}

// WITH TIES passes the rows equal to the limit-th one on the sort keys,
// and a plain LIMIT over the same sort does not.
func TestLimitWithTies(t *testing.T) {
	in := [][2]int64{{5, 1}, {1, 2}, {3, 3}, {3, 4}, {2, 5}, {3, 6}, {9, 7}}
	keys := []exec.SortKey{{Idx: 0, T: int8T}}
	two := &exec.ConstExpr{V: int64(3), T: int8T}
	ties := run(t, newCtx(t, "1MB"), &exec.LimitNode{Src: &exec.SortNode{Src: values(in), Keys: keys}, Limit: two, Ties: keys})
	if len(ties) != 5 || ties[4][0].(int64) != 3 {
		t.Fatalf("WITH TIES: %v", ties)
	}
	only := run(t, newCtx(t, "1MB"), &exec.LimitNode{Src: &exec.SortNode{Src: values(in), Keys: keys}, Limit: two})
	if len(only) != 3 {
		t.Fatalf("LIMIT: %v", only)
	}
	_, err := exec.RunNode(newCtx(t, "1MB"), &exec.LimitNode{Src: values(in), Limit: &exec.ConstExpr{T: int8T}, Ties: keys})
	if err == nil {
		t.Fatal("a NULL count WITH TIES was accepted")
	}
}
