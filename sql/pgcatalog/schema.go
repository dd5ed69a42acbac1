package pgcatalog

import (
	"time"

	"logdb/sql/types"
)

// Schema is what the catalog views are built from: a plain description of
// the database at one transaction's snapshot. The sql package fills it from
// its catalog; this package never reads storage.
type Schema struct {
	Database  string // current database name ("logdb")
	User      string // current user
	Tables    []Table
	Sequences []Sequence
	Settings  []Setting
	// Databases lists every database (pg_database, \l), in OID order; nil:
	// logdb and postgres (package tests).
	Databases []Database

	// Fields below were added by pgcatalog; all are optional.

	// Roles and RoleMembers fill pg_authid, pg_roles, pg_user and
	// pg_auth_members; nil Roles: the current user is the only role, a
	// superuser with OID SuperuserOID.
	Roles       []Role
	RoleMembers []RoleMember

	// SearchPath is the session's search_path, resolved ("$user" dropped);
	// nil means ["public"]. pg_catalog is always searched first.
	SearchPath []string
	// PrintPath, when not nil, is the search path names are printed
	// against (regclass output, pg_get_constraintdef, pg_get_expr): the
	// session's search_path, which pg_dump empties so that they come out
	// qualified, while SearchPath keeps resolving names as before.
	PrintPath []string
	// Namespaces are the schemas created with CREATE SCHEMA (not public,
	// pg_catalog, information_schema, pg_toast, which are built in).
	Namespaces []Namespace
	// Types are the user types (CREATE TYPE … AS ENUM, CREATE DOMAIN).
	Types []UserType
	// Views are user views (CREATE VIEW), if the engine has them.
	Views []UserView
	// Functions are the user functions and procedures (userfuncs.go).
	Functions []UserFunction
	// Session describes the current session for pg_stat_activity.
	Session SessionInfo
	// ReplicationSlots fill pg_replication_slots.
	ReplicationSlots []ReplicationSlot
	// Replication, when set, lists the streaming replication connections
	// for pg_stat_replication (called when the view is read).
	Replication func() []ReplicationStat
	// Publications fill pg_publication, pg_publication_rel,
	// pg_publication_namespace and pg_publication_tables.
	Publications []Publication
	// Cluster, when set, lists the raft group's members for logdb_cluster
	// (called when the view is read, so the rows are current).
	Cluster func() []ClusterMember
	// Activity, when set, lists every session of the node for
	// pg_stat_activity (called when the view is read); nil: only Session.
	Activity func() []SessionInfo
	// Locks, when set, lists the cluster's locks for pg_locks (called
	// when the view is read); nil: none.
	Locks func() []LockInfo
	// DatabaseStats and TableStats, when set, give pg_stat_database's and
	// pg_stat_user_tables' counters (called when the view is read); nil:
	// zeros.
	DatabaseStats func(database string) DatabaseStats
	TableStats    func(oid uint32) TableStats
}

// LockInfo is one row of pg_locks.
type LockInfo struct {
	LockType       string
	ClassID, ObjID uint32
	ObjSubID       int16
	PID            int32
	Mode           string
	Granted        bool
}

// DatabaseStats are one database's counters in pg_stat_database.
type DatabaseStats struct {
	Backends                            int64
	XactCommit, XactRollback            int64
	TupInserted, TupUpdated, TupDeleted int64
	TupReturned, TupFetched             int64
	Sessions                            int64
}

// TableStats are one table's counters in pg_stat_user_tables.
type TableStats struct {
	Inserted, Updated, Deleted                int64
	SeqScan, SeqTupRead, IdxScan, IdxTupFetch int64
	// LiveRows is the table's row count as of this node's applied index
	// (n_live_tup; exact, where PostgreSQL's is an estimate).
	LiveRows int64
}

// ReplicationStat is one row of pg_stat_replication: a connection
// streaming from START_REPLICATION.
type ReplicationStat struct {
	PID                        int32
	User, ApplicationName      string
	BackendStart               time.Time
	State                      string // "streaming"
	Sent, Write, Flush, Replay types.LSN
	ReplyTime                  time.Time // zero before the client's first report
}

