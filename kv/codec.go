package kv

import (
	"encoding/binary"
	"fmt"
	"math"
)

// commandFormatV1, V2 and V3 are the first byte of every encoded Command: a
// command with notifications is written as V3, else one with a merge write
// as V2, any other as V1 (so a log without merges or notifications stays
// readable by builds that predate them; a build that predates a version
// stops at its first entry of it, ErrCorrupt, rather than apply it wrong).
// V2 is V1 plus the write flag 4 (merge: the value is the merge operand, and
// there is no before image). V3 is V2 followed by the notifications
// section. V4 (a command with a LockOp, and every KindLock) is V3 followed
// by the lock op. V5 is V4's layout for a KindLock command with a
// SnapshotIndex: a row lock request, whose outcome depends on the rows'
// versions at that snapshot (package locks, rows.go); a build that
// predates row locks stops at it rather than answer it differently from
// its replicas. V6 is V4's layout for a KindTxn whose reads were made at
// several snapshots (READ COMMITTED, readcommitted.go), followed by one
// uvarint AsOf per read and per range; a build that predates it stops at
// it rather than validate those reads against the wrong snapshot.
// DecodeCommand reads all six.
//
// Layout (uvarint/varint are encoding/binary's; bytes = uvarint length then
// the bytes; optbytes = uvarint length+1 then the bytes, 0 meaning nil):
//
//	u8 version(1) u8 kind
//	uvarint SnapshotIndex   varint CommitTime
//	uvarint nReads    { uvarint space, bytes key }
//	uvarint nRanges   { uvarint space, bytes start, optbytes end }
//	uvarint nWrites   { uvarint space, u8 flags(1 delete, 2 has before, 4 merge: V2 only),
//	                    bytes key, [bytes value unless delete], [bytes before if flag 2] }
//	uvarint nDrops    { uvarint space }
//	uvarint nMessages { u8 flags(1 transactional, 2 database), [uvarint database if 2], bytes prefix, bytes content }
//	uvarint Space   bytes Key   varint Delta
//	V3, V4: uvarint nNotifications { uvarint pid, bytes channel, bytes payload }
//	V4, V5, V6: bytes LockOp
//	V6 only: nReads × uvarint AsOf, nRanges × uvarint AsOf
//
// Every field is written for every kind; an empty section costs one byte.
// A later format gets a new version byte and DecodeCommand keeps reading
// the old one (the log is retained and replayed for a long time).
const (
	commandFormatV1 = 1
	commandFormatV2 = 2
	commandFormatV3 = 3
	commandFormatV4 = 4
	commandFormatV5 = 5
	commandFormatV6 = 6
)

const (
	writeFlagDelete    = 1
	writeFlagHasBefore = 2
	writeFlagMerge     = 4
	msgFlagTxn         = 1
	msgFlagDB          = 2 // a uvarint database OID follows the flags
)

// EncodeCommand returns the log entry payload for c.
func EncodeCommand(c *Command) []byte {
	return AppendCommand(make([]byte, 0, encodedSize(c)), c)
}

