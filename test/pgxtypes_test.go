package test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestPgxTypeLoading: pgx's catalog queries for type loading work, and
// array and json results decode.
func TestPgxTypeLoading(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)

	// LoadType resolves array and derived types through pg_type.
	for _, name := range []string{"_int4", "_int8", "_text", "_varchar", "_numeric", "_uuid", "_jsonb", "_timestamptz", "_bool"} {
		dt, err := c.LoadType(ctx, name)
		if err != nil {
			t.Errorf("LoadType(%q): %v", name, err)
			continue
		}
		if want, ok := c.TypeMap().TypeForName(name); ok && dt.OID != want.OID {
			t.Errorf("LoadType(%q) OID %d, want %d", name, dt.OID, want.OID)
		}
	}

	// LoadTypes runs pgx's recursive catalog query (pg_type, pg_namespace,
	// pg_attribute, pg_range…) for several names at once.
	if types, err := c.LoadTypes(ctx, []string{"_int4", "_text", "_float8"}); err != nil {
		t.Errorf("LoadTypes: %v", err)
	} else if len(types) < 3 {
		t.Errorf("LoadTypes returned %d types, want 3 or more", len(types))
	}

	mustExec(t, ctx, c, "CREATE TABLE pgxt (id int PRIMARY KEY, doc jsonb, tags json)")
	mustExec(t, ctx, c, "INSERT INTO pgxt VALUES ($1, $2, $3)", 1, map[string]any{"a": 1, "b": []any{"x", true}}, []string{"p", "q"})
	var doc map[string]any
	var tags []string
	if err := c.QueryRow(ctx, "SELECT doc, tags FROM pgxt WHERE id = 1").Scan(&doc, &tags); err != nil {
		t.Fatalf("json scan: %v", err)
	}
	if doc["a"] != float64(1) || len(tags) != 2 || tags[1] != "q" {
		t.Errorf("json round trip: doc %v tags %v", doc, tags)
	}

	// Array parameters and results (pgx loads array types by OID).
	var ints []int32
	if err := c.QueryRow(ctx, "SELECT $1::int4[]", []int32{3, 1, 2}).Scan(&ints); err != nil {
		t.Errorf("int4[] round trip: %v", err)
	} else if len(ints) != 3 || ints[0] != 3 || ints[2] != 2 {
		t.Errorf("int4[] round trip: %v", ints)
	}
	var texts []string
	if err := c.QueryRow(ctx, "SELECT ARRAY['a', 'b', NULL]::text[]").Scan(&texts); err == nil {
		t.Logf("text[] with NULL decoded as %q (pgx maps NULL elements to empty strings only with pointers)", texts)
	}
	var ptrs []*string
	if err := c.QueryRow(ctx, "SELECT ARRAY['a', NULL]::text[]").Scan(&ptrs); err != nil {
		t.Errorf("text[] with NULL: %v", err)
	} else if len(ptrs) != 2 || ptrs[0] == nil || *ptrs[0] != "a" || ptrs[1] != nil {
		t.Errorf("text[] with NULL: %v", ptrs)
	}
	var n2 pgtype.Numeric
	if err := c.QueryRow(ctx, "SELECT 1.25::numeric").Scan(&n2); err != nil || renderValue(n2) != "1.25" {
		t.Errorf("numeric scan: %v %v", err, renderValue(n2))
	}
}
