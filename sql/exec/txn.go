package exec

import "logdb/kv"

// Txn is what running a plan uses of its transaction: the kv.Txn and
// the counts of rows it changed and read per table (pg_stat_*; stats.go).
type Txn struct {
	Kv      *kv.Txn      // nil until a statement needs data
	Rows    []RowCounts  // rows changed per table, for pg_stat_* (stats.go)
	rowsBuf [2]RowCounts // rows' first backing array: no allocation for one or two tables
	FK      FKQueue      // foreign key events waiting for the statement's end or COMMIT (fk.go)
	// AfterRow are AFTER ROW trigger events waiting for their
	// statement's end (trigger.go).
	AfterRow []TriggerEvent
}

// RowCounts are one transaction's row changes to one table, and its
// scans of it.
type RowCounts struct {
	Oid                                 uint32
	Ins, Upd, Del                       int64
	SeqScan, SeqRead, IdxScan, IdxFetch int64
}

// Row change kinds for Txn.countRow.
const (
	rowInserted = iota
	RowUpdated
	rowDeleted
)

// countRow records a row change in the transaction (a few tables per
// transaction: a linear search).
func (t *Txn) CountRow(oid uint32, kind int) {
	i := t.statsFor(oid)
	switch kind {
	case rowInserted:
		t.Rows[i].Ins++
	case RowUpdated:
		t.Rows[i].Upd++
	default:
		t.Rows[i].Del++
	}
}

// statsFor returns the position of table oid's counts in t.rows, adding
// them when missing.
func (t *Txn) statsFor(oid uint32) int {
	i := 0
	for i < len(t.Rows) && t.Rows[i].Oid != oid {
		i++
	}
	if i == len(t.Rows) {
		if t.Rows == nil {
			t.Rows = t.rowsBuf[:0]
		}
		t.Rows = append(t.Rows, RowCounts{Oid: oid})
	}
	return i
}
