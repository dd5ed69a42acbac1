package changefeed

import (
	"encoding/binary"
	"fmt"
	"time"

	"logdb/sql/types"
)

// pgoutput encoders: the logical replication messages (protocol version 1,
// PostgreSQL 15 "Logical Replication Message Formats") that a replication
// connection sends inside XLogData, built from Changes. Append-style: each
// appends one message to dst.
//
// Positions for a transaction (entry index) with changes LSN(index, 1…n):
//
//	Begin.final_lsn = Commit.commit_lsn = CommitLSN(index) = EndLSN(index)
//	Commit.end_lsn  = TxnEndLSN(index)  = LSN(index+1, 0)
//
// so change LSNs < commit_lsn < end_lsn < the next transaction's changes,
// and a subscriber restarting from end_lsn (FromLSN or its slot) starts
// exactly at the next entry. xids are the entry index truncated to 32
// bits. Rows are sent whole: Relation messages advertise replica identity
// full ('f') and the primary key columns (flag 1); Update carries the old
// row ('O') and Delete the old row ('O'); values are in text format; no
// 'u' (unchanged TOAST) values ever.

// CommitLSN is the commit position of the transaction at index.
func CommitLSN(index uint64) uint64 { return EndLSN(index) }

// TxnEndLSN is the end position of the transaction at index.
func TxnEndLSN(index uint64) uint64 { return LSN(index+1, 0) }

// pgEpochMicros converts t to microseconds since 2000-01-01 UTC.
func pgEpochMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return types.TimeToPG(t)
}

// AppendBegin appends a Begin ('B') message for the transaction at index.
func AppendBegin(dst []byte, index uint64, commitTime time.Time) []byte {
	dst = append(dst, 'B')
	dst = binary.BigEndian.AppendUint64(dst, CommitLSN(index))
	dst = binary.BigEndian.AppendUint64(dst, uint64(pgEpochMicros(commitTime)))
	return binary.BigEndian.AppendUint32(dst, uint32(index))
}

// AppendCommit appends a Commit ('C') message for the transaction at index.
func AppendCommit(dst []byte, index uint64, commitTime time.Time) []byte {
	dst = append(dst, 'C', 0)
	dst = binary.BigEndian.AppendUint64(dst, CommitLSN(index))
	dst = binary.BigEndian.AppendUint64(dst, TxnEndLSN(index))
	return binary.BigEndian.AppendUint64(dst, uint64(pgEpochMicros(commitTime)))
}

// AppendRelation appends a Relation ('R') message describing r. Send it
// before the first change of r on a connection and again when r's shape
// changes (compare the *Relation pointers: a new catalog version gives new
// ones).
func AppendRelation(dst []byte, r *Relation) []byte {
	dst = append(dst, 'R')
	dst = binary.BigEndian.AppendUint32(dst, r.OID)
	ns := r.Schema
	if ns == "" {
		ns = "public"
	}
	dst = appendCString(dst, ns)
	dst = appendCString(dst, r.Name)
	dst = append(dst, 'f')
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.Columns)))
	for i, c := range r.Columns {
		var flags byte
		for _, k := range r.KeyColumns {
			if k == i {
				flags = 1
			}
		}
		dst = append(dst, flags)
		dst = appendCString(dst, r.ColumnNames[i])
		dst = binary.BigEndian.AppendUint32(dst, c.T.OID)
		dst = binary.BigEndian.AppendUint32(dst, uint32(c.T.Mod))
	}
	return dst
}

// AppendChange appends the Insert ('I'), Update ('U') or Delete ('D')
// message of a row change; read rows encode as inserts (initial copy).
// Messages use AppendMessage; progress rows have no pgoutput form.
func AppendChange(dst []byte, c *Change) ([]byte, error) {
	r := c.Table
	if r == nil {
		return dst, fmt.Errorf("changefeed: pgoutput: %s change without a table", c.Op)
	}
	var err error
	switch c.Op {
	case OpInsert, OpRead:
		dst = append(dst, 'I')
		dst = binary.BigEndian.AppendUint32(dst, r.OID)
		dst = append(dst, 'N')
		dst, err = appendTuple(dst, r, c.NewRow)
	case OpUpdate:
		dst = append(dst, 'U')
		dst = binary.BigEndian.AppendUint32(dst, r.OID)
		dst = append(dst, 'O')
		if dst, err = appendTuple(dst, r, c.OldRow); err == nil {
			dst = append(dst, 'N')
			dst, err = appendTuple(dst, r, c.NewRow)
		}
	case OpDelete:
		dst = append(dst, 'D')
		dst = binary.BigEndian.AppendUint32(dst, r.OID)
		dst = append(dst, 'O')
		dst, err = appendTuple(dst, r, c.OldRow)
	default:
		return dst, fmt.Errorf("changefeed: pgoutput: no row message for op %s", c.Op)
	}
	return dst, err
}

// AppendMessage appends a logical decoding Message ('M') for a message
// change (PostgreSQL sends it only with the option messages 'true').
func AppendMessage(dst []byte, c *Change) []byte {
	dst = append(dst, 'M')
	var flags byte
	if c.Transactional {
		flags = 1
	}
	dst = append(dst, flags)
	dst = binary.BigEndian.AppendUint64(dst, c.LSN)
	dst = appendCString(dst, c.Relation)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(c.Content)))
	return append(dst, c.Content...)
}

// appendTuple appends TupleData: every column, NULL as 'n', others as 't'
// with PostgreSQL's text output.
func appendTuple(dst []byte, r *Relation, row []byte) ([]byte, error) {
	vals := make([]types.Datum, len(r.Columns))
	if err := types.DecodeRow(row, r.Columns, vals); err != nil {
		return dst, fmt.Errorf("changefeed: pgoutput: decode row of %s: %w", r.Name, err)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.Columns)))
	for i, v := range vals {
		if v == nil {
			dst = append(dst, 'n')
			continue
		}
		dst = append(dst, 't', 0, 0, 0, 0)
		at := len(dst)
		dst = types.AppendText(dst, r.Columns[i].T, v)
		binary.BigEndian.PutUint32(dst[at-4:], uint32(len(dst)-at))
	}
	return dst, nil
}

func appendCString(dst []byte, s string) []byte {
	return append(append(dst, s...), 0)
}
