package test

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// oneByteReader hands out its data a byte per Read: pgconn's CopyFrom
// then sends each byte as its own CopyData, so every line, quote and end
// marker is split across messages.
type oneByteReader struct{ s string }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.s) == 0 {
		return 0, io.EOF
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}

// TestCopyFromEndMarker: COPY FROM STDIN in text and CSV reads lines as
// PostgreSQL 15 does — \. ends the data and whatever follows it up to
// CopyDone is ignored (pg_restore sends blank lines after it), CSV
// quoted fields hold line breaks, the first line's terminator is the
// file's, and a malformed end marker or an open quote is 22P04. The
// answers are PostgreSQL 15's (LOGDB_TEST_POSTGRES runs them there); each
// case runs with the data in one CopyData and a byte per CopyData.
func TestCopyFromEndMarker(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE copy_end2 (a int, b text)")
	mustExec(t, ctx, c, "CREATE TABLE copy_end1 (b text)")
	for _, tc := range []struct{ q, data, want string }{
		{"COPY copy_end2 FROM STDIN", "1\ta\n\\.\n\n\n", "COPY 1: (1,a)"},
		{"COPY copy_end2 FROM STDIN", "1\ta\n\\.\nnot\tdata\n\\.\n", "COPY 1: (1,a)"},
		{"COPY copy_end2 FROM STDIN", "1\ta\n\\.", "22P04 end-of-copy marker corrupt"},
		{"COPY copy_end2 FROM STDIN", "1\ta\\.\n", "COPY 1: (1,a)"},
		{"COPY copy_end2 FROM STDIN", "1\ta\n\\.x\n", "22P04 end-of-copy marker corrupt"},
		{"COPY copy_end2 FROM STDIN", "1\ta\n\\.\r\n", "22P04 end-of-copy marker does not match previous newline style"},
		{"COPY copy_end2 FROM STDIN", "1\ta\r\n\\.\n", "22P04 end-of-copy marker does not match previous newline style"},
		{"COPY copy_end2 FROM STDIN", "1\ta\r\n\\.\r\n", "COPY 1: (1,a)"},
		{"COPY copy_end2 FROM STDIN", "1\ta\r\n2\tb\n", "22P04 literal newline found in data"},
		{"COPY copy_end2 FROM STDIN", "1\ta\n2\tb", "COPY 2: (1,a);(2,b)"},
		{"COPY copy_end2 FROM STDIN", "\\.\n", "COPY 0: "},
		{"COPY copy_end2 FROM STDIN", "", "COPY 0: "},
		{"COPY copy_end2 FROM STDIN", "1\ta\\\nb\n", "COPY 1: (1,\"a\nb\")"},
		{"COPY copy_end2 FROM STDIN (DELIMITER ',')", "1,a\\,b\n2,\\N\n", "COPY 2: (1,\"a,b\");(2,)"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv)", "1,\"x\ny\"\n\\.\n\n", "COPY 1: (1,\"x\ny\")"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv)", "1,\"x\ny\"\n\\.", "22P02 invalid input syntax for type integer: \"\\.\""},
		{"COPY copy_end1 FROM STDIN (FORMAT csv)", "a\n\\.x\n", "COPY 2: \\.x;a"},
		{"COPY copy_end1 FROM STDIN (FORMAT csv)", "a\n\\.", "COPY 2: \\.;a"},
		{"COPY copy_end1 FROM STDIN (FORMAT csv)", "a\n\"\\.\"\n\\.\n", "COPY 2: \\.;a"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv)", "1,\"abc\n", "22P04 unterminated CSV quoted field"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv)", "1,\"abc\n\\.\nfoo", "22P04 unterminated CSV quoted field"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv, HEADER)", "a,b\n1,\"x\ny\"\n", "COPY 1: (1,\"x\ny\")"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv)", "1,a\r\n2,\"b\r\nc\"\r\n", "COPY 2: (1,a);(2,\"b\r\nc\")"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv)", "1,a\n\\.\r\n", "22P04 end-of-copy marker does not match previous newline style"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv)", "1,a\n2,b\r\n", "22P04 unquoted carriage return found in data"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv, ESCAPE '\\')", "1,\"a\\\"b\\\\\"\n", "COPY 1: (1,\"a\"\"b\\\\\")"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv)", "1,a,b\n", "22P04 extra data after last expected column"},
		{"COPY copy_end2 FROM STDIN (FORMAT csv)", "1\n", "22P04 missing data for column \"b\""},
	} {
		for _, split := range []bool{false, true} {
			mustExec(t, ctx, c, "TRUNCATE copy_end2, copy_end1")
			var r io.Reader = strings.NewReader(tc.data)
			if split {
				r = &oneByteReader{tc.data}
			}
			tag, err := c.PgConn().CopyFrom(ctx, r, tc.q)
			var got string
			if err != nil {
				got = sqlState(err) + " " + errMessage(err)
			} else {
				got = tag.String() + ": " + queryText(t, ctx, c, "SELECT coalesce(string_agg(format('%s', copy_end2), ';' ORDER BY a), '') FROM copy_end2") +
					queryText(t, ctx, c, "SELECT coalesce(string_agg(b, ';' ORDER BY b), '') FROM copy_end1")
			}
			if got != tc.want {
				t.Errorf("%s with %q (a byte per CopyData: %v):\n got %q\nwant %q", tc.q, tc.data, split, got, tc.want)
			}
		}
	}
	// The session is in step after every error.
	checkQuery(t, ctx, c, "1", "SELECT 1")
}

