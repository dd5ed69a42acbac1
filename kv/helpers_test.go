package kv

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

var quietLogger = slog.New(slog.DiscardHandler)

func mustOpen(t testing.TB) *Store {
	t.Helper()
	return mustOpenPath(t, filepath.Join(t.TempDir(), "state.db"))
}

func mustOpenPath(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{NoSync: true, InitialMmapSize: 16 << 20, Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustBegin(t testing.TB, s *Store) *Txn {
	t.Helper()
	txn, err := s.Begin()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(txn.Release)
	return txn
}

// mustApply applies cmds as the next entries and returns their results.
func mustApply(t testing.TB, s *Store, cmds ...*Command) []Result {
	t.Helper()
	entries := make([]Entry, len(cmds))
	next := s.AppliedIndex() + 1
	for i, c := range cmds {
		entries[i] = Entry{Index: next + uint64(i)}
		if c != nil {
			entries[i].Data = EncodeCommand(c)
		}
	}
	res, err := s.Apply(entries)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// commit releases txn and applies its command alone, returning its error.
func commit(t testing.TB, s *Store, txn *Txn) error {
	t.Helper()
	c := txn.Command(0)
	txn.Release()
	return mustApply(t, s, c)[0].Err
}

func mustCommit(t testing.TB, s *Store, txn *Txn) {
	t.Helper()
	if err := commit(t, s, txn); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func mustConflict(t testing.TB, s *Store, txn *Txn) {
	t.Helper()
	if err := commit(t, s, txn); !errors.Is(err, ErrConflict) {
		t.Fatalf("commit: got %v, want ErrConflict", err)
	}
}

func mustGet(t testing.TB, txn *Txn, sp Space, key string) (string, bool) {
	t.Helper()
	v, ok, err := txn.Get(sp, []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return string(v), ok
}

// put writes key=value in space sp through a fresh transaction.
func put(t testing.TB, s *Store, sp Space, kvs ...string) {
	t.Helper()
	txn := mustBegin(t, s)
	for i := 0; i+1 < len(kvs); i += 2 {
		txn.Put(sp, []byte(kvs[i]), []byte(kvs[i+1]), nil)
	}
	mustCommit(t, s, txn)
}

// scanAll returns "k=v" pairs of a scan and closes the iterator.
func scanAll(t testing.TB, txn *Txn, sp Space, start, end string, reverse bool) []string {
	t.Helper()
	var s, e []byte
	if start != "" {
		s = []byte(start)
	}
	if end != "" {
		e = []byte(end)
	}
	it := txn.Scan(sp, s, e, reverse)
	defer it.Close()
	var out []string
	for it.Next() {
		out = append(out, string(it.Key())+"="+string(it.Value()))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dump returns every bucket's keys and stored values (versions and
// tombstones included) in a canonical text form.
func dump(t testing.TB, s *Store) string {
	t.Helper()
	var buf bytes.Buffer
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			fmt.Fprintf(&buf, "bucket %x\n", name)
			return b.ForEach(func(k, v []byte) error {
				fmt.Fprintf(&buf, "  %x = %x\n", k, v)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// checkValidationShortcuts makes Apply verify every validation shortcut
// against a full check for the rest of the test.
func checkValidationShortcuts(t testing.TB) {
	checkShortcuts = true
	t.Cleanup(func() { checkShortcuts = false })
}
