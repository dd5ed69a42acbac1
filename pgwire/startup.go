package pgwire

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"logdb/sql"
	"logdb/sql/pgerror"
)

// Codes of the packets a client may send before (or instead of) the
// StartupMessage: the "version" 1234.5678-5680.
const (
	codeCancelRequest = 1234<<16 | 5678
	codeSSLRequest    = 1234<<16 | 5679
	codeGSSEncRequest = 1234<<16 | 5680
)

const (
	minStartupPacket = 8      // length word + version/code
	maxStartupPacket = 10_000 // MAX_STARTUP_PACKET_LENGTH in PostgreSQL
	protocolMajor    = 3
)

// startupPacket is one pre-startup packet, already split by kind.
type startupPacket struct {
	code   uint32            // protocol version (major<<16|minor) or a request code
	params map[string]string // StartupMessage parameters
	pid    uint32            // CancelRequest
	secret uint32            // CancelRequest
}

// readStartupPacket reads one length-prefixed packet without a type byte.
// A malformed packet returns an error that is not a connection error.
func readStartupPacket(r io.Reader) (*startupPacket, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[:])))
	if n < minStartupPacket || n > maxStartupPacket {
		return nil, fmt.Errorf("invalid length of startup packet: %d", n)
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return parseStartupPacket(body)
}

// parseStartupPacket decodes a startup packet body (after the length).
func parseStartupPacket(body []byte) (*startupPacket, error) {
	p := &startupPacket{code: binary.BigEndian.Uint32(body)}
	rest := body[4:]
	switch p.code {
	case codeSSLRequest, codeGSSEncRequest:
		return p, nil
	case codeCancelRequest:
		if len(rest) < 8 {
			return nil, errors.New("invalid length of cancel request packet")
		}
		p.pid = binary.BigEndian.Uint32(rest)
		p.secret = binary.BigEndian.Uint32(rest[4:])
		return p, nil
	}
	if p.code>>16 != protocolMajor {
		return p, nil // the caller rejects the version
	}
	// Name/value pairs of NUL-terminated strings, then a final NUL.
	p.params = make(map[string]string)
	for {
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			return nil, errors.New("invalid startup packet layout: expected terminator as last byte")
		}
		if i == 0 {
			if len(rest) != 1 {
				return nil, errors.New("invalid startup packet layout: expected terminator as last byte")
			}
			return p, nil
		}
		name := string(rest[:i])
		rest = rest[i+1:]
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			return nil, errors.New("invalid startup packet layout: expected terminator as last byte")
		}
		p.params[name] = string(rest[:j])
		rest = rest[j+1:]
	}
}

// startup runs the connection from accept to its first ReadyForQuery; false
// when the connection is to close (a CancelRequest, a failure, a FATAL).
func (c *conn) startup() bool {
	for negotiations := 0; ; negotiations++ {
		p, err := readStartupPacket(c.rd)
		if err != nil {
			sockErr := c.rd.socketError()
			switch {
			case c.srv.shuttingDown.Load() && errors.Is(sockErr, os.ErrDeadlineExceeded):
				c.fatal(shuttingDownError())
			case sockErr != nil:
				c.srv.log.Debug("connection closed during startup", "remote", c.nc.RemoteAddr().String(), "err", err)
			default:
				// PostgreSQL answers a garbled startup packet with nothing.
				c.srv.log.Debug("invalid startup packet", "remote", c.nc.RemoteAddr().String(), "err", err)
			}
			return false
		}
		switch p.code {
		case codeSSLRequest, codeGSSEncRequest:
			if negotiations >= 2 || c.tls {
				c.fatal(&pgerror.Error{Code: pgerror.ProtocolViolation, Message: "unexpected encryption request after negotiation"})
				return false
			}
			if p.code == codeSSLRequest && c.srv.cfg.TLS != nil {
				if !c.startTLS() {
					return false
				}
				continue
			}
			// No TLS or GSS encryption: 'N', and the client continues in
			// plain text on this connection (libpq) or reconnects (pgx).
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false
			}
			continue
		case codeCancelRequest:
			c.srv.cancel(p.pid, p.secret)
			return false
		}
		if major := p.code >> 16; major != protocolMajor {
			msg := fmt.Sprintf("unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", major, p.code&0xffff)
			if major < protocolMajor {
				// A 2.0 client reads errors in the old format: 'E', text, NUL.
				c.nc.Write(append([]byte("EFATAL:  "+msg+"\n"), 0))
				return false
			}
			c.fatal(&pgerror.Error{Code: pgerror.FeatureNotSupported, Message: msg})
			return false
		}
		return c.start(p)
	}
}

