package pgwire

// Client authentication, PostgreSQL's way: the first HBA rule that
// matches the connection (TLS or not, address, database, user) names the
// method; trust, reject, password (cleartext, over TLS one hopes), md5,
// scram-sha-256 (SCRAM-SHA-256, and SCRAM-SHA-256-PLUS with
// tls-server-end-point channel binding over TLS) or cert (a client
// certificate signed by the CA whose common name is the user name).
// A wrong password and an unknown user fail alike (28P01), after a full
// exchange, so a client cannot tell which names exist.

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"

	"logdb/sql"
	"logdb/sql/pgerror"
)

// Roles looks up a role for authentication. Declared here, implemented by
// *sql.Engine (LookupRole) through cmd/logdb.
type Roles interface {
	LookupRole(ctx context.Context, name string) (sql.RoleAuth, error)
}

// maxAuthMessage bounds a client's password or SASL message.
const maxAuthMessage = 8 << 10

// authenticate runs the method the HBA rules choose for the connection
// and returns the role, or the FATAL error to end the connection with.
func (c *conn) authenticate(p sql.SessionParams, repl bool) (sql.RoleAuth, *pgerror.Error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.srv.startupTimeout())
	defer cancel()
	role, err := c.srv.cfg.Roles.LookupRole(ctx, p.User)
	if err != nil {
		e := pgerror.As(err)
		return role, &pgerror.Error{Code: pgerror.CannotConnectNow, Message: "cannot look up role \"" + p.User + "\": " + e.Message}
	}
	var ip net.IP
	if ta, ok := c.nc.RemoteAddr().(*net.TCPAddr); ok {
		ip = ta.IP
	}
	host := ip.String()
	enc := "no encryption"
	if c.tls {
		enc = "SSL encryption"
	}
	who := fmt.Sprintf("host \"%s\", user \"%s\", database \"%s\", %s", host, p.User, p.Database, enc)
	// A replication=database connection (the logical replication logdb
	// serves) is matched as an ordinary connection to its database, as
	// PostgreSQL does: the "replication" keyword is for physical ones.
	method := c.srv.HBA().match(hbaRequest{ssl: c.tls, ip: ip, db: p.Database, user: p.User, memberOf: role.MemberOf})
	pwFailed := &pgerror.Error{Code: "28P01", Message: "password authentication failed for user \"" + p.User + "\""}
	switch method {
	case "":
		return role, &pgerror.Error{Code: pgerror.InvalidAuthorization, Message: "no pg_hba.conf entry for " + who}
	case "reject":
		return role, &pgerror.Error{Code: pgerror.InvalidAuthorization, Message: "pg_hba.conf rejects connection for " + who}
	case "trust":
	case "cert":
		if !c.hasVerifiedClientCert() {
			// as PostgreSQL says when the certificate is missing or not
			// verified (clientcert=verify-full is implied by cert)
			return role, &pgerror.Error{Code: pgerror.InvalidAuthorization, Message: "connection requires a valid client certificate"}
		}
		if !c.clientCertFor(p.User) {
			return role, &pgerror.Error{Code: pgerror.InvalidAuthorization, Message: "certificate authentication failed for user \"" + p.User + "\""}
		}
	case "password":
		pw, err := c.readCleartext()
		if err != nil {
			return role, err
		}
		if !role.Exists || !checkCleartext(role, pw) {
			return role, pwFailed
		}
	case "md5":
		if _, ok := sql.ParseSCRAMVerifier(role.Password); ok || !role.Exists {
			// PostgreSQL: a SCRAM verifier is checked with SCRAM even here
			if err := c.authSCRAM(role); err != nil {
				return role, err
			}
			break
		}
		if err := c.authMD5(role); err != nil {
			return role, err
		}
	case "scram-sha-256":
		if err := c.authSCRAM(role); err != nil {
			return role, err
		}
	}
	switch {
	case !role.Exists:
		return role, &pgerror.Error{Code: pgerror.InvalidAuthorization, Message: "role \"" + p.User + "\" does not exist"}
	case method != "trust" && method != "cert" && role.ValidUntil != nil && role.ValidUntil.Before(time.Now()):
		return role, pwFailed
	case !role.Login:
		return role, &pgerror.Error{Code: pgerror.InvalidAuthorization, Message: "role \"" + p.User + "\" is not permitted to log in"}
	case repl && !role.Replication && !role.Super:
		return role, &pgerror.Error{Code: pgerror.InsufficientPrivilege,
			Message: "must be superuser or replication role to start walsender"}
	}
	return role, nil
}

