package changefeed

import (
	"strconv"
	"time"

	"logdb/sql/types"
)

// Ops of a Change.
const (
	OpInsert   = "insert"
	OpUpdate   = "update"
	OpDelete   = "delete"
	OpMessage  = "message"
	OpRead     = "read"     // a row of the initial snapshot
	OpProgress = "progress" // a position heartbeat while idle
	OpTruncate = "truncate" // TRUNCATE of a table (before the entry's row changes)
)

// Change is one row of the feed. Key, Before and After are jsonb text
// (object keys in jsonb order, as PostgreSQL prints to_jsonb(row)) or nil
// for SQL NULL.
//
//	op        LSN                 XID          Relation        Key  Before  After
//	insert    index<<24|seq       entry index  "public.orders" pk   nil     new row
//	update    index<<24|seq       entry index  "public.orders" pk   old row new row
//	delete    index<<24|seq       entry index  "public.orders" pk   old row nil
//	message   index<<24|seq       entry index  prefix          nil  nil     content
//	read      EndLSN(snapshot)    0            "public.orders" pk   nil     row
//	progress  EndLSN(last read)   0            ""              nil  nil     nil
//
// A message's content is its jsonb form when it is valid JSON, else a JSON
// string (bytes that are not UTF-8 become the string of bytea's \x text).
// CommitTime is the proposer's commit time (zero for read and progress
// rows, and for entries proposed without one).
type Change struct {
	LSN        uint64
	XID        uint64
	Op         string
	Relation   string
	Key        []byte
	Before     []byte
	After      []byte
	CommitTime time.Time
	// LastInTxn: no further change of this transaction (entry) comes to
	// this subscription — a transaction's end without waiting for the
	// next one (pgoutput's Commit). Set on insert, update, delete and
	// message changes.
	LastInTxn bool
	// TxnEnd, with LastInTxn: the position just after the entry's last
	// change, LSN(index, n+1) for its n changes (wanted or not) — what
	// CurrentLSN reports once the entry is the latest with changes, and
	// the commit position replication streams give a transaction.
	TxnEnd uint64

	// The stored form, for encoders that need typed values (pgoutput):
	// the table and its rows as types.AppendRow encoded them, a message's
	// raw content. They alias the log entry: read only.
	Table          *Relation
	OldRow, NewRow []byte
	Content        []byte
	Transactional  bool // a message's flag
}

// Columns are the names of the feed's columns, in order, and their types
// (PostgreSQL type OIDs): what SUBSCRIBE returns.
var Columns = []struct {
	Name string
	Type types.OID
}{
	{"lsn", types.PgLSNOID},
	{"xid", types.Int8OID},
	{"op", types.TextOID},
	{"relation", types.TextOID},
	{"key", types.JSONBOID},
	{"before", types.JSONBOID},
	{"after", types.JSONBOID},
	{"commit_time", types.TimestamptzOID},
}

// Datums returns c as the values of Columns (nil for NULL): types.LSN,
// int64, string, types.JSONB, time.Time — for sql's result rows.
func (c *Change) Datums() []types.Datum {
	out := make([]types.Datum, 8)
	out[0] = types.LSN(c.LSN)
	if c.XID != 0 {
		out[1] = int64(c.XID)
	}
	out[2] = c.Op
	if c.Op != OpProgress {
		out[3] = c.Relation
	}
	for i, j := range [][]byte{c.Key, c.Before, c.After} {
		if j != nil {
			out[4+i] = types.JSONB(j)
		}
	}
	if !c.CommitTime.IsZero() {
		out[7] = c.CommitTime
	}
	return out
}

var timestamptz = types.T{OID: types.TimestamptzOID, Mod: -1}

// AppendText appends c as one line of COPY text format (the 8 columns
// tab-separated, \N for NULL, backslash escapes, a final newline):
//
//	0/3000001	3	insert	public.orders	{"id": 1}	\N	{"id": 1, "sku": "a"}	2026-11-26 19:00:00.123456+00
//
// xid is NULL for read and progress rows, relation for progress rows,
// commit_time when it is zero; commit_time is printed in UTC.
func AppendText(dst []byte, c Change) []byte {
	dst = append(dst, FormatLSN(c.LSN)...)
	dst = append(dst, '\t')
	if c.XID != 0 {
		dst = strconv.AppendUint(dst, c.XID, 10)
	} else {
		dst = append(dst, `\N`...)
	}
	dst = append(dst, '\t')
	dst = appendCopyText(dst, c.Op)
	dst = append(dst, '\t')
	if c.Op == OpProgress {
		dst = append(dst, `\N`...)
	} else {
		dst = appendCopyText(dst, c.Relation)
	}
	for _, j := range [][]byte{c.Key, c.Before, c.After} {
		dst = append(dst, '\t')
		if j == nil {
			dst = append(dst, `\N`...)
		} else {
			dst = appendCopyText(dst, j)
		}
	}
	dst = append(dst, '\t')
	if c.CommitTime.IsZero() {
		dst = append(dst, `\N`...)
	} else {
		dst = types.AppendText(dst, timestamptz, c.CommitTime.UTC())
	}
	return append(dst, '\n')
}

// appendCopyText escapes s as COPY's text format does.
func appendCopyText[S string | []byte](dst []byte, s S) []byte {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; b {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\v':
			dst = append(dst, '\\', 'v')
		default:
			dst = append(dst, b)
		}
	}
	return dst
}
