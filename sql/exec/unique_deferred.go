package exec

import (
	"logdb/sql/catalog"
	"logdb/sql/types"
)

// Deferrable unique constraints. Their index keeps every row's entry
// under (key, primary key), as a non-unique index does, so two rows may
// hold one key for a while; each row written queues a check of its key in
// the transaction's constraint queue (FKQueue, shared with foreign keys
// and SET CONSTRAINTS), run at the end of the statement (INITIALLY
// IMMEDIATE) or at COMMIT (INITIALLY DEFERRED, or SET CONSTRAINTS …
// DEFERRED). The check is a range read of the key's entries: optimistic
// concurrency validates it at apply like any read, so two transactions
// committing one key cannot both succeed.

type uniqueCheck struct {
	w      *TableWriter
	ix     *catalog.Index
	prefix []byte        // the key's elements, without the primary key
	row    []types.Datum // the row written, for the error's DETAIL
}

// queueUniqueChecks queues the checks of a new row version's keys in the
// table's deferrable unique indexes.
func (w *TableWriter) queueUniqueChecks(ec *Ctx, row []types.Datum, pk []byte) error {
	if ec.Txn == nil {
		return nil
	}
	for _, ix := range w.T.Indexes {
		if !ix.Deferrable || !ix.Unique {
			continue
		}
		cp := *ix
		cp.Deferrable = false
		k, unique, in, err := w.IndexEntry(ec, &cp, row, pk)
		if err != nil {
			return err
		}
		if !unique || !in {
			continue // a NULL in the key, or outside a partial index
		}
		ec.Txn.FK.pending = append(ec.Txn.FK.pending, fkEvent{
			u: &uniqueCheck{w: w, ix: ix, prefix: k, row: append([]types.Datum(nil), row...)}})
	}
	return nil
}

// runUniqueCheck fails with 23505 when more than one row holds the key.
func (ec *Ctx) runUniqueCheck(u *uniqueCheck) error {
	defer ec.CheckingReads()()
	it := ec.Txn.Kv.Scan(u.ix.Space, u.prefix, prefixEnd(u.prefix), false)
	defer it.Close()
	n := 0
	for it.Next() {
		if n++; n > 1 {
			return u.w.IndexUniqueErr(ec, u.ix, u.row)
		}
	}
	return it.Err()
}