// readAuthMessage reads one 'p' message (password, SASL initial or SASL
// response) and returns its body.
func (c *conn) readAuthMessage() ([]byte, *pgerror.Error) {
	if err := c.w.flush(); err != nil {
		return nil, &pgerror.Error{Code: pgerror.ConnectionException, Message: "connection lost during authentication"}
	}
	var hdr [5]byte
	if _, err := io.ReadFull(c.rd, hdr[:]); err != nil {
		return nil, &pgerror.Error{Code: pgerror.ConnectionException, Message: "connection lost during authentication"}
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[1:])))
	if hdr[0] != 'p' || n < 4 || n-4 > maxAuthMessage {
		return nil, &pgerror.Error{Code: pgerror.ProtocolViolation, Message: fmt.Sprintf("expected password response, got message type %d", hdr[0])}
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(c.rd, body); err != nil {
		return nil, &pgerror.Error{Code: pgerror.ConnectionException, Message: "connection lost during authentication"}
	}
	return body, nil
}

func cstring(b []byte) (string, []byte, bool) {
	for i, x := range b {
		if x == 0 {
			return string(b[:i]), b[i+1:], true
		}
	}
	return "", nil, false
}

func (c *conn) readCleartext() (string, *pgerror.Error) {
	c.w.send(&pgproto3.AuthenticationCleartextPassword{})
	body, err := c.readAuthMessage()
	if err != nil {
		return "", err
	}
	pw, _, ok := cstring(body)
	if !ok {
		return "", &pgerror.Error{Code: pgerror.ProtocolViolation, Message: "invalid password packet size"}
	}
	return pw, nil
}

// checkCleartext checks a password against the stored verifier.
func checkCleartext(role sql.RoleAuth, pw string) bool {
	if cred, ok := sql.ParseSCRAMVerifier(role.Password); ok {
		client, err := scram.SHA256.NewClient("", pw, "")
		if err != nil {
			return false
		}
		got := client.GetStoredCredentials(cred.KeyFactors)
		return hmac.Equal(got.StoredKey, cred.StoredKey)
	}
	if len(role.Password) == 35 {
		sum := md5.Sum([]byte(pw + role.Name))
		return hmac.Equal([]byte("md5"+hex.EncodeToString(sum[:])), []byte(role.Password))
	}
	return false
}

// authMD5 is the md5 method against an md5 verifier: the client sends
// "md5" + md5(md5(password + user) + salt).
func (c *conn) authMD5(role sql.RoleAuth) *pgerror.Error {
	var salt [4]byte
	rand.Read(salt[:])
	c.w.send(&pgproto3.AuthenticationMD5Password{Salt: salt})
	body, err := c.readAuthMessage()
	if err != nil {
		return err
	}
	got, _, _ := cstring(body)
	sum := md5.Sum(append([]byte(role.Password[3:]), salt[:]...))
	if !role.Exists || !hmac.Equal([]byte(got), []byte("md5"+hex.EncodeToString(sum[:]))) {
		return &pgerror.Error{Code: "28P01", Message: "password authentication failed for user \"" + role.Name + "\""}
	}
	return nil
}

