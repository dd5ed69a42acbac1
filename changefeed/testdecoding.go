package changefeed

import (
	"fmt"
	"strconv"
	"time"

	"logdb/sql/types"
)

// test_decoding encoders: PostgreSQL's contrib/test_decoding text format,
// byte for byte, one line per message (pg_recvlogical prints each with a
// newline):
//
//	BEGIN 529
//	table public.orders: INSERT: id[integer]:1 sku[text]:'a''b' total[numeric]:9.50
//	table public.orders: UPDATE: old-key: id[integer]:1 new-tuple: id[integer]:7 …
//	table public.orders: DELETE: id[integer]:7
//	message: transactional: 1 prefix: ev, sz: 5 content:hello
//	COMMIT 529 (at 2026-12-07 10:00:00.123456+00)
//
// Values use the type's text output; integers, floats, numeric and oid are
// printed bare, bool as true/false, bit strings as B'…', everything else
// quoted with ' doubled. An UPDATE shows old-key only when the replica
// identity's columns changed (or under REPLICA IDENTITY FULL: the whole old
// row); a DELETE shows the identity columns of the old row, or
// (no-tuple-data) when the table has no identity.

// TestDecodingOptions are test_decoding's options.
type TestDecodingOptions struct {
	IncludeXids      bool // include-xids, default on
	IncludeTimestamp bool // include-timestamp
	SkipEmptyXacts   bool // skip-empty-xacts
}

// ParseTestDecodingOptions reads START_REPLICATION's options for
// test_decoding; an unknown option or a bad boolean is an error, as in
// PostgreSQL (22023).
func ParseTestDecodingOptions(opts [][2]string) (TestDecodingOptions, error) {
	o := TestDecodingOptions{IncludeXids: true}
	for _, kv := range opts {
		name, val := kv[0], kv[1]
		var dst *bool
		switch name {
		case "include-xids":
			dst = &o.IncludeXids
		case "include-timestamp":
			dst = &o.IncludeTimestamp
		case "skip-empty-xacts":
			dst = &o.SkipEmptyXacts
		case "force-binary", "only-local", "include-rewrites", "stream-changes", "include-sequences":
			// accepted: logdb has no binary output here, one origin, no
			// table rewrites and only committed transactions
			var ignored bool
			dst = &ignored
		default:
			return o, optionError("option \"%s\" = \"%s\" is unknown", name, val)
		}
		if val == "" {
			*dst = true
			continue
		}
		b, ok := parseBoolOption(val)
		if !ok {
			return o, optionError("could not parse value \"%s\" for parameter \"%s\"", val, name)
		}
		*dst = b
	}
	return o, nil
}

// parseBoolOption is PostgreSQL's parse_bool.
func parseBoolOption(s string) (bool, bool) {
	switch lower(s) {
	case "t", "tr", "tru", "true", "y", "ye", "yes", "on", "1":
		return true, true
	case "f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0":
		return false, true
	}
	return false, false
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// AppendTestDecodingBegin appends "BEGIN xid" (or "BEGIN").
func AppendTestDecodingBegin(dst []byte, o TestDecodingOptions, xid uint64) []byte {
	dst = append(dst, "BEGIN"...)
	if o.IncludeXids {
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, uint64(uint32(xid)), 10)
	}
	return dst
}

// AppendTestDecodingCommit appends "COMMIT xid" and, with
// include-timestamp, " (at <commit time>)".
func AppendTestDecodingCommit(dst []byte, o TestDecodingOptions, xid uint64, commitTime time.Time) []byte {
	dst = append(dst, "COMMIT"...)
	if o.IncludeXids {
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, uint64(uint32(xid)), 10)
	}
	if o.IncludeTimestamp {
		dst = append(dst, " (at "...)
		dst = types.AppendText(dst, types.T{OID: types.TimestamptzOID, Mod: -1}, commitTime.UTC())
		dst = append(dst, ')')
	}
	return dst
}