// TestCopyCSVRoundTrip: what COPY TO writes in CSV, COPY FROM reads back
// unchanged: line breaks inside values (psql's \copy of a CSV export), a
// value that is exactly \. (quoted, so it is not the end marker), quotes,
// delimiters, empty strings and NULLs; the same through text format with
// a delimiter that occurs in the data.
func TestCopyCSVRoundTrip(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE csv_src (id int PRIMARY KEY, v text)")
	mustExec(t, ctx, c, "CREATE TABLE csv_one (v text)")
	mustExec(t, ctx, c, `INSERT INTO csv_src VALUES (1, 'two
lines'), (2, '\.'), (3, 'say "hi", then'), (4, ''), (5, NULL), (6, E'cr\r\nlf'), (7, '\.
x')`)
	mustExec(t, ctx, c, `INSERT INTO csv_one SELECT v FROM csv_src WHERE v IS NOT NULL`)
	want := queryText(t, ctx, c, "SELECT string_agg(format('%s:%s', id, coalesce(v, '<null>')), '|' ORDER BY id) FROM csv_src")
	wantOne := queryText(t, ctx, c, "SELECT string_agg(v, '|' ORDER BY v) FROM csv_one")
	for _, f := range []string{"(FORMAT csv)", "(FORMAT csv, HEADER)", "(DELIMITER ',')", "(FORMAT csv, QUOTE '''', DELIMITER ';')"} {
		var out strings.Builder
		if _, err := c.PgConn().CopyTo(ctx, &out, "COPY csv_src TO STDOUT "+f); err != nil {
			t.Fatalf("COPY TO %s: %v", f, err)
		}
		mustExec(t, ctx, c, "CREATE TABLE csv_dst (id int PRIMARY KEY, v text)")
		if _, err := c.PgConn().CopyFrom(ctx, strings.NewReader(out.String()), "COPY csv_dst FROM STDIN "+f); err != nil {
			t.Fatalf("COPY FROM %s of\n%s\n: %v", f, out.String(), err)
		}
		if got := queryText(t, ctx, c, "SELECT string_agg(format('%s:%s', id, coalesce(v, '<null>')), '|' ORDER BY id) FROM csv_dst"); got != want {
			t.Errorf("%s round trip:\n got %q\nwant %q\nthrough\n%s", f, got, want, out.String())
		}
		mustExec(t, ctx, c, "DROP TABLE csv_dst")
	}
	// A single column holding \. is quoted in CSV, as PostgreSQL does.
	var out strings.Builder
	if _, err := c.PgConn().CopyTo(ctx, &out, "COPY (SELECT v FROM csv_one ORDER BY v) TO STDOUT (FORMAT csv)"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\n\"\\.\"\n") {
		t.Errorf("single-column CSV of \\. is not quoted:\n%s", out.String())
	}
	mustExec(t, ctx, c, "CREATE TABLE csv_one_dst (v text)")
	if _, err := c.PgConn().CopyFrom(ctx, strings.NewReader(out.String()), "COPY csv_one_dst FROM STDIN (FORMAT csv)"); err != nil {
		t.Fatal(err)
	}
	checkQuery(t, ctx, c, wantOne, "SELECT string_agg(v, '|' ORDER BY v) FROM csv_one_dst")
}

