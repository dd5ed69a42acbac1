package test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	_ "github.com/golang-migrate/migrate/v4/source/file"
)

// TestGolangMigrate: golang-migrate (its pgx/v5 driver) takes
// pg_advisory_lock around every run, then migrates
// test/testdata/golang-migrate up (tables, a foreign key with CASCADE, an
// index; then a column, a CHECK, a row), all the way down, up again, and
// one step down; schema_migrations records each version.
func TestGolangMigrate(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	n := mustStartNode(t, t.TempDir())
	c := mustConnect(t, n)
	if _, err := c.Exec(ctx, "SELECT pg_advisory_unlock(1)"); err != nil {
		t.Fatalf("golang-migrate locks its migrations with pg_advisory_lock, which logdb does not have yet (issue 15: advisory locks): %v", err)
	}
	m, err := migrate.New("file://testdata/golang-migrate", fmt.Sprintf("pgx5://logdb@%s/logdb?sslmode=disable", n.Addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	version := func(want uint) {
		t.Helper()
		v, dirty, err := m.Version()
		if err != nil || dirty || v != want {
			t.Fatalf("version %d (dirty %v, %v), want %d", v, dirty, err, want)
		}
	}
	tables := "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname LIKE 'gm\\_%' AND relkind = 'r'"

	if err := m.Up(); err != nil {
		t.Fatalf("up: %v", err)
	}
	version(2)
	if got := queryText(t, ctx, c, tables); got != "gm_account,gm_entry" {
		t.Errorf("after up: tables %q", got)
	}
	if got := queryText(t, ctx, c, "SELECT email FROM gm_account"); got != "first@example.com" {
		t.Errorf("after up: rows %q", got)
	}
	if err := m.Up(); !errors.Is(err, migrate.ErrNoChange) {
		t.Errorf("second up: %v, want no change", err)
	}
	if err := m.Down(); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, _, err := m.Version(); !errors.Is(err, migrate.ErrNilVersion) {
		t.Errorf("after down: version error %v, want none", err)
	}
	if got := queryText(t, ctx, c, tables); got != "NULL" {
		t.Errorf("after down: tables %q", got)
	}
	if err := m.Up(); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if err := m.Steps(-1); err != nil {
		t.Fatalf("one step down: %v", err)
	}
	version(1)
	if got := queryText(t, ctx, c, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'gm_entry' AND column_name = 'note'"); got != "0" {
		t.Errorf("after one step down: note column still there")
	}
	// A failing migration leaves the version dirty, as on PostgreSQL.
	mustExec(t, ctx, c, "INSERT INTO gm_account (email) VALUES ('UPPER@example.com')")
	if err := m.Up(); err == nil {
		t.Errorf("up over a row the CHECK refuses: succeeded")
	}
	if _, dirty, _ := m.Version(); !dirty {
		t.Errorf("after a failed migration: version not dirty")
	}
}
