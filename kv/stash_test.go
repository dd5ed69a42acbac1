package kv

import (
	"slices"
	"testing"
)

// TestStashRestore: a stash takes the writes since a savepoint out (reads
// see the buffer as it was) and Restore puts them back with the original
// before images, so the command is the same as without the stash.
func TestStashRestore(t *testing.T) {
	s := mustOpen(t)
	put(t, s, tbl, "a", "1", "b", "2")
	txn := mustBegin(t, s)
	txn.Put(tbl, []byte("a"), []byte("10"), []byte("1"))
	sp := txn.Savepoint()
	txn.Put(tbl, []byte("a"), []byte("11"), []byte("10"))
	txn.Delete(tbl, []byte("b"), []byte("2"))
	txn.Put(tbl, []byte("c"), []byte("3"), nil)
	txn.Put(tbl, []byte("c"), []byte("4"), nil)
	txn.Emit(Message{Transactional: true, Prefix: "p", Content: []byte("m")})
	st := txn.StashSince(sp)
	if got := scanAll(t, txn, tbl, "", "", false); !slices.Equal(got, []string{"a=10", "b=2"}) {
		t.Fatalf("after the stash %v", got)
	}
	txn.Put(tbl, []byte("d"), []byte("5"), nil)
	if err := txn.Restore(st); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, txn, tbl, "", "", false); !slices.Equal(got, []string{"a=11", "c=4", "d=5"}) {
		t.Fatalf("after restore %v", got)
	}
	c := txn.Command(0)
	if len(c.Messages) != 1 || len(c.Writes) != 4 {
		t.Fatalf("command %+v", c)
	}
	for _, w := range c.Writes {
		if string(w.Key) == "a" && string(w.Before) != "1" || string(w.Key) == "b" && (!w.Delete || string(w.Before) != "2") {
			t.Fatalf("write %+v", w)
		}
	}
}