// AppendTestDecodingChange appends the line of a row change.
func AppendTestDecodingChange(dst []byte, c *Change) ([]byte, error) {
	r := c.Table
	if r == nil {
		return dst, fmt.Errorf("changefeed: test_decoding: %s change without a table", c.Op)
	}
	schema := r.Schema
	if schema == "" {
		schema = "public"
	}
	dst = append(dst, "table "...)
	dst = append(dst, types.QuoteIdent(schema)...)
	dst = append(dst, '.')
	dst = append(dst, types.QuoteIdent(r.Name)...)
	dst = append(dst, ':')
	var err error
	switch c.Op {
	case OpInsert, OpRead:
		dst = append(dst, " INSERT:"...)
		dst, err = appendTestDecodingTuple(dst, r, c.NewRow, nil)
	case OpUpdate:
		dst = append(dst, " UPDATE:"...)
		var old []types.Datum
		if old, err = r.oldIdentity(c, true); err != nil {
			return dst, err
		}
		if old != nil {
			dst = append(dst, " old-key:"...)
			dst = appendTestDecodingValues(dst, r, old, true)
			dst = append(dst, " new-tuple:"...)
		}
		dst, err = appendTestDecodingTuple(dst, r, c.NewRow, nil)
	case OpDelete:
		dst = append(dst, " DELETE:"...)
		var old []types.Datum
		if old, err = r.oldIdentity(c, false); err != nil {
			return dst, err
		}
		if old == nil {
			dst = append(dst, " (no-tuple-data)"...)
		} else {
			dst = appendTestDecodingValues(dst, r, old, true)
		}
	default:
		return dst, fmt.Errorf("changefeed: test_decoding: no row line for op %s", c.Op)
	}
	return dst, err
}

// AppendTestDecodingTruncate appends the line of one TRUNCATE of the
// changes' tables: "table public.a, public.b: TRUNCATE: (no-flags)" (the
// log does not record CASCADE or RESTART IDENTITY).
func AppendTestDecodingTruncate(dst []byte, cs []Change) []byte {
	dst = append(dst, "table "...)
	for i, c := range cs {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		schema := c.Table.Schema
		if schema == "" {
			schema = "public"
		}
		dst = append(dst, types.QuoteIdent(schema)...)
		dst = append(dst, '.')
		dst = append(dst, types.QuoteIdent(c.Table.Name)...)
	}
	return append(dst, ": TRUNCATE: (no-flags)"...)
}

// AppendTestDecodingMessage appends the line of a logical decoding message.
func AppendTestDecodingMessage(dst []byte, c *Change) []byte {
	dst = append(dst, "message: transactional: "...)
	if c.Transactional {
		dst = append(dst, '1')
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, " prefix: "...)
	dst = append(dst, c.Relation...)
	dst = append(dst, ", sz: "...)
	dst = strconv.AppendInt(dst, int64(len(c.Content)), 10)
	dst = append(dst, " content:"...)
	return append(dst, c.Content...)
}

func appendTestDecodingTuple(dst []byte, r *Relation, row []byte, _ []types.Datum) ([]byte, error) {
	vals, err := r.decodeRow(row)
	if err != nil {
		return dst, err
	}
	return appendTestDecodingValues(dst, r, vals, false), nil
}

// appendTestDecodingValues is test_decoding's tuple_to_stringinfo: each
// column as " name[type]:value", NULLs skipped when skipNulls (an old key).
func appendTestDecodingValues(dst []byte, r *Relation, vals []types.Datum, skipNulls bool) []byte {
	for i, v := range vals {
		if v == nil && skipNulls {
			continue
		}
		t := r.Columns[i].T
		dst = append(dst, ' ')
		dst = append(dst, types.QuoteIdent(r.ColumnNames[i])...)
		dst = append(dst, '[')
		dst = append(dst, types.FormatType(types.T{OID: t.OID, Mod: -1})...)
		dst = append(dst, "]:"...)
		if v == nil {
			dst = append(dst, "null"...)
			continue
		}
		dst = appendTestDecodingLiteral(dst, t, v)
	}
	return dst
}

// appendTestDecodingLiteral is test_decoding's print_literal.
func appendTestDecodingLiteral(dst []byte, t types.T, v types.Datum) []byte {
	switch t.OID {
	case types.Int2OID, types.Int4OID, types.Int8OID, types.OidOID, types.Float4OID, types.Float8OID, types.NumericOID:
		return types.AppendText(dst, t, v)
	case types.BoolOID:
		if v == true {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	}
	s := types.AppendText(nil, t, v)
	dst = append(dst, '\'')
	for _, c := range s {
		if c == '\'' {
			dst = append(dst, '\'')
		}
		dst = append(dst, c)
	}
	return append(dst, '\'')
}
