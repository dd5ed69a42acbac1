package test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// writeTestCerts makes a CA and a server certificate for 127.0.0.1 and
// localhost signed by it, as PEM files in dir: ca.pem, server.pem,
// server.key.
func writeTestCerts(t *testing.T, dir string) (ca, cert, key string) {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "logdb test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", srvDER), write("server.key", "EC PRIVATE KEY", keyDER)
}

// TestTLS: with --tls-cert and --tls-key, clients that ask for TLS get it
// (psql sslmode=require, pgx verify-full against the CA), and clients that
// do not are still served; a node without them answers an SSLRequest with
// 'N', so sslmode=require fails as against a PostgreSQL without ssl.
func TestTLS(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	certDir := t.TempDir()
	ca, cert, key := writeTestCerts(t, certDir)
	n := mustStartNodeArgs(t, t.TempDir(), "--tls-cert", cert, "--tls-key", key)
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
