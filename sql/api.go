package sql

// This file is the contract between sql and its callers (pgwire, cmd/logdb).

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/xdg-go/scram"

	"logdb/changefeed"
	"logdb/kv"
	"logdb/locks"
	"logdb/notify"
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/extparse"
	"logdb/sql/parse"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/settings"
	"logdb/sql/types"
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
	// LeaderInTouch, with ReadBarrier, reports whether this node's
	// proposals can reach a leader now (raftlog.Node.LeaderInTouch): only
	// then does a transaction that begins with an INSERT skip the read
	// barrier (deferredread.go).
	LeaderInTouch func() bool
	NodeID        uint64
	Version       string // logdb's version, shown by version()
	Logger        *slog.Logger
	// Feed serves SUBSCRIBE, slots and pg_current_wal_lsn (subscribe.go);
	// nil: those fail with 55000.
	Feed *changefeed.Feed

	// Cluster, when set, lists the raft group's members for the
	// logdb_cluster view (see cluster.go).
	Cluster func() []ClusterMember

	// MaxExpressionDepth bounds how deep a statement's parse may nest
	// (depth.go): deeper ones fail with 54001 before they reach the
	// parser. 0 means DefaultMaxExpressionDepth; at most
	// MaxExpressionDepthLimit.
	MaxExpressionDepth int
	// MaxTxnBytes bounds a transaction's log entry: writing past it fails
	// with 54000 (checkTxnSize). 0 means DefaultMaxTxnBytes; at most
	// MaxTxnBytesLimit.
	MaxTxnBytes int64
	// MaxStatementMemory bounds the rows all the operators of one
	// statement hold in memory together (sql/exec/workmem.go): past it the
	// statement fails with 53200. 0 means DefaultMaxStatementMemory.
	MaxStatementMemory int64
	// TempDir holds the runs of sorts that pass work_mem (sql/exec/sort.go);
	// "" is the system's temporary directory.
	TempDir string
	// Observer, when set, receives statement and transaction measurements
	// (activity.go). Backends, when set, lets pg_cancel_backend and
	// pg_terminate_backend reach other connections of this node; without
	// it they return false.
	Observer Observer
	Backends Backends
	// Backup, when set, serves BACKUP TO STDOUT: it writes a consistent
	// backup of the node to w (backup.go). Nil: the statement fails with
	// 0A000.
	Backup func(ctx context.Context, w io.Writer, req extparse.BackupRequest) error
	// Notify is the node's LISTEN registry; the caller delivers the
	// notifications of applied entries to it (notify.Registry.Applied).
	// Nil: the engine makes one that nothing feeds.
	Notify *notify.Registry
	// Locks is the node's side of the cluster's lock table (advisory
	// locks; package locks). Nil: the lock functions fail with 0A000.
	Locks *locks.Local
	// Settings are the server's defaults of run-time parameters (logdb
	// start's --log-statement and the like), by name; a session's role
	// settings, startup options and SET override them, RESET returns to
	// them. NewEngine checks them.
	Settings map[string]string
}

// DefaultMaxTxnBytes and MaxTxnBytesLimit bound Config.MaxTxnBytes: a
// transaction is one raft entry, one WAL record of at most 256 MiB, held
// in memory several times over while it is proposed, replicated and
// applied.
const (
	DefaultMaxTxnBytes = 128 << 20
	MaxTxnBytesLimit   = 192 << 20
)

// DefaultMaxExpressionDepth and MaxExpressionDepthLimit bound
// Config.MaxExpressionDepth (sql/parse measures the depth).
const (
	DefaultMaxExpressionDepth = parse.DefaultMaxExpressionDepth
	MaxExpressionDepthLimit   = parse.MaxExpressionDepthLimit
)

// DefaultMaxStatementMemory is Config.MaxStatementMemory's default.
const DefaultMaxStatementMemory = 1 << 30

