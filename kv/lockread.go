package kv

// Locking reads (SELECT … FOR UPDATE): a worker's scan for a free job
// would record its whole key range as read, so any job another worker
// took meanwhile would fail it at commit (ErrConflict). A locking read
// instead records only the rows it locked: sql suppresses the recording
// of the locked tables' spaces while the statement reads them
// (SuppressReads), then records each locked row (RecordRead). The row
// lock itself guarantees, at its grant, that the row is unchanged since
// the snapshot (package locks), and keeps it so while held.

// SuppressReads stops recording reads of spaces (Gets, and the ranges of
// iterators opened meanwhile) until the returned function is called.
// Calls nest.
func (t *Txn) SuppressReads(spaces []Space) (restore func()) {
	if t.unrecorded == nil {
		t.unrecorded = make(map[Space]int)
	}
	for _, sp := range spaces {
		t.unrecorded[sp]++
	}
	done := false
	return func() {
		if done {
			return
		}
		done = true
		for _, sp := range spaces {
			if t.unrecorded[sp]--; t.unrecorded[sp] <= 0 {
				delete(t.unrecorded, sp)
			}
		}
	}
}

// recording reports whether reads of space are recorded.
func (t *Txn) recording(space Space) bool { return t.unrecorded[space] == 0 }

// RecordRead records key of space as read (a locked row), whether or not
// reads of space are suppressed.
func (t *Txn) RecordRead(space Space, key []byte) {
	if t.tx == nil {
		return
	}
	if sb := t.spaces[space]; sb != nil {
		if _, found := sb.tree.Get(bufEntry{key: key}); found || sb.dropped {
			return // the transaction's own write: nothing to validate
		}
	}
	t.addRead(space, key)
}