// AppendCommand appends the encoding of c to dst and returns the result.
func AppendCommand(dst []byte, c *Command) []byte {
	if c.Xid != 0 || c.Kind == KindXidFence || c.Kind == KindXidEpoch {
		return appendXidCommand(dst, c) // xid.go
	}
	version := byte(commandFormatV1)
	for i := range c.Writes {
		if c.Writes[i].Merge {
			version = commandFormatV2
			break
		}
	}
	if len(c.Notifications) > 0 {
		version = commandFormatV3
	}
	if len(c.LockOp) > 0 || c.Kind == KindLock {
		version = commandFormatV4
	}
	if c.Kind == KindLock && c.SnapshotIndex != 0 {
		version = commandFormatV5
	}
	asOf := c.Kind == KindTxn && hasAsOf(c)
	if asOf {
		version = commandFormatV6
	}
	dst = append(dst, version, byte(c.Kind))
	dst = binary.AppendUvarint(dst, c.SnapshotIndex)
	dst = binary.AppendVarint(dst, c.CommitTime)
	dst = binary.AppendUvarint(dst, uint64(len(c.Reads)))
	for i := range c.Reads {
		r := &c.Reads[i]
		dst = binary.AppendUvarint(dst, uint64(r.Space))
		dst = appendBytes(dst, r.Key)
	}
	dst = binary.AppendUvarint(dst, uint64(len(c.Ranges)))
	for i := range c.Ranges {
		r := &c.Ranges[i]
		dst = binary.AppendUvarint(dst, uint64(r.Space))
		dst = appendBytes(dst, r.Start)
		dst = appendOptBytes(dst, r.End)
	}
	dst = binary.AppendUvarint(dst, uint64(len(c.Writes)))
	for i := range c.Writes {
		w := &c.Writes[i]
		dst = binary.AppendUvarint(dst, uint64(w.Space))
		var flags byte
		if w.Delete {
			flags |= writeFlagDelete
		}
		hasBefore := w.Before != nil && !w.Merge // a merge has no before image
		if hasBefore {
			flags |= writeFlagHasBefore
		}
		if w.Merge {
			flags |= writeFlagMerge
		}
		dst = append(dst, flags)
		dst = appendBytes(dst, w.Key)
		if !w.Delete {
			dst = appendBytes(dst, w.Value)
		}
		if hasBefore {
			dst = appendBytes(dst, w.Before)
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(c.Drops)))
	for _, sp := range c.Drops {
		dst = binary.AppendUvarint(dst, uint64(sp))
	}
	dst = binary.AppendUvarint(dst, uint64(len(c.Messages)))
	for i := range c.Messages {
		m := &c.Messages[i]
		var flags byte
		if m.Transactional {
			flags |= msgFlagTxn
		}
		if m.Database != 0 {
			flags |= msgFlagDB
		}
		dst = append(dst, flags)
		if m.Database != 0 {
			dst = binary.AppendUvarint(dst, uint64(m.Database))
		}
		dst = appendBytes(dst, []byte(m.Prefix))
		dst = appendBytes(dst, m.Content)
	}
	dst = binary.AppendUvarint(dst, uint64(c.Space))
	dst = appendBytes(dst, c.Key)
	dst = binary.AppendVarint(dst, c.Delta)
	if version >= commandFormatV3 {
		dst = binary.AppendUvarint(dst, uint64(len(c.Notifications)))
		for i := range c.Notifications {
			n := &c.Notifications[i]
			dst = binary.AppendUvarint(dst, uint64(n.PID))
			dst = appendString(dst, n.Channel)
			dst = appendString(dst, n.Payload)
		}
	}
	if version >= commandFormatV4 {
		dst = appendBytes(dst, c.LockOp)
	}
	if asOf {
		for i := range c.Reads {
			dst = binary.AppendUvarint(dst, c.Reads[i].AsOf)
		}
		for i := range c.Ranges {
			dst = binary.AppendUvarint(dst, c.Ranges[i].AsOf)
		}
	}
	return dst
}

