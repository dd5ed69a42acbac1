package pgwire

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"logdb/changefeed"
	"logdb/replication"
	"logdb/sql"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Replication connections (startup parameter replication=database): the
// simple query protocol carries both SQL and replication commands
// (package replication parses them); START_REPLICATION switches the
// connection to COPY-both and streams until the client's CopyDone.
//
// replicationSession is what such a connection's Session must also be
// (*sql.Session is); the stream's confirmations call
// AdvanceReplicationSlot from a goroutine of their own.
type replicationSession interface {
	SystemIdentifier(ctx context.Context) (string, error)
	Database() string
	FeedDatabase() uint32
	CreateReplicationSlot(ctx context.Context, name, plugin string, temporary bool, snapshot string) (consistent uint64, snapshotName string, err error)
	ReleaseExportedSnapshot()
	DropReplicationSlot(ctx context.Context, name string, wait bool) error
	ReplicationSlot(ctx context.Context, name string) (changefeed.Slot, bool, error)
	AdvanceReplicationSlot(ctx context.Context, name string, lsn uint64) error
	ReplicationFeed() (*changefeed.Feed, error)
	// StartStreaming registers the stream for pg_stat_replication.
	StartStreaming() (progress func(sent, write, flush, replay uint64), end func())
}

// replicationTimeout is wal_sender_timeout: a streaming client that says
// nothing for this long is disconnected.
const replicationTimeout = 60 * time.Second

func errPhysical() *pgerror.Error {
	return &pgerror.Error{Code: pgerror.FeatureNotSupported,
		Message: "physical replication is not supported",
		Hint:    "logdb serves logical replication: connect with replication=database."}
}

// replicationCommand runs one replication command of a simple query.
func (c *conn) replicationCommand(query string) {
	c.rw.extended = false
	rs, ok := c.sess.(replicationSession)
	if !ok {
		c.w.errorResponse(pgerror.Unsupported("replication commands"), "ERROR")
		c.readyForQuery()
		return
	}
	// An exported snapshot lives until the exporting connection's next
	// command, as in PostgreSQL.
	rs.ReleaseExportedSnapshot()
	cmd, err := replication.Parse(query)
	if err == nil {
		if start, ok := cmd.(replication.StartReplication); ok {
			c.startReplication(rs, start)
			return
		}
	}
	ctx := c.beginStatement(true)
	if err == nil {
		err = c.runReplicationCommand(ctx, rs, cmd)
	}
	if err != nil {
		c.statementError(ctx, err)
	}
	c.endStatement(true)
	if !c.quit {
		c.readyForQuery()
	}
}

func (c *conn) inTransaction(what string) error {
	if c.sess.TxStatus() != 'I' {
		return pgerror.New(pgerror.ActiveSQLTransaction, "%s cannot be executed inside a transaction block", what)
	}
	return nil
}

func textColumn(name string) sql.Column {
	return sql.Column{Name: name, TypeOID: uint32(types.TextOID), TypeLen: -1, TypeMod: -1}
}

func int8Column(name string) sql.Column {
	return sql.Column{Name: name, TypeOID: uint32(types.Int8OID), TypeLen: 8, TypeMod: -1}
}

// resultRow sends a one-row result set (nil values are NULL) and its tag.
func (c *conn) resultRow(cols []sql.Column, vals []*string, tag string) {
	c.w.rowDescription(cols, true)
	row := make([][]byte, len(vals))
	for i, v := range vals {
		if v != nil {
			row[i] = []byte(*v)
		}
	}
	c.rw.Row(row)
	c.w.commandComplete(tag)
}

func str(s string) *string { return &s }

func (c *conn) runReplicationCommand(ctx context.Context, rs replicationSession, cmd any) error {
	switch cmd := cmd.(type) {
	case replication.IdentifySystem:
		id, err := rs.SystemIdentifier(ctx)
		if err != nil {
			return err
		}
		f, err := rs.ReplicationFeed()
		if err != nil {
			return err
		}
		c.resultRow([]sql.Column{textColumn("systemid"), int8Column("timeline"), textColumn("xlogpos"), textColumn("dbname")},
			[]*string{str(id), str("1"), str(changefeed.FormatLSN(f.CurrentLSN())), str(rs.Database())}, "IDENTIFY_SYSTEM")
		return nil
	case replication.CreateSlot:
		if cmd.Physical {
			return errPhysical()
		}
		if !replication.Plugins[cmd.Plugin] {
			return replication.ErrUnknownPlugin(cmd.Plugin)
		}
		if cmd.Snapshot != "use" {
			if err := c.inTransaction("CREATE_REPLICATION_SLOT"); err != nil {
				return err
			}
		}
		lsn, snap, err := rs.CreateReplicationSlot(ctx, cmd.Name, cmd.Plugin, cmd.Temporary, cmd.Snapshot)
		if err != nil {
			return err
		}
		var snapName *string
		if snap != "" {
			snapName = &snap
		}
		c.resultRow([]sql.Column{textColumn("slot_name"), textColumn("consistent_point"), textColumn("snapshot_name"), textColumn("output_plugin")},
			[]*string{str(cmd.Name), str(changefeed.FormatLSN(lsn)), snapName, str(cmd.Plugin)}, "CREATE_REPLICATION_SLOT")
		return nil
	case replication.DropSlot:
		if err := c.inTransaction("DROP_REPLICATION_SLOT"); err != nil {
			return err
		}
		if err := rs.DropReplicationSlot(ctx, cmd.Name, cmd.Wait); err != nil {
			return err
		}
		c.w.commandComplete("DROP_REPLICATION_SLOT")
		return nil
	case replication.ReadSlot:
		_, ok, err := rs.ReplicationSlot(ctx, cmd.Name)
		if err != nil {
			return err
		}
		if ok {
			return pgerror.New(pgerror.FeatureNotSupported, "cannot use READ_REPLICATION_SLOT with a logical replication slot")
		}
		c.resultRow([]sql.Column{textColumn("slot_type"), textColumn("restart_lsn"), int8Column("restart_tli")},
			[]*string{nil, nil, nil}, "READ_REPLICATION_SLOT")
		return nil
	case replication.TimelineHistory:
		if cmd.Timeline != 1 {
			return pgerror.New(pgerror.UndefinedFile, "could not open file \"pg_wal/%08X.history\": No such file or directory", cmd.Timeline)
		}
		c.resultRow([]sql.Column{textColumn("filename"), textColumn("content")},
			[]*string{str("00000001.history"), str("")}, "TIMELINE_HISTORY")
		return nil
	case replication.BaseBackup:
		return errPhysical()
	}
	return pgerror.New(pgerror.Internal, "unhandled replication command %T", cmd)
}

