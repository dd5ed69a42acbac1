package pgwire

import (
	"context"
	"time"

	"logdb/sql"
	"logdb/sql/pgerror"
)

// Engine hands out one Session per connection. *sql.Engine satisfies it
// through a small adapter in cmd/logdb (its NewSession returns *sql.Session).
type Engine interface {
	// NewSession starts a session for an authenticated connection. An error
	// (typically a *pgerror.Error with 3D000 for an unknown database) ends
	// the connection with a FATAL ErrorResponse.
	NewSession(p sql.SessionParams) (Session, error)
}

// Session is the SQL state of one connection, as pgwire drives it. It is
// called from the connection's goroutine only, one call at a time.
//
// Ownership: slices passed in (paramTypes, paramFormats, params,
// resultFormats) point into the connection's read buffer and are valid only
// during the call; a Session that keeps them must copy them. Values passed
// to ResultWriter.Row are encoded before Row returns, so the Session may
// reuse them afterwards.
//
// Errors should be *pgerror.Error; any other error is sent as XX000, except
// context.Canceled, which becomes 57014 (the statement's context is canceled
// by a CancelRequest, by the client disconnecting, or by server shutdown).
type Session interface {
	// ParameterStatus returns the parameters reported after authentication.
	ParameterStatus() [][2]string
	// ChangedParameters returns, and forgets, the reportable parameters
	// changed since the last call; pgwire reports them before ReadyForQuery.
	ChangedParameters() [][2]string
	// TxStatus is the ReadyForQuery status byte: 'I', 'T' or 'E'. It is the
	// only place the transaction status lives.
	TxStatus() byte
	// IdleTimeout is how long the connection may wait for the next
	// message in the session's current state (idle_session_timeout,
	// idle_in_transaction_session_timeout; 0: no limit) and the FATAL
	// error it then ends with.
	IdleTimeout() (time.Duration, *pgerror.Error)

	SimpleQuery(ctx context.Context, query string, w sql.ResultWriter) error

	Prepare(ctx context.Context, name, query string, paramTypes []uint32) (*sql.Prepared, error)
	Prepared(name string) (*sql.Prepared, error)
	ClosePrepared(name string)
	Bind(ctx context.Context, portal, stmt string, paramFormats []int16, params [][]byte, resultFormats []int16) (*sql.Portal, error)
	Portal(name string) (*sql.Portal, error)
	ClosePortal(name string)
	Execute(ctx context.Context, portal string, maxRows int, w sql.ResultWriter) (suspended bool, err error)
	Sync(ctx context.Context) error

	// Re-running a batch whose implicit transaction failed at Sync with
	// 40001 (batch_rerun.go): BatchStart notes the state at a batch's
	// first message; SyncOnce is Sync without the session's own replay;
	// RerunnableBatch says whether the batch may run again; NoteRetry
	// counts it.
	BatchStart()
	SyncOnce(ctx context.Context) error
	RerunnableBatch(err error) bool
	NoteRetry()

	// Close ends the session, rolling back any open transaction. It is
	// called exactly once, when the connection ends for any reason.
	Close()
}

// PIDer is implemented by a Session that has its own backend process id
// (the one pg_backend_pid() returns). pgwire then reports that id in
// BackendKeyData, so a CancelRequest for it reaches this connection;
// otherwise pgwire picks a random one.
type PIDer interface {
	PID() int32
}