// hasAsOf reports whether a read or range of c carries its own snapshot.
func hasAsOf(c *Command) bool {
	for i := range c.Reads {
		if c.Reads[i].AsOf != 0 {
			return true
		}
	}
	for i := range c.Ranges {
		if c.Ranges[i].AsOf != 0 {
			return true
		}
	}
	return false
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// encodedSize is an upper bound of the encoding's length.
func encodedSize(c *Command) int {
	n := 2 + 3*binary.MaxVarintLen64 + 5*binary.MaxVarintLen64
	if c.Xid != 0 {
		n += 1 + binary.MaxVarintLen64
	}
	for i := range c.Reads {
		n += 5 + binary.MaxVarintLen32 + len(c.Reads[i].Key)
	}
	for i := range c.Ranges {
		n += 5 + 2*binary.MaxVarintLen32 + len(c.Ranges[i].Start) + len(c.Ranges[i].End)
	}
	for i := range c.Writes {
		w := &c.Writes[i]
		n += 6 + 3*binary.MaxVarintLen32 + len(w.Key) + len(w.Value) + len(w.Before)
	}
	n += 5 * len(c.Drops)
	for i := range c.Messages {
		n += 1 + 3*binary.MaxVarintLen32 + len(c.Messages[i].Prefix) + len(c.Messages[i].Content)
	}
	n += binary.MaxVarintLen32 + len(c.Key) + binary.MaxVarintLen64
	n += 2*binary.MaxVarintLen32 + len(c.LockOp)
	n += binary.MaxVarintLen64 * (len(c.Reads) + len(c.Ranges))
	if len(c.Notifications) > 0 {
		n += binary.MaxVarintLen64
		for i := range c.Notifications {
			n += 3*binary.MaxVarintLen32 + len(c.Notifications[i].Channel) + len(c.Notifications[i].Payload)
		}
	}
	return n
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func appendOptBytes(dst, b []byte) []byte {
	if b == nil {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(b))+1)
	return append(dst, b...)
}

// DecodeCommand decodes a log entry payload. Byte slices of the result alias
// data (capacity-limited, so appending to them never writes into data); the
// caller must not modify data while the Command is in use. Every error wraps
// ErrCorrupt.
func DecodeCommand(data []byte) (*Command, error) {
	c := new(Command)
	if err := decodeCommandInto(c, data); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeCommandInto(c *Command, data []byte) error {
	if len(data) < 2 {
		return fmt.Errorf("%w: %d-byte command", ErrCorrupt, len(data))
	}
	if data[0] >= commandFormatXid {
		return decodeXidCommand(c, data) // xid.go
	}
	allowed := byte(writeFlagDelete | writeFlagHasBefore)
	switch data[0] {
	case commandFormatV1:
	case commandFormatV2, commandFormatV3, commandFormatV4, commandFormatV5, commandFormatV6:
		allowed |= writeFlagMerge
	default:
		return fmt.Errorf("%w: unknown command format %d", ErrCorrupt, data[0])
	}
	c.Kind = CommandKind(data[1])
	switch c.Kind {
	case KindTxn, KindIncrement, KindMessage, KindStateHash:
	case KindLock:
		if data[0] != commandFormatV4 && data[0] != commandFormatV5 {
			return fmt.Errorf("%w: lock command in format %d", ErrCorrupt, data[0])
		}
	default:
		return fmt.Errorf("%w: unknown command kind %d", ErrCorrupt, data[1])
	}
	d := decoder{buf: data, pos: 2}
	c.SnapshotIndex = d.uvarint()
	c.CommitTime = d.varint()

	if n := d.count(2); n > 0 {
		c.Reads = make([]Read, n)
		for i := range c.Reads {
			c.Reads[i].Space = d.space()
			c.Reads[i].Key = d.bytes()
		}
	}
	if n := d.count(3); n > 0 {
		c.Ranges = make([]Range, n)
		for i := range c.Ranges {
			r := &c.Ranges[i]
			r.Space = d.space()
			r.Start = d.bytes()
			r.End = d.optBytes()
		}
	}
	if n := d.count(3); n > 0 {
		c.Writes = make([]Write, n)
		for i := range c.Writes {
			w := &c.Writes[i]
			w.Space = d.space()
			flags := d.byte()
			if flags&^allowed != 0 || flags&writeFlagMerge != 0 && flags&(writeFlagDelete|writeFlagHasBefore) != 0 {
				d.fail("write flags")
			}
			w.Key = d.bytes()
			w.Delete = flags&writeFlagDelete != 0
			w.Merge = flags&writeFlagMerge != 0
			if !w.Delete {
				w.Value = d.nonNilBytes()
			}
			if flags&writeFlagHasBefore != 0 {
				w.Before = d.nonNilBytes()
			}
		}
	}
	if n := d.count(1); n > 0 {
		c.Drops = make([]Space, n)
		for i := range c.Drops {
			c.Drops[i] = d.space()
		}
	}
	if n := d.count(3); n > 0 {
		c.Messages = make([]Message, n)
		for i := range c.Messages {
			m := &c.Messages[i]
			flags := d.byte()
			if flags&^(msgFlagTxn|msgFlagDB) != 0 {
				d.fail("message flags")
			}
			m.Transactional = flags&msgFlagTxn != 0
			if flags&msgFlagDB != 0 {
				db := d.uvarint()
				if db == 0 || db > 1<<32-1 {
					d.fail("message database")
				}
				m.Database = uint32(db)
			}
			m.Prefix = string(d.bytes())
			m.Content = d.bytes()
		}
	}
	c.Space = d.space()
	c.Key = d.bytes()
	c.Delta = d.varint()
	if data[0] >= commandFormatV3 {
		if n := d.count(3); n > 0 {
			c.Notifications = make([]Notification, n)
			for i := range c.Notifications {
				ntf := &c.Notifications[i]
				pid := d.uvarint()
				if pid > math.MaxUint32 {
					d.fail("notification pid")
				}
				ntf.PID = uint32(pid)
				ntf.Channel = string(d.bytes())
				ntf.Payload = string(d.bytes())
			}
		}
	}
	if data[0] >= commandFormatV4 {
		c.LockOp = d.bytes()
	}
	if data[0] == commandFormatV5 && (c.Kind != KindLock || c.SnapshotIndex == 0) {
		d.fail("format 5 without a lock snapshot")
	}
	if data[0] == commandFormatV6 {
		if c.Kind != KindTxn {
			d.fail("format 6 of a command that is no transaction")
		}
		for i := range c.Reads {
			c.Reads[i].AsOf = d.uvarint()
		}
		for i := range c.Ranges {
			c.Ranges[i].AsOf = d.uvarint()
		}
	}
	if d.err == nil && d.pos != len(d.buf) {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return fmt.Errorf("%w: %s at byte %d", ErrCorrupt, d.err, d.pos)
	}
	return nil
}

// decoder reads fields in order; the first failure sticks and every later
// read returns a zero value, so callers check err once at the end.
type decoder struct {
	buf []byte
	pos int
	err error
}

type decodeError string

func (e decodeError) Error() string { return string(e) }

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = decodeError("bad " + what)
		d.pos = len(d.buf)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.pos:])
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.pos += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf[d.pos:])
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.pos += n
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.pos >= len(d.buf) {
		d.fail("length")
		return 0
	}
	b := d.buf[d.pos]
	d.pos++
	return b
}

