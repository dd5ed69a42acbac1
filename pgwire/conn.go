package pgwire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"logdb/replication"
	"logdb/sql/pgerror"
)

// connState is where a connection is in its lifecycle; Shutdown reads it to
// decide whether a connection may be interrupted at once.
type connState uint8

const (
	stateStartup connState = iota // before ReadyForQuery: SSL negotiation, startup packet, session start
	stateIdle                     // waiting for the first message of a new batch, after ReadyForQuery
	stateBusy                     // processing messages of a batch, or executing
)

// conn is one client connection. Its goroutine (serve) owns everything but
// the fields under mu, which other goroutines touch to cancel or interrupt.
type conn struct {
	srv *Server
	nc  net.Conn
	rd  *connReader
	be  *pgproto3.Backend
	w   wireWriter
	rw  resultWriter

	sess     Session
	counted  bool   // holds one of Config.MaxConnections' slots; serve goroutine only
	roleSlot bool   // counted in Server.roleConns under user; serve goroutine only
	pid      uint32 // BackendKeyData; set by registerKey, read-only afterwards
	secret   uint32
	user     string
	db       string

	boundary bool        // ReadyForQuery was sent and no message has arrived since
	skipping bool        // an extended-protocol error occurred: discard messages until Sync
	batch    batchRecord // the batch's messages, to run it again after 40001 at Sync (batch_rerun.go)
	quit     bool        // a FATAL was sent or the connection is to end
	copyIn   bool        // CopyInResponse was sent; ReadCopyData may read the stream
	lostSync bool        // the client broke the COPY protocol: end after reporting the error
	repl     bool        // replication=database: replication commands too (replication.go)
	tls      bool        // the connection runs over TLS (startTLS)

	mu         sync.Mutex // guards the fields below
	state      connState
	running    bool // a statement is executing under stmtCtx
	stmtCtx    context.Context
	stmtCancel context.CancelCauseFunc
	terminal   error // errAdminShutdown or errClientGone once the connection is doomed
	// interrupted: a read deadline in the past was set to wake the idle
	// goroutine (Shutdown, or a notification to deliver).
	interrupted   bool
	pending       []notification // for the client, sent when idle or before ReadyForQuery
	pendingBytes  int            // channels and payloads in pending
	droppedNotify bool
	inTxn         bool // the last ReadyForQuery was not 'I': notifications wait
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc}
	c.rd = newConnReader(nc, func() { c.cancelStatement(errClientGone) })
	c.w.w = nc
	c.rw.c, c.rw.w = c, &c.w
	c.stmtCtx, c.stmtCancel = context.WithCancelCause(context.Background())
	// Set before the connection is tracked, so a Shutdown's interrupt is
	// never overwritten.
	nc.SetDeadline(time.Now().Add(s.cfg.StartupTimeout))
	return c
}

func (c *conn) serve() {
	defer c.srv.untrack(c)
	defer c.nc.Close()
	defer func() {
		if c.counted {
			c.srv.sessions.Add(-1)
		}
		if c.roleSlot {
			c.srv.mu.Lock()
			if c.srv.roleConns[c.user]--; c.srv.roleConns[c.user] <= 0 {
				delete(c.srv.roleConns, c.user)
			}
			c.srv.mu.Unlock()
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			// A bug in a statement's execution must not take the server down
			// with every other connection; report it and drop this one.
			c.srv.log.Error("panic serving connection", "remote", c.nc.RemoteAddr().String(),
				"pid", c.pid, "panic", r, "stack", string(debug.Stack()))
			c.w.err = nil
			c.w.buf = c.w.buf[:0]
			c.fatal(&pgerror.Error{Code: pgerror.Internal, Message: fmt.Sprintf("internal error: %v", r)})
		}
		c.cancelStatement(errClientGone)
		if c.sess != nil {
			c.sess.Close()
		}
	}()

	if !c.startup() {
		return
	}
	c.srv.log.Debug("session started", "remote", c.nc.RemoteAddr().String(), "pid", c.pid, "user", c.user, "database", c.db)
	c.loop()
	c.srv.log.Debug("session ended", "pid", c.pid)
}

