package pgwire

import (
	"context"
	"errors"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"logdb/sql"
	"logdb/sql/pgerror"
)

const (
	// flushThreshold is the buffered size at which output is written even
	// though the client is not yet owed a ReadyForQuery: large results
	// stream instead of accumulating.
	flushThreshold = 32 << 10
	// keepBufferCap bounds the write buffer kept between flushes; a larger
	// one (after a huge row) is dropped so an idle connection stays small.
	keepBufferCap = 1 << 20
)

// wireWriter buffers backend messages and writes them in batches: a flush
// happens at ReadyForQuery, Flush, before blocking in a read, and when the
// buffer passes flushThreshold — never a syscall per DataRow. The first
// write error is sticky; later sends are dropped and err reports it.
//
// The message structs are reused so encoding allocates nothing on the
// per-query path. Owned by the connection goroutine.
type wireWriter struct {
	w   io.Writer
	buf []byte
	err error
	// flushes counts writes to the client: a batch whose replies were
	// partly sent cannot be run again (batch_rerun.go)
	flushes uint64

	dataRow   pgproto3.DataRow
	rowDesc   pgproto3.RowDescription
	cmdDone   pgproto3.CommandComplete
	ready     pgproto3.ReadyForQuery
	paramDesc pgproto3.ParameterDescription
	errResp   pgproto3.ErrorResponse
	notice    pgproto3.NoticeResponse
	paramStat pgproto3.ParameterStatus
	copyData  pgproto3.CopyData
}

// send buffers one message. It fails only when the message cannot be
// encoded (over 1 GiB): nothing of it is buffered, so the stream stays in
// step and the statement can fail instead of the connection.
func (w *wireWriter) send(msg pgproto3.BackendMessage) error {
	if w.err != nil {
		return w.err
	}
	buf, err := msg.Encode(w.buf)
	if err != nil {
		return pgerror.Wrap(err, pgerror.ProgramLimitExceeded, "cannot send result")
	}
	w.buf = buf
	if len(w.buf) >= flushThreshold {
		return w.flush()
	}
	return nil
}

func (w *wireWriter) flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	w.flushes++
	_, err := w.w.Write(w.buf)
	if cap(w.buf) > keepBufferCap {
		w.buf = nil
	} else {
		w.buf = w.buf[:0]
	}
	if err != nil {
		w.err = err
	}
	return w.err
}

func (w *wireWriter) rowDescription(cols []sql.Column, forceText bool) {
	fields := w.rowDesc.Fields[:0]
	for i := range cols {
		c := &cols[i]
		if len(fields) < cap(fields) {
			fields = fields[:len(fields)+1]
		} else {
			fields = append(fields, pgproto3.FieldDescription{})
		}
		f := &fields[len(fields)-1]
		f.Name = append(f.Name[:0], c.Name...)
		f.TableOID = c.TableOID
		f.TableAttributeNumber = uint16(c.AttNum)
		f.DataTypeOID = c.TypeOID
		f.DataTypeSize = c.TypeLen
		f.TypeModifier = c.TypeMod
		f.Format = c.Format
		if forceText {
			f.Format = 0
		}
	}
	w.rowDesc.Fields = fields
	w.send(&w.rowDesc)
}

func (w *wireWriter) parameterDescription(oids []uint32) {
	w.paramDesc.ParameterOIDs = oids
	w.send(&w.paramDesc)
	w.paramDesc.ParameterOIDs = nil
}

func (w *wireWriter) commandComplete(tag string) {
	w.cmdDone.CommandTag = append(w.cmdDone.CommandTag[:0], tag...)
	w.send(&w.cmdDone)
}

func (w *wireWriter) readyForQuery(status byte) {
	w.ready.TxStatus = status
	w.send(&w.ready)
}

func (w *wireWriter) parameterStatus(name, value string) {
	w.paramStat.Name, w.paramStat.Value = name, value
	w.send(&w.paramStat)
}

