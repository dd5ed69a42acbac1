package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAuthMethods: the md5, password and cert methods of --hba-file, with
// psql (libpq): md5 with an md5 verifier, md5 with a SCRAM verifier
// (PostgreSQL then runs SCRAM), password (cleartext, over TLS here), a
// wrong password (28P01) for each, and cert: a client certificate signed
// by ca.crt whose CN is the user logs in without a password; one made for
// another user, or none, is refused (28000).
func TestAuthMethods(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql is not installed")
	}
	ctx := testCtx(t, 90*time.Second)
	certs := filepath.Join(t.TempDir(), "certs")
	logdbCert(t, "create-ca", "--certs-dir", certs)
	logdbCert(t, "create-node", "--certs-dir", certs, "127.0.0.1", "localhost")
	logdbCert(t, "create-client", "--certs-dir", certs, "certuser")
	logdbCert(t, "create-client", "--certs-dir", certs, "other")
	hba := filepath.Join(t.TempDir(), "pg_hba.conf")
	writeFile(t, hba, strings.Join([]string{
		"host all logdb 127.0.0.1/32 trust",
		"host all md5user,scramuser 127.0.0.1/32 md5",
		"hostssl all pwuser 127.0.0.1/32 password",
		"hostssl all certuser 127.0.0.1/32 cert",
		"",
	}, "\n"))
	n := mustStartNodeArgs(t, t.TempDir(), "--certs-dir", certs, "--hba-file", hba)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "SET password_encryption = 'md5'")
	mustExec(t, ctx, c, "CREATE ROLE md5user LOGIN PASSWORD 'm5'")
	mustExec(t, ctx, c, "RESET password_encryption")
	mustExec(t, ctx, c, "CREATE ROLE scramuser LOGIN PASSWORD 'sc'")
	mustExec(t, ctx, c, "CREATE ROLE pwuser LOGIN PASSWORD 'pw'")
	mustExec(t, ctx, c, "CREATE ROLE certuser LOGIN")
	checkQuery(t, ctx, c, "md5\nSCRAM-SHA-256", "SELECT CASE WHEN rolpassword LIKE 'md5%' THEN 'md5' ELSE split_part(rolpassword, '$', 1) END FROM pg_authid WHERE rolname IN ('md5user', 'scramuser') ORDER BY rolname")

	host, port := splitAddr(n.Addr)
	ca := filepath.Join(certs, "ca.crt")
	tls := "sslmode=verify-full sslrootcert=" + ca
	run := func(user, pw, extra string) (string, error) {
		cmd := exec.CommandContext(ctx, "psql", "-X", "-At", fmt.Sprintf("host=%s port=%s dbname=logdb user=%s %s", host, port, user, extra),
			"-c", "SELECT current_user")
		cmd.Env = append(os.Environ(), "PGPASSWORD="+pw, "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	clientCert := func(user string) string {
		return fmt.Sprintf(" sslcert=%s sslkey=%s", filepath.Join(certs, "client."+user+".crt"), filepath.Join(certs, "client."+user+".key"))
	}
	for _, tc := range []struct{ what, user, pw, extra, want string }{
		{"md5 verifier, md5 method", "md5user", "m5", "sslmode=disable", "md5user"},
		{"md5, wrong password", "md5user", "nope", "sslmode=disable", `password authentication failed for user "md5user"`},
		{"SCRAM verifier under md5 (SCRAM is used)", "scramuser", "sc", "sslmode=disable", "scramuser"},
		{"SCRAM verifier under md5, wrong", "scramuser", "nope", "sslmode=disable", `password authentication failed for user "scramuser"`},
		{"password method over TLS", "pwuser", "pw", tls, "pwuser"},
		{"password method, wrong", "pwuser", "nope", tls, `password authentication failed for user "pwuser"`},
		{"cert method with the user's certificate", "certuser", "", tls + clientCert("certuser"), "certuser"},
		{"cert method with another user's certificate", "certuser", "", tls + clientCert("other"), `certificate authentication failed for user "certuser"`},
		{"cert method without a certificate", "certuser", "", tls, `connection requires a valid client certificate`},
	} {
		out, err := run(tc.user, tc.pw, tc.extra)
		ok := !strings.Contains(tc.want, " ")
		if !strings.Contains(out, tc.want) || (err == nil) != ok {
			t.Errorf("%s: psql user=%s: %v\n%s\nwant %q", tc.what, tc.user, err, out, tc.want)
		}
	}
}
