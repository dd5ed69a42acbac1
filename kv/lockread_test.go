package kv

import "testing"

// TestSuppressReads: a scan and Gets of a suppressed space record
// nothing, RecordRead records the locked row, so a concurrent change of
// another row of the range does not fail the commit and one of the
// locked row does.
func TestSuppressReads(t *testing.T) {
	s := mustOpen(t)
	sp := FirstUserSpace
	put(t, s, sp, "j1", "ready", "j2", "ready", "j3", "ready")

	txn := mustBegin(t, s)
	restore := txn.SuppressReads([]Space{sp})
	if got := scanAll(t, txn, sp, "", "", false); len(got) != 3 {
		t.Fatalf("scan: %v", got)
	}
	mustGet(t, txn, sp, "j3")
	restore()
	txn.RecordRead(sp, []byte("j1"))
	txn.Put(sp, []byte("j1"), []byte("taken"), nil)
	put(t, s, sp, "j2", "taken by another") // another worker's job
	mustCommit(t, s, txn)

	txn = mustBegin(t, s)
	restore = txn.SuppressReads([]Space{sp})
	scanAll(t, txn, sp, "", "", false)
	restore()
	txn.RecordRead(sp, []byte("j3"))
	txn.Put(sp, []byte("j3"), []byte("taken"), nil)
	put(t, s, sp, "j3", "changed meanwhile")
	mustConflict(t, s, txn)

	// without suppression the scan's range is validated as before
	txn = mustBegin(t, s)
	scanAll(t, txn, sp, "", "", false)
	txn.Put(sp, []byte("j9"), []byte("x"), nil)
	put(t, s, sp, "j2", "again")
	mustConflict(t, s, txn)
}
