package changefeed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"logdb/kv"
	"logdb/sql/pgerror"
)

// Slot is a durable consumer position, stored in kv.SlotSpace under
// SlotKey(Name) as EncodeSlot(slot). Slots are written by ordinary kv
// transactions (through the log), so they survive restarts, are the same on
// every node, and advancing one can commit atomically with the consumer's
// own writes.
type Slot struct {
	Name   string
	Plugin string // "pgoutput", "test_decoding", "logdb" (SUBSCRIBE), …
	// ConfirmedLSN: the consumer has processed every change at or below it;
	// subscribing with the slot starts after it.
	ConfirmedLSN uint64
	// RestartLSN is what pg_replication_slots shows as restart_lsn; the feed
	// can restart exactly at any LSN, so it equals ConfirmedLSN.
	RestartLSN uint64
	// Lost: retention discarded entries the slot needed (wal_status 'lost');
	// subscribing with it fails.
	Lost      bool
	CreatedAt time.Time
	// Database is the OID of the database the slot was created in (it
	// decodes only that database's changes: Request.Database); 0 is the
	// default database, logdb, every slot made before databases had.
	Database uint32
}

// slotFormatV1 is the first byte of an encoded slot:
//
//	u8 version(1) uvarint len+name uvarint len+plugin u64 confirmed
//	u64 restart u8 flags(1 lost) varint created_at (unix micros)
const slotFormatV1 = 1

// slotFormatV2 is V1 followed by uvarint database (Slot.Database), written
// only for a slot of a database other than the default one: slots of
// logdb keep the V1 form older versions read.
const slotFormatV2 = 2

// SlotKey is the kv.SlotSpace key of the slot name.
func SlotKey(name string) []byte { return []byte(name) }

// EncodeSlot returns the stored form of s.
func EncodeSlot(s Slot) []byte {
	b := make([]byte, 0, 40+len(s.Name)+len(s.Plugin))
	if s.Database != 0 {
		b = append(b, slotFormatV2)
	} else {
		b = append(b, slotFormatV1)
	}
	b = binary.AppendUvarint(b, uint64(len(s.Name)))
	b = append(b, s.Name...)
	b = binary.AppendUvarint(b, uint64(len(s.Plugin)))
	b = append(b, s.Plugin...)
	b = binary.BigEndian.AppendUint64(b, s.ConfirmedLSN)
	b = binary.BigEndian.AppendUint64(b, s.RestartLSN)
	var flags byte
	if s.Lost {
		flags |= 1
	}
	b = append(b, flags)
	var created int64
	if !s.CreatedAt.IsZero() {
		created = s.CreatedAt.UnixMicro()
	}
	b = binary.AppendVarint(b, created)
	if s.Database != 0 {
		b = binary.AppendUvarint(b, uint64(s.Database))
	}
	return b
}

// ErrBadSlot is wrapped by DecodeSlot's errors.
var ErrBadSlot = errors.New("changefeed: malformed slot")

// DecodeSlot decodes a stored slot.
func DecodeSlot(b []byte) (Slot, error) {
	var s Slot
	if len(b) == 0 || b[0] != slotFormatV1 && b[0] != slotFormatV2 {
		return s, fmt.Errorf("%w: unknown format", ErrBadSlot)
	}
	v2 := b[0] == slotFormatV2
	b = b[1:]
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", false
		}
		v := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return v, true
	}
	var ok1, ok2 bool
	s.Name, ok1 = str()
	s.Plugin, ok2 = str()
	if !ok1 || !ok2 || len(b) < 17 {
		return Slot{}, fmt.Errorf("%w: truncated", ErrBadSlot)
	}
	s.ConfirmedLSN = binary.BigEndian.Uint64(b)
	s.RestartLSN = binary.BigEndian.Uint64(b[8:])
	s.Lost = b[16]&1 != 0
	created, k := binary.Varint(b[17:])
	if k <= 0 || 17+k > len(b) || !v2 && 17+k != len(b) {
		return Slot{}, fmt.Errorf("%w: bad creation time", ErrBadSlot)
	}
	if v2 {
		db, j := binary.Uvarint(b[17+k:])
		if j <= 0 || 17+k+j != len(b) || db == 0 || db > 1<<32-1 {
			return Slot{}, fmt.Errorf("%w: bad database", ErrBadSlot)
		}
		s.Database = uint32(db)
	}
	if created != 0 {
		s.CreatedAt = time.UnixMicro(created).UTC()
	}
	return s, nil
}