// Publication is one publication (CREATE PUBLICATION).
type Publication struct {
	OID                              uint32
	Name                             string
	AllTables                        bool
	Tables                           []uint32 // FOR TABLE members (pg_publication_rel)
	Schemas                          []string // FOR TABLES IN SCHEMA (pg_publication_namespace)
	Insert, Update, Delete, Truncate bool
	Published                        []uint32 // every table it publishes now (pg_publication_tables)
}

// Role is one role (pg_authid, pg_roles, pg_user).
type Role struct {
	OID                                                                 uint32
	Name                                                                string
	Super, Inherit, CreateRole, CreateDB, Login, Replication, BypassRLS bool
	ConnLimit                                                           int32
	Password                                                            string // verifier; "" for none
	ValidUntil                                                          *time.Time
	Config                                                              []string // ALTER ROLE … SET, "name=value"
}

// RoleMember is one row of pg_auth_members: Member is a member of Role.
type RoleMember struct {
	Role, Member, Grantor uint32
	Admin                 bool
}

// Database is a database (pg_database's row).
type Database struct {
	OID        uint32
	Name       string
	Owner      uint32
	ConnLimit  int
	IsTemplate bool
	AllowConn  bool
	ACL        []string // aclitems; nil: the default
	Config     []string // ALTER DATABASE … SET, "name=value"
}

// Namespace is a user-created schema (or public, for its owner and ACL).
type Namespace struct {
	OID   uint32
	Name  string
	Owner uint32   // role OID; 0: the built-in owner
	ACL   []string // nspacl's aclitems; nil: NULL
}

// UserView is a view created with CREATE VIEW.
type UserView struct {
	OID        uint32
	Name       string
	Owner      uint32   // role OID; 0 means SuperuserOID
	ACL        []string // relacl; nil: the default
	Schema     string
	Columns    []Column
	Definition string   // pg_get_viewdef's text: " SELECT items.id,\n    items.name\n   FROM items;"
	Reads      []uint32 // OIDs of the tables the query reads (pg_depend)
}

// SessionInfo is a session as pg_stat_activity shows it.
type SessionInfo struct {
	PID             int64
	User            string // "" means Schema.User
	Database        string // "" means Schema.Database
	ApplicationName string
	ClientAddr      string // "127.0.0.1", "" for a Unix socket
	ClientPort      int64
	BackendStart    time.Time
	XactStart       time.Time // zero when idle
	QueryStart      time.Time
	StateChange     time.Time // zero: QueryStart
	State           string    // "active", "idle", "idle in transaction", …; "" means "active"
	Query           string    // the statement being run, or the last one when idle
	WaitEventType   string    // "" for none
	WaitEvent       string
	// SSL: the connection is encrypted (pg_stat_ssl), with this protocol
	// version ("TLSv1.3") and cipher suite.
	SSL                   bool
	SSLVersion, SSLCipher string
}

// ReplicationSlot is one row of pg_replication_slots.
type ReplicationSlot struct {
	Name              string
	Plugin            string // "pgoutput", "test_decoding"; "" for physical
	SlotType          string // "logical" or "physical"
	Database          string
	Temporary         bool
	Active            bool
	ActivePID         int64 // 0 when inactive
	RestartLSN        types.LSN
	ConfirmedFlushLSN types.LSN
	WALStatus         string // "reserved" (when "") or "lost"
}

// Namespace OIDs, as in PostgreSQL.
const (
	PgCatalogNamespace  uint32 = 11
	PublicNamespace     uint32 = 2200
	InformationSchemaNS uint32 = 13000 // logdb's own choice (PG assigns it at initdb)
)

// Table is one user table.
type Table struct {
	OID         uint32
	Name        string
	Owner       uint32   // role OID; 0 means SuperuserOID
	ACL         []string // relacl's aclitems ("grantee=privs/grantor"); nil: the default
	Schema      string   // "public"
	Columns     []Column
	Indexes     []Index
	Constraints []Constraint
	Triggers    []Trigger // name order (triggers.go)
	RowEstimate int64
	// ReplIdent is pg_class.relreplident ('d' when 0).
	ReplIdent byte
	// RowSecurity and ForceRowSecurity are relrowsecurity and
	// relforcerowsecurity.
	RowSecurity, ForceRowSecurity bool
	// Part is the table's place in a partition tree (partition.go).
	Part     Partitioning
	Policies []Policy // name order (policy.go)
}