// startTLS answers an SSLRequest with 'S' and runs the TLS handshake (within
// the startup deadline already set on the socket); the connection then
// reads and writes through TLS, starting with the next startup packet.
func (c *conn) startTLS() bool {
	if _, err := c.nc.Write([]byte{'S'}); err != nil {
		return false
	}
	tc := tls.Server(c.nc, c.srv.cfg.TLS)
	if err := tc.Handshake(); err != nil {
		c.srv.log.Debug("TLS handshake failed", "remote", c.nc.RemoteAddr().String(), "err", err)
		return false
	}
	c.mu.Lock() // Shutdown reaches the socket through c.nc
	c.nc = tc
	c.mu.Unlock()
	c.rd = newConnReader(tc, func() { c.cancelStatement(errClientGone) })
	c.w.w = tc
	c.tls = true
	return true
}

// start authenticates (trust), opens the session and reports its
// parameters, ending with the first ReadyForQuery.
func (c *conn) start(p *startupPacket) bool {
	var unrecognized []string
	for name := range p.params {
		if strings.HasPrefix(name, "_pq_.") {
			unrecognized = append(unrecognized, name)
		}
	}
	if minor := p.code & 0xffff; minor > 0 || len(unrecognized) > 0 {
		// PostgreSQL 15 behaviour: offer 3.0 and list the protocol options
		// it does not know; the client carries on with 3.0 or gives up.
		c.w.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unrecognized})
	}

	params, perr := sessionParams(p.params)
	params.ClientAddr = c.nc.RemoteAddr()
	if tc, ok := c.nc.(*tls.Conn); ok {
		st := tc.ConnectionState()
		params.TLS = &st
	}
	if perr != nil {
		c.fatal(perr)
		return false
	}
	if repl := p.params["replication"]; repl != "" && !isFalse(repl) {
		if repl != "database" {
			c.fatal(errPhysical()) // true/on/yes/1: physical replication
			return false
		}
		c.repl = true // replication.go
	}
	if c.srv.shuttingDown.Load() {
		c.fatal(shuttingDownError())
		return false
	}
	c.user, c.db = params.User, params.Database
	super := true // without Config.Roles every user is the superuser
	if c.srv.cfg.Roles != nil {
		role, ferr := c.authenticate(params, c.repl) // auth.go
		if ferr != nil {
			c.srv.log.Info("authentication failed", "remote", c.nc.RemoteAddr().String(), "user", params.User, "code", ferr.Code, "message", ferr.Message)
			c.fatal(ferr)
			return false
		}
		super = role.Super
		if !c.takeRoleSlot(role) {
			c.fatal(&pgerror.Error{Code: pgerror.TooManyConnections, Message: "too many connections for role \"" + role.Name + "\""})
			return false
		}
	}
	if max := c.srv.cfg.MaxConnections; max > 0 {
		n := int(c.srv.sessions.Add(1))
		if n > max || !super && c.srv.cfg.Roles != nil && n > max-ReservedSuperuserSlots {
			c.srv.sessions.Add(-1)
			msg := "sorry, too many clients already"
			if n <= max {
				msg = "remaining connection slots are reserved for non-replication superuser connections"
			}
			c.fatal(&pgerror.Error{Code: pgerror.TooManyConnections, Message: msg})
			return false
		}
		c.counted = true // serve gives the slot back
	}

	c.w.send(&pgproto3.AuthenticationOk{})
	sess, err := c.srv.cfg.Engine.NewSession(params)
	if err != nil {
		c.fatal(pgerror.As(err))
		return false
	}
	c.sess = sess
	if n, ok := sess.(Notifier); ok {
		n.SetNotifier(c.notify)
	}
	for _, kv := range sess.ParameterStatus() {
		c.w.parameterStatus(kv[0], kv[1])
	}
	var sessionPID int32
	if p, ok := sess.(PIDer); ok {
		sessionPID = p.PID()
	}
	c.srv.registerKey(c, sessionPID)
	c.w.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: binary.BigEndian.AppendUint32(nil, c.secret)})

	c.be = pgproto3.NewBackend(c.rd, c.nc)
	c.be.SetMaxBodyLen(c.srv.cfg.MaxMessageSize)
	c.mu.Lock()
	c.interrupted = false // a Shutdown interrupt is caught again before the first read
	err = c.nc.SetDeadline(time.Time{})
	c.mu.Unlock()
	if err != nil {
		return false
	}
	c.readyForQuery()
	return c.w.err == nil
}