// errMessage is the message of a server error, or err's text.
func errMessage(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Message
	}
	return err.Error()
}

// TestPgRestoreCustomFormat: a PostgreSQL 15 database dumped with
// pg_dump -Fc restores into logdb with pg_restore (its COPY data ends
// with \. and blank lines), and every value survives: line breaks,
// backslashes, tabs, a \. value, NULLs, numerics, timestamps, bytea.
// Its foreign keys (single and composite, with actions), unique
// constraints, indexes and sequences come along as they were: the
// catalogs show the same, the sequences go on where they stood, and the
// constraints act as on PostgreSQL.
func TestPgRestoreCustomFormat(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 180*time.Second)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	n := mustStartNode(t, t.TempDir())
	lc := mustConnect(t, n)
	mustExec(t, ctx, pc, "CREATE DATABASE dumped")
	src, err := pgx.Connect(ctx, pg.URL("dumped"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close(ctx)
	execOnEach(t, ctx, `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, note text, price numeric(10,2), at timestamptz, raw bytea);
INSERT INTO items SELECT g, 'item ' || g,
  CASE g % 5 WHEN 0 THEN NULL WHEN 1 THEN E'two\nlines \\ and\ttab' WHEN 2 THEN '\.' WHEN 3 THEN '' ELSE 'say "hi", ok' END,
  g * 1.25, timestamptz '2024-01-02 03:04:05+00' + g * interval '1 hour', decode(lpad(to_hex(g), 8, '0'), 'hex')
  FROM generate_series(1, 500) g;
CREATE TABLE tags (item_id int REFERENCES items (id), tag text);
INSERT INTO tags SELECT g, 't' || g FROM generate_series(1, 500, 7) g;
CREATE TABLE regions (country text, code text, name text, PRIMARY KEY (country, code));
INSERT INTO regions VALUES ('NL', 'UT', 'Utrecht'), ('NL', 'NH', 'Noord-Holland'), ('BE', 'VAN', 'Antwerpen');
CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, country text, region text,
  FOREIGN KEY (country, region) REFERENCES regions ON UPDATE CASCADE ON DELETE SET NULL);
CREATE INDEX customers_by_region ON customers (country, region);
INSERT INTO customers (email, country, region) SELECT 'c' || g || '@example.com', CASE WHEN g % 3 = 0 THEN 'BE' ELSE 'NL' END,
  CASE g % 3 WHEN 0 THEN 'VAN' WHEN 1 THEN 'UT' ELSE 'NH' END FROM generate_series(1, 300) g;
CREATE SEQUENCE order_no START 1000 INCREMENT 5;
CREATE TABLE orders (id bigint PRIMARY KEY DEFAULT nextval('order_no'), customer_id int NOT NULL REFERENCES customers ON DELETE CASCADE,
  placed date NOT NULL, total numeric(10, 2), CONSTRAINT orders_once_a_day UNIQUE (customer_id, placed));
CREATE UNIQUE INDEX orders_big ON orders (total, id);
INSERT INTO orders (customer_id, placed, total) SELECT 1 + g % 300, date '2024-01-01' + g / 300, g * 0.5 FROM generate_series(1, 2000) g`, src)
	dumpFile := filepath.Join(t.TempDir(), "dumped.dump")
	mustRunClient(t, ctx, "", filepath.Join(pgBin(), "pg_dump"), append(pg.clientArgs("dumped"), "-Fc", "-f", dumpFile)...)
	mustRunClient(t, ctx, "", filepath.Join(pgBin(), "pg_restore"), append([]string{"--exit-on-error", "--no-owner"}, append(n.clientArgs("logdb"), dumpFile)...)...)
	for _, q := range []string{
		"SELECT count(*), string_agg(md5(format('%s', i)), '' ORDER BY id) FROM items i",
		"SELECT count(*), string_agg(format('%s', t), '|' ORDER BY item_id) FROM tags t",
		"SELECT note FROM items WHERE id IN (1, 2, 3) ORDER BY id",
		"SELECT count(*), sum(id), sum(total), min(placed)::text, max(placed)::text FROM orders",
		"SELECT count(*), string_agg(format('%s', c), '|' ORDER BY id) FROM customers c WHERE id % 50 = 0",
		"SELECT * FROM regions ORDER BY 1, 2",
		// the sequences go on where they stood
		"SELECT nextval('order_no'), nextval('customers_id_seq')",
		"INSERT INTO orders (customer_id, placed) VALUES (7, '2030-01-01') RETURNING id",
		"INSERT INTO customers (email) VALUES ('new@example.com') RETURNING id",
	} {
		want := queryText(t, ctx, src, q)
		if got := queryText(t, ctx, lc, q); got != want {
			t.Errorf("%s after pg_restore:\n got %q\nwant %q", q, got, want)
		}
	}
	// the constraints and indexes came along as they were, and are enforced
	if got, want := schemaOf(t, ctx, lc, "%"), schemaOf(t, ctx, src, "%"); got != want {
		t.Errorf("constraints and indexes after pg_restore:\nlogdb:\n%s\nPostgreSQL:\n%s", got, want)
	}
	_, err = lc.Exec(ctx, "INSERT INTO tags VALUES (9999, 'orphan')")
	wantCode(t, err, "23503", "insert of an orphan tag after the restore")
	_, err = lc.Exec(ctx, "INSERT INTO customers (email, country, region) VALUES ('x@example.com', 'NL', 'XX')")
	wantCode(t, err, "23503", "insert of a customer in no region (composite key) after the restore")
	_, err = lc.Exec(ctx, "INSERT INTO orders (customer_id, placed) VALUES (7, '2030-01-01')")
	wantCode(t, err, "23505", "a second order on a day after the restore")
	for _, q := range []string{
		"DELETE FROM customers WHERE id = 3",
		"UPDATE regions SET code = 'U' WHERE code = 'UT'",
		"SELECT count(*) FROM orders",
		"SELECT count(*) FROM customers WHERE region = 'U'",
	} {
		if got, want := answerOf(ctx, lc, q), answerOf(ctx, src, q); got != want {
			t.Errorf("%s after pg_restore: logdb %q, PostgreSQL %q", q, got, want)
		}
	}
}

// TestCopyFromLineLimit: a COPY FROM line (or binary data) longer than
// the transaction size limit fails with 54000 once it passes the limit,
// instead of filling memory; the rest of the client's data is read and
// the session goes on.
func TestCopyFromLineLimit(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	n := &Node{Dir: t.TempDir(), Log: t.TempDir() + "/logdb.log", Args: []string{"--max-txn-bytes=65536"}}
	n.mustStart(t, "")
	t.Cleanup(n.kill)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE copy_limit (a int, b text)")
	for _, tc := range []struct{ q, data, msg string }{
		{"COPY copy_limit FROM STDIN", "1\tshort\n2\t" + strings.Repeat("x", 200000) + "\n3\tafter\n", "COPY line is longer than 65536 bytes"},
		{"COPY copy_limit FROM STDIN (FORMAT csv)", "1,short\n2,\"" + strings.Repeat("x\n", 100000) + "\"\n", "COPY line is longer than 65536 bytes"},
		{"COPY copy_limit FROM STDIN (FORMAT binary)", "PGCOPY\n\xff\r\n\x00" + strings.Repeat("\x00", 200000), "COPY data is longer than 65536 bytes (the transaction size limit)"},
	} {
		_, err := c.PgConn().CopyFrom(ctx, strings.NewReader(tc.data), tc.q)
		if sqlState(err) != "54000" || errMessage(err) != tc.msg {
			t.Errorf("%s with %d bytes: %v, want 54000 %s", tc.q, len(tc.data), err, tc.msg)
		}
		checkQuery(t, ctx, c, "0", "SELECT count(*) FROM copy_limit")
	}
}