// Engine is the SQL engine of one node; it is safe for concurrent use and
// hands out Sessions.
type Engine struct {
	cfg       Config
	stalePIDs map[int32]bool // pids of stale temporary schemas, never handed out (temp.go); set before serving
	limits    exec.Limits    // from cfg, for running plans
	mu        sync.Mutex     // guards st
	st        engineState
	parses    *parse.Cache
	listeners *notify.Registry
	sessions  sessionRegistry // live sessions, for pg_stat_activity (activity.go)
	stats     engineStats     // pg_stat_database, pg_stat_user_tables (stats.go)
	xids      xidAllocator    // transaction ids (xid.go)
	// settingsBase are the checked Config.Settings
	settingsBase map[string]string
}

// NewEngine returns an Engine over the store. The catalog is read from the
// store and kept current as entries apply.
func NewEngine(cfg Config) (*Engine, error) {
	switch {
	case cfg.MaxExpressionDepth == 0:
		cfg.MaxExpressionDepth = DefaultMaxExpressionDepth
	case cfg.MaxExpressionDepth < 0 || cfg.MaxExpressionDepth > MaxExpressionDepthLimit:
		return nil, fmt.Errorf("sql: MaxExpressionDepth %d not in [1, %d]", cfg.MaxExpressionDepth, MaxExpressionDepthLimit)
	}
	switch {
	case cfg.MaxTxnBytes == 0:
		cfg.MaxTxnBytes = DefaultMaxTxnBytes
	case cfg.MaxTxnBytes < 0 || cfg.MaxTxnBytes > MaxTxnBytesLimit:
		return nil, fmt.Errorf("sql: MaxTxnBytes %d not in [1, %d]", cfg.MaxTxnBytes, MaxTxnBytesLimit)
	}
	switch {
	case cfg.MaxStatementMemory == 0:
		cfg.MaxStatementMemory = DefaultMaxStatementMemory
	case cfg.MaxStatementMemory < 0:
		return nil, fmt.Errorf("sql: MaxStatementMemory %d is negative", cfg.MaxStatementMemory)
	}
	base, err := settings.CheckBase(cfg.Settings)
	if err != nil {
		return nil, fmt.Errorf("sql: server setting: %w", err)
	}
	e := &Engine{cfg: cfg, listeners: cfg.Notify, settingsBase: base}
	if e.listeners == nil {
		e.listeners = notify.NewRegistry()
	}
	e.init()
	return e, nil
}

// SessionParams are the startup parameters of a connection.
type SessionParams struct {
	User            string
	Database        string // "logdb" or "postgres"; others fail with 3D000
	ApplicationName string
	Options         map[string]string // other startup parameters (DateStyle, TimeZone, search_path, ...)
	// ClientAddr is the client's address (pg_stat_activity.client_addr);
	// nil for none.
	ClientAddr net.Addr
	// TLS is the connection's TLS state (pg_stat_ssl); nil in plain text.
	TLS *tls.ConnectionState
}

// NewSession starts a session; it fails with 3D000 for an unknown database.
func (e *Engine) NewSession(p SessionParams) (*Session, error) { return e.newSession(p) }

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

	ps *prepStmt
	// the last Bind's portal description, reused while formats and plan
	// stay the same (callers must not modify Portal.Columns)
	portalCols    []Column
	portalFormats []int16
	portalCat     *catalog.Catalog
}

// Portal is a bound statement ready to execute.
type Portal struct {
	Name    string
	Columns []Column // with Format set from the Bind's result formats

	prep    *Prepared
	params  []types.Datum
	formats []int16
	cur     *cursor    // open while suspended
	doneTag string     // set once the portal ran to completion
	decl    *sqlCursor // a cursor made by DECLARE, used as a portal (cursors.go)
}

