package changefeed

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"time"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// pgoutput encoders: the logical replication messages (protocol versions
// 1 to 3, PostgreSQL 15 "Logical Replication Message Formats"; 2 adds
// streaming and 3 two-phase commit, neither ever used here) that a
// replication connection sends inside XLogData, built from Changes.
// Append-style: each appends one message to dst.
//
// Positions for a transaction (entry index) with changes LSN(index, 1…n):
//
//	Begin.final_lsn = Commit.commit_lsn = CommitLSN(index) = EndLSN(index)
//	Commit.end_lsn  = TxnEndLSN(index)  = LSN(index+1, 0)
//
// so change LSNs < commit_lsn < end_lsn < the next transaction's changes,
// and a subscriber restarting from end_lsn (FromLSN or its slot) starts
// exactly at the next entry. xids are the entry index truncated to 32
// bits. Relation messages carry the table's replica identity and flag its
// columns; Update sends the old key ('K') when an identity column changed,
// the whole old row ('O') under REPLICA IDENTITY FULL; Delete the old key
// or row; values are in text format, or binary with the binary option; no
// 'u' (unchanged TOAST) values ever.

// PgoutputOptions are pgoutput's START_REPLICATION options.
type PgoutputOptions struct {
	ProtoVersion int      // proto_version: 1 to 3 (required; all encode alike here)
	Publications []string // publication_names (required)
	Binary       bool     // binary: tuple values in binary format
	Messages     bool     // messages: logical decoding messages too
}

// ParsePgoutputOptions reads START_REPLICATION's options for pgoutput, with
// PostgreSQL's errors (22023 for a missing or bad option, 0A000 for a
// protocol version it does not speak).
func ParsePgoutputOptions(opts [][2]string) (PgoutputOptions, error) {
	var o PgoutputOptions
	seen := map[string]bool{}
	for _, kv := range opts {
		name, val := kv[0], kv[1]
		if seen[name] {
			return o, optionError("conflicting or redundant options")
		}
		seen[name] = true
		switch name {
		case "proto_version":
			v, err := strconv.ParseInt(val, 10, 32)
			if err != nil || v < 0 {
				return o, optionError("invalid proto_version")
			}
			o.ProtoVersion = int(v)
		case "publication_names":
			names, ok := splitNameList(val)
			if !ok {
				return o, optionError("invalid publication_names syntax")
			}
			o.Publications = names
		case "binary", "messages", "streaming", "two_phase":
			b, ok := parseBoolOption(val)
			if !ok {
				return o, optionError("invalid value for %s option: \"%s\"", name, val)
			}
			switch name {
			case "binary":
				o.Binary = b
			case "messages":
				o.Messages = b
			}
			// streaming and two_phase: only committed transactions are in
			// the log, so there is never anything to stream or prepare
		case "origin":
			if val != "any" && val != "none" {
				return o, optionError("unrecognized origin value: \"%s\"", val)
			}
		default:
			return o, optionError("unrecognized pgoutput option: %s", name)
		}
	}
	if !seen["proto_version"] {
		return o, optionError("proto_version option missing")
	}
	if !seen["publication_names"] {
		return o, optionError("publication_names parameter missing")
	}
	if o.ProtoVersion > 3 {
		return o, pgerror.New(pgerror.FeatureNotSupported,
			"client sent proto_version=%d but server only supports protocol %d or lower", o.ProtoVersion, 3)
	}
	if o.ProtoVersion < 1 {
		return o, pgerror.New(pgerror.FeatureNotSupported,
			"client sent proto_version=%d but server only supports protocol %d or higher", o.ProtoVersion, 1)
	}
	return o, nil
}

func optionError(format string, args ...any) error {
	return pgerror.New(pgerror.InvalidParameterValue, format, args...)
}

