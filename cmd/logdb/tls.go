package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"logdb/pgwire"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Certificates, the way CockroachDB makes them easy: one directory holds
// the cluster's CA (ca.crt, ca.key), each node's certificate (node.crt,
// node.key) and client certificates (client.USER.crt, .key), made by
// `logdb cert`. `logdb start --certs-dir DIR` serves TLS with node.crt.

const certUsage = `Usage:
  logdb cert create-ca --certs-dir DIR [--lifetime 87600h]
  logdb cert create-node --certs-dir DIR [--lifetime 43800h] HOST [HOST…]
  logdb cert create-client --certs-dir DIR [--lifetime 43800h] USER

create-ca writes DIR/ca.crt and DIR/ca.key (keep ca.key off the nodes if you
can); create-node writes DIR/node.crt and DIR/node.key for the given host
names and IP addresses, signed by the CA; create-client writes
DIR/client.USER.crt and .key. Existing files are never overwritten.
`

func runCert(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, certUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	fs := flag.NewFlagSet("logdb cert "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("certs-dir", "", "directory of the certificates (required)")
	life := fs.Duration("lifetime", 0, "how long the certificate is valid (default: 10 years for the CA, 5 for the others)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *dir == "" {
		fmt.Fprintln(stderr, "logdb cert: --certs-dir is required")
		return 2
	}
	var err error
	switch args[0] {
	case "create-ca":
		err = createCA(*dir, lifetime(*life, 10))
	case "create-node":
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "logdb cert create-node: name at least one host or address")
			return 2
		}
		err = createSigned(*dir, "node", fs.Args()[0], fs.Args(), lifetime(*life, 5), true)
	case "create-client":
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "logdb cert create-client: name one user")
			return 2
		}
		err = createSigned(*dir, "client."+fs.Arg(0), fs.Arg(0), nil, lifetime(*life, 5), false)
	default:
		fmt.Fprintf(stderr, "logdb cert: unknown command %q\n\n%s", args[0], certUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "logdb cert:", err)
		return 1
	}
	return 0
}

func lifetime(d time.Duration, years int) time.Duration {
	if d > 0 {
		return d
	}
	return time.Duration(years) * 365 * 24 * time.Hour
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// writeNew writes a PEM file that must not exist yet.
func writeNew(path, typ string, der []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists: remove it first to make a new one", path)
		}
		return err
	}
	if err := pem.Encode(f, &pem.Block{Type: typ, Bytes: der}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// newKey is a fresh P-256 key and a random serial number for its
// certificate.
func newKey() (*ecdsa.PrivateKey, *big.Int, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	sn, err := serial()
	return key, sn, err
}

func createCA(dir string, life time.Duration) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	key, sn, err := newKey()
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: sn, Subject: pkix.Name{Organization: []string{"logdb"}, CommonName: "logdb CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(life), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeNew(filepath.Join(dir, "ca.key"), "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writeNew(filepath.Join(dir, "ca.crt"), "CERTIFICATE", der, 0o644)
}

// loadCA reads DIR/ca.crt and DIR/ca.key.
func loadCA(dir string) (*x509.Certificate, any, error) {
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
	if err != nil {
		return nil, nil, fmt.Errorf("the CA (create it with 'logdb cert create-ca'): %w", err)
	}
	ca, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, nil, err
	}
	return ca, pair.PrivateKey, nil
}

// createSigned writes DIR/NAME.crt and DIR/NAME.key, signed by the CA: a
// node certificate (server and client use, for hosts) or a client one
// (common name = the user).
func createSigned(dir, name, commonName string, hosts []string, life time.Duration, node bool) error {
	ca, caKey, err := loadCA(dir)
	if err != nil {
		return err
	}
	key, sn, err := newKey()
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: sn, Subject: pkix.Name{Organization: []string{"logdb"}, CommonName: commonName},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(life), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if node {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
		for _, h := range hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeNew(filepath.Join(dir, name+".key"), "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writeNew(filepath.Join(dir, name+".crt"), "CERTIFICATE", der, 0o644)
}

// loadTLS reads DIR/node.crt and DIR/node.key for the SQL port; no
// directory, no TLS. Clients that ask for TLS (sslmode=require,
// verify-ca, verify-full) get it; the others are served in plain text.
func loadTLS(certsDir string) (*tls.Config, error) {
	if certsDir == "" {
		return nil, nil
	}
	cert, err := loadNodeCert(certsDir)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	// Client certificates signed by ca.crt serve the cert method (--hba-file).
	if pem, err := os.ReadFile(filepath.Join(certsDir, "ca.crt")); err == nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--certs-dir: ca.crt holds no certificate")
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

// loadHBA reads the --hba-file rules; no file, the default rules.
func loadHBA(path string) (*pgwire.HBA, error) {
	if path == "" {
		return pgwire.DefaultHBA(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--hba-file: %w", err)
	}
	h, err := pgwire.ParseHBA(string(b))
	if err != nil {
		return nil, fmt.Errorf("--hba-file %s: %w", path, err)
	}
	return h, nil
}

// loadNodeCert reads DIR/node.crt and DIR/node.key.
func loadNodeCert(certsDir string) (tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(certsDir, "node.crt"), filepath.Join(certsDir, "node.key"))
	if err != nil {
		return cert, fmt.Errorf("--certs-dir: %w (make them with 'logdb cert create-node')", err)
	}
	return cert, nil
}

// loadPeerTLS reads DIR/node.crt, DIR/node.key and DIR/ca.crt for the raft
// port: every node presents its node certificate and accepts only peers
// whose node certificate ca.crt signed (raftlog's TCPTransport.SetTLS).
func loadPeerTLS(certsDir string) (tls.Certificate, *x509.CertPool, error) {
	cert, err := loadNodeCert(certsDir)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pem, err := os.ReadFile(filepath.Join(certsDir, "ca.crt"))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("--certs-dir: %w (the raft port accepts peers whose certificate ca.crt signed)", err)
	}
	cas := x509.NewCertPool()
	if !cas.AppendCertsFromPEM(pem) {
		return tls.Certificate{}, nil, fmt.Errorf("--certs-dir: %s holds no PEM certificate", filepath.Join(certsDir, "ca.crt"))
	}
	return cert, cas, nil
}