// ValidateSlotName checks a slot name as PostgreSQL does: 1 to 63 of
// [a-z0-9_] (42602 invalid_name otherwise).
func ValidateSlotName(name string) error {
	if name == "" || len(name) > 63 {
		return pgerror.New("42602", "replication slot name %q is too short or too long", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return &pgerror.Error{Code: "42602", Message: fmt.Sprintf("replication slot name %q contains invalid character", name),
				Hint: "Replication slot names may only contain lower case letters, numbers, and the underscore character."}
		}
	}
	return nil
}

// Slot reads one slot through txn (recorded as read: a concurrent change
// of it makes txn conflict).
func (f *Feed) Slot(txn *kv.Txn, name string) (Slot, bool, error) {
	v, ok, err := txn.Get(kv.SlotSpace, SlotKey(name))
	if err != nil || !ok {
		return Slot{}, false, err
	}
	s, err := DecodeSlot(v)
	if err != nil {
		return Slot{}, false, fmt.Errorf("changefeed: slot %q: %w", name, err)
	}
	return s, true, nil
}

// Slots returns every slot, by name, read through txn.
func (f *Feed) Slots(txn *kv.Txn) ([]Slot, error) {
	it := txn.Scan(kv.SlotSpace, nil, nil, false)
	defer it.Close()
	var out []Slot
	for it.Next() {
		s, err := DecodeSlot(it.Value())
		if err != nil {
			return nil, fmt.Errorf("changefeed: slot %q: %w", it.Key(), err)
		}
		out = append(out, s)
	}
	return out, it.Err()
}

// SlotActive reports whether a subscription of this node uses the slot now
// (pg_replication_slots.active).
func (f *Feed) SlotActive(name string) bool {
	_, ok := f.SlotActivePID(name)
	return ok
}

// SlotActivePID reports whether a subscription of this node uses the slot
// now, and the PID it gave (pg_replication_slots.active_pid; 0 if none).
func (f *Feed) SlotActivePID(name string) (int32, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pid, ok := f.active[name]
	return pid, ok
}

func errNoSlot(name string) error {
	return pgerror.New(pgerror.UndefinedObject, "replication slot \"%s\" does not exist", name)
}

// CreateSlot buffers in txn a new slot positioned at EndLSN(applied index)
// (its consumer gets the changes applied after it; txn's own changes come
// after it too). 42710 when it exists.
func (f *Feed) CreateSlot(txn *kv.Txn, name, plugin string, db uint32, now time.Time) (Slot, error) {
	return f.CreateSlotAt(txn, name, plugin, db, 0, now)
}

// CreateSlotAt is CreateSlot positioned at EndLSN(at) instead, the index
// of a snapshot the caller read (0: the applied index).
func (f *Feed) CreateSlotAt(txn *kv.Txn, name, plugin string, db uint32, at uint64, now time.Time) (Slot, error) {
	if err := ValidateSlotName(name); err != nil {
		return Slot{}, err
	}
	if _, ok, err := f.Slot(txn, name); err != nil || ok {
		if err == nil {
			err = pgerror.New(pgerror.DuplicateObject, "replication slot \"%s\" already exists", name)
		}
		return Slot{}, err
	}
	if at == 0 {
		at = f.cfg.Store.AppliedIndex()
	}
	lsn := EndLSN(at)
	s := Slot{Name: name, Plugin: plugin, ConfirmedLSN: lsn, RestartLSN: lsn, CreatedAt: now.UTC(), Database: db}
	txn.Put(kv.SlotSpace, SlotKey(name), EncodeSlot(s), nil)
	return s, nil
}