// splitNameList is SplitIdentifierString(',') for publication_names:
// names separated by commas, unquoted ones lowercased, "quoted" kept.
func splitNameList(s string) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		var name []byte
		if i < len(s) && s[i] == '"' {
			i++
			for {
				if i >= len(s) {
					return nil, false
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						name = append(name, '"')
						i += 2
						continue
					}
					i++
					break
				}
				name = append(name, s[i])
				i++
			}
		} else {
			for i < len(s) && s[i] != ',' && s[i] != ' ' {
				c := s[i]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				name = append(name, c)
				i++
			}
		}
		if len(name) == 0 {
			return nil, false
		}
		out = append(out, string(name))
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			return out, true
		}
		if s[i] != ',' {
			return nil, false
		}
		i++
	}
}

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
	kind, idCols := r.Identity()
	dst = append(dst, kind)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.Columns)))
	for i, c := range r.Columns {
		var flags byte
		if slices.Contains(idCols, i) {
			flags = 1
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
// Values are in binary format when binary is set. Messages use
// AppendMessage; progress rows have no pgoutput form.
func AppendChange(dst []byte, c *Change, binaryFormat bool) ([]byte, error) {
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
		dst, err = appendTuple(dst, r, c.NewRow, nil, binaryFormat)
	case OpUpdate:
		dst = append(dst, 'U')
		dst = binary.BigEndian.AppendUint32(dst, r.OID)
		var old []types.Datum
		if old, err = r.oldIdentity(c, true); err != nil {
			return dst, err
		}
		if old != nil {
			kind, _ := r.Identity()
			dst = append(dst, oldTupleTag(kind))
			if dst, err = appendTuple(dst, r, nil, old, binaryFormat); err != nil {
				return dst, err
			}
		}
		dst = append(dst, 'N')
		dst, err = appendTuple(dst, r, c.NewRow, nil, binaryFormat)
	case OpDelete:
		var old []types.Datum
		if old, err = r.oldIdentity(c, false); err != nil {
			return dst, err
		}
		if old == nil {
			// a table without an identity: PostgreSQL refuses the DELETE
			// on a published table; sent as an empty key
			old = make([]types.Datum, len(r.Columns))
		}
		kind, _ := r.Identity()
		dst = append(dst, 'D')
		dst = binary.BigEndian.AppendUint32(dst, r.OID)
		dst = append(dst, oldTupleTag(kind))
		dst, err = appendTuple(dst, r, nil, old, binaryFormat)
	default:
		return dst, fmt.Errorf("changefeed: pgoutput: no row message for op %s", c.Op)
	}
	return dst, err
}

// oldTupleTag is 'O' for a whole old row (REPLICA IDENTITY FULL), else 'K'.
func oldTupleTag(identity byte) byte {
	if identity == 'f' {
		return 'O'
	}
	return 'K'
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

// appendTuple appends TupleData of a stored row (or of vals when row is
// nil): every column, NULL as 'n', others as 't' with PostgreSQL's text
// output or, with binaryFormat, as 'b' with its binary send format.
func appendTuple(dst []byte, r *Relation, row []byte, vals []types.Datum, binaryFormat bool) ([]byte, error) {
	if vals == nil {
		var err error
		if vals, err = r.decodeRow(row); err != nil {
			return dst, fmt.Errorf("changefeed: pgoutput: %w", err)
		}
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.Columns)))
	for i, v := range vals {
		if v == nil {
			dst = append(dst, 'n')
			continue
		}
		tag := byte('t')
		if binaryFormat {
			tag = 'b'
		}
		dst = append(dst, tag, 0, 0, 0, 0)
		at := len(dst)
		if binaryFormat {
			var err error
			if dst, err = types.AppendBinary(dst, r.Columns[i].T, v); err != nil {
				return dst, fmt.Errorf("changefeed: pgoutput: binary value of %s.%s: %w", r.Name, r.ColumnNames[i], err)
			}
		} else {
			dst = types.AppendText(dst, r.Columns[i].T, v)
		}
		binary.BigEndian.PutUint32(dst[at-4:], uint32(len(dst)-at))
	}
	return dst, nil
}

// AppendTruncate appends a Truncate ('T') message for the tables with
// the given OIDs.
func AppendTruncate(dst []byte, oids []uint32, cascade, restartIdentity bool) []byte {
	dst = append(dst, 'T')
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(oids)))
	var flags byte
	if cascade {
		flags |= 1
	}
	if restartIdentity {
		flags |= 2
	}
	dst = append(dst, flags)
	for _, o := range oids {
		dst = binary.BigEndian.AppendUint32(dst, o)
	}
	return dst
}

func appendCString(dst []byte, s string) []byte {
	return append(append(dst, s...), 0)
}
