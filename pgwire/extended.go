package pgwire

import (
	"context"

	"github.com/jackc/pgx/v5/pgproto3"

	"logdb/sql/pgerror"
)

// The extended query protocol. Each message is answered as it arrives (the
// replies are buffered until Sync or Flush). The first error is reported
// once; every later message up to Sync is discarded (conn.skipping), and
// Sync ends the batch with ReadyForQuery.

// extendedError reports an error from an extended-protocol message and
// starts skipping until Sync.
func (c *conn) extendedError(ctx context.Context, err error) {
	c.statementError(ctx, err)
	c.skipping = true
}

// extendedMessage answers Parse, Bind, Describe or Execute (the messages
// a batch re-run replays: batch_rerun.go).
func (c *conn) extendedMessage(msg pgproto3.FrontendMessage) {
	switch m := msg.(type) {
	case *pgproto3.Parse:
		c.parse(m)
	case *pgproto3.Bind:
		c.bind(m)
	case *pgproto3.Describe:
		c.describe(m)
	case *pgproto3.Execute:
		c.execute(m)
	}
}

func (c *conn) parse(m *pgproto3.Parse) {
	if c.batch.rerunning && m.Name != "" {
		// made by this batch's first run, and prepared statements are
		// not transactional: it is still there
		c.w.send(&pgproto3.ParseComplete{})
		return
	}
	ctx := c.beginStatement(false)
	_, err := c.sess.Prepare(ctx, m.Name, m.Query, m.ParameterOIDs)
	c.endStatement(false)
	if err != nil {
		c.extendedError(ctx, err)
		return
	}
	c.w.send(&pgproto3.ParseComplete{})
}

func (c *conn) bind(m *pgproto3.Bind) {
	ctx := c.beginStatement(false)
	_, err := c.sess.Bind(ctx, m.DestinationPortal, m.PreparedStatement, m.ParameterFormatCodes, m.Parameters, m.ResultFormatCodes)
	c.endStatement(false)
	if err != nil {
		c.extendedError(ctx, err)
		return
	}
	c.w.send(&pgproto3.BindComplete{})
}

// describe answers Describe: for a statement, ParameterDescription then
// RowDescription with every column in text format (formats are chosen only
// at Bind); for a portal, RowDescription with its formats. NoData when
// there are no result columns.
func (c *conn) describe(m *pgproto3.Describe) {
	switch m.ObjectType {
	case 'S':
		p, err := c.sess.Prepared(m.Name)
		if err == nil && p == nil {
			err = pgerror.New(pgerror.UndefinedPreparedStatement, "prepared statement %q does not exist", m.Name)
		}
		if err != nil {
			c.extendedError(context.Background(), err)
			return
		}
		c.w.parameterDescription(p.ParamTypes)
		if p.Columns == nil {
			c.w.send(&pgproto3.NoData{})
		} else {
			c.w.rowDescription(p.Columns, true)
		}
	case 'P':
		p, err := c.sess.Portal(m.Name)
		if err == nil && p == nil {
			err = pgerror.New(pgerror.InvalidCursorName, "portal %q does not exist", m.Name)
		}
		if err != nil {
			c.extendedError(context.Background(), err)
			return
		}
		if p.Columns == nil {
			c.w.send(&pgproto3.NoData{})
		} else {
			c.w.rowDescription(p.Columns, false)
		}
	default:
		c.extendedError(context.Background(), pgerror.New(pgerror.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType))
	}
}

func (c *conn) execute(m *pgproto3.Execute) {
	// The wire field is an int32; zero or negative means no limit.
	maxRows := int(int32(m.MaxRows))
	if maxRows < 0 {
		maxRows = 0
	}
	c.rw.extended = true
	ctx := c.beginStatement(true)
	suspended, err := c.sess.Execute(ctx, m.Portal, maxRows, &c.rw)
	c.endStatement(true)
	if err != nil {
		c.extendedError(ctx, err)
		return
	}
	if suspended {
		c.batch.ok = false // the portal stays open: not re-runnable
		c.w.send(&pgproto3.PortalSuspended{})
	}
}

func (c *conn) close(m *pgproto3.Close) {
	switch m.ObjectType {
	case 'S':
		c.sess.ClosePrepared(m.Name)
	case 'P':
		c.sess.ClosePortal(m.Name)
	default:
		c.extendedError(context.Background(), pgerror.New(pgerror.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType))
		return
	}
	c.w.send(&pgproto3.CloseComplete{})
}

// sync ends a batch. The Session commits an implicit transaction (or rolls
// it back after an error) — a commit can fail, e.g. with 40001 — and the
// batch ends with ReadyForQuery either way.
func (c *conn) sync() {
	c.skipping = false
	rerun := c.rerunnable()
	ctx := c.beginStatement(true)
	var err error
	if rerun {
		err = c.sess.SyncOnce(ctx)
	} else {
		err = c.sess.Sync(ctx)
	}
	c.endStatement(true)
	if rerun && err != nil {
		err = c.rerunBatch(err)
	}
	if err != nil {
		c.statementError(ctx, err)
		if c.quit {
			return
		}
	}
	c.readyForQuery()
}
