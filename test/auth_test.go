package test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// authNode starts a node with certificates made by `logdb cert` and an
// --hba-file that asks for SCRAM over TLS from everyone but logdb, with
// roles app (LOGIN PASSWORD 'right') and nologin (NOLOGIN PASSWORD
// 'right'). It returns the node, the certs directory and the HBA file.
func authNode(t *testing.T) (*Node, string, string) {
	t.Helper()
	certs := filepath.Join(t.TempDir(), "certs")
	logdbCert(t, "create-ca", "--certs-dir", certs)
	logdbCert(t, "create-node", "--certs-dir", certs, "127.0.0.1", "localhost")
	hba := filepath.Join(t.TempDir(), "pg_hba.conf")
	writeFile(t, hba, "# TYPE  DATABASE USER ADDRESS METHOD\nhost all logdb 127.0.0.1/32 trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n")
	n := mustStartNodeArgs(t, t.TempDir(), "--certs-dir", certs, "--hba-file", hba)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE ROLE app LOGIN PASSWORD 'right'")
	mustExec(t, ctx, c, "CREATE ROLE nologin PASSWORD 'right'")
	return n, certs, hba
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestAuthClients: psql (libpq), pgx, node-postgres and psycopg2, each over
// sslmode=verify-full with SCRAM-SHA-256, against --certs-dir and an
// --hba-file: the right password works, a wrong one and an unknown user
// fail alike (28P01), a NOLOGIN role gets 28000, and a plain connection
// matching only the hostssl rule gets 28000 "no pg_hba.conf entry";
// libpq's channel_binding=require (SCRAM-SHA-256-PLUS) works. A SIGHUP
// re-reads the file.
func TestAuthClients(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	n, certs, hba := authNode(t)
	ctx := testCtx(t, 120*time.Second)
	host, port := splitAddr(n.Addr)
	ca := filepath.Join(certs, "ca.crt")
	noEntry := `no pg_hba.conf entry for host "127.0.0.1", user "app", database "logdb", no encryption`

	t.Run("psql", func(t *testing.T) {
		run := func(user, pw, extra string) (string, error) {
			cmd := exec.CommandContext(ctx, "psql", "-X", "-At", fmt.Sprintf("host=%s port=%s dbname=logdb user=%s %s", host, port, user, extra),
				"-c", "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
			cmd.Env = append(os.Environ(), "PGPASSWORD="+pw, "PGCONNECT_TIMEOUT=10")
			out, err := cmd.CombinedOutput()
			return strings.TrimSpace(string(out)), err
		}
		full := "sslmode=verify-full sslrootcert=" + ca
		for _, tc := range []struct{ user, pw, extra, want string }{
			{"app", "right", full, "app|t"},
			{"app", "right", full + " channel_binding=require", "app|t"},
			{"app", "wrong", full, `FATAL:  password authentication failed for user "app"`},
			{"ghost", "right", full, `FATAL:  password authentication failed for user "ghost"`},
			{"nologin", "right", full, `FATAL:  role "nologin" is not permitted to log in`},
			{"app", "right", "sslmode=disable", noEntry},
		} {
			out, err := run(tc.user, tc.pw, tc.extra)
			if !strings.Contains(out, tc.want) || (err == nil) != strings.HasPrefix(tc.want, "app|") {
				t.Errorf("psql user=%s password=%s %s: %v\n%s\nwant %q", tc.user, tc.pw, tc.extra, err, out, tc.want)
			}
		}
	})

	t.Run("pgx", func(t *testing.T) {
		connect := func(user, pw, mode string) (*pgx.Conn, error) {
			cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s:%s@%s/logdb?sslmode=%s&sslrootcert=%s&connect_timeout=10", user, pw, n.Addr, mode, ca))
			if err != nil {
				t.Fatal(err)
			}
			return pgx.ConnectConfig(ctx, cfg)
		}
		c, err := connect("app", "right", "verify-full")
		if err != nil {
			t.Fatalf("pgx app/right verify-full: %v", err)
		}
		checkQuery(t, ctx, c, "app|t", "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
		c.Close(ctx)
		for _, tc := range []struct{ user, pw, mode, code string }{
			{"app", "wrong", "verify-full", "28P01"},
			{"ghost", "right", "verify-full", "28P01"},
			{"nologin", "right", "verify-full", "28000"},
			{"app", "right", "disable", "28000"},
		} {
			c, err := connect(tc.user, tc.pw, tc.mode)
			if err == nil {
				c.Close(ctx)
			}
			wantCode(t, err, tc.code, fmt.Sprintf("pgx %s/%s sslmode=%s", tc.user, tc.pw, tc.mode))
		}
	})

	t.Run("node-postgres", func(t *testing.T) {
		node, err := exec.LookPath("node")
		if err != nil {
			t.Skip("node is not installed")
		}
		if _, err := os.Stat(filepath.Join("node", "node_modules", "pg")); err != nil {
			t.Skip("node-postgres is not installed: run npm ci --prefix test/node")
		}
		cmd := exec.CommandContext(ctx, node, "auth_test.js")
		cmd.Dir = "node"
		cmd.Env = append(os.Environ(), "PGHOST="+host, "PGPORT="+port, "PGSSLROOTCERT="+ca)
		out, err := cmd.CombinedOutput()
		want := "app/right: ok app true\napp/right/plus: ok app true\napp/wrong: 28P01\nghost/right: 28P01\nnologin/right: 28000\napp/right/plain: 28000"
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("node auth_test.js: %v\n got:\n%s\nwant:\n%s", err, out, want)
		}
	})

	t.Run("psycopg2", func(t *testing.T) {
		python := "/usr/bin/python3"
		if out, err := exec.Command(python, "-c", "import psycopg2").CombinedOutput(); err != nil {
			t.Skipf("psycopg2 is not installed for %s (Debian's python3-psycopg2; .ci/run installs it): %v %s", python, err, out)
		}
		cmd := exec.CommandContext(ctx, python, "auth_check.py")
		cmd.Dir = "python"
		cmd.Env = append(os.Environ(), "PGHOST="+host, "PGPORT="+port, "PGSSLROOTCERT="+ca, "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		want := "app/right: ok app true\n" +
			"app/wrong: FATAL:  password authentication failed for user \"app\"\n" +
			"ghost/right: FATAL:  password authentication failed for user \"ghost\"\n" +
			"nologin/right: FATAL:  role \"nologin\" is not permitted to log in\n" +
			"app/right/plain: FATAL:  " + noEntry
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("python auth_check.py: %v\n got:\n%s\nwant:\n%s", err, out, want)
		}
	})

	// SIGHUP re-reads --hba-file: now app may log in without TLS, with
	// its password in clear text (the password method).
	writeFile(t, hba, "host all logdb 127.0.0.1/32 trust\nhostnossl all app 127.0.0.1/32 password\nhostssl all all 127.0.0.1/32 scram-sha-256\n")
	n.mu.Lock()
	err := n.cmd.Process.Signal(syscall.SIGHUP)
	n.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://app:right@%s/logdb?sslmode=disable&connect_timeout=10", n.Addr))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			checkQuery(t, ctx, c, "app", "SELECT current_user")
			c.Close(ctx)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after SIGHUP, plain connection of app with the password method: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cfg.Password = "wrong"
	_, err = connectErr(ctx, cfg)
	wantCode(t, err, "28P01", "password method, wrong password")
}

// TestInsecureListen: a non-loopback --listen without --certs-dir is
// refused at start, saying why, unless --insecure is given.
func TestInsecureListen(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, logdbBin, "start", "--data-dir", t.TempDir(), "--listen", "0.0.0.0:0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not a loopback address") || !strings.Contains(string(out), "--insecure") {
		t.Errorf("start --listen 0.0.0.0:0 without --certs-dir: %v\n%s", err, out)
	}
	n := mustStartNodeArgs(t, t.TempDir(), "--insecure", "--raft-listen", "0.0.0.0:0")
	if log, _ := os.ReadFile(n.Log); !strings.Contains(string(log), "--insecure: serving a non-loopback address without TLS") {
		t.Errorf("no warning for --insecure in the log:\n%s", log)
	}
}
