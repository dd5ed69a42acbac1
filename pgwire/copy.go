package pgwire

import (
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"logdb/sql/pgerror"
)

// COPY sub-protocol. The SQL layer runs COPY inside SimpleQuery or Execute
// and drives the data stream through the ResultWriter it was given, which
// also implements these methods (sql declares the interface it needs and
// type-asserts the writer):
//
//	CopyIn(format int16, columnFormats []int16) error   // CopyInResponse
//	ReadCopyData() ([]byte, error)                      // next CopyData; io.EOF at CopyDone
//	CopyOut(format int16, columnFormats []int16) error  // CopyOutResponse
//	CopyData(data []byte) error                         // one CopyData
//	CopyDone() error                                    // CopyDone
//
// and then Complete("COPY n") as for any statement. Reading happens on the
// connection's own goroutine, so data a client sends before it sees
// CopyInResponse (pgx's CopyFrom does) is simply read in order. When the
// statement fails before CopyDone, the rest of the client's copy stream is
// discarded by the ready loop, which ignores CopyData/CopyDone/CopyFail.

// CopyIn sends CopyInResponse: the client may now send its data. format is
// 0 (text) or 1 (binary); columnFormats has one entry per column.
func (r *resultWriter) CopyIn(format int16, columnFormats []int16) error {
	r.c.copyIn = true
	m := &pgproto3.CopyInResponse{OverallFormat: byte(format), ColumnFormatCodes: uint16s(columnFormats)}
	r.w.send(m)
	// The client waits for this before it sends (most clients do).
	r.w.flush()
	return r.w.err
}

// ReadCopyData returns the payload of the next CopyData message, valid until
// the next call. It returns io.EOF at CopyDone; a 57014 error when the
// client sends CopyFail; a 08P01 error for any other message, or when the
// connection fails (the connection then ends).
func (r *resultWriter) ReadCopyData() ([]byte, error) {
	c := r.c
	if !c.copyIn {
		return nil, pgerror.New(pgerror.ProtocolViolation, "ReadCopyData called outside COPY FROM STDIN")
	}
	// The connection reads the socket itself now, so the background peer
	// check (which would compete for the socket) is stopped; a vanished
	// client shows up as a read error here.
	c.rd.unwatch()
	for {
		msg, err := c.be.Receive()
		if err != nil {
			// The connection ends: receiveFailed says why (quietly when
			// the client is gone, FATAL for a bad message).
			c.copyIn = false
			c.receiveFailed(err)
			c.quit = true
			return nil, &pgerror.Error{Code: pgerror.ConnectionException, Message: "connection lost during COPY from stdin", Cause: err}
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			return m.Data, nil
		case *pgproto3.CopyDone:
			c.copyIn = false
			return nil, io.EOF
		case *pgproto3.CopyFail:
			c.copyIn = false
			return nil, pgerror.New(pgerror.QueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
			// Ignored, as PostgreSQL does, for clients that send them
			// without noticing the command was a COPY.
		case *pgproto3.Terminate:
			c.copyIn = false
			c.quit = true
			return nil, pgerror.New(pgerror.ProtocolViolation, "client terminated the connection during COPY from stdin")
		default:
			// As in PostgreSQL, this ends the connection once the error is
			// reported: the client is not speaking the COPY protocol.
			c.copyIn = false
			c.lostSync = true
			return nil, pgerror.New(pgerror.ProtocolViolation, "unexpected message type 0x%02X during COPY from stdin", messageType(msg))
		}
	}
}

// CopyOut sends CopyOutResponse; CopyData messages and CopyDone follow.
func (r *resultWriter) CopyOut(format int16, columnFormats []int16) error {
	r.w.send(&pgproto3.CopyOutResponse{OverallFormat: byte(format), ColumnFormatCodes: uint16s(columnFormats)})
	return r.w.err
}

// CopyData sends one CopyData message (COPY TO STDOUT: conventionally one
// row each).
func (r *resultWriter) CopyData(data []byte) error {
	r.w.copyData.Data = data
	err := r.w.send(&r.w.copyData)
	r.w.copyData.Data = nil
	return err
}

// Flush writes the buffered output now: a COPY (SUBSCRIBE …) stream
// flushes after each batch of changes so they reach the client live.
func (r *resultWriter) Flush() error { return r.w.flush() }

// CopyDone ends a COPY TO STDOUT stream.
func (r *resultWriter) CopyDone() error {
	r.w.send(&pgproto3.CopyDone{})
	return r.w.err
}

func uint16s(in []int16) []uint16 {
	out := make([]uint16, len(in))
	for i, v := range in {
		out[i] = uint16(v)
	}
	return out
}

// messageType returns the type byte of a frontend message, for errors.
func messageType(msg pgproto3.FrontendMessage) byte {
	b, err := msg.Encode(nil)
	if err != nil || len(b) == 0 {
		return '?'
	}
	return b[0]
}