// loop is the ready loop: read one message, act on it, until the client
// terminates or the connection fails.
func (c *conn) loop() {
	for !c.quit {
		if c.boundary {
			if doomed := c.enterIdle(); doomed != nil {
				var pe *pgerror.Error
				switch {
				case errors.As(doomed, &pe): // an idle timeout that came as a batch arrived
					c.fatal(pe)
				case doomed != errClientGone:
					c.fatal(adminShutdownError())
				}
				return
			}
		}
		var idle *time.Timer
		if c.boundary {
			idle = c.armIdleTimeout()
		}
		msg, err := c.be.Receive()
		if idle != nil {
			idle.Stop()
		}
		if err != nil && c.boundary && c.wokenToNotify() {
			continue
		}
		if c.boundary {
			c.boundary = false
			c.setBusy()
			c.batchBegin()
		}
		if err != nil {
			c.receiveFailed(err)
			return
		}
		if c.skipping {
			switch msg.(type) {
			case *pgproto3.Sync, *pgproto3.Terminate:
			default:
				continue
			}
		}
		c.record(msg)
		switch m := msg.(type) {
		case *pgproto3.Query:
			c.simpleQuery(m.String)
		case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute:
			c.extendedMessage(m)
		case *pgproto3.Close:
			c.close(m)
		case *pgproto3.Sync:
			c.sync()
		case *pgproto3.Flush:
			c.w.flush()
		case *pgproto3.Terminate:
			return
		case *pgproto3.FunctionCall:
			c.w.errorResponse(pgerror.Unsupported("the function call protocol"), "ERROR")
			c.readyForQuery()
		case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
			// Outside COPY these are ignored, as PostgreSQL does: they are
			// the tail of a COPY that already failed.
		default:
			c.fatal(&pgerror.Error{Code: pgerror.ProtocolViolation,
				Message: fmt.Sprintf("unexpected frontend message %T", msg)})
			return
		}
		c.endIfLostSync()
		if c.w.err != nil {
			c.srv.log.Debug("connection lost", "pid", c.pid, "err", c.w.err)
			return
		}
	}
}

// receiveFailed ends the connection after Receive failed: quietly when the
// client is gone, with FATAL 57P01 when Shutdown interrupted an idle read,
// with FATAL 08P01 for a malformed or oversized message.
func (c *conn) receiveFailed(err error) {
	var tooBig *pgproto3.ExceededMaxBodyLenErr
	if sockErr := c.rd.socketError(); sockErr != nil {
		var pe *pgerror.Error
		if errors.As(c.doomedBy(), &pe) && errors.Is(sockErr, os.ErrDeadlineExceeded) {
			c.fatal(pe) // idle_session_timeout, idle_in_transaction_session_timeout
		} else if (c.srv.shuttingDown.Load() || c.doomedBy() == errAdminShutdown) && errors.Is(sockErr, os.ErrDeadlineExceeded) {
			c.fatal(adminShutdownError())
		} else {
			c.srv.log.Debug("connection lost", "pid", c.pid, "err", err)
		}
		return
	}
	if errors.As(err, &tooBig) {
		c.fatal(&pgerror.Error{Code: pgerror.ProtocolViolation,
			Message: fmt.Sprintf("message of %d bytes exceeds the maximum message size of %d bytes", tooBig.ActualBodyLen, tooBig.MaxExpectedBodyLen)})
		return
	}
	c.fatal(&pgerror.Error{Code: pgerror.ProtocolViolation, Message: "invalid frontend message: " + err.Error()})
}

// armIdleTimeout starts the session's idle timeout for the read of the
// next batch (Session.IdleTimeout): when it fires while the connection
// still waits, the connection is doomed with the timeout's FATAL error and
// its read interrupted. The caller stops the timer once the read returns.
func (c *conn) armIdleTimeout() *time.Timer {
	d, e := c.sess.IdleTimeout()
	if d <= 0 {
		return nil
	}
	return time.AfterFunc(d, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.state == stateIdle && c.terminal == nil {
			c.terminal = e
			c.interruptLocked()
		}
	})
}

// doomedBy is why the connection must end (terminal), nil if it need not.
func (c *conn) doomedBy() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.terminal
}

// fatal sends a FATAL error and marks the connection to end.
func (c *conn) fatal(e *pgerror.Error) {
	c.w.errorResponse(e, "FATAL")
	c.w.flush()
	c.quit = true
	c.srv.log.Debug("connection ended with FATAL", "pid", c.pid, "code", e.Code, "message", e.Message)
}

// readyForQuery ends a batch: changed parameters, then ReadyForQuery with
// the session's transaction status, then one write for the whole batch.
func (c *conn) readyForQuery() {
	status := c.sess.TxStatus()
	c.mu.Lock()
	c.inTxn = status != 'I'
	ns := c.takeNotificationsLocked()
	c.mu.Unlock()
	c.sendNotifications(ns)
	for _, p := range c.sess.ChangedParameters() {
		c.w.parameterStatus(p[0], p[1])
	}
	c.w.readyForQuery(status)
	c.w.flush()
	c.boundary = true
}

