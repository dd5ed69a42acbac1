// Package pgwire serves the PostgreSQL v3 wire protocol (as PostgreSQL 15
// speaks it) in front of the SQL layer: connections, startup, the simple
// and extended query protocols, cancellation and graceful shutdown.
//
// # Use
//
// Shaped like net/http.Server:
//
//	srv := pgwire.NewServer(pgwire.Config{Engine: eng, Logger: logger})
//	go srv.Serve(ln)              // returns ErrServerClosed after Shutdown
//	...
//	err := srv.Shutdown(ctx)      // idle connections end now, busy ones after their batch
//
// Engine and Session are declared here, by their user; cmd/logdb adapts
// *sql.Engine (whose NewSession returns *sql.Session) to Engine. A Session
// may also implement PIDer (its pg_backend_pid becomes the BackendKeyData
// process id) and Notifier (LISTEN/NOTIFY delivery).
//
// # Layers
//
//	net.Conn
//	  connReader   reads the socket; watches it while a long statement runs (connreader.go)
//	  pgproto3     message framing and decoding; Backend with SetMaxBodyLen
//	  conn         the state machine below, one goroutine per connection (conn.go,
//	               startup.go, extended.go, copy.go, notify.go)
//	  wireWriter   encodes replies into one buffer, written at ReadyForQuery, Flush,
//	               or past 32 KiB (writer.go)
//	Session        the SQL layer: statements, transactions, prepared statements, portals
//
// pgwire owns framing, message order and the connection's life; the Session
// owns everything about SQL, including the transaction status. Errors get
// their SQLSTATE in the Session and become an ErrorResponse only here.
//
// # Connection lifecycle
//
//	startup   SSLRequest ─▶ 'S' and a TLS handshake with Config.TLS, else 'N';
//	          GSSEncRequest ─▶ 'N'; read the next packet (at most twice)
//	          CancelRequest ─▶ cancel that connection's running statement; close
//	          StartupMessage 3.x ─▶ [NegotiateProtocolVersion, if 3.1+ or _pq_.*]
//	                                authentication (auth.go: the first HBA rule
//	                                that matches picks trust, reject, password,
//	                                md5, SCRAM-SHA-256[-PLUS] or cert; FATAL
//	                                28P01/28000 on failure), the role's
//	                                CONNECTION LIMIT and MaxConnections (3 slots
//	                                kept for superusers), AuthenticationOk,
//	                                Engine.NewSession,
//	                                ParameterStatus…, BackendKeyData, ReadyForQuery
//	   │
//	   ▼
//	idle ◀──────────────┐  blocked reading the first message of the next batch
//	   │                 │
//	   ▼                 │
//	busy      Query ─▶ results, ParameterStatus…, ReadyForQuery
//	          Parse/Bind/Describe/Execute/Close/Flush… Sync ─▶ …, ReadyForQuery
//	          (a batch outside BEGIN whose commit at Sync fails with 40001
//	          and whose replies were not yet written is run again from its
//	          recorded messages: batch_rerun.go)
//	          Terminate, socket error, FATAL ─▶ Session.Close, close the socket
//
// A startup packet with replication=database opens an ordinary session
// whose simple queries may also be replication commands (replication.go,
// package replication): START_REPLICATION switches the connection to
// COPY-both until the client's CopyDone. replication=true (physical) is
// refused with FATAL 0A000.
//
// Startup is bounded by Config.StartupTimeout, and sessions by
// Config.MaxConnections: one more gets FATAL 53300 "sorry, too many clients
// already" after its startup packet, and sockets beyond MaxConnections +
// StartupSlack are closed as they are accepted (counted, logged now and
// then), so clients cannot take every file descriptor. Accept errors
// (EMFILE) are retried with backoff, never fatal. The ReadyForQuery status byte
// (I/T/E) is always Session.TxStatus(): the transaction state lives in one
// place, the Session. Reportable parameters the Session changed
// (Session.ChangedParameters) are sent just before every ReadyForQuery.
//
// Extended protocol: each message is answered in order, replies buffered.
// After an error, the ErrorResponse is sent once and every message up to
// the next Sync is discarded (Terminate excepted); Sync still calls
// Session.Sync, which rolls back the implicit transaction, and ends the
// batch with ReadyForQuery. Describe of a statement reports every result
// column in text format; Describe of a portal reports the formats chosen at
// Bind. Execute with a row limit ends with PortalSuspended when rows remain.
// FunctionCall gets 0A000; CopyData/CopyDone/CopyFail outside COPY are
// ignored, as PostgreSQL does; an unknown message type, a malformed message
// or one over Config.MaxMessageSize ends the connection with FATAL 08P01.
//
// # Concurrency
//
// One goroutine per connection reads a message, executes it and writes the
// replies; the Session is only ever called from it. Nothing else blocks on
// that goroutine:
//
//   - A CancelRequest arrives on another connection, whose goroutine finds
//     the target by (process id, secret key) in the server's map and cancels
//     the running statement's context (cause errCanceledByUser). The Session
//     returns; a bare context.Canceled is reported as 57014. A CancelRequest
//     that finds no statement running does nothing, as in PostgreSQL.
//   - While a statement runs longer than peerCheckDelay, connReader reads
//     one byte in the background (as net/http does while a handler runs):
//     EOF cancels the statement (pgx cancels by closing the socket); a byte
//     of a pipelined message is kept for the next read.
//   - Shutdown sets a read deadline in the past on idle connections, which
//     wake up and send FATAL 57P01 (57P03 during startup). A busy connection
//     notices the shutdown at its next ReadyForQuery and ends the same way.
//     When Shutdown's context ends, running statements are canceled (they
//     report FATAL 57P01) and, after a short grace, sockets are closed.
//   - pg_cancel_backend and pg_terminate_backend reach a connection by its
//     process id alone (no secret key) through Server.CancelBackend, which
//     cancels its running statement like a CancelRequest (57014), and
//     Server.TerminateBackend, which dooms it with errAdminShutdown: its
//     statement is canceled or its idle read woken, and the client gets
//     FATAL 57P01.
//
// conn.mu guards what those other goroutines touch: the connection state,
// the statement context and its cancel function. Server.mu guards the
// listener, connection and process-id maps. Lock order: Server.mu before
// conn.mu; connReader.mu is never held while taking another lock.
//
// A panic while serving a connection (a bug in the SQL layer) is logged
// with its stack, reported to that client as FATAL XX000, and ends only
// that connection.
//
// # COPY and notifications
//
// COPY runs inside SimpleQuery or Execute: the ResultWriter pgwire passes
// also has CopyIn/ReadCopyData/CopyOut/CopyData/CopyDone (copy.go), which
// the SQL layer reaches through an interface of its own. Data is read on
// the connection's goroutine, so CopyData a client sends before it sees
// CopyInResponse (pgx CopyFrom) is read in order.
//
// A Session that implements Notifier gets a function to call, from any
// goroutine, when a LISTENed channel is notified. pgwire queues the
// notification and sends NotificationResponse at once if the connection is
// idle (it interrupts the idle read, which pgproto3 resumes where it
// stopped), else just before the next ReadyForQuery.
//
// Without Config.Roles (tests with a fake engine) every user is trusted.
// Authentication rules (HBA) are swapped whole by SetHBA, so a reload never
// shows a half-read file to a connection.
package pgwire