// sessionParams maps startup parameters to SessionParams: user (required),
// database (default: the user), application_name, and everything else in
// Options, including the -c name=value settings of "options".
func sessionParams(in map[string]string) (sql.SessionParams, *pgerror.Error) {
	p := sql.SessionParams{
		User:            in["user"],
		Database:        in["database"],
		ApplicationName: in["application_name"],
		Options:         make(map[string]string, len(in)),
	}
	if p.User == "" {
		return p, &pgerror.Error{Code: pgerror.InvalidAuthorization, Message: "no PostgreSQL user name specified in startup packet"}
	}
	if p.Database == "" {
		p.Database = p.User
	}
	if opts := in["options"]; opts != "" {
		if err := parseOptions(opts, p.Options); err != nil {
			return p, err
		}
	}
	// Explicit startup parameters win over "options", as in PostgreSQL.
	for name, value := range in {
		switch {
		case name == "user", name == "database", name == "application_name",
			name == "options", name == "replication", strings.HasPrefix(name, "_pq_."):
			continue
		}
		p.Options[name] = value
	}
	return p, nil
}

// parseOptions reads the "options" startup parameter: command-line switches
// separated by spaces (a backslash escapes the next character), of the
// forms "-c name=value", "-cname=value" and "--name=value".
func parseOptions(s string, into map[string]string) *pgerror.Error {
	var args []string
	var cur strings.Builder
	inArg := false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inArg = true
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(ch)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	bad := func(arg string) *pgerror.Error {
		return &pgerror.Error{Code: pgerror.ProtocolViolation,
			Message: fmt.Sprintf("invalid command-line argument for server process: %s", arg),
			Hint:    `Only "-c name=value" and "--name=value" are accepted in the options startup parameter.`}
	}
	for i := 0; i < len(args); i++ {
		var setting string
		switch a := args[i]; {
		case a == "-c":
			if i+1 >= len(args) {
				return bad(a)
			}
			i++
			setting = args[i]
		case strings.HasPrefix(a, "-c"):
			setting = a[2:]
		case strings.HasPrefix(a, "--"):
			setting = a[2:]
		default:
			return bad(a)
		}
		name, value, ok := strings.Cut(setting, "=")
		if !ok || name == "" {
			return bad(args[i])
		}
		// PostgreSQL accepts '-' for '_' in names given this way.
		into[strings.ReplaceAll(name, "-", "_")] = value
	}
	return nil
}

func isFalse(v string) bool {
	switch strings.ToLower(v) {
	case "false", "off", "no", "0":
		return true
	}
	return false
}

func shuttingDownError() *pgerror.Error {
	return &pgerror.Error{Code: pgerror.CannotConnectNow, Message: "the database system is shutting down", Severity: "FATAL"}
}