// AdvanceSlot buffers in txn moving the slot's confirmed position to lsn,
// capped at EndLSN(applied index) (everything committed so far; a progress
// row's LSN is never above it); a position at or below the current one changes
// nothing (PostgreSQL's pg_replication_slot_advance). It returns the slot
// as it will be. 42704 when absent, 55000 when lost.
func (f *Feed) AdvanceSlot(txn *kv.Txn, name string, lsn uint64) (Slot, error) {
	s, ok, err := f.Slot(txn, name)
	if err != nil {
		return Slot{}, err
	}
	if !ok {
		return Slot{}, errNoSlot(name)
	}
	if s.Lost {
		return Slot{}, errSlotLost(name)
	}
	lsn = min(lsn, max(EndLSN(f.cfg.Store.AppliedIndex()), s.ConfirmedLSN))
	if lsn <= s.ConfirmedLSN {
		return s, nil
	}
	s.ConfirmedLSN, s.RestartLSN = lsn, lsn
	txn.Put(kv.SlotSpace, SlotKey(name), EncodeSlot(s), nil)
	return s, nil
}

// DropSlot buffers in txn the deletion of a slot: 42704 when absent, 55006
// when a subscription of this node uses it.
func (f *Feed) DropSlot(txn *kv.Txn, name string) error {
	if _, ok, err := f.Slot(txn, name); err != nil || !ok {
		if err == nil {
			err = errNoSlot(name)
		}
		return err
	}
	if pid, ok := f.SlotActivePID(name); ok {
		return errSlotActive(name, pid)
	}
	txn.Delete(kv.SlotSpace, SlotKey(name), nil)
	return nil
}

// MarkSlotsLost buffers in txn marking the named slots lost (those
// RetentionFloor returned); missing ones are skipped.
func (f *Feed) MarkSlotsLost(txn *kv.Txn, names []string) error {
	for _, name := range names {
		s, ok, err := f.Slot(txn, name)
		if err != nil {
			return err
		}
		if !ok || s.Lost {
			continue
		}
		s.Lost = true
		txn.Put(kv.SlotSpace, SlotKey(name), EncodeSlot(s), nil)
	}
	return nil
}

func errSlotActive(name string, pid int32) error {
	if pid != 0 {
		return pgerror.New(pgerror.ObjectInUse, "replication slot \"%s\" is active for PID %d", name, pid)
	}
	return pgerror.New(pgerror.ObjectInUse, "replication slot \"%s\" is active", name)
}

func errSlotLost(name string) error {
	return &pgerror.Error{Code: pgerror.ObjectNotInPrerequisiteState,
		Message: fmt.Sprintf("can no longer get changes from replication slot \"%s\"", name),
		Detail:  "This slot has been invalidated because it exceeded the maximum reserved size (--max-slot-retention)."}
}

// slotLagScan bounds how many entries SlotLag reads looking for the first
// one with a commit time (no-ops and counter increments have none).
const slotLagScan = 64

// SlotLag reports how far slot s is behind this node's applied index: the
// entries applied after its confirmed position (an entry it has consumed
// only part of counts), and the age of the oldest of them, from its commit
// time (0 when there is none, or none with a commit time among the first
// few). For metrics. It reads the log: call it with no kv.Txn open on the
// calling goroutine.
func (f *Feed) SlotLag(s Slot, applied uint64, now time.Time) (entries uint64, age time.Duration) {
	first := IndexOf(s.ConfirmedLSN)
	if SeqOf(s.ConfirmedLSN) == MaxSeq {
		first++
	}
	first = max(first, f.cfg.Log.FirstIndex())
	if first > applied {
		return 0, 0
	}
	entries = applied - first + 1
	ents, err := f.cfg.Log.Entries(first, min(applied, first+slotLagScan-1)+1)
	if err != nil {
		return entries, 0
	}
	for _, e := range ents {
		if len(e.Data) == 0 {
			continue
		}
		c, err := kv.DecodeCommand(e.Data)
		if err != nil || c.CommitTime == 0 {
			continue
		}
		if age = now.Sub(time.UnixMicro(c.CommitTime)); age < 0 {
			age = 0
		}
		break
	}
	return entries, age
}
