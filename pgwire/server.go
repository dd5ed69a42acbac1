package pgwire

import (
	"context"
	crand "crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"logdb/sql/pgerror"
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("pgwire: server closed")

// Defaults for Config fields left zero.
const (
	DefaultMaxMessageSize = 64 << 20
	DefaultStartupTimeout = 60 * time.Second
)

// forceCloseGrace is how long Shutdown, once its context is done, lets
// canceled statements send their FATAL 57P01 before closing the sockets.
const forceCloseGrace = 250 * time.Millisecond

// Config configures a Server.
type Config struct {
	// Engine starts a Session per connection; required. It decides which
	// databases exist (3D000 otherwise).
	Engine Engine
	// Logger receives connection-level events; nil means slog.Default().
	Logger *slog.Logger
	// MaxMessageSize caps the body of one frontend message; a larger message
	// ends the connection with FATAL 08P01 before anything is allocated for
	// it. Zero means DefaultMaxMessageSize.
	MaxMessageSize int
	// StartupTimeout bounds the time from accept to a started session
	// (PostgreSQL's authentication_timeout). Zero means DefaultStartupTimeout.
	StartupTimeout time.Duration
	// MaxConnections bounds started sessions, as PostgreSQL's
	// max_connections: one more is refused after its startup packet with
	// FATAL 53300 "sorry, too many clients already". Connections still in
	// startup (or carrying a CancelRequest) are bounded too, by
	// MaxConnections + StartupSlack: beyond that an accepted socket is
	// told FATAL 53300 at once and closed, so clients cannot take every
	// file descriptor (MaxRefusing bounds the sockets being told). Zero
	// means no limit.
	MaxConnections int
	// MaxRefusing bounds the sockets over the limit that are being told
	// FATAL 53300 (each holds its descriptor until the client closes, a
	// second at most); beyond it they are closed without a word. Zero
	// means DefaultMaxRefusing.
	MaxRefusing int
	// TLS, when set, answers an SSLRequest with 'S' and a TLS handshake
	// (sslmode=require and stronger); nil answers 'N'. Clients that do not
	// ask for TLS are still served in plain text.
	TLS *tls.Config
	// Roles, when set, authenticates every connection by the HBA rules
	// (auth.go) against the roles it looks up; nil trusts every user name
	// (tests with a fake engine).
	Roles Roles
	// HBA is the first set of authentication rules (SetHBA replaces them);
	// nil means DefaultHBA.
	HBA *HBA
}

// ReservedSuperuserSlots of MaxConnections are kept for superusers, as
// PostgreSQL's superuser_reserved_connections (only with Config.Roles).
const ReservedSuperuserSlots = 3

// StartupSlack is how many connections beyond MaxConnections may be open
// at once while they start up or cancel.
const StartupSlack = 64

// Server serves the PostgreSQL v3 wire protocol, one goroutine per
// connection. Serve, Shutdown and Close may be called concurrently.
type Server struct {
	cfg Config
	log *slog.Logger

	shuttingDown atomic.Bool
	connWG       sync.WaitGroup // one per live connection goroutine

	mu        sync.Mutex // guards the fields below
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	byPID     map[uint32]*conn // started connections, for CancelRequest

	roleConns map[string]int // started sessions by user (CONNECTION LIMIT)

	hba          atomic.Pointer[HBA]
	sessions     atomic.Int32 // started sessions (MaxConnections)
	refusedConns atomic.Uint64
	refusing     atomic.Int64 // sockets being refused by refuseAtOnce
	refusedLog   atomic.Int64 // unix nanos of the last "too many connections" log
}

// NewServer returns a Server; call Serve to accept connections.
func NewServer(cfg Config) *Server {
	if cfg.Engine == nil {
		panic("BUG: pgwire.NewServer: Config.Engine is nil")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.HBA == nil {
		cfg.HBA = DefaultHBA()
	}
	if cfg.StartupTimeout <= 0 {
		cfg.StartupTimeout = DefaultStartupTimeout
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "pgwire"),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*conn]struct{}),
		byPID:     make(map[uint32]*conn),
		roleConns: make(map[string]int),
	}
	s.hba.Store(cfg.HBA)
	return s
}

// HBA returns the authentication rules in force.
func (s *Server) HBA() *HBA { return s.hba.Load() }

// SetHBA replaces the authentication rules (a reload on SIGHUP);
// connections that already authenticated keep their sessions.
func (s *Server) SetHBA(h *HBA) { s.hba.Store(h) }

func (s *Server) startupTimeout() time.Duration { return s.cfg.StartupTimeout }

// Serve accepts connections on ln until Shutdown or Close, when it returns
// ErrServerClosed; any other Accept failure that is not transient is
// returned. Serve closes ln when it returns.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.shuttingDown.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shuttingDown.Load() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of file descriptors and the like: wait and retry, as
			// net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed; retrying", "err", err, "backoff", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if s.overConnectionLimit() {
			s.refuseAtOnce(nc)
			continue
		}
		c := newConn(s, nc)
		if !s.track(c) {
			nc.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

// DefaultMaxRefusing is Config.MaxRefusing's default.
const DefaultMaxRefusing = 1024

// tooManyClients is FATAL 53300 "sorry, too many clients already" as one
// ErrorResponse message, sent to sockets over the limit before anything is
// read from them.
var tooManyClients = func() []byte {
	e := &pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: pgerror.TooManyConnections,
		Message: "sorry, too many clients already"}
	b, _ := e.Encode(nil)
	return b
}()

