package sql

import (
	"testing"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/extparse"
	"logdb/sql/parse"
	"logdb/sql/pgerror"
)

func TestCheckChangeCount(t *testing.T) {
	if err := checkChangeCount(&kv.Command{Writes: make([]kv.Write, 10)}, catalog.NewCatalog()); err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewCatalog()
	cat.AddTable(&catalog.Table{OID: 16384, Name: "t", Space: 100})
	const limit = 1000 // checkChangeCount uses changefeed.MaxSeq-1
	mk := func(rows, other, msgs int) *kv.Command {
		cmd := &kv.Command{Writes: make([]kv.Write, 0, rows+other), Messages: make([]kv.Message, msgs)}
		for i := 0; i < rows; i++ {
			cmd.Writes = append(cmd.Writes, kv.Write{Space: 100})
		}
		for i := 0; i < other; i++ {
			cmd.Writes = append(cmd.Writes, kv.Write{Space: 101}) // an index: no change
		}
		return cmd
	}
	if err := checkChangeLimit(mk(limit, 1000, 0), cat, limit); err != nil {
		t.Errorf("at the limit (index writes do not count): %v", err)
	}
	if err := checkChangeLimit(mk(limit, 0, 1), cat, limit); pgerror.Code(err) != pgerror.ProgramLimitExceeded {
		t.Errorf("one change over the limit: %v, want 54000", err)
	}
}

// FuzzParseExtension: the front parser never panics and, when it accepts a
// statement, describes it consistently.
func FuzzParseExtension(f *testing.F) {
	for _, s := range []string{
		"SUBSCRIBE orders", "COPY (SUBSCRIBE a, MESSAGES 'p' WITH (SLOT = 's')) TO STDOUT",
		"DECLARE c NO SCROLL CURSOR FOR SUBSCRIBE t WITH (SNAPSHOT = true)", "FETCH ALL IN c WITH (timeout = '1s')",
		"BEGIN; SUBSCRIBE t; COMMIT", "SUBSCRIBE \"x\"\"y\".z WITH (FROM_LSN = E'0/1')", "FETCH 1 c WITH (timeout = $$1s$$)",
		"SUBSCRIBE t -- comment\n WITH (progress = on) /* c */",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		stmts, ok, err := parse.ParseExtension(q)
		if !ok || err != nil {
			return
		}
		for _, s := range stmts {
			if s.Ext != nil && s.Ext.Kind != extparse.ExtFetch && s.Ext.Sub == nil {
				t.Fatalf("%q: %+v without a SUBSCRIBE spec", q, *s.Ext)
			}
		}
	})
}