// setBusy marks the start of a batch. An interrupt aimed at the idle read
// that came too late (the message was already buffered) is undone, so the
// batch is read to its end; a shutdown is then noticed at ReadyForQuery.
func (c *conn) setBusy() {
	c.mu.Lock()
	c.state = stateBusy
	c.clearInterruptLocked()
	c.mu.Unlock()
}

// enterIdle marks the connection idle before it blocks for the next batch.
// It returns why the connection must end instead (errAdminShutdown,
// errClientGone), if it must. The shutdown flag is read under mu so that
// Shutdown, which sets it before taking each connection's mu, either sees
// stateIdle or is seen here.
//
// Notifications queued while the connection was busy, after its
// ReadyForQuery was written, are sent now: once idle, later ones interrupt
// the read instead.
func (c *conn) enterIdle() (doomed error) {
	c.mu.Lock()
	if c.terminal != nil {
		defer c.mu.Unlock()
		return c.terminal
	}
	if c.srv.shuttingDown.Load() {
		c.mu.Unlock()
		return errAdminShutdown
	}
	c.state = stateIdle
	ns := c.takeNotificationsLocked()
	c.mu.Unlock()
	if len(ns) > 0 {
		c.sendNotifications(ns)
		c.w.flush()
	}
	return nil
}

// interruptIfIdle makes a connection blocked waiting for the client return
// from its read at once (it then reports 57P01 or 57P03). Busy connections
// notice the shutdown at their next ReadyForQuery.
func (c *conn) interruptIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateBusy {
		c.interruptLocked()
	}
}

// beginStatement returns the context for a Session call that may block.
// With watch set, a client that disconnects while it runs cancels it.
func (c *conn) beginStatement(watch bool) context.Context {
	c.copyIn = false
	c.mu.Lock()
	c.running = true
	ctx := c.stmtCtx
	c.mu.Unlock()
	if watch {
		c.rd.watch()
	}
	return ctx
}

func (c *conn) endStatement(watch bool) {
	if watch {
		c.rd.unwatch()
	}
	c.mu.Lock()
	c.running = false
	if c.terminal == nil && c.stmtCtx.Err() != nil {
		// A CancelRequest hit this statement; the next one starts afresh.
		c.stmtCtx, c.stmtCancel = context.WithCancelCause(context.Background())
	}
	c.mu.Unlock()
}

// cancelStatement cancels the running statement. A CancelRequest that finds
// no statement running is dropped, as in PostgreSQL; a disconnect or
// shutdown also dooms statements that have not started yet.
func (c *conn) cancelStatement(cause error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cause == errCanceledByUser {
		if c.running && c.terminal == nil {
			c.stmtCancel(cause)
		}
		return
	}
	if c.terminal == nil {
		c.terminal = cause
	}
	c.stmtCancel(cause)
}

// statementError sends the error a Session call returned; a FATAL one ends
// the connection.
func (c *conn) statementError(ctx context.Context, err error) {
	if c.quit {
		return // the connection is ending and has said so, if it could
	}
	pe := toPgError(ctx, err)
	if pe.Severity == "FATAL" || pe.Severity == "PANIC" {
		c.fatal(pe)
		return
	}
	if pe.Code == pgerror.Internal {
		c.srv.log.Warn("internal error", "pid", c.pid, "err", err)
	}
	c.w.errorResponse(pe, "ERROR")
	c.endIfLostSync()
}

// endIfLostSync ends a connection whose client broke the COPY protocol.
func (c *conn) endIfLostSync() {
	if c.lostSync && !c.quit {
		c.fatal(&pgerror.Error{Code: pgerror.ProtocolViolation, Message: "terminating connection because protocol synchronization was lost"})
	}
}

func (c *conn) simpleQuery(query string) {
	if c.repl {
		if replication.IsCommand(query) {
			c.replicationCommand(query)
			return
		}
		if rs, ok := c.sess.(replicationSession); ok {
			rs.ReleaseExportedSnapshot() // valid until the next command
		}
	}
	c.rw.extended = false
	ctx := c.beginStatement(true)
	if err := c.sess.SimpleQuery(ctx, query, &c.rw); err != nil {
		c.statementError(ctx, err)
	}
	c.endStatement(true)
	if !c.quit {
		c.readyForQuery()
	}
}
