package raftlog

// Making raft connections: dialing peers (staggered, so a SYN lost to a
// partition is not waited on), keepalives and TCP_USER_TIMEOUT, mutual TLS.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"
)

// tcpKeepAliveConfig probes an idle raft connection (a follower's to
// another follower carries nothing), so a dead one fails within
// tcpDeadPeerTimeout too.
var tcpKeepAliveConfig = net.KeepAliveConfig{Enable: true, Idle: tcpKeepAlive, Interval: tcpKeepAlive, Count: 3}

// configureConn makes a raft connection fail fast when its peer is gone
// (keepalives, TCP_USER_TIMEOUT). Errors are ignored: a connection
// without them still works, it just notices a partition later.
func configureConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetKeepAliveConfig(tcpKeepAliveConfig)
		_ = setUserTimeout(tc, tcpDeadPeerTimeout)
	}
}

// SetTLS makes every raft and snapshot connection mutual TLS: inbound
// connections must present a certificate that verifies against the pool
// and is a node's (extended key usage "server auth": the node certificates
// of `logdb cert create-node` have it, client certificates do not), and
// outbound ones present cert and accept only such a peer. Host names are
// not checked: the peer is any node of the CA's cluster, and which member
// it speaks for is still checked against the membership's addresses.
// Call before Start.
func (t *TCPTransport) SetTLS(cert tls.Certificate, cas *x509.CertPool) {
	verify := func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
		if len(rawCerts) == 0 {
			return errors.New("no certificate")
		}
		leaf, err := x509.ParseCertificate(rawCerts[0])
		if err != nil {
			return err
		}
		inter := x509.NewCertPool()
		for _, raw := range rawCerts[1:] {
			if c, err := x509.ParseCertificate(raw); err == nil {
				inter.AddCert(c)
			}
		}
		_, err = leaf.Verify(x509.VerifyOptions{Roots: cas, Intermediates: inter,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if err != nil {
			return fmt.Errorf("not a node certificate of this cluster's CA: %w", err)
		}
		return nil
	}
	t.tlsServer = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13,
		ClientAuth: tls.RequireAnyClientCert, VerifyPeerCertificate: verify}
	t.tlsClient = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13,
		InsecureSkipVerify: true, VerifyPeerCertificate: verify} // verify checks the chain
}

// tcpHandshakeTimeout bounds a TLS handshake on a raft connection.
const tcpHandshakeTimeout = 5 * time.Second

// serverTLS completes an inbound connection's TLS handshake (SetTLS), or
// returns c as it is.
func (t *TCPTransport) serverTLS(c net.Conn) (net.Conn, error) {
	if t.tlsServer == nil {
		return c, nil
	}
	tc := tls.Server(c, t.tlsServer)
	ctx, cancel := context.WithTimeout(t.ctx, tcpHandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

// dial connects to a peer, over mutual TLS when SetTLS was called.
func (t *TCPTransport) dial(ctx context.Context, addr string) (net.Conn, error) {
	c, err := dialStaggered(ctx, addr, tcpDialTimeout, tcpDialStagger)
	if err != nil {
		return nil, err
	}
	configureConn(c)
	if t.tlsClient == nil {
		return c, nil
	}
	hctx, cancel := context.WithTimeout(ctx, tcpHandshakeTimeout)
	defer cancel()
	tc := tls.Client(c, t.tlsClient)
	if err := tc.HandshakeContext(hctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
	}
	return tc, nil
}

// dialStaggered connects to addr over TCP within timeout. A SYN lost to
// a partition is resent by the kernel only after a second, so instead of
// waiting for it a new attempt starts every stagger while earlier ones are
// pending; the first connection made wins and the others are closed. It
// fails at once when every attempt started has failed before the timeout
// (the peer refused: nothing is pending), else when the timeout passes
// (a timeout error: net.Error's Timeout is true).
func dialStaggered(ctx context.Context, addr string, timeout, stagger time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		c   net.Conn
		err error
	}
	results := make(chan result)
	pending := 0
	start := func() {
		pending++
		go func() {
			d := net.Dialer{KeepAliveConfig: tcpKeepAliveConfig}
			c, err := d.DialContext(ctx, "tcp", addr)
			select {
			case results <- result{c, err}:
			case <-ctx.Done():
				if c != nil {
					c.Close() // another attempt won, or too late
				}
			}
		}()
	}
	start()
	next := time.NewTicker(stagger)
	defer next.Stop()
	var lastErr error
	for {
		select {
		case r := <-results:
			pending--
			if r.err == nil {
				return r.c, nil
			}
			lastErr = r.err
			if pending == 0 && ctx.Err() == nil {
				return nil, lastErr
			}
		case <-next.C:
			start()
		case <-ctx.Done():
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
		}
	}
}

// dialTimedOut says whether a dial failed for want of an answer (a lost
// SYN: a partition, a dead host) rather than a refusal.
func dialTimedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