// Column is one live (not dropped) column.
type Column struct {
	Name     string
	AttNum   int16 // 1-based, in table order
	Type     types.T
	NotNull  bool
	Default  string // the default expression as PostgreSQL prints it (pg_get_expr), "" for none
	Identity byte   // 0, or 'a'/'d' for identity columns
	// Generated is the expression of a GENERATED ALWAYS AS (...) STORED
	// column, "" for none (optional).
	Generated string
	// Domain is the OID of the column's domain (Type is then its base
	// type), 0 for none.
	Domain uint32
}

// Index is one index (including the primary key's).
type Index struct {
	OID  uint32
	Name string
	// Parent is, for a partition's index, its partitioned table's index
	// it belongs to (pg_inherits; 0: none).
	Parent  uint32
	Columns []int16 // attnums, in index order
	Unique  bool
	Primary bool
	// NullsNotDistinct: UNIQUE NULLS NOT DISTINCT (indnullsnotdistinct).
	NullsNotDistinct bool
	// ReplIdent: the table's replica identity is this index.
	ReplIdent bool
	// Def is the CREATE INDEX statement as pg_get_indexdef prints it:
	// "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)".
	// Optional: when "", pgcatalog builds it from the fields above.
	Def string
	// Method is the access method, "btree" (default when "") or "hash".
	Method string
	// PrettyDef is pg_get_indexdef(oid, 0, true) when it differs from Def
	// by more than the table's qualification (expressions, predicates).
	PrettyDef string
	// Exprs holds per key element an expression's text as
	// pg_get_indexdef(oid, n, false) prints it, "" for a column (whose
	// Columns entry is then 0); Pred is the predicate as pg_index.indpred
	// shows it. Options are pg_index.indoption's bits (1 DESC, 2 NULLS
	// FIRST) per element, nil for all zero.
	Exprs       []string
	PrettyExprs []string // the same, pretty-printed
	Pred        string
	Options     []int16
	// ExprAttrs are the index's own columns for its expression elements
	// (pg_attribute: name and type), nil entries for columns.
	ExprAttrs []*Column
}

// Constraint is a table constraint: 'p' primary key, 'u' unique, 'c' check,
// 'f' foreign key, 'n' not null is not listed (PostgreSQL 15 has none).
type Constraint struct {
	OID      uint32
	Name     string
	Kind     byte
	Columns  []int16
	IndexOID uint32 // for 'p' and 'u'
	// Def is pg_get_constraintdef's text: "PRIMARY KEY (id)", "CHECK ((price > 0))".
	// Optional for 'p', 'u' and 'f' (built from the fields); required for 'c'.
	Def string
	// PrettyDef is pg_get_constraintdef(oid, true)'s text when it differs
	// from Def: "CHECK (price > 0::numeric)" for Def "CHECK ((price > (0)::numeric))".
	PrettyDef string

	// Foreign keys ('f'): the referenced table and columns, and the actions
	// as pg_constraint codes: 'a' no action (default when 0), 'r' restrict,
	// 'c' cascade, 'n' set null, 'd' set default; match 's' simple (default)
	// or 'f' full.
	RefTableOID          uint32
	RefColumns           []int16
	OnUpdate, OnDelete   byte
	MatchType            byte
	Deferrable, Deferred bool
	// DeleteSetColumns are ON DELETE SET NULL / SET DEFAULT's (cols)
	// (confdelsetcols; nil: none given).
	DeleteSetColumns []int16
	// NotValid: added NOT VALID and not validated since (convalidated).
	NotValid bool
}

// Sequence is a sequence (serial columns own one).
type Sequence struct {
	OID                               uint32
	Name                              string
	Owner                             uint32   // role OID; 0 means SuperuserOID
	ACL                               []string // relacl; nil: the default
	Schema                            string
	OwnerTable                        uint32 // table OID of an owning serial column, else 0
	OwnerAttNum                       int16
	Type                              types.T // int2/int4/int8
	Start, Increment, Min, Max, Cache int64
	Cycle                             bool
	// LastValue is the last value nextval returned; valid when IsCalled.
	LastValue int64
	IsCalled  bool
}

// Setting is one row of pg_settings / SHOW ALL.
type Setting struct {
	Name, Setting, Unit, Category, ShortDesc, Context, VarType, Source string
}