func (d *decoder) space() Space {
	v := d.uvarint()
	if v > math.MaxUint32 {
		d.fail("space")
		return 0
	}
	return Space(v)
}

// count reads an element count, rejecting counts the remaining input could
// not hold at minSize bytes an element (no huge allocations on bad input).
func (d *decoder) count(minSize int) int {
	v := d.uvarint()
	if v > uint64((len(d.buf)-d.pos)/minSize) {
		d.fail("count")
		return 0
	}
	return int(v)
}

func (d *decoder) take(n uint64) []byte {
	if n > uint64(len(d.buf)-d.pos) {
		d.fail("length")
		return nil
	}
	end := d.pos + int(n)
	b := d.buf[d.pos:end:end]
	d.pos = end
	return b
}

// bytes returns nil for a zero length.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	return d.take(n)
}

// nonNilBytes returns an empty, non-nil slice for a zero length.
func (d *decoder) nonNilBytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	return d.take(n)
}

func (d *decoder) optBytes() []byte {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	return d.take(n - 1)
}

// EntryNotifications returns the notifications a log entry payload carries,
// decoding it only when its version byte says it may have some (V3, or
// V4: a commit that also carries a lock op, as every commit of a session
// holding locks does, or V6): entries without notifications cost one byte
// compare. Errors wrap ErrCorrupt.
func EntryNotifications(data []byte) ([]Notification, error) {
	if len(data) > 1 && data[0] == commandFormatXid {
		data = skipXidEnvelope(data) // xid.go
	}
	if len(data) == 0 || data[0] != commandFormatV3 && data[0] != commandFormatV4 && data[0] != commandFormatV6 {
		return nil, nil
	}
	c, err := DecodeCommand(data)
	if err != nil {
		return nil, err
	}
	return c.Notifications, nil
}