// errorResponse sends e with the given severity when e leaves it empty.
func (w *wireWriter) errorResponse(e *pgerror.Error, severity string) {
	if e.Severity != "" {
		severity = e.Severity
	}
	w.errResp = errorFields(e, severity, e.Code)
	if w.errResp.Code == "" {
		w.errResp.Code = pgerror.Internal
	}
	w.send(&w.errResp)
}

// errorFields are e's fields as ErrorResponse and NoticeResponse carry
// them.
func errorFields(e *pgerror.Error, severity, code string) pgproto3.ErrorResponse {
	schema := ""
	if e.Table != "" {
		schema = "public" // every table is in public; PostgreSQL names the schema with the table
	}
	return pgproto3.ErrorResponse{
		Severity:            severity,
		SeverityUnlocalized: severity,
		Code:                code,
		Message:             e.Message,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            e.Position,
		SchemaName:          schema,
		TableName:           e.Table,
		ColumnName:          e.Column,
		ConstraintName:      e.Constraint,
		Where:               e.Where,
	}
}

func (w *wireWriter) noticeResponse(e *pgerror.Error) {
	severity := e.Severity
	if severity == "" {
		severity = "NOTICE"
	}
	code := e.Code
	if code == "" {
		code = pgerror.SuccessfulCompletion
	}
	w.notice = pgproto3.NoticeResponse(errorFields(e, severity, code))
	w.send(&w.notice)
}

// Sentinel causes of a canceled statement context, read back with
// context.Cause to choose the error the client sees.
var (
	errCanceledByUser = errors.New("pgwire: canceled by CancelRequest")
	errClientGone     = errors.New("pgwire: client disconnected")
	errAdminShutdown  = errors.New("pgwire: server shutting down")
)

// toPgError converts an error from the Session into what the client sees.
// A bare context cancellation becomes 57014 (or 57P01 when the server is
// shutting down); ctx is the statement's context.
func toPgError(ctx context.Context, err error) *pgerror.Error {
	var pe *pgerror.Error
	if errors.As(err, &pe) {
		if pe.Code == pgerror.QueryCanceled && context.Cause(ctx) == errAdminShutdown {
			return adminShutdownError() // the Session saw a cancel; it was a shutdown or pg_terminate_backend
		}
		return pe
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		switch context.Cause(ctx) {
		case errAdminShutdown:
			return adminShutdownError()
		case errCanceledByUser, errClientGone:
			return &pgerror.Error{Code: pgerror.QueryCanceled, Message: "canceling statement due to user request", Cause: err}
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return &pgerror.Error{Code: pgerror.QueryCanceled, Message: "canceling statement due to statement timeout", Cause: err}
		}
		return &pgerror.Error{Code: pgerror.QueryCanceled, Message: "canceling statement due to user request", Cause: err}
	}
	return pgerror.As(err)
}

func adminShutdownError() *pgerror.Error {
	return &pgerror.Error{Code: pgerror.AdminShutdown, Message: "terminating connection due to administrator command", Severity: "FATAL"}
}

// resultWriter is the sql.ResultWriter handed to the Session; one per
// connection, reused for every statement. In the extended protocol Columns
// is ignored: RowDescription is only sent in answer to Describe.
type resultWriter struct {
	c        *conn
	w        *wireWriter
	extended bool
}

var _ sql.ResultWriter = (*resultWriter)(nil)

func (r *resultWriter) Columns(cols []sql.Column) error {
	if !r.extended {
		r.w.rowDescription(cols, false)
	}
	return r.w.err
}

func (r *resultWriter) Row(values [][]byte) error {
	r.w.dataRow.Values = values
	err := r.w.send(&r.w.dataRow)
	r.w.dataRow.Values = nil
	return err
}

func (r *resultWriter) Complete(tag string) error {
	r.w.commandComplete(tag)
	return r.w.err
}

func (r *resultWriter) Empty() error {
	r.w.send(&pgproto3.EmptyQueryResponse{})
	return r.w.err
}

func (r *resultWriter) Notice(n *pgerror.Error) error {
	r.w.noticeResponse(n)
	return r.w.err
}
