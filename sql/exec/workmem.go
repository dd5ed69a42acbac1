package exec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Memory bounds for the operators that hold rows (sort, hash aggregate,
// DISTINCT, hash-join build side, set operations, window input, WITH
// results and recursive working tables, sub-query results): each operator
// of a statement holds at most work_mem, as in PostgreSQL, and all of a
// statement's operators together at most Config.MaxStatementMemory.
// PostgreSQL spills to temporary files beyond work_mem; logdb's sorts do
// (sort.go), the others fail the statement with 53200 instead,
// before the process grows without bound. The sizes are estimates of the Go heap a
// row takes (slice and interface headers plus the value's bytes), counted
// as rows are added; nothing is given back until the operator's statement
// ends.

// DefaultWorkMem is work_mem's default, in kB (64 MB).
const DefaultWorkMem = 64 << 10

// memBudget counts the bytes one operator holds against work_mem and the
// statement's total. Owned by the statement's goroutine.
type memBudget struct {
	ec    *Ctx
	what  string // "sort", "hash aggregate", ... for the error's detail
	used  int64
	limit int64
}

// budget starts the accounting of one operator of ec's statement.
func (ec *Ctx) Budget(what string) *memBudget {
	if ec.workMem == 0 {
		kb, err := ParseMemoryKB(ec.Host.Setting("work_mem"))
		if err != nil || kb <= 0 {
			kb = DefaultWorkMem
		}
		ec.workMem = kb << 10
	}
	return &memBudget{ec: ec, what: what, limit: ec.workMem}
}

// add counts n more bytes; past work_mem or the statement's limit it
// fails with 53200.
func (b *memBudget) add(n int64) error {
	if b == nil {
		return nil // not counted (a window's aggregate state, a constant list)
	}
	b.used += n
	b.ec.memUsed += n
	if b.used > b.limit {
		return &pgerror.Error{Code: pgerror.OutOfMemory, Message: "out of memory",
			Detail: fmt.Sprintf("The %s needs more than work_mem (%s), and logdb does not spill it to temporary files.", b.what, formatMemoryKB(b.limit>>10)),
			Hint:   "Raise work_mem (SET work_mem = '256MB'), or make the query hold fewer rows."}
	}
	if max := b.ec.Limits.MaxStatementMemory; b.ec.memUsed > max {
		return &pgerror.Error{Code: pgerror.OutOfMemory, Message: "out of memory",
			Detail: fmt.Sprintf("The statement's operators need more than %d bytes together, the limit set by logdb start --max-statement-memory.", max),
			Hint:   "Make the query hold fewer rows, or raise --max-statement-memory."}
	}
	return nil
}

// addRow counts a row the operator keeps.
func (b *memBudget) addRow(row []types.Datum) error {
	if b == nil {
		return nil
	}
	return b.add(rowSize(row))
}

// release gives back everything counted (an operator that rebuilds its
// rows, such as a LATERAL item read again for each outer row).
func (b *memBudget) release() {
	if b == nil {
		return
	}
	b.ec.memUsed -= b.used
	b.used = 0
}

// rowSize estimates the heap a row takes: its slice, one interface per
// value and what each value points to.
func rowSize(row []types.Datum) int64 {
	n := int64(24 + 16*len(row))
	for _, d := range row {
		n += datumSize(d)
	}
	return n
}

func datumSize(d types.Datum) int64 {
	switch v := d.(type) {
	case nil, bool:
		return 0
	case int64, float64, types.Date, types.LSN:
		return 8
	case string:
		return 16 + int64(len(v))
	case types.JSON:
		return 16 + int64(len(v))
	case types.JSONB:
		return 16 + int64(len(v))
	case []byte:
		return 24 + int64(len(v))
	case time.Time:
		return 24
	case types.Interval, types.UUID:
		return 16
	case *apd.Decimal:
		return 48 + 8*int64(len(v.Coeff.Bits()))
	case types.Array:
		n := int64(64 + 16*len(v.Elements))
		for _, e := range v.Elements {
			n += datumSize(e)
		}
		return n
	case types.Record:
		return rowSize(v.Values)
	}
	return 32
}

// ParseMemoryKB reads a memory setting as PostgreSQL does: a number of kB,
// or a number with one of the units B, kB, MB, GB, TB (case-sensitive),
// rounded to the nearest kB.
func ParseMemoryKB(v string) (int64, error) {
	s := strings.TrimSpace(v)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '-' || s[i] == '+') {
		i++
	}
	n, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, errInvalidMemory(v, "")
	}
	mult := map[string]float64{"": 1, "B": 1.0 / 1024, "kB": 1, "MB": 1 << 10, "GB": 1 << 20, "TB": 1 << 30}
	m, ok := mult[strings.TrimSpace(s[i:])]
	if !ok {
		return 0, errInvalidMemory(v, `Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".`)
	}
	kb := math.Round(n * m)
	if kb > math.MaxInt32 || kb < math.MinInt32 {
		return 0, errInvalidMemory(v, "Value exceeds integer range.")
	}
	return int64(kb), nil
}

func errInvalidMemory(v, hint string) error {
	return &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: fmt.Sprintf("invalid value for parameter \"work_mem\": %q", v), Hint: hint}
}

// formatMemoryKB prints kB as SHOW does: in the largest unit that divides
// it exactly.
func formatMemoryKB(kb int64) string {
	for _, u := range []struct {
		name string
		kb   int64
	}{{"TB", 1 << 30}, {"GB", 1 << 20}, {"MB", 1 << 10}} {
		if kb != 0 && kb%u.kb == 0 {
			return strconv.FormatInt(kb/u.kb, 10) + u.name
		}
	}
	return strconv.FormatInt(kb, 10) + "kB"
}

// CheckWorkMem normalizes a work_mem value to SHOW's form; PostgreSQL's
// range is 64 kB to 2147483647 kB.
func CheckWorkMem(v string) (string, error) {
	kb, err := ParseMemoryKB(v)
	if err != nil {
		return "", err
	}
	if kb < 64 {
		return "", pgerror.New(pgerror.InvalidParameterValue, "%d kB is outside the valid range for parameter \"work_mem\" (64 .. 2147483647)", kb)
	}
	return formatMemoryKB(kb), nil
}

// runNodeIn runs n to the end, counting each row it keeps against b.
func runNodeIn(ec *Ctx, n Node, b *memBudget) ([][]types.Datum, error) {
	it, err := n.Start(ec)
	if err != nil {
		return nil, err
	}
	return DrainIn(it, b)
}

// DrainIn reads every row of it, counting each against b, and closes it.
func DrainIn(it Iterator, b *memBudget) ([][]types.Datum, error) {
	defer it.Close()
	var out [][]types.Datum
	for {
		r, err := it.Next()
		if err != nil {
			return nil, err
		}
		if r == nil {
			return out, nil
		}
		if err := b.addRow(r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
}

// Keep counts a row an owner outside this package keeps (a scrollable
// cursor's rows read so far); past the budget it fails with 53200.
func (b *memBudget) Keep(row []types.Datum) error { return b.addRow(row) }

// MemBudget is a memory budget made by Ctx.Budget, as callers outside
// this package hold it.
type MemBudget = memBudget
