package pgserver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestStartFromTemplate: a server made from a template data directory
// starts, answers with the settings it was given, and is gone after Stop.
func TestStartFromTemplate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tdir := mkdir(t)
	template, err := MakeTemplate(ctx, "", tdir)
	if errors.Is(err, ErrNoServer) || errors.Is(err, ErrNoPostgresUser) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(ctx, Options{Dir: mkdir(t), Template: template, Settings: []string{"TimeZone=UTC", "work_mem=1234kB"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop(syscall.SIGQUIT, syscall.SIGKILL, 5*time.Second)
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	var tz, wm string
	if err := c.QueryRow(ctx, "SELECT current_setting('TimeZone'), current_setting('work_mem')").Scan(&tz, &wm); err != nil {
		t.Fatal(err)
	}
	c.Close(ctx)
	if tz != "UTC" || wm != "1234kB" {
		t.Errorf("settings: TimeZone %q, work_mem %q", tz, wm)
	}
	if _, err := os.Stat(filepath.Join(template, "postmaster.pid")); err == nil {
		t.Error("the template itself was started")
	}
	s.Stop(syscall.SIGINT, syscall.SIGQUIT, 30*time.Second)
	if s.Alive() {
		t.Error("the server runs after Stop")
	}
}

// TestStartWithoutBinaries: missing binaries are ErrNoServer, so a test
// can skip.
func TestStartWithoutBinaries(t *testing.T) {
	_, err := Start(context.Background(), Options{Bin: t.TempDir(), Dir: t.TempDir()})
	if !errors.Is(err, ErrNoServer) {
		t.Fatalf("got %v, want ErrNoServer", err)
	}
}

// TestFreePortNeverTwice: ports are below the ephemeral range and never
// handed out twice.
func TestFreePortNeverTwice(t *testing.T) {
	seen := map[int]bool{}
	for range 50 {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if p < 20000 || p >= 32000 || seen[p] {
			t.Fatalf("port %d (seen before: %v)", p, seen[p])
		}
		seen[p] = true
	}
}

// mkdir is a directory removed after the test (os.MkdirTemp rather than
// t.TempDir: when run as root, PostgreSQL's user must reach it).
func mkdir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "pgserver-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}