// refuseAtOnce answers a socket over the connection limit with FATAL 53300
// without reading its startup packet, as a PostgreSQL over its limit
// answers, then closes it: its write side first, so the client reads the
// error rather than a reset, while what it sent is drained for at most a
// second. At most Config.MaxRefusing sockets at a time are refused that
// way (each holds a descriptor for that second); the rest are closed at
// once.
func (s *Server) refuseAtOnce(nc net.Conn) {
	limit := int64(s.cfg.MaxRefusing)
	if limit <= 0 {
		limit = DefaultMaxRefusing
	}
	if s.refusing.Add(1) > limit {
		s.refusing.Add(-1)
		nc.Close()
		return
	}
	go func() {
		defer s.refusing.Add(-1)
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(time.Second))
		if _, err := nc.Write(tooManyClients); err != nil {
			return
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		io.Copy(io.Discard, io.LimitReader(nc, 64<<10))
	}()
}

// overConnectionLimit says whether MaxConnections + StartupSlack sockets
// are open already; it counts and now and then logs the refusal.
func (s *Server) overConnectionLimit() bool {
	max := s.cfg.MaxConnections
	if max <= 0 {
		return false
	}
	s.mu.Lock()
	open := len(s.conns)
	s.mu.Unlock()
	if open < max+StartupSlack {
		return false
	}
	n := s.refusedConns.Add(1)
	if now := time.Now().UnixNano(); now-s.refusedLog.Load() > int64(10*time.Second) {
		s.refusedLog.Store(now)
		s.log.Warn("closing new connections at once: too many open", "open", open, "max_connections", max, "closed_so_far", n)
	}
	return true
}

// track registers a new connection; false when the server is shutting down.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	s.connWG.Add(1)
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	if c.pid != 0 && s.byPID[c.pid] == c {
		delete(s.byPID, c.pid)
	}
	s.mu.Unlock()
	s.connWG.Done()
}

// registerKey assigns c a process id and secret key unique on this server:
// the BackendKeyData a client quotes in a CancelRequest. The session's own
// pid (what pg_backend_pid() shows) is used when it has one and it is free.
func (s *Server) registerKey(c *conn, sessionPID int32) {
	var b [4]byte
	crand.Read(b[:])
	c.secret = binary.BigEndian.Uint32(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if pid := uint32(sessionPID); sessionPID > 0 && s.byPID[pid] == nil {
		c.pid = pid
		s.byPID[pid] = c
		return
	}
	for {
		// Like a Linux pid: positive, below pid_max's default of 2^22.
		pid := uint32(1000 + rand.IntN(1<<22-1000))
		if _, taken := s.byPID[pid]; !taken {
			c.pid = pid
			s.byPID[pid] = c
			return
		}
	}
}

// cancel handles a CancelRequest: cancel the running statement of the
// connection with this key, if any. Unknown keys are ignored silently, as
// PostgreSQL does, so a CancelRequest reveals nothing.
func (s *Server) cancel(pid, secret uint32) {
	s.mu.Lock()
	c := s.byPID[pid]
	s.mu.Unlock()
	if c == nil {
		return
	}
	var a, b [4]byte
	binary.BigEndian.PutUint32(a[:], c.secret)
	binary.BigEndian.PutUint32(b[:], secret)
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return
	}
	c.cancelStatement(errCanceledByUser)
}

// CancelBackend cancels the running statement of the connection whose
// process id is pid, as a CancelRequest with its key would
// (pg_cancel_backend). It reports whether such a connection exists; one
// running nothing is left alone, as in PostgreSQL.
func (s *Server) CancelBackend(pid int32) bool {
	c := s.byProcessID(pid)
	if c == nil {
		return false
	}
	c.cancelStatement(errCanceledByUser)
	return true
}

// TerminateBackend ends the connection whose process id is pid with FATAL
// 57P01 (pg_terminate_backend): a running statement is canceled, an idle
// connection is woken from its read. It reports whether such a connection
// exists.
func (s *Server) TerminateBackend(pid int32) bool {
	c := s.byProcessID(pid)
	if c == nil {
		return false
	}
	c.cancelStatement(errAdminShutdown)
	c.interruptIfIdle()
	return true
}

func (s *Server) byProcessID(pid int32) *conn {
	if pid <= 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byPID[uint32(pid)]
}

// Shutdown stops accepting connections, ends idle connections with FATAL
// 57P01, and waits for busy ones to finish their current message batch
// (they are then ended the same way). A connection in an open transaction
// but waiting for the client counts as idle; its transaction is rolled
// back. If ctx ends first, running statements are canceled, every
// connection is closed, and ctx.Err() is returned without waiting further.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shuttingDown.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
	for c := range s.conns {
		c.interruptIfIdle()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.connWG.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.forceClose(done)
	return ctx.Err()
}

// Close stops accepting connections and closes every connection at once,
// canceling running statements. It does not wait for connection goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.shuttingDown.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
	s.mu.Unlock()
	s.forceClose(nil)
	return nil
}

// forceClose cancels every running statement, gives the connections a
// moment to report FATAL 57P01, then closes the sockets of the rest.
func (s *Server) forceClose(done <-chan struct{}) {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.cancelStatement(errAdminShutdown)
		c.interruptIfIdle()
	}
	if done != nil {
		select {
		case <-done:
			return
		case <-time.After(forceCloseGrace):
		}
	}
	for _, c := range conns {
		c.mu.Lock() // startTLS replaces c.nc under mu
		nc := c.nc
		c.mu.Unlock()
		nc.Close()
	}
}
