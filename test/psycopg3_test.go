package test

import (
	"fmt"
	"os/exec"
	"testing"
	"time"
)

// TestPsycopg3CopyAndNamedCursor: psycopg 3 (Debian's python3-psycopg)
// reads COPY output row by row with copy.rows() (text and binary; CSV
// one row a message), writes COPY data (text and binary) with an
// end marker and blank lines after it, and uses named server-side cursors
// (DECLARE through the extended protocol with parameters, Describe of the
// cursor's portal, FETCH in text and binary, WITH HOLD). PostgreSQL 15
// prints the same lines.
func TestPsycopg3CopyAndNamedCursor(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	python := "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import psycopg").CombinedOutput(); err != nil {
		t.Skipf("psycopg 3 is not installed for %s (Debian's python3-psycopg; .ci/run installs it): %v %s", python, err, out)
	}
	ctx := testCtx(t, 120*time.Second)
	n := mustStartNode(t, t.TempDir())
	host, port := splitAddr(n.Addr)
	cmd := exec.CommandContext(ctx, python, "python/psycopg3_check.py", fmt.Sprintf("host=%s port=%s user=logdb dbname=logdb", host, port))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psycopg3_check.py: %v\n%s", err, out)
	}
	want := `copy.rows: 7 ('1', 'item 1', 'a\tb\nc') ('2', 'item 2', None)
copy.rows typed: [(1, 'a\tb\nc'), (2, None)]
copy.rows binary: [(1, 'a\tb\nc', Decimal('1.5')), (2, None, Decimal('3.0'))]
binary write_row: (102, 'binary', None)
csv messages: [b'id,note\n', b'1,"a\tb\nc"\n', b'2,\n', b'3,"a\tb\nc"\n']
copy in: 1
write_row: ('row\nwith newline',)
named fetchone: (3, 'item 3')
named fetchmany: [(4, 'item 4'), (5, 'item 5')]
named description: ['id', 'name']
named rest: [6, 7, 100, 101]
named binary: [(1, 'a\tb\nc'), (2, None), (3, 'a\tb\nc')]
withhold: [(1,), (2,)] 7
`
	if string(out) != want {
		t.Errorf("psycopg 3:\n got:\n%s\nwant:\n%s", out, want)
	}
}
