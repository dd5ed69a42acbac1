package test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// logdbCert runs `logdb cert …` and fails the test on an error.
func logdbCert(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(logdbBin, append([]string{"cert"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("logdb cert %v: %v\n%s", args, err, out)
	}
}

// TestTLS: certificates made by `logdb cert` and `logdb start --certs-dir`:
// clients that ask for TLS get it (psql sslmode=require, pgx verify-full
// against the CA), and clients that do not are still served; a node
// without certificates answers an SSLRequest with 'N', so sslmode=require
// fails as against a PostgreSQL without ssl. The cert commands never
// overwrite a file.
func TestTLS(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	certs := filepath.Join(t.TempDir(), "certs")
	logdbCert(t, "create-ca", "--certs-dir", certs)
	logdbCert(t, "create-node", "--certs-dir", certs, "127.0.0.1", "localhost")
	logdbCert(t, "create-client", "--certs-dir", certs, "logdb")
	if out, err := exec.Command(logdbBin, "cert", "create-ca", "--certs-dir", certs).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "exists") {
		t.Errorf("create-ca over an existing CA: %v %s", err, out)
	}
	for _, f := range []string{"ca.crt", "ca.key", "node.crt", "node.key", "client.logdb.crt", "client.logdb.key"} {
		if _, err := os.Stat(filepath.Join(certs, f)); err != nil {
			t.Fatal(err)
		}
	}
	ca := filepath.Join(certs, "ca.crt")
	n := mustStartNodeArgs(t, t.TempDir(), "--certs-dir", certs)
	host, port := splitAddr(n.Addr)

	out, err := exec.CommandContext(ctx, "psql", "-X", "-At",
		fmt.Sprintf("host=%s port=%s user=logdb dbname=logdb sslmode=require", host, port),
		"-c", `\conninfo`, "-c", "SELECT 40 + 2").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SSL connection") || !strings.Contains(string(out), "42") {
		t.Fatalf("psql sslmode=require: %v\n%s", err, out)
	}
	for _, mode := range []string{"verify-full", "disable"} {
		cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://logdb@%s/logdb?sslmode=%s&sslrootcert=%s", n.Addr, mode, ca))
		if err != nil {
			t.Fatal(err)
		}
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatalf("pgx sslmode=%s: %v", mode, err)
		}
		var v int
		if err := c.QueryRow(ctx, "SELECT 7").Scan(&v); err != nil || v != 7 {
			t.Errorf("pgx sslmode=%s: %v %v", mode, v, err)
		}
		want := "t|TLSv1.3"
		if mode == "disable" {
			want = "f|NULL"
		}
		checkQuery(t, ctx, c, want, "SELECT ssl, coalesce(version, 'NULL') FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
		if tlsOn := c.PgConn().Conn() != nil && strings.Contains(fmt.Sprintf("%T", c.PgConn().Conn()), "tls"); tlsOn != (mode != "disable") {
			t.Errorf("pgx sslmode=%s: connection %T", mode, c.PgConn().Conn())
		}
		c.Close(context.Background())
	}

	plain := sharedNode(t)
	_, err = pgx.Connect(ctx, fmt.Sprintf("postgres://logdb@%s/logdb?sslmode=require", plain.Addr))
	if err == nil || !strings.Contains(err.Error(), "server refused TLS connection") {
		t.Errorf("sslmode=require against a node without TLS: %v", err)
	}
}
