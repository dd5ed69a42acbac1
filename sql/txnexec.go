package sql

import "logdb/kv"

// txnExec is what running a plan uses of its transaction: the kv.Txn and
// the counts of rows it changed and read per table (pg_stat_*; stats.go).
type txnExec struct {
	kv      *kv.Txn      // nil until a statement needs data
	rows    []rowCounts  // rows changed per table, for pg_stat_* (stats.go)
	rowsBuf [2]rowCounts // rows' first backing array: no allocation for one or two tables
}

// rowCounts are one transaction's row changes to one table, and its
// scans of it.
type rowCounts struct {
	oid                                 uint32
	ins, upd, del                       int64
	seqScan, seqRead, idxScan, idxFetch int64
}

// Row change kinds for txnExec.countRow.
const (
	rowInserted = iota
	rowUpdated
	rowDeleted
)

// countRow records a row change in the transaction (a few tables per
// transaction: a linear search).
func (t *txnExec) countRow(oid uint32, kind int) {
	i := t.statsFor(oid)
	switch kind {
	case rowInserted:
		t.rows[i].ins++
	case rowUpdated:
		t.rows[i].upd++
	default:
		t.rows[i].del++
	}
}

// statsFor returns the position of table oid's counts in t.rows, adding
// them when missing.
func (t *txnExec) statsFor(oid uint32) int {
	i := 0
	for i < len(t.rows) && t.rows[i].oid != oid {
		i++
	}
	if i == len(t.rows) {
		if t.rows == nil {
			t.rows = t.rowsBuf[:0]
		}
		t.rows = append(t.rows, rowCounts{oid: oid})
	}
	return i
}