// authSCRAM runs a SCRAM-SHA-256 exchange (RFC 5802, 7677), with
// tls-server-end-point channel binding (SCRAM-SHA-256-PLUS) offered over
// TLS. A role without a SCRAM verifier gets a mock exchange that fails.
func (c *conn) authSCRAM(role sql.RoleAuth) *pgerror.Error {
	failed := &pgerror.Error{Code: "28P01", Message: "password authentication failed for user \"" + role.Name + "\""}
	mechs := []string{"SCRAM-SHA-256"}
	var cb scram.ChannelBinding
	if c.tls {
		if b, err := serverEndPoint(c.srv.cfg.TLS); err == nil {
			cb = b
			mechs = []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}
		}
	}
	cred, ok := sql.ParseSCRAMVerifier(role.Password)
	if !ok || !role.Exists {
		cred = mockCredentials()
	}
	srv, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return cred, nil })
	if err != nil {
		return &pgerror.Error{Code: pgerror.Internal, Message: err.Error()}
	}
	c.w.send(&pgproto3.AuthenticationSASL{AuthMechanisms: mechs})
	body, perr := c.readAuthMessage()
	if perr != nil {
		return perr
	}
	mech, rest, ok := cstring(body)
	if !ok || len(rest) < 4 {
		return &pgerror.Error{Code: pgerror.ProtocolViolation, Message: "malformed SASL message"}
	}
	n := int(int32(binary.BigEndian.Uint32(rest)))
	rest = rest[4:]
	if n < 0 || n > len(rest) {
		return &pgerror.Error{Code: pgerror.ProtocolViolation, Message: "malformed SASL message"}
	}
	var conv *scram.ServerConversation
	switch {
	case mech == "SCRAM-SHA-256-PLUS" && cb.IsSupported():
		conv = srv.NewConversationWithChannelBindingRequired(cb)
	case mech == "SCRAM-SHA-256" && cb.IsSupported():
		conv = srv.NewConversationWithChannelBinding(cb)
	case mech == "SCRAM-SHA-256":
		conv = srv.NewConversation()
	default:
		return &pgerror.Error{Code: pgerror.ProtocolViolation, Message: "client selected an invalid SASL authentication mechanism"}
	}
	out, err := conv.Step(string(rest[:n]))
	if err != nil {
		return failed
	}
	c.w.send(&pgproto3.AuthenticationSASLContinue{Data: []byte(out)})
	body, perr = c.readAuthMessage()
	if perr != nil {
		return perr
	}
	out, err = conv.Step(string(body))
	if err != nil || !conv.Valid() {
		return failed
	}
	c.w.send(&pgproto3.AuthenticationSASLFinal{Data: []byte(out)})
	return nil
}

// mockCredentials are random: no password matches them.
func mockCredentials() scram.StoredCredentials {
	b := make([]byte, 80)
	rand.Read(b)
	return scram.StoredCredentials{KeyFactors: scram.KeyFactors{Salt: string(b[:16]), Iters: 4096}, StoredKey: b[16:48], ServerKey: b[48:80]}
}

// serverEndPoint is tls-server-end-point channel binding data (RFC 5929):
// the hash of the server's certificate, SHA-256 unless its signature
// uses a stronger one.
func serverEndPoint(cfg *tls.Config) (scram.ChannelBinding, error) {
	if cfg == nil || len(cfg.Certificates) == 0 || len(cfg.Certificates[0].Certificate) == 0 {
		return scram.ChannelBinding{}, errors.New("no server certificate")
	}
	cert := cfg.Certificates[0].Leaf
	if cert == nil {
		var err error
		if cert, err = x509.ParseCertificate(cfg.Certificates[0].Certificate[0]); err != nil {
			return scram.ChannelBinding{}, err
		}
	}
	var h hash.Hash
	switch cert.SignatureAlgorithm {
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = sha512.New()
	default:
		h = sha256.New()
	}
	h.Write(cert.Raw)
	return scram.ChannelBinding{Type: scram.ChannelBindingTLSServerEndpoint, Data: h.Sum(nil)}, nil
}

// clientCertFor reports whether the connection presented a client
// certificate, verified against the CA, whose common name is user.
// hasVerifiedClientCert: the TLS client presented a certificate that
// verified against the CA.
func (c *conn) hasVerifiedClientCert() bool {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return false
	}
	st := tc.ConnectionState()
	return len(st.VerifiedChains) > 0 && len(st.PeerCertificates) > 0
}

func (c *conn) clientCertFor(user string) bool {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return false
	}
	st := tc.ConnectionState()
	return len(st.VerifiedChains) > 0 && len(st.PeerCertificates) > 0 && st.PeerCertificates[0].Subject.CommonName == user
}

// takeRoleSlot counts the session against its role's CONNECTION LIMIT
// (on this node); false when the role has none left. Superusers are not
// limited, as in PostgreSQL.
func (c *conn) takeRoleSlot(role sql.RoleAuth) bool {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	if role.ConnLimit >= 0 && !role.Super && c.srv.roleConns[c.user] >= int(role.ConnLimit) {
		return false
	}
	c.srv.roleConns[c.user]++
	c.roleSlot = true
	return true
}
