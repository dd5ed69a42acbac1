package sql

// This file is the contract between sql and its callers (pgwire, cmd/logdb).
// STUB bodies: the sql owner replaces them, keeping the signatures.

import (
	"context"
	"log/slog"

	"logdb/kv"
	"logdb/sql/pgerror"
)

// Proposer puts a command through the replicated log and returns its apply
// result once the entry is applied on this node (so the caller reads its own
// writes). Declared here, implemented by raftlog via cmd/logdb.
type Proposer interface {
	Propose(ctx context.Context, cmd *kv.Command) (kv.Result, error)
}

// Config wires an Engine.
type Config struct {
	Store    *kv.Store
	Proposer Proposer
	// ReadBarrier, when set, is called before a transaction takes its
	// snapshot, so reads are linearizable in a cluster (ReadIndex, then wait
	// until applied). Nil on a single node.
	ReadBarrier func(ctx context.Context) error
	NodeID      uint64
	Version     string // logdb's version, shown by version()
	Logger      *slog.Logger
}

// Engine is the SQL engine of one node; it is safe for concurrent use and
// hands out Sessions.
type Engine struct {
	cfg Config
}

// NewEngine returns an Engine over the store. The catalog is read from the
// store and kept current as entries apply.
func NewEngine(cfg Config) (*Engine, error) { return &Engine{cfg: cfg}, nil }

// SessionParams are the startup parameters of a connection.
type SessionParams struct {
	User            string
	Database        string // "logdb" or "postgres"; others fail with 3D000
	ApplicationName string
	Options         map[string]string // other startup parameters (DateStyle, TimeZone, search_path, ...)
}

// NewSession starts a session; it fails with 3D000 for an unknown database.
func (e *Engine) NewSession(p SessionParams) (*Session, error) { return &Session{}, nil }

// Column describes one result column, as a RowDescription field.
type Column struct {
	Name     string
	TableOID uint32
	AttNum   int16
	TypeOID  uint32
	TypeLen  int16
	TypeMod  int32
	Format   int16 // 0 text, 1 binary
}

// ResultWriter receives the results of statements. Rows arrive already
// encoded in the column formats (nil element = NULL).
type ResultWriter interface {
	Columns(cols []Column) error // RowDescription (simple protocol only; Describe covers extended)
	Row(values [][]byte) error   // DataRow
	Complete(tag string) error   // CommandComplete ("INSERT 0 1", "SELECT 3", "BEGIN", ...)
	Empty() error                // EmptyQueryResponse
	Notice(n *pgerror.Error) error
}

// Prepared is a parsed, planned statement of the extended protocol.
type Prepared struct {
	Name       string
	SQL        string
	ParamTypes []uint32 // inferred where the client left them 0
	Columns    []Column // nil when the statement returns no rows (NoData)
}

// Portal is a bound statement ready to execute.
type Portal struct {
	Name    string
	Columns []Column // with Format set from the Bind's result formats
}

// Session is one connection's SQL state: settings, the transaction,
// prepared statements and portals. It is used by one goroutine at a time;
// only Cancel may be called concurrently.
type Session struct{}

// ParameterStatus returns the parameters to report at startup, in order.
func (s *Session) ParameterStatus() [][2]string { return nil }

// ChangedParameters returns, and forgets, the reportable parameters changed
// since the last call (SET application_name, TimeZone, ...).
func (s *Session) ChangedParameters() [][2]string { return nil }

// TxStatus is the ReadyForQuery status: 'I' idle, 'T' in a transaction
// block, 'E' in a failed transaction block.
func (s *Session) TxStatus() byte { return 'I' }

// SimpleQuery runs a simple-protocol query string: its statements run in
// order as one implicit transaction unless they manage transactions
// themselves; results are text. It stops at the first error and returns it.
func (s *Session) SimpleQuery(ctx context.Context, query string, w ResultWriter) error {
	return pgerror.Unsupported("SQL")
}

// Prepare parses and plans one statement under name ("" is the unnamed
// statement, replaced by each Prepare). paramTypes may hold 0 for unknown.
func (s *Session) Prepare(ctx context.Context, name, query string, paramTypes []uint32) (*Prepared, error) {
	return nil, pgerror.Unsupported("SQL")
}

// Prepared returns the named prepared statement (26000 when absent).
func (s *Session) Prepared(name string) (*Prepared, error) { return nil, nil }

// ClosePrepared forgets a prepared statement; absent names are ignored.
func (s *Session) ClosePrepared(name string) {}

// Bind creates a portal from a prepared statement and parameters.
func (s *Session) Bind(ctx context.Context, portal, stmt string, paramFormats []int16, params [][]byte, resultFormats []int16) (*Portal, error) {
	return nil, pgerror.Unsupported("SQL")
}

// Portal returns the named portal (34000 when absent).
func (s *Session) Portal(name string) (*Portal, error) { return nil, nil }

// ClosePortal forgets a portal; absent names are ignored.
func (s *Session) ClosePortal(name string) {}

// Execute runs a portal, writing at most maxRows rows (0: all) and then
// CommandComplete, or nothing more when suspended (PortalSuspended follows).
func (s *Session) Execute(ctx context.Context, portal string, maxRows int, w ResultWriter) (suspended bool, err error) {
	return false, pgerror.Unsupported("SQL")
}

// Sync ends an extended-protocol message batch: an implicit transaction
// commits (or, after an error, rolls back); an explicit block stays open.
func (s *Session) Sync(ctx context.Context) error { return nil }

// Close ends the session, rolling back any open transaction.
func (s *Session) Close() {}
