package main

import (
	"crypto/tls"
	"fmt"
)

// loadTLS reads the SQL port's certificate and key; no files, no TLS.
// Clients that ask for TLS (sslmode=require, verify-ca, verify-full) get
// it; the others are served in plain text.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
