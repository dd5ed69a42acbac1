package kv

import "bytes"

// A Stash holds buffered changes taken out of a transaction, to be put
// back later: SQL's data-modifying WITH queries run one after another,
// yet each (and the statement's main query) must read the transaction as
// it was when the statement began. Each query's writes are stashed after
// it runs and all are restored before the main query writes.
type Stash struct {
	writes   []stashedWrite
	messages []Message
	keys     map[string]bool // space + key of each write
	dels     map[string]bool // space + key of each write that deletes
}

// Deleted reports whether the stash's write of key in space deletes it.
func (s *Stash) Deleted(space Space, key []byte) bool {
	return s.dels[string(spaceBucketName(space))+string(key)]
}

// Has reports whether the stash holds a write of key in space.
func (s *Stash) Has(space Space, key []byte) bool {
	return s.keys[string(spaceBucketName(space))+string(key)]
}

type stashedWrite struct {
	space Space
	key   []byte
	value []byte
	del   bool
	merge bool
}

// StashSince takes the writes and messages made since savepoint sp out of
// the buffer (as RollbackTo does) and returns them: each key written with
// its latest value. Reads stay recorded. A savepoint taken after sp is no
// longer valid; sp itself stays valid. Dropped spaces are not stashed:
// StashSince returns nil, changing nothing, if a space was dropped since sp.
func (t *Txn) StashSince(sp int) *Stash {
	if sp < 0 || sp > len(t.undo) {
		return nil
	}
	seen := map[string]bool{}
	s := &Stash{keys: seen, dels: map[string]bool{}}
	for i := sp; i < len(t.undo); i++ {
		u := &t.undo[i]
		switch u.kind {
		case undoDrop:
			return nil
		case undoWrite:
			id := string(spaceBucketName(u.space)) + string(u.key)
			if seen[id] {
				continue
			}
			seen[id] = true
			e, ok := t.spaces[u.space].tree.Get(bufEntry{key: u.key})
			if !ok {
				continue
			}
			s.writes = append(s.writes, stashedWrite{space: u.space, key: bytes.Clone(e.key),
				value: bytes.Clone(e.value), del: e.del, merge: e.merge})
			if e.del {
				s.dels[id] = true
			}
		case undoMessage:
			// collected below, in order
		}
	}
	for i := sp; i < len(t.undo); i++ {
		if u := &t.undo[i]; u.kind == undoMessage {
			s.messages = append(s.messages, t.messages[u.prevLen:]...)
			break
		}
	}
	t.RollbackTo(sp)
	return s
}

// Restore writes a stash back into the buffer, as new writes.
func (t *Txn) Restore(s *Stash) error {
	if s == nil {
		return nil
	}
	for _, w := range s.writes {
		switch {
		case w.merge:
			if _, err := t.Merge(w.space, w.key, w.value); err != nil {
				return err
			}
		case w.del:
			t.Delete(w.space, w.key, nil)
		default:
			t.Put(w.space, w.key, w.value, nil)
		}
	}
	for _, m := range s.messages {
		t.Emit(m)
	}
	return nil
}