// Session is one connection's SQL state: settings, the transaction,
// prepared statements and portals. It is used by one goroutine at a time.
type Session struct {
	e       *Engine
	user    string // session_user
	role    string // SET ROLE's role; "" means user (roles.go)
	db      string // current_database(), the name connected to
	dbOID   uint32 // the database's OID: its catalog (databases.go)
	pid     int32
	started time.Time
	// madeTemp: a CREATE TEMP of this session may have made its temporary
	// schema (temp.go), dropped at Close.
	madeTemp bool
	set      *settings.Settings

	mode txnMode
	tx   *txnState

	prepared map[string]*Prepared
	portals  map[string]*Portal
	// simplePlans caches simple-protocol plans by statement text (they
	// re-plan when the catalog version, the role or the search path
	// changes: planFor).
	simplePlans map[string]*prepStmt
	cursors     map[string]*sqlCursor
	cursorSeq   uint64 // DECLAREs so far: a cursor's and a savepoint's place in the transaction
	// unnamedPortalSeq numbers the cursors PL/pgSQL opens without a name
	unnamedPortalSeq int
	tempSlots        []string // temporary replication slots, dropped at Close
	// exportedName names the snapshot this session exported
	// (CREATE_REPLICATION_SLOT … EXPORT_SNAPSHOT; replication.go)
	exportedName string
	exportSeq    uint32

	seqLast map[uint32]int64 // currval
	lastVal int64
	hasLast bool

	// catalogSchema cache
	schemaCache       *pgcatalog.Schema
	schemaCat         *catalog.Catalog
	schemaSettingsGen int

	timedOut bool // the current statement's context expired by statement_timeout

	logConf logConfig // the statement-logging settings (statementlog.go)

	notifier func(pid uint32, channel, payload string) // set by pgwire (SetNotifier)
	listener *notify.Listener                          // made at the first committed LISTEN (notify.go)
	locks    sessionLocks                              // cluster-wide locks held (locks.go)
	notices  []*pgerror.Error                          // warnings of functions, sent before the statement's next row or its end
	routines routineState                              // user-defined functions' compiled bodies and plans (routines.go)

	act        activity  // what pg_stat_activity shows (activity.go)
	batch      batchMark // the state at the start of the client's batch (batch_rerun.go)
	txStarts   uint64    // transactions begun (batch_rerun.go)
	effects    uint64    // effects no rollback undoes, so far (batch_rerun.go)
	deferRead  bool      // the statement about to take a snapshot may skip the read point (deferredread.go)
	clientAddr net.Addr
	tls        *tls.ConnectionState // nil in plain text
}

// ParameterStatus returns the parameters to report at startup, in order.
func (s *Session) ParameterStatus() [][2]string { return s.parameterStatus() }

// ChangedParameters returns, and forgets, the reportable parameters changed
// since the last call (SET application_name, TimeZone, ...).
func (s *Session) ChangedParameters() [][2]string { return s.changedParameters() }

// TxStatus is the ReadyForQuery status: 'I' idle, 'T' in a transaction
// block, 'E' in a failed transaction block.
func (s *Session) TxStatus() byte {
	switch s.mode {
	case modeBlock:
		return 'T'
	case modeFailed:
		return 'E'
	}
	return 'I'
}

// IdleTimeout is how long the connection may wait for the client's next
// message before it is ended, and the FATAL error it is ended with:
// idle_in_transaction_session_timeout inside a transaction block (25P03),
// idle_session_timeout outside one (57P05); 0 when the setting is 0.
func (s *Session) IdleTimeout() (time.Duration, *pgerror.Error) {
	// Called before every read of the client's next message: the error is
	// built only when a timeout is set.
	if s.TxStatus() == 'I' {
		ms := settings.MS(s.set.Vals["idle_session_timeout"])
		if ms <= 0 {
			return 0, nil
		}
		return time.Duration(ms) * time.Millisecond, &pgerror.Error{Code: pgerror.IdleSessionTimeout, Severity: "FATAL",
			Message: "terminating connection due to idle-session timeout"}
	}
	ms := settings.MS(s.set.Vals["idle_in_transaction_session_timeout"])
	if ms <= 0 {
		return 0, nil
	}
	return time.Duration(ms) * time.Millisecond, &pgerror.Error{Code: pgerror.IdleInTransactionTimeout, Severity: "FATAL",
		Message: "terminating connection due to idle-in-transaction timeout"}
}

// SimpleQuery runs a simple-protocol query string: its statements run in
// order as one implicit transaction unless they manage transactions
// themselves; results are text. It stops at the first error and returns it.
func (s *Session) SimpleQuery(ctx context.Context, query string, w ResultWriter) error {
	return s.simpleQuery(ctx, query, w)
}

