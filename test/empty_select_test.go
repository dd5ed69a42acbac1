package test

import (
	"strings"
	"testing"
	"time"
)

// TestEmptySelectList: SELECT with no output columns still returns rows, as
// in PostgreSQL — a RowDescription with zero fields, then one empty DataRow
// per row — in the simple protocol (psql) and the extended one (pgx).
func TestEmptySelectList(t *testing.T) {
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)

	out, stderr, err := psqlRun(t, n, "SELECT FROM generate_series(1,2)")
	if err != nil || strings.Contains(stderr, "without prior row description") {
		t.Fatalf("psql: %v %s", err, stderr)
	}

	c := mustConnect(t, n)
	rows, err := c.Query(ctx, "SELECT FROM generate_series(1, $1::int)", 3)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for rows.Next() {
		if len(rows.FieldDescriptions()) != 0 {
			t.Fatalf("fields = %d, want 0", len(rows.FieldDescriptions()))
		}
		count++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if count != 3 {
		t.Fatalf("pgx rows = %d, want 3 (psql printed %q)", count, out)
	}
}