// startReplication serves START_REPLICATION: checks, CopyBothResponse,
// then the stream until the client's CopyDone.
func (c *conn) startReplication(rs replicationSession, cmd replication.StartReplication) {
	ctx := c.beginStatement(false) // the stream reads the socket itself
	sub, st, err := c.openStream(ctx, rs, cmd)
	if err != nil {
		c.statementError(ctx, err)
		c.endStatement(false)
		if !c.quit {
			c.readyForQuery()
		}
		return
	}
	var end func()
	st.Progress, end = rs.StartStreaming() // before the client sees it streaming
	c.w.send(&pgproto3.CopyBothResponse{OverallFormat: 0})
	err = c.w.flush()
	if err == nil {
		err = st.Run(ctx)
	}
	end()
	sub.Close()
	if err != nil {
		c.statementError(ctx, err)
		c.endStatement(false)
		// The client's half of the stream is in an unknown state.
		c.quit = true
		c.w.flush()
		return
	}
	c.endStatement(false)
	// As PostgreSQL's walsender: the COPY's own completion, then the
	// command's (libpq's walreceiver reads both).
	c.w.commandComplete("COPY 0")
	c.w.commandComplete("START_REPLICATION")
	c.readyForQuery()
}

func (c *conn) openStream(ctx context.Context, rs replicationSession, cmd replication.StartReplication) (*changefeed.Subscription, *replication.Stream, error) {
	if cmd.Physical {
		return nil, nil, errPhysical()
	}
	if err := c.inTransaction("START_REPLICATION"); err != nil {
		return nil, nil, err
	}
	f, err := rs.ReplicationFeed()
	if err != nil {
		return nil, nil, err
	}
	slot, ok, err := rs.ReplicationSlot(ctx, cmd.Slot)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, pgerror.New(pgerror.UndefinedObject, "replication slot \"%s\" does not exist", cmd.Slot)
	}
	plugin, err := replication.NewPlugin(slot.Plugin, cmd.Options, func(name string) bool {
		ok, err := f.PublicationExists(rs.FeedDatabase(), name)
		return err == nil && ok
	})
	if err != nil {
		return nil, nil, err
	}
	// PostgreSQL starts at the later of the client's position and the
	// slot's; a transaction is resent whole if it goes past that point
	// (Stream.Start), so a position inside an entry starts at the entry.
	start := max(cmd.LSN, slot.ConfirmedLSN)
	from := start
	if seq := changefeed.SeqOf(start); seq != 0 && seq != changefeed.MaxSeq {
		from = changefeed.LSN(changefeed.IndexOf(start), 0)
	}
	sub, err := f.Subscribe(ctx, changefeed.Request{Database: rs.FeedDatabase(), AllTables: true, AllMessages: true, Slot: cmd.Slot,
		FromLSN: from, HasFromLSN: true, Progress: true, PID: int32(c.pid), Filter: plugin.Tables(), Raw: true})
	if err != nil {
		return nil, nil, err
	}
	name := cmd.Slot
	st := &replication.Stream{
		Conn:    replicationConn{c},
		Sub:     sub,
		Plugin:  plugin,
		Start:   start,
		Timeout: replicationTimeout,
		Confirm: func(ctx context.Context, lsn uint64) error {
			return rs.AdvanceReplicationSlot(ctx, name, lsn)
		},
	}
	return sub, st, nil
}

// replicationConn is the COPY-both stream over the connection.
type replicationConn struct{ c *conn }

func (r replicationConn) SendCopyData(data []byte) error {
	r.c.w.copyData.Data = data
	err := r.c.w.send(&r.c.w.copyData)
	r.c.w.copyData.Data = nil
	return err
}

func (r replicationConn) Flush() error { return r.c.w.flush() }

func (r replicationConn) SendCopyDone() error {
	r.c.w.send(&pgproto3.CopyDone{})
	return r.c.w.flush()
}

func (r replicationConn) ReceiveCopyData() ([]byte, error) {
	for {
		msg, err := r.c.be.Receive()
		if err != nil {
			return nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			return m.Data, nil
		case *pgproto3.CopyDone:
			return nil, io.EOF
		case *pgproto3.Terminate:
			return nil, errors.New("client terminated the connection")
		case *pgproto3.CopyFail:
			return nil, pgerror.New(pgerror.QueryCanceled, "COPY failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
		default:
			return nil, pgerror.New(pgerror.ProtocolViolation, "unexpected message type 0x%02X during COPY", typeByte(msg))
		}
	}
}

func typeByte(msg pgproto3.FrontendMessage) byte {
	b, err := msg.Encode(nil)
	if err != nil || len(b) == 0 {
		return 0
	}
	return b[0]
}