// Prepare parses and plans one statement under name ("" is the unnamed
// statement, replaced by each Prepare). paramTypes may hold 0 for unknown.
func (s *Session) Prepare(ctx context.Context, name, query string, paramTypes []uint32) (*Prepared, error) {
	return s.prepare(ctx, name, query, paramTypes)
}

// Prepared returns the named prepared statement (26000 when absent). A
// missing name is an error of the current batch: like any failed statement it
// fails the transaction, so a following Sync rolls an implicit one back (a
// Describe of a missing name must not let the batch's earlier writes commit).
func (s *Session) Prepared(name string) (*Prepared, error) {
	if p, ok := s.prepared[name]; ok {
		return p, nil
	}
	s.failTxn()
	return nil, pgerror.New(pgerror.UndefinedPreparedStatement, "prepared statement \"%s\" does not exist", name)
}

// ClosePrepared forgets a prepared statement; absent names are ignored.
func (s *Session) ClosePrepared(name string) { delete(s.prepared, name) }

// Bind creates a portal from a prepared statement and parameters.
func (s *Session) Bind(ctx context.Context, portal, stmt string, paramFormats []int16, params [][]byte, resultFormats []int16) (*Portal, error) {
	return s.bind(ctx, portal, stmt, paramFormats, params, resultFormats)
}

// Portal returns the named portal (34000 when absent); a missing name fails
// the transaction, as in Prepared.
func (s *Session) Portal(name string) (*Portal, error) {
	if p, ok := s.portals[name]; ok {
		return p, nil
	}
	if c, ok := s.cursors[name]; ok && name != "" {
		return s.cursorPortal(c), nil // cursors.go
	}
	s.failTxn()
	return nil, pgerror.New(pgerror.InvalidCursorName, "portal \"%s\" does not exist", name)
}

// ClosePortal forgets a portal (a cursor made by DECLARE too); absent
// names are ignored.
func (s *Session) ClosePortal(name string) {
	if p, ok := s.portals[name]; ok {
		p.closeCursor()
		delete(s.portals, name)
	} else if c, ok := s.cursors[name]; ok && name != "" {
		c.Close()
		delete(s.cursors, name)
	}
}

// Execute runs a portal, writing at most maxRows rows (0: all) and then
// CommandComplete, or nothing more when suspended (PortalSuspended follows).
func (s *Session) Execute(ctx context.Context, portal string, maxRows int, w ResultWriter) (suspended bool, err error) {
	return s.execute(ctx, portal, maxRows, w)
}

// Sync ends an extended-protocol message batch: an implicit transaction
// commits (or, after an error, rolls back); an explicit block stays open.
func (s *Session) Sync(ctx context.Context) error { return s.sync(ctx) }

// Close ends the session, rolling back any open transaction.
func (s *Session) Close() {
	s.dropTempSchema() // temp.go
	s.closeLocks()     // locks.go
	s.e.sessions.remove(s)
	s.closeListener()
	s.closeCursors(true)
	for name := range s.portals {
		s.ClosePortal(name)
	}
	if s.tx != nil && s.tx.Kv != nil {
		s.tx.Kv.Release()
	}
	s.e.xidClosed(s.tx)
	s.tx = nil
	s.mode = modeIdle
	s.dropTempSlots() // replication.go
}

// BackupRequest is what a BACKUP statement asks for (extparse.BackupRequest).
type BackupRequest = extparse.BackupRequest

// MergeRow is kv's merge function for the merge updates that UPDATE of an
// increment by primary key writes (plan.MergeRow); cmd/logdb passes it to
// kv.Open.
func MergeRow(old, operand []byte) ([]byte, error) { return plan.MergeRow(old, operand) }

// ParseSCRAMVerifier reads a stored SCRAM-SHA-256 verifier
// (catalog.ParseSCRAMVerifier); pgwire's authentication uses it.
func ParseSCRAMVerifier(v string) (scram.StoredCredentials, bool) {
	return catalog.ParseSCRAMVerifier(v)
}
