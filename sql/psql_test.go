package sql

import (
	"os"
	"strings"
	"testing"
)

// clientQueries extracts the "C> Query:" statements of a capture file.
func clientQueries(t *testing.T, path string) []string {
	b, err := os.ReadFile(path) // captures of what the clients send (testdata/clients)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	parts := strings.Split(string(b), "C> Query:\n")
	for _, p := range parts[1:] {
		end := len(p)
		for _, stop := range []string{"\n\n", "\n####"} {
			if i := strings.Index(p, stop); i >= 0 && i < end {
				end = i
			}
		}
		q := strings.TrimSpace(p[:end])
		if q != "" {
			out = append(out, q)
		}
	}
	return out
}

func TestPsqlDescribeQueries(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, `CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE, price numeric(10,2) CHECK (price > 0), qty int DEFAULT 0)`)
	mustExec(t, s, `CREATE INDEX items_qty_idx ON items (qty)`)
	oid := query(t, s, "SELECT 'items'::regclass::oid")
	if oid == "" {
		t.Fatal("no oid")
	}
	failed := 0
	qs := clientQueries(t, "testdata/clients/A_psql_describe_queries.txt")
	for _, q := range qs {
		q = strings.ReplaceAll(q, "'16402'", "'"+oid+"'")
		r := &recorder{}
		if err := s.SimpleQuery(ctxT(t), q, r); err != nil {
			failed++
			t.Errorf("%v\n%s\n", err, q)
			s.SimpleQuery(ctxT(t), "ROLLBACK", r)
		}
	}
	t.Logf("%d of %d psql queries failed", failed, len(qs))
	expectRows(t, s, `SELECT c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r','p','') AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast'
		AND n.nspname <> 'information_schema' AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1`, "items")
	expectRows(t, s, `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_catalog.pg_attribute a
		WHERE a.attrelid = '`+oid+`' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
		"id|integer|t\nname|text|t\nprice|numeric(10,2)|f\nqty|integer|f")
	expectRows(t, s, "SELECT 'items'::regclass", "items")
}

// The catalog queries psql's tab completion and pg_dump send all run (pg_dump's
// COPY needs pgwire's COPY writer, which the recorder lacks).
func TestCapturedCatalogQueries(t *testing.T) {
	for _, f := range []string{"B_psql_tabcompletion_queries.txt", "D_pg_dump_queries.txt", "F_pgbench_transcripts.txt"} {
		e := mustEngine(t)
		s := mustSession(t, e)
		mustExec(t, s, `CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE, price numeric(10,2) CHECK (price > 0), qty int DEFAULT 0)`)
		for _, q := range clientQueries(t, "testdata/clients/"+f) {
			r := &recorder{}
			err := s.SimpleQuery(ctxT(t), q, r)
			if err != nil && !strings.HasPrefix(strings.ToLower(q), "copy ") {
				t.Errorf("%s: %v\n%.300s", f, err, q)
			}
			if s.TxStatus() != 'I' {
				s.SimpleQuery(ctxT(t), "ROLLBACK", r)
			}
		}
	}
}
